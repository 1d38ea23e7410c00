"""Bounded reading of structured documents (issue 9): YAML agreements, JSON zone files and
request bodies, GPX and GeoJSON patrol tracks are held to :mod:`ceasefire.limits` before they
are built. Over a limit: a one-line error naming the file, the line and the limit; the CLI fails,
the API answers 4xx with a JSON body; nothing is stored.

The dangerous inputs (the alias bomb) run in a child process held to ``RLIMIT_AS`` so that a
regression fails the test instead of eating the machine.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from click.testing import CliRunner
from fastapi.testclient import TestClient
from web_api_store import bearer as _token

from ceasefire.agreements import bundled_text, load_agreement, parse_agreement
from ceasefire.cli import cli
from ceasefire.errors import AgreementError, LimitError, TrackError
from ceasefire.limits import (
    MAX_DEPTH,
    MAX_NUMBER_DIGITS,
    MAX_XML_ELEMENTS,
    MAX_YAML_ALIASES,
    MAX_YAML_NODES,
    MAX_ZONE_VERTICES,
    YamlLimits,
    check_json,
    json_depth,
    load_json,
)
from ceasefire.patrols import read_track_bytes, read_tracks
from ceasefire.store import open_store, workspace
from ceasefire.web import create_app
from ceasefire.zones import import_zone, read_zones, zone_from_feature

#: The address space a child process may use: ceasefire with FastAPI imported needs ~250 MB;
#: an alias bomb expanding needs tens of GB.
MEMORY = 1_500_000_000

# 10 levels of 9 aliases each, 379 bytes: 9**10 strings once expanded (the reported bomb)
BOMB = 'lol: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{k}: &{k} [" + ",".join([f"*{p}"] * 9) + "]\n"
    for p, k in zip("abcdefghi", "bcdefghij", strict=True)
)
DEEP_YAML = "a: " + "[" * 10_000
DIGITS_YAML = "id: " + "1" * 100_000 + "\n"
DEEP_JSON = b"[" * 100_000
JSON_TYPE = {"Content-Type": "application/json"}
STAMP = "2020-03-15T08:00:00Z"


def _moscow_copy() -> str:
    return bundled_text("moscow-2020").replace("id: moscow-2020", "id: moscow-copy", 1)


def _gpx(*points: tuple[str, str, str]) -> bytes:
    pts = "".join(
        f'<trkpt lat="{lat}" lon="{lon}"><time>{t}</time></trkpt>' for lat, lon, t in points
    )
    return f"<gpx><trk><trkseg>{pts}</trkseg></trk></gpx>".encode()


def _strict_json(text: str) -> Any:
    """JSON as RFC 8259 says it: NaN and Infinity are not JSON."""

    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def _bounded(code: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run Python ``code`` in a child process held to :data:`MEMORY` bytes of address space."""
    prelude = (
        "import resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({MEMORY}, {MEMORY}))\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
    )
    return subprocess.run(
        [sys.executable, "-c", prelude + code, *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=cwd,
    )


# ------------------------------------------------------------------------------ JSON scanning


def test_json_depth_counts_brackets_outside_strings_only() -> None:
    assert json_depth(b'{"a": [1, "]]]", {"b": "[[[[\\"[["}], "c": []}') == 3
    assert json_depth('"[[[["') == 0
    assert json_depth(DEEP_JSON) == 100_000
    # a stray close bracket cannot hide the opens after it (json.loads would stop there anyway)
    assert json_depth(b"]]]]]" + b"[" * 70) == 70
    # UTF-16, as json.loads reads bytes too
    assert json_depth(("[" * 80 + "]" * 80).encode("utf-16")) == 80


def test_check_json_names_the_line_and_the_limit() -> None:
    ok = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    check_json(ok, file="ok.json")
    deep = '{\n"a": 1,\n"b": ' + "[" * (MAX_DEPTH + 1)
    with pytest.raises(LimitError) as e:
        check_json(deep, file="deep.json")
    assert str(e.value) == f"deep.json:3: nested deeper than {MAX_DEPTH} (the limit)"
    assert e.value.limit == MAX_DEPTH and e.value.line == 3


def test_long_numbers_are_refused_long_strings_are_not() -> None:
    check_json('{"n": ' + "9" * MAX_NUMBER_DIGITS + "}", file="a.json")
    check_json('{"n": -1.' + "5" * 97 + "e-10}", file="a.json")  # 100 digits, the exponent's too
    check_json('{"s": "' + "1" * 100_000 + '"}', file="a.json")
    for number in (
        "9" * (MAX_NUMBER_DIGITS + 1),
        "1" * 100_000,
        "0." + "1" * 200,
        "1e" + "9" * 200,
    ):
        with pytest.raises(LimitError, match=r"a\.json:2: a number with more digits than 100"):
            check_json('{"s": "x",\n "n": [1, ' + number + "]}", file="a.json")


def test_load_json_refuses_before_json_loads_recurses() -> None:
    with pytest.raises(LimitError, match="nested deeper than 64"):
        load_json(DEEP_JSON, file="a.json")
    with pytest.raises(LimitError, match="more than 10 "):
        load_json(b"[1, 2, 3, 4, 5]", file="a.json", max_bytes=10)
    with pytest.raises(json.JSONDecodeError):
        load_json(b'{"a": ', file="a.json")
    assert load_json('{"a": [1, "]"]}', file="a.json") == {"a": [1, "]"]}


def test_the_scan_is_linear_on_unclosed_strings() -> None:
    """A line of escaped quotes with no closing quote made a backtracking pattern quadratic
    (hours for a 2 MB body); the possessive one reads it in one pass."""
    code = (
        "from ceasefire.limits import json_depth\n"
        "print(json_depth(b'[\"' + b'\\\\\"' * 1_000_000 + b'[' * 10))\n"
    )
    child = _bounded(code)
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "1"


# ------------------------------------------------------------------------------------- YAML


class _Safe(YamlLimits, yaml.SafeLoader):
    """The limits over PyYAML's SafeLoader."""


def test_the_alias_bomb_is_refused_before_it_expands() -> None:
    code = (
        "from ceasefire.agreements import parse_agreement\n"
        "from ceasefire.errors import LimitError\n"
        "try:\n"
        "    parse_agreement(sys.argv[1], file='bomb.yaml')\n"
        "except LimitError as e:\n"
        "    print(e)\n"
    )
    child = _bounded(code, BOMB)
    assert child.returncode == 0, child.stderr[-2000:]
    assert child.stdout.strip() == (
        f"bomb.yaml:6: more nodes (aliases expanded) than {MAX_YAML_NODES:,} (the limit)"
    )


def test_more_aliases_than_the_limit_are_refused() -> None:
    many = "a: &a x\nb: [" + ", ".join(["*a"] * (MAX_YAML_ALIASES + 1)) + "]\n"
    with pytest.raises(LimitError, match=r"x\.yaml:2: more aliases \(\*name\) than 100"):
        _Safe(many, file="x.yaml").get_single_node()
    few = "a: &a [1, 2]\nb: *a\nc: *a\n"
    assert _Safe(few, file="x.yaml").get_single_data() == {"a": [1, 2], "b": [1, 2], "c": [1, 2]}


def test_deep_yaml_and_long_numbers_are_refused_with_the_line() -> None:
    with pytest.raises(LimitError) as e:
        parse_agreement(DEEP_YAML, file="deep.yaml")
    assert str(e.value) == "deep.yaml:1: nested deeper than 64 (the limit)"
    block = "a:\n" + "".join("  " * i + "b:\n" for i in range(1, 80))
    with pytest.raises(LimitError, match=r"block\.yaml:65: nested deeper than 64"):
        parse_agreement(block, file="block.yaml")
    with pytest.raises(LimitError) as e:
        parse_agreement(DIGITS_YAML, file="n.yaml")
    assert str(e.value) == (
        "n.yaml:1: a number with more digits than 100 (the limit) ('11111111111111111111...')"
    )
    with pytest.raises(LimitError, match="more digits than"):
        parse_agreement("a: !!float 1." + "5" * 200 + "\n", file="n.yaml")
    # a long string of digits is text, not a number
    with pytest.raises(AgreementError, match="unknown key"):
        parse_agreement("note: '" + "1" * 500 + "'\n", file="s.yaml")


def test_a_recursive_alias_is_invalid_yaml() -> None:
    with pytest.raises(AgreementError, match=r"r\.yaml:1: not valid YAML: alias \*a inside"):
        parse_agreement("a: &a [1, *a]\n", file="r.yaml")


def test_the_bundled_agreements_are_far_from_the_limits() -> None:
    for name in ("moscow-2020", "sochi-2018"):
        loader = _Safe(bundled_text(name), file=name)
        loader.get_single_node()
        assert loader._nodes < MAX_YAML_NODES // 100 and loader._aliases == 0


def test_a_file_over_the_size_limit_is_never_read(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as f:  # sparse: no disk used
        f.truncate(25_000_000)
    with pytest.raises(LimitError, match=r"big\.yaml: 25,000,000 bytes, more than 20,000,000"):
        load_agreement(big)
    track = tmp_path / "big.gpx"
    with track.open("wb") as f:
        f.truncate(60_000_000)
    with pytest.raises(LimitError, match=r"big\.gpx: 60,000,000 bytes, more than 50,000,000"):
        read_tracks(track)
    zones = tmp_path / "big.geojson"
    with zones.open("wb") as f:
        f.truncate(25_000_000)
    with pytest.raises(LimitError, match="more than 20,000,000"):
        read_zones(zones)


# --------------------------------------------------------------------------------------- CLI


def test_cli_validate_and_add_refuse_the_bomb_in_bounded_memory(tmp_path: Path) -> None:
    (tmp_path / "bomb.yaml").write_text(BOMB)
    code = (
        "import json\n"
        "from click.testing import CliRunner\n"
        "from ceasefire.cli import cli\n"
        "out = []\n"
        "for cmd in ('validate', 'add'):\n"
        "    r = CliRunner().invoke(cli, ['agreements', cmd, sys.argv[1], '--db', sys.argv[2]])\n"
        "    out.append([r.exit_code, r.stderr])\n"
        "print(json.dumps(out))\n"
    )
    child = _bounded(code, "bomb.yaml", "s.db", cwd=tmp_path)  # short names: lines stay short
    assert child.returncode == 0, child.stderr[-2000:]
    (validate_code, validate_err), (add_code, add_err) = json.loads(child.stdout)
    assert validate_code == 1 and add_code != 0
    for err in (validate_err, add_err):
        assert err.count("\n") == 1 and "bomb.yaml:6: more nodes" in err
        assert "(the limit)" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (DEEP_YAML, "a.yaml:1: nested deeper than 64 (the limit)"),
        (DIGITS_YAML, "a.yaml:1: a number with more digits than 100 (the limit)"),
        (
            _moscow_copy().replace("pax_id: 2273", "pax_id: " + "7" * 150),
            "a.yaml:7: a number with more digits than 100 (the limit)",
        ),
    ],
    ids=["deep", "digits", "digits-in-a-good-agreement"],
)
def test_cli_validate_and_add_say_which_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, expected: str
) -> None:
    monkeypatch.chdir(tmp_path)  # short names: the lines stay short
    f, db = Path("a.yaml"), tmp_path / "s.db"
    f.write_text(text)
    validate = CliRunner().invoke(cli, ["agreements", "validate", str(f), "--db", str(db)])
    assert validate.exit_code == 1
    assert validate.stderr.count("\n") == 1 and expected in validate.stderr
    add = CliRunner().invoke(cli, ["agreements", "add", str(f), "--db", str(db)])
    assert add.exit_code == 1  # bad input, as for validate
    assert add.stderr.count("\n") == 1 and expected in add.stderr
    with open_store(db) as store:
        assert "moscow-copy" not in store.agreements()


