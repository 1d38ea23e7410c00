"""No lost verdicts (issue 9, item 1): evaluations and the other writers on one store at once.

An evaluation reads the events, computes for a while, then stores. Field reports (each judged
in its own write transaction) and ingests (which delete the verdicts of the events they change)
may commit in between. Afterwards every event must hold one verdict per provision of every
evaluated agreement, each for the event's current version, and ``count_unevaluated`` must name
exactly the events that do not.

Real parts only: real SQLite files, the real ASGI app through ``TestClient`` (one per client
thread), the real engine through ``monitoring.evaluate_store`` (in a second process for the
load test, as an overlapping ``ceasefire evaluate`` would be), the real ingest.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from test_store import make_events
from web_api_store import build, copy, events_frame

from ceasefire import monitoring
from ceasefire.compliance import evaluate
from ceasefire.store import MIGRATIONS, SQLStore, migrate, open_store, workspace
from ceasefire.store.engine import create_store_engine, write_transaction
from ceasefire.store.ingest import add_events
from ceasefire.web import create_app

ARIHA = (36.61, 35.83)  # inside the Idlib area and the M4 corridor
# Each report holds the write lock while its event is judged (see ceasefire.web.reports), so
# reports are stored one at a time; more clients only queue longer for the lock. SQLite's busy
# wait is not fair (a newcomer retries within milliseconds, a long waiter every 100 ms): on a
# loaded machine, with many clients, one writer can wait past its busy timeout (30 s) and get
# "store is locked". Three clients that pause between reports, and an evaluator that may wait
# longer (a batch job), keep every wait well under it. Pacing, not a timing check.
N_CLIENTS = 3
N_EACH = 20  # 60 reports in all
PAUSE_S = 0.2
N_REPORTS = N_CLIENTS * N_EACH


@pytest.fixture(scope="module")
def base_db(new_store: Callable[..., str]) -> Any:
    return build(new_store("base"))  # SQLite, then PostgreSQL


@pytest.fixture
def db(base_db: Path, tmp_path: Path) -> Path:
    return copy(base_db, tmp_path / "store.db")


def _raw(db: Path | str, sql: str) -> list[tuple[Any, ...]]:
    """Rows of plain SQL, read outside the store's code (SQLite or PostgreSQL)."""
    engine = create_store_engine(db)
    try:
        with engine.connect() as con:
            return [tuple(r) for r in con.exec_driver_sql(sql)]
    finally:
        engine.dispose()


def _pairs(db: Path) -> set[tuple[str, str]]:
    """Every (agreement, provision) an evaluation judges events by."""
    return set(_raw(db, "SELECT DISTINCT agreement_id, provision_id FROM verdicts"))


def _stale_or_missing(db: Path, pairs: set[tuple[str, str]]) -> dict[str, str]:
    """Events whose verdicts are not exactly one per pair for their current version: uid ->
    what is wrong."""
    current: dict[str, set[tuple[str, str]]] = {}
    wrong: dict[str, str] = {}
    for uid, version, agreement, provision, judged in _raw(
        db,
        "SELECT e.event_uid, e.version, v.agreement_id, v.provision_id, v.event_version "
        "FROM events e LEFT JOIN verdicts v ON v.event_uid = e.event_uid",
    ):
        current.setdefault(uid, set())
        if agreement is None:
            continue
        if judged != version:
            wrong[uid] = f"a verdict of version {judged}, the event is at {version}"
        current[uid].add((agreement, provision))
    for uid, got in current.items():
        if uid not in wrong and got != pairs:
            wrong[uid] = f"{len(got)} of {len(pairs)} verdicts, missing {sorted(pairs - got)}"
    return wrong


#: Each field report's verdicts that judged its event's current version.
_REPORT_VERDICTS = (
    "SELECT v.event_uid, v.agreement_id, v.provision_id FROM verdicts v "
    "JOIN events e ON e.event_uid = v.event_uid "
    "WHERE e.source_dataset = 'field_report' AND v.event_version = e.version"
)


def _token(store: SQLStore, name: str) -> str:
    user = workspace.user_by_name(store.engine, name)
    assert user is not None
    return workspace.create_token(store.engine, user)


