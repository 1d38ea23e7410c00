"""The situation report over a store: what ``ceasefire report`` calls.

:func:`situation_report` reads what :func:`ceasefire.situation.build` needs through the store
and its read model (:mod:`ceasefire.store.read`: the verdict rows the findings count, claims,
field reports' observations, events per day, the latest evaluation) and the monitor's
workflows (:mod:`ceasefire.monitoring`: agreements, zones, each provision's zone and start, the
joint-patrol coverage, the humanitarian weeks as the dashboard's ``/humanitarian`` shows them),
and hands them to the core. It counts nothing itself.

>>> import datetime as dt
>>> from ceasefire.store import open_store
>>> from ceasefire.situation import Period
>>> with open_store(":memory:") as store:
...     _ = monitoring.seed_bundled(store)
...     r = situation_report(store, "moscow-2020", Period.of("week", dt.date(2020, 3, 10)))
>>> r["findings"]["incidents"], r["period"]["label"]
({'total': 0, 'violation': 0, 'possible_violation': 0}, 'week of 2020-03-09 to 2020-03-15')
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from . import monitoring
from .errors import StoreError, UnknownIdError
from .patrols.linear import RouteLine
from .situation import Evidence, Period, ReportOptions, build
from .store import SQLStore, Store
from .store import read as q

__all__ = ["situation_report"]


def situation_report(
    store: Store, agreement_id: str, period: Period, options: ReportOptions | None = None
) -> dict[str, Any]:
    """The report on ``agreement_id`` over ``period`` (:func:`ceasefire.situation.build`)
    from what ``store`` holds. An unknown agreement raises :class:`UnknownIdError`."""
    if not isinstance(store, SQLStore):
        raise StoreError("a situation report reads an SQL store (an SQLite path or a URL)")
    registry = monitoring.registry_of(store)
    agreement = registry.get(agreement_id)
    zones = monitoring.zones_of(store)
    engine = store.engine
    first, last = period.first.isoformat(), period.last.isoformat()
    periods, route = _patrols(store, agreement_id, period)
    evidence = Evidence(
        rows=store.finding_rows,
        provisions=monitoring.finding_provisions(registry.agreements.values(), zones),
        zones=zones,
        obligations=store.obligations(agreement_id),
        claims=q.claims_published(engine, first, last),
        observations=lambda f: q.observation_aggregate(engine, f),
        event_days=q.event_days(engine, first, last),
        evidence_span=store.evidence_span(),
        evaluation=q.last_evaluation(engine, agreement_id),
        patrol_periods=periods,
        patrol_route=route,
        linked=lambda f, uids: q.incidents_of_events(engine, f, uids),
        humanitarian=monitoring.humanitarian_overview(store, agreement_id),
    )
    return build(agreement, period, evidence, options)


def _patrols(
    store: Store, agreement_id: str, period: Period
) -> tuple[pd.DataFrame | None, RouteLine | None]:
    """Joint-patrol coverage per week over the period, as ``/api/patrols/coverage`` gives it
    (weeks counted from the provision's start; none before it), or nothing when the
    agreement has no joint-patrol provision."""
    try:
        cov = monitoring.patrol_coverage(
            store, agreement_id=agreement_id, since=period.first, until=period.last
        )
    except UnknownIdError:
        return None, None
    begins = cov.provision.start.local().date().isoformat() if cov.provision else ""
    periods = cov.periods
    if len(periods):
        periods = periods[periods["period_end"].astype(str) >= begins].reset_index(drop=True)
    return periods, cov.route
