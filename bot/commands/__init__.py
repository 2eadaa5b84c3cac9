"""The chat command core: a command table, `parse(text)` and `handle(text, ctx, library)`.

Pure: transports turn platform messages into text and a `Context`, and render the `Reply`.
The database is reached only through the small `Library` protocol, which `store.Store` implements.

base.py holds the protocols, Context, Request, Command and limits; replies.py the article lines
and the digest; news.py, subscriptions.py and admin.py the handlers; this module the table.
"""

from __future__ import annotations

import re

from bot.commands.admin import _addfeed, _feeds, _removefeed, _stats, is_feed_url
from bot.commands.base import (
    LATEST,
    MAX_ALERTS,
    MAX_ARGS,
    PAGE_SIZE,
    SENTENCES_RANGE,
    STORIES_RANGE,
    Command,
    Context,
    FeedInfo,
    Library,
    Request,
    StatsInfo,
    reader_language,
)
from bot.commands.news import _article, _digest, _latest, _more, _search, _start, search_key
from bot.commands.subscriptions import (
    _alert,
    _alerts,
    _settings,
    _subscribe,
    _unalert,
    _unsubscribe,
)
from bot.digest import chat_zone
from bot.query import HIT_END, HIT_START
from bot.records import DEFAULT_ZONE, Reply, Span
from bot.render import clean
from bot.texts import t

__all__ = [
    "COMMANDS",
    "DEFAULT_ZONE",
    "HIT_END",
    "HIT_START",
    "LATEST",
    "MAX_ALERTS",
    "MAX_ARGS",
    "PAGE_SIZE",
    "SENTENCES_RANGE",
    "STORIES_RANGE",
    "Command",
    "Context",
    "FeedInfo",
    "Library",
    "Request",
    "StatsInfo",
    "chat_zone",
    "handle",
    "is_feed_url",
    "parse",
    "reader_language",
    "search_key",
]

_COMMAND = re.compile(r"^[/!]([A-Za-z_]{1,32})(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)


def parse(text: str) -> tuple[str, str] | None:
    """Split `/name@bot args` (or `!name args`) into (name, args); None for non-commands."""
    match = _COMMAND.match(text.strip())
    if not match:
        return None
    return match.group(1).lower(), (match.group(2) or "").strip()


def handle(text: str, ctx: Context, library: Library) -> Reply | None:
    """Answer one chat message; None for chatter in a group (meant for people, not the bot)."""
    # Lone surrogates and control characters can be neither stored nor sent anywhere.
    parsed = parse(clean(text))
    if parsed is None and (not ctx.private or not text.strip()):
        return None
    language = reader_language(library.chat_language(ctx.chat), ctx.language)
    if parsed is None:
        return Reply.text(t(language, "not_a_command"), ok=False)
    name, args = parsed
    command = COMMANDS.get(name)
    if command is None:
        return Reply.text(t(language, "unknown", command="/" + name), ok=False)
    if command.admin and not ctx.is_admin:
        return Reply.text(t(language, "admin_only", command="/" + name), ok=False)
    if len(args) > MAX_ARGS:
        return Reply.text(t(language, "too_long", length=len(args), limit=MAX_ARGS), ok=False)
    zone = chat_zone(library, ctx.chat, ctx.timezone)
    return command.run(Request(args, ctx, library, language, zone))


# /help lists the table, so it lives beside it.
def _help(req: Request) -> Reply:
    lines: list[tuple[Span, ...]] = [(Span(t(req.language, "help_title"), bold=True),)]
    for command in COMMANDS.values():
        if command.admin and not req.ctx.is_admin:
            continue
        usage = f"/{command.name}" + (f" {command.synopsis}" if command.synopsis else "")
        lines.append((Span(usage, bold=True), Span(" — " + command.help(req.language))))
    return Reply(tuple(lines))


_TABLE = (
    Command("start", "", "Begrüßung und erste Schritte", "Welcome and first steps", _start),
    Command("help", "", "Alle Befehle", "Every command", _help),
    Command(
        "digest",
        "",
        "Die wichtigsten Nachrichten der letzten 24 Stunden",
        "The main news of the last 24 hours",
        _digest,
    ),
    Command(
        "search",
        "WÖRTER",
        "Artikel suchen, z. B. /search venezuela seit:2025-11-01 quelle:dpa",
        "Search articles, e.g. /search venezuela since:2025-11-01 source:dpa",
        _search,
    ),
    Command("latest", "", "Die neuesten Artikel", "The newest articles", _latest),
    Command("article", "ID", "Einen Artikel ganz lesen", "Read one article in full", _article),
    Command(
        "subscribe",
        "HH:MM [Zone] [jetzt]",
        "Täglichen Überblick abonnieren, z. B. /subscribe 07:30 (mit „jetzt“: den ersten sofort)",
        "Get a daily digest, e.g. /subscribe 07:30 (with “now”: the first one at once)",
        _subscribe,
    ),
    Command(
        "unsubscribe",
        "",
        "Täglichen Überblick abbestellen",
        "Stop the daily digest",
        _unsubscribe,
    ),
    Command(
        "more",
        "",
        "Die nächsten Treffer der letzten Suche",
        "The next results of the last search",
        _more,
    ),
    Command(
        "settings",
        "[NAME WERT]",
        "Einstellungen zeigen oder ändern, z. B. /settings sprache en",
        "Show or change settings, e.g. /settings language de",
        _settings,
    ),
    Command(
        "alert",
        "WÖRTER",
        "Bei neuen Artikeln mit diesen Wörtern Bescheid sagen",
        "Tell me about new articles with these words",
        _alert,
    ),
    Command("alerts", "", "Deine Alarme", "Your alerts", _alerts),
    Command("unalert", "ID", "Einen Alarm löschen", "Remove an alert", _unalert),
    Command("feeds", "", "Alle Feeds (Betreiber)", "Every feed (operators)", _feeds, admin=True),
    Command(
        "addfeed", "URL", "Feed eintragen (Betreiber)", "Add a feed (operators)", _addfeed, True
    ),
    Command(
        "removefeed",
        "ID",
        "Feed entfernen (Betreiber)",
        "Remove a feed (operators)",
        _removefeed,
        admin=True,
    ),
    Command("stats", "", "Zahlen zum Bot (Betreiber)", "Bot figures (operators)", _stats, True),
)
COMMANDS: dict[str, Command] = {c.name: c for c in _TABLE}
