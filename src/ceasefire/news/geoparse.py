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
from dataclasses import dataclass, replace
from typing import Any

from .gazetteer import Place, lookup
from .nlp import RULER_ID, nlp
from .recognition import extra_spans
from .world import world_country, world_lookup

__all__ = ["REGION", "Toponym", "geoparse"]

REGION = frozenset({"SY", "TR", "LB", "IQ", "JO", "IL", "PS"})
"""Countries whose documents go to the Syria gazetteer first."""

_LABELS = ("GPE", "LOC", "FAC")
_LEAD = re.compile(r"^(?:the|The|THE)\s+")
_TRAIL = re.compile(r"(?:['’]s|['’])$")
_GENERIC = re.compile(
    r"^(.*?)\s+(?:County|Parish|State|Province|Region|District|Prefecture|Oblast|Governorate)$"
)
SYRIA_MIN = 0.5
"""Lowest Syria-gazetteer score accepted (the gazetteer's own ``resolve`` threshold)."""


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


def _spans(doc: Any) -> list[tuple[int, int, str, str]]:
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
    for start, end, label in extra_spans(doc, kept):
        span = doc.char_span(start, end)
        if span is not None and not _names_disease(doc, span.end):
            out.append((start, end, whole[start:end], label))
    out.sort(key=lambda s: s[0])
    return out


def _country_point(found: tuple[Place, float] | None) -> tuple[Place, float] | None:
    """A country resolved by the Syria gazetteer (often its capital's point) moved to the
    world layer's GeoNames country point, the convention of gazetteers and gold corpora."""
    if found is None or found[0].kind != "country":
        return found
    world = world_country(found[0].country)
    if world is None:
        return found
    place = replace(found[0], lat=world.lat, lon=world.lon, radius_km=world.radius_km)
    return place, found[1]


def _demonym(name: str) -> tuple[Place, float] | None:
    if name.endswith("s") and _demonym(name[:-1]) is not None:
        return None  # "Americans", "Iraqis": people, not a place
    found = lookup(name, country=None, kind="country", limit=1)
    if found and found[0][1] >= 0.6:
        return found[0]
    world = world_lookup(name, limit=1)
    if world and world[0][0].kind in ("continent", "admin1", "country"):
        return world[0]
    return None


def _syria(
    name: str, country: str | None, near: list[tuple[float, float]]
) -> tuple[Place, float] | None:
    found = lookup(name, country=country or "SY", near=near, limit=1)
    if found and found[0][1] >= SYRIA_MIN:
        return found[0]
    return None


def _world(
    name: str, country: str | None, near: list[tuple[float, float]]
) -> tuple[Place, float] | None:
    found = world_lookup(name, country=country, near=near, limit=1)
    if not found:
        m = _GENERIC.match(name)
        if m:
            found = world_lookup(m.group(1), country=country, near=near, limit=1)
    return found[0] if found else None


def _resolve(
    name: str,
    label: str,
    *,
    syrian: bool,
    country: str | None,
    near: list[tuple[float, float]],
) -> tuple[Place, float] | None:
    if label == "NORP":
        return _country_point(_demonym(name))
    regional = syrian or (country in REGION)
    if regional:
        return _country_point(_syria(name, country, near)) or _world(name, country, near)
    found = _world(name, country, near)
    if found is not None:
        return found
    strict = lookup(name, country=None, limit=1)
    if strict and strict[0][1] >= 0.7:
        return _country_point(strict[0])
    return None


def geoparse(text: str, *, country_hint: str | None = None, doc: Any = None) -> list[Toponym]:
    """The toponyms of ``text`` in order, each resolved with the document as context.

    ``country_hint`` (ISO alpha-2) fixes the document's country instead of inferring it;
    ``doc``: the spaCy doc of ``text`` when the caller already has it (it is not parsed twice).

    >>> tops = geoparse("Clashes near Ariha in Idlib province, on the M4 highway.")
    >>> [(t.text, t.place.kind) for t in tops]
    [('Ariha', 'city'), ('Idlib province', 'admin1'), ('M4 highway', 'road')]
    """
    if not text or not text.strip():
        return []
    doc = nlp()(text) if doc is None else doc
    spans = _spans(doc)
    ruled = {(e.start_char, e.end_char) for e in doc.ents if e.ent_id_ == RULER_ID}
    names = [_clean(s[2]) for s in spans]
    first: list[tuple[Place, float] | None] = []
    for (start, end, _, label), name in zip(spans, names, strict=True):
        syrian = (start, end) in ruled
        hint = country_hint or ("SY" if syrian else None)
        first.append(_resolve(name, label, syrian=syrian, country=hint, near=[]) if name else None)
    country = country_hint
    if country is None:
        counts = Counter(r[0].country for r in first if r is not None and r[0].country)
        if counts:
            country = counts.most_common(1)[0][0]
    out = []
    for i, ((start, end, surface, label), name) in enumerate(zip(spans, names, strict=True)):
        if not name:
            continue
        near = [
            (r[0].lat, r[0].lon)
            for j, r in enumerate(first)
            if r is not None and j != i and names[j] != name
            and r[0].kind not in ("country", "continent")
        ]  # fmt: skip
        syrian = (start, end) in ruled
        found = _resolve(name, label, syrian=syrian, country=country, near=near)
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
