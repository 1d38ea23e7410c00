"""Physical records of a delimited text file, with their line numbers.

A *record* is one row of a CSV or TSV file; with quoted fields it may span several physical
lines (UCDP's ``source_article`` holds newlines). :class:`RecordFile` splits a file, plain or
gzip-compressed, into records and keeps for each the physical line where it starts and ends, so
that every reject can point at a line a person can open in an editor.

Decoding is per physical line: a record with a line that is not valid UTF-8 is rejected and the
others load. A record whose column count is wrong *and* that spans several lines is most likely an
unterminated quote that swallowed the lines after it: its first line is rejected and reading goes
on from the line after it, so one stray quote costs one row, not the rest of the file.

Memory stays bounded whatever the input (see :mod:`ceasefire.limits`): the file is read, and a
gzip file decompressed, in blocks of 1 MiB, never whole. A physical line longer than
:data:`~ceasefire.limits.MAX_CSV_LINE_BYTES` is not held: its first bytes are kept for the
reject, the rest is skipped up to the next newline, and the record is rejected (field
``(row)``, the reason naming the limit) while the rest of the file still loads. So are a
record whose lines together pass that limit (most likely a stray quote: its first line is
rejected and reading goes on after it, as above) and a record of more than
:data:`~ceasefire.limits.MAX_CSV_FIELDS` fields. A *header* over either limit is a file-level
:class:`~ceasefire.errors.LimitError`: such a file is not the format at all; so are more than
:data:`~ceasefire.limits.MAX_BAD_RECORDS_IN_A_ROW` records in a row that cannot be read (a
decompression bomb of short junk lines would otherwise cost a reject, and time, a line).
The :mod:`csv` module's own field size limit is raised to the line limit, so that the line
limit is the one that applies.
"""

from __future__ import annotations

import csv
import gzip
import zlib
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO, Final, NamedTuple, cast

from ceasefire.errors import EventReadError, LimitError
from ceasefire.limits import MAX_BAD_RECORDS_IN_A_ROW, MAX_CSV_FIELDS, MAX_CSV_LINE_BYTES
from ceasefire.sources.batch import MAX_REJECT_VALUE, Reject

__all__ = ["ROW", "Record", "RecordFile", "count_lines", "open_binary"]

#: The ``field`` of a reject that concerns the record as a whole.
ROW: Final = "(row)"

_GZIP_MAGIC: Final = b"\x1f\x8b"
_BLOCK: Final = 1 << 20


def _widen_csv_field_limit(limit: int) -> None:
    """Let :mod:`csv` read fields up to ``limit`` characters (its default is 131,072), so that a
    field is never refused below the line limit; a wider limit set elsewhere is kept."""
    if csv.field_size_limit() < limit:
        csv.field_size_limit(limit)


