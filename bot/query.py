"""User search text → a safe FTS5 MATCH expression plus filters (`seit:`, `quelle:`), and the
one matching rule that search, alerts, digest keywords and snippets share (`is_term_match`).

Only letter/digit words ever reach the MATCH string, each quoted, so no user text can inject
FTS5 syntax (`AND(`, `NEAR`, `*`, quotes) or raise a syntax error.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time
from functools import lru_cache
from typing import cast
from zoneinfo import ZoneInfo

from bot.outlets import display_name
from bot.typed_times import is_known_day, parse_day
from bot.vocabulary import AND_WORDS, OR_WORDS, SINCE_PREFIXES, SOURCE_PREFIXES
from summarizer import fold, normalize, terms, words

# A filter's value runs to the next space, or is "in quotes" ("Süddeutsche Zeitung" has one).
_FILTER = re.compile(
    rf"(?i)\b({'|'.join((*SINCE_PREFIXES, *SOURCE_PREFIXES))}):"
    r'("[^"]*"|„[^“”"]*[“”"]|“[^”"]*[”"]|\S*)'
)
# Quotes around a filter's value, or one left open: no outlet or day is named with them.
_QUOTES = '"„“”‚‘’«»'
# More words than this add nothing to a news search and only slow FTS5 down.
MAX_WORDS = 8
MAX_WORD_LENGTH = 40
# Terms this long are usually compounds; the store lists them so their parts can find them.
MIN_COMPOUND = 8
# Terms shorter than this are matched whole, never as the head or tail of a compound.
MIN_PART = 4


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed search: the words, each word's terms, the exact-term MATCH expression, filters."""

    words: tuple[str, ...]
    match: str
    # Articles published from this moment on (the start of the reader's day).
    since: datetime | None = None
    source: str | None = None
    problem: str | None = None
    wants: tuple[tuple[str, ...], ...] = ()
    # The terms of `-word`s: an article with any of them is left out.
    excluded: tuple[tuple[str, ...], ...] = ()
    # The filters as typed (`quelle:dpa`), so a reply can name the one that emptied a result.
    filters: tuple[str, ...] = ()
    # Each "quoted phrase" of two or more words: each word's search terms (a small word: itself).
    phrases: tuple[tuple[tuple[str, ...], ...], ...] = ()
    # The `-word`s as typed (without the minus), so a reply can name what left articles out.
    excluded_words: tuple[str, ...] = ()
    # Whose search it is: the chat's own feeds, whose articles it finds besides the shared
    # pool (another chat's own feed is never found). None: every article (the operator's CLI).
    feeds: tuple[int, ...] | None = None

    @property
    def roots(self) -> tuple[str, ...]:
        """Every term of every word, each once."""
        return tuple(dict.fromkeys(t for alternatives in self.wants for t in alternatives))


@dataclass(frozen=True, slots=True)
class IndexText:
    """What the search index holds for one article, and its long terms (likely compounds)."""

    title: str
    body: str
    compounds: tuple[str, ...]
    # Title then body, one form a word (`phrase_text`): where quoted phrases are looked up.
    phrase: str = ""


# The index terms of each word as written (() drops the word), so the hot path skips
# casefolding and lemmas. A plain dict, emptied when full: a lookup costs two thirds of
# lru_cache's, and news vocabulary is Zipfian, so the common words are back after a few articles.
_INDEX_TERMS: dict[str, tuple[str, ...]] = {}
MAX_CACHED_WORDS = 400_000


def word_terms(found: list[str]) -> list[tuple[str, ...]]:
    """The index terms of each word (stem and lemma stem); words not seen before in one batch."""
    cache = _INDEX_TERMS
    known = list(map(cache.get, found))
    if None not in known:
        return cast(list[tuple[str, ...]], known)
    new = {word for word, have in zip(found, known, strict=True) if have is None}
    if len(cache) + len(new) > MAX_CACHED_WORDS:
        cache.clear()
    fresh: dict[str, tuple[str, ...]] = dict.fromkeys(
        (w for w in new if len(w) > MAX_WORD_LENGTH), ()
    )
    todo = [w for w in new if len(w) <= MAX_WORD_LENGTH]
    fresh.update(zip(todo, terms(todo), strict=True))
    cache.update(fresh)
    # From `fresh`, not the cache: a search on another thread may empty the cache meanwhile.
    return [fresh[w] if t is None else t for w, t in zip(found, known, strict=True)]


