"""``ceasefire report`` writes HTML, Markdown and PDF (issue 12). The PDF is printed by Debian's
chromium and read back with poppler (``pdftotext``, ``pdftoppm``: ``make test`` installs
``poppler-utils``); its text holds the headline figures the API gives. These tests fail, never
skip, when chromium or poppler is missing.

The store is the demo's (the real Idlib case), on SQLite only: the store's part of a report is
tested on both stores in tests/test_situation_report.py; here the printing is.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from ceasefire.cli import cli

ARTIFACTS = Path(__file__).parents[1] / "test-artifacts" / "reports"
ARGS = ["report", "--agreement", "sochi-2018", "--period", "week", "--date", "2019-07-10"]


def _run(db: str, *args: str) -> str:
    r = CliRunner().invoke(cli, [*args, "--db", db], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r.stdout


def _findings(db: str) -> dict:
    """The week's figures as ``ceasefire findings`` gives them (the API's: tests hold the two
    equal in tests/test_findings_surfaces.py)."""
    out = _run(
        db, "findings", "--agreement", "sochi-2018", "--verdict", "violation", "--verdict",
        "possible_violation", "--since", "2019-07-08", "--until", "2019-07-14", "--format", "json",
    )  # fmt: skip
    return json.loads(out)


def test_the_cli_writes_the_same_html_twice_and_markdown(
    dashboard_demo_db: str, tmp_path: Path
) -> None:
    a, b, md = tmp_path / "a.html", tmp_path / "b.html", tmp_path / "r.md"
    assert "wrote" in _run(dashboard_demo_db, *ARGS, "--out", str(a))
    _run(dashboard_demo_db, *ARGS, "--out", str(b))
    assert a.read_bytes() == b.read_bytes()
    _run(dashboard_demo_db, *ARGS, "--format", "md", "--out", str(md))
    text = md.read_text(encoding="utf-8")
    total = _findings(dashboard_demo_db)["incidents"]["total"]
    assert text.startswith("# Situation report: ")
    assert f"| Incidents (violations and possible violations) | [{total:,}](/?" in text
    assert "data:image/svg+xml;base64," in text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(a, ARTIFACTS / "sochi-2018-week-2019-07-08.html")
    shutil.copyfile(md, ARTIFACTS / "sochi-2018-week-2019-07-08.md")


def test_the_cli_prints_a_pdf_with_the_headline_figures(
    dashboard_demo_db: str, tmp_path: Path
) -> None:
    for tool in ("pdftotext", "pdftoppm", "pdfinfo"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: apt-get install poppler-utils (make test does)")
    out = tmp_path / "r.pdf"
    _run(dashboard_demo_db, *ARGS, "--format", "pdf", "--out", str(out))
    assert out.read_bytes().startswith(b"%PDF-")
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True)
    pages = int(next(ln for ln in info.stdout.splitlines() if ln.startswith("Pages:")).split()[1])
    assert pages >= 2
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    f = _findings(dashboard_demo_db)
    assert "Situation report" in text and "week of 2019-07-08 to 2019-07-14" in text
    assert _figures(text, "Incidents (violations and possible")[0] == f["incidents"]["total"]
    assert _figures(text, "Deaths in violations")[0] == f["fatalities"]["violation"]
    for heading in (
        "Headline figures",
        "Map",
        "Timeline",
        "By weapon class",
        "Methods and caveats",
    ):
        assert heading in text
    png = tmp_path / "page"
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(out), str(png)],
                   check=True)  # fmt: skip
    (first,) = tmp_path.glob("page*.png")
    assert first.stat().st_size > 5_000  # a page with a map on it, not a blank one
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(out, ARTIFACTS / "sochi-2018-week-2019-07-08.pdf")
    shutil.copyfile(first, ARTIFACTS / "sochi-2018-week-2019-07-08-page1.png")


def _figures(text: str, label: str) -> list[int]:
    """The numbers on the line of the PDF's text that starts with ``label``: this period's,
    the previous period's, the change."""
    line = next(ln for ln in text.splitlines() if ln.strip().startswith(label))
    rest = (
        line.strip()[len(label) :].split(")", 1)[-1] if "(" in label else line.strip()[len(label) :]
    )
    return [int(n.replace(",", "")) for n in re.findall(r"[+-]?\d[\d,]*", rest)]


def test_bad_arguments_are_said(dashboard_demo_db: str, tmp_path: Path) -> None:
    r = CliRunner().invoke(
        cli,
        [*ARGS[:-1], "2019-13-01", "--out", str(tmp_path / "x.html"), "--db", dashboard_demo_db],
    )
    assert r.exit_code == 1 and "--date: not an ISO date" in r.stderr
    r = CliRunner().invoke(
        cli,
        ["report", "--agreement", "nope", "--date", "2019-07-10", "--out", str(tmp_path / "y"),
         "--db", dashboard_demo_db],
    )  # fmt: skip
    assert r.exit_code == 2 and "nope" in r.stderr
