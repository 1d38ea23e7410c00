"""Physical records of a delimited text file, with their line numbers.

A *record* is one row of a CSV or TSV file; with quoted fields it may span several physical
lines (UCDP's ``source_article`` holds newlines). :class:`RecordFile` splits a file, plain or
gzip-compressed, into records and keeps for each the physical line where it starts and ends, so
that every reject can point at a line a person can open in an editor.

Decoding is per physical line: a record with a line that is not valid UTF-8 is rejected and the
others load. A record whose column count is wrong *and* that spans several lines is most likely an
unterminated quote that swallowed the lines after it: its first line is rejected and reading goes
on from the line after it, so one stray quote costs one row, not the rest of the file.
"""

from __future__ import annotations

import csv
import gzip
import zlib
from collections import deque
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO, Final, NamedTuple, cast

from ceasefire.errors import EventReadError
from ceasefire.sources.batch import Reject

__all__ = ["ROW", "Record", "RecordFile", "count_lines", "open_binary"]

#: The ``field`` of a reject that concerns the record as a whole.
ROW: Final = "(row)"

_GZIP_MAGIC: Final = b"\x1f\x8b"
_BLOCK: Final = 1 << 20


def open_binary(path: str | Path) -> BinaryIO:
    """Open ``path`` for reading bytes, decompressing it when it is gzip (by content, not name).

    Raises :class:`EventReadError` for a file that does not exist or is a directory.

    >>> open_binary("/nonexistent/events.csv")
    Traceback (most recent call last):
    ...
    ceasefire.errors.EventReadError: /nonexistent/events.csv: file not found
    """
    p = Path(path)
    if not p.exists():
        raise EventReadError("file not found", file=str(path))
    if p.is_dir():
        raise EventReadError("is a directory, not a file", file=str(path))
    try:
        with p.open("rb") as probe:
            compressed = probe.read(2) == _GZIP_MAGIC
        if compressed:
            return cast(BinaryIO, gzip.open(p, "rb"))
        return p.open("rb")
    except OSError as exc:
        raise EventReadError(f"cannot open: {exc.strerror or exc}", file=str(path)) from exc


def count_lines(path: str | Path) -> tuple[int, bytes]:
    """Number of physical lines in ``path`` (plain or gzip) and its first line, cheaply.

    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("wb", suffix=".csv", delete=False) as fh:
    ...     _ = fh.write(b"a,b\\n1,2\\n3,4")
    >>> count_lines(fh.name)
    (3, b'a,b')
    >>> os.unlink(fh.name)
    """
    n = 0
    last = b"\n"
    first = b""
    with open_binary(path) as fh:
        try:
            while chunk := fh.read(1 << 20):
                if not first:
                    first = chunk.split(b"\n", 1)[0].rstrip(b"\r")
                n += chunk.count(b"\n")
                last = chunk[-1:]
        except (OSError, EOFError, zlib.error) as exc:
            raise EventReadError(f"cannot decompress: {exc}", file=str(path)) from exc
    if last != b"\n":
        n += 1
    return n, first


