"""Fetching against hostile servers on 127.0.0.1: trickling answers, internal addresses."""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import random
import time
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from functools import partial
from urllib.parse import quote

import pytest
import pytest_asyncio
from aiohttp import web

from bot.allowed_urls import Allowed, address_kind, url_refusal
from bot.ingest.feeds import FeedPoller, PollOptions, poll_feeds
from bot.ingest.fetch import Fetcher, FetchError, FetchOptions
from bot.store import Store
from tests.conftest import wait_until
from tests.fakes.feed_site import FeedSite, german_text, page_html, rss
from tests.fakes.ports import serve_on_loopback

pytestmark = pytest.mark.integration
T0 = datetime(2025, 11, 10, 12, 0, tzinfo=UTC)
# The test servers listen on loopback, which the fetcher refuses unless allowed explicitly.
LOOPBACK = Allowed.parse(["127.0.0.1"])


class Hostile:
    """A second site: a feed that trickles one byte a second, and pages that trickle or redirect."""

    def __init__(self, good: FeedSite) -> None:
        self.good = good
        self.base = ""
        self._runner: web.AppRunner | None = None

    async def trickle(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await response.prepare(request)
        try:
            for _ in range(600):
                await response.write(b" ")
                await asyncio.sleep(1)
        except (ConnectionResetError, RuntimeError):
            pass
        return response

    async def redirect(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(request.query["to"])

    async def start(self) -> Hostile:
        app = web.Application()
        app.router.add_get("/trickle.xml", self.trickle)
        app.router.add_get("/trickle.html", self.trickle)
        app.router.add_get("/go", self.redirect)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.base = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@pytest_asyncio.fixture
async def site() -> AsyncIterator[FeedSite]:
    s = await FeedSite().start()
    s.publish("kanzler", "Kanzler verteidigt den Haushalt", german_text(random.Random(1), 150), T0)
    yield s
    await s.stop()


@pytest_asyncio.fixture
async def hostile(site: FeedSite) -> AsyncIterator[Hostile]:
    h = await Hostile(site).start()
    yield h
    await h.stop()


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.1", "private"),
        ("169.254.169.254", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 - an address to refuse, not to bind
        ("100.64.0.1", "not public"),
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("64:ff9b::a00:1", "private"),
        ("2002:7f00:1::", "loopback"),
        ("93.184.215.14", None),
        ("2a00:1450:4001:80b::200e", None),
    ],
)
def test_address_kinds(address: str, kind: str | None) -> None:
    assert address_kind(ipaddress.ip_address(address)) == kind


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("not a url", "scheme"),
        ("ftp://example.org/feed", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("javascript:alert(1)", "scheme"),
        ("http:///feed", "host"),
        ("http://user:pw@example.org/feed", "host"),
        ("http://localhost:8080/feed", "internal"),
        ("http://LOCALHOST./feed", "internal"),
        ("http://app.localhost/feed", "internal"),
        ("http://127.0.0.1/feed", "internal"),
        ("http://[::1]/feed", "internal"),
        ("http://[::ffff:127.0.0.1]/feed", "internal"),
        ("http://192.168.1.1/feed", "internal"),
        ("https://www.tagesschau.de/xml/rss2", None),
    ],
)
def test_url_refusals(url: str, code: str | None) -> None:
    refusal = url_refusal(url, Allowed())
    assert (refusal.code if refusal else None) == code


def test_allowed_hosts_and_networks() -> None:
    allowed = Allowed.parse(["feeds.intranet.example", "10.1.0.0/16", "::1"])
    assert url_refusal("http://feeds.intranet.example/x", allowed) is None
    assert url_refusal("http://10.1.2.3/x", allowed) is None
    assert url_refusal("http://[::1]/x", allowed) is None
    assert url_refusal("http://[::ffff:10.1.2.3]/x", allowed) is None
    assert url_refusal("http://10.2.0.1/x", allowed) is not None
    with pytest.raises(ValueError, match="neither a host name"):
        Allowed.parse(["http://x/"])


