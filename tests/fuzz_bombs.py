"""The known bomb shapes: inputs built to exhaust a reader's memory or time.

Alias bombs and deep nesting in YAML, JSON and XML, numbers of 100,000 digits, NaN and
out-of-range values where a reader expects coordinates and times, entity expansion in GPX,
decompression bombs and lines over the limits in CSV, news over the size limit. Each
:class:`Bomb` names the reader call of :mod:`fuzz_inputs` that takes it and the issue area whose
fix it tests (so that a failure can be routed). The fuzz suite runs each in the capped worker
(``tests/test_fuzz_readers.py``); ``bench/hostile.py`` sends the HTTP-shaped ones to a server.

>>> b = bombs()["yaml alias bomb"]
>>> b.file, b.reader, b.build().count(b"*a8")
('agreement.yaml', 'read_agreement', 9)
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from fuzz_inputs import agreement_texts, ucdp_head

__all__ = ["Bomb", "bombs"]


@dataclass(frozen=True)
class Bomb:
    """An input built to exhaust memory or time: the file name (its suffix says the format),
    which reader takes it (a ``read_*`` function of this module and its extra arguments), and
    how to build its bytes (built when asked: some are large)."""

    name: str
    file: str
    reader: str
    build: Callable[[], bytes]
    args: tuple[Any, ...] = ()
    #: the issue area whose fix it tests, for routing a failure
    area: str = ""

    def __repr__(self) -> str:
        return f"Bomb({self.name!r})"


def _gz_bomb(head: bytes, chunk: bytes, total: int) -> bytes:
    """A gzip file of ``head`` then ``chunk`` repeated to ``total`` bytes: one compressed
    member of 16 MiB repeated (a file of several members is valid gzip), so it builds fast."""
    member = gzip.compress(chunk * (2**24 // len(chunk)), compresslevel=9, mtime=0)
    return gzip.compress(head, mtime=0) + member * (total // 2**24)


def _ucdp_line(n: int) -> bytes:
    return ucdp_head().encode().splitlines(keepends=True)[min(n, 6)]


def _yaml_alias_bomb() -> bytes:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    head = agreement_texts()[0]
    return (head + "\n" + "\n".join(lines) + "\n").encode()


def _gpx(points: Iterator[str]) -> bytes:
    head = '<?xml version="1.0"?><gpx xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
    return (head + "".join(points) + "</trkseg></trk></gpx>").encode()


def _gpx_points(n: int, lat: str = "35.86", lon: str = "36.76") -> Iterator[str]:
    for i in range(n):
        yield (
            f'<trkpt lat="{lat}" lon="{lon}"><time>2020-03-15T07:{i // 60 % 60:02d}:'
            f"{i % 60:02d}Z</time></trkpt>"
        )


def _walk_points(n: int) -> Iterator[str]:
    """``n`` fixes one second apart creeping north along the M4 at 0.1 m/s: a valid track."""
    start = dt.datetime(2020, 3, 15, 7, tzinfo=dt.UTC)
    for i in range(n):
        t = (start + dt.timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        yield f'<trkpt lat="{35.8 + i * 1e-6:.6f}" lon="36.76"><time>{t}</time></trkpt>'


def _billion_laughs_gpx() -> bytes:
    ents = ['<!ENTITY l0 "35.86">']
    ents += [f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)]
    doctype = "<!DOCTYPE gpx [" + "".join(ents) + "]>"
    body = _gpx(_gpx_points(2)).decode().replace('lat="35.86"', 'lat="&l9;"', 1)
    return body.replace("<gpx", doctype + "<gpx", 1).encode()


def _deep(open_: str, close: str, n: int, inner: str = "1") -> bytes:
    return (open_ * n + inner + close * n).encode()


def _article_of(size: int) -> bytes:
    para = (
        b"MOSCOW (Reuters) - The truce agreed by Russia and Turkey held on Friday, with no air "
        b"strikes reported overnight in the province and its surroundings.\n\n"
    )
    return b"Truce Holds in Idlib\n\n" + para * (size // len(para) + 1)


def _many_fields() -> bytes:
    head = ucdp_head().encode().splitlines(keepends=True)[0]
    return head + b"1," * 200_000 + b"\n"


def bombs() -> dict[str, Bomb]:
    """The known bomb shapes, by name (each builds its bytes when asked)."""
    from ceasefire import limits

    line_over = limits.MAX_CSV_LINE_BYTES + 10
    ucdp_header = ucdp_head().encode().splitlines(keepends=True)[0]
    feature = '{"type":"Feature","properties":{"id":"z","kind":"area"},"geometry":%s}'
    out = [
        Bomb("yaml alias bomb", "agreement.yaml", "read_agreement", _yaml_alias_bomb, area="B"),
        Bomb(
            "yaml nested 100,000 deep",
            "agreement.yaml",
            "read_agreement",
            lambda: b"provisions: " + _deep("[", "]", 100_000),
            area="B",
        ),
        Bomb(
            "yaml block nesting 5,000 deep",
            "agreement.yaml",
            "read_agreement",
            lambda: (
                "".join(f"{' ' * i}k{i}:\n" for i in range(5000)).encode() + b" " * 5000 + b"x\n"
            ),
            area="B",
        ),
        Bomb(
            "yaml number of 100,000 digits",
            "agreement.yaml",
            "read_agreement",
            lambda: (
                agreement_texts()[0].replace("pax_id: ", "pax_id: " + "9" * 100_000, 1).encode()
            ),
            area="B",
        ),
        Bomb(
            "yaml float 1e400",
            "agreement.yaml",
            "read_agreement",
            lambda: agreement_texts()[0].replace("pax_id: ", "pax_id: 1e400 #", 1).encode(),
            area="B",
        ),
        Bomb(
            "yaml over the document limit",
            "agreement.yaml",
            "read_agreement",
            lambda: (
                agreement_texts()[0].encode() + b"# " + b"x" * limits.MAX_DOCUMENT_BYTES + b"\n"
            ),
            area="B",
        ),
        Bomb(
            "yaml python tag",
            "agreement.yaml",
            "read_agreement",
            lambda: b"!!python/object/apply:os.system ['echo pwned']\n",
        ),
        Bomb(
            "geojson nested 100,000 deep",
            "zone.geojson",
            "read_zone_geometry",
            lambda: (feature % ("[" * 100_000 + "]" * 100_000)).encode(),
            area="B",
        ),
        Bomb(
            "geojson coordinates of 100,000 digits",
            "zone.geojson",
            "read_zone_geometry",
            lambda: (
                feature % ('{"type":"Point","coordinates":[' + "9" * 100_000 + ",35.8]}")
            ).encode(),
            area="B",
        ),
        Bomb(
            "geojson NaN and Infinity coordinates",
            "zone.geojson",
            "read_zone_geometry",
            lambda: (
                feature
                % '{"type":"Polygon","coordinates":[[[NaN,35],[36,Infinity],[37,36],[NaN,35]]]}'
            ).encode(),
            area="B",
        ),
        Bomb(
            "zones file nested 100,000 deep",
            "zones.geojson",
            "read_zones",
            lambda: (
                '{"type":"FeatureCollection","features":' + "[" * 100_000 + "]" * 100_000 + "}"
            ).encode(),
            area="B",
        ),
        Bomb("gpx billion laughs", "track.gpx", "read_track", _billion_laughs_gpx, area="B"),
        Bomb(
            "gpx external entity",
            "track.gpx",
            "read_track",
            lambda: (
                _gpx(_gpx_points(2))
                .decode()
                .replace("<gpx", '<!DOCTYPE gpx [<!ENTITY x SYSTEM "file:///etc/passwd">]><gpx', 1)
                .replace('lat="35.86"', 'lat="&x;"', 1)
                .encode()
            ),
        ),
        Bomb(
            "gpx times out of range",
            "track.gpx",
            "read_track",
            lambda: _gpx(_gpx_points(3)).replace(b"2020-03-15T07:00:00Z", b"9999-12-31T23:59:59Z"),
            area="B",
        ),
        Bomb(
            "gpx year 0001",
            "track.gpx",
            "read_track",
            lambda: _gpx(_gpx_points(3)).replace(b"2020-03-15T07:00:02Z", b"0001-01-01T00:00:00Z"),
            area="B",
        ),
        Bomb(
            "gpx declaring an unknown encoding",
            "track.gpx",
            "read_track",
            lambda: _gpx(_gpx_points(2)).replace(
                b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="TF-8"?>'
            ),
            area="B",
        ),
        Bomb(
            "gpx NaN coordinates",
            "track.gpx",
            "read_track",
            lambda: _gpx(_gpx_points(3, lat="NaN", lon="nan")),
            area="B",
        ),
        Bomb("gpx 250,000 points", "track.gpx", "read_track", lambda: _gpx(_walk_points(250_000))),
        Bomb(
            "gpx nested 100,000 deep",
            "track.gpx",
            "read_track",
            lambda: b"<gpx>" + _deep("<a>", "</a>", 100_000, "") + b"</gpx>",
            area="B",
        ),
        Bomb(
            "geojson track nested 100,000 deep",
            "track.geojson",
            "read_track",
            lambda: _deep("[", "]", 100_000),
            area="B",
        ),
        Bomb(
            "geojson track with unix time 1e300",
            "track.geojson",
            "read_track",
            lambda: json.dumps(
                {
                    "type": "Feature",
                    "properties": {},
                    "geometry": {
                        "type": "LineString",
                        "coordinates": [[36.7, 35.8, 0, 1e300], [36.71, 35.8, 0, 1e300 + 1]],
                    },
                }
            ).encode(),
            area="B",
        ),
        Bomb(
            "csv line over the limit",
            "ged.csv",
            "read_source",
            lambda: ucdp_header + b'214797.0,"' + b"x" * line_over + b'"\n' + _ucdp_line(1),
            ("ucdp",),
            area="C",
        ),
        Bomb(
            "csv unterminated quote over the limit",
            "ged.csv",
            "read_source",
            lambda: ucdp_header + b'214797.0,"' + (b"x" * 1000 + b"\n") * (line_over // 1000),
            ("ucdp",),
            area="C",
        ),
        Bomb(
            "csv 200,000 fields",
            "ged.csv",
            "read_source",
            _many_fields,
            ("ucdp",),
            area="C",
        ),
        Bomb(
            "gzip bomb (1 GB of one line)",
            "ged.csv.gz",
            "read_source",
            lambda: _gz_bomb(ucdp_header, b"0" * 2**20, 2**30),
            ("ucdp",),
            area="C",
        ),
        Bomb(
            "gzip bomb (1 GB of short lines)",
            "ged.csv.gz",
            "read_source",
            lambda: _gz_bomb(ucdp_header, b"1,2\n" * 2**18, 2**30),
            ("ucdp",),
            area="C",
        ),
        Bomb(
            "gzip truncated",
            "ged.csv.gz",
            "read_source",
            lambda: gzip.compress(ucdp_head().encode() * 50, mtime=0)[:300],
            ("ucdp",),
            area="C",
        ),
        Bomb(
            "gdelt random bytes",
            "random.export.CSV",
            "read_source",
            lambda: bytes((i * 7919 + 13) % 256 for i in range(20_000)),
            ("gdelt",),
            area="D",
        ),
        Bomb(
            "news over the size limit",
            "article.txt",
            "read_article",
            lambda: _article_of(limits.MAX_TEXT_BYTES + 10),
            area="C",
        ),
        Bomb(
            "news html nested 100,000 deep",
            "article.html",
            "read_article",
            lambda: (
                b"<!doctype html><html><body>"
                + _deep("<div>", "</div>", 100_000, "")
                + _article_of(2000)
                + b"</body></html>"
            ),
        ),
        Bomb(
            "news one line of 5 MB",
            "article.txt",
            "read_article",
            lambda: _article_of(2000) + b"word " * 1_000_000,
        ),
    ]
    return {b.name: b for b in out}
