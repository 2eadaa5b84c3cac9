"""Same-story grouping across sources (pure): articles about one event become one group.

Two articles are one story when their titles and summaries share weighted word stems (TF-IDF
cosine over the window's articles) and they name the same people, places or organisations.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.query import fold, stem
from bot.records import Article
from summarizer.algorithms import german_stop_words

_WORD = re.compile(r"[^\W\d_]+")
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
    return frozenset(fold(w) for w in german_stop_words())


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
        counts = Counter(_WORD.findall(text))
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


def _vectors(
    feats: Sequence[Features],
) -> tuple[list[dict[str, float]], dict[str, float]]:
    """TF-IDF unit vectors over the window, and each term's IDF."""
    df: dict[str, int] = defaultdict(int)
    for f in feats:
        for term in f.terms:
            df[term] += 1
    # A small window says little about which words are rare; smooth towards a typical day.
    n = max(len(feats), MIN_CORPUS)
    idf = {term: math.log((n + 1) / (count + 0.5)) for term, count in df.items()}
    vectors: list[dict[str, float]] = []
    for f in feats:
        vec = {term: (1 + math.log(tf)) * idf[term] for term, tf in f.terms.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vectors.append({term: v / norm for term, v in vec.items()})
    return vectors, idf


def _candidates(
    feats: Sequence[Features], vectors: Sequence[dict[str, float]]
) -> dict[tuple[int, int], float]:
    """Cosine of every pair sharing a discriminative term, via an inverted index."""
    postings: dict[str, list[int]] = defaultdict(list)
    for i, f in enumerate(feats):
        for term in f.entities:
            postings[term].append(i)
    cap = max(MIN_DF_CAP, int(MAX_DF_SHARE * len(feats)))
    pairs: set[tuple[int, int]] = set()
    for docs in postings.values():
        if len(docs) < 2 or len(docs) > cap:
            continue
        for x, i in enumerate(docs):
            for j in docs[x + 1 :]:
                pairs.add((i, j))
    scores: dict[tuple[int, int], float] = {}
    for i, j in pairs:
        a, b = vectors[i], vectors[j]
        if len(a) > len(b):
            a, b = b, a
        scores[(i, j)] = sum(v * b[t] for t, v in a.items() if t in b)
    return scores


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def group_stories(articles: Sequence[Article]) -> list[tuple[Article, ...]]:
    """Partition articles into stories; each group is ordered newest first.

    Single-link over pairs that clear both tests (cosine ≥ THRESHOLD and at least
    MIN_SHARED_ENTITIES shared names), so a story grows as new sources report it.
    """
    feats = [features(a) for a in articles]
    vectors, _ = _vectors(feats)
    parent = list(range(len(articles)))
    for (i, j), score in _candidates(feats, vectors).items():
        if score < THRESHOLD:
            continue
        if len(feats[i].entities & feats[j].entities) < MIN_SHARED_ENTITIES:
            continue
        ri, rj = _find(parent, i), _find(parent, j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    groups: dict[int, list[Article]] = defaultdict(list)
    for i, article in enumerate(articles):
        groups[_find(parent, i)].append(article)
    return [
        tuple(sorted(group, key=lambda a: (a.when, a.id), reverse=True))
        for group in groups.values()
    ]


def similarity(a: Article, b: Article, context: Iterable[Article] = ()) -> float:
    """The cosine grouping uses for two articles (IDF over `a`, `b` and `context`); for tuning."""
    arts = [a, b, *context]
    vectors, _ = _vectors([features(x) for x in arts])
    return sum(v * vectors[1].get(t, 0.0) for t, v in vectors[0].items())
