"""A hostile or broken provider against the fetcher, on the loopback server: a huge body
(declared or not), a slow drip, an HTML page, wrong JSON, JSON too deep, pages without end, a
page that repeats, a NextPageUrl on another host or path, an absurd Retry-After, a server that
echoes the token. Each ends with a clear error (naming the limit where one was passed), in
bounded memory and time, and no secret shows in an error, its repr, the log or the store."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fetch_server import Answer, FakeProvider, Seen, load
from sqlalchemy import select

from ceasefire.errors import FetchError
from ceasefire.fetch import FetchOptions, Politeness, Secret, UcdpQuery, fetch_ucdp
from ceasefire.fetch.acled import AcledQuery, fetch_acled
from ceasefire.fetch.credentials import AcledLogin
from ceasefire.fetch.http import MAX_RETRY_AFTER_SECONDS, safe_url
from ceasefire.store import SQLStore, open_store, schema
from ceasefire.store.fetches import fetch_state

TOKEN = "ucdp-hostile-token-77e1"
PATH = "/api/gedevents/25.1"
Q = UcdpQuery("25.1", country="652")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLStore]:
    s = open_store(tmp_path / "h.db")
    yield s
    s.close()


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def _options(provider: FakeProvider, **kw: Any) -> FetchOptions:
    polite = Politeness(min_interval=0.0, max_retries=2, **kw.pop("politeness", {}))
    return FetchOptions(base_url=provider.url, politeness=polite, sleep=Sleeps(), **kw)


def _ucdp(store: SQLStore, provider: FakeProvider, **kw: Any) -> Any:
    return fetch_ucdp(store, [Q], token=Secret(TOKEN), options=_options(provider, **kw))


def _page(n: int, nxt: str, rows: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A page of a release without end: one (the same) row unless ``rows`` says otherwise."""
    if rows is None:
        rows = load("ucdp/25.1-page-0.json")["Result"][:1]
    return {"TotalCount": 10**6, "TotalPages": 10**6, "NextPageUrl": nxt, "Result": rows}


def _assert_secret_free(store: SQLStore, *texts: str) -> None:
    for t in texts:
        assert TOKEN not in t
    with store.engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            dump = repr(pd.DataFrame(conn.execute(select(table)).all()).to_dict())
            assert TOKEN not in dump, table.name


def test_a_declared_huge_body_is_refused_before_reading_it(
    provider: FakeProvider, store: SQLStore
) -> None:
    provider.route("GET", PATH, lambda s: Answer(200, b"[" + b"0," * 50_000 + b"0]"))
    with pytest.raises(FetchError, match=r"larger than 1,000 bytes \(the limit MAX_RESPONSE_BYTES"):
        _ucdp(store, provider, politeness={"max_response_bytes": 1000})
    assert fetch_state(store.engine, "ucdp_ged", Q.key).status == "failed"  # type: ignore[union-attr]


def test_an_undeclared_huge_body_stops_at_the_limit(
    provider: FakeProvider, store: SQLStore
) -> None:
    body = b"[" + b"0," * 500_000 + b"0]"  # no Content-Length: read until the limit
    provider.route("GET", PATH, lambda s: Answer(200, body, length=False, chunks=100))
    with pytest.raises(FetchError, match=r"MAX_RESPONSE_BYTES"):
        _ucdp(store, provider, politeness={"max_response_bytes": 20_000})


def test_a_slow_drip_is_given_up_after_the_time_limit(
    provider: FakeProvider, store: SQLStore
) -> None:
    # each chunk comes well inside the read timeout; the whole answer would take 4 s
    body = {"Result": [], "NextPageUrl": ""}
    provider.route("GET", PATH, lambda s: Answer(200, body, chunks=20, drip=0.2))
    with pytest.raises(FetchError, match=r"longer than 0.5 s \(the limit MAX_RESPONSE_SECONDS\)"):
        _ucdp(store, provider, politeness={"max_response_seconds": 0.5})


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            Answer(200, "<html><body>Sign in</body></html>", {"Content-Type": "text/html"}),
            r"HTTP 200 but the answer is an HTML page \(text/html\)",
        ),
        (Answer(200, "{not json", {"Content-Type": "text/plain"}), r"not JSON \(text/plain\)"),
        (Answer(200, "[" * 200 + "]" * 200), r"nested deeper than 64 \(the limit\)"),
        (Answer(200, {"Result": "rows"}), r"the answer has no Result list"),
        (Answer(200, {"Result": [1, 2]}), r"a Result row is not an object"),
        (Answer(200, {"Result": [], "NextPageUrl": 7}), r"NextPageUrl is not text"),
    ],
)
def test_wrong_answers_are_clear_errors(
    provider: FakeProvider, store: SQLStore, answer: Answer, message: str
) -> None:
    provider.route("GET", PATH, lambda s: answer)
    with pytest.raises(FetchError, match=message) as e:
        _ucdp(store, provider)
    assert str(e.value).startswith("GET http://127.0.0.1:")
    _assert_secret_free(store, str(e.value), repr(e.value))


