"""The ``ceasefire`` command line: thin commands over the library.

Each command parses its options, calls one library function, and formats the result.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final, Literal, TypeVar

import click
import pandas as pd
from rich.console import Console, RenderableType
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from .. import agreements as _agreements
from .. import findings, monitoring
from .. import zones as _zones
from ..briefing import briefing, verdict_list
from ..compliance import VERDICTS, Evaluation
from ..errors import AgreementError, CeasefireError, InputError, StoreError, UnknownIdError
from ..held import DEFAULT_MONTHS, DEFAULT_WINDOW, Held, Window
from ..store import Store, open_store

#: What the command modules (cli/alerts.py, cli/db.py, ...) use of this one, and the entry point.
__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_ERROR",
    "EXIT_SKIPPED",
    "cli",
    "console",
    "day_value",
    "db_option",
    "each_file",
    "emit",
    "expand_paths",
    "frame_table",
    "handle_errors",
    "main",
    "opened_store",
    "progress_bar",
    "say",
    "tell",
]


def _console(stderr: bool = False) -> Console:
    # Piped output (a file, CI, the README) gets a fixed, readable width instead of 80 columns.
    # No emoji codes: a file name such as "x:bomb:.yaml" prints as it is.
    c = Console(stderr=stderr, emoji=False)
    return c if c.is_terminal else Console(stderr=stderr, width=110, emoji=False)


console = _console()
err = _console(stderr=True)


def say(message: str) -> None:
    """One line of plain output, never wrapped (tests and scripts read it)."""
    console.print(message, soft_wrap=True, highlight=False, markup=False)


F = TypeVar("F", bound=Callable[..., Any])

DB_HELP = "SQLite file (or SQLAlchemy URL) of the store."


def db_option(f: F) -> F:
    return click.option(
        "--db", default="ceasefire.db", show_default=True, help=DB_HELP, metavar="PATH"
    )(f)


def tell(tag: str, message: object, style: str = "yellow") -> None:
    """One line on stderr: a coloured ``tag``, then ``message`` as plain text: never wrapped
    (scripts and tests read it, file paths stay whole) and never read as markup (a file name
    with brackets prints as it is)."""
    err.print(f"[{style}]{tag}[/] {escape(str(message))}", soft_wrap=True, highlight=False)


def tell_problems(e: CeasefireError) -> None:
    """An error on stderr as :func:`tell` says it, one ``error:`` line per problem (an
    agreement that does not validate has several)."""
    for problem in e.errors if isinstance(e, AgreementError) else [e]:
        tell("error:", problem, "bold red")


#: The exit status when the input (a file, a value) is bad or over a limit.
EXIT_BAD_INPUT: Final = 1
#: The exit status for every other error (the store, an unknown id, access).
EXIT_ERROR: Final = 2
#: The exit status of ``ceasefire evaluate`` when it evaluated and stored every agreement but
#: skipped stored ones that do not validate (each named on stderr).
EXIT_SKIPPED: Final = 3


def warn_broken(registry: _agreements.Registry) -> None:
    """One warning line on stderr per agreement left out because it does not validate."""
    for agreement_id, why in sorted(registry.broken.items()):
        tell(
            "warning:",
            f"agreement {agreement_id} skipped: it is stored but does not validate: {why} "
            f"(see it with `ceasefire agreements show {agreement_id} --yaml`; fix it, then "
            "`ceasefire agreements add FILE`)",
        )


def handle_errors(f: F) -> F:
    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except InputError as e:  # the user's input: a file, a value, over a limit
            tell("error:", e, "bold red")
            sys.exit(EXIT_BAD_INPUT)
        except CeasefireError as e:  # anything else: the store, an unknown id, access
            tell("error:", e, "bold red")
            sys.exit(EXIT_ERROR)

    return wrapper  # type: ignore[return-value]


def _is_missing_file(db: str) -> bool:
    return "://" not in db and db != ":memory:" and not Path(db).exists()


def expand_paths(paths: tuple[Path, ...], suffixes: tuple[str, ...]) -> list[Path]:
    """Files as given, and in each folder every file below it with one of ``suffixes``
    (lowercase, with the dot), sorted."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in suffixes)
        else:
            out.append(p)
    return out


def progress_bar(label: str = "", *, transient: bool = False) -> Progress:
    """The CLI's progress bar on stderr: ``label`` in bold, then the task's description, a bar,
    done/total and the time it has taken."""
    prefix = f"[bold]{label}[/] " if label else "[bold]"
    suffix = "" if label else "[/]"
    return Progress(
        TextColumn(prefix + "{task.description}" + suffix),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=transient,
    )


