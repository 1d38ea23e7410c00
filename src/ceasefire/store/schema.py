"""The store's tables, as SQLAlchemy Core metadata (portable: SQLite now, PostgreSQL later).

Conventions, the same in every table:

- Times are ISO-8601 UTC text of fixed width, ``2016-01-01T22:00:00.000000Z`` (see
  :func:`iso_utc`), so that text order is time order and every database compares them alike.
  Calendar days (``event_date``, an obligation's ``due`` day) are ``YYYY-MM-DD`` text.
- JSON (a superseded event row, evaluation settings, a zone's GeoJSON Feature) is stored as text.
- Floats are ``DOUBLE PRECISION``; integers ``INTEGER`` (``BIGINT`` for row ids is not needed).

:data:`metadata` is the schema the code uses *now*. Each migration step (see
:mod:`ceasefire.store.migrations`) builds its own frozen tables, so changing the current schema
means adding a migration, never editing an old one: :func:`build_v1_metadata` must not change.

>>> sorted(metadata.tables)[:4]
['agreements', 'aid_deliveries', 'alert_deliveries', 'alert_rules']
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Final

import numpy as np
import pandas as pd
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    true,
)
from sqlalchemy.dialects.postgresql import TIMESTAMP
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement
from sqlalchemy.types import TypeDecorator, TypeEngine

from ceasefire.errors import StoreError

__all__ = [
    "INGEST_STATUSES",
    "POSTGIS_DDL",
    "V1_EVENT_COLUMNS",
    "UTCTime",
    "add_v2_tables",
    "add_v3_tables",
    "add_v4_tables",
    "add_v5_columns",
    "add_v6_user_names",
    "add_v8_reviews",
    "add_v9_login_failures",
    "add_v10_native_types",
    "add_v11_incident_rows",
    "add_v12_alerts",
    "add_v13_humanitarian",
    "add_v14_situation_reports",
    "add_v15_report_alerts",
    "add_v16_fetches",
    "agreements",
    "aid_deliveries",
    "alert_deliveries",
    "alert_kinds_check",
    "alert_rules",
    "article_events",
    "articles",
    "build_v1_metadata",
    "claims",
    "evaluations",
    "event_versions",
    "events",
    "fetch_state",
    "ingests",
    "iso_utc",
    "login_failures",
    "metadata",
    "now_utc",
    "obligations",
    "patrol_files",
    "patrol_incidents",
    "patrol_points",
    "patrols",
    "population_movements",
    "rejects",
    "schema_migrations",
    "situation_reports",
    "source_attributions",
    "store_state",
    "time_columns",
    "time_text",
    "verdicts",
    "zones",
]

#: Width of a stored time, ``YYYY-MM-DDTHH:MM:SS.ffffffZ``.
TIME_TEXT_LENGTH: Final = 27

#: Allowed values of ``ingests.status``.
INGEST_STATUSES: Final = ("running", "done", "failed")

#: The event columns of schema version 1 and their pandas dtypes, frozen. This is a copy of
#: :data:`ceasefire.events.EVENT_COLUMNS` as it was when version 1 was written; when the event
#: model gains a column, a migration adds it (a test fails until one does).
V1_EVENT_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("event_id_cnty", "string"),
    ("event_date", "string"),
    ("year", "Int64"),
    ("time_precision", "Int64"),
    ("disorder_type", "string"),
    ("event_type", "string"),
    ("sub_event_type", "string"),
    ("actor1", "string"),
    ("assoc_actor_1", "string"),
    ("inter1", "Int64"),
    ("actor2", "string"),
    ("assoc_actor_2", "string"),
    ("inter2", "Int64"),
    ("interaction", "Int64"),
    ("civilian_targeting", "string"),
    ("iso", "Int64"),
    ("region", "string"),
    ("country", "string"),
    ("admin1", "string"),
    ("admin2", "string"),
    ("admin3", "string"),
    ("location", "string"),
    ("latitude", "float64"),
    ("longitude", "float64"),
    ("geo_precision", "Int64"),
    ("source", "string"),
    ("source_scale", "string"),
    ("notes", "string"),
    ("fatalities", "Int64"),
    ("event_uid", "string"),
    ("source_dataset", "string"),
    ("source_row_id", "string"),
    ("source_file", "string"),
    ("source_line", "Int64"),
    ("ingest_time", "datetime64[ns, UTC]"),
    ("iso2", "string"),
    ("location_uncertainty_km", "float64"),
    ("time_start", "datetime64[ns, UTC]"),
    ("time_end", "datetime64[ns, UTC]"),
    ("fatalities_low", "Int64"),
    ("fatalities_high", "Int64"),
    ("initiator_known", "boolean"),
    ("content_hash", "string"),
)


def _sql_type(dtype: str) -> TypeEngine[object]:
    """The portable column type for a pandas dtype of the event model."""
    if dtype == "Int64":
        return Integer()  # type: ignore[return-value]
    if dtype == "float64":
        return Double()  # type: ignore[return-value]
    if dtype == "boolean":
        return Boolean()  # type: ignore[return-value]
    if dtype.startswith("datetime64"):
        return String(TIME_TEXT_LENGTH)  # type: ignore[return-value]
    return Text()  # type: ignore[return-value]


def _time() -> String:
    """A time column as the frozen steps 1-9 made it (text; :func:`add_v10_native_types` makes
    it a :class:`UTCTime`)."""
    return String(TIME_TEXT_LENGTH)


class utc_text(FunctionElement[str]):
    """A stored instant read as the store's text, ``2016-01-01T22:00:00.000000Z``: the column
    itself on SQLite (where it is that text), formatted by the server on PostgreSQL (where it is
    a ``timestamptz``), so that every caller sees the same text on both stores."""

    inherit_cache = True
    name = "utc_text"

    def __init__(self, expr: ColumnElement[Any]) -> None:
        super().__init__(expr)
        self.type = String(TIME_TEXT_LENGTH)


@compiles(utc_text)
def _utc_text_default(element: utc_text, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(utc_text, "postgresql")
def _utc_text_postgresql(element: utc_text, compiler: Any, **kw: Any) -> str:
    inner = compiler.process(element.clauses, **kw)
    return f"to_char(({inner}) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"


class UTCTime(TypeDecorator[str]):
    """An instant: fixed-width ISO-8601 UTC text on SQLite (text order is time order), a
    ``timestamptz`` on PostgreSQL (schema version 10). Python always sees the text, on both:
    values bound may be that text (or any ISO-8601 text with an offset, or a day, taken as UTC
    midnight) or an aware :class:`datetime`; values read are the text, formatted by the
    database itself on PostgreSQL (:class:`utc_text`), so a million rows cost no Python per
    value."""

    impl = String(TIME_TEXT_LENGTH)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(TIMESTAMP(timezone=True))
        return dialect.type_descriptor(String(TIME_TEXT_LENGTH))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "postgresql":
            return _instant(value)
        if isinstance(value, str) and len(value) == TIME_TEXT_LENGTH and value.endswith("Z"):
            return value  # the store's own text (every writer's): as it is
        return time_text(_instant(value))  # another offset, a day, a datetime: the same text

    def column_expression(self, colexpr: ColumnElement[Any]) -> ColumnElement[Any]:
        return utc_text(colexpr)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if isinstance(value, datetime):  # a driver that skipped utc_text
            return time_text(value if value.tzinfo else value.replace(tzinfo=UTC))
        return value  # type: ignore[no-any-return]


def _instant(value: object) -> datetime:
    """An aware datetime for PostgreSQL from the store's text (or a datetime)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError as exc:
            raise StoreError(f"not an ISO-8601 time: {value!r}") from exc
    else:
        raise StoreError(f"not a time: {value!r}")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def build_v1_metadata() -> MetaData:
    """A fresh :class:`MetaData` holding every table of schema version 1 (frozen)."""
    md = MetaData()
    Table(
        "schema_migrations",
        md,
        Column("version", Integer, primary_key=True, autoincrement=False),
        Column("description", Text, nullable=True),
        Column("applied_at", _time(), nullable=False),
    )
    event_cols = [
        Column(
            name, _sql_type(dtype), primary_key=(name == "event_uid"), nullable=name != "event_uid"
        )
        for name, dtype in V1_EVENT_COLUMNS
    ]
    Table(
        "events",
        md,
        *event_cols,
        Column("version", Integer, nullable=False, server_default="1"),
        Index("ix_events_source_dataset", "source_dataset"),
        Index("ix_events_event_date", "event_date"),
        Index("ix_events_time_start", "time_start"),
        Index("ix_events_lat_lon", "latitude", "longitude"),
    )
    Table(
        "event_versions",
        md,
        Column("event_uid", Text, ForeignKey("events.event_uid"), nullable=False),
        Column("version", Integer, nullable=False),
        Column("content_hash", Text, nullable=True),
        Column("row_json", Text, nullable=False),
        Column("superseded_at", _time(), nullable=False),
        PrimaryKeyConstraint("event_uid", "version", name="pk_event_versions"),
    )
    Table(
        "ingests",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("source", Text, nullable=False),
        Column("file", Text, nullable=False),
        Column("file_sha256", String(64), nullable=False),
        Column("started_at", _time(), nullable=False),
        Column("finished_at", _time(), nullable=True),
        Column("status", String(16), nullable=False),
        Column("rows_read", Integer, nullable=False, server_default="0"),
        Column("inserted", Integer, nullable=False, server_default="0"),
        Column("updated", Integer, nullable=False, server_default="0"),
        Column("unchanged", Integer, nullable=False, server_default="0"),
        Column("rejected", Integer, nullable=False, server_default="0"),
        Column("error", Text, nullable=True),
        Column("host", Text, nullable=True),
        Column("pid", Integer, nullable=True),
        CheckConstraint("status IN ('running', 'done', 'failed')", name="ck_ingests_status"),
        Index("ix_ingests_file_sha256", "file_sha256"),
    )
    Table(
        "rejects",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("ingest_id", Integer, ForeignKey("ingests.id"), nullable=True),
        Column("file", Text, nullable=False),
        Column("file_sha256", String(64), nullable=False),
        Column("line", Integer, nullable=False),
        Column("field", Text, nullable=False),
        Column("value", Text, nullable=True),
        Column("reason", Text, nullable=False),
        UniqueConstraint("file_sha256", "line", "field", name="uq_rejects_file_line_field"),
        Index("ix_rejects_file", "file"),
    )
    Table(
        "agreements",
        md,
        Column("id", Text, primary_key=True),
        Column("yaml", Text, nullable=False),
        Column("source", Text, nullable=True),
        Column("loaded_at", _time(), nullable=False),
    )
    Table(
        "zones",
        md,
        Column("id", Text, primary_key=True),
        Column("name", Text, nullable=True),
        Column("kind", Text, nullable=True),
        Column("geojson", Text, nullable=False),
        Column("approximation_note", Text, nullable=True),
        Column("approximation_error_km", Double, nullable=True),
        Column("source", Text, nullable=True),
        Column("derived_from", Text, nullable=True),
        Column("updated_at", _time(), nullable=False),
    )
    Table(
        "evaluations",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("agreement_id", Text, nullable=False),
        Column("created_at", _time(), nullable=False),
        Column("n_events", Integer, nullable=False),
        Column("n_verdicts", Integer, nullable=False),
        Column("settings", Text, nullable=False),
        Index("ix_evaluations_agreement_id", "agreement_id"),
    )
    Table(
        "verdicts",
        md,
        Column("evaluation_id", Integer, ForeignKey("evaluations.id"), nullable=False),
        Column("event_uid", Text, nullable=False),
        Column("agreement_id", Text, nullable=False),
        Column("provision_id", Text, nullable=False),
        Column("provision_type", Text, nullable=True),
        Column("verdict", Text, nullable=False),
        Column("probability", Double, nullable=True),
        Column("p_space", Double, nullable=True),
        Column("p_time", Double, nullable=True),
        Column("party", Text, nullable=True),
        Column("reason", Text, nullable=True),
        PrimaryKeyConstraint("agreement_id", "provision_id", "event_uid", name="pk_verdicts"),
        Index("ix_verdicts_event_uid", "event_uid"),
        Index("ix_verdicts_verdict", "verdict"),
    )
    Table(
        "obligations",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("agreement_id", Text, nullable=False),
        Column("provision_id", Text, nullable=False),
        Column("due", Text, nullable=True),
        Column("status", Text, nullable=False),
        Column("reason", Text, nullable=True),
        Column("evaluation_id", Integer, ForeignKey("evaluations.id"), nullable=False),
        Index("ix_obligations_agreement_id", "agreement_id"),
    )
    return md


