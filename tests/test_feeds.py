"""Feeds against a real-looking news site on 127.0.0.1: items, conditional GET, backoff, errors."""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import sqlite3
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp import web

from bot.allowed_urls import Allowed
from bot.ingest.feeds import (
    RETRY_FIRST,
    FeedPoller,
    PollOptions,
    check_feed,
    poll_feeds,
    retry_delay,
)
from bot.ingest.fetch import Fetched, Fetcher, FetchOptions
from bot.query import parse_query
from bot.store import Storage, Store
from tests.fakes.feed_site import FeedSite, german_text, page_html, rss


@pytest.fixture
def store(any_store: Storage) -> Storage:
    """This module's tests run on SQLite and on PostgreSQL."""
    return any_store


pytestmark = pytest.mark.integration
T0 = datetime(2025, 11, 10, 12, 0, tzinfo=UTC)


@pytest_asyncio.fixture
async def feed_site() -> AsyncIterator[FeedSite]:
    site = await FeedSite().start()
    rng = random.Random(5)
    site.publish(
        "kanzler-haushalt",
        "Kanzler verteidigt den Haushalt im Bundestag",
        german_text(rng, 160)
        + "\n\nDie Gießerei in Duisburg bleibt geschlossen, sagte die Polizei.",
        T0 - timedelta(hours=3),
    )
    site.publish("streik-bahn", "Streik legt die Bahn lahm", german_text(rng, 140), T0)
    yield site
    await site.stop()


# The test site runs on 127.0.0.1, an address the fetcher refuses unless the operator allows it.
LOOPBACK = Allowed.parse(["127.0.0.1"])


@pytest_asyncio.fixture
async def client() -> AsyncIterator[Fetcher]:
    async with Fetcher(FetchOptions(deadline=1.0, allowed=LOOPBACK)) as c:
        yield c


async def test_poll_stores_new_items_with_clean_page_text(
    store: Store, feed_site: FeedSite, client: Fetcher
) -> None:
    feed = store.feeds.add_feed(feed_site.url("/feed.xml"), T0)
    report = await poll_feeds(store, client, T0)
    assert len(report.added) == 2
    assert report.failed == ()
    titles = {store.articles.article(i).title for i in report.added}  # type: ignore[union-attr]
    assert titles == {"Kanzler verteidigt den Haushalt im Bundestag", "Streik legt die Bahn lahm"}
    article = store.articles.article(report.added[0])
    assert article is not None
    assert article.source == "Testnachrichten"
    assert article.url is not None
    assert article.url.endswith(".html")
    assert article.summary
    for junk in ("Kaninchenzüchter", "Zirkusdirektor", "Impressum", "Startseite"):
        assert junk not in article.body
        assert store.index.search(parse_query(junk), 5).total == 0
    assert store.index.search(parse_query("Giesserei"), 5).total == 1
    assert all(ua.startswith("newsbot/") for ua in feed_site.user_agents)
    stored = store.feeds.feed(feed.id)
    assert stored is not None
    assert stored.title == "Testnachrichten"
    assert stored.etag == feed_site.etag
    assert stored.failures == 0


async def test_next_poll_is_conditional_and_fetches_only_new_items(
    store: Store, feed_site: FeedSite, client: Fetcher
) -> None:
    store.feeds.add_feed(feed_site.url("/feed.xml"), T0)
    await poll_feeds(store, client, T0)
    early = await poll_feeds(store, client, T0 + timedelta(minutes=5))
    assert early.polled == 0  # not due yet
    again = await poll_feeds(store, client, T0 + timedelta(minutes=31))
    assert again.not_modified == 1
    assert again.added == ()
    assert feed_site.conditional[-1][0] == feed_site.etag
    pages = feed_site.hits["/artikel/streik-bahn.html"]
    feed_site.publish("hochwasser", "Hochwasser am Rhein", german_text(random.Random(9), 150), T0)
    third = await poll_feeds(store, client, T0 + timedelta(minutes=62))
    assert len(third.added) == 1
    assert store.articles.article(third.added[0]).title == "Hochwasser am Rhein"  # type: ignore[union-attr]
    assert feed_site.hits["/artikel/streik-bahn.html"] == pages  # old items are not re-fetched