class _OverLimit(Exception):
    """Raised by :class:`_Lines` inside :mod:`csv` parsing: a line, or a record's lines together,
    longer than ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"longer than {limit:,} bytes")


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

    Memory is bounded by ``max_line``: a line longer than that is never held whole. Its first
    bytes stand in for it (its number goes in :attr:`overlong`), the rest is skipped, and
    handing it out raises :class:`_OverLimit`; so does a line that takes the lines of the
    current record (since :meth:`start_record`) over ``max_line`` bytes together.
    """

    def __init__(self, fh: BinaryIO, file: str, *, max_line: int = MAX_CSV_LINE_BYTES) -> None:
        self._fh = fh
        self._file = file
        self._max = max_line
        self._buffer: deque[tuple[int, str]] = deque()
        self._tail = b""
        self._next_no = 1
        self._eof = False
        self._skipping = False  # inside an over-long line, dropping bytes up to its newline
        self._preview = b""  # the first bytes of that line
        self._record_bytes = 0
        self.consumed: list[tuple[int, str]] = []
        self.bad: set[int] = set()
        self.overlong: set[int] = set()
        #: Characters handed out so far (lines read again count again): what batches hold.
        self.chars_read = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        while not self._buffer:
            if not self._fill():
                raise StopIteration
        item = self._buffer.popleft()
        consumed = self.consumed
        consumed.append(item)
        self.chars_read += len(item[1])
        if self.overlong and item[0] in self.overlong:
            raise _OverLimit(self._max)
        if len(consumed) > 1:  # a record over several lines (quoted newlines): count its bytes
            if len(consumed) == 2:
                self._record_bytes = _nbytes(consumed[0][1])
            self._record_bytes += _nbytes(item[1])
            if self._record_bytes > self._max:
                raise _OverLimit(self._max)
        return item[1]

    def start_record(self) -> None:
        """Forget the lines consumed so far: the next line read starts a record."""
        self.consumed = []
        self._record_bytes = 0

    def push_back(self, items: list[tuple[int, str]]) -> None:
        """Make ``items`` the next lines read."""
        self._buffer.extendleft(reversed(items))

    def _read(self) -> bytes:
        try:
            return self._fh.read(_BLOCK)
        except (OSError, EOFError, zlib.error) as exc:
            raise EventReadError(
                f"cannot decompress after line {self._next_no - 1}: {exc}", file=self._file
            ) from exc

    def _fill(self) -> bool:
        if self._eof:
            return False
        block = self._read()
        if not block:
            self._eof = True
            if self._skipping:
                self._end_overlong()
                return True
            data, self._tail = self._tail, b""
            if not data:
                return False
        else:
            if self._skipping:
                newline = block.find(b"\n")
                if newline < 0:
                    return True  # still inside the over-long line: drop the block
                self._end_overlong()
                block = block[newline + 1 :]
            data = self._tail + block
            cut = data.rfind(b"\n") + 1
            self._tail, data = data[cut:], data[:cut]
            if len(self._tail) > self._max:
                # a line over the limit: keep its start, skip the rest up to its newline
                self._skipping, self._preview, self._tail = True, self._tail[:_PREVIEW], b""
            if not data:
                return True
        if self._next_no == 1 and data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        parts = data.split(b"\n")
        ends = [b"\n"] * (len(parts) - 1) + [b""]
        if parts[-1] == b"":
            parts.pop()
            ends.pop()
        if not parts:
            return True
        first = self._next_no
        self._next_no += len(parts)
        # a block holds at most the limit plus 1 MiB, so only then may a whole line be too long
        too_long = len(data) > self._max and max(map(len, parts)) > self._max
        if not too_long:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                pass
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
        self._buffer.extend(
            (first + i, self._line(first + i, part, end))
            for i, (part, end) in enumerate(zip(parts, ends, strict=True))
        )
        return True

    def _line(self, number: int, part: bytes, end: bytes) -> str:
        """One physical line (without its newline ``end``) as text, checked line by line."""
        if len(part) > self._max:
            self.overlong.add(number)
            return part[:_PREVIEW].decode("utf-8", "surrogateescape")
        return self._decode(number, part + end)

    def _end_overlong(self) -> None:
        """The over-long line being skipped has ended: hand out its stand-in."""
        number = self._next_no
        self._next_no += 1
        self.overlong.add(number)
        self._buffer.append((number, self._preview.decode("utf-8", "surrogateescape")))
        self._skipping, self._preview = False, b""

    def _decode(self, number: int, raw: bytes) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            self.bad.add(number)
            return raw.decode("utf-8", "surrogateescape")


#: Bytes of an over-long line kept to show in its reject.
_PREVIEW: Final = MAX_REJECT_VALUE


def _nbytes(text: str) -> int:
    """The length in the file's bytes of a line handed out as text."""
    return len(text.encode("utf-8", "surrogateescape"))


def _undecoded(fields: list[str]) -> Iterator[str]:
    """The fields that hold undecodable bytes (as lone surrogates)."""
    for f in fields:
        try:
            f.encode("utf-8")
        except UnicodeEncodeError:
            yield f


class Record(NamedTuple):
    """One record: its fields (``None`` when rejected), and physical lines ``start`` .. ``end``.

    ``limit``, for a record rejected for breaking one of the limits of :mod:`ceasefire.limits`,
    says what broke it and the limit: ``("line has more bytes than", 1_000_000)``.
    """

    start: int
    end: int
    fields: list[str] | None
    reject: Reject | None = None
    limit: tuple[str, int] | None = None


