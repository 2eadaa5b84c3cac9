"""The bot's clock: digest, feed, alert, breaking-story, quiet-hours, archive and summary jobs on
APScheduler 3.x's `AsyncIOScheduler`.

The timing rules are pure functions over `CronTrigger` (next fire, due, missed), so DST and
restart behaviour are tested without a running scheduler. What a digest holds comes from
`bot.digest`, alert matching from `bot.alerts`, sending from `bot.delivery`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.alerts import AlertHit, alert_hits, alert_reply
from bot.breaking import DEFAULT_RULE, Rule, breaking_reply, breaking_stories
from bot.delivery import Delivery, Outcome, Outgoing
from bot.digest import DigestPlan, build_digests, chat_zone, plan_chat
from bot.ingest.summaries import summarize_pending
from bot.quiet import held_reply, quiet_until
from bot.records import DEFAULT_ZONE, Reply, Span, Subscription, as_push
from bot.render import render_digest
from bot.store import Held, Store
from bot.texts import t

log = logging.getLogger(__name__)
DEFAULT_GRACE = timedelta(hours=6)
# A digest sent within this of its time is on time; later ones carry the "late" note.
ON_TIME = timedelta(minutes=5)
# How far back a restart looks for digests it missed (each one is logged as missed).
LOOKBACK = timedelta(days=3)
# On shutdown, a running job (a feed poll, a summary batch) gets this long to finish.
JOB_STOP_GRACE = 15.0
# Sent digests are kept this long for /archive unless the config says otherwise.
DEFAULT_ARCHIVE = timedelta(days=90)


def trigger_for(sub: Subscription) -> BaseTrigger:
    """The subscription's trigger: each HH:MM in its own time zone, on its days."""
    zone = ZoneInfo(sub.timezone)
    triggers = [
        CronTrigger(
            hour=int(at[:2]), minute=int(at[3:]), day_of_week=sub.days or None, timezone=zone
        )
        for at in sub.times
    ]
    return triggers[0] if len(triggers) == 1 else OrTrigger(triggers)


def digest_date(sub: Subscription, fire: datetime) -> date:
    """The local calendar date a fire time belongs to (the archive's day)."""
    return fire.astimezone(ZoneInfo(sub.timezone)).date()


# The delivery log's key with the chat: a date, or `date Thh:mm` for a day's later digest.
DigestKey = date | str


def digest_key(sub: Subscription, fire: datetime) -> DigestKey:
    """The dedupe key with the chat: the local date for a day's first digest time (as before
    there were several), `date Thh:mm` for a later one."""
    local = fire.astimezone(ZoneInfo(sub.timezone))
    at = _slot(sub, local)
    return local.date() if at == sub.times[0] else f"{local.date().isoformat()}T{at}"


def _slot(sub: Subscription, local: datetime) -> str:
    """Which of the subscription's times a local fire time is (a spring-gap fire runs late)."""
    clock = local.strftime("%H:%M")
    if clock in sub.times:
        return clock
    earlier = [t for t in sub.times if t <= clock]
    return earlier[-1] if earlier else sub.times[0]


def fire_times(sub: Subscription, start: datetime, end: datetime) -> list[datetime]:
    """Every fire time in [start, end], once per local date and time of day (the autumn repeat
    is dropped)."""
    trigger = trigger_for(sub)
    out: list[datetime] = []
    seen: set[DigestKey] = set()
    cursor = start
    while True:
        fire = trigger.get_next_fire_time(None, cursor)
        if fire is None or fire > end:
            return out
        if fire < cursor:
            # CronTrigger 3.11 can return the earlier wall-clock twin in the repeated hour.
            cursor += timedelta(hours=1)
            continue
        key = digest_key(sub, fire)
        if key not in seen:
            seen.add(key)
            # In UTC: a wall-clock time in the spring gap never compares equal across zones.
            out.append(fire.astimezone(UTC))
        cursor = fire + timedelta(minutes=1)


def next_digest_at(sub: Subscription, now: datetime) -> datetime:
    """When the chat's next digest is due after `now` (its first firing of a local date)."""
    start = now + timedelta(microseconds=1)
    # A weekday subscription may wait over a weekend; any trigger fires within a week.
    for fire in fire_times(sub, start - timedelta(hours=2), start + timedelta(days=8)):
        if fire >= start:
            return fire
    raise AssertionError("a digest trigger fires within a week")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class Due:
    """A digest to act on: send it (on time or late) or log it as missed."""

    chat: str
    date: date
    scheduled: datetime
    action: str  # "send" | "late" | "missed"
    # The delivery log's key (`digest_key`): the date, or `date Thh:mm` for a later time.
    key: DigestKey | None = None


