"""Recognising date and time phrases in text: the core phrases (``_cores``), their extension
by times, weekdays, parts of day and thirds (``_extend``), and the choice among overlapping
candidates (``_select``). Each candidate carries the resolver of
:mod:`ceasefire.news.date_conventions` that gives its window;
:func:`ceasefire.news.dates.resolve_dates` applies them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .date_conventions import (
    _DAY,
    _DEADLINE_BEFORE_RE,
    _MONTH,
    _MONTH_FULL,
    _NOT_A_YEAR_AFTER_RE,
    _NUMBER,
    _NUMBER_WORDS,
    _PART_AFTER_RE,
    _PART_BEFORE_RE,
    _PERIOD_CONTEXT,
    _RELATIVE_WEEKDAY_BEFORE_RE,
    _THIRDS_BEFORE_RE,
    _TIME_AFTER_RE,
    _TIME_BEFORE_RE,
    _TIME_STANDALONE_RE,
    _UNIT,
    _WEEKDAY,
    _WEEKDAY_BEFORE_RE,
    _YEAR,
    _YEAR_CONTEXT,
    _ago,
    _at_time,
    _clock,
    _convert,
    _Ctx,
    _date_resolver,
    _day_number,
    _deadline,
    _duration,
    _fixed,
    _midnight,
    _month,
    _month_number,
    _part_of_day,
    _pick,
    _previous_word,
    _relative_day,
    _relative_period,
    _Resolver,
    _Span,
    _third,
    _time_zone_of,
    _weekday_number,
    _weekday_resolver,
    _year,
)

# --------------------------------------------------------------------------- candidates


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    resolve: _Resolver
    kind: str  # "day" takes times and parts of day, "period" takes thirds, "other" neither


_MDY_RE = re.compile(
    rf"(?P<mon>{_MONTH})\s+(?P<d1>{_DAY})(?:\s*[-–]\s*(?P<d2>{_DAY}))?(?:,?\s+(?P<y>{_YEAR}))?"
)
_DMY_RE = re.compile(
    rf"(?<![\w.,:$-])(?P<d1>{_DAY})(?:\s*[-–]\s*(?P<d2>{_DAY}))?\s+(?:of\s+)?(?P<mon>{_MONTH})"
    rf"(?:,?\s+(?P<y>{_YEAR}))?"
)
_MY_RE = re.compile(rf"(?P<mon>{_MONTH})\s+(?:of\s+)?(?P<y>{_YEAR})")
_M_RE = re.compile(rf"(?P<rel>\b(?:[Ll]ast|[Nn]ext|[Tt]his)\s+)?(?P<mon>{_MONTH_FULL})(?![\w-])")
_Y_RE = re.compile(rf"(?<![\w,.$£€])(?:(?<=[Mm]id-)|(?<!-))(?P<y>{_YEAR})(?!\s*[-–]\s*\d)")
_ISO_RE = re.compile(r"(?<![\w-])(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?![\w-])")
_WEEKDAY_RE = re.compile(rf"(?P<wd>{_WEEKDAY})")
_RELATIVE_DAY_RE = re.compile(
    r"(?i)\b(?:the\s+day\s+(?:before\s+yesterday|after\s+tomorrow)|yesterday|today|tomorrow"
    r"|tonight|last\s+night|this\s+(?:morning|afternoon|evening))\b"
)
_RELATIVE_PERIOD_RE = re.compile(
    r"(?i)\b(?:(?P<edge>earlier|later)\s+)?(?P<which>last|this|next|past|coming|previous|current)"
    r"\s+(?P<unit>week|weekend|month|year)\b"
)
_END_OF_THE_RE = re.compile(
    r"(?i)\b(?:(?P<by>by|before|until|till)\s+)?(?:the\s+)?(?P<bme>end|beginning|start|middle)"
    r"\s+of\s+the\s+(?P<unit>week|month|year)\b"
)
_AGO_RE = re.compile(rf"(?i)\b(?P<n>{_NUMBER})\s+{_UNIT}\s+ago\b")
_DURATION_RE = re.compile(
    rf"(?i)\b(?P<pre>within(?:\s+the\s+next)?|(?:in|over|for|during)\s+the\s+(?:next|coming))"
    rf"\s+(?P<n>{_NUMBER})[\s-]+{_UNIT}\b"
)


def _number(text: str) -> int:
    words = " ".join(text.lower().split())
    return int(words) if words.isdigit() else _NUMBER_WORDS[words]


def _cores(text: str) -> list[_Candidate]:
    out: list[_Candidate] = []
    for m in (*_MDY_RE.finditer(text), *_DMY_RE.finditer(text)):
        d2 = m.group("d2")
        y = m.group("y")
        r = _date_resolver(
            _month_number(m.group("mon")),
            _day_number(m.group("d1")),
            _day_number(d2) if d2 else None,
            int(y) if y else None,
        )
        if r:
            out.append(_Candidate(m.start(), m.end(), r, "day"))
    for m in _ISO_RE.finditer(text):
        r = _date_resolver(int(m.group("m")), int(m.group("d")), None, int(m.group("y")))
        if r and 1 <= int(m.group("m")) <= 12:
            out.append(_Candidate(m.start(), m.end(), r, "day"))
    for m in _MY_RE.finditer(text):
        month, year = _month_number(m.group("mon")), int(m.group("y"))
        out.append(
            _Candidate(
                m.start(),
                m.end(),
                _fixed(_month(year, month, "absolute")),
                "period",
            )
        )
    for m in _M_RE.finditer(text):
        month = _month_number(m.group("mon"))
        rel = (m.group("rel") or "").strip().lower()
        if not rel and _previous_word(text, m.start()) not in _PERIOD_CONTEXT:
            continue
        out.append(_Candidate(m.start(), m.end(), _month_resolver(month, rel or None), "period"))
    for m in _Y_RE.finditer(text):
        before = text[max(0, m.start() - 30) : m.start()]
        context = _previous_word(text, m.start()) in _YEAR_CONTEXT or re.search(
            r"(?i)\b(?:end|beginning|start|middle|spring|summer|autumn|fall|winter|year)\s+of\s+$",
            before,
        )
        if not context or _NOT_A_YEAR_AFTER_RE.match(text, m.end()):
            continue
        year = int(m.group("y"))
        out.append(_Candidate(m.start(), m.end(), _fixed(_year(year, "absolute")), "period"))
    for m in _WEEKDAY_RE.finditer(text):
        out.append(
            _Candidate(
                m.start(), m.end(), _weekday_resolver(_weekday_number(m.group("wd"))), "weekday"
            )
        )
        rel = _RELATIVE_WEEKDAY_BEFORE_RE.search(text[max(0, m.start() - 10) : m.start()])
        if rel:
            start = m.start() - len(rel.group(0))
            resolver = _weekday_resolver(_weekday_number(m.group("wd")), rel.group("rel").lower())
            out.append(_Candidate(start, m.end(), resolver, "weekday"))
    for m in _RELATIVE_DAY_RE.finditer(text):
        phrase = m.group(0).lower()
        kind = "day" if phrase.split()[-1] in ("yesterday", "today", "tomorrow") else "other"
        out.append(_Candidate(m.start(), m.end(), _relative_day(m.group(0)), kind))
    for m in _RELATIVE_PERIOD_RE.finditer(text):
        r = _relative_period(
            (m.group("edge") or "").lower() or None,
            m.group("which").lower(),
            m.group("unit").lower(),
        )
        if r:
            out.append(_Candidate(m.start(), m.end(), r, "period"))
    for m in _END_OF_THE_RE.finditer(text):
        inner = _relative_period(None, "this", m.group("unit").lower())
        assert inner is not None
        if m.group("by") and m.group("bme").lower() == "end":
            r = _deadline(inner)
        elif m.group("by"):
            continue
        else:
            r = _third(inner, m.group("bme"))
        out.append(_Candidate(m.start(), m.end(), r, "other"))
    for m in _AGO_RE.finditer(text):
        out.append(
            _Candidate(
                m.start(), m.end(), _ago(_number(m.group("n")), m.group("unit").lower()), "other"
            )
        )
    for m in _DURATION_RE.finditer(text):
        r = _duration(
            _number(m.group("n")),
            m.group("unit").lower(),
            not m.group("pre").lower().startswith("within"),
        )
        out.append(_Candidate(m.start(), m.end(), r, "other"))
    for m in _TIME_STANDALONE_RE.finditer(text):
        candidate = _standalone_time(text, m)
        if candidate:
            out.append(candidate)
    return out


def _month_resolver(month: int, rel: str | None) -> _Resolver:
    def make(y: int) -> _Span:
        return _month(y, month, "absolute")

    def resolve(ctx: _Ctx, tense: str, anchor: dt.datetime) -> _Span:
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


def _standalone_time(text: str, m: re.Match[str]) -> _Candidate | None:
    """A clock time with no day: on the publication day ("midnight" in the past: its start)."""
    clock = _clock(m)
    if clock is None:
        return None
    word = m.group("word")
    if word and _previous_word(text, m.start()) not in {
        "at", "by", "from", "until", "till", "after", "before", "since", "around", "about", "past",
    }:  # fmt: skip
        return None
    hour, minute = clock
    other_zone = _time_zone_of(m)

    def resolve(ctx: _Ctx, tense: str, anchor: dt.datetime) -> _Span:
        if word and word.lower() == "midnight":
            if tense == "past":
                return _Span(ctx.pub, ctx.pub, "minute", "midnight-past=start-of-publication-day")
            end = ctx.pub + dt.timedelta(days=1)
            return _Span(end, end, "minute", "midnight=end-of-publication-day")
        moment = ctx.pub + dt.timedelta(hours=hour, minutes=minute)
        if other_zone:
            moment = _convert(moment, other_zone, ctx.zone)
        return _Span(moment, moment, "minute", "time=publication-day")

    return _Candidate(m.start(), m.end(), resolve, "other")


def _extend(text: str, core: _Candidate) -> list[_Candidate]:
    """The core and its extensions: weekday before a date, times, part of day, thirds, deadline."""
    out = [core]
    days = [core] if core.kind in ("day", "weekday") else []
    if core.kind == "day":
        window = text[max(0, core.start - 16) : core.start]
        m = _WEEKDAY_BEFORE_RE.search(window)
        if m:
            weekday = _weekday_number(m.group("wd"))
            inner = core.resolve
            widened = _Candidate(
                core.start - len(m.group(0)),
                core.end,
                _with_weekday(text, core, weekday) or inner,
                "day",
            )
            out.append(widened)
            days.append(widened)
    for day in days:
        weekday_core = day.kind == "weekday" or bool(_WEEKDAY_RE.match(text, day.start))
        window_start = max(0, day.start - 48)
        before = _TIME_BEFORE_RE.search(text[window_start : day.start])
        if before:
            r = _at_time(day.resolve, before, weekday_core)
            if r:
                out.append(_Candidate(window_start + before.start(), day.end, r, "other"))
        after = _TIME_AFTER_RE.match(text, day.end)
        if after:
            r = _at_time(day.resolve, after, weekday_core)
            if r:
                out.append(_Candidate(day.start, after.end(), r, "other"))
        part = _PART_AFTER_RE.match(text, day.end)
        if part:
            out.append(
                _Candidate(
                    day.start, part.end(), _part_of_day(day.resolve, part.group("pod")), "other"
                )
            )
        early = _PART_BEFORE_RE.search(text[max(0, day.start - 12) : day.start])
        if early:
            start = day.start - len(early.group(0))
            out.append(
                _Candidate(start, day.end, _part_of_day(day.resolve, early.group("el")), "other")
            )
    for base in list(out):
        if base.kind == "other":
            continue
        window_start = max(0, base.start - 30)
        deadline = _DEADLINE_BEFORE_RE.search(text[window_start : base.start])
        if deadline:
            out.append(
                _Candidate(
                    window_start + deadline.start(), base.end, _deadline(base.resolve), "other"
                )
            )
        if base.kind == "period":
            third = _THIRDS_BEFORE_RE.search(text[window_start : base.start])
            if third:
                which = third.group("eml") or third.group("bme")
                out.append(
                    _Candidate(
                        window_start + third.start(), base.end, _third(base.resolve, which), "other"
                    )
                )
    return out


def _with_weekday(text: str, core: _Candidate, weekday: int) -> _Resolver | None:
    for regex in (_MDY_RE, _DMY_RE):
        m = regex.match(text, core.start)
        if m and m.end() == core.end:
            d2 = m.group("d2")
            y = m.group("y")
            return _date_resolver(
                _month_number(m.group("mon")),
                _day_number(m.group("d1")),
                _day_number(d2) if d2 else None,
                int(y) if y else None,
                weekday,
            )
    return None


def _select(candidates: list[_Candidate]) -> list[_Candidate]:
    """Non-overlapping, longest first (earliest first among equals), returned in text order."""
    chosen: list[_Candidate] = []
    taken: list[tuple[int, int]] = []
    for c in sorted(candidates, key=lambda c: (-(c.end - c.start), c.start)):
        if all(c.end <= a or c.start >= b for a, b in taken):
            chosen.append(c)
            taken.append((c.start, c.end))
    return sorted(chosen, key=lambda c: c.start)
