"""Same-story grouping across sources (pure): articles about one event become one group.

Two articles are one story when their titles and summaries share weighted word stems (TF-IDF
cosine over the window's articles) and they name the same people, places or organisations.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

import numpy as np
import numpy.typing as npt

from bot.records import Article
from summarizer import fold, letter_words, stem, stop_words

# The first word of a sentence is capitalised in any case, so it is not taken for a name.
_OPENER = re.compile(r"(?:^|[.!?:«»„“\"]\s*)([^\W\d_]+)")
# Measured on the seeds and on near-miss pairs in tests/test_stories.py (same country, other
# event): same-event pairs score 0.27–0.6, the near misses at most 0.19.
THRESHOLD = 0.22
MIN_SHARED_ENTITIES = 3
# A term carried by more than this share of the window's articles says nothing about the event.
MAX_DF_SHARE = 0.05
MIN_DF_CAP = 30
TITLE_WEIGHT = 2.0
LEAD_WEIGHT = 0.5
LEAD_CHARS = 2000
MIN_CORPUS = 50


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    return frozenset(fold(w) for w in stop_words())


@lru_cache(maxsize=200_000)
def _root(word: str) -> str | None:
    """The folded German stem of a surface word, None for stop words (cached: words recur)."""
    folded = fold(word)
    if len(folded) < 2 or folded in _stop_words():
        return None
    if word[0].isupper() and folded.endswith("s") and len(folded) > 5:
        folded = folded[:-1]  # the genitive of names: Venezuelas, Maduros, Russlands
    return stem(folded)


@dataclass(frozen=True, slots=True)
class Features:
    """What grouping compares: weighted stems and the named entities of one article."""

    terms: dict[str, float]
    entities: frozenset[str]


@lru_cache(maxsize=50_000)
def features(article: Article) -> Features:
    """Stems of title (weighted), summary and lead, plus capitalised words not opening a sentence.

    Cached per article: a running bot sees each article in several digests.
    """
    terms: dict[str, float] = defaultdict(float)
    entities: set[str] = set()
    summary = " ".join(article.summary)
    lead = article.body[:LEAD_CHARS]
    parts = ((article.title, TITLE_WEIGHT), (summary, 1.0), (lead, LEAD_WEIGHT))
    for text, weight in parts:
        counts = Counter(letter_words(text))
        openers = set(_OPENER.findall(text))
        if weight == TITLE_WEIGHT:
            openers.clear()  # a title's first word is usually its subject: Russland erwägt …
        for word, count in counts.items():
            root = _root(word)
            if root is None:
                continue
            terms[root] += weight * count
            # Acronyms (USA, TASS) and capitalised words inside a sentence: names, and German
            # nouns too; the IDF weighting and the document-frequency cap keep the rare ones.
            if (word.isupper() or (word[0].isupper() and len(word) > 2)) and word not in openers:
                entities.add(root)
    return Features(dict(terms), frozenset(entities))


Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class _Matrix:
    """A window's TF-IDF unit vectors as one sparse matrix, rows sorted by key."""

    # Row r holds entries ptr[r]:ptr[r + 1]; an entry's key is r * width + term id (sorted).
    ptr: Ints
    keys: Ints
    weights: Floats
    named: Flags  # the term is one of the row's entities
    width: int

    @property
    def rows(self) -> Ints:
        """The row of each entry."""
        return self.keys // self.width

    @property
    def terms(self) -> Ints:
        """The term id of each entry."""
        return self.keys % self.width


def _matrix(feats: Sequence[Features]) -> _Matrix:
    """TF-IDF unit vectors over the window (IDF from the window, smoothed for small ones)."""
    vocab: dict[str, int] = {}
    sizes = np.fromiter((len(f.terms) for f in feats), np.int64, len(feats))
    total = int(sizes.sum())
    ids = np.fromiter(
        (vocab.setdefault(t, len(vocab)) for f in feats for t in f.terms), np.int64, total
    )
    tf = np.fromiter(chain.from_iterable(f.terms.values() for f in feats), np.float64, total)
    named = np.fromiter((t in f.entities for f in feats for t in f.terms), np.bool_, total)
    width = max(len(vocab), 1)
    rows = np.repeat(np.arange(len(feats), dtype=np.int64), sizes)
    # A small window says little about which words are rare; smooth towards a typical day.
    n = max(len(feats), MIN_CORPUS)
    idf = np.log((n + 1) / (np.bincount(ids, minlength=width) + 0.5))
    weights = (1 + np.log(tf)) * idf[ids]
    norms = np.sqrt(np.bincount(rows, weights * weights, minlength=len(feats)))
    weights /= np.where(norms > 0, norms, 1.0)[rows]
    keys = rows * width + ids
    order = np.argsort(keys, kind="stable")
    ptr = np.zeros(len(feats) + 1, np.int64)
    np.cumsum(sizes, out=ptr[1:])
    return _Matrix(ptr, keys[order], weights[order], named[order], width)