def test_cli_patrols_import_refuses_year_9999(tmp_path: Path) -> None:
    f = tmp_path / "p.gpx"
    f.write_bytes(_gpx(("35.8", "36.7", STAMP), ("35.81", "36.7", "9999-12-31T23:59:59Z")))
    r = CliRunner().invoke(cli, ["patrols", "import", str(f), "--db", str(tmp_path / "s.db")])
    assert r.exit_code == 1  # a file that failed (see `ceasefire patrols import --help`)
    assert "point 1 time: time outside 1990-2100 ('9999-12-31T23:59:59Z')" in r.stderr
    assert "Traceback" not in r.output


# ------------------------------------------------------------------------------------ tracks


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"])
def test_a_time_out_of_range_names_the_point_and_value(when: str) -> None:
    gpx = _gpx(("35.8", "36.7", STAMP), ("35.81", "36.7", when))
    with pytest.raises(TrackError) as e:
        read_track_bytes(gpx, "p.gpx")
    assert e.value.field == "point 1 time" and e.value.value == when
    assert "time outside 1990-2100" in str(e.value)


@pytest.mark.parametrize("lat", ["NaN", "nan", "inf", "-Infinity"])
def test_a_coordinate_that_is_not_finite_is_a_bad_value(lat: str) -> None:
    with pytest.raises(TrackError) as e:
        read_track_bytes(_gpx((lat, "36.7", STAMP)), "p.gpx")
    assert e.value.problem == "not a finite number" and e.value.value == lat
    assert e.value.field == "trk 0 point 0 lat"


