"""Issue 9, items 4 and 6: one broken agreement never stops the others; add refuses what validate
refuses; JSON endpoints take JSON only (415); files that are not the format at all; bow-tie
zones; user names unique regardless of case; a login lockout that cannot be turned against the
admin. Real parts throughout: SQLite files, the CLI through click's runner, the ASGI app."""

from __future__ import annotations

import gzip
import io
import json
import random
import re
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest
import shapely
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient
from web_api_store import PASSWORDS, SEEN_REPORT, bearer

from ceasefire import agreements as _agreements
from ceasefire import monitoring
from ceasefire.agreements import Registry, validate_agreement
from ceasefire.cli import EXIT_SKIPPED, cli
from ceasefire.errors import (
    AgreementError,
    ConflictError,
    EventReadError,
    GeometryError,
    InputError,
)
from ceasefire.sources import read_events
from ceasefire.store import LATEST, MIGRATIONS, migrate, open_store, workspace
from ceasefire.store.engine import create_store_engine
from ceasefire.web import create_app
from ceasefire.web.auth import MAX_ADDRESS_FAILURES, MAX_LOGIN_FAILURES
from ceasefire.zones import Zone, import_zone, zone_from_feature

DATA = Path(__file__).parent / "data" / "sources"
MOSCOW = _agreements.bundled_text("moscow-2020")


def moscow_as(new_id: str, *replacements: tuple[str, str]) -> str:
    """The bundled Moscow protocol under another id, with text replaced."""
    text = MOSCOW.replace("id: moscow-2020", f"id: {new_id}", 1)
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


ATLANTIS = ("zone: idlib-de-escalation-area", "zone: atlantis")


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def _raw_write(db: Path | str, sql: str, *rows: dict[str, Any]) -> None:
    """Plain SQL written outside the store's code, on either store."""
    from sqlalchemy import text as sql_text

    from ceasefire.store.engine import create_store_engine

    engine = create_store_engine(db)
    try:
        with engine.begin() as con:
            for row in rows:
                con.execute(sql_text(sql), row)
    finally:
        engine.dispose()


def put_raw_agreement(db: Path | str, agreement_id: str, text: str) -> None:
    """Write an agreement row as an older version (or a hand edit) would have: no validation."""
    _raw_write(
        db,
        "INSERT INTO agreements (id, yaml, source, loaded_at) VALUES (:i, :y, :s, :t)",
        {"i": agreement_id, "y": text, "s": "older version", "t": "2020-01-01T00:00:00.000000Z"},
    )


REPORT = SEEN_REPORT


# ------------------------------------------------------------ add refuses what validate refuses


def test_validate_and_add_refuse_an_unknown_zone_alike_and_add_stores_nothing(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "a.db")
    bad = tmp_path / "bad.yaml"
    bad.write_text(moscow_as("moscow-bad", ATLANTIS), encoding="utf-8")
    checked = invoke("agreements", "validate", str(bad), "--db", db)
    added = invoke("agreements", "add", str(bad), "--db", db)
    assert checked.exit_code == 1 and added.exit_code == 1, added.output
    expected = f"{bad}:70: provisions.0.zone: unknown zone; known: "
    assert expected in checked.output and expected in added.output
    assert "('atlantis')" in added.output
    with open_store(db) as store:
        assert "moscow-bad" not in store.agreements()
    good = tmp_path / "good.yaml"
    good.write_text(moscow_as("moscow-good"), encoding="utf-8")
    assert invoke("agreements", "add", str(good), "--db", db).exit_code == 0
    with open_store(db) as store:
        assert "moscow-good" in store.agreements()


