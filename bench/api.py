"""The HTTP API under load: requests/s and p50/p95/p99 latency of the main endpoints with
100,000 events in the store, uvicorn on loopback in a subprocess, concurrent clients, on
SQLite and on PostgreSQL, with one or more server processes.

    python bench/api.py                       # builds /tmp/ceasefire-bench-api.db once, reuses it
    python bench/api.py --events 100000 --requests 60 --store both --workers 1,2 --concurrency 1,8

``--store postgresql`` (or ``both``) starts a local PostgreSQL+PostGIS cluster
(``scripts/local_postgres.py``) in ``--pg-dir`` on a free port, upgrades its database and copies
the SQLite store into it the first time (``ceasefire db upgrade`` + ``db copy``); later runs reuse
it. The cluster is stopped at the end. One table is printed per (store, workers, clients), then
the p95 of every endpoint across them, then the targets (issue 11) checked on PostgreSQL with 8
clients. "report submission" POSTs field reports with a monitor's token: it writes, so it runs
last in each configuration.

The store: the bundled 16,566 UCDP events plus synthetic copies of them (each moved up to
~5 km and up to 60 days, new uids) up to ``--events``, all evaluated against both agreements
(about 5 verdict rows per event, "outside" ones included). The baseline, measured in the same
run, is ``GET /api/me`` (no database work): each endpoint's p50 is also printed as a ratio to it.
The map's and timeline's rows change the bbox or date range on every request, so none is answered
from the server's answer cache; the rows marked "cached" repeat one URL.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd

from ceasefire import monitoring
from ceasefire.events import normalise_events
from ceasefire.store import open_store


def _synthetic(events: pd.DataFrame, n: int, first: int) -> pd.DataFrame:
    seed = first
    rng = np.random.default_rng(seed)
    pick = events.sample(n=n, replace=True, random_state=seed).reset_index(drop=True)
    shift = pd.to_timedelta(rng.integers(-60, 61, n), unit="D")
    out = pick.copy()
    out["event_uid"] = [f"synth:{first + i}" for i in range(n)]
    out["source_dataset"] = "synthetic"
    out["source_row_id"] = [str(first + i) for i in range(n)]
    out["latitude"] = pick["latitude"] + rng.uniform(-0.05, 0.05, n)
    out["longitude"] = pick["longitude"] + rng.uniform(-0.05, 0.05, n)
    out["time_start"] = pick["time_start"] + shift
    out["time_end"] = pick["time_end"] + shift
    out["event_date"] = (
        (pick["time_start"] + shift).dt.tz_convert("Asia/Damascus").dt.date.astype(str)
    )
    out["year"] = pd.to_datetime(out["event_date"]).dt.year
    out = out.drop(columns=[c for c in ("content_hash", "version") if c in out.columns])
    return normalise_events(out)


def build(db: Path, total: int) -> None:
    if db.exists():
        with open_store(db) as store:
            if store.count_events() >= total:
                return
        db.unlink()
    t = time.perf_counter()
    with open_store(db) as store:
        monitoring.seed_bundled(store)
        store.ingest("ucdp", monitoring.BUNDLED_UCDP)
        real = store.events()
        extra = total - len(real)
        for start in range(0, extra, 20_000):
            store.add_events(_synthetic(real, min(20_000, extra - start), first=start))
        monitoring.evaluate_store(store)
        print(f"built {db}: {store.count_events():,} events in {time.perf_counter() - t:.0f} s")


def _box(i: int, size: float = 0.2) -> str:
    """A view of ``size`` degrees over Idlib, nudged per request."""
    lon, lat = 36.5 + (i % 50) * 0.001, 35.7 + (i // 50) * 0.001
    return (
        f"bbox={lon - size / 2:.4f},{lat - size / 2:.4f},{lon + size / 2:.4f},{lat + size / 2:.4f}"
    )


def _until(i: int) -> str:
    return f"date_to={(pd.Timestamp('2020-06-30') - pd.Timedelta(days=i)).date()}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


Url = str | Callable[[int], str]
#: (row name, URL or URL per request index, JSON body for a POST or None)
Endpoint = tuple[str, Url, dict[str, Any] | None]
#: row name -> (req/s, p50 ms, p95 ms, p99 ms)
Table = dict[str, tuple[float, float, float, float]]


async def _hammer(
    client: httpx.AsyncClient, endpoint: Endpoint, n: int, concurrency: int
) -> tuple[list[float], float]:
    _, url, body = endpoint
    latencies: list[float] = []
    queue = iter(range(n))

    async def worker() -> None:
        for i in queue:
            u = url(i) if callable(url) else url
            t = time.perf_counter()
            if body is None:
                r = await client.get(u)
            else:
                r = await client.post(u, json=body)
            latencies.append(time.perf_counter() - t)
            if r.status_code != (200 if body is None else 201):
                raise SystemExit(f"{u}: HTTP {r.status_code} {r.text[:200]}")

    t0 = time.perf_counter()
    await asyncio.gather(*[worker() for _ in range(concurrency)])
    return latencies, time.perf_counter() - t0


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q)) * 1000


async def run(base: str, endpoints: list[Endpoint], n: int, concurrency: int, token: str) -> Table:
    headers = {"Authorization": f"Bearer {token}"}
    table: Table = {}
    async with httpx.AsyncClient(base_url=base, timeout=300, headers=headers) as client:
        for _, url, body in endpoints:  # warm caches (agreements, zones, pages); no writes
            if body is None:
                await client.get(url(-1) if callable(url) else url)
        print(f"{n} requests per endpoint, {concurrency} concurrent clients")
        head = f"{'endpoint':<34}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'x me':>8}"
        print(head)
        baseline = None
        for endpoint in endpoints:
            lat, wall = await _hammer(client, endpoint, n, concurrency)
            p50 = statistics.median(lat) * 1000
            baseline = baseline or p50
            row = (n / wall, p50, _pct(lat, 95), _pct(lat, 99))
            table[endpoint[0]] = row
            print(
                f"{endpoint[0]:<34}{row[0]:>8.1f}{row[1]:>9.1f}{row[2]:>9.1f}"
                f"{row[3]:>9.1f}{p50 / baseline:>8.1f}",
                flush=True,
            )
    return table


def _cli(*args: str, stdin: str | None = None, check: bool = True) -> str:
    """Run ``ceasefire ARGS`` in a subprocess; its stdout."""
    cmd = [sys.executable, "-c", "from ceasefire.cli import main; main()", *args]
    done = subprocess.run(cmd, input=stdin, capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise SystemExit(f"ceasefire {' '.join(args)}: {done.stdout}{done.stderr}")
    return done.stdout


def _local_postgres(*args: str) -> str:
    script = Path(__file__).resolve().parent.parent / "scripts" / "local_postgres.py"
    done = subprocess.run(
        [sys.executable, str(script), *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"local_postgres.py {' '.join(args)}: {done.stdout}{done.stderr}")
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def postgres(folder: Path, sqlite: Path) -> str:
    """Start the local cluster in ``folder`` (made, upgraded and filled from ``sqlite`` the
    first time, on a free port kept in ``folder/port``); its URL."""
    port_file, done_file = folder / "port", folder / "copied"
    fresh = not port_file.exists()
    port = _free_port() if fresh else int(port_file.read_text())
    folder.mkdir(parents=True, exist_ok=True)
    port_file.write_text(str(port))
    url = _local_postgres("start", "--dir", str(folder), "--port", str(port))
    if not done_file.exists():
        t = time.perf_counter()
        _cli("db", "upgrade", "--db", url)
        _cli("db", "copy", "--from", str(sqlite), "--to", url)
        done_file.write_text(url)
        print(f"copied {sqlite} into {url} in {time.perf_counter() - t:.0f} s")
    return url


def monitor_token(db: str) -> str:
    """A fresh API token of the user ``monitor`` (added, as a monitor, if absent)."""
    _cli("users", "add", "monitor", "--role", "monitor", "--password-stdin", "--db", db,
         stdin="monitor-bench-password\n", check=False)  # fmt: skip
    return _cli("users", "token", "monitor", "--label", "bench/api.py", "--db", db).split()[0]


def endpoints(uids: list[str]) -> list[Endpoint]:
    uid = uids[0]
    f = "agreement=sochi-2018&verdict=violation&verdict=possible_violation"
    v = "agreement=sochi-2018&verdict=violation"
    report = {
        "observed_at": "2020-03-07T10:30:00+02:00",
        "latitude": 35.83,
        "longitude": 36.61,
        "observation": "heard",
        "event_type": "Explosions/Remote violence",
        "bearing_deg": 90,
        "distance_band": "0-1km",
    }
    return [
        ("GET /api/me (baseline)", "/api/me", None),
        ("events page", "/api/events?limit=100", None),
        ("events page, new offset each", lambda i: f"/api/events?limit=100&offset={100 * i}", None),
        ("events page, verdict filter", f"/api/events?{f}&limit=100", None),
        # a new bbox or date range per request: every one misses the answer cache
        ("whole-area cells (zoom 8)", lambda i: f"/api/events.geojson?zoom=8&{_box(i, 3)}", None),
        ("map points zoom 12", lambda i: f"/api/events.geojson?zoom=12&{_box(i)}", None),
        ("  map points, cached (one URL)", f"/api/events.geojson?zoom=12&{_box(0)}", None),
        ("filtered verdicts", lambda i: f"/api/verdicts?{v}&{_since(i)}", None),
        ("verdicts page sorted", f"/api/verdicts?{f}&sort=probability&order=desc", None),
        ("aggregates by day", lambda i: f"/api/aggregates?by=day&{f}&{_until(i)}", None),
        ("  aggregates, cached (one URL)", f"/api/aggregates?by=day&{f}", None),
        ("event detail", f"/api/events/{uid}", None),
        ("event detail, new event each", lambda i: f"/api/events/{uids[i % len(uids)]}", None),
        ("zones", "/api/zones", None),
        ("report submission (POST)", "/api/reports", report),  # writes: last
    ]


def _since(i: int) -> str:
    return f"date_from={(pd.Timestamp('2019-01-01') + pd.Timedelta(days=i % 365)).date()}"


def serve_and_run(
    db: str, workers: int, concurrency: int, n: int, chosen: list[Endpoint], token: str
) -> Table:
    port = _free_port()
    serve = "from ceasefire.cli import main; main()"
    cmd = [sys.executable, "-c", serve, "serve", "--db", db, "--port", str(port)]
    cmd += ["--workers", str(workers)]
    server = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                httpx.get(base + "/api/me", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        return asyncio.run(run(base, chosen, n, concurrency, token))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


#: issue 11's targets, on PostgreSQL with 8 clients: row name -> p95 ms
TARGETS = {"events page": 100.0, "event detail": 100.0, "whole-area cells (zoom 8)": 300.0}


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, default=Path("/tmp/ceasefire-bench-api.db"))
    ap.add_argument("--pg-dir", type=Path, default=Path("/tmp/ceasefire-bench-api-pg"))
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=60)
    ap.add_argument("--store", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--workers", type=_ints, default=[1, 2], help="e.g. 1,2")
    ap.add_argument("--concurrency", type=_ints, default=[1, 8], help="clients, e.g. 1,8")
    ap.add_argument(
        "--only",
        default="",
        help="comma-separated parts of row names to run (the baseline always runs)",
    )
    args = ap.parse_args()
    build(args.db, args.events)
    with open_store(args.db) as store:
        n_events = store.count_events()
        uids = [str(u) for u in store.events(limit=500)["event_uid"]]
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    chosen = [
        e
        for i, e in enumerate(endpoints(uids))
        if i == 0 or not parts or any(p in e[0] for p in parts)
    ]
    stores: list[tuple[str, str]] = []
    if args.store in ("sqlite", "both"):
        stores.append(("sqlite", str(args.db)))
    if args.store in ("postgresql", "both"):
        stores.append(("postgresql", postgres(args.pg_dir, args.db)))
    results: dict[tuple[str, int, int], Table] = {}
    try:
        for kind, db in stores:
            token = monitor_token(db)
            for workers in args.workers:
                for clients in args.concurrency:
                    config = f"{workers} worker(s), {clients} client(s)"
                    print(f"\n== {kind}, {n_events:,} events, {config}")
                    results[kind, workers, clients] = serve_and_run(
                        db, workers, clients, args.requests, chosen, token
                    )
    finally:
        if args.store in ("postgresql", "both"):
            _local_postgres("stop", "--dir", str(args.pg_dir))
    summary(results, n_events)


def summary(results: dict[tuple[str, int, int], Table], n_events: int) -> None:
    configs = list(results)
    print(f"\np95 ms per endpoint, {n_events:,} events (store/workers/clients)")
    names = [f"{k[:2]}/{w}w/{c}c" for k, w, c in configs]
    print(f"{'endpoint':<34}" + "".join(f"{n:>10}" for n in names))
    rows = list(next(iter(results.values()))) if results else []
    for row in rows:
        print(f"{row:<34}" + "".join(f"{results[c][row][2]:>10.0f}" for c in configs))
    for (kind, workers, clients), table in results.items():
        if kind != "postgresql" or clients != 8:
            continue
        print(f"\ntargets, PostgreSQL, {workers} worker(s), 8 clients, {n_events:,} events:")
        for row, limit in TARGETS.items():
            if row not in table:
                continue
            p95 = table[row][2]
            met = "met" if p95 < limit else "not met"
            print(f"  {row} p95 {p95:.0f} ms: target {limit:.0f} ms: {met}")


if __name__ == "__main__":
    main()
