"""Situation reports saved in the workspace: generate one and store it as a published record.

:func:`publish` is what ``ceasefire report --save`` and the workspace's ``POST
/api/situation-reports`` both call: it builds the report
(:func:`ceasefire.situation_report.situation_report`), lays it out as the self-contained HTML
page (:func:`ceasefire.situation.html`, byte-stable for the same store and arguments) and saves
it (:mod:`ceasefire.store.situation_reports`): the same page saved again adds no row, a page
with new evidence is a new version of that period's report, and nothing is ever overwritten.

:func:`resolve_day` reads the ``--date`` of a scheduled run: ``yesterday`` (a day report),
``last-week`` and ``last-month`` (the previous whole ISO week or calendar month), counted from
today in :data:`ceasefire.events.LOCAL_TIMEZONE` (the days the findings count by), or an ISO
date.

>>> import datetime as dt
>>> monday = dt.date(2026, 12, 7)
>>> resolve_day("yesterday", "day", today=monday)
datetime.date(2026, 12, 6)
>>> Period.of("week", resolve_day("last-week", "week", today=monday)).label
'week of 2026-11-30 to 2026-12-06'
>>> Period.of("month", resolve_day("last-month", "month", today=monday)).label
'November 2026'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any, Final
from zoneinfo import ZoneInfo

from . import situation
from .errors import InputError
from .events import LOCAL_TIMEZONE
from .situation import Period, ReportOptions
from .situation_report import situation_report
from .store import Store
from .store.workspace import User

__all__ = [
    "LANGUAGES",
    "RELATIVE_DAYS",
    "Published",
    "local_today",
    "permalink",
    "publish",
    "resolve_day",
]

#: The languages a saved report may be in: those the report is written in.
LANGUAGES: Final = situation.LANGUAGES
#: The relative days ``--date`` takes, and the period each is meant for (``yesterday`` suits
#: any: the week or month holding yesterday).
RELATIVE_DAYS: Final = {"yesterday": None, "last-week": "week", "last-month": "month"}


@dataclass(frozen=True)
class Published:
    """A saved report: its stored row (no body), whether this call stored it (False: the
    same page was there already), the page itself and the report's data (for another format:
    :func:`ceasefire.situation.write`)."""

    row: dict[str, Any]
    created: bool
    body: str
    report: dict[str, Any]

    @property
    def path(self) -> str:
        """Its permalink path on the workspace."""
        return permalink(int(self.row["id"]))


def permalink(report_id: int) -> str:
    """The workspace path of a saved report.

    >>> permalink(7)
    '/situation-reports/7'
    """
    return f"/situation-reports/{report_id}"


def local_today(now: dt.datetime | None = None) -> dt.date:
    """Today in :data:`ceasefire.events.LOCAL_TIMEZONE` (``now``: an aware time, default the
    clock's).

    >>> local_today(dt.datetime(2026, 12, 6, 22, 30, tzinfo=dt.UTC))  # 01:30 in Damascus
    datetime.date(2026, 12, 7)
    """
    moment = now or dt.datetime.now(dt.UTC)
    return moment.astimezone(ZoneInfo(LOCAL_TIMEZONE)).date()


def resolve_day(
    value: str, unit: str, *, today: dt.date | None = None, name: str = "date"
) -> dt.date:
    """The day ``--date`` names for a ``unit`` report: an ISO date, ``yesterday``, or
    ``last-week`` / ``last-month`` (a day of the previous whole week or month: only with that
    period). ``today`` defaults to :func:`local_today`; ``name``: the field errors name.

    >>> resolve_day("2019-07-10", "week")
    datetime.date(2019, 7, 10)
    >>> resolve_day("last-week", "day", today=dt.date(2026, 12, 7))
    Traceback (most recent call last):
    ...
    ceasefire.errors.InputError: date: last-week goes with --period week, not day
    """
    text = value.strip().lower()
    if text in RELATIVE_DAYS:
        meant = RELATIVE_DAYS[text]
        if meant is not None and meant != unit:
            raise InputError(f"{text} goes with --period {meant}, not {unit}", field=name)
        base = today or local_today()
        if text == "yesterday":
            return base - dt.timedelta(days=1)
        return Period.of(unit, base).previous().first
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        words = ", ".join(RELATIVE_DAYS)
        raise InputError(
            f"not an ISO date YYYY-MM-DD or one of {words} ({value!r})", field=name
        ) from None


def publish(
    store: Store,
    agreement_id: str,
    period: Period,
    *,
    created_by: str,
    actor: User | None = None,
    language: str | None = None,
    options: ReportOptions | None = None,
) -> Published:
    """Build the report on ``agreement_id`` over ``period``, lay it out as HTML and save it
    (an unknown agreement raises :class:`~ceasefire.errors.UnknownIdError`, nothing saved).
    ``created_by``: the user's name or ``cli``; ``actor``: the user, for the audit row. The
    store's data state is read before the report is built. Links are relative (the page is
    read from the server that stored it), unless ``options`` say otherwise. ``language``
    (one of :data:`LANGUAGES`) replaces the options' ``lang``; the row records the one used."""
    options = options or ReportOptions()
    if language is not None:
        if language not in LANGUAGES:
            raise InputError(
                f"must be one of {', '.join(LANGUAGES)} ({language!r})", field="language"
            )
        options = replace(options, lang=language)
    state = store.data_state()
    data = situation_report(store, agreement_id, period, options)
    body = situation.html(data)
    row, created = store.save_situation_report(
        agreement_id=agreement_id,
        period_kind=period.unit,
        period_start=period.first.isoformat(),
        period_end=period.last.isoformat(),
        body=body,
        created_by=created_by,
        actor=actor,
        language=options.lang,
        data_state=state,
    )
    return Published(row, created, body, data)
