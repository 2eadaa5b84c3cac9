"""Several `newsbot run` processes on one database: the roles (`--roles`), the singleton locks
and their takeover, and one process per SQLite file.

The kill test runs three real processes on a throwaway PostgreSQL server against the fake Bot
API and a loopback feed site, and `kill -9`s the one that sends, polls and receives.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from random import Random
from typing import Any

import psycopg
import pytest
from aiohttp import web

from bot.cli import main
from bot.delivery import MAX_IN_FLIGHT
from bot.ingest.files import ingest_paths
from bot.records import Subscription
from bot.roles import Singleton, keep_roles, parse_roles, release_all
from bot.store.locks import AdvisoryLock
from bot.store.postgres import PostgresStore
from tests.conftest import ROOT, SEEDS, wait_until
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.feed_site import FeedSite, german_text

CHATS = 1000
FEEDS = 200
# Longer than a poll takes under load: a poller planning 1,000 alerts holds its store thread
# for half a minute on a busy machine, and a lease that ran out mid-poll lets another take it.
LEASE = 90


def test_roles_are_a_comma_separated_list_and_an_unknown_one_is_named(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert parse_roles("receive, poll") == {"receive", "poll"}
    with pytest.raises(ValueError, match=r"unknown role send: expected .*receive, schedule"):
        parse_roles("poll,send")
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--roles", "send"])
    assert exit_.value.code == 2
    assert (
        "unknown role send: expected a comma-separated list of receive" in capsys.readouterr().err
    )


def test_a_role_lock_is_held_once_and_taken_over_when_its_holder_dies(postgres_url: str) -> None:
    holder, waiting = AdvisoryLock(postgres_url, "deliver"), AdvisoryLock(postgres_url, "deliver")
    other = AdvisoryLock(postgres_url, "schedule")
    try:
        assert holder.acquire()
        assert not waiting.acquire()
        assert other.acquire()  # each role its own lock
        # The holder's session ends as a killed process's does (or its connection is lost).
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [holder._conn.info.backend_pid])
        assert not holder.alive()
        assert waiting.acquire()
        assert not holder.acquire()
        waiting.release()  # a process that stops hands the role on at once
        assert holder.acquire()
    finally:
        for lock in (holder, waiting, other):
            lock.release()


@dataclass
class FlakyLock:
    """A role lock whose holder's connection the test breaks and mends."""

    name: str = "deliver"
    free: bool = True
    connected: bool = True

    def acquire(self) -> bool:
        return self.free and self.connected

    def alive(self) -> bool:
        return self.connected

    def release(self) -> None:
        self.free = True


async def test_a_process_that_loses_its_lock_stops_the_role_and_takes_it_again_when_free() -> None:
    lock = FlakyLock()
    events: list[str] = []

    async def take() -> None:
        events.append("take")

    async def drop() -> None:
        events.append("drop")

    role = Singleton(lock, take, drop)
    stop = asyncio.Event()
    keeping = asyncio.create_task(keep_roles([role], 0.01, stop))
    try:
        await wait_until(lambda: events == ["take"], within=10, every=0.01)
        lock.connected = False  # the lock's connection broke: another process may hold it now
        await wait_until(lambda: events == ["take", "drop"], within=10, every=0.01)
        assert not role.held
        lock.connected = True
        await wait_until(lambda: events == ["take", "drop", "take"], within=10, every=0.01)
    finally:
        stop.set()
        await keeping
    release_all([role])
    assert lock.free
    assert not role.held


