"""``ceasefire gdelt``: GDELT 2.0 event files in bulk (to GeoParquet; see docs/parquet.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..sources.gdelt_files import DEFAULT_CHUNK_ROWS, gdelt_to_parquet
from . import EXIT_BAD_INPUT, cli, handle_errors, progress_bar, say, tell


@cli.group()
def gdelt() -> None:
    """GDELT 2.0 event files in bulk: the 15-minute zips to GeoParquet."""


@gdelt.command("to-parquet")
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Folder of the parts: one NAME.parquet (and NAME.rejects.jsonl) per input.",
)
@click.option(
    "--chunk-rows",
    type=click.IntRange(min=1),
    default=DEFAULT_CHUNK_ROWS,
    show_default=True,
    help="Records read and written at a time (memory holds about one chunk).",
)
@handle_errors
def to_parquet(inputs: tuple[str, ...], out: Path, chunk_rows: int) -> None:
    """Convert GDELT 2.0 event files to GeoParquet, one part per input, in bounded memory.

    INPUTS are files (*.export.CSV.zip, or plain or gzip *.CSV), folders or glob patterns
    (quote them). A rerun skips the inputs whose part is complete and converts the rest; an
    input that cannot be read is named and the others go on (exit status 1 at the end).
    """
    with progress_bar("gdelt") as bar:
        task = bar.add_task("files", total=None)

        def progress(files_done: int, files: int, records: int) -> None:
            bar.update(task, completed=files_done, total=files, description=f"{records:,} rows")

        done = gdelt_to_parquet(list(inputs), out, chunk_rows=chunk_rows, progress=progress)
    for _, error in done.failed:
        tell("failed:", error, "red")
    say(
        f"{len(done.written):,} parts written, {len(done.skipped):,} inputs skipped (already "
        f"converted), {len(done.failed):,} failed; {done.rows:,} rows, {done.rejected:,} rejected"
    )
    if done.rejected:
        say(f"the rejects of each input are in {out}/NAME.rejects.jsonl")
    if done.failed:
        sys.exit(EXIT_BAD_INPUT)
