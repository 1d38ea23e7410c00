"""The README's CLI tour runs, command by command, against a fresh demo store."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from ceasefire.cli import cli

ROOT = Path(__file__).parents[1]


def tour_commands() -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## A five-minute tour of the CLI", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the tour's code block is missing"
    return [
        shlex.split(line)[1:]
        for line in block.group(1).splitlines()
        if line.startswith("ceasefire ")
    ]


def test_the_tour_has_the_commands_the_issue_names():
    names = {" ".join(c[:2]) if c[0] in ("agreements", "zones") else c[0] for c in tour_commands()}
    assert {
        "agreements list",
        "agreements show",
        "zones list",
        "verdicts",
        "evaluate",
        "ingest",
        "rejects",
        "export",
    } <= names


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> tuple[str, str]:
    db = str(tmp_path_factory.mktemp("readme") / "ceasefire.db")
    result = CliRunner().invoke(cli, ["demo", "--db", db], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return db, result.stdout


@pytest.fixture(scope="module")
def demo_db(demo_run: tuple[str, str]) -> str:
    return demo_run[0]


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_pasted_demo_output_is_what_the_demo_prints(demo_run):
    """The README shows real output: same words and numbers (line wrapping aside)."""
    db, out = demo_run
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## What `make demo` prints", 1)[1]
    block = re.search(r"```text\n(.*?)```", section, re.S)
    assert block, "the demo output block is missing"
    pasted = block.group(1).replace("store ceasefire.db", f"store {db}")
    assert _squeeze(pasted) == _squeeze(out), "paste the demo's output again into README.md"


@pytest.mark.parametrize("args", tour_commands(), ids=lambda a: " ".join(a)[:60])
def test_tour_command_runs(args, demo_db, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    args = list(args)
    if "--out" in args:
        i = args.index("--out") + 1
        args[i] = str(tmp_path / Path(args[i]).name)
    result = CliRunner().invoke(cli, [*args, "--db", demo_db], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.strip(), "every tour command prints something"