def test_gpx_entities_are_refused_before_expansion() -> None:
    bomb = (
        b'<?xml version="1.0"?>\n<!DOCTYPE gpx [\n<!ENTITY a "aaaaaaaaaaaaaaaa">\n'
        + b"".join(
            b'<!ENTITY %s "%s">\n' % (k.encode(), (f"&{p};" * 16).encode())
            for p, k in zip("abcdefgh", "bcdefghi", strict=True)
        )
        + b"]>\n<gpx>&i;</gpx>"
    )
    with pytest.raises(TrackError, match=r"p\.gpx:3: an XML entity declaration"):
        read_track_bytes(bomb, "p.gpx")


def test_a_deep_geojson_track_is_refused() -> None:
    deep = b'{"type": "Feature", "geometry": ' + DEEP_JSON
    with pytest.raises(LimitError, match=r"p\.geojson:1: nested deeper than 64"):
        read_track_bytes(deep, "p.geojson")


def test_a_deep_zone_file_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "z.geojson"
    f.write_bytes(b'{"type": "FeatureCollection",\n"features": ' + DEEP_JSON)
    with pytest.raises(LimitError, match=r"z\.geojson:2: nested deeper than 64"):
        read_zones(f)


# --------------------------------------------------------------------------------------- API


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("limits") / "w.db"
    with open_store(path) as store:
        workspace.add_user(store.engine, "admin", "admin", "admin-pass-1", actor=None)
        workspace.add_user(store.engine, "monitor", "monitor", "monitor-pass-1", actor=None)
    return path


