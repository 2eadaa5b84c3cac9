"""SIGTERM ends `newsbot run` whatever it is doing (idle, in a digest burst, in a feed poll
reading a trickling page or turning a 4.9 MB page into an article) within its send grace, and a
second signal ends it at once.

Each test runs the bot as a real process against the fake Bot API on 127.0.0.1 and ends it in
every case: a bot that does not stop fails its test and is killed, never left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web

from bot.app import SHUTDOWN_DEADLINE, SHUTDOWN_SEND_GRACE
from bot.store import Store
from tests.conftest import ROOT, wait_until
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.feed_site import german_text, page_html
from tests.test_restart import due_chats, statuses

pytestmark = pytest.mark.integration
# How long past the grace a loaded machine may take to end the process before the test
# counts it as hung and kills it.
SLACK = 15.0


async def start_bot(bot_api: FakeBotAPI, db: Path, **extra: str) -> asyncio.subprocess.Process:
    """`newsbot run` on `db` with the fake Bot API; its log goes to `db`'s name + .log (a pipe
    nobody reads during a burst would fill and stall the bot)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MATRIX_", "NEWSBOT_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=bot_api.token,
        TELEGRAM_API_URL=bot_api.base_url,
        NEWSBOT_DB=str(db),
        NEWSBOT_CONFIG=str(db.with_suffix(".toml")),
        **extra,
    )
    db.with_suffix(".toml").write_text("")
    with db.with_suffix(".log").open("wb") as log:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=log,
        )  # fmt: skip


async def signalled(
    proc: asyncio.subprocess.Process, log: Path, within: float, *sigs: signal.Signals
) -> tuple[float, str]:
    """Send `sigs` (a second one a second after the first) and wait for the end; seconds from
    the first signal and the bot's log. Past `within` the process is killed, the test fails."""
    started = time.monotonic()
    waiting = asyncio.ensure_future(proc.wait())
    try:
        for n, sig in enumerate(sigs):
            if n:
                await asyncio.sleep(1)
                assert proc.returncode is None, "ended before the second signal"
            proc.send_signal(sig)
        await asyncio.wait_for(waiting, within)
    except TimeoutError:
        raise AssertionError(f"still running {within} s after the signal") from None
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    return time.monotonic() - started, await asyncio.to_thread(log.read_text)


async def test_sigterm_ends_an_idle_bot_at_once(bot_api: FakeBotAPI, tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    proc = await start_bot(bot_api, db)
    try:
        bot_api.push_text("/start")
        await wait_until(lambda: bot_api.screen(777), within=60)  # up, answering, nothing due
        took, err = await signalled(
            proc, db.with_suffix(".log"), SHUTDOWN_SEND_GRACE + SLACK, signal.SIGTERM
        )
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, err
    assert took < SHUTDOWN_SEND_GRACE, err
    assert "event=transport_stopped" in err


@pytest.fixture
def burst_db(tmp_path: Path) -> tuple[Path, list[int]]:
    """A database with 1,000 chats whose digest was due ten minutes ago: at Telegram's 30
    messages a second their burst outlasts the send grace."""
    db = tmp_path / "bot.db"
    return db, due_chats(db, 1000)


@pytest.mark.slow  # it waits out the 20 s send grace by design
async def test_sigterm_during_a_digest_burst_ends_the_bot_within_the_send_grace(
    bot_api: FakeBotAPI, burst_db: tuple[Path, list[int]]
) -> None:
    db, ids = burst_db
    proc = await start_bot(bot_api, db)
    try:
        await wait_until(lambda: len(bot_api.sent) >= 30, within=60)
        took, err = await signalled(
            proc, db.with_suffix(".log"), SHUTDOWN_DEADLINE + SLACK, signal.SIGTERM
        )
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert len(bot_api.sent) < len(ids), "the burst ended before the signal"
    # Orderly (exit 0, not the deadline's exit), the queue given up to its grace, no more.
    assert proc.returncode == 0, err
    assert took < SHUTDOWN_SEND_GRACE + 5, err
    assert "event=shutdown" in err
    counts: dict[int, int] = {}
    for message in bot_api.sent:
        counts[message.chat_id] = counts.get(message.chat_id, 0) + 1
    assert max(counts.values()) == 1, "a chat got its digest twice"
    logged = statuses(db)
    assert sum(1 for s in logged.values() if s == "sent") >= len(bot_api.sent) - 10


async def test_a_second_signal_during_a_digest_burst_ends_the_bot_at_once(
    bot_api: FakeBotAPI, burst_db: tuple[Path, list[int]]
) -> None:
    db, _ = burst_db
    proc = await start_bot(bot_api, db)
    try:
        await wait_until(lambda: len(bot_api.sent) >= 30, within=60)
        # The first SIGTERM lets the queue send on; the second one a second later ends it.
        took, err = await signalled(
            proc, db.with_suffix(".log"), 10 + SLACK, signal.SIGTERM, signal.SIGTERM
        )
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert "stopped at once (second_signal)" in err
    assert proc.returncode == 128 + signal.SIGTERM
    assert took < 1 + 5, err


@pytest.fixture
async def trickling_site() -> AsyncIterator[tuple[str, asyncio.Event]]:
    """A feed on 127.0.0.1 whose one item's page sends a byte a second (until the test ends);
    yields the feed's URL and an event set when the page is requested."""
    requested, release = asyncio.Event(), asyncio.Event()

    async def feed(request: web.Request) -> web.Response:
        base = f"http://{request.host}"
        item = (
            f"<item><title>Stadtrat beschließt den Haushalt</title><link>{base}/page</link>"
            f"<guid>{base}/page</guid><description>Der Stadtrat hat den Haushalt für das"
            " kommende Jahr beschlossen.</description></item>"
        )
        body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Blatt</title>{item}'
        return web.Response(text=body + "</channel></rss>", content_type="application/rss+xml")

    async def page(request: web.Request) -> web.StreamResponse:
        requested.set()
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        while not release.is_set():
            await response.write(b" ")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(release.wait(), 1)
        return response

    app = web.Application()
    app.router.add_get("/feed.xml", feed)
    app.router.add_get("/page", page)
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}/feed.xml", requested
    release.set()
    await runner.cleanup()


