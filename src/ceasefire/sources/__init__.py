"""Evidence readers: conflict-event files -> events frames, one small module per source.

Every reader implements :class:`Source`: :meth:`~Source.batches` yields :class:`Batch` objects
(an events frame, see :mod:`ceasefire.events`, plus the :class:`Reject` rows and the physical
line range covered) and :meth:`~Source.read` gives the whole file as one batch. Files may be
plain or gzip-compressed. A file that cannot be read at all raises
:class:`~ceasefire.errors.EventReadError`; a bad row never raises, it becomes a reject.

>>> reader_for("ucdp").name, reader_for("ACLED").name, reader_for("gdelt").name
('ucdp_ged', 'acled', 'gdelt')

The crosswalks from each source to the event model are documented in ``docs/sources.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from ceasefire.errors import EventReadError, UnknownIdError
from ceasefire.sources.acled import AcledSource
from ceasefire.sources.batch import Batch, Reject, Source, concat_batches
from ceasefire.sources.gdelt import GDELT_COLUMNS, GdeltSource
from ceasefire.sources.records import count_lines
from ceasefire.sources.ucdp import UcdpGedSource
from ceasefire.vocab import SourceDataset

__all__ = [
    "AcledSource",
    "Batch",
    "GdeltSource",
    "Reject",
    "Source",
    "UcdpGedSource",
    "concat_batches",
    "count_records",
    "detect_source",
    "read_events",
    "reader_for",
]

_READERS: Final[dict[str, type[UcdpGedSource | AcledSource | GdeltSource]]] = {
    "ucdp": UcdpGedSource,
    "ucdp_ged": UcdpGedSource,
    "ucdp-ged": UcdpGedSource,
    "acled": AcledSource,
    "gdelt": GdeltSource,
}

#: The canonical source names (``Source.name`` and ``source_dataset``).
_SOURCE_NAMES: Final = tuple(
    s.value for s in (SourceDataset.UCDP_GED, SourceDataset.ACLED, SourceDataset.GDELT)
)


def reader_for(name: str) -> Source:
    """The reader for source ``name``: ``"ucdp"``/``"ucdp_ged"``, ``"acled"`` or ``"gdelt"``.

    >>> reader_for("nope")
    Traceback (most recent call last):
    ...
    ceasefire.errors.UnknownIdError: unknown evidence source 'nope' (known: ucdp_ged, acled, gdelt)
    """
    try:
        cls = _READERS[name.strip().lower()]
    except KeyError:
        raise UnknownIdError(
            f"unknown evidence source {name!r} (known: {', '.join(_SOURCE_NAMES)})"
        ) from None
    return cls()


def read_events(path: str | Path, source: str) -> Batch:
    """Read the whole of ``path`` with the reader for ``source``.

    >>> from ceasefire.sources.ucdp import BUNDLED_GED_SYRIA
    >>> batch = read_events(BUNDLED_GED_SYRIA, "ucdp")
    >>> batch.events.loc[0, "event_uid"], batch.first_line, batch.last_line
    ('ucdp_ged:214797', 2, 16608)
    """
    return reader_for(source).read(path)


def count_records(path: str | Path, *, source: str | None = None) -> int:
    """A cheap upper bound of the number of data records in ``path``, for progress bars.

    Counts physical lines (a quoted multi-line field counts more than once), less a header
    line: always for UCDP and ACLED, for GDELT only when its first line is its column names,
    and with ``source`` unknown when the first character of the file is not a digit.

    >>> from ceasefire.sources.ucdp import BUNDLED_GED_SYRIA
    >>> count_records(BUNDLED_GED_SYRIA)
    16607
    """
    n, first = count_lines(path)
    if source is not None:
        name = reader_for(source).name
        if name == "gdelt":
            has_header = first.split(b"\t", 1)[0].strip().lower() == b"globaleventid"
        else:
            has_header = True
    else:
        has_header = bool(first) and not first.lstrip(b"\xef\xbb\xbf")[:1].isdigit()
    return max(n - int(has_header), 0)


def detect_source(path: str | Path) -> str:
    """``"ucdp"``, ``"acled"`` or ``"gdelt"``, from the first line of ``path`` (plain or gzip).

    A header naming ``type_of_violence`` and ``where_prec`` is UCDP GED, one naming
    ``event_id_cnty`` is ACLED; a headerless line of 61 tab-separated fields (or GDELT's own
    column names) is GDELT 2.0. Anything else raises :class:`~ceasefire.errors.EventReadError`.

    >>> from ceasefire.sources.ucdp import BUNDLED_GED_SYRIA
    >>> detect_source(BUNDLED_GED_SYRIA)
    'ucdp'
    """
    n, first = count_lines(path)
    if n == 0:
        raise EventReadError("empty file: cannot tell its source", file=str(path))
    line = first.lstrip(b"\xef\xbb\xbf").decode("utf-8", "replace")
    tabbed = line.split("\t")
    if len(tabbed) == len(GDELT_COLUMNS) or tabbed[0].strip().lower() == "globaleventid":
        return "gdelt"
    names = {c.strip().strip('"').lower() for c in line.split(",")}
    if {"type_of_violence", "where_prec"} <= names:
        return "ucdp"
    if "event_id_cnty" in names:
        return "acled"
    raise EventReadError(
        "cannot tell the source of this file: not a UCDP GED or ACLED CSV header, "
        "nor a GDELT 2.0 event line",
        file=str(path),
        line=1,
    )
