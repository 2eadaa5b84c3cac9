"""Commands any process may answer, and updates that come twice: an alert or a chat feed is
stored once however often (and wherever) the command arrives, an update is answered once.

The end-to-end test runs two `newsbot run` processes in webhook mode on one PostgreSQL database
behind the fake Bot API, as behind a load balancer: the same command goes to both at once, and
one update is posted to both (Telegram retrying a webhook).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from random import Random
from typing import Any

import psycopg
import pytest
from sqlite_utils import Database

from bot.commands import COMMANDS, MAX_ALERTS, Context, handle
from bot.commands.admin import finish_addfeed
from bot.commands.request import ChatFeedRules
from bot.records import FeedCheck, Reply
from bot.render import to_plain
from bot.roles import Singleton, release_all
from bot.store import Storage, Store, open_store
from bot.store.locks import AdvisoryLock, lock_key
from bot.store.migrations import _m020_alert_key, migrations
from bot.store.postgres import PostgresStore
from bot.store.postgres import schema as pg_schema
from bot.store.postgres.schema import STEPS
from bot.store.table import alert_key
from tests.chat_changes import BOT_NAME, spellings
from tests.conftest import wait_until
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.feed_site import FeedSite, german_text
from tests.fakes.ports import free_port
from tests.fakes.synapse import Homeserver
from tests.test_matrix import joined, login, next_notice
from tests.test_roles import Bot, start, stop
from tests.test_webhook import command_update, local_url, post

NOW = datetime(2025, 11, 10, 12, tzinfo=UTC)
SECRET = "fixed-secret_of-the-load-balanced-webhook"
PUBLIC_URL = "https://bot.example.org/newsbot/telegram"
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def store(any_store: Storage) -> Storage:
    return any_store


def test_the_same_alert_in_any_case_and_order_is_stored_once(store: Storage) -> None:
    first = store.chats.add_alert("tg:1", ("Zoll", "Trump"), NOW)
    again = store.chats.add_alert("tg:1", ("trump", "ZOLL"), NOW + timedelta(seconds=1))
    other = store.chats.add_alert("tg:2", ("Zoll", "Trump"), NOW)
    narrower = store.chats.add_alert("tg:1", ("Zoll", "Trump", "-China"), NOW)
    assert again == first
    assert len({first, other, narrower}) == 3
    assert [a.words for a in store.chats.alerts("tg:1")] == [
        ("Zoll", "Trump"),
        ("Zoll", "Trump", "-China"),
    ]


def test_a_chat_that_moves_keeps_each_alert_once(store: Storage) -> None:
    store.chats.add_alert("tg:-1", ("Zoll",), NOW)
    store.chats.add_alert("tg:-100", ("zoll",), NOW)
    store.chats.add_alert("tg:-100", ("Trump",), NOW)
    store.chats.move_chat("tg:-1", "tg:-100")  # a group became a supergroup
    assert sorted(a.words for a in store.chats.alerts("tg:-100")) == [("Trump",), ("Zoll",)]
    assert store.chats.alerts("tg:-1") == []


class ReadTogether:
    """A store one of whose reads (`read`, such as "chats.alerts") returns only once every racer
    has made it (a barrier): the window in which a check-then-write lets two racers (two
    processes answering at once) both pass one check."""

    def __init__(self, store: Storage, read: str, barrier: threading.Barrier) -> None:
        self._store = store
        self.part, self.read = read.split(".")
        self._barrier = barrier
        self._waited = False

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._store, name)
        return _PartReadTogether(found, self) if name == self.part else found

    def wait_once(self) -> None:
        """After this racer's first read: wait for the others' (later reads go on at once)."""
        if not self._waited:
            self._waited = True
            self._barrier.wait(timeout=120)


class _PartReadTogether:
    def __init__(self, part: Any, racer: ReadTogether) -> None:
        self._part = part
        self._racer = racer

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._part, name)
        if name != self._racer.read:
            return found

        def read(*args: Any, **kwargs: Any) -> Any:
            result = found(*args, **kwargs)
            self._racer.wait_once()
            return result

        return read


def race(stores: list[Storage], read: str, asks: list[Callable[[Any], Reply]]) -> list[Reply]:
    """Each of `asks` on its own thread with its own store, all past `read` before any goes on."""
    barrier = threading.Barrier(len(asks))
    with ThreadPoolExecutor(len(asks)) as pool:
        racing = [
            pool.submit(ask, ReadTogether(store, read, barrier))
            for store, ask in zip(stores, asks, strict=True)
        ]
        return [r.result(timeout=120) for r in racing]


def answer(library: Any, text: str, context: Context) -> Reply:
    """The bot's answer to `text`."""
    reply = handle(text, context, library)
    assert isinstance(reply, Reply)
    return reply


