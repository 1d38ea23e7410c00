"""Score the UCDP reader's event type and the engine's party attribution on the gold set.

The system side is the real pipeline: the bundled UCDP file read by
:class:`~ceasefire.sources.UcdpGedSource`, the gold events picked by id, and
:func:`ceasefire.compliance.attribute` under the sochi-2018 agreement (its parties and the
forces they answer for; zone and time play no part in who is blamed).

Definitions (printed by ``scripts/eval_attribution.py``):

- **Type / sub-type.** A *claim* is an ``event_type`` (``sub_event_type``) the reader read from
  the text or the death columns; a row whose type is only the ``type_of_violence`` fallback
  (``event_type_rule`` ``type_of_violence:*``) or whose sub-type is empty claims nothing
  (``unknown``). Precision = claims equal to the gold label / claims; recall = claims equal to
  the gold label / gold rows not ``unknown``. The ``_carried`` rows score the columns as the
  events frame carries them, the fallback included.
- **Party.** The gold initiator maps to the party that answers for it under the agreement:
  government, russia, government_or_russia -> ``russia``; insurgents, insurgents_and_jihadists,
  turkey -> ``turkey`` (Turkey's side answers for the opposition factions it backs);
  jihadists, isis, other -> ``none`` (no party's force: HTS and the like are excluded groups);
  mutual, unknown -> ``unattributed``. The system *blames* a party when
  :func:`~ceasefire.compliance.attribute` names one. Precision = blamed events whose party is the
  gold party / blamed events; recall = gold events blamed on a party that the system blames on
  that party / gold events blamed on a party. Both are given on every row of a split and on the
  rows where the gold says the text names who acted (``text_says_who_acted``).
- **Initiator / side.** The reader *claims* an initiator when it records one
  (``initiator_known``); its ``actor1`` (with ``assoc_actor_1``) maps to the gold vocabulary
  (Syria's government, Iran, Hezbollah -> government; Russia -> russia; the two together ->
  government_or_russia; HTS, Hurras al-Din, TIP, "jihadi groups" -> jihadists; insurgents and
  jihadis together -> insurgents_and_jihadists; other rebel factions -> insurgents; Turkey,
  IS; anyone else -> other) and to its side (government_side, opposition_side, other).
  Precision = claims equal to the gold initiator (side) / claims; recall = the same / gold rows
  with a named initiator (not ``mutual`` or ``unknown``; side: not ``both`` or ``unknown``).
  A claim on a gold ``mutual`` or ``unknown`` row counts against precision.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Final

import pandas as pd

from ceasefire.agreements import load_bundled
from ceasefire.compliance import attribute
from ceasefire.sources import read_events
from ceasefire.sources.ucdp import BUNDLED_GED_SYRIA, classify_event_type

#: Gold initiator -> the party answering for it under sochi-2018 (see the module docstring).
GOLD_PARTY: Final[dict[str, str]] = {
    "government": "russia",
    "russia": "russia",
    "government_or_russia": "russia",
    "insurgents": "turkey",
    "insurgents_and_jihadists": "turkey",
    "turkey": "turkey",
    "jihadists": "none",
    "isis": "none",
    "other": "none",
    "mutual": "unattributed",
    "unknown": "unattributed",
}
PARTIES: Final = ("russia", "turkey")
AGREEMENT: Final = "sochi-2018"


@cache
def _bundled_events() -> pd.DataFrame:
    return read_events(BUNDLED_GED_SYRIA, "ucdp").events


def _keyword_reading(ev: pd.DataFrame) -> pd.DataFrame:
    """``ev`` as the reader made it before the text reader: the keyword rules over GED's
    ``source_article`` (or headline), GED's side order, no initiator."""
    raw = pd.read_csv(BUNDLED_GED_SYRIA, dtype=str, keep_default_na=False)
    raw["source_row_id"] = raw["id"].str.removesuffix(".0")
    raw = raw.set_index("source_row_id").loc[ev["source_row_id"].tolist()]
    article = raw["source_article"].where(raw["source_article"] != "", raw["source_headline"])
    tov = pd.to_numeric(raw["type_of_violence"]).astype("Int64")
    types = classify_event_type(
        article.astype("string").reset_index(drop=True), tov.reset_index(drop=True)
    )
    out = ev.copy()
    for c in ("event_type", "sub_event_type", "event_type_rule"):
        out[c] = types[c].to_numpy()
    out["actor1"] = raw["side_a"].to_numpy()
    out["actor2"] = raw["side_b"].to_numpy()
    out["assoc_actor_1"] = pd.NA
    out["initiator_known"] = False
    return out


