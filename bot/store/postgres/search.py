"""Full-text search on PostgreSQL: our own terms in a tsvector under GIN, ranked by FTS5's
bm25 with SQLite's recency boost, compounds and phrase check, so both backends return the same
articles in the same order (`tests/test_store_postgres.py` checks a few hundred queries).

The steps mirror `bot.store.search.SearchIndex.search` one for one; the constants are its.
What follows the match and score (reader order, related results, the outlet name `quelle:`
matches) is `bot.store.ranking`'s, called by both.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.query import MIN_PART, Query, has_phrases, make_snippet
from bot.records import SearchHit, SearchPage
from bot.store.postgres.articles import Articles
from bot.store.postgres.base import PgDatabase, Table
from bot.store.postgres.terms import bm25, counts, fold, idf, julianday, phrases, to_tsquery
from bot.store.ranking import (
    CANDIDATES,
    LEAD_CHARS,
    Row,
    outlet_name,
    reader_order,
    related,
    then_newest,
    wants_related,
)
from bot.store.search import (
    COMMON_SAMPLE,
    COMPOUNDS,
    RECENCY_BOOST,
    RECENCY_DAYS,
    _by_score,
    _like,
)
from bot.store.table import _iso


class SearchIndex(Table):
    """Ranked search: the stem matches by boosted bm25, then compound matches, newest first."""

    def __init__(self, db: PgDatabase, articles: Articles) -> None:
        super().__init__(db)
        self.articles = articles

    def search(
        self, query: Query, limit: int, offset: int = 0, *, now: datetime | None = None
    ) -> SearchPage:
        """Ranked full-text search: bm25 with a recency boost, filters, snippets and paging."""
        if not query.match and not (query.since or query.source):
            return SearchPage((), 0, offset)
        with self.db.atomic():
            # One connection and snapshot for the whole search. The planner prices `@@` per
            # row as cheap, but each row's tsvector is read from TOAST: a sequential scan of
            # 3,000 articles took 18 ms where the GIN index takes well under one. With scans
            # priced out, every plan looks dear enough for JIT, which spent 30-200 ms
            # compiling one-row lookups: off.
            self.db.execute("SET LOCAL enable_seqscan = off; SET LOCAL jit = off")
            return self._search(query, limit, offset, now)

    def _search(self, query: Query, limit: int, offset: int, now: datetime | None) -> SearchPage:
        now_iso = _iso(now or datetime.now(UTC))
        assert now_iso is not None  # noqa: S101 - a datetime always has an ISO form
        args: dict[str, Any] = {"window": CANDIDATES + 1}
        where = ""
        if query.since is not None:
            where += " AND coalesce(a.published, a.fetched) >= %(since)s"
            args["since"] = _iso(query.since)
        if query.source:
            where += " AND (a.source ILIKE %(source)s OR a.source = %(outlet)s)"
            args["source"] = "%" + _like(query.source) + "%"
            args["outlet"] = outlet_name(query.source)
        if query.feeds is not None:
            where += " AND (a.chat_feed IS NULL OR a.chat_feed = ANY(%(feeds)s::bigint[]))"
            args["feeds"] = list(query.feeds)
        if query.excluded:
            where += (
                " AND a.id NOT IN (SELECT id FROM articles_fts WHERE terms @@ %(without)s::tsquery)"
            )
            terms = dict.fromkeys(fold(t) for alternatives in query.excluded for t in alternatives)
            args["without"] = to_tsquery([tuple(terms)])
        if not query.match:
            return self._filtered(query, where, args, limit, offset)
        ranked = self._ranked(query.wants, where, args, now_iso)
        capped = len(ranked) > CANDIDATES
        exact = to_tsquery(query.wants)
        match = exact
        if not capped:
            match = to_tsquery(query.wants, self._compounds(query.roots))
        if match != exact:
            found = self._candidates(match, where, args)
            ranked = then_newest(ranked, found)
            capped = len(found) > CANDIDATES
        ranked = ranked[:CANDIDATES]
        if query.phrases:
            ranked = self._with_phrases(query, ranked)
        ranked = self._reader_order(query.wants, ranked)
        ids = [row[0] for row in ranked[offset : offset + limit]]
        others: list[int] = []
        room = limit - len(ids)
        if wants_related(query, len(ranked), offset, room):
            known = {row[0] for row in ranked}
            others = related(
                query.wants,
                lambda words: self._reader_order(words, self._ranked(words, where, args, now_iso)),
                known,
            )[:room]
        hits = self._hits(ids, query)
        return SearchPage(hits, len(ranked), offset, capped, self._hits(others, query))

    def _hits(self, ids: list[int], query: Query) -> tuple[SearchHit, ...]:
        """The articles of these ids as hits with snippets, in the order given."""
        rows = {
            r["id"]: r for r in self.db.query("SELECT * FROM articles WHERE id = ANY(%s)", [ids])
        }
        found = {a.id: a for a in self.articles.from_rows([rows[i] for i in ids])}
        return tuple(SearchHit(found[i], make_snippet(rows[i]["body"], query)) for i in ids)

    def _reader_order(self, wants: Sequence[tuple[str, ...]], ranked: list[Row]) -> list[Row]:
        """The ranked articles in reader order (`bot.store.ranking.reader_order`)."""
        if not ranked:
            return ranked
        heads = self.db.execute(
            "SELECT id, title_stems, substr(body_stems, 1, %s) FROM articles WHERE id = ANY(%s)",
            [LEAD_CHARS, [row[0] for row in ranked]],
        ).rows
        return reader_order(wants, ranked, heads)

    def _with_phrases(self, query: Query, ranked: list[Row]) -> list[Row]:
        """The candidates whose title or text holds each quoted phrase in order."""
        texts = self.db.execute(
            "SELECT id, title || chr(10) || body FROM articles WHERE id = ANY(%s)",
            [[row[0] for row in ranked]],
        ).rows
        keep = {i for i, text in texts if has_phrases(query, text)}
        return [row for row in ranked if row[0] in keep]

    def _filtered(
        self, query: Query, where: str, args: dict[str, Any], limit: int, offset: int
    ) -> SearchPage:
        """A search of filters only (`quelle:dpa`): the newest articles they allow."""
        sql = (
            # Only fixed SQL and named placeholders are joined here.
            "SELECT a.* FROM articles a WHERE true"  # noqa: S608
            f"{where} ORDER BY coalesce(a.published, a.fetched) DESC, a.id DESC"
            " LIMIT %(window)s"
        )
        rows = self.db.query(sql, args)
        page = rows[offset : offset + limit]
        found = self.articles.from_rows(page)
        hits = tuple(
            SearchHit(a, make_snippet(r["body"], query)) for a, r in zip(found, page, strict=True)
        )
        return SearchPage(hits, min(len(rows), CANDIDATES), offset, len(rows) > CANDIDATES)

    def _ranked(
        self, wants: Sequence[tuple[str, ...]], where: str, args: dict[str, Any], now: str
    ) -> list[Row]:
        """The newest matches of every word (up to CANDIDATES + 1), best boosted bm25 first; a
        word in half the newest articles filters but is not scored, as on SQLite."""
        common = self._common(wants) if len(wants) > 1 else set()
        scored = [word for word in wants if word not in common]
        found = self._candidates(to_tsquery(wants), where, args, stems=True)
        if not found:
            return []
        terms = phrases(scored or list(wants))
        # The table's size and each term's article count, in one round trip.
        rows, size, hits = self.db.execute(
            "SELECT articles, tokens, (SELECT coalesce(json_object_agg(term, articles), '{}')"
            " FROM articles_fts_terms WHERE term = ANY(%s)) FROM articles_fts_totals",
            [sorted(set(terms))],
        ).rows[0]
        weights = [idf(int(rows), int(hits.get(t, 0))) for t in terms]
        avgdl = int(size) / int(rows)
        today = julianday(now)
        ranked = []
        for article_id, day, title, body in found:
            rank = bm25(terms, weights, counts(title), counts(body), avgdl)
            age = max(0.0, today - julianday(day))
            ranked.append((article_id, day, rank * (1 + RECENCY_BOOST / (1 + age / RECENCY_DAYS))))
        return sorted(ranked, key=_by_score)

    def _common(self, wants: Sequence[tuple[str, ...]]) -> set[tuple[str, ...]]:
        """The words (by their terms) found in at least half of the newest COMMON_SAMPLE."""
        newest = int(self.db.execute("SELECT coalesce(max(id), 0) FROM articles").rows[0][0])
        sample = min(COMMON_SAMPLE, newest)
        common = set()
        for word in wants:
            count = self.db.execute(
                "WITH f AS MATERIALIZED (SELECT id FROM articles_fts WHERE terms @@ %s::tsquery)"
                " SELECT count(*) FROM f WHERE id > %s",
                [to_tsquery([word]), newest - sample],
            ).rows[0][0]
            if 2 * count >= sample:
                common.add(word)
        return common

    def _candidates(
        self, match: str, where: str, args: dict[str, Any], *, stems: bool = False
    ) -> list[tuple[Any, ...]]:
        """The newest matches (up to `window`): id, date, and (to score them) their terms."""
        columns = ", a.title_stems, a.body_stems" if stems else ""
        sql = (
            # The matches first, from the GIN index: asked for the newest matches at once, the
            # planner walks the ids backwards and tests every article's terms on the way.
            # Only fixed SQL and named placeholders are joined here.
            "WITH f AS MATERIALIZED (SELECT id FROM articles_fts"  # noqa: S608
            " WHERE terms @@ %(match)s::tsquery)"
            f" SELECT f.id, coalesce(a.published, a.fetched){columns} FROM f"
            f" JOIN articles a ON a.id = f.id WHERE true{where}"
            " ORDER BY f.id DESC LIMIT %(window)s"
        )
        return self.db.execute(sql, args | {"match": match}).rows

    def _compounds(self, roots: Sequence[str]) -> dict[str, list[str]]:
        """Stored compounds that start or end with each root, the most widely used first (one
        round trip for all roots)."""
        wanted = [root for root in roots if len(root) >= MIN_PART]
        found: dict[str, list[str]] = {root: [] for root in roots}
        if not wanted:
            return found
        rows = self.db.execute(
            "SELECT x.n, c.stem FROM unnest(%(roots)s::text[], %(tails)s::text[])"
            " WITH ORDINALITY AS x(head, tail, n), LATERAL (SELECT stem, articles FROM"
            " (SELECT stem, articles FROM compounds WHERE stem > x.head"
            " AND stem < x.head || chr(1114111) UNION SELECT stem, articles FROM compounds"
            " WHERE tail > x.tail AND tail < x.tail || chr(1114111)) AS found"
            " ORDER BY articles DESC, stem LIMIT %(n)s) AS c"
            " ORDER BY x.n, c.articles DESC, c.stem",
            {"roots": wanted, "tails": [r[::-1] for r in wanted], "n": COMPOUNDS},
        ).rows
        for n, stem in rows:
            found[wanted[int(n) - 1]].append(str(stem))
        return found
