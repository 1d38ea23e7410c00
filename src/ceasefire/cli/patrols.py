"""``ceasefire patrols``: import tracks and plans, coverage along the route."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.table import Table

from .. import monitoring
from ..patrols import (
    PATROL_STATUSES,
    CoverageOptions,
    ReadOptions,
    StatusOptions,
    strip,
    strip_svg,
)
from . import (
    cli,
    console,
    day_value,
    db_option,
    each_file,
    expand_paths,
    handle_errors,
    opened_store,
    say,
    tell,
)

_SUFFIXES = (".gpx", ".geojson", ".json")


@cli.group()
def patrols() -> None:
    """Joint patrols: import GPS tracks and plans, list them, coverage of the route."""


@patrols.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--planned", is_flag=True, help="The files are plans: start/end points, no times.")
@click.option(
    "--status",
    type=click.Choice(PATROL_STATUSES),
    default=None,
    help="Status of every patrol read (default: the file's; else inferred from the track: "
    "cut_short when it stopped short of its plan's end or the route's end; plans: planned).",
)
@click.option("--parties", default=None, help="Comma-separated party ids, e.g. russia,turkey.")
@click.option("--route", default=None, help="Route zone id [default: m4-trumba-ain-al-havr].")
@click.option("--date", "day", default=None, help="Day YYYY-MM-DD (plans without times).")
@click.option(
    "--repair",
    is_flag=True,
    help="Sort points out of time order and drop jumps, listing each repair.",
)
@click.option(
    "--max-speed", default=ReadOptions.max_speed_kmh, show_default=True, help="Jump limit, km/h."
)
@click.option(
    "--tolerance-km",
    default=StatusOptions.tolerance_km,
    show_default=True,
    help="Without a status: a patrol ending farther than this short of its end is cut_short.",
)
@click.option(
    "--replace",
    is_flag=True,
    help="Store files imported before anew (to correct --parties or --status).",
)
@db_option
@handle_errors
def patrols_import(
    paths: tuple[Path, ...],
    planned: bool,
    status: str | None,
    parties: str | None,
    route: str | None,
    day: str | None,
    repair: bool,
    max_speed: float,
    tolerance_km: float,
    replace: bool,
    db: str,
) -> None:
    """Store GPX or GeoJSON tracks (a folder: every .gpx/.geojson in it); a file already
    imported is skipped (content hash). A bad file is reported and stores nothing; the others
    go on, and the exit status is 1."""
    options = monitoring.PatrolImportOptions(
        planned=planned,
        status=status,
        parties=parties,
        route=route,
        date=day_value(day, "--date"),
        replace=replace,
        read=ReadOptions(max_speed_kmh=max_speed, repair=repair),
        status_options=StatusOptions(tolerance_km=tolerance_km),
    )
    files = expand_paths(paths, _SUFFIXES)
    counts = {"inserted": 0, "skipped": 0}

    def one(f: Path) -> None:
        done = monitoring.import_patrols(store, [f], options)
        counts["inserted"] += done.inserted
        counts["skipped"] += done.skipped
        for r in done.repairs:
            tell("repaired", r)
        for r in done.inferred:
            tell("status inferred", r, "cyan")
        for r in done.warnings:
            tell("warning", r)

    with opened_store(db) as store:
        failed = each_file(files, "patrols", one, failed="not imported")
        inserted, skipped = counts["inserted"], counts["skipped"]
        n_inc = len(monitoring.link_patrol_incidents(store)) if inserted else None
    say(f"{len(files)} files: {inserted} patrols stored, {skipped} already stored, {failed} failed")
    if n_inc is not None:
        say(f"{n_inc} incidents (events near patrols while they were out)")
    if failed:
        sys.exit(1)  # a file that could not be imported: bad input (EXIT_BAD_INPUT)


@patrols.command("list")
@click.option("--from", "since", default=None, help="First day YYYY-MM-DD.")
@click.option("--to", "until", default=None, help="Last day YYYY-MM-DD.")
@click.option(
    "--tolerance-km",
    default=CoverageOptions.tolerance_km,
    show_default=True,
    help="Off-route limit.",
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@db_option
@handle_errors
def patrols_list(
    since: str | None, until: str | None, tolerance_km: float, fmt: str, db: str
) -> None:
    """Stored patrols: day, parties, status, km covered, furthest point (turning point)."""
    with opened_store(db, need="data") as store:
        cov = monitoring.patrol_coverage(
            store,
            since=day_value(since, "--from"),
            until=day_value(until, "--to"),
            options=CoverageOptions(tolerance_km=tolerance_km),
        )
    frame = cov.patrols
    if fmt == "json":
        click.echo(frame.to_json(orient="records", indent=1))
        return
    t = Table(title=f"{len(frame)} patrols on {cov.route.route_id}")
    cols = ["date", "parties", "status", "planned", "n_points", "covered_km", "turning_point"]
    for c in cols:
        t.add_column(c)
    for r in frame.to_dict("records"):
        t.add_row(*("" if r[c] is None or r[c] != r[c] else str(r[c]) for c in cols))
    console.print(t)


@patrols.command("coverage")
@click.option(
    "--agreement",
    "agreement_id",
    default=None,
    help="Weeks from this agreement's joint-patrol start, on its route.",
)
@click.option("--from", "since", default=None, help="First day YYYY-MM-DD.")
@click.option("--to", "until", default=None, help="Last day YYYY-MM-DD.")
@click.option("--period", type=click.Choice(["week", "day"]), default="week", show_default=True)
@click.option(
    "--tolerance-km",
    default=CoverageOptions.tolerance_km,
    show_default=True,
    help="Fixes farther from the route do not cover it.",
)
@click.option(
    "--max-gap-km",
    default=CoverageOptions.max_gap_km,
    show_default=True,
    help="GPS gaps longer than this along the route stay unwatched.",
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.option(
    "--chart",
    type=click.Path(path_type=Path),
    default=None,
    help="Also write the coverage strips as an SVG file.",
)
@db_option
@handle_errors
def patrols_coverage(
    agreement_id: str | None,
    since: str | None,
    until: str | None,
    period: str,
    tolerance_km: float,
    max_gap_km: float,
    fmt: str,
    chart: Path | None,
    db: str,
) -> None:
    """Per week (or day): patrols held, share of the route covered, the longest unwatched
    stretch, and the gaps (from km, to km, the named places at their ends)."""
    options = CoverageOptions(tolerance_km=tolerance_km, max_gap_km=max_gap_km)
    with opened_store(db, need="data") as store:
        cov = monitoring.patrol_coverage(
            store,
            agreement_id=agreement_id,
            since=day_value(since, "--from"),
            until=day_value(until, "--to"),
            period=period,
            options=options,
        )
    rows = monitoring.coverage_table(cov)
    route = cov.route
    if chart is not None and chart.suffix.lower() != ".svg":
        raise click.BadParameter(
            "the chart is written as SVG (no plotting library is a dependency): name it .svg; "
            "convert it with any SVG tool (e.g. rsvg-convert) for a PNG",
            param_hint="--chart",
        )
    if chart is not None:
        chart.write_text(
            strip_svg(route, [r["period"] for r in rows], [r["covered"] for r in rows]),
            encoding="utf-8",
        )
    if fmt == "json":
        click.echo(
            json.dumps(
                {"route": route.route_id, "length_km": round(route.length_km, 3), "periods": rows},
                indent=1,
                ensure_ascii=False,
            )
        )
        return
    t = Table(
        title=f"coverage of {route.route_id} ({route.length_km:.1f} km), per {period}, "
        f"tolerance {tolerance_km} km"
    )
    for c in ("from", "patrols", "covered", "longest gap"):
        t.add_column(c, no_wrap=True)
    t.add_column(f"strip, km 0-{route.length_km:.0f}", no_wrap=True)
    t.add_column("gaps")
    for r in rows:
        gaps = "; ".join(
            f"km {g['from_km']:.1f}-{g['to_km']:.1f} ({g['from_place']} - {g['to_place']})"
            for g in r["gaps"]
        )
        t.add_row(
            r["period"],
            str(r["n_patrols"]),
            f"{r['covered_share']:.0%}",
            f"{r['longest_gap_km']:.1f} km",
            strip(r["covered"], route.length_km, width=24),
            gaps or "none",
        )
    console.print(t)
    if chart is not None:
        say(f"chart written to {chart}")


@patrols.command("incidents")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@db_option
@handle_errors
def patrols_incidents(fmt: str, db: str) -> None:
    """Events near patrols while they were out (found on import): an IED near a patrol is a
    violation against it."""
    with opened_store(db, need="data") as store:
        frame = store.patrol_incidents()
    if fmt == "json":
        click.echo(frame.to_json(orient="records", indent=1))
        return
    t = Table(title=f"{len(frame)} patrol incidents")
    for c in ("patrol_id", "event_uid", "km", "verdict", "reason"):
        t.add_column(c)
    for r in frame.to_dict("records"):
        t.add_row(r["patrol_id"], r["event_uid"], f"{r['km']:.1f}", r["verdict"], r["reason"])
    console.print(t)
