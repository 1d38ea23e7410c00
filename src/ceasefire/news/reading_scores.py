"""Scores of the news reader on annotated sentences: events per clause, fatalities, agent and
victim, speakers of quotes (issue 13, "news read right").

The annotated set lives in ``tests/data/news_reading/`` (``events.yaml``, ``quotes.yaml``; its
README says where each sentence comes from and how it was annotated). Each item has an ``id``, a
``source`` (``corpus``, ...), a ``part`` (``tune`` or ``heldout``) and a ``text``; an event item
lists its ``events`` (``anchor``, ``act``, ``agent``, ``victim``, ``fatalities``), a quote item
its ``quotes`` (``quote``, the opening words inside the marks, and ``speaker``). Every anchor,
agent, victim, quote and speaker is a substring of the text; an anchor, agent or victim that
occurs more than once is taken at its first occurrence at or after the previous event's anchor.

Definitions (each text is read on its own by :func:`ceasefire.news.events.extract_events` and
:func:`ceasefire.news.quotes.extract_quotes`, as the pipeline reads a one-sentence article):

* **events**: a predicted event *matches* a gold event when its trigger overlaps the gold anchor
  (strong), or its clause holds the anchor (weak); pairs are matched one to one, strong pairs
  first, then the nearest. Precision = matched / predicted, recall = matched / gold, F1.
* **fatalities**: ``fatalities_best`` equal to the gold count, over the matched events whose
  gold count is stated (``fatalities_matched``), and over every gold event
  (``fatalities_gold``: an unmatched event is wrong, a null count right when predicted null).
* **agent**, **victim**: over matched events, the predicted span overlaps the gold span, or
  both are null. The predicted agent is the span of ``actor1`` (the evidence ``actor1:*``); the
  predicted victim the span of the dead (``victim``), else the victims' actor (``victims``), else
  who the act hit (``target``: actor2 when it is the patient or the other side of a clash, else
  people or forces named after the act's verb).
* **speaker**: over gold quotes, the predicted quote overlapping the gold quote (none: the
  speaker is null) has the right speaker: both null, or one name holds the other
  (case-insensitive; "Turkish President Recep Tayyip Erdogan" holds "Erdogan"), or both end in
  the same capitalised word (a surname). ``extra_quotes`` counts predicted quotes in passages
  whose gold lists none at their place (scare quotes, titles).

>>> overlaps((0, 5), (4, 9)), overlaps((0, 5), (5, 9))
(True, False)
>>> same_speaker("Turkish President Recep Tayyip Erdogan", "Recep Tayyip Erdogan")
True
>>> same_speaker("Russia's defense ministry", "Turkish defense ministry"), same_speaker(None, None)
(False, True)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import InputError
from .events import NewsEvent, extract_events
from .quotes import Quote, extract_quotes

__all__ = [
    "EVENT_MEASURES",
    "QUOTE_MEASURES",
    "Tally",
    "load_items",
    "overlaps",
    "read_events",
    "read_quotes",
    "same_speaker",
    "score",
    "tallies",
]

Span = tuple[int, int]

#: The event measures, in the order they are printed.
EVENT_MEASURES = (
    "event_precision",
    "event_recall",
    "event_f1",
    "fatalities_matched",
    "fatalities_gold",
    "agent",
    "victim",
)
#: The quote measures, in the order they are printed.
QUOTE_MEASURES = ("speaker",)
_PUBLISHED = dt.date(2020, 1, 1)  # a fixed day: dates are not scored here


def load_items(path: Path) -> list[dict[str, Any]]:
    """The items of one annotation file, each checked to have ``id``, ``part`` and ``text``."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise InputError("expected a list of items", file=str(path))
    for i, item in enumerate(data):
        for key in ("id", "part", "text"):
            if not isinstance(item, dict) or key not in item:
                raise InputError(f"item {i} has no {key!r}", file=str(path), field=key)
        if item["part"] not in ("tune", "heldout"):
            raise InputError(
                "part must be tune or heldout", file=str(path), field="part", value=item["part"]
            )
    return data


def overlaps(a: Span | None, b: Span | None) -> bool:
    """Whether two character spans share at least one character."""
    return a is not None and b is not None and a[0] < b[1] and b[0] < a[1]


def _norm(name: str) -> str:
    words = name.replace("’", "'").casefold().split()
    while words and words[0] in ("the", "a", "an"):
        words = words[1:]
    return " ".join(w.strip(".,") for w in words)


