"""Matrix end to end against a real Synapse on 127.0.0.1: invite, join, commands, digests."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from html import escape
from pathlib import Path
from random import Random

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from nio import (
    AsyncClient,
    AsyncClientConfig,
    LoginResponse,
    RoomCreateResponse,
    RoomGetStateEventResponse,
    RoomMessageNotice,
    RoomMessageText,
)

from bot.app import MATRIX_SYNC_KEY, chat_events
from bot.config import Config
from bot.delivery import Delivery, Outgoing
from bot.errors import Transient
from bot.records import Reply
from bot.schedule import DigestScheduler
from bot.send_policy import Status
from bot.store import Store
from bot.transports.matrix import MatrixTransport, close_client
from bot.transports.port import Limits
from tests.chat_changes import GERMAN_NAMES, message, prepare, spellings, state
from tests.conftest import FAST, ROOT, Running, rendered_digest, running, wait_until
from tests.fakes import synapse
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.feed_site import FeedSite, german_text
from tests.fakes.ports import serve_on_loopback
from tests.fakes.synapse import Homeserver
from tests.test_run import terminate

pytestmark = [pytest.mark.integration, pytest.mark.synapse]
PASSWORD = "correct-horse-battery-staple"


@dataclass
class Account:
    """A registered user: id and password."""

    user_id: str
    password: str = PASSWORD


@pytest.fixture
def bot_account(homeserver: Homeserver) -> Account:
    """A fresh bot user."""
    return Account(homeserver.register(f"bot{uuid.uuid4().hex[:8]}", PASSWORD))


@pytest_asyncio.fixture
async def alice(homeserver: Homeserver) -> AsyncIterator[Person]:
    """A logged-in human user with a nio client."""
    user_id = homeserver.register(f"alice{uuid.uuid4().hex[:8]}", PASSWORD)
    client = AsyncClient(homeserver.url, user_id)
    assert isinstance(await client.login(PASSWORD), LoginResponse)
    person = Person(client)
    client.add_event_callback(person.on_notice, RoomMessageNotice)  # type: ignore[arg-type]
    await client.sync(timeout=0)
    yield person
    await person.close()


class Person:
    """A human in Matrix: creates rooms, writes, and reads the bot's notices."""

    def __init__(self, client: AsyncClient) -> None:
        self.client = client
        self.notices: list[tuple[str, str, str, str]] = []  # room, sender, body, html
        self.decrypted: list[str] = []  # bodies of notices that came end-to-end encrypted

    def on_notice(self, room: object, event: RoomMessageNotice) -> None:
        """Collect m.notice events (the bot's replies)."""
        html = event.source["content"].get("formatted_body", "")
        self.notices.append((getattr(room, "room_id", ""), event.sender, event.body, html))
        if event.decrypted:
            self.decrypted.append(event.body)

    async def close(self) -> None:
        """Log off this client's connections, the key store's SQLite file included."""
        await close_client(self.client)

    async def room_with(self, bot_id: str, *, encrypted: bool = False) -> str:
        """Create a room (end-to-end encrypted if asked) and invite the bot."""
        response = await self.client.room_create(
            name="Nachrichten", invite=[bot_id], initial_state=[ENCRYPTED] if encrypted else []
        )
        assert isinstance(response, RoomCreateResponse)
        return str(response.room_id)

    async def room_of_three(self, bot_id: str, member: Person, name: str = "Redaktion") -> str:
        """Create a room (its creator: this person) with the bot and `member`, all joined."""
        created = await self.client.room_create(name=name, invite=[bot_id, member.client.user_id])
        assert isinstance(created, RoomCreateResponse)
        room = str(created.room_id)
        await joined(self, room, bot_id)
        await member.client.sync(timeout=0)
        await member.client.join(room)
        await joined(self, room, member.client.user_id)
        return room

    async def say(self, room_id: str, text: str) -> None:
        """Send an m.text message (encrypted in an encrypted room, for every member's device)."""
        client = self.client
        if client.olm is not None:
            await client.sync(timeout=0)
            if client.should_query_keys:
                await client.keys_query()
        content = {"msgtype": "m.text", "body": text}
        await client.room_send(room_id, "m.room.message", content, ignore_unverified_devices=True)

    async def wait_notice(self, predicate: Callable[[str], bool], within: float = 60) -> tuple:
        """Sync until a notice whose body matches arrives; returns (room, sender, body, html)."""
        end = time.monotonic() + within
        while time.monotonic() < end:
            for notice in self.notices:
                if predicate(notice[2]):
                    return notice
            await self.client.sync(timeout=300)
            if self.client.olm is not None:
                await self.client.send_to_device_messages()
        raise AssertionError(f"no matching notice; got {[n[2][:60] for n in self.notices]}")

    async def members(self, room_id: str) -> list[str]:
        """Joined members of a room."""
        response = await self.client.joined_members(room_id)
        return [m.user_id for m in getattr(response, "members", [])]