def each_file(
    files: list[Path], label: str, work: Callable[[Path], None], *, failed: str = "skipped"
) -> int:
    """Run ``work(file)`` for each file under a progress bar on stderr; a
    :class:`CeasefireError` is printed (``failed`` and the message naming the file) and the
    batch goes on. The number of files that failed."""
    n_failed = 0
    with progress_bar(label) as bar:
        task = bar.add_task("files", total=len(files))
        for f in files:
            bar.update(task, description=escape(f.name))
            try:
                work(f)
            except CeasefireError as e:
                n_failed += 1
                tell(failed, e, "red")
            bar.advance(task)
    return n_failed


@contextmanager
def opened_store(db: str, *, need: str = "write") -> Iterator[Store]:
    """Open the store. ``need``: "write" creates it; "catalog" reads bundled agreements and
    zones even without a store (creating nothing); "data" refuses a store that is not there."""
    if _is_missing_file(db):
        if need == "data":
            raise StoreError(
                f"no store at {db}: run `ceasefire demo --db {db}` or `ceasefire ingest` first"
            )
        if need == "catalog":
            db = ":memory:"
    store = open_store(db)
    try:
        yield store
    finally:
        store.close()


def frame_table(
    frame: pd.DataFrame, title: str | None = None, max_width: int | None = None
) -> Table:
    """``frame`` as a rich table: numbers right-aligned, ids, dates and the first column never
    wrapped, empty cells blank, booleans as yes/no."""
    t = Table(title=title, title_justify="left", show_lines=False)
    for c in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[c])
        justify: Literal["left", "right"] = "right" if numeric else "left"
        key = str(c) == "id" or str(c).endswith(("_id", "date")) or c == frame.columns[0]
        t.add_column(str(c), justify=justify, overflow="fold", max_width=max_width, no_wrap=key)
    for row in frame.itertuples(index=False):
        t.add_row(*[_cell(c, x) for c, x in zip(frame.columns, row, strict=True)])
    return t


def _cell(column: object, x: object) -> str:
    if x is None or (isinstance(x, float) and pd.isna(x)) or x is pd.NA:
        return ""
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int) and not str(column).endswith("id"):
        return f"{x:,}"
    return str(x)


def emit(frame: pd.DataFrame, fmt: str, title: str | None = None) -> None:
    """Print ``frame`` on stdout in a command's ``--format``: "csv" (spreadsheet-safe), "json"
    (records) or a table."""
    if fmt == "csv":
        from ..exports import spreadsheet_safe_frame

        spreadsheet_safe_frame(frame).to_csv(sys.stdout, index=False)
    elif fmt == "json":
        click.echo(frame.to_json(orient="records", force_ascii=False, indent=1))
    else:
        console.print(frame_table(frame, title))


@click.group()
@click.version_option(package_name="ceasefire")
def cli() -> None:
    """ceasefire: agreements as machine-checkable rules, monitored from the evidence.

    \b
    Exit status: 0 done; 1 bad input (a file, a value, or over one of the input limits,
    see docs/security.md); 2 any other error (the store, an unknown id, access); 3 evaluate
    stored every agreement but skipped stored ones that do not validate.
    """


# --- agreements ----------------------------------------------------------------------------


@cli.group()
def agreements() -> None:
    """List, show, validate agreements; print the format's JSON Schema."""


@agreements.command("list")
@db_option
@handle_errors
def agreements_list(db: str) -> None:
    """Agreements known: bundled ones and those added to the store."""
    with opened_store(db, need="catalog") as store:
        reg = monitoring.registry_of(store)
    warn_broken(reg)
    rows = [
        {
            "id": a.id,
            "pax_id": a.pax_id,
            "signed": f"{a.signed.date} {a.signed.place}",
            "supplements": a.supplements or "",
            "provisions": len(a.provisions),
            "title": a.title,
        }
        for a in reg.agreements.values()
    ]
    console.print(frame_table(pd.DataFrame(rows), "Agreements"))


@agreements.command("show")
@click.argument("agreement_id")
@click.option("--yaml", "as_yaml", is_flag=True, help="Print the YAML source.")
@db_option
@handle_errors
def agreements_show(agreement_id: str, as_yaml: bool, db: str) -> None:
    """One agreement: parties, exempt actors, each provision in plain words."""
    with opened_store(db, need="catalog") as store:
        reg = monitoring.registry_of(store)
        stored = store.agreements()
    if as_yaml and agreement_id in stored:  # even one that no longer validates: to fix it
        click.echo(stored[agreement_id])
        return
    a = reg.get(agreement_id)
    if as_yaml:
        click.echo(_agreements.bundled_text(a.id))
        return
    console.print(f"[bold]{a.title}[/] ({a.id}, PA-X {a.pax_id})")
    console.print(f"signed {a.signed.date} at {a.signed.place}")
    if a.supplements:
        console.print(f"supplements: {a.supplements}")
    for p in a.parties:
        forces = "; ".join(f.name for f in p.forces)
        console.print(f"party {p.id}: {p.name} answers for {forces}")
    for g in a.exempt_actors:
        console.print(f"exempt: {g.name} ({g.basis})")
    rows = [
        {"id": p.id, "type": p.type, "article": p.article or "", "text": " ".join(p.text.split())}
        for p in a.provisions
    ]
    console.print(frame_table(pd.DataFrame(rows), "Provisions"))


