"""Run code under a memory and CPU cap in a subprocess, and say how it ended.

The fuzz suite (``tests/test_fuzz_*.py``) feeds hostile input to every reader. A reader that
regresses may not raise at all but eat memory or spin: run in the test process, that takes the
whole test run down (or the machine). So the readers run in a **capped worker**: a subprocess
under ``RLIMIT_AS`` (address space, so a runaway allocation is a ``MemoryError`` in the worker,
not the OOM killer in the middle of the suite) and ``RLIMIT_CPU`` (a per-call CPU budget; the
worker turns ``SIGXCPU`` into an exception, and the parent kills it if it stops answering).

Spawning Python and importing pandas costs about a second, too slow for hundreds of hypothesis
examples, so one worker serves many calls: :class:`CappedWorker` stays up (module-scoped in the
tests), takes ``"module:function"`` calls over a pipe, and answers each with an :class:`Outcome`:
how it ended, the exception type and message (or a small summary of the result), the traceback,
and the call's own peak RSS (the kernel's high-water mark is reset before each call through
``/proc/self/clear_refs`` where Linux allows it). A worker that died (killed by the CPU cap, or
by anything else) is started afresh for the next call. :func:`run_capped` is the one-shot form
(a fresh worker for one call), and :func:`run_cli_capped` runs the ``ceasefire`` command itself
under the same caps and reads its exit status, stderr and peak RSS.

Where the code under test must run in the test process (the app through ``TestClient``),
:func:`capped_here` caps the test process itself for the length of a block: address space
(what it holds now plus a margin, so a runaway allocation is a ``MemoryError``, a 500 from the
app) and CPU (a :class:`CpuLimitExceeded` in the test).

>>> out = run_capped("math:sqrt", 16.0)
>>> out.status, out.value
('ok', 4.0)
>>> out = run_capped("json:loads", "{")
>>> out.status, out.error_type, out.ceasefire_error
('raised', 'json.decoder.JSONDecodeError', False)
"""

from __future__ import annotations

import contextlib
import importlib
import os
import pickle
import resource
import select
import signal
import struct
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final, Literal

__all__ = [
    "CappedWorker",
    "Caps",
    "CpuLimitExceeded",
    "Outcome",
    "capped_here",
    "peak_rss_kb",
    "run_capped",
    "run_cli_capped",
]

TESTS: Final = Path(__file__).resolve().parent
#: The ``ceasefire`` command of the interpreter running the tests.
CEASEFIRE: Final = Path(sys.executable).with_name("ceasefire")

_HEADER: Final = struct.Struct("!Q")
# one summary of a result at most this long (a reader's result can be a large frame)
_REPR: Final = 300
# threads that numpy's BLAS and others start reserve address space they never use
_ONE_THREAD: Final = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_MAX_THREADS": "1",
}


@dataclass(frozen=True)
class Caps:
    """The caps of a worker: address space, CPU seconds per call, wall seconds per call.

    >>> Caps().memory_mb
    1024
    """

    #: ``RLIMIT_AS`` of the whole worker, in MiB (the interpreter with pandas, shapely and
    #: trafilatura imported takes about 260 MiB of it).
    memory_mb: int = 1024
    #: CPU seconds one call may use (``RLIMIT_CPU``, moved before each call).
    cpu_s: int = 20
    #: Wall seconds the parent waits for one answer before it kills the worker.
    wall_s: float = 60.0
    #: CPU seconds the worker may use in its whole life (the hard ``RLIMIT_CPU``).
    lifetime_cpu_s: int = 3600


