"""User search text → a safe FTS5 MATCH expression plus filters (`seit:`, `quelle:`).

Only letter/digit words ever reach the MATCH string, each quoted, so no user text can inject
FTS5 syntax (`AND(`, `NEAR`, `*`, quotes) or raise a syntax error.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from nltk.stem.snowball import GermanStemmer

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_FILTER = re.compile(r"(?i)\b(seit|since|quelle|source):(\S*)")
_STEMMER = GermanStemmer()
# More words than this add nothing to a news search and only slow FTS5 down.
MAX_WORDS = 8
MAX_WORD_LENGTH = 40


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed search: the words, the MATCH expression and the filters."""

    words: tuple[str, ...]
    match: str
    since: date | None = None
    source: str | None = None
    problem: str | None = None


def fold(text: str) -> str:
    """Lowercase and fold umlauts and ß the way the stemmer does (`Straße` → `strasse`)."""
    text = unicodedata.normalize("NFC", text).casefold()
    return text.replace("ä", "a").replace("ö", "o").replace("ü", "u")


def words(text: str) -> list[str]:
    """The letter/digit words of a text."""
    return _WORD.findall(text)


def stem(word: str) -> str:
    """German Snowball stem, lowercased, umlauts folded."""
    return fold(_STEMMER.stem(word))


def stems(text: str) -> str:
    """The text as a space-separated string of German stems (the FTS shadow column)."""
    return " ".join(stem(w) for w in words(text) if len(w) <= MAX_WORD_LENGTH)


def _term(word: str) -> str:
    surface = fold(word)
    root = stem(word)
    # Prefix on the stem: Russland→Russlands, Luftabwehr→Luftabwehrsysteme.
    return f'({{title body}} : "{surface}" OR stems : "{root}"*)'


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
    match = " AND ".join(_term(w) for w in found)
    return Query(tuple(found), match, since, source, problem)
