"""Dates in news text, resolved against the publication date with news conventions.

A general date parser reads "midnight Thursday" as the start of Thursday, puts "on Feb. 27" in
the future when the article was published on 5 March, and has no idea which way "Thursday"
points. News writing follows conventions (AP style and its cousins) that settle these cases;
this module implements them as rules, so every mention carries the window it denotes *and*
the name of the convention that decided it:

* **midnight** is the end of the named day: "midnight Thursday" = Thursday 24:00 = Friday 00:00;
* a **month and day without a year** points in the tense's direction: in a past-tense sentence
  it is on or before the publication date (so "on Sept. 17" in a March article is last
  September), in a future-tense sentence on or after it, otherwise the nearest;
* a **weekday alone** ("on Thursday", "Thursday's attack") is the nearest such day in the
  tense's direction: past = on or before publication, future = on or after it (AP names the
  publication day itself by its weekday, so "at midnight Thursday" in Thursday's paper is
  that Thursday), present = the one within three days of publication;
* **relative** words count from the publication day: yesterday, today, tomorrow, tonight,
  last night, last/this/next week|month|year (calendar periods, weeks from Monday),
  earlier/later this week|month|year, N days/weeks/months/years ago;
* **durations** ("within 7 days", "within 48 hours") are windows from an anchor: the mention
  before them in the same sentence, else the ``anchor`` given, else the publication day;
* **deadlines** ("by the end of 2018") are the exact moment the period ends;
* "early/mid/late March" and "the beginning/middle/end of 2019" are the thirds of the period;
* clock times ("00:01", "6 p.m.", "noon", "2201 GMT", "13:00 Moscow time") attached to a day give
  an exact minute; times are local to the ``timezone`` passed (use :func:`timezone_for_place`
  on the dateline), unless the text names another zone, in which case they are converted.

Tense comes from the clause around each mention (``sentence_tense`` on the clause, then the
sentence), a reporting verb right next to the date ("said on Thursday") making it past, or from
the ``tense`` argument for the whole text.

The rules need no third-party parser (dateparser, the ``nlp`` extra, gets the conventions above
wrong and is not used here). Plain numbers are never dates: "33 soldiers", "M4 highway",
"12-kilometer", "6 km" give nothing.

>>> [(m.text, m.earliest.isoformat(), m.rule) for m in resolve_dates(
...     "The ceasefire takes effect at midnight Thursday.", dt.date(2020, 3, 5))]
[('midnight Thursday', '2020-03-06T00:00:00+02:00', 'midnight-weekday=end-of-day')]
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import InputError
from .sentences import split_sentences
from .tense import sentence_tense, tense_at

if TYPE_CHECKING:
    from ..agreements import TimeSpec

__all__ = ["DateMention", "resolve_dates", "sentence_tense", "timezone_for_place"]

_TENSES = ("past", "future", "present")
_GRANULARITIES = ("minute", "hour", "day", "week", "month", "year")


@dataclass(frozen=True)
class DateMention:
    """A date or time phrase found in a text and the window of time it denotes.

    ``start``/``end`` are character offsets into the text given (``text[start:end] == self.text``).
    ``earliest`` and ``latest`` are aware date-times in the place's zone; ``latest`` is exclusive,
    and an exact moment has ``earliest == latest``. ``rule`` names the convention that decided.
    """

    start: int
    end: int
    text: str
    earliest: dt.datetime
    latest: dt.datetime
    granularity: str
    rule: str

    @property
    def exact(self) -> bool:
        """True when the mention names one moment rather than a window."""
        return self.earliest == self.latest

    def to_timespec(
        self, *, end: bool = False, alternative_timezones: Sequence[str] = ()
    ) -> TimeSpec:
        """The start (or, with ``end=True``, the end) of the window as an agreement ``TimeSpec``.

        A moment at local midnight that closes a day becomes that day with ``end_of_day``:

        >>> [m] = resolve_dates("by the end of 2018", dt.date(2020, 3, 5))
        >>> t = m.to_timespec(end=True)
        >>> (t.at.isoformat(), t.end_of_day, t.timezone)
        ('2018-12-31', True, 'Asia/Damascus')
        """
        from ..agreements import TimeSpec

        moment = self.latest if end else self.earliest
        zone = getattr(moment.tzinfo, "key", None) or "UTC"
        local = moment.replace(tzinfo=None)
        at: dt.date | dt.datetime = local
        closes_day = end or "end-of" in self.rule
        if local.time() == dt.time() and self.granularity != "hour":
            if closes_day and (end or self.exact):
                return TimeSpec(
                    at=local.date() - dt.timedelta(days=1),
                    timezone=zone,
                    alternative_timezones=list(alternative_timezones),
                    end_of_day=True,
                )
            if not self.exact:
                at = local.date()
        return TimeSpec(at=at, timezone=zone, alternative_timezones=list(alternative_timezones))


# --------------------------------------------------------------------------- places and zones

_ZONE_PLACES = {
    "Asia/Damascus": "syria|damascus|idlib|idleb|aleppo|halab|hama|homs|latakia|lattakia|tartus|"
    "raqqa|raqqah|deir ez-zor|deir ezzor|deir al-zor|deir el-zour|daraa|deraa|qamishli|qamishlo|"
    "hasakah|hasaka|al-hasakah|afrin|manbij|kobani|ain al-arab|saraqeb|saraqib|ariha|"
    "maarat al-numan|ma'arrat al-nu'man|jisr al-shughur|jisr ash-shughur|khan sheikhoun|"
    "khan shaykhun|tal abyad|tell abyad|ras al-ain|ras al-ayn|quneitra|suwayda|sweida|douma|"
    "ghouta|eastern ghouta|palmyra|tadmur|al-bab|jarablus|azaz|abu kamal|al-bukamal",
    "Europe/Istanbul": "turkey|turkiye|ankara|istanbul|gaziantep|antakya|hatay|reyhanli|kilis|"
    "sanliurfa|urfa|akcakale|ceylanpinar|izmir|adana|incirlik|mersin",
    "Europe/Moscow": "russia|moscow|sochi|st petersburg|saint petersburg|kremlin",
    "Asia/Beirut": "lebanon|beirut",
    "Europe/Zurich": "geneva|switzerland|zurich|bern|lausanne|montreux",
    "America/New_York": "new york|new york city|united nations|washington|washington dc",
    "Europe/London": "london|britain|great britain|united kingdom|uk",
    "Europe/Brussels": "brussels|belgium",
    "Europe/Paris": "paris|france",
    "Europe/Berlin": "berlin|germany|munich",
    "Europe/Vienna": "vienna|austria",
    "Europe/Amsterdam": "the hague|hague|netherlands|amsterdam",
    "Europe/Rome": "rome|italy",
    "Asia/Almaty": "astana|nur-sultan|kazakhstan|almaty",
    "Asia/Tehran": "tehran|iran",
    "Asia/Amman": "amman|jordan",
    "Asia/Baghdad": "baghdad|iraq|erbil|irbil|mosul",
    "Asia/Jerusalem": "jerusalem|israel|tel aviv",
    "Africa/Cairo": "cairo|egypt",
    "Asia/Riyadh": "riyadh|saudi arabia",
    "Asia/Qatar": "doha|qatar",
    "Asia/Dubai": "dubai|abu dhabi|united arab emirates|uae",
    "Asia/Kuwait": "kuwait|kuwait city",
    "Europe/Kyiv": "kyiv|kiev|ukraine",
    "Asia/Shanghai": "beijing|china",
    "UTC": "gmt|utc",
}
_PLACE_ZONES = {name: zone for zone, names in _ZONE_PLACES.items() for name in names.split("|")}
# demonyms, for "Moscow time"-style phrases and datelines written as adjectives
_PLACE_ZONES.update(
    {
        "syrian": "Asia/Damascus",
        "turkish": "Europe/Istanbul",
        "russian": "Europe/Moscow",
        "lebanese": "Asia/Beirut",
        "british": "Europe/London",
    }
)


def _fold(name: str) -> str:
    """Lower case, no diacritics, curly quotes straightened, spaces collapsed."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("’", "'").replace("‘", "'").replace("ʿ", "'").replace("ʾ", "'")
    return re.sub(r"\s+", " ", text).strip().lower()


