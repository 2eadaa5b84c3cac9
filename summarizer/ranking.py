"""Our news scorer: lead prior, centrality, title overlap, MMR redundancy and a length budget."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from nltk.stem.snowball import GermanStemmer

from summarizer.algorithms import german_stop_words
from summarizer.boilerplate import is_junk
from summarizer.sentences import split_sentences, to_words

# Articles longer than this are cut before the quadratic similarity matrix; news puts the story
# first, so nothing a 3-sentence summary needs is lost.
MAX_SENTENCES = 150

# An HTML title often ends in the site's name: "Apple kippt Pläne - heise online".
_SITE_SUFFIX = re.compile(r"\s+[-|»–—:·]\s+[^-|»–—:·]{1,40}$")
_END_CHARS = frozenset(".!…\"'“”»«)]")


@dataclass(frozen=True, slots=True)
class Weights:
    """Tunable weights of the scorer, kept together so evaluation can vary them.

    Measured on German web pages against their publishers' descriptions (~26 words): the lead
    prior carries most of the signal, title overlap helps, centrality only a little, and about
    55 words (2–3 sentences, what a digest shows) beat longer summaries.
    """

    position: float = 1.0
    centrality: float = 0.3
    title: float = 0.7
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


def terms(sentence: str, words: tuple[str, ...] | None = None) -> list[str]:
    """Stemmed content words of a sentence, stop words dropped."""
    stop = german_stop_words()
    found = to_words(sentence) if words is None else words
    return [stem(w) for w in (t.lower() for t in found) if w not in stop]


def is_candidate(
    sentence: str, weights: Weights = DEFAULT_WEIGHTS, words: tuple[str, ...] | None = None
) -> bool:
    """True when a sentence can stand in a summary: complete, a statement, of sensible length."""
    count = len(to_words(sentence) if words is None else words)
    if not weights.min_words <= count <= weights.max_words:
        return False
    end = sentence.rstrip()
    if end.endswith(weights.bad_endings) or end[-1:] not in _END_CHARS:
        return False
    first = sentence.lstrip("„\"'»«“(")[:1]
    return first.isupper() or first.isdigit()


def strip_site_name(title: str) -> str:
    """A page title without a trailing site name, when enough of the title remains."""
    while (m := _SITE_SUFFIX.search(title)) and len(title[: m.start()].split()) >= 3:
        title = title[: m.start()]
    return title


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
    words = [to_words(s) for s in sentences]
    rows = [terms(s, w) for s, w in zip(sentences, words, strict=True)]
    title_row = terms(strip_site_name(title)) if title else []
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
    candidates = [i for i, s in enumerate(sentences) if is_candidate(s, weights, words[i])]
    chosen: list[int] = []
    used = 0
    while candidates and len(chosen) < count:
        if chosen:
            penalty = sim[np.ix_(candidates, chosen)].max(axis=1)
        else:
            penalty = np.zeros(len(candidates))
        mmr = score[candidates] - weights.redundancy * penalty
        best = candidates[int(np.argmax(mmr))]
        size = len(words[best])
        # The junk rules are costly, so only a sentence about to be picked is checked.
        if (chosen and used + size > weights.budget_words) or is_junk(sentences[best]):
            candidates = [i for i in candidates if i != best]
            continue
        used += size
        chosen.append(best)
        candidates = [i for i in candidates if i != best and sim[i, best] < 0.8]
    return [sentences[i] for i in sorted(chosen)]
