"""Gazetteer-driven toponym recognition: place names the small NER model missed.

spaCy's small model misses many place names: inside organisation names ("Edmonton Police
Service", "University of California"), tagged as people ("Edmonton", "Tabriz"), as money ("US$")
or not tagged at all (datelines in capitals, "Anatolia"). :func:`extra_spans` proposes the runs
of capitalised proper-noun tokens outside the spans already kept whose longest sub-run is a name
in the world layer (:func:`ceasefire.news.world.world_rank`), with rules against common-word and
person-name false positives:

- a country, continent or first-level division ("Texas", "U.S.", "EU") is accepted anywhere
  except as part of a longer person name ("Georgia Smith");
- a city must have at least :data:`MIN_POPULATION` people, and :data:`MIN_POPULATION_PERSON`
  when the model called the whole name a person ("Edmonton" yes, "Franklin" no); never as part
  of a longer person name;
- every word of the name capitalised and none a stop word ("The", "However"), no honorific or
  company suffix ("Mr.", "Inc."); a short acronym only for a country ("US", "UAE", not "CNN");
- outside any entity, a sentence-initial word only counts when it is written in capitals or
  is a country;
- a single word that is part of a longer person name elsewhere in the article is not a place;
- nothing inside dates, times, numbers and quantities; no single word of fewer than two letters.

>>> from ceasefire.news.nlp import nlp
>>> doc = nlp()("Officers of the Edmonton Police Service met on Tuesday.")
>>> [(doc.text[s:e], label) for s, e, label in extra_spans(doc, [])]
[('Edmonton', 'GPE')]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from .geo_params import DEFAULT_PARAMS, GeoParams
from .world import world_rank

__all__ = ["MIN_POPULATION", "MIN_POPULATION_PERSON", "extra_spans"]

MIN_POPULATION = DEFAULT_PARAMS.min_population
"""Smallest city accepted inside an organisation name (``GeoParams.min_population``)."""
MIN_POPULATION_PERSON = DEFAULT_PARAMS.min_population_person
"""Smallest city accepted when the model called the whole name a person."""
_MAX_TOKENS = 4
_SKIP_LABELS = frozenset(
    {"DATE", "TIME", "CARDINAL", "ORDINAL", "QUANTITY", "PERCENT", "LANGUAGE", "NORP"}
    | {"EVENT", "WORK_OF_ART"}  # "World War II", "Hail to the Chief": names of events, works
)
_BIG = frozenset({"country", "continent", "admin1"})
_TITLES = frozenset(
    "mr mrs ms dr sen rep gov gen col lt sgt st prof rev inc co corp ltd llc plc".split()  # noqa: SIM905
)
"""Honorifics, ranks and company suffixes: never a place, whatever the gazetteer's aliases say."""
MIN_POPULATION_LOOSE = DEFAULT_PARAMS.min_population_loose
"""Smallest city accepted outside any entity or in a title, event or law."""


class _Tok(NamedTuple):
    """What the rules read of a token, taken from spaCy once per document (a spaCy ``Token``
    is rebuilt on every access, and the rules look at each token several times)."""

    text: str
    start: int
    end: int
    ent: str
    iob: str
    stop: bool
    opens: bool
    namey: bool


def _table(doc: Any) -> list[_Tok]:
    out: list[_Tok] = []
    opens = True
    for t in doc:
        text = t.text
        namey = bool(text[:1].isupper()) and any(c.isalpha() for c in text)
        stop = bool(t.is_stop) and not text.isupper()  # "US" is not "us"
        out.append(
            _Tok(text, t.idx, t.idx + len(text), t.ent_type_, t.ent_iob_, stop, opens, namey)
        )
        # the next token may open a sentence or a line: after ". ! ? :", quotes, dashes, a line
        # break (the pipeline has no parser, so spaCy's sentence starts are not available)
        opens = text in _ENDS or "\n" in t.whitespace_ or t.is_space
    return out


_ENDS = frozenset({".", "!", "?", ":", '"', "“", "”", "'", "(", ")", "-", "—", "–"})


def _runs(toks: list[_Tok], taken: list[bool]) -> list[tuple[int, int, str]]:
    """Runs of capitalised tokens not already taken, each within one entity (or none); with the
    entity's label ("" outside any)."""
    out = []
    i, n = 0, len(toks)
    while i < n:
        tok = toks[i]
        if taken[i] or not tok.namey or tok.ent in _SKIP_LABELS:
            i += 1
            continue
        j = i + 1
        while (
            j < n
            and not taken[j]
            and toks[j].namey
            and toks[j].iob != "B"
            and toks[j].ent == tok.ent
        ):
            j += 1
        out.append((i, j, tok.ent))
        i = j
    return out


def _accept(
    text: str,
    toks: list[_Tok],
    start: int,
    end: int,
    label: str,
    whole: bool,
    people: set[str],
    params: GeoParams,
) -> bool:
    first = toks[start]
    single = end - start == 1
    if single and first.text in people:
        return False  # "Salah" is a person's name elsewhere in this article
    # every word capitalised and none a stop word (the pipeline has no tagger)
    if any(t.stop or not t.namey for t in toks[start:end]):
        return False
    if first.text.strip(".").lower() in _TITLES:
        return False
    rank = world_rank(text[first.start : toks[end - 1].end])
    if rank is None:
        return False
    kind, population = rank
    big = kind in _BIG
    if single and first.text.isupper() and len(first.text) <= 5 and not big:
        return False  # an acronym (CNN, BJP) is a place only when it is a country's (US, UAE)
    if label == "" and first.opens and not big and not first.text.isupper():
        return False
    if label == "PERSON":
        return whole and (big or population >= params.min_population_person)
    if single and len(first.text.strip(".")) < 2:
        return False
    if single and len(first.text) <= 3 and not first.text.isupper() and not big:
        return False  # "Law", "Eta", "Ann": short words and given names, not towns
    if big:
        return True
    return population >= (params.min_population if label == "ORG" else params.min_population_loose)


def extra_spans(
    doc: Any, kept: Sequence[tuple[int, int]], params: GeoParams = DEFAULT_PARAMS
) -> list[tuple[int, int, str]]:
    """Character spans ``(start, end, label)`` of place names the model missed in ``doc``,
    outside the character spans ``kept``; label ``GPE``. Population cut-offs from
    ``params``."""
    toks = _table(doc)
    text = doc.text  # spaCy joins the tokens again on every access: read it once
    covered = bytearray(len(text) + 1)  # a character mask: linear, not tokens x spans
    for s, e in kept:
        covered[s:e] = b"\x01" * (e - s)
    taken = [any(covered[t.start : t.end]) for t in toks]
    bounds: dict[int, tuple[int, int]] = {}
    people: set[str] = set()
    for ent in doc.ents:
        for k in range(ent.start, ent.end):
            bounds[k] = (ent.start, ent.end)
            if ent.label_ == "PERSON" and len(ent) > 1:
                people.add(toks[k].text)
    out = []
    for i, j, label in _runs(toks, taken):
        k = i
        while k < j:
            for m in range(min(j, k + _MAX_TOKENS), k, -1):
                if _accept(text, toks, k, m, label, bounds.get(k) == (k, m), people, params):
                    out.append((toks[k].start, toks[m - 1].end, "GPE"))
                    k = m
                    break
            else:
                k += 1
    return out
