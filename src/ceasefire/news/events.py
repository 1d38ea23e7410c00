"""Rule-based event extraction from the sentences of a cleaned news article, into the event model.

Each sentence is read on its own with regular expressions and small word lists (no parser, no
NER model), clause by clause (:mod:`ceasefire.news.clauses`, :mod:`ceasefire.news.acts`; who
did what to whom: :mod:`ceasefire.news.roles`): one event per act, the act named
by the highest-ranked trigger below in its clause, so that "Turkey unleashed ... drones against
Assad's army after an airstrike killed 33 Turkish soldiers" gives two events, each with its own
agent, victims and dead. Every value keeps the character offsets of the words it came from
(:attr:`NewsEvent.evidence`); :attr:`NewsEvent.clause` spans the act's clauses.

**Type** (trigger -> ACLED ``event_type`` / ``sub_event_type``), first rule that fires wins:

==================================================  ===========================================
protest, protesters, demonstrators, sit-in,          Protests / Peaceful protest; "Protest with
rallied, blocked the road                           intervention" when forces dispersed, fired
                                                    tear gas or arrested; "Excessive force against
                                                    protesters" when protesters were killed
cease-fire agreed/reached/signed/takes effect,       Strategic developments / Agreement
signed a deal, reached an agreement
suicide bomber, suicide attack, suicide car bomb     Explosions/Remote violence / Suicide bomb
IED, roadside bomb, car bomb, landmine, explosive    Explosions/Remote violence /
device, booby-trapped                               Remote explosive/landmine/IED
drone strike, drone attack, drone(s)                 Explosions/Remote violence / Air/drone strike
airstrike, air strike, air raid, warplanes, jets,    Explosions/Remote violence / Air/drone strike
aircraft, helicopters, barrel bomb, bombed
shelling, shelled, artillery, mortar, rocket(s),     Explosions/Remote violence /
missile(s), bombardment                             Shelling/artillery/missile attack
massacre, executed, shot dead, gunned down, killed   Violence against civilians / Attack
civilians (with no weapon trigger)
captured, seized, took control, retook, overran      Battles / Government regains territory when
                                                    the agent is the government side (Syrian
                                                    forces, pro-government militias, Russia, Iran,
                                                    Hezbollah); Non-state actor overtakes
                                                    territory when it is a non-state group; Armed
                                                    clash when unknown or a foreign army (ACLED
                                                    files both under Battles since 2019)
withdrew from, handed over, without a fight          Strategic developments / Non-violent
                                                    transfer of territory
clashes, fighting, battle, offensive, attacked       Battles / Armed clash
positions, firefight, ambush
attacked, raided, an attack on (no other trigger;    Battles / Armed clash (``attack``); Violence
not a verbal attack on a proposal)                  against civilians / Attack when the victims
                                                    are civilians
killed, kills, slain, shot dead (deaths with no act  the same (``deaths``); not the toll of a war
named, in a clause of their own)                    or a period, nor deaths by disease, disaster,
                                                    accident, nor courts, animals, "can kill"
==================================================  ===========================================

Sentences in the future tense ("will respond to any attack") give no violent event: threats and
plans are claims, not events. Agreements are kept in any tense.

**Actors** come from the maintained list (:mod:`ceasefire.news.actors`). ``actor1`` is the agent
where a simple pattern shows it, in this order: the agent of a passive or a noun ("was shelled
by X", "an airstrike by Russian jets", "blamed on X"; not "backed by X"); the first of
"clashes between X and Y"; the first actor before the trigger that is not a victim (the
subject: "X shelled Y", "Russian airstrikes hit ..."); for battles, protests and agreements the
first actor named at all. ``actor2`` is the next other actor (the object: "X shelled Y"), else
the victims' side. ``victims_side`` is the actor counted in the fatality phrase ("33 Turkish
soldiers" -> Turkey, "five civilians" / "16 people" -> civilians). The evidence names the rule:
``actor1:agent`` (by-agent, subject), ``actor1:listed`` (first named; initiator unknown).
All of these are looked for in the act's own clauses ("an airstrike killed 33 Turkish soldiers"
names no agent: actor1 is None, even if another clause names one); a clause "..., and shelled
the town" takes the subject of the clause before it. Where the list knows no doer, the words
naming one are kept as evidence ``agent`` (actor1 stays None): the agent of "killed by X" or
"an attack by X", the subject of an active verb of violence ("Suspected militants ambushed
..."; never a count of the dead, nor a weapon such as "an airstrike" unless a name or a word
like "regime" qualifies it), or the qualifier of an act ("regime shelling", "Saudi-led
coalition airstrikes"). The words naming the dead are ``victim`` ("33 Turkish soldiers"), and
what an act hit, where no actor is named there, ``target`` ("struck a military convoy").

**Place**: place phrases in the sentence ("in X", "near X", "the village of X", "X's
countryside", "X province", "shelled X", "southern Idlib") resolved with
:func:`ceasefire.news.gazetteer.resolve`, with the country hint and the article's other places
as ``near`` context. Demonyms, dates and actor names are not places. Of the resolved places, one
in the country wins over one abroad, a town, village or site over a district, area or road, over a
governorate, over a country; then the one nearest the trigger.

**Date**: the date mention in the sentence nearest the trigger, from :func:`resolve_dates` with
the sentence's tense forced for violent events (a present-tense sentence counts as past, since
news reports what happened) and each mention's own clause tense for agreements ("signed on
Monday ... will set up ... by Oct. 15"); else the publication day, local to ``timezone``
(evidence ``date:publication-day``, zero-width).

**Fatalities** ``(low, best, high)``, the conventions (ACLED's where it has one: it codes the
most conservative figure reported):

* a plain count, "16 people were killed", "killing five" -> (16, 16, 16), (5, 5, 5);
* "at least 16", "more than 16", "over 16", "no fewer than 16" -> (16, 16, None): the figure is a
  floor, the ceiling is unknown;
* "up to 20", "as many as 20", "at most 20" -> (None, 20, 20): a ceiling, taken as the best
  estimate (the only figure given), the floor unknown;
* "nearly 20", "almost 20", "fewer than 20" -> (None, 20, 20) likewise;
* "about 20", "around 20", "some 20", "an estimated 20" -> (None, 20, None);
* "between 10 and 15", "10 to 15", "10 or 15" -> (10, 10, 15): the low figure is the best
  (ACLED's conservative rule);
* vague counts: "tens" 10, "dozens" 12 and "hundreds" 100 are ACLED's published convention (ACLED
  FAQ "How does ACLED code fatalities?", 2023); "scores" 20 (one score, by the same logic as one
  dozen for "dozens"), "thousands" 1000, "a dozen" 12, and "several", "a few", "a number of" 3
  are this module's choices (not checked against an ACLED text); all as (n, n, None), floors;
* numbers in words ("two", "thirty-three", "a", "one") and digits ("1,200");
* "an airstrike killed 33 soldiers": "an" is the article of the subject, not one dead; a
  headline's singular ("Turkish soldier killed in Idlib") is 1; a number that is a time, a
  distance or an age ("killed around 5 p.m.") is no count;
* wounded and injured never count: "killing five and wounding 12" -> (5, 5, 5); a count in
  one sentence's several fatality phrases is summed ("killed three soldiers and two civilians"
  -> 5); "no one was killed", "no casualties" -> (0, 0, 0).

>>> [(e.event_type, e.sub_event_type, e.actor1, e.place, e.fatalities_best) for e in
...  extract_events("Russian jets struck Ariha on Tuesday, killing five civilians.",
...                 dt.date(2020, 2, 27))]
[('Explosions/Remote violence', 'Air/drone strike', 'Military Forces of Russia (2000-)', \
'Arīḩā', 5)]
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ..events import LOCAL_TIMEZONE, VIOLENT_EVENT_TYPES
from . import actors as _actors
from .acts import Trigger, find_acts
from .dates import DateMention, resolve_dates
from .event_frame import events_frame
from .event_types import GOVERNMENT_SIDE, INTERVENTION_RE
from .fatalities import (
    FATALITY_WORDS,
    NONE_KILLED_RE,
    WOUNDED_RES,
    fatality_spans,
    parse_fatalities,
    sum_fatalities,
)
from .gazetteer import Place, resolve
from .place_phrases import PlacePhrase, find_place_phrases, pick_place
from .roles import (
    SAID_RE,
    counted_victims,
    find_agent,
    is_backer,
    is_victim,
    named_agent,
    named_target,
    victim_phrase,
)
from .sentences import split_sentences
from .tense import sentence_tense

__all__ = [
    "FATALITY_WORDS",
    "NewsEvent",
    "events_frame",
    "extract_events",
    "parse_fatalities",
    "split_sentences",
]

# ------------------------------------------------------------------------------------ the event


@dataclass(frozen=True)
class NewsEvent:
    """One event read from one sentence of an article, with the offsets of its evidence.

    ``sentence`` is ``(start, end, text)`` in the article text; ``evidence`` holds
    ``(what, start, end)`` for the type trigger (``type:<rule>``), the actors
    (``actor1:agent`` / ``actor1:listed``, ``actor2``, ``victims``), the place, the date
    (``date:<granularity>``, or zero-width ``date:publication-day``) and the fatalities.
    ``time_start``/``time_end`` are UTC, ``time_end`` exclusive (equal for an exact moment).
    """

    sentence: tuple[int, int, str]
    event_type: str
    sub_event_type: str
    actor1: str | None
    actor2: str | None
    place: str | None
    latitude: float | None
    longitude: float | None
    radius_km: float | None
    place_id: str | None
    time_start: dt.datetime | None
    time_end: dt.datetime | None
    fatalities_low: int | None
    fatalities_best: int | None
    fatalities_high: int | None
    victims_side: str | None
    evidence: tuple[tuple[str, int, int], ...]
    place_country: str | None = None
    clause: tuple[int, int] | None = None

    @property
    def initiator_known(self) -> bool:
        """True when ``actor1`` was read as the agent of the act (``actor1:agent`` evidence)."""
        return any(what == "actor1:agent" for what, _, _ in self.evidence)


def _pick_date(mentions: list[DateMention], anchor: int) -> DateMention | None:
    if not mentions:
        return None
    return min(mentions, key=lambda m: (abs(m.start - anchor), m.start))


def extract_events(
    text: str,
    published: dt.date,
    *,
    timezone: str = LOCAL_TIMEZONE,
    country: str = "SY",
    source: str | None = None,
) -> list[NewsEvent]:
    """The events reported in ``text`` (a cleaned article), one per act: a sentence reporting
    two acts in two clauses gives two events (see :mod:`ceasefire.news.clauses`).

    ``published`` anchors relative dates; ``timezone`` is the local zone of the dateline;
    ``country`` (ISO alpha-2) is the gazetteer hint and fills "Civilians (Syria)"-style names.
    ``source`` is accepted for symmetry with :func:`events_frame` and not used.
    """
    del source
    if isinstance(published, dt.datetime):
        published = published.date()
    country = country.upper()
    sentences = split_sentences(text)

    # first pass: the places of the whole article, as context for each other
    phrases_of: list[list[PlacePhrase]] = []
    article_places: list[tuple[int, Place]] = []
    for s0, _, sent in sentences:
        blocked = [(a.start, a.end) for a in _actors.find_actors(sent, country=country)]
        phrases = find_place_phrases(sent, blocked)
        phrases_of.append(phrases)
        for ph in phrases:
            place = resolve(ph.query, country=country)
            if place is not None and place.country == country and place.radius_km <= 30:
                article_places.append((s0 + ph.start, place))

    out: list[NewsEvent] = []
    for (s0, s1, sent), phrases in zip(sentences, phrases_of, strict=True):
        tense = sentence_tense(sent)
        for c0, c1, found, lead in find_acts(sent):
            event = _read_act(
                _Act(sent, s0, s1, c0, c1, found, tense, lead),
                phrases,
                [p for a, p in article_places if not (s0 <= a < s1)],
                published=published,
                timezone=timezone,
                country=country,
            )
            if event is not None:
                out.append(event)
    return out


_PRONOUN_WORDS = frozenset(["", "he", "she", "they", "him", "her", "them", "it"])
_PLANNED_RE = re.compile(
    r"(?i)\b(?:to\s+(?:participate|take\s+part|join)\s+in|prepar(?:e|es|ing|ations?)\s+for"
    r"|ahead\s+of|in\s+preparation\s+for|plans?\s+(?:for|to)|fears?\s+of|threat\s+of)\s+"
    r"(?:[\w'’-]+\s+){0,4}$"
)


@dataclass(frozen=True)
class _Act:
    """One act to read: its sentence (``sent`` at ``s0``..``s1`` in the article), its clauses
    ``c0``..``c1`` (offsets in the sentence), its trigger (offsets in the clauses) and the
    sentence's tense."""

    sent: str
    s0: int
    s1: int
    c0: int
    c1: int
    found: Trigger
    sentence_tense: str
    lead: int  # where its subject is searched: c0, or the previous clause's start


