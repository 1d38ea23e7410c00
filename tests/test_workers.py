"""``ceasefire serve --workers 2`` as a real subprocess over each store (SQLite, PostgreSQL):
every request on a new connection, so the kernel hands them to either worker, and each answer
names its worker (``X-Ceasefire-Worker``). What one worker writes, the next read through the
other sees: login sessions, the login throttle, agreements (the catalog and the cached facets)
and reviews (the cached findings). ``/healthz`` answers a proxy: 200 while the store answers,
503 when it does not or is at a schema version this code does not know."""

from __future__ import annotations

import collections
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlalchemy.engine import make_url
from web_api_store import PASSWORDS, build, events_frame

from ceasefire.agreements import bundled_text
from ceasefire.store import LATEST, open_store, workspace
from ceasefire.store.engine import create_store_engine
from ceasefire.store.schema import now_utc, schema_migrations
from ceasefire.web import create_app
from ceasefire.web.app import WORKER_HEADER
from ceasefire.web.auth import COOKIE, MAX_LOGIN_FAILURES, LoginThrottle

#: Before every stored time.
EPOCH = "1970-01-01T00:00:00.000000Z"

#: Requests that may be needed before both workers have answered (each picks one at random).
TRIES = 80


@dataclass(frozen=True)
class Server:
    base: str
    kind: str
    tokens: dict[str, str]  # role -> "Authorization" header value
    db: str = ""

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request on a new connection (closed after it)."""
        headers = {"Connection": "close", **kwargs.pop("headers", {})}
        return httpx.request(
            method, self.base + path, headers=headers, timeout=30.0, follow_redirects=False,
            **kwargs,
        )  # fmt: skip

    def as_(self, role: str) -> dict[str, str]:
        return {"Authorization": self.tokens[role]}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _worker(r: httpx.Response) -> str:
    name = r.headers.get(WORKER_HEADER)
    assert name, f"no {WORKER_HEADER} header: {r.status_code} {r.text[:200]}"
    return str(name)


def on_both(call: Callable[[], httpx.Response]) -> list[httpx.Response]:
    """``call()`` until both workers have answered (every answer, in order)."""
    got: list[httpx.Response] = []
    for _ in range(TRIES):
        got.append(call())
        if len({_worker(r) for r in got}) >= 2:
            return got
    raise AssertionError(f"one worker answered all {TRIES} requests: {_worker(got[0])}")


@pytest.fixture(scope="module")
def server(
    new_store: Callable[..., str], store_kind: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """The test store (tests/web_api_store.py) served by ``ceasefire serve --workers 2``."""
    db = build(new_store("workers"))
    with open_store(db) as store:
        tokens = {}
        for role in ("admin", "analyst"):
            user = workspace.user_by_name(store.engine, role)
            assert user is not None
            tokens[role] = "Bearer " + workspace.create_token(store.engine, user)
    folder = tmp_path_factory.mktemp("workers")
    port = _free_port()
    exe = Path(sys.executable).with_name("ceasefire")
    cmd = [str(exe), "serve", "--db", str(db), "--port", str(port), "--workers", "2"]
    log = (folder / "serve.log").open("w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=folder)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while proc.poll() is None:
            try:
                if httpx.get(base + "/healthz", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "ceasefire serve did not answer within a minute"
            time.sleep(0.1)
        assert proc.poll() is None, (folder / "serve.log").read_text()
        yield Server(base, store_kind, tokens, str(db))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        finally:
            log.close()
    # the workers went with their parent: nothing listens any more
    with pytest.raises(httpx.TransportError):
        httpx.get(base + "/healthz", timeout=1.0)


def test_every_worker_answers_the_health_check(server: Server) -> None:
    answers = on_both(lambda: server.call("GET", "/healthz"))
    for r in answers:
        assert r.status_code == 200
        assert r.json() == {"status": "ok", "schema": LATEST, "store": server.kind}
        assert r.headers["cache-control"] == "no-store"
        assert "set-cookie" not in r.headers


def test_a_login_through_one_worker_is_valid_on_the_other(server: Server) -> None:
    r = server.call(
        "POST", "/login", data={"username": "analyst", "password": PASSWORDS["analyst"]}
    )
    assert r.status_code == 303 and r.headers["location"] == "/", r.text
    cookie = {"Cookie": f"{COOKIE}={r.cookies[COOKIE]}"}
    logged_in_by = _worker(r)
    answers = on_both(lambda: server.call("GET", "/api/me", headers=cookie))
    assert {_worker(a) for a in answers} - {logged_in_by}  # the other worker answered too
    assert all(a.json()["user"]["name"] == "analyst" for a in answers)
    # the logout through one worker ends the session on both
    out = server.call("POST", "/logout", headers=cookie)
    assert out.status_code == 303
    after = on_both(lambda: server.call("GET", "/api/me", headers=cookie))
    assert all(a.json()["user"] is None for a in after)


def test_the_login_throttle_holds_across_workers(server: Server) -> None:
    def wrong(_: int) -> tuple[str, str]:
        r = server.call("POST", "/login", data={"username": "viewer", "password": "guess"})
        assert r.status_code == 303
        return str(r.headers["location"]).split("error=")[1].split("&")[0], _worker(r)

    with ThreadPoolExecutor(12) as ex:
        got = list(ex.map(wrong, range(30)))
    # 30 guesses at once over new connections: both workers took some, and between them they
    # checked no more passwords than the limit
    assert len({w for _, w in got}) == 2
    outcome = collections.Counter(e for e, _ in got)
    assert outcome == {"1": MAX_LOGIN_FAILURES, "locked": 30 - MAX_LOGIN_FAILURES}
    # the right password is refused through either worker while the lock lasts
    right = {"username": "Viewer", "password": PASSWORDS["viewer"]}
    for r in on_both(lambda: server.call("POST", "/login", data=right)):
        assert r.headers["location"].startswith("/login?error=locked")


def test_an_agreement_stored_through_one_worker_is_in_the_next_answer_of_both(
    server: Server,
) -> None:
    def provisions() -> Callable[[], httpx.Response]:
        return lambda: server.call("GET", "/api/facets")

    def agreement_ids(r: httpx.Response) -> set[str]:
        assert r.status_code == 200, r.text
        return {p["agreement_id"] for p in r.json()["provisions"]}

    # both workers have the facets cached, without the new agreement
    assert all("workers-test" not in agreement_ids(r) for r in on_both(provisions()))
    text = bundled_text("moscow-2020").replace("id: moscow-2020", "id: workers-test", 1)
    put = server.call(
        "POST",
        "/api/agreements",
        content=text.encode(),
        headers={**server.as_("admin"), "Content-Type": "application/yaml"},
    )
    assert put.status_code == 201, put.text
    assert all("workers-test" in agreement_ids(r) for r in on_both(provisions()))
    listed = on_both(lambda: server.call("GET", "/api/agreements"))
    assert all("workers-test" in {a["id"] for a in r.json()} for r in listed)


def test_a_review_through_one_worker_changes_the_cached_findings_of_both(
    server: Server,
) -> None:
    before = on_both(lambda: server.call("GET", "/api/findings"))
    assert len({r.content for r in before}) == 1  # both workers agree (and cached it)
    summary = before[0].json()
    rows = server.call("GET", "/api/verdicts", params={"verdict": "violation", "limit": 1})
    row = rows.json()["items"][0]
    review = {
        "agreement": row["agreement_id"],
        "provision": row["provision_id"],
        "event_uid": row["event_uid"],
        "status": "overruled",
        "corrected_verdict": "possible_violation",
        "note": "written through one worker",
    }
    r = server.call("POST", "/api/verdicts/review", json=review, headers=server.as_("analyst"))
    assert r.status_code == 201, r.text
    after = on_both(lambda: server.call("GET", "/api/findings"))
    for a in after:  # every answer after the write, from either worker, counts the review
        got = a.json()
        assert got["reviewed"] == summary["reviewed"] + 1
        assert got["reviews"]["overruled"] == summary["reviews"].get("overruled", 0) + 1


def test_events_written_by_another_process_change_the_cached_map_of_both(
    server: Server,
) -> None:
    """Events added outside any ingest run (a script's ``add_events``) move the store's
    event-write counter, which the answer cache reads (not a count of the events)."""
    before = on_both(lambda: server.call("GET", "/api/events.geojson", params={"zoom": 3}))
    total = before[0].json()["total"]
    assert all(r.json()["total"] == total for r in before)
    frame = events_frame().head(2).assign(event_uid=["script:1", "script:2"])
    with open_store(server.db) as store:
        assert store.add_events(frame).inserted == 2
    after = on_both(lambda: server.call("GET", "/api/events.geojson", params={"zoom": 3}))
    assert {r.json()["total"] for r in after} == {total + 2}


def test_the_health_check_answers_503_when_the_store_does_not(
    new_store: Callable[..., str], store_kind: str
) -> None:
    db = new_store("health")
    app = create_app(db)
    try:
        c = TestClient(app)
        assert c.get("/healthz").status_code == 200
        # a newer ceasefire upgraded the store: this server no longer knows its schema
        other = create_store_engine(db)
        try:
            with other.begin() as conn:
                conn.execute(
                    insert(schema_migrations).values(
                        version=LATEST + 1, description="newer", applied_at=now_utc()
                    )
                )
        finally:
            other.dispose()
        r = c.get("/healthz")
        assert r.status_code == 503 and r.headers["cache-control"] == "no-store"
        body = r.json()
        assert body["status"] == "unavailable" and body["schema"] == LATEST + 1
        assert f"schema version {LATEST + 1}; this server knows {LATEST}" in body["reason"]
        # the database goes away
        if "://" in db:
            u = make_url(db)
            with psycopg.connect(
                host=u.host, port=u.port, user=u.username, dbname="postgres", autocommit=True
            ) as pg:
                pg.execute(f"DROP DATABASE {u.database} WITH (FORCE)")  # type: ignore[arg-type]
        else:  # the file is gone, and nothing can be opened in its place
            app.state.store.engine.dispose()  # the pool's open connections with it
            for suffix in ("", "-wal", "-shm"):
                Path(db + suffix).unlink(missing_ok=True)
            Path(db).mkdir()
        r = c.get("/healthz")
        assert r.status_code == 503, r.text
        assert r.json() == {
            "status": "unavailable",
            "schema": None,
            "store": store_kind,
            "reason": "the store did not answer",
        }
    finally:
        app.state.store.close()


def test_the_throttle_keeps_no_more_rows_than_its_cap() -> None:
    t = LoginThrottle(max_keys=10, window=3600.0)
    try:
        for i in range(1023):
            t.failed("10.0.0.1", f"user{i}", now=1000.0 + i)
        assert workspace.login_failure_counts(t._engine, "10.0.0.1", "user1", since=EPOCH) == (
            1,
            1023,
        )
        t.failed("10.0.0.1", "user1023", now=3000.0)  # the 1024th: trimmed to the newest 10
        left = workspace.login_failure_counts(t._engine, "10.0.0.1", "user1023", since=EPOCH)
        assert left == (1, 10)
        # rows older than the window go as the next attempts come in
        assert t.reserve("10.0.0.2", "ann", now=3000.0 + 3600.0 + 1)
        assert workspace.login_failure_counts(t._engine, "10.0.0.1", "x", since=EPOCH) == (0, 0)
    finally:
        t.close()
