"""Keyword alerts (pure): which new articles match which chat's alert words, and the message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.query import MAX_WORD_LENGTH, MAX_WORDS, fold, words
from bot.records import Alert, Article, Reply, Span
from bot.texts import t


def alert_words(text: str) -> tuple[str, ...]:
    """An alert's words, folded for case and umlauts, duplicates removed; `-word` excludes."""
    found: list[str] = []
    for token in text.split():
        sign = "-" if token.startswith("-") else ""
        found += [sign + fold(w) for w in words(token) if len(w) <= MAX_WORD_LENGTH]
    return tuple(dict.fromkeys(found))[:MAX_WORDS]


def alert_matches(alert: tuple[str, ...], text: str) -> bool:
    """True when every alert word occurs in `text` and no `-word` does (folded, whole words)."""
    present = {fold(w) for w in words(text)}
    wanted = [w for w in alert if not w.startswith("-")]
    unwanted = [w[1:] for w in alert if w.startswith("-")]
    return bool(wanted) and all(w in present for w in wanted) and not present & set(unwanted)


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
