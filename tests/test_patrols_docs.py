"""The examples in docs/patrols.md run."""

from __future__ import annotations

import doctest
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_patrol_docs_examples_run():
    result = doctest.testfile(
        str(ROOT / "docs" / "patrols.md"),
        module_relative=False,
        globs={"DATA": ROOT / "tests" / "data" / "patrols"},
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
    )
    assert result.attempted > 10
    assert result.failed == 0
