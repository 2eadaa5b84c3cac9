"""The ingest and feeds subcommands: store page dumps, poll feeds, edit the feed list.

The web's machinery (the fetcher, the feed poller, urllib, the app's options, the command
texts) is imported only where a feed is fetched or refused, or a file:// URL read:
`newsbot ingest FILE` does without it, and starts 30 MiB lighter (bench/memory.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urlsplit

from bot.allowed_urls import Allowed, url_refusal
from bot.cli.opening import EXIT_EMPTY, EXIT_OK, EXIT_USAGE, open_store
from bot.cli.texts import reason, say
from bot.clock import utc_now
from bot.config import Config
from bot.errors import BadInput
from bot.ingest.article import to_article
from bot.ingest.files import IngestResult, ingest_paths
from bot.ingest.opml import is_opml, parse_opml, to_opml
from bot.logs import redact
from bot.records import FeedCheck, NewArticle
from bot.store import Storage
from bot.texts import t

if TYPE_CHECKING:
    from bot.ingest.feeds import FeedResult, PollReport


def feed_url_problem(url: str, config: Config) -> str | None:
    """Why a feed URL is refused (no URL, not http(s), an internal address), or None."""
    from bot.commands.admin import is_feed_url, refusal_text

    refusal = url_refusal(url.strip(), Allowed.parse(config.fetch_allow))
    if refusal is None:
        return None
    reason = refusal_text(config.language, refusal)
    if not is_feed_url(url.strip()) and "://" not in url:
        return say(config.language, "feeds_not_url", url=url, reason=reason)
    return say(config.language, "feeds_refused", url=repr(url), reason=reason)


async def check_feeds(config: Config, urls: list[str]) -> list[FeedCheck]:
    """Fetch each URL once (at most FEED_CONCURRENCY at a time): is it a feed, and its title."""
    from bot.app import fetch_options
    from bot.ingest.feeds import FEED_CONCURRENCY, check_feed
    from bot.ingest.fetch import Fetcher

    gate = asyncio.Semaphore(FEED_CONCURRENCY)
    async with Fetcher(fetch_options(config)) as fetcher:

        async def one(url: str) -> FeedCheck:
            async with gate:
                return await check_feed(fetcher, url)

        return list(await asyncio.gather(*(one(u) for u in urls)))


def add_feeds(store: Storage, config: Config, urls: list[str], *, check: bool) -> int:
    """`newsbot feeds add`: refuse what is no URL, internal or known, then add what is a feed."""
    from bot.commands.admin import check_refusal

    language = config.language
    urls = [u.strip() for u in urls]
    problems = [p for p in (feed_url_problem(u, config) for u in urls) if p]
    known = {f.url: f.id for f in store.feeds.all()}
    for url in dict.fromkeys(u for u in urls if u in known):
        reason = t(language, "feed_duplicate", id=known[url])
        problems.append(say(language, "feeds_refused", url=url, reason=reason))
    for problem in problems:
        print(f"newsbot feeds add: {problem}", file=sys.stderr)
    if problems:
        return EXIT_USAGE
    fresh = list(dict.fromkeys(urls))
    checks = asyncio.run(check_feeds(config, fresh)) if check else [FeedCheck(u) for u in fresh]
    status = EXIT_OK
    for result in checks:
        refused = check_refusal(result, language)
        if refused is not None:
            message = say(language, "feeds_refused", url=result.url, reason=refused)
            print(f"newsbot feeds add: {message}", file=sys.stderr)
            status = EXIT_EMPTY
            continue
        feed = store.feeds.add_feed(result.url, utc_now(), result.title)
        print(f"{feed.id:4} {feed.url}")
    return status


@dataclass
class Inputs:
    """Ingest arguments sorted: page-dump paths, feeds to poll, and which feeds are new."""

    paths: list[Path] = field(default_factory=list)
    feed_ids: list[int] = field(default_factory=list)
    new_feeds: set[int] = field(default_factory=set)


def file_url_path(url: str) -> Path | None:
    """The local path of a file:///x (or file://localhost/x) URL; None for another host."""
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost") or not parts.path:
        return None
    from urllib.request import url2pathname

    return Path(url2pathname(parts.path))


