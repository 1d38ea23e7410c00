"""A bounded soak: mixed reads, writes, evaluations, an ingest and report submissions on one
SQLite store at once, then the store is checked to the row.

Threads, as a team server sees them: two readers (events, verdicts, aggregates, reports, the
dashboard's pages) and two monitors submitting and editing field reports through the app
(one ``TestClient``: the app's worker threads share its engine, as under uvicorn), an analyst
reviewing verdicts, an ingest of 200 real UCDP rows through a store of its own (a second
process would do the same: ``ceasefire ingest``), and an evaluator running
``monitoring.evaluate_store`` again and again through a third. Once the ingest is done the
evaluator runs a last evaluation while the monitors still submit, and they stop after it.

Then: ``PRAGMA integrity_check`` is ``ok``; reports submitted == stored == ``report.create``
audit rows; edits == ``report.update`` rows; reviews == stored == ``review.create`` rows;
events == the store's own + distinct ingested + reports; no ingest left ``running``; and every
event has its full verdict set, once: the same (event, agreement, provision) keys as a fresh
``evaluate_store`` of a copy of the finished store gives.

The counts are bounded (``CEASEFIRE_FUZZ=long`` runs five times the operations); the whole
test takes 20-40 s on two busy cores.
"""

from __future__ import annotations

import gzip
import os
import random
import sqlite3
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

import pytest
from fastapi.testclient import TestClient
from web_api_store import build

from ceasefire import monitoring
from ceasefire.store import open_store, workspace
from ceasefire.web import create_app

SCALE: Final = 5 if os.environ.get("CEASEFIRE_FUZZ") == "long" else 1
REPORTS_PER_MONITOR: Final = 5 * SCALE
REVIEWS: Final = 8 * SCALE
UCDP_ROWS: Final = 200
#: Evaluations at least, before the last one (which starts once the ingest is in).
EVALUATIONS: Final = 3 * SCALE
#: A bound on the whole soak: a thread still running after it is a failure (a deadlock).
TIME_LIMIT_S: Final = 240.0 * SCALE

READS: Final = (
    "/api/events?limit=50",
    "/api/events?limit=20&verdict=violation&sort=fatalities&order=desc",
    "/api/verdicts?limit=50",
    "/api/verdicts?limit=20&agreement=moscow-2020&verdict=possible_violation",
    "/api/aggregates?by=day",
    "/api/aggregates?by=party",
    "/api/reports?limit=20",
    "/api/rejects?limit=10",
    "/api/events.geojson?bbox=36.0,35.3,37.0,36.3",
    "/",
    "/violations",
    "/agreements/moscow-2020",
)


def _ucdp_rows(path: Path, n: int) -> Path:
    """The bundled UCDP file's header and first ``n`` rows, as a plain CSV."""
    with gzip.open(monitoring.BUNDLED_UCDP, "rt", encoding="utf-8", newline="") as f:
        lines = [f.readline() for _ in range(n + 1)]
    path.write_text("".join(lines), encoding="utf-8", newline="")
    return path


def _report(rng: random.Random, i: int) -> dict[str, Any]:
    return {
        "observed_at": f"2020-03-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:30:00+02:00",
        "latitude": round(35.6 + rng.random() * 0.4, 5),
        "longitude": round(36.3 + rng.random() * 0.6, 5),
        "observation": rng.choice(["seen", "heard"]),
        "event_type": rng.choice(["Explosions/Remote violence", "Battles"]),
        "bearing_deg": rng.randint(0, 359),
        "distance_band": rng.choice(["0-1km", "1-3km", "3-10km"]),
        "fatalities": rng.randint(0, 3),
        "text": f"soak report {i}",
    }