def system_readings(ids: pd.Series, *, before: bool = False) -> pd.DataFrame:
    """The pipeline's reading of the UCDP events ``ids``: one row per id, in order, with
    ``event_type`` / ``sub_event_type`` as claimed (``unknown`` where nothing was read),
    ``party`` and ``rule`` from the engine, and the reader's actor and rule columns.
    ``before``: the keyword rules the reader used before (through today's engine)."""
    events = _bundled_events()
    want = ids.astype("int64").astype(str)
    ev = events.set_index("source_row_id").loc[want.tolist()].reset_index()
    if before:
        ev = _keyword_reading(ev)
    fallback = ev["event_type_rule"].fillna("").str.startswith("type_of_violence:")
    claimed = ev["event_type"].astype(object).where(~fallback & ev["event_type"].notna(), "unknown")
    sub = ev["sub_event_type"].astype(object).where(~fallback & ev["sub_event_type"].notna())
    att = attribute(load_bundled(AGREEMENT), ev)
    return pd.DataFrame(
        {
            "id": ids.astype("int64").to_numpy(),
            "event_type": claimed.to_numpy(),
            "sub_event_type": sub.fillna("unknown").to_numpy(),
            "event_type_carried": ev["event_type"].astype(object).fillna("unknown").to_numpy(),
            "sub_event_type_carried": ev["sub_event_type"]
            .astype(object)
            .fillna("unknown")
            .to_numpy(),
            "event_type_rule": ev["event_type_rule"].astype(object).to_numpy(),
            "actor1": ev["actor1"].astype(object).to_numpy(),
            "assoc_actor_1": ev["assoc_actor_1"].astype(object).to_numpy(),
            "initiator_known": ev["initiator_known"].astype(bool).to_numpy(),
            "party": att["party"].to_numpy(),
            "rule": att["rule"].to_numpy(),
        }
    )


#: A reader actor name (lower case) -> gold initiator category; rebel factions are the rest.
_ACTOR_CATEGORY: Final[dict[str, str]] = {
    "government of syria": "government",
    "government of iran": "government",
    "hezbollah": "government",
    "government of russia": "russia",
    "government of turkey": "turkey",
    "is": "isis",
    "islamic state": "isis",
    "jihadi groups": "jihadists",
    "hts": "jihadists",
    "hayat tahrir al-sham": "jihadists",
    "jabhat fateh al-sham": "jihadists",
    "turkistan islamic party": "jihadists",
    "hurras al-din": "jihadists",
    "ansar al-tawhid": "jihadists",
    "al-qaida": "jihadists",
    "etim": "jihadists",
    "government of israel": "other",
    "international coalition": "other",
    "sdf": "other",
}
#: Gold initiator -> its side (``initiator_side`` in the gold).
INITIATOR_SIDE: Final[dict[str, str]] = {
    "government": "government_side",
    "russia": "government_side",
    "government_or_russia": "government_side",
    "insurgents": "opposition_side",
    "jihadists": "opposition_side",
    "insurgents_and_jihadists": "opposition_side",
    "turkey": "opposition_side",
    "isis": "other",
    "other": "other",
}


def _category(name: object) -> str | None:
    if not isinstance(name, str) or not name:
        return None
    return _ACTOR_CATEGORY.get(name.strip().lower(), "insurgents")


