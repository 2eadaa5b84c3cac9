"""The SQLite store (sqlite-utils): the only module that holds SQL; implements `Library`."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database

from bot.dedup import bands, content_hash, is_near_duplicate, normalize_url, signature
from bot.migrations import migrate
from bot.query import MIN_PART, Query, index_text, make_snippet, to_match
from bot.records import (
    FEED_FAILING_AFTER,
    Alert,
    Article,
    ChatSettings,
    Feed,
    Link,
    NewArticle,
    SearchHit,
    SearchPage,
    Subscription,
)

log = logging.getLogger(__name__)
T = TypeVar("T")
# A search ranks at most this many matches, the newest (by rowid): 100 pages of 5. Ranking
# every match costs ~1.7 µs each in bm25 alone, 170 ms for a word in all 100k articles; a word
# in more articles than this gets "500+" hits and its newest 500 ranked (1000 cost ~5 ms more
# at p95 for 3-word queries at 100k).
CANDIDATES = 500
# Newest articles a query word is counted in to tell whether it is in half of all articles.
COMMON_SAMPLE = 1000
# Compounds tried per query word (`Luftabwehr` → `Luftabwehrsysteme`), the most used first.
COMPOUNDS = 12
# A match published today weighs up to (1 + RECENCY_BOOST) times one from long ago; the boost
# halves after RECENCY_DAYS.
RECENCY_BOOST = 0.5
RECENCY_DAYS = 14.0


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _like(text: str) -> str:
    """Escape LIKE wildcards so `quelle:%` matches a literal percent sign."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _by_score(row: tuple[int, str, float]) -> tuple[float, int]:
    """Best boosted bm25 first (FTS5 ranks are negative), then the newer article."""
    return row[2], -row[0]


