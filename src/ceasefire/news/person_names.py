"""Names of people, which the geoparser must never resolve as places ("al-Assad" is not the
Damascus suburb Dahiet al-Assad, "Assad's army" names no place).

A name is a person's when

- it is a known person's name: the aliases of the state actors in ``data/actors.yaml`` that are
  written as names ("Bashar al-Assad", "Erdogan", "Vladimir Putin"), and the surname of each
  ("al-Assad", "Assad", "Putin");
- it follows a person's title or honorific ("President", "Mr", "Sheikh", "Prime Minister");
- it is an Arabic surname with its article ("al-Assad", "el-Sisi") written right after a
  capitalised given name ("Bashar al-Assad"), or after a name the model tagged as a person.

The rule was designed looking at the example sentences of issue 13 and at GeoWebNews only; it is
judged on TR-News and GeoVirus (see ``docs/geoparsing.md``).

>>> is_known_person("al-Assad"), is_known_person("Assad"), is_known_person("Aleppo")
(True, True, False)
>>> follows_title("Syrian President Bashar al-Assad", 24)
True
>>> follows_title("fighting near Saraqib", 14)
False
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import yaml

from .gazetteer import normalise_name

__all__ = [
    "TITLES",
    "follows_title",
    "given_name_before",
    "is_known_person",
    "person_cue",
    "person_keys",
    "speaks_after",
    "speaks_before",
]

TITLES = (
    "President", "Prime Minister", "Minister", "Foreign Minister", "Defence Minister",
    "Defense Minister", "Mr", "Mrs", "Ms", "Dr", "Sheikh", "Sheik", "King", "Queen", "Prince",
    "Emir", "Sultan", "General", "Gen", "Lt", "Col", "Colonel", "Commander", "Senator", "Sen",
    "Rep", "Gov", "Governor", "Ayatollah", "Imam", "Pope", "Chancellor", "Secretary",
    "Spokesman", "Spokeswoman", "Ambassador", "Envoy", "Premier", "Mayor", "Judge", "Sir",
    "Lord", "Lady", "Pastor", "Rev", "Professor", "Prof", "Brig", "Maj", "Capt", "Sgt",
)  # fmt: skip
"""Titles and honorifics after which a capitalised name is a person's."""
_TITLE_BEFORE = re.compile(
    r"(?:\b(?:" + "|".join(sorted((re.escape(t) for t in TITLES), key=len, reverse=True)) + r")"
    r"\.?)\s+(?:[A-Z][\w'’.-]*\s+){0,3}$"
)
_NAME_WORD = re.compile(r"^[A-Z][a-z]+(?:-[A-Z][a-z]+)?$")
_ARABIC_SURNAME = re.compile(r"^(?:[Aa]l|[Ee]l|[Aa]d|[Aa]s|[Aa]sh|[Aa]r|[Aa]t|[Aa]z|[Aa]n)-[A-Z]")
_ACTORS = "data/actors.yaml"
_NOT_NAME_WORDS = frozenset(
    "Government Ministry Foreign Defence Defense Army Forces Office Kremlin Regime".split()  # noqa: SIM905
)


@cache
def person_keys() -> frozenset[str]:
    """Normalised keys of known person names: the aliases of the governments in
    ``data/actors.yaml`` written as names (capitalised words, Arabic articles allowed, no word
    of an institution, titles and demonyms dropped), and each one's last word.

    >>> sorted(k for k in person_keys() if "asad" in k)
    ['asad', 'basharasad']
    """
    text = resources.files("ceasefire").joinpath(_ACTORS).read_text(encoding="utf-8")
    out: set[str] = set()
    for entry in yaml.safe_load(text) or []:
        if not str(entry.get("name", "")).startswith("Government of"):
            continue
        for alias in entry.get("aliases") or []:
            words = str(alias).split()
            if any(not (w[:1].isupper() or _ARABIC_SURNAME.match(w)) for w in words):
                continue
            plain = [w for w in words if "-" not in w]
            if any(w in _NOT_NAME_WORDS or w.isupper() or not w.isalpha() for w in plain):
                continue
            titled = [i for i, w in enumerate(words) if w in TITLES]
            if titled:  # "Turkish President Recep Tayyip Erdogan": the name after the title
                words = words[titled[-1] + 1 :]
            if not words:
                continue
            for name in (" ".join(words), words[-1]):
                key = normalise_name(name)
                if key:
                    out.add(key)
    return frozenset(out)


