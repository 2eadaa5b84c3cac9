"""Full-text search over stored articles (sqlite-utils, FTS5): the shared pipeline's questions
answered from the FTS5 index, with its bm25 and the recency boost in SQL."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from bot.query import FORM_MARK, MIN_PART, Query, make_snippet, search_fold, to_match
from bot.records import SearchHit
from bot.store.articles import Articles
from bot.store.pipeline import (
    COMMON_SAMPLE,
    COMPOUNDS,
    RECENCY_BOOST,
    RECENCY_DAYS,
    Filters,
    PhraseMatch,
    Phrases,
    SearchPipeline,
    Words,
)
from bot.store.ranking import CANDIDATES, LEAD_CHARS, Head, Row
from bot.store.table import Table, _iso

__all__ = ["COMMON_SAMPLE", "COMPOUNDS", "RECENCY_BOOST", "RECENCY_DAYS", "SearchIndex"]


def _where(filters: Filters) -> tuple[str, dict[str, Any]]:
    """The filters as SQL conditions on `articles a`, and their arguments."""
    where = ""
    args: dict[str, Any] = {}
    if filters.since is not None:
        where += " AND coalesce(a.published, a.fetched) >= :since"
        args["since"] = filters.since
    if filters.sources is not None:
        where += " AND a.source IN (SELECT value FROM json_each(:sources))"
        args["sources"] = json.dumps(filters.sources)
    if filters.excluded:
        where += (
            " AND a.id NOT IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH :without)"
        )
        args["without"] = " OR ".join(f'"{term}"' for term in filters.excluded)
    if filters.feeds is not None:
        where += (
            " AND (a.chat_feed IS NULL OR a.chat_feed IN (SELECT value FROM json_each(:feeds)))"
        )
        args["feeds"] = json.dumps(list(filters.feeds))
    return where, args


def _with_phrases(filters: Filters, where: str, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The conditions narrowed to articles holding the quoted phrases (the phrase index's
    matches, found once): a condition apart from the ranked MATCH, so bm25 scores the words
    alone. Tested on the index's rowid before the article's row is read (`+`: not as a rowid
    lookup, which would start FTS5's bm25 afresh for each match)."""
    if not filters.phrases:
        return where, args
    where += (
        " AND +articles_fts.rowid IN (SELECT rowid FROM articles_fts_phrases"
        " WHERE articles_fts_phrases MATCH :phrases)"
    )
    return where, args | {"phrases": filters.phrases}


# Phrases (one per combination of its words' stored forms) an FTS5 query of one quoted phrase
# may list; a phrase with more is asked as its longest runs of words within the limit, and
# its candidates are checked in their text.
MAX_PHRASES = 64


def _phrase_query(forms: Sequence[Sequence[str]]) -> tuple[str, bool]:
    """An FTS5 expression every article holding the phrase matches: the phrase in each
    combination of its words' forms, ORed; and whether it means the phrase exactly. A phrase
    with too many combinations is asked as runs of its words, each run exactly."""
    if math.prod(map(len, forms)) <= MAX_PHRASES:
        return _runs_query([forms]), True
    runs: list[list[Sequence[str]]] = [[]]
    for alternatives in forms:
        if math.prod(map(len, runs[-1])) * len(alternatives) > MAX_PHRASES:
            runs.append([])
        runs[-1].append(alternatives)
    return _runs_query([run for run in runs if len(run) > 1]), False


def _runs_query(runs: Sequence[Sequence[Sequence[str]]]) -> str:
    """Each run of words as an FTS5 phrase in every combination of their forms: ORed within a
    run, the runs ANDed ("" for none)."""
    parts = []
    for run in runs:
        phrases = [" ".join(combination) for combination in itertools.product(*run)]
        parts.append("(" + " OR ".join(f'"{p}"' for p in phrases) + ")")
    return " AND ".join(parts)


