"""Shared fixtures: a real Store (in memory or on disk), a fixed clock, the seed folder."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlite_utils import Database

from bot.app import make_delivery, make_handler
from bot.config import Config
from bot.delivery import Delivery, Outgoing, Status
from bot.ingest.files import ingest_paths
from bot.records import Reply
from bot.store import Store
from bot.transports.base import Transport
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.synapse import Homeserver, skip_or_fail_without_synapse

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture
def now() -> datetime:
    """A fixed, timezone-aware 'now' for pure functions."""
    return datetime(2025, 11, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def store() -> Iterator[Store]:
    """A real Store on an in-memory SQLite database."""
    s = Store.memory()
    yield s
    s.close()


@pytest.fixture
def memory_db() -> Iterator[Database]:
    """A bare in-memory sqlite-utils Database, closed afterwards (3.13 warns on a leak)."""
    db = Database(memory=True)
    yield db
    db.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A path for an on-disk database file."""
    return tmp_path / "newsbot.db"


@pytest.fixture
def seeded_store(store: Store, now: datetime) -> Store:
    """The in-memory store with both seed articles ingested."""
    results = list(ingest_paths(store, [SEEDS], now))
    assert [r.status for r in results] == ["added", "added"]
    return store


@pytest.fixture(scope="module")
def homeserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Homeserver]:
    """One real Synapse per test module on 127.0.0.1 (starts in about a second)."""
    skip_or_fail_without_synapse()
    server = Homeserver(tmp_path_factory.mktemp("synapse")).start()
    yield server
    server.stop()


async def deliver(transport: Transport, chat: str, reply: Reply, **options: Any) -> Status:
    """Send `reply` to `chat` through the one outgoing path (`bot.delivery`), as the bot does;
    returns how it ended (`Status.SENT`, `GONE`, `FAILED`, …)."""
    delivery = Delivery({transport.name: transport}, backoff=0.05)
    await delivery.start()
    try:
        return (await delivery.deliver(Outgoing(chat, reply, "test", **options))).status
    finally:
        await delivery.stop()


@dataclass
class Running:
    """A started transport wired as `newsbot run` wires it: the command core, and every
    message out through the one delivery."""

    transport: Transport
    delivery: Delivery

    async def send(self, chat: str, reply: Reply) -> Status:
        """Send as the bot sends a digest; how it ended (`Status.SENT`, `GONE`, `FAILED`, …)."""
        return (await self.delivery.deliver(Outgoing(chat, reply, "test"))).status


@asynccontextmanager
async def running(
    transport: Transport, store: Store, now: datetime, config: Config | None = None
) -> AsyncIterator[Running]:
    """Start `transport` with the bot's handler and delivery; stop both on exit."""
    delivery = make_delivery(store, [transport])
    handler = make_handler(config or Config(), store, lambda: now, delivery)
    await delivery.start()
    try:
        await transport.start(handler)
        try:
            yield Running(transport, delivery)
        finally:
            await transport.stop()
    finally:
        await delivery.stop()


@pytest_asyncio.fixture
async def bot_api() -> AsyncIterator[FakeBotAPI]:
    """A fake Bot API server on 127.0.0.1."""
    api = await FakeBotAPI().start()
    yield api
    await api.stop()


def console_chat(lines: list[str], db: Path) -> str:
    """What `newsbot demo` answers in its console chat to `lines` (one message each)."""
    env = {**os.environ, "NEWSBOT_DB": str(db), "NEWSBOT_CONFIG": ""}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout.split("Konsolen-Chat", 1)[1]
