"""The news date conventions as resolvers: the rules that turn a recognised phrase into a
window of time (see :mod:`ceasefire.news.dates`).

A resolver maps (context, tense, anchor) to a span in naive local wall time; the phrase
recogniser (:mod:`ceasefire.news.date_phrases`) finds the phrases and builds their resolvers
with the factories here, one per convention.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from .timezones import timezone_for_place

__all__ = [
    "TIME",
    "Ctx",
    "Resolver",
    "Span",
    "ago",
    "at_time",
    "date_resolver",
    "deadline_of",
    "duration",
    "fixed_month",
    "fixed_year",
    "month_resolver",
    "part_of_day",
    "relative_day",
    "relative_period",
    "third_of",
    "time_resolver",
    "weekday_resolver",
]

# --------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class Span:
    """A window of time a phrase denotes, and the name of the convention that decided it."""

    start: dt.datetime  # naive local wall time
    end: dt.datetime  # exclusive; == start for an exact moment
    granularity: str
    rule: str


@dataclass(frozen=True)
class Ctx:
    """What a phrase is read against: the publication day and the place's time zone."""

    published: dt.date
    zone: ZoneInfo

    @property
    def pub(self) -> dt.datetime:
        return _midnight(self.published)


Resolver = Callable[[Ctx, str, dt.datetime], Span]
"""A phrase's convention: maps (context, tense, anchor) to the span it denotes."""


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _day(day: dt.date, rule: str) -> Span:
    return Span(_midnight(day), _midnight(day + dt.timedelta(days=1)), "day", rule)


def _month(year: int, month: int, rule: str) -> Span:
    first = dt.date(year, month, 1)
    return Span(_midnight(first), _midnight(_add_months(first, 1)), "month", rule)


def _year(year: int, rule: str) -> Span:
    return Span(_midnight(dt.date(year, 1, 1)), _midnight(dt.date(year + 1, 1, 1)), "year", rule)


def _week(monday: dt.date, rule: str) -> Span:
    return Span(_midnight(monday), _midnight(monday + dt.timedelta(days=7)), "week", rule)


def _pick(ctx: Ctx, tense: str, make: Callable[[int], Span | None], what: str) -> Span:
    """Choose the year of a yearless date by the tense's direction from the publication day."""
    pub = ctx.pub
    options = [s for s in (make(ctx.published.year + k) for k in (-1, 0, 1)) if s is not None]
    if not options:
        raise ValueError("no valid date")
    if tense == "past":
        before = [s for s in options if s.start <= pub]
        chosen = before[-1] if before else options[0]
        rule = f"{what}=past-on-or-before-publication"
    elif tense == "future":
        after = [s for s in options if s.end > pub]
        chosen = after[0] if after else options[-1]
        rule = f"{what}=future-on-or-after-publication"
    else:

        def distance(s: Span) -> dt.timedelta:
            if s.start <= pub < s.end:
                return dt.timedelta()
            return min(abs(s.start - pub), abs(s.end - pub - dt.timedelta(days=1)))

        chosen = min(options, key=distance)
        rule = f"{what}=nearest-to-publication"
    return Span(chosen.start, chosen.end, chosen.granularity, rule)


# --------------------------------------------------------------------------- clock times

TIME = (
    r"(?:(?P<h>[01]?\d|2[0-4])[:.](?P<mi>[0-5]\d)(?![\d,]\d|\d)(?:\s*(?P<ap>[ap]\.m\.|[ap]m)(?![\w]))?"
    r"|(?P<h2>1[0-2]|0?[1-9])\s*(?P<ap2>[ap]\.m\.|[ap]m)(?![\w])"
    r"|(?P<mh>[01]\d|2[0-3])(?P<mm>[0-5]\d)(?=\s*(?:GMT|UTC)\b)"
    r"|(?P<word>noon|midday|midnight)\b)"
    r"(?:\s*\(?\s*(?P<zone>local\s+time|GMT|UTC|(?P<zplace>[A-Z][a-z]+)\s+time)\)?)?"
)
"""A clock time ("00:01", "6 p.m.", "noon", "2201 GMT", "13:00 Moscow time"); its matches are
what :func:`at_time` and :func:`time_resolver` read."""


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def date_resolver(
    month: int, day: int, last_day: int | None, year: int | None, weekday: int | None = None
) -> Resolver | None:
    """A month and day ("March 5", "5-7 March"), with a year or a weekday when given; None when
    there is no such day."""
    if year is not None and _safe_date(year, month, day) is None:
        return None
    if year is None and _safe_date(2020, month, day) is None:  # 2020 has 29 February
        return None
    if last_day is not None and last_day <= day:
        return None

    def make(y: int) -> Span | None:
        first = _safe_date(y, month, day)
        last = _safe_date(y, month, last_day) if last_day is not None else first
        if first is None or last is None:
            return None
        return Span(_midnight(first), _midnight(last + dt.timedelta(days=1)), "day", "absolute")

    def resolve(ctx: Ctx, tense: str, anchor: dt.datetime) -> Span:
        if year is not None:
            span = make(year)
            assert span is not None
            return span
        if weekday is not None:
            # "Thursday, March 5": the year in which the day falls on that weekday, nearest first
            for k in (0, -1, 1):
                found = _safe_date(ctx.published.year + k, month, day)
                if found is not None and found.weekday() == weekday:
                    span = make(ctx.published.year + k)
                    assert span is not None
                    return Span(span.start, span.end, "day", "weekday+date=matching-year")
        return _pick(ctx, tense, make, "no-year")

    return resolve


