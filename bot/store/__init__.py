"""The SQLite store (sqlite-utils): the only package that holds SQL; implements `Library`.

`Store` is composed from one part per kind of data: `articles`, `search`, `feeds`, `chats`,
`deliveries`, `archive` (sent digests), `pushes` (breaking stories, quiet hours) and
`operations`, on the shared `base`.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from sqlite_utils import Database

from bot.migrations import migrate
from bot.store.archive import Archive
from bot.store.articles import Articles
from bot.store.base import WriterDatabase
from bot.store.chats import Chats
from bot.store.deliveries import Deliveries
from bot.store.feeds import Feeds
from bot.store.operations import DELIVERY_OK, FailedDelivery, Operations, Stats
from bot.store.pushes import Held, Pushes
from bot.store.search import (
    CANDIDATES,
    COMMON_SAMPLE,
    COMPOUNDS,
    RECENCY_BOOST,
    RECENCY_DAYS,
    Search,
)

__all__ = [
    "CANDIDATES",
    "COMMON_SAMPLE",
    "COMPOUNDS",
    "DELIVERY_OK",
    "RECENCY_BOOST",
    "RECENCY_DAYS",
    "FailedDelivery",
    "Held",
    "Stats",
    "Store",
]

T = TypeVar("T")


class Store(Operations, Deliveries, Archive, Pushes, Search, Chats, Feeds, Articles):
    """Articles, chats, subscriptions and the delivery log in one SQLite file.

    Synchronous and owned by one thread; async code calls `await store.run(fn)`.
    """

    def __init__(self, db: Database, *, migrate_schema: bool = True) -> None:
        self.db = db
        self._executor: ThreadPoolExecutor | None = None
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
        conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        db = WriterDatabase(conn)
        if db.journal_mode != "wal":
            db.enable_wal()
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
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn)

    def close(self) -> None:
        """Finish pending work and close the connection."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        self.db.close()

    @classmethod
    def open_readonly(cls, path: str | Path) -> Store:
        """Open an existing database read-only and unmigrated: status, backup, export, health."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no database at {path}")
        uri = f"{path.resolve().as_uri()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=30)
        return cls(Database(conn), migrate_schema=False)
