"""CSV readers for aid-delivery and population-movement tables, in the column styles of the
published formats (see ``docs/humanitarian.md`` for every column mapped).

- **Aid deliveries**, as OCHA's UN cross-border / cross-line aid tracking tables lay them out:
  ``Date``, ``Crossing`` (or ``Border crossing``, ``Location``), ``Trucks``, ``Agency`` (or
  ``Organisation``), ``Cluster``, ``Status``, ``Reason``, optional pcodes and coordinates.
- **Population movements**, as the CCCM Cluster, HNAP and OCHA IDP movement tracking tables lay
  them out: ``Month`` or ``Date``, ``Governorate``, ``District``, ``Sub-district``,
  ``Community``, ``Admin1``..``Admin3 Pcode``, ``IDP arrivals`` (or ``Displacements``) and
  ``Returns`` (or ``Returnees``); or one ``People`` column with a ``Movement type``.

Column names are matched without regard to case, spaces, punctuation and underscores. A second
line of HXL hashtags (``#date``, ``#adm1+name``, ``#affected+idps``, ...), as HDX publishes, is
skipped, and where a column's name is not one we know, its hashtag names it.

Bad input never stops the file: a bad row becomes a :class:`~ceasefire.sources.Reject` naming
the file, the line, the column and the value, and why (with the limit, where one was broken);
the other rows are read. Memory stays bounded: the file is streamed record by record
(:class:`~ceasefire.sources.records.RecordFile`, which holds lines and fields to the limits of
:mod:`ceasefire.limits`), handed out in batches, and a file may have at most
:data:`MAX_ROWS` data rows.

>>> import tempfile, os
>>> with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as fh:
...     _ = fh.write("Date,Crossing,Trucks,Agency,Status\\n#date,#loc+crossing,#indicator+trucks,"
...                  "#org,#status\\n2020-03-09,Bab al-Hawa,40,WFP,Delivered\\n"
...                  "2020-03-10,Bab al-Hawa,many,WFP,Delivered\\n")
>>> got = read_file(fh.name)
>>> got.kind, [(r.place, r.trucks) for r in got.records]
(<EvidenceKind.AID: 'aid'>, [('Bab al-Hawa', 40)])
>>> print(got.rejects[0].field, got.rejects[0].line, got.rejects[0].value)
Trucks 4 many
>>> os.unlink(fh.name)
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from ..errors import EventReadError, LimitError
from ..sources.batch import Reject
from ..sources.records import Record, RecordFile
from .model import (
    AidDelivery,
    AidStatus,
    DatePrecision,
    EvidenceKind,
    MovementKind,
    PopulationMovement,
    record_ids,
)

__all__ = [
    "AID_STATUS_WORDS",
    "MAX_PEOPLE",
    "MAX_ROWS",
    "MAX_TEXT_CHARS",
    "MAX_TRUCKS",
    "HumanitarianBatch",
    "detect_kind",
    "parse_date",
    "read_batches",
    "read_file",
]

#: The most data rows one file may have (a tracking table has thousands; each row's id is
#: kept while the file is read, so that identical rows stay distinct records).
MAX_ROWS: Final = 500_000
#: The most characters of one text field (a place, an organisation, a reason).
MAX_TEXT_CHARS: Final = 500
#: The most trucks one delivery row may have (the busiest crossing day had a few hundred).
MAX_TRUCKS: Final = 10_000
#: The most people one movement figure may have (Idlib's largest monthly displacement, in
#: early 2020, was under a million).
MAX_PEOPLE: Final = 5_000_000
#: The earliest and latest dates accepted.
FIRST_DAY: Final = dt.date(1990, 1, 1)
LAST_DAY: Final = dt.date(2100, 12, 31)

#: Status words of the published tables, normalised, and the status each means.
AID_STATUS_WORDS: Final[dict[str, AidStatus]] = {
    **dict.fromkeys(
        ["delivered", "completed", "complete", "crossed", "done", "reached", "dispatched",
         "arrived"],
        AidStatus.DELIVERED,
    ),
    **dict.fromkeys(
        ["blocked", "denied", "refused", "not delivered", "not crossed", "cancelled",
         "canceled", "obstructed", "impeded", "stopped", "postponed", "rejected",
         "access denied"],
        AidStatus.BLOCKED,
    ),
    **dict.fromkeys(
        ["partial", "partially delivered", "partly delivered", "partially", "part delivered",
         "partially crossed", "incomplete"],
        AidStatus.PARTIAL,
    ),
}  # fmt: skip

_MOVEMENT_WORDS: Final[dict[str, MovementKind]] = {
    **dict.fromkeys(
        ["return", "returns", "returnee", "returnees", "returned", "idp return", "idp returns",
         "spontaneous return", "spontaneous returns"],
        MovementKind.RETURNS,
    ),
    **dict.fromkeys(
        ["displacement", "displacements", "displaced", "idp arrival", "idp arrivals",
         "arrival", "arrivals", "new displacement", "newly displaced", "idp", "idps",
         "idp movement", "idp movements"],
        MovementKind.DISPLACEMENT,
    ),
}  # fmt: skip


def _key(name: str) -> str:
    """A column name for matching: lower case, words of letters and digits only.

    >>> _key(" Sub-district "), _key("IDP_Arrivals"), _key("No. of Trucks")
    ('sub district', 'idp arrivals', 'no of trucks')
    """
    return " ".join(re.findall(r"[a-z0-9]+", name.casefold()))


# Each field: the column names (as _key gives them) and the HXL hashtag patterns that name it.
_AID_FIELDS: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "date": (("date", "delivery date", "crossing date", "date of crossing", "date of delivery",
              "convoy date", "dispatch date"), ("#date",)),
    "place": (("crossing", "border crossing", "crossing point", "crossing name",
               "border crossing point", "border crossing name", "location", "place",
               "destination", "site", "community"),
              ("#loc+crossing", "#geo+crossing", "#loc+name", "#loc")),
    "trucks": (("trucks", "number of trucks", "no of trucks", "nb of trucks", "of trucks",
                "truck count", "total trucks", "trucks number", "trucks count"),
               ("#indicator+trucks", "#value+trucks", "#output+trucks", "#trucks")),
    "organisation": (("agency", "organisation", "organization", "un agency", "partner",
                      "organisation name", "organization name", "agency name",
                      "implementing partner"), ("#org",)),
    "cluster": (("cluster", "sector", "cluster sector"), ("#sector", "#cluster")),
    "status": (("status", "delivery status", "convoy status", "outcome", "result"),
               ("#status",)),
    "reason": (("reason", "reason for blocking", "reason blocked", "blocking reason",
                "remarks", "comments", "comment", "notes"),
               ("#status+reason", "#meta+reason", "#description")),
    "modality": (("modality", "type", "operation", "delivery type", "operation type"),
                 ("#operation+type", "#modality")),
    **{
        f"pcode{n}": (
            (f"admin{n} pcode", f"admin {n} pcode", f"adm{n} pcode", f"admin{n}pcode", *extra),
            (f"#adm{n}+code",),
        )
        for n, extra in (
            (1, ("governorate pcode",)),
            (2, ("district pcode",)),
            (3, ("sub district pcode", "subdistrict pcode", "pcode")),
            (4, ("community pcode", "location pcode", "admin4 pcode")),
        )
    },
    "lat": (("latitude", "lat", "y"), ("#geo+lat",)),
    "lon": (("longitude", "lon", "long", "lng", "x"), ("#geo+lon",)),
}  # fmt: skip
_AID_FIELDS["pcode4"] = (_AID_FIELDS["pcode4"][0], ("#adm4+code", "#loc+code"))

_MOVEMENT_FIELDS: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "date": (("date", "month", "reporting month", "reporting date", "report date", "period",
              "movement date", "date of movement", "month year", "reporting period"),
             ("#date",)),
    "admin1": (("governorate", "admin1", "admin 1", "admin1 name", "governorate name",
                "province"), ("#adm1+name", "#adm1")),
    "admin2": (("district", "admin2", "admin 2", "admin2 name", "district name"),
               ("#adm2+name", "#adm2")),
    "admin3": (("sub district", "subdistrict", "admin3", "admin 3", "admin3 name",
                "sub district name", "subdistrict name", "nahya"), ("#adm3+name", "#adm3")),
    "place": (("community", "location", "camp", "site", "place", "community name", "village",
               "town", "location name", "camp name", "site name"), ("#loc+name", "#loc")),
    "pcode1": _AID_FIELDS["pcode1"],
    "pcode2": _AID_FIELDS["pcode2"],
    "pcode3": _AID_FIELDS["pcode3"],
    "pcode4": _AID_FIELDS["pcode4"],
    "displacement": (("idp arrivals", "arrivals", "displacements", "displacement", "idps",
                      "new idps", "newly displaced", "idp movements", "displaced",
                      "new displacements", "idp arrivals individuals", "arrivals individuals",
                      "idp arrivals ind"),
                     ("#affected+idps", "#affected+displaced", "#affected+arrived",
                      "#affected+arrivals")),
    "returns": (("returns", "returnees", "idp returns", "idp returnees", "spontaneous returns",
                 "returns individuals", "returnees individuals", "returned", "returnee arrivals",
                 "returns ind"),
                ("#affected+returnees", "#affected+returned", "#affected+returns")),
    "people": (("people", "individuals", "persons", "number of people",
                "number of individuals", "population", "ind", "total individuals"),
               ("#affected", "#population")),
    "kind": (("movement type", "type of movement", "type", "kind", "movement", "flow",
              "movement kind"), ("#indicator+type", "#status+movement")),
    "origin": (("origin", "place of origin", "from", "origin community", "origin location",
                "area of origin", "origin governorate"), ("#loc+origin", "#adm1+origin")),
    "destination": (("destination", "to", "destination community", "destination location"),
                    ("#loc+destination",)),
    "lat": _AID_FIELDS["lat"],
    "lon": _AID_FIELDS["lon"],
}  # fmt: skip


def _hxl(tag: str) -> tuple[str, frozenset[str]] | None:
    """An HXL hashtag as (hashtag, attributes): ``#affected+idps+ind`` ->
    ``("#affected", {"idps", "ind"})``; None when it is not one."""
    tag = tag.strip().casefold()
    if not re.fullmatch(r"#[a-z][a-z0-9_]*(\s*\+[a-z][a-z0-9_]*)*", tag):
        return None
    head, *attrs = (p.strip() for p in tag.split("+"))
    return head, frozenset(attrs)


def _is_hxl_row(fields: Sequence[str]) -> bool:
    cells = [f.strip() for f in fields if f.strip()]
    return bool(cells) and all(_hxl(c) is not None for c in cells)


def _resolve(
    columns: Sequence[str],
    tags: Sequence[str] | None,
    spec: dict[str, tuple[tuple[str, ...], tuple[str, ...]]],
) -> dict[str, int]:
    """Field -> column index: by the column's name first, else by its HXL hashtag (the most
    specific pattern that matches it); the first column wins a field."""
    out: dict[str, int] = {}
    by_name = {k: f for f, (names, _) in spec.items() for k in names}
    for i, c in enumerate(columns):
        f = by_name.get(_key(c))
        if f is not None and f not in out:
            out[f] = i
    if tags is None:
        return out
    taken = set(out.values())
    for i, t in enumerate(tags):
        parsed = _hxl(t) if i not in taken else None
        if parsed is None:
            continue
        best: tuple[int, str] | None = None
        for f, (_, patterns) in spec.items():
            for p in patterns:
                ph, pa = _hxl(p) or ("", frozenset())
                if ph == parsed[0] and pa <= parsed[1] and (best is None or len(pa) > best[0]):
                    best = (len(pa), f)
        if best is not None and best[1] not in out:
            out[best[1]] = i
    return out


def _kind_of(aid: dict[str, int], mov: dict[str, int]) -> EvidenceKind | None:
    figures = {"displacement", "returns"} & mov.keys() or (
        {"people", "kind"} <= mov.keys() and {"people"}
    )
    is_aid = "date" in aid and "place" in aid and bool({"trucks", "status"} & aid.keys())
    if figures and "date" in mov and "trucks" not in aid:
        return EvidenceKind.MOVEMENTS
    if is_aid:
        return EvidenceKind.AID
    return None


_MONTHS: Final = {
    m: i
    for i, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
         ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
         ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
         ("dec", "december")],
        start=1,
    )
    for m in names
}  # fmt: skip


def parse_date(text: str) -> tuple[dt.date, DatePrecision]:
    """A date as the published tables write it, and whether it is a day or a month. Days:
    ``2020-03-09``, ``2020/03/09``, ``09/03/2020`` (day first, as OCHA writes), ``9-Mar-2020``,
    ``9 March 2020``, ``2020-03-09T00:00:00``. Months: ``2020-03``, ``Mar-2020``, ``March 2020``,
    ``Mar-20``. Raises ValueError otherwise.

    >>> parse_date("09/03/2020"), parse_date("Mar-2020")[0]
    ((datetime.date(2020, 3, 9), <DatePrecision.DAY: 'day'>), datetime.date(2020, 3, 1))
    """
    s = text.strip()
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ][0-9:.+\-Z]*)?", s)
    if m:
        return dt.date(int(m[1]), int(m[2]), int(m[3])), DatePrecision.DAY
    m = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", s)
    if m:
        return dt.date(int(m[3]), int(m[2]), int(m[1])), DatePrecision.DAY
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})", s)
    if m:
        return dt.date(int(m[1]), int(m[2]), 1), DatePrecision.MONTH
    m = re.fullmatch(r"(\d{1,2})[-\s]([A-Za-z]+)\.?[-\s,]+(\d{2}|\d{4})", s)
    if m and m[2].casefold() in _MONTHS:
        return dt.date(_year(m[3]), _MONTHS[m[2].casefold()], int(m[1])), DatePrecision.DAY
    m = re.fullmatch(r"([A-Za-z]+)\.?[-\s,]+(\d{2}|\d{4})", s)
    if m and m[1].casefold() in _MONTHS:
        return dt.date(_year(m[2]), _MONTHS[m[1].casefold()], 1), DatePrecision.MONTH
    raise ValueError("not a date: YYYY-MM-DD, DD/MM/YYYY, 9-Mar-2020, 2020-03 or Mar-2020")


def _year(text: str) -> int:
    return int(text) if len(text) == 4 else 2000 + int(text)


class _RowError(Exception):
    def __init__(self, column: str, value: str | None, reason: str) -> None:
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


class _Row:
    """One record's fields by name, with checked conversions that raise :class:`_RowError`
    naming the file's own column."""

    def __init__(self, fields: list[str], index: dict[str, int], columns: Sequence[str]) -> None:
        self.fields, self.index, self.columns = fields, index, columns

    def column(self, name: str) -> str:
        return self.columns[self.index[name]] or name

    def raw(self, name: str) -> str | None:
        i = self.index.get(name)
        return None if i is None else self.fields[i]

    def text(self, name: str) -> str:
        v = self.raw(name)
        if v is None:
            return ""
        s = " ".join(v.split())
        if len(s) > MAX_TEXT_CHARS:
            raise _RowError(
                self.column(name),
                s,
                f"{len(s):,} characters, more than {MAX_TEXT_CHARS:,} (the limit)",
            )
        return s

    def date(self) -> tuple[dt.date, DatePrecision]:
        v = self.text("date")
        if not v:
            raise _RowError(self.column("date"), v, "empty: every row needs a date")
        try:
            day, precision = parse_date(v)
        except ValueError as e:
            why = str(e) if str(e).startswith("not a date") else f"not a date: {e}"
            raise _RowError(self.column("date"), v, why) from None
        if not FIRST_DAY <= day <= LAST_DAY:
            raise _RowError(self.column("date"), v, f"out of range {FIRST_DAY} to {LAST_DAY}")
        return day, precision

    def count(self, name: str, limit: int) -> int | None:
        v = self.text(name)
        if v == "" or v in ("-", "n/a", "N/A"):
            return None
        digits = re.sub(r"[,'\s\u00a0\u202f_]", "", v)
        m = re.fullmatch(r"\+?(\d+)(?:\.0*)?", digits)
        if m is None:
            why = "negative" if digits.startswith("-") else "not a whole number"
            raise _RowError(self.column(name), v, why)
        n = int(m[1]) if len(m[1]) <= 18 else limit + 1
        if n > limit:
            raise _RowError(self.column(name), v, f"more than {limit:,} (the limit)")
        return n

    def pcode(self) -> str:
        for n in (4, 3, 2, 1):  # the finest given
            name = f"pcode{n}"
            v = self.text(name).upper()
            if v:
                if not re.fullmatch(r"[A-Z]{2}[0-9A-Z]{0,14}", v):
                    raise _RowError(self.column(name), v, "not a pcode (SY07, SY0703, ...)")
                return v
        return ""

    def coordinates(self) -> tuple[float | None, float | None]:
        lat_s, lon_s = self.text("lat"), self.text("lon")
        if not lat_s and not lon_s:
            return None, None
        out: list[float] = []
        for name, s, bound in (("lat", lat_s, 90.0), ("lon", lon_s, 180.0)):
            try:
                x = float(s)
            except ValueError:
                raise _RowError(
                    self.column(name) if name in self.index else name,
                    s,
                    "not a number (give both latitude and longitude, or neither)",
                ) from None
            if not -bound <= x <= bound:
                raise _RowError(self.column(name), s, f"out of range [-{bound:g}, {bound:g}]")
            out.append(x)
        return out[0], out[1]


