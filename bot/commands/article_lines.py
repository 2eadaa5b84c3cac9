"""Reply parts shared by several commands: an article's line and search-hit markers."""

from __future__ import annotations

import re

from bot.query import HIT_END, HIT_START
from bot.records import Article, Span
from bot.render import kicker_spans, shown_date, source_name


def _marked(text: str) -> tuple[Span, ...]:
    """Turn FTS snippet markers into bold spans."""
    spans: list[Span] = []
    for i, part in enumerate(re.split(f"[{HIT_START}{HIT_END}]", text)):
        if part:
            spans.append(Span(part, bold=i % 2 == 1))
    return tuple(spans)


def _article_line(article: Article, language: str, zone: str) -> tuple[Span, ...]:
    return (
        Span(f"[{article.id}] "),
        *kicker_spans(article.kicker, article.title),
        Span(article.title, bold=True, url=article.url),
        Span(f" — {source_name(article.source, language)}, "),
        Span(shown_date(article.published, language, zone)),
    )
