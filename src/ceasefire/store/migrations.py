"""Schema migrations: an ordered list of steps, each applied once, in its own transaction.

The version a database is at is the highest ``version`` in its ``schema_migrations`` table
(0 for a new, empty database). :func:`migrate` applies every step above it, in order, each in
one transaction together with the row that records it, so a step is either fully applied and
recorded or not at all (DDL is transactional in both SQLite and PostgreSQL; on SQLite the store
issues ``BEGIN`` itself so that it is, see :mod:`ceasefire.store.engine`).

A database at a version *newer* than the code knows is refused with :class:`StoreError`: the
code cannot know what the newer schema means.

To change the schema: write a function that takes a :class:`sqlalchemy.Connection` and issues
the DDL (and any data fixes), append ``Migration(n + 1, "what it does", fn)`` to
:data:`MIGRATIONS`, and update :data:`ceasefire.store.schema.metadata` to match. Never edit a
step that has shipped.

>>> [m.version for m in MIGRATIONS]
[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import (
    Connection,
    Engine,
    MetaData,
    Table,
    delete,
    func,
    insert,
    select,
    text,
    update,
)

from ceasefire.errors import StoreError
from ceasefire.events import content_hash
from ceasefire.field_reports import Estimate, published_location
from ceasefire.store.engine import write_transaction
from ceasefire.store.schema import (
    POSTGIS_DDL,
    V1_EVENT_COLUMNS,
    V12_ALERT_KINDS,
    V15_ALERT_KINDS,
    add_v2_tables,
    add_v3_tables,
    add_v4_tables,
    add_v5_columns,
    add_v6_user_names,
    add_v8_reviews,
    add_v9_login_failures,
    add_v12_alerts,
    add_v13_humanitarian,
    add_v14_situation_reports,
    add_v16_fetches,
    alert_kinds_check,
    build_v1_metadata,
    now_utc,
    schema_migrations,
    time_columns,
    v8_reviews_table,
)

__all__ = ["LATEST", "MIGRATIONS", "Migration", "current_version", "migrate"]

log = logging.getLogger("ceasefire.store")


@dataclass(frozen=True)
class Migration:
    """One schema step: ``apply(conn)`` takes a database from ``version - 1`` to ``version``."""

    version: int
    description: str
    apply: Callable[[Connection], None]


def _v1_create_all(conn: Connection) -> None:
    """Version 1: create every table of :func:`build_v1_metadata`."""
    build_v1_metadata().create_all(conn, checkfirst=True)


def _create_new_tables(conn: Connection, before: MetaData, after: MetaData) -> None:
    """Create the tables of ``after`` that ``before`` lacks (a step that only adds tables)."""
    for name, table in after.tables.items():
        if name not in before.tables:
            table.create(conn, checkfirst=True)


def _v2_articles(conn: Connection) -> None:
    """Version 2: the news tables of :func:`add_v2_tables` (articles, article_events, claims)."""
    _create_new_tables(conn, build_v1_metadata(), add_v2_tables(build_v1_metadata()))


def _v3_workspace(conn: Connection) -> None:
    """Version 3: the tables of :func:`add_v3_tables` (users, tokens, audit, field reports...)."""
    before = add_v2_tables(build_v1_metadata())
    _create_new_tables(conn, before, add_v3_tables(add_v2_tables(build_v1_metadata())))


def _v4_patrols(conn: Connection) -> None:
    """Version 4: the tables of :func:`add_v4_tables` (patrols, track points, incidents)."""
    before = add_v3_tables(add_v2_tables(build_v1_metadata()))
    _create_new_tables(
        conn, before, add_v4_tables(add_v3_tables(add_v2_tables(build_v1_metadata())))
    )


def _v5_verdict_versions(conn: Connection) -> None:
    """Version 5: each verdict records the event version it judged (no lost verdicts).

    Adds ``verdicts.event_version`` (see :func:`ceasefire.store.schema.add_v5_columns`) and
    fills it with the stored event's current version: an ingest deletes the verdicts of the
    events it changes, so every verdict stored before judged its event's current version (NULL
    where the event is not stored)."""
    conn.execute(text("ALTER TABLE verdicts ADD COLUMN event_version INTEGER"))
    conn.execute(
        text(
            "UPDATE verdicts SET event_version = "
            "(SELECT events.version FROM events WHERE events.event_uid = verdicts.event_uid)"
        )
    )


def _v6_user_names(conn: Connection) -> None:
    """Version 6: user names unique regardless of case (the index of
    :func:`~ceasefire.store.schema.add_v6_user_names`).

    A store may already hold names that differ only in case (``admin`` and ``ADMIN``, allowed
    before): so that it still opens, the earliest user keeps the name and each later one is
    renamed ``<name>-<id>`` (its user id: unique), recorded in the audit log (``user.rename``,
    by no user, with the old and the new name) and in the log. Their tokens and sessions go on
    working; they log in with the new name (an admin tells them)."""
    md = add_v6_user_names(add_v3_tables(add_v2_tables(build_v1_metadata())))
    users, audit = md.tables["users"], md.tables["audit_log"]
    rows = conn.execute(select(users.c.id, users.c.name).order_by(users.c.id)).all()
    taken = {str(name).casefold() for _, name in rows}
    kept: set[str] = set()
    for uid, name in rows:
        folded = str(name).casefold()
        if folded not in kept:
            kept.add(folded)
            continue
        new = f"{name}-{uid}"
        n = 2
        while new.casefold() in taken:
            new, n = f"{name}-{uid}-{n}", n + 1
        taken.add(new.casefold())
        conn.execute(update(users).where(users.c.id == uid).values(name=new))
        changes = {
            "from": name,
            "to": new,
            "why": "user names became unique regardless of case (schema version 6)",
        }
        conn.execute(
            insert(audit).values(
                at=now_utc(),
                user_id=None,
                user_name=None,
                action="user.rename",
                target=f"user:{new}",
                changes=json.dumps(changes),
            )
        )
        log.warning("user %r renamed %r: user names are now unique regardless of case", name, new)
    for index in users.indexes:
        if index.name == "ux_users_name_lower":
            index.create(conn)


#: The published grid of version 7, in degrees (frozen here: the step must not change when
#: :data:`ceasefire.field_reports.PUBLISHED_CELL_DEG` does).
_V7_CELL_DEG: Final = 0.05
#: The event columns a row's ``content_hash`` covers (all but where and when it was read).
_V7_HASHED: Final = tuple(
    c
    for c, _ in V1_EVENT_COLUMNS
    if c not in ("source_file", "source_line", "ingest_time", "content_hash")
)


def _v7_published(row: dict[str, Any], revision: str | None = None) -> dict[str, Any] | None:
    """A field report's event row at its published position, its hash recomputed (the old hash
    was of the precise position, and could be searched for it) with the report's ``revision``
    (its ``updated_at``, as ``workspace.put_report_event`` hashes it) when given; ``None``
    without a position."""
    lon, lat = row.get("longitude"), row.get("latitude")
    if lon is None or lat is None:
        return None
    radius = row.get("location_uncertainty_km")
    where = published_location(
        Estimate(float(lon), float(lat), float(radius or 0.0)), cell_deg=_V7_CELL_DEG
    )
    out = {
        **row,
        "longitude": where.longitude,
        "latitude": where.latitude,
        "location_uncertainty_km": where.radius_km,
    }
    hashed = [out.get(c) for c in _V7_HASHED]
    if revision is not None:
        hashed.append(revision)
    out["content_hash"] = content_hash(hashed)
    return out


#: A disc share at or above this is published as inside (frozen copy of
#: :data:`ceasefire.field_reports.WHOLE_SHARE`).
_V7_WHOLE: Final = 0.995
#: How reasons up to version 6 gave a share of a report's disc ("22% of its 3.772 km location
#: disc inside the ...") and its distance or side to a route ("0.8 km south of the M4 (51% of
#: its 3.772 km location disc inside the corridor)", "south of the M4", "on the M4").
_V7_SHARE: Final = re.compile(r"\d+% of its [\d.]+ km location disc inside the ")
_V7_ROUTE: Final = re.compile(
    r"\b(?:\d+(?:\.\d+)? km (?:north|south) of |(?:north|south) of |on )(?P<label>[^(,;]+?)"
    r"(?: \(\d+% of its [\d.]+ km location disc inside the corridor\))?(?= near |, |; |$)"
)
#: What no published reason of a report may still hold: a distance or radius, a disc share.
_V7_LEFT: Final = re.compile(r"\d km\b|location disc inside")


def _v7_share(p_space: Any, verdict: str) -> float | None:
    """A share of a report's disc as published (frozen copy of
    :func:`ceasefire.field_reports.published_share`)."""
    if p_space is None:
        return None
    p = float(p_space)
    if p <= 0:
        return 0.0
    return 1.0 if p >= _V7_WHOLE or verdict == "violation" else 0.5


def _v7_verdict(row: dict[str, Any]) -> dict[str, Any] | None:
    """A field report's stored verdict as version 7 publishes it: ``p_space`` 0, 0.5 or 1,
    ``probability`` that times ``p_time``, the reason saying "inside" or "with its location
    disc partly inside" where it gave a share, a radius or a distance; ``None`` (delete it: the
    event then counts as unevaluated) where the reason still holds one after that."""
    verdict = str(row["verdict"])
    share = _v7_share(row.get("p_space"), verdict)
    if share is None:  # no share stored: the probability is bucketed itself
        given = row.get("probability")
        probability = None if given is None else _v7_share(given, verdict)
    else:
        p_time = row.get("p_time")
        probability = round(share * (1.0 if p_time is None else float(p_time)), 4)
    if verdict == "outside":
        probability = 0.0
    whole = share == 1.0 if share is not None else probability == 1.0
    partly = "inside" if whole else "with its location disc partly inside"
    reason = row.get("reason")
    if reason is not None and verdict != "outside":
        if row.get("provision_type") == "security_corridor":
            reason = _V7_ROUTE.sub(
                lambda m: f"{partly} the corridor along {m.group('label')}", reason, count=1
            )
        reason = _V7_SHARE.sub(f"{partly} the ", reason, count=1)
    if reason is not None and _V7_LEFT.search(reason):
        return None
    return {"p_space": share, "probability": probability, "reason": reason}


def _v7_public_report_positions(conn: Connection) -> None:
    """Version 7: field reports' events carry their published (coarsened) position only.

    Until version 6 a report's event stood at the report's precise estimate, which without a
    bearing is where the observer stood, and every map, list and export showed it. Each such
    row (``source_dataset`` ``field_report``) and each of its superseded versions in
    ``event_versions`` is moved to its published position (see
    :func:`ceasefire.field_reports.published_location`), with its ``content_hash`` recomputed.
    The version number stays: the row says the same, less precisely. The current row's hash
    also covers its report's ``updated_at`` (as ``workspace.put_report_event`` hashes it from
    version 7 on: an edit is a new version even when the published row reads the same).

    The verdicts of those events, judged at the precise estimate, keep their class, but their
    share of the disc, and the share, radius and distance to a route their reasons gave, would
    place the observer inside the cell: each is rewritten as version 7 publishes it (see
    :func:`_v7_verdict`), or deleted (its event then counts as unevaluated until the next
    evaluation) where its reason cannot be read so.
    """
    metadata = MetaData()
    events = Table("events", metadata, autoload_with=conn)
    versions = Table("event_versions", metadata, autoload_with=conn)
    # not the users table its foreign key names (its expression index cannot be reflected)
    reports = Table("field_reports", metadata, autoload_with=conn, resolve_fks=False)
    verdicts = Table("verdicts", metadata, autoload_with=conn, resolve_fks=False)
    revision = {
        str(uid): str(at)
        for uid, at in conn.execute(
            select(reports.c.event_uid, reports.c.updated_at).where(
                reports.c.event_uid.is_not(None)
            )
        )
    }
    rows = conn.execute(select(events).where(events.c.source_dataset == "field_report"))
    changed = [
        new
        for row in rows.mappings()
        if (new := _v7_published(dict(row), revision.get(str(row["event_uid"])))) is not None
    ]
    for new in changed:
        conn.execute(
            update(events)
            .where(events.c.event_uid == new["event_uid"])
            .values(
                longitude=new["longitude"],
                latitude=new["latitude"],
                location_uncertainty_km=new["location_uncertainty_km"],
                content_hash=new["content_hash"],
            )
        )
    of_reports = select(events.c.event_uid).where(events.c.source_dataset == "field_report")
    found = conn.execute(
        select(versions.c.event_uid, versions.c.version, versions.c.row_json).where(
            versions.c.event_uid.in_(of_reports)
        )
    ).all()
    for uid, version, row_json in found:
        old = _v7_published(json.loads(row_json))
        if old is not None:
            conn.execute(
                update(versions)
                .where(versions.c.event_uid == uid, versions.c.version == version)
                .values(
                    row_json=json.dumps(old, ensure_ascii=False),
                    content_hash=old["content_hash"],
                )
            )
    judged = conn.execute(select(verdicts).where(verdicts.c.event_uid.in_(of_reports))).all()
    for verdict in judged:
        row = dict(verdict._mapping)
        key = (
            verdicts.c.event_uid == row["event_uid"],
            verdicts.c.agreement_id == row["agreement_id"],
            verdicts.c.provision_id == row["provision_id"],
        )
        new = _v7_verdict(row)
        if new is None:
            conn.execute(delete(verdicts).where(*key))
        else:
            conn.execute(update(verdicts).where(*key).values(**new))


def _v8_reviews(conn: Connection) -> None:
    """Version 8, review that counts (see :func:`ceasefire.store.schema.add_v8_reviews`).

    ``reviews`` is rebuilt (its status check widens; SQLite cannot alter a check): each review
    kept is of the event version current when it was made (the first version superseded after
    it, else the current one: a review of an event changed since is stale) and of the verdict
    stored now (the only
    statuses before were confirmed and disputed, so there is nothing to overrule). Verdicts get
    the machine's verdict and party (the stored ones) and their latest review's status."""
    conn.execute(text("DROP INDEX IF EXISTS ix_reviews_event_uid"))
    conn.execute(text("ALTER TABLE reviews RENAME TO reviews_v7"))
    md = add_v3_tables(add_v2_tables(build_v1_metadata()))
    md.remove(md.tables["reviews"])
    v8_reviews_table(md).create(conn)
    conn.execute(
        text(
            "INSERT INTO reviews (id, agreement_id, provision_id, event_uid, status, note, "
            "user_id, created_at, event_version, machine_verdict) "
            "SELECT r.id, r.agreement_id, r.provision_id, r.event_uid, r.status, r.note, "
            "r.user_id, r.created_at, "
            # the version the review was of: the first superseded after it, else the current
            "COALESCE((SELECT MIN(ev.version) FROM event_versions ev "
            "WHERE ev.event_uid = r.event_uid AND ev.superseded_at > r.created_at), "
            "(SELECT e.version FROM events e WHERE e.event_uid = r.event_uid)), "
            "(SELECT v.verdict FROM verdicts v WHERE v.agreement_id = r.agreement_id "
            "AND v.provision_id = r.provision_id AND v.event_uid = r.event_uid) "
            "FROM reviews_v7 r"
        )
    )
    conn.execute(text("DROP TABLE reviews_v7"))
    for ddl in (
        "ALTER TABLE verdicts ADD COLUMN machine_verdict TEXT",
        "ALTER TABLE verdicts ADD COLUMN machine_party TEXT",
        "ALTER TABLE verdicts ADD COLUMN review_status VARCHAR(16) DEFAULT 'unreviewed' NOT NULL",
        "ALTER TABLE verdicts ADD COLUMN review_id INTEGER",
        "ALTER TABLE verdicts ADD COLUMN review_stale BOOLEAN DEFAULT '0' NOT NULL",
        "CREATE INDEX ix_verdicts_review_status ON verdicts (review_status)",
        "UPDATE verdicts SET machine_verdict = verdict, machine_party = party",
    ):
        conn.execute(text(ddl))
    latest = (
        "SELECT max(r.id) FROM reviews r WHERE r.agreement_id = verdicts.agreement_id "
        "AND r.provision_id = verdicts.provision_id AND r.event_uid = verdicts.event_uid"
    )
    conn.execute(
        text(
            f"UPDATE verdicts SET review_id = ({latest}), review_status = "
            f"(SELECT r.status FROM reviews r WHERE r.id = ({latest})) "
            f"WHERE EXISTS ({latest.replace('max(r.id)', '1')})"
        )
    )


def _v9_login_failures(conn: Connection) -> None:
    """Version 9: the ``login_failures`` table of
    :func:`~ceasefire.store.schema.add_v9_login_failures` (login throttling shared by every
    server process)."""
    _create_new_tables(conn, MetaData(), add_v9_login_failures(MetaData()))


def _v10_native_types(conn: Connection) -> None:
    """Version 10, native types on PostgreSQL (nothing to do on SQLite, whose types stay ISO
    text and two floats): every instant becomes ``timestamptz`` (the stored text is UTC; a
    ``timestamp`` parse ignores its ``Z``), and :data:`~ceasefire.store.schema.POSTGIS_DDL` adds
    the events' geography points, the zones' geometries and their GiST and BRIN indexes. PostGIS
    must be installed on the server; the step creates the extension when the role may."""
    if conn.dialect.name != "postgresql":
        return
    _ensure_postgis(conn)
    columns: dict[str, list[str]] = {}
    for table, column in time_columns(
        add_v9_login_failures(
            add_v8_reviews(
                add_v6_user_names(
                    add_v5_columns(add_v4_tables(add_v3_tables(add_v2_tables(build_v1_metadata()))))
                )
            )
        )
    ):
        columns.setdefault(table, []).append(column)
    for table, names in columns.items():
        alters = ", ".join(
            f'ALTER COLUMN "{c}" TYPE timestamptz USING ("{c}"::timestamp AT TIME ZONE \'UTC\')'
            for c in names
        )
        conn.execute(text(f'ALTER TABLE "{table}" {alters}'))
    for ddl in POSTGIS_DDL:
        conn.execute(text(ddl))


def _ensure_postgis(conn: Connection) -> None:
    if conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")).first():
        return
    available = conn.execute(
        text("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")
    ).first()
    if not available:
        raise StoreError(
            "schema version 10 needs PostGIS 3, which this PostgreSQL server lacks: install "
            "it (Debian: postgresql-15-postgis-3) and run ceasefire db upgrade again"
        )
    try:
        with conn.begin_nested():
            conn.execute(text("CREATE EXTENSION postgis"))
    except Exception as exc:
        raise StoreError(
            "schema version 10 needs the PostGIS extension in this database, and this role may "
            "not create it: as a superuser, run CREATE EXTENSION postgis in it, then ceasefire "
            f"db upgrade again ({type(exc).__name__})"
        ) from exc


def _v11_incident_rows(conn: Connection) -> None:
    """Version 11: ``verdicts.incident`` and its partial index, and ``events.worst``
    (:func:`~ceasefire.store.schema.add_v11_incident_rows`), set for every stored verdict."""
    from ceasefire.store.incidents import mark_incidents

    conn.execute(text("ALTER TABLE verdicts ADD COLUMN incident BOOLEAN DEFAULT '0' NOT NULL"))
    conn.execute(text("ALTER TABLE events ADD COLUMN worst DOUBLE PRECISION"))
    conn.execute(
        text("CREATE TABLE store_state (key VARCHAR(32) PRIMARY KEY, value INTEGER NOT NULL)")
    )
    conn.execute(text("INSERT INTO store_state (key, value) VALUES ('events', 0)"))
    # the predicate as each dialect's queries say it (SQLite matches a partial index's WHERE
    # by its terms: `incident = 1` there, as SQLAlchemy writes true; PostgreSQL normalises)
    marked = "incident = 1" if conn.dialect.name == "sqlite" else "incident"
    conn.execute(
        text(
            f"CREATE INDEX ix_verdicts_incident ON verdicts (agreement_id, verdict) WHERE {marked}"
        )
    )
    mark_incidents(conn)
    # after worst is set (an index built once, not updated a million times)
    conn.execute(text("DROP INDEX ix_events_lat_lon"))
    conn.execute(
        text("CREATE INDEX ix_events_map ON events (latitude, longitude, worst, fatalities)")
    )


def _v12_alerts(conn: Connection) -> None:
    """Version 12: the ``alert_rules`` and ``alert_deliveries`` tables of
    :func:`~ceasefire.store.schema.add_v12_alerts` (alert rules and the deliveries claimed
    for them, one per rule, subject and channel)."""
    _create_new_tables(conn, MetaData(), add_v12_alerts(MetaData()))


def _v13_humanitarian(conn: Connection) -> None:
    """Version 13: the ``aid_deliveries`` and ``population_movements`` tables of
    :func:`~ceasefire.store.schema.add_v13_humanitarian` (humanitarian evidence)."""
    _create_new_tables(conn, MetaData(), add_v13_humanitarian(MetaData()))


def _v14_situation_reports(conn: Connection) -> None:
    """Version 14: the ``situation_reports`` table of
    :func:`~ceasefire.store.schema.add_v14_situation_reports` (saved situation reports, one
    row per distinct body of an agreement's period and language)."""
    _create_new_tables(conn, MetaData(), add_v14_situation_reports(MetaData()))


def _v15_report_alerts(conn: Connection) -> None:
    """Version 15: the ``alert_rules.kind`` CHECK admits ``situation_report``
    (:func:`~ceasefire.store.schema.add_v15_report_alerts`). A CHECK that every stored row
    meets already changes no data, so it is changed in place: on PostgreSQL dropped and added
    again; on SQLite, which cannot alter a constraint, by the edit of the table's stored
    definition that SQLite documents for it (https://www.sqlite.org/lang_altertable.html,
    "making other kinds of table schema changes"), with the schema version raised so that
    every open connection reads the new definition."""
    old = alert_kinds_check(V12_ALERT_KINDS)
    new = alert_kinds_check(V15_ALERT_KINDS)
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ALTER TABLE alert_rules DROP CONSTRAINT ck_alert_rules_kind")
        conn.exec_driver_sql(
            f"ALTER TABLE alert_rules ADD CONSTRAINT ck_alert_rules_kind CHECK ({new})"
        )
        return
    sql = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'alert_rules'"
    ).scalar_one()
    if sql.count(old) != 1:
        raise StoreError(f"alert_rules is not as version 12 made it; its CHECK: {sql!r}")
    version = int(conn.exec_driver_sql("PRAGMA schema_version").scalar_one())
    conn.exec_driver_sql("PRAGMA writable_schema = ON")
    try:
        conn.exec_driver_sql(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'alert_rules'",
            (sql.replace(old, new),),
        )
        conn.exec_driver_sql(f"PRAGMA schema_version = {version + 1:d}")
    finally:
        conn.exec_driver_sql("PRAGMA writable_schema = OFF")