def _inputs(store: Storage, config: Config, args: list[str], now: datetime) -> Inputs:
    """Split ingest arguments: feed URLs and OPML files become feeds, the rest are paths.

    Raises BadInput (a usage error) for a refused feed URL or a file:// URL of another host.
    """
    inputs = Inputs()
    known = {feed.id for feed in store.feeds.all()}

    def add_feed(url: str, title: str | None = None) -> None:
        feed = store.feeds.add_feed(url, now, title)
        inputs.feed_ids.append(feed.id)
        if feed.id not in known:
            inputs.new_feeds.add(feed.id)

    for arg in args:
        if arg.startswith(("http://", "https://")):
            refusal = url_refusal(arg.strip(), Allowed.parse(config.fetch_allow))
            if refusal is not None:
                from bot.commands.admin import refusal_text

                reason = refusal_text(config.language, refusal)
                raise BadInput(say(config.language, "ingest_refused_feed", url=arg, reason=reason))
            add_feed(arg)
            continue
        if _looks_like_url(arg) and not Path(arg).exists():
            reason = t(config.language, "url_refused_scheme")
            raise BadInput(say(config.language, "feeds_not_url", url=arg, reason=reason))
        local = file_url_path(arg) if arg.lower().startswith("file:") else Path(arg)
        if local is None:
            raise BadInput(say(config.language, "ingest_file_url", url=arg))
        path = local
        is_list = path.is_file() and path.suffix.lower() in (".opml", ".xml")
        if is_list and is_opml(path.read_bytes()):
            for outline in parse_opml(path.read_bytes()):
                add_feed(outline.url, outline.title)
            continue
        inputs.paths.append(path)
    return inputs


def _looks_like_url(arg: str) -> bool:
    """A web address typed without http(s):// (`www.tagesschau.de/…`, `htp://…`), not a path."""
    lowered = arg.lower()
    if lowered.startswith("file:"):
        return False
    return "://" in lowered or lowered.startswith("www.")


class TerminalProgress:
    """A progress bar on stderr when it is a terminal; nothing when it is piped or a file."""

    WIDTH = 30

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.active = stream.isatty()
        self.shown = ""

    def __call__(self, done: int, total: int) -> None:
        if not self.active:
            return
        filled = self.WIDTH * done // max(total, 1)
        bar = f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{total}"
        if bar != self.shown:
            self.stream.write("\r" + bar)
            self.stream.flush()
            self.shown = bar

    def clear(self) -> None:
        """Take the bar off its line, so a result line can be printed in its place."""
        if self.active and self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = ""


def result_line(result: IngestResult, language: str) -> str:
    """One ingested file as the user reads it: added, duplicate of #N „title“ (why), skipped."""
    if result.status == "added":
        return say(
            language, "ingest_added", path=result.path, id=result.article_id, title=result.title
        )
    why = reason(language, result.reason)
    if result.status == "duplicate":
        return say(
            language,
            "ingest_duplicate",
            path=result.path,
            id=result.article_id,
            title=result.title,
            reason=why,
        )
    return say(language, "ingest_skipped", path=result.path, reason=why)


def item_published(value: Any) -> datetime | None:
    """A JSON item's ISO 8601 date; a time without a zone is UTC. Raises ValueError otherwise."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("'published' must be an ISO 8601 string")
    when = datetime.fromisoformat(value)
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _item(obj: Any, source: str | None) -> NewArticle:
    """One JSON line's article; raises ValueError (bad line) or BadInput (not an article)."""
    if not isinstance(obj, dict):
        raise ValueError("expected a JSON object")
    fields = {k: obj.get(k) for k in ("title", "text", "source", "url", "kicker")}
    for name, value in fields.items():
        if value is not None and not isinstance(value, str):
            raise ValueError(f"'{name}' must be a string")
    if not (fields["title"] or "").strip():
        raise ValueError("missing string field 'title'")
    url = fields["url"] or None
    return to_article(
        fields["text"] or "",
        origin=None,
        url=url,
        title=fields["title"],
        source=fields["source"],
        published=item_published(obj.get("published")),
        teaser=True,
        given_source=source,
        kicker=fields["kicker"],
    )


def ingest_jsonl(store: Storage, lines: Iterable[str], now: datetime, source: str | None) -> int:
    """Store JSON-line items as articles, in one batch; print a line per item; exit code."""
    rows: list[dict[str, Any]] = []
    batch: list[NewArticle] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        ident: Any = None
        try:
            obj = json.loads(line)
            ident = obj.get("id") if isinstance(obj, dict) else None
            batch.append(_item(obj, source))
            rows.append({"id": ident})
        except (ValueError, TypeError) as exc:
            rows.append({"id": ident, "error": f"line {number}: {exc}"})
        except BadInput as exc:
            rows.append({"id": ident, "status": "skipped", "reason": str(exc)})
    results = iter(store.articles.add_articles(batch, now))
    failed = False
    for row in rows:
        if "error" in row or "reason" in row:
            failed = True
        else:
            status, article_id = next(results)
            row |= {"status": status, "article": article_id}
        print(json.dumps(row, ensure_ascii=False))
    return EXIT_EMPTY if failed else EXIT_OK


