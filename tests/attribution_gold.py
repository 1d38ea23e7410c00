"""The hand-labelled attribution gold set of real UCDP events (tests/data/attribution/README.md).

>>> gold = load_gold()
>>> len(gold), sorted(gold["split"].unique())
(200, ['heldout', 'tune'])
>>> load_gold("tune")["split"].unique().tolist()
['tune']
"""

from __future__ import annotations

from pathlib import Path
from typing import Final, Literal

import pandas as pd

#: The folder of the sample (UCDP columns) and the labels.
DATA: Final = Path(__file__).parent / "data" / "attribution"
SAMPLE: Final = DATA / "ucdp_idlib_sample.csv"
GOLD: Final = DATA / "ucdp_idlib_gold.csv"

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


def load_gold(split: Literal["tune", "heldout"] | None = None) -> pd.DataFrame:
    """Sample rows joined to their labels by id, one row per event; ``split`` picks one half.

    The UCDP columns keep their names (``source_headline``, ``best``, ...); the label columns are
    ``event_type``, ``sub_event_type``, ``initiator``, ``initiator_side``,
    ``text_says_who_acted`` (bool), ``confidence`` and ``note``.
    """
    sample = pd.read_csv(SAMPLE, dtype={"id": "int64"}, keep_default_na=False, na_values=[""])
    labels = pd.read_csv(GOLD, dtype={"id": "int64"}, keep_default_na=False)
    joined = sample.merge(labels, on="id", how="inner", validate="one_to_one")
    if len(joined) != len(sample) or len(joined) != len(labels):
        raise ValueError(f"sample and gold ids differ: {len(sample)} vs {len(labels)} rows")
    joined["text_says_who_acted"] = joined["text_says_who_acted"].map({"yes": True, "no": False})
    if split is not None:
        joined = joined[joined["split"] == split].reset_index(drop=True)
    return joined
