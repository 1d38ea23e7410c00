"""What both fetchers share: a page of JSON rows stored through the existing reader and
ingest path, the options of a fetch, and its report.

A page is written as a CSV file in a private temporary folder, in the provider's own column
names, and ingested with the source's reader (:func:`ceasefire.sources.reader_for`): the same
checks, crosswalk, rejects and idempotent upsert as ``ceasefire ingest`` (a row already
stored with the same content is unchanged; a changed one is a new version, the old kept).
The run, the events and the rejects record the page's URL (cut of credentials by
:func:`ceasefire.fetch.http.safe_url`) as their file, never the temporary path.

>>> rows = [{"id": 1, "date_start": "2020-01-02T00:00:00", "x": None}, {"id": 2, "y": True}]
>>> csv_text(rows, days=("date_start",))
'id,date_start,x,y\\r\\n1,2020-01-02,,\\r\\n2,,,1\\r\\n'
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from ceasefire.errors import FetchError, InputError
from ceasefire.fetch.http import Politeness
from ceasefire.store import IngestReport, SQLStore
from ceasefire.store.ingest import ingest_file

__all__ = [
    "MAX_PAGES",
    "FetchOptions",
    "FetchReport",
    "Progress",
    "csv_text",
    "query_day",
    "store_page",
    "too_many_pages",
]


def query_day(value: str | dt.date | None, name: str) -> str | None:
    """A query's day filter as ``YYYY-MM-DD`` (None stays None); bad input names the option.

    >>> query_day("2020-03-05", "start"), query_day(None, "end")
    ('2020-03-05', None)
    """
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise InputError("not a day YYYY-MM-DD", field=name, value=str(value)) from None


#: The most pages one run of one query reads: 10,000 pages is 10 million UCDP rows or 50
#: million ACLED rows, more than either dataset holds; a server that pages without end stops
#: here with an error.
MAX_PAGES: Final = 10_000

#: ``progress(rows_so_far, rows_expected_or_None)``.
Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class FetchOptions:
    """Where and how to fetch: ``base_url`` (another server: tests, a mirror), the pacing, an
    injectable ``sleep`` and ``clock`` (tests), ``page_size``, a ``progress`` callback, and
    ``force`` (fetch a query again although its last run completed), ``max_pages`` (the most
    pages of one run: :data:`MAX_PAGES`)."""

    base_url: str | None = None
    politeness: Politeness = field(default_factory=Politeness)
    sleep: Callable[[float], None] | None = None
    clock: Callable[[], float] | None = None
    page_size: int | None = None
    progress: Progress | None = None
    force: bool = False
    max_pages: int = MAX_PAGES


@dataclass
class FetchReport:
    """What one fetch did, per query: pages and rows fetched, the ingest's counts, events
    withdrawn and reinstated (served again after a deletion, newer), requests sent;
    ``skipped`` when a completed query was not asked again."""

    source: str
    query_key: str
    pages: int = 0
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    withdrawn: int = 0
    reinstated: int = 0
    requests: int = 0
    resumed: bool = False
    skipped: bool = False

    def add(self, r: IngestReport) -> None:
        self.inserted += r.inserted
        self.updated += r.updated
        self.unchanged += r.unchanged
        self.rejected += r.rejected

    def counts(self) -> dict[str, int]:
        """The counts as a dict (the audit row's, the CLI's)."""
        return {
            "pages": self.pages,
            "rows": self.rows,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "withdrawn": self.withdrawn,
            "reinstated": self.reinstated,
        }


def too_many_pages(url: str, limit: int) -> FetchError:
    """The error of a run that passed ``limit`` pages (a server paging without end)."""
    return FetchError(
        f"GET {url}: more than {limit:,} pages in one run (the limit MAX_PAGES): the server "
        "does not stop paging; what was fetched is kept"
    )


def _cell(value: Any, *, day: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    text = str(value)
    if day and len(text) >= 10 and text[4:5] == "-" and text[10:11] in ("T", " "):
        return text[:10]  # the API's 2010-05-13T00:00:00: the reader takes plain days
    return text


def csv_text(rows: Sequence[Mapping[str, Any]], *, days: Sequence[str] = ()) -> str:
    """JSON rows as CSV text: the union of their keys in order of first appearance, ``None``
    as an empty cell, booleans as 1/0, the ``days`` columns cut to ``YYYY-MM-DD``."""
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(columns)
    day_set = set(days)
    for row in rows:
        w.writerow([_cell(row.get(c), day=c in day_set) for c in columns])
    return out.getvalue()


def store_page(
    store: SQLStore,
    source: str,
    rows: Sequence[Mapping[str, Any]],
    *,
    name: str,
    provenance: str,
    days: Sequence[str] = (),
) -> IngestReport | None:
    """Ingest one page of rows with the ``source`` reader (through a CSV file ``name`` in a
    private temporary folder, removed after), recorded as read from ``provenance`` (the
    page's credential-free URL); None for an empty page."""
    if not rows:
        return None
    with tempfile.TemporaryDirectory(prefix="ceasefire-fetch-") as folder:
        path = Path(folder) / name
        path.write_text(csv_text(rows, days=days), encoding="utf-8")
        return ingest_file(store.engine, source, path, provenance=provenance)
