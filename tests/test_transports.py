"""One contract for every transport: send and split, gone chats, stop with nothing lost."""

from __future__ import annotations

import asyncio
import io
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime

import pytest
import pytest_asyncio
from nio import AsyncClient, LoginResponse, RoomMessageNotice

from bot.errors import ChatGone
from bot.records import Reply, Span
from bot.store import Store
from bot.transports.console import ConsoleTransport
from bot.transports.matrix import MatrixTransport
from bot.transports.port import Incoming, OnMessage, Transport
from bot.transports.telegram import TelegramTransport
from tests.conftest import FAST, deliver, wait_until
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.synapse import Homeserver, is_installed, skip_or_fail_without_synapse
from tests.test_matrix import PASSWORD, Person, joined

pytestmark = pytest.mark.integration
LONG = Reply(
    tuple((Span(f"Absatz {i} ", bold=True), Span("Text & <mehr> " * 50)) for i in range(12))
)


@dataclass
class Harness:
    """A transport plus a way to see what a chat received and to write into it."""

    transport: Transport
    chat: str
    gone_chat: str | None
    received: list[str] = field(default_factory=list)
    api: FakeBotAPI | None = None
    person: Person | None = None
    room: str = ""

    async def texts(self, count: int) -> list[str]:
        """Wait until the chat shows at least `count` messages; returns their text."""
        if self.api is not None:
            api = self.api
            await wait_until(lambda: len(api.screen(int(self.chat.split(":")[1]))) >= count)
            return [m.visible for m in api.screen(int(self.chat.split(":")[1]))]
        if self.person is not None:
            person = self.person
            for _ in range(100):
                if len(person.notices) >= count:
                    break
                await person.client.sync(timeout=300)
            return [n[2] for n in person.notices]
        assert isinstance(self.transport, ConsoleTransport)
        return [p for p in self.transport.stdout.getvalue().split("\n\n") if p.strip()]  # type: ignore[attr-defined]

    async def write(self, text: str) -> None:
        """A user writes into the chat."""
        if self.api is not None:
            self.api.push_text(text, int(self.chat.split(":")[1]))
        elif self.person is not None:
            await self.person.say(self.room, text)


KINDS = ["console", "telegram", pytest.param("matrix", marks=pytest.mark.synapse)]


@pytest_asyncio.fixture(params=KINDS)
async def harness(
    request: pytest.FixtureRequest, store: Store, now: datetime
) -> AsyncIterator[tuple[Harness, list[OnMessage]]]:
    """Each transport in turn, not yet started; the test starts it with its handler."""
    handlers: list[OnMessage] = []
    kind = request.param
    if kind == "console":
        transport = ConsoleTransport(stdin=io.StringIO(""), stdout=io.StringIO())
        yield Harness(transport, "console:local", None), handlers
        return
    if kind == "telegram":
        api = await FakeBotAPI().start()
        api.blocked.add(13)
        telegram = TelegramTransport(api.token, api.base_url, poll_timeout=1, limits=FAST)
        try:
            yield Harness(telegram, "telegram:777", "telegram:13", api=api), handlers
        finally:
            await telegram.stop()
            await api.stop()
        return
    if not is_installed():
        skip_or_fail_without_synapse()
    homeserver: Homeserver = request.getfixturevalue("homeserver")
    bot_id = homeserver.register(f"bot{uuid.uuid4().hex[:8]}", PASSWORD)
    alice_id = homeserver.register(f"alice{uuid.uuid4().hex[:8]}", PASSWORD)
    client = AsyncClient(homeserver.url, alice_id)
    assert isinstance(await client.login(PASSWORD), LoginResponse)
    person = Person(client)
    client.add_event_callback(person.on_notice, RoomMessageNotice)  # type: ignore[arg-type]
    other = await person.room_with("@nobody:localhost")  # a room the bot never joined
    matrix = MatrixTransport(
        homeserver.url, bot_id, password=PASSWORD, sync_timeout_ms=500, limits=FAST
    )
    harness = Harness(matrix, "", f"matrix:{other}", person=person)
    harness.transport = matrix
    try:
        yield harness, handlers
    finally:
        await matrix.stop()
        await client.close()


async def start(h: Harness, on_message: OnMessage) -> None:
    """Start the transport; for Matrix, also make a room with the bot in it."""
    await h.transport.start(on_message)
    if h.person is not None:
        assert isinstance(h.transport, MatrixTransport)
        h.room = await h.person.room_with(h.transport.user_id)
        await joined(h.person, h.room, h.transport.user_id)
        h.chat = f"matrix:{h.room}"


async def nothing(_: Incoming) -> None:
    """A handler that never answers."""


async def test_send_splits_and_delivers_everything(
    harness: tuple[Harness, list[OnMessage]],
) -> None:
    h, _ = harness
    await start(h, nothing)
    assert await deliver(h.transport, h.chat, LONG) == "sent"
    texts = await h.texts(2)
    joined_text = "\n".join(texts)
    assert all(f"Absatz {i} " in joined_text for i in range(12))
    assert all(len(t) <= 4096 for t in texts)


async def test_gone_chat_raises_chat_gone(harness: tuple[Harness, list[OnMessage]]) -> None:
    h, _ = harness
    if h.gone_chat is None:
        pytest.skip("the console cannot go away")
    await start(h, nothing)
    with pytest.raises(ChatGone):
        await h.transport.send(h.gone_chat, Reply.text("Überblick"))


async def test_stop_finishes_the_message_in_flight(
    harness: tuple[Harness, list[OnMessage]],
) -> None:
    h, _ = harness
    if isinstance(h.transport, ConsoleTransport):
        pytest.skip("the console reads stdin until it closes")
    entered = asyncio.Event()

    async def slow(message: Incoming) -> None:
        entered.set()
        await asyncio.sleep(0.5)
        await h.transport.send(message.chat, Reply.text(f"Antwort auf {message.text}"))

    await start(h, slow)
    await h.write("/start")
    await asyncio.wait_for(entered.wait(), 20)
    await h.transport.stop()
    assert "Antwort auf /start" in await h.texts(1)
