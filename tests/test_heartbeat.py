"""The liveness signal: `newsbot run` records a heartbeat, `newsbot status --check` reads it."""

from __future__ import annotations

import asyncio
import contextlib
import io
import socket
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import build_transports, serve
from bot.cli import main
from bot.config import Config, Secret
from bot.heartbeat import HEARTBEAT_KEY, Heartbeat, from_json, silent_parts, to_json
from bot.store import Store
from tests.fakes.bot_api import FakeBotAPI

pytestmark = pytest.mark.integration
NOW = datetime(2025, 11, 10, 12, tzinfo=UTC)


def check(db: Path, *extra: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--db", str(db), "status", "--check", *extra])
    return code, out.getvalue(), err.getvalue()


async def test_heartbeat_goes_stale_when_the_bot_stops_and_the_check_names_it(
    bot_api: FakeBotAPI, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSBOT_CONFIG", "")
    # systemd's end of the notify protocol: an abstract datagram socket.
    name = f"@newsbot-test-{uuid.uuid4().hex}"
    systemd = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    systemd.bind("\0" + name[1:])
    systemd.setblocking(False)
    monkeypatch.setenv("NOTIFY_SOCKET", name)
    store = Store.open(db_path)
    assert check(db_path)[0] == 0  # no bot has run here yet: the database is all there is
    config = Config(
        db=str(db_path), telegram_token=Secret(bot_api.token), telegram_api_url=bot_api.base_url
    )
    until = asyncio.Event()
    running = asyncio.create_task(
        serve(config, store, build_transports(config, store), schedule=True, until=until)
    )
    try:
        deadline = time.monotonic() + 120
        while from_json(store.chats.load_state(HEARTBEAT_KEY)) is None:
            assert time.monotonic() < deadline, "no heartbeat recorded"
            await asyncio.sleep(0.05)
        beat = from_json(store.chats.load_state(HEARTBEAT_KEY))
        assert beat is not None
        assert set(beat.receives) == {"telegram"}
        code, out, _ = await asyncio.to_thread(check, db_path, "--stale", "60")
        assert code == 0
        assert "alive" in out or "lebt" in out
    finally:
        until.set()
        await asyncio.wait_for(running, 60)
        store.close()
    told = []
    with contextlib.suppress(BlockingIOError):
        while True:
            told.append(systemd.recv(100).decode())
    systemd.close()
    assert "READY=1" in told
    assert "WATCHDOG=1" in told  # the first tick comes as the scheduler starts
    assert told[-1] == "STOPPING=1"
    await asyncio.sleep(2.1)  # nothing ticks any more
    code, out, err = await asyncio.to_thread(check, db_path, "--stale", "2")
    assert code == 1
    assert out == ""
    assert err.startswith("newsbot status: der Bot schweigt: scheduler (silent ")
    assert "telegram receive" in err
    assert err.count("\n") == 1


def test_silent_parts_name_each_part_and_count_receives_from_the_start() -> None:
    beat = Heartbeat(
        NOW,
        NOW - timedelta(minutes=30),
        {"telegram": NOW - timedelta(seconds=20), "matrix": None},
    )
    assert silent_parts(beat, NOW + timedelta(seconds=30)) == [
        "matrix receive, none since start (silent 1830 s)"
    ]
    later = NOW + timedelta(minutes=10)
    assert silent_parts(beat, later) == [
        "scheduler (silent 600 s)",
        "matrix receive, none since start (silent 2400 s)",
        "telegram receive (silent 620 s)",
    ]
    assert from_json(to_json(beat)) == beat
    assert from_json("not json") is None
