"""The health check's read (`newsbot status --check`, every 60 s): the article count and every
process's stored heartbeat, on a read-only connection of its own and without migrating.

It uses the database's driver alone (sqlite3, or psycopg on PostgreSQL) instead of opening the
store, whose parts pull in sqlite-utils, psycopg's pool and the summarizer's word forms.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.config import is_postgres
from bot.errors import StoreError
from bot.store import sqlite_path


@dataclass(frozen=True, slots=True)
class Health:
    """What the health check reads: the article count and the heartbeats by key."""

    articles: int
    beats: dict[str, str]


def read_health(target: str | Path, prefix: str) -> Health:
    """The article count (reading the schema, as the store's `check` does) and the stored
    values whose key starts with `prefix`. Raises StoreError (PostgreSQL) or sqlite3.Error."""
    if is_postgres(target):
        return _read_postgres(str(target), prefix)
    return _read_sqlite(sqlite_path(target), prefix)


def _read_sqlite(path: Path, prefix: str) -> Health:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        count = int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
        # A range of the primary key: the prefix up to the next character after its last one.
        end = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        rows = conn.execute(
            "SELECT key, value FROM state WHERE key >= ? AND key < ?", [prefix, end]
        ).fetchall()
        return Health(count, {str(k): str(v) for k, v in rows})
    finally:
        conn.close()


def _read_postgres(url: str, prefix: str) -> Health:
    import psycopg

    from bot.store.postgres.connection import connect

    with connect(url) as conn:
        try:
            count = conn.execute("SELECT count(*) FROM articles").fetchone()
            rows = conn.execute(
                "SELECT key, value FROM state WHERE left(key, %s) = %s", [len(prefix), prefix]
            ).fetchall()
        except psycopg.Error as exc:
            lines = str(exc).strip().splitlines()
            raise StoreError(lines[0] if lines else type(exc).__name__) from None
    return Health(int(count[0]) if count else 0, {str(k): str(v) for k, v in rows})