def _v16_fetches(conn: Connection) -> None:
    """Version 16: evidence fetched from the providers' APIs
    (:func:`~ceasefire.store.schema.add_v16_fetches`): ``events.withdrawn_at`` and
    ``events.withdrawn_reason`` (NULL for every stored event: none was withdrawn before), and
    the new ``fetch_state`` and ``source_attributions`` tables."""
    instant = "TIMESTAMP WITH TIME ZONE" if conn.dialect.name == "postgresql" else "VARCHAR(27)"
    conn.execute(text(f"ALTER TABLE events ADD COLUMN withdrawn_at {instant}"))
    conn.execute(text("ALTER TABLE events ADD COLUMN withdrawn_reason TEXT"))
    _create_new_tables(conn, _v16_events_only(), add_v16_fetches(_v16_events_only()))


def _v16_events_only() -> MetaData:
    """A metadata with a bare ``events`` table: what :func:`add_v16_fetches` needs to find."""
    md = MetaData()
    Table("events", md)
    return md


#: Every migration step, in order. Versions are 1, 2, 3, ... with no gaps.
MIGRATIONS: Final[tuple[Migration, ...]] = (
    Migration(1, "create events, ingests, rejects, agreements, zones, verdicts...", _v1_create_all),
    Migration(2, "news: articles, article_events, claims", _v2_articles),
    Migration(3, "workspace: users, api_tokens, audit_log, field_reports, reviews", _v3_workspace),
    Migration(4, "patrols: patrols, patrol_points, patrol_incidents", _v4_patrols),
    Migration(5, "verdicts record the event version they judged", _v5_verdict_versions),
    Migration(6, "user names unique regardless of case", _v6_user_names),
    Migration(7, "field reports' events at their published position", _v7_public_report_positions),
    Migration(8, "reviews that count: statuses, corrections, event versions", _v8_reviews),
    Migration(9, "login failures shared by every server process", _v9_login_failures),
    Migration(
        10, "native types on PostgreSQL: timestamptz, PostGIS points and zones", _v10_native_types
    ),
    Migration(11, "incidents read as rows: verdicts.incident", _v11_incident_rows),
    Migration(12, "alerts: alert_rules, alert_deliveries", _v12_alerts),
    Migration(13, "humanitarian evidence: aid_deliveries, population_movements", _v13_humanitarian),
    Migration(14, "situation reports saved as published records", _v14_situation_reports),
    Migration(15, "alert rules that send saved situation reports", _v15_report_alerts),
    Migration(
        16, "fetched evidence: fetch_state, source_attributions, withdrawn events", _v16_fetches
    ),
)

