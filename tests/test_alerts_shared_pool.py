"""An article a chat's own feed brought first and a shared feed carries later: from then on it is
the shared pool's, once, with the shared outlet as a source; the other chats' alerts find it,
and nobody gets it twice.

Two console chats over the command core and the one delivery; both feeds served on 127.0.0.1
and polled by the real poller, whose new articles plan alerts as the scheduler's do.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import pytest_asyncio
from aiohttp import web

from bot.allowed_urls import Allowed
from bot.commands import Context, handle
from bot.commands.admin import finish_addfeed
from bot.commands.request import ChatFeedRules
from bot.delivery import Delivery
from bot.ingest.feeds import FeedPoller, PollOptions, check_feed
from bot.ingest.fetch import Fetcher, FetchOptions
from bot.pushes import Outbox
from bot.render import to_plain
from bot.store import Storage
from tests.fakes.feed_site import page_html
from tests.fakes.ports import serve_on_loopback
from tests.test_schedule import Recorder

pytestmark = pytest.mark.integration

OWNER, READER = "console:anna", "console:ben"
START = datetime(2025, 11, 10, 9, 0, tzinfo=UTC)
TITLE = "Stadtrat beschließt den Radweg am Fluss"
TEXT = (
    "Der Stadtrat hat am Dienstag den Bau eines Radwegs entlang des Flussufers beschlossen. "
    "Die Arbeiten an der neuen Trasse sollen im Frühjahr beginnen und zwei Jahre dauern. "
    "Anwohner hatten jahrelang für eine sichere Verbindung zur Altstadt geworben."
)


@pytest.fixture
def store(any_store: Storage) -> Storage:
    """Sharing is the store's rule: both backends."""
    return any_store


@dataclass
class Site:
    """A local paper (a chat's own feed) and a wire service (the shared pool) on one server;
    `carried` is the wire feed's item once it carries the story: (guid, link path)."""

    base: str = ""
    carried: tuple[str, str] | None = None
    runner: web.AppRunner | None = field(default=None, repr=False)

    def rss(self, title: str, items: list[tuple[str, str]]) -> str:
        stamp = format_datetime(START - timedelta(minutes=30))
        entries = "".join(
            f"<item><title>{TITLE}</title><link>{self.base}{path}</link><guid>{guid}</guid>"
            f"<pubDate>{stamp}</pubDate><description>{TEXT}</description></item>"
            for guid, path in items
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{title}</title><link>{self.base}/</link><description>x</description>"
            f"{entries}</channel></rss>"
        )

    async def local(self, _: web.Request) -> web.Response:
        items = [(f"{self.base}/radweg.html", "/radweg.html")]
        return web.Response(text=self.rss("Lokalblatt", items), content_type="application/rss+xml")

    async def wire(self, _: web.Request) -> web.Response:
        items = [self.carried] if self.carried else []
        return web.Response(text=self.rss("dpa", items), content_type="application/rss+xml")

    async def page(self, _: web.Request) -> web.Response:
        return web.Response(text=page_html(TITLE, TEXT), content_type="text/html")

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


@pytest_asyncio.fixture
async def site() -> AsyncIterator[Site]:
    site = Site()
    app = web.Application()
    app.router.add_get("/lokal.xml", site.local)
    app.router.add_get("/dpa.xml", site.wire)
    app.router.add_get("/radweg.html", site.page)
    app.router.add_get("/dpa/radweg.html", site.page)
    site.runner, port = await serve_on_loopback(app)
    site.base = f"http://127.0.0.1:{port}"
    yield site
    await site.runner.cleanup()


class Bot:
    """The poller and the outbox of a running bot, at chosen moments."""

    def __init__(self, store: Storage, fetcher: Fetcher) -> None:
        self.store = store
        self.recorder = Recorder()
        self.queue = Delivery({"console": self.recorder})
        self.at = START
        self.outbox = Outbox(store, self.queue, clock=lambda: self.at)
        self.poller = FeedPoller(store, fetcher, PollOptions(owner="test"))

    async def on_added(self, ids: list[int]) -> None:
        """As the scheduler's `alert`: plan alerts and breaking stories, send what is due."""
        await self.outbox.plan_alerts(ids, self.at)
        await self.outbox.plan_breaking(self.at)
        await self.outbox.send_due(self.at)

    async def poll(self, at: datetime) -> None:
        """The scheduler's poll at `at`: every due feed polled, its new articles alerted."""
        self.at = at
        await self.queue.start()
        await self.poller.cycle(at, self.on_added)
        await self.poller.wait()
        await self.queue.join()

    def sent(self, chat: str) -> list[str]:
        return [text for c, text in self.recorder.sent if c == chat]


async def say(store: Storage, chat: str, text: str, at: datetime) -> str:
    ctx = Context(chat, at, chat_feeds=ChatFeedRules("admins", 2, 3), fetch_allow=("127.0.0.1",))
    reply = await store.run(lambda: handle(text, ctx, store))
    assert reply is not None
    if reply.fetch is not None:  # /addfeed: the app fetches the URL, then the core answers
        async with Fetcher(FetchOptions(allowed=Allowed.parse(["127.0.0.1"]))) as fetcher:
            check = await check_feed(fetcher, reply.fetch)
        reply = await store.run(lambda: finish_addfeed(check, ctx, store))
    return to_plain(reply)


@pytest.mark.parametrize(
    "carried",
    [
        pytest.param(("{base}/radweg.html", "/radweg.html"), id="same-guid-and-link"),
        pytest.param(("dpa-4711", "/radweg.html"), id="same-link"),
        pytest.param(("dpa-4711", "/dpa/radweg.html"), id="same-text-other-link"),
    ],
)
async def test_a_chats_own_article_a_shared_feed_carries_later_alerts_the_others_once(
    store: Storage, site: Site, carried: tuple[str, str]
) -> None:
    day_before = START - timedelta(days=1)
    assert "für diesen Chat eingetragen" in await say(
        store, OWNER, f"/addfeed {site.url('/lokal.xml')}", day_before
    )
    await store.run(lambda: store.feeds.add_feed(site.url("/dpa.xml"), day_before))
    for chat in (OWNER, READER):
        assert "radweg" in (await say(store, chat, "/alert radweg", day_before)).lower()
    async with Fetcher(FetchOptions(allowed=Allowed.parse(["127.0.0.1"]))) as fetcher:
        bot = Bot(store, fetcher)
        try:
            await bot.poll(START)  # the local paper has it; the wire service not yet
            assert len(bot.sent(OWNER)) == 1
            assert bot.sent(READER) == []
            assert "Keine Artikel" in await say(store, READER, "/search radweg", START)
            guid, path = carried
            site.carried = (guid.format(base=site.base), path)
            later = START + timedelta(minutes=31)
            await bot.poll(later)
            await bot.poll(later + timedelta(minutes=31))
            await bot.poll(later + timedelta(minutes=62))
        finally:
            await bot.poller.stop(0)
            await bot.queue.stop()
    [alert] = bot.sent(READER)
    assert TITLE in alert
    assert len(bot.sent(OWNER)) == 1  # not a second time
    evening = START + timedelta(hours=8)
    articles = await store.run(lambda: store.articles.latest(10))
    [article] = articles  # stored once
    assert article.chat_feed is None  # the shared pool's
    assert "dpa" in [article.source, *(link.name for link in article.links)]
    for chat in (OWNER, READER):
        digest = await say(store, chat, "/digest", evening)
        assert digest.count(TITLE) == 1, digest
        assert "1 Treffer" in await say(store, chat, "/search radweg", evening)
