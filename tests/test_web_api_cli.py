"""``ceasefire users`` and ``ceasefire serve``: real commands, a real server on loopback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from click.testing import CliRunner

from ceasefire.cli import cli
from ceasefire.store import open_store, workspace


def test_users_add_list_token(tmp_path: Path) -> None:
    db = str(tmp_path / "u.db")
    runner = CliRunner()
    r = runner.invoke(
        cli, ["users", "add", "ann", "--role", "analyst", "--password-stdin", "--db", db],
        input="correct horse battery\n",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "added ann (analyst)" in r.output
    again = runner.invoke(
        cli, ["users", "add", "ann", "--role", "viewer", "--password-stdin", "--db", db],
        input="another password\n",
    )  # fmt: skip
    assert again.exit_code == 2 and "exists" in again.output
    listed = runner.invoke(cli, ["users", "list", "--format", "csv", "--db", db])
    assert listed.output.splitlines()[0] == "id,name,role,created_at"
    assert ",ann,analyst," in listed.output and "scrypt" not in listed.output
    tok = runner.invoke(cli, ["users", "token", "ann", "--label", "nb", "--db", db])
    assert tok.exit_code == 0
    token = tok.stdout.strip().splitlines()[0]
    with open_store(db) as store:
        user = workspace.user_for_token(store.engine, token)
        assert user is not None and user.name == "ann"
        assert workspace.check_password(store.engine, "ann", "correct horse battery") == user
    missing = runner.invoke(cli, ["users", "token", "bob", "--db", db])
    assert missing.exit_code == 2 and "no user named 'bob'" in missing.output
    listed = runner.invoke(cli, ["users", "tokens", "ann", "--format", "csv", "--db", db])
    header, row = listed.output.splitlines()[:2]
    assert header == "id,user,label,created_at,last_used_at,expires_at,revoked_at"
    assert row.startswith("1,ann,nb,") and token not in listed.output
    revoked = runner.invoke(cli, ["users", "revoke", "1", "--db", db])
    assert revoked.exit_code == 0 and "revoked API token 1" in revoked.output
    with open_store(db) as store:
        assert workspace.user_for_token(store.engine, token) is None
    short = runner.invoke(cli, ["users", "token", "ann", "--days", "7", "--db", db])
    assert short.exit_code == 0
    listed = runner.invoke(cli, ["users", "tokens", "--format", "json", "--db", db])
    assert '"expires_at":"20' in listed.output.replace(" ", "")
    assert runner.invoke(cli, ["users", "revoke", "99", "--db", db]).exit_code == 2


def test_users_add_refuses_a_short_password(tmp_path: Path) -> None:
    db = str(tmp_path / "u.db")
    r = CliRunner().invoke(
        cli, ["users", "add", "x", "--role", "viewer", "--password-stdin", "--db", db],
        input="short\n",
    )  # fmt: skip
    assert r.exit_code == 1 and "at least 8 characters" in r.output


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_with_demo_users_answers_on_loopback(tmp_path: Path) -> None:
    port = _port()
    cmd = [
        sys.executable, "-c", "from ceasefire.cli import main; main()",
        "serve", "--db", str(tmp_path / "s.db"), "--port", str(port), "--demo-users",
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(5)]
        assert "demo user monitor (monitor) password monitor-demo  [created]" in lines[2]
        assert lines[4].strip() == f"Dashboard on http://127.0.0.1:{port}"
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                me = httpx.get(f"{base}/api/me", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert me.json() == {"user": None, "anonymous_read": True}
        with httpx.Client(base_url=base) as client:
            r = client.post(
                "/login", data={"username": "monitor", "password": "monitor-demo", "next": "/"}
            )
            assert r.status_code == 303
            assert client.get("/api/me").json()["user"]["role"] == "monitor"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()
