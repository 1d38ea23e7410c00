"""GDELT 2.0 event files, as many as there are, to GeoParquet in bounded memory, resumably.

GDELT 2.0 publishes one zip every 15 minutes (``20200301150000.export.CSV.zip``), each holding
one headerless tab-separated file of 61 columns. :func:`gdelt_to_parquet` reads each input a
chunk of ``chunk_rows`` records at a time, through the existing reader
(:class:`~ceasefire.sources.gdelt.GdeltSource`: the same crosswalk, the same rejects with file,
line, field and value), reading a zip's member as a stream without extracting it, and writes
each chunk as a row group of the input's part file (:class:`~.geoparquet.GeoParquetWriter`):
memory holds about one chunk, whatever the number or size of the inputs.

Each input becomes ``OUT/NAME.parquet`` (``20200301150000.export.parquet``) and, when it has
rejects, ``OUT/NAME.rejects.jsonl`` (one JSON object a line: file, line, field, value, reason;
JSON, not CSV, so that no spreadsheet runs a value from the wild as a formula). A zip member is
named ``ARCHIVE.zip/MEMBER`` in ``source_file`` and in rejects. A part is written under a
temporary name and renamed once complete, so a run killed midway leaves no partial part, and
a rerun skips the inputs whose part is there and converts the rest: no duplicates.

An input that cannot be read at all (not a zip, an empty zip, a zip of several files, not a
GDELT 2.0 file) is named in :attr:`GdeltConversion.failed` with the reason, and the others go on.

>>> import tempfile, zipfile
>>> from ceasefire.sources.gdelt import GDELT_COLUMNS
>>> row = dict.fromkeys(GDELT_COLUMNS, "")  # a constructed record, not real GDELT data
>>> row.update(GlobalEventID="1", Day="20200301", EventCode="190", EventBaseCode="190",
...            EventRootCode="19", ActionGeo_Type="4", ActionGeo_CountryCode="SY",
...            ActionGeo_Lat="35.8", ActionGeo_Long="36.6", DATEADDED="20200301150000")
>>> folder = Path(tempfile.mkdtemp())
>>> with zipfile.ZipFile(folder / "20200301150000.export.CSV.zip", "w") as z:
...     z.writestr("20200301150000.export.CSV", "\\t".join(row.values()) + "\\n")
>>> done = gdelt_to_parquet(str(folder / "*.zip"), folder / "parquet")
>>> done.rows, [p.name for p in done.written], done.failed
(1, ['20200301150000.export.parquet'], [])
>>> [p.name for p in gdelt_to_parquet(folder, folder / "parquet").skipped]  # a rerun
['20200301150000.export.CSV.zip']
"""

from __future__ import annotations

import glob
import json
import os
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import BinaryIO, Final, TextIO, cast

from ceasefire.errors import CeasefireError, EventReadError, InputError
from ceasefire.sources.batch import Batch, Reject
from ceasefire.sources.gdelt import GdeltSource
from ceasefire.sources.geoparquet import GeoParquetWriter, parquet_complete

__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "GdeltConversion",
    "gdelt_inputs",
    "gdelt_to_parquet",
    "part_name",
]

#: Records read, converted and written at a time, by default.
DEFAULT_CHUNK_ROWS: Final = 50_000
#: The endings of a GDELT input's name that its part's name leaves out.
_ENDINGS: Final = re.compile(r"(\.(zip|gz|csv|tsv|txt))+$", re.IGNORECASE)
_INPUT_SUFFIXES: Final = (".zip", ".csv", ".tsv", ".gz", ".txt")
_TMP: Final = ".tmp"


@dataclass
class GdeltConversion:
    """What :func:`gdelt_to_parquet` did: parts written, inputs skipped (done by an earlier
    run), inputs that failed (with the error), and rows written and rejected by this run."""

    written: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, CeasefireError]] = field(default_factory=list)
    rows: int = 0
    rejected: int = 0
    #: chunks read, and the records (good and rejected) of the largest: memory holds one chunk
    chunks: int = 0
    largest_chunk: int = 0
    #: records read by this run (good and rejected)
    records: int = 0


def part_name(path: str | Path) -> str:
    """The part file an input becomes: its name without the zip/gzip/CSV endings, ``.parquet``.

    >>> part_name("gdelt/20200301150000.export.CSV.zip")
    '20200301150000.export.parquet'
    >>> part_name("20200301150000.export.CSV")
    '20200301150000.export.parquet'
    """
    return _ENDINGS.sub("", Path(path).name) + ".parquet"


def gdelt_inputs(inputs: str | Path | Sequence[str | Path]) -> list[Path]:
    """The files named by ``inputs``: paths, glob patterns, folders (their ``.zip``, ``.csv``,
    ``.tsv``, ``.gz`` and ``.txt`` files, any case), in name order within each, without repeats.
    A pattern that matches nothing or a path that is not there is an
    :class:`~ceasefire.errors.InputError`.

    >>> gdelt_inputs(["/nonexistent/*.zip"])
    Traceback (most recent call last):
    ...
    ceasefire.errors.InputError: /nonexistent/*.zip: no GDELT file found
    """
    items = [inputs] if isinstance(inputs, str | Path) else list(inputs)
    out: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            found = sorted(
                f for f in p.iterdir() if f.is_file() and f.suffix.lower() in _INPUT_SUFFIXES
            )
        elif p.is_file():
            found = [p]
        else:
            found = [Path(f) for f in sorted(glob.glob(str(item))) if Path(f).is_file()]
        if not found:
            raise InputError("no GDELT file found", file=str(item))
        out += [f for f in found if f not in out]
    return out


