"""What a write's body must be: JSON where the API takes JSON, else ``415``.

:class:`JsonBodies` is a plain ASGI middleware in front of the API, the one place this rule
lives: a write (``POST``, ``PUT``, ``PATCH``) under ``/api`` that carries a body must say
``Content-Type: application/json`` (parameters such as ``charset=utf-8`` are fine) or
``application/<name>+json`` (GeoJSON's ``application/geo+json``, say); anything else (text,
a form, multipart, XML, no Content-Type at all) is answered ``415 unsupported_media_type``,
with the error body of :func:`ceasefire.web.errors.error_body`, before the body is read. The
routes that take another kind of body name their path in ``others`` (the app: the patrol
upload, a multipart form, and the agreement upload, YAML as it is). A write without a body is
left to its route (which answers ``422`` when it needs one), and so is everything outside
``/api`` (the login form).

>>> is_json("application/json; charset=utf-8"), is_json("application/geo+json")
(True, True)
>>> is_json("text/plain"), is_json("multipart/form-data; boundary=x"), is_json(None)
(False, False, False)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from starlette.types import ASGIApp, Receive, Scope, Send

from ceasefire.web.errors import send_error

__all__ = ["JSON_WRITES", "JsonBodies", "content_type", "is_json"]

#: The methods whose body must be JSON.
JSON_WRITES: Final = frozenset({"POST", "PUT", "PATCH"})


def content_type(scope: Scope) -> str | None:
    """The request's Content-Type: the first such header, the one Starlette and FastAPI read
    (a later one must not decide what a check sees).

    >>> content_type({"headers": [(b"content-type", b"text/plain"),
    ...                           (b"Content-Type", b"application/json")]})
    'text/plain'
    """
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-type":
            return bytes(value).decode("latin-1") or None
    return None


def is_json(content_type: str | None) -> bool:
    """Whether a Content-Type header names JSON: ``application/json`` or
    ``application/*+json``, with any parameters."""
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    kind, _, subtype = media.partition("/")
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))


class JsonBodies:
    """Answer ``415`` to a write under ``prefix`` whose body is not declared JSON (see the
    module docstring); ``others``: the paths that take other bodies."""

    def __init__(self, app: ASGIApp, *, prefix: str = "/api", others: Iterable[str] = ()) -> None:
        self.app = app
        self.prefix = prefix.rstrip("/")
        self.others = frozenset(others)

    def _applies(self, scope: Scope) -> bool:
        path: str = scope.get("path", "")
        under = path == self.prefix or path.startswith(self.prefix + "/")
        return scope.get("method") in JSON_WRITES and under and path not in self.others

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._applies(scope):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        length = headers.get(b"content-length", b"").strip()
        has_body = b"transfer-encoding" in headers or (length not in (b"", b"0"))
        declared = content_type(scope)
        if not has_body or is_json(declared):
            await self.app(scope, receive, send)
            return
        got = repr(declared) if declared else "no Content-Type"
        message = (
            "this endpoint takes a JSON body: send it with 'Content-Type: application/json' "
            f"(got {got})"
        )
        # the body was not read: the connection closes
        await send_error(send, 415, "unsupported_media_type", message, close=True)
