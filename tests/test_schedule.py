"""Digest timing: DST, the autumn repeat, restarts, late and missed digests, alerts."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bot.clock import utc_now
from bot.commands import Context, handle
from bot.delivery import Delivery
from bot.digest import for_chats, load_pool, plan_chat
from bot.digest_delivery import PLAN_SLICE
from bot.errors import RateLimited
from bot.ingest.files import ingest_paths
from bot.pushes import Outbox
from bot.records import NewArticle, Reply, Subscription
from bot.render import to_plain
from bot.schedule import (
    DigestScheduler,
    due_digests,
    fire_times,
    next_digest_at,
)
from bot.store import Storage, Store
from bot.transports.console import LIMITS
from tests.conftest import SEEDS, wait_until


@pytest.fixture
def store(any_store: Storage) -> Storage:
    """This module's tests run on SQLite and on PostgreSQL."""
    return any_store


BERLIN = "Europe/Berlin"
CHAT = "console:alice"
CREATED = datetime(2025, 10, 1, tzinfo=UTC)


def sub(at: str = "07:00", chat: str = CHAT) -> Subscription:
    return Subscription(chat, at, BERLIN, CREATED)


def test_seven_oclock_berlin_across_both_dst_switches() -> None:
    spring = next_digest_at(sub(), datetime(2026, 3, 28, 7, tzinfo=UTC))
    assert spring == datetime(2026, 3, 29, 5, tzinfo=UTC)  # 07:00 CEST
    autumn = next_digest_at(sub(), datetime(2026, 10, 24, 6, tzinfo=UTC))
    assert autumn == datetime(2026, 10, 25, 6, tzinfo=UTC)  # 07:00 CET
    before = next_digest_at(sub(), datetime(2026, 10, 24, 4, tzinfo=UTC))
    assert before == datetime(2026, 10, 24, 5, tzinfo=UTC)  # 07:00 CEST the day before


def test_digest_inside_the_autumn_repeat_fires_once() -> None:
    fires = fire_times(
        sub("02:30"), datetime(2026, 10, 24, 12, tzinfo=UTC), datetime(2026, 10, 26, 12, tzinfo=UTC)
    )
    assert fires == [
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 26, 1, 30, tzinfo=UTC),
    ]
    after_first = next_digest_at(sub("02:30"), datetime(2026, 10, 25, 0, 30, tzinfo=UTC))
    assert after_first == datetime(2026, 10, 26, 1, 30, tzinfo=UTC)


def test_digest_inside_the_spring_gap_fires_once_after_it() -> None:
    fires = fire_times(
        sub("02:30"), datetime(2026, 3, 28, 12, tzinfo=UTC), datetime(2026, 3, 29, 12, tzinfo=UTC)
    )
    assert fires == [datetime(2026, 3, 29, 1, 30, tzinfo=UTC)]


def test_due_on_time_late_and_missed() -> None:
    fire = datetime(2025, 11, 10, 6, tzinfo=UTC)  # 07:00 CET
    never = lambda d: False  # noqa: E731
    assert [d.action for d in due_digests(sub(), fire + timedelta(seconds=5), never)] == [
        "missed",
        "missed",
        "send",
    ]  # the two days before, within the lookback, are reported
    fresh = Subscription(CHAT, "07:00", BERLIN, fire - timedelta(hours=1))
    assert [d.action for d in due_digests(fresh, fire + timedelta(seconds=5), never)] == ["send"]
    assert [d.action for d in due_digests(fresh, fire + timedelta(hours=2), never)] == ["late"]
    missed = due_digests(fresh, fire + timedelta(hours=7), never)
    assert [d.action for d in missed] == ["missed"]
    logged = lambda d: d == date(2025, 11, 10)  # noqa: E731
    assert due_digests(fresh, fire + timedelta(minutes=1), logged) == []


