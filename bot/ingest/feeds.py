"""RSS and Atom feeds (feedparser over bot.ingest.fetch): conditional GET, backoff, items stored.

`FeedPoller` is what the scheduler calls every minute: it starts a poll of each due feed that is
not still being polled and returns at once, so a slow server delays only its own feed.
`poll_feeds` polls a set of feeds and waits for all of them (`newsbot ingest URL`).
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import logging
import os
import re
import socket
from calendar import timegm
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import feedparser

from bot.dedup import normalize_url
from bot.errors import BadInput
from bot.ingest.article import visible
from bot.ingest.fetch import Fetcher, FetchError
from bot.ingest.pages import Item, OnePageAtATime, fetch_item, item_article
from bot.records import Feed, FeedCheck, NewArticle
from bot.store import Storage

log = logging.getLogger(__name__)
POLL_EVERY = timedelta(minutes=30)
# Failures back off 10 min, 20, 40, … up to a day; a failing feed is still tried once a day,
# so it recovers on its own when its server comes back.
RETRY_FIRST = timedelta(minutes=10)
RETRY_MAX = timedelta(hours=24)
# New items taken per poll; a feed listing more is polled again at the next cycle, from what
# was read (not downloaded and parsed again), until all are stored.
MAX_ITEMS = 100
# Article pages fetched at once across all feeds; each polled feed may hold its share
# (16 // 4 = 4, what one feed had before), so a feed of slow pages delays only itself.
PAGE_CONCURRENCY = 16
# One feed's page fetches end by this; pages not come by then are taken from the feed's text.
POLL_DEADLINE = timedelta(minutes=2)
# Feeds polled at once; a slow one holds one slot until its deadlines pass.
FEED_CONCURRENCY = 4
# A claimed feed is this poller's until its poll ends or this runs out; longer than a poll
# (its page deadline and the fetch timeout), so a live poller's feed is never taken from it.
LEASE = timedelta(minutes=5)

# A poll stores its finished articles once their bodies reach this many characters, and the
# rest with the feed's new state at its end: a feed of news items (a few thousand characters
# each) is one transaction, while each of several multi-megabyte pages is stored, and its memory
# freed, before the next is read.
HELD_CHARS = 500_000

OnAdded = Callable[[list[int]], Awaitable[None]]
_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"(?i)</p\s*>|<br\s*/?>|</h\d\s*>|</li\s*>")


@dataclass(frozen=True, slots=True)
class FeedResult:
    """What one poll of one feed did."""

    feed_id: int
    added: tuple[int, ...] = ()
    duplicates: int = 0
    skipped: int = 0
    not_modified: bool = False
    error: str | None = None
    # Articles only chats' own feeds had, which this shared feed made everyone's (duplicates).
    shared: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class PollReport:
    """What a poll of all due feeds did; `added` are the ids of newly stored articles."""

    added: tuple[int, ...]
    polled: int
    not_modified: int
    duplicates: int
    skipped: int
    failed: tuple[tuple[int, str], ...]
    feeds: tuple[FeedResult, ...] = ()


def process_name() -> str:
    """This process among the bot's processes (host and pid): the owner of its feed leases."""
    return f"{socket.gethostname()}:{os.getpid()}"


def retry_delay(failures: int) -> timedelta:
    """How long to wait after `failures` failed polls in a row (exponential, capped)."""
    if failures <= 0:
        return POLL_EVERY
    delay: timedelta = RETRY_FIRST * 2 ** min(failures - 1, 20)
    return min(delay, RETRY_MAX)


