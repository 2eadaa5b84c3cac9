"""The digest archive on PostgreSQL (psycopg): each sent digest as it was sent, for a while."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.records import ArchivedDigest, Reply
from bot.store.archive import to_archived
from bot.store.postgres.base import Table
from bot.store.table import _iso, _reply_json


class Archive(Table):
    """Sent digests by chat and date (the chat's local date, as in the delivery log)."""

    def archive_digest(self, chat: str, digest_date: date, reply: Reply, at: datetime) -> None:
        """Keep a digest of (chat, date) exactly as it was sent, beside the day's others."""
        self.archive_digests([(chat, ArchivedDigest(digest_date, at, reply))])

    def archive_digests(self, sent: Sequence[tuple[str, ArchivedDigest]]) -> None:
        """Keep these chats' digests exactly as they were sent, pipelined in one go."""
        made: dict[int, str] = {}  # a burst's chats share a few replies: JSON once each
        rows = []
        for chat, kept in sent:
            if id(kept.reply) not in made:
                made[id(kept.reply)] = _reply_json(kept.reply)
            rows.append((chat, kept.date.isoformat(), _iso(kept.sent), made[id(kept.reply)]))
        self.db.executemany(
            "INSERT INTO digest_archive (chat, digest_date, sent, reply) VALUES (%s, %s, %s, %s)"
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
                "SELECT * FROM digest_archive WHERE chat = %s"
                " ORDER BY digest_date DESC, sent DESC LIMIT 1"
            )
            rows = self.db.query(sql, [chat])
        else:
            sql = "SELECT * FROM digest_archive WHERE chat = %s AND digest_date = %s ORDER BY sent"
            rows = self.db.query(sql, [chat, day.isoformat()])
        return [to_archived(row) for row in rows]

    def prune_archive(self, before: datetime) -> int:
        """Forget digests sent before `before`; returns how many."""
        sql = "DELETE FROM digest_archive WHERE sent < %s"
        return self.db.execute(sql, [_iso(before)]).rowcount