def test_subscribing_after_the_time_is_not_a_missed_digest() -> None:
    fresh = Subscription(CHAT, "07:00", BERLIN, datetime(2025, 11, 10, 9, tzinfo=UTC))
    assert due_digests(fresh, datetime(2025, 11, 10, 10, tzinfo=UTC), lambda d: False) == []


class Recorder:
    """A transport that keeps what it sends."""

    name = "console"
    limits = LIMITS
    size = 4096

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def start(self, on_message: object) -> None: ...
    async def stop(self) -> None: ...

    def split(self, reply: Reply, size: int) -> list[Reply]:
        return [reply]

    def is_group(self, chat: str) -> bool:
        return False

    async def send(self, chat: str, part: Reply, replace: str | None = None) -> None:
        self.sent.append((chat, to_plain(part)))


async def run_scheduler(store: Store, recorder: Recorder, at: datetime) -> None:
    """One process lifetime at `at`: start, catch up, deliver, stop."""
    queue = Delivery({"console": recorder})
    await queue.start()
    with time_machine.travel(at, tick=False):
        scheduler = DigestScheduler(store, queue, clock=utc_now)
        await scheduler.tick()
        await queue.join()
    await queue.stop()


async def push_alerts(store: Store, queue: Delivery, ids: list[int], now: datetime) -> int:
    """A feed poll stored `ids` at `now`: alerts planned into the outbox, then sent."""
    outbox = Outbox(store, queue, clock=lambda: now)
    planned = await outbox.plan_alerts(ids, now)
    await outbox.send_due(now)
    return planned


def seeded(store: Store) -> Store:
    list(ingest_paths(store, [SEEDS], datetime(2025, 11, 10, 5, tzinfo=UTC)))
    store.chats.subscribe(sub(), CREATED)
    return store


async def test_restart_right_after_sending_does_not_resend(store: Store) -> None:
    seeded(store)
    recorder = Recorder()
    await run_scheduler(store, recorder, datetime(2025, 11, 10, 6, 0, 1, tzinfo=UTC))
    assert len(recorder.sent) == 1
    assert "Kreml fordert" in recorder.sent[0][1]
    assert "Verspätet" not in recorder.sent[0][1]
    await run_scheduler(store, recorder, datetime(2025, 11, 10, 6, 0, 30, tzinfo=UTC))
    assert len(recorder.sent) == 1
    assert store.deliveries.delivery_status(CHAT, date(2025, 11, 10)) == "sent"


async def test_two_hours_down_sends_the_missed_digest_once_with_a_note(store: Store) -> None:
    seeded(store)
    recorder = Recorder()
    await run_scheduler(store, recorder, datetime(2025, 11, 10, 8, tzinfo=UTC))
    await run_scheduler(store, recorder, datetime(2025, 11, 10, 8, 1, tzinfo=UTC))
    assert len(recorder.sent) == 1
    assert recorder.sent[0][1].startswith("Verspätet: Dieser Überblick war für 07:00 Uhr geplant")


async def test_a_digest_older_than_the_grace_is_logged_as_missed(store: Store) -> None:
    seeded(store)
    recorder = Recorder()
    await run_scheduler(store, recorder, datetime(2025, 11, 10, 13, tzinfo=UTC))
    assert recorder.sent == []
    assert store.deliveries.delivery_status(CHAT, date(2025, 11, 10)) == "missed"


async def test_alert_fires_once_per_article_and_chat(store: Store) -> None:
    now = datetime(2025, 11, 10, 12, tzinfo=UTC)
    ids = [r.article_id for r in ingest_paths(store, [SEEDS], now) if r.article_id]
    store.chats.add_alert(CHAT, ("venezuela",), now)
    store.chats.add_alert(CHAT, ("maduro",), now)
    store.chats.add_alert("console:bob", ("luftabwehrsysteme",), now)
    recorder = Recorder()
    queue = Delivery({"console": recorder})
    await queue.start()
    await push_alerts(store, queue, ids, now)
    await queue.join()
    await push_alerts(store, queue, ids, now)
    await queue.join()
    await queue.stop()
    chats = sorted(chat for chat, _ in recorder.sent)
    assert chats == [CHAT, CHAT, "console:bob"]


