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
from bot.commands.news import (
    _archive,
    _article,
    _digest,
    _latest,
    _more,
    _search,
    _start,
    nothing_found,
    search_key,
)
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
from summarizer import normalize

__all__ = [
    "ALIASES",
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
    "is_change",
    "is_command",
    "is_feed_url",
    "nothing_found",
    "parse",
    "reader_language",
    "search_key",
]

# A name is letters (umlauts too: /überblick) and underscores; "/2" is not a command.
_COMMAND = re.compile(r"^[/!]([^\W\d]{1,32})(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)


def parse(text: str) -> tuple[str, str] | None:
    """Split `/name@bot args` (or `!name args`) into (name, args); None for non-commands."""
    match = _COMMAND.match(text.strip())
    if not match:
        return None
    return match.group(1).lower(), (match.group(2) or "").strip()


def handle(text: str, ctx: Context, library: Library) -> Reply | None:
    """Answer one chat message; None for chatter in a group (meant for people, not the bot)."""
    # Lone surrogates and control characters can be neither stored nor sent anywhere; a
    # decomposed umlaut (o + U+0308, as macOS keyboards send it) is one letter from here on.
    parsed = parse(normalize(clean(text)))
    if parsed is None and (not ctx.private or not text.strip()):
        return None
    language = reader_language(library.chats.chat_language(ctx.chat), ctx.language)
    if parsed is None:
        return Reply.text(t(language, "not_a_command"), ok=False)
    name, args = parsed
    command = COMMANDS.get(ALIASES.get(name, name))
    if command is None:
        return Reply.text(t(language, "unknown", command="/" + name), ok=False)
    if command.admin and not ctx.is_admin:
        return Reply.text(t(language, "admin_only", command="/" + name), ok=False)
    if command.changes is not None and command.changes(args) and not ctx.may_manage:
        return _refuse_change(ctx, language, name)
    if len(args) > MAX_ARGS:
        return Reply.text(t(language, "too_long", length=len(args), limit=MAX_ARGS), ok=False)
    if args and not command.takes_args:
        example = "/" + command.name
        return Reply.text(t(language, "extra_args", extra=args, example=example), ok=False)
    zone = chat_zone(library, ctx.chat, ctx.timezone)
    return command.run(Request(args, ctx, library, language, zone))


def _refuse_change(ctx: Context, language: str, name: str) -> Reply:
    """One polite line: who may change this chat's digest, and that reading stays open."""
    if ctx.manage_level is None:
        text = t(language, "manage_refused_admins", command="/" + name)
    else:
        text = t(language, "manage_refused_level", command="/" + name, level=ctx.manage_level)
    return Reply.text(text, ok=False)


def is_change(text: str) -> bool:
    """True when the text is a command that changes the chat (only its managers may run it).

    Transports ask before they look up a user's role, so reading commands cost no lookup.
    """
    parsed = parse(normalize(clean(text)))
    if parsed is None:
        return False
    command = COMMANDS.get(parsed[0])
    return command is not None and command.changes is not None and command.changes(parsed[1])


def _always(args: str) -> bool:
    return True


def _with_args(args: str) -> bool:
    """`/settings` alone shows the settings; with a name and value it changes one."""
    return bool(args.strip())


def is_command(text: str) -> bool:
    """True when the text is a command (transports use it to ignore chatter in group rooms)."""
    return parse(clean(text)) is not None


# /help lists the table, so it lives beside it.
def _help(req: Request) -> Reply:
    lines: list[tuple[Span, ...]] = [(Span(t(req.language, "help_title"), bold=True),)]
    for command in COMMANDS.values():
        if command.admin and not req.ctx.is_admin:
            continue
        usage = command.usage(req.language)
        lines.append((Span(usage, bold=True), Span(" — " + command.help(req.language))))
    if req.ctx.chat.startswith(CONSOLE_PREFIX):
        lines.append((Span(t(req.language, "console_quit")),))
    return Reply(tuple(lines))


# Chats in the terminal (transports/console.py); only there does /quit end the chat.
CONSOLE_PREFIX = "console:"


_TABLE = (
    Command("start", ("", ""), "Begrüßung und erste Schritte", "Welcome and first steps", _start),
    Command("help", ("", ""), "Alle Befehle", "Every command", _help),
    Command(
        "digest",
        ("", ""),
        "Die wichtigsten Nachrichten seit deinem letzten Überblick (sonst 24 Stunden)",
        "The main news since your last digest (else the last 24 hours)",
        _digest,
        takes_args=False,
    ),
    Command(
        "search",
        ("WÖRTER", "WORDS"),
        "Artikel suchen, z. B. /search venezuela -kreml „genaue Wortfolge“ "
        "seit:2025-11-01 quelle:dpa",
        "Search articles, e.g. /search venezuela -kremlin “exact phrase” "
        "since:2025-11-01 source:dpa",
        _search,
    ),
    Command(
        "latest", ("", ""), "Die neuesten Artikel", "The newest articles", _latest, takes_args=False
    ),
    Command(
        "article",
        ("NUMMER", "NUMBER"),
        "Einen Artikel ganz lesen (die Nummer steht im Überblick und bei jedem Treffer)",
        "Read one article in full (the number is in the digest and at each result)",
        _article,
    ),
    Command(
        "archive",
        ("[DATUM] [SEITE]", "[DATE] [PAGE]"),
        "Den Überblick eines Tages so, wie ich ihn geschickt habe (/archiv 2.1.2026, "
        "/archiv gestern; ohne Datum den letzten; ein langer seitenweise: /archiv 2.1.2026 2)",
        "A day's digest exactly as I sent it (/archive 2026-01-02, /archive yesterday; "
        "with no date the latest; a long one page by page: /archive 2026-01-02 2)",
        _archive,
    ),
    Command(
        "subscribe",
        ("HH:MM [ZEITZONE] [jetzt]", "HH:MM [TIME_ZONE] [now]"),
        "Täglichen Überblick abonnieren, z. B. /subscribe 07:30 (mit „jetzt“: den ersten sofort)",
        "Get a daily digest, e.g. /subscribe 07:30 (with “now”: the first one at once)",
        _subscribe,
        changes=_always,
    ),
    Command(
        "unsubscribe",
        ("", ""),
        "Täglichen Überblick abbestellen",
        "Stop the daily digest",
        _unsubscribe,
        changes=_always,
        takes_args=False,
    ),
    Command(
        "more",
        ("", ""),
        "Die nächsten Treffer der letzten Suche",
        "The next results of the last search",
        _more,
    ),
    Command(
        "settings",
        ("[NAME WERT]", "[NAME VALUE]"),
        "Einstellungen zeigen oder ändern, z. B. /settings sprache en",
        "Show or change settings, e.g. /settings language de",
        _settings,
        changes=_with_args,
    ),
    Command(
        "alert",
        ("WÖRTER [-WORT]", "WORDS [-WORD]"),
        "Bei neuen Artikeln mit diesen Wörtern Bescheid sagen (-wort schließt aus)",
        "Tell me about new articles with these words (-word excludes)",
        _alert,
        changes=_always,
    ),
    Command("alerts", ("", ""), "Deine Alarme", "Your alerts", _alerts, takes_args=False),
    Command(
        "unalert",
        ("NUMMER", "NUMBER"),
        "Einen Alarm löschen",
        "Remove an alert",
        _unalert,
        changes=_always,
    ),
    Command(
        "feeds",
        ("", ""),
        "Alle Feeds (Betreiber)",
        "Every feed (operators)",
        _feeds,
        admin=True,
        takes_args=False,
    ),
    Command(
        "addfeed",
        ("URL", "URL"),
        "Feed eintragen (Betreiber)",
        "Add a feed (operators)",
        _addfeed,
        True,
    ),
    Command(
        "removefeed",
        ("NUMMER", "NUMBER"),
        "Feed entfernen (Betreiber)",
        "Remove a feed (operators)",
        _removefeed,
        admin=True,
    ),
    Command(
        "stats",
        ("", ""),
        "Zahlen zum Bot (Betreiber)",
        "Bot figures (operators)",
        _stats,
        admin=True,
        takes_args=False,
    ),
)
COMMANDS: dict[str, Command] = {c.name: c for c in _TABLE}
# Other names a command answers to (the German one where it differs); /help lists each once.
ALIASES: dict[str, str] = {
    "archiv": "archive",
    "hilfe": "help",
    "suche": "search",
    "mehr": "more",
    "artikel": "article",
    "neueste": "latest",
    "ueberblick": "digest",
    "überblick": "digest",
    "abo": "subscribe",
    "abonnieren": "subscribe",
    "abbestellen": "unsubscribe",
    "einstellungen": "settings",
    "alarm": "alert",
    "alarme": "alerts",
}
