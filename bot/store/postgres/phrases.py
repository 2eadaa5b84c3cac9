"""Quoted phrases on PostgreSQL: each article's words in order as a tsvector with positions
(`articles_fts_phrases.words`), asked with the `<->` operator, so a phrase is checked for order
and adjacency as SQLite's FTS5 phrase index checks it.

A word's terms all stand at its position (a tsvector may hold several lexemes at one), so a
phrase's word matches any word sharing a term with it, as `bot.query.has_phrases` says; a
small word stands as its form (`~der`). Lexemes are our forms as they are (no parser, no
dictionary, no folding). A tsvector keeps positions up to 16,383 and 255 of each lexeme, so a
longer text is split into parts that overlap by a phrase's length less one word: each phrase
of a text lies whole in one part.

GIN cannot see positions, so rows are found by their adjacent word pairs: each row's pairs
(a term of one word, a space, a term of the next) are a second tsvector (`pairs`, m024) under
the only GIN index of the table. A two-word phrase is its pair, exactly; a longer one is all
its pairs, then its positions in the few rows holding them. The pairs are made here, from the
words the client split anyway (m023 made them on the server, hashed, in an SQL function per
row: half a millisecond a row, the largest share of a batch's server time).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Sequence

from bot.query import MAX_WORDS, form_terms

# What one tsvector keeps: positions up to this, and this many positions of one lexeme.
MAX_POSITION = 16_383
MAX_REPEATS = 255
# The most a row's pairs may take (a tsvector holds 1 MB of lexemes): a longer text is split.
MAX_PAIRS = 1_000_000
# Words two parts of a long text share: a phrase has at most MAX_WORDS words.
OVERLAP = MAX_WORDS - 1


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def phrase_vectors(phrase: str) -> Iterator[str]:
    """The `words` tsvector texts (`'lexeme':1,4 …`) of a phrase text (`IndexText.phrase`),
    one per part; none for a text without words."""
    return (words for words, _ in phrase_rows(phrase))


def phrase_rows(phrase: str) -> Iterator[tuple[str, str]]:
    """Each part's `words` and `pairs` tsvector texts of a phrase text (`IndexText.phrase`);
    none for a text without words."""
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
        pairs = _pairs(forms)
        if all(len(p) <= MAX_REPEATS for p in whole.values()) and _size(pairs) <= MAX_PAIRS:
            yield _vector(whole), _lexemes(pairs)
            return
    start = 0
    while start < len(forms):
        positions: dict[str, list[int]] = {}
        end, size = start, 0
        while end < len(forms) and end - start < MAX_POSITION:
            terms = form_terms(forms[end])
            if any(len(positions.get(t, ())) >= MAX_REPEATS for t in terms):
                break
            if end > start:
                size += _size(_pairs(forms[end - 1 : end + 1]))
                if size > MAX_PAIRS:
                    break
            for term in terms:
                positions.setdefault(term, []).append(end - start + 1)
            end += 1
        yield _vector(positions), _lexemes(_pairs(forms[start:end]))
        if end == len(forms):
            return
        start = max(start + 1, end - OVERLAP)


def _vector(positions: dict[str, list[int]]) -> str:
    return " ".join(f"{_quote(t)}:{','.join(map(str, p))}" for t, p in positions.items())


def _pairs(forms: Sequence[str]) -> set[str]:
    """The adjacent word pairs of these forms: each term of a word, a space, each of the next."""
    terms = [form_terms(form) for form in forms]
    return {f"{a} {b}" for one, two in itertools.pairwise(terms) for a in one for b in two}


def _size(pairs: set[str]) -> int:
    """At most the bytes these pairs take in a tsvector (4 a lexeme, up to 4 a character)."""
    return sum(4 + 4 * len(pair) for pair in pairs)


def _lexemes(pairs: set[str]) -> str:
    return " ".join(map(_quote, pairs))


def phrase_tsquery(phrases: Sequence[Sequence[Sequence[str]]]) -> str:
    """The tsquery text of a query's phrases (each word's keys, `Query.phrases`): each word by
    any of its keys, the words adjacent in order (`<->`), the phrases ANDed."""
    return " & ".join(
        "(" + " <-> ".join("(" + " | ".join(map(_quote, word)) + ")" for word in phrase) + ")"
        for phrase in phrases
    )


def pair_keys(phrase: Sequence[Sequence[str]]) -> list[list[str]]:
    """Each adjacent pair of a phrase's words as the pairs a row's `pairs` holds: a key of the
    one, a space, a key of the next (`_pairs`)."""
    return [[f"{a} {b}" for a in one for b in two] for one, two in itertools.pairwise(phrase)]


def phrase_match(phrases: Sequence[Sequence[Sequence[str]]]) -> str:
    """The phrase filter's text (`pipeline.Filters.phrases`): each phrase's adjacent pairs, all
    of them in one row, and the positions' tsquery where pairs alone are not exact (a phrase
    of three words or more: each pair may stand elsewhere). A two-word phrase is its pair."""
    exact = all(len(phrase) == 2 for phrase in phrases)
    pairs = [keys for phrase in phrases for keys in pair_keys(phrase)]
    return json.dumps({"pairs": pairs, "words": "" if exact else phrase_tsquery(phrases)})


def phrase_where(match: str) -> tuple[str, dict[str, str]]:
    """The conditions on an `articles_fts_phrases` row that holds the phrases of a
    `phrase_match` text, and their arguments: its pairs (from their GIN index), then the
    words' positions where needed."""
    found = json.loads(match)
    pairs = " & ".join("(" + " | ".join(map(_quote, keys)) + ")" for keys in found["pairs"])
    where = ["pairs @@ %(pairs)s::tsquery"]
    args = {"pairs": pairs}
    if found["words"]:
        where.append("words @@ %(phrases)s::tsquery")
        args["phrases"] = found["words"]
    return " AND ".join(where), args
