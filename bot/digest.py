"""Articles → ranked stories → Digest (pure): grouping once, selecting per chat."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.query import stem
from bot.records import Article, Digest, Link, Story
from bot.stories import features, group_stories

# A story's weight halves every day, so a two-source story from yesterday ties with a
# one-source story from now: editors lead with what several outlets carry, if it is fresh.
HALF_LIFE = timedelta(hours=24)
DEFAULT_WINDOW = timedelta(hours=24)
# After a long pause a digest still covers at most a week.
MAX_WINDOW = timedelta(days=7)
MAX_SENTENCES = 3


@dataclass(frozen=True, slots=True)
class DigestOptions:
    """A chat's digest settings: how many stories, how many sentences, which keywords."""

    stories: int = 5
    sentences: int = 2
    keywords: tuple[str, ...] = ()
    send_empty: bool = True


def window_since(last_digest: datetime | None, now: datetime) -> datetime:
    """Where a chat's digest starts: its last digest, else 24 hours ago; never over a week."""
    if last_digest is None:
        return now - DEFAULT_WINDOW
    return max(last_digest, now - MAX_WINDOW)


def _links(group: Sequence[Article]) -> tuple[Link, ...]:
    seen: set[tuple[str, str | None]] = set()
    out: list[Link] = []
    for article in sorted(group, key=lambda a: (a.when, a.id)):
        own = Link(article.source, article.title, article.url, article.published)
        for link in (own, *article.links):
            key = (link.name, link.url or link.title)
            if key not in seen:
                seen.add(key)
                out.append(link)
    return tuple(out)


def _best(group: Sequence[Article]) -> Article:
    """The article that leads the entry: a full summary, the most central, the longest."""
    if len(group) == 1:
        return group[0]

    def centrality(a: Article) -> float:
        mine = features(a).entities
        return sum(len(mine & features(b).entities) for b in group if b is not a)

    return max(group, key=lambda a: (len(a.summary) >= 2, centrality(a), len(a.body), -a.id))


def _matches(group: Sequence[Article], keywords: tuple[str, ...]) -> bool:
    """Keyword filter: any plain word must occur, no `-word` may; words match by stem prefix."""
    wanted = [stem(k) for k in keywords if not k.startswith("-")]
    unwanted = [stem(k[1:]) for k in keywords if k.startswith("-") and len(k) > 1]
    roots = {term for a in group for term in features(a).terms}

    def has(root: str) -> bool:
        return any(r.startswith(root) for r in roots)

    if any(has(u) for u in unwanted):
        return False
    return not wanted or any(has(w) for w in wanted)


def is_fresh(article: Article, since: datetime, now: datetime) -> bool:
    """New to a chat: published, or first stored, within [since, now] (as the store selects)."""
    if article.published is not None and since <= article.published <= now:
        return True
    return since <= article.fetched <= now


def score(group: Sequence[Article], now: datetime) -> float:
    """How prominent a story is: distinct sources, halved for every day of age."""
    sources = len({a.source for a in group} | {link.name for a in group for link in a.links})
    age = max(now - max(a.when for a in group), timedelta(0))
    return sources * math.pow(0.5, age / HALF_LIFE)


def to_story(group: Sequence[Article], sentences: int) -> Story:
    """One story entry: the best article's headline and summary, and every source's link."""
    best = _best(group)
    return Story(
        headline=best.title,
        summary=best.summary[: max(1, min(sentences, MAX_SENTENCES))],
        links=_links(group),
        article_ids=tuple(a.id for a in group),
        latest=max(a.when for a in group),
    )


@dataclass(frozen=True, slots=True)
class Stories:
    """Articles grouped into stories once, so many chats' digests share the work."""

    groups: tuple[tuple[Article, ...], ...]

    @classmethod
    def of(cls, articles: Sequence[Article]) -> Stories:
        """Group articles into stories (the expensive step, done once per run)."""
        return cls(tuple(group_stories(articles)))

    def digest(
        self, *, day: date, since: datetime, now: datetime, options: DigestOptions
    ) -> Digest:
        """One chat's digest: stories with articles in [since, now], ranked, filtered, cut."""
        ranked: list[tuple[float, datetime, int, tuple[Article, ...]]] = []
        for group in self.groups:
            fresh = tuple(a for a in group if is_fresh(a, since, now))
            if not fresh or (options.keywords and not _matches(fresh, options.keywords)):
                continue
            ranked.append((score(fresh, now), max(a.when for a in fresh), -fresh[0].id, fresh))
        ranked.sort(key=lambda r: r[:3], reverse=True)
        entries = tuple(to_story(r[3], options.sentences) for r in ranked[: options.stories])
        return Digest(date=day, stories=entries, since=since)


def build_digest(
    articles: Sequence[Article],
    *,
    day: date,
    since: datetime,
    stories: int = 5,
    sentences: int = 2,
    now: datetime | None = None,
    keywords: tuple[str, ...] = (),
) -> Digest:
    """The main stories of `articles` since `since`: grouped across sources, ranked, cut."""
    if now is None:
        now = max((max(a.when, a.fetched) for a in articles), default=since)
    options = DigestOptions(stories=stories, sentences=sentences, keywords=keywords)
    return Stories.of(articles).digest(day=day, since=since, now=now, options=options)


def to_json(digest: Digest) -> dict[str, Any]:
    """The digest as plain data: date, stories with headline, summary and sources."""
    return {
        "date": digest.date.isoformat(),
        "stories": [
            {
                "headline": story.headline,
                "summary": " ".join(story.summary),
                "sources": [
                    {
                        "name": link.name,
                        "title": link.title,
                        "url": link.url,
                        "published": link.published.isoformat() if link.published else None,
                    }
                    for link in story.links
                ],
            }
            for story in digest.stories
        ],
    }
