"""The store's shared base (sqlite-utils): the `Database` every part uses, and row helpers."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from bot.records import Button, Reply, Span


class WriterDatabase(Database):
    """sqlite-utils' `Database` whose outermost `atomic()` takes the write lock first.

    A transaction that reads and then writes (BEGIN DEFERRED) cannot wait for another writer
    in WAL mode: SQLite answers "database is locked" at once, whatever the busy timeout. With
    BEGIN IMMEDIATE the lock is taken, or waited for, before the first read.
    """

    @contextmanager
    def atomic(self) -> Iterator[Database]:
        """A transaction (a savepoint when nested) that holds the write lock from its start."""
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.conn.rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.rollback()
            raise


class Table:
    """One part of the store: the tables of one kind of data, on the shared `Database`."""

    def __init__(self, db: Database) -> None:
        self.db = db


# How long an incoming update's key is kept (`first_update`): Telegram retries for far less.
UPDATES_KEPT = timedelta(days=1)


def alert_key(words: Iterable[str]) -> str:
    """An alert's unique key within its chat: its words case folded, each once, in order.

    `/alert Zoll Trump` sent twice (or to two processes at once) stores one alert. The key is
    stored (`alerts.words_key`, m019), so changing this rule needs a migration that recomputes it.
    """
    return " ".join(sorted({w.casefold() for w in words}))


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _paragraphs_json(paragraphs: tuple[tuple[Span, ...], ...]) -> list[list[dict[str, object]]]:
    return [
        [{"text": s.text, "bold": s.bold, "url": s.url} for s in paragraph]
        for paragraph in paragraphs
    ]


def _reply_json(reply: Reply) -> str:
    """A reply as stored: every span, button and flag, so it renders again exactly as sent."""
    return json.dumps(
        {
            "paragraphs": _paragraphs_json(reply.paragraphs),
            "buttons": [[b.label, b.command] for b in reply.buttons],
            "link_previews": reply.link_previews,
            "ok": reply.ok,
            # A push's quiet flag (None: a command reply); absent in replies stored before.
            "silent": reply.silent,
        },
        ensure_ascii=False,
    )


def _paragraphs(data: list[list[dict[str, object]]]) -> tuple[tuple[Span, ...], ...]:
    return tuple(
        tuple(Span(str(s["text"]), bool(s["bold"]), str(s["url"]) if s["url"] else None) for s in p)
        for p in data
    )


def _reply(text: str) -> Reply:
    """A stored reply (`_reply_json`) back as the record."""
    data = json.loads(text)
    return Reply(
        _paragraphs(data["paragraphs"]),
        tuple(Button(label, command) for label, command in data["buttons"]),
        bool(data["link_previews"]),
        bool(data["ok"]),
        silent=data.get("silent"),
    )
