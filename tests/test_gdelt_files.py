"""GDELT 2.0 files to GeoParquet: chunked, bounded, resumable, and bad zips named.

Every zip here is CONSTRUCTED in tmp_path from the constructed GDELT rows of tests/data/sources
(see its README.md: the real 61-column layout, invented events); none is real GDELT data.
"""

from __future__ import annotations

import gzip
import json
import math
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from sources_helpers import DATA

from ceasefire.cli import cli
from ceasefire.errors import EventReadError, InputError
from ceasefire.sources import GdeltSource
from ceasefire.sources.gdelt_files import gdelt_inputs, gdelt_to_parquet, part_name
from ceasefire.sources.geoparquet import read_events_parquet

GOOD = DATA / "gdelt_idlib_20200305.export.CSV"
BAD = DATA / "gdelt_bad_rows.export.CSV"
#: Columns that say when and from which file a row was read (they differ between two reads).
_READ_AT = ["ingest_time", "source_file"]


def _zip(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def _gdelt_zip(folder: Path, stamp: str, data: bytes) -> Path:
    """A constructed 15-minute GDELT export zip: one member, ``STAMP.export.CSV``."""
    folder.mkdir(parents=True, exist_ok=True)
    return _zip(folder / f"{stamp}.export.CSV.zip", {f"{stamp}.export.CSV": data})


def _rows(n: int, first_id: int) -> bytes:
    """``n`` constructed records: the good file's rows in turn, each with a new GlobalEventID."""
    lines = GOOD.read_text(encoding="utf-8").splitlines()
    out = []
    for i in range(n):
        fields = lines[i % len(lines)].split("\t")
        fields[0] = str(first_id + i)
        out.append("\t".join(fields))
    return ("\n".join(out) + "\n").encode("utf-8")


def _stamp(i: int) -> str:
    return f"2020030515{i:02d}00"


def _without_read_at(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=_READ_AT).reset_index(drop=True)


def test_zips_become_one_part_each_equal_to_the_reader(tmp_path: Path):
    a = _gdelt_zip(tmp_path / "in", _stamp(0), GOOD.read_bytes())
    b = _gdelt_zip(tmp_path / "in", _stamp(15), _rows(20, 910_000_000))
    done = gdelt_to_parquet(str(tmp_path / "in" / "*.zip"), tmp_path / "out", chunk_rows=7)
    assert done.failed == [] and done.skipped == []
    assert [p.name for p in done.written] == [part_name(a), part_name(b)]
    assert (done.rows, done.rejected, done.records) == (28, 0, 28)
    events = read_events_parquet(tmp_path / "out")
    expected = GdeltSource().read(GOOD).events
    pd.testing.assert_frame_equal(
        _without_read_at(events.iloc[:8]), _without_read_at(expected), check_exact=True
    )
    assert events["source_file"].iloc[0] == f"{a}/{_stamp(0)}.export.CSV"
    assert events["event_uid"].is_unique and len(events) == 28
    g = gpd.read_parquet(done.written[0])
    assert g.crs.to_epsg() == 4326 and g.geometry.x.tolist() == expected["longitude"].tolist()
    assert not list((tmp_path / "out").glob("*.tmp")) and not list(tmp_path.glob("**/*.jsonl"))


def test_chunks_are_bounded_and_written_one_by_one(tmp_path: Path):
    # memory is about one chunk: the reader is asked for chunk_rows records at a time, never
    # holds more, and each chunk goes to disk (a row group) before the next is read
    sizes = [200, 37, 64, 1]
    for i, n in enumerate(sizes):
        _gdelt_zip(tmp_path / "in", _stamp(i), _rows(n, 920_000_000 + 1000 * i))
    seen: list[tuple[int, int, int]] = []
    done = gdelt_to_parquet(
        tmp_path / "in", tmp_path / "out", chunk_rows=64, progress=lambda *a: seen.append(a)
    )
    assert done.largest_chunk == 64
    assert done.chunks == sum(math.ceil(n / 64) for n in sizes) == 7
    groups = [pq.read_metadata(p).num_row_groups for p in done.written]
    assert groups == [math.ceil(n / 64) for n in sizes]
    assert max(pq.read_metadata(p).row_group(0).num_rows for p in done.written) == 64
    assert seen[-1] == (4, 4, sum(sizes)) and [s[2] for s in seen] == sorted(s[2] for s in seen)


def test_bad_rows_are_the_readers_rejects(tmp_path: Path):
    z = _gdelt_zip(tmp_path / "in", _stamp(0), BAD.read_bytes())
    done = gdelt_to_parquet([z], tmp_path / "out", chunk_rows=4)
    assert (done.rows, done.rejected) == (3, 6)
    lines = (tmp_path / "out" / f"{_stamp(0)}.export.rejects.jsonl").read_text().splitlines()
    got = [json.loads(x) for x in lines]
    member = f"{z}/{_stamp(0)}.export.CSV"
    assert {r["file"] for r in got} == {member}
    # the reader's rules and words, read whole from the same bytes (the duplicate of line 1
    # is found across chunks too)
    expected = GdeltSource().read(BAD).rejects
    assert [(r["line"], r["field"], r["value"], r["reason"]) for r in got] == [
        (r.line, r.field, r.value, r.reason) for r in expected
    ]
    assert got[2] == {
        "file": member,
        "line": 4,
        "field": "Day",
        "value": "2020031",
        "reason": "unparseable date",
    }
    assert read_events_parquet(done.written[0])["source_line"].tolist() == [1, 6, 9]


def test_bad_zips_are_named_and_the_rest_goes_on(tmp_path: Path):
    folder = tmp_path / "in"
    good = _gdelt_zip(folder, _stamp(0), GOOD.read_bytes())
    not_zip = folder / f"{_stamp(15)}.export.CSV.zip"
    not_zip.write_bytes(b"<html>404 not found</html>")
    empty = _zip(folder / f"{_stamp(30)}.export.CSV.zip", {})
    several = _zip(
        folder / f"{_stamp(45)}.export.CSV.zip", {"a.export.CSV": b"x", "b.export.CSV": b"y"}
    )
    corrupt = _gdelt_zip(folder, "20200305160000", b"")
    _zip(corrupt, {"20200305160000.export.CSV": GOOD.read_bytes()}, zipfile.ZIP_STORED)
    data = bytearray(corrupt.read_bytes())
    at = data.index(b"905001003")
    data[at : at + 3] = b"999"  # the stored bytes no longer match their CRC
    corrupt.write_bytes(bytes(data))
    v1 = _gdelt_zip(folder, "20200305161500", (DATA / "gdelt_v1_57_columns.CSV").read_bytes())

    done = gdelt_to_parquet(folder, tmp_path / "out")
    assert [p.name for p in done.written] == [part_name(good)]
    failed = {f.name: str(e) for f, e in done.failed}
    assert all(isinstance(e, EventReadError) for _, e in done.failed)
    assert failed[not_zip.name].startswith(f"{not_zip}: not a readable zip archive")
    assert failed[empty.name] == f"{empty}: empty zip archive: it holds no file"
    assert failed[several.name] == (
        f"{several}: a zip archive of 2 files (a.export.CSV, b.export.CSV): expected one GDELT "
        "event file"
    )
    assert failed[corrupt.name].startswith(f"{corrupt}: cannot read the zip archive")
    assert "CRC" in failed[corrupt.name]
    assert "expected 61 columns" in failed[v1.name] and str(v1) in failed[v1.name]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [part_name(good)]


def test_a_killed_run_is_finished_by_a_rerun_without_duplicates(tmp_path: Path):
    zips = [
        _gdelt_zip(tmp_path / "in", _stamp(i), _rows(30, 930_000_000 + 100 * i)) for i in range(3)
    ]
    out = tmp_path / "out"
    first = gdelt_to_parquet(tmp_path / "in", out, chunk_rows=8)
    whole = read_events_parquet(out)
    # a kill midway: the second part never got its name, its temporary file is left half
    # written; the third was never started
    second, third = out / part_name(zips[1]), out / part_name(zips[2])
    half = second.with_name(second.name + ".tmp")
    half.write_bytes(second.read_bytes()[:100])
    second.unlink()
    third.unlink()
    (out / (third.name.removesuffix(".parquet") + ".rejects.jsonl.tmp")).write_text("{")
    rerun = gdelt_to_parquet(tmp_path / "in", out, chunk_rows=8)
    assert rerun.skipped == [zips[0]] and rerun.written == [second, third]
    assert rerun.rows == 60 and first.rows == 90
    again = read_events_parquet(out)
    assert again["event_uid"].is_unique and len(again) == 90
    pd.testing.assert_frame_equal(_without_read_at(again), _without_read_at(whole))
    assert sorted(p.name for p in out.iterdir()) == sorted(part_name(z) for z in zips)
    # a third run has nothing to do
    assert gdelt_to_parquet(tmp_path / "in", out).skipped == zips


def test_a_part_cut_short_under_its_name_is_redone(tmp_path: Path):
    z = _gdelt_zip(tmp_path / "in", _stamp(0), GOOD.read_bytes())
    part = tmp_path / "out" / part_name(z)
    part.parent.mkdir()
    part.write_bytes(b"PAR1 cut short")
    done = gdelt_to_parquet([z], tmp_path / "out")
    assert done.written == [part] and len(read_events_parquet(part)) == 8


def test_plain_and_gzip_files_and_names(tmp_path: Path):
    plain = tmp_path / "20200305150000.export.CSV"
    plain.write_bytes(GOOD.read_bytes())
    gz = tmp_path / "20200305151500.export.CSV.gz"
    gz.write_bytes(gzip.compress(_rows(5, 940_000_000)))
    done = gdelt_to_parquet([plain, gz], tmp_path / "out")
    assert [p.name for p in done.written] == [
        "20200305150000.export.parquet",
        "20200305151500.export.parquet",
    ]
    assert done.rows == 13


def test_inputs_that_would_share_a_part_or_are_missing(tmp_path: Path):
    a = _gdelt_zip(tmp_path / "a", _stamp(0), GOOD.read_bytes())
    b = _gdelt_zip(tmp_path / "b", _stamp(0), GOOD.read_bytes())
    with pytest.raises(InputError, match="would be written to the same part as"):
        gdelt_to_parquet([a, b], tmp_path / "out")
    assert not (tmp_path / "out").exists()
    with pytest.raises(InputError, match="no GDELT file found"):
        gdelt_inputs([a, tmp_path / "missing.zip"])
    assert gdelt_inputs([a, str(tmp_path / "a" / "*.zip"), tmp_path / "a"]) == [a]
    with pytest.raises(ValueError, match="chunk_rows"):
        gdelt_to_parquet([a], tmp_path / "out", chunk_rows=0)


def test_the_command(tmp_path: Path):
    _gdelt_zip(tmp_path / "in", _stamp(0), GOOD.read_bytes())
    _gdelt_zip(tmp_path / "in", _stamp(15), BAD.read_bytes())
    out = tmp_path / "out"
    pattern = str(tmp_path / "in" / "*.zip")
    runner = CliRunner()
    result = runner.invoke(cli, ["gdelt", "to-parquet", pattern, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (
        "2 parts written, 0 inputs skipped (already converted), 0 failed; 11 rows, 6 rejected"
        in result.output
    )
    (tmp_path / "in" / "20200305160000.export.CSV.zip").write_bytes(b"not a zip")
    result = runner.invoke(
        cli, ["gdelt", "to-parquet", pattern, "--out", str(out), "--chunk-rows", "2"]
    )
    assert result.exit_code == 1
    assert "0 parts written, 2 inputs skipped (already converted), 1 failed" in result.output
    assert "20200305160000.export.CSV.zip: not a readable zip archive" in result.output
