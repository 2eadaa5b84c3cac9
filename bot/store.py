"""The SQLite store (sqlite-utils): the only module that holds SQL; implements `Library`."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import sqlite3
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database

from bot.migrations import migrate
from bot.query import Query, stems
from bot.records import (
    Article,
    ChatSettings,
    Link,
    NewArticle,
    SearchHit,
    SearchPage,
    Subscription,
)

log = logging.getLogger(__name__)
T = TypeVar("T")
# Markers FTS5's snippet() puts around matched words; the core turns them into bold spans.
HIT_START, HIT_END = "\x02", "\x03"


def content_hash(title: str, body: str) -> str:
    """A hash of the normalized text, so the same article stored twice is one row."""
    text = " ".join((title + "\n" + body).split()).casefold()
    return hashlib.sha256(text.encode()).hexdigest()


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class Store:
    """Articles, chats, subscriptions and the delivery log in one SQLite file.

    Synchronous and owned by one thread; async code calls `await store.run(fn)`.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._executor: ThreadPoolExecutor | None = None
        self.db.execute("PRAGMA foreign_keys = ON")
        migrate(self.db)

    @classmethod
    def open(cls, path: str | Path) -> Store:
        """Open (or create) the database file in WAL mode and bring its schema up to date."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        db = Database(conn)
        if db.journal_mode != "wal":
            db.enable_wal()
        db.execute("PRAGMA synchronous = NORMAL")
        return cls(db)

    @classmethod
    def memory(cls) -> Store:
        """An in-memory store, for tests and dry runs."""
        return cls(Database(sqlite3.connect(":memory:", check_same_thread=False)))

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

    # --- articles -------------------------------------------------------------------------

    def add_article(self, new: NewArticle, now: datetime) -> tuple[str, int]:
        """Store an article once; returns ("added" | "duplicate", id)."""
        digest = content_hash(new.title, new.body)
        with self.db.atomic():
            row = self.db.execute(
                "SELECT id FROM articles WHERE content_hash = ?", [digest]
            ).fetchone()
            if row:
                return "duplicate", int(row[0])
            table = self.db.table("articles")
            table.insert(
                {
                    "url": new.url,
                    "url_key": new.url,
                    "source": new.source,
                    "title": new.title,
                    "published": _iso(new.published),
                    "fetched": _iso(now),
                    "language": new.language,
                    "body": new.body,
                    "summary": json.dumps(list(new.summary), ensure_ascii=False),
                    "content_hash": digest,
                    "stems": stems(new.title + "\n" + new.body),
                    "origin": new.origin,
                }
            )
            return "added", int(table.last_pk or 0)

    def _article(self, row: dict[str, Any]) -> Article:
        links = tuple(
            Link(r["source"], r["title"], r["url"], _dt(r["published"]))
            for r in self.db.query("SELECT * FROM article_links WHERE article_id = ?", [row["id"]])
        )
        return Article(
            id=row["id"],
            title=row["title"],
            source=row["source"],
            body=row["body"],
            summary=tuple(json.loads(row["summary"] or "[]")),
            published=_dt(row["published"]),
            fetched=datetime.fromisoformat(row["fetched"]),
            url=row["url"],
            language=row["language"] or "de",
            content_hash=row["content_hash"],
            links=links,
        )

    def article(self, article_id: int) -> Article | None:
        """One article by id."""
        rows = list(self.db.query("SELECT * FROM articles WHERE id = ?", [article_id]))
        return self._article(rows[0]) if rows else None

    def latest(self, limit: int) -> list[Article]:
        """The newest articles, by publication (or fetch) time."""
        sql = "SELECT * FROM articles ORDER BY coalesce(published, fetched) DESC, id DESC LIMIT ?"
        return [self._article(r) for r in self.db.query(sql, [limit])]

    def articles_since(self, since: datetime, until: datetime | None = None) -> list[Article]:
        """Articles published or stored in [since, until): what is new to a chat since then."""
        upper = _iso(until) or "9999"
        sql = (
            "SELECT * FROM articles WHERE (published >= :since AND published < :until)"
            " OR (fetched >= :since AND fetched < :until)"
            " ORDER BY coalesce(published, fetched) DESC"
        )
        return [
            self._article(r) for r in self.db.query(sql, {"since": _iso(since), "until": upper})
        ]

    def count_articles(self) -> int:
        """How many articles are stored."""
        return int(self.db.execute("SELECT count(*) FROM articles").fetchone()[0])

    def search(self, query: Query, limit: int, offset: int = 0) -> SearchPage:
        """Ranked full-text search (bm25 over title, body and stems) with filters and snippets."""
        if not query.match:
            return SearchPage((), 0, offset)
        where = ["articles_fts MATCH ?"]
        args: list[Any] = [query.match]
        if query.since is not None:
            where.append("coalesce(a.published, a.fetched) >= ?")
            args.append(query.since.isoformat())
        if query.source:
            where.append("a.source LIKE ?")
            args.append(f"%{query.source}%")
        cond = " AND ".join(where)
        base = f"FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid WHERE {cond}"
        total = int(self.db.execute(f"SELECT count(*) {base}", args).fetchone()[0])
        sql = (
            f"SELECT a.*, snippet(articles_fts, 1, '{HIT_START}', '{HIT_END}', '…', 16) AS snip "
            f"{base} ORDER BY bm25(articles_fts, 4.0, 1.0, 0.6), a.published DESC "
            "LIMIT ? OFFSET ?"
        )
        rows = list(self.db.query(sql, [*args, limit, offset]))
        hits = tuple(SearchHit(self._article(r), r["snip"] or "") for r in rows)
        return SearchPage(hits, total, offset)

    # --- chats ----------------------------------------------------------------------------

    def ensure_chat(self, chat: str, now: datetime) -> None:
        """Create the chat's row with default settings if it is new."""
        self.db.table("chats").insert({"key": chat, "created": _iso(now)}, ignore=True)

    def settings(self, chat: str) -> ChatSettings:
        """The chat's settings (defaults for a chat never seen)."""
        rows = list(self.db.query("SELECT * FROM chats WHERE key = ?", [chat]))
        if not rows:
            return ChatSettings()
        r = rows[0]
        return ChatSettings(r["language"], r["stories"], r["sentences"], bool(r["send_empty"]))

    def subscribe(self, sub: Subscription, now: datetime) -> None:
        """Create or replace the chat's digest subscription."""
        with self.db.atomic():
            self.ensure_chat(sub.chat, now)
            self.db.table("subscriptions").upsert(
                {
                    "chat": sub.chat,
                    "time": sub.time,
                    "timezone": sub.timezone,
                    "created": _iso(sub.created or now),
                },
                pk="chat",
            )

    def unsubscribe(self, chat: str) -> bool:
        """End the chat's subscription; False when it had none."""
        with self.db.atomic():
            cur = self.db.execute("DELETE FROM subscriptions WHERE chat = ?", [chat])
            return cur.rowcount > 0

    def subscription(self, chat: str) -> Subscription | None:
        """The chat's subscription, if any."""
        rows = list(self.db.query("SELECT * FROM subscriptions WHERE chat = ?", [chat]))
        return self._subscription(rows[0]) if rows else None

    def subscriptions(self) -> list[Subscription]:
        """Every active subscription."""
        rows = self.db.query("SELECT * FROM subscriptions ORDER BY chat")
        return [self._subscription(r) for r in rows]

    @staticmethod
    def _subscription(row: dict[str, Any]) -> Subscription:
        return Subscription(row["chat"], row["time"], row["timezone"], _dt(row["created"]))

    def add_links(self, article_id: int, links: Iterable[Link]) -> None:
        """Record further sources of the same article."""
        self.db.table("article_links").insert_all(
            (
                {
                    "article_id": article_id,
                    "source": link.name,
                    "title": link.title,
                    "url": link.url,
                    "published": _iso(link.published),
                }
                for link in links
            ),
            ignore=True,
        )
