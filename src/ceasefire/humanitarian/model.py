"""The humanitarian evidence model: aid deliveries (convoys and crossings) and population
movements (returns and new displacement).

An :class:`AidDelivery` is one line of an aid-tracking table: on a day, through a crossing or
to a place, some trucks of an organisation (and cluster), ``delivered``, ``blocked`` or
``partial`` (:class:`AidStatus`). A :class:`PopulationMovement` is one figure of a movement
tracking table: on a day (or in a month), at a place, so many people who returned or who were
newly displaced (:class:`MovementKind`).

Each record has an id: the sha256 of its content and of how many records with the same content
came before it in the same file (:func:`record_ids`). Importing a file again gives the same ids,
so nothing is stored twice; two identical rows in one file (two convoys on one day, say) stay
two records.

>>> import datetime as dt
>>> d = AidDelivery(dt.date(2020, 3, 9), "Bab al-Hawa", trucks=40, organisation="WFP")
>>> d.status, AidStatus("blocked") == "blocked"
(<AidStatus.DELIVERED: 'delivered'>, True)
>>> deliveries_frame([d])[["date", "place", "trucks", "status"]].values.tolist()
[['2020-03-09', 'Bab al-Hawa', 40, 'delivered']]
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from enum import StrEnum
from typing import Final, TypeVar

import pandas as pd

__all__ = [
    "AID_COLUMNS",
    "MOVEMENT_COLUMNS",
    "AidDelivery",
    "AidStatus",
    "DatePrecision",
    "EvidenceKind",
    "MovementKind",
    "PopulationMovement",
    "deliveries_frame",
    "movements_frame",
    "record_ids",
]


class AidStatus(StrEnum):
    """What became of a delivery: made, stopped, or made in part."""

    DELIVERED = "delivered"
    BLOCKED = "blocked"
    PARTIAL = "partial"


class MovementKind(StrEnum):
    """A movement figure: people who returned, or people newly displaced (IDP arrivals)."""

    RETURNS = "returns"
    DISPLACEMENT = "displacement"


class DatePrecision(StrEnum):
    """How precise a record's date is: a day, or a month (monthly tracking tables)."""

    DAY = "day"
    MONTH = "month"


class EvidenceKind(StrEnum):
    """Which of the two humanitarian evidence types a file holds."""

    AID = "aid"
    MOVEMENTS = "movements"


@dataclass(frozen=True)
class AidDelivery:
    """One aid delivery or crossing. ``place`` is the crossing (or the place reached);
    ``pcode`` an OCHA admin pcode when the file gives one; ``lat``/``lon`` WGS84 degrees when
    it gives coordinates; ``reason`` why it was blocked, when said."""

    date: dt.date
    place: str
    trucks: int | None = None
    organisation: str = ""
    status: AidStatus = AidStatus.DELIVERED
    cluster: str = ""
    modality: str = ""
    reason: str = ""
    pcode: str = ""
    lat: float | None = None
    lon: float | None = None
    source_file: str = ""
    source_line: int = 0
    record_id: str = ""

    def content(self) -> str:
        """What identifies the delivery: every field but where it was read and its id."""
        return _content(self, ("source_file", "source_line", "record_id"))


@dataclass(frozen=True)
class PopulationMovement:
    """One movement figure: ``people`` who returned or were displaced at ``place`` (the
    community, or the finest admin unit named), in the admin units named by ``admin1`` ..
    ``admin3`` and ``pcode`` (the finest pcode given). ``date_precision`` says whether
    ``date`` is a day or stands for its month."""

    date: dt.date
    place: str
    people: int
    kind: MovementKind
    date_precision: DatePrecision = DatePrecision.DAY
    admin1: str = ""
    admin2: str = ""
    admin3: str = ""
    pcode: str = ""
    origin: str = ""
    destination: str = ""
    lat: float | None = None
    lon: float | None = None
    source_file: str = ""
    source_line: int = 0
    record_id: str = ""

    def content(self) -> str:
        """What identifies the figure: every field but where it was read and its id."""
        return _content(self, ("source_file", "source_line", "record_id"))


def _content(record: AidDelivery | PopulationMovement, skip: Sequence[str]) -> str:
    parts = [type(record).__name__]
    for f in fields(record):
        if f.name not in skip:
            value = getattr(record, f.name)
            parts.append("" if value is None else str(value))
    return "\x1f".join(parts)


R = TypeVar("R", bound=AidDelivery | PopulationMovement)


def record_ids(records: Iterable[R], seen: dict[str, int] | None = None) -> list[R]:
    """The records with their ids set: sha256 of the content and its occurrence number in
    the file (``seen``, content digest -> count so far, carried from batch to batch).

    >>> a = AidDelivery(dt.date(2020, 3, 9), "Bab al-Hawa", trucks=4)
    >>> one, two = record_ids([a, a])
    >>> one.record_id != two.record_id, len(one.record_id)
    (True, 32)
    """
    seen = {} if seen is None else seen
    out = []
    for r in records:
        digest = hashlib.sha256(r.content().encode("utf-8", "surrogatepass")).hexdigest()
        n = seen.get(digest, 0)
        seen[digest] = n + 1
        rid = hashlib.sha256(f"{digest}|{n}".encode()).hexdigest()[:32]
        out.append(replace(r, record_id=rid))
    return out


#: Columns of :func:`deliveries_frame` (and of the store's ``aid_deliveries`` reads).
AID_COLUMNS: Final = (
    "record_id",
    "date",
    "place",
    "trucks",
    "organisation",
    "status",
    "cluster",
    "modality",
    "reason",
    "pcode",
    "lat",
    "lon",
    "source_file",
    "source_line",
)

#: Columns of :func:`movements_frame` (and of the store's ``population_movements`` reads).
MOVEMENT_COLUMNS: Final = (
    "record_id",
    "date",
    "date_precision",
    "place",
    "people",
    "kind",
    "admin1",
    "admin2",
    "admin3",
    "pcode",
    "origin",
    "destination",
    "lat",
    "lon",
    "source_file",
    "source_line",
)


def _frame(
    records: Iterable[AidDelivery | PopulationMovement], cols: Sequence[str]
) -> pd.DataFrame:
    rows = []
    for r in records:
        row = {c: getattr(r, c) for c in cols}
        row["date"] = r.date.isoformat()
        for c in ("status", "kind", "date_precision"):
            if c in row:
                row[c] = str(row[c])
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(cols))
    for c in ("trucks", "people", "source_line"):
        if c in frame.columns:
            frame[c] = frame[c].astype("Int64")
    for c in ("lat", "lon"):
        frame[c] = frame[c].astype("float64")
    return frame


def deliveries_frame(records: Iterable[AidDelivery]) -> pd.DataFrame:
    """One row per delivery (:data:`AID_COLUMNS`; ``date`` as ``YYYY-MM-DD``)."""
    return _frame(records, AID_COLUMNS)


def movements_frame(records: Iterable[PopulationMovement]) -> pd.DataFrame:
    """One row per movement figure (:data:`MOVEMENT_COLUMNS`; ``date`` as ``YYYY-MM-DD``)."""
    return _frame(records, MOVEMENT_COLUMNS)
