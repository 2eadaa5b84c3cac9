"""Our index terms as PostgreSQL lexemes, and the ranking SQLite's FTS5 gives them, so a search
means the same on both backends: FTS5's `unicode61 remove_diacritics 2` folding
(`bot.query.search_fold`), its bm25 and SQLite's julianday, in plain Python.

PostgreSQL's own `german` configuration is not used: it stems with Snowball alone and drops
words from phrases. The lexemes are the terms `bot.query.index_text` made (stems and lemma
stems), put into a tsvector as they are (`array_to_tsvector`, no parser, no dictionary).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.query import search_fold

# FTS5's bm25 constants (fts5_aux.c) and the column weights SQLite's index is configured with
# (m005: `bm25(4.0, 1.0)`, title then body).
K1 = 1.2
B = 0.75
TITLE_WEIGHT = 4.0
BODY_WEIGHT = 1.0
# FTS5 clamps a term's idf to this when the term is in half the rows or more.
MIN_IDF = 1e-6


def tokens(stems: str) -> list[str]:
    """The folded tokens (`search_fold`) of a stored `title_stems`/`body_stems` text."""
    return [search_fold(t) for t in stems.split()]


def _counted(stems: str) -> list[str]:
    """The folded tokens of a stored text, as FTS5 counts them (stems are lower case already:
    only a text with other letters than ASCII needs folding)."""
    return stems.split() if stems.isascii() and stems.islower() else tokens(stems)


@dataclass(frozen=True, slots=True)
class IndexRow:
    """An article's row of `articles_fts`: its distinct lexemes (sorted), its size in tokens
    as FTS5 counts it, and `counts`, the JSON of `{term: [in title, in body]}` for each term in
    the title or more than once in the body (any other lexeme is once in the body), so ranking
    never reads the text again."""

    lexemes: list[str]
    size: int
    counts: str


def index_row(title_stems: str, body_stems: str) -> IndexRow:
    """The index row of an article's stored `title_stems` and `body_stems`."""
    title = Counter(_counted(title_stems))
    body = Counter(_counted(body_stems))
    lexemes = sorted(title.keys() | body.keys())
    listed = {t: [title[t], body[t]] for t in lexemes if title[t] or body[t] != 1}
    size = sum(title.values()) + sum(body.values())
    return IndexRow(lexemes, size, json.dumps(listed, ensure_ascii=False))


def _quote(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def to_tsquery(
    wants: Sequence[Sequence[str]], compounds: Mapping[str, Sequence[str]] | None = None
) -> str:
    """The tsquery text `bot.query.to_match` means: each word by one of its terms or their
    compounds (`('a' | 'b') & 'c'`), terms quoted as lexemes."""
    parts = []
    for alternatives in wants:
        extra = (c for t in alternatives for c in (compounds or {}).get(t, ()))
        found = list(dict.fromkeys(search_fold(t) for t in (*alternatives, *extra)))
        parts.append("(" + " | ".join(map(_quote, found)) + ")")
    return " & ".join(parts)


def phrases(wants: Sequence[Sequence[str]]) -> list[str]:
    """The phrases FTS5's bm25 sums over for `to_match(wants)`: each quoted term, in order."""
    return [search_fold(t) for alternatives in wants for t in dict.fromkeys(alternatives)]


def bm25(idf: Sequence[float], counts: Sequence[Sequence[int]], size: int, avgdl: float) -> float:
    """FTS5's bm25() of one row from each phrase's `[in title, in body]` count and the row's
    size in tokens, negated as FTS5 returns it (fts5Bm25Function, same order of operations so
    equal inputs give the same double)."""
    score = 0.0
    for weight, (in_title, in_body) in zip(idf, counts, strict=True):
        freq = TITLE_WEIGHT * in_title + BODY_WEIGHT * in_body
        score += weight * ((freq * (K1 + 1.0)) / (freq + K1 * (1 - B + B * size / avgdl)))
    return -1.0 * score


def idf(rows: int, hits: int) -> float:
    """FTS5's idf of a phrase found in `hits` of `rows` rows."""
    value = math.log((rows - hits + 0.5) / (hits + 0.5))
    return value if value > 0.0 else MIN_IDF


def julianday(text: str) -> float:
    """SQLite's julianday() of a stored ISO date: whole milliseconds since the Julian epoch's
    noon, divided as SQLite divides them (`iJD / 86400000.0`)."""
    moment = datetime.fromisoformat(text)
    offset = moment.utcoffset()
    day = moment.date()
    year, month = day.year, day.month
    if month <= 2:
        year, month = year - 1, month + 12
    a = year // 100
    b = 2 - a + a // 4
    x1 = 36525 * (year + 4716) // 100
    x2 = 306001 * (month + 1) // 10000
    ijd = int((x1 + x2 + day.day + b - 1524.5) * 86400000)
    seconds = moment.second + moment.microsecond / 1_000_000
    ijd += moment.hour * 3600000 + moment.minute * 60000 + int(seconds * 1000 + 0.5)
    if offset is not None:
        ijd -= int(offset.total_seconds() // 60) * 60000
    return ijd / 86400000.0


def to_tsvector_text(lexemes: Sequence[str]) -> str:
    """A tsvector's text form of these lexemes as they are (for COPY): each quoted."""
    return " ".join(map(_quote, lexemes))
