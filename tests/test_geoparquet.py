"""Events and verdicts as GeoParquet: exact round trips, the GeoParquet 1.1 metadata, geopandas
reading the points, partitioned folders. The events are the constructed reader test files
(tests/data/sources/README.md) and a slice of the bundled UCDP GED rows."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from pyproj import CRS
from sources_helpers import DATA

from ceasefire import evaluate
from ceasefire.agreements import Registry
from ceasefire.errors import InputError
from ceasefire.events import normalise_events, to_geodataframe
from ceasefire.sources import read_events
from ceasefire.sources.geoparquet import (
    GeoParquetWriter,
    parquet_files,
    read_events_parquet,
    read_verdicts_parquet,
    write_events_parquet,
    write_verdicts_parquet,
)
from ceasefire.sources.ucdp import BUNDLED_GED_SYRIA


@pytest.fixture(scope="module")
def ucdp() -> pd.DataFrame:
    return read_events(BUNDLED_GED_SYRIA, "ucdp").events.head(300)


@pytest.fixture(scope="module")
def gdelt() -> pd.DataFrame:
    return read_events(DATA / "gdelt_idlib_20200305.export.CSV", "gdelt").events


@pytest.fixture(scope="module")
def acled() -> pd.DataFrame:
    return read_events(DATA / "acled_idlib_2020-03.csv", "acled").events


def _geo(path: Path) -> dict:
    return json.loads(pq.read_metadata(path).metadata[b"geo"])


@pytest.mark.parametrize("name", ["ucdp", "gdelt", "acled"])
def test_events_round_trip_exactly(name: str, request: pytest.FixtureRequest, tmp_path: Path):
    events = request.getfixturevalue(name)
    out = tmp_path / f"{name}.parquet"
    assert write_events_parquet(events, out) == [out]
    back = read_events_parquet(out)
    pd.testing.assert_frame_equal(back, events, check_exact=True)
    assert list(back.dtypes) == list(events.dtypes)  # provenance, Int64, boolean, UTC times
    assert not list(tmp_path.glob("*.tmp"))


def test_the_file_is_geoparquet_1_1(gdelt: pd.DataFrame, tmp_path: Path):
    out = tmp_path / "gdelt.parquet"
    write_events_parquet(gdelt, out)
    geo = _geo(out)
    assert geo["version"] == "1.1.0" and geo["primary_column"] == "geometry"
    column = geo["columns"]["geometry"]
    assert column["encoding"] == "WKB" and column["geometry_types"] == ["Point"]
    assert CRS.from_json_dict(column["crs"]) == CRS.from_epsg(4326)
    assert column["bbox"] == [
        gdelt["longitude"].min(),
        gdelt["latitude"].min(),
        gdelt["longitude"].max(),
        gdelt["latitude"].max(),
    ]
    schema = pq.read_schema(out)
    assert str(schema.field("geometry").type) == "binary"
    assert json.loads(pq.read_metadata(out).metadata[b"ceasefire"])["kind"] == "events"


def test_geopandas_reads_the_points_and_the_crs(ucdp: pd.DataFrame, tmp_path: Path):
    out = tmp_path / "ucdp.parquet"
    write_events_parquet(ucdp, out)
    g = gpd.read_parquet(out)
    assert g.crs is not None and g.crs.equals(CRS.from_epsg(4326))
    assert g.geometry.geom_type.unique().tolist() == ["Point"]
    np.testing.assert_array_equal(g.geometry.x, ucdp["longitude"])
    np.testing.assert_array_equal(g.geometry.y, ucdp["latitude"])
    assert g["event_uid"].tolist() == ucdp["event_uid"].tolist()


def test_events_without_coordinates_get_null_points(gdelt: pd.DataFrame, tmp_path: Path):
    events = gdelt.copy()
    events.loc[[0, 3], ["latitude", "longitude"]] = np.nan
    out = tmp_path / "partly.parquet"
    write_events_parquet(events, out)
    pd.testing.assert_frame_equal(read_events_parquet(out), events)
    g = gpd.read_parquet(out)
    assert g.geometry.isna().tolist() == [i in (0, 3) for i in range(len(events))]
    rest = events.drop(index=[0, 3])
    assert _geo(out)["columns"]["geometry"]["bbox"][1] == rest["latitude"].min()


def test_partitioned_folder_and_glob(ucdp: pd.DataFrame, gdelt: pd.DataFrame, tmp_path: Path):
    folder = tmp_path / "parts"
    frames = [ucdp.iloc[:100], ucdp.iloc[100:], gdelt]
    files = write_events_parquet(iter(frames), folder)
    assert [f.name for f in files] == [f"part-0000{i}.parquet" for i in range(3)]
    (folder / "part-00003.parquet.tmp").write_bytes(b"a killed write")  # never read
    whole = normalise_events(pd.concat(frames, ignore_index=True))
    pd.testing.assert_frame_equal(read_events_parquet(folder), whole)
    pd.testing.assert_frame_equal(read_events_parquet(str(folder / "part-*.parquet")), whole)
    assert parquet_files(folder) == files
    assert len(gpd.read_parquet(folder / "part-00002.parquet")) == len(gdelt)


@pytest.fixture(scope="module")
def evaluated(acled: pd.DataFrame) -> pd.DataFrame:
    registry = Registry.bundled()
    return evaluate(registry.get("moscow-2020"), acled, registry=registry).verdicts


def test_verdicts_round_trip_with_their_events_points(
    evaluated: pd.DataFrame, acled: pd.DataFrame, tmp_path: Path
):
    assert set(evaluated["verdict"]) >= {"violation", "possible_violation", "compliant"}
    out = tmp_path / "verdicts.parquet"
    write_verdicts_parquet(evaluated, out, events=acled)
    back = read_verdicts_parquet(out)
    pd.testing.assert_frame_equal(back, evaluated, check_exact=True)
    assert list(back["verdict"].cat.categories) == list(evaluated["verdict"].cat.categories)
    g = gpd.read_parquet(out)
    where = acled.set_index("event_uid").loc[evaluated["event_uid"]]
    np.testing.assert_array_equal(g.geometry.x, where["longitude"])
    np.testing.assert_array_equal(g.geometry.y, where["latitude"])
    assert json.loads(pq.read_metadata(out).metadata[b"ceasefire"])["kind"] == "verdicts"


def test_export_rows_keep_every_type(evaluated: pd.DataFrame, acled: pd.DataFrame, tmp_path):
    # an export's rows carry the events' columns and the review columns beside the verdict
    rows = evaluated.merge(
        acled[["event_uid", "event_date", "latitude", "longitude", "source_dataset"]],
        on="event_uid",
    )
    rows["review_stale"] = pd.array([i % 2 == 0 for i in range(len(rows))], dtype="boolean")
    rows["reviewed_at"] = pd.Timestamp("2020-03-10T08:00Z")
    rows["review_note"] = pd.Series([None, "checked"] * (len(rows) // 2), dtype=object)
    sources = [{"source_dataset": "acled", "licence": "ACLED terms of use", "citation": "ACLED"}]
    files = write_verdicts_parquet(
        [rows.iloc[:10], rows.iloc[10:]], tmp_path / "v", sources=sources
    )
    back = read_verdicts_parquet(tmp_path / "v")
    pd.testing.assert_frame_equal(back, rows.iloc[: len(back)], check_exact=True)
    meta = json.loads(pq.read_metadata(files[0]).metadata[b"ceasefire"])
    assert meta["sources"] == sources
    g = gpd.read_parquet(files[1])
    np.testing.assert_array_equal(g.geometry.x, rows["longitude"].iloc[10:])


def test_a_file_of_the_other_kind_is_refused(evaluated: pd.DataFrame, gdelt, tmp_path: Path):
    write_verdicts_parquet(evaluated, tmp_path / "v.parquet")
    write_events_parquet(gdelt, tmp_path / "e.parquet")
    with pytest.raises(InputError, match=r"v\.parquet: holds verdicts, not events"):
        read_events_parquet(tmp_path / "v.parquet")
    with pytest.raises(InputError, match=r"e\.parquet: holds events, not verdicts"):
        read_verdicts_parquet(tmp_path / "e.parquet")
    with pytest.raises(InputError, match=r"lacks column.* verdict"):
        write_verdicts_parquet(evaluated.drop(columns=["verdict"]), tmp_path / "x.parquet")
    assert not (tmp_path / "x.parquet").exists() and not (tmp_path / "x.parquet.tmp").exists()


def test_not_parquet_and_nothing_found(tmp_path: Path):
    bad = tmp_path / "bad.parquet"
    bad.write_text("not parquet")
    with pytest.raises(InputError, match=r"bad\.parquet: not a readable Parquet file"):
        read_events_parquet(bad)
    with pytest.raises(InputError, match="no Parquet file found"):
        read_events_parquet(tmp_path / "nothing-*.parquet")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no Parquet file found"):
        read_events_parquet(tmp_path / "empty")


def test_geoparquet_from_elsewhere_gives_coordinates(gdelt: pd.DataFrame, tmp_path: Path):
    out = tmp_path / "from-geopandas.parquet"
    to_geodataframe(gdelt).drop(columns=["latitude", "longitude"]).to_parquet(out)
    back = read_events_parquet(out)
    np.testing.assert_array_equal(back["latitude"], gdelt["latitude"])
    np.testing.assert_array_equal(back["longitude"], gdelt["longitude"])
    assert back["event_uid"].tolist() == gdelt["event_uid"].tolist()


def test_a_writer_that_fails_leaves_nothing(gdelt: pd.DataFrame, tmp_path: Path):
    out = tmp_path / "half.parquet"
    with pytest.raises(RuntimeError), GeoParquetWriter(out, kind="events") as w:
        w.write(gdelt.iloc[:4])
        assert w.tmp.exists() and not out.exists()
        raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []
