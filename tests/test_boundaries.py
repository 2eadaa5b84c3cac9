"""Sentence-boundary scoring: offsets, counts and the German cases that matter."""

from __future__ import annotations

from tools.boundaries import boundaries, score_boundaries


def test_boundaries_are_end_offsets_without_the_text_end() -> None:
    text = "Der Bus kam. Alle stiegen ein."
    assert boundaries(text, ["Der Bus kam.", "Alle stiegen ein."]) == {12}


def test_dates_and_abbreviations_are_not_boundaries() -> None:
    gold = [
        "Am 10. November 2025 sagte Dr. Müller u. a., die Preise stiegen um ca. 2,6 Prozent.",
        "Das war z. B. am 02.11.2025 so.",
    ]
    result = score_boundaries([(" ".join(gold), gold)])
    assert (result.tp, result.fp, result.fn) == (1, 0, 0)
    assert result.f1 == 1.0


def test_a_missed_boundary_lowers_recall_only() -> None:
    gold = ["Er kam", "Sie ging."]
    result = score_boundaries([("Er kam Sie ging.", gold)])
    assert result.fn == 1
    assert result.fp == 0
    assert result.recall == 0.0