async def test_sigterm_during_a_feed_poll_ends_the_bot_within_the_send_grace(
    bot_api: FakeBotAPI, trickling_site: tuple[str, asyncio.Event], tmp_path: Path
) -> None:
    url, requested = trickling_site
    db = tmp_path / "bot.db"
    store = Store.open(db)
    store.feeds.add_feed(url, datetime.now(UTC))
    store.close()
    proc = await start_bot(
        bot_api, db, NEWSBOT_FETCH_ALLOW="127.0.0.1", NEWSBOT_FETCH_TIMEOUT_SECONDS="120"
    )
    try:
        await asyncio.wait_for(requested.wait(), 60)  # the poll is reading the item's page
        took, err = await signalled(
            proc, db.with_suffix(".log"), SHUTDOWN_SEND_GRACE + SLACK, signal.SIGTERM
        )
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, err
    assert took < SHUTDOWN_SEND_GRACE, err


@pytest.fixture
async def big_page_site() -> AsyncIterator[tuple[str, asyncio.Event]]:
    """A feed on 127.0.0.1 whose one item's page is 4.9 MB of article text (seconds of CPU to
    extract); yields the feed's URL and an event set once the page is sent."""
    sent = asyncio.Event()
    rng = random.Random(3)
    text = "\n\n".join(german_text(rng, 90) for _ in range(7000))
    html = page_html("Stadtrat beschließt den Haushalt", text).encode()

    async def feed(request: web.Request) -> web.Response:
        base = f"http://{request.host}"
        item = (
            f"<item><title>Stadtrat beschließt den Haushalt</title><link>{base}/page</link>"
            f"<guid>{base}/page</guid></item>"
        )
        body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Blatt</title>{item}'
        return web.Response(text=body + "</channel></rss>", content_type="application/rss+xml")

    async def page(request: web.Request) -> web.Response:
        response = web.Response(body=html[:4_900_000], content_type="text/html")
        sent.set()
        return response

    app = web.Application()
    app.router.add_get("/feed.xml", feed)
    app.router.add_get("/page", page)
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/feed.xml", sent
    await runner.cleanup()


async def test_sigterm_while_a_big_page_is_read_ends_the_bot_within_the_send_grace(
    bot_api: FakeBotAPI, big_page_site: tuple[str, asyncio.Event], tmp_path: Path
) -> None:
    url, sent = big_page_site
    db = tmp_path / "bot.db"
    store = Store.open(db)
    store.feeds.add_feed(url, datetime.now(UTC))
    store.close()
    proc = await start_bot(bot_api, db, NEWSBOT_FETCH_ALLOW="127.0.0.1")
    try:
        await asyncio.wait_for(sent.wait(), 60)
        await asyncio.sleep(1)  # downloaded: the page is being turned into an article
        took, err = await signalled(
            proc, db.with_suffix(".log"), SHUTDOWN_SEND_GRACE + SLACK, signal.SIGTERM
        )
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, err
    assert took < SHUTDOWN_SEND_GRACE, err
