"""Ingest: idempotent, versioned, batched, crash-safe; bad rows go to rejects.

:class:`CsvSource` is a small but real reader (the :class:`ceasefire.sources.Source` protocol)
of a toy CSV format, so these tests do not depend on any one dataset. The tests with the real
UCDP reader and file are in ``test_store_ucdp.py``.
"""

from __future__ import annotations

import csv
import os
import select
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from store_helpers import Reject

from ceasefire.errors import EventReadError
from ceasefire.events import content_hash, day_window, normalise_events
from ceasefire.store import IngestReport, SQLStore, open_store

HEADER = ["id", "date", "lat", "lon", "deaths", "side_a", "side_b", "where"]


@dataclass
class Batch:
    events: pd.DataFrame
    rejects: list[Reject] = field(default_factory=list)
    first_line: int = 1
    last_line: int = 0


class CsvSource:
    """Reader of the toy format ``id,date,lat,lon,deaths,side_a,side_b,where``."""

    name = "toy"

    def __init__(self, fail_after_batches: int | None = None) -> None:
        self.fail_after_batches = fail_after_batches

    def batches(self, path: str | Path, *, batch_size: int = 5000) -> Iterator[Batch]:
        file = str(path)
        rows: list[dict[str, object]] = []
        rejects: list[Reject] = []
        first = 2
        n_batches = 0
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            next(reader)
            line = 1
            for line, rec in enumerate(reader, start=2):
                row = self._parse(file, line, rec, rejects)
                if row is not None:
                    rows.append(row)
                if line - first + 1 >= batch_size:
                    yield self._batch(rows, rejects, first, line)
                    n_batches += 1
                    if self.fail_after_batches is not None and n_batches >= self.fail_after_batches:
                        raise OSError("disk went away")
                    rows, rejects, first = [], [], line + 1
        if line >= first:
            yield self._batch(rows, rejects, first, line)

    def read(self, path: str | Path) -> Batch:
        parts = list(self.batches(path, batch_size=10**9))
        return parts[0] if parts else Batch(normalise_events(pd.DataFrame()))

    @staticmethod
    def _parse(file: str, line: int, rec: list[str], rejects: list[Reject]) -> dict | None:
        if len(rec) != len(HEADER):
            rejects.append(Reject(file, line, "(row)", ",".join(rec), "wrong number of fields"))
            return None
        raw = dict(zip(HEADER, rec, strict=True))
        bad = False
        try:
            lat = float(raw["lat"])
            if not -90 <= lat <= 90:
                raise ValueError
        except ValueError:
            rejects.append(Reject(file, line, "lat", raw["lat"], "not a latitude"))
            bad = True
        try:
            deaths = int(raw["deaths"])
        except ValueError:
            rejects.append(Reject(file, line, "deaths", raw["deaths"], "not a whole number"))
            bad = True
        if bad:
            return None
        return {
            "event_uid": f"toy:{raw['id']}",
            "source_dataset": "toy",
            "source_row_id": raw["id"],
            "event_date": raw["date"],
            "latitude": lat,
            "longitude": float(raw["lon"]),
            "fatalities": deaths,
            "actor1": raw["side_a"],
            "actor2": raw["side_b"] or None,
            "location": raw["where"],
            "source_file": file,
            "source_line": line,
            "content_hash": content_hash(rec),
        }

    @staticmethod
    def _batch(
        rows: list[dict[str, object]], rejects: list[Reject], first: int, last: int
    ) -> Batch:
        frame = pd.DataFrame(rows, columns=list(rows[0]) if rows else ["event_date"])
        if rows:
            frame["time_start"], frame["time_end"] = day_window(frame["event_date"])
        return Batch(normalise_events(frame), list(rejects), first, last)


