"""The monitor's workflows over a store: what the CLI (and later the web app) call.

Each function is one step a monitor takes: seed the store with the bundled Idlib case, ingest a
file, evaluate agreements against everything stored, or evaluate a file without a store. The
core (agreements, zones, events, compliance) knows nothing of stores; this module joins them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import agreements as _agreements
from . import findings
from . import humanitarian as _humanitarian
from . import patrols as _patrols
from . import zones as _zones
from .agreements import Agreement, Registry, chains
from .compliance import (
    VERDICTS,
    Evaluation,
    Rules,
    evaluate,
    provision_route,
    provision_zone_ids,
)
from .errors import (
    AgreementError,
    ConflictError,
    GeometryError,
    InputError,
    TrackError,
    UnknownIdError,
)
from .events import LOCAL_TIMEZONE
from .field_reports import publishable_verdicts
from .findings import Filters, Provisions, ReviewStatus
from .held import DEFAULT_WINDOW, Held, Window, held, window_days
from .limits import MAX_TRACK_BYTES, check_size
from .sources import read_events
from .store import IngestReport, Store
from .vocab import ProvisionType

__all__ = [
    "BUNDLED_UCDP",
    "DEFAULT_PATROL_ROUTE",
    "DemoResult",
    "PatrolCoverage",
    "PatrolImport",
    "PatrolImportOptions",
    "add_agreement",
    "before_after",
    "check_agreement",
    "coverage_table",
    "evaluate_file",
    "evaluate_store",
    "finding_provisions",
    "humanitarian_overview",
    "import_patrol_files",
    "import_patrols",
    "import_zone",
    "link_patrol_incidents",
    "patrol_coverage",
    "patrol_route",
    "patrols_geojson",
    "registry_of",
    "reviewed_parties",
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

log = logging.getLogger("ceasefire")


def registry_of(store: Store) -> Registry:
    """Bundled agreements, overridden and extended by the ones stored.

    A stored agreement that does not validate (stored by an older version, or by hand: bad
    YAML, an unknown zone, a broken supplement chain) is left out and named in
    ``Registry.broken`` with why, and so is every agreement whose chain runs into it; the others
    are used as usual, so one bad agreement never stops the rest. Callers say so: the CLI on
    stderr, the web app in its log and as ``409`` for that agreement (``Registry.get``).
    """
    found = {a: _agreements.load_bundled(a) for a in _agreements.bundled_ids()}
    broken: dict[str, str] = {}
    known_zones = _zone_ids(store)
    for agreement_id, text in store.agreements().items():
        found.pop(agreement_id, None)
        try:
            a = _agreements.parse_agreement(text, file=f"store:{agreement_id}")
        except InputError as e:  # AgreementError; LimitError (an alias bomb, say) is its sibling
            errors = e.errors if isinstance(e, AgreementError) else [e]
            broken[agreement_id] = "; ".join(str(x) for x in errors)
            continue
        missing = _agreements.missing_zones(a, known_zones)
        if a.id != agreement_id:
            broken[agreement_id] = f"its YAML names it {a.id!r}"
        elif missing:
            broken[agreement_id] = f"unknown zones {missing}; known: {sorted(known_zones)}"
        else:
            found[agreement_id] = a
    registry = Registry(found).without(broken)
    unlinked: dict[str, str] = {}
    for a in registry.agreements.values():
        try:
            _agreements.chain(a, registry)
        except (ConflictError, InputError, UnknownIdError) as e:
            unlinked[a.id] = str(e)
    return registry.without(unlinked)


def check_agreement(store: Store, text: str, *, file: str) -> _agreements.Agreement:
    """Agreement YAML validated in full against this store before it is stored: the format,
    zone ids among the store's and the bundled zones, the supplement chain among the store's
    and the bundled agreements (:func:`ceasefire.agreements.validate_agreement`).
    Raises :class:`~ceasefire.errors.AgreementError` naming every problem."""
    return _agreements.validate_agreement(
        text, file=file, zones=_zone_ids(store), registry=registry_of(store)
    )


def add_agreement(store: Store, text: str, *, file: str, source: str) -> _agreements.Agreement:
    """Validate agreement YAML in full (:func:`check_agreement`) and store it, replacing one
    with its id; nothing is stored when it does not validate."""
    agreement = check_agreement(store, text, file=file)
    store.put_agreement(agreement.id, text, source=source)
    return agreement


def _stored_zones(store: Store) -> dict[str, _zones.Zone]:
    """The store's zones by id; one that no longer loads (stored by an older version: an
    invalid polygon, say) is left out with a warning in the log, so the bundled zone of its id
    (if any) stands in and the rest load."""
    out: dict[str, _zones.Zone] = {}
    for f in store.zones():
        try:
            zone = _zones.zone_from_feature(f)
        except GeometryError as e:
            zone_id = (f.get("properties") or {}).get("id")
            log.warning("stored zone %r left out: it does not load: %s", zone_id, e)
            continue
        out[zone.id] = zone
    return out


def _zone_ids(store: Store) -> set[str]:
    """Every zone id agreements may name: bundled (with derived) and stored."""
    return set(_zones.load_zones()) | set(_stored_zones(store))


def zones_of(store: Store) -> dict[str, _zones.Zone]:
    """Bundled zones, with the store's (imported) zones replacing them by id."""
    return _zones.load_zones(overrides=_stored_zones(store))


