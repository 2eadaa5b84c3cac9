"""Digest, feed and summary jobs on APScheduler 3.x's `AsyncIOScheduler`, rebuilt from the database.

The timing rules are pure functions over `CronTrigger` (next fire, due, missed), so DST and
restart behaviour are tested without a running scheduler.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.commands import chat_plan, chat_zone, render_digest
from bot.delivery import DeliveryQueue, Outgoing
from bot.digest import DigestOptions, DigestPlan, Stories
from bot.query import TextTerms, text_terms
from bot.records import Article, Reply, Span, Subscription
from bot.store import Store
from bot.texts import t

log = logging.getLogger(__name__)
DEFAULT_GRACE = timedelta(hours=6)
# A digest sent within this of its time is on time; later ones carry the "late" note.
ON_TIME = timedelta(minutes=5)
# How far back a restart looks for digests it missed (each one is logged as missed).
LOOKBACK = timedelta(days=3)
# On shutdown, a running job (a feed poll, a summary batch) gets this long to finish.
JOB_STOP_GRACE = 15.0


def trigger_for(sub: Subscription) -> CronTrigger:
    """The subscription's daily trigger at HH:MM in its own time zone."""
    hour, minute = (int(x) for x in sub.time.split(":"))
    return CronTrigger(hour=hour, minute=minute, timezone=ZoneInfo(sub.timezone))


def digest_date(sub: Subscription, fire: datetime) -> date:
    """The local calendar date a fire time belongs to: the dedupe key with the chat."""
    return fire.astimezone(ZoneInfo(sub.timezone)).date()


def fire_times(sub: Subscription, start: datetime, end: datetime) -> list[datetime]:
    """Every fire time in [start, end], once per local date (the autumn repeat is dropped)."""
    trigger = trigger_for(sub)
    out: list[datetime] = []
    seen: set[date] = set()
    cursor = start
    while True:
        fire = trigger.get_next_fire_time(None, cursor)
        if fire is None or fire > end:
            return out
        if fire < cursor:
            # CronTrigger 3.11 can return the earlier wall-clock twin in the repeated hour.
            cursor += timedelta(hours=1)
            continue
        day = digest_date(sub, fire)
        if day not in seen:
            seen.add(day)
            # In UTC: a wall-clock time in the spring gap never compares equal across zones.
            out.append(fire.astimezone(UTC))
        cursor = fire + timedelta(minutes=1)


def next_digest_at(sub: Subscription, now: datetime) -> datetime:
    """When the chat's next digest is due after `now` (its first firing of a local date)."""
    start = now + timedelta(microseconds=1)
    for fire in fire_times(sub, start - timedelta(hours=2), start + timedelta(days=2)):
        if fire >= start:
            return fire
    raise AssertionError("a daily trigger fires within two days")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class Due:
    """A digest to act on: send it (on time or late) or log it as missed."""

    chat: str
    date: date
    scheduled: datetime
    action: str  # "send" | "late" | "missed"


def due_digests(
    sub: Subscription,
    now: datetime,
    logged: Callable[[date], bool],
    grace: timedelta = DEFAULT_GRACE,
) -> list[Due]:
    """The chat's digests that should have fired by `now` and are not in the delivery log.

    The newest is sent (with a late note past ON_TIME) if missed by less than `grace`; every
    other unlogged one is reported as missed, so nothing is skipped silently.
    """
    start = max(now - LOOKBACK, sub.created or now - LOOKBACK)
    fires = [f for f in fire_times(sub, start, now) if not logged(digest_date(sub, f))]
    out: list[Due] = []
    for i, fire in enumerate(fires):
        late = now - fire
        newest = i == len(fires) - 1
        action = "missed"
        if newest and late <= grace:
            action = "send" if late <= ON_TIME else "late"
        out.append(Due(sub.chat, digest_date(sub, fire), fire, action))
    return out


