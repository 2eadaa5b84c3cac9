"""The one door to a digest (pure): which stories a chat gets now, ranked, cut, rendered.

`for_chat` is the digest a chat gets (its reply, plan, the empty rule, a late note): `/digest`,
`/subscribe … jetzt`, `newsbot digest --chat` and the demo ask it for one chat. The scheduler
and the bench build a minute's due chats together with `for_chats`: `plan_chats` reads their
settings, zones and last digests in a few set-based queries into `DigestPlan`s, the articles of
every plan's window are grouped into stories once (`StoryPool`), and each chat's digest is cut
from that pool.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.outlets import publisher
from bot.query import MIN_PART, TextTerms, search_fold, text_terms, to_wants
from bot.records import (
    DEFAULT_ZONE,
    Article,
    ChatSettings,
    Digest,
    Link,
    Reply,
    Span,
    Story,
    Subscription,
    as_push,
    date_only,
    dates_lag,
    in_zone,
    known_source,
    reported_before,
    to_iso,
)
from bot.render import render_digest
from bot.stories import centrality, group_stories, is_kicker, plain_headline
from bot.texts import t

DEFAULT_WINDOW = timedelta(hours=24)
# After a long pause a digest still covers at most a week.
MAX_WINDOW = timedelta(days=7)
MAX_SENTENCES = 3
# An entry speaks with an article at least this representative of its story (centrality
# against the most central one), so a commentary that joined the story never leads it.
VOICE_CENTRALITY = 0.5
# Rankings kept per StoryPool (one per `now` and zone of dates given alone); a run asks with a
# single `now`, and chats live in a few dozen zones at most.
MAX_RANKINGS = 64


class ChatSettingsPart(Protocol):
    """Where a chat's settings (its zone among them) and subscription are found."""

    def settings(self, chat: str) -> ChatSettings: ...
    def subscription(self, chat: str) -> Subscription | None: ...


class LastDigestPart(Protocol):
    """When a chat last got its digest."""

    def last_digest_at(self, chat: str) -> datetime | None: ...


class ManyChatsPart(Protocol):
    """Many chats' settings in a few reads."""

    def settings_of(self, chats: Sequence[str]) -> dict[str, ChatSettings]: ...


class LastDigestsPart(Protocol):
    """When many chats last got their digests, in one read."""

    def last_digests_at(self, chats: Sequence[str]) -> dict[str, datetime]: ...


class PlanSource(Protocol):
    """What planning a due minute's chats reads: settings and last digests, set-based."""

    @property
    def chats(self) -> ManyChatsPart: ...
    @property
    def deliveries(self) -> LastDigestsPart: ...


class ArticleWindowPart(Protocol):
    """The articles of a time window."""

    def articles_since(self, since: datetime, until: datetime | None = None) -> list[Article]: ...


class Subscriptions(Protocol):
    """A store whose chats part knows subscriptions (for a chat's zone)."""

    @property
    def chats(self) -> ChatSettingsPart: ...


class DigestSource(Subscriptions, Protocol):
    """What planning and building a digest read from the store's parts."""

    @property
    def deliveries(self) -> LastDigestPart: ...
    @property
    def articles(self) -> ArticleWindowPart: ...


@dataclass(frozen=True, slots=True)
class DigestPlan:
    """What decides one digest: the window [since, until), the chat's settings, date and zone."""

    since: datetime
    settings: ChatSettings
    day: date
    zone: str
    until: datetime | None = None  # only a calendar day's plan has an end


def window_since(last_digest: datetime | None, now: datetime) -> datetime:
    """Where a chat's digest starts: its last digest, else 24 hours ago; never over a week."""
    if last_digest is None:
        return now - DEFAULT_WINDOW
    return max(last_digest, now - MAX_WINDOW)


def chat_zone(source: Subscriptions, chat: str, default: str = DEFAULT_ZONE) -> str:
    """The zone a chat's dates are shown in: the one it chose, else `default` (the operator's)."""
    return source.chats.settings(chat).zone or default


def plan_chat(
    source: DigestSource, chat: str, now: datetime, *, default_zone: str, fresh: bool = False
) -> DigestPlan:
    """A chat's digest as its schedule would send it now: since its last digest (`fresh`: the
    last 24 hours, as `/digest` shows), with its settings, dated in its zone."""
    last = None if fresh else source.deliveries.last_digest_at(chat)
    return _plan(source.chats.settings(chat), last, now, default_zone)


