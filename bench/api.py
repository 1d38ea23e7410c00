"""The HTTP API under load: requests/s and p50/p95/p99 latency of the main endpoints with
100,000 events in the store, uvicorn on loopback in a subprocess, concurrent clients.

    python bench/api.py                       # builds /tmp/ceasefire-bench-api.db once, reuses it
    python bench/api.py --events 100000 --requests 200 --concurrency 8

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


async def _hammer(
    client: httpx.AsyncClient, url: Url, n: int, concurrency: int
) -> tuple[list[float], float]:
    latencies: list[float] = []
    queue = iter(range(n))

    async def worker() -> None:
        for i in queue:
            t = time.perf_counter()
            r = await client.get(url(i) if callable(url) else url)
            latencies.append(time.perf_counter() - t)
            if r.status_code != 200:
                raise SystemExit(f"{url}: HTTP {r.status_code} {r.text[:200]}")

    t0 = time.perf_counter()
    await asyncio.gather(*[worker() for _ in range(concurrency)])
    return latencies, time.perf_counter() - t0


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q)) * 1000


async def run(base: str, endpoints: list[tuple[str, Url]], n: int, concurrency: int) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        for _, url in endpoints:  # warm caches (agreements, zones, SQLite pages)
            await client.get(url(-1) if callable(url) else url)
        print(f"{n} requests per endpoint, {concurrency} concurrent clients")
        head = f"{'endpoint':<34}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'x me':>8}"
        print(head)
        baseline = None
        for name, url in endpoints:
            lat, wall = await _hammer(client, url, n, concurrency)
            p50 = statistics.median(lat) * 1000
            baseline = baseline or p50
            print(
                f"{name:<34}{n / wall:>8.1f}{p50:>9.1f}{_pct(lat, 95):>9.1f}"
                f"{_pct(lat, 99):>9.1f}{p50 / baseline:>8.1f}"
            )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, default=Path("/tmp/ceasefire-bench-api.db"))
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=8)
    args = ap.parse_args()
    build(args.db, args.events)
    with open_store(args.db) as store:
        n_events, uid = store.count_events(), store.events(limit=1)["event_uid"].iloc[0]
    port = _free_port()
    serve = "from ceasefire.cli import main; main()"
    cmd = [sys.executable, "-c", serve, "serve", "--db", str(args.db), "--port", str(port)]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                httpx.get(base + "/api/me", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        f = "agreement=sochi-2018&verdict=violation&verdict=possible_violation"
        endpoints = [
            ("GET /api/me (baseline)", "/api/me"),
            ("events page", "/api/events?limit=100"),
            ("events page, verdict filter", f"/api/events?{f}&limit=100"),
            # a new bbox or date range per request: every one misses the answer cache
            ("events.geojson zoom 8, cells", lambda i: f"/api/events.geojson?zoom=8&{_box(i, 3)}"),
            ("events.geojson zoom 12, points", lambda i: f"/api/events.geojson?zoom=12&{_box(i)}"),
            ("  same, cached (one URL)", f"/api/events.geojson?zoom=12&{_box(0)}"),
            ("verdicts page sorted", f"/api/verdicts?{f}&sort=probability&order=desc"),
            ("aggregates by day", lambda i: f"/api/aggregates?by=day&{f}&{_until(i)}"),
            ("  same, cached (one URL)", f"/api/aggregates?by=day&{f}"),
            ("event detail", f"/api/events/{uid}"),
            ("zones", "/api/zones"),
        ]
        print(f"{n_events:,} events in {args.db}; server pid {server.pid}")
        asyncio.run(run(base, endpoints, args.requests, args.concurrency))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