async def test_alert_on_a_word_fires_for_its_other_forms(store: Store) -> None:
    from bot.alerts import alert_words

    now = datetime(2025, 11, 10, 12, tzinfo=UTC)
    filler = " Der Stadtrat berät am Montag darüber, die Anwohner sind gespannt auf das Ergebnis."
    houses = NewArticle(
        "Neue Häuser am Hafen", "dpa", "Am Hafen entstehen Häuser." + filler, (), now
    )
    other = NewArticle("Radweg am Hafen", "dpa", "Am Hafen entsteht ein Radweg." + filler, (), now)
    ids = [store.articles.add_article(houses, now)[1], store.articles.add_article(other, now)[1]]
    store.chats.add_alert(CHAT, alert_words("Haus"), now)
    recorder = Recorder()
    queue = Delivery({"console": recorder})
    await queue.start()
    assert await push_alerts(store, queue, ids, now) == 1
    await queue.join()
    await queue.stop()
    [(chat, _)] = recorder.sent
    assert chat == CHAT


async def test_the_clock_keeps_each_subscriptions_next_digest_time(store: Store) -> None:
    store.chats.subscribe(sub("07:30"), CREATED)
    queue = Delivery({"console": Recorder()})
    with time_machine.travel(datetime(2025, 11, 10, 5, tzinfo=UTC), tick=False):
        scheduler = DigestScheduler(store, queue, clock=utc_now)
        await scheduler.start()
        # While the scheduler runs, the store is used on its own thread, as the bot does.
        assert await store.run(partial(store.chats.next_due_at, CHAT)) == datetime(
            2025, 11, 10, 6, 30, tzinfo=UTC
        )
        # One tick for every chat, no job per subscription.
        assert not [j for j in scheduler.scheduler.get_jobs() if j.id.startswith("digest")]
        # A changed subscription is computed afresh at the next tick.
        await store.run(partial(store.chats.subscribe, sub("08:15"), CREATED))
        assert await store.run(partial(store.chats.next_due_at, CHAT)) is None
        await scheduler.tick()
        due = await store.run(partial(store.chats.next_due_at, CHAT))
        assert due == datetime(2025, 11, 10, 7, 15, tzinfo=UTC)
        await store.run(partial(store.chats.unsubscribe, CHAT))
        await scheduler.tick()
        later = datetime(2025, 11, 12, tzinfo=UTC)
        assert await store.run(partial(store.chats.due_subscriptions, later)) == []
        await scheduler.stop()


async def test_a_tick_reads_only_the_subscriptions_due(store: Store) -> None:
    seeded(store)
    for n in range(50):
        store.chats.subscribe(sub("18:00", chat=f"console:late{n}"), CREATED)
    recorder = Recorder()
    await run_scheduler(store, recorder, datetime(2025, 11, 10, 5, 59, tzinfo=UTC))
    assert recorder.sent == []
    # At 07:00 Berlin only the one chat due then is read, and it gets its digest.
    assert [
        s.chat for s in store.chats.due_subscriptions(datetime(2025, 11, 10, 6, tzinfo=UTC))
    ] == [CHAT]
    await run_scheduler(store, recorder, datetime(2025, 11, 10, 6, 0, 1, tzinfo=UTC))
    assert [chat for chat, _ in recorder.sent] == [CHAT]
    # The next minute's tick finds it logged and keeps tomorrow's time.
    await run_scheduler(store, recorder, datetime(2025, 11, 10, 6, 1, tzinfo=UTC))
    assert store.chats.next_due_at(CHAT) == datetime(2025, 11, 11, 6, tzinfo=UTC)
    assert len(recorder.sent) == 1


