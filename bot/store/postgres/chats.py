"""Chats on PostgreSQL (psycopg): settings, subscriptions, alerts and small named state values."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.records import Alert, ChatSettings, Subscription
from bot.store.chat_feeds import ACTIVE, ChatFeeds
from bot.store.chats import to_settings
from bot.store.postgres.base import Table
from bot.store.table import UPDATES_KEPT, _dt, _iso, alert_key

# A chat's key or one of its forum topics' (`chat/…`), without LIKE's wildcards in the key.
_CHAT_OR_TOPIC = "(chat = %(chat)s OR left(chat, %(n)s) = %(topic)s)"


class Chats(Table):
    """Chats with their settings, subscriptions, alerts and last search; the bot's own state."""

    def ensure_chat(self, chat: str, now: datetime) -> None:
        """Create the chat's row with default settings if it is new."""
        self.db.execute(
            "INSERT INTO chats (key, created) VALUES (%s, %s) ON CONFLICT DO NOTHING",
            [chat, _iso(now)],
        )

    def has_chat(self, chat: str) -> bool:
        """True when the chat has written to the bot (or was set up) before."""
        return self.db.execute("SELECT 1 FROM chats WHERE key = %s", [chat]).fetchone() is not None

    def settings(self, chat: str) -> ChatSettings:
        """The chat's settings (defaults for a chat never seen)."""
        return self.settings_of([chat])[chat]

    def settings_of(self, chats: Sequence[str]) -> dict[str, ChatSettings]:
        """Each chat's settings (defaults for a chat never seen), in two reads for them all:
        a due minute's plans cost the same few round trips for ten chats or ten thousand."""
        keys = list(chats)
        rows = self.db.query("SELECT * FROM chats WHERE key = ANY(%s)", [keys])
        found = {str(r["key"]): r for r in rows}
        feeds: dict[str, list[int]] = {}
        for chat, feed in self.db.execute(
            "SELECT chat, feed_id FROM chat_feeds WHERE status = %s AND chat = ANY(%s)"
            " ORDER BY chat, feed_id",
            [ACTIVE, keys],
        ).rows:
            feeds.setdefault(str(chat), []).append(int(feed))
        return {c: to_settings(found.get(c), tuple(feeds.get(c, ()))) for c in chats}

    def subscribe(self, sub: Subscription, now: datetime) -> None:
        """Create or replace the chat's digest subscription; its zone becomes the chat's."""
        with self.db.atomic():
            self.ensure_chat(sub.chat, now)
            self.db.execute("UPDATE chats SET zone = %s WHERE key = %s", [sub.timezone, sub.chat])
            # next_due is computed afresh by the scheduler's next tick.
            self.db.execute(
                "INSERT INTO subscriptions"
                " (chat, time, timezone, created, more_times, days, next_due)"
                " VALUES (%s, %s, %s, %s, %s, %s, NULL) ON CONFLICT (chat) DO UPDATE"
                " SET time = excluded.time, timezone = excluded.timezone,"
                " created = excluded.created, more_times = excluded.more_times,"
                " days = excluded.days, next_due = NULL",
                [
                    sub.chat,
                    sub.time,
                    sub.timezone,
                    _iso(sub.created or now),
                    " ".join(sub.more_times),
                    sub.days,
                ],
            )

    def unsubscribe(self, chat: str) -> bool:
        """End the chat's subscription; False when it had none."""
        return self.db.execute("DELETE FROM subscriptions WHERE chat = %s", [chat]).rowcount > 0

    def subscription(self, chat: str) -> Subscription | None:
        """The chat's subscription, if any."""
        rows = self.db.query("SELECT * FROM subscriptions WHERE chat = %s", [chat])
        return self._subscription(rows[0]) if rows else None

    def subscriptions(self) -> list[Subscription]:
        """Every active subscription."""
        rows = self.db.query("SELECT * FROM subscriptions ORDER BY chat")
        return [self._subscription(r) for r in rows]

    def due_subscriptions(self, now: datetime) -> list[Subscription]:
        """Subscriptions whose next digest is due by `now`, or not computed yet (new, changed);
        an indexed read, so an idle minute costs the same for ten chats or a hundred thousand."""
        rows = self.db.query(
            "SELECT * FROM subscriptions WHERE next_due IS NULL OR next_due <= %s ORDER BY chat",
            [_iso(now)],
        )
        return [self._subscription(r) for r in rows]

    def set_next_due(self, due: Mapping[str, datetime]) -> None:
        """Keep each chat's next digest time, in one transaction."""
        with self.db.atomic():
            self.db.executemany(
                "UPDATE subscriptions SET next_due = %s WHERE chat = %s",
                [(_iso(at), chat) for chat, at in due.items()],
            )

    def next_due_at(self, chat: str) -> datetime | None:
        """When the chat's next digest is due, as the scheduler keeps it (None: not computed)."""
        row = self.db.execute(
            "SELECT next_due FROM subscriptions WHERE chat = %s", [chat]
        ).fetchone()
        return _dt(row[0]) if row else None

    @staticmethod
    def _subscription(row: dict[str, Any]) -> Subscription:
        return Subscription(
            row["chat"],
            row["time"],
            row["timezone"],
            _dt(row["created"]),
            tuple((row.get("more_times") or "").split()),
            row.get("days") or "",
        )

    def chat_language(self, chat: str) -> str | None:
        """The language the chat chose (or was first answered in); None for a new chat."""
        row = self.db.execute("SELECT language FROM chats WHERE key = %s", [chat]).fetchone()
        return str(row[0]) if row and row[0] else None

    def update_settings(
        self,
        chat: str,
        now: datetime,
        *,
        language: str | None = None,
        stories: int | None = None,
        sentences: int | None = None,
        send_empty: bool | None = None,
        breaking: bool | None = None,
        quiet: str | None = None,
        zone: str | None = None,
        silent: bool | None = None,
        previews: bool | None = None,
        sources: tuple[str, ...] | None = None,
    ) -> ChatSettings:
        """Change some of the chat's settings (creating the chat); returns them all."""
        given = (
            ("language", language),
            ("stories", stories),
            ("sentences", sentences),
            ("send_empty", None if send_empty is None else int(send_empty)),
            ("breaking", None if breaking is None else int(breaking)),
            ("quiet", quiet),
            ("zone", zone),
            ("silent", None if silent is None else int(silent)),
            ("previews", None if previews is None else int(previews)),
            ("sources", None if sources is None else "\n".join(sources)),
        )
        changes = {k: v for k, v in given if v is not None}
        with self.db.atomic():
            self.ensure_chat(chat, now)
            if changes:
                # Column names come from the fixed list above, never from a caller.
                columns = ", ".join(f"{k} = %({k})s" for k in changes)
                self.db.execute(
                    f"UPDATE chats SET {columns} WHERE key = %(key)s",  # noqa: S608
                    changes | {"key": chat},
                )
        return self.settings(chat)

    def add_alert(
        self, chat: str, words: tuple[str, ...], now: datetime, *, limit: int | None = None
    ) -> int | None:
        """Store a keyword alert (folded plain words); returns its id, or None when the chat
        has `limit` alerts already and these words are none of them."""
        key = alert_key(words)
        with self.db.atomic():
            self.ensure_chat(chat, now)
            # The chat's row lock makes one alert change at a time per chat, across processes:
            # each statement after it sees what the one before committed (read committed), so
            # the count below is final and two different alerts cannot both take the last place.
            self.db.execute("SELECT 1 FROM chats WHERE key = %s FOR UPDATE", [chat])
            # The same words twice (a retried command, two processes) are one alert: its id.
            row = self.db.execute(
                "SELECT id FROM alerts WHERE chat = %s AND words_key = %s", [chat, key]
            ).fetchone()
            if row is not None:
                return int(row[0])
            if limit is not None:
                count = self.db.execute("SELECT count(*) FROM alerts WHERE chat = %s", [chat])
                if int(count.rows[0][0]) >= limit:
                    return None
            row = self.db.execute(
                "INSERT INTO alerts (chat, words, created, words_key) VALUES (%s, %s, %s, %s)"
                " RETURNING id",
                [chat, " ".join(words), _iso(now), key],
            ).fetchone()
            assert row is not None  # noqa: S101 - INSERT … RETURNING returns the row
            return int(row[0])

    def alerts(self, chat: str | None = None) -> list[Alert]:
        """The chat's alerts (every chat's when `chat` is None), oldest first."""
        sql, args = "SELECT * FROM alerts ORDER BY id", []
        if chat is not None:
            sql, args = "SELECT * FROM alerts WHERE chat = %s ORDER BY id", [chat]
        return [
            Alert(r["id"], r["chat"], tuple(r["words"].split()), _dt(r["created"]))
            for r in self.db.query(sql, args)
        ]

    def remove_alert(self, chat: str, alert_id: int) -> bool:
        """Delete one of the chat's alerts; False when the chat has no such alert."""
        with self.db.atomic():
            self.db.execute(
                "DELETE FROM alert_hits WHERE alert_id IN"
                " (SELECT id FROM alerts WHERE id = %s AND chat = %s)",
                [alert_id, chat],
            )
            cur = self.db.execute(
                "DELETE FROM alerts WHERE id = %s AND chat = %s", [alert_id, chat]
            )
            return cur.rowcount > 0

    def load_state(self, key: str) -> str | None:
        """A small named value (sync token, last search), or None."""
        row = self.db.execute("SELECT value FROM state WHERE key = %s", [key]).fetchone()
        return str(row[0]) if row else None

    def save_state(self, key: str, value: str | None) -> None:
        """Set (or with None, delete) a small named value."""
        if value is None:
            self.db.execute("DELETE FROM state WHERE key = %s", [key])
        else:
            self.db.execute(
                "INSERT INTO state (key, value) VALUES (%s, %s)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )

    def states(self, prefix: str) -> dict[str, str]:
        """The named values whose key starts with `prefix` (every process's heartbeat)."""
        rows = self.db.execute(
            "SELECT key, value FROM state WHERE left(key, %s) = %s", [len(prefix), prefix]
        ).rows
        return {str(k): str(v) for k, v in rows}

    def first_update(self, key: str, now: datetime) -> bool:
        """True the first time an incoming update (`telegram:<bot>:<update_id>`) is handed in,
        False each later time (a webhook retried, another process): it is answered once."""
        with self.db.atomic():
            self.db.execute("DELETE FROM updates_seen WHERE at < %s", [_iso(now - UPDATES_KEPT)])
            cur = self.db.execute(
                "INSERT INTO updates_seen (key, at) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                [key, _iso(now)],
            )
            return bool(cur.rowcount > 0)

    def remember_search(self, chat: str, text: str, page: int) -> None:
        """Keep the chat's last search and page, so buttons and /more carry only a page."""
        self.save_state(f"search:{chat}", json.dumps([text, page], ensure_ascii=False))

    def last_search(self, chat: str) -> tuple[str, int] | None:
        """The chat's last search text and the page it saw."""
        value = self.load_state(f"search:{chat}")
        if value is None:
            return None
        text, page = json.loads(value)
        return str(text), int(page)

    def forget_chat(self, chat: str) -> bool:
        """End a gone chat's subscription, alerts and breaking stories, and its topics'
        (`chat/…`); True when it had any."""
        args = {"chat": chat, "n": len(chat) + 1, "topic": chat + "/"}
        with self.db.atomic():
            subs = self.db.execute(
                f"DELETE FROM subscriptions WHERE {_CHAT_OR_TOPIC}",  # noqa: S608
                args,
            ).rowcount
            self.db.execute(
                "DELETE FROM alert_hits WHERE alert_id IN"  # noqa: S608
                f" (SELECT id FROM alerts WHERE {_CHAT_OR_TOPIC})",
                args,
            )
            alerts = self.db.execute(
                f"DELETE FROM alerts WHERE {_CHAT_OR_TOPIC}",  # noqa: S608
                args,
            ).rowcount
            self.db.execute(
                "DELETE FROM state WHERE key = %s OR left(key, %s) = %s",
                [f"search:{chat}", len(chat) + 8, f"search:{chat}/"],
            )
            # Alerts and breaking stories not yet tried are pushes to a chat that is gone.
            self.db.execute(
                "UPDATE pushes SET status = 'gone'"  # noqa: S608
                f" WHERE status = 'planned' AND {_CHAT_OR_TOPIC}",
                args,
            )
            self.db.execute(
                "UPDATE chats SET breaking = 0 WHERE key = %(chat)s"
                " OR left(key, %(n)s) = %(topic)s",
                args,
            )
            feeds = ChatFeeds(self.db, "%s").forget(chat)
            return subs + alerts + feeds > 0

    def move_chat(self, old: str, new: str) -> None:
        """A chat got a new key (Telegram group → supergroup): carry settings and subscriptions."""
        with self.db.atomic():
            # Its own feeds go along even before it has settings of its own.
            ChatFeeds(self.db, "%s").move(old, new)
            rows = self.db.query("SELECT * FROM chats WHERE key = %s", [old])
            if not rows:
                return
            values = rows[0] | {"key": new}
            names = ", ".join(values)
            marks = ", ".join(f"%({k})s" for k in values)
            updates = ", ".join(f"{k} = excluded.{k}" for k in values if k != "key")
            self.db.execute(
                # Column names come from the chats table itself, never from a caller.
                f"INSERT INTO chats ({names}) VALUES ({marks})"  # noqa: S608
                f" ON CONFLICT (key) DO UPDATE SET {updates}",
                values,
            )
            for table, key in (
                ("subscriptions", "chat"),
                ("alerts", "chat, words_key"),
                ("deliveries", "chat, digest_date"),
                ("pushes", "chat, key"),
                ("breaking_sent", "chat, article_id"),
                ("digest_archive", "chat, digest_date, sent"),
            ):
                _move_rows(self, table, key, old, new)
            _move_rows(self, "state", "key", f"search:{old}", f"search:{new}", column="key")
            self.db.execute("DELETE FROM chats WHERE key = %s", [old])

    def digest_keywords(self, chat: str) -> tuple[str, ...]:
        """The chat's digest keyword filter (`-word` excludes)."""
        row = self.db.execute("SELECT digest_keywords FROM chats WHERE key = %s", [chat]).fetchone()
        return tuple(row[0].split()) if row and row[0] else ()

    def set_digest_keywords(self, chat: str, keywords: Sequence[str], now: datetime) -> None:
        """Replace the chat's digest keyword filter."""
        with self.db.atomic():
            self.ensure_chat(chat, now)
            self.db.execute(
                "UPDATE chats SET digest_keywords = %s WHERE key = %s", [" ".join(keywords), chat]
            )


def _move_rows(
    chats: Chats, table: str, key: str | None, old: str, new: str, column: str = "chat"
) -> None:
    """SQLite's `UPDATE OR REPLACE … SET chat = new WHERE chat = old`: rows of `new` that would
    collide on the primary key `key` are replaced by `old`'s."""
    # Table and column names come from move_chat's fixed list, never from a caller.
    if key is not None:
        others = ", ".join(k.strip() for k in key.split(",") if k.strip() != column)
        same = " AND ".join(f"n.{k} = o.{k}" for k in (others.split(", ") if others else []))
        chats.db.execute(
            f"DELETE FROM {table} n WHERE n.{column} = %(new)s"  # noqa: S608
            f" AND EXISTS (SELECT 1 FROM {table} o WHERE o.{column} = %(old)s"
            f"{' AND ' + same if same else ''})",
            {"old": old, "new": new},
        )
    chats.db.execute(
        f"UPDATE {table} SET {column} = %(new)s WHERE {column} = %(old)s",  # noqa: S608
        {"old": old, "new": new},
    )
