"""A chat's own feeds (config `chat_feeds`): its managers add one with /addfeed, list them with
/feeds and drop one with /removefeed; in approve mode operators accept or refuse each request
(/approvefeed, /refusefeed, buttons on Telegram) and the chat is told. Items of a chat's own
feed reach only the chats that added it (digest, alerts, search); see `ChatSettings.may_see`.
"""

from __future__ import annotations

from dataclasses import replace

from bot.commands.request import (
    CommandStore,
    Request,
    _id_arg,
    is_stored_id,
    reader_language,
    refuse_change,
)
from bot.records import Button, ChatFeed, FeedCheck, Reply, Span
from bot.texts import t

WAITING = "waiting"


def chat_feed_refusal(url: str, req: Request) -> Reply | None:
    """Why this chat cannot add this URL, before fetching it: the shared pool or the chat
    has it, or a limit is reached. (Whether it is a URL at all is asked before.)"""
    lang, library, rules = req.language, req.library, req.ctx.chat_feeds
    shared = next((f for f in library.feeds.all() if f.url == url and not f.chats_only), None)
    if shared is not None:
        reason = t(lang, "chat_feed_shared", id=shared.id)
        return Reply.text(t(lang, "addfeed_refused", reason=reason), ok=False)
    own = library.chat_feeds.of_chat(req.ctx.chat)
    known = next((e for e in own if e.url == url), None)
    if known is not None:
        reason = t(lang, "chat_feed_duplicate", id=known.id)
        return Reply.text(t(lang, "addfeed_refused", reason=reason), ok=False)
    if len(own) >= rules.per_chat:
        return Reply.text(t(lang, "chat_feeds_chat_limit", limit=rules.per_chat), ok=False)
    if library.chat_feeds.count() >= rules.total:
        return Reply.text(t(lang, "chat_feeds_total_limit", limit=rules.total), ok=False)
    if rules.mode == "approve" and not rules.has_operators:
        return Reply.text(t(lang, "chat_feeds_no_operators"), ok=False)
    return None


def ask_chat_feed(req: Request, url: str) -> Reply | None:
    """A chat's /addfeed before the fetch: its managers only; None when it may go on."""
    if not req.ctx.may_manage:
        return refuse_change(req.ctx, req.language, "addfeed")
    return chat_feed_refusal(url, req)


def add_chat_feed(check: FeedCheck, req: Request) -> Reply:
    """The chat's feed once a fetch showed it is one: added (admins mode) or asked for."""
    refusal = chat_feed_refusal(check.url, req)  # the same checks again: others went on
    if refusal is not None:
        return refusal
    ctx, lang, rules = req.ctx, req.language, req.ctx.chat_feeds
    active = rules.mode == "admins"
    entry, created = req.library.chat_feeds.add(
        ctx.chat,
        check.url,
        ctx.now,
        title=check.title,
        user=ctx.user,
        active=active,
        limits=(rules.per_chat, rules.total),
    )
    if entry is None:  # a limit filled up since the check (another process): say which
        full = chat_feed_refusal(check.url, req)
        return full or Reply.text(t(lang, "chat_feeds_chat_limit", limit=rules.per_chat), ok=False)
    if active:
        return Reply.text(t(lang, "addfeed_chat_done", id=entry.id, url=entry.url))
    reply = Reply.text(t(lang, "addfeed_chat_waiting", id=entry.id, url=entry.url))
    if not created:  # the same request a moment ago (another process): its call told them
        return reply
    notices = tuple(
        (chat, _request_notice(entry, chat, req.library)) for chat in ctx.chat_feeds.notify
    )
    return replace(reply, notices=notices)


