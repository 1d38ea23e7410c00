"""The report's languages: gettext catalogs, the words of its closed vocabularies, dates in
words and place names.

English is the source language: its text is the ``msgid`` of every message, and it is written
with null translations (the English report is what it was before catalogs). Every other
language has a catalog, ``locale/<lang>/LC_MESSAGES/report.po`` beside this module, compiled to
``report.mo`` (committed; ``make i18n`` re-extracts ``locale/report.pot``, updates the
catalogs and compiles them, and a test holds each ``.mo`` equal to its ``.po``). Python's
``gettext`` reads the ``.mo``; nothing is fetched or compiled at run time.

:class:`Words` is one language's: its ``gettext``, the closed vocabularies (verdicts, review
and obligation statuses, zone and claim kinds), month names and dates, and place names (in
Arabic from the OCHA boundaries, :mod:`ceasefire.situation.place_names`). Text from the
evidence (actors, notes, reasons the engine wrote) is never translated.

>>> words("ar").month(7), words("en").month(7)
('تموز', 'July')
>>> words("ar").label("possible_violation"), words("en").label("possible_violation")
('انتهاك محتمل', 'possible violation')
>>> words("ar").direction, words("en").direction
('rtl', 'ltr')
"""

from __future__ import annotations

import datetime as dt
import gettext as _gettext
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Final

from ..errors import InputError
from .place_names import arabic_name

__all__ = ["DOMAIN", "LANGUAGES", "LOCALE_DIR", "RTL", "SOURCE_LANGUAGE", "Words", "words"]

#: Where the catalogs are: ``<lang>/LC_MESSAGES/report.po`` and ``.mo``, and ``report.pot``.
LOCALE_DIR: Final = Path(__file__).resolve().parent / "locale"
#: The gettext domain (the catalogs' file name).
DOMAIN: Final = "report"
#: The language the templates and the code are written in (no catalog).
SOURCE_LANGUAGE: Final = "en"
#: The languages written right to left.
RTL: Final = frozenset({"ar", "fa", "he", "ur"})
#: The languages a report is written in: English and every language with a compiled catalog.
LANGUAGES: Final = (
    SOURCE_LANGUAGE,
    *sorted(
        p.parent.parent.name
        for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")
        if p.parent.parent.name != SOURCE_LANGUAGE
    ),
)


def _vocabulary(_: Callable[[str], str]) -> dict[str, str]:
    """The closed vocabularies' words by key, translated by ``_`` (literal strings, for the
    catalog to extract). The English of each is its key with ``_`` read as a space, which is
    how the English report has always written them."""
    return {
        # verdicts (ceasefire.compliance.VERDICTS) and a claim's event without one
        "violation": _("violation"),
        "possible_violation": _("possible violation"),
        "exempt": _("exempt"),
        "compliant": _("compliant"),
        "outside": _("outside"),
        "no finding": _("no finding"),
        # review statuses (ceasefire.findings.REVIEW_STATUSES)
        "unreviewed": _("unreviewed"),
        "confirmed": _("confirmed"),
        "disputed": _("disputed"),
        "overruled": _("overruled"),
        "needs_info": _("needs info"),
        "stale": _("stale"),
        # obligation statuses (ceasefire.compliance.OBLIGATION_STATUSES)
        "pending": _("pending"),
        "met": _("met"),
        "late": _("late"),
        "no_evidence": _("no evidence"),
        "contrary_evidence": _("contrary evidence"),
        "no_contrary_evidence": _("no contrary evidence"),
        "not_checkable": _("not checkable"),
        "unmet": _("unmet"),
        # a breach no party is known for (ceasefire.findings' by_party)
        "unattributed": _("unattributed"),
        # zone kinds (ceasefire.zones.Zone.kind)
        "area": _("area"),
        "corridor": _("corridor"),
        "route": _("route"),
        # claim kinds (ceasefire.news.claims.Claim.kind)
        "accusation": _("accusation"),
        "intent": _("intent"),
        "denial": _("denial"),
        "statement": _("statement"),
    }


