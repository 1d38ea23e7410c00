"""``ceasefire db backup | restore`` (issue 11, docs/deploy.md): a store backed up while it is
in use (an open reader, an uncommitted writer, a writer committing batches), restored into a
new store of its kind, the restored store equal to the source table by table (row counts and
content hashes) and answering the findings as the source does; the refusals (a target that
holds a store, a damaged file, the other kind of store, an existing output file); the commands
through the real CLI. Each test runs on both stores unless its docstring says why not."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url
from web_api_store import bearer, build, copy, events_frame, field_report

from ceasefire.cli import cli
from ceasefire.errors import StoreError
from ceasefire.findings import Filters
from ceasefire.store import open_store, workspace
from ceasefire.store import read as q
from ceasefire.store.backup import (
    MANIFEST_SUFFIX,
    Backup,
    Manifest,
    Restore,
    backup_store,
    manifest_path,
    restore_store,
)
from ceasefire.store.copy import compare_stores, store_status, upgrade_store
from ceasefire.store.engine import create_store_engine, write_transaction
from ceasefire.store.schema import agreements, events, now_utc
from ceasefire.web import create_app

#: Events each writer transaction adds in the test of a backup beside a writer.
BATCH = 7


def _with_review_and_report(db: str) -> str:
    """The API tests' store plus an analyst's review (overruling a verdict) and a monitor's
    field report through the API."""
    with open_store(db) as store:
        analyst = workspace.user_by_name(store.engine, "analyst")
        assert analyst is not None
        breaches = store.verdict_frame()
        first = breaches[breaches["verdict"].isin(["violation", "possible_violation"])].iloc[0]
        workspace.add_review(
            store.engine,
            analyst,
            agreement_id=first["agreement_id"],
            provision_id=first["provision_id"],
            event_uid=first["event_uid"],
            status="overruled",
            note="outside, seen on the ground",
            corrected_verdict="outside",
        )
    app = create_app(db)
    try:
        report = field_report(text="two shells east")
        r = TestClient(app).post("/api/reports", json=report, headers=bearer(app, "monitor"))
        assert r.status_code in (200, 201), r.text
    finally:
        app.state.store.close()
    return db


@pytest.fixture(scope="module")
def source(new_store: Callable[..., str]) -> str:
    """The store backed up (not written by the tests after the backup)."""
    return _with_review_and_report(str(build(new_store("source"))))


@contextmanager
def _open_reader(db: str) -> Iterator[int]:
    """A reader in the middle of a read transaction (it has read the events); yields what it
    read."""
    engine = create_store_engine(db)
    try:
        with engine.connect() as conn, conn.begin():
            yield int(conn.execute(select(func.count()).select_from(events)).scalar_one())
    finally:
        engine.dispose()


class _Rollback(Exception):
    pass


@pytest.fixture(scope="module")
def backup(source: str, tmp_path_factory: pytest.TempPathFactory) -> Backup:
    """The source backed up while a reader holds a read transaction and a writer holds an
    uncommitted write (rolled back afterwards): neither waits for the other."""
    out = tmp_path_factory.mktemp("backups") / "source.backup"
    engine = create_store_engine(source)
    try:
        with _open_reader(source) as seen, pytest.raises(_Rollback):
            assert seen > 0
            with write_transaction(engine) as writer:
                writer.execute(
                    insert(agreements).values(
                        id="uncommitted", yaml="id: uncommitted", loaded_at=now_utc()
                    )
                )
                done = backup_store(source, out)
                raise _Rollback
    finally:
        engine.dispose()
    return done


@pytest.fixture(scope="module")
def restored(backup: Backup, new_store: Callable[..., str]) -> tuple[str, Restore]:
    target = new_store("restored")
    return target, restore_store(backup.file, target)


# ------------------------------------------------------------------------- backup, restore


def test_a_backup_beside_a_reader_and_a_writer_restores_every_table(
    source: str, backup: Backup, restored: tuple[str, Restore], store_kind: str
) -> None:
    target, done = restored
    assert backup.kind == done.kind == store_kind
    assert backup.file.is_file() and backup.manifest_file == manifest_path(backup.file)
    assert backup.manifest_file.name == backup.file.name + MANIFEST_SUFFIX
    assert Manifest.read(backup.manifest_file) == backup.manifest
    for made in (backup.file, backup.manifest_file):
        assert made.stat().st_mode & 0o777 == 0o600, made  # password hashes, positions
    assert done.verified and done.ok, done.differing
    checks = compare_stores(source, target)
    assert all(c.equal for c in checks), [c.table for c in checks if not c.equal]
    manifest = backup.manifest.tables
    assert manifest is not None
    assert {c.table: (c.rows_source, c.hash_source) for c in checks} == manifest
    for table in ("events", "verdicts", "users", "reviews", "field_reports", "audit_log"):
        assert manifest[table][0] > 0, table
    assert done.rows == backup.rows == sum(c.rows_target for c in checks)
    # the writer's uncommitted row is not in the backup
    with open_store(target) as store:
        assert "uncommitted" not in store.agreements()


def test_the_restored_store_answers_as_the_source(
    source: str, restored: tuple[str, Restore]
) -> None:
    with open_store(source) as a, open_store(restored[0]) as b:
        for f in (
            Filters(),
            Filters(verdict=("violation",)),
            Filters(review_status=("overruled",)),
        ):
            assert q.findings_summary(a.engine, f) == q.findings_summary(b.engine, f)
        assert workspace.users(a.engine) == workspace.users(b.engine)
        assert workspace.report(a.engine, 1) == workspace.report(b.engine, 1)
        assert workspace.check_password(b.engine, "analyst", "analyst-pass-1") is not None
        # ids go on after the restored ones (PostgreSQL: the sequences came back too)
        user = workspace.add_user(b.engine, "newcomer", "viewer", "newcomer-pass-1", actor=None)
        assert user.id == max(u["id"] for u in workspace.users(a.engine)) + 1


def test_a_backup_beside_a_committing_writer_is_one_snapshot(
    source: str, new_store: Callable[..., str], tmp_path: Path
) -> None:
    """A writer commits batches of :data:`BATCH` events all through the backup: the backup
    holds whole batches only, verifies, and the writer never waited for it."""
    live = str(copy(source, tmp_path / "live.db"))
    stop, wrote, failed = threading.Event(), [0], []

    def writer() -> None:
        try:
            with open_store(live) as store:
                while not stop.is_set() or wrote[0] < 2:
                    frame = events_frame().iloc[:BATCH].copy()
                    frame["event_uid"] = [f"w{wrote[0]}:{i}" for i in range(BATCH)]
                    frame["source_row_id"] = frame["event_uid"]
                    store.add_events(frame)
                    wrote[0] += 1
        except Exception as exc:  # the test thread asserts it
            failed.append(exc)

    with open_store(live) as store:
        before = len(store.events())
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while wrote[0] < 1 and thread.is_alive():
            stop.wait(0.01)
        done = backup_store(live, tmp_path / "live.backup")
    finally:
        stop.set()
        thread.join(60)
    assert not failed, failed
    target = new_store("snapshot")
    back = restore_store(done.file, target)
    assert back.ok, back.differing
    with open_store(target) as store:
        held = len(store.events()) - before
    assert held % BATCH == 0 and 1 <= held // BATCH <= wrote[0]


def test_without_its_manifest_a_backup_is_checked_as_far_as_it_can_be(
    backup: Backup, new_store: Callable[..., str], tmp_path: Path, store_kind: str
) -> None:
    """An SQLite backup without its manifest is compared with the backup file itself; a
    PostgreSQL dump without one is restored, but said to be unverified."""
    alone = tmp_path / backup.file.name
    shutil.copyfile(backup.file, alone)
    done = restore_store(alone, new_store("alone"))
    if store_kind == "sqlite":
        assert done.ok and done.checks
    else:
        assert not done.verified and not done.ok and not done.checks
        assert "has no manifest" in done.unverified


# -------------------------------------------------------------------------------- refusals


def _holds_no_table(target: str) -> bool:
    status = store_status(target)
    return not status.exists or not status.counts


def test_a_target_that_holds_a_store_is_refused(
    source: str, backup: Backup, new_store: Callable[..., str]
) -> None:
    empty_store = new_store("upgraded")
    upgrade_store(empty_store)  # tables, no rows: still a store
    for target in (empty_store, source):
        with pytest.raises(StoreError, match=r"is not empty \(it holds tables: agreements, "):
            restore_store(backup.file, target)
    assert store_status(empty_store).counts["agreements"] == 0
    assert all(c.equal for c in compare_stores(source, source))


def test_an_sqlite_file_that_holds_no_table_takes_a_restore(tmp_path: Path) -> None:
    """SQLite only: a file that is there but holds no table (an empty file, a database in WAL
    mode with nothing in it) is written in place, in WAL mode as the store's files are."""
    with open_store(tmp_path / "small.db") as store:
        store.put_agreement("demo", "id: demo", source="test")
    done = backup_store(tmp_path / "small.db", tmp_path / "small.backup")
    empty, wal = tmp_path / "empty.db", tmp_path / "wal.db"
    empty.touch()
    sqlite3.connect(wal).execute("PRAGMA journal_mode = WAL").close()
    for target in (empty, wal):
        assert restore_store(done.file, target).ok
        with sqlite3.connect(target) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            assert conn.execute("SELECT id FROM agreements").fetchall() == [("demo",)]


