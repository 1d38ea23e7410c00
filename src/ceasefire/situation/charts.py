"""The report's pictures, drawn by our own code as inline SVG: the map (the agreement's zones,
the period's incidents coloured by verdict and sized by deaths) and the timeline (incidents
per day, stacked by verdict). No tiles, no downloads, no fonts fetched; every number is
rounded to a tenth of a pixel and everything is drawn in a fixed order, so the same findings
give the same bytes. Text from the data (place names, zone names) is escaped.

>>> from shapely.geometry import box
>>> from ceasefire.zones import Zone
>>> z = Zone("z", "A <zone>", "area", box(36.0, 35.0, 37.0, 36.0), None, "test")
>>> pts = pd.DataFrame({"longitude": [36.5], "latitude": [35.5], "verdict": ["violation"],
...     "fatalities": [4], "event_uid": ["e1"], "event_date": ["2019-07-10"],
...     "location": ["<b>Ariha</b>"]})
>>> svg = map_svg([z], pts)
>>> svg.startswith("<svg") and "&lt;b&gt;Ariha" in svg and "<b>" not in svg
True
>>> svg == map_svg([z], pts)
True
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any, Final

import pandas as pd
import shapely

from ..compliance import VERDICTS
from ..zones import Zone
from .i18n import Words, words

__all__ = ["VERDICT_COLOURS", "map_svg", "timeline_svg"]

#: The dashboard's colours (``static/js/app.js``), so a report reads like the dashboard.
VERDICT_COLOURS: Final[dict[str, str]] = {
    "violation": "#c62828",
    "possible_violation": "#ef6c00",
    "exempt": "#1565c0",
    "compliant": "#2e7d32",
    "outside": "#8d8d8d",
}
_ZONE_STYLE: Final = {
    "area": 'fill="#1565c0" fill-opacity="0.06" stroke="#1565c0" stroke-width="1"',
    "corridor": 'fill="#6a1b9a" fill-opacity="0.10" stroke="#6a1b9a" stroke-width="1"',
    "route": 'fill="none" stroke="#333" stroke-width="2" stroke-dasharray="6,3"',
}
_RANK: Final = {v: i for i, v in enumerate(VERDICTS)}


def _n(x: float) -> str:
    """A coordinate with one decimal ("-0.0" never)."""
    s = f"{x:.1f}"
    return "0.0" if s == "-0.0" else s


class _Frame:
    """Longitude/latitude -> SVG pixels: equirectangular, x scaled by cos(latitude) at the
    middle (true to shape at these sizes), ``width`` wide, a margin around."""

    def __init__(self, bounds: tuple[float, float, float, float], width: int) -> None:
        lon0, lat0, lon1, lat1 = bounds
        pad_x, pad_y = max((lon1 - lon0) * 0.04, 0.02), max((lat1 - lat0) * 0.04, 0.02)
        self.lon0, self.lat1 = lon0 - pad_x, lat1 + pad_y
        self.kx = math.cos(math.radians((lat0 + lat1) / 2))
        span_x = (lon1 - lon0 + 2 * pad_x) * self.kx
        self.scale = width / span_x
        self.width = width
        self.height = math.ceil((lat1 - lat0 + 2 * pad_y) * self.scale)

    def xy(self, lon: float, lat: float) -> tuple[str, str]:
        return _n((lon - self.lon0) * self.kx * self.scale), _n((self.lat1 - lat) * self.scale)


def _path(frame: _Frame, geom: Any) -> str:
    """An SVG path of a (multi)polygon's rings or a (multi)line."""
    parts: list[str] = []
    for g in getattr(geom, "geoms", [geom]):
        if g.geom_type == "Polygon":
            for ring in [g.exterior, *g.interiors]:
                pts = [frame.xy(x, y) for x, y in ring.coords]
                parts.append("M" + " L".join(f"{x},{y}" for x, y in pts) + " Z")
        elif g.geom_type == "LineString":
            pts = [frame.xy(x, y) for x, y in g.coords]
            parts.append("M" + " L".join(f"{x},{y}" for x, y in pts))
    return " ".join(parts)


