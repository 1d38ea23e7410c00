"""A polite HTTP client for the providers' APIs (httpx): one request at a time, a minimum
interval between requests, ``Retry-After`` honoured on 429 and 503, exponential backoff with a
cap on other 5xx and connection errors, a maximum number of retries (UCDP counts failed
requests against its daily quota, so retries must end), then a :class:`FetchError` naming the
URL (its query cut of anything that looks like a credential) and the status.

What is logged (logger ``ceasefire.fetch``) is the method, the safe URL, the status and the
waits: never a header, a form body or a response body. :class:`Politeness` holds the numbers;
``sleep`` and ``clock`` are injectable so tests do not wait.

A hostile or broken server cannot hold the client without end: a body is read in chunks and
refused past :data:`MAX_RESPONSE_BYTES` (also when it is compressed: the decoded bytes count)
or when it has taken longer than :data:`MAX_RESPONSE_SECONDS` (a slow drip that beats the read
timeout chunk by chunk); JSON is checked for depth and number length
(:func:`ceasefire.limits.check_json`) before it is parsed; a ``Retry-After`` is capped at
:data:`MAX_RETRY_AFTER_SECONDS`; an HTML answer is refused as not the data.

>>> safe_url("https://h.example/api/x?key=abc&email=a@b&page=2")
'https://h.example/api/x?key=***&email=***&page=2'
>>> retry_after_seconds("7", now=0.0), retry_after_seconds("soon", now=0.0)
(7.0, None)
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from ceasefire.errors import FetchError, LimitError
from ceasefire.limits import check_json

__all__ = [
    "MAX_RESPONSE_BYTES",
    "MAX_RESPONSE_SECONDS",
    "MAX_RETRY_AFTER_SECONDS",
    "RETRY_STATUSES",
    "USER_AGENT",
    "PoliteClient",
    "Politeness",
    "credential_free",
    "retry_after_seconds",
    "safe_url",
]

log = logging.getLogger("ceasefire.fetch")

#: The most bytes of one answer (decoded): a UCDP page of 1,000 rows is about 2 MB, an ACLED
#: page of 5,000 rows about 15 MB.
MAX_RESPONSE_BYTES: Final = 200_000_000
#: The most seconds one answer may take to arrive whole (each read also has its timeout).
MAX_RESPONSE_SECONDS: Final = 900.0
#: The longest wait a ``Retry-After`` can ask for (15 minutes); longer asks wait this long.
MAX_RETRY_AFTER_SECONDS: Final = 900.0
#: Statuses that are retried (with ``Retry-After`` when the server sends one).
RETRY_STATUSES: Final = frozenset({429, 500, 502, 503, 504})
#: Query parameters never shown in a log or an error.
_SECRET_PARAMS: Final = frozenset(
    {"key", "email", "password", "token", "access_token", "refresh_token", "api_key"}
)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ceasefire")
    except PackageNotFoundError:  # pragma: no cover - a source tree without metadata
        return "0"


#: What every request says it is.
USER_AGENT: Final = f"ceasefire/{_version()} (+https://github.com/ceasefire-monitor/ceasefire)"


@dataclass(frozen=True)
class Politeness:
    """How the client paces itself: ``min_interval`` seconds between requests, at most
    ``max_retries`` retries of a request, backoff ``backoff_base * 2**n`` capped at
    ``backoff_cap``, a ``Retry-After`` capped at ``retry_after_cap``, and the timeouts."""

    min_interval: float = 1.0
    max_retries: int = 4
    backoff_base: float = 2.0
    backoff_cap: float = 60.0
    retry_after_cap: float = MAX_RETRY_AFTER_SECONDS
    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    max_response_bytes: int = MAX_RESPONSE_BYTES
    max_response_seconds: float = MAX_RESPONSE_SECONDS

    def backoff(self, attempt: int) -> float:
        """The wait before retry ``attempt`` (0 first) without a ``Retry-After``.

        >>> [Politeness().backoff(n) for n in range(7)]
        [2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]
        """
        return float(min(self.backoff_cap, self.backoff_base * 2**attempt))


def safe_url(url: str | httpx.URL) -> str:
    """``url`` with the values of credential-like query parameters replaced by ``***`` and
    any user:password part dropped."""
    parts = urlsplit(str(url))
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = [
        (k, "***" if k.lower() in _SECRET_PARAMS else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    text = urlencode(query, safe="|:=>*@,")
    return urlunsplit((parts.scheme, netloc, parts.path, text, ""))


def credential_free(url: str) -> str:
    """``url`` without any user:password part and without its credential-like query parameters
    (not even masked): a URL a server hands over (UCDP's ``NextPageUrl``) is asked so, since the
    credential travels in a header and must not go into a URL, a log or the store.

    >>> credential_free("https://u:p@h.example/a?page=2&access_token=abc")
    'https://h.example/a?page=2'
    """
    parts = urlsplit(url)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in _SECRET_PARAMS
    ]
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query, safe="|:=>*@,"), ""))


class _SafeUrls(logging.Filter):
    """httpx logs each request's full URL at INFO: shown through :func:`safe_url` instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(a, httpx.URL) for a in record.args):
            record.args = tuple(safe_url(a) if isinstance(a, httpx.URL) else a for a in record.args)
        return True


logging.getLogger("httpx").addFilter(_SafeUrls())


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta seconds or an HTTP date (None
    when absent or unreadable; the caller caps it).

    >>> retry_after_seconds("9" * 400, now=0.0) > 1e300
    True
    """
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value) if len(value) <= 300 else float("inf")
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


class PoliteClient:
    """GET and form POST with the pacing and retries of :class:`Politeness`.

    :meth:`request` returns the response for a 2xx or for a status in ``passthrough`` (ACLED's
    401, which the caller answers by refreshing its token); other statuses are retried or
    raised as :class:`FetchError`. ``secrets`` are strings (tokens) to scrub from every error
    message, in case a server echoes one.
    """

    def __init__(
        self,
        politeness: Politeness | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.politeness = politeness or Politeness()
        self._sleep = sleep
        self._clock = clock
        self._last: float | None = None
        self.requests = 0
        self._secrets: list[str] = []
        p = self.politeness
        self._http = httpx.Client(
            timeout=httpx.Timeout(p.read_timeout, connect=p.connect_timeout),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=False,
            transport=transport,
            trust_env=False,
        )

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def forget_later(self, secret: str) -> None:
        """Scrub ``secret`` from every error message this client raises."""
        if secret and secret not in self._secrets:
            self._secrets.append(secret)

    def scrub(self, text: str) -> str:
        """``text`` with every secret this client knows replaced by ``***``.

        >>> c = PoliteClient(); c.forget_later("tok-1"); c.scrub("bad tok-1"); c.close()
        'bad ***'
        """
        for s in self._secrets:
            text = text.replace(s, "***")
        return text

    def _pace(self) -> None:
        if self._last is not None:
            wait = self.politeness.min_interval - (self._clock() - self._last)
            if wait > 0:
                self._sleep(wait)
        self._last = self._clock()

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        passthrough: Sequence[int] = (),
    ) -> httpx.Response:
        """Send one request, retrying as :class:`Politeness` says; the response (2xx or a
        ``passthrough`` status), else :class:`FetchError`."""
        p = self.politeness
        shown = safe_url(httpx.URL(url, params=params) if params else url)
        attempt = 0
        while True:
            self._pace()
            self.requests += 1
            try:
                r = self._send(method, url, shown, params=params, headers=headers, data=data)
            except httpx.RequestError as exc:  # no answer, or one that cannot be decoded
                why = f"{type(exc).__name__}"
                if attempt >= p.max_retries:
                    raise FetchError(
                        f"{method} {shown}: no answer ({why}) after {attempt + 1} tries; what "
                        "was fetched is kept, run the command again to resume"
                    ) from None
                wait = p.backoff(attempt)
                log.warning("%s %s: %s; retry in %.1f s", method, shown, why, wait)
                self._sleep(wait)
                attempt += 1
                continue
            log.info("%s %s -> %d", method, shown, r.status_code)
            if r.is_success or r.status_code in passthrough:
                return r
            if r.status_code in RETRY_STATUSES and attempt < p.max_retries:
                after = retry_after_seconds(r.headers.get("Retry-After"))
                wait = min(after, p.retry_after_cap) if after is not None else p.backoff(attempt)
                log.warning(
                    "%s %s: HTTP %d; retry %d of %d in %.1f s",
                    method,
                    shown,
                    r.status_code,
                    attempt + 1,
                    p.max_retries,
                    wait,
                )
                r.close()
                self._sleep(wait)
                attempt += 1
                continue
            raise FetchError(self._failure(method, shown, r, attempt + 1))

    def _send(
        self,
        method: str,
        url: str,
        shown: str,
        *,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        data: Mapping[str, str] | None,
    ) -> httpx.Response:
        """One request, its body read in chunks within the size and time limits."""
        p = self.politeness
        request = self._http.build_request(method, url, params=params, headers=headers, data=data)
        started = time.monotonic()  # the real clock: a drip is real time, whatever tests inject
        r = self._http.send(request, stream=True)
        try:
            declared = r.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > p.max_response_bytes:
                raise FetchError(self._too_big(method, shown, p.max_response_bytes))
            body = bytearray()
            for chunk in r.iter_bytes():
                body += chunk
                if len(body) > p.max_response_bytes:
                    raise FetchError(self._too_big(method, shown, p.max_response_bytes))
                if time.monotonic() - started > p.max_response_seconds:
                    raise FetchError(
                        f"{method} {shown}: the answer took longer than "
                        f"{p.max_response_seconds:g} s (the limit MAX_RESPONSE_SECONDS) and was "
                        "given up; what was fetched is kept, run the command again to resume"
                    )
        finally:
            r.close()
        return httpx.Response(
            r.status_code, headers=r.headers, content=bytes(body), request=request
        )

    @staticmethod
    def _too_big(method: str, shown: str, limit: int) -> str:
        return (
            f"{method} {shown}: the answer is larger than {limit:,} bytes (the limit "
            "MAX_RESPONSE_BYTES) and was given up"
        )

    def _failure(self, method: str, shown: str, r: httpx.Response, tries: int) -> str:
        message = _provider_message(r)
        text = f"{method} {shown}: HTTP {r.status_code}"
        if message:
            text += f": {message}"
        if tries > 1:
            text += f" (after {tries} tries)"
        if r.status_code in RETRY_STATUSES:
            text += "; what was fetched is kept, run the command again later to resume"
        return self.scrub(text)

    def get_json(
        self,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        passthrough: Sequence[int] = (),
    ) -> tuple[int, Any]:
        """GET and decode JSON: ``(status, body)``; a 2xx body that is not JSON raises, a
        ``passthrough`` status comes with ``None``."""
        r = self.request("GET", url, params=params, headers=headers, passthrough=passthrough)
        if not r.is_success:  # a passthrough status: the caller needs only the status
            return r.status_code, None
        return r.status_code, _json_body(r)


def _json_body(r: httpx.Response) -> Any:
    """The JSON of a 2xx answer: an HTML page (a log-in or error page of a proxy) or a body
    that is not JSON, or JSON over the limits of :func:`ceasefire.limits.check_json`, is a
    :class:`FetchError` naming the URL and the content type."""
    shown = safe_url(r.request.url)
    kind = r.headers.get("Content-Type", "no content type")
    if "html" in kind.lower():
        raise FetchError(
            f"GET {shown}: HTTP {r.status_code} but the answer is an HTML page ({kind}), not "
            "the provider's JSON: is the URL right, or a proxy in the way?"
        )
    try:
        check_json(r.content, file=shown, max_bytes=None)
        return json.loads(r.content)
    except LimitError as e:
        raise FetchError(f"GET {e}") from None
    except ValueError:
        raise FetchError(
            f"GET {shown}: HTTP {r.status_code} but the body is not JSON ({kind})"
        ) from None


def _provider_message(r: httpx.Response) -> str:
    """The provider's own short message from an error body (JSON ``message``/``error``...),
    one line, at most 200 characters; empty when there is none."""
    try:
        check_json(r.content, file="", max_bytes=None)
        body = json.loads(r.content)
    except (ValueError, LimitError):
        text = r.text[:1000]
    else:
        text = ""
        if isinstance(body, dict):
            for key in ("message", "error_description", "error", "messages", "Message"):
                if body.get(key):
                    text = str(body[key])
                    break
    text = " ".join(text.split())
    return text[:197] + "..." if len(text) > 200 else text
