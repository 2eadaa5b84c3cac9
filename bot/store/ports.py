"""The store's ports: one protocol per part, and `Storage`, the whole store.

Every module outside `bot/store/` and the composition root should name these, never a concrete
store, so it cannot tell (and need not care) whether SQLite or PostgreSQL holds the data. Both
`bot.store.Store` (SQLite) and `bot.store.postgres.PostgresStore` satisfy `Storage`; mypy checks
each part against its protocol where the stores are built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, TypeVar

from bot.query import Query
from bot.records import (
    Alert,
    ArchivedDigest,
    Article,
    ChatSettings,
    Feed,
    Link,
    NewArticle,
    Reply,
    SearchPage,
    Subscription,
)
from bot.store.chat_feeds import ChatFeeds
from bot.store.deliveries import DeliveryEnd, DeliveryRow
from bot.store.operations import FailedDelivery, Stats
from bot.store.pushes import Push, PushLeft

T = TypeVar("T")


class ArticlesPart(Protocol):
    """The articles table: stored articles, their links, the URLs already seen."""

    def add_article(self, new: NewArticle, now: datetime) -> tuple[str, int]:
        """Store an article once; returns ("added" | "duplicate" | "shared", id)."""
        ...

    def add_articles(self, batch: Sequence[NewArticle], now: datetime) -> list[tuple[str, int]]:
        """Store a batch in one transaction; each is "added", a "duplicate" of a stored id, or
        "shared": a shared-pool duplicate of what only a chat's own feed had, now everyone's."""
        ...

    def mark_seen(
        self, key: str, status: str, now: datetime, article_id: int | None = None
    ) -> None:
        """Remember that an input (a file path, a feed item) was handled, whatever came of it."""
        ...

    def seen(self, keys: Iterable[str]) -> dict[str, int | None]:
        """Which of these inputs were handled before, with the article each became (if any)."""
        ...

    def share(self, article_ids: Iterable[int]) -> set[int]:
        """Articles a chat's own feed brought first that the shared pool has too: from now on
        every chat may read them. Returns those that were a chat's own until now."""
        ...

    def chats_only(
        self, article_ids: Iterable[int], urls: Iterable[str]
    ) -> tuple[set[int], set[str]]:
        """Of these articles and URLs, those only chats' own feeds brought so far: their ids and
        normalized URLs (a shared feed carrying one stores it again, which makes it everyone's)."""
        ...

    def has_url(self, url: str) -> bool:
        """True when an article with this (normalized) URL is stored."""
        ...

    def sources(self) -> list[str]:
        """The outlets articles come from (the operator's list a chat chooses from), by name."""
        ...

    def article(self, article_id: int) -> Article | None:
        """One article by id."""
        ...

    def latest(self, limit: int, feeds: Sequence[int] | None = None) -> list[Article]:
        """The newest articles, by publication (or fetch) time; with `feeds`, those a chat
        with these own feeds may read (None: every article, for the operator)."""
        ...

    def articles_since(self, since: datetime, until: datetime | None = None) -> list[Article]:
        """Articles published or stored in [since, until): what is new to a chat since then."""
        ...

    def count_articles(self) -> int:
        """How many articles are stored."""
        ...

    def add_links(self, article_id: int, links: Iterable[Link]) -> None:
        """Record further sources of the same article."""
        ...

    def articles_by_id(self, ids: Iterable[int]) -> list[Article]:
        """The articles with these ids, in id order (missing ids are left out)."""
        ...

    def unsummarized(self, limit: int) -> list[Article]:
        """Stored articles still without a summary, oldest first."""
        ...

    def set_summary(self, article_id: int, summary: Sequence[str]) -> None:
        """Store an articles summary sentences."""
        ...

    def iter_articles(self, since: datetime | None = None) -> Iterator[Article]:
        """Every article (or those stored since `since`) in id order, streamed."""
        ...

    def last_ingest(self) -> datetime | None:
        """When the newest article was stored."""
        ...


class IndexPart(Protocol):
    """Ranked search: the stem matches by boosted bm25, then compound matches, newest first."""

    def search(
        self, query: Query, limit: int, offset: int = 0, *, now: datetime | None = None
    ) -> SearchPage:
        """Ranked full-text search: bm25 with a recency boost, filters, snippets and paging."""
        ...