async def test_a_trickling_answer_ends_at_the_deadline(hostile: Hostile) -> None:
    async with Fetcher(FetchOptions(deadline=1.5, allowed=LOOPBACK)) as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchError, match="timeout"):
            await fetcher.get(hostile.base + "/trickle.xml")
        assert time.monotonic() - started < 4


async def test_internal_addresses_are_refused_at_connection_and_on_redirects(
    site: FeedSite, hostile: Hostile
) -> None:
    async with Fetcher(FetchOptions(deadline=2)) as fetcher:
        with pytest.raises(FetchError, match=r"refused: 127\.0\.0\.1 is a loopback address"):
            await fetcher.get(site.url("/feed.xml"))
        # A name that resolves to loopback is refused on its resolved address.
        port = site.base.rsplit(":", 1)[1]
        with pytest.raises(FetchError, match=r"refused: localhost"):
            await fetcher.get(f"http://localhost:{port}/feed.xml")
    only_hostile_port = Allowed.parse(["127.0.0.1"])
    async with Fetcher(FetchOptions(deadline=2, allowed=only_hostile_port)) as fetcher:
        # Allowed server, redirecting to a private address: refused at the hop.
        with pytest.raises(FetchError, match=r"refused: 10\.0\.0\.1 is a private address"):
            await fetcher.get(hostile.base + "/go?to=http://10.0.0.1/secret")
        with pytest.raises(FetchError, match="refused"):
            await fetcher.get(hostile.base + "/go?to=http://[::ffff:169.254.169.254]/latest")
    assert site.hits.get("/feed.xml") is None


class Intranet:
    """A feed whose items and redirects point at internal pages (the "secret" one on loopback).

    The feed is served on 127.0.0.2 (the one address the test allows); the pages it links to
    are on 127.0.0.1 and 10.0.0.7, which stay refused.
    """

    def __init__(self) -> None:
        self.base = ""
        self.feed_base = ""
        self.hits: list[str] = []
        self._runner: web.AppRunner | None = None

    async def feed(self, request: web.Request) -> web.StreamResponse:
        self.hits.append(request.path)
        rng = random.Random(3)
        items = "".join(
            f"<item><title>{title}</title><link>{link}</link>"
            f"<description>{german_text(rng, 30)}</description></item>"
            for title, link in (
                ("Interne Seite direkt", f"{self.base}/geheim.html"),
                ("Interne Seite umgeleitet", f"{self.base}/umleitung"),
                ("Private Adresse", "http://10.0.0.7/intern.html"),
            )
        )
        return web.Response(text=rss([], self.base).replace("</channel>", items + "</channel>"))

    async def secret(self, request: web.Request) -> web.StreamResponse:
        self.hits.append(request.path)
        body = german_text(random.Random(4), 150) + " GEHEIMES Passwort der Buchhaltung."
        return web.Response(text=page_html("Geheim", body), content_type="text/html")

    async def redirect(self, request: web.Request) -> web.StreamResponse:
        self.hits.append(request.path)
        raise web.HTTPFound(f"{self.base}/geheim.html")

    async def start(self) -> Intranet:
        app = web.Application()
        app.router.add_get("/feed.xml", self.feed)
        app.router.add_get("/geheim.html", self.secret)
        app.router.add_get("/umleitung", self.redirect)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        await web.TCPSite(self._runner, "127.0.0.2", 0).start()
        ports = {host: port for host, port in self._runner.addresses}
        self.base = f"http://127.0.0.1:{ports['127.0.0.1']}"
        self.feed_base = f"http://127.0.0.2:{ports['127.0.0.2']}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


async def test_feed_pointing_at_internal_pages_stores_none_of_them(store: Store) -> None:
    intranet = await Intranet().start()
    try:
        store.feeds.add_feed(intranet.feed_base + "/feed.xml", T0)
        options = FetchOptions(deadline=2, allowed=Allowed.parse(["127.0.0.2"]))
        async with Fetcher(options) as fetcher:
            report = await poll_feeds(store, fetcher, T0)
        assert report.failed == ()
        assert intranet.hits == ["/feed.xml"]  # no item page, no redirect was fetched
        assert not any("GEHEIMES" in a.body for a in store.articles.latest(10))
    finally:
        await intranet.stop()


