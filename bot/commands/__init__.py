"""The chat command core: the command table, `resolve(text)` and `handle(text, ctx, library)`.

Pure: transports turn platform messages into text and a `Context`, and render the `Reply`.
The database is reached only through the small `CommandStore` protocol, which both stores
implement.

request.py holds the protocols, Context, Request, Command and limits; article_lines.py an
article's line and search-hit markers; news.py, subscriptions.py and admin.py the handlers;
this module the table and `resolve`, the only parser of commands. A command is one `_TABLE`
entry with all its names, so adding one (with its German name) is one change, and Telegram's
command list, /help and the permission check follow from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.commands.admin import _addfeed, _feeds, _removefeed, _stats, is_feed_url
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
from bot.commands.own_feeds import _approvefeed, _refusefeed
from bot.commands.request import (
    LATEST,
    MAX_ALERTS,
    MAX_ARGS,
    PAGE_SIZE,
    SENTENCES_RANGE,
    STORIES_RANGE,
    Command,
    CommandStore,
    Context,
    FeedInfo,
    Request,
    StatsInfo,
    reader_language,
    refuse_change,
)
from bot.commands.sources import _id, _sources
from bot.commands.subscriptions import (
    _alert,
    _alerts,
    _settings,
    _subscribe,
    _unalert,
    _unsubscribe,
    setting_named,
)
from bot.digest import chat_zone
from bot.query import HIT_END, HIT_START
from bot.records import DEFAULT_ZONE, Reply, Span
from bot.render import clean
from bot.texts import t
from summarizer import normalize

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
    "CommandStore",
    "Context",
    "FeedInfo",
    "Request",
    "Resolved",
    "StatsInfo",
    "chat_zone",
    "handle",
    "is_feed_url",
    "nothing_found",
    "reader_language",
    "resolve",
    "search_key",
]

# A name is letters (umlauts too: /überblick) and underscores; "/2" is not a command. The
# `@bot` suffix is Telegram's way to address one bot in a group.
_COMMAND = re.compile(r"^[/!]([^\W\d]{1,32})(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Resolved:
    """A message read as a command: the command (None for a name no command has), the name as
    typed (lower case, without `/`, `!` or `@bot`) and the arguments."""

    command: Command | None
    name: str
    args: str

    @property
    def changes(self) -> bool:
        """Whether it changes the chat, so only those who may manage the chat may run it."""
        changes = self.command.changes if self.command is not None else None
        return changes is not None and changes(self.args)

    @property
    def asks_manager(self) -> bool:
        """Whether the platform must say if the sender manages the chat: a change, or a chat's
        own feed added or removed (checked by its handler, as those may be operators' only)."""
        command = self.command
        own_feed = command is not None and command.chat_feeds and command.takes_args
        return self.changes or (own_feed and bool(self.args))


def resolve(text: str) -> Resolved | None:
    """The one reading of a message as a command (`/name@bot args`, `!name args`, any of the
    command's names); None when it is no command at all. Every question about a message (is it
    a command, which one, who may run it) is answered from this result, for every spelling."""
    # Lone surrogates and control characters can be neither stored nor sent anywhere; a
    # decomposed umlaut (o + U+0308, as macOS keyboards send it) is one letter from here on.
    match = _COMMAND.match(normalize(clean(text)).strip())
    if match is None:
        return None
    name = match.group(1).lower()
    return Resolved(_BY_NAME.get(name), name, (match.group(2) or "").strip())


def handle(text: str, ctx: Context, library: CommandStore) -> Reply | None:
    """Answer one chat message; None for chatter in a group (meant for people, not the bot)."""
    resolved = resolve(text)
    if resolved is None and (not ctx.private or not text.strip()):
        return None
    language = reader_language(library.chats.chat_language(ctx.chat), ctx.language)
    if resolved is None:
        return _not_a_command(text, language)
    command, name, args = resolved.command, resolved.name, resolved.args
    if command is None:
        return _no_such_command(name, language)
    if command.admin and not ctx.is_admin and not is_chat_feeds(command, ctx):
        return Reply.text(t(language, "admin_only", command="/" + name), ok=False)
    if resolved.changes and not ctx.may_manage:
        return refuse_change(ctx, language, name)
    if len(args) > MAX_ARGS:
        return Reply.text(t(language, "too_long", length=len(args), limit=MAX_ARGS), ok=False)
    if args and not command.takes_args:
        example = "/" + command.name
        return Reply.text(t(language, "extra_args", extra=args, example=example), ok=False)
    zone = chat_zone(library, ctx.chat, ctx.timezone)
    return command.run(Request(args, ctx, library, language, zone))


def _not_a_command(text: str, language: str) -> Reply:
    """What a private message that is no command gets: how commands start, or, for a command
    with a space after its slash (`/ hilfe`, as phones insert it), the command written right."""
    spaced = text.strip()
    if spaced[:1] in "/!" and spaced[1:2].isspace():
        meant = resolve(spaced[:1] + spaced[1:].lstrip())
        if meant is not None and meant.command is not None:
            typed = f"{spaced[:1]}{meant.name} {meant.args}".strip()
            hint = t(language, "command_space", command=typed, sign=spaced[:1])
            return Reply.text(hint, ok=False)
    return Reply.text(t(language, "not_a_command"), ok=False)


def _no_such_command(name: str, language: str) -> Reply:
    """`/sprache`: a setting's name says how to change it; any other name that it is unknown."""
    setting = setting_named(name)
    if setting is not None:
        hint = t(language, "setting_not_command", command="/" + name)
        return Reply.text(f"{hint} {setting.example(language)}", ok=False)
    return Reply.text(t(language, "unknown", command="/" + name), ok=False)


def _always(args: str) -> bool:
    return True


def _with_args(args: str) -> bool:
    """`/settings` alone shows the settings; with a name and value it changes one."""
    return bool(args.strip())


# /help lists the table, so it lives beside it.
def _help(req: Request) -> Reply:
    if req.args.strip():
        return _help_one(req, req.args.strip())
    lines: list[tuple[Span, ...]] = [(Span(t(req.language, "help_title"), bold=True),)]
    for command in COMMANDS.values():
        if command.admin and not req.ctx.is_admin and not is_chat_feeds(command, req.ctx):
            continue
        lines.append(_help_line(command, req.language))
    if req.ctx.chat.startswith(CONSOLE_PREFIX):
        lines.append((Span(t(req.language, "console_quit")),))
    return Reply(tuple(lines))


def _help_line(command: Command, language: str) -> tuple[Span, ...]:
    """`/search WÖRTER — Artikel suchen … (auch /suche)`: the German names in German."""
    usage = command.usage(language)
    line = " — " + command.help(language)
    if language == "de" and command.aliases:
        names = ", ".join("/" + a for a in command.aliases)
        line += " (" + t(language, "help_aliases", names=names) + ")"
    return (Span(usage, bold=True), Span(line))


def _help_one(req: Request, name: str) -> Reply:
    """`/help search`: that command's line, with its example, in the reader's language."""
    command = _BY_NAME.get(name.lstrip("/!").casefold())
    if command is None:
        return _no_such_command(name.lstrip("/!").casefold(), req.language)
    if command.admin and not req.ctx.is_admin and not is_chat_feeds(command, req.ctx):
        return Reply.text(t(req.language, "admin_only", command="/" + command.name), ok=False)
    return Reply((_help_line(command, req.language),))


def is_chat_feeds(command: Command, ctx: Context) -> bool:
    """An operator command open to a chat's managers for their own feeds, and they are open."""
    return command.chat_feeds and ctx.chat_feeds.enabled


# Chats in the terminal (transports/console.py); only there does /quit end the chat.
CONSOLE_PREFIX = "console:"


_TABLE = (
    Command("start", ("", ""), "Begrüßung und erste Schritte", "Welcome and first steps", _start),
    Command("help", ("", ""), "Alle Befehle", "Every command", _help, aliases=("hilfe",)),
    Command(
        "digest",
        ("[TAG]", "[DAY]"),
        "Die wichtigsten Nachrichten seit deinem letzten Überblick (sonst 24 Stunden); "
        "mit Tag die Nachrichten dieses Tages, z. B. /digest gestern",
        "The main news since your last digest (else the last 24 hours); with a day that "
        "day's news, e.g. /digest yesterday",
        _digest,
        aliases=("überblick",),
    ),
    Command(
        "search",
        ("WÖRTER", "WORDS"),
        "Artikel suchen, z. B. /search venezuela -kreml „genaue Wortfolge“ "
        "seit:2025-11-01 quelle:dpa",
        "Search articles, e.g. /search venezuela -kremlin “exact phrase” "
        "since:2025-11-01 source:dpa",
        _search,
        aliases=("suche",),
    ),
    Command(
        "latest",
        ("[ANZAHL]", "[COUNT]"),
        "Die neuesten Artikel (/latest 20: die 20 neuesten)",
        "The newest articles (/latest 20: the 20 newest)",
        _latest,
        aliases=("neueste",),
    ),
    Command(
        "article",
        ("NUMMER", "NUMBER"),
        "Einen Artikel ganz lesen (die Nummer steht im Überblick und bei jedem Treffer)",
        "Read one article in full (the number is in the digest and at each result)",
        _article,
        aliases=("artikel",),
        button=True,
    ),
    Command(
        "archive",
        ("[DATUM] [SEITE]", "[DATE] [PAGE]"),
        "Den Überblick eines Tages so, wie ich ihn geschickt habe (/archiv 2.1.2026, "
        "/archiv gestern; ohne Datum den letzten; ein langer seitenweise: /archiv 2.1.2026 2)",
        "A day's digest exactly as I sent it (/archive 2026-01-02, /archive yesterday; "
        "with no date the latest; a long one page by page: /archive 2026-01-02 2)",
        _archive,
        button=True,
        aliases=("archiv",),
    ),
    Command(
        "subscribe",
        (
            "HH:MM [HH:MM …] [mo-fr] [ZEITZONE] [jetzt]",
            "HH:MM [HH:MM …] [weekdays] [TIME_ZONE] [now]",
        ),
        "Täglichen Überblick abonnieren, z. B. /subscribe 07:30, zweimal: /subscribe 07:00 18:00 "
        "(mit „jetzt“: den ersten sofort)",
        "Get a daily digest, e.g. /subscribe 07:30, twice: /subscribe 07:00 18:00 "
        "(with “now”: the first one at once)",
        _subscribe,
        changes=_always,
        aliases=("abo", "abonnieren"),
    ),
    Command(
        "unsubscribe",
        ("", ""),
        "Täglichen Überblick abbestellen",
        "Stop the daily digest",
        _unsubscribe,
        changes=_always,
        takes_args=False,
        aliases=("abbestellen",),
    ),
    Command(
        "more",
        ("", ""),
        "Die nächsten Treffer der letzten Suche",
        "The next results of the last search",
        _more,
        aliases=("mehr",),
        button=True,
    ),
    Command(
        "settings",
        ("[NAME WERT]", "[NAME VALUE]"),
        "Einstellungen zeigen oder ändern, z. B. /settings sprache en",
        "Show or change settings, e.g. /settings language de",
        _settings,
        changes=_with_args,
        aliases=("einstellungen",),
    ),
    Command(
        "alert",
        ("WÖRTER [-WORT]", "WORDS [-WORD]"),
        "Bei neuen Artikeln mit diesen Wörtern Bescheid sagen (-wort schließt aus)",
        "Tell me about new articles with these words (-word excludes)",
        _alert,
        changes=_always,
        aliases=("alarm",),
    ),
    Command(
        "alerts",
        ("", ""),
        "Deine Alarme",
        "Your alerts",
        _alerts,
        takes_args=False,
        aliases=("alarme",),
    ),
    Command(
        "unalert",
        ("NUMMER", "NUMBER"),
        "Einen Alarm löschen (oder mit seinen Wörtern: /unalert Karibik)",
        "Remove an alert (or by its words: /unalert Karibik)",
        _unalert,
        changes=_always,
    ),
    Command(
        "sources",
        ("", ""),
        "Die Quellen zur Wahl und welche dieser Chat liest (/settings quellen …)",
        "The sources to choose from and which this chat reads (/settings sources …)",
        _sources,
        takes_args=False,
        aliases=("quellen",),
    ),
    Command(
        "id",
        ("", ""),
        "Die Kennungen dieses Chats und deine (für die Betreiber)",
        "This chat's id and yours (for the operators)",
        _id,
        takes_args=False,
    ),
    Command(
        "feeds",
        ("", ""),
        "Alle Feeds und wartende Anfragen (Betreiber); wo erlaubt, die eigenen Feeds des Chats",
        "Every feed and waiting request (operators); where allowed, the chat's own feeds",
        _feeds,
        admin=True,
        takes_args=False,
        chat_feeds=True,
    ),
    Command(
        "addfeed",
        ("URL", "URL"),
        "Feed eintragen (Betreiber: für alle; wo erlaubt, Admins eines Chats: nur für ihn)",
        "Add a feed (operators: for everyone; where allowed, a chat's admins: for it alone)",
        _addfeed,
        admin=True,
        chat_feeds=True,
        aliases=("feedeintragen",),
    ),
    Command(
        "removefeed",
        ("NUMMER", "NUMBER"),
        "Feed entfernen (Betreiber; wo erlaubt, Admins eines Chats: einen eigenen)",
        "Remove a feed (operators; where allowed, a chat's admins: one of its own)",
        _removefeed,
        admin=True,
        chat_feeds=True,
        aliases=("feedentfernen",),
    ),
    Command(
        "approvefeed",
        ("NUMMER", "NUMBER"),
        "Den eigenen Feed, um den ein Chat bittet, freigeben (Betreiber)",
        "Approve the own feed a chat asks for (operators)",
        _approvefeed,
        admin=True,
        aliases=("freigeben",),
        button=True,
    ),
    Command(
        "refusefeed",
        ("NUMMER", "NUMBER"),
        "Den eigenen Feed, um den ein Chat bittet, ablehnen (Betreiber)",
        "Refuse the own feed a chat asks for (operators)",
        _refusefeed,
        admin=True,
        aliases=("ablehnen",),
        button=True,
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
# Every name of every command → the command (tests check that no two commands share a name).
_BY_NAME: dict[str, Command] = {n: c for c in _TABLE for n in c.names}