async def test_a_send_cut_off_by_a_crash_is_never_resent_and_is_logged(store: Store) -> None:
    seeded(store)
    at = datetime(2025, 11, 10, 6, 0, 1, tzinfo=UTC)
    # What a process killed between claiming and finishing a send leaves behind.
    assert store.deliveries.claim_delivery(CHAT, date(2025, 11, 10), at=at)
    recorder = Recorder()
    queue = Delivery({"console": recorder})
    await queue.start()
    with time_machine.travel(at + timedelta(minutes=1), tick=False):
        scheduler = DigestScheduler(store, queue, clock=utc_now)
        await scheduler.start()
        await queue.join()
        await scheduler.stop()
    await queue.stop()
    assert recorder.sent == []
    assert store.deliveries.delivery_status(CHAT, date(2025, 11, 10)) == "unknown"


async def test_a_scheduled_digest_is_dated_and_timed_in_the_subscribers_zone(
    store: Store,
) -> None:
    list(ingest_paths(store, [SEEDS], datetime(2025, 11, 10, 5, tzinfo=UTC)))
    store.chats.subscribe(Subscription(CHAT, "21:00", "America/New_York", CREATED), CREATED)
    recorder = Recorder()
    # 21:00 in New York on 10 November is already 11 November in Berlin.
    await run_scheduler(store, recorder, datetime(2025, 11, 11, 2, 0, 1, tzinfo=UTC))
    assert len(recorder.sent) == 1
    text = recorder.sent[0][1]
    assert text.startswith("Neu seit 09.11.2025 21:00")  # 24 hours before, New York time
    assert "(02.11.2025 03:13)" in text
    assert store.deliveries.delivery_status(CHAT, date(2025, 11, 10)) == "sent"


async def test_the_digest_command_shows_what_the_scheduler_would_send_now(store: Store) -> None:
    now = datetime(2025, 11, 11, 3, tzinfo=UTC)
    list(ingest_paths(store, [SEEDS], now - timedelta(hours=2)))
    body = "Der Bundestag beschließt den Haushalt für 2026 nach langer Debatte über die Schulden."
    store.articles.add_article(
        NewArticle("Bundestag beschließt Haushalt", "ZDF", body, (body,), now), now
    )
    store.chats.subscribe(Subscription(CHAT, "07:00", "America/New_York", CREATED), CREATED)
    store.chats.update_settings(CHAT, now, language="en", sentences=1)
    shown: set[str] = set()
    for keywords in ((), ("venezuela",), ("-venezuela",)):
        store.chats.set_digest_keywords(CHAT, keywords, now)
        # Cut as the scheduler cuts a due minute's chats, over /digest's window.
        plans = {CHAT: plan_chat(store, CHAT, now, default_zone="Europe/Berlin", fresh=True)}
        [scheduled] = for_chats(load_pool(store, plans.values(), now), plans, now)
        asked = handle("/digest", Context(CHAT, now), store)
        assert scheduled.wanted
        assert asked == scheduled.reply
        assert to_plain(asked).startswith("New since 2025-11-09 22:00")
        shown.add(to_plain(asked))
    assert len(shown) == 3  # each filter changed what both show