class Soak:
    """The shared state of the threads: what each did, and what went wrong."""

    def __init__(self, db: Path, client: TestClient, tokens: dict[str, dict[str, str]]) -> None:
        self.db = db
        self.client = client
        self.tokens = tokens
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.errors: list[str] = []
        self.ingest_done = threading.Event()
        self.last_evaluation_done = threading.Event()
        self.writers_done = threading.Event()
        self.ingested_uids: set[str] = set()

    def count(self, what: str, n: int = 1) -> None:
        with self.lock:
            self.counts[what] += n

    def error(self, what: str) -> None:
        with self.lock:
            self.errors.append(what)

    def request(self, method: str, url: str, role: str | None, **kw: Any) -> Any:
        """One request; a 503 (the store's lock held past its busy timeout: nothing written)
        is tried again, as a client should, and counted; any other 5xx is an error."""
        headers = self.tokens[role] if role else {}
        for _ in range(5):
            r = self.client.request(method, url, headers=headers, **kw)
            if r.status_code != 503:
                break
            self.count("busy")
        if r.status_code >= 500:
            self.error(f"{method} {url} -> {r.status_code}: {r.text[:300]}")
        return r

    def run(self, name: str, body: Callable[[], None]) -> threading.Thread:
        def guarded() -> None:
            try:
                body()
            except BaseException:
                self.error(f"thread {name}: {traceback.format_exc()}")

        t = threading.Thread(target=guarded, name=name, daemon=True)
        t.start()
        return t


# ---------------------------------------------------------------------------------- threads


def reader(soak: Soak, seed: int) -> None:
    rng = random.Random(seed)
    while not soak.writers_done.is_set():
        url = rng.choice(READS)
        r = soak.request("GET", url, None)
        if r.status_code != 200:
            soak.error(f"GET {url} -> {r.status_code}: {r.text[:200]}")
        soak.count("reads")
        time.sleep(0.1)  # a reader thinks between requests; a tight loop only starves the GIL


def monitor(soak: Soak, role: str, seed: int) -> None:
    rng = random.Random(seed)
    mine: list[int] = []
    i = 0
    # at least REPORTS_PER_MONITOR, and on until the last evaluation is over (to overlap it)
    while i < REPORTS_PER_MONITOR or not soak.last_evaluation_done.is_set():
        r = soak.request("POST", "/api/reports", role, json=_report(rng, i))
        if r.status_code == 201:
            soak.count("reports")
            mine.append(int(r.json()["id"]))
        else:
            soak.error(f"report -> {r.status_code}: {r.text[:300]}")
        if mine and rng.random() < 0.3:
            rid = rng.choice(mine)
            r = soak.request("PATCH", f"/api/reports/{rid}", role, json={"fatalities": i % 5 + 1})
            if r.status_code == 200:
                soak.count("edits")
            else:
                soak.error(f"edit -> {r.status_code}: {r.text[:300]}")
        i += 1
        if i > 20 * REPORTS_PER_MONITOR:
            soak.error("the last evaluation never finished")
            return


def analyst(soak: Soak, seed: int) -> None:
    rng = random.Random(seed)
    done = 0
    while done < REVIEWS:
        items = soak.request("GET", "/api/verdicts?limit=100", "analyst").json()["items"]
        v = rng.choice(items)
        body = {
            "agreement": v["agreement_id"],
            "provision": v["provision_id"],
            "event_uid": v["event_uid"],
            "status": rng.choice(["confirmed", "disputed"]),
            "note": f"soak review {done}",
        }
        r = soak.request("POST", "/api/verdicts/review", "analyst", json=body)
        if r.status_code == 201:
            soak.count("reviews")
            done += 1
        elif r.status_code != 404:  # a verdict replaced since it was read: try another
            soak.error(f"review -> {r.status_code}: {r.text[:300]}")


def ingester(soak: Soak, csv: Path) -> None:
    try:
        with open_store(soak.db) as store:
            report = store.ingest("ucdp", csv, batch_size=100)
            soak.count("ingested", report.inserted)
            frame = store.events()
            soak.ingested_uids = set(frame.loc[frame["source_dataset"] == "ucdp_ged", "event_uid"])
    finally:
        soak.ingest_done.set()


def evaluator(soak: Soak) -> None:
    with open_store(soak.db) as store:
        try:
            done = 0
            while not soak.ingest_done.is_set() or done < EVALUATIONS:
                monitoring.evaluate_store(store)
                soak.count("evaluations")
                done += 1
            monitoring.evaluate_store(store)  # the last: the ingest is in, reports still come
            soak.count("evaluations")
        finally:
            soak.last_evaluation_done.set()


