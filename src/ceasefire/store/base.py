"""The store's interface: the :class:`Store` protocol, :class:`IngestReport`, and the shapes of
what it reads from a source (structural, so any reader that has them will do)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pandas as pd

from ceasefire.findings import Filters

__all__ = [
    "BatchLike",
    "BatchSource",
    "IngestReport",
    "RejectLike",
    "Store",
]


class RejectLike(Protocol):
    """A row that could not be read (:class:`ceasefire.sources.Reject` is one)."""

    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def field(self) -> str: ...
    @property
    def value(self) -> str | None: ...
    @property
    def reason(self) -> str: ...


class BatchLike(Protocol):
    """A slice of a source file (:class:`ceasefire.sources.Batch` is one)."""

    @property
    def events(self) -> pd.DataFrame: ...
    @property
    def rejects(self) -> Sequence[RejectLike]: ...


class BatchSource(Protocol):
    """A reader of one kind of evidence file (every :class:`ceasefire.sources.Source` is one)."""

    @property
    def name(self) -> str: ...
    def batches(self, path: Path, *, batch_size: int = ...) -> Iterator[BatchLike]: ...


@dataclass
class IngestReport:
    """What one ingest (or one :meth:`Store.add_events` call) did.

    ``rows_read == inserted + updated + unchanged + rejected``: every row read is counted once;
    ``rejected`` counts rejected *rows* (a row may have several entries in the rejects table, one
    per bad field). On a rerun, rows rejected before are counted again here, but not stored twice.

    >>> r = IngestReport(None, "f.csv", rows_read=3, inserted=2, updated=0, unchanged=0, rejected=1)
    >>> r.rows_read == r.inserted + r.updated + r.unchanged + r.rejected
    True
    """

    ingest_id: int | None
    file: str
    rows_read: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int

    def __add__(self, other: IngestReport) -> IngestReport:
        return IngestReport(
            ingest_id=self.ingest_id if self.ingest_id is not None else other.ingest_id,
            file=self.file or other.file,
            rows_read=self.rows_read + other.rows_read,
            inserted=self.inserted + other.inserted,
            updated=self.updated + other.updated,
            unchanged=self.unchanged + other.unchanged,
            rejected=self.rejected + other.rejected,
        )


@runtime_checkable
class Store(Protocol):
    """Where events, rejects, agreements, zones and verdicts live.

    :class:`ceasefire.store.SQLStore` implements it over any SQLAlchemy database; see
    ``docs/store.md`` for the semantics every implementation must keep.
    """

    def ingest(
        self,
        source: str | BatchSource,
        path: str | Path,
        *,
        batch_size: int = 2000,
        progress: Callable[[int], None] | None = None,
    ) -> IngestReport:
        """Read ``path`` with ``source`` (a name for :func:`ceasefire.sources.reader_for`, or a
        reader) and upsert its events batch by batch, one transaction per batch."""
        ...

    def add_events(
        self,
        events: pd.DataFrame,
        *,
        rejects: Sequence[RejectLike] = (),
        ingest_id: int | None = None,
    ) -> IngestReport:
        """Upsert an events frame (and its rejects) in one transaction."""
        ...

    def events(
        self,
        *,
        source_dataset: str | None = None,
        since: str | None = None,
        until: str | None = None,
        uids: Sequence[str] | None = None,
        limit: int | None = None,
        precise: bool = False,
    ) -> pd.DataFrame:
        """Stored events as an events frame; ``since``/``until`` are inclusive event days.
        ``precise``: field reports' events at their precise estimate, not their published
        position (for evaluation only)."""
        ...

    def event_versions(self, event_uid: str) -> pd.DataFrame:
        """The superseded versions of one event, oldest first."""
        ...

    def count_events(self) -> int:
        """How many events are stored."""
        ...

    def evidence_span(self) -> tuple[str, str] | None:
        """The first and the last stored event day (``YYYY-MM-DD``), or None when empty."""
        ...

    def rejects(self, *, file: str | None = None, limit: int | None = None) -> pd.DataFrame:
        """Stored rejects, by file and line."""
        ...

    def ingests(self) -> pd.DataFrame:
        """Every ingest run, oldest first."""
        ...

    def put_agreement(
        self,
        agreement_id: str,
        yaml_text: str,
        source: str,
        *,
        also: Callable[[Any], None] | None = None,
    ) -> None:
        """Store (or replace) an agreement's YAML."""
        ...

    def agreements(self) -> dict[str, str]:
        """Agreement id -> YAML text."""
        ...

    def put_zone(
        self, feature: dict[str, Any], *, also: Callable[[Any], None] | None = None
    ) -> None:
        """Store (or replace) a zone given as a GeoJSON Feature with ``properties.id``."""
        ...

    def zones(self) -> list[dict[str, Any]]:
        """The stored zone Features, by id."""
        ...

    def catalog_version(self) -> tuple[Any, ...]:
        """A cheap value that changes whenever any process stores, replaces or deletes an
        agreement or a zone (what a cache of them checks before it is used)."""
        ...

    def put_evaluation(
        self,
        agreement_id: str,
        verdicts: pd.DataFrame,
        obligations: pd.DataFrame,
        *,
        n_events: int,
        settings: dict[str, Any],
        judged: Mapping[str, int] | None = None,
        judge: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    ) -> int:
        """Replace an agreement's verdicts and obligations in one transaction; the new id.
        With ``judged`` (event uid -> version read), only the verdicts of events still at that
        version; events changed since that lack current verdicts are judged by ``judge``
        (events frame -> verdicts) inside the transaction."""
        ...

    def verdicts(
        self,
        *,
        agreement_id: str | None = None,
        provision_id: str | None = None,
        verdict: str | None = None,
        since: str | None = None,
        party: str | None = None,
        limit: int | None = None,
    ) -> pd.DataFrame:
        """Stored verdicts joined with the event columns needed to show them."""
        ...

    def obligations(self, agreement_id: str | None = None) -> pd.DataFrame:
        """Stored obligations."""
        ...

    def verdict_frame(self, filters: Filters | None = None) -> pd.DataFrame:
        """Each provision's verdict rows matching ``filters`` (every filter on rows), with their
        events' and reviews' columns."""
        ...

    def finding_rows(self, filters: Filters | None = None) -> pd.DataFrame:
        """The verdict rows that count (reviews applied) matching ``filters``, with their
        events' and reviews' columns: what :mod:`ceasefire.findings` counts."""
        ...

    def count_unevaluated(self) -> int:
        """Stored events lacking a current verdict (none, or not one per stored agreement and
        provision for the event's current version) once something was evaluated (0 before)."""
        ...

    def has_article(self, article_id: str) -> bool:
        """Whether a news article with this content hash is stored."""
        ...

    def add_article(
        self,
        article: Mapping[str, Any],
        events: pd.DataFrame,
        links: Sequence[Mapping[str, Any]] = ...,
        claims: Sequence[Mapping[str, Any]] = ...,
    ) -> bool:
        """Store an article, its events, links and claims in one transaction (False: known)."""
        ...

    def articles(self) -> pd.DataFrame:
        """Stored articles with the number of events each reported."""
        ...

    def claims(self, article_id: str | None = None) -> pd.DataFrame:
        """Stored claims, apart from findings."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...

    # patrols (schema version 4)

    def put_patrols(
        self, patrols: Sequence[Any], *, file: str, file_sha256: str, replace: bool = False
    ) -> tuple[int, int]:
        """Store the patrols read from one file in one transaction: (inserted, skipped); a file
        already imported (same sha256) is skipped whole, or with ``replace`` stored anew."""
        ...

    def patrols(
        self,
        *,
        route: str | None = None,
        since: str | None = None,
        until: str | None = None,
        tracks: bool = True,
    ) -> list[Any]:
        """Stored patrols (:class:`ceasefire.patrols.Patrol`), by date."""
        ...

    def patrol_rows(
        self, *, route: str | None = None, since: str | None = None, until: str | None = None
    ) -> pd.DataFrame:
        """Stored patrols as a frame, without their tracks."""
        ...

    def put_patrol_incidents(self, incidents: pd.DataFrame) -> int:
        """Replace the stored patrol incidents."""
        ...

    def patrol_incidents(self) -> pd.DataFrame:
        """Stored patrol incidents."""
        ...

    # situation reports (schema version 14)

    def save_situation_report(
        self,
        *,
        agreement_id: str,
        period_kind: str,
        period_start: str,
        period_end: str,
        body: str,
        created_by: str,
        actor: Any = None,
        language: str = "en",
        data_state: str | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """Save a situation report's HTML as a published record, audited: (row, True), or
        (the stored row, False) when the same body of that agreement, period and language is
        stored already (:func:`ceasefire.store.situation_reports.save`)."""
        ...

    def situation_report_row(self, report_id: int) -> dict[str, Any]:
        """One saved situation report with its body (``UnknownIdError`` when there is none)."""
        ...

    def situation_reports(
        self,
        *,
        agreement_id: str | None = None,
        which: str = "all",
        limit: int = 100,
        offset: int = 0,
    ) -> dict[str, Any]:
        """A page of saved situation reports, without their bodies (``which``: ``all``,
        ``latest`` of each period, ``earlier`` versions)."""
        ...

    def data_state(self) -> str:
        """The store's data state as text (the counters a report's figures move with)."""
        ...

    # humanitarian evidence (schema version 13)

    def put_aid_deliveries(
        self, records: Sequence[Any], *, file: str, actor: Any = None
    ) -> tuple[int, int]:
        """Store aid deliveries (:class:`ceasefire.humanitarian.AidDelivery`, ids set) read from
        ``file`` in one audited transaction: (inserted, skipped as stored already)."""
        ...

    def put_population_movements(
        self, records: Sequence[Any], *, file: str, actor: Any = None
    ) -> tuple[int, int]:
        """Store movement figures (:class:`ceasefire.humanitarian.PopulationMovement`, ids set)
        read from ``file`` in one audited transaction: (inserted, skipped as stored already)."""
        ...

    def aid_deliveries(self, *, since: str | None = None, until: str | None = None) -> pd.DataFrame:
        """Stored aid deliveries as a frame (:data:`ceasefire.humanitarian.AID_COLUMNS`)."""
        ...

    def population_movements(
        self, *, since: str | None = None, until: str | None = None
    ) -> pd.DataFrame:
        """Stored movement figures as a frame (:data:`ceasefire.humanitarian.MOVEMENT_COLUMNS`)."""
        ...
