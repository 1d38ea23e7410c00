"""The limits every input is held to, in one place (see ``docs/security.md``).

Every reader (agreement YAML, zone GeoJSON, patrol GPX/GeoJSON, UCDP/ACLED/GDELT CSV, news text
and HTML) and every write endpoint checks its input against these values before it builds
anything large from it, so memory and time stay bounded for every input. Over a limit, the
reader raises :class:`ceasefire.errors.InputError` naming the file (line, field) and the limit
it broke; the CLI exits 1 and the API answers 4xx.

The checks for structured documents live here too: :func:`check_size`; :func:`check_json` and
:func:`load_json` (size, depth, number length, checked before :func:`json.loads` recurses);
:class:`YamlLimits` (depth, aliases, nodes with aliases expanded, number length, checked while
PyYAML composes, before anything is constructed).

>>> MAX_DEPTH
64
>>> load_json('{"a": ' + "[" * 100 + "]" * 100 + "}", file="a.json")
Traceback (most recent call last):
...
ceasefire.errors.LimitError: a.json:1: nested deeper than 64 (the limit)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import yaml
from yaml.composer import Composer, ComposerError

from .errors import LimitError

__all__ = [
    "MAX_BAD_RECORDS_IN_A_ROW",
    "MAX_BATCH_CHARS",
    "MAX_CSV_FIELDS",
    "MAX_CSV_LINE_BYTES",
    "MAX_DEPTH",
    "MAX_DOCUMENT_BYTES",
    "MAX_FINDING_ROWS",
    "MAX_HELD_MONTHS",
    "MAX_HELD_WEEKS",
    "MAX_NUMBER_DIGITS",
    "MAX_PERIODS",
    "MAX_TEXT_BYTES",
    "MAX_TRACK_BYTES",
    "MAX_XML_ELEMENTS",
    "MAX_YAML_ALIASES",
    "MAX_YAML_NODES",
    "MAX_ZONE_VERTICES",
    "YamlLimits",
    "check_json",
    "check_size",
    "json_depth",
    "load_json",
]

#: The most bytes of a structured document read whole: an agreement (YAML), a zone file
#: (GeoJSON). (The HTTP body limit, ``ceasefire.web.limits.MAX_BODY``, is stricter still.)
MAX_DOCUMENT_BYTES: Final = 20_000_000
#: The most bytes of one patrol track file (GPX or GeoJSON).
MAX_TRACK_BYTES: Final = 50_000_000
#: The deepest nesting of lists and mappings in YAML or JSON, and of elements in XML (GPX).
MAX_DEPTH: Final = 64
#: The most elements of one XML (GPX) file. A point with its time and elevation is three; a
#: million elements is 333,000 points (nearly four days at one a second). ElementTree takes
#: about 500 bytes an element, so this bounds a file's tree to about 500 MB.
MAX_XML_ELEMENTS: Final = 1_000_000
#: The most alias references (``*name``) in one YAML document (an alias bomb expands
#: exponentially; agreements need none, a few are allowed).
MAX_YAML_ALIASES: Final = 100
#: The most nodes (scalars, lists, mappings) of one YAML document, each alias counted as the
#: nodes it stands for. Fewer aliases than :data:`MAX_YAML_ALIASES` still make a bomb (10
#: levels of 9 aliases each: 90 aliases, 9**10 nodes); this bounds what they expand to. The
#: bundled agreements have under 1,000 nodes.
MAX_YAML_NODES: Final = 100_000
#: The most vertices of one zone (all its parts together). A detailed border from
#: OpenStreetMap has tens of thousands; the bundled zones have a few hundred.
MAX_ZONE_VERTICES: Final = 500_000
#: The most digits of one number in YAML or JSON.
MAX_NUMBER_DIGITS: Final = 100
#: The most bytes of one CSV/TSV line (a record) in an evidence file.
MAX_CSV_LINE_BYTES: Final = 1_000_000
#: The most fields in one CSV/TSV record.
MAX_CSV_FIELDS: Final = 500
#: The most characters of record text one batch of an evidence file holds: a batch ends early
#: when its records pass this, whatever its ``batch_size`` (so a batch holds at most this plus
#: one record, the records being under :data:`MAX_CSV_LINE_BYTES` each).
MAX_BATCH_CHARS: Final = 50_000_000
#: The most records in a row of an evidence file that cannot be read at all (wrong column
#: count, not UTF-8, over the limits above): past that, the rest of the file is not the format
#: (a decompression bomb of short junk lines, say) and reading stops with a file-level error
#: instead of a reject a line.
MAX_BAD_RECORDS_IN_A_ROW: Final = 10_000
#: The most bytes of one news article (HTML or text).
MAX_TEXT_BYTES: Final = 10_000_000
#: The most periods (days or weeks) one patrol coverage table spans: 5,000 weeks is 96 years,
#: 5,000 days 13 years (a date range of 0001-9999 would be 3.6 million days to compute).
MAX_PERIODS: Final = 5_000
#: The most weeks, and the most months, either side of an agreement's start that "did it hold"
#: (:mod:`ceasefire.held`) counts: two years each side.
MAX_HELD_WEEKS: Final = 104
MAX_HELD_MONTHS: Final = 24
#: The most verdict rows one question of the findings reads (the incidents, the counts, the
#: map of incidents): the demo's findings are 3,400 rows and 100,000 events make about 50,000;
#: asking for ``outside`` over everything is 5 rows an event, refused past this (narrow the
#: dates, the agreement or the place) rather than read into memory.
MAX_FINDING_ROWS: Final = 200_000


def check_size(size: int, *, file: str, limit: int = MAX_DOCUMENT_BYTES) -> None:
    """Refuse a document of ``size`` bytes over ``limit`` (call it before reading the file).

    >>> check_size(25_000_000, file="a.yaml")
    Traceback (most recent call last):
    ...
    ceasefire.errors.LimitError: a.yaml: 25,000,000 bytes, more than 20,000,000 (the limit)
    """
    if size > limit:
        raise LimitError(f"{size:,} bytes, more than", limit=limit, file=file)


# --- JSON -----------------------------------------------------------------------------------

# A JSON string, or an unterminated one up to the end of its line (invalid JSON, which json.loads
# refuses there). Possessive: one pass, never backtracking, whatever the input.
_JSON_STRING = re.compile(rb'"[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"?')
_STEP = np.zeros(256, dtype=np.int8)
_STEP[[ord("["), ord("{")]] = 1
_STEP[[ord("]"), ord("}")]] = -1
_NUMBER_CHAR = np.zeros(256, dtype=np.int8)
_NUMBER_CHAR[list(b"0123456789.eE+-")] = 1


def _utf8(data: bytes | str) -> bytes:
    """The document as UTF-8 (whose multi-byte sequences hold no ASCII bytes, so brackets and
    quotes are what they seem); other encodings as :func:`json.loads` detects them."""
    if isinstance(data, str):
        return data.encode("utf-8", "surrogatepass")
    encoding = json.detect_encoding(data)
    if encoding in ("utf-8", "utf-8-sig"):
        return data
    try:
        return data.decode(encoding, "surrogatepass").encode("utf-8", "surrogatepass")
    except UnicodeDecodeError as e:  # starts like UTF-16/32 (a NUL, a byte-order mark), is not
        text = data.decode("latin-1")
        raise json.JSONDecodeError(
            f"not valid {encoding} text ({e.reason})", text, e.start
        ) from None


def _structure(data: bytes | str) -> bytes:
    """The document with every string emptied (``""``); lines stay where they were."""
    return _JSON_STRING.sub(b'""', _utf8(data))


#: Bytes scanned at a time (numpy arrays of a few times this: memory stays bounded whatever
#: the document's size).
_BLOCK: Final = 1 << 20
# The end of a run of number characters: blocks end there, so that no number spans two.
_NOT_NUMBER = re.compile(rb"[^0-9.eE+\-]")


@dataclass
class _Scan:
    """What a scan of a document's structure found: the deepest nesting, and where the first
    bracket over ``max_depth`` and the first number over ``max_digits`` digits are."""

    depth: int = 0  # the deepest so far
    too_deep: int | None = None  # the position of the first bracket deeper than max_depth
    long_number: tuple[int, int] | None = None  # (start, end) of the first number too long


def _scan(structure: bytes, *, max_depth: int, max_digits: int, stop: bool = True) -> _Scan:
    """Scan ``structure`` in blocks of :data:`_BLOCK` bytes, without recursion, carrying the
    running depth and its lowest point from block to block (a block ends after a number, never
    inside one). ``stop``: end at the first problem found (else scan the whole, for the depth).

    The depth is a cumulative sum of +1/-1 over the brackets, counted from the lowest point so
    far, so a stray close bracket cannot hide the opens after it. Numbers: the runs of number
    characters, from the edges of a 0/1 mask; only a run longer than ``max_digits`` characters
    can hold that many digits, and only those are counted."""
    found = _Scan()
    run, lowest = 0, 0  # the running sum of +1/-1, and its minimum (at most 0), so far
    view = memoryview(structure)
    start, size = 0, len(structure)
    while start < size:
        end = min(start + _BLOCK, size)
        if end < size and _NUMBER_CHAR[structure[end - 1]]:
            after = _NOT_NUMBER.search(structure, end)
            end = after.start() if after else size
        codes = np.frombuffer(view[start:end], dtype=np.uint8)
        step = _STEP[codes]
        at = np.flatnonzero(step)
        if len(at):
            sums = np.cumsum(step[at], dtype=np.int64) + run
            lows = np.minimum.accumulate(np.minimum(sums, lowest))
            depth = sums - lows
            run, lowest = int(sums[-1]), int(lows[-1])
            found.depth = max(found.depth, int(depth.max()))
            if found.too_deep is None and found.depth > max_depth:
                found.too_deep = start + int(at[np.argmax(depth > max_depth)])
        if found.long_number is None:
            found.long_number = _long_number(structure, codes, start, max_digits)
        if stop and (found.too_deep is not None or found.long_number is not None):
            break
        start = end
    return found


def _long_number(
    structure: bytes, codes: np.ndarray, offset: int, max_digits: int
) -> tuple[int, int] | None:
    """Where the first number with more than ``max_digits`` digits in the block ``codes``
    (at ``offset`` in ``structure``) is: (start, end) in ``structure``."""
    mask = _NUMBER_CHAR[codes]
    edges = np.flatnonzero(np.diff(mask, prepend=np.int8(0), append=np.int8(0)))
    starts, ends = edges[0::2], edges[1::2]
    for i in np.flatnonzero(ends - starts > max_digits):
        start, end = offset + int(starts[i]), offset + int(ends[i])
        run = structure[start:end]
        if len(run) - sum(run.count(c) for c in (b".", b"e", b"E", b"+", b"-")) > max_digits:
            return start, end
    return None


def json_depth(data: bytes | str) -> int:
    """The deepest nesting of arrays and objects in a JSON document, found without parsing it
    (so without recursion: safe for any input; brackets inside strings do not count).

    >>> json_depth(b'{"a": [1, 2, "]]]"], "b": {"c": "[[[["}}')
    2
    >>> json_depth("[" * 100_000)
    100000
    >>> json_depth("3")
    0
    """
    found = _scan(_structure(data), max_depth=MAX_DEPTH, max_digits=MAX_NUMBER_DIGITS, stop=False)
    return found.depth


def check_json(data: bytes | str, *, file: str, max_bytes: int | None = MAX_DOCUMENT_BYTES) -> None:
    """Refuse a JSON document over a limit: more than ``max_bytes`` (None: the caller has
    checked the size), nested deeper than :data:`MAX_DEPTH`, a number with more than
    :data:`MAX_NUMBER_DIGITS` digits. The error names the line. Linear in the size, in memory
    bounded by the document plus a few MB (it is scanned in blocks); nothing is parsed.

    >>> check_json('{"n": 1' + "0" * 200 + "}", file="a.json")
    Traceback (most recent call last):
    ...
    ceasefire.errors.LimitError: a.json:1: a number with more digits than 100 (the limit) ('10000000000000000000...')
    """  # noqa: E501
    if max_bytes is not None:
        size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
        check_size(size, file=file, limit=max_bytes)
    structure = _structure(data)
    found = _scan(structure, max_depth=MAX_DEPTH, max_digits=MAX_NUMBER_DIGITS)
    deep, number = found.too_deep, found.long_number
    if deep is not None and (number is None or deep < number[0]):
        line = structure.count(b"\n", 0, deep) + 1
        raise LimitError("nested deeper than", limit=MAX_DEPTH, file=file, line=line)
    if number is not None:
        start, end = number
        raise LimitError(
            "a number with more digits than",
            limit=MAX_NUMBER_DIGITS,
            file=file,
            line=structure.count(b"\n", 0, start) + 1,
            value=_preview(structure[start:end].decode("ascii")),
        )


def load_json(data: bytes | str, *, file: str, max_bytes: int = MAX_DOCUMENT_BYTES) -> Any:
    """:func:`json.loads` after :func:`check_json`: a document over a limit raises
    :class:`~ceasefire.errors.LimitError` before the parser recurses or converts a number.
    Invalid JSON raises :class:`json.JSONDecodeError` as :func:`json.loads` does.

    >>> load_json(b'{"type": "Point", "coordinates": [36.7, 35.8]}', file="p.json")["coordinates"]
    [36.7, 35.8]
    """
    check_json(data, file=file, max_bytes=max_bytes)
    return json.loads(data)


def _preview(text: str, keep: int = 20) -> str:
    """A long value shortened for an error message (never the whole 100,000 digits)."""
    return text if len(text) <= keep else text[:keep] + "..."


# --- YAML -----------------------------------------------------------------------------------

_NUMBER_TAGS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})


class YamlLimits(Composer):
    """Limits for a PyYAML loader, checked while it composes (before anything is constructed):
    nesting deeper than :data:`MAX_DEPTH`, more than :data:`MAX_YAML_ALIASES` aliases, more than
    :data:`MAX_YAML_NODES` nodes with every alias counted as the nodes it stands for (an alias
    bomb is refused before it expands), a number with more than :data:`MAX_NUMBER_DIGITS`
    digits. An alias inside the node it names (a recursive alias) is a
    :class:`yaml.composer.ComposerError`. Mix it in first: ``class L(YamlLimits,
    yaml.SafeLoader)``; ``L(text, file="a.yaml")``. (The size is the caller's to check, with
    :func:`check_size`, before reading.)

    >>> class Loader(YamlLimits, yaml.SafeLoader):
    ...     pass
    >>> bomb = "a: &a [x, x]\\n" + "".join(
    ...     f"{k}: &{k} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\\n"
    ...     for p, k in zip("abcdefgh", "bcdefghi"))
    >>> Loader(bomb, file="bomb.yaml").get_single_node()
    Traceback (most recent call last):
    ...
    ceasefire.errors.LimitError: bomb.yaml:6: more nodes (aliases expanded) than 100,000 (the limit)
    """

    def __init__(self, stream: str | bytes, *, file: str = "<string>") -> None:
        super().__init__(stream)  # type: ignore[call-arg]  # the loader's own __init__
        self.file = file
        self._depth = 0
        self._nodes = 0
        self._aliases = 0
        self._sizes: dict[int, int] = {}  # id(node) -> its nodes, aliases expanded

    def _count(self, n: int, line: int) -> None:
        self._nodes += n
        if self._nodes > MAX_YAML_NODES:
            raise LimitError(
                "more nodes (aliases expanded) than",
                limit=MAX_YAML_NODES,
                file=self.file,
                line=line,
            )

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event: Any = self.peek_event()  # type: ignore[attr-defined]  # the loader's Parser
        mark: Any = event.start_mark
        line = mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_YAML_ALIASES:
                raise LimitError(
                    "more aliases (*name) than", limit=MAX_YAML_ALIASES, file=self.file, line=line
                )
            target = self.anchors.get(event.anchor)  # type: ignore[arg-type]
            if target is not None:
                size = self._sizes.get(id(target))
                if size is None:  # still being composed: the alias is inside it
                    problem = f"alias *{event.anchor} inside the node it names"
                    raise ComposerError(None, None, problem, mark)
                self._count(size, line)
            return super().compose_node(parent, index)  # type: ignore[no-untyped-call]
        nested = isinstance(event, yaml.CollectionStartEvent)
        if nested:
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise LimitError("nested deeper than", limit=MAX_DEPTH, file=self.file, line=line)
        before = self._nodes
        self._count(1, line)
        node = super().compose_node(parent, index)  # type: ignore[no-untyped-call]
        if nested:
            self._depth -= 1
        if isinstance(node, yaml.ScalarNode) and node.tag in _NUMBER_TAGS:
            self._check_number(node.value, line)
        self._sizes[id(node)] = self._nodes - before
        return node  # type: ignore[no-any-return]

    def _check_number(self, text: str, line: int) -> None:
        if len(text) > MAX_NUMBER_DIGITS and sum(c.isalnum() for c in text) > MAX_NUMBER_DIGITS:
            raise LimitError(
                "a number with more digits than",
                limit=MAX_NUMBER_DIGITS,
                file=self.file,
                line=line,
                value=_preview(text),
            )
