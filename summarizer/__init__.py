"""German extractive summarizer for news: page dump → clean article → a few of its sentences."""

from __future__ import annotations

from summarizer.algorithms import SUMY_ALGORITHMS, summarize_lead, summarize_with_sumy
from summarizer.boilerplate import is_junk
from summarizer.dates import BERLIN as DATES_ZONE
from summarizer.german import (
    fold,
    folded_stop_words,
    has_letter_words,
    is_letter_word,
    is_stop_word,
    lemma,
    letter_words,
    normalize,
    prose_words,
    stem,
    stems,
    stop_words,
    terms,
    words,
)
from summarizer.kickers import is_kicker_text
from summarizer.page import PageDump, parse_page, read_article
from summarizer.ranking import rank
from summarizer.sentences import split_sentences

ALGORITHMS: tuple[str, ...] = ("newsbot", "lead", *SUMY_ALGORITHMS)

__all__ = [
    "ALGORITHMS",
    "DATES_ZONE",
    "PageDump",
    "fold",
    "folded_stop_words",
    "has_letter_words",
    "is_junk",
    "is_kicker_text",
    "is_letter_word",
    "is_stop_word",
    "lemma",
    "letter_words",
    "normalize",
    "parse_page",
    "prose_words",
    "read_article",
    "split_sentences",
    "stem",
    "stems",
    "stop_words",
    "summarize",
    "terms",
    "words",
]


def summarize(
    text: str, sentences: int = 3, *, algorithm: str = "newsbot", title: str | None = None
) -> list[str]:
    """Extractive summary of an article body: at most `sentences` of its sentences, in order."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown algorithm {algorithm!r}; choose one of {', '.join(ALGORITHMS)}")
    if sentences <= 0 or not text.strip():
        return []
    if algorithm == "newsbot":
        return rank(text, sentences, title=title)
    if algorithm == "lead":
        return summarize_lead(text, sentences)
    return summarize_with_sumy(algorithm, text, sentences)
