"""Sentences of an article: one abbreviation-aware splitter for the whole news package.

Every sentence comes back as ``(start, end, text)`` with ``text == article[start:end]`` and
surrounding blanks trimmed, so a sentence can always be found again in the article.
"""

from __future__ import annotations

import re

__all__ = ["Sentence", "split_sentences"]

Sentence = tuple[int, int, str]
"""``(start, end, text)`` of one sentence, ``text == article[start:end]``."""


def _words(text: str) -> list[str]:
    return text.split()


_ABBREVIATIONS = frozenset(
    _words(
        "jan feb mar apr jun jul aug sep sept oct nov dec "
        "mon tue tues wed thu thur thurs fri sat sun "
        "mr mrs ms dr prof gov sen rep jr sr st no vs "
        "gen lt col maj capt sgt adm brig cmdr "
        "a.m p.m u.s u.n u.k e.g i.e etc approx est inc corp ltd co dept"
    )
)
_SENTENCE_END_RE = re.compile(
    r"[.!?][\"”’')\]]*(?:\s+|$)(?=[\"“‘(\[]?[A-Z0-9]|$)"  # stop, closing marks, next capital
    r"|\n\s*\n"  # a blank line
    r"|\n(?=\s*[A-Z\"“])"  # a line break before a capital or an opening quote
)
_LAST_WORD_RE = re.compile(r"([A-Za-z.]+)$")


def split_sentences(text: str) -> list[Sentence]:
    """``(start, end, text)`` of each sentence, ``text[start:end] == sentence``, blanks trimmed.

    A full stop after an abbreviation ("Feb.", "Gen.", "U.S.") or a single letter does not end
    a sentence; a blank line, or a line break before a capital or an opening quote, does.

    >>> [s for _, _, s in split_sentences("On Feb. 27 Gen. Ali met U.S. envoys. They left.")]
    ['On Feb. 27 Gen. Ali met U.S. envoys.', 'They left.']
    >>> split_sentences('  "Go," he said.\\nThey went.')
    [(2, 16, '"Go," he said.'), (17, 27, 'They went.')]
    """
    out: list[Sentence] = []
    begin = 0
    for m in _SENTENCE_END_RE.finditer(text):
        if text[m.start()] == "." and _after_abbreviation(text[begin : m.start()]):
            continue
        _add(text, begin, m.start() + len(m.group(0).rstrip()), out)
        begin = m.end()
    _add(text, begin, len(text), out)
    return out


def _after_abbreviation(before: str) -> bool:
    """Whether the full stop after ``before`` closes an abbreviation or a single letter."""
    word = _LAST_WORD_RE.search(before)
    if word is None:
        return False
    return word.group(1).lower().rstrip(".") in _ABBREVIATIONS or len(word.group(1)) == 1


def _add(text: str, begin: int, end: int, out: list[Sentence]) -> None:
    while begin < end and text[begin].isspace():
        begin += 1
    while end > begin and text[end - 1].isspace():
        end -= 1
    if end > begin:
        out.append((begin, end, text[begin:end]))
