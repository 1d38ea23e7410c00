"""The store over any SQLAlchemy database: :class:`SQLStore` and :func:`open_store`.

:class:`SQLStore` is the one public class; each method hands its engine to the module that holds
that concept:

- :mod:`ceasefire.store.ingest`: idempotent batched ingest (upserts, versions, rejects, runs);
- :mod:`ceasefire.store.queries`: reading events, event versions, rejects and ingest runs;
- :mod:`ceasefire.store.agreements`: agreements' YAML and zones' GeoJSON;
- :mod:`ceasefire.store.evaluations`: each agreement's latest verdicts and obligations;
- :mod:`ceasefire.store.rows`: frames to stored values and back, shared by the above.

Only portable SQLAlchemy Core is used, so the same code runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

from ceasefire.errors import StoreError
from ceasefire.findings import Filters
from ceasefire.store import agreements as _agreements
from ceasefire.store import articles as _articles
from ceasefire.store import evaluations as _evaluations
from ceasefire.store import humanitarian as _humanitarian
from ceasefire.store import ingest as _ingest
from ceasefire.store import patrols as _patrols
from ceasefire.store import queries as _queries
from ceasefire.store import read as _read
from ceasefire.store import situation_reports as _situation_reports
from ceasefire.store.base import BatchSource, IngestReport, RejectLike
from ceasefire.store.engine import create_store_engine
from ceasefire.store.evaluations import (
    DISPLAY_COLUMNS,
    OBLIGATION_COLUMNS,
    VERDICT_COLUMNS,
    Judge,
)
from ceasefire.store.ingest import file_sha256
from ceasefire.store.migrations import migrate
from ceasefire.store.workspace import User

__all__ = [
    "DISPLAY_COLUMNS",
    "OBLIGATION_COLUMNS",
    "VERDICT_COLUMNS",
    "SQLStore",
    "file_sha256",
    "open_store",
]


class SQLStore:
    """The :class:`ceasefire.store.Store` over an SQLAlchemy engine (SQLite, PostgreSQL, ...).

    Opening it migrates the schema to the latest version. Not safe to share between threads;
    any number of processes may open the same database (on SQLite, one writes at a time).

    >>> import pandas as pd
    >>> store = open_store(":memory:")
    >>> frame = pd.DataFrame({"event_uid": ["x:1"], "event_date": ["2020-03-06"]})
    >>> report = store.add_events(frame)
    >>> report.inserted, store.count_events()
    (1, 1)
    >>> store.add_events(frame).unchanged
    1
    >>> store.close()
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        try:
            migrate(engine)
        except OperationalError as exc:
            raise StoreError(f"cannot open the store at {self.url}: {exc.orig}") from exc

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for queries the interface does not offer)."""
        return self._engine

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return self._engine.url.render_as_string(hide_password=True)

    def __repr__(self) -> str:
        return f"SQLStore({self.url!r})"

    def __enter__(self) -> SQLStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release every connection (on SQLite, the WAL is checkpointed by the last one)."""
        self._engine.dispose()

    # ------------------------------------------------------------------ ingest

    def ingest(
        self,
        source: str | BatchSource,
        path: str | Path,
        *,
        batch_size: int = 2000,
        progress: Callable[[int], None] | None = None,
    ) -> IngestReport:
        """Read ``path`` batch by batch and upsert it; each batch is one transaction.

        ``source`` is a reader name for :func:`ceasefire.sources.reader_for` (``"ucdp"``,
        ``"acled"``, ``"gdelt"``) or a reader object. ``progress(rows_read_so_far)`` is called
        after each committed batch. Rerunning on the same file stores nothing new. A run whose
        process died is left ``running`` in :meth:`ingests`; the next ingest on the same host
        marks it ``failed`` (see docs/store.md).
        """
        return _ingest.ingest_file(
            self._engine, source, path, batch_size=batch_size, progress=progress
        )

    def fail_dead_ingests(self) -> int:
        """Mark ``failed`` every ``running`` ingest whose process on this host is gone.

        Runs started on other hosts are left alone (their liveness cannot be checked). Returns
        how many were marked. :meth:`ingest` calls this first.
        """
        return _ingest.fail_dead_ingests(self._engine)

    def add_events(
        self,
        events: pd.DataFrame,
        *,
        rejects: Sequence[RejectLike] = (),
        ingest_id: int | None = None,
    ) -> IngestReport:
        """Upsert an events frame and its rejects in one transaction.

        New ``event_uid``s are inserted; a stored one with another ``content_hash`` is updated
        in place, its ``version`` bumped and the old row kept in ``event_versions``; one with the
        same hash is left alone. A row without ``event_uid`` gets
        ``"{source_dataset}:{source_row_id}"``; without those, or repeating an earlier row's uid,
        it is rejected. A missing ``content_hash`` is computed from the row's values, and a
        missing ``ingest_time`` is now. With ``ingest_id`` the counts are added to that ingest.
        """
        return _ingest.add_events(self._engine, events, rejects=rejects, ingest_id=ingest_id)

    # ------------------------------------------------------------------ reading events

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
        """Stored events as an events frame (plus a ``version`` column), by day then uid.

        ``since`` and ``until`` are inclusive bounds on ``event_date`` (the local day the source
        gives); a timestamp is cut to its day. A field report's event is stored at its published
        (coarsened) position; with ``precise`` it is read at the report's precise estimate, for
        evaluation only: that frame holds observers' positions and must not be shown.
        """
        return _queries.events(
            self._engine,
            source_dataset=source_dataset,
            since=since,
            until=until,
            uids=uids,
            limit=limit,
            precise=precise,
        )

    def event_versions(self, event_uid: str) -> pd.DataFrame:
        """The superseded versions of one event, oldest first: an events frame plus ``version``
        and ``superseded_at`` (the current version is in :meth:`events`)."""
        return _queries.event_versions(self._engine, event_uid)

    def count_events(self) -> int:
        """How many events are stored."""
        return _queries.count_events(self._engine)

    def evidence_span(self) -> tuple[str, str] | None:
        """The first and the last stored event day (``YYYY-MM-DD``), or None when empty: the
        days the evidence covers, for :func:`ceasefire.held.held`."""
        return _queries.evidence_span(self._engine)

    def rejects(self, *, file: str | None = None, limit: int | None = None) -> pd.DataFrame:
        """Stored rejects (``ingest_id, file, file_sha256, line, field, value, reason``), by file
        and line."""
        return _queries.rejects(self._engine, file=file, limit=limit)

    def ingests(self) -> pd.DataFrame:
        """Every ingest run, oldest first (one row per :meth:`ingest` call)."""
        return _queries.ingests(self._engine)

    # ------------------------------------------------------------------ agreements and zones

    def put_agreement(
        self,
        agreement_id: str,
        yaml_text: str,
        source: str,
        *,
        also: Callable[[Connection], None] | None = None,
    ) -> None:
        """Store an agreement's YAML text under ``agreement_id``, replacing any earlier one;
        ``also`` runs in the same transaction (its audit row)."""
        _agreements.put_agreement(self._engine, agreement_id, yaml_text, source, also=also)

    def agreements(self) -> dict[str, str]:
        """Agreement id -> YAML text, by id."""
        return _agreements.agreements(self._engine)

    def put_zone(
        self, feature: dict[str, Any], *, also: Callable[[Connection], None] | None = None
    ) -> None:
        """Store a zone, a GeoJSON Feature whose ``properties`` hold ``id`` (required), ``name``,
        ``kind``, ``approximation_note``, ``approximation_error_km``, ``source`` and
        ``derived_from``; replaces a stored zone with the same id; ``also`` runs in the same
        transaction (its audit row)."""
        _agreements.put_zone(self._engine, feature, also=also)

    def zones(self) -> list[dict[str, Any]]:
        """The stored zone Features, by id."""
        return _agreements.zones(self._engine)

    def catalog_version(self) -> tuple[Any, ...]:
        """Changes whenever any process stores, replaces or deletes an agreement or a zone (see
        :func:`ceasefire.store.agreements.catalog_version`)."""
        return _agreements.catalog_version(self._engine)

    # ------------------------------------------------------------------ evaluations

    def put_evaluation(
        self,
        agreement_id: str,
        verdicts: pd.DataFrame,
        obligations: pd.DataFrame,
        *,
        n_events: int,
        settings: dict[str, Any],
        judged: Mapping[str, int] | None = None,
        judge: Judge | None = None,
    ) -> int:
        """Record an evaluation of ``agreement_id`` and replace its verdicts and obligations.

        One transaction: readers see either the old verdicts or the new ones. ``verdicts`` needs
        ``event_uid, provision_id, verdict`` (the other :data:`VERDICT_COLUMNS` may be missing);
        ``obligations`` needs ``provision_id, status``. An ``agreement_id`` column, if present,
        must match. Returns the new evaluation's id.

        ``judged`` (event uid -> the version the evaluation read) limits the replacement to the
        events still at that version, so that what other writers stored meanwhile is not lost;
        the events changed since that lack current verdicts are judged by ``judge`` inside the
        transaction (see :func:`ceasefire.store.evaluations.put_evaluation`).
        """
        return _evaluations.put_evaluation(
            self._engine,
            agreement_id,
            verdicts,
            obligations,
            n_events=n_events,
            settings=settings,
            judged=judged,
            judge=judge,
        )

    def verdict_frame(self, filters: Filters | None = None) -> pd.DataFrame:
        """Each provision's verdict rows matching ``filters`` (:func:`~.read.verdict_frame`)."""
        return _read.verdict_frame(self._engine, filters or Filters())

    def finding_rows(self, filters: Filters | None = None) -> pd.DataFrame:
        """The verdict rows that count matching ``filters`` (:func:`~.read.finding_rows`)."""
        return _read.finding_rows(self._engine, filters or Filters())

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
        """Stored verdicts (:data:`VERDICT_COLUMNS`) joined with the event's
        :data:`DISPLAY_COLUMNS` (missing where the event is not stored), by agreement,
        provision, event day and uid. ``since`` is an inclusive bound on ``event_date``."""
        return _evaluations.verdicts(
            self._engine,
            agreement_id=agreement_id,
            provision_id=provision_id,
            verdict=verdict,
            since=since,
            party=party,
            limit=limit,
        )

    def obligations(self, agreement_id: str | None = None) -> pd.DataFrame:
        """Stored obligations (:data:`OBLIGATION_COLUMNS`), by agreement, provision and due."""
        return _evaluations.obligations(self._engine, agreement_id)

    # ------------------------------------------------------------------ news articles

    def has_article(self, article_id: str) -> bool:
        """Whether an article with this content hash is stored."""
        return _articles.has_article(self._engine, article_id)

    def add_article(
        self,
        article: Mapping[str, Any],
        events: pd.DataFrame,
        links: Sequence[Mapping[str, Any]] = (),
        claims: Sequence[Mapping[str, Any]] = (),
    ) -> bool:
        """Store an article with its events, event links and claims in one transaction; False
        (nothing stored) if it is stored already. See :mod:`ceasefire.store.articles`."""
        return _articles.add_article(self._engine, article, events, links, claims)

    def articles(self) -> pd.DataFrame:
        """Stored articles, newest first, with the number of events each reported."""
        return _articles.list_articles(self._engine)

    def claims(self, article_id: str | None = None) -> pd.DataFrame:
        """Stored claims: statements by parties, kept apart from findings."""
        return _articles.article_claims(self._engine, article_id)

    def count_unevaluated(self) -> int:
        """How many stored events lack a current verdict while at least one evaluation exists
        (0 when nothing was ever evaluated): no verdict, or fewer verdicts of the event's
        current version than there are stored (agreement, provision) pairs. Events added since
        the last evaluation, events whose content an ingest changed (that deletes their
        verdicts), and events that lost some verdicts."""
        return _evaluations.count_unevaluated(self._engine)

    # ------------------------------------------------------------------ patrols

    def put_patrols(
        self, patrols: Sequence[Any], *, file: str, file_sha256: str, replace: bool = False
    ) -> tuple[int, int]:
        """Store the patrols read from one file in one transaction: (inserted, skipped); with
        ``replace``, a file stored before is stored anew."""
        return _patrols.put_patrols(
            self._engine, patrols, file=file, file_sha256=file_sha256, replace=replace
        )

    def patrols(
        self,
        *,
        route: str | None = None,
        since: str | None = None,
        until: str | None = None,
        tracks: bool = True,
    ) -> list[Any]:
        """Stored patrols, by date, with their tracks unless ``tracks=False``."""
        return _patrols.patrols(self._engine, route=route, since=since, until=until, tracks=tracks)

    def patrol_rows(
        self, *, route: str | None = None, since: str | None = None, until: str | None = None
    ) -> pd.DataFrame:
        """Stored patrols as a frame, without their tracks."""
        return _patrols.patrol_rows(self._engine, route=route, since=since, until=until)

    def put_patrol_incidents(self, incidents: pd.DataFrame) -> int:
        """Replace the stored patrol incidents."""
        return _patrols.put_incidents(self._engine, incidents)

    def patrol_incidents(self) -> pd.DataFrame:
        """Stored patrol incidents."""
        return _patrols.incidents(self._engine)

    # ------------------------------------------------------------------ situation reports

    def save_situation_report(
        self,
        *,
        agreement_id: str,
        period_kind: str,
        period_start: str,
        period_end: str,
        body: str,
        created_by: str,
        actor: User | None = None,
        language: str = "en",
        data_state: str | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """Save a situation report's HTML as a published record, audited in the same
        transaction: (row, True), or (the stored row, False) when the same body of that
        agreement, period and language is stored already
        (:func:`ceasefire.store.situation_reports.save`)."""
        return _situation_reports.save(
            self._engine,
            agreement_id=agreement_id,
            period_kind=period_kind,
            period_start=period_start,
            period_end=period_end,
            body=body,
            created_by=created_by,
            actor=actor,
            language=language,
            data_state=data_state,
        )

    def situation_report_row(self, report_id: int) -> dict[str, Any]:
        """One saved situation report with its body (``UnknownIdError`` when there is none)."""
        return _situation_reports.report(self._engine, report_id)

    def situation_reports(
        self,
        *,
        agreement_id: str | None = None,
        which: str = "all",
        limit: int = 100,
        offset: int = 0,
    ) -> dict[str, Any]:
        """A page of saved situation reports, without their bodies
        (:func:`ceasefire.store.situation_reports.reports`)."""
        return _situation_reports.reports(
            self._engine, agreement_id=agreement_id, which=which, limit=limit, offset=offset
        )

    def data_state(self) -> str:
        """The store's data state as text (:func:`ceasefire.store.situation_reports.data_state`)."""
        return _situation_reports.data_state(self._engine)

    # ------------------------------------------------------------------ humanitarian evidence

    def put_aid_deliveries(
        self, records: Sequence[Any], *, file: str, actor: User | None = None
    ) -> tuple[int, int]:
        """Store aid deliveries read from ``file`` in one audited transaction: (inserted,
        skipped as stored already) (:func:`ceasefire.store.humanitarian.put_aid_deliveries`)."""
        return _humanitarian.put_aid_deliveries(self._engine, records, file=file, actor=actor)

    def put_population_movements(
        self, records: Sequence[Any], *, file: str, actor: User | None = None
    ) -> tuple[int, int]:
        """Store movement figures read from ``file`` in one audited transaction: (inserted,
        skipped as stored already)."""
        return _humanitarian.put_population_movements(self._engine, records, file=file, actor=actor)

    def aid_deliveries(self, *, since: str | None = None, until: str | None = None) -> pd.DataFrame:
        """Stored aid deliveries, by date (:data:`ceasefire.humanitarian.AID_COLUMNS`)."""
        return _humanitarian.aid_deliveries(self._engine, since=since, until=until)

    def population_movements(
        self, *, since: str | None = None, until: str | None = None
    ) -> pd.DataFrame:
        """Stored movement figures, by date (:data:`ceasefire.humanitarian.MOVEMENT_COLUMNS`)."""
        return _humanitarian.population_movements(self._engine, since=since, until=until)


def open_store(
    path_or_url: str | Path = "ceasefire.db", *, busy_timeout_s: float = 30.0
) -> SQLStore:
    """Open (creating and migrating as needed) the store at a path or SQLAlchemy URL.

    A plain path is an SQLite file (WAL journal, foreign keys on, ``synchronous=NORMAL``, and a
    writer waits up to ``busy_timeout_s`` for another to finish before :class:`StoreError`);
    ``":memory:"`` is a private in-memory SQLite database.

    >>> store = open_store(":memory:")
    >>> store.count_events(), store.agreements()
    (0, {})
    >>> store.close()
    """
    engine = create_store_engine(path_or_url, busy_timeout_s=busy_timeout_s)
    try:
        return SQLStore(engine)
    except BaseException:
        engine.dispose()
        raise
