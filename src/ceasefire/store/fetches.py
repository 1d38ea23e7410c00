"""Evidence fetched from the providers' APIs, as stored (schema version 16).

- ``fetch_state``: one row per (source, query key) (:class:`FetchState`). A run starts with
  :func:`start_run` (status ``running``, the cursor of the first page or of the page an
  interrupted run stopped at), saves its cursor after every page is stored
  (:func:`save_cursor`), and ends with :func:`finish_run` (``done``, the new high-water mark:
  what the next run asks for) or :func:`fail_run` (``failed``, the error; the cursor stays,
  so the next run resumes there).
- :func:`withdraw_events`: events a provider withdrew (ACLED's deleted events) are marked in
  ``events.withdrawn_at`` with the reason; their rows and versions stay (the history), their
  verdicts go, and the read model and evaluations leave them out.
- ``source_attributions``: each fetched source's licence, terms and citation
  (:func:`put_attribution`, :func:`attributions`), shown with the exports and on the event page.

Every finished or withdrawing run adds an audit row (``fetch.run``, ``fetch.withdraw``): the
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

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Connection, Engine, delete, insert, select, update

from ceasefire.store import schema
from ceasefire.store.engine import write_transaction
from ceasefire.store.incidents import events_written
from ceasefire.store.rows import chunks
from ceasefire.store.workspace import record

__all__ = [
    "AUDIT_RUN",
    "AUDIT_WITHDRAW",
    "Attribution",
    "FetchState",
    "attributions",
    "fail_run",
    "fetch_state",
    "fetch_states",
    "finish_run",
    "put_attribution",
    "save_cursor",
    "start_run",
    "withdraw_events",
    "withdrawn_events",
]

#: The audit log's action for a finished fetch run.
AUDIT_RUN: Final = "fetch.run"
#: The audit log's action for events withdrawn by their provider.
AUDIT_WITHDRAW: Final = "fetch.withdraw"
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


def start_run(engine: Engine, source: str, query_key: str, first: Mapping[str, Any]) -> FetchState:
    """Start (or resume) a run: when the last run did not finish and left a cursor, the run
    resumes at that cursor with its row count; else it starts at ``first`` with none. Returns
    the state the run starts from."""
    old = fetch_state(engine, source, query_key)
    resume = old is not None and old.status != "done" and old.cursor is not None
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


def withdraw_events(
    engine: Engine, uids: Sequence[str], *, reason: str, at: str | None = None
) -> int:
    """Mark the stored, not yet withdrawn events of ``uids`` withdrawn (``at`` or now, with
    ``reason``) and delete their verdicts, in one transaction with an audit row; their rows
    and versions stay. Returns how many were withdrawn now (uids not stored, or withdrawn
    already, are skipped).

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
    when = at or schema.now_utc()
    done: list[str] = []
    with write_transaction(engine) as conn:
        for chunk in chunks(list(dict.fromkeys(uids))):
            found = conn.execute(
                select(e.c.event_uid).where(e.c.event_uid.in_(chunk), e.c.withdrawn_at.is_(None))
            ).scalars()
            done += [str(u) for u in found]
        if not done:
            return 0
        for chunk in chunks(done):
            conn.execute(
                update(e)
                .where(e.c.event_uid.in_(chunk))
                .values(withdrawn_at=when, withdrawn_reason=reason)
            )
            # the verdicts judged evidence that is no longer current
            conn.execute(delete(v).where(v.c.event_uid.in_(chunk)))
        events_written(conn, done)
        record(conn, None, AUDIT_WITHDRAW, None, {"events": len(done), "reason": reason})
    return len(done)


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
