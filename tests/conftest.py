"""Shared fixtures: a real Store (in memory or on disk), a fixed clock, the seed folder, and
`newsbot(...)`, the CLI run in this process with its own arguments, environment and stdio."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlite_utils import Database

from bot.app import make_delivery, make_handler
from bot.cli import main
from bot.config import Config
from bot.delivery import Delivery, Outgoing, Status
from bot.ingest.files import ingest_paths
from bot.records import Reply
from bot.store import Store
from bot.transports.base import Limits, Transport
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.synapse import Homeserver, skip_or_fail_without_synapse

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
# Pacing for tests that are not about pacing: no gap per chat, no real-time wait. Tests pass it
# to the transports (`limits=FAST`); test_restart's burst test keeps Telegram's real limits.
FAST = Limits(per_second=1000.0, chat_gap=0.0)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that uses the real homeserver is a `synapse` and `integration` test, marked or not,
    so `-m "not synapse"` and `make test-fast` leave out every one of them."""
    for item in items:
        if "homeserver" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.synapse)
            item.add_marker(pytest.mark.integration)


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


@pytest.fixture(scope="session")
def homeserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Homeserver]:
    """One real Synapse for the whole test session on 127.0.0.1; every test registers users
    of its own (unique names), so tests share the server but no account or room."""
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


@dataclass(frozen=True)
class Result:
    """What a `newsbot` run showed: its exit status and what it printed (as CompletedProcess)."""

    returncode: int
    stdout: str
    stderr: str


def newsbot(
    *args: str,
    db: Path | None = None,
    stdin: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    clean_env: bool = False,
) -> Result:
    """Run `newsbot ARGS` in this process (as sqlite-utils tests its CLI with CliRunner).

    The environment is os.environ (or nothing, with `clean_env`) plus NEWSBOT_CONFIG="",
    NEWSBOT_DB=`db` and `env`; stdin reads `stdin`; stdout and stderr are captured. The
    process's environment, working folder, stdio and logging are restored afterwards. What
    only a real process shows (the entry point, signals, SIGPIPE, `-W error`) is tested by
    spawning one: see `newsbot_process`.
    """
    environment = {} if clean_env else dict(os.environ)
    environment["NEWSBOT_CONFIG"] = ""
    if db is not None:
        environment["NEWSBOT_DB"] = str(db)
    environment.update(env or {})
    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_cwd, saved_stdin = dict(os.environ), os.getcwd(), sys.stdin
    root = logging.getLogger()
    saved_handlers, saved_levels = root.handlers[:], _logger_levels()
    os.environ.clear()
    os.environ.update(environment)
    sys.stdin = io.StringIO(stdin or "")
    try:
        if cwd is not None:
            os.chdir(cwd)
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse's usage errors and --help
                code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
                if isinstance(exc.code, str):
                    print(exc.code, file=sys.stderr)
    finally:
        os.chdir(saved_cwd)
        sys.stdin = saved_stdin
        os.environ.clear()
        os.environ.update(saved_env)
        root.handlers[:] = saved_handlers
        for name, level in saved_levels.items():
            (logging.getLogger(name) if name else root).setLevel(level)
    return Result(code, out.getvalue(), err.getvalue())


def _logger_levels() -> dict[str, int]:
    """Every existing logger's own level ("" is the root), to put back after a run."""
    loggers = logging.Logger.manager.loggerDict.items()
    levels = {name: lg.level for name, lg in loggers if isinstance(lg, logging.Logger)}
    return {"": logging.getLogger().level, **levels}


def newsbot_process(
    *args: str,
    db: Path | None = None,
    stdin: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS` as a real process: for what only a process shows."""
    environment = {**os.environ, "NEWSBOT_CONFIG": "", "PYTHONPATH": str(ROOT), **(env or {})}
    if db is not None:
        environment["NEWSBOT_DB"] = str(db)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def console_chat(lines: list[str], db: Path) -> str:
    """What `newsbot demo` answers in its console chat to `lines` (one message each)."""
    result = newsbot("demo", db=db, stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout.split("Konsolen-Chat", 1)[1]
