"""Quoted phrases on PostgreSQL: each article's words in order as a tsvector with positions
(`articles_fts_phrases.words`), asked with the `<->` operator, so a phrase is checked for order
and adjacency as SQLite's FTS5 phrase index checks it.

A word's terms all stand at its position (a tsvector may hold several lexemes at one), so a
phrase's word matches any word sharing a term with it, as `bot.query.has_phrases` says; a
small word stands as its form (`~der`). Lexemes are our forms as they are (no parser, no
dictionary, no folding). A tsvector keeps positions up to 16,383 and 255 of each lexeme, so a
longer text is split into parts that overlap by a phrase's length less one word: each phrase
of a text lies whole in one part.

GIN cannot see positions, so rows are found by their adjacent word pairs first (m024): each
row's `pairs` column holds, for each pair (a term of one word, a term of the next), a number
of PAIR_BITS bits made from the two terms' CRC-32s, under the table's one GIN index. A phrase's
rows are those holding a number of each of its pairs, then checked by position (`words @@`):
two pairs of the same number only make a row a candidate, never a match. About a million
numbers keep a rare phrase's candidates few even when its number is a common pair's too
(with 65,536, one of bench/backends.py's 100 phrases met a pair of ~12,000 rows and took
~130 ms), and GIN files a batch's numbers ~2x faster than m023's 64-bit hashes made per row by
an SQL function on the server.
"""

from __future__ import annotations

import itertools
import json
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache

from bot.query import FORM_MARK, MAX_WORDS, form_terms

# What one tsvector keeps: positions up to this, and this many positions of one lexeme.
MAX_POSITION = 16_383
MAX_REPEATS = 255
# A pair's number: PAIR_BITS bits made of its terms' CRC-32s (any stable hash would do: rows
# are checked by position after it; CRC-32 is the cheapest in Python's standard library, and
# a form's are computed once, a pair's from two of them by one XOR).
PAIR_BITS = 20
PAIR_MASK = (1 << PAIR_BITS) - 1
PAIR_FACTOR = 0x9E3779B1
# Words two parts of a long text share: a phrase has at most MAX_WORDS words.
OVERLAP = MAX_WORDS - 1


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def phrase_vectors(phrase: str) -> Iterator[str]:
    """The `words` tsvector texts (`'lexeme':1,4 …`) of a phrase text (`IndexText.phrase`),
    one per part; none for a text without words."""
    return (_vector(positions) for positions, _ in _parts(phrase))


def phrase_rows(phrase: str) -> Iterator[tuple[str, str]]:
    """Each part's `words` tsvector text and `pairs` array text of a phrase text
    (`IndexText.phrase`); none for a text without words."""
    for positions, forms in _parts(phrase):
        yield _vector(positions), _array(_numbers(map(_form_keys, forms)))


def _parts(phrase: str) -> Iterator[tuple[dict[str, list[int]], list[str]]]:
    """Each part of a phrase text: its terms' positions and its forms."""
    forms = phrase.split()
    if len(forms) <= MAX_POSITION:
        # Most texts fit one part: each distinct form's positions, then its terms'.
        at: defaultdict[str, list[int]] = defaultdict(list)
        for position, form in enumerate(forms, 1):
            at[form].append(position)
        whole: dict[str, list[int]] = {}
        for form, found in at.items():
            if FORM_MARK not in form[1:]:  # one term: the form itself (or a small word's)
                whole[form] = sorted(whole[form] + found) if form in whole else found
                continue
            for term in form_terms(form):
                whole[term] = sorted(whole[term] + found) if term in whole else found
        if all(len(p) <= MAX_REPEATS for p in whole.values()):
            yield whole, forms
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
        yield positions, forms[start:end]
        if end == len(forms):
            return
        start = max(start + 1, end - OVERLAP)


def _vector(positions: dict[str, list[int]]) -> str:
    return " ".join(
        [
            f"{_quoted(t)}:{p[0]}" if len(p) == 1 else f"{_quoted(t)}:{','.join(map(str, p))}"
            for t, p in positions.items()
        ]
    )


# A lexeme as quoted in a tsvector's text, kept for the next article (terms are Zipfian).
_quoted = lru_cache(maxsize=200_000)(_quote)


# A word's part in its pairs' numbers: each term's as the first word of a pair and as the second.
Keys = tuple[tuple[int, ...], tuple[int, ...]]


def _keys(terms: Iterable[str]) -> Keys:
    """A word's keys from its terms' CRC-32s: the first word's times an odd constant (so `a b`
    is not `b a`), the second's as it is, both cut to PAIR_BITS; a pair's number is their XOR."""
    crcs = [zlib.crc32(term.encode()) for term in terms]
    return tuple((c * PAIR_FACTOR) & PAIR_MASK for c in crcs), tuple(c & PAIR_MASK for c in crcs)


@lru_cache(maxsize=200_000)
def _form_keys(form: str) -> Keys:
    """A phrase form's keys (news vocabulary is Zipfian: most forms are asked again soon)."""
    return _keys(form_terms(form))


def _numbers(words: Iterable[Keys]) -> list[int]:
    """The numbers of every adjacent pair of these words' terms, each once, in order."""
    return sorted(
        {
            a ^ b
            for (first, _), (_, second) in itertools.pairwise(words)
            for a in first
            for b in second
        }
    )


def pair_numbers(words: Iterable[Sequence[str]]) -> list[int]:
    """The numbers of the adjacent pairs of these words' terms (a term of one word, then a
    term of the next), each once, in order."""
    return _numbers(map(_keys, words))


def _array(numbers: list[int]) -> str:
    return "{" + ",".join(map(str, numbers)) + "}"


def phrase_tsquery(phrases: Sequence[Sequence[Sequence[str]]]) -> str:
    """The tsquery text of a query's phrases (each word's keys, `Query.phrases`): each word by
    any of its keys, the words adjacent in order (`<->`), the phrases ANDed."""
    return " & ".join(
        "(" + " <-> ".join("(" + " | ".join(map(_quote, word)) + ")" for word in phrase) + ")"
        for phrase in phrases
    )


def phrase_match(phrases: Sequence[Sequence[Sequence[str]]]) -> str:
    """The phrase filter's text (`pipeline.Filters.phrases`): the numbers of each adjacent
    pair of each phrase (a row holds one of each), and the positions' tsquery."""
    numbers = [pair_numbers(pair) for phrase in phrases for pair in itertools.pairwise(phrase)]
    return json.dumps({"pairs": numbers, "words": phrase_tsquery(phrases)})


def phrase_where(match: str) -> tuple[str, dict[str, list[int] | str]]:
    """The conditions on an `articles_fts_phrases` row that holds the phrases of a
    `phrase_match` text, and their arguments: a number of each pair (from the GIN index),
    then the words' positions."""
    pairs, words, args = phrase_conditions(match, "words")
    return f"{pairs} AND {words}", args


def phrase_conditions(match: str, words: str) -> tuple[str, str, dict[str, list[int] | str]]:
    """A `phrase_match` text's two conditions and their arguments: on an
    `articles_fts_phrases` row's pairs (the candidates, from the GIN index), and on its
    positions (`words`, a column of such a row), checked only for the candidates still
    needed (a common phrase has thousands)."""
    found = json.loads(match)
    where = []
    args: dict[str, list[int] | str] = {}
    for n, numbers in enumerate(found["pairs"]):
        where.append(f"pairs && %(pairs{n})s::integer[]")
        args[f"pairs{n}"] = numbers
    args["phrases"] = found["words"]
    return " AND ".join(where), f"{words} @@ %(phrases)s::tsquery", args
