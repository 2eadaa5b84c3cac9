"""Pushes outside the digest (sqlite-utils): breaking stories told to each chat, and messages
held back during a chat's quiet hours until they end."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.records import Span
from bot.store.base import Table, _dt, _iso, _paragraphs, _paragraphs_json


@dataclass(frozen=True, slots=True)
class Held:
    """A message held during quiet hours: its kind (alert, breaking), its paragraphs, when
    it may go."""

    id: int
    chat: str
    kind: str
    paragraphs: tuple[tuple[Span, ...], ...]
    release: datetime


class Pushes(Table):
    """Breaking-story announcements per chat and the quiet-hours queue."""

    def breaking_chats(self) -> list[str]:
        """Chats that asked for breaking stories."""
        rows = self.db.execute("SELECT key FROM chats WHERE breaking = 1 ORDER BY key")
        return [str(r[0]) for r in rows]

    def told_breaking(self, chat: str, article_ids: Iterable[int]) -> bool:
        """True when one of these articles was in a breaking story told to the chat."""
        known = self.db.execute(
            "SELECT 1 FROM breaking_sent WHERE chat = ?"
            " AND article_id IN (SELECT value FROM json_each(?)) LIMIT 1",
            [chat, json.dumps(sorted(set(article_ids)))],
        ).fetchone()
        return known is not None

    def claim_breaking(
        self, chat: str, article_ids: Iterable[int], story: int, at: datetime
    ) -> bool:
        """Mark a breaking story as told to the chat, once: False when any of its articles was
        in a story told before (the same story, grown or regrouped)."""
        ids = sorted(set(article_ids))
        with self.db.atomic():
            if self.told_breaking(chat, ids):
                return False
            self.db.table("breaking_sent").insert_all(
                ({"chat": chat, "article_id": i, "story": story, "sent": _iso(at)} for i in ids),
                ignore=True,
            )
            return True

    def hold(
        self,
        chat: str,
        kind: str,
        paragraphs: tuple[tuple[Span, ...], ...],
        release: datetime,
        at: datetime,
    ) -> None:
        """Keep a message for the end of the chat's quiet time."""
        with self.db.atomic():
            self.db.table("held").insert(
                {
                    "chat": chat,
                    "kind": kind,
                    "paragraphs": json.dumps(_paragraphs_json(paragraphs), ensure_ascii=False),
                    "release": _iso(release),
                    "created": _iso(at),
                }
            )

    def held_due(self, now: datetime) -> list[Held]:
        """Held messages whose quiet time is over, oldest first."""
        sql = "SELECT * FROM held WHERE release <= ? ORDER BY id"
        out: list[Held] = []
        for r in self.db.query(sql, [_iso(now)]):
            release = _dt(r["release"])
            assert release is not None  # noqa: S101 - the column is NOT NULL
            paragraphs = _paragraphs(json.loads(r["paragraphs"]))
            out.append(Held(r["id"], r["chat"], r["kind"], paragraphs, release))
        return out

    def take_held(self, ids: Sequence[int]) -> bool:
        """Remove held messages right before they are sent; False when another run took them."""
        with self.db.atomic():
            cur = self.db.execute(
                "DELETE FROM held WHERE id IN (SELECT value FROM json_each(?))",
                [json.dumps(list(ids))],
            )
            return cur.rowcount == len(ids)