def gdelt_to_parquet(
    inputs: str | Path | Sequence[str | Path],
    out_dir: str | Path,
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress: Callable[[int, int, int], None] | None = None,
) -> GdeltConversion:
    """Convert GDELT 2.0 event files (``.export.CSV.zip``, plain or gzip ``.CSV``) to one
    GeoParquet part each in ``out_dir``, a chunk of ``chunk_rows`` records at a time (see the
    module docstring). ``inputs``: as :func:`gdelt_inputs` takes them. ``progress(files_done,
    files, records)`` is called after each chunk and each input (converted, skipped or failed)
    with the inputs finished, their number and the records read so far by this run.

    Two inputs that would become the same part (the same name in two folders) are refused
    before anything is written.
    """
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    files = gdelt_inputs(inputs)
    out = Path(out_dir)
    parts: dict[str, Path] = {}
    for f in files:
        other = parts.setdefault(part_name(f), f)
        if other != f:
            raise InputError(f"would be written to the same part as {other}", file=str(f))
    out.mkdir(parents=True, exist_ok=True)
    done = GdeltConversion()

    def tick(finished: int) -> None:
        if progress is not None:
            progress(finished, len(files), done.records)

    for i, f in enumerate(files):
        part = out / part_name(f)
        if parquet_complete(part):
            done.skipped.append(f)
        else:
            try:
                rows, rejected = _convert(f, part, chunk_rows, done, partial(tick, i))
            except CeasefireError as e:
                done.failed.append((f, e))
            else:
                done.written.append(part)
                done.rows += rows
                done.rejected += rejected
        tick(i + 1)
    return done


def _convert(
    file: Path,
    part: Path,
    chunk_rows: int,
    done: GdeltConversion,
    progress: Callable[[], None],
) -> tuple[int, int]:
    """Write ``file``'s events to ``part`` and its rejects beside it; (rows, rejects)."""
    rejects_path = part.with_name(part.name.removesuffix(".parquet") + ".rejects.jsonl")
    rejects_tmp = rejects_path.with_name(rejects_path.name + _TMP)
    rows = rejected = 0
    try:
        with (
            _batches(file, chunk_rows) as batches,
            GeoParquetWriter(part, kind="events") as writer,
            rejects_tmp.open("w", encoding="utf-8") as rejects,
        ):
            for batch in batches:
                n = _records(batch)
                done.chunks += 1
                done.largest_chunk = max(done.largest_chunk, n)
                writer.write(batch.events)
                _write_rejects(rejects, batch.rejects)
                rows += len(batch.events)
                rejected += len(batch.rejects)
                done.records += n
                progress()
            # the rejects first: a part that has its name has its rejects (if any) beside it
            rejects.flush()
            if rejected:
                os.fsync(rejects.fileno())
                os.replace(rejects_tmp, rejects_path)
            else:
                rejects_path.unlink(missing_ok=True)  # of an earlier, killed run
    finally:
        rejects_tmp.unlink(missing_ok=True)
    return rows, rejected


def _records(batch: Batch) -> int:
    """The records a batch of a headerless file holds: its physical lines (GDELT's fields are
    never quoted, so a record is one line)."""
    return max(batch.last_line - batch.first_line + 1, 0)


def _write_rejects(fh: TextIO, rejects: list[Reject]) -> None:
    for r in rejects:
        line = {"file": r.file, "line": r.line, "field": r.field, "value": r.value}
        fh.write(json.dumps({**line, "reason": r.reason}, ensure_ascii=False) + "\n")


@contextmanager
def _batches(file: Path, chunk_rows: int) -> Iterator[Iterator[Batch]]:
    """The batches of ``file`` through the GDELT reader: a zip's one member read as a stream,
    any other file as the reader reads it (plain or gzip). Errors name the file."""
    reader = GdeltSource()
    if not _is_zip(file):
        yield reader.batches(file, batch_size=chunk_rows)
        return
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError) as exc:
        raise EventReadError(f"not a readable zip archive: {exc}", file=str(file)) from exc
    with archive:
        member = _only_member(archive, file)

        def opener() -> BinaryIO:
            return cast(BinaryIO, archive.open(member))

        name = f"{file}/{member.filename}"
        try:
            yield reader.batches(name, batch_size=chunk_rows, opener=opener)
        except (zipfile.BadZipFile, EOFError) as exc:  # a member cut short or corrupt
            raise EventReadError(f"cannot read the zip archive: {exc}", file=str(file)) from exc


def _is_zip(file: Path) -> bool:
    if file.suffix.lower() == ".zip":
        return True
    try:
        with file.open("rb") as fh:
            return fh.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _only_member(archive: zipfile.ZipFile, file: Path) -> zipfile.ZipInfo:
    members = [m for m in archive.infolist() if not m.is_dir()]
    if not members:
        raise EventReadError("empty zip archive: it holds no file", file=str(file))
    if len(members) > 1:
        names = ", ".join(m.filename for m in members[:5]) + (", ..." if len(members) > 5 else "")
        raise EventReadError(
            f"a zip archive of {len(members)} files ({names}): expected one GDELT event file",
            file=str(file),
        )
    return members[0]
