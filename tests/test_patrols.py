"""Patrols in the core: the model, the readers (every bad-track case), linear referencing
against shapely, coverage against the simulator's truth, periods, incidents, the strip chart."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from ceasefire.errors import InputError, TrackError
from ceasefire.patrols import (
    CoverageOptions,
    Patrol,
    ReadOptions,
    RouteLine,
    SimOptions,
    StatusOptions,
    Track,
    TrackSet,
    coverage_by_period,
    incidents,
    infer_status,
    locate_events,
    merge_intervals,
    patrol_summary,
    read_tracks,
    simulate,
    simulate_set,
    strip,
    strip_svg,
    track_coverage,
)
from ceasefire.zones import load_zones

DATA = Path(__file__).parent / "data" / "patrols"
BAD = DATA / "bad"


@pytest.fixture(scope="module")
def m4() -> RouteLine:
    return RouteLine.from_zone(load_zones()["m4-trumba-ain-al-havr"])


def _track(times: list[str], lon: list[float], lat: list[float]) -> Track:
    return Track(np.array(times, dtype="datetime64[ns]"), np.array(lon), np.array(lat))


# --- the model ------------------------------------------------------------------------------


def test_a_patrol_by_one_party_alone_is_not_joint():
    t = _track(["2020-03-15T08:00", "2020-03-15T08:10"], [36.76, 36.72], [35.85, 35.87])
    both = Patrol.actual(t, route="r", parties="Turkey, russia")
    alone = Patrol.actual(t, route="r", parties=["turkey"])
    assert both.parties == ("russia", "turkey")
    assert both.is_joint(["russia", "turkey"])
    assert not alone.is_joint(["russia", "turkey"])
    assert not Patrol.actual(t, route="r", parties="turkey,syria").is_joint(["russia", "turkey"])
    assert both.patrol_id == alone.patrol_id  # the track is the patrol; parties may be corrected


def test_an_unknown_status_is_refused():
    t = _track(["2020-03-15T08:00"], [36.76], [35.85])
    with pytest.raises(TrackError, match="status"):
        Patrol.actual(t, route="r", status="postponed")


def test_the_date_is_the_local_day_of_the_first_fix_unless_given():
    t = _track(["2020-03-15T21:50", "2020-03-15T22:10"], [36.76, 36.72], [35.85, 35.87])
    assert Patrol.actual(t, route="r").date == dt.date(2020, 3, 15)  # 23:50 in Damascus
    t = _track(["2020-03-15T22:10", "2020-03-15T22:30"], [36.76, 36.72], [35.85, 35.87])
    assert Patrol.actual(t, route="r").date == dt.date(2020, 3, 16)  # 00:10 in Damascus
    assert Patrol.actual(t, route="r", date=dt.date(2020, 3, 17)).date == dt.date(2020, 3, 17)


# --- readers --------------------------------------------------------------------------------


def test_gpx_reads_times_and_name():
    (t,) = read_tracks(DATA / "2020-03-15-joint-cut-short.gpx")
    assert len(t) == 80
    assert t.name == "first joint patrol, cut short near Nayrab"
    assert t.time[0] == np.datetime64("2020-03-15T07:00:00")
    assert np.all(np.diff(t.time) > np.timedelta64(0))
    assert 36.7 < t.lon[0] < 36.8 and 35.8 < t.lat[0] < 35.9


def test_geojson_reads_coordtimes_and_properties():
    (t,) = read_tracks(DATA / "2020-03-23-turkey-alone.geojson")
    assert len(t) == 240
    assert t.properties["parties"] == "turkey"
    assert t.time[-1] > t.time[0]


def test_geojson_reads_times_from_a_fourth_coordinate():
    (t,) = read_tracks(DATA / "2020-03-26-joint-full.geojson")
    assert len(t) == 600
    assert t.time[0] == np.datetime64("2020-03-26T06:00:00")
    assert t.properties["parties"] == "russia,turkey"


def _multi(tmp_path: Path, second_time: str) -> Path:
    f = tmp_path / "m.geojson"
    f.write_text(
        json.dumps(
            {
                "type": "Feature",
                "properties": {"coordTimes": [["2020-03-15T08:00:00Z"], [second_time]]},
                "geometry": {
                    "type": "MultiLineString",
                    "coordinates": [[[36.76, 35.85]], [[36.75, 35.85]]],
                },
            }
        )
    )
    return f


def test_multilinestring_parts_are_joined_and_offsets_read_as_utc(tmp_path):
    (t,) = read_tracks(_multi(tmp_path, "2020-03-15T10:01:00+02:00"))
    assert len(t) == 2 and t.time[1] == np.datetime64("2020-03-15T08:01:00")
    # 08:01+02:00 is 06:01Z: before the first point
    with pytest.raises(TrackError, match="point 1 time: time earlier than point 0"):
        read_tracks(_multi(tmp_path, "2020-03-15T08:01:00+02:00"))


@pytest.mark.parametrize(
    ("name", "field", "words"),
    [
        ("empty.gpx", None, "empty file"),
        ("no-points.gpx", None, "no points"),
        ("no-time.gpx", "point 3 time", "no timestamp"),
        ("bad-time.geojson", "point 0 time", "does not parse"),
        ("out-of-order.gpx", "point 3 time", "earlier than point 2"),
        ("jump.gpx", "point 4 position", "faster than a vehicle"),
        ("projected-crs.geojson", "crs", "wrong CRS"),
        ("projected-no-crs.geojson", "point 0 coordinates", "wrong CRS"),
    ],
)
def test_every_bad_track_gets_a_clear_error(name, field, words):
    with pytest.raises(TrackError) as e:
        read_tracks(BAD / name)
    err = e.value
    assert isinstance(err, InputError)
    assert err.file is not None and name in err.file
    assert err.field == field
    assert words in str(err)


def test_errors_carry_the_offending_value():
    with pytest.raises(TrackError) as e:
        read_tracks(BAD / "bad-time.geojson")
    assert e.value.value == "yesterday"
    with pytest.raises(TrackError) as e:
        read_tracks(BAD / "projected-no-crs.geojson")
    assert e.value.value[0] > 180  # metres, shown as read


def test_repair_sorts_points_and_says_so():
    (t,) = read_tracks(BAD / "out-of-order.gpx", ReadOptions(repair=True))
    assert len(t) == 6  # nothing dropped
    assert np.all(np.diff(t.time) > np.timedelta64(0))
    assert t.repairs == ("sorted by time: 1 points were out of order (first: point 3)",)


def test_repair_removes_a_jump_and_names_it():
    (t,) = read_tracks(BAD / "jump.gpx", ReadOptions(repair=True))
    assert len(t) == 5
    assert len(t.repairs) == 1 and "point 4 (" in t.repairs[0] and "km/h" in t.repairs[0]


def test_a_plan_may_lack_times_but_a_track_may_not():
    with pytest.raises(TrackError, match="no timestamp"):
        read_tracks(DATA / "2020-04-02-plan.geojson")
    (t,) = read_tracks(DATA / "2020-04-02-plan.geojson", ReadOptions(require_time=False))
    assert len(t) == 2 and np.isnat(t.time).all()


def test_unknown_suffix_and_missing_file(tmp_path):
    with pytest.raises(TrackError, match="not a track file"):
        f = tmp_path / "a.kml"
        f.write_text("<kml/>")
        read_tracks(f)
    with pytest.raises(TrackError, match="no such file"):
        read_tracks(tmp_path / "nope.gpx")


def test_a_track_far_from_the_route_is_refused(m4):
    t = _track(["2020-03-15T08:00"], [35.8589], [36.7667])  # lat/lon swapped
    with pytest.raises(TrackError, match="swapped"):
        m4.check_near(t)


# --- linear referencing ---------------------------------------------------------------------


def test_km_marks_and_offsets_match_shapely(m4):
    rng = np.random.default_rng(0)
    x = rng.uniform(m4.x.min() - 20_000, m4.x.max() + 20_000, 5000)
    y = rng.uniform(m4.y.min() - 20_000, m4.y.max() + 20_000, 5000)
    km, off = m4.locate_xy(x, y)
    line = shapely.LineString(np.column_stack([m4.x, m4.y]))
    pts = shapely.points(x, y)
    assert np.abs(off - shapely.distance(line, pts) / 1000).max() < 1e-6
    # where two segments are equally near, km may differ; compare where it is unambiguous
    np.testing.assert_allclose(km, shapely.line_locate_point(line, pts) / 1000, atol=1e-6)


def test_long_routes_go_through_geos_with_the_same_answer(m4):
    dense = shapely.segmentize(shapely.LineString(np.column_stack([m4.x, m4.y])), 500.0)
    xy = shapely.get_coordinates(dense)
    seg = np.hypot(*np.diff(xy, axis=0).T) / 1000
    long = RouteLine("dense", xy[:, 0], xy[:, 1], np.concatenate([[0.0], np.cumsum(seg)]))
    assert len(long.x) > 100
    x, y = m4.xy_at(np.array([3.0, 30.0]))
    km1, off1 = m4.locate_xy(x + 100, y)
    km2, off2 = long.locate_xy(x + 100, y)
    np.testing.assert_allclose(km1, km2, atol=1e-6)
    np.testing.assert_allclose(off1, off2, atol=1e-6)


def test_the_route_knows_its_places(m4):
    names = [n for n, _, _ in m4.places]
    assert names[:2] == ["Trumba", "Saraqib"] or names[:2] == ["Saraqib", "Trumba"]
    assert m4.place_near(0.0) == "Trumba"  # on the line, not Saraqib 3.6 km off it
    assert m4.place_near(m4.length_km) == "Ain al-Havr"
    assert m4.describe(4.7) == "km 4.7 (Nayrab)"


def test_events_get_km_marks(m4):
    x, y = m4.xy_at(np.array([10.0]))
    from ceasefire.zones.model import transformer

    lon, lat = transformer(m4.crs, "EPSG:4326").transform(x, y + 1000)
    ev = pd.DataFrame({"event_uid": ["e"], "longitude": lon, "latitude": lat})
    got = locate_events(m4, ev).iloc[0]
    line = shapely.LineString(np.column_stack([m4.x, m4.y]))
    p = shapely.Point(x[0], y[0] + 1000)
    assert got["km"] == pytest.approx(line.project(p) / 1000, abs=1e-3)
    assert got["offset_km"] == pytest.approx(line.distance(p) / 1000, abs=1e-3)
    assert 0.5 < got["offset_km"] <= 1.0


# --- coverage -------------------------------------------------------------------------------


def test_merge_intervals_per_group():
    g, a, b = merge_intervals(
        np.array([1, 0, 0, 0]), np.array([5.0, 4.0, 0.0, 1.0]), np.array([6.0, 5.0, 2.0, 4.0])
    )
    assert g.tolist() == [0, 1]
    assert a.tolist() == [0.0, 5.0] and b.tolist() == [5.0, 6.0]


def test_coverage_matches_the_simulators_truth(m4):
    tracks, truth = simulate(m4, 300, seed=11)
    got = track_coverage(m4, tracks)
    err = (got["covered_km"] - truth["covered_km"]).abs()
    assert err.max() < 0.3  # fixes are ~0.12 km apart; a detour's edge falls between two
    assert err.mean() < 0.05
    assert (got["furthest_km"] - truth["furthest_km"]).abs().max() < 0.1
    assert (got["turning_place"] == truth["turning_place"]).all()
    # the simulated detours (1.2 km off the road) really are left out
    detour = truth["detour_from_km"].notna()
    assert detour.sum() > 20
    span = truth["to_km"] - truth["from_km"]
    assert (got.loc[detour, "covered_km"] < span[detour] - 0.8).all()


def test_coverage_is_the_same_from_a_trackset_and_from_tracks(m4):
    ts, _ = simulate_set(m4, 40, SimOptions(points=500), seed=3)
    from ceasefire.zones.model import transformer

    lon, lat = transformer(m4.crs, "EPSG:4326").transform(ts.x, ts.y)
    tracks = [Track(ts.time[a:b], lon[a:b], lat[a:b]) for a, b in itertools.pairwise(ts.starts)]
    a = track_coverage(m4, ts)
    b = track_coverage(m4, tracks)
    np.testing.assert_allclose(a["covered_km"], b["covered_km"], atol=1e-6)


def test_a_long_gps_gap_is_unwatched_and_a_short_one_bridged(m4):
    from ceasefire.zones.model import transformer

    inv = transformer(m4.crs, "EPSG:4326")
    km = np.array([0.0, 1.0, 2.0, 5.0, 6.0])  # 3 km without a fix between km 2 and 5
    lon, lat = inv.transform(*m4.xy_at(km))
    t = Track(np.arange(5).astype("datetime64[m]").astype("datetime64[ns]"), lon, lat)
    wide = track_coverage(m4, [t]).iloc[0]
    assert wide["covered_km"] == pytest.approx(3.0, abs=1e-6)
    bridged = track_coverage(m4, [t], CoverageOptions(max_gap_km=4.0)).iloc[0]
    assert bridged["covered_km"] == pytest.approx(6.0, abs=1e-6)


def test_tracks_are_never_joined_to_each_other(m4):
    from ceasefire.zones.model import transformer

    inv = transformer(m4.crs, "EPSG:4326")
    lon1, lat1 = inv.transform(*m4.xy_at(np.array([0.0, 1.0])))
    lon2, lat2 = inv.transform(*m4.xy_at(np.array([1.5, 3.0])))
    times = np.array(["2020-03-15T08:00", "2020-03-15T08:01"], dtype="datetime64[ns]")
    ts = TrackSet.from_tracks(m4, [Track(times, lon1, lat1), Track(times, lon2, lat2)])
    got = track_coverage(m4, ts)
    assert got["covered_km"].round(6).tolist() == [1.0, 1.5]


def test_weekly_coverage_gaps_and_longest_unwatched_stretch(m4):
    tracks = [t for f in sorted(DATA.glob("2020-03-*")) for t in read_tracks(f)]
    patrols = [Patrol.actual(t, route=m4.route_id, parties="russia,turkey") for t in tracks]
    weeks = coverage_by_period(m4, patrols, start=dt.date(2020, 3, 15), end=dt.date(2020, 4, 4))
    assert weeks["period"].tolist() == ["2020-03-15", "2020-03-22", "2020-03-29"]
    assert weeks["n_patrols"].tolist() == [1, 2, 0]
    first = weeks.iloc[0]
    assert first["covered_km"] == pytest.approx(5.2, abs=0.1)
    (gap,) = first["gaps"]
    assert (gap.from_place, gap.to_place) == ("Nayrab", "Ain al-Havr")
    assert first["longest_gap_km"] == pytest.approx(m4.length_km - 5.2, abs=0.1)
    assert weeks.iloc[1]["covered_share"] > 0.99 and weeks.iloc[1]["gaps"] == []
    assert weeks.iloc[2]["covered_share"] == 0.0
    assert weeks.iloc[2]["longest_gap_km"] == pytest.approx(m4.length_km, abs=1e-3)


def test_daily_coverage_and_plans_and_cancelled_patrols_do_not_count(m4):
    (t,) = read_tracks(DATA / "2020-03-15-joint-cut-short.gpx")
    done = Patrol.actual(t, route=m4.route_id)
    cancelled = Patrol.actual(t, route=m4.route_id, status="cancelled", date=dt.date(2020, 3, 16))
    plan = Patrol.plan(
        route=m4.route_id,
        date=dt.date(2020, 3, 16),
        start_point=(36.77, 35.86),
        end_point=(36.15, 35.81),
    )
    days = coverage_by_period(
        m4,
        [done, cancelled, plan],
        period="day",
        start=dt.date(2020, 3, 15),
        end=dt.date(2020, 3, 16),
    )
    assert days["n_patrols"].tolist() == [1, 0]
    summary = patrol_summary(m4, [done, plan])
    assert summary.loc[0, "turning_point"].endswith("(Nayrab)")
    assert summary.loc[1, "furthest_km"] == pytest.approx(m4.length_km, abs=0.1)


# --- incidents ------------------------------------------------------------------------------


def test_an_ied_near_a_patrol_is_a_violation_against_it(m4, make_events):
    (t,) = read_tracks(DATA / "2020-03-15-joint-cut-short.gpx")
    p = Patrol.actual(t, route=m4.route_id, parties="russia,turkey")
    lon, lat = float(t.lon[20]), float(t.lat[20])
    ev = make_events(
        dict(
            event_date="2020-03-15",
            longitude=lon,
            latitude=lat + 0.005,
            sub_event_type="Remote explosive/landmine/IED",
            time_start="2020-03-15T07:08:00Z",
        ),
        dict(event_date="2020-03-15", longitude=lon, latitude=lat + 0.005),  # dated to a day
        dict(event_date="2020-03-15", longitude=lon, latitude=lat + 0.2),  # 20 km away
        dict(event_date="2020-03-17", longitude=lon, latitude=lat),  # another day
        dict(
            event_date="2020-03-15",
            longitude=lon,
            latitude=lat,
            event_type="Protests",
            sub_event_type="Peaceful protest",
        ),
    )
    got = incidents(m4, [p], ev).set_index("event_uid")
    assert sorted(got.index) == ["test:0", "test:1", "test:4"]
    assert got.loc["test:0", "verdict"] == "violation"
    assert "remote explosive/landmine/ied" in got.loc["test:0", "reason"]
    assert got.loc["test:1", "verdict"] == "possible_violation"
    assert got.loc["test:4", "verdict"] == "incident"
    assert got.loc["test:0", "km"] == pytest.approx(2.6, abs=0.5)


# --- chart ----------------------------------------------------------------------------------


def test_strip_and_svg(m4):
    assert strip([(0.0, 15.0), (45.0, 60.0)], 60.0, width=8) == "██····██"
    assert strip([(0.0, 3.0)], 60.0, width=4) == "▌···"
    svg = strip_svg(m4, ["w1", "w2"], [[(0.0, 5.2)], []])
    assert svg.count("<rect") == 3  # two backgrounds, one covered stretch
    assert "Nayrab" in svg and "w2" in svg


def test_a_gpx_with_two_tracks_and_a_route_gives_three(tmp_path):
    f = tmp_path / "day.gpx"
    pt = '<trkpt lat="35.8589" lon="36.7667"><time>2020-03-15T08:0{}:00Z</time></trkpt>'
    f.write_text(
        '<gpx xmlns="http://www.topografix.com/GPX/1/0">'
        f"<trk><name>a</name><trkseg>{pt.format(0)}{pt.format(1)}</trkseg></trk>"
        f"<trk><name>b</name><trkseg>{pt.format(2)}</trkseg><trkseg>{pt.format(3)}</trkseg></trk>"
        '<rte><name>plan</name><rtept lat="35.8589" lon="36.7667"/><rtept lat="35.81" lon="36.15"/>'
        "</rte></gpx>"
    )
    tracks = read_tracks(f)
    assert [(t.name, len(t)) for t in tracks] == [("a", 2), ("b", 2), ("plan", 2)]
    assert np.isnat(tracks[2].time).all()  # a route is a plan: no times expected
    assert tracks[1].source.endswith("#trk 1")


def test_unix_milliseconds_are_not_taken_for_seconds(tmp_path):
    f = tmp_path / "ms.geojson"
    coords = [[36.76, 35.85, 0, 1584259200000], [36.75, 35.85, 0, 1584259260000]]
    f.write_text(json.dumps({"type": "LineString", "coordinates": coords}))
    with pytest.raises(TrackError, match="milliseconds") as e:
        read_tracks(f)
    assert e.value.field == "point 0 time" and e.value.value == 1584259200000
    coords = [[36.76, 35.85, 0, 1584259200], [36.75, 35.85, 0, 1584259260]]
    f.write_text(json.dumps({"type": "LineString", "coordinates": coords}))
    assert read_tracks(f)[0].time[0] == np.datetime64("2020-03-15T08:00:00")


def test_points_without_coordinates_get_no_km_mark(m4):
    km, off = m4.locate_xy(np.array([np.nan, m4.x[1]]), np.array([np.nan, m4.y[1]]))
    assert np.isnan(km[0]) and not np.isfinite(off[0])
    assert km[1] == pytest.approx(m4.km[1])


def _along(m4: RouteLine, marks: list[float], offset_deg: float = 0.0) -> Track:
    """A track through km marks of the route, two minutes apart."""
    from pyproj import Transformer

    x, y = m4.xy_at(np.array(marks, float))
    lon, lat = Transformer.from_crs(m4.crs, "EPSG:4326", always_xy=True).transform(x, y)
    times = np.datetime64("2020-03-15T08:00", "ns") + np.arange(len(marks)) * np.timedelta64(2, "m")
    return Track(times, np.asarray(lon) + offset_deg, np.asarray(lat))


def test_status_is_inferred_from_how_far_a_track_got():
    m4 = RouteLine.from_zone(load_zones()["m4-trumba-ain-al-havr"])
    short = _along(m4, [0, 1, 2, 3, 4, 5.2, 4, 2, 0])
    assert infer_status(m4, short) == (
        "cut_short",
        "turned back at km 5.2 (Nayrab), 54.8 km short of Ain al-Havr",
    )
    # the route is 60.04 km: 0.44 km short is within the tolerance, 0.54 km is not
    road = np.arange(0, 59.5, 0.5).tolist()
    assert infer_status(m4, _along(m4, [*road, 59.6]))[0] == "completed"
    assert infer_status(m4, _along(m4, [*road, 59.5]))[0] == "cut_short"
    wide = StatusOptions(tolerance_km=55.0)
    assert infer_status(m4, short, options=wide) == ("completed", "reached km 5.2 (Nayrab)")
    # setting out from Ain al-Havr eastwards, the end is Trumba (km 0)
    east = _along(m4, [60, 58, 56, 50, 44.7])
    status, why = infer_status(m4, east)
    assert status == "cut_short" and why.endswith("44.7 km short of Trumba")
    assert "Jisr al-Shughur" in why
    # against a plan's end point: the plan ended at km 5.2, so this patrol made it
    end = (float(short.lon[5]), float(short.lat[5]))
    assert infer_status(m4, short, planned_end=end)[0] == "completed"
    far_end = _along(m4, [30])
    plan = (float(far_end.lon[0]), float(far_end.lat[0]))
    status, why = infer_status(m4, short, planned_end=plan)
    assert status == "cut_short" and "24.8 km short of its planned end" in why
    # a track that never came onto the road
    off = _along(m4, [0, 2, 4], offset_deg=0.1)
    assert infer_status(m4, off) == (
        "cut_short",
        "never on the route (no fix within 0.5 km)",
    )


def test_a_gpx_declaring_an_encoding_expat_cannot_read_is_a_bad_track() -> None:
    """Found by the API fuzz tests: a GPX declaring UTF-32 made expat raise ValueError ("multi-byte
    encodings are not supported"), a 500; it is a bad track, named so."""
    from ceasefire.errors import TrackError
    from ceasefire.patrols.tracks import read_track_bytes

    data = b'<?xml version="1.0" encoding="UTF-32"?><gpx/>'
    with pytest.raises(TrackError, match="not valid XML: multi-byte encodings"):
        read_track_bytes(data, "t.gpx")
