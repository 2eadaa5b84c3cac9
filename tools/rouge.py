"""ROUGE-1/2/L F1 with German-aware tokens, computed as rouge-score 0.1.2 does (pure Python).

Tokens are lower-cased runs of unicode word characters, so umlauts and ß stay inside words
(rouge-score's default tokenizer drops them). ROUGE-L is summary-level (rougeLsum): sentences
are the lines of each text, scored by union LCS with double counting prevented.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from nltk.stem.snowball import GermanStemmer

_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Score:
    """Precision, recall and F1 of one ROUGE variant."""

    precision: float
    recall: float
    fmeasure: float


@dataclass(frozen=True, slots=True)
class RougeScores:
    """ROUGE-1, ROUGE-2 and summary-level ROUGE-L of one summary against one reference."""

    rouge1: Score
    rouge2: Score
    rouge_l: Score


@lru_cache(maxsize=1)
def _stemmer() -> GermanStemmer:
    return GermanStemmer()


def tokenize(text: str, *, stem: bool = False) -> list[str]:
    """Lower-cased word tokens; with stem, words over 3 letters get the German Snowball stem."""
    tokens = _WORD.findall(text.lower())
    if stem:
        stemmer = _stemmer()
        tokens = [str(stemmer.stem(t)) if len(t) > 3 else t for t in tokens]
    return tokens


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0


def _ngrams(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def rouge_n(reference: Sequence[str], candidate: Sequence[str], n: int) -> Score:
    """ROUGE-N from clipped n-gram counts."""
    ref, can = _ngrams(reference, n), _ngrams(candidate, n)
    overlap = sum(min(count, can[gram]) for gram, count in ref.items())
    precision = overlap / max(sum(can.values()), 1)
    recall = overlap / max(sum(ref.values()), 1)
    return Score(precision, recall, _f1(precision, recall))


def _lcs_indices(ref: Sequence[str], can: Sequence[str]) -> list[int]:
    """Indices into ref of one longest common subsequence (rouge-score's backtracking order)."""
    rows, cols = len(ref), len(can)
    table = [[0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(1, rows + 1):
        row, above = table[i], table[i - 1]
        word = ref[i - 1]
        for j in range(1, cols + 1):
            row[j] = above[j - 1] + 1 if word == can[j - 1] else max(above[j], row[j - 1])
    i, j, out = rows, cols, []
    while i > 0 and j > 0:
        if ref[i - 1] == can[j - 1]:
            out.append(i - 1)
            i, j = i - 1, j - 1
        elif table[i][j - 1] > table[i - 1][j]:
            j -= 1
        else:
            i -= 1
    out.reverse()
    return out


def rouge_lsum(reference: Sequence[Sequence[str]], candidate: Sequence[Sequence[str]]) -> Score:
    """Summary-level ROUGE-L over tokenized sentences (union LCS, no double counting)."""
    m = sum(map(len, reference))
    n = sum(map(len, candidate))
    if not m or not n:
        return Score(0.0, 0.0, 0.0)
    ref_counts: Counter[str] = Counter(t for s in reference for t in s)
    can_counts: Counter[str] = Counter(t for s in candidate for t in s)
    hits = 0
    for sentence in reference:
        union: set[int] = set()
        for other in candidate:
            union.update(_lcs_indices(sentence, other))
        for token in (sentence[i] for i in sorted(union)):
            if can_counts[token] > 0 and ref_counts[token] > 0:
                hits += 1
                can_counts[token] -= 1
                ref_counts[token] -= 1
    precision, recall = hits / n, hits / m
    return Score(precision, recall, _f1(precision, recall))


def score(reference: str, candidate: str, *, stem: bool = False) -> RougeScores:
    """ROUGE of a candidate against a reference; sentences of both are their lines."""
    ref_tokens, can_tokens = tokenize(reference, stem=stem), tokenize(candidate, stem=stem)
    ref_lines = [tokenize(s, stem=stem) for s in reference.split("\n") if s]
    can_lines = [tokenize(s, stem=stem) for s in candidate.split("\n") if s]
    return RougeScores(
        rouge1=rouge_n(ref_tokens, can_tokens, 1),
        rouge2=rouge_n(ref_tokens, can_tokens, 2),
        rouge_l=rouge_lsum(ref_lines, can_lines),
    )
