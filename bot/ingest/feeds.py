"""RSS and Atom feeds (feedparser over bot.ingest.fetch): conditional GET, backoff, items stored.

`FeedPoller` is what the scheduler calls every minute: it starts a poll of each due feed that is
not still being polled and returns at once, so a slow server delays only its own feed.
`poll_feeds` polls a set of feeds and waits for all of them (`newsbot ingest URL`).
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from calendar import timegm
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import feedparser

from bot.errors import BadInput
from bot.ingest.fetch import Fetcher, FetchError
from bot.ingest.pages import Item, fetch_item
from bot.records import Feed, FeedCheck, NewArticle
from bot.store import Store

log = logging.getLogger(__name__)
POLL_EVERY = timedelta(minutes=30)
# Failures back off 10 min, 20, 40, … up to a day; a failing feed is still tried once a day,
# so it recovers on its own when its server comes back.
RETRY_FIRST = timedelta(minutes=10)
RETRY_MAX = timedelta(hours=24)
# New items taken per poll; a feed listing more is polled again at the next cycle (its
# validators are not kept meanwhile, so the server answers in full) until all are stored.
MAX_ITEMS = 100
# Article pages fetched at once across all feeds: polite to servers, enough to fill the pipe.
PAGE_CONCURRENCY = 4
# Feeds polled at once; a slow one holds one slot until its deadlines pass.
FEED_CONCURRENCY = 4
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


def retry_delay(failures: int) -> timedelta:
    """How long to wait after `failures` failed polls in a row (exponential, capped)."""
    if failures <= 0:
        return POLL_EVERY
    delay: timedelta = RETRY_FIRST * 2 ** min(failures - 1, 20)
    return min(delay, RETRY_MAX)


@dataclass(frozen=True, slots=True)
class PollOptions:
    """How feeds are polled: the interval after a good poll, feeds and pages at once."""

    every: timedelta = POLL_EVERY
    feeds_at_once: int = FEED_CONCURRENCY
    pages_at_once: int = PAGE_CONCURRENCY


class FeedPoller:
    """Polls due feeds concurrently (bounded); a feed still in its poll is skipped, not awaited.

    `cycle` returns as soon as the polls are started, so a poll that overruns never stops the
    next cycle from polling the other feeds; each feed's new articles go to `on_added` when
    that feed is done.
    """

    def __init__(
        self,
        store: Store,
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
        self._active: dict[int, asyncio.Task[FeedResult]] = {}

    async def cycle(self, now: datetime, on_added: OnAdded | None = None) -> int:
        """Start a poll of every due feed not being polled; returns how many were started."""
        due = await self.store.run(lambda: self.store.feeds.due_feeds(now))
        started = 0
        for feed in due:
            if feed.id in self._active:
                continue
            task = asyncio.create_task(self._poll(feed, now, on_added or self.on_added))
            self._active[feed.id] = task
            task.add_done_callback(partial(self._finished, feed.id))
            started += 1
        if started:
            log.info("event=feed_polls_started started=%d running=%d", started, len(self._active))
        return started

    async def _poll(self, feed: Feed, now: datetime, on_added: OnAdded | None) -> FeedResult:
        async with self._feed_gate:
            try:
                result = await poll_feed(
                    self.store, self.fetcher, feed, now, self._page_gate, self.options.every
                )
            except Exception as exc:  # one feed's bug must not end the others' polls
                log.exception("event=feed_poll_crashed feed=%d", feed.id)
                return FeedResult(feed.id, error=f"{type(exc).__name__}: {exc}")
        if result.added and on_added is not None:
            try:
                await on_added(list(result.added))
            except Exception:
                log.exception("event=feed_alerts_failed feed=%d", feed.id)
        return result

    def _finished(self, feed_id: int, _: asyncio.Task[FeedResult]) -> None:
        self._active.pop(feed_id, None)

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
        await self.wait(grace)
        tasks = list(self._active.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def poll_feeds(
    store: Store,
    fetcher: Fetcher,
    now: datetime,
    feeds: Sequence[Feed] | None = None,
    options: PollOptions | None = None,
) -> PollReport:
    """Poll every due feed (or `feeds`) and wait for all; never raises for a bad feed."""
    opts = options or PollOptions()
    due = list(feeds) if feeds is not None else await store.run(lambda: store.feeds.due_feeds(now))
    feed_gate = asyncio.Semaphore(opts.feeds_at_once)
    page_gate = asyncio.Semaphore(opts.pages_at_once)

    async def one(feed: Feed) -> FeedResult:
        async with feed_gate:
            try:
                return await poll_feed(store, fetcher, feed, now, page_gate, opts.every)
            except Exception as exc:  # one feed's bug must not end the others' polls
                log.exception("event=feed_poll_crashed feed=%d", feed.id)
                return FeedResult(feed.id, error=f"{type(exc).__name__}: {exc}")

    results = await asyncio.gather(*(one(feed) for feed in due))
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


async def poll_feed(
    store: Store,
    fetcher: Fetcher,
    feed: Feed,
    now: datetime,
    page_gate: asyncio.Semaphore | None = None,
    every: timedelta = POLL_EVERY,
) -> FeedResult:
    """Fetch one feed with a conditional GET and store its new items (at most MAX_ITEMS)."""
    headers: dict[str, str] = {}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    try:
        fetched = await fetcher.get(feed.url, headers)
        parsed = await asyncio.to_thread(
            feedparser.parse,
            fetched.content,
            response_headers={"content-type": fetched.content_type, "content-location": feed.url},
        )
        # An HTML page is no feed even when it parses cleanly: it has no RSS/Atom version.
        is_feed = parsed.get("version") and not parsed.get("bozo")
        if fetched.status != 304 and not parsed.entries and not is_feed:
            raise FetchError(f"not a feed ({type(parsed.get('bozo_exception')).__name__})")
    except FetchError as exc:
        return await _failed(store, feed, str(exc), now)
    polled = replace(
        feed,
        title=feed.title or parsed.feed.get("title") or None,
        etag=fetched.etag or feed.etag,
        last_modified=fetched.last_modified or feed.last_modified,
    )
    if fetched.status == 304:
        await store.run(lambda: store.feeds.feed_fetched(polled, now, now + every))
        log.info("event=feed_not_modified feed=%d", feed.id)
        return FeedResult(feed.id, not_modified=True)
    source = polled.title or urlsplit(feed.url).hostname or feed.url
    items = [i for i in (_item(e, source) for e in parsed.entries) if i is not None]
    known = await store.run(lambda: store.articles.seen(i.key for i in items))
    unseen = [i for i in items if i.key not in known]
    unseen = await store.run(
        lambda: [i for i in unseen if not (i.url and store.articles.has_url(i.url))]
    )
    fresh = unseen[:MAX_ITEMS]
    if len(unseen) > MAX_ITEMS:
        # The rest comes at the next cycle: due again at once, and asked for in full.
        polled = replace(polled, etag=feed.etag, last_modified=feed.last_modified)
        next_fetch = now
    else:
        next_fetch = now + every
    gate = page_gate or asyncio.Semaphore(PAGE_CONCURRENCY)

    async def build(item: Item) -> NewArticle | str:
        async with gate:
            try:
                return await fetch_item(fetcher, item)
            except BadInput as exc:
                return str(exc)

    built = await asyncio.gather(*(build(i) for i in fresh))
    articles = [b for b in built if isinstance(b, NewArticle)]
    bad = [(i, b) for i, b in zip(fresh, built, strict=True) if isinstance(b, str)]

    def save() -> list[tuple[str, int]]:
        with store.transaction():
            stored = store.articles.add_articles(articles, now)
            for item, reason in bad:
                log.warning(
                    "event=item_skipped feed=%d url=%s reason=%r", feed.id, item.url, reason
                )
                store.articles.mark_seen(item.key, "skipped", now)
            store.feeds.feed_fetched(polled, now, next_fetch)
        return stored

    stored = await store.run(save)
    added = tuple(i for status, i in stored if status == "added")
    log.info(
        "event=feed_polled feed=%d items=%d new=%d added=%d skipped=%d left=%d",
        feed.id,
        len(items),
        len(fresh),
        len(added),
        len(bad),
        len(unseen) - len(fresh),
    )
    return FeedResult(feed.id, added, len(stored) - len(added), len(bad))


async def _failed(store: Store, feed: Feed, error: str, now: datetime) -> FeedResult:
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
    except FetchError as exc:
        return fetch_problem(url, str(exc))
    parsed = await asyncio.to_thread(
        feedparser.parse,
        fetched.content,
        response_headers={"content-type": fetched.content_type, "content-location": url},
    )
    if not parsed.get("version") and not parsed.entries:
        return FeedCheck(url, "not_feed")
    return FeedCheck(url, title=parsed.feed.get("title") or None)


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


def _item(entry: Any, source: str) -> Item | None:
    url = entry.get("link") or None
    key = entry.get("id") or url
    if not key:
        return None
    text = ""
    if entry.get("content"):
        text = entry["content"][0].get("value", "")
    text = text or entry.get("summary", "")
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    published = datetime.fromtimestamp(timegm(stamp), UTC) if stamp else None
    return Item(
        key="item:" + key,
        url=url,
        title=(entry.get("title") or "").strip() or None,
        source=source,
        published=published,
        feed_text=to_text(text),
    )


def to_text(markup: str) -> str:
    """A feed's HTML snippet → plain paragraphs."""
    text = _BREAK.sub("\n\n", markup)
    text = html.unescape(_TAG.sub(" ", text))
    paragraphs = (" ".join(p.split()) for p in text.split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)