@dataclass(frozen=True, slots=True)
class PollOptions:
    """How feeds are polled: the interval after a good poll, feeds and pages at once, deadlines.

    `cycle` is how often the scheduler looks for due feeds: a feed due before the middle of the
    next cycle is polled in this one, so an interval of one minute polls every minute, not every
    other. A cycle leases what it takes to `owner` for `lease`: pollers in several processes
    share the feeds, and a crashed one's feeds are due again when their lease runs out.
    `deadline` bounds one feed's page fetches; items whose page has not come by then are stored
    from the feed's own text, so a feed of trickling pages ends its poll on time.
    """

    every: timedelta = POLL_EVERY
    feeds_at_once: int = FEED_CONCURRENCY
    pages_at_once: int = PAGE_CONCURRENCY
    cycle: timedelta = timedelta(minutes=1)
    deadline: timedelta = POLL_DEADLINE
    max_items: int = MAX_ITEMS
    lease: timedelta = LEASE
    # Who holds this poller's leases: unique per process (several poll one database).
    owner: str = field(default_factory=process_name)
    # Characters of finished bodies a poll holds before it stores them (see HELD_CHARS).
    held_chars: int = HELD_CHARS

    @property
    def pages_per_feed(self) -> int:
        """One feed's share of the page slots: its slow pages never hold the others' share."""
        return max(1, self.pages_at_once // max(1, self.feeds_at_once))


@dataclass(slots=True)
class _Read:
    """What the poller remembers of a feed's last download: its hash and the items still to store.

    A feed listing more new items than MAX_ITEMS is read once and drained from here over the
    next cycles, instead of being downloaded and parsed again for every hundred items.
    """

    digest: bytes
    etag: str | None
    last_modified: str | None
    left: list[Item] = field(default_factory=list)


class FeedPoller:
    """Polls due feeds concurrently (bounded); a feed still in its poll is skipped, not awaited.

    `cycle` returns as soon as the polls are started, so a poll that overruns never stops the
    next cycle from polling the other feeds; each feed's new articles go to `on_added` when
    that feed is done.
    """

    def __init__(
        self,
        store: Storage,
        fetcher: Fetcher,
        options: PollOptions | None = None,
        on_added: OnAdded | None = None,
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.options = options or PollOptions()
        self.on_added = on_added
        self._feed_gate = asyncio.Semaphore(self.options.feeds_at_once)
        self._page_gate = asyncio.Semaphore(self.options.pages_at_once)
        # Pages become articles one at a time, on one thread (see fetch_item).
        self._pages = OnePageAtATime()
        self._active: dict[int, asyncio.Task[FeedResult]] = {}
        self._read: dict[int, _Read] = {}
        self._refills: set[asyncio.Task[None]] = set()
        self._claiming = asyncio.Lock()
        self._stopping = False
        self._on_added = on_added
        # The last cycle's `now` and the loop's time then: what a refill counts from.
        self._base: tuple[datetime, float] | None = None

    async def cycle(self, now: datetime, on_added: OnAdded | None = None) -> int:
        """Start a poll of due feeds not being polled, as many as there are free slots (each
        poll that ends claims the next due feed at once); returns how many were started."""
        self._base = (now, asyncio.get_running_loop().time())
        self._on_added = on_added or self.on_added
        return await self._claim(now)

    def _now(self) -> datetime | None:
        """The last cycle's `now`, moved on by the time since (the clock stays an argument)."""
        if self._base is None:
            return None
        now, then = self._base
        return now + timedelta(seconds=asyncio.get_running_loop().time() - then)

    async def _claim(self, now: datetime) -> int:
        async with self._claiming:  # one claim at a time, so the free slots are counted right
            return await self._claim_free(now)

    async def _claim_free(self, now: datetime) -> int:
        # A cycle starts a few milliseconds late or early; a feed due by the middle of the next
        # cycle would otherwise wait a whole cycle more (interval 1 became 2 minutes).
        soon = now + self.options.cycle / 2
        options = self.options
        # Only what this process starts now: a busy process claims little, and its feeds wait
        # in no queue of its own, where another poller could have taken them on time.
        free = options.feeds_at_once - len(self._active)
        if free <= 0 or self._stopping:
            return 0
        claim = partial(
            self.store.feeds.claim,
            soon,
            now=now,
            owner=options.owner,
            until=now + options.lease,
            limit=free,
        )
        due = await self.store.run(claim)
        # The polls start now, however long the claim waited for the store: their next time
        # counts from here.
        started_at = self._now() or now
        started = 0
        for feed in due:
            if feed.id in self._active:
                continue
            task = asyncio.create_task(self._poll(feed, started_at, self._on_added))
            self._active[feed.id] = task
            task.add_done_callback(partial(self._finished, feed.id))
            started += 1
        if started:
            log.info("event=feed_polls_started started=%d running=%d", started, len(self._active))
        return started

    async def _poll(self, feed: Feed, now: datetime, on_added: OnAdded | None) -> FeedResult:
        result = await self.poll(feed, now)
        # What became everyone's is new to the other chats' alerts.
        fresh = [*result.added, *result.shared]
        if fresh and on_added is not None:
            try:
                await on_added(fresh)
            except Exception:
                log.exception("event=feed_alerts_failed feed=%d", feed.id)
        return result

    async def poll(self, feed: Feed, now: datetime) -> FeedResult:
        """Poll one feed now (bounded by the feed gate); never raises for a bad feed."""
        async with self._feed_gate:
            try:
                return await self._poll_feed(feed, now)
            except Exception as exc:  # one feed's bug must not end the others' polls
                log.exception("event=feed_poll_crashed feed=%d", feed.id)
                # What it read may not be stored (a store error): the next poll reads the feed
                # again, not taking the same body as unchanged or draining what is left.
                self._read.pop(feed.id, None)
                error = f"{type(exc).__name__}: {exc}"
                try:
                    # Shown with the feed's problems and backed off, as a failed fetch is.
                    return await _failed(self.store, feed, error, now)
                except Exception:  # the store itself failing: the lease runs out, it comes again
                    log.exception("event=feed_failure_not_recorded feed=%d", feed.id)
                    return FeedResult(feed.id, error=error)

    def _finished(self, feed_id: int, _: asyncio.Task[FeedResult]) -> None:
        self._active.pop(feed_id, None)
        read = self._read.get(feed_id)
        if not self._stopping and not (read and read.left):
            # The freed slot takes the next due feed now rather than at the next cycle (a feed
            # with items left is drained a cycle at a time, so it starts no extra round).
            refill = asyncio.create_task(self._refill())
            self._refills.add(refill)
            refill.add_done_callback(self._refills.discard)

    async def _refill(self) -> None:
        now = self._now()
        if now is None:  # polled through `poll`, never through a cycle
            return
        try:
            await self._claim(now)
        except Exception:  # the next cycle tries again
            log.exception("event=feed_claim_failed")

    def running(self) -> int:
        """Feeds being polled now."""
        return len(self._active)

    async def wait(self, grace: float | None = None) -> None:
        """Wait for the polls running now, at most `grace` seconds (None: until they end)."""
        tasks = list(self._active.values())
        if tasks:
            await asyncio.wait(tasks, timeout=grace)

    async def stop(self, grace: float = 5.0) -> None:
        """Give running polls `grace` seconds, then cancel what is left (stores commit whole)."""
        self._stopping = True
        await self.wait(grace)
        tasks = [*self._active.values(), *self._refills]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        # What was cut off is due again at once, for whichever poller looks next.
        freed = await self.store.run(partial(self.store.feeds.release, self.options.owner))
        if freed:
            log.info("event=feed_leases_released count=%d", freed)
        self._pages.shutdown(wait=False, cancel_futures=True)

    async def _poll_feed(self, feed: Feed, now: datetime) -> FeedResult:
        """One feed fetched (conditional GET) or its remembered items; at most MAX_ITEMS stored."""
        read = self._read.get(feed.id)
        if read is None or not read.left:
            try:
                got = await self._download(feed, read)
            except FetchError as exc:
                return await _failed(self.store, feed, str(exc), now)
            if isinstance(got, Feed):  # 304, or the very body read last time
                await self.store.run(
                    lambda: self.store.feeds.feed_fetched(got, now, now + self.options.every)
                )
                log.info("event=feed_not_modified feed=%d", feed.id)
                return FeedResult(feed.id, not_modified=True)
            feed, read = got
            self._read[feed.id] = read
        most = self.options.max_items
        fresh, read.left = read.left[:most], read.left[most:]
        if read.left:
            # The rest comes at the next cycle, from memory; the stored validators stay the old
            # ones, so a restart meanwhile reads the feed in full again and loses nothing.
            polled, next_fetch = feed, now
        else:
            polled = replace(
                feed,
                etag=read.etag or feed.etag,
                last_modified=read.last_modified or feed.last_modified,
            )
            next_fetch = now + self.options.every
        store = self.store
        stored: list[tuple[str, int]] = []
        articles: list[NewArticle] = []
        bad: list[tuple[Item, str]] = []
        held = 0

        async def keep(item: Item, built: NewArticle | str) -> None:
            """Collect an item's article; store what is held once its bodies are large."""
            nonlocal articles, held
            if isinstance(built, str):
                bad.append((item, built))
                return
            # A chat's own feed: its items reach only the chats that added it.
            articles.append(replace(built, chat_feed=feed.id) if feed.chats_only else built)
            held += len(built.body)
            if held >= self.options.held_chars:
                batch, articles, held = articles, [], 0
                stored.extend(await store.run(partial(stored_in_one, batch)))

        def store_noted(batch: list[NewArticle]) -> list[tuple[str, int]]:
            """Store a batch and note its new articles as not yet planned for alerts (planned
            after the poll; a process that dies before then leaves them to the next sender,
            `Outbox.recover`). Runs inside a transaction."""
            result = store.articles.add_articles(batch, now)
            new = {i for status, i in result if status in ("added", "shared")}
            store.pushes.mark_unplanned(sorted(new), now)
            return result

        def stored_in_one(batch: list[NewArticle]) -> list[tuple[str, int]]:
            with store.transaction():
                return store_noted(batch)

        await self._build(feed, fresh, keep)

        def save() -> list[tuple[str, int]]:
            with store.transaction():
                rest = store_noted(articles)
                for item, reason in bad:
                    log.warning(
                        "event=item_skipped feed=%d url=%s reason=%r", feed.id, item.url, reason
                    )
                    store.articles.mark_seen(item.key, "skipped", now)
                store.feeds.feed_fetched(polled, now, next_fetch)
            return rest

        stored.extend(await store.run(save))
        added = tuple(i for status, i in stored if status == "added")
        shared = tuple(sorted({i for status, i in stored if status == "shared"}))
        log.info(
            "event=feed_polled feed=%d new=%d added=%d skipped=%d left=%d",
            feed.id,
            len(fresh),
            len(added),
            len(bad),
            len(read.left),
        )
        return FeedResult(feed.id, added, len(stored) - len(added), len(bad), shared=shared)

    async def _download(self, feed: Feed, read: _Read | None) -> Feed | tuple[Feed, _Read]:
        """The feed fetched and parsed: its unseen items, or the feed alone when unchanged."""
        headers: dict[str, str] = {}
        if feed.etag:
            headers["If-None-Match"] = feed.etag
        if feed.last_modified:
            headers["If-Modified-Since"] = feed.last_modified
        fetched = await self.fetcher.get(feed.url, headers)
        updated = replace(
            feed,
            etag=fetched.etag or feed.etag,
            last_modified=fetched.last_modified or feed.last_modified,
        )
        digest = hashlib.sha256(fetched.content).digest()
        if fetched.status == 304 or (read is not None and read.digest == digest):
            # A server without validators sends the same body again: parsed once is enough.
            return updated
        parsed = await asyncio.to_thread(
            parse_feed, fetched.content, fetched.content_type, feed.url
        )
        # An HTML page is no feed even when it parses cleanly: it has no RSS/Atom version.
        is_feed = parsed.get("version") and not parsed.get("bozo")
        if not parsed.entries and not is_feed:
            raise FetchError(f"not a feed ({type(parsed.get('bozo_exception')).__name__})")
        feed = replace(feed, title=feed.title or feed_title(parsed))
        source = feed.title or urlsplit(feed.url).hostname or feed.url
        items = [i for i in (_item(e, source) for e in parsed.entries) if i is not None]
        store = self.store
        known = await store.run(lambda: store.articles.seen(i.key for i in items))
        own: tuple[set[int], set[str]] = (set(), set())
        if not feed.chats_only:
            # What only chats' own feeds brought is stored again from here: its duplicate makes
            # it everyone's, with this feed's outlet as a source, and new to the others' alerts.
            ids = [i for i in known.values() if i is not None]
            urls = [i.url for i in items if i.url]
            own = await store.run(lambda: store.articles.chats_only(ids, urls))
        unseen = [i for i in items if i.key not in known or known[i.key] in own[0]]
        unseen = await store.run(
            lambda: [i for i in unseen if not (i.url and _stored_url(store, i.url, own[1]))]
        )
        log.info("event=feed_read feed=%d items=%d unseen=%d", feed.id, len(items), len(unseen))
        return feed, _Read(digest, fetched.etag, fetched.last_modified, unseen)

    async def _build(
        self,
        feed: Feed,
        items: Sequence[Item],
        keep: Callable[[Item, NewArticle | str], Awaitable[None]],
    ) -> None:
        """Each item's article (or why it was skipped) to `keep`, in item order, as soon as it
        and those before it are built; pages are fetched within the feed's share of the page
        slots and before the poll's deadline; after it, from the feed's own text."""
        share = asyncio.Semaphore(self.options.pages_per_feed)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.options.deadline.total_seconds()

        async def build(item: Item) -> NewArticle | str:
            try:
                async with asyncio.timeout_at(deadline), share, self._page_gate:
                    return await fetch_item(self.fetcher, item, self._pages)
            except TimeoutError:
                log.warning("event=page_past_deadline feed=%d url=%s", feed.id, item.url)
            except BadInput as exc:
                return str(exc)
            try:
                return await asyncio.to_thread(item_article, item, None)
            except BadInput as exc:
                return str(exc)

        tasks = [asyncio.ensure_future(build(i)) for i in items]
        try:
            for item, task in zip(items, tasks, strict=True):
                await keep(item, await task)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


def _stored_url(store: Storage, url: str, chats_only: set[str]) -> bool:
    """Whether an article with this URL is stored and in the shared pool (`chats_only`: the
    normalized URLs only chats' own feeds brought)."""
    return normalize_url(url) not in chats_only and store.articles.has_url(url)


async def poll_feeds(
    store: Storage,
    fetcher: Fetcher,
    now: datetime,
    feeds: Sequence[Feed] | None = None,
    options: PollOptions | None = None,
) -> PollReport:
    """Poll every due feed (or `feeds`) and wait for all; never raises for a bad feed."""
    poller = FeedPoller(store, fetcher, options)
    due = list(feeds) if feeds is not None else await store.run(lambda: store.feeds.due_feeds(now))
    try:
        results = await asyncio.gather(*(poller.poll(feed, now) for feed in due))
    finally:
        await poller.stop(0)  # all polls ended: this ends its page thread
    report = PollReport(
        added=tuple(i for r in results for i in r.added),
        polled=len(results),
        not_modified=sum(r.not_modified for r in results),
        duplicates=sum(r.duplicates for r in results),
        skipped=sum(r.skipped for r in results),
        failed=tuple((r.feed_id, r.error) for r in results if r.error),
        feeds=tuple(results),
    )
    log.info(
        "event=feeds_polled polled=%d added=%d not_modified=%d failed=%d",
        report.polled,
        len(report.added),
        report.not_modified,
        len(report.failed),
    )
    return report


async def _failed(store: Storage, feed: Feed, error: str, now: datetime) -> FeedResult:
    delay = retry_delay(feed.failures + 1)
    try:
        after = await store.run(lambda: store.feeds.feed_failed(feed.id, error, now, now + delay))
    except KeyError:
        # Removed while it was being polled: nothing to record.
        log.info("event=feed_removed_during_poll feed=%d", feed.id)
        return FeedResult(feed.id, error=error)
    log.warning(
        "event=feed_failed feed=%d url=%s failures=%d retry_in_s=%d error=%r",
        feed.id,
        feed.url,
        after.failures,
        delay.total_seconds(),
        error,
    )
    return FeedResult(feed.id, error=error)


async def check_feed(fetcher: Fetcher, url: str) -> FeedCheck:
    """Fetch a URL once, as it is being added: a feed (with its title) or the problem found.

    An HTML page answering 200 is no feed: feedparser finds no RSS/Atom version in it.
    """
    try:
        fetched = await fetcher.get(url)
        parsed = await asyncio.to_thread(parse_feed, fetched.content, fetched.content_type, url)
    except FetchError as exc:
        return fetch_problem(url, str(exc))
    if not parsed.get("version") and not parsed.entries:
        return FeedCheck(url, "not_feed")
    return FeedCheck(url, title=feed_title(parsed))


_HTTP_STATUS = re.compile(r"^HTTP (\d{3})")


def fetch_problem(url: str, error: str) -> FeedCheck:
    """A fetcher's error (English, for the log) as a problem the reader is told in their words."""
    status = _HTTP_STATUS.match(error)
    if status:
        code = int(status.group(1))
        return FeedCheck(url, "missing" if code in (404, 410) else "status", status=code)
    for prefix, problem in (
        ("timeout", "timeout"),
        ("response too large", "too_large"),
        ("refused", "refused"),
        ("not a feed", "not_feed"),
    ):
        if error.startswith(prefix):
            return FeedCheck(url, problem)
    return FeedCheck(url, "unreachable")


def parse_feed(content: bytes, content_type: str, url: str) -> Any:
    """A fetched body as feedparser reads it; raises `FetchError` where feedparser raises."""
    try:
        return feedparser.parse(
            content, response_headers={"content-type": content_type, "content-location": url}
        )
    except (ValueError, OverflowError) as exc:
        # Its loose parser calls chr() on any `&#…;`: a surrogate or a number past U+10FFFF
        # raises instead of setting `bozo`.
        raise FetchError(f"not a feed ({type(exc).__name__}: {exc})") from exc


def feed_title(parsed: Any) -> str | None:
    """The title a parsed feed gives itself, without control characters; None when it has none."""
    return visible(parsed.feed.get("title") or "").strip() or None


def _published(stamp: Any) -> datetime | None:
    """An entry's date, None when there is none or it is past what a datetime holds."""
    if not stamp:
        return None
    try:
        return datetime.fromtimestamp(timegm(stamp), UTC)
    except (ValueError, OverflowError, OSError):
        return None  # year 0 or 10000 once in UTC ("0001-01-01T00:00:00+14:00")


def _item(entry: Any, source: str) -> Item | None:
    url = visible(entry.get("link") or "") or None
    key = visible(entry.get("id") or "") or url
    if not key:
        return None
    text = ""
    if entry.get("content"):
        text = entry["content"][0].get("value", "")
    text = text or entry.get("summary", "")
    return Item(
        key="item:" + key,
        url=url,
        title=visible(entry.get("title") or "").strip() or None,
        source=source,
        published=_published(entry.get("published_parsed") or entry.get("updated_parsed")),
        feed_text=to_text(visible(text)),
    )


def to_text(markup: str) -> str:
    """A feed's HTML snippet → plain paragraphs."""
    text = _BREAK.sub("\n\n", markup)
    text = html.unescape(_TAG.sub(" ", text))
    paragraphs = (" ".join(p.split()) for p in text.split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)
