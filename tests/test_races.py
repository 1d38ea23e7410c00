"""Issue 9 follow-up: races and caches. Two edits of one report both survive; parallel logins
check no more passwords than the throttle allows; a running server judges reports against the
agreements and zones another process stored since; a locked store answers 503, never 500.
Real parts throughout: SQLite files, the ASGI app, the CLI through click's runner, threads."""

from __future__ import annotations

import collections
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import shapely
from click.testing import CliRunner
from fastapi.testclient import TestClient
from web_api_store import PASSWORDS, SEEN_REPORT, bearer

from ceasefire import agreements as _agreements
from ceasefire import monitoring
from ceasefire.agreements import Registry
from ceasefire.cli import cli
from ceasefire.store import open_store, workspace
from ceasefire.store.engine import create_store_engine, write_transaction
from ceasefire.web.auth import MAX_ADDRESS_FAILURES, MAX_LOGIN_FAILURES, LoginThrottle
from ceasefire.web.catalog import Catalog
from ceasefire.web.reports import edit_report, submit_report
from ceasefire.web.schemas import ReportIn

REPORT = SEEN_REPORT


# ------------------------------------------------------------- two edits of one report


class _EditsWhileJudging(Catalog):
    """The real catalog, which the first time it is asked for the registry (while the first
    edit judges its report) starts a second edit of the same report in another thread and
    gives it time to finish: the moment a lost update needs."""

    def __init__(self, *args: Any, second: Any) -> None:
        super().__init__(*args)
        self._second: Any = second
        self.thread: threading.Thread | None = None

    def registry(self) -> Registry:
        if self.thread is None:
            self.thread = threading.Thread(target=self._second)
            self.thread.start()
            self.thread.join(timeout=3.0)  # done by then, unless it waits for our write lock
        return super().registry()


def test_an_edit_committed_while_another_judges_is_not_lost(db: Path) -> None:
    with open_store(db) as store:
        monitor = workspace.user_by_name(store.engine, "monitor")
        assert monitor is not None
        plain = Catalog(store)
        values = ReportIn.model_validate({**REPORT, "text": "first"}).model_dump()
        rid = submit_report(store, plain, monitor, values)["id"]
        errors: list[BaseException] = []

        def second() -> None:
            try:
                edit_report(store, plain, monitor, rid, {"fatalities": 4})
            except BaseException as e:  # reported by the assert below
                errors.append(e)

        racing = _EditsWhileJudging(store, second=second)
        out = edit_report(store, racing, monitor, rid, {"text": "second"})
        assert racing.thread is not None
        racing.thread.join()
        assert errors == []
        stored = workspace.report(store.engine, rid)
        audit = [
            r for r in workspace.audit_rows(store.engine)["items"] if r["action"] == "report.update"
        ]
    # both changes survive: the edits ran one after the other (the second waited for the lock)
    assert (stored["text"], stored["fatalities"]) == ("second", 4)
    assert out["text"] == "second"
    assert len(audit) == 2


def test_parallel_patches_of_one_report_keep_both_changes(app: Any) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    h = bearer(app, "monitor")
    rid = c.post("/api/reports", json=REPORT, headers=h).json()["id"]
    for k in range(3):
        bodies = [{"text": f"note {k}"}, {"fatalities": k}]
        with ThreadPoolExecutor(2) as ex:
            codes = list(
                ex.map(lambda b: c.patch(f"/api/reports/{rid}", json=b, headers=h), bodies)
            )
        assert [r.status_code for r in codes] == [200, 200], [r.text for r in codes]
        got = c.get("/api/reports?limit=1000", headers=h).json()["items"]
        row = next(r for r in got if r["id"] == rid)
        assert (row["text"], row["fatalities"]) == (f"note {k}", k)


# ------------------------------------------------------------------- parallel logins


def test_the_throttle_reserves_attempts_atomically() -> None:
    t = LoginThrottle(limit=5, address_limit=20, window=60.0)
    barrier = threading.Barrier(40)

    def go(i: int) -> bool:
        barrier.wait()
        return t.reserve("10.0.0.1", "viewer" if i % 2 else "VIEWER", now=1.0)

    with ThreadPoolExecutor(40) as ex:
        got = list(ex.map(go, range(40)))
    assert got.count(True) == 5
    # a success gives its own attempt back and clears the name's failures
    t.succeeded("10.0.0.1", "viewer")
    assert t.reserve("10.0.0.1", "viewer", now=2.0)


def _burst(app: Any, address: str, names: list[str]) -> collections.Counter[str]:
    def one(name: str) -> str:
        c = TestClient(app, raise_server_exceptions=False, client=(address, 40000))
        r = c.post(
            "/login",
            data={"username": name, "password": "wrong password", "next": "/"},
            follow_redirects=False,
        )
        assert r.status_code == 303
        return str(r.headers["location"]).split("error=")[1].split("&")[0]

    with ThreadPoolExecutor(len(names)) as ex:
        return collections.Counter(ex.map(one, names))