def add_v2_tables(md: MetaData) -> MetaData:
    """Version 2 (news articles as evidence): ``articles`` (one row per article, keyed by the
    sha256 of its bytes), ``article_events`` (which article reported which event, from which
    sentence: an incident reported by several articles is one event with several links) and
    ``claims`` (statements by a party, kept apart from findings). Frozen like version 1."""
    Table(
        "articles",
        md,
        Column("article_id", Text, primary_key=True),
        Column("file", Text, nullable=True),
        Column("url", Text, nullable=True),
        Column("headline", Text, nullable=True),
        Column("published", Text, nullable=True),
        Column("publisher", Text, nullable=True),
        Column("authors", Text, nullable=True),
        Column("text", Text, nullable=False),
        Column("extraction", Text, nullable=False),
        Column("ingested_at", _time(), nullable=False),
    )
    Table(
        "article_events",
        md,
        Column("article_id", Text, ForeignKey("articles.article_id"), primary_key=True),
        Column("event_uid", Text, primary_key=True),
        Column("sentence_start", Integer, nullable=True),
        Column("sentence_end", Integer, nullable=True),
        Column("sentence", Text, nullable=True),
        Index("ix_article_events_event_uid", "event_uid"),
    )
    Table(
        "claims",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("article_id", Text, ForeignKey("articles.article_id"), nullable=False),
        Column("start", Integer, nullable=False),
        Column("end", Integer, nullable=False),
        Column("kind", Text, nullable=False),
        Column("claimant", Text, nullable=True),
        Column("subject", Text, nullable=True),
        Column("predicate", Text, nullable=True),
        Column("text", Text, nullable=False),
    )
    return md


