"""Draw the UCDP sample behind the hand-labelled attribution gold set (issue 10).

Usage: ``python scripts/sample_attribution_gold.py [--fresh] [--out PATH] [--seed N]``.

Selects real UCDP GED events from the bundled Syria file around the Idlib de-escalation area
(adm_1 in the Idlib, Hama, Aleppo or Latakia governorate *and* inside lon 35.9-37.3, lat 35.3-36.7),
dated 2018-09-17 (Sochi memorandum) to 2019-11-30, with at least one death (``best >= 1``), and
draws a reproducible stratified random sample of 200 events:

* ``deaths_20+``: every state-based (type 1) event with ``best >= 20`` (53 of them, a census:
  these top the briefing, so they are oversampled as far as they go);
* ``deaths_5-19``: 75 type-1 events with ``5 <= best <= 19``;
* ``deaths_1-4``: 60 type-1 events with ``1 <= best <= 4``;
* ``non_state``: 12 non-state (type 2) or one-sided (type 3) events, any death count.

Each stratum is drawn from the candidates sorted by id with one fixed-seed generator, so the
same file and seed give the same sample. The ``split`` column (``tune`` / ``heldout``) comes
from a stable hash of the id alone (:func:`split_of`), fixed before any labelling. Writes
``tests/data/attribution/ucdp_idlib_sample.csv``; the labels live beside it in
``ucdp_idlib_gold.csv`` (see that folder's README).

``--fresh`` draws the second, fresh held-out set (nobody tuned on it): the same candidate pool
less the 200 ids already in ``ucdp_idlib_sample.csv``, seed 20261207, quotas
:data:`FRESH_QUOTAS` (no ``deaths_20+`` event is left, then the high-death stratum first), all
rows with ``split`` = ``fresh``; writes ``ucdp_idlib_fresh_sample.csv`` (labels in
``ucdp_idlib_fresh_gold.csv``).
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

ROOT: Final = Path(__file__).resolve().parent.parent
UCDP: Final = ROOT / "src" / "ceasefire" / "data" / "ucdp" / "ged_syria_2016-01_2019-11.csv.gz"
OUT: Final = ROOT / "tests" / "data" / "attribution" / "ucdp_idlib_sample.csv"
FRESH_OUT: Final = ROOT / "tests" / "data" / "attribution" / "ucdp_idlib_fresh_sample.csv"

GOVERNORATES: Final = (
    "Idlib Governorate",
    "Hamah Governorate",
    "Aleppo Governorate",
    "Latakia Governorate",
)
LON: Final = (35.9, 37.3)
LAT: Final = (35.3, 36.7)
START: Final = "2018-09-17"
END: Final = "2019-11-30"
SEED: Final = 20180917
#: stratum -> number of events drawn (capped at what the stratum holds)
QUOTAS: Final = {"deaths_20+": 53, "deaths_5-19": 75, "deaths_1-4": 60, "non_state": 12}
#: the fresh held-out set: its own seed and quotas, drawn from the candidates not yet sampled
FRESH_SEED: Final = 20261207
FRESH_QUOTAS: Final = {"deaths_20+": 53, "deaths_5-19": 70, "deaths_1-4": 55, "non_state": 15}

COLUMNS: Final = [
    "id",
    "date_start",
    "date_end",
    "where_coordinates",
    "adm_1",
    "latitude",
    "longitude",
    "type_of_violence",
    "dyad_name",
    "side_a",
    "side_b",
    "best",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "source_headline",
]


def split_of(event_id: int) -> str:
    """``tune`` or ``heldout``, from the low bit of the SHA-256 of the decimal id.

    >>> split_of(267155), split_of(267033)
    ('tune', 'heldout')
    """
    return "tune" if hashlib.sha256(str(event_id).encode()).digest()[0] % 2 == 0 else "heldout"


def stratum(row: pd.Series) -> str:
    """The sampling stratum of one candidate event."""
    if int(row["type_of_violence"]) != 1:
        return "non_state"
    best = int(row["best"])
    if best >= 20:
        return "deaths_20+"
    return "deaths_5-19" if best >= 5 else "deaths_1-4"


def candidates(ged: pd.DataFrame) -> pd.DataFrame:
    """The events around the Idlib area after the Sochi memorandum, with at least one death."""
    keep = (
        ged["adm_1"].isin(GOVERNORATES)
        & ged["longitude"].between(*LON)
        & ged["latitude"].between(*LAT)
        & ged["date_start"].between(START, END)
        & (ged["best"] >= 1)
    )
    out = ged.loc[keep].copy()
    for col in ("id", "type_of_violence", "best", "deaths_a", "deaths_b", "deaths_civilians"):
        out[col] = out[col].astype(int)
    out["stratum"] = out.apply(stratum, axis=1)
    return out.sort_values("id").reset_index(drop=True)


def draw(
    pool: pd.DataFrame,
    seed: int = SEED,
    quotas: dict[str, int] | None = None,
    split: str | None = None,
) -> pd.DataFrame:
    """The stratified sample, sorted by date then id, with ``stratum`` and ``split``.

    ``split`` names every row's split (the fresh set); by default it comes from :func:`split_of`.
    """
    rng = np.random.default_rng(seed)
    parts = []
    for name, quota in (QUOTAS if quotas is None else quotas).items():
        group = pool[pool["stratum"] == name]
        n = min(quota, len(group))
        picked = np.sort(rng.choice(len(group), size=n, replace=False))
        parts.append(group.iloc[picked])
    sample = pd.concat(parts)
    sample["split"] = sample["id"].map(split_of) if split is None else split
    return sample.sort_values(["date_start", "id"])[[*COLUMNS, "stratum", "split"]]


def fresh_pool(pool: pd.DataFrame, first: Path = OUT) -> pd.DataFrame:
    """The candidates that are not in the first sample (``first``, 200 ids)."""
    taken = set(pd.read_csv(first, usecols=["id"])["id"].astype(int))
    return pool[~pool["id"].isin(taken)].reset_index(drop=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--ucdp", type=Path, default=UCDP)
    ap.add_argument("--fresh", action="store_true", help="draw the fresh held-out set")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    pool = candidates(pd.read_csv(args.ucdp))
    if args.fresh:
        pool = fresh_pool(pool)
        seed = FRESH_SEED if args.seed is None else args.seed
        sample = draw(pool, seed, FRESH_QUOTAS, split="fresh")
        args.out = FRESH_OUT if args.out is None else args.out
    else:
        sample = draw(pool, SEED if args.seed is None else args.seed)
        args.out = OUT if args.out is None else args.out
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sample.to_csv(args.out, index=False)
    print(f"{len(pool)} candidates; {len(sample)} sampled -> {args.out}")
    print(pd.crosstab(sample["stratum"], sample["split"], margins=True).to_string())


if __name__ == "__main__":
    main()
