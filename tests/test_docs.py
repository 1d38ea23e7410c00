"""Docs that cannot rot: the generated CLI reference is current, the docs link to files that
exist, and the bundled data carries its attribution."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).parents[1]


def _cli_docs():
    spec = importlib.util.spec_from_file_location("cli_docs", ROOT / "scripts" / "cli_docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_reference_is_generated_and_current():
    current = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert current == _cli_docs().render(), "regenerate: python scripts/cli_docs.py > docs/cli.md"
    for command in ("demo", "ingest", "evaluate", "verdicts", "rejects", "export", "before-after"):
        assert f"## `ceasefire {command}`" in current


def test_relative_links_in_docs_resolve():
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", doc.read_text(encoding="utf-8")):
            assert (doc.parent / target).exists(), f"{doc.name}: broken link {target}"


def test_every_bundled_data_folder_states_its_sources():
    data = ROOT / "src" / "ceasefire" / "data"
    for folder in [p for p in data.iterdir() if p.is_dir() and p.name != "agreements"]:
        sources = folder / "SOURCES.md"
        assert sources.exists(), f"{folder} has no SOURCES.md"
        assert re.search(r"CC BY|OCHA|licen", sources.read_text(encoding="utf-8"), re.I)
