"""News articles in the store (schema version 2): one transaction per article, so nothing from a
bad article is half-stored, and an incident reported by several articles is one event with one
link per article (not double-counted)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, insert, select

from ceasefire.events import normalise_events
from ceasefire.store import schema
from ceasefire.store.engine import write_transaction
from ceasefire.store.ingest import event_records, upsert_records
from ceasefire.store.rows import chunks

__all__ = ["add_article", "article_claims", "event_articles", "has_article", "list_articles"]


def has_article(engine: Engine, article_id: str) -> bool:
    """Whether an article with this content hash is stored."""
    with engine.connect() as conn:
        found = conn.execute(
            select(schema.articles.c.article_id).where(schema.articles.c.article_id == article_id)
        ).first()
    return found is not None


def add_article(
    engine: Engine,
    article: Mapping[str, Any],
    events: pd.DataFrame,
    links: Sequence[Mapping[str, Any]],
    claims: Sequence[Mapping[str, Any]],
) -> bool:
    """Store an article, its new events, its links to events and its claims, all or nothing.

    Returns False (storing nothing) when the article is already stored. Events whose uid is
    already stored (the same incident from an earlier article) are not rewritten: the new
    article only links to them.
    """
    row = {**article, "ingested_at": schema.now_utc()}
    for key in ("authors", "extraction"):
        if not isinstance(row.get(key), str | type(None)):
            row[key] = json.dumps(row[key], ensure_ascii=False, default=str)
    with write_transaction(engine) as conn:
        exists = conn.execute(
            select(schema.articles.c.article_id).where(
                schema.articles.c.article_id == row["article_id"]
            )
        ).first()
        if exists is not None:
            return False
        conn.execute(insert(schema.articles).values(**row))
        if len(events):
            frame = normalise_events(events)
            uids = [str(u) for u in frame["event_uid"]]
            known: set[str] = set()
            for part in chunks(uids, 500):
                known |= {
                    str(r[0])
                    for r in conn.execute(
                        select(schema.events.c.event_uid).where(schema.events.c.event_uid.in_(part))
                    )
                }
            fresh = frame[~frame["event_uid"].isin(known)]
            if len(fresh):
                upsert_records(conn, event_records(fresh))
        if links:
            conn.execute(insert(schema.article_events), [dict(x) for x in links])
        if claims:
            conn.execute(
                insert(schema.claims), [{**c, "article_id": row["article_id"]} for c in claims]
            )
    return True


def list_articles(engine: Engine) -> pd.DataFrame:
    """Stored articles (without their text), newest first, with how many events each links."""
    a, ae = schema.articles, schema.article_events
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                a.c.article_id,
                a.c.file,
                a.c.headline,
                a.c.published,
                a.c.publisher,
                a.c.ingested_at,
            ).order_by(a.c.ingested_at.desc())
        ).all()
        counts = {
            str(r[0]): int(r[1])
            for r in conn.execute(
                select(ae.c.article_id, func.count()).group_by(ae.c.article_id)
            ).all()
        }
    frame = pd.DataFrame(
        rows, columns=["article_id", "file", "headline", "published", "publisher", "ingested_at"]
    )
    frame["events"] = [int(counts.get(i, 0)) for i in frame["article_id"]]
    return frame


def article_claims(engine: Engine, article_id: str | None = None) -> pd.DataFrame:
    """Stored claims (statements by parties, apart from findings)."""
    c = schema.claims
    query = select(c)
    if article_id is not None:
        query = query.where(c.c.article_id == article_id)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(c.c.article_id, c.c.start)).all()
    return pd.DataFrame(rows, columns=[col.name for col in c.columns])


def event_articles(engine: Engine, event_uid: str) -> list[dict[str, Any]]:
    """The articles that reported an event, with the sentence each reported it in."""
    a, ae = schema.articles, schema.article_events
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                a.c.article_id,
                a.c.file,
                a.c.url,
                a.c.headline,
                a.c.publisher,
                a.c.published,
                ae.c.sentence,
                ae.c.sentence_start,
                ae.c.sentence_end,
            )
            .join(ae, ae.c.article_id == a.c.article_id)
            .where(ae.c.event_uid == event_uid)
            .order_by(a.c.published, a.c.article_id)
        ).mappings()
        return [dict(r) for r in rows]
