"""Rebuild the dashboard's offline basemap from the bundled OCHA boundaries.

``python src/ceasefire/web/static/basemap/build_basemap.py`` writes ``admin1.geojson``
(governorates) and ``admin2.geojson`` (districts) beside this file: simplified as one coverage
(shared edges stay shared), coordinates rounded to 4 decimals (about 10 m), one label point per
unit (``label_lon``, ``label_lat``) inside it, English and Arabic names and the P-code. The
files are committed, so nothing is built at run time; rerun this when ``data/admin`` changes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping, shape

HERE = Path(__file__).parent
ADMIN = HERE.parents[2] / "data" / "admin"
#: Simplification tolerance in degrees (about 500 m at 35 N): invisible at the zooms where
#: districts are drawn, and it keeps both files small.
TOLERANCE = {1: 0.005, 2: 0.004}


def _round(obj: Any) -> Any:
    if isinstance(obj, float):
        return round(obj, 4)
    if isinstance(obj, (list, tuple)):
        return [_round(x) for x in obj]
    return obj


def build(level: int) -> dict[str, Any]:
    """The simplified FeatureCollection of one admin level."""
    src = json.loads((ADMIN / f"syr_admin{level}.geojson").read_text(encoding="utf-8"))
    geoms = [shape(f["geometry"]) for f in src["features"]]
    simple = shapely.coverage_simplify(geoms, TOLERANCE[level])
    features = []
    for f, geom in zip(src["features"], simple, strict=True):
        p = f["properties"]
        label = shapely.point_on_surface(geom)
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "pcode": p[f"adm{level}_pcode"],
                    "name": p[f"adm{level}_name"],
                    "name_ar": p[f"adm{level}_name1"],
                    "level": level,
                    "label_lon": round(label.x, 4),
                    "label_lat": round(label.y, 4),
                },
                "geometry": {
                    "type": mapping(geom)["type"],
                    "coordinates": _round(mapping(geom)["coordinates"]),
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "attribution": "UN OCHA, COD-AB Syria (v02, 2020-12-17), simplified",
        "features": features,
    }


def main() -> None:
    for level in (1, 2):
        out = HERE / f"admin{level}.geojson"
        out.write_text(json.dumps(build(level), ensure_ascii=False, separators=(",", ":")))
        print(out, out.stat().st_size)


if __name__ == "__main__":
    main()
