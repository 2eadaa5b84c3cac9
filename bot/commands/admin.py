"""The operator commands: /feeds, /addfeed, /removefeed and /stats (in a chat whose managers may
have feeds of their own, the first three are theirs: bot.commands.own_feeds)."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit

from bot.allowed_urls import Allowed, Refusal, url_refusal
from bot.commands.own_feeds import (
    add_chat_feed,
    ask_chat_feed,
    own_feeds,
    remove_own_feed,
    waiting_lines,
)
from bot.commands.request import (
    CommandStore,
    Context,
    Request,
    _id_arg,
    is_stored_id,
    reader_language,
    refuse_change,
)
from bot.digest import chat_zone
from bot.records import FeedCheck, Reply, Span
from bot.texts import t


def _feeds(req: Request) -> Reply:
    if not req.ctx.is_admin:
        return own_feeds(req)  # a chat's own feeds (config chat_feeds)
    feeds = req.library.feeds.all()
    waiting = waiting_lines(req.library, req.language)
    if not feeds and not waiting:
        return Reply.text(t(req.language, "feeds_none"))
    lines: list[tuple[Span, ...]] = [(Span(t(req.language, "feeds_head"), bold=True),)]
    for feed in feeds:
        title = f"{feed.title} — " if feed.title else ""
        health = t(req.language, "feed_" + feed.health, failures=feed.failures)
        error = f": {feed.error}" if feed.error and feed.failures else ""
        own = f" ({t(req.language, 'feed_chats_only')})" if feed.chats_only else ""
        lines.append(
            (Span(f"[{feed.id}] {title}"), Span(feed.url), Span(f" — {health}{error}{own}"))
        )
    return Reply((*lines, *waiting))


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
    if not req.ctx.is_admin and not req.ctx.may_manage:
        return refuse_change(req.ctx, req.language, "addfeed")
    if not url:
        return Reply.text(t(req.language, "addfeed_usage"), ok=False)
    refusal = feed_refusal(url, req.library, req.ctx.fetch_allow, req.language, req.ctx.is_admin)
    if refusal is None and not req.ctx.is_admin:
        refusal = ask_chat_feed(req, url)  # a chat's own feed (config chat_feeds)
    if refusal is not None:
        return refusal
    # The feed is added only once a fetch shows it is one (`finish_addfeed`, called by the app).
    checking = Reply.text(t(req.language, "addfeed_checking", url=url))
    return replace(checking, fetch=url)


def feed_refusal(
    url: str,
    library: CommandStore,
    fetch_allow: tuple[str, ...],
    language: str,
    shared: bool = True,
) -> Reply | None:
    """Why this URL is not added before fetching it: no URL, an internal host, and (`shared`:
    to the operator's pool) already there. A chat's own feed joins the pool when added so."""
    if not is_feed_url(url):
        return Reply.text(t(language, "addfeed_not_url", url=url), ok=False)
    # The fetcher's own rules (bot.allowed_urls): only http(s), no internal host unless allowed.
    refusal = url_refusal(url, Allowed.parse(fetch_allow))
    if refusal is not None:
        return Reply.text(
            t(language, "addfeed_refused", reason=refusal_text(language, refusal)), ok=False
        )
    if not shared:
        return None
    known = next((f for f in library.feeds.all() if f.url == url and not f.chats_only), None)
    if known is not None:
        reason = t(language, "feed_duplicate", id=known.id)
        return Reply.text(t(language, "addfeed_refused", reason=reason), ok=False)
    return None


def refusal_text(language: str, refusal: Refusal) -> str:
    """Why a URL is not fetched, all in the reader's language (the detail is English, for logs)."""
    if language == "en":
        return t(language, f"url_refused_{refusal.code}", detail=refusal.detail)
    if refusal.code == "internal":
        where = t(language, f"address_{refusal.kind or 'reserved'}", host=refusal.host)
        return t(language, "url_refused_internal", detail=where)
    if refusal.code == "host":
        return t(language, "url_refused_host", detail=t(language, f"host_{refusal.kind}"))
    return t(language, "url_refused_scheme")


def check_refusal(check: FeedCheck, language: str) -> str | None:
    """What a trial fetch found wrong, in the reader's words; None for a feed."""
    if check.problem is None:
        return None
    return t(language, f"feed_problem_{check.problem}", status=check.status)


def add_checked_feed(check: FeedCheck, req: Request) -> Reply:
    """Add the feed a trial fetch found, or say what the fetch found instead."""
    problem = check_refusal(check, req.language)
    if problem is not None:
        return Reply.text(t(req.language, "addfeed_refused", reason=problem), ok=False)
    if not req.ctx.is_admin:
        return add_chat_feed(check, req)
    refusal = feed_refusal(check.url, req.library, req.ctx.fetch_allow, req.language)
    if refusal is not None:  # added by someone else while it was being fetched
        return refusal
    feed = req.library.feeds.add_feed(check.url, req.ctx.now, check.title)
    return Reply.text(t(req.language, "addfeed_done", id=feed.id, url=feed.url))


def _removefeed(req: Request) -> Reply:
    if not req.ctx.is_admin:
        return remove_own_feed(req)  # a chat's own feed (config chat_feeds)
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


def finish_addfeed(check: FeedCheck, ctx: Context, library: CommandStore) -> Reply:
    """The answer to /addfeed once the app fetched its URL (`Reply.fetch`): added, or why not."""
    language = reader_language(library.chats.chat_language(ctx.chat), ctx.language)
    zone = chat_zone(library, ctx.chat, ctx.timezone)
    return add_checked_feed(check, Request("", ctx, library, language, zone))
