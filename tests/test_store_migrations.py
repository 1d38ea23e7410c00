"""Schema migrations: versions recorded, upgrades applied, newer databases refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Connection, inspect, text

from ceasefire.errors import StoreError
from ceasefire.events import EVENT_COLUMNS
from ceasefire.store import LATEST, MIGRATIONS, Migration, migrate, open_store
from ceasefire.store.engine import create_store_engine
from ceasefire.store.schema import V1_EVENT_COLUMNS, metadata


def _add_reviewer(conn: Connection) -> None:
    """A version-2 step as a later release would write it: a column plus a data fix."""
    conn.execute(text("ALTER TABLE events ADD COLUMN reviewer TEXT"))
    conn.execute(text("UPDATE events SET reviewer = 'unreviewed'"))


NEXT = LATEST + 1
V_NEXT = Migration(NEXT, "add events.reviewer", _add_reviewer)


def _versions(db: Path) -> list[int]:
    con = sqlite3.connect(db)
    try:
        return [v for (v,) in con.execute("SELECT version FROM schema_migrations ORDER BY 1")]
    finally:
        con.close()


def test_a_new_database_is_at_the_latest_version(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    open_store(db).close()
    assert _versions(db) == list(range(1, LATEST + 1))
    open_store(db).close()  # reopening applies nothing
    assert _versions(db) == list(range(1, LATEST + 1))


def test_the_database_matches_the_metadata(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db") as store:
        insp = inspect(store.engine)
        assert set(insp.get_table_names()) == set(metadata.tables)
        for name, table in metadata.tables.items():
            assert [c["name"] for c in insp.get_columns(name)] == [c.name for c in table.columns]
        indexes = {i["name"] for i in insp.get_indexes("events")}
        assert {
            "ix_events_source_dataset",
            "ix_events_event_date",
            "ix_events_time_start",
            "ix_events_map",
        } <= indexes
        assert insp.get_pk_constraint("verdicts")["constrained_columns"] == [
            "agreement_id",
            "provision_id",
            "event_uid",
        ]
        uniques = insp.get_unique_constraints("rejects")
        assert [u["column_names"] for u in uniques] == [["file_sha256", "line", "field"]]


def test_the_stored_event_columns_are_the_event_model() -> None:
    """When the event model changes, add a migration (and update the store's metadata)."""
    assert dict(V1_EVENT_COLUMNS) == EVENT_COLUMNS


def test_a_v1_database_is_upgraded_by_the_real_later_steps(tmp_path: Path) -> None:
    db = tmp_path / "v1.db"
    engine = create_store_engine(db)
    try:
        assert migrate(engine, MIGRATIONS[:1]) == [1]
        assert "articles" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()
    with open_store(db) as store:  # opening it applies versions 2.. and keeps the data
        assert store.count_events() == 0
    assert _versions(db) == list(range(1, LATEST + 1))
    engine = create_store_engine(db)
    try:
        assert {"articles", "article_events", "claims"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_a_database_is_upgraded_by_a_next_step(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with open_store(db) as store:
        import pandas as pd

        store.add_events(pd.DataFrame({"event_uid": ["a:1", "a:2"]}))
    assert _versions(db) == list(range(1, LATEST + 1))
    engine = create_store_engine(db)
    try:
        assert migrate(engine, [*MIGRATIONS, V_NEXT]) == [NEXT]
        assert migrate(engine, [*MIGRATIONS, V_NEXT]) == []
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT event_uid, reviewer FROM events ORDER BY 1")).all()
        assert [tuple(r) for r in rows] == [("a:1", "unreviewed"), ("a:2", "unreviewed")]
    finally:
        engine.dispose()
    assert _versions(db) == list(range(1, NEXT + 1))
    # this code knows only up to LATEST: it refuses the newer database, naming both versions
    with pytest.raises(
        StoreError, match=rf"version {NEXT}, newer than this code knows \(version {LATEST}\)"
    ):
        open_store(db)


def test_a_failing_step_leaves_nothing_behind(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    open_store(db).close()

    def broken(conn: Connection) -> None:
        conn.execute(text("CREATE TABLE half_done (x INTEGER)"))
        conn.execute(text("ALTER TABLE events ADD COLUMN half TEXT"))
        raise RuntimeError("step failed")

    engine = create_store_engine(db)
    try:
        with pytest.raises(RuntimeError, match="step failed"):
            migrate(engine, [*MIGRATIONS, Migration(NEXT, "broken", broken)])
        insp = inspect(engine)
        assert "half_done" not in insp.get_table_names()
        assert "half" not in {c["name"] for c in insp.get_columns("events")}
    finally:
        engine.dispose()
    assert _versions(db) == list(range(1, LATEST + 1))


def test_steps_must_be_numbered_in_order(tmp_path: Path) -> None:
    engine = create_store_engine(tmp_path / "s.db")
    try:
        with pytest.raises(StoreError, match="1, 2, 3"):
            migrate(engine, [*MIGRATIONS, Migration(NEXT + 1, "gap", _add_reviewer)])
    finally:
        engine.dispose()


def test_version_12_adds_the_alert_tables_to_a_v11_store(tmp_path: Path) -> None:
    """Migration 12 (alerts) on a store made at version 11, with a row in it (SQLite; the
    same step on PostgreSQL: tests/test_alerts_store.py)."""
    db = tmp_path / "v11.db"
    engine = create_store_engine(db)
    try:
        assert migrate(engine, MIGRATIONS[:11]) == list(range(1, 12))
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO audit_log (at, action, changes) "
                    "VALUES ('2020-03-06T00:00:00.000000Z', 'user.create', '{}')"
                )
            )
        assert "alert_rules" not in inspect(engine).get_table_names()
        assert migrate(engine) == list(range(12, LATEST + 1))
        insp = inspect(engine)
        assert {"alert_rules", "alert_deliveries"} <= set(insp.get_table_names())
        uniques = insp.get_unique_constraints("alert_deliveries")
        assert [u["column_names"] for u in uniques] == [["rule_id", "subject", "channel"]]
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == 1
    finally:
        engine.dispose()
    assert _versions(db) == list(range(1, LATEST + 1))
