"""Matrix over the bot's lifetime against a real Synapse: a token that stops working, a room
that is upgraded."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import aiohttp
import pytest
from nio import AsyncClient, LoginResponse, RoomCreateResponse, RoomPreset

from bot.app import Liveness, record_heartbeat
from bot.heartbeat import HEARTBEAT_PREFIX, STALE_AFTER, read_beats, silent_parts
from bot.records import Reply
from bot.schedule import DigestScheduler
from bot.send_policy import Status
from bot.store import Store
from bot.transports.matrix import MatrixTransport
from tests.conftest import FAST, running, wait_until
from tests.fakes.synapse import Homeserver
from tests.test_matrix import PASSWORD, Account, Person, joined, login, make_transport, serving

pytestmark = [pytest.mark.integration, pytest.mark.synapse]


@asynccontextmanager
async def people(
    homeserver: Homeserver, keys: Path | None = None
) -> AsyncIterator[tuple[Account, Person]]:
    """A fresh bot account and a logged-in human (logged off at the end); with `keys`, one
    whose client encrypts."""
    bot = Account(homeserver.register(f"bot{uuid.uuid4().hex[:8]}", PASSWORD))
    alice = await login(homeserver, "alice", keys)
    try:
        yield bot, alice
    finally:
        await alice.close()


async def client_api(
    homeserver: Homeserver, token: str, path: str, body: dict[str, object]
) -> dict[str, object]:
    """POST to the client-server API as the owner of `token` (as Element or an admin does)."""
    async with aiohttp.ClientSession() as http:
        answer = await http.post(
            f"{homeserver.url}/_matrix/client/v3/{path}",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status == 200, await answer.text()
        result: dict[str, object] = await answer.json()
        return result


async def access_token(homeserver: Homeserver, account: Account) -> str:
    """An access token of the account's own, as an operator makes one for MATRIX_ACCESS_TOKEN
    (a login on another device, which the bot then takes over)."""
    source = AsyncClient(homeserver.url, account.user_id)
    response = await source.login(account.password, device_name="token-source")
    await source.close()
    assert isinstance(response, LoginResponse)
    return response.access_token


def secret_free(caplog: pytest.LogCaptureFixture, *secrets: str) -> bool:
    """No log line holds any of `secrets`."""
    return not any(s in caplog.text for s in secrets if s)


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_a_bot_logged_out_logs_in_again_and_sends_once(
    homeserver: Homeserver,
    seeded_store: Store,
    now: datetime,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    encrypted: bool,
) -> None:
    # An admin logs the bot's device out while it runs: the next sync and the next send meet
    # M_UNKNOWN_TOKEN. With a password the bot logs in again (once), keeps its device, and
    # both the queued digest and the command written meanwhile are answered, each once. The
    # logout deleted the device's keys on the homeserver: in an encrypted room the bot still
    # reads the command and encrypts its answers.
    caplog.set_level(logging.INFO)
    keys = {"key_store": tmp_path / "bot-keys"} if encrypted else {}
    async with (
        people(homeserver, tmp_path / "alice-keys" if encrypted else None) as (bot, alice),
        serving(homeserver, bot, seeded_store, now, **keys) as served,
    ):
        transport = served.transport
        assert isinstance(transport, MatrixTransport)
        room = await alice.room_with(bot.user_id, encrypted=encrypted)
        await joined(alice, room, bot.user_id)
        await alice.say(room, "!start")
        await alice.wait_notice(lambda b: b.startswith("Willkommen"))
        device, lost = transport.client.device_id, transport.client.access_token
        await client_api(homeserver, lost, "logout", {})
        outcome = await asyncio.wait_for(
            served.send(f"matrix:{room}", Reply.text("Neu seit gestern")), 60
        )
        await alice.say(room, "!help")
        await alice.wait_notice(lambda b: b.startswith("Befehle:"), within=30)
        await alice.wait_notice(lambda b: b.startswith("Neu seit"), within=5)
        await alice.client.sync(timeout=0)
        renewed = transport.client.access_token
    bodies = [n[2] for n in alice.notices]
    assert outcome == Status.SENT
    assert sum(b.startswith("Neu seit") for b in bodies) == 1
    assert sum(b.startswith("Befehle:") for b in bodies) == 1
    assert transport.client.device_id == device
    assert len(alice.decrypted) == (3 if encrypted else 0)
    assert caplog.text.count("event=matrix_login ") == 2  # the start, and once after the loss
    assert secret_free(caplog, PASSWORD, lost, renewed)


async def test_a_revoked_access_token_without_a_password_is_one_clear_error(
    homeserver: Homeserver, store: Store, now: datetime, caplog: pytest.LogCaptureFixture
) -> None:
    # Only MATRIX_ACCESS_TOKEN is configured and it is revoked: nothing can bring the bot back
    # but the operator. One error says what to set; a send fails at once instead of being
    # retried for minutes as if the network were down; the heartbeat shows Matrix not syncing.
    caplog.set_level(logging.INFO)
    async with people(homeserver) as (bot, alice):
        token = await access_token(homeserver, bot)
        transport = MatrixTransport(
            homeserver.url, bot.user_id, access_token=token, sync_timeout_ms=500, limits=FAST
        )
        async with running(transport, store, now) as served:
            room = await alice.room_with(bot.user_id)
            await joined(alice, room, bot.user_id)
            await wait_until(lambda: transport.last_receive is not None, within=30)
            await client_api(homeserver, token, "logout", {})
            await wait_until(lambda: "MATRIX_ACCESS_TOKEN" in caplog.text, within=30)
            heard = transport.last_receive
            started = time.monotonic()
            outcomes = [
                await asyncio.wait_for(served.send(f"matrix:{room}", Reply.text(text)), 60)
                for text in ("Neu seit gestern", "Neu seit heute")
            ]
            failed_in = time.monotonic() - started
            await alice.say(room, "!help")
            with pytest.raises(AssertionError, match="no matching notice"):
                await alice.wait_notice(lambda b: b.startswith("Befehle"), within=3)
            assert transport.receiving
            assert transport.last_receive == heard
            assert heard is not None
            later = datetime.fromtimestamp(heard, UTC) + STALE_AFTER + timedelta(minutes=1)
            me = Liveness(later, "host:1", frozenset({"receive"}), list)
            await record_heartbeat(store, me, [transport], later)
            beats = read_beats(await store.run(partial(store.chats.states, HEARTBEAT_PREFIX)))
    assert outcomes == [Status.FAILED, Status.FAILED]
    assert failed_in < 10  # not retried for minutes
    told = [
        r.getMessage()
        for r in caplog.records
        if r.name == "bot.transports.matrix" and r.levelno >= logging.ERROR
    ]
    assert len(told) == 1
    assert "set a new MATRIX_ACCESS_TOKEN or a MATRIX_PASSWORD" in told[0]
    assert any(part.startswith("matrix receive") for part in silent_parts(beats, later))
    assert secret_free(caplog, token)


@pytest.mark.parametrize(
    "preset", [RoomPreset.public_chat, RoomPreset.private_chat], ids=["joinable", "invited"]
)
async def test_an_upgraded_room_is_followed_with_its_subscription_and_settings(
    homeserver: Homeserver,
    seeded_store: Store,
    now: datetime,
    caplog: pytest.LogCaptureFixture,
    preset: RoomPreset,
) -> None:
    # A room admin upgrades the room: the old room gets a tombstone naming the new one. The
    # bot follows: it joins the new room (at once when anyone may join, as the old room's join
    # rule carries over; else once invited, as Element invites the members), the room's
    # subscription and settings move there, and the next digest lands there.
    caplog.set_level(logging.INFO)
    store = seeded_store
    async with people(homeserver) as (bot, alice):
        transport = make_transport(homeserver, bot, store)
        async with running(transport, store, now) as served:
            created = await alice.client.room_create(preset=preset, invite=[bot.user_id])
            assert isinstance(created, RoomCreateResponse)
            old = created.room_id
            await joined(alice, old, bot.user_id)
            await alice.say(old, "!abo 07:00")
            await alice.wait_notice(lambda b: b.startswith("Abonniert"))
            await alice.say(old, "!einstellungen leise an")
            await alice.wait_notice(lambda b: b.startswith("Gespeichert"))
            settings = await store.run(partial(store.chats.settings, f"matrix:{old}"))
            token = alice.client.access_token
            upgraded = await client_api(
                homeserver, token, f"rooms/{old}/upgrade", {"new_version": "10"}
            )
            new = str(upgraded["replacement_room"])
            if preset == RoomPreset.private_chat:
                # Not invited yet: the bot cannot join, and the chat stays where it is.
                await wait_until(lambda: "event=matrix_upgrade_not_followed" in caplog.text)
                assert await store.run(partial(store.chats.subscription, f"matrix:{old}"))
                await client_api(homeserver, token, f"rooms/{new}/invite", {"user_id": bot.user_id})
            await wait_until(
                lambda: store.run(lambda: store.chats.subscription(f"matrix:{new}") is not None),
                within=30,
                what="the subscription in the new room",
            )
            [sub] = await store.run(store.chats.subscriptions)
            at = datetime(2025, 11, 11, 6, 0, tzinfo=UTC)  # 07:00 Berlin
            await DigestScheduler(store, served.delivery, clock=lambda: at).run_due([sub])
            await served.delivery.join()
            where, *_ = await alice.wait_notice(lambda b: b.startswith("Neu seit"))
            moved = await store.run(partial(store.chats.settings, f"matrix:{new}"))
            left = await store.run(partial(store.chats.subscription, f"matrix:{old}"))
    assert sub.chat == f"matrix:{new}"
    assert where == new
    assert moved == settings
    assert settings.silent
    assert left is None
    assert f"event=matrix_room_upgraded room={old} new={new}" in caplog.text


async def test_a_room_upgraded_while_the_bot_was_down_is_followed_at_its_next_start(
    homeserver: Homeserver, seeded_store: Store, now: datetime, caplog: pytest.LogCaptureFixture
) -> None:
    # Upgraded while the bot was down, and more happened in the old room than a sync's timeline
    # holds: the tombstone is only in the room's state, which the first sync of a run asks for.
    caplog.set_level(logging.INFO)
    store = seeded_store
    async with people(homeserver) as (bot, alice):
        async with running(make_transport(homeserver, bot, store), store, now):
            created = await alice.client.room_create(
                preset=RoomPreset.public_chat, invite=[bot.user_id]
            )
            assert isinstance(created, RoomCreateResponse)
            old = created.room_id
            await joined(alice, old, bot.user_id)
            await alice.say(old, "!abo 07:00")
            await alice.wait_notice(lambda b: b.startswith("Abonniert"))
        token = alice.client.access_token
        upgraded = await client_api(
            homeserver, token, f"rooms/{old}/upgrade", {"new_version": "10"}
        )
        new = str(upgraded["replacement_room"])
        for n in range(15):
            await alice.client.room_put_state(old, "m.room.topic", {"topic": f"Archiv {n}"})
        async with running(make_transport(homeserver, bot, store), store, now):
            await wait_until(
                lambda: store.run(lambda: store.chats.subscription(f"matrix:{new}") is not None),
                within=30,
                what="the subscription in the new room",
            )
    assert f"event=matrix_room_upgraded room={old} new={new}" in caplog.text
    assert store.chats.subscription(f"matrix:{old}") is None


async def test_a_revoked_access_token_at_start_falls_back_to_the_password(
    homeserver: Homeserver, store: Store, now: datetime, caplog: pytest.LogCaptureFixture
) -> None:
    # Both are configured and the token was revoked while the bot was down: it starts with the
    # password instead of refusing to start.
    caplog.set_level(logging.INFO)
    async with people(homeserver) as (bot, alice):
        token = await access_token(homeserver, bot)
        await client_api(homeserver, token, "logout", {})
        transport = MatrixTransport(
            homeserver.url,
            bot.user_id,
            password=bot.password,
            access_token=token,
            sync_timeout_ms=500,
            limits=FAST,
        )
        async with running(transport, store, now):
            room = await alice.room_with(bot.user_id)
            await joined(alice, room, bot.user_id)
            await alice.say(room, "!hilfe")
            await alice.wait_notice(lambda b: b.startswith("Befehle"))
    assert "event=matrix_token_lost" in caplog.text
    assert secret_free(caplog, token, bot.password)