def _report(i: int) -> dict[str, Any]:
    return {
        "observed_at": f"2020-03-07T{10 + i % 10:02d}:{i % 60:02d}:00+02:00",
        "latitude": ARIHA[1] + (i % 7) * 0.01,
        "longitude": ARIHA[0] + (i % 5) * 0.01,
        "observation": "heard",
        "event_type": "Explosions/Remote violence",
        "bearing_deg": (i * 37) % 360,
        "distance_band": "0-1km",
        "fatalities": i % 3,
        "text": f"report {i}",
    }


# ------------------------------------------------------------ field reports while evaluating


#: A second process evaluating the store again and again (as an overlapping `ceasefire
#: evaluate` would) until the stop file exists; it prints "reading" once the first evaluation has
#: read the events, and the number of evaluations at the end. No evaluation runs after the last
#: report: the last one overlaps the reports, as in the issue (one after them would re-judge
#: every event and hide verdicts lost before).
EVALUATOR = """
import sys
from pathlib import Path

from ceasefire import monitoring
from ceasefire.store import open_store

db, stop = sys.argv[1], Path(sys.argv[2])
n = 0


def progress(message):
    if n == 0 and message.startswith("evaluating"):
        print("reading", flush=True)


with open_store(db, busy_timeout_s=600) as store:
    while not stop.exists():
        monitoring.evaluate_store(store, progress=progress)
        n += 1
print("evaluations", n, flush=True)
"""


