"""Composition root: the store, the command core and the transports, run until SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from bot.commands import Context, handle
from bot.config import Config
from bot.records import Reply
from bot.store import Store
from bot.transports.base import Incoming, OnMessage, Transport

log = logging.getLogger(__name__)


def make_handler(config: Config, store: Store, clock: Callable[[], datetime]) -> OnMessage:
    """The one message handler every transport calls: the command core on the store's thread."""

    async def on_message(message: Incoming) -> Reply | None:
        ctx = Context(
            chat=message.chat,
            now=clock(),
            user=message.user,
            is_admin=message.user in config.admins,
        )
        try:
            return await store.run(lambda: handle(message.text, ctx, store))
        except Exception:
            log.exception("event=command_failed chat=%s", message.chat)
            return Reply.text(
                "Da ist etwas schiefgegangen. Bitte versuch es gleich noch einmal.", ok=False
            )

    return on_message


def utc_now() -> datetime:
    """The wall clock, timezone-aware."""
    return datetime.now(UTC)


async def serve(
    config: Config,
    store: Store,
    transports: Sequence[Transport],
    *,
    until: asyncio.Event | None = None,
) -> None:
    """Run the transports until SIGTERM/SIGINT (or `until` is set), then stop them cleanly."""
    stop = until or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    on_message = make_handler(config, store, utc_now)
    started: list[Transport] = []
    try:
        for transport in transports:
            await transport.start(on_message)
            started.append(transport)
            log.info("event=transport_started name=%s", transport.name)
        await stop.wait()
    finally:
        for transport in reversed(started):
            await transport.stop()
            log.info("event=transport_stopped name=%s", transport.name)
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
