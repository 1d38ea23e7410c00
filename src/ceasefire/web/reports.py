"""Field reports as evidence: store the report, turn it into an event, evaluate it at once.

:func:`submit_report` and :func:`edit_report` are the workflow behind ``POST`` and ``PATCH
/api/reports``: locate the source (:func:`ceasefire.field_reports.estimate_location`), keep the
report (audited), upsert its event (``source_dataset`` ``field_report``, ``event_uid``
``field_report:<id>``, the radius as ``location_uncertainty_km``), evaluate that one event
against every known agreement and replace just its verdicts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from ceasefire.compliance import evaluate
from ceasefire.errors import ForbiddenError, InputError
from ceasefire.events import normalise_events
from ceasefire.field_reports import estimate_location
from ceasefire.store import SQLStore, workspace
from ceasefire.store.schema import iso_utc
from ceasefire.store.workspace import User
from ceasefire.web.catalog import Catalog

__all__ = ["edit_report", "event_frame", "submit_report"]

SOURCE_DATASET = "field_report"


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


def event_frame(report: dict[str, Any]) -> pd.DataFrame:
    """The event a stored report stands for (one row, the event model's columns)."""
    at = pd.Timestamp(report["observed_at"])
    return normalise_events(
        pd.DataFrame(
            {
                "event_uid": [report["event_uid"]],
                "event_date": [at.date().isoformat()],
                "year": [at.year],
                "time_precision": [1],
                "event_type": [report["event_type"]],
                "sub_event_type": [report.get("sub_event_type")],
                "actor1": [report.get("actor1")],
                "actor2": [report.get("actor2")],
                "location": [f"field report {report['id']} ({report['observation']})"],
                "latitude": [report["est_latitude"]],
                "longitude": [report["est_longitude"]],
                "location_uncertainty_km": [report["radius_km"]],
                "fatalities": [report.get("fatalities")],
                "notes": [report.get("text")],
                "source": [f"field report {report['id']} by {report['user']}"],
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


def _evaluate(store: SQLStore, catalog: Catalog, report: dict[str, Any]) -> list[dict[str, Any]]:
    events = event_frame(report)
    store.add_events(events)
    registry = catalog.registry()
    result = evaluate(
        list(registry.agreements.values()), events, zones=catalog.zones(), registry=registry
    )
    workspace.replace_event_verdicts(
        store.engine, [report["event_uid"]], result.verdicts, note=f"field report {report['id']}"
    )
    cols = ["agreement_id", "provision_id", "verdict", "probability", "party", "reason"]
    return [
        {c: (None if pd.isna(r[c]) else r[c]) for c in cols}
        for r in result.verdicts[cols].astype(object).to_dict("records")
    ]


def submit_report(
    store: SQLStore, catalog: Catalog, user: User, values: dict[str, Any]
) -> dict[str, Any]:
    """Store a new report, its event and that event's verdicts; the report with ``verdicts``."""
    stored = {**values, "observed_at": _utc_text(values["observed_at"]), **_derived(values)}
    rid = workspace.add_report(store.engine, user, stored)
    report = workspace.report(store.engine, rid)
    return {**report, "verdicts": _evaluate(store, catalog, report)}


def edit_report(
    store: SQLStore, catalog: Catalog, user: User, report_id: int, changes: dict[str, Any]
) -> dict[str, Any]:
    """Change a report (its owner, or an admin), re-locate and re-evaluate it."""
    before = workspace.report(store.engine, report_id)
    if user.role != "admin" and before["user_id"] != user.id:
        raise ForbiddenError(f"report {report_id} belongs to another monitor")
    merged = {k: before[k] for k in workspace.REPORT_FIELDS}
    merged.update(changes)
    if "observed_at" in changes:
        merged["observed_at"] = _utc_text(changes["observed_at"])
    values = {**merged, **_derived(merged)}
    workspace.update_report(store.engine, user, report_id, values)
    report = workspace.report(store.engine, report_id)
    return {**report, "verdicts": _evaluate(store, catalog, report)}
