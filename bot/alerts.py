"""Keyword alerts (pure): which new articles match which chat's alert words, and the message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.query import MAX_WORD_LENGTH, MAX_WORDS, fold, words
from bot.records import Alert, Article, Reply, Span
from bot.texts import t


def alert_words(text: str) -> tuple[str, ...]:
    """The plain words of an alert, folded for case and umlauts, duplicates removed."""
    found = [fold(w) for w in words(text) if len(w) <= MAX_WORD_LENGTH]
    return tuple(dict.fromkeys(found))[:MAX_WORDS]


def alert_matches(alert: tuple[str, ...], text: str) -> bool:
    """True when every alert word occurs as a word of `text` (folded; no regular expressions)."""
    present = {fold(w) for w in words(text)}
    return bool(alert) and all(word in present for word in alert)


@dataclass(frozen=True, slots=True)
class AlertHit:
    """One article to push to one chat, for these of its alerts."""

    chat: str
    alert_ids: tuple[int, ...]
    article: Article
    words: tuple[str, ...]


def alert_hits(alerts: Sequence[Alert], articles: Sequence[Article]) -> list[AlertHit]:
    """Every (chat, article) pair where one of the chat's alerts matches the article, once."""
    out: list[AlertHit] = []
    for article in articles:
        text = "\n".join((article.title, *article.summary, article.body))
        by_chat: dict[str, list[int]] = {}
        matched: dict[str, tuple[str, ...]] = {}
        for alert in alerts:
            if alert_matches(alert.words, text):
                by_chat.setdefault(alert.chat, []).append(alert.id)
                matched.setdefault(alert.chat, alert.words)
        out += [AlertHit(c, tuple(ids), article, matched[c]) for c, ids in by_chat.items()]
    return out


def alert_reply(article: Article, words: tuple[str, ...], language: str) -> Reply:
    """One alert message: which words matched, the article's title, source and summary."""
    head = (Span(t(language, "alert_hit", words=" ".join(words)), bold=True),)
    title = (Span(article.title, bold=True, url=article.url), Span(f" — {article.source}"))
    paragraphs = [head, title]
    if article.summary:
        paragraphs.append((Span(" ".join(article.summary[:2])),))
    return Reply(tuple(paragraphs))
