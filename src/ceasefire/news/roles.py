"""Who did what to whom in one act: the agent, the victims and the target, as the words of the
text name them (the conventions are in :mod:`ceasefire.news.events`).

:func:`find_agent` reads ``actor1`` from the maintained actor list (by-agent, "clashes between X
and Y", the subject); :func:`named_agent` the words naming a doer the list does not know;
:func:`victim_phrase` the words naming the dead; :func:`named_target` the people or forces an act
hit; :func:`counted_victims` victims counted with no count of the dead ("54 civilian
casualties", "kill and wound 14 people").

>>> text = "Suspected militants ambushed a police patrol, killing five officers."
>>> a, b = named_agent(text, re.search("ambushed", text), [])
>>> text[a:b]
'Suspected militants'
"""

from __future__ import annotations

import re

from . import actors as _actors
from .fatalities import COUNT, COUNT_RE

__all__ = [
    "CASUALTIES_RE",
    "SAID_RE",
    "counted_victims",
    "find_agent",
    "hurt_or_killed",
    "is_backer",
    "is_victim",
    "named_agent",
    "named_target",
    "victim_phrase",
]

_ALLY_RE = re.compile(
    r"(?i)(?:\b(?:backed|supported|allied|aided|helped|joined|accompanied|escorted|reinforced)"
    r"\s+by\s+(?:the\s+)?|\b(?:together\s+with|along\s+with|alongside|and\s+(?:their|its)"
    r"|allied)\s+)$"
)
_HELD_RE = re.compile(
    r"(?i)\b(?:held|controlled|run|manned|guarded|used|led|commanded|owned)\s+by\s+(?:the\s+)?$"
)
_BY_RE = re.compile(
    r"(?i)\b(?:by|blamed\s+on|carried\s+out\s+by|launched\s+by|conducted\s+by|from)\s+(?:the\s+)?"
    r"(?:\w+\s+)?$"
)
_PATIENT_AFTER_RE = re.compile(
    r"(?i)^[\w\s'’,-]{0,25}?\b(?:(?:were|was|have\s+been|has\s+been|had\s+been)\s+"
    r"(?:killed|wounded|injured|hit|targeted|struck|shelled|bombed|attacked|captured)"
    r"|(?:killed|wounded|injured)\s+(?:in|by|at|near|during|as|after|on)\b)"
)
_PATIENT_BEFORE_RE = re.compile(
    r"(?i)\b(?:kill(?:ed|ing)|target(?:ed|ing)|against|on|hit(?:ting)?|struck|striking|"
    r"shell(?:ed|ing)|bomb(?:ed|ing)|attack(?:ed|ing)|wound(?:ed|ing))\s+(?:the\s+|a\s+|an\s+)?"
    r"(?:\w+\s+)?$"
)
SAID_RE = re.compile(r"(?i)\b(?:said|says|told|according\s+to|reported|claimed)\b")


def is_victim(
    sent: str, trigger_end: int, victim_spans: list[tuple[int, int]], m: _actors.ActorMention
) -> bool:
    """Whether a mention is a victim or target: counted dead, patient of a passive ("X was
    shelled"), or object of a violent verb after the trigger ("killing X", "targeting X")."""
    if any(a <= m.start and m.end <= b for a, b in victim_spans):
        return True
    if _PATIENT_AFTER_RE.match(sent[m.end :]):
        return True
    return bool(m.start > trigger_end and _PATIENT_BEFORE_RE.search(sent[: m.start]))


def is_backer(sent: str, m: _actors.ActorMention) -> bool:
    """Whether a mention is an ally in the background ("backed by X", "alongside X")."""
    return bool(_ALLY_RE.search(sent[max(0, m.start - 40) : m.start]))


def victim_phrase(text: str, start: int, w0: int, w1: int) -> tuple[int, int]:
    """The words naming the dead with their count: "33 Turkish soldiers" of "killed 33 Turkish
    soldiers" (``w0``..``w1`` are the victims' words, ``start`` the fatality phrase's start)."""
    while w0 < w1 and text[w0] == " ":
        w0 += 1
    counts = [
        m
        for m in COUNT_RE.finditer(text, start)
        if m.end() <= w0 and not text[m.end() : w0].strip()
    ]
    a = counts[-1].start() if counts else w0
    while w1 > a and text[w1 - 1] in " ,":
        w1 -= 1
    return a, w1


