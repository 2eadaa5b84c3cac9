"""The digest archive (sqlite-utils): each sent digest as it was sent, kept for a while."""

from __future__ import annotations

from datetime import date, datetime

from bot.records import ArchivedDigest, Reply
from bot.store.table import Table, _dt, _iso, _reply, _reply_json


class Archive(Table):
    """Sent digests by chat and date (the chat's local date, as in the delivery log)."""

    def archive_digest(self, chat: str, digest_date: date, reply: Reply, at: datetime) -> None:
        """Keep the digest of (chat, date) exactly as it was sent."""
        with self.db.atomic():
            self.db.table("digest_archive").upsert(
                {
                    "chat": chat,
                    "digest_date": digest_date.isoformat(),
                    "sent": _iso(at),
                    "reply": _reply_json(reply),
                },
                pk=("chat", "digest_date"),
            )

    def archived_digest(self, chat: str, day: date | None = None) -> ArchivedDigest | None:
        """The digest the chat got on `day` (None: its latest), or None when none was kept."""
        if day is None:
            sql = "SELECT * FROM digest_archive WHERE chat = ? ORDER BY digest_date DESC LIMIT 1"
            rows = list(self.db.query(sql, [chat]))
        else:
            sql = "SELECT * FROM digest_archive WHERE chat = ? AND digest_date = ?"
            rows = list(self.db.query(sql, [chat, day.isoformat()]))
        if not rows:
            return None
        row = rows[0]
        sent = _dt(row["sent"])
        assert sent is not None  # noqa: S101 - the column is NOT NULL
        return ArchivedDigest(date.fromisoformat(row["digest_date"]), sent, _reply(row["reply"]))

    def prune_archive(self, before: datetime) -> int:
        """Forget digests sent before `before`; returns how many."""
        with self.db.atomic():
            cur = self.db.execute("DELETE FROM digest_archive WHERE sent < ?", [_iso(before)])
            return cur.rowcount
