"""One paced send queue for every chat (asyncio): platform rate limits, retries, backoff.

The pacing arithmetic (`Pacer`) is pure, so the bench can simulate 10,000 sends without sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from bot.errors import ChatGone
from bot.logs import redact
from bot.records import Reply
from bot.transports.base import Transport

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Limits:
    """A platform's send limits: overall rate, gap per chat, and a cap per group and minute."""

    per_second: float
    chat_gap: float
    group_per_minute: int | None = None


LIMITS: dict[str, Limits] = {
    # Telegram Bot API FAQ: about 30 messages per second overall, 1 per second to one chat,
    # 20 per minute to one group.
    "telegram": Limits(per_second=30.0, chat_gap=1.0, group_per_minute=20),
    # Synapse's default rc_message allows bursts of 10 then 0.2/s per sender; bot accounts are
    # usually exempted, so pace gently and rely on M_LIMIT_EXCEEDED's retry_after_ms.
    "matrix": Limits(per_second=5.0, chat_gap=1.0),
    "console": Limits(per_second=1000.0, chat_gap=0.0),
}
RETRIES = 5
BACKOFF = 2.0
MAX_BACKOFF = 300.0
MAX_IN_FLIGHT = 32


def platform_of(chat: str) -> str:
    """The platform prefix of a chat key: `telegram:-100…` → telegram."""
    return chat.partition(":")[0]


def is_group(chat: str) -> bool:
    """Telegram groups and channels have negative chat ids."""
    return chat.startswith("telegram:-")


class Pacer:
    """When the next message may go out on one platform (pure arithmetic on a clock value)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._next = 0.0
        self._chat_next: dict[str, float] = {}
        self._group_sent: dict[str, deque[float]] = defaultdict(deque)

    def earliest(self, chat: str, now: float) -> float:
        """The first moment ≥ now at which a send to `chat` keeps every limit."""
        at = max(now, self._next, self._chat_next.get(chat, 0.0))
        cap = self.limits.group_per_minute
        if cap and is_group(chat):
            sent = self._group_sent[chat]
            while sent and sent[0] <= at - 60.0:
                sent.popleft()
            if len(sent) >= cap:
                at = max(at, sent[0] + 60.0)
        return at

    def take(self, chat: str, at: float) -> None:
        """Record a send at `at`."""
        self._next = at + 1.0 / self.limits.per_second
        self._chat_next[chat] = at + self.limits.chat_gap
        if self.limits.group_per_minute and is_group(chat):
            self._group_sent[chat].append(at)

    def hold(self, chat: str, until: float) -> None:
        """Send nothing to `chat` before `until` (the platform's retry_after)."""
        self._chat_next[chat] = max(self._chat_next.get(chat, 0.0), until)


def retry_after(exc: BaseException) -> float | None:
    """Seconds the platform asked us to wait: `RateLimited`, PTB's RetryAfter, nio's ms field."""
    value = getattr(exc, "retry_after", None)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, int | float):
        return float(value)
    ms = getattr(exc, "retry_after_ms", None)
    return float(ms) / 1000.0 if isinstance(ms, int | float) else None