@pytest.fixture(scope="module")
def app(db: Path) -> Iterator[Any]:
    app = create_app(db)
    yield app
    app.state.store.close()


@pytest.fixture(scope="module")
def client(app: Any) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)


def _over_limit(r: Any, limit: int, message: str) -> None:
    assert r.status_code == 422, r.text
    err = _strict_json(r.text)["error"]
    assert err["code"] == "over_limit" and err["limit"] == limit
    assert message in err["message"]


@pytest.mark.parametrize(
    ("text", "limit", "message"),
    [
        (DEEP_YAML, MAX_DEPTH, "request:1: nested deeper than 64 (the limit)"),
        (DIGITS_YAML, MAX_NUMBER_DIGITS, "request:1: a number with more digits than 100"),
        (
            _moscow_copy().replace("pax_id: 2273", "pax_id: " + "7" * 150),
            MAX_NUMBER_DIGITS,
            "request:7: a number with more digits than 100",
        ),
    ],
    ids=["deep", "digits", "digits-in-a-good-agreement"],
)
def test_api_agreement_over_a_limit_is_422_and_not_stored(
    app: Any, client: TestClient, text: str, limit: int, message: str
) -> None:
    r = client.post("/api/agreements", content=text, headers=_token(app, "admin"))
    _over_limit(r, limit, message)
    assert "moscow-copy" not in {a["id"] for a in client.get("/api/agreements").json()}


