"""The SQLite store: file settings, migrations, duplicate detection and the feed list."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from bot.query import parse_query
from bot.records import NewArticle
from bot.store import Storage, Store
from bot.store.migrations import migrate, migrations
from tests.fakes.feed_site import german_text

NOW = datetime(2025, 11, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(any_store: Storage) -> Storage:
    """The part tests here run on SQLite and on PostgreSQL."""
    return any_store


def make(
    title: str = "Hochwasser am Rhein",
    body: str | None = None,
    *,
    source: str = "dpa",
    url: str | None = None,
) -> NewArticle:
    return NewArticle(
        title=title,
        source=source,
        body=body if body is not None else german_text(random.Random(title), 80),
        summary=(),
        published=NOW - timedelta(hours=2),
        url=url,
    )


def test_file_database_uses_wal_and_foreign_keys(db_path: Path) -> None:
    store = Store.open(db_path)
    try:
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    finally:
        store.close()


def test_migrations_apply_once_and_reopening_keeps_data(db_path: Path, memory_db: Database) -> None:
    store = Store.open(db_path)
    _, article_id = store.articles.add_article(make(), NOW)
    store.close()
    store = Store.open(db_path)
    try:
        applied = [
            r[0] for r in store.db.execute("SELECT name FROM _sqlite_migrations ORDER BY id")
        ]
        assert applied == [m.name for m in migrations.applied(store.db)]
        assert len(applied) == len(set(applied)) == len(migrations.pending(memory_db))
        assert migrations.pending(store.db) == []
        assert store.articles.count_articles() == 1
        assert [h.article.id for h in store.index.search(parse_query("Hochwasser"), 5).hits] == [
            article_id
        ]
    finally:
        store.close()


def test_upgrade_keeps_older_articles_searchable(memory_db: Database) -> None:
    db = memory_db
    migrations.apply(db, stop_before="m005_stem_index")
    db.table("articles").insert(
        {
            "title": "Neue Luftabwehrsysteme für Kiew",
            "source": "dpa",
            "body": "Die Raketen kamen über die Straße.",
            "fetched": NOW.isoformat(),
            "published": NOW.isoformat(),
            "content_hash": "x",
        }
    )
    migrate(db)
    store = Store(db)
    for text in ("Rakete", "Strasse", "Luftabwehr", "Systeme"):
        assert store.index.search(parse_query(text), 5, now=NOW).total == 1, text
    db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")


def test_same_url_with_tracking_parameters_is_a_duplicate(store: Store) -> None:
    first = store.articles.add_article(
        make("Erster Bericht", url="https://www.example.org/politik/a.html?id=7"), NOW
    )
    again = store.articles.add_article(
        make(
            "Erster Bericht, aktualisiert",
            url="http://example.org/politik/a.html?utm_source=rss&id=7&fbclid=x#kommentare",
        ),
        NOW,
    )
    other = store.articles.add_article(
        make("Anderer Bericht", url="https://example.org/politik/a.html?id=8"), NOW
    )
    assert first[0] == "added"
    assert again == ("duplicate", first[1])
    assert other[0] == "added"
    assert store.articles.has_url("https://example.org/politik/a.html?id=7&utm_medium=feed")
    assert store.articles.count_articles() == 2


def test_same_text_under_another_url_is_a_duplicate(store: Store) -> None:
    body = german_text(random.Random(3), 60)
    first = store.articles.add_article(
        make("Streik bei der Bahn", body, url="https://a.example/1"), NOW
    )
    again = store.articles.add_article(
        make("Streik  bei der  Bahn", "  " + body.upper(), url="https://b.example/2"), NOW
    )
    assert again == ("duplicate", first[1])
    assert store.articles.count_articles() == 1


def test_near_duplicate_from_another_source_is_one_article_with_two_links(
    store: Store,
) -> None:
    body = german_text(random.Random(5), 150)
    sentences = body.split(". ")
    edited = ". ".join([*sentences[:-2], "Die Agentur ergänzte eine Stellungnahme"])
    status, article_id = store.articles.add_article(make("Kanzler reist nach Paris", body), NOW)
    again = store.articles.add_article(
        make("Scholz in Paris eingetroffen", edited, source="Reuters", url="https://r.example/1"),
        NOW,
    )
    assert status == "added"
    assert again == ("duplicate", article_id)
    stored = store.articles.article(article_id)
    assert stored is not None
    assert stored.title == "Kanzler reist nach Paris"
    assert [link.name for link in stored.links] == ["Reuters"]
    assert store.articles.count_articles() == 1


def test_different_stories_are_kept_apart(store: Store) -> None:
    a = store.articles.add_article(make("Wahl in Hessen", german_text(random.Random(1), 150)), NOW)
    b = store.articles.add_article(make("Wahl in Bayern", german_text(random.Random(2), 150)), NOW)
    assert a[0] == b[0] == "added"
    assert a[1] != b[1]


def test_storing_a_summary_keeps_the_article_searchable(store: Store) -> None:
    _, article_id = store.articles.add_article(make("Sturmflut an der Nordsee"), NOW)
    store.articles.set_summary(article_id, ["Eine Sturmflut traf die Küste."])
    page = store.index.search(parse_query("Sturmflut"), 5, now=NOW)
    assert [h.article.summary for h in page.hits] == [("Eine Sturmflut traf die Küste.",)]
    if isinstance(store, Store):
        store.db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")


def test_feeds_are_added_once_listed_in_order_and_removed(store: Store) -> None:
    first = store.feeds.add_feed("https://www.tagesschau.de/xml/rss2 ", NOW)
    second = store.feeds.add_feed("https://www.spiegel.de/schlagzeilen/index.rss", NOW, "Spiegel")
    again = store.feeds.add_feed("https://www.tagesschau.de/xml/rss2", NOW, "Tagesschau")
    assert again.id == first.id
    assert again.title == "Tagesschau"
    assert [f.url for f in store.feeds.all()] == [
        "https://www.tagesschau.de/xml/rss2",
        "https://www.spiegel.de/schlagzeilen/index.rss",
    ]
    assert [f.id for f in store.feeds.due_feeds(NOW)] == [first.id, second.id]
    assert store.feeds.remove_feed(first.id) is True
    assert store.feeds.remove_feed(first.id) is False
    assert [f.title for f in store.feeds.all()] == ["Spiegel"]
    assert store.feeds.feed(first.id) is None


def test_a_claimed_feed_is_leased_to_one_poller_until_its_poll_ends_or_the_lease_runs_out(
    store: Storage,
) -> None:
    feeds = [store.feeds.add_feed(f"https://example.org/{n}.xml", NOW) for n in range(5)]
    lease = timedelta(minutes=5)
    first = store.feeds.claim(NOW, now=NOW, owner="a", until=NOW + lease, limit=3)
    second = store.feeds.claim(NOW, now=NOW, owner="b", until=NOW + lease)
    assert [f.id for f in first] == [f.id for f in feeds[:3]]
    assert [f.id for f in second] == [f.id for f in feeds[3:]]
    assert store.feeds.claim(NOW, now=NOW, owner="c", until=NOW + lease) == []
    # Poller a ends one poll: that feed is due again at its next time, for anyone.
    store.feeds.feed_fetched(first[0], NOW, NOW + timedelta(minutes=1))
    later = NOW + timedelta(minutes=1)
    assert [f.id for f in store.feeds.claim(later, now=later, owner="c", until=later + lease)] == [
        first[0].id
    ]
    # Poller a dies: its two other feeds are due again once the lease has run out, not before.
    almost = NOW + lease - timedelta(seconds=1)
    assert store.feeds.claim(almost, now=almost, owner="c", until=almost + lease) == []
    after = NOW + lease
    taken = store.feeds.claim(after, now=after, owner="c", until=after + lease)
    assert [f.id for f in taken] == [f.id for f in feeds[1:]]
    # Poller c stops: what it held is free at once.
    assert store.feeds.release("c") == 5
    assert len(store.feeds.claim(after, now=after, owner="d", until=after + lease)) == 5