@agreements.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@db_option
@handle_errors
def agreements_validate(files: tuple[Path, ...], db: str) -> None:
    """Validate agreement YAML files; errors as file:line: field: problem (value).

    The same full check as `agreements add`: the format, zone ids among the bundled zones and
    those imported into the store, the supplement chain among the bundled and stored
    agreements. Exit status 1 when a file does not validate.
    """
    failed = 0
    with opened_store(db, need="catalog") as store:
        for f in files:
            try:
                text = _agreements.read_agreement_text(f)
                a = monitoring.check_agreement(store, text, file=str(f))
                say(f"ok {f}: {a.id}, {len(a.provisions)} provisions")
            except CeasefireError as e:
                failed += 1
                tell_problems(e)
    if failed:
        sys.exit(1)


@agreements.command("add")
@click.argument("file", type=click.Path(path_type=Path))
@db_option
@handle_errors
def agreements_add(file: Path, db: str) -> None:
    """Validate an agreement file in full (as `agreements validate` does) and add it to the
    store, replacing one with the same id. Exit status 1, and nothing stored, when it does not
    validate."""
    try:
        text = _agreements.read_agreement_text(file)
        with opened_store(db) as store:
            a = monitoring.add_agreement(store, text, file=str(file), source=str(file))
    except AgreementError as e:
        tell_problems(e)
        sys.exit(EXIT_BAD_INPUT)
    say(f"added {a.id}")


@agreements.command("schema")
@db_option
def agreements_schema(db: str) -> None:
    """Print the JSON Schema of the agreement format (``--db`` is accepted and unused)."""
    click.echo(json.dumps(_agreements.agreement_json_schema(), indent=2))


# --- zones ---------------------------------------------------------------------------------


@cli.group()
def zones() -> None:
    """List, show, import and export zones and routes."""


def _zone_row(z: _zones.Zone, *, full: bool = False) -> dict[str, Any]:
    measure = (
        f"{_zones.length_km(z):.1f} km" if z.kind == "route" else f"{_zones.area_km2(z):,.0f} km2"
    )
    approx = z.approximation
    return {
        "id": z.id,
        "kind": z.kind,
        "name": z.name,
        "size": measure,
        "approximate": f"yes, +/-{approx.error_km:g} km" if approx else "no",
        "source": z.source if full or len(z.source) <= 48 else z.source[:45] + "...",
    }


@zones.command("list")
@db_option
@handle_errors
def zones_list(db: str) -> None:
    """Zones: bundled, and those imported into the store."""
    with opened_store(db, need="catalog") as store:
        zs = monitoring.zones_of(store)
    console.print(
        frame_table(pd.DataFrame([_zone_row(z) for z in zs.values()]), "Zones", max_width=50)
    )


@zones.command("show")
@click.argument("zone_id")
@click.option("--geojson", is_flag=True, help="Print the zone as a GeoJSON Feature.")
@db_option
@handle_errors
def zones_show(zone_id: str, geojson: bool, db: str) -> None:
    """One zone: how it was made, its size, its approximation note."""
    with opened_store(db, need="catalog") as store:
        zs = monitoring.zones_of(store)
    z = _zones_get(zs, zone_id)
    if geojson:
        click.echo(json.dumps(_zones.zone_to_feature(z)))
        return
    for k, v in _zone_row(z, full=True).items():
        say(f"{k}: {v}")
    if z.derived_from:
        say(f"derived from: {z.derived_from}")
    if z.approximation:
        say(f"approximation: {z.approximation.note}")


def _zones_get(zs: dict[str, _zones.Zone], zone_id: str) -> _zones.Zone:

    if zone_id not in zs:
        raise UnknownIdError(f"unknown zone {zone_id!r}; known: {sorted(zs)}")
    return zs[zone_id]


@zones.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--id", "zone_id", required=True, help="Zone or route id to create or replace.")
@click.option("--name", default=None)
@click.option("--layer", default=None, help="Layer of a GeoPackage.")
@db_option
@handle_errors
def zones_import(file: Path, zone_id: str, name: str | None, layer: str | None, db: str) -> None:
    """Replace a route or zone with a real geometry (GeoJSON, GeoPackage, Shapefile).

    Corridors derived from a replaced route are re-derived at the next evaluation.
    """
    with opened_store(db) as store:
        z = monitoring.import_zone(store, file, zone_id, name=name, layer=layer)
        derived = [d.id for d in monitoring.zones_of(store).values() if d.derived_from == zone_id]
    say(f"imported {z.kind} {z.id} from {file}: {_zone_row(z)['size']}")
    if derived:
        say(f"re-derived from it: {', '.join(derived)}")


