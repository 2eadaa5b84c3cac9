"""The push outbox on PostgreSQL (psycopg): alerts and breaking stories planned when their
article is stored, claimed right before their one attempt, and what each chat was already told.

The states are SQLite's (`bot.store.pushes`): `planned` (maybe `held` until a quiet time ends),
`sending` from the claim, then `sent`, `failed` or `gone`; `unknown` when a process stopped
mid-attempt, `dropped` when too old, `withdrawn` when the chat no longer wants it. Several
processes may share the database, so planning takes an advisory lock per article (alerts) or per
chat (breaking stories) and claiming locks the rows it takes in id order (`FOR UPDATE`): each
push is planned once and claimed once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.records import Reply, Span
from bot.store.postgres.base import Table
from bot.store.pushes import Push, PushLeft
from bot.store.table import _dt, _iso, _reply, _reply_json

# pg_advisory_xact_lock key spaces (hashed with the chat or the article) for planning.
_BREAKING_LOCK = 0x627265616B
_ALERT_LOCK = 0x616C657274


@dataclass(frozen=True, slots=True)
class Held:
    """A message held during quiet hours (the table before m010_push_outbox). A stopgap so the
    package imports until the PostgreSQL outbox (m010/m011) replaces this part."""

    id: int
    chat: str
    kind: str
    paragraphs: tuple[tuple[Span, ...], ...]
    release: datetime


class Pushes(Table):
    """Alerts and breaking stories per chat, planned, claimed and finished once each."""

    def breaking_chats(self) -> list[str]:
        """Chats that asked for breaking stories."""
        rows = self.db.execute("SELECT key FROM chats WHERE breaking = 1 ORDER BY key").rows
        return [str(r[0]) for r in rows]

    def told_breaking(self, chat: str, article_ids: Iterable[int]) -> bool:
        """True when one of these articles was in a breaking story planned for the chat."""
        known = self.db.execute(
            "SELECT 1 FROM breaking_sent WHERE chat = %s AND article_id = ANY(%s) LIMIT 1",
            [chat, sorted(set(article_ids))],
        ).fetchone()
        return known is not None

    def breaking_story(self, chat: str, story: int) -> list[int]:
        """The articles of the breaking story planned for the chat under `story` (its lead)."""
        rows = self.db.execute(
            "SELECT article_id FROM breaking_sent WHERE chat = %s AND story = %s"
            " ORDER BY article_id",
            [chat, story],
        ).rows
        return [int(r[0]) for r in rows]

    def has_alert_hit(self, alert_ids: Sequence[int], article_id: int) -> bool:
        """True when one of these alerts was already planned for the article."""
        row = self.db.execute(
            "SELECT 1 FROM alert_hits WHERE article_id = %s AND alert_id = ANY(%s) LIMIT 1",
            [article_id, list(alert_ids)],
        ).fetchone()
        return row is not None

    def mark_unplanned(self, article_ids: Iterable[int], at: datetime) -> None:
        """Note newly stored articles whose alerts are still to be planned; called in the
        transaction that stores them, so a process that dies before planning loses nothing."""
        self.db.executemany(
            "INSERT INTO alerts_unplanned (article_id, stored) VALUES (%s, %s)"
            " ON CONFLICT DO NOTHING",
            [(i, _iso(at)) for i in article_ids],
        )

    def unplanned(self, stored_before: datetime, limit: int) -> list[int]:
        """Articles whose alerts are still to be planned, stored before `stored_before`,
        oldest first."""
        rows = self.db.execute(
            "SELECT article_id FROM alerts_unplanned WHERE stored < %s"
            " ORDER BY stored, article_id LIMIT %s",
            [_iso(stored_before), limit],
        ).rows
        return [int(r[0]) for r in rows]

    def mark_planned(self, article_ids: Iterable[int]) -> None:
        """The articles' alerts are planned (or there were none)."""
        self.db.execute(
            "DELETE FROM alerts_unplanned WHERE article_id = ANY(%s)", [list(article_ids)]
        )

    def plan_alert(
        self,
        chat: str,
        alert_ids: Sequence[int],
        article_id: int,
        reply: Reply,
        due: datetime,
        at: datetime,
    ) -> bool:
        """Plan an article's alert for a chat, once: False when one of these alerts already
        has it. The hit and the push are written in one transaction."""
        with self.db.atomic():
            # Two processes planning alerts for one article take turns.
            self.db.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, %s))",
                [str(article_id), _ALERT_LOCK],
            )
            if self.has_alert_hit(alert_ids, article_id):
                return False
            self.db.execute(
                "INSERT INTO alert_hits (alert_id, article_id, sent)"
                " SELECT unnest(%s::bigint[]), %s, %s ON CONFLICT DO NOTHING",
                [list(alert_ids), article_id, _iso(at)],
            )
            return self._plan(chat, "alert", f"alert:{article_id}", reply, due, at)

    def plan_breaking(
        self,
        chat: str,
        article_ids: Iterable[int],
        story: int,
        reply: Reply,
        due: datetime,
        at: datetime,
    ) -> bool:
        """Plan a breaking story for a chat, once: False when any of its articles was in a
        story planned before (the same story, grown or regrouped)."""
        ids = sorted(set(article_ids))
        with self.db.atomic():
            # Two processes planning overlapping stories for one chat take turns.
            self.db.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, %s))", [chat, _BREAKING_LOCK]
            )
            if self.told_breaking(chat, ids):
                return False
            self.db.execute(
                "INSERT INTO breaking_sent (chat, article_id, story, sent)"
                " SELECT %s, unnest(%s::bigint[]), %s, %s ON CONFLICT DO NOTHING",
                [chat, ids, story, _iso(at)],
            )
            return self._plan(chat, "breaking", f"breaking:{story}", reply, due, at)

    def _plan(
        self, chat: str, kind: str, key: str, reply: Reply, due: datetime, at: datetime
    ) -> bool:
        cur = self.db.execute(
            "INSERT INTO pushes (chat, kind, key, reply, planned, due, held, status)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, 'planned') ON CONFLICT (chat, key) DO NOTHING",
            [chat, kind, key, _reply_json(reply), _iso(at), _iso(due), int(due > at)],
        )
        return cur.rowcount > 0

    def due(self, now: datetime) -> list[Push]:
        """Planned pushes that may go now, oldest first."""
        sql = "SELECT * FROM pushes WHERE status = 'planned' AND due <= %s ORDER BY id"
        out: list[Push] = []
        for r in self.db.query(sql, [_iso(now)]):
            due = _dt(r["due"])
            assert due is not None  # noqa: S101 - the column is NOT NULL
            out.append(
                Push(
                    r["id"],
                    r["chat"],
                    r["kind"],
                    r["key"],
                    _reply(r["reply"]),
                    due,
                    bool(r["held"]),
                )
            )
        return out

    def claim(self, ids: Sequence[int], at: datetime) -> bool:
        """Mark planned pushes as being sent, right before the attempt; False when another
        run has any of them (nothing is claimed then)."""
        wanted = sorted(set(ids))
        with self.db.atomic():
            # Locked in id order, waiting for a run claiming them now (a short transaction):
            # its claim then shows as taken. SKIP LOCKED would let two runs each take a part of
            # the same pushes, so that neither claims them all.
            free = self.db.execute(
                "SELECT id FROM pushes WHERE id = ANY(%s) AND status = 'planned'"
                " ORDER BY id FOR UPDATE",
                [wanted],
            ).rows
            if len(free) != len(wanted):
                return False
            self.db.execute(
                "UPDATE pushes SET status = 'sending', attempted = %s WHERE id = ANY(%s)",
                [_iso(at), wanted],
            )
            return True

    def finish(self, ids: Sequence[int], status: str, at: datetime, note: str = "") -> None:
        """Record how claimed pushes ended (`sent`, `failed`, `gone`)."""
        self.db.execute(
            "UPDATE pushes SET status = %s, attempted = %s, note = %s WHERE id = ANY(%s)",
            [status, _iso(at), note, list(ids)],
        )

    def release(self, ids: Sequence[int]) -> None:
        """Give back claimed pushes that were never sent (the queue stopped): due again."""
        self.db.execute(
            "UPDATE pushes SET status = 'planned', attempted = NULL"
            " WHERE status = 'sending' AND id = ANY(%s)",
            [sorted(set(ids))],
        )

    def abandon_unfinished(self, now: datetime) -> list[PushLeft]:
        """Turn pushes left `sending` by a stopped process into `unknown`; returns them."""
        return self._leave(
            "status = 'sending'",
            [],
            "unknown",
            "the process stopped while sending; not resent",
            now,
        )

    def drop_stale(self, before: datetime, now: datetime) -> list[PushLeft]:
        """Drop planned pushes due before `before` (too old to be news); returns them."""
        return self._leave(
            "status = 'planned' AND due < %s", [_iso(before)], "dropped", "too old to send", now
        )

    def _leave(
        self, where: str, args: list[Any], status: str, note: str, now: datetime
    ) -> list[PushLeft]:
        rows = self.db.execute(
            # One statement, so a push is left once however many processes run it.
            "WITH changed AS (UPDATE pushes SET status = %s, attempted = %s, note = %s"  # noqa: S608 - fixed clauses
            f" WHERE {where} RETURNING id, chat, key, due)"
            " SELECT chat, key, due FROM changed ORDER BY id",
            [status, _iso(now), note, *args],
        ).rows
        return [PushLeft(str(chat), str(key), _dt(due)) for chat, key, due in rows]

    def count(self, status: str, since: datetime) -> int:
        """Pushes that ended in `status` since `since` (`newsbot status` shows the dropped)."""
        row = self.db.execute(
            "SELECT count(*) FROM pushes WHERE status = %s AND attempted >= %s",
            [status, _iso(since)],
        ).rows[0]
        return int(row[0])
