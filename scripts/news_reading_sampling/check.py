"""Standalone check of tests/data/news_reading/*.yaml (no ceasefire import)."""
import sys, yaml
from collections import Counter
d = sys.argv[1] if len(sys.argv) > 1 else "tests/data/news_reading"
ACTS = {"air_strike", "shelling", "clash", "attack", "bombing", "killed", "capture", "other"}
bad = []
ev = yaml.safe_load(open(f"{d}/events.yaml", encoding="utf-8"))
qu = yaml.safe_load(open(f"{d}/quotes.yaml", encoding="utf-8"))
ids = [i["id"] for i in ev + qu]
bad += [f"duplicate id {i}" for i, n in Counter(ids).items() if n > 1]
for it in ev:
    t = it["text"]
    if it["part"] not in ("tune", "heldout"): bad.append(f"{it['id']}: part")
    for e in it["events"]:
        if set(e) != {"anchor", "act", "agent", "victim", "fatalities"}: bad.append(f"{it['id']}: keys {set(e)}")
        if e["act"] not in ACTS: bad.append(f"{it['id']}: act {e['act']}")
        if not (e["fatalities"] is None or (isinstance(e["fatalities"], int) and e["fatalities"] >= 0)):
            bad.append(f"{it['id']}: fatalities {e['fatalities']!r}")
        for k in ("anchor", "agent", "victim"):
            v = e[k]
            if k == "anchor" and not v: bad.append(f"{it['id']}: empty anchor")
            if v is not None and v not in t: bad.append(f"{it['id']}: {k} {v!r} not in text")
for it in qu:
    t = it["text"]
    if it["part"] not in ("tune", "heldout"): bad.append(f"{it['id']}: part")
    for q in it["quotes"]:
        if q["quote"] not in t: bad.append(f"{it['id']}: quote {q['quote']!r} not in text")
        elif not any(m in t[: t.index(q["quote"])] for m in "\"“‘'"):
            bad.append(f"{it['id']}: no opening quote mark before {q['quote']!r}")
        if q["speaker"] is not None and q["speaker"] not in t: bad.append(f"{it['id']}: speaker {q['speaker']!r} not in text")
print("\n".join(bad) or "all spans are exact substrings; vocabulary and types OK")
for name, items, key in (("events", ev, "events"), ("quotes", qu, "quotes")):
    c = Counter((i["source"]["corpus"], i["part"]) for i in items)
    n = Counter(i["source"]["corpus"] for i in items)
    for corpus in sorted(n):
        k = sum(len(i[key]) for i in items if i["source"]["corpus"] == corpus)
        e0 = sum(1 for i in items if i["source"]["corpus"] == corpus and not i[key])
        print(f"| {name} | {corpus} | {c[(corpus,'tune')]} | {c[(corpus,'heldout')]} | {n[corpus]} | {k} | {e0} |")
sys.exit(1 if bad else 0)
