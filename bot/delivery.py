"""The one outgoing path: every message to every chat is split, paced, retried and logged here.

Transports make one API call per send and raise a typed `SendError`; `decide` (pure, in
`bot.send_policy`) turns that error into an `Action`, and `Delivery` carries it out: pacing
per platform (the transport's `limits`), retry with backoff or after the platform's
`retry_after`, a finer split after `TooLarge`, plain text after refused markup, a moved chat
followed, a gone chat's subscriptions ended. Every message ends with an `Outcome`. `put`
returns at once: a command handler hands its reply over and never waits for the send. Command
replies (`urgent`) go before queued digests, so a digest burst never makes a user wait.

A digest is claimed right before its first attempt (`Outgoing.claim`), not when queued: what
was queued but never tried is still due after a restart. While it waits for a retry after a
try that surely did not go out, its claim is given back, so a process killed meanwhile leaves
it due too, not `unknown`.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field

from bot.errors import RateLimited, SendError, TooLarge
from bot.logs import redact
from bot.records import Reply
from bot.render import plain_reply
from bot.send_policy import (
    BACKOFF,
    RETRIES,
    SENT,
    SKIPPED,
    STOPPED,
    Attempt,
    Fail,
    Follow,
    Gone,
    Outcome,
    Retry,
    SendNew,
    SendPlain,
    SplitFiner,
    Status,
    Unconfirmed,
    decide,
    may_have_gone_out,
)
from bot.transports.port import Limits, Transport

log = logging.getLogger(__name__)

MAX_IN_FLIGHT = 32
# A command reply is at most this many messages; the command itself pages longer answers.
REPLY_BUDGET = 3
# Below this many characters a message is not split further.
MIN_SPLIT = 256
# Seconds of a platform's pacing a late loop may make up (see `Pacer.take`).
CATCH_UP = 0.1
# Replies whose split is remembered (a burst's distinct digests in flight, and some).
MAX_SPLITS = 256


def platform_of(chat: str) -> str:
    """The platform prefix of a chat key: `telegram:-100…` → telegram."""
    return chat.partition(":")[0]


class Pacer:
    """When the next message may go out on one platform (pure arithmetic on a clock value)."""

    def __init__(self, limits: Limits, is_group: Callable[[str], bool] = lambda chat: False):
        self.limits = limits
        self.is_group = is_group
        self._next = 0.0
        self._chat_next: dict[str, float] = {}
        self._group_sent: dict[str, deque[float]] = defaultdict(deque)

    def earliest(self, chat: str, now: float) -> float:
        """The first moment ≥ now at which a send to `chat` keeps every limit."""
        at = max(now, self._next, self._chat_next.get(chat, 0.0))
        cap = self.limits.group_per_minute
        if cap and self.is_group(chat):
            sent = self._group_sent[chat]
            while sent and sent[0] <= at - 60.0:
                sent.popleft()
            if len(sent) >= cap:
                at = max(at, sent[0] + 60.0)
        return at

    def open_at(self) -> float:
        """When the platform's overall rate lets the next message go (to any chat)."""
        return self._next

    def take(self, chat: str, at: float) -> None:
        """Record a send at `at`.

        The platform's rate is kept on a grid: a send the loop reached a little late (a busy
        machine wakes it late) does not push every later one back, up to `CATCH_UP` seconds
        are made up, so a burst takes its pacing time and any second carries at most
        (1 + CATCH_UP) times the rate."""
        step = 1.0 / self.limits.per_second
        self._next = max(self._next, at - CATCH_UP) + step
        self._chat_next[chat] = at + self.limits.chat_gap
        if self.limits.group_per_minute and self.is_group(chat):
            self._group_sent[chat].append(at)

    def hold(self, chat: str, until: float, *, rate: bool = False) -> None:
        """Send nothing to `chat` before `until` (a backoff, the platform's retry_after); after
        a refusal for the rate (`rate`) nothing to any chat when that rate is the account's."""
        if rate and self.limits.account_wide:
            self._next = max(self._next, until)
        self._chat_next[chat] = max(self._chat_next.get(chat, 0.0), until)