def add_v3_tables(md: MetaData) -> MetaData:
    """Version 3, the monitor's workspace: users, API tokens, the audit log, field reports and
    analysts' reviews of verdicts (and the dashboard's login sessions). Frozen like version 1.

    Secrets are never stored: a password as a salted scrypt hash, a token or a session id as its
    SHA-256."""
    Table(
        "users",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("name", Text, nullable=False, unique=True),
        Column("role", String(16), nullable=False),
        Column("password_hash", Text, nullable=True),
        Column("created_at", _time(), nullable=False),
        Column("disabled", Boolean, nullable=False, server_default="0"),
        CheckConstraint("role IN ('admin', 'monitor', 'analyst', 'viewer')", name="ck_users_role"),
    )
    Table(
        "api_tokens",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
        Column("token_sha256", String(64), nullable=False, unique=True),
        Column("label", Text, nullable=True),
        Column("created_at", _time(), nullable=False),
        Column("last_used_at", _time(), nullable=True),
        Column("expires_at", _time(), nullable=True),  # NULL: until revoked
        Column("revoked_at", _time(), nullable=True),
    )
    Table(
        "sessions",
        md,
        Column("id_sha256", String(64), primary_key=True),
        Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
        Column("created_at", _time(), nullable=False),
        Column("expires_at", _time(), nullable=False),
    )
    Table(
        "audit_log",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("at", _time(), nullable=False),
        Column("user_id", Integer, nullable=True),
        Column("user_name", Text, nullable=True),
        Column("action", Text, nullable=False),
        Column("target", Text, nullable=True),
        Column("changes", Text, nullable=False),
        Index("ix_audit_log_at", "at"),
    )
    Table(
        "field_reports",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
        Column("observed_at", _time(), nullable=False),
        Column("latitude", Double, nullable=False),
        Column("longitude", Double, nullable=False),
        Column("observation", String(8), nullable=False),
        Column("event_type", Text, nullable=False),
        Column("sub_event_type", Text, nullable=True),
        Column("bearing_deg", Double, nullable=True),
        Column("distance_band", Text, nullable=True),
        Column("fatalities", Integer, nullable=True),
        Column("actor1", Text, nullable=True),
        Column("actor2", Text, nullable=True),
        Column("text", Text, nullable=True),
        Column("photo_sha256", String(64), nullable=True),
        Column("est_latitude", Double, nullable=False),
        Column("est_longitude", Double, nullable=False),
        Column("radius_km", Double, nullable=False),
        Column("event_uid", Text, nullable=True),
        Column("created_at", _time(), nullable=False),
        Column("updated_at", _time(), nullable=False),
        CheckConstraint("observation IN ('seen', 'heard')", name="ck_field_reports_observation"),
        Index("ix_field_reports_user_id", "user_id"),
    )
    Table(
        "reviews",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("agreement_id", Text, nullable=False),
        Column("provision_id", Text, nullable=False),
        Column("event_uid", Text, nullable=False),
        Column("status", String(16), nullable=False),
        Column("note", Text, nullable=True),
        Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
        Column("created_at", _time(), nullable=False),
        CheckConstraint("status IN ('confirmed', 'disputed')", name="ck_reviews_status"),  # v3
        Index("ix_reviews_event_uid", "event_uid"),
    )
    return md


