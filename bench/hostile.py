"""The server under the whole hostile suite: its peak memory, and every answer by status.

    python bench/hostile.py                 # builds the demo store (about 10-20 s), then ~2 min
    python bench/hostile.py --reuse         # reuse /tmp/ceasefire-bench-hostile.db
    python bench/hostile.py --burst 400     # more field reports in the burst

A real ``ceasefire serve`` runs in a subprocess on a free loopback port over a store built by
``ceasefire demo --fresh`` (16,566 UCDP events, every verdict) plus a user per role with an API
token. The suite goes to it over HTTP, to 127.0.0.1 only, phase by phase:

- **bombs**: the upload-shaped bombs of ``tests/fuzz_bombs.py`` (YAML alias bombs, deep
  nesting and 100,000-digit numbers, GeoJSON NaN and deep nesting, GPX entity expansion, times
  out of range, an unknown encoding, a 250,000-point track just under the upload limit) to
  ``/api/agreements``, ``/api/zones`` and ``/api/patrols``;
- **limits**: bodies at the limit and one byte over, a chunked body over it, a lying
  ``Content-Length``;
- **deep JSON**: every JSON write with 100,000-deep arrays and objects, 100,000-digit numbers,
  NaN and Infinity, a near-limit string, a body JSON's encoding sniffing reads as UTF-16;
- **filters**: every read with hostile filter values (NaN boxes, impossible dates, huge
  limits, SQL, 60 kB strings, unknown verdicts);
- **content types**: every JSON write with text, form, multipart, XML and no content type;
- **login**: hostile forms, then a lockout's worth of wrong passwords;
- **burst**: field reports from 8 concurrent clients (each is located and evaluated at once).

A sampler reads the server's ``VmRSS`` and ``VmHWM`` from ``/proc/<pid>/status`` every 20 ms.
The bench prints the peak RSS per phase and overall, the number of answers by status, and
every 5xx with the request that got it; it exits 1 if there was any 5xx. ``probes`` (the
request list) is also run against the app in process by ``tests/test_fuzz_api.py``.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the bomb shapes live with the fuzz suite

from fuzz_bombs import bombs  # noqa: E402

CEASEFIRE = Path(sys.executable).with_name("ceasefire")
DEFAULT_DB = Path("/tmp/ceasefire-bench-hostile.db")
ROLES = ("admin", "analyst", "monitor", "viewer")
PASSWORD = "hostile-bench-pass-1"

REPORT = {
    "observed_at": "2020-03-07T10:30:00+02:00",
    "latitude": 35.83,
    "longitude": 36.61,
    "observation": "heard",
    "event_type": "Explosions/Remote violence",
    "bearing_deg": 90,
    "distance_band": "3-10km",
}
JSON_WRITES = (
    ("POST", "/api/reports", "monitor"),
    ("PATCH", "/api/reports/1", "monitor"),
    ("POST", "/api/verdicts/review", "analyst"),
    ("POST", "/api/users", "admin"),
    ("POST", "/api/zones", "admin"),
)
READS = (
    "/api/events",
    "/api/events.geojson",
    "/api/verdicts",
    "/api/verdicts.csv",
    "/api/aggregates",
    "/api/reports",
    "/api/rejects",
    "/api/patrols",
    "/api/patrols/coverage",
)
HOSTILE_PARAMS = (
    {"bbox": "NaN,NaN,NaN,NaN"},
    {"bbox": "-1e309,0,1e309,1"},
    {"bbox": "36,35,36,35"},
    {"bbox": "1,2,3"},
    {"date_from": "9999-99-99"},
    {"date_from": "2020-03-06", "date_to": "1900-01-01"},
    {"date_from": "0001-01-01", "date_to": "9999-12-31"},
    {"limit": "1" + "0" * 30},
    {"limit": "-1"},
    {"offset": "99999999999999999999"},
    {"sort": "event_date; DROP TABLE events"},
    {"order": "sideways"},
    {"verdict": "violation' OR '1'='1"},
    {"agreement": "\x00"},
    {"actor": "%" * 1000},
    {"actor": "a" * 60_000},  # under httpx's own URL limit (64 kB)
    {"party": "(((((((((("},
    {"event_type": "\u202e" * 50},
    {"by": "hour"},
    {"zoom": "1e400"},
    {"since": "yesterday", "until": "-1"},
)
CONTENT_TYPES = (
    "",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/xml",
    "application/json; charset=utf-16",
)


@dataclass
class Probe:
    """One request of the suite: its phase, a name, and what :meth:`httpx.Client.request`
    takes (``role`` picks the token)."""

    phase: str
    name: str
    method: str
    url: str
    role: str | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)


def _upload(reader: str) -> tuple[str, str] | None:
    """The endpoint and role that take what a reader of ``tests/fuzz_inputs.py`` reads."""
    return {
        "read_agreement": ("/api/agreements", "admin"),
        "read_zone_geometry": ("/api/zones", "admin"),
        "read_zones": ("/api/zones", "admin"),
        "read_track": ("/api/patrols", "monitor"),
    }.get(reader)


def _bomb_probes(large: bool) -> Iterator[Probe]:
    for name, bomb in bombs().items():
        target = _upload(bomb.reader)
        if target is None or (not large and name.startswith("gpx 250,000")):
            continue
        url, role = target
        data = bomb.build()
        if url == "/api/patrols":
            kwargs: dict[str, Any] = {"files": {"file": (bomb.file, data, "application/gpx+xml")}}
        else:
            kind = "application/x-yaml" if url == "/api/agreements" else "application/json"
            kwargs = {"content": data, "headers": {"Content-Type": kind}}
        yield Probe("bombs", name, "POST", url, role, kwargs)


def _limit_probes(max_body: int) -> Iterator[Probe]:
    from ceasefire.agreements import bundled_text

    text = bundled_text("sochi-2018").encode()
    pad = max_body - len(text) - 3
    yaml = {"Content-Type": "application/x-yaml"}
    at = text + b"\n# " + b"x" * pad
    yield Probe(
        "limits",
        "agreement at the limit",
        "POST",
        "/api/agreements",
        "admin",
        {"content": at[:max_body], "headers": yaml},
    )
    yield Probe(
        "limits",
        "agreement one byte over",
        "POST",
        "/api/agreements",
        "admin",
        {"content": at[:max_body] + b"x", "headers": yaml},
    )

    def chunks() -> Iterator[bytes]:
        for _ in range(max_body // 65536 + 2):
            yield b"x" * 65536

    yield Probe(
        "limits",
        "chunked body over the limit",
        "POST",
        "/api/agreements",
        "admin",
        {"content": chunks(), "headers": yaml},
    )
    # httpx will not send a malformed request: this one goes over a bare socket (the bench
    # only; the in-process test skips probes with ``raw``)
    lie = (
        b"POST /api/reports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: not-a-number\r\nConnection: close\r\n\r\n{}"
    )
    yield Probe("limits", "Content-Length that lies", "POST", "/api/reports", None, {"raw": lie})
    big = b'{"text": "' + b"x" * (max_body - 20) + b'"}'
    yield Probe(
        "limits",
        "report at the limit",
        "POST",
        "/api/reports",
        "monitor",
        {"content": big, "headers": {"Content-Type": "application/json"}},
    )


def _deep_json_probes() -> Iterator[Probe]:
    n = 100_000
    bodies = {
        "arrays 100,000 deep": b"[" * n + b"]" * n,
        "objects 100,000 deep": b'{"a":' * n + b"1" + b"}" * n,
        "a number of 100,000 digits": b'{"latitude": ' + b"9" * n + b"}",
        "NaN and Infinity": b'{"latitude": NaN, "longitude": Infinity, "fatalities": -Infinity}',
        "a 1 MB string": b'{"text": "' + b"\\u00e9" * 200_000 + b'"}',
        "a NUL first (read as UTF-16), cut short": b'\x00{"ty',
    }
    for method, url, role in JSON_WRITES:
        for name, body in bodies.items():
            yield Probe(
                "deep json",
                f"{url}: {name}",
                method,
                url,
                role,
                {"content": body, "headers": {"Content-Type": "application/json"}},
            )


def _filter_probes() -> Iterator[Probe]:
    for url in READS:
        for params in HOSTILE_PARAMS:
            yield Probe(
                "filters", f"{url} {list(params)}", "GET", url, "viewer", {"params": params}
            )


def _content_type_probes() -> Iterator[Probe]:
    import json

    body = json.dumps(REPORT).encode()
    for method, url, role in JSON_WRITES:
        for ctype in CONTENT_TYPES:
            headers = {"Content-Type": ctype} if ctype else {}
            yield Probe(
                "content types",
                f"{url} as {ctype or 'nothing'}",
                method,
                url,
                role,
                {"content": body, "headers": headers},
            )


def _login_probes() -> Iterator[Probe]:
    forms = [
        {},
        {"username": "admin"},
        {"username": "admin", "password": "x" * 100_000},
        {"username": "\x00admin", "password": "x"},
        {"username": "admin", "password": "x", "next": "//evil.example/"},
        {"username": "admin", "password": "x", "next": "/\r\nSet-Cookie: a=b"},
        {"username": "ADMIN", "password": PASSWORD, "next": "/\u202e"},
    ]
    for i, form in enumerate(forms):
        yield Probe("login", f"form {i}", "POST", "/login", None, {"data": form})
    for i in range(30):
        yield Probe(
            "login",
            f"wrong password {i}",
            "POST",
            "/login",
            None,
            {"data": {"username": "viewer", "password": f"wrong-{i}"}},
        )
    yield Probe(
        "login",
        "logout with a forged cookie",
        "POST",
        "/logout",
        None,
        {"headers": {"Cookie": "ceasefire_session=" + "A" * 4000}},
    )


def probes(*, large: bool = True, max_body: int | None = None) -> list[Probe]:
    """The hostile suite (but the burst), in phase order; ``large=False`` leaves out the
    near-limit track upload (what the in-process test runs)."""
    if max_body is None:
        from ceasefire.web.limits import MAX_BODY

        max_body = MAX_BODY
    return [
        *_bomb_probes(large),
        *_limit_probes(max_body),
        *_deep_json_probes(),
        *_filter_probes(),
        *_content_type_probes(),
        *_login_probes(),
    ]


def burst_reports(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` valid field reports around the M4."""
    rng = random.Random(seed)
    return [
        {
            **REPORT,
            "latitude": round(35.7 + rng.random() * 0.3, 5),
            "longitude": round(36.3 + rng.random() * 0.6, 5),
            "fatalities": rng.randint(0, 3),
            "text": f"burst {i}",
        }
        for i in range(n)
    ]


