"""The limits every input is held to, in one place (see ``docs/security.md``).

Every reader (agreement YAML, zone GeoJSON, patrol GPX/GeoJSON, UCDP/ACLED/GDELT CSV, news text
and HTML) and every write endpoint checks its input against these values before it builds
anything large from it, so memory and time stay bounded for every input. Over a limit, the
reader raises :class:`ceasefire.errors.InputError` naming the file (line, field) and the limit
it broke; the CLI exits 1 and the API answers 4xx.

>>> MAX_DEPTH
64
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "MAX_CSV_FIELDS",
    "MAX_CSV_LINE_BYTES",
    "MAX_DEPTH",
    "MAX_DOCUMENT_BYTES",
    "MAX_NUMBER_DIGITS",
    "MAX_TEXT_BYTES",
    "MAX_TRACK_BYTES",
    "MAX_YAML_ALIASES",
]

#: The most bytes of a structured document read whole: an agreement (YAML), a zone file
#: (GeoJSON). (The HTTP body limit, ``ceasefire.web.limits.MAX_BODY``, is stricter still.)
MAX_DOCUMENT_BYTES: Final = 20_000_000
#: The most bytes of one patrol track file (GPX or GeoJSON).
MAX_TRACK_BYTES: Final = 50_000_000
#: The deepest nesting of lists and mappings in YAML or JSON.
MAX_DEPTH: Final = 64
#: The most alias references (``*name``) in one YAML document (an alias bomb expands
#: exponentially; agreements need none, a few are allowed).
MAX_YAML_ALIASES: Final = 100
#: The most digits of one number in YAML or JSON.
MAX_NUMBER_DIGITS: Final = 100
#: The most bytes of one CSV/TSV line (a record) in an evidence file.
MAX_CSV_LINE_BYTES: Final = 1_000_000
#: The most fields in one CSV/TSV record.
MAX_CSV_FIELDS: Final = 500
#: The most bytes of one news article (HTML or text).
MAX_TEXT_BYTES: Final = 10_000_000
