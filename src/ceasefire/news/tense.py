"""The tense of a sentence, or of the words around a date in it: rules, no parser.

News dates point the way their sentence's tense points ("on Thursday" in a past sentence is
the Thursday before publication), so :mod:`ceasefire.news.dates` asks this module which way.
"""

from __future__ import annotations

import re

from .sentences import Sentence

__all__ = ["has_verb", "sentence_tense", "tense_at"]


def _words(text: str) -> list[str]:
    return text.split()


_FUTURE_RE = re.compile(
    r"(?i)(?:\b(?:will|won't|shall|would|wouldn't|to\s+be|going\s+to|onwards?|starting|upcoming"
    r"|tomorrow|(?:is|are|am|was|were)\s+to|(?:is|are|was|were)\s+due\s+to"
    r"|(?:set|expected|scheduled|slated|planned|poised|plans?|intends?|aims?|vows?|vowed|pledged"
    r"|promised?|threaten(?:s|ed)?|agreed|agrees)\s+to\s+(?!the\b|a\b|an\b)[a-z]+"
    r"|effective\s+(?:from|on|at|as\s+of)|beginning\s+(?:on|from|at))\b|'ll\b)"
)
_PAST_WORDS = frozenset(
    _words(
        "was were had did said told met began took came went fought struck held left made spoke "
        "saw gave broke shot flew brought sent won lost led fell got ran drove threw stood knew "
        "thought became found kept felt paid meant wrote chose withdrew overran retook overtook "
        "been ago yesterday earlier fled hid rose sought swept tore"
    )
)
_NOT_PAST = frozenset(
    _words(
        "armed based hundred need speed indeed proceed exceed succeed feed seed breed bleed shed "
        "red bed limited detailed alleged concerned interested united advanced sophisticated "
        "supposed reed greed weed deed steed embed wed sled expected so-called"
    )
)
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'-]*")


def _past_word(word: str) -> bool:
    w = word.lower()
    if w in _PAST_WORDS:
        return True
    return (
        word.islower() and len(w) > 4 and w.endswith("ed") and w not in _NOT_PAST and "-" not in w
    )


_REPORTING = frozenset(_words("said told added stated reported announced claimed warned"))


def _tense_or_none(text: str, *, skip_reporting: bool = False) -> str | None:
    if _FUTURE_RE.search(text):
        return "future"
    words = _WORD_RE.findall(text)
    if skip_reporting:
        words = [w for w in words if w.lower() not in _REPORTING]
    if any(_past_word(w) for w in words):
        return "past"
    return None


def sentence_tense(sentence: str) -> str:
    """A cheap rule-based guess at a sentence's tense: "past", "future" or "present".

    Future cues (will, would, shall, to be, is to, set/expected/planned to, from ... onward,
    starting, effective from) win over past cues (was, were, had, said, irregular past forms,
    lower-case -ed verbs); a sentence with neither is present.

    >>> sentence_tense("Joint patrols will start from March 15.")
    'future'
    >>> sentence_tense("The strike killed 33 Turkish soldiers, officials said.")
    'past'
    >>> sentence_tense("The ceasefire takes effect at midnight.")
    'present'
    """
    return _tense_or_none(sentence) or "present"


_CLAUSE_RE = re.compile(
    r"[,;:()\[\]]|\s[—–-]{1,2}\s|[—–]"
    r"|\b(?:and|but|while|whereas|which|who|that|after|before|when|because|although|though)\b"
)


_ADJACENT_SKIP = frozenset(_words("on in at early late last this the of"))
_AUXILIARIES = frozenset(_words("be being is are am to will would shall 'll can could must may"))


def tense_at(text: str, sentences: list[Sentence], start: int, end: int) -> str:
    """The tense of the date mention ``text[start:end]``, given the text's ``sentences``.

    A past verb right next to the mention decides ("said on Thursday"), unless an auxiliary
    makes it passive or future ("will be held on Monday"); else the clause around it, else its
    sentence without reporting verbs, else "present".

    >>> from ceasefire.news.sentences import split_sentences
    >>> text = "Talks will be held on Monday, officials said."
    >>> tense_at(text, split_sentences(text), 22, 28)
    'future'
    """
    s0, s1 = next(((a, b) for a, b, _ in sentences if a <= start < b), (0, len(text)))
    # a past verb right next to the date ("said on Thursday", "on Thursday said") makes it past
    lead = text[max(s0, start - 40) : start]
    before = _WORD_RE.findall(lead.rsplit(",", 1)[-1] if "," in lead else lead)
    while before and before[-1].lower() in _ADJACENT_SKIP:
        before.pop()
    trail = re.match(r"\s+([A-Za-z][A-Za-z'-]*)", text[end : min(s1, end + 30)])
    # ... unless an auxiliary makes the participle passive or future ("will be held on Monday")
    auxiliary = len(before) > 1 and before[-2].lower() in _AUXILIARIES
    if (before and _past_word(before[-1]) and not auxiliary) or (
        trail and _past_word(trail.group(1))
    ):
        return "past"
    # then the clause, then the sentence
    c0 = s0
    c1 = s1
    for m in _CLAUSE_RE.finditer(text, s0, s1):
        if m.end() <= start:
            c0 = m.end()
        elif m.start() >= end:
            c1 = m.start()
            break
    # in the sentence, "X said" dates the saying, not what was said
    return (
        _tense_or_none(text[c0:c1]) or _tense_or_none(text[s0:s1], skip_reporting=True) or "present"
    )


_FINITE = frozenset(
    _words(
        "is are was were has have had will would shall can could may might must do does did "
        "kill kills hits strikes targets attacks shells bombs pounds rocks claims says "
        "die dies died fled flee flees rose rises"
    )
)


def has_verb(text: str) -> bool:
    """Whether ``text`` holds a finite verb or a past form: an auxiliary, an irregular past,
    a lower-case "-ed" word, or one of a few present forms of news verbs ("kills", "hits").

    >>> has_verb("an airstrike killed 33 soldiers"), has_verb("an airstrike on the town")
    (True, False)
    """
    return any(w.lower() in _FINITE or _past_word(w) for w in _WORD_RE.findall(text))
