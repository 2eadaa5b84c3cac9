"""What one `newsbot run` process does (`--roles receive,schedule,poll,deliver`), and the
singleton roles it takes over from a process that died.

`poll` is safe in any number of processes (feeds are leased per poll). `deliver` (digests and
the push outbox: one sender, so one platform budget per bot token), `schedule` (summaries,
archive pruning) and the long-polling receiver of each bot token are singletons: a process
holds each by a lock (`bot.store.locks`), and the others try again every few seconds, so one
of them takes the role over once its holder is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI parses roles without loading the store
    from bot.store import RoleLock

log = logging.getLogger(__name__)
ROLES = ("receive", "schedule", "poll", "deliver")
ALL_ROLES = frozenset(ROLES)
# How often a process without a singleton role tries to take it (and a holder checks it still
# has it): a dead holder's role is taken over within this much (plus the server's notice).
ROLE_CHECK_SECONDS = 10


def parse_roles(text: str) -> frozenset[str]:
    """`receive,poll` → the roles; ValueError naming an unknown one and the right form."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in ALL_ROLES]
    if unknown or not names:
        raise ValueError(
            f"unknown role {', '.join(unknown) or '(none)'}: expected a comma-separated list of"
            f" {', '.join(ROLES)}"
        )
    return frozenset(names)


@dataclass
class Singleton:
    """A role one process plays at a time: its lock, and what taking and losing it do."""

    lock: RoleLock
    take: Callable[[], Awaitable[None]]
    drop: Callable[[], Awaitable[None]]
    held: bool = False

    async def try_take(self) -> bool:
        """Take the role if its lock is free (then run `take`); True when held now."""
        if self.held:
            return True
        if await asyncio.to_thread(self.lock.acquire):
            self.held = True
            log.info("event=role_taken role=%s", self.lock.name)
            try:
                await self.take()
            except Exception:
                log.exception("event=role_take_failed role=%s", self.lock.name)
        return self.held

    async def check(self) -> None:
        """Still held? When the lock's connection broke (a PostgreSQL restart ends every
        session), take it again at once if it is free; drop the role only when another
        process has it, or the server cannot be reached."""
        if not self.held or await asyncio.to_thread(self.lock.alive):
            return
        if await asyncio.to_thread(self.lock.acquire):
            log.warning("event=role_retaken role=%s", self.lock.name)
            return
        self.held = False
        log.warning("event=role_lost role=%s", self.lock.name)
        await self.drop()


async def keep_roles(singletons: Iterable[Singleton], every: float, stop: asyncio.Event) -> None:
    """Until `stop`: every `every` seconds, check the roles held and try to take the others."""
    roles = list(singletons)
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(every):
                await stop.wait()
        if stop.is_set():
            return
        for role in roles:
            try:
                if role.held:
                    await role.check()
                else:
                    await role.try_take()
            except Exception:  # a broken lock connection must not end the process
                log.exception("event=role_check_failed role=%s", role.lock.name)


def release_all(singletons: Iterable[Singleton]) -> None:
    """Hand every role on at once (the process stops; its work has ended)."""
    for role in singletons:
        role.lock.release()
        if role.held:
            log.info("event=role_released role=%s", role.lock.name)
        role.held = False
