"""User search text → a safe FTS5 MATCH expression plus filters (`seit:`, `quelle:`).

Only letter/digit words ever reach the MATCH string, each quoted, so no user text can inject
FTS5 syntax (`AND(`, `NEAR`, `*`, quotes) or raise a syntax error.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from nltk.stem.snowball import GermanStemmer

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_FILTER = re.compile(r"(?i)\b(seit|since|quelle|source):(\S*)")
_STEMMER = GermanStemmer()
# More words than this add nothing to a news search and only slow FTS5 down.
MAX_WORDS = 8
MAX_WORD_LENGTH = 40
# Stems this long are usually compounds; they go into the `parts` column.
MIN_COMPOUND = 8
# Stems shorter than this are matched whole, never as the head or tail of a compound.
MIN_PART = 4


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed search: the words, their stems, the exact-stem MATCH expression and filters."""

    words: tuple[str, ...]
    match: str
    since: date | None = None
    source: str | None = None
    problem: str | None = None
    roots: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class IndexText:
    """What the search index holds for one article (the FTS columns of the `articles` row)."""

    title: str
    body: str
    compounds: tuple[str, ...]


def fold(text: str) -> str:
    """Lowercase and fold umlauts and ß the way the stemmer does (`Straße` → `strasse`)."""
    text = unicodedata.normalize("NFC", text).casefold()
    return text.replace("ä", "a").replace("ö", "o").replace("ü", "u")


def words(text: str) -> list[str]:
    """The letter/digit words of a text."""
    return _WORD.findall(text)


@lru_cache(maxsize=200_000)
def _cached_stem(word: str) -> str:
    return fold(_STEMMER.stem(word))


def stem(word: str) -> str:
    """German Snowball stem, lowercased, umlauts and ß folded (`Straße` → `strass`)."""
    # Cached: news vocabulary is Zipfian, so almost every word was stemmed before.
    return _cached_stem(word.casefold())


@lru_cache(maxsize=400_000)
def _index_stem(word: str) -> str:
    # Keyed on the word as written, so the hot path skips casefolding; "" drops a too-long word.
    return stem(word) if len(word) <= MAX_WORD_LENGTH else ""


def stems(text: str) -> str:
    """The text as a space-separated string of German stems."""
    return " ".join(filter(None, map(_index_stem, words(text))))


def index_text(title: str, body: str) -> IndexText:
    """Stems of title and body, and the stems of their long words (likely compounds)."""
    title_stems = list(filter(None, map(_index_stem, words(title))))
    body_stems = list(filter(None, map(_index_stem, words(body))))
    compounds = {s for s in (*title_stems, *body_stems) if len(s) >= MIN_COMPOUND}
    return IndexText(" ".join(title_stems), " ".join(body_stems), tuple(sorted(compounds)))


def compound_tails(text: str) -> str:
    """Reversed stems of the long words: the index column of migration m003 (since replaced)."""
    out = {stem(w)[::-1] for w in words(text) if MIN_COMPOUND <= len(w) <= MAX_WORD_LENGTH}
    return " ".join(sorted(out))


def _exact(root: str) -> str:
    return f'{{title_stems body_stems}} : "{root}"'


def to_match(roots: Sequence[str], compounds: Mapping[str, Sequence[str]]) -> str:
    """The MATCH expression for every root, each also matching its known compounds.

    Compounds match in the low-weighted `parts` column only, so an exact word ranks above a
    compound that merely contains it (`Luftabwehr` above `Luftabwehrsysteme`).
    """
    terms = []
    for root in roots:
        alternatives = [_exact(root), *(f'parts : "{c}"' for c in compounds.get(root, ()))]
        terms.append("(" + " OR ".join(alternatives) + ")")
    return " AND ".join(terms)


def parse_query(text: str) -> Query:
    """Parse user text into a safe FTS5 query; `problem` is set when nothing is searchable."""
    since: date | None = None
    source: str | None = None
    problem: str | None = None
    for key, value in _FILTER.findall(text):
        if key.lower() in ("seit", "since"):
            try:
                since = date.fromisoformat(value)
            except ValueError:
                problem = "bad-date"
        else:
            source = value or None
    rest = _FILTER.sub(" ", text)
    found = [w for w in words(rest) if len(w) <= MAX_WORD_LENGTH][:MAX_WORDS]
    if not found and problem is None:
        problem = "empty"
    roots = tuple(dict.fromkeys(stem(w) for w in found))
    return Query(tuple(found), to_match(roots, {}), since, source, problem, roots)


# Markers around matched words in a snippet; the command core turns them into bold spans.
HIT_START, HIT_END = "\x02", "\x03"
SNIPPET_WORDS = 24
_TOKEN = re.compile(r"\S+")


def is_match(token: str, query: Query) -> bool:
    """True when a word of the text is one the query looks for (same word, stem or prefix)."""
    found = words(token)
    if not found:
        return False
    root = stem(found[0])
    for word in query.words:
        want = stem(word)
        if root == want or (
            len(want) >= MIN_PART and (root.startswith(want) or root.endswith(want))
        ):
            return True
    return False


def make_snippet(text: str, query: Query, width: int = SNIPPET_WORDS) -> str:
    """A window of the text around its first matched words, with the matches marked."""
    tokens = _TOKEN.findall(text)
    if not tokens:
        return ""
    hits = [i for i, token in enumerate(tokens) if is_match(token, query)]
    start = max(0, hits[0] - width // 3) if hits else 0
    window = tokens[start : start + width]
    marked = set(hits)
    out = [
        f"{HIT_START}{token}{HIT_END}" if start + i in marked else token
        for i, token in enumerate(window)
    ]
    prefix = "… " if start else ""
    suffix = " …" if start + width < len(tokens) else ""
    return prefix + " ".join(out) + suffix