def write_toy(path: Path, n: int, *, bad_every: int = 0, dup_every: int = 0) -> dict[str, Any]:
    """Write ``n`` data rows (ids 0..n-1); every ``bad_every``-th has a bad latitude, every
    ``dup_every``-th repeats the previous row's id. Returns what a reader should make of it."""
    bad = dup = 0
    uids: set[str] = set()
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        prev_ok = False
        for i in range(n):
            lat, rid = "35.5", i
            if bad_every and i % bad_every == bad_every - 1:
                lat, bad = "north", bad + 1
            elif dup_every and i % dup_every == dup_every - 1 and prev_ok:
                rid, dup = i - 1, dup + 1
            else:
                uids.add(f"toy:{rid}")
            prev_ok = lat != "north"
            day = f"2016-{1 + i % 12:02d}-{1 + i % 28:02d}"
            w.writerow(
                [rid, day, lat, 36.0 + i / 1e5, i % 7, "Government of Syria", "IS", f"Village {i}"]
            )
    return {"rows": n, "bad": bad, "dup": dup, "loaded": n - bad - dup, "uids": uids}


@pytest.fixture
def store(new_store: Callable[..., str]) -> Iterator[SQLStore]:
    s = open_store(new_store("store"))  # SQLite, then PostgreSQL
    yield s
    s.close()


def test_ingest_loads_good_rows_and_rejects_bad_ones(store: SQLStore, tmp_path: Path) -> None:
    path = tmp_path / "toy.csv"
    counts = write_toy(path, 100, bad_every=10)
    with open(path, "a", encoding="utf-8") as f:
        f.write("999,2016-01-01,35,36,many,GoS,,Nowhere\n")  # line 102
        f.write("1000,2016-01-01\n")  # line 103
    done: list[int] = []
    report = store.ingest(CsvSource(), path, batch_size=25, progress=done.append)
    assert report == IngestReport(report.ingest_id, str(path), 102, 90, 0, 0, 12)
    assert done == [25, 50, 75, 100, 102]
    assert store.count_events() == 90
    rej = store.rejects(file=str(path))
    assert len(rej) == 12
    first = rej.iloc[0]
    assert (first["line"], first["field"], first["value"], first["reason"]) == (
        11,
        "lat",
        "north",
        "not a latitude",
    )
    assert rej.iloc[-2][["line", "field", "value"]].tolist() == [102, "deaths", "many"]
    assert rej.iloc[-1][["line", "field"]].tolist() == [103, "(row)"]
    assert (rej["ingest_id"] == report.ingest_id).all()
    ing = store.ingests().iloc[0]
    assert ing["status"] == "done" and ing["source"] == "toy" and ing["rows_read"] == 102
    assert (ing["inserted"], ing["rejected"]) == (90, 12)
    assert pd.notna(ing["finished_at"]) and len(ing["file_sha256"]) == 64
    assert counts["loaded"] == 90


def test_reingesting_the_same_file_adds_nothing(store: SQLStore, tmp_path: Path) -> None:
    path = tmp_path / "toy.csv"
    write_toy(path, 300, bad_every=7)
    first = store.ingest(CsvSource(), path, batch_size=50)
    events, rejects = store.events(), store.rejects()
    again = store.ingest(CsvSource(), path, batch_size=64)  # batching does not matter
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, first.inserted)
    assert again.rejected == first.rejected == len(rejects)
    pd.testing.assert_frame_equal(store.events(), events)
    pd.testing.assert_frame_equal(store.rejects(), rejects)  # no new rejects
    assert store.ingests()["status"].tolist() == ["done", "done"]


def test_a_changed_file_updates_rows_and_keeps_old_versions(
    store: SQLStore, tmp_path: Path
) -> None:
    path = tmp_path / "toy.csv"
    write_toy(path, 50)
    store.ingest(CsvSource(), path)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5].replace(",Village 4", ",Village 4 (revised)")  # id 4
    lines.append("50,2016-02-02,35.1,36.1,3,GoS,,New place")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = store.ingest(CsvSource(), path)
    assert (report.inserted, report.updated, report.unchanged) == (1, 1, 49)
    now = store.events(uids=["toy:4"])
    assert now.loc[0, "location"] == "Village 4 (revised)" and now.loc[0, "version"] == 2
    old = store.event_versions("toy:4")
    assert old["location"].tolist() == ["Village 4"] and old["version"].tolist() == [1]
    assert store.ingest(CsvSource(), path).unchanged == 51