def test_add_refuses_a_broken_supplement_chain(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    orphan = tmp_path / "orphan.yaml"
    orphan.write_text(
        moscow_as("orphan", ("supplements: sochi-2018", "supplements: nowhere")), encoding="utf-8"
    )
    result = invoke("agreements", "add", str(orphan), "--db", db)
    assert result.exit_code == 1
    assert f"{orphan}:11: supplements: unknown agreement" in result.output
    assert "('nowhere')" in result.output
    missing = tmp_path / "missing.yaml"
    assert invoke("agreements", "add", str(missing), "--db", db).exit_code == 1


def test_a_replacement_that_would_strand_an_agreement_built_on_it_is_refused() -> None:
    parent = moscow_as("parent")
    child = moscow_as(
        "child",
        ("supplements: sochi-2018", "supplements: parent\nsupersedes: [parent/ceasefire]"),
    )
    zones = ["idlib-de-escalation-area", "m4-trumba-ain-al-havr"]
    reg = Registry.bundled()
    p = validate_agreement(parent, file="parent.yaml", zones=zones, registry=reg)
    reg = Registry({**reg.agreements, "parent": p})
    c = validate_agreement(child, file="child.yaml", zones=zones, registry=reg)
    reg = Registry({**reg.agreements, "child": c})
    renamed = parent.replace("id: ceasefire", "id: truce", 1)
    with pytest.raises(AgreementError) as e:
        validate_agreement(renamed, file="parent.yaml", zones=zones, registry=reg)
    assert "id: agreement 'child', built on this one, would not resolve" in str(e.value)
    assert "unknown provision" in str(e.value)


def test_the_api_refuses_what_validate_refuses(app: Any) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    h = bearer(app, "admin")
    r = c.post("/api/agreements", content=moscow_as("api-bad", ATLANTIS), headers=h)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "invalid_body" and err["field"] == "provisions.0.zone"
    assert any(p.startswith("request:70: provisions.0.zone: unknown zone") for p in err["problems"])
    assert "api-bad" not in app.state.store.agreements()
    ok = c.post("/api/agreements", content=moscow_as("api-good"), headers=h)
    assert ok.status_code == 201 and ok.json() == {"id": "api-good", "replaced": False}


# ------------------------------------------------- one bad stored agreement never stops the rest


def test_evaluate_skips_a_stored_agreement_that_no_longer_validates(db: Path) -> None:
    put_raw_agreement(db, "old-bad", moscow_as("old-bad", ATLANTIS))
    put_raw_agreement(db, "not-yaml", "id: [unclosed\n")
    put_raw_agreement(
        db, "old-child", moscow_as("old-child", ("supplements: sochi-2018", "supplements: old-bad"))
    )
    result = invoke("evaluate", "--db", str(db))
    assert result.exit_code == EXIT_SKIPPED == 3, result.output
    err = result.stderr
    assert "agreement old-bad skipped: it is stored but does not validate" in err
    assert "atlantis" in err and "not-yaml" in err
    assert "agreement old-child skipped" in err and "'old-bad'" in err
    with open_store(db) as store:
        evaluated = set(store.verdicts(limit=None)["agreement_id"])
        assert {"moscow-2020", "sochi-2018"} <= evaluated
        assert not evaluated & {"old-bad", "not-yaml", "old-child"}
    listed = invoke("agreements", "list", "--db", str(db))
    assert listed.exit_code == 0 and "moscow-2020" in listed.stdout
    assert "agreement old-bad skipped" in listed.stderr
    asked = invoke("evaluate", "--db", str(db), "--agreement", "old-bad")
    assert asked.exit_code == 2 and "'old-bad' is stored but does not validate" in asked.output
    shown = invoke("agreements", "show", "old-bad", "--yaml", "--db", str(db))
    assert shown.exit_code == 0 and "zone: atlantis" in shown.stdout  # to be fixed
    # the others, asked for by name, evaluate with exit status 0
    assert invoke("evaluate", "--db", str(db), "--agreement", "sochi-2018").exit_code == 0


def test_the_workspace_judges_against_the_good_agreements(db: Path) -> None:
    put_raw_agreement(db, "old-bad", moscow_as("old-bad", ATLANTIS))
    app = create_app(db)
    try:
        c = TestClient(app, raise_server_exceptions=False)
        ids = {a["id"] for a in c.get("/api/agreements").json()}
        assert {"moscow-2020", "sochi-2018"} <= ids and "old-bad" not in ids
        assert c.get("/api/agreements/sochi-2018/held").status_code == 200
        held = c.get("/api/agreements/old-bad/held")
        assert held.status_code == 409, held.text
        assert "old-bad" in held.json()["error"]["message"]
        assert "atlantis" in held.json()["error"]["message"]
        assert c.get("/api/agreements/old-bad").status_code == 409
        assert c.get("/api/agreements/never-was/held").status_code == 404
        r = c.post("/api/reports", json=REPORT, headers=bearer(app, "monitor"))
        assert r.status_code == 201, r.text
        judged = {v["agreement_id"] for v in r.json()["verdicts"]}
        assert "moscow-2020" in judged and "old-bad" not in judged
        # an admin fixes it by sending it again, valid: it is back
        h = bearer(app, "admin")
        fixed = c.post("/api/agreements", content=moscow_as("old-bad"), headers=h)
        assert fixed.status_code == 201 and fixed.json()["replaced"] is True
        assert c.get("/api/agreements/old-bad/held").status_code == 200
    finally:
        app.state.store.close()


def test_registry_of_names_each_broken_agreement_and_why(db: Path) -> None:
    put_raw_agreement(db, "old-bad", moscow_as("old-bad", ATLANTIS))
    with open_store(db) as store:
        reg = monitoring.registry_of(store)
    assert "old-bad" not in reg.agreements and "atlantis" in reg.broken["old-bad"]
    with pytest.raises(ConflictError, match="'old-bad' is stored but does not validate"):
        reg.get("old-bad")


# an alias bomb (10 levels of 9 aliases): over the node limit, a LimitError, not an AgreementError
ALIAS_BOMB = "a: &a [x, x]\n" + "".join(
    f"{k}: &{k} [" + ", ".join([f"*{p}"] * 9) + "]\n"
    for p, k in zip("abcdefghi", "bcdefghij", strict=True)
)


def test_a_stored_agreement_over_a_limit_is_left_out_like_any_broken_one(db: Path) -> None:
    """Stored by hand or by an older version: one agreement over a limit stopped `evaluate`,
    every report and every agreement page (a LimitError is no AgreementError)."""
    put_raw_agreement(db, "bomb", ALIAS_BOMB)
    with open_store(db) as store:
        reg = monitoring.registry_of(store)
    assert "store:bomb:6: more nodes (aliases expanded) than 100,000" in reg.broken["bomb"]
    assert {"moscow-2020", "sochi-2018"} <= set(reg.agreements)
    result = invoke("evaluate", "--db", str(db))
    assert result.exit_code == EXIT_SKIPPED, result.output
    assert "agreement bomb skipped: it is stored but does not validate" in result.stderr
    with open_store(db) as store:
        assert {"moscow-2020", "sochi-2018"} <= set(store.verdicts(limit=None)["agreement_id"])
    app = create_app(db)
    try:
        c = TestClient(app, raise_server_exceptions=False)
        assert c.get("/api/agreements/sochi-2018").status_code == 200
        bomb = c.get("/api/agreements/bomb")
        assert bomb.status_code == 409 and "more nodes" in bomb.json()["error"]["message"]
        r = c.post("/api/reports", json=REPORT, headers=bearer(app, "monitor"))
        assert r.status_code == 201, r.text
        assert "moscow-2020" in {v["agreement_id"] for v in r.json()["verdicts"]}
    finally:
        app.state.store.close()


def test_cli_errors_print_file_names_as_they_are(tmp_path: Path) -> None:
    """No emoji codes and no markup in a file's name; `validate` says `error:` as `add` does."""
    f = tmp_path / "[red]x:bomb:.yaml"
    f.write_text(ALIAS_BOMB, encoding="utf-8")
    db = str(tmp_path / "a.db")
    expected = f"error: {f}:6: more nodes (aliases expanded) than 100,000 (the limit)\n"
    for command in ("validate", "add"):
        result = invoke("agreements", command, str(f), "--db", db)
        assert result.exit_code == 1 and result.stderr == expected, result.stderr
    bad = tmp_path / ":bomb: bad.yaml"
    several = moscow_as("moscow-bad").replace(ATLANTIS[0], ATLANTIS[1])  # every zone unknown
    bad.write_text(several, encoding="utf-8")
    for command in ("validate", "add"):
        result = invoke("agreements", command, str(bad), "--db", db)
        lines = result.stderr.splitlines()
        assert result.exit_code == 1 and len(lines) > 1, result.stderr
        assert all(line.startswith(f"error: {bad}:") for line in lines), result.stderr


# ------------------------------------------------------------------------ JSON bodies only: 415

NOT_JSON: list[tuple[str, dict[str, Any]]] = [
    ("text/plain", {"content": b"{}", "headers": {"Content-Type": "text/plain"}}),
    ("form", {"data": {"name": "x"}}),
    ("multipart", {"files": {"file": ("a.json", b"{}", "application/json")}}),
    ("xml", {"content": b"<a/>", "headers": {"Content-Type": "application/xml"}}),
    ("no content type", {"content": b"{}"}),
]


def _json_writes(app: Any) -> list[tuple[str, str]]:
    """Every write of the API (from its OpenAPI document), but the form and the YAML upload."""
    out = []
    for path, operations in app.openapi()["paths"].items():
        if not path.startswith("/api/") or path in ("/api/patrols", "/api/agreements"):
            continue
        for method in sorted({m.upper() for m in operations} & {"POST", "PUT", "PATCH"}):
            out.append((method, re.sub(r"\{[^}]+\}", "1", path)))
    return out


def test_every_json_write_answers_415_to_anything_but_json(app: Any) -> None:
    writes = _json_writes(app)
    assert {
        ("POST", "/api/zones"),
        ("POST", "/api/verdicts/review"),
        ("POST", "/api/reports"),
        ("PATCH", "/api/reports/1"),
        ("POST", "/api/users"),
    } <= set(writes)
    c = TestClient(app, raise_server_exceptions=False)
    h = bearer(app, "admin")
    for method, path in writes:
        for label, kw in NOT_JSON:
            headers = {**h, **kw.get("headers", {})}
            args = {k: v for k, v in kw.items() if k != "headers"}
            r = c.request(method, path, headers=headers, **args)
            assert r.status_code == 415, (method, path, label, r.text)
            err = r.json()["error"]
            assert err["status"] == 415 and err["code"] == "unsupported_media_type"
            assert "application/json" in err["message"]


def test_json_with_a_charset_or_a_json_suffix_passes(app: Any) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    h = bearer(app, "admin")
    user = {"name": "newbie", "role": "viewer", "password": "long-enough"}
    body = json.dumps(user).encode()
    utf8 = {**h, "Content-Type": "application/json; charset=utf-8"}
    assert c.post("/api/users", content=body, headers=utf8).status_code == 201
    zone = {
        "type": "Feature",
        "properties": {"id": "test-box", "name": "A test box", "kind": "area"},
        "geometry": shapely.geometry.mapping(shapely.box(36.0, 35.0, 36.1, 35.1)),
    }
    geo = {**h, "Content-Type": "application/geo+json"}
    assert c.post("/api/zones", content=json.dumps(zone), headers=geo).status_code == 201
    # forms and uploads keep theirs: login (a form), the agreement upload (YAML, any type)
    r = c.post(
        "/login",
        data={"username": "admin", "password": PASSWORDS["admin"], "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/"
    yaml_upload = {**h, "Content-Type": "application/yaml"}
    assert (
        c.post("/api/agreements", content=moscow_as("m2"), headers=yaml_upload).status_code == 201
    )


# ------------------------------------------------------- evidence files that are not the format


def _random_bytes(n: int = 60_000) -> bytes:
    return random.Random(9).randbytes(n)


def _zip_of_text() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("notes.txt", "hello\tworld\n" * 100)
    return buf.getvalue()


@pytest.mark.parametrize("source", ["gdelt", "ucdp", "acled"])
@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("random.CSV", _random_bytes()),
        ("random.CSV.gz", gzip.compress(_random_bytes())),
        ("archive.zip", _zip_of_text()),
        ("latin1.CSV", "caf\xe9\t".encode("latin-1") * 30 + b"\n" * 1 + b"\xe9\xe9\n" * 40),
    ],
)
def test_a_file_that_is_not_the_format_is_one_file_level_error(
    tmp_path: Path, source: str, name: str, content: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(EventReadError, match=r"not (a|an) .*(UTF-8|zip archive|binary)") as e:
        read_events(path, source)
    assert e.value.file == str(path)


def test_gdelt_lines_of_the_wrong_width_after_a_good_first_line_are_refused(
    tmp_path: Path,
) -> None:
    first = (DATA / "gdelt_idlib_20200305.export.CSV").read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "mangled.CSV"
    path.write_text(first + "\n" + "a\tb\tc\n" * 30, encoding="utf-8")
    with pytest.raises(EventReadError, match=r"19 of its first 20 lines") as e:
        read_events(path, "gdelt")
    assert "61 fields separated by '\\t'" in str(e.value) and "(line 2: has 3 fields)" in str(
        e.value
    )
    # a real file with a few bad rows still loads, its bad rows rejected one by one
    batch = read_events(DATA / "gdelt_bad_rows.export.CSV", "gdelt")
    assert len(batch.events) == 3 and len(batch.rejects) == 6


@pytest.mark.parametrize(
    ("source", "good"), [("ucdp", "ucdp_bad_rows.csv"), ("acled", "acled_idlib_2020-03.csv")]
)
def test_a_good_header_over_random_bytes_is_refused(tmp_path: Path, source: str, good: str) -> None:
    header = (DATA / good).read_bytes().split(b"\n", 1)[0]
    path = tmp_path / "mangled.csv"
    path.write_bytes(header + b"\n" + _random_bytes())
    with pytest.raises(EventReadError, match=r"of its first 20 lines are not UTF-8 text"):
        read_events(path, source)
    assert len(read_events(DATA / good, source).events) > 0  # the real file still loads


def test_ingesting_random_bytes_fails_the_ingest_and_stores_nothing(tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    path = tmp_path / "20200305.export.CSV"
    path.write_bytes(_random_bytes())
    result = invoke("ingest", "gdelt", str(path), "--db", str(db))
    assert result.exit_code == 1, result.output
    assert "not a GDELT 2.0 event file" in result.output and str(path) in result.output
    with open_store(db) as store:
        assert store.count_events() == 0 and len(store.rejects()) == 0
        ingests = store.ingests()
    assert ingests["status"].tolist() == ["failed"]
    assert "not a GDELT 2.0 event file" in ingests["error"].iloc[0]


# ------------------------------------------------------------------------------- bow-tie zones

BOW_TIE = shapely.Polygon([(36.4, 35.7), (36.6, 35.9), (36.6, 35.7), (36.4, 35.9)])


def _feature(geometry: shapely.Geometry, zone_id: str = "bow-tie") -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"id": zone_id, "name": "A bow tie", "kind": "area"},
        "geometry": shapely.geometry.mapping(geometry),
    }


def test_a_bow_tie_zone_is_refused_naming_file_feature_and_reason(tmp_path: Path) -> None:
    path = tmp_path / "zones.geojson"
    box = _feature(shapely.box(36.0, 35.0, 36.1, 35.1), "box")
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": [box, _feature(BOW_TIE)]}),
        encoding="utf-8",
    )
    with pytest.raises(GeometryError) as e:
        import_zone(path, "bow-tie")
    assert e.value.file == str(path) and e.value.field == "features[1].geometry"
    assert "Self-intersection[36.5 35.8]" in str(e.value) and "make_valid" in str(e.value)
    with pytest.raises(GeometryError, match=r"Self-intersection\[36.5 35.8\]"):
        Zone("bow-tie", "A bow tie", "area", BOW_TIE, None, "test")
    with pytest.raises(GeometryError, match=r"geometry: zone 'bow-tie': invalid Polygon"):
        zone_from_feature(_feature(BOW_TIE))
    result = invoke("zones", "import", str(path), "--id", "bow-tie", "--db", str(tmp_path / "z.db"))
    assert result.exit_code == 1 and "Self-intersection" in result.output
    assert str(path) in result.output
    # the user's remedy works: make_valid, then import again
    fixed = tmp_path / "fixed.geojson"
    fixed.write_text(json.dumps(_feature(shapely.make_valid(BOW_TIE))), encoding="utf-8")
    assert import_zone(fixed, "bow-tie").geometry.is_valid


