"""How ``ceasefire serve`` runs uvicorn: the HTTP protocol its connections use.

With several workers (``--workers N``) uvicorn binds the listening socket itself, without naming
the protocol (``proto`` 0), and asyncio then leaves Nagle's algorithm on for every accepted
connection (it disables it only for sockets that say ``IPPROTO_TCP``). A response written in two
parts (headers, then body) on a kept-alive connection then waits for the client's delayed ACK:
about 40 ms a request, measured by ``bench/api.py`` (``GET /api/me``: 3 ms with one worker, 44-48
ms with two). :class:`NoDelayH11Protocol` turns Nagle off on each connection, as one worker
already has it.
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["NoDelayH11Protocol"]


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with ``TCP_NODELAY`` set on each TCP connection."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
