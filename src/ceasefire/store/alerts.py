"""Alert rules and their deliveries as stored (schema version 12).

A delivery is one row per (rule, subject, channel), under a unique key. :func:`claim` takes it
inside a write transaction **before** anything is sent: a subject that is ``sent`` (or was
already true when the rule was added: ``baseline``) is never claimed again, one being sent by
another process (``sending``, claimed less than ``lease`` ago) is left to it, and a ``failed``
one is claimed again once its ``next_attempt_at`` has come, unless it was given up
(``abandoned``) or no longer holds (``withdrawn``: :func:`settle`). Writers take turns
(:func:`ceasefire.store.engine.write_transaction`), so two processes evaluating the same rules
at once claim each subject once. Every attempt is recorded (:func:`record_attempt`) with its
audit row in the same transaction; rule changes are audited the same way.

No secret is stored here: a rule holds its channel's target (addresses, a webhook URL), never
an SMTP password or a signing secret (see :mod:`ceasefire.alerts.channels`).

>>> from ceasefire.store import open_store
>>> store = open_store(":memory:")
>>> rid = add_rule(store.engine, {"name": "dmz", "kind": "violation", "params": {"zone": "z"},
...     "channel": "webhook", "target": "http://127.0.0.1:9/hook"}, actor=None)
>>> c = claim(store.engine, rid, "event:e1", "webhook", {"title": "t"}, now=T0, lease_s=600)
>>> c.attempts, claim(store.engine, rid, "event:e1", "webhook", {}, now=T0, lease_s=600)
(0, None)
>>> record_attempt(store.engine, c, ok=True, error=None, now=T0, next_attempt_at=None,
...     audit={"target": "http://127.0.0.1:9/..."})
>>> [(d["subject"], d["status"], d["attempts"]) for d in deliveries(store.engine, rid)]
[('event:e1', 'sent', 1)]
>>> store.close()
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy import ColumnElement, Engine, and_, func, insert, or_, select, update

from ceasefire.errors import ConflictError, StoreError, UnknownIdError
from ceasefire.store import schema
from ceasefire.store.engine import write_transaction
from ceasefire.store.workspace import User, record

__all__ = [
    "SETTLED",
    "T0",
    "Claim",
    "add_rule",
    "claim",
    "deliveries",
    "due_again",
    "edit_target",
    "last_deliveries",
    "record_attempt",
    "remove_rule",
    "rules",
    "settle",
    "settled_subjects",
]

#: A fixed moment for examples and tests.
T0: Final = datetime(2020, 3, 6, 0, 1, tzinfo=UTC)

#: The statuses of a delivery never claimed again: sent, true when its rule was added,
#: given up after too many attempts or days, or no longer true when it was to be retried.
SETTLED: Final = ("sent", "baseline", "abandoned", "withdrawn")

_R = schema.alert_rules
_D = schema.alert_deliveries


@dataclass(frozen=True)
class Claim:
    """A delivery this process holds: send ``message`` to the rule's channel, then record it
    (:func:`record_attempt`) with ``token``, which proves the claim is still this one's."""

    delivery_id: int
    rule_id: int
    subject: str
    channel: str
    message: Mapping[str, Any]
    token: str
    attempts: int
    #: when the delivery was first claimed (None: just now)
    created_at: datetime | None = None


def _new_id(result: Any) -> int:
    """The id of the row an insert just made."""
    key = result.inserted_primary_key
    if key is None:  # pragma: no cover - every insert here makes one row with an id
        raise StoreError("the database gave no id for the new row")
    return int(key[0])


def _text(moment: datetime) -> str:
    return schema.time_text(moment)


