"""Is this the format at all? A look at the first lines of an evidence file before reading it.

A real file with a few bad rows loads, its bad rows rejected one by one (see
:mod:`ceasefire.sources.records`). A file that is not the format at all (random bytes, a
picture, a zip archive, a file of another layout) would come out as a reject for nearly every
line: :func:`check_format` refuses it instead with one file-level
:class:`~ceasefire.errors.EventReadError`, so an ingest stores nothing and says why.

The rule: the first :data:`SAMPLE_LINES` non-blank lines (within the first :data:`HEAD_BYTES`
bytes, decompressed) are sampled; a line is bad when it holds binary data (control characters
other than tab and line ends), is not UTF-8, or, for a headerless format (GDELT), does not
have the format's number of fields. More than half of them bad, or a zip archive, and the file
is refused. When only the first line is text of the wrong width, the reader's own first-line
check names it (``expected 61 columns ..., the first line has 57``).

>>> import tempfile, os
>>> with tempfile.NamedTemporaryFile("wb", suffix=".CSV", delete=False) as fh:
...     _ = fh.write(b"\\x89PNG\\r\\n\\x1a\\n" + bytes(range(256)) * 40)
>>> try:
...     check_format(fh.name, kind="a GDELT 2.0 event file", delimiter="\\t", columns=61)
... except EventReadError as e:
...     print(e.line, e.problem)  # doctest: +NORMALIZE_WHITESPACE
1 not a GDELT 2.0 event file: 20 of its first 20 lines are not UTF-8 text of 61 fields
separated by '\\t' (line 1: not UTF-8); nothing was read
>>> os.unlink(fh.name)
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, Final

from ceasefire.errors import EventReadError
from ceasefire.sources.records import open_binary

__all__ = ["HEAD_BYTES", "SAMPLE_LINES", "check_format"]

#: How many bytes (decompressed) :func:`check_format` looks at.
HEAD_BYTES: Final = 1 << 16
#: How many non-blank lines it judges.
SAMPLE_LINES: Final = 20

_ZIP_MAGIC: Final = b"PK\x03\x04"
_BOM: Final = b"\xef\xbb\xbf"
# control characters no text file holds (tab, line feed, vertical tab, form feed, CR allowed)
_BINARY: Final = re.compile(rb"[\x00-\x08\x0e-\x1f]")


def check_format(
    path: str | Path,
    *,
    kind: str,
    delimiter: str,
    columns: int | None = None,
    opener: Callable[[], BinaryIO] | None = None,
) -> None:
    """Raise :class:`EventReadError` when ``path`` is not ``kind`` at all (see the module
    docstring); ``columns``: the number of fields of a headerless format, else ``None``;
    ``opener``: opens the bytes instead of ``path`` (a member of a zip archive), which then only
    names the file in errors."""
    file = str(path)
    head, complete = _head(path, opener)
    if head.startswith(_ZIP_MAGIC):
        raise EventReadError(
            f"not {kind}: a zip archive; unzip it and read the file inside", file=file, line=1
        )
    sample = _sample(head, complete)
    if not sample:
        if _BINARY.search(head):
            raise EventReadError(f"not {kind}: binary data", file=file, line=1)
        return
    judged = [(n, _problem(line, delimiter, columns)) for n, line in sample]
    bad = [(n, why) for n, why in judged if why is not None]
    first_why = judged[0][1]
    if first_why is not None and first_why.startswith("has "):
        return  # text of the wrong width: the reader's first-line check says so
    if 2 * len(bad) <= len(sample):
        return
    what = "UTF-8 text"
    if columns is not None:
        what += f" of {columns} fields separated by {delimiter!r}"
    line, why = bad[0]
    raise EventReadError(
        f"not {kind}: {len(bad)} of its first {len(sample)} lines are not {what} "
        f"(line {line}: {why}); nothing was read",
        file=file,
        line=line,
    )


def _head(path: str | Path, opener: Callable[[], BinaryIO] | None) -> tuple[bytes, bool]:
    """The first :data:`HEAD_BYTES` bytes (decompressed), and whether that is the whole file."""
    with open_binary(path) if opener is None else opener() as fh:
        try:
            head = fh.read(HEAD_BYTES + 1)
        except (OSError, EOFError, zlib.error) as exc:
            raise EventReadError(f"cannot decompress: {exc}", file=str(path)) from exc
    return head[:HEAD_BYTES], len(head) <= HEAD_BYTES


def _sample(head: bytes, complete: bool) -> list[tuple[int, bytes]]:
    """(line number, line) of the first non-blank whole lines."""
    if head.startswith(_BOM):
        head = head[len(_BOM) :]
    lines = head.split(b"\n")
    if not complete:
        lines = lines[:-1]  # cut short by HEAD_BYTES
    out = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            out.append((number, line.rstrip(b"\r")))
            if len(out) == SAMPLE_LINES:
                break
    return out


def _problem(line: bytes, delimiter: str, columns: int | None) -> str | None:
    if _BINARY.search(line):
        return "binary data"
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return "not UTF-8"
    if columns is not None:
        n = text.count(delimiter) + 1
        if n != columns:
            return f"has {n} fields"
    return None