def find_agent(
    text: str,
    trig: re.Match[str],
    event_type: str,
    mentions: list[_actors.ActorMention],
    victim_spans: list[tuple[int, int]],
) -> tuple[_actors.ActorMention | None, str]:
    """actor1 of an act and the rule that found it ("agent" or "listed")."""

    def hit(m: _actors.ActorMention) -> bool:
        return is_victim(text, trig.end(), victim_spans, m)

    # a passive or noun agent: "by X", "blamed on X"
    for m in mentions:
        lead = text[max(0, m.start - 30) : m.start]
        if _BY_RE.search(lead) and not is_backer(text, m) and not _HELD_RE.search(lead):
            if re.search(r"(?i)\bfrom\s+(?:the\s+)?(?:\w+\s+)?$", lead):
                continue
            return m, "agent"
    # "clashes between X and Y"
    between = re.search(
        r"(?i)\b(?:clash\w*|fighting|fights?|battles?|firefights?|skirmish\w*)\s+"
        r"(?:\w+\s+){0,3}?between\s+",
        text,
    )
    if between and event_type == "Battles":
        after = [m for m in mentions if m.start >= between.end()]
        if after:
            return after[0], "listed"
    # the subject: the first actor before (or inside) the trigger that is no victim
    for m in mentions:
        if m.start >= trig.end():
            break
        if hit(m) or is_backer(text, m) or _not_a_doer(text, m) or _civilians(m):
            continue
        if SAID_RE.search(text[m.end : m.end + 12]) and m.end < trig.start():
            continue  # "Turkish officials said ..." is the source, not the agent
        return m, "agent" if event_type != "Strategic developments" else "listed"
    if event_type in ("Battles", "Protests", "Strategic developments"):
        for m in mentions:
            if not hit(m):
                return m, "listed"
    return None, "listed"


_NP_STOP = (
    r"in|on|at|near|who|which|that|after|before|as|during|when|while|and|with|from|into|"
    r"for|to|of|outside|inside|across|along|since|late|early|last|this|overnight|yesterday|"
    r"today|tonight|again|earlier|killing|wounding|leaving|north|south|east|west|northeast"
    r"|northwest|southeast|southwest|northern|southern|eastern|western|by|amid|among|against"
    r"|within|without|under|over|through|toward|towards|via|including"
)
_BY_AGENT_RE = re.compile(
    r"(?i)(?:\w(?:ed|en)|\bout|\bstrikes?|\battacks?|\braids?|\bfire)\s+by\s+(?P<np>(?:the\s+)?"
    rf"(?:(?!(?:{_NP_STOP})\b)[\w'’-]+\s*){{1,6}}?)(?=\s*(?:[,.;:]|\b(?:{_NP_STOP})\b|$))"
)
_LEAD_RE = re.compile(r"(?i)^(?:(?:after|when|as|while|and|but|before|since|then)\s+)?,?\s*")
_SUBJECT_VERB_RE = re.compile(
    r"(?i)^(?P<np>(?:[\w'’-]+\s+){1,6}?)(?:(?:reportedly|allegedly|also|have|has|had)\s+)?"
    r"(?:killed|kill|kills|attacked|attack|attacks|shelled|shells|bombed|bombs|struck|strike|strikes"
    r"|hit|hits|targeted|targets|stormed|storm|ambushed|ambush|fired|fire|launched|launch|shot"
    r"|opened\s+fire|seized|captured|detonated|blew\s+up|abducted|kidnapped|executed|beheaded"
    r"|raided|pounded|pound|clashed|clash|massacred|carried\s+out|unleashed|shell|drops?|dropped"
    r"|carr(?:y|ies)\s+out|launch(?:es|ed)?|target|re-?intensif(?:y|ies|ied)|intensif(?:y|ies|ied)"
    r"|renew(?:s|ed)?|resume[sd]?|continue[sd]?|escalate[sd]?|use[sd]?|fires|fired|pounds|bombard"
    r"|bombards|bombarded)\b"
)
_INSTRUMENT_RE = re.compile(
    r"(?i)\b(?:air\s*-?\s*strikes?|airstrikes?|raids?|shelling|shells?|drones?|bombs?|rockets?"
    r"|arrests?|casualties|explosives?|barrels?|remnants|mines?|strikes?|operations?|escalation"
    r"|missiles?|mortars?|explosions?|blasts?|attacks?|fire|fighting|clashes|violence|gunfire"
    r"|bombardment|barrage|artillery)\b"
)


_NOT_NAMES = (
    r"A|An|The|This|That|These|Those|On|In|At|Late|Early|Earlier|Last|Monday|Tuesday|Wednesday"
    r"|Thursday|Friday|Saturday|Sunday|January|February|March|April|May|June|July|August"
    r"|September|October|November|December"
)
_DOER_WORD_RE = re.compile(
    r"(?i)\b(?:regime|government|rebels?|opposition|army|military|militias?|militants?|jihadists?"
    r"|insurgents?|coalition|police|security|enemy|terrorists?|gunmen|forces|troops)\b"
)