def _request_notice(entry: ChatFeed, chat: str, library: CommandStore) -> Reply:
    """What an operator is told of a request, in the operator's chat's language, with buttons."""
    lang = reader_language(library.chats.chat_language(chat), None)
    text = t(
        lang,
        "chat_feed_request",
        id=entry.id,
        chat=entry.chat,
        user=entry.user or "?",
        url=entry.url,
        title=entry.title or entry.url,
    )
    buttons = (
        Button(t(lang, "approve"), f"/approvefeed {entry.id}"),
        Button(t(lang, "refuse"), f"/refusefeed {entry.id}"),
    )
    return Reply(((Span(text),),), buttons)


def own_feeds(req: Request) -> Reply:
    """/feeds in a chat: its own feeds and requests, with their state."""
    entries = req.library.chat_feeds.of_chat(req.ctx.chat)
    lang = req.language
    if not entries:
        return Reply.text(t(lang, "own_feeds_none"))
    health = {f.id: f for f in req.library.feeds.all()}
    lines: list[tuple[Span, ...]] = [(Span(t(lang, "own_feeds_head"), bold=True),)]
    for entry in entries:
        title = f"{entry.title} — " if entry.title else ""
        feed = health.get(entry.feed_id) if entry.feed_id is not None else None
        if entry.status == WAITING:
            state = t(lang, "own_feed_waiting")
        elif feed is not None:
            state = t(lang, "feed_" + feed.health, failures=feed.failures)
        else:
            state = t(lang, "feed_new")
        lines.append((Span(f"[{entry.id}] {title}"), Span(entry.url), Span(f" — {state}")))
    lines.append((Span(t(lang, "own_feeds_remove")),))
    return Reply(tuple(lines))


def remove_own_feed(req: Request) -> Reply:
    """/removefeed N in a chat: one of its own feeds (or requests), by the number /feeds shows."""
    if not req.ctx.may_manage:
        return refuse_change(req.ctx, req.language, "removefeed")
    number = _id_arg(req.args)
    if number is None:
        return Reply.text(t(req.language, "own_removefeed_usage"), ok=False)
    gone = req.library.chat_feeds.remove(req.ctx.chat, number) if is_stored_id(number) else None
    if gone is None:
        return Reply.text(t(req.language, "own_feed_missing", id=number), ok=False)
    return Reply.text(t(req.language, "own_feed_removed", id=gone.id, url=gone.url))


def _approvefeed(req: Request) -> Reply:
    return _decide(req, approve=True)


def _refusefeed(req: Request) -> Reply:
    return _decide(req, approve=False)


def _decide(req: Request, *, approve: bool) -> Reply:
    """An operator's answer to a request: the feed is polled or dropped; the chat is told."""
    number = _id_arg(req.args)
    name = "approvefeed" if approve else "refusefeed"
    if number is None:
        return Reply.text(t(req.language, "decide_usage", command="/" + name), ok=False)
    chat_feeds = req.library.chat_feeds
    if not is_stored_id(number):
        decided = None
    elif approve:
        decided = chat_feeds.approve(number, req.ctx.now)
    else:
        decided = chat_feeds.refuse(number)
    if decided is None:
        return Reply.text(t(req.language, "feed_request_missing", id=number), ok=False)
    outcome = "approved" if approve else "refused"
    asked = reader_language(req.library.chats.chat_language(decided.chat), None)
    told = Reply.text(t(asked, f"chat_feed_{outcome}", id=decided.id, url=decided.url))
    done = t(req.language, f"{name}_done", id=decided.id, url=decided.url, chat=decided.chat)
    return replace(Reply.text(done), notices=((decided.chat, told),))


def waiting_lines(library: CommandStore, language: str) -> list[tuple[Span, ...]]:
    """The requests waiting for an operator, for the operators' /feeds."""
    waiting = library.chat_feeds.waiting()
    if not waiting:
        return []
    lines: list[tuple[Span, ...]] = [(Span(t(language, "feeds_waiting_head"), bold=True),)]
    for entry in waiting:
        where = t(language, "feeds_waiting_line", id=entry.id, chat=entry.chat)
        lines.append((Span(f"[{entry.id}] "), Span(entry.url), Span(f" — {where}")))
    return lines