class _Lines:
    """Physical lines of a binary file as text, numbered, with push-back.

    Reads blocks, decodes each block at once when it is valid UTF-8 and line by line otherwise
    (marking the lines that are not in :attr:`bad`). Every line handed out is appended to
    :attr:`consumed` as ``(number, text)``; :meth:`push_back` returns lines to be read again.
    It may be iterated again after it ran dry (lines pushed back after the end).
    """

    def __init__(self, fh: BinaryIO, file: str) -> None:
        self._fh = fh
        self._file = file
        self._buffer: deque[tuple[int, str]] = deque()
        self._tail = b""
        self._next_no = 1
        self._eof = False
        self.consumed: list[tuple[int, str]] = []
        self.bad: set[int] = set()

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        while not self._buffer:
            if not self._fill():
                raise StopIteration
        item = self._buffer.popleft()
        self.consumed.append(item)
        return item[1]

    def push_back(self, items: list[tuple[int, str]]) -> None:
        """Make ``items`` the next lines read."""
        self._buffer.extendleft(reversed(items))

    def _fill(self) -> bool:
        if self._eof:
            return False
        try:
            block = self._fh.read(_BLOCK)
        except (OSError, EOFError, zlib.error) as exc:
            raise EventReadError(
                f"cannot decompress after line {self._next_no - 1}: {exc}", file=self._file
            ) from exc
        if block:
            data = self._tail + block
            cut = data.rfind(b"\n") + 1
            self._tail, data = data[cut:], data[:cut]
            if not data:
                return True
        else:
            self._eof = True
            data, self._tail = self._tail, b""
            if not data:
                return False
        if self._next_no == 1 and data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        parts = data.split(b"\n")
        ends = [b"\n"] * (len(parts) - 1) + [b""]
        if parts[-1] == b"":
            parts.pop()
            ends.pop()
        first = self._next_no
        self._next_no += len(parts)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            self._buffer.extend(
                (first + i, self._decode(first + i, part + end))
                for i, (part, end) in enumerate(zip(parts, ends, strict=True))
            )
        else:
            pieces = text.split("\n")
            if pieces[-1] == "":
                pieces.pop()
            last = len(pieces) - 1
            self._buffer.extend(
                (first + i, piece + "\n" if i < last or ends[-1] else piece)
                for i, piece in enumerate(pieces)
            )
        return True

    def _decode(self, number: int, raw: bytes) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            self.bad.add(number)
            return raw.decode("utf-8", "surrogateescape")


def _undecoded(fields: list[str]) -> Iterator[str]:
    """The fields that hold undecodable bytes (as lone surrogates)."""
    for f in fields:
        try:
            f.encode("utf-8")
        except UnicodeEncodeError:
            yield f


class Record(NamedTuple):
    """One record: its fields (``None`` when rejected), and physical lines ``start`` .. ``end``."""

    start: int
    end: int
    fields: list[str] | None
    reject: Reject | None = None


