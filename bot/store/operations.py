"""What the store's operations report: status figures, failed deliveries, backup checks."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

# Delivery statuses that mean "nothing went wrong"; anything else is shown by `newsbot status`.
DELIVERY_OK = ("sent", "ok", "empty", "skipped", "pending")


@dataclass(frozen=True, slots=True)
class FailedDelivery:
    """A digest that did not reach its chat, with the transport's note."""

    chat: str
    digest_date: str
    sent: datetime | None
    status: str | None
    note: str | None


@dataclass(frozen=True, slots=True)
class Stats:
    """Small aggregates of the whole database, for admins."""

    articles: int
    articles_24h: int
    sources: int
    chats: int
    subscriptions: int
    alerts: int
    feeds: int
    feeds_failing: int
    deliveries_failed_24h: int
    # Alerts and breaking stories planned but too old to send when their turn came.
    pushes_dropped_24h: int
    last_ingest: datetime | None
    last_feed_poll: datetime | None
    database_bytes: int


def _verify(conn: sqlite3.Connection) -> list[str]:
    """Problems found by SQLite's integrity check and each FTS5 index's own check."""
    problems = [row[0] for row in conn.execute("PRAGMA integrity_check") if row[0] != "ok"]
    fts = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%USING FTS5%'"
    ).fetchall()
    for (name,) in fts:
        try:
            # The table name comes from sqlite_master, not from a user.
            conn.execute(f"INSERT INTO [{name}]([{name}]) VALUES ('integrity-check')")  # noqa: S608
        except sqlite3.DatabaseError as exc:
            problems.append(f"{name}: {exc}")
    conn.rollback()
    return problems