@dataclass(frozen=True)
class Outcome:
    """How one call ended.

    ``status``: ``"ok"`` (returned), ``"raised"`` (an exception, described), ``"crashed"``
    (the worker died: killed by a signal, the CPU cap's SIGKILL, ...), or ``"timeout"`` (no
    answer within ``Caps.wall_s``; the worker was killed).
    """

    status: Literal["ok", "raised", "crashed", "timeout"]
    #: The result, when it pickles and is small; else ``repr(result)[:300]``.
    value: Any = None
    #: ``module.QualName`` of the exception raised.
    error_type: str | None = None
    #: Whether the exception is a :class:`ceasefire.errors.CeasefireError`.
    ceasefire_error: bool = False
    #: ``str(exception)``.
    message: str = ""
    #: The messages of each problem an exception carries (``AgreementError.errors``), else
    #: ``[message]``.
    problems: tuple[str, ...] = ()
    #: The ``file`` an :class:`~ceasefire.errors.InputError` names, if any.
    file: str | None = None
    traceback: str = ""
    #: The peak resident set of the call (kB); the worker's whole life where Linux does not
    #: let a process reset its high-water mark.
    peak_rss_kb: int = 0
    cpu_s: float = 0.0
    wall_s: float = 0.0
    #: The worker's exit status (``-9``: killed by SIGKILL) when it died; the command's exit
    #: status for :func:`run_cli_capped`.
    exit_code: int | None = None
    #: The last lines of the worker's (or the command's) stderr.
    stderr: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def head(self) -> str:
        """The last lines of the traceback (or the message): where it was raised, and what."""
        lines = (self.traceback or self.message or self.stderr).strip().splitlines()
        return "\n".join(lines[-7:])

    def describe(self) -> str:
        """One paragraph for an assertion message."""
        what = {
            "ok": f"returned {self.value!r}"[:400],
            "raised": f"raised {self.error_type}: {self.message}"[:1000],
            "crashed": f"worker died (exit {self.exit_code}); stderr: {self.stderr[-800:]}",
            "timeout": f"no answer in {self.wall_s:.0f} s (killed)",
        }[self.status]
        cost = f"peak RSS {self.peak_rss_kb / 1024:.0f} MiB, CPU {self.cpu_s:.1f} s"
        return f"{what}\n  {cost}\n{self.traceback or self.head()}"


# --------------------------------------------------------------------------------- worker side


class CpuLimitExceeded(BaseException):
    """Raised in the worker on SIGXCPU: the call used its CPU budget. A BaseException, so that
    no ``except Exception`` in the code under test swallows it."""


def _on_sigxcpu(_signum: int, _frame: Any) -> None:
    raise CpuLimitExceeded("CPU time limit of the call exceeded (RLIMIT_CPU)")


def peak_rss_kb(pid: int | str = "self") -> int:
    """``VmHWM`` of a process (kB): its peak resident set since start or the last reset.

    >>> peak_rss_kb() > 0
    True
    """
    with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


@contextlib.contextmanager
def capped_here(memory_mb: int = 1536, cpu_s: int = 60) -> Iterator[None]:
    """Cap this process while the block runs: ``RLIMIT_AS`` at its address space now plus
    ``memory_mb``, ``RLIMIT_CPU`` at the CPU it has used plus ``cpu_s`` (``SIGXCPU`` raises
    :class:`CpuLimitExceeded`); both are put back after. Call it from the main thread.

    >>> with capped_here(memory_mb=256):
    ...     try:
    ...         _ = bytearray(2**30)
    ...     except MemoryError:
    ...         print("refused")
    refused
    """
    as_before = resource.getrlimit(resource.RLIMIT_AS)
    cpu_before = resource.getrlimit(resource.RLIMIT_CPU)
    handler = signal.signal(signal.SIGXCPU, _on_sigxcpu)
    cap = _vm_size() + memory_mb * 2**20
    if as_before[0] != resource.RLIM_INFINITY:
        cap = min(cap, as_before[0])
    cpu = int(_cpu_used()) + 1 + cpu_s
    if cpu_before[1] != resource.RLIM_INFINITY:
        cpu = min(cpu, cpu_before[1])
    try:
        resource.setrlimit(resource.RLIMIT_AS, (cap, as_before[1]))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu_before[1]))
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_CPU, cpu_before)
        resource.setrlimit(resource.RLIMIT_AS, as_before)
        signal.signal(signal.SIGXCPU, handler)


def _vm_size() -> int:
    with open("/proc/self/status", encoding="ascii", errors="replace") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return True


def _cpu_used() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _resolve(target: str) -> Any:
    module, _, name = target.partition(":")
    obj: Any = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def _portable(value: Any) -> Any:
    try:
        data = pickle.dumps(value)
    except Exception:
        return repr(value)[:_REPR]
    return value if len(data) <= 100_000 else repr(value)[:_REPR]


def _described(exc: BaseException) -> dict[str, Any]:
    try:
        from ceasefire.errors import CeasefireError

        ours = isinstance(exc, CeasefireError)
    except ImportError:  # pragma: no cover - the package is installed in the test venv
        ours = False
    kind = type(exc)
    errors = getattr(exc, "errors", None)
    problems = [str(e) for e in errors] if isinstance(errors, list) else [str(exc)]
    file = getattr(exc, "file", None)
    return {
        "status": "raised",
        "error_type": f"{kind.__module__}.{kind.__qualname__}",
        "ceasefire_error": ours,
        "message": str(exc),
        "problems": tuple(problems),
        "file": file if isinstance(file, str) else None,
        "traceback": "".join(traceback.format_exception(exc)),
    }


