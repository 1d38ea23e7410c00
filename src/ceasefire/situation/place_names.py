"""Arabic names of Syrian places, from the bundled OCHA administrative boundaries.

``data/admin/syr_admin{1,2,3}.geojson`` (OCHA COD-AB: governorates, districts, sub-districts)
give every unit its English name (``adm1_name``) and its Arabic name (``adm1_name1``) under a
P-code. :func:`arabic_name` maps a place name as the evidence writes it to the Arabic one:

- by P-code, where the caller has one (``SY07`` -> إدلب);
- else by the name, compared after :func:`ceasefire.news.gazetteer.normalise_name` (case,
  diacritics, the article al-/ash-, doubled letters), against the units' OCHA English names and
  the gazetteer's English aliases of those same units (the gazetteer lists ``Idlib`` for OCHA's
  ``Idleb``); a trailing ``town``, ``city`` or ``village`` (how UCDP writes a locality) is set
  aside first, and ``Governorate``/``province`` becomes محافظة;
- a name that units of several levels share is the highest's (Idleb the governorate, not
  its district ``مركز إدلب``); one that units of the same level but different Arabic names
  share is ambiguous, and a name no unit
  has is unknown: both stay as written. Nothing is guessed or transliterated.

The tables are read once (:func:`functools.lru_cache`).

>>> arabic_name("Idlib"), arabic_name("Idleb"), arabic_name("SY07", pcode=True)
('إدلب', 'إدلب', 'إدلب')
>>> arabic_name("Aleppo Governorate"), arabic_name("Nowhere town"), arabic_name("<b>")
('محافظة حلب', 'Nowhere town', '<b>')
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Final

from ..news.gazetteer import load_gazetteer, normalise_name

__all__ = ["ADMIN_FILES", "arabic_name", "arabic_names", "name_table"]

#: The OCHA boundaries whose names are read (level -> file).
ADMIN_FILES: Final = {
    level: Path(__file__).resolve().parent.parent / "data" / "admin" / f"syr_admin{level}.geojson"
    for level in (1, 2, 3)
}
#: Words after a locality's name that say what it is (UCDP's "Idlib town"): set aside.
_LOCALITY: Final = re.compile(r"^(.*\S)\s+(?:town|city|village)$", re.IGNORECASE)
#: "Aleppo Governorate", "Idlib province": the governorate, written محافظة <name>.
_GOVERNORATE: Final = re.compile(
    r"^(?:(.*\S)\s+(?:governorate|province)|(?:governorate|province)\s+of\s+(.*\S))$",
    re.IGNORECASE,
)

#: How OCHA's Arabic names begin for a district's central sub-district.
_CENTRE: Final = "مركز "


def name_table(units: Iterable[tuple[int, str, str]]) -> dict[str, str]:
    """Normalised English name -> Arabic name from ``(level, English, Arabic)`` of admin
    units: a name several levels share is the highest level's (the governorate's); a name
    units of one level share under different Arabic names is left out (ambiguous).

    >>> name_table([(1, "Idleb", "إدلب"), (2, "Idleb", "مركز إدلب"), (3, "Al Bab", "الباب"),
    ...             (3, "Al-Bab", "باب آخر")])
    {'idleb': 'إدلب'}
    """
    english: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for level, name, arabic in units:
        key = normalise_name(name)
        if key and arabic:
            english[key][level].add(arabic)
    out = {}
    for key, levels in english.items():
        forms = levels[min(levels)]
        if len(forms) == 1:
            out[key] = next(iter(forms))
    return out


@lru_cache(maxsize=1)
def arabic_names() -> tuple[Mapping[str, str], Mapping[str, str]]:
    """The lookup tables, read once: P-code -> Arabic name, and normalised English name ->
    Arabic name (:func:`name_table` of the OCHA names and the gazetteer's English aliases of
    the same units)."""
    by_pcode: dict[str, str] = {}
    units: list[tuple[int, str, str]] = []
    for level, path in ADMIN_FILES.items():
        data = json.loads(path.read_text(encoding="utf-8"))
        for feature in data["features"]:
            p = feature["properties"]
            code, name, arabic = (
                str(p.get(f"adm{level}_{k}") or "") for k in ("pcode", "name", "name1")
            )
            if code and arabic:
                by_pcode[code] = arabic
                units.append((level, name, arabic))
    gazetteer = load_gazetteer()
    rows = gazetteer[gazetteer["identifier"].str.startswith("pcode:")]
    for identifier, aliases in zip(rows["identifier"], rows["aliases"].fillna(""), strict=True):
        code = str(identifier).removeprefix("pcode:")
        arabic = by_pcode.get(code, "")
        level = (len(code) - 2) // 2  # SY07: 1, SY0700: 2, SY070000: 3
        for alias in str(aliases).split("|"):
            if arabic and alias.strip() and alias.isascii():
                units.append((level, alias, arabic))
    return by_pcode, name_table(units)


def arabic_name(name: str, *, pcode: bool = False) -> str:
    """``name`` in Arabic where the OCHA boundaries give it one (see the module's docstring),
    else ``name`` as written. ``pcode``: ``name`` is a P-code."""
    by_pcode, by_name = arabic_names()
    if pcode:
        return by_pcode.get(name.strip().upper(), name)
    text = name.strip()
    if not text:
        return name
    if (m := _GOVERNORATE.match(text)) is not None:
        found = by_name.get(normalise_name(m.group(1) or m.group(2)))
        return f"محافظة {found}" if found else name
    found = by_name.get(normalise_name(text))
    if found is None and (m := _LOCALITY.match(text)) is not None:
        found = by_name.get(normalise_name(m.group(1)))
    if found is None:
        return name
    # OCHA calls a district's central sub-district "مركز <town>" ("<town> centre") where its
    # English name is the town's alone: the Arabic follows the English as written
    if found.startswith(_CENTRE) and "markaz" not in text.casefold():
        found = found.removeprefix(_CENTRE)
    return found
