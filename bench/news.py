"""The news pipeline's speed: words/s and articles/s per core, end to end and per stage.

    python bench/news.py                 # 60 distinct articles of each gold corpus (180 in all)
    python bench/news.py --limit 0       # every article of the three corpora (547)
    python bench/news.py --profile       # and a cProfile of the end-to-end run, top 25 functions

The articles are the texts of the geoparsing gold corpora (GeoWebNews, TR-News, GeoVirus in
``tests/data/geoparsing-gold``): distinct news articles, each run once, so no stage is timed on
text it has already seen. End to end (``ceasefire.news.extraction.extract`` on an article
cleaned from the raw text) runs first, in a fresh process, with only the model and the
gazetteers loaded, so its name caches start cold. Stages: cleaning (``clean_text``), NER +
geoparsing (``geoparse``, which runs spaCy), dates, events, agreement terms, quotes and claims;
then geoparsing and spaCy alone again with the model run in batches (``geoparse_batch``,
``nlp.pipe``), after the other stages (warm name caches).
The baseline is the spaCy pipeline alone on the same text: the floor any NER-based geoparser
pays. One process, one core.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import pstats
import time
from collections.abc import Callable
from pathlib import Path

from ceasefire.news import extraction
from ceasefire.news.article import ArticleError, clean_text
from ceasefire.news.dates import resolve_dates
from ceasefire.news.evaluation import CORPORA, read_corpus
from ceasefire.news.events import extract_events
from ceasefire.news.gazetteer import lookup
from ceasefire.news.geoparse import geoparse, geoparse_batch
from ceasefire.news.nlp import nlp
from ceasefire.news.quotes import extract_claims, extract_quotes
from ceasefire.news.terms import extract_terms
from ceasefire.news.world import world_lookup

ROOT = Path(__file__).parents[1]
DATA = ROOT / "tests" / "data" / "geoparsing-gold"
DAY = dt.date(2020, 3, 5)
"""The corpora carry no publication dates; one fixed day serves the date resolver."""


def _texts(limit: int) -> tuple[list[str], int]:
    """Distinct corpus texts that the cleaner accepts, and how many it refused (too short)."""
    out: list[str] = []
    for name in CORPORA:
        arts = read_corpus(name, DATA)
        out += [a.text for a in (arts[:limit] if limit else arts)]
    kept = []
    for text in dict.fromkeys(out):
        try:
            clean_text(text, published=DAY)
        except ArticleError:
            continue
        kept.append(text)
    return kept, len(out) - len(kept)


def _time(fn: Callable[[str], object], texts: list[str]) -> float:
    t0 = time.perf_counter()
    for text in texts:
        fn(text)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=60, help="articles per corpus (0: all)")
    ap.add_argument("--profile", action="store_true", help="cProfile the end-to-end run")
    args = ap.parse_args()
    texts, refused = _texts(args.limit)
    words = sum(len(t.split()) for t in texts)
    # load the model and the gazetteers (not the per-name caches) before timing
    nlp()("Model warm-up.")
    lookup("Warmup", limit=1)
    world_lookup("Warmup", limit=1)

    def end_to_end(text: str) -> object:
        return extraction.extract(clean_text(text, published=DAY), published=DAY)

    stages: dict[str, Callable[[str], object]] = {
        "end to end (extract)": end_to_end,
        "cleaning": lambda t: clean_text(t, published=DAY),
        "spaCy alone (baseline)": lambda t: nlp()(t),
        "geoparse (NER + resolve)": geoparse,
        "dates": lambda t: resolve_dates(t, DAY),
        "events": lambda t: extract_events(t, DAY),
        "agreement terms": lambda t: extract_terms(t, DAY),
        "quotes + claims": lambda t: (extract_quotes(t), extract_claims(t)),
    }
    print(
        f"{len(texts)} distinct articles ({refused} refused by the cleaner: too short or "
        f"repeated), {words:,} words, each run once per stage"
    )
    print(f"{'stage':28} {'seconds':>8} {'words/s':>10} {'articles/s':>11} {'x spaCy':>8}")
    profile = cProfile.Profile()
    results: dict[str, float] = {}
    for name, fn in stages.items():
        first = name.startswith("end to end")
        if first and args.profile:
            profile.enable()
        s = _time(fn, texts)
        if first and args.profile:
            profile.disable()
        results[name] = s
    t0 = time.perf_counter()
    for _ in geoparse_batch(texts):
        pass
    results["geoparse, batched (pipe)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in nlp().pipe(texts, batch_size=16):
        pass
    results["spaCy alone, batched"] = time.perf_counter() - t0
    base = results["spaCy alone (baseline)"]
    for name, s in results.items():
        # the ratio to spaCy measured in the same run holds when the machine is busy
        print(f"{name:28} {s:8.2f} {words / s:10,.0f} {len(texts) / s:11.1f} {s / base:8.2f}")
    if args.profile:
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