async def login(homeserver: Homeserver, name: str, keys: Path | None = None) -> Person:
    """A new human user, logged in; with `keys`, an Element-like client that encrypts."""
    user_id = homeserver.register(f"{name}{uuid.uuid4().hex[:8]}", PASSWORD)
    if keys is not None:
        await asyncio.to_thread(keys.mkdir, parents=True, exist_ok=True)
    config = AsyncClientConfig(encryption_enabled=keys is not None, store_sync_tokens=False)
    client = AsyncClient(homeserver.url, user_id, store_path=str(keys or ""), config=config)
    assert isinstance(await client.login(PASSWORD), LoginResponse)
    if keys is not None:
        await client.keys_upload()
    person = Person(client)
    client.add_event_callback(person.on_notice, RoomMessageNotice)  # type: ignore[arg-type]
    await client.sync(timeout=0)
    return person


ENCRYPTED = {
    "type": "m.room.encryption",
    "state_key": "",
    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
}


def make_transport(
    homeserver: Homeserver, account: Account, store: Store, **kwargs: object
) -> MatrixTransport:
    """The transport as `newsbot run` builds it, with the sync token in the store."""
    on_gone, on_moved = chat_events(store)

    # On the store's own thread, as in `bot.app`: `on_gone` writes there at the same time.
    async def load() -> str | None:
        return await store.run(lambda: store.chats.load_state(MATRIX_SYNC_KEY))

    async def save(token: str) -> None:
        await store.run(lambda: store.chats.save_state(MATRIX_SYNC_KEY, token))

    return MatrixTransport(
        homeserver.url,
        account.user_id,
        password=account.password,
        on_gone=on_gone,
        on_moved=on_moved,
        load_token=load,
        save_token=save,
        sync_timeout_ms=500,
        **{"limits": FAST, **kwargs},  # type: ignore[arg-type]
    )


@asynccontextmanager
async def serving(
    homeserver: Homeserver, account: Account, store: Store, now: datetime, **kwargs: object
) -> AsyncIterator[Running]:
    """A started Matrix transport wired to the command core and the delivery."""
    transport = make_transport(homeserver, account, store, **kwargs)
    async with running(transport, store, now) as served:
        yield served


async def joined(person: Person, room_id: str, user_id: str) -> None:
    """Wait until `user_id` has joined the room."""
    end = time.monotonic() + 60
    while user_id not in await person.members(room_id):
        assert time.monotonic() < end, "bot did not join"
        await asyncio.sleep(0.1)


async def test_invited_bot_joins_answers_search_and_delivers_digest(
    homeserver: Homeserver, bot_account: Account, alice: Person, seeded_store: Store, now: datetime
) -> None:
    async with serving(homeserver, bot_account, seeded_store, now) as transport:
        room = await alice.room_with(bot_account.user_id)
        await joined(alice, room, bot_account.user_id)
        await alice.say(room, "!search venezuela")
        _, sender, body, html = await alice.wait_notice(lambda b: "venezuela" in b)
        assert sender == bot_account.user_id
        assert body.startswith("2 Treffer für „venezuela“ (Seite 1 von 1):")
        assert "<p>" in html
        for article in await seeded_store.run(partial(seeded_store.articles.latest, 2)):
            assert f"<b>{escape(article.title, quote=False)}</b>" in html

        digest = await rendered_digest(seeded_store, f"matrix:{room}", now)
        assert await transport.send(f"matrix:{room}", digest) == "sent"
        _, _, body, html = await alice.wait_notice(lambda b: b.startswith("Neu seit"))
    assert "Russland erwägt Venezuelas Bitte" in body
    assert html.startswith("<p><b>Neu seit 09.11.2025 13:00</b></p>")


async def test_restart_answers_new_messages_only_and_ignores_own(
    homeserver: Homeserver, bot_account: Account, alice: Person, store: Store, now: datetime
) -> None:
    async with serving(homeserver, bot_account, store, now):
        room = await alice.room_with(bot_account.user_id)
        await joined(alice, room, bot_account.user_id)
        await alice.say(room, "!start")
        await alice.wait_notice(lambda b: b.startswith("Willkommen"))
    token = store.chats.load_state(MATRIX_SYNC_KEY)
    assert token

    await alice.say(room, "/settings")  # written while the bot is down
    async with serving(homeserver, bot_account, store, now):
        await alice.wait_notice(lambda b: b.startswith("Deine Einstellungen"))
        await alice.say(room, "!help")
        await alice.wait_notice(lambda b: b.startswith("Befehle:"))
    bodies = [n[2] for n in alice.notices]
    assert sum(b.startswith("Willkommen") for b in bodies) == 1  # "!start" not answered twice
    assert sum(b.startswith("Befehle:") for b in bodies) == 1  # its own help text not re-read
    assert store.chats.load_state(MATRIX_SYNC_KEY) != token


