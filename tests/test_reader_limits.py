"""Evidence readers and ingests against hostile input (issue 9): memory bounded by the line
limit, a clear message naming file, line and limit, and no ingest left ``running``.

The files are built here from the bundled UCDP GED file and the constructed ACLED rows, with
over-long lines, too many fields or random bytes put between their records; the gigabyte line
is a gzip of a few repeated members (1 MB on disk), read in a subprocess whose address space is
capped, as a user's ``ceasefire ingest`` would read it.
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from sources_helpers import DATA

from ceasefire.cli import cli
from ceasefire.errors import EventReadError, LimitError, StoreError
from ceasefire.limits import (
    MAX_BAD_RECORDS_IN_A_ROW,
    MAX_CSV_FIELDS,
    MAX_CSV_LINE_BYTES,
    MAX_TEXT_BYTES,
)
from ceasefire.sources import Batch, UcdpGedSource, concat_batches, read_events
from ceasefire.sources.records import RecordFile
from ceasefire.sources.ucdp import BUNDLED_GED_SYRIA
from ceasefire.store import SQLStore, open_store

LIMIT = MAX_CSV_LINE_BYTES
LINE_REASON = f"line longer than {LIMIT:,} bytes (the limit)"
#: Runs ``ceasefire`` as the installed script does, in a child process.
CLI_MAIN = "import sys; from ceasefire.cli import main; sys.argv[0] = 'ceasefire'; main()"


# --------------------------------------------------------------------------- building files


@cache
def _ged(n: int) -> tuple[list[str], list[list[str]]]:
    """The header and the first ``n`` records of the bundled GED file."""
    with gzip.open(BUNDLED_GED_SYRIA, "rt", encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return header, list(itertools.islice(reader, n))


def _csv_bytes(row: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(row)
    return out.getvalue().encode("utf-8")


def _write(
    path: Path, header: list[str], rows: list[list[str]], inserts: dict[int, bytes]
) -> dict[int, int]:
    """Write a CSV file (gzip when ``path`` ends in ``.gz``) with the raw bytes of ``inserts``
    put before the records they name; the physical line where each insert starts."""
    out = io.BytesIO()
    out.write(_csv_bytes(header))
    where: dict[int, int] = {}
    for i, row in enumerate(rows):
        if i in inserts:
            where[i] = out.getvalue().count(b"\n") + 1
            out.write(inserts[i])
        out.write(_csv_bytes(row))
    data = out.getvalue()
    path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)
    return where


def ged_file(path: Path, n: int, inserts: dict[int, bytes] | None = None) -> dict[int, int]:
    """The GED header and first ``n`` records, with ``inserts`` (see :func:`_write`)."""
    header, rows = _ged(n)
    return _write(path, header, rows, inserts or {})


def acled_file(path: Path, n: int, inserts: dict[int, bytes] | None = None) -> dict[int, int]:
    """``n`` ACLED records: the constructed rows again and again under new ids."""
    with open(DATA / "acled_idlib_2020-03.csv", encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        base = list(reader)
    at = header.index("event_id_cnty")
    rows = []
    for i in range(n):
        row = list(base[i % len(base)])
        row[at] = f"SYR{90000 + i}"
        rows.append(row)
    return _write(path, header, rows, inserts or {})


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLStore]:
    s = open_store(tmp_path / "store.db")
    yield s
    s.close()


# --------------------------------------------------------------------------- long lines


@pytest.mark.parametrize("name", ["ged.csv", "ged.csv.gz"])
def test_a_line_over_the_limit_is_one_reject_and_the_rest_loads(tmp_path: Path, name: str) -> None:
    clean, path = tmp_path / "clean.csv", tmp_path / name
    ged_file(clean, 60)
    long = b"214797," + b"x" * LIMIT + b"\n"
    at_limit = b"y" * LIMIT + b"\n"  # exactly the limit: read, then rejected for its columns
    where = ged_file(path, 60, {30: long, 45: at_limit})
    batch = read_events(path, "ucdp")
    assert len(batch.events) == 60
    by_line = {r.line: r for r in batch.rejects}
    assert sorted(by_line) == [where[30], where[45]]
    r = by_line[where[30]]
    assert (r.file, r.field, r.reason) == (str(path), "(row)", LINE_REASON)
    assert r.value is not None and r.value.startswith("214797,xxx") and len(r.value) <= 200
    assert str(r) == f"{path}:{where[30]}: (row): {LINE_REASON} ({r.value!r})"
    assert by_line[where[45]].reason.startswith("expected ")
    # the lines after the skipped one are still counted right
    lines = read_events(clean, "ucdp").events["source_line"].to_numpy()
    shift = (batch.events.index >= 30).astype(int) + (batch.events.index >= 45).astype(int)
    assert batch.events["source_line"].tolist() == (lines + shift).tolist()


@pytest.mark.parametrize("name", ["lines.csv", "lines.csv.gz"])
def test_lines_around_the_limit_and_across_read_blocks(tmp_path: Path, name: str) -> None:
    # lengths in bytes of each physical line (without its newline); the last has no newline
    lengths = [5, LIMIT, LIMIT - 1, LIMIT + 1, 3, LIMIT, LIMIT, 2_500_000, LIMIT, 7, 3 * LIMIT]
    body = []
    for i, n in enumerate(lengths):
        head = f"{i},".encode()
        body.append(head + b"z" * (n - len(head)))
    wide = "é".encode() * (LIMIT // 2 + 1)  # fewer characters than the limit, more bytes
    body.insert(3, b"99," + wide)
    lengths.insert(3, len(body[3]))
    data = b"n,text\n" + b"\n".join(body)
    path = tmp_path / name
    path.write_bytes(gzip.compress(data, mtime=0) if name.endswith(".gz") else data)
    got = list(RecordFile(path, required=["n"]))
    assert [r.start for r in got] == list(range(2, 2 + len(lengths)))
    for rec, n in zip(got, lengths, strict=True):
        if n <= LIMIT:
            assert rec.fields is not None and len(",".join(rec.fields).encode()) == n
        else:
            assert rec.reject is not None and rec.reject.reason == LINE_REASON, rec.start


def test_a_record_whose_lines_together_pass_the_limit_costs_its_first_line(
    tmp_path: Path,
) -> None:
    part = b"x" * (LIMIT // 3 + 1)  # three of them pass the limit, two do not
    path = tmp_path / "quote.csv"
    path.write_bytes(b'n,text\n1,ok\n2,"' + part + b"\n" + part + b"\n" + part + b'"\n3,ok\n')
    got = [(r.start, r.fields, r.reject and r.reject.reason) for r in RecordFile(path)]
    assert got[0] == (2, ["1", "ok"], None)
    assert got[1][:2] == (3, None)
    assert got[1][2] is not None and got[1][2].startswith(
        f"record longer than {LIMIT:,} bytes (the limit) over 3 lines (unbalanced quote?)"
    )
    assert [g[0] for g in got[2:]] == [4, 5, 6] and got[-1] == (6, ["3", "ok"], None)


def test_a_first_line_over_the_limit_is_a_file_level_limit_error(tmp_path: Path) -> None:
    for source, name in [("ucdp", "a UCDP GED CSV file"), ("acled", "an ACLED CSV file")]:
        path = tmp_path / f"{source}.csv"
        path.write_bytes(b"a" * (LIMIT + 1) + b"\nmore\n")
        with pytest.raises(LimitError) as info:
            read_events(path, source)
        assert str(info.value) == (
            f"{path}:1: not {name}: its first line has more bytes than {LIMIT:,} (the limit)"
        )
        assert (info.value.file, info.value.line, info.value.limit) == (str(path), 1, LIMIT)
    gdelt = tmp_path / "g.export.CSV"
    gdelt.write_bytes(b"1\t" * LIMIT + b"\n")
    with pytest.raises(LimitError, match="first line has more bytes than"):
        read_events(gdelt, "gdelt")


# --------------------------------------------------------------------------- fields


def test_a_record_of_too_many_fields_is_rejected_and_a_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    where = acled_file(path, 12, {5: b",".join([b"x"] * (MAX_CSV_FIELDS + 100)) + b"\n"})
    batch = read_events(path, "acled")
    assert len(batch.events) == 12
    assert [(r.line, r.field, r.reason) for r in batch.rejects] == [
        (
            where[5],
            "(row)",
            f"{MAX_CSV_FIELDS + 100} fields, more than {MAX_CSV_FIELDS} (the limit)",
        )
    ]
    header = tmp_path / "wide_header.csv"
    header.write_text(",".join(f"c{i}" for i in range(MAX_CSV_FIELDS + 1)) + "\n1\n")
    with pytest.raises(LimitError) as info:
        read_events(header, "acled")
    assert str(info.value) == (
        f"{header}:1: not an ACLED CSV file: its first line has more fields than "
        f"{MAX_CSV_FIELDS} (the limit)"
    )


# --------------------------------------------------------------------------- binary garbage


@pytest.mark.parametrize("source", ["ucdp", "acled"])
def test_random_bytes_inside_a_good_file_are_rejected_and_the_rest_stored(
    store: SQLStore, tmp_path: Path, source: str
) -> None:
    make = ged_file if source == "ucdp" else acled_file
    clean, path = tmp_path / "clean.csv", tmp_path / "garbage.csv"
    make(clean, 80)
    rng = random.Random(9)
    garbage = {30: rng.randbytes(3000) + b"\n", 55: rng.randbytes(3000) + b"\x00\r\n"}
    where = make(path, 80, garbage)
    report = store.ingest(source, path, batch_size=25)
    want = set(read_events(clean, source).events["event_uid"])
    assert len(want) == 80 and set(store.events()["event_uid"]) == want
    assert report.inserted == 80 and report.rejected > 0
    spans = [(where[i], where[i] + garbage[i].count(b"\n") - 1) for i in garbage]
    rejects = store.rejects(file=str(path))
    assert len(rejects) == report.rejected
    assert all(any(a <= line <= b for a, b in spans) for line in rejects["line"]), rejects
    assert store.ingests().iloc[-1]["status"] == "done"


def test_more_unreadable_records_in_a_row_than_the_limit_is_not_the_format(
    store: SQLStore, tmp_path: Path
) -> None:
    junk = b"1,2\n" * MAX_BAD_RECORDS_IN_A_ROW
    ok = tmp_path / "junk.csv"
    where = ged_file(ok, 10, {5: junk})  # as many as the limit: rejects, the rest loads
    batch = read_events(ok, "ucdp")
    assert len(batch.events) == 10 and len(batch.rejects) == MAX_BAD_RECORDS_IN_A_ROW
    bomb = tmp_path / "bomb.csv.gz"
    where = ged_file(bomb, 10, {5: junk + b"1,2\n"})  # one more: the rest is not the format
    with pytest.raises(LimitError) as info:
        store.ingest("ucdp", bomb, batch_size=2000)
    assert str(info.value) == (
        f"{bomb}:{where[5]}: not a UCDP GED CSV file from this line on (expected "
        f"{len(_ged(1)[0])} columns, found 2): more records in a row that cannot be read than "
        f"{MAX_BAD_RECORDS_IN_A_ROW:,} (the limit)"
    )
    run = _last_run(store)
    assert run["status"] == "failed" and run["error"] == f"LimitError: {info.value}"
    assert store.count_events() == 5  # committed with the first junk, in whole batches


# --------------------------------------------------------------------------- no run left running


class FailingSource:
    """The UCDP reader, raising ``exc`` where batch number ``after`` would come."""

    name = "ucdp_ged"

    def __init__(self, exc: BaseException, after: int) -> None:
        self.exc, self.after = exc, after

    def batches(self, path: str | Path, *, batch_size: int = 5000) -> Iterator[Batch]:
        for i, batch in enumerate(UcdpGedSource().batches(path, batch_size=batch_size)):
            if i == self.after:
                raise self.exc
            yield batch

    def read(self, path: str | Path) -> Batch:
        return concat_batches(self.batches(path))


def _last_run(store: SQLStore) -> pd.Series:
    return store.ingests().iloc[-1]


def test_an_interrupted_ingest_is_failed_and_a_rerun_finishes(
    store: SQLStore, tmp_path: Path
) -> None:
    path = tmp_path / "ged.csv"
    ged_file(path, 100)

    def interrupt(rows_read: int) -> None:
        if rows_read >= 40:
            raise KeyboardInterrupt  # Ctrl-C between two batches

    with pytest.raises(KeyboardInterrupt):
        store.ingest("ucdp", path, batch_size=20, progress=interrupt)
    run = _last_run(store)
    assert (run["status"], run["error"], run["rows_read"]) == ("failed", "KeyboardInterrupt", 40)
    assert pd.notna(run["finished_at"]) and store.count_events() == 40
    report = store.ingest("ucdp", path, batch_size=20)
    assert (report.inserted, report.unchanged) == (60, 40) and store.count_events() == 100
    assert store.ingests()["status"].tolist() == ["failed", "done"]


@pytest.mark.parametrize(
    "exc",
    [MemoryError(), LimitError("record too long", limit=1, file="x.csv", line=3)],
    ids=["memory", "limit"],
)
def test_any_error_from_the_reader_fails_the_run(
    store: SQLStore, tmp_path: Path, exc: BaseException
) -> None:
    path = tmp_path / "ged.csv"
    ged_file(path, 100)
    with pytest.raises(type(exc)):
        store.ingest(FailingSource(exc, after=2), path, batch_size=20)
    run = _last_run(store)
    assert run["status"] == "failed" and run["error"].startswith(type(exc).__name__)
    assert store.count_events() == 40


def test_a_gzip_stream_that_breaks_off_fails_the_run_and_keeps_whole_batches(
    store: SQLStore, tmp_path: Path
) -> None:
    full = tmp_path / "full.csv.gz"
    ged_file(full, 3000)  # about 2 MB: the stream breaks off after the first 1 MiB block
    path = tmp_path / "cut.csv.gz"
    data = full.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(EventReadError, match="cannot decompress after line"):
        store.ingest("ucdp", path, batch_size=500)
    run = _last_run(store)
    assert run["status"] == "failed" and "cannot decompress" in run["error"]
    stored = store.count_events()
    assert 0 < stored < 3000 and stored % 500 == 0 and run["inserted"] == stored


def test_a_store_error_fails_the_run_and_a_rerun_finishes(store: SQLStore, tmp_path: Path) -> None:
    path = tmp_path / "ged.csv"
    ged_file(path, 100)
    with store.engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TRIGGER boom BEFORE INSERT ON events WHEN NEW.source_line > 60 "
            "BEGIN SELECT RAISE(ABORT, 'the disk is on fire'); END"
        )
    with pytest.raises(StoreError, match="the disk is on fire") as info:
        store.ingest("ucdp", path, batch_size=20)
    assert str(path) in str(info.value)
    run = _last_run(store)
    assert run["status"] == "failed" and "the disk is on fire" in run["error"]
    committed = store.count_events()
    assert 0 < committed < 100 and run["inserted"] == committed
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER boom")
    report = store.ingest("ucdp", path, batch_size=20)
    assert (report.inserted, report.unchanged) == (100 - committed, committed)
    assert store.ingests()["status"].tolist() == ["failed", "done"]


def test_the_cli_says_a_limit_error_on_one_line_and_the_run_is_failed(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    path = tmp_path / "one_line.csv"
    path.write_bytes(b"a" * (LIMIT + 1) + b"\n")
    result = CliRunner().invoke(cli, ["ingest", "ucdp", str(path), "--db", str(db)])
    assert result.exit_code == 1, result.output
    message = (
        f"{path}:1: not a UCDP GED CSV file: its first line has more bytes than {LIMIT:,} "
        "(the limit)"
    )
    assert [x for x in result.output.splitlines() if x.startswith("error:")] == [
        f"error: {message}"
    ]
    with open_store(db) as s:
        run = _last_run(s)
    assert (run["status"], run["error"]) == ("failed", f"LimitError: {message}")


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_a_killed_cli_ingest_is_closed_by_the_next_run(tmp_path: Path) -> None:
    db = tmp_path / "killed.db"
    open_store(db).close()
    args = ["ingest", "ucdp", BUNDLED_GED_SYRIA, "--db", str(db)]
    child = subprocess.Popen(
        [sys.executable, "-c", CLI_MAIN, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        rows = 0
        while rows == 0 and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            try:
                got = con.execute("SELECT rows_read FROM ingests").fetchone()
            finally:
                con.close()
            rows = got[0] if got else 0
        assert child.poll() is None and 0 < rows < 16566, "the child finished too soon"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    with open_store(db) as s:
        assert s.ingests()["status"].tolist() == ["running"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    with open_store(db) as s:
        runs = s.ingests()
        assert runs["status"].tolist() == ["failed", "done"]
        assert f"process {child.pid}" in runs.iloc[0]["error"] and "killed" in runs.iloc[0]["error"]
        assert s.count_events() == 16566


# --------------------------------------------------------------------------- a gigabyte line

_CAPPED = """
import resource, subprocess, sys
cap = {cap}
def limit():
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
r = subprocess.run(sys.argv[1:], preexec_fn=limit, capture_output=True, text=True, timeout=400)
sys.stdout.write(r.stdout)
sys.stderr.write(r.stderr)
sys.exit(r.returncode)
"""


def _gigabyte_gzip(path: Path, before: bytes, after: bytes) -> None:
    """``before``, a line of 2**30 bytes ``a``, ``after``: gzip members in a row (a 16 MiB
    member written 64 times), about 1 MB on disk."""
    member = gzip.compress(b"a" * (1 << 24), compresslevel=9, mtime=0)
    with path.open("wb") as fh:
        fh.write(gzip.compress(before, mtime=0))
        for _ in range(64):
            fh.write(member)
        fh.write(gzip.compress(b"\n" + after, mtime=0))


def _capped_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``ceasefire *args`` in a child whose address space is capped at 1.5 GB."""
    script = tmp_path / "capped.py"
    script.write_text(_CAPPED.format(cap=1_500_000_000), encoding="utf-8")
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, str(script), sys.executable, "-c", CLI_MAIN, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS")
def test_a_gigabyte_line_in_a_megabyte_gzip_is_read_in_bounded_memory(tmp_path: Path) -> None:
    db = tmp_path / "big.db"
    # the report of issue 9: the whole file one line
    alone = tmp_path / "one_line.csv.gz"
    _gigabyte_gzip(alone, b"", b"")
    assert alone.stat().st_size < 3_000_000
    result = _capped_cli(tmp_path, "ingest", "ucdp", str(alone), "--db", str(db))
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "MemoryError" not in result.stderr
    assert f"error: {alone}:1: not a UCDP GED CSV file: its first line has more bytes than " in (
        result.stderr
    )
    with open_store(db) as s:
        run = _last_run(s)
    assert run["status"] == "failed" and f"{LIMIT:,} (the limit)" in run["error"]
    # a good file with the gigabyte line in the middle: one reject, the rest stored
    header, rows = _ged(20)
    middle = tmp_path / "middle.csv.gz"
    _gigabyte_gzip(
        middle,
        _csv_bytes(header) + b"".join(map(_csv_bytes, rows[:10])),
        b"".join(map(_csv_bytes, rows[10:])),
    )
    result = _capped_cli(tmp_path, "ingest", "ucdp", str(middle), "--db", str(db))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "21 rows read, 20 new, 0 updated, 0 unchanged, 1 rejected" in result.stdout
    with open_store(db) as s:
        (reject,) = s.rejects(file=str(middle)).itertuples()
        assert (reject.field, reject.reason) == ("(row)", LINE_REASON)
        assert reject.value == "a" * 200
        assert _last_run(s)["status"] == "done" and s.count_events() == 20