def _read_act(
    act: _Act,
    phrases: list[PlacePhrase],
    near: list[Place],
    *,
    published: dt.date,
    timezone: str,
    country: str,
) -> NewsEvent | None:
    """The event one act reports, or None (a threat in the future tense)."""
    sent, s0, c0 = act.sent, act.s0, act.c0
    text = sent[c0 : act.c1]
    base = s0 + c0  # article offset of the clause
    rule, trig, event_type, sub_event_type = act.found
    tense = sentence_tense(text)
    if tense == "present":
        tense = act.sentence_tense
    if event_type in VIOLENT_EVENT_TYPES and tense == "future":
        return None
    if event_type in VIOLENT_EVENT_TYPES and _PLANNED_RE.search(text[: trig.start()]):
        return None  # "Reinforcements arrive to participate in the final battle": a plan
    evidence: list[tuple[str, int, int]] = [
        (f"type:{rule}", base + trig.start(), base + trig.end())
    ]
    context = "political" if event_type == "Strategic developments" else "military"
    mentions = _actors.find_actors(text, context=context, country=country)

    # fatalities and victims
    low = best = high = None
    victims_side: str | None = None
    dead: tuple[int, int] | None = None  # the words naming the dead
    spans = fatality_spans(text)
    victim_spans: list[tuple[int, int]] = []
    if spans and event_type not in ("Strategic developments",):
        low, best, high = sum_fatalities([v for _, _, v, _ in spans])
        for a, b, _, (w0, w1) in spans:
            evidence.append(("fatalities", base + a, base + b))
            victim_spans.append((a, b))
            if dead is None and text[w0:w1].strip().lower() not in _PRONOUN_WORDS:
                dead = victim_phrase(text, a, w0, w1)
            if victims_side is None and w1 > w0:
                vm = _actors.find_actors(text[w0:w1], context="victims", country=country)
                if vm:
                    victims_side = vm[0].actor
                    evidence.append(("victims", base + w0 + vm[0].start, base + w0 + vm[0].end))
    if victims_side is None:  # the side of the dead, else of the wounded
        for regex in WOUNDED_RES:
            wm = regex.search(text)
            if wm is None or wm.end("who") <= wm.start("who"):
                continue
            w0 = wm.start("who")
            vm = _actors.find_actors(wm.group("who"), context="victims", country=country)
            if vm:
                victims_side = vm[0].actor
                evidence.append(("victims", base + w0 + vm[0].start, base + w0 + vm[0].end))
                break
    if not spans and event_type in VIOLENT_EVENT_TYPES:
        m0 = NONE_KILLED_RE.search(text)
        if m0 is not None:
            low = best = high = 0
            evidence.append(("fatalities", base + m0.start(), base + m0.end()))
    if rule in ("deaths", "attack") and _actors.inter_code(victims_side, country) == 7:
        event_type, sub_event_type = "Violence against civilians", "Attack"

    actor1, actor1_rule = find_agent(text, trig, event_type, mentions, victim_spans)
    if actor1 is None and act.lead < c0:  # "Regime forces advanced, and shelled the town"
        before = sent[act.lead : c0]
        for m in _actors.find_actors(before, context=context, country=country):
            if not SAID_RE.search(before[m.end : m.end + 12]) and not is_backer(before, m):
                actor1 = dataclasses.replace(
                    m, start=m.start - c0 + act.lead, end=m.end - c0 + act.lead
                )
                actor1_rule = "agent"
                break
    actor1_name = actor1.actor if actor1 else None
    if event_type == "Protests":
        protesters = f"Protesters ({_actors.country_name(country)})"
        if actor1_name != protesters:
            actor1 = next((m for m in mentions if m.actor == protesters), None)
            actor1_name, actor1_rule = protesters, "listed"
    if actor1 is not None:
        evidence.append((f"actor1:{actor1_rule}", base + actor1.start, base + actor1.end))
    elif event_type in VIOLENT_EVENT_TYPES:
        named = named_agent(text, trig, victim_spans)
        if named is not None:  # a doer the actor list does not know ("suspected militants")
            evidence.append(("agent", base + named[0], base + named[1]))

    # actor2: another actor, a victim or target first, then one after the trigger
    others = [
        m
        for m in mentions
        if m.actor != actor1_name
        and not is_backer(text, m)
        and not (m.end <= trig.start() and SAID_RE.search(text[m.end : m.end + 12]))
    ]
    actor2: str | None = None
    target_pick: _actors.ActorMention | None = None
    if others:
        pick = min(
            others,
            key=lambda m: (
                not is_victim(text, trig.end(), victim_spans, m),
                m.start < trig.start(),
                m.start,
            ),
        )
        actor2 = pick.actor
        evidence.append(("actor2", base + pick.start, base + pick.end))
        paired = (  # "clashes between X and Y": Y is the other side
            event_type == "Battles"
            and actor1 is not None
            and pick.start > actor1.start
            and re.search(r"(?i)\bbetween\b", text[: actor1.start]) is not None
        )
        if paired or is_victim(text, trig.end(), victim_spans, pick):
            target_pick = pick
    if actor2 is None and victims_side is not None and victims_side != actor1_name:
        actor2 = victims_side
    if actor2 is None and event_type == "Violence against civilians":
        actor2 = f"Civilians ({_actors.country_name(country)})"
    casualties = counted_victims(text)
    if dead is not None:
        evidence.append(("victim", base + dead[0], base + dead[1]))
    elif casualties is not None:  # "54 civilian casualties": the victims, but no count of dead
        a, b = casualties.span("who") if "who" in casualties.groupdict() else casualties.span()
        evidence.append(("victim", base + a, base + b))
    elif target_pick is not None:
        evidence.append(("target", base + target_pick.start, base + target_pick.end))
    elif event_type in VIOLENT_EVENT_TYPES and not any(w == "victims" for w, _, _ in evidence):
        target = named_target(text, trig)
        if target is not None:  # what was hit, when the actor list knows no one there
            evidence.append(("target", base + target[0], base + target[1]))

    # refine the sub-event types that depend on actors or outcome
    if rule == "territory":
        if actor1_name in GOVERNMENT_SIDE:
            sub_event_type = "Government regains territory"
        elif actor1_name is not None and _actors.inter_code(actor1_name, country) in (2, 3, 4):
            sub_event_type = "Non-state actor overtakes territory"
    if event_type == "Protests":
        if best:
            sub_event_type = "Excessive force against protesters"
        elif INTERVENTION_RE.search(sent):
            sub_event_type = "Protest with intervention"
        else:
            low = best = high = None
    if event_type == "Strategic developments":
        low = best = high = None

    anchor = c0 + trig.start()  # the trigger, in sentence offsets
    place_hit = pick_place(phrases, near, country, anchor, (c0, act.c1))
    if place_hit is not None:
        evidence.append(("place", s0 + place_hit[0].start, s0 + place_hit[0].end))
    t0, t1, date_evidence = _when(
        sent, s0, anchor, (c0, act.c1), event_type, tense, published, timezone
    )
    evidence.append(date_evidence)

    place = place_hit[1] if place_hit else None
    return NewsEvent(
        sentence=(s0, act.s1, sent),
        event_type=event_type,
        sub_event_type=sub_event_type,
        actor1=actor1_name,
        actor2=actor2,
        place=place.name if place else None,
        latitude=place.lat if place else None,
        longitude=place.lon if place else None,
        radius_km=place.radius_km if place else None,
        place_id=place.identifier if place else None,
        time_start=t0,
        time_end=t1,
        fatalities_low=low,
        fatalities_best=best,
        fatalities_high=high,
        victims_side=victims_side,
        evidence=tuple(sorted(evidence, key=lambda e: (e[1], e[0]))),
        place_country=place.country if place else None,
        clause=(base, s0 + act.c1),
    )