def text_terms(text: str) -> list[str]:
    """Every index term of a text, each once, in order: what search indexes and looks up."""
    return list(dict.fromkeys(t for found in word_terms(words(text)) for t in found))


def index_text(
    title: str, body: str, body_words: list[str] | None = None, *, kicker: str = ""
) -> IndexText:
    """Terms of title and body, and their long terms (likely compounds).

    `body_words`, when given, must be `words(body)`: the caller split the body already. A
    kicker ("Bundesliga, 13. Spieltag") is indexed ahead of the body, where the lead is: it
    names what the article is about as the lead does, and ranks like it.
    """
    heading = words(title)
    heading_terms = word_terms(heading)
    title_terms = [t for found in heading_terms for t in found]
    found = words(body) if body_words is None else body_words
    lead = words(kicker) if kicker else []
    found_terms = word_terms(lead + found)
    body_terms = [t for each in found_terms for t in each]
    # Stored as the search index folds them (`Erdoğanregierung` → erdoganregier), so a
    # compound is found by its part in either spelling (`Erdogan`).
    compounds = {
        t if t.isascii() else search_fold(t)
        for t in itertools.chain(body_terms, title_terms)
        if len(t) >= MIN_COMPOUND
    }
    phrase = _joined(
        phrase_forms(heading, heading_terms), phrase_forms(found, found_terms[len(lead) :])
    )
    return IndexText(" ".join(title_terms), " ".join(body_terms), tuple(sorted(compounds)), phrase)


def phrase_text(title: str, body: str) -> str:
    """The phrase forms of title then body (`IndexText.phrase`) alone, for re-indexing."""
    heading, found = words(title), words(body)
    return _joined(
        phrase_forms(heading, word_terms(heading)), phrase_forms(found, word_terms(found))
    )


def _joined(first: str, second: str) -> str:
    return f"{first} {second}" if first and second else first or second


# What stands between a word's terms in its phrase form, and before a small word's ("~der").
# No term holds it (terms are letters and digits), so a form names one set of terms.
FORM_MARK = "~"


def phrase_forms(found: Sequence[str], terms: Sequence[tuple[str, ...]]) -> str:
    """The words' phrase forms, a space between: each word's terms joined by FORM_MARK
    (`gefiel~gefall`), a small word (no terms: der, nicht) FORM_MARK and itself case folded.

    Two words are the same word of a quoted phrase when their terms meet (`_is_word`), so a
    phrase index holds each word's whole set of terms at its position, and a phrase's word
    is looked up as every stored form holding one of its terms.
    """
    # One string per distinct form, not per word: a 1 MB body's 150,000 words took 9 MB as a
    # string each before they were joined.
    made: dict[tuple[str, ...] | str, str] = {}

    def form(word: str, word_terms: tuple[str, ...]) -> str:
        key = word_terms or word
        done = made.get(key)
        if done is None:
            done = made[key] = FORM_MARK.join(word_terms) if word_terms else small_form(word)
        return done

    return " ".join([form(w, t) for w, t in zip(found, terms, strict=True)])


def small_form(word: str) -> str:
    """A small word's phrase form and key: FORM_MARK and the word case folded, a word over
    MAX_WORD_LENGTH (no terms either) cut there, so no index entry grows without bound."""
    return FORM_MARK + word[:MAX_WORD_LENGTH].casefold()


def term_forms(forms: Iterable[str]) -> list[tuple[str, str]]:
    """(term, form) for each term of each word's form (small words' forms are asked as they
    are): the rows by which a phrase's word finds every stored form sharing a term with it."""
    return [
        (term, form)
        for form in forms
        if not form.startswith(FORM_MARK)
        for term in form.split(FORM_MARK)
    ]


def form_terms(form: str) -> tuple[str, ...]:
    """A phrase form's terms (`gefiel~gefall` → both), or a small word's form as its one key."""
    return (form,) if form.startswith(FORM_MARK) else tuple(form.split(FORM_MARK))