OnSent = Callable[[], Awaitable[None]]
OnFailed = Callable[[str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message for one chat and what to do once it is sent or given up."""

    chat: str
    reply: Reply
    label: str
    on_sent: OnSent | None = None
    on_failed: OnFailed | None = None


@dataclass(slots=True)
class _Attempt:
    item: Outgoing
    tries: int = 0
    ready: float = 0.0
    seq: int = field(default=0)


class DeliveryQueue:
    """Sends queued messages chat by chat, paced per platform; one slow chat never blocks another.

    A failed send is retried with exponential backoff (or after the platform's retry_after);
    after `retries` failures it is logged and handed to `on_failed`. `ChatGone` drops the chat's
    messages and calls `on_gone`.
    """

    def __init__(
        self,
        transports: Mapping[str, Transport],
        *,
        limits: Mapping[str, Limits] = LIMITS,
        retries: int = RETRIES,
        backoff: float = BACKOFF,
        on_gone: Callable[[str], Awaitable[None]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.transports = dict(transports)
        self.pacers = {name: Pacer(limits.get(name, LIMITS["matrix"])) for name in transports}
        self.retries = retries
        self.backoff = backoff
        self.on_gone = on_gone
        self.clock = clock
        self._chats: dict[str, deque[_Attempt]] = defaultdict(deque)
        self._ready: list[tuple[float, int, str]] = []
        self._busy: set[str] = set()
        self._seq = itertools.count()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._worker: asyncio.Task[None] | None = None
        self._slots = asyncio.Semaphore(MAX_IN_FLIGHT)
        self.sent = 0
        self.failed = 0

    def put(self, item: Outgoing) -> None:
        """Queue a message; it goes out after the chat's earlier ones."""
        if platform_of(item.chat) not in self.transports:
            log.error("event=delivery_no_transport chat=%s label=%s", item.chat, item.label)
            return
        queue = self._chats[item.chat]
        queue.append(_Attempt(item))
        if len(queue) == 1 and item.chat not in self._busy:
            self._push(item.chat, self.clock())
        self._idle.clear()
        self._wake.set()

    def pending(self) -> int:
        """Messages not yet sent or given up."""
        return sum(len(q) for q in self._chats.values())

    def _push(self, chat: str, at: float) -> None:
        heapq.heappush(self._ready, (at, next(self._seq), chat))

    async def start(self) -> None:
        """Start the worker in the running loop."""
        if self._worker is None:
            self._worker = asyncio.create_task(self._run())

    async def join(self) -> None:
        """Wait until every queued message is sent or given up."""
        await self._idle.wait()

    async def stop(self) -> None:
        """Stop the worker; sends in flight finish, queued ones stay unsent (and unlogged)."""
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
            self._worker = None
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            if not self._ready:
                if not self._busy and not self.pending():
                    self._idle.set()
                self._wake.clear()
                await self._wake.wait()
                continue
            at, _, chat = self._ready[0]
            now = self.clock()
            if at > now:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=at - now)
                continue
            heapq.heappop(self._ready)
            pacer = self.pacers[platform_of(chat)]
            slot = pacer.earliest(chat, now)
            if slot > now:
                self._push(chat, slot)
                continue
            pacer.take(chat, now)
            self._busy.add(chat)
            await self._slots.acquire()
            task = asyncio.create_task(self._send(chat, self._chats[chat][0]))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _send(self, chat: str, attempt: _Attempt) -> None:
        item = attempt.item
        transport = self.transports[platform_of(chat)]
        try:
            await transport.send(chat, item.reply)
        except ChatGone:
            log.warning("event=chat_gone chat=%s label=%s", chat, item.label)
            dropped = list(self._chats.pop(chat, ()))
            for other in dropped:
                await self._callback(other.item.on_failed, "gone")
            self.failed += len(dropped)
            if self.on_gone is not None:
                await self.on_gone(chat)
            self._done(chat)
            return
        except Exception as exc:
            attempt.tries += 1
            wait = retry_after(exc)
            if attempt.tries > self.retries:
                log.error(
                    "event=delivery_failed chat=%s label=%s tries=%d error=%r",
                    chat,
                    item.label,
                    attempt.tries,
                    str(exc) or type(exc).__name__,
                )
                self._chats[chat].popleft()
                self.failed += 1
                # Stored as the failure note: an error page may echo the token in the URL.
                note = redact(f"{type(exc).__name__}: {exc}")[:200]
                await self._callback(item.on_failed, note)
                self._done(chat)
                return
            delay = (
                wait
                if wait is not None
                else min(MAX_BACKOFF, self.backoff * 2 ** (attempt.tries - 1))
            )
            log.warning(
                "event=delivery_retry chat=%s label=%s try=%d delay=%.1f error=%r",
                chat,
                item.label,
                attempt.tries,
                delay,
                str(exc) or type(exc).__name__,
            )
            self.pacers[platform_of(chat)].hold(chat, self.clock() + delay)
            self._done(chat, at=self.clock() + delay)
            return
        self._chats[chat].popleft()
        self.sent += 1
        log.info("event=delivered chat=%s label=%s tries=%d", chat, item.label, attempt.tries + 1)
        await self._callback(item.on_sent)
        self._done(chat)

    async def _callback(self, fn: Callable[..., Awaitable[None]] | None, *args: str) -> None:
        if fn is None:
            return
        try:
            await fn(*args)
        except Exception:
            log.exception("event=delivery_callback_failed")

    def _done(self, chat: str, at: float | None = None) -> None:
        self._busy.discard(chat)
        self._slots.release()
        queue = self._chats.get(chat)
        if queue:
            self._push(chat, self.clock() if at is None else at)
        elif chat in self._chats:
            del self._chats[chat]
        self._wake.set()


def simulate(chats: list[str], limits: Limits) -> float:
    """Seconds one paced platform needs to send one message to each chat (no network time)."""
    pacer = Pacer(limits)
    now = 0.0
    for chat in chats:
        now = pacer.earliest(chat, now)
        pacer.take(chat, now)
    return now
