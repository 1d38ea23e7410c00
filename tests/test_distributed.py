"""The engine on Dask (ceasefire.cluster): the verdicts of Parquet parts judged on a
LocalCluster of worker processes are the single-process engine's; parts are written atomically,
once, and a rerun skips the complete ones."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from distributed import Client, LocalCluster

from ceasefire import evaluate
from ceasefire.agreements import Registry
from ceasefire.cli import cli
from ceasefire.cluster import MANIFEST, evaluate_parquet, judge_partition, partitions
from ceasefire.compliance import plan_evaluation
from ceasefire.compliance.spatial import build_zone_index
from ceasefire.errors import InputError
from ceasefire.sources import read_events
from ceasefire.sources.geoparquet import (
    GeoParquetWriter,
    read_verdicts_parquet,
    write_events_parquet,
)
from ceasefire.sources.ucdp import BUNDLED_GED_SYRIA

AGREEMENT = "moscow-2020"
KEY = ["event_uid", "agreement_id", "provision_id"]
EXACT = [*KEY, "provision_type", "verdict", "party", "reason"]
SHARES = ["probability", "p_space", "p_time"]


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    ged = read_events(BUNDLED_GED_SYRIA, "ucdp").events
    # a few thousand events around the agreements (2018-2020): violations, possible ones, outside
    ged = ged[ged["time_start"] >= pd.Timestamp("2018-01-01", tz="UTC")]
    assert len(ged) >= 3000
    return ged.head(3000).reset_index(drop=True)


@pytest.fixture(scope="module")
def parts(events: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three files; the last holds three row groups, one of them empty: five partitions."""
    folder = tmp_path_factory.mktemp("events")
    write_events_parquet([events.iloc[:900], events.iloc[900:1700]], folder)
    with GeoParquetWriter(folder / "part-00002.parquet", kind="events") as w:
        w.write(events.iloc[1700:2400])
        w.write(events.iloc[:0])
        w.write(events.iloc[2400:])
    return folder


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as local:
        yield local


@pytest.fixture(scope="module")
def expected(events: pd.DataFrame) -> pd.DataFrame:
    registry = Registry.bundled()
    return evaluate(registry.get(AGREEMENT), events, registry=registry).verdicts


def _sorted(v: pd.DataFrame) -> pd.DataFrame:
    return v.sort_values(KEY, ignore_index=True)


def _assert_same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    got, want = _sorted(got), _sorted(want)
    pd.testing.assert_frame_equal(got[EXACT], want[EXACT])
    for c in SHARES:
        np.testing.assert_allclose(got[c].to_numpy(), want[c].to_numpy(), rtol=0, atol=1e-9)


def test_the_parts_are_row_groups(parts: Path, events: pd.DataFrame) -> None:
    found = partitions(parts)
    assert [(Path(p.source).name, p.row_group) for p in found] == [
        ("part-00000.parquet", 0),
        ("part-00001.parquet", 0),
        ("part-00002.parquet", 0),
        ("part-00002.parquet", 1),
        ("part-00002.parquet", 2),
    ]
    assert sum(p.rows for p in found) == len(events)


def test_dask_verdicts_equal_the_single_process_engine(
    parts: Path, cluster: LocalCluster, expected: pd.DataFrame, tmp_path: Path
) -> None:
    seen: list[tuple[int, int, int]] = []
    run = evaluate_parquet(
        parts / "*.parquet",
        AGREEMENT,
        tmp_path / "verdicts",
        cluster=cluster.scheduler_address,
        progress=lambda *a: seen.append(a),
    )
    assert run.parts == 5 and len(run.written) == 5 and not run.skipped
    got = read_verdicts_parquet(tmp_path / "verdicts")
    assert len(got) == len(expected) == run.rows
    assert set(expected["verdict"]) >= {"violation", "possible_violation", "outside"}
    _assert_same(got, expected)
    # progress: once at the start, then once per finished partition, ending at all the events
    assert seen[0] == (0, 5, 0) and [s[0] for s in seen] == [0, 1, 2, 3, 4, 5]
    assert seen[-1] == (5, 5, run.events) and run.events == 3000


