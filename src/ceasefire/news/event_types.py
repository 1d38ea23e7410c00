"""Event types from trigger words: the rules that give a sentence its ACLED-style event type
and sub-event type (see :mod:`ceasefire.news.events`).
"""

from __future__ import annotations

import re

__all__ = ["GOVERNMENT_SIDE", "INTERVENTION_RE", "find_trigger"]

# ------------------------------------------------------------------------------------ types

_A = "Explosions/Remote violence"
_TYPE_RULES: tuple[tuple[str, str, str, str], ...] = (
    (
        "protest",
        r"protest(?:s|ed|ing|ers?|ors?)?|demonstrat(?:ors?|ions?|ed)|sit-ins?|rall(?:y|ies|ied)"
        r"|blocked\s+(?:the|a)\s+(?:main\s+)?(?:road|highway|M4|M5)",
        "Protests",
        "Peaceful protest",
    ),
    (
        "agreement",
        r"(?:cease-?fire|truce|deal|agreement|accord|memorandum)\s+(?:was\s+|has\s+been\s+|had\s+"
        r"been\s+)?(?:agreed|reached|signed|brokered|announced|struck)"
        r"|(?:agreed|signed|reached|brokered|struck|announced)\s+(?:on\s+|to\s+)?(?:a\s+|an\s+|the"
        r"\s+|new\s+)?(?:new\s+)?(?:cease-?fire|truce|deal|agreement|accord|memorandum)"
        r"|(?:cease-?fire|truce)\s+(?:takes|took|will\s+take|would\s+take|went|goes)\s+"
        r"(?:effect|into\s+effect)",
        "Strategic developments",
        "Agreement",
    ),
    ("suicide", r"suicide\s+(?:car\s+)?(?:bomb\w*|attack\w*)", _A, "Suicide bomb"),
    (
        "ied",
        r"(?:improvised\s+)?explosive\s+devices?|IEDs?|roadside\s+bombs?|car\s+bombs?"
        r"|motorcycle\s+bombs?|booby[- ]trapped|land\s*mines?|bomb\s+(?:exploded|went\s+off)"
        r"|explosion\s+of\s+a\s+(?:device|bomb)|(?:car\s+)?explosions?|blasts?|exploded"
        r"|detonat(?:ed|ion)",
        _A,
        "Remote explosive/landmine/IED",
    ),
    ("drone", r"drone\s+(?:strikes?|attacks?)|drones?|UAVs?", _A, "Air/drone strike"),
    (
        "air",
        r"air\s*-?\s*strikes?|air\s+raids?|airstrike|air\s+attacks?|warplanes?|war\s+planes?"
        r"|(?:air|aerial)\s+and\s+\w+\s+strikes|explosive\s+barrels|barrels"
        r"|jets?|aircraft|helicopters?|barrel\s+bombs?|aerial\s+(?:bombardments?|attacks?|raids?|strikes?|bombing|shelling|assaults?)|bombers?|bombed"
        r"|bombing\s+raids?",
        _A,
        "Air/drone strike",
    ),
    (
        "shelling",
        r"(?-i:shell)|shell(?:ing|ed|s)|artillery|mortars?(?:\s+rounds?)?|rockets?|rocket\s+fire|missiles?"
        r"|bombard\w*|howitzers?",
        _A,
        "Shelling/artillery/missile attack",
    ),
    ("bombing", r"bombings?|bombs?", _A, "Remote explosive/landmine/IED"),
    (
        "attack-on-civilians",
        r"massacre\w*|execut(?:ed|es|ing|ions?)|shot\s+dead|gunned\s+down|killed\s+(?:\w+\s+){0,3}"
        r"civilians|stabb(?:ed|ing)|beheaded|assassinat\w*|(?<!to\s)murder(?:ed|s)?|ston(?:ed|ing)\s+to\s+death",
        "Violence against civilians",
        "Attack",
    ),
    (
        "transfer",
        r"withdr(?:ew|awn)\s+from|handed\s+over|without\s+a\s+fight|pulled\s+out\s+of",
        "Strategic developments",
        "Non-violent transfer of territory",
    ),
    (
        "territory",
        r"captured|recaptured|seized|took\s+(?:full\s+)?control|taken\s+(?:full\s+)?control"
        r"|retook|retaken|regained|overran|overrun|fell\s+to"
        r"|(?:regain|restore|impose|seize|take)[sd]?\s+(?:full\s+)?control",
        "Battles",
        "Armed clash",
    ),
    (
        "clash",
        r"clash(?:es|ed)?|fighting|infighting|fought|battles?|offensive|counter-?attack\w*|firefights?"
        r"|skirmish\w*|attacked\s+(?:\w+\s+){0,3}positions|stormed|assault|ambush(?:ed|es)?",
        "Battles",
        "Armed clash",
    ),
)
_TYPE_RES = [
    (name, re.compile(rf"(?i)(?<![\w-])(?:{words})(?![\w-])"), et, st)
    for name, words, et, st in _TYPE_RULES
]
#: Forces acting against protesters: a protest "with intervention".
INTERVENTION_RE = re.compile(
    r"(?i)\b(?:dispers\w*|tear\s*gas|arrest\w*|detain\w*|beat\w*|fired\s+(?:warning\s+shots|in"
    r"to\s+the\s+air|at\s+(?:the\s+)?(?:protesters|demonstrators|crowd))|broke\s+up)\b"
)
_NOT_PROTEST_RE = re.compile(r"(?i)\bin\s+protest\s+(?:at|against|over)\b")
#: The actors on the government's side: territory they take is "Government regains territory".
GOVERNMENT_SIDE = frozenset(
    {
        "Military Forces of Syria (2000-)",
        "Pro-Government Militia (Syria)",
        "Military Forces of Russia (2000-)",
        "Military Forces of Iran (1989-)",
        "Hezbollah",
    }
)


def find_trigger(sentence: str) -> tuple[str, re.Match[str], str, str] | None:
    """The first rule that fires in ``sentence``: ``(rule, match, event_type, sub_event_type)``."""
    for name, regex, et, st in _TYPE_RES:
        for m in regex.finditer(sentence):
            if name == "protest" and _NOT_PROTEST_RE.search(sentence[max(0, m.start() - 3) :]):
                continue
            return name, m, et, st
    return None
