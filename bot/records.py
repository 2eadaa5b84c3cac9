"""Records passed between the stages: plain frozen dataclasses that know nothing of SQL or chats."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# The zone dates are read and shown in unless a chat or the operator chose another.
DEFAULT_ZONE = "Europe/Berlin"
# Config `chat_feeds`, who may add a feed for their own chat; the first is the default
# ("off": operators only, to the shared pool; "admins": a chat's admins at once; "approve":
# they ask, an operator decides).
CHAT_FEEDS_MODES = ("off", "admins", "approve")


@dataclass(frozen=True, slots=True)
class Link:
    """One source's version of a story: where a reader can go."""

    name: str
    title: str
    url: str | None
    published: datetime | None


@dataclass(frozen=True, slots=True)
class Article:
    """A stored article: clean title, date, source and body, with its summary."""

    id: int
    title: str
    source: str
    body: str
    summary: tuple[str, ...]
    published: datetime | None
    fetched: datetime
    url: str | None = None
    language: str = "de"
    content_hash: str = ""
    links: tuple[Link, ...] = ()
    # The chat feed (a chat's own, `/addfeed` by its admins) it came from: only the chats that
    # added that feed get it. None: the operator's shared pool, which every chat reads.
    chat_feed: int | None = None
    kicker: str = ""  # the label above the headline ("Bundesliga, 13. Spieltag"), or ""

    @property
    def when(self) -> datetime:
        """The best known time of the article: published, else fetched."""
        return self.published or self.fetched


@dataclass(frozen=True, slots=True)
class NewArticle:
    """An article as ingest hands it to the store, before it has an id."""

    title: str
    source: str
    body: str
    summary: tuple[str, ...]
    published: datetime | None
    url: str | None = None
    language: str = "de"
    origin: str | None = None
    # The chat feed it came from (see `Article.chat_feed`); None: the shared pool.
    chat_feed: int | None = None

    def as_read(self, now: datetime) -> NewArticle:
        """The article as stored when read at `now`: a date ahead of the clock (a feed's zone
        mistaken, a typo) is clamped to `now`, so it cannot sort above all news."""
        if self.published is not None and self.published > now:
            return replace(self, published=now)
        return self

    kicker: str = ""  # the label above the headline, searched like the lead


@dataclass(frozen=True, slots=True)
class Feed:
    """An RSS/Atom feed we poll: its state after the last fetch and when to fetch it next."""

    id: int
    url: str
    title: str | None
    failures: int
    error: str | None
    last_fetched: datetime | None
    next_fetch: datetime | None
    etag: str | None = None
    last_modified: str | None = None
    # A chat's own feed (`/addfeed` by a chat's admins): its items reach only the chats that
    # added it. False: the operator's shared pool.
    chats_only: bool = False

    @property
    def health(self) -> str:
        """A feed's health, one notion for every view: `new`, `ok`, `retrying` or `failing`.

        `failing` after FEED_FAILING_AFTER failed polls in a row (what /stats and status count);
        `retrying` after fewer, which a working feed sometimes has.
        """
        if self.is_failing:
            return "failing"
        if self.failures:
            return "retrying"
        return "new" if self.last_fetched is None else "ok"

    @property
    def is_failing(self) -> bool:
        """True after repeated failures in a row: the feed is shown as broken until it recovers."""
        return self.failures >= FEED_FAILING_AFTER


# A feed that failed this many polls in a row is reported as broken (it is still retried).
FEED_FAILING_AFTER = 3


@dataclass(frozen=True, slots=True)
class ChatFeed:
    """A chat's own feed, or its request for one: `waiting` for an operator (approve mode) or
    `active` (polled as `feed_id`, its items reach this chat). `id` is what /removefeed and
    /approvefeed take."""

    id: int
    chat: str
    url: str
    title: str | None
    status: str
    added: datetime
    feed_id: int | None = None
    # Who asked (a platform-qualified user id), for the operators' message.
    user: str = ""


