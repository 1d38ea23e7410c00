"""``ceasefire fetch ucdp`` against a real HTTP server on loopback serving recorded,
constructed UCDP GED API answers (tests/data/fetch/README.md): paging by NextPageUrl, the token
header, plain days for the reader, candidate releases overriding row for row, 429 with
Retry-After, a 500 then success, a 500 that persists (clear error, progress kept, a rerun
resumes without duplicates), incremental reruns, and the token never shown or stored."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fetch_server import Answer, FakeProvider, Seen, load
from sqlalchemy import select

from ceasefire.errors import FetchError
from ceasefire.fetch import FetchOptions, Politeness, Secret, UcdpQuery, fetch_ucdp
from ceasefire.store import SQLStore, open_store, schema
from ceasefire.store.fetches import attributions, fetch_state

TOKEN = "ucdp-test-token-5f2c9d"
PATH = "/api/gedevents/"
JULY = {"country": "Syria", "start": "2019-07-01", "end": "2019-07-31"}


def _gedevents(seen: Seen) -> Answer:
    if seen.headers.get("x-ucdp-access-token") != TOKEN:
        return Answer(401, "API token required. Add header: x-ucdp-access-token")
    version = seen.path[len(PATH) :]
    try:
        return Answer(200, load(f"ucdp/{version}-page-{seen.query.get('page', '0')}.json"))
    except FileNotFoundError:
        return Answer(404, {"message": f"version {version} not found"})


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    p = FakeProvider()
    p.route("GET", PATH, _gedevents)
    yield p
    p.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLStore]:
    s = open_store(tmp_path / "fetch.db")
    yield s
    s.close()


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def _options(provider: FakeProvider, sleeps: Sleeps | None = None, **kw: Any) -> FetchOptions:
    polite = Politeness(min_interval=0.0, max_retries=kw.pop("max_retries", 3))
    return FetchOptions(base_url=provider.url, politeness=polite, sleep=sleeps, **kw)


def _july(version: str = "25.1") -> UcdpQuery:
    return UcdpQuery(version, **JULY)


def test_pages_are_followed_with_the_token_into_the_store(
    provider: FakeProvider, store: SQLStore
) -> None:
    progress: list[tuple[int, int | None]] = []
    opts = _options(provider, progress=lambda n, total: progress.append((n, total)))
    [report] = fetch_ucdp(store, [_july()], token=Secret(TOKEN), options=opts)
    assert (report.pages, report.rows, report.inserted, report.rejected) == (3, 6, 6, 0)
    assert progress == [(2, 6), (4, 6), (6, 6)]
    asked = provider.requests_to(PATH)
    assert [s.query["page"] for s in asked] == ["0", "1", "2"]
    # NextPageUrl names UCDP's own host: the token went to the --base-url server only
    assert all(s.headers["x-ucdp-access-token"] == TOKEN for s in asked)
    assert asked[0].query == {
        "pagesize": "1000",
        "page": "0",
        "Country": "652",
        "StartDate": "2019-07-01",
        "EndDate": "2019-07-31",
    }
    events = store.events(source_dataset="ucdp_ged")
    assert len(events) == 6 and events["event_date"].str.fullmatch(r"2019-07-\d\d").all()
    state = fetch_state(store.engine, "ucdp_ged", _july().key)
    assert state is not None and state.status == "done" and state.cursor is None
    assert state.high_water == {"pages": 3, "total": 6, "version": "25.1"}
    assert attributions(store.engine)["ucdp_ged"].licence == "CC BY 4.0"


def test_a_completed_release_is_not_asked_again(provider: FakeProvider, store: SQLStore) -> None:
    fetch_ucdp(store, [_july()], token=Secret(TOKEN), options=_options(provider))
    n = len(provider.seen)
    [again] = fetch_ucdp(store, [_july()], token=Secret(TOKEN), options=_options(provider))
    assert again.skipped and len(provider.seen) == n  # nothing asked: a release is fixed
    [forced] = fetch_ucdp(
        store, [_july()], token=Secret(TOKEN), options=_options(provider, force=True)
    )
    assert (forced.inserted, forced.updated, forced.unchanged) == (0, 0, 6)


def test_candidate_releases_override_row_for_row(provider: FakeProvider, store: SQLStore) -> None:
    queries = [_july("25.1"), _july("25.0.7"), _july("25.0.8")]
    reports = fetch_ucdp(store, queries, token=Secret(TOKEN), options=_options(provider))
    assert [(r.inserted, r.updated) for r in reports] == [(6, 0), (1, 1), (0, 1)]
    row = store.events(uids=["ucdp_ged:303254"]).iloc[0]
    assert (row["fatalities"], row["fatalities_high"], row["version"]) == (4, 5, 3)
    versions = store.event_versions("ucdp_ged:303254")
    assert versions["version"].tolist() == [1, 2]  # the final and the first candidate kept


def test_429_waits_as_retry_after_says(provider: FakeProvider, store: SQLStore) -> None:
    provider.fail(PATH, 429, headers={"Retry-After": "3"}, query={"page": "1"})
    sleeps = Sleeps()
    [report] = fetch_ucdp(store, [_july()], token=Secret(TOKEN), options=_options(provider, sleeps))
    assert report.rows == 6 and report.requests == 4
    assert 3.0 in sleeps


def test_a_500_mid_way_is_retried_with_backoff(provider: FakeProvider, store: SQLStore) -> None:
    provider.fail(PATH, 500, times=2, query={"page": "2"})
    sleeps = Sleeps()
    [report] = fetch_ucdp(store, [_july()], token=Secret(TOKEN), options=_options(provider, sleeps))
    assert (report.rows, report.inserted, report.requests) == (6, 6, 5)
    assert sleeps == [2.0, 4.0]


def test_a_500_that_persists_stops_and_a_rerun_resumes(
    provider: FakeProvider, store: SQLStore, caplog: pytest.LogCaptureFixture
) -> None:
    provider.fail(PATH, 500, times=99, query={"page": "1"}, body={"message": "backend down"})
    caplog.set_level(logging.DEBUG)
    with pytest.raises(FetchError) as info:
        fetch_ucdp(store, [_july()], token=Secret(TOKEN), options=_options(provider, Sleeps()))
    message = str(info.value)
    assert "HTTP 500" in message and "backend down" in message and "after 4 tries" in message
    assert f"{provider.url}{PATH}25.1?pagesize=2&page=1" in message  # the URL, no token
    assert len(provider.requests_to(PATH)) == 1 + 4  # retries end (UCDP counts errors)
    state = fetch_state(store.engine, "ucdp_ged", _july().key)
    assert state is not None and state.status == "failed" and state.cursor is not None
    assert state.cursor["page"] == 1 and store.count_events() == 2
    provider.faults.clear()
    [report] = fetch_ucdp(store, [_july()], token=Secret(TOKEN), options=_options(provider))
    assert report.resumed and [s.query["page"] for s in provider.requests_to(PATH)][-2:] == [
        "1",
        "2",
    ]
    assert (report.rows, report.inserted) == (4, 4) and store.count_events() == 6
    state = fetch_state(store.engine, "ucdp_ged", _july().key)
    assert state is not None and state.status == "done" and state.rows_fetched == 6
    _never_shown(TOKEN, store, caplog.text)


def test_an_interrupted_run_resumes_without_duplicates(
    provider: FakeProvider, store: SQLStore
) -> None:
    def stop(done: int, total: int | None) -> None:
        if done == 2:
            raise KeyboardInterrupt  # Ctrl-C after the first page was stored

    with pytest.raises(KeyboardInterrupt):
        fetch_ucdp(store, [_july()], token=Secret(TOKEN), options=_options(provider, progress=stop))
    state = fetch_state(store.engine, "ucdp_ged", _july().key)
    assert (
        state is not None and state.status == "failed" and state.last_error == "KeyboardInterrupt"
    )
    assert state.cursor is not None and state.cursor["page"] == 1
    [report] = fetch_ucdp(store, [_july()], token=Secret(TOKEN), options=_options(provider))
    assert report.resumed and (report.pages, report.inserted, report.unchanged) == (2, 4, 0)
    assert store.count_events() == 6 and len(provider.requests_to(PATH)) == 3


def test_a_missing_token_is_refused_clearly(provider: FakeProvider, store: SQLStore) -> None:
    with pytest.raises(FetchError, match=r"HTTP 401: API token required") as info:
        fetch_ucdp(store, [_july()], token=Secret("wrong-token-1"), options=_options(provider))
    assert "wrong-token-1" not in str(info.value)
    assert len(provider.requests_to(PATH)) == 1  # a 4xx is not retried


def test_a_bad_version_or_country_is_bad_input() -> None:
    from ceasefire.errors import InputError

    with pytest.raises(InputError, match="not a UCDP version"):
        UcdpQuery("latest")
    with pytest.raises(InputError, match="Gleditsch-Ward"):
        UcdpQuery("25.1", country="Narnia").params(10)


def _never_shown(token: str, store: SQLStore, logs: str) -> None:
    """The token is in no log line and in no stored text (every table's every value)."""
    assert token not in logs
    with store.engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            for row in conn.execute(select(table)):
                assert token not in repr(tuple(row)), table.name


def test_provenance_is_the_page_url_and_a_forced_rerun_stores_nothing_new(
    provider: FakeProvider, store: SQLStore
) -> None:
    fetch_ucdp(store, [_july()], token=Secret(TOKEN), options=_options(provider))
    files = store.ingests()["file"].tolist()
    assert [f.rsplit("page=", 1)[1].split("&")[0] for f in files] == ["0", "1", "2"]
    for f in files:
        assert f.startswith(f"{provider.url}/api/gedevents/25.1?pagesize=") and "Country=652" in f
        assert "ceasefire-fetch-" not in f and TOKEN not in f
    assert set(store.events()["source_file"]) == set(files)
    [again] = fetch_ucdp(
        store, [_july()], token=Secret(TOKEN), options=_options(provider, force=True)
    )
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 6)
    assert set(store.events()["source_file"]) == set(files)