#: The schema version this code knows.
LATEST: Final = MIGRATIONS[-1].version


def current_version(conn: Connection) -> int:
    """The schema version of the database ``conn`` is on (0 for an empty database)."""
    if not conn.dialect.has_table(conn, schema_migrations.name):
        return 0
    found = conn.execute(select(func.max(schema_migrations.c.version))).scalar_one()
    return int(found) if found is not None else 0


def _check_steps(steps: Sequence[Migration]) -> None:
    versions = [m.version for m in steps]
    if versions != list(range(1, len(versions) + 1)):
        raise StoreError(f"migration versions must be 1, 2, 3, ... in order; got {versions}")


def migrate(engine: Engine, steps: Sequence[Migration] = MIGRATIONS) -> list[int]:
    """Bring the database up to the last of ``steps``; return the versions applied now.

    Each step runs in its own transaction, with the ``schema_migrations`` row that records it;
    the version is re-read inside that transaction, so two processes opening a new database at
    once do not both apply a step. Raises :class:`StoreError` when the database is at a newer
    version than ``steps`` know.

    >>> from sqlalchemy import create_engine
    >>> engine = create_engine("sqlite://")
    >>> migrate(engine), migrate(engine)
    ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], [])
    >>> engine.dispose()
    """
    _check_steps(steps)
    latest = steps[-1].version if steps else 0
    with write_transaction(engine) as conn:
        schema_migrations.create(conn, checkfirst=True)
        version = current_version(conn)
    if version > latest:
        raise StoreError(
            f"the database is at schema version {version}, newer than this code knows "
            f"(version {latest}); upgrade ceasefire to open it"
        )
    applied: list[int] = []
    for step in steps:
        if step.version <= version:
            continue
        with write_transaction(engine) as conn:
            now = current_version(conn)  # another process may have applied it meanwhile
            if now >= step.version:
                continue
            if now != step.version - 1:
                raise StoreError(
                    f"cannot apply schema version {step.version} to a database at version {now}"
                )
            step.apply(conn)
            conn.execute(
                insert(schema_migrations).values(
                    version=step.version, description=step.description, applied_at=now_utc()
                )
            )
        applied.append(step.version)
    return applied
