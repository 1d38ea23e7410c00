"""Fatalities in news sentences: counts in words and digits, floors, ceilings and ranges,
and the phrases that report deaths (not wounded); the conventions are listed in
:mod:`ceasefire.news.events` (which re-exports :func:`parse_fatalities`).

>>> parse_fatalities("at least 16 people were killed")
(16, 16, None)
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = [
    "COUNT",
    "COUNT_RE",
    "FATALITY_WORDS",
    "NONE_KILLED_RE",
    "WOUNDED_RES",
    "fatality_spans",
    "parse_fatalities",
    "sum_fatalities",
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
COUNT = (
    rf"(?:(?P<q>{_FLOOR}|{_CEILING}|{_ABOUT})\s+)?"
    rf"(?:between\s+(?P<b1>{_NUM})\s+and\s+(?P<b2>{_NUM})"
    rf"|(?P<n>{_NUM})(?:\s*(?:to|-|–|or)\s*(?P<n2>{_NUM}))?"
    rf"|(?P<v>{_VAGUE})(?:\s+of)?"
    rf"|(?P<a>an?)(?=\s+[a-z]))"
)
COUNT_RE = re.compile(rf"(?i)(?<![\w-]){COUNT}(?![\w-])")
"""A count of people: a number, a range, a floor or a ceiling, a vague count."""
_WOUND = r"wound\w*|injur\w*|hurt|maim\w*"
_KILLED = (
    r"killed|dead|died|slain|perished|lost\s+their\s+lives|lost\s+his\s+life|executed|"
    r"massacred|shot\s+dead"
)
_NOUNS = r"(?:[A-Za-z'’“”\"-]+\s+){0,5}?"
# a number that is a time, a distance, a share or an age, not a count of the dead
_NOT_A_COUNT = (
    r"a\.m\b|p\.m\b|am\b|pm\b|o['’]clock|GMT|GMT\b|km\b|kilomet|miles?\b|percent|%|years?\b"
    r"|-year|hours?\b|days?\b|minutes?\b|weeks?\b|months?\b"
)
_PASSIVE_RE = re.compile(
    rf"(?i)(?<![\w-]){COUNT}\s+(?P<who>{_NOUNS})(?:(?:were|was|have\s+been|has\s+been|had\s+been"
    rf"|are|is|reportedly|also|all)\s+)*(?:{_KILLED})\b"
)
_ACTIVE_RE = re.compile(
    rf"(?i)\b(?:kill(?:ed|ing|s)?|execut(?:ed|es|ing)|shot\s+dead|shooting\s+dead|leaving|left|"
    rf"claim(?:ed|ing|s)?\s+the\s+lives\s+of|death\s+toll\b[^.;]{{0,80}}?\b(?:rose|rises|"
    rf"climbed|climbs|reached|reaches|jumped|stood|stands|increased|risen|rising|hits|to)\s*"
    rf"(?:to|at)?|death\s+toll\s+(?:of|at)|deaths?\s+of)\s+"
    rf"{COUNT}(?!\s*(?:{_NOT_A_COUNT}))"
    rf"(?P<who>(?:\s+[A-Za-z'’“”\"-]+){{0,6}}?)(?=\s*(?:[,.;:…]|and\b|in\b|on\b|near\b|"
    rf"at\b|as\b|when\b|after\b|while\b|during\b|including\b|dead\b|following\b|by\b"
    rf"|with\b|from\b|since\b|$))"
)
_DEAD_NOUN_RE = re.compile(
    rf"(?i)(?<![\w-]){COUNT}\s+(?P<who>(?:[A-Za-z'’-]+\s+){{0,2}}?)"
    r"(?:martyrs|dead|deaths|fatalities|bodies)\b(?!\s+(?:and|or)\s+(?:wounded|injured))"
)
_LIST_ITEM_RE = re.compile(
    rf"(?i)(?<![\w-]){COUNT}\s+(?P<who>(?:[A-Za-z'’-]+\s+){{0,4}}?[A-Za-z'’-]+)\s*,\s*(?:and\s+)?$"
)
_AND_MORE_RE = re.compile(
    rf"(?i)^\s*,?\s*and\s+{COUNT}(?P<who>(?:\s+[A-Za-z'’-]+){{0,3}}?)"
    rf"(?=\s*(?:[,.;:]|and\b|in\b|on\b|near\b|$))"
)
#: Phrases that count the wounded (group ``who``: the words naming them), never the dead.
WOUNDED_RES = (
    re.compile(
        rf"(?i)\b(?:wound(?:ed|ing)|injur(?:ed|ing))\s+{COUNT}(?P<who>(?:\s+[A-Za-z'’-]+){{0,4}}?)"
        rf"(?=\s*(?:[,.;:]|and\b|in\b|on\b|near\b|$))"
    ),
    re.compile(
        rf"(?i)(?<![\w-]){COUNT}\s+(?P<who>{_NOUNS})(?:(?:were|was|have\s+been|has\s+been|had"
        rf"\s+been|are|is)\s+)*(?:wounded|injured|hurt)\b"
    ),
)
#: "No one was killed", "no casualties": a count of zero dead.
NONE_KILLED_RE = re.compile(
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
    spans = fatality_spans(phrase)
    if spans:
        return sum_fatalities([v for _, _, v, _ in spans])
    if NONE_KILLED_RE.search(phrase):
        return 0, 0, 0
    # a bare count ("at least 16", "dozens"), unless it counts the wounded
    for m in COUNT_RE.finditer(phrase):
        if m.group("a"):
            continue
        after = phrase[m.end() : m.end() + 40]
        before = phrase[max(0, m.start() - 15) : m.start()]
        if re.match(rf"(?i)(?:\s+[A-Za-z'’-]+){{0,4}}?\s+(?:were\s+|was\s+)?(?:{_WOUND})", after):
            continue
        if re.search(rf"(?i)(?:{_WOUND})\s*$", before):
            continue
        if re.match(rf"\s*(?:{_NOT_A_COUNT})", phrase[m.end() :]):
            continue  # "around 5 p.m.": a time
        return _count_value(m)
    return None, None, None


def sum_fatalities(
    values: Sequence[tuple[int | None, int | None, int | None]],
) -> tuple[int | None, int | None, int | None]:
    """Several ``(low, best, high)`` counts as one: the best ones summed; the low and high ones
    summed only when every count has one."""
    lows, bests, highs = zip(*values, strict=True)
    best = sum(b for b in bests if b is not None) if any(b is not None for b in bests) else None
    low = sum(lows) if all(v is not None for v in lows) else None  # type: ignore[arg-type]
    high = sum(highs) if all(v is not None for v in highs) else None  # type: ignore[arg-type]
    return low, best, high


_AUX_RE = re.compile(r"(?i)\b(?:were|was|have\s+been|has\s+been|had\s+been|are|is)\s")


def _is_active(text: str, m: re.Match[str]) -> bool:
    """Whether a passive-looking match ("an airstrike killed") is the subject of an active
    verb with its own object ("... killed 33 soldiers"): no auxiliary, and a count or a
    determiner right after the verb."""
    if _AUX_RE.search(text[m.end("who") : m.end()]):
        return False
    verb = re.search(rf"(?i)(?:{_KILLED})$", text[m.start() : m.end()])
    if verb is None:
        return False
    return _ACTIVE_RE.match(text, m.start() + verb.start()) is not None


_PERSON = (
    r"(?i:soldier|civilian|child|man|woman|boy|girl|fighter|rebel|officer|policeman|journalist"
    r"|commander|militant|activist|doctor|teacher|worker|farmer|shepherd|student|citizen|leader"
    r"|guard|cleric|member|jihadist|trooper|gunman|pilot|paramedic|nurse|reporter|photographer"
    r"|official|chief|head|deputy|mayor|judge|officer)(?!\w)"
)
_ONE_RE = re.compile(
    rf"^(?:[A-Z][\w'’.-]*\s+){{0,3}}?(?P<who>(?:[A-Za-z'’-]+\s+){{0,2}}?{_PERSON})\s+"
    r"(?:was\s+|is\s+)?(?:killed|shot\s+dead|dies|died|slain)\b"
)
# "the killing of the commander of ...": one dead
_KILLING_OF_ONE_RE = re.compile(
    rf"(?i)\b(?:killing|death|assassination|execution|murder)\s+of\s+(?P<who>(?:the|a|an|his|her"
    rf"|their|its)\s+(?:[\w'’-]+\s+){{0,2}}?{_PERSON})"
)


_WAS_KILLED_RE = re.compile(
    r"(?P<who>\b(?:[Hh]e|[Ss]he)\b|(?:\b(?:[Tt]he|[Hh]is|[Hh]er|[Tt]heir|[Ii]ts|[Aa]|[Aa]n)\s+)(?:[A-Za-z'’-]+\s+){0,3}?"
    r"[A-Za-z'’-]+|\b[A-Z][a-z'’-]+(?:\s+(?:[A-Z]|al-[A-Z])[a-z'’-]+){0,2})\s+"
    r"(?:was|has\s+been|had\s+been)\s+"
    r"(?:reportedly\s+|also\s+)?(?:killed|shot\s+dead|slain|assassinated|executed)\b"
)
_KILLED_AND_WOUNDED_RE = re.compile(
    r"(?i)\s*(?:and|or|&|/)\s*(?:(?:seriously|critically|badly)\s+)?"
    r"(?:wounded|injured|hurt|wounding|injuring)\b"
)


def fatality_spans(
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
        if _is_active(text, m):
            continue  # "an airstrike killed 33 soldiers": the subject, not the dead
        found.append((m.start(), m.end(), _count_value(m), m.span("who")))
        start = m.start()  # "24 civilians, 24 Kurdish fighters, and 25 militiamen were killed"
        while (item := _LIST_ITEM_RE.search(text, 0, start)) is not None:
            found.append((item.start(), start, _count_value(item), item.span("who")))
            start = item.start()
    for m in _DEAD_NOUN_RE.finditer(text):
        if not overlaps(m.start(), m.end()):
            # "26 martyrs" names the dead; "12 dead" only counts them
            noun = re.search(r"(?i)(?:martyrs|bodies)$", m.group(0))
            who = (m.start("who"), m.end()) if noun else m.span("who")
            found.append((m.start(), m.end(), _count_value(m), who))
    if not found:  # a singular: "Turkish soldier killed in Idlib", "the commander was killed"
        one = _ONE_RE.match(text) or _WAS_KILLED_RE.search(text) or _KILLING_OF_ONE_RE.search(text)
        if one is not None and not re.match(r"(?i)(?:no\s+one|nobody|none)\b", one.group("who")):
            found.append((one.start(), one.end(), (1, 1, 1), one.span("who")))
    # "21 people were killed and wounded": one number for the dead and the wounded is no count
    found = [f for f in found if not _KILLED_AND_WOUNDED_RE.match(text, f[1])]
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
