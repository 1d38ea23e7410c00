"""Rule-based event extraction from the sentences of a cleaned news article, into the event model.

Each sentence is read on its own with regular expressions and small word lists (no parser, no
NER model): at most one event per sentence, the one named by the highest-ranked trigger below.
Every value keeps the character offsets of the words it came from (:attr:`NewsEvent.evidence`).

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
positions, firefight
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

import datetime as dt
import re
from dataclasses import dataclass

from ..events import LOCAL_TIMEZONE
from . import actors as _actors
from .dates import DateMention, resolve_dates
from .event_frame import _tz, events_frame
from .event_types import _GOVERNMENT_SIDE, _INTERVENTION_RE, _VIOLENT, _find_trigger
from .fatalities import (
    _NONE_KILLED_RE,
    _WOUNDED_RES,
    FATALITY_WORDS,
    _fatality_spans,
    _sum,
    parse_fatalities,
)
from .gazetteer import Place, resolve
from .place_phrases import _SPECIFIC, _place_phrases, _PlacePhrase, _resolve_place
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

    @property
    def initiator_known(self) -> bool:
        """True when ``actor1`` was read as the agent of the act (``actor1:agent`` evidence)."""
        return any(what == "actor1:agent" for what, _, _ in self.evidence)


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
    r"(?i)^[\w\s'’,-]{0,25}?\b(?:were|was|have\s+been|has\s+been|had\s+been)\s+"
    r"(?:killed|wounded|injured|hit|targeted|struck|shelled|bombed|attacked|captured)"
)
_PATIENT_BEFORE_RE = re.compile(
    r"(?i)\b(?:kill(?:ed|ing)|target(?:ed|ing)|against|on|hit(?:ting)?|struck|striking|"
    r"shell(?:ed|ing)|bomb(?:ed|ing)|attack(?:ed|ing)|wound(?:ed|ing))\s+(?:the\s+|a\s+|an\s+)?"
    r"(?:\w+\s+)?$"
)
_SAID_RE = re.compile(r"(?i)\b(?:said|says|told|according\s+to|reported|claimed)\b")


def _is_victim(
    sent: str, trigger_end: int, victim_spans: list[tuple[int, int]], m: _actors.ActorMention
) -> bool:
    """Whether a mention is a victim or target: counted dead, patient of a passive ("X was
    shelled"), or object of a violent verb after the trigger ("killing X", "targeting X")."""
    if any(a <= m.start and m.end <= b for a, b in victim_spans):
        return True
    if _PATIENT_AFTER_RE.match(sent[m.end :]):
        return True
    return bool(m.start > trigger_end and _PATIENT_BEFORE_RE.search(sent[: m.start]))


def _is_backer(sent: str, m: _actors.ActorMention) -> bool:
    """Whether a mention is an ally in the background ("backed by X", "alongside X")."""
    return bool(_ALLY_RE.search(sent[max(0, m.start - 40) : m.start]))


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
    """The events reported in ``text`` (a cleaned article), at most one per sentence.

    ``published`` anchors relative dates; ``timezone`` is the local zone of the dateline;
    ``country`` (ISO alpha-2) is the gazetteer hint and fills "Civilians (Syria)"-style names.
    ``source`` is accepted for symmetry with :func:`events_frame` and not used.
    """
    del source
    if isinstance(published, dt.datetime):
        published = published.date()
    country = country.upper()
    zone = _tz(timezone)
    sentences = split_sentences(text)

    # first pass: the places of the whole article, as context for each other
    phrases_of: list[list[_PlacePhrase]] = []
    article_places: list[tuple[int, Place]] = []
    for s0, _, sent in sentences:
        blocked = [(a.start, a.end) for a in _actors.find_actors(sent, country=country)]
        phrases = _place_phrases(sent, blocked)
        phrases_of.append(phrases)
        for ph in phrases:
            place = resolve(ph.query, country=country)
            if place is not None and place.country == country and place.radius_km <= 30:
                article_places.append((s0 + ph.start, place))

    out: list[NewsEvent] = []
    for (s0, s1, sent), phrases in zip(sentences, phrases_of, strict=True):
        found = _find_trigger(sent)
        if found is None:
            continue
        rule, trig, event_type, sub_event_type = found
        tense = sentence_tense(sent)
        if event_type in _VIOLENT and tense == "future":
            continue
        evidence: list[tuple[str, int, int]] = [
            (f"type:{rule}", s0 + trig.start(), s0 + trig.end())
        ]
        context = "political" if event_type == "Strategic developments" else "military"
        if event_type == "Protests":
            context = "military"
        mentions = _actors.find_actors(sent, context=context, country=country)

        # fatalities and victims
        low = best = high = None
        victims_side: str | None = None
        spans = _fatality_spans(sent)
        victim_spans: list[tuple[int, int]] = []
        if spans and event_type not in ("Strategic developments",):
            low, best, high = _sum([v for _, _, v, _ in spans])
            for a, b, _, (w0, w1) in spans:
                evidence.append(("fatalities", s0 + a, s0 + b))
                victim_spans.append((a, b))
                if victims_side is None and w1 > w0:
                    vm = _actors.find_actors(sent[w0:w1], context="victims", country=country)
                    if vm:
                        victims_side = vm[0].actor
                        evidence.append(("victims", s0 + w0 + vm[0].start, s0 + w0 + vm[0].end))
        if victims_side is None:  # the side of the dead, else of the wounded
            for regex in _WOUNDED_RES:
                wm = regex.search(sent)
                if wm is None or wm.end("who") <= wm.start("who"):
                    continue
                w0 = wm.start("who")
                vm = _actors.find_actors(wm.group("who"), context="victims", country=country)
                if vm:
                    victims_side = vm[0].actor
                    evidence.append(("victims", s0 + w0 + vm[0].start, s0 + w0 + vm[0].end))
                    break
        if not spans and _NONE_KILLED_RE.search(sent) and event_type in _VIOLENT:
            m0 = _NONE_KILLED_RE.search(sent)
            assert m0 is not None
            low = best = high = 0
            evidence.append(("fatalities", s0 + m0.start(), s0 + m0.end()))

        def is_victim(m: _actors.ActorMention) -> bool:
            return _is_victim(sent, trig.end(), victim_spans, m)  # noqa: B023

        def is_backer(m: _actors.ActorMention) -> bool:
            return _is_backer(sent, m)  # noqa: B023

        actor1: _actors.ActorMention | None = None
        actor1_rule = "listed"
        # a passive or noun agent: "by X", "blamed on X"
        for m in mentions:
            lead = sent[max(0, m.start - 30) : m.start]
            if _BY_RE.search(lead) and not is_backer(m) and not _HELD_RE.search(lead):
                if re.search(
                    r"(?i)\bfrom\s+(?:the\s+)?(?:\w+\s+)?$", sent[max(0, m.start - 30) : m.start]
                ):
                    continue
                actor1, actor1_rule = m, "agent"
                break
        # "clashes between X and Y"
        between = re.search(
            r"(?i)\b(?:clash\w*|fighting|fights?|battles?|firefights?|skirmish\w*)\s+"
            r"(?:\w+\s+){0,3}?between\s+",
            sent,
        )
        if actor1 is None and between and event_type == "Battles":
            after = [m for m in mentions if m.start >= between.end()]
            if after:
                actor1, actor1_rule = after[0], "listed"
        # the subject: the first actor before (or inside) the trigger that is no victim
        if actor1 is None:
            for m in mentions:
                if m.start >= trig.end():
                    break
                if is_victim(m) or is_backer(m):
                    continue
                if _SAID_RE.search(sent[m.end : m.end + 12]) and m.end < trig.start():
                    continue  # "Turkish officials said ..." is the source, not the agent
                actor1 = m
                actor1_rule = "agent" if event_type != "Strategic developments" else "listed"
                break
        if actor1 is None and event_type in ("Battles", "Protests", "Strategic developments"):
            for m in mentions:
                if not is_victim(m):
                    actor1, actor1_rule = m, "listed"
                    break

        actor1_name = actor1.actor if actor1 else None
        if event_type == "Protests":
            protesters = f"Protesters ({_actors.country_name(country)})"
            if actor1_name != protesters:
                actor1 = next((m for m in mentions if m.actor == protesters), None)
                actor1_name, actor1_rule = protesters, "listed"
        if actor1 is not None:
            evidence.append((f"actor1:{actor1_rule}", s0 + actor1.start, s0 + actor1.end))

        # actor2: another actor, a victim or target first, then one after the trigger
        others = [
            m
            for m in mentions
            if m.actor != actor1_name
            and not is_backer(m)
            and not (m.end <= trig.start() and _SAID_RE.search(sent[m.end : m.end + 12]))
        ]
        actor2: str | None = None
        if others:
            pick = min(
                others,
                key=lambda m: (not is_victim(m), m.start < trig.start(), m.start),
            )
            actor2 = pick.actor
            evidence.append(("actor2", s0 + pick.start, s0 + pick.end))
        if actor2 is None and victims_side is not None and victims_side != actor1_name:
            actor2 = victims_side
        if actor2 is None and event_type == "Violence against civilians":
            actor2 = f"Civilians ({_actors.country_name(country)})"

        # refine the sub-event types that depend on actors or outcome
        if rule == "territory":
            if actor1_name in _GOVERNMENT_SIDE:
                sub_event_type = "Government regains territory"
            elif actor1_name is not None and _actors.inter_code(actor1_name, country) in (2, 3, 4):
                sub_event_type = "Non-state actor overtakes territory"
        if event_type == "Protests":
            if best:
                sub_event_type = "Excessive force against protesters"
            elif _INTERVENTION_RE.search(sent):
                sub_event_type = "Protest with intervention"
            else:
                low = best = high = None
        if event_type == "Strategic developments":
            low = best = high = None

        # place
        near = [p for a, p in article_places if not (s0 <= a < s1)]
        resolved: list[tuple[_PlacePhrase, Place]] = []
        for ph in phrases:
            place = _resolve_place(ph, country, near)
            if place is not None:
                resolved.append((ph, place))
        place_hit: tuple[_PlacePhrase, Place] | None = None
        if resolved:
            place_hit = min(
                resolved,
                key=lambda r: (
                    r[1].country.upper() != country and r[1].kind != "country",
                    r[1].kind == "country",
                    _SPECIFIC.get(r[1].kind, 2),
                    abs(r[0].start - trig.start()),
                ),
            )
            if place_hit[1].kind == "country" and place_hit[1].country.upper() != country:
                place_hit = None
        if place_hit is not None:
            evidence.append(("place", s0 + place_hit[0].start, s0 + place_hit[0].end))

        # date
        # an agreement's dates take their own clause's tense ("signed on Monday ... will set up
        # ... by Oct. 15"); a violent event is in the past unless the sentence is future
        date_tense = (
            None
            if event_type == "Strategic developments"
            else ("future" if tense == "future" else "past")
        )
        mentions_d = resolve_dates(sent, published, timezone=timezone, tense=date_tense)
        mention = _pick_date(mentions_d, trig.start())
        if mention is not None:
            t0 = mention.earliest.astimezone(dt.UTC)
            t1 = mention.latest.astimezone(dt.UTC)
            evidence.append((f"date:{mention.granularity}", s0 + mention.start, s0 + mention.end))
        else:
            day = dt.datetime(published.year, published.month, published.day, tzinfo=zone)
            t0 = day.astimezone(dt.UTC)
            t1 = dt.datetime.combine(published + dt.timedelta(days=1), dt.time(), zone).astimezone(
                dt.UTC
            )
            evidence.append(("date:publication-day", s0, s0))

        place = place_hit[1] if place_hit else None
        out.append(
            NewsEvent(
                sentence=(s0, s1, sent),
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
            )
        )
    return out
