"""The store's parts as a contract, on SQLite and on PostgreSQL alike: what each method gives
back after the writes a bot makes (the behaviour the rest of the bot relies on)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.query import parse_query
from bot.records import Button, Link, NewArticle, Reply, Span, Subscription
from bot.store import PushLeft, Storage
from bot.store.deliveries import DeliveryEnd, DeliveryRow

NOW = datetime(2025, 11, 10, 12, 0, tzinfo=UTC)
DAY = date(2025, 11, 10)


@pytest.fixture
def store(any_store: Storage) -> Storage:
    return any_store


def article(n: int, *, origin: str | None = None, hours: int = 0) -> NewArticle:
    words = ["Hochwasser", "Bahnstreik", "Haushaltsstreit", "Wahlkampf", "Klimagipfel"]
    return NewArticle(
        title=f"{words[n % 5]} Nummer {n}",
        source=["dpa", "Reuters"][n % 2],
        body=f"Bericht {n}: {words[n % 5]} beschäftigt das Land. " * 3 + f"Kennung{n}x.",
        summary=(),
        published=NOW - timedelta(hours=hours or n),
        url=f"https://example.org/{n}",
        origin=origin,
    )


def test_articles_are_listed_looked_up_seen_and_summarized(store: Storage) -> None:
    ids = [store.articles.add_article(article(n, origin=f"file:{n}"), NOW)[1] for n in range(5)]
    assert store.articles.count_articles() == 5
    assert [a.id for a in store.articles.latest(3)] == ids[:3]
    assert [a.id for a in store.articles.articles_by_id([ids[3], ids[1], 999])] == [
        ids[1],
        ids[3],
    ]
    since = store.articles.articles_since(NOW - timedelta(hours=2, minutes=30), NOW)
    assert {a.id for a in since} >= {ids[1], ids[2]}
    assert store.articles.seen(["file:1", "file:9"]) == {"file:1": ids[1]}
    store.articles.mark_seen("file:9", "skipped", NOW)
    assert store.articles.seen(["file:9"]) == {"file:9": None}
    assert [a.id for a in store.articles.unsummarized(2)] == ids[:2]
    store.articles.set_summary(ids[0], ["Ein Satz."])
    assert store.articles.article(ids[0]).summary == ("Ein Satz.",)  # type: ignore[union-attr]
    assert [a.id for a in store.articles.iter_articles()] == ids
    assert store.articles.last_ingest() == NOW
    store.articles.add_links(ids[2], [Link("AFP", "Anders betitelt", "https://afp.example", NOW)])
    assert [link.name for link in store.articles.article(ids[2]).links] == ["AFP"]  # type: ignore[union-attr]
    assert store.articles.article(12345) is None


def test_search_filters_by_source_date_and_excluded_words(store: Storage) -> None:
    for n in range(10):
        store.articles.add_article(article(n, hours=n * 24 + 1), NOW)
    every = store.index.search(parse_query("Hochwasser"), 10, now=NOW)
    assert [h.article.title for h in every.hits] == ["Hochwasser Nummer 0", "Hochwasser Nummer 5"]
    only = store.index.search(parse_query("Hochwasser quelle:REUTERS"), 10, now=NOW)
    assert [h.article.source for h in only.hits] == ["Reuters"]
    recent = store.index.search(parse_query("seit:8.11.2025", NOW), 10, now=NOW)
    assert [h.article.title for h in recent.hits] == [
        "Hochwasser Nummer 0",
        "Bahnstreik Nummer 1",
        "Haushaltsstreit Nummer 2",
    ]
    without = store.index.search(parse_query("Nummer -Hochwasser -Wahlkampf"), 20, now=NOW)
    assert without.total == 6
    # A compound's part finds it: Streit → Haushaltsstreit.
    assert store.index.search(parse_query("Streit"), 5, now=NOW).total == 2


def test_chats_keep_settings_subscriptions_alerts_and_state(store: Storage) -> None:
    assert store.chats.has_chat("tg:1") is False
    settings = store.chats.update_settings("tg:1", NOW, language="en", stories=3, breaking=True)
    assert (settings.language, settings.stories, settings.breaking) == ("en", 3, True)
    assert store.chats.chat_language("tg:1") == "en"
    store.chats.subscribe(Subscription("tg:1", "07:30", "Europe/Berlin"), NOW)
    store.chats.subscribe(Subscription("tg:1", "08:00", "Europe/Vienna"), NOW)
    assert [(s.time, s.timezone) for s in store.chats.subscriptions()] == [
        ("08:00", "Europe/Vienna")
    ]
    assert store.chats.settings("tg:1").zone == "Europe/Vienna"
    first = store.chats.add_alert("tg:1", ("bahn", "streik"), NOW)
    second = store.chats.add_alert("tg:1/7", ("wahl",), NOW)
    assert [a.words for a in store.chats.alerts()] == [("bahn", "streik"), ("wahl",)]
    assert store.chats.remove_alert("tg:2", first) is False
    assert store.chats.remove_alert("tg:1", first) is True
    store.chats.set_digest_keywords("tg:1", ["klima", "-sport"], NOW)
    assert store.chats.digest_keywords("tg:1") == ("klima", "-sport")
    store.chats.remember_search("tg:1", "Bahn „Streik“", 2)
    assert store.chats.last_search("tg:1") == ("Bahn „Streik“", 2)
    store.chats.save_state("sync", "s1")
    store.chats.save_state("sync", "s2")
    assert store.chats.load_state("sync") == "s2"
    store.chats.save_state("sync", None)
    assert store.chats.load_state("sync") is None
    assert store.chats.forget_chat("tg:1") is True
    assert store.chats.subscription("tg:1") is None
    assert store.chats.alerts() == []
    assert store.chats.last_search("tg:1") is None
    assert store.chats.settings("tg:1").breaking is False
    assert second not in [a.id for a in store.chats.alerts()]
    assert store.chats.unsubscribe("tg:1") is False


def test_a_moved_chat_keeps_everything_under_its_new_key(store: Storage) -> None:
    store.chats.update_settings("tg:-1", NOW, stories=7)
    store.chats.subscribe(Subscription("tg:-1", "06:00", "UTC"), NOW)
    store.chats.add_alert("tg:-1", ("gas",), NOW)
    store.deliveries.record_delivery("tg:-1", DAY, status="sent", at=NOW)
    store.chats.remember_search("tg:-1", "Gas", 1)
    store.chats.move_chat("tg:-1", "tg:-100")
    assert store.chats.has_chat("tg:-1") is False
    assert store.chats.settings("tg:-100").stories == 7
    assert store.chats.subscription("tg:-100") is not None
    assert [a.chat for a in store.chats.alerts()] == ["tg:-100"]
    assert store.deliveries.delivery_status("tg:-100", DAY) == "sent"
    assert store.chats.last_search("tg:-100") == ("Gas", 1)


def test_deliveries_are_claimed_once_finished_and_abandoned(store: Storage) -> None:
    assert store.deliveries.claim_delivery("tg:1", DAY, at=NOW) is True
    assert store.deliveries.claim_delivery("tg:1", DAY, at=NOW) is False
    assert store.deliveries.claim_delivery("tg:2", DAY, at=NOW) is True
    store.deliveries.finish_delivery("tg:1", DAY, status="sent", at=NOW)
    assert store.deliveries.delivery_status("tg:1", DAY) == "sent"
    assert store.deliveries.last_digest_at("tg:1") == NOW
    assert store.deliveries.abandon_unfinished(NOW) == [("tg:2", DAY.isoformat())]
    assert store.deliveries.delivery_status("tg:2", DAY) == "unknown"
    assert store.deliveries.failed_delivery_count(NOW - timedelta(days=1)) == 1
    assert [f.chat for f in store.deliveries.failed_deliveries(NOW - timedelta(days=1))] == ["tg:2"]
    later = NOW + timedelta(hours=3)
    store.deliveries.digest_shown("tg:1", later)
    assert store.deliveries.last_digest_at("tg:1") == later


def test_a_batch_of_claims_takes_only_what_no_one_logged_and_ends_together(
    store: Storage,
) -> None:
    # Logged before the batch: a sent one, and one another process claims right now.
    store.deliveries.record_delivery("tg:1", DAY, status="sent", at=NOW)
    store.deliveries.claim_delivery("tg:2", DAY, at=NOW)
    later = f"{DAY.isoformat()}T18:00"
    claims = [
        DeliveryRow("tg:1", DAY, "sending", NOW),
        DeliveryRow("tg:2", DAY, "sending", NOW),
        DeliveryRow("tg:3", DAY, "sending", NOW),
        DeliveryRow("tg:1", later, "sending", NOW),  # the evening digest is its own
        DeliveryRow("tg:-100/7", DAY),
        DeliveryRow("tg:4", DAY, "missed", NOW, "missed by 7:00:00"),
    ]
    taken = store.deliveries.record_deliveries(claims, at=NOW)
    assert taken == {
        ("tg:3", "2025-11-10"),
        ("tg:1", later),
        ("tg:-100/7", "2025-11-10"),
        ("tg:4", "2025-11-10"),
    }
    assert store.deliveries.record_deliveries(claims, at=NOW) == set()  # each once
    assert store.deliveries.record_deliveries([], at=NOW) == set()
    assert store.deliveries.delivery_status("tg:3", DAY) == "sending"
    ends = [DeliveryEnd("tg:3", DAY, "sent"), DeliveryEnd("tg:1", later, "gone", "blocked")]
    store.deliveries.finish_deliveries(ends, at=NOW + timedelta(minutes=1))
    store.deliveries.finish_deliveries([], at=NOW)
    assert store.deliveries.delivery_status("tg:3", DAY) == "sent"
    assert store.deliveries.delivery_status("tg:1", later) == "gone"
    assert store.deliveries.delivery_status("tg:-100/7", DAY) == "sending"
    failed = store.deliveries.failed_deliveries(NOW - timedelta(days=1))
    assert {(f.chat, f.digest_date, f.status, f.note) for f in failed} == {
        ("tg:1", later, "gone", "blocked"),
        ("tg:2", "2025-11-10", "sending", ""),
        ("tg:-100/7", "2025-11-10", "sending", ""),
        ("tg:4", "2025-11-10", "missed", "missed by 7:00:00"),
    }


def test_many_chats_settings_and_last_digests_read_at_once_equal_each_read_alone(
    store: Storage,
) -> None:
    store.chats.update_settings("tg:1", NOW, language="en", stories=3, sources=("dpa", "ZDF"))
    store.chats.set_digest_keywords("tg:1", ["rente", "-fussball"], NOW)
    store.chats.subscribe(Subscription("tg:2", "07:00", "America/New_York"), NOW)
    store.chats.update_settings("tg:2", NOW, silent=True, previews=True, send_empty=False)
    store.chats.ensure_chat("tg:3", NOW)
    for chat, url, active in (
        ("tg:1", "https://a.example/feed", True),
        ("tg:1", "https://b.example/feed", True),
        ("tg:3", "https://a.example/feed", True),
        ("tg:3", "https://c.example/feed", False),  # waits for an operator: not read yet
    ):
        store.chat_feeds.add(chat, url, NOW, title=None, user="", active=active)
    store.deliveries.record_delivery("tg:1", DAY, status="sent", at=NOW - timedelta(hours=5))
    store.deliveries.record_delivery("tg:1", DAY + timedelta(days=1), status="failed", at=NOW)
    store.deliveries.record_delivery("tg:2", DAY, status="sent", at=NOW - timedelta(hours=9))
    store.deliveries.digest_shown("tg:2", NOW - timedelta(hours=2))
    store.deliveries.digest_shown("tg:3", NOW - timedelta(hours=1))
    chats = ["tg:1", "tg:2", "tg:3", "tg:never", "tg:1"]
    settings = store.chats.settings_of(chats)
    assert settings == {c: store.chats.settings(c) for c in chats}
    assert settings["tg:1"].keywords == ("rente", "-fussball")
    assert settings["tg:2"].zone == "America/New_York"
    assert len(settings["tg:1"].feeds) == 2
    assert settings["tg:3"].feeds == settings["tg:1"].feeds[:1]
    assert settings["tg:2"].feeds == ()
    assert settings["tg:never"] == store.chats.settings("tg:never")
    last = store.deliveries.last_digests_at(chats)
    assert last == {
        "tg:1": NOW - timedelta(hours=5),
        "tg:2": NOW - timedelta(hours=2),
        "tg:3": NOW - timedelta(hours=1),
    }
    assert all(last.get(c) == store.deliveries.last_digest_at(c) for c in chats)
    assert store.chats.settings_of([]) == {}
    assert store.deliveries.last_digests_at([]) == {}


def test_archive_keeps_each_digest_as_sent_and_prunes_old_ones(store: Storage) -> None:
    reply = Reply(
        ((Span("Guten Morgen", bold=True), Span(" – fünf Themen", url="https://x.example")),),
        (Button("Mehr", "/more"),),
    )
    store.archive.archive_digest("tg:1", DAY - timedelta(days=40), reply, NOW - timedelta(days=40))
    store.archive.archive_digest("tg:1", DAY, reply, NOW)
    latest = store.archive.archived_digest("tg:1")
    assert latest is not None
    assert (latest.date, latest.sent, latest.reply) == (DAY, NOW, reply)
    assert store.archive.prune_archive(NOW - timedelta(days=30)) == 1
    assert store.archive.archived_digest("tg:1", DAY - timedelta(days=40)) is None


ALERT = Reply(((Span("Alarm: ", bold=True), Span("Hochwasser", url="https://x.example")),))
BREAKING = Reply(((Span("Eilmeldung"),),), (Button("Mehr", "/more"),))


def test_pushes_plan_a_breaking_story_and_an_alert_once(store: Storage) -> None:
    store.chats.update_settings("tg:1", NOW, breaking=True)
    store.chats.update_settings("tg:2", NOW)
    assert store.pushes.breaking_chats() == ["tg:1"]
    assert store.pushes.plan_breaking("tg:1", [3, 4], 1, BREAKING, NOW, NOW) is True
    # The same story, grown or regrouped, is not planned again for the chat.
    assert store.pushes.plan_breaking("tg:1", [4, 5], 2, BREAKING, NOW, NOW) is False
    assert store.pushes.told_breaking("tg:1", [5, 3]) is True
    assert store.pushes.told_breaking("tg:2", [3]) is False
    assert store.pushes.has_alert_hit([1, 2], 10) is False
    assert store.pushes.plan_alert("tg:2", [1, 2], 10, ALERT, NOW, NOW) is True
    assert store.pushes.plan_alert("tg:2", [2], 10, ALERT, NOW, NOW) is False
    assert store.pushes.has_alert_hit([2, 3], 10) is True
    due = store.pushes.due(NOW)
    assert [(p.chat, p.kind, p.key, p.reply, p.due, p.held) for p in due] == [
        ("tg:1", "breaking", "breaking:1", BREAKING, NOW, False),
        ("tg:2", "alert", "alert:10", ALERT, NOW, False),
    ]


def test_pushes_held_through_quiet_hours_come_due_when_they_end(store: Storage) -> None:
    store.pushes.plan_alert("tg:1", [1], 10, ALERT, NOW + timedelta(hours=2), NOW)
    store.pushes.plan_alert("tg:1", [1], 11, ALERT, NOW + timedelta(hours=1), NOW)
    assert store.pushes.due(NOW) == []
    due = store.pushes.due(NOW + timedelta(hours=1))
    assert [(p.key, p.held, p.due) for p in due] == [("alert:11", True, NOW + timedelta(hours=1))]
    # Oldest planned first, as they were written.
    assert [p.key for p in store.pushes.due(NOW + timedelta(hours=2))] == ["alert:10", "alert:11"]


def test_pushes_are_claimed_once_all_or_none_and_finished(store: Storage) -> None:
    for article_id in (10, 11, 12):
        store.pushes.plan_alert("tg:1", [1], article_id, ALERT, NOW, NOW)
    a, b, c = (p.id for p in store.pushes.due(NOW))
    assert store.pushes.claim([a, b], NOW) is True
    assert store.pushes.claim([a], NOW) is False
    # One of them taken: none is claimed, so `c` is still free for its own attempt.
    assert store.pushes.claim([b, c], NOW) is False
    assert [p.id for p in store.pushes.due(NOW)] == [c]
    store.pushes.finish([a], "sent", NOW)
    store.pushes.finish([b], "failed", NOW, "403 Forbidden")
    assert store.pushes.claim([c], NOW) is True
    store.pushes.finish([c], "sent", NOW)
    assert store.pushes.due(NOW + timedelta(days=1)) == []
    assert store.pushes.claim([a], NOW) is False
    # Nothing claimed is left `sending`, so a restart finds nothing cut off.
    assert store.pushes.abandon_unfinished(NOW) == []


def test_pushes_cut_off_become_unknown_and_old_ones_are_dropped(store: Storage) -> None:
    early, late = NOW - timedelta(hours=5), NOW - timedelta(minutes=5)
    store.pushes.plan_alert("tg:1", [1], 10, ALERT, early, early)
    store.pushes.plan_alert("tg:1", [1], 11, ALERT, early, early)
    store.pushes.plan_breaking("tg:2", [20], 7, BREAKING, late, late)
    first = store.pushes.due(NOW)[0]
    assert store.pushes.claim([first.id], early) is True
    # A restart: the push cut off mid-attempt is never resent.
    assert store.pushes.abandon_unfinished(NOW) == [PushLeft("tg:1", "alert:10", early)]
    assert store.pushes.abandon_unfinished(NOW) == []
    assert store.pushes.claim([first.id], NOW) is False
    dropped = store.pushes.drop_stale(NOW - timedelta(hours=1), NOW)
    assert dropped == [PushLeft("tg:1", "alert:11", early)]
    assert store.pushes.drop_stale(NOW - timedelta(hours=1), NOW) == []
    assert [p.key for p in store.pushes.due(NOW)] == ["breaking:7"]
    assert store.stats(NOW).pushes_dropped_24h == 1
    assert store.stats(NOW + timedelta(days=2)).pushes_dropped_24h == 0


def test_a_gone_chat_gets_none_of_its_planned_pushes(store: Storage) -> None:
    store.chats.add_alert("tg:1", ("hochwasser",), NOW)
    store.pushes.plan_alert("tg:1", [1], 10, ALERT, NOW, NOW)
    store.pushes.plan_alert("tg:1/5", [1], 11, ALERT, NOW, NOW)
    store.pushes.plan_alert("tg:2", [2], 10, ALERT, NOW, NOW)
    assert store.chats.forget_chat("tg:1") is True
    assert [p.chat for p in store.pushes.due(NOW)] == ["tg:2"]


def test_subscriptions_come_due_by_their_next_digest_time(store: Storage) -> None:
    for chat in ("tg:1", "tg:2", "tg:3"):
        store.chats.subscribe(Subscription(chat, "07:00", "Europe/Berlin"), NOW)
    # Not computed yet: every new subscription is due, so the next tick computes it.
    assert [s.chat for s in store.chats.due_subscriptions(NOW)] == ["tg:1", "tg:2", "tg:3"]
    assert store.chats.next_due_at("tg:1") is None
    store.chats.set_next_due(
        {"tg:1": NOW + timedelta(hours=1), "tg:2": NOW, "tg:3": NOW + timedelta(days=1)}
    )
    assert [s.chat for s in store.chats.due_subscriptions(NOW)] == ["tg:2"]
    assert [s.chat for s in store.chats.due_subscriptions(NOW + timedelta(hours=1))] == [
        "tg:1",
        "tg:2",
    ]
    assert store.chats.next_due_at("tg:1") == NOW + timedelta(hours=1)
    # A changed subscription is computed afresh.
    store.chats.subscribe(Subscription("tg:3", "18:00", "Europe/Berlin"), NOW)
    assert store.chats.next_due_at("tg:3") is None
    assert [s.chat for s in store.chats.due_subscriptions(NOW)] == ["tg:2", "tg:3"]
    store.chats.unsubscribe("tg:2")
    assert [s.chat for s in store.chats.due_subscriptions(NOW)] == ["tg:3"]
    assert store.chats.next_due_at("tg:2") is None


def test_stats_and_check_count_what_is_stored(store: Storage) -> None:
    for n in range(3):
        store.articles.add_article(article(n), NOW)
    store.feeds.add_feed("https://example.org/feed", NOW)
    store.chats.subscribe(Subscription("tg:1", "07:00", "UTC"), NOW)
    stats = store.stats(NOW)
    assert (stats.articles, stats.articles_24h, stats.sources, stats.feeds) == (3, 3, 2, 1)
    assert (stats.chats, stats.subscriptions, stats.last_ingest) == (1, 1, NOW)
    assert stats.database_bytes > 0
    assert store.check() == 3


def test_a_transaction_over_parts_is_undone_as_one(store: Storage) -> None:
    def change_then_fail() -> None:
        with store.transaction():
            store.chats.update_settings("tg:1", NOW, stories=2)
            store.feeds.add_feed("https://example.org/feed", NOW)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        change_then_fail()
    assert store.chats.has_chat("tg:1") is False
    assert store.feeds.all() == []
