"""What a reader hands back: a batch of events and the rows it had to reject.

A reader never raises for a bad *row*: the row becomes a :class:`Reject` that says where it was
(file, physical line), which field was wrong, the raw value and why, and the rest of the file
still loads. Only a file that cannot be read at all raises :class:`ceasefire.errors.EventReadError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Protocol, runtime_checkable

import pandas as pd

from ceasefire.events import empty_events, normalise_events

__all__ = [
    "Batch",
    "Reject",
    "Source",
    "concat_batches",
]

#: Raw values kept in a :class:`Reject` are cut to this many characters.
MAX_REJECT_VALUE: Final = 200


@dataclass(frozen=True)
class Reject:
    """One bad row, kept where a user can see it.

    ``line`` is the 1-based physical line where the record starts; ``field`` is a column name, or
    ``"(row)"`` for problems with the record as a whole (column count, encoding, quoting).

    >>> str(Reject("a.csv", 7, "latitude", "95.1", "latitude out of range [-90, 90]"))
    "a.csv:7: latitude: latitude out of range [-90, 90] ('95.1')"
    """

    file: str
    line: int
    field: str
    value: str | None
    reason: str

    def __post_init__(self) -> None:
        if self.value is not None and len(self.value) > MAX_REJECT_VALUE:
            object.__setattr__(self, "value", self.value[:MAX_REJECT_VALUE])

    def __str__(self) -> str:
        value = f" ({self.value!r})" if self.value is not None else ""
        return f"{self.file}:{self.line}: {self.field}: {self.reason}{value}"


@dataclass
class Batch:
    """Events read from physical lines ``first_line`` .. ``last_line`` of a file, and its rejects.

    ``events`` is an events frame (see :mod:`ceasefire.events`); the line range is empty
    (``last_line < first_line``) when the batch holds no records.

    >>> b = Batch(empty_events(), [], 2, 1)
    >>> len(b), b.first_line
    (0, 2)
    """

    events: pd.DataFrame
    rejects: list[Reject] = field(default_factory=list)
    first_line: int = 1
    last_line: int = 0

    def __len__(self) -> int:
        return len(self.events)


@runtime_checkable
class Source(Protocol):
    """A reader for one kind of evidence file."""

    name: str

    def batches(self, path: str | Path, *, batch_size: int = 5000) -> Iterator[Batch]:
        """The file as consecutive batches of at most ``batch_size`` records each."""
        ...

    def read(self, path: str | Path) -> Batch:
        """The whole file as one batch (the concatenation of :meth:`batches`)."""
        ...


def concat_batches(batches: Iterable[Batch], *, first_line: int = 1) -> Batch:
    """One batch holding the events and rejects of ``batches``, in order.

    ``first_line`` is used for the line range when there are no batches.

    >>> b = concat_batches([Batch(empty_events(), [], 2, 10), Batch(empty_events(), [], 11, 12)])
    >>> b.first_line, b.last_line, len(b)
    (2, 12, 0)
    """
    parts = list(batches)
    if not parts:
        return Batch(empty_events(), [], first_line, first_line - 1)
    frames = [b.events for b in parts if len(b.events)]
    if not frames:
        events = parts[0].events.iloc[0:0]
    elif len(frames) == 1:
        events = frames[0].reset_index(drop=True)
    else:
        events = normalise_events(pd.concat(frames, ignore_index=True))
    rejects = [r for b in parts for r in b.rejects]
    return Batch(events, rejects, parts[0].first_line, parts[-1].last_line)