OnSent = Callable[[], Awaitable[None]]
# Called with the outcome of a message given up: `gone` or `failed`, with its reason.
OnFailed = Callable[[Outcome], Awaitable[None]]
Claim = Callable[[], Awaitable[bool]]
# Gives a claim back: the message was claimed but, for sure, never sent when the queue stopped.
Release = Callable[[], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message for one chat and what to do around it.

    `claim` runs right before the first attempt; False means someone else has it (skip).
    `release` gives the claim back while nothing of the message surely went out (its tries so
    far all refused by the platform, or none made): when the queue stops, so the next start
    sends it, and while it waits for its next try (claimed again before it), so a process
    killed meanwhile leaves it due. The message stays queued here after a release.
    `urgent` (command replies) goes before queued digests; `budget` caps the messages;
    `replace` edits that platform message instead of posting a new one.
    """

    chat: str
    reply: Reply
    label: str
    on_sent: OnSent | None = None
    on_failed: OnFailed | None = None
    claim: Claim | None = None
    release: Release | None = None
    urgent: bool = False
    budget: int | None = None
    replace: str | None = None


@dataclass(slots=True)
class _Job:
    item: Outgoing
    chat: str
    done: asyncio.Future[Outcome]
    parts: list[Reply] = field(default_factory=list)
    index: int = 0
    tries: int = 0
    refusals: int = 0
    moves: int = 0
    replace: str | None = None
    size: int = 0
    # The part under way is the plain-text form of what was rendered (after `SendPlain`).
    plain: bool = False
    claimed: bool = False
    started: bool = False
    # A try failed without the platform's verdict (a network error, a 5xx, a bug): the message
    # may have gone out, so its claim is never given back.
    uncertain: bool = False


class Delivery:
    """Sends queued messages chat by chat, paced per platform; one slow chat never blocks another.

    Messages to one chat go out in order, one at a time; a chat's urgent message goes before its
    queued ones, and chats with urgent messages go before the others.
    """

    def __init__(
        self,
        transports: Mapping[str, Transport],
        *,
        retries: int = RETRIES,
        backoff: float = BACKOFF,
        on_gone: Callable[[str], Awaitable[None]] | None = None,
        on_moved: Callable[[str, str], Awaitable[None]] | None = None,
        clock: Callable[[], float] = time.monotonic,
        secrets: Iterable[str] = (),
    ) -> None:
        self.transports = dict(transports)
        # Masked in every spelling before a failure reason is logged or stored as a note.
        self.secrets = tuple(secrets)
        self.pacers = {n: Pacer(t.limits, t.is_group) for n, t in self.transports.items()}
        self.retries = retries
        self.backoff = backoff
        self.on_gone = on_gone
        self.on_moved = on_moved
        self.clock = clock
        self._chats: dict[str, deque[_Job]] = defaultdict(deque)
        # Per platform, two lanes (urgent, queued) of (ready at, seq, chat, token); a stale
        # token marks an entry to skip. A platform whose overall rate is used up is not looked
        # into until it opens, so a burst's waiting chats stay put instead of each being
        # taken out and put back at every send (which cost O(chats) per message).
        self._lanes: dict[str, tuple[list[tuple[float, int, str, int]], ...]] = {
            name: ([], []) for name in self.transports
        }
        self._token: dict[str, int] = {}
        self._busy: set[str] = set()
        self._seq = itertools.count()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._worker: asyncio.Task[None] | None = None
        self._stopped = False
        self._slots = asyncio.Semaphore(MAX_IN_FLIGHT)
        # (platform, id of reply, size) → the reply (so the id stays its own) and its parts.
        self._splits: dict[tuple[str, int, int], tuple[Reply, list[Reply]]] = {}
        self.sent = 0
        self.failed = 0

    # --- queueing ----------------------------------------------------------------------------

    def put(self, item: Outgoing) -> asyncio.Future[Outcome]:
        """Queue a message and return at once; the future ends with its `Outcome`."""
        done: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        if platform_of(item.chat) not in self.transports:
            log.error("event=delivery_no_transport chat=%s label=%s", item.chat, item.label)
            done.set_result(Outcome(Status.FAILED, "no transport"))
            return done
        if self._stopped:
            log.warning("event=delivery_stopped chat=%s label=%s", item.chat, item.label)
            done.set_result(STOPPED)
            return done
        job = _Job(item, item.chat, done, replace=item.replace)
        queue = self._chats[item.chat]
        if item.urgent:
            # After the job already under way (its parts stay together), before the rest.
            at = 1 if queue and queue[0].started else 0
            while at < len(queue) and queue[at].item.urgent:
                at += 1
            queue.insert(at, job)
        else:
            queue.append(job)
        if item.chat not in self._busy:
            self._schedule(item.chat, self.clock())
        self._idle.clear()
        self._wake.set()
        return done

    async def deliver(self, item: Outgoing) -> Outcome:
        """Queue a message and wait for its outcome (for tests: the bot itself never waits)."""
        return await self.put(item)

    def pending(self) -> int:
        """Messages not yet sent or given up."""
        return sum(len(q) for q in self._chats.values())

    def _schedule(self, chat: str, at: float) -> None:
        queue = self._chats.get(chat)
        if not queue:
            return
        token = self._token.get(chat, 0) + 1
        self._token[chat] = token
        lane = self._lanes[platform_of(chat)][0 if queue[0].item.urgent else 1]
        heapq.heappush(lane, (at, next(self._seq), chat, token))

    def _next_ready(self, now: float) -> tuple[str | None, float | None]:
        """The chat to serve now (urgent lane first on each platform whose rate allows a
        message), else when the earliest entry is ready."""
        soonest: float | None = None
        for name, lanes in self._lanes.items():
            gate = self.pacers[name].open_at()
            for lane in lanes:
                while lane and self._token.get(lane[0][2]) != lane[0][3]:
                    heapq.heappop(lane)
                if not lane:
                    continue
                at = max(lane[0][0], gate)
                if at <= now:
                    chat = heapq.heappop(lane)[2]
                    self._token.pop(chat, None)
                    return chat, None
                soonest = at if soonest is None else min(soonest, at)
        return None, soonest

    # --- running -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the worker in the running loop."""
        if self._worker is None:
            self._worker = asyncio.create_task(self._run(), name="delivery")

    async def join(self) -> None:
        """Wait until every queued message is sent or given up, its bookkeeping written."""
        while True:
            await self._idle.wait()
            if not self._tasks:
                return
            # A send's `on_sent` may still be writing after the queue went idle.
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def stop(self) -> None:
        """Stop the worker; sends in flight finish, queued ones stay unsent (digests stay due),
        and a claimed one that surely did not go out gives its claim back (due again).

        Whoever still waits on a message hears `stopped`, and later messages are refused at
        once, so nothing waiting on the queue holds up the transports' own shutdown.
        """
        self._stopped = True
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
            self._worker = None
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        for queue in self._chats.values():
            for job in queue:
                if job.done.done():
                    continue
                if _surely_unsent(job):
                    await self._release(job)
                job.done.set_result(STOPPED)

    async def _run(self) -> None:
        while True:
            now = self.clock()
            chat, soonest = self._next_ready(now)
            if chat is None:
                if soonest is None and not self._busy and not self.pending():
                    self._idle.set()
                self._wake.clear()
                timeout = None if soonest is None else max(0.0, soonest - now)
                # Not `wait_for`: on 3.11 it loses a cancel that meets the wake-up, and `stop`
                # then waits for this loop for ever.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(timeout):
                        await self._wake.wait()
                continue
            pacer = self.pacers[platform_of(chat)]
            slot = pacer.earliest(chat, now)
            if slot > now:
                self._schedule(chat, slot)
                continue
            pacer.take(chat, now)
            self._busy.add(chat)
            await self._slots.acquire()
            task = asyncio.create_task(self._attempt(chat, self._chats[chat][0]))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _attempt(self, chat: str, job: _Job) -> None:
        """One transport call for the job's next part (after its claim, on its first try)."""
        item = job.item
        transport = self.transports[platform_of(chat)]
        try:
            # A claim or a split that fails (the store busy or unreachable, a render error)
            # is tried again with the send: the job is under way only once it is ours and cut
            # into its parts. It is claimed again after a claim given back for a retry.
            if item.claim is not None and not job.claimed:
                if not await item.claim():
                    log.info("event=delivery_skipped chat=%s label=%s", chat, item.label)
                    self._end(chat, job, SKIPPED)
                    return
                job.claimed = True
            if not job.started:
                job.size = transport.size
                job.parts = self._split(chat, item.reply, job.size)
                if item.budget is not None and len(job.parts) > item.budget:
                    log.warning(
                        "event=reply_cut chat=%s label=%s parts=%d budget=%d",
                        chat,
                        item.label,
                        len(job.parts),
                        item.budget,
                    )
                    job.parts = job.parts[: item.budget]
                job.started = True
            if job.index >= len(job.parts):
                await self._sent(chat, job)
                return
            try:
                await transport.send(job.chat, job.parts[job.index], job.replace)
            except Exception as exc:
                job.uncertain |= may_have_gone_out(exc)
                raise
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            await self._failed(chat, job, exc)
            return
        finally:
            self._busy.discard(chat)
            self._slots.release()
        await self._next_part(chat, job)

    async def _next_part(self, chat: str, job: _Job) -> None:
        """The job's part is out: on to the next one, or the job is sent."""
        job.index += 1
        job.tries = 0
        job.refusals = 0
        job.replace = None
        job.plain = False
        if job.index >= len(job.parts):
            await self._sent(chat, job)
        else:
            self._retry(chat, 0.0)

    async def _failed(self, chat: str, job: _Job, exc: Exception) -> None:
        """Carry out what `decide` makes of a failed send; nothing here overrides it."""
        item = job.item
        if not isinstance(exc, SendError):
            log.error(
                "event=send_error chat=%s label=%s error=%r",
                chat,
                item.label,
                str(exc),
                exc_info=exc,
            )
        # Only a size refusal needs the finer cut, which costs a render or two; a failed claim
        # comes before there are parts at all.
        finer, size = (
            self._finer(chat, job.parts[job.index], job.size)
            if isinstance(exc, TooLarge)
            else ([], job.size)
        )
        refused = isinstance(exc, RateLimited)
        attempt = Attempt(
            job.tries + (not refused),
            refusals=job.refusals + refused,
            moves=job.moves,
            editing=job.replace is not None,
            plain=job.plain,
            finer=len(finer) > 1,
        )
        match decide(exc, attempt, retries=self.retries, backoff=self.backoff):
            case Retry(delay, reason):
                job.tries, job.refusals = attempt.tries, attempt.refusals
                log.warning(
                    "event=delivery_retry chat=%s label=%s try=%d refused=%d delay=%.1f error=%r",
                    chat,
                    item.label,
                    job.tries,
                    job.refusals,
                    delay,
                    redact(reason, self.secrets),
                )
                if isinstance(exc, SendError) and _surely_unsent(job):
                    # Nothing went out: due again, not `unknown`, if the process dies meanwhile.
                    await self._release(job)
                until = self.clock() + delay
                self.pacers[platform_of(chat)].hold(chat, until, rate=refused)
                self._retry(chat, delay)
            case Follow(new):
                job.moves += 1
                log.info("event=chat_moved chat=%s new=%s", job.chat, new)
                if self.on_moved is not None:
                    await self._call(self.on_moved(job.chat, new))
                job.chat = new
                self._retry(chat, 0.0)
            case SplitFiner():
                log.warning("event=split_finer chat=%s parts=%d", chat, len(finer))
                job.parts[job.index : job.index + 1] = finer
                job.size = size
                self._retry(chat, 0.0)
            case SendPlain():
                log.warning(
                    "event=send_plain chat=%s label=%s error=%r", chat, item.label, str(exc)
                )
                job.parts[job.index] = plain_reply(job.parts[job.index])
                job.plain = True
                self._retry(chat, 0.0)
            case SendNew():
                job.replace = None
                self._retry(chat, 0.0)
            case Gone():
                log.warning("event=chat_gone chat=%s label=%s", chat, item.label)
                self.failed += 1
                reason = redact(f"{type(exc).__name__}: {exc}", self.secrets)[:300]
                gone = Outcome(Status.GONE, reason)
                for other in list(self._chats.pop(chat, ())):
                    await self._finish(other, gone)
                if self.on_gone is not None:
                    await self._call(self.on_gone(chat))
                self._wake.set()
            case Unconfirmed(reason):
                log.warning(
                    "event=send_unconfirmed chat=%s label=%s part=%d error=%r",
                    chat,
                    item.label,
                    job.index + 1,
                    redact(reason, self.secrets),
                )
                await self._next_part(chat, job)
            case Fail(reason):
                # Stored as the failure note: an error page may echo the token in the URL.
                note = redact(reason, self.secrets)[:300]
                log.error(
                    "event=delivery_failed chat=%s label=%s tries=%d error=%r",
                    chat,
                    item.label,
                    attempt.tries,
                    note,
                )
                self.failed += 1
                self._drop(chat, job)
                await self._finish(job, Outcome(Status.FAILED, note))
                self._retry(chat, 0.0)

    def _split(self, chat: str, reply: Reply, size: int) -> list[Reply]:
        """The reply's messages on the chat's platform: a burst's chats share a few digests,
        so each is split (and rendered) once, not once per chat."""
        name = platform_of(chat)
        key = (name, id(reply), size)
        known = self._splits.get(key)
        if known is None or known[0] is not reply:
            if len(self._splits) >= MAX_SPLITS:
                self._splits.clear()
            known = self._splits[key] = (reply, self.transports[name].split(reply, size))
        # A copy: a job's parts change when one is split finer or sent plain.
        return list(known[1])

    def _finer(self, chat: str, part: Reply, size: int) -> tuple[list[Reply], int]:
        """The part split at the largest halved size that cuts it, down to `MIN_SPLIT`."""
        transport = self.transports[platform_of(chat)]
        smaller = transport.split(part, size)
        while len(smaller) <= 1 and size > MIN_SPLIT:
            size = max(MIN_SPLIT, size // 2)
            smaller = transport.split(part, size)
        return smaller, size

    def _retry(self, chat: str, delay: float) -> None:
        self._schedule(chat, self.clock() + delay)
        self._wake.set()

    async def _sent(self, chat: str, job: _Job) -> None:
        self.sent += 1
        log.info(
            "event=delivered chat=%s label=%s parts=%d",
            job.chat,
            job.item.label,
            len(job.parts),
        )
        self._end(chat, job, SENT)
        if job.item.on_sent is not None:
            await self._call(job.item.on_sent())

    def _end(self, chat: str, job: _Job, outcome: Outcome) -> None:
        self._drop(chat, job)
        if not job.done.done():
            job.done.set_result(outcome)
        self._retry(chat, 0.0)

    def _drop(self, chat: str, job: _Job) -> None:
        queue = self._chats.get(chat)
        if queue and queue[0] is job:
            queue.popleft()
        if chat in self._chats and not self._chats[chat]:
            del self._chats[chat]

    async def _finish(self, job: _Job, outcome: Outcome) -> None:
        if not job.done.done():
            job.done.set_result(outcome)
        if job.item.on_failed is not None:
            await self._call(job.item.on_failed(outcome))

    async def _release(self, job: _Job) -> None:
        """Give the job's claim back (it is claimed again before its next try, if any); a
        release the store refused keeps the claim."""
        release = job.item.release
        if release is None:
            return
        log.info("event=delivery_released chat=%s label=%s", job.chat, job.item.label)
        try:
            await release()
        except Exception:
            log.exception("event=delivery_callback_failed")
            return
        job.claimed = False

    async def _call(self, awaitable: Awaitable[None]) -> None:
        try:
            await awaitable
        except Exception:
            log.exception("event=delivery_callback_failed")


def _surely_unsent(job: _Job) -> bool:
    """Whether the job holds a claim of a message of which nothing went out (no part sent,
    every try refused by the platform or never made)."""
    return job.claimed and job.index == 0 and not job.uncertain


def simulate(
    chats: list[str], limits: Limits, is_group: Callable[[str], bool] = lambda c: False
) -> float:
    """Seconds one paced platform needs to send one message to each chat (no network time)."""
    pacer = Pacer(limits, is_group)
    now = 0.0
    for chat in chats:
        now = pacer.earliest(chat, now)
        pacer.take(chat, now)
    return now
