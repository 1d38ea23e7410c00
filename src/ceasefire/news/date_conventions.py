"""The news date conventions as resolvers: periods, the date vocabulary, and the rules that
turn a recognised phrase into a window of time (see :mod:`ceasefire.news.dates`).

A resolver maps (context, tense, anchor) to a span in naive local wall time; the phrase
recogniser (:mod:`ceasefire.news.date_phrases`) builds them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from .timezones import timezone_for_place


def _words(text: str) -> list[str]:
    return text.split()


# --------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class _Span:
    start: dt.datetime  # naive local wall time
    end: dt.datetime  # exclusive; == start for an exact moment
    granularity: str
    rule: str


@dataclass(frozen=True)
class _Ctx:
    published: dt.date
    zone: ZoneInfo

    @property
    def pub(self) -> dt.datetime:
        return _midnight(self.published)


# a resolver maps (context, tense, anchor) to the span
_Resolver = Callable[[_Ctx, str, dt.datetime], _Span]


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _day(day: dt.date, rule: str) -> _Span:
    return _Span(_midnight(day), _midnight(day + dt.timedelta(days=1)), "day", rule)


def _month(year: int, month: int, rule: str) -> _Span:
    first = dt.date(year, month, 1)
    return _Span(_midnight(first), _midnight(_add_months(first, 1)), "month", rule)


def _year(year: int, rule: str) -> _Span:
    return _Span(_midnight(dt.date(year, 1, 1)), _midnight(dt.date(year + 1, 1, 1)), "year", rule)


def _week(monday: dt.date, rule: str) -> _Span:
    return _Span(_midnight(monday), _midnight(monday + dt.timedelta(days=7)), "week", rule)


def _pick(ctx: _Ctx, tense: str, make: Callable[[int], _Span | None], what: str) -> _Span:
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

        def distance(s: _Span) -> dt.timedelta:
            if s.start <= pub < s.end:
                return dt.timedelta()
            return min(abs(s.start - pub), abs(s.end - pub - dt.timedelta(days=1)))

        chosen = min(options, key=distance)
        rule = f"{what}=nearest-to-publication"
    return _Span(chosen.start, chosen.end, chosen.granularity, rule)


# --------------------------------------------------------------------------- vocabulary

_MONTH_NUMBERS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH_FULL = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
)
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept\.?|Sep\.?|Oct\.?|Nov\.?|Dec\.?)"
    r"(?![A-Za-z])"
)
_WEEKDAY = (
    r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
    r"|Mon\.|Tues?\.|Wed\.|Thu(?:rs?)?\.|Fri\.|Sat\.|Sun\.)(?![\w])"
)
_WEEKDAY_NUMBERS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_DAY = r"(?:3[01]|[12][0-9]|0?[1-9])(?:st|nd|rd|th)?(?![\w])"
_YEAR = r"(?:19|20)\d{2}(?![\w])"
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "forty": 40, "sixty": 60, "ninety": 90, "twenty-four": 24, "thirty-six": 36,
    "forty-eight": 48, "seventy-two": 72, "a few": 3, "several": 3,
}  # fmt: skip
_NUMBER = (
    r"(?:\d{1,3}|" + "|".join(sorted(map(re.escape, _NUMBER_WORDS), key=len, reverse=True)) + ")"
)
_UNIT = r"(?P<unit>hour|day|week|month|year)s?"

_TIME = (
    r"(?:(?P<h>[01]?\d|2[0-4])[:.](?P<mi>[0-5]\d)(?![\d,]\d|\d)(?:\s*(?P<ap>[ap]\.m\.|[ap]m)(?![\w]))?"
    r"|(?P<h2>1[0-2]|0?[1-9])\s*(?P<ap2>[ap]\.m\.|[ap]m)(?![\w])"
    r"|(?P<mh>[01]\d|2[0-3])(?P<mm>[0-5]\d)(?=\s*(?:GMT|UTC)\b)"
    r"|(?P<word>noon|midday|midnight)\b)"
    r"(?:\s*\(?\s*(?P<zone>local\s+time|GMT|UTC|(?P<zplace>[A-Z][a-z]+)\s+time)\)?)?"
)
_TIME_STANDALONE_RE = re.compile(r"(?<![\w:.,])" + _TIME)
_TIME_BEFORE_RE = re.compile(
    r"(?<![\w:.,])" + _TIME + r"\s*,?\s+(?:on\s+)?(?:the\s+night\s+of\s+)?$"
)
_TIME_AFTER_RE = re.compile(r",?\s+(?:at\s+|around\s+|about\s+)?" + _TIME)
_PART_AFTER_RE = re.compile(r"\s+(?P<pod>morning|afternoon|evening|night)\b")
_PART_BEFORE_RE = re.compile(r"\b(?P<el>[Ee]arly|[Ll]ate)\s+(?:on\s+)?$")
_WEEKDAY_BEFORE_RE = re.compile(r"(?P<wd>" + _WEEKDAY + r")\s*,?\s+(?:the\s+)?$")
_RELATIVE_WEEKDAY_BEFORE_RE = re.compile(r"\b(?P<rel>[Ll]ast|[Nn]ext|[Tt]his)\s+$")
_DEADLINE_BEFORE_RE = re.compile(
    r"(?i)\b(?:by|before|until|till)\s+(?:the\s+)?end\s+of\s+(?:the\s+)?$"
)
_THIRDS_BEFORE_RE = re.compile(
    r"(?i)\b(?:(?P<eml>early|mid|late)(?:-|\s+)|(?:the\s+)?(?P<bme>beginning|start|middle|end)\s+of\s+)$"
)
_PERIOD_CONTEXT = frozenset(
    _words(
        "in since until till by during before after from through throughout of early mid late "
        "between and to"
    )
)
_YEAR_CONTEXT = frozenset(
    _words(
        "in since until till by during before after from through throughout early mid late between "
        "and to the"
    )
)
_NOT_A_YEAR_AFTER_RE = re.compile(
    r"\s+(?:troops|soldiers|fighters|people|civilians|men|residents|refugees|families|km|"
    r"kilomet(?:er|re)s?|miles?|met(?:er|re)s?|dollars|euros|tons|tonnes|of\b)",
    re.I,
)


def _month_number(text: str) -> int:
    return _MONTH_NUMBERS[text[:3].lower()]


def _day_number(text: str) -> int:
    return int(re.match(r"\d+", text).group())  # type: ignore[union-attr]


def _weekday_number(text: str) -> int:
    return _WEEKDAY_NUMBERS[text[:3].lower()]


def _previous_word(text: str, start: int) -> str:
    m = re.search(r"(\w+)[\s-]*$", text[max(0, start - 30) : start])
    return m.group(1).lower() if m else ""


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _date_resolver(
    month: int, day: int, last_day: int | None, year: int | None, weekday: int | None = None
) -> _Resolver | None:
    if year is not None and _safe_date(year, month, day) is None:
        return None
    if year is None and _safe_date(2020, month, day) is None:  # 2020 has 29 February
        return None
    if last_day is not None and last_day <= day:
        return None

    def make(y: int) -> _Span | None:
        first = _safe_date(y, month, day)
        last = _safe_date(y, month, last_day) if last_day is not None else first
        if first is None or last is None:
            return None
        return _Span(_midnight(first), _midnight(last + dt.timedelta(days=1)), "day", "absolute")

    def resolve(ctx: _Ctx, tense: str, anchor: dt.datetime) -> _Span:
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
                    return _Span(span.start, span.end, "day", "weekday+date=matching-year")
        return _pick(ctx, tense, make, "no-year")

    return resolve


def _weekday_resolver(weekday: int, relative: str | None = None) -> _Resolver:
    def resolve(ctx: _Ctx, tense: str, anchor: dt.datetime) -> _Span:
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


def _fixed(span: _Span) -> _Resolver:
    """A span that depends on nothing (a year, a month of a year)."""

    def resolve(ctx: _Ctx, tense: str, anchor: dt.datetime) -> _Span:
        return span

    return resolve


def _relative_day(phrase: str) -> _Resolver:
    words = " ".join(phrase.lower().split())
    offsets = {
        "the day before yesterday": -2, "yesterday": -1, "today": 0, "tomorrow": 1,
        "the day after tomorrow": 2,
    }  # fmt: skip
    parts = {"this morning": (6, 12), "this afternoon": (12, 18), "this evening": (18, 24)}

    def resolve(ctx: _Ctx, tense: str, anchor: dt.datetime) -> _Span:
        pub = ctx.pub
        if words in offsets:
            return _day(ctx.published + dt.timedelta(days=offsets[words]), "relative-day")
        if words == "tonight":
            return _Span(
                pub + dt.timedelta(hours=18), pub + dt.timedelta(hours=30), "hour", "tonight"
            )
        if words == "last night":
            return _Span(
                pub - dt.timedelta(hours=6), pub + dt.timedelta(hours=6), "hour", "last-night"
            )
        a, b = parts[words]
        return _Span(
            pub + dt.timedelta(hours=a), pub + dt.timedelta(hours=b), "hour", "part-of-day"
        )

    return resolve


def _relative_period(edge: str | None, which: str, unit: str) -> _Resolver | None:
    which = {"previous": "last", "current": "this"}.get(which, which)
    if edge and which != "this":
        return None

    def resolve(ctx: _Ctx, tense: str, anchor: dt.datetime) -> _Span:
        pub = ctx.published
        monday = pub - dt.timedelta(days=pub.weekday())
        shift = {"last": -1, "this": 0, "next": 1}.get(which)
        if unit == "weekend":
            if which == "past":
                shift = 0 if pub.weekday() >= 5 else -1
            elif which == "coming":
                shift = 0
            saturday = monday + dt.timedelta(days=5 + 7 * (shift or 0))
            return _Span(
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
            return _Span(_midnight(lo), _midnight(hi), unit, f"{which}-{unit}=from-publication")
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
            return _Span(span.start, end, unit, f"earlier-this-{unit}=period-start-to-publication")
        if edge == "later":
            start = min(_midnight(pub + dt.timedelta(days=1)), span.end - dt.timedelta(days=1))
            return _Span(
                start, span.end, unit, f"later-this-{unit}=after-publication-to-period-end"
            )
        return span

    return resolve


def _ago(n: int, unit: str) -> _Resolver:
    def resolve(ctx: _Ctx, tense: str, anchor: dt.datetime) -> _Span:
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


def _duration(n: int, unit: str, from_publication: bool) -> _Resolver:
    def resolve(ctx: _Ctx, tense: str, anchor: dt.datetime) -> _Span:
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
        return _Span(start, end, unit, "duration")

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


def _at_time(day: _Resolver, m: re.Match[str], weekday_core: bool) -> _Resolver | None:
    clock = _clock(m)
    if clock is None:
        return None
    if m.group("zone") and not m.group("zone").lower().startswith("local") and not _time_zone_of(m):
        return None
    hour, minute = clock
    other_zone = _time_zone_of(m)
    midnight = m.group("word") is not None and m.group("word").lower() == "midnight"

    def resolve(ctx: _Ctx, tense: str, anchor: dt.datetime) -> _Span:
        base = day(ctx, tense, anchor)
        moment = base.start + dt.timedelta(hours=hour, minutes=minute)
        if other_zone:
            moment = _convert(moment, other_zone, ctx.zone)
        if midnight:
            rule = "midnight-weekday=end-of-day" if weekday_core else "midnight-date=end-of-day"
        else:
            rule = "time-on-day"
        return _Span(moment, moment, "minute", rule)

    return resolve


def _convert(moment: dt.datetime, source: str, target: ZoneInfo) -> dt.datetime:
    aware = moment.replace(tzinfo=ZoneInfo(source))
    return aware.astimezone(target).replace(tzinfo=None)


def _part_of_day(day: _Resolver, part: str) -> _Resolver:
    hours = {
        "morning": (6, 12), "afternoon": (12, 18), "evening": (18, 24), "night": (18, 30),
        "early": (0, 6), "late": (18, 24),
    }[part.lower()]  # fmt: skip

    def resolve(ctx: _Ctx, tense: str, anchor: dt.datetime) -> _Span:
        base = day(ctx, tense, anchor)
        return _Span(
            base.start + dt.timedelta(hours=hours[0]),
            base.start + dt.timedelta(hours=hours[1]),
            "hour",
            "part-of-day",
        )

    return resolve


def _deadline(inner: _Resolver) -> _Resolver:
    def resolve(ctx: _Ctx, tense: str, anchor: dt.datetime) -> _Span:
        base = inner(ctx, tense, anchor)
        return _Span(base.end, base.end, "day", "deadline=end-of-period")

    return resolve


def _third(inner: _Resolver, which: str) -> _Resolver:
    index = {"early": 0, "beginning": 0, "start": 0, "mid": 1, "middle": 1}.get(which.lower(), 2)

    def resolve(ctx: _Ctx, tense: str, anchor: dt.datetime) -> _Span:
        base = inner(ctx, tense, anchor)
        if base.granularity == "month":
            cuts = [base.start, base.start.replace(day=11), base.start.replace(day=21), base.end]
        elif base.granularity == "year":
            cuts = [base.start.replace(month=m) for m in (1, 5, 9)] + [base.end]
        else:
            return base
        return _Span(cuts[index], cuts[index + 1], base.granularity, "early/mid/late=thirds")

    return resolve
