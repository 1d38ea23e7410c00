"""Recognising date and time phrases in text: the date vocabulary, the core phrases
(``_cores``), their extension by times, weekdays, parts of day and thirds (``_extend``), and the
choice among overlapping candidates (``_select``), all in :func:`find_date_phrases`. Each phrase
carries the resolver of :mod:`ceasefire.news.date_conventions` that gives its window;
:func:`ceasefire.news.dates.resolve_dates` applies them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .date_conventions import (
    TIME,
    Resolver,
    ago,
    at_time,
    date_resolver,
    deadline_of,
    duration,
    fixed_month,
    fixed_year,
    month_resolver,
    part_of_day,
    relative_day,
    relative_period,
    third_of,
    time_resolver,
    weekday_resolver,
)

__all__ = ["DatePhrase", "find_date_phrases"]


def _words(text: str) -> list[str]:
    return text.split()


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

_TIME_STANDALONE_RE = re.compile(r"(?<![\w:.,])" + TIME)
_TIME_BEFORE_RE = re.compile(
    r"(?<![\w:.,])" + TIME + r"\s*,?\s+(?:on\s+)?(?:the\s+night\s+of\s+)?$"
)
_TIME_AFTER_RE = re.compile(r",?\s+(?:at\s+|around\s+|about\s+)?" + TIME)
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


# --------------------------------------------------------------------------- candidates


@dataclass(frozen=True)
class DatePhrase:
    """A date or time phrase at ``start``..``end`` and the resolver that gives its window."""

    start: int
    end: int
    resolve: Resolver
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


def find_date_phrases(text: str) -> list[DatePhrase]:
    """The date and time phrases of ``text``: every core phrase and its extensions, then the
    longest of overlapping ones (the earliest among equals), in text order.

    >>> text = "Shelling at midnight Thursday killed two."
    >>> [text[p.start : p.end] for p in find_date_phrases(text)]
    ['midnight Thursday']
    """
    return _select([phrase for core in _cores(text) for phrase in _extend(text, core)])


def _cores(text: str) -> list[DatePhrase]:
    out: list[DatePhrase] = []
    for m in (*_MDY_RE.finditer(text), *_DMY_RE.finditer(text)):
        d2 = m.group("d2")
        y = m.group("y")
        r = date_resolver(
            _month_number(m.group("mon")),
            _day_number(m.group("d1")),
            _day_number(d2) if d2 else None,
            int(y) if y else None,
        )
        if r:
            out.append(DatePhrase(m.start(), m.end(), r, "day"))
    for m in _ISO_RE.finditer(text):
        r = date_resolver(int(m.group("m")), int(m.group("d")), None, int(m.group("y")))
        if r and 1 <= int(m.group("m")) <= 12:
            out.append(DatePhrase(m.start(), m.end(), r, "day"))
    for m in _MY_RE.finditer(text):
        month, year = _month_number(m.group("mon")), int(m.group("y"))
        out.append(
            DatePhrase(
                m.start(),
                m.end(),
                fixed_month(year, month),
                "period",
            )
        )
    for m in _M_RE.finditer(text):
        month = _month_number(m.group("mon"))
        rel = (m.group("rel") or "").strip().lower()
        if not rel and _previous_word(text, m.start()) not in _PERIOD_CONTEXT:
            continue
        out.append(DatePhrase(m.start(), m.end(), month_resolver(month, rel or None), "period"))
    for m in _Y_RE.finditer(text):
        before = text[max(0, m.start() - 30) : m.start()]
        context = _previous_word(text, m.start()) in _YEAR_CONTEXT or re.search(
            r"(?i)\b(?:end|beginning|start|middle|spring|summer|autumn|fall|winter|year)\s+of\s+$",
            before,
        )
        if not context or _NOT_A_YEAR_AFTER_RE.match(text, m.end()):
            continue
        year = int(m.group("y"))
        out.append(DatePhrase(m.start(), m.end(), fixed_year(year), "period"))
    for m in _WEEKDAY_RE.finditer(text):
        out.append(
            DatePhrase(
                m.start(), m.end(), weekday_resolver(_weekday_number(m.group("wd"))), "weekday"
            )
        )
        rel = _RELATIVE_WEEKDAY_BEFORE_RE.search(text[max(0, m.start() - 10) : m.start()])
        if rel:
            start = m.start() - len(rel.group(0))
            resolver = weekday_resolver(_weekday_number(m.group("wd")), rel.group("rel").lower())
            out.append(DatePhrase(start, m.end(), resolver, "weekday"))
    for m in _RELATIVE_DAY_RE.finditer(text):
        phrase = m.group(0).lower()
        kind = "day" if phrase.split()[-1] in ("yesterday", "today", "tomorrow") else "other"
        out.append(DatePhrase(m.start(), m.end(), relative_day(m.group(0)), kind))
    for m in _RELATIVE_PERIOD_RE.finditer(text):
        r = relative_period(
            (m.group("edge") or "").lower() or None,
            m.group("which").lower(),
            m.group("unit").lower(),
        )
        if r:
            out.append(DatePhrase(m.start(), m.end(), r, "period"))
    for m in _END_OF_THE_RE.finditer(text):
        inner = relative_period(None, "this", m.group("unit").lower())
        assert inner is not None
        if m.group("by") and m.group("bme").lower() == "end":
            r = deadline_of(inner)
        elif m.group("by"):
            continue
        else:
            r = third_of(inner, m.group("bme"))
        out.append(DatePhrase(m.start(), m.end(), r, "other"))
    for m in _AGO_RE.finditer(text):
        out.append(
            DatePhrase(
                m.start(), m.end(), ago(_number(m.group("n")), m.group("unit").lower()), "other"
            )
        )
    for m in _DURATION_RE.finditer(text):
        r = duration(
            _number(m.group("n")),
            m.group("unit").lower(),
            not m.group("pre").lower().startswith("within"),
        )
        out.append(DatePhrase(m.start(), m.end(), r, "other"))
    for m in _TIME_STANDALONE_RE.finditer(text):
        candidate = _standalone_time(text, m)
        if candidate:
            out.append(candidate)
    return out


def _standalone_time(text: str, m: re.Match[str]) -> DatePhrase | None:
    """A clock time with no day: on the publication day ("midnight" in the past: its start);
    "noon" and "midnight" only after a word such as "at" or "until"."""
    resolve = time_resolver(m)
    if resolve is None:
        return None
    word = m.group("word")
    if word and _previous_word(text, m.start()) not in {
        "at", "by", "from", "until", "till", "after", "before", "since", "around", "about", "past",
    }:  # fmt: skip
        return None
    return DatePhrase(m.start(), m.end(), resolve, "other")


def _extend(text: str, core: DatePhrase) -> list[DatePhrase]:
    """The core and its extensions: weekday before a date, times, part of day, thirds, deadline."""
    out = [core]
    days = [core] if core.kind in ("day", "weekday") else []
    if core.kind == "day":
        window = text[max(0, core.start - 16) : core.start]
        m = _WEEKDAY_BEFORE_RE.search(window)
        if m:
            weekday = _weekday_number(m.group("wd"))
            inner = core.resolve
            widened = DatePhrase(
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
            r = at_time(day.resolve, before, weekday_core)
            if r:
                out.append(DatePhrase(window_start + before.start(), day.end, r, "other"))
        after = _TIME_AFTER_RE.match(text, day.end)
        if after:
            r = at_time(day.resolve, after, weekday_core)
            if r:
                out.append(DatePhrase(day.start, after.end(), r, "other"))
        part = _PART_AFTER_RE.match(text, day.end)
        if part:
            out.append(
                DatePhrase(
                    day.start, part.end(), part_of_day(day.resolve, part.group("pod")), "other"
                )
            )
        early = _PART_BEFORE_RE.search(text[max(0, day.start - 12) : day.start])
        if early:
            start = day.start - len(early.group(0))
            out.append(
                DatePhrase(start, day.end, part_of_day(day.resolve, early.group("el")), "other")
            )
    for base in list(out):
        if base.kind == "other":
            continue
        window_start = max(0, base.start - 30)
        deadline = _DEADLINE_BEFORE_RE.search(text[window_start : base.start])
        if deadline:
            out.append(
                DatePhrase(
                    window_start + deadline.start(), base.end, deadline_of(base.resolve), "other"
                )
            )
        if base.kind == "period":
            third = _THIRDS_BEFORE_RE.search(text[window_start : base.start])
            if third:
                which = third.group("eml") or third.group("bme")
                out.append(
                    DatePhrase(
                        window_start + third.start(),
                        base.end,
                        third_of(base.resolve, which),
                        "other",
                    )
                )
    return out


def _with_weekday(text: str, core: DatePhrase, weekday: int) -> Resolver | None:
    for regex in (_MDY_RE, _DMY_RE):
        m = regex.match(text, core.start)
        if m and m.end() == core.end:
            d2 = m.group("d2")
            y = m.group("y")
            return date_resolver(
                _month_number(m.group("mon")),
                _day_number(m.group("d1")),
                _day_number(d2) if d2 else None,
                int(y) if y else None,
                weekday,
            )
    return None


def _select(candidates: list[DatePhrase]) -> list[DatePhrase]:
    """Non-overlapping, longest first (earliest first among equals), returned in text order."""
    chosen: list[DatePhrase] = []
    taken: list[tuple[int, int]] = []
    for c in sorted(candidates, key=lambda c: (-(c.end - c.start), c.start)):
        if all(c.end <= a or c.start >= b for a, b in taken):
            chosen.append(c)
            taken.append((c.start, c.end))
    return sorted(chosen, key=lambda c: c.start)
