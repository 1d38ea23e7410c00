"""Alert channels: e-mail over SMTP (:mod:`smtplib`) and a JSON POST to a webhook (httpx).

Settings come from the environment, or from a TOML file named by ``CEASEFIRE_ALERTS_CONFIG``
(the environment wins); never from the command line, where they would sit in the shell's
history and the process list. Secrets (the SMTP password, the webhook signing secret) are never
stored, logged, put in an audit row or shown: :class:`ChannelConfig` leaves them out of its
``repr``, and every error message is passed through :func:`scrub` first.

=============================  ==================================================
``CEASEFIRE_SMTP_HOST``        the SMTP server (no e-mail without it)
``CEASEFIRE_SMTP_PORT``        default 587 (465 with ``ssl``)
``CEASEFIRE_SMTP_SECURITY``    ``starttls`` (default), ``ssl`` or ``none``
``CEASEFIRE_SMTP_USER``        log in as this user (with the password)
``CEASEFIRE_SMTP_PASSWORD``    its password
``CEASEFIRE_SMTP_FROM``        the sender, default ``ceasefire@<host>``
``CEASEFIRE_WEBHOOK_SECRET``   sign webhook bodies: ``X-Ceasefire-Signature: sha256=<HMAC>``
=============================  ==================================================

>>> cfg = load_config({"CEASEFIRE_SMTP_HOST": "mail.example", "CEASEFIRE_SMTP_USER": "ann",
...     "CEASEFIRE_SMTP_PASSWORD": "hunter2"})
>>> cfg.smtp.port, cfg.smtp.security, "hunter2" in repr(cfg)
(587, 'starttls', False)
>>> redact("webhook", "https://user:pw@hooks.example/T1/B2?token=abc")
'https://hooks.example/… #9c296010'
>>> signature(b'{"a": 1}', "s3cret")
'sha256=1a9fab6cd4b8cdcaad8640f3eca73fa924c62ff24f3833254ef3547232153767'
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import smtplib
import ssl
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import httpx

from ceasefire.alerts.kinds import Channel
from ceasefire.errors import DeliveryError, InputError

__all__ = [
    "CONFIG_ENV",
    "SECURITY",
    "ChannelConfig",
    "SmtpConfig",
    "check_target",
    "header_text",
    "load_config",
    "post_webhook",
    "redact",
    "scrub",
    "send_email",
    "signature",
]

#: The environment variable naming the TOML settings file.
CONFIG_ENV: Final = "CEASEFIRE_ALERTS_CONFIG"
#: How the SMTP connection is secured.
SECURITY: Final = ("starttls", "ssl", "none")
#: Hosts a password may be sent to without TLS (a relay on this machine).
_LOOPBACK: Final = ("localhost", "127.0.0.1", "::1")
_ADDRESS: Final = re.compile(r"[^@\s,;<>\"]+@[^@\s,;<>\"]+")


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how e-mail is sent (the password stays out of ``repr``)."""

    host: str
    port: int = 587
    security: str = "starttls"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = "ceasefire@localhost"


@dataclass(frozen=True)
class ChannelConfig:
    """The channels' settings: SMTP (None: no e-mail), the webhook signing secret (None:
    unsigned), and how long one attempt may take."""

    smtp: SmtpConfig | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    timeout_s: float = 10.0

    def secrets(self) -> list[str]:
        """The secret values, for :func:`scrub`."""
        found = [self.webhook_secret, self.smtp.password if self.smtp else None]
        return [s for s in found if s]