def finding_provisions(
    agreements: Iterable[Agreement], zones: Mapping[str, _zones.Zone] | None = None
) -> Provisions:
    """Each event-checked provision's zone and local start day (:class:`findings.Provisions`),
    for these agreements: what every surface's findings count by zone and by date."""
    agreements = list(agreements)
    start = {
        (a.id, p.id): pd.Timestamp(start.utc_window()[0])
        .tz_convert(LOCAL_TIMEZONE)
        .date()
        .isoformat()
        for a in agreements
        for p in a.provisions
        if (start := p.binds_from()) is not None
    }
    return Provisions(zone=provision_zone_ids(agreements, zones), start=start)


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
    verdicts and obligations (one transaction per agreement).

    Other writers may run meanwhile. The store is told which event versions were judged, so it
    replaces only their verdicts and keeps what field reports stored since; events an ingest
    added or changed since are judged inside the storing transaction (see
    :func:`ceasefire.store.evaluations.put_evaluation`). Each event ends with verdicts of its
    latest version."""
    say = progress or (lambda _msg: None)
    registry = registry_of(store)
    chosen = [registry.get(a) for a in (agreement_ids or sorted(registry.agreements))]
    say("reading events")
    events = store.events(precise=True)  # field reports judged at their estimate, not published
    say(f"evaluating {len(events):,} events")
    judged = dict(zip(events["event_uid"].astype(str), events["version"].astype(int), strict=True))
    patrol_rows = store.patrol_rows()
    zones = zones_of(store)
    result = evaluate(
        chosen,
        events,
        zones=zones,
        registry=registry,
        rules=rules,
        patrols=patrol_rows if len(patrol_rows) else None,
        aid=store.aid_deliveries(),
        movements=store.population_movements(),
    )
    # field reports' verdicts as they may be published (so does the store, on every write)
    result.verdicts = publishable_verdicts(result.verdicts, events)

    def judge(changed: pd.DataFrame) -> pd.DataFrame:
        """Events stored since ``events`` was read, judged alike (in memory: no store use)."""
        return evaluate(chosen, changed, zones=zones, registry=registry, rules=rules).verdicts

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
            judged=judged,
            judge=judge,
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


def reviewed_parties(store: Store, agreement_id: str) -> dict[str, str]:
    """Event uid -> the party an analyst's overruling attributes the event to, under this
    agreement (:func:`ceasefire.findings.reviewed_parties` of its overruled verdict rows)."""
    rows = store.verdict_frame(
        Filters(
            agreement=agreement_id,
            verdict=VERDICTS,
            review_status=(ReviewStatus.OVERRULED.value,),
        )
    )
    return findings.reviewed_parties(rows)


def before_after(
    store: Store,
    agreement_id: str,
    window: Window = DEFAULT_WINDOW,
    *,
    registry: Registry | None = None,
    zones: Mapping[str, _zones.Zone] | None = None,
    party_overrides: Mapping[str, str] | None = None,
) -> Held:
    """Did it hold (:func:`ceasefire.held.held`) for one agreement over the stored evidence,
    the evidence span being the store's. ``ceasefire before-after`` and the API's
    ``/agreements/{id}/held`` both call this, so they answer alike; ``registry`` and ``zones``
    default to the store's (the web app passes its cached ones, the same)."""
    registry = registry if registry is not None else registry_of(store)
    agreement = registry.get(agreement_id)
    _first, last = window_days(agreement, window)
    if party_overrides is None:  # analysts' corrected parties count here too
        party_overrides = reviewed_parties(store, agreement_id)
    # an event counts by its midpoint: every event that starts by the window's end may count
    events = store.events(until=(last + dt.timedelta(days=1)).isoformat())
    return held(
        agreement,
        registry,
        zones if zones is not None else zones_of(store),
        events,
        window=window,
        evidence=store.evidence_span(),
        party_overrides=party_overrides,
    )


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


