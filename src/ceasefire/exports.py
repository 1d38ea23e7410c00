"""Exports of the findings with their events: CSV, GeoJSON (RFC 7946) and GeoPackage.

Either unit: ``verdicts`` (one row per event and provision) or ``incidents`` (one row per event
at its worst verdict, :func:`ceasefire.findings.incidents`); every row carries the verdict that
counts, the machine's beside it and the review status.

Every export says whose data its events are and what each source asks (licence, terms,
citation: :func:`ceasefire.fetch.attribution.attributions_for`): a GeoJSON file in its
``sources`` member (a foreign member, RFC 7946 section 6.1), a CSV or GeoPackage in a
sidecar file beside it, ``NAME.sources.txt``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from . import findings
from .compliance import VERDICTS
from .fetch.attribution import attributions_for
from .store import Store
from .store.fetches import Attribution

__all__ = [
    "UNITS",
    "export_verdicts",
    "sources_sidecar",
    "spreadsheet_safe",
    "spreadsheet_safe_frame",
    "verdicts_frame",
]

#: What a row of an export is.
UNITS = ("verdicts", "incidents")


#: A text cell starting with one of these would run as a formula in a spreadsheet.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(x: Any) -> Any:
    """A CSV cell that no spreadsheet runs as a formula: text starting with ``= + - @``, a tab
    or a carriage return gets a leading ``'`` (text from articles, reports and analysts' notes is
    never trusted).

    >>> cells = ['=HYPERLINK("http://x")', "-3", -3]
    >>> print(*[spreadsheet_safe(x) for x in cells])
    '=HYPERLINK("http://x") '-3 -3
    """
    if isinstance(x, str) and x[:1] in _FORMULA_STARTS:
        return "'" + x
    return x


def spreadsheet_safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with :func:`spreadsheet_safe` applied to every text column."""
    out = frame.copy()
    for c in out.columns:
        if out[c].dtype == object or isinstance(out[c].dtype, pd.StringDtype):
            out[c] = out[c].map(spreadsheet_safe, na_action="ignore")
    return out


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
    if unit == "incidents":
        return findings.incidents(store.finding_rows(f))
    v = store.verdict_frame(f)
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
    filters: findings.Filters | None = None,
) -> int:
    """Write incidents (or verdict rows) to ``out`` as ``csv``, ``geojson`` or ``gpkg``;
    returns the row count. ``filters`` as everywhere, else ``agreement_id`` alone."""
    v = verdicts_frame(
        store,
        agreement_id=agreement_id,
        include_outside=include_outside,
        unit=unit,
        filters=filters,
    )
    out = Path(out)
    sources = attributions_for(
        getattr(store, "engine", None),
        v["source_dataset"].tolist() if "source_dataset" in v.columns else [],
    )
    if fmt == "csv":
        spreadsheet_safe_frame(v).to_csv(out, index=False)
        _write_sidecar(out, sources)
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
    if fmt == "gpkg":
        _write_sidecar(out, sources)
    elif sources:
        collection = json.loads(out.read_text(encoding="utf-8"))
        collection["sources"] = [a.as_dict() for a in sources]
        out.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return len(g)


def sources_sidecar(out: str | Path) -> Path:
    """Where the attribution of a CSV or GeoPackage export is written: ``NAME.sources.txt``.

    >>> sources_sidecar("exports/idlib.csv").as_posix()
    'exports/idlib.csv.sources.txt'
    """
    out = Path(out)
    return out.with_name(out.name + ".sources.txt")


def _write_sidecar(out: Path, sources: list[Attribution]) -> None:
    side = sources_sidecar(out)
    if not sources:
        side.unlink(missing_ok=True)
        return
    lines = [f"Sources of the events in {out.name}, and what each asks of its users:", ""]
    for a in sources:
        lines.append(a.text())
        if a.terms_url:
            lines.append(f"Terms: {a.terms_url}")
        lines.append("")
    side.write_text("\n".join(lines), encoding="utf-8")