async def test_failing_feed_backs_off_then_recovers(
    store: Store, feed_site: FeedSite, client: Fetcher
) -> None:
    feed = store.feeds.add_feed(feed_site.url("/feed.xml"), T0)
    feed_site.failing = True
    now = T0
    delays = []
    for expected_failures in (1, 2, 3, 4):
        report = await poll_feeds(store, client, now)
        assert report.failed == ((feed.id, "HTTP 500"),)
        state = store.feeds.feed(feed.id)
        assert state is not None
        assert state.failures == expected_failures
        assert state.next_fetch is not None
        delays.append(state.next_fetch - now)
        hits = feed_site.hits["/feed.xml"]
        # Polling before the retry time leaves the server alone.
        assert (
            await poll_feeds(store, client, state.next_fetch - timedelta(seconds=1))
        ).polled == 0
        assert feed_site.hits["/feed.xml"] == hits
        now = state.next_fetch
    assert delays == [RETRY_FIRST, RETRY_FIRST * 2, RETRY_FIRST * 4, RETRY_FIRST * 8]
    broken = store.feeds.feed(feed.id)
    assert broken is not None
    assert broken.is_failing
    assert broken.error == "HTTP 500"
    assert retry_delay(50) == timedelta(hours=24)

    feed_site.failing = False
    report = await poll_feeds(store, client, now)
    assert report.failed == ()
    assert len(report.added) == 2
    healed = store.feeds.feed(feed.id)
    assert healed is not None
    assert (healed.failures, healed.error, healed.is_failing) == (0, None, False)
    assert healed.next_fetch == now + timedelta(minutes=30)


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("/broken.xml", "not a feed"),
        ("/wartung.xml", "not a feed"),
        ("/nowhere.xml", "HTTP 404"),
        ("/slow.xml", "timeout"),
        ("/huge.xml", "too large"),
        ("/huge-declared.xml", "too large"),
    ],
)
async def test_bad_feeds_fail_with_a_clear_error(
    store: Store, feed_site: FeedSite, client: Fetcher, path: str, error: str
) -> None:
    feed = store.feeds.add_feed(feed_site.url(path), T0)
    report = await poll_feeds(store, client, T0)
    assert len(report.failed) == 1
    assert error in report.failed[0][1]
    state = store.feeds.feed(feed.id)
    assert state is not None
    assert state.failures == 1
    assert error in (state.error or "")
    assert store.articles.count_articles() == 0


async def test_unreachable_server_is_a_failure_not_a_crash(store: Store, client: Fetcher) -> None:
    site = await FeedSite().start()
    url = site.url("/feed.xml")
    await site.stop()
    store.feeds.add_feed(url, T0)
    report = await poll_feeds(store, client, T0)
    assert report.failed
    assert "Connect" in report.failed[0][1]


async def test_redirected_feed_is_followed(
    store: Store, feed_site: FeedSite, client: Fetcher
) -> None:
    store.feeds.add_feed(feed_site.url("/old-feed"), T0)
    report = await poll_feeds(store, client, T0)
    assert len(report.added) == 2


async def test_missing_page_falls_back_to_the_feed_text(
    store: Store, feed_site: FeedSite, client: Fetcher
) -> None:
    feed_site.gone.add("streik-bahn")
    store.feeds.add_feed(feed_site.url("/feed.xml"), T0)
    report = await poll_feeds(store, client, T0)
    assert len(report.added) == 2
    bahn = [store.articles.article(i) for i in report.added]
    short = [a for a in bahn if a is not None and a.title.startswith("Streik")]
    assert short
    assert "Kommentare" not in short[0].body
    assert len(short[0].body) < 1000  # only the feed's first paragraph


async def test_latin1_feed_and_cp1252_page_keep_their_umlauts(
    store: Store, feed_site: FeedSite, client: Fetcher
) -> None:
    body = german_text(random.Random(3), 150) + (
        "\n\nÄrger über die Straßenbahn in Köln: Fahrgäste beklagen seit Wochen Verspätungen, "
        "überfüllte Wagen und ausgefallene Verbindungen zwischen Mülheim und Sülz."
    )
    feed_site.publish("latin-koeln", "Ärger über Straßenbahn in Köln", body, T0)
    feed_site.stories[-1].slug = "latin-koeln"
    store.feeds.add_feed(feed_site.url("/latin1.xml"), T0)
    report = await poll_feeds(store, client, T0)
    assert len(report.added) == 1
    article = store.articles.article(report.added[0])
    assert article is not None
    assert article.title == "Ärger über Straßenbahn in Köln"
    assert article.source == "Süddeutsche Testzeitung"
    assert "Straßenbahn in Köln" in article.body