def month_resolver(month: int, rel: str | None) -> Resolver:
    """A month named without a year ("in March"; ``rel``: "last", "next" or "this" March)."""

    def make(y: int) -> Span:
        return _month(y, month, "absolute")

    def resolve(ctx: Ctx, tense: str, anchor: dt.datetime) -> Span:
        pub_month = _midnight(ctx.published.replace(day=1))
        if rel == "this":
            return _month(ctx.published.year, month, "this-month-name=publication-year")
        if rel == "last":
            y = ctx.published.year - (1 if make(ctx.published.year).start >= pub_month else 0)
            return _month(y, month, "last-month-name=before-publication-month")
        if rel == "next":
            y = ctx.published.year + (1 if make(ctx.published.year).start <= pub_month else 0)
            return _month(y, month, "next-month-name=after-publication-month")
        return _pick(ctx, tense, make, "no-year")

    return resolve


def weekday_resolver(weekday: int, relative: str | None = None) -> Resolver:
    """A weekday ("Thursday"), or with ``relative`` ("last", "next", "this") one relative to
    the publication week."""

    def resolve(ctx: Ctx, tense: str, anchor: dt.datetime) -> Span:
        pub = ctx.published
        p = pub.weekday()
        if relative == "last":
            delta = -((p - weekday) % 7 or 7)
            rule = "last-weekday=before-publication"
        elif relative == "next":
            delta = (weekday - p) % 7 or 7
            rule = "next-weekday=after-publication"
        elif relative == "this":
            delta = weekday - p
            rule = "this-weekday=publication-week"
        elif tense == "past":
            delta = -((p - weekday) % 7)
            rule = "weekday=past-on-or-before-publication"
        elif tense == "future":
            delta = (weekday - p) % 7
            rule = "weekday=future-on-or-after-publication"
        else:
            delta = (weekday - p + 3) % 7 - 3
            rule = "weekday=present-nearest-in-publication-week"
        return _day(pub + dt.timedelta(days=delta), rule)

    return resolve


def _fixed(span: Span) -> Resolver:
    """A span that depends on nothing (a year, a month of a year)."""

    def resolve(ctx: Ctx, tense: str, anchor: dt.datetime) -> Span:
        return span

    return resolve


def fixed_month(year: int, month: int) -> Resolver:
    """A month of a named year ("March 2020")."""
    return _fixed(_month(year, month, "absolute"))


def fixed_year(year: int) -> Resolver:
    """A named year ("in 2018")."""
    return _fixed(_year(year, "absolute"))


def relative_day(phrase: str) -> Resolver:
    """A day counted from publication ("yesterday", "tonight", "this morning")."""
    words = " ".join(phrase.lower().split())
    offsets = {
        "the day before yesterday": -2, "yesterday": -1, "today": 0, "tomorrow": 1,
        "the day after tomorrow": 2,
    }  # fmt: skip
    parts = {"this morning": (6, 12), "this afternoon": (12, 18), "this evening": (18, 24)}

    def resolve(ctx: Ctx, tense: str, anchor: dt.datetime) -> Span:
        pub = ctx.pub
        if words in offsets:
            return _day(ctx.published + dt.timedelta(days=offsets[words]), "relative-day")
        if words == "tonight":
            return Span(
                pub + dt.timedelta(hours=18), pub + dt.timedelta(hours=30), "hour", "tonight"
            )
        if words == "last night":
            return Span(
                pub - dt.timedelta(hours=6), pub + dt.timedelta(hours=6), "hour", "last-night"
            )
        a, b = parts[words]
        return Span(pub + dt.timedelta(hours=a), pub + dt.timedelta(hours=b), "hour", "part-of-day")

    return resolve