def test_pages_without_end_stop_at_the_page_limit(provider: FakeProvider, store: SQLStore) -> None:
    def endless(seen: Seen) -> Answer:
        n = int(seen.query["page"])
        return Answer(200, _page(n, f"{provider.url}{PATH}?pagesize=1000&page={n + 1}"))

    provider.route("GET", PATH, endless)
    with pytest.raises(FetchError, match=r"more than 5 pages in one run \(the limit MAX_PAGES\)"):
        _ucdp(store, provider, max_pages=5)
    assert len(provider.requests_to(PATH)) == 5


def test_an_empty_page_ends_the_run_whatever_its_next_page_url(
    provider: FakeProvider, store: SQLStore
) -> None:
    def more(seen: Seen) -> Answer:
        n = int(seen.query["page"])
        nxt = f"{provider.url}{PATH}?pagesize=1000&page={n + 1}"
        return Answer(200, _page(n, nxt, None if n == 0 else []))

    provider.route("GET", PATH, more)
    [report] = _ucdp(store, provider)
    assert (report.pages, report.rows) == (2, 1) and len(provider.requests_to(PATH)) == 2
    state = fetch_state(store.engine, "ucdp_ged", Q.key)
    assert state is not None and state.status == "done"


def test_a_page_that_points_back_is_a_loop_not_followed(
    provider: FakeProvider, store: SQLStore
) -> None:
    def loop(seen: Seen) -> Answer:
        n = int(seen.query["page"])
        # page 1 names page 0 again (with the query in the first page's order)
        nxt = f"{provider.url}{PATH}?pagesize=1000&page={(n + 1) % 2}&Country=652"
        return Answer(200, _page(n, nxt))

    provider.route("GET", PATH, loop)
    with pytest.raises(FetchError, match=r"names a page read before in this run"):
        _ucdp(store, provider)
    assert len(provider.requests_to(PATH)) == 2


def test_an_acled_page_that_repeats_is_stopped(provider: FakeProvider, store: SQLStore) -> None:
    rows = load("acled/syria-2020-03.json")["events"][:2]
    provider.route(
        "POST", "/oauth/token", lambda s: Answer(200, {"access_token": "a-tok", "expires_in": 99})
    )
    provider.route("GET", "/api/acled/read", lambda s: Answer(200, {"status": 200, "data": rows}))
    opts = _options(provider, page_size=2)
    with pytest.raises(FetchError, match=r"page 2 repeats the page before it"):
        fetch_acled(
            store,
            AcledQuery(country="Syria"),
            login=AcledLogin("m@example.org", Secret("pw-hostile-1")),
            options=opts,
        )
    assert store.count_events() == 2


def test_the_token_never_goes_to_another_host_or_path(
    provider: FakeProvider, store: SQLStore
) -> None:
    elsewhere = FakeProvider()
    try:
        first = load("ucdp/25.1-page-0.json")
        provider.route(
            "GET",
            PATH,
            lambda s: (
                Answer(200, {**first, "NextPageUrl": f"{elsewhere.url}{PATH}?page=1"})
                if s.query["page"] == "0"
                else Answer(200, {**first, "NextPageUrl": f"{provider.url}/api/other?page=2"})
            ),
        )
        with pytest.raises(FetchError, match=r"is not a page of /api/gedevents/25.1: not followed"):
            _ucdp(store, provider)
        assert elsewhere.seen == []  # page 1 was asked of the server the fetch started on
        assert [s.query["page"] for s in provider.requests_to(PATH)] == ["0", "1"]
        assert provider.requests_to("/api/other") == []
    finally:
        elsewhere.close()


def test_an_absurd_retry_after_is_capped(provider: FakeProvider, store: SQLStore) -> None:
    provider.fail(PATH, 429, headers={"Retry-After": "9" * 500})
    provider.fail(PATH, 503, headers={"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"})
    provider.route("GET", PATH, lambda s: Answer(200, {"Result": [], "NextPageUrl": ""}))
    opts = _options(provider)
    fetch_ucdp(store, [Q], token=Secret(TOKEN), options=opts)
    assert opts.sleep == [MAX_RETRY_AFTER_SECONDS, MAX_RETRY_AFTER_SECONDS] == [900.0, 900.0]