def _file_settings(path: Path) -> dict[str, str]:
    """The TOML file's settings as the environment variables they stand for."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise InputError(f"cannot read it: {e.strerror}", file=str(path)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"not TOML: {e}", file=str(path)) from None
    out: dict[str, str] = {}
    for table, keys in (
        ("smtp", ("host", "port", "security", "user", "password", "from")),
        ("webhook", ("secret",)),
    ):
        section = data.get(table, {})
        if not isinstance(section, dict):
            raise InputError("must be a table", file=str(path), field=table)
        for key, value in section.items():
            if key not in keys:
                raise InputError(
                    f"unknown setting; known: {', '.join(keys)}",
                    file=str(path),
                    field=f"{table}.{key}",
                )
            out[f"CEASEFIRE_{table.upper()}_{key.upper()}"] = str(value)
    return out


def load_config(
    environ: Mapping[str, str] | None = None, path: str | Path | None = None
) -> ChannelConfig:
    """The channels' settings from ``environ`` (default ``os.environ``) over the TOML file
    ``path`` (default: the file ``CEASEFIRE_ALERTS_CONFIG`` names, if any). A bad value is an
    :class:`InputError` naming the setting (never the password's value)."""
    env = dict(os.environ if environ is None else environ)
    where = path or env.get(CONFIG_ENV)
    settings = {**(_file_settings(Path(where)) if where else {}), **env}
    host = settings.get("CEASEFIRE_SMTP_HOST") or None
    smtp = None
    if host:
        security = settings.get("CEASEFIRE_SMTP_SECURITY", "starttls").lower()
        if security not in SECURITY:
            raise InputError(
                f"must be one of {', '.join(SECURITY)}",
                field="CEASEFIRE_SMTP_SECURITY",
                value=security,
            )
        port_text = settings.get("CEASEFIRE_SMTP_PORT") or ("465" if security == "ssl" else "587")
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise InputError("not a port number", field="CEASEFIRE_SMTP_PORT", value=port_text)
        user = settings.get("CEASEFIRE_SMTP_USER") or None
        password = settings.get("CEASEFIRE_SMTP_PASSWORD") or None
        if password and security == "none" and host not in _LOOPBACK:
            raise InputError(
                "a password is never sent to another host without TLS: use starttls or ssl",
                field="CEASEFIRE_SMTP_SECURITY",
                value=security,
            )
        smtp = SmtpConfig(
            host=host,
            port=int(port_text),
            security=security,
            user=user,
            password=password,
            sender=settings.get("CEASEFIRE_SMTP_FROM") or f"ceasefire@{host}",
        )
    return ChannelConfig(smtp=smtp, webhook_secret=settings.get("CEASEFIRE_WEBHOOK_SECRET") or None)


class _RedactUrls(logging.Filter):
    """httpx logs every request's URL ("HTTP Request: POST https://..."): a webhook URL may
    carry a token in its path or query, so on httpx's logger a URL is given as :func:`redact`
    gives it (scheme, host, port and a hash)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact(Channel.WEBHOOK, str(a)) if isinstance(a, httpx.URL) else a
                for a in record.args
            )
        return True


logging.getLogger("httpx").addFilter(_RedactUrls())


def check_target(channel: Channel, target: str) -> str:
    """A rule's target checked: e-mail addresses (comma-separated) or an ``http(s)`` URL that
    httpx can send to. A refused URL is named as :func:`redact` shows it (its path and query
    may hold a token).

    >>> check_target(Channel.EMAIL, "ann@example.org, Bo <bo@example.org>")
    'ann@example.org, bo@example.org'
    >>> check_target(Channel.WEBHOOK, "ftp://x/T1/secret")
    Traceback (most recent call last):
    ...
    ceasefire.errors.InputError: webhook: not an http(s) URL with a host ('ftp://x/… #82665a96')
    >>> check_target(Channel.WEBHOOK, "http://[::1/T1")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ceasefire.errors.InputError: webhook: not a URL that can be sent to: Invalid IPv6 URL ...)
    """
    if channel is Channel.EMAIL:
        addresses = [parseaddr(part.strip())[1] for part in target.split(",") if part.strip()]
        bad = [a for a in addresses if not _ADDRESS.fullmatch(a)]
        if not addresses or bad:
            raise InputError("not an e-mail address", field="email", value=target)
        return ", ".join(addresses)
    text = target.strip()
    shown = redact(Channel.WEBHOOK, text)
    try:
        parts = urlsplit(text)
        if parts.port is not None and parts.port == 0:
            raise ValueError("port 0")
        httpx.Request("POST", text)  # what httpx itself refuses (an IDNA host like xn--)
    except (ValueError, httpx.InvalidURL) as e:
        why = scrub(str(e), [], text)
        raise InputError(
            f"not a URL that can be sent to: {why}", field="webhook", value=shown
        ) from None
    if parts.scheme not in ("http", "https") or not parts.hostname or re.search(r"\s", text):
        raise InputError("not an http(s) URL with a host", field="webhook", value=shown)
    return text


def _tag(target: str) -> str:
    """A short hash of the whole target: tells two rules' URLs apart, shows neither."""
    return hashlib.sha256(target.encode()).hexdigest()[:8]


def redact(channel: str, target: str) -> str:
    """A target as it may be shown, logged and audited: a URL as ``scheme://host[:port]/…``
    and a short hash of the whole URL (its user, password, path and query are never shown:
    Slack, Discord and Mattermost put the secret in the path); e-mail addresses as they are.
    Never raises (a URL that cannot be read is ``webhook URL #hash``).

    >>> redact("webhook", "https://hooks.slack.com/services/T0001/B0001/XXXXSECRET")
    'https://hooks.slack.com/… #94882948'
    >>> redact("email", "ann@example.org")
    'ann@example.org'
    """
    if channel != Channel.WEBHOOK:
        return target
    tag = _tag(target)
    try:
        parts = urlsplit(target)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return f"webhook URL #{tag}"
    if not parts.scheme.isalpha() or not host or _NOT_IN_HEADER.search(host):
        return f"webhook URL #{tag}"
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}{port}/… #{tag}"


