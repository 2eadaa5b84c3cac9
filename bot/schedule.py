"""The bot's clock (APScheduler 3.x's `AsyncIOScheduler`): when digests are due, feed polls,
the push outbox's turns, summaries and archive pruning.

The timing rules are pure functions over `CronTrigger` (next fire, due, missed), so DST and
restart behaviour are tested without a running scheduler. The jobs only say *when*: what a
digest holds is `bot.digest`, sending it `bot.digest_delivery`, alerts and breaking stories
`bot.pushes`.
"""

from __future__ import annotations

import asyncio
import logging
from bisect import bisect_left, bisect_right
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.breaking import DEFAULT_RULE, Rule
from bot.delivery import Delivery
from bot.digest_delivery import DigestKey, DigestSender, Due
from bot.ingest.summaries import summarize_pending
from bot.pushes import PUSH_GRACE, Outbox
from bot.records import DEFAULT_ZONE, Subscription
from bot.store import Storage

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


def triggers_for(sub: Subscription) -> list[CronTrigger]:
    """The subscription's triggers: one per HH:MM in its own time zone, on its days."""
    zone = ZoneInfo(sub.timezone)
    return [
        CronTrigger(
            hour=int(at[:2]), minute=int(at[3:]), day_of_week=sub.days or None, timezone=zone
        )
        for at in sub.times
    ]


def digest_date(sub: Subscription, fire: datetime) -> date:
    """The local calendar date a fire time belongs to (the archive's day)."""
    return fire.astimezone(ZoneInfo(sub.timezone)).date()


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
    """Every fire time in [start, end], in order, once per local date and time of day (the
    autumn repeat is dropped)."""
    zone = ZoneInfo(sub.timezone)
    triggers = triggers_for(sub)
    fires: dict[DigestKey, datetime] = {}
    # Compared in UTC: aware times of one zone compare on the wall clock, fold ignored.
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    day, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    while day <= last:
        # Each local date asked from its own start: stepping from one day to the next,
        # CronTrigger 3.11 adds the wall-clock difference in UTC, so after a spring-forward
        # night a time before the switch hour (00:30 Berlin) came out an hour later and the
        # next day's was skipped (agronholm/apscheduler#529, #606). Within a day it sets the
        # fields: the repeat's first, a time in the gap as late as the gap is long.
        begin = max(start, datetime.combine(day, time(0), zone))
        for trigger in triggers:
            fire = trigger.get_next_fire_time(None, begin)
            if fire is None or fire.astimezone(zone).date() != day:
                continue
            # In UTC: a wall-clock time in the spring gap never compares equal across zones.
            at = fire.astimezone(UTC)
            if at <= end:
                fires.setdefault(digest_key(sub, fire), at)
        day += timedelta(days=1)
    return sorted(fires.values())


def next_digest_at(sub: Subscription, now: datetime) -> datetime:
    """When the chat's next digest is due after `now` (its first firing of a local date)."""
    return Timetable(now).next_at(sub)


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
    return Timetable(now).due(sub, logged, grace)


# A schedule as the calendar knows it: the times of day, the zone and the weekdays.
_ScheduleKey = tuple[tuple[str, ...], str, str]


@dataclass(frozen=True, slots=True)
class _Fire:
    at: datetime  # UTC
    day: date  # the local date (the archive's day)
    key: DigestKey  # the delivery log's key with the chat


