"""Exports of the findings with their events: CSV, GeoJSON (RFC 7946) and GeoPackage.

Either unit: ``verdicts`` (one row per event and provision) or ``incidents`` (one row per event
at its worst verdict, :func:`ceasefire.findings.incidents`); every row carries the verdict that
counts, the machine's beside it and the review status.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from . import findings
from .compliance import VERDICTS
from .store import Store

__all__ = ["UNITS", "export_verdicts", "verdicts_frame"]

#: What a row of an export is.
UNITS = ("verdicts", "incidents")


def verdicts_frame(
    store: Store,
    *,
    agreement_id: str | None = None,
    include_outside: bool = False,
    unit: str = "incidents",
    filters: findings.Filters | None = None,
) -> pd.DataFrame:
    """The verdict rows that count (or the incidents, ``unit="incidents"``) with their events'
    display columns and review status; ``outside`` rows only with ``include_outside``."""
    f = filters or findings.Filters(agreement=agreement_id)
    if include_outside and not f.verdict:
        f = f.but(verdict=VERDICTS)
    v = store.finding_rows(f)
    if unit == "incidents":
        return findings.incidents(v)
    return v.sort_values(
        ["agreement_id", "provision_id", "event_date", "event_uid"], kind="stable"
    ).reset_index(drop=True)


def export_verdicts(
    store: Store,
    out: str | Path,
    fmt: str,
    *,
    agreement_id: str | None = None,
    include_outside: bool = False,
    unit: str = "incidents",
) -> int:
    """Write verdicts (or incidents) to ``out`` as ``csv``, ``geojson`` or ``gpkg``; returns
    the row count."""
    v = verdicts_frame(store, agreement_id=agreement_id, include_outside=include_outside, unit=unit)
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
        **({"layer": unit} if fmt == "gpkg" else {}),
    )
    return len(g)
