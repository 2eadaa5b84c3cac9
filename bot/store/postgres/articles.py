"""Stored articles on PostgreSQL (psycopg): adding with deduplication, seen inputs, links,
lookups, and the search index's rows written in the same transaction."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg

from bot.dedup import bands, content_hash, is_near_duplicate, normalize_url, signature
from bot.query import IndexText, index_text
from bot.records import Article, Link, NewArticle
from bot.store.postgres.base import Table
from bot.store.postgres.phrases import phrase_rows
from bot.store.postgres.terms import index_row, to_tsvector_text
from bot.store.table import _dt, _iso
from summarizer import words

log = logging.getLogger("bot.store")

# pg_advisory_xact_lock key for adding articles: one batch at a time across processes, so the
# duplicate checks see every article stored before, as SQLite's write lock guarantees.
INGEST_LOCK = 0x6E657773626F75


class Articles(Table):
    """The articles table: stored articles, their links, the URLs already seen."""

    def add_article(self, new: NewArticle, now: datetime) -> tuple[str, int]:
        """Store an article once; returns ("added" | "duplicate" | "shared", id)."""
        return self.add_articles([new], now)[0]

    def add_articles(self, batch: Sequence[NewArticle], now: datetime) -> list[tuple[str, int]]:
        """Store a batch in one transaction; each is "added", a "duplicate" of a stored id (same
        URL, same content hash or a near-identical body, as on SQLite), or "shared": a
        shared-pool duplicate of what only a chat's own feed had, now everyone's.

        In bulk, about a dozen round trips a batch whatever its size: the stored twins of the
        whole batch in two queries, the new ids reserved at once, rows sent by COPY and the
        counts by one upsert each. Twins within the batch are found in memory, in batch order,
        so the answers and ids are those SQLite gives article by article.
        """
        prepared = [_Prepared.of(new, now) for new in batch]
        with self.db.atomic() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [INGEST_LOCK])
            plan = _Plan(*self._stored_twins(prepared))
            for item in prepared:
                if item.digest not in plan.by_hash and item.url_key not in plan.by_url:
                    item.sign()
            plan.near = self._stored_bands(prepared)
            for item in prepared:
                plan.add(item)
            found = conn.execute(
                "SELECT nextval(pg_get_serial_sequence('articles', 'id'))"
                " FROM generate_series(1, %s)",
                [len(plan.added)],
            ).fetchall()
            ids = sorted(int(r[0]) for r in found)
            shared = self._write(conn, plan, ids, now)
        results = [(status, ids[-1 - ref] if ref < 0 else ref) for status, ref in plan.results]
        return [("shared" if s == "duplicate" and i in shared else s, i) for s, i in results]

    def _stored_twins(
        self, prepared: list[_Prepared]
    ) -> tuple[dict[str, tuple[int, str]], dict[str, tuple[int, str]]]:
        """Stored articles with a batch article's content hash or URL: (id, source) by each,
        the oldest first."""
        rows = self.db.fetch(
            "SELECT id, source, content_hash, url_key FROM articles"
            " WHERE content_hash = ANY(%s) OR url_key = ANY(%s) ORDER BY id",
            [[p.digest for p in prepared], [p.url_key for p in prepared if p.url_key]],
        )
        by_hash: dict[str, tuple[int, str]] = {}
        by_url: dict[str, tuple[int, str]] = {}
        for article_id, source, digest, url_key in rows:
            by_hash.setdefault(digest, (int(article_id), source))
            if url_key is not None:
                by_url.setdefault(url_key, (int(article_id), source))
        return by_hash, by_url

    def _stored_bands(self, prepared: list[_Prepared]) -> dict[int, list[tuple[int, bytes]]]:
        """Stored articles sharing a band with a batch article: (id, signature) by band."""
        keys = sorted({key for p in prepared for key in p.bands})
        near: dict[int, list[tuple[int, bytes]]] = {}
        if not keys:
            return near
        for band, article_id, minhash in self.db.fetch(
            "SELECT b.band, a.id, a.minhash FROM article_bands b JOIN articles a"
            " ON a.id = b.article_id WHERE b.band = ANY(%s) AND a.minhash IS NOT NULL",
            [keys],
        ):
            near.setdefault(int(band), []).append((int(article_id), bytes(minhash)))
        return near

    def _write(
        self, conn: psycopg.Connection[Any], plan: _Plan, ids: list[int], now: datetime
    ) -> set[int]:
        """The batch's rows: articles, bands and index rows by COPY, then links, seen inputs
        and counts (each in one statement). Returns the chats' own articles it shared."""
        fetched = _iso(now)
        terms: Counter[str] = Counter()
        compounds: Counter[str] = Counter()
        tokens = 0
        with conn.cursor() as cur:
            with cur.copy(f"COPY articles ({ARTICLE_COLUMNS}) FROM STDIN") as copy:
                for article_id, item in zip(ids, plan.added, strict=True):
                    copy.write_row(item.row(article_id, fetched))
            with cur.copy("COPY article_bands (band, article_id) FROM STDIN") as copy:
                for article_id, item in zip(ids, plan.added, strict=True):
                    for key in item.bands:
                        copy.write_row((key, article_id))
            with cur.copy("COPY articles_fts (id, terms, tokens, counts) FROM STDIN") as copy:
                for article_id, item in zip(ids, plan.added, strict=True):
                    assert item.index is not None  # noqa: S101 - an added article was indexed
                    row = index_row(item.index.title, item.index.body)
                    terms.update(row.lexemes)
                    compounds.update(item.index.compounds)
                    tokens += row.size
                    copy.write_row(
                        (article_id, to_tsvector_text(row.lexemes), row.size, row.counts)
                    )
            with cur.copy("COPY articles_fts_phrases (id, part, words, pairs) FROM STDIN") as copy:
                for article_id, item in zip(ids, plan.added, strict=True):
                    assert item.index is not None  # noqa: S101 - an added article was indexed
                    for part, (words, pairs) in enumerate(phrase_rows(item.index.phrase)):
                        copy.write_row((article_id, part, words, pairs))
        resolve = {-1 - k: article_id for k, article_id in enumerate(ids)}
        links = [
            (resolve.get(ref, ref), link.name, link.title, link.url, _iso(link.published))
            for ref, link in plan.links
        ]
        self.db.executemany(
            "INSERT INTO article_links (article_id, source, title, url, published)"
            " VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            links,
        )
        if plan.seen:
            origins = list(plan.seen)
            self.db.execute(
                "INSERT INTO seen (key, article_id, status, at)"
                " SELECT k, i, s, %s FROM unnest(%s::text[], %s::bigint[], %s::text[])"
                " AS x(k, i, s) ON CONFLICT (key) DO UPDATE SET article_id = excluded.article_id,"
                " status = excluded.status, at = excluded.at",
                [
                    fetched,
                    origins,
                    [resolve.get(plan.seen[o][1], plan.seen[o][1]) for o in origins],
                    [plan.seen[o][0] for o in origins],
                ],
            )
        self._count(compounds, terms, len(ids), tokens)
        shared = self.share(resolve.get(ref, ref) for ref in plan.shared)
        if ids:
            # GIN files new entries in a pending list that every search reads through, until
            # it holds 4 MB; merged here, once a batch, searches read only the sorted tree.
            conn.execute(
                "SELECT gin_clean_pending_list('articles_fts_terms_gin'),"
                " gin_clean_pending_list('articles_fts_phrases_pairs')"
            )
        return shared

    def _count(self, compounds: Counter[str], terms: Counter[str], added: int, tokens: int) -> None:
        """Add one batch's compounds, per-term article counts and sizes (in key order, so two
        writers never wait on each other's rows crosswise)."""
        if compounds:
            stems = sorted(compounds)
            self.db.execute(
                "INSERT INTO compounds (stem, tail, articles)"
                " SELECT s, reverse(s), n FROM unnest(%s::text[], %s::bigint[]) AS t(s, n)"
                " ON CONFLICT (stem) DO UPDATE"
                " SET articles = compounds.articles + excluded.articles",
                [stems, [compounds[s] for s in stems]],
            )
        if terms:
            keys = sorted(terms)
            self.db.execute(
                "INSERT INTO articles_fts_terms (term, articles)"
                " SELECT t, n FROM unnest(%s::text[], %s::bigint[]) AS x(t, n)"
                " ON CONFLICT (term) DO UPDATE"
                " SET articles = articles_fts_terms.articles + excluded.articles",
                [keys, [terms[k] for k in keys]],
            )
        if added:
            self.db.execute(
                "UPDATE articles_fts_totals SET articles = articles + %s, tokens = tokens + %s",
                [added, tokens],
            )

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
            " AND id = ANY(%s::bigint[]) RETURNING id"
        )
        return {int(r[0]) for r in self.db.fetch(sql, [ids])}

    def chats_only(
        self, article_ids: Iterable[int], urls: Iterable[str]
    ) -> tuple[set[int], set[str]]:
        """Of these articles and URLs, those only chats' own feeds brought so far: their ids and
        normalized URLs (a shared feed carrying one stores it again, which makes it everyone's)."""
        ids, keys = sorted(set(article_ids)), sorted({normalize_url(u) for u in urls})
        if not (ids or keys) or not self._any_chats_only():
            return set(), set()
        rows = self.db.fetch(
            "SELECT id, url_key FROM articles WHERE chat_feed IS NOT NULL"
            " AND (id = ANY(%s::bigint[]) OR url_key = ANY(%s::text[]))",
            [ids, keys],
        )
        return {int(i) for i, _ in rows}, {str(k) for _, k in rows if k}

    def _any_chats_only(self) -> bool:
        """Whether any article is a chat's own (an indexed read that spares the rest)."""
        # (`fetch`: the answer is waited for inside add_articles' pipeline too.)
        return bool(self.db.fetch("SELECT 1 FROM articles WHERE chat_feed > 0 LIMIT 1"))

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

    def from_rows(
        self, rows: list[dict[str, Any]], link_rows: list[dict[str, Any]] | None = None
    ) -> list[Article]:
        """Article records from their rows, with their links: one query (LINKS) for all of
        them, or its `link_rows` when the caller sent it already."""
        ids = [row["id"] for row in rows]
        links: dict[int, list[Link]] = {}
        if ids:
            for r in self.db.query(LINKS, [ids]) if link_rows is None else link_rows:
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