async def test_room_everyone_left_ends_subscription(
    homeserver: Homeserver,
    bot_account: Account,
    alice: Person,
    store: Store,
    now: datetime,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("INFO")
    async with serving(homeserver, bot_account, store, now):
        room = await alice.room_with(bot_account.user_id)
        await joined(alice, room, bot_account.user_id)
        await alice.say(room, "!subscribe 07:30")
        await alice.wait_notice(lambda b: b.startswith("Abonniert"))
        assert await store.run(partial(store.chats.subscription, f"matrix:{room}")) is not None
        await alice.client.room_leave(room)
        await wait_until(
            lambda: store.run(lambda: store.chats.subscription(f"matrix:{room}") is None)
        )
    assert f"event=subscriptions_ended chat=matrix:{room} reason=room empty" in caplog.text


async def test_invites_only_from_allowed_servers(
    homeserver: Homeserver, bot_account: Account, alice: Person, store: Store, now: datetime
) -> None:
    allowed = ("example.org",)
    async with serving(homeserver, bot_account, store, now, allowed_inviters=allowed) as t:
        room = await alice.room_with(bot_account.user_id)
        client = t.transport.client  # type: ignore[attr-defined]
        await wait_until(lambda: client.next_batch and room not in client.invited_rooms)
        await asyncio.sleep(1.0)
        assert bot_account.user_id not in await alice.members(room)


@pytest.mark.slow
async def test_newsbot_run_serves_both_platforms_in_one_process(
    homeserver: Homeserver, bot_account: Account, alice: Person, tmp_path: Path
) -> None:
    api = await FakeBotAPI().start()
    db = tmp_path / "run.db"
    (tmp_path / "none.toml").write_text("")
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_URL": api.base_url,
        "MATRIX_HOMESERVER": homeserver.url,
        "MATRIX_USER_ID": bot_account.user_id,
        "MATRIX_PASSWORD": bot_account.password,
        "NEWSBOT_DB": str(db),
        "NEWSBOT_CONFIG": str(tmp_path / "none.toml"),
    }
    env.pop("MATRIX_ACCESS_TOKEN", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env, stderr=asyncio.subprocess.PIPE
    )
    try:
        room = await alice.room_with(bot_account.user_id)
        await joined(alice, room, bot_account.user_id)
        await alice.say(room, "!start")
        api.push_text("/start")
        await alice.wait_notice(lambda b: b.startswith("Willkommen"), within=30)
        await wait_until(lambda: api.screen(777), within=30)
    finally:
        _, stderr = await terminate(proc)
        await api.stop()
    assert proc.returncode == 0, stderr.decode()
    assert api.screen(777)[0].visible.startswith("Willkommen!")
    store = Store.open(db)
    try:
        assert store.chats.load_state(MATRIX_SYNC_KEY)
    finally:
        store.close()
    assert PASSWORD not in stderr.decode()


async def test_login_with_an_access_token(
    homeserver: Homeserver, bot_account: Account, alice: Person, store: Store, now: datetime
) -> None:
    login = AsyncClient(homeserver.url, bot_account.user_id)
    response = await login.login(bot_account.password, device_name="token-source")
    assert isinstance(response, LoginResponse)
    await login.close()
    transport = MatrixTransport(
        homeserver.url, bot_account.user_id, access_token=response.access_token
    )
    async with running(transport, store, now):
        room = await alice.room_with(bot_account.user_id)
        await joined(alice, room, bot_account.user_id)
        await alice.say(room, "/start")
        await alice.wait_notice(lambda b: b.startswith("Willkommen"))


async def test_closing_a_client_closes_its_key_store(tmp_path: Path) -> None:
    # nio's own close() leaves the key store's SQLite connection to the garbage collector.
    config = AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False)
    client = AsyncClient("http://127.0.0.1:9", store_path=str(tmp_path), config=config)
    client.restore_login("@carol:localhost", "CAROL", "token")  # opens the key store, offline
    assert client.store is not None
    database = client.store.database
    assert not database.is_closed()
    await close_client(client)
    assert database.is_closed()


