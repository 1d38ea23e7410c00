"""Claims by the parties: what a party says another did or will do ("Russia accused Turkey of
...", "... denied ..."). Claims are never findings (see :mod:`ceasefire.news.quotes`, which
re-exports :class:`Claim` and :func:`extract_claims`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .sentences import split_sentences
from .speakers import PRONOUNS, REPORTING, find_persons, np_backward, resolve_pronoun

if TYPE_CHECKING:
    from .quotes import Quote


@dataclass(frozen=True)
class Claim:
    """What a party says another did or will do: never a finding (see the module docstring).

    ``kind``: ``accusation`` (a party says another did something), ``intent`` (a party says
    what it or another will do, or reserves the right to do), ``denial``, ``statement`` (any
    other report by a party about what another did). ``text == article[start:end]``.
    """

    claimant: str | None
    subject: str | None
    predicate: str
    text: str
    start: int
    end: int
    kind: str
    claimant_span: tuple[int, int] | None = None
    subject_span: tuple[int, int] | None = None


# --------------------------------------------------------------------------- claims

_PARTY_HEAD = (
    r"army|military|forces|troops|soldiers|jets|warplanes|aircraft|air\s+force|planes|drones"
    r"|artillery|militias?|fighters|government|regime|defen[cs]e\s+ministry|foreign\s+ministry"
    r"|ministry\s+of\s+defen[cs]e|ministry|navy|military\s+police|units?|gunmen|proxies"
)
_PARTY_MOD = (
    r"Russian|Turkish|Syrian|Iranian|Israeli|American|U\.S\.|Russia['’]s|Turkey['’]s"
    r"|Syria['’]s|Iran['’]s|Assad['’]s|pro-?government|government|regime|opposition|rebel"
    r"|Turkish-backed|Russian-backed|Iranian-backed|Kremlin|Syrian\s+government|state"
)
_ACTOR = (
    rf"(?:(?:[Tt]he|[Ii]ts|[Tt]heir|[Oo]ur)\s+)?(?:(?:{_PARTY_MOD})\s+){{1,3}}(?:{_PARTY_HEAD})"
    rf"|(?:[Ii]ts|[Tt]heir|[Oo]ur)\s+(?:{_PARTY_HEAD})"
    r"|(?:[Tt]he\s+)?(?:rebels|militants|jihadists|insurgents|terrorists|opposition\s+fighters"
    r"|opposition|regime|Syrian\s+army|Kremlin)"
    r"|Russia|Turkey|Türkiye|Syria|Iran|Israel|(?:the\s+)?United\s+States|Ankara|Moscow"
    r"|Damascus|Tehran|Washington|HTS|Hayat\s+Tahrir\s+al-Sham|Islamic\s+State"
    r"|(?<=\")[Ww]e|(?<=“)[Ww]e|\bwe"
)
_ACTOR_RE = re.compile(rf"\b(?:{_ACTOR})\b")
_HOSTILE = (
    r"shell(?:ed|ing|s)?|attack(?:ed|ing|s)?|bomb(?:ed|ing|s)?|struck|strik(?:e|es|ing)"
    r"|target(?:ed|ing|s)?|violat(?:ed|ing|es?)|breach(?:ed|ing|es)?|kill(?:ed|ing|s)?"
    r"|fir(?:ed|ing)\s+(?:on|at)|launch(?:ed|ing)|broke|break(?:ing|s)?|hit(?:ting|s)?"
    r"|pound(?:ed|ing)|massacr(?:ed|ing)|shot\s+down|shoot(?:ing)?\s+down|advanc(?:ed|ing)"
    r"|shield(?:ed|ing)|support(?:ed|ing)|arm(?:ed|ing)|harbou?r(?:ed|ing)|us(?:ed|ing)"
)
_AUX = r"(?:(?:had|has|have|were|was|is|are|been|of|had\s+been|were\s+being)\s+)?"
_INTENT = (
    r"(?:will|would|shall|'ll)\s+(?:not\s+|never\s+)?(?:retain|keep|reserve|preserve|maintain|respond"
    r"|retaliate|hesitate|continue|strike|hit|defend|act|use|answer|take|push|launch|resume"
    r"|stay|remain|withdraw|pull)\b"
    r"|reserves?\s+the\s+right\s+to|(?:vowed|vows|threatened|threatens|pledged|pledges|promised"
    r"|promises|intends|plans|is\s+ready|are\s+ready)\s+to"
)
_HOSTILE_AFTER_RE = re.compile(rf"\s+{_AUX}(?:{_HOSTILE})\b")
_INTENT_RE = re.compile(rf"\b(?:{_INTENT})")
_DENIAL_RE = re.compile(
    r"\b(?:denied|denies|deny|denying|rejected|rejects|dismissed|dismisses)\b"
    r"(?:\s+(?:the\s+)?(?:accusations?|claims?|reports?|allegations?|charges?))?"
    r"(?:\s+(?:that|of|about))?"
)
_ACCUSE_RE = re.compile(
    r"\b(?:accused|accuses|accusing|blamed|blames|blaming)\s+"
    rf"(?P<s>{_ACTOR}|[A-Z][\w’'-]+)\s+(?P<prep>of|for)\s+"
)
_SAY_RE = re.compile(
    r"\b(?:said|says|claimed|claims|stated|alleged|charged|reported|announced|insisted|warned"
    r"|told\s+(?:reporters|journalists|parliament|lawmakers|a\s+news\s+conference))"
    r"(?:\s+on\s+[A-Z]\w+)?\s*,?\s+(?:that\s+)?"
)
_CLAUSE_END_RE = re.compile(
    r"[.;!?\n\"”]|\s+—|,\s+(?:[Hh]e|[Ss]he|[Ii]t|[Tt]hey|[A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*){0,4})"
    rf"\s+(?:{REPORTING})\b"
)


def _clause_end(text: str, pos: int, limit: int) -> int:
    m = _CLAUSE_END_RE.search(text, pos, limit)
    end = m.start() if m else limit
    while end > pos and text[end - 1] in " ,;:":
        end -= 1
    return end


def _claimant_before(
    text: str, verb_start: int, floor: int, quotes: Sequence[Quote]
) -> tuple[str | None, tuple[int, int] | None]:
    np = np_backward(text, verb_start, floor)
    if np is not None:
        name = text[np[0] : np[1]]
        if name in PRONOUNS:
            for q in quotes:  # reuse the quotes' pronoun resolution when it is the same one
                if q.pronoun_span == np and q.speaker_span is not None:
                    return q.speaker, q.speaker_span
        return name, np
    return None, None


_TRAILING_SAY_RE = re.compile(
    rf",\s+(?P<np>[Hh]e|[Ss]he|(?:[A-Z][\w’'.-]*\s+){{0,4}}[A-Z][\w’'.-]*)\s+(?:{REPORTING})\b"
)


def extract_claims(text: str, quotes: Sequence[Quote] | None = None) -> list[Claim]:
    """Claims by parties about what another did or will do, in text order.

    Inside a quotation the claimant is the quote's speaker ("we" stays the subject as
    written). Claims are kept apart from findings: see the module docstring. ``quotes``: the
    text's quotations when the caller has them already (:func:`.quotes.extract_quotes`), so
    they are not found twice; else they are found here.

    >>> [(c.kind, c.claimant, c.subject, c.predicate) for c in extract_claims(
    ...     "Turkey will retain the right to respond to all attacks.")]
    [('intent', 'Turkey', 'Turkey', 'will retain the right to respond to all attacks')]
    """
    if quotes is None:
        from .quotes import extract_quotes  # quotes re-exports this module

        quotes = extract_quotes(text)
    sentences = split_sentences(text)
    mentions, people = find_persons(text, [(q.start - 1, q.end + 1) for q in quotes])
    speakers = [(*q.speaker_span, q.speaker) for q in quotes if q.speaker and q.speaker_span]

    def resolve(a: int, b: int) -> tuple[str | None, tuple[int, int] | None]:
        """A claimant named at [a, b), a pronoun resolved to its person."""
        if text[a:b] not in PRONOUNS:
            return text[a:b], (a, b)
        span = resolve_pronoun(text[a:b], a, sentences, mentions, people, speakers)
        return (text[span[0] : span[1]], span) if span else (None, None)

    out: list[Claim] = []
    taken: list[tuple[int, int]] = []

    def add(claim: Claim) -> None:
        if any(claim.start < b and a < claim.end for a, b in taken):
            return
        taken.append((claim.start, claim.end))
        out.append(claim)

    for s0, s1, _ in sentences:
        in_quote = [q for q in quotes if s0 <= q.start < s1 or q.start <= s0 < q.end]

        def speaker_at(
            pos: int, in_quote: list[Quote] = in_quote
        ) -> tuple[str | None, tuple[int, int] | None] | None:
            for q in in_quote:
                if q.start <= pos < q.end:
                    return q.speaker, q.speaker_span
            return None

        # denials: "Russia denied (that) its jets had struck ..."
        for m in _DENIAL_RE.finditer(text, s0, s1):
            claimant, cspan = _claimant_before(text, m.start(), s0, quotes)
            end = _clause_end(text, m.end(), s1)
            rest = text[m.end() : end].strip()
            subj = _ACTOR_RE.search(text, m.end(), end)
            start = cspan[0] if cspan else m.start()
            add(
                Claim(
                    claimant,
                    subj.group(0) if subj else claimant,
                    f"{m.group(0)} {rest}".strip() if rest else m.group(0),
                    text[start:end],
                    start,
                    end,
                    "denial",
                    cspan,
                    (subj.start(), subj.end()) if subj else cspan,
                )
            )
        # accusations: "Russia accused Turkey of ...", "X blamed Y for ..."
        for m in _ACCUSE_RE.finditer(text, s0, s1):
            claimant, cspan = _claimant_before(text, m.start(), s0, quotes)
            end = _clause_end(text, m.end(), s1)
            start = cspan[0] if cspan else m.start()
            act = text[m.end() : end].strip()
            add(
                Claim(
                    claimant,
                    m.group("s"),
                    act,
                    text[start:end],
                    start,
                    end,
                    "accusation",
                    cspan,
                    (m.start("s"), m.end("s")),
                )
            )
        # reported speech: "the Syrian army said rebels shelled ...", "X said Y would ..."
        for m in _SAY_RE.finditer(text, s0, s1):
            subj = _ACTOR_RE.match(text, m.end())
            if not subj:
                continue
            end = _clause_end(text, subj.end(), s1)
            predicate = text[subj.end() : end].strip()
            claimant, cspan = _claimant_before(text, m.start(), s0, quotes)
            if claimant is None:
                continue
            kind = _kind(predicate)
            add(
                Claim(
                    claimant,
                    subj.group(0),
                    predicate,
                    text[cspan[0] if cspan else m.start() : end],
                    cspan[0] if cspan else m.start(),
                    end,
                    kind,
                    cspan,
                    (subj.start(), subj.end()),
                )
            )
        # intent stated directly: "Turkey will retain the right to respond to all attacks"
        for m in _INTENT_RE.finditer(text, s0, s1):
            subj = None
            for a in _ACTOR_RE.finditer(text, max(s0, m.start() - 60), m.start()):
                if not text[a.end() : m.start()].strip():
                    subj = a
            if subj is None:
                continue
            end = _clause_end(text, m.end(), s1)
            quoted = speaker_at(subj.start())
            claimant, cspan = quoted if quoted else (subj.group(0), (subj.start(), subj.end()))
            trailing = _TRAILING_SAY_RE.match(text, end, s1)
            if not quoted and trailing:
                claimant, cspan = resolve(trailing.start("np"), trailing.end("np"))
            add(
                Claim(
                    claimant,
                    subj.group(0),
                    text[m.start() : end].strip(),
                    text[subj.start() : end],
                    subj.start(),
                    end,
                    "intent",
                    cspan,
                    (subj.start(), subj.end()),
                )
            )
        # hostile acts inside a party's quotation: '"The regime attacked our posts," he said'
        for q in in_quote:
            if q.speaker is None:
                continue
            for subj in _ACTOR_RE.finditer(text, q.start, q.end):
                verb = _HOSTILE_AFTER_RE.match(text, subj.end(), q.end)
                if not verb:
                    continue
                end = _clause_end(text, subj.end(), q.end)
                add(
                    Claim(
                        q.speaker,
                        subj.group(0),
                        text[subj.end() : end].strip(),
                        text[subj.start() : end],
                        subj.start(),
                        end,
                        "accusation",
                        q.speaker_span,
                        (subj.start(), subj.end()),
                    )
                )
    return sorted(out, key=lambda c: c.start)


def _kind(predicate: str) -> str:
    if _DENIAL_RE.match(predicate.strip()):
        return "denial"
    if re.match(rf"\s*(?:{_INTENT})", predicate):
        return "intent"
    if re.match(rf"\s*{_AUX}(?:{_HOSTILE})\b", predicate):
        return "accusation"
    return "statement"
