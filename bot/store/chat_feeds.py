"""A chat's own feeds (both backends): the requests and links in `chat_feeds`, the feeds they
poll (`feeds.chats_only`), and the chat feed each article came from (`articles.chat_feed`).

The SQL is plain enough to hold for SQLite and PostgreSQL alike; the one difference, the
placeholder, is the backend's `mark`. An entry is `waiting` for an operator (approve mode) or
`active`: then `feed_id` is polled and its items reach this chat alone (and other chats that
added the same URL).
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol

from bot.records import ChatFeed
from bot.store.table import _dt, _iso

WAITING = "waiting"
ACTIVE = "active"


class Rows(Protocol):
    """What the part needs of a database: sqlite-utils' `Database` and `PgDatabase` both are."""

    def query(self, sql: str, params: Any = None, /) -> Iterable[dict[str, Any]]: ...
    def execute(self, sql: str, parameters: Any = None, /) -> Any: ...
    def atomic(self) -> AbstractContextManager[Any]: ...


class ChatFeeds:
    """Chats' own feeds: asked for, approved or refused, listed, counted and removed."""

    def __init__(self, db: Rows, mark: str = "?", take_turns: str | None = None) -> None:
        self.db = db
        self.mark = mark
        # Run first in each add's transaction so that adds take turns across processes (the
        # limits are counted then): PostgreSQL's advisory transaction lock. SQLite's write
        # lock, taken at the transaction's start, does that already.
        self.take_turns = take_turns

    def _sql(self, sql: str) -> str:
        return sql.replace("?", self.mark)

    def _rows(self, sql: str, args: list[Any]) -> list[dict[str, Any]]:
        return list(self.db.query(self._sql(sql), args))

    def _run(self, sql: str, args: list[Any]) -> int:
        return int(self.db.execute(self._sql(sql), args).rowcount)

    def add(
        self,
        chat: str,
        url: str,
        now: datetime,
        *,
        title: str | None,
        user: str,
        active: bool,
        limits: tuple[int, int] | None = None,
    ) -> tuple[ChatFeed | None, bool]:
        """Record a chat's feed: active (polled from now on) or waiting for an operator. The
        chat's URL is recorded once: the same request again (a retried command, two processes
        at once) finds the stored entry. Returns (entry, created), created True for the call
        that recorded it (as Django's `get_or_create`), so the operators are told once; and
        (None, False) when the URL is new and `limits` (per chat, all chats) are reached,
        counted in the same transaction, so two requests at once cannot pass one limit."""
        with self.db.atomic():
            if self.take_turns is not None:
                self.db.execute(self.take_turns)
            if limits is not None and self._full(chat, url, *limits):
                return None, False
            added = self._rows(
                "INSERT INTO chat_feeds (chat, url, title, status, added, asked_by)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (chat, url) DO NOTHING RETURNING id",
                [chat, url, title, WAITING, _iso(now), user],
            )
            if added:
                entry = int(added[0]["id"])
                if active:
                    self._activate(entry, now)
            else:
                [row] = self._rows(
                    "SELECT id FROM chat_feeds WHERE chat = ? AND url = ?", [chat, url]
                )
                entry = int(row["id"])
        found = self.entry(entry)
        assert found is not None  # noqa: S101 - written just now, in this transaction
        return found, bool(added)

    def _full(self, chat: str, url: str, per_chat: int, total: int) -> bool:
        """Whether a new URL would pass the chat's limit or all chats' (a known one is no new
        entry)."""
        [row] = self._rows(
            "SELECT count(*) FILTER (WHERE chat = ?) AS mine, count(*) AS every,"
            " count(*) FILTER (WHERE chat = ? AND url = ?) AS known FROM chat_feeds",
            [chat, chat, url],
        )
        return not row["known"] and (row["mine"] >= per_chat or row["every"] >= total)

    def approve(self, entry_id: int, now: datetime) -> ChatFeed | None:
        """An operator's yes: the waiting entry becomes active; None when nothing waits so
        (also when another operator, or process, decided it a moment ago: one decision)."""
        with self.db.atomic():
            taken = self._run(
                "UPDATE chat_feeds SET status = ? WHERE id = ? AND status = ?",
                [ACTIVE, entry_id, WAITING],
            )
            if not taken:
                return None
            self._activate(entry_id, now)
        return self.entry(entry_id)

    def _activate(self, entry_id: int, now: datetime) -> None:
        """Poll the entry's URL as a chats-only feed (or the feed that already polls it)."""
        [row] = self._rows("SELECT url, title FROM chat_feeds WHERE id = ?", [entry_id])
        self._run(
            "INSERT INTO feeds (url, title, failures, created, chats_only)"
            " VALUES (?, ?, 0, ?, 1) ON CONFLICT (url) DO NOTHING",
            [row["url"], row["title"], _iso(now)],
        )
        [feed] = self._rows("SELECT id FROM feeds WHERE url = ?", [row["url"]])
        self._run(
            "UPDATE chat_feeds SET status = ?, feed_id = ? WHERE id = ?",
            [ACTIVE, feed["id"], entry_id],
        )

    def refuse(self, entry_id: int) -> ChatFeed | None:
        """An operator's no: the waiting entry is dropped and returned; None if none waits
        (also when it was decided a moment ago: one decision)."""
        with self.db.atomic():
            found = self.entry(entry_id)
            if found is None or found.status != WAITING:
                return None
            if not self._run(
                "DELETE FROM chat_feeds WHERE id = ? AND status = ?", [entry_id, WAITING]
            ):
                return None
        return found

    def remove(self, chat: str, entry_id: int) -> ChatFeed | None:
        """The chat drops one of its feeds (or a request); its feed stops being polled when no
        chat has it any more. None when the chat has no such entry."""
        with self.db.atomic():
            found = self.entry(entry_id)
            if found is None or found.chat != chat:
                return None
            self._run("DELETE FROM chat_feeds WHERE id = ?", [entry_id])
            if found.feed_id is not None:
                self.drop_orphans([found.feed_id])
        return found

    def forget(self, chat: str) -> int:
        """A gone chat's feeds and requests, and those of its forum topics (`chat/…`)."""
        match = "(chat = ? OR substr(chat, 1, ?) = ?)"
        args: list[Any] = [chat, len(chat) + 1, chat + "/"]
        with self.db.atomic():
            feeds = [
                int(r["feed_id"])
                for r in self._rows(f"SELECT feed_id FROM chat_feeds WHERE {match}", args)  # noqa: S608
                if r["feed_id"] is not None
            ]
            gone = self._run(f"DELETE FROM chat_feeds WHERE {match}", args)  # noqa: S608
            self.drop_orphans(feeds)
        return gone

    def drop_orphans(self, feed_ids: Iterable[int]) -> None:
        """Stop polling chats-only feeds no chat has any more; their articles stay, seen by
        nobody (they were only ever the chat's)."""
        for feed_id in set(feed_ids):
            self._run(
                "DELETE FROM feeds WHERE id = ? AND chats_only = 1"
                " AND NOT EXISTS (SELECT 1 FROM chat_feeds WHERE feed_id = ?)",
                [feed_id, feed_id],
            )

    def entry(self, entry_id: int) -> ChatFeed | None:
        """One entry by its number."""
        rows = self._rows("SELECT * FROM chat_feeds WHERE id = ?", [entry_id])
        return to_chat_feed(rows[0]) if rows else None

    def of_chat(self, chat: str) -> list[ChatFeed]:
        """The chat's own feeds and requests, in the order added."""
        rows = self._rows("SELECT * FROM chat_feeds WHERE chat = ? ORDER BY id", [chat])
        return [to_chat_feed(r) for r in rows]

    def waiting(self) -> list[ChatFeed]:
        """Every request waiting for an operator, oldest first."""
        rows = self._rows("SELECT * FROM chat_feeds WHERE status = ? ORDER BY id", [WAITING])
        return [to_chat_feed(r) for r in rows]

    def count(self) -> int:
        """Every chat's feeds and requests together (what `chat_feeds_total` limits)."""
        [row] = self._rows("SELECT count(*) AS n FROM chat_feeds", [])
        return int(row["n"])

    def feed_ids(self, chat: str) -> tuple[int, ...]:
        """The feeds whose items reach this chat besides the shared pool."""
        rows = self._rows(
            "SELECT feed_id FROM chat_feeds WHERE chat = ? AND status = ? ORDER BY feed_id",
            [chat, ACTIVE],
        )
        return tuple(int(r["feed_id"]) for r in rows)

    def move(self, old: str, new: str) -> None:
        """A chat that moved (a Telegram group became a supergroup) keeps its feeds; a URL the
        new chat already has stays once."""
        with self.db.atomic():
            self._run(
                "DELETE FROM chat_feeds WHERE chat = ? AND url IN"
                " (SELECT url FROM chat_feeds WHERE chat = ?)",
                [new, old],
            )
            self._run("UPDATE chat_feeds SET chat = ? WHERE chat = ?", [new, old])


def to_chat_feed(row: dict[str, Any]) -> ChatFeed:
    added = _dt(row["added"])
    assert added is not None  # noqa: S101 - the column is NOT NULL
    return ChatFeed(
        id=int(row["id"]),
        chat=row["chat"],
        url=row["url"],
        title=row["title"],
        status=row["status"],
        added=added,
        feed_id=None if row["feed_id"] is None else int(row["feed_id"]),
        user=row["asked_by"] or "",
    )
