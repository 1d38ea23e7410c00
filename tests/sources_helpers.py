"""What the reader tests share: the folder of constructed source files, and one event by id."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pandas as pd

#: The constructed source files (described in tests/data/sources/README.md).
DATA: Final = Path(__file__).parent / "data" / "sources"


def event_row(events: pd.DataFrame, value: str, column: str = "source_row_id") -> pd.Series:
    """The one event whose ``column`` is ``value`` (fails unless there is exactly one)."""
    hit = events[events[column] == value]
    assert len(hit) == 1, value
    return hit.iloc[0]
