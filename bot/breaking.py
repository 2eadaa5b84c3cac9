"""Breaking stories (pure): a story that many outlets take up within a short time of its first
report, and the short message ("Eilmeldung") a chat gets about it once.

The detector reads stories as `bot.stories.group_stories` forms them over a recent window. A
story breaks when its distinct outlets reach `Rule.sources` within `Rule.hours` of its first
report in the window, so a story that was already running before (its first report lies earlier)
never breaks again, and one that grows later is the same story: its identity is its article ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.digest import to_story
from bot.outlets import publisher
from bot.records import Article, ChatSettings, Reply, Span, Story
from bot.render import kicker_spans, source_name
from bot.stories import DEFAULT_TUNING, Tuning, group_stories
from bot.texts import t


@dataclass(frozen=True, slots=True)
class Rule:
    """When a story is breaking: `sources` distinct outlets within `hours` of its first report.

    Chosen by replaying a labelled day of eight outlets' front pages in time order
    (bench/breaking_replay.py, tests/test_breaking.py): 4 outlets within an hour fire for the
    day's two sudden big stories within a minute of their first report and for nothing else;
    within 2 hours they also fire for two running stories (Iran, a Kremlin accusation) 2-3 hours
    in; 3 outlets also fire for ordinary stories (an inauguration, a cabinet reshuffle).
    """

    sources: int = 4
    hours: float = 1.0
    # How far back stories are grouped: a story with a report older than its burst is running,
    # not breaking. A day, as the digest window.
    lookback_hours: float = 24.0

    @property
    def within(self) -> timedelta:
        """The time a story has from its first report to reach `sources` outlets."""
        return timedelta(hours=self.hours)

    @property
    def lookback(self) -> timedelta:
        """How far back articles are loaded and grouped."""
        return timedelta(hours=self.lookback_hours)


DEFAULT_RULE = Rule()
# The first reports of a sudden story share few words (each outlet has its own angle: the
# victims, the cause, a survivor), and the window's first hours hold few articles to tell
# which words matter. Linking from a cosine of 0.15 (the digest's 0.28) and joining stories
# whose centroids reach 0.15 (0.2) makes the burning bar's first four reports on the dev day
# (cosines 0.15-0.44) one story at once instead of after 78 minutes or four hours.
BREAKING_TUNING = replace(DEFAULT_TUNING, link=0.15, join=0.15)


@dataclass(frozen=True, slots=True)
class Breaking:
    """A story that broke: its digest entry (headline, one sentence, outlets), its article ids
    (the story's identity), when its first report came and when it reached the threshold, and
    its articles (what a chat that chose its outlets is told from)."""

    story: Story
    article_ids: frozenset[int]
    first: datetime
    broke: datetime
    articles: tuple[Article, ...]

    def as_seen(self, settings: ChatSettings) -> Story | None:
        """The story as the chat's digest tells it: by the articles of the outlets it chose
        (headline, sentence, outlets, `/article`); None when none of them reports it."""
        part = [a for a in self.articles if settings.sees(a)]
        if not part:
            return None
        return self.story if len(part) == len(self.articles) else to_story(part, 1)


def broke_at(group: Sequence[Article], rule: Rule = DEFAULT_RULE) -> datetime | None:
    """When the story reached `rule.sources` outlets within `rule.within` of its first report;
    None when it did not.

    Each article counts for its own outlet only: the outlets merged into it as links carry the
    same text (an agency report in the papers' wire channels), one report, not outlets taking
    the story up.
    """
    seen = sorted((a.when, publisher(a.source)) for a in group)
    if not seen:
        return None
    first = seen[0][0]
    outlets: set[str] = set()
    for when, outlet in seen:
        if when - first > rule.within:
            return None
        outlets.add(outlet)
        if len(outlets) >= rule.sources:
            return when
    return None


def breaking_stories(
    articles: Sequence[Article],
    now: datetime,
    rule: Rule = DEFAULT_RULE,
    tuning: Tuning = BREAKING_TUNING,
) -> list[Breaking]:
    """The stories among `articles` (a recent window, grouped here) that broke by `now` and are
    still fresh: they reached the threshold no longer than `rule.within` ago. Biggest first."""
    window = [a for a in articles if now - rule.lookback <= a.when <= now]
    out: list[Breaking] = []
    for group in group_stories(window, tuning):
        broke = broke_at(group, rule)
        if broke is None or now - broke > rule.within:
            continue
        first = min(a.when for a in group)
        ids = frozenset(a.id for a in group)
        out.append(Breaking(to_story(group, 1), ids, first, broke, tuple(group)))
    out.sort(key=lambda b: (-len(b.story.links), b.broke))
    return out


def is_announced(breaking: Breaking, announced: Iterable[int]) -> bool:
    """True when one of the story's articles was in a story already announced to the chat:
    later growth (or a regrouping) of an announced story never pings again."""
    return not breaking.article_ids.isdisjoint(announced)


def outlets(story: Story, language: str) -> str:
    """The story's outlets, oldest report first, each once."""
    names = dict.fromkeys(source_name(link.name, language) for link in story.links)
    return ", ".join(names)


def breaking_paragraphs(story: Story, language: str) -> tuple[tuple[Span, ...], ...]:
    """A breaking story in a few paragraphs: headline, one sentence, its outlets."""
    # The headline's own article, which `/article` shows; else the first report with a link.
    url = story.url or next((link.url for link in story.links if link.url), None)
    head = (
        Span(t(language, "breaking_head") + " "),
        *kicker_spans(story.kicker, story.headline),
        Span(story.headline, bold=True, url=url),
    )
    paragraphs: list[tuple[Span, ...]] = [head]
    if story.summary:
        paragraphs.append((Span(story.summary[0]),))
    shown = t(language, "breaking_outlets", outlets=outlets(story, language))
    read = t(language, "breaking_read_on", id=story.article_ids[0])
    paragraphs.append((Span(f"{shown} · {read}"),))
    return tuple(paragraphs)


def breaking_reply(story: Story, language: str) -> Reply:
    """The message a chat gets when a story breaks."""
    return Reply(breaking_paragraphs(story, language))