@zones.command("export")
@click.option("--format", "fmt", type=click.Choice(["geojson", "gpkg"]), default="geojson")
@click.option("--out", type=click.Path(path_type=Path), required=True)
@db_option
@handle_errors
def zones_export(fmt: str, out: Path, db: str) -> None:
    """Write every zone to a GeoJSON or GeoPackage file."""
    with opened_store(db, need="catalog") as store:
        zs = monitoring.zones_of(store)
    _zones.write_zones(zs.values(), out, driver="GPKG" if fmt == "gpkg" else "GeoJSON")
    say(f"wrote {len(zs)} zones to {out}")


# --- evidence --------------------------------------------------------------------------------


def _ingest_with_bar(store: Store, source: str, path: Path) -> Any:
    from ..sources import count_records

    total = count_records(path)
    with progress_bar("ingest") as bar:
        task = bar.add_task(path.name, total=total)
        report = store.ingest(source, path, progress=lambda n: bar.update(task, completed=n))
        bar.update(task, completed=total)
    return report


@cli.command()
@click.argument("source", type=click.Choice(["ucdp", "acled", "gdelt"]))
@click.argument("file", type=click.Path(path_type=Path))
@db_option
@handle_errors
def ingest(source: str, file: Path, db: str) -> None:
    """Load an evidence file into the store (idempotent; bad rows go to `ceasefire rejects`).

    A run that fails (or is interrupted) is marked failed in the store with its error; the
    batches it committed stay, and running it again finishes the rest.
    """
    with opened_store(db) as store:
        try:
            r = _ingest_with_bar(store, source, file)
        except MemoryError:
            tell("error:", f"{file}: out of memory; the run is marked failed", "bold red")
            sys.exit(1)
        _alert_rules.after(store, "ingest")
        stale = store.count_unevaluated()
    say(
        f"{file}: {r.rows_read:,} rows read, {r.inserted:,} new, {r.updated:,} updated, "
        f"{r.unchanged:,} unchanged, {r.rejected:,} rejected"
    )
    if r.rejected:
        say("see them with: ceasefire rejects --db " + db)
    if stale:
        say(f"{stale:,} events lack current verdicts: run `ceasefire evaluate --db {db}`")