@pytest.mark.slow
def test_reports_from_many_clients_during_repeated_evaluations_keep_their_verdicts(
    db: Path, tmp_path: Path
) -> None:
    pairs = _pairs(db)
    assert len({a for a, _ in pairs}) >= 2 and len(pairs) >= 4
    app = create_app(db)
    store: SQLStore = app.state.store
    tokens = [_token(store, "monitor"), _token(store, "monitor2")]
    answers: list[tuple[int, dict[str, Any]]] = []
    failures: list[BaseException] = []
    lock = threading.Lock()
    stop = tmp_path / "stop"
    watching = threading.Event()
    lost: dict[str, list[tuple[str, str]]] = {}  # answered report -> its verdicts when short

    def watch() -> None:
        """While the reports and evaluations run: every report answered 201 keeps its full
        verdict set for its current version at all times (not only once a later evaluation
        has judged everything again)."""
        engine = create_store_engine(db)
        try:
            with engine.connect() as con:
                while watching.is_set():
                    with lock:
                        answered = {rep["event_uid"] for code, rep in answers if code == 201}
                    held: dict[str, set[tuple[str, str]]] = {}
                    for uid, agreement, provision in con.exec_driver_sql(_REPORT_VERDICTS):
                        held.setdefault(uid, set()).add((agreement, provision))
                    con.rollback()  # the next look reads the latest commit
                    for uid in answered:
                        if held.get(uid, set()) != pairs:
                            lost.setdefault(uid, sorted(held.get(uid, set())))
                    time.sleep(0.1)
        finally:
            engine.dispose()

    def client(k: int) -> None:
        try:
            c = TestClient(app, raise_server_exceptions=False)
            h = {"Authorization": "Bearer " + tokens[k % 2]}
            for j in range(N_EACH):
                r = c.post("/api/reports", json=_report(k * N_EACH + j), headers=h)
                with lock:
                    answers.append((r.status_code, r.json()))
                time.sleep(PAUSE_S)
        except BaseException as exc:  # handed to the test thread
            failures.append(exc)

    evaluator = subprocess.Popen(
        [sys.executable, "-c", EVALUATOR, str(db), str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert evaluator.stdout is not None
        assert evaluator.stdout.readline().strip() == "reading"  # reports start mid-evaluation
        watching.set()
        watcher = threading.Thread(target=watch)
        watcher.start()
        clients = [threading.Thread(target=client, args=(k,)) for k in range(N_CLIENTS)]
        for t in clients:
            t.start()
        for t in clients:
            t.join(timeout=600)
        stop.touch()  # the evaluation under way is its last
        out, err = evaluator.communicate(timeout=600)
        watching.clear()
        watcher.join(timeout=60)
        assert evaluator.returncode == 0, err
        assert int(out.split()[-1]) >= 1
        assert not any(t.is_alive() for t in clients) and not failures, failures
        assert lost == {}, f"{len(lost)} answered reports lost verdicts meanwhile: {lost}"
        assert [code for code, _ in answers] == [201] * N_REPORTS, answers
        for _, rep in answers:  # each was answered with its full verdict set
            assert {(v["agreement_id"], v["provision_id"]) for v in rep["verdicts"]} == pairs

        uids = {rep["event_uid"] for _, rep in answers}
        assert len(uids) == N_REPORTS
        assert _stale_or_missing(db, pairs) == {}  # reports and the 40 ingested events alike
        assert store.count_unevaluated() == 0
        c = TestClient(app, raise_server_exceptions=False)
        for uid in sorted(uids)[:: N_REPORTS // 5]:  # what the issue saw: `verdicts: []`
            got = c.get(f"/api/events/{uid}").json()["verdicts"]
            assert {(v["agreement_id"], v["provision_id"]) for v in got} == pairs
        audited = {
            target
            for (target,) in _raw(db, "SELECT target FROM audit_log WHERE action='report.create'")
        }
        assert audited == {f"report:{rep['id']}" for _, rep in answers}
    finally:
        stop.touch()
        watching.clear()
        if evaluator.poll() is None:
            evaluator.kill()
            evaluator.communicate()
        store.close()


def _evaluate_with(db: Path, meanwhile: Callable[[], None]) -> None:
    """Run a real evaluation of ``db`` that calls ``meanwhile`` after reading the events and
    before storing anything (another writer committing while the engine computes)."""

    def progress(message: str) -> None:
        if message.startswith("evaluating"):
            meanwhile()

    with open_store(db) as store:
        monitoring.evaluate_store(store, progress=progress)


def test_a_report_added_and_one_edited_while_an_evaluation_computes_keep_their_verdicts(
    db: Path,
) -> None:
    pairs = _pairs(db)
    app = create_app(db)
    try:
        c = TestClient(app, raise_server_exceptions=False)
        h = {"Authorization": "Bearer " + _token(app.state.store, "monitor")}
        edited = c.post("/api/reports", json=_report(1), headers=h).json()
        added: list[dict[str, Any]] = []

        def reports() -> None:
            added.append(c.post("/api/reports", json=_report(2), headers=h).json())
            moved = {"latitude": 33.51, "longitude": 36.29}  # to Damascus: all verdicts change
            r = c.patch(f"/api/reports/{edited['id']}", json=moved, headers=h)
            assert r.status_code == 200, r.text
            added.append(r.json())

        _evaluate_with(db, reports)
        new, moved = added
        for rep in (new, moved):
            got = c.get(f"/api/events/{rep['event_uid']}").json()
            assert {(v["agreement_id"], v["provision_id"]) for v in got["verdicts"]} == pairs
            # the verdicts stored are the report's own, of its latest version
            assert sorted((v["provision_id"], v["verdict"]) for v in got["verdicts"]) == sorted(
                (v["provision_id"], v["verdict"]) for v in rep["verdicts"]
            )
        assert {v["verdict"] for v in moved["verdicts"]} <= {"outside"}
        assert _stale_or_missing(db, pairs) == {}
        assert app.state.store.count_unevaluated() == 0
    finally:
        app.state.store.close()


# --------------------------------------------------------------------- ingest while evaluating


def _changed_and_new() -> pd.DataFrame:
    """test:0..5 moved to Douma, outside every zone (a new version each), and test:100..104,
    new."""
    frame = events_frame()
    changed = frame[frame["event_uid"].isin([f"test:{i}" for i in range(6)])].copy()
    changed["latitude"], changed["longitude"] = 33.55, 36.35  # north-east of Damascus
    changed["location"] = "Douma"
    changed["content_hash"] = pd.NA
    new = frame.head(5).copy()
    new["event_uid"] = [f"test:{100 + i}" for i in range(5)]
    new["source_row_id"] = [str(100 + i) for i in range(5)]
    new["content_hash"] = pd.NA
    return pd.concat([changed, new], ignore_index=True)


def test_an_ingest_while_an_evaluation_computes_leaves_no_stale_or_missing_verdict(
    db: Path,
) -> None:
    pairs = _pairs(db)
    with open_store(db) as store:
        before = store.events()
    done: list[Any] = []

    def ingest() -> None:
        with open_store(db) as other:
            done.append(other.add_events(_changed_and_new()))

    _evaluate_with(db, ingest)
    assert (done[0].inserted, done[0].updated) == (5, 6)
    assert _stale_or_missing(db, pairs) == {}
    with open_store(db) as store:
        assert store.count_unevaluated() == 0
        after = store.events().set_index("event_uid")
        assert (after.loc[[f"test:{i}" for i in range(6)], "version"] == 2).all()
        stored = store.verdicts().set_index(["event_uid", "agreement_id", "provision_id"])
        # the moved and the new events hold what judging them afresh gives
        fresh = store.events(uids=[*[f"test:{i}" for i in range(6)], "test:100"])
        registry = monitoring.registry_of(store)
        expect = evaluate(
            list(registry.agreements.values()),
            fresh,
            zones=monitoring.zones_of(store),
            registry=registry,
        ).verdicts.set_index(["event_uid", "agreement_id", "provision_id"])
    got = stored.loc[expect.index, ["verdict", "reason"]]
    assert len(expect) == 7 * len(pairs)
    assert (
        got.astype(object).values.tolist()
        == expect[["verdict", "reason"]].astype(object).values.tolist()
    )
    moved_before = before.set_index("event_uid").loc["test:0", "latitude"]
    assert moved_before != 33.55 and after.loc["test:0", "latitude"] == 33.55


def test_an_ingest_after_an_evaluation_is_named_by_count_unevaluated(db: Path) -> None:
    pairs = _pairs(db)
    with open_store(db) as store:
        store.add_events(_changed_and_new())
        assert store.count_unevaluated() == 11
        wrong = _stale_or_missing(db, pairs)
        assert sorted(wrong) == sorted(
            [*(f"test:{i}" for i in range(6)), *(f"test:{100 + i}" for i in range(5))]
        )
        monitoring.evaluate_store(store)
        assert store.count_unevaluated() == 0 and _stale_or_missing(db, pairs) == {}


# ---------------------------------------------------------- put_evaluation with a snapshot


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLStore]:
    s = open_store(tmp_path / "store.db")
    yield s
    s.close()


def _verdicts(uids: list[str], provisions: tuple[str, ...] = ("p1", "p2")) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"event_uid": u, "provision_id": p, "verdict": "violation", "reason": f"judged {u}"}
            for u in uids
            for p in provisions
        ],
        columns=["event_uid", "provision_id", "verdict", "reason"],
    )