def timezone_for_place(name: str) -> str | None:
    """The IANA time zone of a dateline place (city, country), or None when not in the table.

    Case, diacritics, a trailing "(Reuters)" and ", Country" parts do not matter:

    >>> timezone_for_place("IDLIB, Syria (Reuters)")
    'Asia/Damascus'
    >>> timezone_for_place("Sochi"), timezone_for_place("Geneva"), timezone_for_place("Atlantis")
    ('Europe/Moscow', 'Europe/Zurich', None)
    """
    text = _fold(re.sub(r"\([^)]*\)", " ", name)).strip(" -—–:,.")
    if not text:
        return None
    for candidate in [text, *(p.strip(" .") for p in text.split(","))]:
        if candidate in _PLACE_ZONES:
            return _PLACE_ZONES[candidate]
        bare = candidate.replace(".", "")
        if bare in _PLACE_ZONES:
            return _PLACE_ZONES[bare]
    return None


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError("unknown time zone", field="timezone", value=name) from None


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


# --------------------------------------------------------------------------- candidates


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    resolve: _Resolver
    kind: str  # "day" takes times and parts of day, "period" takes thirds, "other" neither


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
    for m in _MDY_RE.finditer(text):
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
            if y:  # also without the year, should the weekday extension need it
                pass
    for m in _DMY_RE.finditer(text):
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


