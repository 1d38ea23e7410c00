"""``ceasefire news``: read articles (HTML or text) as evidence."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import click
import yaml
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..errors import CeasefireError
from ..news import extraction as _extraction
from . import _store, cli, console, db_option, err, handle_errors, say

_SUFFIXES = (".html", ".htm", ".txt", ".text", ".md")


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"not a date YYYY-MM-DD: {value!r}") from None


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
    x = _extraction.extract(file, published=_date(published), publisher=publisher, url=url)
    if fmt == "md":
        click.echo(_extraction.to_markdown(x), nl=False)
        return
    data = _extraction.to_dict(x)
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        click.echo(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def _files(paths: tuple[Path, ...]) -> Iterator[Path]:
    for p in paths:
        if p.is_dir():
            yield from sorted(
                f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in _SUFFIXES
            )
        else:
            yield p


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
    files = list(_files(paths))
    stored = skipped = failed = events = 0
    with (
        _store(db) as store,
        Progress(
            TextColumn("[bold]news[/] {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
        ) as bar,
    ):
        task = bar.add_task("articles", total=len(files))
        for f in files:
            bar.update(task, description=f.name)
            try:
                x = _extraction.extract(f, published=_date(published), publisher=publisher)
                if store.has_article(x.article_id):
                    skipped += 1
                else:
                    row, frame, links, claims = _extraction.store_rows(x)
                    if store.add_article(row, frame, links, claims):
                        stored += 1
                        events += len(frame)
            except CeasefireError as e:
                failed += 1
                err.print(f"[red]skipped[/] {e}", highlight=False)
            bar.advance(task)
    say(
        f"{len(files)} files: {stored} stored ({events} events), {skipped} already stored, "
        f"{failed} failed"
    )
    if stored:
        say(f"run `ceasefire evaluate --db {db}` to judge the new events")
    console.print()
