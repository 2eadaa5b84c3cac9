"""systemd's notify protocol (a datagram to $NOTIFY_SOCKET): ready, watchdog, stopping.

With `Type=notify` and `WatchdogSec=` in the unit, systemd restarts the bot when its scheduler
stops ticking, even though the process is still there. Without $NOTIFY_SOCKET this does nothing.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Mapping


def notify(message: str, environ: Mapping[str, str] | None = None) -> bool:
    """Send one notify message (`READY=1`, `WATCHDOG=1`, `STOPPING=1`); True when sent."""
    address = (os.environ if environ is None else environ).get("NOTIFY_SOCKET", "")
    if not address or address[0] not in "/@":
        return False
    if address[0] == "@":  # an abstract socket: the name starts with a NUL byte
        address = "\0" + address[1:]
    with (
        contextlib.suppress(OSError),
        socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock,
    ):
        sock.sendto(message.encode(), address)
        return True
    return False
