"""A throwaway PostgreSQL 15 + PostGIS 3 cluster for the tests (issue 11): Debian's packages
(``make test`` installs them), a cluster made with ``initdb`` in a temporary folder, started with
``pg_ctl`` on a free loopback port and stopped at the end of the session. ``initdb`` and
``pg_ctl`` refuse to run as root: as root they run as the ``postgres`` user (``runuser``).

Each test that asks gets its own database, made from a template that already has PostGIS
(``CREATE DATABASE ... TEMPLATE``, a file copy: milliseconds), so tests never see each other's
data. ``fsync`` is off: a crashed test cluster is thrown away anyway.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Final

BIN: Final = Path("/usr/lib/postgresql/15/bin")
POSTGIS: Final = Path("/usr/share/postgresql/15/extension/postgis.control")
TEMPLATE: Final = "ceasefire_template"


def missing() -> str | None:
    """Why the cluster cannot be made here, or None."""
    if not (BIN / "initdb").exists():
        return f"{BIN}/initdb is missing: `make test` installs Debian's postgresql-15"
    if not POSTGIS.exists():
        return f"{POSTGIS} is missing: `make test` installs Debian's postgresql-15-postgis-3"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """A running cluster; :meth:`database` makes a new empty database (PostGIS on) and
    returns its SQLAlchemy URL."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="ceasefire-pg-"))
        self.port = _free_port()
        self._names = itertools.count(1)
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.root, "postgres")
        self._run(
            str(BIN / "initdb"),
            "-D",
            str(self.root / "data"),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            str(BIN / "pg_ctl"),
            "-D",
            str(self.root / "data"),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
        )
        self.sql("postgres", f"CREATE DATABASE {TEMPLATE}")
        self.sql(TEMPLATE, "CREATE EXTENSION postgis")

    def _run(self, *cmd: str) -> None:
        full = ["runuser", "-u", "postgres", "--", *cmd] if self._as_postgres else list(cmd)
        done = subprocess.run(full, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed: {done.stdout}{done.stderr}")

    def sql(self, database: str, sql: str) -> None:
        """Run ``sql`` on ``database`` as the superuser, outside a transaction."""
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=database, autocommit=True
        ) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def database(self, prefix: str = "t") -> str:
        """A new database with PostGIS, empty of ceasefire's tables; its URL."""
        name = f"{prefix}_{next(self._names)}"
        self.sql("postgres", f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(str(BIN / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def copy_database(url: str) -> str:
    """A new database on the same server, a copy of the one at ``url`` (which must have no
    open connections: a store that was closed); its URL."""
    import uuid

    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    name = f"c_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(
        host=u.host, port=u.port, user=u.username, dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {u.database}")  # type: ignore[arg-type]
    return u.set(database=name).render_as_string(hide_password=False)