class FeedsPart(Protocol):
    """The feeds table: what is polled, when next, and how the last polls went."""

    def add_feed(self, url: str, now: datetime, title: str | None = None) -> Feed:
        """Add a feed to poll (due at once); adding a known URL returns the stored feed."""
        ...

    def reschedule(self, every: timedelta) -> int:
        """Put every healthy feed's next poll at its last good poll + `every`; how many moved."""
        ...

    def all(self) -> list[Feed]:
        """Every feed, in the order they were added."""
        ...

    def feed(self, feed_id: int) -> Feed | None:
        """One feed by id."""
        ...

    def remove_feed(self, feed_id: int) -> bool:
        """Stop polling a feed; its articles stay. False when there is no such feed."""
        ...

    def due_feeds(self, now: datetime) -> list[Feed]:
        """Feeds whose next fetch time has come (or that were never fetched)."""
        ...

    def claim(
        self, due_by: datetime, *, now: datetime, owner: str, until: datetime, limit: int = 100
    ) -> list[Feed]:
        """Lease up to `limit` feeds due by `due_by` and not leased at `now` to `owner`."""
        ...

    def release(self, owner: str) -> int:
        """Free the leases `owner` holds; returns how many."""
        ...

    def feed_fetched(self, feed: Feed, now: datetime, next_fetch: datetime) -> Feed:
        """Record a successful poll: validators for the next conditional GET, errors cleared."""
        ...

    def feed_failed(self, feed_id: int, error: str, now: datetime, next_fetch: datetime) -> Feed:
        """Record a failed poll: one more failure in a row, the error, and the backed-off retry."""
        ...

    def feed_problems(self) -> list[Feed]:
        """Feeds whose last polls failed, most failures first."""
        ...

    def last_feed_poll(self) -> datetime | None:
        """When a feed was last fetched successfully."""
        ...


class ChatsPart(Protocol):
    """Chats with their settings, subscriptions, alerts and last search; the bots own state."""

    def ensure_chat(self, chat: str, now: datetime) -> None:
        """Create the chat's row with default settings if it is new."""
        ...

    def has_chat(self, chat: str) -> bool:
        """True when the chat has written to the bot (or was set up) before."""
        ...

    def settings(self, chat: str) -> ChatSettings:
        """The chat's settings (defaults for a chat never seen)."""
        ...

    def settings_of(self, chats: Sequence[str]) -> dict[str, ChatSettings]:
        """Each chat's settings (defaults for a chat never seen), in a few reads for them all."""
        ...

    def subscribe(self, sub: Subscription, now: datetime) -> None:
        """Create or replace the chat's digest subscription; its zone becomes the chat's, and
        its next digest time is computed afresh (it is due to the next `due_subscriptions`)."""
        ...

    def unsubscribe(self, chat: str) -> bool:
        """End the chat's subscription; False when it had none."""
        ...

    def subscription(self, chat: str) -> Subscription | None:
        """The chat's subscription, if any."""
        ...

    def subscriptions(self) -> list[Subscription]:
        """Every active subscription."""
        ...

    def due_subscriptions(self, now: datetime) -> list[Subscription]:
        """Subscriptions whose next digest is due by `now`, or not computed yet (new or
        changed by `subscribe`); an indexed read however many chats subscribe."""
        ...

    def set_next_due(self, due: Mapping[str, datetime]) -> None:
        """Keep each chat's next digest time (chat → when), in one transaction."""
        ...

    def next_due_at(self, chat: str) -> datetime | None:
        """When the chat's next digest is due, as the scheduler keeps it (None: not computed)."""
        ...

    def chat_language(self, chat: str) -> str | None:
        """The language the chat chose (or was first answered in); None for a new chat."""
        ...

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
    ) -> ChatSettings:
        """Change some of the chat's settings (creating the chat); returns them all."""
        ...

    def add_alert(
        self, chat: str, words: tuple[str, ...], now: datetime, *, limit: int | None = None
    ) -> int | None:
        """Store a keyword alert (folded plain words) once per chat and words (in any case and
        order); returns its id, the stored one's when the same alert is there already, or None
        when the chat has `limit` alerts already (checked and stored in one transaction that
        other processes' alert changes for the chat wait for)."""
        ...

    def alerts(self, chat: str | None = None) -> list[Alert]:
        """The chat's alerts (every chat's when `chat` is None), oldest first."""
        ...

    def remove_alert(self, chat: str, alert_id: int) -> bool:
        """Delete one of the chat's alerts; False when the chat has no such alert."""
        ...

    def load_state(self, key: str) -> str | None:
        """A small named value (sync token, last search), or None."""
        ...

    def save_state(self, key: str, value: str | None) -> None:
        """Set (or with None, delete) a small named value."""
        ...

    def states(self, prefix: str) -> dict[str, str]:
        """The named values whose key starts with `prefix` (every process's heartbeat)."""
        ...

    def first_update(self, key: str, now: datetime) -> bool:
        """True the first time an incoming update is handed in, False each later time (a
        webhook retried, another process, a redelivered poll): it is answered once."""
        ...

    def remember_search(self, chat: str, text: str, page: int) -> None:
        """Keep the chat's last search and page, so buttons and /more carry only a page."""
        ...

    def last_search(self, chat: str) -> tuple[str, int] | None:
        """The chat's last search text and the page it saw."""
        ...

    def forget_chat(self, chat: str) -> bool:
        """End a gone chat's (and its topics') subscription and alerts; its planned pushes
        become `gone`. True when it had a subscription or an alert."""
        ...

    def move_chat(self, old: str, new: str) -> None:
        """A chat got a new key (Telegram group → supergroup): carry settings and subscriptions."""
        ...

    def digest_keywords(self, chat: str) -> tuple[str, ...]:
        """The chat's digest keyword filter (`-word` excludes)."""
        ...

    def set_digest_keywords(self, chat: str, keywords: Sequence[str], now: datetime) -> None:
        """Replace the chat's digest keyword filter."""
        ...


