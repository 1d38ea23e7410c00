"""Situation reports saved as published records (schema version 14).

A saved report is the HTML page ``ceasefire report`` writes (:func:`ceasefire.situation.html`),
stored whole with its SHA-256, the agreement, the period and the language it covers, who made
it and when, and the store's :func:`data_state` it was built from. The page is byte-stable for
the same store and arguments, so the table is unique on (agreement, period kind, first day,
language, sha256): saving a report again over unchanged evidence finds the stored row and adds
nothing (:func:`save`); a report with new evidence has another body, so it is a new row, and
the earlier stays. Rows are never updated or deleted here: what was published stays as it was.
:func:`reports` lists them, each with its version among the reports of the same period
(``version`` of ``versions``) and whether it is the latest.

Every save is audited (``situation_report.create``) in its own write transaction; writers take
turns (:func:`ceasefire.store.engine.write_transaction`), so two processes saving the same
report at once store it once.

>>> from ceasefire.store import open_store
>>> store = open_store(":memory:")
>>> key = {"agreement_id": "sochi-2018", "period_kind": "day", "period_start": "2019-07-10",
...     "period_end": "2019-07-10"}
>>> a, new = save(store.engine, **key, body="<p>one</p>", created_by="cli", actor=None)
>>> b, again = save(store.engine, **key, body="<p>one</p>", created_by="cli", actor=None)
>>> new, again, a["id"] == b["id"]
(True, False, True)
>>> c, _ = save(store.engine, **key, body="<p>two</p>", created_by="cli", actor=None)
>>> [(r["id"], r["version"], r["versions"], r["latest"]) for r in reports(store.engine)["items"]]
[(2, 2, 2, True), (1, 1, 2, False)]
>>> store.close()
"""

from __future__ import annotations

import hashlib
from typing import Any, Final

from sqlalchemy import Connection, Engine, and_, func, insert, select
from sqlalchemy.sql.expression import ColumnElement

from ceasefire.errors import InputError, UnknownIdError
from ceasefire.store import schema
from ceasefire.store.engine import write_transaction
from ceasefire.store.workspace import User, record

__all__ = [
    "LISTED",
    "PERIOD_KINDS",
    "body_sha256",
    "data_state",
    "report",
    "reports",
    "save",
]

#: The periods a saved report covers.
PERIOD_KINDS: Final = schema.V14_PERIOD_KINDS
#: Which saved reports :func:`reports` lists: every one, the latest of each period (agreement,
#: period, language), or the earlier versions only.
LISTED: Final = ("all", "latest", "earlier")
#: The columns :func:`reports` gives (not the body).
_LISTED_COLUMNS: Final = (
    "id",
    "agreement_id",
    "period_kind",
    "period_start",
    "period_end",
    "language",
    "format",
    "sha256",
    "data_state",
    "created_at",
    "created_by",
)


def body_sha256(body: str) -> str:
    """The SHA-256 (hex) of a report's body as UTF-8: what its row is unique on.

    >>> body_sha256("")[:12]
    'e3b0c44298fc'
    """
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def data_state(engine: Engine) -> str:
    """The store's data state, as text: the counters that move when a report's figures may
    (the ``store_state`` count of event writes, the highest evaluation, review and ingest ids,
    the latest field report edit, the humanitarian records held), e.g. ``events=12
    evaluation=3 review=0 ingest=2 field_report=- humanitarian=40+128`` (aid deliveries and
    population movements). Read before a report is built, it names the evidence the report saw
    at least (a write between the two is possible; the body's hash is what identifies it).

    >>> from ceasefire.store import open_store
    >>> with open_store(":memory:") as store:
    ...     data_state(store.engine)
    'events=0 evaluation=- review=- ingest=- field_report=- humanitarian=0+0'
    """
    st = schema.store_state
    with engine.connect() as conn:
        row = conn.execute(
            select(
                select(st.c.value).where(st.c.key == "events").scalar_subquery(),
                select(func.max(schema.evaluations.c.id)).scalar_subquery(),
                select(func.max(schema.reviews.c.id)).scalar_subquery(),
                select(func.max(schema.ingests.c.id)).scalar_subquery(),
                select(func.max(schema.field_reports.c.updated_at)).scalar_subquery(),
                select(func.count()).select_from(schema.aid_deliveries).scalar_subquery(),
                select(func.count()).select_from(schema.population_movements).scalar_subquery(),
            )
        ).one()
    names = ("events", "evaluation", "review", "ingest", "field_report")
    said = [f"{n}={'-' if v is None else v}" for n, v in zip(names, row[:5], strict=True)]
    return " ".join([*said, f"humanitarian={row[5]}+{row[6]}"])


def _key(
    agreement_id: str, period_kind: str, period_start: str, language: str
) -> ColumnElement[bool]:
    t = schema.situation_reports
    return and_(
        t.c.agreement_id == agreement_id,
        t.c.period_kind == period_kind,
        t.c.period_start == period_start,
        t.c.language == language,
    )


