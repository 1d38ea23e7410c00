"""Every write endpoint under hostile bodies: never a 500, always a JSON answer (or, for the
login form, the documented redirect).

The writes: ``POST /api/agreements``, ``/api/zones``, ``/api/reports``, ``PATCH
/api/reports/{id}``, ``POST /api/verdicts/review``, ``/api/users``, ``/api/patrols``,
``/login`` and ``/logout``. Each gets, from a user whose role may make it, bodies of the right
shape with hostile values (NaN, huge numbers, odd dates, unicode, lone surrogates, deep
nesting, wrong types; ``fuzz_inputs.mutated_tree`` of a valid body), any JSON at all, raw
bytes under every content type, and the readers' hostile files (agreement YAML, zone GeoJSON,
GPX and GeoJSON tracks) as uploads. The real app answers through ``TestClient`` with
``raise_server_exceptions=False``, so an unhandled exception shows as the 500 it would be;
each request runs with the test process capped (``fuzz_helpers.capped_here``: address space
and CPU), so a runaway answer fails its test instead of taking the run down.

A role matrix checks the other side: a user whose role may not write gets 401/403 before the
body matters.

Example counts come from the hypothesis profile (``tests/conftest.py``; ``CEASEFIRE_FUZZ=long``
for a deliberate run).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

import httpx
import pytest
from fastapi.testclient import TestClient
from fuzz_helpers import capped_here
from fuzz_inputs import (
    HOSTILE_TEXT,
    UNKNOWN_ENCODING_GPX,
    agreement_file,
    geojson_track_file,
    gpx_track_file,
    json_values,
    mutated_tree,
    zone_file,
)
from hypothesis import example, given
from hypothesis import strategies as st
from web_api_store import build, copy

from ceasefire import agreements as _agreements
from ceasefire.store import workspace
from ceasefire.web import create_app

REPORT: Final = {
    "observed_at": "2020-03-07T10:30:00+02:00",
    "latitude": 35.83,
    "longitude": 36.61,
    "observation": "heard",
    "event_type": "Explosions/Remote violence",
    "sub_event_type": "Shelling/artillery/missile attack",
    "bearing_deg": 90,
    "distance_band": "3-10km",
    "fatalities": 1,
    "actor1": "Military Forces of Syria (2000-)",
    "text": "Shelling heard to the east.",
}
USER: Final = {"name": "fuzz-user", "role": "viewer", "password": "a-long-password"}
ZONE: Final = {
    "type": "Feature",
    "properties": {"id": "fuzz-box", "name": "A box", "kind": "area"},
    "geometry": {
        "type": "Polygon",
        "coordinates": [[[36.0, 35.0], [36.1, 35.0], [36.1, 35.1], [36.0, 35.1], [36.0, 35.0]]],
    },
}
CONTENT_TYPES: Final = (
    None,
    "application/json",
    "application/json; charset=utf-16",
    "application/json; charset=latin-1",
    "application/geo+json",
    "application/x-yaml",
    "text/plain",
    "text/html",
    "application/xml",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=xyz",
    "multipart/form-data",
    "application/octet-stream",
    "*/*",
    "application/json\r\nX-Injected: 1",
)
#: Text only a JSON body can carry to the server: lone surrogates (not UTF-8 encodable).
SURROGATES: Final = ("\ud800", "a\udfff", "\udbff\udc00\ud800")

hostile_json = st.one_of(json_values(), st.sampled_from(SURROGATES))
raw_bodies = st.one_of(
    st.binary(max_size=300),
    st.sampled_from(HOSTILE_TEXT).map(str.encode),
    st.integers(1, 200_000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(1, 200_000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
    st.integers(1, 100_000).map(lambda n: b'{"latitude": ' + b"9" * n + b"}"),
    st.integers(0, 1_990_000).map(lambda n: b'{"text": "' + b"x" * n + b'"}'),
    st.just(b'{"latitude": NaN, "longitude": Infinity}'),
    st.just(b'\xff\xfe{\x00"\x00a\x00"\x00:\x001\x00}\x00'),
    st.just(b'{"a": 1, "a": 2}'),
    # what json.detect_encoding takes for UTF-16/32 (a NUL or a BOM first), cut short
    st.sampled_from([b'\x00{"ty', b"\xff\xfe{", b"\xfe\xff\x00{\x00", b"\x00\x00\x00{"]),
)


# -------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def base_db(new_store: Callable[..., str]) -> Any:
    return build(new_store("base"))  # SQLite, then PostgreSQL


def _client(base_db: Any, to: Path) -> Iterator[TestClient]:
    app = create_app(copy(base_db, to))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
    app.state.store.close()


@pytest.fixture(scope="module")
def client(base_db: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app the JSON writes share (reports, reviews, users, login)."""
    yield from _client(base_db, tmp_path_factory.mktemp("fuzz") / "writes.db")


