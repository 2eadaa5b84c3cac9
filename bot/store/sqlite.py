"""The SQLite store (sqlite-utils): one database file composed of one part per kind of data,
each its own module; the store itself opens, migrates, backs up and reports on the whole file.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database

from bot.records import FEED_FAILING_AFTER
from bot.store.archive import Archive
from bot.store.articles import Articles
from bot.store.chat_feeds import ChatFeeds
from bot.store.chats import Chats
from bot.store.deliveries import Deliveries
from bot.store.feeds import Feeds
from bot.store.migrations import migrate
from bot.store.operations import DELIVERY_OK, Stats, _verify
from bot.store.pushes import Pushes
from bot.store.search import SearchIndex
from bot.store.table import WriterDatabase, _iso
from bot.store.thread import StoreThread

T = TypeVar("T")


def create_owner_only(path: Path) -> None:
    """Create an empty file readable by its owner alone (0600), whatever the umask.

    A file that exists keeps its mode: the operator may have chosen a group on purpose.
    """
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        os.chmod(path, 0o600)  # O_CREAT's mode is cut by the umask only, never widened


# How long a connection waits for another's lock, and a new file's switch to WAL is retried.
BUSY_SECONDS = 30.0


def switch_to_wal(db: Database, within: float = BUSY_SECONDS) -> None:
    """Put the database in WAL mode. Processes that open a new file at once all switch it; each
    holds a read lock while it asks for the exclusive one, and SQLite answers "database is
    locked" at once to all but one, whatever the busy timeout. The others try again until
    one of them has switched it."""
    deadline = time.monotonic() + within
    pause = 0.01
    while db.journal_mode != "wal":
        try:
            db.enable_wal()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.5)


class Store:
    """Articles, feeds, chats and the delivery log in one SQLite file, one part each.

    Synchronous and owned by one thread; async code calls `await store.run(fn)`.
    """

    def __init__(self, db: Database, *, migrate_schema: bool = True) -> None:
        self.db = db
        self.articles = Articles(db)
        self.index = SearchIndex(db, self.articles)
        self.feeds = Feeds(db)
        self.chats = Chats(db)
        self.deliveries = Deliveries(db, self.chats)
        self.archive = Archive(db)
        self.pushes = Pushes(db)
        self.chat_feeds = ChatFeeds(db)
        self._thread = StoreThread()
        self.db.execute("PRAGMA foreign_keys = ON")
        if migrate_schema:
            # Under the write lock, so two processes opening a new file migrate it once.
            with self.db.atomic():
                migrate(self.db)

    @classmethod
    def open(cls, path: str | Path) -> Store:
        """Open (or create) the database file in WAL mode and bring its schema up to date."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        create_owner_only(path)  # SQLite gives its -wal and -shm files the same mode
        conn = sqlite3.connect(str(path), check_same_thread=False, timeout=BUSY_SECONDS)
        db = WriterDatabase(conn)
        switch_to_wal(db)
        db.execute("PRAGMA synchronous = NORMAL")
        # 64 MiB of page cache (default 2 MiB): ingest updates five indexes at random places;
        # at 100k articles a batch of 1000 took 0.97-1.03 s instead of 1.05-1.08 s.
        db.execute("PRAGMA cache_size = -65536")
        return cls(db)

    @classmethod
    def memory(cls) -> Store:
        """An in-memory store, for tests and dry runs."""
        return cls(WriterDatabase(sqlite3.connect(":memory:", check_same_thread=False)))

    async def run(self, fn: Callable[[], T]) -> T:
        """Run `fn` on the store's own thread so the event loop never blocks on SQLite."""
        return await self._thread.run(fn)

    def transaction(self) -> AbstractContextManager[Database]:
        """One write transaction over every part (the write lock taken at its start)."""
        return self.db.atomic()

    def close(self) -> None:
        """Finish pending work and close the connection."""
        self._thread.finish()
        self.db.close()

    @classmethod
    def open_readonly(cls, path: str | Path) -> Store:
        """Open an existing database read-only and unmigrated: status, backup, export, health."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no database at {path}")
        uri = f"{path.resolve().as_uri()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=BUSY_SECONDS)
        return cls(Database(conn), migrate_schema=False)

    def check(self) -> int:
        """A cheap read of the schema and the articles table; returns the article count."""
        self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return self.articles.count_articles()

    def database_bytes(self) -> int:
        """The database's size in bytes (pages in use and free), without the WAL."""
        pages = self.db.execute("PRAGMA page_count").fetchone()[0]
        size = self.db.execute("PRAGMA page_size").fetchone()[0]
        return int(pages) * int(size)

    def stats(self, now: datetime) -> Stats:
        """Counts for `/stats` and `newsbot status`: one consistent read of small aggregates."""

        def one(sql: str, *args: Any) -> int:
            return int(self.db.execute(sql, args).fetchone()[0] or 0)

        day_ago = _iso(now - timedelta(hours=24))
        # One read transaction (a savepoint works inside and outside one), so numbers agree.
        self.db.execute("SAVEPOINT stats")
        try:
            return Stats(
                articles=one("SELECT count(*) FROM articles"),
                articles_24h=one("SELECT count(*) FROM articles WHERE fetched >= ?", day_ago),
                sources=one("SELECT count(DISTINCT source) FROM articles"),
                chats=one("SELECT count(*) FROM chats"),
                subscriptions=one("SELECT count(*) FROM subscriptions"),
                alerts=one("SELECT count(*) FROM alerts"),
                feeds=one("SELECT count(*) FROM feeds"),
                feeds_failing=one(
                    "SELECT count(*) FROM feeds WHERE failures >= ?", FEED_FAILING_AFTER
                ),
                deliveries_failed_24h=one(
                    "SELECT count(*) FROM deliveries WHERE coalesce(status, '')"
                    " NOT IN (SELECT value FROM json_each(?)) AND sent >= ?",
                    json.dumps(DELIVERY_OK),
                    day_ago,
                ),
                pushes_dropped_24h=one(
                    "SELECT count(*) FROM pushes WHERE status = 'dropped' AND attempted >= ?",
                    day_ago,
                ),
                last_ingest=self.articles.last_ingest(),
                last_feed_poll=self.feeds.last_feed_poll(),
                database_bytes=self.database_bytes(),
            )
        finally:
            self.db.execute("RELEASE stats")

    def backup_to(self, target: Path) -> None:
        """Copy the database into `target` with SQLite's online backup API, then verify it.

        One step (pages=-1) copies inside a single read transaction: in WAL mode that snapshot
        holds every committed transaction and never blocks the bot's writers, whereas a
        step-wise copy restarts whenever another connection writes between steps.
        """
        create_owner_only(target)
        dest = sqlite3.connect(str(target))
        try:
            self.db.conn.backup(dest, pages=-1)
            # A backup is one self-contained file: no -wal beside it to lose on copy.
            dest.execute("PRAGMA journal_mode = DELETE").fetchone()
            problems = _verify(dest)
        finally:
            dest.close()
        if problems:
            raise sqlite3.DatabaseError(f"backup failed verification: {'; '.join(problems)}")