# ----------------------------------------------------------------------------------- server


def rss_kb(pid: int) -> tuple[int, int]:
    """``(VmRSS, VmHWM)`` of a process, in kB (both 0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
    except OSError:
        return 0, 0
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


class Sampler(threading.Thread):
    """Reads a process's RSS every ``every`` seconds; ``peak`` is the highest seen."""

    def __init__(self, pid: int, every: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.peak = self.last = self.hwm = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            rss, hwm = rss_kb(self.pid)
            if rss:
                self.last, self.hwm = rss, max(self.hwm, hwm)
                self.peak = max(self.peak, rss)
            time.sleep(self.every)

    def reset_phase(self) -> None:
        self.peak = self.last


def build_store(db: Path, reuse: bool) -> dict[str, str]:
    """The demo store at ``db`` with a user per role; their tokens."""
    from ceasefire.store import open_store, workspace

    if not (reuse and db.exists()):
        t = time.perf_counter()
        subprocess.run(
            [str(CEASEFIRE), "demo", "--fresh", "--db", str(db)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"built the demo store {db} in {time.perf_counter() - t:.0f} s")
    tokens = {}
    with open_store(db) as store:
        for role in ROLES:
            name = f"bench-{role}"
            user = workspace.user_by_name(store.engine, name) or workspace.add_user(
                store.engine, name, role, PASSWORD, actor=None
            )
            tokens[role] = workspace.create_token(store.engine, user, label="bench/hostile.py")
    return tokens


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(db: Path, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [str(CEASEFIRE), "serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/me", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"the server did not start: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]


# ------------------------------------------------------------------------------------ the run


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    by_phase: dict[str, Counter[int]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    times: list[tuple[float, str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, phase: str, name: str, status: int | None, text: str, seconds: float) -> None:
        """Count one answer (``status`` None: no answer at all)."""
        with self.lock:
            self.times.append((seconds, phase, f"{name} -> {status}"))
            code = status if status is not None else 0
            self.statuses[code] += 1
            self.by_phase.setdefault(phase, Counter())[code] += 1
            if status is None or status >= 500:  # CLOSED (-1) is not an error
                self.errors.append(f"[{phase}] {name}: {status or 'no answer'} {text[:300]}")


#: The status counted for a request whose connection the server closed before answering (a
#: body over the limit may be cut off while it is still being sent): not an error in "limits".
CLOSED = -1


def _raw(base_url: str, data: bytes) -> tuple[int | None, str]:
    """Send bytes over a bare socket; the status of the answer."""
    host, port = httpx.URL(base_url).host, httpx.URL(base_url).port
    with socket.create_connection((host, port), timeout=60) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head = answer.split(b"\r\n", 1)[0].split()
    return (int(head[1]) if len(head) > 1 else None), answer.decode("latin-1")


def send(client: httpx.Client, tokens: dict[str, str], p: Probe) -> tuple[int | None, str, float]:
    """The status and body text of one probe (``CLOSED`` or ``None`` when there was none),
    and the seconds it took. A kept-alive connection the server closed after its last answer
    (it does after a 500) is found dead only when reused: the probe is sent once more."""
    kwargs = dict(p.kwargs)
    headers = dict(kwargs.pop("headers", {}))
    if p.role:
        headers["Authorization"] = f"Bearer {tokens[p.role]}"
    t = time.perf_counter()
    for attempt in (1, 2):
        try:
            if "raw" in kwargs:
                status, text = _raw(str(client.base_url), kwargs["raw"])
            else:
                r = client.request(p.method, p.url, headers=headers, **kwargs)
                status, text = r.status_code, r.text
            break
        except (httpx.RemoteProtocolError, httpx.WriteError, httpx.ReadError) as e:
            status, text = (CLOSED if p.phase == "limits" else None), repr(e)
            if p.phase == "limits" or attempt == 2 or not _reusable(kwargs):
                break
        except (httpx.HTTPError, OSError) as e:
            status, text = None, repr(e)
            break
    return status, text, time.perf_counter() - t


def _reusable(kwargs: dict[str, Any]) -> bool:
    """Whether the request's body can be sent again (not a generator already drained)."""
    return not isinstance(kwargs.get("content"), Iterator)


def _statuses(counts: Counter[int]) -> str:
    names = {0: "no answer", CLOSED: "closed"}
    return ", ".join(f"{names.get(k, k)}: {v}" for k, v in sorted(counts.items()))


def run(args: argparse.Namespace) -> int:
    tokens = build_store(args.db, args.reuse)
    port = free_port()
    proc = serve(args.db, port)
    sampler = Sampler(proc.pid)
    sampler.start()
    tally = Tally()
    started = time.monotonic()
    phases: list[tuple[str, float, int]] = []
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=120, follow_redirects=False) as client:
            for url in ("/api/me", "/api/events?limit=10", "/api/aggregates?by=day", "/"):
                client.get(url)
            time.sleep(0.5)
            warm = rss_kb(proc.pid)[0]
            suite = probes(large=True)
            by_phase: dict[str, list[Probe]] = {}
            for p in suite:
                by_phase.setdefault(p.phase, []).append(p)
            for phase, items in by_phase.items():
                t, sampler.peak = time.monotonic(), sampler.last
                for p in items:
                    if time.monotonic() - started > args.max_seconds:
                        tally.errors.append(f"stopped at {args.max_seconds} s (in {phase})")
                        break
                    tally.add(phase, p.name, *send(client, tokens, p))
                phases.append((phase, time.monotonic() - t, sampler.peak))

            # the burst: concurrent field reports, each located and evaluated at once
            t, sampler.peak = time.monotonic(), sampler.last
            reports = burst_reports(args.burst)
            report = Probe("burst", "report", "POST", "/api/reports", "monitor")

            def one(body: dict[str, Any]) -> None:
                p = dataclasses.replace(report, kwargs={"json": body})
                tally.add("burst", "report", *send(client, tokens, p))

            with ThreadPoolExecutor(8) as pool:
                list(pool.map(one, reports))
            phases.append(("burst", time.monotonic() - t, sampler.peak))
            time.sleep(0.5)
    finally:
        sampler.stopped.set()
        sampler.join()
        end, hwm = rss_kb(proc.pid)
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    peak = max(hwm, sampler.hwm, sampler.peak)
    n = sum(tally.statuses.values())
    print(f"\nserver: ceasefire serve (pid {proc.pid}) over {args.db}")
    print(f"{n:,} requests in {time.monotonic() - started:.0f} s")
    print(
        f"server RSS: after warm-up {warm / 1024:.0f} MiB, peak (VmHWM) {peak / 1024:.0f} MiB, "
        f"at the end {end / 1024:.0f} MiB"
    )
    print(f"\n{'phase':<16}{'requests':>9}{'seconds':>9}{'peak RSS MiB':>14}   statuses")
    for phase, seconds, phase_peak in phases:
        counts = tally.by_phase.get(phase, Counter())
        statuses = _statuses(counts)
        n_phase, mib = sum(counts.values()), phase_peak / 1024
        print(f"{phase:<16}{n_phase:>9}{seconds:>9.1f}{mib:>14.0f}   {statuses}")
    print("\nrequests by status: " + _statuses(tally.statuses))
    burst = sorted(t for t, phase, _ in tally.times if phase == "burst")
    if burst:
        p50, p95 = burst[len(burst) // 2], burst[int(len(burst) * 0.95)]
        print(f"burst latency (8 clients): p50 {p50:.2f} s, p95 {p95:.2f} s, max {burst[-1]:.2f} s")
    print("slowest requests (but the burst):")
    for seconds, phase, what in sorted(t for t in tally.times if t[1] != "burst")[-8:][::-1]:
        print(f"  {seconds:7.2f} s  [{phase}] {what}")
    if tally.errors:
        print(f"\n{len(tally.errors)} 5xx or failed requests:")
        for e in tally.errors:
            print("  " + e)
        return 1
    print("5xx: none")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--reuse", action="store_true", help="reuse the store at --db")
    parser.add_argument("--burst", type=int, default=200, help="field reports in the burst")
    parser.add_argument("--max-seconds", type=float, default=300.0)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