@pytest.fixture(scope="module")
def catalog_client(base_db: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """An app of its own for agreement and zone uploads (a stored one changes every answer)."""
    yield from _client(base_db, tmp_path_factory.mktemp("fuzz") / "catalog.db")


@pytest.fixture(scope="module")
def patrol_client(base_db: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    yield from _client(base_db, tmp_path_factory.mktemp("fuzz") / "patrols.db")


def _token(client: TestClient, name: str) -> dict[str, str]:
    engine = client.app.state.store.engine  # type: ignore[attr-defined]
    user = workspace.user_by_name(engine, name)
    assert user is not None
    return {"Authorization": "Bearer " + workspace.create_token(engine, user)}


@pytest.fixture(scope="module")
def tokens(client: TestClient) -> dict[str, dict[str, str]]:
    return {n: _token(client, n) for n in ("admin", "analyst", "monitor", "viewer")}


@pytest.fixture(scope="module")
def report_id(client: TestClient, tokens: dict[str, dict[str, str]]) -> int:
    r = client.post("/api/reports", json=REPORT, headers=tokens["monitor"])
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


@pytest.fixture(scope="module")
def review(client: TestClient) -> dict[str, Any]:
    v = client.get("/api/verdicts?limit=1&verdict=violation").json()["items"][0]
    return {
        "agreement": v["agreement_id"],
        "provision": v["provision_id"],
        "event_uid": v["event_uid"],
        "status": "confirmed",
        "note": "checked against the footage",
    }


# ------------------------------------------------------------------------------ the answer


def assert_answer(r: httpx.Response, *, form: bool = False) -> None:
    """Not a 5xx; a JSON body (an error body for 4xx under ``/api``; a success says its type),
    or the login form's redirect to a path of this site."""
    where = f"{r.request.method} {r.request.url.path} -> {r.status_code}: {r.text[:500]}"
    assert r.status_code < 500, where
    if form and r.status_code in (302, 303):
        location = r.headers["location"]
        assert location.startswith("/") and not location.startswith("//"), where
        assert "\\" not in location and "\r" not in location and "\n" not in location, where
        return
    if r.status_code < 300 and "json" not in r.headers.get("content-type", ""):
        return  # a read's CSV export
    try:
        body = json.loads(r.content)
    except ValueError:
        raise AssertionError(f"not JSON: {where}") from None
    if r.status_code >= 400 and r.request.url.path.startswith("/api"):  # pages: Starlette's
        err = body["error"]
        assert err["status"] == r.status_code, where
        assert isinstance(err["code"], str) and isinstance(err["message"], str), where
    else:
        assert isinstance(body, dict), where


def call(client: TestClient, method: str, url: str, **kw: Any) -> httpx.Response:
    """One request, with this process capped while the app answers it (``capped_here``: 1.5
    GiB more address space, 60 CPU seconds): a runaway allocation is a ``MemoryError`` the app
    answers with a 500, a runaway computation a ``CpuLimitExceeded`` here; neither takes the
    test run (or the machine) down."""
    with capped_here(memory_mb=1536, cpu_s=60):
        return client.request(method, url, **kw)


def _send_json(
    client: TestClient, method: str, url: str, body: Any, headers: dict[str, str]
) -> httpx.Response:
    data = json.dumps(body, allow_nan=True).encode()
    return call(
        client, method, url, content=data, headers={**headers, "Content-Type": "application/json"}
    )


# ---------------------------------------------------------------------- JSON-bodied writes

JSON_WRITES: Final = {
    "report": ("POST", "/api/reports", "monitor"),
    "report patch": ("PATCH", "/api/reports/{id}", "monitor"),
    "review": ("POST", "/api/verdicts/review", "analyst"),
    "user": ("POST", "/api/users", "admin"),
}


def _valid(kind: str, review: dict[str, Any]) -> dict[str, Any]:
    return {
        "report": REPORT,
        "report patch": {"fatalities": 2, "text": "Two killed, says the clinic."},
        "review": review,
        "user": USER,
    }[kind]


@pytest.mark.parametrize("kind", sorted(JSON_WRITES))
@given(data=st.data())
def test_json_writes_with_hostile_values(
    client: TestClient,
    tokens: dict[str, dict[str, str]],
    report_id: int,
    review: dict[str, Any],
    kind: str,
    data: st.DataObject,
) -> None:
    method, url, role = JSON_WRITES[kind]
    valid = _valid(kind, review)
    body = data.draw(
        st.one_of(
            mutated_tree(valid, max_ops=4),
            st.fixed_dictionaries({k: hostile_json for k in valid}),
            hostile_json,
        ),
        label="body",
    )
    r = _send_json(client, method, url.format(id=report_id), body, tokens[role])
    assert_answer(r)


@pytest.mark.parametrize("kind", sorted(JSON_WRITES))
@given(data=st.data())
def test_json_writes_with_raw_bodies_and_content_types(
    client: TestClient,
    tokens: dict[str, dict[str, str]],
    report_id: int,
    kind: str,
    data: st.DataObject,
) -> None:
    method, url, role = JSON_WRITES[kind]
    body = data.draw(raw_bodies, label="body")
    ctype = data.draw(st.sampled_from(CONTENT_TYPES), label="content type")
    headers = dict(tokens[role])
    if ctype is not None:
        headers["Content-Type"] = ctype.replace("\r\n", " ")  # httpx refuses a raw CR LF
    r = call(client, method, url.format(id=report_id), content=body, headers=headers)
    assert_answer(r)


# -------------------------------------------------------------------- agreement and zone uploads


@given(f=agreement_file(), ctype=st.sampled_from(["application/x-yaml", "text/plain", None]))
def test_agreement_uploads(catalog_client: TestClient, f: Any, ctype: str | None) -> None:
    headers = _token(catalog_client, "admin")
    if ctype:
        headers["Content-Type"] = ctype
    r = call(catalog_client, "POST", "/api/agreements", content=f.data, headers=headers)
    assert_answer(r)
    if r.status_code == 201:  # a valid mutant was stored: put the bundled text back
        agreement_id = r.json()["id"]
        if agreement_id in _agreements.bundled_ids():
            back = _agreements.bundled_text(agreement_id).encode()
            assert (
                catalog_client.post("/api/agreements", content=back, headers=headers).status_code
                == 201
            )


@example(body=b'\x00{"ty', ctype="application/json")  # found by the long profile
@given(
    body=st.one_of(
        zone_file().map(lambda f: f.data),
        mutated_tree(ZONE, max_ops=4).map(lambda z: json.dumps(z, allow_nan=True).encode()),
    ),
    ctype=st.sampled_from(["application/json", "application/geo+json"]),
)
def test_zone_uploads(catalog_client: TestClient, body: bytes, ctype: str) -> None:
    headers = {**_token(catalog_client, "admin"), "Content-Type": ctype}
    assert_answer(call(catalog_client, "POST", "/api/zones", content=body, headers=headers))


# ---------------------------------------------------------------------------- patrol uploads

form_text = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=20))