def test_api_agreement_bomb_is_422_in_bounded_memory(db: Path, tmp_path: Path) -> None:
    private = tmp_path / "w.db"
    private.write_bytes(db.read_bytes())
    code = (
        "from fastapi.testclient import TestClient\n"
        "from ceasefire.store import workspace\n"
        "from ceasefire.web import create_app\n"
        "app = create_app(sys.argv[1])\n"
        "engine = app.state.store.engine\n"
        "token = workspace.create_token(engine, workspace.user_by_name(engine, 'admin'))\n"
        "c = TestClient(app, raise_server_exceptions=False)\n"
        "h = {'Authorization': 'Bearer ' + token}\n"
        "r = c.post('/api/agreements', content=sys.argv[2], headers=h)\n"
        "print(r.status_code, r.text)\n"
        "print(c.get('/api/agreements').status_code)\n"
        "app.state.store.close()\n"
    )
    child = _bounded(code, str(private), BOMB)
    assert child.returncode == 0, child.stderr[-2000:]
    first, second = child.stdout.strip().splitlines()
    status, body = first.split(" ", 1)
    assert status == "422" and second == "200"
    err = _strict_json(body)["error"]
    assert err["code"] == "over_limit" and err["limit"] == MAX_YAML_NODES
    assert err["message"].startswith("request:6: more nodes (aliases expanded)")


def test_api_zone_deep_or_long_number_is_422(app: Any, client: TestClient) -> None:
    h = {**_token(app, "admin"), **JSON_TYPE}
    _over_limit(client.post("/api/zones", content=DEEP_JSON, headers=h), MAX_DEPTH, "request:1")
    digits = b'{"type": "Feature",\n"id": 1' + b"0" * 100_000 + b"}"
    _over_limit(
        client.post("/api/zones", content=digits, headers=h), MAX_NUMBER_DIGITS, "request:2"
    )


def test_every_json_body_is_checked_before_fastapi_parses_it(app: Any, client: TestClient) -> None:
    h = {**_token(app, "admin"), **JSON_TYPE}
    body = b'{"name": "x", "role": "viewer", "password": ' + DEEP_JSON
    _over_limit(client.post("/api/users", content=body, headers=h), MAX_DEPTH, "nested deeper")
    digits = b'{"name": "x", "role": "viewer", "password": 1' + b"0" * 5000 + b"}"
    _over_limit(client.post("/api/users", content=digits, headers=h), MAX_NUMBER_DIGITS, "digits")
    ok = {"name": "limits-user", "role": "viewer", "password": "long-enough-1"}
    assert client.post("/api/users", json=ok, headers=_token(app, "admin")).status_code == 201


def _upload(client: TestClient, app: Any, name: str, data: bytes) -> Any:
    files = {"file": (name, data, "application/octet-stream")}
    return client.post("/api/patrols", files=files, headers=_token(app, "monitor"))


def test_api_patrol_year_9999_names_the_point(app: Any, client: TestClient) -> None:
    gpx = _gpx(("35.8", "36.7", STAMP), ("35.81", "36.7", "9999-12-31T23:59:59Z"))
    r = _upload(client, app, "p.gpx", gpx)
    assert r.status_code == 422
    err = _strict_json(r.text)["error"]
    assert err["point"] == 1 and err["value"] == "9999-12-31T23:59:59Z"
    assert "time outside 1990-2100" in err["message"]


