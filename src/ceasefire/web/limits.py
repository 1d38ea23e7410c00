"""Caps on request bodies: their size, before anything reads them (before auth, before parsing),
and the shape of a JSON body, before anything parses it.

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

:class:`JsonLimit` holds every JSON body to :func:`ceasefire.limits.check_json` (nesting
deeper than :data:`~ceasefire.limits.MAX_DEPTH`, a number with more than
:data:`~ceasefire.limits.MAX_NUMBER_DIGITS` digits) before FastAPI or a route parses it: such
a body would make :func:`json.loads` recurse until it fails, or convert a 100,000-digit
number. It is answered ``422 over_limit`` naming the line and the limit; the body was read
whole, so the connection stays usable.

>>> app = FastAPI()
>>> app.add_middleware(JsonLimit)
>>> r = TestClient(app).post("/", content=b"[" * 100_000)
>>> r.status_code, r.json()["error"]["code"], r.json()["error"]["limit"]
(422, 'over_limit', 64)
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ceasefire.errors import LimitError
from ceasefire.limits import check_json
from ceasefire.web.errors import send_error
from ceasefire.web.media import content_type

__all__ = ["FORM_OVERHEAD", "MAX_BODY", "BodyLimit", "JsonLimit"]

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
        await send_error(send, status, code, message, close=True)

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


_FORMS = (b"multipart/", b"application/x-www-form-urlencoded")


def _may_have_body(scope: Scope) -> bool:
    headers = dict(scope.get("headers", []))
    if (content_type(scope) or "").strip().lower().encode("latin-1").startswith(_FORMS):
        return False  # form fields and files: no JSON parser reads them whole
    length = headers.get(b"content-length", b"").strip()
    return b"transfer-encoding" in headers or length not in (b"", b"0")


def _looks_like_json(body: bytes) -> bool:
    """Whether ``body`` opens an array or object (in the encodings :func:`json.loads` detects):
    only those make a JSON parser recurse. Any Content-Type, as FastAPI parses a body without
    one as JSON. All the leading whitespace is skipped, however long (the body is bounded by
    :class:`BodyLimit`).

    >>> _looks_like_json(b" " * 20 + b"[1]"), _looks_like_json(" \\n[1]".encode("utf-16"))
    (True, True)
    >>> _looks_like_json(b'  "text"'), _looks_like_json(b"")
    (False, False)
    """
    encoding = json.detect_encoding(body[:4])
    if encoding in ("utf-8", "utf-8-sig"):  # most bodies: no copy decoded
        first = body.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")[:1].decode("latin-1")
    else:
        first = body.decode(encoding, "ignore").lstrip(" \t\r\n\ufeff")[:1]
    return first in ("[", "{")


_NUL: Final = "a text holds a NUL character (\\u0000), which the store cannot keep"


def _holds_nul(scope: Scope) -> bool:
    """Whether the path or the query string holds a NUL character (``%00``): no text field of
    either store keeps one (PostgreSQL refuses it), so it is refused up front, on both."""
    return "\x00" in scope.get("path", "") or b"%00" in scope.get("query_string", b"")


class JsonLimit:
    """Answer ``422 over_limit`` to a request whose JSON body is over a limit of
    :func:`ceasefire.limits.check_json`, before the app parses it (see the module docstring).

    The body is read whole here (:class:`BodyLimit`, outside it, has capped it) and handed on
    as one message. A form (multipart, urlencoded) passes untouched: nothing parses it as
    JSON whole, and a patrol upload may be larger than the body limit of JSON. A NUL character
    in the path, the query string or a JSON body's text is refused too (``422``): PostgreSQL
    keeps none in text, and neither store should hold what one of them cannot.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _holds_nul(scope):
            await send_error(send, 422, "invalid_parameter", _NUL, close=False)
            return
        if scope["type"] != "http" or not _may_have_body(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        ended: Message | None = None  # a disconnect before the body's end
        while True:
            message = await receive()
            if message["type"] != "http.request":
                ended = message
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if ended is None and _looks_like_json(body):
            if re.search(rb"\\u0000", body, re.IGNORECASE):
                await send_error(send, 422, "invalid_body", f"request: {_NUL}", close=False)
                return
            try:
                check_json(body, file="request", max_bytes=None)  # the size: BodyLimit's
            except LimitError as e:
                await send_error(send, 422, "over_limit", str(e), close=False, limit=e.limit)
                return
            except ValueError as e:  # not even text in the encoding it starts like
                await send_error(send, 422, "invalid_body", f"request: {e}", close=False)
                return
        replay: list[Message] = [{"type": "http.request", "body": body, "more_body": bool(ended)}]
        if ended is not None:
            replay.append(ended)

        async def replayed() -> Message:
            return replay.pop(0) if replay else await receive()

        await self.app(scope, replayed, send)
