"""Roles, login, tokens, CSRF, admin writes, reviews and the audit log, through the ASGI app."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web_api_store import PASSWORDS, SEEN_REPORT
from web_api_store import bearer as token_for

from ceasefire import agreements as _agreements
from ceasefire.compliance import VERDICTS
from ceasefire.store import workspace
from ceasefire.web import create_app

CSRF = {"X-Requested-With": "ceasefire"}
REPORT = SEEN_REPORT
REVIEW = {
    "agreement": "moscow-2020",
    "provision": "ceasefire",
    "event_uid": "test:0",
    "status": "confirmed",
    "note": "checked",
}
ZONE = {
    "type": "Feature",
    "properties": {"id": "test-box", "name": "A test box", "kind": "area"},
    "geometry": {
        "type": "Polygon",
        "coordinates": [[[36.0, 35.0], [36.1, 35.0], [36.1, 35.1], [36.0, 35.1], [36.0, 35.0]]],
    },
}


@pytest.fixture
def anon(app: Any) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)


def login(app: Any, name: str) -> TestClient:
    c = TestClient(app, raise_server_exceptions=False)
    r = c.post(
        "/login",
        data={"username": name, "password": PASSWORDS[name], "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    return c


def _moscow_copy() -> str:
    return _agreements.bundled_text("moscow-2020").replace("id: moscow-2020", "id: moscow-copy", 1)


WRITES: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/api/reports", {"json": REPORT}),
    ("PATCH", "/api/reports/1", {"json": {"fatalities": 1}}),
    ("POST", "/api/verdicts/review", {"json": REVIEW}),
    ("POST", "/api/users", {"json": {"name": "zed", "role": "viewer", "password": "12345678"}}),
    ("POST", "/api/agreements", {"content": _moscow_copy()}),
    ("POST", "/api/zones", {"json": ZONE}),
]
ALLOWED = {
    "/api/reports": {"monitor", "admin"},
    "/api/reports/1": {"monitor", "admin"},
    "/api/verdicts/review": {"analyst", "admin"},
    "/api/users": {"admin"},
    "/api/agreements": {"admin"},
    "/api/zones": {"admin"},
}


@pytest.mark.parametrize(("method", "url", "kw"), WRITES, ids=[w[1] for w in WRITES])
def test_anonymous_writes_get_401(anon: TestClient, method: str, url: str, kw: dict) -> None:
    r = anon.request(method, url, **kw)
    assert r.status_code == 401
    assert r.json()["error"] == {
        "status": 401,
        "code": "not_authenticated",
        "message": r.json()["error"]["message"],
    }


@pytest.mark.parametrize(("method", "url", "kw"), WRITES, ids=[w[1] for w in WRITES])
def test_each_role_may_write_only_what_it_is_for(
    app: Any, anon: TestClient, method: str, url: str, kw: dict
) -> None:
    for name in ("viewer", "analyst", "monitor", "admin"):
        headers = token_for(app, name)
        if url == "/api/reports/1":  # a report of the monitor's own to edit
            anon.post("/api/reports", json=REPORT, headers=token_for(app, "monitor"))
        r = anon.request(method, url, headers=headers, **kw)
        if name in ALLOWED[url]:
            assert r.status_code in (200, 201), (name, r.text)
        else:
            assert r.status_code == 403, (name, r.text)
            assert r.json()["error"]["code"] == "forbidden"


def test_admin_reads_need_admin(app: Any, anon: TestClient) -> None:
    for url in ("/api/users", "/api/audit"):
        assert anon.get(url).status_code == 401
        for name in ("viewer", "analyst", "monitor"):
            assert anon.get(url, headers=token_for(app, name)).status_code == 403
        assert anon.get(url, headers=token_for(app, "admin")).status_code == 200


def test_monitor_may_not_edit_another_monitors_report(app: Any, anon: TestClient) -> None:
    mine = anon.post("/api/reports", json=REPORT, headers=token_for(app, "monitor")).json()
    other = token_for(app, "monitor2")
    r = anon.patch(f"/api/reports/{mine['id']}", json={"fatalities": 9}, headers=other)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    admin = token_for(app, "admin")
    r = anon.patch(f"/api/reports/{mine['id']}", json={"fatalities": 9}, headers=admin)
    assert r.status_code == 200 and r.json()["fatalities"] == 9
    assert anon.patch("/api/reports/999", json={"fatalities": 1}, headers=admin).status_code == 404


def test_login_sets_a_strict_httponly_cookie_and_logout_ends_it(app: Any) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    r = c.post(
        "/login",
        data={"username": "analyst", "password": PASSWORDS["analyst"], "next": "/events?x=1"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/events?x=1"
    cookie = r.headers["set-cookie"].lower()
    assert "ceasefire_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert c.get("/api/me").json()["user"]["name"] == "analyst"
    r = c.post("/logout", follow_redirects=False)
    assert r.status_code == 303
    assert c.get("/api/me").json()["user"] is None


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "javascript:x"])
def test_login_redirects_only_to_local_paths(app: Any, target: str) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    r = c.post(
        "/login",
        data={"username": "viewer", "password": PASSWORDS["viewer"], "next": target},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/"


def test_wrong_password_goes_back_to_the_login_page(app: Any) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    r = c.post(
        "/login",
        data={"username": "viewer", "password": "nope-nope", "next": "/x"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/login?error=1")
    assert "set-cookie" not in r.headers


def test_cookie_writes_need_the_csrf_header_token_writes_do_not(app: Any) -> None:
    c = login(app, "monitor")
    r = c.post("/api/reports", json=REPORT)
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf"
    assert c.post("/api/reports", json=REPORT, headers=CSRF).status_code == 201
    bare = TestClient(app, raise_server_exceptions=False)
    assert (
        bare.post("/api/reports", json=REPORT, headers=token_for(app, "monitor")).status_code == 201
    )


def test_a_bad_token_is_401_not_anonymous(anon: TestClient) -> None:
    r = anon.get("/api/events", headers={"Authorization": "Bearer cf_not-a-token"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "not_authenticated"


def test_reads_can_require_a_login(db: Path) -> None:
    app = create_app(db, anonymous_read=False)
    try:
        c = TestClient(app, raise_server_exceptions=False)
        assert c.get("/api/events").status_code == 401
        assert c.get("/api/events", headers=token_for(app, "viewer")).status_code == 200
    finally:
        app.state.store.close()


def test_secrets_are_stored_hashed(app: Any, db: Path) -> None:
    headers = token_for(app, "viewer")
    token = headers["Authorization"].split()[1]
    login(app, "viewer")
    from sqlalchemy import select

    from ceasefire.store import schema

    with app.state.store.engine.connect() as con:  # every stored value, either store
        dump = "\n".join(
            str(tuple(row)) for t in schema.metadata.sorted_tables for row in con.execute(select(t))
        )
        hashes = dict(con.exec_driver_sql("SELECT name, password_hash FROM users").all())
    assert PASSWORDS["viewer"] not in dump and token not in dump
    assert hashlib.sha256(token.encode()).hexdigest() in dump
    assert hashes["viewer"].startswith("scrypt$") and hashes["viewer"] != hashes["analyst"]


def test_review_shows_in_event_detail_and_verdicts(app: Any, anon: TestClient) -> None:
    h = token_for(app, "analyst")
    r = anon.post("/api/verdicts/review", json={**REVIEW, "status": "disputed"}, headers=h)
    assert r.status_code == 201
    d = anon.get("/api/events/test:0").json()
    assert d["reviews"][0]["status"] == "disputed" and d["reviews"][0]["user"] == "analyst"
    every = "&".join(f"verdict={v}" for v in VERDICTS)  # the reviewed row may be outside
    url = "/api/verdicts?agreement=moscow-2020&provision=ceasefire&review_status=disputed"
    rows = anon.get(f"{url}&{every}&limit=1000").json()
    row = next(x for x in rows["items"] if x["event_uid"] == "test:0")
    assert row["review_status"] == "disputed" and row["review_note"] == "checked"
    bad = anon.post("/api/verdicts/review", json={**REVIEW, "event_uid": "test:999"}, headers=h)
    assert bad.status_code == 404
    worse = anon.post("/api/verdicts/review", json={**REVIEW, "status": "maybe"}, headers=h)
    assert worse.status_code == 422 and worse.json()["error"]["field"] == "status"


def test_admin_agreement_upload_is_validated_by_the_loader(app: Any, anon: TestClient) -> None:
    h = token_for(app, "admin")
    bad = anon.post("/api/agreements", content="id: x\ntitle: t\ncolour: red\n", headers=h)
    assert bad.status_code == 422
    err = bad.json()["error"]
    assert err["code"] == "invalid_body"
    assert "request:3: colour: unknown key ('colour')" in err["problems"]
    good = anon.post("/api/agreements", content=_moscow_copy(), headers=h)
    assert good.status_code == 201 and good.json()["id"] == "moscow-copy"
    assert "moscow-copy" in {a["id"] for a in anon.get("/api/agreements").json()}
    assert anon.get("/api/agreements/moscow-copy").json()["yaml"] == _moscow_copy()


def test_admin_zone_upload(app: Any, anon: TestClient) -> None:
    h = token_for(app, "admin")
    assert anon.post("/api/zones", json=ZONE, headers=h).status_code == 201
    ids = {f["properties"]["id"] for f in anon.get("/api/zones").json()["features"]}
    assert "test-box" in ids
    bad = anon.post("/api/zones", json={"type": "Feature", "geometry": None}, headers=h)
    assert bad.status_code == 422
    as_json = {**h, "Content-Type": "application/json"}
    assert anon.post("/api/zones", content=b"{not json", headers=as_json).status_code == 422


def test_admin_creates_users_once(app: Any, anon: TestClient) -> None:
    h = token_for(app, "admin")
    body = {"name": "newbie", "role": "analyst", "password": "long-enough"}
    assert anon.post("/api/users", json=body, headers=h).status_code == 201
    again = anon.post("/api/users", json=body, headers=h)
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    assert "newbie" in {u["name"] for u in anon.get("/api/users", headers=h).json()}
    short = anon.post("/api/users", json={**body, "name": "x", "password": "short"}, headers=h)
    assert short.status_code == 422 and short.json()["error"]["field"] == "password"


def test_every_write_is_audited(app: Any, anon: TestClient) -> None:
    admin = token_for(app, "admin")
    monitor = token_for(app, "monitor")
    analyst = token_for(app, "analyst")
    login(app, "viewer")
    rid = anon.post("/api/reports", json=REPORT, headers=monitor).json()["id"]
    anon.patch(f"/api/reports/{rid}", json={"fatalities": 4}, headers=monitor)
    anon.post("/api/verdicts/review", json=REVIEW, headers=analyst)
    anon.post(
        "/api/users", json={"name": "aud", "role": "viewer", "password": "12345678"}, headers=admin
    )
    anon.post("/api/agreements", content=_moscow_copy(), headers=admin)
    anon.post("/api/zones", json=ZONE, headers=admin)
    log = anon.get("/api/audit?limit=100", headers=admin).json()["items"]
    actions = {(x["action"], x["target"], x["user"]) for x in log}
    assert {
        ("report.create", f"report:{rid}", "monitor"),
        ("report.update", f"report:{rid}", "monitor"),
        ("review.create", "verdict:moscow-2020/ceasefire/test:0", "analyst"),
        ("user.create", "user:aud", "admin"),
        ("agreement.put", "agreement:moscow-copy", "admin"),
        ("zone.put", "zone:test-box", "admin"),
        ("login", "user:viewer", "viewer"),
    } <= actions
    update = next(x for x in log if x["action"] == "report.update")
    assert update["changes"]["fatalities"] == [None, 4]
    assert all(x["at"].endswith("Z") for x in log)


def test_an_expired_session_is_anonymous(app: Any, db: Path) -> None:
    c = login(app, "monitor")
    assert c.get("/api/me").json()["user"]["name"] == "monitor"
    with app.state.store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE sessions SET expires_at = '2000-01-01T00:00:00.000000Z'")
    assert c.get("/api/me").json()["user"] is None  # read like anyone
    r = c.post("/api/reports", json=REPORT, headers=CSRF)
    assert r.status_code == 401 and r.json()["error"]["code"] == "not_authenticated"
    assert workspace.reports(app.state.store.engine)["total"] == 0


def test_a_login_costs_one_scrypt_whether_or_not_the_name_exists(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = hashlib.scrypt

    def counting(*args: Any, **kwargs: Any) -> bytes:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counting)
    engine = app.state.store.engine
    counts = {}
    for name in ("monitor", "no-such-user"):
        calls.clear()
        assert workspace.check_password(engine, name, "a wrong password") is None
        counts[name] = len(calls)
    assert counts == {"monitor": 1, "no-such-user": 1}
    c = TestClient(app, raise_server_exceptions=False)
    for name in ("viewer", "nobody-here"):  # the same through the login form
        calls.clear()
        r = c.post("/login", data={"username": name, "password": "nope"}, follow_redirects=False)
        assert r.status_code == 303 and len(calls) == 1, name


def test_csrf_is_its_own_error_not_a_message_search() -> None:
    from ceasefire.errors import CsrfError, ForbiddenError
    from ceasefire.web.errors import _from_library

    def code(exc: Exception) -> tuple[int, str]:
        r = _from_library(exc)  # type: ignore[arg-type]
        return r.status_code, json.loads(bytes(r.body))["error"]["code"]

    assert code(CsrfError("send the header")) == (403, "csrf")
    assert code(ForbiddenError("X-Requested-With is not what you need here")) == (403, "forbidden")
    assert issubclass(CsrfError, ForbiddenError)


def test_uploads_are_audited_with_the_old_and_new_sha256(app: Any, anon: TestClient) -> None:
    admin = token_for(app, "admin")
    first = _moscow_copy()
    second = first + "\n# a comment changes the bytes\n"
    assert anon.post("/api/agreements", content=first, headers=admin).status_code == 201
    assert anon.post("/api/agreements", content=second, headers=admin).status_code == 201
    zone2 = {**ZONE, "properties": {**ZONE["properties"], "name": "Renamed"}}
    assert anon.post("/api/zones", json=ZONE, headers=admin).status_code == 201
    assert anon.post("/api/zones", json=zone2, headers=admin).status_code == 201
    log = anon.get("/api/audit?limit=100", headers=admin).json()["items"]

    def sha(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()

    puts = [x["changes"] for x in reversed(log) if x["action"] == "agreement.put"]
    assert [(p["old_sha256"], p["new_sha256"], p["replaced"]) for p in puts] == [
        (None, sha(first), False),
        (sha(first), sha(second), True),
    ]
    zones = [x["changes"] for x in reversed(log) if x["action"] == "zone.put"]
    assert zones[0]["old_sha256"] is None and zones[0]["replaced"] is False
    assert zones[1]["old_sha256"] == zones[0]["new_sha256"] != zones[1]["new_sha256"]
    assert zones[1]["replaced"] is True and zones[1]["name"] == "Renamed"


def test_a_revoked_or_expired_token_stops_working(app: Any, anon: TestClient) -> None:
    engine = app.state.store.engine
    monitor = workspace.user_by_name(engine, "monitor")
    assert monitor is not None
    headers = token_for(app, "monitor")
    assert anon.get("/api/me", headers=headers).json()["user"]["name"] == "monitor"
    (row,) = [t for t in workspace.tokens(engine, monitor) if t["revoked_at"] is None]
    assert row["last_used_at"] is not None  # a use is recorded
    workspace.revoke_token(engine, row["id"], actor=None)
    r = anon.post("/api/reports", json=REPORT, headers=headers)
    assert r.status_code == 401 and r.json()["error"]["code"] == "not_authenticated"
    assert anon.get("/api/events", headers=headers).status_code == 401
    assert "token.revoke" in [a["action"] for a in workspace.audit_rows(engine)["items"]]
    # a token past its expiry is refused the same way
    token = workspace.create_token(engine, monitor, ttl=timedelta(days=1))
    bearer = {"Authorization": "Bearer " + token}
    assert anon.get("/api/me", headers=bearer).status_code == 200
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE api_tokens SET expires_at = '2020-01-01T00:00:00.000000Z' "
            "WHERE expires_at IS NOT NULL"
        )
    assert anon.get("/api/me", headers=bearer).status_code == 401


def test_password_guessing_is_locked_out_per_name(app: Any, anon: TestClient) -> None:
    def attempt(name: str, password: str) -> str:
        r = anon.post(
            "/login",
            data={"username": name, "password": password, "next": "/"},
            follow_redirects=False,
        )
        assert r.status_code == 303
        return r.headers["location"]

    for i in range(5):
        assert attempt("monitor", f"guess {i}").startswith("/login?error=1")
    # the right password no longer helps for a while, and the page says why
    assert attempt("Monitor", PASSWORDS["monitor"]).startswith("/login?error=locked")
    assert "Too many failed sign-ins" in anon.get("/login?error=locked").text
    # other names are unaffected, and a success clears a name's failures
    assert attempt("analyst", PASSWORDS["analyst"]) == "/"
    app.state.login_throttle.succeeded("testclient", "monitor")  # TestClient's address
    assert attempt("monitor", PASSWORDS["monitor"]) == "/"