def test_api_patrol_nan_gives_a_valid_json_error(app: Any, client: TestClient) -> None:
    r = _upload(client, app, "p.gpx", _gpx(("NaN", "36.7", STAMP)))
    assert r.status_code == 422
    err = _strict_json(r.text)["error"]
    assert err["value"] == "NaN" and "not a finite number" in err["message"]
    geojson = json.dumps(
        {
            "type": "Feature",
            "properties": {"coordTimes": [STAMP]},
            "geometry": {"type": "LineString", "coordinates": [[36.7, float("nan")]]},
        }
    ).encode()  # Python writes NaN; json.loads reads it back as a float
    r = _upload(client, app, "p.geojson", geojson)
    assert r.status_code == 422
    assert _strict_json(r.text)["error"]["value"] == [36.7, "nan"]


def test_api_patrol_deep_geojson_is_422(app: Any, client: TestClient) -> None:
    deep = b'{"type": "Feature", "geometry": ' + DEEP_JSON
    _over_limit(_upload(client, app, "p.geojson", deep), MAX_DEPTH, "p.geojson:1: nested deeper")
    assert client.get("/api/patrols").json()["total"] == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_deep_json_body_leaves_the_connection_usable(db: Path, tmp_path: Path) -> None:
    """Through a real server: the 422 comes on a kept-alive connection that serves the next
    request (before, a RecursionError in the route reset it)."""
    private = tmp_path / "w.db"
    private.write_bytes(db.read_bytes())
    with open_store(private) as store:
        user = workspace.user_by_name(store.engine, "admin")
        assert user is not None
        token = workspace.create_token(store.engine, user)
    port = _free_port()
    code = (
        "import uvicorn\n"
        "from ceasefire.web import create_app\n"
        "uvicorn.run(create_app(sys.argv[1]), host='127.0.0.1', port=int(sys.argv[2]),"
        " log_level='warning')\n"
    )
    server = subprocess.Popen(
        [sys.executable, "-c", "import sys\n" + code, str(private), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "no server"
                time.sleep(0.2)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        conn.request("POST", "/api/zones", body=DEEP_JSON, headers=headers)
        first = conn.getresponse()
        body = first.read()
        assert first.status == 422 and json.loads(body)["error"]["code"] == "over_limit"
        sock = conn.sock
        assert sock is not None  # not closed by the server's answer
        conn.request("GET", "/api/zones")
        second = conn.getresponse()
        assert second.status == 200 and json.loads(second.read())["type"] == "FeatureCollection"
        assert conn.sock is sock  # the same connection served it
        conn.close()
    finally:
        server.terminate()
        server.communicate(timeout=30)  # and close its pipe


# ------------------------------------------------------------ issue 9: limits a reviewer bypassed


def test_the_json_scan_carries_depth_lines_and_numbers_across_blocks() -> None:
    """The scan goes in blocks of 1 MB: what spans two blocks is found as in one."""
    mb = 1 << 20
    # the depth climbs over a block's end, after a stray close bracket in the block before
    deep = b"]" * 10 + b" " * (mb - 40) + b"\n" + b"[" * 30 + b" " * mb + b"[" * 40
    assert json_depth(deep) == 70
    with pytest.raises(LimitError, match=r"a\.json:2: nested deeper than 64"):
        check_json(deep, file="a.json")
    # a number across a block's end is one number, counted whole
    number = b"[\n" + b" " * (mb - 60) + b"1" * (MAX_NUMBER_DIGITS + 1) + b"]"
    with pytest.raises(LimitError, match=r"a\.json:2: a number with more digits than 100"):
        check_json(number, file="a.json")
    check_json(b"[" + b" " * (mb - 60) + b"1" * MAX_NUMBER_DIGITS + b"]", file="a.json")
    # the first problem in the document is the one named
    both = b"[1" + b"0" * 200 + b",\n" + b" " * (2 * mb) + b"[" * 70
    with pytest.raises(LimitError, match=r"a\.json:1: a number"):
        check_json(both, file="a.json")


def test_check_json_memory_stays_bounded() -> None:
    """50 MB of brackets took 1.7 GB (int64 arrays over the whole document); in blocks of 1 MB
    it fits well under a 600 MB address space."""
    code = (
        "import resource\n"
        "from ceasefire.limits import check_json, json_depth\n"
        "from ceasefire.errors import LimitError\n"
        "resource.setrlimit(resource.RLIMIT_AS, (600_000_000, 600_000_000))\n"
        "deep = b'[' * 50_000_000\n"
        "print(json_depth(deep))\n"
        "try:\n"
        "    check_json(deep, file='d.json', max_bytes=None)\n"
        "except LimitError as e:\n"
        "    print(e)\n"
        "del deep\n"
        "flat = b'[' + b'1,' * 25_000_000 + b'1]'\n"
        "check_json(flat, file='f.json', max_bytes=None)\n"
        "print(json_depth(flat))\n"
    )
    child = _bounded(code)
    assert child.returncode == 0, child.stderr[-2000:]
    assert child.stdout.split("\n")[:3] == [
        "50000000",
        "d.json:1: nested deeper than 64 (the limit)",
        "1",
    ]


def test_a_gpx_over_the_element_or_depth_limit_is_refused_before_a_tree_is_built() -> None:
    head, tail = b"<gpx><trk><trkseg>", b"</trkseg></trk></gpx>"
    deep = head + b"<a>" * 100 + b"</a>" * 100 + tail
    with pytest.raises(LimitError, match=r"d\.gpx:1: XML elements nested deeper than 64"):
        read_track_bytes(deep, "d.gpx")
    flat = head + b"<a/>\n" * (MAX_XML_ELEMENTS + 1) + tail
    with pytest.raises(LimitError) as e:
        read_track_bytes(flat, "f.gpx")
    assert "more XML elements than 1,000,000 (the limit)" in str(e.value)
    assert e.value.limit == MAX_XML_ELEMENTS and e.value.line == MAX_XML_ELEMENTS - 2
    ok = _gpx(("35.8", "36.7", STAMP), ("35.81", "36.7", "2020-03-15T08:10:00Z"))
    assert len(read_track_bytes(ok, "ok.gpx")[0]) == 2


def test_a_zone_file_is_held_to_the_limits_whatever_its_name(tmp_path: Path) -> None:
    big = tmp_path / "big.gj"
    with big.open("wb") as f:  # sparse: no disk used
        f.truncate(25_000_000)
    with pytest.raises(LimitError, match=r"big\.gj: 25,000,000 bytes, more than 20,000,000"):
        import_zone(big, "z")
    with pytest.raises(LimitError, match="more than 20,000,000"):
        read_zones(big)
    digits = tmp_path / "digits.gj"
    digits.write_text('{"type": "LineString",\n "coordinates": [[36.' + "1" * 200_000 + ", 35]]}")
    for read in (lambda: import_zone(digits, "z"), lambda: read_zones(digits)):
        with pytest.raises(LimitError, match=r"digits\.gj:2: a number with more digits than"):
            read()
    deep = tmp_path / "deep.data"
    deep.write_bytes(b"\xef\xbb\xbf  \n" + DEEP_JSON)
    with pytest.raises(LimitError, match=r"deep\.data:2: nested deeper than 64"):
        import_zone(deep, "z")
    line = tmp_path / "road.gj"  # GeoJSON by its content, read as it is
    line.write_text('{"type": "LineString", "coordinates": [[36.3, 35.8], [36.2, 35.8]]}')
    assert import_zone(line, "road").kind == "route"


def test_a_zone_over_the_vertex_limit_is_refused(tmp_path: Path) -> None:
    n = MAX_ZONE_VERTICES + 1
    coordinates = [[36.0 + i * 1e-6, 35.0] for i in range(n)]
    feature = {
        "type": "Feature",
        "properties": {"id": "long-road"},
        "geometry": {"type": "LineString", "coordinates": coordinates},
    }
    with pytest.raises(LimitError) as e:
        zone_from_feature(feature)
    assert e.value.limit == MAX_ZONE_VERTICES and e.value.value == n
    assert "geometry: a zone of more vertices than 500,000 (the limit)" in str(e.value)
    f = tmp_path / "long.geojson"
    f.write_text(json.dumps(feature["geometry"]))
    with pytest.raises(LimitError, match=r"long\.geojson: geometry: a zone of more vertices"):
        import_zone(f, "long-road")


def test_leading_whitespace_does_not_skip_the_json_limits(app: Any, client: TestClient) -> None:
    h = {**_token(app, "monitor"), **JSON_TYPE}
    for pad in (b" " * 20, b"\n" * 40, b"\xef\xbb\xbf" + b" " * 20, b" \t\r\n" * 1000):
        r = client.post("/api/reports", content=pad + DEEP_JSON, headers=h)
        _over_limit(r, MAX_DEPTH, "request:")
    utf16 = (" " * 20 + "[" * 1000).encode("utf-16")
    _over_limit(client.post("/api/reports", content=utf16, headers=h), MAX_DEPTH, "request:1")


def test_the_first_content_type_decides_as_fastapi_reads_it(app: Any, client: TestClient) -> None:
    token = _token(app, "monitor")
    json_first = [
        *token.items(),
        ("Content-Type", "application/json"),
        ("Content-Type", "multipart/form-data; boundary=x"),
    ]
    r = client.post("/api/reports", content=DEEP_JSON, headers=json_first)
    _over_limit(r, MAX_DEPTH, "request:1")
    text_first = [*token.items(), ("Content-Type", "text/plain"), *JSON_TYPE.items()]
    r = client.post("/api/reports", content=b"{}", headers=text_first)
    assert r.status_code == 415, r.text
    err = _strict_json(r.text)["error"]
    assert err["code"] == "unsupported_media_type" and "'text/plain'" in err["message"]
    assert r.headers["connection"] == "close"


def test_an_agreement_error_message_is_one_line_with_every_problem_listed(
    app: Any, client: TestClient
) -> None:
    text = _moscow_copy().replace("zone: idlib-de-escalation-area", "zone: atlantis")
    r = client.post("/api/agreements", content=text, headers=_token(app, "admin"))
    assert r.status_code == 422, r.text
    err = _strict_json(r.text)["error"]
    assert len(err["problems"]) > 1 and "\n" not in err["message"]
    more = len(err["problems"]) - 1
    assert err["message"] == f"{err['problems'][0]} (and {more} more: see problems)"


def test_a_patrol_upload_does_not_hold_up_other_requests(db: Path, tmp_path: Path) -> None:
    """The upload is parsed in a worker thread: a request sent while a large file is being
    read is answered before the upload is."""
    private = tmp_path / "w.db"
    private.write_bytes(db.read_bytes())
    app = create_app(private)
    token = _token(app, "monitor")
    point = b'<trkpt lat="35.8" lon="36.7"/>'
    slow = b"<gpx><trk><trkseg>" + point * 300_000 + b"</trkseg></trk></gpx>"
    order: list[str] = []

    async def run() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:

            async def upload() -> None:
                files = {"file": ("slow.gpx", slow, "application/gpx+xml")}
                r = await c.post("/api/patrols", files=files, headers=token)
                assert r.status_code == 422 and "no timestamp" in r.text, r.text
                order.append("upload")

            async def me() -> None:
                await asyncio.sleep(0.05)  # the upload has started
                r = await c.get("/api/me", headers=token)
                assert r.status_code == 200
                order.append("me")

            await asyncio.gather(upload(), me())

    try:
        asyncio.run(run())
    finally:
        app.state.store.close()
    assert order == ["me", "upload"]
