"""Replies shared by several commands and by scheduled digests: article lines and the digest."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.commands.base import DEFAULT_ZONE, Library
from bot.digest import build_digest
from bot.query import HIT_END, HIT_START
from bot.records import Article, Digest, Reply, Span
from bot.texts import t


def _date(value: datetime | None, language: str) -> str:
    if value is None:
        return t(language, "undated")
    local = value.astimezone(ZoneInfo(DEFAULT_ZONE))
    return (
        local.strftime("%d.%m.%Y %H:%M")
        if local.hour or local.minute
        else local.strftime("%d.%m.%Y")
    )


def _marked(text: str) -> tuple[Span, ...]:
    """Turn FTS snippet markers into bold spans."""
    spans: list[Span] = []
    for i, part in enumerate(re.split(f"[{HIT_START}{HIT_END}]", text)):
        if part:
            spans.append(Span(part, bold=i % 2 == 1))
    return tuple(spans)


def _article_line(article: Article, language: str) -> tuple[Span, ...]:
    return (
        Span(f"[{article.id}] "),
        Span(article.title, bold=True, url=article.url),
        Span(f" — {article.source}, {_date(article.published, language)}"),
    )


def render_digest(digest: Digest, language: str) -> Reply:
    """A digest as a reply: a heading, then each story with summary and sources."""
    head = (Span(t(language, "digest_head", date=digest.date.strftime("%d.%m.%Y")), bold=True),)
    if not digest.stories:
        return Reply((head, (Span(t(language, "digest_empty")),)))
    paragraphs: list[tuple[Span, ...]] = [head]
    for number, story in enumerate(digest.stories, 1):
        paragraphs.append((Span(f"{number}. "), Span(story.headline, bold=True)))
        if story.summary:
            paragraphs.append((Span(" ".join(story.summary)),))
        sources: list[Span] = [Span(t(language, "sources") + ": ")]
        for i, link in enumerate(story.links):
            if i:
                sources.append(Span(", "))
            sources.append(Span(link.name, url=link.url))
            # A merged story names each source's own headline, so no report is hidden.
            own = f": {link.title}" if link.title and link.title != story.headline else ""
            sources.append(Span(f"{own} ({_date(link.published, language)})"))
        paragraphs.append(tuple(sources))
    return Reply(tuple(paragraphs))


def digest_for(library: Library, chat: str, now: datetime, language: str) -> Digest:
    """The digest a chat gets now: what arrived in the last 24 hours."""
    settings = library.settings(chat)
    since = now - timedelta(hours=24)
    sub = library.subscription(chat)
    zone = ZoneInfo(sub.timezone if sub else DEFAULT_ZONE)
    articles = library.articles_since(since)
    return build_digest(
        articles,
        day=now.astimezone(zone).date(),
        since=since,
        stories=settings.stories,
        sentences=settings.sentences,
    )
