"""Situation reports: how long one takes to build and lay out, by period and language, on SQLite
and on PostgreSQL, against the dashboard's own answer for the same period.

    python bench/reports.py                            # SQLite only, the demo store
    python bench/reports.py --store both --repeat 5    # and PostgreSQL (a local cluster)
    python bench/reports.py --pdf                      # and one PDF per language (Chromium)

The store is the demo's (``ceasefire demo``: the bundled 16,566 UCDP events judged against the
Sochi and Moscow agreements), built once in ``--db``; with ``--store postgresql`` or ``both`` a
local PostgreSQL 15 + PostGIS 3 cluster (``scripts/local_postgres.py``) is started in
``--pg-dir``, upgraded and filled from the SQLite store the first time, and stopped at the end.

For each store, period (a day, a week and a month of 2019, the evidence's busiest year) and
language, the median of ``--repeat`` runs of: **build** (every figure of the report read through
the store's read model: ``ceasefire.situation_report.situation_report``), **layout** (the HTML:
``ceasefire.situation.html``), and the **baseline** measured in the same run: the findings the
dashboard's ``/api/findings`` answers for the same period (``Store.finding_rows`` and
``ceasefire.findings.report``), one of the several readings a report makes. The ratio says what
a whole report costs against that one answer.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ceasefire import findings, monitoring, situation
from ceasefire.situation import Period, ReportOptions
from ceasefire.situation_report import situation_report
from ceasefire.store import open_store

AGREEMENT = "sochi-2018"
PERIODS = (
    ("day", dt.date(2019, 7, 10)),
    ("week", dt.date(2019, 7, 10)),
    ("month", dt.date(2019, 7, 1)),
)


def _cli(*args: str) -> str:
    exe = Path(sys.executable).parent / "ceasefire"
    done = subprocess.run([str(exe), *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
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


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def postgres(folder: Path, sqlite: Path) -> str:
    """The local cluster in ``folder`` (made, upgraded and filled from ``sqlite`` the first
    time); its URL."""
    port_file, done_file = folder / "port", folder / "copied"
    port = int(port_file.read_text()) if port_file.exists() else _free_port()
    folder.mkdir(parents=True, exist_ok=True)
    port_file.write_text(str(port))
    url = _local_postgres("start", "--dir", str(folder), "--port", str(port))
    if not done_file.exists():
        _cli("db", "upgrade", "--db", url)
        _cli("db", "copy", "--from", str(sqlite), "--to", url)
        done_file.write_text(url)
    return url


def _median_s(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def measure(db: str, name: str, repeat: int) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    with open_store(db) as store:
        registry = monitoring.registry_of(store)
        provisions = monitoring.finding_provisions(
            registry.agreements.values(), monitoring.zones_of(store)
        )
        for unit, day in PERIODS:
            period = Period.of(unit, day)
            f = findings.Filters(
                agreement=AGREEMENT,
                verdict=findings.BREACHES,
                date_from=period.first.isoformat(),
                date_to=period.last.isoformat(),
            )

            def baseline(f: findings.Filters = f) -> object:
                return findings.report(store.finding_rows(f), f, provisions)

            base = _median_s(baseline, repeat)
            for lang in situation.LANGUAGES:
                opts = ReportOptions(lang=lang)
                data = situation_report(store, AGREEMENT, period, opts)
                build = _median_s(
                    lambda p=period, o=opts: situation_report(store, AGREEMENT, p, o), repeat
                )
                layout = _median_s(lambda d=data: situation.html(d), repeat)
                size = len(situation.html(data).encode("utf-8"))
                rows.append(
                    {
                        "store": name,
                        "period": unit,
                        "lang": lang,
                        "incidents": data["findings"]["incidents"]["total"],
                        "build_s": build,
                        "layout_s": layout,
                        "baseline_s": base,
                        "kb": size / 1024,
                    }
                )
    return rows


def pdf_times(db: str) -> list[tuple[str, float, int]]:
    out = []
    with open_store(db) as store, tempfile.TemporaryDirectory() as tmp:
        for lang in situation.LANGUAGES:
            data = situation_report(store, AGREEMENT, Period.of("week", PERIODS[1][1]),
                                    ReportOptions(lang=lang))  # fmt: skip
            path = Path(tmp) / f"r-{lang}.pdf"
            t = time.perf_counter()
            situation.write(data, path, "pdf")
            out.append((lang, time.perf_counter() - t, path.stat().st_size))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, default=Path("/tmp/ceasefire-bench-reports.db"))
    ap.add_argument("--pg-dir", type=Path, default=Path("/tmp/ceasefire-bench-reports-pg"))
    ap.add_argument("--store", choices=["sqlite", "postgresql", "both"], default="sqlite")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--pdf", action="store_true", help="also time one PDF per language")
    args = ap.parse_args()
    if not args.db.exists():
        t = time.perf_counter()
        _cli("demo", "--db", str(args.db))
        print(f"built the demo store {args.db} in {time.perf_counter() - t:.0f} s")
    stores = []
    if args.store in ("sqlite", "both"):
        stores.append(("sqlite", str(args.db)))
    if args.store in ("postgresql", "both"):
        stores.append(("postgresql", postgres(args.pg_dir, args.db)))
    try:
        rows = [r for name, db in stores for r in measure(db, name, args.repeat)]
    finally:
        if args.store in ("postgresql", "both"):
            _local_postgres("stop", "--dir", str(args.pg_dir))
    print(f"\n{AGREEMENT}, median of {args.repeat} runs each (seconds)")
    head = (
        f"{'store':<11}{'period':<7}{'lang':<5}{'incidents':>10}{'build':>8}{'layout':>8}"
        f"{'total':>8}{'baseline':>9}{'ratio':>7}{'KiB':>7}"
    )
    print(head)
    for r in rows:
        total = float(r["build_s"]) + float(r["layout_s"])  # type: ignore[arg-type]
        base = float(r["baseline_s"])  # type: ignore[arg-type]
        print(
            f"{r['store']:<11}{r['period']:<7}{r['lang']:<5}{r['incidents']:>10}"
            f"{r['build_s']:>8.3f}{r['layout_s']:>8.3f}{total:>8.3f}{base:>9.3f}"
            f"{total / base if base else float('nan'):>6.1f}x{r['kb']:>7.0f}"
        )
    if args.pdf:
        print("\nPDF of the week (Chromium print-to-PDF, start-up included)")
        for lang, seconds, size in pdf_times(str(args.db)):
            print(f"  {lang}: {seconds:.2f} s, {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
