"""CPU cost per poll of a 100,000-item feed: read once and drained, against read every poll.

Run: .venv/bin/python bench/feeds.py [--items 100000] [--polls 5]

A local aiohttp site serves one RSS feed of ITEMS items (no item pages, so each stored item is
built from the feed's own text). "every poll" is a fresh poller per cycle: it downloads and
parses the whole feed for each hundred items stored, as the bot did before it remembered what
it had read. "kept" is one poller across cycles, as `newsbot run` keeps it. CPU time of this
process (the server's share is small and the same for both) per poll; median and ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web

from bot.ingest.feeds import FeedPoller, PollOptions, poll_feeds
from bot.ingest.fetch import Fetcher, FetchOptions
from bot.outbound import Allowed
from bot.store import Store
from tests.fakes.feed_site import german_text

T0 = datetime(2025, 11, 10, 12, tzinfo=UTC)


def big_rss(items: int) -> bytes:
    """An RSS document of `items` items, each with a guid, title and its own two sentences."""
    rng = random.Random(items)
    body = "".join(
        f'<item><guid isPermaLink="false">m{n}</guid><title>Meldung {n}</title>'
        f"<description>{german_text(rng, 24)}</description></item>"
        for n in range(items)
    )
    head = '<?xml version="1.0"?><rss version="2.0"><channel><title>Groß</title>'
    return f"{head}{body}</channel></rss>".encode()


async def polls(items: int, count: int, kept: bool) -> list[float]:
    """CPU seconds of each of `count` polls, one cycle a minute."""
    feed = big_rss(items)

    async def serve(request: web.Request) -> web.Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304)
        return web.Response(body=feed, content_type="application/rss+xml", headers={"ETag": '"v1"'})

    app = web.Application()
    app.router.add_get("/feed.xml", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/feed.xml"
    fetch = FetchOptions(deadline=120, max_bytes=100_000_000, allowed=Allowed.parse(["127.0.0.1"]))
    options = PollOptions(every=timedelta(minutes=1))
    costs: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "bench.db")
        store.feeds.add_feed(url, T0)
        async with Fetcher(fetch) as fetcher:
            poller = FeedPoller(store, fetcher, options)
            for minute in range(count):
                now = T0 + timedelta(minutes=minute)
                started = time.process_time()
                if kept:
                    await poller.cycle(now)
                    await poller.wait()
                else:
                    await poll_feeds(store, fetcher, now, options=options)
                costs.append(time.process_time() - started)
        stored = store.articles.count_articles()
        store.close()
    await runner.cleanup()
    expected = min(items, count * options.max_items)
    if stored < expected * 0.95:  # a generated text is now and then not German enough
        raise SystemExit(f"stored {stored} articles, expected about {expected}")
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--polls", type=int, default=5)
    args = parser.parse_args()
    print(
        f"feed of {args.items} items ({len(big_rss(args.items)) / 1e6:.1f} MB), {args.polls} polls"
    )
    every = asyncio.run(polls(args.items, args.polls, kept=False))
    kept = asyncio.run(polls(args.items, args.polls, kept=True))
    for name, costs in (("read every poll", every), ("read once, kept", kept)):
        shown = " ".join(f"{c:.2f}" for c in costs)
        median, total = statistics.median(costs), sum(costs)
        print(f"{name:16} CPU s per poll: {shown}  median {median:.2f}  total {total:.2f}")
    print(f"total ratio every/kept: {sum(every) / sum(kept):.1f}x")


if __name__ == "__main__":
    main()
