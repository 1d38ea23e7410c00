"""The monitor's workspace as stored: users, API tokens, login sessions, the audit log, field
reports and analysts' reviews of verdicts (schema version 3), and the login attempts the login
throttle counts (version 9, shared by every server process).

Secrets never reach the database: a password is kept as a salted scrypt hash
(``scrypt$n$r$p$salt$hash``, hex), an API token or a session id as its SHA-256. Every function
that writes takes the acting user and adds an ``audit_log`` row **in the same transaction**, so
a write and its record cannot part. The field-report writers (:func:`add_report`,
:func:`update_report`, :func:`put_report_event`, :func:`replace_event_verdicts`) take the
caller's :class:`~sqlalchemy.Connection` instead of an engine, so that a report, its event, its
verdicts and the audit row are one transaction (``store.engine.write_transaction``): either all
of them are stored or none. Agreement and zone uploads are the one exception: the store's
``put_agreement`` and ``put_zone`` open their own transaction, so the API stores the upload and
then audits it (:func:`record`) in a second transaction; a crash between the two leaves an
upload without its audit row.

>>> from ceasefire.store import open_store
>>> store = open_store(":memory:")
>>> ann = add_user(store.engine, "ann", "analyst", "correct horse", actor=None)
>>> check_password(store.engine, "ann", "correct horse") == ann, check_password(
...     store.engine, "ann", "wrong")
(True, None)
>>> token = create_token(store.engine, ann, label="notebook")
>>> user_for_token(store.engine, token) == ann
True
>>> [r["action"] for r in audit_rows(store.engine)["items"]]
['token.create', 'user.create']
>>> store.close()
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import string
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import pandas as pd
from sqlalchemy import Connection, Engine, case, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ceasefire.compliance import VERDICTS
from ceasefire.errors import ConflictError, InputError, StoreError, UnknownIdError
from ceasefire.findings import BREACHES, ReviewStatus
from ceasefire.store import schema
from ceasefire.store.engine import write_transaction
from ceasefire.store.evaluations import verdict_rows
from ceasefire.store.ingest import upsert_events
from ceasefire.store.reviews import sync_reviews
from ceasefire.store.rows import chunks
from ceasefire.vocab import Role

__all__ = [
    "DEMO_USERS",
    "REPORT_FIELDS",
    "ROLES",
    "USER_NAME",
    "User",
    "add_report",
    "add_review",
    "add_user",
    "audit_rows",
    "check_password",
    "count_login_failure",
    "create_session",
    "create_token",
    "delete_session",
    "ensure_demo_users",
    "forget_login_failures",
    "hash_password",
    "login_failure_counts",
    "put_report_event",
    "record",
    "replace_event_verdicts",
    "report",
    "reports",
    "reserve_login",
    "reviews",
    "revoke_token",
    "tokens",
    "update_report",
    "user_by_name",
    "user_for_session",
    "user_for_token",
    "user_name_key",
    "users",
    "verify_password",
]

#: The roles, from most to least allowed.
ROLES: Final = tuple(r.value for r in Role)

#: The stored fields of a field report that a monitor gives (the rest are derived).
REPORT_FIELDS: Final = (
    "observed_at",
    "latitude",
    "longitude",
    "observation",
    "event_type",
    "sub_event_type",
    "bearing_deg",
    "distance_band",
    "fatalities",
    "actor1",
    "actor2",
    "text",
    "photo_sha256",
)

# scrypt cost: 2**14 x 8 x 1 takes ~50 ms and 16 MiB, the interactive-login figure of the
# scrypt paper; the parameters are stored with each hash so they can be raised later.
_SCRYPT_N: Final = 2**14
_SCRYPT_R: Final = 8
_SCRYPT_P: Final = 1


@dataclass(frozen=True)
class User:
    """A workspace user as the web layer sees one."""

    id: int
    name: str
    role: str


def _now() -> str:
    return schema.now_utc()


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def hash_password(password: str) -> str:
    """A salted scrypt hash of ``password``, with its parameters.

    >>> h = hash_password("pw"); h.startswith("scrypt$16384$8$1$"), verify_password("pw", h)
    (True, True)
    """
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32
    )
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


#: What an unknown user's password is checked against, so that a login costs one scrypt whether
#: or not the name exists: the current parameters, a random salt and a random "digest" that no
#: password produces. Made once, at import, without running scrypt.
_DUMMY_HASH: Final = (
    f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${secrets.token_hex(16)}${secrets.token_hex(32)}"
)


def verify_password(password: str, stored: str | None) -> bool:
    """Whether ``password`` matches a :func:`hash_password` hash (constant-time compare)."""
    if not stored:
        return False
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        got = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except ValueError:
        return False
    return kind == "scrypt" and hmac.compare_digest(got.hex(), digest)


def record(
    conn: Connection,
    actor: User | None,
    action: str,
    target: str | None,
    changes: Mapping[str, Any],
) -> None:
    """Add one audit row (call it inside the write's own transaction)."""
    conn.execute(
        insert(schema.audit_log).values(
            at=_now(),
            user_id=actor.id if actor else None,
            user_name=actor.name if actor else None,
            action=action,
            target=target,
            changes=json.dumps(dict(changes), default=str, sort_keys=True),
        )
    )


# ------------------------------------------------------------------------------------ users

#: What a new user's name may be, after NFKC normalisation: 3-64 ASCII letters, digits, ``.``,
#: ``_`` or ``-``. No look-alikes (``аdmin`` with a Cyrillic ``а``, ``ADMİN``, ``admın``), no
#: spaces, nothing a terminal or page shows otherwise.
USER_NAME: Final = re.compile(r"[A-Za-z0-9._-]{3,64}")

_ASCII_LOWER: Final = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def user_name_key(name: str) -> str:
    """The form in which user names are compared, everywhere (creating a user, logging in, the
    login throttle): NFKC-normalised, then ASCII letters lower-cased, as SQL ``lower`` does on
    SQLite, so the unique index on ``lower(name)`` (schema v6) is exactly this rule.

    >>> user_name_key("Admin"), user_name_key("\uff21\uff44\uff4d\uff49\uff4e")  # full-width
    ('admin', 'admin')
    >>> user_name_key("\ufb00")  # the ligature ff
    'ff'
    >>> user_name_key("STRASSE") == user_name_key("straße"), user_name_key("ADM\u0130N")
    (False, 'adm\u0130n')
    """
    return unicodedata.normalize("NFKC", name).translate(_ASCII_LOWER)


def _check_name(name: str) -> str:
    """``name`` NFKC-normalised, when it is a :data:`USER_NAME`; else ``InputError``."""
    normal = unicodedata.normalize("NFKC", name) if len(name) <= 256 else name
    if not USER_NAME.fullmatch(normal):
        raise InputError(
            "must be 3-64 characters, each an ASCII letter, a digit, '.', '_' or '-'",
            field="name",
            value=name,
        )
    return normal


def _user(row: Any) -> User:
    return User(int(row.id), str(row.name), str(row.role))


def add_user(
    engine: Engine, name: str, role: str, password: str | None, *, actor: User | None
) -> User:
    """Create a user. The name is NFKC-normalised and must then be a :data:`USER_NAME` (3-64
    ASCII letters, digits, ``.``, ``_``, ``-``); it is taken when a user's name has the same
    :func:`user_name_key` (``ADMIN`` when ``admin`` exists: ``ConflictError``), which is the
    rule of the database's unique index on ``lower(name)`` too (schema v6).

    >>> from ceasefire.store import open_store
    >>> store = open_store(":memory:")
    >>> _ = add_user(store.engine, "root", "admin", None, actor=None)
    >>> add_user(store.engine, "ROOT", "viewer", None, actor=None)
    Traceback (most recent call last):
    ...
    ceasefire.errors.ConflictError: a user named 'root' exists (names are unique regardless of case)
    >>> cyrillic_o = "\u043e"
    >>> add_user(store.engine, f"r{cyrillic_o}ot", "viewer", None, actor=None)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ceasefire.errors.InputError: name: must be 3-64 characters, each an ASCII letter, a digit, ...
    >>> store.close()
    """
    if role not in ROLES:
        raise InputError(f"must be one of {', '.join(ROLES)}", field="role", value=role)
    if password is not None and len(password) < 8:
        raise InputError("must be at least 8 characters", field="password")
    name = _check_name(name)
    hashed = hash_password(password) if password is not None else None
    try:
        with write_transaction(engine) as conn:
            taken = _name_taken(conn, name)
            if taken is not None:
                raise ConflictError(
                    f"a user named {taken!r} exists (names are unique regardless of case)"
                )
            uid = conn.execute(
                insert(schema.users).values(
                    name=name, role=role, password_hash=hashed, created_at=_now()
                )
            ).inserted_primary_key
            user = User(int(uid[0]), name, role)  # type: ignore[index]
            record(conn, actor, "user.create", f"user:{name}", {"name": name, "role": role})
    except IntegrityError:
        raise ConflictError(
            f"a user named {name!r} exists (names are unique regardless of case)"
        ) from None
    return user


def _name_taken(conn: Connection, name: str) -> str | None:
    """The stored name with the same :func:`user_name_key` as ``name``, if any (every name is
    keyed here, in Python: one stored before names were checked may need NFKC)."""
    key = user_name_key(name)
    for (stored,) in conn.execute(select(schema.users.c.name)):
        if user_name_key(str(stored)) == key:
            return str(stored)
    return None


def _find_user(conn: Connection, name: str, *columns: Any) -> Any:
    """The enabled user whose name has ``name``'s :func:`user_name_key`, or ``None``.

    ``lower(name)`` is that key for every name checked by :func:`add_user` (``lower`` folds
    ASCII letters on SQLite, as the key does; the index of schema v6 keeps it unique), so one
    indexed query finds it; only when it finds none are the names compared in Python, for one
    stored before names were checked that NFKC changes (``\uff4a\uff4f\uff45`` for ``joe``)."""
    u = schema.users
    query = select(*columns).where(u.c.disabled.is_(False)).order_by(u.c.id).limit(1)
    key = user_name_key(name)
    row = conn.execute(query.where(func.lower(u.c.name) == key)).first()
    if row is None:
        old = [
            i for i, stored in conn.execute(select(u.c.id, u.c.name))
            if user_name_key(str(stored)) == key
        ]  # fmt: skip
        row = conn.execute(query.where(u.c.id.in_(old))).first() if old else None
    return row


def users(engine: Engine) -> list[dict[str, Any]]:
    """Every user: ``id, name, role, created_at`` (never the hash)."""
    u = schema.users
    with engine.connect() as conn:
        rows = conn.execute(
            select(u.c.id, u.c.name, u.c.role, u.c.created_at).order_by(u.c.id)
        ).mappings()
        return [dict(r) for r in rows]


def user_by_name(engine: Engine, name: str) -> User | None:
    """The user called ``name`` (compared by :func:`user_name_key`: in any case), if any."""
    u = schema.users
    with engine.connect() as conn:
        row = _find_user(conn, name, u.c.id, u.c.name, u.c.role)
    return _user(row) if row else None


def check_password(engine: Engine, name: str, password: str) -> User | None:
    """The user, when ``password`` is theirs; else ``None``. The name matches as
    :func:`user_name_key` compares names (``Ann`` logs in as ``ann``; names are unique so)."""
    u = schema.users
    with engine.connect() as conn:
        row = _find_user(conn, name, u.c.id, u.c.name, u.c.role, u.c.password_hash)
    if row is None:
        # one scrypt, as for a known user (against a dummy hash made once, at import), so the
        # answer's timing does not tell which names exist
        verify_password(password, _DUMMY_HASH)
        return None
    return _user(row) if verify_password(password, row.password_hash) else None


def create_token(
    engine: Engine, user: User, *, label: str | None = None, ttl: timedelta | None = None
) -> str:
    """A new API token for ``user``; returned once, stored as its SHA-256. ``ttl``: how long
    it is valid (``None``: until revoked)."""
    token = "cf_" + secrets.token_urlsafe(32)
    expires = schema.time_text(datetime.now(UTC) + ttl) if ttl else None
    with write_transaction(engine) as conn:
        conn.execute(
            insert(schema.api_tokens).values(
                user_id=user.id,
                token_sha256=_sha256(token),
                label=label,
                created_at=_now(),
                expires_at=expires,
            )
        )
        record(
            conn, user, "token.create", f"user:{user.name}", {"label": label, "expires": expires}
        )
    return token


def user_for_token(engine: Engine, token: str) -> User | None:
    """The user a token belongs to, if the token is valid: known, not revoked, not expired,
    and its user not disabled. A valid token's ``last_used_at`` is brought up to date."""
    u, t = schema.users, schema.api_tokens
    now = _now()
    with engine.connect() as conn:
        row = conn.execute(
            select(u.c.id, u.c.name, u.c.role, t.c.id.label("token_id"), t.c.last_used_at)
            .join(t, t.c.user_id == u.c.id)
            .where(
                t.c.token_sha256 == _sha256(token),
                u.c.disabled.is_(False),
                t.c.revoked_at.is_(None),
                (t.c.expires_at.is_(None)) | (t.c.expires_at > now),
            )
        ).first()
    if row is None:
        return None
    if row.last_used_at is None or row.last_used_at[:13] != now[:13]:  # at most once an hour
        with write_transaction(engine) as conn:
            conn.execute(update(t).where(t.c.id == row.token_id).values(last_used_at=now))
    return _user(row)


def tokens(engine: Engine, user: User | None = None) -> list[dict[str, Any]]:
    """API tokens (never the secret): ``id, user, label, created_at, last_used_at, expires_at,
    revoked_at``; all users' or one user's."""
    u, t = schema.users, schema.api_tokens
    q = (
        select(
            t.c.id, u.c.name.label("user"), t.c.label, t.c.created_at, t.c.last_used_at,
            t.c.expires_at, t.c.revoked_at,
        )
        .join(u, u.c.id == t.c.user_id)
        .order_by(t.c.id)
    )  # fmt: skip
    if user is not None:
        q = q.where(t.c.user_id == user.id)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def revoke_token(engine: Engine, token_id: int, actor: User | None) -> None:
    """Revoke the token with this id (it stops working at once); audited."""
    t = schema.api_tokens
    with write_transaction(engine) as conn:
        found = conn.execute(select(t.c.revoked_at).where(t.c.id == token_id)).first()
        if found is None:
            raise UnknownIdError(f"no API token with id {token_id}")
        if found.revoked_at is not None:
            return
        conn.execute(update(t).where(t.c.id == token_id).values(revoked_at=_now()))
        record(conn, actor, "token.revoke", f"token:{token_id}", {"revoked": True})


def create_session(engine: Engine, user: User, *, ttl: timedelta) -> str:
    """A new login session id for ``user`` (stored hashed), valid for ``ttl``."""
    sid = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with write_transaction(engine) as conn:
        conn.execute(delete(schema.sessions).where(schema.sessions.c.expires_at < _now()))
        conn.execute(
            insert(schema.sessions).values(
                id_sha256=_sha256(sid),
                user_id=user.id,
                created_at=_now(),
                expires_at=schema.time_text(now + ttl),
            )
        )
        record(conn, user, "login", f"user:{user.name}", {})
    return sid


def user_for_session(engine: Engine, sid: str) -> User | None:
    """The user of a live session, if ``sid`` is one."""
    u, s = schema.users, schema.sessions
    with engine.connect() as conn:
        row = conn.execute(
            select(u.c.id, u.c.name, u.c.role)
            .join(s, s.c.user_id == u.c.id)
            .where(s.c.id_sha256 == _sha256(sid), s.c.expires_at > _now(), u.c.disabled.is_(False))
        ).first()
    return _user(row) if row else None


def delete_session(engine: Engine, sid: str, actor: User | None) -> None:
    """End a session (logout)."""
    with write_transaction(engine) as conn:
        conn.execute(delete(schema.sessions).where(schema.sessions.c.id_sha256 == _sha256(sid)))
        if actor is not None:
            record(conn, actor, "logout", f"user:{actor.name}", {})


# --------------------------------------------------------------------------- login failures

#: Every this many counted login attempts, the rows beyond the throttle's cap are trimmed.
_TRIM_EVERY: Final = 1024


def _name_sha256(name: str) -> str:
    """What ``login_failures`` keeps of a name tried: the SHA-256 of :func:`user_name_key`
    (equal for names that log in as one; a password typed into the name field is not kept)."""
    return _sha256(user_name_key(name))


def login_failure_counts(
    bind: Engine | Connection, address: str, name: str, *, since: str
) -> tuple[int, int]:
    """Login attempts counted after ``since`` (stored time text) from ``address``: for the user
    name ``name`` (as logins compare names, :func:`user_name_key`), and for any name. One query.

    >>> from ceasefire.store import open_store
    >>> store = open_store(":memory:")
    >>> t0, t1 = "2024-05-01T10:00:00.000000Z", "2024-05-01T10:01:00.000000Z"
    >>> for name in ("Ann", "ann", "bob"):
    ...     count_login_failure(store.engine, "10.0.0.9", name, at=t1, since=t0, max_rows=9)
    >>> login_failure_counts(store.engine, "10.0.0.9", "ANN", since=t0)
    (2, 3)
    >>> forget_login_failures(store.engine, "10.0.0.9", "ann")  # ann logged in
    >>> login_failure_counts(store.engine, "10.0.0.9", "ann", since=t0)
    (0, 2)
    >>> login_failure_counts(store.engine, "10.0.0.9", "bob", since=t1)  # none after t1
    (0, 0)
    >>> store.close()
    """
    t = schema.login_failures
    q = select(
        func.coalesce(func.sum(case((t.c.name_sha256 == _name_sha256(name), 1), else_=0)), 0),
        func.count(),
    ).where(t.c.address == address, t.c.at > since)
    if isinstance(bind, Connection):
        pair, alone = bind.execute(q).one()
    else:
        with bind.connect() as conn:
            pair, alone = conn.execute(q).one()
    return int(pair), int(alone)


def reserve_login(
    engine: Engine,
    address: str,
    name: str,
    *,
    at: str,
    since: str,
    limit: int,
    address_limit: int,
    max_rows: int,
) -> bool:
    """Whether a login for ``name`` from ``address`` may check its password; if so, its attempt
    is counted (as failed, until :func:`forget_login_failures`). One write transaction (writers
    take turns, whichever server process they run in): the rows at or before ``since`` are
    deleted, the recent ones counted, and the attempt added at ``at`` only when fewer than
    ``limit`` are there for the name and fewer than ``address_limit`` for the address."""
    with write_transaction(engine) as conn:
        conn.execute(delete(schema.login_failures).where(schema.login_failures.c.at <= since))
        pair, alone = login_failure_counts(conn, address, name, since=since)
        if pair >= limit or alone >= address_limit:
            return False
        _add_login_failure(conn, address, name, at, max_rows)
    return True


def count_login_failure(
    engine: Engine, address: str, name: str, *, at: str, since: str, max_rows: int
) -> None:
    """Count one failed login for ``name`` from ``address`` at ``at`` (and delete the rows at
    or before ``since``)."""
    with write_transaction(engine) as conn:
        conn.execute(delete(schema.login_failures).where(schema.login_failures.c.at <= since))
        _add_login_failure(conn, address, name, at, max_rows)


def _add_login_failure(conn: Connection, address: str, name: str, at: str, max_rows: int) -> None:
    t = schema.login_failures
    done = conn.execute(insert(t).values(address=address, name_sha256=_name_sha256(name), at=at))
    new_id = done.inserted_primary_key[0] if done.inserted_primary_key else None
    if new_id is not None and int(new_id) % _TRIM_EVERY == 0:
        cut = conn.execute(
            select(t.c.id).order_by(t.c.id.desc()).offset(max_rows).limit(1)
        ).scalar()
        if cut is not None:
            conn.execute(delete(t).where(t.c.id <= cut))


def forget_login_failures(engine: Engine, address: str, name: str) -> None:
    """After a successful login of ``name`` from ``address``: its own attempt (the latest
    counted for the name there) is given back, and the name's earlier failures from there no
    longer count for the name (they still count for the address)."""
    t = schema.login_failures
    mine = (t.c.address == address) & (t.c.name_sha256 == _name_sha256(name))
    with write_transaction(engine) as conn:
        latest = conn.execute(select(func.max(t.c.id)).where(mine)).scalar()
        if latest is None:
            return
        conn.execute(delete(t).where(t.c.id == latest))
        conn.execute(update(t).where(mine).values(name_sha256=None))


def audit_rows(engine: Engine, *, limit: int = 100, offset: int = 0) -> dict[str, Any]:
    """A page of the audit log, newest first: ``id, at, user, action, target, changes``."""
    a = schema.audit_log
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(a)).scalar_one()
        rows = conn.execute(
            select(a).order_by(a.c.id.desc()).limit(limit).offset(offset)
        ).mappings()
        items = [
            {
                "id": r["id"],
                "at": r["at"],
                "user": r["user_name"],
                "action": r["action"],
                "target": r["target"],
                "changes": json.loads(r["changes"]),
            }
            for r in rows
        ]
    return {"items": items, "total": total, "limit": limit, "offset": offset}