@cli.command()
@click.option("--file", "file_", default=None, help="Only rejects from this file.")
@click.option("--limit", default=100, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
@db_option
@handle_errors
def rejects(file_: str | None, limit: int, fmt: str, db: str) -> None:
    """Rows that could not be loaded: file, line, field, value and reason."""
    with opened_store(db, need="data") as store:
        frame = store.rejects(file=file_, limit=limit)
    cols = [c for c in ["file", "line", "field", "value", "reason"] if c in frame.columns]
    emit(frame[cols], fmt, "Rejected rows")


# --- evaluation ------------------------------------------------------------------------------

VERDICT_COLUMNS = [
    "event_id",
    "agreement",
    "provision",
    "verdict",
    "probability",
    "party",
    "reason",
]


def _verdict_rows(v: pd.DataFrame) -> pd.DataFrame:
    return v.rename(
        columns={"event_uid": "event_id", "agreement_id": "agreement", "provision_id": "provision"}
    )


@cli.command()
@click.option("--agreement", "agreement_ids", multiple=True, help="Agreement id (repeatable).")
@click.option(
    "--events",
    "events_file",
    type=click.Path(path_type=Path),
    default=None,
    help="Evaluate this evidence file without a store.",
)
@click.option(
    "--source",
    type=click.Choice(["auto", "ucdp", "acled", "gdelt"]),
    default="auto",
    show_default=True,
    help="Kind of --events file.",
)
@click.option(
    "--agreement-file",
    type=click.Path(path_type=Path),
    default=None,
    help="An agreement YAML to evaluate (with --events).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["summary", "table", "csv", "json"]),
    default=None,
    help="Output (default: summary; csv with --events).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="With --events as GeoParquet (a file, folder or quoted glob): write the verdicts to "
    "this folder as part-NNNNN.parquet, one part per row group (a rerun skips complete parts).",
)
@click.option(
    "--cluster",
    default=None,
    metavar="local:N|tcp://HOST:PORT",
    help="With --out: judge the parts on Dask, N local worker processes or a running scheduler "
    "(default: one after another in this process).",
)
@click.option(
    "--outside/--no-outside",
    default=True,
    show_default=True,
    help="With --out: write the 'outside' rows too (an event outside a provision's zone or time "
    "window); --no-outside leaves them out, most of the rows of a worldwide feed.",
)
@db_option
@handle_errors
def evaluate(
    agreement_ids: tuple[str, ...],
    events_file: Path | None,
    source: str,
    agreement_file: Path | None,
    fmt: str | None,
    out_dir: Path | None,
    cluster: str | None,
    outside: bool,
    db: str,
) -> None:
    """Judge events against agreements and store the verdicts (or print them, with --events).

    A stored agreement that does not validate (from an older version) is skipped with a warning
    naming it and why; the others are evaluated and stored, and the exit status is 3.

    With --events PARQUET --out FOLDER the verdicts of one agreement are written to FOLDER as
    GeoParquet parts instead, optionally on a Dask --cluster (see docs/dask.md).
    """
    if out_dir is not None or cluster is not None:
        _evaluate_parquet(
            events_file, agreement_ids, agreement_file, fmt, out_dir, cluster, outside
        )
        return
    if not outside:
        raise click.UsageError("--no-outside goes with --out")
    if events_file is not None:
        from ..sources import detect_source

        kind = detect_source(events_file) if source == "auto" else source
        agreement_id = agreement_ids[0] if agreement_ids else "moscow-2020"
        result, events, n_rejected = monitoring.evaluate_file(
            events_file, kind, agreement_id, agreement_file=agreement_file
        )
        if n_rejected:
            tell("note:", f"{events_file}: {n_rejected} rows rejected (see `ceasefire ingest`)")
        fmt = fmt or "csv"
        if fmt == "summary":
            provisions = monitoring.finding_provisions(result.agreements)
            print_summary(result, events, findings.rows_of(result.verdicts, events), provisions)
        else:
            emit(_verdict_rows(result.verdicts)[VERDICT_COLUMNS], fmt)
        return
    with opened_store(db, need="data") as store, err.status("evaluating") as status:
        result = monitoring.evaluate_store(
            store, list(agreement_ids) or None, progress=lambda m: status.update(m)
        )
        _alert_rules.after(store, "evaluation")
        events = store.events()
        rows = store.finding_rows(_EVERY_FINDING)
        provisions = _finding_provisions(store)
        skipped = monitoring.registry_of(store) if not agreement_ids else None
    if (fmt or "summary") == "summary":
        print_summary(result, events, rows, provisions)
    else:
        emit(_verdict_rows(result.verdicts)[VERDICT_COLUMNS], fmt or "table")
    if skipped is not None and skipped.broken:
        warn_broken(skipped)
        sys.exit(EXIT_SKIPPED)


def _evaluate_parquet(
    events: Path | None,
    agreement_ids: tuple[str, ...],
    agreement_file: Path | None,
    fmt: str | None,
    out_dir: Path | None,
    cluster: str | None,
    outside: bool,
) -> None:
    """``evaluate --events PARQUET --out FOLDER [--cluster ...] [--no-outside]``."""
    from ..cluster import evaluate_parquet
    from ..compliance import Rules

    if out_dir is None or events is None:
        raise click.UsageError("--out and --cluster go with --events PARQUET and each other")
    if len(agreement_ids) > 1 or agreement_file is not None or fmt is not None:
        raise click.UsageError("--out takes one --agreement (no --agreement-file, no --format)")
    agreement_id = agreement_ids[0] if agreement_ids else "moscow-2020"
    with progress_bar("evaluate") as bar:
        task = bar.add_task("parts", total=None)

        def progress(parts_done: int, parts: int, events_done: int) -> None:
            bar.update(
                task, completed=parts_done, total=parts, description=f"{events_done:,} events"
            )

        run = evaluate_parquet(
            str(events),
            agreement_id,
            out_dir,
            cluster=cluster,
            rules=Rules(keep_outside=outside),
            progress=progress,
        )
    say(
        f"{len(run.written):,} parts written, {len(run.skipped):,} skipped (already complete) of "
        f"{run.parts:,}; {run.events:,} events judged, {run.rows:,} verdict rows in {out_dir}"
    )


def day_value(value: str | None, name: str) -> dt.date | None:
    """An option's day (``YYYY-MM-DD``), None when not given; a usage error naming the option
    (``name``) otherwise."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"not a date YYYY-MM-DD: {value!r}", param_hint=name) from None


def _iso_day(value: str | None, name: str) -> str | None:
    """An option's day as ``YYYY-MM-DD``, None when not given; an :class:`InputError` naming
    the option (``name``) otherwise."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise InputError(f"{name}: not an ISO date YYYY-MM-DD ({value!r})") from None


def filter_options(f: F) -> F:
    """The shared filters (the same names and meaning as the API's and the pages' URLs)."""
    options = [
        click.option("--agreement", "agreement", default=None, help="Agreement id."),
        click.option("--provision", default=None, help="Provision id."),
        click.option(
            "--verdict",
            "verdict",
            multiple=True,
            type=click.Choice(list(VERDICTS)),
            help="Repeatable; default every verdict but outside.",
        ),
        click.option("--party", default=None, help="Party id (or unattributed)."),
        click.option("--actor", default=None, help="Part of an actor's name."),
        click.option("--event-type", "event_type", default=None),
        click.option("--source", default=None, help="source_dataset, e.g. ucdp_ged."),
        click.option(
            "--since", "--date-from", "date_from", default=None, help="YYYY-MM-DD, inclusive."
        ),
        click.option(
            "--until", "--date-to", "date_to", default=None, help="YYYY-MM-DD, inclusive."
        ),
        click.option(
            "--review-status",
            "review_status",
            multiple=True,
            type=click.Choice(list(findings.REVIEW_STATUSES)),
            help="Repeatable.",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _filters(kw: dict[str, Any]) -> findings.Filters:
    """The :class:`~ceasefire.findings.Filters` of :func:`filter_options`' values (popped)."""
    names = (
        "agreement",
        "provision",
        "verdict",
        "party",
        "actor",
        "event_type",
        "source",
        "date_from",
        "date_to",
        "review_status",
    )
    v = {k: kw.pop(k) for k in names}
    return findings.Filters(
        **{
            **v,
            "verdict": tuple(v["verdict"]),
            "review_status": tuple(v["review_status"]),
            "date_from": _iso_day(v["date_from"], "--since"),
            "date_to": _iso_day(v["date_to"], "--until"),
        }
    )


def _note_unevaluated(store: Store) -> None:
    stale = store.count_unevaluated()
    if stale:
        err.print(
            f"note: {stale:,} stored events are new or changed since the last evaluation "
            "(they lack some or all current verdicts); run `ceasefire evaluate` to judge them",
            highlight=False,
        )


def _check_agreement(store: Store, f: findings.Filters) -> None:
    if f.agreement is not None:
        monitoring.registry_of(store).get(f.agreement)  # unknown id: a clear error


def _checked_rows(store: Store, f: findings.Filters) -> pd.DataFrame:
    _check_agreement(store, f)
    return store.finding_rows(f)


@cli.command("findings")
@filter_options
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@db_option
@handle_errors
def findings_cmd(fmt: str, db: str, **kw: Any) -> None:
    """Every count of the findings, filtered: incidents by verdict, deaths, by party
    (violations and possible violations apart), by zone, by month, reviews. The same figures
    as the API's /api/findings and the dashboard."""
    f = _filters(kw)
    with opened_store(db, need="data") as store:
        report = findings.report(_checked_rows(store, f), f, _finding_provisions(store))
        _note_unevaluated(store)
    if fmt == "json":
        click.echo(json.dumps(report, indent=1))
        return
    verdicts = report["verdicts"]
    console.print(
        frame_table(
            pd.DataFrame(
                [
                    {
                        "": "incidents",
                        **{v: report["incidents"][v] for v in verdicts},
                        "total": report["incidents"]["total"],
                    },
                    {
                        "": "deaths",
                        **{v: report["fatalities"][v] for v in verdicts},
                        "total": report["fatalities"]["total"],
                    },
                ]
            ),
            "Incidents (each event once, at its worst verdict)",
        )
    )
    for key, title in (
        ("by_party", "By party: violations and possible violations, each its own share"),
        ("by_zone", "By zone (incidents)"),
        ("by_month", "By month (incidents)"),
    ):
        if report[key]:
            console.print(frame_table(pd.DataFrame(report[key]), title))
    r = report["reviews"]
    say(
        f"reviewed: {report['reviewed']:,} of {report['incidents']['total']:,} incidents ("
        + ", ".join(f"{r[s]:,} {s}" for s in findings.REVIEW_STATUSES)
        + ")"
    )


@cli.command()
@filter_options
@click.option("--limit", default=50, show_default=True, help="0 for all.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
@db_option
@handle_errors
def incidents(limit: int, fmt: str, db: str, **kw: Any) -> None:
    """Incidents, filtered: one row per event with its worst verdict, the provisions it
    breaches and the party; most deaths first, then the worse verdict, the likelier."""
    f = _filters(kw)
    with opened_store(db, need="data") as store:
        t = findings.incidents(_checked_rows(store, f))
        _note_unevaluated(store)
    t = t.head(limit) if limit else t
    if fmt == "table":
        console.print(verdict_list(t.rename(columns={"breaches": "provisions"}), unit="incidents"))
    else:
        emit(t, fmt)


@cli.command()
@filter_options
@click.option("--limit", default=50, show_default=True, help="0 for all.")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json", "geojson"]), default="table"
)
@db_option
@handle_errors
def verdicts(limit: int, fmt: str, db: str, **kw: Any) -> None:
    """Stored verdicts, filtered: one row per event and provision (see `incidents` for one per
    event), each with its probability, party, reason and review status."""
    f = _filters(kw)
    with opened_store(db, need="data") as store:
        _check_agreement(store, f)
        v = store.verdict_frame(f)
        _note_unevaluated(store)
    v = v.sort_values(["agreement_id", "provision_id", "event_date", "event_uid"], kind="stable")
    v = (v.head(limit) if limit else v).reset_index(drop=True)
    if fmt == "geojson":
        click.echo(json.dumps(_geojson(v)))
        return
    if fmt == "table":
        console.print(verdict_list(v))
    else:
        emit(v, fmt)


def _geojson(v: pd.DataFrame) -> dict[str, Any]:
    feats = []
    for row in v.to_dict(orient="records"):
        lon, lat = row.pop("longitude", None), row.pop("latitude", None)
        props = {k: (None if pd.isna(x) else x) for k, x in row.items()}
        feats.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": props,
            }
        )
    return {"type": "FeatureCollection", "features": feats}


@cli.command("before-after")
@click.option("--agreement", "agreement_id", required=True, metavar="ID", help="The agreement.")
@click.option(
    "--unit",
    type=click.Choice(["week", "month"]),
    default=DEFAULT_WINDOW.unit,
    show_default=True,
    help="Weeks (7 days from the start) or calendar months (the start's month split).",
)
@click.option(
    "--before",
    type=int,
    default=None,
    help=f"Periods before the start [default: {DEFAULT_WINDOW.before} weeks, "
    f"{DEFAULT_MONTHS} months].",
)
@click.option("--after", type=int, default=None, help="Periods after the start [as --before].")
@click.option(
    "--rows",
    type=click.Choice(["totals", "periods"]),
    default="totals",
    show_default=True,
    help="What --format csv writes.",
)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
@db_option
@handle_errors
def before_after(
    agreement_id: str,
    unit: str,
    before: int | None,
    after: int | None,
    rows: str,
    fmt: str,
    db: str,
) -> None:
    """Did it hold? Events and deaths in each zone, and by party, before vs after an agreement
    took effect, with the rate ratio after/before and its 95% interval (docs/held.md).

    Periods without evidence say so (they are not zero); --format json prints what the API's
    /api/agreements/ID/held gives (less its by_party verdict shares).
    """
    window = Window.of(unit, before, after)
    with opened_store(db, need="data") as store:
        h = monitoring.before_after(store, agreement_id, window)
    if fmt == "json":
        click.echo(json.dumps(h.to_dict(), indent=1, ensure_ascii=False, allow_nan=False))
    elif fmt == "csv":
        (h.totals if rows == "totals" else h.periods).to_csv(sys.stdout, index=False)
    else:
        for part in _held_tables(h):
            console.print(part)


def _held_tables(h: Held) -> Iterator[RenderableType]:
    """A head line; per zone, the periods (events (deaths) of all parties, each party's
    events), then the totals by party with the rate ratio in words."""
    d = h.to_dict()
    ev = d["evidence"]
    yield Text(
        f"{h.agreement_id} took effect {h.effective.label()} ({h.effective.timezone}); "
        f"{h.window.label()}; "
        + (f"evidence {ev['first']} .. {ev['last']}" if ev else "no evidence at all")
    )
    unit = h.window.unit
    everyone = h.parties[0]
    for zone, name in h.zones:
        t = _table_of(f"{name} ({zone}): events (deaths) per {unit}")
        for col in (unit, "days", "evidence", *h.parties):
            t.add_column(col, justify="left" if col in (unit, "days", "evidence") else "right")
        mine = [r for r in d["periods"] if r["zone"] == zone]
        cell = {(r["party"], r["period"], r["side"]): r for r in mine}
        for r in (x for x in mine if x["party"] == everyone):
            evidence = {
                "full": "full",
                "none": "no evidence",
                "partial": f"partial: {r['covered_days']} of {r['days']} days",
            }[r["coverage"]]
            counts = [cell[(p, r["period"], r["side"])] for p in h.parties]
            cells = [
                "-"
                if c["events"] is None
                else f"{c['events']:,}" + (f" ({c['fatalities']:,})" if p == everyone else "")
                for p, c in zip(h.parties, counts, strict=True)
            ]
            label = f"{r['period']}" + (f" ({r['side']}, part)" if r["split"] else "")
            t.add_row(label, f"{r['start']}..{r['end'][5:]}", evidence, *cells)
        yield t
    for zone, name in h.zones:
        t = _table_of(f"{name}: totals, per week of evidence")
        for col in ("party", "events before", "after", "deaths before", "after", "events"):
            t.add_column(col, justify="left" if col in ("party", "events") else "right")
        first = next(x for x in d["totals"] if x["zone"] == zone)
        t.caption = (
            f"days of evidence: {first['before_covered_days']} of {first['before_days']} before, "
            f"{first['after_covered_days']} of {first['after_days']} after"
        )
        for r in (x for x in d["totals"] if x["zone"] == zone):
            t.add_row(
                str(r["party"]),
                *[
                    _per_week(r[f"{side}_{what}"], r[f"{side}_{what}_per_week"])
                    for what in ("events", "fatalities")
                    for side in ("before", "after")
                ],
                str(r["summary"]),
            )
        yield t


def _table_of(title: str) -> Table:
    return Table(title=title, title_justify="left", caption_justify="left")


def _per_week(n: int | None, rate: float | None) -> str:
    return "no evidence" if n is None or rate is None else f"{n:,} ({rate:.2g}/wk)"


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "geojson", "gpkg"]), required=True)
@click.option("--out", type=click.Path(path_type=Path), required=True)
@filter_options
@click.option("--all-verdicts", is_flag=True, help="Every verdict, 'outside' included.")
@click.option(
    "--unit",
    type=click.Choice(["incidents", "verdicts"]),
    default="incidents",
    show_default=True,
    help="A row per event at its worst verdict, or per event and provision.",
)
@db_option
@handle_errors
def export(fmt: str, out: Path, all_verdicts: bool, unit: str, db: str, **kw: Any) -> None:
    """Export incidents (each event once, at its worst verdict; or each provision's verdict with
    --unit verdicts), filtered as everywhere, with their events, the machine's verdict and the
    review status (CSV, GeoJSON, GeoPackage)."""
    from ..exports import export_verdicts

    f = _filters(kw)
    if all_verdicts:
        f = f.but(verdict=VERDICTS)
    with opened_store(db, need="data") as store:
        _check_agreement(store, f)
        n = export_verdicts(store, out, fmt, filters=f, unit=unit)
    say(f"wrote {n:,} {unit} to {out}")