def resolve_dates(
    text: str,
    published: dt.date,
    *,
    timezone: str = "Asia/Damascus",
    tense: str | None = None,
    anchor: dt.datetime | None = None,
) -> list[DateMention]:
    """Every date or time phrase in ``text``, resolved against the ``published`` date.

    ``timezone`` is the IANA zone of the place (see :func:`timezone_for_place`); ``tense`` forces
    the direction for the whole text, otherwise each mention takes its clause's tense.
    ``anchor`` (naive local or aware) starts durations that no earlier mention in their
    sentence anchors. Mentions come sorted by offset and never overlap (the longest phrase wins).

    >>> [(m.text, m.earliest.date().isoformat(), m.granularity)
    ...  for m in resolve_dates("Fighting on Feb. 27 killed 33 soldiers.", dt.date(2020, 3, 5))]
    [('Feb. 27', '2020-02-27', 'day')]
    """
    if isinstance(published, dt.datetime):
        published = published.date()
    if not isinstance(published, dt.date):
        raise InputError("publication date must be a date", field="published", value=published)
    if tense is not None and tense not in _TENSES:
        raise InputError("tense must be past, future or present", field="tense", value=tense)
    zone = _zone(timezone)
    ctx = _Ctx(published, zone)
    if anchor is not None and anchor.tzinfo is not None:
        anchor = anchor.astimezone(zone).replace(tzinfo=None)
    default_anchor = anchor if anchor is not None else ctx.pub

    candidates: list[_Candidate] = []
    for core in _cores(text):
        candidates.extend(_extend(text, core))
    sentences = split_sentences(text)

    mentions: list[DateMention] = []
    previous: tuple[int, dt.datetime] | None = None  # (sentence start, earliest)
    for c in _select(candidates):
        sentence_start = next((a for a, b, _ in sentences if a <= c.start < b), 0)
        here_tense = tense or tense_at(text, sentences, c.start, c.end)
        here_anchor = (
            previous[1]
            if previous is not None and previous[0] == sentence_start
            else default_anchor
        )
        try:
            span = c.resolve(ctx, here_tense, here_anchor)
        except (ValueError, OverflowError):
            continue
        earliest = span.start.replace(tzinfo=zone)
        mentions.append(
            DateMention(
                start=c.start,
                end=c.end,
                text=text[c.start : c.end],
                earliest=earliest,
                latest=span.end.replace(tzinfo=zone),
                granularity=span.granularity,
                rule=span.rule,
            )
        )
        previous = (sentence_start, span.start)
    return mentions