def to_match(
    wants: Sequence[Sequence[str]], compounds: Mapping[str, Sequence[str]] | None = None
) -> str:
    """The FTS5 MATCH expression: each word by one of its terms or their compounds."""
    parts = []
    for alternatives in wants:
        extra = (c for t in alternatives for c in (compounds or {}).get(t, ()))
        found = list(dict.fromkeys((*alternatives, *extra)))
        quoted = " OR ".join(f'"{term}"' for term in found)
        parts.append(f"({quoted})" if len(found) > 1 else quoted)
    return " AND ".join(parts)


def excluding_compounds(query: Query, compounds: Mapping[str, Sequence[str]]) -> Query:
    """The query with each `-word` also standing for its terms' stored `compounds`, as the
    word finds them (`to_match`): `-Rente` leaves out what `Rente` finds ("Rentenpaket"),
    as an alert's and a topic's `-word` do (`is_term_match`)."""
    excluded = tuple(
        tuple(dict.fromkeys((*word, *(c for t in word for c in compounds.get(t, ())))))
        for word in query.excluded
    )
    return replace(query, excluded=excluded)


def is_term_match(want: str, term: str) -> bool:
    """A text's term matches a wanted term: the same, or a compound it starts or ends, both
    folded as search folds them (`search_fold`: `erdoğan` is `erdogan`)."""
    want, term = search_fold(want), search_fold(term)
    return term == want or (
        len(want) >= MIN_PART
        and len(term) >= MIN_COMPOUND
        and (term.startswith(want) or term.endswith(want))
    )


@dataclass(frozen=True, slots=True)
class TextTerms:
    """A text's terms, ready for `is_term_match` against many wanted words: folded as search
    folds them (`search_fold`), so an alert or topic finds what search finds."""

    exact: frozenset[str]
    heads: tuple[str, ...]
    tails: tuple[str, ...]

    @classmethod
    def of(cls, found: Iterable[str]) -> TextTerms:
        """The folded terms as a set, and the compounds sorted forwards and backwards for
        bisection."""
        exact = frozenset(map(search_fold, found))
        long = [t for t in exact if len(t) >= MIN_COMPOUND]
        return cls(exact, tuple(sorted(long)), tuple(sorted(t[::-1] for t in long)))

    def has(self, alternatives: Sequence[str]) -> bool:
        """Whether one of a word's terms matches a term of the text (`is_term_match`)."""
        for want in map(search_fold, alternatives):
            if want in self.exact:
                return True
            if len(want) >= MIN_PART and (
                _has_prefix(self.heads, want) or _has_prefix(self.tails, want[::-1])
            ):
                return True
        return False


def _has_prefix(ordered: Sequence[str], prefix: str) -> bool:
    i = bisect_left(ordered, prefix)
    return i < len(ordered) and ordered[i].startswith(prefix)


# Umlauts typed as two letters on phones and foreign keyboards: "Muenchen", "Gluehwein".
_SPELLED_UMLAUT = re.compile(r"([aouAOU])e")
_UMLAUT = {"a": "ä", "o": "ö", "u": "ü", "A": "Ä", "O": "Ö", "U": "Ü"}


def umlaut_form(word: str) -> str | None:
    """`Muenchen` → `München`; None for a word without ae/oe/ue or with umlauts already."""
    if any(c in word for c in "äöüÄÖÜ") or not _SPELLED_UMLAUT.search(word):
        return None
    return _SPELLED_UMLAUT.sub(lambda m: _UMLAUT[m.group(1)], word)


# Combining diacritical marks: left over after NFC only where no letter takes them.
_MARKS = re.compile("[\u0300-\u036f]")


@lru_cache(maxsize=100_000)
def search_fold(text: str) -> str:
    """Text as search compares it on both backends: `fold` (case, NFC, umlauts), and a Latin
    letter's diacritics removed (`Erdoğan` → `erdogan`), as FTS5's `unicode61
    remove_diacritics 2` folds index terms. Other scripts' letters are kept as `fold` keeps
    them (й, ё, ά are not и, е, α), as FTS5 keeps them."""
    folded = fold(text)
    if folded.isascii():
        return folded
    return _MARKS.sub("", "".join(map(_latin_base, folded)))


