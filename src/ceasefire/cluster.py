"""The engine on a Dask cluster: events in Parquet parts in, verdicts in Parquet parts out.

:func:`evaluate_parquet` judges the events of a folder or glob of GeoParquet files
(:mod:`ceasefire.sources.geoparquet`) against one agreement, one *partition* per task: a row
group of an input file, so that a worker holds one partition at a time however large the input.
The plan (:func:`ceasefire.compliance.plan_evaluation`) and the zone index
(:func:`ceasefire.compliance.spatial.build_zone_index`) are built once here and submitted as
two tasks that every partition depends on (each worker fetches them once; the scheduler can make
them again should every worker holding them die, which scattered data could not survive); each
task reads its own row group, calls
the single-process engine's :func:`ceasefire.compliance.judge_events` and writes the verdicts to
``OUT/part-NNNNN.parquet`` (:func:`~ceasefire.sources.geoparquet.write_verdicts_parquet`).

Why the parts can be judged apart: every verdict row depends on its own event and the plan
only (zone shares, time shares, actors, the reason); the disc shares do not depend on which
events are queried together (:mod:`ceasefire.compliance.spatial`). What depends on several
events is not computed here: the obligations (``Evaluation.obligations``: a breach obligation
reads every verdict) and the unmapped actors (counts over all events); :func:`ceasefire.evaluate`
or the store's evaluation gives them.

Writes are atomic and idempotent: a task writes a hidden ``.part-NNNNN.parquet.<token>`` and
renames it to ``part-NNNNN.parquet`` when complete, so a task retried after its worker died
replaces the same part (no duplicate rows) and a reader never meets half a part; what a killed
attempt left half-written is removed when every part is complete. The numbering
is the inputs' (files in name order, then row groups), recorded in ``OUT/manifest.json``; a
rerun into the same folder skips the parts already complete, and refuses a folder written for
other inputs, another agreement or other rules.

``cluster``: ``None`` judges the partitions one after another in this process (no Dask);
``"local:N"`` starts a :class:`distributed.LocalCluster` of N single-threaded worker processes
for the call; ``"tcp://HOST:PORT"`` (any ``scheme://`` address) connects to a running scheduler
(see docs/dask.md). The workers need ceasefire installed, at the same version.

>>> import tempfile
>>> from ceasefire.sources import read_events
>>> from ceasefire.sources.geoparquet import read_verdicts_parquet, write_events_parquet
>>> from ceasefire.sources.ucdp import BUNDLED_GED_SYRIA
>>> events = read_events(BUNDLED_GED_SYRIA, "ucdp").events.tail(200)
>>> folder = Path(tempfile.mkdtemp())
>>> _ = write_events_parquet([events[:120], events[120:]], folder / "events")
>>> run = evaluate_parquet(folder / "events", "moscow-2020", folder / "verdicts")
>>> run.parts, len(run.written), run.events
(2, 2, 200)
>>> len(read_verdicts_parquet(folder / "verdicts")) == run.rows
True
>>> len(evaluate_parquet(folder / "events", "moscow-2020", folder / "verdicts").skipped)
2
"""

from __future__ import annotations

import dataclasses
import json
import os
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from .agreements import Registry
from .compliance import EvaluationPlan, Rules, judge_events, plan_evaluation
from .compliance.spatial import ZoneIndex, build_zone_index
from .errors import InputError
from .sources.geoparquet import (
    parquet_complete,
    parquet_files,
    read_events_parquet,
    write_verdicts_parquet,
)

__all__ = ["MANIFEST", "ClusterRun", "Partition", "evaluate_parquet", "partitions"]

#: The file in the output folder that records what its parts were judged from.
MANIFEST: Final = "manifest.json"
_LOCAL: Final = "local:"

#: ``progress(parts_done, parts, events_done)``, called as each partition finishes (parts
#: skipped by a rerun count as done from the start).
Progress = Callable[[int, int, int], None]


@dataclass(frozen=True)
class Partition:
    """One task's input: a row group of a Parquet file, and the part it is written to."""

    number: int
    source: str
    row_group: int
    rows: int

    @property
    def part_name(self) -> str:
        """The name of its verdicts part, ``part-NNNNN.parquet``."""
        return f"part-{self.number:05d}.parquet"


