"""One article, everything read from it: metadata, entities, places, dates, events, agreement
terms, quotes and claims, each with character offsets into the cleaned text.

:func:`extract` is the public entry point; :func:`to_dict` and :func:`to_markdown` render the
result; :func:`store_rows` turns it into what the store keeps. Events from articles become events
of the event model (``source_dataset = "news"``) whose uid is a key of the *incident* (act, place,
day, first actor), so the same incident reported by several articles is one event with a link
per article, not several events.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .article import Article, ArticleError, ArticleSizeError, read_article
from .dates import DateMention, resolve_dates, timezone_for_place
from .events import NewsEvent, events_frame, extract_events
from .geoparse import Toponym, geoparse
from .nlp import nlp
from .quotes import Claim, Quote, extract_claims, extract_quotes
from .terms import DraftAgreement, draft_yaml, extract_terms

__all__ = [
    "Entity",
    "Extraction",
    "extract",
    "incident_uid",
    "store_rows",
    "to_dict",
    "to_markdown",
]

_ENTITY_KINDS = {
    "PERSON": "person",
    "ORG": "organisation",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
    "NORP": "group",
}


@dataclass(frozen=True)
class Entity:
    """A named entity: person, organisation, place or group (nationality, faction)."""

    start: int
    end: int
    text: str
    kind: str


@dataclass(frozen=True)
class Extraction:
    """Everything read from one article."""

    article: Article
    timezone: str
    entities: tuple[Entity, ...]
    toponyms: tuple[Toponym, ...]
    dates: tuple[DateMention, ...]
    events: tuple[NewsEvent, ...]
    terms: DraftAgreement
    quotes: tuple[Quote, ...]
    claims: tuple[Claim, ...]

    @property
    def article_id(self) -> str:
        """The sha256 of the article's bytes: the key that makes re-ingesting a no-op."""
        return self.article.content_hash


def extract(
    source: str | Path | Article,
    *,
    published: dt.date | None = None,
    publisher: str | None = None,
    url: str | None = None,
) -> Extraction:
    """Read an article file (HTML or text) or an :class:`Article` and extract everything.

    Raises :class:`ArticleError` (naming the file) when the article cannot be used, e.g. when it
    has no publication date and none is given, or its cleaned text is longer than the language
    model reads at once (spaCy's ``max_length``, 1,000,000 characters: an
    :class:`~ceasefire.news.article.ArticleSizeError`).
    """
    article = (
        source
        if isinstance(source, Article)
        else read_article(source, published=published, source=publisher, url=url)
    )
    day = published or article.published
    if day is None:
        raise ArticleError(
            "no publication date found: pass --published YYYY-MM-DD",
            file=article.source_file,
            field="published",
        )
    zone = _timezone(article)
    text = article.text
    model = nlp()
    if len(text) > model.max_length:  # spaCy would raise its own ValueError (E088)
        raise ArticleSizeError(
            f"cleaned text of {len(text):,} characters, more than the language model reads:",
            limit=model.max_length,
            file=article.source_file,
        )
    doc = model(text)  # one spaCy pass serves the entities and the geoparser
    quotes = tuple(extract_quotes(text))  # the claims read them too
    return Extraction(
        article=article,
        timezone=zone,
        entities=tuple(_entities(doc)),
        toponyms=tuple(geoparse(text, doc=doc)),
        dates=tuple(resolve_dates(text, day, timezone=zone)),
        events=tuple(extract_events(text, day, timezone=zone, source=article.publisher)),
        terms=extract_terms(text, day, timezone=zone),
        quotes=quotes,
        claims=tuple(extract_claims(text, quotes)),
    )


def _timezone(article: Article) -> str:
    if article.dateline is not None:
        zone = timezone_for_place(article.dateline.text)
        if zone:
            return zone
    return "Asia/Damascus"


def _entities(doc: Any) -> list[Entity]:
    return [
        Entity(e.start_char, e.end_char, e.text, _ENTITY_KINDS[e.label_])
        for e in doc.ents
        if e.label_ in _ENTITY_KINDS
    ]


# --- rendering ------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if hasattr(value, "model_dump"):  # pydantic models (an agreement TimeSpec)
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def to_dict(x: Extraction) -> dict[str, Any]:
    """A JSON-ready dict of the extraction (offsets are into ``article.text``)."""
    out: dict[str, Any] = {"article_id": x.article_id, "timezone": x.timezone}
    out["article"] = _plain(x.article)
    for name in ("entities", "toponyms", "dates", "events", "quotes", "claims"):
        out[name] = _plain(getattr(x, name))
    out["terms"] = _plain(x.terms)
    out["draft_agreement_yaml"] = draft_yaml(x.terms) if x.terms.provisions else None
    return out