def _expand(starts: Ints, counts: Ints) -> Ints:
    """The concatenated ranges starts[k]:starts[k] + counts[k]."""
    offsets = np.repeat(np.cumsum(counts) - counts - starts, counts)
    return np.arange(int(counts.sum()), dtype=np.int64) - offsets


def _candidates(m: _Matrix) -> tuple[Ints, Ints]:
    """Every pair (i < j) sharing a discriminative entity, via its postings; sorted, distinct."""
    n = len(m.ptr) - 1
    terms, rows = m.terms[m.named], m.rows[m.named]
    df = np.bincount(terms, minlength=m.width)
    cap = max(MIN_DF_CAP, int(MAX_DF_SHARE * n))
    keep = (df[terms] >= 2) & (df[terms] <= cap)
    terms, rows = terms[keep], rows[keep]
    order = np.lexsort((rows, terms))
    terms, rows = terms[order], rows[order]
    # Each posting pairs with the later ones of its term: ends[k] is where its term's run ends.
    ends = np.searchsorted(terms, terms, side="right")
    later = ends - np.arange(len(terms)) - 1
    firsts = np.repeat(rows, later)
    seconds = rows[_expand(np.arange(1, len(terms) + 1, dtype=np.int64), later)]
    pairs = np.unique(firsts * n + seconds)
    return pairs // n, pairs % n


# Pairs scored at once: bounds the temporary arrays (entries of the shorter row per pair).
CHUNK_ENTRIES = 1 << 21


def _compare(m: _Matrix, left: Ints, right: Ints) -> tuple[Floats, Ints]:
    """Cosine and number of shared entities of each pair (left[k], right[k])."""
    sizes = np.diff(m.ptr)
    cosines = np.zeros(len(left), np.float64)
    shared = np.zeros(len(left), np.int64)
    start = 0
    while start < len(left):
        # Look up each entry of the shorter row in the other row's sorted keys.
        short = np.where(sizes[left[start:]] <= sizes[right[start:]], left[start:], right[start:])
        other = left[start:] + right[start:] - short
        counts = sizes[short]
        stop = max(1, int(np.searchsorted(np.cumsum(counts), CHUNK_ENTRIES, side="right")))
        short, other, counts = short[:stop], other[:stop], counts[:stop]
        pair = np.repeat(np.arange(stop, dtype=np.int64), counts)
        mine = _expand(m.ptr[short], counts)
        wanted = np.repeat(other * m.width, counts) + m.keys[mine] % m.width
        theirs = np.minimum(np.searchsorted(m.keys, wanted), len(m.keys) - 1)
        found = m.keys[theirs] == wanted
        products = np.where(found, m.weights[mine] * m.weights[theirs], 0.0)
        cosines[start : start + stop] = np.bincount(pair, products, minlength=stop)
        both = found & m.named[mine] & m.named[theirs]
        shared[start : start + stop] = np.bincount(pair, both, minlength=stop).astype(np.int64)
        start += stop
    return cosines, shared


def _components(n: int, left: Ints, right: Ints) -> Ints:
    """Each node's connected component, named by its smallest node."""
    labels = np.arange(n, dtype=np.int64)
    while True:
        low = np.minimum(labels[left], labels[right])
        merged = labels.copy()
        np.minimum.at(merged, left, low)
        np.minimum.at(merged, right, low)
        merged = merged[merged]  # a label is a node of the component no larger than its own
        if np.array_equal(merged, labels):
            return labels
        labels = merged


def group_stories(articles: Sequence[Article]) -> list[tuple[Article, ...]]:
    """Partition articles into stories; each group is ordered newest first.

    Single-link over pairs that clear both tests (cosine ≥ THRESHOLD and at least
    MIN_SHARED_ENTITIES shared names), so a story grows as new sources report it.
    """
    if not articles:
        return []
    m = _matrix([features(a) for a in articles])
    left, right = _candidates(m)
    cosines, shared = _compare(m, left, right)
    linked = (cosines >= THRESHOLD) & (shared >= MIN_SHARED_ENTITIES)
    labels = _components(len(articles), left[linked], right[linked])
    # Stories in the order of their first article, as the articles came.
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    return [
        tuple(sorted((articles[i] for i in run), key=lambda a: (a.when, a.id), reverse=True))
        for run in np.split(order, bounds)
    ]


def similarity(a: Article, b: Article, context: Iterable[Article] = ()) -> float:
    """The cosine grouping uses for two articles (IDF over `a`, `b` and `context`); for tuning."""
    m = _matrix([features(x) for x in (a, b, *context)])
    cosines, _ = _compare(m, np.array([0]), np.array([1]))
    return float(cosines[0])
