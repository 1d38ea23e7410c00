"""Who did what in UCDP rows: the text reader and the engine's attribution, against the
hand-labelled gold set (tests/data/attribution) and on real headlines of the bundled file.

The floors are the figures measured on the held-out half (``scripts/eval_attribution.py``;
definitions in ``tests/attribution_scores.py``), a little below them; a floor is never raised
above what was measured and never lowered silently. Measured: see docs/sources.md.

The ``fresh`` set (140 more events, drawn and labelled blind after the inference was tuned;
tests/data/attribution/README.md) has its own floors, :data:`FRESH_FLOORS`: its figures are the
held-out figures that count, since the first held-out half was tuned on after its first run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from attribution_gold import FRESH_SAMPLE, INITIATORS, SIDES, load_gold
from attribution_scores import INITIATOR_SIDE, Score, scores, system_readings

from ceasefire.agreements import load_bundled
from ceasefire.compliance import attribute, evaluate
from ceasefire.sources import read_events
from ceasefire.sources.ucdp import BUNDLED_GED_SYRIA
from ceasefire.sources.ucdp_acts import _spans, normalise, read_acts
from ceasefire.sources.ucdp_text import read_ucdp_text

HAMAMIYAT = 301688

#: (precision floor, recall floor) on the held-out half; measured after the one round of
#: changes made after the first held-out run (docs/sources.md has both runs).
FLOORS: dict[str, tuple[float, float]] = {
    "event_type": (0.90, 0.89),  # measured 0.928 (77/83), 0.917 (77/84)
    "sub_event_type": (0.90, 0.84),  # measured 0.932 (68/73), 0.872 (68/78)
    "party": (0.89, 0.66),  # measured 0.923 (36/39), 0.692 (36/52)
    # the target: blamed on a party where the text says who acted, right >= 95%
    "party_text_says": (0.95, 0.80),  # measured 1.000 (33/33), 0.825 (33/40)
}


#: (precision floor, recall floor) on the FRESH held-out set: fresh held-out figures, measured
#: once, on 2026-12-07, with the inference as it was (not changed after; nobody tuned on this
#: set); each floor is the measured value rounded down to 2 decimals. Never lower them.
FRESH_FLOORS: dict[str, tuple[float, float]] = {
    "event_type": (0.88, 0.88),  # measured 0.890 (97/109), 0.890 (97/109)
    "sub_event_type": (0.78, 0.80),  # measured 0.784 (69/88), 0.802 (69/86)
    "party": (0.81, 0.65),  # measured 0.817 (49/60), 0.653 (49/75)
    # the target (>= 0.95): measured 0.976 (41/42), 95 % Wilson interval 0.877-0.996
    "party_text_says": (0.97, 0.85),  # measured 0.976 (41/42), 0.854 (41/48)
    "initiator": (0.86, 0.55),  # measured 0.863 (44/51), 0.557 (44/79)
    "initiator_side": (0.94, 0.56),  # measured 0.941 (48/51), 0.565 (48/85)
}


@pytest.fixture(scope="module")
def fresh() -> dict[str, Score]:
    gold = load_gold("fresh")
    assert len(gold) == 140
    return scores(gold)


@pytest.mark.parametrize("name", list(FRESH_FLOORS))
def test_fresh_heldout_scores_stay_above_their_floors(fresh: dict[str, Score], name: str) -> None:
    p, r = FRESH_FLOORS[name]
    got = fresh[name]
    assert got.precision >= p, f"{name}: {got}"
    assert got.recall >= r, f"{name}: {got}"


def test_the_fresh_set_is_new_events_with_labels_in_the_vocabulary() -> None:
    fresh_gold, first = load_gold("fresh"), load_gold()
    assert set(fresh_gold["id"]).isdisjoint(first["id"])
    assert fresh_gold["split"].eq("fresh").all()
    assert fresh_gold["stratum"].value_counts().to_dict() == {
        "deaths_5-19": 70,
        "deaths_1-4": 55,
        "non_state": 15,
    }
    assert set(fresh_gold["initiator"]) <= INITIATORS
    assert set(fresh_gold["initiator_side"]) <= SIDES
    named = fresh_gold[~fresh_gold["initiator"].isin(["mutual", "unknown"])]
    assert (named["initiator"].map(INITIATOR_SIDE) == named["initiator_side"]).all()
    # a label the text gives is never "unknown"
    assert not (fresh_gold["text_says_who_acted"] & fresh_gold["initiator"].eq("unknown")).any()


def test_the_fresh_sample_is_drawn_again_the_same(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    out = tmp_path / "fresh.csv"
    subprocess.run(
        [
            sys.executable,
            str(root / "scripts" / "sample_attribution_gold.py"),
            "--fresh",
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    assert out.read_bytes() == FRESH_SAMPLE.read_bytes()


@pytest.fixture(scope="module")
def heldout() -> dict[str, Score]:
    gold = load_gold("heldout")
    assert len(gold) == 98
    return scores(gold)


@pytest.mark.parametrize("name", list(FLOORS))
def test_heldout_scores_stay_above_their_floors(heldout: dict[str, Score], name: str) -> None:
    p, r = FLOORS[name]
    got = heldout[name]
    assert got.precision >= p, f"{name}: {got}"
    assert got.recall >= r, f"{name}: {got}"


@pytest.fixture(scope="module")
def ged() -> pd.DataFrame:
    return read_events(BUNDLED_GED_SYRIA, "ucdp").events


def test_hamamiyat_is_not_a_regime_air_strike_blamed_on_russia(ged: pd.DataFrame) -> None:
    # the briefing's old #1: "air strike -> Russia's side"; the text says the factions and the
    # jihadi groups attacked regime positions, with air strikes around the battle
    row = ged[ged["source_row_id"] == str(HAMAMIYAT)]
    r = row.iloc[0]
    assert r["sub_event_type"] != "Air/drone strike"
    assert (r["event_type"], r["sub_event_type"]) == ("Battles", "Armed clash")
    assert (r["actor1"], r["assoc_actor_1"], r["actor2"]) == (
        "Syrian insurgents",
        "jihadi groups",
        "Government of Syria",
    )
    assert bool(r["initiator_known"]) is True
    assert r["initiator_words"] == "attack of the factions and the jihadis"
    sochi = load_bundled("sochi-2018")
    assert attribute(sochi, row)["party"].tolist() == ["turkey"]
    verdicts = evaluate(sochi, row).verdicts
    breaches = verdicts[verdicts["verdict"].isin(["violation", "possible_violation"])]
    assert set(breaches["provision_id"]) == {"ceasefire-regime", "dmz"}
    assert set(breaches["party"]) == {"turkey"}
    assert all(
        reason.endswith(
            "the source text says Syrian insurgents and jihadi groups attacked -> Turkey's side"
        )
        for reason in breaches["reason"]
    )


def test_gold_readings_come_from_the_pipeline() -> None:
    # the scorer reads the bundled file with the real reader and asks the engine
    got = system_readings(pd.Series([HAMAMIYAT]))
    assert got.loc[0, ["party", "rule"]].tolist() == ["turkey", "initiator recorded"]


def _read(
    headline: str,
    a: int = 0,
    b: int = 0,
    c: int = 0,
    sides: tuple[str, str] = ("Government of Syria", "Syrian insurgents"),
) -> dict[str, object]:
    out = read_ucdp_text(
        pd.Series([headline]),
        pd.Series([1]),
        pd.DataFrame({"deaths_a": [a], "deaths_b": [b], "deaths_civilians": [c]}),
        pd.Series([sides[0]]),
        pd.Series([sides[1]]),
    )
    return dict(out.iloc[0])


@pytest.mark.parametrize(
    ("headline", "deaths", "want"),
    [
        # real SOHR headlines of the bundled file (none of them in the gold set)
        (
            "3 members of the regime forces were killed in an attack by jihadi factions on their"
            " positions in Jabal Al-Turkman in Latakia countryside",
            (3, 1, 0),
            ("Armed clash", "jihadi groups", True),
        ),
        (
            "Rebel factions attack areas in southern countryside of Hama, control them then"
            " withdraw due to heavy shelling",
            (1, 1, 0),
            ("Armed clash", "Syrian insurgents", True),
        ),
        (
            "The regime forces control 4 villages and farms in the northern countryside of Hama"
            " in their first advancement in about 2 months",
            (0, 0, 1),
            ("Government regains territory", "Government of Syria", True),
        ),
        (
            "The Russian guarantor's warplanes kill 10 fighters of Jaysh Al-Izza by targeting"
            " their position north-west of Hama",
            (0, 11, 0),
            ("Air/drone strike", "Government of Russia", True),
        ),
        (
            "More than 15 persons were killed and injured in rocket shelling carried out by the"
            " factions on a neighborhood under the control of the regime in Aleppo city",
            (0, 0, 4),
            ("Shelling/artillery/missile attack", "Syrian insurgents", True),
        ),
        # a fight the text names both sides of: no initiator
        (
            "Casualties of the regime forces and the factions in exchange of targeting between"
            " both parties on areas north of Hama",
            (1, 1, 0),
            ("Armed clash", "Government of Syria", False),
        ),
        # the regime's dead were not killed by the regime's own strikes
        (
            "Regime's warplanes target Latakia mountains as the factions attack positions of"
            " the regime forces",
            (4, 0, 0),
            ("Armed clash", "Syrian insurgents", True),
        ),
        # "areas controlled by ISIS" names a place, not who set off the mine
        (
            "Members of the pro-regime gunmen were killed by a mine explosion in areas previously"
            " controlled by ISIS",
            (3, 0, 0),
            ("Remote explosive/landmine/IED", "Government of Syria", False),
        ),
        # "absence of aerial bombardment" did not happen
        (
            "Continuous absence of aerial bombardment for 36 hours and renewed shelling leaves"
            " casualties",
            (0, 0, 2),
            ("Shelling/artillery/missile attack", "Government of Syria", False),
        ),
        # the text describes no act: GED's type_of_violence, nobody named
        (
            "24 persons were killed yesterday in different circumstances",
            (0, 0, 3),
            ("Armed clash", "Government of Syria", False),
        ),
    ],
)
def test_who_did_what_on_real_phrasings(
    headline: str, deaths: tuple[int, int, int], want: tuple[str, str, bool]
) -> None:
    got = _read(headline, *deaths)
    assert (got["sub_event_type"], got["actor1"], bool(got["initiator_known"])) == want


def test_a_fight_between_two_opposition_groups_is_no_joint_attack() -> None:
    got = _read(
        "The fight between Tahrir al-Sham and the National Liberation Front kills 2 civilians",
        c=2,
        sides=("National Front for Liberation", "HTS"),
    )
    assert (got["event_type_rule"], bool(got["initiator_known"])) == ("text:clash:mutual", False)


def test_a_killing_takes_its_means_and_a_response_is_not_the_act() -> None:
    got = _read(
        "The regime responds to the Israeli bombardment by killing 7 citizens in Idlib", c=4
    )
    assert (got["actor1"], bool(got["initiator_known"])) == ("Government of Syria", True)
    assert got["event_type_rule"] == "type_of_violence:1"  # the means is not said
    got = _read(
        "More than 20 casualties in a massacre carried out by the regime forces by bombing a"
        " market for selling olive crop",
        c=7,
    )
    assert (got["event_type"], got["actor1"]) == (
        "Explosions/Remote violence",
        "Government of Syria",
    )
    assert pd.isna(got["sub_event_type"])  # bombing: air or ground is not said


def test_both_armed_sides_dead_and_only_strikes_spoken_of_is_fighting() -> None:
    got = _read("More than 1100 air and ground strikes pound the de-escalation zone", a=29, b=23)
    assert (got["event_type"], got["sub_event_type"], got["event_type_rule"]) == (
        "Battles",
        "Armed clash",
        "deaths:both_sides",
    )
    assert bool(got["initiator_known"]) is False


def test_the_word_scan_finds_what_a_whole_text_scan_finds(ged: pd.DataFrame) -> None:
    # the regexes run only where a word they can start with starts (ucdp_acts._STARTS): on
    # every headline part of the bundled file, that must find the same phrases
    parts = {normalise(p) for h in ged["notes"].dropna().unique() for p in h.split(";")}
    assert len(parts) > 13_000
    missed = [p for p in parts if _spans(p) != _spans(p, whole=True)]
    assert missed == []


def test_acts_of_a_headline_keep_their_parts_in_order() -> None:
    acts = read_acts("Shelling by the regime forces;Clashes between the regime and the factions")
    assert [(a.kind, a.part, a.order, a.mutual) for a in acts] == [
        ("shelling", 0, 0, False),
        ("clash", 1, 1, True),
    ]


def test_a_fight_with_an_armed_non_party_group_is_unattributed() -> None:
    # initiator not recorded, actor1 a party's force, actor2 an armed group that is no party's:
    # an armed clash is nobody's to answer for; a strike on civilians still is actor1's party's
    sochi = load_bundled("sochi-2018")
    ev = pd.DataFrame(
        {
            "event_uid": ["t:1", "t:2", "t:3"],
            "actor1": [
                "National Front for Liberation",
                "National Front for Liberation",
                "Government of Syria",
            ],
            "actor2": ["HTS", "HTS", "Civilians"],
            "initiator_known": [False, False, False],
            "sub_event_type": ["Armed clash", "Shelling/artillery/missile attack", "Armed clash"],
        }
    )
    got = attribute(sochi, ev)
    assert got["party"].tolist() == ["unattributed", "turkey", "russia"]
    assert got["rule"].tolist()[0].startswith("a fight with an armed group")
