"""``ceasefire db copy | status | upgrade`` (issue 11): a whole store moved from an SQLite file
to PostgreSQL and back, every table's row count and content hash equal, the same reads from
the copy; a target that holds rows or is not at the latest schema version refused; the
commands through the real CLI.

Every test here uses both stores by nature (a copy goes from one to the other), so the module
is not parametrised by ``store_kind``: it asks for the PostgreSQL cluster itself."""

from __future__ import annotations

import math
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text, update
from web_api_store import _rows, bearer, build, events_frame, field_report

from ceasefire import monitoring
from ceasefire.cli import cli
from ceasefire.errors import StoreError
from ceasefire.events import day_window, normalise_events
from ceasefire.findings import Filters
from ceasefire.store import LATEST, MIGRATIONS, migrate, open_store, workspace
from ceasefire.store import alerts as stored_alerts
from ceasefire.store import read as q
from ceasefire.store.copy import (
    COPIED_TABLES,
    CopyReport,
    compare_stores,
    copy_store,
    store_status,
    upgrade_store,
)
from ceasefire.store.engine import create_store_engine
from ceasefire.store.schema import metadata
from ceasefire.web import create_app

PATROLS = Path(__file__).parent / "data" / "patrols"
SOURCES = Path(__file__).parent / "data" / "sources"

#: The tables the source store holds rows in (all of them): each is checked row for row.
FILLED = (
    "agreements",
    "zones",
    "events",
    "event_versions",
    "evaluations",
    "verdicts",
    "obligations",
    "users",
    "api_tokens",
    "sessions",
    "audit_log",
    "field_reports",
    "reviews",
    "articles",
    "article_events",
    "claims",
    "patrol_files",
    "patrols",
    "patrol_points",
    "patrol_incidents",
    "ingests",
    "rejects",
    "login_failures",
    "alert_rules",
    "alert_deliveries",
    "situation_reports",
    "aid_deliveries",
    "population_movements",
    "fetch_state",
    "source_attributions",
)


def _odd_events() -> pd.DataFrame:
    """Values that must survive the trip exactly: a float at full precision, text with quotes,
    newlines, a NUL-free mix of scripts, an unknown boolean."""
    row = {
        **_rows()[2],
        "event_uid": "odd:1",
        "source_row_id": "odd1",
        "latitude": 35.123456789012345,
        "longitude": 36.1 + 0.2,
        "location_uncertainty_km": 1 / 3,
        "notes": "قصف مدفعي\n'quoted' \"twice\" \\ back; ü ☃ 𝔘",
        "initiator_known": None,
    }
    frame = pd.DataFrame([row])
    frame["time_start"], frame["time_end"] = day_window(frame["event_date"], frame["event_date"])
    return normalise_events(frame)


def _article(store: Any) -> None:
    event = {
        "event_uid": "news:incident-1",
        "source_dataset": "news",
        "source_row_id": "incident-1",
        "event_date": "2020-03-07",
        "latitude": 35.81,
        "longitude": 36.61,
        "notes": "shelling reported",
        "time_start": pd.Timestamp("2020-03-06T22:00Z"),
        "time_end": pd.Timestamp("2020-03-07T22:00Z"),
    }
    link = {
        "article_id": "a1",
        "event_uid": "news:incident-1",
        "sentence_start": 0,
        "sentence_end": 17,
        "sentence": "shelling reported",
    }
    claim = {
        "start": 0,
        "end": 5,
        "kind": "intent",
        "claimant": "Turkey",
        "subject": None,
        "predicate": "retain the right to respond",
        "text": "Turkey will retain the right to respond",
    }
    article = {
        "article_id": "a1",
        "file": "a1.txt",
        "headline": "Shelling near Ariha",
        "text": "shelling reported",
        "extraction": {"events": 1},
        "authors": ["A. Writer"],
    }
    assert store.add_article(article, normalise_events(pd.DataFrame([event])), [link], [claim])