def same_speaker(predicted: str | None, gold: str | None) -> bool:
    """Whether a predicted speaker names the gold one (see the module docstring)."""
    if predicted is None or gold is None:
        return predicted is None and gold is None
    p, g = _norm(predicted), _norm(gold)
    if not p or not g:
        return p == g
    if f" {p} " in f" {g} " or f" {g} " in f" {p} ":
        return True
    last_p, last_g = predicted.split()[-1], gold.split()[-1]
    return last_p[:1].isupper() and last_p.strip(".,") == last_g.strip(".,")


def _find(text: str, phrase: str | None, start: int = 0) -> Span | None:
    if phrase is None:
        return None
    i = text.find(phrase, start)
    if i < 0:
        i = text.find(phrase)
    return None if i < 0 else (i, i + len(phrase))


# --------------------------------------------------------------------------- events


@dataclass(frozen=True)
class _Predicted:
    trigger: Span
    clause: Span
    agent: Span | None
    victim: Span | None
    fatalities: int | None


def _predicted(e: NewsEvent) -> _Predicted:
    ev = {what: (a, b) for what, a, b in reversed(e.evidence)}  # the first of each kind
    trigger = next((a, b) for what, a, b in e.evidence if what.startswith("type:"))
    agent = ev.get("actor1:agent") or ev.get("agent")
    victim = ev.get("victim") or ev.get("victims") or ev.get("target")
    clause = getattr(e, "clause", None) or (e.sentence[0], e.sentence[1])
    return _Predicted(trigger, clause, agent, victim, e.fatalities_best)


def _match(gold: Sequence[Span], predicted: Sequence[_Predicted]) -> dict[int, int]:
    """Gold index -> predicted index, one to one: trigger overlaps first, then clauses."""
    pairs = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(predicted):
            strength = 2 if overlaps(p.trigger, g) else 1 if overlaps(p.clause, g) else 0
            if strength:
                pairs.append((-strength, abs(p.trigger[0] - g[0]), gi, pi))
    out: dict[int, int] = {}
    used: set[int] = set()
    for _, _, gi, pi in sorted(pairs):
        if gi not in out and pi not in used:
            out[gi] = pi
            used.add(pi)
    return out


@dataclass
class Tally:
    """Counts behind the measures of one group of items."""

    items: int = 0
    gold_events: int = 0
    predicted_events: int = 0
    matched_events: int = 0
    fatalities_stated: int = 0
    fatalities_matched_right: int = 0
    fatalities_gold_right: int = 0
    agent_right: int = 0
    victim_right: int = 0
    gold_quotes: int = 0
    speaker_right: int = 0
    extra_quotes: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        """Add another tally's counts (and misses) to this one."""
        for name in self.__dataclass_fields__:
            if name == "misses":
                self.misses.extend(other.misses)
            else:
                setattr(self, name, getattr(self, name) + getattr(other, name))

    def measures(self) -> dict[str, float | None]:
        """The measures (see the module docstring); None where nothing was counted."""

        def rate(a: int, b: int) -> float | None:
            return a / b if b else None

        p = rate(self.matched_events, self.predicted_events)
        r = rate(self.matched_events, self.gold_events)
        f1 = 2 * p * r / (p + r) if p is not None and r is not None and p + r > 0 else None
        if f1 is None and p is not None and r is not None:
            f1 = 0.0
        return {
            "event_precision": p,
            "event_recall": r,
            "event_f1": f1,
            "fatalities_matched": rate(self.fatalities_matched_right, self.fatalities_stated),
            "fatalities_gold": rate(self.fatalities_gold_right, self.gold_events),
            "agent": rate(self.agent_right, self.matched_events),
            "victim": rate(self.victim_right, self.matched_events),
            "speaker": rate(self.speaker_right, self.gold_quotes),
        }