def add_v4_tables(md: MetaData) -> MetaData:
    """Version 4, joint patrols: planned and actual patrols, their track points and incidents.

    ``patrol_files`` records each imported file by the sha256 of its bytes (a rerun skips it);
    ``patrols`` holds one row per patrol (its id is a hash of its content, see
    :class:`ceasefire.patrols.Patrol`), ``patrol_points`` its GPS fixes in order and
    ``patrol_incidents`` the events found near it. Frozen like the versions before."""
    Table(
        "patrol_files",
        md,
        Column("file_sha256", String(64), primary_key=True),
        Column("file", Text, nullable=False),
        Column("n_patrols", Integer, nullable=False),
        Column("imported_at", _time(), nullable=False),
    )
    Table(
        "patrols",
        md,
        Column("patrol_id", Text, primary_key=True),
        Column("file_sha256", String(64), ForeignKey("patrol_files.file_sha256"), nullable=True),
        Column("source", Text, nullable=True),
        Column("route", Text, nullable=False),
        Column("date", String(10), nullable=False),
        Column("parties", Text, nullable=False),
        Column("status", Text, nullable=False),
        Column("planned", Boolean, nullable=False),
        Column("start_lon", Double, nullable=True),
        Column("start_lat", Double, nullable=True),
        Column("end_lon", Double, nullable=True),
        Column("end_lat", Double, nullable=True),
        Column("start_time", _time(), nullable=True),
        Column("end_time", _time(), nullable=True),
        Column("n_points", Integer, nullable=False),
        Column("repairs", Text, nullable=True),
        Column("notes", Text, nullable=True),
        Column("imported_at", _time(), nullable=False),
        CheckConstraint(
            "status IN ('planned', 'completed', 'cut_short', 'blocked', 'attacked', 'cancelled')",
            name="ck_patrols_status",
        ),
        Index("ix_patrols_date", "date"),
        Index("ix_patrols_route", "route"),
    )
    Table(
        "patrol_points",
        md,
        Column("patrol_id", Text, ForeignKey("patrols.patrol_id"), nullable=False),
        Column("seq", Integer, nullable=False),
        Column("time", _time(), nullable=True),
        Column("lon", Double, nullable=False),
        Column("lat", Double, nullable=False),
        PrimaryKeyConstraint("patrol_id", "seq", name="pk_patrol_points"),
    )
    Table(
        "patrol_incidents",
        md,
        Column("patrol_id", Text, ForeignKey("patrols.patrol_id"), nullable=False),
        Column("event_uid", Text, nullable=False),
        Column("km", Double, nullable=True),
        Column("offset_km", Double, nullable=True),
        Column("distance_km", Double, nullable=True),
        Column("verdict", Text, nullable=False),
        Column("reason", Text, nullable=True),
        PrimaryKeyConstraint("patrol_id", "event_uid", name="pk_patrol_incidents"),
        Index("ix_patrol_incidents_event_uid", "event_uid"),
    )
    return md


def add_v5_columns(md: MetaData) -> MetaData:
    """Version 5, no lost verdicts: ``verdicts.event_version``, the ``events.version`` a verdict
    judged (NULL where its event is not stored). A verdict is *current* while it equals the
    event's version; an evaluation replaces only the verdicts of events still at the version it
    read (see :func:`ceasefire.store.evaluations.put_evaluation`). Appended last, as
    ``ALTER TABLE ... ADD COLUMN`` does."""
    md.tables["verdicts"].append_column(Column("event_version", Integer, nullable=True))
    return md


def add_v6_user_names(md: MetaData) -> MetaData:
    """Version 6, user names unique regardless of case: the unique index
    ``ux_users_name_lower`` on ``lower(users.name)`` (``lower`` folds ASCII letters in SQLite,
    every letter in PostgreSQL; :func:`ceasefire.store.workspace.add_user` also compares names
    Unicode-casefolded before it adds one)."""
    users = md.tables["users"]
    Index("ux_users_name_lower", func.lower(users.c.name), unique=True)
    return md


#: Review statuses an analyst records (``unreviewed`` is the absence of a review); a copy of
#: :data:`ceasefire.findings.REVIEW_STATUSES` as of version 8, frozen.
V8_REVIEW_STATUSES: Final = ("confirmed", "disputed", "overruled", "needs_info")
#: Verdicts as of version 8 (a copy of :data:`ceasefire.compliance.VERDICTS`), frozen.
V8_VERDICTS: Final = ("violation", "possible_violation", "exempt", "compliant", "outside")


def v8_reviews_table(md: MetaData) -> Table:
    """The ``reviews`` table of version 8: a review is of one event version, may overrule the
    machine's verdict with a corrected verdict, party or event type, and keeps the verdict the
    analyst saw (``machine_verdict``)."""
    statuses = ", ".join(f"'{s}'" for s in V8_REVIEW_STATUSES)
    verdicts = ", ".join(f"'{v}'" for v in V8_VERDICTS)
    return Table(
        "reviews",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("agreement_id", Text, nullable=False),
        Column("provision_id", Text, nullable=False),
        Column("event_uid", Text, nullable=False),
        Column("status", String(16), nullable=False),
        Column("note", Text, nullable=True),
        Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
        Column("created_at", _time(), nullable=False),
        Column("event_version", Integer, nullable=True),
        Column("machine_verdict", Text, nullable=True),
        Column("corrected_verdict", Text, nullable=True),
        Column("corrected_party", Text, nullable=True),
        Column("corrected_event_type", Text, nullable=True),
        CheckConstraint(f"status IN ({statuses})", name="ck_reviews_status"),
        CheckConstraint(
            f"corrected_verdict IS NULL OR corrected_verdict IN ({verdicts})",
            name="ck_reviews_corrected_verdict",
        ),
        CheckConstraint(
            "(status = 'overruled') = (corrected_verdict IS NOT NULL OR corrected_party IS NOT NULL"
            " OR corrected_event_type IS NOT NULL)",
            name="ck_reviews_overruled",
        ),
        Index("ix_reviews_event_uid", "event_uid"),
        Index("ix_reviews_verdict", "agreement_id", "provision_id", "event_uid"),
    )


