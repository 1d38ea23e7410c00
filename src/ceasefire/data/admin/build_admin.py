"""Rebuild the bundled OCHA boundaries (``syr_admin{0,1,2,3}.geojson``) from the OCHA shapefiles.

Run from the repository root, with the shapefiles' folder as the only argument::

    python src/ceasefire/data/admin/build_admin.py ../shared/data/syria-admin-ocha

What it does (see SOURCES.md): the 272 sub-districts (admin3) are simplified as one coverage
(``shapely.coverage_simplify``, tolerance 10 m in EPSG:32637, so shared edges stay shared and no
gaps or overlaps appear; the largest shift measured is 27 m); districts, governorates and the
country are the union of their simplified sub-districts (the OCHA files nest exactly, checked
below); coordinates are rounded to 6 decimals (0.1 m). Names (English ``_name``, Arabic
``_name1``) and pcodes are kept for every level.

Nothing here runs at import time: ceasefire itself only reads the GeoJSON files.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

SIMPLIFY_TOLERANCE_M = 10.0
METRIC_CRS = "EPSG:32637"
DECIMALS = 6


def _round(coords: Any) -> Any:
    if isinstance(coords[0], int | float):
        return [round(float(c), DECIMALS) for c in coords]
    return [_round(c) for c in coords]


def _value(v: Any) -> Any:
    if v is None or (isinstance(v, float) and v != v):
        return None
    if hasattr(v, "isoformat"):
        return v.isoformat()[:10]
    if hasattr(v, "item"):
        return v.item()
    return v


def build(src: Path, dst: Path) -> None:
    """Write ``syr_admin{0..3}.geojson`` into ``dst`` from the OCHA shapefiles in ``src``."""
    import geopandas as gpd
    import shapely
    from shapely.geometry import mapping

    a3 = gpd.read_file(src / "syr_admin3.shp").to_crs(METRIC_CRS)
    simplified = shapely.coverage_simplify(a3.geometry.values, SIMPLIFY_TOLERANCE_M)
    shift = shapely.hausdorff_distance(a3.geometry.values, simplified).max()
    assert shift <= 50.0, shift
    a3 = a3.set_geometry(simplified)
    for level in range(4):
        key = f"adm{level}_pcode"
        original = gpd.read_file(src / f"syr_admin{level}.shp")
        if level == 3:
            geoms = a3.set_index(key).geometry
        else:
            geoms = a3.dissolve(key).geometry
            exact = gpd.read_file(src / "syr_admin3.shp").to_crs(METRIC_CRS).dissolve(key)
            orig_m = original.to_crs(METRIC_CRS).set_index(key).geometry
            for pcode in orig_m.index:
                assert orig_m[pcode].symmetric_difference(exact.geometry[pcode]).area < 1.0, pcode
        geoms = gpd.GeoSeries(geoms, crs=METRIC_CRS).to_crs("EPSG:4326")
        keep = [
            c
            for k in range(level + 1)
            for c in (f"adm{k}_name", f"adm{k}_name1", f"adm{k}_pcode")
            if c in original.columns
        ] + ["valid_on", "version", "area_sqkm"]
        features = []
        for _, row in original.sort_values(key).iterrows():
            geom = shapely.orient_polygons(shapely.set_precision(geoms[row[key]], 10**-DECIMALS))
            assert geom.is_valid, row[key]
            g = mapping(geom)
            features.append(
                {
                    "type": "Feature",
                    "properties": {c: _value(row[c]) for c in keep},
                    "geometry": {"type": g["type"], "coordinates": _round(g["coordinates"])},
                }
            )
        out = dst / f"syr_admin{level}.geojson"
        with out.open("w", encoding="utf-8") as f:
            f.write('{"type": "FeatureCollection", "features": [\n')
            f.write(
                ",\n".join(
                    json.dumps(x, ensure_ascii=False, separators=(",", ":")) for x in features
                )
            )
            f.write("\n]}\n")
        print(out, len(features), out.stat().st_size)


if __name__ == "__main__":
    build(Path(sys.argv[1]), Path(__file__).resolve().parent)
