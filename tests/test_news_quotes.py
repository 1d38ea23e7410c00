"""Quotes with speakers, and claims kept apart from findings (issue 3, item 7)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ceasefire.news.quotes import Claim, Quote, extract_claims, extract_quotes

ARTICLE = (Path(__file__).parent / "data" / "news_terms" / "moscow_talks_2020-03-05.txt").read_text(
    encoding="utf-8"
)


def span(phrase: str, after: str = "") -> tuple[int, int]:
    start = ARTICLE.index(phrase, ARTICLE.index(after) if after else 0)
    return start, start + len(phrase)


@pytest.fixture(scope="module")
def quotes() -> list[Quote]:
    return extract_quotes(ARTICLE)


@pytest.fixture(scope="module")
def claims() -> list[Claim]:
    return extract_claims(ARTICLE)


def test_every_quote_with_its_speaker_and_spans(quotes):
    got = [(q.text, q.speaker, q.speaker_span, q.pronoun_span) for q in quotes]
    assert got == [
        (
            "We will not always agree with our Turkish partners, but we have always found "
            "common ground,",
            "Putin",
            span("Putin", "common ground"),
            None,
        ),
        (
            "This time is no different,",
            "Putin",
            span("Putin", "common ground"),
            span("he", "different"),
        ),
        # two people named in the sentence before: the one who told reporters, not Putin
        (
            "We will watch every step the regime takes,",
            "Erdogan",
            span("Erdogan", "he added"),
            span("he", "regime takes"),
        ),
        # "she": the spokeswoman, though a man was named after her
        (
            "Our aircraft did not fly there,",
            "Zakharova",
            span("Zakharova", "Asked"),
            span("she", "fly there"),
        ),
        # 'said Turkish Defense Minister Hulusi Akar': the title stays with the speaker
        (
            "The regime attacked our observation posts,",
            "Turkish Defense Minister Hulusi Akar",
            span("Turkish Defense Minister Hulusi Akar"),
            None,
        ),
    ]
    for q in quotes:
        assert ARTICLE[q.start : q.end] == q.text
        assert q.speaker_span is not None
        assert ARTICLE[q.speaker_span[0] : q.speaker_span[1]] == q.speaker
        s0, s1, sentence = q.sentence
        assert ARTICLE[s0:s1] == sentence and s0 <= q.start < s1


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ('Erdogan told reporters: "We are ready."', "Erdogan"),
        ('Putin said: "The deal holds."', "Putin"),
        (
            "“It is over,” said Russian President Vladimir Putin.",
            "Russian President Vladimir Putin",
        ),
        ('"Attacks continue," Russia\'s defense ministry said.', "Russia's defense ministry"),
        ('"We will respond," the Syrian army said in a statement.', "Syrian army"),
        ('Nobody spoke. "Quiet," a sign read.', None),
    ],
)
def test_attribution_forms(text, speaker):
    (q,) = extract_quotes(text)
    assert q.speaker == speaker
    if speaker:
        assert q.speaker_span is not None
        assert text[q.speaker_span[0] : q.speaker_span[1]] == speaker


def test_full_name_then_surname_then_pronoun():
    text = (
        "President Recep Tayyip Erdogan arrived in Moscow, where Vladimir Putin met him. "
        'Erdogan said the talks were hard. "We had no choice," he said.'
    )
    (q,) = extract_quotes(text)
    assert q.speaker == "Erdogan"
    assert q.speaker_span == (text.index("Erdogan said"), text.index("Erdogan said") + 7)
    assert q.pronoun_span == (text.index("he said"), text.index("he said") + 2)


def test_continuation_quote_in_the_same_paragraph():
    text = '"We agreed," Lavrov said. "Patrols start soon."'
    a, b = extract_quotes(text)
    assert a.speaker == b.speaker == "Lavrov"


def _claim(claims: list[Claim], kind: str, phrase: str) -> Claim:
    start, end = span(phrase)
    found = [c for c in claims if c.kind == kind and (c.start, c.end) == (start, end)]
    assert len(found) == 1, [(c.kind, c.text) for c in claims]
    c = found[0]
    assert ARTICLE[c.start : c.end] == c.text == phrase
    return c


def test_claims_of_each_kind_with_offsets(claims):
    c = _claim(claims, "accusation", "Russia accused Turkey of shielding militants in Idlib")
    assert (c.claimant, c.subject, c.predicate) == (
        "Russia",
        "Turkey",
        "shielding militants in Idlib",
    )
    c = _claim(
        claims,
        "accusation",
        "Syrian army said rebels shelled government positions near Saraqib overnight",
    )
    assert (c.claimant, c.subject) == ("Syrian army", "rebels")
    assert c.predicate == "shelled government positions near Saraqib overnight"
    c = _claim(
        claims,
        "denial",
        "Russia's defense ministry denied that its jets had struck a convoy near Idlib",
    )
    assert (c.claimant, c.subject) == ("Russia's defense ministry", "its jets")
    c = _claim(
        claims,
        "statement",
        "Russia's defense ministry said Turkish troops had withdrawn from two posts",
    )
    assert (c.claimant, c.subject, c.predicate) == (
        "Russia's defense ministry",
        "Turkish troops",
        "had withdrawn from two posts",
    )
    c = _claim(
        claims,
        "intent",
        "Erdogan said Turkey would retain the right to respond to all attacks by the regime",
    )
    assert (c.claimant, c.subject) == ("Erdogan", "Turkey")
    assert c.predicate == "would retain the right to respond to all attacks by the regime"
    # "..., he warned": the claimant is the person the pronoun names
    c = _claim(claims, "intent", "Turkey will retain the right to respond to all attacks")
    assert (c.claimant, c.subject) == ("Erdogan", "Turkey")
    assert c.claimant_span == span("Erdogan", "Erdogan said Turkey")
    # inside a quotation the claimant is the quote's speaker
    c = _claim(claims, "accusation", "The regime attacked our observation posts")
    assert (c.claimant, c.subject) == ("Turkish Defense Minister Hulusi Akar", "The regime")
    assert {c.kind for c in claims} == {"accusation", "intent", "denial", "statement"}


def test_claims_are_not_findings(claims):
    # a claim has no event fields: it cannot be judged by the compliance engine as an event
    assert all(not hasattr(c, "event_type") and not hasattr(c, "event_date") for c in claims)
    assert [c.start for c in claims] == sorted(c.start for c in claims)


def test_no_claims_in_plain_reporting():
    assert extract_claims("Shelling killed 16 people in Ariha on Wednesday.") == []
    assert extract_quotes("No quotation here.") == []


@pytest.mark.parametrize(
    ("text", "speakers"),
    [
        # the speaker named after the quote, in both orders, with titles and appositions
        ('"We will respond," Erdogan told reporters.', ["Erdogan"]),
        ('"It may not last," said Elena Suponina, a Moscow-based analyst.', ["Elena Suponina"]),
        ('"It may not last," Elena Suponina, a Moscow-based analyst, said.', ["Elena Suponina"]),
        # "she": the nearest compatible person, not the man named after her
        (
            '"It may not last," said Elena Suponina, a Moscow-based analyst. Putin met John '
            'Smith in Moscow. "Nobody trusts it," she added.',
            ["Elena Suponina", "Elena Suponina"],
        ),
        (
            "Elena Suponina, a Moscow-based analyst, was cautious. Putin met Erdogan on "
            'Thursday. "Nobody trusts it," she said.',
            ["Elena Suponina"],
        ),
        # "he": the man, though a woman spoke last
        (
            'Ahmed Hassan, a local farmer, saw the strike. "Nothing is left," said Maria Petrova, '
            'a nurse. "We ran," he said.',
            ["Maria Petrova", "Ahmed Hassan"],
        ),
    ],
)
def test_speakers_after_the_quote_and_pronouns(text, speakers):
    assert [q.speaker for q in extract_quotes(text)] == speakers


def test_attribution_stops_at_the_paragraph_and_runs_of_quotes():
    # a speaker is never read across a paragraph break ("ADVERTISEMENT", then another person)
    text = '"We agreed," Putin said. "It holds."\n\nADVERTISEMENT\n\nErdogan said it would not.'
    assert [q.speaker for q in extract_quotes(text)] == ["Putin", "Putin"]
    # a run of quotes attributed at its end; a quotation over two paragraphs
    text = '"It was loud. We ran." Nobody stopped. "We hid," said Maria Petrova.'
    assert [q.speaker for q in extract_quotes(text)] == ["Maria Petrova", "Maria Petrova"]
    text = '"We stayed. "We had nowhere to go," she said.'
    assert [q.text for q in extract_quotes(text)] == ["We stayed.", "We had nowhere to go,"]


def test_a_quoted_attack_is_a_claim_not_an_event():
    import datetime as dt

    from ceasefire.news.events import extract_events

    text = '"Gunmen attacked our posts," the spokesman said.'
    assert extract_events(text, dt.date(2020, 3, 5)) == []
    assert extract_events("Gunmen attacked army posts near Saraqib.", dt.date(2020, 3, 5))
