"""Every reader under hostile input: a valid result or a clear error, within a memory and time
cap, never a traceback.

The readers: UCDP GED, ACLED and GDELT files (and the source sniffer), agreement YAML, zone
GeoJSON (geometry and zone files), GPX and GeoJSON patrol tracks, news text and HTML. The inputs
(``fuzz_inputs.py``) are real files mutated by hypothesis; the bombs (``fuzz_bombs.py``) are the
known shapes made to exhaust memory or time. "A clear error" is a
:class:`ceasefire.errors.CeasefireError` whose every problem is one line naming the file; "a
valid result" passes the checks of the ``fuzz_inputs.read_*`` call (coordinates in range and
finite, time windows in order, unique ids, spans that match the text, ...).

Each reader call runs in one capped worker subprocess per module (``fuzz_helpers.py``: 1 GiB of
address space, 20 CPU seconds a call): a reader that runs away ends its call with a
``MemoryError`` or the CPU cap, not the test run. The hypothesis examples run there too, so each
costs a pipe round trip, not a Python start.

Example counts come from the hypothesis profile (``tests/conftest.py``)::

    .venv/bin/python -m pytest tests/test_fuzz_readers.py -q                     # default
    CEASEFIRE_FUZZ=long .venv/bin/python -m pytest tests/test_fuzz_readers.py -q # 25x examples
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fuzz_bombs import bombs
from fuzz_helpers import CappedWorker, Caps, Outcome, run_cli_capped
from fuzz_inputs import (
    UNKNOWN_ENCODING_GPX,
    FuzzFile,
    agreement_file,
    csv_file,
    geojson_track_file,
    gpx_track_file,
    news_file,
    zone_file,
)
from hypothesis import example, given
from hypothesis import strategies as st

CAPS = Caps(memory_mb=1024, cpu_s=20, wall_s=90)
BOMB_CAPS = Caps(memory_mb=1024, cpu_s=10, wall_s=60)
# The CLI also pays its start (about 1.5 s of imports), and the gzip bomb's honest work is to
# inflate its gigabyte to find where the line ends (about 9 s of CPU in all on this machine
# alone, 2026-12-07; more when the suite's other processes share the cores): 10 s left no
# margin. The memory cap, what the test is about, is the same.
CLI_BOMB_CAPS = Caps(memory_mb=1024, cpu_s=20, wall_s=90)
PRELOAD = (
    "fuzz_inputs",
    "ceasefire.sources",
    "ceasefire.agreements",
    "ceasefire.zones",
    "ceasefire.patrols",
    "ceasefire.news.article",
    "trafilatura",
)


@pytest.fixture(scope="module")
def worker() -> Iterator[CappedWorker]:
    with CappedWorker(CAPS, preload=PRELOAD) as w:
        yield w


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _read(worker: CappedWorker, folder: Path, f: FuzzFile, reader: str, *args: object) -> Outcome:
    path = folder / f.name
    path.write_bytes(f.data)
    return worker.call(f"fuzz_inputs:{reader}", str(path), *args)


def assert_clear(outcome: Outcome, name: str) -> None:
    """A valid result, or a CeasefireError whose every problem is one line naming ``name``."""
    assert outcome.status in ("ok", "raised"), outcome.describe()
    if outcome.status == "ok":
        assert not outcome.value["problems"], outcome.describe()
        return
    assert outcome.ceasefire_error, outcome.describe()
    for problem in outcome.problems:
        assert len(problem.splitlines()) == 1, f"not one line: {problem!r}\n{outcome.describe()}"
        assert name in problem, f"does not name the file: {problem!r}"


# ---------------------------------------------------------------------------- the properties


@pytest.mark.parametrize("kind", ["ucdp", "acled", "gdelt"])
@given(data=st.data())
def test_evidence_files(worker: CappedWorker, folder: Path, kind: str, data: st.DataObject) -> None:
    f = data.draw(csv_file(kind), label="file")
    assert_clear(_read(worker, folder, f, "read_source", kind), f.name)


@given(f=st.one_of(csv_file("ucdp"), csv_file("acled"), csv_file("gdelt")))
def test_source_sniffing_and_counting(worker: CappedWorker, folder: Path, f: FuzzFile) -> None:
    assert_clear(_read(worker, folder, f, "sniff_source"), f.name)


@given(f=agreement_file())
def test_agreement_yaml(worker: CappedWorker, folder: Path, f: FuzzFile) -> None:
    assert_clear(_read(worker, folder, f, "read_agreement"), f.name)


@given(f=zone_file())
def test_zone_geometry_files(worker: CappedWorker, folder: Path, f: FuzzFile) -> None:
    assert_clear(_read(worker, folder, f, "read_zone_geometry"), f.name)


@given(f=zone_file())
def test_zone_files(worker: CappedWorker, folder: Path, f: FuzzFile) -> None:
    assert_clear(_read(worker, folder, f, "read_zones"), f.name)


@example(f=UNKNOWN_ENCODING_GPX, planned=False, repair=False)  # found by the long profile
@given(
    f=st.one_of(gpx_track_file(), geojson_track_file()), planned=st.booleans(), repair=st.booleans()
)
def test_patrol_tracks(
    worker: CappedWorker, folder: Path, f: FuzzFile, planned: bool, repair: bool
) -> None:
    assert_clear(_read(worker, folder, f, "read_track", planned, repair), f.name)


@given(f=news_file())
def test_news_articles(worker: CappedWorker, folder: Path, f: FuzzFile) -> None:
    assert_clear(_read(worker, folder, f, "read_article"), f.name)


# ---------------------------------------------------------------------------------- the bombs


@pytest.fixture(scope="module")
def bomb_worker() -> Iterator[CappedWorker]:
    with CappedWorker(BOMB_CAPS, preload=PRELOAD) as w:
        yield w


@pytest.mark.parametrize("name", sorted(bombs()))
def test_bombs_end_in_a_clear_error_or_a_result_under_the_caps(
    bomb_worker: CappedWorker, folder: Path, name: str
) -> None:
    bomb = bombs()[name]
    outcome = _read(bomb_worker, folder, FuzzFile(bomb.file, bomb.build()), bomb.reader, *bomb.args)
    (folder / bomb.file).unlink()
    assert_clear(outcome, bomb.file)


# one bomb per command that reads a file: the CLI reads what it can (a bomb's one line is a
# reject, exit 0) or says what is wrong naming the file (exit 1 or 2); never a traceback
CLI_BOMBS = [
    (["agreements", "validate"], "yaml alias bomb"),
    (["ingest", "ucdp"], "gzip bomb (1 GB of one line)"),
    (["patrols", "import"], "geojson track nested 100,000 deep"),
    (["zones", "import", "--id", "sochi-dmz"], "geojson nested 100,000 deep"),
    (["news", "extract"], "news html nested 100,000 deep"),
]


@pytest.mark.parametrize("command, name", CLI_BOMBS, ids=[" ".join(c[0][:2]) for c in CLI_BOMBS])
def test_cli_reports_bombs_without_a_traceback(
    tmp_path: Path, command: list[str], name: str
) -> None:
    bomb = bombs()[name]
    path = tmp_path / bomb.file
    path.write_bytes(bomb.build())
    argv = [*command, "--db", str(tmp_path / "s.db"), str(path)]
    out = run_cli_capped(argv, caps=CLI_BOMB_CAPS, cwd=tmp_path)
    assert out.status != "timeout", out.describe()
    assert not out.traceback, out.describe()
    assert out.exit_code in (0, 1, 2), out.describe()
    if out.exit_code:
        assert bomb.file in out.stderr, out.describe()


def test_a_key_with_a_line_break_keeps_the_error_on_one_line(tmp_path: Path) -> None:
    """Found by the long profile: an unknown YAML key ``"\\x1e"`` (a record separator, a line
    break to ``str.splitlines``) printed as the field broke the message in two; field names
    are escaped now (``ceasefire.errors``)."""
    from ceasefire.agreements import bundled_text, load_agreement
    from ceasefire.errors import AgreementError

    path = tmp_path / "a.yaml"
    path.write_text(bundled_text("sochi-2018") + '"a\\x1eb": 1\n"c\\nd": 2\n', encoding="utf-8")
    with pytest.raises(AgreementError) as caught:
        load_agreement(path)
    problems = [str(e) for e in caught.value.errors]
    assert [p.split(": ", 2)[1] for p in problems] == ["a\\x1eb", "c\\nd"]
    assert all(len(p.splitlines()) == 1 for p in problems)
