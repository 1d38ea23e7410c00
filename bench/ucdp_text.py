"""Reading who did what from UCDP headlines, against the old keyword rules, on the bundled file.

Usage: ``python bench/ucdp_text.py [--repeat 3]``. Times, on the 16,566 rows of the bundled GED
file, in the same run: the keyword rules (``ceasefire.sources.ucdp.classify_event_type``, what
the reader used before) and the text reader (``ceasefire.sources.ucdp_text.read_ucdp_text``,
its caches emptied before each repeat), then the whole read (``read_events``) with cold caches.
Prints the best of the repeats, process CPU seconds and wall seconds (the machine is shared:
CPU time is the steadier one), and the ratio of the two readers.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import pandas as pd

from ceasefire.sources import read_events, ucdp_acts, ucdp_text
from ceasefire.sources.ucdp import BUNDLED_GED_SYRIA, classify_event_type


def _cold() -> None:
    ucdp_acts.read_acts.cache_clear()
    ucdp_acts._read_part.cache_clear()


def _best(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    cpu, wall = [], []
    for _ in range(repeat):
        _cold()
        c0, w0 = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return min(cpu), min(wall)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    raw = pd.read_csv(BUNDLED_GED_SYRIA, dtype=str, keep_default_na=False)
    tov = pd.to_numeric(raw["type_of_violence"]).astype("Int64")
    article = raw["source_article"].where(raw["source_article"] != "", raw["source_headline"])
    headline = raw["source_headline"].astype("string")
    deaths = raw[["deaths_a", "deaths_b", "deaths_civilians"]]
    read_acts_once = ucdp_acts.read_acts  # warm the regex compilation outside the timing
    read_acts_once("Shelling by the regime forces")
    rows = [
        ("keyword rules (before)", lambda: classify_event_type(article.astype("string"), tov)),
        (
            "text reader (after)",
            lambda: ucdp_text.read_ucdp_text(headline, tov, deaths, raw["side_a"], raw["side_b"]),
        ),
        ("read_events, whole file (after)", lambda: read_events(BUNDLED_GED_SYRIA, "ucdp")),
    ]
    print(f"{len(raw):,} rows, {headline.nunique():,} distinct headlines; best of {args.repeat}")
    print("| step | CPU s | wall s |")
    print("|---|---|---|")
    got = {}
    for name, fn in rows:
        got[name] = _best(fn, args.repeat)
        print(f"| {name} | {got[name][0]:.2f} | {got[name][1]:.2f} |")
    before, after = got["keyword rules (before)"][0], got["text reader (after)"][0]
    print(f"\ntext reader / keyword rules (CPU): {after / before:.1f}x")


if __name__ == "__main__":
    main()
