"""Agreements and zones as the API shows them, read once and kept until they change.

:class:`Catalog` caches the registry (bundled plus stored agreements) and the zones (bundled,
imported, derived) of one store; it drops them when the store's catalog version moved (any
process stored an agreement or a zone: ``ceasefire agreements add`` beside a running server),
and :meth:`Catalog.invalidate` drops them at once after this process's own write. The
``*_json`` functions turn them into plain JSON: an agreement with each provision in plain words,
the zones as a GeoJSON FeatureCollection, and "did it hold" (:mod:`ceasefire.held`) with the
party shares of the verdicts.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from ceasefire import agreements as _agreements
from ceasefire import monitoring
from ceasefire import zones as _zones
from ceasefire.agreements import Agreement, Registry, TimeSpec
from ceasefire.findings import Provisions
from ceasefire.held import Held
from ceasefire.store import Store

__all__ = [
    "Catalog",
    "agreement_json",
    "agreement_summary",
    "facets_json",
    "held_json",
    "zones_geojson",
]

log = logging.getLogger("ceasefire.web")


class Catalog:
    """The registry and zones of a store, cached (thread-safe) while the store's
    :meth:`~ceasefire.store.Store.catalog_version` stays the same, or until :meth:`invalidate`.

    Every read asks the store for that version first (one small query) and reloads when it
    moved, so what another process stored is used from the next read on. A field report is
    judged inside its write transaction, which holds the store's write lock: no agreement or
    zone can be committed between that check and the report's verdicts.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._version: tuple[Any, ...] | None = None
        self._registry: Registry | None = None
        self._zones: dict[str, _zones.Zone] | None = None
        self._provision_zones: dict[tuple[str, str], list[str]] | None = None
        self._finding_provisions: Provisions | None = None

    def invalidate(self) -> None:
        """Forget what was read (after an agreement or zone was written)."""
        with self._lock:
            self._forget()

    def _forget(self) -> None:
        # call holding self._lock
        self._version = None
        self._registry = self._zones = self._provision_zones = None
        self._finding_provisions = None

    def _check(self) -> None:
        """Forget what was read when the store's catalog changed since (call holding the
        lock; the version is read before anything is loaded, so a write that lands during a
        load is seen by the next check)."""
        version = self._store.catalog_version()
        if version != self._version:
            self._forget()
            self._version = version

    def registry(self) -> Registry:
        """Bundled and stored agreements. A stored agreement that does not validate is left
        out (see :func:`ceasefire.monitoring.registry_of`) with a warning in the log, once per
        read; asking for it answers ``409`` naming the problem."""
        with self._lock:
            self._check()
            if self._registry is None:
                self._registry = monitoring.registry_of(self._store)
                for agreement_id, why in sorted(self._registry.broken.items()):
                    log.warning(
                        "agreement %s left out: it does not validate: %s", agreement_id, why
                    )
            return self._registry

    def zones(self) -> dict[str, _zones.Zone]:
        """Every zone by id (bundled, imported, derived)."""
        with self._lock:
            self._check()
            if self._zones is None:
                self._zones = monitoring.zones_of(self._store)
            return self._zones

    def finding_provisions(self) -> Provisions:
        """Each provision's zone and start (:func:`ceasefire.monitoring.finding_provisions`):
        what the findings count by zone and by date."""
        registry, zones = self.registry(), self.zones()
        with self._lock:
            if self._registry is not registry or self._zones is not zones:
                return monitoring.finding_provisions(registry.agreements.values(), zones)
            if self._finding_provisions is None:
                self._finding_provisions = monitoring.finding_provisions(
                    registry.agreements.values(), zones
                )
            return self._finding_provisions

    def provision_zone_ids(self) -> dict[tuple[str, str], list[str]]:
        """(agreement, provision) -> the ids of the zones the provision speaks of."""
        registry, zones = self.registry(), self.zones()
        with self._lock:
            if self._registry is not registry or self._zones is not zones:
                # the catalog changed in between: answer from what was read, keep nothing
                return _all_provision_zone_ids(registry, zones)
            if self._provision_zones is None:
                self._provision_zones = _all_provision_zone_ids(registry, zones)
            return self._provision_zones


def _all_provision_zone_ids(
    registry: Registry, zones: Mapping[str, _zones.Zone]
) -> dict[tuple[str, str], list[str]]:
    return {
        (a.id, p.id): _provision_zone_ids(a, p, zones)
        for a in registry.agreements.values()
        for p in a.provisions
    }


def _provision_zone_ids(a: Agreement, p: Any, zones: Mapping[str, _zones.Zone]) -> list[str]:
    ids = p.references()
    if p.corridor:
        derived = [
            z.id for z in zones.values() if z.kind == "corridor" and z.derived_from == p.route
        ]
        ids = derived + ids
    return ids


def _when(spec: TimeSpec | None) -> dict[str, Any] | None:
    if spec is None:
        return None
    start, end = spec.utc_window()
    return {
        "label": spec.label(),
        "timezone": spec.timezone,
        "utc_earliest": start.isoformat().replace("+00:00", "Z"),
        "utc_latest": end.isoformat().replace("+00:00", "Z"),
    }


