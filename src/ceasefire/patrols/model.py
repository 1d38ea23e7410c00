"""The patrol model: a planned or actual patrol along a route, and its GPS track.

A :class:`Track` is what a file holds: time-ordered WGS84 fixes (longitude, latitude, UTC time)
and the repairs made while reading it. A :class:`Patrol` is a patrol as monitors speak of it: on
a route, on a day, by some parties, with a status, and either planned (start and end points) or
actual (a track). A patrol by one party alone is not a joint patrol (:meth:`Patrol.is_joint`).

>>> import numpy as np
>>> t = Track(np.array(["2020-03-15T08:00", "2020-03-15T08:10"], dtype="datetime64[ns]"),
...           np.array([36.7667, 36.7173]), np.array([35.8589, 35.8718]))
>>> p = Patrol.actual(t, route="m4-trumba-ain-al-havr", parties=("russia", "turkey"),
...                   status="cut_short")
>>> p.date.isoformat(), p.is_joint(["russia", "turkey"]), len(p.patrol_id)
('2020-03-15', True, 16)
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np
import pandas as pd

from ..errors import TrackError
from ..events import LOCAL_TIMEZONE

__all__ = ["PATROL_STATUSES", "Patrol", "PatrolStatus", "Track", "is_joint", "patrols_frame"]

#: What became of a patrol. ``planned``: not (yet) reported on; the others as monitors report.
PatrolStatus = Literal["planned", "completed", "cut_short", "blocked", "attacked", "cancelled"]
PATROL_STATUSES: tuple[str, ...] = get_args(PatrolStatus)


@dataclass(frozen=True, eq=False)
class Track:
    """Time-ordered GPS fixes: ``time`` (``datetime64[ns]``, UTC; NaT only in a plan), ``lon``
    and ``lat`` (WGS84 degrees), where they came from, and the repairs made while reading."""

    time: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    source: str = ""
    name: str | None = None
    #: what the file said about the patrol (parties, status, date, route), as text
    properties: Mapping[str, str] = field(default_factory=dict)
    #: each repair made while reading, in words, with the point indices it touched
    repairs: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.lon)

    def local_day(self) -> dt.date | None:
        """The local day (Asia/Damascus, the agreements' timezone) of the first fix; None when
        the track has no times (a plan)."""
        if len(self) == 0 or np.isnat(self.time[0]):
            return None
        return pd.Timestamp(self.time[0], tz="UTC").tz_convert(LOCAL_TIMEZONE).date()

    def digest(self) -> str:
        """A sha256 of the points (times and coordinates to 1e-7 degrees)."""
        h = hashlib.sha256()
        h.update(self.time.astype("datetime64[ns]").astype("int64").tobytes())
        h.update(np.round(np.column_stack([self.lon, self.lat]) * 1e7).astype("int64").tobytes())
        return h.hexdigest()


def is_joint(parties: Iterable[str] | str | None, required: Iterable[str] | str) -> bool:
    """A patrol by ``parties`` is joint for ``required``: every required party took part, and
    at least two did (a patrol by one party alone is never joint).

    >>> is_joint("russia,turkey", ["Turkey", "Russia"]), is_joint("turkey", ["turkey"])
    (True, False)
    """
    took = set(_parties(parties))
    return len(took) >= 2 and set(_parties(required)) <= took


def _parties(parties: Iterable[str] | str | None) -> tuple[str, ...]:
    if parties is None:
        return ()
    if isinstance(parties, str):
        parties = parties.replace(";", ",").split(",")
    return tuple(sorted({p.strip().lower() for p in parties if p.strip()}))


@dataclass(frozen=True)
class Patrol:
    """One patrol, planned or actual. Build one with :meth:`actual` or :meth:`plan`."""

    patrol_id: str
    route: str
    date: dt.date
    parties: tuple[str, ...]
    status: str
    planned: bool = False
    #: planned start and end points (WGS84 lon, lat); for an actual patrol its first/last fix
    start_point: tuple[float, float] | None = None
    end_point: tuple[float, float] | None = None
    track: Track | None = None
    source: str = ""
    notes: str = ""

    def __post_init__(self) -> None:
        if self.status not in PATROL_STATUSES:
            raise TrackError(
                f"unknown status; one of {', '.join(PATROL_STATUSES)}",
                file=self.source or None,
                field="status",
                value=self.status,
            )

    def is_joint(self, required: Sequence[str]) -> bool:
        """True when every party in ``required`` took part (and there are at least two)."""
        return is_joint(self.parties, required)

    @classmethod
    def actual(
        cls,
        track: Track,
        *,
        route: str,
        parties: Iterable[str] | str | None = None,
        status: str = "completed",
        date: dt.date | None = None,
        notes: str = "",
    ) -> Patrol:
        """An actual patrol from its track; ``date`` defaults to the local day (Asia/Damascus,
        the agreements' timezone) of the first fix."""
        if len(track) == 0:
            raise TrackError("no points", file=track.source or None, field="track")
        date = date or track.local_day()
        if date is None:
            raise TrackError(
                "no date: the track has no times; give the date",
                file=track.source or None,
                field="date",
            )
        ps = _parties(parties)
        ends = (
            (float(track.lon[0]), float(track.lat[0])),
            (float(track.lon[-1]), float(track.lat[-1])),
        )
        key = (
            f"actual|{route}|{track.digest()}"  # the track is the patrol; the rest may be corrected
        )
        return cls(
            patrol_id=hashlib.sha256(key.encode()).hexdigest()[:16],
            route=route,
            date=date,
            parties=ps,
            status=status,
            planned=False,
            start_point=ends[0],
            end_point=ends[1],
            track=track,
            source=track.source,
            notes=notes,
        )

    @classmethod
    def plan(
        cls,
        *,
        route: str,
        date: dt.date,
        start_point: tuple[float, float],
        end_point: tuple[float, float],
        parties: Iterable[str] | str | None = None,
        status: str = "planned",
        source: str = "",
        notes: str = "",
    ) -> Patrol:
        """A planned patrol: route, day, parties, planned start and end points."""
        ps = _parties(parties)
        key = f"plan|{route}|{date}|{','.join(ps)}|{status}|{start_point}|{end_point}"
        return cls(
            patrol_id=hashlib.sha256(key.encode()).hexdigest()[:16],
            route=route,
            date=date,
            parties=ps,
            status=status,
            planned=True,
            start_point=start_point,
            end_point=end_point,
            source=source,
            notes=notes,
        )


#: Columns of :func:`patrols_frame`.
PATROL_COLUMNS = (
    "patrol_id",
    "route",
    "date",
    "parties",
    "status",
    "planned",
    "n_points",
    "start_time",
    "end_time",
    "source",
)


def patrols_frame(patrols: Iterable[Patrol]) -> pd.DataFrame:
    """One row per patrol (``parties`` comma-joined), the shape obligations and the store use.

    >>> patrols_frame([]).columns.tolist()[:4]
    ['patrol_id', 'route', 'date', 'parties']
    """
    rows = []
    for p in patrols:
        t = p.track
        has_time = t is not None and len(t) > 0 and not np.isnat(t.time[0])
        rows.append(
            {
                "patrol_id": p.patrol_id,
                "route": p.route,
                "date": p.date.isoformat(),
                "parties": ",".join(p.parties),
                "status": p.status,
                "planned": p.planned,
                "n_points": 0 if t is None else len(t),
                "start_time": pd.Timestamp(t.time[0], tz="UTC") if has_time and t else pd.NaT,
                "end_time": pd.Timestamp(t.time[-1], tz="UTC") if has_time and t else pd.NaT,
                "source": p.source,
            }
        )
    return pd.DataFrame(rows, columns=list(PATROL_COLUMNS))