def test_parallel_wrong_logins_check_no_more_passwords_than_the_limit(app: Any) -> None:
    got = _burst(app, "203.0.113.4", ["viewer"] * 40)
    assert got == {"1": MAX_LOGIN_FAILURES, "locked": 40 - MAX_LOGIN_FAILURES}
    # the same name from elsewhere still logs in
    c = TestClient(app, raise_server_exceptions=False, client=("198.51.100.4", 40000))
    r = c.post(
        "/login",
        data={"username": "viewer", "password": PASSWORDS["viewer"], "next": "/"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/"


def test_parallel_spraying_checks_no_more_passwords_than_the_address_limit(app: Any) -> None:
    got = _burst(app, "203.0.113.5", [f"user{i}" for i in range(40)])
    assert got == {"1": MAX_ADDRESS_FAILURES, "locked": 40 - MAX_ADDRESS_FAILURES}


def test_a_successful_login_gives_its_attempt_back() -> None:
    t = LoginThrottle(limit=5, address_limit=3, window=60.0)
    for _ in range(10):  # ten good logins from one address lock nothing
        assert t.reserve("10.0.0.2", "ann", now=1.0)
        t.succeeded("10.0.0.2", "ann")
    assert not t.locked("10.0.0.2", "bob", now=1.0)


# ------------------------------------------------ a catalog another process changed


def _verdicts(c: TestClient, h: dict[str, str], **where: float) -> dict[tuple[str, str], str]:
    r = c.post("/api/reports", json={**REPORT, **where}, headers=h)
    assert r.status_code == 201, r.text
    return {(v["agreement_id"], v["provision_id"]): v["verdict"] for v in r.json()["verdicts"]}


def test_an_agreement_added_by_another_process_judges_the_next_report(
    app: Any, db: Path, tmp_path: Path
) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    h = bearer(app, "monitor")
    before = _verdicts(c, h)
    assert {a for a, _ in before} >= {"moscow-2020"} and "moscow-copy" not in {a for a, _ in before}
    text = _agreements.bundled_text("moscow-2020").replace("id: moscow-2020", "id: moscow-copy", 1)
    (tmp_path / "copy.yaml").write_text(text, encoding="utf-8")
    added = CliRunner().invoke(
        cli, ["agreements", "add", str(tmp_path / "copy.yaml"), "--db", str(db)]
    )
    assert added.exit_code == 0, added.output
    after = _verdicts(c, h)
    moscow = {p: v for (a, p), v in after.items() if a == "moscow-2020"}
    assert {p: v for (a, p), v in after.items() if a == "moscow-copy"} == moscow
    assert "moscow-copy" in {a["id"] for a in c.get("/api/agreements").json()}


def test_a_zone_replaced_by_another_process_judges_the_next_report(
    app: Any, db: Path, tmp_path: Path
) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    h = bearer(app, "monitor")
    east = {"longitude": 37.62, "latitude": 35.9}  # east of the de-escalation area
    assert "violation" not in _verdicts(c, h, **east).values()
    with open_store(db) as other:
        area = monitoring.zones_of(other)["idlib-de-escalation-area"]
    grown = shapely.convex_hull(
        shapely.union(area.geometry, shapely.Point(37.7, 35.9).buffer(0.05))
    )
    feature = {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(grown)}
    (tmp_path / "grown.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8"
    )
    imported = CliRunner().invoke(
        cli,
        ["zones", "import", str(tmp_path / "grown.geojson"), "--id", "idlib-de-escalation-area",
         "--db", str(db)],
    )  # fmt: skip
    assert imported.exit_code == 0, imported.output
    assert _verdicts(c, h, **east)[("moscow-2020", "ceasefire")] == "violation"


# ------------------------------------------------------------ a locked store: 503


def test_every_write_answers_503_busy_when_the_store_stays_locked(app: Any, db: Path) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    h = bearer(app, "monitor")
    admin = bearer(app, "admin")
    rid = c.post("/api/reports", json=REPORT, headers=h).json()["id"]
    assert c.get("/api/users", headers=admin).status_code == 200  # each token has been used
    # the same store, waiting 0.2 s (not 30) for another writer's lock
    app.state.store.close()
    app.state.store = open_store(db, busy_timeout_s=0.2)
    app.state.catalog = Catalog(app.state.store)
    # another writer holds the store's write lock (BEGIN IMMEDIATE on SQLite, the advisory
    # lock on PostgreSQL: the same write_transaction every writer takes)
    blocker = create_store_engine(db)
    holding = write_transaction(blocker)
    holding.__enter__()
    try:
        answers = [
            c.post("/api/reports", json=REPORT, headers=h),
            c.patch(f"/api/reports/{rid}", json={"fatalities": 3}, headers=h),
            c.post("/api/users", json={"name": "newbie", "role": "viewer",
                                       "password": "long-enough"}, headers=admin),
            c.post("/login", data={"username": "viewer", "password": PASSWORDS["viewer"]},
                   follow_redirects=False),
        ]  # fmt: skip
    finally:
        holding.__exit__(RuntimeError, RuntimeError("rolled back"), None)
        blocker.dispose()
    for r in answers:
        assert r.status_code == 503, (r.request.url, r.status_code, r.text)
        assert r.json()["error"]["code"] == "busy" and "retry-after" in r.headers
    # nothing was written, and afterwards the same writes go through
    assert c.patch(f"/api/reports/{rid}", json={"fatalities": 3}, headers=h).status_code == 200
