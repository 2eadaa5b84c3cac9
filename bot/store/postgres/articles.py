"""Stored articles on PostgreSQL (psycopg): adding with deduplication, seen inputs, links,
lookups, and the search index's rows written in the same transaction."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from bot.dedup import bands, content_hash, is_near_duplicate, normalize_url, signature
from bot.query import index_text
from bot.records import Article, Link, NewArticle
from bot.store.postgres.base import Table
from bot.store.postgres.terms import index_row
from bot.store.table import _dt, _iso
from summarizer import words

log = logging.getLogger("bot.store")

# pg_advisory_xact_lock key for adding articles: one batch at a time across processes, so the
# duplicate checks see every article stored before, as SQLite's write lock guarantees.
INGEST_LOCK = 0x6E657773626F75


class Articles(Table):
    """The articles table: stored articles, their links, the URLs already seen."""

    def add_article(self, new: NewArticle, now: datetime) -> tuple[str, int]:
        """Store an article once; returns ("added" | "duplicate", id)."""
        return self.add_articles([new], now)[0]

    def add_articles(self, batch: Sequence[NewArticle], now: datetime) -> list[tuple[str, int]]:
        """Store a batch in one transaction; each is "added" or a "duplicate" of a stored id
        (same URL, same content hash or a near-identical body, as on SQLite)."""
        results: list[tuple[str, int]] = []
        compounds: Counter[str] = Counter()
        terms: Counter[str] = Counter()
        tokens = 0
        # Pipelined: only the statements whose answer is needed wait for it (3 round trips an
        # article instead of 6).
        with self.db.atomic() as conn, conn.pipeline():
            self.db.send("SELECT pg_advisory_xact_lock(%s)", [INGEST_LOCK])
            for new in (n.as_read(now) for n in batch):
                status, article_id, size = self._add_one(new, now, compounds, terms)
                tokens += size
                if new.origin:
                    self.mark_seen(new.origin, status, now, article_id)
                results.append((status, article_id))
            added = sum(1 for status, _ in results if status == "added")
            self._count(compounds, terms, added, tokens)
        return results

    def _count(self, compounds: Counter[str], terms: Counter[str], added: int, tokens: int) -> None:
        """Add one batch's compounds, per-term article counts and sizes (in key order, so two
        writers never wait on each other's rows crosswise)."""
        if compounds:
            stems = sorted(compounds)
            self.db.send(
                "INSERT INTO compounds (stem, tail, articles)"
                " SELECT s, reverse(s), n FROM unnest(%s::text[], %s::bigint[]) AS t(s, n)"
                " ON CONFLICT (stem) DO UPDATE"
                " SET articles = compounds.articles + excluded.articles",
                [stems, [compounds[s] for s in stems]],
            )
        if terms:
            keys = sorted(terms)
            self.db.send(
                "INSERT INTO articles_fts_terms (term, articles)"
                " SELECT t, n FROM unnest(%s::text[], %s::bigint[]) AS x(t, n)"
                " ON CONFLICT (term) DO UPDATE"
                " SET articles = articles_fts_terms.articles + excluded.articles",
                [keys, [terms[k] for k in keys]],
            )
        if added:
            self.db.send(
                "UPDATE articles_fts_totals SET articles = articles + %s, tokens = tokens + %s",
                [added, tokens],
            )

    def _add_one(
        self, new: NewArticle, now: datetime, compounds: Counter[str], terms: Counter[str]
    ) -> tuple[str, int, int]:
        url_key = normalize_url(new.url) if new.url else None
        digest = content_hash(new.title, new.body)
        found = self.db.fetch(
            "SELECT id, source FROM articles WHERE content_hash = %s OR url_key = %s LIMIT 1",
            [digest, url_key],
        )
        row = found[0] if found else None
        if row:
            if row[1] != new.source:
                self._link(int(row[0]), new)
            if new.chat_feed is None:
                self.share([int(row[0])], ())
            log.debug("event=duplicate kind=exact id=%d", row[0])
            return "duplicate", int(row[0]), 0
        body_words = words(new.body)
        sig = signature(new.body, body_words)
        keys = bands(sig) if sig else []
        if sig:
            twin = self._near_duplicate(sig, keys)
            if twin is not None:
                self._link(twin, new)
                if new.chat_feed is None:
                    self.share([twin], ())
                log.info("event=duplicate kind=near id=%d source=%s", twin, new.source)
                return "duplicate", twin, 0
        index = index_text(new.title, new.body, body_words, kicker=new.kicker)
        compounds.update(index.compounds)
        inserted = self.db.fetch(
            "INSERT INTO articles (url, url_key, source, title, published, fetched, language,"
            " body, summary, content_hash, title_stems, body_stems, origin, minhash, chat_feed,"
            " kicker)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
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
        article_id = int(inserted[0][0])
        if keys:
            self.db.send(
                "INSERT INTO article_bands (band, article_id)"
                " SELECT unnest(%s::bigint[]), %s ON CONFLICT DO NOTHING",
                [keys, article_id],
            )
        lexemes, size = index_row(index.title, index.body)
        terms.update(lexemes)
        self.db.send(
            "INSERT INTO articles_fts (id, terms, tokens)"
            " VALUES (%s, array_to_tsvector(%s::text[]), %s)",
            [article_id, lexemes, size],
        )
        return "added", article_id, size

    def _near_duplicate(self, sig: bytes, keys: list[int]) -> int | None:
        rows = self.db.fetch(
            "SELECT DISTINCT a.id, a.minhash FROM article_bands b JOIN articles a"
            " ON a.id = b.article_id WHERE b.band = ANY(%s) ORDER BY a.id LIMIT 50",
            [keys],
        )
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
        self.db.send(
            "INSERT INTO seen (key, article_id, status, at) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (key) DO UPDATE SET article_id = excluded.article_id,"
            " status = excluded.status, at = excluded.at",
            [key, article_id, status, _iso(now)],
        )

    def seen(self, keys: Iterable[str]) -> dict[str, int | None]:
        """Which of these inputs were handled before, with the article each became (if any)."""
        rows = self.db.execute(
            "SELECT key, article_id FROM seen WHERE key = ANY(%s)", [list(keys)]
        ).rows
        return {str(k): v for k, v in rows}

    def share(self, article_ids: Iterable[int], urls: Iterable[str]) -> int:
        """Articles a chat's own feed brought first that the shared pool has too (the same
        article, or URL): from now on every chat may read them. Returns how many."""
        ids = sorted(set(article_ids))
        keys = sorted({normalize_url(u) for u in urls})
        if not ids and not keys:
            return 0
        # Without an article of a chat's own feed nothing is to share: an indexed read, not a
        # write, per feed poll.
        # (`fetch`: the answer is waited for inside add_articles' pipeline too.)
        if not self.db.fetch("SELECT 1 FROM articles WHERE chat_feed > 0 LIMIT 1"):
            return 0
        sql = (
            "UPDATE articles SET chat_feed = NULL WHERE chat_feed IS NOT NULL"
            " AND (id = ANY(%s::bigint[]) OR url_key = ANY(%s::text[]))"
        )
        return int(self.db.execute(sql, [ids, keys]).rowcount)

    def has_url(self, url: str) -> bool:
        """True when an article with this (normalized) URL is stored."""
        sql = "SELECT 1 FROM articles WHERE url_key = %s LIMIT 1"
        return self.db.execute(sql, [normalize_url(url)]).fetchone() is not None

    def sources(self) -> list[str]:
        """The outlets articles come from (the operator's list a chat chooses from), by name."""
        sql = "SELECT DISTINCT source FROM articles WHERE source NOT IN ('', 'unbekannt')"
        return sorted((str(r[0]) for r in self.db.execute(sql).rows), key=str.casefold)

    def article(self, article_id: int) -> Article | None:
        """One article by id."""
        rows = self.db.query("SELECT * FROM articles WHERE id = %s", [article_id])
        return self.from_row(rows[0]) if rows else None

    def latest(self, limit: int, feeds: Sequence[int] | None = None) -> list[Article]:
        """The newest articles, by publication (or fetch) time; with `feeds`, those a chat
        with these own feeds may read (None: every article, for the operator)."""
        where = "" if feeds is None else "WHERE chat_feed IS NULL OR chat_feed = ANY(%s) "
        sql = (
            f"SELECT * FROM articles {where}"  # noqa: S608 - fixed text
            "ORDER BY coalesce(published, fetched) DESC, id DESC LIMIT %s"
        )
        args = [limit] if feeds is None else [list(feeds), limit]
        return self.from_rows(self.db.query(sql, args))

    def articles_since(self, since: datetime, until: datetime | None = None) -> list[Article]:
        """Articles published or stored in [since, until): what is new to a chat since then."""
        sql = (
            "SELECT * FROM articles WHERE (published >= %(since)s AND published < %(until)s)"
            " OR (fetched >= %(since)s AND fetched < %(until)s)"
            " ORDER BY coalesce(published, fetched) DESC"
        )
        args = {"since": _iso(since), "until": _iso(until) or "9999"}
        return self.from_rows(self.db.query(sql, args))

    def count_articles(self) -> int:
        """How many articles are stored."""
        return int(self.db.execute("SELECT count(*) FROM articles").rows[0][0])

    def add_links(self, article_id: int, links: Iterable[Link]) -> None:
        """Record further sources of the same article."""
        self.db.executemany(
            "INSERT INTO article_links (article_id, source, title, url, published)"
            " VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            [(article_id, link.name, link.title, link.url, _iso(link.published)) for link in links],
        )

    def articles_by_id(self, ids: Iterable[int]) -> list[Article]:
        """The articles with these ids, in id order (missing ids are left out)."""
        wanted = sorted(set(ids))
        if not wanted:
            return []
        sql = "SELECT * FROM articles WHERE id = ANY(%s) ORDER BY id"
        return self.from_rows(self.db.query(sql, [wanted]))

    def unsummarized(self, limit: int) -> list[Article]:
        """Stored articles still without a summary, oldest first."""
        sql = "SELECT * FROM articles WHERE summary IN ('', '[]') ORDER BY id LIMIT %s"
        return self.from_rows(self.db.query(sql, [limit]))

    def set_summary(self, article_id: int, summary: Sequence[str]) -> None:
        """Store an article's summary sentences."""
        self.db.execute(
            "UPDATE articles SET summary = %s WHERE id = %s",
            [json.dumps(list(summary), ensure_ascii=False), article_id],
        )

    def iter_articles(self, since: datetime | None = None) -> Iterator[Article]:
        """Every article (or those stored since `since`) in id order, in pages of 500."""
        last = 0
        while True:
            rows = self.db.query(
                "SELECT * FROM articles WHERE fetched >= %s AND id > %s ORDER BY id LIMIT 500",
                [_iso(since) or "", last],
            )
            if not rows:
                return
            yield from self.from_rows(rows)
            last = int(rows[-1]["id"])

    def last_ingest(self) -> datetime | None:
        """When the newest article was stored."""
        return _dt(self.db.execute("SELECT max(fetched) FROM articles").rows[0][0])

    def from_rows(self, rows: list[dict[str, Any]]) -> list[Article]:
        """Article records from their rows, with their links (one query for all of them)."""
        ids = [row["id"] for row in rows]
        links: dict[int, list[Link]] = {}
        if ids:
            for r in self.db.query(
                "SELECT * FROM article_links WHERE article_id = ANY(%s)"
                " ORDER BY article_id, source, title",
                [ids],
            ):
                links.setdefault(r["article_id"], []).append(
                    Link(r["source"], r["title"], r["url"], _dt(r["published"]))
                )
        return [_article(row, tuple(links.get(row["id"], ()))) for row in rows]

    def from_row(self, row: dict[str, Any]) -> Article:
        """An article record from its row, with the links merged into it."""
        return self.from_rows([row])[0]


def _article(row: dict[str, Any], links: tuple[Link, ...]) -> Article:
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
