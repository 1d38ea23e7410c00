"""Humanitarian evidence: the CSV readers (both published column styles, HXL rows, bad rows
named by file, line, field and value, limits), idempotent imports on both stores with their
audit, the weekly frames and obligation rows on constructed data, the API and the page (hostile
text escaped), and the CLI. Every data file used is constructed (tests/data/humanitarian)."""

from __future__ import annotations

import ast
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

import ceasefire
from ceasefire import monitoring
from ceasefire.agreements import load_bundled
from ceasefire.cli import cli
from ceasefire.errors import EventReadError, LimitError
from ceasefire.humanitarian import (
    AidStatus,
    DatePrecision,
    EvidenceKind,
    MovementKind,
    access_rows,
    deliveries_frame,
    detect_kind,
    movements_frame,
    overview,
    parse_date,
    read_batches,
    read_file,
    return_rows,
    weekly_access,
    weekly_movements,
    where_in_zone,
)
from ceasefire.humanitarian import read as hread
from ceasefire.store import open_store
from ceasefire.store.humanitarian import AUDIT_ACTION, import_file
from ceasefire.store.workspace import audit_rows
from ceasefire.web import create_app
from ceasefire.zones import load_zones

DATA = Path(__file__).parent / "data" / "humanitarian"
AID = DATA / "aid-ocha-crossborder.csv"
MONTHLY = DATA / "movements-cccm-monthly.csv"
DAILY = DATA / "movements-hnap-daily.csv"
HXL = DATA / "aid-hxl-tags.csv"
DEMO = Path(ceasefire.__file__).parent / "data" / "humanitarian"
ZONE = load_zones()["idlib-de-escalation-area"].geometry
MOSCOW = load_bundled("moscow-2020")
ACCESS = MOSCOW.provision("humanitarian-access")
RETURN = MOSCOW.provision("return-of-displaced")
NOW = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)


# ------------------------------------------------------------------------------- readers


def test_aid_reader_takes_the_ocha_style_with_its_hxl_row() -> None:
    got = read_file(AID)
    assert got.kind is EvidenceKind.AID
    assert got.rows == 14 and len(got.records) == 8 and len(got.rejects) == 6
    first = got.records[0]
    assert (first.date, first.place, first.trucks, first.status) == (
        dt.date(2020, 3, 9),
        "Bab al-Hawa",
        40,
        AidStatus.DELIVERED,
    )
    assert first.organisation == "Constructed test data (WFP)" and first.cluster == "Food Security"
    assert first.source_line == 3  # the header and the HXL row before it
    blocked = [r for r in got.records if r.status is AidStatus.BLOCKED]
    assert [(r.trucks, r.reason) for r in blocked] == [(12, "Road closed by fighting")]
    assert [r.status for r in got.records if r.date == dt.date(2020, 4, 1)] == [AidStatus.PARTIAL]
    # "1,044": a thousands separator; two identical rows are two convoys, both kept
    twins = [r for r in got.records if r.date == dt.date(2020, 4, 8)]
    assert [r.trucks for r in twins] == [1044, 1044]
    assert twins[0].record_id != twins[1].record_id


def test_bad_rows_name_file_line_field_value_and_the_limit() -> None:
    got = read_file(AID)
    said = {(r.line, r.field): (r.value, r.reason) for r in got.rejects}
    assert all(r.file == str(AID) for r in got.rejects)
    assert said[(8, "Date")][0] == "2020-13-40" and "not a date" in said[(8, "Date")][1]
    assert said[(9, "Trucks")] == ("-5", "negative")
    assert said[(10, "Trucks")][0] == "20000"
    assert "10,000 (the limit)" in said[(10, "Trucks")][1]
    assert said[(11, "Status")][0] == "Lost"
    assert said[(12, "Border crossing")][1].startswith("empty")
    assert "expected 8 columns, found 3" in said[(13, "(row)")][1]
    text = str(got.rejects[2])
    assert text.startswith(f"{AID}:10: Trucks: ") and "'20000'" in text


