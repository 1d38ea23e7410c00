"""``ceasefire serve`` and ``ceasefire users``: the workspace's commands."""

from __future__ import annotations

import os
import sys
from datetime import timedelta

import click
import pandas as pd
from sqlalchemy import Engine

from ..errors import StoreError, UnknownIdError
from ..store import SQLStore, Store, workspace
from ..store.engine import store_url
from . import cli, db_option, emit, handle_errors, opened_store, say


def _sql(store: Store) -> SQLStore:
    if not isinstance(store, SQLStore):
        raise StoreError("users live in an SQL store (an SQLite path or a database URL)")
    return store


@cli.command("serve")
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--demo-users",
    is_flag=True,
    help="Create (if absent) admin, analyst, monitor and viewer with the documented demo "
    "passwords, and print them. For a local demo only.",
)
@click.option(
    "--no-anonymous", is_flag=True, help="Refuse reads without a login or token (default: allow)."
)
@click.option(
    "--forwarded-allow-ips",
    default=None,
    metavar="IPS",
    help="Comma-separated addresses of reverse proxies whose X-Forwarded-For header is trusted "
    "for the client's address (login throttling, logs). Default: none; the address is the "
    "socket's.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Server processes. Logins, sessions, the login throttle and every cache's "
    "invalidation go through the store, so a write through one is seen by the next read "
    "through any other (docs/web.md).",
)
@handle_errors
def serve(
    db: str,
    host: str,
    port: int,
    demo_users: bool,
    no_anonymous: bool,
    forwarded_allow_ips: str | None,
    workers: int,
) -> None:
    """Serve the dashboard and the HTTP API (docs/api.md) over the store; `GET /healthz`
    answers a proxy whether the store does."""
    import uvicorn

    from ..web import app as web_app
    from ..web.serving import NoDelayH11Protocol

    # client addresses from the socket unless proxies are named (uvicorn would otherwise trust
    # X-Forwarded-For from 127.0.0.1, so any local process could pick its address)
    options = {
        "host": host,
        "port": port,
        "log_level": "warning",
        "proxy_headers": forwarded_allow_ips is not None,
        "forwarded_allow_ips": forwarded_allow_ips,
        "http": NoDelayH11Protocol,  # no Nagle delay on kept-alive connections (web/serving.py)
    }
    if workers == 1:
        app = web_app.create_app(db, anonymous_read=not no_anonymous)
        if demo_users:
            _say_demo_users(app.state.store.engine)
        say(f"Dashboard on http://{host}:{port}")
        uvicorn.run(app, **options)  # type: ignore[arg-type]
        return
    url = store_url(db)
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        raise StoreError("several workers need a store they can all open, not ':memory:'")
    # the store is migrated and the demo users made once, here, before any worker starts
    with opened_store(db) as store:
        if demo_users:
            _say_demo_users(_sql(store).engine)
    os.environ[web_app.ENV_DB] = db
    os.environ[web_app.ENV_ANONYMOUS_READ] = "0" if no_anonymous else "1"
    say(f"Dashboard on http://{host}:{port} ({workers} worker processes)")
    uvicorn.run(
        f"{web_app.__name__}:{web_app.app_from_env.__name__}",
        factory=True,
        workers=workers,
        **options,  # type: ignore[arg-type]
    )


def _say_demo_users(engine: Engine) -> None:
    for name, role, password, created in workspace.ensure_demo_users(engine):
        state = "created" if created else "exists; password unchanged"
        say(f"demo user {name} ({role}) password {password}  [{state}]")


@cli.group()
def users() -> None:
    """Workspace users: add, list; API tokens: issue, list, revoke."""


@users.command("add")
@click.argument("name")
@click.option(
    "--role", required=True, type=click.Choice(list(workspace.ROLES)), help="What they may do."
)
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin's first line.")
@db_option
@handle_errors
def users_add(name: str, role: str, password_stdin: bool, db: str) -> None:
    """Add a user (the password is asked for, or read from stdin; stored as a scrypt hash)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with opened_store(db) as store:
        user = workspace.add_user(_sql(store).engine, name, role, password, actor=None)
    say(f"added {user.name} ({user.role}), id {user.id}")


@users.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
@db_option
@handle_errors
def users_list(fmt: str, db: str) -> None:
    """List users (never their password hashes)."""
    with opened_store(db, need="data") as store:
        rows = workspace.users(_sql(store).engine)
    emit(pd.DataFrame(rows, columns=["id", "name", "role", "created_at"]), fmt, "Users")


@users.command("token")
@click.argument("name")
@click.option("--label", default=None, help="What the token is for (shown in the audit log).")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="Valid for N days (default: until revoked).",
)
@db_option
@handle_errors
def users_token(name: str, label: str | None, days: int | None, db: str) -> None:
    """Issue an API token for NAME and print it once (only its SHA-256 is stored)."""
    with opened_store(db, need="data") as store:
        user = workspace.user_by_name(_sql(store).engine, name)
        if user is None:
            raise UnknownIdError(f"no user named {name!r}")
        ttl = timedelta(days=days) if days else None
        token = workspace.create_token(_sql(store).engine, user, label=label, ttl=ttl)
    say(token)
    click.echo("Send it as 'Authorization: Bearer <token>'. It is not shown again.", err=True)


@users.command("tokens")
@click.argument("name", required=False)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
@db_option
@handle_errors
def users_tokens(name: str | None, fmt: str, db: str) -> None:
    """List API tokens (all, or NAME's): id, label, when made, last used, expiry, revocation."""
    with opened_store(db, need="data") as store:
        engine = _sql(store).engine
        user = workspace.user_by_name(engine, name) if name else None
        if name and user is None:
            raise UnknownIdError(f"no user named {name!r}")
        rows = workspace.tokens(engine, user)
    columns = ["id", "user", "label", "created_at", "last_used_at", "expires_at", "revoked_at"]
    emit(pd.DataFrame(rows, columns=columns), fmt, "API tokens")


@users.command("revoke")
@click.argument("token_id", type=int)
@db_option
@handle_errors
def users_revoke(token_id: int, db: str) -> None:
    """Revoke the API token with id TOKEN_ID (see `users tokens`); it stops working at once."""
    with opened_store(db, need="data") as store:
        workspace.revoke_token(_sql(store).engine, token_id, actor=None)
    say(f"revoked API token {token_id}")
