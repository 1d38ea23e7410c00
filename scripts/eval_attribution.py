"""Score UCDP event types and party attribution on the hand-labelled gold set.

Usage: ``python scripts/eval_attribution.py [--split tune|heldout|fresh|both|all] [--rows]``.
The gold sets are in ``tests/data/attribution`` (see its README): the first set, 200 real UCDP
events around Idlib labelled from their text, split into ``tune`` and ``heldout`` halves, and the
``fresh`` held-out set, 140 more events drawn and labelled blind after the inference was tuned.
The ``heldout`` half was looked at while tuning (one round of changes after its first run), so
**the fresh set's figures are the held-out figures that count**. The system is the real pipeline
(the bundled file read by the UCDP reader, then the engine's attribution under sochi-2018).
``--split all`` (the default) scores the three; ``both`` the first set's two halves.
``--rows`` lists the rows where system and gold differ, on ``tune`` only (held-out rows are for
the final figures; listing them invites tuning on them).

The blamed-party precision where the text says who acted (the issue's target, >= 95 %) is also
given with its 95 % Wilson score interval.

"before" is the keyword rules the UCDP reader used before the text reader (GED's side order, no
initiator), scored through today's engine; "after" the text reader. Definitions: see
``tests/attribution_scores.py`` (printed below).
"""

from __future__ import annotations

import argparse
import sys
import time
from math import sqrt
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))

import attribution_scores  # noqa: E402
from attribution_gold import load_gold  # noqa: E402
from attribution_scores import GOLD_PARTY, scores, system_readings  # noqa: E402

#: What each split is, in the report.
TITLES = {
    "tune": "tune (the inference was written on it)",
    "heldout": "heldout (first held-out half; looked at once, then tuned after: not held out)",
    "fresh": "fresh (HELD-OUT FIGURES THAT COUNT: drawn and labelled blind, never tuned on)",
}


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``k/n`` (95 % by default).

    >>> [round(x, 3) for x in wilson(41, 42)]
    [0.877, 0.996]
    >>> wilson(0, 0)
    (nan, nan)
    """
    if n == 0:
        return (float("nan"), float("nan"))
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (centre - half, centre + half)


def _differences(split: str) -> None:
    gold = load_gold(split)  # type: ignore[arg-type]
    sys_ = system_readings(gold["id"]).set_index("id")
    for _, g in gold.iterrows():
        s = sys_.loc[g["id"]]
        gp = GOLD_PARTY[g["initiator"]]
        marks = [
            "T" if s["event_type"] != g["event_type"] else ".",
            "S" if s["sub_event_type"] != g["sub_event_type"] else ".",
            "P"
            if s["party"] != gp
            and (s["party"] in ("russia", "turkey") or gp in ("russia", "turkey"))
            else ".",
        ]
        if marks == [".", ".", "."]:
            continue
        print(
            f"{''.join(marks)} {g['id']} says={g['text_says_who_acted']!s:5} "
            f"gold: {g['event_type']} / {g['sub_event_type']} / {g['initiator']} -> {gp}"
        )
        print(
            f"        system: {s['event_type']} / {s['sub_event_type']} / {s['actor1']}"
            f" known={s['initiator_known']} -> {s['party']} ({s['rule']}; {s['event_type_rule']})"
        )
        print(f"        text: {g['source_headline'][:300]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--split", choices=["tune", "heldout", "fresh", "both", "all"], default="all")
    ap.add_argument("--rows", action="store_true", help="list the rows that differ (tune only)")
    args = ap.parse_args()
    splits = {"both": ["tune", "heldout"], "all": ["tune", "heldout", "fresh"]}.get(
        args.split, [args.split]
    )
    t0 = time.perf_counter()
    system_readings(load_gold("tune")["id"].head(1))  # read the bundled file once
    print(f"read the bundled UCDP file in {time.perf_counter() - t0:.1f} s\n")
    for split in splits:
        gold = load_gold(split)  # type: ignore[arg-type]
        says = int(gold["text_says_who_acted"].sum())
        print(f"## {TITLES[split]}")
        print(f"   {len(gold)} events ({says} where the text says who acted)")
        after, before = scores(gold), scores(gold, before=True)
        print(f"  {'':24} {'before (keyword rules)':40} after (text reader)")
        for name, sc in after.items():
            print(f"  {name:24} {before[name]!s:40} {sc}")
        target = after["party_text_says"]
        low, high = wilson(target.correct, target.claimed)
        print(
            f"  blamed-party precision where the text says who acted: {target.precision:.3f}"
            f" ({target.correct}/{target.claimed}), 95 % Wilson interval {low:.3f}-{high:.3f}"
            f" (target >= 0.95)"
        )
        print()
        if args.rows and split == "tune":
            _differences(split)
        elif args.rows:
            print(f"  (rows not listed for {split}: held-out rows are for the final figures)\n")
    doc = attribution_scores.__doc__ or ""
    print(doc[doc.index("Definitions") :].strip())


if __name__ == "__main__":
    main()