@lru_cache(maxsize=4096)
def _latin_base(letter: str) -> str:
    """A Latin letter with diacritics as its ASCII letter (`ğ` → `g`); any other as it is
    (`ø`, `ł`, `й`: no ASCII letter with marks, or not Latin)."""
    decomposed = unicodedata.normalize("NFD", letter)
    latin = unicodedata.name(letter, "").startswith("LATIN")
    return decomposed[0] if latin and len(decomposed) > 1 and decomposed[0].isascii() else letter


def source_pattern(typed: str) -> re.Pattern[str]:
    """What `quelle:typed` looks for in an outlet's `search_fold`ed name: the typed text folded
    alike, each ae/oe/ue also standing for its umlaut (`oesterreich` finds "Österreich"), as
    a word's search takes them (`to_wants`)."""
    folded = search_fold(typed)
    pieces, last = [], 0
    for spelled in _SPELLED_UMLAUT.finditer(folded):
        pieces += [re.escape(folded[last : spelled.start()]), spelled.group(1), "e?"]
        last = spelled.end()
    return re.compile("".join([*pieces, re.escape(folded[last:])]))


def outlet_sources(typed: str, names: Iterable[str]) -> tuple[str, ...]:
    """The stored outlet names `quelle:typed` finds: those holding it in any case, Unicode form
    or ae/oe/ue spelling (`source_pattern`), and the outlet table's name for it."""
    pattern = source_pattern(typed)
    named = search_fold(display_name(typed))
    return tuple(
        name for name in names if pattern.search(search_fold(name)) or search_fold(name) == named
    )