def to_markdown(x: Extraction) -> str:
    """A readable report of the extraction for a monitor."""
    a = x.article
    lines = [f"# {a.headline.text if a.headline else '(no headline)'}", ""]
    lines.append(
        f"published {a.published} · publisher {a.publisher or '?'} · "
        f"authors {', '.join(a.authors) or '?'} · time zone {x.timezone}"
    )
    lines += ["", "## Events", ""]
    for e in x.events:
        deaths = "" if e.fatalities_best is None else f", {e.fatalities_best} killed"
        lines.append(
            f"- **{e.sub_event_type}** by {e.actor1 or '?'} against {e.actor2 or '?'} at "
            f"{e.place or '?'} ({e.time_start:%Y-%m-%d} UTC){deaths}: “{e.sentence[2]}”"
            if e.time_start
            else f"- **{e.sub_event_type}** at {e.place or '?'}{deaths}: “{e.sentence[2]}”"
        )
    lines += ["", "## Places", ""]
    for t in x.toponyms:
        where = (
            f"{t.lat:.4f}, {t.lon:.4f} ±{t.radius_km:g} km" if t.lat is not None else "unresolved"
        )
        lines.append(f"- {t.text} [{t.start}-{t.end}] -> {t.identifier or '?'} ({where})")
    lines += ["", "## Claims (statements by parties, not findings)", ""]
    lines += [f"- {c.kind}: {c.claimant or '?'}: “{c.text}”" for c in x.claims]
    lines += ["", "## Quotes", ""]
    lines += [f"- {q.speaker or '?'}: “{q.text}”" for q in x.quotes]
    if x.terms.provisions:
        lines += ["", "## Draft agreement terms (review every value)", "", "```yaml"]
        lines += [draft_yaml(x.terms), "```"]
    return "\n".join(lines) + "\n"


# --- what the store keeps -------------------------------------------------------------------


def incident_uid(event: NewsEvent) -> str:
    """A key of the incident an event reports: the act, the place (or a 1 km cell), the UTC day
    and the first actor. Two articles on the same incident give the same key.

    >>> e = NewsEvent(sentence=(0, 1, "x"), event_type="Battles", sub_event_type="Armed clash",
    ...     actor1="A", actor2=None, place="Ariha", latitude=35.81, longitude=36.61,
    ...     radius_km=2.0, place_id="ucdp:Ariha", time_start=dt.datetime(2020, 3, 7, tzinfo=dt.UTC),
    ...     time_end=None, fatalities_low=None, fatalities_best=None, fatalities_high=None,
    ...     victims_side=None, evidence=())
    >>> incident_uid(e) == incident_uid(dataclasses.replace(e, sentence=(5, 9, "other")))
    True
    """
    where = event.place_id or (f"{round(event.latitude or 0, 2)},{round(event.longitude or 0, 2)}")
    day = event.time_start.date().isoformat() if event.time_start else "?"
    key = "|".join([event.sub_event_type, where, day, event.actor1 or ""])
    return hashlib.blake2b(key.encode("utf-8"), digest_size=10).hexdigest()


def store_rows(
    x: Extraction,
) -> tuple[dict[str, Any], pd.DataFrame, list[dict[str, Any]], list[dict[str, Any]]]:
    """(article row, events frame, article-event links, claims) for :meth:`Store.add_article`."""
    a = x.article
    day = a.published
    frame = events_frame(
        list(x.events),
        article_id=x.article_id[:16],
        source=a.publisher or "news",
        url=a.url,
        published=day or dt.date.today(),
        timezone=x.timezone,
    )
    keys = [incident_uid(e) for e in x.events]
    if len(frame):
        frame["source_row_id"] = keys
        frame["event_uid"] = [f"news:{k}" for k in keys]
        # two acts of one article with the same incident key (two sentences, or two clauses,
        # telling the same act) are one event: keep the first, as the links do
        frame = frame.drop_duplicates("event_uid", keep="first").reset_index(drop=True)
    links = _links(x.events, keys, x.article_id)
    claims = [
        {
            "start": c.start,
            "end": c.end,
            "kind": c.kind,
            "claimant": c.claimant,
            "subject": c.subject,
            "predicate": c.predicate,
            "text": c.text,
        }
        for c in x.claims
    ]
    row = {
        "article_id": x.article_id,
        "file": a.source_file,
        "url": a.url,
        "headline": a.headline.text if a.headline else None,
        "published": day.isoformat() if day else None,
        "publisher": a.publisher,
        "authors": list(a.authors),
        "text": a.text,
        "extraction": to_dict(x),
    }
    return row, frame, links, claims


def _links(
    events: Sequence[NewsEvent], keys: Sequence[str], article_id: str
) -> list[dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for e, k in zip(events, keys, strict=True):
        out.setdefault(
            k,
            {
                "article_id": article_id,
                "event_uid": f"news:{k}",
                "sentence_start": e.sentence[0],
                "sentence_end": e.sentence[1],
                "sentence": e.sentence[2],
            },
        )
    return list(out.values())