@dataclass
class ClusterRun:
    """What :func:`evaluate_parquet` did."""

    #: the number of partitions (row groups of the inputs)
    parts: int
    #: the parts written by this run, in part order
    written: list[Path] = field(default_factory=list)
    #: the parts that were complete already (a rerun), in part order
    skipped: list[Path] = field(default_factory=list)
    #: events judged by this run
    events: int = 0
    #: verdict rows written by this run
    rows: int = 0


def partitions(events_glob: str | Path) -> list[Partition]:
    """The partitions of a Parquet file, folder or glob: one per row group, files in name
    order (only the files' footers are read).

    >>> partitions("/nonexistent/*.parquet")
    Traceback (most recent call last):
    ...
    ceasefire.errors.InputError: /nonexistent/*.parquet: no Parquet file found
    """
    import pyarrow.parquet as pq

    out: list[Partition] = []
    for f in parquet_files(events_glob):
        try:
            meta = pq.read_metadata(f)
        except (OSError, ValueError) as exc:
            raise InputError(f"not a readable Parquet file: {exc}", file=str(f)) from exc
        for k in range(meta.num_row_groups):
            rows = meta.row_group(k).num_rows
            out.append(Partition(len(out), str(f.resolve()), k, rows))
    return out


def evaluate_parquet(
    events_glob: str | Path,
    agreement_id: str,
    out_dir: str | Path,
    *,
    cluster: str | None = None,
    registry: Registry | None = None,
    rules: Rules | None = None,
    progress: Progress | None = None,
) -> ClusterRun:
    """Judge the events of ``events_glob`` (a GeoParquet file, folder or glob) against the
    agreement ``agreement_id`` of ``registry`` (default the bundled agreements), one row group
    per task on ``cluster``, and write the verdicts to ``out_dir/part-NNNNN.parquet``: the rows
    :func:`ceasefire.evaluate` gives for the same events, partition by partition. A rerun skips
    the parts already complete. See the module's docstring."""
    registry = registry or Registry.bundled()
    plan = plan_evaluation(registry.get(agreement_id), registry=registry, rules=rules)
    todo = partitions(events_glob)
    out = Path(out_dir)
    _claim(out, agreement_id, plan, todo)
    run = ClusterRun(parts=len(todo))
    done_events = 0
    pending: list[Partition] = []
    for p in todo:
        if parquet_complete(out / p.part_name):
            run.skipped.append(out / p.part_name)
            done_events += p.rows
        else:
            pending.append(p)
    if progress is not None:
        progress(len(run.skipped), len(todo), done_events)
    if not pending:
        return run
    index = build_zone_index(plan.zone_geometries)
    finished: list[tuple[Partition, int]] = []
    for p, rows in _run(pending, plan, index, out, cluster):
        finished.append((p, rows))
        run.events += p.rows
        run.rows += rows
        if progress is not None:
            progress(len(run.skipped) + len(finished), len(todo), done_events + run.events)
    run.written = [out / p.part_name for p, _ in sorted(finished, key=lambda x: x[0].number)]
    # every part is complete: what a killed attempt left half-written goes
    for tmp in out.glob(".part-*.parquet.*"):
        tmp.unlink(missing_ok=True)
    return run


def _run(
    pending: Sequence[Partition],
    plan: EvaluationPlan,
    index: ZoneIndex,
    out: Path,
    cluster: str | None,
) -> Iterator[tuple[Partition, int]]:
    """Each partition with its number of verdict rows, as it finishes."""
    if cluster is None:
        for p in pending:
            yield p, judge_partition(plan, index, p, str(out))
        return
    from distributed import as_completed

    with _client(cluster) as client:
        run = uuid.uuid4().hex[:8]
        # tasks of their own, not scattered data: the scheduler keeps them and makes them again
        # should every worker holding them die; a worker fetches each once, and the partitions'
        # tasks get a reference, not a copy of the ~15 MB index
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*[Ll]arge.*", category=UserWarning)
            plan_f = client.submit(_given, plan, key=f"ceasefire-plan-{run}")
            index_f = client.submit(_given, index, key=f"ceasefire-zone-index-{run}")
        futures = {
            client.submit(
                judge_partition,
                plan_f,
                index_f,
                p,
                str(out),
                key=f"ceasefire-verdicts-{run}-{p.number:05d}",
                retries=2,
            ): p
            for p in pending
        }
        try:
            for fut in as_completed(futures):
                yield futures[fut], int(fut.result())
        finally:
            client.cancel(list(futures))


