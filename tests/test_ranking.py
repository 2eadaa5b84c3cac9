"""Our scorer: candidate filter, redundancy removal, length budget."""

from __future__ import annotations

import pytest

from summarizer.ranking import DEFAULT_WEIGHTS, is_candidate, rank


@pytest.mark.parametrize(
    "sentence",
    [
        "Was bedeutet das für die Bürger?",
        "Lesen Sie auch:",
        "Foto",
        "und dann ging er nach Hause, ohne ein Wort zu sagen.",
    ],
)
def test_not_candidates(sentence: str) -> None:
    assert not is_candidate(sentence)


def test_candidate() -> None:
    assert is_candidate("Der Bundestag hat am Donnerstag das Heizungsgesetz beschlossen.")


def test_near_duplicates_are_not_both_picked() -> None:
    text = (
        "Der Bundestag hat am Donnerstag das umstrittene Heizungsgesetz beschlossen. "
        "Der Bundestag hat am Donnerstag das umstrittene Heizungsgesetz endgültig beschlossen. "
        "Die Opposition kündigte eine Klage vor dem Bundesverfassungsgericht in Karlsruhe an."
    )
    summary = rank(text, 2)
    assert len(summary) == 2
    assert "Opposition" in summary[1]


def test_order_is_article_order() -> None:
    sentences = [
        f"Satz Nummer {w} erzählt etwas Neues über das Thema {w} heute." for w in "ABCDEFG"
    ]
    summary = rank(" ".join(sentences), 3, title="Thema G")
    assert summary == sorted(summary, key=sentences.index)


def test_word_budget_caps_length() -> None:
    long = " ".join(["Wort"] * 40)
    text = (
        f"Der erste Satz hat genau acht Wörter im Text. Dann {long} am Ende. "
        "Noch ein kurzer Satz folgt hier."
    )
    words = sum(len(s.split()) for s in rank(text, 3))
    assert words <= max(DEFAULT_WEIGHTS.budget_words, 9)