@dataclass(frozen=True, slots=True)
class FeedCheck:
    """One trial fetch of a URL someone wants to add as a feed: its title, or why not.

    `problem` is None for a feed, else `not_feed`, `missing` (404, 410), `status` (another
    HTTP error, in `status`), `timeout`, `too_large`, `refused` or `unreachable`.
    """

    url: str
    problem: str | None = None
    status: int | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One ranked search result with a snippet of the matched words."""

    article: Article
    snippet: str


@dataclass(frozen=True, slots=True)
class SearchPage:
    """A page of search results and how many there are in all.

    When `capped`, there are more than `total` matches and only the first `total` can be paged
    through: show the count as "1000+".
    """

    hits: tuple[SearchHit, ...]
    total: int
    offset: int
    capped: bool = False
    # On the last page of a search of several words: articles with all of them but one.
    related: tuple[SearchHit, ...] = ()


@dataclass(frozen=True, slots=True)
class Story:
    """Articles from one or more sources about the same event, merged into one digest entry."""

    headline: str
    summary: tuple[str, ...]
    links: tuple[Link, ...]
    article_ids: tuple[int, ...]
    latest: datetime
    kicker: str = ""  # the label above the headline, from the article the entry speaks with
    url: str | None = None  # where that article is: the headline's link
    # Reported before the digest's window, first stored in it (`bot.digest.is_older`).
    older: bool = False


@dataclass(frozen=True, slots=True)
class Digest:
    """The stories a chat gets for one day."""

    date: date
    stories: tuple[Story, ...]
    since: datetime


@dataclass(frozen=True, slots=True)
class ChatSettings:
    """What a chat chose: language, digest size, summary length, empty days, keyword filter,
    breaking stories, quiet hours, time zone.

    The one record of these settings and their defaults (`-word` keywords exclude; `quiet` is
    `HH:MM-HH:MM` in the chat's zone, "" for none; `zone` None: the operator's default).
    """

    language: str = "de"
    stories: int = 5
    sentences: int = 2
    send_empty: bool = True
    keywords: tuple[str, ...] = ()
    breaking: bool = False
    quiet: str = ""
    zone: str | None = None
    # Digests, alerts and breaking stories without a notification sound; with link previews.
    silent: bool = False
    previews: bool = False
    # The outlets the chat reads (digest, alerts, breaking stories); () every outlet.
    sources: tuple[str, ...] = ()
    # The chat's own feeds (`/addfeed`, their feed ids) whose items it gets besides the pool.
    feeds: tuple[int, ...] = ()

    def reads(self, source: str) -> bool:
        """Whether the chat chose this outlet (any case), or chose none and reads every one."""
        return not self.sources or source.casefold() in {s.casefold() for s in self.sources}

    def may_see(self, article: Article) -> bool:
        """Whether the article may reach this chat at all: from the shared pool, or from a feed
        the chat added itself (another chat's own feed never reaches it)."""
        return article.chat_feed is None or article.chat_feed in self.feeds

    def sees(self, article: Article) -> bool:
        """Whether the chat gets this article in its digest and alerts: it may see it, and its
        outlet, or one that carried it word for word (a link), is one the chat reads (its own
        feeds are always read)."""
        if article.chat_feed is not None:
            return article.chat_feed in self.feeds
        return self.reads(article.source) or any(self.reads(link.name) for link in article.links)


@dataclass(frozen=True, slots=True)
class Subscription:
    """A chat's digest at one or more local times a day in its own time zone, every day or
    on weekdays only (`days` is CronTrigger's day_of_week, "mon-fri"; "" every day)."""

    chat: str
    time: str
    timezone: str = DEFAULT_ZONE
    created: datetime | None = None
    # Further times of day after `time` (`/subscribe 07:00 18:00`), ascending.
    more_times: tuple[str, ...] = ()
    days: str = ""

    @property
    def times(self) -> tuple[str, ...]:
        """Every time of day a digest comes, the first one first."""
        return (self.time, *self.more_times)


@dataclass(frozen=True, slots=True)
class Alert:
    """A chat's keyword alert: plain words, already folded for case and umlauts."""

    id: int
    chat: str
    words: tuple[str, ...]
    created: datetime | None = None


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button: a label and the command it sends back."""

    label: str
    command: str


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text in a reply, optionally bold or a link."""

    text: str
    bold: bool = False
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """What a command answers: paragraphs of spans, plus optional buttons.

    Transports render it for their platform; the core never writes markup.
    """

    paragraphs: tuple[tuple[Span, ...], ...]
    buttons: tuple[Button, ...] = ()
    link_previews: bool = False
    ok: bool = True
    # The chat's digest of this date rides on the reply (`/subscribe … jetzt`): once sent it
    # is archived and the chat's next digest starts from it, as with a scheduled one.
    digest_of: date | None = None
    # None: a command reply, sent the platform's usual way. For a push (digest, alert,
    # breaking story): True without a notification sound (Telegram disable_notification,
    # Matrix m.notice), False with one (Matrix m.text). See `as_push`.
    silent: bool | None = None
    # A URL to fetch once before the command can answer (/addfeed checks that it is a feed):
    # the app fetches it and calls `bot.commands.finish_addfeed`; this reply is not sent.
    fetch: str | None = None
    # Messages to other chats that this answer brings, (chat, reply): a chat's feed request
    # told to the operators, an operator's decision told to the chat that asked.
    notices: tuple[tuple[str, Reply], ...] = ()

    @classmethod
    def text(cls, *paragraphs: str, ok: bool = True) -> Reply:
        """A reply of plain paragraphs."""
        return cls(tuple((Span(p),) for p in paragraphs), ok=ok)


def as_push(reply: Reply, settings: ChatSettings) -> Reply:
    """A digest, alert or breaking story as the chat chose to get it: quiet, with previews."""
    return replace(reply, silent=settings.silent, link_previews=settings.previews)


@dataclass(frozen=True, slots=True)
class ArchivedDigest:
    """A digest as it was sent to a chat: its date (in the chat's zone), when, and the reply."""

    date: date
    sent: datetime
    reply: Reply


# A page that gives only a date is stored as midnight in this zone (summarizer/dates.py).
_DATES_ZONE = ZoneInfo("Europe/Berlin")
# Sources stored before unknown ones were left empty carry this placeholder as data.
_UNKNOWN_SOURCES = frozenset({"", "unbekannt"})


def date_only(value: datetime) -> date | None:
    """The calendar date of a date given without a time (stored as midnight Berlin), else None."""
    local = value.astimezone(_DATES_ZONE)
    if local.hour or local.minute or local.second or local.microsecond:
        return None
    return local.date()


def in_zone(value: datetime, zone: str) -> datetime:
    """A report's own time as a reader in `zone` places it: a date alone is that day's midnight
    there (not Berlin's midnight, which is the day before in New York)."""
    day = date_only(value)
    return value if day is None else datetime.combine(day, time(0), ZoneInfo(zone))


def reported_before(value: datetime, since: datetime, zone: str) -> bool:
    """True when a report's own date lies before `since`: its time, or for a date alone its
    whole day (in `zone`): a report dated today may be from any hour of it."""
    day = date_only(value)
    return value < since if day is None else day < since.astimezone(ZoneInfo(zone)).date()


def dates_lag(zone: str, at: datetime) -> timedelta:
    """How far a date alone, stored as midnight in the dates zone, lies before that day's
    midnight in `zone` (New York: 6 hours; zones east of Berlin: none)."""
    ahead = at.astimezone(_DATES_ZONE).utcoffset() or timedelta(0)
    local = at.astimezone(ZoneInfo(zone)).utcoffset() or timedelta(0)
    return max(ahead - local, timedelta(0))


def to_iso(value: datetime | None) -> str | None:
    """A date or time as JSON data: `2026-11-28` for a date alone, else the full ISO time."""
    if value is None:
        return None
    day = date_only(value)
    return day.isoformat() if day is not None else value.isoformat()


def known_source(name: str | None) -> str | None:
    """The source's name, or None when it is not known (presentation shows a placeholder)."""
    return None if name is None or name.strip() in _UNKNOWN_SOURCES else name
