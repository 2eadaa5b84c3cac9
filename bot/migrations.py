"""The database schema as one sqlite-utils `Migrations` set, applied in order at start."""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("newsbot")


@migrations()
def m001_articles(db: Database) -> None:
    """Articles with an FTS5 index over title, body and a shadow column of German stems."""
    db.table("articles").create(
        {
            "id": int,
            "url": str,
            "url_key": str,
            "source": str,
            "title": str,
            "published": str,
            "fetched": str,
            "language": str,
            "body": str,
            "summary": str,
            "content_hash": str,
            "stems": str,
            "origin": str,
        },
        pk="id",
        not_null={"title", "source", "body", "fetched", "content_hash"},
        defaults={"language": "de", "summary": "[]", "stems": ""},
    )
    db.table("articles").create_index(["content_hash"], unique=True)
    db.table("articles").create_index(["url_key"])
    db.table("articles").create_index(["published"])
    db.table("articles").enable_fts(
        ["title", "body", "stems"],
        fts_version="FTS5",
        tokenize="unicode61 remove_diacritics 2",
        create_triggers=True,
    )
    db.table("article_links").create(
        {"article_id": int, "source": str, "title": str, "url": str, "published": str},
        pk=("article_id", "source", "title"),
        foreign_keys=[("article_id", "articles", "id")],
    )


@migrations()
def m002_chats(db: Database) -> None:
    """Chats with their settings, digest subscriptions, alerts and the delivery log."""
    db.table("chats").create(
        {
            "key": str,
            "language": str,
            "stories": int,
            "sentences": int,
            "send_empty": int,
            "created": str,
        },
        pk="key",
        defaults={"language": "de", "stories": 5, "sentences": 2, "send_empty": 1},
    )
    db.table("subscriptions").create(
        {"chat": str, "time": str, "timezone": str, "created": str},
        pk="chat",
        foreign_keys=[("chat", "chats", "key")],
    )
    db.table("alerts").create(
        {"id": int, "chat": str, "words": str, "created": str},
        pk="id",
        foreign_keys=[("chat", "chats", "key")],
    )
    db.table("alerts").create_index(["chat"])
    db.table("alert_hits").create(
        {"alert_id": int, "article_id": int, "sent": str},
        pk=("alert_id", "article_id"),
    )
    db.table("deliveries").create(
        {"chat": str, "digest_date": str, "sent": str, "status": str, "note": str},
        pk=("chat", "digest_date"),
    )
    db.table("feeds").create(
        {
            "id": int,
            "url": str,
            "title": str,
            "etag": str,
            "last_modified": str,
            "last_fetched": str,
            "next_fetch": str,
            "failures": int,
            "error": str,
            "created": str,
        },
        pk="id",
        defaults={"failures": 0},
    )
    db.table("feeds").create_index(["url"], unique=True)
    db.table("state").create({"key": str, "value": str}, pk="key")


def migrate(db: Database) -> None:
    """Apply every pending migration."""
    migrations.apply(db)
