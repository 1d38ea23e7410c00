"""The period a situation report covers: a day, an ISO week (Monday to Sunday, the weeks the
findings count by) or a calendar month, its previous period, and the span of its timeline.

>>> p = Period.of("week", dt.date(2019, 7, 10))
>>> p.label, p.previous().label
('week of 2019-07-08 to 2019-07-14', 'week of 2019-07-01 to 2019-07-07')
>>> Period.of("month", dt.date(2019, 3, 31)).previous().label
'February 2019'
>>> Period.of("day", dt.date(2020, 3, 1)).previous().first
datetime.date(2020, 2, 29)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from ..errors import InputError

__all__ = ["PERIOD_UNITS", "Period"]

#: The periods a report may cover.
PERIOD_UNITS: Final = ("day", "week", "month")

#: How many days before a period's end its timeline starts (day and week reports show the
#: days around them; a month report shows itself and the two months before it, see
#: :meth:`Period.timeline`).
_TIMELINE_DAYS: Final = {"day": 14, "week": 28}
#: Month names, fixed (``%B`` would follow the machine's locale, and a report must not).
_MONTHS: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class Period:
    """``unit`` (``day``, ``week`` or ``month``) from ``first`` to ``last`` (inclusive)."""

    unit: str
    first: dt.date
    last: dt.date

    @classmethod
    def of(cls, unit: str, day: dt.date) -> Period:
        """The ``unit`` holding ``day``."""
        if unit == "day":
            return cls(unit, day, day)
        if unit == "week":
            monday = day - dt.timedelta(days=day.weekday())
            return cls(unit, monday, monday + dt.timedelta(days=6))
        if unit == "month":
            first = day.replace(day=1)
            return cls(unit, first, _next_month(first) - dt.timedelta(days=1))
        raise InputError(f"period: must be one of {', '.join(PERIOD_UNITS)} ({unit!r})")

    def previous(self) -> Period:
        """The period of the same unit just before this one."""
        return Period.of(self.unit, self.first - dt.timedelta(days=1))

    @property
    def days(self) -> int:
        """How many days the period has."""
        return (self.last - self.first).days + 1

    @property
    def label(self) -> str:
        """The period in words: ``2019-07-10``, ``week of 2019-07-08 to 2019-07-14``,
        ``July 2019``."""
        if self.unit == "day":
            return self.first.isoformat()
        if self.unit == "week":
            return f"week of {self.first.isoformat()} to {self.last.isoformat()}"
        return f"{_MONTHS[self.first.month - 1]} {self.first.year}"

    def timeline(self) -> tuple[dt.date, dt.date]:
        """The days the report's timeline shows, ending with the period: 14 days for a day, 28
        for a week, this month and the two before it for a month."""
        if self.unit == "month":
            return self.previous().previous().first, self.last
        return self.last - dt.timedelta(days=_TIMELINE_DAYS[self.unit] - 1), self.last


def _next_month(first: dt.date) -> dt.date:
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
