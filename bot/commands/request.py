"""What every command shares: the store protocols, Context, Request, Command and the limits."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.digest import MAX_SENTENCES
from bot.query import Query
from bot.records import (
    CHAT_FEEDS_MODES,
    DEFAULT_ZONE,
    Alert,
    ArchivedDigest,
    Article,
    ChatFeed,
    ChatSettings,
    Reply,
    SearchPage,
    Subscription,
)
from bot.texts import LANGUAGES, t
from bot.vocabulary import keyboard_spelling

# Longer arguments are refused with a message rather than searched: no headline needs more.
MAX_ARGS = 1000
PAGE_SIZE = 5
LATEST = 10
# The most articles `/latest N` lists in one reply.
MAX_LATEST = 20
MAX_ALERTS = 20
STORIES_RANGE = (1, 20)
# A summary sentence count the digest can show (its entries hold at most MAX_SENTENCES).
SENTENCES_RANGE = (1, MAX_SENTENCES)


# What the command core needs from the store, one small protocol per part; each command family
# uses the parts it needs (news: articles, index, chats; subscriptions: chats, deliveries;
# admin: feeds and the store's figures). `bot.store.Store` has every part.


class ArticlesPart(Protocol):
    """Stored articles, read."""

    def latest(self, limit: int, feeds: Sequence[int] | None = None) -> list[Article]: ...
    def article(self, article_id: int) -> Article | None: ...
    def articles_since(self, since: datetime, until: datetime | None = None) -> list[Article]: ...
    def sources(self) -> list[str]: ...


class IndexPart(Protocol):
    """Full-text search."""

    def search(self, query: Query, limit: int, offset: int = 0) -> SearchPage: ...


class ChatsPart(Protocol):
    """A chat's settings, subscription, alerts and last search."""

    def settings(self, chat: str) -> ChatSettings: ...
    def subscribe(self, sub: Subscription, now: datetime) -> None: ...
    def unsubscribe(self, chat: str) -> bool: ...
    def subscription(self, chat: str) -> Subscription | None: ...
    def digest_keywords(self, chat: str) -> tuple[str, ...]: ...
    def chat_language(self, chat: str) -> str | None: ...
    def update_settings(
        self,
        chat: str,
        now: datetime,
        *,
        language: str | None = None,
        stories: int | None = None,
        sentences: int | None = None,
        send_empty: bool | None = None,
        breaking: bool | None = None,
        quiet: str | None = None,
        zone: str | None = None,
        silent: bool | None = None,
        previews: bool | None = None,
        sources: tuple[str, ...] | None = None,
    ) -> ChatSettings: ...
    def set_digest_keywords(self, chat: str, keywords: Sequence[str], now: datetime) -> None: ...
    def add_alert(
        self, chat: str, words: tuple[str, ...], now: datetime, *, limit: int | None = None
    ) -> int | None: ...
    def alerts(self, chat: str) -> list[Alert]: ...
    def remove_alert(self, chat: str, alert_id: int) -> bool: ...
    def remember_search(self, chat: str, text: str, page: int) -> None: ...
    def last_search(self, chat: str) -> tuple[str, int] | None: ...


class DeliveriesPart(Protocol):
    """When a chat last got its digest."""

    def last_digest_at(self, chat: str) -> datetime | None: ...


class FeedsPart(Protocol):
    """The feed list."""

    def all(self) -> Sequence[FeedInfo]: ...
    def add_feed(self, url: str, now: datetime, title: str | None = None) -> FeedInfo: ...
    def remove_feed(self, feed_id: int) -> bool: ...


class ChatFeedsPart(Protocol):
    """A chat's own feeds and the requests waiting for an operator."""

    def add(
        self,
        chat: str,
        url: str,
        now: datetime,
        *,
        title: str | None,
        user: str,
        active: bool,
        limits: tuple[int, int] | None = None,
    ) -> tuple[ChatFeed | None, bool]: ...
    def approve(self, entry_id: int, now: datetime) -> ChatFeed | None: ...
    def refuse(self, entry_id: int) -> ChatFeed | None: ...
    def remove(self, chat: str, entry_id: int) -> ChatFeed | None: ...
    def entry(self, entry_id: int) -> ChatFeed | None: ...
    def of_chat(self, chat: str) -> list[ChatFeed]: ...
    def waiting(self) -> list[ChatFeed]: ...
    def count(self) -> int: ...


class ArchivePart(Protocol):
    """The digests as they were sent."""

    def archived_digests(self, chat: str, day: date | None = None) -> list[ArchivedDigest]: ...