def late_note(reply: Reply, due: Due, zone: str, language: str) -> Reply:
    """The digest with a first paragraph saying it comes late, and when it was due."""
    when = due.scheduled.astimezone(ZoneInfo(zone)).strftime("%H:%M")
    note = (Span(t(language, "digest_late", time=when)),)
    return Reply((note, *reply.paragraphs), reply.buttons, reply.link_previews, reply.ok)


PollFeeds = Callable[[datetime], Awaitable[Iterable[int]]]


class DigestScheduler:
    """The bot's clock: one cron job per subscription, a feed poll and a summary job.

    The database is the single truth: jobs are rebuilt from subscriptions at start and on every
    sync; what a restart missed is found by `due_digests` against the delivery log.
    """

    def __init__(
        self,
        store: Store,
        queue: DeliveryQueue,
        *,
        clock: Callable[[], datetime],
        grace: timedelta = DEFAULT_GRACE,
        poll: PollFeeds | None = None,
        poll_every: timedelta = timedelta(minutes=10),
        sync_every: timedelta = timedelta(minutes=1),
    ) -> None:
        self.store = store
        self.queue = queue
        self.clock = clock
        self.grace = grace
        self.poll = poll
        self.poll_every = poll_every
        self.sync_every = sync_every
        self.scheduler = AsyncIOScheduler(
            timezone=UTC,
            # APScheduler's default grace of 1 s drops a run missed while the loop was busy;
            # coalesce so a late loop runs a job once, and the delivery log dedupes the rest.
            job_defaults={
                "coalesce": True,
                "misfire_grace_time": int(grace.total_seconds()),
                "max_instances": 1,
            },
        )
        self._jobs: dict[str, Subscription] = {}
        self._in_flight: set[tuple[str, date]] = set()
        self._running: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        """Build every job from the database, start the scheduler, then catch up at once."""
        if self.poll is not None:
            every = IntervalTrigger(seconds=self.poll_every.total_seconds())
            self.scheduler.add_job(
                self.poll_and_alert, every, id="poll", next_run_time=self.clock()
            )
        self.scheduler.add_job(self.summarize_new, IntervalTrigger(minutes=5), id="summarize")
        self.scheduler.add_job(
            self.sync, IntervalTrigger(seconds=self.sync_every.total_seconds()), id="sync"
        )
        unfinished = await self.store.run(partial(self.store.abandon_unfinished, self.clock()))
        for chat, day in unfinished:
            log.warning("event=digest_outcome_unknown chat=%s date=%s action=not_resent", chat, day)
        await self.sync()
        self.scheduler.start()

    async def stop(self) -> None:
        """Stop firing jobs and let the ones running finish (sends queued are the queue's)."""
        if not self.scheduler.running:
            return
        self.scheduler.pause()
        # Jobs submitted a moment ago start on the next loop turn and register themselves.
        await asyncio.sleep(0)
        running = self._running - {asyncio.current_task()}
        if running:
            await asyncio.wait(running, timeout=JOB_STOP_GRACE)
        # shutdown() cancels whatever still runs (APScheduler's asyncio executor cannot wait).
        self.scheduler.shutdown(wait=False)

    def _track(self) -> None:
        """Remember the running job's task, so `stop` waits for it instead of cutting it off."""
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def sync(self) -> None:
        """Match jobs to subscriptions, send asked-for digests, catch up on missed ones."""
        self._track()
        subs = await self.store.run(self.store.subscriptions)
        wanted = {s.chat: s for s in subs}
        for chat in set(self._jobs) - set(wanted):
            self.scheduler.remove_job(f"digest:{chat}")
            del self._jobs[chat]
        for chat, sub in wanted.items():
            if self._jobs.get(chat) != sub:
                self.scheduler.add_job(
                    self.fire,
                    trigger_for(sub),
                    args=[chat],
                    id=f"digest:{chat}",
                    replace_existing=True,
                )
                self._jobs[chat] = sub
        await self.run_due(list(wanted.values()))
        requested = await self.store.run(self.store.pending_requests)
        if requested:
            await self.send_now(requested)

    async def fire(self, chat: str) -> None:
        """A digest job fired: check the chat against the log and send what is due."""
        self._track()
        sub = self._jobs.get(chat)
        if sub is not None:
            await self.run_due([sub])

    async def run_due(self, subs: list[Subscription]) -> None:
        """Send due digests for these subscriptions; log missed ones."""
        now = self.clock()

        def plan() -> list[Due]:
            dues: list[Due] = []
            for sub in subs:
                logged = lambda d, c=sub.chat: (  # noqa: E731
                    (c, d) in self._in_flight or self.store.delivery_status(c, d) is not None
                )
                dues += due_digests(sub, now, logged, self.grace)
            return dues

        dues = await self.store.run(plan)
        for due in (d for d in dues if d.action == "missed"):
            log.warning(
                "event=digest_missed chat=%s date=%s due=%s now=%s",
                due.chat,
                due.date,
                due.scheduled.isoformat(),
                now.isoformat(),
            )
            await self._log(due, "missed", now, f"missed by {now - due.scheduled}")
        sending = [d for d in dues if d.action != "missed"]
        if sending:
            zones = {s.chat: s.timezone for s in subs}
            await self._enqueue(sending, zones, now)

    async def _enqueue(self, dues: list[Due], zones: dict[str, str], now: datetime) -> None:
        built = await self.store.run(lambda: build_for(self.store, [d.chat for d in dues], now))
        for due in dues:
            reply, _, language = built[due.chat]
            if reply is None:
                await self._log(due, "empty", now)
                continue
            if due.action == "late":
                reply = late_note(reply, due, zones[due.chat], language)
            claim = partial(
                self.store.claim_delivery, due.chat, due.date, at=now, scheduled=due.scheduled
            )
            if not await self.store.run(claim):
                continue
            self._in_flight.add((due.chat, due.date))
            self.queue.put(
                Outgoing(
                    due.chat, reply, f"digest:{due.date}", self._on_sent(due), self._on_failed(due)
                )
            )

    async def _log(self, due: Due, status: str, now: datetime, note: str = "") -> None:
        """Log a digest that is not sent (missed, empty) in the delivery log, once."""
        record = partial(
            self.store.record_delivery,
            due.chat,
            due.date,
            status=status,
            at=now,
            scheduled=due.scheduled,
            note=note,
        )
        await self.store.run(record)

    async def _finish(self, due: Due, status: str, note: str) -> None:
        """Record how a claimed digest delivery ended."""
        finish = partial(
            self.store.finish_delivery,
            due.chat,
            due.date,
            status=status,
            at=self.clock(),
            note=note,
        )
        await self.store.run(finish)
        self._in_flight.discard((due.chat, due.date))

    def _on_sent(self, due: Due) -> Callable[[], Awaitable[None]]:
        async def done() -> None:
            note = f"late by {self.clock() - due.scheduled}" if due.action == "late" else ""
            await self._finish(due, "sent", note)

        return done

    def _on_failed(self, due: Due) -> Callable[[str], Awaitable[None]]:
        async def failed(reason: str) -> None:
            await self._finish(due, "gone" if reason == "gone" else "failed", reason)

        return failed

    async def send_now(self, chats: list[str]) -> None:
        """A new subscriber's latest digest, at once (its window starts there)."""
        now = self.clock()
        built = await self.store.run(lambda: build_for(self.store, chats, now, force=True))
        for chat in chats:
            reply = built[chat][0]
            if reply is None:
                continue

            async def done(c: str = chat) -> None:
                await self.store.run(lambda: self.store.finish_request(c, self.clock()))

            self.queue.put(Outgoing(chat, reply, "digest:now", done))

    async def poll_and_alert(self) -> None:
        """Poll the feeds, then push keyword alerts for the articles that are new."""
        self._track()
        if self.poll is None:
            return
        new_ids = list(await self.poll(self.clock()))
        if new_ids:
            await push_alerts(self.store, self.queue, new_ids, self.clock())

    async def summarize_new(self) -> None:
        """Summarize stored articles that have no summary yet (feeds store text first)."""
        self._track()
        from summarizer import summarize

        def work() -> int:
            articles = self.store.unsummarized(50)
            for a in articles:
                self.store.set_summary(a.id, summarize(a.body, 3, title=a.title))
            return len(articles)

        done = await self.store.run(work)
        if done:
            log.info("event=summarized count=%d", done)


