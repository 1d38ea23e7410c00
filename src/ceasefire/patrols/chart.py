"""Coverage strip charts: one strip per period, the route from km 0 to its end, covered
stretches filled. As text for a terminal, and as a standalone SVG file.

>>> strip([(0.0, 30.0)], 60.0, width=10)
'█████·····'
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import numpy as np

from .linear import RouteLine

__all__ = ["strip", "strip_svg"]


def strip(covered: Sequence[tuple[float, float]], length_km: float, *, width: int = 60) -> str:
    """One character per ``length_km / width``: ``█`` covered at least half, ``▌`` partly,
    ``·`` not at all."""
    edges = np.linspace(0.0, length_km, width + 1)
    share = np.zeros(width)
    for a, b in covered:  # merged stretches: a handful per period
        share += np.clip(np.minimum(edges[1:], b) - np.maximum(edges[:-1], a), 0.0, None)
    share /= np.diff(edges)
    return "".join("█" if s >= 0.5 else "▌" if s > 0.0 else "·" for s in share)


def strip_svg(
    route: RouteLine,
    labels: Sequence[str],
    covered: Sequence[Sequence[tuple[float, float]]],
    *,
    title: str = "Patrol coverage",
    width: int = 900,
) -> str:
    """An SVG of one strip per label (period), with the route's named places marked.

    >>> from ceasefire.zones import load_zones
    >>> m4 = RouteLine.from_zone(load_zones()["m4-trumba-ain-al-havr"])
    >>> svg = strip_svg(m4, ["2020-03-15"], [[(0.0, 4.7)]])
    >>> svg.startswith("<svg") and "Nayrab" in svg
    True
    """
    left, top, row, bar = 110, 40, 22, 14
    plot = width - left - 20
    height = top + row * len(labels) + 60
    scale = plot / route.length_km
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="11">',
        f'<text x="{left}" y="16" font-size="13">{escape(title)} - {escape(route.route_id)}, '
        f"{route.length_km:.1f} km</text>",
    ]
    for i, (label, spans) in enumerate(zip(labels, covered, strict=True)):
        y = top + i * row
        out.append(
            f'<text x="{left - 6}" y="{y + bar - 3}" text-anchor="end">{escape(label)}</text>'
        )
        out.append(f'<rect x="{left}" y="{y}" width="{plot}" height="{bar}" fill="#eee"/>')
        for a, b in spans:
            out.append(
                f'<rect x="{left + a * scale:.1f}" y="{y}" width="{max((b - a) * scale, 0.5):.1f}" '
                f'height="{bar}" fill="#2a7"><title>km {a:.1f}-{b:.1f}</title></rect>'
            )
    base = top + row * len(labels) + 4
    for name, km, _ in route.places:
        x = left + km * scale
        ty = base + 12
        out.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{base}" stroke="#999" '
            'stroke-dasharray="2,2"/>'
        )
        out.append(
            f'<text x="{x:.1f}" y="{ty}" transform="rotate(30 {x:.1f} {ty})">{escape(name)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)