# --- humanitarian evidence -------------------------------------------------------------------


def humanitarian_overview(
    store: Store,
    agreement_id: str,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> _humanitarian.Overview:
    """The agreement's humanitarian access and return provisions week by week, over the
    stored aid deliveries and population movements, with the last evaluation's findings
    (:func:`ceasefire.humanitarian.overview`): what ``ceasefire humanitarian weeks``,
    ``/api/humanitarian``, the ``/humanitarian`` page and the situation report show.
    ``start``/``end`` choose the weeks shown. An unknown agreement raises
    :class:`UnknownIdError`."""
    agreement = registry_of(store).get(agreement_id)
    return _humanitarian.overview(
        agreement,
        zones_of(store),
        store.aid_deliveries(),
        store.population_movements(),
        now=dt.datetime.now(dt.UTC),
        start=start,
        end=end,
        findings=store.obligations(agreement_id),
    )


# --- patrols ----------------------------------------------------------------------------------

#: The route patrols are on when nothing else says: the Moscow protocol's M4 stretch.
DEFAULT_PATROL_ROUTE = "m4-trumba-ain-al-havr"


@dataclass(frozen=True)
class PatrolImportOptions:
    """What to say about the patrols of imported files (each file's own properties fill in
    what is not given: GeoJSON ``properties.parties``/``status``/``date``/``route``)."""

    planned: bool = False
    status: str | None = None
    parties: str | None = None
    route: str | None = None
    date: dt.date | None = None
    #: store a file imported before anew (its patrols replaced), e.g. to correct parties
    replace: bool = False
    read: _patrols.ReadOptions = dataclasses.field(default_factory=_patrols.ReadOptions)
    #: without a status (here or in the file) an actual patrol's is inferred from its track:
    #: ``cut_short`` when its furthest point falls short of its end by more than this much
    status_options: _patrols.StatusOptions = dataclasses.field(
        default_factory=_patrols.StatusOptions
    )


@dataclass
class PatrolImport:
    """What :func:`import_patrols` did, per file: (file, patrols read, inserted, skipped)."""

    files: list[tuple[str, int, int, int]]
    repairs: list[str]
    #: each status inferred from a track, with why: ``file: cut_short: turned back at ...``
    inferred: list[str] = dataclasses.field(default_factory=list)
    #: what the user should know: patrols stored without parties (never joint), patrols
    #: skipped because the same track is stored with other parties or status
    warnings: list[str] = dataclasses.field(default_factory=list)

    @property
    def inserted(self) -> int:
        return sum(f[2] for f in self.files)

    @property
    def skipped(self) -> int:
        return sum(f[3] for f in self.files)


#: (route, track, day, parties) -> (status, reason): the status of a patrol nobody reported on
_Infer = Callable[[str, _patrols.Track, dt.date, tuple[str, ...]], tuple[str, str]]


def _patrols_of_file(
    name: str, data: bytes, o: PatrolImportOptions, infer: _Infer, inferred: list[str]
) -> list[_patrols.Patrol]:
    read = dataclasses.replace(o.read, require_time=not o.planned)
    out = []
    for t in _patrols.read_track_bytes(data, name, read):
        props = t.properties
        route = o.route or props.get("route") or DEFAULT_PATROL_ROUTE
        parties = o.parties or props.get("parties")
        day = o.date or (dt.date.fromisoformat(props["date"][:10]) if props.get("date") else None)
        if o.planned:
            day = day or t.local_day()
            if day is None:
                raise TrackError("a plan needs a date: give --date", file=t.source, field="date")
            out.append(
                _patrols.Patrol.plan(
                    route=route,
                    date=day,
                    start_point=(float(t.lon[0]), float(t.lat[0])),
                    end_point=(float(t.lon[-1]), float(t.lat[-1])),
                    parties=parties,
                    status=o.status or props.get("status") or "planned",
                    source=t.source,
                    notes=props.get("notes", ""),
                )
            )
        else:
            status = o.status or props.get("status")
            p = _patrols.Patrol.actual(
                t,
                route=route,
                parties=parties,
                status=status or "completed",
                date=day,
                notes=props.get("notes", ""),
            )
            if status is None:  # nobody said: the track says how far it got
                status, why = infer(route, t, p.date, p.parties)
                notes = " ".join(x for x in (p.notes, f"Status inferred: {why}.") if x)
                p = dataclasses.replace(p, status=status, notes=notes)
                inferred.append(f"{p.source}: {status}: {why}")
            out.append(p)
    return out


def _status_inferrer(
    store: Store, lines: Callable[[str], _patrols.RouteLine], o: PatrolImportOptions
) -> _Infer:
    """Infer a status against the route, and the end point of a stored plan for the same route
    and day (with the same parties, when there is one) when there is a plan."""

    def infer(
        route: str, track: _patrols.Track, day: dt.date, parties: tuple[str, ...]
    ) -> tuple[str, str]:
        try:
            line = lines(route)
        except KeyError:
            return "completed", "unknown route"  # refused by the caller
        plans = [
            p
            for p in store.patrols(
                route=route, since=day.isoformat(), until=day.isoformat(), tracks=False
            )
            if p.planned and p.end_point is not None
        ]
        plans.sort(key=lambda p: p.parties != parties)  # the same parties' plan first
        end = plans[0].end_point if plans else None
        return _patrols.infer_status(line, track, end, o.status_options)

    return infer


def import_patrols(
    store: Store,
    paths: Sequence[str | Path],
    options: PatrolImportOptions | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> PatrolImport:
    """Read GPX/GeoJSON tracks (or plans) and store them, one transaction per file; a file
    already imported (same bytes) is skipped. A bad file raises before anything of it is
    stored (files before it stay stored)."""

    def read(path: Path) -> tuple[str, bytes]:
        if not path.is_file():
            raise TrackError("no such file", file=str(path))
        check_size(path.stat().st_size, file=str(path), limit=MAX_TRACK_BYTES)  # before reading
        return str(path), path.read_bytes()

    return import_patrol_files(store, (read(p) for p in map(Path, paths)), options, progress)


def import_patrol_files(
    store: Store,
    files: Iterable[tuple[str, bytes]],
    options: PatrolImportOptions | None = None,
    progress: Callable[[str], None] | None = None,
) -> PatrolImport:
    """:func:`import_patrols` for files given as (name, bytes), e.g. uploads: the name's suffix
    says GPX or GeoJSON, and errors and the stored sources name it."""
    o = options or PatrolImportOptions()
    zones = zones_of(store)
    lines: dict[str, _patrols.RouteLine] = {}

    def line(route: str) -> _patrols.RouteLine:  # each route projected once (KeyError: unknown)
        if route not in lines:
            lines[route] = _patrols.RouteLine.from_zone(zones[route])
        return lines[route]

    done: list[tuple[str, int, int, int]] = []
    repairs: list[str] = []
    infer = _status_inferrer(store, line, o)
    inferred: list[str] = []
    warnings: list[str] = []
    for name, data in files:
        found = _patrols_of_file(name, data, o, infer, inferred)
        for p in found:
            if p.route not in zones:
                raise UnknownIdError(f"{name}: unknown route {p.route!r} (see `ceasefire zones`)")
            if p.track is not None:
                line(p.route).check_near(p.track)
        sha = hashlib.sha256(data).hexdigest()
        if not o.replace:
            warnings += _differs_from_stored(store, found)
        ins, skip = store.put_patrols(found, file=name, file_sha256=sha, replace=o.replace)
        done.append((name, len(found), ins, skip))
        repairs += [f"{p.source}: {r}" for p in found if p.track for r in p.track.repairs]
        warnings += [
            f"{p.source}: no parties given: the patrol counts as not joint (pass --parties)"
            for p in found
            if not p.parties
        ]
        if progress:
            progress(name)
    return PatrolImport(done, repairs, inferred, warnings)


def _differs_from_stored(store: Store, found: Sequence[_patrols.Patrol]) -> list[str]:
    """Warnings for patrols whose track is stored already with other parties or status: they
    are skipped (the stored record stands) unless the import replaces them."""
    if not found:
        return []
    rows = store.patrol_rows()  # without the tracks' points
    pairs = zip(rows["parties"].fillna(""), rows["status"], strict=True)
    stored = dict(zip(rows["patrol_id"], pairs, strict=True))
    out = []
    for p in found:
        old = stored.get(p.patrol_id)
        if old is not None and old != (",".join(p.parties), p.status):
            out.append(
                f"{p.source}: this track is stored already (parties {old[0] or '-'}, {old[1]}); "
                f"this file says {','.join(p.parties) or '-'}, {p.status}: kept the stored "
                "record; import with --replace to correct it"
            )
    return out


def patrol_route(
    store: Store, agreement_id: str | None = None
) -> tuple[_patrols.RouteLine, dt.date | None, Any]:
    """The route patrols are checked on, the day weeks count from, and the joint-patrol
    provision (None without ``agreement_id``). With an agreement, its joint-patrol provision
    gives the route (cut at its from/to places) and the start."""
    zones = zones_of(store)
    if agreement_id is None:
        return _patrols.RouteLine.from_zone(zones[DEFAULT_PATROL_ROUTE]), None, None
    registry = registry_of(store)
    chain = chains([registry.get(agreement_id)], registry)
    # the agreement's own provision first, else one of the agreements it supplements
    found = sorted(
        ((a.id != agreement_id, a, p) for a in chain for p in a.provisions
         if p.type == ProvisionType.JOINT_PATROL),
        key=lambda x: x[0],
    )  # fmt: skip
    if not found:
        raise UnknownIdError(f"agreement {agreement_id!r} has no joint_patrol provision")
    _, agreement, prov = found[0]
    route = provision_route(prov, agreement, zones)
    return _patrols.RouteLine.from_zone(route), prov.start.local().date(), prov


@dataclass
class PatrolCoverage:
    """What :func:`patrol_coverage` returns: the route, one row per period, one per patrol, and
    the joint-patrol provision the route came from (None without an agreement)."""

    route: _patrols.RouteLine
    periods: pd.DataFrame
    patrols: pd.DataFrame
    provision: Any = None


def patrol_coverage(
    store: Store,
    *,
    agreement_id: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    period: str = "week",
    options: _patrols.CoverageOptions | None = None,
) -> PatrolCoverage:
    """Coverage of the route by stored patrols per week (from the agreement's patrol start
    when an agreement is given) or per day, and a summary row per patrol."""
    route, start, provision = patrol_route(store, agreement_id)
    anchor = since or start
    if start is not None and since is not None and period == "week":
        # weeks still count from the provision's start: begin at the week holding ``since``
        anchor = start + dt.timedelta(days=7 * ((since - start).days // 7))
    found = store.patrols(  # from the first period's first day, so that period is whole
        route=route.route_id,
        since=anchor.isoformat() if anchor else None,
        until=until.isoformat() if until else None,
    )
    periods = _patrols.coverage_by_period(
        route, found, period=period, start=anchor, end=until, options=options
    )
    summary = _patrols.patrol_summary(route, found, options)
    return PatrolCoverage(route, periods, summary, provision)


def coverage_table(coverage: PatrolCoverage) -> list[dict[str, Any]]:
    """Per period, plain JSON-ready values: period, period_end, n_patrols, covered_km,
    covered_share, longest_gap_km, gaps ``[{from_km, to_km, from_place, to_place}]`` and the
    covered stretches ``[[from_km, to_km], ...]`` (for the web layer and ``--format json``)."""
    rows = []
    for r in coverage.periods.to_dict("records"):
        r["gaps"] = [dataclasses.asdict(g) for g in r["gaps"]]
        r["covered"] = [list(c) for c in r["covered"]]
        rows.append({str(k): (v.item() if hasattr(v, "item") else v) for k, v in r.items()})
    return rows


def patrols_geojson(
    store: Store,
    *,
    since: str | None = None,
    until: str | None = None,
    patrols: Sequence[_patrols.Patrol] | None = None,
) -> dict[str, Any]:
    """Stored patrols (or ``patrols``, read already) as a GeoJSON FeatureCollection (RFC 7946):
    an actual patrol's track as a LineString with ``coordTimes``, a plan as the line from its
    start to its end point, with properties patrol_id, date, parties, status, planned, n_points
    and incidents (a count)."""
    inc = store.patrol_incidents()
    per = inc.groupby("patrol_id").size().to_dict() if len(inc) else {}
    features = []
    if patrols is None:
        patrols = store.patrols(since=since, until=until)
    for p in patrols:
        props: dict[str, Any] = {
            "patrol_id": p.patrol_id,
            "route": p.route,
            "date": p.date.isoformat(),
            "parties": list(p.parties),
            "status": p.status,
            "planned": p.planned,
            "n_points": 0 if p.track is None else len(p.track),
            "incidents": int(per.get(p.patrol_id, 0)),
        }
        if p.track is not None and len(p.track) >= 2:
            coords = np.column_stack([p.track.lon, p.track.lat]).round(7).tolist()
            props["coordTimes"] = [str(t) + "Z" for t in p.track.time.astype("datetime64[s]")]
        elif p.start_point and p.end_point:
            coords = [list(p.start_point), list(p.end_point)]
        else:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coords},
                "properties": props,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def link_patrol_incidents(
    store: Store, options: _patrols.IncidentOptions | None = None
) -> pd.DataFrame:
    """Find the stored events near stored patrols while they were out, store them as the
    patrols' incidents (replacing earlier ones) and return them."""
    found = [p for p in store.patrols() if not p.planned]
    frames = []
    if found:
        days = [p.date for p in found]
        events = store.events(
            since=(min(days) - dt.timedelta(days=1)).isoformat(),
            until=(max(days) + dt.timedelta(days=1)).isoformat(),
        )
        zones = zones_of(store)
        by_route: dict[str, list[_patrols.Patrol]] = {}
        for p in found:
            by_route.setdefault(p.route, []).append(p)
        # each patrol measured along its own route (km marks, offsets and place names)
        for route, group in by_route.items():
            line = _patrols.RouteLine.from_zone(zones[route])
            frames.append(_patrols.incidents(line, group, events, options))
    found_any = [f for f in frames if len(f)]
    frame = (
        pd.concat(found_any, ignore_index=True)
        if found_any
        else pd.DataFrame(columns=list(_patrols.INCIDENT_COLUMNS))
    )
    store.put_patrol_incidents(frame)
    return frame