def test_a_damaged_backup_is_refused_before_anything_is_written(
    backup: Backup, new_store: Callable[..., str], tmp_path: Path
) -> None:
    damaged = tmp_path / backup.file.name
    shutil.copyfile(backup.file, damaged)
    shutil.copyfile(backup.manifest_file, manifest_path(damaged))
    with damaged.open("r+b") as f:
        f.seek(backup.manifest.bytes // 2)
        byte = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([byte[0] ^ 0xFF]))
    target = new_store("damaged")
    with pytest.raises(StoreError, match=r"is damaged or is not the backup .* SHA-256"):
        restore_store(damaged, target)
    assert _holds_no_table(target)
    with damaged.open("ab") as f:
        f.write(b"more")
    with pytest.raises(StoreError, match="bytes where its manifest says"):
        restore_store(damaged, target)
    assert _holds_no_table(target)


def test_a_store_of_the_other_kind_is_refused_with_the_way_there(
    backup: Backup, store_kind: str, pg_cluster: Any, tmp_path: Path
) -> None:
    if store_kind == "sqlite":
        with pytest.raises(StoreError, match="is itself a store: `ceasefire db copy --from"):
            restore_store(backup.file, pg_cluster.database())
    else:
        with pytest.raises(StoreError, match=r"is a postgresql backup and .* is not a postgresql"):
            restore_store(backup.file, tmp_path / "new.db")
        assert not (tmp_path / "new.db").exists()