def test_the_api_refuses_a_bow_tie_and_an_old_one_in_the_store_is_left_out(
    app: Any, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    r = c.post("/api/zones", json=_feature(BOW_TIE), headers=bearer(app, "admin"))
    assert r.status_code == 422 and "Self-intersection[36.5 35.8]" in r.json()["error"]["message"]
    assert "bow-tie" not in {f["properties"]["id"] for f in c.get("/api/zones").json()["features"]}
    # one stored by an older version: left out with a warning, everything else loads
    with open_store(db) as store:
        store.put_zone(_feature(BOW_TIE))
        with caplog.at_level("WARNING", logger="ceasefire"):
            zones = monitoring.zones_of(store)
            reg = monitoring.registry_of(store)
    assert "bow-tie" not in zones and "sochi-dmz" in zones
    assert {"moscow-2020", "sochi-2018"} <= set(reg.agreements)
    assert "stored zone 'bow-tie' left out" in caplog.text


# ------------------------------------------------------------------ user names, any case


def test_a_name_differing_only_in_case_is_taken(app: Any) -> None:
    engine = app.state.store.engine
    with pytest.raises(ConflictError, match="a user named 'admin' exists"):
        workspace.add_user(engine, "ADMIN", "admin", "long-enough", actor=None)
    workspace.add_user(engine, "Emile.B", "viewer", "long-enough", actor=None)
    with pytest.raises(ConflictError, match=r"'Emile\.B'"):
        workspace.add_user(engine, "eMILE.b", "viewer", "long-enough", actor=None)
    c = TestClient(app, raise_server_exceptions=False)
    body = {"name": "Analyst", "role": "admin", "password": "long-enough"}
    r = c.post("/api/users", json=body, headers=bearer(app, "admin"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"
    # logins match the name in any case (there is only one such user)
    assert workspace.check_password(engine, "ANALYST", PASSWORDS["analyst"]) is not None
    assert workspace.user_by_name(engine, "Viewer") == workspace.user_by_name(engine, "viewer")


@pytest.mark.parametrize(
    "name",
    [
        "ADM\u0130N",  # a dotted capital I
        "adm\u0131n",  # a dotless small i
        "\u0430dmin",  # a Cyrillic a
        "\u0251dmin",  # a Latin alpha
        "ad min",
        "admin\u200b",  # a zero-width space
        "ab",
        "x" * 65,
        "Stra\u00dfe",
    ],
)
def test_look_alike_and_odd_user_names_are_refused(app: Any, name: str) -> None:
    engine = app.state.store.engine
    with pytest.raises(InputError, match="ASCII letter, a digit") as e:
        workspace.add_user(engine, name, "viewer", "long-enough", actor=None)
    assert e.value.field == "name"
    c = TestClient(app, raise_server_exceptions=False)
    body = {"name": name, "role": "viewer", "password": "long-enough"}
    r = c.post("/api/users", json=body, headers=bearer(app, "admin"))
    assert r.status_code == 422 and r.json()["error"]["field"] == "name", r.text
    assert name not in {u["name"] for u in workspace.users(engine)}


def test_user_names_are_nfkc_normalised_and_compared_in_ascii_case(app: Any) -> None:
    engine = app.state.store.engine
    with pytest.raises(ConflictError, match="'admin'"):  # full-width letters: NFKC makes admin
        workspace.add_user(engine, "\uff41\uff44\uff4d\uff49\uff4e", "admin", "long-enough",
                           actor=None)  # fmt: skip
    ff = workspace.add_user(engine, "\ufb00-team", "viewer", "long-enough", actor=None)
    assert ff.name == "ff-team"  # the ligature, normalised
    with pytest.raises(ConflictError):
        workspace.add_user(engine, "FF-Team", "viewer", "long-enough", actor=None)
    strasse = workspace.add_user(engine, "STRASSE", "viewer", "long-enough", actor=None)
    # creating, logging in and the throttle all compare names the same way
    for typed in ("strasse", "Strasse", "\ufb00-TEAM"):
        user = workspace.check_password(engine, typed, "long-enough")
        assert user is not None and user.id in (strasse.id, ff.id)
    assert workspace.check_password(engine, "stra\u00dfe", "long-enough") is None
    assert workspace.user_name_key("\uff21DMIN") == workspace.user_name_key("admin")


def test_a_name_stored_before_names_were_checked_still_logs_in(app: Any, db: Path) -> None:
    _raw_write(  # as an older version stored them
        db,
        "INSERT INTO users (name, role, password_hash, created_at, disabled) "
        "VALUES (:n, 'viewer', :h, '2020-01-01T00:00:00.000000Z', false)",
        *[
            {"n": name, "h": workspace.hash_password("long-enough")}
            for name in ("\u00c9mile", "\uff4a\uff4f\uff45")  # Émile, full-width joe
        ],
    )
    engine = app.state.store.engine
    emile = workspace.check_password(engine, "\u00c9MILE", "long-enough")
    assert emile is not None and emile.name == "\u00c9mile"
    joe = workspace.check_password(engine, "JOE", "long-enough")  # NFKC: the same key
    assert joe is not None and joe.name == "\uff4a\uff4f\uff45"
    # a new name with an old one's key is taken, so logins stay unambiguous
    with pytest.raises(ConflictError, match="exists"):
        workspace.add_user(engine, "Joe", "viewer", "long-enough", actor=None)


def test_the_database_refuses_names_differing_only_in_case(tmp_path: Path) -> None:
    open_store(tmp_path / "u.db").close()
    con = sqlite3.connect(tmp_path / "u.db")
    try:
        indexes = {(r[1], r[2]) for r in con.execute("PRAGMA index_list(users)")}
        assert ("ux_users_name_lower", 1) in indexes  # (name, unique)
        row = "INSERT INTO users (name, role, created_at, disabled) VALUES (?, 'viewer', 'x', 0)"
        con.execute(row, ("ann",))
        with pytest.raises(sqlite3.IntegrityError):
            con.execute(row, ("ANN",))
    finally:
        con.close()


def test_migration_6_renames_later_names_that_clash_and_audits_it(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    engine = create_store_engine(db)
    try:
        assert migrate(engine, MIGRATIONS[:5]) == [1, 2, 3, 4, 5]
        with engine.begin() as conn:
            for name in ("ann", "ANN", "bob", "Ann", "ANN-2"):
                conn.exec_driver_sql(
                    "INSERT INTO users (name, role, created_at, disabled) "
                    "VALUES (?, 'viewer', '2020-01-01T00:00:00.000000Z', 0)",
                    (name,),
                )
    finally:
        engine.dispose()
    with open_store(db) as store:  # opens: version 6 renames, then adds the index
        users = {u["id"]: u["name"] for u in workspace.users(store.engine)}
        audit = workspace.audit_rows(store.engine)["items"]
    assert users == {1: "ann", 2: "ANN-2-2", 3: "bob", 4: "Ann-4", 5: "ANN-2"}
    renames = [a for a in audit if a["action"] == "user.rename"]
    assert sorted(json.dumps(a["changes"], sort_keys=True) for a in renames) == sorted(
        json.dumps(
            {"from": old, "to": new, "why": "user names became unique regardless of case "
             "(schema version 6)"},
            sort_keys=True,
        )
        for old, new in [("ANN", "ANN-2-2"), ("Ann", "Ann-4")]
    )  # fmt: skip
    assert {a["user"] for a in renames} == {None}
    con = sqlite3.connect(db)
    try:
        (version,) = con.execute("SELECT max(version) FROM schema_migrations").fetchone()
    finally:
        con.close()
    assert version == LATEST


# ---------------------------------------------------------------- a lockout per address and name


def _login(app: Any, address: str, name: str, password: str, **headers: str) -> str:
    c = TestClient(app, raise_server_exceptions=False, client=(address, 40000))
    r = c.post(
        "/login",
        data={"username": name, "password": password, "next": "/"},
        headers=headers,
        follow_redirects=False,
    )
    assert r.status_code == 303
    return str(r.headers["location"])


def test_guessing_from_one_address_does_not_lock_the_admin_out_elsewhere(app: Any) -> None:
    attacker, office = "203.0.113.9", "198.51.100.20"
    for i in range(MAX_LOGIN_FAILURES):
        assert _login(app, attacker, "admin", f"guess {i}").startswith("/login?error=1")
    assert _login(app, attacker, "admin", PASSWORDS["admin"]).startswith("/login?error=locked")
    # a forged X-Forwarded-For does not make the attacker someone else (headers not trusted)
    forged = _login(app, attacker, "ADMIN", PASSWORDS["admin"], **{"X-Forwarded-For": office})
    assert forged.startswith("/login?error=locked")
    # the real admin, from the office, logs in
    assert _login(app, office, "admin", PASSWORDS["admin"]) == "/"


def test_spraying_many_names_from_one_address_is_slowed(app: Any) -> None:
    sprayer = "203.0.113.66"
    for i in range(MAX_ADDRESS_FAILURES):
        assert _login(app, sprayer, f"user{i}", "Winter2024!").startswith("/login?error=1")
    assert _login(app, sprayer, "analyst", PASSWORDS["analyst"]).startswith("/login?error=locked")
    assert _login(app, "198.51.100.21", "analyst", PASSWORDS["analyst"]) == "/"