def test_movement_readers_take_the_cccm_and_hnap_styles() -> None:
    monthly = read_file(MONTHLY)
    assert monthly.kind is EvidenceKind.MOVEMENTS
    assert monthly.rows == 10 and len(monthly.rejects) == 6
    sarmada = [r for r in monthly.records if r.place == "Sarmada"]
    assert {(r.kind, r.people) for r in sarmada} == {
        (MovementKind.RETURNS, 300),
        (MovementKind.DISPLACEMENT, 1200),
    }
    assert all(r.date_precision is DatePrecision.MONTH for r in monthly.records)
    assert sarmada[0].pcode == "SY070301" and sarmada[0].admin2 == "Harim"
    reasons = {(r.line, r.field): r.reason for r in monthly.rejects}
    assert reasons[(8, "IDP arrivals")] == "not a whole number"
    assert "5,000,000 (the limit)" in reasons[(12, "IDP arrivals")]
    assert reasons[(11, "Admin3 Pcode")].startswith("not a pcode")
    assert reasons[(10, "(row)")].startswith("no figure")
    daily = read_file(DAILY)
    assert [(r.date.isoformat(), r.kind.value, r.people) for r in daily.records] == [
        ("2020-03-10", "returns", 1500),
        ("2020-03-12", "displacement", 2000),
        ("2020-03-18", "returns", 800),
        ("2020-03-19", "displacement", 100),
    ]
    assert daily.records[0].origin == "Dana" and daily.records[0].pcode == "SY070003"
    assert {(r.line, r.field) for r in daily.rejects} == {(6, "Movement type"), (7, "Date")}


def test_the_hxl_row_maps_columns_whose_names_are_unknown() -> None:
    got = read_file(HXL)
    assert got.kind is EvidenceKind.AID and not got.rejects
    assert [(r.date.isoformat(), r.trucks, r.status.value) for r in got.records] == [
        ("2020-03-09", 10, "delivered"),
        ("2020-03-16", 12, "blocked"),
    ]


def test_the_kind_comes_from_the_header_or_is_refused(tmp_path: Path) -> None:
    assert detect_kind(AID) is EvidenceKind.AID
    assert detect_kind(DAILY) is EvidenceKind.MOVEMENTS
    other = tmp_path / "events.csv"
    other.write_text("event_id,actor\n1,someone\n")
    with pytest.raises(EventReadError, match="not an aid-delivery or population-movement"):
        read_file(other)
    with pytest.raises(EventReadError, match="lacks returns or displacement"):
        read_file(AID, "movements")


def test_ids_are_stable_across_reads_and_batches() -> None:
    whole = [r.record_id for r in read_file(AID).records]
    small = [r.record_id for b in read_batches(AID, batch_size=3) for r in b.records]
    assert whole == small and len(set(whole)) == len(whole)


def test_limits_on_rows_and_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    long = tmp_path / "long.csv"
    long.write_text("Date,Crossing,Trucks\n2020-03-09," + "x" * 600 + ",3\n2020-03-10,B,4\n")
    got = read_file(long)
    assert len(got.records) == 1
    assert "500 (the limit)" in got.rejects[0].reason and got.rejects[0].field == "Crossing"
    assert len(got.rejects[0].value or "") == 200  # a reject's value is cut
    monkeypatch.setattr(hread, "MAX_ROWS", 2)
    with pytest.raises(LimitError, match="more data rows than 2"):
        read_file(AID)


@pytest.mark.parametrize(
    ("text", "day", "precision"),
    [
        ("2020-03-09", "2020-03-09", "day"),
        ("09/03/2020", "2020-03-09", "day"),
        ("9-Mar-2020", "2020-03-09", "day"),
        ("9 March 2020", "2020-03-09", "day"),
        ("2020-03-09T00:00:00Z", "2020-03-09", "day"),
        ("2020-03", "2020-03-01", "month"),
        ("Mar-2020", "2020-03-01", "month"),
        ("March 2020", "2020-03-01", "month"),
        ("Mar-20", "2020-03-01", "month"),
    ],
)
def test_dates_as_the_tables_write_them(text: str, day: str, precision: str) -> None:
    got, p = parse_date(text)
    assert (got.isoformat(), p.value) == (day, precision)


