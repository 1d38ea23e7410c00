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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import InputError
from .date_conventions import Ctx
from .date_phrases import find_date_phrases
from .sentences import split_sentences
from .tense import sentence_tense, tense_at
from .timezones import timezone_for_place as timezone_for_place
from .timezones import zone_info

if TYPE_CHECKING:
    from ..agreements import TimeSpec

__all__ = ["DateMention", "resolve_dates", "sentence_tense", "timezone_for_place"]

_TENSES = ("past", "future", "present")


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
    zone = zone_info(timezone)
    ctx = Ctx(published, zone)
    if anchor is not None and anchor.tzinfo is not None:
        anchor = anchor.astimezone(zone).replace(tzinfo=None)
    default_anchor = anchor if anchor is not None else ctx.pub

    phrases = find_date_phrases(text)
    sentences = split_sentences(text)

    mentions: list[DateMention] = []
    previous: tuple[int, dt.datetime] | None = None  # (sentence start, earliest)
    for c in phrases:
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
