"""Polled feeds (sqlite-utils): the feed list, due times, validators and failures."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from bot.records import Feed
from bot.store.table import Table, _dt, _iso


class Feeds(Table):
    """The feeds table: what is polled, when next, and how the last polls went."""

    def add_feed(self, url: str, now: datetime, title: str | None = None) -> Feed:
        """Add a feed to the shared pool (due at once); adding a known URL returns the stored
        feed, and a chat's own feed of that URL joins the pool with the articles it brought."""
        url = url.strip()
        with self.db.atomic():
            self.db.execute(
                "INSERT OR IGNORE INTO feeds (url, title, failures, created) VALUES (?, ?, 0, ?)",
                [url, title, _iso(now)],
            )
            if title:
                self.db.execute(
                    "UPDATE feeds SET title = ? WHERE url = ? AND title IS NULL", [title, url]
                )
            self.db.execute(
                "UPDATE articles SET chat_feed = NULL WHERE chat_feed IN"
                " (SELECT id FROM feeds WHERE url = ? AND chats_only = 1)",
                [url],
            )
            self.db.execute("UPDATE feeds SET chats_only = 0 WHERE url = ?", [url])
        rows = list(self.db.query("SELECT * FROM feeds WHERE url = ?", [url]))
        return to_feed(rows[0])

    def all(self) -> list[Feed]:
        """Every feed, in the order they were added."""
        return [to_feed(r) for r in self.db.query("SELECT * FROM feeds ORDER BY id")]

    def feed(self, feed_id: int) -> Feed | None:
        """One feed by id."""
        rows = list(self.db.query("SELECT * FROM feeds WHERE id = ?", [feed_id]))
        return to_feed(rows[0]) if rows else None

    def remove_feed(self, feed_id: int) -> bool:
        """Stop polling a feed; its articles stay. False when there is no such feed."""
        with self.db.atomic():
            cur = self.db.execute("DELETE FROM feeds WHERE id = ?", [feed_id])
            # The chats that had it as their own feed no longer have it.
            self.db.execute("DELETE FROM chat_feeds WHERE feed_id = ?", [feed_id])
            return cur.rowcount > 0

    def reschedule(self, every: timedelta) -> int:
        """Put every healthy feed's next poll at its last good poll + `every` (the interval
        now configured), so a changed `feed_interval_minutes` holds for old feeds from the
        start on. Failing feeds keep their backed-off retry. Returns how many moved."""
        with self.db.atomic():
            rows = list(
                self.db.query(
                    "SELECT id, last_fetched, next_fetch FROM feeds"
                    " WHERE failures = 0 AND last_fetched IS NOT NULL"
                )
            )
            moved = 0
            for row in rows:
                last = _dt(row["last_fetched"])
                due = _iso(last + every) if last is not None else None
                if due != row["next_fetch"]:
                    self.db.execute(
                        "UPDATE feeds SET next_fetch = ? WHERE id = ?", [due, row["id"]]
                    )
                    moved += 1
        return moved

    def due_feeds(self, now: datetime) -> list[Feed]:
        """Feeds whose next fetch time has come (or that were never fetched)."""
        sql = "SELECT * FROM feeds WHERE next_fetch IS NULL OR next_fetch <= ? ORDER BY id"
        return [to_feed(r) for r in self.db.query(sql, [_iso(now)])]

    def claim(
        self, due_by: datetime, *, now: datetime, owner: str, until: datetime, limit: int = 100
    ) -> list[Feed]:
        """Lease up to `limit` feeds due by `due_by` that no live lease holds to `owner` until
        `until`: several pollers share the feeds, and a crashed poller's feeds are due again
        once its lease runs out. A poll's end (`feed_fetched`, `feed_failed`) frees the lease."""
        with self.db.atomic():
            rows = list(
                self.db.query(
                    "SELECT * FROM feeds WHERE (next_fetch IS NULL OR next_fetch <= ?)"
                    " AND (leased_until IS NULL OR leased_until <= ?) ORDER BY id LIMIT ?",
                    [_iso(due_by), _iso(now), limit],
                )
            )
            ids = [r["id"] for r in rows]
            self.db.execute(
                "UPDATE feeds SET lease_owner = ?, leased_until = ?"
                " WHERE id IN (SELECT value FROM json_each(?))",
                [owner, _iso(until), json.dumps(ids)],
            )
        return [to_feed(r) for r in rows]

    def release(self, owner: str) -> int:
        """Free the leases `owner` holds (its polls were stopped): due again at once."""
        with self.db.atomic():
            cur = self.db.execute(
                "UPDATE feeds SET lease_owner = NULL, leased_until = NULL WHERE lease_owner = ?",
                [owner],
            )
            return cur.rowcount

    def feed_fetched(self, feed: Feed, now: datetime, next_fetch: datetime) -> Feed:
        """Record a successful poll: validators for the next conditional GET, errors cleared."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE feeds SET title = coalesce(?, title), etag = ?, last_modified = ?,"
                " last_fetched = ?, next_fetch = ?, failures = 0, error = NULL,"
                " lease_owner = NULL, leased_until = NULL WHERE id = ?",
                [
                    feed.title,
                    feed.etag,
                    feed.last_modified,
                    _iso(now),
                    _iso(next_fetch),
                    feed.id,
                ],
            )
        return self.feed(feed.id) or feed

    def feed_failed(self, feed_id: int, error: str, now: datetime, next_fetch: datetime) -> Feed:
        """Record a failed poll: one more failure in a row, the error, and the backed-off retry."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE feeds SET failures = failures + 1, error = ?, last_fetched = ?,"
                " next_fetch = ?, lease_owner = NULL, leased_until = NULL WHERE id = ?",
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
        row = self.db.execute("SELECT max(last_fetched) FROM feeds WHERE failures = 0").fetchone()
        return _dt(row[0])


def to_feed(row: dict[str, Any]) -> Feed:
    return Feed(
        id=row["id"],
        url=row["url"],
        title=row["title"],
        failures=row["failures"] or 0,
        error=row["error"],
        last_fetched=_dt(row["last_fetched"]),
        next_fetch=_dt(row["next_fetch"]),
        etag=row["etag"],
        last_modified=row["last_modified"],
        chats_only=bool(row.get("chats_only")),
    )
