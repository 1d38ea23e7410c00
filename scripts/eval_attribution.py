"""Score UCDP event types and party attribution on the hand-labelled gold set.

Usage: ``python scripts/eval_attribution.py [--split tune|heldout|both] [--rows]``. The gold
set is ``tests/data/attribution`` (200 real UCDP events around Idlib, labelled from their text;
see its README); the system is the real pipeline (the bundled file read by the UCDP reader, then
the engine's attribution under sochi-2018). ``--rows`` lists the rows where system and gold
differ (use it on ``tune`` only: the held-out half is for the final figures).

"before" is the keyword rules the UCDP reader used before the text reader (GED's side order, no
initiator), scored through today's engine; "after" the text reader. Definitions: see
``tests/attribution_scores.py`` (printed below).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))

import attribution_scores  # noqa: E402
from attribution_gold import load_gold  # noqa: E402
from attribution_scores import GOLD_PARTY, scores, system_readings  # noqa: E402


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
    ap.add_argument("--split", choices=["tune", "heldout", "both"], default="both")
    ap.add_argument("--rows", action="store_true", help="list the rows that differ")
    args = ap.parse_args()
    splits = ["tune", "heldout"] if args.split == "both" else [args.split]
    t0 = time.perf_counter()
    system_readings(load_gold("tune")["id"].head(1))  # read the bundled file once
    print(f"read the bundled UCDP file in {time.perf_counter() - t0:.1f} s\n")
    for split in splits:
        gold = load_gold(split)  # type: ignore[arg-type]
        says = int(gold["text_says_who_acted"].sum())
        print(f"## {split}: {len(gold)} events ({says} where the text says who acted)")
        after, before = scores(gold), scores(gold, before=True)
        print(f"  {'':24} {'before (keyword rules)':40} after (text reader)")
        for name, sc in after.items():
            print(f"  {name:24} {before[name]!s:40} {sc}")
        print()
        if args.rows:
            _differences(split)
    doc = attribution_scores.__doc__ or ""
    print(doc[doc.index("Definitions") :].strip())


if __name__ == "__main__":
    main()
