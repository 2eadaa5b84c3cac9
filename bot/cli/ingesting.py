"""The ingest and feeds subcommands: store page dumps, poll feeds, edit the feed list."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import datetime
from pathlib import Path

from bot.app import fetch_options, poll_options, utc_now
from bot.cli.base import EXIT_EMPTY, EXIT_OK, EXIT_USAGE, open_store
from bot.config import Config
from bot.errors import BadInput
from bot.ingest.feeds import PollReport, poll_feeds
from bot.ingest.fetch import Fetcher
from bot.ingest.files import ingest_paths
from bot.ingest.opml import is_opml, parse_opml, to_opml
from bot.logs import redact
from bot.outbound import Allowed, url_refusal
from bot.store import Store

log = logging.getLogger("newsbot")


def feed_url_problem(url: str, config: Config) -> str | None:
    """Why a feed URL is refused (not http(s), no host, an internal address), or None."""
    refusal = url_refusal(url.strip(), Allowed.parse(config.fetch_allow))
    return None if refusal is None else f"{url!r}: {refusal}"


def _feed_inputs(
    store: Store, config: Config, args: list[str], now: datetime
) -> tuple[list[Path], list[int]]:
    """Split ingest arguments: feed URLs and OPML files become feeds, the rest are paths."""
    paths: list[Path] = []
    feed_ids: list[int] = []
    for arg in args:
        if arg.startswith(("http://", "https://")):
            problem = feed_url_problem(arg, config)
            if problem:
                raise BadInput(f"refused feed {problem}")
            feed_ids.append(store.feeds.add_feed(arg, now).id)
            continue
        path = Path(arg)
        is_list = path.is_file() and path.suffix.lower() in (".opml", ".xml")
        if is_list and is_opml(path.read_bytes()):
            for outline in parse_opml(path.read_bytes()):
                feed_ids.append(store.feeds.add_feed(outline.url, now, outline.title).id)
            continue
        paths.append(path)
    return paths, feed_ids


def _progress(done: int, total: int) -> None:
    """A progress bar on a terminal; a log line every 500 files otherwise."""
    if sys.stderr.isatty():
        filled = int(30 * done / max(total, 1))
        print(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total}", end="", file=sys.stderr)
        if done == total:
            print(file=sys.stderr)
    elif done % 500 == 0 or done == total:
        log.warning("event=ingest_progress done=%d total=%d", done, total)


def cmd_ingest(args: argparse.Namespace, config: Config) -> int:
    store = open_store(config)
    counts = {"added": 0, "duplicate": 0, "skipped": 0}
    now = utc_now()
    try:
        try:
            paths, feed_ids = _feed_inputs(store, config, args.paths, now)
        except BadInput as exc:
            print(f"newsbot ingest: {exc}", file=sys.stderr)
            return EXIT_USAGE
        if feed_ids:
            report = asyncio.run(_poll(store, config, feed_ids, now))
            counts["added"] += len(report.added)
            counts["duplicate"] += report.duplicates
            counts["skipped"] += report.skipped
            for feed_id, error in report.failed:
                print(redact(f"failed    feed {feed_id}: {error}", config.secrets()))
        for result in ingest_paths(store, paths, now, progress=_progress):
            counts[result.status] += 1
            label = {"added": "added", "duplicate": "duplicate", "skipped": "skipped"}
            detail = f"#{result.article_id} {result.title}" if result.article_id else result.reason
            print(f"{label[result.status]:9} {result.path}: {detail}")
    finally:
        store.close()
    print(f"{counts['added']} added, {counts['duplicate']} duplicates, {counts['skipped']} skipped")
    return EXIT_OK if counts["added"] or counts["duplicate"] else EXIT_EMPTY


async def _poll(store: Store, config: Config, feed_ids: list[int], now: datetime) -> PollReport:
    feeds = [f for f in store.feeds.all() if f.id in feed_ids]
    async with Fetcher(fetch_options(config)) as fetcher:
        return await poll_feeds(store, fetcher, now, feeds, poll_options(config))


def cmd_feeds(args: argparse.Namespace, config: Config) -> int:
    store = open_store(config)
    try:
        if args.action == "add":
            problems = [p for p in (feed_url_problem(u, config) for u in args.urls) if p]
            for problem in problems:
                print(f"newsbot feeds add: refused {problem}", file=sys.stderr)
            if problems:
                return EXIT_USAGE
            for url in args.urls:
                feed = store.feeds.add_feed(url, utc_now())
                print(f"{feed.id:4} {feed.url}")
        elif args.action == "remove":
            for feed_id in args.ids:
                if not store.feeds.remove_feed(feed_id):
                    print(f"newsbot feeds remove: no feed {feed_id}", file=sys.stderr)
                    return EXIT_EMPTY
        elif args.action == "export":
            print(to_opml(store.feeds.all(), utc_now()), end="")
        else:
            for feed in store.feeds.all():
                state = feed.health + (
                    f" ({feed.failures}x): {feed.error}" if feed.failures else ""
                )
                line = f"{feed.id:4} {feed.url}  {feed.title or ''}  {state}"
                print(redact(line, config.secrets()))
    finally:
        store.close()
    return EXIT_OK