def _plan(store: Store, chat: str, now: datetime, *, force: bool = False) -> DigestPlan:
    """A chat's digest plan since its last digest (`force`: the last 24 h, as `/digest` shows)."""
    last = None if force else store.last_digest_at(chat)
    return chat_plan(store, chat, now, chat_zone(store, chat), last)


def build_for(
    store: Store, chats: list[str], now: datetime, *, force: bool = False
) -> dict[str, tuple[Reply | None, DigestOptions, str]]:
    """Each chat's rendered digest (None when empty and the chat wants no empty digest).

    Articles are loaded and grouped into stories once for all chats; chats with the same
    window, settings and zone share one digest.
    """
    plans = {chat: _plan(store, chat, now, force=force) for chat in chats}
    if not plans:
        return {}
    earliest = min(p.since for p in plans.values())
    articles: list[Article] = store.articles_since(earliest, now + timedelta(seconds=1))
    stories = Stories.of(articles)
    cache: dict[DigestPlan, Reply | None] = {}
    out: dict[str, tuple[Reply | None, DigestOptions, str]] = {}
    for chat, plan in plans.items():
        if plan not in cache:
            digest = stories.planned(plan, now)
            empty = not digest.stories and not plan.options.send_empty
            cache[plan] = None if empty else render_digest(digest, plan.language, plan.zone)
        out[chat] = (cache[plan], plan.options, plan.language)
    return out