async def test_a_big_feed_is_stored_whole_over_polls(store: Store, client: Fetcher) -> None:
    site = await FeedSite().start()
    try:
        rng = random.Random(21)
        for n in range(250):
            site.publish(f"m{n}", f"Meldung {n} aus dem Rathaus", german_text(rng, 40), T0)
            site.gone.add(f"m{n}")  # no pages: the feed's own text is stored, quickly
        feed = store.feeds.add_feed(site.url("/feed.xml"), T0)
        added = []
        now = T0
        for _ in range(4):
            report = await poll_feeds(store, client, now)
            added.append(len(report.added))
            state = store.feeds.feed(feed.id)
            assert state is not None
            if state.next_fetch is None or state.next_fetch > now:
                break
            now += timedelta(minutes=1)  # due again at once while items are left
        assert added == [100, 100, 50]
        assert store.articles.count_articles() == 250
        # Drained: the validators are kept again, so the next poll is conditional.
        later = await poll_feeds(store, client, now + timedelta(minutes=31))
        assert later.not_modified == 1
    finally:
        await site.stop()


async def test_a_poll_stores_an_article_before_it_reads_the_next_page(
    store: Store, feed_site: FeedSite
) -> None:
    """Past `held_chars` of bodies, a poll stores what it built before the next page is read, so
    a poll of several multi-megabyte pages does not hold all their articles until it ends."""
    store.feeds.add_feed(feed_site.url("/feed.xml"), T0)
    loop = asyncio.get_running_loop()
    stored_before: list[int] = []

    class GatedFetcher(Fetcher):
        """Fetches the second item's page only once the first item's article is stored."""

        async def get(
            self, url: str, headers: dict[str, str] | None = None, max_bytes: int | None = None
        ) -> Fetched:
            if url.endswith("/streik-bahn.html"):
                deadline = loop.time() + 60  # generous: only a failure waits it out
                count = store.articles.count_articles
                while not await store.run(count):
                    if loop.time() > deadline:
                        break
                    await asyncio.sleep(0.05)
                stored_before.append(await store.run(count))
            return await super().get(url, headers, max_bytes)

    async with GatedFetcher(FetchOptions(deadline=5, allowed=LOOPBACK)) as fetcher:
        report = await poll_feeds(store, fetcher, T0, options=PollOptions(held_chars=1))
    assert len(report.added) == 2
    assert stored_before == [1]
    assert [a.title for a in store.articles.latest(5)] == [
        "Streik legt die Bahn lahm",
        "Kanzler verteidigt den Haushalt im Bundestag",
    ]


async def test_the_configured_interval_is_honoured_down_to_one_minute(
    store: Store, feed_site: FeedSite, client: Fetcher
) -> None:
    feed = store.feeds.add_feed(feed_site.url("/feed.xml"), T0)
    every = PollOptions(every=timedelta(minutes=1))
    await poll_feeds(store, client, T0, options=every)
    state = store.feeds.feed(feed.id)
    assert state is not None
    assert state.next_fetch == T0 + timedelta(minutes=1)
    again = await poll_feeds(store, client, T0 + timedelta(minutes=1), options=every)
    assert again.polled == 1
    assert feed_site.hits["/feed.xml"] == 2


async def test_a_feed_removed_during_its_poll_loses_no_other_alert(
    store: Store, feed_site: FeedSite
) -> None:
    dead = await FeedSite().start()
    url = dead.url("/feed.xml")
    await dead.stop()
    doomed = store.feeds.add_feed(url, T0)
    store.feeds.add_feed(feed_site.url("/feed.xml"), T0)
    alerted: list[int] = []

    async def on_added(ids: list[int]) -> None:
        alerted.extend(ids)

    class RemovingFetcher(Fetcher):
        """Removes the doomed feed just as its fetch fails, like `/removefeed` mid-poll."""

        async def get(
            self, url: str, headers: dict[str, str] | None = None, max_bytes: int | None = None
        ) -> Fetched:
            if url == doomed.url:
                store.feeds.remove_feed(doomed.id)
            return await super().get(url, headers, max_bytes)

    async with RemovingFetcher(FetchOptions(deadline=2, allowed=LOOPBACK)) as fetcher:
        poller = FeedPoller(store, fetcher, on_added=on_added)
        assert await poller.cycle(T0) == 2
        await poller.wait(10)
    assert store.feeds.feed(doomed.id) is None
    assert len(alerted) == 2  # the good feed's two new articles reached the alert step