def _moment(value: Any) -> datetime | None:
    """A stored time as an aware datetime (None when there is none)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _rule_row(r: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "id": int(r["id"]),
        "name": str(r["name"]),
        "kind": str(r["kind"]),
        "params": json.loads(r["params"]),
        "channel": str(r["channel"]),
        "target": str(r["target"]),
        "created_at": r["created_at"],
        "created_by": r["created_by"],
        "removed_at": r["removed_at"],
    }


def add_rule(
    engine: Engine,
    rule: Mapping[str, Any],
    *,
    actor: User | None,
    baseline: Iterable[tuple[str, Mapping[str, Any]]] = (),
    audit: Mapping[str, Any] | None = None,
) -> int:
    """Store a validated rule (``name, kind, params, channel, target``) and its ``baseline``
    subjects (``(subject, message)``: true already, so never delivered), audited as
    ``alert.rule.create`` (``audit``: what the audit row says of the rule; the target as
    given when none), in one transaction; its id. A name in use by a rule not removed is a
    :class:`ConflictError`."""
    now = schema.now_utc()
    with write_transaction(engine) as conn:
        taken = conn.execute(
            select(_R.c.id).where(_R.c.name == rule["name"], _R.c.removed_at.is_(None))
        ).first()
        if taken is not None:
            raise ConflictError(f"an alert rule named {rule['name']!r} exists")
        rule_id = _new_id(
            conn.execute(
                insert(_R).values(
                    name=rule["name"],
                    kind=rule["kind"],
                    params=json.dumps(dict(rule["params"]), sort_keys=True),
                    channel=rule["channel"],
                    target=rule["target"],
                    created_at=now,
                    created_by=actor.name if actor else None,
                )
            )
        )
        rows = [
            {
                "rule_id": rule_id,
                "subject": subject,
                "channel": rule["channel"],
                "status": "baseline",
                "attempts": 0,
                "message": json.dumps(dict(message), sort_keys=True, default=str),
                "created_at": now,
            }
            for subject, message in baseline
        ]
        if rows:
            conn.execute(insert(_D), rows)
        said = dict(audit) if audit is not None else {k: rule[k] for k in rule if k != "name"}
        said["baseline"] = len(rows)
        record(conn, actor, "alert.rule.create", f"alert:{rule['name']}", said)
    return rule_id


def rules(engine: Engine, *, removed: bool = False) -> list[dict[str, Any]]:
    """The rules, by name (``removed``: the removed ones too): ``id, name, kind, params,
    channel, target, created_at, created_by, removed_at``."""
    stmt = select(_R).order_by(_R.c.name, _R.c.id)
    if not removed:
        stmt = stmt.where(_R.c.removed_at.is_(None))
    with engine.connect() as conn:
        return [_rule_row(r) for r in conn.execute(stmt).mappings()]


def remove_rule(engine: Engine, name: str, *, actor: User | None) -> None:
    """Remove the rule named ``name`` (it is kept, marked removed, with its deliveries: the
    record of what was sent stays); audited as ``alert.rule.remove``."""
    with write_transaction(engine) as conn:
        found = conn.execute(
            select(_R.c.id).where(_R.c.name == name, _R.c.removed_at.is_(None))
        ).first()
        if found is None:
            raise UnknownIdError(f"no alert rule named {name!r} (see `ceasefire alerts list`)")
        conn.execute(update(_R).where(_R.c.id == found[0]).values(removed_at=schema.now_utc()))
        record(conn, actor, "alert.rule.remove", f"alert:{name}", {"rule_id": int(found[0])})


def edit_target(
    engine: Engine, name: str, target: str, *, actor: User | None, audit: Mapping[str, Any]
) -> int:
    """Give the rule named ``name`` a new (checked) ``target`` on the same channel, keeping its
    id and so its deliveries: what failed is retried to the new target, what was sent or
    baseline stays so. Audited as ``alert.rule.edit`` (``audit``: what the row says, the
    targets redacted); the rule's id."""
    with write_transaction(engine) as conn:
        found = conn.execute(
            select(_R.c.id).where(_R.c.name == name, _R.c.removed_at.is_(None))
        ).first()
        if found is None:
            raise UnknownIdError(f"no alert rule named {name!r} (see `ceasefire alerts list`)")
        conn.execute(update(_R).where(_R.c.id == found[0]).values(target=target))
        record(conn, actor, "alert.rule.edit", f"alert:{name}", dict(audit))
    return int(found[0])


def settled_subjects(
    engine: Engine,
    rule_id: int,
    channel: str,
    *,
    now: datetime | None = None,
    lease_s: float = 0.0,
) -> set[str]:
    """The subjects of a rule that are never claimed again, ``sent`` or ``baseline``, and with
    ``now`` those that may not be claimed yet: a failed one whose retry is not due, one another
    process holds (read without the write lock, so that a run takes the lock only for what it
    may send: :func:`claim` checks again inside it)."""
    done: ColumnElement[bool] = _D.c.status.in_(SETTLED)
    if now is not None:
        at, stale = _text(now), _text(now - timedelta(seconds=lease_s))
        done = or_(
            done,
            and_(_D.c.status == "failed", _D.c.next_attempt_at > at),
            and_(_D.c.status == "sending", _D.c.claimed_at > stale),
        )
    stmt = select(_D.c.subject).where(_D.c.rule_id == rule_id, _D.c.channel == channel, done)
    with engine.connect() as conn:
        return {str(s) for s in conn.execute(stmt).scalars()}


