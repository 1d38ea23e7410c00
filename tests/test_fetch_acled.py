"""``ceasefire fetch acled`` against a real HTTP server on loopback playing ACLED with
constructed rows in its API format (tests/data/fetch/README.md): the OAuth password grant,
a refresh after a 401 or past expires_in, a new log-in when the refresh is refused, paging,
an incremental rerun that asks only for what changed, a changed event (a new version, the old
kept), a deletion (the event withdrawn from the evidence, its history kept), and credentials
never shown or stored."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fetch_server import Answer, FakeProvider, Seen, load
from sqlalchemy import select

from ceasefire.errors import FetchError
from ceasefire.fetch import AcledLogin, FetchOptions, Politeness, Secret
from ceasefire.fetch.acled import AcledQuery, fetch_acled
from ceasefire.store import SQLStore, open_store, schema
from ceasefire.store.fetches import fetch_state, withdrawn_events

EMAIL, PASSWORD = "monitor@example.org", "acled-pass-8d1f0b"
QUERY = AcledQuery(country="Syria", start="2020-03-01", end="2020-03-31")


class FakeAcled:
    """ACLED's token endpoint, read and deleted endpoints over a small constructed dataset."""

    def __init__(self, provider: FakeProvider) -> None:
        data = load("acled/syria-2020-03.json")
        self.rows: dict[str, dict[str, Any]] = {r["event_id_cnty"]: r for r in data["events"]}
        self.changed, self.deleted_rows = data["changed"], data["deleted"]
        self.deleted: list[dict[str, Any]] = []
        self.valid: set[str] = set()
        self.refresh_ok: set[str] = set()
        self.count = itertools.count(1)
        self.expires_in = 86400
        provider.route("POST", "/oauth/token", self.token)
        provider.route("GET", "/api/acled/read", self.read)
        provider.route("GET", "/api/deleted/read", self.read_deleted)

    def living(self) -> None:
        """ACLED revises one event and deletes another."""
        self.rows[self.changed["event_id_cnty"]] = self.changed
        for d in self.deleted_rows:
            self.rows.pop(d["event_id_cnty"], None)
        self.deleted = list(self.deleted_rows)

    def token(self, seen: Seen) -> Answer:
        f = seen.form
        ok = f.get("client_id") == "acled" and (
            (
                f.get("grant_type") == "password"
                and (f.get("username"), f.get("password")) == (EMAIL, PASSWORD)
            )
            or (
                f.get("grant_type") == "refresh_token" and f.get("refresh_token") in self.refresh_ok
            )
        )
        if not ok:
            return Answer(400, {"error": "invalid_grant", "error_description": "bad login"})
        n = next(self.count)
        access, refresh = f"access-tok-{n}-9a7e", f"refresh-tok-{n}-41c2"
        self.valid.add(access)
        self.refresh_ok.add(refresh)
        return Answer(
            200,
            {
                "access_token": access,
                "refresh_token": refresh,
                "expires_in": self.expires_in,
                "token_type": "Bearer",
            },
        )

    def _authorised(self, seen: Seen) -> bool:
        auth = seen.headers.get("authorization", "")
        return auth.startswith("Bearer ") and auth[7:] in self.valid

    def _page(self, rows: list[dict[str, Any]], seen: Seen) -> Answer:
        limit, page = int(seen.query["limit"]), int(seen.query["page"])
        part = rows[(page - 1) * limit : page * limit]
        return Answer(200, {"status": 200, "success": True, "count": len(part), "data": part})

    def read(self, seen: Seen) -> Answer:
        if not self._authorised(seen):
            return Answer(401, {"status": 401, "message": "Access denied"})
        rows = sorted(self.rows.values(), key=lambda r: r["event_date"], reverse=True)
        if "timestamp" in seen.query:
            rows = [r for r in rows if int(r["timestamp"]) >= int(seen.query["timestamp"])]
        return self._page(rows, seen)

    def read_deleted(self, seen: Seen) -> Answer:
        if not self._authorised(seen):
            return Answer(401, {"status": 401, "message": "Access denied"})
        since = int(seen.query["deleted_timestamp"])
        return self._page([d for d in self.deleted if int(d["deleted_timestamp"]) >= since], seen)