def test_a_backup_never_overwrites_a_file(source: str, backup: Backup, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="already exists: a backup never overwrites"):
        backup_store(source, backup.file)
    lone_manifest = tmp_path / "b.backup"
    manifest_path(lone_manifest).write_text("{}")
    with pytest.raises(StoreError, match="already exists"):
        backup_store(source, lone_manifest)
    assert not lone_manifest.exists()
    with pytest.raises(StoreError, match="no folder"):
        backup_store(source, tmp_path / "not-there" / "b.backup")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.backup" + MANIFEST_SUFFIX]


def test_a_file_that_is_no_backup_is_an_input_error(tmp_path: Path) -> None:
    """Files only: the same on both stores."""
    from ceasefire.errors import InputError

    bogus = tmp_path / "notes.txt"
    bogus.write_text("hello")
    with pytest.raises(InputError, match="not a ceasefire backup"):
        restore_store(bogus, tmp_path / "new.db")
    with pytest.raises(StoreError, match="no backup file at"):
        restore_store(tmp_path / "missing.backup", tmp_path / "new.db")
    with pytest.raises(StoreError, match="no SQLite store at"):
        backup_store(tmp_path / "missing.db", tmp_path / "b.backup")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


# --------------------------------------------------------------- the team server's own role


def test_the_team_servers_role_restores_without_being_a_superuser(
    pg_cluster: Any, tmp_path: Path
) -> None:
    """PostgreSQL only (roles and extensions): the database set up as docs/deploy.md says (a
    role that owns it, PostGIS created in it by a superuser) takes a restore as that role;
    without PostGIS the restore is refused, naming the extension and the remedy."""
    source = pg_cluster.database()
    with open_store(source) as store:
        store.add_events(events_frame())
    backup = backup_store(source, tmp_path / "team.backup")

    sql = pg_cluster.sql  # as the superuser, outside a transaction

    sql("postgres", "CREATE ROLE ceasefire LOGIN PASSWORD 'not-a-real-one'")
    for name in ("team", "team_bare"):
        sql("postgres", f"CREATE DATABASE {name} OWNER ceasefire")
    sql("team", "CREATE EXTENSION postgis")
    url = make_url(pg_cluster.url("team")).set(username="ceasefire", password="not-a-real-one")
    team = url.render_as_string(hide_password=False)
    done = restore_store(backup.file, team)
    assert done.ok, done.differing
    engine = create_store_engine(team)
    try:
        with engine.connect() as conn:
            owners = conn.execute(
                text("SELECT DISTINCT tableowner FROM pg_tables WHERE tablename = 'events'")
            ).scalars()
            assert list(owners) == ["ceasefire"]
    finally:
        engine.dispose()
    bare = url.set(database="team_bare").render_as_string(hide_password=False)
    with pytest.raises(StoreError, match=r"needs the extension postgis.*CREATE EXTENSION postgis"):
        restore_store(backup.file, bare)
    assert _holds_no_table(bare)


# ------------------------------------------------------------------------------------- CLI


def _run(*args: str, code: int = 0) -> Any:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def test_the_commands_back_up_and_restore(
    source: str, new_store: Callable[..., str], tmp_path: Path
) -> None:
    out = tmp_path / "nightly.backup"
    said = _run("db", "backup", "--db", source, "--out", str(out)).stdout
    assert "backed up " in said and f"manifest: {out}{MANIFEST_SUFFIX}" in said
    again = _run("db", "backup", "--db", source, "--out", str(out), code=2)
    assert "already exists" in again.stderr
    target = new_store("cli")
    said = _run("db", "restore", "--from", str(out), "--db", target).stdout
    assert "every table's row count and content hash equal the backup's" in said
    assert "verdicts" in said
    refused = _run("db", "restore", "--from", str(out), "--db", target, code=2)
    assert "is not empty" in refused.stderr
    with open_store(source) as a, open_store(target) as b:
        assert q.findings_summary(a.engine, Filters()) == q.findings_summary(b.engine, Filters())
    frame = pd.DataFrame([c.__dict__ for c in compare_stores(source, target)])
    assert (frame["rows_source"] == frame["rows_target"]).all()
