"""``ceasefire serve``'s HTTP protocol: Nagle's algorithm off on every accepted connection.

With ``--workers N`` uvicorn binds the socket itself with protocol 0, and asyncio leaves Nagle on
for such sockets, so a kept-alive response written in two parts waits for the client's delayed
ACK (about 40 ms a request; ``web/serving.py``). Checked on a real loopback socket bound as
uvicorn binds it, beside uvicorn's own protocol on the same socket kind (which shows the delay's
cause is real here, not assumed).
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from ceasefire.web.serving import NoDelayH11Protocol


async def _nodelay_of_accepted(protocol: type[H11Protocol]) -> int:
    async def app(scope: object, receive: object, send: object) -> None:  # never called
        raise AssertionError

    config = Config(app, lifespan="off")
    config.load()
    made: list[H11Protocol] = []

    def factory() -> H11Protocol:
        made.append(protocol(config=config, server_state=ServerState(), app_state={}))
        return made[-1]

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # proto 0, as uvicorn binds it
    sock.bind(("127.0.0.1", 0))
    loop = asyncio.get_running_loop()
    server = await loop.create_server(factory, sock=sock)
    try:
        _, writer = await asyncio.open_connection(*sock.getsockname())
        for _ in range(100):
            if made and made[0].transport is not None:
                break
            await asyncio.sleep(0.01)
        accepted = made[0].transport.get_extra_info("socket")
        value = int(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()
        return value
    finally:
        server.close()
        await server.wait_closed()


def test_every_accepted_connection_has_nagle_off() -> None:
    assert asyncio.run(_nodelay_of_accepted(NoDelayH11Protocol)) != 0


def test_uvicorns_own_protocol_leaves_it_on_for_such_a_socket() -> None:
    """The cause, on this machine: without the subclass the option stays off."""
    assert asyncio.run(_nodelay_of_accepted(H11Protocol)) == 0