def run_env(db: str, bot_api: FakeBotAPI, **extra: str) -> dict[str, str]:
    """The environment of a `newsbot run` aimed at the fake Bot API (`extra`: more settings)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MATRIX_", "NEWSBOT_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=bot_api.token,
        TELEGRAM_API_URL=bot_api.base_url,
        NEWSBOT_DB=db,
        NEWSBOT_CONFIG=os.devnull,
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


@pytest.mark.slow
@pytest.mark.integration
async def test_a_second_run_on_one_sqlite_file_is_refused_in_one_line(
    bot_api: FakeBotAPI, tmp_path: Path
) -> None:
    db = tmp_path / "bot.db"
    log = tmp_path / "first.log"
    env = run_env(str(db), bot_api)
    with log.open("wb") as err:
        first = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=err,
        )  # fmt: skip
    try:
        await wait_until(lambda: "event=scheduler_started" in log.read_text(), within=60)
        second = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, refused = await asyncio.wait_for(second.communicate(), 60)
    finally:
        first.send_signal(signal.SIGTERM)
        await asyncio.wait_for(first.wait(), 60)
    assert second.returncode == 2
    assert refused.decode().strip().splitlines() == [
        f"newsbot run: another newsbot run (pid {first.pid}) is serving {db.resolve()}; one process"
        " per SQLite file (use a postgresql:// database to run several)"
    ]


@dataclass
class PollCounting(FakeBotAPI):
    """The fake Bot API, counting getUpdates calls under way at once (one receiver: one)."""

    polling: int = 0
    most_polling: int = 0

    async def m_getupdates(self, p: dict[str, Any]) -> Any:
        self.polling += 1
        self.most_polling = max(self.most_polling, self.polling)
        try:
            return await super().m_getupdates(p)
        finally:
            self.polling -= 1


@dataclass
class ManyFeeds:
    """Small empty feeds, and `hang…` ones that never answer, each noting when it was asked."""

    hits: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    # Who polls each time (the lease's owner, host:pid), when `holder` can tell.
    pollers: dict[str, list[str | None]] = field(default_factory=lambda: defaultdict(list))
    holder: Callable[[str], Awaitable[str | None]] | None = None
    closing: asyncio.Event = field(default_factory=asyncio.Event)
    port: int = 0
    _runner: web.AppRunner | None = None

    async def feed(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        self.hits[name].append(time.monotonic())
        if self.holder is not None:
            self.pollers[name].append(await self.holder(self.url(name)))
        if name.startswith("hang"):
            await self.closing.wait()
        body = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Leer {name}</title><link>http://127.0.0.1/</link>"
            "<description>Nichts Neues</description></channel></rss>"
        )
        return web.Response(text=body, content_type="application/rss+xml")

    async def start(self) -> ManyFeeds:
        app = web.Application()
        app.router.add_get("/{name}.xml", self.feed)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        self.closing.set()
        if self._runner is not None:
            await self._runner.cleanup()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}.xml"


@pytest.fixture
async def many_feeds() -> AsyncIterator[ManyFeeds]:
    site = await ManyFeeds().start()
    yield site
    await site.stop()


def prepare(url: str, alert_feed: str, feeds: ManyFeeds) -> None:
    """`CHATS` chats, each with a digest due ten minutes ago and an alert on `bahnstreik`; the
    alert's feed, then `FEEDS` quiet ones."""
    now = datetime.now(UTC)
    store = PostgresStore.open(url)
    try:
        list(ingest_paths(store, [SEEDS], now - timedelta(hours=1)))
        at = (now - timedelta(minutes=10)).strftime("%H:%M")
        created = now - timedelta(days=2)
        with store.transaction():
            for i in range(1, CHATS + 1):
                store.chats.subscribe(Subscription(f"telegram:{i}", at, "UTC", created), created)
                store.chats.add_alert(f"telegram:{i}", ("bahnstreik",), created)
            store.feeds.add_feed(alert_feed, now)
            for n in range(FEEDS):
                store.feeds.add_feed(feeds.url(f"f{n}"), now)
    finally:
        store.close()


def outcomes(url: str) -> tuple[dict[str, str], dict[str, str]]:
    """Each chat's logged digest status and alert status."""
    with psycopg.connect(url, autocommit=True) as conn:
        digests = conn.execute("SELECT chat, status FROM deliveries").fetchall()
        alerts = conn.execute("SELECT chat, status FROM pushes WHERE kind = 'alert'").fetchall()
    return {str(c): str(s) for c, s in digests}, {str(c): str(s) for c, s in alerts}


def settled(url: str) -> bool:
    digests, alerts = outcomes(url)
    ended = ("sent", "unknown")
    return (
        sum(s in ended for s in digests.values()) == CHATS
        and sum(s in ended for s in alerts.values()) == CHATS
    )


@dataclass
class Bot:
    """One `newsbot run` process and the file its log goes to."""

    proc: asyncio.subprocess.Process
    log: Path

    def said(self, text: str) -> bool:
        return text in self.log.read_text(errors="replace")


async def start(
    name: str, url: str, bot_api: FakeBotAPI, folder: Path, roles: str = "", **env: str
) -> Bot:
    """`newsbot run` (with `--roles roles`, if given), its log in `folder/name.log`."""
    log = folder / f"{name}.log"
    args = ["--roles", roles] if roles else []
    with log.open("ab") as err:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", *args, cwd=ROOT,
            env=run_env(url, bot_api, **env), stdout=asyncio.subprocess.DEVNULL, stderr=err,
        )  # fmt: skip
    return Bot(proc, log)