async def push_alerts(
    store: Store, queue: DeliveryQueue, article_ids: list[int], now: datetime
) -> int:
    """Queue each new article that matches a chat's alert words to that chat, once."""
    from bot.commands import alert_matches

    def plan() -> list[tuple[str, list[int], Article, tuple[str, ...]]]:
        alerts = store.alerts()
        articles = store.articles_by_id(article_ids)
        out = []
        for article in articles:
            # The terms search indexes for the article, found once for all alerts.
            text = TextTerms.of(text_terms(f"{article.title}\n{article.body}"))
            by_chat: dict[str, list[int]] = {}
            words: dict[str, tuple[str, ...]] = {}
            for alert in alerts:
                if alert_matches(alert.words, text):
                    by_chat.setdefault(alert.chat, []).append(alert.id)
                    words.setdefault(alert.chat, alert.words)
            for chat, ids in by_chat.items():
                if not store.has_alert_hit(ids, article.id):
                    out.append((chat, ids, article, words[chat]))
        return out

    hits = await store.run(plan)
    for chat, ids, article, words in hits:
        language = (await store.run(partial(store.settings, chat))).language
        reply = alert_reply(article, words, language)

        async def sent(ids: list[int] = ids, a: int = article.id) -> None:
            await store.run(lambda: store.record_alert_hits(ids, a, now))

        queue.put(Outgoing(chat, reply, f"alert:{article.id}", sent))
    return len(hits)


def alert_reply(article: Article, words: tuple[str, ...], language: str) -> Reply:
    """One alert message: which words matched, the article's title, source and summary."""
    head = (Span(t(language, "alert_hit", words=" ".join(words)), bold=True),)
    title = (Span(article.title, bold=True, url=article.url), Span(f" — {article.source}"))
    paragraphs = [head, title]
    if article.summary:
        paragraphs.append((Span(" ".join(article.summary[:2])),))
    return Reply(tuple(paragraphs))