def system_initiator(actor1: object, assoc_actor_1: object, known: bool) -> str:
    """The reader's initiator in the gold vocabulary; ``unknown`` where it records none.

    >>> system_initiator("Government of Syria", "Government of Russia", True)
    'government_or_russia'
    >>> system_initiator("Syrian insurgents", "jihadi groups", True)
    'insurgents_and_jihadists'
    >>> system_initiator("Hayat Tahrir al-Sham", None, True), system_initiator("IS", None, False)
    ('jihadists', 'unknown')
    """
    first = _category(actor1)
    if not known or first is None:
        return "unknown"
    pair = {first, _category(assoc_actor_1) or first}
    if pair == {"government", "russia"}:
        return "government_or_russia"
    if pair == {"insurgents", "jihadists"}:
        return "insurgents_and_jihadists"
    return first


@dataclass(frozen=True)
class Score:
    """One precision/recall pair with its counts."""

    correct: int
    claimed: int
    relevant: int
    correct_of_relevant: int

    @property
    def precision(self) -> float:
        return self.correct / self.claimed if self.claimed else float("nan")

    @property
    def recall(self) -> float:
        return self.correct_of_relevant / self.relevant if self.relevant else float("nan")

    def __str__(self) -> str:
        return (
            f"P {self.precision:.3f} ({self.correct}/{self.claimed})  "
            f"R {self.recall:.3f} ({self.correct_of_relevant}/{self.relevant})"
        )


def _label_score(gold: pd.Series, system: pd.Series) -> Score:
    claimed = system.ne("unknown")
    relevant = gold.ne("unknown")
    right = system.eq(gold)
    return Score(
        correct=int((claimed & right).sum()),
        claimed=int(claimed.sum()),
        relevant=int(relevant.sum()),
        correct_of_relevant=int((relevant & right).sum()),
    )


def _party_score(gold_party: pd.Series, party: pd.Series) -> Score:
    blamed = party.isin(PARTIES)
    relevant = gold_party.isin(PARTIES)
    right = party.eq(gold_party)
    return Score(
        correct=int((blamed & right).sum()),
        claimed=int(blamed.sum()),
        relevant=int(relevant.sum()),
        correct_of_relevant=int((relevant & right).sum()),
    )


def scores(
    gold: pd.DataFrame, system: pd.DataFrame | None = None, *, before: bool = False
) -> dict[str, Score]:
    """``event_type``, ``sub_event_type`` (and both ``_carried``), ``party`` (every row),
    ``party_text_says`` (rows where the gold says the text names who acted), ``initiator`` and
    ``initiator_side`` for ``gold``."""
    sys_ = system if system is not None else system_readings(gold["id"], before=before)
    g = gold.reset_index(drop=True)
    s = sys_.set_index("id").loc[g["id"]].reset_index(drop=True)
    gold_party = g["initiator"].map(GOLD_PARTY)
    if gold_party.isna().any():
        raise ValueError(
            f"gold initiators without a party: {set(g['initiator'][gold_party.isna()])}"
        )
    says = g["text_says_who_acted"].astype(bool)
    claimed = pd.Series(
        [
            system_initiator(a, b, bool(k))
            for a, b, k in zip(s["actor1"], s["assoc_actor_1"], s["initiator_known"], strict=True)
        ]
    )
    gold_init = g["initiator"].where(~g["initiator"].isin(["mutual"]), "unknown")
    gold_side = g["initiator_side"].where(~g["initiator_side"].isin(["both"]), "unknown")
    return {
        "event_type": _label_score(g["event_type"], s["event_type"]),
        "sub_event_type": _label_score(g["sub_event_type"], s["sub_event_type"]),
        "event_type_carried": _label_score(g["event_type"], s["event_type_carried"]),
        "sub_event_type_carried": _label_score(g["sub_event_type"], s["sub_event_type_carried"]),
        "party": _party_score(gold_party, s["party"]),
        "party_text_says": _party_score(gold_party[says], s["party"][says]),
        "initiator": _label_score(gold_init, claimed),
        "initiator_side": _label_score(gold_side, claimed.map(INITIATOR_SIDE).fillna("unknown")),
    }
