"""Frames to stored rows and back: the value conventions every store module shares.

Stored values are plain Python values: ``None`` for missing, times as fixed-width ISO-8601 UTC
text (:func:`ceasefire.store.schema.iso_utc`), days as ``YYYY-MM-DD``. Frames read back are typed
from the table's columns (``Int64``, ``float64``, ``boolean``, ``string``), and event rows are
rebuilt into an events frame with :func:`ceasefire.events.normalise_events`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any, Final

import numpy as np
import pandas as pd
from sqlalchemy import Boolean, Connection, Double, Integer, Select, Table

from ceasefire.errors import StoreError
from ceasefire.events import normalise_events
from ceasefire.store import schema

__all__ = [
    "EVENT_COLS",
    "EVENT_DTYPES",
    "as_day",
    "chunks",
    "conformed",
    "db_values",
    "events_frame",
    "iso_text",
    "table_frame",
    "text",
    "typed",
]

#: Stored event columns and their pandas dtypes.
EVENT_DTYPES: Final[dict[str, str]] = dict(schema.V1_EVENT_COLUMNS)
EVENT_COLS: Final[list[str]] = list(EVENT_DTYPES)
_TIME_COLS: Final[list[str]] = [c for c, t in EVENT_DTYPES.items() if t.startswith("datetime64")]

#: Most values bound in one ``IN (...)`` (SQLite allowed only 999 variables before 3.32).
_IN_CHUNK: Final = 500


def chunks(values: Sequence[Any], size: int = _IN_CHUNK) -> Iterator[Sequence[Any]]:
    """``values`` in slices small enough for one ``IN (...)``.

    >>> [list(c) for c in chunks([1, 2, 3], size=2)]
    [[1, 2], [3]]
    """
    for i in range(0, len(values), size):
        yield values[i : i + size]


def db_values(series: pd.Series) -> list[Any]:
    """A column as plain Python values for the driver: ``None`` for missing, times as text."""
    if isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(
        series.dtype
    ):
        return schema.iso_utc(series)
    if series.dtype == np.float64:
        arr = series.to_numpy()
        values: list[Any] = arr.tolist()
        for i in np.flatnonzero(np.isnan(arr)):
            values[i] = None
        return values
    objects = series.to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]
    out: list[Any] = objects.tolist()
    return out


def iso_text(series: pd.Series) -> list[Any]:
    """Times or days as ISO text (``due``): datetimes as stored times, dates as days."""
    if isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(
        series.dtype
    ):
        return schema.iso_utc(series)
    out: list[Any] = []
    for v in db_values(series):
        if v is None:
            out.append(None)
        elif isinstance(v, datetime):
            out.append(schema.iso_utc(pd.Series([v]))[0])
        elif isinstance(v, date):
            out.append(v.isoformat())
        else:
            out.append(str(v))
    return out


def text(value: object) -> str | None:
    """A value as text, ``None`` when it is missing (``None``, NaN, ``pd.NA``)."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    return str(value)


def conformed(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as an events frame with a plain index (normalised only if it is not one)."""
    ok = all(c in frame.columns and str(frame[c].dtype) == d for c, d in EVENT_DTYPES.items())
    out = frame if ok else normalise_events(frame)
    return out.reset_index(drop=True)


def as_day(value: str, name: str) -> str:
    """``YYYY-MM-DD`` from a day or an ISO timestamp string (only its date part is used)."""
    try:
        return date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        raise StoreError(f"{name} must be an ISO date YYYY-MM-DD, not {value!r}") from None


def _dtype_for(column: Any) -> str:
    if isinstance(column.type, Integer):
        return "Int64"
    if isinstance(column.type, Double):
        return "float64"
    if isinstance(column.type, Boolean):
        return "boolean"
    return "string"


def typed(frame: pd.DataFrame, dtypes: dict[str, str]) -> pd.DataFrame:
    """``frame`` with each of ``dtypes``' columns cast to its dtype (in place)."""
    for col, dtype in dtypes.items():
        frame[col] = frame[col].astype(dtype)  # type: ignore[call-overload]
    return frame


def table_frame(conn: Connection, stmt: Select[Any], table: Table) -> pd.DataFrame:
    """Run ``stmt`` (selecting columns of ``table``) into a frame typed from the columns."""
    result = conn.execute(stmt)
    keys = list(result.keys())
    frame = pd.DataFrame.from_records(result.all(), columns=keys)
    return typed(frame, {k: _dtype_for(table.c[k]) for k in keys})


def events_frame(records: list[dict[str, Any]] | list[Any], keys: list[str]) -> pd.DataFrame:
    """Stored event rows (values as stored) -> an events frame."""
    frame = pd.DataFrame.from_records(records, columns=keys)
    for col in _TIME_COLS:
        if col in frame.columns:
            frame[col] = pd.to_datetime(frame[col], utc=True, format="ISO8601")
    out = normalise_events(frame)
    if "version" in out.columns:
        out["version"] = out["version"].astype("Int64")
    return out.reset_index(drop=True)