def plan_chats(
    source: PlanSource, chats: Sequence[str], now: datetime, *, default_zone: str
) -> dict[str, DigestPlan]:
    """Each chat's plan as `plan_chat` makes it, read for all of them at once (three queries,
    not three per chat): how the scheduler plans a due minute."""
    settings = source.chats.settings_of(chats)
    last = source.deliveries.last_digests_at(chats)
    return {c: _plan(settings[c], last.get(c), now, default_zone) for c in chats}


def _plan(
    settings: ChatSettings, last: datetime | None, now: datetime, default_zone: str
) -> DigestPlan:
    """The one rule of a plan: since the last digest, the chat's settings, dated in its zone."""
    zone = settings.zone or default_zone
    day = now.astimezone(ZoneInfo(zone)).date()
    return DigestPlan(window_since(last, now), settings, day, zone)


def plan_recent(now: datetime, zone: str, settings: ChatSettings | None = None) -> DigestPlan:
    """The last 24 hours with default settings (the demo, `newsbot digest`)."""
    day = now.astimezone(ZoneInfo(zone)).date()
    return DigestPlan(now - DEFAULT_WINDOW, settings or ChatSettings(), day, zone)


def plan_day(day: date, zone: str, settings: ChatSettings | None = None) -> DigestPlan:
    """One calendar day in `zone` (`newsbot digest --date`).

    The day ends just before the next midnight: a date given without a time is stored as that
    day's midnight, and an article dated the 6th must not show on the 5th too.
    """
    since = datetime.combine(day, time(0), ZoneInfo(zone))
    next_day = datetime.combine(day + timedelta(days=1), time(0), ZoneInfo(zone))
    until = next_day - timedelta(microseconds=1)
    return DigestPlan(since, settings or ChatSettings(), day, zone, until)


def window_of(plans: Iterable[DigestPlan], now: datetime) -> tuple[datetime, datetime]:
    """The article window [since, until) that covers every plan (`until` exclusive)."""
    listed = list(plans)
    # A date alone is stored as Berlin's midnight: west of Berlin that is before the day begins.
    earliest = min(p.since - dates_lag(p.zone, p.since) for p in listed)
    latest = max((p.until or now) for p in listed)
    return earliest, latest + timedelta(seconds=1)


def load_pool(source: DigestSource, plans: Iterable[DigestPlan], now: datetime) -> StoryPool:
    """The stories of every plan's window: articles loaded and grouped once for all."""
    return StoryPool.of(source.articles.articles_since(*window_of(plans, now)))


def build_digests(
    source: DigestSource, plans: Mapping[str, DigestPlan], now: datetime
) -> dict[str, Digest]:
    """Each plan's digest: articles loaded and grouped once for all, equal plans cut once."""
    if not plans:
        return {}
    pool = load_pool(source, plans.values(), now)
    cache: dict[DigestPlan, Digest] = {}
    out: dict[str, Digest] = {}
    for key, plan in plans.items():
        if plan not in cache:
            cache[plan] = pool.cut(plan, now)
        out[key] = cache[plan]
    return out


@dataclass(frozen=True, slots=True)
class ChatDigest:
    """The digest a chat gets: the plan, the digest, and the reply in the chat's language.

    `wanted` is the empty rule: a digest without stories is sent only to chats that asked for
    empty ones (`/digest` shows it either way).
    """

    chat: str
    plan: DigestPlan
    digest: Digest
    reply: Reply

    @property
    def wanted(self) -> bool:
        """Whether the schedule sends it: it has stories, or the chat wants empty digests."""
        return bool(self.digest.stories) or self.plan.settings.send_empty


def late_note(reply: Reply, scheduled: datetime, zone: str, language: str) -> Reply:
    """The digest with a first paragraph saying it comes late, and when it was due."""
    when = scheduled.astimezone(ZoneInfo(zone)).strftime("%H:%M")
    note = (Span(t(language, "digest_late", time=when)),)
    return replace(reply, paragraphs=(note, *reply.paragraphs))


