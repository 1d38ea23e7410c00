"""``ceasefire news``: read articles (HTML or text) as evidence."""

from __future__ import annotations

import json
from pathlib import Path

import click
import yaml

from ..news import extraction as _extraction
from . import (
    cli,
    console,
    day_value,
    db_option,
    each_file,
    expand_paths,
    handle_errors,
    opened_store,
    say,
)
from .alerts import after

_SUFFIXES = (".html", ".htm", ".txt", ".text", ".md")


@cli.group()
def news() -> None:
    """Read news articles: metadata, places, dates, events, agreement terms, claims."""


@news.command("extract")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--published", default=None, help="Publication date YYYY-MM-DD (if the file lacks it)."
)
@click.option("--source", "publisher", default=None, help="Publisher, e.g. Bloomberg.")
@click.option("--url", default=None)
@click.option("--format", "fmt", type=click.Choice(["json", "yaml", "md"]), default="md")
@db_option
@handle_errors
def news_extract(
    file: Path, published: str | None, publisher: str | None, url: str | None, fmt: str, db: str
) -> None:
    """Print everything read from one article (``--db`` is accepted and unused)."""
    x = _extraction.extract(
        file, published=day_value(published, "--published"), publisher=publisher, url=url
    )
    if fmt == "md":
        click.echo(_extraction.to_markdown(x), nl=False)
        return
    data = _extraction.to_dict(x)
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        click.echo(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


@news.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--published", default=None, help="Publication date for files that lack one.")
@click.option("--source", "publisher", default=None)
@db_option
@handle_errors
def news_ingest(
    paths: tuple[Path, ...], published: str | None, publisher: str | None, db: str
) -> None:
    """Store articles, their extractions and events; skip files already stored (content hash).

    A bad file gets a clear message and stores nothing; the batch goes on.
    """
    files = expand_paths(paths, _SUFFIXES)
    counts = {"stored": 0, "skipped": 0, "events": 0}

    def one(f: Path) -> None:
        x = _extraction.extract(
            f, published=day_value(published, "--published"), publisher=publisher
        )
        if store.has_article(x.article_id):
            counts["skipped"] += 1
            return
        row, frame, links, claims = _extraction.store_rows(x)
        if store.add_article(row, frame, links, claims):
            counts["stored"] += 1
            counts["events"] += len(frame)

    with opened_store(db) as store:
        failed = each_file(files, "news", one)
        after(store, "ingest")
    stored, skipped, events = counts["stored"], counts["skipped"], counts["events"]
    say(
        f"{len(files)} files: {stored} stored ({events} events), {skipped} already stored, "
        f"{failed} failed"
    )
    if stored:
        say(f"run `ceasefire evaluate --db {db}` to judge the new events")
    console.print()
