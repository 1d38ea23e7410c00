"""The maintained actor list for reading news: canonical actor names and the phrases naming them.

The list is data, ``data/actors.yaml`` (edit it there): one entry per actor, named as ACLED names
it ("Military Forces of Syria (2000-)", "Opposition Rebels (Syria)", "Civilians (Syria)"), with
its ACLED ``inter`` code and the phrases that name it:

* ``aliases`` always name it ("regime forces", "Assad's army", "Turkish troops", "HTS");
* ``military`` aliases only in a sentence about fighting (a bare "Turkey" shelling something is
  the Turkish military), ``political`` ones only in a sentence about an agreement (a bare
  "Turkey" signing a deal is the Turkish government);
* ``victims`` nouns only as the people counted in a fatality phrase ("16 people were killed":
  civilians).

Matching is case-insensitive, accepts a final plural "s"/"es", and treats ' and ’ alike; an
alias written in capitals (HTS, IS, SAA) must match in capitals. Longer matches win over shorter
ones ("Syrian Democratic Forces" over "Syrian forces"). A context alias right after a preposition
("in Turkey", "to Moscow") is a place, not an actor, and is not matched.

>>> [(m.text, m.actor) for m in find_actors("Russian jets and regime forces hit HTS positions")]
[('Russian jets', 'Military Forces of Russia (2000-)'), ('regime forces', 'Military Forces of \
Syria (2000-)'), ('HTS', 'Hayat Tahrir al-Sham')]
>>> [m.actor for m in find_actors("Turkey shelled the town", context="military")]
['Military Forces of Turkey (2016-)']
>>> [m.actor for m in find_actors("Turkey and Russia agreed a truce", context="political")]
['Government of Turkey (2016-)', 'Government of Russia (2000-)']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

__all__ = [
    "ACTORS_FILE",
    "COUNTRY_NAMES",
    "Actor",
    "ActorMention",
    "actor_info",
    "actors",
    "country_name",
    "find_actors",
    "inter_code",
]

#: The bundled actor list (package resource path).
ACTORS_FILE = "data/actors.yaml"

#: ISO alpha-2 -> the country name used in actor names ("Civilians (Syria)").
COUNTRY_NAMES: dict[str, str] = {
    "SY": "Syria",
    "TR": "Turkey",
    "IQ": "Iraq",
    "LB": "Lebanon",
    "JO": "Jordan",
    "RU": "Russia",
    "IR": "Iran",
    "IL": "Israel",
    "YE": "Yemen",
    "LY": "Libya",
}

_CONTEXTS = ("military", "political", "victims")
_PLACE_PREPOSITIONS = re.compile(
    r"(?i)\b(?:in|near|to|from|of|into|across|inside|at|toward|towards|outside|via)\s+$"
)


@dataclass(frozen=True)
class Actor:
    """One actor of the list: canonical name (``{country}`` unfilled), ACLED inter code, state."""

    name: str
    inter: int
    country: str | None
    aliases: tuple[str, ...]
    military: tuple[str, ...] = ()
    political: tuple[str, ...] = ()
    victims: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActorMention:
    """A phrase naming an actor: offsets into the text searched, the phrase, the canonical name
    (``{country}`` filled) and the kind of alias that matched (``alias``, ``military``,
    ``political`` or ``victims``)."""

    start: int
    end: int
    text: str
    actor: str
    kind: str


def country_name(iso2: str | None) -> str:
    """The name used for ``iso2`` in actor names (the code itself when not in the table).

    >>> country_name("SY"), country_name("XK"), country_name(None)
    ('Syria', 'XK', 'Syria')
    """
    code = (iso2 or "SY").upper()
    return COUNTRY_NAMES.get(code, code)


@cache
def actors() -> tuple[Actor, ...]:
    """The actor list, read once from :data:`ACTORS_FILE`.

    >>> any(a.name == "Hayat Tahrir al-Sham" for a in actors())
    True
    """
    text = resources.files("ceasefire").joinpath(ACTORS_FILE).read_text("utf-8")
    out = []
    for entry in yaml.safe_load(text):
        out.append(
            Actor(
                name=str(entry["name"]),
                inter=int(entry["inter"]),
                country=entry.get("country"),
                aliases=tuple(str(a) for a in entry.get("aliases") or ()),
                military=tuple(str(a) for a in entry.get("military") or ()),
                political=tuple(str(a) for a in entry.get("political") or ()),
                victims=tuple(str(a) for a in entry.get("victims") or ()),
            )
        )
    return tuple(out)


def _alias_regex(alias: str) -> str:
    parts = [re.escape(p) for p in alias.split()]
    body = r"\s+".join(parts).replace("'", "['’]")
    caps = alias.upper() == alias and any(c.isalpha() for c in alias)
    plural = "" if caps or not alias[-1].isalpha() else "(?:s|es)?"
    return (r"(?-i:" + body + ")" if caps else body) + plural


@cache
def _pattern(kind: str) -> tuple[re.Pattern[str], dict[str, str]]:
    """One regex over every alias of ``kind``, longest first; the group name gives the actor."""
    entries: list[tuple[str, str]] = []
    for actor in actors():
        for alias in getattr(actor, "aliases" if kind == "alias" else kind):
            entries.append((alias, actor.name))
    entries.sort(key=lambda e: -len(e[0]))
    groups = []
    names: dict[str, str] = {}
    for i, (alias, name) in enumerate(entries):
        groups.append(f"(?P<a{i}>{_alias_regex(alias)})")
        names[f"a{i}"] = name
    return re.compile(r"(?i)(?<![\w-])(?:" + "|".join(groups) + r")(?![\w-])"), names


_WORD = re.compile(r"\w+")


@cache
def _heads(kind: str) -> frozenset[str] | None:
    """The longest word of every alias of ``kind``, lowercased: a sentence holding none of them
    names no actor of that kind (None when an alias has no word, so that nothing is skipped)."""
    heads = set()
    for actor in actors():
        for alias in getattr(actor, "aliases" if kind == "alias" else kind):
            caps = alias.upper() == alias  # matched case-sensitively ("IS", not "is")
            words = _WORD.findall(alias if caps else alias.lower())
            if not words:
                return None
            heads.add(max(words, key=len))
    return frozenset(heads)


def _words(text: str) -> set[str]:
    """The words of ``text`` as written and lowercased, plural endings also dropped (an alias
    "rebel" matches "rebels")."""
    found = _WORD.findall(text)
    out = set(found)
    for w in (x.lower() for x in found):
        out.add(w)
        if w.endswith("s"):
            out.add(w[:-1])
            if w.endswith("es"):
                out.add(w[:-2])
    return out


def find_actors(
    text: str, *, context: str | None = None, country: str = "SY"
) -> list[ActorMention]:
    """The actors named in ``text``, in text order, never overlapping (the longest phrase wins).

    ``context`` adds the ``military``, ``political`` or ``victims`` aliases to the plain ones;
    ``country`` fills ``{country}`` in names ("Civilians (Syria)").
    """
    kinds = ["alias"]
    if context is not None:
        if context not in _CONTEXTS:
            raise ValueError(f"context must be one of {_CONTEXTS}, not {context!r}")
        kinds.append(context)
    found: list[ActorMention] = []
    words = _words(text)
    for kind in kinds:
        heads = _heads(kind)
        if heads is not None and heads.isdisjoint(words):
            continue  # no alias can match here: skip the big alternation (most sentences)
        pattern, names = _pattern(kind)
        for m in pattern.finditer(text):
            if kind in ("military", "political") and _PLACE_PREPOSITIONS.search(
                text[max(0, m.start() - 12) : m.start()]
            ):
                continue
            name = names[str(m.lastgroup)].replace("{country}", country_name(country))
            found.append(ActorMention(m.start(), m.end(), m.group(0), name, kind))
    chosen: list[ActorMention] = []
    for mention in sorted(found, key=lambda x: (-(x.end - x.start), x.start)):
        if all(mention.end <= c.start or mention.start >= c.end for c in chosen):
            chosen.append(mention)
    return sorted(chosen, key=lambda x: x.start)


@cache
def _by_name() -> dict[str, Actor]:
    return {a.name: a for a in actors()}


def actor_info(name: str) -> Actor | None:
    """The list's entry for a canonical name (``{country}`` filled or not), else None.

    >>> actor_info("Civilians (Syria)").inter, actor_info("Nobody") is None
    (7, True)
    """
    table = _by_name()
    if name in table:
        return table[name]
    for template, actor in table.items():
        if "{country}" in template:
            head, tail = template.split("{country}", 1)
            if name.startswith(head) and name.endswith(tail) and len(name) > len(head + tail):
                return actor
    return None


def inter_code(name: str | None, country: str = "SY") -> int | None:
    """ACLED inter code of ``name`` in an event in ``country``: a state's own forces are 1
    at home and 8 (external forces) abroad; unknown names give None.

    >>> inter_code("Military Forces of Turkey (2016-)"), inter_code("Opposition Rebels (Syria)")
    (8, 2)
    >>> inter_code("Military Forces of Syria (2000-)"), inter_code(None)
    (1, None)
    """
    if name is None:
        return None
    actor = actor_info(name)
    if actor is None:
        return None
    if actor.inter == 1 and actor.country is not None and actor.country != country.upper():
        return 8
    return actor.inter