def to_wants(found: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    """The terms of each word that has any, each word once: what a search or alert looks for.

    A word spelled with ae/oe/ue also looks for its umlaut form's terms (`Muenchen` finds
    München); where that form is no word ("Feür") its terms match nothing.
    """
    found = list(found)
    spelled = [umlaut_form(w) for w in found]
    extra = word_terms([w for w in spelled if w])
    out: list[tuple[str, ...]] = []
    alternatives = iter(extra)
    for terms_of, other in zip(word_terms(found), spelled, strict=True):
        if other:
            terms_of = tuple(dict.fromkeys((*terms_of, *next(alternatives))))
        if terms_of:
            out.append(terms_of)
    return tuple(dict.fromkeys(out))


def matches_all(wants: Sequence[Sequence[str]], text: TextTerms) -> bool:
    """True when every wanted word matches the text, as search matches an article."""
    return bool(wants) and all(text.has(alternatives) for alternatives in wants)


# "words in quotes" in straight, German or English quotes.
_PHRASE = re.compile(r'"([^"]*)"|„([^“”"]*)[“”"]|“([^”"]*)[”"]')


def filter_kind(typed: str) -> str:
    """`seit:…`/`since:…` → "since", `quelle:…`/`source:…` → "source"."""
    return "since" if typed.split(":", 1)[0].casefold() in SINCE_PREFIXES else "source"


def parse_query(text: str, now: datetime | None = None, zone: str = "UTC") -> Query:
    """Parse user text into a safe FTS5 query; `problem` is set when nothing is searchable.

    Every word must occur (in any of its forms); the words of a "quoted phrase" must all occur;
    `-word` must not occur; `seit:`/`quelle:` alone list the newest articles they allow. `OR`
    is refused (problem "or"), since a search box's OR would silently mean AND here. `seit:`
    takes a day as `/archive` does, from its start in the reader's `zone`; `gestern` and `2.1.`
    need `now`.
    """
    text = normalize(text)  # zero-width marks never split a word, fullwidth letters are letters
    local = ZoneInfo(zone)
    today = now.astimezone(local).date() if now is not None else None
    since: datetime | None = None
    source: str | None = None
    problem: str | None = None
    filters: list[str] = []
    for match in _FILTER.finditer(text):
        key, value = match.group(1), match.group(2).strip(_QUOTES).strip()
        filters.append(match.group(0))
        if key.casefold() in SINCE_PREFIXES:
            day = parse_day(value, today)
            if day is None:
                problem = "bad-date"
            elif not is_known_day(day):
                problem = "date-range"
            else:
                since = datetime.combine(day, time(), local)
        else:
            source = value or None
    rest = _FILTER.sub(" ", text)
    phrases = [next(g for g in m.groups() if g is not None) for m in _PHRASE.finditer(rest)]
    tokens = _PHRASE.sub(" ", rest).split()
    # A search box's OR would silently mean AND here: refused with a hint.
    if any(token in OR_WORDS for token in tokens) and problem is None:
        problem = "or"
    excluded = [w for tok in tokens if tok.startswith("-") for w in words(tok)]
    joins = OR_WORDS | AND_WORDS
    plain = " ".join(tok for tok in tokens if not tok.startswith("-") and tok not in joins)
    found = [w for w in words(plain) if len(w) <= MAX_WORD_LENGTH]
    found += [w for p in phrases for w in words(p) if len(w) <= MAX_WORD_LENGTH]
    shown = [w for w in words(plain) if len(w) <= MAX_WORD_LENGTH]
    shown += [p.strip() for p in phrases if p.strip()]
    if not shown and problem is None and not filters:
        problem = "empty"
    wants = to_wants(found)
    if shown and not wants and problem is None:
        problem = "common"
    if len(wants) > MAX_WORDS and problem is None:
        problem = "many"  # said, not cut: a search of the first eight would find other articles
    wants = wants[:MAX_WORDS]
    without = to_wants(excluded[:MAX_WORDS])
    ordered = (tuple(_phrase_keys(words(p)[:MAX_WORDS])) for p in phrases)
    return Query(
        tuple(shown),
        to_match(wants),
        since,
        source,
        problem,
        wants,
        without,
        tuple(filters),
        tuple(p for p in ordered if len(p) > 1),
        tuple(excluded[:MAX_WORDS]),
    )


def has_phrases(query: Query, text: str) -> bool:
    """Whether the text holds each quoted phrase's words in that order, each word in any of its
    forms and a small word as written ("Tag der offenen Tür" finds "am Tag der Offenen Tür",
    not "Tag einer offenen Tür")."""
    if not query.phrases:
        return True
    found = words(text)
    terms = word_terms(found)
    return all(_in_order(phrase, found, terms) for phrase in query.phrases)


def _phrase_keys(found: list[str]) -> list[tuple[str, ...]]:
    """Each word's search terms, or a small word (der, nicht) as itself, case folded and
    marked: its phrase form (`phrase_forms`)."""
    return [t or (small_form(w),) for w, t in zip(found, word_terms(found), strict=True)]


def _is_word(want: Sequence[str], word: str, terms: tuple[str, ...]) -> bool:
    """Whether a text word (with its terms) is the phrase's word `want` (its keys)."""
    if terms:
        return not want[0].startswith(FORM_MARK) and not set(want).isdisjoint(terms)
    return want[0] == small_form(word)


def _in_order(
    phrase: Sequence[Sequence[str]], found: Sequence[str], terms: Sequence[tuple[str, ...]]
) -> bool:
    """Whether the words (`found`, with their `terms`) hold the phrase in order. Only the
    places where its first word stands are looked at further (news text is long)."""
    size = len(phrase)
    last = len(found) - size + 1
    head = phrase[0]
    if head[0].startswith(FORM_MARK):
        starts = [i for i in range(last) if not terms[i] and _is_word(head, found[i], ())]
    else:
        wanted = set(head)
        starts = [i for i, t in enumerate(terms[:last]) if t and not wanted.isdisjoint(t)]
    return any(
        all(_is_word(phrase[k], found[i + k], terms[i + k]) for k in range(1, size)) for i in starts
    )


# Markers around matched words in a snippet; the command core turns them into bold spans.
HIT_START, HIT_END = "\x02", "\x03"
SNIPPET_WORDS = 24
_TOKEN = re.compile(r"\S+")


def _token_terms(token: str) -> tuple[str, ...]:
    found = words(token)
    return word_terms(found[:1])[0] if found else ()


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
            found = _token_terms(token)
            checked[token] = any(is_term_match(w, t) for t in found for w in wants)
        return checked[token]

    first = next((i for i, token in enumerate(tokens) if hit(token)), None)
    start = max(0, first - width // 3) if first is not None else 0
    window = tokens[start : start + width]
    out = [f"{HIT_START}{token}{HIT_END}" if hit(token) else token for token in window]
    prefix = "… " if start else ""
    suffix = " …" if start + width < len(tokens) else ""
    return prefix + " ".join(out) + suffix