def due_digests(
    sub: Subscription,
    now: datetime,
    logged: Callable[[DigestKey], bool],
    grace: timedelta = DEFAULT_GRACE,
) -> list[Due]:
    """The chat's digests that should have fired by `now` and are not in the delivery log.

    The newest is sent (with a late note past ON_TIME) if missed by less than `grace`; every
    other unlogged one is reported as missed, so nothing is skipped silently.
    """
    start = max(now - LOOKBACK, sub.created or now - LOOKBACK)
    fires = [f for f in fire_times(sub, start, now) if not logged(digest_key(sub, f))]
    out: list[Due] = []
    for i, fire in enumerate(fires):
        late = now - fire
        newest = i == len(fires) - 1
        action = "missed"
        if newest and late <= grace:
            action = "send" if late <= ON_TIME else "late"
        out.append(Due(sub.chat, digest_date(sub, fire), fire, action, digest_key(sub, fire)))
    return out


def late_note(reply: Reply, due: Due, zone: str, language: str) -> Reply:
    """The digest with a first paragraph saying it comes late, and when it was due."""
    when = due.scheduled.astimezone(ZoneInfo(zone)).strftime("%H:%M")
    note = (Span(t(language, "digest_late", time=when)),)
    return replace(reply, paragraphs=(note, *reply.paragraphs))


# Starts the due feeds' polls and returns; each feed hands its new article ids to the callback.
PollFeeds = Callable[[datetime, Callable[[list[int]], Awaitable[None]]], Awaitable[object]]


