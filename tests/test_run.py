"""`newsbot run` as a process: started with a config file, stopped by SIGTERM, database intact."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.store import Store
from tests.conftest import wait_until
from tests.fakes.bot_api import TOKEN, FakeBotAPI
from tests.test_deploy import container_env, dockerfile, exec_form

NEWSBOT = str(Path(sys.executable).parent / "newsbot")
pytestmark = pytest.mark.integration


def assert_consistent(db: Path, articles: int = 0) -> None:
    """The database file alone is complete and passes every check SQLite has."""
    # A clean close checkpoints the WAL into the database and removes it.
    assert not Path(f"{db}-wal").exists()
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
    finally:
        conn.close()
    store = Store.open_readonly(db)
    try:
        assert store.check() == articles
    finally:
        store.close()


def alert_hits(db: Path) -> int:
    """Articles the alerts were sent for, as the database records them."""
    conn = sqlite3.connect(db, timeout=10)
    try:
        return int(conn.execute("SELECT count(DISTINCT article_id) FROM alert_hits").fetchone()[0])
    finally:
        conn.close()


async def terminate(proc: asyncio.subprocess.Process) -> tuple[bytes, bytes]:
    """SIGTERM the bot and collect its output; kill it only if it does not stop in 30 s."""
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


@pytest.mark.slow
@pytest.mark.parametrize("entry", ["newsbot run", "container entry point"])
async def test_run_exits_cleanly_on_sigterm(
    entry: str, bot_api: FakeBotAPI, tmp_path: Path
) -> None:
    db = tmp_path / "data" / "newsbot.db"
    config = tmp_path / "newsbot.toml"
    config.write_text(
        f'db = "{db}"\n'
        "console = false\n"
        f'telegram_token = "{TOKEN}"\n'
        f'telegram_api_url = "{bot_api.base_url}"\n'
        'log_level = "DEBUG"\n'
    )
    if entry == "newsbot run":
        argv = [NEWSBOT, "--config", str(config), "run"]
        env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    else:
        stage = dockerfile()
        argv = exec_form(stage.instructions["ENTRYPOINT"][0]) + exec_form(
            stage.instructions["CMD"][0]
        )
        env = {**container_env(db), "NEWSBOT_CONFIG": str(config)}
    proc = await asyncio.create_subprocess_exec(
        *argv,
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await wait_until(lambda: bot_api.count("getUpdates") > 0, what="the bot to poll")
        bot_api.push_text("/start", chat_id=777)
        await wait_until(lambda: bot_api.screen(777), what="the reply to /start")
        assert proc.returncode is None
    finally:
        out, err = await terminate(proc)
    log = err.decode()
    assert proc.returncode == 0, log
    assert "event=transport_stopped" in log
    assert TOKEN not in log + out.decode()
    assert_consistent(db)


@pytest.mark.slow
async def test_run_sends_a_digest_missed_during_downtime_once(
    bot_api: FakeBotAPI, tmp_path: Path
) -> None:
    """A subscriber's 07:00-ish digest, missed while the bot was down, arrives late, once."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from bot.ingest.files import ingest_paths
    from bot.records import Subscription
    from tests.conftest import SEEDS

    db = tmp_path / "newsbot.db"
    now = datetime.now(UTC)
    store = Store.open(db)
    list(ingest_paths(store, [SEEDS], now - timedelta(hours=3)))
    due = (now - timedelta(hours=2)).astimezone(ZoneInfo("Europe/Berlin"))
    store.chats.subscribe(
        Subscription("telegram:1001", due.strftime("%H:%M"), "Europe/Berlin"),
        now - timedelta(days=2),
    )
    store.close()
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "NEWSBOT_DB": str(db),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": bot_api.base_url,
    }

    async def one_lifetime(until: Callable[[], object] = lambda: True) -> str:
        polls = bot_api.count("getUpdates")
        proc = await asyncio.create_subprocess_exec(
            NEWSBOT, "run", env=env, cwd=tmp_path, stderr=asyncio.subprocess.PIPE
        )
        try:
            await wait_until(
                lambda: bot_api.count("getUpdates") > polls + 1, what="the bot to poll"
            )
            await wait_until(until, what="the late digest")
            await asyncio.sleep(0.5)  # time for a digest it should not send
        finally:
            _, err = await terminate(proc)
        assert proc.returncode == 0, err.decode()
        return err.decode()

    await one_lifetime(until=lambda: bot_api.screen(1001))
    digests = [m for m in bot_api.screen(1001) if "Verspätet" in m.text]
    assert len(digests) == 1
    await one_lifetime()
    assert len([m for m in bot_api.screen(1001) if "Verspätet" in m.text]) == 1
    assert_consistent(db, articles=2)


@pytest.mark.slow
async def test_ingest_beside_a_running_bot_loses_no_alert(
    bot_api: FakeBotAPI, tmp_path: Path
) -> None:
    import random
    from datetime import UTC, datetime

    from tests.fakes.feed_site import FeedSite, german_text
    from tests.test_ingest import write_dumps

    site = await FeedSite().start()
    rng = random.Random(17)
    now = datetime.now(UTC)
    for n in range(12):
        site.publish(
            f"bahn{n}", f"Bahnstreik Nummer {n} legt den Verkehr lahm", german_text(rng, 120), now
        )
    db = tmp_path / "newsbot.db"
    store = Store.open(db)
    store.chats.add_alert("telegram:777", ("bahnstreik",), now)
    store.feeds.add_feed(site.url("/feed.xml"), now)
    store.close()
    write_dumps(tmp_path / "dumps", 400)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "NEWSBOT_CONFIG": "",
        "NEWSBOT_DB": str(db),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": bot_api.base_url,
        # The test's feed site is on loopback: allowed here explicitly.
        "NEWSBOT_FETCH_ALLOW": "127.0.0.1",
        "NEWSBOT_FETCH_TIMEOUT_SECONDS": "10",
    }
    ingest = await asyncio.create_subprocess_exec(
        NEWSBOT, "ingest", str(tmp_path / "dumps"), env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    bot = await asyncio.create_subprocess_exec(
        NEWSBOT, "run", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        await wait_until(lambda: len(bot_api.screen(777)) >= 12, what="12 alerts")
        _, ingest_err = await asyncio.wait_for(ingest.communicate(), 240)
        assert ingest.returncode == 0, ingest_err.decode()
        await wait_until(lambda: alert_hits(db) == 12, what="the alerts' hits recorded")
    finally:
        _, err = await terminate(bot)
        if ingest.returncode is None:
            ingest.kill()
            await ingest.wait()
        await site.stop()
    assert bot.returncode == 0, err.decode()
    assert b"locked" not in err
    assert b"Traceback" not in err
    assert len(bot_api.screen(777)) == 12
    assert alert_hits(db) == 12
    conn = sqlite3.connect(db)
    try:
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        conn.close()
    assert articles == 412
