"""Quotes with their speakers, and claims by the parties (issue 3, item 7).

Rules over sentences and small word lists; no statistical model.

**Quotes.** Text between straight (``"..."``) or curly (``“...”``) double quotes. The speaker
comes from the attribution around it: ``"...," Erdogan said``, ``"...," said Putin``,
``Erdogan told reporters: "..."``, a reporting verb earlier in the same sentence, or, for a
quote that continues an attributed one in the same paragraph, that quote's speaker. Titles stay
in the speaker (``Turkish President Recep Tayyip Erdogan``, ``Russia's defense ministry``).

A pronoun (``he said``, ``she added``) is resolved to a person named before it: the sentences
before the quote are searched newest first, and in each the person who speaks (a name followed
by a reporting verb, or a quote's speaker) or else the first person named (the subject) is
taken, if compatible with the pronoun (a person whose title or first name says "she" is never
"he" and vice versa). Persons are known from a title before a capitalised name ("President
Recep Tayyip Erdogan", "spokeswoman Maria Zakharova"), from a short list of public figures of
the conflict, and from a capitalised name followed by a reporting verb; a later bare surname
("Erdogan") is the same person. The quote then carries the antecedent as speaker, its span as
``speaker_span`` and the pronoun's span as ``pronoun_span``.

**Claims are not findings.** A claim is what a party *says* another did or will do ("Russia
accused Turkey of ...", "the Syrian army said rebels shelled ...", "Turkey will retain the right
to respond to all attacks", "... denied ..."). Claims are stored apart from the events that the
compliance engine judges: they never become events, are never mapped to provisions, and never
count as a violation or as evidence of compliance. A monitor reads them as the parties' positions;
an incident a claim describes counts only once an event source (or the news event extractor,
which reports what happened, not who blamed whom) records it.

>>> [(q.text, q.speaker) for q in extract_quotes('"We agreed," Putin said.')]
[('We agreed,', 'Putin')]
>>> [(c.kind, c.claimant, c.subject) for c in extract_claims(
...     "Russia accused Turkey of shielding militants.")]
[('accusation', 'Russia', 'Turkey')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .sentences import Sentence, split_sentences

__all__ = ["Claim", "Quote", "extract_claims", "extract_quotes"]


@dataclass(frozen=True)
class Quote:
    """A direct quotation. ``start``/``end`` span the words inside the quotation marks
    (``text == article[start:end]``); ``speaker_span`` is where the speaker is named
    (``article[speaker_span[0]:speaker_span[1]] == speaker``), which for a pronoun is the
    antecedent, the pronoun itself being at ``pronoun_span``."""

    start: int
    end: int
    text: str
    speaker: str | None
    speaker_span: tuple[int, int] | None
    sentence: Sentence
    pronoun_span: tuple[int, int] | None = None


@dataclass(frozen=True)
class Claim:
    """What a party says another did or will do: never a finding (see the module docstring).

    ``kind``: ``accusation`` (a party says another did something), ``intent`` (a party says
    what it or another will do, or reserves the right to do), ``denial``, ``statement`` (any
    other report by a party about what another did). ``text == article[start:end]``.
    """

    claimant: str | None
    subject: str | None
    predicate: str
    text: str
    start: int
    end: int
    kind: str
    claimant_span: tuple[int, int] | None = None
    subject_span: tuple[int, int] | None = None


# --------------------------------------------------------------------------- sentences


def _sentence_at(sentences: list[Sentence], pos: int) -> int:
    for i, (a, b, _) in enumerate(sentences):
        if a <= pos < b or (i + 1 < len(sentences) and pos < sentences[i + 1][0]):
            return i
    return len(sentences) - 1


# --------------------------------------------------------------------------- word lists

_REPORTING = (
    r"said|says|say|told|tells|added|adds|stated|states|declared|announced|warned|insisted"
    r"|stressed|noted|explained|continued|wrote|tweeted|claimed|asserted|argued|alleged"
)
_REPORTING_RE = re.compile(rf"\b(?:{_REPORTING})\b")
_PRONOUNS = {"he": "m", "she": "f", "He": "m", "She": "f"}
_TITLES = (
    r"President|Vice\s+President|Prime\s+Minister|(?:Foreign|Defen[cs]e|Interior)\s+Minister"
    r"|Minister|Deputy\s+Minister|Chancellor|King|Queen|Emir|Sheikh|Gen\.|General|Lt\.|Col\."
    r"|Colonel|Maj\.|Major|Capt\.|Captain|Adm\.|Admiral|Mr\.|Mrs\.|Ms\.|Dr\.|Sen\.|Senator"
    r"|Ambassador|[Ee]nvoy|[Ss]pokes(?:man|woman|person)|[Cc]ounterpart|[Cc]ommander|[Cc]hief"
    r"|[Ll]eader|[Aa]dviser|[Aa]dvisor|[Ss]ecretary(?:-General|\s+General)?|Secretary\s+of\s+State"
    r"|[Oo]fficial|[Ss]ecretary|[Dd]irector|[Hh]ead"
)
_FEMALE_TITLES = re.compile(r"\b(?:Queen|Mrs\.|Ms\.|[Ss]pokeswoman|Madam|Madame)\b")
_MALE_TITLES = re.compile(r"\b(?:King|Mr\.|[Ss]pokesman|Sheikh|Emir)\b")
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
    ]
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
_NAME = r"(?:[A-Z][a-zà-ÿğşçöüı’'-]+|al-[A-Z][a-zà-ÿ’'-]+|bin|ibn|de|van|von)"
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
class _Person:
    key: str  # the surname
    gender: str | None  # "m", "f" or unknown


@dataclass(frozen=True)
class _Mention:
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
    known = _KNOWN_PEOPLE.get(name.split()[-1])
    return known[1] if known else None


def _persons(text: str, quotes: list[tuple[int, int]]) -> tuple[list[_Mention], dict[str, _Person]]:
    """Person mentions outside quotations, in text order, and the persons by surname."""
    people: dict[str, _Person] = {}
    found: dict[int, _Mention] = {}

    def inside_quote(pos: int) -> bool:
        return any(a <= pos < b for a, b in quotes)

    def speaking(end: int) -> bool:
        return bool(re.match(rf"\s*,?\s*(?:{_REPORTING})\b", text[end : end + 30]))

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
        person = people.setdefault(key, _Person(key, None))
        person.gender = person.gender or _gender(m.group(0)[: m.start("name") - m.start()], name)
        found[m.start()] = _Mention(m.start(), end, key, speaking(end))
    # a capitalised name followed by a reporting verb
    for m in re.finditer(rf"\b(?P<name>{_FULL_NAME})(?=\s*,?\s+(?:{_REPORTING})\b)", text):
        words = m.group("name").split()
        if words[0] in _NOT_PERSON or words[-1] in _NOT_PERSON or inside_quote(m.start()):
            continue
        if any(a <= m.start() < b.end for a, b in found.items()):
            continue
        if len(words) == 1 and words[0] not in people and words[0] not in _KNOWN_PEOPLE:
            continue
        key = words[-1]
        person = people.setdefault(key, _Person(key, None))
        person.gender = person.gender or _gender("", m.group("name"))
        found[m.start()] = _Mention(m.start(), m.end(), key, True)
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
        person = people.setdefault(word, _Person(word, known[1] if known else None))
        end = m.start() + len(word)
        found[m.start()] = _Mention(m.start(), end, word, speaking(end))
    return [found[k] for k in sorted(found)], people


def _resolve_pronoun(
    pronoun: str,
    pos: int,
    sentences: list[Sentence],
    mentions: list[_Mention],
    people: dict[str, _Person],
    speakers: list[tuple[int, int, str]],
) -> tuple[int, int] | None:
    """The span of the person a pronoun at ``pos`` refers to (see the module docstring)."""
    want = _PRONOUNS[pronoun]
    here = _sentence_at(sentences, pos)
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
    return None


# --------------------------------------------------------------------------- quotes

_QUOTE_RE = re.compile(r"\"(?P<a>[^\"\n]+)\"|“(?P<b>[^”\n]+)”")
_NP_WORD = re.compile(r"[A-Za-zÀ-ÿğşçöüıÇŞÖÜ][\w’'.-]*")
_NP_LOWER = frozenset(
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
_SPEAKER_AFTER_RE = re.compile(
    rf"\s*(?:,\s*)?(?P<np>(?:[Hh]e|[Ss]he|[Tt]hey)|(?:(?:the|a)\s+)?"
    rf"(?:[A-Z][\w’'.-]*|(?:{'|'.join(sorted(_NP_LOWER))})\b)(?:\s+(?:[A-Z][\w’'.-]*|"
    rf"(?:{'|'.join(sorted(_NP_LOWER))})\b|al-[A-Z][\w’'-]*)){{0,7}})\s+(?:{_REPORTING})\b"
)
_VERB_THEN_SPEAKER_RE = re.compile(rf"\s*(?:,\s*)?(?:{_REPORTING})\s+(?=[A-Z]|the\s+[A-Z])")


def _np_forward(text: str, pos: int, limit: int) -> tuple[int, int] | None:
    """A speaker noun phrase starting at ``pos``: capitalised words and a few lower-case ones."""
    end = pos
    for m in _NP_WORD.finditer(text, pos, limit):
        if text[end : m.start()].strip(" ") not in ("",) or "\n" in text[end : m.start()]:
            break
        word = m.group(0).rstrip(".,")
        if word and (word[0].isupper() or word.lower() in _NP_LOWER or word.startswith("al-")):
            end = m.start() + len(word)
        else:
            break
    return _trim_np(text, pos, end)


def _np_backward(text: str, end: int, floor: int) -> tuple[int, int] | None:
    """The speaker noun phrase ending at ``end`` (just before a reporting verb)."""
    start = end
    words = list(_NP_WORD.finditer(text, floor, end))
    for m in reversed(words):
        gap = text[m.end() : start]
        if gap.strip() or "\n" in gap:
            break
        word = m.group(0)
        if word[0].isupper() or word.lower() in _NP_LOWER or word.startswith("al-"):
            start = m.start()
        else:
            break
    return _trim_np(text, start, end)


_LEADING = re.compile(r"(?:(?:[Tt]he|[Aa]n?|But|And|So|Then|Meanwhile|However|Later)\s+)+")


def _trim_np(text: str, start: int, end: int) -> tuple[int, int] | None:
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


def extract_quotes(text: str) -> list[Quote]:
    """Every direct quotation with its speaker (see the module docstring).

    >>> q = extract_quotes('Turkish President Recep Tayyip Erdogan spoke first. '
    ...                    '"This is a new era," he said.')[0]
    >>> q.speaker, q.pronoun_span
    ('Turkish President Recep Tayyip Erdogan', (73, 75))
    """
    sentences = split_sentences(text)
    matches = list(_QUOTE_RE.finditer(text))
    spans = [(m.start(), m.end()) for m in matches]
    mentions, people = _persons(text, spans)
    quotes: list[Quote] = []
    speakers: list[tuple[int, int, str]] = []
    for m in matches:
        inner = "a" if m.group("a") is not None else "b"
        q0, q1 = m.start(inner), m.end(inner)
        si = _sentence_at(sentences, m.start())
        sentence = sentences[si] if sentences else (0, len(text), text)
        # the end of the sentence and the start of the next quote bound the attribution
        limit = min([sentence[1], *(a for a, _ in spans if a > m.start())])
        if limit <= m.end():
            limit = min([len(text), *(a for a, _ in spans if a > m.start())])
        speaker = _attribution(text, m.start(), m.end(), limit, sentence, spans)
        pronoun: tuple[int, int] | None = None
        if speaker is not None and text[speaker[0] : speaker[1]] in _PRONOUNS:
            pronoun = speaker
            speaker = _resolve_pronoun(
                text[pronoun[0] : pronoun[1]], pronoun[0], sentences, mentions, people, speakers
            )
        elif speaker is not None and text[speaker[0] : speaker[1]] in ("they", "They"):
            pronoun, speaker = speaker, None
        if speaker is None and pronoun is None and quotes:
            prev = quotes[-1]
            same_paragraph = "\n" not in text[prev.end : m.start()]
            if same_paragraph and prev.speaker_span is not None:
                speaker = prev.speaker_span
        name = text[speaker[0] : speaker[1]] if speaker else None
        if speaker is not None and name is not None:
            speakers.append((speaker[0], speaker[1], name))
        quotes.append(
            Quote(q0, q1, text[q0:q1], name, speaker, sentence, pronoun),
        )
    return quotes


def _attribution(
    text: str,
    q_start: int,
    q_end: int,
    limit: int,
    sentence: Sentence,
    quote_spans: list[tuple[int, int]],
) -> tuple[int, int] | None:
    # '"...," Erdogan said' / '"...," he said' / '"...," the Syrian army said'
    after = _SPEAKER_AFTER_RE.match(text[:limit], q_end)
    if after:
        return _trim_np(text, after.start("np"), after.end("np"))
    # '"...," said Putin'
    inverted = _VERB_THEN_SPEAKER_RE.match(text[:limit], q_end)
    if inverted:
        return _np_forward(text, inverted.end(), limit)
    # 'Erdogan told reporters: "..."' / 'Putin said: "..."' / a reporting verb before it
    floor = max(sentence[0], *(b for _, b in quote_spans if b <= q_start), 0)
    lead = text[floor:q_start]
    verbs = list(_REPORTING_RE.finditer(lead))
    if verbs:
        v = verbs[-1]
        np = _np_backward(text, floor + v.start(), floor)
        if np is not None and text[np[0] : np[1]].strip():
            return np
    return None


# --------------------------------------------------------------------------- claims

_PARTY_HEAD = (
    r"army|military|forces|troops|soldiers|jets|warplanes|aircraft|air\s+force|planes|drones"
    r"|artillery|militias?|fighters|government|regime|defen[cs]e\s+ministry|foreign\s+ministry"
    r"|ministry\s+of\s+defen[cs]e|ministry|navy|military\s+police|units?|gunmen|proxies"
)
_PARTY_MOD = (
    r"Russian|Turkish|Syrian|Iranian|Israeli|American|U\.S\.|Russia['’]s|Turkey['’]s"
    r"|Syria['’]s|Iran['’]s|Assad['’]s|pro-?government|government|regime|opposition|rebel"
    r"|Turkish-backed|Russian-backed|Iranian-backed|Kremlin|Syrian\s+government|state"
)
_ACTOR = (
    rf"(?:(?:[Tt]he|[Ii]ts|[Tt]heir|[Oo]ur)\s+)?(?:(?:{_PARTY_MOD})\s+){{1,3}}(?:{_PARTY_HEAD})"
    rf"|(?:[Ii]ts|[Tt]heir|[Oo]ur)\s+(?:{_PARTY_HEAD})"
    r"|(?:[Tt]he\s+)?(?:rebels|militants|jihadists|insurgents|terrorists|opposition\s+fighters"
    r"|opposition|regime|Syrian\s+army|Kremlin)"
    r"|Russia|Turkey|Türkiye|Syria|Iran|Israel|(?:the\s+)?United\s+States|Ankara|Moscow"
    r"|Damascus|Tehran|Washington|HTS|Hayat\s+Tahrir\s+al-Sham|Islamic\s+State"
    r"|(?<=\")[Ww]e|(?<=“)[Ww]e|\bwe"
)
_ACTOR_RE = re.compile(rf"\b(?:{_ACTOR})\b")
_HOSTILE = (
    r"shell(?:ed|ing|s)?|attack(?:ed|ing|s)?|bomb(?:ed|ing|s)?|struck|strik(?:e|es|ing)"
    r"|target(?:ed|ing|s)?|violat(?:ed|ing|es?)|breach(?:ed|ing|es)?|kill(?:ed|ing|s)?"
    r"|fir(?:ed|ing)\s+(?:on|at)|launch(?:ed|ing)|broke|break(?:ing|s)?|hit(?:ting|s)?"
    r"|pound(?:ed|ing)|massacr(?:ed|ing)|shot\s+down|shoot(?:ing)?\s+down|advanc(?:ed|ing)"
    r"|shield(?:ed|ing)|support(?:ed|ing)|arm(?:ed|ing)|harbou?r(?:ed|ing)|us(?:ed|ing)"
)
_AUX = r"(?:(?:had|has|have|were|was|is|are|been|of|had\s+been|were\s+being)\s+)?"
_INTENT = (
    r"(?:will|would|shall|'ll)\s+(?:not\s+|never\s+)?(?:retain|keep|reserve|preserve|maintain|respond"
    r"|retaliate|hesitate|continue|strike|hit|defend|act|use|answer|take|push|launch|resume"
    r"|stay|remain|withdraw|pull)\b"
    r"|reserves?\s+the\s+right\s+to|(?:vowed|vows|threatened|threatens|pledged|pledges|promised"
    r"|promises|intends|plans|is\s+ready|are\s+ready)\s+to"
)
_HOSTILE_AFTER_RE = re.compile(rf"\s+{_AUX}(?:{_HOSTILE})\b")
_INTENT_RE = re.compile(rf"\b(?:{_INTENT})")
_DENIAL_RE = re.compile(
    r"\b(?:denied|denies|deny|denying|rejected|rejects|dismissed|dismisses)\b"
    r"(?:\s+(?:the\s+)?(?:accusations?|claims?|reports?|allegations?|charges?))?"
    r"(?:\s+(?:that|of|about))?"
)
_ACCUSE_RE = re.compile(
    r"\b(?:accused|accuses|accusing|blamed|blames|blaming)\s+"
    rf"(?P<s>{_ACTOR}|[A-Z][\w’'-]+)\s+(?P<prep>of|for)\s+"
)
_SAY_RE = re.compile(
    r"\b(?:said|says|claimed|claims|stated|alleged|charged|reported|announced|insisted|warned"
    r"|told\s+(?:reporters|journalists|parliament|lawmakers|a\s+news\s+conference))"
    r"(?:\s+on\s+[A-Z]\w+)?\s*,?\s+(?:that\s+)?"
)
_CLAUSE_END_RE = re.compile(
    r"[.;!?\n\"”]|\s+—|,\s+(?:[Hh]e|[Ss]he|[Ii]t|[Tt]hey|[A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*){0,4})"
    rf"\s+(?:{_REPORTING})\b"
)


def _clause_end(text: str, pos: int, limit: int) -> int:
    m = _CLAUSE_END_RE.search(text, pos, limit)
    end = m.start() if m else limit
    while end > pos and text[end - 1] in " ,;:":
        end -= 1
    return end


def _claimant_before(
    text: str, verb_start: int, floor: int, quotes: list[Quote]
) -> tuple[str | None, tuple[int, int] | None]:
    np = _np_backward(text, verb_start, floor)
    if np is not None:
        name = text[np[0] : np[1]]
        if name in _PRONOUNS:
            for q in quotes:  # reuse the quotes' pronoun resolution when it is the same one
                if q.pronoun_span == np and q.speaker_span is not None:
                    return q.speaker, q.speaker_span
        return name, np
    return None, None


_TRAILING_SAY_RE = re.compile(
    rf",\s+(?P<np>[Hh]e|[Ss]he|(?:[A-Z][\w’'.-]*\s+){{0,4}}[A-Z][\w’'.-]*)\s+(?:{_REPORTING})\b"
)


def extract_claims(text: str) -> list[Claim]:
    """Claims by parties about what another did or will do, in text order.

    Inside a quotation the claimant is the quote's speaker ("we" stays the subject as
    written). Claims are kept apart from findings: see the module docstring.

    >>> [(c.kind, c.claimant, c.subject, c.predicate) for c in extract_claims(
    ...     "Turkey will retain the right to respond to all attacks.")]
    [('intent', 'Turkey', 'Turkey', 'will retain the right to respond to all attacks')]
    """
    quotes = extract_quotes(text)
    sentences = split_sentences(text)
    mentions, people = _persons(text, [(q.start - 1, q.end + 1) for q in quotes])
    speakers = [(*q.speaker_span, q.speaker) for q in quotes if q.speaker and q.speaker_span]

    def resolve(a: int, b: int) -> tuple[str | None, tuple[int, int] | None]:
        """A claimant named at [a, b), a pronoun resolved to its person."""
        if text[a:b] not in _PRONOUNS:
            return text[a:b], (a, b)
        span = _resolve_pronoun(text[a:b], a, sentences, mentions, people, speakers)
        return (text[span[0] : span[1]], span) if span else (None, None)

    out: list[Claim] = []
    taken: list[tuple[int, int]] = []

    def add(claim: Claim) -> None:
        if any(claim.start < b and a < claim.end for a, b in taken):
            return
        taken.append((claim.start, claim.end))
        out.append(claim)

    for s0, s1, _ in sentences:
        in_quote = [q for q in quotes if s0 <= q.start < s1 or q.start <= s0 < q.end]

        def speaker_at(
            pos: int, in_quote: list[Quote] = in_quote
        ) -> tuple[str | None, tuple[int, int] | None] | None:
            for q in in_quote:
                if q.start <= pos < q.end:
                    return q.speaker, q.speaker_span
            return None

        # denials: "Russia denied (that) its jets had struck ..."
        for m in _DENIAL_RE.finditer(text, s0, s1):
            claimant, cspan = _claimant_before(text, m.start(), s0, quotes)
            end = _clause_end(text, m.end(), s1)
            rest = text[m.end() : end].strip()
            subj = _ACTOR_RE.search(text, m.end(), end)
            start = cspan[0] if cspan else m.start()
            add(
                Claim(
                    claimant,
                    subj.group(0) if subj else claimant,
                    f"{m.group(0)} {rest}".strip() if rest else m.group(0),
                    text[start:end],
                    start,
                    end,
                    "denial",
                    cspan,
                    (subj.start(), subj.end()) if subj else cspan,
                )
            )
        # accusations: "Russia accused Turkey of ...", "X blamed Y for ..."
        for m in _ACCUSE_RE.finditer(text, s0, s1):
            claimant, cspan = _claimant_before(text, m.start(), s0, quotes)
            end = _clause_end(text, m.end(), s1)
            start = cspan[0] if cspan else m.start()
            act = text[m.end() : end].strip()
            add(
                Claim(
                    claimant,
                    m.group("s"),
                    act,
                    text[start:end],
                    start,
                    end,
                    "accusation",
                    cspan,
                    (m.start("s"), m.end("s")),
                )
            )
        # reported speech: "the Syrian army said rebels shelled ...", "X said Y would ..."
        for m in _SAY_RE.finditer(text, s0, s1):
            subj = _ACTOR_RE.match(text, m.end())
            if not subj:
                continue
            end = _clause_end(text, subj.end(), s1)
            predicate = text[subj.end() : end].strip()
            claimant, cspan = _claimant_before(text, m.start(), s0, quotes)
            if claimant is None:
                continue
            kind = _kind(predicate)
            add(
                Claim(
                    claimant,
                    subj.group(0),
                    predicate,
                    text[cspan[0] if cspan else m.start() : end],
                    cspan[0] if cspan else m.start(),
                    end,
                    kind,
                    cspan,
                    (subj.start(), subj.end()),
                )
            )
        # intent stated directly: "Turkey will retain the right to respond to all attacks"
        for m in _INTENT_RE.finditer(text, s0, s1):
            subj = None
            for a in _ACTOR_RE.finditer(text, max(s0, m.start() - 60), m.start()):
                if not text[a.end() : m.start()].strip():
                    subj = a
            if subj is None:
                continue
            end = _clause_end(text, m.end(), s1)
            quoted = speaker_at(subj.start())
            claimant, cspan = quoted if quoted else (subj.group(0), (subj.start(), subj.end()))
            trailing = _TRAILING_SAY_RE.match(text, end, s1)
            if not quoted and trailing:
                claimant, cspan = resolve(trailing.start("np"), trailing.end("np"))
            add(
                Claim(
                    claimant,
                    subj.group(0),
                    text[m.start() : end].strip(),
                    text[subj.start() : end],
                    subj.start(),
                    end,
                    "intent",
                    cspan,
                    (subj.start(), subj.end()),
                )
            )
        # hostile acts inside a party's quotation: '"The regime attacked our posts," he said'
        for q in in_quote:
            if q.speaker is None:
                continue
            for subj in _ACTOR_RE.finditer(text, q.start, q.end):
                verb = _HOSTILE_AFTER_RE.match(text, subj.end(), q.end)
                if not verb:
                    continue
                end = _clause_end(text, subj.end(), q.end)
                add(
                    Claim(
                        q.speaker,
                        subj.group(0),
                        text[subj.end() : end].strip(),
                        text[subj.start() : end],
                        subj.start(),
                        end,
                        "accusation",
                        q.speaker_span,
                        (subj.start(), subj.end()),
                    )
                )
    return sorted(out, key=lambda c: c.start)


def _kind(predicate: str) -> str:
    if _DENIAL_RE.match(predicate.strip()):
        return "denial"
    if re.match(rf"\s*(?:{_INTENT})", predicate):
        return "intent"
    if re.match(rf"\s*{_AUX}(?:{_HOSTILE})\b", predicate):
        return "accusation"
    return "statement"
