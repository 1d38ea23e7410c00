"""Real receivers for the alert tests, on loopback: a webhook receiver (``http.server`` in a
thread) and an SMTP server (aiosmtpd in a thread), and the constructed evidence the tests
judge (constructed, not real: an ACLED-format row of shelling in Ariha)."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

#: ACLED's columns (the 2023 export format of tests/data/sources/acled_bad_rows.csv).
ACLED_HEADER = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,"
    "actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,"
    "iso,region,country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,"
    "source_scale,notes,fatalities,tags,timestamp"
)


def acled_row(event_id: str, day: str, deaths: int, lat: float, lon: float, place: str) -> str:
    """One CONSTRUCTED ACLED row: Syrian government shelling at a place, with deaths."""
    return (
        f"{event_id},{day},2020,1,Political violence,Explosions/Remote violence,"
        "Shelling/artillery/missile attack,Military Forces of Syria (2000-),,1,"
        "Civilians (Syria),,7,17,Civilian targeting,760,Middle East,Syria,Idleb,Ariha,,"
        f'{place},{lat},{lon},1,Constructed,National,"Constructed test row, not a real '
        f'event: shelling of {place}.",{deaths},,1584316800'
    )


def write_acled(path: Path, *rows: str) -> Path:
    """A CONSTRUCTED ACLED file of ``rows``."""
    path.write_text("\n".join([ACLED_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def free_port() -> int:
    """A loopback port nothing listens on (for a server started later, or never)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Receiver:
    """A webhook receiver: answers ``fail`` requests with 500, then 200; waits ``delay_s``
    before each answer; keeps every request (headers, body, JSON)."""

    def __init__(self, *, fail: int = 0, delay_s: float = 0.0) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail = fail
        self.delay_s = delay_s
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                time.sleep(outer.delay_s)
                with lock:
                    outer.requests.append(
                        {
                            "headers": {k.lower(): v for k, v in self.headers.items()},
                            "body": body,
                            "json": json.loads(body),
                        }
                    )
                    failing = outer.fail > 0
                    outer.fail -= failing
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def subjects(self) -> list[str]:
        return [r["json"]["subject"] for r in self.requests]

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class Mailbox:
    """An aiosmtpd handler keeping every message it is given."""

    def __init__(self, *, login_required: bool = False) -> None:
        self.messages: list[dict[str, Any]] = []
        self.login_required = login_required

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.login_required and not session.authenticated:
            return "530 5.7.0 Authentication required"
        self.messages.append(
            {
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "data": envelope.content.decode("utf-8", "replace"),
            }
        )
        return "250 Message accepted"


class SmtpServer:
    """A real SMTP server (aiosmtpd) on ``127.0.0.1:port``; with ``login`` (user, password)
    it refuses mail from a client that did not log in with them."""

    def __init__(self, port: int | None = None, *, login: tuple[str, str] | None = None) -> None:
        self.port = port or free_port()
        self.mailbox = Mailbox(login_required=login is not None)
        kwargs: dict[str, Any] = {}
        if login is not None:
            user, password = login

            def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
                ok = (
                    isinstance(data, LoginPassword)
                    and data.login == user.encode()
                    and data.password == password.encode()
                )
                return AuthResult(success=ok, handled=False)  # a refusal answers 535

            # AUTH offered without TLS (loopback); the mailbox refuses mail sent without it
            kwargs = {"authenticator": check, "auth_require_tls": False}
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port, **kwargs)

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.mailbox.messages

    def env(self) -> dict[str, str]:
        """The settings a ceasefire process needs to send here (no TLS: loopback only)."""
        return {
            "CEASEFIRE_SMTP_HOST": "127.0.0.1",
            "CEASEFIRE_SMTP_PORT": str(self.port),
            "CEASEFIRE_SMTP_SECURITY": "none",
            "CEASEFIRE_SMTP_FROM": "ceasefire-test@example.org",
        }

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.controller.stop()