class CommandStore(Protocol):
    """The store as the command core sees it: its parts, and the figures of `/stats`."""

    @property
    def articles(self) -> ArticlesPart: ...
    @property
    def index(self) -> IndexPart: ...
    @property
    def chats(self) -> ChatsPart: ...
    @property
    def deliveries(self) -> DeliveriesPart: ...
    @property
    def feeds(self) -> FeedsPart: ...
    @property
    def archive(self) -> ArchivePart: ...
    @property
    def chat_feeds(self) -> ChatFeedsPart: ...
    def stats(self, now: datetime) -> StatsInfo: ...


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
    @property
    def failures(self) -> int: ...
    @property
    def error(self) -> str | None: ...
    @property
    def health(self) -> str: ...
    @property
    def chats_only(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class ChatFeedRules:
    """What the operator allows of a chat's own feeds (config `chat_feeds`, its limits)."""

    # One of CHAT_FEEDS_MODES: "off": only operators add feeds (to the shared pool);
    # "admins": a chat's admins add their own at once; "approve": they ask, an operator decides.
    mode: str = CHAT_FEEDS_MODES[0]
    per_chat: int = 5
    total: int = 200
    # Whether the bot has operators at all (config `admins`): approve mode needs one.
    has_operators: bool = False
    # The chats operators are told of requests in (a Telegram operator's private chat); the
    # others see them under /feeds.
    notify: tuple[str, ...] = ()

    @property
    def enabled(self) -> bool:
        """True when chats may have feeds of their own."""
        return self.mode != "off"


@dataclass(frozen=True, slots=True)
class Context:
    """Who asks, where, and when: a platform-qualified chat key and an aware `now`."""

    chat: str
    now: datetime
    user: str = ""
    # The platform's hint (Telegram `language_code`); a language chosen in /settings wins.
    language: str | None = None
    is_admin: bool = False
    # Whether this user may change this chat's settings and subscription: the platform decides
    # (the person in a private chat, a group's administrators, a room's power level) and
    # operators always may. Reading commands ignore it.
    may_manage: bool = True
    # Who may, for the refusal: None for a Telegram group's administrators, else the Matrix
    # power level the room asks for.
    manage_level: int | None = None
    # The operator's default zone (config `timezone`) for chats that have not chosen one.
    timezone: str = DEFAULT_ZONE
    # A one-to-one chat, where a message that is no command gets a hint (in a group it is
    # meant for people or another bot).
    private: bool = True
    # Internal hosts and networks the operator lets feeds reach (config `fetch_allow`).
    fetch_allow: tuple[str, ...] = ()
    # Whether and how chats may add feeds of their own (config `chat_feeds`).
    chat_feeds: ChatFeedRules = ChatFeedRules()


@dataclass(frozen=True, slots=True)
class Request:
    """One parsed command with everything a handler needs."""

    args: str
    ctx: Context
    library: CommandStore
    language: str
    # The zone every date in the reply is shown in: see `chat_zone`.
    zone: str

    @property
    def today(self) -> date:
        """The reader's date: now, in the chat's zone."""
        return self.ctx.now.astimezone(ZoneInfo(self.zone)).date()


@dataclass(frozen=True, slots=True)
class Command:
    """A chat command: its names, argument synopsis, help in German and English, handler.

    The command owns every name it answers to, so a rule about it (who may run it) holds for
    each spelling: `bot.commands.resolve` looks names up here and nowhere else.
    """

    # The English name: /help, Telegram's command menu and refusals in English use it.
    name: str
    # The arguments as (German, English) text, e.g. ("WÖRTER", "WORDS").
    synopsis: tuple[str, str]
    help_de: str
    help_en: str
    run: Callable[[Request], Reply]
    admin: bool = False
    # Whether these arguments change the chat (its digest, settings or alerts): then only
    # those who may manage the chat may run it. None: a reading command, open to everyone.
    changes: Callable[[str], bool] | None = None
    # False: anything after the name is refused with a hint rather than silently ignored.
    takes_args: bool = True
    # The other names it answers to: the German one where it differs (`abo`, `überblick`).
    aliases: tuple[str, ...] = ()
    # Whether the bot's own buttons carry it (paging, an operator's accept/refuse): a
    # Telegram button press naming any other command is ignored, since callback data may be
    # forged; the presser is checked like one who types it.
    button: bool = False
    # An operator command that, when the operator allows chats their own feeds, a chat's
    # managers may use too, for their own chat (/addfeed, /feeds, /removefeed).
    chat_feeds: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        """Every name, `name` first; one with an umlaut also in its keyboard spelling."""
        given = (self.name, *self.aliases)
        return tuple(dict.fromkeys((*given, *map(keyboard_spelling, given))))

    def help(self, language: str) -> str:
        """The help line in the reader's language."""
        return self.help_en if language == "en" else self.help_de

    def usage(self, language: str) -> str:
        """`/name ARGS` with the argument names in the reader's language."""
        args = self.synopsis[1] if language == "en" else self.synopsis[0]
        return f"/{self.name}" + (f" {args}" if args else "")


def refuse_change(ctx: Context, language: str, name: str) -> Reply:
    """One polite line: who may change this chat's digest, and that reading stays open."""
    if ctx.manage_level is None:
        text = t(language, "manage_refused_admins", command="/" + name)
    else:
        text = t(language, "manage_refused_level", command="/" + name, level=ctx.manage_level)
    return Reply.text(text, ok=False)


def reader_language(chosen: str | None, hint: str | None) -> str:
    """The chat's chosen language, else the platform's hint (`en-GB` → en), else German."""
    if chosen in LANGUAGES:
        return chosen
    short = (hint or "").split("-")[0].lower()
    return short if short in LANGUAGES else "de"


# SQLite's largest integer: a larger number is a fine number that names nothing stored.
MAX_ID = 2**63 - 1


def _id_arg(args: str) -> int | None:
    """`7`, `#7` or `[7]` → 7 (any length); None when it is not a number."""
    arg = args.strip().lstrip("#[").rstrip("]")
    return int(arg) if arg.isascii() and arg.isdigit() and len(arg) <= 100 else None


def is_stored_id(number: int) -> bool:
    """True when the number can name a stored row at all (SQLite integers are 64-bit)."""
    return 0 < number <= MAX_ID
