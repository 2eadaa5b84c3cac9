"""Pushes outside the digest on PostgreSQL (psycopg): breaking stories told to each chat, and
messages held back during a chat's quiet hours until they end."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.records import Span
from bot.store.base import _dt, _iso, _paragraphs, _paragraphs_json
from bot.store.postgres.base import Table

# pg_advisory_xact_lock key space for claiming a chat's breaking story (hashed with the chat).
_BREAKING_LOCK = 0x627265616B


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
    """Breaking-story announcements per chat and the quiet-hours queue."""

    def breaking_chats(self) -> list[str]:
        """Chats that asked for breaking stories."""
        rows = self.db.execute("SELECT key FROM chats WHERE breaking = 1 ORDER BY key").rows
        return [str(r[0]) for r in rows]

    def told_breaking(self, chat: str, article_ids: Iterable[int]) -> bool:
        """True when one of these articles was in a breaking story told to the chat."""
        known = self.db.execute(
            "SELECT 1 FROM breaking_sent WHERE chat = %s AND article_id = ANY(%s) LIMIT 1",
            [chat, sorted(set(article_ids))],
        ).fetchone()
        return known is not None

    def claim_breaking(
        self, chat: str, article_ids: Iterable[int], story: int, at: datetime
    ) -> bool:
        """Mark a breaking story as told to the chat, once: False when any of its articles was
        in a story told before (the same story, grown or regrouped)."""
        ids = sorted(set(article_ids))
        with self.db.atomic():
            # Two processes claiming overlapping stories for one chat take turns.
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
        self.db.execute(
            "INSERT INTO held (chat, kind, paragraphs, release, created)"
            " VALUES (%s, %s, %s, %s, %s)",
            [
                chat,
                kind,
                json.dumps(_paragraphs_json(paragraphs), ensure_ascii=False),
                _iso(release),
                _iso(at),
            ],
        )

    def held_due(self, now: datetime) -> list[Held]:
        """Held messages whose quiet time is over, oldest first."""
        out: list[Held] = []
        for r in self.db.query("SELECT * FROM held WHERE release <= %s ORDER BY id", [_iso(now)]):
            release = _dt(r["release"])
            assert release is not None  # noqa: S101 - the column is NOT NULL
            paragraphs = _paragraphs(json.loads(r["paragraphs"]))
            out.append(Held(r["id"], r["chat"], r["kind"], paragraphs, release))
        return out

    def take_held(self, ids: Sequence[int]) -> bool:
        """Remove held messages right before they are sent; False when another run took them."""
        cur = self.db.execute("DELETE FROM held WHERE id = ANY(%s)", [list(ids)])
        return cur.rowcount == len(ids)
