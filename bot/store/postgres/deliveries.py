"""The delivery log on PostgreSQL (psycopg): digests claimed and sent at most once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.store.deliveries import DeliveryEnd, DeliveryRow, _key
from bot.store.operations import DELIVERY_OK, FailedDelivery
from bot.store.postgres.base import PgDatabase, Table
from bot.store.postgres.chats import Chats
from bot.store.table import _dt, _iso


class Deliveries(Table):
    """The delivery log: each digest claimed, sent or given up once."""

    def __init__(self, db: PgDatabase, chats: Chats) -> None:
        super().__init__(db)
        self.chats = chats

    def last_digest_at(self, chat: str) -> datetime | None:
        """When the chat last got a digest (scheduled or asked for at subscribing)."""
        return self.last_digests_at([chat]).get(chat)

    def last_digests_at(self, chats: Sequence[str]) -> dict[str, datetime]:
        """When each of these chats last got a digest, in one round trip (chats without one
        left out)."""
        keys = list(chats)
        rows = self.db.execute(
            "SELECT chat, max(t) FROM (SELECT chat, max(sent) AS t FROM deliveries"
            " WHERE status = 'sent' AND chat = ANY(%s) GROUP BY chat"
            " UNION ALL SELECT chat, sent FROM digest_requests WHERE chat = ANY(%s)) AS times"
            " GROUP BY chat",
            [keys, keys],
        ).rows
        return {str(chat): at for chat, t in rows if (at := _dt(t)) is not None}

    def delivery_status(self, chat: str, digest_date: date | str) -> str | None:
        """The logged outcome of the chat's digest for that date, None if there is none."""
        row = self.db.execute(
            "SELECT status FROM deliveries WHERE chat = %s AND digest_date = %s",
            [chat, _key(digest_date)],
        ).fetchone()
        return str(row[0]) if row else None

    def logged_digests(self, chats: Sequence[str], since: date) -> set[tuple[str, str]]:
        """(chat, key) of every logged digest of these chats dated `since` or later."""
        rows = self.db.execute(
            "SELECT chat, digest_date FROM deliveries WHERE chat = ANY(%s) AND digest_date >= %s",
            [list(chats), since.isoformat()],
        ).rows
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
        """Log the digest of (chat, date) once; False when already logged (by any process)."""
        row = DeliveryRow(chat, digest_date, status, scheduled, note)
        return bool(self.record_deliveries([row], at=at))

    def record_deliveries(
        self, rows: Sequence[DeliveryRow], *, at: datetime
    ) -> set[tuple[str, str]]:
        """Log these digests once each, in one statement (one round trip); the (chat, key) of
        those logged now, without any already logged (by this or another process)."""
        if not rows:
            return set()
        if len(rows) == 1:  # a lone claim (sends paced at 30 a second): the plainer statement
            [r] = rows
            return {
                (str(chat), str(key))
                for chat, key in self.db.execute(
                    "INSERT INTO deliveries (chat, digest_date, sent, status, note, scheduled)"
                    " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
                    " RETURNING chat, digest_date",
                    [r.chat, _key(r.key), _iso(at), r.status, r.note, _iso(r.scheduled)],
                ).rows
            }
        found = self.db.execute(
            "INSERT INTO deliveries (chat, digest_date, sent, status, note, scheduled)"
            " SELECT c, k, %s, s, n, d FROM unnest(%s::text[], %s::text[], %s::text[],"
            " %s::text[], %s::text[]) AS wanted (c, k, s, n, d)"
            " ON CONFLICT DO NOTHING RETURNING chat, digest_date",
            [
                _iso(at),
                [r.chat for r in rows],
                [_key(r.key) for r in rows],
                [r.status for r in rows],
                [r.note for r in rows],
                [_iso(r.scheduled) for r in rows],
            ],
        ).rows
        return {(str(chat), str(key)) for chat, key in found}

    def claim_delivery(
        self, chat: str, digest_date: date | str, *, at: datetime, scheduled: datetime | None = None
    ) -> bool:
        """Mark the digest of (chat, date) as being sent, before sending; False if logged."""
        return self.record_delivery(chat, digest_date, status="sending", at=at, scheduled=scheduled)

    def finish_delivery(
        self, chat: str, digest_date: date | str, *, status: str, at: datetime, note: str = ""
    ) -> None:
        """Record how a claimed delivery ended (`sent`, `failed`, `gone`)."""
        self.finish_deliveries([DeliveryEnd(chat, digest_date, status, note)], at=at)

    def finish_deliveries(self, ends: Sequence[DeliveryEnd], *, at: datetime) -> None:
        """Record how these claimed deliveries ended, in one statement (one round trip)."""
        if not ends:
            return
        if len(ends) == 1:  # a lone end: the plainer statement, by the primary key
            [e] = ends
            self.db.execute(
                "UPDATE deliveries SET status = %s, sent = %s, note = %s"
                " WHERE chat = %s AND digest_date = %s",
                [e.status, _iso(at), e.note, e.chat, _key(e.key)],
            )
            return
        self.db.execute(
            "UPDATE deliveries AS d SET status = e.status, sent = %s, note = e.note"
            " FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[])"
            " AS e (chat, key, status, note)"
            " WHERE d.chat = e.chat AND d.digest_date = e.key",
            [
                _iso(at),
                [e.chat for e in ends],
                [_key(e.key) for e in ends],
                [e.status for e in ends],
                [e.note for e in ends],
            ],
        )

    def release_delivery(self, chat: str, digest_date: date | str) -> None:
        """Give back a claim whose digest surely did not go out (the queue stopped, or it waits
        for its next try): it is due again."""
        self.db.execute(
            "DELETE FROM deliveries WHERE chat = %s AND digest_date = %s AND status = 'sending'",
            [chat, _key(digest_date)],
        )

    def abandon_unfinished(self, now: datetime) -> list[tuple[str, str]]:
        """Turn deliveries left `sending` by a stopped process into `unknown`; returns them."""
        rows = self.db.execute(
            "UPDATE deliveries SET status = 'unknown', sent = %s,"
            " note = 'the process stopped while sending; not resent'"
            " WHERE status = 'sending' RETURNING chat, digest_date",
            [_iso(now)],
        ).rows
        return sorted((str(chat), str(day)) for chat, day in rows)

    def digest_shown(self, chat: str, now: datetime) -> None:
        """The chat got its digest in a command's reply now: its next digest starts here."""
        with self.db.atomic():
            self.chats.ensure_chat(chat, now)
            self.db.execute(
                "INSERT INTO digest_requests (chat, requested, sent) VALUES (%s, %s, %s)"
                " ON CONFLICT (chat) DO UPDATE SET requested = excluded.requested,"
                " sent = excluded.sent",
                [chat, _iso(now), _iso(now)],
            )

    def failed_delivery_count(self, since: datetime) -> int:
        """How many digest deliveries since `since` did not end in a known success."""
        row = self.db.execute(
            "SELECT count(*) FROM deliveries WHERE NOT (coalesce(status, '') = ANY(%s))"
            " AND digest_date >= %s",
            [list(DELIVERY_OK), since.date().isoformat()],
        ).rows[0]
        return int(row[0])

    def failed_deliveries(self, since: datetime, limit: int = 20) -> list[FailedDelivery]:
        """The newest `limit` digest deliveries since `since` that did not end in a success."""
        rows = self.db.query(
            "SELECT chat, digest_date, sent, status, note FROM deliveries"
            " WHERE NOT (coalesce(status, '') = ANY(%s))"
            " AND digest_date >= %s ORDER BY digest_date DESC, chat LIMIT %s",
            [list(DELIVERY_OK), since.date().isoformat(), limit],
        )
        return [
            FailedDelivery(r["chat"], r["digest_date"], _dt(r["sent"]), r["status"], r["note"])
            for r in rows
        ]