#: The nanny's environment variable that :func:`_client` unsets for a local cluster.
_TRIM: Final = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"


def _given(value: Any) -> Any:
    return value


@contextmanager
def _unset_env(name: str) -> Iterator[None]:
    """``name`` out of this process's environment for the block (the workers spawned in it
    inherit the environment; a nanny started earlier in this process may have set it here),
    put back afterwards."""
    old = os.environ.pop(name, None)
    try:
        yield
    finally:
        if old is not None:
            os.environ[name] = old


@contextmanager
def _client(cluster: str) -> Iterator[Any]:
    import dask
    from distributed import Client, LocalCluster

    if cluster.startswith(_LOCAL):
        n = cluster.removeprefix(_LOCAL)
        if not n.isdigit() or int(n) < 1:
            raise InputError(f"cluster: local:N needs a number of workers N >= 1, not {n!r}")
        with (
            # glibc's own heap policy in the workers, not Dask's MALLOC_TRIM_THRESHOLD_: set at
            # all, it fixes the mmap threshold at 128 KiB, and every array of a partition is a
            # fresh mmap of zeroed pages: the engine ran 1.5x slower in a worker than in a
            # process (docs/dask.md, "Worker memory")
            dask.config.set({_TRIM: None}),
            _unset_env("MALLOC_TRIM_THRESHOLD_"),
            LocalCluster(
                n_workers=int(n),
                threads_per_worker=1,
                processes=True,
                # its HTTP routes on a free port: two local clusters never clash
                dashboard_address=":0",
            ) as local,
            Client(local) as client,
        ):
            yield client
    elif "://" in cluster:
        with Client(cluster) as client:
            yield client
    else:
        raise InputError(f"cluster: expected local:N or tcp://HOST:PORT, not {cluster!r}")


def judge_partition(plan: EvaluationPlan, index: ZoneIndex, part: Partition, out_dir: str) -> int:
    """One task: read the partition's row group, judge it with the engine, write its verdicts
    part atomically (a retry replaces it). Returns the number of verdict rows."""
    events = read_events_parquet(part.source, row_group=part.row_group)
    verdicts = judge_events(plan, events, index=index)
    target = Path(out_dir) / part.part_name
    # a name of this attempt's own: two attempts of one task (a worker thought dead that was
    # not) never write into the same file; the last rename wins, with the same rows
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}")
    try:
        write_verdicts_parquet(verdicts, tmp, events=events)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return len(verdicts)


def _claim(out: Path, agreement_id: str, plan: EvaluationPlan, todo: Sequence[Partition]) -> None:
    """Write ``out/manifest.json``, or check that the one there describes the same run (the
    part numbers mean the same partitions, judged under the same agreements and rules)."""
    about = {
        "kind": "verdicts",
        "agreement_id": agreement_id,
        "agreements": [a.id for a in plan.agreements],
        "rules": {k: str(v) for k, v in dataclasses.asdict(plan.rules).items()},
        "partitions": [
            {"part": p.part_name, "source": p.source, "row_group": p.row_group, "rows": p.rows}
            for p in todo
        ],
    }
    path = out / MANIFEST
    if path.exists():
        try:
            there = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"not a readable manifest: {exc}", file=str(path)) from exc
        if there != about:
            raise InputError(
                "the folder holds verdicts of other inputs, another agreement or other rules: "
                "write to a new folder (or delete this one)",
                file=str(out),
            )
        return
    out.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{MANIFEST}.{uuid.uuid4().hex}")
    tmp.write_text(json.dumps(about, indent=1), encoding="utf-8")
    os.replace(tmp, path)
