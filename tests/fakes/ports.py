"""A free TCP port on 127.0.0.1, for the local servers and the ports nothing listens on; an
aiohttp app served on one."""

from __future__ import annotations

import socket

from aiohttp import web


def free_port() -> int:
    """A port on 127.0.0.1 that was free a moment ago (bound and released at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def serve_on_loopback(
    app: web.Application, shutdown_timeout: float = 60.0
) -> tuple[web.AppRunner, int]:
    """Serve `app` on 127.0.0.1 on a port the system picks; its runner (to clean up) and port.
    `shutdown_timeout`: how long a cleanup lets requests under way finish (aiohttp's default;
    0 drops them and every connection at once, as a network that goes)."""
    runner = web.AppRunner(app, shutdown_timeout=shutdown_timeout)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, int(runner.addresses[0][1])
