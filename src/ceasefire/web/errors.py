"""One error body for every failure of the API:
``{"error": {"status", "code", "message", "field"?}}``.

:func:`install` registers the handlers on an app: library errors (:mod:`ceasefire.errors`) map to
statuses here (an input over a limit of :mod:`ceasefire.limits` to ``422 over_limit`` with the
``limit``), FastAPI's validation errors to ``422 invalid_parameter`` naming the field, and
anything unexpected to a bare ``500 server_error`` (its text stays in the server log).

The body is always valid JSON: a value that JSON cannot hold (``NaN``, ``inf``, a numpy
number, a date) is written as text.

>>> body = error_body(422, "invalid_parameter", "date_from: not a date", field="date_from")
>>> body["error"]["status"], body["error"]["code"], body["error"]["field"]
(422, 'invalid_parameter', 'date_from')
>>> error_body(422, "invalid_body", "not finite", value=[36.7, float("nan")])["error"]["value"]
[36.7, 'nan']
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any, Final

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Send

from ceasefire.errors import (
    AgreementError,
    CeasefireError,
    ConflictError,
    CsrfError,
    ForbiddenError,
    InputError,
    LimitError,
    NotAuthenticatedError,
    StoreBusyError,
    UnknownIdError,
)

__all__ = ["ApiError", "error_body", "install", "send_error"]

log = logging.getLogger("ceasefire.web")

_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_parameter",
    500: "server_error",
    503: "busy",
}
#: Seconds a client is asked to wait before it tries a write again when the store was busy.
RETRY_AFTER_S: Final = 2


class ApiError(CeasefireError):
    """An HTTP error with its code and, when one input field is to blame, that field."""

    def __init__(
        self, status: int, message: str, *, code: str | None = None, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or _CODES.get(status, "error")
        self.message = message
        self.field = field


def error_body(
    status: int, code: str, message: str, *, field: str | None = None, **extra: Any
) -> dict[str, Any]:
    """The error body (JSON-safe: see the module doc)."""
    err: dict[str, Any] = {"status": status, "code": code, "message": message}
    if field:
        err["field"] = field
    err.update({k: _json_safe(v) for k, v in extra.items()})
    return {"error": err}


async def send_error(
    send: Send, status: int, code: str, message: str, *, close: bool, **extra: Any
) -> None:
    """Send the error body from an ASGI middleware (before the app: no handler runs there);
    ``close``: the request's body was not read, so the connection ends."""
    body = json.dumps(error_body(status, code, message, **extra)).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _json_safe(v: Any) -> Any:
    """``v`` as JSON can hold it: lists for tuples, text for NaN, infinities and other types."""
    if v is None or isinstance(v, bool | int | str):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else repr(v)
    if isinstance(v, list | tuple):
        return [_json_safe(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _json_safe(x) for k, x in v.items()}
    if hasattr(v, "item") and callable(v.item) and getattr(v, "ndim", 1) == 0:  # numpy scalar
        return _json_safe(v.item())
    return str(v)


def _json(status: int, code: str, message: str, **kw: Any) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status == 503:
        headers = {"Retry-After": str(RETRY_AFTER_S)}
    return JSONResponse(
        error_body(status, code, message, **kw), status_code=status, headers=headers
    )


def _from_library(exc: CeasefireError) -> JSONResponse:
    if isinstance(exc, ApiError):
        return _json(exc.status, exc.code, exc.message, field=exc.field)
    if isinstance(exc, NotAuthenticatedError):
        return _json(401, "not_authenticated", str(exc))
    if isinstance(exc, CsrfError):
        return _json(403, "csrf", str(exc))
    if isinstance(exc, ForbiddenError):
        return _json(403, "forbidden", str(exc))
    if isinstance(exc, UnknownIdError):
        return _json(404, "not_found", str(exc))
    if isinstance(exc, ConflictError):
        return _json(409, "conflict", str(exc))
    if isinstance(exc, StoreBusyError):
        return _json(
            503, "busy", "the store is busy with another write; nothing was written, try again"
        )
    if isinstance(exc, LimitError):
        return _json(422, "over_limit", str(exc), field=exc.field, limit=exc.limit)
    if isinstance(exc, AgreementError):
        problems = [str(e) for e in exc.errors]
        more = f" (and {len(problems) - 1} more: see problems)" if len(problems) > 1 else ""
        message = problems[0] + more  # one line; every problem in problems
        return _json(422, "invalid_body", message, field=exc.field, problems=problems)
    if isinstance(exc, InputError):
        return _json(422, "invalid_parameter", str(exc), field=exc.field)
    log.error("unhandled library error: %s", exc)
    return _json(500, "server_error", "the server could not do this; see its log")


def _field(loc: Any) -> str:
    parts = [str(p) for p in loc if p not in ("query", "body", "path", "header", "cookie")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    """Register the error handlers on ``app``."""

    @app.exception_handler(CeasefireError)
    async def _library(_request: Request, exc: CeasefireError) -> JSONResponse:
        return _from_library(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        field = _field(first.get("loc", ()))
        if first.get("type") == "json_invalid":
            field = "body"
        in_body = bool(first.get("loc")) and first["loc"][0] == "body"
        code = "invalid_body" if in_body and field == "body" else "invalid_parameter"
        return _json(422, code, f"{field}: {first.get('msg', 'invalid')}", field=field)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if not request.url.path.startswith("/api"):  # pages keep Starlette's own answers
            return await http_exception_handler(request, exc)
        code = _CODES.get(exc.status_code, "error")
        return _json(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, DataError) and "nul" in str(exc).lower():
            # PostgreSQL keeps no NUL character in text (SQLite does): refused, not a 500
            return _json(
                422,
                "invalid_parameter",
                "a text holds a NUL character (\\u0000), which the store cannot keep",
            )
        log.exception("unhandled error", exc_info=exc)
        return _json(500, "server_error", "the server could not do this; see its log")