class RecordFile:
    """The records of one delimited file, in order, with line numbers.

    ``header``: ``None`` to take the column names from the first record, or the names of a
    headerless format (GDELT); ``required`` columns must be in the header. With a fixed header,
    a first record equal to the names (any case) is skipped as a header. Records of the wrong
    column count, invalid UTF-8 or broken quoting come out with a :class:`Reject`.

    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("wb", suffix=".csv", delete=False) as fh:
    ...     _ = fh.write(b'id,text\\n1,"two\\nlines"\\n2\\n3,ok\\n')
    >>> rf = RecordFile(fh.name, required=["id"])
    >>> rf.columns
    ['id', 'text']
    >>> for r in rf:
    ...     print(r.start, r.end, r.fields, r.reject and r.reject.reason)
    2 3 ['1', 'two\\nlines'] None
    4 4 None expected 2 columns, found 1
    5 5 ['3', 'ok'] None
    >>> os.unlink(fh.name)
    """

    def __init__(
        self,
        path: str | Path,
        *,
        delimiter: str = ",",
        quoting: bool = True,
        header: Sequence[str] | None = None,
        required: Sequence[str] = (),
        kind: str = "an events file",
    ) -> None:
        self.path = path
        self.file = str(path)
        self._fh = open_binary(path)
        self._lines = _Lines(self._fh, self.file)
        self._ncol = 0  # no column count check until the header is known
        if quoting:
            self._reader = csv.reader(self._lines, delimiter=delimiter, strict=False)
        else:
            self._reader = csv.reader(
                self._lines, delimiter=delimiter, quoting=csv.QUOTE_NONE, strict=False
            )
        self.columns: list[str]
        self.header_lines = 0
        first = self._next_record()
        if first is None:
            raise self._fail(f"empty file: not {kind}")
        if header is None:
            if first.fields is None:
                raise self._fail(
                    f"header line is not readable ({first.reject and first.reject.reason})",
                    first.start,
                )
            self.columns = [c.strip() for c in first.fields]
            if self.columns and self.columns[0].startswith("\ufeff"):
                self.columns[0] = self.columns[0][1:]
            self.header_lines = first.end
            self._first: Record | None = None
        else:
            self.columns = list(header)
            fields = first.fields or []
            if [f.strip().lower() for f in fields] == [c.lower() for c in self.columns]:
                self.header_lines = first.end
                self._first = None
            elif first.fields is not None and len(first.fields) != len(self.columns):
                raise self._fail(
                    f"not {kind}: expected {len(self.columns)} columns separated by "
                    f"{delimiter!r}, the first line has {len(first.fields)}",
                    first.start,
                )
            else:
                self._first = first
        missing = [c for c in required if c not in self.columns]
        if missing:
            raise self._fail(
                f"not {kind}: header lacks column(s) {', '.join(missing)}", first.start
            )
        twice = sorted({c for c in self.columns if self.columns.count(c) > 1})
        if twice:
            raise self._fail(
                f"header names column(s) more than once: {', '.join(twice)}", first.start
            )
        self._ncol = len(self.columns)

    def _fail(self, problem: str, line: int | None = None) -> EventReadError:
        """Close the file and return the error to raise: it cannot be read at all."""
        self.close()
        return EventReadError(problem, file=self.file, line=line)

    # -- records ------------------------------------------------------------------------------
    @staticmethod
    def _shown(text: str) -> str:
        """Text as a person can read it: undecodable bytes as ``\\xe9``, no line ending."""
        return (
            text.rstrip("\r\n")
            .encode("utf-8", "surrogateescape")
            .decode("utf-8", "backslashreplace")
        )

    def _reject(
        self, consumed: list[tuple[int, str]], reason: str, value: str | None = None
    ) -> Record:
        start, end = consumed[0][0], consumed[-1][0]
        shown = self._shown(value if value is not None else "".join(t for _, t in consumed))
        return Record(start, end, None, Reject(self.file, start, ROW, shown, reason))

    def _next_record(self) -> Record | None:
        """The next non-blank record, or ``None`` at the end of the file."""
        lines = self._lines
        while True:
            lines.consumed = []
            try:
                fields = next(self._reader)
            except StopIteration:
                return None
            except csv.Error as exc:
                consumed = lines.consumed
                if not consumed:
                    return None
                lines.push_back(consumed[1:])
                return self._reject(consumed[:1], f"malformed record: {exc}")
            consumed = lines.consumed
            if not consumed:
                return None
            if not fields or fields == [""]:
                continue  # blank line
            start, end = consumed[0][0], consumed[-1][0]
            if lines.bad and any(n in lines.bad for n, _ in consumed):
                # show the first field holding the bad bytes, not the start of the row
                return self._reject(consumed, "not valid UTF-8", next(_undecoded(fields), None))
            ncol = self._ncol
            if ncol and len(fields) != ncol:
                if len(consumed) > 1:
                    # Probably an unterminated quote: reject the first line, re-read the rest.
                    lines.push_back(consumed[1:])
                    return self._reject(
                        consumed[:1],
                        f"expected {ncol} columns, found {len(fields)} "
                        f"(unbalanced quote? the record ran over {len(consumed)} lines)",
                    )
                return self._reject(consumed, f"expected {ncol} columns, found {len(fields)}")
            return Record(start, end, fields)

    def __iter__(self) -> Iterator[Record]:
        try:
            if self._first is not None:
                first, self._first = self._first, None
                yield first
            while (rec := self._next_record()) is not None:
                yield rec
        finally:
            self.close()

    @property
    def first_data_line(self) -> int:
        """The physical line after the header (1 for a headerless file)."""
        return self.header_lines + 1

    def close(self) -> None:
        """Close the underlying file (iteration closes it at the end too)."""
        self._fh.close()

    def __enter__(self) -> RecordFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
