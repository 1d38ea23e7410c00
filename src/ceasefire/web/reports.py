"""Field reports as evidence: store the report, turn it into an event, evaluate it at once.

:func:`submit_report` and :func:`edit_report` are the workflow behind ``POST`` and ``PATCH
/api/reports``: locate the source (:func:`ceasefire.field_reports.estimate_location`), build the
report's event (``source_dataset`` ``field_report``, ``event_uid`` ``field_report:<id>``, the
radius as ``location_uncertainty_km``, ``event_date`` the local day in
:data:`ceasefire.events.LOCAL_TIMEZONE`) and evaluate it against every known agreement **before
writing anything**; then store the report, its event, its verdicts (replacing just that
event's) and the audit row in **one** write transaction. A failure at any step leaves the store
as it was.

The event is judged at the precise estimate, but the ``events`` row holds only the published
position (:func:`ceasefire.field_reports.published_location`): every map, list, cell and export
reads that table, so none of them can show where the observer stood. The precise estimate stays
in ``field_reports``; a full re-evaluation reads it back (``store.events(precise=True)``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import Connection

from ceasefire.compliance import evaluate
from ceasefire.errors import ForbiddenError, InputError
from ceasefire.events import LOCAL_TIMEZONE, canonical_sub_event_type, normalise_events
from ceasefire.field_reports import (
    SOURCE_DATASET,
    Estimate,
    estimate_location,
    publishable_verdicts,
    published_location,
)
from ceasefire.store import SQLStore, workspace
from ceasefire.store.engine import write_transaction
from ceasefire.store.schema import iso_utc
from ceasefire.store.workspace import User
from ceasefire.web.catalog import Catalog

__all__ = ["edit_report", "event_frame", "published_position", "submit_report"]


def _utc_text(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise InputError("needs a time zone offset (e.g. +03:00 or Z)", field="observed_at")
    return str(iso_utc(pd.Series([pd.Timestamp(value)]))[0])


def _derived(values: dict[str, Any]) -> dict[str, Any]:
    est = estimate_location(
        float(values["longitude"]),
        float(values["latitude"]),
        bearing_deg=values.get("bearing_deg"),
        band=values.get("distance_band"),
    )
    return {
        "est_latitude": est.latitude,
        "est_longitude": est.longitude,
        "radius_km": est.radius_km,
    }


def _location(report: dict[str, Any]) -> str:
    # the report's id and what was observed: no place name, no coordinates
    return f"field report {report['id']} ({report['observation']})"


def published_position(report: dict[str, Any]) -> dict[str, float]:
    """A stored report's ``est_latitude``, ``est_longitude`` and ``radius_km`` as published
    (what its event shows): what ``GET /api/reports`` gives those who may not see observers.

    >>> published_position({"est_latitude": 35.8123, "est_longitude": 36.6123, "radius_km": 1.0})
    {'est_latitude': 35.825, 'est_longitude': 36.625, 'radius_km': 5.0}
    """
    where = published_location(
        Estimate(
            float(report["est_longitude"]),
            float(report["est_latitude"]),
            float(report["radius_km"]),
        )
    )
    return {
        "est_latitude": where.latitude,
        "est_longitude": where.longitude,
        "radius_km": where.radius_km,
    }


def event_frame(report: dict[str, Any], *, precise: bool = False) -> pd.DataFrame:
    """The event a stored report stands for (one row, the event model's columns): at the
    published position (what the ``events`` table holds), or with ``precise`` at the estimate
    itself (what the report is judged at).

    >>> report = {"id": 1, "event_uid": "field_report:1", "user": "mona",
    ...     "observed_at": "2020-03-05T22:30:00.000000Z", "observation": "heard",
    ...     "event_type": "Battles", "est_latitude": 35.8123, "est_longitude": 36.6123,
    ...     "radius_km": 1.0}
    >>> ev = event_frame(report)
    >>> ev.loc[0, "event_date"], str(ev.loc[0, "time_start"])  # the local (Damascus) day
    ('2020-03-06', '2020-03-05 22:30:00+00:00')
    >>> ev.loc[0, ["longitude", "latitude", "location_uncertainty_km"]].tolist()
    [36.625, 35.825, 5.0]
    >>> event_frame(report, precise=True).loc[0, ["longitude", "latitude"]].tolist()
    [36.6123, 35.8123]
    """
    where = Estimate(
        float(report["est_longitude"]), float(report["est_latitude"]), float(report["radius_km"])
    )
    if not precise:
        where = published_location(where)
    at = pd.Timestamp(report["observed_at"])
    if at.tzinfo is None:  # stored times are UTC
        at = at.tz_localize("UTC")
    day = at.tz_convert(LOCAL_TIMEZONE).date()
    return normalise_events(
        pd.DataFrame(
            {
                "event_uid": [report["event_uid"]],
                "event_date": [day.isoformat()],
                "year": [day.year],
                "time_precision": [1],
                "event_type": [report["event_type"]],
                "sub_event_type": [report.get("sub_event_type")],
                "actor1": [report.get("actor1")],
                "actor2": [report.get("actor2")],
                "location": [_location(report)],
                "latitude": [where.latitude],
                "longitude": [where.longitude],
                "location_uncertainty_km": [where.radius_km],
                "fatalities": [report.get("fatalities")],
                "notes": [report.get("text")],
                # not the observer's name: anyone may read events (see GET /api/reports)
                "source": [f"field report {report['id']}"],
                "source_dataset": [SOURCE_DATASET],
                "source_row_id": [str(report["id"])],
                "source_file": [f"field_reports/{report['id']}"],
                "time_start": [at],
                "time_end": [at],
                "fatalities_low": [report.get("fatalities")],
                "fatalities_high": [report.get("fatalities")],
                "initiator_known": [False],
            }
        )
    )


def _judge(catalog: Catalog, report: dict[str, Any]) -> pd.DataFrame:
    """The verdicts of the report's event, at its precise estimate, against every known
    agreement (nothing is written)."""
    registry = catalog.registry()
    result = evaluate(
        list(registry.agreements.values()),
        event_frame(report, precise=True),
        zones=catalog.zones(),
        registry=registry,
    )
    return result.verdicts


def _store_evaluated(
    conn: Connection, report: dict[str, Any], verdicts: pd.DataFrame
) -> list[dict[str, Any]]:
    """Write the report's event (at its published position; its version changes with every
    change of the report, ``updated_at``, even one the published row does not show) and its
    verdicts, as they may be published (:func:`ceasefire.field_reports.publishable_verdicts`),
    in the caller's transaction."""
    event = event_frame(report)
    workspace.put_report_event(conn, event, revision=str(report["updated_at"]))
    verdicts = publishable_verdicts(verdicts, event)
    workspace.replace_event_verdicts(
        conn, [report["event_uid"]], verdicts, note=f"field report {report['id']}"
    )
    cols = ["agreement_id", "provision_id", "verdict", "probability", "party", "reason"]
    return [
        {c: (None if pd.isna(r[c]) else r[c]) for c in cols}
        for r in verdicts[cols].astype(object).to_dict("records")
    ]