# The links of the articles of some ids (a list), in the order `from_rows` merges them.
LINKS = "SELECT * FROM article_links WHERE article_id = ANY(%s) ORDER BY article_id, source, title"
# The columns an added article's row is copied into, in `_Prepared.row`'s order.
ARTICLE_COLUMNS = (
    "id, url, url_key, source, title, published, fetched, language, body, summary,"
    " content_hash, title_stems, body_stems, origin, minhash, chat_feed, kicker"
)
# Near-duplicate candidates compared per article, the oldest first (as on SQLite).
NEAR_CANDIDATES = 50


@dataclass(slots=True)
class _Prepared:
    """One article of a batch with its keys; its signature and terms once it may be added."""

    new: NewArticle
    url_key: str | None
    digest: str
    sig: bytes | None = None
    bands: list[int] = field(default_factory=list)
    index: IndexText | None = None

    @classmethod
    def of(cls, new: NewArticle, now: datetime) -> _Prepared:
        """The article's URL key and content hash; a date ahead of the clock (a feed's time
        zone mistaken, a typo) is clamped to `now`, so it cannot sort above all news."""
        new = new.as_read(now)
        url_key = normalize_url(new.url) if new.url else None
        return cls(new, url_key, content_hash(new.title, new.body))

    def sign(self) -> None:
        """Split the body once: its near-duplicate signature, bands and index terms."""
        body_words = words(self.new.body)
        self.sig = signature(self.new.body, body_words)
        self.bands = bands(self.sig) if self.sig else []
        self.index = index_text(self.new.title, self.new.body, body_words, kicker=self.new.kicker)

    def row(self, article_id: int, fetched: str | None) -> tuple[Any, ...]:
        """The article's row, in ARTICLE_COLUMNS' order."""
        new, index = self.new, self.index
        assert index is not None  # noqa: S101 - only a signed article is added
        summary = json.dumps(list(new.summary), ensure_ascii=False)
        return (
            article_id, new.url, self.url_key, new.source, new.title, _iso(new.published),
            fetched, new.language, new.body, summary, self.digest, index.title, index.body,
            new.origin, self.sig, new.chat_feed, new.kicker,
        )  # fmt: skip