@pytest.mark.parametrize("minutes", [1, 30])
async def test_the_interval_holds_to_the_minute_when_cycles_start_a_little_late(
    store: Store, feed_site: FeedSite, client: Fetcher, minutes: int
) -> None:
    feed_site.failing = False
    store.feeds.add_feed(feed_site.url("/feed.xml"), T0)
    poller = FeedPoller(store, client, PollOptions(every=timedelta(minutes=minutes)))
    rng = random.Random(minutes)
    polled_at: list[datetime] = []
    for minute in range(5 * minutes + 1):
        # The scheduler starts each cycle a few milliseconds after the minute, never exactly.
        now = T0 + timedelta(minutes=minute, seconds=rng.uniform(0, 0.05))
        hits = feed_site.hits.get("/feed.xml", 0)
        await poller.cycle(now)
        await poller.wait(5)
        if feed_site.hits.get("/feed.xml", 0) > hits:
            polled_at.append(now)
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(polled_at)]
    assert len(gaps) == 5, polled_at
    assert all(abs(gap - 60 * minutes) <= 5 for gap in gaps), gaps


def _numbered_site(count: int, validators: bool = True) -> FeedSite:
    site = FeedSite()
    rng = random.Random(count)
    for n in range(count):
        site.publish(f"m{n}", f"Meldung {n} aus dem Rathaus", german_text(rng, 30), T0)
        site.gone.add(f"m{n}")  # no pages: the feed's own text is stored, quickly
    if not validators:
        plain = site.feed

        async def feed(request: web.Request) -> web.StreamResponse:
            answer = await plain(web.Request.clone(request, headers={}))
            answer.headers.pop("ETag", None)
            answer.headers.pop("Last-Modified", None)
            return answer

        site.feed = feed  # type: ignore[method-assign]
    return site


@pytest.mark.parametrize("validators", [True, False])
async def test_a_big_feed_is_read_once_and_drained_over_cycles(
    store: Store, client: Fetcher, caplog: pytest.LogCaptureFixture, validators: bool
) -> None:
    site = await _numbered_site(100, validators).start()
    try:
        store.feeds.add_feed(site.url("/feed.xml"), T0)
        options = PollOptions(every=timedelta(minutes=1), max_items=10)
        poller = FeedPoller(store, client, options)
        caplog.set_level(logging.INFO, logger="bot.ingest.feeds")
        for minute in range(5):
            await poller.cycle(T0 + timedelta(minutes=minute))
            await poller.wait(30)
        assert store.articles.count_articles() == 50  # ten a cycle
        assert site.hits["/feed.xml"] == 1  # downloaded once, drained from what was read
        for minute in range(5, 12):
            await poller.cycle(T0 + timedelta(minutes=minute))
            await poller.wait(30)
        assert store.articles.count_articles() == 100
        assert site.hits["/feed.xml"] == 3  # drained at 10, then asked again at 11 and 12
        reads = [r for r in caplog.records if "event=feed_read" in r.getMessage()]
        assert len(reads) == 1  # unchanged since: a 304, or the same body not parsed again
    finally:
        await site.stop()


def test_a_new_interval_holds_for_every_feed_at_the_next_start(store: Store) -> None:
    old = store.feeds.add_feed("https://example.org/a.xml", T0)
    broken = store.feeds.add_feed("https://example.org/b.xml", T0)
    store.feeds.feed_fetched(old, T0, T0 + timedelta(minutes=30))
    store.feeds.feed_failed(broken.id, "HTTP 500", T0, T0 + RETRY_FIRST)
    # The operator lowers feed_interval_minutes to 5 and restarts.
    assert store.feeds.reschedule(timedelta(minutes=5)) == 1
    assert [f.url for f in store.feeds.due_feeds(T0 + timedelta(minutes=5))] == [old.url]
    failing = store.feeds.feed(broken.id)
    assert failing is not None
    assert failing.next_fetch == T0 + RETRY_FIRST  # a failing feed keeps its back-off


