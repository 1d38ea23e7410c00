"""A real HTTP server on loopback for the fetcher tests (``http.server`` in a thread): it
serves the recorded, constructed provider answers of ``tests/data/fetch`` and can be told to
fail (a status, headers, a body) on the next requests that match a path, to test retries,
token expiry and resumption. Every request is recorded (method, path, query, headers, form).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

DATA = Path(__file__).parent / "data" / "fetch"


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    form: dict[str, str]


@dataclass
class Answer:
    """A status, a body (JSON unless text or bytes), headers; ``drip`` seconds between the
    body's ``chunks`` parts (a slow server); ``length=False`` sends no Content-Length (the body
    ends when the connection closes)."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    drip: float = 0.0
    chunks: int = 1
    length: bool = True


Route = Callable[[Seen], Answer]


@dataclass
class _Fault:
    path: str
    answer: Answer
    times: int
    query: dict[str, str]


class FakeProvider:
    """Routes by path prefix; faults first (each used ``times`` times)."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, str, Route]] = []
        self.faults: list[_Fault] = []
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        assert isinstance(host, str)  # an AF_INET server's address: text, not bytes
        return f"http://{host}:{port}"

    def route(self, method: str, prefix: str, fn: Route) -> None:
        self.routes.append((method, prefix, fn))

    def fail(
        self,
        path: str,
        status: int,
        *,
        times: int = 1,
        body: Any = None,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
    ) -> None:
        """The next ``times`` requests whose path starts with ``path`` (and whose query has
        the items of ``query``) get ``status``."""
        self.faults.append(_Fault(path, Answer(status, body, headers or {}), times, query or {}))

    def requests_to(self, prefix: str) -> list[Seen]:
        return [s for s in self.seen if s.path.startswith(prefix)]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def _answer(self, seen: Seen) -> Answer:
        with self.lock:
            self.seen.append(seen)
            for f in self.faults:
                if (
                    f.times > 0
                    and seen.path.startswith(f.path)
                    and all(seen.query.get(k) == v for k, v in f.query.items())
                ):
                    f.times -= 1
                    return f.answer
        for method, prefix, fn in self.routes:
            if method == seen.method and seen.path.startswith(prefix):
                return fn(seen)
        return Answer(404, {"message": "no such resource"})

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n).decode("utf-8") if n else ""
                form = {k: v[-1] for k, v in parse_qs(raw).items()}
                seen = Seen(
                    self.command,
                    parts.path,
                    query,
                    {k.lower(): v for k, v in self.headers.items()},
                    form,
                )
                a = provider._answer(seen)
                if a.body is None:
                    body = b""
                elif isinstance(a.body, bytes):
                    body = a.body
                elif isinstance(a.body, str):
                    body = a.body.encode()
                else:
                    body = json.dumps(a.body).encode()
                self.send_response(a.status)
                if "Content-Type" not in a.headers:
                    self.send_header("Content-Type", "application/json")
                if a.length:
                    self.send_header("Content-Length", str(len(body)))
                else:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                for k, v in a.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                step = max(1, -(-len(body) // a.chunks))
                for i in range(0, len(body), step):
                    if i and a.drip:
                        time.sleep(a.drip)
                    self.wfile.write(body[i : i + step])
                    self.wfile.flush()

            do_GET = _serve
            do_POST = _serve

        return Handler


def load(name: str) -> Any:
    """A recorded answer of ``tests/data/fetch``."""
    return json.loads((DATA / name).read_text(encoding="utf-8"))
