"""The digest archive (sqlite-utils): each sent digest as it was sent, kept for a while."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from bot.records import ArchivedDigest, Reply
from bot.store.table import Table, _dt, _iso, _reply, _reply_json


class Archive(Table):
    """Sent digests by chat, date (the chat's local date, as in the delivery log) and time
    sent: a chat with two digest times (07:00 18:00) keeps both of a day."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        # The last reply stored and its JSON: a burst's chats share a few digests.
        self._last: tuple[Reply, str] | None = None

    def archive_digest(self, chat: str, digest_date: date, reply: Reply, at: datetime) -> None:
        """Keep a digest of (chat, date) exactly as it was sent, beside the day's others."""
        self.archive_digests([(chat, ArchivedDigest(digest_date, at, reply))])

    def archive_digests(self, sent: Sequence[tuple[str, ArchivedDigest]]) -> None:
        """Keep these chats' digests exactly as they were sent, in one transaction."""
        rows = []
        for chat, kept in sent:
            # A burst's chats share a few replies: each one's JSON is made once.
            if self._last is None or self._last[0] is not kept.reply:
                self._last = (kept.reply, _reply_json(kept.reply))
            rows.append((chat, kept.date.isoformat(), _iso(kept.sent), self._last[1]))
        with self.db.atomic():
            self.db.conn.executemany(
                "INSERT INTO digest_archive (chat, digest_date, sent, reply) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (chat, digest_date, sent) DO UPDATE SET reply = excluded.reply",
                rows,
            )

    def archived_digest(self, chat: str, day: date | None = None) -> ArchivedDigest | None:
        """The last digest the chat got on `day` (None: its latest), or None when none was kept."""
        kept = self.archived_digests(chat, day)
        return kept[-1] if kept else None

    def archived_digests(self, chat: str, day: date | None = None) -> list[ArchivedDigest]:
        """Every digest the chat got on `day` in the order sent (None: its latest alone)."""
        if day is None:
            sql = (
                "SELECT * FROM digest_archive WHERE chat = ?"
                " ORDER BY digest_date DESC, sent DESC LIMIT 1"
            )
            rows = list(self.db.query(sql, [chat]))
        else:
            sql = "SELECT * FROM digest_archive WHERE chat = ? AND digest_date = ? ORDER BY sent"
            rows = list(self.db.query(sql, [chat, day.isoformat()]))
        return [to_archived(row) for row in rows]

    def prune_archive(self, before: datetime) -> int:
        """Forget digests sent before `before`; returns how many."""
        with self.db.atomic():
            cur = self.db.execute("DELETE FROM digest_archive WHERE sent < ?", [_iso(before)])
            return cur.rowcount


def to_archived(row: dict[str, Any]) -> ArchivedDigest:
    """An archive row as the record (both backends store the same text columns)."""
    sent = _dt(row["sent"])
    assert sent is not None  # noqa: S101 - the column is NOT NULL
    return ArchivedDigest(date.fromisoformat(row["digest_date"]), sent, _reply(row["reply"]))