def _when(
    sent: str,
    s0: int,
    anchor: int,
    clause: tuple[int, int],
    event_type: str,
    tense: str,
    published: dt.date,
    timezone: str,
) -> tuple[dt.datetime, dt.datetime, tuple[str, int, int]]:
    """The act's time window (UTC) and its evidence: the date mention in its own clauses, else
    the one nearest the trigger, else the publication day."""
    # an agreement's dates take their own clause's tense ("signed on Monday ... will set up
    # ... by Oct. 15"); a violent event is in the past unless the sentence is future
    date_tense = (
        None
        if event_type == "Strategic developments"
        else ("future" if tense == "future" else "past")
    )
    mentions_d = resolve_dates(sent, published, timezone=timezone, tense=date_tense)
    inside = [m for m in mentions_d if clause[0] <= m.start < clause[1]]
    mention = _pick_date(inside or mentions_d, anchor)
    if mention is not None:
        return (
            mention.earliest.astimezone(dt.UTC),
            mention.latest.astimezone(dt.UTC),
            (f"date:{mention.granularity}", s0 + mention.start, s0 + mention.end),
        )
    zone = ZoneInfo(timezone)
    day = dt.datetime(published.year, published.month, published.day, tzinfo=zone)
    t1 = dt.datetime.combine(published + dt.timedelta(days=1), dt.time(), zone)
    return day.astimezone(dt.UTC), t1.astimezone(dt.UTC), ("date:publication-day", s0, s0)