def test_a_token_echoed_or_in_next_page_url_is_never_shown_or_stored(
    provider: FakeProvider, store: SQLStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    first = load("ucdp/25.1-page-0.json")

    def echo(seen: Seen) -> Answer:
        if seen.query["page"] == "0":  # a server that puts the token into its next page's URL
            return Answer(200, {**first, "NextPageUrl": f"{PATH}?page=1&access_token={TOKEN}"})
        return Answer(400, {"message": f"bad token {TOKEN} for page 1"})

    provider.route("GET", PATH, echo)
    with pytest.raises(FetchError, match=r"HTTP 400: bad token \*\*\* for page 1") as e:
        _ucdp(store, provider)
    state = fetch_state(store.engine, "ucdp_ged", Q.key)
    assert state is not None and "access_token" not in str(state.cursor)
    [_, second] = provider.requests_to(PATH)
    assert second.query == {"page": "1"}  # the token stays in its header, not in the URL
    _assert_secret_free(store, str(e.value), repr(e.value), caplog.text, str(state))
    assert safe_url(f"http://h/x?access_token={TOKEN}") == "http://h/x?access_token=***"


def test_httpx_s_own_log_shows_urls_cut_of_credentials(
    provider: FakeProvider, caplog: pytest.LogCaptureFixture
) -> None:
    from ceasefire.fetch import PoliteClient

    caplog.set_level(logging.DEBUG)
    provider.route("GET", "/x", lambda s: Answer(200, {}))
    with PoliteClient(Politeness(min_interval=0.0)) as client:
        client.get_json(f"{provider.url}/x", params={"key": TOKEN, "page": "1"})
    assert "HTTP Request: GET" in caplog.text and "key=***&page=1" in caplog.text
    assert TOKEN not in caplog.text


def test_an_answer_that_cannot_be_decoded_is_retried_then_a_clear_error(
    provider: FakeProvider, store: SQLStore
) -> None:
    bad = Answer(200, b"not gzip at all", {"Content-Encoding": "gzip"})
    provider.route("GET", PATH, lambda s: bad)
    with pytest.raises(FetchError, match=r"no answer \(DecodingError\) after 3 tries"):
        _ucdp(store, provider)


def test_an_acled_error_that_echoes_the_token_is_scrubbed(
    provider: FakeProvider, store: SQLStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    provider.route(
        "POST", "/oauth/token", lambda s: Answer(200, {"access_token": TOKEN, "expires_in": 99})
    )
    provider.route(
        "GET",
        "/api/acled/read",
        lambda s: Answer(200, {"success": False, "error": f"token {TOKEN} lacks access"}),
    )
    with pytest.raises(FetchError, match=r"ACLED answered an error: token \*\*\* lacks") as e:
        fetch_acled(
            store,
            AcledQuery(country="Syria"),
            login=AcledLogin("m@example.org", Secret("pw-hostile-2")),
            options=_options(provider),
        )
    state = fetch_state(store.engine, "acled", AcledQuery(country="Syria").key)
    assert state is not None and state.last_error is not None and "***" in state.last_error
    _assert_secret_free(store, str(e.value), repr(e.value), caplog.text)


def test_acled_pages_without_end_stop_at_the_page_limit(
    provider: FakeProvider, store: SQLStore
) -> None:
    row = load("acled/syria-2020-03.json")["events"][0]

    def endless(seen: Seen) -> Answer:  # always a full page, of new ids
        n = int(seen.query["page"])
        data = [{**row, "event_id_cnty": f"SYR99{n:03d}{i}"} for i in range(2)]
        return Answer(200, {"status": 200, "data": data})

    provider.route(
        "POST", "/oauth/token", lambda s: Answer(200, {"access_token": "a-tok", "expires_in": 99})
    )
    provider.route("GET", "/api/acled/read", endless)
    with pytest.raises(FetchError, match=r"more than 3 pages in one run \(the limit MAX_PAGES\)"):
        fetch_acled(
            store,
            AcledQuery(country="Syria"),
            login=AcledLogin("m@example.org", Secret("pw-hostile-3")),
            options=_options(provider, page_size=2, max_pages=3),
        )
    assert len(provider.requests_to("/api/acled/read")) == 3 and store.count_events() == 6