async def test_a_first_start_over_many_chats_keeps_each_time_and_logs_each_missed_once(
    store: Storage, caplog: pytest.LogCaptureFixture
) -> None:
    # What an upgrade leaves: 120 subscriptions at three times, no next time kept yet, and
    # two days of digests never logged (the bot was stopped).
    now = datetime(2025, 11, 10, 12, 0, 30, tzinfo=UTC)
    created = now - timedelta(days=2, hours=1)
    times = ("06:00", "05:30", "20:00")
    chats = [f"console:c{n}" for n in range(120)]
    for n, chat in enumerate(chats):
        store.chats.subscribe(Subscription(chat, times[n % 3], BERLIN, created), created)
    queue = Delivery({"console": Recorder()})
    with time_machine.travel(now, tick=False):
        scheduler = DigestScheduler(store, queue, clock=utc_now)
        await scheduler.tick()
    # Each chat's next digest is kept: today's 20:00 or tomorrow's 06:00 / 05:30 (Berlin).
    expected = {
        "06:00": datetime(2025, 11, 11, 5, tzinfo=UTC),
        "05:30": datetime(2025, 11, 11, 4, 30, tzinfo=UTC),
        "20:00": datetime(2025, 11, 10, 19, tzinfo=UTC),
    }
    for n, chat in enumerate(chats):
        assert store.chats.next_due_at(chat) == expected[times[n % 3]]
    # Every digest since the subscriptions began is older than the grace: logged as missed
    # once each (two a chat), one log line each for the first 50, one line for them all.
    since = (now - timedelta(days=4)).date()
    logged = store.deliveries.logged_digests(chats, since)
    missed = {(c, k) for c, k in logged if store.deliveries.delivery_status(c, k) == "missed"}
    assert len(missed) == 120 * 2
    lines = [r for r in caplog.records if "event=digest_missed" in r.getMessage()]
    summary = [r for r in caplog.records if "event=digests_missed" in r.getMessage()]
    assert len(lines) == 50
    assert [r.getMessage().split()[1] for r in summary] == [f"count={len(missed)}"]


class Racing(Recorder):
    """A transport whose first send lets another process try to claim `contested` meanwhile;
    `won` are the chats that process claimed (which depends on how far the claims had got)."""

    def __init__(self, store: Storage, contested: list[str], day: date, at: datetime) -> None:
        super().__init__()
        self.store, self.contested, self.day, self.at = store, contested, day, at
        self.won: set[str] = set()

    async def send(self, chat: str, part: Reply, replace: str | None = None) -> None:
        if not self.sent:
            for other in self.contested:
                claim = partial(self.store.deliveries.claim_delivery, other, self.day, at=self.at)
                if await self.store.run(claim):
                    self.won.add(other)
        await super().send(chat, part, replace)


async def test_a_due_minute_of_many_chats_claims_each_once_on_either_backend(
    store: Storage,
) -> None:
    # 600 chats due at 07:00 Berlin, sent as fast as the console takes them (claims in
    # batches). Another process claimed the last 40 before this one's tick, and tries 40 more
    # while the first digest is being sent: each chat is sent by exactly one of the two.
    seeded(store)
    chats = sorted([CHAT] + [f"console:c{n:03}" for n in range(599)])
    for chat in set(chats) - {CHAT}:
        store.chats.subscribe(sub(chat=chat), CREATED)
    at, day = datetime(2025, 11, 10, 6, 0, 1, tzinfo=UTC), date(2025, 11, 10)
    theirs = chats[-40:]
    for chat in theirs:
        assert store.deliveries.claim_delivery(chat, day, at=at)
    recorder = Racing(store, chats[-80:-40], day, at)
    await run_scheduler(store, recorder, at)
    taken = set(theirs) | recorder.won
    sent = Counter(chat for chat, _ in recorder.sent)
    assert set(sent) == set(chats) - taken
    assert set(sent.values()) == {1}
    statuses = {c: store.deliveries.delivery_status(c, day) for c in chats}
    assert {c for c, s in statuses.items() if s == "sent"} == set(sent)
    assert {c for c, s in statuses.items() if s == "sending"} == taken
    kept = store.archive.archived_digest(chats[0], day)
    assert kept is not None
    assert to_plain(kept.reply) == dict(recorder.sent)[chats[0]]
    # A minute later nothing is due again, and nothing is sent twice.
    await run_scheduler(store, recorder, at + timedelta(minutes=1))
    assert len(recorder.sent) == len(sent)