def relative_period(edge: str | None, which: str, unit: str) -> Resolver | None:
    """A week, weekend, month or year counted from publication ("last week", "earlier this
    month", "the past year"); None for an edge of a period other than this one."""
    which = {"previous": "last", "current": "this"}.get(which, which)
    if edge and which != "this":
        return None

    def resolve(ctx: Ctx, tense: str, anchor: dt.datetime) -> Span:
        pub = ctx.published
        monday = pub - dt.timedelta(days=pub.weekday())
        shift = {"last": -1, "this": 0, "next": 1}.get(which)
        if unit == "weekend":
            if which == "past":
                shift = 0 if pub.weekday() >= 5 else -1
            elif which == "coming":
                shift = 0
            saturday = monday + dt.timedelta(days=5 + 7 * (shift or 0))
            return Span(
                _midnight(saturday), _midnight(saturday + dt.timedelta(days=2)), "day", "weekend"
            )
        if which in ("past", "coming"):
            # trailing or leading window from the publication day
            if unit == "week":
                lo, hi = pub - dt.timedelta(days=7), pub + dt.timedelta(days=1)
                if which == "coming":
                    lo, hi = pub + dt.timedelta(days=1), pub + dt.timedelta(days=8)
            else:
                months = 1 if unit == "month" else 12
                back = _safe_date(pub.year, pub.month, 1)
                assert back is not None
                lo_month = _add_months(back, -months)
                lo = _safe_date(lo_month.year, lo_month.month, pub.day) or _add_months(lo_month, 1)
                hi = pub + dt.timedelta(days=1)
                if which == "coming":
                    lo = pub + dt.timedelta(days=1)
                    up = _add_months(back, months)
                    hi = _safe_date(up.year, up.month, pub.day) or _add_months(up, 1)
            return Span(_midnight(lo), _midnight(hi), unit, f"{which}-{unit}=from-publication")
        assert shift is not None
        if unit == "week":
            span = _week(monday + dt.timedelta(days=7 * shift), f"{which}-week=calendar-week")
        elif unit == "month":
            first = _add_months(pub, shift)
            span = _month(first.year, first.month, f"{which}-month=calendar-month")
        else:
            span = _year(pub.year + shift, f"{which}-year=calendar-year")
        if edge == "earlier":
            end = max(_midnight(pub), span.start + dt.timedelta(days=1))
            return Span(span.start, end, unit, f"earlier-this-{unit}=period-start-to-publication")
        if edge == "later":
            start = min(_midnight(pub + dt.timedelta(days=1)), span.end - dt.timedelta(days=1))
            return Span(start, span.end, unit, f"later-this-{unit}=after-publication-to-period-end")
        return span

    return resolve


def ago(n: int, unit: str) -> Resolver:
    """A phrase "N units ago": the day, week, month or year that many units before publication."""

    def resolve(ctx: Ctx, tense: str, anchor: dt.datetime) -> Span:
        pub = ctx.published
        if unit == "hour":
            moment = ctx.pub  # hours ago: the publication day, to the hour we cannot do better
            return _day(moment.date(), "ago")
        if unit == "day":
            return _day(pub - dt.timedelta(days=n), "ago")
        if unit == "week":
            day = pub - dt.timedelta(days=7 * n)
            return _week(day - dt.timedelta(days=day.weekday()), "ago")
        if unit == "month":
            first = _add_months(pub, -n)
            return _month(first.year, first.month, "ago")
        return _year(pub.year - n, "ago")

    return resolve


def duration(n: int, unit: str, from_publication: bool) -> Resolver:
    """A window of ``n`` units from the anchor ("within 7 days") or from publication ("in the
    next 48 hours")."""

    def resolve(ctx: Ctx, tense: str, anchor: dt.datetime) -> Span:
        start = ctx.pub if from_publication else anchor
        if unit in ("hour", "day", "week"):
            step = {"hour": dt.timedelta(hours=1), "day": dt.timedelta(days=1)}.get(
                unit, dt.timedelta(days=7)
            )
            end = start + n * step
        else:
            months = n * (1 if unit == "month" else 12)
            first = _add_months(start.date(), months)
            day = _safe_date(first.year, first.month, start.day) or _add_months(first, 1)
            end = dt.datetime.combine(day, start.time())
        return Span(start, end, unit, "duration")

    return resolve


def _clock(m: re.Match[str]) -> tuple[int, int] | None:
    """(hour, minute) of a time match; hour 24 means the end of the day."""
    if m.group("word"):
        return (24, 0) if m.group("word").lower() == "midnight" else (12, 0)
    if m.group("mh"):
        return int(m.group("mh")), int(m.group("mm"))
    if m.group("h2"):
        hour, minute, ampm = int(m.group("h2")), 0, m.group("ap2")
    else:
        hour, minute, ampm = int(m.group("h")), int(m.group("mi")), m.group("ap")
        if "." in m.group(0).split()[0][:3] and not ampm:
            return None  # "6.30" without a.m./p.m. is more likely a number
        if hour == 24 and minute:
            return None
    if ampm:
        if hour > 12 or hour == 0:
            return None
        hour = hour % 12 + (12 if ampm.lower().startswith("p") else 0)
    return hour, minute


