"""Replies shared by several commands and by scheduled digests: article lines and the digest."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.commands.base import DEFAULT_ZONE, Library, chat_zone
from bot.digest import DigestPlan, Stories, plan_digest
from bot.query import HIT_END, HIT_START
from bot.records import Article, Digest, Reply, Span, date_only, known_source
from bot.texts import t


def _date(value: datetime | None, language: str, zone: str) -> str:
    """A date and time as the chat reads it, in its own zone; a date without a time stays as is.

    A page that gives only a date ("10. November 2025") is stored as midnight in the zone dates
    are read in (Europe/Berlin); moved to New York it would become a made-up "09.11. 18:00".
    """
    if value is None:
        return t(language, "undated")
    day = date_only(value)
    if day is not None:
        return day.strftime("%d.%m.%Y")
    return value.astimezone(ZoneInfo(zone)).strftime("%d.%m.%Y %H:%M")


def source_name(name: str, language: str) -> str:
    """The source as a reader sees it; an unknown one says so in the reader's language."""
    return known_source(name) or t(language, "unknown_source")


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
        Span(article.title, bold=True, url=article.url),
        Span(f" — {source_name(article.source, language)}, "),
        Span(_date(article.published, language, zone)),
    )


def render_digest(
    digest: Digest, language: str, zone: str = DEFAULT_ZONE, *, calendar_day: bool = False
) -> Reply:
    """A digest as a reply: what it covers, then each story with summary, sources and a way on.

    A digest covers what is new since its window start ("Neu seit …"); with `calendar_day` it
    is one day's news ("Nachrichten vom …"). Each source keeps its own date, and each entry ends
    with the `/article` command that shows its lead article in full.
    """
    if calendar_day:
        title = t(language, "digest_day_head", date=digest.date.strftime("%d.%m.%Y"))
    else:
        since = digest.since.astimezone(ZoneInfo(zone)).strftime("%d.%m.%Y %H:%M")
        title = t(language, "digest_head", since=since)
    head = (Span(title, bold=True),)
    if not digest.stories:
        empty = t(language, "digest_day_empty" if calendar_day else "digest_empty")
        return Reply((head, (Span(empty),)))
    paragraphs: list[tuple[Span, ...]] = [head]
    for number, story in enumerate(digest.stories, 1):
        lead = next((k.url for k in story.links if k.title == story.headline), None)
        paragraphs.append((Span(f"{number}. "), Span(story.headline, bold=True, url=lead)))
        if story.summary:
            paragraphs.append((Span(" ".join(story.summary)),))
        sources: list[Span] = [Span(t(language, "sources") + ": ")]
        for i, link in enumerate(story.links):
            if i:
                sources.append(Span(", "))
            sources.append(Span(source_name(link.name, language), url=link.url))
            # A merged story names each source's own headline, so no report is hidden.
            own = f": {link.title}" if link.title and link.title != story.headline else ""
            sources.append(Span(f"{own} ({_date(link.published, language, zone)})"))
        paragraphs.append(tuple(sources))
        if story.article_ids:
            paragraphs.append((Span(f"→ /article {story.article_ids[0]}"),))
    return Reply(tuple(paragraphs))


def chat_plan(
    library: Library, chat: str, now: datetime, zone: str, last_digest: datetime | None = None
) -> DigestPlan:
    """The chat's digest plan read through the library: the scheduler's and `/digest`'s."""
    keywords = library.digest_keywords(chat)
    return plan_digest(library.settings(chat), keywords, zone, now, last_digest)


def digest_for(
    library: Library,
    chat: str,
    now: datetime,
    zone: str | None = None,
    last_digest: datetime | None = None,
) -> Digest:
    """What the chat's scheduled digest would hold if built now, since `last_digest` (or 24 h).

    Its date is local to `zone` (None: the chat's own, see `chat_zone`).
    """
    plan = chat_plan(library, chat, now, zone or chat_zone(library, chat), last_digest)
    articles = library.articles_since(plan.since, now + timedelta(seconds=1))
    return Stories.of(articles).planned(plan, now)