class DigestScheduler:
    """The bot's clock: one cron job per subscription, a feed poll and a summary job.

    The database is the single truth: jobs are rebuilt from subscriptions at start and on every
    sync; what a restart missed is found by `due_digests` against the delivery log. A digest is
    claimed in that log right before its first send attempt, so one queued but never tried is
    still due after a restart, and two processes never both send it.
    """

    def __init__(
        self,
        store: Store,
        queue: Delivery,
        *,
        clock: Callable[[], datetime],
        grace: timedelta = DEFAULT_GRACE,
        poll: PollFeeds | None = None,
        poll_every: timedelta = timedelta(minutes=10),
        sync_every: timedelta = timedelta(minutes=1),
        default_zone: str = DEFAULT_ZONE,
        archive: timedelta = DEFAULT_ARCHIVE,
        breaking: Rule = DEFAULT_RULE,
    ) -> None:
        self.store = store
        self.archive = archive
        self.breaking = breaking
        self.queue = queue
        self.clock = clock
        self.grace = grace
        self.poll = poll
        self.poll_every = poll_every
        self.sync_every = sync_every
        self.default_zone = default_zone
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
        # Digests queued in this process and not yet ended: (chat, date).
        self._in_flight: set[tuple[str, DigestKey]] = set()
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
        self.scheduler.add_job(
            self.release_held,
            IntervalTrigger(seconds=self.sync_every.total_seconds()),
            id="release",
            next_run_time=self.clock(),
        )
        self.scheduler.add_job(
            self.prune_archive, IntervalTrigger(hours=24), id="prune", next_run_time=self.clock()
        )
        unfinished = await self.store.run(
            partial(self.store.deliveries.abandon_unfinished, self.clock())
        )
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
        """Match jobs to subscriptions and catch up on missed digests."""
        self._track()
        subs = await self.store.run(self.store.chats.subscriptions)
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
                    (c, d) in self._in_flight
                    or self.store.deliveries.delivery_status(c, d) is not None
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
            await self._enqueue(sending, now)

    def build(self, chats: list[str], now: datetime, *, fresh: bool) -> dict[str, Built]:
        """Each chat's rendered digest as it would be queued now (None: empty and not wanted),
        through the one digest door."""
        plans = {
            chat: plan_chat(self.store, chat, now, default_zone=self.default_zone, fresh=fresh)
            for chat in chats
        }
        digests = build_digests(self.store, plans, now)
        out: dict[str, Built] = {}
        for chat, plan in plans.items():
            digest = digests[chat]
            empty = not digest.stories and not plan.settings.send_empty
            language = plan.settings.language
            rendered = render_digest(digest, language, plan.zone)
            reply = None if empty else as_push(rendered, plan.settings)
            out[chat] = Built(reply, plan, language)
        return out

    async def _enqueue(self, dues: list[Due], now: datetime) -> None:
        built = await self.store.run(lambda: self.build([d.chat for d in dues], now, fresh=False))
        for due in dues:
            digest = built[due.chat]
            if digest.reply is None:
                await self._log(due, "empty", now)
                continue
            reply = digest.reply
            if due.action == "late":
                reply = late_note(reply, due, digest.plan.zone, digest.language)
            self._in_flight.add((due.chat, due.key or due.date))
            self.queue.put(
                Outgoing(
                    due.chat,
                    reply,
                    f"digest:{due.date}",
                    on_sent=self._on_sent(due, reply),
                    on_failed=self._on_failed(due),
                    claim=self._claim(due),
                )
            )

    def _claim(self, due: Due) -> Callable[[], Awaitable[bool]]:
        async def claim() -> bool:
            now = self.clock()
            claimed = partial(
                self.store.deliveries.claim_delivery,
                due.chat,
                due.key or due.date,
                at=now,
                scheduled=due.scheduled,
            )
            if await self.store.run(claimed):
                return True
            self._in_flight.discard((due.chat, due.key or due.date))
            return False

        return claim

    async def _log(self, due: Due, status: str, now: datetime, note: str = "") -> None:
        """Log a digest that is not sent (missed, empty) in the delivery log, once."""
        record = partial(
            self.store.deliveries.record_delivery,
            due.chat,
            due.key or due.date,
            status=status,
            at=now,
            scheduled=due.scheduled,
            note=note,
        )
        await self.store.run(record)

    async def _finish(self, due: Due, status: str, note: str) -> None:
        """Record how a claimed digest delivery ended."""
        finish = partial(
            self.store.deliveries.finish_delivery,
            due.chat,
            due.key or due.date,
            status=status,
            at=self.clock(),
            note=note,
        )
        await self.store.run(finish)
        self._in_flight.discard((due.chat, due.key or due.date))

    def _on_sent(self, due: Due, reply: Reply) -> Callable[[], Awaitable[None]]:
        async def done() -> None:
            now = self.clock()
            note = f"late by {now - due.scheduled}" if due.action == "late" else ""
            # Kept as sent (late note and all) for /archive, before the log says "sent".
            keep = partial(self.store.archive.archive_digest, due.chat, due.date, reply, now)
            await self.store.run(keep)
            await self._finish(due, "sent", note)

        return done

    def _on_failed(self, due: Due) -> Callable[[Outcome], Awaitable[None]]:
        async def failed(outcome: Outcome) -> None:
            # The outcome's status is what the log stores: gone or failed.
            await self._finish(due, outcome.status.value, outcome.reason)

        return failed

    async def poll_and_alert(self) -> None:
        """Start the due feeds' polls; each pushes keyword alerts for its new articles."""
        self._track()
        if self.poll is None:
            return
        await self.poll(self.clock(), self.alert)

    async def alert(self, new_ids: list[int]) -> None:
        """Push keyword alerts and breaking stories for newly stored articles."""
        if new_ids:
            now = self.clock()
            await push_alerts(self.store, self.queue, new_ids, now, self.default_zone)
            await push_breaking(self.store, self.queue, now, self.default_zone, self.breaking)

    async def release_held(self) -> None:
        """Send what waited for a chat's quiet time to end, as one message per chat."""
        self._track()
        await release_held(self.store, self.queue, self.clock())

    async def prune_archive(self) -> None:
        """Forget archived digests older than the archive keeps them."""
        self._track()
        before = self.clock() - self.archive
        gone = await self.store.run(partial(self.store.archive.prune_archive, before))
        if gone:
            log.info("event=archive_pruned count=%d before=%s", gone, before.isoformat())

    async def summarize_new(self) -> None:
        """Summarize stored articles that have no summary yet (feeds store text first)."""
        self._track()
        done = await self.store.run(partial(summarize_pending, self.store.articles))
        if done:
            log.info("event=summarized count=%d", done)


@dataclass(frozen=True, slots=True)
class Built:
    """A chat's digest ready to queue: the reply (None: empty and not wanted) and its plan."""

    reply: Reply | None
    plan: DigestPlan
    language: str


def _quiet_end(store: Store, chat: str, now: datetime, default_zone: str) -> datetime | None:
    """When the chat's quiet time holding `now` ends, None when it is not quiet (store thread)."""
    quiet = store.chats.settings(chat).quiet
    if not quiet:
        return None
    return quiet_until(quiet, chat_zone(store, chat, default_zone), now)


def _hold(store: Store, chat: str, kind: str, reply: Reply, until: datetime, now: datetime) -> None:
    """Keep a message for the end of the chat's quiet time (store thread)."""
    store.pushes.hold(chat, kind, reply.paragraphs, until, now)
    log.info("event=held chat=%s kind=%s until=%s", chat, kind, until.isoformat())


