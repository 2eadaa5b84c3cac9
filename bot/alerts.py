"""Keyword alerts (pure): which new articles match which chat's alert words, and the message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.query import MAX_WORD_LENGTH, TextTerms, matches_all, search_fold, text_terms, to_wants
from bot.records import Alert, Article, Reply, Span
from bot.texts import t
from summarizer import fold, normalize, words


def alert_words(text: str) -> tuple[str, ...]:
    """An alert's searchable words as written, each once (by folded form), no stop words;
    `-word` excludes. All of them: the caller refuses more than `MAX_WORDS` rather than cut."""
    first: dict[str, str] = {}
    for token in normalize(text).split():
        sign = "-" if token.startswith("-") else ""
        for word in words(token):
            if len(word) <= MAX_WORD_LENGTH and to_wants([word]):
                first.setdefault(sign + fold(word), sign + word)
    return tuple(first.values())


def same_alert(one: Sequence[str], other: Sequence[str]) -> bool:
    """Whether two alerts look for the same: each word of one has a word of the other (with the
    same sign) sharing a search term as search folds it (`Venezuelas` and `venezuela`,
    `Muenchen` and `München`, `Erdogan` and `Erdoğan`)."""

    def keyed(alert: Sequence[str]) -> list[tuple[bool, frozenset[str]]]:
        return [
            (w.startswith("-"), frozenset(map(search_fold, to_wants([w.lstrip("-")])[0])))
            for w in alert
        ]

    def covered(a: list[tuple[bool, frozenset[str]]], b: list[tuple[bool, frozenset[str]]]) -> bool:
        return all(any(sa == sb and ta & tb for sb, tb in b) for sa, ta in a)

    mine, theirs = keyed(one), keyed(other)
    return len(mine) == len(theirs) and covered(mine, theirs) and covered(theirs, mine)


def alert_matches(alert: tuple[str, ...], text: str | TextTerms) -> bool:
    """True when `text` has every alert word as search would find it (any form, compounds)
    and none of its `-word`s."""
    present = TextTerms.of(text_terms(text)) if isinstance(text, str) else text
    wanted = to_wants(w for w in alert if not w.startswith("-"))
    unwanted = to_wants(w[1:] for w in alert if w.startswith("-"))
    return matches_all(wanted, present) and not any(present.has(u) for u in unwanted)


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
        # The terms search indexes for the article, found once for all alerts.
        text = TextTerms.of(text_terms(f"{article.title}\n{article.kicker}\n{article.body}"))
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
    # As every digest entry does: the way to read on.
    paragraphs.append((Span(f"→ /article {article.id}"),))
    return Reply(tuple(paragraphs))