class Timetable:
    """The fire times around one `now` (the look-back before it, a week after), worked out
    once per distinct schedule: a tick over a hundred thousand subscriptions at the same few
    times costs cron arithmetic for those few, not for every chat."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._fires: dict[_ScheduleKey, tuple[list[_Fire], list[datetime]]] = {}

    def _of(self, sub: Subscription) -> tuple[list[_Fire], list[datetime]]:
        schedule = (sub.times, sub.timezone, sub.days)
        known = self._fires.get(schedule)
        if known is None:
            # A weekday subscription may wait over a weekend; any trigger fires within a week.
            start, end = self.now - LOOKBACK, self.now + timedelta(days=8)
            fires = [
                _Fire(f, digest_date(sub, f), digest_key(sub, f))
                for f in fire_times(sub, start, end)
            ]
            known = self._fires[schedule] = (fires, [f.at for f in fires])
        return known

    def next_at(self, sub: Subscription) -> datetime:
        """When the chat's next digest is due after `now`."""
        fires, times = self._of(sub)
        i = bisect_right(times, self.now)
        if i == len(fires):
            raise AssertionError("a digest trigger fires within a week")  # pragma: no cover
        return fires[i].at

    def due(
        self, sub: Subscription, logged: Callable[[DigestKey], bool], grace: timedelta
    ) -> list[Due]:
        """The chat's unlogged digests due by `now` (see `due_digests`)."""
        fires, times = self._of(sub)
        start = max(self.now - LOOKBACK, sub.created or self.now - LOOKBACK)
        past = fires[bisect_left(times, start) : bisect_right(times, self.now)]
        unlogged = [f for f in past if not logged(f.key)]
        out: list[Due] = []
        for i, fire in enumerate(unlogged):
            late = self.now - fire.at
            newest = i == len(unlogged) - 1
            action = "missed"
            if newest and late <= grace:
                action = "send" if late <= ON_TIME else "late"
            out.append(Due(sub.chat, fire.day, fire.at, action, fire.key))
        return out


# Starts the due feeds' polls and returns; each feed hands its new article ids to the callback.
PollFeeds = Callable[[datetime, Callable[[list[int]], Awaitable[None]]], Awaitable[object]]


