"""Digest building: stories merged across sources, ranked, filtered, cut; JSON shape."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.commands import Context, handle
from bot.digest import DigestPlan, StoryPool, plan_chat, plan_chats, to_json, window_since
from bot.ingest.files import ingest_paths
from bot.records import Article, ChatSettings, Digest, NewArticle, Reply, Subscription
from bot.render import to_plain
from bot.store import Storage, Store
from tests.conftest import SEEDS
from tests.test_breaking import CARRIERS, WIRE, WIRE_LEAD


@pytest.fixture
def store(any_store: Storage) -> Storage:
    """This module's tests run on SQLite and on PostgreSQL."""
    return any_store


NOW = datetime(2025, 11, 10, 12, tzinfo=UTC)


def art(i: int, title: str, source: str, hours_ago: float, summary: str = "") -> Article:
    when = NOW - timedelta(hours=hours_ago)
    text = summary or f"{title} Bericht {i}."
    return Article(i, title, source, text, (text,), when, when, url=f"https://{source}/{i}")


def build_digest(
    articles: Sequence[Article],
    *,
    day: date,
    since: datetime,
    now: datetime,
    settings: ChatSettings | None = None,
) -> Digest:
    """The digest of a plan over these articles, cut as `bot.digest.build_digests` cuts it."""
    plan = DigestPlan(since, settings or ChatSettings(), day, "Europe/Berlin")
    return StoryPool.of(articles).cut(plan, now)


def test_seeds_are_one_entry_with_two_sources(store: Store) -> None:
    list(ingest_paths(store, [SEEDS], NOW))
    digest = build_digest(
        store.articles.latest(10), day=NOW.date(), since=NOW - timedelta(hours=24), now=NOW
    )
    assert len(digest.stories) == 1
    story = digest.stories[0]
    assert {link.name for link in story.links} == {"dpa", "TKP"}
    assert story.headline in {link.title for link in story.links}
    assert 1 <= len(story.summary) <= 3
    data = to_json(digest)
    assert data["date"] == "2025-11-10"
    assert set(data["stories"][0]) == {"headline", "kicker", "summary", "sources"}
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
    pool = StoryPool.of(articles)
    since = NOW - timedelta(hours=24)

    def cut(settings: ChatSettings) -> Digest:
        return pool.cut(DigestPlan(since, settings, NOW.date(), "Europe/Berlin"), NOW)

    assert len(cut(ChatSettings(stories=3)).stories) == 3
    only = ChatSettings(keywords=("Wahlen",))
    assert [s.article_ids for s in cut(only).stories] == [(2,)]
    without = ChatSettings(stories=10, keywords=("-wahl",))
    assert len(cut(without).stories) == 6


def test_empty_day_gives_empty_digest() -> None:
    digest = build_digest([], day=date(2025, 11, 10), since=NOW - timedelta(days=1), now=NOW)
    assert digest.stories == ()


def test_window_starts_at_last_digest_or_a_day_ago() -> None:
    assert window_since(None, NOW) == NOW - timedelta(hours=24)
    assert window_since(NOW - timedelta(hours=3), NOW) == NOW - timedelta(hours=3)
    assert window_since(NOW - timedelta(days=30), NOW) == NOW - timedelta(days=7)


def test_a_plan_carries_the_chats_settings_keywords_and_local_date(store: Store) -> None:
    chat = "telegram:5"
    late = datetime(2025, 11, 11, 3, tzinfo=UTC)  # the 11th in Berlin, the 10th in New York
    store.chats.subscribe(Subscription(chat, "07:00", "America/New_York"), late)
    store.chats.update_settings(chat, late, language="en", stories=3, sentences=1)
    store.chats.set_digest_keywords(chat, ("wahl", "-sport"), late)
    plan = plan_chat(store, chat, late, default_zone="Europe/Berlin")
    assert plan.settings == ChatSettings(
        "en", 3, 1, True, ("wahl", "-sport"), zone="America/New_York"
    )
    assert (plan.day, plan.zone) == (date(2025, 11, 10), "America/New_York")
    assert plan.since == late - timedelta(hours=24)
    store.deliveries.record_delivery(
        chat, date(2025, 11, 10), status="sent", at=late - timedelta(hours=3)
    )
    assert plan_chat(store, chat, late, default_zone="UTC").since == late - timedelta(hours=3)
    fresh = plan_chat(store, chat, late, default_zone="UTC", fresh=True)
    assert fresh.since == late - timedelta(hours=24)
    berlin = plan_chat(store, "telegram:6", late, default_zone="Europe/Berlin")
    assert (berlin.day, berlin.zone) == (date(2025, 11, 11), "Europe/Berlin")


