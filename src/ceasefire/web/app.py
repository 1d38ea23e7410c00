"""The ASGI application: the API under ``/api``, pages at ``/``, vendored assets at ``/static``.

>>> app = create_app(":memory:")
>>> app.openapi_url, app.state.anonymous_read
('/api/openapi.json', True)
>>> app.state.store.close()
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ceasefire.store import open_store
from ceasefire.web import api, auth, errors, pages, patrols
from ceasefire.web.cache import ResultCache
from ceasefire.web.catalog import Catalog
from ceasefire.web.limits import FORM_OVERHEAD, BodyLimit, JsonLimit
from ceasefire.web.media import JsonBodies

STATIC = Path(__file__).parent / "static"

#: Sent with every answer: no MIME sniffing (a JSON body holding "<script>" stays JSON), no
#: framing by other sites, no full URLs (with their filters) leaked in Referer headers.
SECURITY_HEADERS: Final = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)


class _SecurityHeaders:
    """A plain ASGI middleware adding :data:`SECURITY_HEADERS` (works with streamed bodies)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(db: str | Path, *, anonymous_read: bool = True) -> FastAPI:
    """The workspace over the store at ``db`` (an SQLite path or a SQLAlchemy URL).

    ``anonymous_read``: whether a request without a login or token may read (as a viewer).
    The store is opened (and migrated) here and kept on ``app.state.store``; the agreements and
    zones are cached on ``app.state.catalog``, and the map's and timeline's answers on
    ``app.state.cache`` (until the data changes, see :mod:`ceasefire.web.cache`). Answers over
    1 kB are gzipped for clients that accept it.
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
    app.state.login_throttle = auth.LoginThrottle()
    # JSON bodies nested too deep or with huge numbers: 422 before anything parses them
    app.add_middleware(JsonLimit)
    # JSON writes must say so (415); the patrol upload is a form, the agreement upload YAML
    app.add_middleware(JsonBodies, others=("/api/patrols", "/api/agreements"))
    # bodies over ceasefire.web.limits.MAX_BODY: 413 before anything reads them
    app.add_middleware(BodyLimit, larger={"/api/patrols": patrols.MAX_TRACK_BYTES + FORM_OVERHEAD})
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_middleware(_SecurityHeaders)
    errors.install(app)
    app.include_router(api.router, prefix="/api")
    app.include_router(patrols.router, prefix="/api")
    app.include_router(auth.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
