"""The PostgreSQL store's shared base (psycopg 3 + psycopg-pool): one pool of connections, the
transaction a thread is in, and statements run on it or on a connection borrowed for one call.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

# Statement arguments: a sequence for %s placeholders, a mapping for %(name)s ones.
Args = Sequence[Any] | dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Result:
    """The rows a statement returned (tuples) and how many rows it changed."""

    rows: list[tuple[Any, ...]]
    rowcount: int

    def fetchone(self) -> tuple[Any, ...] | None:
        """The first row, or None."""
        return self.rows[0] if self.rows else None


class PgDatabase:
    """A connection pool whose `atomic()` pins one connection to the calling thread.

    Inside `atomic()` every statement of that thread runs in the one transaction (a nested
    `atomic()` is a savepoint, as in sqlite-utils); outside it, each statement borrows a
    connection for itself and commits on its own (the pool's connections are autocommit).
    """

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool
        self._local = threading.local()

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """The thread's transaction's connection, or one borrowed from the pool meanwhile."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            yield conn
            return
        with self.pool.connection() as conn:
            yield conn

    @contextmanager
    def atomic(self, *, pipeline: bool = False) -> Iterator[psycopg.Connection[Any]]:
        """A transaction (a savepoint when nested) holding this thread's statements; with
        `pipeline`, an outermost one sends statements without waiting until rows are fetched
        (psycopg's pipeline mode: read them with `fetch` or `query`, not `execute`)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            with conn.transaction():
                yield conn
            return
        with self.pool.connection() as conn:
            self._local.conn = conn
            try:
                if not pipeline:
                    with conn.transaction():
                        yield conn
                    return
                # BEGIN and COMMIT as statements: psycopg's transaction() waits for each in
                # pipeline mode, a round trip apiece; these travel with the statements around.
                with conn.pipeline():
                    conn.execute("BEGIN")
                    yield conn
                    conn.execute("COMMIT")
            finally:
                self._local.conn = None
                if conn.info.transaction_status != TransactionStatus.IDLE:
                    conn.rollback()

    def execute(self, sql: str, args: Args = None) -> Result:
        """Run one statement; its rows as tuples (if it returns any) and its row count."""
        with self.connection() as conn, conn.cursor() as cur:
            cur.execute(sql, args)
            rows = cur.fetchall() if cur.description is not None else []
            return Result(rows, cur.rowcount)

    def fetch(self, sql: str, args: Args = None) -> list[tuple[Any, ...]]:
        """Run a statement that returns rows and fetch them (in pipeline mode too)."""
        with self.connection() as conn, conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall()

    def send(self, sql: str, args: Args = None) -> None:
        """Run a statement whose result is not needed: in pipeline mode, without waiting."""
        with self.connection() as conn, conn.cursor() as cur:
            cur.execute(sql, args)

    def query(self, sql: str, args: Args = None) -> list[dict[str, Any]]:
        """Run one query; its rows as dicts keyed by column name."""
        with self.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(sql, args)
            return cur.fetchall()

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement once per row of arguments (pipelined by psycopg)."""
        if not rows:
            return
        with self.connection() as conn, conn.cursor() as cur:
            cur.executemany(sql, rows)

    def close(self) -> None:
        """Close every connection of the pool."""
        self.pool.close()


class Table:
    """One part of the PostgreSQL store: the tables of one kind of data, on the shared pool."""

    def __init__(self, db: PgDatabase) -> None:
        self.db = db
