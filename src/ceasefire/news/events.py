"""Rule-based event extraction from the sentences of a cleaned news article, into the event model.

Each sentence is read on its own with regular expressions and small word lists (no parser, no
NER model): at most one event per sentence, the one named by the highest-ranked trigger below.
Every value keeps the character offsets of the words it came from (:attr:`NewsEvent.evidence`).

**Type** (trigger -> ACLED ``event_type`` / ``sub_event_type``), first rule that fires wins:

==================================================  ===========================================
protest, protesters, demonstrators, sit-in,          Protests / Peaceful protest; "Protest with
rallied, blocked the road                           intervention" when forces dispersed, fired
                                                    tear gas or arrested; "Excessive force against
                                                    protesters" when protesters were killed
cease-fire agreed/reached/signed/takes effect,       Strategic developments / Agreement
signed a deal, reached an agreement
suicide bomber, suicide attack, suicide car bomb     Explosions/Remote violence / Suicide bomb
IED, roadside bomb, car bomb, landmine, explosive    Explosions/Remote violence /
device, booby-trapped                               Remote explosive/landmine/IED
drone strike, drone attack, drone(s)                 Explosions/Remote violence / Air/drone strike
airstrike, air strike, air raid, warplanes, jets,    Explosions/Remote violence / Air/drone strike
aircraft, helicopters, barrel bomb, bombed
shelling, shelled, artillery, mortar, rocket(s),     Explosions/Remote violence /
missile(s), bombardment                             Shelling/artillery/missile attack
massacre, executed, shot dead, gunned down, killed   Violence against civilians / Attack
civilians (with no weapon trigger)
captured, seized, took control, retook, overran      Battles / Government regains territory when
                                                    the agent is the government side (Syrian
                                                    forces, pro-government militias, Russia, Iran,
                                                    Hezbollah); Non-state actor overtakes
                                                    territory when it is a non-state group; Armed
                                                    clash when unknown or a foreign army (ACLED
                                                    files both under Battles since 2019)
withdrew from, handed over, without a fight          Strategic developments / Non-violent
                                                    transfer of territory
clashes, fighting, battle, offensive, attacked       Battles / Armed clash
positions, firefight
==================================================  ===========================================

Sentences in the future tense ("will respond to any attack") give no violent event: threats and
plans are claims, not events. Agreements are kept in any tense.

**Actors** come from the maintained list (:mod:`ceasefire.news.actors`). ``actor1`` is the agent
where a simple pattern shows it, in this order: the agent of a passive or a noun ("was shelled
by X", "an airstrike by Russian jets", "blamed on X"; not "backed by X"); the first of
"clashes between X and Y"; the first actor before the trigger that is not a victim (the
subject: "X shelled Y", "Russian airstrikes hit ..."); for battles, protests and agreements the
first actor named at all. ``actor2`` is the next other actor (the object: "X shelled Y"), else
the victims' side. ``victims_side`` is the actor counted in the fatality phrase ("33 Turkish
soldiers" -> Turkey, "five civilians" / "16 people" -> civilians). The evidence names the rule:
``actor1:agent`` (by-agent, subject), ``actor1:listed`` (first named; initiator unknown).

**Place**: place phrases in the sentence ("in X", "near X", "the village of X", "X's
countryside", "X province", "shelled X", "southern Idlib") resolved with
:func:`ceasefire.news.gazetteer.resolve`, with the country hint and the article's other places
as ``near`` context. Demonyms, dates and actor names are not places. Of the resolved places, one
in the country wins over one abroad, a town, village or site over a district, area or road, over a
governorate, over a country; then the one nearest the trigger.

**Date**: the date mention in the sentence nearest the trigger, from :func:`resolve_dates` with
the sentence's tense forced for violent events (a present-tense sentence counts as past, since
news reports what happened) and each mention's own clause tense for agreements ("signed on
Monday ... will set up ... by Oct. 15"); else the publication day, local to ``timezone``
(evidence ``date:publication-day``, zero-width).

**Fatalities** ``(low, best, high)``, the conventions (ACLED's where it has one: it codes the
most conservative figure reported):

* a plain count, "16 people were killed", "killing five" -> (16, 16, 16), (5, 5, 5);
* "at least 16", "more than 16", "over 16", "no fewer than 16" -> (16, 16, None): the figure is a
  floor, the ceiling is unknown;
* "up to 20", "as many as 20", "at most 20" -> (None, 20, 20): a ceiling, taken as the best
  estimate (the only figure given), the floor unknown;
* "nearly 20", "almost 20", "fewer than 20" -> (None, 20, 20) likewise;
* "about 20", "around 20", "some 20", "an estimated 20" -> (None, 20, None);
* "between 10 and 15", "10 to 15", "10 or 15" -> (10, 10, 15): the low figure is the best
  (ACLED's conservative rule);
* vague counts: "tens" 10, "dozens" 12 and "hundreds" 100 are ACLED's published convention (ACLED
  FAQ "How does ACLED code fatalities?", 2023); "scores" 20 (one score, by the same logic as one
  dozen for "dozens"), "thousands" 1000, "a dozen" 12, and "several", "a few", "a number of" 3
  are this module's choices (not checked against an ACLED text); all as (n, n, None), floors;
* numbers in words ("two", "thirty-three", "a", "one") and digits ("1,200");
* wounded and injured never count: "killing five and wounding 12" -> (5, 5, 5); a count in
  one sentence's several fatality phrases is summed ("killed three soldiers and two civilians"
  -> 5); "no one was killed", "no casualties" -> (0, 0, 0).

>>> [(e.event_type, e.sub_event_type, e.actor1, e.place, e.fatalities_best) for e in
...  extract_events("Russian jets struck Ariha on Tuesday, killing five civilians.",
...                 dt.date(2020, 2, 27))]
[('Explosions/Remote violence', 'Air/drone strike', 'Military Forces of Russia (2000-)', \
'Arīḩā', 5)]
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pandas as pd

from ..events import LOCAL_TIMEZONE, content_hash, normalise_events
from . import actors as _actors
from .dates import DateMention, resolve_dates
from .gazetteer import Place, resolve
from .sentences import split_sentences
from .tense import sentence_tense

__all__ = [
    "FATALITY_WORDS",
    "NewsEvent",
    "events_frame",
    "extract_events",
    "parse_fatalities",
    "split_sentences",
]


def _words(text: str) -> list[str]:
    return text.split()


# ------------------------------------------------------------------------------------ fatalities

_UNITS = {
    w: i
    for i, w in enumerate(
        _words(
            "zero one two three four five six seven eight nine ten eleven twelve thirteen "
            "fourteen fifteen sixteen seventeen eighteen nineteen"
        )
    )
}
_TENS = {
    w: 10 * (i + 2)
    for i, w in enumerate(_words("twenty thirty forty fifty sixty seventy eighty ninety"))
}
#: Vague counts -> the number coded (see the module docstring for the sources of each).
FATALITY_WORDS: dict[str, int] = {
    "tens": 10,
    "dozens": 12,
    "hundreds": 100,
    "scores": 20,
    "thousands": 1000,
    "a dozen": 12,
    "several": 3,
    "a few": 3,
    "a number of": 3,
}
_VAGUE = "|".join(
    re.escape(w).replace(r"\ ", r"\s+") for w in sorted(FATALITY_WORDS, key=len)[::-1]
)
_WORDNUM = (
    rf"(?:(?:{'|'.join(_TENS)})(?:[\s-](?:{'|'.join(w for w in _UNITS if w != 'zero')}))?"
    rf"|{'|'.join(sorted(_UNITS, key=len, reverse=True))})(?:\s+hundred)?"
)
_NUM = rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+|{_WORDNUM})"
_FLOOR = r"at\s+least|more\s+than|over|upwards\s+of|no\s+fewer\s+than|no\s+less\s+than"
_CEILING = r"up\s+to|as\s+many\s+as|at\s+most|nearly|almost|fewer\s+than|less\s+than|close\s+to"
_ABOUT = r"about|around|roughly|approximately|some|an\s+estimated|an\s+approximate|approx\.?"
_COUNT = (
    rf"(?:(?P<q>{_FLOOR}|{_CEILING}|{_ABOUT})\s+)?"
    rf"(?:between\s+(?P<b1>{_NUM})\s+and\s+(?P<b2>{_NUM})"
    rf"|(?P<n>{_NUM})(?:\s*(?:to|-|–|or)\s*(?P<n2>{_NUM}))?"
    rf"|(?P<v>{_VAGUE})(?:\s+of)?"
    rf"|(?P<a>an?)(?=\s+[a-z]))"
)
_COUNT_RE = re.compile(rf"(?i)(?<![\w-]){_COUNT}(?![\w-])")
_WOUND = r"wound\w*|injur\w*|hurt|maim\w*"
_KILLED = (
    r"killed|dead|died|slain|perished|lost\s+their\s+lives|lost\s+his\s+life|executed|"
    r"massacred|shot\s+dead"
)
_NOUNS = r"(?:[A-Za-z'’-]+\s+){0,4}?"
_PASSIVE_RE = re.compile(
    rf"(?i)(?<![\w-]){_COUNT}\s+(?P<who>{_NOUNS})(?:(?:were|was|have\s+been|has\s+been|had\s+been"
    rf"|are|is|reportedly|also|all)\s+)*(?:{_KILLED})\b"
)
_ACTIVE_RE = re.compile(
    rf"(?i)\b(?:kill(?:ed|ing|s)|execut(?:ed|ing)|shot\s+dead|shooting\s+dead|leaving|left|"
    rf"claim(?:ed|ing)?\s+the\s+lives\s+of|death\s+toll\b[^.;]{{0,80}}?\b(?:rose|climbed|"
    rf"reached|jumped|stood|increased|risen)\s*(?:to|at)?|death\s+toll\s+(?:of|at))\s+"
    rf"{_COUNT}(?P<who>(?:\s+[A-Za-z'’-]+){{0,4}}?)(?=\s*(?:[,.;:]|and\b|in\b|on\b|near\b|"
    rf"at\b|as\b|when\b|after\b|while\b|during\b|including\b|dead\b|$))"
)
_AND_MORE_RE = re.compile(
    rf"(?i)^\s*,?\s*and\s+{_COUNT}(?P<who>(?:\s+[A-Za-z'’-]+){{0,3}}?)"
    rf"(?=\s*(?:[,.;:]|and\b|in\b|on\b|near\b|$))"
)
_WOUNDED_RES = (
    re.compile(
        rf"(?i)\b(?:wound(?:ed|ing)|injur(?:ed|ing))\s+{_COUNT}(?P<who>(?:\s+[A-Za-z'’-]+){{0,4}}?)"
        rf"(?=\s*(?:[,.;:]|and\b|in\b|on\b|near\b|$))"
    ),
    re.compile(
        rf"(?i)(?<![\w-]){_COUNT}\s+(?P<who>{_NOUNS})(?:(?:were|was|have\s+been|has\s+been|had"
        rf"\s+been|are|is)\s+)*(?:wounded|injured|hurt)\b"
    ),
)
_NONE_KILLED_RE = re.compile(
    r"(?i)\b(?:no\s+one\s+(?:was|were)\s+(?:killed|hurt)|no\s+(?:casualties|deaths|fatalities)"
    r"(?:\s+(?:were|was)\s+reported)?|without\s+(?:any\s+)?casualties|nobody\s+was\s+killed)\b"
)


def _int(word: str) -> int:
    w = " ".join(word.lower().replace(",", "").split())
    if w.isdigit():
        return int(w)
    hundred = w.endswith(" hundred")
    if hundred:
        w = w[: -len(" hundred")]
    parts = re.split(r"[\s-]+", w)
    value = _TENS.get(parts[0], _UNITS.get(parts[0], 0))
    if len(parts) > 1:
        value += _UNITS.get(parts[1], 0)
    return value * 100 if hundred else value


def _count_value(m: re.Match[str]) -> tuple[int | None, int | None, int | None]:
    q = " ".join((m.group("q") or "").lower().split())
    if m.group("b1"):
        lo, hi = _int(m.group("b1")), _int(m.group("b2"))
        return min(lo, hi), min(lo, hi), max(lo, hi)
    if m.group("v"):
        n = FATALITY_WORDS[" ".join(m.group("v").lower().split())]
        return n, n, None
    if m.group("a"):
        n = 1
    else:
        n = _int(m.group("n"))
        if m.group("n2"):
            n2 = _int(m.group("n2"))
            return min(n, n2), min(n, n2), max(n, n2)
    if not q:
        return n, n, n
    if re.fullmatch(_FLOOR, q):
        return n, n, None
    if re.fullmatch(_CEILING, q):
        return None, n, n
    return None, n, None


def parse_fatalities(phrase: str) -> tuple[int | None, int | None, int | None]:
    """``(low, best, high)`` fatalities of a phrase, by the module's conventions; wounded and
    injured counts are ignored; ``(None, None, None)`` when it gives no count of the dead.

    >>> parse_fatalities("at least 16"), parse_fatalities("16 people were killed")
    ((16, 16, None), (16, 16, 16))
    >>> parse_fatalities("killing five and wounding 12"), parse_fatalities("dozens")
    ((5, 5, 5), (12, 12, None))
    >>> parse_fatalities("up to 20"), parse_fatalities("33 Turkish soldiers were killed")
    ((None, 20, 20), (33, 33, 33))
    """
    spans = _fatality_spans(phrase)
    if spans:
        return _sum([v for _, _, v, _ in spans])
    if _NONE_KILLED_RE.search(phrase):
        return 0, 0, 0
    # a bare count ("at least 16", "dozens"), unless it counts the wounded
    for m in _COUNT_RE.finditer(phrase):
        if m.group("a"):
            continue
        after = phrase[m.end() : m.end() + 40]
        before = phrase[max(0, m.start() - 15) : m.start()]
        if re.match(rf"(?i)(?:\s+[A-Za-z'’-]+){{0,4}}?\s+(?:were\s+|was\s+)?(?:{_WOUND})", after):
            continue
        if re.search(rf"(?i)(?:{_WOUND})\s*$", before):
            continue
        return _count_value(m)
    return None, None, None


def _sum(
    values: Sequence[tuple[int | None, int | None, int | None]],
) -> tuple[int | None, int | None, int | None]:
    lows, bests, highs = zip(*values, strict=True)
    best = sum(b for b in bests if b is not None) if any(b is not None for b in bests) else None
    low = sum(lows) if all(v is not None for v in lows) else None  # type: ignore[arg-type]
    high = sum(highs) if all(v is not None for v in highs) else None  # type: ignore[arg-type]
    return low, best, high


def _fatality_spans(
    text: str,
) -> list[tuple[int, int, tuple[int | None, int | None, int | None], tuple[int, int]]]:
    """Fatality phrases: (start, end, (low, best, high), span of the victims' words)."""
    found: list[tuple[int, int, tuple[int | None, int | None, int | None], tuple[int, int]]] = []

    def overlaps(a: int, b: int) -> bool:
        return any(not (b <= s or a >= e) for s, e, _, _ in found)

    for m in _PASSIVE_RE.finditer(text):
        if re.search(r"(?i)\bno\s+$", text[max(0, m.start() - 4) : m.start()]):
            continue  # "no one was killed"
        if re.search(rf"(?i)\b(?:{_WOUND})\b", m.group("who") or ""):
            continue
        if m.group("a") and not (m.group("who") or "").strip():
            continue
        found.append((m.start(), m.end(), _count_value(m), m.span("who")))
    for m in _ACTIVE_RE.finditer(text):
        if overlaps(m.start(), m.end()):
            continue
        found.append((m.start(), m.end(), _count_value(m), m.span("who")))
        end = m.end()
        while True:
            more = _AND_MORE_RE.match(text[end:])
            if not more:
                break
            tail = text[end + more.end() : end + more.end() + 30]
            if re.match(rf"(?i)\s*(?:were\s+|was\s+)?(?:{_WOUND})", tail):
                break
            who = (end + more.start("who"), end + more.end("who"))
            found.append((end + more.start(), end + more.end(), _count_value(more), who))
            end += more.end()
    return sorted(found, key=lambda f: f[0])


# ------------------------------------------------------------------------------------ types

_A = "Explosions/Remote violence"
_TYPE_RULES: tuple[tuple[str, str, str, str], ...] = (
    (
        "protest",
        r"protest(?:s|ed|ing|ers?|ors?)?|demonstrat(?:ors?|ions?|ed)|sit-ins?|rall(?:y|ies|ied)"
        r"|blocked\s+(?:the|a)\s+(?:main\s+)?(?:road|highway|M4|M5)",
        "Protests",
        "Peaceful protest",
    ),
    (
        "agreement",
        r"(?:cease-?fire|truce|deal|agreement|accord|memorandum)\s+(?:was\s+|has\s+been\s+|had\s+"
        r"been\s+)?(?:agreed|reached|signed|brokered|announced|struck)"
        r"|(?:agreed|signed|reached|brokered|struck|announced)\s+(?:on\s+|to\s+)?(?:a\s+|an\s+|the"
        r"\s+|new\s+)?(?:new\s+)?(?:cease-?fire|truce|deal|agreement|accord|memorandum)"
        r"|(?:cease-?fire|truce)\s+(?:takes|took|will\s+take|would\s+take|went|goes)\s+"
        r"(?:effect|into\s+effect)",
        "Strategic developments",
        "Agreement",
    ),
    ("suicide", r"suicide\s+(?:car\s+)?(?:bomb\w*|attack\w*)", _A, "Suicide bomb"),
    (
        "ied",
        r"(?:improvised\s+)?explosive\s+devices?|IEDs?|roadside\s+bombs?|car\s+bombs?"
        r"|motorcycle\s+bombs?|booby[- ]trapped|land\s*mines?|bomb\s+(?:exploded|went\s+off)"
        r"|explosion\s+of\s+a\s+(?:device|bomb)",
        _A,
        "Remote explosive/landmine/IED",
    ),
    ("drone", r"drone\s+(?:strikes?|attacks?)|drones?|UAVs?", _A, "Air/drone strike"),
    (
        "air",
        r"air\s*-?\s*strikes?|air\s+raids?|airstrike|air\s+attacks?|warplanes?|war\s+planes?"
        r"|jets?|aircraft|helicopters?|barrel\s+bombs?|aerial\s+\w+|bombers?|bombed|bombing\s+raids?",
        _A,
        "Air/drone strike",
    ),
    (
        "shelling",
        r"shell(?:ing|ed|s)?|artillery|mortars?(?:\s+rounds?)?|rockets?|rocket\s+fire|missiles?"
        r"|bombard\w*|howitzers?",
        _A,
        "Shelling/artillery/missile attack",
    ),
    (
        "attack-on-civilians",
        r"massacre\w*|executed|executions?|shot\s+dead|gunned\s+down|killed\s+(?:\w+\s+){0,3}"
        r"civilians|stabbed|beheaded|assassinat\w*",
        "Violence against civilians",
        "Attack",
    ),
    (
        "transfer",
        r"withdr(?:ew|awn)\s+from|handed\s+over|without\s+a\s+fight|pulled\s+out\s+of",
        "Strategic developments",
        "Non-violent transfer of territory",
    ),
    (
        "territory",
        r"captured|recaptured|seized|took\s+(?:full\s+)?control|taken\s+(?:full\s+)?control"
        r"|retook|retaken|regained|overran|overrun|fell\s+to",
        "Battles",
        "Armed clash",
    ),
    (
        "clash",
        r"clash(?:es|ed)?|fighting|fought|battles?|offensive|counter-?attack\w*|firefights?"
        r"|skirmish\w*|attacked\s+(?:\w+\s+){0,3}positions|stormed|assault",
        "Battles",
        "Armed clash",
    ),
)
_TYPE_RES = [
    (name, re.compile(rf"(?i)(?<![\w-])(?:{words})(?![\w-])"), et, st)
    for name, words, et, st in _TYPE_RULES
]
_INTERVENTION_RE = re.compile(
    r"(?i)\b(?:dispers\w*|tear\s*gas|arrest\w*|detain\w*|beat\w*|fired\s+(?:warning\s+shots|in"
    r"to\s+the\s+air|at\s+(?:the\s+)?(?:protesters|demonstrators|crowd))|broke\s+up)\b"
)
_NOT_PROTEST_RE = re.compile(r"(?i)\bin\s+protest\s+(?:at|against|over)\b")
_GOVERNMENT_SIDE = frozenset(
    {
        "Military Forces of Syria (2000-)",
        "Pro-Government Militia (Syria)",
        "Military Forces of Russia (2000-)",
        "Military Forces of Iran (1989-)",
        "Hezbollah",
    }
)
_VIOLENT = frozenset({"Battles", "Explosions/Remote violence", "Violence against civilians"})


def _find_trigger(sentence: str) -> tuple[str, re.Match[str], str, str] | None:
    for name, regex, et, st in _TYPE_RES:
        for m in regex.finditer(sentence):
            if name == "protest" and _NOT_PROTEST_RE.search(sentence[max(0, m.start() - 3) :]):
                continue
            return name, m, et, st
    return None


# ------------------------------------------------------------------------------------ places

_ARTICLE = r"(?:al|el|an|ash|as|ad|ar|at|az|ad|es|ez|ed|en|er|et)"
_NAME_WORD = r"[A-Z][\w'’]*(?:-[A-Za-z][\w'’]*)*"
_NAME = (
    rf"(?:{_ARTICLE}-)?{_NAME_WORD}(?:\s+(?:{_ARTICLE}-[A-Za-z][\w'’]*|{_ARTICLE}\s+[A-Z][\w'’]*"
    rf"|{_NAME_WORD}))*"
)
_DIRECTION = r"(?:(?:north|south|east|west|central)(?:ern|[- ]?(?:east|west)(?:ern)?)?\s+)"
_GENERIC_AFTER = r"(?:\s+(?:province|governorate|countryside|district|city|town|village))?"
_PLACE_RES = [
    # "the village of X", "the outskirts of X", "the southern countryside of X"
    re.compile(
        rf"\b(?:village|town|city|outskirts|countryside|province|district|area|suburbs?|region)"
        rf"\s+of\s+(?P<name>{_NAME})"
    ),
    # "in X", "near X", "in southern X province"
    re.compile(
        rf"(?i:\b(?:in|near|around|outside|at|into|on|toward|towards|across|inside|from|of|"
        rf"targeting|hit|struck|shelled|bombed|pounded|bombarded|raided|attacked|stormed|captured|"
        rf"seized|retook|entered|overran|"
        rf"recaptured|besieged|control\s+of))\s+(?:the\s+)?(?:(?i:rural)\s+)?"
        rf"(?P<dir>(?i:{_DIRECTION}))?(?P<name>{_NAME}){_GENERIC_AFTER}"
    ),
    # "X's countryside", "X province"
    re.compile(rf"(?P<name>{_NAME})(?:['’]s\s+(?:\w+\s+)?countryside|\s+(?:province|governorate))"),
]
_NOT_PLACES = frozenset(
    _words(
        "january february march april may june july august september october november december "
        "jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday "
        "saturday sunday the a an he she it they we i this that these those its their his her "
        "syrian russian turkish iranian israeli american kurdish arab european british french "
        "lebanese iraqi jordanian saudi qatari emirati egyptian german chinese "
        "un u.n united nations reuters ap afp observatory white helmets sana sohr interfax "
        "anadolu tass"
    )
)
_GENERIC_RE = re.compile(r"(?i)\s+(?:province|governorate|countryside|district|city|town|village)$")
_SPECIFIC = {"city": 0, "village": 0, "site": 0, "admin3": 1, "area": 1, "road": 1, "admin2": 1}


@dataclass(frozen=True)
class _PlacePhrase:
    start: int
    end: int
    query: str


def _place_phrases(sentence: str, blocked: list[tuple[int, int]]) -> list[_PlacePhrase]:
    out: dict[tuple[int, int], _PlacePhrase] = {}
    for regex in _PLACE_RES:
        for m in regex.finditer(sentence):
            name = m.group("name")
            start, end = m.start("name"), m.end("name")
            # trim a trailing capitalised word that is not part of a place ("Idlib On")
            words = name.split()
            while words and words[-1].lower() in _NOT_PLACES:
                words.pop()
                name = " ".join(words)
                end = start + len(name)
            possessive = re.search(r"['’]s$", name)
            if possessive:  # "Hama's countryside": the name is "Hama"
                name = name[: possessive.start()]
                end = start + len(name)
            if not name or name.lower() in _NOT_PLACES:
                continue
            if name.split()[0].lower().split("-")[0] in _NOT_PLACES:
                continue
            if any(not (end <= a or start >= b) for a, b in blocked):
                continue
            query = name
            tail = sentence[end : m.end()]
            generic = _GENERIC_RE.search(tail)
            if generic:
                query = f"{name} {generic.group(0).strip()}"
            elif re.match(r"['’]s\s+(?:\w+\s+)?countryside", sentence[end:]):
                query = f"{name} countryside"
            direction = m.groupdict().get("dir")
            if direction and not generic:
                query = f"{direction.strip()} {name}"
                start = m.start("dir")
            out.setdefault((start, end), _PlacePhrase(start, end, query))
    return sorted(out.values(), key=lambda p: p.start)


def _resolve_place(phrase: _PlacePhrase, country: str, near: Sequence[Place]) -> Place | None:
    place = resolve(phrase.query, country=country, near=near)
    if place is None and phrase.query.split()[0].lower() in _words(
        "north northern south southern east eastern west western central northwestern "
        "northeastern southwestern southeastern north-western north-eastern south-western "
        "south-eastern"
    ):
        place = resolve(phrase.query.split(None, 1)[1], country=country, near=near)
    if place is not None and place.kind == "country" and place.country.upper() != country:
        return None if len(phrase.query) < 4 else place
    return place


# ------------------------------------------------------------------------------------ the event


@dataclass(frozen=True)
class NewsEvent:
    """One event read from one sentence of an article, with the offsets of its evidence.

    ``sentence`` is ``(start, end, text)`` in the article text; ``evidence`` holds
    ``(what, start, end)`` for the type trigger (``type:<rule>``), the actors
    (``actor1:agent`` / ``actor1:listed``, ``actor2``, ``victims``), the place, the date
    (``date:<granularity>``, or zero-width ``date:publication-day``) and the fatalities.
    ``time_start``/``time_end`` are UTC, ``time_end`` exclusive (equal for an exact moment).
    """

    sentence: tuple[int, int, str]
    event_type: str
    sub_event_type: str
    actor1: str | None
    actor2: str | None
    place: str | None
    latitude: float | None
    longitude: float | None
    radius_km: float | None
    place_id: str | None
    time_start: dt.datetime | None
    time_end: dt.datetime | None
    fatalities_low: int | None
    fatalities_best: int | None
    fatalities_high: int | None
    victims_side: str | None
    evidence: tuple[tuple[str, int, int], ...]
    place_country: str | None = None

    @property
    def initiator_known(self) -> bool:
        """True when ``actor1`` was read as the agent of the act (``actor1:agent`` evidence)."""
        return any(what == "actor1:agent" for what, _, _ in self.evidence)


_ALLY_RE = re.compile(
    r"(?i)(?:\b(?:backed|supported|allied|aided|helped|joined|accompanied|escorted|reinforced)"
    r"\s+by\s+(?:the\s+)?|\b(?:together\s+with|along\s+with|alongside|and\s+(?:their|its)"
    r"|allied)\s+)$"
)
_HELD_RE = re.compile(
    r"(?i)\b(?:held|controlled|run|manned|guarded|used|led|commanded|owned)\s+by\s+(?:the\s+)?$"
)
_BY_RE = re.compile(
    r"(?i)\b(?:by|blamed\s+on|carried\s+out\s+by|launched\s+by|conducted\s+by|from)\s+(?:the\s+)?"
    r"(?:\w+\s+)?$"
)
_PATIENT_AFTER_RE = re.compile(
    r"(?i)^[\w\s'’,-]{0,25}?\b(?:were|was|have\s+been|has\s+been|had\s+been)\s+"
    r"(?:killed|wounded|injured|hit|targeted|struck|shelled|bombed|attacked|captured)"
)
_PATIENT_BEFORE_RE = re.compile(
    r"(?i)\b(?:kill(?:ed|ing)|target(?:ed|ing)|against|on|hit(?:ting)?|struck|striking|"
    r"shell(?:ed|ing)|bomb(?:ed|ing)|attack(?:ed|ing)|wound(?:ed|ing))\s+(?:the\s+|a\s+|an\s+)?"
    r"(?:\w+\s+)?$"
)
_SAID_RE = re.compile(r"(?i)\b(?:said|says|told|according\s+to|reported|claimed)\b")


def _is_victim(
    sent: str, trigger_end: int, victim_spans: list[tuple[int, int]], m: _actors.ActorMention
) -> bool:
    """Whether a mention is a victim or target: counted dead, patient of a passive ("X was
    shelled"), or object of a violent verb after the trigger ("killing X", "targeting X")."""
    if any(a <= m.start and m.end <= b for a, b in victim_spans):
        return True
    if _PATIENT_AFTER_RE.match(sent[m.end :]):
        return True
    return bool(m.start > trigger_end and _PATIENT_BEFORE_RE.search(sent[: m.start]))


def _is_backer(sent: str, m: _actors.ActorMention) -> bool:
    """Whether a mention is an ally in the background ("backed by X", "alongside X")."""
    return bool(_ALLY_RE.search(sent[max(0, m.start - 40) : m.start]))


def _tz(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _pick_date(mentions: list[DateMention], anchor: int) -> DateMention | None:
    if not mentions:
        return None
    return min(mentions, key=lambda m: (abs(m.start - anchor), m.start))


def extract_events(
    text: str,
    published: dt.date,
    *,
    timezone: str = LOCAL_TIMEZONE,
    country: str = "SY",
    source: str | None = None,
) -> list[NewsEvent]:
    """The events reported in ``text`` (a cleaned article), at most one per sentence.

    ``published`` anchors relative dates; ``timezone`` is the local zone of the dateline;
    ``country`` (ISO alpha-2) is the gazetteer hint and fills "Civilians (Syria)"-style names.
    ``source`` is accepted for symmetry with :func:`events_frame` and not used.
    """
    del source
    if isinstance(published, dt.datetime):
        published = published.date()
    country = country.upper()
    zone = _tz(timezone)
    sentences = split_sentences(text)

    # first pass: the places of the whole article, as context for each other
    phrases_of: list[list[_PlacePhrase]] = []
    article_places: list[tuple[int, Place]] = []
    for s0, _, sent in sentences:
        blocked = [(a.start, a.end) for a in _actors.find_actors(sent, country=country)]
        phrases = _place_phrases(sent, blocked)
        phrases_of.append(phrases)
        for ph in phrases:
            place = resolve(ph.query, country=country)
            if place is not None and place.country == country and place.radius_km <= 30:
                article_places.append((s0 + ph.start, place))

    out: list[NewsEvent] = []
    for (s0, s1, sent), phrases in zip(sentences, phrases_of, strict=True):
        found = _find_trigger(sent)
        if found is None:
            continue
        rule, trig, event_type, sub_event_type = found
        tense = sentence_tense(sent)
        if event_type in _VIOLENT and tense == "future":
            continue
        evidence: list[tuple[str, int, int]] = [
            (f"type:{rule}", s0 + trig.start(), s0 + trig.end())
        ]
        context = "political" if event_type == "Strategic developments" else "military"
        if event_type == "Protests":
            context = "military"
        mentions = _actors.find_actors(sent, context=context, country=country)

        # fatalities and victims
        low = best = high = None
        victims_side: str | None = None
        spans = _fatality_spans(sent)
        victim_spans: list[tuple[int, int]] = []
        if spans and event_type not in ("Strategic developments",):
            low, best, high = _sum([v for _, _, v, _ in spans])
            for a, b, _, (w0, w1) in spans:
                evidence.append(("fatalities", s0 + a, s0 + b))
                victim_spans.append((a, b))
                if victims_side is None and w1 > w0:
                    vm = _actors.find_actors(sent[w0:w1], context="victims", country=country)
                    if vm:
                        victims_side = vm[0].actor
                        evidence.append(("victims", s0 + w0 + vm[0].start, s0 + w0 + vm[0].end))
        if victims_side is None:  # the side of the dead, else of the wounded
            for regex in _WOUNDED_RES:
                wm = regex.search(sent)
                if wm is None or wm.end("who") <= wm.start("who"):
                    continue
                w0 = wm.start("who")
                vm = _actors.find_actors(wm.group("who"), context="victims", country=country)
                if vm:
                    victims_side = vm[0].actor
                    evidence.append(("victims", s0 + w0 + vm[0].start, s0 + w0 + vm[0].end))
                    break
        if not spans and _NONE_KILLED_RE.search(sent) and event_type in _VIOLENT:
            m0 = _NONE_KILLED_RE.search(sent)
            assert m0 is not None
            low = best = high = 0
            evidence.append(("fatalities", s0 + m0.start(), s0 + m0.end()))

        def is_victim(m: _actors.ActorMention) -> bool:
            return _is_victim(sent, trig.end(), victim_spans, m)  # noqa: B023

        def is_backer(m: _actors.ActorMention) -> bool:
            return _is_backer(sent, m)  # noqa: B023

        actor1: _actors.ActorMention | None = None
        actor1_rule = "listed"
        # a passive or noun agent: "by X", "blamed on X"
        for m in mentions:
            lead = sent[max(0, m.start - 30) : m.start]
            if _BY_RE.search(lead) and not is_backer(m) and not _HELD_RE.search(lead):
                if re.search(
                    r"(?i)\bfrom\s+(?:the\s+)?(?:\w+\s+)?$", sent[max(0, m.start - 30) : m.start]
                ):
                    continue
                actor1, actor1_rule = m, "agent"
                break
        # "clashes between X and Y"
        between = re.search(
            r"(?i)\b(?:clash\w*|fighting|fights?|battles?|firefights?|skirmish\w*)\s+"
            r"(?:\w+\s+){0,3}?between\s+",
            sent,
        )
        if actor1 is None and between and event_type == "Battles":
            after = [m for m in mentions if m.start >= between.end()]
            if after:
                actor1, actor1_rule = after[0], "listed"
        # the subject: the first actor before (or inside) the trigger that is no victim
        if actor1 is None:
            for m in mentions:
                if m.start >= trig.end():
                    break
                if is_victim(m) or is_backer(m):
                    continue
                if _SAID_RE.search(sent[m.end : m.end + 12]) and m.end < trig.start():
                    continue  # "Turkish officials said ..." is the source, not the agent
                actor1 = m
                actor1_rule = "agent" if event_type != "Strategic developments" else "listed"
                break
        if actor1 is None and event_type in ("Battles", "Protests", "Strategic developments"):
            for m in mentions:
                if not is_victim(m):
                    actor1, actor1_rule = m, "listed"
                    break

        actor1_name = actor1.actor if actor1 else None
        if event_type == "Protests":
            protesters = f"Protesters ({_actors.country_name(country)})"
            if actor1_name != protesters:
                actor1 = next((m for m in mentions if m.actor == protesters), None)
                actor1_name, actor1_rule = protesters, "listed"
        if actor1 is not None:
            evidence.append((f"actor1:{actor1_rule}", s0 + actor1.start, s0 + actor1.end))

        # actor2: another actor, a victim or target first, then one after the trigger
        others = [
            m
            for m in mentions
            if m.actor != actor1_name
            and not is_backer(m)
            and not (m.end <= trig.start() and _SAID_RE.search(sent[m.end : m.end + 12]))
        ]
        actor2: str | None = None
        if others:
            pick = min(
                others,
                key=lambda m: (not is_victim(m), m.start < trig.start(), m.start),
            )
            actor2 = pick.actor
            evidence.append(("actor2", s0 + pick.start, s0 + pick.end))
        if actor2 is None and victims_side is not None and victims_side != actor1_name:
            actor2 = victims_side
        if actor2 is None and event_type == "Violence against civilians":
            actor2 = f"Civilians ({_actors.country_name(country)})"

        # refine the sub-event types that depend on actors or outcome
        if rule == "territory":
            if actor1_name in _GOVERNMENT_SIDE:
                sub_event_type = "Government regains territory"
            elif actor1_name is not None and _actors.inter_code(actor1_name, country) in (2, 3, 4):
                sub_event_type = "Non-state actor overtakes territory"
        if event_type == "Protests":
            if best:
                sub_event_type = "Excessive force against protesters"
            elif _INTERVENTION_RE.search(sent):
                sub_event_type = "Protest with intervention"
            else:
                low = best = high = None
        if event_type == "Strategic developments":
            low = best = high = None

        # place
        near = [p for a, p in article_places if not (s0 <= a < s1)]
        resolved: list[tuple[_PlacePhrase, Place]] = []
        for ph in phrases:
            place = _resolve_place(ph, country, near)
            if place is not None:
                resolved.append((ph, place))
        place_hit: tuple[_PlacePhrase, Place] | None = None
        if resolved:
            place_hit = min(
                resolved,
                key=lambda r: (
                    r[1].country.upper() != country and r[1].kind != "country",
                    r[1].kind == "country",
                    _SPECIFIC.get(r[1].kind, 2),
                    abs(r[0].start - trig.start()),
                ),
            )
            if place_hit[1].kind == "country" and place_hit[1].country.upper() != country:
                place_hit = None
        if place_hit is not None:
            evidence.append(("place", s0 + place_hit[0].start, s0 + place_hit[0].end))

        # date
        # an agreement's dates take their own clause's tense ("signed on Monday ... will set up
        # ... by Oct. 15"); a violent event is in the past unless the sentence is future
        date_tense = (
            None
            if event_type == "Strategic developments"
            else ("future" if tense == "future" else "past")
        )
        mentions_d = resolve_dates(sent, published, timezone=timezone, tense=date_tense)
        mention = _pick_date(mentions_d, trig.start())
        if mention is not None:
            t0 = mention.earliest.astimezone(dt.UTC)
            t1 = mention.latest.astimezone(dt.UTC)
            evidence.append((f"date:{mention.granularity}", s0 + mention.start, s0 + mention.end))
        else:
            day = dt.datetime(published.year, published.month, published.day, tzinfo=zone)
            t0 = day.astimezone(dt.UTC)
            t1 = dt.datetime.combine(published + dt.timedelta(days=1), dt.time(), zone).astimezone(
                dt.UTC
            )
            evidence.append(("date:publication-day", s0, s0))

        place = place_hit[1] if place_hit else None
        out.append(
            NewsEvent(
                sentence=(s0, s1, sent),
                event_type=event_type,
                sub_event_type=sub_event_type,
                actor1=actor1_name,
                actor2=actor2,
                place=place.name if place else None,
                latitude=place.lat if place else None,
                longitude=place.lon if place else None,
                radius_km=place.radius_km if place else None,
                place_id=place.identifier if place else None,
                time_start=t0,
                time_end=t1,
                fatalities_low=low,
                fatalities_best=best,
                fatalities_high=high,
                victims_side=victims_side,
                evidence=tuple(sorted(evidence, key=lambda e: (e[1], e[0]))),
                place_country=place.country if place else None,
            )
        )
    return out


# ------------------------------------------------------------------------------------ frame

_DISORDER = {
    "Battles": "Political violence",
    "Explosions/Remote violence": "Political violence",
    "Violence against civilians": "Political violence",
    "Protests": "Demonstrations",
    "Riots": "Demonstrations",
    "Strategic developments": "Strategic developments",
}


def _time_precision(start: dt.datetime | None, end: dt.datetime | None) -> int:
    if start is None or end is None:
        return 3
    days = (end - start).total_seconds() / 86400
    return 1 if days <= 1.01 else 2 if days <= 8 else 3


def _geo_precision(radius: float | None) -> int:
    if radius is None:
        return 3
    return 1 if radius <= 5 else 2 if radius <= 30 else 3


def events_frame(
    events: Sequence[NewsEvent],
    *,
    article_id: str,
    source: str,
    url: str | None,
    published: dt.date,
    timezone: str = LOCAL_TIMEZONE,
    country: str = "SY",
) -> pd.DataFrame:
    """The events as an events frame (:func:`ceasefire.events.normalise_events`), marked as news.

    ``source_dataset`` is ``"news"``, ``source_row_id`` ``"{article_id}:{i}"``, ``event_uid``
    ``"news:{article_id}:{i}"``, ``event_id_cnty`` ``"NEWS-{article_id}-{i}"``, ``source_file``
    the URL, ``notes`` the sentence. ``location_uncertainty_km`` is the place's radius (the
    country's, 300 km, when no place was found); ``initiator_known`` is True only where actor1
    was read as the agent. ``iso2``/``iso``/``country`` come from the place, else from the
    ``country`` hint; ``event_date`` is the local (``timezone``) day the window starts on (the
    day an exact end-of-day midnight closes).

    >>> ev = extract_events("Regime forces shelled Kafr Nubl on Sunday.", dt.date(2020, 2, 25))
    >>> f = events_frame(ev, article_id="a1", source="Example Wire", url=None,
    ...                  published=dt.date(2020, 2, 25))
    >>> [str(v) for v in f.loc[0, ["event_uid", "event_date", "iso", "initiator_known"]]]
    ['news:a1:0', '2020-02-23', '760', 'True']
    """
    from ..sources.countries import country_table

    table = country_table().dropna(subset=["iso2"])
    table = table.assign(_main=table["fips"] == table["iso2"]).sort_values("_main", ascending=False)
    iso_rows = table.drop_duplicates("iso2").set_index("iso2")
    zone = _tz(timezone)
    now = pd.Timestamp.now(tz="UTC")
    rows = []
    for i, e in enumerate(events):
        iso2 = (e.place_country or country).upper()
        iso = iso_rows["iso_numeric"].get(iso2, pd.NA)
        cname = iso_rows["name"].get(iso2, pd.NA)
        if e.time_start is not None:
            local = e.time_start.astimezone(zone)
            event_date = local.date().isoformat()
            if e.time_end is not None and e.time_end == e.time_start and local.time() == dt.time():
                event_date = (local.date() - dt.timedelta(days=1)).isoformat()
        else:
            event_date = published.isoformat()
        inter1 = _actors.inter_code(e.actor1, iso2)
        inter2 = _actors.inter_code(e.actor2, iso2)
        interaction = (
            min(inter1, inter2) * 10 + max(inter1, inter2)
            if inter1 is not None and inter2 is not None
            else inter1 * 10
            if inter1 is not None and e.actor2 is None
            else None
        )
        civilian = (
            "Civilian targeting"
            if e.event_type == "Violence against civilians"
            or _actors.inter_code(e.victims_side, iso2) == 7
            or inter2 == 7
            else None
        )
        row_id = f"{article_id}:{i}"
        values = {
            "event_id_cnty": f"NEWS-{article_id}-{i}",
            "event_date": event_date,
            "year": int(event_date[:4]),
            "time_precision": _time_precision(e.time_start, e.time_end),
            "disorder_type": _DISORDER.get(e.event_type),
            "event_type": e.event_type,
            "sub_event_type": e.sub_event_type,
            "actor1": e.actor1,
            "inter1": inter1,
            "actor2": e.actor2,
            "inter2": inter2,
            "interaction": interaction,
            "civilian_targeting": civilian,
            "iso": iso,
            "country": cname,
            "location": e.place,
            "latitude": e.latitude,
            "longitude": e.longitude,
            "geo_precision": _geo_precision(e.radius_km),
            "source": source,
            "source_scale": None,
            "notes": e.sentence[2],
            "fatalities": e.fatalities_best,
            "event_uid": f"news:{row_id}",
            "source_dataset": "news",
            "source_row_id": row_id,
            "source_file": url,
            "source_line": None,
            "ingest_time": now,
            "iso2": iso2,
            "location_uncertainty_km": e.radius_km if e.radius_km is not None else 300.0,
            "time_start": pd.Timestamp(e.time_start) if e.time_start else pd.NaT,
            "time_end": pd.Timestamp(e.time_end) if e.time_end else pd.NaT,
            "fatalities_low": e.fatalities_low,
            "fatalities_high": e.fatalities_high,
            "initiator_known": e.initiator_known,
            "news_evidence": ";".join(f"{w}@{a}-{b}" for w, a, b in e.evidence),
            "news_place_id": e.place_id,
        }
        values["content_hash"] = content_hash(
            [values[k] for k in ("event_type", "sub_event_type", "actor1", "actor2", "notes")]
            + [e.place_id, e.time_start, e.time_end, e.fatalities_low, e.fatalities_best]
            + [e.fatalities_high, e.sentence[0], e.sentence[1]]
        )
        rows.append(values)
    if not rows:
        frame = normalise_events(pd.DataFrame())
        frame["news_evidence"] = pd.Series(dtype="string")
        frame["news_place_id"] = pd.Series(dtype="string")
        return frame
    frame = pd.DataFrame(rows)
    for col in ("time_start", "time_end"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    frame["ingest_time"] = pd.to_datetime(frame["ingest_time"], utc=True)
    frame = normalise_events(frame)
    frame["news_evidence"] = frame["news_evidence"].astype("string")
    frame["news_place_id"] = frame["news_place_id"].astype("string")
    return frame
