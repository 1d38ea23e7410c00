"""Score the news reader on the annotated real sentences in ``tests/data/news_reading/``.

Usage: ``python scripts/eval_news_reading.py [--part tune|heldout|all] [--misses] [--json]``.

Prints, for each part (tune, held-out, both) and each source corpus: events per clause
(precision, recall, F1 of predicted events matched to gold events by anchor overlap), fatalities
(exact, over matched events with a stated count and over all gold events), agent and victim
(span overlap over matched events, null == null) and speaker attribution (over gold quotes).
The definitions are in :mod:`ceasefire.news.reading_scores`.

``--part tune`` (the default) reads only the tuning part. The held-out part is for the final
figures: ``--part heldout`` or ``--part all`` print its totals only, and ``--misses`` (the items
the reader got wrong) is refused for it, so that nobody tunes on it by accident.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ceasefire.news.reading_scores import EVENT_MEASURES, QUOTE_MEASURES, Tally, score

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "news_reading"


def _fmt(value: float | None) -> str:
    return "   -  " if value is None else f"{value:6.3f}"


def _table(title: str, tallies: dict[tuple[str, str], Tally], measures: tuple[str, ...]) -> None:
    if len({part for part, _ in tallies} - {"all"}) == 1:  # one part: its "all" rows repeat it
        tallies = {k: t for k, t in tallies.items() if k[0] != "all"}
    print(f"\n{title}")
    counts = "items gold  pred" if title == "events" else "items quotes extra"
    print(f"  {'part':8s} {'source':16s} {counts}  " + " ".join(f"{m[:12]:>12s}" for m in measures))
    for (part, source), t in sorted(tallies.items(), key=lambda kv: (kv[0][0] == "all", kv[0])):
        m = t.measures()
        n = (
            f"{t.items:5d} {t.gold_events:4d} {t.predicted_events:5d}"
            if title == "events"
            else f"{t.items:5d} {t.gold_quotes:6d} {t.extra_quotes:5d}"
        )
        print(f"  {part:8s} {source:16s} {n}  " + " ".join(f"{_fmt(m[k]):>12s}" for k in measures))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("tune", "heldout", "all"), default="tune")
    parser.add_argument("--misses", action="store_true", help="list misses (tune part only)")
    parser.add_argument("--json", action="store_true", help="print the measures as JSON")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args(argv)
    if args.misses and args.part != "tune":
        parser.error("--misses lists items: only for --part tune")
    parts = ("tune", "heldout") if args.part == "all" else (args.part,)
    result = score(args.data, parts)
    if args.json:
        out = {
            kind: {f"{p}/{s}": t.measures() for (p, s), t in tallies.items()}
            for kind, tallies in result.items()
        }
        print(json.dumps(out, indent=1, sort_keys=True))
        return 0
    _table("events", result["events"], EVENT_MEASURES)
    _table("quotes", result["quotes"], QUOTE_MEASURES)
    if args.misses:
        for kind in ("events", "quotes"):
            print(f"\nmisses ({kind}, tune):")
            for line in result[kind].get(("tune", "all"), Tally()).misses:
                print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
