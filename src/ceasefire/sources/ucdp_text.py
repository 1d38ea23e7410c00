"""Who did what in a UCDP GED row: event type, sub-event type and initiator from its headlines
and death columns.

GED gives a dyad (``side_a`` - ``side_b``), death counts per side and the headlines it coded the
event from, but no event type and no initiator. :func:`read_ucdp_text` reads both:

1. **The acts** of the headlines and who the text says did each
   (:func:`ceasefire.sources.ucdp_acts.read_acts`).
2. **The act that killed.** The death columns (GED's sides' dead, mapped to the regime's camp
   and the opposition's) rule acts out: the regime's dead were not killed by the regime's or
   Russia's strikes (nor by unnamed air strikes: only that side flies here), the factions' dead
   not by the factions' shelling, nobody's by their own side's "killing", and a clash does not
   explain a row of civilian dead alone. Of the acts left, the first that is not background,
   then lethal, then with a named agent (or a named fight) wins; where civilians alone died,
   strikes come before ground fighting. A vague "targeting" or "bombing" takes the one means
   named beside it; where another kind of strike by the same side is as likely, the sub-event
   type is left empty.
3. **Undescribed.** Where no act fits (a daily toll, "killed in different circumstances", a
   report code) the row keeps the ``type_of_violence`` fallback and no initiator; where strikes
   or fighting are spoken of but the dead are on both armed sides, it was fighting: Battles /
   Armed clash with no initiator (rule ``deaths:both_sides``).
4. **Actors.** Where the text names who acted, ``actor1`` is that actor (the UCDP side it
   belongs to, or the name the text gives), ``assoc_actor_1`` one acting with it, ``actor2`` the
   side it fought, and ``initiator_known`` True; elsewhere GED's order and False.

The rules are general phrasings, not events: they were written on the ``tune`` half of the
hand-labelled set in ``tests/data/attribution`` and scored on its held-out half
(``scripts/eval_attribution.py``, docs/sources.md). The reading is done once per distinct
(headline, death pattern, dyad) and each headline part once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Final

import numpy as np
import pandas as pd

from ceasefire.sources.ucdp_acts import (
    GROUND_ACTS,
    REMOTE_ACTS,
    SIDE_OF,
    Act,
    normalise,
    read_acts,
    two_sides,
)

__all__ = ["AGENT_NAMES", "read_ucdp_text"]

#: ACLED (event_type, sub_event_type) of each act kind; ``None`` sub-type: not said.
_ACLED: Final[dict[str, tuple[str | None, str | None]]] = {
    "mixed": ("Explosions/Remote violence", None),
    "suicide": ("Explosions/Remote violence", "Suicide bomb"),
    "air": ("Explosions/Remote violence", "Air/drone strike"),
    "explosive": ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
    "shelling": ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
    "bombing": ("Explosions/Remote violence", None),
    # SOHR's "targeting" is mostly shelling, rockets or sniping: shelling, unless the text
    # names the means elsewhere
    "targeting": ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
    "attack": ("Battles", "Armed clash"),
    "territory": ("Battles", None),  # by whom: Government regains / Non-state actor overtakes
    "clash": ("Battles", "Armed clash"),
    "kill": (None, None),
}
#: What an agent category is called when no UCDP side of the row is that actor.
AGENT_NAMES: Final[dict[str, str]] = {
    "regime": "Government of Syria",
    "russia": "Government of Russia",
    "factions": "Syrian insurgents",
    "jihadis": "jihadi groups",
    "isis": "IS",
    "sdf": "SDF",
    "turkey": "Government of Turkey",
    "coalition": "International Coalition",
    "israel": "Government of Israel",
}
#: Jihadi groups named in a headline -> the name used for the initiator.
_JIHADI_NAMES: Final[tuple[tuple[str, str], ...]] = (
    (r"tahrir al-? ?sham|\bhts\b|nusra|jabhat fateh al-sham", "Hayat Tahrir al-Sham"),
    (r"turk[ie]stan|islamic party", "Turkistan Islamic Party"),
    (r"hurr?as al-? ?d[ie]+n", "Hurras al-Din"),
    (r"ansar al-? ?tawhid", "Ansar al-Tawhid"),
    (r"al-?qa'?ida", "al-Qaida"),
)
#: A UCDP side name -> agent category (for picking the side that acted).
_SIDE_NAME: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    ("regime", re.compile(r"^government of (?:syria|iran)$|^hezbollah$", re.I)),
    ("russia", re.compile(r"^government of russia", re.I)),
    ("turkey", re.compile(r"^government of turkey$", re.I)),
    ("israel", re.compile(r"^government of israel$", re.I)),
    ("coalition", re.compile(r"united states|coalition", re.I)),
    ("isis", re.compile(r"^is$|islamic state", re.I)),
    ("sdf", re.compile(r"^sdf$|kurdish|ypg", re.I)),
    ("jihadis", re.compile(r"^(?:hts|jabhat fateh al-sham|al-qaida|etim)$", re.I)),
    (
        "factions",
        re.compile(
            r"insurgents|front|army|ahrar|legion|sham|division|brigades|jaysh|sna|fsa|corps"
            r"|faction|operations room",
            re.I,
        ),
    ),
)


# --- choosing the act that killed --------------------------------------------------------------


@dataclass(frozen=True)
class _Dead:
    """Who died, by camp: the regime's (``gov``), the opposition's (``opp``), any armed side's
    (``armed``: GED's side_a or side_b), civilians (``civ``)."""

    gov: bool
    opp: bool
    armed: bool
    civ: bool


def _dead(a: bool, b: bool, c: bool, side_a: str | None, side_b: str | None) -> _Dead:
    """GED's ``deaths_a``/``deaths_b`` are its sides' dead: map them to camps (in an "IS - SDF"
    row neither is the regime's)."""
    camps = [SIDE_OF.get(_side_category(s) or "", "other") for s in (side_a, side_b)]
    gov = (a and camps[0] == "gov") or (b and camps[1] == "gov")
    opp = (a and camps[0] == "opp") or (b and camps[1] == "opp")
    return _Dead(gov=gov, opp=opp, armed=a or b, civ=c)


def _fits(act: Act, dead: _Dead) -> bool:
    """Can ``act`` have caused the row's deaths? The regime's dead were not killed by its own
    side's strikes (nor by unnamed air strikes: only that side flies here), the factions' dead
    not by their own shelling, nobody's dead by their own side's killing; a clash does not
    explain civilian dead alone."""
    sides = {SIDE_OF[k] for k in act.agents}
    remote = act.kind in REMOTE_ACTS
    unnamed_air = not act.agents and act.kind in ("air", "mixed")
    if remote and (sides == {"gov"} or unnamed_air) and dead.gov:
        return False
    if remote and sides == {"opp"} and dead.opp and not dead.gov:
        return False
    if act.kind == "kill" and ((sides == {"gov"} and dead.gov) or (sides == {"opp"} and dead.opp)):
        return False  # "the regime kills ...": not its own men
    return not (act.kind == "clash" and not dead.armed)


def _rank(act: Act, civilians_only: bool) -> tuple[int, int, int]:
    ground_first = civilians_only and act.kind not in REMOTE_ACTS and act.kind != "kill"
    return (int(act.background), int(ground_first), int(not act.lethal))


def _named(act: Act) -> int:
    return 0 if act.agents else 1 if act.mutual else 2


def _choose(acts: tuple[Act, ...], dead: _Dead) -> tuple[Act | None, bool]:
    """The act that killed, and whether its sub-type is uncertain (another kind of strike by
    the same side is as likely)."""
    fitting = [x for x in acts if _fits(x, dead)]
    if not fitting:
        return None, False
    civ = dead.civ and not dead.armed
    # a named side's act before a fight the text names both sides of, before an unnamed act
    best = min(fitting, key=lambda x: (*_rank(x, civ), _named(x), x.order))
    vague = ("targeting", "mixed", "bombing")
    if best.kind in ("targeting", "bombing"):
        # "targeted by a guided missile": the vague word takes the means named beside it
        specific = {
            x.kind
            for x in fitting
            if x.part == best.part
            and x.kind in REMOTE_ACTS
            and x.kind not in vague
            and _rank(x, civ) == _rank(best, civ)
            and (not x.agents or x.agents <= best.agents)
        }
        if len(specific) == 1:
            best = replace(best, kind=specific.pop())
    # (a suicide bomber's car bomb or belt is the suicide bombing's means, not another act)
    means = ("explosive",) if best.kind == "suicide" else ()
    uncertain = best.kind in REMOTE_ACTS and any(
        x.kind in REMOTE_ACTS
        and x.kind != best.kind
        and x.kind not in vague
        and x.kind not in means
        and _rank(x, civ) == _rank(best, civ)
        and (not x.agents or not best.agents or x.agents & best.agents)
        for x in fitting
        if x.part == best.part
    )
    return best, uncertain


# --- the public reading ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Reading:
    """What was read for one row (before the actor columns are set)."""

    event_type: str | None
    sub_event_type: str | None
    rule: str | None
    initiator: str | None
    associate: str | None
    words: str | None
    category: str | None = None


def _side_category(name: str | None) -> str | None:
    if not name:
        return None
    for cat, rx in _SIDE_NAME:
        if rx.search(name):
            return cat
    return None


def _name(cat: str, side_a: str | None, side_b: str | None, headline: str) -> str:
    for side in (side_a, side_b):
        if _side_category(side) == cat and side is not None:
            return side
    if cat == "jihadis":
        text = normalise(headline)
        named = [n for rx, n in _JIHADI_NAMES if re.search(rx, text)]
        if len(named) == 1:
            return named[0]
    return AGENT_NAMES[cat]


_ORDER: Final = (
    "regime",
    "russia",
    "factions",
    "jihadis",
    "isis",
    "sdf",
    "turkey",
    "coalition",
    "israel",
)


def _read_row(
    headline: str, a: bool, b: bool, c: bool, side_a: str | None, side_b: str | None
) -> _Reading:
    acts = read_acts(headline)
    act, uncertain = _choose(acts, _dead(a, b, c, side_a, side_b))
    if act is None:
        if a and b and any(x.kind in REMOTE_ACTS | GROUND_ACTS for x in acts):
            # strikes or fighting are spoken of and both armed sides lost men: fighting
            return _Reading("Battles", "Armed clash", "deaths:both_sides", None, None, None)
        return _Reading(None, None, None, None, None, None)
    if act.kind == "kill" and act.mutual:  # "killed by the regime forces and the factions"
        act = replace(act, kind="clash")
    event_type, sub = _ACLED[act.kind]
    if uncertain:
        sub = None
    cats = sorted(act.agents, key=_ORDER.index)
    if act.kind == "territory":
        if cats and SIDE_OF[cats[0]] == "gov":
            sub = "Government regains territory"
        elif cats:
            sub = "Non-state actor overtakes territory"
    if act.mutual or not cats or two_sides(act.agents):
        initiator = associate = None
    else:
        initiator = _name(cats[0], side_a, side_b, headline)
        associate = _name(cats[1], side_a, side_b, headline) if len(cats) > 1 else None
    rule = f"text:{act.kind}" + (":mutual" if act.mutual else ":agent" if initiator else "")
    category = cats[0] if initiator else None
    return _Reading(event_type, sub, rule, initiator, associate, act.words, category)


def _actors(
    side_a: str | None, side_b: str | None, r: _Reading
) -> tuple[str | None, str | None, str | None, bool]:
    """actor1, actor2, assoc_actor_1 and initiator_known: the initiator first and the UCDP side
    it fought second; without an initiator, GED's order and not known."""
    if r.initiator is None or r.category is None:
        return side_a, side_b, None, False
    others = [s for s in (side_a, side_b) if s and s not in (r.initiator, r.associate)]
    # the initiator's own side is not its opponent ("Syrian insurgents" when HTS attacked)
    side = SIDE_OF[r.category]
    rival = [s for s in others if SIDE_OF.get(_side_category(s) or "", "") != side]
    actor2 = next(iter(rival or others), None)
    return r.initiator, actor2, r.associate, True


_COLUMNS: Final = (
    "event_type",
    "sub_event_type",
    "event_type_rule",
    "actor1",
    "actor2",
    "assoc_actor_1",
    "initiator_known",
    "initiator_words",
)
_FALLBACK: Final[dict[int, tuple[str, str]]] = {
    1: ("Battles", "Armed clash"),
    2: ("Battles", "Armed clash"),
    3: ("Violence against civilians", "Attack"),
}


def _in_dyad(category: str | None, side_a: str | None, side_b: str | None) -> bool:
    """Whether an initiator of ``category`` can be one of the dyad's sides: the regime's side
    (Russia, the regime's allies) or the opposition's (the factions, the jihadi groups) as a
    whole, any other actor as itself."""
    if category is None:
        return True
    sides = [_side_category(s) for s in (side_a, side_b)]
    if SIDE_OF[category] in ("gov", "opp"):
        return SIDE_OF[category] in {SIDE_OF.get(s or "", "") for s in sides}
    return category in sides


def _row(
    headline: str, tov: int, a: bool, b: bool, c: bool, side_a: str | None, side_b: str | None
) -> tuple[object, ...]:
    r = _read_row(headline, a, b, c, side_a, side_b)
    if tov == 3 or not _in_dyad(r.category, side_a, side_b):
        # one-sided violence: GED's side_a is the perpetrator by definition; an actor of
        # neither side of the dyad (an Israeli strike in a regime-rebels row) did another act
        r = replace(r, initiator=None, associate=None, category=None)
    actor1, actor2, assoc, known = _actors(side_a, side_b, r)
    event_type, sub, rule = r.event_type, r.sub_event_type, r.rule
    if event_type is None:  # no act read (or only "X killed ..."): GED's type_of_violence
        event_type, sub = _FALLBACK.get(tov, (None, None))
        rule = f"type_of_violence:{tov}" if tov in _FALLBACK else None
    return (event_type, sub, rule, actor1, actor2, assoc, known, r.words if known else None)


def read_ucdp_text(
    headline: pd.Series,
    type_of_violence: pd.Series,
    deaths: pd.DataFrame,
    side_a: pd.Series,
    side_b: pd.Series,
) -> pd.DataFrame:
    """Event type and initiator of GED rows, read from their headlines and death columns.

    ``deaths`` has GED's ``deaths_a``, ``deaths_b`` and ``deaths_civilians`` (a missing column
    counts as no deaths). Returns, aligned with ``headline``:

    - ``event_type``, ``sub_event_type``: ACLED's names for the act that killed; the sub-type is
      NA where the text does not say which act (``air and ground strikes``). Where no act is
      read, GED's ``type_of_violence`` gives the type as before (1, 2: Battles / Armed clash;
      3: Violence against civilians / Attack).
    - ``event_type_rule``: ``text:<act>`` (``:agent`` when the text names who acted, ``:mutual``
      for a fight it names both sides of), ``deaths:both_sides``, or ``type_of_violence:<n>``.
    - ``actor1``, ``actor2``, ``assoc_actor_1``, ``initiator_known``: where the text says who
      acted, actor1 is that actor (the UCDP side it belongs to, or the name the text gives:
      "jihadi groups", "Government of Russia"), ``assoc_actor_1`` one acting with it ("the
      factions and the jihadi groups"), actor2 the other UCDP side and ``initiator_known`` True;
      elsewhere GED's ``side_a``/``side_b`` and False.
    - ``initiator_words``: the words the initiator rests on (NA where none).

    >>> out = read_ucdp_text(
    ...     pd.Series(["Russian warplanes target Ariha", "Clashes between the regime forces and"
    ...                " the factions", "5 members of the regime forces were killed in an attack"
    ...                " carried out by the jihadi groups", "20 people were killed yesterday"]),
    ...     pd.Series([1, 1, 1, 1]),
    ...     pd.DataFrame({"deaths_a": [0, 3, 5, 0], "deaths_b": [0, 2, 0, 0],
    ...                   "deaths_civilians": [2, 0, 0, 4]}),
    ...     pd.Series(["Government of Syria"] * 4), pd.Series(["Syrian insurgents"] * 4))
    >>> out[["sub_event_type", "event_type_rule", "actor1", "initiator_known"]].values.tolist()
    ...  # doctest: +NORMALIZE_WHITESPACE
    [['Air/drone strike', 'text:air:agent', 'Government of Russia', True],
     ['Armed clash', 'text:clash:mutual', 'Government of Syria', False],
     ['Armed clash', 'text:attack:agent', 'jihadi groups', True],
     ['Armed clash', 'type_of_violence:1', 'Government of Syria', False]]
    """
    index = headline.index
    tov = pd.Series(type_of_violence, index=index).astype("Int64")
    flags = {
        c: pd.to_numeric(deaths[c], errors="coerce").fillna(0).gt(0).to_numpy(bool)
        if c in deaths
        else np.zeros(len(index), dtype=bool)
        for c in ("deaths_a", "deaths_b", "deaths_civilians")
    }
    keys = pd.DataFrame(
        {
            "h": headline.fillna("").astype(str).to_numpy(),
            "t": tov.fillna(-1).astype(int).to_numpy(),
            "a": flags["deaths_a"],
            "b": flags["deaths_b"],
            "c": flags["deaths_civilians"],
            "sa": side_a.fillna("").astype(str).to_numpy(),
            "sb": side_b.fillna("").astype(str).to_numpy(),
        }
    )
    # one reading per distinct (text, death pattern, dyad): many rows share one
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(keys))
    table = pd.DataFrame(
        [_row(h, t, a, b, c, sa or None, sb or None) for h, t, a, b, c, sa, sb in uniques],
        columns=list(_COLUMNS),
        dtype=object,
    )
    out = table.iloc[codes].reset_index(drop=True).set_axis(index)
    out = out.astype({c: "string" for c in _COLUMNS if c != "initiator_known"})
    return out.astype({"initiator_known": "boolean"})