NO_OBLIGATIONS = pd.DataFrame(columns=["provision_id", "status"])


def _put(store: SQLStore, verdicts: pd.DataFrame, **kw: Any) -> int:
    return store.put_evaluation("a", verdicts, NO_OBLIGATIONS, n_events=0, settings={}, **kw)


def _versions(store: SQLStore) -> dict[str, int]:
    e = store.events()
    return dict(zip(e["event_uid"], e["version"].astype(int), strict=True))


def test_a_snapshot_replaces_only_events_still_at_the_version_read(
    store: SQLStore, tmp_path: Path
) -> None:
    store.add_events(make_events(4))  # test:0..3
    _put(store, _verdicts(["test:0", "test:1", "test:2", "test:3"]))
    snapshot = _versions(store)
    computed = _verdicts(list(snapshot)).assign(verdict="compliant")
    # meanwhile: test:1 changes (an ingest deletes its verdicts), test:4 is new, and test:2 is
    # changed and judged by its own writer (as a field report is)
    changed = make_events(3)
    changed.loc[changed.event_uid == "test:1", "content_hash"] = "new-hash"
    changed.loc[changed.event_uid == "test:2", "content_hash"] = "newer-hash"
    store.add_events(pd.concat([changed, make_events(1, start=4)], ignore_index=True))
    with write_transaction(store.engine) as conn:
        workspace.replace_event_verdicts(
            conn, ["test:2"], _verdicts(["test:2"]).assign(agreement_id="a"), note="own writer"
        )
    asked: list[list[str]] = []

    def judge(events: pd.DataFrame) -> pd.DataFrame:
        asked.append(sorted(events["event_uid"]))
        assert set(events["version"]) <= {1, 2}
        return _verdicts(list(events["event_uid"])).assign(agreement_id="a", verdict="judged")

    _put(store, computed, judged=snapshot, judge=judge)
    assert asked == [["test:1", "test:4"]]  # only the changed and new events without verdicts
    v: dict[str, set[str]] = {}  # (not .agg(set): pandas on pyarrow strings gives lists)
    for uid, verdict in store.verdicts()[["event_uid", "verdict"]].itertuples(index=False):
        v.setdefault(uid, set()).add(verdict)
    assert v == {
        "test:0": {"compliant"},  # the snapshot's
        "test:1": {"judged"},  # changed meanwhile: judged in the storing transaction
        "test:2": {"violation"},  # its own writer's verdicts, kept
        "test:3": {"compliant"},
        "test:4": {"judged"},
    }
    assert store.count_unevaluated() == 0
    rows = _raw(tmp_path / "store.db", "SELECT event_uid, event_version FROM verdicts")
    assert {u: ver for u, ver in rows} == {
        f"test:{i}": _versions(store)[f"test:{i}"] for i in range(5)
    }


