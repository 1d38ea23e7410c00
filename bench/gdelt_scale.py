"""A GDELT-size run of the distributed engine: N synthetic events, 1 and 2 Dask workers.

**The data is synthetic.** No GDELT record is read: the events are drawn with numpy to look
like GDELT 2.0 events as :class:`ceasefire.sources.gdelt.GdeltSource` reads them, so that the
engine does the work it would do on a real GDELT extract of the same size:

- *where*: 45 % over the bundled zones' bounding box grown by 30 % (Idlib and around: the
  zones of ``bench/engine.py``'s :func:`bundled_zones`), 25 % over Syria, 30 % worldwide;
- *how precisely*: GDELT's ActionGeo_Type mix (1 country centroid, 5 ADM1 centroid, 4 world
  city; 2/3 US state/city for a share of the worldwide rows), mapped to ``geo_precision`` and
  ``location_uncertainty_km`` by the reader's own :data:`ACTION_GEO_PRECISION` and
  :data:`ACTION_GEO_RADIUS_KM` (300 / 75 / 5 km); a country- or ADM1-level event sits on its
  centroid, as in GDELT;
- *when*: a UTC calendar day uniform over 2019-2021 (``time_start``/``time_end`` = that day);
- *what*: CAMEO codes drawn with a conflict-heavy mix, mapped to ACLED types by the reader's
  :func:`cameo_to_acled`; GDELT-style actor names; ``event_uid`` = ``gdelt:<id>``, unique.

Steps: (1) write the events as GeoParquet parts (``--part-rows`` rows a file, row groups of
``--row-group-rows``: one row group is one Dask partition), skipped when ``--out`` already holds
a complete set for the same N and seed (``gdelt-scale.json``); (2) the single-process engine
(:func:`ceasefire.compliance.judge_events` on one partition in this process) as the per-core
baseline; (3) :func:`ceasefire.cluster.evaluate_parquet` against moscow-2020 with
``cluster="local:1"`` and then ``"local:2"`` (separate output folders), sampling the RSS of the
worker processes (this process's children) with psutil; (4) a table, the 2-over-1 scaling factor
and the throughput expected of a larger cluster. The generated data and verdicts are deleted at
the end unless ``--keep``.

Run::

    python bench/gdelt_scale.py --events 2000000          # a quick check (about 2.5 minutes)
    python bench/gdelt_scale.py                           # 100,000,000 events (~35 min here)
    python bench/gdelt_scale.py --events 30000000 --out /data/gdelt-scale --keep
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from engine import SYRIA_BBOX, bundled_zones, peak_rss_mb

AGREEMENT = "moscow-2020"
MANIFEST = "gdelt-scale.json"
FORMAT = 1
NS_PER_DAY = 86_400 * 10**9
DAY0 = np.datetime64("2019-01-01", "D")
DAYS = int((np.datetime64("2022-01-01", "D") - DAY0).astype(int))  # 2019-2021

#: ActionGeo_Type shares (1 country, 2 US state, 3 US city, 4 world city, 5 world ADM1)
SYRIA_GEO_TYPES = (np.array([1, 5, 4]), np.array([0.15, 0.25, 0.60]))
WORLD_GEO_TYPES = (np.array([1, 2, 3, 4, 5]), np.array([0.15, 0.08, 0.17, 0.40, 0.20]))
SYRIA_CENTROID = (38.5, 35.0)  # lon, lat: where GDELT puts a country-level Syria event
#: ADM1 centroids (lon, lat): Idlib, Aleppo, Hama, Latakia, Damascus, Deir ez-Zor
SYRIA_ADM1 = np.array(
    [[36.65, 35.75], [37.2, 36.2], [36.8, 35.2], [36.0, 35.6], [36.3, 33.5], [40.1, 35.3]]
)
#: CAMEO codes and their shares: a conflict-heavy extract, as a Syria-focused GDELT query gives
CAMEO = (
    ["010", "020", "036", "042", "051", "057", "112", "120", "130", "138", "141", "145",
     "173", "180", "181", "183", "186", "190", "193", "194", "195", "200", "204"],
    [8, 5, 5, 5, 4, 3, 6, 4, 5, 3, 3, 1, 3, 6, 2, 3, 2, 10, 6, 8, 6, 1, 1],
)  # fmt: skip
ACTORS = (
    [None, "SYRIA", "SYRIAN", "SYRIAN ARMY", "RUSSIA", "RUSSIAN", "TURKEY", "TURKISH",
     "MILITANT", "REBEL", "REBELS", "HAYAT TAHRIR AL-SHAM", "CIVILIAN", "IRAN", "UNITED STATES",
     "Military Forces of Syria (2000-)", "Hayat Tahrir al-Sham", "Opposition Rebels (Syria)"],
    [25, 10, 5, 6, 8, 3, 7, 3, 6, 5, 3, 3, 4, 3, 4, 2, 2, 1],
)  # fmt: skip


# --- generation ----------------------------------------------------------------------------


def _norm(w: list[int]) -> np.ndarray:
    a = np.asarray(w, dtype=float)
    return a / a.sum()


def _ids(prefix: str, ids: np.ndarray) -> pd.Series:
    """``prefix`` + each id, as a string column (pyarrow: ~6x numpy's ``np.char``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pc.binary_join_element_wise(prefix, pc.cast(pa.array(ids), pa.string()), "")
    return pd.Series(pd.arrays.ArrowStringArray(text))


def _pick(rng: np.random.Generator, vocab: list[Any], weights: list[int], n: int) -> pd.Series:
    """``n`` draws from ``vocab`` as a string column (a categorical's codes, then its values)."""
    codes = rng.choice(len(vocab), n, p=_norm(weights))
    cats = pd.array(vocab, dtype="string")
    return pd.Series(cats.take(codes))


def _empty(dtype: str, n: int) -> Any:
    """An all-missing column of ``dtype``, built directly (``normalise_events`` would cast an
    object column of NA, most of a chunk's time)."""
    import pyarrow as pa

    if dtype == "string":
        return pd.array(pd.arrays.ArrowStringArray(pa.nulls(n, pa.large_string())), dtype="string")
    if dtype == "Int64":
        return pd.arrays.IntegerArray(np.zeros(n, np.int64), np.ones(n, bool))
    if dtype == "boolean":
        return pd.arrays.BooleanArray(np.zeros(n, bool), np.ones(n, bool))
    if dtype == "float64":
        return np.full(n, np.nan)
    return pd.Series(np.full(n, np.datetime64("NaT"), "datetime64[ns]")).dt.tz_localize("UTC")


def make_chunk(first_id: int, n: int, seed: int, zone_bbox: np.ndarray) -> pd.DataFrame:
    """``n`` synthetic GDELT-like events with ids ``first_id`` .. ``first_id + n - 1``
    (vectorised; the same ``first_id`` and ``seed`` give the same rows)."""
    from ceasefire.sources.gdelt import ACTION_GEO_PRECISION, ACTION_GEO_RADIUS_KM, cameo_to_acled

    rng = np.random.default_rng([seed, first_id])
    region = rng.choice(3, n, p=[0.45, 0.25, 0.30])  # 0 zones, 1 Syria, 2 world
    syria = region < 2
    geo_type = np.where(
        syria,
        rng.choice(SYRIA_GEO_TYPES[0], n, p=SYRIA_GEO_TYPES[1]),
        rng.choice(WORLD_GEO_TYPES[0], n, p=WORLD_GEO_TYPES[1]),
    )
    x0, y0, x1, y1 = zone_bbox
    w, h = x1 - x0, y1 - y0
    sx0, sy0, sx1, sy1 = SYRIA_BBOX
    lon = np.where(
        region == 0,
        rng.uniform(x0 - 0.15 * w, x1 + 0.15 * w, n),
        np.where(region == 1, rng.uniform(sx0, sx1, n), rng.uniform(-180.0, 180.0, n)),
    )
    lat = np.where(
        region == 0,
        rng.uniform(y0 - 0.15 * h, y1 + 0.15 * h, n),
        np.where(
            region == 1, rng.uniform(sy0, sy1, n), np.degrees(np.arcsin(rng.uniform(-0.8, 0.95, n)))
        ),
    )
    # a country- or ADM1-level event in Syria sits on the centroid, as GDELT places it
    country = syria & (geo_type == 1)
    lon[country], lat[country] = SYRIA_CENTROID
    adm1 = syria & (geo_type == 5)
    which = rng.integers(0, len(SYRIA_ADM1), int(adm1.sum()))
    lon[adm1], lat[adm1] = SYRIA_ADM1[which, 0], SYRIA_ADM1[which, 1]
    radius = np.zeros(6)
    precision = np.zeros(6, dtype=np.int64)
    for k, v in ACTION_GEO_RADIUS_KM.items():
        radius[k] = v
        precision[k] = ACTION_GEO_PRECISION[k]

    ids = np.arange(first_id, first_id + n, dtype=np.int64)
    day = rng.integers(0, DAYS, n)
    days = DAY0 + day.astype("timedelta64[D]")
    start = days.astype("datetime64[ns]")
    codes = rng.choice(len(CAMEO[0]), n, p=_norm(CAMEO[1]))
    types = cameo_to_acled(pd.Series(CAMEO[0]))
    all_days = np.datetime_as_string(DAY0 + np.arange(DAYS).astype("timedelta64[D]"), unit="D")

    def typed(col: str) -> pd.Series:
        return pd.Series(pd.array(types[col].tolist(), dtype="string").take(codes))

    frame = pd.DataFrame(
        {
            "event_id_cnty": _ids("GDELT-", ids),
            "event_date": pd.Series(pd.array(all_days, dtype="string").take(day)),
            "year": pd.array(days.astype("datetime64[Y]").astype(np.int64) + 1970, dtype="Int64"),
            "time_precision": pd.array(np.ones(n, dtype=np.int64), dtype="Int64"),
            "disorder_type": typed("disorder_type"),
            "event_type": typed("event_type"),
            "sub_event_type": typed("sub_event_type"),
            "actor1": _pick(rng, ACTORS[0], ACTORS[1], n),
            "actor2": _pick(rng, ACTORS[0], ACTORS[1], n),
            "country": _pick(rng, ["Syria"], [1], n).where(pd.Series(syria), pd.NA),
            "iso2": _pick(rng, ["SY"], [1], n).where(pd.Series(syria), pd.NA),
            "latitude": lat,
            "longitude": lon,
            "geo_precision": pd.array(precision[geo_type], dtype="Int64"),
            "event_uid": _ids("gdelt:", ids),
            "source_dataset": _pick(rng, ["gdelt"], [1], n),
            "source_row_id": _ids("", ids),
            "location_uncertainty_km": radius[geo_type],
            "time_start": pd.Series(start).dt.tz_localize("UTC"),
            "time_end": pd.Series(start + np.timedelta64(1, "D")).dt.tz_localize("UTC"),
            "initiator_known": pd.array(np.ones(n, dtype=bool), dtype="boolean"),
            "cameo_code": pd.Series(pd.array(CAMEO[0], dtype="string").take(codes)),
        }
    )
    from ceasefire.events import EVENT_COLUMNS, normalise_events

    for col, dtype in EVENT_COLUMNS.items():
        if col not in frame.columns:
            frame[col] = _empty(dtype, n)
    return normalise_events(frame)


@dataclass
class Generated:
    files: list[str]
    seconds: float
    skipped: bool
    rows: int
    bytes: int


def _about(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "events": args.events,
        "seed": args.seed,
        "part_rows": args.part_rows,
        "row_group_rows": args.row_group_rows,
    }


def generate(args: argparse.Namespace, data: Path) -> Generated:
    """Write the parts (or find them complete): one file per ``part_rows``, one row group per
    ``row_group_rows``, one row group in memory at a time."""
    from ceasefire.sources.geoparquet import GeoParquetWriter

    about = _about(args)
    path = data / MANIFEST
    if path.exists():
        there = json.loads(path.read_text(encoding="utf-8"))
        files = [data / f for f in there.get("files", [])]
        if {k: there.get(k) for k in about} == about and all(f.is_file() for f in files):
            size = sum(f.stat().st_size for f in files)
            return Generated([str(f) for f in files], 0.0, True, args.events, size)
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    geoms, desc = bundled_zones()
    import shapely

    zone_bbox = shapely.total_bounds(np.array(geoms, dtype=object))
    print(f"zones: {desc}", flush=True)
    t0 = time.perf_counter()
    files: list[str] = []
    done = 0
    for k, start in enumerate(range(0, args.events, args.part_rows)):
        stop = min(start + args.part_rows, args.events)
        target = data / f"part-{k:05d}.parquet"
        with GeoParquetWriter(target, kind="events") as w:
            for a in range(start, stop, args.row_group_rows):
                b = min(a + args.row_group_rows, stop)
                w.write(make_chunk(a + 1, b - a, args.seed, zone_bbox))
                done += b - a
        files.append(target.name)
        el = time.perf_counter() - t0
        print(
            f"  generated {done:,}/{args.events:,} rows, {el:.0f} s, {done / el:,.0f} rows/s",
            flush=True,
        )
    seconds = time.perf_counter() - t0
    path.write_text(json.dumps({**about, "files": files}, indent=1), encoding="utf-8")
    size = sum((data / f).stat().st_size for f in files)
    return Generated([str(data / f) for f in files], seconds, False, args.events, size)


# --- measuring -----------------------------------------------------------------------------


@dataclass
class Sampler:
    """Peak RSS of this process's worker children (the Dask workers), sampled every
    ``interval`` seconds in a thread."""

    interval: float = 0.25
    peaks: dict[int, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _loop(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._stop.is_set():
            for child in me.children(recursive=True):
                try:
                    if "resource_tracker" in " ".join(child.cmdline()):
                        continue
                    rss = child.memory_info().rss / 1e6
                except psutil.Error:
                    continue
                self.peaks[child.pid] = max(self.peaks.get(child.pid, 0.0), rss)
            self._stop.wait(self.interval)

    def __enter__(self) -> Sampler:
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


@dataclass
class Result:
    name: str
    workers: int
    events: int
    seconds: float
    verdicts: int
    peaks_mb: list[float]
    first_part_s: float | None = None

    @property
    def rate(self) -> float:
        return self.events / self.seconds

    @property
    def per_worker(self) -> float:
        return self.rate / self.workers


def baseline(data: Generated, outside: bool) -> tuple[Result, float, float]:
    """The single-process engine on the first partition, in this process: read, then
    ``judge_events`` twice (cold: the index's share tables empty; warm)."""
    from ceasefire.agreements import Registry
    from ceasefire.cluster import partitions
    from ceasefire.compliance import Rules, judge_events, plan_evaluation
    from ceasefire.compliance.spatial import build_zone_index
    from ceasefire.sources.geoparquet import read_events_parquet

    registry = Registry.bundled()
    rules = Rules(keep_outside=outside)
    plan = plan_evaluation(registry.get(AGREEMENT), registry=registry, rules=rules)
    index = build_zone_index(plan.zone_geometries)
    p = partitions(data.files[0])[0]
    t = time.perf_counter()
    events = read_events_parquet(p.source, row_group=p.row_group)
    read_s = time.perf_counter() - t
    t = time.perf_counter()
    judge_events(plan, events, index=index)
    cold = time.perf_counter() - t
    t = time.perf_counter()
    verdicts = judge_events(plan, events, index=index)
    warm = time.perf_counter() - t
    res = Result("judge_events, 1 partition", 1, len(events), warm, len(verdicts), [peak_rss_mb()])
    return res, cold, read_s


def cluster_run(data: Path, out: Path, workers: int, outside: bool) -> Result:
    from ceasefire.cluster import evaluate_parquet
    from ceasefire.compliance import Rules

    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    first: list[float] = []

    def progress(done: int, parts: int, events: int) -> None:
        if done == 1 and not first:
            first.append(time.perf_counter() - t0)
        if done and (done % max(1, parts // 10) == 0 or done == parts):
            el = time.perf_counter() - t0
            print(
                f"  local:{workers}: {done}/{parts} parts, {events:,} events, {el:.0f} s",
                flush=True,
            )

    with Sampler() as sampler:
        run = evaluate_parquet(
            str(data / "part-*.parquet"),
            AGREEMENT,
            out,
            cluster=f"local:{workers}",
            rules=Rules(keep_outside=outside),
            progress=progress,
        )
        seconds = time.perf_counter() - t0
    # the workers: the nannies live in this process, each spawns one worker process
    peaks = sorted(sampler.peaks.values(), reverse=True)[:workers]
    return Result(
        f"evaluate_parquet local:{workers}",
        workers,
        run.events,
        seconds,
        run.rows,
        peaks,
        first[0] if first else None,
    )


def _table(rows: list[Result]) -> str:
    head = (
        "| run | workers | events | wall s | events/s | events/s/worker | verdict rows | "
        "peak RSS MB per worker |"
    )
    lines = [head, "|" + "---|" * 8]
    for r in rows:
        peaks = ", ".join(f"{m:,.0f}" for m in r.peaks_mb)
        lines.append(
            f"| {r.name} | {r.workers} | {r.events:,} | {r.seconds:,.1f} | {r.rate:,.0f} | "
            f"{r.per_worker:,.0f} | {r.verdicts:,} | {peaks} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--events", type=lambda s: int(float(s)), default=100_000_000)
    ap.add_argument("--out", type=Path, default=Path("/tmp/ceasefire-gdelt-scale"))
    ap.add_argument("--seed", type=int, default=20261207)
    ap.add_argument("--part-rows", type=int, default=2_000_000, help="rows per Parquet file")
    ap.add_argument(
        "--row-group-rows", type=int, default=500_000, help="rows per row group (= partition)"
    )
    ap.add_argument(
        "--workers", default="1,2", help="local cluster sizes to run, in order ('': generate only)"
    )
    ap.add_argument("--keep", action="store_true", help="keep the events and verdicts")
    ap.add_argument(
        "--outside",
        action="store_true",
        help="write the 'outside' verdict rows too (default: left out, as `ceasefire evaluate "
        "--no-outside` does; about 3 in 4 rows of this mix)",
    )
    args = ap.parse_args(argv)

    import distributed

    print(
        f"ceasefire GDELT-scale run, {time.strftime('%Y-%m-%d %H:%M')}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs, load average "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}, python {platform.python_version()}, "
        f"pandas {pd.__version__}, distributed {distributed.__version__}; N = {args.events:,} "
        f"synthetic events",
        flush=True,
    )
    data = args.out / "events"
    try:
        gen = generate(args, data)
        if gen.skipped:
            print(f"generation skipped: {data} holds the {gen.rows:,} events of seed {args.seed}")
        else:
            print(
                f"generated {gen.rows:,} events in {gen.seconds:.1f} s "
                f"({gen.rows / gen.seconds:,.0f} rows/s), {len(gen.files)} files, "
                f"{gen.bytes / 1e9:.2f} GB",
                flush=True,
            )
        if not args.workers:
            return  # generation only: --workers ''
        print(f"outside rows: {'written' if args.outside else 'left out (--no-outside)'}")
        base, cold, read_s = baseline(gen, args.outside)
        print(
            f"single process: judge_events on {base.events:,} events: cold {cold:.2f} s, "
            f"warm {base.seconds:.2f} s ({base.rate:,.0f} events/s), read {read_s:.2f} s",
            flush=True,
        )
        rows = [base]
        for w in (int(x) for x in args.workers.split(",")):
            res = cluster_run(data, args.out / f"verdicts-local{w}", w, args.outside)
            print(
                f"local:{w}: {res.seconds:.1f} s, {res.rate:,.0f} events/s, "
                f"{res.per_worker:,.0f} events/s/worker, first part after "
                f"{res.first_part_s or 0:.1f} s",
                flush=True,
            )
            rows.append(res)
        print()
        print(_table(rows))
        print()
        by_w = {r.workers: r for r in rows[1:]}
        if 1 in by_w:
            one = by_w[1]
            print(
                f"local:1 per worker over the single-process judge_events: "
                f"{one.per_worker / base.rate:.2f} (the worker also reads and writes Parquet)"
            )
        if 1 in by_w and 2 in by_w:
            scaling = by_w[2].rate / by_w[1].rate
            eff = scaling / 2
            print(f"scaling factor local:2 / local:1 = {scaling:.2f} (efficiency {eff:.0%})")
            per = by_w[1].per_worker
            print(f"expected on a cluster: {per:,.0f} events/s/worker (local:1) x workers x")
            print(f"{eff:.0%} (2 workers' efficiency here; a guess for more workers):")
            for n in (8, 32, 128):
                rate = per * n * eff
                minutes = 100_000_000 / rate / 60
                print(f"  {n:4d} workers: ~{rate:,.0f} events/s, 100 M in ~{minutes:.1f} min")
            print("to run it on a cluster: docs/dask.md, 'A GDELT-size run'")
    finally:
        if not args.keep:
            shutil.rmtree(args.out, ignore_errors=True)
            print(f"deleted {args.out} (--keep keeps it)")


if __name__ == "__main__":
    main()
