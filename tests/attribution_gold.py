"""The hand-labelled attribution gold set of real UCDP events (tests/data/attribution/README.md).

>>> gold = load_gold()
>>> len(gold), sorted(gold["split"].unique())
(200, ['heldout', 'tune'])
>>> load_gold("tune")["split"].unique().tolist()
['tune']
>>> fresh = load_gold("fresh")
>>> len(fresh), fresh["split"].unique().tolist()
(140, ['fresh'])
"""

from __future__ import annotations

from pathlib import Path
from typing import Final, Literal

import pandas as pd

#: The folder of the sample (UCDP columns) and the labels.
DATA: Final = Path(__file__).parent / "data" / "attribution"
SAMPLE: Final = DATA / "ucdp_idlib_sample.csv"
GOLD: Final = DATA / "ucdp_idlib_gold.csv"
#: The fresh held-out set (drawn and labelled after the inference was tuned; nobody tuned on it).
FRESH_SAMPLE: Final = DATA / "ucdp_idlib_fresh_sample.csv"
FRESH_GOLD: Final = DATA / "ucdp_idlib_fresh_gold.csv"

#: The closed label vocabularies (``unknown`` where the text does not say).
INITIATORS: Final = frozenset(
    {
        "government",
        "russia",
        "government_or_russia",
        "insurgents",
        "jihadists",
        "insurgents_and_jihadists",
        "turkey",
        "isis",
        "other",
        "unknown",
        "mutual",
    }
)
SIDES: Final = frozenset({"government_side", "opposition_side", "both", "other", "unknown"})


def load_gold(split: Literal["tune", "heldout", "fresh"] | None = None) -> pd.DataFrame:
    """Sample rows joined to their labels by id, one row per event; ``split`` picks one half.

    ``None``, ``tune`` and ``heldout`` read the first set (200 events); ``fresh`` reads the
    fresh held-out set (its own two files, 140 events, every row ``split`` = ``fresh``).
    The UCDP columns keep their names (``source_headline``, ``best``, ...); the label columns are
    ``event_type``, ``sub_event_type``, ``initiator``, ``initiator_side``,
    ``text_says_who_acted`` (bool), ``confidence`` and ``note``.
    """
    sample_path, gold_path = (FRESH_SAMPLE, FRESH_GOLD) if split == "fresh" else (SAMPLE, GOLD)
    sample = pd.read_csv(sample_path, dtype={"id": "int64"}, keep_default_na=False, na_values=[""])
    labels = pd.read_csv(gold_path, dtype={"id": "int64"}, keep_default_na=False)
    joined = sample.merge(labels, on="id", how="inner", validate="one_to_one")
    if len(joined) != len(sample) or len(joined) != len(labels):
        raise ValueError(f"sample and gold ids differ: {len(sample)} vs {len(labels)} rows")
    joined["text_says_who_acted"] = joined["text_says_who_acted"].map({"yes": True, "no": False})
    if split is not None:
        joined = joined[joined["split"] == split].reset_index(drop=True)
    return joined
