"""The news pipeline's speed: words/s and articles/s per core, end to end and per stage.

    python bench/news.py                 # the constructed articles in tests/data/news*, repeated
    python bench/news.py --repeat 20

Stages: cleaning (read_article), NER + geoparsing (geoparse, which runs spaCy), entities (a
second spaCy pass), dates, events, agreement terms, quotes and claims. "End to end" is
``ceasefire.news.extraction.extract``. The baseline is the spaCy pipeline alone on the same
text: the floor any NER-based geoparser pays. One core; the model is loaded before timing.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ceasefire.news import extraction
from ceasefire.news.article import read_article
from ceasefire.news.dates import resolve_dates
from ceasefire.news.events import extract_events
from ceasefire.news.geoparse import geoparse
from ceasefire.news.nlp import nlp
from ceasefire.news.quotes import extract_claims, extract_quotes
from ceasefire.news.terms import extract_terms

ROOT = Path(__file__).parents[1]
FILES = [
    ROOT / "tests/data/news/bloomberg_putin_erdogan_2020-03-05.txt",
    ROOT / "tests/data/news/idlib_truce_ap_style.html",
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args()
    articles = [read_article(f) for f in FILES]
    words = sum(len(a.text.split()) for a in articles)
    nlp()("warm up the model")
    day = articles[0].published
    assert day is not None
    stages = {
        "cleaning": lambda i: read_article(FILES[i]),
        "spaCy alone (baseline)": lambda i: nlp()(articles[i].text),
        "geoparse (NER + resolve)": lambda i: geoparse(articles[i].text),
        "dates": lambda i: resolve_dates(articles[i].text, day),
        "events": lambda i: extract_events(articles[i].text, day),
        "agreement terms": lambda i: extract_terms(articles[i].text, day),
        "quotes + claims": lambda i: (
            extract_quotes(articles[i].text),
            extract_claims(articles[i].text),
        ),
        "end to end (extract)": lambda i: extraction.extract(FILES[i], published=day),
    }
    print(f"{len(FILES)} articles, {words:,} words, x{args.repeat}")
    print(f"{'stage':28} {'seconds':>8} {'words/s':>10} {'articles/s':>11}")
    for fn in stages.values():  # warm up: load the gazetteers and caches before timing
        fn(0)
    for name, fn in stages.items():
        t0 = time.perf_counter()
        for _ in range(args.repeat):
            for i in range(len(FILES)):
                fn(i)
        s = time.perf_counter() - t0
        n_words, n_art = words * args.repeat, len(FILES) * args.repeat
        print(f"{name:28} {s:8.2f} {n_words / s:10,.0f} {n_art / s:11.1f}")


if __name__ == "__main__":
    main()
