"""A cap on request bodies, applied before anything reads them (before auth, before parsing).

:class:`BodyLimit` is a plain ASGI middleware: a request whose ``Content-Length`` is over the
limit is answered ``413 too_large`` at once, its body never read; a body sent without a length
(chunked) is counted as it arrives and cut off at the limit with the same answer. The limit is
one setting, :data:`MAX_BODY` (2,000,000 bytes): a JSON body and an agreement or zone upload
alike (``ceasefire.web.api`` checks uploads against the same constant). A route that takes
larger files says so by its path in ``larger`` (the app gives the patrol track upload its own
limit plus :data:`FORM_OVERHEAD` for the multipart wrapping and form fields).

>>> from fastapi import FastAPI
>>> from fastapi.testclient import TestClient
>>> app = FastAPI()
>>> app.add_middleware(BodyLimit, max_body=10)
>>> r = TestClient(app).post("/", content=b"x" * 11)
>>> r.status_code, r.json()["error"]["code"]
(413, 'too_large')
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ceasefire.web.errors import error_body

__all__ = ["FORM_OVERHEAD", "MAX_BODY", "BodyLimit"]

#: The most bytes a request body may have.
MAX_BODY: Final = 2_000_000
#: Room for a multipart body's boundaries, part headers and small form fields beside a file.
FORM_OVERHEAD: Final = 100_000


class BodyLimit:
    """Answer ``413`` to a request body over ``max_body`` bytes (``larger[path]`` for the paths
    named there), without reading it."""

    def __init__(
        self, app: ASGIApp, *, max_body: int = MAX_BODY, larger: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.larger = dict(larger or {})

    async def _answer(self, send: Send, status: int, code: str, message: str) -> None:
        body = json.dumps(error_body(status, code, message)).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(scope.get("path", ""), self.max_body)
        too_large = f"the body is larger than {limit:,} bytes"
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None:
            if not length.strip().isdigit():
                await self._answer(send, 400, "bad_request", "Content-Length is not a number")
                return
            if int(length) > limit:
                await self._answer(send, 413, "too_large", too_large)
                return

        seen = 0
        cut = False
        started = False

        async def counted() -> Message:
            nonlocal seen, cut
            if cut:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    cut = True  # what the app makes of the disconnect is never sent
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if cut:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not cut:
                raise
        if cut and not started:
            await self._answer(send, 413, "too_large", too_large)