def _call(target: str, args: Sequence[Any], kwargs: dict[str, Any], cpu_s: int) -> dict[str, Any]:
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    used = _cpu_used()
    budget = int(used) + 1 + cpu_s
    if hard != resource.RLIM_INFINITY:
        budget = min(budget, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (budget, hard))
    reset = _reset_peak()
    t0 = time.perf_counter()
    try:
        out: dict[str, Any] = {
            "status": "ok",
            "value": _portable(_resolve(target)(*args, **kwargs)),
        }
    except BaseException as exc:  # the point: every way a call can end is reported
        out = _described(exc)
        if isinstance(exc, KeyboardInterrupt):
            raise
    finally:
        # a call that returned just before the signal must not leave it armed for the next
        resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))
    out.update(
        peak_rss_kb=peak_rss_kb(),
        cpu_s=_cpu_used() - used,
        wall_s=time.perf_counter() - t0,
        extra={"peak_is_per_call": reset},
    )
    return out


def _read_exact(stream: IO[bytes], n: int) -> bytes | None:
    data = b""
    while len(data) < n:
        chunk = stream.read(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _serve() -> None:
    """The worker: read ``(target, args, kwargs, cpu_s)`` frames from stdin, answer each."""
    # answers go out on a private copy of stdout; whatever the code under test prints goes
    # to stderr, so it cannot break the framing
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    signal.signal(signal.SIGXCPU, _on_sigxcpu)
    requests = sys.stdin.buffer
    while True:
        header = _read_exact(requests, _HEADER.size)
        if header is None:
            return
        body = _read_exact(requests, _HEADER.unpack(header)[0])
        if body is None:
            return
        target, args, kwargs, cpu_s = pickle.loads(body)
        try:
            answer = pickle.dumps(_call(target, args, kwargs, cpu_s))
        except MemoryError:
            answer = pickle.dumps({"status": "raised", "error_type": "builtins.MemoryError"})
        answers.write(_HEADER.pack(len(answer)) + answer)
        answers.flush()


# --------------------------------------------------------------------------------- parent side


def _limits(caps: Caps) -> Any:
    def apply() -> None:  # runs in the child between fork and exec
        cap = caps.memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        resource.setrlimit(resource.RLIMIT_CPU, (caps.lifetime_cpu_s, caps.lifetime_cpu_s))

    return apply


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {**os.environ, **_ONE_THREAD, **(extra or {})}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(TESTS), env.get("PYTHONPATH", "")) if p)
    return env


class CappedWorker:
    """One Python subprocess under the :class:`Caps` that runs calls one at a time.

    >>> with CappedWorker(Caps(memory_mb=512, cpu_s=5)) as w:
    ...     ok = w.call("builtins:len", "abc")
    ...     big = w.call("builtins:bytearray", 2**30)
    >>> ok.value, big.error_type
    (3, 'builtins.MemoryError')
    """

    def __init__(self, caps: Caps | None = None, *, preload: Sequence[str] = ()) -> None:
        self.caps = caps or Caps()
        self.preload = tuple(preload)
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        #: How many times a worker was started (a crash or timeout starts a new one).
        self.starts = 0

    def __enter__(self) -> CappedWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> subprocess.Popen[bytes]:
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (kept open with the worker)
        self._proc = subprocess.Popen(
            [sys.executable, "-c", "import fuzz_helpers; fuzz_helpers._serve()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=_env(),
            preexec_fn=_limits(self.caps),
            cwd=str(TESTS.parent),
        )
        self.starts += 1
        for module in self.preload:  # imports paid once, outside every call's caps
            self.call("importlib:import_module", module)
        return self._proc

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0, os.SEEK_END)
        size = self._stderr.tell()
        self._stderr.seek(max(0, size - 4000))
        return self._stderr.read().decode("utf-8", "replace")

    def _kill(self) -> int | None:
        proc, self._proc = self._proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            proc.kill()
        code = proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()
        return code

    def close(self) -> None:
        """Stop the worker (a later call starts a new one)."""
        self._kill()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    @property
    def pid(self) -> int | None:
        """The worker's process id, while it runs."""
        return self._proc.pid if self._proc is not None else None

    def call(self, target: str, *args: Any, **kwargs: Any) -> Outcome:
        """Call ``target`` (``"module:function"``, importable in the worker: the tests folder
        is on its path) with picklable arguments; how it ended."""
        proc = self._proc if self._proc is not None and self._proc.poll() is None else None
        proc = proc or self._start()
        assert proc.stdin is not None and proc.stdout is not None
        frame = pickle.dumps((target, args, kwargs, self.caps.cpu_s))
        t0 = time.perf_counter()
        try:
            proc.stdin.write(_HEADER.pack(len(frame)) + frame)
            proc.stdin.flush()
        except BrokenPipeError:
            return self._died(t0)
        fd = proc.stdout.fileno()
        ready, _, _ = select.select([fd], [], [], self.caps.wall_s)
        if not ready:
            self._kill()
            return Outcome("timeout", wall_s=time.perf_counter() - t0, stderr=self._stderr_tail())
        header = _read_exact(proc.stdout, _HEADER.size)
        body = _read_exact(proc.stdout, _HEADER.unpack(header)[0]) if header else None
        if body is None:
            return self._died(t0)
        return Outcome(**pickle.loads(body))

    def _died(self, t0: float) -> Outcome:
        code = self._kill()
        return Outcome(
            "crashed",
            exit_code=code,
            wall_s=time.perf_counter() - t0,
            stderr=self._stderr_tail(),
        )