def _fill(db: Path) -> None:
    """The API tests' store plus one of everything else: an event changed (a superseded
    version), odd values, an ingest with rejects, a zone, a field report through the API,
    reviews (one overruling), an article with a claim, patrols with their tracks and an
    incident, a token, a login session and a failed login."""
    with open_store(db) as store:
        changed = events_frame().iloc[[0]].copy()
        changed["notes"] = "event 0, corrected"
        store.add_events(changed)
        store.add_events(_odd_events())
        assert store.ingest("acled", SOURCES / "acled_bad_rows.csv").rejected > 0
        monitoring.evaluate_store(store)
        _article(store)
        opts = monitoring.PatrolImportOptions(parties="russia,turkey")
        monitoring.import_patrols(store, [PATROLS / "2020-03-15-joint-cut-short.gpx"], opts)
        monitoring.import_patrols(
            store,
            [PATROLS / "2020-04-02-plan.geojson"],
            monitoring.PatrolImportOptions(planned=True),
        )
        # two ids that byte order (SQLite's) and an English collation order differently
        for zone_id in ("test-triangle", "Zeta-triangle"):
            triangle = [[36.5, 35.7], [36.7, 35.7], [36.7, 35.9], [36.5, 35.7]]
            store.put_zone(
                {
                    "type": "Feature",
                    "geometry": {"type": "Polygon", "coordinates": [triangle]},
                    "properties": {"id": zone_id, "kind": "test", "approximation_error_km": 1 / 3},
                }
            )
        patrol = store.patrols()[0].patrol_id
        incident = {"patrol_id": patrol, "event_uid": "test:1", "km": 12.5, "offset_km": -0.25}
        incident |= {"distance_km": 0.3, "verdict": "violation", "reason": "near the patrol"}
        store.put_patrol_incidents(pd.DataFrame([incident]))
        engine = store.engine
        analyst = workspace.user_by_name(engine, "analyst")
        assert analyst is not None
        workspace.create_session(engine, analyst, ttl=timedelta(hours=8))
        workspace.count_login_failure(  # a wrong password, kept for the login throttle
            engine,
            "10.0.0.9",
            "analyst",
            at="2026-12-07T04:00:00.000000Z",
            since="2026-12-07T03:45:00.000000Z",
            max_rows=1000,
        )
        breaches = store.verdict_frame()
        breaches = breaches[breaches["verdict"].isin(["violation", "possible_violation"])]
        first, second = breaches.iloc[0], breaches.iloc[1]
        key = ("agreement_id", "provision_id", "event_uid")
        workspace.add_review(
            engine, analyst, **{k: first[k] for k in key}, status="confirmed", note="seen"
        )
        workspace.add_review(
            engine,
            analyst,
            **{k: second[k] for k in key},
            status="overruled",
            note="no: outside",
            corrected_verdict="outside",
        )
        # an alert rule, a subject known when it was added and one delivered
        hook = {"name": "dmz", "kind": "violation", "params": {"zone": "sochi-dmz"}}
        hook |= {"channel": "webhook", "target": "http://127.0.0.1:9/hook"}
        rule_id = stored_alerts.add_rule(engine, hook, actor=None, baseline=[("event:test:1", {})])
        sent = stored_alerts.claim(
            engine,
            rule_id,
            "event:test:2",
            "webhook",
            {"title": "t"},
            now=stored_alerts.T0,
            lease_s=600,
        )
        assert sent is not None
        stored_alerts.record_attempt(
            engine,
            sent,
            ok=True,
            error=None,
            now=stored_alerts.T0,
            next_attempt_at=None,
            audit={},
        )
        # a saved situation report (v14), its body with text in several scripts
        store.save_situation_report(
            agreement_id="sochi-2018", period_kind="week", period_start="2019-07-08",
            period_end="2019-07-14", body="<p>قصف 'x' \"y\" ☃</p>", created_by="cli",
            data_state=store.data_state(),
        )  # fmt: skip
        # humanitarian evidence (v13): constructed aid and movement tables, quotes and all
        from ceasefire.store.humanitarian import import_file

        for name in ("aid-ocha-crossborder.csv", "movements-cccm-monthly.csv"):
            import_file(store, Path(__file__).parent / "data" / "humanitarian" / name)
        # fetched evidence (v16): a run's state, an attribution, an event withdrawn
        from ceasefire.fetch.ucdp import UCDP_ATTRIBUTION
        from ceasefire.store import fetches

        fetches.start_run(engine, "acled", "acled:country=Syria", {"page": 1})
        fetches.finish_run(engine, "acled", "acled:country=Syria", {"timestamp": 1}, rows=0)
        fetches.put_attribution(engine, UCDP_ATTRIBUTION)
        fetches.withdraw_events(engine, ["test:1"], reason="deleted by its source")
    app = create_app(db)
    try:
        client = TestClient(app)
        report = field_report(fatalities=2, text="two shells <b>east</b>")
        r = client.post("/api/reports", json=report, headers=bearer(app, "monitor"))
        assert r.status_code in (200, 201), r.text
    finally:
        app.state.store.close()


