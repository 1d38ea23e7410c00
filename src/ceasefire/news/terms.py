"""Agreement terms in news text, as a draft agreement in the project's YAML format (issue 3,
item 6).

Sentences that create or describe an agreement become draft provisions, value by value; every
value keeps the sentence and the character span it came from and is marked for review. The
rules are regular expressions and small word lists over sentences:

==================  ============================================================================
provision           recognised from
==================  ============================================================================
security_corridor   "a 12-kilometer-wide security corridor" (``width_each_side_km`` = half),
                    "6 km deep to the north and 6 km deep to the south of", "six kilometers on
                    each side"; ``route`` ``m4-trumba-ain-al-havr`` when the M4 is named
joint_patrol        "joint (Russian-Turkish) patrols" with the demonyms as ``parties``, ``start``
                    from the date after it ("from March 15"), ``route`` from an M4 in the sentence
ceasefire           "cease-fire / ceasefire / truce" + "takes effect / will begin / comes into
                    force / starts" + a date ("at midnight Thursday", "at 00:01 on March 6");
                    ``zone`` ``idlib-de-escalation-area`` when Idlib is named
demilitarised_zone  "demilitarized zone 15-20 km deep" (``depth_km``); ``zone`` ``sochi-dmz`` when
                    Sochi or 2018 is named in the sentence or the one before
weapons_withdrawal  "withdraw heavy weapons (tanks, rocket launchers, artillery, mortars) ... by
                    <date>" (``deadline``: the end of that day)
deadline            "within 7 days" (``due``: the end of the window)
==================  ============================================================================

Besides: the agreement it supplements ("a supplement to a deal first agreed in 2018", "an
addition to the Sochi memorandum" -> ``sochi-2018``), the parties ("Russia and Turkey agreed",
"Putin and Erdogan"), the signing day and place ("agreed on Thursday ... in Moscow").

Dates come from :func:`ceasefire.news.dates.resolve_dates` (news conventions: "midnight
Thursday" is the end of Thursday); a bare month and day in a sentence that names another year
("by October 10" next to "September 2018") takes that year. Terms the article describes for an
earlier agreement (the Sochi zone and its withdrawal deadline) are flagged ``earlier``. Where the
signing place lies in another time zone than ``timezone``, its zone is added to times as an
alternative reading (the text rarely says which clock it means).

:func:`draft_yaml` writes the draft: fields that news cannot give (the route's end points, a
start the article does not state, ...) are ``TODO`` placeholders, and it validates with
:func:`ceasefire.agreements.parse_agreement` once they are filled.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..vocab import ProvisionType
from .agreement_yaml import draft_yaml
from .dates import DateMention, resolve_dates, timezone_for_place
from .sentences import Sentence, split_sentences
from .term_drafts import DraftAgreement, DraftProvision, TermValue

__all__ = ["DraftAgreement", "DraftProvision", "TermValue", "draft_yaml", "extract_terms"]


def extract_terms(
    text: str, published: dt.date, *, timezone: str = "Asia/Damascus"
) -> DraftAgreement:
    """The agreement terms an article states, as a draft (see the module docstring).

    >>> d = extract_terms("The truce takes effect at midnight Thursday in Idlib.",
    ...                   dt.date(2020, 3, 5))
    >>> [(v.key, v.text) for v in d.provisions[0].values]
    [('effective_from', 'midnight Thursday'), ('zone', 'Idlib')]
    >>> d.provisions[0].get("effective_from").value.label()
    '2020-03-05'
    """
    sentences = split_sentences(text)
    ctx = _Ctx(
        text, published, timezone, sentences, resolve_dates(text, published, timezone=timezone), []
    )
    parties = _parties(ctx)
    signed_date, signed_place = _signing(ctx)
    if signed_place is not None:
        zone = timezone_for_place(str(signed_place.value))
        if zone and zone != timezone:
            ctx.alternatives = [zone]
    provisions: list[DraftProvision] = []
    for i, s in enumerate(sentences):
        previous = sentences[i - 1] if i else None
        found = [
            *_ceasefire(ctx, s),
            *_corridor(ctx, s),
            *_patrol(ctx, s),
            *_dmz(ctx, s, previous),
            *_withdrawal(ctx, s, previous),
            *_deadlines(ctx, s),
        ]
        for p in found:
            provisions = _merge(provisions, p)
    # parties named only by the patrols still need to be parties
    have = {p.value for p in parties}
    for prov in provisions:
        for v in prov.all("parties"):
            for pid in v.value if isinstance(v.value, list) else []:
                if pid not in have:
                    have.add(pid)
                    parties.append(ctx.value("party", pid, v.start, v.end))
    return DraftAgreement(
        tuple(provisions), _supplements(ctx), tuple(parties), signed_date, signed_place
    )


# The provision rules behind extract_terms: word lists and regular expressions, the reading
# context of one article, and one recogniser per provision type (cease-fire, security corridor,
# joint patrol, demilitarised zone, weapons withdrawal, deadline), plus the parties, the signing
# day and place and the agreement a text supplements.

# --------------------------------------------------------------------------- word lists

_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
_NUM = r"(?:\d+(?:\.\d+)?|" + "|".join(_NUMBER_WORDS) + r")"
_KM = r"(?:km|kilomet(?:er|re)s?)"
_WIDE_RE = re.compile(rf"(?i)\b(?P<n>{_NUM})[-\s]?{_KM}[-\s]wide\b")
_EACH_SIDE_RE = re.compile(
    rf"(?i)\b(?P<n>{_NUM})[-\s]?{_KM}(?:[-\s](?:deep|wide))?\s+(?:"
    rf"to\s+the\s+(?:north|south|east|west)\s+and\s+(?:(?:{_NUM})[-\s]?{_KM}(?:[-\s]deep)?\s+)?"
    r"(?:to\s+the\s+)?(?:north|south|east|west)"
    r"|on\s+(?:each|either|both)\s+sides?|(?:on\s+)?each\s+side|either\s+side)"
)
_CORRIDOR_RE = re.compile(r"(?i)\b(?:security|safe|buffer)\s+corridor\b|\bcorridor\b")
_M4_RE = re.compile(r"\bM-?4\b")
_IDLIB_RE = re.compile(r"\bIdli?e?b\b")
_SOCHI_RE = re.compile(r"\bSochi\b|\b2018\b")
_EARLIER_RE = re.compile(
    r"(?i)\b(?:Sochi|2018|previous|earlier|first\s+agreed|that\s+(?:memorandum|deal|agreement))\b"
)
_PATROL_RE = re.compile(
    r"(?i)\bjoint\s+(?:(?P<dem>(?:Russian|Turkish|Syrian|Iranian|American)"
    r"(?:[-–](?:Russian|Turkish|Syrian|Iranian|American))+)\s+)?(?:military\s+)?patrols?\b"
    r"|\bpatrol(?:s|led)?\s+jointly\b"
)
_DEMONYM_PARTY = {
    "russian": "russia",
    "turkish": "turkey",
    "syrian": "syria",
    "iranian": "iran",
    "american": "united-states",
}
_DEMONYM_RE = re.compile(r"\b(?:Russian|Turkish|Syrian|Iranian|American)\b")
_CEASEFIRE_RE = re.compile(r"(?i)\b(?:cease-?\s?fire|truce)\b")
_STARTS_RE = re.compile(
    r"(?i)\b(?:(?:takes?|took|will\s+take|to\s+take|would\s+take)\s+effect"
    r"|(?:will\s+|would\s+|to\s+)?(?:begins?|began|start(?:s|ed)?|comes?|came|enters?|entered"
    r"|goes|went)(?:\s+into\s+(?:force|effect))?"
    r"|effective\s+(?:from|at|as\s+of|on))\b"
)
_DMZ_RE = re.compile(r"(?i)\b(?:de-?militari[sz]ed|buffer)\s+zone\b|\bDMZ\b")
_DEPTH_RE = re.compile(
    rf"(?i)\b(?P<a>{_NUM})\s*(?:-|–|to)\s*(?P<b>{_NUM})[-\s]?{_KM}(?:[-\s](?:deep|wide))?"
    rf"|\b(?P<c>{_NUM})[-\s]?{_KM}[-\s](?:deep|wide)\b"
)
_WITHDRAW_RE = re.compile(r"(?i)\b(?:withdraw(?:al|s|n|ing)?|pull(?:ed)?\s+(?:back|out))\b")
_WEAPONS = {
    "heavy weapons": ["tanks", "multiple_rocket_launchers", "artillery", "mortars"],
    "tanks": ["tanks"],
    "multiple rocket launchers": ["multiple_rocket_launchers"],
    "multiple launch rocket systems": ["multiple_rocket_launchers"],
    "rocket launchers": ["multiple_rocket_launchers"],
    "mlrs": ["multiple_rocket_launchers"],
    "artillery": ["artillery"],
    "mortars": ["mortars"],
}
_WEAPONS_RE = re.compile(
    r"(?i)\b(?:" + "|".join(sorted((re.escape(k) for k in _WEAPONS), key=len, reverse=True)) + ")"
)
_SUPPLEMENT_RE = re.compile(
    r"(?i)\b(?:an?\s+)?(?:supplement|addition|addendum|annex|amendment|add-on|additional"
    r"\s+protocol)\s+to\s+(?:the|a|an|their|its)?\s*(?:[\w-]+\s+){0,4}?(?:deal|agreement|"
    r"memorandum|accord|pact|understanding)\b(?:[^.;,]{0,60})"
)
_PARTY_NAMES = {
    "Russia": "russia",
    "Moscow": "russia",
    "Putin": "russia",
    "Turkey": "turkey",
    "Ankara": "turkey",
    "Erdogan": "turkey",
    "Erdoğan": "turkey",
    "Syria": "syria",
    "Damascus": "syria",
    "Assad": "syria",
    "Iran": "iran",
    "Tehran": "iran",
    "Rouhani": "iran",
}
_PARTY_WORD = "|".join(sorted(_PARTY_NAMES, key=len, reverse=True))
_PARTY_PAIR_RE = re.compile(rf"\b(?P<a>{_PARTY_WORD})\s+and\s+(?P<b>{_PARTY_WORD})\b")
_AGREEMENT_WORDS_RE = re.compile(
    r"(?i)\b(?:agree[sd]?|deal|accord|truce|cease-?fire|memorandum|protocol|talks|signed|"
    r"reached|struck|sealed)\b"
)
_SIGNED_RE = re.compile(r"(?i)\b(?:agreed|signed|reached|struck|sealed)\b")
_PLACE_RE = re.compile(
    r"\b(?:in|at)\s+(?:the\s+)?(?P<p>Moscow|Kremlin|Sochi|Ankara|Istanbul|Astana|Nur-Sultan"
    r"|Geneva|Tehran|Damascus)\b"
)
_OBLIGATION_RE = re.compile(
    r"(?i)\b(?:must|shall|should|will|(?:have|has|need|needs|is|are)\s+to)\b"
)
_DATELINE_RE = re.compile(r"^\s*(?P<p>[A-Z][A-Z .'-]{2,})(?:,\s*[A-Za-z ]+)?\s*\(")


def _number(word: str) -> float:
    """A number in digits or in words.

    >>> _number("twelve"), _number("6")
    (12.0, 6.0)
    """
    w = word.lower()
    return float(_NUMBER_WORDS[w]) if w in _NUMBER_WORDS else float(w)


# --------------------------------------------------------------------------- extraction


@dataclass
class _Ctx:
    text: str
    published: dt.date
    timezone: str
    sentences: list[Sentence]
    mentions: list[DateMention]
    alternatives: list[str]

    def value(self, key: str, value: object, start: int, end: int) -> TermValue:
        return TermValue(key, value, self.sentence_of(start), start, end)

    def sentence_of(self, pos: int) -> Sentence:
        for s in self.sentences:
            if s[0] <= pos < s[1]:
                return s
        return next((s for s in self.sentences if s[0] >= pos), (0, len(self.text), self.text))

    def mentions_in(self, s: Sentence) -> list[DateMention]:
        return [m for m in self.mentions if s[0] <= m.start < s[1]]

    def year_fixed(self, m: DateMention, s: Sentence) -> DateMention:
        """A bare month and day takes the year another date of its sentence names."""
        if m.granularity != "day" or re.search(r"\b\d{4}\b", m.text):
            return m
        years = {int(y) for y in re.findall(r"\b((?:19|20)\d\d)\b", s[2])}
        if len(years) != 1:
            return m
        (year,) = years
        if m.earliest.year == year:
            return m
        again = resolve_dates(m.text, dt.date(year, 12, 31), timezone=self.timezone, tense="past")
        if len(again) != 1:
            return m
        a = again[0]
        return DateMention(m.start, m.end, m.text, a.earliest, a.latest, a.granularity, a.rule)

    def obligation_fixed(self, m: DateMention, s: Sentence) -> DateMention:
        """A bare month and day that an obligation must meet ("must ... by March 20") lies ahead,
        even when the sentence reports it in the past ("agreed that rebels must ...")."""
        if m.granularity != "day" or re.search(r"\b\d{4}\b", m.text):
            return m
        if not _OBLIGATION_RE.search(s[2]) or m.earliest.date() >= self.published:
            return m
        again = resolve_dates(m.text, self.published, timezone=self.timezone, tense="future")
        if len(again) != 1:
            return m
        a = again[0]
        return DateMention(m.start, m.end, m.text, a.earliest, a.latest, a.granularity, a.rule)

    def timespec(self, m: DateMention, *, end: bool = False) -> object:
        alternatives = [] if re.search(r"(?i)GMT|UTC|\btime\b", m.text) else self.alternatives
        return m.to_timespec(end=end, alternative_timezones=alternatives)


def _merge(provisions: list[DraftProvision], new: DraftProvision) -> list[DraftProvision]:
    """A second description of the same provision adds its values to the first."""
    for i, p in enumerate(provisions):
        if p.type != new.type or p.earlier != new.earlier or p.type == ProvisionType.DEADLINE:
            continue
        clash = any(
            (a := p.get(key)) is not None and (b := new.get(key)) is not None and a.value != b.value
            for key in ("zone", "route")
        )
        if clash:
            continue
        out = list(provisions)
        values = p.values + tuple(v for v in new.values if v not in p.values)
        out[i] = DraftProvision(p.type, values, p.earlier)
        return out
    return [*provisions, new]


def _ceasefire(ctx: _Ctx, s: Sentence) -> list[DraftProvision]:
    out: list[DraftProvision] = []
    for c in _CEASEFIRE_RE.finditer(ctx.text, s[0], s[1]):
        starts = _STARTS_RE.search(ctx.text, c.end(), s[1])
        if not starts or ctx.text[c.end() : starts.start()].count(",") > 1:
            continue
        when = next(
            (
                m
                for m in ctx.mentions_in(s)
                if m.start >= starts.end() and m.granularity in ("minute", "hour", "day")
            ),
            None,
        )
        if when is None:
            continue
        values = [ctx.value("effective_from", ctx.timespec(when), when.start, when.end)]
        zone = _IDLIB_RE.search(ctx.text, s[0], s[1]) or _IDLIB_RE.search(ctx.text)
        if zone:
            values.append(ctx.value("zone", "idlib-de-escalation-area", zone.start(), zone.end()))
        out.append(DraftProvision(ProvisionType.CEASEFIRE, tuple(values)))
        break
    return out


def _route(ctx: _Ctx, s: Sentence, *, label: bool = False) -> list[TermValue]:
    m = _M4_RE.search(ctx.text, s[0], s[1])
    if not m:
        return []
    route = ctx.value("route", "m4-trumba-ain-al-havr", m.start(), m.end())
    return [route, ctx.value("route_label", "the M4", m.start(), m.end())] if label else [route]


def _corridor(ctx: _Ctx, s: Sentence) -> list[DraftProvision]:
    if not _CORRIDOR_RE.search(ctx.text, s[0], s[1]) and not (
        _EACH_SIDE_RE.search(ctx.text, s[0], s[1]) and _M4_RE.search(ctx.text, s[0], s[1])
    ):
        return []
    values: list[TermValue] = []
    for m in _WIDE_RE.finditer(ctx.text, s[0], s[1]):
        values.append(
            ctx.value("width_each_side_km", _number(m.group("n")) / 2, m.start(), m.end())
        )
    for m in _EACH_SIDE_RE.finditer(ctx.text, s[0], s[1]):
        values.append(ctx.value("width_each_side_km", _number(m.group("n")), m.start(), m.end()))
    if not values:
        return []
    values.sort(key=lambda v: v.start)
    return [DraftProvision(ProvisionType.SECURITY_CORRIDOR, (*_route(ctx, s, label=True), *values))]


def _parties_in(ctx: _Ctx, start: int, end: int) -> list[str]:
    out: list[str] = []
    for d in _DEMONYM_RE.finditer(ctx.text, start, end):
        pid = _DEMONYM_PARTY[d.group(0).lower()]
        if pid not in out:
            out.append(pid)
    return out


def _patrol(ctx: _Ctx, s: Sentence) -> list[DraftProvision]:
    m = _PATROL_RE.search(ctx.text, s[0], s[1])
    if not m:
        return []
    values: list[TermValue] = list(_route(ctx, s))
    if m.group("dem"):
        a, b = m.span("dem")
    else:  # "Russian and Turkish troops will begin joint patrols"
        near = list(_DEMONYM_RE.finditer(ctx.text, max(s[0], m.start() - 60), m.start()))
        a, b = (near[0].start(), near[-1].end()) if near else (m.start(), m.start())
    parties = _parties_in(ctx, a, b)
    if len(parties) >= 2:
        values.append(ctx.value("parties", parties, a, b))
    when = next(
        (
            d
            for d in ctx.mentions_in(s)
            if d.start >= m.end() and d.granularity in ("minute", "hour", "day")
        ),
        None,
    ) or next((d for d in ctx.mentions_in(s) if d.granularity == "day"), None)
    if when is not None:
        values.append(ctx.value("start", ctx.timespec(when), when.start, when.end))
    return [DraftProvision(ProvisionType.JOINT_PATROL, tuple(values))]


def _earlier(ctx: _Ctx, s: Sentence, previous: Sentence | None) -> tuple[bool, TermValue | None]:
    """Whether the sentence describes an earlier (Sochi) agreement, and its zone if so."""
    zone = None
    for where in (s, previous):
        if where is None:
            continue
        m = _SOCHI_RE.search(ctx.text, where[0], where[1])
        if m:
            zone = ctx.value("zone", "sochi-dmz", m.start(), m.end())
            break
    earlier = bool(_EARLIER_RE.search(s[2])) or (
        previous is not None
        and bool(_EARLIER_RE.search(previous[2]))
        and bool(re.match(r"(?i)(?:that|the)\s+(?:memorandum|deal|agreement)|it\b", s[2]))
    )
    return earlier, zone


def _dmz(ctx: _Ctx, s: Sentence, previous: Sentence | None) -> list[DraftProvision]:
    m = _DMZ_RE.search(ctx.text, s[0], s[1])
    if not m:
        return []
    values: list[TermValue] = []
    depths = list(_DEPTH_RE.finditer(ctx.text, s[0], s[1]))
    if depths:
        d = min(depths, key=lambda x: abs(x.start() - m.end()))
        if d.group("a"):
            depth = (_number(d.group("a")), _number(d.group("b")))
        else:
            depth = (_number(d.group("c")), _number(d.group("c")))
        values.append(ctx.value("depth_km", depth, d.start(), d.end()))
    earlier, zone = _earlier(ctx, s, previous)
    if zone is not None:
        values.append(zone)
    if not values:
        return []
    return [DraftProvision(ProvisionType.DEMILITARISED_ZONE, tuple(values), earlier)]


def _withdrawal(ctx: _Ctx, s: Sentence, previous: Sentence | None) -> list[DraftProvision]:
    w = _WITHDRAW_RE.search(ctx.text, s[0], s[1])
    if not w:
        return []
    classes: list[str] = []
    spans: list[tuple[int, int]] = []
    for m in _WEAPONS_RE.finditer(ctx.text, w.end(), s[1]):
        for c in _WEAPONS[m.group(0).lower()]:
            if c not in classes:
                classes.append(c)
        spans.append(m.span())
    if not classes:
        return []
    values = [ctx.value("weapon_classes", classes, spans[0][0], spans[-1][1])]
    for d in ctx.mentions_in(s):
        if d.start > w.end() and re.search(
            r"(?i)\bby\s+$", ctx.text[max(s[0], d.start - 5) : d.start]
        ):
            fixed = ctx.year_fixed(ctx.obligation_fixed(d, s), s)
            values.append(ctx.value("deadline", ctx.timespec(fixed, end=True), d.start, d.end))
            break
    earlier, zone = _earlier(ctx, s, previous)
    if zone is not None:
        values.append(zone)
    return [DraftProvision(ProvisionType.WEAPONS_WITHDRAWAL, tuple(values), earlier)]


def _deadlines(ctx: _Ctx, s: Sentence) -> list[DraftProvision]:
    return [
        DraftProvision(
            ProvisionType.DEADLINE, (ctx.value("due", ctx.timespec(m, end=True), m.start, m.end),)
        )
        for m in ctx.mentions_in(s)
        if m.rule == "duration" and m.text.lower().startswith("within")
    ]


def _supplements(ctx: _Ctx) -> TermValue | None:
    hints: list[TermValue] = []
    for m in _SUPPLEMENT_RE.finditer(ctx.text):
        named = _SOCHI_RE.search(m.group(0))
        hints.append(ctx.value("supplements", "sochi-2018" if named else None, m.start(), m.end()))
    return next((h for h in hints if h.value is not None), hints[0] if hints else None)


def _parties(ctx: _Ctx) -> list[TermValue]:
    out: list[TermValue] = []
    seen: set[str] = set()
    for s in ctx.sentences:
        if not _AGREEMENT_WORDS_RE.search(s[2]):
            continue
        for m in _PARTY_PAIR_RE.finditer(ctx.text, s[0], s[1]):
            for g in ("a", "b"):
                pid = _PARTY_NAMES[m.group(g)]
                if pid not in seen:
                    seen.add(pid)
                    out.append(ctx.value("party", pid, m.start(g), m.end(g)))
    return out


def _signing(ctx: _Ctx) -> tuple[TermValue | None, TermValue | None]:
    date_value = place_value = None
    for s in ctx.sentences:
        if not (_PARTY_PAIR_RE.search(s[2]) and _SIGNED_RE.search(s[2])):
            continue
        for m in ctx.mentions_in(s):
            if m.granularity == "day" and m.earliest.date() <= ctx.published:
                date_value = ctx.value("signed_date", m.earliest.date(), m.start, m.end)
                break
        p = _PLACE_RE.search(ctx.text, s[0], s[1])
        if p:
            place = "Moscow" if p.group("p") == "Kremlin" else p.group("p")
            place_value = ctx.value("signed_place", place, p.start("p"), p.end("p"))
        if date_value or place_value:
            break
    if place_value is None:
        d = _DATELINE_RE.match(ctx.text)
        if d and timezone_for_place(d.group("p")):
            place_value = ctx.value("signed_place", d.group("p").title(), d.start("p"), d.end("p"))
    return date_value, place_value