async def test_stop_closes_the_client_even_when_the_token_cannot_be_saved(
    homeserver: Homeserver, bot_account: Account, store: Store, now: datetime, tmp_path: Path
) -> None:
    disk_full = asyncio.Event()

    async def save(token: str) -> None:
        if disk_full.is_set():
            raise sqlite3.OperationalError("disk I/O error")

    transport = MatrixTransport(
        homeserver.url,
        bot_account.user_id,
        password=bot_account.password,
        save_token=save,
        sync_timeout_ms=500,
        key_store=tmp_path / "keys",
    )
    with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
        async with running(transport, store, now):
            disk_full.set()  # the save at stop fails
    assert transport.client.client_session is None
    assert transport.client.store is not None
    assert transport.client.store.database.is_closed()


def test_missing_synapse_skips_or_fails_on_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(synapse, "PYTHON", Path("/nonexistent/python"))
    monkeypatch.delenv("NEWSBOT_REQUIRE_SYNAPSE", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"install_synapse\.sh"):
        synapse.skip_or_fail_without_synapse()
    monkeypatch.setenv("NEWSBOT_REQUIRE_SYNAPSE", "1")
    with pytest.raises(pytest.fail.Exception, match="NEWSBOT_REQUIRE_SYNAPSE=1"):
        synapse.skip_or_fail_without_synapse()


async def test_a_room_member_below_the_power_level_cannot_change_the_digest(
    homeserver: Homeserver, bot_account: Account, alice: Person, store: Store, now: datetime
) -> None:
    bob = await login(homeserver, "bob")
    try:
        async with serving(homeserver, bot_account, store, now):
            room = await alice.room_of_three(bot_account.user_id, bob)
            await alice.say(room, "!subscribe 07:30")
            await alice.wait_notice(lambda b: b.startswith("Abonniert"))
            await bob.say(room, "!unsubscribe")
            _, _, refused, _ = await bob.wait_notice(lambda b: b.startswith("Entschuldige"))
            await bob.say(room, "!settings")
            await bob.wait_notice(lambda b: b.startswith("Deine Einstellungen"))
            await alice.say(room, "!unsubscribe")
            await alice.wait_notice(lambda b: b.startswith("Abbestellt"))
    finally:
        await bob.close()
    assert refused == (
        "Entschuldige, /unsubscribe dürfen in diesem Raum nur Mitglieder mit "
        "Berechtigungsstufe 50 oder höher (Moderatoren) und die Betreiber des Bots verwenden. "
        "Lesen (/digest, /search, /article) darf jeder."
    )
    assert store.chats.subscription(f"matrix:{room}") is None


async def next_notice(person: Person, seen: int, within: float = 20) -> str:
    """Sync until notice number `seen` (counting from 0) has arrived; returns its body."""
    end = time.monotonic() + within
    while len(person.notices) <= seen:
        assert time.monotonic() < end, f"no new notice; got {[n[2][:60] for n in person.notices]}"
        await person.client.sync(timeout=300)
    return person.notices[seen][2]


async def test_every_changing_command_in_every_spelling_needs_the_power_level(
    homeserver: Homeserver, bot_account: Account, alice: Person, store: Store, now: datetime
) -> None:
    """`!abo`, `/abbestellen`, `!settings …`: every name of every changing command, with `!` and
    `/`, is refused to a member below the room's power level and carried out for its creator."""
    bob = await login(homeserver, "bob")
    transport = make_transport(homeserver, bot_account, store)
    # What is tested is who may, not the pacing of one room.
    transport.limits = Limits(per_second=1000.0, chat_gap=0.0)
    wrong: list[str] = []
    try:
        async with running(transport, store, now):
            room = await alice.room_of_three(bot_account.user_id, bob)
            chat = f"matrix:{room}"
            tested = spellings(("!", "/"), bot_suffix=False)
            assert {f"!{n}" for n in GERMAN_NAMES} <= {spelling for _, spelling in tested}
            for key, spelling in tested:
                text = message(key, spelling)
                await store.run(partial(prepare, store, chat, now))
                before = await store.run(partial(state, store, chat))
                seen = len(bob.notices)
                await bob.say(room, text)
                refused = await next_notice(bob, seen)
                if (
                    not refused.startswith("Entschuldige")
                    or await store.run(partial(state, store, chat)) != before
                ):
                    wrong.append(f"member {text!r}: {refused[:60]!r}")
                await alice.say(room, text)
                done = await next_notice(bob, seen + 1)
                if (
                    done.startswith("Entschuldige")
                    or await store.run(partial(state, store, chat)) == before
                ):
                    wrong.append(f"creator {text!r}: {done[:60]!r}")
    finally:
        await bob.close()
    assert not wrong


