"""ROUGE as rouge-score computes it, with German tokens."""

from __future__ import annotations

import pytest

from tools.rouge import rouge_lsum, rouge_n, score, tokenize


def test_tokens_keep_umlauts_and_eszett() -> None:
    assert tokenize("Größe, Straße; Öl!") == ["größe", "straße", "öl"]


def test_stemming_only_for_longer_words() -> None:
    assert tokenize("Die Verhandlungen", stem=True) == ["die", "verhandl"]


def test_identical_texts_score_one() -> None:
    s = score("Der Kreml fordert Frieden.", "Der Kreml fordert Frieden.")
    assert s.rouge1.fmeasure == pytest.approx(1.0)
    assert s.rouge2.fmeasure == pytest.approx(1.0)
    assert s.rouge_l.fmeasure == pytest.approx(1.0)


def test_disjoint_and_empty_texts_score_zero() -> None:
    assert score("eins zwei", "drei vier").rouge1.fmeasure == 0.0
    assert score("", "drei vier").rouge_l.fmeasure == 0.0
    assert score("eins", "").rouge2.fmeasure == 0.0


def test_rouge_n_clips_counts() -> None:
    s = rouge_n(["a", "b"], ["a", "a", "a"], 1)
    assert s.precision == pytest.approx(1 / 3)
    assert s.recall == pytest.approx(1 / 2)


def test_summary_level_lcs_matches_rouge_score() -> None:
    # Worked example checked against rouge-score 0.1.2 (RougeScorer(["rougeLsum"])).
    ref = [["w1", "w2", "w3", "w4", "w5"]]
    can = [["w1", "w2", "w6", "w7", "w8"], ["w1", "w3", "w8", "w9", "w5"]]
    s = rouge_lsum(ref, can)
    assert s.recall == pytest.approx(4 / 5)
    assert s.precision == pytest.approx(4 / 10)