class SearchIndex(SearchPipeline, Table):
    """Ranked search (`bot.store.pipeline`) on SQLite's FTS5 index of our own terms."""

    def __init__(self, db: Database, articles: Articles) -> None:
        super().__init__(db)
        self.articles = articles

    def _scored(self, wants: Words, scored: Words, filters: Filters, now: datetime) -> list[Row]:
        where, args = _with_phrases(filters, *_where(filters))
        args |= {"now": _iso(now), "boost": RECENCY_BOOST, "days": RECENCY_DAYS}
        if list(scored) == list(wants):
            return self._candidates(to_match(wants), where, args)
        found = self._candidates(to_match(wants), where, args, scored=False)
        if not found:
            return []
        # Every match of all wants is a match of the scored ones, in the same rowid range: bm25
        # reads the doclists of the scored words only.
        since_first = where + " AND articles_fts.rowid >= :lowest"
        lowest = {"lowest": min(row[0] for row in found), "window": -1}
        scores = {
            row[0]: row[2] for row in self._candidates(to_match(scored), since_first, args | lowest)
        }
        return [(i, day, scores[i]) for i, day, _ in found]

    def _matches(
        self, wants: Words, compounds: Mapping[str, Sequence[str]], filters: Filters
    ) -> list[Row]:
        where, args = _with_phrases(filters, *_where(filters))
        return self._candidates(to_match(wants, compounds), where, args, scored=False)

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
            for r in self.db.execute(sql, {"window": CANDIDATES + 1} | args | {"match": match})
        ]

    def _phrase_match(self, phrases: Phrases) -> PhraseMatch | None:
        terms = {t for phrase in phrases for word in phrase for t in word}
        stored: dict[str, list[str]] = {}
        for term, form in self.db.execute(
            "SELECT term, form FROM articles_fts_forms WHERE term IN (SELECT value FROM"
            " json_each(?)) ORDER BY term, form",
            [json.dumps(sorted(terms))],
        ):
            stored.setdefault(str(term), []).append(str(form))
        parts = []
        exact = True
        for phrase in phrases:
            forms = [
                [word[0]]
                if word[0].startswith(FORM_MARK)
                else sorted({f for t in word for f in stored.get(t, ())})
                for word in phrase
            ]
            if not all(forms):
                return None
            match, whole = _phrase_query(forms)
            exact = exact and whole
            if match:
                parts.append(match)
        return PhraseMatch(" AND ".join(parts), exact)

    def _recent_counts(self, wants: Words, sample: int) -> tuple[list[int], int]:
        newest = int(self.db.execute("SELECT max(id) FROM articles").fetchone()[0] or 0)
        sample = min(sample, newest)
        counts = [
            int(
                self.db.execute(
                    "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ? AND rowid > ?",
                    [to_match([word]), newest - sample],
                ).fetchone()[0]
            )
            for word in wants
        ]
        return counts, sample

    def _compounds(self, roots: Sequence[str]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for root in roots:
            if len(root) < MIN_PART:
                found[root] = []
                continue
            head = search_fold(root)  # as compounds are stored
            rows = self.db.execute(
                "SELECT stem FROM (SELECT stem, articles FROM compounds WHERE stem > :head"
                " AND stem < :head || char(1114111) UNION SELECT stem, articles FROM compounds"
                " WHERE tail > :tail AND tail < :tail || char(1114111))"
                " ORDER BY articles DESC, stem LIMIT :n",
                {"head": head, "tail": head[::-1], "n": COMPOUNDS},
            )
            found[root] = [str(r[0]) for r in rows]
        return found

    def _sources(self) -> list[str]:
        return [str(r[0]) for r in self.db.execute("SELECT DISTINCT source FROM articles")]

    def _newest(self, filters: Filters, limit: int) -> list[int]:
        where, args = _where(filters)
        sql = (
            # Only fixed SQL and named placeholders are joined here.
            "SELECT a.id FROM articles a WHERE 1 = 1"  # noqa: S608
            f"{where} ORDER BY coalesce(a.published, a.fetched) DESC, a.id DESC LIMIT :limit"
        )
        return [int(r[0]) for r in self.db.execute(sql, args | {"limit": limit})]

    def _texts(self, ids: Sequence[int]) -> Iterable[tuple[int, str]]:
        return self.db.execute(
            "SELECT id, title || char(10) || body FROM articles"
            " WHERE id IN (SELECT value FROM json_each(?))",
            [json.dumps(list(ids))],
        ).fetchall()

    def _heads(self, ids: Sequence[int]) -> Iterable[Head]:
        return self.db.execute(
            "SELECT id, title_stems, substr(body_stems, 1, :lead) FROM articles"
            " WHERE id IN (SELECT value FROM json_each(:ids))",
            {"lead": LEAD_CHARS, "ids": json.dumps(list(ids))},
        ).fetchall()

    def _hits(self, ids: Sequence[int], query: Query) -> tuple[SearchHit, ...]:
        rows = {
            r["id"]: r
            for r in self.db.query(
                "SELECT * FROM articles WHERE id IN (SELECT value FROM json_each(?))",
                [json.dumps(list(ids))],
            )
        }
        return tuple(
            SearchHit(self.articles.from_row(rows[i]), make_snippet(rows[i]["body"], query))
            for i in ids
        )
