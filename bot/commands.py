"""The chat command core: a command table, `parse(text)` and `handle(text, ctx, library)`.

Pure: transports turn platform messages into text and a `Context`, and render the `Reply`.
The database is reached only through the small `Library` protocol, which `store.Store` implements.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.digest import build_digest
from bot.query import Query, parse_query
from bot.records import (
    Article,
    Button,
    ChatSettings,
    Digest,
    Reply,
    SearchPage,
    Span,
    Subscription,
)
from bot.texts import t

# Longer arguments are refused with a message rather than searched: no headline needs more.
MAX_ARGS = 1000
PAGE_SIZE = 5
LATEST = 10
DEFAULT_ZONE = "Europe/Berlin"
HIT_START, HIT_END = "\x02", "\x03"
_COMMAND = re.compile(r"^[/!]([A-Za-z_]{1,32})(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)
_PAGE = re.compile(r"(?i)\b(?:seite|page):(\d{1,4})\b")
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


class Library(Protocol):
    """What the command core needs from the store."""

    def search(self, query: Query, limit: int, offset: int = 0) -> SearchPage: ...
    def latest(self, limit: int) -> list[Article]: ...
    def article(self, article_id: int) -> Article | None: ...
    def articles_since(self, since: datetime, until: datetime | None = None) -> list[Article]: ...
    def settings(self, chat: str) -> ChatSettings: ...
    def subscribe(self, sub: Subscription, now: datetime) -> None: ...
    def unsubscribe(self, chat: str) -> bool: ...
    def subscription(self, chat: str) -> Subscription | None: ...


@dataclass(frozen=True, slots=True)
class Context:
    """Who asks, where, and when: a platform-qualified chat key and an aware `now`."""

    chat: str
    now: datetime
    user: str = ""
    language: str | None = None
    is_admin: bool = False


@dataclass(frozen=True, slots=True)
class Request:
    """One parsed command with everything a handler needs."""

    args: str
    ctx: Context
    library: Library
    language: str


@dataclass(frozen=True, slots=True)
class Command:
    """A chat command: name, argument synopsis, help in German and English, handler."""

    name: str
    synopsis: str
    help_de: str
    help_en: str
    run: Callable[[Request], Reply]
    admin: bool = False

    def help(self, language: str) -> str:
        """The help line in the reader's language."""
        return self.help_en if language == "en" else self.help_de


def parse(text: str) -> tuple[str, str] | None:
    """Split `/name@bot args` (or `!name args`) into (name, args); None for non-commands."""
    match = _COMMAND.match(text.strip())
    if not match:
        return None
    return match.group(1).lower(), (match.group(2) or "").strip()


def handle(text: str, ctx: Context, library: Library) -> Reply | None:
    """Answer one chat message; None when it is not a command at all."""
    parsed = parse(text)
    if parsed is None:
        return None
    name, args = parsed
    language = ctx.language or library.settings(ctx.chat).language
    command = COMMANDS.get(name)
    if command is None:
        return Reply.text(t(language, "unknown", command="/" + name), ok=False)
    if len(args) > MAX_ARGS:
        return Reply.text(t(language, "too_long", length=len(args), limit=MAX_ARGS), ok=False)
    return command.run(Request(args, ctx, library, language))


# --- replies --------------------------------------------------------------------------------


def _date(value: datetime | None, language: str) -> str:
    if value is None:
        return t(language, "undated")
    local = value.astimezone(ZoneInfo(DEFAULT_ZONE))
    return (
        local.strftime("%d.%m.%Y %H:%M")
        if local.hour or local.minute
        else local.strftime("%d.%m.%Y")
    )


def _marked(text: str) -> tuple[Span, ...]:
    """Turn FTS snippet markers into bold spans."""
    spans: list[Span] = []
    for i, part in enumerate(re.split(f"[{HIT_START}{HIT_END}]", text)):
        if part:
            spans.append(Span(part, bold=i % 2 == 1))
    return tuple(spans)


def _article_line(article: Article, language: str) -> tuple[Span, ...]:
    return (
        Span(f"[{article.id}] "),
        Span(article.title, bold=True, url=article.url),
        Span(f" — {article.source}, {_date(article.published, language)}"),
    )


def render_digest(digest: Digest, language: str) -> Reply:
    """A digest as a reply: a heading, then each story with summary and sources."""
    head = (Span(t(language, "digest_head", date=digest.date.strftime("%d.%m.%Y")), bold=True),)
    if not digest.stories:
        return Reply((head, (Span(t(language, "digest_empty")),)))
    paragraphs: list[tuple[Span, ...]] = [head]
    for number, story in enumerate(digest.stories, 1):
        paragraphs.append((Span(f"{number}. "), Span(story.headline, bold=True)))
        if story.summary:
            paragraphs.append((Span(" ".join(story.summary)),))
        sources: list[Span] = [Span(t(language, "sources") + ": ")]
        for i, link in enumerate(story.links):
            if i:
                sources.append(Span(", "))
            sources.append(Span(link.name, url=link.url))
            sources.append(Span(f" ({_date(link.published, language)})"))
        paragraphs.append(tuple(sources))
    return Reply(tuple(paragraphs))