@pytest.mark.parametrize("max_items", [100, 1])
async def test_items_a_busy_store_failed_to_keep_are_stored_by_a_later_poll(
    tmp_path: Path, feed_site: FeedSite, client: Fetcher, max_items: int
) -> None:
    # Another process holds the write lock past the busy timeout (a backup, a second bot) while
    # a poll stores its items: the poll fails and none is stored. The feed's body has not
    # changed when it is polled again, yet its items are new to the store: they are stored
    # (before, the same body counted as unchanged, or the items left over were drained, and the
    # failed ones were never stored while the feed stayed the same).
    path = tmp_path / "newsbot.db"
    store = Store.open(path)
    try:
        feed = store.feeds.add_feed(feed_site.url("/feed.xml"), T0)
        store.db.execute("PRAGMA busy_timeout = 100")
        options = PollOptions(every=timedelta(minutes=1), max_items=max_items)
        poller = FeedPoller(store, client, options)
        assert await poller.cycle(T0) == 1  # claimed; the poll starts once this test waits
        other = sqlite3.connect(path)
        other.execute("BEGIN IMMEDIATE")
        try:
            await poller.wait(10)
        finally:
            other.rollback()
            other.close()
        assert await store.run(store.articles.count_articles) == 0
        # Due again when the failed poll's lease runs out; a cycle a minute from then on.
        for minute in range(4):
            await poller.cycle(T0 + options.lease + timedelta(minutes=minute))
            await poller.wait(10)
        await poller.stop(0)
        assert store.articles.count_articles() == 2
        state = store.feeds.feed(feed.id)
        assert state is not None
        assert state.failures == 0
    finally:
        store.close()


async def _serve_edited_feed(
    edit: Callable[[str], str], kanzler_page: web.Response | None = None
) -> FeedSite:
    """The test site with two stories, its feed's XML changed by `edit` as a server would (and
    the first story's page replaced by `kanzler_page`)."""
    site = FeedSite()
    rng = random.Random(21)
    site.publish("kanzler", "Kanzler verteidigt den Haushalt", german_text(rng, 150), T0)
    site.publish("streik", "Streik legt die Bahn lahm", german_text(rng, 150), T0)

    async def feed(request: web.Request) -> web.StreamResponse:
        return web.Response(text=edit(rss(site.stories, site.base)), content_type="text/xml")

    async def article(request: web.Request) -> web.StreamResponse:
        if kanzler_page is not None and request.match_info["slug"] == "kanzler":
            return kanzler_page
        return await FeedSite.article(site, request)

    site.feed = feed  # type: ignore[method-assign]
    site.article = article  # type: ignore[method-assign]
    return await site.start()


async def test_control_characters_in_a_feed_leave_its_items_stored_clean(
    store: Store, client: Fetcher
) -> None:
    # A NUL (raw or `&#0;`) in the feed's title or an item's title, guid or link: PostgreSQL
    # refuses NUL in text, so the whole poll failed there, every time (none of the feed's
    # items stored); SQLite stored the control characters in titles and sources.
    def edit(xml: str) -> str:
        return (
            xml.replace("<title>Testnachrichten", "<title>Test\x00nachrichten\x1b")
            .replace("<title>Kanzler verteidigt", "<title>Kanzler&#0; verteidigt\x07")
            .replace("kanzler.html</guid>", "kanz\x00ler.html</guid>")
            .replace("kanzler.html</link>", "kanzler.html&#0;</link>")
        )

    site = await _serve_edited_feed(edit)
    try:
        store.feeds.add_feed(site.url("/feed.xml"), T0)
        report = await poll_feeds(store, client, T0)
    finally:
        await site.stop()
    assert report.failed == ()
    articles = store.articles.latest(10)
    assert {a.title for a in articles} == {
        "Kanzler verteidigt den Haushalt",
        "Streik legt die Bahn lahm",
    }
    assert {a.source for a in articles} == {"Testnachrichten"}
    assert {(a.url or "").rsplit("/", 1)[1] for a in articles} == {"kanzler.html", "streik.html"}