def test_repeated_ids_across_batches_are_rejected_and_rerun_is_idempotent(
    store: SQLStore, tmp_path: Path
) -> None:
    path = tmp_path / "toy.csv"
    counts = write_toy(path, 80, dup_every=9)
    report = store.ingest(CsvSource(), path, batch_size=4)  # the repeats straddle batches
    assert report.inserted == counts["loaded"] and report.rejected == counts["dup"]
    rej = store.rejects()
    assert (rej["field"] == "event_uid").all() and rej["reason"].str.contains("duplicate").all()
    again = store.ingest(CsvSource(), path, batch_size=7)
    assert (again.inserted, again.updated, again.rejected) == (0, 0, counts["dup"])
    assert len(store.rejects()) == counts["dup"]
    assert store.events(uids=["toy:7"]).loc[0, "location"] == "Village 7"  # the first one wins


def test_a_failing_ingest_keeps_committed_batches_and_is_marked_failed(
    store: SQLStore, tmp_path: Path
) -> None:
    path = tmp_path / "toy.csv"
    write_toy(path, 100, bad_every=10)
    with pytest.raises(OSError, match="disk went away"):
        store.ingest(CsvSource(fail_after_batches=2), path, batch_size=20)
    assert store.count_events() == 36  # two batches of 20 rows, 2 bad in each
    ing = store.ingests().iloc[0]
    assert ing["status"] == "failed" and "disk went away" in ing["error"]
    assert (ing["rows_read"], ing["inserted"], ing["rejected"]) == (40, 36, 4)
    report = store.ingest(CsvSource(), path, batch_size=20)
    assert (report.inserted, report.unchanged, report.rejected) == (54, 36, 10)
    assert len(store.rejects()) == 10


def test_missing_file_raises_event_read_error(store: SQLStore, tmp_path: Path) -> None:
    with pytest.raises(EventReadError, match="no such file"):
        store.ingest(CsvSource(), tmp_path / "nope.csv")
    assert store.ingests().empty


def test_add_events_counts_into_an_ingest(store: SQLStore, tmp_path: Path) -> None:
    path = tmp_path / "toy.csv"
    write_toy(path, 10)
    batch = CsvSource().read(path)
    first = store.ingest(CsvSource(), path)
    assert first.ingest_id is not None
    extra = batch.events.iloc[:3].assign(
        event_uid=lambda f: f["event_uid"] + "x", content_hash=None
    )
    report = store.add_events(extra, ingest_id=first.ingest_id)
    assert report.inserted == 3 and report.ingest_id == first.ingest_id
    assert store.ingests().iloc[0]["inserted"] == 13


# ------------------------------------------------------------------ crash safety

CHILD = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {tests!r})
    from ceasefire.store import open_store
    {make_source}
    store = open_store({db!r})
    store.ingest(source, {path!r}, batch_size={batch_size},
                 progress=lambda n: print(n, flush=True))
    print("done", flush=True)
    """
)


def run_and_kill(
    tmp_path: Path, db: Path, path: Path, make_source: str, *, batch_size: int, after: int = 1
) -> int:
    """Run an ingest in a child process, SIGKILL it after ``after`` committed batches while it
    is still running; return how many events the child had reported committed."""
    script = tmp_path / "child.py"
    script.write_text(
        CHILD.format(
            tests=str(Path(__file__).parent),
            make_source=make_source,
            db=str(db),
            path=str(path),
            batch_size=batch_size,
        ),
        encoding="utf-8",
    )
    err = open(tmp_path / "child.err", "w+b")  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=err)
    try:
        assert proc.stdout is not None
        seen: list[str] = []
        while len(seen) < after:
            ready, _, _ = select.select([proc.stdout], [], [], 60)
            line = proc.stdout.readline().decode().strip() if ready else ""
            if not line:
                err.seek(0)
                pytest.fail(f"child gave no progress: {err.read().decode()[-2000:]}")
            seen.append(line)
        assert "done" not in seen and proc.poll() is None, "the child finished too soon"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        return int(seen[-1])
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
        err.close()


def check_after_kill(db: Path, *, at_least: int, total: int) -> int:
    """The killed database opens cleanly and holds a consistent partial load; its count."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        (count,) = con.execute("SELECT COUNT(*) FROM events").fetchone()
        status, inserted, rows_read = con.execute(
            "SELECT status, inserted, rows_read FROM ingests"
        ).fetchone()
    finally:
        con.close()
    assert at_least <= rows_read < total
    assert 0 < count < total
    # counters commit with their batch: they match what is stored exactly
    assert status == "running" and inserted == count
    return int(count)