def run_capped(target: str, *args: Any, caps: Caps | None = None, **kwargs: Any) -> Outcome:
    """One call in a fresh :class:`CappedWorker` (started and stopped for it)."""
    with CappedWorker(caps) as worker:
        return worker.call(target, *args, **kwargs)


def run_cli_capped(
    argv: Sequence[str],
    *,
    caps: Caps | None = None,
    cwd: str | Path | None = None,
    env: dict[str, str] | None = None,
) -> Outcome:
    """``ceasefire *argv`` in a subprocess under the caps: ``status`` is ``"ok"`` for exit 0,
    ``"raised"`` for another exit status with a Python traceback on stderr (``error_type`` is
    its last line's exception), ``"crashed"`` for any other failure (a clean ``Error: ...`` and
    exit 1 reads as ``crashed`` with no traceback: check ``exit_code`` and ``stderr``), and
    ``"timeout"``. ``peak_rss_kb`` is the command's peak (from ``wait4``).

    >>> out = run_cli_capped(["--version"])
    >>> out.status, out.exit_code
    ('ok', 0)
    """
    caps = caps or Caps()
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(
            [str(CEASEFIRE), *argv],
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            env=_env(env),
            preexec_fn=_limits(Caps(caps.memory_mb, caps.cpu_s, caps.wall_s, caps.cpu_s)),
            cwd=str(cwd) if cwd else None,
        )
        deadline = t0 + caps.wall_s
        status: int | None = None
        usage: Any = None
        while status is None:
            pid, raw, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                status = os.waitstatus_to_exitcode(raw)
                break
            if time.perf_counter() > deadline:
                proc.kill()
                _, raw, usage = os.wait4(proc.pid, 0)
                proc.returncode = os.waitstatus_to_exitcode(raw)
                err.seek(0)
                return Outcome(
                    "timeout",
                    wall_s=time.perf_counter() - t0,
                    exit_code=proc.returncode,
                    peak_rss_kb=int(usage.ru_maxrss),
                    stderr=err.read().decode("utf-8", "replace")[-4000:],
                )
            time.sleep(0.02)
        proc.returncode = status
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
        out.seek(0)
        stdout = out.read().decode("utf-8", "replace")
    tb = ""
    error_type = None
    if "Traceback (most recent call last)" in stderr:
        tb = stderr[stderr.index("Traceback (most recent call last)") :]
        last = tb.strip().splitlines()[-1]
        error_type = last.split(":", 1)[0]
    kind: Literal["ok", "raised", "crashed"] = (
        "ok" if status == 0 else "raised" if tb else "crashed"
    )
    return Outcome(
        kind,
        value=stdout[-_REPR:],
        error_type=error_type,
        message=stderr.strip().splitlines()[-1] if stderr.strip() else "",
        traceback=tb,
        peak_rss_kb=int(usage.ru_maxrss),
        cpu_s=usage.ru_utime + usage.ru_stime,
        wall_s=time.perf_counter() - t0,
        exit_code=status,
        stderr=stderr[-4000:],
    )
