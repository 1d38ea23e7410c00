"""Acts and who did them, read from one UCDP GED headline (``sources/ucdp_text.py`` picks the
one that killed).

A SOHR headline often sums up a day: "21 casualties of the regime forces during the attack of
the factions and the Jihadis ..., and about 700 ground and air strikes by warplanes of the regime
and the Russian guarantor". :func:`read_acts` lists its acts in order, each with the agents the
text ties to it:

1. **Acts.** Each ``;``-separated part is scanned for acts (air strike, shelling, a mixed "air
   and ground strikes", bombing, "targeting", explosive, suicide bomb, attack, territory taken,
   clash, a killing whose means is not said) and for agents (the regime, Russia, the factions,
   the jihadi groups, IS, the SDF, Turkey, the International Coalition, Israel).
2. **Who acted.** An agent is tied to an act only by phrasing that says so: "<act> by <agent>"
   ("shelling by the regime forces", "an attack carried out by the jihadi groups"; not "areas
   controlled by"), "<act> of <agent>" ("the attack of the factions", "warplanes of the regime
   and the Russian"), "<agent> <act>" ("Russian warplanes", "the regime's warplanes", "the regime
   forces launch a new attack", "the factions and Tahrir al-Sham regained control"), "<agent>
   ... by killing" (the clause's subject) and "<agent> withdraw from the areas they advanced
   into". "Clashes", "exchange of targeting/shelling", "the fight between A and B" and "killed
   by A and B" are fights between two sides: the text names no initiator. An act named without
   an agent ("warplanes target ...", "renewed shelling") has none either.
3. **Context.** An act is *lethal* when its clause has a killing word ("kill", "casualties",
   "massacre", ...; for a named side's attack or advance, anywhere in the part), *background*
   in a scene-setting phrase ("after the death of ...", "since the regime took control ...",
   "responds to the Israeli bombardment"), and dropped when negated ("absence of aerial
   bombardment"). A killing by a named agent takes the means the part gives for that agent
   ("a massacre carried out by the regime forces by bombing a market": bombing); a raid by a
   side without aircraft is a ground raid.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import accumulate
from typing import Final

__all__ = ["GROUND_ACTS", "REMOTE_ACTS", "SIDE_OF", "Act", "normalise", "read_acts", "two_sides"]

# --- vocabulary --------------------------------------------------------------------------------

#: Agent category -> regex over the normalised (lower-case, straight-quoted) text. Order matters
#: where one phrase contains another ("jihadi factions" before "factions").
_AGENTS: Final[tuple[tuple[str, str], ...]] = (
    (
        "jihadis",
        r"jihad(?:ists|ist|is|i)(?:'s?|s')?(?: (?:groups?|organi[sz]ations?|factions?|fighters))?"
        r"|(?:hay+a+t )?tahrir al-? ?sham|\bhts\b|(?:jabhat )?(?:al-)?nusra(?: front)?"
        r"|jabhat fateh al-sham|turk[ie]stan(?:is|ies|i)?(?: islamic party)?|islamic party"
        r"|hurr?as al-? ?d[ie]+n|ansar al-? ?tawhid|al-?qa'?ida",
    ),
    (
        "isis",
        r"\bisis\b|islamic state(?: organi[sz]ation)?|\bdaesh\b|\bisil\b"
        r"|(?<!jihadi )the organi[sz]ation(?:'s)?|\bis\b(?= (?:cells|members|fighters|militants))",
    ),
    (
        "factions",
        r"(?:(?:rebel|islamic|opposition|turkish-backed|national|armed)"
        r" (?:and (?:rebel|islamic) )?)?factions?|\brebels?\b"
        r"|(?:turkey|turkish)-(?:loyal|backed) (?:factions?|militants|fighters|groups)"
        r"|pro-turkish (?:factions?|militants|fighters|groups)"
        r"|national (?:front|liberation front)(?: for liberation)?|\bnfl\b"
        r"|free syrian army|\bfsa\b|opposition fighters|syrian national army|\bsna\b"
        r"|ahrar al-? ?sham|faylaq al-? ?sham|sham legion|al-zenki|jaysh al-? ?(?:izza|islam|nasr)",
    ),
    (
        "regime",
        r"(?:syrian )?regime(?:'s)?(?: (?:ground )?forces'?| army| troops| soldiers)?"
        r"|(?:syrian |government )forces'?|syrian (?:arab )?army|assad(?:'s)? forces|\bsaa\b"
        r"|(?:militiamen|gunmen|militias?|fighters) loyal to (?:them|it|the regime)"
        r"|hezbollah|iranian (?:forces|militias)|pro-regime (?:forces|militias|gunmen)",
    ),
    ("russia", r"russian?s?(?: \"?guarantor'?s?\"?(?:'s)?)?(?: forces)?|\"?guarantor'?s?\"?"),
    (
        "sdf",
        r"\bsdf\b|syrian? democratic forces|\bypg\b|kurdish (?:forces|units|fighters|militias?)",
    ),
    (
        "turkey",
        r"turkish (?:forces|army|troops|soldiers|artillery|warplanes|drones?)|\bturkey\b",
    ),
    ("coalition", r"(?:international |us-led |global )?coalition(?:'s)?|american forces"),
    ("israel", r"israel(?:i|'s)?"),
)

#: Which side of the Syrian war each agent category fights on (for the death columns).
SIDE_OF: Final[dict[str, str]] = {
    "regime": "gov",
    "russia": "gov",
    "factions": "opp",
    "jihadis": "opp",
    "isis": "other",
    "sdf": "other",
    "turkey": "other",
    "coalition": "other",
    "israel": "other",
}

#: Act kind -> regex. "mixed" is "air and ground strikes" (which one killed is not said).
_ACTS: Final[tuple[tuple[str, str], ...]] = (
    (
        "mixed",
        r"(?:air|aerial) and (?:ground|missile|rocket|artillery) (?:strikes|bombardment|shelling"
        r"|targeting)|(?:ground|missile|rocket) and (?:air|aerial) ?(?:strikes|bombardment)"
        r"|(?:airstrikes|air strikes|raids) and (?:rocket|artillery|ground|missile) (?:shells"
        r"|shelling|strikes)|bombing and shelling|aerial and ground",
    ),
    (
        "suicide",
        # "suicide attack" alone is often an assault (inghimasi): an attack, not a bombing
        r"suicid(?:e|al) (?:bomb(?:er|ing|s)?|car[- ]bomb(?:s|ing)?|vehicles?|attacker"
        r"|explosions?|blasts?|belts?)"
        r"|(?:blow|blew|blows|detonat\w+) (?:himself|herself|themselves)|explosive belts?",
    ),
    (
        "air",
        r"(?<!reconnaissance )(?:war-?planes?|air[- ]?strikes?|air (?:raids?|bombardment|attacks?)"
        r"|\braids?\b|helicopters?"
        r"|barrel(?:s| bombs?)|aerial (?:bombardment|strikes?|targeting|attacks?)|\bjets?\b"
        r"|aircraft|air force|(?<!reconnaissance )drones?)",
    ),
    (
        "explosive",
        r"\bieds?\b|(?<!suicide )car[- ]bombs?|explosive (?:devices?|charges?)|landmines?"
        r"|\bmines?\b|booby[- ]trapped|bomb blasts?|explosions?|exploded|explodes?",
    ),
    (
        "shelling",
        r"shell(?:s|ed|ing)?\b|artillery|mortars?|rockets?|missiles?|ground (?:strikes|targeting"
        r"|bombardment)|cannons?",
    ),
    ("targeting", r"target(?:s|ing|ed)?\b"),
    ("bombing", r"\bbomb(?:s|ing|ed)?\b|bombard\w*"),
    (
        "attack",
        r"(?:counter[- ]?)?attacks?\b|attacked|offensive|assault|infiltrat\w+|storm(?:s|ed)?\b"
        r"|ambush(?:es|ed)?\b"
        r"|operations?(?= (?:by|of) )",
    ),
    (
        "territory",
        r"regain(?:s|ed)?|(?:take|takes|took|taking|impose) (?:full )?control"
        # the verb, not the noun ("areas of control of", "under the control of")
        r"|(?<!the )(?<!of )(?<!under )\bcontrols?\b(?! of\b)"
        r"|captur(?:e|es|ed)|seiz(?:e|es|ed)|\benter(?:s|ed)?\b"
        r"|advanc(?:e|es|ed|ing|ement)\b|recover(?:s|ed)?",
    ),
    (
        "clash",
        r"clash(?:es)?|battles?|fighting|fights?\b|combat|confrontations?"
        r"|exchange of (?!(?:\w+ )?shell)\w+(?: \w+)?"
        r"|military operations|firefights?|hit-and-run",
    ),
    ("kill", r"\bkill(?:s|ing)?\b|\bmassacres?\b|executions?|execut(?:es|ed)"),
)

REMOTE_ACTS: Final = frozenset(
    {"mixed", "air", "explosive", "shelling", "bombing", "suicide", "targeting"}
)
GROUND_ACTS: Final = frozenset({"attack", "territory", "clash"})
#: Agents that fly aircraft (an "air" act by anyone else is a ground raid or a drone).
_AIR_FORCES: Final = frozenset({"regime", "russia", "turkey", "coalition", "israel"})

#: Words that tie an act to the deaths.
_LETHAL: Final = re.compile(
    r"\b(?:kill\w*|casualt\w+|dead\b|deaths?\b|massacres?|lives\b|losses|toll\b|martyr\w*"
    r"|victims?|wounded|injur\w+)"
)
#: Words that make the rest of their clause the scene, not the act this row counts: "after
#: the death of ...", "since the regime took control", "the regime responds to the Israeli
#: bombardment by killing ...".
_BACKGROUND: Final = re.compile(
    r"\b(?:after|since|following|before)\b|\b(?:retaliat\w*|responds?|revenge) (?:for|to)\b"
    r"|in retaliation for"
)
#: Where clauses end (for tying an act to the killing words near it).
_CLAUSE_END: Final = re.compile(
    r"[,;:.!?]|\s(?:as|amid|while|and the|whereas|in conjunction with)\s"
)

#: An agent phrase may follow these words before a "by"-, "of"- or adjacency link.
_MODIFIERS: Final = frozenset(
    """a an the its their his new renewed violent fierce heavy intense intensive continuous
    continued ongoing sudden surprise ground rocket artillery missile guided cluster incendiary
    large wide series launch launches launched carry carries carried out continue continues to
    resume resumes renew renews again also begin begins began more further retaliatory
    successive simultaneous several many dozens tens hundreds of some commit commits committed
    warplanes warplane war-planes helicopters helicopter warships jets drones aircraft forces
    escalate escalates escalated intensify intensifies intensified step steps up fail fails
    failed attempt attempts try tries tried""".split()  # noqa: SIM905
)

# --- reading one headline ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    kind: str


@dataclass(frozen=True)
class Act:
    """One act found in a headline: its kind, who the text says did it, and how it is tied.

    ``agents`` is empty when the text names nobody; ``mutual`` when it names two sides of a
    fight and neither as the initiator. ``lethal``: the clause ties it to deaths;
    ``background``: it is in a scene-setting clause. ``words`` quotes the text it rests on.
    """

    kind: str
    agents: frozenset[str]
    mutual: bool
    lethal: bool
    background: bool
    order: int
    part: int
    words: str


_PLAIN: Final = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u02bc": "'",
        "`": "'",
        "\u201c": None,
        "\u201d": None,
        '"': None,
        "\u2026": ", ",
        "\u2013": "-",
        "\u2014": "-",
    }
)


def normalise(text: str) -> str:
    """Lower case, straight apostrophes, no double quotes, one space between words.

    >>> normalise("The “jihadis’” attack…the  Regime")
    "the jihadis' attack, the regime"
    """
    return " ".join(text.lower().translate(_PLAIN).split())


#: The words a match of each vocabulary entry can start with, by their first 4 letters (the
#: whole word if shorter): the regexes are tried only where such a word starts. A test checks
#: on every headline of the bundled file that this finds what a scan of the whole text finds.
_STARTS: Final[dict[str, str]] = {
    "jihadis": "jiha haya hayy tahr hts jabh al nusr turk isla hurr hura ansa alqa",
    "isis": "isis isla daes isil the is",
    "factions": "rebe isla oppo turk nati arme fact nfl free fsa syri sna ahra fayl sham al jays"
    " pro",
    "regime": "syri regi gove assa saa mili gunm figh hezb iran pro",
    "russia": "russ guar",
    "sdf": "sdf syri ypg kurd",
    "turkey": "turk",
    "coalition": "inte us glob coal amer",
    "israel": "isra",
    "mixed": "air aeri grou miss rock airs raid bomb",
    "suicide": "suic blow blew deto expl",
    "air": "war warp air airs raid heli barr aeri jet jets airc dron",
    "explosive": "ied ieds car expl land mine boob bomb",
    "shelling": "shel arti mort rock miss grou cann",
    "bombing": "bomb",
    "targeting": "targ",
    "attack": "coun atta offe assa infi stor oper ambu",
    "territory": "rega take took taki impo cont capt seiz ente adva reco",
    "clash": "clas batt figh comb conf exch mili fire hit",
    "kill": "kill mass exec",
}


@lru_cache(maxsize=1)
def _compiled() -> dict[str, tuple[tuple[int, str, re.Pattern[str]], ...]]:
    """Per word a vocabulary phrase can start with (its first 4 letters, or the whole word if
    shorter), the (table, name, regex) of the phrases to try there; table 0 is ``_AGENTS``,
    1 ``_ACTS``."""
    tries: dict[str, list[tuple[int, str, re.Pattern[str]]]] = {}
    for table, vocab in enumerate((_AGENTS, _ACTS)):
        for name, rx in vocab:
            compiled = re.compile(rf"\b(?:{rx})")
            for key in _STARTS[name].split():
                tries.setdefault(key, []).append((table, name, compiled))
    return {k: tuple(v) for k, v in tries.items()}


_NOT_LETTER: Final = re.compile(r"[^a-z]")


def _word_starts(text: str, keys: Container[str]) -> list[tuple[int, str]]:
    """(start, key) of each run of letters whose first 4 letters (or whole self, if shorter)
    are in ``keys``. Built from ``str.split`` and C-level iterators: a regex with many
    alternatives, or a Python loop over every word, costs several times more."""
    pieces = _NOT_LETTER.sub(" ", text).split(" ")
    before = list(accumulate(map(len, pieces), initial=0))
    return [(before[i] + i, k) for i, p in enumerate(pieces) if (k := p[:4]) in keys]


def _spans(text: str, whole: bool = False) -> tuple[list[_Span], list[_Span]]:
    """Agent and act phrases of a normalised text, each list in text order.

    Non-overlapping within each list, leftmost first and the earlier entry first at one place,
    as one alternation of the vocabulary would find them; the regexes run only where a word
    they can start with starts (``whole``: over the whole text, to check that this misses
    nothing)."""
    tries = _compiled()
    found: tuple[list[tuple[int, int, int, str]], list[tuple[int, int, int, str]]] = ([], [])
    if whole:
        seen = {(t, n): rx for v in tries.values() for t, n, rx in v}
        for table, vocab in enumerate((_AGENTS, _ACTS)):
            for order, (name, _) in enumerate(vocab):
                found[table].extend(
                    (m.start(), order, m.end(), name) for m in seen[table, name].finditer(text)
                )
    else:
        for pos, key in _word_starts(text, tries):
            for table, name, rx in tries.get(key, ()):
                m = rx.match(text, pos)
                if m is not None:
                    order = _ORDER_OF[table][name]
                    found[table].append((pos, order, m.end(), name))
    agents = _non_overlapping(found[0])
    # "jihadi factions": the agent phrase owns the words; an instrument inside one is still an
    # act ("turkish warplanes" strike from the air)
    acts = [
        x
        for x in _non_overlapping(found[1])
        if x.kind in ("air", "shelling") or not any(a.start <= x.start < a.end for a in agents)
    ]
    return agents, acts


_ORDER_OF: Final = tuple({name: i for i, (name, _) in enumerate(v)} for v in (_AGENTS, _ACTS))


def _non_overlapping(found: list[tuple[int, int, int, str]]) -> list[_Span]:
    found.sort()
    out: list[_Span] = []
    end = -1
    for start, _, stop, name in found:
        if start >= end:
            out.append(_Span(start, stop, name))
            end = stop
    return out


_JOIN: Final = re.compile(
    r"^(?:'s|s'|')?\s*(?:,\s*(?:and\s+)?|\s+and\s+(?:the\s+)?|\s+with\s+(?:the\s+)?|\s+&\s+"
    r"|\s+and\s+(?:their\s+)?allies\s*(?:and\s+)?|\s+as well as\s+(?:the\s+)?)?(?:the\s+)?$"
)
#: "<act> (carried out) by (the) [warplanes of (the)] <agents>".
_BY: Final = re.compile(
    # not "areas controlled by", "factions backed by": those name an area or a patron
    r"(?: (?!(?:controlled|held|backed|led|supported|run|dominated|occupied|besieged|"
    r"surrounded|seized|captured|taken|loyal|affiliated)\b)[\w'-]+){0,4}?"
    r" (?:carried out |launched |committed |conducted |dropped )?by"
    r"(?: the| a| an)?"
    r"(?: (?P<instrument>war-?planes|helicopters|jets|drones|shells|artillery|warships|forces)"
    r" of(?: the)?)? ?"
)
_OF: Final = re.compile(r" of(?: the)? ?")
_INSTRUMENT_KIND: Final = {
    "warplanes": "air",
    "war-planes": "air",
    "helicopters": "air",
    "jets": "air",
    "drones": "air",
    "shells": "shelling",
    "artillery": "shelling",
    "warships": "shelling",
}
#: Acts whose words do not say the means: a "by"-phrase naming an instrument says it.
_VAGUE: Final = frozenset({"kill", "bombing", "mixed", "targeting"})
_WITH_COVER: Final = re.compile(r"^ with (?:the )?[\w' -]{0,40}? (?:cover|support|backing)\b")
_LOYAL: Final = re.compile(
    r"^,? and (?:the )?(?:(?:militiamen|gunmen|militias) loyal to (?:them|it)|(?:their|its) allies)"
)
_THEY: Final = re.compile(r"\bthey(?: [\w'-]+){0,2} $")
_EXCHANGE: Final = re.compile(r"exchange of (?:\w+ )?$")
_BETWEEN: Final = re.compile(r"(?: [\w'-]+){0,3}? between ")
_WITHDRAW: Final = re.compile(r"\bwithdr[ae]w")
_ATTEMPT: Final = re.compile(r"\b(?:fail(?:s|ed)?|attempts?|tr(?:y|ies|ied))\b(?: [\w'-]+){0,2} $")
_CLAUSE_LEAD: Final = re.compile(r"^\s*(?:and |but |then )?(?:the )?$")
#: An act that did not happen: "continuous absence of aerial bombardment".
_NEGATED: Final = re.compile(
    r"\b(?:absence of|no|without|halt of|stop of|cessation of|free of)(?: [\w'-]+){0,2} $"
)
_BY_WORD: Final = re.compile(r" by ")
_POSSESSIVE: Final = re.compile(r"(?:'s|')? ?")
_VERB_OF: Final = re.compile(r"(?: [\w'-]+)? ")

_Group = tuple[int, int, frozenset[str]]


def _groups(text: str, agents: list[_Span]) -> list[_Group]:
    """Runs of agents joined by "and", "," or "with": "the factions and the jihadi groups"."""
    out: list[_Group] = []
    for a in agents:
        if out and _JOIN.match(text[out[-1][1] : a.start]):
            s, _, kinds = out[-1]
            out[-1] = (s, a.end, kinds | {a.kind})
        else:
            out.append((a.start, a.end, frozenset({a.kind})))
    return out


def _only_modifiers(gap: str) -> bool:
    words = gap.replace("'s", " ").replace("'", " ").split()
    return len(words) <= 5 and all(w in _MODIFIERS for w in words)


@dataclass(frozen=True)
class _Link:
    agents: frozenset[str] = frozenset()
    mutual: bool = False
    start: int = -1  # where the words it rests on start and end
    end: int = -1
    kind: str | None = None  # the means, where a "by"-phrase names an instrument


class _Part:
    """One headline part, normalised, with its phrases and clause boundaries."""

    def __init__(self, text: str) -> None:
        self.text = text
        agents, self.acts = _spans(text)
        self.groups = _groups(text, agents)
        # a comma or "and the" inside a list of agents does not end a clause
        cuts = [(m.start(), m.end()) for m in _CLAUSE_END.finditer(text)] if self.acts else []
        if len(self.groups) > 1:
            cuts = [c for c in cuts if not any(g[0] <= c[0] < g[1] for g in self.groups)]
        self.cuts = cuts
        self.lethal = [m.start() for m in _LETHAL.finditer(text)] if self.acts else []
        self.scene = [self._scene(m) for m in _BACKGROUND.finditer(text)] if self.acts else []

    def _scene(self, m: re.Match[str]) -> tuple[int, int]:
        """Where a scene-setting phrase reaches: to the end of its clause ("after the death of
        15 citizens in shelling by the regime forces, ..."), or for a response to the "by" that
        says what was done in response ("responds to the bombardment by killing ...")."""
        _, end = self.clause(m.end())
        if not m.group().startswith(("after", "since", "following", "before")):
            by = _BY_WORD.search(self.text, m.end(), end)
            end = by.start() if by else end
        else:
            # "killed today ... after 580 strikes": after a killing word, "after" says what
            # killed them, not what came before
            c0, _ = self.clause(m.start())
            if any(c0 <= p < m.start() for p in self.lethal):
                return (m.end(), m.end())
        return (m.end(), end)

    def background(self, pos: int) -> bool:
        return any(a <= pos < b for a, b in self.scene)

    def clause(self, pos: int) -> tuple[int, int]:
        start = 0
        for a, b in self.cuts:
            if b <= pos:
                start = b
            elif a >= pos:
                return start, a
        return start, len(self.text)

    def link(self, i: int) -> _Link:
        """Who the text says did act ``i``: see the module docstring."""
        text, act = self.text, self.acts[i]
        if act.kind == "clash" or (
            act.kind == "shelling" and _EXCHANGE.search(text[max(0, act.start - 20) : act.start])
        ):
            return _Link(mutual=True, start=act.start, end=act.end)  # a fight: both sides
        nxt = next((g for g in self.groups if g[0] >= act.end), None)
        if nxt is not None and not any(
            act.end <= a.start < nxt[0] and a.kind != "air" for a in self.acts
        ):
            gap = text[act.end : nxt[0]]
            by = _BY.fullmatch(gap)
            if (by or _OF.fullmatch(gap)) and self._opponents(nxt):
                return _Link(mutual=True, start=act.start, end=nxt[1])
            if by or _OF.fullmatch(gap):
                kind = self._instrument(act, nxt, by.group("instrument") if by else None)
                if by and act.kind == "kill" and two_sides(nxt[2]):
                    return _Link(mutual=True, start=act.start, end=nxt[1])  # killed by A and B
                return _Link(nxt[2], False, act.start, nxt[1], kind)
        before = [g for g in self.groups if g[1] <= act.start]
        if before:
            g = before[-1]
            gap = _LOYAL.sub("", _WITH_COVER.sub("", text[g[1] : act.start]))
            between = any(g[1] <= a.start < act.start and a.kind != "air" for a in self.acts)
            participle = text.startswith("killing", act.start)  # the subject's, not g's
            if _only_modifiers(gap) and not between and not participle:
                if self._opponents(g):  # "the fight between A and B kills ..."
                    return _Link(mutual=True, start=g[0], end=act.end)
                return _Link(g[2], False, g[0], act.end)  # "russian warplanes", "x attack"
            if _THEY.search(text[: act.start]) and act.kind in ("territory", "attack"):
                return _Link(g[2], False, g[0], act.end)  # "x withdraw from areas they took"
        if act.kind == "kill":
            # the clause's subject kills: "the regime responds ... by killing 7 citizens"
            c0, _ = self.clause(act.start)
            subject = next((g for g in self.groups if c0 <= g[0] < act.start), None)
            if subject is not None and _CLAUSE_LEAD.match(text[c0 : subject[0]]):
                if self._opponents(subject):
                    return _Link(mutual=True, start=subject[0], end=act.end)
                return _Link(subject[2], False, subject[0], act.end)
        return _Link(start=act.start, end=act.end)

    def _opponents(self, group: _Group) -> bool:
        """A pair named after "between": two sides of a fight, not allies acting together."""
        return self.text[max(0, group[0] - 12) : group[0]].endswith(("between ", "between the "))

    def _instrument(self, act: _Span, group: _Group, named: str | None) -> str | None:
        """The means a "by"-phrase gives a vague act: "strikes by warplanes of the regime",
        "bombing by the regime's warplanes"."""
        if act.kind not in _VAGUE:
            return None
        if named is not None:
            return _INSTRUMENT_KIND.get(named)
        after = next((a for a in self.acts if a.start >= group[1]), None)
        if (
            after is not None
            and after.kind in ("air", "shelling")
            and _POSSESSIVE.fullmatch(self.text, group[1], after.start)
        ):
            return after.kind
        return None


def two_sides(kinds: frozenset[str]) -> bool:
    """Whether agents fight on different sides (then named together they are a fight).

    >>> two_sides(frozenset({"regime", "factions"})), two_sides(frozenset({"regime", "russia"}))
    (True, False)
    """
    return len({SIDE_OF[k] for k in kinds}) > 1


@lru_cache(maxsize=65536)
def read_acts(headline: str) -> tuple[Act, ...]:
    """The acts of one headline (``;``-separated parts read in order), with their agents.

    >>> [(a.kind, sorted(a.agents), a.mutual) for a in read_acts(
    ...     "21 casualties of the regime forces during the attack of the factions and the Jihadis"
    ...     ", and about 700 ground and air strikes by warplanes of the regime and the Russian")]
    [('attack', ['factions', 'jihadis'], False), ('air', ['regime', 'russia'], False)]
    >>> [(a.kind, a.mutual) for a in read_acts("Clashes between the regime and the factions")]
    [('clash', True)]
    """
    out: list[Act] = []
    for n, raw in enumerate(headline.split(";")):
        # many headlines repeat a part of another (a daily toll, a report code): read it once
        out.extend(replace(a, order=len(out) + a.order, part=n) for a in _read_part(raw))
    return tuple(out)


@lru_cache(maxsize=65536)
def _read_part(raw: str) -> tuple[Act, ...]:
    text = normalise(raw)
    if not text:
        return ()
    part = _Part(text)
    found: list[Act] = []
    covered = -1  # the end of the words the last act rests on
    for i, span in enumerate(part.acts):
        if span.start < covered:
            continue  # "strikes carried out by the warplanes of the regime": one act
        if _NEGATED.search(text, 0, span.start):
            continue  # "absence of aerial bombardment"
        if (
            span.kind == "targeting"
            and i
            and _VERB_OF.fullmatch(text, part.acts[i - 1].end, span.start)
        ):
            continue  # "1300 air and ground strikes targeted the area": their verb
        link = part.link(i)
        if span.kind == "kill" and not link.agents and not link.mutual:
            continue  # "killed" alone says nothing the death columns do not
        covered = max(covered, link.end)
        c0, c1 = part.clause(span.start)
        kind = link.kind or span.kind
        if kind == "territory" and (
            _WITHDRAW.search(text, c0, c1) or _ATTEMPT.search(text, c0, span.start)
        ):
            kind = "attack"  # advanced then withdrew, or tried to: the map did not change
        if (
            kind == "air"
            and link.agents
            and not link.agents & _AIR_FORCES
            and not text.startswith("drone", span.start)
        ):
            kind = "attack"  # "Tahrir al-Sham raids on positions": a ground raid
        found.append(
            Act(
                kind=kind,
                agents=frozenset() if link.mutual else link.agents,
                mutual=link.mutual,
                # a named side's attack or advance is the fighting the headline's dead fell
                # in, wherever in it they are counted
                lethal=kind == "kill"
                or any(c0 <= p < c1 for p in part.lethal)
                or (kind in ("attack", "territory") and bool(link.agents) and bool(part.lethal)),
                background=part.background(span.start),
                order=len(found),
                part=0,
                words=text[min(link.start, span.start) : max(link.end, span.end)],
            )
        )
    return tuple(_with_means(found))


def _with_means(acts: list[Act]) -> list[Act]:
    """A killing by a named agent takes the means the same part gives for that agent, the
    nearest after it first: "a massacre carried out by the regime forces by bombing a market",
    "Russian warplanes target a village and kill 3 citizens"."""
    out = []
    for k in acts:
        if k.kind == "kill" and k.agents:
            means = [
                x
                for x in acts
                if x.kind not in ("kill", "clash") and not x.mutual and x.agents <= k.agents
            ]
            if means:
                m = min(means, key=lambda x: (x.order < k.order, abs(x.order - k.order)))
                k = replace(k, kind=m.kind)
        out.append(k)
    return out
