"""The store: the only package that holds SQL. `open_store(target)` opens the one the `db`
setting names: a path or `sqlite:///path` opens `Store` (SQLite, `bot.store.sqlite`); a
`postgresql://` URL opens `bot.store.postgres.PostgresStore`. Both satisfy
`bot.store.ports.Storage`, which is all the rest of the bot knows.

Each store is composed of one part per kind of data, each its own module: `store.articles`,
`store.index` (full-text search), `store.feeds`, `store.chats`, `store.deliveries`,
`store.archive` (digests as sent) and `store.pushes` (the outbox of alerts and breaking stories,
held through quiet hours).

Importing this package is cheap: the stores and their parts (sqlite-utils, psycopg, the
summarizer's word forms) load when a name below is first used (PEP 562 `__getattr__`), so the
health check reads the database without paying for them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import is_postgres, sqlite_path
from bot.errors import StoreError
from bot.store.lazy import lazy_names
from bot.store.locks import AdvisoryLock, FileLock, ProcessHeld, RoleLock

if TYPE_CHECKING:
    from bot.store.operations import DELIVERY_OK, FailedDelivery, Stats
    from bot.store.pipeline import COMMON_SAMPLE, COMPOUNDS, RECENCY_BOOST, RECENCY_DAYS
    from bot.store.ports import Storage
    from bot.store.pushes import Push, PushLeft
    from bot.store.ranking import CANDIDATES
    from bot.store.sqlite import Store

__all__ = [
    "CANDIDATES",
    "COMMON_SAMPLE",
    "COMPOUNDS",
    "DELIVERY_OK",
    "RECENCY_BOOST",
    "RECENCY_DAYS",
    "FailedDelivery",
    "Push",
    "PushLeft",
    "RoleLock",
    "Stats",
    "Storage",
    "Store",
    "StoreError",
    "is_postgres",
    "local_folder",
    "open_store",
    "open_store_readonly",
    "role_holder",
    "role_lock",
    "run_lock",
    "show_target",
    "sqlite_path",
]

# The names loaded on first use, and the module each comes from.
_LAZY = {
    "CANDIDATES": "bot.store.ranking",
    "COMMON_SAMPLE": "bot.store.pipeline",
    "COMPOUNDS": "bot.store.pipeline",
    "DELIVERY_OK": "bot.store.operations",
    "FailedDelivery": "bot.store.operations",
    "Push": "bot.store.pushes",
    "PushLeft": "bot.store.pushes",
    "RECENCY_BOOST": "bot.store.pipeline",
    "RECENCY_DAYS": "bot.store.pipeline",
    "Stats": "bot.store.operations",
    "Storage": "bot.store.ports",
    "Store": "bot.store.sqlite",
}


__getattr__ = lazy_names(__name__, globals(), _LAZY)


def show_target(target: str | Path) -> str:
    """The `db` setting as shown to people: a URL without its password, or the path."""
    if is_postgres(target):
        from bot.store.postgres.connection import display_url

        return display_url(str(target))
    return str(target)


def local_folder(target: str | Path) -> Path:
    """Where files that go with the store live (Matrix keys): beside a SQLite file; for a
    PostgreSQL store, which has no folder, the working directory."""
    return Path.cwd() if is_postgres(target) else sqlite_path(target).resolve().parent


def open_store(target: str | Path) -> Storage:
    """Open (or create) and migrate the store the `db` setting names.

    Raises StoreError (one line) when a PostgreSQL server cannot be used; SQLite's own errors
    (sqlite3.Error, OSError) pass through as before.
    """
    if is_postgres(target):
        from bot.store.postgres.store import PostgresStore

        return PostgresStore.open(str(target))
    from bot.store.sqlite import Store

    return Store.open(sqlite_path(target))


def role_lock(target: str | Path, name: str) -> RoleLock:
    """The lock of the singleton role `name` on this store: a PostgreSQL advisory lock, or on
    a SQLite file always held (the file's one process, `run_lock`, plays every role)."""
    if is_postgres(target):
        return AdvisoryLock(str(target), name)
    return ProcessHeld(name)


def role_holder(target: str | Path, name: str) -> str | None:
    """Which process (`host:pid`) holds the singleton role `name` on this store, if the store
    can tell (a PostgreSQL server can; a SQLite file's one process holds every role)."""
    return AdvisoryLock(str(target), name).holder() if is_postgres(target) else None


def run_lock(target: str | Path) -> FileLock | None:
    """What keeps a second `newsbot run` off a SQLite file (None for PostgreSQL: many may run)."""
    return None if is_postgres(target) else FileLock(sqlite_path(target).resolve())


def open_store_readonly(target: str | Path) -> Storage:
    """Open an existing store without migrating it: status, backup, export, health."""
    if is_postgres(target):
        from bot.store.postgres.store import PostgresStore

        return PostgresStore.open(str(target), migrate_schema=False)
    from bot.store.sqlite import Store

    return Store.open_readonly(sqlite_path(target))
