"""Evaluate ceasefire's geoparser end to end on the gold corpora and print a per-corpus table.

Usage: ``python scripts/eval_geoparsing.py [--limit N] [--data DIR]`` (default: every article of
each corpus in ``tests/data/geoparsing-gold``). Definitions of the metrics:
:mod:`ceasefire.news.evaluation`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ceasefire.news.evaluation import CORPORA, evaluate, read_corpus

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "geoparsing-gold"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--limit", type=int, default=None, help="first N articles of each corpus")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--corpus", action="append", choices=list(CORPORA))
    args = ap.parse_args()
    rows = []
    for name in args.corpus or list(CORPORA):
        articles = read_corpus(name, args.data)[: args.limit]
        rows.append(evaluate(name, articles).row())
    cols = list(rows[0])
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(str(r[c]) for c in cols) + " |")


if __name__ == "__main__":
    main()
