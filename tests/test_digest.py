"""Digest building: stories merged across sources, ranked, filtered, cut; JSON shape."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.digest import (
    DigestOptions,
    Stories,
    build_digest,
    plan_digest,
    to_json,
    window_since,
)
from bot.ingest.files import ingest_paths
from bot.records import Article, ChatSettings
from bot.store import Store
from tests.conftest import SEEDS

NOW = datetime(2025, 11, 10, 12, tzinfo=UTC)


def art(i: int, title: str, source: str, hours_ago: float, summary: str = "") -> Article:
    when = NOW - timedelta(hours=hours_ago)
    text = summary or f"{title} Bericht {i}."
    return Article(i, title, source, text, (text,), when, when, url=f"https://{source}/{i}")


def test_seeds_are_one_entry_with_two_sources(store: Store) -> None:
    list(ingest_paths(store, [SEEDS], NOW))
    digest = build_digest(
        store.latest(10), day=NOW.date(), since=NOW - timedelta(hours=24), now=NOW
    )
    assert len(digest.stories) == 1
    story = digest.stories[0]
    assert {link.name for link in story.links} == {"dpa", "TKP"}
    assert story.headline in {link.title for link in story.links}
    assert 1 <= len(story.summary) <= 3
    data = to_json(digest)
    assert data["date"] == "2025-11-10"
    assert set(data["stories"][0]) == {"headline", "summary", "sources"}
    assert set(data["stories"][0]["sources"][0]) == {"name", "title", "url", "published"}


def test_more_sources_rank_first_and_old_articles_stay_out() -> None:
    articles = [
        art(1, "Einzelmeldung zur Bahn", "a", 1),
        art(2, "Gipfel in Brüssel beschließt Klimapaket", "dpa", 3,
            "Die EU-Staaten einigen sich in Brüssel auf das Klimapaket mit Emissionshandel."),
        art(3, "EU-Gipfel in Brüssel einigt sich auf Klimapaket", "ZDF", 2,
            "In Brüssel beschließen die EU-Staaten das Klimapaket samt Emissionshandel."),
        art(4, "Alte Meldung", "a", 30),
    ]  # fmt: skip
    digest = build_digest(articles, day=NOW.date(), since=NOW - timedelta(hours=24), now=NOW)
    assert [len(s.links) for s in digest.stories] == [2, 1]
    assert all(4 not in s.article_ids for s in digest.stories)


def test_settings_cut_stories_sentences_and_filter_keywords() -> None:
    topics = ["Hafen", "Wahl", "Streik", "Ernte", "Brücke", "Museum", "Fußball"]
    articles = [
        art(i, f"{t} in Ort{i}", f"s{i}", i, f"Neues zu {t}.") for i, t in enumerate(topics, 1)
    ]
    stories = Stories.of(articles)
    since = NOW - timedelta(hours=24)
    three = stories.digest(day=NOW.date(), since=since, now=NOW, options=DigestOptions(stories=3))
    assert len(three.stories) == 3
    only = DigestOptions(keywords=("Wahlen",))
    assert [s.article_ids for s in stories.digest(day=NOW.date(), since=since, now=NOW,
                                                   options=only).stories] == [(2,)]  # fmt: skip
    without = DigestOptions(stories=10, keywords=("-wahl",))
    got = stories.digest(day=NOW.date(), since=since, now=NOW, options=without)
    assert len(got.stories) == 6


def test_empty_day_gives_empty_digest() -> None:
    digest = build_digest([], day=date(2025, 11, 10), since=NOW - timedelta(days=1), now=NOW)
    assert digest.stories == ()


def test_window_starts_at_last_digest_or_a_day_ago() -> None:
    assert window_since(None, NOW) == NOW - timedelta(hours=24)
    assert window_since(NOW - timedelta(hours=3), NOW) == NOW - timedelta(hours=3)
    assert window_since(NOW - timedelta(days=30), NOW) == NOW - timedelta(days=7)


def test_a_plan_carries_the_chats_settings_keywords_and_local_date() -> None:
    settings = ChatSettings(language="en", stories=3, sentences=1, send_empty=False)
    late = datetime(2025, 11, 11, 3, tzinfo=UTC)  # the 11th in Berlin, the 10th in New York
    plan = plan_digest(settings, ("wahl", "-sport"), "America/New_York", late)
    assert plan.options == DigestOptions(3, 1, ("wahl", "-sport"), send_empty=False)
    assert (plan.language, plan.day, plan.zone) == ("en", date(2025, 11, 10), "America/New_York")
    assert plan.since == late - timedelta(hours=24)
    berlin = plan_digest(settings, (), "Europe/Berlin", late, late - timedelta(hours=3))
    assert berlin.day == date(2025, 11, 11)
    assert berlin.since == late - timedelta(hours=3)
