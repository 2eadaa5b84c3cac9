"""Polled feeds on PostgreSQL (psycopg): the feed list, due times, validators and failures."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.records import Feed
from bot.store.feeds import to_feed
from bot.store.postgres.base import Table
from bot.store.table import _dt, _iso


class Feeds(Table):
    """The feeds table: what is polled, when next, and how the last polls went."""

    def reschedule(self, every: timedelta) -> int:
        """Put every healthy feed's next poll at its last good poll + `every` (the interval
        now configured); failing feeds keep their backed-off retry. Returns how many moved."""
        with self.db.atomic():
            rows = self.db.query(
                "SELECT id, last_fetched, next_fetch FROM feeds"
                " WHERE failures = 0 AND last_fetched IS NOT NULL"
            )
            moved = 0
            for row in rows:
                last = _dt(row["last_fetched"])
                due = _iso(last + every) if last is not None else None
                if due != row["next_fetch"]:
                    self.db.execute(
                        "UPDATE feeds SET next_fetch = %s WHERE id = %s", [due, row["id"]]
                    )
                    moved += 1
        return moved

    def add_feed(self, url: str, now: datetime, title: str | None = None) -> Feed:
        """Add a feed to the shared pool (due at once); adding a known URL returns the stored
        feed, and a chat's own feed of that URL joins the pool with the articles it brought."""
        url = url.strip()
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO feeds (url, title, failures, created) VALUES (%s, %s, 0, %s)"
                " ON CONFLICT (url) DO NOTHING",
                [url, title, _iso(now)],
            )
            if title:
                self.db.execute(
                    "UPDATE feeds SET title = %s WHERE url = %s AND title IS NULL", [title, url]
                )
            self.db.execute(
                "UPDATE articles SET chat_feed = NULL WHERE chat_feed IN"
                " (SELECT id FROM feeds WHERE url = %s AND chats_only = 1)",
                [url],
            )
            self.db.execute("UPDATE feeds SET chats_only = 0 WHERE url = %s", [url])
            rows = self.db.query("SELECT * FROM feeds WHERE url = %s", [url])
        return to_feed(rows[0])

    def all(self) -> list[Feed]:
        """Every feed, in the order they were added."""
        return [to_feed(r) for r in self.db.query("SELECT * FROM feeds ORDER BY id")]

    def feed(self, feed_id: int) -> Feed | None:
        """One feed by id."""
        rows = self.db.query("SELECT * FROM feeds WHERE id = %s", [feed_id])
        return to_feed(rows[0]) if rows else None

    def remove_feed(self, feed_id: int) -> bool:
        """Stop polling a feed; its articles stay. False when there is no such feed."""
        with self.db.atomic():
            gone = self.db.execute("DELETE FROM feeds WHERE id = %s", [feed_id]).rowcount
            # The chats that had it as their own feed no longer have it.
            self.db.execute("DELETE FROM chat_feeds WHERE feed_id = %s", [feed_id])
        return gone > 0

    def due_feeds(self, now: datetime) -> list[Feed]:
        """Feeds whose next fetch time has come (or that were never fetched)."""
        sql = "SELECT * FROM feeds WHERE next_fetch IS NULL OR next_fetch <= %s ORDER BY id"
        return [to_feed(r) for r in self.db.query(sql, [_iso(now)])]

    def claim(
        self, due_by: datetime, *, now: datetime, owner: str, until: datetime, limit: int = 100
    ) -> list[Feed]:
        """Lease up to `limit` feeds due by `due_by` that no live lease holds to `owner` until
        `until`; rows another poller is claiming this moment are skipped (SKIP LOCKED), so
        pollers never wait for each other nor take the same feed."""
        # The picked ids are materialized once: as a plain `IN (SELECT … LIMIT …)` the planner
        # may run the subquery again per row and lease more than `limit` feeds.
        rows = self.db.query(
            "WITH picked AS MATERIALIZED (SELECT id FROM feeds"
            " WHERE (next_fetch IS NULL OR next_fetch <= %s)"
            " AND (leased_until IS NULL OR leased_until <= %s) ORDER BY id LIMIT %s"
            " FOR UPDATE SKIP LOCKED)"
            " UPDATE feeds SET lease_owner = %s, leased_until = %s FROM picked"
            " WHERE feeds.id = picked.id RETURNING feeds.*",
            [_iso(due_by), _iso(now), limit, owner, _iso(until)],
        )
        return sorted((to_feed(r) for r in rows), key=lambda f: f.id)

    def release(self, owner: str) -> int:
        """Free the leases `owner` holds (its polls were stopped): due again at once."""
        return self.db.execute(
            "UPDATE feeds SET lease_owner = NULL, leased_until = NULL WHERE lease_owner = %s",
            [owner],
        ).rowcount

    def feed_fetched(self, feed: Feed, now: datetime, next_fetch: datetime) -> Feed:
        """Record a successful poll: validators for the next conditional GET, errors cleared."""
        self.db.execute(
            "UPDATE feeds SET title = coalesce(%s, title), etag = %s, last_modified = %s,"
            " last_fetched = %s, next_fetch = %s, failures = 0, error = NULL,"
            " lease_owner = NULL, leased_until = NULL WHERE id = %s",
            [feed.title, feed.etag, feed.last_modified, _iso(now), _iso(next_fetch), feed.id],
        )
        return self.feed(feed.id) or feed

    def feed_failed(self, feed_id: int, error: str, now: datetime, next_fetch: datetime) -> Feed:
        """Record a failed poll: one more failure in a row, the error, and the backed-off retry."""
        self.db.execute(
            "UPDATE feeds SET failures = failures + 1, error = %s, last_fetched = %s,"
            " next_fetch = %s, lease_owner = NULL, leased_until = NULL WHERE id = %s",
            [error, _iso(now), _iso(next_fetch), feed_id],
        )
        feed = self.feed(feed_id)
        if feed is None:
            raise KeyError(feed_id)
        return feed

    def feed_problems(self) -> list[Feed]:
        """Feeds whose last polls failed, most failures first."""
        sql = "SELECT * FROM feeds WHERE failures > 0 ORDER BY failures DESC, url"
        return [to_feed(r) for r in self.db.query(sql)]

    def last_feed_poll(self) -> datetime | None:
        """When a feed was last fetched successfully."""
        row = self.db.execute("SELECT max(last_fetched) FROM feeds WHERE failures = 0").rows[0]
        return datetime.fromisoformat(row[0]) if row[0] else None
