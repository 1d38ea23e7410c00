"""Speakers in news text: reporting verbs, titles, persons and their gender, pronoun
resolution and speaker noun phrases, shared by :mod:`ceasefire.news.quotes` and
:mod:`ceasefire.news.claims` (the conventions are in the former's docstring).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .sentences import Sentence

__all__ = [
    "NP_LOWER",
    "PRONOUNS",
    "REPORTING",
    "REPORTING_RE",
    "Person",
    "PersonMention",
    "find_persons",
    "np_backward",
    "np_forward",
    "resolve_pronoun",
    "sentence_at",
    "trim_np",
]

# --------------------------------------------------------------------------- sentences


def sentence_at(sentences: list[Sentence], pos: int) -> int:
    """The index of the sentence ``pos`` is in (or, between two, the one before)."""
    for i, (a, b, _) in enumerate(sentences):
        if a <= pos < b or (i + 1 < len(sentences) and pos < sentences[i + 1][0]):
            return i
    return len(sentences) - 1


# --------------------------------------------------------------------------- word lists

#: Reporting verbs ("said", "told", "warned", ...), an alternation for regular expressions.
REPORTING = (
    r"said|says|say|told|tells|added|adds|stated|states|declared|announced|warned|insisted"
    r"|stressed|noted|explained|continued|wrote|tweeted|claimed|asserted|argued|alleged"
    r"|asked|asks|recalled|recalls|replied|replies|recounted|remarked|admitted|acknowledged"
    r"|conceded|confirmed|confirms|observed|shouted|cautioned|outlined|explains|notes|insists"
    r"|stresses|warns|writes|tweets|claims|argues|recalls|admits|declares|announces"
)
REPORTING_RE = re.compile(rf"\b(?:{REPORTING})\b")
#: The pronouns a speaker can be, and the gender each refers to.
PRONOUNS = {"he": "m", "she": "f", "He": "m", "She": "f"}
_TITLES = (
    r"President|Vice\s+President|Prime\s+Minister|(?:Foreign|Defen[cs]e|Interior)\s+Minister"
    r"|Minister|Deputy\s+Minister|Chancellor|King|Queen|Emir|Sheikh|Gen\.|General|Lt\.|Col\."
    r"|Colonel|Maj\.|Major|Capt\.|Captain|Adm\.|Admiral|Mr\.|Mrs\.|Ms\.|Dr\.|Sen\.|Senator"
    r"|Ambassador|[Ee]nvoy|[Ss]pokes(?:man|woman|person)|[Cc]ounterpart|[Cc]ommander|[Cc]hief"
    r"|[Ll]eader|[Aa]dviser|[Aa]dvisor|[Ss]ecretary(?:-General|\s+General)?|Secretary\s+of\s+State"
    r"|[Oo]fficial|[Ss]ecretary|[Dd]irector|[Hh]ead|Sheriff|Mayor|Governor|Gov\.|Rep\.|Nurse"
    r"|Representative|Officer|Detective|Det\.|Sgt\.|Sergeant|Judge|Professor|Prof\.|Council(?:man"
    r"|woman|lor)|Commissioner|Superintendent|Deputy|Trooper|Chairman|Chairwoman|Pastor|Rev\."
    r"|Bishop|Pope|Coach|Lord|Lady|Sir|Dame|Prince|Princess|Crown\s+Prince|Archbishop"
)
_FEMALE_TITLES = re.compile(
    r"\b(?:Queen|Mrs\.|Ms\.|Miss|[Ss]pokeswoman|Madam|Madame|Chairwoman|Councilwoman|Lady|Dame"
    r"|Princess)(?!\w)"
)
_MALE_TITLES = re.compile(
    r"\b(?:King|Mr\.|[Ss]pokesman|Sheikh|Emir|Chairman|Councilman|Sir|Lord|Prince|Father"
    r"|Bishop|Pope|Archbishop)(?!\w)"
)
_FEMALE_NAMES = frozenset(
    [
        "maria",
        "anna",
        "angela",
        "hillary",
        "theresa",
        "federica",
        "rosemary",
        "najat",
        "nicole",
        "ursula",
        "kamala",
        "nikki",
        "samantha",
        "linda",
        "susan",
        "condoleezza",
        "madeleine",
        "helga",
        "emine",
        "valentina",
        "elena",
        "olga",
        "natalia",
        "irina",
        "tatiana",
        "svetlana",
        "fatma",
        "ayse",
        "zeynep",
        "leyla",
        "layla",
        "bouthaina",
        "buthaina",
        "asma",
        "mary",
        "sarah",
        "jennifer",
        "elizabeth",
        "emma",
        "laura",
        "julia",
        "catherine",
        "karen",
        "lisa",
        "anne",
        "jane",
        "rachel",
        "rebecca",
        "amy",
        "jessica",
        "emily",
        "hannah",
        "kate",
        "claire",
        "sophie",
        "nancy",
        "patricia",
        "barbara",
        "margaret",
        "michelle",
        "heather",
        "amanda",
        "melissa",
        "sara",
        "fatima",
        "aisha",
        "mariam",
        "maryam",
        "zainab",
        "nadia",
        "lina",
        "rania",
        "hind",
        "noura",
        "yulia",
        "ekaterina",
        "marina",
        "liz",
        "christine",
        "caroline",
        "alice",
        "helen",
        "joanna",
        "victoria",
        "louise",
        "charlotte",
        "deborah",
        "diane",
        "ellen",
        "gillian",
        "jenny",
        "judith",
        "kathleen",
        "kathryn",
        "marie",
        "megan",
        "natasha",
        "sandra",
        "sharon",
        "stephanie",
        "teresa",
        "tina",
        "wendy",
    ]
)
_MALE_NAMES = frozenset(
    """mohammed mohammad muhammad mohamed ahmed ahmad ali hassan hussein omar umar khaled khalid
    mahmoud mustafa youssef yusuf ibrahim abdullah abdul abu salim samir tariq walid fadi rami
    bashar hafez recep mevlut hulusi ibrahim fahrettin vladimir sergei sergey dmitry dmitri
    alexander alexei andrei igor ivan nikolai mikhail yuri john james michael david robert
    william richard thomas charles joseph christopher daniel matthew mark paul steven andrew
    george donald mike michel peter tom jim bill joe kevin brian jason ryan eric adam simon
    martin stephen jonathan tony boris emmanuel francois geir antonio staffan stefan hans
    benjamin benny naftali binyamin hamid hasan rahman jamal kamal nabil nasser riad saleh
    ziad haidar haider hamza osama usama anas bilal""".split()  # noqa: SIM905
)
# public figures of the conflict: surname -> (full name, gender, party id)
_KNOWN_PEOPLE: dict[str, tuple[str, str, str]] = {
    "Putin": ("Vladimir Putin", "m", "russia"),
    "Erdogan": ("Recep Tayyip Erdogan", "m", "turkey"),
    "Erdoğan": ("Recep Tayyip Erdoğan", "m", "turkey"),
    "Assad": ("Bashar al-Assad", "m", "syria"),
    "Lavrov": ("Sergei Lavrov", "m", "russia"),
    "Shoigu": ("Sergei Shoigu", "m", "russia"),
    "Peskov": ("Dmitry Peskov", "m", "russia"),
    "Zakharova": ("Maria Zakharova", "f", "russia"),
    "Cavusoglu": ("Mevlut Cavusoglu", "m", "turkey"),
    "Çavuşoğlu": ("Mevlüt Çavuşoğlu", "m", "turkey"),
    "Akar": ("Hulusi Akar", "m", "turkey"),
    "Altun": ("Fahrettin Altun", "m", "turkey"),
    "Kalin": ("Ibrahim Kalin", "m", "turkey"),
    "Rouhani": ("Hassan Rouhani", "m", "iran"),
    "Zarif": ("Mohammad Javad Zarif", "m", "iran"),
    "Trump": ("Donald Trump", "m", "united-states"),
    "Pompeo": ("Mike Pompeo", "m", "united-states"),
    "Pedersen": ("Geir Pedersen", "m", "un"),
    "Guterres": ("Antonio Guterres", "m", "un"),
    "Macron": ("Emmanuel Macron", "m", "france"),
    "Merkel": ("Angela Merkel", "f", "germany"),
}
# capitalised words that are not names of persons
_NOT_PERSON = frozenset(
    [
        "The",
        "A",
        "An",
        "In",
        "On",
        "At",
        "But",
        "And",
        "Or",
        "If",
        "As",
        "After",
        "Before",
        "When",
        "While",
        "Under",
        "Since",
        "Last",
        "This",
        "That",
        "These",
        "Those",
        "It",
        "Its",
        "We",
        "They",
        "He",
        "She",
        "His",
        "Her",
        "Their",
        "Our",
        "Russia",
        "Turkey",
        "Syria",
        "Iran",
        "Israel",
        "Russian",
        "Turkish",
        "Syrian",
        "Iranian",
        "Israeli",
        "American",
        "Kremlin",
        "Moscow",
        "Ankara",
        "Damascus",
        "Tehran",
        "Idlib",
        "Idleb",
        "Aleppo",
        "Sochi",
        "Ministry",
        "Army",
        "Forces",
        "Force",
        "Government",
        "Council",
        "Nations",
        "United",
        "States",
        "Union",
        "Front",
        "Observatory",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "Reuters",
        "AP",
        "AFP",
        "Bloomberg",
        "Defense",
        "Defence",
        "Foreign",
        "Interior",
        "Minister",
        "President",
        "Parliament",
        "Agency",
        "News",
        "Tahrir",
        "Sham",
        "Hayat",
        "Islamic",
        "State",
        "Al",
        "Ministry's",
        "Asked",
        "Speaking",
        "Officials",
        "Analysts",
        "Rebels",
        "Troops",
    ]
)
# capitalised words that speak but are no person: bodies, groups, agencies
_NOT_SPEAKER_WORDS = frozenset(
    """Police Authorities Witnesses Residents Experts Sources Activists Doctors Medics Rescuers
    Media Monitor Ministry Pentagon Hezbollah Hamas Nusra Daesh Prosecutors Investigators
    Officers Soldiers Militants Fighters Protesters Locals Critics Supporters Opponents Reports
    Studies Data Statistics Figures Researchers Scientists Observers Diplomats Lawmakers
    Others Many Some Both All Several Most Few None Everyone Nobody Someone People""".split()  # noqa: SIM905
)
_PREPOSITION_BEFORE_RE = re.compile(r"\b(?:in|at|from|near|of|to|on|into)\s+$")
_NAME = (
    r"(?:[A-Z][a-zà-ÿğşçöüı’'-]+|[A-Z]\.|al-[A-Z][a-zà-ÿ’'-]+|bin|ibn|de|van|von|der|da|di|du|le"
    r"|la)"
)
_FULL_NAME = rf"[A-Z][a-zà-ÿğşçöüı’'-]+(?:\s+{_NAME}){{0,3}}"
_DEMONYM = (
    r"Russian|Turkish|Syrian|Iranian|Israeli|American|U\.S\.|US|French|German|British|UN|U\.N\."
    r"|Kremlin|Pentagon|White\s+House|State\s+Department"
)
_COUNTRY_POSS = r"(?:Russia|Turkey|Syria|Iran|Israel|the\s+United\s+States|America)['’]s"
_TITLED_RE = re.compile(
    rf"(?:(?:(?:{_DEMONYM}|{_COUNTRY_POSS})\s+)?(?:(?:{_TITLES})\s+)+)(?P<name>{_FULL_NAME})"
)


# --------------------------------------------------------------------------- persons


@dataclass
class Person:
    """A person the text names, by surname, and their gender when the text or a list tells."""

    key: str  # the surname
    gender: str | None  # "m", "f" or unknown


@dataclass(frozen=True)
class PersonMention:
    """Where the text names a person (``key``: the surname)."""

    start: int
    end: int
    key: str
    speaking: bool  # followed by a reporting verb


def _gender(prefix: str, name: str) -> str | None:
    if _FEMALE_TITLES.search(prefix):
        return "f"
    if _MALE_TITLES.search(prefix):
        return "m"
    first = name.split()[0].lower()
    if first in _FEMALE_NAMES:
        return "f"
    if first in _MALE_NAMES:
        return "m"
    known = _KNOWN_PEOPLE.get(name.split()[-1])
    return known[1] if known else None


def find_persons(
    text: str, quotes: list[tuple[int, int]]
) -> tuple[list[PersonMention], dict[str, Person]]:
    """Person mentions outside quotations, in text order, and the persons by surname."""
    people: dict[str, Person] = {}
    found: dict[int, PersonMention] = {}

    def inside_quote(pos: int) -> bool:
        return any(a <= pos < b for a, b in quotes)

    def speaking(end: int) -> bool:
        return bool(re.match(rf"\s*,?\s*(?:{REPORTING})\b", text[end : end + 30]))

    for m in _TITLED_RE.finditer(text):
        name = m.group("name")
        words = name.split()
        while words and words[-1] in _NOT_PERSON:
            words.pop()
        if not words or words[0] in _NOT_PERSON or inside_quote(m.start()):
            continue
        name = " ".join(words)
        end = m.start("name") + len(name)
        key = words[-1]
        person = people.setdefault(key, Person(key, None))
        person.gender = person.gender or _gender(m.group(0)[: m.start("name") - m.start()], name)
        found[m.start()] = PersonMention(m.start(), end, key, speaking(end))
    # a capitalised name followed by a reporting verb
    for m in re.finditer(rf"\b(?P<name>{_FULL_NAME})(?=\s*,?\s+(?:{REPORTING})\b)", text):
        words = m.group("name").split()
        if words[0] in _NOT_PERSON or words[-1] in _NOT_PERSON or inside_quote(m.start()):
            continue
        if any(a <= m.start() < b.end for a, b in found.items()):
            continue
        if len(words) == 1 and (
            words[0].isupper()
            or words[0] in _NOT_SPEAKER_WORDS
            or _PREPOSITION_BEFORE_RE.search(text[max(0, m.start() - 8) : m.start()])
        ):
            continue  # "NATO said", "Police said", "in Riverdale, says": no person
        key = words[-1]
        person = people.setdefault(key, Person(key, None))
        person.gender = person.gender or _gender("", m.group("name"))
        found[m.start()] = PersonMention(m.start(), m.end(), key, True)
    # a full name in apposition ("Elena Suponina, a Moscow-based analyst") or after a reporting
    # verb ("said Elena Suponina")
    for m in re.finditer(
        rf"\b(?:(?P<verb>{REPORTING})\s+)?(?P<name>{_FULL_NAME})"
        rf"(?P<app>,\s+(?:a|an|the|who|whose|\d{{1,3}},)\s|,\s+(?:{REPORTING})\b)?",
        text,
    ):
        if m.group("verb") is None and m.group("app") is None:
            continue
        words = m.group("name").split()
        while words and words[-1] in _NOT_PERSON:
            words.pop()
        if len(words) < 2 or words[0] in _NOT_PERSON or inside_quote(m.start("name")):
            continue
        start = m.start("name")
        if any(a <= start < b.end for a, b in found.items()):
            continue
        name = " ".join(words)
        key = words[-1]
        person = people.setdefault(key, Person(key, None))
        person.gender = person.gender or _gender("", name)
        found[start] = PersonMention(start, start + len(name), key, m.group("verb") is not None)
    # known surnames and surnames seen before, anywhere
    for m in re.finditer(r"\b[A-Z][A-Za-zà-ÿğşçöüıÇŞÖÜ’'-]+\b", text):
        word = m.group(0)
        if word.endswith(("'s", "’s")):
            word = word[:-2]
        if word not in people and word not in _KNOWN_PEOPLE:
            continue
        if inside_quote(m.start()) or any(a <= m.start() < b.end for a, b in found.items()):
            continue
        known = _KNOWN_PEOPLE.get(word)
        person = people.setdefault(word, Person(word, known[1] if known else None))
        end = m.start() + len(word)
        found[m.start()] = PersonMention(m.start(), end, word, speaking(end))
    return [found[k] for k in sorted(found)], people


def resolve_pronoun(
    pronoun: str,
    pos: int,
    sentences: list[Sentence],
    mentions: list[PersonMention],
    people: dict[str, Person],
    speakers: list[tuple[int, int, str]],
) -> tuple[int, int] | None:
    """The span of the person a pronoun at ``pos`` refers to (see the module docstring)."""
    want = PRONOUNS[pronoun]
    here = sentence_at(sentences, pos)
    for i in range(here - 1, max(-1, here - 6), -1):
        a, b, _ = sentences[i]
        inside = [m for m in mentions if a <= m.start < b]
        inside = [m for m in inside if people[m.key].gender in (None, want)]
        quoted = [
            m
            for m in inside
            if any(s == m.start and e == m.end for s, e, _ in speakers)  # a quote's speaker
        ]
        speaking = quoted or [m for m in inside if m.speaking]
        pick = speaking[0] if speaking else (inside[0] if inside else None)
        if pick is not None:
            return pick.start, pick.end
    # no one before: a passage that names the speaker only after ("... he told a news
    # conference. ... Mahathir, who heads ..."): the next compatible person in two sentences
    ahead = [
        m
        for m in mentions
        if m.start > pos
        and sentence_at(sentences, m.start) <= here + 2
        and people[m.key].gender in (None, want)
    ]
    return (ahead[0].start, ahead[0].end) if ahead else None


_NP_WORD = re.compile(r"[A-Za-zÀ-ÿğşçöüıÇŞÖÜ][\w’'.-]*")
#: Lower-case words a speaker's noun phrase may hold ("the defence ministry spokesman").
NP_LOWER = frozenset(
    [
        "the",
        "defense",
        "defence",
        "foreign",
        "interior",
        "ministry",
        "ministries",
        "army",
        "military",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "president",
        "minister",
        "official",
        "officials",
        "forces",
        "government",
        "office",
        "press",
        "service",
        "of",
        "counterpart",
        "commander",
        "chief",
        "envoy",
        "ambassador",
        "source",
        "sources",
        "observatory",
        "agency",
        "media",
        "state",
        "his",
        "her",
        "their",
        "senior",
        "deputy",
        "prime",
        "general",
        "secretary-general",
        "secretary",
        "adviser",
        "advisor",
    ]
)


def np_forward(text: str, pos: int, limit: int) -> tuple[int, int] | None:
    """A speaker noun phrase starting at ``pos``: capitalised words and a few lower-case ones."""
    end = pos
    for m in _NP_WORD.finditer(text, pos, limit):
        if text[end : m.start()].strip(" ") not in ("",) or "\n" in text[end : m.start()]:
            break
        word = m.group(0).rstrip(".,")
        if word and (word[0].isupper() or word.lower() in NP_LOWER or word.startswith("al-")):
            end = m.start() + len(word)
        else:
            break
    return trim_np(text, pos, end)


def np_backward(text: str, end: int, floor: int) -> tuple[int, int] | None:
    """The speaker noun phrase ending at ``end`` (just before a reporting verb)."""
    start = end
    words = list(_NP_WORD.finditer(text, floor, end))
    for m in reversed(words):
        gap = text[m.end() : start]
        if gap.strip() or "\n" in gap:
            break
        word = m.group(0)
        if word[0].isupper() or word.lower() in NP_LOWER or word.startswith("al-"):
            start = m.start()
        else:
            break
    return trim_np(text, start, end)


_LEADING = re.compile(r"(?:(?:[Tt]he|[Aa]n?|But|And|So|Then|Meanwhile|However|Later)\s+)+")


def trim_np(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A speaker noun phrase without leading articles and conjunctions, trailing punctuation
    and trailing words that are not heads ("of", "the"); None when nothing is left."""
    lead = _LEADING.match(text, start, end)
    if lead:
        start = lead.end()
    while end > start and text[end - 1] in " ,.":
        end -= 1
    # trailing lower-case words that are not heads ("of") go
    while True:
        m = re.search(r"\s+(?:of|the|his|her|their)$", text[start:end])
        if not m:
            break
        end = start + m.start()
    return (start, end) if end > start else None