# --------------------------------------------------------------------------- news input


def test_an_article_is_refused_by_the_bytes_read_not_only_by_its_size() -> None:
    from ceasefire.news.article import ArticleSizeError, read_article

    zero = Path("/dev/zero")  # no size to stat: only reading tells
    if not zero.exists():
        pytest.skip("no /dev/zero")
    with pytest.raises(ArticleSizeError) as info:
        read_article(zero)
    assert str(info.value).startswith(
        f"/dev/zero: {MAX_TEXT_BYTES + 1:,} bytes, more than {MAX_TEXT_BYTES:,} (the limit)"
    )
    assert isinstance(info.value, LimitError) and info.value.limit == MAX_TEXT_BYTES


def test_text_in_memory_over_the_limit_is_refused_before_it_is_encoded() -> None:
    from ceasefire.news.article import ArticleSizeError, clean_text, parse_html

    with pytest.raises(ArticleSizeError, match=r"more than 10,000,000 \(the limit\)"):
        clean_text("a" * (MAX_TEXT_BYTES + 1))
    with pytest.raises(ArticleSizeError, match=r"more than 10,000,000 \(the limit\)"):
        parse_html("é" * (MAX_TEXT_BYTES // 2 + 1))  # fewer characters than bytes


def test_the_news_cli_refuses_an_endless_file_on_one_line(tmp_path: Path) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    result = CliRunner().invoke(cli, ["news", "extract", "/dev/zero", "--published", "2020-03-05"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [
        f"error: /dev/zero: {MAX_TEXT_BYTES + 1:,} bytes, more than {MAX_TEXT_BYTES:,} "
        f"(the limit) ({MAX_TEXT_BYTES + 1})"
    ]


def test_deeply_nested_html_gives_a_clear_error_or_a_result() -> None:
    pytest.importorskip("trafilatura")
    from ceasefire.news.article import ArticleError, parse_html

    page = (DATA.parent / "news" / "idlib_truce_ap_style.html").read_text(encoding="utf-8")
    body = page.split("<body>", 1)[1].split("</body>", 1)[0]
    deep = 100_000
    inside = "<html><body>" + "<div>" * deep + body + "</div>" * deep + "</body></html>"
    with pytest.raises(ArticleError) as info:
        parse_html(inside)
    assert "deeper than 256 (the HTML parser's limit)" in str(info.value)
    after = page.replace("</body>", "<div>" * deep + "x" + "</div>" * deep + "</body>", 1)
    article = parse_html(after)
    assert "Russia, Turkey agree on cease-fire" in article.text


def test_text_longer_than_the_language_model_reads_is_refused_by_name() -> None:
    pytest.importorskip("spacy")
    from datetime import date

    from ceasefire.news.article import ArticleSizeError, clean_text
    from ceasefire.news.extraction import extract

    text = (DATA.parent / "news" / "bloomberg_putin_erdogan_2020-03-05.txt").read_text("utf-8")
    head, body = text.split("\n\n", 1)
    article = clean_text(head + "\n\n" + "\n\n".join([body] * (2_000_000 // len(body))))
    assert len(article.text) > 1_000_000
    with pytest.raises(ArticleSizeError, match=r"more than the language model reads: 1,000,000"):
        extract(article, published=date(2020, 3, 5))
