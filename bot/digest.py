"""Articles → ranked stories → Digest (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.records import Article, Digest, Link, Story


def to_story(article: Article, sentences: int) -> Story:
    """One article as a one-source story."""
    link = Link(article.source, article.title, article.url, article.published)
    return Story(
        headline=article.title,
        summary=article.summary[:sentences],
        links=(link, *article.links),
        article_ids=(article.id,),
        latest=article.when,
    )


def build_digest(
    articles: Sequence[Article], *, day: date, since: datetime, stories: int, sentences: int
) -> Digest:
    """The day's main stories: newest first, at most `stories` entries."""
    ranked = sorted(articles, key=lambda a: (a.when, a.id), reverse=True)
    entries = tuple(to_story(a, sentences) for a in ranked[:stories])
    return Digest(date=day, stories=entries, since=since)