# ------------------------------------------------------------------- weeks and obligations


def _aid_frame() -> pd.DataFrame:
    return deliveries_frame(read_file(AID).records + read_file(HXL).records)


def test_places_inside_outside_unknown() -> None:
    frame = movements_frame(read_file(MONTHLY).records)
    where = where_in_zone(frame, ZONE)
    assert set(where[frame["pcode"] == "SY020000"]) == {"outside"}  # Aleppo city
    assert set(where[frame["pcode"] != "SY020000"]) == {"inside"}
    aid = _aid_frame()
    w = where_in_zone(aid, ZONE)
    assert set(w[aid["place"] == "Bab al-Salam"]) == {"outside"}
    assert set(w[aid["place"] == "Bab al-Hawa"]) == {"inside"}


def test_weekly_access_is_monday_based_and_judges_each_week() -> None:
    aid = _aid_frame()
    aid = aid[aid["place"] == "Bab al-Hawa"]
    w = weekly_access(aid, dt.date(2020, 3, 9), dt.date(2020, 4, 12))
    assert w["week_start"].tolist() == [
        "2020-03-09",
        "2020-03-16",
        "2020-03-23",
        "2020-03-30",
        "2020-04-06",
    ]
    assert w["delivered"].tolist() == [2, 1, 0, 0, 2]
    assert w["blocked"].tolist() == [1, 1, 0, 0, 0]
    assert w["partly"].tolist() == [0, 0, 0, 1, 0]
    assert w["trucks"].tolist() == [50, 35, 0, 50, 2088]
    assert w["unmet"].tolist() == [True, True, True, False, False]
    assert "Road closed by fighting" in w["why"][0]
    assert w["why"][2].startswith("no delivery recorded, after deliveries")
    assert not w["partial"].any()


