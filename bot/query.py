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
from typing import cast

from summarizer.ranking import stemmer

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# The same words when the text has no underscore, found faster (a class with a hole is slow).
_WORD_NO_UNDERSCORE = re.compile(r"\w+", re.UNICODE)
_FILTER = re.compile(r"(?i)\b(seit|since|quelle|source):(\S*)")
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
    # Stems of `-word`s: an article with any of them is left out.
    excluded: tuple[str, ...] = ()
    # The filters as typed (`quelle:dpa`), so a reply can name the one that emptied a result.
    filters: tuple[str, ...] = ()


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
    return (_WORD if "_" in text else _WORD_NO_UNDERSCORE).findall(text)


def stems(folded: list[str]) -> list[str]:
    """German Snowball stems of casefolded words, umlauts and ß folded, in one stemmer call."""
    # PyStemmer's C code when it gives NLTK's stems, else NLTK's; fold() makes the two agree
    # on the few letters whose lower() and casefold() differ.
    return [fold(s) for s in stemmer()(folded)]


@lru_cache(maxsize=200_000)
def _cached_stem(word: str) -> str:
    return stems([word])[0]


def stem(word: str) -> str:
    """German Snowball stem, lowercased, umlauts and ß folded (`Straße` → `strass`)."""
    # Cached: news vocabulary is Zipfian, so almost every word was stemmed before.
    return _cached_stem(word.casefold())


# The index stem of each word as written ("" drops the word), so the hot path skips
# casefolding. A plain dict, emptied when full: a lookup costs two thirds of lru_cache's, and
# news vocabulary is Zipfian, so the common words are back after a few articles.
_INDEX_STEMS: dict[str, str] = {}
MAX_CACHED_WORDS = 400_000


def _index_stems(found: list[str]) -> list[str]:
    """The index stem of each word; words not seen before are stemmed in one batch."""
    cache = _INDEX_STEMS
    known = list(map(cache.get, found))
    if None not in known:
        return cast(list[str], known)
    new = {word for word, known_stem in zip(found, known, strict=True) if known_stem is None}
    if len(cache) + len(new) > MAX_CACHED_WORDS:
        cache.clear()
    fresh: dict[str, str] = {}
    todo: list[str] = []
    for word in new:
        if len(word) > MAX_WORD_LENGTH or word.casefold() in STOPWORDS:
            fresh[word] = ""
        elif word.isdecimal():
            fresh[word] = word
        else:
            todo.append(word)
    fresh.update(zip(todo, stems([w.casefold() for w in todo]), strict=True))
    cache.update(fresh)
    # From `fresh`, not the cache: a search on another thread may empty the cache meanwhile.
    return [fresh[w] if s is None else s for w, s in zip(found, known, strict=True)]


def index_text(title: str, body: str, body_words: list[str] | None = None) -> IndexText:
    """Stems of title and body, and the stems of their long words (likely compounds).

    `body_words`, when given, must be `words(body)`: the caller split the body already.
    """
    title_stems = list(filter(None, _index_stems(words(title))))
    body_stems = list(filter(None, _index_stems(words(body) if body_words is None else body_words)))
    compounds = {s for s in body_stems if len(s) >= MIN_COMPOUND}
    compounds.update(s for s in title_stems if len(s) >= MIN_COMPOUND)
    return IndexText(" ".join(title_stems), " ".join(body_stems), tuple(sorted(compounds)))


def to_match(roots: Sequence[str], compounds: Mapping[str, Sequence[str]] | None = None) -> str:
    """The FTS5 MATCH expression: every root, or one of its compounds (`Luftabwehrsysteme`)."""
    terms = []
    for root in roots:
        alternatives = [root, *(compounds or {}).get(root, ())]
        quoted = " OR ".join(f'"{term}"' for term in alternatives)
        terms.append(f"({quoted})" if len(alternatives) > 1 else quoted)
    return " AND ".join(terms)


# "exact phrase" in straight, German or English quotes.
_PHRASE = re.compile(r'"([^"]*)"|„([^“”"]*)[“”"]|“([^”"]*)[”"]')
# What people type into search boxes to join words; this search finds articles with all words.
OR_WORDS = frozenset({"OR", "ODER", "|", "||"})


def parse_query(text: str) -> Query:
    """Parse user text into a safe FTS5 query; `problem` is set when nothing is searchable.

    Words must all occur; "a phrase" must occur as written (its stems adjacent), `-word` must
    not occur; `seit:`/`quelle:` alone list the newest articles they allow. `OR` is refused
    (problem "or"), since a search box's OR would silently mean AND here.
    """
    since: date | None = None
    source: str | None = None
    problem: str | None = None
    filters: list[str] = []
    for match in _FILTER.finditer(text):
        key, value = match.group(1), match.group(2)
        filters.append(match.group(0))
        if key.lower() in ("seit", "since"):
            try:
                since = date.fromisoformat(value)
            except ValueError:
                problem = "bad-date"
        else:
            source = value or None
    rest = _FILTER.sub(" ", text)
    phrases = [next(g for g in m.groups() if g is not None) for m in _PHRASE.finditer(rest)]
    tokens = _PHRASE.sub(" ", rest).split()
    if any(token in OR_WORDS for token in tokens) and problem is None:
        problem = "or"
    excluded = [w for tok in tokens if tok.startswith("-") for w in words(tok)]
    plain = " ".join(tok for tok in tokens if not tok.startswith("-") and tok not in OR_WORDS)
    found = [w for w in words(plain) if len(w) <= MAX_WORD_LENGTH][:MAX_WORDS]
    phrase_roots = [" ".join(filter(None, _index_stems(words(p)))) for p in phrases]
    shown = found + [p.strip() for p in phrases if p.strip()]
    if not shown and problem is None and not filters:
        problem = "empty"
    roots = tuple(dict.fromkeys([*filter(None, _index_stems(found)), *filter(None, phrase_roots)]))
    if shown and not roots and problem is None:
        problem = "common"
    without = tuple(dict.fromkeys(filter(None, _index_stems(excluded[:MAX_WORDS]))))
    return Query(
        tuple(shown), to_match(roots), since, source, problem, roots, without, tuple(filters)
    )


# Markers around matched words in a snippet; the command core turns them into bold spans.
HIT_START, HIT_END = "\x02", "\x03"
SNIPPET_WORDS = 24
_TOKEN = re.compile(r"\S+")


def _wanted(query: Query) -> tuple[str, ...]:
    """The single stems a snippet marks: every root, and each word of a phrase."""
    return tuple(part for root in query.roots for part in root.split())


def is_match(token: str, query: Query) -> bool:
    """True when a word of the text is one the query looks for (same stem, or compound part)."""
    return _is_match(token, _wanted(query))


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
    wants = _wanted(query)
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
