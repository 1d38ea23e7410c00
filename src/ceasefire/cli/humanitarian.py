"""``ceasefire humanitarian``: import aid-delivery and movement tables, the weekly table."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Final

import click
import pandas as pd
from rich.markup import escape

from .. import monitoring
from ..errors import CeasefireError
from ..humanitarian import EvidenceKind, as_json
from ..sources.records import count_lines
from ..store.humanitarian import import_file
from ..vocab import ProvisionType
from . import (
    cli,
    console,
    day_value,
    db_option,
    expand_paths,
    frame_table,
    handle_errors,
    opened_store,
    progress_bar,
    say,
    tell,
)

#: At most this many rejects are printed per file (all are counted).
SHOWN_REJECTS: Final = 20
_SUFFIXES: Final = (".csv", ".gz")


@cli.group()
def humanitarian() -> None:
    """Humanitarian evidence: aid deliveries and crossings, returns and displacement."""


@humanitarian.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--kind",
    type=click.Choice(["auto", *(k.value for k in EvidenceKind)]),
    default="auto",
    show_default=True,
    help="aid: deliveries and crossings (OCHA cross-border tracking); movements: returns and "
    "displacement (CCCM / HNAP / OCHA IDP tracking); auto: from each file's header.",
)
@db_option
@handle_errors
def humanitarian_import(paths: tuple[Path, ...], kind: str, db: str) -> None:
    """Store aid-delivery or movement tables (CSV; a folder: every .csv in it). Rows stored
    before are skipped (content hash); a bad row is reported with its file, line, column and
    value, and the rest is stored. A file that cannot be read at all is reported and the
    others go on; the exit status is then 1."""
    files = expand_paths(paths, _SUFFIXES)
    totals = {"rows": 0, "inserted": 0, "skipped": 0, "rejected": 0}
    failed = 0
    with opened_store(db) as store, progress_bar("humanitarian") as bar:
        sizes = {}
        for f in files:
            try:
                sizes[f] = max(count_lines(f)[0] - 1, 0)
            except CeasefireError:
                sizes[f] = 0
        task = bar.add_task("rows", total=sum(sizes.values()) or None)
        for f in files:
            bar.update(task, description=escape(f.name))
            try:
                done = import_file(
                    store,
                    f,
                    None if kind == "auto" else kind,
                    progress=lambda n: bar.advance(task, n),
                )
            except CeasefireError as e:
                failed += 1
                tell("not imported", e, "red")
                continue
            for r in done.rejects[:SHOWN_REJECTS]:
                tell("rejected", r)
            if done.rejected > SHOWN_REJECTS:
                tell("rejected", f"{done.file}: {done.rejected - SHOWN_REJECTS} more rows")
            say(
                f"{done.file} ({done.kind.value}): {done.rows} rows read, {done.inserted} "
                f"records imported, {done.skipped} skipped as duplicates, {done.rejected} rows "
                "rejected"
            )
            totals["rows"] += done.rows
            totals["inserted"] += done.inserted
            totals["skipped"] += done.skipped
            totals["rejected"] += done.rejected
        bar.update(task, completed=sum(sizes.values()))
    say(
        f"{len(files)} files: {totals['rows']} rows read, {totals['inserted']} records imported, "
        f"{totals['skipped']} skipped as duplicates, {totals['rejected']} rows rejected, "
        f"{failed} files failed"
    )
    if totals["inserted"]:
        say("judge the obligations from them: `ceasefire evaluate`")
    if failed:
        sys.exit(1)  # a file that could not be read: bad input (EXIT_BAD_INPUT)


@humanitarian.command("weeks")
@click.option(
    "--agreement",
    "agreement_id",
    default="moscow-2020",
    show_default=True,
    help="Its humanitarian_access and return_of_displaced provisions.",
)
@click.option("--from", "since", default=None, help="First day YYYY-MM-DD [the signing day].")
@click.option("--to", "until", default=None, help="Last day YYYY-MM-DD [the last record's].")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@db_option
@handle_errors
def humanitarian_weeks(
    agreement_id: str, since: str | None, until: str | None, fmt: str, db: str
) -> None:
    """Deliveries made and blocked, and returns against new displacement, per week (Monday to
    Sunday) in the zones of the agreement's humanitarian provisions, with the obligation's
    findings."""
    start, end = day_value(since, "--from"), day_value(until, "--to")
    with opened_store(db, need="data") as store:
        o = monitoring.humanitarian_overview(store, agreement_id, start=start, end=end)
    if fmt == "json":
        out = as_json(o)
        click.echo(json.dumps(out, indent=1))
        return
    if not o.sections:
        say(f"{agreement_id} has no humanitarian_access or return_of_displaced provision")
        return
    for s in o.sections:
        where = f" in {s.zone}" if s.zone else ""
        left = f"; {s.outside} records outside the zone left out" if s.outside else ""
        cols = (
            ["week_start", "week_end", "partial", "delivered", "partly", "blocked", "trucks", "why"]
            if s.type == ProvisionType.HUMANITARIAN_ACCESS
            else ["week_start", "week_end", "partial", "returns", "displacement", "net", "why"]
        )
        frame = s.weeks[cols].copy() if len(s.weeks) else pd.DataFrame(columns=cols)
        frame["why"] = frame["why"].map(lambda x: escape(str(x)))  # the files' text: no markup
        title = escape(f"{s.provision_id}{where} ({s.records} records{left})")
        t = frame_table(frame, title=title)
        console.print(t)
        say(f"rule: {s.rule}")
        for r in s.rows:
            say(f"{r['status']}: {r['due']}: {r['reason']}")
        if not s.rows:
            say("findings: not judged yet (run `ceasefire evaluate`)")
