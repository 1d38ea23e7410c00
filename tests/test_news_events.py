"""Rule-based event extraction from news sentences into the event model (issue 3, item 5).

The passages in ``tests/data/news_passages/passages.yaml`` are constructed (see the README
there) and annotated by hand. The extractor is scored on them field by field, and each score is
pinned below as a FLOOR: a change that lowers one fails here. Floors are the measured score
minus a small margin; they are never lowered silently: a lower floor needs a reason in the
commit that lowers it.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pyproj
import pytest
import yaml

from ceasefire.events import EVENT_COLUMNS, normalise_events
from ceasefire.news.actors import actor_info, find_actors, inter_code
from ceasefire.news.events import (
    NewsEvent,
    events_frame,
    extract_events,
    parse_fatalities,
    split_sentences,
)
from ceasefire.news.gazetteer import load_gazetteer

PASSAGE_DIR = Path(__file__).parent / "data" / "news_passages"
DAMASCUS = ZoneInfo("Asia/Damascus")
GEOD = pyproj.Geod(ellps="WGS84")
FIELDS = ("type", "sub_type", "actor1", "actor2", "place", "date", "fatalities")

#: Per-field accuracy floors (measured minus a small margin: about one passage) on the tuning set
#: ``passages.yaml`` (38 passages, written alongside the extractor) and the held-out set
#: ``heldout.yaml`` (10 passages, written after it and scored without tuning on them).
#: Never lowered silently: lowering one needs a stated reason.
FLOORS = {
    "passages": {
        "found": 1.0,
        "type": 0.95,  # measured 1.000
        "sub_type": 0.95,  # 1.000
        "actor1": 0.95,  # 1.000
        "actor2": 0.95,  # 1.000
        "place": 0.95,  # 1.000
        "date": 0.94,  # 0.974 ("last night" is a night, not the day)
        "fatalities": 0.95,  # 1.000
    },
    "heldout": {
        "found": 1.0,
        "type": 0.7,  # measured 0.8
        "sub_type": 0.7,  # 0.8
        "actor1": 0.8,  # 0.9
        "actor2": 0.6,  # 0.7
        "place": 0.9,  # 1.0
        "date": 0.9,  # 1.0
        "fatalities": 0.8,  # 0.9
    },
}


@cache
def passages(name: str = "passages") -> list[dict[str, Any]]:
    data = yaml.safe_load((PASSAGE_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


@cache
def _coords() -> dict[str, tuple[float, float]]:
    g = load_gazetteer()
    return dict(zip(g["identifier"], zip(g["lat"], g["lon"], strict=True), strict=True))


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """WGS84 geodesic (Karney's, pyproj), independent of the code's distance_km."""
    return float(GEOD.inv(a[1], a[0], b[1], b[0])[2]) / 1000.0


def _event_for(p: dict[str, Any]) -> NewsEvent | None:
    events = extract_events(p["text"], p["published"])
    return next((e for e in events if p["anchor"] in e.sentence[2]), None)


def _date_ok(p: dict[str, Any], e: NewsEvent) -> bool:
    """The predicted window holds the gold day (or moment), or lies inside the gold day."""
    assert e.time_start is not None and e.time_end is not None
    if "moment" in p:
        moment = p["moment"]
        if isinstance(moment, str):
            moment = dt.datetime.fromisoformat(moment)
        return e.time_start <= moment <= e.time_end
    day: dt.date = p["date"]
    g0 = dt.datetime.combine(day, dt.time(), DAMASCUS)
    g1 = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), DAMASCUS)
    holds = e.time_start <= g0 and g1 <= e.time_end
    inside = g0 <= e.time_start and e.time_end <= g1
    return holds or inside


def score(p: dict[str, Any], e: NewsEvent | None) -> dict[str, bool]:
    if e is None:
        return dict.fromkeys(FIELDS, False)
    gold_a1, gold_a2 = p["actor1"], p["actor2"]
    a1_ok = e.actor1 in gold_a1 if isinstance(gold_a1, list) else e.actor1 == gold_a1
    place_ok = p["place"] is None and e.place_id is None
    if p["place"] is not None and e.latitude is not None and e.longitude is not None:
        place_ok = _km(_coords()[p["place"]], (e.latitude, e.longitude)) <= 5.0
    return {
        "type": e.event_type == p["event_type"],
        "sub_type": e.sub_event_type == p["sub_event_type"],
        "actor1": a1_ok,
        "actor2": e.actor2 in gold_a2 if isinstance(gold_a2, list) else e.actor2 == gold_a2,
        "place": place_ok,
        "date": _date_ok(p, e),
        "fatalities": e.fatalities_best == p["fatalities"][1],
    }


@cache
def scores(name: str) -> tuple[dict[str, float], dict[str, dict[str, bool]]]:
    per: dict[str, dict[str, bool]] = {}
    found = 0
    for p in passages(name):
        e = _event_for(p)
        found += e is not None
        per[p["id"]] = score(p, e)
    n = len(passages(name))
    totals = {f: sum(r[f] for r in per.values()) / n for f in FIELDS}
    totals["found"] = found / n
    return totals, per


# ------------------------------------------------------------------------------------ the corpus


def test_the_passages_cover_the_brief():
    ps = passages()
    assert len(ps) >= 30 and len(passages("heldout")) >= 10
    assert len({p["id"] for p in ps}) == len(ps)
    types = {p["event_type"] for p in ps}
    subs = {p["sub_event_type"] for p in ps}
    assert types >= {
        "Battles",
        "Explosions/Remote violence",
        "Violence against civilians",
        "Protests",
        "Strategic developments",
    }
    assert subs >= {
        "Air/drone strike",
        "Shelling/artillery/missile attack",
        "Armed clash",
        "Remote explosive/landmine/IED",
        "Suicide bomb",
        "Attack",
        "Peaceful protest",
        "Protest with intervention",
        "Agreement",
        "Government regains territory",
        "Non-state actor overtakes territory",
    }
    text = " ".join(p["text"] for p in ps)
    for phrase in ("at least", "dozens", "Thirty-three", "killing five and wounding 12",
                   "Turkish soldiers", "yesterday", "on Feb. 27", "midnight Thursday",
                   "on Tuesday", "Up to 20", "Scores of", "Several"):  # fmt: skip
        assert phrase in text, phrase
    coords = _coords()
    for p in ps + passages("heldout"):
        assert p["anchor"] in p["text"], p["id"]
        assert p["place"] is None or p["place"] in coords, p["id"]
        for field in ("actor1", "actor2"):
            names = p[field] if isinstance(p[field], list) else [p[field]]
            for name in names:
                assert name is None or actor_info(name) is not None, (p["id"], name)


@pytest.mark.parametrize("name", ["passages", "heldout"])
def test_per_field_accuracy_floors(name, capsys):
    totals, per = scores(name)
    floors = FLOORS[name]
    with capsys.disabled():
        print(f"\nnews event extraction, per-field accuracy on {name} ({len(per)} passages):")
        for f in ("found", *FIELDS):
            misses = [pid for pid, r in per.items() if f != "found" and not r[f]]
            print(f"  {f:10s} {totals[f]:.3f}  floor {floors[f]:.2f}  misses: {misses}")
    for f, floor in floors.items():
        assert totals[f] >= floor, (f, totals[f], floor)


@pytest.mark.parametrize("pid", ["p02-air-33-turkish-soldiers", "p22-killing-five-wounding-12"])
def test_the_issue_examples_are_right(pid):
    p = next(p for p in passages() if p["id"] == pid)
    e = _event_for(p)
    assert e is not None
    assert all(score(p, e).values()), score(p, e)
    if pid.startswith("p02"):
        assert (e.fatalities_low, e.fatalities_best, e.fatalities_high) == (33, 33, 33)
        assert e.victims_side == "Military Forces of Turkey (2016-)"


def test_evidence_offsets_point_into_the_article():
    for p in passages():
        text = p["text"]
        for e in extract_events(text, p["published"]):
            s0, s1, sentence = e.sentence
            assert text[s0:s1] == sentence
            kinds = {what.split(":")[0] for what, _, _ in e.evidence}
            assert {"type", "date"} <= kinds
            for what, a, b in e.evidence:
                assert s0 <= a <= b <= s1, (p["id"], what)
                if what.startswith("type:"):
                    assert b > a


# ------------------------------------------------------------------------------------ fatalities


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("at least 16", (16, 16, None)),
        ("more than 40", (40, 40, None)),
        ("16 people were killed", (16, 16, 16)),
        ("33 Turkish soldiers were killed", (33, 33, 33)),
        ("thirty-three soldiers were killed", (33, 33, 33)),
        ("killing five and wounding 12", (5, 5, 5)),
        ("wounding 12 and killing five", (5, 5, 5)),
        ("12 people were wounded", (None, None, None)),
        ("up to 20", (None, 20, 20)),
        ("nearly 20", (None, 20, 20)),
        ("about 20", (None, 20, None)),
        ("between 10 and 15", (10, 10, 15)),
        ("10 to 15 people were killed", (10, 10, 15)),
        ("dozens", (12, 12, None)),
        ("dozens of people were killed", (12, 12, None)),
        ("tens", (10, 10, None)),
        ("hundreds", (100, 100, None)),
        ("scores of fighters were killed", (20, 20, None)),
        ("several civilians were killed", (3, 3, None)),
        ("a few", (3, 3, None)),
        ("a soldier was killed", (1, 1, 1)),
        ("killing a child", (1, 1, 1)),
        ("killed three soldiers and two civilians", (5, 5, 5)),
        ("the death toll rose to 22", (22, 22, 22)),
        ("1,200 people have been killed", (1200, 1200, 1200)),
        ("no one was killed", (0, 0, 0)),
        ("twenty-one", (21, 21, 21)),
        ("the talks lasted for hours", (None, None, None)),
    ],
)
def test_parse_fatalities(phrase, expected):
    assert parse_fatalities(phrase) == expected


# ------------------------------------------------------------------------------------ sentences


def test_split_sentences_keeps_abbreviations_and_offsets():
    text = (
        "On Feb. 27 Gen. Ali al-Hassan met U.S. envoys in Idlib. The talks failed!\n\n"
        "A new round is due on March 5. Is it? Yes."
    )
    out = split_sentences(text)
    assert [s for _, _, s in out] == [
        "On Feb. 27 Gen. Ali al-Hassan met U.S. envoys in Idlib.",
        "The talks failed!",
        "A new round is due on March 5.",
        "Is it?",
        "Yes.",
    ]
    for a, b, s in out:
        assert text[a:b] == s
    assert split_sentences("") == []
    assert split_sentences("   ") == []


# ------------------------------------------------------------------------------------ behaviour


def test_future_threats_and_plain_sentences_give_no_event():
    text = (
        "Turkey will strike regime forces everywhere if its posts are attacked again. "
        "Analysts said the truce may not last. The weather was cold."
    )
    assert extract_events(text, dt.date(2020, 3, 1)) == []


def test_publication_day_is_the_fallback_date():
    [e] = extract_events("Russian jets bombed Ariha, killing four.", dt.date(2020, 2, 27))
    assert e.time_start == dt.datetime(2020, 2, 26, 22, tzinfo=dt.UTC)
    assert e.time_end == dt.datetime(2020, 2, 27, 22, tzinfo=dt.UTC)
    assert any(w == "date:publication-day" for w, _, _ in e.evidence)


def test_actor_aliases():
    names = {m.actor for m in find_actors("regime forces, Assad's army, the Syrian army")}
    assert names == {"Military Forces of Syria (2000-)"}
    assert find_actors("in Turkey", context="military") == []
    assert [m.actor for m in find_actors("Syrian Democratic Forces")] == [
        "SDF: Syrian Democratic Forces"
    ]
    assert [m.actor for m in find_actors("this is it")] == []  # "is" is not IS
    assert inter_code("Civilians (Syria)") == 7
    assert inter_code("Military Forces of Turkey (2016-)", "TR") == 1


# ------------------------------------------------------------------------------------ the frame


def test_events_frame_is_a_valid_events_frame():
    text = (
        "Thirty-three Turkish soldiers were killed on Thursday when Syrian government jets "
        "struck their convoy near Balyun in southern Idlib. Analysts said it was a turning point. "
        "Hundreds of demonstrators rallied in Idlib city on Friday."
    )
    events = extract_events(text, dt.date(2020, 2, 29))
    assert len(events) == 2
    frame = events_frame(
        events,
        article_id="art-1",
        source="Example Wire",
        url="https://example.org/a",
        published=dt.date(2020, 2, 29),
    )
    assert list(frame.columns[: len(EVENT_COLUMNS)]) == list(EVENT_COLUMNS)
    for col, dtype in EVENT_COLUMNS.items():
        assert str(frame[col].dtype) == dtype, col
    again = normalise_events(frame)
    pd.testing.assert_frame_equal(again, frame)
    first = frame.iloc[0]
    assert first["source_dataset"] == "news"
    assert first["source_row_id"] == "art-1:0"
    assert first["event_uid"] == "news:art-1:0"
    assert first["event_id_cnty"].startswith("NEWS-")
    assert first["source_file"] == "https://example.org/a"
    assert first["source"] == "Example Wire"
    assert first["notes"] == events[0].sentence[2]
    assert first["event_date"] == "2020-02-27"
    assert first["iso"] == 760 and first["iso2"] == "SY" and first["country"] == "Syria"
    assert first["fatalities"] == 33
    assert first["fatalities_low"] == 33 and first["fatalities_high"] == 33
    assert first["location_uncertainty_km"] == pytest.approx(events[0].radius_km)
    assert bool(first["initiator_known"]) is True
    assert first["inter1"] == 1 and first["inter2"] == 8 and first["interaction"] == 18
    assert first["disorder_type"] == "Political violence"
    assert first["time_start"] < first["time_end"]
    assert first["time_precision"] == 1
    assert frame["content_hash"].notna().all() and frame["ingest_time"].notna().all()
    protest = frame.iloc[1]
    assert protest["event_type"] == "Protests" and protest["actor1"] == "Protesters (Syria)"
    assert bool(protest["initiator_known"]) is True  # the subject: "demonstrators rallied"
    assert protest["disorder_type"] == "Demonstrations" and pd.isna(protest["fatalities"])
    assert frame["event_uid"].is_unique


def test_events_frame_of_nothing_is_empty_but_typed():
    frame = events_frame([], article_id="x", source="s", url=None, published=dt.date(2020, 3, 5))
    assert len(frame) == 0
    for col, dtype in EVENT_COLUMNS.items():
        assert str(frame[col].dtype) == dtype, col


# ------------------------------------------------------------------------------------ clauses


def test_two_acts_in_one_sentence_are_two_events():
    """Issue 13: the drone barrage and the airstrike are two events, each with its own agent,
    victims and dead; the airstrike's perpetrator is not named, so it has no actor1."""
    text = (
        "Turkey unleashed a barrage from killer drones against Assad's army after an airstrike "
        "killed 33 Turkish soldiers in a single day on Feb. 27."
    )
    drones, strike = extract_events(text, dt.date(2020, 3, 5))
    assert drones.actor1 == "Military Forces of Turkey (2016-)"
    assert drones.actor2 == "Military Forces of Syria (2000-)"
    assert drones.fatalities_best is None and drones.victims_side is None
    assert strike.actor1 is None and not strike.initiator_known
    assert (strike.fatalities_low, strike.fatalities_best, strike.fatalities_high) == (33, 33, 33)
    assert strike.victims_side == strike.actor2 == "Military Forces of Turkey (2016-)"
    victim = next((a, b) for w, a, b in strike.evidence if w == "victim")
    assert text[victim[0] : victim[1]] == "33 Turkish soldiers"
    assert drones.sentence == strike.sentence
    assert drones.clause is not None and strike.clause is not None
    assert text[strike.clause[0] : strike.clause[1]].startswith("after an airstrike")
    assert drones.clause[1] <= strike.clause[0]
    frame = events_frame(
        [drones, strike], article_id="a", source="s", url=None, published=dt.date(2020, 3, 5)
    )
    assert frame["event_uid"].is_unique and list(frame["source_row_id"]) == ["a:0", "a:1"]


@pytest.mark.parametrize(
    ("text", "n", "fatalities"),
    [
        # one act told in two clauses: the dead and the strike that killed them
        ("Five civilians were killed when a rocket hit their home in Ariha.", 1, [5]),
        ("Jihadists attacked army posts near Saraqib, and 21 soldiers were killed in the fighting.",
         1, [21]),
        # deaths with no act named are an event of their own
        ("Three civilians were killed in Idlib on Monday.", 1, [3]),
        ("Turkey retaliated after 33 soldiers were killed.", 1, [33]),
        # "after" before a phrase, not a clause
        ("Five people died after an airstrike on the town of Ariha.", 1, [5]),
        ("Russian jets bombed Ariha, and rebels shelled Saraqib.", 2, [None, None]),
        # the toll of a war is no event
        ("The war has killed more than 400,000 people since 2011.", 0, []),
    ],
)  # fmt: skip
def test_acts_by_clause(text, n, fatalities):
    events = extract_events(text, dt.date(2020, 3, 5))
    assert len(events) == n, [(e.sub_event_type, e.clause) for e in events]
    assert [e.fatalities_best for e in events] == fatalities


def test_an_article_subject_is_not_a_count():
    # "an airstrike killed 33 soldiers": "an" is the article of the subject, not one dead
    assert parse_fatalities("an airstrike killed 33 Turkish soldiers") == (33, 33, 33)
    assert parse_fatalities("a car bomb killed five people") == (5, 5, 5)
    assert parse_fatalities("a soldier was killed") == (1, 1, 1)
    assert parse_fatalities("shelling kills 4 civilians") == (4, 4, 4)


@pytest.mark.parametrize(
    ("text", "n"),
    [
        # acts joined with no comma, as monitors' headlines join them (constructed examples)
        ("Clashes near Saraqib and shelling hits villages in Jabal al-Zawiya", 2),
        ("Sniping and clashes in Kafr Nabl .. and 12 raids by warplanes on Ariha", 3),
        ("Explosions in Azaz and 3 persons killed in the countryside of Hama", 2),
        # one act: two modifiers, a list of causes of the same deaths, the wounded
        ("Heavy air and missile strikes on Maarat al-Numan", 1),
        ("Civilians were killed in shelling, sniping and explosions in Idlib", 1),
        ("5 casualties and several wounded in a car explosion in Azaz", 1),
        # a plan is no act
        ("Reinforcements arrive to take part in the coming battle of Idlib", 0),
        # "following" an act: another act after a named one, the cause of deaths otherwise
        ("Jets struck Hajin, killing 12 fighters, following a missile attack on the town", 2),
        ("Five civilians killed in Ariha following an airstrike on the town", 1),
        # one noun phrase, not two acts
        ("The offensive pushed Ankara and Moscow toward a direct clash", 1),
    ],
)
def test_acts_joined_without_a_comma(text, n):
    events = extract_events(text, dt.date(2020, 3, 5))
    assert len(events) == n, [(e.sub_event_type, e.clause) for e in events]


def _spans(text: str, e: NewsEvent, *kinds: str) -> dict[str, str]:
    return {w: text[a:b] for w, a, b in e.evidence if w in kinds}


def test_named_doers_and_victims_outside_the_actor_list():
    """Doers the actor list does not know are kept as ``agent`` evidence (actor1 stays None),
    the dead as ``victim``, who was hit as ``target``; weapons are no doers."""
    cases = [
        ("Suspected militants ambushed a police patrol, killing five officers.",
         {"agent": "Suspected militants", "victim": "five officers"}),
        ("Israeli airstrikes killed 5 people in Gaza.", {"agent": "Israeli airstrikes"}),
        ("Two civilians were killed in regime shelling on Ariha.", {"agent": "regime"}),
        ("A roadside bomb killed two soldiers near Azaz.", {"victim": "two soldiers"}),
        ("Gunmen kill and wound 14 people in Azaz.", {"victim": "14 people"}),
        ("At least 12 martyrs in air strikes on Ariha.", {"victim": "At least 12 martyrs"}),
    ]  # fmt: skip
    for text, want in cases:
        [e] = extract_events(text, dt.date(2020, 3, 5))
        got = _spans(text, e, "agent", "victim", "target")
        assert all(got.get(k) == v for k, v in want.items()), (text, got)
        if "bomb" in text:
            assert "agent" not in got and e.actor1 is None
    [e] = extract_events("Gunmen kill and wound 14 people in Azaz.", dt.date(2020, 3, 5))
    assert e.fatalities_best is None  # one number for the dead and the wounded


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("21 people were killed and wounded", (None, None, None)),
        ("At least 25 people are dead and dozens injured", (25, 25, None)),
        ("the commander was killed", (1, 1, 1)),
        ("the killing of a senior commander", (1, 1, 1)),
        ("At least 26 martyrs in air strikes", (26, 26, None)),
        ("he was killed around 5 p.m. on Monday", (1, 1, 1)),
        ("10 civilians, 4 soldiers, and 3 rebels were killed", (17, 17, 17)),
    ],
)
def test_more_fatality_phrases(phrase, expected):
    assert parse_fatalities(phrase) == expected