@pytest.fixture(scope="module")
def source_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SQLite store to copy (not written by the tests)."""
    db = build(tmp_path_factory.mktemp("copy") / "source.db")
    _fill(db)
    return Path(db)


def _new_pg(cluster: Any) -> str:
    """A new PostgreSQL database at the latest schema version."""
    url = str(cluster.database())
    upgrade_store(url)
    return url


@pytest.fixture(scope="module")
def pg_copy(source_db: Path, pg_cluster: Any) -> tuple[str, CopyReport]:
    """The source copied to a new PostgreSQL database (not written by the tests)."""
    url = _new_pg(pg_cluster)
    seen: list[tuple[str, int, int]] = []
    report = copy_store(source_db, url, progress=lambda *a: seen.append(a))
    assert {t for t, _, _ in seen} == {t.name for t in COPIED_TABLES}
    assert all(done <= total for _, done, total in seen)
    return url, report


def _count(url: str | Path, table: str) -> int:
    engine = create_store_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


def run(*args: str, code: int = 0) -> Any:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


# ------------------------------------------------------------------------------------ copy


def test_sqlite_to_postgresql_copies_every_table_and_proves_it(
    source_db: Path, pg_copy: tuple[str, CopyReport]
) -> None:
    url, report = pg_copy
    assert report.ok, report.differing
    assert report.schema_version == LATEST
    names = [c.table for c in report.tables]
    own = ("schema_migrations", "store_state")  # each database's own: not copied
    assert names == [t.name for t in metadata.sorted_tables if t.name not in own]
    assert sorted(FILLED) == sorted(names)
    counts = {c.table: c.rows_target for c in report.tables}
    for table in FILLED:
        assert counts[table] > 0, table
    for c in report.tables:
        assert c.rows_source == c.rows_target == _count(url, c.table) == _count(source_db, c.table)
        assert c.hash_equal
    # checked again, apart from the copy, changing nothing
    assert all(c.equal for c in compare_stores(source_db, url))


def _sorted(frame: pd.DataFrame, *keys: str) -> pd.DataFrame:
    return frame.sort_values(list(keys)).reset_index(drop=True)


def test_the_copy_reads_as_the_source(source_db: Path, pg_copy: tuple[str, CopyReport]) -> None:
    with open_store(source_db) as a, open_store(pg_copy[0]) as b:
        pd.testing.assert_frame_equal(
            _sorted(a.events(), "event_uid"), _sorted(b.events(), "event_uid")
        )
        pd.testing.assert_frame_equal(a.event_versions("test:0"), b.event_versions("test:0"))
        key = ("agreement_id", "provision_id", "event_uid")
        pd.testing.assert_frame_equal(
            _sorted(a.verdict_frame(), *key), _sorted(b.verdict_frame(), *key)
        )
        for f in (
            Filters(),
            Filters(verdict=("violation",)),
            Filters(review_status=("overruled",)),
        ):
            assert q.findings_summary(a.engine, f) == q.findings_summary(b.engine, f)
        odd = b.events(uids=["odd:1"]).iloc[0]
        assert odd["latitude"] == 35.123456789012345 and odd["longitude"] == 36.1 + 0.2
        assert odd["notes"] == _odd_events()["notes"].iloc[0]
        assert odd["initiator_known"] is pd.NA
        assert workspace.users(a.engine) == workspace.users(b.engine)
        assert workspace.check_password(b.engine, "analyst", "analyst-pass-1") is not None
        reviewed = {
            str(r["event_uid"])
            for r in a.verdict_frame().to_dict("records")
            if r["review_status"] != "unreviewed"
        }
        assert reviewed
        for uid in reviewed:
            assert workspace.reviews(a.engine, uid) == workspace.reviews(b.engine, uid) != []
        assert workspace.report(a.engine, 1) == workspace.report(b.engine, 1)
        pd.testing.assert_frame_equal(a.claims(), b.claims())
        assert [p.patrol_id for p in a.patrols()] == [p.patrol_id for p in b.patrols()]


def test_postgresql_back_to_sqlite_holds_the_very_same_values(
    source_db: Path, pg_copy: tuple[str, CopyReport], tmp_path: Path
) -> None:
    back = tmp_path / "back.db"
    upgrade_store(back)
    assert copy_store(pg_copy[0], back).ok
    assert all(c.equal for c in compare_stores(source_db, back))
    # the very values SQLite holds, types included, as before the trip
    one, two = sqlite3.connect(source_db), sqlite3.connect(back)
    try:
        for table in FILLED:
            t = metadata.tables[table]
            order = ", ".join(c.name for c in t.primary_key)
            sql = f"SELECT * FROM {table} ORDER BY {order}"
            # by repr: 1, 1.0 and True would be equal as values
            assert repr(one.execute(sql).fetchall()) == repr(two.execute(sql).fetchall()), table
    finally:
        one.close()
        two.close()


def test_a_server_ordering_text_otherwise_gives_the_same_hashes(
    source_db: Path, pg_cluster: Any
) -> None:
    """Text keys are hashed in byte order on both sides, whatever the server's locale: here a
    database ordering text as English does (ICU en-US: "test-triangle" before "Zeta-triangle",
    where SQLite's byte order puts "Zeta" first)."""

    sql = pg_cluster.sql  # as the superuser, outside a transaction

    sql(
        "postgres",
        "CREATE DATABASE copy_en_us TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' "
        "LOCALE 'C.UTF-8'",
    )
    sql("copy_en_us", "CREATE EXTENSION postgis")
    url = pg_cluster.url("copy_en_us")
    upgrade_store(url)
    report = copy_store(source_db, url)
    assert report.ok, report.differing


def test_new_rows_in_the_copy_take_new_ids(source_db: Path, pg_cluster: Any) -> None:
    url = _new_pg(pg_cluster)
    assert copy_store(source_db, url).ok
    with open_store(source_db) as a:
        largest = max(u["id"] for u in workspace.users(a.engine))
        audited = workspace.audit_rows(a.engine)["total"]
    with open_store(url) as b:
        user = workspace.add_user(b.engine, "newcomer", "viewer", "newcomer-pass-1", actor=None)
        assert user.id == largest + 1
        workspace.create_token(b.engine, user)
        assert workspace.audit_rows(b.engine)["total"] == audited + 2  # the user, the token


# -------------------------------------------------------------------------------- refusals


def test_a_target_holding_rows_is_refused(source_db: Path, pg_copy: tuple[str, CopyReport]) -> None:
    url = pg_copy[0]
    with pytest.raises(StoreError, match=r"is not empty: table agreements holds rows \(and "):
        copy_store(source_db, url)
    assert all(c.equal for c in compare_stores(source_db, url))  # nothing was written


def test_a_target_or_source_at_another_schema_version_is_refused(
    source_db: Path, pg_cluster: Any, tmp_path: Path
) -> None:
    older = str(pg_cluster.database())
    engine = create_store_engine(older)
    try:
        migrate(engine, MIGRATIONS[:-1])
    finally:
        engine.dispose()
    with pytest.raises(
        StoreError,
        match=rf"target .* schema version {LATEST - 1}, not {LATEST}: "
        r"upgrade it first \(`ceasefire db upgrade",
    ):
        copy_store(source_db, older)
    assert _count(older, "agreements") == 0
    with pytest.raises(StoreError, match=rf"schema version 0, not {LATEST}"):
        copy_store(source_db, str(pg_cluster.database()))
    old_source = tmp_path / "old.db"
    engine = create_store_engine(old_source)
    try:
        migrate(engine, MIGRATIONS[:-1])
    finally:
        engine.dispose()
    with pytest.raises(StoreError, match=rf"the source .* schema version {LATEST - 1}"):
        copy_store(old_source, _new_pg(pg_cluster))
    with pytest.raises(StoreError, match=r"no store at .*missing\.db"):
        copy_store(source_db, tmp_path / "missing.db")
    assert not (tmp_path / "missing.db").exists()
    with pytest.raises(StoreError, match="the same database"):
        copy_store(source_db, str(source_db))


def test_a_changed_row_is_found_and_its_table_named(source_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "t.db"
    upgrade_store(target)
    assert copy_store(source_db, target).ok
    with open_store(target) as store, store.engine.begin() as conn:
        # one bit of one float
        lat = float(
            conn.execute(text("SELECT latitude FROM events WHERE event_uid = 'odd:1'")).scalar_one()
        )
        events = metadata.tables["events"]
        conn.execute(
            update(events)
            .where(events.c.event_uid == "odd:1")
            .values(latitude=math.nextafter(lat, math.inf))
        )
    checks = compare_stores(source_db, target)
    assert [c.table for c in checks if not c.equal] == ["events"]
    assert [c.table for c in checks if c.rows_source != c.rows_target] == []


# ------------------------------------------------------------------------------------- CLI


def test_db_status_of_a_new_database_changes_nothing(pg_cluster: Any, tmp_path: Path) -> None:
    url = str(pg_cluster.database())
    out = run("db", "status", "--db", url).output
    assert f"schema version: 0 (latest: {LATEST})" in out
    assert f"pending migrations: {LATEST}" in out
    for m in MIGRATIONS:
        assert f"  {m.version}  {m.description}" in out
    engine = create_store_engine(url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"spatial_ref_sys"}  # PostGIS's own
    finally:
        engine.dispose()
    missing = tmp_path / "none.db"
    assert "(no file there yet)" in run("db", "status", "--db", str(missing)).output
    assert not missing.exists()
    assert store_status(missing).pending == MIGRATIONS


def test_db_upgrade_then_status(pg_cluster: Any) -> None:
    url = str(pg_cluster.database())
    out = run("db", "upgrade", "--db", url).output
    for m in MIGRATIONS:
        assert f"applied {m.version}: {m.description}" in out
    assert f"schema version 0 -> {LATEST}" in out
    assert "nothing to apply" in run("db", "upgrade", "--db", url).output
    out = run("db", "status", "--db", url).output
    assert f"schema version: {LATEST} (latest: {LATEST})" in out
    assert "pending migrations: none" in out
    assert "│ events " in out


def test_db_upgrade_refuses_a_newer_database_and_hides_passwords(pg_cluster: Any) -> None:
    url = str(pg_cluster.database())
    upgrade_store(url)
    engine = create_store_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO schema_migrations (version, description, applied_at) "
                    "VALUES (99, 'from the future', '2030-01-01T00:00:00.000000Z')"
                )
            )
    finally:
        engine.dispose()
    result = run("db", "upgrade", "--db", url, code=2)
    assert "newer than this code knows" in result.output
    with_password = url.replace("postgres@", "postgres:s3cret-pw@")  # trust: any password
    out = run("db", "status", "--db", with_password).output
    assert "schema version: 99" in out and "newer than this ceasefire knows" in out
    assert "s3cret-pw" not in out and "postgres:***@" in out


def test_db_copy_prints_the_verification_and_refuses_a_second_time(
    source_db: Path, pg_cluster: Any
) -> None:
    url = str(pg_cluster.database())
    run("db", "upgrade", "--db", url)
    result = run("db", "copy", "--from", str(source_db), "--to", url)
    rows = {
        cells[0]: cells[1:]
        for line in result.stdout.splitlines()
        if len(cells := [c.strip() for c in line.strip("│ ").split("│")]) == 4
    }
    for c in compare_stores(source_db, url):
        assert rows[c.table] == [f"{c.rows_source:,}", f"{c.rows_target:,}", "yes"]
    assert "every table's row count and content hash are equal" in result.stdout
    assert "copy events" in result.stderr  # the progress bars
    again = run("db", "copy", "--from", str(source_db), "--to", url, code=2)
    assert "is not empty: table agreements holds rows" in again.stderr
