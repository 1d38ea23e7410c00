"""``ceasefire fetch acled``: the ACLED API into the store, through the ACLED reader.

Log-in is ACLED's OAuth password grant (``POST {base}/oauth/token``, form ``username`` = the
account's e-mail, ``password``, ``grant_type=password``, ``client_id=acled``); reads send
``Authorization: Bearer <access_token>``. The token is refreshed (``grant_type=refresh_token``)
when its ``expires_in`` has passed or a read answers 401, and the account logs in again when
the refresh is refused (docs/providers.md).

Reads are ``GET {base}/api/acled/read?_format=json`` with the filters (``country`` with
``maritime_pairs=true``, ``region``, ``event_date`` BETWEEN the days, ``event_type``),
``limit`` and ``page`` (from 1), until a page holds fewer than ``limit`` rows. ACLED is a
living dataset: a run after a completed one first asks for ACLED's deleted events since the
last run (``GET {base}/api/deleted/read``, ``deleted_timestamp`` >= it), which are withdrawn
from the evidence at their deletion time (:func:`ceasefire.store.fetches.withdraw_events`: the
row and its versions stay, the verdicts go), then only for the rows added or changed since
(``timestamp`` >= the largest ``timestamp`` held: ties are asked again and store as
unchanged; and no later than a day before the last run started, so that a row revised while
that run read its pages is asked again). A changed event is a new version of the stored one; a
withdrawn event served again
with a ``timestamp`` newer than its deletion is current evidence again
(:func:`ceasefire.store.fetches.reinstate_events`), a new version with the withdrawal kept in
its history.

``maritime_pairs=true`` (on unless the query turns it off) makes a country query include the
events ACLED places at sea off its coast (offshore events near Syria's coast carry the sea as
their ``country``: docs/providers.md).

>>> q = AcledQuery(country="Syria", start="2020-01-01", end="2020-12-31")
>>> q.key
'acled:country=Syria:maritime_pairs=true:event_date=2020-01-01|2020-12-31'
>>> q.filters()["event_date_where"], q.filters()["maritime_pairs"]
('BETWEEN', 'true')
>>> "maritime_pairs" in AcledQuery(country="Syria", maritime_pairs=False).filters()
False
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import httpx

from ceasefire.errors import FetchError
from ceasefire.fetch.credentials import AcledLogin, Secret
from ceasefire.fetch.http import PoliteClient, safe_url
from ceasefire.fetch.pages import (
    FetchOptions,
    FetchReport,
    query_day,
    store_page,
    too_many_pages,
)
from ceasefire.store import SQLStore
from ceasefire.store.fetches import (
    Attribution,
    fail_run,
    fetch_state,
    finish_run,
    put_attribution,
    reinstate_events,
    save_cursor,
    start_run,
    withdraw_events,
)
from ceasefire.vocab import SourceDataset

__all__ = [
    "ACLED_ATTRIBUTION",
    "BASE_URL",
    "PAGE_SIZE",
    "AcledAuth",
    "AcledQuery",
    "fetch_acled",
]

#: ACLED's server (the API moved there from api.acleddata.com in September 2025).
BASE_URL: Final = "https://acleddata.com"
TOKEN_PATH: Final = "/oauth/token"
READ_PATH: Final = "/api/acled/read"
DELETED_PATH: Final = "/api/deleted/read"
#: Rows per page (ACLED's documented default; its maximum is not published).
PAGE_SIZE: Final = 5000
#: A token is renewed this many seconds before ``expires_in`` says it ends.
_EXPIRY_MARGIN: Final = 60.0
#: Deletions are asked from this long before the last run started (overlap is harmless).
_DELETED_OVERLAP: Final = 86400
#: Changes are asked from at most this long before the last run started, although a larger
#: ``timestamp`` was held: a row revised while the run read its pages, on a page read before
#: the revision, has a ``timestamp`` smaller than one read after it (ties store as unchanged).
_CHANGED_OVERLAP: Final = 86400
_SOURCE: Final = SourceDataset.ACLED.value

#: ACLED's terms of use and the citation it asks for (docs/providers.md, "Terms of use").
ACLED_ATTRIBUTION: Final = Attribution(
    source_dataset=_SOURCE,
    name="Armed Conflict Location & Event Data (ACLED)",
    licence=(
        "ACLED Terms of Use and Attribution Policy: use must be clearly and prominently "
        "acknowledged; no redistribution of the raw data to other users; commercial use needs "
        "a licence"
    ),
    licence_url="https://epo.acleddata.com/terms-of-use-and-attribution-policy",
    citation=(
        "Armed Conflict Location & Event Data (ACLED), https://acleddata.com. Raleigh, "
        'Clionadh, Roudabeh Kishi and Andrew Linke (2023), "Political instability patterns '
        'are obscured by conflict dataset scope conditions, sources, and coding choices", '
        "Humanities and Social Sciences Communications 10(74)."
    ),
    terms_url="https://epo.acleddata.com/terms-of-use-and-attribution-policy",
)


@dataclass(frozen=True)
class AcledQuery:
    """The filters of one ACLED query."""

    country: str | None = None
    region: str | None = None
    start: str | dt.date | None = None
    end: str | dt.date | None = None
    event_types: tuple[str, ...] = ()
    maritime_pairs: bool = True

    def filters(self) -> dict[str, str]:
        """The query parameters of the filters (no paging, no ``timestamp``)."""
        out: dict[str, str] = {}
        if self.country:
            out["country"] = self.country.strip()
            if self.maritime_pairs:  # and the events at sea off its coast
                out["maritime_pairs"] = "true"
        if self.region:
            out["region"] = self.region.strip()
        start, end = query_day(self.start, "start"), query_day(self.end, "end")
        if start or end:
            out["event_date"] = f"{start or '1997-01-01'}|{end or '9999-12-31'}"
            out["event_date_where"] = "BETWEEN"
        if self.event_types:
            # ACLED's OR: event_type=A:OR:event_type=B
            out["event_type"] = ":OR:event_type=".join(t.strip() for t in self.event_types)
        return out

    @property
    def key(self) -> str:
        """The query key the store records its runs under."""
        f = self.filters()
        names = ("country", "maritime_pairs", "region", "event_date", "event_type")
        parts = [f"{k}={f[k]}" for k in names if k in f]
        return ":".join(["acled", *parts])


class AcledAuth:
    """ACLED's OAuth tokens for one account: logs in, refreshes when the token has expired or
    a read was refused, and logs in again when the refresh is refused."""

    def __init__(
        self,
        client: PoliteClient,
        base: str,
        login: AcledLogin,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._url = base + TOKEN_PATH
        self._login = login
        self._clock = clock
        self._access: Secret | None = None
        self._refresh: Secret | None = None
        self._expires = 0.0
        self.logins = 0
        self.refreshes = 0
        client.forget_later(login.password.reveal())

    def header(self) -> dict[str, str]:
        """The ``Authorization`` header, with a fresh token when it has expired."""
        if self._access is None:
            self.log_in()
        elif self._clock() >= self._expires - _EXPIRY_MARGIN:
            self.renew()
        assert self._access is not None
        return {"Authorization": f"Bearer {self._access.reveal()}"}

    def renew(self) -> None:
        """A new access token: by the refresh token, else by logging in again."""
        if self._refresh is not None and self._token(
            {
                "grant_type": "refresh_token",
                "refresh_token": self._refresh.reveal(),
                "client_id": "acled",
            },
            refreshing=True,
        ):
            self.refreshes += 1
            return
        self.log_in()

    def log_in(self) -> None:
        """Exchange the e-mail and password for tokens; :class:`FetchError` when refused."""
        self.logins += 1
        self._token(
            {
                "username": self._login.email,
                "password": self._login.password.reveal(),
                "grant_type": "password",
                "client_id": "acled",
            },
            refreshing=False,
        )

    def _token(self, form: dict[str, str], *, refreshing: bool) -> bool:
        r = self._client.request("POST", self._url, data=form, passthrough=(400, 401, 403))
        if r.status_code != 200:
            if refreshing:
                return False
            raise FetchError(
                f"POST {safe_url(self._url)}: HTTP {r.status_code}: ACLED refused the log-in "
                "(check ACLED_EMAIL and ACLED_PASSWORD, or the credentials file, and that the "
                "account has API access)"
            )
        try:
            body = r.json()
            access = str(body["access_token"])
            expires_in = float(body.get("expires_in") or 86400)
        except (ValueError, KeyError, TypeError):
            raise FetchError(f"POST {safe_url(self._url)}: no access_token in the answer") from None
        self._access = Secret(access)
        self._client.forget_later(access)
        if body.get("refresh_token"):
            self._refresh = Secret(str(body["refresh_token"]))
            self._client.forget_later(str(body["refresh_token"]))
        self._expires = self._clock() + expires_in
        return True


def _get(client: PoliteClient, auth: AcledAuth, url: str, params: dict[str, str]) -> Any:
    """GET with the bearer token; on a 401 a new token (refresh, then log-in) and once more."""
    for attempt in range(3):
        status, body = client.get_json(
            url, params=params, headers=auth.header(), passthrough=(401,)
        )
        if status != 401:
            return body
        if attempt == 0:
            auth.renew()
        else:
            auth.log_in()
    raise FetchError(f"GET {safe_url(url)}: HTTP 401 with a new token: is API access allowed?")


def _data(body: Any, url: str, client: PoliteClient) -> list[dict[str, Any]]:
    if not isinstance(body, dict):
        raise FetchError(f"GET {safe_url(url)}: the answer is not a JSON object")
    if body.get("success") is False or body.get("status") not in (None, 200, "200"):
        why = body.get("error") or body.get("messages") or body.get("message") or "no message"
        why = client.scrub(" ".join(str(why).split()))  # a server may echo a token
        raise FetchError(f"GET {safe_url(url)}: ACLED answered an error: {why[:200]}")
    data = body.get("data")
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise FetchError(f"GET {safe_url(url)}: the answer has no data list")
    return data


def _stamp(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _count_page(pages: int, opts: FetchOptions, url: str) -> int:
    if pages >= opts.max_pages:
        raise too_many_pages(safe_url(url), opts.max_pages)
    return pages + 1


def _not_repeated(
    rows: list[dict[str, Any]], last: list[str] | None, key: str, url: str, page: Any
) -> list[str]:
    """The ids of this page; a full page with the ids of the page before is a server that
    pages in a loop (a page number it ignores): an error rather than a run without end."""
    ids = [str(r.get(key, "")) for r in rows]
    if ids and last is not None and ids == last:
        raise FetchError(
            f"GET {safe_url(url)}: page {page} repeats the page before it: the server "
            "ignores the page number; stopped"
        )
    return ids


def _when(value: Any) -> str | None:
    """A Unix time in seconds (ACLED's ``timestamp``, ``deleted_timestamp``) as ISO 8601 UTC.

    >>> _when("1700000000"), _when("soon")
    ('2023-11-14T22:13:20+00:00', None)
    """
    stamp = _stamp(value)
    if stamp is None or not 0 <= stamp < 253402300800:  # before the year 10000
        return None
    return dt.datetime.fromtimestamp(stamp, dt.UTC).isoformat()


def _deletion_times(rows: list[dict[str, Any]]) -> dict[str, str]:
    """Deleted event uid -> when ACLED deleted it (now, when ACLED does not say)."""
    now = dt.datetime.now(dt.UTC).isoformat()
    out: dict[str, str] = {}
    for r in rows:
        ident = str(r.get("event_id_cnty", "")).strip()
        if ident:
            out[f"{_SOURCE}:{ident}"] = _when(r.get("deleted_timestamp")) or now
    return out


def _row_times(rows: list[dict[str, Any]]) -> dict[str, str]:
    """Event uid -> the row's ``timestamp`` (when ACLED last wrote it), where it has one."""
    out: dict[str, str] = {}
    for r in rows:
        ident, when = str(r.get("event_id_cnty", "")).strip(), _when(r.get("timestamp"))
        if ident and when:
            out[f"{_SOURCE}:{ident}"] = when
    return out


def fetch_acled(
    store: SQLStore,
    query: AcledQuery,
    *,
    login: AcledLogin,
    options: FetchOptions | None = None,
    now: Callable[[], float] = time.time,
) -> FetchReport:
    """One run of ``query``: the whole window the first time, then what changed and what was
    deleted since the last completed run; resumes an interrupted run at its next page. A
    failure ends with :class:`FetchError` after the state is saved."""
    opts = options or FetchOptions()
    base = (opts.base_url or BASE_URL).rstrip("/")
    put_attribution(store.engine, ACLED_ATTRIBUTION)
    kwargs: dict[str, Any] = {}
    if opts.sleep is not None:
        kwargs["sleep"] = opts.sleep
    if opts.clock is not None:
        kwargs["clock"] = opts.clock
    with PoliteClient(opts.politeness, **kwargs) as client:
        auth = AcledAuth(client, base, login, **({"clock": opts.clock} if opts.clock else {}))
        return _run(store, query, client, auth, base, opts, int(now()))


def _first_cursor(high_water: dict[str, Any] | None, started: int) -> dict[str, Any]:
    if high_water is None:  # the first run: the whole window, no deletions to apply
        return {
            "phase": "read",
            "page": 1,
            "since": None,
            "max_ts": 0,
            "deleted_since": None,
            "started": started,
        }
    deleted_since = high_water.get("deleted_since")
    return {
        "phase": "deleted" if deleted_since is not None else "read",
        "page": 1,
        "since": high_water.get("timestamp"),
        "max_ts": int(high_water.get("timestamp") or 0),
        "deleted_since": deleted_since,
        "started": started,
    }


def _next_since(held: int, started: int) -> int:
    """The ``timestamp`` the next run asks from: the largest held, but no later than a day
    before this run started (what ACLED wrote while the run read its pages is asked again).

    >>> _next_since(1_600_000_000, 1_700_000_000), _next_since(1_700_000_000, 1_700_000_000)
    (1600000000, 1699913600)
    >>> _next_since(0, 1_700_000_000)
    1699913600
    """
    cap = started - _CHANGED_OVERLAP
    return min(held, cap) if held else cap


def _run(
    store: SQLStore,
    q: AcledQuery,
    client: PoliteClient,
    auth: AcledAuth,
    base: str,
    opts: FetchOptions,
    started: int,
) -> FetchReport:
    engine = store.engine
    report = FetchReport(_SOURCE, q.key)
    old = fetch_state(engine, _SOURCE, q.key)
    high_water = old.high_water if old is not None else None
    state = start_run(engine, _SOURCE, q.key, _first_cursor(high_water, started))
    cursor = dict(state.cursor or _first_cursor(high_water, started))
    report.resumed = bool(old is not None and old.status != "done" and old.cursor)
    rows_done = state.rows_fetched if report.resumed else 0
    limit = opts.page_size or PAGE_SIZE
    pages = 0
    last_ids: list[str] | None = None
    try:
        # deletions first, so that an event ACLED deleted and then served again, newer, in the
        # reads below is current evidence again (and a deletion is never applied after its undo)
        while cursor["phase"] == "deleted":
            if cursor["deleted_since"] is None:  # a resumed run of the old order
                cursor |= {"phase": "read", "page": 1}
                break
            pages = _count_page(pages, opts, base + DELETED_PATH)
            params = {
                "deleted_timestamp": str(cursor["deleted_since"]),
                "deleted_timestamp_where": ">=",
                "limit": str(limit),
                "page": str(cursor["page"]),
            }
            url = base + DELETED_PATH
            rows = _data(_get(client, auth, url, {"_format": "json", **params}), url, client)
            last_ids = _not_repeated(rows, last_ids, "event_id_cnty", url, cursor["page"])
            times = _deletion_times(rows)
            report.withdrawn += withdraw_events(
                engine, list(times), reason="deleted by ACLED", times=times
            )
            report.pages += 1
            cursor["page"] = int(cursor["page"]) + 1
            if len(rows) < limit:
                cursor |= {"phase": "read", "page": 1}
                last_ids = None
            save_cursor(engine, _SOURCE, q.key, cursor, rows=rows_done)
        while cursor["phase"] == "read":
            pages = _count_page(pages, opts, base + READ_PATH)
            params = {**q.filters(), "limit": str(limit), "page": str(cursor["page"])}
            if cursor["since"] is not None:
                params["timestamp"] = str(cursor["since"])
            url = base + READ_PATH
            query = {"_format": "json", **params}
            rows = _data(_get(client, auth, url, query), url, client)
            page = int(cursor["page"])
            last_ids = _not_repeated(rows, last_ids, "event_id_cnty", url, page)
            back = reinstate_events(engine, _row_times(rows), reason="served again by ACLED, newer")
            report.reinstated += len(back)
            ingested = store_page(
                store,
                "acled",
                rows,
                name=f"acled-page-{page:05d}.csv",
                provenance=safe_url(httpx.URL(url, params=query)),
            )
            if ingested is not None:
                report.add(ingested)
            stamps = [s for s in (_stamp(r.get("timestamp")) for r in rows) if s is not None]
            cursor["max_ts"] = max([int(cursor["max_ts"]), *stamps])
            report.pages += 1
            report.rows += len(rows)
            rows_done += len(rows)
            cursor["page"] = page + 1
            if len(rows) < limit:
                cursor["phase"] = "done"
            save_cursor(engine, _SOURCE, q.key, cursor, rows=rows_done)
            if opts.progress is not None:
                opts.progress(rows_done, None)
    except BaseException as exc:
        report.requests = client.requests
        fail_run(engine, _SOURCE, q.key, client.scrub(f"{type(exc).__name__}: {exc}"))
        raise
    report.requests = client.requests
    since = _next_since(int(cursor["max_ts"]), int(cursor["started"]))
    finish_run(
        engine,
        _SOURCE,
        q.key,
        {"timestamp": since, "deleted_since": int(cursor["started"]) - _DELETED_OVERLAP},
        rows=rows_done,
        counts=report.counts(),
    )
    return report