@example(f=UNKNOWN_ENCODING_GPX, name=None, fields={})  # found by the long profile
@given(
    f=st.one_of(gpx_track_file(), geojson_track_file()),
    name=st.one_of(st.just(None), form_text),
    fields=st.dictionaries(
        st.sampled_from(["parties", "status", "planned", "route", "date", "replace", "repair"]),
        form_text,
        max_size=4,
    ),
)
def test_patrol_uploads(
    patrol_client: TestClient, f: Any, name: str | None, fields: dict[str, str]
) -> None:
    headers = _token(patrol_client, "monitor")
    filename = f.name if name is None else name + f.name
    r = call(
        patrol_client,
        "POST",
        "/api/patrols",
        files={"file": (filename, f.data, "application/octet-stream")},
        data={k: v.replace("\x00", "") for k, v in fields.items()},
        headers=headers,
    )
    assert_answer(r)


# ------------------------------------------------------------------------------ login, logout


@given(
    fields=st.fixed_dictionaries(
        {},
        optional={"username": form_text, "password": form_text, "next": form_text},
    ),
    user=st.sampled_from(["", "admin", "ADMIN", " admin", "viewer"]),
)
def test_login_form(client: TestClient, fields: dict[str, str], user: str) -> None:
    if user and "username" not in fields:
        fields = {**fields, "username": user}
    r = call(client, "POST", "/login", data=fields, follow_redirects=False)
    assert_answer(r, form=True)


@given(body=raw_bodies, ctype=st.sampled_from(CONTENT_TYPES))
def test_login_with_raw_bodies(client: TestClient, body: bytes, ctype: str | None) -> None:
    headers = {"Content-Type": ctype.replace("\r\n", " ")} if ctype else {}
    r = call(client, "POST", "/login", content=body, headers=headers, follow_redirects=False)
    assert_answer(r, form=True)


