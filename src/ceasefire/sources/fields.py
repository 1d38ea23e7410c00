"""Whole-column parsing of raw source fields, turning each failure into a :class:`Reject`.

:class:`RowChecks` wraps one batch of raw string columns. Each parser (numbers, dates,
coordinates) works on a whole column at once and records, for every row it cannot use, a reject
with the row's physical line. A row is rejected for its first problem only; later checks skip it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Final

import numpy as np
import pandas as pd

from ceasefire.events import day_window
from ceasefire.sources.batch import Reject

__all__ = ["RowChecks", "on_uniques", "row_hashes"]

_SEP: Final = "\x1f"
#: The day given to rejected rows before their time window is computed (it is never kept).
_PLACEHOLDER_DAY: Final = pd.Timestamp("2000-01-01")


def row_hashes(rows: Sequence[Sequence[str]]) -> list[str]:
    """A short stable hash of each row of raw string values, to notice a changed row on re-ingest.

    blake2b (96 bits, hex) of the values joined by U+001F, the way
    :func:`ceasefire.events.content_hash` hashes a row but without its ``repr`` of each value,
    which costs more than the hashing itself on a large file.

    >>> row_hashes([["a", "1"], ["a", "1"], ["a", "2"]])[0] == row_hashes([["a", "1"]])[0]
    True
    >>> len(set(row_hashes([["a", "1"], ["a", "2"], ["a1", ""]])))
    3
    """
    blake2b, sep = hashlib.blake2b, _SEP
    return [blake2b(sep.join(r).encode("utf-8"), digest_size=12).hexdigest() for r in rows]


def on_uniques(values: pd.Series, func: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``func`` applied to the distinct values of ``values`` only, spread back to every row.

    For string work on columns with few distinct values (places, actors, dates): the cost is that
    of the distinct values, not of the rows. NA stays NA; ``func`` must keep its input's index.

    >>> s = pd.Series(["a ", "b", "a ", None], dtype="string")
    >>> on_uniques(s, lambda u: u.str.strip()).tolist()
    ['a', 'b', 'a', <NA>]
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    done = func(pd.Series(uniques, dtype=values.dtype))
    out = done.iloc[np.where(codes < 0, 0, codes)] if len(done) else done.reindex([0] * len(codes))
    out = out.set_axis(values.index)
    return out.mask(pd.Series(codes < 0, index=values.index))


def _mask(values: pd.Series | np.ndarray) -> np.ndarray:
    if isinstance(values, pd.Series):
        return values.fillna(False).to_numpy(dtype=bool)
    return np.asarray(values, dtype=bool)


class RowChecks:
    """Parsers over the raw string columns of one batch, collecting rejects.

    >>> raw = pd.DataFrame({"lat": ["35.1", "x", "", "95"], "lon": ["36", "36", "36", "36"]})
    >>> chk = RowChecks(raw, np.array([2, 3, 4, 5]), "f.csv")
    >>> lat, lon = chk.coordinates("lat", "lon")
    >>> [(r.line, r.reason) for r in chk.rejects]  # doctest: +NORMALIZE_WHITESPACE
    [(3, 'not a number'), (4, 'missing coordinates'), (5, 'latitude out of range [-90, 90]')]
    >>> chk.good.tolist()
    [True, False, False, False]
    """

    def __init__(self, raw: pd.DataFrame, lines: np.ndarray, file: str) -> None:
        self.raw = raw
        self.lines = np.asarray(lines, dtype=np.int64)
        self.file = file
        self.bad = np.zeros(len(raw), dtype=bool)
        self._rejects: list[Reject] = []
        self._text: dict[str, pd.Series] = {}

    @property
    def good(self) -> np.ndarray:
        """Boolean mask of the rows not rejected so far."""
        return ~self.bad

    @property
    def rejects(self) -> list[Reject]:
        """The rejects recorded so far, in line order."""
        return sorted(self._rejects, key=lambda r: r.line)

    def reject(
        self,
        mask: pd.Series | np.ndarray,
        field: str,
        reason: str,
        values: pd.Series | None = None,
    ) -> None:
        """Reject the rows in ``mask`` (not already rejected) for ``reason`` in ``field``.

        The raw value shown is ``values`` if given, else the raw column ``field``.
        """
        m = _mask(mask) & ~self.bad
        if not m.any():
            return
        shown = values if values is not None else self.raw.get(field)
        idx = np.flatnonzero(m)
        vals: list[object] = [None] * len(idx) if shown is None else shown.iloc[idx].tolist()
        for i, v in zip(idx, vals, strict=True):
            value = None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else str(v)
            self._rejects.append(Reject(self.file, int(self.lines[i]), field, value, reason))
        self.bad |= m

    # -- parsers ------------------------------------------------------------------------------
    def text(self, column: str, *, strip: bool = False) -> pd.Series:
        """The column as ``string`` with empty values as NA (absent column -> all NA).

        Text is kept as the source wrote it unless ``strip`` (used for codes, numbers, dates).

        >>> chk = RowChecks(pd.DataFrame({"a": [" x ", ""]}), np.array([1, 2]), "f")
        >>> chk.text("a").tolist(), chk.text("a", strip=True).tolist()
        ([' x ', <NA>], ['x', <NA>])
        """
        key = f"{column}\x00{strip}"
        if key in self._text:
            return self._text[key]
        if column not in self.raw.columns:
            s = pd.Series(pd.NA, index=self.raw.index, dtype="string")
        else:
            s = self.raw[column].astype("string")
            if strip:
                s = on_uniques(s, lambda u: u.str.strip())
            s = s.mask(s == "")
        self._text[key] = s
        return s

    def number(
        self,
        column: str,
        *,
        required: bool = False,
        whole: bool = False,
        minimum: float | None = None,
        label: str | None = None,
    ) -> pd.Series:
        """The column as float64 (NA -> NaN); rejects non-numbers, and per the options.

        ``required``: reject empty values; ``whole``: reject values with a fractional part (UCDP
        writes ``4.0``); ``minimum``: reject smaller values.

        >>> raw = pd.DataFrame({"n": ["4.0", "2.5", "-1", "", "many"]})
        >>> chk = RowChecks(raw, np.arange(2, 7), "f")
        >>> chk.number("n", whole=True, minimum=0).tolist()[:1]
        [4.0]
        >>> [r.reason for r in chk.rejects]
        ['not a whole number', 'negative', 'not a number']
        """
        what = label or column
        s = self.text(column)  # to_numeric itself allows blanks around a number
        empty = s.isna()
        num = pd.to_numeric(s, errors="coerce").astype("float64")
        if required:
            self.reject(empty, column, f"missing {what}")
        self.reject(~empty & num.isna(), column, "not a number")
        finite = np.isfinite(num.to_numpy())
        self.reject(~empty & ~finite & num.notna(), column, "not a finite number")
        if whole:
            self.reject(finite & (num.to_numpy() % 1 != 0), column, "not a whole number")
        if minimum is not None:
            below = finite & (num.to_numpy() < minimum)
            self.reject(below, column, "negative" if minimum == 0 else f"below {minimum}")
        return num

    def integer(self, column: str, **kwargs: object) -> pd.Series:
        """:meth:`number` with ``whole=True``, as ``Int64``; a number past 64 bits is rejected.

        >>> raw = pd.DataFrame({"n": ["3", "1" + "0" * 30]})
        >>> chk = RowChecks(raw, np.arange(2, 4), "f")
        >>> chk.integer("n").tolist(), [r.reason for r in chk.rejects]
        ([3, <NA>], ['too large a number'])
        """
        num = self.number(column, whole=True, **kwargs)  # type: ignore[arg-type]
        arr = num.to_numpy()
        huge = np.isfinite(arr) & (np.abs(np.nan_to_num(arr)) >= 2.0**63)
        self.reject(huge, column, "too large a number")
        ok = np.isfinite(arr) & (arr % 1 == 0) & ~huge
        return num.where(ok).astype("Int64")

    def date(
        self,
        column: str,
        formats: Sequence[str],
        *,
        required: bool = True,
        pattern: str | None = None,
    ) -> pd.Series:
        """The column as naive ``datetime64`` days, trying ``formats`` in order.

        ``pattern``, if given, is a regex a value must match in full (the parser alone accepts
        ``"2020031"`` for ``%Y%m%d``).

        >>> raw = pd.DataFrame({"d": ["2020-03-07", "07 March 2020", "2020-02-30", ""]})
        >>> chk = RowChecks(raw, np.arange(2, 6), "f")
        >>> chk.date("d", ["%Y-%m-%d", "%d %B %Y"]).dt.strftime("%Y-%m-%d").tolist()[:2]
        ['2020-03-07', '2020-03-07']
        >>> [(r.line, r.reason) for r in chk.rejects]
        [(4, 'unparseable date'), (5, 'missing date')]
        """
        s = self.text(column, strip=True)
        parsed = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
        shaped = s.notna() if pattern is None else s.str.fullmatch(pattern).fillna(False)
        for fmt in formats:
            todo = parsed.isna() & shaped
            if not todo.any():
                break
            got = pd.to_datetime(s[todo], format=fmt, errors="coerce")
            parsed[todo] = got.astype("datetime64[ns]")
        if required:
            self.reject(s.isna(), column, "missing date")
        self.reject(s.notna() & parsed.isna(), column, "unparseable date")
        return parsed

    def coordinates(self, lat: str, lon: str) -> tuple[pd.Series, pd.Series]:
        """Latitude and longitude as float64; rejects missing, non-numeric and out-of-range ones."""
        lat_s, lon_s = self.text(lat), self.text(lon)
        self.reject(lat_s.isna(), lat, "missing coordinates")
        self.reject(lon_s.isna(), lon, "missing coordinates")
        y = self.number(lat)
        x = self.number(lon)
        self.reject(y.abs() > 90, lat, "latitude out of range [-90, 90]")
        self.reject(x.abs() > 180, lon, "longitude out of range [-180, 180]")
        return y, x

    # -- time windows -------------------------------------------------------------------------
    def good_days(self, days: pd.Series) -> pd.Series:
        """``days`` of the rows not rejected so far; a placeholder day for the rejected ones.

        >>> chk = RowChecks(pd.DataFrame({"d": ["x", "y"]}), np.array([2, 3]), "f")
        >>> chk.reject(np.array([True, False]), "d", "bad")
        >>> chk.good_days(pd.Series(pd.to_datetime([None, "2020-03-07"]))).tolist()
        [Timestamp('2000-01-01 00:00:00'), Timestamp('2020-03-07 00:00:00')]
        """
        return days.where(pd.Series(self.good, index=days.index)).fillna(_PLACEHOLDER_DAY)

    def window(
        self, first_day: pd.Series, last_day: pd.Series, *, timezone: str, field: str
    ) -> tuple[pd.Series, pd.Series]:
        """:func:`~ceasefire.events.day_window` of local days ``first_day`` .. ``last_day``;
        rejects in ``field`` the rows whose window has no such local time in ``timezone``."""
        start, end = day_window(first_day, last_day, timezone=timezone)
        self.reject(start.isna() | end.isna(), field, f"no such local time in {timezone}")
        return start, end