class DeliveriesPart(Protocol):
    """The delivery log: each digest claimed, sent or given up once."""

    def last_digest_at(self, chat: str) -> datetime | None:
        """When the chat last got a digest (scheduled or asked for at subscribing)."""
        ...

    def last_digests_at(self, chats: Sequence[str]) -> dict[str, datetime]:
        """When each of these chats last got a digest, in one read (chats without one left out)."""
        ...

    def delivery_status(self, chat: str, digest_date: date | str) -> str | None:
        """The logged outcome of the chat's digest for that date, None if there is none."""
        ...

    def logged_digests(self, chats: Sequence[str], since: date) -> set[tuple[str, str]]:
        """(chat, key) of every logged digest of these chats dated `since` or later, in one
        read: a tick over many chats asks once, not once per chat and date."""
        ...

    def record_delivery(
        self,
        chat: str,
        digest_date: date | str,
        *,
        status: str,
        at: datetime,
        scheduled: datetime | None = None,
        note: str = "",
    ) -> bool:
        """Log the digest of (chat, date) once, in one transaction; False when already logged."""
        ...

    def record_deliveries(
        self, rows: Sequence[DeliveryRow], *, at: datetime
    ) -> set[tuple[str, str]]:
        """Log these digests once each, together (one round trip where the backend has them);
        the (chat, key) of those logged now. Claims are rows with status `sending`."""
        ...

    def claim_delivery(
        self, chat: str, digest_date: date | str, *, at: datetime, scheduled: datetime | None = None
    ) -> bool:
        """Mark the digest of (chat, date) as being sent; False if it was logged already."""
        ...

    def finish_delivery(
        self, chat: str, digest_date: date | str, *, status: str, at: datetime, note: str = ""
    ) -> None:
        """Record how a claimed delivery ended (`sent`, `failed`, `gone`)."""
        ...

    def finish_deliveries(self, ends: Sequence[DeliveryEnd], *, at: datetime) -> None:
        """Record how these claimed deliveries ended, together."""
        ...

    def release_delivery(self, chat: str, digest_date: date | str) -> None:
        """Give back a claim whose digest surely did not go out (the queue stopped, or it waits
        for its next try): it is due again."""
        ...

    def abandon_unfinished(self, now: datetime) -> list[tuple[str, str]]:
        """Turn deliveries left `sending` by a stopped process into `unknown`; returns them."""
        ...

    def digest_shown(self, chat: str, now: datetime) -> None:
        """The chat got its digest in a commands reply now: its next digest starts here."""
        ...

    def failed_delivery_count(self, since: datetime) -> int:
        """How many digest deliveries since `since` did not end in a known success."""
        ...

    def failed_deliveries(self, since: datetime, limit: int = 20) -> list[FailedDelivery]:
        """The newest `limit` digest deliveries since `since` that did not end in a success."""
        ...


class ArchivePart(Protocol):
    """Sent digests by chat, date (the chat's local date, as in the delivery log) and time
    sent: a chat with two digest times keeps both of a day."""

    def archive_digest(self, chat: str, digest_date: date, reply: Reply, at: datetime) -> None:
        """Keep the digest of (chat, date) exactly as it was sent."""
        ...

    def archive_digests(self, sent: Sequence[tuple[str, ArchivedDigest]]) -> None:
        """Keep these chats' digests exactly as they were sent, together."""
        ...

    def archived_digest(self, chat: str, day: date | None = None) -> ArchivedDigest | None:
        """The last digest the chat got on `day` (None: its latest), or None when none was kept."""
        ...

    def archived_digests(self, chat: str, day: date | None = None) -> list[ArchivedDigest]:
        """Every digest the chat got on `day` in the order sent (None: its latest alone)."""
        ...

    def prune_archive(self, before: datetime) -> int:
        """Forget digests sent before `before`; returns how many."""
        ...