def scrub(text: str, secrets: Sequence[str], target: str | None = None) -> str:
    """``text`` with every secret, and a target URL (whole, or its path and query as an
    error message may quote them), replaced: what may be logged or stored.

    >>> scrub("535 bad auth for hunter2 at http://h/x?t=1", ["hunter2"], "http://h/x?t=1")
    '535 bad auth for *** at http://h/… #dcb565e5'
    """
    out = text
    if target and target.startswith(("http://", "https://")):
        out = out.replace(target, redact(Channel.WEBHOOK, target))
        try:
            parts = urlsplit(target)
        except ValueError:
            parts = None
        if parts is not None:
            tail = parts.path + (f"?{parts.query}" if parts.query else "")
            userinfo = parts.netloc.rpartition("@")[0]
            for piece in (tail, parts.path, parts.query, userinfo):
                if len(piece) > 1:
                    out = out.replace(piece, "…")
    for s in secrets:
        out = out.replace(s, "***")
    return out


def signature(body: bytes, secret: str) -> str:
    """The ``X-Ceasefire-Signature`` header of a webhook body: ``sha256=`` and the hex HMAC."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


#: What may not stand in a header: line breaks, other whitespace runs and control characters
#: (``\s`` covers U+2028/U+2029 and U+0085; ``\x00-\x1f``, ``\x7f-\x9f`` the C0/C1 controls).
_NOT_IN_HEADER: Final = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")


def header_text(value: str) -> str:
    """``value`` as one header line: every run of whitespace and control characters (a line
    break in a place name, U+2028) made one space.

    >>> header_text("violation in z: Ariha\\n\\u2028Bcc: x@y\\x00 ")
    'violation in z: Ariha Bcc: x@y'
    """
    return _NOT_IN_HEADER.sub(" ", value).strip()


def _domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "ceasefire.invalid"


def send_email(
    config: ChannelConfig,
    to: str,
    subject: str,
    text: str,
    *,
    delivery: str,
    headers: Mapping[str, str] | None = None,
) -> None:
    """Send one plain-text message to the comma-separated addresses ``to``; its
    ``Message-ID`` is made of ``delivery`` (the same on every retry, so a mail system can
    drop a copy). Raises :class:`DeliveryError` (scrubbed of secrets) when it is not taken."""
    smtp = config.smtp
    if smtp is None:
        raise DeliveryError("e-mail: no SMTP server set (CEASEFIRE_SMTP_HOST; docs/alerts.md)")
    try:
        msg = EmailMessage()
        msg["From"] = header_text(smtp.sender)
        msg["To"] = header_text(to)
        msg["Subject"] = header_text(subject)
        msg["Date"] = formatdate(localtime=False, usegmt=True)
        msg["Message-ID"] = f"<ceasefire-alert-{delivery}@{_domain(smtp.sender)}>"
        for k, v in (headers or {}).items():
            msg[header_text(k)] = header_text(v)
        msg.set_content(text)
        _smtp_send(smtp, msg, config.timeout_s)
    except (OSError, smtplib.SMTPException, ValueError, TypeError) as e:
        why = scrub(f"{type(e).__name__}: {e}", config.secrets())
        raise DeliveryError(f"e-mail via {smtp.host}:{smtp.port}: {why}") from None


def _smtp_send(smtp: SmtpConfig, msg: EmailMessage, timeout: float) -> None:
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if smtp.security == "ssl":
        client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=timeout)
    with client:
        client.ehlo()
        if smtp.security == "starttls":
            client.starttls(context=context)
            client.ehlo()
        if smtp.user and smtp.password:
            client.login(smtp.user, smtp.password)
        client.send_message(msg)


def post_webhook(
    config: ChannelConfig, url: str, payload: Mapping[str, Any], *, delivery: str
) -> None:
    """POST ``payload`` as JSON to ``url``, with ``X-Ceasefire-Delivery`` (the same on every
    retry: a receiver can drop a copy) and, when a secret is set, ``X-Ceasefire-Signature``
    (HMAC-SHA256 of the body). Any answer but 2xx, no answer, and a URL httpx cannot send to
    are a :class:`DeliveryError` naming the URL as :func:`redact` shows it."""
    body = json.dumps(dict(payload), sort_keys=True, ensure_ascii=False, default=str).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "ceasefire-alerts",
        "X-Ceasefire-Delivery": delivery,
    }
    if config.webhook_secret:
        headers["X-Ceasefire-Signature"] = signature(body, config.webhook_secret)
    shown = redact(Channel.WEBHOOK, url)
    try:
        r = httpx.post(url, content=body, headers=headers, timeout=config.timeout_s)
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as e:  # ValueError: a bad IDNA host
        why = scrub(f"{type(e).__name__}: {e}", config.secrets(), url)
        raise DeliveryError(f"webhook {shown}: {why}") from None
    if not 200 <= r.status_code < 300:
        raise DeliveryError(f"webhook {shown}: HTTP {r.status_code} {r.reason_phrase}")