@pytest.fixture
def acled(provider: FakeProvider) -> FakeAcled:
    return FakeAcled(provider)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLStore]:
    s = open_store(tmp_path / "fetch.db")
    yield s
    s.close()


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


def _options(provider: FakeProvider, clock: Clock | None = None) -> FetchOptions:
    clock = clock or Clock()
    return FetchOptions(
        base_url=provider.url,
        politeness=Politeness(min_interval=0.5, max_retries=2),
        sleep=clock.sleep,
        clock=clock,
        page_size=2,
    )


LOGIN = AcledLogin(EMAIL, Secret(PASSWORD))
#: When a first run starts: a day after the constructed rows were written (1700000000-400),
#: before ACLED revises and deletes (1700100000, 1700100500: :meth:`FakeAcled.living`).
NOW = 1700090000.0
#: When a later run starts: after the revision and the deletion.
LATER = 1700200000.0


def _fetch(store: SQLStore, provider: FakeProvider, **kw: Any) -> Any:
    now = kw.pop("now", NOW)
    return fetch_acled(
        store,
        QUERY,
        login=LOGIN,
        options=_options(provider, kw.pop("clock", None)),
        now=lambda: now,
    )


def test_login_paging_and_the_window(
    provider: FakeProvider, acled: FakeAcled, store: SQLStore
) -> None:
    report = _fetch(store, provider)
    assert (report.pages, report.rows, report.inserted, report.rejected) == (3, 5, 5, 0)
    [login] = provider.requests_to("/oauth/token")
    assert login.form == {
        "username": EMAIL,
        "password": PASSWORD,
        "grant_type": "password",
        "client_id": "acled",
    }
    reads = provider.requests_to("/api/acled/read")
    assert [s.query["page"] for s in reads] == ["1", "2", "3"]
    assert reads[0].query == {
        "_format": "json",
        "country": "Syria",
        "maritime_pairs": "true",  # and the events at sea off Syria's coast
        "limit": "2",
        "page": "1",
        "event_date": "2020-03-01|2020-03-31",
        "event_date_where": "BETWEEN",
    }
    assert all(s.headers["authorization"] == "Bearer access-tok-1-9a7e" for s in reads)
    assert provider.requests_to("/api/deleted/read") == []  # a first run has none to apply
    assert len(store.events(source_dataset="acled")) == 5


def test_a_401_mid_run_refreshes_the_token(
    provider: FakeProvider, acled: FakeAcled, store: SQLStore
) -> None:
    provider.fail("/api/acled/read", 401, query={"page": "2"}, body={"message": "Token expired"})
    report = _fetch(store, provider)
    assert report.rows == 5
    grants = [s.form["grant_type"] for s in provider.requests_to("/oauth/token")]
    assert grants == ["password", "refresh_token"]
    assert (
        provider.requests_to("/api/acled/read")[-1]
        .headers["authorization"]
        .endswith("access-tok-2-9a7e")
    )


def test_expires_in_passed_refreshes_before_asking(
    provider: FakeProvider, acled: FakeAcled, store: SQLStore
) -> None:
    acled.expires_in = 61  # expired (60 s margin) after the first pause between requests
    _fetch(store, provider)
    grants = [s.form["grant_type"] for s in provider.requests_to("/oauth/token")]
    assert grants[0] == "password" and set(grants[1:]) == {"refresh_token"}
    assert not [
        s
        for s in provider.requests_to("/api/acled/read")
        if "Bearer" not in s.headers["authorization"]
    ]