# ------------------------------------------------------------------------------------ the test


@pytest.fixture
def soak(tmp_path: Path) -> Iterator[Soak]:
    db = build(tmp_path / "soak.db")
    app = create_app(db)
    with TestClient(app, raise_server_exceptions=False) as client:
        engine = app.state.store.engine
        tokens = {}
        for name in ("monitor", "monitor2", "analyst"):
            user = workspace.user_by_name(engine, name)
            assert user is not None
            tokens[name] = {"Authorization": "Bearer " + workspace.create_token(engine, user)}
        yield Soak(db, client, tokens)
    app.state.store.close()


def _rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _copy(db: Path, to: Path) -> Path:
    """A copy of a live WAL-mode database (the backup API reads the WAL too)."""
    src, dst = sqlite3.connect(db), sqlite3.connect(to)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return to


def _verdict_keys(db: Path) -> set[tuple[str, str, str]]:
    return set(_rows(db, "SELECT event_uid, agreement_id, provision_id FROM verdicts"))


def test_mixed_load_on_one_store_leaves_it_whole_and_counted(soak: Soak, tmp_path: Path) -> None:
    base_events = _rows(soak.db, "SELECT count(*) FROM events")[0][0]
    csv = _ucdp_rows(tmp_path / "ged_head.csv", UCDP_ROWS)
    started = time.monotonic()
    writers = [
        soak.run("ingest", lambda: ingester(soak, csv)),
        soak.run("evaluate", lambda: evaluator(soak)),
        soak.run("monitor", lambda: monitor(soak, "monitor", 1)),
        soak.run("monitor2", lambda: monitor(soak, "monitor2", 2)),
        soak.run("analyst", lambda: analyst(soak, 3)),
    ]
    readers = [soak.run(f"reader{i}", lambda i=i: reader(soak, 10 + i)) for i in range(2)]
    for t in writers:
        t.join(max(1.0, TIME_LIMIT_S - (time.monotonic() - started)))
    soak.writers_done.set()
    for t in readers:
        t.join(30)
    stuck = [t.name for t in writers + readers if t.is_alive()]
    assert not stuck, f"threads still running after {TIME_LIMIT_S:.0f} s: {stuck}"
    assert not soak.errors, "\n".join(soak.errors[:10])
    counts = soak.counts
    print(f"soak: {dict(counts)} in {time.monotonic() - started:.1f} s")
    assert counts["evaluations"] >= 2 and counts["reads"] > 0, counts

    db = soak.db
    assert _rows(db, "PRAGMA integrity_check") == [("ok",)]
    actions = dict(_rows(db, "SELECT action, count(*) FROM audit_log GROUP BY action"))
    stored_reports = _rows(db, "SELECT count(*) FROM field_reports")[0][0]
    assert counts["reports"] == stored_reports == actions.get("report.create", 0), (
        counts,
        actions,
    )
    assert counts["edits"] == actions.get("report.update", 0), (counts, actions)
    stored_reviews = _rows(db, "SELECT count(*) FROM reviews")[0][0]
    assert counts["reviews"] == stored_reviews == actions.get("review.create", 0)
    events = _rows(db, "SELECT count(*) FROM events")[0][0]
    assert counts["ingested"] == len(soak.ingested_uids) > 0
    assert events == base_events + len(soak.ingested_uids) + stored_reports
    statuses = dict(_rows(db, "SELECT status, count(*) FROM ingests GROUP BY status"))
    assert "running" not in statuses, statuses

    # every event has its full verdict set, once: what a fresh evaluation of the same store
    # gives (the primary key makes "once"; the set comparison makes "full")
    fresh = _copy(db, tmp_path / "fresh.db")
    with open_store(fresh) as store:
        monitoring.evaluate_store(store)
    have, want = _verdict_keys(db), _verdict_keys(fresh)
    missing = sorted(want - have)
    assert not missing, f"{len(missing)} verdicts missing, e.g. {missing[:5]} ({counts})"
    assert have == want, (
        f"{len(have - want)} verdicts no evaluation gives: {sorted(have - want)[:5]}"
    )
