"""Quotes with their speakers, and claims by the parties (issue 3, item 7).

Rules over sentences and small word lists; no statistical model.

**Quotes.** Text between straight (``"..."``) or curly (``“...”``) double quotes. The speaker
comes from the attribution around it: ``"...," Erdogan said``, ``"...," said Putin``,
``"...," said Elena Suponina, a Moscow-based analyst`` (an apposition ends the name),
``"...," Elena Suponina, a Moscow-based analyst, said``, ``Erdogan told reporters: "..."``, a
reporting verb earlier in the same sentence, or, for a quote that continues an attributed one in
the same paragraph, that quote's speaker. A person named only by a common noun outside the
short list of speaker words (official, source, spokesman, ministry, ...: "a witness said",
"the judge said") is no speaker (None). Titles stay in the speaker (``Turkish President Recep
Tayyip Erdogan``, ``Russia's defense ministry``).

A pronoun (``he said``, ``she added``) is resolved to a person named before it: the sentences
before the quote are searched newest first, and in each the person who speaks (a name followed
by a reporting verb, or a quote's speaker) or else the first person named (the subject) is
taken, if compatible with the pronoun (a person whose title or first name says "she" is never
"he" and vice versa). Persons are known from a title before a capitalised name ("President
Recep Tayyip Erdogan", "spokeswoman Maria Zakharova", "Sheriff Mary Jones"), from a short list
of public figures of the conflict, from a capitalised name followed by a reporting verb, from a
full name after one ("said Elena Suponina") or before an apposition ("Elena Suponina, a
Moscow-based analyst", "John Smith, 45,"); a later bare surname ("Erdogan") is the same person.
Gender comes from titles ("spokeswoman", "Mrs.", "Sir") and from short lists of common first
names; a person of unknown gender fits either pronoun. The quote then carries the antecedent as
speaker, its span as ``speaker_span`` and the pronoun's span as ``pronoun_span``.

**Claims are not findings.** A claim is what a party *says* another did or will do ("Russia
accused Turkey of ...", "the Syrian army said rebels shelled ...", "Turkey will retain the right
to respond to all attacks", "... denied ..."). Claims are stored apart from the events that the
compliance engine judges: they never become events, are never mapped to provisions, and never
count as a violation or as evidence of compliance. A monitor reads them as the parties' positions;
an incident a claim describes counts only once an event source (or the news event extractor,
which reports what happened, not who blamed whom) records it.

>>> [(q.text, q.speaker) for q in extract_quotes('"We agreed," Putin said.')]
[('We agreed,', 'Putin')]
>>> [(c.kind, c.claimant, c.subject) for c in extract_claims(
...     "Russia accused Turkey of shielding militants.")]
[('accusation', 'Russia', 'Turkey')]
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from .claims import Claim, extract_claims
from .sentences import Sentence, split_sentences
from .speakers import (
    NP_LOWER,
    PRONOUNS,
    REPORTING,
    REPORTING_RE,
    find_persons,
    np_backward,
    np_forward,
    resolve_pronoun,
    sentence_at,
    trim_np,
)

__all__ = ["Claim", "Quote", "extract_claims", "extract_quotes"]


@dataclass(frozen=True)
class Quote:
    """A direct quotation. ``start``/``end`` span the words inside the quotation marks
    (``text == article[start:end]``); ``speaker_span`` is where the speaker is named
    (``article[speaker_span[0]:speaker_span[1]] == speaker``), which for a pronoun is the
    antecedent, the pronoun itself being at ``pronoun_span``."""

    start: int
    end: int
    text: str
    speaker: str | None
    speaker_span: tuple[int, int] | None
    sentence: Sentence
    pronoun_span: tuple[int, int] | None = None


# --------------------------------------------------------------------------- quotes

# a quotation running over several paragraphs closes only the last ('“A. “B. “C.”', '"A. "B."'):
# a curly quote also ends where the next one opens or the text ends, a straight one before a
# mark that opens the next (after a blank, before a capital) rather than at it
_QUOTE_RE = re.compile(
    r"\"(?P<a>[^\"\n]+?)(?:(?<=\S)\"|(?=\s+\"[A-Z‘'(]))|“(?P<b>[^”“\n]+?)\s*(?:”|(?=“)|$)"
)
_SPEAKER_NP = (
    rf"(?P<np>(?:[Hh]e|[Ss]he|[Tt]hey)|(?:(?:the|a)\s+)?(?:(?:de|van|von|der|da|di|du|le|la|al|bin"
    rf"|ibn)\s+(?=[A-Z]))?"
    rf"(?:[A-Z][\w’'.-]*|(?:{'|'.join(sorted(NP_LOWER))})\b)(?:\s+(?:[A-Z][\w’'.-]*|"
    rf"(?:{'|'.join(sorted(NP_LOWER))})\b|al-[A-Z][\w’'-]*|[a-z]+(?=\s+[A-Z]))){{0,7}})"
)  # a role noun between names stays ("Notre Dame star Jackie Young")
_SPEAKER_AFTER_RE = re.compile(rf"\s*(?:,\s*)?{_SPEAKER_NP}\s+(?:{REPORTING})\b")
# '"...," Elena Suponina, a Moscow-based analyst, said' / '"...," the official, who asked not
# to be named, said'
_SPEAKER_APPOSITION_RE = re.compile(
    rf"\s*(?:,\s*)?{_SPEAKER_NP}(?:,\s+[^,\"“”\n]{{1,90}}){{1,3}},\s*(?:{REPORTING})\b"
)
# '"...," the man's lawyer, David Shellnutt, said'
_ROLE_THEN_NAME_RE = re.compile(
    rf"\s*,?\s*(?:[Tt]he|[Aa]n?|[Hh]is|[Hh]er|[Tt]heir)\s+[^,\"“”\n]{{1,60}},\s+"
    rf"(?P<np>[A-Z][\w’'.-]*(?:\s+(?:[A-Z][\w’'.-]*|de|van|von|al-[A-Z][\w’'-]*)){{0,4}}),\s*"
    rf"(?:{REPORTING})\b"
)
_VERB_THEN_SPEAKER_RE = re.compile(rf"\s*(?:,\s*)?(?:{REPORTING})\s+(?=[A-Z]|the\s+[A-Z])")


def extract_quotes(text: str) -> list[Quote]:
    """Every direct quotation with its speaker (see the module docstring).

    >>> q = extract_quotes('Turkish President Recep Tayyip Erdogan spoke first. '
    ...                    '"This is a new era," he said.')[0]
    >>> q.speaker, q.pronoun_span
    ('Turkish President Recep Tayyip Erdogan', (73, 75))
    """
    sentences = split_sentences(text)
    matches = list(_QUOTE_RE.finditer(text))
    spans = [(m.start(), m.end()) for m in matches]
    mentions, people = find_persons(text, spans)
    quotes: list[Quote] = []
    speakers: list[tuple[int, int, str]] = []
    for m in matches:
        inner = "a" if m.group("a") is not None else "b"
        q0, q1 = m.start(inner), m.end(inner)
        si = sentence_at(sentences, m.start())
        sentence = sentences[si] if sentences else (0, len(text), text)
        # the end of the sentence and the start of the next quote bound the attribution
        limit = min([sentence[1], *(a for a, _ in spans if a > m.start())])
        if limit <= m.end():
            limit = min([len(text), *(a for a, _ in spans if a > m.start())])
        line_end = text.find("\n", m.end())
        if line_end >= 0:  # nor the end of the paragraph ("ADVERTISEMENT\n\nErdogan said")
            limit = min(limit, line_end)
        speaker = _attribution(text, m.start(), m.end(), limit, sentence, spans)
        pronoun: tuple[int, int] | None = None
        if speaker is not None and text[speaker[0] : speaker[1]] in PRONOUNS:
            pronoun = speaker
            speaker = resolve_pronoun(
                text[pronoun[0] : pronoun[1]], pronoun[0], sentences, mentions, people, speakers
            )
        elif speaker is not None and text[speaker[0] : speaker[1]] in ("they", "They"):
            pronoun, speaker = speaker, None
        if speaker is None and pronoun is None and quotes:
            prev = quotes[-1]
            same_paragraph = "\n" not in text[prev.end : m.start()]
            if same_paragraph and prev.speaker_span is not None:
                speaker = prev.speaker_span
        name = text[speaker[0] : speaker[1]] if speaker else None
        if speaker is not None and name is not None:
            speakers.append((speaker[0], speaker[1], name))
        quotes.append(
            Quote(q0, q1, text[q0:q1], name, speaker, sentence, pronoun),
        )
    return _fill_back(text, quotes)


def _fill_back(text: str, quotes: list[Quote]) -> list[Quote]:
    """A quote with no attribution, followed in its paragraph by an attributed quote with no
    other attribution between them, is that speaker's: the attribution comes at the end of a
    run of quotes ('"A." It went on. "B," Lord said.')."""
    out = list(quotes)
    for i in range(len(out) - 2, -1, -1):
        q, nxt = out[i], out[i + 1]
        if q.speaker is not None or q.pronoun_span is not None or nxt.speaker_span is None:
            continue
        gap = text[q.end + 1 : nxt.start - 1]
        if "\n" in gap or REPORTING_RE.search(gap):
            continue
        out[i] = dataclasses.replace(q, speaker=nxt.speaker, speaker_span=nxt.speaker_span)
    return out


def _attribution(
    text: str,
    q_start: int,
    q_end: int,
    limit: int,
    sentence: Sentence,
    quote_spans: list[tuple[int, int]],
) -> tuple[int, int] | None:
    # '"...," Erdogan said' / '"...," he said' / '"...," the Syrian army said'
    after = _SPEAKER_AFTER_RE.match(text[:limit], q_end)
    if after:
        return trim_np(text, after.start("np"), after.end("np"))
    appositive = _SPEAKER_APPOSITION_RE.match(text[:limit], q_end)
    if appositive:
        return trim_np(text, appositive.start("np"), appositive.end("np"))
    role = _ROLE_THEN_NAME_RE.match(text[:limit], q_end)
    if role:
        return role.start("np"), role.end("np")
    # '"...," said Putin'
    inverted = _VERB_THEN_SPEAKER_RE.match(text[:limit], q_end)
    if inverted:
        return np_forward(text, inverted.end(), limit)
    # 'Erdogan told reporters: "..."' / 'Putin said: "..."' / a reporting verb before it
    floor = max(sentence[0], *(b for _, b in quote_spans if b <= q_start), 0)
    lead = text[floor:q_start]
    verbs = list(REPORTING_RE.finditer(lead))
    if verbs:
        v = verbs[-1]
        np = np_backward(text, floor + v.start(), floor)
        if np is not None and text[np[0] : np[1]].strip():
            return np
    return None