@pytest.mark.parametrize("reference", ["&#xD800;", "&#x110000;", "&#99999999999999999999;"])
async def test_a_character_reference_no_parser_reads_is_a_feed_failure(
    store: Store, client: Fetcher, reference: str
) -> None:
    # feedparser raises on a reference to no character (a surrogate, past U+10FFFF). The poll
    # crashed with a traceback: no error on the feed, no backoff (polled again each lease),
    # and checking the feed (`/addfeed`, `newsbot feeds add`) raised out of check_feed.
    site = await _serve_edited_feed(lambda xml: xml.replace("Kanzler", f"Kanzler{reference}"))
    try:
        feed = store.feeds.add_feed(site.url("/feed.xml"), T0)
        report = await poll_feeds(store, client, T0)
        check = await check_feed(client, site.url("/feed.xml"))
    finally:
        await site.stop()
    assert [error.split(" (")[0] for _, error in report.failed] == ["not a feed"]
    state = store.feeds.feed(feed.id)
    assert state is not None
    assert state.failures == 1
    assert check.problem == "not_feed"


@pytest.mark.parametrize("date", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
async def test_an_item_dated_out_of_range_is_stored_undated(
    store: Store, client: Fetcher, date: str
) -> None:
    # A date feedparser reads but a datetime cannot hold (year 0 or 10000 in UTC): the poll
    # crashed on it, and the feed's other items were never stored.
    site = await _serve_edited_feed(
        lambda xml: xml.replace("<pubDate>", f"<pubDate>{date}<!--", 1).replace(
            "</pubDate>", "--></pubDate>", 1
        )
    )
    try:
        store.feeds.add_feed(site.url("/feed.xml"), T0)
        report = await poll_feeds(store, client, T0)
    finally:
        await site.stop()
    assert report.failed == ()
    assert len(report.added) == 2


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8"])
async def test_a_page_labelled_latin1_keeps_its_quotes_euro_signs_and_umlauts(
    store: Store, client: Fetcher, encoding: str
) -> None:
    # German sites label windows-1252 pages ISO-8859-1, which every browser reads as
    # windows-1252 (WHATWG Encoding). Read as Latin-1, „ “ – € became C1 controls that no
    # chat shows: "5 €" was stored as "5 \x80" and sent as "5 ". And a server's default header
    # (and a stale meta tag) say ISO-8859-1 for UTF-8 bytes too: read as labelled, "für" was
    # stored as "fÃ¼r" and "Straße" as "StraÃŸe".
    line = "Für die Straße gilt: „Das kostet 5 € mehr“ – sagte sie."
    body = german_text(random.Random(4), 150) + "\n\n" + line
    html = page_html("Kanzler verteidigt den Haushalt", body, charset="iso-8859-1")
    page = web.Response(
        body=html.encode(encoding), headers={"Content-Type": "text/html; charset=ISO-8859-1"}
    )
    site = await _serve_edited_feed(lambda xml: xml, page)
    try:
        store.feeds.add_feed(site.url("/feed.xml"), T0)
        report = await poll_feeds(store, client, T0)
    finally:
        await site.stop()
    assert len(report.added) == 2
    bodies = " ".join(a.body for a in store.articles.latest(10))
    assert line in bodies
    assert "Ã" not in bodies


async def test_a_poll_that_crashes_is_a_feed_problem_with_its_backoff(
    store: Store, feed_site: FeedSite, client: Fetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fault no fetch check foresees (here the store refusing the batch once): the feed shows
    # among the problems `newsbot status` lists and is tried again after the backoff, as a
    # failed fetch is (before, nothing was recorded and the lease brought it back every 5 min).
    feed = store.feeds.add_feed(feed_site.url("/feed.xml"), T0)
    add = store.articles.add_articles
    refused: list[int] = []

    def refuse_once(batch: object, now: datetime) -> object:
        if not refused:
            refused.append(1)
            raise RuntimeError("disk I/O error")
        return add(batch, now)  # type: ignore[arg-type]

    monkeypatch.setattr(store.articles, "add_articles", refuse_once)
    report = await poll_feeds(store, client, T0)
    assert report.failed == ((feed.id, "RuntimeError: disk I/O error"),)
    broken = store.feeds.feed(feed.id)
    assert broken is not None
    assert (broken.failures, broken.error) == (1, "RuntimeError: disk I/O error")
    assert broken.next_fetch == T0 + RETRY_FIRST
    assert [p.id for p in store.feeds.feed_problems()] == [feed.id]
    report = await poll_feeds(store, client, T0 + RETRY_FIRST)
    assert len(report.added) == 2
    healed = store.feeds.feed(feed.id)
    assert healed is not None
    assert healed.failures == 0