def digest_for(library: Library, chat: str, now: datetime, language: str) -> Digest:
    """The digest a chat gets now: what arrived in the last 24 hours."""
    settings = library.settings(chat)
    since = now - timedelta(hours=24)
    sub = library.subscription(chat)
    zone = ZoneInfo(sub.timezone if sub else DEFAULT_ZONE)
    articles = library.articles_since(since)
    return build_digest(
        articles,
        day=now.astimezone(zone).date(),
        since=since,
        stories=settings.stories,
        sentences=settings.sentences,
    )


# --- handlers -------------------------------------------------------------------------------


def _start(req: Request) -> Reply:
    return Reply.text(t(req.language, "welcome"))


def _help(req: Request) -> Reply:
    lines: list[tuple[Span, ...]] = [(Span(t(req.language, "help_title"), bold=True),)]
    for command in COMMANDS.values():
        if command.admin and not req.ctx.is_admin:
            continue
        usage = f"/{command.name}" + (f" {command.synopsis}" if command.synopsis else "")
        lines.append((Span(usage, bold=True), Span(" — " + command.help(req.language))))
    return Reply(tuple(lines))


def _digest(req: Request) -> Reply:
    digest = digest_for(req.library, req.ctx.chat, req.ctx.now, req.language)
    return render_digest(digest, req.language)


def _search(req: Request) -> Reply:
    page_match = _PAGE.search(req.args)
    page = max(1, int(page_match.group(1))) if page_match else 1
    text = _PAGE.sub(" ", req.args).strip()
    query = parse_query(text)
    if query.problem == "bad-date":
        return Reply.text(t(req.language, "search_bad_date"), ok=False)
    if query.problem == "empty":
        return Reply.text(t(req.language, "search_usage"), ok=False)
    shown = " ".join(query.words)
    result = req.library.search(query, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    if result.total == 0:
        return Reply.text(t(req.language, "search_none", query=shown), ok=False)
    pages = math.ceil(result.total / PAGE_SIZE)
    head = t(req.language, "search_head", total=result.total, query=shown, page=page, pages=pages)
    paragraphs: list[tuple[Span, ...]] = [(Span(head),)]
    for hit in result.hits:
        paragraphs.append(_article_line(hit.article, req.language))
        summary = " ".join(hit.article.summary[:2])
        paragraphs.append((Span(summary),) if summary else _marked(hit.snippet))
    buttons: list[Button] = []
    if page > 1:
        buttons.append(Button(t(req.language, "prev"), f"/search {text} seite:{page - 1}"))
    if page < pages:
        buttons.append(Button(t(req.language, "next"), f"/search {text} seite:{page + 1}"))
    return Reply(tuple(paragraphs), buttons=tuple(buttons))


def _latest(req: Request) -> Reply:
    articles = req.library.latest(LATEST)
    if not articles:
        return Reply.text(t(req.language, "latest_none"))
    lines: list[tuple[Span, ...]] = [(Span(t(req.language, "latest_head"), bold=True),)]
    lines += [_article_line(a, req.language) for a in articles]
    return Reply(tuple(lines))


def _article(req: Request) -> Reply:
    arg = req.args.strip().lstrip("#[").rstrip("]")
    if not arg.isdigit() or len(arg) > 12:
        return Reply.text(t(req.language, "article_usage"), ok=False)
    article = req.library.article(int(arg))
    if article is None:
        return Reply.text(t(req.language, "article_missing", id=arg), ok=False)
    paragraphs: list[tuple[Span, ...]] = [_article_line(article, req.language)]
    if article.summary:
        paragraphs.append((Span(" ".join(article.summary)),))
    paragraphs += [(Span(p),) for p in article.body.split("\n\n") if p.strip()]
    return Reply(tuple(paragraphs))


def _subscribe(req: Request) -> Reply:
    parts = req.args.split()
    if not parts or len(parts) > 2 or not _TIME.match(parts[0]):
        return Reply.text(t(req.language, "subscribe_usage"), ok=False)
    hour, minute = _TIME.match(parts[0]).groups()  # type: ignore[union-attr]
    zone = parts[1] if len(parts) == 2 else DEFAULT_ZONE
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return Reply.text(t(req.language, "subscribe_bad_zone", zone=zone), ok=False)
    at = f"{int(hour):02d}:{minute}"
    req.library.subscribe(Subscription(req.ctx.chat, at, zone, req.ctx.now), req.ctx.now)
    return Reply.text(t(req.language, "subscribed", time=at, zone=zone))


def _unsubscribe(req: Request) -> Reply:
    if req.library.unsubscribe(req.ctx.chat):
        return Reply.text(t(req.language, "unsubscribed"))
    return Reply.text(t(req.language, "not_subscribed"))


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
        "HH:MM [Zone]",
        "Täglichen Überblick abonnieren, z. B. /subscribe 07:30",
        "Get a daily digest, e.g. /subscribe 07:30",
        _subscribe,
    ),
    Command(
        "unsubscribe",
        "",
        "Täglichen Überblick abbestellen",
        "Stop the daily digest",
        _unsubscribe,
    ),
)
COMMANDS: dict[str, Command] = {c.name: c for c in _TABLE}
