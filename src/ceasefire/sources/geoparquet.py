"""Events and verdicts as GeoParquet: columnar files that keep every column's type.

:func:`write_events_parquet` / :func:`read_events_parquet` and :func:`write_verdicts_parquet` /
:func:`read_verdicts_parquet` write and read frames through :mod:`pyarrow`; what is written is
read back as the same frame (the same columns, in order, with the same dtypes: provenance,
``Int64``, ``boolean``, UTC times, a verdict's categories). Each file is GeoParquet 1.1: a
``geometry`` column of WKB points (longitude, latitude; null where an event has no coordinates)
and the ``geo`` key in the file's metadata (``version``, ``primary_column``, the encoding,
``geometry_types`` ``["Point"]``, the CRS as PROJJSON of EPSG:4326 and the ``bbox``), so that
``geopandas.read_parquet``, GDAL and DuckDB read the points. The reading functions here give a
plain frame (its ``latitude``/``longitude`` hold the points, so the geometry is not repeated).

A second metadata key, ``ceasefire``, says what the file holds (``events`` or ``verdicts``) and
whose data it is: the licence and citation of each source when the writer is given them (what
an export's ``NAME.sources.txt`` says, :mod:`ceasefire.exports`).

A list (or any iterable) of frames is written as a *partitioned* folder,
``part-00000.parquet``, ``part-00001.parquet``, ..., one frame at a time; the reading functions
take a file, a folder or a glob. Every file is written to ``NAME.tmp`` and renamed when complete,
so a reader never meets half a file and a killed write leaves none.

>>> import tempfile
>>> from ceasefire.sources import read_events
>>> from ceasefire.sources.ucdp import BUNDLED_GED_SYRIA
>>> events = read_events(BUNDLED_GED_SYRIA, "ucdp").events.head(50)
>>> folder = tempfile.mkdtemp()
>>> [p.name for p in write_events_parquet(events, f"{folder}/ged.parquet")]
['ged.parquet']
>>> back = read_events_parquet(f"{folder}/ged.parquet")
>>> back.equals(events), list(back.dtypes[["source_line", "time_start"]].astype(str))
(True, ['Int64', 'datetime64[ns, UTC]'])
"""

from __future__ import annotations

import glob
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Final

import numpy as np
import pandas as pd

from ceasefire.errors import InputError, MissingDependencyError
from ceasefire.events import normalise_events

__all__ = [
    "GEOPARQUET_VERSION",
    "GeoParquetWriter",
    "geo_metadata",
    "parquet_complete",
    "parquet_files",
    "read_events_parquet",
    "read_verdicts_parquet",
    "write_events_parquet",
    "write_verdicts_parquet",
]