_DEMONYM = r"(?:[A-Z][a-z]+(?:ian|ish|ese|i|an)|[A-Z]{2,5}|U\.S\.|[A-Z][a-z]+-(?:led|backed))"
_DOER_BEFORE_ACT_RE = re.compile(
    rf"(?P<mod>(?:{_DEMONYM}\s+)*(?:{_DEMONYM}|(?i:regime|government|rebel|opposition|army"
    r"|military|militia|militant|jihadist|insurgent|coalition|police|enemy|terrorist)))"
    r"\s+(?i:air\s*-?\s*strikes?|airstrikes?|air\s+raids?|raids?|shelling|shells|drone\s+strikes?"
    r"|drones?|bombs?|bombings?|rockets?|missiles?|mortars?|attacks?|offensive|assault|fire"
    r"|gunfire|bombardment|artillery|warplanes?|jets?|helicopters?|snipers?|ambush)\b"
)


def _instrument(np: str) -> bool:
    """Whether a noun phrase names a weapon or an act with no doer ("a roadside bomb"), not
    one qualified by a name ("Israeli airstrikes")."""
    if not _INSTRUMENT_RE.search(np):
        return False
    words = np.split()
    named = re.fullmatch(_DEMONYM, words[0].rstrip(",")) is not None or any(
        w[:1].isupper() and re.fullmatch(_NOT_NAMES, w) is None for w in words[1:]
    )  # a first word's capital may be the sentence's ("Car bomb kills 10")
    return not named and not _DOER_WORD_RE.search(np)


def named_agent(
    text: str, trig: re.Match[str], victim_spans: list[tuple[int, int]]
) -> tuple[int, int] | None:
    """The span of a doer the actor list does not know: the agent of "killed by X" / "an attack
    by X", else the subject of an active verb of violence ("Suspected militants ambushed
    ..."); never a count of the dead ("33 soldiers killed") nor a weapon ("an airstrike
    killed"), unless a name qualifies it ("Israeli airstrikes")."""
    for m in _BY_AGENT_RE.finditer(text):
        a, b = m.span("np")
        while b > a and text[b - 1] in " ,":
            b -= 1
        np = text[a:b]
        if re.search(r"\d", np) or re.match(r"(?i)(?:the\s+)?(?:end|time|way|car|foot)\b", np):
            continue
        if _instrument(np):
            continue
        return a, b
    lead = _LEAD_RE.match(text)
    start = lead.end() if lead else 0
    subject = _subject(text, start, victim_spans)
    if subject is not None:
        return subject
    mod = _DOER_BEFORE_ACT_RE.search(text)  # "regime shelling", "Israeli airstrikes"
    return mod.span("mod") if mod is not None else None


_HEADLINE_PASSIVE_RE = re.compile(
    r"(?i)\s*(?:killed|kill)\s+(?:in|by|at|near|during|as|after|on|when|while)\b"
)
_PREPOSITIONS = frozenset(
    """in on at amid with of by for from to during after before since into near among against
    under over through""".split()  # noqa: SIM905
)
_FUNCTION_WORDS = frozenset(
    [
        "more",
        "some",
        "several",
        "many",
        "new",
        "further",
        "renewed",
        "heavy",
        "intense",
        "fierce",
        "violent",
        "the",
        "a",
        "an",
        "and",
        "also",
        "other",
        "continuous",
        "continued",
    ]
)


