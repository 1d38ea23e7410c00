"""Native types on PostgreSQL (schema version 10, issue 11): instants as ``timestamptz``, events as
PostGIS geography points, zones as geometries, GiST and BRIN indexes; the same text read back on
both stores; the upgrade from version 9 keeping every time exactly.

Most tests here are about PostgreSQL's own types and run there only (SQLite has none of them: its
instants stay ISO text and its positions two floats); the round trip runs on both stores.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pandas as pd
import pytest
from shapely.geometry import Point, shape
from sqlalchemy import create_engine, insert, select, text

from ceasefire import monitoring
from ceasefire.errors import GeometryError
from ceasefire.store import open_store, schema
from ceasefire.store.migrations import LATEST, MIGRATIONS, current_version, migrate
from ceasefire.zones import load_zones, zone_to_feature

IDLIB = "idlib-de-escalation-area"


@pytest.fixture(scope="module")
def pg_store(pg_cluster: Any) -> Any:
    """The bundled UCDP events, and the bundled zones stored as a user's would be, on
    PostgreSQL (read-only here)."""
    store = open_store(pg_cluster.database("native"))
    monitoring.seed_bundled(store)
    for zone in load_zones().values():
        store.put_zone(zone_to_feature(zone))
    store.ingest("ucdp", monitoring.BUNDLED_UCDP)
    yield store
    store.close()


def _rows(store: Any, sql: str, **params: Any) -> list[Any]:
    with store.engine.connect() as conn:
        return list(conn.execute(text(sql), params).all())


def test_instants_are_timestamptz_and_positions_postgis(pg_store: Any) -> None:
    types = dict(
        _rows(
            pg_store,
            "SELECT table_name || '.' || column_name, udt_name FROM information_schema.columns "
            "WHERE table_schema = 'public'",
        )
    )
    for table, column in schema.time_columns(schema.metadata):
        assert types[f"{table}.{column}"] == "timestamptz", (table, column)
    assert types["schema_migrations.applied_at"] == "varchar"  # one shape at every version
    assert types["events.position"] == "geography"
    assert types["zones.geom"] == "geometry"
    indexes = dict(
        _rows(pg_store, "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'")
    )
    assert 'USING gist ("position")' in indexes["ix_events_position"]
    assert 'USING gist ((("position")::geometry))' in indexes["ix_events_position_box"]
    assert "USING gist (geom)" in indexes["ix_zones_geom"]
    assert "USING brin (at)" in indexes["ix_audit_log_at_brin"]


def test_every_event_with_coordinates_has_its_point(pg_store: Any) -> None:
    (row,) = _rows(
        pg_store,
        "SELECT count(*), count(position), "
        "max(abs(ST_X(position::geometry) - longitude)), "
        "max(abs(ST_Y(position::geometry) - latitude)) FROM events",
    )
    n, located, dx, dy = row
    assert n == 16_566 and located == n
    assert dx == 0 and dy == 0


def test_a_zone_geometry_is_its_geojson(pg_store: Any) -> None:
    """PostGIS's geometry of each zone covers the same events as shapely's reading of the
    stored GeoJSON, and has the same area."""
    zones = {z["properties"]["id"]: z for z in pg_store.zones()}
    assert IDLIB in zones
    idlib = shape(zones[IDLIB]["geometry"])
    events = pg_store.events()
    ours = {
        uid
        for uid, lon, lat in zip(
            events["event_uid"], events["longitude"], events["latitude"], strict=True
        )
        if idlib.covers(Point(lon, lat))
    }
    theirs = {
        r[0]
        for r in _rows(
            pg_store,
            "SELECT e.event_uid FROM events e JOIN zones z ON z.id = :zone "
            "WHERE ST_Covers(z.geom, e.position::geometry)",
            zone=IDLIB,
        )
    }
    assert len(ours) > 1000
    assert theirs == ours
    (area,) = _rows(pg_store, "SELECT ST_Area(geom) FROM zones WHERE id = :zone", zone=IDLIB)[0]
    assert area == pytest.approx(idlib.area, rel=1e-12)


SQUARE = [[[36.0, 35.0], [36.1, 35.0], [36.1, 35.1], [36.0, 35.0]]]


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "Polygon", "coordinates": "nope"},
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": SQUARE}},
        {"type": "Polygon", "coordinates": [[[36.0, float("nan")], *SQUARE[0][1:]]]},
    ],
    ids=["not coordinates", "a Feature as geometry", "NaN"],
)
def test_a_malformed_zone_geometry_is_refused_before_the_database(
    pg_store: Any, geometry: dict[str, Any]
) -> None:
    bad = {"type": "Feature", "properties": {"id": "bad"}, "geometry": geometry}
    with pytest.raises(GeometryError):
        pg_store.put_zone(bad)
    assert "bad" not in {z["properties"]["id"] for z in pg_store.zones()}


def test_an_events_uncertainty_radius_reaches_a_zone(pg_store: Any) -> None:
    """The geography point with its radius answers "could this event be inside": an event
    whose point is outside the zone but within its uncertainty radius of it."""
    rows = _rows(
        pg_store,
        "SELECT count(*) FILTER (WHERE ST_Covers(z.geom, e.position::geometry)), "
        "count(*) FILTER (WHERE ST_DWithin(z.geom::geography, e.position, "
        "coalesce(e.location_uncertainty_km, 0) * 1000)) "
        "FROM events e JOIN zones z ON z.id = :zone",
        zone=IDLIB,
    )
    inside, reachable = rows[0]
    assert reachable > inside > 0


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_times_read_back_as_the_same_text(kind: str, tmp_path: Any, pg_cluster: Any) -> None:
    """Whatever is bound (the store's text, another offset, a datetime, a naive datetime taken
    as UTC), the same fixed-width UTC text comes back, on both stores; and comparisons are
    by time."""
    url = str(tmp_path / "t.db") if kind == "sqlite" else pg_cluster.database("times")
    store = open_store(url)
    try:
        t = schema.audit_log
        given = [
            "2020-03-05T22:01:00.000000Z",
            datetime(2020, 3, 6, 1, 1, tzinfo=timezone(timedelta(hours=3))),
            datetime(2020, 3, 5, 22, 1, 0, 5),
            "2020-03-06T02:01:00.25+03:00",
        ]
        with store.engine.begin() as conn:
            for i, at in enumerate(given):
                conn.execute(insert(t).values(at=at, action=f"a{i}", changes="{}"))
            got = [r[0] for r in conn.execute(select(t.c.at).order_by(t.c.at, t.c.id)).all()]
            later = conn.execute(
                select(t.c.action).where(t.c.at > "2020-03-05T22:01:00.000001Z")
            ).all()
            latest = conn.execute(select(t.c.at).order_by(t.c.at.desc()).limit(1)).scalar()
        assert got == [
            "2020-03-05T22:01:00.000000Z",
            "2020-03-05T22:01:00.000000Z",
            "2020-03-05T22:01:00.000005Z",
            "2020-03-05T23:01:00.250000Z",
        ]
        assert sorted(r[0] for r in later) == ["a2", "a3"]
        assert latest == "2020-03-05T23:01:00.250000Z"
    finally:
        store.close()


def test_the_upgrade_from_9_keeps_every_time_and_the_session_zone_does_not_matter(
    pg_cluster: Any,
) -> None:
    """A version-9 database (times as text) with rows in it, upgraded to 10 on a server whose
    time zone is not UTC: every stored time reads back as the same text."""
    url = pg_cluster.database("upgrade")
    database = url.rsplit("/", 1)[1]
    pg_cluster.sql("postgres", f"ALTER DATABASE {database} SET timezone TO 'Asia/Damascus'")
    engine = create_engine(url)
    try:
        migrate(engine, MIGRATIONS[:9])
        times = ["2016-01-01T22:00:00.000000Z", "2020-03-05T21:59:59.999999Z"]
        with engine.begin() as conn:
            for i, at in enumerate(times):
                conn.execute(
                    text("INSERT INTO audit_log (at, action, changes) VALUES (:at, :a, '{}')"),
                    {"at": at, "a": f"a{i}"},
                )
        assert migrate(engine) == list(range(10, LATEST + 1))
        with engine.connect() as conn:
            assert current_version(conn) == LATEST
            got = [r[0] for r in conn.execute(select(schema.audit_log.c.at).order_by("id"))]
            assert got == times
            as_pg = conn.execute(
                text("SELECT to_char(at, 'YYYY-MM-DD HH24:MI TZ') FROM audit_log ORDER BY id")
            ).scalars()
            assert list(as_pg) == ["2016-01-02 00:00 EET", "2020-03-05 23:59 EET"]
    finally:
        engine.dispose()


def test_copy_from_sqlite_gives_postgis_points_and_equal_hashes(
    tmp_path: Any, pg_cluster: Any
) -> None:
    """``db copy`` from an SQLite store: PostgreSQL computes the points and geometries itself
    (they are not copied), and the per-table content hashes are equal though the types differ."""
    from ceasefire.store.copy import compare_stores, copy_store

    src = tmp_path / "src.db"
    with open_store(src) as store:
        monitoring.seed_bundled(store)
        store.ingest("ucdp", monitoring.BUNDLED_UCDP)
        frame = store.events(limit=300)
    dst = pg_cluster.database("copy")
    open_store(dst).close()  # at schema version 10, empty
    report = copy_store(str(src), dst)
    assert all(t.rows_source == t.rows_target for t in report.tables)
    assert all(r.equal for r in compare_stores(str(src), dst))
    with open_store(dst) as store:
        (row,) = _rows(store, "SELECT count(*), count(position) FROM events")
        assert tuple(row) == (16_566, 16_566)
        (zones,) = _rows(store, "SELECT count(*) FILTER (WHERE geom IS NULL) FROM zones")
        assert zones[0] == 0
        copied = store.events(limit=300)
    pd.testing.assert_frame_equal(copied, frame)
