"""Humanitarian evidence: aid deliveries and population movements, read from the published
tracking tables' CSV, and the two provisions judged from them week by week.

- :mod:`.model`: :class:`AidDelivery`, :class:`PopulationMovement`, their closed vocabularies
  (:class:`AidStatus`, :class:`MovementKind`, :class:`DatePrecision`, :class:`EvidenceKind`)
  and frames.
- :mod:`.read`: CSV readers in the column styles of OCHA's cross-border aid tracking and of
  the CCCM / HNAP / OCHA IDP movement tracking, HXL hashtag rows included
  (:func:`read_batches`, :func:`read_file`, :func:`detect_kind`).
- :mod:`.places`: inside, outside or of unknown place for a provision's zone.
- :mod:`.overview`: an agreement's two provisions with their weeks and rows (what the CLI,
  the API and the page show).
- :mod:`.obligation`: the weekly frames (:func:`weekly_access`, :func:`weekly_movements`)
  and the obligation rows (:func:`access_rows`, :func:`return_rows`).

The package is core: it imports nothing from the store, the web app or the CLI. See
``docs/humanitarian.md``.
"""

from __future__ import annotations

from .model import (
    AID_COLUMNS,
    MOVEMENT_COLUMNS,
    AidDelivery,
    AidStatus,
    DatePrecision,
    EvidenceKind,
    MovementKind,
    PopulationMovement,
    deliveries_frame,
    movements_frame,
    record_ids,
)
from .obligation import (
    ACCESS_RULE,
    ACCESS_WEEK_COLUMNS,
    MOVEMENT_WEEK_COLUMNS,
    RETURN_RULE,
    access_rows,
    return_rows,
    week_start,
    weekly_access,
    weekly_movements,
)
from .overview import HUMANITARIAN_TYPES, Overview, Section, as_json, overview, section_items
from .places import CROSSINGS, where_in_zone
from .read import HumanitarianBatch, detect_kind, parse_date, read_batches, read_file

__all__ = [
    "ACCESS_RULE",
    "ACCESS_WEEK_COLUMNS",
    "AID_COLUMNS",
    "CROSSINGS",
    "HUMANITARIAN_TYPES",
    "MOVEMENT_COLUMNS",
    "MOVEMENT_WEEK_COLUMNS",
    "RETURN_RULE",
    "AidDelivery",
    "AidStatus",
    "DatePrecision",
    "EvidenceKind",
    "HumanitarianBatch",
    "MovementKind",
    "Overview",
    "PopulationMovement",
    "Section",
    "access_rows",
    "as_json",
    "deliveries_frame",
    "detect_kind",
    "movements_frame",
    "overview",
    "parse_date",
    "read_batches",
    "read_file",
    "record_ids",
    "return_rows",
    "section_items",
    "week_start",
    "weekly_access",
    "weekly_movements",
    "where_in_zone",
]
