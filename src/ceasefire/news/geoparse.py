"""Geoparsing: find the place names in raw text and resolve them to coordinates.

Recognition is :func:`ceasefire.news.nlp.nlp` (spaCy's small model with the gazetteer entity
ruler): ``GPE``, ``LOC`` and ``FAC`` entities, and ``NORP`` entities that are a country's demonym
("Turkish" -> Turkey); plus the place names the model missed that the world gazetteer knows
(:func:`ceasefire.news.recognition.extra_spans`: "Edmonton" in "Edmonton Police Service"). A
name right before "virus", "fever", "disease" or "flu" names a disease and is dropped.

Resolution consults the Syria gazetteer (:mod:`ceasefire.news.gazetteer`: transliteration-
tolerant, with OCHA admin units, UCDP places and the M4/M5 roads) and the world layer
(:mod:`ceasefire.news.world`: GeoNames places of 1,000 people or more, countries, US states),
in two passes:

1. each name alone, by prominence (population, kind); the document's country is then the most
   frequent country among those picks (or ``country_hint``);
2. each name again with that country as a hint and the other places picked in pass 1 as
   ``near`` points. Names the entity ruler tagged as Syrian, and every name in a document about
   Syria or its neighbours, go to the Syria gazetteer first; others to the world layer first.
   A country gets the world layer's GeoNames country point wherever it was found.

FAC entities the gazetteers do not know are dropped (streets, buildings); GPE and LOC entities
are kept unresolved (``place`` None) so that recognition can be measured on its own.

>>> [(t.text, t.identifier) for t in geoparse("Turkish troops entered Saraqib.")]
[('Turkish', 'country:TR'), ('Saraqib', 'geonames:164816')]
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from ..zones import distance_km
from .gazetteer import Place, lookup
from .geo_params import DEFAULT_PARAMS, GeoParams
from .nlp import RULER_ID, nlp
from .person_names import (
    follows_title,
    given_name_before,
    is_known_person,
    person_cue,
    speaks_after,
    speaks_before,
)
from .recognition import extra_spans
from .world import REGION_KINDS, world_admin1, world_ambiguous, world_country, world_lookup

__all__ = ["REGION", "Toponym", "geoparse", "geoparse_batch"]

REGION = frozenset({"SY", "TR", "LB", "IQ", "JO", "IL", "PS"})
"""Countries whose documents go to the Syria gazetteer first."""

_LABELS = ("GPE", "LOC", "FAC")
_LEAD = re.compile(r"^(?:the|The|THE)\s+")
_TRAIL = re.compile(r"(?:['’]s|['’])$")
_GENERIC = re.compile(
    r"^(.*?)\s+(?:County|Parish|State|Province|Region|District|Prefecture|Oblast|Governorate"
    r"|province|region|district|prefecture|oblast|governorate|state)$"
)
SYRIA_MIN = DEFAULT_PARAMS.syria_min
"""Lowest Syria-gazetteer score accepted (the gazetteer's own ``resolve`` threshold)."""
_WIDE = frozenset({"country", "continent"}) | REGION_KINDS
"""Kinds that are never context points for other names (too wide to say where the text is)."""
_DATELINE = re.compile(
    r"^\s*(?:[A-Z][A-Za-z.'’-]*[ ,]+){1,5}?(?:\([A-Za-z ]+\)\s*)?(?:--|—|–|-|:)\s"
)
"""A dateline: capitalised words (and a comma) at the start of the text before a dash or a
colon, "KABUL, Afghanistan (Reuters) -"."""
_PAIR_GAP = re.compile(r"^,\s?$")
_HONORIFIC = re.compile(r"^(?:Mr|Mrs|Ms|Dr)\.?\s+[A-Z]")
"""A name that starts with an honorific is a person's ("Ms Raggi")."""
_EXACT_COUNTRY = 0.85
"""Lowest Syria-gazetteer score of a country matched by one of its names exactly (a transliteration-
tolerant match scores less: "Easter" is not Austria, "anti-Semites" not the United States)."""


@dataclass(frozen=True)
class Toponym:
    """A place name found in a text: ``text[start:end]``, the place it denotes (None when no
    gazetteer knows it), the resolution score and the place's point, radius and identifier."""

    start: int
    end: int
    text: str
    place: Place | None
    score: float
    lat: float | None
    lon: float | None
    radius_km: float | None
    identifier: str | None
    label: str = ""


def _clean(text: str) -> str:
    return _TRAIL.sub("", _LEAD.sub("", text.strip())).strip(" .,;:-")


_DISEASE = frozenset({"virus", "viruses", "fever", "disease", "flu"})
_CREDIT_AFTER = re.compile(r"\)\s*(?:--|—|–|-|:)")
"""What follows a wire-service credit, "(Bloomberg) --", "(Reuters) -": a publisher, not a place."""


def _is_credit(text: str, start: int, end: int) -> bool:
    """``text[start:end]`` is the whole of a wire credit in brackets ("(Bloomberg) --").

    >>> _is_credit("(Bloomberg) -- Russia and Turkey", 1, 10)
    True
    >>> _is_credit("fighting near (Saraqib) in Idlib", 15, 22)
    False
    """
    return start > 0 and text[start - 1] == "(" and _CREDIT_AFTER.match(text, end) is not None


"""Words after which a place name names a disease ("West Nile virus", "Lassa fever")."""


def _names_disease(doc: Any, end: int) -> bool:
    return end < len(doc) and doc[end].lower_ in _DISEASE


def _spans(doc: Any, params: GeoParams = DEFAULT_PARAMS) -> list[tuple[int, int, str, str]]:
    out = []
    whole = doc.text  # spaCy joins the tokens again on every access: read it once
    for ent in doc.ents:
        if ent.label_ not in (*_LABELS, "NORP") or _names_disease(doc, ent.end):
            continue
        if _is_credit(whole, ent.start_char, ent.end_char):
            continue
        start, end, text = ent.start_char, ent.end_char, ent.text
        m = _LEAD.match(text)
        if m:
            start, text = start + m.end(), text[m.end() :]
        t = _TRAIL.search(text)
        if t:
            end, text = end - len(t.group(0)), text[: t.start()]
        if text:
            out.append((start, end, text, ent.label_))
    kept = [(s, e) for s, e, _, label in out if label != "NORP"]
    for start, end, label in extra_spans(doc, kept, params):
        span = doc.char_span(start, end)
        if span is not None and not _names_disease(doc, span.end):
            out.append((start, end, whole[start:end], label))
    out.sort(key=lambda s: s[0])
    out = [s for s in out if any(c.isupper() for c in s[2])]  # "the west", "north": no name
    if params.person_names:
        out = [s for s in out if not _is_person(whole, s[0], s[2])]
    return out


def _is_person(text: str, start: int, surface: str) -> bool:
    """The name ``surface`` at ``text[start]`` is a person's: a known person, after a title,
    or an Arabic surname after a given name (:mod:`ceasefire.news.person_names`).

    >>> _is_person("Forces loyal to al-Assad advanced", 16, "al-Assad")
    True
    >>> _is_person("President Erdogan spoke in Ankara", 27, "Ankara")
    False
    """
    name = _clean(surface)
    return (
        _HONORIFIC.match(surface) is not None
        or is_known_person(name)
        or follows_title(text, start)
        or given_name_before(text, start, surface)
    )


def _country_point(
    found: tuple[Place, float] | None, params: GeoParams = DEFAULT_PARAMS
) -> tuple[Place, float] | None:
    """A country resolved by the Syria gazetteer (often its capital's point) moved to the
    world layer's country point (convention ``params.country_points``)."""
    if found is None or found[0].kind != "country":
        return found
    world = world_country(found[0].country, params)
    if world is None:
        return found
    place = replace(found[0], lat=world.lat, lon=world.lon, radius_km=world.radius_km)
    return place, found[1]


def _demonym(name: str, params: GeoParams) -> tuple[Place, float] | None:
    if name.endswith("s") and _demonym(name[:-1], params) is not None:
        return None  # "Americans", "Iraqis": people, not a place
    found = lookup(name, country=None, kind="country", limit=1)
    if found and found[0][1] >= _EXACT_COUNTRY:
        return found[0]
    world = world_lookup(name, limit=1, params=params)
    if world and world[0][0].kind in ("continent", "admin1", "country", "region"):
        return world[0]
    return None


def _syria(
    name: str, country: str | None, near: list[tuple[float, float]], params: GeoParams
) -> tuple[Place, float] | None:
    found = lookup(name, country=country or "SY", near=near, limit=1)
    if found and found[0][1] >= params.syria_min:
        return found[0]
    return None


def _world(
    name: str,
    country: str | None,
    near: list[tuple[float, float]],
    params: GeoParams,
    within: str | None = None,
) -> tuple[Place, float] | None:
    found = world_lookup(name, country=country, near=near, limit=1, params=params, within=within)
    if not found:
        m = _GENERIC.match(name)
        if m:
            found = world_lookup(
                m.group(1), country=country, near=near, limit=1, params=params, within=within
            )
    return found[0] if found else None


def _resolve(
    name: str,
    label: str,
    *,
    syrian: bool,
    country: str | None,
    near: list[tuple[float, float]],
    params: GeoParams = DEFAULT_PARAMS,
    within: str | None = None,
) -> tuple[Place, float] | None:
    if label == "NORP":
        return _country_point(_demonym(name, params), params)
    regional = syrian or (country in REGION)
    if regional and params.regions_first:
        wide = world_lookup(name, limit=1, params=params)
        if wide and wide[0][0].kind in REGION_KINDS:
            return wide[0]
    if regional:
        return _country_point(_syria(name, country, near, params), params) or _world(
            name, country, near, params, within
        )
    found = _world(name, country, near, params, within)
    if found is not None:
        return found
    strict = lookup(name, country=None, limit=1)
    if strict and strict[0][1] >= params.strict_min:
        if strict[0][0].kind == "country" and strict[0][1] < _EXACT_COUNTRY:
            return None
        return _country_point(strict[0], params)
    return None


def _within(first: list[tuple[Place, float] | None], i: int) -> str | None:
    """The division or country code the place pass 1 found at ``i`` stands for, when it is a
    first-level division or a country ("Ontario" in "London, Ontario"), else None."""
    found = first[i]
    if found is None:
        return None
    place = found[0]
    if place.kind == "country":
        return place.country or None
    if place.kind == "admin1":
        return world_admin1(place.identifier)
    return None


def _abstains(
    name: str,
    place: Place,
    others: Counter[str],
    near: list[tuple[float, float]],
    within: str | None,
    params: GeoParams,
) -> bool:
    """A weakly supported pick of the world layer: a city of fewer than
    ``params.abstain_population`` people, one of several places of that name, in a country no
    other name of the document is in (``others``: countries of the other names), not inside the
    division named after it, with no other place of the document within ``params.near_km``."""
    if not params.abstain_population or place.kind != "city":
        return False
    if not place.source.startswith("GeoNames via"):
        return False  # the Syria gazetteer's own picks
    if (place.population or 0) >= params.abstain_population or not world_ambiguous(name):
        return False
    if others.get(place.country, 0) > 0 or within is not None:
        return False
    for lat, lon in near:
        if float(distance_km(place.lat, place.lon, lat, lon)) <= params.near_km:
            return False
    return True


def _speakers(
    text: str,
    spans: list[tuple[int, int, str, str]],
    names: list[str],
    first: list[tuple[Place, float] | None],
) -> set[str]:
    """Names of the document that name a person or a speaker somewhere in it, so none of their
    mentions is a place. A person: words only a person has after one mention
    (:func:`~ceasefire.news.person_names.person_cue`: "Georgia's father", "Georgia herself").
    A speaker: a name no gazetteer knows right after a speech verb ("..., said Oudshoorn") or
    right before one ("Oudshoorn said"); a name the gazetteers know may be a place speaking by
    metonymy ("Moscow said") and stays. The model tags many surnames as places."""
    out: set[str] = set()
    for (start, end, _, _), name, found in zip(spans, names, first, strict=True):
        if not name or name in out:
            continue
        if person_cue(text, start, end) or (
            found is None and (speaks_before(text, start, end) or speaks_after(text, end))
        ):
            out.add(name)
    return out


def _dateline_end(text: str) -> int:
    """Where a dateline at the start of ``text`` ends, or 0.

    >>> _dateline_end("KABUL, Afghanistan (Reuters) - Taliban fighters")
    31
    >>> _dateline_end("Fighting resumed on Tuesday.")
    0
    """
    m = _DATELINE.match(text[:120])
    return m.end() if m else 0


def geoparse(
    text: str,
    *,
    country_hint: str | None = None,
    doc: Any = None,
    params: GeoParams = DEFAULT_PARAMS,
) -> list[Toponym]:
    """The toponyms of ``text`` in order, each resolved with the document as context.

    ``country_hint`` (ISO alpha-2) fixes the document's country instead of inferring it;
    ``doc``: the spaCy doc of ``text`` when the caller already has it (it is not parsed twice);
    ``params``: the tunable choices (:class:`ceasefire.news.geo_params.GeoParams`).

    >>> tops = geoparse("Clashes near Ariha in Idlib province, on the M4 highway.")
    >>> [(t.text, t.place.kind) for t in tops]
    [('Ariha', 'city'), ('Idlib province', 'admin1'), ('M4 highway', 'road')]
    """
    if not text or not text.strip():
        return []
    doc = nlp()(text) if doc is None else doc
    spans = _spans(doc, params)
    ruled = {(e.start_char, e.end_char) for e in doc.ents if e.ent_id_ == RULER_ID}
    names = [_clean(s[2]) for s in spans]
    first: list[tuple[Place, float] | None] = []
    for (start, end, _, label), name in zip(spans, names, strict=True):
        syrian = (start, end) in ruled
        hint = country_hint or ("SY" if syrian else None)
        first.append(
            _resolve(name, label, syrian=syrian, country=hint, near=[], params=params)
            if name
            else None
        )
    if params.person_names:
        speakers = _speakers(doc.text, spans, names, first)
        first = [None if n in speakers else r for n, r in zip(names, first, strict=True)]
        names = ["" if n in speakers else n for n in names]
    country = country_hint
    if country is None:
        dateline = _dateline_end(text)
        counts: dict[str, float] = {}
        for (start, _, _, _), r in zip(spans, first, strict=True):
            if r is not None and r[0].country:
                weight = params.dateline_weight if start < dateline else 1.0
                counts[r[0].country] = counts.get(r[0].country, 0.0) + weight
        if counts:  # the first of the most mentioned (as Counter.most_common)
            country = max(counts, key=lambda c: counts[c])
    mentions = Counter(r[0].country for r in first if r is not None and r[0].country)
    if country_hint:
        mentions[country_hint] += 1
    whole = doc.text
    out = []
    for i, ((start, end, surface, label), name) in enumerate(zip(spans, names, strict=True)):
        if not name:
            continue
        near = [
            (r[0].lat, r[0].lon)
            for j, r in enumerate(first)
            if r is not None and j != i and names[j] != name and r[0].kind not in _WIDE
        ]
        within = None
        if params.admin1_bonus and i + 1 < len(spans):
            nxt = spans[i + 1]
            if _PAIR_GAP.match(whole[end : nxt[0]]):
                within = _within(first, i + 1)
        syrian = (start, end) in ruled
        found = _resolve(
            name, label, syrian=syrian, country=country, near=near, params=params, within=within
        )
        if found is not None and params.abstain_population:
            others = mentions.copy()
            own = first[i]
            if own is not None and own[0].country:
                others[own[0].country] -= 1
            if _abstains(name, found[0], others, near, within, params):
                found = None
        if found is None:
            if label in ("FAC", "NORP"):
                continue
            out.append(Toponym(start, end, surface, None, 0.0, None, None, None, None, label))
            continue
        place, score = found
        out.append(
            Toponym(
                start, end, surface, place, score, place.lat, place.lon, place.radius_km,
                place.identifier, label,
            )
        )  # fmt: skip
    return out


def geoparse_batch(
    texts: Iterable[str],
    *,
    params: GeoParams = DEFAULT_PARAMS,
    batch_size: int = 16,
) -> Iterator[list[Toponym]]:
    """:func:`geoparse` over many texts, the model run in batches (``nlp.pipe``): faster than
    one call per text. Yields one list of toponyms per text, in order.

    >>> [[t.text for t in tops] for tops in geoparse_batch(["Ariha was hit.", "", "In Paris."])]
    [['Ariha'], [], ['Paris']]
    """
    items = list(texts)
    kept = [t for t in items if t and t.strip()]
    docs = iter(nlp().pipe(kept, batch_size=batch_size))
    for text in items:
        if not text or not text.strip():
            yield []
            continue
        yield geoparse(text, doc=next(docs), params=params)
