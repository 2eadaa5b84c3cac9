"""A fake Telegram Bot API server (aiohttp on 127.0.0.1) that speaks the real wire protocol.

It keeps what each chat "sees" (messages with later edits applied), validates Telegram HTML
the way the real server does (allowed tags, balanced, 4096 UTF-16 units after parsing), and
can answer 429 with retry_after, 403 "bot was blocked", or a chat migration. Groups have
administrators (getChatAdministrators, getChatMember), channels get `channel_post` updates,
forum supergroups have topics (`message_thread_id`) that can be closed ("TOPIC_CLOSED").
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp import web

from tests.fakes.ports import serve_on_loopback

# RetryAfter.retry_after warns unless PTB is told to use timedelta already.
os.environ.setdefault("PTB_TIMEDELTA", "1")

TOKEN = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"
BOT_USER = {
    "id": 4242,
    "is_bot": True,
    "first_name": "DigestBot",
    "username": "digest_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": True,
}
# Telegram's HTML subset (core.telegram.org/bots/api#html-style).
ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "tg-spoiler", "span", "blockquote", "tg-emoji",
}  # fmt: skip
# What the Bot API sends for an administrator (every right listed, as the real server does).
_ADMIN_RIGHTS: dict[str, Any] = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_post_messages": True,
    "can_edit_messages": True,
    "can_pin_messages": True,
    "can_manage_topics": True,
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
MESSAGE_LIMIT = 4096
# answerInlineQuery: at most 50 results, ids of 1-64 bytes, next_offset of at most 64 bytes.
INLINE_RESULTS = 50
INLINE_ID_BYTES = 64
INLINE_OFFSET_BYTES = 64


class TelegramHTMLError(ValueError):
    """What the real server answers as 400 "can't parse entities"."""


class _TelegramHTML(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.text: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise TelegramHTMLError(f'Unsupported start tag "{tag}"')
        if tag == "a" and not dict(attrs).get("href"):
            raise TelegramHTMLError("Can't find end of the entity: <a> without href")
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise TelegramHTMLError(f'Unsupported start tag "{tag}/"')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise TelegramHTMLError(f'Unexpected end tag "{tag}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data:
            raise TelegramHTMLError("Unclosed start tag")
        self.text.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in NAMED_ENTITIES:
            raise TelegramHTMLError(f'Unsupported HTML entity "&{name};"')
        self.text.append(NAMED_ENTITIES[name])

    def handle_charref(self, name: str) -> None:
        code = int(name[1:], 16) if name[:1] in "xX" else int(name)
        self.text.append(chr(code))

    def unknown_decl(self, data: str) -> None:
        raise TelegramHTMLError("Unsupported declaration")

    def handle_comment(self, data: str) -> None:
        raise TelegramHTMLError("Unsupported comment")


def parse_telegram_html(html: str) -> str:
    """The visible text of a Telegram HTML message; raises TelegramHTMLError like the server."""
    parser = _TelegramHTML()
    parser.feed(html)
    parser.close()
    if parser.stack:
        raise TelegramHTMLError(f"Can't find end tag corresponding to start tag {parser.stack[-1]}")
    return "".join(parser.text)


def visible_text(text: str, parse_mode: object) -> str:
    """What the user reads of a message text: HTML parsed when the parse mode says so (raises
    TelegramHTMLError on markup the server would refuse)."""
    return parse_telegram_html(text) if parse_mode == "HTML" else text


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Sent:
    """One message the bot sent, as the chat shows it now."""

    chat_id: int
    message_id: int
    text: str
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    link_preview_options: dict[str, Any] | None
    edits: int = 0
    # The forum topic it was sent to (None: the chat itself, or a topic-less chat).
    thread: int | None = None
    # Sent with disable_notification: it arrives without a sound.
    silent: bool = False

    @property
    def visible(self) -> str:
        """The text the user reads (HTML parsed)."""
        return visible_text(self.text, self.parse_mode)

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback_data) of every inline button."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [(b["text"], b["callback_data"]) for row in rows for b in row]


@dataclass
class FakeBotAPI:
    """The fake server's state; tests push updates and read `sent` and `calls`."""

    token: str = TOKEN
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    answered: list[dict[str, Any]] = field(default_factory=list)
    # answerInlineQuery calls by inline query id, as the server accepted them.
    inline_answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Telegram's cache of inline answers: (query, offset) → (until, answer), for `cache_time`
    # seconds, shared by every user unless the answer `is_personal` (then per user id).
    inline_cache: dict[tuple[str, str, int | None], tuple[float, dict[str, Any]]] = field(
        default_factory=dict
    )
    _inline_asked: dict[str, tuple[str, str, int]] = field(default_factory=dict)
    # method → retry_after seconds: answer the next call(s) with 429, one entry per call.
    flood: dict[str, list[int]] = field(default_factory=dict)
    # chat id → retry_after seconds: the next sendMessage(s) to that chat get 429.
    flood_chat: dict[int, list[int]] = field(default_factory=dict)
    # method → seconds the server takes to answer it (a slow getChatAdministrators, …).
    latency: dict[str, float] = field(default_factory=dict)
    # method → seconds the server takes to answer a call it has already carried out, one entry
    # per call (Telegram under load: the message is in the chat, the answer comes late).
    late_answer: dict[str, list[float]] = field(default_factory=dict)
    # Chats where the server cannot parse any tag: HTML with markup gets "can't parse entities".
    refuse_markup: set[int] = field(default_factory=set)
    blocked: set[int] = field(default_factory=set)
    # Until this time.monotonic() value, sendMessage answers 500 (the Bot API is down).
    down_until: float = 0.0
    migrated: dict[int, int] = field(default_factory=dict)
    # Chats the bot was removed from: sends get 403 "bot was kicked".
    kicked: set[int] = field(default_factory=set)
    # Chats the bot left by itself (leaveChat), in order.
    left: list[int] = field(default_factory=list)
    # Chat id → its Bot API chat object, for every group and channel a test set up.
    chats: dict[int, dict[str, Any]] = field(default_factory=dict)
    # Chat id → user ids of its administrators (the first one is the owner).
    admins: dict[int, list[int]] = field(default_factory=dict)
    # (chat id, thread id) of closed forum topics: sends there get 400 "TOPIC_CLOSED".
    closed_topics: set[tuple[int, int]] = field(default_factory=set)
    # What the server accepts per message; tests lower it to provoke "message is too long".
    limit: int = MESSAGE_LIMIT
    # setWebhook's parameters while a webhook is set; getUpdates is refused meanwhile.
    webhook: dict[str, Any] | None = None
    port: int = 0
    # How long `stop` lets requests under way finish (0: dropped with their connections).
    shutdown_timeout: float = 60.0
    _update_id: int = 1
    _message_id: int = 100
    _runner: web.AppRunner | None = None
    _new_update: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def base_url(self) -> str:
        """What TELEGRAM_API_URL is set to: the token is appended by PTB."""
        return f"http://127.0.0.1:{self.port}/bot"

    # --- what users do --------------------------------------------------------------------

    def _push(self, update: dict[str, Any]) -> None:
        update["update_id"] = self._update_id
        self._update_id += 1
        self.updates.append(update)
        self._new_update.set()

    def _next_message_id(self) -> int:
        self._message_id += 1
        return self._message_id

    def add_group(
        self, chat_id: int, admins: list[int], *, forum: bool = False, kind: str = "supergroup"
    ) -> None:
        """A group (a forum with topics when `forum`) whose administrators are `admins`."""
        chat: dict[str, Any] = {"id": chat_id, "type": kind, "title": "Gruppe"}
        if forum:
            chat["is_forum"] = True
        self.chats[chat_id] = chat
        self.admins[chat_id] = list(admins)

    def add_channel(self, chat_id: int, title: str = "Nachrichtenkanal") -> None:
        """A channel with the bot as an administrator that may post."""
        self.chats[chat_id] = {"id": chat_id, "type": "channel", "title": title}
        self.admins[chat_id] = [1, BOT_USER["id"]]

    def _chat(self, chat_id: int, chat_type: str = "private") -> dict[str, Any]:
        if chat_id in self.chats:
            return dict(self.chats[chat_id])
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        chat.update({"first_name": "Tester"} if chat_type == "private" else {"title": "Gruppe"})
        return chat

    @staticmethod
    def _entities(msg: dict[str, Any], text: str) -> None:
        if text.startswith("/"):
            command = text.split()[0]
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]

    def push_text(
        self,
        text: str,
        chat_id: int = 777,
        user_id: int = 555,
        *,
        language_code: str | None = "de",
        chat_type: str = "private",
        thread: int | None = None,
    ) -> None:
        """A user writes `text` in a chat (in forum topic `thread`, if given)."""
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": "Tester"}
        if language_code:
            user["language_code"] = language_code
        msg: dict[str, Any] = {
            "message_id": self._next_message_id(),
            "date": int(time.time()),
            "chat": self._chat(chat_id, chat_type),
            "from": user,
            "text": text,
        }
        if thread is not None:
            # As in a forum: every message in a topic carries its thread and says so.
            msg["message_thread_id"] = thread
            msg["is_topic_message"] = True
        self._entities(msg, text)
        self._push({"message": msg})

    def push_channel_post(self, text: str, chat_id: int, *, discussion: int | None = None) -> None:
        """An administrator posts `text` in a channel: no `from`, the channel is the sender.

        With `discussion` (the channel's linked discussion group), Telegram also copies the post
        into that group, as it does for every post: from the service user 777000, the channel as
        `sender_chat`, marked `is_automatic_forward`.
        """
        chat = self._chat(chat_id, "channel")
        msg: dict[str, Any] = {
            "message_id": self._next_message_id(),
            "date": int(time.time()),
            "chat": chat,
            "sender_chat": chat,
            "text": text,
        }
        self._entities(msg, text)
        self._push({"channel_post": msg})
        if discussion is None:
            return
        copy: dict[str, Any] = {
            "message_id": self._next_message_id(),
            "date": msg["date"],
            "chat": self._chat(discussion, "supergroup"),
            "from": {"id": 777000, "is_bot": False, "first_name": "Telegram"},
            "sender_chat": chat,
            "is_automatic_forward": True,
            "forward_origin": {
                "type": "channel",
                "date": msg["date"],
                "chat": chat,
                "message_id": msg["message_id"],
            },
            "text": text,
        }
        self._entities(copy, text)
        self._push({"message": copy})

    def push_removed(self, chat_id: int, by_user: int = 1) -> None:
        """An administrator removes the bot from a group or channel (my_chat_member: kicked)."""
        self.kicked.add(chat_id)
        member = {"id": BOT_USER["id"], "is_bot": True, "first_name": "DigestBot"}
        chat = self._chat(chat_id, "supergroup")
        old: dict[str, Any] = {"status": "member", "user": member}
        if chat["type"] == "channel":
            old = {"status": "administrator", "user": member, **_ADMIN_RIGHTS}
        self._push(
            {
                "my_chat_member": {
                    "chat": chat,
                    "from": {"id": by_user, "is_bot": False, "first_name": "Owner"},
                    "date": int(time.time()),
                    "old_chat_member": old,
                    "new_chat_member": {"status": "kicked", "user": member, "until_date": 0},
                }
            }
        )

    def push_added(self, chat_id: int, by_user: int) -> None:
        """A user adds the bot to a group (my_chat_member: left → member)."""
        member = {"id": BOT_USER["id"], "is_bot": True, "first_name": "DigestBot"}
        self._push(
            {
                "my_chat_member": {
                    "chat": self._chat(chat_id, "supergroup"),
                    "from": {"id": by_user, "is_bot": False, "first_name": "Adder"},
                    "date": int(time.time()),
                    "old_chat_member": {"status": "left", "user": member},
                    "new_chat_member": {"status": "member", "user": member},
                }
            }
        )

    def push_button(self, message: Sent, label: str, user_id: int = 555) -> None:
        """A user taps the inline button labelled `label` under a bot message."""
        self.push_callback(message, dict(message.buttons)[label], user_id)

    def push_callback(self, message: Sent, data: str, user_id: int = 555) -> None:
        """A callback query with `data` from under a bot message: what a button sends, or what
        any client may send (Telegram does not check callback data against the buttons)."""
        self._push(
            {
                "callback_query": {
                    "id": f"cq{self._update_id}",
                    "from": {"id": user_id, "is_bot": False, "first_name": "Tester"},
                    "chat_instance": "ci1",
                    "data": data,
                    "message": {
                        "message_id": message.message_id,
                        "date": int(time.time()),
                        "chat": self._chat(message.chat_id),
                        "from": BOT_USER,
                        "text": message.visible,
                    },
                }
            }
        )

    def push_inline(
        self, query: str, offset: str = "", user_id: int = 555, language_code: str = "de"
    ) -> str:
        """A user types `@bot query` in any chat (scrolled to `offset`); returns the query id.
        A cached answer (see `inline_cache`) is given without asking the bot, as Telegram does."""
        query_id = f"iq{self._update_id}"
        for key in ((query, offset, None), (query, offset, user_id)):
            until, cached = self.inline_cache.get(key, (0.0, {}))
            if time.monotonic() < until:
                self.inline_answers[query_id] = cached
                self._update_id += 1
                return query_id
        self._inline_asked[query_id] = (query, offset, user_id)
        user = {"id": user_id, "is_bot": False, "first_name": "Tester"}
        user["language_code"] = language_code
        self._push(
            {
                "inline_query": {
                    "id": query_id,
                    "from": user,
                    "query": query,
                    "offset": offset,
                    "chat_type": "sender",
                }
            }
        )
        return query_id

    def push_migration(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group becomes a supergroup: the service message Telegram posts in the old group."""
        self.migrated[old_chat_id] = new_chat_id
        self._push(
            {
                "message": {
                    "message_id": self._next_message_id(),
                    "date": int(time.time()),
                    "chat": {"id": old_chat_id, "type": "group", "title": "Gruppe"},
                    "from": {"id": 555, "is_bot": False, "first_name": "Tester"},
                    "migrate_to_chat_id": new_chat_id,
                }
            }
        )

    def push_blocked(self, chat_id: int, user_id: int = 555) -> None:
        """A user blocks the bot: later sends get 403, and a my_chat_member update arrives."""
        self.blocked.add(chat_id)
        member = {"id": BOT_USER["id"], "is_bot": True, "first_name": "DigestBot"}
        self._push(
            {
                "my_chat_member": {
                    "chat": {"id": chat_id, "type": "private", "first_name": "Tester"},
                    "from": {"id": user_id, "is_bot": False, "first_name": "Tester"},
                    "date": int(time.time()),
                    "old_chat_member": {"status": "member", "user": member},
                    "new_chat_member": {"status": "kicked", "user": member, "until_date": 0},
                }
            }
        )

    def screen(self, chat_id: int) -> list[Sent]:
        """What a chat shows: the bot's messages to it, in order."""
        return [m for m in self.sent if m.chat_id == chat_id]

    def topic(self, chat_id: int, thread: int) -> list[Sent]:
        """What one forum topic shows: the bot's messages to that thread, in order."""
        return [m for m in self.screen(chat_id) if m.thread == thread]

    def count(self, method: str) -> int:
        """How often the bot called a Bot API method."""
        return sum(1 for m, _ in self.calls if m == method)

    # --- the server -----------------------------------------------------------------------

    @staticmethod
    def _error(code: int, description: str, **parameters: Any) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=code)

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            data = await request.json()
            return dict(data)
        params: dict[str, Any] = {}
        for key, value in (await request.post()).items():
            try:
                params[key] = json.loads(str(value))
            except ValueError:
                params[key] = value
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append((method, params))
        if self.flood.get(method):
            return self._error(
                429, "Too Many Requests: retry later", retry_after=self.flood[method].pop(0)
            )
        if method == "sendMessage" and time.monotonic() < self.down_until:
            return self._error(500, "Internal Server Error")
        if method == "sendMessage" and self.flood_chat.get(int(params["chat_id"])):
            wait = self.flood_chat[int(params["chat_id"])].pop(0)
            return self._error(429, "Too Many Requests: retry later", retry_after=wait)
        if self.latency.get(method):
            await asyncio.sleep(self.latency[method])
        handler = getattr(self, "m_" + method.lower(), None)
        if handler is None:
            return web.json_response({"ok": True, "result": True})
        result = await handler(params)
        if isinstance(result, web.Response):
            return result
        if self.late_answer.get(method):
            await asyncio.sleep(self.late_answer[method].pop(0))
        return web.json_response({"ok": True, "result": result})

    async def m_getme(self, p: dict[str, Any]) -> Any:
        return BOT_USER

    async def m_setwebhook(self, p: dict[str, Any]) -> Any:
        if not p.get("url"):
            self.webhook = None
        elif not str(p["url"]).startswith("https://"):
            return self._error(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        else:
            self.webhook = p
        return True

    async def m_deletewebhook(self, p: dict[str, Any]) -> Any:
        self.webhook = None
        return True

    async def m_getupdates(self, p: dict[str, Any]) -> Any:
        if self.webhook is not None:
            return self._error(
                409,
                "Conflict: can't use getUpdates method while webhook is active;"
                " use deleteWebhook to delete the webhook first",
            )
        offset = int(p.get("offset") or 0)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if not self.updates:
            self._new_update.clear()
            timeout = min(float(p.get("timeout") or 0), 0.5)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout)
        return self.updates[: int(p.get("limit") or 100)]

    def _check_text(self, p: dict[str, Any]) -> str | web.Response:
        chat_id = int(p["chat_id"])
        if chat_id in self.blocked:
            return self._error(403, "Forbidden: bot was blocked by the user")
        if chat_id in self.kicked:
            kind = self._chat(chat_id, "supergroup")["type"]
            return self._error(403, f"Forbidden: bot was kicked from the {kind} chat")
        thread = p.get("message_thread_id")
        if thread is not None and (chat_id, int(thread)) in self.closed_topics:
            return self._error(400, "Bad Request: TOPIC_CLOSED")
        if chat_id in self.migrated:
            return self._error(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=self.migrated[chat_id],
            )
        markup = p.get("parse_mode") == "HTML" and "<" in str(p.get("text", ""))
        if markup and chat_id in self.refuse_markup:
            return self._error(400, "Bad Request: can't parse entities: unsupported start tag")
        try:
            text = visible_text(str(p.get("text", "")), p.get("parse_mode"))
        except TelegramHTMLError as exc:
            return self._error(400, f"Bad Request: can't parse entities: {exc}")
        if not text.strip():
            return self._error(400, "Bad Request: message text is empty")
        if utf16_len(text) > self.limit:
            return self._error(400, "Bad Request: message is too long")
        return text

    def _message(self, sent: Sent) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": sent.message_id,
            "date": int(time.time()),
            "from": BOT_USER,
            "chat": self._chat(sent.chat_id),
            "text": sent.visible,
        }
        if sent.thread is not None:
            message["message_thread_id"] = sent.thread
            message["is_topic_message"] = True
        return message

    async def m_sendmessage(self, p: dict[str, Any]) -> Any:
        checked = self._check_text(p)
        if isinstance(checked, web.Response):
            return checked
        sent = Sent(
            int(p["chat_id"]),
            self._next_message_id(),
            str(p["text"]),
            p.get("parse_mode"),
            p.get("reply_markup"),
            p.get("link_preview_options"),
            thread=int(p["message_thread_id"]) if p.get("message_thread_id") else None,
            silent=str(p.get("disable_notification", "")).lower() in ("true", "1"),
        )
        self.sent.append(sent)
        return self._message(sent)

    async def m_editmessagetext(self, p: dict[str, Any]) -> Any:
        checked = self._check_text(p)
        if isinstance(checked, web.Response):
            return checked
        chat_id, message_id = int(p["chat_id"]), int(p["message_id"])
        for sent in self.sent:
            if (sent.chat_id, sent.message_id) == (chat_id, message_id):
                if sent.text == p["text"] and sent.reply_markup == p.get("reply_markup"):
                    return self._error(400, "Bad Request: message is not modified")
                sent.text, sent.parse_mode = str(p["text"]), p.get("parse_mode")
                sent.reply_markup = p.get("reply_markup")
                sent.edits += 1
                return self._message(sent)
        return self._error(400, "Bad Request: message to edit not found")

    def _member(self, chat_id: int, user_id: int) -> dict[str, Any]:
        user = {"id": user_id, "is_bot": user_id == BOT_USER["id"], "first_name": "Tester"}
        admins = self.admins.get(chat_id, [])
        if admins and user_id == admins[0]:
            return {"status": "creator", "user": user, "is_anonymous": False}
        if user_id in admins:
            return {"status": "administrator", "user": user, **_ADMIN_RIGHTS}
        return {"status": "member", "user": user}

    async def m_getchatadministrators(self, p: dict[str, Any]) -> Any:
        chat_id = int(p["chat_id"])
        if chat_id in self.kicked:
            return self._error(403, "Forbidden: bot was kicked from the supergroup chat")
        if chat_id not in self.chats:
            return self._error(400, "Bad Request: there are no administrators in the private chat")
        # The real method lists no bots, except the bot itself when it is an administrator.
        return [self._member(chat_id, user) for user in self.admins[chat_id]]

    async def m_getchatmember(self, p: dict[str, Any]) -> Any:
        chat_id, user_id = int(p["chat_id"]), int(p["user_id"])
        if chat_id in self.kicked:
            return self._error(403, "Forbidden: bot was kicked from the supergroup chat")
        return self._member(chat_id, user_id)

    async def m_leavechat(self, p: dict[str, Any]) -> Any:
        self.left.append(int(p["chat_id"]))
        self.kicked.add(int(p["chat_id"]))
        return True

    async def m_answercallbackquery(self, p: dict[str, Any]) -> Any:
        self.answered.append(p)
        return True

    async def m_answerinlinequery(self, p: dict[str, Any]) -> Any:
        """Check the answer as the server does (results, ids, offset, each message's HTML)."""
        results = p.get("results") or []
        if isinstance(results, str):
            results = json.loads(results)
        if len(results) > INLINE_RESULTS:
            return self._error(400, "Bad Request: RESULTS_TOO_MUCH")
        ids = [str(r.get("id", "")) for r in results]
        if len(set(ids)) != len(ids) or not all(
            0 < len(i.encode()) <= INLINE_ID_BYTES for i in ids
        ):
            return self._error(400, "Bad Request: RESULT_ID_INVALID")
        # A String field: the form value "10" is not the number 10.
        offset = p.get("next_offset")
        offset = "" if offset is None else str(offset)
        if len(offset.encode()) > INLINE_OFFSET_BYTES:
            return self._error(400, "Bad Request: NEXT_OFFSET_INVALID")
        for r in results:
            if r.get("type") != "article" or not r.get("title"):
                return self._error(400, "Bad Request: RESULT_TYPE_INVALID")
            content = r.get("input_message_content") or {}
            try:
                text = visible_text(str(content.get("message_text", "")), content.get("parse_mode"))
            except TelegramHTMLError as exc:
                return self._error(400, f"Bad Request: can't parse entities: {exc}")
            if not text.strip() or utf16_len(text) > self.limit:
                return self._error(400, "Bad Request: MESSAGE_TEXT_INVALID")
        answer = {**p, "results": results, "next_offset": offset}
        query_id = str(p["inline_query_id"])
        self.inline_answers[query_id] = answer
        if query_id in self._inline_asked:
            query, asked_offset, user_id = self._inline_asked.pop(query_id)
            personal = str(p.get("is_personal", "")).lower() in ("true", "1")
            until = time.monotonic() + float(p.get("cache_time", 300))
            key = (query, asked_offset, user_id if personal else None)
            self.inline_cache[key] = (until, answer)
        return True

    async def start(self) -> FakeBotAPI:
        """Listen on 127.0.0.1 on a free port."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner, self.port = await serve_on_loopback(app, self.shutdown_timeout)
        return self

    async def stop(self) -> None:
        """Close the server."""
        if self._runner is not None:
            await self._runner.cleanup()
