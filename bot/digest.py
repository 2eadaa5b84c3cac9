"""Articles → ranked stories → Digest (pure): grouping once, selecting per chat."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.query import TextTerms, text_terms, to_wants
from bot.records import Article, ChatSettings, Digest, Link, Story
from bot.stories import features, group_stories

# A story's weight halves every day, so a two-source story from yesterday ties with a
# one-source story from now: editors lead with what several outlets carry, if it is fresh.
HALF_LIFE = timedelta(hours=24)
DEFAULT_WINDOW = timedelta(hours=24)
# After a long pause a digest still covers at most a week.
MAX_WINDOW = timedelta(days=7)
MAX_SENTENCES = 3
# Rankings kept per Stories (one per `now`); a run asks with a single `now`.
MAX_RANKINGS = 4


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


@dataclass(frozen=True, slots=True)
class DigestPlan:
    """What decides one chat's digest: window start, options, language, local date and zone."""

    since: datetime
    options: DigestOptions
    language: str
    day: date
    zone: str


def plan_digest(
    settings: ChatSettings,
    keywords: tuple[str, ...],
    zone: str,
    now: datetime,
    last_digest: datetime | None = None,
) -> DigestPlan:
    """A chat's digest plan from its settings, keyword filter and zone (no last digest: 24 h).

    The scheduler and the `/digest` command both plan through here, so they cannot drift apart.
    """
    options = DigestOptions(
        stories=settings.stories,
        sentences=settings.sentences,
        keywords=keywords,
        send_empty=settings.send_empty,
    )
    day = now.astimezone(ZoneInfo(zone)).date()
    return DigestPlan(window_since(last_digest, now), options, settings.language, day, zone)


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

    # Names shared with each other article, summed: every name counts once per other carrier.
    entities = [features(a).entities for a in group]
    carriers = Counter(e for names in entities for e in names)
    copies = Counter(id(a) for a in group)

    def key(i: int) -> tuple[bool, int, int, int]:
        a = group[i]
        centrality = sum(carriers[e] for e in entities[i]) - copies[id(a)] * len(entities[i])
        return (len(a.summary) >= 2, centrality, len(a.body), -a.id)

    return group[max(range(len(group)), key=key)]


@dataclass(frozen=True, slots=True)
class _Keywords:
    """A chat's keywords as search terms: one `wanted` must match, no `unwanted` may."""

    wanted: tuple[tuple[str, ...], ...]
    unwanted: tuple[tuple[str, ...], ...]

    @classmethod
    def of(cls, keywords: tuple[str, ...]) -> _Keywords:
        """The terms of the plain words and the `-word`s, once per digest, not once per story."""
        return cls(
            to_wants(k for k in keywords if not k.startswith("-")),
            to_wants(k[1:] for k in keywords if k.startswith("-") and len(k) > 1),
        )

    def match(self, terms: TextTerms) -> bool:
        """Whether a story's terms pass, matched as search matches an article."""
        if any(terms.has(u) for u in self.unwanted):
            return False
        return not self.wanted or any(terms.has(w) for w in self.wanted)


def _terms(group: Sequence[Article]) -> TextTerms:
    """Every search term of the group's articles."""
    return TextTerms.of(t for a in group for t in text_terms(f"{a.title}\n{a.body}"))


def _fresh_until(article: Article, now: datetime) -> datetime | None:
    """The latest `since` for which `is_fresh(article, since, now)` holds (None: it never does)."""
    times = [t for t in (article.published, article.fetched) if t is not None and t <= now]
    return max(times, default=None)


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


# Rank key of a story: score, latest article, newest first id, then the earlier group wins.
_Rank = tuple[float, datetime, int, int]


def _rank(group: Sequence[Article], index: int, now: datetime) -> _Rank:
    """The rank key of a story (or of its fresh part) at `now`."""
    return (score(group, now), max(a.when for a in group), -group[0].id, -index)