def add_v8_reviews(md: MetaData) -> MetaData:
    """Version 8, review that counts: ``reviews`` as :func:`v8_reviews_table`, and on each verdict
    the machine's verdict and party (``machine_verdict``, ``machine_party``) beside the ones that
    count (``verdict``, ``party``: the latest current review's correction, else the machine's),
    the ``review_status`` that counts, the ``review_id`` it comes from, and ``review_stale``
    (the latest review is of an older version of the event, so it no longer counts).
    See :mod:`ceasefire.store.reviews`."""
    md.remove(md.tables["reviews"])
    v8_reviews_table(md)
    v = md.tables["verdicts"]
    v.append_column(Column("machine_verdict", Text, nullable=True))
    v.append_column(Column("machine_party", Text, nullable=True))
    v.append_column(
        Column("review_status", String(16), nullable=False, server_default="unreviewed")
    )
    v.append_column(Column("review_id", Integer, nullable=True))
    v.append_column(Column("review_stale", Boolean, nullable=False, server_default="0"))
    Index("ix_verdicts_review_status", v.c.review_status)
    return md


def add_v9_login_failures(md: MetaData) -> MetaData:
    """Version 9, login throttling shared by every server process: ``login_failures``, one row
    per counted login attempt: ``address`` (the client's), ``name_sha256`` (the SHA-256 of the
    name tried, as logins compare names; NULL once a login of that name from that address
    succeeded: it then counts for the address only) and ``at``, kept for the throttle's window
    (see :class:`ceasefire.web.auth.LoginThrottle`). Frozen like the versions before."""
    Table(
        "login_failures",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("address", Text, nullable=False),
        Column("name_sha256", String(64), nullable=True),
        Column("at", _time(), nullable=False),
        Index("ix_login_failures_address_at", "address", "at"),
        Index("ix_login_failures_at", "at"),
    )
    return md


def time_columns(md: MetaData) -> list[tuple[str, str]]:
    """``(table, column)`` of every stored instant in ``md``: the columns that versions 1-9 made
    ``VARCHAR(27)`` text (:func:`_time`, and the event model's datetimes). Not
    ``schema_migrations.applied_at``: the table that says which version a database is at keeps
    one shape at every version."""
    return [
        (t.name, c.name)
        for t in md.sorted_tables
        if t.name != "schema_migrations"
        for c in t.columns
        if isinstance(c.type, UTCTime)
        or (isinstance(c.type, String) and c.type.length == TIME_TEXT_LENGTH)
    ]


def add_v10_native_types(md: MetaData) -> MetaData:
    """Version 10, native types on PostgreSQL: every instant is a :class:`UTCTime`
    (``timestamptz`` there, the same text as before on SQLite). The PostGIS columns of
    :data:`POSTGIS_DDL` exist on PostgreSQL only and are not in the metadata: they are computed
    by the database from columns that are (``GENERATED ALWAYS ... STORED``), so nothing writes
    them and nothing copies them."""
    for table, column in time_columns(md):
        md.tables[table].c[column].type = UTCTime()
    return md


def add_v11_incident_rows(md: MetaData) -> MetaData:
    """Version 11, incidents read as rows: ``verdicts.incident`` is true on the row that is its
    event's incident under its agreement (:func:`ceasefire.findings.incident_rows` of the
    agreement's finding rows: every verdict but ``outside``), kept by
    :func:`ceasefire.store.incidents.mark_incidents` in every write that changes verdicts; a
    partial index holds those rows only (a few percent of the table). ``events.worst`` is each
    event's most severe verdict over every agreement as one number (``rank * 2 + 1 - p``,
    :func:`ceasefire.store.incidents.worst_key`; ``outside`` when it has only such rows, NULL
    when it was never judged), kept with the flags: the map's cells read it with the event.
    ``store_state`` holds counters the answer cache reads instead of counting rows: ``events``
    moves with every event inserted or changed (:func:`ceasefire.store.ingest.upsert_events`
    and the readers' batches)."""
    events = md.tables["events"]
    events.append_column(Column("worst", Double, nullable=True))
    # the map's box and cells read from one index: (latitude, longitude) and what a cell sums
    events.indexes.discard(next(i for i in events.indexes if i.name == "ix_events_lat_lon"))
    Index("ix_events_map", events.c.latitude, events.c.longitude, events.c.worst,
          events.c.fatalities)  # fmt: skip
    Table(
        "store_state",
        md,
        Column("key", String(32), primary_key=True),
        Column("value", Integer, nullable=False),
    )
    v = md.tables["verdicts"]
    v.append_column(Column("incident", Boolean, nullable=False, server_default="0"))
    Index(
        "ix_verdicts_incident",
        v.c.agreement_id,
        v.c.verdict,
        sqlite_where=v.c.incident == true(),
        postgresql_where=v.c.incident == true(),
    )
    return md


#: Alert rule kinds as of version 12 (a copy of :class:`ceasefire.alerts.RuleKind`), frozen.
V12_ALERT_KINDS: Final = (
    "violation",
    "possible_violation",
    "no_joint_patrol",
    "obligation_overdue",
)
#: Alert channels as of version 12 (a copy of :class:`ceasefire.alerts.Channel`), frozen.
V12_ALERT_CHANNELS: Final = ("email", "webhook")
#: Delivery statuses as of version 12 (a copy of :class:`ceasefire.alerts.DeliveryStatus`).
V12_DELIVERY_STATUSES: Final = (
    "sending",
    "sent",
    "failed",
    "baseline",
    "abandoned",
    "withdrawn",
)