@cli.command()
@click.option("--db", default="ceasefire.db", show_default=True, help=DB_HELP, metavar="PATH")
@click.option("--fresh", is_flag=True, help="Delete the store file first.")
@handle_errors
def demo(db: str, fresh: bool) -> None:
    """The Idlib case end to end: build the store, ingest 16,566 UCDP events, evaluate, report."""
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(db + suffix).unlink(missing_ok=True)
    from ..sources import count_records

    total = count_records(monitoring.BUNDLED_UCDP)
    with opened_store(db) as store:
        console.print(f"[bold]ceasefire demo[/]: the Idlib case, store {db}")
        with progress_bar() as bar:
            task = bar.add_task("ingest UCDP GED Syria", total=total)
            result = monitoring.run_demo(
                store,
                ingest_progress=lambda n: bar.update(task, completed=n),
                progress=lambda m: bar.update(task, description=m),
            )
            bar.update(task, completed=total, description="done")
        rows = store.finding_rows(_EVERY_FINDING)
        provisions = _finding_provisions(store)
    r = result.ingest
    say(
        f"agreements: {', '.join(result.agreements)}; evidence: {r.rows_read:,} UCDP rows read, "
        f"{r.inserted:,} new, {r.updated:,} updated, {r.unchanged:,} unchanged, "
        f"{r.rejected:,} rejected"
    )
    print_summary(result.evaluation, result.events, rows, provisions)
    console.print(
        "\nNext: [bold]ceasefire incidents --verdict violation --agreement sochi-2018[/], "
        "[bold]ceasefire findings --agreement sochi-2018[/], [bold]ceasefire zones list[/], "
        "[bold]ceasefire export --format geojson --out v.geojson[/]"
    )


