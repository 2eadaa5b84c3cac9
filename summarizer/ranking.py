"""Our news scorer: lead prior, centrality, title overlap, MMR redundancy and a length budget."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from nltk.stem.snowball import GermanStemmer

from summarizer.algorithms import german_stop_words
from summarizer.sentences import split_sentences, to_words

# Articles longer than this are cut before the quadratic similarity matrix; news puts the story
# first, so nothing a 3-sentence summary needs is lost.
MAX_SENTENCES = 150

_END = re.compile(r"[.!…\"'“”»«)\]]\s*$")


@dataclass(frozen=True, slots=True)
class Weights:
    """Tunable weights of the scorer, kept together so evaluation can vary them."""

    position: float = 1.0
    centrality: float = 0.3
    title: float = 1.0
    redundancy: float = 0.7
    decay: float = 0.25
    min_words: int = 6
    max_words: int = 60
    budget_words: int = 55
    bad_endings: tuple[str, ...] = ("?", ":", ",", ";", "-", "–")


DEFAULT_WEIGHTS = Weights()


@lru_cache(maxsize=1)
def _stemmer() -> GermanStemmer:
    return GermanStemmer()


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball stem of a lower-cased word, cached because news repeats its words."""
    return str(_stemmer().stem(word))


def terms(sentence: str) -> list[str]:
    """Stemmed content words of a sentence, stop words dropped."""
    stop = german_stop_words()
    return [stem(w) for w in (t.lower() for t in to_words(sentence)) if w not in stop]


def is_candidate(sentence: str, weights: Weights = DEFAULT_WEIGHTS) -> bool:
    """True when a sentence can stand in a summary: complete, a statement, of sensible length."""
    words = to_words(sentence)
    if not weights.min_words <= len(words) <= weights.max_words:
        return False
    if sentence.rstrip().endswith(weights.bad_endings):
        return False
    if not _END.search(sentence):
        return False
    first = sentence.lstrip("„\"'»«“(")[:1]
    return first.isupper() or first.isdigit()


def _matrix(rows: list[list[str]]) -> np.ndarray:
    """Row-normalised TF-IDF matrix of the sentences' terms."""
    vocab: dict[str, int] = {}
    for row in rows:
        for term in row:
            vocab.setdefault(term, len(vocab))
    tf = np.zeros((len(rows), max(len(vocab), 1)))
    for i, row in enumerate(rows):
        for term in row:
            tf[i, vocab[term]] += 1.0
    df = np.count_nonzero(tf, axis=0)
    idf = np.log((1.0 + len(rows)) / (1.0 + df)) + 1.0
    m = np.log1p(tf) * idf
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.asarray(m / norms)


def rank(
    text: str,
    count: int,
    *,
    title: str | None = None,
    weights: Weights = DEFAULT_WEIGHTS,
) -> list[str]:
    """Best `count` sentences of a news body, in article order."""
    if count <= 0:
        return []
    sentences = split_sentences(text)[:MAX_SENTENCES]
    if not sentences:
        return []
    rows = [terms(s) for s in sentences]
    title_row = terms(title) if title else []
    matrix = _matrix([*rows, title_row])
    sentence_vecs, title_vec = matrix[:-1], matrix[-1]
    sim = sentence_vecs @ sentence_vecs.T
    n = len(sentences)
    centrality = (sim.sum(axis=1) - 1.0) / max(n - 1, 1)
    if centrality.max() > 0:
        centrality = centrality / centrality.max()
    position = 1.0 / (1.0 + weights.decay * np.arange(n)) ** 2
    title_sim = sentence_vecs @ title_vec
    score = (
        weights.position * position + weights.centrality * centrality + weights.title * title_sim
    )
    candidates = [i for i, s in enumerate(sentences) if is_candidate(s, weights)]
    chosen: list[int] = []
    used = 0
    while candidates and len(chosen) < count:
        if chosen:
            penalty = sim[np.ix_(candidates, chosen)].max(axis=1)
        else:
            penalty = np.zeros(len(candidates))
        mmr = score[candidates] - weights.redundancy * penalty
        best = candidates[int(np.argmax(mmr))]
        size = len(to_words(sentences[best]))
        if chosen and used + size > weights.budget_words:
            candidates = [i for i in candidates if i != best]
            continue
        used += size
        chosen.append(best)
        candidates = [i for i in candidates if i != best and sim[i, best] < 0.8]
    return [sentences[i] for i in sorted(chosen)]