def _claimable(row: Any, now: datetime, lease_s: float) -> bool:
    status = str(row.status)
    if status == "failed":
        return row.next_attempt_at is None or str(row.next_attempt_at) <= _text(now)
    if status == "sending":  # another process holds it, unless it died holding it
        return row.claimed_at is None or str(row.claimed_at) <= _text(
            now - timedelta(seconds=lease_s)
        )
    return False  # sent, baseline


def claim(
    engine: Engine,
    rule_id: int,
    subject: str,
    channel: str,
    message: Mapping[str, Any],
    *,
    now: datetime,
    lease_s: float,
) -> Claim | None:
    """Claim the delivery of ``subject`` by ``channel`` for this process, in one write
    transaction: a new row ``sending`` with ``message``, or a failed one whose retry is due (or
    one whose claimant died: claimed over ``lease_s`` ago), which keeps the message it was
    first claimed with. ``None`` when it is sent, baseline, or held by another process."""
    token = secrets.token_hex(8)
    at = _text(now)
    with write_transaction(engine) as conn:
        row = conn.execute(
            select(_D).where(
                _D.c.rule_id == rule_id, _D.c.subject == subject, _D.c.channel == channel
            )
        ).first()
        if row is None:
            # the unique key (rule, subject, channel) backs this check: writers take turns, so
            # no other process can insert between the select and the insert
            new_id = _new_id(
                conn.execute(
                    insert(_D).values(
                        rule_id=rule_id,
                        subject=subject,
                        channel=channel,
                        status="sending",
                        attempts=0,
                        message=json.dumps(dict(message), sort_keys=True, default=str),
                        created_at=at,
                        claimed_at=at,
                        claim=token,
                    )
                )
            )
            return Claim(int(new_id), rule_id, subject, channel, dict(message), token, 0)
        if not _claimable(row, now, lease_s):
            return None
        conn.execute(
            update(_D).where(_D.c.id == row.id).values(status="sending", claimed_at=at, claim=token)
        )
        stored = json.loads(row.message)
        first = _moment(row.created_at)
        return Claim(
            int(row.id), rule_id, subject, channel, stored, token, int(row.attempts), first
        )


def due_again(
    engine: Engine, rule_ids: Iterable[int], *, now: datetime, lease_s: float
) -> list[tuple[int, str, str]]:
    """``(rule_id, subject, channel)`` of the deliveries of these rules that may be claimed
    again now: failed ones whose retry is due, and ones whose claimant died (read without the
    lock; :func:`claim` checks again)."""
    ids = list(rule_ids)
    if not ids:
        return []
    stale = _text(now - timedelta(seconds=lease_s))
    stmt = (
        select(_D.c.rule_id, _D.c.subject, _D.c.channel)
        .where(
            _D.c.rule_id.in_(ids),
            _D.c.subject.not_like("test:%"),  # a test is sent once, when asked
            or_(
                and_(
                    _D.c.status == "failed",
                    or_(_D.c.next_attempt_at.is_(None), _D.c.next_attempt_at <= _text(now)),
                ),
                and_(_D.c.status == "sending", _D.c.claimed_at <= stale),
            ),
        )
        .order_by(_D.c.id)
    )
    with engine.connect() as conn:
        return [(int(r), str(s), str(c)) for r, s, c in conn.execute(stmt)]


