"""The liveness signal: `newsbot run` records a heartbeat, `newsbot status --check` reads it."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import build_transports, serve
from bot.cli import main
from bot.config import Config, Secret
from bot.heartbeat import (
    HEARTBEAT_PREFIX,
    Heartbeat,
    forgettable,
    from_json,
    key_of,
    read_beats,
    silent_parts,
    to_json,
)
from bot.store import Store, open_store
from tests.conftest import ROOT
from tests.fakes.bot_api import FakeBotAPI

pytestmark = pytest.mark.integration
NOW = datetime(2025, 11, 10, 12, tzinfo=UTC)


def check(db: Path | str, *extra: str) -> tuple[int, str, str]:
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
        while not store.chats.states(HEARTBEAT_PREFIX):
            assert time.monotonic() < deadline, "no heartbeat recorded"
            await asyncio.sleep(0.05)
        [beat] = read_beats(store.chats.states(HEARTBEAT_PREFIX))
        assert set(beat.receives) == {"telegram"}
        assert beat.process == f"{socket.gethostname()}:{os.getpid()}"
        assert beat.roles == ("deliver", "poll", "receive", "schedule")
        assert {"schedule", "deliver"} <= set(beat.held)
        assert any(h.startswith("receive:telegram:") for h in beat.held)
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
    assert err.startswith("newsbot status: der Bot schweigt: receive (no live process; last ")
    assert "schedule (no live holder; last " in err
    assert "telegram receive (no live receiver; last " in err
    assert err.count("\n") == 1


ALL = ("deliver", "poll", "receive", "schedule")


def beat(
    process: str,
    ago: float,
    roles: tuple[str, ...] = ALL,
    held: tuple[str, ...] = (),
    receives: dict[str, datetime | None] | None = None,
) -> Heartbeat:
    """A process's heartbeat whose last tick was `ago` seconds before NOW."""
    tick = NOW - timedelta(seconds=ago)
    return Heartbeat(tick, tick - timedelta(hours=1), receives or {}, process, roles, held)


HOLDER = ("deliver", "schedule", "receive:telegram:1")


def test_one_live_process_no_longer_hides_a_dead_one() -> None:
    live = beat("a:1", 20, ("receive", "deliver", "schedule"), HOLDER)
    dead_poller = beat("b:2", 600, ("poll",))
    assert silent_parts([live, dead_poller], NOW) == [
        "poll (no live process; last b:2, silent 600 s)"
    ]
    # Another poller alive: the dead one's work is done, no outage.
    other_poller = beat("c:3", 30, ("poll",))
    assert silent_parts([live, dead_poller, other_poller], NOW) == []


def test_a_singleton_and_a_receiver_are_silent_when_no_live_process_holds_them() -> None:
    dead_holder = beat("a:1", 900, ALL, HOLDER)
    standby = beat("b:2", 10, ALL, ("schedule",))  # took `schedule`, not yet the others
    assert silent_parts([dead_holder, standby], NOW) == [
        "deliver (no live holder; last a:1, silent 900 s)",
        "telegram receive (no live receiver; last a:1, silent 900 s)",
    ]
    took_over = beat("b:2", 10, ALL, HOLDER)
    assert silent_parts([dead_holder, took_over], NOW) == []


def test_a_live_processs_transport_that_does_not_hear_back_is_named() -> None:
    heard = {"telegram": NOW - timedelta(seconds=20), "matrix": None}
    one = Heartbeat(NOW, NOW - timedelta(minutes=30), heard, "a:1", ALL, HOLDER)
    assert silent_parts([one], NOW + timedelta(seconds=30)) == [
        "matrix receive, none since start on a:1 (silent 1830 s)"
    ]
    later = NOW + timedelta(minutes=10)
    assert silent_parts([one], later) == [
        "receive (no live process; last a:1, silent 600 s)",
        "schedule (no live holder; last a:1, silent 600 s)",
        "poll (no live process; last a:1, silent 600 s)",
        "deliver (no live holder; last a:1, silent 600 s)",
        "telegram receive (no live receiver; last a:1, silent 600 s)",
    ]
    assert from_json(to_json(one)) == one
    assert from_json("not json") is None