def cmd_ingest(args: argparse.Namespace, config: Config) -> int:
    """Store page dumps and poll feeds; exit 0 when every input was read, 1 when one was not."""
    language = config.language
    if args.jsonl == bool(args.paths):
        print(f"newsbot ingest: {say(language, 'ingest_usage')}", file=sys.stderr)
        return EXIT_USAGE
    store = open_store(config)
    if args.jsonl:
        try:
            return ingest_jsonl(store, sys.stdin, utc_now(), args.source)
        finally:
            store.close()
    counts = {"added": 0, "duplicate": 0, "skipped": 0, "failed": 0}
    now = utc_now()
    progress = TerminalProgress(sys.stderr)
    try:
        try:
            inputs = _inputs(store, config, args.paths, now)
        except BadInput as exc:
            print(f"newsbot ingest: {exc}", file=sys.stderr)
            return EXIT_USAGE
        if inputs.feed_ids:
            urls = {f.id: f.url for f in store.feeds.all() if f.id in inputs.feed_ids}
            report = asyncio.run(_poll(store, config, inputs.feed_ids, now))
            for feed in report.feeds:
                counts["added"] += len(feed.added)
                counts["duplicate"] += feed.duplicates
                counts["skipped"] += feed.skipped
                line = _feed_line(store, feed, urls[feed.feed_id], inputs, language)
                print(redact(line, config.secrets()))
                counts["failed"] += feed.error is not None
        found = ingest_paths(store, inputs.paths, now, progress=progress, source=args.source)
        for result in found:
            counts[result.status] += 1
            progress.clear()
            print(result_line(result, language))
        progress.clear()
    finally:
        store.close()
    summary = say(
        language,
        "ingest_summary",
        added=counts["added"],
        duplicates=counts["duplicate"],
        skipped=counts["skipped"],
        failed=counts["failed"],
    )
    print(summary)
    return EXIT_EMPTY if counts["skipped"] or counts["failed"] else EXIT_OK


def _feed_line(store: Storage, feed: FeedResult, url: str, inputs: Inputs, language: str) -> str:
    """One polled feed's line; a new feed that failed is taken off the feed list again."""
    from bot.commands.admin import check_refusal
    from bot.ingest.feeds import fetch_problem

    if feed.error is not None:
        dropped = ""
        if feed.feed_id in inputs.new_feeds:
            # A dead URL typed once must not stay in the list to be polled (and fail) forever.
            store.feeds.remove_feed(feed.feed_id)
            dropped = say(language, "ingest_feed_dropped")
        why = check_refusal(fetch_problem(url, feed.error), language) or feed.error
        return say(language, "ingest_feed_failed", url=url, reason=why, dropped=dropped)
    if feed.not_modified:
        return say(language, "ingest_feed_unchanged", url=url)
    return say(
        language,
        "ingest_feed",
        url=url,
        added=len(feed.added),
        duplicates=feed.duplicates,
        skipped=feed.skipped,
    )


async def _poll(store: Storage, config: Config, feed_ids: list[int], now: datetime) -> PollReport:
    from bot.app import fetch_options, poll_options
    from bot.ingest.feeds import poll_feeds
    from bot.ingest.fetch import Fetcher

    feeds = [f for f in store.feeds.all() if f.id in feed_ids]
    async with Fetcher(fetch_options(config)) as fetcher:
        return await poll_feeds(store, fetcher, now, feeds, poll_options(config))


def cmd_feeds(args: argparse.Namespace, config: Config) -> int:
    store = open_store(config)
    try:
        if args.action == "add":
            return add_feeds(store, config, args.urls, check=not args.no_check)
        elif args.action == "remove":
            for feed_id in args.ids:
                if not store.feeds.remove_feed(feed_id):
                    message = say(config.language, "feeds_missing", id=feed_id)
                    print(f"newsbot feeds remove: {message}", file=sys.stderr)
                    return EXIT_EMPTY
        elif args.action == "export":
            # The shared pool only: imported elsewhere, a chat's own feed would become everyone's.
            shared = [f for f in store.feeds.all() if not f.chats_only]
            print(to_opml(shared, utc_now()), end="")
        else:
            if not store.feeds.all():
                print(say(config.language, "feeds_list_empty"))
            for feed in store.feeds.all():
                state = t(config.language, "feed_" + feed.health, failures=feed.failures)
                state += f": {feed.error}" if feed.error else ""
                if feed.chats_only:
                    state += f" ({t(config.language, 'feed_chats_only')})"
                line = f"{feed.id:4} {feed.url}  {feed.title or ''}  {state}"
                print(redact(line, config.secrets()))
    finally:
        store.close()
    return EXIT_OK
