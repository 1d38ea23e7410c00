"""The ASGI application: the API under ``/api``, pages at ``/``, vendored assets at ``/static``,
and ``/healthz`` for a proxy or a process supervisor.

:func:`create_app` builds it over one store; :func:`app_from_env` is the factory each worker
process of ``ceasefire serve --workers N`` calls (the store and options come in environment
variables). What the workers share goes through the store (docs/web.md, "Several workers").

>>> app = create_app(":memory:")
>>> app.openapi_url, app.state.anonymous_read
('/api/openapi.json', True)
>>> from fastapi.testclient import TestClient
>>> TestClient(app).get("/healthz").json() == {
...     "status": "ok", "schema": LATEST, "store": "sqlite"}
True
>>> app.state.login_throttle.close(); app.state.store.close()
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Final

from fastapi import FastAPI, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ceasefire.errors import StoreError
from ceasefire.store import LATEST, open_store
from ceasefire.store.migrations import current_version
from ceasefire.web import api, auth, errors, humanitarian, pages, patrols, situation_reports
from ceasefire.web.cache import ResultCache
from ceasefire.web.catalog import Catalog
from ceasefire.web.limits import FORM_OVERHEAD, BodyLimit, JsonLimit
from ceasefire.web.media import JsonBodies

__all__ = ["ENV_ANONYMOUS_READ", "ENV_DB", "WORKER_HEADER", "app_from_env", "create_app"]

log = logging.getLogger("ceasefire.web")

STATIC = Path(__file__).parent / "static"

#: The environment variables ``ceasefire serve --workers N`` sets for :func:`app_from_env`:
#: the store's path or URL, and ``0`` to refuse anonymous reads (``--no-anonymous``).
ENV_DB: Final = "CEASEFIRE_DB"
ENV_ANONYMOUS_READ: Final = "CEASEFIRE_ANONYMOUS_READ"
#: The header naming the worker process that answered (a random id per process, not its pid),
#: sent only by the apps of ``ceasefire serve --workers N``.
WORKER_HEADER: Final = "X-Ceasefire-Worker"

#: Sent with every answer: no MIME sniffing (a JSON body holding "<script>" stays JSON), no
#: framing by other sites, no full URLs (with their filters) leaked in Referer headers.
SECURITY_HEADERS: Final = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)


class _SecurityHeaders:
    """A plain ASGI middleware adding :data:`SECURITY_HEADERS`, and ``extra`` ones (works with
    streamed bodies)."""

    def __init__(self, app: ASGIApp, extra: tuple[tuple[bytes, bytes], ...] = ()) -> None:
        self.app = app
        self.headers = (*SECURITY_HEADERS, *extra)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(
    db: str | Path, *, anonymous_read: bool = True, worker_id: str | None = None
) -> FastAPI:
    """The workspace over the store at ``db`` (an SQLite path or a SQLAlchemy URL).

    ``anonymous_read``: whether a request without a login or token may read (as a viewer).
    The store is opened (and migrated) here and kept on ``app.state.store``; the agreements and
    zones are cached on ``app.state.catalog``, and the map's and timeline's answers on
    ``app.state.cache`` (until the data changes, in any process: see
    :mod:`ceasefire.web.cache`); failed logins are counted in the store
    (``app.state.login_throttle``). Answers over 1 kB are gzipped for clients that accept it.
    ``worker_id``: when given, every answer names it in :data:`WORKER_HEADER`.
    """
    app = FastAPI(
        title="ceasefire",
        version="0.1.0",
        description="Ceasefire agreements as machine-checkable rules, monitored from evidence.",
        openapi_url="/api/openapi.json",
        docs_url=None,  # FastAPI's interactive docs load Swagger UI from a CDN: not offline
        redoc_url=None,
    )
    app.state.db = str(db)
    app.state.store = store = open_store(db)
    app.state.catalog = Catalog(store)
    app.state.cache = ResultCache(store.engine)
    app.state.anonymous_read = anonymous_read
    # the store's engine at each use: app.state.store may be replaced (a test's shorter busy
    # timeout), and the throttle must count in the store every other write goes to
    app.state.login_throttle = auth.LoginThrottle(engine=lambda: app.state.store.engine)
    # JSON bodies nested too deep or with huge numbers: 422 before anything parses them
    app.add_middleware(JsonLimit)
    # JSON writes must say so (415); the patrol upload is a form, the agreement upload YAML
    app.add_middleware(JsonBodies, others=("/api/patrols", "/api/agreements"))
    # bodies over ceasefire.web.limits.MAX_BODY: 413 before anything reads them
    app.add_middleware(BodyLimit, larger={"/api/patrols": patrols.MAX_TRACK_BYTES + FORM_OVERHEAD})
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    named = ((WORKER_HEADER.lower().encode(), worker_id.encode()),) if worker_id else ()
    app.add_middleware(_SecurityHeaders, extra=named)
    errors.install(app)
    app.add_api_route("/healthz", healthz, methods=["GET"], include_in_schema=False)
    app.include_router(api.router, prefix="/api")
    app.include_router(patrols.router, prefix="/api")
    app.include_router(humanitarian.router)
    app.include_router(auth.router)
    app.include_router(situation_reports.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def healthz(request: Request) -> JSONResponse:
    """``GET /healthz``, for a proxy or a process supervisor: ``200 {"status": "ok", "schema":
    N, "store": "sqlite" | "postgresql"}`` when the store answers a trivial query (its schema
    version) at the version this code knows; else ``503`` with ``"status": "unavailable"`` and
    why (the database's own message goes to the log only). No login, no cookies, no cache."""
    engine = request.app.state.store.engine
    body: dict[str, object] = {"status": "ok", "schema": None, "store": engine.dialect.name}
    try:
        with engine.connect() as conn:
            body["schema"] = version = current_version(conn)
    except SQLAlchemyError as exc:
        log.warning("health check: the store did not answer: %s", exc)
        body.update(status="unavailable", reason="the store did not answer")
    else:
        if version != LATEST:
            body.update(
                status="unavailable",
                reason=f"the store is at schema version {version}; this server knows {LATEST}",
            )
    code = 200 if body["status"] == "ok" else 503
    return JSONResponse(body, status_code=code, headers={"Cache-Control": "no-store"})


def app_from_env() -> FastAPI:
    """The app of one worker process of ``ceasefire serve --workers N`` (uvicorn calls this
    factory in each): the store at ``$CEASEFIRE_DB`` (already migrated by ``serve``), anonymous
    reads unless ``$CEASEFIRE_ANONYMOUS_READ`` is ``0``, and every answer naming its worker
    (:data:`WORKER_HEADER`, a random id per process)."""
    db = os.environ.get(ENV_DB)
    if not db:
        raise StoreError(f"{ENV_DB} is not set: start workers with `ceasefire serve --workers N`")
    anonymous = os.environ.get(ENV_ANONYMOUS_READ, "1") != "0"
    return create_app(db, anonymous_read=anonymous, worker_id=secrets.token_hex(4))
