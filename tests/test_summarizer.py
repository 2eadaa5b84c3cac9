"""The public call: summarize() for ours, Lead-N and sumy's algorithms."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from summarizer import ALGORITHMS, parse_page, summarize

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def dpa_body() -> str:
    return parse_page(
        (SEEDS / "dpa-kreml-venezuela-2025-11-02.txt").read_text(encoding="utf-8")
    ).body


def test_algorithms_listed() -> None:
    assert ALGORITHMS[:2] == ("newsbot", "lead")
    assert set(ALGORITHMS) >= {"lexrank", "textrank", "lsa", "luhn", "kl", "sumbasic", "edmundson"}


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_every_algorithm_returns_exact_sentences_in_order(algorithm: str, dpa_body: str) -> None:
    summary = summarize(dpa_body, 3, algorithm=algorithm)
    assert 1 <= len(summary) <= 3
    positions = [dpa_body.index(s) for s in summary]
    assert positions == sorted(positions)


def test_newsbot_skips_subheading_questions(dpa_body: str) -> None:
    for n in range(1, 8):
        assert "Bittet Maduro um Militärhilfe aus Moskau?" not in summarize(dpa_body, n)


def test_newsbot_starts_with_the_lead(dpa_body: str) -> None:
    summary = summarize(
        dpa_body, 2, title="Kreml fordert friedliche Lösung zwischen USA und Venezuela"
    )
    assert summary[0] == "Russland ist ein Verbündeter des venezolanischen Staatschefs Maduro."


def test_unknown_algorithm() -> None:
    with pytest.raises(ValueError, match="unknown algorithm"):
        summarize("Ein Satz.", algorithm="gpt")


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_empty_and_zero(algorithm: str) -> None:
    assert summarize("", 3, algorithm=algorithm) == []
    assert summarize("   \n\n", 3, algorithm=algorithm) == []
    assert summarize("Ein ganzer Satz mit genug Wörtern für eine Zusammenfassung.", 0) == []


def test_long_input_is_capped() -> None:
    text = "\n\n".join(
        f"Absatz {i} berichtet über die Lage in Stadt {i} und ihre Folgen." for i in range(3000)
    )
    assert len(summarize(text, 3)) <= 3
    assert len(summarize(text, 3, algorithm="lexrank")) <= 3


@settings(max_examples=150, deadline=None)
@given(st.text(), st.integers(min_value=-1, max_value=6))
def test_newsbot_on_any_text(text: str, n: int) -> None:
    summary = summarize(text, n)
    assert len(summary) <= max(n, 0)
    for sentence in summary:
        assert sentence in text
    if not text.strip():
        assert summary == []


@settings(max_examples=30, deadline=None)
@given(st.text(), st.sampled_from(ALGORITHMS))
def test_every_algorithm_on_any_text(text: str, algorithm: str) -> None:
    summary = summarize(text, 3, algorithm=algorithm)
    assert len(summary) <= 3
    for sentence in summary:
        assert sentence in text


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Der Kanzler reiste am Montag nach Paris.",
                "Dort traf er den französischen Präsidenten zu Gesprächen.",
                "Was bedeutet das für Sie?",
                "Warum reiste der Kanzler gerade jetzt nach Paris?",
                "Foto: dpa",
                "Beide vereinbarten eine engere Zusammenarbeit in der Energiepolitik.",
                "z. B.",
                "\n\n",
                "„Wir stehen zusammen“, sagte er.",
            ]
        ),
        max_size=30,
    ),
    st.integers(min_value=1, max_value=4),
)
# A question set as the first paragraph is taken as written, never given a full stop.
@example(
    [
        "Warum reiste der Kanzler gerade jetzt nach Paris?",
        "\n\n",
        "Der Kanzler reiste am Montag nach Paris.",
        "Der Kanzler reiste am Montag nach Paris.",
    ],
    1,
)
def test_newsbot_on_news_shaped_text(parts: list[str], n: int) -> None:
    text = " ".join(parts)
    summary = summarize(text, n)
    assert len(summary) <= n
    assert all(s in text for s in summary)
    # A question is only ever the article's topical opening, never one that asks the reader.
    questions = [s for s in summary if s.endswith("?")]
    assert all("Sie" not in q and text.lstrip().startswith(q) for q in questions)
