"""The chat command core: a command table, `parse(text)` and `handle(text, ctx, library)`.

Pure: transports turn platform messages into text and a `Context`, and render the `Reply`.
The database is reached only through the small `Library` protocol, which `store.Store` implements.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.digest import build_digest
from bot.query import MAX_WORD_LENGTH, MAX_WORDS, Query, fold, parse_query, words
from bot.records import (
    Alert,
    Article,
    Button,
    ChatSettings,
    Digest,
    Reply,
    SearchPage,
    Span,
    Subscription,
)
from bot.render import clean
from bot.texts import LANGUAGES, t

# Longer arguments are refused with a message rather than searched: no headline needs more.
MAX_ARGS = 1000
PAGE_SIZE = 5
LATEST = 10
DEFAULT_ZONE = "Europe/Berlin"
HIT_START, HIT_END = "\x02", "\x03"
_COMMAND = re.compile(r"^[/!]([A-Za-z_]{1,32})(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)
_PAGE = re.compile(r"(?i)\b(?:seite|page):(\d{1,4})\b")
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")
_MORE = re.compile(r"^(\d{1,4})(?:\s+([0-9a-f]{1,8}))?$")
MAX_ALERTS = 20
STORIES_RANGE = (1, 20)
SENTENCES_RANGE = (1, 5)


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
    def request_digest(self, chat: str, now: datetime) -> None: ...
    def chat_language(self, chat: str) -> str | None: ...
    def update_settings(
        self,
        chat: str,
        now: datetime,
        *,
        language: str | None = None,
        stories: int | None = None,
        sentences: int | None = None,
    ) -> ChatSettings: ...
    def add_alert(self, chat: str, words: tuple[str, ...], now: datetime) -> int: ...
    def alerts(self, chat: str) -> list[Alert]: ...
    def remove_alert(self, chat: str, alert_id: int) -> bool: ...
    def remember_search(self, chat: str, text: str, page: int) -> None: ...
    def last_search(self, chat: str) -> tuple[str, int] | None: ...
    def stats(self, now: datetime) -> StatsInfo: ...
    def feeds(self) -> Sequence[FeedInfo]: ...
    def add_feed(self, url: str, now: datetime, title: str | None = None) -> FeedInfo: ...
    def remove_feed(self, id: int) -> bool: ...


class StatsInfo(Protocol):
    """The figures `/stats` shows (the store's `Stats` record has these fields)."""

    @property
    def articles(self) -> int: ...
    @property
    def articles_24h(self) -> int: ...
    @property
    def feeds(self) -> int: ...
    @property
    def feeds_failing(self) -> int: ...
    @property
    def chats(self) -> int: ...
    @property
    def subscriptions(self) -> int: ...
    @property
    def alerts(self) -> int: ...


class FeedInfo(Protocol):
    """What `/feeds` shows of a feed (the store's `Feed` record has these fields)."""

    @property
    def id(self) -> int: ...
    @property
    def url(self) -> str: ...
    @property
    def title(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Context:
    """Who asks, where, and when: a platform-qualified chat key and an aware `now`."""

    chat: str
    now: datetime
    user: str = ""
    # The platform's hint (Telegram `language_code`); a language chosen in /settings wins.
    language: str | None = None
    is_admin: bool = False
    # The operator's default zone (config `timezone`) for chats that have not chosen one.
    timezone: str = DEFAULT_ZONE


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
    # Lone surrogates and control characters can be neither stored nor sent anywhere.
    parsed = parse(clean(text))
    if parsed is None:
        return None
    name, args = parsed
    language = reader_language(library.chat_language(ctx.chat), ctx.language)
    command = COMMANDS.get(name)
    if command is None:
        return Reply.text(t(language, "unknown", command="/" + name), ok=False)
    if command.admin and not ctx.is_admin:
        return Reply.text(t(language, "admin_only", command="/" + name), ok=False)
    if len(args) > MAX_ARGS:
        return Reply.text(t(language, "too_long", length=len(args), limit=MAX_ARGS), ok=False)
    return command.run(Request(args, ctx, library, language))


def reader_language(chosen: str | None, hint: str | None) -> str:
    """The chat's chosen language, else the platform's hint (`en-GB` → en), else German."""
    if chosen in LANGUAGES:
        return chosen
    short = (hint or "").split("-")[0].lower()
    return short if short in LANGUAGES else "de"


def alert_words(text: str) -> tuple[str, ...]:
    """The plain words of an alert, folded for case and umlauts, duplicates removed."""
    found = [fold(w) for w in words(text) if len(w) <= MAX_WORD_LENGTH]
    return tuple(dict.fromkeys(found))[:MAX_WORDS]


def alert_matches(alert: tuple[str, ...], text: str) -> bool:
    """True when every alert word occurs as a word of `text` (folded; no regular expressions)."""
    present = {fold(w) for w in words(text)}
    return bool(alert) and all(word in present for word in alert)


def search_key(text: str) -> str:
    """A short fingerprint of a search, so a stale "next" button is recognised."""
    return format(zlib.crc32(text.encode("utf-8", "surrogatepass")) & 0xFFFFFF, "x")


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
            # A merged story names each source's own headline, so no report is hidden.
            own = f": {link.title}" if link.title and link.title != story.headline else ""
            sources.append(Span(f"{own} ({_date(link.published, language)})"))
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
    return _search_page(req, text, page)


def _search_page(req: Request, text: str, page: int) -> Reply:
    query = parse_query(text)
    if query.problem == "bad-date":
        return Reply.text(t(req.language, "search_bad_date"), ok=False)
    if query.problem == "empty":
        return Reply.text(t(req.language, "search_usage"), ok=False)
    shown = " ".join(query.words)
    if query.problem == "common":
        return Reply.text(t(req.language, "search_common", query=shown), ok=False)
    result = req.library.search(query, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    if result.total == 0:
        return Reply.text(t(req.language, "search_none", query=shown), ok=False)
    pages = math.ceil(result.total / PAGE_SIZE)
    if not result.hits:
        return Reply.text(t(req.language, "more_end", query=shown), ok=False)
    req.library.remember_search(req.ctx.chat, text, page)
    key = search_key(text)
    total = f"{result.total}+" if result.capped else str(result.total)
    head = t(req.language, "search_head", total=total, query=shown, page=page, pages=pages)
    paragraphs: list[tuple[Span, ...]] = [(Span(head),)]
    for hit in result.hits:
        paragraphs.append(_article_line(hit.article, req.language))
        summary = " ".join(hit.article.summary[:2])
        paragraphs.append((Span(summary),) if summary else _marked(hit.snippet))
    buttons: list[Button] = []
    # Buttons carry only a page and a fingerprint (Telegram allows 64 bytes of callback data);
    # the search text itself stays in the store.
    if page > 1:
        buttons.append(Button(t(req.language, "prev"), f"/more {page - 1} {key}"))
    if page < pages:
        buttons.append(Button(t(req.language, "next"), f"/more {page + 1} {key}"))
    return Reply(tuple(paragraphs), buttons=tuple(buttons))


def _more(req: Request) -> Reply:
    last = req.library.last_search(req.ctx.chat)
    arg = req.args.strip().lower()
    match = _MORE.match(arg)
    if last is None or (arg and match is None):
        return Reply.text(t(req.language, "more_none"), ok=False)
    text, shown = last
    if match is None:
        return _search_page(req, text, shown + 1)
    if match.group(2) and match.group(2) != search_key(text):
        return Reply.text(t(req.language, "more_none"), ok=False)
    return _search_page(req, text, max(1, int(match.group(1))))


def _latest(req: Request) -> Reply:
    articles = req.library.latest(LATEST)
    if not articles:
        return Reply.text(t(req.language, "latest_none"))
    lines: list[tuple[Span, ...]] = [(Span(t(req.language, "latest_head"), bold=True),)]
    lines += [_article_line(a, req.language) for a in articles]
    return Reply(tuple(lines))


def _article(req: Request) -> Reply:
    article_id = _id_arg(req.args)
    if article_id is None:
        return Reply.text(t(req.language, "article_usage"), ok=False)
    article = req.library.article(article_id)
    if article is None:
        return Reply.text(t(req.language, "article_missing", id=article_id), ok=False)
    paragraphs: list[tuple[Span, ...]] = [_article_line(article, req.language)]
    if article.summary:
        paragraphs.append((Span(" ".join(article.summary)),))
    paragraphs += [(Span(p),) for p in article.body.split("\n\n") if p.strip()]
    return Reply(tuple(paragraphs))


_NOW_WORDS = frozenset({"jetzt", "sofort", "now"})


def _subscribe(req: Request) -> Reply:
    words = req.args.split()
    at_once = any(w.casefold() in _NOW_WORDS for w in words)
    parts = [w for w in words if w.casefold() not in _NOW_WORDS]
    if not parts or len(parts) > 2 or not _TIME.match(parts[0]):
        return Reply.text(t(req.language, "subscribe_usage"), ok=False)
    hour, minute = _TIME.match(parts[0]).groups()  # type: ignore[union-attr]
    zone = parts[1] if len(parts) == 2 else req.ctx.timezone
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return Reply.text(t(req.language, "subscribe_bad_zone", zone=zone), ok=False)
    at = f"{int(hour):02d}:{minute}"
    req.library.subscribe(Subscription(req.ctx.chat, at, zone, req.ctx.now), req.ctx.now)
    if at_once:
        req.library.request_digest(req.ctx.chat, req.ctx.now)
    _keep_language(req)
    first = t(req.language, "subscribed_now" if at_once else "subscribed_next", time=at)
    return Reply.text(t(req.language, "subscribed", time=at, zone=zone) + " " + first)


def _keep_language(req: Request) -> None:
    """Persist the language the reader got, so later replies (and digests) keep it."""
    if req.library.chat_language(req.ctx.chat) != req.language:
        req.library.update_settings(req.ctx.chat, req.ctx.now, language=req.language)


def _unsubscribe(req: Request) -> Reply:
    if req.library.unsubscribe(req.ctx.chat):
        return Reply.text(t(req.language, "unsubscribed"))
    return Reply.text(t(req.language, "not_subscribed"))


_SETTING_KEYS = {
    "sprache": "language",
    "language": "language",
    "lang": "language",
    "zeit": "time",
    "uhrzeit": "time",
    "time": "time",
    "zone": "zone",
    "zeitzone": "zone",
    "timezone": "zone",
    "tz": "zone",
    "meldungen": "stories",
    "anzahl": "stories",
    "stories": "stories",
    "satze": "sentences",
    "saetze": "sentences",
    "lange": "sentences",
    "laenge": "sentences",
    "sentences": "sentences",
    "summary": "sentences",
}


def _show_settings(req: Request) -> Reply:
    settings = req.library.settings(req.ctx.chat)
    sub = req.library.subscription(req.ctx.chat)
    off = t(req.language, "settings_off")
    text = t(
        req.language,
        "settings_show",
        name=f"{t(req.language, 'language_name')} ({req.language})",
        time=sub.time if sub else off,
        zone=sub.timezone if sub else req.ctx.timezone,
        stories=settings.stories,
        sentences=settings.sentences,
    )
    return Reply.text(text)


def _number(req: Request, value: str, bounds: tuple[int, int]) -> int | Reply:
    low, high = bounds
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
        return Reply.text(t(req.language, "settings_bad_number", low=low, high=high), ok=False)
    return int(value)


def _settings(req: Request) -> Reply:
    parts = req.args.split()
    if not parts:
        return _show_settings(req)
    key = _SETTING_KEYS.get(fold(parts[0]))
    if key is None or len(parts) != 2:
        return Reply.text(t(req.language, "settings_usage"), ok=False)
    value, chat, now = parts[1], req.ctx.chat, req.ctx.now
    if key == "language":
        chosen = value.lower()
        if chosen not in LANGUAGES:
            return Reply.text(t(req.language, "settings_bad_language"), ok=False)
        req.library.update_settings(chat, now, language=chosen)
        return Reply.text(t(chosen, "settings_saved"))
    if key in ("stories", "sentences"):
        number = _number(req, value, STORIES_RANGE if key == "stories" else SENTENCES_RANGE)
        if isinstance(number, Reply):
            return number
        if key == "stories":
            req.library.update_settings(chat, now, stories=number)
        else:
            req.library.update_settings(chat, now, sentences=number)
        _keep_language(req)
        return _show_settings(req)
    sub = req.library.subscription(chat)
    if sub is None:
        return Reply.text(t(req.language, "settings_need_subscription"), ok=False)
    at, zone = (value, sub.timezone) if key == "time" else (sub.time, value)
    reply = _subscribe(Request(f"{at} {zone}", req.ctx, req.library, req.language))
    return _show_settings(req) if reply.ok else reply


def _alert(req: Request) -> Reply:
    found = alert_words(req.args)
    if not found:
        return Reply.text(t(req.language, "alert_usage"), ok=False)
    if len(req.library.alerts(req.ctx.chat)) >= MAX_ALERTS:
        return Reply.text(t(req.language, "alert_limit", limit=MAX_ALERTS), ok=False)
    alert_id = req.library.add_alert(req.ctx.chat, found, req.ctx.now)
    _keep_language(req)
    return Reply.text(t(req.language, "alert_added", id=alert_id, words=" ".join(found)))


def _alerts(req: Request) -> Reply:
    alerts = req.library.alerts(req.ctx.chat)
    if not alerts:
        return Reply.text(t(req.language, "alerts_none"))
    lines: list[tuple[Span, ...]] = [(Span(t(req.language, "alerts_head"), bold=True),)]
    lines += [(Span(f"[{a.id}] "), Span(" ".join(a.words))) for a in alerts]
    return Reply(tuple(lines))


def _id_arg(args: str) -> int | None:
    arg = args.strip().lstrip("#[").rstrip("]")
    return int(arg) if arg.isascii() and arg.isdigit() and len(arg) <= 12 else None


def _unalert(req: Request) -> Reply:
    alert_id = _id_arg(req.args)
    if alert_id is None:
        return Reply.text(t(req.language, "unalert_usage"), ok=False)
    if req.library.remove_alert(req.ctx.chat, alert_id):
        return Reply.text(t(req.language, "unalert_done", id=alert_id))
    return Reply.text(t(req.language, "unalert_missing", id=alert_id), ok=False)


def _feeds(req: Request) -> Reply:
    feeds = req.library.feeds()
    if not feeds:
        return Reply.text(t(req.language, "feeds_none"))
    lines: list[tuple[Span, ...]] = [(Span(t(req.language, "feeds_head"), bold=True),)]
    for feed in feeds:
        title = f"{feed.title} — " if feed.title else ""
        lines.append((Span(f"[{feed.id}] {title}"), Span(feed.url)))
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
    feed = req.library.add_feed(url, req.ctx.now)
    return Reply.text(t(req.language, "addfeed_done", id=feed.id, url=feed.url))


def _removefeed(req: Request) -> Reply:
    feed_id = _id_arg(req.args)
    if feed_id is None:
        return Reply.text(t(req.language, "removefeed_usage"), ok=False)
    if req.library.remove_feed(feed_id):
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
