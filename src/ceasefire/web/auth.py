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

import threading
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
    "MAX_ADDRESS_FAILURES",
    "MAX_LOGIN_FAILURES",
    "MAX_THROTTLE_KEYS",
    "SESSION_TTL",
    "LoginThrottle",
    "User",
    "client_address",
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

#: Failed logins allowed from one client address for one user name within
#: :data:`LOGIN_WINDOW` before further attempts on that name *from that address* are refused
#: without checking the password: guessing is slowed to a crawl, while the same name from any
#: other address (the real admin) still logs in.
MAX_LOGIN_FAILURES: Final = 5
#: Failed logins allowed from one client address, over every name, within
#: :data:`LOGIN_WINDOW`: slows one address trying one password on many names (spraying).
MAX_ADDRESS_FAILURES: Final = 20
LOGIN_WINDOW: Final = timedelta(minutes=15)
#: The most (address, name) and address keys the throttle keeps; past it, the stalest go.
MAX_THROTTLE_KEYS: Final = 100_000


class LoginThrottle:
    """Failed logins per (client address, user name) and per client address, in memory for one
    server process. Names are compared as logins match them
    (:func:`~ceasefire.store.workspace.user_name_key`: NFKC, ASCII letters in any case).

    Each login first reserves its attempt (:meth:`reserve`): under one lock the counts are
    checked and, when they allow it, the attempt is counted as failed *before* the (slow)
    password check, so parallel logins cannot all pass the check before any of them is counted;
    a login that succeeds gives its attempt back (:meth:`succeeded`).

    The address is the socket's peer (``request.client``), never a header: behind a reverse
    proxy, ``ceasefire serve --forwarded-allow-ips`` names the proxies whose
    ``X-Forwarded-For`` is trusted (uvicorn then puts the client's address there).

    >>> t = LoginThrottle(limit=2, address_limit=3, window=60.0)
    >>> t.failed("10.0.0.9", "Ann", now=0.0); t.failed("10.0.0.9", "ann", now=1.0)
    >>> t.locked("10.0.0.9", "ANN", now=2.0), t.locked("10.0.0.7", "ann", now=2.0)
    (True, False)
    >>> t.locked("10.0.0.9", "bob", now=2.0)
    False
    >>> t.failed("10.0.0.9", "bob", now=3.0); t.locked("10.0.0.9", "carol", now=4.0)
    True
    >>> t.locked("10.0.0.9", "ann", now=64.0), t.locked("10.0.0.9", "carol", now=64.0)
    (False, False)
    >>> [t.reserve("10.0.0.5", "dan", now=70.0) for _ in range(3)]
    [True, True, False]
    """

    def __init__(
        self,
        limit: int = MAX_LOGIN_FAILURES,
        window: float | None = None,
        *,
        address_limit: int = MAX_ADDRESS_FAILURES,
        max_keys: int = MAX_THROTTLE_KEYS,
    ) -> None:
        self.limit = limit
        self.address_limit = address_limit
        self.window = LOGIN_WINDOW.total_seconds() if window is None else window
        self.max_keys = max_keys
        self._failures: dict[tuple[str, str], list[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _keys(address: str, name: str) -> tuple[tuple[str, str], tuple[str, str]]:
        # the address alone is keyed with a name no login can send (names are printable)
        return (address, workspace.user_name_key(name)), (address, "\x00")

    def _recent(self, key: tuple[str, str], now: float) -> list[float]:
        kept = [t for t in self._failures.get(key, []) if now - t < self.window]
        if kept:
            self._failures[key] = kept
        else:
            self._failures.pop(key, None)
        return kept

    def _locked(self, pair: tuple[str, str], alone: tuple[str, str], at: float) -> bool:
        # call holding self._lock
        return (
            len(self._recent(pair, at)) >= self.limit
            or len(self._recent(alone, at)) >= self.address_limit
        )

    def locked(self, address: str, name: str, now: float | None = None) -> bool:
        """Too many recent failures for ``name`` from ``address``, or from ``address`` at all."""
        at = time.monotonic() if now is None else now
        pair, alone = self._keys(address, name)
        with self._lock:
            return self._locked(pair, alone, at)

    def reserve(self, address: str, name: str, now: float | None = None) -> bool:
        """Whether a login for ``name`` from ``address`` may check its password now; if so, the
        attempt is already counted as failed (check and count are one step under the lock), so
        at most :attr:`limit` passwords per name and :attr:`address_limit` per address are ever
        checked in a window, however many logins run at once. Give it back on success with
        :meth:`succeeded`."""
        at = time.monotonic() if now is None else now
        pair, alone = self._keys(address, name)
        with self._lock:
            if self._locked(pair, alone, at):
                return False
            self._count(at, pair, alone)
            return True

    def failed(self, address: str, name: str, now: float | None = None) -> None:
        """Count one failed login for ``name`` from ``address``."""
        at = time.monotonic() if now is None else now
        with self._lock:
            self._count(at, *self._keys(address, name))

    def _count(self, at: float, *keys: tuple[str, str]) -> None:
        # call holding self._lock
        for key in keys:
            self._failures[key] = [*self._recent(key, at), at]
        if len(self._failures) > self.max_keys:
            self._forget_stalest(at)

    def succeeded(self, address: str, name: str) -> None:
        """Forget the failures for ``name`` from ``address`` and give back the successful
        login's reserved attempt (the address's earlier failures stay counted)."""
        pair, alone = self._keys(address, name)
        with self._lock:
            self._failures.pop(pair, None)
            if self._failures.get(alone):
                self._failures[alone].pop()
                if not self._failures[alone]:
                    del self._failures[alone]

    def _forget_stalest(self, now: float) -> None:
        for key in list(self._failures):
            self._recent(key, now)
        if len(self._failures) > self.max_keys:
            by_age = sorted(self._failures, key=lambda k: self._failures[k][-1])
            for key in by_age[: len(self._failures) - self.max_keys]:
                del self._failures[key]


def client_address(request: Request) -> str:
    """The client's address as the server saw it: the socket's peer (or the address a trusted
    proxy gave, when the server was told to trust one; see :class:`LoginThrottle`)."""
    return request.client.host if request.client else "unknown"


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
    address = client_address(request)
    # the attempt is counted before the password is checked (and given back on success), so
    # logins sent in parallel cannot check more passwords than the limits allow
    if not throttle.reserve(address, username):
        return RedirectResponse(f"/login?error=locked&next={quote(target)}", status_code=303)
    user = workspace.check_password(_engine(request), username, password)
    if user is None:
        return RedirectResponse(f"/login?error=1&next={quote(target)}", status_code=303)
    throttle.succeeded(address, username)
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
