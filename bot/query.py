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
# Stems this long are usually compounds; the store lists them so their parts can find them.
MIN_COMPOUND = 8
# Stems shorter than this are matched whole, never as the head or tail of a compound.
MIN_PART = 4
# German function words: two in five words of news text, found in nearly every article, so
# they cannot narrow a search. Leaving them out of the index makes it ~40 % smaller.
STOPWORDS = frozenset(
    (  # noqa: SIM905 (a word list reads best as one string)
        "der die das den dem des ein eine einen einem einer eines und oder aber doch sondern "
        "ist sind war waren wird werden wurde wurden hat haben hatte hatten sei "
        "nicht auch noch nur schon so wie als wenn dass daß ob um zu zum zur "
        "im in ins an am auf aus bei mit von vom für über vor nach durch gegen ohne bis "
        "er sie es wir ihr ich sich ihm ihn ihnen ihre ihren ihrem ihrer sein seine seinen "
        "seinem seiner man dies diese dieser dieses diesem diesen"
    ).split()
)


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
    """What the search index holds for one article, and its long stems (likely compounds)."""

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
    # Keyed on the word as written, so the hot path skips casefolding; "" drops the word.
    if len(word) > MAX_WORD_LENGTH or word.casefold() in STOPWORDS:
        return ""
    return word if word.isdecimal() else stem(word)


def index_text(title: str, body: str) -> IndexText:
    """Stems of title and body, and the stems of their long words (likely compounds)."""
    title_stems = list(filter(None, map(_index_stem, words(title))))
    body_stems = list(filter(None, map(_index_stem, words(body))))
    compounds = {s for s in {*title_stems, *body_stems} if len(s) >= MIN_COMPOUND}
    return IndexText(" ".join(title_stems), " ".join(body_stems), tuple(sorted(compounds)))


def to_match(roots: Sequence[str], compounds: Mapping[str, Sequence[str]] | None = None) -> str:
    """The FTS5 MATCH expression: every root, or one of its compounds (`Luftabwehrsysteme`)."""
    terms = []
    for root in roots:
        alternatives = [root, *(compounds or {}).get(root, ())]
        quoted = " OR ".join(f'"{term}"' for term in alternatives)
        terms.append(f"({quoted})" if len(alternatives) > 1 else quoted)
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
    roots = tuple(dict.fromkeys(filter(None, map(_index_stem, found))))
    if found and not roots and problem is None:
        problem = "common"
    return Query(tuple(found), to_match(roots), since, source, problem, roots)


# Markers around matched words in a snippet; the command core turns them into bold spans.
HIT_START, HIT_END = "\x02", "\x03"
SNIPPET_WORDS = 24
_TOKEN = re.compile(r"\S+")


def is_match(token: str, query: Query) -> bool:
    """True when a word of the text is one the query looks for (same stem, or compound part)."""
    return _is_match(token, query.roots)


def _is_match(token: str, wants: Sequence[str]) -> bool:
    found = words(token)
    if not found:
        return False
    root = stem(found[0])
    return any(
        root == want or (len(want) >= MIN_PART and (root.startswith(want) or root.endswith(want)))
        for want in wants
    )


def make_snippet(text: str, query: Query, width: int = SNIPPET_WORDS) -> str:
    """A window of the text around its first matched words, with the matches marked."""
    tokens = _TOKEN.findall(text)
    if not tokens:
        return ""
    wants = query.roots
    # News text repeats its words, so each distinct token is checked once.
    checked: dict[str, bool] = {}

    def hit(token: str) -> bool:
        if token not in checked:
            checked[token] = _is_match(token, wants)
        return checked[token]

    first = next((i for i, token in enumerate(tokens) if hit(token)), None)
    start = max(0, first - width // 3) if first is not None else 0
    window = tokens[start : start + width]
    out = [f"{HIT_START}{token}{HIT_END}" if hit(token) else token for token in window]
    prefix = "… " if start else ""
    suffix = " …" if start + width < len(tokens) else ""
    return prefix + " ".join(out) + suffix