@given(cookie=st.one_of(form_text, st.text(alphabet="abcdefABCDEF0123456789-_", max_size=64)))
def test_logout_with_any_cookie(client: TestClient, cookie: str) -> None:
    value = "".join(c for c in cookie if 32 < ord(c) < 127 and c not in ';,"\\')
    r = call(
        client,
        "POST",
        "/logout",
        headers={"Cookie": f"ceasefire_session={value}"},
        follow_redirects=False,
    )
    assert_answer(r, form=True)


# -------------------------------------------------------------------------------- the roles

ROLES_ALLOWED: Final = {
    ("POST", "/api/agreements"): {"admin"},
    ("POST", "/api/zones"): {"admin"},
    ("POST", "/api/reports"): {"monitor", "admin"},
    ("PATCH", "/api/reports/{id}"): {"monitor", "admin"},
    ("POST", "/api/verdicts/review"): {"analyst", "admin"},
    ("POST", "/api/users"): {"admin"},
    ("POST", "/api/patrols"): {"monitor", "admin"},
}


def test_the_role_matrix_of_the_writes(catalog_client: TestClient, review: dict[str, Any]) -> None:
    """Each write, with a body it could accept, from each role and from nobody: 401 without a
    user, 403 for a role not allowed, never a 5xx; the roles allowed get past the check."""
    client = catalog_client
    r = client.post("/api/reports", json=REPORT, headers=_token(client, "monitor"))
    rid = r.json()["id"]
    gpx = next((Path(__file__).parent / "data" / "patrols").glob("*.gpx")).read_bytes()
    for (method, url), allowed in ROLES_ALLOWED.items():
        for role in (None, "viewer", "monitor", "analyst", "admin"):
            headers = _token(client, role) if role else {}
            kw: dict[str, Any] = {"headers": headers}
            if url == "/api/agreements":
                kw["content"] = _agreements.bundled_text("sochi-2018").encode()
            elif url == "/api/patrols":
                kw["files"] = {"file": ("t.gpx", gpx, "application/gpx+xml")}
                kw["data"] = {"replace": "true"}
            else:
                body = {
                    "/api/zones": ZONE,
                    "/api/reports": REPORT,
                    "/api/reports/{id}": {"fatalities": 1},
                    "/api/verdicts/review": review,
                    "/api/users": {**USER, "name": f"matrix-{role}-{method}"},
                }[url]
                kw["json"] = body
            r = call(client, method, url.format(id=rid), **kw)
            assert_answer(r)
            if role is None:
                assert r.status_code == 401, (method, url, r.text)
            elif role not in allowed:
                assert r.status_code == 403, (role, method, url, r.text)
            else:
                assert r.status_code in (200, 201), (role, method, url, r.text)


# ------------------------------------------------------------- the bench's suite, in process


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location(
        "bench_hostile", Path(__file__).parent.parent / "bench" / "hostile.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_hostile_bench_suite_gets_no_5xx_in_process(catalog_client: TestClient) -> None:
    """``bench/hostile.py``'s requests (but the near-limit track and the burst) against the app
    in process: every answer a 4xx or 2xx with a JSON body, or the login form's redirect."""
    bench = _bench()
    client = catalog_client
    tokens = {
        role: _token(client, role)["Authorization"]
        for role in ("admin", "analyst", "monitor", "viewer")
    }
    statuses: dict[int, int] = {}
    for p in bench.probes(large=False):
        if "raw" in p.kwargs:  # bytes for a bare socket: the bench's own
            continue
        headers = dict(p.kwargs.get("headers", {}))
        if p.role:
            headers["Authorization"] = tokens[p.role]
        kwargs = {k: v for k, v in p.kwargs.items() if k != "headers"}
        r = call(client, p.method, p.url, headers=headers, follow_redirects=False, **kwargs)
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
        assert_answer(r, form=p.url in ("/login", "/logout"))
    assert sum(statuses.values()) > 250, statuses


@pytest.mark.parametrize("url", ["/api/patrols", "/api/patrols/coverage?period=day"])
def test_a_patrol_date_range_of_millennia_is_refused_not_computed(
    client: TestClient, url: str
) -> None:
    """Found by the hostile bench: 0001-01-01 to 9999-12-31 made 3.6 million days (or 520,000
    weeks) of coverage to compute, 70 s per request; now over ``limits.MAX_PERIODS``: 422."""
    sep = "&" if "?" in url else "?"
    r = call(client, "GET", f"{url}{sep}date_from=0001-01-01&date_to=9999-12-31")
    assert r.status_code == 422, r.text
    assert "5,000 (the limit)" in r.json()["error"]["message"]