def test_access_rows_with_the_zone_and_without_records() -> None:
    rows = access_rows(ACCESS, _aid_frame(), zone_geometry=ZONE, start=dt.date(2020, 3, 9), now=NOW)
    assert rows[0]["status"] == "unmet"
    assert "2 record(s) outside the zone left out" in rows[0]["reason"]
    assert [r["due"] for r in rows[1:]] == ["2020-03-15", "2020-03-22", "2020-03-29"]
    assert all(r["status"] == "unmet" for r in rows[1:])
    empty = access_rows(ACCESS, _aid_frame()[:0], start=dt.date(2020, 3, 9), now=NOW)
    assert [r["status"] for r in empty] == ["no_evidence"]
    assert "ceasefire humanitarian import" in empty[0]["reason"]
    before = access_rows(
        ACCESS, _aid_frame(), start=dt.date(2020, 3, 9), now=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    assert [r["status"] for r in before] == ["pending"]
    # without the zone, Bab al-Salam's convoy of 25 March fills that week
    no_zone = access_rows(ACCESS, _aid_frame(), start=dt.date(2020, 3, 9), now=NOW)
    assert [r["due"] for r in no_zone[1:]] == ["2020-03-15", "2020-03-22"]


def test_met_when_no_week_falls_short() -> None:
    frame = pd.DataFrame(
        {
            "date": ["2020-03-09", "2020-03-16", "2020-03-23"],
            "status": ["delivered"] * 3,
            "trucks": [10, 10, 10],
        }
    )
    rows = access_rows(
        ACCESS, frame, start=dt.date(2020, 3, 9), now=NOW, evidence_end=dt.date(2020, 3, 29)
    )
    assert [r["status"] for r in rows] == ["met"]
    assert rows[0]["reason"].startswith("3 of 3 whole weeks judged met")


def test_weekly_movements_and_return_rows() -> None:
    daily = movements_frame(read_file(DAILY).records)
    w = weekly_movements(daily, dt.date(2020, 3, 9), dt.date(2020, 3, 22))
    assert w[["returns", "displacement", "net", "unmet"]].values.tolist() == [
        [1500, 2000, -500, True],
        [800, 100, 700, False],
    ]
    rows = return_rows(RETURN, daily, zone_geometry=ZONE, start=dt.date(2020, 3, 9), now=NOW)
    assert [r["status"] for r in rows] == ["unmet", "unmet"]
    assert rows[1]["due"] == "2020-03-15"
    assert "500 more displaced than returned" in rows[1]["reason"]
    assert "more people were newly displaced than returned" in rows[0]["reason"]
    # monthly figures count in the week holding the month's last day; Aleppo city is outside
    monthly = movements_frame(read_file(MONTHLY).records)
    m = return_rows(RETURN, monthly, zone_geometry=ZONE, start=dt.date(2020, 3, 2), now=NOW)
    assert m[0]["status"] == "met" and "monthly figures" in m[0]["reason"]
    everywhere = return_rows(RETURN, monthly, start=dt.date(2020, 3, 2), now=NOW)
    assert [r["status"] for r in everywhere] == ["met"]  # April's week is partial: not judged
    to_may = return_rows(
        RETURN, monthly, start=dt.date(2020, 3, 2), now=NOW, evidence_end=dt.date(2020, 5, 3)
    )
    assert [r["status"] for r in to_may] == ["unmet", "unmet"]
    assert to_may[1]["due"] == "2020-05-03"


def test_the_core_never_imports_the_edges() -> None:
    pkg = Path(ceasefire.__file__).parent / "humanitarian"
    for path in pkg.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                mod = ("." * node.level) + (node.module or "")
                assert not any(e in mod.split(".") for e in ("store", "web", "cli")), (path, mod)


# ------------------------------------------------------------------------- both stores


def _hostile(tmp_path: Path) -> Path:
    f = tmp_path / "hostile.csv"
    f.write_text(
        "Date,Crossing,Agency,Trucks,Status,Reason\n"
        '2020-03-09,"<b>Bab al-Hawa</b>","<img src=x onerror=alert(1)>",5,Delivered,\n'
        "2020-03-10,Bab al-Hawa,Constructed test data,7,Blocked,\"<script>alert('x')</script>\"\n"
    )
    return f


def test_import_is_idempotent_and_audited(new_store: Callable[..., str]) -> None:
    with open_store(new_store("h")) as store:
        first = import_file(store, AID)
        assert (first.rows, first.records, first.inserted, first.skipped, first.rejected) == (
            14,
            8,
            8,
            0,
            6,
        )
        again = import_file(store, AID, batch_size=4)
        assert (again.inserted, again.skipped, again.rejected) == (0, 8, 6)
        m = import_file(store, MONTHLY)
        assert (m.kind, m.inserted) == (EvidenceKind.MOVEMENTS, 8)
        stored = store.aid_deliveries()
        assert len(stored) == 8 and stored["trucks"].sum() == 40 + 12 + 35 + 20 + 15 + 50 + 2088
        assert stored.equals(
            deliveries_frame(read_file(AID).records)
            .sort_values(["date", "source_file", "source_line", "record_id"])
            .reset_index(drop=True)
        )
        assert len(store.population_movements(since="2020-04-01")) == 4
        audit = [r for r in audit_rows(store.engine)["items"] if r["action"] == AUDIT_ACTION]
        assert [r["changes"]["inserted"] for r in audit] == [8, 8]  # the no-op re-import: none
        assert audit[0]["target"] == f"file:{MONTHLY}"


def test_api_and_page_escape_the_files_text(new_store: Callable[..., str], tmp_path: Path) -> None:
    db = new_store("web")
    with open_store(db) as store:
        import_file(store, _hostile(tmp_path))
        import_file(store, DAILY)
    app = create_app(db)
    try:
        client = TestClient(app)
        r = client.get("/api/humanitarian", params={"agreement": "moscow-2020"})
        assert r.status_code == 200
        body = r.json()
        access, back = body["sections"]
        assert access["provision_id"] == "humanitarian-access"
        assert access["weeks"][1]["blocked"] == 1  # the week of 9 March (from the 5th)
        assert "<script>alert('x')</script>" in access["weeks"][1]["why"]  # JSON: as it is
        assert back["findings"] == []  # not judged before an evaluation
        assert client.get("/api/humanitarian", params={"agreement": "nope"}).status_code == 404
        assert client.get("/api/humanitarian", params={"x": "1"}).status_code == 422
        page = client.get("/humanitarian")
        assert page.status_code == 200
        html = page.text
        assert "<script>alert" not in html and "&lt;script&gt;alert(" in html
        assert 'class="week-box unmet"' in html and "weeks-return-of-displaced" in html
        assert 'href="/humanitarian"' in html  # the nav link
        assert client.get("/humanitarian?agreement=nope").status_code == 404
        # judged: the stored findings carry the files' text too, escaped on the page
        monitoring.evaluate_store(app.state.store, ["moscow-2020"])
        access, back = client.get("/api/humanitarian").json()["sections"]
        assert [f["status"] for f in access["findings"]][:2] == ["unmet", "unmet"]
        assert "<script>alert('x')</script>" in access["findings"][1]["reason"]
        html = client.get("/humanitarian").text
        assert "<script>alert" not in html and html.count("&lt;script&gt;alert(") >= 2
    finally:
        app.state.store.close()


def test_cli_import_and_weeks(new_store: Callable[..., str], tmp_path: Path) -> None:
    db = new_store("cli")
    runner = CliRunner()
    r = runner.invoke(cli, ["humanitarian", "import", str(AID), str(DAILY), "--db", db])
    assert r.exit_code == 0, r.output
    assert (
        "2 files: 20 rows read, 12 records imported, 0 skipped as duplicates, 8 rows "
        "rejected, 0 files failed" in r.stdout
    )
    assert f"{AID}:10: Trucks: more than 10,000 (the limit)" in r.stderr
    again = runner.invoke(cli, ["humanitarian", "import", str(AID), "--db", db, "--kind", "aid"])
    assert "0 records imported, 8 skipped as duplicates, 6 rows rejected" in again.stdout
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n")
    failed = runner.invoke(cli, ["humanitarian", "import", str(bad), "--db", db])
    assert failed.exit_code == 1 and "1 files failed" in failed.stdout
    weeks = runner.invoke(cli, ["humanitarian", "weeks", "--db", db, "--format", "json"])
    assert weeks.exit_code == 0, weeks.output
    got = json.loads(weeks.stdout)
    assert [s["provision_id"] for s in got["sections"]] == [
        "humanitarian-access",
        "return-of-displaced",
    ]
    table = runner.invoke(cli, ["humanitarian", "weeks", "--db", db])
    assert "rule: a week is unmet when more people were newly displaced" in table.stdout


def test_the_demo_files_read_clean_and_say_they_are_constructed() -> None:
    for f in sorted(DEMO.glob("*.csv")):
        got = read_file(f)
        assert got.records and not got.rejects, f
    assert "not real figures" in (DEMO / "SOURCES.md").read_text()
    assert "constructed" in (DATA / "README.md").read_text().lower()
    o = overview(
        MOSCOW,
        load_zones(),
        deliveries_frame(read_file(DEMO / "moscow-2020-aid-constructed.csv").records),
        movements_frame(read_file(DEMO / "moscow-2020-movements-constructed.csv").records),
        now=NOW,
    )
    assert [s.rows[0]["status"] for s in o.sections] == ["unmet", "unmet"]


def test_version_13_adds_the_humanitarian_tables(new_store: Callable[..., str]) -> None:
    """Migration 13 on a store made at version 12, SQLite then PostgreSQL: the two tables,
    keyed by record id, and nothing else touched."""
    from sqlalchemy import inspect

    from ceasefire.store import MIGRATIONS, migrate
    from ceasefire.store.engine import create_store_engine

    engine = create_store_engine(new_store("v12"))
    try:
        assert migrate(engine, MIGRATIONS[:12])[-1] == 12
        assert "aid_deliveries" not in inspect(engine).get_table_names()
        assert migrate(engine, MIGRATIONS[:13]) == [13]
        insp = inspect(engine)
        assert {"aid_deliveries", "population_movements"} <= set(insp.get_table_names())
        for t in ("aid_deliveries", "population_movements"):
            assert insp.get_pk_constraint(t)["constrained_columns"] == ["record_id"]
        assert migrate(engine)[0] == 14  # and on to the latest
    finally:
        engine.dispose()
