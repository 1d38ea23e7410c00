"""PostgreSQL's client programs (``pg_dump``, ``pg_restore``) for a store's URL: finding them,
running them without the password on their command line, and choosing what a restore applies.

:func:`pg_tool` finds a program on ``PATH`` or in Debian's ``/usr/lib/postgresql/<version>/bin``
(newest first); :func:`conninfo` turns an SQLAlchemy URL into libpq's connection string, less
its password, which :func:`run_pg` passes in the program's environment (``PGPASSWORD``: the
process list shows command lines to every local user, environments to nobody else).
:func:`restore_list` is the dump's table of contents without its extensions, which only a
superuser may create: the target database must have them already (docs/deploy.md).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Connection, text
from sqlalchemy.engine import URL

from ceasefire.errors import StoreError

__all__ = [
    "PG_LIB",
    "Extensions",
    "conninfo",
    "installed_extensions",
    "pg_tool",
    "restore_list",
    "run_pg",
]

#: Where Debian installs each PostgreSQL version's programs (``<version>/bin``), searched
#: after ``PATH``, newest version first.
PG_LIB: Final = Path("/usr/lib/postgresql")
#: How long a program waits for the server to answer a connection, unless the environment
#: says otherwise (``PGCONNECT_TIMEOUT``).
_CONNECT_TIMEOUT_S: Final = "30"

#: The extensions a database has, and their own tables (``schema name``, e.g.
#: ``public spatial_ref_sys``), whose rows come with the extension.
Extensions = tuple[set[str], set[str]]

_EXTENSION_TABLES: Final = text(
    "SELECT n.nspname, c.relname FROM pg_extension e"
    " CROSS JOIN LATERAL unnest(e.extconfig) AS cfg(oid)"
    " JOIN pg_class c ON c.oid = cfg.oid JOIN pg_namespace n ON n.oid = c.relnamespace"
)
#: Lines of ``pg_restore --list``: ``<id>; <catalog oid> <oid> <type> <schema> <name> <owner>``.
_TOC_EXTENSION: Final = re.compile(r"^\d+; \d+ \d+ EXTENSION - (\S+)")
_TOC_TABLE_DATA: Final = re.compile(r"^\d+; \d+ \d+ TABLE DATA (\S+ \S+) ")


def pg_tool(name: str, *, path: str | None = None, lib: Path = PG_LIB) -> Path:
    """The program ``name`` (``pg_dump``, ``pg_restore``): on ``path`` (default: ``PATH``),
    else in ``lib/<version>/bin``, newest version first; :class:`StoreError` when neither has
    it.

    >>> pg_tool("pg_dump", path="", lib=Path("/nowhere"))
    Traceback (most recent call last):
    ...
    ceasefire.errors.StoreError: pg_dump was not found on PATH nor in /nowhere/<version>/bin: \
install PostgreSQL's client programs (Debian: apt install postgresql-client-15)
    """
    found = shutil.which(name, path=path)
    if found:
        return Path(found)
    versions = sorted(
        (d for d in lib.glob("*/bin") if d.parent.name.isdigit()),
        key=lambda d: int(d.parent.name),
        reverse=True,
    )
    for folder in versions:
        if (folder / name).is_file():
            return folder / name
    raise StoreError(
        f"{name} was not found on PATH nor in {lib}/<version>/bin: install PostgreSQL's client "
        "programs (Debian: apt install postgresql-client-15)"
    )


def conninfo(url: URL) -> str:
    """libpq's connection string for ``url``, without its password (:func:`run_pg` passes it).

    >>> from sqlalchemy.engine import make_url
    >>> conninfo(make_url("postgresql+psycopg://mon:pw@db:5433/cf?sslmode=require"))
    "host='db' port='5433' user='mon' dbname='cf' sslmode='require'"
    >>> conninfo(make_url("postgresql+psycopg://mon@/cf?host=/var/run/postgresql"))
    "host='/var/run/postgresql' user='mon' dbname='cf'"
    """
    parts: dict[str, Any] = {
        "host": url.host,
        "port": url.port,
        "user": url.username,
        "dbname": url.database,
    }
    for key, value in url.query.items():
        parts[key] = ",".join(value) if isinstance(value, tuple) else value
    return " ".join(
        f"{k}='{_quoted(str(v))}'" for k, v in parts.items() if v is not None and v != ""
    )


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def run_pg(program: Path, *args: str, url: URL | None, what: str) -> str:
    """Run ``program`` with ``args``, the password of ``url`` (if any) in its environment; its
    standard output. :class:`StoreError` starting with ``what`` and ending with the program's
    own message when it fails."""
    env = dict(os.environ)
    env.setdefault("PGCONNECT_TIMEOUT", _CONNECT_TIMEOUT_S)
    env.setdefault("PGAPPNAME", f"ceasefire {program.name}")
    if url is not None and url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    done = subprocess.run(
        [str(program), *args], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip()
        raise StoreError(f"{what} failed ({program.name} exit status {done.returncode}): {said}")
    return done.stdout


def installed_extensions(conn: Connection) -> Extensions:
    """The extensions of the database ``conn`` is connected to, and their own tables."""
    names = {str(r[0]) for r in conn.execute(text("SELECT extname FROM pg_extension"))}
    tables = {f"{r[0]} {r[1]}" for r in conn.execute(_EXTENSION_TABLES)}
    return names, tables


def restore_list(listing: str, target: Extensions, *, backup: str, target_name: str) -> str:
    """``pg_restore --list`` of a dump (``listing``) for a ``--use-list`` into a database with
    the extensions ``target``: less the extensions (which the target must already have:
    creating one takes a superuser), and less the rows of their own tables
    (``spatial_ref_sys``: the target's extension has its own). :class:`StoreError` naming the
    extension the target lacks, and the remedy.

    >>> toc = "2; 3079 1 EXTENSION - postgis \\n9; 0 7 TABLE DATA public spatial_ref_sys pg\\n"
    >>> toc += "5; 1259 8 TABLE public events ceasefire"
    >>> restore_list(toc, ({"postgis"}, {"public spatial_ref_sys"}), backup="b", target_name="t")
    '5; 1259 8 TABLE public events ceasefire\\n'
    >>> restore_list(toc, (set(), set()), backup="b", target_name="t")
    Traceback (most recent call last):
    ...
    ceasefire.errors.StoreError: b needs the extension postgis, which t lacks: as a superuser, \
run CREATE EXTENSION postgis in that database first (nothing was restored)
    """
    extensions, tables = target
    kept = []
    for line in listing.splitlines():
        extension = _TOC_EXTENSION.match(line)
        if extension and extension.group(1) not in extensions:
            raise StoreError(
                f"{backup} needs the extension {extension.group(1)}, which {target_name} lacks: "
                f"as a superuser, run CREATE EXTENSION {extension.group(1)} in that database "
                "first (nothing was restored)"
            )
        data = _TOC_TABLE_DATA.match(line + " ")
        if not extension and not (data and data.group(1) in tables):
            kept.append(line)
    return "\n".join(kept) + "\n" if kept else ""