class PushesPart(Protocol):
    """The push outbox: alerts and breaking stories planned when their article is stored,
    claimed right before their one attempt, finished once; and what each chat was told.

    A push is `planned` (due now, or held until the chat's quiet time ends), `sending` from its
    claim, then `sent`, `failed` or `gone`; `unknown` when its process stopped mid-attempt (never
    resent), `dropped` when it waited past being news, `withdrawn` when by its time the chat no
    longer wanted it.
    """

    def breaking_chats(self) -> list[str]:
        """Chats that asked for breaking stories."""
        ...

    def told_breaking(self, chat: str, article_ids: Iterable[int]) -> bool:
        """True when one of these articles was in a breaking story planned for the chat."""
        ...

    def breaking_story(self, chat: str, story: int) -> list[int]:
        """The articles of the breaking story planned for the chat under `story` (its lead)."""
        ...

    def has_alert_hit(self, alert_ids: Sequence[int], article_id: int) -> bool:
        """True when one of these alerts was already planned for the article."""
        ...

    def mark_unplanned(self, article_ids: Iterable[int], at: datetime) -> None:
        """Note newly stored articles whose alerts are still to be planned; called in the
        transaction that stores them, so a process that dies before planning loses nothing."""
        ...

    def unplanned(self, stored_before: datetime, limit: int) -> list[int]:
        """Articles whose alerts are still to be planned, stored before `stored_before`,
        oldest first."""
        ...

    def mark_planned(self, article_ids: Iterable[int]) -> None:
        """The articles' alerts are planned (or there were none)."""
        ...

    def plan_alert(
        self,
        chat: str,
        alert_ids: Sequence[int],
        article_id: int,
        reply: Reply,
        due: datetime,
        at: datetime,
    ) -> bool:
        """Plan an article's alert for a chat, due at `due`, once across processes: False when
        one of these alerts already has it. The hit and the push are written together."""
        ...

    def plan_breaking(
        self,
        chat: str,
        article_ids: Iterable[int],
        story: int,
        reply: Reply,
        due: datetime,
        at: datetime,
    ) -> bool:
        """Plan a breaking story for a chat, once across processes: False when any of its
        articles was in a story planned before (the same story, grown or regrouped)."""
        ...

    def due(self, now: datetime) -> list[Push]:
        """Planned pushes that may go now, oldest first."""
        ...

    def claim(self, ids: Sequence[int], at: datetime) -> bool:
        """Mark planned pushes as being sent, right before the attempt, all or none; False when
        another run has any of them."""
        ...

    def finish(self, ids: Sequence[int], status: str, at: datetime, note: str = "") -> None:
        """Record how claimed pushes ended (`sent`, `failed`, `gone`)."""
        ...

    def release(self, ids: Sequence[int]) -> None:
        """Give back claimed pushes that were never sent (the queue stopped): due again."""
        ...

    def abandon_unfinished(self, now: datetime) -> list[PushLeft]:
        """Turn pushes left `sending` by a stopped process into `unknown`; returns them."""
        ...

    def drop_stale(self, before: datetime, now: datetime) -> list[PushLeft]:
        """Drop planned pushes due before `before` (too old to be news); returns them."""
        ...

    def count(self, status: str, since: datetime) -> int:
        """Pushes that ended in `status` since `since`."""
        ...


class Storage(Protocol):
    """The whole store: its parts, plus opening work on its own thread, one transaction over
    every part, health figures and closing."""

    @property
    def articles(self) -> ArticlesPart: ...
    @property
    def index(self) -> IndexPart: ...
    @property
    def feeds(self) -> FeedsPart: ...
    @property
    def chats(self) -> ChatsPart: ...
    @property
    def deliveries(self) -> DeliveriesPart: ...
    @property
    def archive(self) -> ArchivePart: ...
    @property
    def pushes(self) -> PushesPart: ...
    @property
    def chat_feeds(self) -> ChatFeeds: ...

    async def run(self, fn: Callable[[], T]) -> T:
        """Run `fn` off the event loop (the store's own thread or pool)."""
        ...

    def transaction(self) -> AbstractContextManager[Any]:
        """One write transaction over every part."""
        ...

    def close(self) -> None:
        """Finish pending work and close the connections."""
        ...

    def check(self) -> int:
        """A cheap read of the schema and the articles; returns the article count."""
        ...

    def database_bytes(self) -> int:
        """The database's size in bytes."""
        ...

    def stats(self, now: datetime) -> Stats:
        """Counts for `/stats` and `newsbot status`, read consistently."""
        ...

    def backup_to(self, target: Path) -> None:
        """Copy the whole database into `target` and verify the copy."""
        ...
