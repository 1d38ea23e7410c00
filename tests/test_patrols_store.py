"""Patrols in the store and on the command line: schema v4, idempotent import by content hash
(one transaction per file), read back, incidents, coverage, the web-facing API."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import inspect

from ceasefire import monitoring
from ceasefire import patrols as _patrols
from ceasefire.cli import cli
from ceasefire.errors import TrackError
from ceasefire.store import open_store
from ceasefire.zones import Zone, length_km, load_zones, zone_to_feature

DATA = Path(__file__).parent / "data" / "patrols"
FIRST = DATA / "2020-03-15-joint-cut-short.gpx"
ALONE = DATA / "2020-03-23-turkey-alone.geojson"
FULL = DATA / "2020-03-26-joint-full.geojson"
PLAN = DATA / "2020-04-02-plan.geojson"


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def test_schema_v4_has_the_patrol_tables(tmp_path):
    with open_store(tmp_path / "s.db") as store:
        names = set(inspect(store.engine).get_table_names())
    assert {"patrol_files", "patrols", "patrol_points", "patrol_incidents"} <= names


def test_import_is_idempotent_by_content_hash(tmp_path):
    opts = monitoring.PatrolImportOptions(parties="russia,turkey")
    with open_store(tmp_path / "s.db") as store:
        first = monitoring.import_patrols(store, [FIRST, FULL], opts)
        assert [f[1:] for f in first.files] == [(1, 1, 0), (1, 1, 0)]
        again = monitoring.import_patrols(store, [FIRST], opts)
        assert (again.inserted, again.skipped) == (0, 1)
        # the same bytes under another name are the same file
        copy = tmp_path / "copy.gpx"
        shutil.copy(FIRST, copy)
        assert monitoring.import_patrols(store, [copy], opts).inserted == 0
        rows = store.patrol_rows()
        assert len(rows) == 2
        (p,) = [p for p in store.patrols() if p.date.isoformat() == "2020-03-15"]
        assert p.parties == ("russia", "turkey") and len(p.track) == 80
        assert p.track.time[0] == pd.Timestamp("2020-03-15T07:00").to_datetime64()


def test_a_bad_file_stores_nothing_of_itself(tmp_path):
    bad = tmp_path / "bad.geojson"
    good = json.loads(FULL.read_text())
    good["geometry"]["coordinates"][5][3] = good["geometry"]["coordinates"][4][3] - 60
    bad.write_text(json.dumps(good))
    with open_store(tmp_path / "s.db") as store:
        with pytest.raises(TrackError, match="point 5 time"):
            monitoring.import_patrols(store, [bad])
        assert store.patrol_rows().empty
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM patrol_points").scalar() == 0


def test_plans_and_the_geojson_for_the_web(tmp_path):
    with open_store(tmp_path / "s.db") as store:
        monitoring.import_patrols(store, [FIRST, ALONE])
        monitoring.import_patrols(store, [PLAN], monitoring.PatrolImportOptions(planned=True))
        fc = monitoring.patrols_geojson(store)
    assert fc["type"] == "FeatureCollection"
    props = [f["properties"] for f in fc["features"]]
    assert [p["planned"] for p in props] == [False, False, True]
    assert props[1]["parties"] == ["turkey"]
    first = fc["features"][0]
    assert len(first["geometry"]["coordinates"]) == len(first["properties"]["coordTimes"]) == 80
    assert fc["features"][2]["geometry"]["coordinates"][0][0] == pytest.approx(36.7667, abs=1e-3)


def test_incidents_are_linked_and_stored(tmp_path, make_events):
    with open_store(tmp_path / "s.db") as store:
        monitoring.import_patrols(
            store, [FIRST], monitoring.PatrolImportOptions(parties="russia,turkey")
        )
        (p,) = store.patrols()
        lon, lat = float(p.track.lon[30]), float(p.track.lat[30])
        store.add_events(
            make_events(
                dict(
                    event_date="2020-03-15",
                    longitude=lon,
                    latitude=lat,
                    sub_event_type="Remote explosive/landmine/IED",
                ),
                dict(event_date="2020-05-01", longitude=lon, latitude=lat),
            )
        )
        found = monitoring.link_patrol_incidents(store)
        assert found["event_uid"].tolist() == ["test:0"]
        stored = store.patrol_incidents()
        assert stored[["patrol_id", "event_uid", "verdict"]].values.tolist() == [
            [p.patrol_id, "test:0", "possible_violation"]
        ]
        assert monitoring.patrols_geojson(store)["features"][0]["properties"]["incidents"] == 1


def test_incidents_are_measured_along_each_patrols_own_route(tmp_path, make_events):
    # the same track filed under the M4 and under a copy of the M4 drawn from its other end:
    # km marks count from each route's own start, so they add up to the route's length
    m4 = load_zones()["m4-trumba-ain-al-havr"]
    back = Zone(
        "m4-back", "M4 from Ain al-Havr to Trumba", "route", m4.geometry.reverse(), None, "test"
    )
    results = {}
    for route in ("m4-trumba-ain-al-havr", "m4-back"):
        with open_store(tmp_path / f"{route}.db") as store:
            store.put_zone(zone_to_feature(back))
            monitoring.import_patrols(
                store, [FIRST], monitoring.PatrolImportOptions(parties="russia,turkey", route=route)
            )
            (p,) = store.patrols()
            lon, lat = float(p.track.lon[30]), float(p.track.lat[30])
            store.add_events(
                make_events(dict(event_date="2020-03-15", longitude=lon, latitude=lat))
            )
            (row,) = monitoring.link_patrol_incidents(store).to_dict("records")
            results[route] = row["km"]
    length = length_km(m4)
    assert results["m4-trumba-ain-al-havr"] < 6  # near Nayrab, the start of the M4 leg
    assert results["m4-trumba-ain-al-havr"] + results["m4-back"] == pytest.approx(length, abs=0.1)


def test_coverage_table_is_plain_json(tmp_path):
    with open_store(tmp_path / "s.db") as store:
        monitoring.import_patrols(store, [FIRST, FULL])
        cov = monitoring.patrol_coverage(store, agreement_id="moscow-2020")
    rows = monitoring.coverage_table(cov)
    json.dumps(rows)  # no numpy or dataclass left
    assert [r["period"] for r in rows] == ["2020-03-15", "2020-03-22"]
    assert rows[0]["gaps"][0]["from_place"] == "Nayrab"


def test_a_from_date_inside_a_week_still_counts_the_whole_week(tmp_path):
    with open_store(tmp_path / "s.db") as store:
        monitoring.import_patrols(store, [ALONE, FULL])  # 2020-03-23 and 2020-03-26
        whole = monitoring.patrol_coverage(store, agreement_id="moscow-2020")
        late = monitoring.patrol_coverage(
            store, agreement_id="moscow-2020", since=pd.Timestamp("2020-03-25").date()
        )
    weeks = {r["period"]: r for r in monitoring.coverage_table(whole)}
    (row,) = monitoring.coverage_table(late)
    assert row["period"] == "2020-03-22"
    assert row["n_patrols"] == weeks["2020-03-22"]["n_patrols"] == 2


def test_cli_import_list_coverage_and_evaluate(tmp_path):
    db = str(tmp_path / "c.db")
    out = run("patrols", "import", "--db", db, "--parties", "russia,turkey", str(FIRST), str(FULL))
    assert "2 files: 2 patrols stored, 0 already stored, 0 failed" in out
    out = run("patrols", "import", "--db", db, str(FIRST), str(ALONE))
    assert "1 patrols stored, 1 already stored" in out
    out = run("patrols", "import", "--db", db, str(DATA / "bad" / "jump.gpx"), code=1)
    assert "0 patrols stored" in out and "1 failed" in out
    out = run("patrols", "import", "--db", db, "--planned", str(PLAN))
    assert "1 patrols stored" in out

    out = run("patrols", "list", "--db", db)
    assert "4 patrols" in out and "km 5.2 (Nayrab)" in out

    chart = tmp_path / "cov.svg"
    out = run(
        "patrols",
        "coverage",
        "--db",
        db,
        "--agreement",
        "moscow-2020",
        "--to",
        "2020-03-28",
        "--chart",
        str(chart),
    )
    assert "2020-03-15" in out and "54.8 km" in out and "Nayrab - Ain" in out
    assert "██" in out
    assert chart.read_text().startswith("<svg")
    data = json.loads(
        run(
            "patrols",
            "coverage",
            "--db",
            db,
            "--format",
            "json",
            "--period",
            "day",
            "--from",
            "2020-03-26",
            "--to",
            "2020-03-26",
        )
    )
    (day,) = data["periods"]
    assert day["covered_share"] > 0.99 and day["n_patrols"] == 1

    # the records end 2020-03-26: week 1 is whole and had a joint patrol; week 2 is partial
    # (and had one so far), said so
    out = run("evaluate", "--db", db)
    assert "m4-joint-patrols" in out and "2 of 2 weeks met" in out and "(1 partial" in out


def test_cli_evaluate_shows_unmet_weeks_and_one_party_patrols(tmp_path):
    db = str(tmp_path / "e.db")
    run("patrols", "import", "--db", db, "--parties", "russia,turkey", str(FIRST))
    run("patrols", "import", "--db", db, str(ALONE))  # Turkey alone, week 2
    # a plan is no evidence that a week passed, so the weeks judged end with the records
    run("patrols", "import", "--db", db, "--planned", str(PLAN))
    assert "unmet" not in run("evaluate", "--db", db)
    # a patrol cancelled on 2 April is a record: weeks 1 and 2 are whole now
    cancelled = json.loads(FULL.read_text())
    for c in cancelled["geometry"]["coordinates"]:
        c[3] += 7 * 86400
    (tmp_path / "cancelled.geojson").write_text(json.dumps(cancelled))
    run("patrols", "import", "--db", db, "--parties", "russia,turkey", "--status", "cancelled",
        str(tmp_path / "cancelled.geojson"))  # fmt: skip
    out = run("evaluate", "--db", db)
    assert "m4-joint-patrols" in out and "unmet" in out
    with open_store(db) as store:
        o = store.obligations("moscow-2020")
    mine = o[o["provision_id"] == "m4-joint-patrols"]
    assert mine["status"].tolist() == ["unmet", "unmet"]
    assert mine["due"].tolist() == ["2020-03-15", "2020-03-28"]
    assert "not joint" in mine["reason"].iloc[1]


def test_replace_corrects_the_parties_of_a_file(tmp_path):
    with open_store(tmp_path / "s.db") as store:
        monitoring.import_patrols(store, [FIRST])
        assert store.patrol_rows()[["parties", "status"]].values.tolist() == [["", "cut_short"]]
        again = monitoring.import_patrols(
            store, [FIRST], monitoring.PatrolImportOptions(parties="russia,turkey")
        )
        assert again.skipped == 1 and store.patrol_rows()["parties"].tolist() == [""]
        fixed = monitoring.import_patrols(
            store,
            [FIRST],
            monitoring.PatrolImportOptions(
                parties="russia,turkey", status="attacked", replace=True
            ),
        )
        assert fixed.inserted == 1 and fixed.inferred == []  # an explicit status wins
        rows = store.patrol_rows()
        assert rows[["parties", "status"]].values.tolist() == [["russia,turkey", "attacked"]]
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM patrol_points").scalar() == 80


def test_a_corrected_copy_of_a_track_warns_and_replace_takes_it(tmp_path):
    corrected = tmp_path / "corrected.gpx"  # same track, another file: the parties written in
    corrected.write_text(FIRST.read_text().replace("<trk>", "<trk><desc>fixed</desc>", 1))
    with open_store(tmp_path / "s.db") as store:
        first = monitoring.import_patrols(store, [FIRST])
        assert any("no parties given" in w for w in first.warnings)
        opts = monitoring.PatrolImportOptions(parties="russia,turkey")
        again = monitoring.import_patrols(store, [corrected], opts)
        assert again.inserted == 0 and again.skipped == 1
        (warning,) = again.warnings
        assert "stored already (parties -" in warning and "--replace" in warning
        assert store.patrol_rows()["parties"].tolist() == [""]
        replaced = monitoring.import_patrols(
            store,
            [corrected],
            monitoring.PatrolImportOptions(parties="russia,turkey", replace=True),
        )
        assert replaced.inserted == 1 and replaced.warnings == []
        assert store.patrol_rows()["parties"].tolist() == ["russia,turkey"]
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM patrol_points").scalar() == 80


def test_cli_folder_import_repair_incidents_and_chart_format(tmp_path):
    db = str(tmp_path / "f.db")
    folder = tmp_path / "tracks"
    folder.mkdir()
    shutil.copy(FIRST, folder)
    shutil.copy(DATA / "bad" / "out-of-order.gpx", folder)
    out = run("patrols", "import", "--db", db, str(folder), code=1)
    assert "2 files: 1 patrols stored" in out and "1 failed" in out
    out = run("patrols", "import", "--db", db, "--repair", str(folder))
    assert "1 patrols stored, 1 already stored, 0 failed" in out
    assert "2 patrols" in run("patrols", "list", "--db", db)
    assert "0 patrol incidents" in run("patrols", "incidents", "--db", db)
    result = CliRunner().invoke(
        cli, ["patrols", "coverage", "--db", db, "--chart", str(tmp_path / "c.png")]
    )
    assert result.exit_code == 2 and "SVG" in result.output


def test_a_status_is_inferred_from_the_track_when_none_is_given(tmp_path):
    with open_store(tmp_path / "s.db") as store:
        done = monitoring.import_patrols(store, [FIRST, FULL, ALONE])
        assert done.inferred == [
            f"{FIRST}#trk 0: cut_short: turned back at km 5.2 (Nayrab), 54.8 km short of "
            "Ain al-Havr",
            f"{FULL}#feature 0: completed: reached km 60.0 (Ain al-Havr)",
        ]  # ALONE says "completed" in its properties: the file's status wins over the track
        by_day = {p.date.isoformat(): p for p in store.patrols(tracks=False)}
        assert [by_day[d].status for d in sorted(by_day)] == ["cut_short", "completed", "completed"]
        assert by_day["2020-03-15"].notes.endswith(
            " Status inferred: turned back at km 5.2 (Nayrab), 54.8 km short of Ain al-Havr."
        )  # kept with the patrol, after the file's own notes
        assert "inferred" not in by_day["2020-03-23"].notes


def test_a_stored_plan_gives_the_end_a_patrol_is_judged_against(tmp_path):
    # a plan for 15 March from Trumba to km 5 (Nayrab): the patrol that got to km 5.2 made it
    plan = tmp_path / "plan.geojson"
    plan.write_text(
        json.dumps(
            {
                "type": "Feature",
                "properties": {"parties": "russia,turkey", "date": "2020-03-15"},
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[36.7667, 35.8589], [36.7148, 35.8705]],
                },
            }
        )
    )
    with open_store(tmp_path / "s.db") as store:
        monitoring.import_patrols(store, [plan], monitoring.PatrolImportOptions(planned=True))
        done = monitoring.import_patrols(
            store, [FIRST], monitoring.PatrolImportOptions(parties="russia,turkey")
        )
        assert [s.split(": ", 1)[1] for s in done.inferred] == [
            "completed: reached km 5.2 (Nayrab)"
        ]
        # a tolerance wider than the shortfall to the route's end keeps it completed too
        loose = monitoring.PatrolImportOptions(
            replace=True, status_options=_patrols.StatusOptions(tolerance_km=60.0)
        )
        store.put_patrols([], file="x", file_sha256="0" * 64)  # unrelated file, untouched
        assert (
            monitoring.import_patrols(store, [FULL], loose)
            .inferred[0]
            .endswith("completed: reached km 60.0 (Ain al-Havr)")
        )


def test_cli_import_says_which_statuses_it_inferred(tmp_path):
    db = str(tmp_path / "c.db")
    out = run("patrols", "import", "--db", db, str(FIRST))
    assert "status inferred" in out and "54.8 km short of Ain al-Havr" in out
    assert "cut_short" in run("patrols", "list", "--db", db)
    # 54.8 km short: within a 55 km tolerance, so completed
    out = run("patrols", "import", "--db", db, "--tolerance-km", "55", "--replace", str(FIRST))
    assert "completed: reached km 5.2" in out
    assert "cut_short" not in run("patrols", "list", "--db", db)
    out = run("patrols", "import", "--db", db, "--status", "blocked", "--replace", str(FIRST))
    assert "status inferred" not in out
    assert "blocked" in run("patrols", "list", "--db", db)


def test_messages_stay_whole_for_long_paths_and_bracketed_names(tmp_path):
    # messages name the file: a long path must not wrap them, brackets must not read as markup
    deep = tmp_path / ("d" * 70) / "2020-03-15 [joint] cut short.gpx"
    deep.parent.mkdir()
    shutil.copy(FIRST, deep)
    out = run("patrols", "import", "--db", str(tmp_path / "c.db"), str(deep))
    (line,) = [x for x in out.splitlines() if x.startswith("status inferred")]
    assert str(deep) in line and line.endswith("54.8 km short of Ain al-Havr")


def test_a_plan_with_times_is_filed_under_its_local_day(tmp_path):
    # 22:30 UTC on 14 March is 00:30 on 15 March in Damascus: the plan is for the 15th, the
    # day a patrol starting that morning is filed under, so it is the end that patrol is judged by
    plan = tmp_path / "plan-timed.geojson"
    plan.write_text(
        json.dumps(
            {
                "type": "Feature",
                "properties": {
                    "parties": "russia,turkey",
                    "coordTimes": ["2020-03-14T22:30:00Z", "2020-03-14T23:30:00Z"],
                },
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[36.7667, 35.8589], [36.7148, 35.8705]],
                },
            }
        )
    )
    with open_store(tmp_path / "s.db") as store:
        monitoring.import_patrols(store, [plan], monitoring.PatrolImportOptions(planned=True))
        (stored,) = store.patrols(tracks=False)
        assert stored.planned and stored.date.isoformat() == "2020-03-15"
        done = monitoring.import_patrols(
            store, [FIRST], monitoring.PatrolImportOptions(parties="russia,turkey")
        )
        assert [s.split(": ", 1)[1] for s in done.inferred] == [
            "completed: reached km 5.2 (Nayrab)"
        ]
