"""Scheduled digests through the one `Delivery`: due chats built together, each claimed in the
delivery log right before its attempt, archived and recorded once sent.

A minute's due chats are planned on the store's thread in a few set-based reads per slice
(`bot.digest.plan_chats`), their window is loaded once and grouped once off it (`StoryPool`),
and each chat's digest is cut (`bot.digest.for_chats`) and queued as soon as it is cut, in
small slices, so the first goes out within seconds while the rest are still being built, and
the store's thread stays free for claims and commands. Claims, and the archive and log rows of
digests sent, are asked for one digest at a time and done in batches (`bot.batches`): what
arrives while the store is busy goes in its next call, one round trip for the lot.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial

from bot.batches import Batches
from bot.delivery import Delivery, Outgoing
from bot.digest import ChatDigest, DigestPlan, StoryPool, for_chats, plan_chats, window_of
from bot.records import ArchivedDigest, Reply
from bot.send_policy import Outcome
from bot.store import Storage
from bot.store.deliveries import DeliveryEnd, DeliveryRow

log = logging.getLogger(__name__)
# The delivery log's key with the chat: a date for a day's first digest time, `date Thh:mm`
# for a later one (`bot.schedule.digest_key`).
DigestKey = date | str
# Chats planned per turn of the store's thread, and cut per turn of a worker thread: small
# enough that claims and commands wait milliseconds, large enough that the turns cost nothing.
PLAN_SLICE = 500
CUT_SLICE = 50
# Missed digests logged one line each, up to this many a tick; the rest in one line.
MISSED_LINES = 50


@dataclass(frozen=True, slots=True)
class Due:
    """A digest to act on: send it (on time or late) or log it as missed."""

    chat: str
    date: date
    scheduled: datetime
    action: str  # "send" | "late" | "missed"
    # The delivery log's key (`bot.schedule.digest_key`); None: the date.
    key: DigestKey | None = None

    @property
    def log_key(self) -> DigestKey:
        """What the delivery log keeps this digest under, with the chat."""
        return self.date if self.key is None else self.key


@dataclass(frozen=True, slots=True)
class Ended:
    """A claimed digest's end: the log's row and, when sent, the digest as the archive keeps it."""

    end: DeliveryEnd
    kept: ArchivedDigest | None = None
    # When a sent digest was built: its window's end, where the chat's next digest starts.
    built: datetime | None = None


def build_due(
    pool: StoryPool, plans: dict[str, DigestPlan], dues: Sequence[Due], now: datetime
) -> list[ChatDigest]:
    """The digests of these due chats, cut from the pool, with the late note where late."""
    late = {d.chat: d.scheduled for d in dues if d.action == "late"}
    return list(for_chats(pool, {d.chat: plans[d.chat] for d in dues}, now, late=late))


class DigestSender:
    """Sends due digests once each: claimed right before the first attempt, archived and
    logged as sent after it; a restart finds what was never tried still due."""

    def __init__(
        self, store: Storage, queue: Delivery, *, clock: Callable[[], datetime], default_zone: str
    ) -> None:
        self.store = store
        self.queue = queue
        self.clock = clock
        self.default_zone = default_zone
        # Digests queued in this process and not yet ended: (chat, delivery log key).
        self.in_flight: set[tuple[str, DigestKey]] = set()
        self.claims: Batches[DeliveryRow, bool] = Batches(store.run, self._claim_all)
        self.ends: Batches[Ended, None] = Batches(store.run, self._end_all)

    async def send(self, dues: Sequence[Due], now: datetime) -> None:
        """Log the missed ones; build the rest together and queue each as it is cut."""
        await self._log_missed([d for d in dues if d.action == "missed"], now)
        sending = [d for d in dues if d.action != "missed"]
        if sending:
            await self._build_and_queue(sending, now)

    async def _build_and_queue(self, sending: Sequence[Due], now: datetime) -> None:
        """Plan (set-based, a slice per store turn), load and group the window once, then cut
        and queue slice by slice."""
        plans: dict[str, DigestPlan] = {}
        for i in range(0, len(sending), PLAN_SLICE):
            chats = [d.chat for d in sending[i : i + PLAN_SLICE]]
            plan = partial(plan_chats, self.store, chats, now, default_zone=self.default_zone)
            plans |= await self.store.run(plan)
        since, until = window_of(plans.values(), now)
        articles = await self.store.run(partial(self.store.articles.articles_since, since, until))
        # Grouping and cutting run off the store's thread: claims and commands go on meanwhile.
        pool = await asyncio.to_thread(StoryPool.of, articles)
        for i in range(0, len(sending), CUT_SLICE):
            part = sending[i : i + CUT_SLICE]
            built = await asyncio.to_thread(build_due, pool, plans, part, now)
            empty = [due for due, digest in zip(part, built, strict=True) if not digest.wanted]
            if empty:
                await self.store.run(partial(self._log_all, empty, "empty", now))
            for due, digest in zip(part, built, strict=True):
                if digest.wanted:
                    await self._queue(due, digest, now)

    async def _log_missed(self, missed: Sequence[Due], now: datetime) -> None:
        """Log missed digests: a line each (up to MISSED_LINES), a row each in the delivery log."""
        for due in missed[:MISSED_LINES]:
            log.warning(
                "event=digest_missed chat=%s date=%s due=%s now=%s",
                due.chat,
                due.date,
                due.scheduled.isoformat(),
                now.isoformat(),
            )
        if len(missed) > MISSED_LINES:
            # After a long stop with many chats: one line for the rest (the log has each).
            log.warning("event=digests_missed count=%d now=%s", len(missed), now.isoformat())
        for i in range(0, len(missed), PLAN_SLICE):
            await self.store.run(partial(self._log_all, missed[i : i + PLAN_SLICE], "missed", now))

    async def _queue(self, due: Due, digest: ChatDigest, now: datetime) -> None:
        self.in_flight.add((due.chat, due.log_key))
        self.queue.put(
            Outgoing(
                due.chat,
                digest.reply,
                f"digest:{due.log_key}",
                on_sent=self._on_sent(due, digest.reply, now),
                on_failed=self._on_failed(due),
                claim=self._claim(due),
                release=self._release(due),
            )
        )

    def _claim(self, due: Due) -> Callable[[], Awaitable[bool]]:
        async def claim() -> bool:
            claim = DeliveryRow(due.chat, due.log_key, "sending", due.scheduled)
            if await self.claims.ask(claim):
                return True
            self.in_flight.discard((due.chat, due.log_key))
            return False

        return claim

    def _release(self, due: Due) -> Callable[[], Awaitable[None]]:
        async def release() -> None:
            # Still queued here (claimed again before its next try): it stays in flight, so a
            # tick meanwhile neither queues it twice nor moves the chat's next digest time on.
            await self.store.run(
                partial(self.store.deliveries.release_delivery, due.chat, due.log_key)
            )

        return release

    def _claim_all(self, claims: Sequence[DeliveryRow]) -> list[bool]:
        """Claim a batch in the delivery log (store thread): whether each one is now ours."""
        taken = self.store.deliveries.record_deliveries(claims, at=self.clock())
        return [(c.chat, _text(c.key)) in taken for c in claims]

    def _end_all(self, ended: Sequence[Ended]) -> list[None]:
        """Archive the sent ones and log how each ended, in one transaction (store thread)."""
        with self.store.transaction():
            # Kept as sent (late note and all) for /archive, with the log saying "sent".
            kept = [(e.end.chat, e.kept) for e in ended if e.kept is not None]
            if kept:
                self.store.archive.archive_digests(kept)
            # A sent digest is logged at the time it was built, not when its send ended: what
            # was stored while it was on its way (a burst at Telegram's pace, a 429) was not in
            # it, and comes in the chat's next digest, which starts there.
            now = self.clock()
            by_time: dict[datetime, list[DeliveryEnd]] = {}
            for e in ended:
                by_time.setdefault(e.built or now, []).append(e.end)
            for at, ends in by_time.items():
                self.store.deliveries.finish_deliveries(ends, at=at)
        return [None] * len(ended)

    def _log_all(self, dues: Sequence[Due], status: str, now: datetime) -> None:
        """Log digests that are not sent (missed, empty) in the delivery log, once each, together
        (store thread)."""
        rows = [
            DeliveryRow(
                due.chat,
                due.log_key,
                status,
                due.scheduled,
                f"missed by {now - due.scheduled}" if status == "missed" else "",
            )
            for due in dues
        ]
        self.store.deliveries.record_deliveries(rows, at=now)

    async def _finish(
        self,
        due: Due,
        status: str,
        note: str,
        kept: Reply | None = None,
        built: datetime | None = None,
    ) -> None:
        """Record how a claimed digest delivery ended (and keep a sent one for /archive)."""
        archived = None if kept is None else ArchivedDigest(due.date, self.clock(), kept)
        end = DeliveryEnd(due.chat, due.log_key, status, note)
        try:
            await self.ends.ask(Ended(end, archived, built))
        finally:
            # Ended either way: a row left `sending` (the store refused the end) keeps the
            # claim, so the digest is never sent twice, and the chat's next ones still go.
            self.in_flight.discard((due.chat, due.log_key))

    def _on_sent(self, due: Due, reply: Reply, built: datetime) -> Callable[[], Awaitable[None]]:
        async def done() -> None:
            now = self.clock()
            note = f"late by {now - due.scheduled}" if due.action == "late" else ""
            await self._finish(due, "sent", note, reply, built)

        return done

    def _on_failed(self, due: Due) -> Callable[[Outcome], Awaitable[None]]:
        async def failed(outcome: Outcome) -> None:
            # The outcome's status is what the log stores: gone or failed.
            await self._finish(due, outcome.status.value, outcome.reason)

        return failed


def _text(key: DigestKey) -> str:
    """A delivery log key as the log stores it."""
    return key if isinstance(key, str) else key.isoformat()


def on_digest_shown(
    store: Storage,
    chat: str,
    day: date,
    reply: Reply,
    built: datetime,
    clock: Callable[[], datetime],
) -> Callable[[], Awaitable[None]]:
    """What happens once a digest that rides on a command's reply (`/subscribe … jetzt`) is
    sent: archived as sent, and the chat's next digest starts where this one was built."""

    async def done() -> None:
        await store.run(partial(store.archive.archive_digest, chat, day, reply, clock()))
        await store.run(partial(store.deliveries.digest_shown, chat, built))

    return done