def _aid(row: _Row, file: str, line: int) -> list[AidDelivery]:
    day, _ = row.date()
    place = row.text("place")
    if not place:
        raise _RowError(
            row.column("place"), "", "empty: every delivery needs its crossing or place"
        )
    status = AidStatus.DELIVERED
    if "status" in row.index:
        word = _key(row.text("status"))
        if word not in AID_STATUS_WORDS:
            raise _RowError(
                row.column("status"),
                row.text("status"),
                "unknown status; one of delivered, blocked, partial (or the words of "
                "docs/humanitarian.md)",
            )
        status = AID_STATUS_WORDS[word]
    lat, lon = row.coordinates()
    return [
        AidDelivery(
            date=day,
            place=place,
            trucks=row.count("trucks", MAX_TRUCKS),
            organisation=row.text("organisation"),
            status=status,
            cluster=row.text("cluster"),
            modality=row.text("modality"),
            reason=row.text("reason"),
            pcode=row.pcode(),
            lat=lat,
            lon=lon,
            source_file=file,
            source_line=line,
        )
    ]


def _movements(row: _Row, file: str, line: int) -> list[PopulationMovement]:
    day, precision = row.date()
    a1, a2, a3 = row.text("admin1"), row.text("admin2"), row.text("admin3")
    pcode = row.pcode()
    place = row.text("place") or a3 or a2 or a1 or pcode
    if not place:
        raise _RowError(
            "(row)",
            None,
            "no place: give a community, a sub-district, a district, a governorate or a pcode",
        )
    figures: list[tuple[MovementKind, int]] = []
    for name, kind in (
        ("returns", MovementKind.RETURNS),
        ("displacement", MovementKind.DISPLACEMENT),
    ):
        n = row.count(name, MAX_PEOPLE)
        if n is not None:
            figures.append((kind, n))
    if "people" in row.index and "kind" in row.index:
        n = row.count("people", MAX_PEOPLE)
        if n is not None:
            word = _key(row.text("kind"))
            if word not in _MOVEMENT_WORDS:
                raise _RowError(
                    row.column("kind"),
                    row.text("kind"),
                    "unknown movement; returns or displacement",
                )
            figures.append((_MOVEMENT_WORDS[word], n))
    if not figures:
        raise _RowError("(row)", None, "no figure: returns and displacement are both empty")
    lat, lon = row.coordinates()
    return [
        PopulationMovement(
            date=day,
            place=place,
            people=n,
            kind=kind,
            date_precision=precision,
            admin1=a1,
            admin2=a2,
            admin3=a3,
            pcode=pcode,
            origin=row.text("origin"),
            destination=row.text("destination"),
            lat=lat,
            lon=lon,
            source_file=file,
            source_line=line,
        )
        for kind, n in figures
    ]