def _subject(text: str, start: int, victim_spans: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The subject of an active verb of violence at ``start``, if it names a doer."""
    m = _SUBJECT_VERB_RE.match(text, start)
    if m is None:
        return None
    a, b = m.start("np"), m.end("np")
    while b > a and text[b - 1] in " ,":
        b -= 1
    np = text[a:b]
    words = [w.lower() for w in np.split()]
    if words and words[-1] in ("were", "was", "are", "is", "been", "being", "be", "of", "by"):
        return None  # "People were killed": a passive, its subject the victims
    if words and words[-1] in ("air", "drone", "missile", "rocket", "artillery", "aerial"):
        return None  # "Renewed air strikes": a noun, no verb
    if _HEADLINE_PASSIVE_RE.match(text, m.end("np") - 1):
        return None  # "Zawahiri Deputy Killed in a Raid": a headline's passive
    if all(w in _FUNCTION_WORDS for w in words):
        return None  # "more shells": no subject at all
    if any(w in _PREPOSITIONS for w in words):
        return None  # "amid clashes", "in conjunction with": a phrase, no subject
    if COUNT_RE.match(np) and not re.match(r"(?i)an?\s", np):
        return None  # a count of the dead, the subject of a passive headline
    if any(x < b and a < y for x, y in victim_spans):
        return None
    if _instrument(np):
        return None  # a weapon, no doer named
    if np.lower() in ("it", "this", "they", "there"):
        return None
    return a, b


_TARGET_RE = re.compile(
    r"(?i)\b(?:struck|strikes?|hit|hits|targeted|targeting|targets|attacked|attacks?|shelled"
    r"|shelling|bombed|bombing|pounded|ambushed|stormed|raided|against|killing|wounding)\s+"
    rf"(?P<np>(?:(?!(?:{_NP_STOP})\b)[\w'’-]+\s*){{1,6}}?)(?=\s*(?:[,.;:]|\b(?:{_NP_STOP})\b|$))"
)


_PEOPLE_RE = re.compile(
    r"(?i)\b(?:soldiers?|troops|forces|fighters?|civilians?|people|persons?|men|women|children"
    r"|child|man|woman|boys?|girls?|rebels?|militants?|militia\w*|army|police\w*|officers?"
    r"|guards?|patrols?|convoys?|units?|members?|personnel|families|family|villagers|residents"
    r"|protesters|demonstrators|worshippers|pilgrims|students|workers|farmers|journalists"
    r"|commanders?|leaders?|jihadists|insurgents|gunmen)\b"
)


def named_target(text: str, trig: re.Match[str]) -> tuple[int, int] | None:
    """The span of who an act hit, after its verb or "against" ("struck a police convoy"),
    at or after the trigger: people or forces, not a place ("shelled Saraqib") nor a thing
    ("struck a hospital")."""
    for m in _TARGET_RE.finditer(text, max(0, trig.start() - 1)):
        a, b = m.span("np")
        while b > a and text[b - 1] in " ,":
            b -= 1
        np = text[a:b]
        words = np.split()
        if not words or re.search(r"\d", np):
            continue
        if not _PEOPLE_RE.search(np):
            continue  # "shelled Saraqib", "struck a hospital": a place or a thing, no victim
        if words[0].lower() in ("overnight", "yesterday", "today", "again", "early", "late"):
            continue
        return a, b
    return None


CASUALTIES_RE = re.compile(
    rf"(?i)(?<![\w-]){COUNT}\s+(?:[A-Za-z'’-]+\s+){{0,2}}?casualties\b"
    r"(?:\s+including\s+(?:[\w'’-]+\s+){0,4}?[\w'’-]+(?=\s*(?:[,.;:…]|\b(?:in|on|at|near)\b|$)))?"
)
# "kill and wound dozens of civilians", "15 people were killed and injured": the victims, with
# one number for the dead and the wounded (no count of the dead)
_HURT_OR_KILLED_RES = (
    re.compile(
        rf"(?i)\bkill(?:ed|s|ing)?\s+(?:and|or)\s+(?:wound|injur)\w*\s+(?P<who>{COUNT}"
        r"(?:\s+[A-Za-z'’-]+){0,3}?\s+(?:people|persons|civilians|children|women|men|soldiers"
        r"|fighters|members|citizens|policemen|officers|militants|rebels|troops))\b"
    ),
    re.compile(
        rf"(?i)(?P<who>{COUNT}\s+(?:[A-Za-z'’-]+\s+){{0,3}}?(?:people|persons|civilians|children"
        r"|soldiers|fighters|members|citizens))(?:\s+at\s+least)?\s+(?:were\s+|have\s+been\s+"
        r"|are\s+)?(?:killed|dead)\s+(?:and|or)\s+(?:wounded|injured)"
    ),
)


def hurt_or_killed(text: str) -> re.Match[str] | None:
    """Victims counted with one number for the dead and the wounded."""
    for regex in _HURT_OR_KILLED_RES:
        m = regex.search(text)
        if m is not None:
            return m
    return None


_HELD_AREAS_RE = re.compile(r"(?i)^(?:['’]s)?\s*-?\s*(?:controlled|held|run|dominated)\b")
_CAPITALS = frozenset(["Damascus", "Ankara", "Moscow", "Tehran", "Beirut", "Baghdad"])


def _civilians(m: _actors.ActorMention) -> bool:
    """Civilians are the victims of violence, never its agent by position ("8 casualties
    including 7 children ... in the massacre")."""
    return _actors.inter_code(m.actor) == 7


def _not_a_doer(text: str, m: _actors.ActorMention) -> bool:
    """A mention that names a place or a possessor, not the doer: "the regime's controlled
    areas", "regime-held", a capital city named in a sentence about fighting ("in the Capital
    Damascus, ISIS ...")."""
    return bool(_HELD_AREAS_RE.match(text[m.end : m.end + 16])) or (
        m.kind == "military" and m.text in _CAPITALS
    )


def counted_victims(text: str) -> re.Match[str] | None:
    """Victims counted with no count of the dead: "54 civilian casualties", "kill and wound 14
    people" (the span of group ``who`` when there is one, else the whole match)."""
    return CASUALTIES_RE.search(text) or hurt_or_killed(text)