#: What the briefing reads: every finding, whatever its verdict (not outside).
_EVERY_FINDING: Final = findings.Filters(verdict=findings.FINDING_VERDICTS)


def _finding_provisions(store: Store) -> findings.Provisions:
    registry = monitoring.registry_of(store)
    return monitoring.finding_provisions(registry.agreements.values(), monitoring.zones_of(store))


def print_summary(
    result: Evaluation,
    events: pd.DataFrame,
    rows: pd.DataFrame,
    provisions: findings.Provisions,
) -> None:
    """The demo's and `evaluate`'s report (see :mod:`ceasefire.briefing`): ``rows`` are the
    verdict rows that count (from the store, reviews applied)."""
    console.print(briefing(result, events, rows, provisions=provisions))


def main() -> None:
    """Entry point of the ``ceasefire`` script."""
    cli()


if __name__ == "__main__":
    main()


# The db, news, web and patrols commands live in their own modules; importing one registers it
# on ``cli``.
from . import alerts as _alert_rules  # noqa: E402
from . import db as _db  # noqa: E402, F401
from . import fetch as _fetch  # noqa: E402, F401
from . import gdelt as _gdelt  # noqa: E402, F401
from . import humanitarian as _humanitarian  # noqa: E402, F401
from . import news as _news  # noqa: E402, F401
from . import patrols as _patrols  # noqa: E402, F401
from . import report as _report  # noqa: E402, F401
from . import web as _web  # noqa: E402, F401
