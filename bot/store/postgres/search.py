"""Full-text search on PostgreSQL: the shared pipeline's questions (`bot.store.pipeline`)
answered from our own terms in a tsvector under GIN, ranked by FTS5's bm25 with SQLite's
recency boost, so both backends return the same articles in the same order
(`tests/test_store_postgres.py` checks a few hundred queries).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.query import MIN_PART, Query, make_snippet
from bot.records import SearchHit, SearchPage
from bot.store.pipeline import (
    COMPOUNDS,
    RECENCY_BOOST,
    RECENCY_DAYS,
    Filters,
    SearchPipeline,
    Words,
)
from bot.store.postgres.articles import Articles
from bot.store.postgres.base import PgDatabase, Table
from bot.store.postgres.terms import bm25, counts, fold, idf, julianday, phrases, to_tsquery
from bot.store.ranking import CANDIDATES, LEAD_CHARS, Head, Row
from bot.store.table import _iso


def _where(filters: Filters) -> tuple[str, dict[str, Any]]:
    """The filters as SQL conditions on `articles a`, and their arguments."""
    where = ""
    args: dict[str, Any] = {}
    if filters.since is not None:
        where += " AND coalesce(a.published, a.fetched) >= %(since)s"
        args["since"] = filters.since
    if filters.source is not None:
        where += " AND (a.source ILIKE %(source)s OR a.source = %(outlet)s)"
        args |= {"source": filters.source, "outlet": filters.outlet}
    if filters.excluded:
        where += (
            " AND a.id NOT IN (SELECT id FROM articles_fts WHERE terms @@ %(without)s::tsquery)"
        )
        args["without"] = to_tsquery([tuple(fold(t) for t in filters.excluded)])
    return where, args


class SearchIndex(SearchPipeline, Table):
    """Ranked search (`bot.store.pipeline`) on a GIN index of our own terms."""

    def __init__(self, db: PgDatabase, articles: Articles) -> None:
        super().__init__(db)
        self.articles = articles

    def _search(self, query: Query, limit: int, offset: int, now: datetime) -> SearchPage:
        with self.db.atomic():
            # One connection and snapshot for the whole search. The planner prices `@@` per
            # row as cheap, but each row's tsvector is read from TOAST: a sequential scan of
            # 3,000 articles took 18 ms where the GIN index takes well under one. With scans
            # priced out, every plan looks dear enough for JIT, which spent 30-200 ms
            # compiling one-row lookups: off.
            self.db.execute("SET LOCAL enable_seqscan = off; SET LOCAL jit = off")
            return super()._search(query, limit, offset, now)

    def _scored(self, wants: Words, scored: Words, filters: Filters, now: datetime) -> list[Row]:
        found = self._candidates(to_tsquery(wants), filters, stems=True)
        if not found:
            return []
        terms = phrases(scored)
        # The table's size and each term's article count, in one round trip.
        rows, size, hits = self.db.execute(
            "SELECT articles, tokens, (SELECT coalesce(json_object_agg(term, articles), '{}')"
            " FROM articles_fts_terms WHERE term = ANY(%s)) FROM articles_fts_totals",
            [sorted(set(terms))],
        ).rows[0]
        weights = [idf(int(rows), int(hits.get(t, 0))) for t in terms]
        avgdl = int(size) / int(rows)
        today = julianday(_iso(now) or "")
        ranked = []
        for article_id, day, title, body in found:
            rank = bm25(terms, weights, counts(title), counts(body), avgdl)
            age = max(0.0, today - julianday(day))
            ranked.append((article_id, day, rank * (1 + RECENCY_BOOST / (1 + age / RECENCY_DAYS))))
        return ranked

    def _matches(
        self, wants: Words, compounds: Mapping[str, Sequence[str]], filters: Filters
    ) -> list[tuple[Any, ...]]:
        return self._candidates(to_tsquery(wants, compounds), filters)

    def _candidates(
        self, match: str, filters: Filters, *, stems: bool = False
    ) -> list[tuple[Any, ...]]:
        """The newest matches (up to CANDIDATES + 1): id, date, and (to score them) terms."""
        where, args = _where(filters)
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
        return self.db.execute(sql, args | {"match": match, "window": CANDIDATES + 1}).rows

    def _recent_counts(self, wants: Words, sample: int) -> tuple[list[int], int]:
        newest = int(self.db.execute("SELECT coalesce(max(id), 0) FROM articles").rows[0][0])
        sample = min(sample, newest)
        found = []
        for word in wants:
            count = self.db.execute(
                "WITH f AS MATERIALIZED (SELECT id FROM articles_fts WHERE terms @@ %s::tsquery)"
                " SELECT count(*) FROM f WHERE id > %s",
                [to_tsquery([word]), newest - sample],
            ).rows[0][0]
            found.append(int(count))
        return found, sample

    def _compounds(self, roots: Sequence[str]) -> dict[str, list[str]]:
        """Stored compounds of each root, in one round trip for all roots."""
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

    def _newest(self, filters: Filters, limit: int) -> list[int]:
        where, args = _where(filters)
        sql = (
            # Only fixed SQL and named placeholders are joined here.
            "SELECT a.id FROM articles a WHERE true"  # noqa: S608
            f"{where} ORDER BY coalesce(a.published, a.fetched) DESC, a.id DESC"
            " LIMIT %(limit)s"
        )
        return [int(r[0]) for r in self.db.execute(sql, args | {"limit": limit}).rows]

    def _texts(self, ids: Sequence[int]) -> Iterable[tuple[int, str]]:
        return self.db.execute(
            "SELECT id, title || chr(10) || body FROM articles WHERE id = ANY(%s)", [list(ids)]
        ).rows

    def _heads(self, ids: Sequence[int]) -> Iterable[Head]:
        return self.db.execute(
            "SELECT id, title_stems, substr(body_stems, 1, %s) FROM articles WHERE id = ANY(%s)",
            [LEAD_CHARS, list(ids)],
        ).rows

    def _hits(self, ids: Sequence[int], query: Query) -> tuple[SearchHit, ...]:
        if not ids:
            return ()
        rows = {
            r["id"]: r
            for r in self.db.query("SELECT * FROM articles WHERE id = ANY(%s)", [list(ids)])
        }
        found = {a.id: a for a in self.articles.from_rows([rows[i] for i in ids])}
        return tuple(SearchHit(found[i], make_snippet(rows[i]["body"], query)) for i in ids)
