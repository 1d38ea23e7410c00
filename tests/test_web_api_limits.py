"""Request bodies over the limit: 413 before anything reads them (the middleware in
``ceasefire.web.limits``), whether the client says the length or streams the body."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.types import Message
from web_api_store import build

from ceasefire.store import workspace
from ceasefire.web import create_app
from ceasefire.web.limits import MAX_BODY, BodyLimit


@pytest.fixture(scope="module")
def app(new_store: Callable[..., str]) -> Iterator[Any]:
    app = create_app(build(new_store("limits")))  # SQLite, then PostgreSQL
    yield app
    app.state.store.close()


def _run(
    middleware: BodyLimit, headers: list[tuple[bytes, bytes]], chunks: list[bytes], path: str = "/"
) -> tuple[list[Message], int]:
    """Call the middleware as a server would; the messages sent and how many chunks were read."""
    sent: list[Message] = []
    pulled = 0

    async def receive() -> Message:
        nonlocal pulled
        pulled += 1
        i = pulled - 1
        if i >= len(chunks):
            return {"type": "http.disconnect"}
        return {"type": "http.request", "body": chunks[i], "more_body": i < len(chunks) - 1}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "headers": headers}
    asyncio.run(middleware(scope, receive, send))
    return sent, pulled


async def _echo_length(scope: Any, receive: Any, send: Any) -> None:
    """An app that reads the whole body and answers 200 with its length."""
    size, more = 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise RuntimeError("the client went away")
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(size).encode()})


def test_a_declared_length_over_the_limit_is_413_without_reading_the_body() -> None:
    mw = BodyLimit(_echo_length, max_body=1000)
    sent, pulled = _run(mw, [(b"content-length", b"150000000")], [b"x" * 1000] * 3)
    assert sent[0]["status"] == 413 and pulled == 0
    assert b'"code": "too_large"' in sent[1]["body"]


def test_a_streamed_body_is_cut_off_at_the_limit() -> None:
    mw = BodyLimit(_echo_length, max_body=1000)
    sent, pulled = _run(mw, [], [b"x" * 300] * 100)  # no Content-Length: chunked
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [413]
    assert pulled == 4  # 1,200 bytes read, not 30,000
    sent, _ = _run(mw, [], [b"x" * 250] * 4)  # exactly the limit is fine
    assert sent[0]["status"] == 200 and sent[1]["body"] == b"1000"


def test_a_route_may_have_a_larger_limit() -> None:
    mw = BodyLimit(_echo_length, max_body=1000, larger={"/big": 5000})
    big = [(b"content-length", b"4000")]
    assert _run(mw, big, [b"x" * 4000], path="/big")[0][0]["status"] == 200
    assert _run(mw, big, [b"x" * 4000], path="/small")[0][0]["status"] == 413


def test_an_anonymous_huge_report_is_413_not_401(app: Any) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    body = b"x" * (MAX_BODY + 1)
    r = c.post("/api/reports", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert r.json()["error"] == {
        "status": 413,
        "code": "too_large",
        "message": f"the body is larger than {MAX_BODY:,} bytes",
    }
    assert r.headers["x-content-type-options"] == "nosniff"  # the usual headers too

    def streamed() -> Iterator[bytes]:
        for _ in range(MAX_BODY // 100_000 + 2):
            yield b"x" * 100_000

    r = c.post("/api/reports", content=streamed(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"


def test_uploads_share_the_limit_and_smaller_bodies_pass(app: Any) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    admin = workspace.user_by_name(app.state.store.engine, "admin")
    assert admin is not None
    h = {"Authorization": "Bearer " + workspace.create_token(app.state.store.engine, admin)}
    r = c.post("/api/agreements", content=b"#" * (MAX_BODY + 1), headers=h)
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    r = c.post(
        "/api/zones",
        content=b"{" + b" " * 1000 + b"}",
        headers={**h, "Content-Type": "application/json"},
    )
    assert r.status_code == 422  # read and judged: not a Feature


def test_the_limit_is_one_setting() -> None:
    from ceasefire.web import api

    assert api.MAX_BODY == MAX_BODY == 2_000_000
    assert Path(api.__file__).read_text(encoding="utf-8").count("2_000_000") == 0


def test_a_nul_character_is_refused_on_both_stores(app: Any) -> None:
    """PostgreSQL keeps no NUL in text (SQLite does): a NUL in the path, the query or a JSON
    body's text is a 422 on both stores, never a 500 on one of them (issue 11)."""
    from web_api_store import bearer

    c = TestClient(app, raise_server_exceptions=False)
    for url in ("/api/verdicts?actor=a%00b", "/api/events/test%003", "/api/findings?party=%00"):
        r = c.get(url)
        assert r.status_code == 422, (url, r.text)
        assert "NUL" in r.json()["error"]["message"]
    report = {
        "observed_at": "2020-03-07T10:00:00+03:00",
        "latitude": 35.8,
        "longitude": 36.6,
        "observation": "heard",
        "event_type": "Battles",
        "text": "shots \u0000 heard",
    }
    r = c.post("/api/reports", json=report, headers=bearer(app, "monitor"))
    assert r.status_code == 422 and "NUL" in r.json()["error"]["message"], r.text
    r = c.post("/login", data={"username": "a\x00b", "password": "x" * 10}, follow_redirects=False)
    assert r.status_code < 500, r.text