OPERATOR_CHAT = "telegram:4242"
ALERT_SPELLINGS = [s for key, s in spellings(("/", "!"), bot_suffix=True) if key == "alert"]
# Chat kinds: a private chat, a group, a forum topic, a Matrix room, the console.
CHAT_KINDS = [
    ("telegram:{n}", True),
    ("telegram:-100{n}", False),
    ("telegram:-100{n}/7", False),
    ("matrix:!room{n}:example.org", False),
    ("console:local{n}", True),
]


@pytest.mark.integration
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_different_alerts_at_once_at_the_limit_store_one_and_refuse_the_other(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Two processes (here: two stores on one database, each on its own thread) answer two
    different alerts for one chat that has one place left, both having read 19 alerts."""
    target = str(tmp_path / "bot.db")
    if backend == "postgresql":
        target = request.getfixturevalue("postgres_url")
    stores = [open_store(target), open_store(target)]
    assert {"/alert", "/alarm", "!alert", f"/alert@{BOT_NAME}"} <= set(ALERT_SPELLINGS)
    try:
        for n, spelling in enumerate(ALERT_SPELLINGS):
            kind, private = CHAT_KINDS[n % len(CHAT_KINDS)]
            chat = kind.format(n=n)
            for i in range(MAX_ALERTS - 1):
                stores[0].chats.add_alert(chat, (f"wort{i}",), NOW)
            context = Context(chat, NOW, "telegram:5", private=private)
            asks = [
                partial(answer, text=f"{spelling} {words}", context=context)
                for words in ("grönland", "zölle")
            ]
            answers = [to_plain(r) for r in race(stores, "chats.alerts", asks)]
            assert len(stores[1].chats.alerts(chat)) == MAX_ALERTS, (spelling, chat)
            refused = [a for a in answers if f"schon {MAX_ALERTS} Alarme" in a]
            added = [a for a in answers if " angelegt:" in a]
            assert (len(refused), len(added)) == (1, 1), (spelling, chat, answers)
    finally:
        for store in stores:
            store.close()


def addfeed_spellings() -> list[str]:
    """Every spelling of every name of /addfeed: `/`, `!`, `@bot`."""
    return [
        f"{prefix}{name}{suffix}"
        for name in COMMANDS["addfeed"].names
        for prefix, suffix in (("/", ""), ("!", ""), ("/", f"@{BOT_NAME}"))
    ]


@pytest.mark.integration
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_feed_request_asked_twice_at_once_tells_the_operators_once(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Approve mode: the same /addfeed answered by two processes at once (both past the check
    that the chat has no such feed) records one request, and only the call that recorded it
    tells the operators; both answers name the request."""
    target = str(tmp_path / "bot.db")
    if backend == "postgresql":
        target = request.getfixturevalue("postgres_url")
    stores = [open_store(target), open_store(target)]
    rules = ChatFeedRules("approve", has_operators=True, notify=(OPERATOR_CHAT,))
    try:
        for n, spelling in enumerate(addfeed_spellings()):
            kind, private = CHAT_KINDS[n % len(CHAT_KINDS)]
            chat, url = kind.format(n=n), f"https://lokal{n}.example/rss"
            context = Context(chat, NOW, "telegram:5", private=private, chat_feeds=rules)
            asked = answer(stores[0], f"{spelling} {url}", context)
            assert asked.fetch == url, (spelling, to_plain(asked))
            check = FeedCheck(url, title="Lokalblatt")
            asks = [partial(finish_addfeed, check, context)] * 2
            replies = race(stores, "chat_feeds.of_chat", asks)
            [entry] = stores[1].chat_feeds.of_chat(chat)
            assert entry.status == "waiting"
            for reply in replies:
                assert f"Feed {entry.id} wartet auf die Freigabe" in to_plain(reply), spelling
            told = [notice for reply in replies for notice in reply.notices]
            assert [to for to, _ in told] == [OPERATOR_CHAT], (spelling, chat)
            assert f"Feed-Anfrage {entry.id}: {chat}" in to_plain(told[0][1])
    finally:
        for store in stores:
            store.close()


@pytest.mark.integration
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_different_chat_feeds_at_once_at_a_limit_store_one_and_refuse_the_other(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """The chat's limit (admins mode, every spelling and chat kind) and all chats' limit
    (approve mode, two chats) hold when two new feeds come at once, both past the check."""
    target = str(tmp_path / "bot.db")
    if backend == "postgresql":
        target = request.getfixturevalue("postgres_url")
    stores = [open_store(target), open_store(target)]
    per_chat = ChatFeedRules("admins", per_chat=2, total=200)
    try:
        for n, spelling in enumerate(addfeed_spellings()):
            kind, private = CHAT_KINDS[n % len(CHAT_KINDS)]
            chat = kind.format(n=n)
            stores[0].chat_feeds.add(
                chat, f"https://erst{n}.example/rss", NOW, title=None, user="", active=True
            )
            context = Context(chat, NOW, "telegram:5", private=private, chat_feeds=per_chat)
            urls = [f"https://{site}{n}.example/rss" for site in ("a", "b")]
            assert answer(stores[0], f"{spelling} {urls[0]}", context).fetch == urls[0]
            asks = [partial(finish_addfeed, FeedCheck(url), context) for url in urls]
            answers = [to_plain(r) for r in race(stores, "chat_feeds.of_chat", asks)]
            assert len(stores[1].chat_feeds.of_chat(chat)) == 2, (spelling, chat)
            assert sum("Dieser Chat hat schon 2 eigene Feeds" in a for a in answers) == 1, answers
            assert sum("für diesen Chat eingetragen" in a for a in answers) == 1, answers
        # All chats together: two places taken, one left, two chats ask at once.
        every = ChatFeedRules("approve", per_chat=5, total=3, has_operators=True)
        stores[0].chat_feeds.add("telegram:-1", "https://x.example/rss", NOW, title=None,
                                 user="", active=False)  # fmt: skip
        held = stores[0].chat_feeds.count()
        rules = replace(every, total=held + 1)
        asks = [
            partial(finish_addfeed, FeedCheck(f"https://{chat[-1]}.example/neu"),
                    Context(chat, NOW, "telegram:5", private=False, chat_feeds=rules))
            for chat in ("telegram:-1", "matrix:!raum2:example.org")
        ]  # fmt: skip
        answers = [to_plain(r) for r in race(stores, "chat_feeds.of_chat", asks)]
        assert stores[1].chat_feeds.count() == held + 1
        assert sum(f"allen Chats zusammen {held + 1} eigene Feeds" in a for a in answers) == 1
        assert sum("wartet auf die Freigabe" in a for a in answers) == 1, answers
    finally:
        for store in stores:
            store.close()


def test_an_update_is_first_seen_once_and_forgotten_after_a_day(store: Storage) -> None:
    assert store.chats.first_update("telegram:1:5", NOW) is True
    assert store.chats.first_update("telegram:1:5", NOW + timedelta(minutes=1)) is False
    assert store.chats.first_update("telegram:2:5", NOW) is True  # another bot's update 5
    later = NOW + timedelta(days=1, minutes=1)
    assert store.chats.first_update("telegram:1:6", later) is True
    assert store.chats.first_update("telegram:1:5", later) is True  # kept a day, then forgotten


def test_a_chat_feed_asked_for_twice_is_one_entry(store: Storage) -> None:
    url = "https://blog.example.org/feed.xml"
    one, created = store.chat_feeds.add("tg:1", url, NOW, title="Blog", user="5", active=True)
    two, again = store.chat_feeds.add("tg:1", url, NOW, title="Blog", user="5", active=True)
    assert two == one
    assert (created, again) == (True, False)
    assert [e.id for e in store.chat_feeds.of_chat("tg:1")] == [one.id]
    assert len([f for f in store.feeds.all() if f.url == url]) == 1


def test_a_request_is_decided_once(store: Storage) -> None:
    url = "https://blog.example.org/feed.xml"
    asked, _ = store.chat_feeds.add("tg:1", url, NOW, title="Blog", user="5", active=False)
    approved = store.chat_feeds.approve(asked.id, NOW)
    assert approved is not None
    assert approved.status == "active"
    # A second operator's (or process's) decision on the same request finds it decided.
    assert store.chat_feeds.approve(asked.id, NOW) is None
    assert store.chat_feeds.refuse(asked.id) is None
    other, _ = store.chat_feeds.add("tg:2", url, NOW, title="Blog", user="6", active=False)
    assert store.chat_feeds.refuse(other.id) == other
    assert store.chat_feeds.refuse(other.id) is None
    assert store.chat_feeds.approve(other.id, NOW) is None


def test_the_frozen_alert_keys_equal_the_live_one() -> None:
    for words in (["Zoll", "Trump"], ["ÄRGER", "-straße"], ["a", "A", "b"], []):
        assert _m020_alert_key(words) == alert_key(words)
        assert pg_schema._m020_alert_key(words) == alert_key(words)


# Alerts as a store from before m020 may hold them: the same words twice for one chat (two
# processes answered one command), each with hits; the copy's hits go to the first.
OLD_ALERTS = [
    (1, "tg:1", "Zoll Trump"),
    (2, "tg:1", "trump zoll"),
    (3, "tg:2", "Zoll Trump"),
    (4, "tg:1", "Zoll"),
]
OLD_HITS = [(1, 10), (2, 10), (2, 11), (3, 10)]


def merged(alerts: list[tuple[Any, ...]], hits: list[tuple[Any, ...]]) -> None:
    assert sorted(alerts) == [
        (1, "tg:1", "Zoll Trump", "trump zoll"),
        (3, "tg:2", "Zoll Trump", "trump zoll"),
        (4, "tg:1", "Zoll", "zoll"),
    ]
    assert sorted(hits) == [(1, 10), (1, 11), (3, 10)]


def test_m020_merges_an_alert_stored_twice_into_its_first() -> None:
    db = Database(memory=True)
    migrations.apply(db, stop_before="m020_ops_alert_keys")
    db.table("chats").insert_all([{"key": "tg:1"}, {"key": "tg:2"}])
    db.table("alerts").insert_all(
        {"id": i, "chat": c, "words": w, "created": NOW.isoformat()} for i, c, w in OLD_ALERTS
    )
    db.table("alert_hits").insert_all(
        {"alert_id": a, "article_id": n, "sent": NOW.isoformat()} for a, n in OLD_HITS
    )
    migrations.apply(db)
    merged(
        db.execute("SELECT id, chat, words, words_key FROM alerts").fetchall(),
        db.execute("SELECT alert_id, article_id FROM alert_hits").fetchall(),
    )
    store = Store(db)
    try:
        assert store.chats.add_alert("tg:1", ("TRUMP", "Zoll"), NOW) == 1
    finally:
        store.close()


@pytest.mark.integration
def test_m020_merges_an_alert_stored_twice_on_postgresql(postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE newsbot_migrations"
            ' (name text COLLATE "C" PRIMARY KEY, applied_at text NOT NULL)'
        )
        for name, step in STEPS:
            if name.startswith("m020_ops_alert_keys"):
                break
            with conn.transaction():  # as the migrator runs each step
                step(conn)
                conn.execute(
                    "INSERT INTO newsbot_migrations VALUES (%s, %s)", [name, NOW.isoformat()]
                )
        conn.execute("INSERT INTO chats (key) VALUES ('tg:1'), ('tg:2')")
        for alert_id, chat, words in OLD_ALERTS:
            conn.execute(
                "INSERT INTO alerts (id, chat, words, created) VALUES (%s, %s, %s, %s)",
                [alert_id, chat, words, NOW.isoformat()],
            )
        for alert_id, article_id in OLD_HITS:
            conn.execute("INSERT INTO alert_hits VALUES (%s, %s, %s)", [alert_id, article_id, "x"])
    store = PostgresStore.open(postgres_url)
    try:
        assert store.chats.add_alert("tg:1", ("TRUMP", "Zoll"), NOW) == 1
    finally:
        store.close()
    with psycopg.connect(postgres_url) as conn:
        merged(
            conn.execute("SELECT id, chat, words, words_key FROM alerts").fetchall(),
            conn.execute("SELECT alert_id, article_id FROM alert_hits").fetchall(),
        )


@pytest.mark.slow
@pytest.mark.integration
async def test_two_webhook_processes_store_one_alert_and_answer_each_update_once(
    postgres_url: str, bot_api: FakeBotAPI, tmp_path: Path
) -> None:
    ports = [free_port(), free_port()]
    bots: list[Bot] = []
    try:
        for name, port in zip(("a", "b"), ports, strict=True):
            bots.append(
                await start(
                    name, postgres_url, bot_api, tmp_path,
                    TELEGRAM_WEBHOOK_URL=PUBLIC_URL, TELEGRAM_WEBHOOK_SECRET=SECRET,
                    TELEGRAM_WEBHOOK_PORT=str(port),
                )
            )  # fmt: skip
        await wait_until(lambda: all(b.said("event=telegram_webhook") for b in bots), within=120)
        # The user's command reaches both processes at once as two updates (sent twice);
        # Telegram posts update 1 a second time, to the other process (a retry).
        answers = await asyncio.gather(
            post(local_url(ports[0], PUBLIC_URL), command_update(1, "/alert Bahnstreik"), SECRET),
            post(local_url(ports[1], PUBLIC_URL), command_update(2, "/alarm bahnstreik"), SECRET),
            post(local_url(ports[1], PUBLIC_URL), command_update(1, "/alert Bahnstreik"), SECRET),
        )
        assert [a.status_code for a in answers] == [200, 200, 200]
        await wait_until(
            lambda: (
                len(bot_api.screen(777)) >= 2 and any(b.said("event=update_repeated") for b in bots)
            ),
            within=120,
        )
    finally:
        for bot in bots:
            await stop(bot)
    with psycopg.connect(postgres_url) as conn:
        alerts = conn.execute("SELECT id, chat, words FROM alerts").fetchall()
    # One alert, in the spelling of whichever command came first.
    assert [(chat, words.casefold()) for _, chat, words in alerts] == [
        ("telegram:777", "bahnstreik")
    ]
    [(alert_id, _, _)] = alerts
    answers = [m.visible for m in bot_api.screen(777)]
    assert len(answers) == 2, answers  # updates 1 and 2, each once
    for answer in answers:  # "created" (or, after the other, "you already have it"): the same id
        assert f"Alarm {alert_id} angelegt" in answer or f"schon: {alert_id} " in answer


def lock_backend(url: str, name: str) -> int:
    """The server process (backend pid) whose session holds the advisory lock `name`."""
    key = lock_key(name)
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
            " AND classid = %s::bigint::oid AND objid = %s::bigint::oid",
            [(key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF],
        ).fetchone()
    assert row is not None, f"nobody holds {name}"
    return int(row[0])


def terminate(url: str, backend: int) -> None:
    """End a session as a PostgreSQL restart (or a dropped connection) does, and wait until
    its server process has ended (and so freed its locks)."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT pg_terminate_backend(%s, 60000)", [backend]).fetchone()
    assert row == (True,), f"backend {backend} did not end"


class Thief:
    """Another process's session, queued for an advisory lock (`pg_advisory_lock` waits), so
    it has the lock the moment its holder's session ends, before the holder can notice."""

    def __init__(self, url: str, name: str) -> None:
        self.name = name
        self.conn = psycopg.connect(
            url, autocommit=True, application_name=f"newsbot thief-host:4242 {name}"
        )
        self.url = url
        self.waiting = asyncio.ensure_future(
            asyncio.to_thread(
                self.conn.execute, "SELECT pg_advisory_lock(%s)", [lock_key(self.name)]
            )
        )

    def queued(self) -> bool:
        with psycopg.connect(self.url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND application_name LIKE 'newsbot thief-host:4242 %'"
            ).fetchone()
        return bool(row and row[0])

    async def take_from(self, backend: int) -> None:
        """Wait in the lock's queue, end the holder's session, and so hold the lock."""
        await wait_until(self.queued, within=60, every=0.05)
        terminate(self.url, backend)
        await asyncio.wait_for(self.waiting, 60)

    def close(self) -> None:
        """Let go of the lock (at once: a closed session frees it only once its server process
        has ended) and end the session."""
        if self.waiting.done() and not self.waiting.cancelled():
            self.conn.execute("SELECT pg_advisory_unlock(%s)", [lock_key(self.name)])
        else:  # still queued (the test failed before): stop waiting
            self.conn.cancel()
        self.conn.close()


@pytest.mark.integration
async def test_a_lock_lost_with_its_connection_is_taken_again_or_its_role_dropped(
    postgres_url: str,
) -> None:
    """A PostgreSQL restart ends the holder's session: the holder takes its lock again at once
    when it is free (the role goes on, not dropped), and drops the role when another process
    took it first; it takes it up again once that one lets go."""
    events: list[str] = []

    async def take() -> None:
        events.append("take")

    async def drop() -> None:
        events.append("drop")

    name = "matrix:@bot:example.org"
    role = Singleton(AdvisoryLock(postgres_url, name), take, drop)
    try:
        assert await role.try_take()
        ended = lock_backend(postgres_url, name)
        terminate(postgres_url, ended)
        await role.check()
        assert (role.held, events) == (True, ["take"])
        assert lock_backend(postgres_url, name) != ended  # held again, by a new session
        thief = Thief(postgres_url, name)
        try:
            await thief.take_from(lock_backend(postgres_url, name))
            await role.check()
            assert (role.held, events) == (False, ["take", "drop"])
            assert not await role.try_take()
        finally:
            thief.close()
        assert await role.try_take()
        assert events == ["take", "drop", "take"]
    finally:
        release_all([role])


@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.synapse
async def test_a_matrix_account_is_held_by_one_process_which_checks_its_lock_while_it_runs(
    postgres_url: str, bot_api: FakeBotAPI, homeserver: Homeserver, tmp_path: Path
) -> None:
    """A second process with the same account is refused, naming the first. The first checks
    its lock every second: a lost lock nobody took is taken again; one another process took
    stops the first's syncing until it is free, and what was written meanwhile is answered."""
    user = homeserver.register(f"bot{uuid.uuid4().hex[:8]}", PASSWORD)
    matrix = {
        "MATRIX_HOMESERVER": homeserver.url,
        "MATRIX_USER_ID": user,
        "MATRIX_PASSWORD": PASSWORD,
    }
    matrix_lock = f"matrix:{user}"
    alice = await login(homeserver, "alice")
    first = await start(
        "first", postgres_url, bot_api, tmp_path, NEWSBOT_ROLE_CHECK_SECONDS="1", **matrix
    )
    try:
        await wait_until(lambda: first.said("event=matrix_started"), within=120)
        second = await start("second", postgres_url, bot_api, tmp_path, **matrix)
        assert await asyncio.wait_for(second.proc.wait(), 120) == 2
        refused = second.log.read_text().strip().splitlines()[-1]
        assert refused == (
            f"newsbot run: Matrix ({user}) already runs in newsbot run"
            f" {socket.gethostname()}:{first.proc.pid} on this database; one process per Matrix"
            " account (its keys are per device): start this one without MATRIX_* settings"
        )
        assert not second.said("event=matrix_started")
        room = await alice.room_with(user)
        await joined(alice, room, user)
        await alice.say(room, "!start")
        await next_notice(alice, 0, within=60)
        # A PostgreSQL restart ends the lock's session: nobody else asks, so the first takes
        # the account again at once and syncs on.
        terminate(postgres_url, lock_backend(postgres_url, matrix_lock))
        await wait_until(lambda: first.said(f"event=role_retaken role={matrix_lock}"), within=120)
        assert not first.said("event=matrix_receiving_stopped")
        # This time another process is queued for the account: it has it before the first
        # notices, and the first stops syncing, naming it, until it lets go.
        thief = Thief(postgres_url, matrix_lock)
        try:
            await thief.take_from(lock_backend(postgres_url, matrix_lock))
            await wait_until(lambda: first.said("event=matrix_receiving_stopped"), within=120)
            assert first.said(
                f"event=receiver_lost role={matrix_lock} holder=thief-host:4242"
                " action=stop_receiving"
            )
            await alice.say(room, "!quellen")  # written while nobody syncs the account
        finally:
            thief.close()
        await wait_until(lambda: first.said(f"event=matrix_receiving user={user}"), within=120)
        assert "Quellen" in await next_notice(alice, 1, within=60)
        assert first.proc.returncode is None
    finally:
        await stop(first)
        await alice.close()
    # The first one stopped: the account is free for the next process.
    third = await start("third", postgres_url, bot_api, tmp_path, **matrix)
    try:
        await wait_until(lambda: third.said("event=matrix_started"), within=120)
    finally:
        await stop(third)


def test_articles_noted_unplanned_are_listed_until_planned(store: Storage) -> None:
    with store.transaction():
        store.pushes.mark_unplanned([7, 3], NOW)
        store.pushes.mark_unplanned([3], NOW)  # noted twice: once
    store.pushes.mark_unplanned([9], NOW + timedelta(minutes=5))
    assert store.pushes.unplanned(NOW, 10) == []  # stored before that moment only
    assert store.pushes.unplanned(NOW + timedelta(seconds=1), 10) == [3, 7]
    assert store.pushes.unplanned(NOW + timedelta(hours=1), 2) == [3, 7]
    store.pushes.mark_planned([3, 9])
    assert store.pushes.unplanned(NOW + timedelta(hours=1), 10) == [7]


def waiting_on_a_lock(url: str) -> bool:
    """Whether a session of the bot waits for a lock (here: the test's lock on alert_hits)."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND query LIKE '%alert_hits%'"
        ).fetchone()
    return bool(row and row[0])


def alert_rows(url: str) -> list[tuple[str, str]]:
    with psycopg.connect(url, autocommit=True) as conn:
        return [
            (str(c), str(s))
            for c, s in conn.execute("SELECT chat, status FROM pushes WHERE kind = 'alert'")
        ]


@pytest.mark.slow
@pytest.mark.integration
async def test_a_process_killed_between_storing_and_planning_loses_no_alert(
    postgres_url: str, bot_api: FakeBotAPI, tmp_path: Path
) -> None:
    site = await FeedSite().start()
    now = datetime.now(UTC)
    site.publish("streik", "Bahnstreik legt den Fernverkehr lahm", german_text(Random(3), 150), now)
    setup = PostgresStore.open(postgres_url)
    try:
        setup.chats.add_alert("telegram:777", ("bahnstreik",), now - timedelta(days=1))
        setup.feeds.add_feed(site.url("/feed.xml"), now)
    finally:
        setup.close()
    settings = {"NEWSBOT_FETCH_ALLOW": "127.0.0.1", "NEWSBOT_FETCH_TIMEOUT_SECONDS": "20"}
    # The fault: planning waits for the test's lock on alert_hits, after the poll has stored
    # the article (and, with the fix, noted it unplanned in the same transaction).
    blocker = psycopg.connect(postgres_url)
    blocker.execute("LOCK TABLE alert_hits IN ACCESS EXCLUSIVE MODE")
    bot = await start("first", postgres_url, bot_api, tmp_path, **settings)
    try:
        await wait_until(lambda: waiting_on_a_lock(postgres_url), within=120, every=0.2)
        bot.proc.kill()  # kill -9 between storing the article and planning its alert
        await bot.proc.wait()
    finally:
        blocker.rollback()
        blocker.close()
        if bot.proc.returncode is None:
            bot.proc.kill()
            await bot.proc.wait()
    with psycopg.connect(postgres_url) as conn:
        stored = conn.execute("SELECT count(*) FROM articles").fetchone()
    assert stored == (1,)
    assert alert_rows(postgres_url) == []  # the kill came before the plan
    restarted = await start("restarted", postgres_url, bot_api, tmp_path, **settings)
    try:
        await wait_until(lambda: alert_rows(postgres_url) == [("telegram:777", "sent")], within=120)
        await wait_until(lambda: bot_api.screen(777), within=60)
    finally:
        await stop(restarted)
        await site.stop()
    alerts = [m.visible for m in bot_api.screen(777)]
    assert len(alerts) == 1, alerts
    assert "Bahnstreik legt den Fernverkehr lahm" in alerts[0]
    assert alert_rows(postgres_url) == [("telegram:777", "sent")]
