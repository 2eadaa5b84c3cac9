"""The push outbox (sqlite-utils): alerts and breaking stories planned when their article is
stored, claimed right before their one attempt, and what each chat was already told.

A push is `planned` (due now, or `held` until a chat's quiet time ends), then `sending` from its
claim, then `sent`, `failed` or `gone`. A process stopped between claim and outcome leaves
`sending`, which the next start turns into `unknown` (never resent); a planned push left far
past its due time is `dropped`; one the chat no longer wants when it is due (its alert deleted,
breaking stories turned off, the outlet no longer chosen) is `withdrawn`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.records import Reply
from bot.store.table import Table, _dt, _iso, _reply, _reply_json


@dataclass(frozen=True, slots=True)
class Push:
    """A planned push as the outbox keeps it: whom, what kind, the message, when it may go."""

    id: int
    chat: str
    kind: str
    key: str
    reply: Reply
    due: datetime
    held: bool


@dataclass(frozen=True, slots=True)
class PushLeft:
    """A push that will not be sent: cut off mid-attempt (`unknown`) or too old (`dropped`)."""

    chat: str
    key: str
    due: datetime | None


class Pushes(Table):
    """Alerts and breaking stories per chat, planned, claimed and finished once each."""

    def breaking_chats(self) -> list[str]:
        """Chats that asked for breaking stories."""
        rows = self.db.execute("SELECT key FROM chats WHERE breaking = 1 ORDER BY key")
        return [str(r[0]) for r in rows]

    def told_breaking(self, chat: str, article_ids: Iterable[int]) -> bool:
        """True when one of these articles was in a breaking story planned for the chat."""
        known = self.db.execute(
            "SELECT 1 FROM breaking_sent WHERE chat = ?"
            " AND article_id IN (SELECT value FROM json_each(?)) LIMIT 1",
            [chat, json.dumps(sorted(set(article_ids)))],
        ).fetchone()
        return known is not None

    def breaking_story(self, chat: str, story: int) -> list[int]:
        """The articles of the breaking story planned for the chat under `story` (its lead)."""
        rows = self.db.execute(
            "SELECT article_id FROM breaking_sent WHERE chat = ? AND story = ? ORDER BY article_id",
            [chat, story],
        )
        return [int(r[0]) for r in rows]

    def has_alert_hit(self, alert_ids: Sequence[int], article_id: int) -> bool:
        """True when one of these alerts was already planned for the article."""
        row = self.db.execute(
            "SELECT 1 FROM alert_hits WHERE article_id = ?"
            " AND alert_id IN (SELECT value FROM json_each(?)) LIMIT 1",
            [article_id, json.dumps(list(alert_ids))],
        ).fetchone()
        return row is not None

    def mark_unplanned(self, article_ids: Iterable[int], at: datetime) -> None:
        """Note newly stored articles whose alerts are still to be planned; called in the
        transaction that stores them, so a process that dies before planning loses nothing."""
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO alerts_unplanned (article_id, stored) VALUES (?, ?)",
            [(i, _iso(at)) for i in article_ids],
        )

    def unplanned(self, stored_before: datetime, limit: int) -> list[int]:
        """Articles whose alerts are still to be planned, stored before `stored_before`,
        oldest first."""
        rows = self.db.execute(
            "SELECT article_id FROM alerts_unplanned WHERE stored < ?"
            " ORDER BY stored, article_id LIMIT ?",
            [_iso(stored_before), limit],
        )
        return [int(r[0]) for r in rows]

    def mark_planned(self, article_ids: Iterable[int]) -> None:
        """The articles' alerts are planned (or there were none)."""
        with self.db.atomic():
            self.db.execute(
                "DELETE FROM alerts_unplanned WHERE article_id IN (SELECT value FROM json_each(?))",
                [json.dumps(list(article_ids))],
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
            if self.has_alert_hit(alert_ids, article_id):
                return False
            self.db.table("alert_hits").insert_all(
                ({"alert_id": a, "article_id": article_id, "sent": _iso(at)} for a in alert_ids),
                ignore=True,
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
            if self.told_breaking(chat, ids):
                return False
            self.db.table("breaking_sent").insert_all(
                ({"chat": chat, "article_id": i, "story": story, "sent": _iso(at)} for i in ids),
                ignore=True,
            )
            return self._plan(chat, "breaking", f"breaking:{story}", reply, due, at)

    def _plan(
        self, chat: str, kind: str, key: str, reply: Reply, due: datetime, at: datetime
    ) -> bool:
        cur = self.db.execute(
            "INSERT OR IGNORE INTO pushes (chat, kind, key, reply, planned, due, held, status)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 'planned')",
            [chat, kind, key, _reply_json(reply), _iso(at), _iso(due), int(due > at)],
        )
        return cur.rowcount > 0

    def due(self, now: datetime) -> list[Push]:
        """Planned pushes that may go now, oldest first."""
        sql = "SELECT * FROM pushes WHERE status = 'planned' AND due <= ? ORDER BY id"
        out: list[Push] = []
        for r in self.db.query(sql, [_iso(now)]):
            due = _dt(r["due"])
            assert due is not None  # noqa: S101 - the column is NOT NULL
            out.append(
                Push(r["id"], r["chat"], r["kind"], r["key"], _reply(r["reply"]), due, r["held"])
            )
        return out

    def claim(self, ids: Sequence[int], at: datetime) -> bool:
        """Mark planned pushes as being sent, right before the attempt; False when another
        run has any of them (nothing is claimed then)."""
        listed = json.dumps(list(ids))
        with self.db.atomic():
            row = self.db.execute(
                "SELECT count(*) FROM pushes WHERE status = 'planned'"
                " AND id IN (SELECT value FROM json_each(?))",
                [listed],
            ).fetchone()
            if int(row[0]) != len(set(ids)):
                return False
            self.db.execute(
                "UPDATE pushes SET status = 'sending', attempted = ?"
                " WHERE id IN (SELECT value FROM json_each(?))",
                [_iso(at), listed],
            )
            return True

    def finish(self, ids: Sequence[int], status: str, at: datetime, note: str = "") -> None:
        """Record how claimed pushes ended (`sent`, `failed`, `gone`)."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE pushes SET status = ?, attempted = ?, note = ?"
                " WHERE id IN (SELECT value FROM json_each(?))",
                [status, _iso(at), note, json.dumps(list(ids))],
            )

    def release(self, ids: Sequence[int]) -> None:
        """Give back claimed pushes that were never sent (the queue stopped): due again."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE pushes SET status = 'planned', attempted = NULL"
                " WHERE status = 'sending' AND id IN (SELECT value FROM json_each(?))",
                [json.dumps(list(ids))],
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
            "status = 'planned' AND due < ?", [_iso(before)], "dropped", "too old to send", now
        )

    def _leave(
        self, where: str, args: list[object], status: str, note: str, now: datetime
    ) -> list[PushLeft]:
        with self.db.atomic():
            rows = self.db.execute(
                f"SELECT chat, key, due FROM pushes WHERE {where}",  # noqa: S608 - fixed clauses
                args,
            ).fetchall()
            self.db.execute(
                f"UPDATE pushes SET status = ?, attempted = ?, note = ? WHERE {where}",  # noqa: S608
                [status, _iso(now), note, *args],
            )
        return [PushLeft(str(chat), str(key), _dt(due)) for chat, key, due in rows]

    def count(self, status: str, since: datetime) -> int:
        """Pushes that ended in `status` since `since` (`newsbot status` shows the dropped)."""
        row = self.db.execute(
            "SELECT count(*) FROM pushes WHERE status = ? AND attempted >= ?",
            [status, _iso(since)],
        ).fetchone()
        return int(row[0])
