"""Summaries for stored articles that have none yet (feeds store text first, summaries later)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.ingest.article import SUMMARY_SENTENCES
from bot.records import Article
from summarizer import summarize

BATCH = 50


class Unsummarized(Protocol):
    """Where articles without a summary are found and their summaries stored."""

    def unsummarized(self, limit: int) -> list[Article]: ...
    def set_summary(self, article_id: int, summary: Sequence[str]) -> None: ...


def summarize_pending(stored: Unsummarized, limit: int = BATCH) -> int:
    """Summarize up to `limit` stored articles without a summary; returns how many."""
    articles = stored.unsummarized(limit)
    for article in articles:
        summary = summarize(article.body, SUMMARY_SENTENCES, title=article.title)
        stored.set_summary(article.id, summary)
    return len(articles)