async def test_allowing_the_network_stores_the_intranet_page(store: Store) -> None:
    intranet = await Intranet().start()
    try:
        store.feeds.add_feed(intranet.base + "/feed.xml", T0)
        async with Fetcher(FetchOptions(deadline=2, allowed=LOOPBACK)) as fetcher:
            await poll_feeds(store, fetcher, T0)
        assert "/geheim.html" in intranet.hits
        assert any("GEHEIMES" in a.body for a in store.articles.latest(10))
    finally:
        await intranet.stop()


async def test_trickling_feed_and_item_link_leave_other_feeds_polled_on_schedule(
    store: Store, site: FeedSite, hostile: Hostile
) -> None:
    slow_feed = store.feeds.add_feed(hostile.base + "/trickle.xml", T0)
    # A good feed whose one item links to a trickling page.
    slow_item_site = FeedSite()
    slow_item_site.publish("x", "Streik legt die Bahn lahm", german_text(random.Random(8), 120), T0)

    async def feed(request: web.Request) -> web.StreamResponse:
        base = slow_item_site.base
        xml = rss(slow_item_site.stories, base)
        xml = xml.replace(f"{base}/artikel/x.html", hostile.base + "/trickle.html")
        return web.Response(text=xml, content_type="application/rss+xml")

    slow_item_site.feed = feed  # type: ignore[method-assign]
    await slow_item_site.start()
    try:
        store.feeds.add_feed(slow_item_site.url("/feed.xml"), T0)
        good = store.feeds.add_feed(site.url("/feed.xml"), T0)
        alerted: list[int] = []

        async def on_added(ids: list[int]) -> None:
            alerted.extend(ids)

        options = FetchOptions(deadline=3, allowed=LOOPBACK)
        async with Fetcher(options) as fetcher:
            poller = FeedPoller(store, fetcher, PollOptions(every=timedelta(minutes=1)), on_added)
            # Cycle 1: every feed starts; the good one finishes while the slow ones trickle.
            assert await poller.cycle(T0) == 3
            await wait_until(lambda: site.hits.get("/artikel/kanzler.html", 0) == 1, 2.5)
            await wait_until(lambda: len(alerted) == 1, 1.0)
            # The good feed's task ends a loop turn after its alerts went out.
            await wait_until(lambda: poller.running() == 2, 1.0)
            # Cycle 2, a minute later: the good feed is polled again though the others still run.
            polls = site.hits["/feed.xml"]
            assert await poller.cycle(T0 + timedelta(minutes=1)) == 1
            await wait_until(lambda: site.hits["/feed.xml"] == polls + 1, 1.0)
            await poller.wait(5)
            assert poller.running() == 0
        slow = store.feeds.feed(slow_feed.id)
        assert slow is not None
        assert slow.failures == 1
        assert "timeout" in (slow.error or "")
        assert store.feeds.feed(good.id).failures == 0  # type: ignore[union-attr]
        # The slow item's page timed out; the item is stored from the feed's own text.
        titles = {a.title for a in store.articles.latest(10)}
        assert "Streik legt die Bahn lahm" in titles
    finally:
        await slow_item_site.stop()


async def _contains(titles: Awaitable[set[str]], title: str) -> bool:
    return title in await titles