def check_rerun(
    store: SQLStore,
    run: Callable[[], IngestReport],
    *,
    partial: int,
    uids: set[str],
    n_rejects: int,
) -> IngestReport:
    report = run()
    assert report.inserted == len(uids) - partial and report.unchanged == partial
    assert store.count_events() == len(uids)
    assert set(store.events()["event_uid"]) == uids
    with store.engine.connect() as conn:
        dupes = conn.exec_driver_sql(
            "SELECT event_uid FROM events GROUP BY event_uid HAVING COUNT(*) > 1"
        ).all()
        (n_stored_rejects,) = conn.exec_driver_sql("SELECT COUNT(*) FROM rejects").one()
    assert dupes == [] and n_stored_rejects == n_rejects
    ingests = store.ingests()
    assert ingests["status"].tolist() == ["failed", "done"]
    assert "killed" in ingests.iloc[0]["error"]
    return report


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_an_ingest_killed_mid_way_recovers_on_rerun(tmp_path: Path) -> None:
    db, path = tmp_path / "crash.db", tmp_path / "big.csv"
    counts = write_toy(path, 8000, bad_every=97, dup_every=501)
    open_store(db).close()
    committed = run_and_kill(
        tmp_path,
        db,
        path,
        "from test_store_ingest import CsvSource; source = CsvSource()",
        batch_size=400,
        after=2,
    )
    partial = check_after_kill(db, at_least=committed, total=counts["rows"])
    uids = counts["uids"]
    assert len(uids) == counts["loaded"] and counts["bad"] and counts["dup"]
    with open_store(db) as store:
        report = check_rerun(
            store,
            lambda: store.ingest(CsvSource(), path, batch_size=1000),
            partial=partial,
            uids=uids,
            n_rejects=counts["bad"] + counts["dup"],
        )
        assert report.rejected == counts["bad"] + counts["dup"]


def test_only_dead_runs_on_this_host_are_marked_failed(store: SQLStore) -> None:
    import socket

    from sqlalchemy import insert

    from ceasefire.store import schema

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    rows = [
        ("alive", socket.gethostname(), os.getppid()),
        ("dead", socket.gethostname(), dead.pid),
        ("elsewhere", "another-host.example", dead.pid),
    ]
    with store.engine.begin() as conn:
        for file, host, pid in rows:
            conn.execute(
                insert(schema.ingests).values(
                    source="toy",
                    file=file,
                    file_sha256="0" * 64,
                    started_at=schema.now_utc(),
                    status="running",
                    host=host,
                    pid=pid,
                )
            )
    assert store.fail_dead_ingests() == 1
    got = store.ingests().set_index("file")["status"].to_dict()
    assert got == {"alive": "running", "dead": "failed", "elsewhere": "running"}


def test_an_empty_frame_is_a_no_op(store: SQLStore) -> None:
    from ceasefire.events import empty_events

    assert store.add_events(empty_events()) == IngestReport(None, "", 0, 0, 0, 0, 0)
    assert store.count_events() == 0