def for_chats(
    pool: StoryPool,
    plans: Mapping[str, DigestPlan],
    now: datetime,
    *,
    late: Mapping[str, datetime] | None = None,
    language: str | None = None,
) -> Iterator[ChatDigest]:
    """Each chat's digest cut from one pool, yielded as it is cut, so the first can be sent
    while the rest are built. `late` maps a chat to the time its digest was due (the note);
    `language` overrides the chats' own (a command answers in the reader's)."""
    late = late or {}
    for chat, plan in plans.items():
        lang = language or plan.settings.language
        due = late.get(chat)
        key = (plan, now, lang, due)
        known = pool._replies.get(key)
        if known is None:
            digest = pool._cuts.get((plan, now))
            if digest is None:
                digest = pool._cuts[plan, now] = pool.cut(plan, now)
            # Quiet and with previews as the chat chose, however the digest reaches it; a closed
            # window is one calendar day (`plan_day`).
            shown = render_digest(digest, lang, plan.zone, calendar_day=plan.until is not None)
            reply = as_push(shown, plan.settings)
            if due is not None:
                reply = late_note(reply, due, plan.zone, lang)
            known = pool._replies[key] = (digest, reply)
        yield ChatDigest(chat, plan, *known)


def for_chat(
    source: DigestSource,
    chat: str,
    now: datetime,
    *,
    default_zone: str,
    fresh: bool = False,
    language: str | None = None,
    day: date | None = None,
) -> ChatDigest:
    """The digest a chat gets now: since its last digest (`fresh`: the last 24 hours, as
    `/digest` shows), with its settings, dated in its zone; the same cut the scheduler sends.
    With a `day`: that calendar day's news in the chat's zone (`/digest gestern`)."""
    if day is None:
        plan = plan_chat(source, chat, now, default_zone=default_zone, fresh=fresh)
    else:
        settings = source.chats.settings(chat)
        plan = plan_day(day, settings.zone or default_zone, settings)
    pool = load_pool(source, [plan], now)
    return next(for_chats(pool, {chat: plan}, now, language=language))


def _links(group: Sequence[Article], order: Sequence[int]) -> tuple[Link, ...]:
    """One link per outlet (section feeds of a publisher are one), the first of `order` (best
    first) that outlet has; oldest first."""
    chosen: dict[str, Link] = {}
    for i in order:
        article = group[i]
        own = Link(article.source, article.title, article.url, article.published)
        for link in (own, *article.links):
            chosen.setdefault(publisher(link.name), link)
    far = datetime.max.replace(tzinfo=UTC)
    return tuple(sorted(chosen.values(), key=lambda link: (link.published or far, link.name)))


def _order(group: Sequence[Article]) -> list[int]:
    """The group's articles best headline first: plain headlines, most representative, newest.

    Articles far from the story's centre (a commentary or side piece that joined it) are left
    out of the order's head: they come last, so no entry speaks with them.
    """
    central = centrality(group)
    top = max(central, default=0.0)
    return sorted(
        range(len(group)),
        key=lambda i: (
            central[i] < VOICE_CENTRALITY * top,
            is_kicker(group[i].title),
            -central[i],
            -group[i].when.timestamp(),
        ),
    )


def _voice(group: Sequence[Article], order: Sequence[int]) -> int:
    """The article an entry speaks with (headline, summary and `/article`): the newest
    substantive report, so a developing story reads as it stands now.

    Substantive: a plain headline (not a kicker) and a summary as full as the group's fullest
    (up to two sentences); newest by its own date (an undated one only among undated ones);
    ties go to the better headline of `order`.
    """
    fullest = max(min(len(a.summary), MAX_SENTENCES) for a in group)
    wanted = min(fullest, 2)
    central = centrality(group)
    near = [i for i in order if central[i] >= VOICE_CENTRALITY * max(central)]
    full = (
        [
            i
            for i in near
            if not is_kicker(group[i].title) and min(len(group[i].summary), MAX_SENTENCES) >= wanted
        ]
        or [i for i in order if len(group[i].summary) >= wanted]
        or list(order)
    )
    rank = {i: k for k, i in enumerate(order)}
    # An undated report may be from any time before it was stored: a dated one is newer.
    return max(full, key=lambda i: (group[i].published is not None, group[i].when, -rank[i]))


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


# The lead: about the first three sentences, where a report says what it is about.
TOPIC_LEAD_CHARS = 400


