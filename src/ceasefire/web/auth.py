"""Who is asking: login sessions for the pages, bearer tokens for scripts, roles, CSRF.

- :func:`current_user` reads ``Authorization: Bearer <token>`` or the ``ceasefire_session``
  cookie and returns the :class:`~ceasefire.store.workspace.User`, or ``None``.
- :func:`require` builds a FastAPI dependency that lets only some roles through: no user ->
  :class:`NotAuthenticatedError` (401), another role -> :class:`ForbiddenError` (403). A write
  authenticated by the cookie must also carry ``X-Requested-With: ceasefire``, else
  :class:`CsrfError` (403 ``csrf``; a browser cannot add that header to a cross-site request
  without a preflight this server never grants).
- :data:`router` has ``POST /login`` and ``POST /logout`` for the pages' login form.

>>> safe_next("/events?verdict=violation"), safe_next("//evil.example/x"), safe_next("http://x")
('/events?verdict=violation', '/', '/')
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Final
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import Engine

from ceasefire.errors import CsrfError, ForbiddenError, NotAuthenticatedError
from ceasefire.store import workspace
from ceasefire.store.workspace import User

__all__ = [
    "COOKIE",
    "CSRF_HEADER",
    "CSRF_VALUE",
    "LOGIN_WINDOW",
    "MAX_LOGIN_FAILURES",
    "SESSION_TTL",
    "LoginThrottle",
    "User",
    "current_user",
    "reader",
    "require",
    "router",
    "safe_next",
]

#: The session cookie's name.
COOKIE: Final = "ceasefire_session"
#: How long a login lasts.
SESSION_TTL: Final = timedelta(hours=12)

#: Failed logins allowed per user name within :data:`LOGIN_WINDOW` before further attempts on
#: that name are refused without checking the password (password guessing slowed to a crawl).
MAX_LOGIN_FAILURES: Final = 5
LOGIN_WINDOW: Final = timedelta(minutes=15)


class LoginThrottle:
    """Failed logins per user name (case-insensitive), kept in memory for one server process.

    >>> t = LoginThrottle(limit=2, window=60.0)
    >>> t.failed("Ann", now=0.0); t.failed("ann", now=1.0)
    >>> t.locked("ANN", now=2.0), t.locked("ann", now=62.0), t.locked("bob", now=2.0)
    (True, False, False)
    """

    def __init__(self, limit: int = MAX_LOGIN_FAILURES, window: float | None = None) -> None:
        self.limit = limit
        self.window = LOGIN_WINDOW.total_seconds() if window is None else window
        self._failures: dict[str, list[float]] = {}

    def _recent(self, name: str, now: float) -> list[float]:
        key = name.casefold()
        kept = [t for t in self._failures.get(key, []) if now - t < self.window]
        if kept:
            self._failures[key] = kept
        else:
            self._failures.pop(key, None)
        return kept

    def locked(self, name: str, now: float | None = None) -> bool:
        """Too many recent failures for ``name``."""
        return len(self._recent(name, time.monotonic() if now is None else now)) >= self.limit

    def failed(self, name: str, now: float | None = None) -> None:
        """Count one failed login for ``name``."""
        at = time.monotonic() if now is None else now
        self._failures[name.casefold()] = [*self._recent(name, at), at]

    def succeeded(self, name: str) -> None:
        """Forget ``name``'s failures."""
        self._failures.pop(name.casefold(), None)


#: The header (and its value) a cookie-authenticated write must carry.
CSRF_HEADER: Final = "X-Requested-With"
CSRF_VALUE: Final = "ceasefire"

_WRITES: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})

router = APIRouter()


def _engine(request: Request) -> Engine:
    return request.app.state.store.engine  # type: ignore[no-any-return]


def _bearer(request: Request) -> str | None:
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def current_user(request: Request) -> User | None:
    """The user behind this request (bearer token first, then the session cookie), or None.

    Cached on ``request.state`` so one request looks it up once. Sets
    ``request.state.auth_via`` to ``"token"``, ``"cookie"`` or ``None``.
    """
    if hasattr(request.state, "user"):
        return request.state.user  # type: ignore[no-any-return]
    user: User | None = None
    via: str | None = None
    token = _bearer(request)
    if token is not None:
        user, via = workspace.user_for_token(_engine(request), token), "token"
        if user is None:  # a wrong token is an error, not a silent downgrade to anonymous
            raise NotAuthenticatedError("the bearer token is not valid")
    elif sid := request.cookies.get(COOKIE):
        user = workspace.user_for_session(_engine(request), sid)
        via = "cookie" if user else None
    request.state.user, request.state.auth_via = user, via
    return user


def require(*roles: str) -> Callable[[Request], User]:
    """A dependency admitting only users with one of ``roles`` (and checking CSRF on writes)."""

    def dependency(request: Request) -> User:
        user = current_user(request)
        if user is None:
            raise NotAuthenticatedError("log in or send 'Authorization: Bearer <token>'")
        if user.role not in roles:
            raise ForbiddenError(f"role {user.role!r} may not do this (needs {', '.join(roles)})")
        _check_csrf(request)
        return user

    return dependency


def reader(request: Request) -> User | None:
    """The dependency of every read: anyone when the app allows anonymous reads, else a user."""
    user = current_user(request)
    if user is None and not request.app.state.anonymous_read:
        raise NotAuthenticatedError("log in or send 'Authorization: Bearer <token>' to read")
    return user


def _check_csrf(request: Request) -> None:
    cookie_write = request.method in _WRITES and request.state.auth_via == "cookie"
    if cookie_write and request.headers.get(CSRF_HEADER) != CSRF_VALUE:
        raise CsrfError(
            f"a write from the browser must send the header '{CSRF_HEADER}: {CSRF_VALUE}'"
        )


def safe_next(target: str | None) -> str:
    """``target`` when it is a same-site relative path, else ``/``."""
    t = target or "/"
    if not t.startswith("/") or t.startswith("//") or "\\" in t or any(ord(c) < 32 for c in t):
        return "/"
    return t


@router.post("/login", include_in_schema=False)
def login(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> RedirectResponse:
    """Check the password, set the session cookie and go to ``next``."""
    target = safe_next(next)
    throttle: LoginThrottle = request.app.state.login_throttle
    if throttle.locked(username):
        return RedirectResponse(f"/login?error=locked&next={quote(target)}", status_code=303)
    user = workspace.check_password(_engine(request), username, password)
    if user is None:
        throttle.failed(username)
        return RedirectResponse(f"/login?error=1&next={quote(target)}", status_code=303)
    throttle.succeeded(username)
    sid = workspace.create_session(_engine(request), user, ttl=SESSION_TTL)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE,
        sid,
        max_age=int(SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request) -> RedirectResponse:
    """End the session and go home."""
    sid = request.cookies.get(COOKIE)
    if sid:
        user = workspace.user_for_session(_engine(request), sid)
        workspace.delete_session(_engine(request), sid, user)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