def _zone_name(zone_id: str | None, zones: Mapping[str, _zones.Zone]) -> str:
    if zone_id is None:
        return "the area"
    z = zones.get(zone_id)
    return z.name if z else zone_id


def describe(p: Any, a: Agreement, zones: Mapping[str, _zones.Zone]) -> str:
    """One provision in plain words (each provision type says itself: ``describe``)."""
    return str(p.describe(a, lambda zone_id: _zone_name(zone_id, zones)))


def agreement_summary(a: Agreement) -> dict[str, Any]:
    """The agreements list's row."""
    return {
        "id": a.id,
        "title": a.title,
        "pax_id": a.pax_id,
        "signed": {"date": a.signed.date.isoformat(), "place": a.signed.place},
        "supplements": a.supplements,
        "parties": [{"id": p.id, "name": p.name} for p in a.parties],
        "provisions": len(a.provisions),
    }


def agreement_json(a: Agreement, catalog: Catalog, yaml_text: str) -> dict[str, Any]:
    """An agreement in full: provisions in plain words, zones, times, deadlines, its YAML."""
    zones = catalog.zones()
    pz = catalog.provision_zone_ids()
    provisions = []
    deadlines = []
    for p in a.provisions:
        due = getattr(p, "deadline", None) or getattr(p, "due", None)
        provisions.append(
            {
                "id": p.id,
                "type": p.type,
                "article": p.article,
                "text": p.text,
                "description": describe(p, a, zones),
                "zones": pz.get((a.id, p.id), []),
                "effective_from": _when(
                    getattr(p, "effective_from", None) or getattr(p, "start", None)
                ),
                "until": _when(getattr(p, "until", None)),
                "deadline": _when(due),
            }
        )
        if due is not None:
            deadlines.append({"provision_id": p.id, **(_when(due) or {})})
    zone_ids = sorted({z for p in a.provisions for z in pz.get((a.id, p.id), [])})
    return {
        **agreement_summary(a),
        "sources": [s.model_dump(mode="json") for s in a.sources],
        "provisions": provisions,
        "zones": zone_ids,
        "effective_from": _when(_agreements.takes_effect(a)),
        "deadlines": deadlines,
        "yaml": yaml_text,
    }


def facets_json(
    catalog: Catalog,
    *,
    parties: list[dict[str, Any]],
    actors: list[dict[str, Any]],
    sources: list[dict[str, Any]],
) -> dict[str, Any]:
    """What the filter bar's pick-lists offer: every agreement's provisions (id, type, plain
    words); the parties (id, name, the agreements naming them, their verdict rows), the
    agreements' and any other the verdicts name (``unattributed``); and the ``actors`` and
    ``sources`` found in the events. ``parties``, ``actors``, ``sources``: rows of
    :mod:`ceasefire.store.read` (``party_counts``, ``actor_counts``, ``source_counts``)."""
    reg = catalog.registry()
    zones = catalog.zones()
    provisions = []
    named: dict[str, dict[str, Any]] = {}
    for a in sorted(reg.agreements.values(), key=lambda a: a.id):
        for p in a.provisions:
            provisions.append(
                {
                    "agreement_id": a.id,
                    "id": p.id,
                    "type": p.type,
                    "description": describe(p, a, zones),
                }
            )
        for party in a.parties:
            row = named.setdefault(
                party.id, {"id": party.id, "name": party.name, "agreements": [], "verdicts": 0}
            )
            row["agreements"].append(a.id)
    for r in parties:
        named.setdefault(r["id"], {"id": r["id"], "name": r["id"], "agreements": []})
        named[r["id"]]["verdicts"] = int(r["verdicts"])
    return {
        "provisions": provisions,
        "parties": sorted(named.values(), key=lambda r: (not r["agreements"], r["id"])),
        "actors": actors,
        "sources": sources,
    }


def zones_geojson(zones: Mapping[str, _zones.Zone]) -> dict[str, Any]:
    """Every zone as a Feature with ``id, name, kind, note, error_km`` (and where it is from)."""
    features = []
    for z in zones.values():
        f = _zones.zone_to_feature(z)
        props = f["properties"]
        f["properties"] = {
            "id": z.id,
            "name": z.name,
            "kind": z.kind,
            "note": props.get("approximation_note"),
            "error_km": props.get("approximation_error_km"),
            "source": props.get("source"),
            "derived_from": props.get("derived_from"),
        }
        features.append(f)
    return {"type": "FeatureCollection", "features": features}


def held_json(h: Held, by_party: list[dict[str, Any]]) -> dict[str, Any]:
    """Did it hold: :meth:`ceasefire.held.Held.to_dict` (the one measure the CLI and the
    briefing show too), and ``by_party`` the agreement's violations and possible violations over
    the same days, each with its share of its own verdict, never summed (the ``by_party`` of
    :func:`ceasefire.findings.summary`: incidents, as every surface counts)."""
    return {**h.to_dict(), "by_party": by_party}
