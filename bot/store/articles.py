"""Stored articles (sqlite-utils): adding with deduplication, seen inputs, links, lookups."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from bot.dedup import bands, content_hash, is_near_duplicate, normalize_url, signature
from bot.query import index_text, term_forms
from bot.records import Article, Link, NewArticle
from bot.store.table import Table, _dt, _iso
from summarizer import words

# The package's logger, as before the split into modules: log lines keep logger=bot.store.
log = logging.getLogger("bot.store")


class Articles(Table):
    """The articles table: stored articles, their links, the URLs already seen."""

    def add_article(self, new: NewArticle, now: datetime) -> tuple[str, int]:
        """Store an article once; returns ("added" | "duplicate" | "shared", id)."""
        return self.add_articles([new], now)[0]

    def add_articles(self, batch: Sequence[NewArticle], now: datetime) -> list[tuple[str, int]]:
        """Store a batch in one transaction; each is "added", a "duplicate" of a stored id, or
        "shared": a shared-pool duplicate of what only a chat's own feed had, now everyone's.

        A duplicate has the same normalized URL, the same content hash, or a near-identical
        body (the same wire story under a new headline); a duplicate from another source is
        kept as a further link of the stored article. Each `origin` is marked seen in the same
        transaction, so an ingest killed midway resumes where it stopped.
        """
        results: list[tuple[str, int]] = []
        compounds: Counter[str] = Counter()
        forms: set[str] = set()
        twins: list[int] = []
        with self.db.atomic():
            for new in (n.as_read(now) for n in batch):
                status, article_id = self._add_one(new, now, compounds, forms)
                if new.origin:
                    self.mark_seen(new.origin, status, now, article_id)
                if status == "duplicate" and new.chat_feed is None:
                    twins.append(article_id)
                results.append((status, article_id))
            # Once per batch, not per article: a batch of 1000 repeats most of its compounds.
            self.db.conn.executemany(
                "INSERT INTO compounds (stem, tail, articles) VALUES (?, ?, ?)"
                " ON CONFLICT (stem) DO UPDATE SET articles = articles + excluded.articles",
                [(stem, stem[::-1], n) for stem, n in compounds.items()],
            )
            self.db.conn.executemany(
                "INSERT OR IGNORE INTO articles_fts_forms (term, form) VALUES (?, ?)",
                term_forms(forms),
            )
            shared = self.share(twins)
        return [("shared" if s == "duplicate" and i in shared else s, i) for s, i in results]

    def _add_one(
        self, new: NewArticle, now: datetime, compounds: Counter[str], forms: set[str]
    ) -> tuple[str, int]:
        url_key = normalize_url(new.url) if new.url else None
        digest = content_hash(new.title, new.body)
        sql = "SELECT id, source FROM articles WHERE content_hash = ? OR url_key = ? LIMIT 1"
        row = self.db.execute(sql, [digest, url_key]).fetchone()
        if row:
            if row[1] != new.source:
                self._link(int(row[0]), new)
            log.debug("event=duplicate kind=exact id=%d", row[0])
            return "duplicate", int(row[0])
        # Split once: the signature and the index both start from the body's words.
        body_words = words(new.body)
        sig = signature(new.body, body_words)
        keys = bands(sig) if sig else []
        if sig:
            twin = self._near_duplicate(sig, keys)
            if twin is not None:
                self._link(twin, new)
                log.info("event=duplicate kind=near id=%d source=%s", twin, new.source)
                return "duplicate", twin
        index = index_text(new.title, new.body, body_words, kicker=new.kicker)
        compounds.update(index.compounds)
        cur = self.db.execute(
            "INSERT INTO articles (url, url_key, source, title, published, fetched, language,"
            " body, summary, content_hash, title_stems, body_stems, origin, minhash, chat_feed,"
            " kicker)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                new.chat_feed,
                new.kicker,
            ],
        )
        article_id = int(cur.lastrowid or 0)
        # Quoted phrases' index: the words in order, one form each (`query.phrase_forms`).
        self.db.execute(
            "INSERT INTO articles_fts_phrases (rowid, words) VALUES (?, ?)",
            [article_id, index.phrase],
        )
        forms.update(index.phrase.split())
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

    def share(self, article_ids: Iterable[int]) -> set[int]:
        """Articles a chat's own feed brought first that the shared pool has too: from now on
        every chat may read them. Returns those that were a chat's own until now."""
        ids = sorted(set(article_ids))
        # Without an article of a chat's own feed nothing is to share: an indexed read, not a
        # write, per batch.
        if not ids or not self._any_chats_only():
            return set()
        sql = (
            "UPDATE articles SET chat_feed = NULL WHERE chat_feed IS NOT NULL"
            " AND id IN (SELECT value FROM json_each(?)) RETURNING id"
        )
        return {int(r[0]) for r in self.db.execute(sql, [json.dumps(ids)]).fetchall()}

    def chats_only(
        self, article_ids: Iterable[int], urls: Iterable[str]
    ) -> tuple[set[int], set[str]]:
        """Of these articles and URLs, those only chats' own feeds brought so far: their ids and
        normalized URLs (a shared feed carrying one stores it again, which makes it everyone's)."""
        ids, keys = sorted(set(article_ids)), sorted({normalize_url(u) for u in urls})
        if not (ids or keys) or not self._any_chats_only():
            return set(), set()
        rows = self.db.execute(
            "SELECT id, url_key FROM articles WHERE chat_feed IS NOT NULL"
            " AND (id IN (SELECT value FROM json_each(?)) OR url_key IN"
            " (SELECT value FROM json_each(?)))",
            [json.dumps(ids), json.dumps(keys)],
        ).fetchall()
        return {int(i) for i, _ in rows}, {str(k) for _, k in rows if k}

    def _any_chats_only(self) -> bool:
        """Whether any article is a chat's own (an indexed read that spares the rest)."""
        sql = "SELECT 1 FROM articles WHERE chat_feed > 0 LIMIT 1"
        return self.db.execute(sql).fetchone() is not None

    def has_url(self, url: str) -> bool:
        """True when an article with this (normalized) URL is stored."""
        sql = "SELECT 1 FROM articles WHERE url_key = ? LIMIT 1"
        return self.db.execute(sql, [normalize_url(url)]).fetchone() is not None

    def article(self, article_id: int) -> Article | None:
        """One article by id."""
        rows = list(self.db.query("SELECT * FROM articles WHERE id = ?", [article_id]))
        return self.from_row(rows[0]) if rows else None

    def latest(self, limit: int, feeds: Sequence[int] | None = None) -> list[Article]:
        """The newest articles, by publication (or fetch) time; with `feeds`, those a chat
        with these own feeds may read (None: every article, for the operator)."""
        where = ""
        args: list[Any] = [limit]
        if feeds is not None:
            where = "WHERE chat_feed IS NULL OR chat_feed IN (SELECT value FROM json_each(?)) "
            args = [json.dumps(list(feeds)), limit]
        sql = (
            f"SELECT * FROM articles {where}"  # noqa: S608 - fixed text
            "ORDER BY coalesce(published, fetched) DESC, id DESC LIMIT ?"
        )
        return [self.from_row(r) for r in self.db.query(sql, args)]

    def articles_since(self, since: datetime, until: datetime | None = None) -> list[Article]:
        """Articles published or stored in [since, until): what is new to a chat since then."""
        upper = _iso(until) or "9999"
        sql = (
            "SELECT * FROM articles WHERE (published >= :since AND published < :until)"
            " OR (fetched >= :since AND fetched < :until)"
            " ORDER BY coalesce(published, fetched) DESC"
        )
        return [
            self.from_row(r) for r in self.db.query(sql, {"since": _iso(since), "until": upper})
        ]

    def sources(self) -> list[str]:
        """The outlets articles come from (the operator's list a chat chooses from), by name."""
        sql = "SELECT DISTINCT source FROM articles WHERE source NOT IN ('', 'unbekannt')"
        return sorted((str(r[0]) for r in self.db.execute(sql)), key=str.casefold)

    def count_articles(self) -> int:
        """How many articles are stored."""
        return int(self.db.execute("SELECT count(*) FROM articles").fetchone()[0])

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

    def articles_by_id(self, ids: Iterable[int]) -> list[Article]:
        """The articles with these ids, in id order (missing ids are left out)."""
        wanted = sorted(set(ids))
        if not wanted:
            return []
        sql = "SELECT * FROM articles WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id"
        return [self.from_row(r) for r in self.db.query(sql, [json.dumps(wanted)])]

    def unsummarized(self, limit: int) -> list[Article]:
        """Stored articles still without a summary, oldest first."""
        sql = "SELECT * FROM articles WHERE summary IN ('', '[]') ORDER BY id LIMIT ?"
        return [self.from_row(r) for r in self.db.query(sql, [limit])]

    def set_summary(self, article_id: int, summary: Sequence[str]) -> None:
        """Store an article's summary sentences."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE articles SET summary = ? WHERE id = ?",
                [json.dumps(list(summary), ensure_ascii=False), article_id],
            )

    def iter_articles(self, since: datetime | None = None) -> Iterator[Article]:
        """Every article (or those stored since `since`) in id order, streamed."""
        sql = "SELECT * FROM articles WHERE fetched >= ? ORDER BY id"
        for row in self.db.query(sql, [_iso(since) or ""]):
            yield self.from_row(row)

    def last_ingest(self) -> datetime | None:
        """When the newest article was stored."""
        row = self.db.execute("SELECT max(fetched) FROM articles").fetchone()
        return _dt(row[0])

    def from_row(self, row: dict[str, Any]) -> Article:
        """An article record from its row, with the links merged into it."""
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
            chat_feed=row.get("chat_feed"),
            kicker=row["kicker"] or "",
        )