def test_processes_that_played_no_role_are_silent_when_none_ticks() -> None:
    quiet = beat("a:1", 600, ())
    assert silent_parts([quiet], NOW) == ["every process (last a:1, silent 600 s)"]
    assert silent_parts([beat("a:1", 6, ())], NOW) == []


def test_a_long_dead_process_is_forgotten_once_a_live_one_plays_its_roles() -> None:
    mine = beat("a:1", 0, ALL, HOLDER)
    old_poller = beat("b:2", 8 * 24 * 3600, ("poll",))
    recent_poller = beat("c:3", 3600, ("poll",))
    assert forgettable([mine, old_poller, recent_poller], mine) == ["b:2"]
    receiver_only = beat("a:1", 0, ("receive",))
    assert forgettable([receiver_only, old_poller], receiver_only) == []


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_status_check_names_the_role_a_dead_process_left_unplayed(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    db = str(tmp_path / "bot.db")
    if backend == "postgresql":
        db = request.getfixturevalue("postgres_url")
    store = open_store(db)
    now = datetime.now(UTC)
    beats = [
        Heartbeat(
            now, now - timedelta(hours=1), {}, "host-a:11", ("receive", "schedule"), ("schedule",)
        ),
        Heartbeat(
            now - timedelta(minutes=20), now - timedelta(hours=2), {}, "host-b:22", ("poll",), ()
        ),
    ]
    for one in beats:
        store.chats.save_state(key_of(one.process), to_json(one))
    store.close()
    code, out, err = check(db, "--stale", "300")
    assert code == 1
    assert out == ""
    assert err.startswith("newsbot status: der Bot schweigt: poll (no live process; last host-b:22")
    store = open_store(db)
    store.chats.save_state(
        key_of("host-c:33"), to_json(replace(beats[1], tick=now, process="host-c:33"))
    )
    store.close()
    code, out, err = check(db, "--stale", "300")
    assert (code, err) == (0, "")
    assert "der Bot lebt (lebende Prozesse: 2," in out


# What the health check (every 60 s) and `--help` / `--version` must not load: the stores and
# their parts, psycopg's pool, the summarizer and its word forms, numpy, the platforms.
HEAVY = (
    "bot.store.sqlite",
    "bot.store.postgres.store",
    "bot.store.search",
    "bot.store.postgres.search",
    "bot.store.postgres.terms",
    "bot.ingest",
    "bot.app",
    "sqlite_utils",
    "psycopg_pool",
    "summarizer",
    "simplemma",
    "numpy",
    "httpx",
    "telegram",
    "nio",
)


def loaded_modules(*args: str) -> set[str]:
    """The modules a real `python -m bot ARGS` process imports (from `-X importtime`)."""
    env = {"PATH": os.environ["PATH"], "NEWSBOT_CONFIG": "", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot", *args],
        env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return {
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and not line.endswith("package")
    }


def heavy(modules: set[str]) -> set[str]:
    return {m for m in modules if any(m == h or m.startswith(f"{h}.") for h in HEAVY)}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_health_check_loads_the_database_driver_and_no_store_part(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    db = (
        request.getfixturevalue("postgres_url")
        if backend == "postgresql"
        else str(tmp_path / "b.db")
    )
    open_store(db).close()
    modules = loaded_modules("--db", db, "status", "--check")
    assert "bot.store.health" in modules
    assert heavy(modules) == set()
    assert ("psycopg" in modules) is (backend == "postgresql")


@pytest.mark.parametrize("args", [["--help"], ["--version"]])
def test_help_and_version_load_no_store(args: list[str]) -> None:
    modules = loaded_modules(*args)
    assert heavy(modules) == set()
    assert not {m for m in modules if m == "psycopg" or m.startswith("bot.store")}