def _check(period_kind: str, language: str, body: str) -> None:
    if period_kind not in PERIOD_KINDS:
        raise InputError(
            f"must be one of {', '.join(PERIOD_KINDS)} ({period_kind!r})", field="period"
        )
    if not language or len(language) > 16:
        raise InputError(f"not a language tag ({language!r})", field="language")
    if not body:
        raise InputError("a report's body is empty", field="body")


def save(
    engine: Engine,
    *,
    agreement_id: str,
    period_kind: str,
    period_start: str,
    period_end: str,
    body: str,
    created_by: str,
    actor: User | None,
    language: str = "en",
    data_state: str | None = None,
) -> tuple[dict[str, Any], bool]:
    """Store a report's HTML ``body`` unless the same body of the same agreement, period and
    language is stored already: ``(row, True)`` when stored now (audited as
    ``situation_report.create`` in the same transaction), ``(the stored row, False)`` when it
    was there. ``created_by``: the user's name, or ``cli``; ``actor``: the user, for the
    audit row (None from the command line). The row is :func:`report`'s, without the body."""
    _check(period_kind, language, body)
    t = schema.situation_reports
    digest = body_sha256(body)
    with write_transaction(engine) as conn:
        found = conn.execute(
            select(t.c.id).where(
                _key(agreement_id, period_kind, period_start, language), t.c.sha256 == digest
            )
        ).scalar()
        if found is not None:
            return _row(conn, int(found), body=False), False
        rid = conn.execute(
            insert(t).values(
                agreement_id=agreement_id,
                period_kind=period_kind,
                period_start=period_start,
                period_end=period_end,
                language=language,
                format="html",
                body=body,
                sha256=digest,
                data_state=data_state,
                created_at=schema.now_utc(),
                created_by=created_by,
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        said = {
            "agreement_id": agreement_id,
            "period": f"{period_kind} {period_start}..{period_end}",
            "language": language,
            "sha256": digest,
            "data_state": data_state,
            "created_by": created_by,
        }
        record(conn, actor, "situation_report.create", f"situation_report:{rid}", said)
        return _row(conn, int(rid), body=False), True


def _versions() -> Any:
    """Per row: its version among the reports of its period (1 for the first saved) and how
    many that period has, and the id of the latest."""
    t = schema.situation_reports
    o = t.alias("other")
    same = and_(
        o.c.agreement_id == t.c.agreement_id,
        o.c.period_kind == t.c.period_kind,
        o.c.period_start == t.c.period_start,
        o.c.language == t.c.language,
    )
    version = select(func.count()).select_from(o).where(same, o.c.id <= t.c.id).scalar_subquery()
    versions = select(func.count()).select_from(o).where(same).scalar_subquery()
    latest = select(func.max(o.c.id)).where(same).scalar_subquery()
    return version.label("version"), versions.label("versions"), latest.label("latest_id")


def _out(row: Any) -> dict[str, Any]:
    out = dict(row)
    out["latest"] = out["id"] == out.pop("latest_id")
    return out


def _row(conn: Connection, report_id: int, *, body: bool) -> dict[str, Any]:
    t = schema.situation_reports
    columns = [t.c[c] for c in _LISTED_COLUMNS] + ([t.c.body] if body else [])
    row = conn.execute(select(*columns, *_versions()).where(t.c.id == report_id)).mappings().first()
    if row is None:
        raise UnknownIdError(f"no situation report {report_id}")
    return _out(row)


def report(engine: Engine, report_id: int) -> dict[str, Any]:
    """One saved report with its ``body`` (the HTML as stored), its ``version`` of
    ``versions`` and whether it is the ``latest`` of its period; :class:`UnknownIdError` when
    there is none."""
    with engine.connect() as conn:
        return _row(conn, report_id, body=True)


def reports(
    engine: Engine,
    *,
    agreement_id: str | None = None,
    which: str = "all",
    limit: int = 100,
    offset: int = 0,
) -> dict[str, Any]:
    """A page of saved reports without their bodies, newest period first (then the agreement,
    the period kind, the language, the newest save): ``which`` ``latest`` lists the latest of
    each period only, ``earlier`` the versions before it, ``all`` both. ``{"items", "total",
    "limit", "offset"}``."""
    if which not in LISTED:
        raise InputError(f"must be one of {', '.join(LISTED)} ({which!r})", field="which")
    t = schema.situation_reports
    version, versions, latest = _versions()
    inner = select(*[t.c[c] for c in _LISTED_COLUMNS], version, versions, latest)
    if agreement_id is not None:
        inner = inner.where(t.c.agreement_id == agreement_id)
    sub = inner.subquery()
    where: list[ColumnElement[bool]] = []
    if which == "latest":
        where.append(sub.c.id == sub.c.latest_id)
    elif which == "earlier":
        where.append(sub.c.id != sub.c.latest_id)
    order = (
        sub.c.period_start.desc(),
        sub.c.agreement_id,
        sub.c.period_kind,
        sub.c.language,
        sub.c.id.desc(),
    )
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(sub).where(*where)).scalar_one()
        rows = conn.execute(
            select(sub).where(*where).order_by(*order).limit(limit).offset(offset)
        ).mappings()
        items = [_out(r) for r in rows]
    return {"items": items, "total": int(total), "limit": limit, "offset": offset}