#: The GeoParquet specification version the files follow.
GEOPARQUET_VERSION: Final = "1.1.0"
#: What a file holds: the ``kind`` of its ``ceasefire`` metadata.
_KINDS: Final = ("events", "verdicts")
#: Columns a verdict frame must have.
_VERDICT_KEYS: Final = ("event_uid", "agreement_id", "provision_id", "verdict")
_GEOMETRY: Final = "geometry"
_TMP: Final = ".tmp"
# one WKB point: byte order 1 (little-endian), geometry type 1 (Point), x, y: 21 bytes, packed
_WKB_POINT: Final = np.dtype([("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])


def _pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError as exc:  # a dependency, but say what to do if it went missing
        raise MissingDependencyError("GeoParquet needs pyarrow: pip install pyarrow") from exc
    return pyarrow


def _crs_projjson() -> dict[str, Any]:
    from pyproj import CRS

    return dict(CRS.from_epsg(4326).to_json_dict())


def geo_metadata(bbox: Sequence[float] | None) -> dict[str, Any]:
    """The GeoParquet ``geo`` metadata of a file of points in EPSG:4326 with ``bbox``
    ``[min lon, min lat, max lon, max lat]`` (left out when ``None``: no point).

    >>> meta = geo_metadata([36.1, 35.2, 37.0, 36.4])
    >>> meta["version"], meta["primary_column"], meta["columns"]["geometry"]["geometry_types"]
    ('1.1.0', 'geometry', ['Point'])
    >>> meta["columns"]["geometry"]["crs"]["id"]
    {'authority': 'EPSG', 'code': 4326}
    """
    column: dict[str, Any] = {
        "encoding": "WKB",
        "geometry_types": ["Point"],
        "crs": _crs_projjson(),
        "edges": "planar",
    }
    if bbox is not None:
        column["bbox"] = [float(b) for b in bbox]
    return {
        "version": GEOPARQUET_VERSION,
        "primary_column": _GEOMETRY,
        "columns": {"geometry": column},
    }


def _wkb_points(lon: np.ndarray, lat: np.ndarray) -> Any:
    """An Arrow binary array of WKB points, null where a coordinate is missing.

    Built from buffers (one packed numpy record per point) rather than a Python object per row:
    a million points take milliseconds instead of seconds.
    """
    pa = _pyarrow()
    valid = np.isfinite(lon) & np.isfinite(lat)
    packed = np.empty(int(valid.sum()), dtype=_WKB_POINT)
    packed["order"], packed["type"] = 1, 1
    packed["x"], packed["y"] = lon[valid], lat[valid]
    offsets = np.concatenate([[0], np.cumsum(np.where(valid, _WKB_POINT.itemsize, 0))])
    bitmap = pa.array(valid, type=pa.bool_()).buffers()[1]
    return pa.Array.from_buffers(
        pa.binary(),
        len(lon),
        [bitmap, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(packed.tobytes())],
        null_count=int((~valid).sum()),
    )


def _coordinates(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    if not {"longitude", "latitude"} <= set(frame.columns):  # no point known: null points
        return np.full(len(frame), np.nan), np.full(len(frame), np.nan)
    lon = pd.to_numeric(frame["longitude"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    lat = pd.to_numeric(frame["latitude"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return lon, lat


class GeoParquetWriter:
    """One GeoParquet file written a frame at a time (a row group each), so that memory holds
    one frame however many are written. The file is ``path`` + ``.tmp`` until :meth:`close`
    renames it; :meth:`abort` (or an exception inside ``with``) removes it.

    ``kind``: ``"events"`` (each frame is normalised to the event model) or ``"verdicts"``;
    ``sources``: the licence and citation of each source, kept in the ``ceasefire`` metadata.
    The points come from the frames' ``longitude`` and ``latitude``, or from ``lon``/``lat``
    given to :meth:`write`.

    >>> import tempfile
    >>> from ceasefire.events import empty_events
    >>> path = Path(tempfile.mkdtemp()) / "none.parquet"
    >>> with GeoParquetWriter(path, kind="events") as w:
    ...     w.write(empty_events())
    >>> w.rows, path.exists(), read_events_parquet(path).shape[0]
    (0, True, 0)
    """

    def __init__(
        self,
        path: str | Path,
        *,
        kind: str,
        sources: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        if kind not in _KINDS:
            raise ValueError(f"kind must be one of {', '.join(_KINDS)}, not {kind!r}")
        self.path = Path(path)
        self.tmp = self.path.with_name(self.path.name + _TMP)
        self.kind = kind
        self.rows = 0
        self._sources = [dict(s) for s in sources]
        self._writer: Any = None
        self._schema: Any = None
        self._bbox = np.array([np.inf, np.inf, -np.inf, -np.inf])

    def write(
        self,
        frame: pd.DataFrame,
        *,
        lon: np.ndarray | None = None,
        lat: np.ndarray | None = None,
    ) -> None:
        """Append ``frame`` as one row group."""
        pa = _pyarrow()
        frame = self._checked(frame)
        if lon is None or lat is None:
            lon, lat = _coordinates(frame)
        if self._schema is None:
            table = pa.Table.from_pandas(frame, preserve_index=False)
        else:  # later frames take the first one's schema (an all-empty column keeps its type)
            schema = self._schema.remove(self._schema.get_field_index(_GEOMETRY))
            table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
        table = table.append_column(_GEOMETRY, _wkb_points(lon, lat))
        if self._writer is None:
            self._schema = table.schema
            self.tmp.parent.mkdir(parents=True, exist_ok=True)
            self._writer = pa.parquet.ParquetWriter(self.tmp, self._schema)
        self._writer.write_table(table)
        self.rows += len(frame)
        ok = np.isfinite(lon) & np.isfinite(lat)
        if ok.any():
            box = [lon[ok].min(), lat[ok].min(), lon[ok].max(), lat[ok].max()]
            low, high = np.minimum(self._bbox[:2], box[:2]), np.maximum(self._bbox[2:], box[2:])
            self._bbox = np.concatenate([low, high])

    def _checked(self, frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.drop(columns=[_GEOMETRY], errors="ignore")
        if self.kind == "events":
            return normalise_events(pd.DataFrame(frame))
        missing = [c for c in _VERDICT_KEYS if c not in frame.columns]
        if missing:
            raise InputError(
                f"not a verdict frame: it lacks column(s) {', '.join(missing)}", file=str(self.path)
            )
        return pd.DataFrame(frame)

    def close(self) -> Path:
        """Finish the file (its metadata, flushed to disk) and give it its name."""
        if self._writer is None:
            raise ValueError("nothing was written: write at least one frame, even an empty one")
        bbox = self._bbox.tolist() if np.isfinite(self._bbox).all() else None
        meta = {"kind": self.kind, "format_version": 1, "sources": self._sources}
        self._writer.add_key_value_metadata(
            {"geo": json.dumps(geo_metadata(bbox)), "ceasefire": json.dumps(meta)}
        )
        self._writer.close()
        self._writer = None
        with self.tmp.open("rb+") as fh:  # on disk before the rename makes it count
            os.fsync(fh.fileno())
        os.replace(self.tmp, self.path)
        return self.path

    def abort(self) -> None:
        """Drop what was written (no file is left, not even the temporary one)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self.tmp.unlink(missing_ok=True)

    def __enter__(self) -> GeoParquetWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def _write(
    frames: pd.DataFrame | Iterable[pd.DataFrame],
    path: str | Path,
    *,
    kind: str,
    sources: Sequence[Mapping[str, Any]],
    coordinates: pd.DataFrame | None = None,
) -> list[Path]:
    def one(frame: pd.DataFrame, out: Path) -> Path:
        with GeoParquetWriter(out, kind=kind, sources=sources) as w:
            if coordinates is None or {"longitude", "latitude"} <= set(frame.columns):
                w.write(frame)
            else:
                where = coordinates.reindex(frame["event_uid"].astype(object))
                lon, lat = _coordinates(where)
                w.write(frame, lon=lon, lat=lat)
        return out

    if isinstance(frames, pd.DataFrame):
        return [one(frames, Path(path))]
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    return [one(f, folder / f"part-{i:05d}.parquet") for i, f in enumerate(frames)]


def write_events_parquet(
    frame: pd.DataFrame | Iterable[pd.DataFrame],
    path: str | Path,
    *,
    sources: Sequence[Mapping[str, Any]] = (),
) -> list[Path]:
    """Write an events frame to the GeoParquet file ``path``, or an iterable of frames to the
    folder ``path`` as ``part-00000.parquet``, ... (one frame in memory at a time). Every event
    column, the provenance and any extra column are kept with their types. Returns the files.

    ``sources``: the licence and citation of each source (``Attribution.as_dict()`` of
    :mod:`ceasefire.fetch.attribution`), kept in the file's ``ceasefire`` metadata.

    >>> import tempfile
    >>> from ceasefire.events import empty_events
    >>> folder = Path(tempfile.mkdtemp()) / "parts"
    >>> [p.name for p in write_events_parquet([empty_events(), empty_events()], folder)]
    ['part-00000.parquet', 'part-00001.parquet']
    """
    return _write(frame, path, kind="events", sources=sources)


def write_verdicts_parquet(
    frame: pd.DataFrame | Iterable[pd.DataFrame],
    path: str | Path,
    *,
    events: pd.DataFrame | None = None,
    sources: Sequence[Mapping[str, Any]] = (),
) -> list[Path]:
    """Write verdict rows (``Evaluation.verdicts`` of :func:`ceasefire.evaluate`, or an
    export's rows: :func:`ceasefire.exports.verdicts_frame`) as GeoParquet, like
    :func:`write_events_parquet`. Each row's point is its event's: the frame's own
    ``longitude``/``latitude`` where it has them (an export's rows), else looked up by
    ``event_uid`` in ``events`` (the engine's rows; without ``events`` the points are null).

    >>> import tempfile
    >>> from ceasefire import evaluate
    >>> from ceasefire.agreements import Registry
    >>> from ceasefire.sources import read_events
    >>> from ceasefire.sources.ucdp import BUNDLED_GED_SYRIA
    >>> events = read_events(BUNDLED_GED_SYRIA, "ucdp").events.tail(200)
    >>> verdicts = evaluate(Registry.bundled().get("moscow-2020"), events).verdicts
    >>> out = Path(tempfile.mkdtemp()) / "verdicts.parquet"
    >>> _ = write_verdicts_parquet(verdicts, out, events=events)
    >>> read_verdicts_parquet(out).equals(verdicts)
    True
    """
    coords = None
    if events is not None:
        coords = pd.DataFrame(
            {
                "longitude": events["longitude"].to_numpy(),
                "latitude": events["latitude"].to_numpy(),
            },
            index=pd.Index(events["event_uid"].astype(object)),
        )
        coords = coords[~coords.index.duplicated(keep="last")]
    return _write(frame, path, kind="verdicts", sources=sources, coordinates=coords)


def parquet_complete(part: str | Path) -> bool:
    """Whether ``part`` is a finished Parquet file: a file with a footer that reads (a writer
    here gives the name only to a finished file; the footer is read all the same, for a file
    cut short some other way). What a rerun skips.

    >>> parquet_complete("no-such-file.parquet")
    False
    """
    part = Path(part)
    if not part.is_file():
        return False
    import pyarrow.parquet as pq

    try:
        pq.read_metadata(part)
    except (OSError, ValueError):
        return False
    return True


def parquet_files(path_or_glob: str | Path) -> list[Path]:
    """The Parquet files named by ``path_or_glob``: a file; a folder (its ``*.parquet``, in
    name order; ``.tmp`` files of an unfinished write are not among them); or a glob pattern.
    :class:`~ceasefire.errors.InputError` when there is none.

    >>> parquet_files("/nonexistent/*.parquet")
    Traceback (most recent call last):
    ...
    ceasefire.errors.InputError: /nonexistent/*.parquet: no Parquet file found
    """
    p = Path(path_or_glob)
    if p.is_dir():
        files = sorted(f for f in p.glob("*.parquet") if f.is_file())
    elif p.is_file():
        files = [p]
    else:
        files = [Path(f) for f in sorted(glob.glob(str(path_or_glob))) if Path(f).is_file()]
    if not files:
        raise InputError("no Parquet file found", file=str(path_or_glob))
    return files


def _read_one(path: Path, kind: str, row_group: int | None = None) -> pd.DataFrame:
    pa = _pyarrow()
    try:
        with pa.parquet.ParquetFile(path) as pf:
            # the file's key/value metadata: "geo" and "ceasefire" are added when it is closed
            meta = pf.metadata.metadata or {}
            if row_group is not None and not 0 <= row_group < pf.metadata.num_row_groups:
                raise InputError(
                    f"no row group {row_group} (the file has {pf.metadata.num_row_groups})",
                    file=str(path),
                )
            table = pf.read() if row_group is None else pf.read_row_group(row_group)
    except (OSError, pa.ArrowException) as exc:
        raise InputError(f"not a readable Parquet file: {exc}", file=str(path)) from exc
    about = json.loads(meta.get(b"ceasefire", b"{}"))
    if about.get("kind", kind) != kind:
        raise InputError(f"holds {about['kind']}, not {kind}", file=str(path))
    pandas_meta = table.schema.pandas_metadata or {}
    objects = {c["name"] for c in pandas_meta.get("columns", []) if c.get("numpy_type") == "object"}
    if _GEOMETRY in table.column_names:
        geometry = table.column(_GEOMETRY)
        table = table.drop_columns([_GEOMETRY])
        located = {"longitude", "latitude"} <= set(table.column_names)
        if kind == "events" and not located:
            table = _with_coordinates(table, geometry)
    frame = table.to_pandas()
    for c in objects & set(frame.columns):  # text kept as object dtype comes back as object
        if frame[c].dtype != object:
            values = table.column(c).to_numpy(zero_copy_only=False)
            frame[c] = pd.Series(values, index=frame.index, dtype=object)
    return frame


def _with_coordinates(table: Any, geometry: Any) -> Any:
    """``table`` with ``longitude``/``latitude`` from its WKB points (a file from elsewhere)."""
    import shapely

    points = shapely.from_wkb(geometry.to_numpy(zero_copy_only=False))
    return table.append_column("longitude", [shapely.get_x(points)]).append_column(
        "latitude", [shapely.get_y(points)]
    )


def _read(path_or_glob: str | Path, kind: str) -> pd.DataFrame:
    frames = [_read_one(f, kind) for f in parquet_files(path_or_glob)]
    # an empty part adds no rows, and its columns' types (object where nothing was inferred)
    # must not decide the whole frame's
    frames = [f for f in frames if len(f)] or frames[:1]
    if len(frames) == 1:
        return frames[0]
    return pd.concat(frames, ignore_index=True)


def read_events_parquet(path_or_glob: str | Path, *, row_group: int | None = None) -> pd.DataFrame:
    """The events of a GeoParquet file, a folder of parts or a glob, as one events frame (the
    event model's columns first, each with its dtype; extra columns kept).

    A file written by :func:`write_events_parquet` comes back as the frame written; a
    GeoParquet file from elsewhere without ``latitude``/``longitude`` gets them from its points.
    ``row_group``: read only that row group of the one file ``path_or_glob`` (what a task of
    :func:`ceasefire.cluster.evaluate_parquet` reads).
    """
    if row_group is None:
        return normalise_events(_read(path_or_glob, "events"))
    files = parquet_files(path_or_glob)
    if len(files) != 1:
        raise InputError(f"row_group needs one file, not {len(files)}", file=str(path_or_glob))
    return normalise_events(_read_one(files[0], "events", row_group))


def read_verdicts_parquet(path_or_glob: str | Path) -> pd.DataFrame:
    """The verdict rows of a GeoParquet file, a folder of parts or a glob, as written by
    :func:`write_verdicts_parquet` (the geometry column left out)."""
    frame = _read(path_or_glob, "verdicts")
    missing = [c for c in _VERDICT_KEYS if c not in frame.columns]
    if missing:
        raise InputError(
            f"not a verdicts file: it lacks column(s) {', '.join(missing)}",
            file=str(path_or_glob),
        )
    return frame