def _check_sub_event_type(values: dict[str, Any]) -> None:
    if values.get("sub_event_type") is None:
        return
    try:
        canonical_sub_event_type(values["sub_event_type"], values["event_type"])
    except ValueError as e:
        raise InputError(str(e), field="sub_event_type") from None


def submit_report(
    store: SQLStore, catalog: Catalog, user: User, values: dict[str, Any]
) -> dict[str, Any]:
    """Store a new report, its event and that event's verdicts; the report with ``verdicts``.

    The report, its event, its verdicts and the audit row are written in one transaction; the
    event is judged inside it, once the report has its id (one event: milliseconds), so a
    failure leaves nothing behind.
    """
    _check_sub_event_type(values)
    stored = {**values, "observed_at": _utc_text(values["observed_at"]), **_derived(values)}
    with write_transaction(store.engine) as conn:
        rid = workspace.add_report(conn, user, stored)
        report = workspace.report(conn, rid)
        out = _store_evaluated(conn, report, _judge(catalog, report))
    return {**report, "verdicts": out}


def edit_report(
    store: SQLStore, catalog: Catalog, user: User, report_id: int, changes: dict[str, Any]
) -> dict[str, Any]:
    """Change a report (its owner, or an admin), re-locate and re-evaluate it: the stored report
    is read, merged with ``changes``, judged and written back (report, event, verdicts, audit
    row) in **one** write transaction, so two edits of one report run one after the other and
    each sees the other's change (no lost update); judging one event takes milliseconds."""
    with write_transaction(store.engine) as conn:
        before = workspace.report(conn, report_id)
        if user.role != "admin" and before["user_id"] != user.id:
            raise ForbiddenError(f"report {report_id} belongs to another monitor")
        merged = {k: before[k] for k in workspace.REPORT_FIELDS}
        merged.update(changes)
        _check_sub_event_type(merged)
        if "observed_at" in changes:
            merged["observed_at"] = _utc_text(changes["observed_at"])
        values = {**merged, **_derived(merged)}
        verdicts = _judge(catalog, {**before, **values})
        workspace.update_report(conn, user, report_id, values)
        report = workspace.report(conn, report_id)
        out = _store_evaluated(conn, report, verdicts)
    return {**report, "verdicts": out}
