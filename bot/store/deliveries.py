"""The delivery log (sqlite-utils): digests claimed and sent at most once."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlite_utils import Database

from bot.store.chats import Chats
from bot.store.operations import DELIVERY_OK, FailedDelivery
from bot.store.table import Table, _dt, _iso


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    """A digest to log once: the chat, the delivery log's key, the status (`sending`: claimed
    right before its first attempt; `missed`, `empty`, …), when it was due and a note."""

    chat: str
    key: date | str
    status: str = "sending"
    scheduled: datetime | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class DeliveryEnd:
    """How a claimed digest's delivery ended: `sent`, `failed` or `gone`, with a note."""

    chat: str
    key: date | str
    status: str
    note: str = ""


class Deliveries(Table):
    """The delivery log: each digest claimed, sent or given up once."""

    def __init__(self, db: Database, chats: Chats) -> None:
        super().__init__(db)
        self.chats = chats

    def last_digest_at(self, chat: str) -> datetime | None:
        """When the chat last got a digest (scheduled or asked for at subscribing)."""
        return self.last_digests_at([chat]).get(chat)

    def last_digests_at(self, chats: Sequence[str]) -> dict[str, datetime]:
        """When each of these chats last got a digest, in one read (chats without one left out)."""
        keys = json.dumps(list(chats))
        rows = self.db.execute(
            "SELECT chat, max(t) FROM (SELECT chat, max(sent) AS t FROM deliveries"
            " WHERE status = 'sent' AND chat IN (SELECT value FROM json_each(?)) GROUP BY chat"
            " UNION ALL SELECT chat, sent FROM digest_requests"
            " WHERE chat IN (SELECT value FROM json_each(?))) GROUP BY chat",
            [keys, keys],
        )
        return {str(chat): at for chat, t in rows if (at := _dt(t)) is not None}

    def delivery_status(self, chat: str, digest_date: date | str) -> str | None:
        """The logged outcome of the chat's digest for that date, None if there is none."""
        row = self.db.execute(
            "SELECT status FROM deliveries WHERE chat = ? AND digest_date = ?",
            [chat, _key(digest_date)],
        ).fetchone()
        return str(row[0]) if row else None

    def logged_digests(self, chats: Sequence[str], since: date) -> set[tuple[str, str]]:
        """(chat, key) of every logged digest of these chats dated `since` or later."""
        rows = self.db.execute(
            "SELECT chat, digest_date FROM deliveries"
            " WHERE chat IN (SELECT value FROM json_each(?)) AND digest_date >= ?",
            [json.dumps(list(chats)), since.isoformat()],
        )
        return {(str(chat), str(key)) for chat, key in rows}

    def record_delivery(
        self,
        chat: str,
        digest_date: date | str,
        *,
        status: str,
        at: datetime,
        scheduled: datetime | None = None,
        note: str = "",
    ) -> bool:
        """Log the digest of (chat, date) once, in one transaction; False when already logged."""
        row = DeliveryRow(chat, digest_date, status, scheduled, note)
        return bool(self.record_deliveries([row], at=at))

    def record_deliveries(
        self, rows: Sequence[DeliveryRow], *, at: datetime
    ) -> set[tuple[str, str]]:
        """Log these digests once each, in one transaction; the (chat, key) of those logged now,
        without any already logged (by this or another process)."""
        logged: set[tuple[str, str]] = set()
        with self.db.atomic():
            for r in rows:
                key = _key(r.key)
                cur = self.db.execute(
                    "INSERT OR IGNORE INTO deliveries"
                    " (chat, digest_date, sent, status, note, scheduled) VALUES (?, ?, ?, ?, ?, ?)",
                    [r.chat, key, _iso(at), r.status, r.note, _iso(r.scheduled)],
                )
                if cur.rowcount > 0:
                    logged.add((r.chat, key))
        return logged

    def claim_delivery(
        self, chat: str, digest_date: date | str, *, at: datetime, scheduled: datetime | None = None
    ) -> bool:
        """Mark the digest of (chat, date) as being sent, before sending; False if already logged.

        Claiming right before the first attempt makes delivery at-most-once: a crash mid-send
        leaves a `sending` row that `abandon_unfinished` turns into a logged `unknown`, never a
        second post; a digest queued but never attempted has no row and stays due. Claims of
        many (`record_deliveries` with status `sending`) go together.
        """
        return self.record_delivery(chat, digest_date, status="sending", at=at, scheduled=scheduled)

    def finish_delivery(
        self, chat: str, digest_date: date | str, *, status: str, at: datetime, note: str = ""
    ) -> None:
        """Record how a claimed delivery ended (`sent`, `failed`, `gone`)."""
        self.finish_deliveries([DeliveryEnd(chat, digest_date, status, note)], at=at)

    def finish_deliveries(self, ends: Sequence[DeliveryEnd], *, at: datetime) -> None:
        """Record how these claimed deliveries ended, in one transaction."""
        with self.db.atomic():
            self.db.conn.executemany(
                "UPDATE deliveries SET status = ?, sent = ?, note = ?"
                " WHERE chat = ? AND digest_date = ?",
                [(e.status, _iso(at), e.note, e.chat, _key(e.key)) for e in ends],
            )

    def release_delivery(self, chat: str, digest_date: date | str) -> None:
        """Give back a claim whose digest surely did not go out (the queue stopped, or it waits
        for its next try): it is due again."""
        with self.db.atomic():
            self.db.execute(
                "DELETE FROM deliveries WHERE chat = ? AND digest_date = ? AND status = 'sending'",
                [chat, _key(digest_date)],
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

    def digest_shown(self, chat: str, now: datetime) -> None:
        """The chat got its digest in a command's reply now: its next digest starts here."""
        with self.db.atomic():
            self.chats.ensure_chat(chat, now)
            self.db.table("digest_requests").upsert(
                {"chat": chat, "requested": _iso(now), "sent": _iso(now)}, pk="chat"
            )

    def failed_delivery_count(self, since: datetime) -> int:
        """How many digest deliveries since `since` did not end in a known success."""
        sql = (
            "SELECT count(*) FROM deliveries"
            " WHERE coalesce(status, '') NOT IN (SELECT value FROM json_each(?))"
            " AND digest_date >= ?"
        )
        row = self.db.execute(sql, [json.dumps(DELIVERY_OK), since.date().isoformat()]).fetchone()
        return int(row[0])

    def failed_deliveries(self, since: datetime, limit: int = 20) -> list[FailedDelivery]:
        """The newest `limit` digest deliveries since `since` that did not end in a success."""
        sql = (
            "SELECT chat, digest_date, sent, status, note FROM deliveries"
            " WHERE coalesce(status, '') NOT IN (SELECT value FROM json_each(?))"
            " AND digest_date >= ? ORDER BY digest_date DESC, chat LIMIT ?"
        )
        args = [json.dumps(DELIVERY_OK), since.date().isoformat(), limit]
        return [
            FailedDelivery(r["chat"], r["digest_date"], _dt(r["sent"]), r["status"], r["note"])
            for r in self.db.query(sql, args)
        ]


def _key(digest: date | str) -> str:
    """The delivery log's key: a date (a day's first digest) or `date Thh:mm` (a later one)."""
    return digest if isinstance(digest, str) else digest.isoformat()