async def push_alerts(
    store: Store,
    queue: Delivery,
    article_ids: list[int],
    now: datetime,
    default_zone: str = DEFAULT_ZONE,
) -> int:
    """Queue each new article that matches a chat's alert words to that chat, once; in the
    chat's quiet hours it waits for their end."""

    def plan() -> list[tuple[AlertHit, Reply]]:
        hits = alert_hits(store.chats.alerts(), store.articles.articles_by_id(article_ids))
        new = [h for h in hits if not store.deliveries.has_alert_hit(h.alert_ids, h.article.id)]
        out: list[tuple[AlertHit, Reply]] = []
        for hit in new:
            settings = store.chats.settings(hit.chat)
            if not settings.reads(hit.article.source):
                continue  # the chat chose other outlets (/settings quellen)
            reply = as_push(alert_reply(hit.article, hit.words, settings.language), settings)
            until = _quiet_end(store, hit.chat, now, default_zone)
            if until is None:
                out.append((hit, reply))
                continue
            _hold(store, hit.chat, "alert", reply, until, now)
            store.deliveries.record_alert_hits(hit.alert_ids, hit.article.id, now)
        return out

    hits = await store.run(plan)
    for hit, reply in hits:

        async def sent(ids: tuple[int, ...] = hit.alert_ids, a: int = hit.article.id) -> None:
            await store.run(lambda: store.deliveries.record_alert_hits(ids, a, now))

        queue.put(Outgoing(hit.chat, reply, f"alert:{hit.article.id}", on_sent=sent))
    return len(hits)


async def push_breaking(
    store: Store,
    queue: Delivery,
    now: datetime,
    default_zone: str = DEFAULT_ZONE,
    rule: Rule = DEFAULT_RULE,
) -> int:
    """Tell each chat that asked for them about stories breaking now, once per story; in the
    chat's quiet hours the message waits for their end. Returns the messages queued or held."""

    def plan() -> list[tuple[str, Reply, frozenset[int], int]]:
        chats = store.pushes.breaking_chats()
        if not chats:
            return []
        # `until` is exclusive: an article stored this very second counts.
        recent = store.articles.articles_since(now - rule.lookback, now + timedelta(seconds=1))
        found = breaking_stories(recent, now, rule)
        out: list[tuple[str, Reply, frozenset[int], int]] = []
        for chat in chats if found else ():
            settings = store.chats.settings(chat)
            language = settings.language
            until = _quiet_end(store, chat, now, default_zone)
            for story in found:
                if store.pushes.told_breaking(chat, story.article_ids):
                    continue
                if not any(settings.reads(link.name) for link in story.story.links):
                    continue  # none of the chat's chosen outlets reports it
                reply = as_push(breaking_reply(story.story, language), settings)
                lead = story.story.article_ids[0]
                if until is None:
                    out.append((chat, reply, story.article_ids, lead))
                # Claimed as it is held: it waits once, and no later poll holds it again.
                elif store.pushes.claim_breaking(chat, story.article_ids, lead, now):
                    _hold(store, chat, "breaking", reply, until, now)
        return out

    planned = await store.run(plan)
    for chat, reply, ids, lead in planned:

        async def claim(c: str = chat, i: frozenset[int] = ids, a: int = lead) -> bool:
            return await store.run(lambda: store.pushes.claim_breaking(c, i, a, now))

        queue.put(Outgoing(chat, reply, f"breaking:{lead}", claim=claim))
    return len(planned)


async def release_held(store: Store, queue: Delivery, now: datetime) -> int:
    """Queue what waited for each chat whose quiet time is over, as one message per chat."""

    def plan() -> list[tuple[str, Reply, list[int]]]:
        by_chat: dict[str, list[Held]] = {}
        for item in store.pushes.held_due(now):
            by_chat.setdefault(item.chat, []).append(item)
        out: list[tuple[str, Reply, list[int]]] = []
        for chat, items in by_chat.items():
            settings = store.chats.settings(chat)
            reply = as_push(held_reply([i.paragraphs for i in items], settings.language), settings)
            out.append((chat, reply, [i.id for i in items]))
        return out

    planned = await store.run(plan)
    for chat, reply, ids in planned:

        async def claim(i: list[int] = ids) -> bool:
            return await store.run(lambda: store.pushes.take_held(i))

        queue.put(Outgoing(chat, reply, "held", claim=claim))
    return len(planned)
