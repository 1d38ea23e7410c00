"""Place phrases in news sentences ("in X", "near X", "the village of X", "southern Idlib"),
their resolution with the gazetteer and the choice of an act's place among them (see
:mod:`ceasefire.news.events`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .gazetteer import Place, resolve

__all__ = ["PlacePhrase", "find_place_phrases", "pick_place"]

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
    str.split(
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
class PlacePhrase:
    """A place phrase at ``start``..``end`` of its sentence and the name to look up."""

    start: int
    end: int
    query: str


def find_place_phrases(sentence: str, blocked: list[tuple[int, int]]) -> list[PlacePhrase]:
    """The place phrases of ``sentence`` outside the ``blocked`` spans (actors), in order."""
    out: dict[tuple[int, int], PlacePhrase] = {}
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
            out.setdefault((start, end), PlacePhrase(start, end, query))
    return sorted(out.values(), key=lambda p: p.start)


#: Words of direction a place phrase may start with ("northern Idlib"): tried without them too.
_DIRECTIONS = frozenset(
    str.split(
        "north northern south southern east eastern west western central northwestern "
        "northeastern southwestern southeastern north-western north-eastern south-western "
        "south-eastern"
    )
)


def _resolve_place(phrase: PlacePhrase, country: str, near: Sequence[Place]) -> Place | None:
    place = resolve(phrase.query, country=country, near=near)
    words = phrase.query.split(None, 1)
    # the name after a direction word ("in Central" has none: no second try)
    if place is None and len(words) == 2 and words[0].lower() in _DIRECTIONS:
        place = resolve(words[1], country=country, near=near)
    if place is not None and place.kind == "country" and place.country.upper() != country:
        return None if len(phrase.query) < 4 else place
    return place


def pick_place(
    phrases: list[PlacePhrase],
    near: list[Place],
    country: str,
    anchor: int,
    clause: tuple[int, int],
) -> tuple[PlacePhrase, Place] | None:
    """The place of an act at ``anchor`` (sentence offsets) in ``clause``: of the sentence's
    resolved place phrases, one in the country over one abroad, one in the act's own clauses,
    then the most specific, then the one nearest the trigger; None when none resolves (or only
    to a country abroad)."""
    resolved: list[tuple[PlacePhrase, Place]] = []
    for ph in phrases:
        place = _resolve_place(ph, country, near)
        if place is not None:
            resolved.append((ph, place))
    if not resolved:
        return None
    hit = min(
        resolved,
        key=lambda r: (
            r[1].country.upper() != country and r[1].kind != "country",
            r[1].kind == "country",
            not (clause[0] <= r[0].start < clause[1]),
            _SPECIFIC.get(r[1].kind, 2),
            abs(r[0].start - anchor),
        ),
    )
    if hit[1].kind == "country" and hit[1].country.upper() != country:
        return None
    return hit