def test_a_refused_refresh_logs_in_again(
    provider: FakeProvider, acled: FakeAcled, store: SQLStore
) -> None:
    provider.fail("/api/acled/read", 401, query={"page": "2"})
    acled.refresh_ok.clear()
    acled.refresh_ok.add("never")
    orig = acled.token

    def no_refresh(seen: Seen) -> Answer:
        if seen.form.get("grant_type") == "refresh_token":
            return Answer(401, {"error": "invalid_grant"})
        return orig(seen)

    provider.routes[0] = ("POST", "/oauth/token", no_refresh)
    assert _fetch(store, provider).rows == 5
    grants = [s.form["grant_type"] for s in provider.requests_to("/oauth/token")]
    assert grants == ["password", "refresh_token", "password"]


def test_a_wrong_password_is_a_clear_error(
    provider: FakeProvider, acled: FakeAcled, store: SQLStore
) -> None:
    with pytest.raises(FetchError, match=r"/oauth/token: HTTP 400: ACLED refused the log-in") as e:
        fetch_acled(
            store, QUERY, login=AcledLogin(EMAIL, Secret("wrong-pw-77")), options=_options(provider)
        )
    assert "wrong-pw-77" not in str(e.value) and EMAIL not in str(e.value)


def test_a_rerun_asks_for_what_changed_and_applies_deletions(
    provider: FakeProvider, acled: FakeAcled, store: SQLStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _fetch(store, provider)
    acled.living()
    n_before = len(provider.seen)
    report = _fetch(store, provider, now=LATER)
    reads = provider.requests_to("/api/acled/read")[-1:]
    # only what was added or changed since the largest timestamp held (inclusive)
    assert reads[0].query["timestamp"] == "1700000400"
    assert (report.rows, report.updated, report.unchanged, report.withdrawn) == (2, 1, 1, 1)
    [deleted] = provider.requests_to("/api/deleted/read")
    assert deleted.query["deleted_timestamp"] == str(int(NOW) - 86400)
    assert deleted.query["deleted_timestamp_where"] == ">="
    assert len(provider.seen) - n_before == 4  # log-in, two read pages (2 rows, then 0), deleted
    # the changed event: a new version, the old one kept
    row = store.events(uids=["acled:SYR990002"]).iloc[0]
    assert (row["fatalities"], row["version"]) == (4, 2)
    assert store.event_versions("acled:SYR990002")["version"].tolist() == [1]
    # the deleted event: no longer evidence; its row and history stay
    assert withdrawn_events(store.engine) == ["acled:SYR990003"]
    assert "acled:SYR990003" not in set(store.events()["event_uid"])
    assert store.count_events() == 4
    with store.engine.connect() as conn:
        e = schema.events
        why = conn.execute(select(e.c.withdrawn_reason).where(e.c.event_uid == "acled:SYR990003"))
        assert why.scalar_one() == "deleted by ACLED"
    state = fetch_state(store.engine, "acled", QUERY.key)
    assert state is not None and state.status == "done"
    assert state.high_water == {"timestamp": 1700100000, "deleted_since": int(LATER) - 86400}
    _never_shown(store, caplog.text)


def test_a_persisting_500_keeps_progress_and_a_rerun_resumes(
    provider: FakeProvider, acled: FakeAcled, store: SQLStore
) -> None:
    provider.fail("/api/acled/read", 500, times=99, query={"page": "2"})
    with pytest.raises(
        FetchError, match=r"/api/acled/read\?.*page=2.*: HTTP 500 \(after 3 tries\)"
    ):
        _fetch(store, provider)
    assert store.count_events() == 2
    provider.faults.clear()
    report = _fetch(store, provider)
    assert report.resumed and (report.rows, report.inserted) == (3, 3)
    assert store.count_events() == 5
    pages = [s.query["page"] for s in provider.requests_to("/api/acled/read")]
    assert pages == ["1", "2", "2", "2", "2", "3"]


def test_withdrawn_events_leave_the_read_model(
    provider: FakeProvider, acled: FakeAcled, store: SQLStore
) -> None:
    from ceasefire.findings import Filters
    from ceasefire.store import read

    _fetch(store, provider)
    acled.living()
    _fetch(store, provider)
    page = read.events_page(store.engine, Filters(), read.Page(limit=50, offset=0))
    uids = {i["event_uid"] for i in page["items"]}
    assert page["total"] == 4 and "acled:SYR990003" not in uids
    days = read.event_days(store.engine, "2020-03-01", "2020-03-31")
    assert "2020-03-08" not in days and sum(days.values()) == 4


def _never_shown(store: SQLStore, logs: str) -> None:
    secrets = [PASSWORD, "access-tok-", "refresh-tok-"]
    for s in secrets:
        assert s not in logs
    with store.engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            text = repr(pd.DataFrame(conn.execute(select(table)).all()).to_dict())
            for s in secrets:
                assert s not in text, table.name


class Killed(BaseException):
    """The process dies (kill -9) after a page's write committed, before its cursor did."""


def test_a_page_stored_before_its_cursor_is_stored_again_idempotently(
    provider: FakeProvider, acled: FakeAcled, store: SQLStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ceasefire.fetch.acled as module

    real = module.save_cursor

    def die_on(n: int) -> Any:
        calls = itertools.count(1)

        def save(*args: Any, **kwargs: Any) -> None:
            if next(calls) == n:
                raise Killed
            real(*args, **kwargs)

        return save

    with monkeypatch.context() as m:  # the first run dies after its second page's ingest
        m.setattr(module, "save_cursor", die_on(2))
        with pytest.raises(Killed):
            _fetch(store, provider)
    assert store.count_events() == 4
    report = _fetch(store, provider)
    assert report.resumed and (report.inserted, report.unchanged) == (1, 2)
    assert store.count_events() == 5 and store.event_versions("acled:SYR990001").empty
    # a later run dies after the deletions were applied, before their cursor was saved
    acled.living()
    with monkeypatch.context() as m:
        m.setattr(module, "save_cursor", die_on(1))
        with pytest.raises(Killed):
            _fetch(store, provider)
    assert withdrawn_events(store.engine) == ["acled:SYR990003"]
    report = _fetch(store, provider)
    assert report.resumed and (report.withdrawn, report.updated) == (0, 1)
    assert withdrawn_events(store.engine) == ["acled:SYR990003"] and store.count_events() == 4
    state = fetch_state(store.engine, "acled", QUERY.key)
    assert state is not None and state.status == "done" and state.cursor is None


def test_a_change_during_a_run_to_a_page_read_before_is_asked_again(
    provider: FakeProvider, acled: FakeAcled, store: SQLStore
) -> None:
    # ACLED revises two events while a run reads its pages: SYR990005 (page 1, read before
    # the revision) at T, SYR990001 (page 3, read after it) at T + 10. The run stores the new
    # SYR990001, the old SYR990005, and holds T + 10 as the largest timestamp: the next run must
    # still ask for SYR990005's revision, written before that but after the run started
    started, revised = 1700001000, 1700002000
    read = acled.read

    def revising(seen: Seen) -> Answer:
        if seen.query.get("page") == "2" and "timestamp" not in seen.query:
            for uid, when in (("SYR990005", revised), ("SYR990001", revised + 10)):
                acled.rows[uid] = {**acled.rows[uid], "fatalities": "9", "timestamp": str(when)}
        return read(seen)

    provider.routes = [r for r in provider.routes if r[1] != "/api/acled/read"]
    provider.route("GET", "/api/acled/read", revising)
    opts = _options(provider)
    fetch_acled(store, QUERY, login=LOGIN, options=opts, now=lambda: started)
    assert store.events(uids=["acled:SYR990005"]).iloc[0]["fatalities"] == 1  # read before
    fetch_acled(store, QUERY, login=LOGIN, options=opts, now=lambda: revised + 1000)
    rows = store.events(uids=["acled:SYR990001", "acled:SYR990005"])
    assert rows["fatalities"].tolist() == [9, 9]