def add_v12_alerts(md: MetaData) -> MetaData:
    """Version 12, alerts: ``alert_rules`` (a rule's kind, its parameters as JSON, one channel
    and its target: e-mail addresses or a webhook URL; never a password or a signing secret,
    which come from the environment) and ``alert_deliveries``, one row per (rule, subject,
    channel), unique: the row is claimed in a write transaction before anything is sent, so a
    subject (an event, a week, an obligation) is delivered at most once per channel however
    many processes evaluate the rules at once (see :mod:`ceasefire.alerts`). A removed rule is
    kept (``removed_at``) with its deliveries. Frozen like the versions before."""
    channels = ", ".join(f"'{c}'" for c in V12_ALERT_CHANNELS)
    statuses = ", ".join(f"'{s}'" for s in V12_DELIVERY_STATUSES)
    Table(
        "alert_rules",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("name", Text, nullable=False),
        Column("kind", String(32), nullable=False),
        Column("params", Text, nullable=False),
        Column("channel", String(16), nullable=False),
        Column("target", Text, nullable=False),
        Column("created_at", UTCTime(), nullable=False),
        Column("created_by", Text, nullable=True),
        Column("removed_at", UTCTime(), nullable=True),
        CheckConstraint(alert_kinds_check(V12_ALERT_KINDS), name="ck_alert_rules_kind"),
        CheckConstraint(f"channel IN ({channels})", name="ck_alert_rules_channel"),
        Index("ix_alert_rules_name", "name"),
    )
    Table(
        "alert_deliveries",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("rule_id", Integer, ForeignKey("alert_rules.id"), nullable=False),
        Column("subject", Text, nullable=False),
        Column("channel", String(16), nullable=False),
        Column("status", String(16), nullable=False),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("message", Text, nullable=False),
        Column("created_at", UTCTime(), nullable=False),
        Column("claimed_at", UTCTime(), nullable=True),
        Column("claim", String(32), nullable=True),
        Column("last_attempt_at", UTCTime(), nullable=True),
        Column("next_attempt_at", UTCTime(), nullable=True),
        Column("sent_at", UTCTime(), nullable=True),
        Column("last_error", Text, nullable=True),
        UniqueConstraint("rule_id", "subject", "channel", name="uq_alert_deliveries_key"),
        CheckConstraint(f"status IN ({statuses})", name="ck_alert_deliveries_status"),
        Index("ix_alert_deliveries_status", "status", "next_attempt_at"),
    )
    return md


#: Aid delivery statuses as of version 13 (a copy of :class:`ceasefire.humanitarian.AidStatus`),
#: frozen.
V13_AID_STATUSES: Final = ("delivered", "blocked", "partial")
#: Movement kinds as of version 13 (a copy of :class:`ceasefire.humanitarian.MovementKind`).
V13_MOVEMENT_KINDS: Final = ("returns", "displacement")
#: Date precisions as of version 13 (a copy of :class:`ceasefire.humanitarian.DatePrecision`).
V13_DATE_PRECISIONS: Final = ("day", "month")


def add_v13_humanitarian(md: MetaData) -> MetaData:
    """Version 13, humanitarian evidence: ``aid_deliveries`` (a day, a crossing or place, trucks,
    the organisation and cluster, ``delivered``/``blocked``/``partial`` and why) and
    ``population_movements`` (a day or month, a place and its admin units, people, ``returns``
    or ``displacement``). Each row's key, ``record_id``, is a hash of its content and its
    occurrence in its file (:func:`ceasefire.humanitarian.record_ids`), so importing a file
    again adds nothing; ``source_file``/``source_line`` say where it was read. Frozen like the
    versions before (see :mod:`ceasefire.store.humanitarian`)."""
    statuses = ", ".join(f"'{s}'" for s in V13_AID_STATUSES)
    kinds = ", ".join(f"'{k}'" for k in V13_MOVEMENT_KINDS)
    precisions = ", ".join(f"'{p}'" for p in V13_DATE_PRECISIONS)
    Table(
        "aid_deliveries",
        md,
        Column("record_id", String(32), primary_key=True),
        Column("date", String(10), nullable=False),
        Column("place", Text, nullable=False),
        Column("trucks", Integer, nullable=True),
        Column("organisation", Text, nullable=False),
        Column("status", String(16), nullable=False),
        Column("cluster", Text, nullable=False),
        Column("modality", Text, nullable=False),
        Column("reason", Text, nullable=False),
        Column("pcode", String(16), nullable=False),
        Column("lat", Double, nullable=True),
        Column("lon", Double, nullable=True),
        Column("source_file", Text, nullable=False),
        Column("source_line", Integer, nullable=False),
        Column("imported_at", UTCTime(), nullable=False),
        CheckConstraint(f"status IN ({statuses})", name="ck_aid_deliveries_status"),
        Index("ix_aid_deliveries_date", "date"),
    )
    Table(
        "population_movements",
        md,
        Column("record_id", String(32), primary_key=True),
        Column("date", String(10), nullable=False),
        Column("date_precision", String(8), nullable=False),
        Column("place", Text, nullable=False),
        Column("people", Integer, nullable=False),
        Column("kind", String(16), nullable=False),
        Column("admin1", Text, nullable=False),
        Column("admin2", Text, nullable=False),
        Column("admin3", Text, nullable=False),
        Column("pcode", String(16), nullable=False),
        Column("origin", Text, nullable=False),
        Column("destination", Text, nullable=False),
        Column("lat", Double, nullable=True),
        Column("lon", Double, nullable=True),
        Column("source_file", Text, nullable=False),
        Column("source_line", Integer, nullable=False),
        Column("imported_at", UTCTime(), nullable=False),
        CheckConstraint(f"kind IN ({kinds})", name="ck_population_movements_kind"),
        CheckConstraint(
            f"date_precision IN ({precisions})", name="ck_population_movements_date_precision"
        ),
        Index("ix_population_movements_date", "date"),
    )
    return md


