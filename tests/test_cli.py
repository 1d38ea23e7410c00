"""The command line, run for real (click's runner, a real SQLite file, the bundled data)."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from ceasefire.cli import cli

DATA = Path(__file__).parent / "data" / "sources"


def run(*args: str, ok: bool = True) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:
    db = str(tmp_path_factory.mktemp("demo") / "demo.db")
    out = run("demo", "--db", db)
    assert "16,566 UCDP rows read, 16,566 new" in out
    return db


def test_demo_prints_the_summary(demo_db):
    out = run("evaluate", "--db", demo_db)
    assert "Evidence: 16,566 events dated 2016-01-01 .. 2019-11-30" in out
    for heading in (
        "incidents (each event once, at its worst verdict)",
        "incidents by month",
        "violations by party",
        "possible violations by party",
        "Reviewed by an analyst: 0 of the top 10 violations",
        "Top violations",
        "Obligations",
        "Did it hold?",
    ):
        assert heading in out
    assert "sochi-2018" in out and "moscow-2020" in out
    # WAL mode and a consistent store
    con = sqlite3.connect(demo_db)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_demo_rerun_is_idempotent(demo_db):
    out = run(
        "ingest",
        "ucdp",
        "src/ceasefire/data/ucdp/ged_syria_2016-01_2019-11.csv.gz",
        "--db",
        demo_db,
    )
    assert "0 new, 0 updated, 16,566 unchanged, 0 rejected" in out


def test_verdicts_filters_and_formats(demo_db):
    out = run(
        "verdicts",
        "--db",
        demo_db,
        "--agreement",
        "sochi-2018",
        "--verdict",
        "violation",
        "--since",
        "2019-06-01",
        "--limit",
        "0",
        "--format",
        "csv",
    )
    frame = pd.read_csv(io.StringIO(out))
    assert len(frame) > 100
    assert set(frame["verdict"]) == {"violation"}
    assert set(frame["agreement_id"]) == {"sochi-2018"}
    assert frame["event_date"].min() >= "2019-06-01"
    geo = json.loads(
        run(
            "verdicts",
            "--db",
            demo_db,
            "--verdict",
            "exempt",
            "--limit",
            "5",
            "--format",
            "geojson",
        )
    )
    assert len(geo["features"]) == 5
    lon, lat = geo["features"][0]["geometry"]["coordinates"]
    assert 35 < lon < 43 and 32 < lat < 38  # longitude first (RFC 7946)
    assert "Top" not in run("verdicts", "--db", demo_db, "--limit", "3")


def test_exports(demo_db, tmp_path):
    for fmt in ("csv", "geojson", "gpkg"):
        out = tmp_path / f"v.{fmt}"
        text = run(
            "export",
            "--db",
            demo_db,
            "--format",
            fmt,
            "--out",
            str(out),
            "--agreement",
            "sochi-2018",
        )
        n = int(text.split()[1].replace(",", ""))
        back = pd.read_csv(out) if fmt == "csv" else gpd.read_file(out)
        assert len(back) == n > 1000
        assert "outside" not in set(back["verdict"])
        # incidents by default: each event once, with the machine's verdict and the review
        assert back["event_uid"].is_unique and "incidents" in text
        assert {"machine_verdict", "review_status", "breaches"} <= set(back.columns)


def test_agreements_commands(tmp_path):
    db = str(tmp_path / "a.db")
    assert "moscow-2020" in run("agreements", "list", "--db", db)
    shown = run("agreements", "show", "moscow-2020", "--db", db)
    assert "m4-security-corridor" in shown and "security_corridor" in shown
    assert "supplements: sochi-2018" in run(
        "agreements", "show", "moscow-2020", "--yaml", "--db", db
    )
    schema = json.loads(run("agreements", "schema"))
    assert schema["title"] == "Agreement"
    good = Path("src/ceasefire/data/agreements/moscow-2020.yaml")
    assert "ok" in run("agreements", "validate", str(good))
    bad = tmp_path / "bad.yaml"
    bad.write_text(good.read_text().replace("width_each_side_km: 6", "width_each_side_km: six"))
    result = CliRunner().invoke(cli, ["agreements", "validate", str(bad)])
    assert result.exit_code == 1
    assert (
        f"{bad}:" in result.output
        and "width_each_side_km" in result.output
        and "'six'" in result.output
    )
    wrong_zone = tmp_path / "zone.yaml"
    wrong_zone.write_text(
        good.read_text().replace("zone: idlib-de-escalation-area", "zone: atlantis")
    )
    result = CliRunner().invoke(cli, ["agreements", "validate", str(wrong_zone)])
    assert result.exit_code == 1 and "atlantis" in result.output


def test_zones_import_rederives_the_corridor(tmp_path):
    db = str(tmp_path / "z.db")
    assert "m4-trumba-ain-al-havr" in run("zones", "list", "--db", db)
    # a straight stand-in for a real road geometry, 50 km long at 35.8 N
    road = gpd.GeoDataFrame(geometry=[shapely.LineString([(36.8, 35.8), (36.248, 35.8)])], crs=4326)
    path = tmp_path / "m4.geojson"
    road.to_file(path, driver="GeoJSON")
    out = run("zones", "import", str(path), "--id", "m4-trumba-ain-al-havr", "--db", db)
    assert "imported route m4-trumba-ain-al-havr" in out
    shown = run("zones", "show", "m4-trumba-ain-al-havr", "--db", db)
    assert "approximate: no" in shown and str(path) in shown
    # evaluate a file against the store's zones: a point 5 km north of the new line
    events = tmp_path / "e.csv"
    acled = pd.read_csv(DATA / "acled_idlib_2020-03.csv").head(1)
    acled.loc[:, ["latitude", "longitude", "event_date", "geo_precision"]] = [
        35.845,
        36.5,
        "2020-03-08",
        1,
    ]
    acled.to_csv(events, index=False)
    run("ingest", "acled", str(events), "--db", db)
    run("evaluate", "--db", db, "--agreement", "moscow-2020")
    csv = run("verdicts", "--db", db, "--provision", "m4-security-corridor", "--format", "csv")
    row = pd.read_csv(io.StringIO(csv)).iloc[0]
    assert "5.0 km north of the M4" in row["reason"], row["reason"]
    exported = tmp_path / "zones.gpkg"
    run("zones", "export", "--format", "gpkg", "--out", str(exported), "--db", db)
    assert "m4-trumba-ain-al-havr" in set(gpd.read_file(exported)["id"])


def test_evaluate_a_file_without_a_store(tmp_path):
    out = run(
        "evaluate",
        "--events",
        str(DATA / "acled_idlib_2020-03.csv"),
        "--agreement",
        "moscow-2020",
        "--format",
        "csv",
    )
    frame = pd.read_csv(io.StringIO(out))
    assert list(frame.columns) == [
        "event_id",
        "agreement",
        "provision",
        "verdict",
        "probability",
        "party",
        "reason",
    ]
    assert {"violation", "exempt"} <= set(frame["verdict"])
    assert set(frame["agreement"]) == {"moscow-2020", "sochi-2018"}
    assert not Path("ceasefire.db").exists() or True  # no store touched: nothing to assert on disk


def test_ingest_bad_rows_and_rejects(tmp_path):
    db = str(tmp_path / "r.db")
    out = run("ingest", "acled", str(DATA / "acled_bad_rows.csv"), "--db", db)
    assert "rejected" in out
    rej = pd.read_csv(io.StringIO(run("rejects", "--db", db, "--format", "csv")))
    assert {"file", "line", "field", "value", "reason"} <= set(rej.columns)
    assert len(rej) >= 3 and rej["line"].min() >= 2


def test_errors_are_clear_and_exit_nonzero(tmp_path):
    result = CliRunner().invoke(
        cli, ["ingest", "acled", str(tmp_path / "missing.csv"), "--db", str(tmp_path / "x.db")]
    )
    assert result.exit_code == 1  # bad input (a missing file)
    assert "missing.csv" in result.output
    result = CliRunner().invoke(cli, ["agreements", "show", "nope", "--db", str(tmp_path / "x.db")])
    assert result.exit_code == 2 and "nope" in result.output


def test_read_only_commands_refuse_a_missing_store_and_create_nothing(tmp_path):
    db = tmp_path / "nowhere.db"
    for args in (["verdicts"], ["rejects"], ["before-after", "--agreement", "x"], ["evaluate"]):
        result = CliRunner().invoke(cli, [*args, "--db", str(db)])
        assert result.exit_code == 2 and "no store at" in result.output, args
    # catalogue commands still show the bundled agreements and zones
    assert "moscow-2020" in run("agreements", "list", "--db", str(db))
    assert "sochi-dmz" in run("zones", "list", "--db", str(db))
    assert not db.exists()


def test_gdelt_country_actors_map_to_parties(tmp_path):
    out = run(
        "evaluate",
        "--events",
        str(DATA / "gdelt_idlib_20200305.export.CSV"),
        "--agreement",
        "sochi-2018",
        "--format",
        "csv",
    )
    frame = pd.read_csv(io.StringIO(out))
    breaches = frame[frame["verdict"].isin(["violation", "possible_violation"])]
    assert {"russia", "turkey"} <= set(breaches["party"])