def map_svg(
    zones: Sequence[Zone],
    incidents: pd.DataFrame,
    *,
    width: int = 720,
    language: Words | None = None,
) -> str:
    """The zones (areas and corridors filled, routes dashed) and ``incidents`` (columns
    ``longitude``, ``latitude``, ``verdict``, ``fatalities``, ``event_uid``, ``event_date``,
    ``location``) as circles coloured by verdict, the worst drawn on top, their radius growing
    with the square root of deaths. Incidents without a position are not drawn (the report
    says how many). ``language``: the words of the tooltips and place names (English)."""
    w = language or words()
    _ = w.gettext
    located = incidents.dropna(subset=["longitude", "latitude"])
    geoms = [z.geometry for z in zones]
    if len(located):
        geoms.append(shapely.MultiPoint(located[["longitude", "latitude"]].to_numpy(dtype=float)))
    if not geoms:
        return ""
    bounds = shapely.GeometryCollection(geoms).bounds
    frame = _Frame(bounds, width)
    tolerance = (bounds[2] - bounds[0]) / width  # a pixel: finer detail cannot be seen
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {frame.height}" '
        f'width="{width}" height="{frame.height}" role="img" font-family="sans-serif" '
        'font-size="11"><rect width="100%" height="100%" fill="#fbfbf8"/>'
    ]
    order = {"area": 0, "corridor": 1, "route": 2}
    for z in sorted(zones, key=lambda z: (order.get(z.kind, 3), z.id)):
        d = _path(frame, z.geometry.simplify(tolerance, preserve_topology=True))
        out.append(
            f'<path d="{d}" {_ZONE_STYLE.get(z.kind, _ZONE_STYLE["area"])}>'
            f"<title>{escape(w.place(z.name))}</title></path>"
        )
    shown = located.assign(
        _rank=located["verdict"].astype(str).map(_RANK).fillna(len(VERDICTS)),
        _uid=located["event_uid"].astype(str),
    ).sort_values(["_rank", "_uid"], ascending=[False, True], kind="stable")
    for r in shown.to_dict("records"):
        x, y = frame.xy(float(r["longitude"]), float(r["latitude"]))
        deaths = int(r["fatalities"]) if pd.notna(r["fatalities"]) else 0
        colour = VERDICT_COLOURS.get(str(r["verdict"]), "#555")
        what = _("{date} {place}: {verdict}, {deaths} killed").format(
            date=r["event_date"],
            place=w.place(r["location"] or ""),
            verdict=w.label(r["verdict"]) if w.translated else r["verdict"],
            deaths=deaths,
        )
        out.append(
            f'<circle cx="{x}" cy="{y}" r="{_n(2.5 + math.sqrt(deaths))}" fill="{colour}" '
            f'fill-opacity="0.75" stroke="#fff" stroke-width="0.5">'
            f"<title>{escape(what)}</title></circle>"
        )
    out.append("</svg>")
    return "".join(out)


def timeline_svg(
    days: Sequence[dt.date],
    counts: Mapping[str, Mapping[str, int]],
    verdicts: Sequence[str],
    *,
    highlight: tuple[dt.date, dt.date] | None = None,
    width: int = 720,
    height: int = 180,
    language: Words | None = None,
) -> str:
    """Bars of incidents per day (``counts``: ISO day -> verdict -> count), stacked in
    ``verdicts`` order from the bottom, over ``days``; ``highlight`` (first, last) shades the
    report's period. A day without incidents has no bar; a day of the span is never left
    out. ``language``: the words of the axis and the tooltips (English)."""
    w = language or words()
    _ = w.gettext
    left, bottom, top = 34, 24, 8
    plot_w, plot_h = width - left - 8, height - bottom - top
    n = max(len(days), 1)
    step = plot_w / n
    totals = [sum(int(counts.get(d.isoformat(), {}).get(v, 0)) for v in verdicts) for d in days]
    most = max([*totals, 1])
    tick = _tick(most)
    ymax = tick * math.ceil(most / tick)
    y_of = plot_h / ymax
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" font-family="sans-serif" font-size="10">'
    ]
    if highlight is not None and days:
        i0 = next((i for i, d in enumerate(days) if d >= highlight[0]), n)
        i1 = max((i for i, d in enumerate(days) if d <= highlight[1]), default=-1)
        if i1 >= i0:
            out.append(
                f'<rect x="{_n(left + i0 * step)}" y="{top}" width="{_n((i1 - i0 + 1) * step)}" '
                f'height="{plot_h}" fill="#fff3cd"/>'
            )
    for k in range(0, int(ymax) + 1, int(tick)):
        gy = _n(top + plot_h - k * y_of)
        out.append(
            f'<line x1="{left}" y1="{gy}" x2="{width - 8}" y2="{gy}" stroke="#ddd"/>'
            f'<text x="{left - 4}" y="{gy}" text-anchor="end" dy="3">{k}</text>'
        )
    every = max(1, math.ceil(n / 10))
    for i, d in enumerate(days):
        key, base = d.isoformat(), 0
        for v in verdicts:
            c = int(counts.get(key, {}).get(v, 0))
            if c:
                tip = _("{day}: {count} {verdict}").format(
                    day=key, count=c, verdict=w.label(v) if w.translated else v
                )
                y = top + plot_h - (base + c) * y_of
                out.append(
                    f'<rect x="{_n(left + i * step + 0.5)}" y="{_n(y)}" '
                    f'width="{_n(max(step - 1, 0.5))}" height="{_n(c * y_of)}" '
                    f'fill="{VERDICT_COLOURS.get(v, "#555")}"><title>{escape(tip)}</title></rect>'
                )
                base += c
        if i % every == 0:
            label = f"{d.day:02d} {escape(w.month_abbreviation(d.month))}"
            out.append(f'<text x="{_n(left + i * step)}" y="{height - 8}">{label}</text>')
    out.append("</svg>")
    return "".join(out)


def _tick(most: int) -> int:
    """A round step for the count axis: 1, 2, 5, 10, 20, 50, ... giving at most 5 lines."""
    for power in range(0, 9):
        for base in (1, 2, 5):
            step = base * 10**power
            if most / step <= 5:
                return step
    return 10**9