@dataclass(frozen=True, slots=True)
class _TermIndex:
    """Every story's search terms turned round: term → stories, so a topic filter looks its
    words up instead of testing every story (`TextTerms.has` over the whole pool at once)."""

    exact: dict[str, frozenset[int]]
    # Long terms (compounds) sorted forwards and backwards with their story, for the prefix
    # and suffix matches `TextTerms.has` allows.
    heads: tuple[str, ...]
    head_stories: tuple[int, ...]
    tails: tuple[str, ...]
    tail_stories: tuple[int, ...]

    @classmethod
    def of(cls, terms: Sequence[TextTerms]) -> _TermIndex:
        """The index of each story's terms (story g has `terms[g]`)."""
        exact: dict[str, set[int]] = {}
        heads: list[tuple[str, int]] = []
        tails: list[tuple[str, int]] = []
        for g, found in enumerate(terms):
            for term in found.exact:
                exact.setdefault(term, set()).add(g)
            heads += ((h, g) for h in found.heads)
            tails += ((t, g) for t in found.tails)
        heads.sort()
        tails.sort()
        return cls(
            {k: frozenset(v) for k, v in exact.items()},
            tuple(h for h, _ in heads),
            tuple(g for _, g in heads),
            tuple(t for t, _ in tails),
            tuple(g for _, g in tails),
        )

    def stories(self, alternatives: Sequence[str]) -> set[int]:
        """The stories whose terms match one of a word's terms (as `TextTerms.has` decides)."""
        out: set[int] = set()
        for want in map(search_fold, alternatives):
            out |= self.exact.get(want, frozenset())
            if len(want) >= MIN_PART:
                out |= _prefixed(self.heads, self.head_stories, want)
                out |= _prefixed(self.tails, self.tail_stories, want[::-1])
        return out


def _prefixed(ordered: Sequence[str], stories: Sequence[int], prefix: str) -> set[int]:
    out: set[int] = set()
    i = bisect_left(ordered, prefix)
    while i < len(ordered) and ordered[i].startswith(prefix):
        out.add(stories[i])
        i += 1
    return out


def _terms(group: Sequence[Article]) -> TextTerms:
    """The search terms of what the group's articles are about: headline, summary and lead.

    A chat's topic (`/settings themen Rente`) picks a story about it, not a Christmas-market
    report that mentions "eine Rentnerin" once near its end.
    """
    return TextTerms.of(
        t
        for a in group
        for t in text_terms(f"{a.title}\n{' '.join(a.summary)}\n{a.body[:TOPIC_LEAD_CHARS]}")
    )


def _own_time(article: Article, zone: str) -> datetime | None:
    """The article's own date as the chat reads it (a date alone: that day in its zone)."""
    return None if article.published is None else in_zone(article.published, zone)


def _fresh_until(article: Article, now: datetime, zone: str) -> datetime | None:
    """The latest `since` for which `is_fresh(article, since, now, zone)` holds (None: never)."""
    times = [t for t in (_own_time(article, zone), article.fetched) if t is not None and t <= now]
    return max(times, default=None)


def is_fresh(article: Article, since: datetime, now: datetime, zone: str = DEFAULT_ZONE) -> bool:
    """New to a chat: its own date, or its first storing, within [since, now]."""
    own = _own_time(article, zone)
    if own is not None and since <= own <= now:
        return True
    return since <= article.fetched <= now


def is_older(group: Sequence[Article], since: datetime, zone: str) -> bool:
    """An older report, not news: every article carries an own date before `since` (it is in
    the window only because it was first stored there, as when a feed or folder is added)."""
    if any(a.published is None or a.published >= since for a in group):
        return False  # news, found without reading any date (the common case, cheap)
    return all(reported_before(a.published, since, zone) for a in group if a.published)


def score(group: Sequence[Article]) -> int:
    """How prominent a story is: the distinct outlets that carry it (editors lead with those)."""
    names = {a.source for a in group} | {link.name for a in group for link in a.links}
    return len({publisher(name) for name in names})


