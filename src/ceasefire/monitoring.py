"""The monitor's workflows over a store: what the CLI (and later the web app) call.

Each function is one step a monitor takes: seed the store with the bundled Idlib case, ingest a
file, evaluate agreements against everything stored, or evaluate a file without a store. The
core (agreements, zones, events, compliance) knows nothing of stores; this module joins them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from . import agreements as _agreements
from . import reports
from . import zones as _zones
from .agreements import Registry, chains
from .compliance import Evaluation, Rules, evaluate, provision_zones
from .sources import read_events
from .store import IngestReport, Store

__all__ = [
    "BUNDLED_UCDP",
    "DemoResult",
    "before_after",
    "evaluate_file",
    "evaluate_store",
    "import_zone",
    "registry_of",
    "run_demo",
    "seed_bundled",
    "zones_of",
]


def _bundled_ucdp() -> Path:
    return Path(
        str(resources.files("ceasefire") / "data" / "ucdp" / "ged_syria_2016-01_2019-11.csv.gz")
    )


#: The bundled real evidence: UCDP GED, Syria 2016-01 .. 2019-11 (16,566 events; CC BY 4.0).
BUNDLED_UCDP = _bundled_ucdp()


def registry_of(store: Store) -> Registry:
    """Bundled agreements, overridden and extended by the ones stored."""
    found = {a: _agreements.load_bundled(a) for a in _agreements.bundled_ids()}
    for agreement_id, text in store.agreements().items():
        found[agreement_id] = _agreements.parse_agreement(text, file=f"store:{agreement_id}")
    return Registry(found)


def _stored_zones(store: Store) -> dict[str, _zones.Zone]:
    return {f["properties"]["id"]: _zones.zone_from_feature(f) for f in store.zones()}


def zones_of(store: Store) -> dict[str, _zones.Zone]:
    """Bundled zones, with the store's (imported) zones replacing them by id."""
    return _zones.load_zones(overrides=_stored_zones(store))


def import_zone(
    store: Store,
    path: str | Path,
    zone_id: str,
    *,
    name: str | None = None,
    layer: str | None = None,
) -> _zones.Zone:
    """Read a user's geometry, check it fits what it replaces, and keep it in the store.

    Zones derived from it (the corridor of a route, the DMZ of the area) are re-derived
    whenever zones are loaded.
    """
    zone = _zones.import_zone(path, zone_id, name=name, layer=layer)
    _zones.load_zones(
        overrides={**_stored_zones(store), zone.id: zone}
    )  # raises if it does not fit
    store.put_zone(_zones.zone_to_feature(zone))
    return zone


def seed_bundled(store: Store) -> list[str]:
    """Put the bundled agreements in the store (idempotent); returns their ids."""
    ids = _agreements.bundled_ids()
    for agreement_id in ids:
        store.put_agreement(
            agreement_id,
            _agreements.bundled_text(agreement_id),
            source=f"bundled:{agreement_id}.yaml",
        )
    return ids


def evaluate_store(
    store: Store,
    agreement_ids: Sequence[str] | None = None,
    *,
    rules: Rules | None = None,
    progress: Callable[[str], None] | None = None,
) -> Evaluation:
    """Evaluate agreements (default: every known one) against every stored event, and store the
    verdicts and obligations (one transaction per agreement)."""
    say = progress or (lambda _msg: None)
    registry = registry_of(store)
    chosen = [registry.get(a) for a in (agreement_ids or sorted(registry.agreements))]
    say("reading events")
    events = store.events()
    say(f"evaluating {len(events):,} events")
    result = evaluate(chosen, events, zones=zones_of(store), registry=registry, rules=rules)
    for a in result.agreements:
        say(f"storing verdicts of {a.id}")
        store.put_evaluation(
            a.id,
            result.verdicts[result.verdicts["agreement_id"] == a.id],
            result.obligations[result.obligations["agreement_id"] == a.id],
            n_events=len(events),
            settings={
                "requested": [c.id for c in chosen],
                "certain_threshold": (rules or Rules()).certain_threshold,
                "evaluated_at": dt.datetime.now(dt.UTC).isoformat(),
            },
        )
    return result


def evaluate_file(
    path: str | Path,
    source: str,
    agreement_id: str,
    *,
    agreement_file: str | Path | None = None,
    rules: Rules | None = None,
) -> tuple[Evaluation, pd.DataFrame, int]:
    """Evaluate one evidence file without a store. Returns (evaluation, events, n_rejected)."""
    registry = Registry.bundled()
    if agreement_file is not None:
        extra = _agreements.load_agreement(agreement_file)
        registry = Registry({**registry.agreements, extra.id: extra})
    agreement = registry.get(agreement_id)
    batch = read_events(path, source)
    return (
        evaluate(agreement, batch.events, registry=registry, rules=rules),
        batch.events,
        len(batch.rejects),
    )


def before_after(
    store: Store, agreement_ids: Sequence[str] | None = None, *, months: int = 12
) -> pd.DataFrame:
    """Events and deaths per month inside each zone of the agreements (and of the agreements
    they supplement), ``months`` before and after each took effect."""
    registry = registry_of(store)
    chosen = [registry.get(a) for a in (agreement_ids or sorted(registry.agreements))]
    agreements = chains(chosen, registry)
    zones = provision_zones(agreements, zones_of(store))
    return reports.before_after(agreements, zones, store.events(), months=months)


@dataclass
class DemoResult:
    """What :func:`run_demo` did."""

    agreements: list[str]
    ingest: IngestReport
    evaluation: Evaluation
    events: pd.DataFrame


def run_demo(
    store: Store,
    *,
    ingest_progress: Callable[[int], None] | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoResult:
    """The Idlib case end to end: agreements, zones, the 16,566 UCDP events, every verdict."""
    ids = seed_bundled(store)
    report = store.ingest("ucdp", BUNDLED_UCDP, progress=ingest_progress)
    evaluation = evaluate_store(store, ids, progress=progress)
    return DemoResult(ids, report, evaluation, store.events())