def test_a_retried_part_leaves_no_duplicates(
    parts: Path, cluster: LocalCluster, tmp_path: Path
) -> None:
    registry = Registry.bundled()
    plan = plan_evaluation(registry.get(AGREEMENT), registry=registry)
    index = build_zone_index(plan.zone_geometries)
    part = partitions(parts)[4]
    out = tmp_path / "verdicts"
    out.mkdir()
    with Client(cluster) as client:
        plan_f, index_f = client.scatter([plan, index], broadcast=True)
        # the same task twice (a retry after a worker died), on both workers at once
        futures = [
            client.submit(judge_partition, plan_f, index_f, part, str(out), pure=False)
            for _ in range(2)
        ]
        rows = client.gather(futures)
    assert rows[0] == rows[1] > 0
    assert sorted(p.name for p in out.iterdir()) == ["part-00004.parquet"]  # no temporary left
    got = read_verdicts_parquet(out)
    assert len(got) == rows[0] and not got.duplicated(KEY).any()


def test_a_rerun_skips_complete_parts(parts: Path, expected: pd.DataFrame, tmp_path: Path) -> None:
    out = tmp_path / "verdicts"
    first = evaluate_parquet(parts, AGREEMENT, out)  # in this process, no Dask
    assert len(first.written) == 5
    kept = {p.name: p.stat().st_mtime_ns for p in first.written}
    (out / "part-00001.parquet").unlink()
    (out / "part-00003.parquet").write_bytes(b"cut short")  # not a Parquet file: redone
    again = evaluate_parquet(parts, AGREEMENT, out)
    assert [p.name for p in again.written] == ["part-00001.parquet", "part-00003.parquet"]
    assert [p.name for p in again.skipped] == [
        "part-00000.parquet",
        "part-00002.parquet",
        "part-00004.parquet",
    ]
    for name in ("part-00000.parquet", "part-00002.parquet"):
        assert (out / name).stat().st_mtime_ns == kept[name]
    _assert_same(read_verdicts_parquet(out), expected)
    assert evaluate_parquet(parts, AGREEMENT, out).written == []
    # another agreement into the same folder: refused, nothing skipped by mistake
    with pytest.raises(InputError, match="other inputs, another agreement"):
        evaluate_parquet(parts, "sochi-2018", out)
    assert (out / MANIFEST).is_file()


def test_a_bad_cluster_address_is_an_input_error(parts: Path, tmp_path: Path) -> None:
    for bad in ("local:0", "local:x", "somewhere:8786"):
        with pytest.raises(InputError, match="cluster"):
            evaluate_parquet(parts, AGREEMENT, tmp_path / bad.replace(":", "_"), cluster=bad)


def test_cli_evaluate_on_a_local_cluster(
    parts: Path, expected: pd.DataFrame, tmp_path: Path
) -> None:
    out = tmp_path / "verdicts"
    args = ["evaluate", "--events", str(parts / "part-*.parquet"), "--agreement", AGREEMENT]
    result = CliRunner().invoke(cli, [*args, "--out", str(out), "--cluster", "local:2"])
    assert result.exit_code == 0, result.output
    assert "5 parts written, 0 skipped" in result.output
    _assert_same(read_verdicts_parquet(out), expected)
    result = CliRunner().invoke(cli, [*args, "--cluster", "local:2"])
    assert result.exit_code == 2 and "--out" in result.output


# --- a worker killed mid-run; a cluster started by hand -------------------------------------


