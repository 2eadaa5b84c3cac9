"""The operator commands: /feeds, /addfeed, /removefeed and /stats."""

from __future__ import annotations

from urllib.parse import urlsplit

from bot.allowed_urls import Allowed, url_refusal
from bot.commands.request import Request, _id_arg, is_stored_id
from bot.records import Reply, Span
from bot.texts import t


def _feeds(req: Request) -> Reply:
    feeds = req.library.feeds.all()
    if not feeds:
        return Reply.text(t(req.language, "feeds_none"))
    lines: list[tuple[Span, ...]] = [(Span(t(req.language, "feeds_head"), bold=True),)]
    for feed in feeds:
        title = f"{feed.title} — " if feed.title else ""
        health = t(req.language, "feed_" + feed.health, failures=feed.failures)
        error = f": {feed.error}" if feed.error and feed.failures else ""
        lines.append((Span(f"[{feed.id}] {title}"), Span(feed.url), Span(f" — {health}{error}")))
    return Reply(tuple(lines))


def is_feed_url(text: str) -> bool:
    """True for an absolute http(s) URL with a host and no spaces."""
    if not text or any(c.isspace() for c in text) or len(text) > 2000:
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _addfeed(req: Request) -> Reply:
    url = req.args.strip()
    if not is_feed_url(url):
        return Reply.text(t(req.language, "addfeed_usage"), ok=False)
    # The fetcher's own rules (bot.allowed_urls): only http(s), no internal host unless allowed.
    refusal = url_refusal(url, Allowed.parse(req.ctx.fetch_allow))
    if refusal is not None:
        reason = t(req.language, f"url_refused_{refusal.code}", detail=refusal.detail)
        return Reply.text(t(req.language, "addfeed_refused", reason=reason), ok=False)
    feed = req.library.feeds.add_feed(url, req.ctx.now)
    return Reply.text(t(req.language, "addfeed_done", id=feed.id, url=feed.url))


def _removefeed(req: Request) -> Reply:
    feed_id = _id_arg(req.args)
    if feed_id is None:
        return Reply.text(t(req.language, "removefeed_usage"), ok=False)
    if is_stored_id(feed_id) and req.library.feeds.remove_feed(feed_id):
        return Reply.text(t(req.language, "removefeed_done", id=feed_id))
    return Reply.text(t(req.language, "removefeed_missing", id=feed_id), ok=False)


def _stats(req: Request) -> Reply:
    s = req.library.stats(req.ctx.now)
    text = t(
        req.language,
        "stats",
        articles=s.articles,
        articles_24h=s.articles_24h,
        feeds=s.feeds,
        feeds_failing=s.feeds_failing,
        chats=s.chats,
        subscriptions=s.subscriptions,
        alerts=s.alerts,
    )
    return Reply.text(text)
