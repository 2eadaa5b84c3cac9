"""The store's shared base (sqlite-utils): the `Database` every part uses, and row helpers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlite_utils import Database


class WriterDatabase(Database):
    """sqlite-utils' `Database` whose outermost `atomic()` takes the write lock first.

    A transaction that reads and then writes (BEGIN DEFERRED) cannot wait for another writer
    in WAL mode: SQLite answers "database is locked" at once, whatever the busy timeout. With
    BEGIN IMMEDIATE the lock is taken, or waited for, before the first read.
    """

    @contextmanager
    def atomic(self) -> Iterator[Database]:
        """A transaction (a savepoint when nested) that holds the write lock from its start."""
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.conn.rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.rollback()
            raise


class Table:
    """One part of the store: the tables of one kind of data, on the shared `Database`."""

    def __init__(self, db: Database) -> None:
        self.db = db


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