def test_without_a_judge_the_changed_events_wait_and_are_counted(store: SQLStore) -> None:
    store.add_events(make_events(3))
    snapshot = _versions(store)
    changed = make_events(3)
    changed.loc[changed.event_uid == "test:0", "content_hash"] = "new-hash"
    store.add_events(changed)
    _put(store, _verdicts(list(snapshot)), judged=snapshot)
    assert sorted(store.verdicts()["event_uid"].unique()) == ["test:1", "test:2"]
    assert store.count_unevaluated() == 1


def test_verdicts_of_events_gone_since_the_snapshot_go(store: SQLStore, tmp_path: Path) -> None:
    store.add_events(make_events(3))
    snapshot = _versions(store)
    _raw_write(tmp_path / "store.db", "DELETE FROM events WHERE event_uid = 'test:2'")
    _put(store, _verdicts(list(snapshot)), judged=snapshot, judge=lambda e: _verdicts([]))
    assert sorted(store.verdicts()["event_uid"].unique()) == ["test:0", "test:1"]


def _raw_write(db: Path | str, sql: str) -> None:
    """Plain SQL written outside the store's code."""
    engine = create_store_engine(db)
    try:
        with engine.begin() as con:
            con.exec_driver_sql(sql)
    finally:
        engine.dispose()


# ------------------------------------------------------------------------ count_unevaluated


def test_count_unevaluated_counts_events_that_lost_some_verdicts(
    store: SQLStore, tmp_path: Path
) -> None:
    store.add_events(make_events(5))
    uids = [f"test:{i}" for i in range(5)]
    _put(store, _verdicts(uids))
    assert store.count_unevaluated() == 0
    store.put_evaluation("b", _verdicts(uids[:2], ("q",)), NO_OBLIGATIONS, n_events=2, settings={})
    assert store.count_unevaluated() == 3  # test:2..4 lack b/q
    store.put_evaluation("b", _verdicts(uids, ("q",)), NO_OBLIGATIONS, n_events=5, settings={})
    assert store.count_unevaluated() == 0
    # one verdict of an older version of its event: no longer current
    _raw_write(
        tmp_path / "store.db",
        "UPDATE verdicts SET event_version = 0 WHERE event_uid = 'test:3' AND provision_id = 'p2'",
    )
    assert store.count_unevaluated() == 1


# ------------------------------------------------------------------------------ migration 5


@pytest.mark.usefixtures("writes_before_v11")
def test_migration_5_marks_stored_verdicts_with_their_events_version(tmp_path: Path) -> None:
    db = tmp_path / "v4.db"
    engine = create_store_engine(db)
    try:
        assert migrate(engine, MIGRATIONS[:4]) == [1, 2, 3, 4]
        add_events(engine, make_events(2))
        changed = make_events(2)
        changed.loc[changed.event_uid == "test:1", "content_hash"] = "new-hash"
        add_events(engine, changed)  # test:1 at version 2
    finally:
        engine.dispose()
    _raw_write(
        db,
        "INSERT INTO evaluations (id, agreement_id, created_at, n_events, n_verdicts, settings) "
        "VALUES (1, 'a', '2020-01-01T00:00:00.000000Z', 2, 3, '{}')",
    )
    for uid in ("test:0", "test:1", "elsewhere:9"):
        _raw_write(
            db,
            "INSERT INTO verdicts (evaluation_id, event_uid, agreement_id, provision_id, verdict) "
            f"VALUES (1, '{uid}', 'a', 'p1', 'violation')",
        )
    with open_store(db) as store:  # applies 5 and later
        assert store.count_unevaluated() == 0
    rows = _raw(db, "SELECT event_uid, event_version FROM verdicts ORDER BY event_uid")
    assert rows == [("elsewhere:9", None), ("test:0", 1), ("test:1", 2)]
