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
from datetime import UTC, datetime, timedelta
from typing import Annotated, Final
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import Engine

from ceasefire.errors import CsrfError, ForbiddenError, NotAuthenticatedError
from ceasefire.store import SQLStore, open_store, workspace
from ceasefire.store.schema import time_text
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
#: The most counted login attempts the throttle keeps (rows of ``login_failures``); past it,
#: the oldest go (trimmed every so often, see :func:`ceasefire.store.workspace.reserve_login`).
MAX_THROTTLE_KEYS: Final = 100_000


class LoginThrottle:
    """Failed logins per (client address, user name) and per client address, kept in the store
    (``login_failures``, schema version 9) so that every server process (``ceasefire serve
    --workers N``) counts against the same limits. Names are compared as logins match them
    (:func:`~ceasefire.store.workspace.user_name_key`: NFKC, ASCII letters in any case).

    Each login first reserves its attempt (:meth:`reserve`): in one write transaction of the
    store (writers take turns, in every process: ``BEGIN IMMEDIATE`` on SQLite, the store's
    advisory lock on PostgreSQL) the counts are checked and, when they allow it, the attempt is
    counted as failed *before* the (slow) password check, so parallel logins, through any
    worker, cannot all pass the check before any of them is counted; a login that succeeds gives
    its attempt back (:meth:`succeeded`). Rows older than the window are deleted as attempts
    come in. Times are the wall clock's (seconds since the epoch), the same in every process.

    The address is the socket's peer (``request.client``), never a header: behind a reverse
    proxy, ``ceasefire serve --forwarded-allow-ips`` names the proxies whose
    ``X-Forwarded-For`` is trusted (uvicorn then puts the client's address there).

    ``engine``: the store's, or a function answering it (the app's current store: see
    :func:`~ceasefire.web.app.create_app`); without one, a private in-memory store (one
    process only).

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
    >>> t.close()
    """

    def __init__(
        self,
        limit: int = MAX_LOGIN_FAILURES,
        window: float | None = None,
        *,
        address_limit: int = MAX_ADDRESS_FAILURES,
        max_keys: int = MAX_THROTTLE_KEYS,
        engine: Engine | Callable[[], Engine] | None = None,
    ) -> None:
        self.limit = limit
        self.address_limit = address_limit
        self.window = LOGIN_WINDOW.total_seconds() if window is None else window
        self.max_keys = max_keys
        self._own: SQLStore | None = None
        if engine is None:
            self._own = open_store(":memory:")
            engine = self._own.engine
        self._engine_of = engine if callable(engine) else lambda: engine
        # one attempt at a time in this process (the store serialises the processes): an
        # in-memory store has one connection, and a file store's writers need not queue twice
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the private in-memory store, if this throttle made one."""
        if self._own is not None:
            self._own.close()

    @property
    def _engine(self) -> Engine:
        return self._engine_of()

    def _times(self, now: float | None) -> tuple[str, str]:
        at = time.time() if now is None else now
        return _stamp(at), _stamp(at - self.window)

    def locked(self, address: str, name: str, now: float | None = None) -> bool:
        """Too many recent failures for ``name`` from ``address``, or from ``address`` at all."""
        _, since = self._times(now)
        with self._lock:
            pair, alone = workspace.login_failure_counts(self._engine, address, name, since=since)
        return pair >= self.limit or alone >= self.address_limit

    def reserve(self, address: str, name: str, now: float | None = None) -> bool:
        """Whether a login for ``name`` from ``address`` may check its password now; if so, the
        attempt is already counted as failed (check and count are one write transaction), so
        at most :attr:`limit` passwords per name and :attr:`address_limit` per address are ever
        checked in a window, however many logins run at once through however many server
        processes. Give it back on success with :meth:`succeeded`."""
        at, since = self._times(now)
        with self._lock:
            return workspace.reserve_login(
                self._engine, address, name, at=at, since=since,
                limit=self.limit, address_limit=self.address_limit, max_rows=self.max_keys,
            )  # fmt: skip

    def failed(self, address: str, name: str, now: float | None = None) -> None:
        """Count one failed login for ``name`` from ``address``."""
        at, since = self._times(now)
        with self._lock:
            workspace.count_login_failure(
                self._engine, address, name, at=at, since=since,
                max_rows=self.max_keys,
            )  # fmt: skip

    def succeeded(self, address: str, name: str) -> None:
        """Forget the failures for ``name`` from ``address`` and give back the successful
        login's reserved attempt (the address's earlier failures stay counted)."""
        with self._lock:
            workspace.forget_login_failures(self._engine, address, name)


def _stamp(seconds: float) -> str:
    """Seconds since the epoch as stored time text (UTC, microseconds)."""
    return time_text(datetime.fromtimestamp(seconds, UTC))


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