#: The periods a stored situation report covers as of version 14 (a copy of
#: :data:`ceasefire.situation.PERIOD_UNITS`), frozen.
V14_PERIOD_KINDS: Final = ("day", "week", "month")
#: The formats a situation report is stored in as of version 14: the self-contained HTML page
#: (the artefact to hash; Markdown and PDF are made from the same data on demand).
V14_REPORT_FORMATS: Final = ("html",)


def add_v14_situation_reports(md: MetaData) -> MetaData:
    """Version 14, situation reports as published records: ``situation_reports``, one row per
    report generated and saved (``ceasefire report --save``, the workspace's
    ``POST /api/situation-reports``): the agreement, the period (``period_kind`` day, week or
    month, its first and last day), the ``language``, the ``format`` (``html``), the ``body``
    exactly as served, its ``sha256``, the store's ``data_state`` it was built from (the
    counters a cache reads, as text; NULL when unknown), ``created_at`` and ``created_by`` (a
    user name, or ``cli``). Unique on (agreement, period kind, first day, language, sha256): a
    report regenerated over unchanged evidence is byte-identical, so saving it again adds no
    row; one with new evidence is a new row, the earlier kept (a published report is never
    overwritten). No foreign key to ``agreements``: a report outlives a replaced or removed
    agreement. Frozen like the versions before (see :mod:`ceasefire.store.situation_reports`)."""
    kinds = ", ".join(f"'{k}'" for k in V14_PERIOD_KINDS)
    formats = ", ".join(f"'{f}'" for f in V14_REPORT_FORMATS)
    Table(
        "situation_reports",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("agreement_id", Text, nullable=False),
        Column("period_kind", String(8), nullable=False),
        Column("period_start", String(10), nullable=False),
        Column("period_end", String(10), nullable=False),
        Column("language", String(16), nullable=False, server_default="en"),
        Column("format", String(8), nullable=False, server_default="html"),
        Column("body", Text, nullable=False),
        Column("sha256", String(64), nullable=False),
        Column("data_state", Text, nullable=True),
        Column("created_at", UTCTime(), nullable=False),
        Column("created_by", Text, nullable=False),
        UniqueConstraint(
            "agreement_id",
            "period_kind",
            "period_start",
            "language",
            "sha256",
            name="uq_situation_reports_key",
        ),
        CheckConstraint(f"period_kind IN ({kinds})", name="ck_situation_reports_period_kind"),
        CheckConstraint(f"format IN ({formats})", name="ck_situation_reports_format"),
        Index("ix_situation_reports_created", "created_at"),
    )
    return md


#: Alert rule kinds as of version 15: version 12's and ``situation_report`` (a copy of
#: :class:`ceasefire.alerts.RuleKind`), frozen.
V15_ALERT_KINDS: Final = (*V12_ALERT_KINDS, "situation_report")


def alert_kinds_check(kinds: Sequence[str]) -> str:
    """The SQL of the ``ck_alert_rules_kind`` CHECK for ``kinds``."""
    return "kind IN ({})".format(", ".join(f"'{k}'" for k in kinds))


def add_v15_report_alerts(md: MetaData) -> MetaData:
    """Version 15, alert rules that send each saved situation report
    (:class:`ceasefire.alerts.RuleKind` ``situation_report``): the CHECK on
    ``alert_rules.kind`` admits :data:`V15_ALERT_KINDS` (the migration changes the constraint
    in place; no row changes)."""
    rules = md.tables.get("alert_rules")
    if rules is not None:
        for c in list(rules.constraints):
            if c.name == "ck_alert_rules_kind":
                rules.constraints.remove(c)
        rules.append_constraint(
            CheckConstraint(alert_kinds_check(V15_ALERT_KINDS), name="ck_alert_rules_kind")
        )
    return md


#: Statuses of a fetch run (``fetch_state.status``) as of version 16, frozen.
V16_FETCH_STATUSES: Final = ("running", "done", "failed")


def add_v16_fetches(md: MetaData) -> MetaData:
    """Version 16, evidence fetched from the providers' APIs (``ceasefire fetch``, see
    :mod:`ceasefire.store.fetches`):

    - ``events.withdrawn_at`` and ``events.withdrawn_reason``: an event its provider withdrew
      (ACLED's deleted events) stays stored with its history but is no longer current
      evidence: the read model and evaluations leave it out, and its verdicts are deleted.
    - ``fetch_state``: one row per (source, query key): the status of the last run, the cursor
      of a run in progress (the next page, JSON), the rows fetched, the high-water mark of the
      last complete run (JSON) and when it ended, the last error (never a credential).
    - ``source_attributions``: each fetched source's licence, terms and citation, shown with
      what is made from its rows (exports, the event page).

    Frozen like the versions before."""
    events = md.tables["events"]
    events.append_column(Column("withdrawn_at", UTCTime(), nullable=True))
    events.append_column(Column("withdrawn_reason", Text, nullable=True))
    statuses = ", ".join(f"'{s}'" for s in V16_FETCH_STATUSES)
    Table(
        "fetch_state",
        md,
        Column("source", String(32), nullable=False),
        Column("query_key", Text, nullable=False),
        Column("status", String(16), nullable=False),
        Column("run_started_at", UTCTime(), nullable=True),
        Column("cursor", Text, nullable=True),
        Column("rows_fetched", Integer, nullable=False, server_default="0"),
        Column("high_water", Text, nullable=True),
        Column("last_success_at", UTCTime(), nullable=True),
        Column("last_error", Text, nullable=True),
        Column("updated_at", UTCTime(), nullable=False),
        PrimaryKeyConstraint("source", "query_key", name="pk_fetch_state"),
        CheckConstraint(f"status IN ({statuses})", name="ck_fetch_state_status"),
    )
    Table(
        "source_attributions",
        md,
        Column("source_dataset", String(32), primary_key=True),
        Column("name", Text, nullable=False),
        Column("licence", Text, nullable=False),
        Column("licence_url", Text, nullable=True),
        Column("citation", Text, nullable=False),
        Column("terms_url", Text, nullable=True),
        Column("updated_at", UTCTime(), nullable=False),
    )
    return md