@dataclass(frozen=True, slots=True)
class _Ranking:
    """What every window at one `now` shares: when each story is fresh, and the full ranking."""

    # Story g is whole in a window when `since <= first[g]` (all its articles are fresh),
    # absent when `since > last[g]`, and partly fresh in between (only `spread` stories).
    first: tuple[datetime | None, ...]
    last: tuple[datetime | None, ...]
    ranked: tuple[tuple[_Rank, int], ...]
    spread: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Stories:
    """Articles grouped into stories once, so many chats' digests share the work."""

    groups: tuple[tuple[Article, ...], ...]
    # Memos, not state: the ranking per `now` (a run asks with one), each story's terms and
    # its entry when whole (most chats' top stories are the same).
    _rankings: dict[datetime, _Ranking] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _terms: dict[int, TextTerms] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _entries: dict[tuple[int, int], Story] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @classmethod
    def of(cls, articles: Sequence[Article]) -> Stories:
        """Group articles into stories (the expensive step, done once per run)."""
        return cls(tuple(group_stories(articles)))

    def _ranking(self, now: datetime) -> _Ranking:
        """Freshness bounds and the ranking of whole stories at `now` (computed once)."""
        known = self._rankings.get(now)
        if known is not None:
            return known
        first: list[datetime | None] = []
        last: list[datetime | None] = []
        ranked: list[tuple[_Rank, int]] = []
        spread: list[int] = []
        for g, group in enumerate(self.groups):
            bounds = [_fresh_until(a, now) for a in group]
            known_bounds = [b for b in bounds if b is not None]
            lo = min(known_bounds) if len(known_bounds) == len(bounds) else None
            hi = max(known_bounds, default=None)
            first.append(lo)
            last.append(hi)
            if lo is not None:
                ranked.append((_rank(group, g, now), g))
            if hi is not None and lo != hi:
                spread.append(g)
        ranked.sort(reverse=True)
        ranking = _Ranking(tuple(first), tuple(last), tuple(ranked), tuple(spread))
        if len(self._rankings) >= MAX_RANKINGS:
            self._rankings.clear()
        self._rankings[now] = ranking
        return ranking

    def _group_terms(self, g: int) -> TextTerms:
        terms = self._terms.get(g)
        if terms is None:
            terms = self._terms[g] = _terms(self.groups[g])
        return terms

    def _entry(self, g: int, sentences: int) -> Story:
        key = (g, sentences)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = to_story(self.groups[g], sentences)
        return entry

    def digest(
        self, *, day: date, since: datetime, now: datetime, options: DigestOptions
    ) -> Digest:
        """One chat's digest: stories with articles in [since, now], ranked, filtered, cut."""
        ranking = self._ranking(now)
        keywords = _Keywords.of(options.keywords) if options.keywords else None
        chosen: list[tuple[_Rank, int, tuple[Article, ...] | None]] = []
        # Whole stories come ranked: the first `stories` that pass are all a whole one can add.
        for rank, g in ranking.ranked:
            if len(chosen) >= options.stories:
                break
            lo = ranking.first[g]
            if lo is None or since > lo:
                continue
            if keywords is None or keywords.match(self._group_terms(g)):
                chosen.append((rank, g, None))
        # Stories straddling `since` enter with their fresh articles only, ranked as such.
        for g in ranking.spread:
            lo, hi = ranking.first[g], ranking.last[g]
            if hi is None or since > hi or (lo is not None and since <= lo):
                continue
            fresh = tuple(a for a in self.groups[g] if is_fresh(a, since, now))
            if keywords is None or keywords.match(_terms(fresh)):
                chosen.append((_rank(fresh, g, now), g, fresh))
        chosen.sort(key=lambda c: c[0], reverse=True)
        entries = tuple(
            self._entry(g, options.sentences)
            if fresh is None
            else to_story(fresh, options.sentences)
            for _, g, fresh in chosen[: options.stories]
        )
        return Digest(date=day, stories=entries, since=since)

    def planned(self, plan: DigestPlan, now: datetime) -> Digest:
        """The digest a chat's plan describes, at `now`."""
        return self.digest(day=plan.day, since=plan.since, now=now, options=plan.options)


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