async def test_an_encrypted_room_gets_encrypted_answers_and_digests(
    homeserver: Homeserver,
    bot_account: Account,
    seeded_store: Store,
    now: datetime,
    tmp_path: Path,
) -> None:
    carol = await login(homeserver, "carol", keys=tmp_path / "carol-keys")
    bot_keys = tmp_path / "bot-keys"
    try:
        async with serving(
            homeserver, bot_account, seeded_store, now, key_store=bot_keys
        ) as transport:
            room = await carol.room_with(bot_account.user_id, encrypted=True)
            await joined(carol, room, bot_account.user_id)
            await carol.say(room, "!start")
            await carol.wait_notice(lambda b: b.startswith("Willkommen"))
            digest = await rendered_digest(seeded_store, f"matrix:{room}", now)
            assert await transport.send(f"matrix:{room}", digest) == "sent"
            await carol.wait_notice(lambda b: b.startswith("Neu seit"))
    finally:
        await carol.close()
    assert [b.split()[0] for b in carol.decrypted] == ["Willkommen!", "Neu"]
    # The device id and its keys stay beside the database for the next start.
    assert (bot_keys / "device_id").read_text()
    assert any(bot_keys.glob("*.db"))


async def test_a_key_store_from_before_the_pickle_key_is_rekeyed_and_keeps_its_device(
    homeserver: Homeserver,
    bot_account: Account,
    seeded_store: Store,
    now: datetime,
    tmp_path: Path,
) -> None:
    from nio.store import DefaultStore

    from bot.transports.matrix_keys import NIO_DEFAULT_KEY

    carol = await login(homeserver, "carol", keys=tmp_path / "carol-keys")
    bot_keys = tmp_path / "bot-keys"
    try:
        # As before this change: the device's keys pickled under nio's public default.
        async with serving(homeserver, bot_account, seeded_store, now, key_store=bot_keys):
            room = await carol.room_with(bot_account.user_id, encrypted=True)
            await joined(carol, room, bot_account.user_id)
            await carol.say(room, "!start")
            await carol.wait_notice(lambda b: b.startswith("Willkommen"))
        device = (bot_keys / "device_id").read_text()
        # Started again with this install's key: the same device answers, encrypted.
        async with serving(
            homeserver,
            bot_account,
            seeded_store,
            now,
            key_store=bot_keys,
            pickle_key=lambda: "k" * 43,
        ):
            await carol.say(room, "!help")
            await carol.wait_notice(lambda b: b.startswith("Befehle"))
    finally:
        await carol.close()
    assert (bot_keys / "device_id").read_text() == device
    assert [b.split()[0] for b in carol.decrypted][:2] == ["Willkommen!", "Befehle:"]
    public = DefaultStore(bot_account.user_id, device, str(bot_keys), NIO_DEFAULT_KEY)
    try:
        with pytest.raises(Exception):  # noqa: B017, PT011 - olm's own error type for a bad key
            public.load_account()
    finally:
        public.database.close()