class _Plan:
    """What a batch does, decided in batch order: the articles added, and for each article its
    answer. An added article is referred to as -1 - its place among the added until it has an
    id, so a twin within the batch points at it."""

    def __init__(
        self, by_hash: dict[str, tuple[int, str]], by_url: dict[str, tuple[int, str]]
    ) -> None:
        self.by_hash = by_hash
        self.by_url = by_url
        self.near: dict[int, list[tuple[int, bytes]]] = {}
        self.added: list[_Prepared] = []
        self.results: list[tuple[str, int]] = []
        self.links: list[tuple[int, Link]] = []
        # Twins a shared-pool article met: a chat's own feed's copy becomes everyone's.
        self.shared: list[int] = []
        # Each input's (status, article) by its key; the last answer for a key wins.
        self.seen: dict[str, tuple[str, int]] = {}

    def add(self, item: _Prepared) -> None:
        """Decide one article: a twin of a stored or earlier one, else added."""
        new = item.new
        twin = self.by_hash.get(item.digest) or (
            self.by_url.get(item.url_key) if item.url_key else None
        )
        if twin is not None:
            if twin[1] != new.source:
                self._link(twin[0], new)
            if new.chat_feed is None:
                self.shared.append(twin[0])
            log.debug("event=duplicate kind=exact id=%d", twin[0])
            self._answer(item, "duplicate", twin[0])
            return
        if item.index is None:
            item.sign()
        if item.sig:
            near = self._near_duplicate(item.sig, item.bands)
            if near is not None:
                self._link(near, new)
                if new.chat_feed is None:
                    self.shared.append(near)
                log.info("event=duplicate kind=near id=%d source=%s", near, new.source)
                self._answer(item, "duplicate", near)
                return
        ref = -1 - len(self.added)
        self.added.append(item)
        self.by_hash.setdefault(item.digest, (ref, new.source))
        if item.url_key:
            self.by_url.setdefault(item.url_key, (ref, new.source))
        if item.sig:
            for key in item.bands:
                self.near.setdefault(key, []).append((ref, item.sig))
        self._answer(item, "added", ref)

    def _near_duplicate(self, sig: bytes, keys: list[int]) -> int | None:
        """The oldest of the first NEAR_CANDIDATES articles sharing a band that is a near
        duplicate (stored ones before those added in this batch)."""
        found = {ref: other for key in keys for ref, other in self.near.get(key, ())}
        order = sorted(found, key=lambda ref: (ref < 0, abs(ref)))
        for ref in order[:NEAR_CANDIDATES]:
            if is_near_duplicate(sig, found[ref]):
                return ref
        return None

    def _link(self, ref: int, new: NewArticle) -> None:
        self.links.append((ref, Link(new.source, new.title, new.url, new.published)))

    def _answer(self, item: _Prepared, status: str, ref: int) -> None:
        self.results.append((status, ref))
        if item.new.origin:
            self.seen.pop(item.new.origin, None)
            self.seen[item.new.origin] = (status, ref)
