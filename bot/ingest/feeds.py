"""RSS and Atom feeds (feedparser over httpx): conditional GET, per-feed backoff, new items stored.

`poll_feeds` is what the scheduler calls on an interval; it returns the ids of new articles.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from calendar import timegm
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import feedparser
import httpx

from bot.errors import BadInput
from bot.ingest.pages import FetchError, Item, fetch, fetch_item
from bot.records import Feed, NewArticle
from bot.store import Store

log = logging.getLogger(__name__)
POLL_EVERY = timedelta(minutes=30)
# Failures back off 10 min, 20, 40, … up to a day; a failing feed is still tried once a day,
# so it recovers on its own when its server comes back.
RETRY_FIRST = timedelta(minutes=10)
RETRY_MAX = timedelta(hours=24)
MAX_FEED_BYTES = 5_000_000
# New items taken per poll; a feed that suddenly lists thousands of items is drained over polls.
MAX_ITEMS = 100
# Article pages fetched at once across all feeds: polite to servers, enough to fill the pipe.
PAGE_CONCURRENCY = 4
FEED_CONCURRENCY = 4
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


async def poll_feeds(
    store: Store,
    client: httpx.AsyncClient,
    now: datetime,
    feeds: Sequence[Feed] | None = None,
) -> PollReport:
    """Poll every due feed (or `feeds`), store new items; never raises for a bad feed."""
    due = list(feeds) if feeds is not None else await store.run(lambda: store.due_feeds(now))
    feed_gate = asyncio.Semaphore(FEED_CONCURRENCY)
    page_gate = asyncio.Semaphore(PAGE_CONCURRENCY)

    async def one(feed: Feed) -> FeedResult:
        async with feed_gate:
            return await poll_feed(store, client, feed, now, page_gate)

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
    client: httpx.AsyncClient,
    feed: Feed,
    now: datetime,
    page_gate: asyncio.Semaphore | None = None,
) -> FeedResult:
    """Fetch one feed with a conditional GET and store its new items."""
    headers: dict[str, str] = {}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    try:
        fetched = await fetch(client, feed.url, headers, max_bytes=MAX_FEED_BYTES)
        parsed = await asyncio.to_thread(
            feedparser.parse,
            fetched.content,
            response_headers={"content-type": fetched.content_type, "content-location": feed.url},
        )
        if fetched.status != 304 and not parsed.entries and parsed.get("bozo"):
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
        await store.run(lambda: store.feed_fetched(polled, now, now + POLL_EVERY))
        log.info("event=feed_not_modified feed=%d", feed.id)
        return FeedResult(feed.id, not_modified=True)
    source = polled.title or urlsplit(feed.url).hostname or feed.url
    items = [i for i in (_item(e, source) for e in parsed.entries[:MAX_ITEMS]) if i is not None]
    known = await store.run(lambda: store.seen(i.key for i in items))
    fresh = [i for i in items if i.key not in known]
    fresh = await store.run(lambda: [i for i in fresh if not (i.url and store.has_url(i.url))])
    gate = page_gate or asyncio.Semaphore(PAGE_CONCURRENCY)

    async def build(item: Item) -> NewArticle | str:
        async with gate:
            try:
                return await fetch_item(client, item)
            except BadInput as exc:
                return str(exc)

    built = await asyncio.gather(*(build(i) for i in fresh))
    articles = [b for b in built if isinstance(b, NewArticle)]
    bad = [(i, b) for i, b in zip(fresh, built, strict=True) if isinstance(b, str)]

    def save() -> list[tuple[str, int]]:
        with store.db.atomic():
            stored = store.add_articles(articles, now)
            for item, reason in bad:
                log.warning(
                    "event=item_skipped feed=%d url=%s reason=%r", feed.id, item.url, reason
                )
                store.mark_seen(item.key, "skipped", now)
            store.feed_fetched(polled, now, now + POLL_EVERY)
        return stored

    stored = await store.run(save)
    added = tuple(i for status, i in stored if status == "added")
    log.info(
        "event=feed_polled feed=%d items=%d new=%d added=%d skipped=%d",
        feed.id,
        len(items),
        len(fresh),
        len(added),
        len(bad),
    )
    return FeedResult(feed.id, added, len(stored) - len(added), len(bad))


async def _failed(store: Store, feed: Feed, error: str, now: datetime) -> FeedResult:
    delay = retry_delay(feed.failures + 1)
    after = await store.run(lambda: store.feed_failed(feed.id, error, now, now + delay))
    log.warning(
        "event=feed_failed feed=%d url=%s failures=%d retry_in_s=%d error=%r",
        feed.id,
        feed.url,
        after.failures,
        delay.total_seconds(),
        error,
    )
    return FeedResult(feed.id, error=error)


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