def read_events(item: dict[str, Any]) -> Tally:
    """The tally of one event item (one text read on its own)."""
    text = str(item["text"])
    gold = list(item.get("events") or [])
    anchors: list[Span] = []
    pos = 0
    for g in gold:
        span = _find(text, str(g["anchor"]), pos)
        if span is None:
            raise InputError("anchor not in text", field="anchor", value=g["anchor"])
        anchors.append(span)
        pos = span[0]
    predicted = [_predicted(e) for e in extract_events(text, _PUBLISHED)]
    matched = _match(anchors, predicted)
    t = Tally(items=1, gold_events=len(gold), predicted_events=len(predicted))
    t.matched_events = len(matched)
    for gi, g in enumerate(gold):
        fat = g.get("fatalities")
        p = predicted[matched[gi]] if gi in matched else None
        t.fatalities_stated += p is not None and fat is not None
        t.fatalities_matched_right += p is not None and fat is not None and p.fatalities == fat
        t.fatalities_gold_right += p is not None and p.fatalities == fat
        if p is None:
            t.misses.append(f"{item['id']}: event {g['anchor']!r} not found")
            continue
        for role in ("agent", "victim"):
            want = _nearest(text, g.get(role), anchors[gi][0])
            got = getattr(p, role)
            right = overlaps(got, want) if want is not None else got is None
            if role == "agent":
                t.agent_right += right
            else:
                t.victim_right += right
            if not right:
                t.misses.append(
                    f"{item['id']}: {role} of {g['anchor']!r}: "
                    f"{text[got[0] : got[1]] if got else None!r}, gold {g.get(role)!r}"
                )
        if fat is not None and p.fatalities != fat:
            t.misses.append(
                f"{item['id']}: fatalities of {g['anchor']!r}: {p.fatalities}, gold {fat}"
            )
    for pi, p in enumerate(predicted):
        if pi not in matched.values():
            t.misses.append(f"{item['id']}: extra event at {text[p.trigger[0] : p.trigger[1]]!r}")
    return t


def _occurrences(text: str, phrase: str) -> Iterable[int]:
    i = text.find(phrase)
    while i >= 0:
        yield i
        i = text.find(phrase, i + 1)


def _nearest(text: str, phrase: str | None, anchor: int) -> Span | None:
    """The occurrence of ``phrase`` nearest ``anchor`` (None for a null phrase)."""
    if phrase is None:
        return None
    starts = list(_occurrences(text, phrase))
    if not starts:
        raise InputError("phrase not in text", value=phrase)
    s = min(starts, key=lambda s: abs(s - anchor))
    return s, s + len(phrase)


# --------------------------------------------------------------------------- quotes


def read_quotes(item: dict[str, Any]) -> Tally:
    """The tally of one quote item (one passage read on its own)."""
    text = str(item["text"])
    gold = list(item.get("quotes") or [])
    predicted: list[Quote] = extract_quotes(text)
    t = Tally(items=1, gold_quotes=len(gold))
    used: set[int] = set()
    pos = 0
    for g in gold:
        span = _find(text, str(g["quote"]), pos)
        if span is None:
            raise InputError("quote not in text", field="quote", value=g["quote"])
        pos = span[0]
        hit = next(
            (
                i
                for i, q in enumerate(predicted)
                if i not in used and overlaps((q.start, q.end), span)
            ),
            None,
        )
        speaker = None
        if hit is not None:
            used.add(hit)
            speaker = predicted[hit].speaker
        right = same_speaker(speaker, g.get("speaker"))
        t.speaker_right += right
        if not right:
            t.misses.append(
                f"{item['id']}: speaker of {str(g['quote'])[:30]!r}: {speaker!r}, "
                f"gold {g.get('speaker')!r}" + ("" if hit is not None else " (quote not found)")
            )
    t.extra_quotes = len(predicted) - len(used)
    return t


# --------------------------------------------------------------------------- groups


def _source(item: dict[str, Any]) -> str:
    src = item.get("source")
    if isinstance(src, dict) and src.get("corpus"):
        return str(src["corpus"])
    return str(item["id"]).split("-", 1)[0]


def tallies(
    items: Sequence[dict[str, Any]], kind: str, parts: Sequence[str] = ("tune", "heldout")
) -> dict[tuple[str, str], Tally]:
    """Tallies by ``(part, source)``, with ``"all"`` standing for every part or every source.

    ``kind`` is ``"events"`` or ``"quotes"``; only items of ``parts`` are read (never read a
    part you do not mean to score).
    """
    reader = read_events if kind == "events" else read_quotes
    out: dict[tuple[str, str], Tally] = {}
    for item in items:
        if item["part"] not in parts:
            continue
        t = reader(item)
        for part in (str(item["part"]), "all"):
            for source in (_source(item), "all"):
                out.setdefault((part, source), Tally()).add(t)
    return out


def score(data_dir: Path, parts: Sequence[str] = ("tune", "heldout")) -> dict[str, Any]:
    """Every measure of the set in ``data_dir`` for ``parts``: ``{"events": {(part, source):
    Tally}, "quotes": {...}}``."""
    return {
        "events": tallies(load_items(data_dir / "events.yaml"), "events", parts),
        "quotes": tallies(load_items(data_dir / "quotes.yaml"), "quotes", parts),
    }
