"""Operations on the store (sqlite-utils): health, status figures, export and online backup."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.records import FEED_FAILING_AFTER, Article, Feed
from bot.store.articles import Articles
from bot.store.base import _dt, _iso
from bot.store.feeds import Feeds


class Operations(Feeds, Articles):
    """What admins and `newsbot status`/`backup`/`export` read."""

    def check(self) -> int:
        """A cheap read of the schema and the articles table; returns the article count."""
        self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return self.count_articles()

    def last_ingest(self) -> datetime | None:
        """When the newest article was stored."""
        row = self.db.execute("SELECT max(fetched) FROM articles").fetchone()
        return _dt(row[0])

    def last_feed_poll(self) -> datetime | None:
        """When a feed was last fetched successfully."""
        row = self.db.execute("SELECT max(last_fetched) FROM feeds WHERE failures = 0").fetchone()
        return _dt(row[0])

    def feed_problems(self) -> list[Feed]:
        """Feeds whose last polls failed, most failures first."""
        sql = "SELECT * FROM feeds WHERE failures > 0 ORDER BY failures DESC, url"
        return [self._feed(r) for r in self.db.query(sql)]

    def failed_delivery_count(self, since: datetime) -> int:
        """How many digest deliveries since `since` did not end in a known success."""
        sql = (
            "SELECT count(*) FROM deliveries"
            " WHERE coalesce(status, '') NOT IN (SELECT value FROM json_each(?))"
            " AND digest_date >= ?"
        )
        row = self.db.execute(sql, [json.dumps(DELIVERY_OK), since.date().isoformat()]).fetchone()
        return int(row[0])

    def failed_deliveries(self, since: datetime, limit: int = 20) -> list[FailedDelivery]:
        """The newest `limit` digest deliveries since `since` that did not end in a success."""
        sql = (
            "SELECT chat, digest_date, sent, status, note FROM deliveries"
            " WHERE coalesce(status, '') NOT IN (SELECT value FROM json_each(?))"
            " AND digest_date >= ? ORDER BY digest_date DESC, chat LIMIT ?"
        )
        args = [json.dumps(DELIVERY_OK), since.date().isoformat(), limit]
        return [
            FailedDelivery(r["chat"], r["digest_date"], _dt(r["sent"]), r["status"], r["note"])
            for r in self.db.query(sql, args)
        ]

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
                last_ingest=self.last_ingest(),
                last_feed_poll=self.last_feed_poll(),
                database_bytes=self.database_bytes(),
            )
        finally:
            self.db.execute("RELEASE stats")

    def iter_articles(self, since: datetime | None = None) -> Iterator[Article]:
        """Every article (or those stored since `since`) in id order, streamed."""
        sql = "SELECT * FROM articles WHERE fetched >= ? ORDER BY id"
        for row in self.db.query(sql, [_iso(since) or ""]):
            yield self._article(row)

    def backup_to(self, target: Path) -> None:
        """Copy the database into `target` with SQLite's online backup API, then verify it.

        One step (pages=-1) copies inside a single read transaction: in WAL mode that snapshot
        holds every committed transaction and never blocks the bot's writers, whereas a
        step-wise copy restarts whenever another connection writes between steps.
        """
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
