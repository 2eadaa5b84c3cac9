"""Chats (sqlite-utils): settings, subscriptions, alerts and small named state values."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.records import Alert, ChatSettings, Subscription
from bot.store.chat_feeds import ACTIVE, ChatFeeds
from bot.store.table import UPDATES_KEPT, Table, _dt, _iso, alert_key


class Chats(Table):
    """Chats with their settings, subscriptions, alerts and last search; the bot's own state."""

    def ensure_chat(self, chat: str, now: datetime) -> None:
        """Create the chat's row with default settings if it is new."""
        self.db.table("chats").insert({"key": chat, "created": _iso(now)}, ignore=True)

    def has_chat(self, chat: str) -> bool:
        """True when the chat has written to the bot (or was set up) before."""
        return self.db.execute("SELECT 1 FROM chats WHERE key = ?", [chat]).fetchone() is not None

    def settings(self, chat: str) -> ChatSettings:
        """The chat's settings (defaults for a chat never seen)."""
        return self.settings_of([chat])[chat]

    def settings_of(self, chats: Sequence[str]) -> dict[str, ChatSettings]:
        """Each chat's settings (defaults for a chat never seen), in two reads for them all:
        a due minute's plans cost the same few queries for ten chats or ten thousand."""
        keys = json.dumps(list(chats))
        rows = self.db.query(
            "SELECT * FROM chats WHERE key IN (SELECT value FROM json_each(?))", [keys]
        )
        found = {str(r["key"]): r for r in rows}
        feeds: dict[str, list[int]] = {}
        for chat, feed in self.db.execute(
            "SELECT chat, feed_id FROM chat_feeds WHERE status = ?"
            " AND chat IN (SELECT value FROM json_each(?)) ORDER BY chat, feed_id",
            [ACTIVE, keys],
        ):
            feeds.setdefault(str(chat), []).append(int(feed))
        return {c: to_settings(found.get(c), tuple(feeds.get(c, ()))) for c in chats}

    def subscribe(self, sub: Subscription, now: datetime) -> None:
        """Create or replace the chat's digest subscription; its zone becomes the chat's."""
        with self.db.atomic():
            self.ensure_chat(sub.chat, now)
            self.db.table("chats").update(sub.chat, {"zone": sub.timezone})
            self.db.table("subscriptions").upsert(
                {
                    "chat": sub.chat,
                    "time": sub.time,
                    "timezone": sub.timezone,
                    "created": _iso(sub.created or now),
                    # Computed afresh by the scheduler's next tick.
                    "next_due": None,
                    "more_times": " ".join(sub.more_times),
                    "days": sub.days,
                },
                pk="chat",
            )

    def unsubscribe(self, chat: str) -> bool:
        """End the chat's subscription; False when it had none."""
        with self.db.atomic():
            cur = self.db.execute("DELETE FROM subscriptions WHERE chat = ?", [chat])
            return cur.rowcount > 0

    def subscription(self, chat: str) -> Subscription | None:
        """The chat's subscription, if any."""
        rows = list(self.db.query("SELECT * FROM subscriptions WHERE chat = ?", [chat]))
        return self._subscription(rows[0]) if rows else None

    def subscriptions(self) -> list[Subscription]:
        """Every active subscription."""
        rows = self.db.query("SELECT * FROM subscriptions ORDER BY chat")
        return [self._subscription(r) for r in rows]

    def due_subscriptions(self, now: datetime) -> list[Subscription]:
        """Subscriptions whose next digest is due by `now`, or not computed yet (new, changed);
        an indexed read, so an idle minute costs the same for ten chats or a hundred thousand."""
        rows = self.db.query(
            "SELECT * FROM subscriptions WHERE next_due IS NULL OR next_due <= ? ORDER BY chat",
            [_iso(now)],
        )
        return [self._subscription(r) for r in rows]

    def set_next_due(self, due: Mapping[str, datetime]) -> None:
        """Keep each chat's next digest time, in one transaction."""
        with self.db.atomic():
            self.db.conn.executemany(
                "UPDATE subscriptions SET next_due = ? WHERE chat = ?",
                [(_iso(at), chat) for chat, at in due.items()],
            )

    def next_due_at(self, chat: str) -> datetime | None:
        """When the chat's next digest is due, as the scheduler keeps it (None: not computed)."""
        sql = "SELECT next_due FROM subscriptions WHERE chat = ?"
        row = self.db.execute(sql, [chat]).fetchone()
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
        row = self.db.execute("SELECT language FROM chats WHERE key = ?", [chat]).fetchone()
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
                self.db.table("chats").update(chat, changes)
        return self.settings(chat)

    def add_alert(
        self, chat: str, words: tuple[str, ...], now: datetime, *, limit: int | None = None
    ) -> int | None:
        """Store a keyword alert (folded plain words); returns its id, or None when the chat
        has `limit` alerts already and these words are none of them."""
        key = alert_key(words)
        # BEGIN IMMEDIATE: the count and the insert hold the write lock together, so two
        # different alerts at once (two processes) cannot both take the last place.
        with self.db.atomic():
            self.ensure_chat(chat, now)
            # The same words twice (a retried command, two processes) are one alert: its id.
            row = self.db.execute(
                "SELECT id FROM alerts WHERE chat = ? AND words_key = ?", [chat, key]
            ).fetchone()
            if row is not None:
                return int(row[0])
            if limit is not None:
                count = self.db.execute("SELECT count(*) FROM alerts WHERE chat = ?", [chat])
                if int(count.fetchone()[0]) >= limit:
                    return None
            cur = self.db.execute(
                "INSERT INTO alerts (chat, words, created, words_key) VALUES (?, ?, ?, ?)",
                [chat, " ".join(words), _iso(now), key],
            )
            return int(cur.lastrowid or 0)

    def alerts(self, chat: str | None = None) -> list[Alert]:
        """The chat's alerts (every chat's when `chat` is None), oldest first."""
        sql, args = "SELECT * FROM alerts ORDER BY id", []
        if chat is not None:
            sql, args = "SELECT * FROM alerts WHERE chat = ? ORDER BY id", [chat]
        return [
            Alert(r["id"], r["chat"], tuple(r["words"].split()), _dt(r["created"]))
            for r in self.db.query(sql, args)
        ]

    def remove_alert(self, chat: str, alert_id: int) -> bool:
        """Delete one of the chat's alerts; False when the chat has no such alert."""
        with self.db.atomic():
            self.db.execute(
                "DELETE FROM alert_hits WHERE alert_id IN "
                "(SELECT id FROM alerts WHERE id = ? AND chat = ?)",
                [alert_id, chat],
            )
            cur = self.db.execute("DELETE FROM alerts WHERE id = ? AND chat = ?", [alert_id, chat])
            return cur.rowcount > 0

    def load_state(self, key: str) -> str | None:
        """A small named value (sync token, last search), or None."""
        row = self.db.execute("SELECT value FROM state WHERE key = ?", [key]).fetchone()
        return str(row[0]) if row else None

    def save_state(self, key: str, value: str | None) -> None:
        """Set (or with None, delete) a small named value."""
        with self.db.atomic():
            if value is None:
                self.db.execute("DELETE FROM state WHERE key = ?", [key])
            else:
                self.db.table("state").upsert({"key": key, "value": value}, pk="key")

    def states(self, prefix: str) -> dict[str, str]:
        """The named values whose key starts with `prefix` (every process's heartbeat)."""
        rows = self.db.execute(
            "SELECT key, value FROM state WHERE substr(key, 1, ?) = ?", [len(prefix), prefix]
        )
        return {str(k): str(v) for k, v in rows}

    def first_update(self, key: str, now: datetime) -> bool:
        """True the first time an incoming update (`telegram:<bot>:<update_id>`) is handed in,
        False each later time (a webhook retried, a redelivered poll): it is answered once.
        Keys are kept for `UPDATES_KEPT`."""
        with self.db.atomic():
            self.db.execute("DELETE FROM updates_seen WHERE at < ?", [_iso(now - UPDATES_KEPT)])
            cur = self.db.execute(
                "INSERT OR IGNORE INTO updates_seen (key, at) VALUES (?, ?)", [key, _iso(now)]
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
        # `chat` itself or one of its forum topics, without LIKE's wildcards in the key.
        match = "(chat = ? OR substr(chat, 1, ?) = ?)"
        args = [chat, len(chat) + 1, chat + "/"]
        with self.db.atomic():
            subs = self.db.execute(f"DELETE FROM subscriptions WHERE {match}", args).rowcount  # noqa: S608
            self.db.execute(
                f"DELETE FROM alert_hits WHERE alert_id IN (SELECT id FROM alerts WHERE {match})",  # noqa: S608
                args,
            )
            alerts = self.db.execute(f"DELETE FROM alerts WHERE {match}", args).rowcount  # noqa: S608
            self.db.execute(
                "DELETE FROM state WHERE key = ? OR substr(key, 1, ?) = ?",
                [f"search:{chat}", len(chat) + 8, f"search:{chat}/"],
            )
            # Alerts and breaking stories not yet tried are pushes to a chat that is gone.
            self.db.execute(
                f"UPDATE pushes SET status = 'gone' WHERE status = 'planned' AND {match}",  # noqa: S608
                args,
            )
            self.db.execute(
                "UPDATE chats SET breaking = 0 WHERE key = ? OR substr(key, 1, ?) = ?", args
            )
            feeds = ChatFeeds(self.db).forget(chat)
            return subs + alerts + feeds > 0

    def move_chat(self, old: str, new: str) -> None:
        """A chat got a new key (Telegram group → supergroup): carry settings and subscriptions."""
        with self.db.atomic():
            # Its own feeds go along even before it has settings of its own.
            ChatFeeds(self.db).move(old, new)
            row = self.db.execute("SELECT * FROM chats WHERE key = ?", [old]).fetchone()
            if row is None:
                return
            columns = [d[0] for d in self.db.execute("SELECT * FROM chats LIMIT 0").description]
            values = dict(zip(columns, row, strict=True))
            values["key"] = new
            self.db.table("chats").insert(values, replace=True)
            for table in (
                "subscriptions",
                "alerts",
                "deliveries",
                "pushes",
                "breaking_sent",
                "digest_archive",
            ):
                self.db.execute(
                    f"UPDATE OR REPLACE {table} SET chat = ? WHERE chat = ?",  # noqa: S608
                    [new, old],
                )
            self.db.execute(
                "UPDATE OR REPLACE state SET key = ? WHERE key = ?",
                [f"search:{new}", f"search:{old}"],
            )
            self.db.execute("DELETE FROM chats WHERE key = ?", [old])

    def digest_keywords(self, chat: str) -> tuple[str, ...]:
        """The chat's digest keyword filter (`-word` excludes)."""
        row = self.db.execute("SELECT digest_keywords FROM chats WHERE key = ?", [chat]).fetchone()
        return tuple(row[0].split()) if row and row[0] else ()

    def set_digest_keywords(self, chat: str, keywords: Sequence[str], now: datetime) -> None:
        """Replace the chat's digest keyword filter."""
        with self.db.atomic():
            self.ensure_chat(chat, now)
            self.db.table("chats").update(chat, {"digest_keywords": " ".join(keywords)})


def to_settings(row: Mapping[str, Any] | None, feeds: tuple[int, ...]) -> ChatSettings:
    """A chats row as the record (both backends store the same columns); None: the defaults."""
    if row is None:
        return ChatSettings(feeds=feeds)
    keywords = tuple(row["digest_keywords"].split()) if row.get("digest_keywords") else ()
    return ChatSettings(
        row["language"],
        row["stories"],
        row["sentences"],
        bool(row["send_empty"]),
        keywords,
        breaking=bool(row.get("breaking")),
        quiet=row.get("quiet") or "",
        zone=row.get("zone") or None,
        silent=bool(row.get("silent")),
        previews=bool(row.get("previews")),
        sources=tuple(s for s in (row.get("sources") or "").split("\n") if s),
        feeds=feeds,
    )
