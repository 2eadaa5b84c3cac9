"""The search pipeline both store backends run: what a parsed query means, step by step.

`SearchPipeline.search` decides everything a reader can see: when nothing is searched, the
filters (`seit:`, `quelle:`, `-word`), which words are only filters because they are in half
the articles, the candidate cap, compound matches after the stem matches, quoted phrases,
the reader order, paging and related results. A backend only answers small questions about its
index (the newest matches and their scores, the stored compounds, some columns of some
articles), so a query cannot mean one thing on SQLite and another on PostgreSQL
(`tests/test_store_postgres.py` compares them over a few hundred queries).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from bot.query import Query, excluding_compounds, has_phrases, outlet_sources, to_match
from bot.records import SearchHit, SearchPage
from bot.store.ranking import (
    CANDIDATES,
    Head,
    Row,
    reader_order,
    related,
    then_newest,
    wants_related,
)
from bot.store.table import _iso

# Newest articles a query word is counted in to tell whether it is in half of all articles.
COMMON_SAMPLE = 1000
# Compounds tried per query word (`Luftabwehr` → `Luftabwehrsysteme`), the most used first.
COMPOUNDS = 12
# A match published today weighs up to (1 + RECENCY_BOOST) times one from long ago; the boost
# halves after RECENCY_DAYS.
RECENCY_BOOST = 0.5
RECENCY_DAYS = 14.0

Words = Sequence[tuple[str, ...]]
# A query's quoted phrases: each word's keys (`Query.phrases`).
Phrases = Sequence[Sequence[Sequence[str]]]


def by_score(row: Row) -> tuple[float, int]:
    """Best boosted bm25 first (bm25 is negative, as FTS5 gives it), then the newer article."""
    return row[2], -row[0]


@dataclass(frozen=True, slots=True)
class PhraseMatch:
    """A backend's phrase-index expression for a query's quoted phrases, and whether it finds
    exactly the articles holding them (else a superset: each candidate's text is checked)."""

    match: str
    exact: bool = True


@dataclass(frozen=True, slots=True)
class Filters:
    """What a query's filters let through, as values a backend puts into its SQL: articles
    published (else fetched) from `since` on; from one of the `sources` (stored outlet names,
    `outlet_sources`; None: any); without any of the `excluded` terms."""

    since: str | None = None
    sources: tuple[str, ...] | None = None
    excluded: tuple[str, ...] = ()
    # A chat's own feeds it may read (`Query.feeds`): None lets every article through, else
    # the shared pool's articles and those of these chat feeds only.
    feeds: tuple[int, ...] | None = None
    # The quoted phrases as the backend's phrase index asks for them (`_phrase_match`):
    # only articles holding every phrase pass ("": no phrase).
    phrases: str = ""

    @classmethod
    def of(cls, query: Query, sources: tuple[str, ...] | None = None) -> Filters:
        """The filters of a parsed query, its `quelle:` as the stored `sources` it names."""
        return cls(
            since=_iso(query.since),
            sources=sources,
            excluded=tuple(dict.fromkeys(t for words in query.excluded for t in words)),
            feeds=None if query.feeds is None else tuple(query.feeds),
        )


def _phrases_hold_all(query: Query) -> bool:
    """Whether every word of the query is a quoted phrase's word: then an article holding the
    phrases holds a term of each word, so compounds (a word matched only inside another)
    add no article the phrase index lets through."""
    keys = [set(word) for phrase in query.phrases for word in phrase]
    return bool(keys) and all(any(k <= set(want) for k in keys) for want in query.wants)


class SearchPipeline(ABC):
    """Ranked search, the same on every backend: the stem matches by boosted bm25, then the
    compound matches newest first, the phrases checked, in reader order."""

    def search(
        self, query: Query, limit: int, offset: int = 0, *, now: datetime | None = None
    ) -> SearchPage:
        """Ranked full-text search: bm25 with a recency boost, filters, snippets and paging.

        Articles matching every word's stem come first, ranked; those matching a word only
        through a compound (`Luftabwehr` in `Luftabwehrsysteme`) follow, newest first.
        """
        if not query.match and not (query.since or query.source):
            return SearchPage((), 0, offset)
        return self._search(query, limit, offset, now or datetime.now(UTC))

    def _search(self, query: Query, limit: int, offset: int, now: datetime) -> SearchPage:
        sources = outlet_sources(query.source, self._sources()) if query.source else None
        if sources == ():
            return SearchPage((), 0, offset)  # `quelle:` names no stored outlet
        # A `-word` leaves out what the word finds, its stored compounds too ("-Rente":
        # "Rentenpaket"), as an alert's `-word` does.
        excluded = list(dict.fromkeys(t for word in query.excluded for t in word))
        if excluded:
            query = excluding_compounds(query, self._compounds(excluded))
        filters = Filters.of(query, sources)
        if not query.match:
            return self._filters_only(query, filters, limit, offset)
        checked = True
        if query.phrases:
            phrases = self._phrase_match(query.phrases)
            if phrases is None:
                return SearchPage((), 0, offset)
            filters = replace(filters, phrases=phrases.match)
            checked = phrases.exact
        ranked = self._ranked(query.wants, filters, now)
        capped = len(ranked) > CANDIDATES
        if not capped and not _phrases_hold_all(query):
            compounds = self._compounds(query.roots)
            if to_match(query.wants, compounds) != query.match:
                # Only the exact stems are ranked (bm25 over every compound's matches costs
                # a pass over each); the compounds just widen the match.
                found = self._matches(query.wants, compounds, filters)
                ranked = then_newest(ranked, found)
                capped = len(found) > CANDIDATES
        ranked = ranked[:CANDIDATES]
        if not checked:
            ranked = self._with_phrases(query, ranked)
        ranked = self._reader_order(query.wants, ranked)
        ids = [row[0] for row in ranked[offset : offset + limit]]
        others: list[int] = []
        room = limit - len(ids)
        if wants_related(query, len(ranked), offset, room):
            known = {row[0] for row in ranked}
            others = related(
                query.wants,
                lambda words: self._reader_order(words, self._ranked(words, filters, now)),
                known,
            )[:room]
        hits = self._hits(ids, query)
        return SearchPage(hits, len(ranked), offset, capped, self._hits(others, query))

    def _filters_only(self, query: Query, filters: Filters, limit: int, offset: int) -> SearchPage:
        """A search of filters only (`quelle:dpa`): the newest articles they allow."""
        ids = self._newest(filters, CANDIDATES + 1)
        hits = self._hits(ids[offset : offset + limit], query)
        return SearchPage(hits, min(len(ids), CANDIDATES), offset, len(ids) > CANDIDATES)

    def _ranked(self, wants: Words, filters: Filters, now: datetime) -> list[Row]:
        """The newest matches of every word (up to CANDIDATES + 1), best boosted bm25 first.

        A word in half the articles or more adds nothing to bm25 (its idf is clamped to 1e-6)
        yet costs a pass over its matches: it filters the matches but is not scored.
        """
        common = self._common(wants) if len(wants) > 1 else set()
        scored = [word for word in wants if word not in common]
        return sorted(self._scored(wants, scored or list(wants), filters, now), key=by_score)

    def _common(self, wants: Words) -> set[tuple[str, ...]]:
        """The words (by their terms) found in at least half of the newest COMMON_SAMPLE."""
        counts, sample = self._recent_counts(wants, COMMON_SAMPLE)
        return {word for word, count in zip(wants, counts, strict=True) if 2 * count >= sample}

    def _with_phrases(self, query: Query, ranked: list[Row]) -> list[Row]:
        """The candidates whose title or text holds each quoted phrase in order: for a
        phrase the phrase index could only narrow down (`PhraseMatch.exact`)."""
        keep = {
            i for i, text in self._texts([row[0] for row in ranked]) if has_phrases(query, text)
        }
        return [row for row in ranked if row[0] in keep]

    def _reader_order(self, wants: Words, ranked: list[Row]) -> list[Row]:
        """The ranked articles in reader order (`bot.store.ranking.reader_order`)."""
        if not ranked:
            return ranked
        return reader_order(wants, ranked, self._heads([row[0] for row in ranked]))

    # What each backend answers about its own index and tables.

    @abstractmethod
    def _phrase_match(self, phrases: Phrases) -> PhraseMatch | None:
        """The quoted phrases as the backend's phrase index asks for them: articles holding
        each phrase's words in order, adjacent, each word by any stored form sharing a term
        with it and a small word as written (`bot.query.has_phrases`). None when a phrase's
        word is in no article (no article holds the phrase)."""

    @abstractmethod
    def _scored(self, wants: Words, scored: Words, filters: Filters, now: datetime) -> list[Row]:
        """The newest CANDIDATES + 1 articles matching every word of `wants` (by a stem,
        no compound) that pass the filters, each with FTS5's bm25 over the terms of `scored`
        (title weighted 4, body 1) times the recency boost."""

    @abstractmethod
    def _matches(
        self, wants: Words, compounds: Mapping[str, Sequence[str]], filters: Filters
    ) -> Sequence[Sequence[Any]]:
        """The newest CANDIDATES + 1 articles matching every word by a term or one of its
        `compounds`, passing the filters: (id, ISO date) each, unscored."""

    @abstractmethod
    def _recent_counts(self, wants: Words, sample: int) -> tuple[list[int], int]:
        """How many of the newest `sample` articles (by id) match each word by a stem, and
        how many articles that sample holds."""

    @abstractmethod
    def _compounds(self, roots: Sequence[str]) -> dict[str, list[str]]:
        """Stored compounds that start or end with each root (COMPOUNDS at most, those in the
        most articles first); a root shorter than MIN_PART has none."""

    @abstractmethod
    def _sources(self) -> list[str]:
        """Every outlet name articles are stored under, each once."""

    @abstractmethod
    def _newest(self, filters: Filters, limit: int) -> list[int]:
        """The ids of the newest articles (by date, then id) the filters let through."""

    @abstractmethod
    def _texts(self, ids: Sequence[int]) -> Iterable[tuple[int, str]]:
        """Each article's title and body, a newline between them."""

    @abstractmethod
    def _heads(self, ids: Sequence[int]) -> Iterable[Head]:
        """Each article's title terms and the start of its body terms (`ranking.Head`)."""

    @abstractmethod
    def _hits(self, ids: Sequence[int], query: Query) -> tuple[SearchHit, ...]:
        """The articles of these ids as hits with snippets, in the order given."""
