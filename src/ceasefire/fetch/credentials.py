"""Credentials for the providers' APIs: from the environment or a private config file, never
from the command line (it shows in ``ps`` and in the shell's history).

Looked up in this order: the environment (``UCDP_ACCESS_TOKEN``; ``ACLED_EMAIL`` and
``ACLED_PASSWORD``), then the file named by ``--credentials`` or, without it,
``$XDG_CONFIG_HOME/ceasefire/credentials.toml`` (``~/.config/...``)::

    [ucdp]
    access_token = "..."

    [acled]
    email = "monitor@example.org"
    password = "..."

A file that its group or others may read is refused (``chmod 600`` it). A credential is held
in a :class:`Secret`, whose ``repr`` and ``str`` never show it.

>>> Secret("s3cr3t"), str(Secret("s3cr3t"))
(Secret('***'), '***')
>>> Secret("s3cr3t").reveal()
's3cr3t'
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from ceasefire.errors import FetchError

__all__ = [
    "ACLED_EMAIL_ENV",
    "ACLED_PASSWORD_ENV",
    "UCDP_TOKEN_ENV",
    "AcledLogin",
    "Secret",
    "acled_login",
    "default_credentials_file",
    "ucdp_token",
]

#: The environment variable holding the UCDP API access token.
UCDP_TOKEN_ENV: Final = "UCDP_ACCESS_TOKEN"
#: The environment variables holding the myACLED account's e-mail and password.
ACLED_EMAIL_ENV: Final = "ACLED_EMAIL"
ACLED_PASSWORD_ENV: Final = "ACLED_PASSWORD"


class Secret:
    """A credential: :meth:`reveal` gives it; ``repr``/``str``/formatting never do."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The credential itself: only to put it in a request."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __format__(self, spec: str) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class AcledLogin:
    """A myACLED account: its e-mail (not secret, but not logged either) and password."""

    email: str
    password: Secret

    def __repr__(self) -> str:
        return "AcledLogin(email='***', password=Secret('***'))"


def default_credentials_file(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CONFIG_HOME/ceasefire/credentials.toml``, or under ``~/.config``.

    >>> default_credentials_file({"XDG_CONFIG_HOME": "/cfg"}).as_posix()
    '/cfg/ceasefire/credentials.toml'
    """
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "ceasefire" / "credentials.toml"


def _file_section(path: Path | None, section: str, *, explicit: bool) -> dict[str, Any]:
    """The ``[section]`` of the credentials file (empty when there is no file and none was
    named); a file group or others may read is refused."""
    if path is None:
        return {}
    if not path.is_file():
        if explicit:
            raise FetchError(f"{path}: no such credentials file")
        return {}
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise FetchError(
            f"{path}: the credentials file may be read by others (mode {stat.S_IMODE(mode):o});"
            f" make it private with `chmod 600 {path}`"
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        # the parser's message may quote the file's text: say only where
        where = getattr(exc, "lineno", None)
        raise FetchError(
            f"{path}: not a readable TOML file" + (f" (line {where})" if where else "")
        ) from None
    found = data.get(section, {})
    if not isinstance(found, dict):
        raise FetchError(f"{path}: [{section}] is not a table")
    return found


def _text(section: Mapping[str, Any], key: str, path: Path | None, name: str) -> str | None:
    value = section.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise FetchError(f"{path}: [{name}] {key} must be a non-empty string")
    return value.strip()


def ucdp_token(*, env: Mapping[str, str] | None = None, file: Path | None = None) -> Secret:
    """The UCDP access token, from ``UCDP_ACCESS_TOKEN`` or the credentials file.

    >>> ucdp_token(env={"UCDP_ACCESS_TOKEN": "abc"}, file=None)
    Secret('***')
    """
    env = os.environ if env is None else env
    value = env.get(UCDP_TOKEN_ENV, "").strip()
    if value:
        return Secret(value)
    path = file or default_credentials_file(env)
    section = _file_section(path, "ucdp", explicit=file is not None)
    token = _text(section, "access_token", path, "ucdp")
    if token is None:
        raise FetchError(
            f"no UCDP access token: set {UCDP_TOKEN_ENV} or put access_token under [ucdp] in "
            f"{path} (mode 600); UCDP gives tokens on request (https://ucdp.uu.se/apidocs/)"
        )
    return Secret(token)


def acled_login(*, env: Mapping[str, str] | None = None, file: Path | None = None) -> AcledLogin:
    """The myACLED e-mail and password, from ``ACLED_EMAIL``/``ACLED_PASSWORD`` or the
    credentials file (both from the same place)."""
    env = os.environ if env is None else env
    email, password = env.get(ACLED_EMAIL_ENV, "").strip(), env.get(ACLED_PASSWORD_ENV, "")
    if email and password:
        return AcledLogin(email, Secret(password))
    path = file or default_credentials_file(env)
    section = _file_section(path, "acled", explicit=file is not None)
    f_email = _text(section, "email", path, "acled")
    f_password = _text(section, "password", path, "acled")
    if f_email is None or f_password is None:
        raise FetchError(
            f"no ACLED login: set {ACLED_EMAIL_ENV} and {ACLED_PASSWORD_ENV}, or put email and "
            f"password under [acled] in {path} (mode 600)"
        )
    return AcledLogin(f_email, Secret(f_password))