async def test_forty_trickling_pages_leave_a_healthy_feed_stored_within_one_interval(
    store: Store, site: FeedSite, hostile: Hostile
) -> None:
    rng = random.Random(40)
    slow_site = FeedSite()
    for n in range(40):
        slow_site.publish(f"s{n}", f"Langsame Meldung Nummer {n}", german_text(rng, 60), T0)

    async def slow_feed(request: web.Request) -> web.StreamResponse:
        xml = rss(slow_site.stories, slow_site.base)
        for n in range(40):  # every item links to its own trickling page
            xml = xml.replace(
                f"{slow_site.base}/artikel/s{n}.html", f"{hostile.base}/trickle.html?n={n}"
            )
        return web.Response(text=xml, content_type="application/rss+xml")

    slow_site.feed = slow_feed  # type: ignore[method-assign]
    await slow_site.start()
    try:
        # The slow feed first, so its forty pages queue for the page slots before the good ones.
        store.feeds.add_feed(slow_site.url("/feed.xml"), T0)
        store.feeds.add_feed(site.url("/feed.xml"), T0)
        fetch = FetchOptions(deadline=2, allowed=LOOPBACK)
        poll = PollOptions(every=timedelta(minutes=1), deadline=timedelta(seconds=8))

        async def titles() -> set[str]:  # read on the store's thread: the poller writes there
            return {a.title for a in await store.run(partial(store.articles.latest, 100))}

        async with Fetcher(fetch) as fetcher:
            poller = FeedPoller(store, fetcher, poll)
            assert await poller.cycle(T0) == 2
            # Before: four slots, each held 2 s by a trickling page, forty pages: 20 s.
            # Generous waits (a loaded machine), all well inside the slow poll's 8 s deadline.
            await wait_until(lambda: _contains(titles(), "Kanzler verteidigt den Haushalt"), 3)
            site.publish("rente", "Rentenreform beschlossen", german_text(rng, 120), T0)
            # The healthy feed's first poll may still be closing (its items are stored, the
            # task not yet done); once it is, the next cycle starts it and only it, because the
            # slow feed's poll still runs.
            started = 0
            deadline = time.monotonic() + 2
            while not started and time.monotonic() < deadline:
                started = await poller.cycle(T0 + timedelta(minutes=1))
                await asyncio.sleep(0.02)
            assert started == 1
            await wait_until(lambda: _contains(titles(), "Rentenreform beschlossen"), 2.5)
            # The slow feed's poll ends by its deadline; its items come from the feed's text.
            await poller.wait(20)
            assert poller.running() == 0
        assert {f"Langsame Meldung Nummer {n}" for n in range(40)} <= await titles()
    finally:
        await slow_site.stop()


# Host names that no IDNA encoder or resolver takes, as feeds carry them: a typo's empty label,
# an A-label with nothing after its prefix, a soft hyphen pasted in from German text.
MALFORMED_HOSTS = [
    "http://www..example.de/artikel.html",
    "http://xn--.example.de/artikel.html",
    "http://ex\u00adample.de/artikel.html",
]


@pytest.mark.parametrize("url", MALFORMED_HOSTS)
async def test_a_malformed_host_name_is_a_fetch_error(url: str) -> None:
    async with Fetcher(FetchOptions(deadline=2, allowed=LOOPBACK)) as fetcher:
        with pytest.raises(FetchError):
            await fetcher.get(url)


async def test_a_redirect_to_a_malformed_host_name_is_a_fetch_error(hostile: Hostile) -> None:
    async with Fetcher(FetchOptions(deadline=2, allowed=LOOPBACK)) as fetcher:
        with pytest.raises(FetchError):
            await fetcher.get(hostile.base + "/go?to=" + quote(MALFORMED_HOSTS[0], safe=":/"))


async def test_an_item_linking_to_a_malformed_host_leaves_the_feed_stored(store: Store) -> None:
    # One item's link has a typo in its host. Its page cannot be fetched, so it is stored from
    # the feed's own text, and the feed's other items as ever (before, the whole poll crashed:
    # none stored, no error on the feed).
    rng = random.Random(12)
    typo_site = FeedSite()
    typo_site.publish("streik", "Streik legt die Bahn lahm", german_text(rng, 120), T0)
    typo_site.publish("kanzler", "Kanzler verteidigt den Haushalt", german_text(rng, 150), T0)

    async def feed(request: web.Request) -> web.StreamResponse:
        base = typo_site.base
        xml = rss(typo_site.stories, base).replace(
            f"{base}/artikel/streik.html", MALFORMED_HOSTS[0]
        )
        return web.Response(text=xml, content_type="application/rss+xml")

    typo_site.feed = feed  # type: ignore[method-assign]
    await typo_site.start()
    try:
        feed_id = store.feeds.add_feed(typo_site.url("/feed.xml"), T0).id
        async with Fetcher(FetchOptions(deadline=2, allowed=LOOPBACK)) as fetcher:
            report = await poll_feeds(store, fetcher, T0)
        assert report.failed == ()
        assert {a.title for a in store.articles.latest(10)} == {
            "Streik legt die Bahn lahm",
            "Kanzler verteidigt den Haushalt",
        }
        assert store.feeds.feed(feed_id).failures == 0  # type: ignore[union-attr]
    finally:
        await typo_site.stop()