def to_story(group: Sequence[Article], sentences: int) -> Story:
    """One entry in one article's voice (headline, summary, `/article`: the newest substantive
    report), and every outlet once."""
    order = _order(group)
    best = group[_voice(group, order)]
    return Story(
        headline=plain_headline(best.title),
        summary=best.summary[: max(1, min(sentences, MAX_SENTENCES))],
        links=_links(group, order),
        # The lead article first: the digest entry's "/article N" shows it.
        article_ids=(best.id, *(a.id for a in group if a is not best)),
        latest=max(a.when for a in group),
        kicker=best.kicker,
        url=best.url,
    )


# Rank key of a story: outlets, latest article, newest first id, then the earlier group wins.
_Rank = tuple[int, datetime, int, int]


def _rank(group: Sequence[Article], index: int, now: datetime) -> _Rank:
    """The rank key of a story (or of its fresh part): most outlets, then freshness."""
    return (score(group), max(a.when for a in group), -group[0].id, -index)


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
class StoryPool:
    """A window's articles grouped into stories once, from which every chat's digest is cut."""

    groups: tuple[tuple[Article, ...], ...]
    # Memos, not state: the ranking per `now` (a run asks with one), each story's terms and
    # its entry when whole (most chats' top stories are the same).
    _rankings: dict[tuple[datetime, str], _Ranking] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _dates_alone: list[bool] = field(default_factory=list, init=False, repr=False, compare=False)
    _terms: dict[int, TextTerms] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _entries: dict[tuple[int, int], Story] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    # Each plan's digest and reply at a `now`: a burst's equal plans are cut and rendered once.
    _cuts: dict[tuple[DigestPlan, datetime], Digest] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _replies: dict[tuple[DigestPlan, datetime, str, datetime | None], tuple[Digest, Reply]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    # The term index (built at the first topic filter) and each filter's passing stories.
    _index: list[_TermIndex] = field(default_factory=list, init=False, repr=False, compare=False)
    _passing: dict[tuple[str, ...], tuple[_Keywords, set[int] | None, set[int]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _ranked_by_filter: dict[tuple[tuple[str, ...], datetime], tuple[tuple[_Rank, int], ...]] = (
        field(default_factory=dict, init=False, repr=False, compare=False)
    )

    # The stories holding an article of a chat's own feed (computed once, at the first cut).
    _own: list[frozenset[int]] = field(default_factory=list, init=False, repr=False, compare=False)

    def _own_feed_stories(self) -> frozenset[int]:
        """Stories that hold an article of a chat's own feed: cut per chat, like chosen outlets."""
        if not self._own:
            self._own.append(
                frozenset(
                    g
                    for g, group in enumerate(self.groups)
                    if any(a.chat_feed is not None for a in group)
                )
            )
        return self._own[0]

    @classmethod
    def of(cls, articles: Sequence[Article]) -> StoryPool:
        """Group articles into stories (the expensive step, done once per run)."""
        return cls(tuple(group_stories(articles)))

    def _ranking(self, now: datetime, zone: str = DEFAULT_ZONE) -> _Ranking:
        """Freshness bounds and the ranking of whole stories at `now` in a zone (computed once:
        the zone places dates given alone)."""
        if not self._has_dates_alone():
            zone = DEFAULT_ZONE  # no date to place: every zone ranks alike
        known = self._rankings.get((now, zone))
        if known is not None:
            return known
        first: list[datetime | None] = []
        last: list[datetime | None] = []
        ranked: list[tuple[_Rank, int]] = []
        spread: list[int] = []
        for g, group in enumerate(self.groups):
            bounds = [_fresh_until(a, now, zone) for a in group]
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
        self._rankings[now, zone] = ranking
        return ranking

    def _has_dates_alone(self) -> bool:
        """Whether any article gives a date without a time (whose day depends on the zone)."""
        if not self._dates_alone:
            self._dates_alone.append(
                any(
                    a.published is not None and date_only(a.published)
                    for g in self.groups
                    for a in g
                )
            )
        return self._dates_alone[0]

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

    def _filter(self, words: tuple[str, ...]) -> tuple[_Keywords, set[int] | None, set[int]]:
        """A topic filter's terms, the whole stories it lets in (None: any) and those it keeps
        out; looked up in the term index once per distinct filter."""
        known = self._passing.get(words)
        if known is not None:
            return known
        if not self._index:
            terms = [self._group_terms(g) for g in range(len(self.groups))]
            self._index.append(_TermIndex.of(terms))
        index, keywords = self._index[0], _Keywords.of(words)
        wanted: set[int] | None = None
        if keywords.wanted:
            wanted = set().union(*(index.stories(w) for w in keywords.wanted))
        unwanted = set().union(*(index.stories(u) for u in keywords.unwanted))
        self._passing[words] = (keywords, wanted, unwanted)
        return keywords, wanted, unwanted

    def _ranked_passing(
        self, words: tuple[str, ...], now: datetime
    ) -> tuple[tuple[_Rank, int], ...]:
        """The ranking at `now` cut to the whole stories a topic filter lets in, once per
        filter: a chat's cut then walks its few passing stories, not the whole ranking."""
        known = self._ranked_by_filter.get((words, now))
        if known is None:
            _, wanted, unwanted = self._filter(words)
            known = tuple(
                (rank, g)
                for rank, g in self._ranking(now).ranked
                if (wanted is None or g in wanted) and g not in unwanted
            )
            self._ranked_by_filter[words, now] = known
        return known

    def cut(self, plan: DigestPlan, now: datetime) -> Digest:
        """One plan's digest: stories with articles in its window, ranked, filtered, cut."""
        if plan.until is not None:
            now = min(now, plan.until)
        since, options, zone = plan.since, plan.settings, plan.zone
        ranking = self._ranking(now, zone)
        keywords: _Keywords | None = None
        wanted: set[int] | None = None
        unwanted: set[int] = set()
        ranked = ranking.ranked
        if options.keywords:
            keywords, wanted, unwanted = self._filter(options.keywords)
            if not options.sources:
                ranked = self._ranked_passing(options.keywords, now)
        chosen: list[tuple[_Rank, int, tuple[Article, ...] | None]] = []
        own = self._own_feed_stories()
        # Older reports first stored in the window follow the news; they take no news place.
        older: set[int] = set()
        # Whole stories come ranked: the first `stories` that pass are all a whole one can add.
        for rank, g in ranked:
            if len(chosen) - len(older) >= options.stories:
                break
            lo = ranking.first[g]
            if lo is None or since > lo:
                continue
            if options.sources or g in own:
                # Only the chosen outlets' articles (and of the chat's own feeds, never another
                # chat's): the story as they told it, if they did.
                part = tuple(a for a in self.groups[g] if options.sees(a))
                if not part:
                    continue
                if len(part) < len(self.groups[g]):
                    if keywords is None or keywords.match(_terms(part)):
                        chosen.append((rank, g, part))
                        if is_older(part, since, zone):
                            older.add(g)
                    continue
            if (wanted is None or g in wanted) and g not in unwanted:
                chosen.append((rank, g, None))
                if is_older(self.groups[g], since, zone):
                    older.add(g)
        # Stories straddling `since` enter with their fresh articles only, ranked as such.
        for g in ranking.spread:
            lo, hi = ranking.first[g], ranking.last[g]
            if hi is None or since > hi or (lo is not None and since <= lo):
                continue
            fresh = tuple(
                a for a in self.groups[g] if is_fresh(a, since, now, zone) and options.sees(a)
            )
            if not fresh:
                continue
            if keywords is None or keywords.match(_terms(fresh)):
                chosen.append((_rank(fresh, g, now), g, fresh))
                if is_older(fresh, since, zone):
                    older.add(g)
        chosen.sort(key=lambda c: (c[1] not in older, c[0]), reverse=True)
        entries: list[Story] = []
        for _, g, part_of in chosen[: options.stories]:
            entry = (
                self._entry(g, options.sentences)
                if part_of is None
                else to_story(part_of, options.sentences)
            )
            entries.append(replace(entry, older=True) if g in older else entry)
        return Digest(date=plan.day, stories=tuple(entries), since=since)


def to_json(digest: Digest) -> dict[str, Any]:
    """The digest as plain data: date, stories with headline, summary and sources."""
    return {
        "date": digest.date.isoformat(),
        "stories": [
            {
                "headline": story.headline,
                "kicker": story.kicker,
                "summary": " ".join(story.summary),
                "sources": [
                    {
                        "name": known_source(link.name),
                        "title": link.title,
                        "url": link.url,
                        "published": to_iso(link.published),
                    }
                    for link in story.links
                ],
            }
            for story in digest.stories
        ],
    }
