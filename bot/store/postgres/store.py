"""The PostgreSQL store (psycopg 3 with a connection pool): every part on one database, the
pool the parts share, migration at open, the store's figures.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from bot.errors import StoreError
from bot.records import FEED_FAILING_AFTER
from bot.store.chat_feeds import ChatFeeds
from bot.store.operations import DELIVERY_OK, Stats
from bot.store.postgres.archive import Archive
from bot.store.postgres.articles import Articles
from bot.store.postgres.base import PgDatabase
from bot.store.postgres.chats import Chats
from bot.store.postgres.connection import CONNECT_TIMEOUT, connect, describe, display_url
from bot.store.postgres.deliveries import Deliveries
from bot.store.postgres.feeds import Feeds
from bot.store.postgres.pushes import Pushes
from bot.store.postgres.schema import migrate
from bot.store.postgres.search import SearchIndex
from bot.store.table import _iso
from bot.store.thread import StoreThread

T = TypeVar("T")

# Connections per process: the store's worker thread, the CLI's or scheduler's own reads, and
# room for a second worker; PostgreSQL's default max_connections is 100 for every process.
POOL_SIZE = 4
# Chat feed adds take turns (their limits are counted inside): a transaction-level advisory lock,
# in the two-key space, apart from the roles' one-key locks.
CHAT_FEEDS_TAKE_TURNS = "SELECT pg_advisory_xact_lock(hashtext('newsbot'), hashtext('chat_feeds'))"


class PostgresStore:
    """Articles, feeds, chats and the delivery log in one PostgreSQL database, one part each.

    Parts are synchronous; async code calls `await store.run(fn)`, which runs `fn` on the
    store's one worker thread (as on SQLite), so commands keep their order within a process.
    """

    def __init__(self, db: PgDatabase) -> None:
        self.db = db
        self.articles = Articles(db)
        self.index = SearchIndex(db, self.articles)
        self.feeds = Feeds(db)
        self.chats = Chats(db)
        self.deliveries = Deliveries(db, self.chats)
        self.archive = Archive(db)
        self.pushes = Pushes(db)
        self.chat_feeds = ChatFeeds(db, "%s", CHAT_FEEDS_TAKE_TURNS)
        self._thread = StoreThread()

    @classmethod
    def open(cls, url: str, *, migrate_schema: bool = True) -> PostgresStore:
        """Connect (StoreError naming what failed), migrate once, then open the pool."""
        with connect(url) as conn:
            if migrate_schema:
                try:
                    migrate(conn)
                except psycopg.Error as exc:
                    raise StoreError(describe(url, exc)) from None
        pool = ConnectionPool(
            url,
            min_size=1,
            max_size=POOL_SIZE,
            kwargs={"autocommit": True},
            name="newsbot",
            open=True,
        )
        try:
            pool.wait(timeout=CONNECT_TIMEOUT)
        except PoolTimeout:
            pool.close()
            raise StoreError(f"cannot reach the PostgreSQL server at {display_url(url)}") from None
        return cls(PgDatabase(pool))

    async def run(self, fn: Callable[[], T]) -> T:
        """Run `fn` on the store's own thread so the event loop never waits on the database."""
        return await self._thread.run(fn)

    def transaction(self) -> AbstractContextManager[Any]:
        """One transaction over every part (the calling thread's statements join it)."""
        return self.db.atomic()

    def close(self) -> None:
        """Finish pending work and close the pool."""
        self._thread.finish()
        self.db.close()

    def check(self) -> int:
        """A cheap read of the schema and the articles table; returns the article count."""
        return self.articles.count_articles()

    def database_bytes(self) -> int:
        """The database's size on disk in bytes."""
        return int(self.db.execute("SELECT pg_database_size(current_database())").rows[0][0])

    def stats(self, now: datetime) -> Stats:
        """Counts for `/stats` and `newsbot status`, in one repeatable-read snapshot."""
        day_ago = _iso(now - timedelta(hours=24))
        with self.db.atomic() as conn:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")

            def one(sql: str, *args: Any) -> int:
                return int(self.db.execute(sql, args).rows[0][0] or 0)

            return Stats(
                articles=one("SELECT count(*) FROM articles"),
                articles_24h=one("SELECT count(*) FROM articles WHERE fetched >= %s", day_ago),
                sources=one("SELECT count(DISTINCT source) FROM articles"),
                chats=one("SELECT count(*) FROM chats"),
                subscriptions=one("SELECT count(*) FROM subscriptions"),
                alerts=one("SELECT count(*) FROM alerts"),
                feeds=one("SELECT count(*) FROM feeds"),
                feeds_failing=one(
                    "SELECT count(*) FROM feeds WHERE failures >= %s", FEED_FAILING_AFTER
                ),
                deliveries_failed_24h=one(
                    "SELECT count(*) FROM deliveries WHERE NOT (coalesce(status, '') = ANY(%s))"
                    " AND sent >= %s",
                    list(DELIVERY_OK),
                    day_ago,
                ),
                pushes_dropped_24h=one(
                    "SELECT count(*) FROM pushes WHERE status = 'dropped' AND attempted >= %s",
                    day_ago,
                ),
                last_ingest=self.articles.last_ingest(),
                last_feed_poll=self.feeds.last_feed_poll(),
                database_bytes=self.database_bytes(),
            )

    def backup_to(self, target: Path) -> None:
        """PostgreSQL is backed up by its own tools; this store writes no backup file."""
        raise StoreError(
            f"a PostgreSQL store is backed up with pg_dump (or the server's own backups),"
            f" not newsbot backup; {target} was not written"
        )