def record_attempt(
    engine: Engine,
    c: Claim,
    *,
    ok: bool,
    error: str | None,
    now: datetime,
    next_attempt_at: datetime | None,
    audit: Mapping[str, Any],
    final: bool = True,
) -> None:
    """Record one attempt to send a claimed delivery and its ``alert.delivery`` audit row
    (``audit``: what else the row says: the target, redacted) in one transaction. A success
    is ``sent``; a failure is ``failed`` with ``next_attempt_at`` when ``final`` (the run
    gives up for now), else the claim is kept for the next attempt of this run.

    The row is written only while the claim is still this one's (``claim = token``, status
    ``sending``): a send slower than the lease, whose delivery another process took over,
    changes nothing (a ``sent`` row is never made ``failed``); it is only audited, with
    ``still_ours`` false."""
    at = _text(now)
    with write_transaction(engine) as conn:
        row = conn.execute(
            select(_D.c.attempts, _D.c.claim, _D.c.status).where(_D.c.id == c.delivery_id)
        ).one()
        ours = row.claim == c.token and row.status == "sending"
        attempt = int(row.attempts) + 1
        values: dict[str, Any] = {"attempts": attempt, "last_attempt_at": at}
        if ok:
            values |= {"status": "sent", "sent_at": at, "last_error": None, "claim": None}
            values["next_attempt_at"] = None
        else:
            values |= {"last_error": error, "claimed_at": at}  # the lease runs on
            if final:
                values |= {"status": "failed", "claim": None}
                values["next_attempt_at"] = _text(next_attempt_at) if next_attempt_at else None
        if ours:
            conn.execute(
                update(_D)
                .where(_D.c.id == c.delivery_id, _D.c.claim == c.token, _D.c.status == "sending")
                .values(**values)
            )
        name = conn.execute(select(_R.c.name).where(_R.c.id == c.rule_id)).scalar_one()
        changes = {
            "delivery": c.delivery_id,
            "subject": c.subject,
            "channel": c.channel,
            "attempt": attempt,
            "outcome": "sent" if ok else "failed",
            "error": error,
            "still_ours": ours,
            **audit,
        }
        record(conn, None, "alert.delivery", f"alert:{name}", changes)


def settle(
    engine: Engine, c: Claim, status: str, why: str, *, now: datetime, audit: Mapping[str, Any]
) -> None:
    """End a claimed delivery without sending it: ``abandoned`` (too many attempts or days)
    or ``withdrawn`` (what it says no longer holds), with ``why`` as its last error; never
    claimed again. Written only while the claim is this one's; audited as ``alert.delivery``
    (outcome: the status) either way."""
    if status not in ("abandoned", "withdrawn"):
        raise StoreError(f"a delivery is settled as abandoned or withdrawn, not {status!r}")
    with write_transaction(engine) as conn:
        done = conn.execute(
            update(_D)
            .where(_D.c.id == c.delivery_id, _D.c.claim == c.token, _D.c.status == "sending")
            .values(status=status, claim=None, next_attempt_at=None, last_error=why)
        )
        name = conn.execute(select(_R.c.name).where(_R.c.id == c.rule_id)).scalar_one()
        changes = {
            "delivery": c.delivery_id,
            "subject": c.subject,
            "channel": c.channel,
            "outcome": status,
            "error": why,
            "at": _text(now),
            "still_ours": bool(done.rowcount),
            **audit,
        }
        record(conn, None, "alert.delivery", f"alert:{name}", changes)


def deliveries(
    engine: Engine, rule_id: int | None = None, *, limit: int = 100
) -> list[dict[str, Any]]:
    """The latest deliveries (of one rule), newest first: ``id, rule_id, subject, channel,
    status, attempts, created_at, last_attempt_at, next_attempt_at, sent_at, last_error``."""
    cols = [c for c in _D.c if c.name not in ("message", "claim", "claimed_at")]
    stmt = select(*cols).order_by(_D.c.id.desc()).limit(limit)
    if rule_id is not None:
        stmt = stmt.where(_D.c.rule_id == rule_id)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def last_deliveries(engine: Engine) -> dict[int, dict[str, Any]]:
    """Per rule id: its counts by status and its latest delivery (not a baseline one):
    ``{"sent": n, "failed": n, "sending": n, "baseline": n, "abandoned": n, "withdrawn": n,
    "last": {...}}``."""
    out: dict[int, dict[str, Any]] = {}
    with engine.connect() as conn:
        counts = conn.execute(
            select(_D.c.rule_id, _D.c.status, func.count()).group_by(_D.c.rule_id, _D.c.status)
        ).all()
        for rule_id, status, n in counts:
            zero = dict.fromkeys(("sending", "failed", *SETTLED), 0)
            out.setdefault(int(rule_id), zero)[str(status)] = int(n)
        latest = select(func.max(_D.c.id)).where(_D.c.status != "baseline").group_by(_D.c.rule_id)
        rows = conn.execute(
            select(
                _D.c.rule_id,
                _D.c.subject,
                _D.c.status,
                _D.c.attempts,
                _D.c.last_attempt_at,
                _D.c.last_error,
            ).where(_D.c.id.in_(latest))
        ).mappings()
        for r in rows:
            out[int(r["rule_id"])]["last"] = dict(r)
    return out