def _months(_: Callable[[str], str]) -> tuple[str, ...]:
    """The months' names (fixed: ``%B`` would follow the machine's locale)."""
    return (
        _("January"),
        _("February"),
        _("March"),
        _("April"),
        _("May"),
        _("June"),
        _("July"),
        _("August"),
        _("September"),
        _("October"),
        _("November"),
        _("December"),
    )


def _month_abbreviations(_: Callable[[str], str]) -> tuple[str, ...]:
    """The months' names as the timeline's axis writes them."""
    return (
        _("Jan"),
        _("Feb"),
        _("Mar"),
        _("Apr"),
        _("May"),
        _("Jun"),
        _("Jul"),
        _("Aug"),
        _("Sep"),
        _("Oct"),
        _("Nov"),
        _("Dec"),
    )


@dataclass(frozen=True)
class Words:
    """One language's words for a report: ``gettext`` (its catalog), the closed
    vocabularies, months, dates and place names."""

    lang: str
    translations: _gettext.NullTranslations
    vocabulary: Mapping[str, str] = field(repr=False)

    @property
    def translated(self) -> bool:
        """Whether this is another language than the source (English)."""
        return self.lang != SOURCE_LANGUAGE

    @property
    def direction(self) -> str:
        """``rtl`` or ``ltr``: how the language is written."""
        return "rtl" if self.lang in RTL else "ltr"

    def gettext(self, message: str) -> str:
        """``message`` (fixed text) in this language."""
        return self.translations.gettext(message)

    def label(self, key: object) -> str:
        """A closed vocabulary's key in words (``possible_violation``: possible violation);
        an unknown key is itself, its ``_`` read as a space."""
        return self.vocabulary.get(str(key), str(key).replace("_", " "))

    def word(self, key: object) -> str:
        """Like :meth:`label`, but an unknown key is itself as written."""
        return self.vocabulary.get(str(key), str(key))

    def month(self, number: int) -> str:
        """The month's name (1: January)."""
        return _months(self.gettext)[number - 1]

    def month_abbreviation(self, number: int) -> str:
        """The month's name as the timeline's axis writes it (English: Jan)."""
        return _month_abbreviations(self.gettext)[number - 1]

    def date(self, day: dt.date) -> str:
        """A day in words: English keeps the ISO date (``2019-07-10``) the report has always
        written; another language writes its month name (``10 تموز 2019``)."""
        if not self.translated:
            return day.isoformat()
        return self.gettext("{day} {month} {year}").format(
            day=day.day, month=self.month(day.month), year=day.year
        )

    def period(self, unit: str, first: dt.date, last: dt.date) -> str:
        """A period in words: the English is :attr:`ceasefire.situation.Period.label`."""
        if unit == "day":
            return self.date(first)
        if unit == "week":
            return self.gettext("week of {first} to {last}").format(
                first=self.date(first), last=self.date(last)
            )
        return self.gettext("{month} {year}").format(month=self.month(first.month), year=first.year)

    def place(self, name: object) -> str:
        """A place name as this language writes it: Arabic from the OCHA boundaries where they
        give one (:func:`~ceasefire.situation.place_names.arabic_name`), else as written."""
        text = "" if name is None else str(name)
        return arabic_name(text) if self.lang == "ar" and text else text


@cache
def words(lang: str = SOURCE_LANGUAGE) -> Words:
    """The :class:`Words` of ``lang`` (one of :data:`LANGUAGES`), its catalog read once."""
    if lang not in LANGUAGES:
        raise InputError(f"lang: must be one of {', '.join(LANGUAGES)} ({lang!r})")
    if lang == SOURCE_LANGUAGE:
        translations = _gettext.NullTranslations()
    else:
        translations = _gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang])
    return Words(lang, translations, _vocabulary(translations.gettext))
