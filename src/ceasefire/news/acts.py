"""Acts in a news sentence: where each reported act lies, and the trigger that names it.

:func:`find_acts` cuts a sentence into clauses (:mod:`ceasefire.news.clauses`), cuts a clause
again where acts are joined with no comma ("Clashes in X and shelling targets Y"), and joins
back what tells one act in two clauses ("33 soldiers were killed when jets struck their
convoy"); each act gets its highest-ranked trigger
(:func:`ceasefire.news.event_types.find_trigger`), else an attack with no other trigger (rule
``attack``), else deaths with no act named (rule ``deaths``). The rules are listed in
:mod:`ceasefire.news.events`.

>>> s = "Turkish drones hit Assad's army after an airstrike killed 33 Turkish soldiers."
>>> [(s[a.start : a.end], a.trigger[0]) for a in find_acts(s)]
[("Turkish drones hit Assad's army", 'drone'), ('after an airstrike killed 33 Turkish soldiers.', \
'air')]
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from .clauses import split_clauses
from .event_types import find_trigger
from .fatalities import fatality_spans

__all__ = ["Act", "Trigger", "find_acts"]

Trigger = tuple[str, re.Match[str], str, str]
"""``(rule, match, event_type, sub_event_type)``: the match's offsets are in the act's text."""


class Act(NamedTuple):
    """One act of a sentence: ``start``..``end`` in the sentence, its trigger, and where its
    subject is searched from (``start``, or the previous clause's start for "..., and shelled
    the town", which has none of its own)."""

    start: int
    end: int
    trigger: Trigger
    subject_start: int


# deaths named with no count ("human losses", "casualties") or only with one ("3 died")
_DEATH_WORDS_RE = re.compile(
    r"(?i)(?<![\w-])(?:killed|kill(?:s|ing)?|slain|shot\s+dead|human\s+losses|casualties"
    r"|bodies|claim(?:s|ed|ing)?\s+the\s+lives|martyr(?:s|ed|dom)?)(?![\w-])"
)
_VIOLENCE_CUE_RE = re.compile(
    r"(?i)\b(?:killed|kill\w*|attack\w*|violen\w*|clash\w*|fighting|blasts?|explosions?|shoot\w*"
    r"|shot|gun\w*|strikes?|shell\w*|bomb\w*|militants?|martyr\w*|troops|soldiers|rebels|army"
    r"|forces|war|conflict|terror\w*|insurgen\w*)\b"
)
_DEATH_COUNTED_RE = re.compile(r"(?i)(?<![\w-])(?:died|dead|deaths?)(?![\w-])")
_ATTACK_RE = re.compile(
    r"(?i)(?<![\w-])(?:attacked(?!\s+(?:\S+\s+){0,3}?(?:proposals?|plans?|polic\w+|decisions?"
    r"|remarks|comments|statements?|ideas?|records?|claims?|views?|critics?|media|press))"
    r"|raided|raids?|an\s+(?:\w+\s+)?attack\s+(?:on|against)|target(?:s|ed|ing)(?!\s+(?:of|for))"
    r"|(?<=[a-z]\s)target(?=\s+(?:the|a|an|their|its)\s)"
    r"|(?:(?<=forces\s)|(?<=troops\s)|(?<=rebels\s)|(?<=factions\s)|(?<=fighters\s)"
    r"|(?<=militants\s)|(?<=jihadists\s)|(?<=gunmen\s)|(?<=regime\s))attacks?"
    r"|opened\s+fire|shooting|gunfire|gunshots?|snip(?:ing|ers?)|bullets)(?![\w-])"
)
# deaths or attacks that are no act of political violence: disease, disaster, accident,
# animals, courts, plans and capacities ("can kill", "plans to kill")
_NOT_VIOLENCE_RE = re.compile(
    r"(?i)\b(?:outbreaks?|virus\w*|disease\w*|flu|epidemic\w*|pandemic\w*|cholera|ebola|plague"
    r"|illness\w*|infect\w*|bacteri\w*|strain|poison\w*|liquor|overdose\w*|earthquakes?|quakes?"
    r"|floods?|flooding|storms?|hurricanes?|cyclones?|typhoons?|tsunamis?|landslides?|heat\s*waves?"
    r"|crash\w*|accidents?|collisions?|derail\w*|blaze|wildfires?|birds?|poultry|cattle|chickens"
    r"|animals?|livestock|culled|guilty|convicted|charged\s+with|sentenced|trial|acquitted"
    r"|trees?|hit\s+by\s+an?\s+(?:car|truck|vehicle|train|bus|van)"
    r"|(?:to|can|could|may|might|would|will)\s+(?:\w+\s+)?kill)\b"
)
_KILLED_OR_WOUNDED_RE = re.compile(r"(?i)\bkilled\s+(?:and|or)\s+(?:wounded|injured)\b")
_NO_SUBJECT_RE = re.compile(r"(?i)(?:and|but)\s+(?:then\s+|later\s+|also\s+)?[a-z]+ed\b")
# every word the deaths and attack rules start from, as one cheap search (a speed trick: most
# sentences hold none of them and skip the clause work)
_ACT_WORDS_RE = re.compile(
    r"(?i)kill|slain|shot|dead|died|death|casualt|losses|bodies|lives|martyr|attack|raid|target"
    r"|fire|shoot|gunshot|snip|bullet"
)
_ANAPHOR_RE = re.compile(r"(?i)\b(?:in|during|by|from)\s+(?:the|that|this)\s+(?:\w+\s+)?$")
_AGGREGATE_RE = re.compile(
    r"(?i)\b(?:since|(?:the|civil|this)\s+war|conflict|so\s+far|this\s+year|total|years|months"
    r"|uprising)\b"
)


_COORDINATOR_RE = re.compile(
    r"\s+and\s+|\s+as\s+well\s+as\s+|\s*…+\s*|\s*\.{2,}\s*|,?\s+in\s+conjunction\s+with\s+"
    r"|,?\s+coinciding\s+with\s+|,?\s+in\s+addition\s+to\s+|,?\s+along\s+with\s+"
    r"|,?\s+following\s+(?=an?\s)"
    r"|,?\s+accompan(?:ying|ied\s+by)\s+|\s+with\s+(?=(?:more|further|continued|renewed|intense"
    r"|heavy|violent)\s)"
)
_ELSEWHERE_RE = re.compile(
    r"(?i)\b(?:in|near|at)\s+(?:the\s+)?(?:[A-Z][\w'’-]+|(?:\w+\s+){0,2}?countryside|city|town"
    r"|village)"
)
_WOUNDED_NEXT_RE = re.compile(r"(?i)(?:and\s+)?(?:\S+\s+){0,2}?(?:wound|injur|hurt)")
_MODIFIER_END_RE = re.compile(
    r"(?i)\b(?:air|aerial|ground|land|sea|naval|missile|rocket|artillery|mortar|drone|heavy|light)"
    r"\s*$"
)
_PLATFORM_RE = re.compile(r"(?i)(?:war\s*planes?|jets?|helicopters?|aircraft|bombers?)")
_VERB_FIRST_RE = re.compile(
    r"(?:carr(?:y|ies|ied)\s+out|[a-z]+(?:s|ed)\s+(?:\d|the|a|an|at|on|more|several|\w+\s+raids?))"
)
_CAUSE_LIST_RE = re.compile(
    r"(?i)\b(?:killed|dead|died|casualties|injured|wounded|losses)\s+(?:\S+\s+){0,3}?"
    r"(?:in|by|from|during)\s"
)


def _coordinated(sent: str, c0: int, c1: int) -> list[tuple[int, int]]:
    """A clause cut where acts are joined with no comma ("Clashes in the countryside of Aleppo
    and shelling targets ...", "... near Idlib … and rocket shelling ..."): at "and", "as well
    as" or an ellipsis with an act on both sides (a trigger, or deaths before it). Not inside
    a list of causes of deaths ("killed in shelling, sniping and explosions"), nor before the
    wounded ("killed and wounded")."""
    cuts: list[tuple[int, int]] = []
    start = c0
    seps = list(_COORDINATOR_RE.finditer(sent, c0, c1))
    for i, m in enumerate(seps):
        # the right side runs to the next separator that is not inside "aerial and ground ..."
        nexts = [x for x in seps[i + 1 :] if not _MODIFIER_END_RE.search(sent[m.end() : x.start()])]
        stop = nexts[0].start() if nexts else c1
        left, right = sent[start : m.start()], sent[m.end() : stop]
        if not left.strip() or not right.strip() or _WOUNDED_NEXT_RE.match(right):
            continue
        if _MODIFIER_END_RE.search(left):
            continue  # "air and missile strikes": one act, two modifiers
        ellipsis = "and" not in m.group(0) and "as" not in m.group(0)
        left_trigger = _trigger(left)
        # deaths elsewhere: "Explosions in Aleppo city and 2 persons killed in Daraa"
        elsewhere = (
            left_trigger is not None
            and _DEATH_WORDS_RE.search(right) is not None
            and _ELSEWHERE_RE.search(right) is not None
        )
        right_trigger = _trigger(right)
        if right_trigger is not None and _PP_BEFORE_RE.search(right[: right_trigger[1].start()]):
            right_trigger = None  # "pushed Ankara and Moscow toward a direct clash": one phrase
        own = right_trigger is not None or elsewhere
        if not own and not (ellipsis and _DEATH_WORDS_RE.search(right)):
            continue
        if left_trigger is None and not (
            _DEATH_WORDS_RE.search(left)
            and _ELSEWHERE_RE.search(left)
            and "following" not in m.group(0)  # "5 killed in Ariha following an airstrike"
        ):
            continue  # "4 casualties and several wounded in car explosion": the same act
        if (
            left_trigger is not None
            and left_trigger[0] == "air"
            and _PLATFORM_RE.fullmatch(left_trigger[1].group(0))
            and _VERB_FIRST_RE.match(right)
        ):
            continue  # "The warplanes violate the truce and carry out 7 raids": one act
        cause = _CAUSE_LIST_RE.search(left)
        if not ellipsis and cause and left_trigger and left_trigger[1].start() >= cause.end():
            continue  # "killed in shelling, sniping and explosions": causes of the same deaths
        cuts.append((start, m.start()))
        start = m.end()
    cuts.append((start, c1))
    return cuts


_PP_BEFORE_RE = re.compile(r"(?i)\b(?:toward|towards|into|to|of|for|from|with|without|against)\s")
_QUOTED_RE = re.compile(r"\"[^\"]*\"|“[^”]*”")


def _trigger(text: str) -> Trigger | None:
    """The highest-ranked trigger of a clause, else an attack with no other trigger."""
    found = find_trigger(text)
    if found is None and not _NOT_VIOLENCE_RE.search(text):
        verb = _ATTACK_RE.search(text)
        if verb is not None:
            found = ("attack", verb, "Battles", "Armed clash")
    return found


def find_acts(sent: str) -> list[Act]:
    """The acts of a sentence: ``(clause start, clause end, trigger, subject start)``, one per
    clause that names an act (its highest-ranked trigger), in sentence order; the subject is
    searched from ``subject start`` (the previous clause's start for "..., and shelled the
    town", which has none of its own). An attack or deaths named only inside a quotation is
    a party's claim, no act (the named triggers are read there as before).

    A clause that reports deaths without naming an act ("33 soldiers were killed") joins the
    clause it is simultaneous with ("... when jets struck their convoy") or the act before it
    ("..., and 21 soldiers were killed"); after "after", "before", ... ("... after 33 soldiers
    were killed") it is an act of its own (rule ``deaths``), unless it counts the dead of a war
    or a period ("the war has killed ..."), or deaths that are no political violence (disease,
    disaster, accident, courts). A clause naming an act by a definite phrase ("..., and 21
    soldiers were killed in the fighting") is the act before it. A clause that names no act
    and counts no dead joins the act before it ("... after rebels pulled back": the other side);
    a clause that attacks with no other trigger ("gunmen attacked a bus") is an act (``attack``).
    """
    if not _ACT_WORDS_RE.search(sent) and find_trigger(sent) is None:
        return []  # most sentences name no act: no clause work for them
    quoted = [m.span() for m in _QUOTED_RE.finditer(sent)]
    rows: list[list[Any]] = []  # [start, end, link, trigger, reports deaths]
    for c0, c1, link in split_clauses(sent):
        for k, (a, b) in enumerate(_coordinated(sent, c0, c1)):
            text = sent[a:b]
            deaths = (
                bool(fatality_spans(text))
                or bool(_KILLED_OR_WOUNDED_RE.search(text))
                or bool(_DEATH_WORDS_RE.search(text))
            )
            rows.append([a, b, link if k == 0 else "separate", _trigger(text), deaths])
    merged: list[list[Any]] = []
    for i, row in enumerate(rows):
        nxt = rows[i + 1] if i + 1 < len(rows) else None
        # the act before this clause, if any (a clause that names none is no act to join)
        prev = merged[-1] if merged and (merged[-1][3] is not None or merged[-1][4]) else None
        anaphor = (
            row[3] is not None
            and prev is not None
            and row[2] in ("coordinate", "simultaneous", "break")
            and _ANAPHOR_RE.search(sent[row[0] : row[0] + row[3][1].start()]) is not None
        )
        if anaphor and prev is not None:
            prev[1] = row[1]  # "..., and 21 soldiers were killed in the fighting": the same act
            prev[4] = prev[4] or row[4]
        elif row[3] is not None:
            merged.append(row)
        elif row[4] and nxt is not None and nxt[2] == "simultaneous" and nxt[3] is not None:
            nxt[0], nxt[2], nxt[4] = row[0], row[2], True  # "33 were killed when jets struck"
        elif prev is not None and (not row[4] or row[2] not in ("sequence", "separate")):
            prev[1] = row[1]  # "..., and 21 soldiers were killed"; "after rebels pulled back"
            prev[4] = prev[4] or row[4]
        else:
            merged.append(row)  # "... after 33 soldiers were killed": deaths of their own
    rows = merged
    out: list[Act] = []
    for i, (c0, c1, link, found, deaths) in enumerate(rows):
        text = sent[c0:c1]
        # "..., and shelled the town": the subject is the previous clause's
        lead = rows[i - 1][0] if i and link == "coordinate" and _NO_SUBJECT_RE.match(text) else c0
        if found is not None:
            found = _trigger(text)  # again: the clauses may have grown
        elif not _AGGREGATE_RE.search(text) and not _NOT_VIOLENCE_RE.search(text):
            verb = _DEATH_WORDS_RE.search(text) or (
                _DEATH_COUNTED_RE.search(text)
                if deaths and _VIOLENCE_CUE_RE.search(sent)  # "two ducks have died": no
                else None
            )
            if verb is not None:
                found = ("deaths", verb, "Battles", "Armed clash")
        if found is not None and found[0] in ("attack", "deaths"):
            at = c0 + found[1].start()
            if any(a <= at < b for a, b in quoted):
                continue  # '"The regime attacked our posts," he said': a claim, not an act
        if found is not None:
            out.append(Act(c0, c1, found, lead))
    return out