@dataclass
class HumanitarianBatch:
    """Records read from some rows of one file, and the rows rejected. ``rows`` counts the
    data rows read (each either gave records or was rejected); a movement row with both
    returns and displacement gives two records."""

    kind: EvidenceKind
    file: str
    records: list[AidDelivery | PopulationMovement] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    rows: int = 0

    def __add__(self, other: HumanitarianBatch) -> HumanitarianBatch:
        return HumanitarianBatch(
            self.kind,
            self.file,
            self.records + other.records,
            self.rejects + other.rejects,
            self.rows + other.rows,
        )


def _open(path: str | Path) -> tuple[RecordFile, Iterator[Record], Record | None]:
    rf = RecordFile(path, kind="an aid or movement tracking table")
    it = iter(rf)
    first = next(it, None)
    return rf, it, first


def _plan(
    rf: RecordFile, first: Record | None, kind: EvidenceKind | str | None
) -> tuple[EvidenceKind, dict[str, int], bool]:
    tags = (
        first.fields if first is not None and first.fields and _is_hxl_row(first.fields) else None
    )
    aid = _resolve(rf.columns, tags, _AID_FIELDS)
    mov = _resolve(rf.columns, tags, _MOVEMENT_FIELDS)
    want = None if kind in (None, "auto") else EvidenceKind(str(kind))
    found = want or _kind_of(aid, mov)
    if found is None:
        rf.close()
        raise EventReadError(
            "not an aid-delivery or population-movement table: the header names no date with "
            "a crossing and trucks or status (aid), nor a date with returns or displacement "
            f"(movements); columns: {', '.join(rf.columns)[:300]}",
            file=rf.file,
            line=1,
        )
    index = aid if found is EvidenceKind.AID else mov
    need = ["date", "place"] if found is EvidenceKind.AID else ["date"]
    missing = [n for n in need if n not in index]
    if found is EvidenceKind.MOVEMENTS and not (
        {"returns", "displacement"} & index.keys() or {"people", "kind"} <= index.keys()
    ):
        missing.append("returns or displacement (or people with a movement type)")
    if missing:
        rf.close()
        raise EventReadError(
            f"not a {found.value} table: the header lacks {', '.join(missing)}",
            file=rf.file,
            line=1,
        )
    return found, index, tags is not None


