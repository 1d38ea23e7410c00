"""The ASGI application: the API under ``/api``, pages at ``/``, vendored assets at ``/static``."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from ceasefire.web import api, pages

STATIC = Path(__file__).parent / "static"


def create_app(db: str | Path) -> FastAPI:
    """The workspace over the store at ``db`` (an SQLite path or a SQLAlchemy URL)."""
    app = FastAPI(title="ceasefire", version="0.1.0")
    app.state.db = str(db)
    app.include_router(api.router, prefix="/api")
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