class RecordFile:
    """The records of one delimited file, in order, with line numbers.

    ``header``: ``None`` to take the column names from the first record, or the names of a
    headerless format (GDELT); ``required`` columns must be in the header. With a fixed header,
    a first record equal to the names (any case) is skipped as a header. Records of the wrong
    column count, invalid UTF-8 or broken quoting come out with a :class:`Reject`, and so do
    records over the limits (``max_line`` bytes, ``max_fields`` fields); a first line over
    them raises :class:`~ceasefire.errors.LimitError`, and so do more than
    ``max_bad_in_a_row`` such records in a row (the rest of the file is not the format).

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
        max_line: int = MAX_CSV_LINE_BYTES,
        max_fields: int = MAX_CSV_FIELDS,
        max_bad_in_a_row: int = MAX_BAD_RECORDS_IN_A_ROW,
        opener: Callable[[], BinaryIO] | None = None,
    ) -> None:
        self.path = path
        self.file = str(path)
        self._kind = kind
        self._max_bad_in_a_row = max_bad_in_a_row
        _widen_csv_field_limit(max_line)
        # opener: the bytes come from elsewhere (a zip member); path only names them
        self._fh = open_binary(path) if opener is None else opener()
        self._lines = _Lines(self._fh, self.file, max_line=max_line)
        self._max_fields = max_fields
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
        if first.limit is not None:
            self.close()
            what, limit = first.limit
            raise LimitError(f"not {kind}: its first {what}", limit=limit, file=self.file, line=1)
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
        self,
        consumed: list[tuple[int, str]],
        reason: str,
        value: str | None = None,
        *,
        limit: tuple[str, int] | None = None,
    ) -> Record:
        start, end = consumed[0][0], consumed[-1][0]
        shown = self._shown(value if value is not None else "".join(t for _, t in consumed))
        return Record(start, end, None, Reject(self.file, start, ROW, shown, reason), limit)

    def _over_limit(self, consumed: list[tuple[int, str]], exc: _OverLimit) -> Record:
        """The reject for a line (or the lines of a record) over the line limit."""
        limit = exc.limit
        if len(consumed) > 1:
            # Probably an unterminated quote: reject the first line, re-read the rest.
            self._lines.push_back(consumed[1:])
            return self._reject(
                consumed[:1],
                f"record longer than {limit:,} bytes (the limit) over {len(consumed)} lines "
                "(unbalanced quote?)",
                limit=("record has more bytes than", limit),
            )
        return self._reject(
            consumed,
            f"line longer than {limit:,} bytes (the limit)",
            limit=("line has more bytes than", limit),
        )

    def _next_record(self) -> Record | None:
        """The next non-blank record, or ``None`` at the end of the file."""
        lines = self._lines
        while True:
            lines.start_record()
            try:
                fields = next(self._reader)
            except StopIteration:
                return None
            except _OverLimit as exc:
                return self._over_limit(lines.consumed, exc)
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
            ncol, n = self._ncol, len(fields)
            if n > self._max_fields or (ncol and n != ncol):
                if n > self._max_fields:
                    problem = f"{n:,} fields, more than {self._max_fields:,} (the limit)"
                    limit = ("line has more fields than", self._max_fields)
                else:
                    problem, limit = f"expected {ncol} columns, found {n}", None
                if len(consumed) > 1:
                    # Probably an unterminated quote: reject the first line, re-read the rest.
                    lines.push_back(consumed[1:])
                    return self._reject(
                        consumed[:1],
                        f"{problem} (unbalanced quote? the record ran over {len(consumed)} lines)",
                        limit=limit,
                    )
                return self._reject(consumed, problem, limit=limit)
            return Record(start, end, fields)

    def __iter__(self) -> Iterator[Record]:
        try:
            bad: Record | None = None  # the first of the unreadable records in a row
            in_a_row = 0
            for rec in self._records():
                if rec.fields is not None:
                    in_a_row = 0
                else:
                    in_a_row += 1
                    bad = rec if in_a_row == 1 else bad
                    if in_a_row > self._max_bad_in_a_row and bad is not None:
                        reason = bad.reject.reason if bad.reject is not None else "unreadable"
                        raise LimitError(
                            f"not {self._kind} from this line on ({reason}): more records in a "
                            "row that cannot be read than",
                            limit=self._max_bad_in_a_row,
                            file=self.file,
                            line=bad.start,
                        )
                yield rec
        finally:
            self.close()

    def _records(self) -> Iterator[Record]:
        if self._first is not None:
            first, self._first = self._first, None
            yield first
        while (rec := self._next_record()) is not None:
            yield rec

    @property
    def chars_read(self) -> int:
        """Characters of record text read so far (what a batch of records holds, roughly)."""
        return self._lines.chars_read

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