def is_known_person(name: str) -> bool:
    """``name`` is a known person's name (or surname), however the Arabic article is spelled."""
    key = normalise_name(name)
    return bool(key) and key in person_keys()


def follows_title(text: str, start: int) -> bool:
    """The name starting at ``text[start]`` follows a title ("President Bashar al-Assad": the
    name at "al-Assad" counts too, up to three capitalised words after the title)."""
    return _TITLE_BEFORE.search(text[max(0, start - 80) : start]) is not None


def given_name_before(text: str, start: int, name: str) -> bool:
    """``name`` is an Arabic surname with its article ("al-Assad") right after a capitalised
    word ("Bashar al-Assad").

    >>> given_name_before("Bashar al-Assad said", 7, "al-Assad")
    True
    >>> given_name_before("in Tal Abyad", 7, "Abyad")
    False
    """
    if not _ARABIC_SURNAME.match(name):
        return False
    before = text[max(0, start - 30) : start]
    if not before.endswith(" "):
        return False
    words = before.split()
    return bool(words) and _NAME_WORD.match(words[-1]) is not None


_SPEECH = (
    r"(?:said|says|told|tells|added|adds|noted|notes|explained|explains|stated|wrote|writes"
    r"|asked|asks|replied|replies|reported|reports|announced|tweeted|recalled|recalls)"
)
_SPEAKER_BEFORE = re.compile(rf"\b(?:{_SPEECH}|according to)\s+$")
_SPEAKER_AFTER = re.compile(rf",?\s+{_SPEECH}\b")
_POSSESSIVE = re.compile(r"['’]s?\b")


def speaks_before(text: str, start: int, end: int) -> bool:
    """The name ``text[start:end]`` comes right after a speech verb and is no possessive: a
    speaker ("..., said Georgia."; "according to Xinhua"), not "said Turkey's minister".

    >>> t = 'the top six," said Georgia, noting'
    >>> speaks_before(t, t.index("Georgia"), t.index("Georgia") + 7)
    True
    >>> t = "said Turkey's foreign minister"
    >>> speaks_before(t, 5, 11)
    False
    """
    if _POSSESSIVE.match(text, end):
        return False
    return _SPEAKER_BEFORE.search(text[max(0, start - 40) : start]) is not None


def speaks_after(text: str, end: int) -> bool:
    """A speech verb follows the name that ends at ``text[end]`` ("Oudshoorn said"): a speaker,
    or a place speaking by metonymy ("Moscow said"), which the caller tells apart.

    >>> speaks_after("housing, Oudshoorn said.", 18)
    True
    >>> speaks_after("Shelling in Idlib killed two.", 17)
    False
    """
    return _SPEAKER_AFTER.match(text, end) is not None


_KIN = (
    r"father|mother|dad|mom|mum|parents|wife|husband|son|daughter|brother|sister"
    r"|girlfriend|boyfriend"
)
_PERSON_AFTER = re.compile(rf"(?:['’]s\s+(?:{_KIN})\b|\s+(?:himself|herself)\b)")


def person_cue(text: str, start: int, end: int) -> bool:
    """Words after the name ``text[start:end]`` that only a person has: a relative ("Georgia's
    father") or a reflexive pronoun ("Georgia herself"). A place has neither, whatever its
    size (an age is no cue: "a 25-year-old Paris, Missouri, man").

    >>> t = "said Cory Stevens, Georgia's father"
    >>> person_cue(t, 19, 26)
    True
    >>> t = "Turkey's army"
    >>> person_cue(t, 0, 6)
    False
    """
    return _PERSON_AFTER.match(text, end) is not None
