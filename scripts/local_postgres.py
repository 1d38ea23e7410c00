"""A local PostgreSQL 15 + PostGIS 3 for trying the team server on one machine (`make demo-team`).

Usage: ``python scripts/local_postgres.py start|stop|url [--dir .team-db] [--port 5433]``.

``start`` makes a cluster in ``--dir`` the first time (``initdb``; as root it runs as the
``postgres`` user, which ``initdb`` and ``pg_ctl`` require), starts it on 127.0.0.1:``--port``,
creates the database ``ceasefire`` with PostGIS, and prints its URL; ``stop`` stops it; ``url``
prints the URL. The cluster trusts local connections: it is for a demo on this machine, not a
server (see docs/deploy.md for one). Debian's ``postgresql-15`` and ``postgresql-15-postgis-3``
must be installed (``make demo-team`` installs them).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

BIN = Path("/usr/lib/postgresql/15/bin")


def _run(*cmd: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    full = ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else list(cmd)
    done = subprocess.run(full, capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed: {done.stdout}{done.stderr}")
    return done


def url(port: int) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/ceasefire"


def start(folder: Path, port: int) -> None:
    if not (BIN / "initdb").exists():
        sys.exit(f"{BIN}/initdb is missing: install Debian's postgresql-15 (make demo-team does)")
    folder = folder.resolve()
    data = folder / "data"
    if not data.exists():
        folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres")
        _run(str(BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
    status = _run(str(BIN / "pg_ctl"), "-D", str(data), "status", check=False)
    if status.returncode != 0:
        # the settings docs/deploy.md suggests for a store of a million events (the defaults,
        # 128 MB of buffers and 4 MB to sort in, make the map's cells sort on disk)
        options = (
            f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
            " -c shared_buffers=512MB -c work_mem=32MB"
        )
        _run(str(BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w",
             "start")  # fmt: skip
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=port, user="postgres", autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname = 'ceasefire'").fetchone():
            c.execute("CREATE DATABASE ceasefire")
    with psycopg.connect(
        host="127.0.0.1", port=port, user="postgres", dbname="ceasefire", autocommit=True
    ) as c:
        c.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    print(url(port))


def stop(folder: Path) -> None:
    data = folder.resolve() / "data"
    if data.exists():
        _run(str(BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "stop", check=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=["start", "stop", "url"])
    ap.add_argument("--dir", type=Path, default=Path(".team-db"))
    ap.add_argument("--port", type=int, default=5433)
    args = ap.parse_args()
    if args.action == "start":
        start(args.dir, args.port)
    elif args.action == "stop":
        stop(args.dir)
    else:
        print(url(args.port))


if __name__ == "__main__":
    main()