class DigestScheduler:
    """The bot's clock: a tick at every minute for the digests due then, a feed poll, the
    outbox's turn and a summary job.

    No job per subscription: each subscription's next digest time is kept in the store
    (indexed), so a tick reads only what is due, and start-up and an idle minute cost the same
    for ten chats or a hundred thousand. The database is the single truth: a subscription new
    or changed has no time yet and is computed at the next tick; what a restart missed is still
    due (its time is kept until the delivery log has the digest) and `due_digests` decides, with
    the grace and the late note, what to send and what to log as missed.
    """

    def __init__(
        self,
        store: Storage,
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
        push_grace: timedelta = PUSH_GRACE,
    ) -> None:
        self.store = store
        self.archive = archive
        self.clock = clock
        self.grace = grace
        self.poll = poll
        self.poll_every = poll_every
        self.sync_every = sync_every
        self.default_zone = default_zone
        self.digests = DigestSender(store, queue, clock=clock, default_zone=default_zone)
        self.outbox = Outbox(
            store, queue, clock=clock, default_zone=default_zone, rule=breaking, grace=push_grace
        )
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
        self._running: set[asyncio.Task[Any]] = set()

    async def start(self, *, deliver: bool = True, housekeep: bool = True) -> None:
        """Catch up on what is due (and what a stopped process left), then start the jobs.

        A process that does not hold the `deliver` or `schedule` role (`newsbot run --roles`)
        starts without those jobs and takes them on later (`take_delivering`, …).
        """
        if self.poll is not None:
            every = IntervalTrigger(seconds=self.poll_every.total_seconds())
            self.scheduler.add_job(
                self.poll_and_alert, every, id="poll", next_run_time=self.clock()
            )
        if housekeep:
            self.take_housekeeping()
        if deliver:
            self._add_delivering()
            await self._recover()
            await self.tick()
        self.scheduler.start()

    def take_housekeeping(self) -> None:
        """Add the jobs one process runs for all (`schedule`): summaries, archive pruning."""
        self.scheduler.add_job(
            self.summarize_new, IntervalTrigger(minutes=5), id="summarize", replace_existing=True
        )
        self.scheduler.add_job(
            self.prune_archive,
            IntervalTrigger(hours=24),
            id="prune",
            next_run_time=self.clock(),
            replace_existing=True,
        )

    def drop_housekeeping(self) -> None:
        """Another process runs the housekeeping now (this one lost the `schedule` role)."""
        self._remove("summarize", "prune")

    async def take_delivering(self) -> None:
        """Become the one sender of digests and pushes (`deliver`), as a start does: what the
        stopped sender left mid-attempt is logged unknown and never resent; what is due goes out.
        """
        await self._recover()
        await self.tick()
        self._add_delivering()

    def drop_delivering(self) -> None:
        """Stop sending (this process lost the `deliver` role); sends queued still claim first."""
        self._remove("tick", "pushes")

    @property
    def delivering(self) -> bool:
        """Whether this process sends digests and pushes now."""
        return self.scheduler.get_job("pushes") is not None

    def _add_delivering(self) -> None:
        # Digest times are whole minutes: the tick wakes on each minute's first second.
        self.scheduler.add_job(
            self.tick, CronTrigger(second=0, timezone=UTC), id="tick", replace_existing=True
        )
        self.scheduler.add_job(
            self.send_pushes,
            IntervalTrigger(seconds=self.sync_every.total_seconds()),
            id="pushes",
            next_run_time=self.clock(),
            replace_existing=True,
        )

    def _remove(self, *jobs: str) -> None:
        for job in jobs:
            if self.scheduler.get_job(job) is not None:
                self.scheduler.remove_job(job)

    async def _recover(self) -> None:
        unfinished = await self.store.run(
            partial(self.store.deliveries.abandon_unfinished, self.clock())
        )
        for chat, day in unfinished:
            log.warning("event=digest_outcome_unknown chat=%s date=%s action=not_resent", chat, day)
        await self.outbox.recover(self.clock())

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

    async def tick(self) -> None:
        """Send the digests due by now (and log missed ones); keep each chat's next time."""
        self._track()
        now = self.clock()
        subs = await self.store.run(partial(self.store.chats.due_subscriptions, now))
        # A chat whose digest is still queued in this process is looked at again once it ends.
        busy = {chat for chat, _ in self.digests.in_flight}
        await self.run_due([s for s in subs if s.chat not in busy], now)

    async def run_due(self, subs: list[Subscription], now: datetime | None = None) -> None:
        """Send due digests for these subscriptions; log missed ones; then keep the next digest
        time of each whose digests are all logged (a queued one keeps its time until then)."""
        now = now or self.clock()
        timetable = Timetable(now)
        dues = await self.store.run(partial(self._due, subs, timetable))
        await self.digests.send(dues, now)
        busy = {chat for chat, _ in self.digests.in_flight}
        settled = [s for s in subs if s.chat not in busy]
        if settled:
            nexts = {s.chat: timetable.next_at(s) for s in settled}
            await self.store.run(partial(self.store.chats.set_next_due, nexts))

    def _due(self, subs: list[Subscription], timetable: Timetable) -> list[Due]:
        """The digests of these subscriptions due by `now` and not logged (store thread): the
        delivery log read once for all of them, the fire times once per distinct schedule."""
        in_flight = self.digests.in_flight
        since = (timetable.now - LOOKBACK - timedelta(days=1)).date()
        logged = self.store.deliveries.logged_digests([s.chat for s in subs], since)
        dues: list[Due] = []
        for sub in subs:
            chat = sub.chat

            def is_logged(key: DigestKey, chat: str = chat) -> bool:
                text = key if isinstance(key, str) else key.isoformat()
                return (chat, key) in in_flight or (chat, text) in logged

            dues += timetable.due(sub, is_logged, self.grace)
        return dues

    async def poll_and_alert(self) -> None:
        """Start the due feeds' polls; each plans pushes for its new articles."""
        self._track()
        if self.poll is None:
            return
        await self.poll(self.clock(), self.alert)

    async def alert(self, new_ids: list[int]) -> None:
        """Plan keyword alerts and breaking stories for newly stored articles, then send them."""
        if new_ids:
            now = self.clock()
            await self.outbox.plan_alerts(new_ids, now)
            await self.outbox.plan_breaking(now)
            if self.delivering:  # else the sending process finds them at its next turn
                await self.outbox.send_due(now)

    async def send_pushes(self) -> None:
        """Send what is due in the outbox: what waited for a quiet time to end, what a restart
        found planned and never tried."""
        self._track()
        await self.outbox.send_due(self.clock())

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