def _gzip(chunks: Iterable[bytes], wbits: int = 31) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return b"".join([*(packer.compress(c) for c in chunks), packer.flush()])


@functools.cache
def _bomb(coding: str) -> bytes:
    """A body a few kilobytes long that inflates to 100 MB of zeros (nested: `gzip, gzip`)."""
    zeros = (bytes(1_000_000) for _ in range(100))
    if coding == "deflate":
        return _gzip(zeros, wbits=15)
    if coding == "gzip, gzip":
        return _gzip([_gzip(zeros)])
    return _gzip(zeros)


@pytest.mark.parametrize(
    ("coding", "chunked"),
    [("gzip", False), ("gzip", True), ("deflate", False), ("gzip, gzip", False)],
)
async def test_a_compression_bomb_is_refused_before_it_is_inflated(
    coding: str, chunked: bool
) -> None:
    # A body of kilobytes that inflates to 100 MB. httpx inflates each 64 KB read whole, so
    # one read held 64 MB however small the cap, and a nested `gzip, gzip` body of 1 KB held
    # all 100 MB (gigabytes for a slightly larger one) before the size was counted.
    body = _bomb(coding)
    assert len(body) < 200_000

    async def bomb(request: web.Request) -> web.StreamResponse:
        headers = {"Content-Encoding": coding, "Content-Type": "application/rss+xml"}
        if not chunked:
            return web.Response(body=body, headers=headers)
        response = web.StreamResponse(headers=headers)
        response.enable_chunked_encoding()
        await response.prepare(request)
        for i in range(0, len(body), 65536):
            await response.write(body[i : i + 65536])
        return response

    app = web.Application()
    app.router.add_get("/feed.xml", bomb)
    runner, port = await serve_on_loopback(app)
    url = f"http://127.0.0.1:{port}/feed.xml"
    tracemalloc.start()
    try:
        async with Fetcher(FetchOptions(deadline=5, allowed=LOOPBACK)) as fetcher:
            with pytest.raises(FetchError, match="too large"):
                await fetcher.get(url, max_bytes=1_000_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        await runner.cleanup()
    assert peak < 10_000_000


@pytest.mark.parametrize(
    ("coding", "pack"),
    [
        ("gzip", lambda b: _gzip([b])),
        ("deflate", lambda b: _gzip([b], wbits=15)),
        ("deflate", lambda b: _gzip([b], wbits=-15)),  # raw deflate, as many servers send it
        ("gzip, gzip", lambda b: _gzip([_gzip([b])])),
        ("identity", lambda b: b),
    ],
)
async def test_compressed_answers_arrive_whole(coding: str, pack: Callable[[bytes], bytes]) -> None:
    text = "<rss version='2.0'><channel>" + "<item><title>Ä</title></item>" * 5000
    content = (text + "</channel></rss>").encode()

    async def feed(request: web.Request) -> web.StreamResponse:
        return web.Response(body=pack(content), headers={"Content-Encoding": coding})

    app = web.Application()
    app.router.add_get("/feed.xml", feed)
    runner, port = await serve_on_loopback(app)
    try:
        async with Fetcher(FetchOptions(deadline=5, allowed=LOOPBACK)) as fetcher:
            fetched = await fetcher.get(f"http://127.0.0.1:{port}/feed.xml")
    finally:
        await runner.cleanup()
    assert fetched.content == content
