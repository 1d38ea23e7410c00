"""Agreement terms in a news article -> a draft agreement (issue 3, item 6)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from ceasefire.agreements import TimeSpec, parse_agreement
from ceasefire.errors import AgreementError
from ceasefire.news.terms import DraftAgreement, TermValue, draft_yaml, extract_terms
from ceasefire.zones import load_zones

ARTICLE = (Path(__file__).parent / "data" / "news_terms" / "moscow_talks_2020-03-05.txt").read_text(
    encoding="utf-8"
)
PUB = dt.date(2020, 3, 5)


@pytest.fixture(scope="module")
def draft() -> DraftAgreement:
    return extract_terms(ARTICLE, PUB)


def span(phrase: str, after: str = "") -> tuple[int, int]:
    start = ARTICLE.index(phrase, ARTICLE.index(after) if after else 0)
    return start, start + len(phrase)


def check(v: TermValue | None, phrase: str, value: object, after: str = "") -> TermValue:
    assert v is not None
    assert (v.start, v.end) == span(phrase, after), (v, phrase)
    assert ARTICLE[v.start : v.end] == v.text == phrase
    s0, s1, sentence = v.sentence
    assert ARTICLE[s0:s1] == sentence and s0 <= v.start < v.end <= s1
    assert v.review
    assert v.value == value
    return v


def one(draft: DraftAgreement, type_: str, earlier: bool = False):
    found = [p for p in draft.of_type(type_) if p.earlier == earlier]
    assert len(found) == 1, draft.provisions
    return found[0]


def test_ceasefire_start_both_phrasings_and_zone(draft):
    p = one(draft, "ceasefire")
    midnight, minute = p.all("effective_from")
    moscow = ["Europe/Moscow"]  # signed in Moscow: its clock is an alternative reading
    check(
        midnight,
        "midnight Thursday",
        TimeSpec(at="2020-03-05", end_of_day=True, alternative_timezones=moscow),
    )
    check(minute, "00:01 on March 6", TimeSpec(at="2020-03-06T00:01", alternative_timezones=moscow))
    check(p.get("zone"), "Idlib", "idlib-de-escalation-area")
    assert len(p.all("zone")) == 1


def test_security_corridor_width_both_ways_and_route(draft):
    p = one(draft, "security_corridor")
    wide, deep = p.all("width_each_side_km")
    check(wide, "12-kilometer-wide", 6.0)
    check(deep, "6 km deep to the north and 6 km deep to the south", 6.0)
    route = p.all("route")
    check(route[0], "M4", "m4-trumba-ain-al-havr", after="strategic")
    check(route[1], "M4", "m4-trumba-ain-al-havr", after="to the south of")
    assert p.get("route_label").value == "the M4"


def test_joint_patrol_parties_start_route(draft):
    p = one(draft, "joint_patrol")
    check(p.get("parties"), "Russian-Turkish", ["russia", "turkey"])
    check(
        p.get("start"),
        "March 15",
        TimeSpec(at="2020-03-15", alternative_timezones=["Europe/Moscow"]),
    )
    check(p.get("route"), "M4", "m4-trumba-ain-al-havr", after="strategic")


def test_deadline_within_7_days(draft):
    p = one(draft, "deadline")
    due = check(
        p.get("due"),
        "within 7 days",
        TimeSpec(at="2020-03-11", end_of_day=True, alternative_timezones=["Europe/Moscow"]),
    )
    assert due.value.local() == dt.datetime(2020, 3, 12)


def test_sochi_terms_are_flagged_as_earlier(draft):
    dmz = one(draft, "demilitarised_zone", earlier=True)
    check(dmz.get("depth_km"), "15-20 km deep", (15.0, 20.0))
    check(dmz.get("zone"), "2018", "sochi-dmz", after="September")
    w = one(draft, "weapons_withdrawal", earlier=True)
    check(
        w.get("weapon_classes"),
        "heavy weapons",
        ["tanks", "multiple_rocket_launchers", "artillery", "mortars"],
    )
    # a bare "October 10" in a sentence naming 2018 is 2018's, closing at the end of the day
    check(
        w.get("deadline"),
        "October 10",
        TimeSpec(at="2018-10-10", end_of_day=True, alternative_timezones=["Europe/Moscow"]),
    )
    assert "TODO" not in draft_yaml(draft).split("demilitarised-zone")[1].split("zone:")[1][:40]


def test_supplement_parties_and_signing(draft):
    check(draft.supplements_hint, "a supplement to a deal first agreed in 2018", "sochi-2018")
    assert [p.value for p in draft.parties] == ["russia", "turkey"]
    check(draft.parties[0], "Russia", "russia")
    check(draft.parties[1], "Turkey", "turkey", after="Russia and")
    check(draft.signed_date, "Thursday", dt.date(2020, 3, 5))
    check(draft.signed_place, "Kremlin", "Moscow")


def test_other_phrasings():
    d = extract_terms(
        "The accord is an addition to the Sochi memorandum. Putin and Erdogan agreed that "
        "rebels must withdraw tanks and mortars by March 20.",
        PUB,
    )
    assert d.supplements_hint is not None
    assert d.supplements_hint.text == "an addition to the Sochi memorandum"
    assert d.supplements_hint.value == "sochi-2018"
    assert [(p.value, p.text) for p in d.parties] == [("russia", "Putin"), ("turkey", "Erdogan")]
    (w,) = d.of_type("weapons_withdrawal")
    assert w.get("weapon_classes").value == ["tanks", "mortars"]
    assert w.get("deadline").value == TimeSpec(at="2020-03-20", end_of_day=True)
    truce = extract_terms("The ceasefire will begin at 00:01 on March 6.", PUB)
    (c,) = truce.of_type("ceasefire")
    assert c.get("zone") is None  # no Idlib named: the YAML asks for it
    assert "zone: TODO" in draft_yaml(truce)


def test_nothing_in_an_unrelated_text():
    d = extract_terms("Shelling killed 16 people in Ariha on Wednesday, monitors said.", PUB)
    assert d == DraftAgreement((), None, ())
    assert "TODO" in draft_yaml(d)


def _fill(text: str) -> str:
    fills = {
        "from_place": "Trumba",
        "to_place": "Ain al-Havr",
        "at": "2020-03-06T00:01",
    }
    return re.sub(
        r"^(\s*(?:- )?)(\w+): TODO\b.*$",
        lambda m: f"{m.group(1)}{m.group(2)}: {fills[m.group(2)]}",
        text,
        flags=re.M,
    )


def test_yaml_comments_every_value_and_round_trips(draft):
    text = draft_yaml(draft, agreement_id="moscow-draft", title="Moscow talks (draft)")
    lines = text.splitlines()
    # every value line names its sentence excerpt, its characters and REVIEW
    for key in ("zone", "width_each_side_km", "route", "parties", "depth_km", "weapon_classes"):
        for line in (x for x in lines if re.match(rf"\s+{key}: \S", x)):
            assert re.search(r"# from: '.+' \[chars \d+-\d+\] REVIEW$", line), line
    assert "effective_from:  # from: '" in text and "[chars 318-335] REVIEW" in text
    assert '# also effective_from: "2020-03-06 00:01"' in text
    assert text.count("TODO") > 0
    with pytest.raises(AgreementError, match="TODO"):
        parse_agreement(text)
    agreement = parse_agreement(_fill(text))
    assert agreement.id == "moscow-draft" and agreement.supplements == "sochi-2018"
    assert agreement.signed.date == dt.date(2020, 3, 5) and agreement.signed.place == "Moscow"
    by_type = {p.type: p for p in agreement.provisions}
    assert by_type["ceasefire"].zone == "idlib-de-escalation-area"
    assert by_type["ceasefire"].effective_from.end_of_day
    assert by_type["security_corridor"].width_each_side_km == 6
    assert by_type["joint_patrol"].parties == ["russia", "turkey"]
    assert by_type["demilitarised_zone"].depth_km == (15, 20)
    assert by_type["demilitarised_zone"].notes
    assert by_type["weapons_withdrawal"].deadline.label() == "2018-10-10"
    zones = set(load_zones())
    for p in agreement.provisions:
        for attr in ("zone", "route"):
            ref = getattr(p, attr, None)
            assert ref is None or ref in zones, ref
    # the comments are only comments: the data equals a plain dump of it
    assert yaml.safe_load(_fill(text))["id"] == "moscow-draft"


# -- the annotated passages: agreement-term phrasing, scored field by field ------------------

TERM_PASSAGES = Path(__file__).parent / "data" / "news_passages" / "terms.yaml"
TERM_FIELDS = (
    "types",
    "earlier",
    "effective_from",
    "start",
    "deadline",
    "due",
    "width_each_side_km",
    "depth_km",
    "zone",
    "route",
    "parties",
    "supplements",
)
#: Per-field accuracy floors on ``terms.yaml`` (14 passages written after the rules and scored
#: without tuning them: a held-out check). Measured minus about one passage; never lowered
#: silently.
TERM_FLOORS = {
    "types": 0.78,  # measured 0.857: "military actions ... will cease from 00:01" is not read
    # as a cease-fire; a Sochi deal reported the day after it was agreed is flagged "earlier"
    "earlier": 0.78,  # 0.857: that, and a passive "were to be withdrawn by October 10" missed
    "effective_from": 0.55,  # 0.6 (3 of 5): "comes into force on Sunday" read as last Sunday
    "start": 0.99,  # 1.0
    "deadline": 0.45,  # 0.5 (1 of 2): the passive withdrawal above
    "due": 0.99,  # 1.0
    "width_each_side_km": 0.99,  # 1.0
    "depth_km": 0.99,  # 1.0
    "zone": 0.7,  # 0.75 (3 of 4)
    "route": 0.99,  # 1.0
    "parties": 0.85,  # 0.929: parties named only as "Russian and Turkish troops" patrolling
    "supplements": 0.99,  # 1.0
}


def _plain(value: object) -> object:
    if isinstance(value, TimeSpec):
        at = value.at
        text = at.strftime("%Y-%m-%dT%H:%M") if isinstance(at, dt.datetime) else at.isoformat()
        return text + (" end" if value.end_of_day else "")
    if isinstance(value, tuple):
        return [float(x) for x in value]
    if isinstance(value, int | float):
        return float(value)
    return value


def _gold(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list) and all(isinstance(x, int | float) for x in value):
        return [float(x) for x in value]
    if isinstance(value, int | float):
        return float(value)
    return value


def _term_fields(draft: DraftAgreement) -> dict[str, object]:
    got: dict[str, object] = {
        "types": sorted({p.type for p in draft.provisions if not p.earlier}),
        "earlier": sorted({p.type for p in draft.provisions if p.earlier}),
        "supplements": draft.supplements_hint.value if draft.supplements_hint else None,
    }
    parties = {str(p.value) for p in draft.parties}
    for prov in draft.provisions:
        for v in prov.values:
            if v.key == "parties" and isinstance(v.value, list):
                parties.update(v.value)
            elif v.key in TERM_FIELDS and v.key not in got:
                got[v.key] = _plain(v.value)
    got["parties"] = sorted(parties)
    return got


def score_term_passages() -> tuple[dict[str, float], list[tuple[str, str, object, object]]]:
    import yaml

    data = yaml.safe_load(TERM_PASSAGES.read_text(encoding="utf-8"))
    right: dict[str, list[bool]] = {f: [] for f in TERM_FIELDS}
    misses = []
    for p in data:
        got = _term_fields(extract_terms(p["text"], p["published"]))
        for f in TERM_FIELDS:
            if f not in p and f not in ("types", "earlier", "parties", "supplements"):
                continue
            want = _gold(p.get(f, [] if f in ("types", "earlier", "parties") else None))
            if isinstance(want, list) and f in ("types", "earlier", "parties"):
                want = sorted(want)
            ok = got.get(f) == want
            right[f].append(ok)
            if not ok:
                misses.append((p["id"], f, want, got.get(f)))
    return {f: sum(v) / len(v) for f, v in right.items() if v}, misses


def test_term_passages_cover_the_issue_phrasings() -> None:
    text = TERM_PASSAGES.read_text(encoding="utf-8")
    for phrase in (
        "12-kilometer-wide security corridor",
        "joint Russian-Turkish patrols from March 15",
        "takes effect at midnight Thursday",
        "a supplement to a deal first agreed in 2018",
    ):
        assert phrase in " ".join(text.split()), phrase


def test_term_passages_floors() -> None:
    scores, misses = score_term_passages()
    assert set(scores) == set(TERM_FIELDS)
    for f, floor in TERM_FLOORS.items():
        assert scores[f] >= floor, (f, scores[f], [m for m in misses if m[1] == f])
