"""Full-text search on PostgreSQL: the shared pipeline's questions (`bot.store.pipeline`)
answered from our own terms in a tsvector under GIN, ranked by FTS5's bm25 with SQLite's
recency boost, so both backends return the same articles in the same order
(`tests/test_store_postgres.py` checks a few hundred queries).

bm25 reads each match's stored term counts (`articles_fts.counts`), not its text, and a search
runs in pipeline mode: one word costs 4-5 round trips (the index's counts, the candidates with
their scores' data and heads, the hits with their links, the commit).

What a search costs the server is rows read: the candidates' ids come from the GIN index
alone, limited before any row is joined; index rows are stored uncompressed (m023), so testing
a row's terms decompresses nothing; a quoted phrase starts from the rows holding its word
pairs (`phrases.py`).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from psycopg.rows import dict_row

from bot.query import MIN_PART, Query, make_snippet, search_fold
from bot.records import SearchHit, SearchPage
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
from bot.store.postgres.articles import LINKS, Articles
from bot.store.postgres.base import Args, PgDatabase, Table
from bot.store.postgres.phrases import phrase_conditions, phrase_match, phrase_where
from bot.store.postgres.terms import bm25, idf, julianday, phrases, to_tsquery
from bot.store.ranking import CANDIDATES, LEAD_CHARS, Head, Row
from bot.store.table import _iso


def _where(filters: Filters) -> tuple[str, dict[str, Any]]:
    """The filters as SQL conditions on `articles a`, and their arguments."""
    where, args = _row_where(filters)
    ids, more = _id_where(filters, "a.id")
    return where + ids, args | more


def _row_where(filters: Filters) -> tuple[str, dict[str, Any]]:
    """The filters that read an article's row (date, source, feed), as conditions on
    `articles a`; "" when none does."""
    where = ""
    args: dict[str, Any] = {}
    if filters.since is not None:
        where += " AND coalesce(a.published, a.fetched) >= %(since)s"
        args["since"] = filters.since
    if filters.sources is not None:
        where += " AND a.source = ANY(%(sources)s::text[])"
        args["sources"] = list(filters.sources)
    if filters.feeds is not None:
        where += " AND (a.chat_feed IS NULL OR a.chat_feed = ANY(%(feeds)s::bigint[]))"
        args["feeds"] = list(filters.feeds)
    return where, args


def _id_where(filters: Filters, column: str) -> tuple[str, dict[str, Any]]:
    """The filters the index answers by id (excluded words, quoted phrases), as conditions
    on `column`."""
    where = ""
    args: dict[str, Any] = {}
    if filters.excluded:
        # Only fixed SQL (`column` is one of ours) and named placeholders are joined here.
        where += (
            f" AND {column} NOT IN (SELECT id FROM articles_fts"  # noqa: S608
            " WHERE terms @@ %(without)s::tsquery)"
        )
        args["without"] = to_tsquery([tuple(search_fold(t) for t in filters.excluded)])
    if filters.phrases:
        held, more = phrase_where(filters.phrases)
        where += f" AND {column} IN (SELECT id FROM articles_fts_phrases WHERE {held})"  # noqa: S608
        args |= more
    return where, args


# Made before a search's first statement (`set_config(…, true)`: for its transaction only).
# The planner prices `@@` per row as cheap, but each row's terms are read and tested:
# scans are priced out. Every plan then looks dear enough for JIT, which spent 30-200 ms
# compiling one-row lookups: off. Parallel workers cost more to start than these plans take.
# psycopg prepares a statement run five times, and PostgreSQL then plans it once for any
# arguments (a generic plan), blind to how common the words are and how wide the window is:
# twice the server's time per search (measured with bench/search_versions.py). A plan for
# each search's own arguments (what an unprepared statement gets) keeps the parse saved.
SETTINGS = (
    "set_config('enable_seqscan', 'off', true)",
    "set_config('jit', 'off', true)",
    "set_config('max_parallel_workers_per_gather', '0', true)",
    "set_config('plan_cache_mode', 'force_custom_plan', true)",
)


def _ranking(ids: str, counted: Sequence[bool]) -> str:
    """The query of the ids `ids` finds (the newest first, limited) with each one's date and
    head (title terms, the lead's terms) and, for each `counted` term, its size in tokens
    and the term's `[in title, in body]` count: listed in `counts`, else [0, 1] for a lexeme
    it has (`terms.IndexRow`). Rows are read only for the ids kept. A term every match holds
    (`counted[n]` true: its word has no other term) needs no look at the terms, which costs
    more than the rest of the row."""
    head = (
        "SELECT c.id, coalesce(a.published, a.fetched), a.title_stems,"
        " substr(a.body_stems, 1, %(lead)s)"
    )
    join = f"FROM ({ids}) AS c JOIN articles a ON a.id = c.id"
    if not counted:
        return f"{head} {join} ORDER BY c.id DESC"
    cells = ", ".join(
        f"coalesce(x.counts -> %(c{n})s, '[0, 1]'::jsonb)"
        if sure
        else f"coalesce(x.counts -> %(c{n})s, CASE WHEN x.terms @@ %(t{n})s::tsquery"
        " THEN '[0, 1]'::jsonb ELSE '[0, 0]'::jsonb END)"
        for n, sure in enumerate(counted)
    )
    return (
        f"{head}, x.tokens, jsonb_build_array({cells}) {join}"
        " JOIN articles_fts x ON x.id = c.id ORDER BY c.id DESC"
    )


# Expected matches above which the newest ids are tried first (`SearchIndex._candidates`).
WINDOW_FROM = 2000
# The share of articles expected to match from which walking the newest ids, testing each
# article's terms, beats the GIN index (at most ~4 articles tested per match).
WALK_FROM = 0.25


@dataclass(frozen=True, slots=True)
class _Stats:
    """What the index holds: articles, their tokens, the newest id, articles per term."""

    rows: int
    tokens: int
    newest: int
    hits: dict[str, int]


class SearchIndex(SearchPipeline, Table):
    """Ranked search (`bot.store.pipeline`) on a GIN index of our own terms."""

    def __init__(self, db: PgDatabase, articles: Articles) -> None:
        super().__init__(db)
        self.articles = articles
        # The heads (`_heads`) and term counts (`_stats`) of the running search, per thread.
        self._local = threading.local()
        # How candidates are found (`_candidates`); the same matches whichever way.
        self.window_from = WINDOW_FROM
        self.walk_from = WALK_FROM

    def _search(self, query: Query, limit: int, offset: int, now: datetime) -> SearchPage:
        # One connection and snapshot for the whole search, in pipeline mode: statements whose
        # rows are not needed yet (the transaction's start, its settings, an article's links)
        # travel with the next one that is, so a search costs ~4 round trips.
        with self.db.atomic(pipeline=True):
            local = self._local
            local.heads, local.stats, local.recent, local.walking = {}, None, {}, True
            local.settings = list(SETTINGS)
            try:
                return super()._search(query, limit, offset, now)
            finally:
                local.heads, local.stats, local.recent = {}, None, {}

    def _rows(self, sql: str, args: Args = None) -> list[tuple[Any, ...]]:
        """Run one statement of the search and fetch its rows; settings still to be made are
        sent before it, in the same round trip."""
        settings: list[str] = self._local.settings
        if settings:
            self._local.settings = []
            self.db.send("SELECT " + ", ".join(settings))
        return self.db.fetch(sql, args)

    def _walking(self, walk: bool) -> None:
        """Let the planner walk an index in order (the default), or make it use bitmaps."""
        if self._local.walking != walk:
            self._local.walking = walk
            flag = "on" if walk else "off"
            self._local.settings.append(f"set_config('enable_indexscan', '{flag}', true)")

    def _stats(
        self, terms: Iterable[str], words: Words = (), sample: int = COMMON_SAMPLE
    ) -> _Stats:
        """The index's size, its newest id and each term's article count: one round trip for
        the terms the running search has not asked for yet.

        With `words`, the same round trip counts each word in the newest `sample` articles
        (`_recent_counts`); a word in fewer articles than half the sample cannot be in half
        of it and is not counted (0).
        """
        known: _Stats | None = self._local.stats
        wanted = sorted(set(terms) - set(known.hits if known else ()))
        if known is not None and not wanted and not words:
            return known
        counts = ", ".join(
            # Only fixed SQL and named placeholders are joined here.
            "CASE WHEN 2 * (SELECT coalesce(sum(t.articles), 0)"  # noqa: S608
            f" FROM unnest(%(w{n})s::text[]) AS w(term) JOIN articles_fts_terms t"
            " ON t.term = w.term) >= least(%(sample)s, n.newest) THEN (SELECT count(*)"
            " FROM articles_fts WHERE id > n.newest - least(%(sample)s, n.newest)"
            f" AND terms @@ %(q{n})s::tsquery) ELSE 0 END"
            for n in range(len(words))
        )
        args = {"terms": wanted, "sample": sample}
        for n, word in enumerate(words):
            args |= {f"w{n}": [search_fold(t) for t in word], f"q{n}": to_tsquery([word])}
        rows, size, newest, hits, *found_counts = self._rows(
            # Only fixed SQL and named placeholders are joined here.
            "SELECT s.articles, s.tokens, n.newest, (SELECT coalesce(json_object_agg(term,"  # noqa: S608
            " articles), '{}') FROM articles_fts_terms WHERE term = ANY(%(terms)s))"
            f"{', ' if counts else ''}{counts} FROM articles_fts_totals s,"
            " (SELECT coalesce(max(id), 0) AS newest FROM articles_fts) AS n",
            args,
        )[0]
        self._local.recent.update(zip(words, map(int, found_counts), strict=True))
        found = dict.fromkeys(wanted, 0) | {str(k): int(v) for k, v in hits.items()}
        stats = _Stats(int(rows), int(size), int(newest), (known.hits if known else {}) | found)
        self._local.stats = stats
        return stats

    def _scored(self, wants: Words, scored: Words, filters: Filters, now: datetime) -> list[Row]:
        stats = self._stats(search_fold(t) for word in wants for t in word)
        terms = phrases(scored)
        found = self._candidates(wants, {}, filters, stats, counted=terms)
        if not found:
            return []
        weights = [idf(stats.rows, stats.hits.get(t, 0)) for t in terms]
        avgdl = stats.tokens / stats.rows
        today = julianday(_iso(now) or "")
        ranked = []
        heads = self._local.heads
        for article_id, day, title, lead, size, counts in found:
            heads[article_id] = (article_id, title, lead)
            rank = bm25(weights, counts, size, avgdl)
            age = max(0.0, today - julianday(day))
            ranked.append((article_id, day, rank * (1 + RECENCY_BOOST / (1 + age / RECENCY_DAYS))))
        return ranked

    def _matches(
        self, wants: Words, compounds: Mapping[str, Sequence[str]], filters: Filters
    ) -> list[tuple[Any, ...]]:
        terms = (search_fold(t) for word in wants for t in word)
        extra = (search_fold(c) for word in wants for t in word for c in compounds.get(t, ()))
        stats = self._stats([*terms, *extra])
        found = self._candidates(wants, compounds, filters, stats)
        heads = self._local.heads
        for article_id, _, title, lead in found:
            heads.setdefault(article_id, (article_id, title, lead))
        return found

    def _candidates(
        self,
        wants: Words,
        compounds: Mapping[str, Sequence[str]],
        filters: Filters,
        stats: _Stats,
        *,
        counted: Sequence[str] = (),
    ) -> list[tuple[Any, ...]]:
        """The newest matches (up to CANDIDATES + 1): id, date, title terms and the lead's
        (`ranking.Head`), and with `counted` terms the size and their counts (`_ranking`).

        GIN finds every match at once, but PostgreSQL then visits each one's row (an index
        cannot answer alone), ~0.4 s for a word in all 100k articles. So the term counts
        tell how many matches to expect: when there are many, the newest articles are tried
        first, in a window of ids where about twice the needed matches should be, and the
        rest only when the window held too few.
        """
        rows_where, args = _row_where(filters)
        ids_where, more = _id_where(filters, "f.id")
        # The filters on an article's row need the row before the limit; the others do not.
        joined = " JOIN articles a ON a.id = f.id" if rows_where else ""
        source, found = f"articles_fts f{joined}", f"f{joined}"
        where = rows_where + ids_where
        args |= more
        window = CANDIDATES + 1
        shares = [
            min(
                1.0,
                sum(stats.hits[search_fold(t)] for a in word for t in (a, *compounds.get(a, ())))
                / max(1, stats.rows),
            )
            for word in wants
        ]
        args |= {"match": to_tsquery(wants, compounds), "lead": LEAD_CHARS}
        for n, term in enumerate(counted):
            args |= {f"c{n}": term, f"t{n}": to_tsquery([(term,)])}
        # Terms every match holds: the only term of a word (no compounds when scoring).
        sure = {search_fold(word[0]) for word in wants if len({search_fold(t) for t in word}) == 1}
        held_terms = [term in sure for term in counted]
        if filters.phrases:
            # Articles holding the phrases' pair numbers are found from GIN (few, even for
            # common words); the newest of them are then tested for the words and filters,
            # then (`q.id = f.id`: after them) the phrases' positions, until the window is full.
            pairs, positions, more = phrase_conditions(filters.phrases, "q.words")
            excluded, _ = _id_where(replace(filters, phrases=""), "f.id")
            self._walking(True)
            return self._rows(
                _ranking(
                    # Only fixed SQL and named placeholders are joined here.
                    "SELECT p.id FROM (SELECT DISTINCT id FROM articles_fts_phrases"  # noqa: S608
                    f" WHERE {pairs} ORDER BY id DESC) AS p, LATERAL (SELECT 1 FROM {source}"
                    f" WHERE f.id = p.id AND f.terms @@ %(match)s::tsquery{rows_where}{excluded}"
                    " AND EXISTS (SELECT 1 FROM articles_fts_phrases q WHERE q.id = f.id"
                    f" AND {positions})) AS f ORDER BY p.id DESC LIMIT %(window)s",
                    held_terms,
                ),
                args | more | {"window": window},
            )
        if min(shares) * stats.rows <= self.window_from:
            # Few matches, as the rarest word has few: all of them from the GIN index first,
            # then the newest of those.
            self._walking(True)
            return self._rows(
                _ranking(
                    # Only fixed SQL and named placeholders are joined here.
                    "WITH f AS MATERIALIZED (SELECT id FROM articles_fts"  # noqa: S608
                    " WHERE terms @@ %(match)s::tsquery)"
                    f" SELECT f.id FROM {found} WHERE true{where}"
                    " ORDER BY f.id DESC LIMIT %(window)s",
                    held_terms,
                ),
                args | {"window": window},
            )
        rows: list[tuple[Any, ...]] = []
        top = stats.newest
        # Twice the window's matches, were the words independent of each other.
        share = max(math.prod(shares), 1e-9)
        span = int(2 * window / share)
        # The planner prices testing an article's terms as cheap and walks the ids backwards
        # testing each, which is right only when most articles match; else the window's
        # matches come from the GIN index (its matches and the id range as two bitmaps).
        self._walking(share >= self.walk_from)
        while True:
            floor = max(0, top - span)
            before = len(rows)
            rows += self._rows(
                _ranking(
                    # Only fixed SQL and named placeholders are joined here.
                    f"SELECT f.id FROM {source} WHERE f.terms @@ %(match)s::tsquery"  # noqa: S608
                    f" AND f.id > %(floor)s AND f.id <= %(top)s{where}"
                    " ORDER BY f.id DESC LIMIT %(window)s",
                    held_terms,
                ),
                args | {"floor": floor, "top": top, "window": window - len(rows)},
            )
            if len(rows) == window or floor == 0:
                return rows
            # Too few (the filters left few, or the words are rarer here): the next window
            # below, wide enough for twice the matches still needed at the density just seen,
            # and four times wider when it held none.
            density = (len(rows) - before) / (top - floor)
            top = floor
            span = int(2 * (window - len(rows)) / density) + 1 if density else 4 * span

    def _phrase_match(self, phrases: Phrases) -> PhraseMatch:
        return PhraseMatch(phrase_match(phrases))

    def _recent_counts(self, wants: Words, sample: int) -> tuple[list[int], int]:
        # Each word's count, kept for the related searches (of fewer words) that follow.
        known: dict[tuple[str, ...], int] = self._local.recent
        asked = [word for word in dict.fromkeys(wants) if word not in known]
        terms = (search_fold(t) for word in wants for t in word)
        stats = self._stats(terms, asked, sample) if asked else self._stats(terms)
        return [known.get(word, 0) for word in wants], min(sample, stats.newest)

    def _compounds(self, roots: Sequence[str]) -> dict[str, list[str]]:
        """Stored compounds of each root, in one round trip for all roots."""
        wanted = [root for root in roots if len(root) >= MIN_PART]
        found: dict[str, list[str]] = {root: [] for root in roots}
        if not wanted:
            return found
        heads = [search_fold(root) for root in wanted]
        rows = self._rows(
            "SELECT x.n, c.stem, t.articles FROM unnest(%(roots)s::text[], %(tails)s::text[])"
            " WITH ORDINALITY AS x(head, tail, n), LATERAL (SELECT stem, articles FROM"
            " (SELECT stem, articles FROM compounds WHERE stem > x.head"
            " AND stem < x.head || chr(1114111) UNION SELECT stem, articles FROM compounds"
            " WHERE tail > x.tail AND tail < x.tail || chr(1114111)) AS found"
            " ORDER BY articles DESC, stem LIMIT %(n)s) AS c"
            " LEFT JOIN articles_fts_terms t ON t.term = c.stem"
            " ORDER BY x.n, c.articles DESC, c.stem",
            # Compounds are stored as the search index folds them.
            {"roots": heads, "tails": [h[::-1] for h in heads], "n": COMPOUNDS},
        )
        counts: dict[str, int] = {}
        for n, stem, articles in rows:
            found[wanted[int(n) - 1]].append(str(stem))
            if articles is not None:
                counts[stem] = int(articles)
        # The compounds' article counts, which the search of them asks for next.
        stats: _Stats | None = self._local.stats
        if stats is not None:
            self._local.stats = replace(stats, hits=stats.hits | counts)
        return found

    def _sources(self) -> list[str]:
        return [str(r[0]) for r in self._rows("SELECT DISTINCT source FROM articles")]

    def _newest(self, filters: Filters, limit: int) -> list[int]:
        where, args = _where(filters)
        sql = (
            # Only fixed SQL and named placeholders are joined here.
            "SELECT a.id FROM articles a WHERE true"  # noqa: S608
            f"{where} ORDER BY coalesce(a.published, a.fetched) DESC, a.id DESC"
            " LIMIT %(limit)s"
        )
        return [int(r[0]) for r in self._rows(sql, args | {"limit": limit})]

    def _texts(self, ids: Sequence[int]) -> Iterable[tuple[int, str]]:
        return self._rows(
            "SELECT id, title || chr(10) || body FROM articles WHERE id = ANY(%s)", [list(ids)]
        )

    def _heads(self, ids: Sequence[int]) -> Iterable[Head]:
        known: dict[int, Head] = self._local.heads
        wanted = [i for i in ids if i not in known]
        sql = "SELECT id, title_stems, substr(body_stems, 1, %s) FROM articles WHERE id = ANY(%s)"
        fetched = self._rows(sql, [LEAD_CHARS, wanted]) if wanted else []
        return [*(known[i] for i in ids if i in known), *fetched]

    def _hits(self, ids: Sequence[int], query: Query) -> tuple[SearchHit, ...]:
        if not ids:
            return ()
        # The links' query is sent first, so both answers come in one round trip.
        with (
            self.db.connection() as conn,
            conn.cursor(row_factory=dict_row) as links,
            conn.cursor(row_factory=dict_row) as articles,
        ):
            links.execute(LINKS, [list(ids)])
            articles.execute("SELECT * FROM articles WHERE id = ANY(%s)", [list(ids)])
            rows = {r["id"]: r for r in articles.fetchall()}
            link_rows = links.fetchall()
        found = {a.id: a for a in self.articles.from_rows([rows[i] for i in ids], link_rows)}
        return tuple(SearchHit(found[i], make_snippet(rows[i]["body"], query)) for i in ids)