async def stop(bot: Bot) -> None:
    if bot.proc.returncode is None:
        bot.proc.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(bot.proc.wait(), 120)
    except TimeoutError:
        bot.proc.kill()
        await bot.proc.wait()
        raise AssertionError("a bot did not stop within 120 s of SIGTERM") from None


def is_digest(text: str) -> bool:
    return text.startswith("Verspätet")  # due ten minutes ago: each one says it is late


@pytest.mark.slow
@pytest.mark.integration
async def test_three_processes_share_the_work_and_a_killed_one_is_taken_over(
    postgres_url: str, many_feeds: ManyFeeds, tmp_path: Path
) -> None:
    began = time.monotonic()
    bot_api = PollCounting()
    await bot_api.start()
    site = await FeedSite().start()
    leases = await psycopg.AsyncConnection.connect(postgres_url, autocommit=True)
    bots: list[Bot] = []
    try:
        now = datetime.now(UTC)
        text = german_text(Random(3), 150)
        site.publish("streik", "Bahnstreik legt den Fernverkehr lahm", text, now)
        prepare(postgres_url, site.url("/feed.xml"), many_feeds)
        many_feeds.holder = partial(lease_holder_on, leases)
        # Feeds every minute, leased for 90 s; roles checked every 2 s: settings an operator
        # may choose.
        settings = {
            "NEWSBOT_FETCH_ALLOW": "127.0.0.1",
            "NEWSBOT_FEED_INTERVAL_MINUTES": "1",
            "NEWSBOT_FETCH_TIMEOUT_SECONDS": "20",
            "NEWSBOT_FEED_LEASE_SECONDS": str(LEASE),
            "NEWSBOT_ROLE_CHECK_SECONDS": "2",
        }
        first = await start("first", postgres_url, bot_api, tmp_path, **settings)
        bots.append(first)
        # The first takes every singleton; then the two others start.
        roles = ("deliver", "schedule", "receive:telegram:")
        await wait_until(lambda: all(first.said(f"role_taken role={r}") for r in roles), within=90)
        for name in ("second", "third"):
            bots.append(await start(name, postgres_url, bot_api, tmp_path, **settings))
        await wait_until(lambda: all(b.said("event=scheduler_started") for b in bots), within=90)

        def sent() -> tuple[int, int]:
            digests = sum(is_digest(m.visible) for m in bot_api.sent)
            return digests, len(bot_api.sent) - digests

        # Mid-burst, both kinds under way: kill -9 the one that sends, polls and receives.
        await wait_until(lambda: sum(sent()) >= 300 and min(sent()) >= 30, within=120)
        receivers_before = bot_api.most_polling
        first.proc.kill()
        await first.proc.wait()
        killed = time.monotonic()
        before = sent()
        assert sum(before) < 2 * CHATS  # the burst was cut off
        bot_api.push_text("/hilfe", chat_id=5000)
        bots.append(await start("restarted", postgres_url, bot_api, tmp_path, **settings))
        await wait_until(lambda: bot_api.screen(5000), within=60)
        takeover = time.monotonic() - killed
        await wait_until(partial(settled, postgres_url), within=180, every=1.0)
        # Every feed polled twice, and again after the kill.
        await wait_until(
            lambda: all(
                len(many_feeds.hits[f"f{n}"]) >= 2 and many_feeds.hits[f"f{n}"][-1] > killed
                for n in range(FEEDS)
            ),
            LEASE + 90,
        )
    finally:
        for bot in bots:
            await stop(bot)
        await site.stop()
        await bot_api.stop()
        many_feeds.holder = None
        await leases.close()
    wall = time.monotonic() - began

    digests: dict[int, int] = defaultdict(int)
    alerts: dict[int, int] = defaultdict(int)
    for message in bot_api.sent:
        if message.chat_id == 5000:
            continue
        if is_digest(message.visible):
            digests[message.chat_id] += 1
        else:
            assert "bahnstreik" in message.visible.casefold(), message.visible
            alerts[message.chat_id] += 1
    logged_digests, logged_alerts = outcomes(postgres_url)
    for got, logged, kind in (
        (digests, logged_digests, "digest"),
        (alerts, logged_alerts, "alert"),
    ):
        unknown = {chat for chat, status in logged.items() if status == "unknown"}
        assert max(got.values()) == 1, f"a chat got its {kind} twice"
        missing = {f"telegram:{i}" for i in range(1, CHATS + 1) if got[i] == 0}
        assert missing <= unknown, f"a {kind} was lost without an unknown attempt logged"
        # At most the attempts under way at the kill: claimed, their outcome not yet written.
        assert len(unknown) <= MAX_IN_FLIGHT, unknown
    assert receivers_before == 1  # one long-polling receiver for the token among three
    assert takeover < 60

    # Polled once a minute (±10 s) across the processes, and again within the interval plus
    # the lease after the kill. A poll the killed process had under way never ended: that
    # feed is due again when its lease runs out, whenever it was asked.
    dead = f"{socket.gethostname()}:{first.proc.pid}"
    gaps, cut_off = [], 0
    for n in range(FEEDS):
        (a, b), poller = many_feeds.hits[f"f{n}"][:2], many_feeds.pollers[f"f{n}"][0]
        if poller == dead and b > killed:  # polled again after its lease ran out
            cut_off += 1
        else:
            gaps.append(b - a)
    assert all(50 <= gap <= 70 for gap in gaps), sorted(gaps)[:3] + sorted(gaps)[-3:]
    hits = [many_feeds.hits[f"f{n}"] for n in range(FEEDS)]
    after_kill = [min(t for t in times if t > killed) - killed for times in hits]
    assert max(after_kill) <= 60 + LEASE + 10
    unknown_digests = sum(s == "unknown" for s in logged_digests.values())
    unknown_alerts = sum(s == "unknown" for s in logged_alerts.values())
    # The figures behind the closing note: `pytest -s -k three_processes tests/test_roles.py`.
    print(
        f"\nkill -9 after {before[0]} digests and {before[1]} alerts;"
        f" digests: {sum(digests.values())} of {CHATS} chats exactly one,"
        f" {unknown_digests} unknown;"
        f" alerts: {sum(alerts.values())} of {CHATS} exactly one, {unknown_alerts} unknown;"
        f" receiver taken over in {takeover:.1f} s; feed gaps {min(gaps):.1f}-{max(gaps):.1f} s"
        f" ({cut_off} polls cut off by the kill),"
        f" first poll after the kill within {max(after_kill):.1f} s; wall {wall:.0f} s"
    )