def detect_kind(path: str | Path) -> EvidenceKind:
    """Which evidence a file holds, from its header (and HXL row).

    Raises :class:`~ceasefire.errors.EventReadError` when it is neither."""
    rf, _, first = _open(path)
    try:
        return _plan(rf, first, None)[0]
    finally:
        rf.close()


def read_batches(
    path: str | Path,
    kind: EvidenceKind | str | None = None,
    *,
    batch_size: int = 2000,
) -> Iterator[HumanitarianBatch]:
    """The file's records and rejects, ``batch_size`` data rows at a time. ``kind``: ``aid``,
    ``movements`` or None/``auto`` (from the header). Raises
    :class:`~ceasefire.errors.EventReadError` for a file that is neither (or lacks a needed
    column), :class:`~ceasefire.errors.LimitError` past :data:`MAX_ROWS` rows."""
    rf, it, first = _open(path)
    found, index, hxl = _plan(rf, first, kind)
    convert: Callable[[_Row, str, int], Sequence[AidDelivery | PopulationMovement]] = (
        _aid if found is EvidenceKind.AID else _movements
    )
    file = rf.file
    seen: dict[str, int] = {}
    batch = HumanitarianBatch(found, file)
    n_rows = 0

    def records() -> Iterator[Record]:
        if first is not None and not hxl:
            yield first
        yield from it

    try:
        for rec in records():
            n_rows += 1
            if n_rows > MAX_ROWS:
                raise LimitError("more data rows than", limit=MAX_ROWS, file=file, line=rec.start)
            batch.rows += 1
            if rec.fields is None:
                if rec.reject is not None:
                    batch.rejects.append(rec.reject)
            else:
                try:
                    got = convert(_Row(rec.fields, index, rf.columns), file, rec.start)
                    batch.records.extend(record_ids(got, seen))
                except _RowError as e:
                    batch.rejects.append(Reject(file, rec.start, e.column, e.value, e.reason))
            if batch.rows >= batch_size:
                yield batch
                batch = HumanitarianBatch(found, file)
        if batch.rows or n_rows == 0:
            yield batch
    finally:
        rf.close()


def read_file(path: str | Path, kind: EvidenceKind | str | None = None) -> HumanitarianBatch:
    """The whole file as one batch (see :func:`read_batches`)."""
    out: HumanitarianBatch | None = None
    for b in read_batches(path, kind):
        out = b if out is None else out + b
    assert out is not None  # read_batches yields at least one batch
    return out
