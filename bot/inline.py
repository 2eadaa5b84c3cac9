"""Inline search (pure): `@bot venezuela` typed in any chat offers matching articles to share.

The same query parsing and the same store search (matching and ranking) as `/search`, a page
at a time; `next_offset` is where the next page starts ("" when there is none). Platform-free:
the Telegram transport turns an `InlinePage` into answerInlineQuery's results.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from bot.query import Query, parse_query
from bot.records import Article, Reply, SearchPage, Span
from bot.render import kicker_spans, shown_date, source_name, utf16_len

# Results per answer (Telegram allows up to 50; a client shows a few at a time and asks for
# the next page with `next_offset` as the reader scrolls).
INLINE_PAGE = 10
# Offsets past this are not served: nobody scrolls that far, and the search stays cheap.
MAX_OFFSET = 500
# How much of a summary the result list shows under the headline.
DESCRIPTION = 200
# How much of a headline and of a summary the shared message holds (UTF-16 units, as Telegram
# counts): both with the source line stay within its 4096, whatever a feed sent.
MESSAGE_PART = 1800


class Searcher(Protocol):
    """The store's search, as `/search` uses it."""

    def search(self, query: Query, limit: int, offset: int = 0) -> SearchPage: ...


@dataclass(frozen=True, slots=True)
class InlineResult:
    """One offered article: an id, what the list shows, and the message it becomes when chosen."""

    id: str
    title: str
    description: str
    message: Reply
    url: str | None


@dataclass(frozen=True, slots=True)
class InlinePage:
    """One answer: its results and the offset of the next page ("" when there is none)."""

    results: tuple[InlineResult, ...]
    next_offset: str = ""


def _offset(text: str) -> int | None:
    """The page start a client sent back ("" is the first page); None when it is not ours."""
    if not text:
        return 0
    if text.isascii() and text.isdigit() and int(text) <= MAX_OFFSET:
        return int(text)
    return None


def _shortened(text: str, limit: int) -> str:
    """The text, or as much as fits in `limit - 1` UTF-16 units and "…"."""
    if utf16_len(text) <= limit:
        return text
    units = text.encode("utf-16-le", "surrogatepass")[: 2 * (limit - 1)]
    return units.decode("utf-16-le", "ignore").rstrip() + "…"


def to_result(article: Article, language: str, zone: str) -> InlineResult:
    """An article as an inline result: kicker and headline ("USA, Venezuela · Kreml fordert
    …", as search hits show them); source, date and summary; the message shared."""
    where = (
        f"{source_name(article.source, language)}, {shown_date(article.published, language, zone)}"
    )
    summary = _shortened(" ".join(article.summary[:2]), MESSAGE_PART)
    description = _shortened(f"{where} · {summary}" if summary else where, DESCRIPTION)
    kicker = kicker_spans(article.kicker, article.title)
    headline = _shortened(article.title, MESSAGE_PART)
    title = "".join(span.text for span in kicker) + headline
    paragraphs: list[tuple[Span, ...]] = [(*kicker, Span(headline, bold=True, url=article.url))]
    paragraphs.append((Span(where),))
    if summary:
        paragraphs.append((Span(summary),))
    message = Reply(tuple(paragraphs), link_previews=bool(article.url))
    return InlineResult(f"a{article.id}", title, description, message, article.url)


def inline_search(
    text: str,
    offset: str,
    library: Searcher,
    *,
    language: str,
    zone: str,
    now: datetime | None = None,
) -> InlinePage:
    """A page of the articles `/search text` would list, from `offset` on (`seit:gestern`
    needs `now`)."""
    start = _offset(offset)
    # Shared anywhere: the shared pool only, never a chat's own feed.
    query = replace(parse_query(text, now, zone), feeds=())
    if start is None or query.problem is not None:
        return InlinePage(())
    found = library.search(query, INLINE_PAGE, start)
    results = tuple(to_result(hit.article, language, zone) for hit in found.hits)
    end = start + len(results)
    more = results and end < found.total and end <= MAX_OFFSET
    return InlinePage(results, str(end) if more else "")
