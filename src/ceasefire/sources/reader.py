"""The machinery every reader shares: records -> raw frame -> crosswalk -> events batch.

A concrete reader (:mod:`~ceasefire.sources.ucdp`, :mod:`~ceasefire.sources.acled`,
:mod:`~ceasefire.sources.gdelt`) says how its file is laid out (delimiter, header, required
columns) and implements :meth:`EventReader.crosswalk`, which maps one batch of raw string columns
to event columns, rejecting rows through a :class:`~ceasefire.sources.fields.RowChecks`.
This class adds what every event gets: ``event_uid``, provenance, ``content_hash``,
``initiator_known``, and rejects duplicate row ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO, ClassVar

import numpy as np
import pandas as pd

from ceasefire.events import normalise_events
from ceasefire.limits import MAX_BATCH_CHARS
from ceasefire.sources.batch import Batch, Reject, concat_batches
from ceasefire.sources.fields import RowChecks, row_hashes
from ceasefire.sources.records import Record, RecordFile
from ceasefire.sources.sniff import check_format

__all__ = ["EventReader"]


class EventReader:
    """Base class of the readers; see the module docstring."""

    #: The source name, also ``source_dataset`` of its events.
    name: str = ""
    #: What the file is, for error messages ("a UCDP GED CSV file").
    kind: ClassVar[str] = "an events file"
    delimiter: ClassVar[str] = ","
    quoting: ClassVar[bool] = True
    #: Column names of a headerless format, or ``None`` to read them from the first line.
    header: ClassVar[Sequence[str] | None] = None
    #: Columns a header must have.
    required: ClassVar[Sequence[str]] = ()
    #: The raw column whose value is ``source_row_id`` (named in duplicate rejects).
    id_column: ClassVar[str] = ""
    #: Whether ``actor1`` is known to have initiated the event (unless :meth:`crosswalk`
    #: returns an ``initiator_known`` column of its own).
    initiator_known: ClassVar[bool] = True

    def crosswalk(self, raw: pd.DataFrame, checks: RowChecks) -> pd.DataFrame:
        """Event columns (with ``source_row_id``) for the raw rows, indexed like ``raw``."""
        raise NotImplementedError

    # -- the Source protocol ------------------------------------------------------------------
    def batches(
        self,
        path: str | Path,
        *,
        batch_size: int = 5000,
        opener: Callable[[], BinaryIO] | None = None,
    ) -> Iterator[Batch]:
        """The events of ``path`` in batches of at most ``batch_size`` records (good or rejected).

        ``opener``, when given, opens the bytes to read instead of ``path`` (a member of a zip
        archive, read without extracting it); ``path`` then only names them in
        ``source_file`` and in rejects.

        A batch also ends early once its records hold :data:`~ceasefire.limits.MAX_BATCH_CHARS`
        characters, so that memory stays bounded whatever ``batch_size`` is. A file with a
        header and no records yields one empty batch. Raises
        :class:`~ceasefire.errors.EventReadError` when the file cannot be read at all
        (:class:`~ceasefire.errors.LimitError` when its first line is over a limit).
        """
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        ingest_time = pd.Timestamp.now(tz="UTC")
        columns = len(self.header) if self.header is not None else None
        # not the format at all (random bytes, a zip): one file-level error, not a reject a line
        check_format(path, kind=self.kind, delimiter=self.delimiter, columns=columns, opener=opener)
        records = RecordFile(
            path,
            delimiter=self.delimiter,
            quoting=self.quoting,
            header=self.header,
            required=self.required,
            kind=self.kind,
            opener=opener,
        )
        seen: dict[str, int] = {}
        chunk: list[Record] = []
        yielded = False
        start = records.chars_read
        for rec in records:
            chunk.append(rec)
            if len(chunk) >= batch_size or records.chars_read - start >= MAX_BATCH_CHARS:
                yield self._batch(chunk, records, ingest_time, seen)
                yielded = True
                chunk = []
                start = records.chars_read
        if chunk or not yielded:
            yield self._batch(chunk, records, ingest_time, seen)

    def read(self, path: str | Path) -> Batch:
        """The whole of ``path`` as one batch."""
        return concat_batches(self.batches(path, batch_size=50_000))

    # -- one batch ----------------------------------------------------------------------------
    def _batch(
        self,
        chunk: list[Record],
        records: RecordFile,
        ingest_time: pd.Timestamp,
        seen: dict[str, int],
    ) -> Batch:
        file = records.file
        good = [r for r in chunk if r.fields is not None]
        rejects: list[Reject] = [r.reject for r in chunk if r.reject is not None]
        rows = [r.fields for r in good if r.fields is not None]
        lines = np.array([r.start for r in good], dtype=np.int64)
        raw = pd.DataFrame(rows, columns=records.columns, dtype="string")
        checks = RowChecks(raw, lines, file)
        events = self.crosswalk(raw, checks)
        ids = events["source_row_id"].astype("string")
        checks.reject(ids.isna(), self.id_column, f"missing {self.id_column}")
        self._reject_duplicates(ids, checks, seen)
        events["source_dataset"] = self.name
        events["event_uid"] = self.name + ":" + ids
        events["source_file"] = file
        events["source_line"] = lines
        events["ingest_time"] = ingest_time
        events["content_hash"] = row_hashes(rows)
        if "initiator_known" not in events.columns:  # a reader may know it row by row (UCDP)
            events["initiator_known"] = self.initiator_known
        keep = checks.good
        out = normalise_events(events.loc[keep].reset_index(drop=True))
        first = chunk[0].start if chunk else records.first_data_line
        last = chunk[-1].end if chunk else records.first_data_line - 1
        all_rejects = sorted([*rejects, *checks.rejects], key=lambda r: r.line)
        return Batch(out, all_rejects, first, last)

    def _reject_duplicates(self, ids: pd.Series, checks: RowChecks, seen: dict[str, int]) -> None:
        ok = pd.Series(checks.good, index=ids.index) & ids.notna()
        earlier = ids.map(seen).where(ok)
        dup_in_batch = ids.where(ok).duplicated(keep="first") & ok
        first_line = (
            pd.Series(checks.lines, index=ids.index).where(ok).groupby(ids).transform("first")
        )
        line_of_first = earlier.fillna(first_line.where(dup_in_batch))
        for line in sorted(set(line_of_first.dropna().astype(int).tolist())):
            m = line_of_first.eq(line).fillna(False)
            checks.reject(m, self.id_column, f"duplicate {self.id_column} (first on line {line})")
        fresh = ok & ~pd.Series(checks.bad, index=ids.index)
        seen.update(zip(ids[fresh].tolist(), checks.lines[fresh.to_numpy()].tolist(), strict=True))
