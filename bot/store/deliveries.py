"""Deliveries and digests (sqlite-utils): the at-most-once delivery log, requests, alert hits."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from bot.records import Article
from bot.store.articles import Articles
from bot.store.base import _dt, _iso
from bot.store.chats import Chats


class Deliveries(Chats, Articles):
    """What the scheduler reads and logs: digests sent, requested and filtered; alerts pushed."""

    def last_digest_at(self, chat: str) -> datetime | None:
        """When the chat last got a digest (scheduled or asked for at subscribing)."""
        row = self.db.execute(
            "SELECT max(t) FROM (SELECT max(sent) AS t FROM deliveries"
            " WHERE chat = ? AND status = 'sent'"
            " UNION ALL SELECT sent FROM digest_requests WHERE chat = ?)",
            [chat, chat],
        ).fetchone()
        return _dt(row[0])

    def delivery_status(self, chat: str, digest_date: date) -> str | None:
        """The logged outcome of the chat's digest for that date, None if there is none."""
        row = self.db.execute(
            "SELECT status FROM deliveries WHERE chat = ? AND digest_date = ?",
            [chat, digest_date.isoformat()],
        ).fetchone()
        return str(row[0]) if row else None

    def record_delivery(
        self,
        chat: str,
        digest_date: date,
        *,
        status: str,
        at: datetime,
        scheduled: datetime | None = None,
        note: str = "",
    ) -> bool:
        """Log the digest of (chat, date) once, in one transaction; False when already logged."""
        with self.db.atomic():
            cur = self.db.execute(
                "INSERT OR IGNORE INTO deliveries"
                " (chat, digest_date, sent, status, note, scheduled) VALUES (?, ?, ?, ?, ?, ?)",
                [chat, digest_date.isoformat(), _iso(at), status, note, _iso(scheduled)],
            )
            return cur.rowcount > 0

    def claim_delivery(
        self, chat: str, digest_date: date, *, at: datetime, scheduled: datetime | None = None
    ) -> bool:
        """Mark the digest of (chat, date) as being sent, before sending; False if already logged.

        Claiming right before the first attempt makes delivery at-most-once: a crash mid-send
        leaves a `sending` row that `abandon_unfinished` turns into a logged `unknown`, never a
        second post; a digest queued but never attempted has no row and stays due.
        """
        return self.record_delivery(chat, digest_date, status="sending", at=at, scheduled=scheduled)

    def finish_delivery(
        self, chat: str, digest_date: date, *, status: str, at: datetime, note: str = ""
    ) -> None:
        """Record how a claimed delivery ended (`sent`, `failed`, `gone`)."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE deliveries SET status = ?, sent = ?, note = ?"
                " WHERE chat = ? AND digest_date = ?",
                [status, _iso(at), note, chat, digest_date.isoformat()],
            )

    def abandon_unfinished(self, now: datetime) -> list[tuple[str, str]]:
        """Turn deliveries left `sending` by a stopped process into `unknown`; returns them."""
        with self.db.atomic():
            rows = self.db.execute(
                "SELECT chat, digest_date FROM deliveries WHERE status = 'sending'"
            ).fetchall()
            self.db.execute(
                "UPDATE deliveries SET status = 'unknown', sent = ?,"
                " note = 'the process stopped while sending; not resent'"
                " WHERE status = 'sending'",
                [_iso(now)],
            )
        return [(str(chat), str(day)) for chat, day in rows]

    def digest_keywords(self, chat: str) -> tuple[str, ...]:
        """The chat's digest keyword filter (`-word` excludes)."""
        row = self.db.execute("SELECT digest_keywords FROM chats WHERE key = ?", [chat]).fetchone()
        return tuple(row[0].split()) if row and row[0] else ()

    def set_digest_keywords(self, chat: str, keywords: Sequence[str], now: datetime) -> None:
        """Replace the chat's digest keyword filter."""
        with self.db.atomic():
            self.ensure_chat(chat, now)
            self.db.table("chats").update(chat, {"digest_keywords": " ".join(keywords)})

    def request_digest(self, chat: str, now: datetime) -> None:
        """Ask for the latest digest at once (a new subscriber's choice)."""
        with self.db.atomic():
            self.ensure_chat(chat, now)
            self.db.table("digest_requests").upsert(
                {"chat": chat, "requested": _iso(now), "sent": None}, pk="chat"
            )

    def pending_requests(self) -> list[str]:
        """Chats waiting for their first digest."""
        rows = self.db.execute("SELECT chat FROM digest_requests WHERE sent IS NULL ORDER BY 1")
        return [str(r[0]) for r in rows]

    def claim_request(self, chat: str, at: datetime) -> bool:
        """Claim an asked-for digest right before sending it (its window starts here); False
        when another process or an earlier attempt has it."""
        with self.db.atomic():
            cur = self.db.execute(
                "UPDATE digest_requests SET sent = ? WHERE chat = ? AND sent IS NULL",
                [_iso(at), chat],
            )
            return cur.rowcount > 0

    def drop_request(self, chat: str) -> None:
        """Forget an asked-for digest that could not be sent (the next digest covers it)."""
        with self.db.atomic():
            self.db.execute("DELETE FROM digest_requests WHERE chat = ?", [chat])

    def articles_by_id(self, ids: Iterable[int]) -> list[Article]:
        """The articles with these ids, in id order (missing ids are left out)."""
        wanted = sorted(set(ids))
        if not wanted:
            return []
        sql = "SELECT * FROM articles WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id"
        return [self._article(r) for r in self.db.query(sql, [json.dumps(wanted)])]

    def has_alert_hit(self, alert_ids: Sequence[int], article_id: int) -> bool:
        """True when one of these alerts was already pushed for the article."""
        row = self.db.execute(
            "SELECT 1 FROM alert_hits WHERE article_id = ?"
            " AND alert_id IN (SELECT value FROM json_each(?)) LIMIT 1",
            [article_id, json.dumps(list(alert_ids))],
        ).fetchone()
        return row is not None

    def record_alert_hits(self, alert_ids: Sequence[int], article_id: int, at: datetime) -> None:
        """Log that an article was pushed for these alerts, in one transaction."""
        with self.db.atomic():
            self.db.table("alert_hits").insert_all(
                ({"alert_id": a, "article_id": article_id, "sent": _iso(at)} for a in alert_ids),
                ignore=True,
            )

    def unsummarized(self, limit: int) -> list[Article]:
        """Stored articles still without a summary, oldest first."""
        sql = "SELECT * FROM articles WHERE summary IN ('', '[]') ORDER BY id LIMIT ?"
        return [self._article(r) for r in self.db.query(sql, [limit])]

    def set_summary(self, article_id: int, summary: Sequence[str]) -> None:
        """Store an article's summary sentences."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE articles SET summary = ? WHERE id = ?",
                [json.dumps(list(summary), ensure_ascii=False), article_id],
            )
