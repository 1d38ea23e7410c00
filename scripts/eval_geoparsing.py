"""Evaluate ceasefire's geoparser end to end on the gold corpora and print a per-corpus table.

Usage::

    python scripts/eval_geoparsing.py [--limit N] [--data DIR]     # in-corpus table
    python scripts/eval_geoparsing.py --loco [--write FILE]         # leave-one-corpus-out

Definitions of the metrics: :mod:`ceasefire.news.evaluation`. In-corpus, each corpus gets three
rows: ``tune`` (even-numbered articles, the ones rules were tuned on), ``held-out``
(odd-numbered articles) and ``total``, all with the default parameters
(:data:`ceasefire.news.geo_params.DEFAULT_PARAMS`).

``--loco``: for each corpus in turn, the parameters (:class:`ceasefire.news.geo_params.GeoParams`)
are chosen on the other two (a coordinate search from :data:`START` over the candidate values of
:data:`SPACE`, objective: the mean of the two corpora's acc@161 end to end, at most
``--sweeps`` passes) and the held-out corpus is scored with them; printed beside its in-corpus
score with the defaults. ``--write`` keeps the per-fold parameters (JSON) for the tests.
``--space before`` searches only the parameters that existed before the rules of this round.
Two rules of this round are not searched but always on, because issue 13 requires them: person
names are never places (``person_names``) and macro-regions are regions (``regions_first``).

The spaCy docs are made once (``nlp.pipe``) and reused by every evaluation; the script prints
the words/s of the model and of the whole geoparser (model + recognition + resolution).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ceasefire.news.evaluation import CORPORA, Article, Scores, evaluate, read_corpus
from ceasefire.news.geo_params import DEFAULT_PARAMS, GeoParams
from ceasefire.news.geoparse import geoparse
from ceasefire.news.nlp import nlp

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "geoparsing-gold"

SPACE: dict[str, Sequence[Any]] = {
    "country_bonus": (0.1, 0.2, 0.3, 0.4),
    "near_weight": (0.1, 0.2, 0.3),
    "near_km": (100.0, 200.0, 400.0),
    "admin1_prominence": (0.6, 0.75, 0.9),
    "min_population": (50_000, 100_000, 200_000),
    "min_population_loose": (100_000, 200_000, 500_000),
    "min_population_person": (500_000, 1_000_000, 10**12),
    "syria_min": (0.5, 0.6),
    # the rules of this round
    "country_points": ("geonames", "label", "factbook"),
    "admin1_bonus": (0.0, 0.2, 0.4, 0.6),
    "alias_penalty": (0.0, 0.1, 0.3),
    "dateline_weight": (1.0, 3.0),
    "abstain_population": (0, 5_000, 20_000, 100_000),
}
"""Candidate values of each tunable parameter (the default is always among them)."""
START = GeoParams(
    near_weight=0.2,
    country_bonus=0.2,
    admin1_bonus=0.0,
    alias_penalty=0.0,
    syria_min=0.5,
    min_population=100_000,
    min_population_loose=200_000,
    min_population_person=1_000_000,
)
"""Where every fold's search starts: the values the rules were developed with before the
search existed (new rules off), not :data:`DEFAULT_PARAMS`, which the folds' choices set."""
NEW = ("country_points", "admin1_bonus", "alias_penalty", "dateline_weight", "abstain_population")
"""Parameters of this round's rules (left out by ``--space before``)."""


class Bench:
    """The gold articles with their spaCy docs made once, and memoised evaluations."""

    def __init__(self, data: Path, limit: int | None, corpora: Sequence[str]) -> None:
        self.articles = {name: read_corpus(name, data)[:limit] for name in corpora}
        texts = list(dict.fromkeys(a.text for arts in self.articles.values() for a in arts))
        self.words = sum(len(t.split()) for t in texts)
        t0 = time.perf_counter()
        self.docs = dict(zip(texts, nlp().pipe(texts, batch_size=16), strict=True))
        self.model_seconds = time.perf_counter() - t0
        self.memo: dict[tuple[GeoParams, str, str], Scores] = {}

    def score(self, params: GeoParams, corpus: str, part: str = "total") -> Scores:
        key = (params, corpus, part)
        if key not in self.memo:
            arts = self.articles[corpus]
            chosen: list[Article] = {
                "tune": arts[0::2], "held-out": arts[1::2], "total": arts
            }[part]  # fmt: skip
            docs = self.docs

            def parse(text: str) -> list[Any]:
                return list(geoparse(text, doc=docs[text], params=params))

            self.memo[key] = evaluate(corpus, chosen, parse)
        return self.memo[key]


