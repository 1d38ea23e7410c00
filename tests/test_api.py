"""The notebook API: load, read, evaluate, get DataFrames, as the package docstring shows."""

from __future__ import annotations

import geopandas as gpd

import ceasefire as cf
from ceasefire.monitoring import BUNDLED_UCDP


def test_notebook_flow_on_the_real_data():
    moscow = cf.load_bundled("moscow-2020")
    events = cf.read_events(BUNDLED_UCDP, "ucdp").events
    assert len(events) == 16566
    points = cf.to_geodataframe(events)
    assert isinstance(points, gpd.GeoDataFrame) and points.crs.to_epsg() == 4326
    result = cf.evaluate(moscow, events, rules=cf.Rules(keep_outside=False))
    v = result.verdicts
    assert set(v["agreement_id"]) == {"sochi-2018"}  # Moscow's window starts after the data ends
    assert {"violation", "possible_violation", "exempt"} <= set(v["verdict"].astype(str))
    assert v["probability"].between(0, 1).all()
    assert (v["probability"] - v["p_space"] * v["p_time"]).abs().max() < 1e-3
    breach = v[v["verdict"].astype(str).isin(["violation", "possible_violation"])]
    assert (breach["reason"].str.len() > 40).all()
    # every in-scope verdict refers to a real event
    assert set(v["event_uid"]) <= set(events["event_uid"])


def test_store_is_importable_lazily(tmp_path):
    store = cf.open_store(tmp_path / "x.db")
    try:
        assert store.count_events() == 0
    finally:
        store.close()