def test_a_due_minute_planned_at_once_equals_each_chat_planned_alone(store: Store) -> None:
    late = datetime(2025, 11, 11, 3, tzinfo=UTC)
    chats = [f"telegram:{n}" for n in range(12)]
    for n, chat in enumerate(chats[:9]):
        zone = ("America/New_York", "Europe/Berlin", "Asia/Tokyo")[n % 3]
        store.chats.subscribe(Subscription(chat, "07:00", zone), late - timedelta(days=9))
        store.chats.update_settings(chat, late, stories=3 + n % 4, language=("de", "en")[n % 2])
    store.chats.set_digest_keywords(chats[1], ("wahl", "-sport"), late)
    store.chats.update_settings(chats[2], late, sources=("dpa",))
    store.deliveries.record_delivery(
        chats[0], "2025-11-10", status="sent", at=late - timedelta(hours=3)
    )
    store.deliveries.record_delivery(
        chats[3], "2025-11-02", status="sent", at=late - timedelta(days=9)
    )
    store.deliveries.record_delivery(chats[4], "2025-11-10", status="failed", at=late)
    store.deliveries.digest_shown(chats[5], late - timedelta(hours=1))
    store.chats.ensure_chat(chats[10], late)  # a chat without a subscription; 11: never seen
    together = plan_chats(store, chats, late, default_zone="Europe/Berlin")
    alone = {c: plan_chat(store, c, late, default_zone="Europe/Berlin") for c in chats}
    assert together == alone
    assert together[chats[0]].since == late - timedelta(hours=3)
    assert together[chats[3]].since == late - timedelta(days=7)  # never over a week
    assert together[chats[4]].since == late - timedelta(hours=24)  # a failed one is no digest
    assert together[chats[5]].since == late - timedelta(hours=1)
    assert together[chats[11]].zone == "Europe/Berlin"
    assert {p.day for p in together.values()} == {date(2025, 11, 10), date(2025, 11, 11)}


def test_a_topic_filter_by_the_term_index_lets_in_what_matching_each_story_does() -> None:
    from bot.alerts import alert_matches

    texts = [
        ("Bahnstreik legt den Fernverkehr lahm", "dpa"),
        ("Streik bei der Bahn: Pendler warten", "SZ"),
        ("Neue Häuser am Hafen geplant", "taz"),
        ("Hausbau wird teurer", "FAZ"),
        ("Venezuela bittet Russland um Hilfe", "ZDF"),
        ("Stadtrat beschließt Radwege", "taz"),
        ("Klimagipfel ohne Einigung", "dpa"),
        ("Energiepreise steigen wieder", "SZ"),
    ]
    articles = [art(i, title, src, i) for i, (title, src) in enumerate(texts, 1)]
    pool = StoryPool.of(articles)
    for keywords in (
        ("bahn",), ("haus",), ("-bahn",), ("streik", "-bahn"), ("energie", "klima"),
        ("venezuela",), ("hafen", "-häuser"), ("preise",),
    ):  # fmt: skip
        settings = ChatSettings(stories=50, keywords=keywords)
        plan = DigestPlan(NOW - timedelta(hours=24), settings, NOW.date(), "Europe/Berlin")
        shown = {s.article_ids[0] for s in pool.cut(plan, NOW).stories}
        wanted = [k for k in keywords if not k.startswith("-")]
        unwanted = [k[1:] for k in keywords if k.startswith("-")]
        # What each story passes on its own, as search matches it (any word, no excluded one).
        expected = {
            a.id
            for a in articles
            if (not wanted or any(alert_matches((w,), f"{a.title}\n{a.body}") for w in wanted))
            and not any(alert_matches((u,), f"{a.title}\n{a.body}") for u in unwanted)
        }
        assert shown == expected, keywords


def test_a_chat_that_chose_a_paper_gets_the_agency_report_that_paper_carried(
    store: Store,
) -> None:
    """A dpa text the Süddeutsche carried word for word is stored once, the SZ as a further
    source: a chat reading the SZ alone gets it, as the SZ's own reader would."""
    ids = set()
    for n, (source, title, url) in enumerate(CARRIERS):
        at = NOW - timedelta(minutes=30 - n)
        ids.add(
            store.articles.add_article(NewArticle(title, source, WIRE, (WIRE_LEAD,), at, url), at)[
                1
            ]
        )
    [wire] = ids
    store.chats.update_settings("telegram:1", NOW, sources=("Süddeutsche Zeitung",))
    reply = handle("/digest", Context("telegram:1", NOW, "telegram:5"), store)
    assert isinstance(reply, Reply)
    shown = to_plain(reply)
    assert "1. Niedersachsen fördert Wärmepumpen" in shown, shown
    assert "Süddeutsche Zeitung" in shown
    assert f"/article {wire}" in shown