def test_an_earlier_release_fetched_after_a_later_one_does_not_win(
    provider: FakeProvider, store: SQLStore
) -> None:
    # 25.0.8 first (alone), then the list in release order: the earlier 25.0.7 is new and
    # writes its older row; the later 25.0.8, done before, is asked again so that it wins
    fetch_ucdp(store, [_july("25.0.8")], token=Secret(TOKEN), options=_options(provider))
    reports = fetch_ucdp(
        store, [_july("25.0.7"), _july("25.0.8")], token=Secret(TOKEN), options=_options(provider)
    )
    assert [r.skipped for r in reports] == [False, False]
    assert (reports[0].updated, reports[1].updated) == (1, 1)
    row = store.events(uids=["ucdp_ged:303254"]).iloc[0]
    assert (row["fatalities"], row["fatalities_high"]) == (4, 5)  # 25.0.8's row, not 25.0.7's
    # nothing new written by the earlier one: a later release done before is not asked again
    n = len(provider.requests_to(PATH))
    reports = fetch_ucdp(
        store, [_july("25.0.7"), _july("25.0.8")], token=Secret(TOKEN), options=_options(provider)
    )
    assert [r.skipped for r in reports] == [True, True] and len(provider.requests_to(PATH)) == n


class Killed(BaseException):
    """The process dies (kill -9) after a page's ingest committed, before its cursor did."""


def test_a_page_stored_before_its_cursor_is_stored_again_idempotently(
    provider: FakeProvider, store: SQLStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ceasefire.fetch.ucdp as ucdp

    def die(*args: Any, **kwargs: Any) -> None:
        raise Killed

    with monkeypatch.context() as m:
        m.setattr(ucdp, "save_cursor", die)
        with pytest.raises(Killed):
            fetch_ucdp(store, [_july()], token=Secret(TOKEN), options=_options(provider))
    assert store.count_events() == 2  # page 0 committed, its cursor not
    state = fetch_state(store.engine, "ucdp_ged", _july().key)
    assert state is not None and state.cursor is not None and state.cursor["page"] == 0
    [report] = fetch_ucdp(store, [_july()], token=Secret(TOKEN), options=_options(provider))
    assert report.resumed and (report.pages, report.inserted, report.unchanged) == (3, 4, 2)
    assert store.count_events() == 6 and store.event_versions("ucdp_ged:303254").empty
    assert [s.query["page"] for s in provider.requests_to(PATH)] == ["0", "0", "1", "2"]
