"""Debris rules for scraped news text: what to drop, and what metadata the dropped line carries.

Scraped text from news sites (and the main text trafilatura pulls out of a page) is full of lines
that are not the story: "ADVERTISEMENT", photo captions with their credits, the reporters'
contact lines, "--With assistance from ...", "(c)2020 Bloomberg L.P.", share and subscribe
prompts. Each kind is one named :class:`DebrisRule` in :data:`RULES`: a regular expression that
a whole line must match, and an optional *harvest* function that keeps what the line says
(reporters' names, assisting reporters, publisher, year, publication date) before it goes.

The rules are tried in order on every stripped line; the first match wins. Rules that need the
document as a whole (the repeated headline, contact blocks running over several lines) live in
:mod:`ceasefire.news.article`, which applies these rules.

>>> from ceasefire.news.debris import Harvest, match_rule
>>> h = Harvest()
>>> match_rule("--With assistance from Firat Demir and Henry Morgan.", h)
'with-assistance'
>>> h.assisting
['Firat Demir', 'Henry Morgan']
>>> match_rule("Russia and Turkey agreed on a cease-fire.", h) is None
True
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

__all__ = [
    "RULES",
    "DebrisRule",
    "Harvest",
    "looks_like_name",
    "match_rule",
    "parse_date",
    "split_names",
]


@dataclass
class Harvest:
    """What the removed lines told us, collected while cleaning one article."""

    authors: list[str] = field(default_factory=list)
    assisting: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    photographers: list[str] = field(default_factory=list)
    publisher: str | None = None
    year: int | None = None
    published: date | None = None
    #: the contact block being read ("contact-reporters"/"contact-editors"), for continuation lines
    contact: str | None = None


class DebrisRule(NamedTuple):
    """One kind of debris: its name (as recorded in ``Article.removed``), the regular expression a
    stripped line must match (``search``), and what to keep from the match before dropping it."""

    name: str
    pattern: re.Pattern[str]
    harvest: Callable[[re.Match[str], Harvest], None] | None


_PARTICLES = frozenset(
    [
        "al",
        "el",
        "as",
        "ash",
        "ad",
        "ar",
        "bin",
        "ibn",
        "bint",
        "abu",
        "de",
        "da",
        "del",
        "della",
        "di",
        "du",
        "van",
        "von",
        "der",
        "den",
        "ter",
        "la",
        "le",
    ]
)


def looks_like_name(text: str) -> bool:
    """A person's name: 1 to 6 words, capitalised (particles such as *al*, *van* allowed),
    no digits, no e-mail.

    >>> looks_like_name("Recep Tayyip Erdogan"), looks_like_name("Hadi al-Bahra")
    (True, True)
    >>> looks_like_name("the editors"), looks_like_name("x@example.com")
    (False, False)
    """
    words = text.split()
    if not 1 <= len(words) <= 6 or any(c.isdigit() or c == "@" for c in text):
        return False
    if not words[0][0].isupper() or words[-1] in _PARTICLES:
        return False
    return all(w[0].isupper() or w.split("-")[0] in _PARTICLES for w in words)


def split_names(text: str) -> list[str]:
    """Names from ``"A, B and C."``/``"A; B"``, keeping only what looks like a name.

    >>> split_names("Firat Demir, Anna Lee and Henry Morgan.")
    ['Firat Demir', 'Anna Lee', 'Henry Morgan']
    """
    parts = re.split(r"\s*;\s*|\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*", text.strip().rstrip("."))
    return [p.strip() for p in parts if p.strip() and looks_like_name(p.strip())]


def _contact_names(text: str) -> list[str]:
    """``"A in Moscow at a@x.com;B in Ankara at b@x.com"`` -> the names before " in "/" at "."""
    chunks = re.split(r"\s*;\s*", text.strip().rstrip(";."))
    if len(chunks) == 1:
        chunks = re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+", chunks[0])
    names = []
    for chunk in chunks:
        name = re.split(r"\s+(?:in|at)\s+|\s+\S+@\S+", chunk.strip(), maxsplit=1)[0].strip(" ,.")
        if looks_like_name(name):
            names.append(name)
    return names


_MONTHS = {
    m: i
    for i, ms in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in ms
}
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE_RE = (
    rf"(?:(?P<mon>{_MONTH})\s+(?P<day>\d{{1,2}}),?\s+(?P<year>\d{{4}})"
    rf"|(?P<day2>\d{{1,2}})\s+(?P<mon2>{_MONTH}),?\s+(?P<year2>\d{{4}})"
    r"|(?P<iso>\d{4}-\d{2}-\d{2}))"
)


def parse_date(match: re.Match[str]) -> date | None:
    """The date a :data:`_DATE_RE` match names, or None when it is not a real date."""
    try:
        if match["iso"]:
            return date.fromisoformat(match["iso"])
        mon, day, year = (
            (match["mon"], match["day"], match["year"])
            if match["mon"]
            else (match["mon2"], match["day2"], match["year2"])
        )
        return date(int(year), _MONTHS[mon.lower().rstrip(".")], int(day))
    except (ValueError, KeyError):
        return None


def _reporters(m: re.Match[str], h: Harvest) -> None:
    h.authors += _contact_names(m[1])
    h.contact = "contact-reporters"


def _editors(m: re.Match[str], h: Harvest) -> None:
    h.editors += _contact_names(m[1])
    h.contact = "contact-editors"


def _assisting(m: re.Match[str], h: Harvest) -> None:
    h.assisting += split_names(m[1])


def _byline(m: re.Match[str], h: Harvest) -> None:
    h.authors += split_names(m[1])


def _photographer(m: re.Match[str], h: Harvest) -> None:
    credit = (m["credit"] or m["credit2"] or "").split("/")[0].strip()
    if looks_like_name(credit):
        h.photographers.append(credit)


_ABBREVIATION_END = re.compile(r"(?:\b(?:[A-Z]\.){1,4}|\b(?:Inc|Ltd|Co|Corp|Bros)\.)$")


def _copyright(m: re.Match[str], h: Harvest) -> None:
    year = max(int(y) for y in re.findall(r"(?:19|20)\d{2}", m["years"]))
    publisher = re.sub(r"\s*\ball rights reserved\b.*$", "", m["who"], flags=re.I).strip(" ,")
    if publisher.endswith(".") and not _ABBREVIATION_END.search(publisher):
        publisher = publisher[:-1].rstrip()
    h.year = h.year or year
    if publisher and h.publisher is None:
        h.publisher = publisher


def _timestamp(m: re.Match[str], h: Harvest) -> None:
    if (m["verb"] or "").lower() != "updated" and h.published is None:
        h.published = parse_date(m)


_I = re.IGNORECASE
_NAME = r"[A-Z][\w'’.-]+(?:\s+(?:[A-Z][\w'’.-]+|al-\w+|al|bin|de|van|von)){1,4}"
_TIME = (
    r"(?:\s*(?:,|at|\||-|—)?\s*\d{1,2}[:.]\d{2}(?:[:.]\d{2})?\s*(?:[ap]\.?m\.?)?"
    r"(?:\s*[A-Z]{2,4}(?:\s*[+-]\s*\d{1,2}(?::?\d{2})?)?)?)?"
)
_WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:[a-z]*day)?\.?,?\s+)?"

#: Every debris rule, in the order they are tried. ``Article.removed`` records the rule's name.
RULES: tuple[DebrisRule, ...] = (
    # "ADVERTISEMENT" and its cousins, alone on a line
    DebrisRule(
        "advertisement",
        re.compile(
            r"^(?:advertisements?|sponsored(?: content)?|ad feedback|"
            r"story continues (?:below|after) (?:this )?advertisement|"
            r"continue reading (?:the main story|below))$",
            _I,
        ),
        None,
    ),
    # a photo caption: any line carrying a "(Photographer: NAME/AGENCY)" credit, or the bare credit
    DebrisRule(
        "photo-caption",
        re.compile(
            r"\((?:photographer|photo(?:graph)?(?: credit)?|image credit)\s*:\s*(?P<credit>[^)]*)\)"
            r"|^(?:photographer|photo credit)\s*:\s*(?P<credit2>.+)$",
            _I,
        ),
        _photographer,
    ),
    # "To contact the reporter(s) on this story: NAME in CITY at EMAIL;NAME ..." (names harvested)
    DebrisRule(
        "contact-reporters",
        re.compile(r"^to contact the reporters? (?:on|for|of) this story\s*:?\s*(.*)$", _I),
        _reporters,
    ),
    # "To contact the editors responsible for this story: ..." (editors are not authors)
    DebrisRule(
        "contact-editors",
        re.compile(r"^to contact the editors? responsible for this story\s*:?\s*(.*)$", _I),
        _editors,
    ),
    # "--With assistance from A and B." (names harvested into Article.assisting)
    DebrisRule(
        "with-assistance",
        re.compile(r"^(?:-{1,2}|[—–])?\s*with assistance (?:from|by)\s+(.+)$", _I),
        _assisting,
    ),
    # "(c)2020 Bloomberg L.P." / "© 2020 ..." / "Copyright 2020 The Associated Press. All rights..."
    DebrisRule(
        "copyright",
        re.compile(
            r"^(?:\(c\)|©|copyright)\s*(?:©|\(c\))?\s*"
            r"(?P<years>(?:19|20)\d{2}(?:\s*[-–]\s*(?:19|20)\d{2})?)\s*,?\s*(?P<who>.*)$",
            _I,
        ),
        _copyright,
    ),
    # a line that is only a date and time: "March 5, 2020, 7:41 PM GMT+3", "Updated on 5 March 2020"
    DebrisRule(
        "timestamp",
        re.compile(
            rf"^(?:(?P<verb>published|posted|updated)(?:\s+on)?\s*:?\s*)?{_WEEKDAY}{_DATE_RE}{_TIME}$",
            _I,
        ),
        _timestamp,
    ),
    # "By NAME and NAME" alone on a line (names harvested; "By Thursday, ..." is not a byline)
    DebrisRule(
        "byline",
        re.compile(
            rf"^By\s+({_NAME}(?:\s*(?:,|and|&)\s*{_NAME})*)\s*(?:[|,]\s*[A-Z][\w .&-]{{0,60}})?$"
        ),
        _byline,
    ),
    # an editor's note on a wire story: "(Updates with Erdogan's comments in fifth paragraph.)"
    DebrisRule(
        "update-note",
        re.compile(r"^\((?:updates|adds|corrects|recasts|rewrites|changes|fixes)\b[^()]*\)$", _I),
        None,
    ),
    # share prompts and the buttons' labels
    DebrisRule(
        "share-prompt",
        re.compile(
            r"^(?:share(?: this(?: article| story| page)?| on \w+| via \w+)?|tweet|e-?mail|print|"
            r"copy link|save(?: article)?|gift this article)\s*:?$",
            _I,
        ),
        None,
    ),
    # "Subscribe to ...", "Sign up for ...", newsletter offers (short lines only)
    DebrisRule(
        "subscribe-prompt",
        re.compile(
            r"^(?:subscribe(?: (?:to|now|for|today|here))?\b|sign up (?:for|to|here|now|today)\b|"
            r"get (?:our|the) .{0,40}newsletter|newsletter sign[- ]?up).{0,150}$",
            _I,
        ),
        None,
    ),
    # "Follow us on Twitter", "Follow @Reuters", "Follow Bloomberg on Facebook"
    DebrisRule(
        "follow-prompt",
        re.compile(
            r"^follow (?:us\b|@\w+|[\w ]{1,40} on (?:twitter|facebook|x|instagram)).{0,150}$", _I
        ),
        None,
    ),
    # "Click here to ..."
    DebrisRule("click-here", re.compile(r"^click here\b.{0,150}$", _I), None),
    # "Read more: ...", "Related: ...", "See also ..."
    DebrisRule(
        "read-more",
        re.compile(
            r"^(?:read more|read also|also read|see also|more on this|related"
            r"(?: (?:coverage|stories|articles|story|content|news))?)\b\s*(?::.{0,200})?$",
            _I,
        ),
        None,
    ),
    # cookie banners that survive main-text extraction
    DebrisRule(
        "cookie-notice",
        re.compile(
            r"^(?:we use cookies\b|this (?:web)?site uses cookies\b|accept (?:all )?cookies)"
            r".{0,200}$",
            _I,
        ),
        None,
    ),
    # Bloomberg's (and others') page furniture
    DebrisRule(
        "site-furniture",
        re.compile(
            r"^(?:most read from \w+|have a confidential tip for our reporters\?.*|"
            r"before it['’]s here, it['’]s on the bloomberg terminal\.?|learn more|"
            r"listen to this article(?:\s*\d+:\d+)?|"
            r"(?:for more articles like this, please visit us at|"
            r"more stories like this are available on) [\w.]+\.\w+\.?)$",
            _I,
        ),
        None,
    ),
)


def match_rule(line: str, harvest: Harvest) -> str | None:
    """The name of the first rule ``line`` (stripped) matches, after harvesting from it, or None."""
    line = unicodedata.normalize("NFC", line.strip())
    for rule in RULES:
        m = rule.pattern.search(line)
        if m:
            if rule.harvest is not None:
                rule.harvest(m, harvest)
            return rule.name
    return None