@pytest.fixture(scope="module")
def big_parts(events: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One large partition first (60,000 events: about a second of judging, in flight when a
    worker is killed) and six small ones."""
    folder = tmp_path_factory.mktemp("big")
    copies = []
    for k in range(20):
        c = events.copy()
        c["event_uid"] = c["event_uid"] + f"#{k}"
        copies.append(c)
    big = pd.concat(copies, ignore_index=True)
    small = [events.iloc[i : i + 500] for i in range(0, 3000, 500)]
    write_events_parquet([big, *small], folder)
    return folder


def _verdicts_of(folder: Path) -> pd.DataFrame:
    from ceasefire.sources.geoparquet import read_events_parquet

    registry = Registry.bundled()
    events = pd.concat([read_events_parquet(f) for f in sorted(folder.glob("*.parquet"))])
    return evaluate(registry.get(AGREEMENT), events, registry=registry).verdicts


def test_a_worker_killed_mid_run_loses_nothing_and_duplicates_nothing(
    big_parts: Path, tmp_path: Path
) -> None:
    """SIGKILL every worker process when the first part is in: the scheduler reschedules what
    was in flight (the large partition among it), the nannies start new workers, and the
    output holds each part once, equal to the single-process engine's."""
    import os
    import signal

    import psutil

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as local,
        Client(local) as client,
    ):
        before = set(client.run(os.getpid).values())
        killed: list[int] = []

        def kill_once(done: int, parts: int, events: int) -> None:
            if done == 1 and not killed:
                for pid in before:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)

        run = evaluate_parquet(
            big_parts,
            AGREEMENT,
            tmp_path / "verdicts",
            cluster=local.scheduler_address,
            progress=kill_once,
        )
        after = set(client.run(os.getpid).values())
        # what the scheduler did: a task that was processing on a killed worker ran again
        log = client.run_on_scheduler(
            lambda dask_scheduler: [(str(t[0]), t[2]) for t in dask_scheduler.transition_log]
        )
    assert killed and not any(
        psutil.pid_exists(p) and psutil.Process(p).status() != "zombie" for p in killed
    )
    assert after and not after & before  # new worker processes
    starts: dict[str, int] = {}
    for key, finish in log:
        if key.startswith("ceasefire-verdicts-") and finish == "processing":
            starts[key] = starts.get(key, 0) + 1
    assert max(starts.values()) >= 2, starts  # at least one partition judged twice
    assert run.parts == 7 and len(run.written) == 7
    out = tmp_path / "verdicts"
    assert not list(out.glob(".part-*"))  # no half-written attempt left
    got = read_verdicts_parquet(out)
    assert not got.duplicated(KEY).any()
    _assert_same(got, _verdicts_of(big_parts))


def test_a_cluster_started_by_hand(parts: Path, expected: pd.DataFrame, tmp_path: Path) -> None:
    """docs/dask.md's instructions: `dask scheduler` and `dask worker` started as commands, the
    run pointed at the scheduler's tcp:// address."""
    import os
    import socket
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "dask"]
    # the configuration docs/dask.md gives the workers' machines (deploy/dask.yaml)
    config = Path(__file__).resolve().parents[1] / "deploy"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "DASK_CONFIG": str(config)}
    # a fresh shell on a worker machine: not what an earlier LocalCluster's nanny put into
    # this process's environment
    env.pop("MALLOC_TRIM_THRESHOLD_", None)
    procs = [
        subprocess.Popen(
            [*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        procs.append(
            subprocess.Popen(
                [*dask, "worker", address, "--nthreads", "1", "--nworkers", "2", "--no-dashboard"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
            trim = client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
            assert list(trim.values()) == [None, None]  # deploy/dask.yaml unset it
        run = evaluate_parquet(parts / "*.parquet", AGREEMENT, tmp_path / "v", cluster=address)
        assert len(run.written) == 5
        _assert_same(read_verdicts_parquet(tmp_path / "v"), expected)
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def test_cli_no_outside_leaves_the_outside_rows_out(
    parts: Path, expected: pd.DataFrame, tmp_path: Path
) -> None:
    out = tmp_path / "verdicts"
    args = ["evaluate", "--events", str(parts), "--agreement", AGREEMENT, "--out", str(out)]
    result = CliRunner().invoke(cli, [*args, "--no-outside"])
    assert result.exit_code == 0, result.output
    got = read_verdicts_parquet(out)
    inside = expected[expected["verdict"] != "outside"]
    assert len(inside) < len(expected) and "outside" not in set(got["verdict"])
    _assert_same(got, inside)
    result = CliRunner().invoke(cli, ["evaluate", "--events", str(parts), "--no-outside"])
    assert result.exit_code == 2 and "--no-outside goes with --out" in result.output


def test_local_workers_keep_glibcs_heap_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    """`--cluster local:N` unsets the nanny's MALLOC_TRIM_THRESHOLD_ (docs/dask.md, "Worker
    memory"): set, it made the engine 1.5x slower in a worker than in a process."""
    import os

    from ceasefire.cluster import _client

    # as a LocalCluster started earlier in this process leaves it (Dask's nanny sets it here)
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    with _client("local:1") as client:
        assert list(client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_")).values()) == [None]
    assert os.environ["MALLOC_TRIM_THRESHOLD_"] == "65536"  # put back afterwards
