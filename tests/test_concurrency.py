"""No chat waits on another: a reply held by its own chat's `retry_after` or pacing, or a slow
command in one chat, delays only that chat, and each chat's replies keep its commands' order.

Telegram through PTB against the fake Bot API, Matrix against a real Synapse; the bounds are
what a user notices (an answer within a couple of seconds instead of a minute).
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Callable
from datetime import datetime

import pytest

from bot.store import Store
from bot.transports.matrix import LIMITS as MATRIX_LIMITS
from bot.transports.port import Limits
from tests.conftest import running, wait_until
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.synapse import Homeserver
from tests.test_matrix import PASSWORD, Account, Person, joined, login
from tests.test_matrix import make_transport as matrix_transport
from tests.test_telegram import make_transport

pytestmark = pytest.mark.integration
# Pacing that never makes a test wait, where the test is not about pacing.
FAST = Limits(per_second=1000.0, chat_gap=0.0)
GROUP = -100600
MEMBER = 555
SEARCHES = 30
ALL_EVENTS = {"room": {"timeline": {"limit": 200}}}


async def read_until(person: Person, condition: Callable[[], bool], within: float = 30) -> None:
    """Sync `person` until `condition()` holds, reading every event (a plain sync shows only a
    room's last ten, and thirty commands with their answers are more)."""
    end = time.monotonic() + within
    while not condition():
        assert time.monotonic() < end, f"timed out; got {[n[2][:40] for n in person.notices]}"
        await person.client.sync(timeout=300, sync_filter=ALL_EVENTS)


def answers(person: Person, room: str) -> list[str]:
    """The bot's notices in one room, in order."""
    return [body for r, _, body, _ in person.notices if r == room]


def searched(texts: list[str]) -> list[int]:
    """The numbers of the searches (`/search wortN`) that these answers answer, in order."""
    return [int(m.group(1)) for t in texts for m in [re.search(r"wort(\d+)", t)] if m]


async def test_a_reply_held_by_retry_after_delays_no_other_chat(
    bot_api: FakeBotAPI, seeded_store: Store, now: datetime
) -> None:
    bot_api.flood_chat[701] = [60]  # chat A's next message is held for a minute
    transport = make_transport(bot_api, seeded_store)
    async with running(transport, seeded_store, now):
        bot_api.push_text("/start", chat_id=701)
        await wait_until(lambda: not bot_api.flood_chat[701])  # the 429 was answered
        asked = time.monotonic()
        bot_api.push_text("/start", chat_id=702)
        await wait_until(lambda: bot_api.screen(702), within=30)
        waited = time.monotonic() - asked
        stopping = time.monotonic()
    stopped = time.monotonic() - stopping
    # The figures behind the closing note: `pytest -s tests/test_concurrency.py`.
    print(f"\nretry_after 60 s in chat A: chat B answered in {waited:.2f} s, stop {stopped:.2f} s")
    assert waited < 2, f"chat B waited {waited:.1f} s for chat A's retry_after"
    assert bot_api.screen(702)[0].visible.startswith("Willkommen!")
    assert bot_api.screen(701) == []  # A's reply is still held, not sent around its wait
    assert stopped < 10, f"stopping took {stopped:.1f} s with a reply held for 60 s"


async def test_thirty_searches_in_a_group_delay_another_chat_by_seconds_at_most(
    bot_api: FakeBotAPI, seeded_store: Store, now: datetime
) -> None:
    # Telegram takes 20 messages a minute in a group: thirty answers need a minute and more.
    bot_api.add_group(GROUP, admins=[1])
    transport = make_transport(bot_api, seeded_store)
    async with running(transport, seeded_store, now):
        for i in range(SEARCHES):
            bot_api.push_text(f"/search wort{i}", GROUP, MEMBER, chat_type="supergroup")
        await wait_until(lambda: bot_api.screen(GROUP), within=30)
        asked = time.monotonic()
        bot_api.push_text("/start", chat_id=703)
        await wait_until(lambda: bot_api.screen(703), within=90)
        waited = time.monotonic() - asked
        await wait_until(lambda: len(bot_api.screen(GROUP)) >= 4, within=30)
        group = [m.visible for m in bot_api.screen(GROUP)]
    print(f"\n{SEARCHES} /search in a Telegram group: a private chat answered in {waited:.2f} s")
    assert waited < 5, f"a private chat waited {waited:.1f} s for a group's searches"
    assert len(group) < SEARCHES  # the group's answers were still going out, paced
    assert searched(group) == list(range(len(group)))  # in the order they were asked


async def test_a_slow_command_in_one_chat_delays_only_that_chat_and_keeps_its_order(
    bot_api: FakeBotAPI, seeded_store: Store, now: datetime
) -> None:
    # Asking Telegram for a group's administrators takes 1.5 s here.
    bot_api.latency["getChatAdministrators"] = 1.5
    bot_api.add_group(GROUP, admins=[1])
    transport = make_transport(bot_api, seeded_store)
    transport.limits = FAST
    async with running(transport, seeded_store, now):
        bot_api.push_text("/subscribe 07:30", GROUP, MEMBER, chat_type="supergroup")
        bot_api.push_text("/search wort1", GROUP, MEMBER, chat_type="supergroup")
        bot_api.push_text("/search wort2", GROUP, MEMBER, chat_type="supergroup")
        for i in range(5):
            bot_api.push_text(f"/search wort{i}", chat_id=704)
        await wait_until(lambda: len(bot_api.screen(GROUP)) == 3 and len(bot_api.screen(704)) == 5)
    group = bot_api.screen(GROUP)
    private = bot_api.screen(704)
    # The private chat was answered while the group's first command still waited.
    assert bot_api.sent.index(private[-1]) < bot_api.sent.index(group[0])
    assert group[0].visible.startswith("Entschuldige, /subscribe dürfen hier nur")
    assert searched([m.visible for m in group[1:]]) == [1, 2]
    assert searched([m.visible for m in private]) == [0, 1, 2, 3, 4]


@pytest.mark.synapse
async def test_thirty_searches_in_a_matrix_room_delay_another_room_by_seconds_at_most(
    homeserver: Homeserver, seeded_store: Store, now: datetime
) -> None:
    bot = Account(homeserver.register(f"bot{uuid.uuid4().hex[:8]}", PASSWORD))
    alice = await login(homeserver, "alice")
    try:
        # The bot paces each room to one message a second: thirty answers take half a minute.
        paced = matrix_transport(homeserver, bot, seeded_store, limits=MATRIX_LIMITS)
        async with running(paced, seeded_store, now):
            busy = await alice.room_with(bot.user_id)
            other = await alice.room_with(bot.user_id)
            await joined(alice, busy, bot.user_id)
            await joined(alice, other, bot.user_id)
            for i in range(SEARCHES):
                await alice.say(busy, f"!search wort{i}")
            await read_until(alice, lambda: bool(answers(alice, busy)))
            asked = time.monotonic()
            await alice.say(other, "!start")
            await read_until(alice, lambda: bool(answers(alice, other)), within=60)
            waited = time.monotonic() - asked
            await read_until(alice, lambda: len(answers(alice, busy)) >= 4)
            busy_answers = answers(alice, busy)
    finally:
        await alice.close()
    print(f"\n{SEARCHES} !search in a Matrix room: another room answered in {waited:.2f} s")
    assert waited < 5, f"another room waited {waited:.1f} s for a room's searches"
    assert answers(alice, other)[0].startswith("Willkommen")
    assert len(busy_answers) < SEARCHES  # the busy room's answers were still going out, paced
    assert searched(busy_answers) == list(range(len(busy_answers)))


@pytest.mark.synapse
async def test_each_matrix_room_gets_its_answers_in_the_order_of_its_commands(
    homeserver: Homeserver, seeded_store: Store, now: datetime
) -> None:
    bot = Account(homeserver.register(f"bot{uuid.uuid4().hex[:8]}", PASSWORD))
    alice = await login(homeserver, "alice")
    transport = matrix_transport(homeserver, bot, seeded_store, limits=FAST)
    try:
        async with running(transport, seeded_store, now):
            rooms = [await alice.room_with(bot.user_id) for _ in range(3)]
            for room in rooms:
                await joined(alice, room, bot.user_id)
            for i in range(6):
                await asyncio.gather(*(alice.say(room, f"!search wort{i}") for room in rooms))
            await read_until(alice, lambda: all(len(answers(alice, r)) >= 6 for r in rooms))
    finally:
        await alice.close()
    assert [searched(answers(alice, room)) for room in rooms] == [list(range(6))] * 3