# ---------------------------------------------------------------------------- field reports


def add_report(conn: Connection, user: User, values: Mapping[str, Any]) -> int:
    """Store a field report (``values``: :data:`REPORT_FIELDS` plus ``est_latitude``,
    ``est_longitude``, ``radius_km``) in the caller's write transaction; returns its id.
    Audited as ``report.create`` in the same transaction."""
    now = _now()
    rid = conn.execute(
        insert(schema.field_reports).values(
            user_id=user.id, created_at=now, updated_at=now, **values
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    uid = f"field_report:{rid}"
    conn.execute(
        update(schema.field_reports).where(schema.field_reports.c.id == rid).values(event_uid=uid)
    )
    record(conn, user, "report.create", f"report:{rid}", dict(values))
    return int(rid)


def update_report(conn: Connection, user: User, report_id: int, values: Mapping[str, Any]) -> None:
    """Change a report's fields in the caller's write transaction; the audit row (same
    transaction) holds each change as ``[old, new]``."""
    before = report(conn, report_id)
    changed = {k: [before.get(k), v] for k, v in values.items() if before.get(k) != v}
    conn.execute(
        update(schema.field_reports)
        .where(schema.field_reports.c.id == report_id)
        .values(updated_at=_now(), **values)
    )
    record(conn, user, "report.update", f"report:{report_id}", changed)


def put_report_event(
    conn: Connection, events: pd.DataFrame, *, revision: str | None = None
) -> None:
    """Upsert a report's event (a one-row events frame) in the caller's write transaction, as
    ingest does (a changed row keeps its old version). A row ingest would reject is an error
    here, never a stored reject.

    ``revision`` (the report's ``updated_at``) is hashed with the row: the row holds only the
    published position, so an edit that moves the precise estimate within its cell reads the
    same, yet its verdicts change; with the revision it is a new version all the same, and an
    evaluation that read the old one cannot replace the edit's verdicts. (Not the precise
    position itself: the hash could be searched for it over the cell.)"""
    revisions = None
    if revision is not None:
        revisions = {str(uid): revision for uid in events["event_uid"].dropna()}
    done = upsert_events(conn, events, revisions=revisions)
    if done.rejected or done.inserted + done.updated + done.unchanged != len(events):
        raise StoreError(f"the report's event could not be stored: {done}")


_REPORT_OUT: Final = (
    "id",
    "observed_at",
    *REPORT_FIELDS[1:],
    "est_latitude",
    "est_longitude",
    "radius_km",
    "event_uid",
    "created_at",
    "updated_at",
)


def _report_select() -> Any:
    r, u = schema.field_reports, schema.users
    return select(*[r.c[c] for c in _REPORT_OUT], r.c.user_id, u.c.name.label("user")).join(
        u, u.c.id == r.c.user_id
    )


def report(bind: Engine | Connection, report_id: int) -> dict[str, Any]:
    """One report as a dict (``UnknownIdError`` when there is none); ``bind`` an engine, or a
    connection to read inside its transaction."""
    query = _report_select().where(schema.field_reports.c.id == report_id)
    if isinstance(bind, Connection):
        row = bind.execute(query).mappings().first()
    else:
        with bind.connect() as conn:
            row = conn.execute(query).mappings().first()
    if row is None:
        raise UnknownIdError(f"no field report {report_id}")
    return dict(row)


def reports(
    engine: Engine, *, user_id: int | None = None, limit: int = 100, offset: int = 0
) -> dict[str, Any]:
    """A page of reports, newest first (optionally one user's)."""
    r = schema.field_reports
    where = [r.c.user_id == user_id] if user_id is not None else []
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(r).where(*where)).scalar_one()
        rows = conn.execute(
            _report_select().where(*where).order_by(r.c.id.desc()).limit(limit).offset(offset)
        ).mappings()
        items = [dict(x) for x in rows]
    return {"items": items, "total": total, "limit": limit, "offset": offset}


def replace_event_verdicts(
    conn: Connection, event_uids: Sequence[str], verdicts: pd.DataFrame, *, note: str
) -> None:
    """Replace the verdicts of just these events (every agreement), leaving the rest of each
    agreement's evaluation alone: what a field report's evaluation stores (in the caller's write
    transaction). Each agreement with verdicts gets a small ``evaluations`` row
    (``settings.partial`` true) that they point to. Each verdict records the version of its
    event stored now (``event_version``), which an evaluation running meanwhile leaves alone."""
    v, e = schema.verdicts, schema.events
    versions: dict[str, int] = {}
    for part in chunks(list(event_uids)):
        conn.execute(delete(v).where(v.c.event_uid.in_(list(part))))
        found = conn.execute(select(e.c.event_uid, e.c.version).where(e.c.event_uid.in_(part)))
        versions.update((str(uid), int(version)) for uid, version in found)
    for agreement_id, rows in verdicts.groupby("agreement_id", sort=True):
        eid = conn.execute(
            insert(schema.evaluations).values(
                agreement_id=str(agreement_id),
                created_at=_now(),
                n_events=len(event_uids),
                n_verdicts=len(rows),
                settings=json.dumps({"partial": True, "note": note}),
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        records = [
            {**r, "evaluation_id": eid, "event_version": versions.get(r["event_uid"])}
            for r in verdict_rows(rows, str(agreement_id))
        ]
        conn.execute(insert(v), records)
    sync_reviews(conn, event_uids=event_uids)


# ---------------------------------------------------------------------------------- reviews


def add_review(
    engine: Engine,
    user: User,
    *,
    agreement_id: str,
    provision_id: str,
    event_uid: str,
    status: str,
    note: str | None,
    corrected_verdict: str | None = None,
    corrected_party: str | None = None,
    corrected_event_type: str | None = None,
) -> int:
    """Record an analyst's review of one verdict, of the event's current version, and make it
    count (:func:`ceasefire.store.reviews.sync_reviews`) in the same transaction.

    ``status`` is a :class:`~ceasefire.findings.ReviewStatus` other than ``unreviewed``;
    ``overruled`` needs at least one correction and the others take none (``InputError``).
    ``UnknownIdError`` when there is no such verdict. Reviews accumulate; the latest counts.
    The audit log keeps the machine's verdict and party beside the analyst's."""
    allowed = [s.value for s in ReviewStatus if s is not ReviewStatus.UNREVIEWED]
    if status not in allowed:
        raise InputError(f"must be one of {', '.join(allowed)}", field="status", value=status)
    corrections = {
        "corrected_verdict": corrected_verdict or None,
        "corrected_party": corrected_party or None,
        "corrected_event_type": corrected_event_type or None,
    }
    overruled = status == ReviewStatus.OVERRULED.value
    if overruled and not any(corrections.values()):
        raise InputError(
            "overruled: give the corrected verdict, party or event type", field="corrected_verdict"
        )
    if not overruled and any(corrections.values()):
        named = [k for k, x in corrections.items() if x]
        raise InputError(
            f"only an overruling review corrects (status {status!r})",
            field=", ".join(named),
        )
    if corrections["corrected_verdict"] not in (None, *VERDICTS):
        raise InputError(
            f"must be one of {', '.join(VERDICTS)}",
            field="corrected_verdict",
            value=corrected_verdict,
        )
    v, e = schema.verdicts, schema.events
    key = {"agreement_id": agreement_id, "provision_id": provision_id, "event_uid": event_uid}
    with write_transaction(engine) as conn:
        found = conn.execute(
            select(v.c.machine_verdict, v.c.machine_party, v.c.verdict, v.c.party).where(
                *[v.c[k] == val for k, val in key.items()]
            )
        ).first()
        if found is None:
            raise UnknownIdError(
                f"no verdict of {agreement_id}/{provision_id} on event {event_uid}"
            )
        version = conn.execute(
            select(e.c.version).where(e.c.event_uid == event_uid)
        ).scalar_one_or_none()
        machine = found.machine_verdict or found.verdict
        counted = corrections["corrected_verdict"] or machine
        if corrections["corrected_party"] and counted not in BREACHES:
            raise InputError(
                f"a party answers only for a violation or possible violation (the verdict "
                f"would be {counted!r})",
                field="corrected_party",
                value=corrected_party,
            )
        rid = conn.execute(
            insert(schema.reviews).values(
                **key,
                status=status,
                note=note,
                user_id=user.id,
                created_at=_now(),
                event_version=version,
                machine_verdict=machine,
                **corrections,
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        sync_reviews(conn, agreement_id=agreement_id, event_uids=[event_uid])
        record(
            conn,
            user,
            "review.create",
            f"verdict:{agreement_id}/{provision_id}/{event_uid}",
            {
                "status": status,
                "note": note,
                "verdict": machine,
                "party": found.machine_party if found.machine_verdict else found.party,
                "event_version": version,
                **{k: x for k, x in corrections.items() if x},
            },
        )
    return int(rid)


def reviews(engine: Engine, event_uid: str) -> list[dict[str, Any]]:
    """Every review of an event's verdicts, oldest first; ``stale`` when the event changed since
    the review (it no longer counts)."""
    r, u, e = schema.reviews, schema.users, schema.events
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                r.c.id,
                r.c.agreement_id,
                r.c.provision_id,
                r.c.status,
                r.c.note,
                u.c.name.label("user"),
                r.c.created_at,
                r.c.event_version,
                r.c.machine_verdict,
                r.c.corrected_verdict,
                r.c.corrected_party,
                r.c.corrected_event_type,
                (r.c.event_version != e.c.version).label("stale"),
            )
            .join(u, u.c.id == r.c.user_id)
            .join(e, e.c.event_uid == r.c.event_uid, isouter=True)
            .where(r.c.event_uid == event_uid)
            .order_by(r.c.id)
        ).mappings()
        return [dict(x) for x in rows]


#: Demo accounts ``ceasefire serve --demo-users`` creates: name, role, password. For a local
#: demo on 127.0.0.1 only; the passwords are public (docs/api.md).
DEMO_USERS: Final = (
    ("admin", "admin", "admin-demo"),
    ("analyst", "analyst", "analyst-demo"),
    ("monitor", "monitor", "monitor-demo"),
    ("viewer", "viewer", "viewer-demo"),
)


def ensure_demo_users(engine: Engine) -> list[tuple[str, str, str, bool]]:
    """Create the :data:`DEMO_USERS` that do not exist; ``(name, role, password, created)``."""
    out = []
    for name, role, password in DEMO_USERS:
        created = user_by_name(engine, name) is None
        if created:
            add_user(engine, name, role, password, actor=None)
        out.append((name, role, password, created))
    return out
