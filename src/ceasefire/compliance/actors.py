"""Matching actor names against the regexes of an agreement's groups, whole-column.

A regex runs once per distinct name (a dataset has a few hundred actor names, not one per row).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["group_regex", "involves", "matches"]


def matches(values: pd.Series, regex: re.Pattern[str] | None) -> np.ndarray:
    """Regex over a text column, run once per distinct value.

    >>> matches(pd.Series(["HTS", "IS", None, "HTS"]), re.compile("hts", re.I)).tolist()
    [True, False, False, True]
    """
    if regex is None or len(values) == 0:
        return np.zeros(len(values), dtype=bool)
    codes, uniques = pd.factorize(values, sort=False)  # a missing value: code -1, read as ""
    hit = np.fromiter(
        (bool(regex.search(u)) for u in [*uniques, ""]), dtype=bool, count=len(uniques) + 1
    )
    return hit[codes]


def involves(
    frame: pd.DataFrame, regex: re.Pattern[str] | None, side: int | None = None
) -> np.ndarray:
    """Rows whose actor (side 1), target (side 2) or either (None) fields match ``regex``."""
    cols = {
        1: ("actor1", "assoc_actor_1"),
        2: ("actor2", "assoc_actor_2"),
        None: ("actor1", "assoc_actor_1", "actor2", "assoc_actor_2"),
    }[side]
    out = np.zeros(len(frame), dtype=bool)
    for c in cols:
        out |= matches(frame[c], regex)
    return out


def group_regex(groups: Sequence[Any]) -> re.Pattern[str] | None:
    """One case-insensitive regex for the patterns of several actor groups."""
    pats = [p for g in groups for p in g.patterns]
    return re.compile("|".join(f"(?:{p})" for p in pats), re.IGNORECASE) if pats else None
