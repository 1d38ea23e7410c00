"""Evaluate ceasefire's geoparser end to end on the gold corpora and print a per-corpus table.

Usage: ``python scripts/eval_geoparsing.py [--limit N] [--data DIR]`` (default: every article of
each corpus in ``tests/data/geoparsing-gold``). Definitions of the metrics:
:mod:`ceasefire.news.evaluation`. Each corpus gets three rows: ``tune`` (even-numbered articles,
the ones rules were tuned on), ``held-out`` (odd-numbered articles) and ``total``.
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
        for part, chosen in (
            ("tune", articles[0::2]),
            ("held-out", articles[1::2]),
            ("total", articles),
        ):
            rows.append({"part": part, **evaluate(name, chosen).row()})
    cols = ["corpus", "part", *(c for c in rows[0] if c not in ("corpus", "part"))]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(str(r[c]) for c in cols) + " |")


if __name__ == "__main__":
    main()