async def test_a_due_minute_is_planned_in_a_few_reads_not_a_few_per_chat() -> None:
    store = seeded(Store.memory())
    for n in range(1200):
        store.chats.subscribe(sub(chat=f"console:c{n}"), CREATED)
    reads: list[str] = []
    wanted = re.compile(r"FROM (chats|chat_feeds|digest_requests)\b")
    store.db.conn.set_trace_callback(lambda sql: reads.append(sql) if wanted.search(sql) else None)
    recorder = Recorder()
    await run_scheduler(store, recorder, datetime(2025, 11, 10, 6, 0, 1, tzinfo=UTC))
    store.db.conn.set_trace_callback(None)
    assert len(recorder.sent) == 1201
    # Settings, own feeds and last digests: three reads per slice of chats planned together.
    assert len(reads) <= 3 * -(-1201 // PLAN_SLICE)
    store.close()


async def test_a_digest_whose_outcome_cannot_be_written_does_not_hold_up_the_chats_next_one(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The store refuses the "sent" row once (busy, or the server gone for a moment): the digest
    # went out, so it is not sent again, and the chat still gets tomorrow's from this process.
    seeded(store)
    write = store.deliveries.finish_deliveries
    refused: list[int] = []

    def finish_once_refused(ends: object, *, at: datetime) -> None:
        if not refused:
            refused.append(1)
            raise RuntimeError("database is locked")
        write(ends, at=at)  # type: ignore[arg-type]

    monkeypatch.setattr(store.deliveries, "finish_deliveries", finish_once_refused)
    recorder = Recorder()
    queue = Delivery({"console": recorder})
    await queue.start()
    scheduler = DigestScheduler(store, queue, clock=utc_now)
    for day in (10, 10, 11):
        with time_machine.travel(datetime(2025, 11, day, 6, 0, 1, tzinfo=UTC), tick=False):
            await scheduler.tick()
            await queue.join()
    await queue.stop()
    assert refused == [1]
    assert [chat for chat, _ in recorder.sent] == [CHAT, CHAT]
    assert store.deliveries.delivery_status(CHAT, date(2025, 11, 11)) == "sent"


async def test_a_digest_the_platform_refused_before_a_restart_goes_out_after_it(
    store: Store,
) -> None:
    # Claimed, answered 429 (retry in two minutes), and the process stopped for an update:
    # nothing went out, so the next start sends it once (late), not "unknown, not resent".
    seeded(store)
    at = datetime(2025, 11, 10, 6, 0, 1, tzinfo=UTC)
    refusing = Refusing()
    queue = Delivery({"console": refusing})
    await queue.start()
    with time_machine.travel(at, tick=False):
        await DigestScheduler(store, queue, clock=utc_now).tick()
        await wait_until(lambda: refusing.refused)
        await asyncio.sleep(0.05)
    await queue.stop()
    assert refusing.sent == []
    recorder = Recorder()
    with time_machine.travel(at + timedelta(minutes=3), tick=False):
        queue = Delivery({"console": recorder})
        await queue.start()
        scheduler = DigestScheduler(store, queue, clock=utc_now)
        await scheduler.start()
        await scheduler.tick()
        await queue.join()
        await scheduler.stop()
        await queue.stop()
    assert [chat for chat, _ in recorder.sent] == [CHAT]
    assert store.deliveries.delivery_status(CHAT, date(2025, 11, 10)) == "sent"


class Refusing(Recorder):
    """Answers Telegram's 429 to the first `refusals` sends (all when None): the platform
    refused them, nothing went out."""

    def __init__(self, refusals: int | None = None) -> None:
        super().__init__()
        self.refusals = refusals
        self.refused = 0

    async def send(self, chat: str, part: Reply, replace: str | None = None) -> None:
        if self.refusals is None or self.refused < self.refusals:
            self.refused += 1
            raise RateLimited(120.0)
        await super().send(chat, part, replace)


@pytest.mark.parametrize(
    ("zone", "at", "night"),
    [
        # The local date of the first digest: the night the clocks go forward.
        ("Europe/Berlin", "00:00", date(2026, 3, 29)),
        ("America/Los_Angeles", "00:30", date(2026, 3, 8)),
        ("Pacific/Auckland", "00:15", date(2026, 9, 27)),
        ("Australia/Lord_Howe", "00:00", date(2026, 10, 4)),
    ],
)
async def test_a_midnight_digest_comes_on_the_night_after_clocks_go_forward(
    store: Store, zone: str, at: str, night: date
) -> None:
    """`/subscribe 0 Uhr`: the day after the spring switch has its midnight digest too, with
    what came since the one before (CronTrigger 3.11 stepped over that day)."""
    clock = time.fromisoformat(at)
    first = datetime.combine(night, clock, ZoneInfo(zone)).astimezone(UTC)
    second = datetime.combine(night + timedelta(days=1), clock, ZoneInfo(zone)).astimezone(UTC)
    created = first - timedelta(hours=6)
    store.chats.subscribe(Subscription(CHAT, at, zone, created), created)
    for title, when in (
        ("Sturmflut an der Nordseeküste erwartet", first - timedelta(hours=3)),
        ("Bahn kündigt neuen Fahrplan an", second - timedelta(hours=9)),
    ):
        body = f"{title}. Die Behörden informieren am Abend über die nächsten Schritte."
        store.articles.add_article(NewArticle(title, "dpa", body, (body,), when), when)
    recorder = Recorder()
    for now in (first, first + timedelta(minutes=1), second, second + timedelta(minutes=1)):
        await run_scheduler(store, recorder, now)
    assert len(recorder.sent) == 2, [text[:40] for _, text in recorder.sent]
    assert "Sturmflut" in recorder.sent[0][1]
    assert "Bahn kündigt" in recorder.sent[1][1]
    assert "Sturmflut" not in recorder.sent[1][1]
    local = second.astimezone(ZoneInfo(zone))
    assert local.strftime("%H:%M") == at  # the digest time, on the clock there
    assert store.deliveries.delivery_status(CHAT, local.date()) == "sent"


async def test_what_arrives_while_a_digest_is_being_sent_comes_in_the_next_one(
    store: Store,
) -> None:
    """`/subscribe 07:00 18:00`: the morning digest is built at 07:00 and its send ends 40 s
    later (Telegram's pace over a due minute of many chats); a report stored meanwhile was not in
    it, so the evening digest brings it."""
    morning = datetime(2025, 12, 3, 6, 0, tzinfo=UTC)  # 07:00 Berlin, a Wednesday
    evening = datetime(2025, 12, 3, 17, 0, tzinfo=UTC)
    created = morning - timedelta(hours=10)
    store.chats.subscribe(Subscription(CHAT, "07:00", BERLIN, created, ("18:00",)), created)
    news = (
        "Grönland verhandelt über Zölle",
        "Bahnstreik legt den Fernverkehr lahm",
    )

    def report(title: str, at: datetime) -> NewArticle:
        body = f"{title}. Die Verhandlungen sollen am Donnerstag fortgesetzt werden."
        return NewArticle(title, "dpa", body, (body,), at - timedelta(minutes=1))

    store.articles.add_article(report(news[0], created), created)

    class Slow(Recorder):
        async def send(self, chat: str, part: Reply, replace: str | None = None) -> None:
            if not self.sent:
                # A feed poll stores a report while the morning digest is on its way.
                traveller.shift(timedelta(seconds=20))
                strike = report(news[1], utc_now())
                await store.run(partial(store.articles.add_article, strike, utc_now()))
                traveller.shift(timedelta(seconds=20))
            await super().send(chat, part, replace)

    recorder = Slow()
    queue = Delivery({"console": recorder})
    await queue.start()
    for at in (morning, evening):
        with time_machine.travel(at, tick=False) as traveller:
            await DigestScheduler(store, queue, clock=utc_now).tick()
            await queue.join()
            await wait_until(lambda: store.run(partial(store.deliveries.last_digest_at, CHAT)))
    await queue.stop()
    [first, second] = [text for _, text in recorder.sent]
    assert news[0] in first
    assert news[1] not in first
    assert news[1] in second  # stored after the morning digest was built
    assert news[0] not in second
