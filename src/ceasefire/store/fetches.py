"""Evidence fetched from the providers' APIs, as stored (schema version 16).

- ``fetch_state``: one row per (source, query key) (:class:`FetchState`). A run starts with
  :func:`start_run` (status ``running``, the cursor of the first page or of the page an
  interrupted run stopped at), saves its cursor after every page is stored
  (:func:`save_cursor`), and ends with :func:`finish_run` (``done``, the new high-water mark:
  what the next run asks for) or :func:`fail_run` (``failed``, the error; the cursor stays,
  so the next run resumes there).
- :func:`withdraw_events`: events a provider withdrew (ACLED's deleted events) are marked in
  ``events.withdrawn_at`` (the provider's deletion time, when it says) with the reason; their
  rows and versions stay (the history), their verdicts go, and the read model and evaluations
  leave them out. :func:`withdrawn_event` reads one back (the event page's 410 answer).
- :func:`reinstate_events`: an event its provider serves again after deleting it, with a row
  newer than the deletion, is current evidence again: the withdrawn row becomes a version
  (its ``row_json`` keeps ``withdrawn_at`` and ``withdrawn_reason``), the mark is cleared, an
  audit row says so. A deletion already applied once and overruled so is not applied again.
- ``source_attributions``: each fetched source's licence, terms and citation
  (:func:`put_attribution`, :func:`attributions`), shown with the exports and on the event page.

Every finished, withdrawing or reinstating run adds an audit row (``fetch.run``,
``fetch.withdraw``, ``fetch.reinstate``): the
source, query key and counts, never a credential (the callers pass none: see
:mod:`ceasefire.fetch`).

>>> from ceasefire.store import open_store
>>> store = open_store(":memory:")
>>> start_run(store.engine, "ucdp_ged", "ucdp:25.1:Country=652", {"page": 0}).cursor
{'page': 0}
>>> finish_run(store.engine, "ucdp_ged", "ucdp:25.1:Country=652", {"done": True}, rows=3)
>>> state = fetch_state(store.engine, "ucdp_ged", "ucdp:25.1:Country=652")
>>> state.status, state.cursor, state.high_water, state.rows_fetched
('done', None, {'done': True}, 3)
>>> store.close()
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import pandas as pd
from sqlalchemy import Connection, Engine, bindparam, delete, insert, select, update

from ceasefire.store import schema
from ceasefire.store.engine import write_transaction
from ceasefire.store.incidents import events_written
from ceasefire.store.queries import event_versions
from ceasefire.store.rows import EVENT_COLS, chunks, events_frame
from ceasefire.store.workspace import record

__all__ = [
    "AUDIT_REINSTATE",
    "AUDIT_RUN",
    "AUDIT_WITHDRAW",
    "Attribution",
    "FetchState",
    "WithdrawnEvent",
    "attributions",
    "fail_run",
    "fetch_state",
    "fetch_states",
    "finish_run",
    "put_attribution",
    "reinstate_events",
    "save_cursor",
    "start_run",
    "withdraw_events",
    "withdrawn_event",
    "withdrawn_events",
]

#: The audit log's action for a finished fetch run.
AUDIT_RUN: Final = "fetch.run"
#: The audit log's action for events withdrawn by their provider.
AUDIT_WITHDRAW: Final = "fetch.withdraw"
#: The audit log's action for withdrawn events their provider served again, newer.
AUDIT_REINSTATE: Final = "fetch.reinstate"
#: The most characters of an error kept in ``fetch_state.last_error``.
_MAX_ERROR: Final = 2000


@dataclass(frozen=True)
class FetchState:
    """One ``fetch_state`` row: ``cursor`` and ``high_water`` decoded from JSON."""

    source: str
    query_key: str
    status: str
    run_started_at: str | None
    cursor: dict[str, Any] | None
    rows_fetched: int
    high_water: dict[str, Any] | None
    last_success_at: str | None
    last_error: str | None


@dataclass(frozen=True)
class Attribution:
    """What a source asks of whoever uses its data: its licence, terms and citation."""

    source_dataset: str
    name: str
    licence: str
    citation: str
    licence_url: str | None = None
    terms_url: str | None = None

    def text(self) -> str:
        """One line: source, licence (and where to read it), citation.

        >>> Attribution("x", "X data", "CC BY 4.0", "Doe (2020)").text()
        'Source: X data. Licence: CC BY 4.0. Cite as: Doe (2020)'
        """
        where = f" ({self.licence_url})" if self.licence_url else ""
        return f"Source: {self.name}. Licence: {self.licence}{where}. Cite as: {self.citation}"

    def as_dict(self) -> dict[str, str | None]:
        """The fields as a dict (a GeoJSON export's ``sources`` member)."""
        return {
            "source_dataset": self.source_dataset,
            "name": self.name,
            "licence": self.licence,
            "licence_url": self.licence_url,
            "citation": self.citation,
            "terms_url": self.terms_url,
        }


def _json(value: Mapping[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(dict(value), sort_keys=True)


def _decoded(text: str | None) -> dict[str, Any] | None:
    return None if text is None else dict(json.loads(text))


def fetch_state(engine: Engine, source: str, query_key: str) -> FetchState | None:
    """The state of ``(source, query_key)``, or None when it was never fetched."""
    t = schema.fetch_state
    with engine.connect() as conn:
        row = (
            conn.execute(select(t).where(t.c.source == source, t.c.query_key == query_key))
            .mappings()
            .first()
        )
    if row is None:
        return None
    return FetchState(
        source=row["source"],
        query_key=row["query_key"],
        status=row["status"],
        run_started_at=row["run_started_at"],
        cursor=_decoded(row["cursor"]),
        rows_fetched=int(row["rows_fetched"]),
        high_water=_decoded(row["high_water"]),
        last_success_at=row["last_success_at"],
        last_error=row["last_error"],
    )


def fetch_states(engine: Engine) -> list[FetchState]:
    """Every recorded fetch query, by source and key."""
    t = schema.fetch_state
    with engine.connect() as conn:
        keys = conn.execute(select(t.c.source, t.c.query_key).order_by(t.c.source, t.c.query_key))
        pairs = [(str(s), str(k)) for s, k in keys]
    found = [fetch_state(engine, s, k) for s, k in pairs]
    return [f for f in found if f is not None]


def _upsert_state(conn: Connection, source: str, query_key: str, values: dict[str, Any]) -> None:
    t = schema.fetch_state
    values = {**values, "updated_at": schema.now_utc()}
    where = (t.c.source == source, t.c.query_key == query_key)
    found = conn.execute(select(t.c.status).where(*where)).first()
    if found is None:
        conn.execute(insert(t).values(source=source, query_key=query_key, **values))
    else:
        conn.execute(update(t).where(*where).values(**values))


def start_run(
    engine: Engine,
    source: str,
    query_key: str,
    first: Mapping[str, Any],
    *,
    restart: bool = False,
) -> FetchState:
    """Start (or resume) a run: when the last run did not finish and left a cursor, the run
    resumes at that cursor with its row count (unless ``restart``); else it starts at
    ``first`` with none. Returns the state the run starts from."""
    old = fetch_state(engine, source, query_key)
    resume = not restart and old is not None and old.status != "done" and old.cursor is not None
    with write_transaction(engine) as conn:
        values: dict[str, Any] = {"status": "running", "last_error": None}
        if not resume:
            values |= {
                "cursor": _json(first),
                "rows_fetched": 0,
                "run_started_at": schema.now_utc(),
            }
        _upsert_state(conn, source, query_key, values)
    state = fetch_state(engine, source, query_key)
    assert state is not None
    return state


def save_cursor(
    engine: Engine, source: str, query_key: str, cursor: Mapping[str, Any], *, rows: int
) -> None:
    """After a page is stored: where the run goes on, and the rows fetched so far."""
    with write_transaction(engine) as conn:
        _upsert_state(conn, source, query_key, {"cursor": _json(cursor), "rows_fetched": int(rows)})


def finish_run(
    engine: Engine,
    source: str,
    query_key: str,
    high_water: Mapping[str, Any],
    *,
    rows: int,
    counts: Mapping[str, int] | None = None,
) -> None:
    """End a run ``done``: the cursor cleared, the new high-water mark, an audit row."""
    now = schema.now_utc()
    with write_transaction(engine) as conn:
        _upsert_state(
            conn,
            source,
            query_key,
            {
                "status": "done",
                "cursor": None,
                "rows_fetched": int(rows),
                "high_water": _json(high_water),
                "last_success_at": now,
                "last_error": None,
            },
        )
        record(
            conn,
            None,
            AUDIT_RUN,
            f"{source}:{query_key}",
            {"rows": int(rows), **dict(counts or {})},
        )


def fail_run(engine: Engine, source: str, query_key: str, error: str) -> None:
    """End a run ``failed`` with ``error`` (one line, cut); the cursor stays for a rerun."""
    text = " ".join(error.split())
    if len(text) > _MAX_ERROR:
        text = text[: _MAX_ERROR - 3] + "..."
    with write_transaction(engine) as conn:
        _upsert_state(conn, source, query_key, {"status": "failed", "last_error": text})


def _instant(text: str) -> dt.datetime:
    """A stored time (or an ISO 8601 time) as an aware datetime."""
    moment = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _overruled(conn: Connection, uids: Sequence[str]) -> set[tuple[str, str]]:
    """(uid, withdrawn_at) of the withdrawals of ``uids`` that were overruled (the provider
    served the event again, newer): their versions keep the mark."""
    t = schema.event_versions
    out: set[tuple[str, str]] = set()
    for chunk in chunks(list(uids)):
        stmt = select(t.c.event_uid, t.c.row_json).where(
            t.c.event_uid.in_(chunk), t.c.row_json.contains('"withdrawn_at"')
        )
        for uid, row_json in conn.execute(stmt):
            when = json.loads(row_json).get("withdrawn_at")
            if when:
                out.add((str(uid), _instant(when).isoformat()))
    return out


def withdraw_events(
    engine: Engine,
    uids: Sequence[str],
    *,
    reason: str,
    at: str | None = None,
    times: Mapping[str, str] | None = None,
) -> int:
    """Mark the stored, not yet withdrawn events of ``uids`` withdrawn (at ``times[uid]``, the
    provider's deletion time, else ``at``, else now, with ``reason``) and delete their
    verdicts, in one transaction with an audit row; their rows and versions stay. Returns how
    many were withdrawn now: uids not stored, withdrawn already, or whose deletion at that
    time was overruled before (:func:`reinstate_events`) are skipped.

    >>> import pandas as pd
    >>> from ceasefire.store import open_store
    >>> store = open_store(":memory:")
    >>> _ = store.add_events(pd.DataFrame({"event_uid": ["acled:SYR1", "acled:SYR2"]}))
    >>> withdraw_events(store.engine, ["acled:SYR1", "acled:SYR9"], reason="deleted by ACLED")
    1
    >>> withdraw_events(store.engine, ["acled:SYR1"], reason="again"), store.count_events()
    (0, 1)
    >>> store.close()
    """
    e, v = schema.events, schema.verdicts
    now = schema.now_utc()
    times = dict(times or {})
    wanted = list(dict.fromkeys(uids))
    done: list[str] = []
    with write_transaction(engine) as conn:
        for chunk in chunks(wanted):
            found = conn.execute(
                select(e.c.event_uid).where(e.c.event_uid.in_(chunk), e.c.withdrawn_at.is_(None))
            ).scalars()
            done += [str(u) for u in found]
        overruled = _overruled(conn, [u for u in done if u in times])
        when = {u: times.get(u, at or now) for u in done}
        done = [u for u in done if (u, _instant(when[u]).isoformat()) not in overruled]
        if not done:
            return 0
        stmt = (
            update(e)
            .where(e.c.event_uid == bindparam("_uid"))
            .values(withdrawn_at=bindparam("_at"), withdrawn_reason=reason)
        )
        conn.execute(stmt, [{"_uid": u, "_at": schema.time_text(_instant(when[u]))} for u in done])
        for chunk in chunks(done):
            # the verdicts judged evidence that is no longer current
            conn.execute(delete(v).where(v.c.event_uid.in_(chunk)))
        events_written(conn, done)
        record(conn, None, AUDIT_WITHDRAW, None, {"events": len(done), "reason": reason})
    return len(done)


def reinstate_events(engine: Engine, row_times: Mapping[str, str], *, reason: str) -> list[str]:
    """The withdrawn events of ``row_times`` (uid -> the time of the row the provider serves
    now) whose row is newer than their withdrawal become current evidence again, in one
    transaction: the withdrawn row is kept as a version (with its withdrawal mark), the event's
    version goes up by one, the mark is cleared, and an audit row (``fetch.reinstate``) names
    them with ``reason``. A withdrawal newer than the row stands. Returns the uids reinstated.

    >>> import pandas as pd
    >>> from ceasefire.store import open_store
    >>> store = open_store(":memory:")
    >>> _ = store.add_events(pd.DataFrame({"event_uid": ["acled:SYR1"]}))
    >>> times = {"acled:SYR1": "2026-01-02T00:00:00Z"}
    >>> withdraw_events(store.engine, ["acled:SYR1"], reason="deleted", times=times)
    1
    >>> reinstate_events(store.engine, {"acled:SYR1": "2026-01-01T00:00:00Z"}, reason="again")
    []
    >>> reinstate_events(store.engine, {"acled:SYR1": "2026-01-03T00:00:00Z"}, reason="again")
    ['acled:SYR1']
    >>> store.count_events(), store.event_versions("acled:SYR1")["version"].tolist()
    (1, [1])
    >>> withdraw_events(store.engine, ["acled:SYR1"], reason="deleted", times=times)
    0
    >>> store.close()
    """
    e = schema.events
    kept = [c for c in e.c if c.name != "worst"]  # a colour is not the event
    history: list[dict[str, Any]] = []
    now = schema.now_utc()
    with write_transaction(engine) as conn:
        for chunk in chunks(list(dict.fromkeys(row_times))):
            stmt = select(*kept).where(e.c.event_uid.in_(chunk), e.c.withdrawn_at.is_not(None))
            for row in conn.execute(stmt).mappings():
                if _instant(row["withdrawn_at"]) >= _instant(row_times[row["event_uid"]]):
                    continue  # withdrawn after the row was written: the withdrawal stands
                history.append(
                    {
                        "event_uid": row["event_uid"],
                        "version": row["version"],
                        "content_hash": row["content_hash"],
                        "row_json": json.dumps(dict(row), ensure_ascii=False, default=str),
                        "superseded_at": now,
                    }
                )
        if not history:
            return []
        conn.execute(insert(schema.event_versions), history)
        conn.execute(
            update(e)
            .where(e.c.event_uid == bindparam("_uid"))
            .values(version=bindparam("_version"), withdrawn_at=None, withdrawn_reason=None),
            [{"_uid": h["event_uid"], "_version": int(h["version"]) + 1} for h in history],
        )
        uids = [str(h["event_uid"]) for h in history]
        events_written(conn, uids)
        record(
            conn,
            None,
            AUDIT_REINSTATE,
            None,
            {"events": len(uids), "uids": uids[:100], "reason": reason},
        )
    return uids


@dataclass(frozen=True)
class WithdrawnEvent:
    """An event its provider withdrew, as the event page shows it: the row (an events frame
    of one row, with ``version``), when and why it was withdrawn, and its earlier versions."""

    event: pd.DataFrame
    withdrawn_at: str
    withdrawn_reason: str | None
    versions: pd.DataFrame


def withdrawn_event(engine: Engine, event_uid: str) -> WithdrawnEvent | None:
    """The withdrawn event ``event_uid``, or None when no withdrawn event has it.

    >>> import pandas as pd
    >>> from ceasefire.store import open_store
    >>> store = open_store(":memory:")
    >>> _ = store.add_events(pd.DataFrame({"event_uid": ["acled:SYR1"]}))
    >>> withdrawn_event(store.engine, "acled:SYR1") is None
    True
    >>> _ = withdraw_events(store.engine, ["acled:SYR1"], reason="deleted by ACLED")
    >>> withdrawn_event(store.engine, "acled:SYR1").withdrawn_reason
    'deleted by ACLED'
    >>> store.close()
    """
    e = schema.events
    keys = [*EVENT_COLS, "version", "withdrawn_at", "withdrawn_reason"]
    with engine.connect() as conn:
        row = conn.execute(
            select(*(e.c[k] for k in keys)).where(
                e.c.event_uid == event_uid, e.c.withdrawn_at.is_not(None)
            )
        ).first()
    if row is None:
        return None
    frame = events_frame([row[: len(keys) - 2]], keys[:-2])
    return WithdrawnEvent(
        event=frame,
        withdrawn_at=str(row.withdrawn_at),
        withdrawn_reason=row.withdrawn_reason,
        versions=event_versions(engine, event_uid),
    )


def withdrawn_events(engine: Engine, *, source_dataset: str | None = None) -> list[str]:
    """The uids of the withdrawn events (of one source), sorted."""
    e = schema.events
    stmt = select(e.c.event_uid).where(e.c.withdrawn_at.is_not(None))
    if source_dataset is not None:
        stmt = stmt.where(e.c.source_dataset == source_dataset)
    with engine.connect() as conn:
        return sorted(str(u) for u in conn.execute(stmt.order_by(e.c.event_uid)).scalars())


def put_attribution(engine: Engine, a: Attribution) -> None:
    """Store (or replace) a source's licence, terms and citation."""
    t = schema.source_attributions
    values = {
        "name": a.name,
        "licence": a.licence,
        "licence_url": a.licence_url,
        "citation": a.citation,
        "terms_url": a.terms_url,
        "updated_at": schema.now_utc(),
    }
    with write_transaction(engine) as conn:
        where = t.c.source_dataset == a.source_dataset
        if conn.execute(select(t.c.source_dataset).where(where)).first() is None:
            conn.execute(insert(t).values(source_dataset=a.source_dataset, **values))
        else:
            conn.execute(update(t).where(where).values(**values))


def attributions(engine: Engine) -> dict[str, Attribution]:
    """Every stored source attribution, by ``source_dataset``."""
    t = schema.source_attributions
    with engine.connect() as conn:
        rows = conn.execute(select(t).order_by(t.c.source_dataset)).mappings().all()
    return {
        r["source_dataset"]: Attribution(
            source_dataset=r["source_dataset"],
            name=r["name"],
            licence=r["licence"],
            citation=r["citation"],
            licence_url=r["licence_url"],
            terms_url=r["terms_url"],
        )
        for r in rows
    }
