"""Quoted phrases on PostgreSQL: each article's words in order as a tsvector with positions
(`articles_fts_phrases`, under GIN), asked with the `<->` operator, so the index checks order
and adjacency as SQLite's FTS5 phrase index does.

A word's terms all stand at its position (a tsvector may hold several lexemes at one), so a
phrase's word matches any word sharing a term with it, as `bot.query.has_phrases` says; a
small word stands as its form (`~der`). Lexemes are our forms as they are (no parser, no
dictionary, no folding). A tsvector keeps positions up to 16,383 and 255 of each lexeme, so a
longer text is split into parts that overlap by a phrase's length less one word: each phrase
of a text lies whole in one part.

GIN cannot see positions, so `<->` alone rechecks every row holding all the phrase's words.
A second GIN index (m023) holds each row's adjacent word pairs, hashed (`phrase_pairs`): a
two-word phrase is found by its pairs alone, a longer one by all its pairs and then its
positions, in the few rows holding them.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Sequence

from bot.query import MAX_WORDS, form_terms

# What one tsvector keeps: positions up to this, and this many positions of one lexeme.
MAX_POSITION = 16_383
MAX_REPEATS = 255
# Words two parts of a long text share: a phrase has at most MAX_WORDS words.
OVERLAP = MAX_WORDS - 1


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def phrase_vectors(phrase: str) -> Iterator[str]:
    """The tsvector texts (`'lexeme':1,4 …`) of a phrase text (`IndexText.phrase`), one per
    part; none for a text without words."""
    forms = phrase.split()
    if len(forms) <= MAX_POSITION:
        # Most texts fit one part: each distinct form's positions, then its terms'.
        at: dict[str, list[int]] = {}
        for position, form in enumerate(forms, 1):
            at.setdefault(form, []).append(position)
        whole: dict[str, list[int]] = {}
        for form, found in at.items():
            for term in form_terms(form):
                whole[term] = sorted(whole[term] + found) if term in whole else found
        if all(len(p) <= MAX_REPEATS for p in whole.values()):
            yield _vector(whole)
            return
    start = 0
    while start < len(forms):
        positions: dict[str, list[int]] = {}
        end = start
        while end < len(forms) and end - start < MAX_POSITION:
            terms = form_terms(forms[end])
            if any(len(positions.get(t, ())) >= MAX_REPEATS for t in terms):
                break
            for term in terms:
                positions.setdefault(term, []).append(end - start + 1)
            end += 1
        yield _vector(positions)
        if end == len(forms):
            return
        start = max(start + 1, end - OVERLAP)


def _vector(positions: dict[str, list[int]]) -> str:
    return " ".join(f"{_quote(t)}:{','.join(map(str, p))}" for t, p in positions.items())


def phrase_tsquery(phrases: Sequence[Sequence[Sequence[str]]]) -> str:
    """The tsquery text of a query's phrases (each word's keys, `Query.phrases`): each word by
    any of its keys, the words adjacent in order (`<->`), the phrases ANDed."""
    return " & ".join(
        "(" + " <-> ".join("(" + " | ".join(map(_quote, word)) + ")" for word in phrase) + ")"
        for phrase in phrases
    )


# Each phrase index row's adjacent word pairs (a term of one word, a space, a term of the
# next), hashed: the expression its second GIN index holds (m023), so a phrase's rows are found
# by its pairs, not by rechecking the positions of every row holding all its words.
# `hashtextextended` is PostgreSQL's own stable text hash (hash partitioning relies on it).
PAIRS_FUNCTION = """
CREATE FUNCTION phrase_pairs(words tsvector) RETURNS bigint[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT hashtextextended(a.lexeme || ' ' || b.lexeme, 0)), '{}')
    FROM (SELECT u.lexeme, p FROM unnest(words) AS u, unnest(u.positions) AS p) AS a
    JOIN (SELECT u.lexeme, p FROM unnest(words) AS u, unnest(u.positions) AS p) AS b
    ON b.p = a.p + 1
$$
"""
# A query's pairs (`pair_keys`) hashed the same way.
PAIR_KEYS_FUNCTION = """
CREATE FUNCTION phrase_pair_keys(pairs text[]) RETURNS bigint[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(hashtextextended(p, 0)), '{}') FROM unnest(pairs) AS p
$$
"""
PAIRS_GIN = (
    "CREATE INDEX articles_fts_phrases_pairs ON articles_fts_phrases"
    " USING gin (phrase_pairs(words))"
)


def pair_keys(phrase: Sequence[Sequence[str]]) -> list[list[str]]:
    """Each adjacent pair of a phrase's words as the pairs the index holds: a key of the one,
    a space, a key of the next (`phrase_pairs`)."""
    return [[f"{a} {b}" for a in one for b in two] for one, two in itertools.pairwise(phrase)]


def phrase_match(phrases: Sequence[Sequence[Sequence[str]]]) -> str:
    """The phrase filter's text (`pipeline.Filters.phrases`): each phrase's adjacent pairs, all
    of them in one row, and the positions' tsquery where pairs alone are not exact (a phrase
    of three words or more: each pair may stand elsewhere). A two-word phrase is its pair: a
    row holding another pair of the same 64-bit hash would match too (about one chance in
    10^12 per search at 100,000 articles)."""
    exact = all(len(phrase) == 2 for phrase in phrases)
    pairs = [keys for phrase in phrases for keys in pair_keys(phrase)]
    return json.dumps({"pairs": pairs, "words": "" if exact else phrase_tsquery(phrases)})


def phrase_where(match: str) -> tuple[str, dict[str, list[str] | str]]:
    """The conditions on an `articles_fts_phrases` row that holds the phrases of a
    `phrase_match` text, and their arguments."""
    found = json.loads(match)
    where = []
    args: dict[str, list[str] | str] = {}
    for n, keys in enumerate(found["pairs"]):
        where.append(f"phrase_pairs(words) && phrase_pair_keys(%(pairs{n})s::text[])")
        args[f"pairs{n}"] = keys
    if found["words"]:
        where.append("words @@ %(phrases)s::tsquery")
        args["phrases"] = found["words"]
    return " AND ".join(where), args
