"""The situation report a monitoring mission publishes, built from the findings alone.

A report covers one agreement over a day, an ISO week or a month (:class:`Period`) and holds:
headline figures against the previous period; violations and possible violations by zone, by
party and by weapon class (:mod:`ceasefire.weapons`), and for field reports seen vs heard; the
gravest incidents with reasons, probabilities and review status; obligations and joint-patrol
coverage; the parties' claims in the news beside the findings of the same day; a map and a
timeline drawn as inline SVG; methods and caveats. Every figure is computed by
:mod:`ceasefire.findings` from the verdict rows every surface counts, and links to the
dashboard view (or API answer) that shows it.

This package is core: it knows nothing of the store. :func:`build` takes the rows through a
function (:class:`Evidence`); :func:`ceasefire.situation_report.situation_report` reads them
from a store, and ``ceasefire report`` writes the result. The same store and arguments give
the same HTML, byte for byte: nothing in it depends on the clock. A report is written in
English or in another of :data:`LANGUAGES` (Arabic, right to left: :mod:`.i18n`).

>>> import datetime as dt
>>> Period.of("week", dt.date(2019, 7, 10)).first
datetime.date(2019, 7, 8)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import InputError
from .i18n import LANGUAGES
from .links import Links
from .model import Evidence, ReportOptions, build
from .period import PERIOD_UNITS, Period
from .render import FORMATS, html, markdown, pdf

__all__ = [
    "FORMATS",
    "LANGUAGES",
    "PERIOD_UNITS",
    "Evidence",
    "Links",
    "Period",
    "ReportOptions",
    "build",
    "html",
    "markdown",
    "pdf",
    "write",
]


def write(report: dict[str, Any], out: Path, fmt: str) -> None:
    """Write ``report`` to ``out`` as ``html``, ``md`` or ``pdf``."""
    if fmt == "html":
        out.write_text(html(report), encoding="utf-8")
    elif fmt == "md":
        out.write_text(markdown(report), encoding="utf-8")
    elif fmt == "pdf":
        pdf(html(report), out)
    else:
        raise InputError(f"format: must be one of {', '.join(FORMATS)} ({fmt!r})")