async def test_an_encrypted_room_without_a_key_store_is_told_and_left(
    homeserver: Homeserver,
    bot_account: Account,
    store: Store,
    now: datetime,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("INFO")
    carol = await login(homeserver, "carol", keys=tmp_path / "carol-keys")
    try:
        async with serving(homeserver, bot_account, store, now):
            room = await carol.room_with(bot_account.user_id, encrypted=True)
            await joined(carol, room, bot_account.user_id)
            await carol.say(room, "!start")
            _, sender, body, _ = await carol.wait_notice(lambda b: "verschlüsselt" in b)
            end = time.monotonic() + 60
            while bot_account.user_id in await carol.members(room):
                assert time.monotonic() < end, "the bot did not leave"
                await asyncio.sleep(0.1)
    finally:
        await carol.close()
    assert sender == bot_account.user_id
    assert "Lade ihn bitte in einen unverschlüsselten Raum ein" in body
    assert "Please invite it to an unencrypted room" in body
    assert carol.decrypted == []  # said in plain text, so every client shows it
    assert f"event=matrix_encrypted_room_left room={room}" in caplog.text


async def test_a_silent_room_gets_its_digest_as_a_notice_and_a_normal_room_as_text(
    homeserver: Homeserver, bot_account: Account, alice: Person, seeded_store: Store, now: datetime
) -> None:
    """Quiet sends on Matrix: a digest the room wants to hear is m.text (clients ring for it);
    after `!einstellungen leise an` the next digest is m.notice, which clients keep quiet."""
    store = seeded_store
    sent: list[tuple[str, str]] = []  # (msgtype, body) of every message the bot sent

    def on_message(room: object, event: RoomMessageText | RoomMessageNotice) -> None:
        if event.sender == bot_account.user_id:
            sent.append((event.source["content"]["msgtype"], event.body))

    alice.client.add_event_callback(on_message, (RoomMessageText, RoomMessageNotice))  # type: ignore[arg-type]
    async with serving(homeserver, bot_account, store, now) as served:
        room = await alice.room_with(bot_account.user_id)
        await joined(alice, room, bot_account.user_id)
        await alice.say(room, "!abo 07:00")
        await alice.wait_notice(lambda b: b.startswith("Abonniert"))
        [sub] = await store.run(store.chats.subscriptions)

        async def digest_at(at: datetime) -> tuple[str, str]:
            seen = len(sent)
            await DigestScheduler(store, served.delivery, clock=lambda: at).run_due([sub])
            await served.delivery.join()
            end = time.monotonic() + 60
            while len(sent) == seen:
                assert time.monotonic() < end, f"no digest; got {sent}"
                await alice.client.sync(timeout=300)
            return sent[seen]

        loud = await digest_at(datetime(2025, 11, 11, 6, 0, tzinfo=UTC))  # 07:00 Berlin
        await alice.say(room, "!einstellungen leise an")
        await alice.wait_notice(lambda b: b.startswith("Gespeichert"))
        quiet = await digest_at(datetime(2025, 11, 12, 6, 0, tzinfo=UTC))
    assert loud[0] == "m.text"
    assert loud[1].startswith("Neu seit")
    assert quiet[0] == "m.notice"
    assert quiet[1].startswith("Neu seit")
    # Command answers stay notices either way: other bots must not answer them.
    assert {kind for kind, body in sent if body.startswith(("Abonniert", "Gespeichert"))} == {
        "m.notice"
    }


async def test_only_a_rooms_moderators_add_a_feed_of_its_own(
    homeserver: Homeserver, bot_account: Account, alice: Person, store: Store, now: datetime
) -> None:
    """With chat feeds on, `!feedeintragen URL` by a member below the room's power level is
    refused like any change; the room's creator adds the feed for the room alone."""
    site = await FeedSite().start()
    site.publish("radweg", "Stadtrat beschließt den Radweg", german_text(Random(4), 150), now)
    bob = await login(homeserver, "bob")
    config = Config(chat_feeds="admins", fetch_allow=("127.0.0.1",))
    try:
        async with running(make_transport(homeserver, bot_account, store), store, now, config):
            room = await alice.room_of_three(bot_account.user_id, bob, "Lokales")
            await bob.say(room, f"!feedeintragen {site.url('/feed.xml')}")
            _, _, refused, _ = await bob.wait_notice(lambda b: b.startswith("Entschuldige"))
            await alice.say(room, f"!addfeed {site.url('/feed.xml')}")
            _, _, added, _ = await alice.wait_notice(lambda b: "für diesen Chat" in b)
    finally:
        await bob.close()
        await site.stop()
    assert "Berechtigungsstufe 50" in refused
    assert added.startswith("Feed 1 für diesen Chat eingetragen")
    entries = await store.run(partial(store.chat_feeds.of_chat, f"matrix:{room}"))
    assert [(e.url, e.status) for e in entries] == [(site.url("/feed.xml"), "active")]


@pytest.mark.parametrize("encrypted", [True, False], ids=["encrypted", "plain"])
async def test_after_a_restart_an_encrypting_bot_still_sends_to_a_room_quiet_since(
    homeserver: Homeserver,
    bot_account: Account,
    store: Store,
    now: datetime,
    tmp_path: Path,
    encrypted: bool,
) -> None:
    # Resumed from its sync token, the bot hears only of rooms where something happened since;
    # a digest is still due in every other room it is in.
    carol = await login(homeserver, "carol", keys=tmp_path / "carol-keys")
    bot_keys = tmp_path / "bot-keys"
    try:
        async with serving(homeserver, bot_account, store, now, key_store=bot_keys) as served:
            room = await carol.room_with(bot_account.user_id, encrypted=encrypted)
            await joined(carol, room, bot_account.user_id)
            client = served.transport.client  # type: ignore[attr-defined]
            await wait_until(lambda: room in client.rooms)
        async with serving(homeserver, bot_account, store, now, key_store=bot_keys) as served:
            await served.transport.send(f"matrix:{room}", Reply.text("Neu seit gestern"))
            await carol.wait_notice(lambda b: b.startswith("Neu seit"))
    finally:
        await carol.close()
    # Encrypted exactly when the room asks for it.
    assert carol.decrypted == (["Neu seit gestern"] if encrypted else [])


class LosingProxy:
    """A reverse proxy on 127.0.0.1 in front of the homeserver that, while `losing`, loses
    the answers to room sends: the homeserver stores the event, the client sees the connection
    close (a proxy restarting, a dropped link)."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.losing = False
        self.url = ""
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        async with self._session.request(
            request.method, self.upstream + request.path_qs, headers=headers,
            data=await request.read(),
        ) as answer:  # fmt: skip
            body = await answer.read()
            if "/send/" in request.path and self.losing:
                assert request.transport is not None
                request.transport.close()
            return web.Response(status=answer.status, body=body, content_type=answer.content_type)

    async def start(self) -> LosingProxy:
        self._session = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._handle)
        self._runner, port = await serve_on_loopback(app)
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()


async def test_a_send_whose_answer_was_lost_is_not_posted_twice_when_retried(
    homeserver: Homeserver, bot_account: Account, alice: Person
) -> None:
    proxy = await LosingProxy(homeserver.url).start()
    transport = MatrixTransport(
        proxy.url, bot_account.user_id, password=bot_account.password, sync_timeout_ms=500
    )

    async def ignore(incoming: object) -> None:
        pass

    try:
        await transport.start(ignore)
        room = await alice.room_with(bot_account.user_id)
        await joined(alice, room, bot_account.user_id)
        digest = Reply.text("Neu seit gestern")
        proxy.losing = True
        with pytest.raises(Transient):  # the homeserver has it; the bot cannot know
            await transport.send(f"matrix:{room}", digest)
        proxy.losing = False
        await transport.send(f"matrix:{room}", digest)  # the delivery's retry
        await alice.wait_notice(lambda b: b.startswith("Neu seit"))
        await alice.client.sync(timeout=0)
    finally:
        await transport.stop()
        await proxy.stop()
    assert [n[2] for n in alice.notices] == ["Neu seit gestern"]


async def test_after_a_restart_a_member_below_the_power_level_still_cannot_change_the_digest(
    homeserver: Homeserver, bot_account: Account, alice: Person, store: Store, now: datetime
) -> None:
    # Resumed from its sync token, the bot hears of the room only through what happened since:
    # no member list, no power levels. Who may manage it is still the room's rule.
    bob = await login(homeserver, "bob")
    try:
        async with serving(homeserver, bot_account, store, now):
            room = await alice.room_of_three(bot_account.user_id, bob)
            await alice.say(room, "!subscribe 07:30")
            await alice.wait_notice(lambda b: b.startswith("Abonniert"))
        async with serving(homeserver, bot_account, store, now):
            await bob.say(room, "!abbestellen")
            _, _, refused, _ = await bob.wait_notice(lambda b: not b.startswith("Abonniert"))
            await alice.say(room, "!abbestellen")
            await alice.wait_notice(lambda b: b.startswith("Abbestellt"))
    finally:
        await bob.close()
    assert refused.startswith("Entschuldige, /abbestellen dürfen in diesem Raum nur Mitglieder")
    assert store.chats.subscription(f"matrix:{room}") is None


async def test_a_burst_over_the_homeservers_limit_for_the_bot_reaches_every_room(
    homeserver: Homeserver, bot_account: Account, alice: Person
) -> None:
    # Synapse limits what one account sends, whatever the room (rc_message; here 2 a second
    # and a burst of 2, set for the bot by the admin API). Six rooms' digests at the bot's own
    # pace of 5 a second, one try each beside the refusals: every room gets its digest once.
    transport = MatrixTransport(
        homeserver.url, bot_account.user_id, password=bot_account.password, sync_timeout_ms=500
    )

    async def ignore(incoming: object) -> None:
        pass

    admin = AsyncClient(
        homeserver.url, homeserver.register(f"admin{uuid.uuid4().hex[:8]}", PASSWORD, admin=True)
    )
    try:
        assert isinstance(await admin.login(PASSWORD), LoginResponse)
        await transport.start(ignore)
        rooms = [await alice.room_with(bot_account.user_id) for _ in range(6)]
        for room in rooms:
            await joined(alice, room, bot_account.user_id)
        override = (
            f"{homeserver.url}/_synapse/admin/v1/users/{bot_account.user_id}/override_ratelimit"
        )
        async with aiohttp.ClientSession() as http:
            answer = await http.post(
                override,
                json={"messages_per_second": 2, "burst_count": 2},
                headers={"Authorization": f"Bearer {admin.access_token}"},
            )
            assert answer.status == 200, await answer.text()
        delivery = Delivery({"matrix": transport}, retries=1)
        await delivery.start()
        try:
            outcomes = await asyncio.wait_for(
                asyncio.gather(
                    *(
                        delivery.deliver(Outgoing(f"matrix:{room}", Reply.text(f"Neu {n}"), "d"))
                        for n, room in enumerate(rooms)
                    )
                ),
                60,
            )
        finally:
            await delivery.stop()
        end = time.monotonic() + 30
        while len(alice.notices) < len(rooms) and time.monotonic() < end:
            await alice.client.sync(timeout=300)
    finally:
        await transport.stop()
        await admin.close()
    assert [o.status for o in outcomes] == [Status.SENT] * len(rooms)
    assert sorted((room, body) for room, _, body, _ in alice.notices) == sorted(
        (room, f"Neu {n}") for n, room in enumerate(rooms)
    )


async def set_level(person: Person, room: str, user: str, level: int) -> None:
    """Give `user` this power level in the room (as a room admin does in Element)."""
    current = await person.client.room_get_state_event(room, "m.room.power_levels")
    assert isinstance(current, RoomGetStateEventResponse)
    content = {**current.content, "users": {**current.content["users"], user: level}}
    await person.client.room_put_state(room, "m.room.power_levels", content)


async def test_a_malformed_relation_does_not_hide_a_demotion_from_the_bot(
    homeserver: Homeserver, bot_account: Account, alice: Person, store: Store, now: datetime
) -> None:
    # Any member may send any JSON as a message's m.relates_to (Synapse reads only an object
    # as a relation). A string there made the bot fail inside nio's sync handling; nio then
    # skipped the same sync when asked again, so what followed in it was never seen: here the
    # moderator's demotion, after which he still changed the room's digest.
    bob = await login(homeserver, "bob")
    try:
        async with serving(homeserver, bot_account, store, now):
            room = await alice.room_of_three(bot_account.user_id, bob)
            await set_level(alice, room, bob.client.user_id, 50)
            await alice.say(room, "!subscribe 07:30")
            await alice.wait_notice(lambda b: b.startswith("Abonniert"))
        content = {"msgtype": "m.text", "body": "Guten Morgen", "m.relates_to": "kaputt"}
        await bob.client.room_send(room, "m.room.message", content)
        await set_level(alice, room, bob.client.user_id, 0)
        async with serving(homeserver, bot_account, store, now) as served:
            assert isinstance(served.transport, MatrixTransport)
            await asyncio.wait_for(served.transport.synced.wait(), 20)
            await bob.say(room, "!abbestellen")
            _, _, answer, _ = await bob.wait_notice(lambda b: not b.startswith("Abonniert"))
    finally:
        await bob.close()
    assert answer.startswith("Entschuldige, /abbestellen dürfen in diesem Raum nur Mitglieder")
    assert store.chats.subscription(f"matrix:{room}") is not None


async def test_receiving_again_after_another_process_synced_knows_of_a_demotion(
    homeserver: Homeserver, bot_account: Account, alice: Person, store: Store, now: datetime
) -> None:
    # A process that lost the account's lock stops receiving; another syncs meanwhile and moves
    # the stored token on. Resumed from that token, a sync tells only what changed since: a
    # moderator demoted in between would still count as one.
    bob = await login(homeserver, "bob")
    try:
        async with serving(homeserver, bot_account, store, now) as served:
            transport = served.transport
            assert isinstance(transport, MatrixTransport)
            room = await alice.room_of_three(bot_account.user_id, bob)
            await set_level(alice, room, bob.client.user_id, 50)
            await alice.say(room, "!subscribe 07:30")
            await alice.wait_notice(lambda b: b.startswith("Abonniert"))
            await transport.stop_receiving()
            await set_level(alice, room, bob.client.user_id, 0)
            async with serving(homeserver, bot_account, store, now) as other:
                # The other process: its first sync brings the demotion, its stop keeps the token.
                assert isinstance(other.transport, MatrixTransport)
                await asyncio.wait_for(other.transport.synced.wait(), 20)
            await transport.start_receiving()
            await bob.say(room, "!abbestellen")
            _, _, answer, _ = await bob.wait_notice(lambda b: not b.startswith("Abonniert"))
    finally:
        await bob.close()
    assert answer.startswith("Entschuldige, /abbestellen dürfen in diesem Raum nur Mitglieder")
    assert store.chats.subscription(f"matrix:{room}") is not None


async def test_a_reply_with_the_quoted_fallback_runs_its_own_command(
    homeserver: Homeserver, bot_account: Account, alice: Person, seeded_store: Store, now: datetime
) -> None:
    # A reply to the bot's digest from a client that quotes the message it answers (the spec's
    # reply fallback: "> <@bot> …" lines and an empty line before the reply's own words).
    async with serving(homeserver, bot_account, seeded_store, now):
        room = await alice.room_with(bot_account.user_id)
        await joined(alice, room, bot_account.user_id)
        await alice.say(room, "!latest")
        digest = await alice.wait_notice(lambda b: b.startswith("Die neuesten Artikel"))
        quoted = "\n".join(f"> {line}" for line in f"<{digest[1]}> {digest[2]}".split("\n"))
        content = {
            "msgtype": "m.text",
            "body": f"{quoted}\n\n!search venezuela",
            "m.relates_to": {"m.in_reply_to": {"event_id": "$unknown"}},
        }
        await alice.client.room_send(room, "m.room.message", content)
        _, _, answer, _ = await alice.wait_notice(lambda b: not b.startswith("Die neuesten"))
    assert answer.startswith("2 Treffer für „venezuela“")