def _time_zone_of(m: re.Match[str]) -> str | None:
    zone = m.group("zone")
    if not zone or zone.lower().startswith("local"):
        return None
    if zone.upper() in ("GMT", "UTC"):
        return "UTC"
    return timezone_for_place(m.group("zplace") or "")


def at_time(day: Resolver, m: re.Match[str], weekday_core: bool) -> Resolver | None:
    """A clock time (a match of :data:`TIME`) on the day ``day`` gives: an exact minute,
    converted from the zone the text names; None when it is no time or its zone is unknown."""
    clock = _clock(m)
    if clock is None:
        return None
    if m.group("zone") and not m.group("zone").lower().startswith("local") and not _time_zone_of(m):
        return None
    hour, minute = clock
    other_zone = _time_zone_of(m)
    midnight = m.group("word") is not None and m.group("word").lower() == "midnight"

    def resolve(ctx: Ctx, tense: str, anchor: dt.datetime) -> Span:
        base = day(ctx, tense, anchor)
        moment = base.start + dt.timedelta(hours=hour, minutes=minute)
        if other_zone:
            moment = _convert(moment, other_zone, ctx.zone)
        if midnight:
            rule = "midnight-weekday=end-of-day" if weekday_core else "midnight-date=end-of-day"
        else:
            rule = "time-on-day"
        return Span(moment, moment, "minute", rule)

    return resolve


def time_resolver(m: re.Match[str]) -> Resolver | None:
    """A clock time (a match of :data:`TIME`) with no day: on the publication day ("midnight"
    in the past: its start); None when it is no time."""
    clock = _clock(m)
    if clock is None:
        return None
    word = m.group("word")
    hour, minute = clock
    other_zone = _time_zone_of(m)

    def resolve(ctx: Ctx, tense: str, anchor: dt.datetime) -> Span:
        if word and word.lower() == "midnight":
            if tense == "past":
                return Span(ctx.pub, ctx.pub, "minute", "midnight-past=start-of-publication-day")
            end = ctx.pub + dt.timedelta(days=1)
            return Span(end, end, "minute", "midnight=end-of-publication-day")
        moment = ctx.pub + dt.timedelta(hours=hour, minutes=minute)
        if other_zone:
            moment = _convert(moment, other_zone, ctx.zone)
        return Span(moment, moment, "minute", "time=publication-day")

    return resolve


def _convert(moment: dt.datetime, source: str, target: ZoneInfo) -> dt.datetime:
    aware = moment.replace(tzinfo=ZoneInfo(source))
    return aware.astimezone(target).replace(tzinfo=None)


def part_of_day(day: Resolver, part: str) -> Resolver:
    """A part of the day ``day`` gives ("Thursday morning", "early on Friday")."""
    hours = {
        "morning": (6, 12), "afternoon": (12, 18), "evening": (18, 24), "night": (18, 30),
        "early": (0, 6), "late": (18, 24),
    }[part.lower()]  # fmt: skip

    def resolve(ctx: Ctx, tense: str, anchor: dt.datetime) -> Span:
        base = day(ctx, tense, anchor)
        return Span(
            base.start + dt.timedelta(hours=hours[0]),
            base.start + dt.timedelta(hours=hours[1]),
            "hour",
            "part-of-day",
        )

    return resolve


def deadline_of(inner: Resolver) -> Resolver:
    """The moment the period ``inner`` gives ends ("by the end of 2018")."""

    def resolve(ctx: Ctx, tense: str, anchor: dt.datetime) -> Span:
        base = inner(ctx, tense, anchor)
        return Span(base.end, base.end, "day", "deadline=end-of-period")

    return resolve


def third_of(inner: Resolver, which: str) -> Resolver:
    """The early, middle or late third of the month or year ``inner`` gives."""
    index = {"early": 0, "beginning": 0, "start": 0, "mid": 1, "middle": 1}.get(which.lower(), 2)

    def resolve(ctx: Ctx, tense: str, anchor: dt.datetime) -> Span:
        base = inner(ctx, tense, anchor)
        if base.granularity == "month":
            cuts = [base.start, base.start.replace(day=11), base.start.replace(day=21), base.end]
        elif base.granularity == "year":
            cuts = [base.start.replace(month=m) for m in (1, 5, 9)] + [base.end]
        else:
            return base
        return Span(cuts[index], cuts[index + 1], base.granularity, "early/mid/late=thirds")

    return resolve
