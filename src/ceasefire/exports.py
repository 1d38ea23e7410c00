"""Exports of verdicts with their events: CSV, GeoJSON (RFC 7946) and GeoPackage."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from .store import Store

__all__ = ["export_verdicts", "verdicts_frame"]


def verdicts_frame(
    store: Store, *, agreement_id: str | None = None, include_outside: bool = False
) -> pd.DataFrame:
    """Stored verdicts joined with their events' display columns."""
    v = store.verdicts(agreement_id=agreement_id)
    if not include_outside:
        v = v[v["verdict"].astype(str) != "outside"]
    return v.reset_index(drop=True)


def export_verdicts(
    store: Store,
    out: str | Path,
    fmt: str,
    *,
    agreement_id: str | None = None,
    include_outside: bool = False,
) -> int:
    """Write verdicts to ``out`` as ``csv``, ``geojson`` or ``gpkg``; returns the row count."""
    v = verdicts_frame(store, agreement_id=agreement_id, include_outside=include_outside)
    out = Path(out)
    if fmt == "csv":
        v.to_csv(out, index=False)
        return len(v)
    frame = v.copy()
    for c in frame.columns:
        if isinstance(frame[c].dtype, pd.CategoricalDtype):
            frame[c] = frame[c].astype(str)
    g = gpd.GeoDataFrame(
        frame.drop(columns=["latitude", "longitude"]),
        geometry=gpd.points_from_xy(frame["longitude"], frame["latitude"]),
        crs="EPSG:4326",
    )
    if out.exists():
        out.unlink()
    g.to_file(
        out,
        driver="GPKG" if fmt == "gpkg" else "GeoJSON",
        **({"layer": "verdicts"} if fmt == "gpkg" else {}),
    )
    return len(g)