#: What version 10 adds on PostgreSQL besides the ``timestamptz`` columns: each event's position
#: as a PostGIS geography point (NULL when it has none, or none on the globe), each zone's
#: geometry, and the indexes that the map, the zones and the append-only logs query by.
POSTGIS_DDL: Final[tuple[str, ...]] = (
    "ALTER TABLE events ADD COLUMN position geography(Point, 4326) GENERATED ALWAYS AS ("
    "CASE WHEN latitude BETWEEN -90 AND 90 AND longitude BETWEEN -180 AND 180 "
    "THEN ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)::geography END) STORED",
    # the map's bounding box: the planar box on the point, exactly the latitude/longitude
    # ranges SQLite tests (a geography box would bulge along great circles)
    "CREATE INDEX ix_events_position_box ON events USING gist ((position::geometry))",
    # distances (an event's uncertainty radius from a zone): ST_DWithin on the geography
    "CREATE INDEX ix_events_position ON events USING gist (position)",
    "ALTER TABLE zones ADD COLUMN geom geometry(Geometry, 4326) GENERATED ALWAYS AS ("
    "ST_SetSRID(ST_GeomFromGeoJSON((geojson::jsonb -> 'geometry')::text), 4326)) STORED",
    "CREATE INDEX ix_zones_geom ON zones USING gist (geom)",
    # append-only, so physical order is time order: a BRIN index is a few pages
    "CREATE INDEX ix_audit_log_at_brin ON audit_log USING brin (at)",
    "CREATE INDEX ix_event_versions_superseded_at_brin ON event_versions "
    "USING brin (superseded_at)",
)


#: The schema the code works with now (version :data:`ceasefire.store.migrations.LATEST`).
metadata: Final = add_v16_fetches(
    add_v15_report_alerts(
        add_v14_situation_reports(
            add_v13_humanitarian(
                add_v12_alerts(
                    add_v11_incident_rows(
                        add_v10_native_types(
                            add_v9_login_failures(
                                add_v8_reviews(
                                    add_v6_user_names(
                                        add_v5_columns(
                                            add_v4_tables(
                                                add_v3_tables(add_v2_tables(build_v1_metadata()))
                                            )
                                        )
                                    )
                                )
                            )
                        )
                    )
                )
            )
        )
    )
)

schema_migrations: Final = metadata.tables["schema_migrations"]
events: Final = metadata.tables["events"]
event_versions: Final = metadata.tables["event_versions"]
ingests: Final = metadata.tables["ingests"]
rejects: Final = metadata.tables["rejects"]
agreements: Final = metadata.tables["agreements"]
zones: Final = metadata.tables["zones"]
evaluations: Final = metadata.tables["evaluations"]
verdicts: Final = metadata.tables["verdicts"]
obligations: Final = metadata.tables["obligations"]
articles: Final = metadata.tables["articles"]
article_events: Final = metadata.tables["article_events"]
claims: Final = metadata.tables["claims"]
# v4
patrol_files: Final = metadata.tables["patrol_files"]
patrols: Final = metadata.tables["patrols"]
patrol_points: Final = metadata.tables["patrol_points"]
patrol_incidents: Final = metadata.tables["patrol_incidents"]
users: Final = metadata.tables["users"]  # v3
api_tokens: Final = metadata.tables["api_tokens"]  # v3
sessions: Final = metadata.tables["sessions"]  # v3
audit_log: Final = metadata.tables["audit_log"]  # v3
field_reports: Final = metadata.tables["field_reports"]  # v3
reviews: Final = metadata.tables["reviews"]  # v3
login_failures: Final = metadata.tables["login_failures"]  # v9
store_state: Final = metadata.tables["store_state"]  # v11
alert_rules: Final = metadata.tables["alert_rules"]  # v12
alert_deliveries: Final = metadata.tables["alert_deliveries"]  # v12
aid_deliveries: Final = metadata.tables["aid_deliveries"]  # v13
population_movements: Final = metadata.tables["population_movements"]  # v13
situation_reports: Final = metadata.tables["situation_reports"]  # v14
fetch_state: Final = metadata.tables["fetch_state"]  # v16
source_attributions: Final = metadata.tables["source_attributions"]  # v16


def iso_utc(values: pd.Series) -> list[str | None]:
    """Datetimes as the stored text: fixed-width ISO-8601 UTC, microseconds, ``None`` for NaT.

    Naive datetimes are taken to be UTC already.

    >>> iso_utc(pd.Series(pd.to_datetime(["2016-01-01 22:00", None], utc=True)))
    ['2016-01-01T22:00:00.000000Z', None]
    """
    s = pd.to_datetime(values, utc=True)
    arr = s.dt.tz_localize(None).to_numpy("datetime64[us]")
    text = np.datetime_as_string(arr, unit="us", timezone="UTC").tolist()
    mask = np.isnat(arr)
    return [None if m else t for t, m in zip(text, mask.tolist(), strict=True)]


def time_text(moment: datetime) -> str:
    """An aware datetime as stored text (UTC, microseconds).

    >>> time_text(datetime(2020, 3, 5, 22, 1, tzinfo=UTC))
    '2020-03-05T22:01:00.000000Z'
    """
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_utc() -> str:
    """The current time as stored text.

    >>> len(now_utc()) == TIME_TEXT_LENGTH and now_utc().endswith("Z")
    True
    """
    return time_text(datetime.now(UTC))
