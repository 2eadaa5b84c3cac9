"""Full-text search over stored articles (sqlite-utils, FTS5): bm25, recency, compounds."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from bot.query import MIN_PART, Query, has_phrases, make_snippet, to_match, to_near
from bot.records import SearchHit, SearchPage
from bot.store.articles import Articles
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
from bot.store.table import Table, _iso

# Newest articles a query word is counted in to tell whether it is in half of all articles.
COMMON_SAMPLE = 1000
# Compounds tried per query word (`Luftabwehr` → `Luftabwehrsysteme`), the most used first.
COMPOUNDS = 12
# A match published today weighs up to (1 + RECENCY_BOOST) times one from long ago; the boost
# halves after RECENCY_DAYS.
RECENCY_BOOST = 0.5
RECENCY_DAYS = 14.0


def _like(text: str) -> str:
    """Escape LIKE wildcards so `quelle:%` matches a literal percent sign."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _near(match: str, near: str) -> str:
    """The match, narrowed to articles whose phrase words stand near each other (if any)."""
    return f"{match} AND {near}" if near else match


def _by_score(row: Row) -> tuple[float, int]:
    """Best boosted bm25 first (FTS5 ranks are negative), then the newer article."""
    return row[2], -row[0]


class SearchIndex(Table):
    """Ranked search: the stem matches by boosted bm25, then compound matches, newest first."""

    def __init__(self, db: Database, articles: Articles) -> None:
        super().__init__(db)
        self.articles = articles

    def search(
        self, query: Query, limit: int, offset: int = 0, *, now: datetime | None = None
    ) -> SearchPage:
        """Ranked full-text search: bm25 with a recency boost, filters, snippets and paging.

        Articles matching every word's stem come first, ranked; those matching a word only
        through a compound (`Luftabwehr` in `Luftabwehrsysteme`) follow, newest first.
        """
        if not query.match and not (query.since or query.source):
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
            args["since"] = _iso(query.since)
        if query.source:
            # `quelle:sz` finds "Süddeutsche Zeitung": a name the outlet table knows counts too.
            where += " AND (a.source LIKE :source ESCAPE '\\' OR a.source = :outlet)"
            args["source"] = "%" + _like(query.source) + "%"
            args["outlet"] = outlet_name(query.source)
        if query.feeds is not None:
            where += (
                " AND (a.chat_feed IS NULL OR a.chat_feed IN (SELECT value FROM json_each(:feeds)))"
            )
            args["feeds"] = json.dumps(list(query.feeds))
        if query.excluded:
            where += (
                " AND a.id NOT IN"
                " (SELECT rowid FROM articles_fts WHERE articles_fts MATCH :without)"
            )
            terms = dict.fromkeys(t for alternatives in query.excluded for t in alternatives)
            args["without"] = " OR ".join(f'"{term}"' for term in terms)
        if not query.match:
            return self._filtered(query, where, args, limit, offset)
        # A quoted phrase's words must stand near each other: the index's positions narrow
        # its candidates before the order is checked in the text.
        near = to_near(query.phrases)
        ranked = self._ranked(query.wants, where, args, near)
        capped = len(ranked) > CANDIDATES
        match = query.match
        if not capped:
            match = to_match(query.wants, {root: self._compounds(root) for root in query.roots})
        if match != query.match:
            # bm25 reads every article matching each of its phrases once per query, so only
            # the exact stems are ranked; the compounds just widen the match.
            found = self._candidates(_near(match, near), where, args, scored=False)
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
                lambda words: self._reader_order(words, self._ranked(words, where, args)),
                known,
            )[:room]
        hits = self._hits(ids, query)
        return SearchPage(hits, len(ranked), offset, capped, self._hits(others, query))

    def _hits(self, ids: list[int], query: Query) -> tuple[SearchHit, ...]:
        """The articles of these ids as hits with snippets, in the order given."""
        rows = {
            r["id"]: r
            for r in self.db.query(
                "SELECT * FROM articles WHERE id IN (SELECT value FROM json_each(?))",
                [json.dumps(ids)],
            )
        }
        return tuple(
            SearchHit(self.articles.from_row(rows[i]), make_snippet(rows[i]["body"], query))
            for i in ids
        )

    def _reader_order(self, wants: Sequence[tuple[str, ...]], ranked: list[Row]) -> list[Row]:
        """The ranked articles in reader order (`bot.store.ranking.reader_order`)."""
        if not ranked:
            return ranked
        heads = self.db.execute(
            "SELECT id, title_stems, substr(body_stems, 1, :lead) FROM articles"
            " WHERE id IN (SELECT value FROM json_each(:ids))",
            {"lead": LEAD_CHARS, "ids": json.dumps([row[0] for row in ranked])},
        )
        return reader_order(wants, ranked, heads)

    def _with_phrases(self, query: Query, ranked: list[Row]) -> list[Row]:
        """The candidates whose title or text holds each quoted phrase in order (FTS5 knows
        the words, not the order of their forms)."""
        texts = self.db.execute(
            "SELECT id, title || char(10) || body FROM articles"
            " WHERE id IN (SELECT value FROM json_each(?))",
            [json.dumps([row[0] for row in ranked])],
        )
        keep = {i for i, text in texts if has_phrases(query, text)}
        return [row for row in ranked if row[0] in keep]

    def _filtered(
        self, query: Query, where: str, args: dict[str, Any], limit: int, offset: int
    ) -> SearchPage:
        """A search of filters only (`quelle:dpa`): the newest articles they allow."""
        sql = (
            # Only fixed SQL and named placeholders are joined here.
            "SELECT a.* FROM articles a WHERE 1 = 1"  # noqa: S608
            f"{where} ORDER BY coalesce(a.published, a.fetched) DESC, a.id DESC LIMIT :window"
        )
        rows = list(self.db.query(sql, args))
        hits = tuple(
            SearchHit(self.articles.from_row(r), make_snippet(r["body"], query))
            for r in rows[offset : offset + limit]
        )
        return SearchPage(hits, min(len(rows), CANDIDATES), offset, len(rows) > CANDIDATES)

    def _ranked(
        self, wants: Sequence[tuple[str, ...]], where: str, args: dict[str, Any], near: str = ""
    ) -> list[Row]:
        """The newest matches of every word (up to CANDIDATES + 1), best boosted bm25 first.

        A word in half the articles or more adds nothing to bm25 (FTS5 clamps its idf to
        1e-6), yet bm25 reads its whole doclist, ~4 ms at 100k articles. Such a word filters
        the matches but is left out of the query that ranks them.
        """
        common = self._common(wants) if len(wants) > 1 else set()
        scored = [word for word in wants if word not in common]
        match = _near(to_match(wants), near)
        if not common or not scored:
            return sorted(self._candidates(match, where, args), key=_by_score)
        found = self._candidates(match, where, args, scored=False)
        if not found:
            return []
        # Every match of all wants is a match of the scored ones, in the same rowid range.
        since_first = where + " AND articles_fts.rowid >= :lowest"
        lowest = {"lowest": min(row[0] for row in found), "window": -1}
        scores = {
            row[0]: row[2] for row in self._candidates(to_match(scored), since_first, args | lowest)
        }
        return sorted(((i, day, scores[i]) for i, day, _ in found), key=_by_score)

    def _common(self, wants: Sequence[tuple[str, ...]]) -> set[tuple[str, ...]]:
        """The words (by their terms) found in at least half of the newest COMMON_SAMPLE."""
        newest = int(self.db.execute("SELECT max(id) FROM articles").fetchone()[0] or 0)
        sample = min(COMMON_SAMPLE, newest)
        common = set()
        for word in wants:
            count = self.db.execute(
                "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ? AND rowid > ?",
                [to_match([word]), newest - sample],
            ).fetchone()[0]
            if 2 * count >= sample:
                common.add(word)
        return common

    def _candidates(
        self, match: str, where: str, args: dict[str, Any], *, scored: bool = True
    ) -> list[Row]:
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