def _objective(bench: Bench, params: GeoParams, corpora: Sequence[str]) -> float:
    return sum(bench.score(params, c).acc161_end_to_end for c in corpora) / len(corpora)


def search(
    bench: Bench, train: Sequence[str], names: Sequence[str], sweeps: int, budget_s: float
) -> tuple[GeoParams, float]:
    """Coordinate search from :data:`START`: each parameter in turn takes its best candidate
    value (ties keep the current one), until a pass changes nothing, ``sweeps`` passes or
    ``budget_s`` seconds."""
    best = START
    best_score = _objective(bench, best, train)
    t0 = time.perf_counter()
    for _ in range(sweeps):
        changed = False
        for name in names:
            for value in SPACE[name]:
                if getattr(best, name) == value or time.perf_counter() - t0 > budget_s:
                    continue
                cand = replace(best, **{name: value})
                score = _objective(bench, cand, train)
                if score > best_score + 1e-9:
                    best, best_score, changed = cand, score, True
        if not changed:
            break
    return best, best_score


def _table(rows: list[dict[str, Any]]) -> None:
    cols = list(rows[0])
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(str(r[c]) for c in cols) + " |")


def _timing(bench: Bench) -> None:
    t0 = time.perf_counter()
    for text, doc in bench.docs.items():
        geoparse(text, doc=doc)
    rest = time.perf_counter() - t0
    total = bench.model_seconds + rest
    print(
        f"\n{bench.words} words: model {bench.words / bench.model_seconds:.0f} words/s, "
        f"geoparser end to end (model + recognition + resolution, warm caches) "
        f"{bench.words / total:.0f} words/s, one process"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--limit", type=int, default=None, help="first N articles of each corpus")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--corpus", action="append", choices=list(CORPORA))
    ap.add_argument("--loco", action="store_true", help="leave-one-corpus-out evaluation")
    ap.add_argument("--space", choices=("before", "all"), default="all")
    ap.add_argument("--sweeps", type=int, default=2)
    ap.add_argument("--budget", type=float, default=600.0, help="seconds of search per fold")
    ap.add_argument("--write", type=Path, default=None, help="per-fold parameters (JSON)")
    args = ap.parse_args()
    corpora = args.corpus or list(CORPORA)
    bench = Bench(args.data, args.limit, corpora)
    if not args.loco:
        rows = []
        for name in corpora:
            for part in ("tune", "held-out", "total"):
                rows.append({"part": part, **bench.score(DEFAULT_PARAMS, name, part).row()})
        _table([{"corpus": r["corpus"], **r} for r in rows])
        _timing(bench)
        return
    names = [n for n in SPACE if args.space == "all" or n not in NEW]
    rows = []
    folds: dict[str, dict[str, Any]] = {}
    for held in corpora:
        train = [c for c in corpora if c != held]
        t0 = time.perf_counter()
        params, train_score = search(bench, train, names, args.sweeps, args.budget)
        seconds = time.perf_counter() - t0
        loco = bench.score(params, held).row()
        inside = bench.score(DEFAULT_PARAMS, held).row()
        changed = {k: v for k, v in params.to_dict().items() if v != getattr(START, k)}
        folds[held] = params.to_dict()
        for label, row in (("in-corpus (defaults)", inside), ("LOCO", loco)):
            rows.append({"held-out corpus": held, "setting": label, **row})
        print(
            f"{held}: chosen on {' + '.join(train)} (train acc@161 e2e {train_score:.3f}, "
            f"{seconds:.0f} s): {changed or 'the defaults'}",
            flush=True,
        )
    _table(rows)
    if args.write:
        payload = {
            "about": "Per-fold parameters chosen by scripts/eval_geoparsing.py --loco "
            f"--space {args.space} (the key is the held-out corpus; chosen on the other two).",
            "folds": folds,
        }
        args.write.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
        print(f"wrote {args.write}")


if __name__ == "__main__":
    main()