class Store:
    """Articles, chats, subscriptions and the delivery log in one SQLite file.

    Synchronous and owned by one thread; async code calls `await store.run(fn)`.
    """

    def __init__(self, db: Database, *, migrate_schema: bool = True) -> None:
        self.db = db
        self._executor: ThreadPoolExecutor | None = None
        self.db.execute("PRAGMA foreign_keys = ON")
        if migrate_schema:
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
        # 64 MiB of page cache (default 2 MiB): ingest updates five indexes at random places;
        # at 100k articles a batch of 1000 took 0.97-1.03 s instead of 1.05-1.08 s.
        db.execute("PRAGMA cache_size = -65536")
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
        return self.add_articles([new], now)[0]

    def add_articles(self, batch: Sequence[NewArticle], now: datetime) -> list[tuple[str, int]]:
        """Store a batch in one transaction; each is "added" or a "duplicate" of a stored id.

        A duplicate has the same normalized URL, the same content hash, or a near-identical
        body (the same wire story under a new headline); a duplicate from another source is
        kept as a further link of the stored article. Each `origin` is marked seen in the same
        transaction, so an ingest killed midway resumes where it stopped.
        """
        results: list[tuple[str, int]] = []
        compounds: Counter[str] = Counter()
        with self.db.atomic():
            for new in batch:
                status, article_id = self._add_one(new, now, compounds)
                if new.origin:
                    self.mark_seen(new.origin, status, now, article_id)
                results.append((status, article_id))
            # Once per batch, not per article: a batch of 1000 repeats most of its compounds.
            self.db.conn.executemany(
                "INSERT INTO compounds (stem, tail, articles) VALUES (?, ?, ?)"
                " ON CONFLICT (stem) DO UPDATE SET articles = articles + excluded.articles",
                [(stem, stem[::-1], n) for stem, n in compounds.items()],
            )
        return results

    def _add_one(self, new: NewArticle, now: datetime, compounds: Counter[str]) -> tuple[str, int]:
        url_key = normalize_url(new.url) if new.url else None
        digest = content_hash(new.title, new.body)
        sql = "SELECT id, source FROM articles WHERE content_hash = ? OR url_key = ? LIMIT 1"
        row = self.db.execute(sql, [digest, url_key]).fetchone()
        if row:
            if row[1] != new.source:
                self._link(int(row[0]), new)
            log.debug("event=duplicate kind=exact id=%d", row[0])
            return "duplicate", int(row[0])
        sig = signature(new.body)
        keys = bands(sig) if sig else []
        if sig:
            twin = self._near_duplicate(sig, keys)
            if twin is not None:
                self._link(twin, new)
                log.info("event=duplicate kind=near id=%d source=%s", twin, new.source)
                return "duplicate", twin
        index = index_text(new.title, new.body)
        compounds.update(index.compounds)
        cur = self.db.execute(
            "INSERT INTO articles (url, url_key, source, title, published, fetched, language,"
            " body, summary, content_hash, title_stems, body_stems, origin, minhash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                new.url,
                url_key,
                new.source,
                new.title,
                _iso(new.published),
                _iso(now),
                new.language,
                new.body,
                json.dumps(list(new.summary), ensure_ascii=False),
                digest,
                index.title,
                index.body,
                new.origin,
                sig,
            ],
        )
        article_id = int(cur.lastrowid or 0)
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO article_bands (band, article_id) VALUES (?, ?)",
            [(key, article_id) for key in keys],
        )
        return "added", article_id

    def _near_duplicate(self, sig: bytes, keys: list[int]) -> int | None:
        marks = ",".join("?" * len(keys))
        rows = self.db.execute(
            "SELECT DISTINCT a.id, a.minhash FROM article_bands b JOIN articles a"  # noqa: S608
            f" ON a.id = b.article_id WHERE b.band IN ({marks}) ORDER BY a.id LIMIT 50",
            keys,
        ).fetchall()
        for article_id, other in rows:
            if other and is_near_duplicate(sig, bytes(other)):
                return int(article_id)
        return None

    def _link(self, article_id: int, new: NewArticle) -> None:
        self.add_links(article_id, [Link(new.source, new.title, new.url, new.published)])

    def mark_seen(
        self, key: str, status: str, now: datetime, article_id: int | None = None
    ) -> None:
        """Remember that an input (a file path, a feed item) was handled, whatever came of it."""
        with self.db.atomic():
            self.db.execute(
                "INSERT OR REPLACE INTO seen (key, article_id, status, at) VALUES (?, ?, ?, ?)",
                [key, article_id, status, _iso(now)],
            )

    def seen(self, keys: Iterable[str]) -> dict[str, int | None]:
        """Which of these inputs were handled before, with the article each became (if any)."""
        out: dict[str, int | None] = {}
        chunk: list[str] = []
        for key in [*keys, None]:
            if key is not None:
                chunk.append(key)
            if chunk and (key is None or len(chunk) == 500):
                marks = ",".join("?" * len(chunk))
                sql = f"SELECT key, article_id FROM seen WHERE key IN ({marks})"  # noqa: S608
                out.update({k: v for k, v in self.db.execute(sql, chunk).fetchall()})
                chunk = []
        return out

    def has_url(self, url: str) -> bool:
        """True when an article with this (normalized) URL is stored."""
        sql = "SELECT 1 FROM articles WHERE url_key = ? LIMIT 1"
        return self.db.execute(sql, [normalize_url(url)]).fetchone() is not None

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

    def search(
        self, query: Query, limit: int, offset: int = 0, *, now: datetime | None = None
    ) -> SearchPage:
        """Ranked full-text search: bm25 with a recency boost, filters, snippets and paging.

        Articles matching every word's stem come first, ranked; those matching a word only
        through a compound (`Luftabwehr` in `Luftabwehrsysteme`) follow, newest first.
        """
        if not query.match:
            return SearchPage((), 0, offset)
        args: dict[str, Any] = {
            "now": _iso(now or datetime.now(UTC)),
            "boost": RECENCY_BOOST,
            "days": RECENCY_DAYS,
            "window": CANDIDATES + 1,
        }
        where = ""
        if query.since is not None:
            where += " AND coalesce(a.published, a.fetched) >= :since"
            args["since"] = query.since.isoformat()
        if query.source:
            where += " AND a.source LIKE :source ESCAPE '\\'"
            args["source"] = "%" + _like(query.source) + "%"
        ranked = self._ranked(query.roots, where, args)
        capped = len(ranked) > CANDIDATES
        match = query.match
        if not capped:
            match = to_match(query.roots, {root: self._compounds(root) for root in query.roots})
        if match != query.match:
            # bm25 reads every article matching each of its phrases once per query, so only
            # the exact stems are ranked; the compounds just widen the match.
            known = {row[0] for row in ranked}
            found = self._candidates(match, where, args, scored=False)
            # Newest first: dates are ISO strings in UTC, which sort as text.
            rest = sorted(
                (r for r in found if r[0] not in known), key=lambda r: (r[1], r[0]), reverse=True
            )
            ranked += rest
            capped = len(found) > CANDIDATES
        ranked = ranked[:CANDIDATES]
        ids = [row[0] for row in ranked[offset : offset + limit]]
        rows = {
            r["id"]: r
            for r in self.db.query(
                "SELECT * FROM articles WHERE id IN (SELECT value FROM json_each(?))",
                [json.dumps(ids)],
            )
        }
        hits = tuple(
            SearchHit(self._article(rows[i]), make_snippet(rows[i]["body"], query)) for i in ids
        )
        return SearchPage(hits, len(ranked), offset, capped)

    def _ranked(
        self, roots: Sequence[str], where: str, args: dict[str, Any]
    ) -> list[tuple[int, str, float]]:
        """The newest matches of every root (up to CANDIDATES + 1), best boosted bm25 first.

        A root in half the articles or more adds nothing to bm25 (FTS5 clamps its idf to
        1e-6), yet bm25 reads its whole doclist, ~4 ms at 100k articles. Such a root filters
        the matches but is left out of the query that ranks them.
        """
        common = self._common(roots) if len(roots) > 1 else set()
        scored = [root for root in roots if root not in common]
        if not common or not scored:
            return sorted(self._candidates(to_match(roots), where, args), key=_by_score)
        found = self._candidates(to_match(roots), where, args, scored=False)
        if not found:
            return []
        # Every match of all roots is a match of the scored ones, in the same rowid range.
        since_first = where + " AND articles_fts.rowid >= :lowest"
        lowest = {"lowest": min(row[0] for row in found), "window": -1}
        scores = {
            row[0]: row[2] for row in self._candidates(to_match(scored), since_first, args | lowest)
        }
        return sorted(((i, day, scores[i]) for i, day, _ in found), key=_by_score)

    def _common(self, roots: Sequence[str]) -> set[str]:
        """The roots found in at least half of the newest COMMON_SAMPLE articles."""
        newest = int(self.db.execute("SELECT max(id) FROM articles").fetchone()[0] or 0)
        sample = min(COMMON_SAMPLE, newest)
        common = set()
        for root in roots:
            count = self.db.execute(
                "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ? AND rowid > ?",
                [to_match([root]), newest - sample],
            ).fetchone()[0]
            if 2 * count >= sample:
                common.add(root)
        return common

    def _candidates(
        self, match: str, where: str, args: dict[str, Any], *, scored: bool = True
    ) -> list[tuple[int, str, float]]:
        """The newest matches (up to `window`): id, date and (if scored) boosted bm25."""
        score = (
            "articles_fts.rank * (1 + :boost / (1 + max(0, julianday(:now)"
            " - julianday(coalesce(a.published, a.fetched))) / :days))"
            if scored
            else "0.0"
        )
        sql = (
            # Only fixed SQL and named placeholders are joined here.
            f"SELECT articles_fts.rowid, coalesce(a.published, a.fetched), {score}"  # noqa: S608
            " FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid"
            f" WHERE articles_fts MATCH :match{where}"
            " ORDER BY articles_fts.rowid DESC LIMIT :window"
        )
        return [
            (int(r[0]), str(r[1]), float(r[2]))
            for r in self.db.execute(sql, args | {"match": match})
        ]

    def _compounds(self, root: str) -> list[str]:
        """Stored compounds that start or end with `root`, the most widely used first."""
        if len(root) < MIN_PART:
            return []
        head, tail = root, root[::-1]
        rows = self.db.execute(
            "SELECT stem FROM (SELECT stem, articles FROM compounds WHERE stem > :head"
            " AND stem < :head || char(1114111) UNION SELECT stem, articles FROM compounds"
            " WHERE tail > :tail AND tail < :tail || char(1114111))"
            " ORDER BY articles DESC, stem LIMIT :n",
            {"head": head, "tail": tail, "n": COMPOUNDS},
        )
        return [str(r[0]) for r in rows]

    # --- feeds ----------------------------------------------------------------------------

    def add_feed(self, url: str, now: datetime, title: str | None = None) -> Feed:
        """Add a feed to poll (due at once); adding a known URL returns the stored feed."""
        url = url.strip()
        with self.db.atomic():
            self.db.execute(
                "INSERT OR IGNORE INTO feeds (url, title, failures, created) VALUES (?, ?, 0, ?)",
                [url, title, _iso(now)],
            )
            if title:
                self.db.execute(
                    "UPDATE feeds SET title = ? WHERE url = ? AND title IS NULL", [title, url]
                )
        rows = list(self.db.query("SELECT * FROM feeds WHERE url = ?", [url]))
        return self._feed(rows[0])

    def feeds(self) -> list[Feed]:
        """Every feed, in the order they were added."""
        return [self._feed(r) for r in self.db.query("SELECT * FROM feeds ORDER BY id")]

    def feed(self, feed_id: int) -> Feed | None:
        """One feed by id."""
        rows = list(self.db.query("SELECT * FROM feeds WHERE id = ?", [feed_id]))
        return self._feed(rows[0]) if rows else None

    def remove_feed(self, feed_id: int) -> bool:
        """Stop polling a feed; its articles stay. False when there is no such feed."""
        with self.db.atomic():
            cur = self.db.execute("DELETE FROM feeds WHERE id = ?", [feed_id])
            return cur.rowcount > 0

    def due_feeds(self, now: datetime) -> list[Feed]:
        """Feeds whose next fetch time has come (or that were never fetched)."""
        sql = "SELECT * FROM feeds WHERE next_fetch IS NULL OR next_fetch <= ? ORDER BY id"
        return [self._feed(r) for r in self.db.query(sql, [_iso(now)])]

    def feed_fetched(self, feed: Feed, now: datetime, next_fetch: datetime) -> Feed:
        """Record a successful poll: validators for the next conditional GET, errors cleared."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE feeds SET title = coalesce(?, title), etag = ?, last_modified = ?,"
                " last_fetched = ?, next_fetch = ?, failures = 0, error = NULL WHERE id = ?",
                [
                    feed.title,
                    feed.etag,
                    feed.last_modified,
                    _iso(now),
                    _iso(next_fetch),
                    feed.id,
                ],
            )
        return self.feed(feed.id) or feed

    def feed_failed(self, feed_id: int, error: str, now: datetime, next_fetch: datetime) -> Feed:
        """Record a failed poll: one more failure in a row, the error, and the backed-off retry."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE feeds SET failures = failures + 1, error = ?, last_fetched = ?,"
                " next_fetch = ? WHERE id = ?",
                [error, _iso(now), _iso(next_fetch), feed_id],
            )
        feed = self.feed(feed_id)
        if feed is None:
            raise KeyError(feed_id)
        return feed

    @staticmethod
    def _feed(row: dict[str, Any]) -> Feed:
        return Feed(
            id=row["id"],
            url=row["url"],
            title=row["title"],
            failures=row["failures"] or 0,
            error=row["error"],
            last_fetched=_dt(row["last_fetched"]),
            next_fetch=_dt(row["next_fetch"]),
            etag=row["etag"],
            last_modified=row["last_modified"],
        )

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

    # --- chats, settings and alerts (transports) -----------------------------------------

    def chat_language(self, chat: str) -> str | None:
        """The language the chat chose (or was first answered in); None for a new chat."""
        row = self.db.execute("SELECT language FROM chats WHERE key = ?", [chat]).fetchone()
        return str(row[0]) if row and row[0] else None

    def update_settings(
        self,
        chat: str,
        now: datetime,
        *,
        language: str | None = None,
        stories: int | None = None,
        sentences: int | None = None,
    ) -> ChatSettings:
        """Change some of the chat's settings (creating the chat); returns them all."""
        changes = {
            k: v
            for k, v in (("language", language), ("stories", stories), ("sentences", sentences))
            if v is not None
        }
        with self.db.atomic():
            self.ensure_chat(chat, now)
            if changes:
                self.db.table("chats").update(chat, changes)
        return self.settings(chat)

    def add_alert(self, chat: str, words: tuple[str, ...], now: datetime) -> int:
        """Store a keyword alert (folded plain words); returns its id."""
        with self.db.atomic():
            self.ensure_chat(chat, now)
            table = self.db.table("alerts")
            table.insert({"chat": chat, "words": " ".join(words), "created": _iso(now)})
            return int(table.last_pk or 0)

    def alerts(self, chat: str | None = None) -> list[Alert]:
        """The chat's alerts (every chat's when `chat` is None), oldest first."""
        sql, args = "SELECT * FROM alerts ORDER BY id", []
        if chat is not None:
            sql, args = "SELECT * FROM alerts WHERE chat = ? ORDER BY id", [chat]
        return [
            Alert(r["id"], r["chat"], tuple(r["words"].split()), _dt(r["created"]))
            for r in self.db.query(sql, args)
        ]

    def remove_alert(self, chat: str, alert_id: int) -> bool:
        """Delete one of the chat's alerts; False when the chat has no such alert."""
        with self.db.atomic():
            self.db.execute(
                "DELETE FROM alert_hits WHERE alert_id IN "
                "(SELECT id FROM alerts WHERE id = ? AND chat = ?)",
                [alert_id, chat],
            )
            cur = self.db.execute("DELETE FROM alerts WHERE id = ? AND chat = ?", [alert_id, chat])
            return cur.rowcount > 0

    def load_state(self, key: str) -> str | None:
        """A small named value (sync token, last search), or None."""
        row = self.db.execute("SELECT value FROM state WHERE key = ?", [key]).fetchone()
        return str(row[0]) if row else None

    def save_state(self, key: str, value: str | None) -> None:
        """Set (or with None, delete) a small named value."""
        with self.db.atomic():
            if value is None:
                self.db.execute("DELETE FROM state WHERE key = ?", [key])
            else:
                self.db.table("state").upsert({"key": key, "value": value}, pk="key")

    def remember_search(self, chat: str, text: str, page: int) -> None:
        """Keep the chat's last search and page, so buttons and /more carry only a page."""
        self.save_state(f"search:{chat}", json.dumps([text, page], ensure_ascii=False))

    def last_search(self, chat: str) -> tuple[str, int] | None:
        """The chat's last search text and the page it saw."""
        value = self.load_state(f"search:{chat}")
        if value is None:
            return None
        text, page = json.loads(value)
        return str(text), int(page)

    def forget_chat(self, chat: str) -> bool:
        """End a gone chat's subscription and alerts; True when it had any."""
        with self.db.atomic():
            subs = self.db.execute("DELETE FROM subscriptions WHERE chat = ?", [chat]).rowcount
            self.db.execute(
                "DELETE FROM alert_hits WHERE alert_id IN (SELECT id FROM alerts WHERE chat = ?)",
                [chat],
            )
            alerts = self.db.execute("DELETE FROM alerts WHERE chat = ?", [chat]).rowcount
            self.db.execute("DELETE FROM state WHERE key = ?", [f"search:{chat}"])
            return subs + alerts > 0

    def move_chat(self, old: str, new: str) -> None:
        """A chat got a new key (Telegram group → supergroup): carry settings and subscriptions."""
        with self.db.atomic():
            row = self.db.execute("SELECT * FROM chats WHERE key = ?", [old]).fetchone()
            if row is None:
                return
            columns = [d[0] for d in self.db.execute("SELECT * FROM chats LIMIT 0").description]
            values = dict(zip(columns, row, strict=True))
            values["key"] = new
            self.db.table("chats").insert(values, replace=True)
            for table in ("subscriptions", "alerts", "deliveries"):
                self.db.execute(
                    f"UPDATE OR REPLACE {table} SET chat = ? WHERE chat = ?",  # noqa: S608
                    [new, old],
                )
            self.db.execute(
                "UPDATE OR REPLACE state SET key = ? WHERE key = ?",
                [f"search:{new}", f"search:{old}"],
            )
            self.db.execute("DELETE FROM chats WHERE key = ?", [old])

    # --- deliveries and digests (schedule) -----------------------------------------------

    def last_digest_at(self, chat: str) -> datetime | None:
        """When the chat last got a digest (scheduled or asked for at subscribing)."""
        row = self.db.execute(
            "SELECT max(t) FROM (SELECT max(sent) AS t FROM deliveries"
            " WHERE chat = ? AND status = 'sent'"
            " UNION ALL SELECT sent FROM digest_requests WHERE chat = ?)",
            [chat, chat],
        ).fetchone()
        return _dt(row[0])

    def delivery_status(self, chat: str, digest_date: date) -> str | None:
        """The logged outcome of the chat's digest for that date, None if there is none."""
        row = self.db.execute(
            "SELECT status FROM deliveries WHERE chat = ? AND digest_date = ?",
            [chat, digest_date.isoformat()],
        ).fetchone()
        return str(row[0]) if row else None

    def record_delivery(
        self,
        chat: str,
        digest_date: date,
        *,
        status: str,
        at: datetime,
        scheduled: datetime | None = None,
        note: str = "",
    ) -> bool:
        """Log the digest of (chat, date) once, in one transaction; False when already logged."""
        with self.db.atomic():
            cur = self.db.execute(
                "INSERT OR IGNORE INTO deliveries"
                " (chat, digest_date, sent, status, note, scheduled) VALUES (?, ?, ?, ?, ?, ?)",
                [chat, digest_date.isoformat(), _iso(at), status, note, _iso(scheduled)],
            )
            return cur.rowcount > 0

    def claim_delivery(
        self, chat: str, digest_date: date, *, at: datetime, scheduled: datetime | None = None
    ) -> bool:
        """Mark the digest of (chat, date) as being sent, before sending; False if already logged.

        Claiming first makes delivery at-most-once: a crash mid-send leaves a `sending` row
        that `abandon_unfinished` turns into a logged `unknown`, never a second post.
        """
        return self.record_delivery(chat, digest_date, status="sending", at=at, scheduled=scheduled)

    def finish_delivery(
        self, chat: str, digest_date: date, *, status: str, at: datetime, note: str = ""
    ) -> None:
        """Record how a claimed delivery ended (`sent`, `failed`, `gone`)."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE deliveries SET status = ?, sent = ?, note = ?"
                " WHERE chat = ? AND digest_date = ?",
                [status, _iso(at), note, chat, digest_date.isoformat()],
            )

    def abandon_unfinished(self, now: datetime) -> list[tuple[str, str]]:
        """Turn deliveries left `sending` by a stopped process into `unknown`; returns them."""
        with self.db.atomic():
            rows = self.db.execute(
                "SELECT chat, digest_date FROM deliveries WHERE status = 'sending'"
            ).fetchall()
            self.db.execute(
                "UPDATE deliveries SET status = 'unknown', sent = ?,"
                " note = 'the process stopped while sending; not resent'"
                " WHERE status = 'sending'",
                [_iso(now)],
            )
        return [(str(chat), str(day)) for chat, day in rows]

    def digest_keywords(self, chat: str) -> tuple[str, ...]:
        """The chat's digest keyword filter (`-word` excludes)."""
        row = self.db.execute("SELECT digest_keywords FROM chats WHERE key = ?", [chat]).fetchone()
        return tuple(row[0].split()) if row and row[0] else ()

    def set_digest_keywords(self, chat: str, keywords: Sequence[str], now: datetime) -> None:
        """Replace the chat's digest keyword filter."""
        with self.db.atomic():
            self.ensure_chat(chat, now)
            self.db.table("chats").update(chat, {"digest_keywords": " ".join(keywords)})

    def request_digest(self, chat: str, now: datetime) -> None:
        """Ask for the latest digest at once (a new subscriber's choice)."""
        with self.db.atomic():
            self.ensure_chat(chat, now)
            self.db.table("digest_requests").upsert(
                {"chat": chat, "requested": _iso(now), "sent": None}, pk="chat"
            )

    def pending_requests(self) -> list[str]:
        """Chats waiting for their first digest."""
        rows = self.db.execute("SELECT chat FROM digest_requests WHERE sent IS NULL ORDER BY 1")
        return [str(r[0]) for r in rows]

    def finish_request(self, chat: str, at: datetime) -> None:
        """Mark a chat's first digest as sent (its window starts here)."""
        with self.db.atomic():
            self.db.execute("UPDATE digest_requests SET sent = ? WHERE chat = ?", [_iso(at), chat])

    def articles_by_id(self, ids: Iterable[int]) -> list[Article]:
        """The articles with these ids, in id order (missing ids are left out)."""
        wanted = sorted(set(ids))
        if not wanted:
            return []
        sql = "SELECT * FROM articles WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id"
        return [self._article(r) for r in self.db.query(sql, [json.dumps(wanted)])]

    def has_alert_hit(self, alert_ids: Sequence[int], article_id: int) -> bool:
        """True when one of these alerts was already pushed for the article."""
        row = self.db.execute(
            "SELECT 1 FROM alert_hits WHERE article_id = ?"
            " AND alert_id IN (SELECT value FROM json_each(?)) LIMIT 1",
            [article_id, json.dumps(list(alert_ids))],
        ).fetchone()
        return row is not None

    def record_alert_hits(self, alert_ids: Sequence[int], article_id: int, at: datetime) -> None:
        """Log that an article was pushed for these alerts, in one transaction."""
        with self.db.atomic():
            self.db.table("alert_hits").insert_all(
                ({"alert_id": a, "article_id": article_id, "sent": _iso(at)} for a in alert_ids),
                ignore=True,
            )

    def unsummarized(self, limit: int) -> list[Article]:
        """Stored articles still without a summary, oldest first."""
        sql = "SELECT * FROM articles WHERE summary IN ('', '[]') ORDER BY id LIMIT ?"
        return [self._article(r) for r in self.db.query(sql, [limit])]

    def set_summary(self, article_id: int, summary: Sequence[str]) -> None:
        """Store an article's summary sentences."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE articles SET summary = ? WHERE id = ?",
                [json.dumps(list(summary), ensure_ascii=False), article_id],
            )

    # --- operations (status, backup, export) ----------------------------------------------

    @classmethod
    def open_readonly(cls, path: str | Path) -> Store:
        """Open an existing database read-only and unmigrated: status, backup, export, health."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no database at {path}")
        uri = f"{path.resolve().as_uri()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=30)
        return cls(Database(conn), migrate_schema=False)

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

    def failed_deliveries(self, since: datetime, limit: int = 20) -> list[FailedDelivery]:
        """Digest deliveries since `since` whose status is not a known success."""
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