async def lease_holder_on(conn: psycopg.AsyncConnection[Any], feed_url: str) -> str | None:
    """Who holds the feed's lease now (its poller, while the poll runs)."""
    cur = await conn.execute("SELECT lease_owner FROM feeds WHERE url = %s", [feed_url])
    row = await cur.fetchone()
    return None if row is None or row[0] is None else str(row[0])


def lease_holder(url: str, feed_url: str) -> str | None:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT lease_owner FROM feeds WHERE url = %s", [feed_url]).fetchone()
    return None if row is None or row[0] is None else str(row[0])


@pytest.mark.slow
@pytest.mark.integration
async def test_a_killed_pollers_feed_is_polled_by_another_once_its_lease_runs_out(
    postgres_url: str, many_feeds: ManyFeeds, bot_api: FakeBotAPI, tmp_path: Path
) -> None:
    lease = 10
    hanging = many_feeds.url("hang")
    # Only the poll role: no chat platform needed. A fetch gives up after 60 s, so the poll is
    # still under way when its poller is killed.
    settings = {
        "NEWSBOT_FETCH_ALLOW": "127.0.0.1",
        "NEWSBOT_FETCH_TIMEOUT_SECONDS": "60",
        "NEWSBOT_FEED_LEASE_SECONDS": str(lease),
    }
    PostgresStore.open(postgres_url).close()  # migrated once, before both start
    bots = {}
    try:
        for name in ("one", "two"):
            bot = await start(name, postgres_url, bot_api, tmp_path, "poll", **settings)
            bots[bot.proc.pid] = bot
        await wait_until(lambda: all(b.said("event=scheduler_started") for b in bots.values()), 90)
        store = PostgresStore.open(postgres_url)
        store.feeds.add_feed(hanging, datetime.now(UTC))
        store.close()
        await wait_until(lambda: many_feeds.hits["hang"], within=30)
        holder = lease_holder(postgres_url, hanging)
        assert holder is not None
        victim = bots[int(holder.rsplit(":", 1)[1])]
        victim.proc.kill()
        await victim.proc.wait()
        await wait_until(lambda: len(many_feeds.hits["hang"]) >= 2, within=lease + 30)
        again = lease_holder(postgres_url, hanging)
    finally:
        for bot in bots.values():
            await stop(bot)
    assert again is not None
    assert again != holder  # the survivor took it
    first, second = many_feeds.hits["hang"][:2]
    # Not while the dead poller's lease held it; within a poll cycle (10 s) after it ran out.
    assert lease - 1 <= second - first <= lease + 10 + 5, second - first
    print(f"\nthe killed poller's feed was polled again {second - first:.1f} s after its claim")
