"""Telegram over python-telegram-bot v22: `Application` with handlers, `AIORateLimiter`, HTML.

Long polling by default, a webhook (PTB's tornado server behind a TLS proxy) as an option. Any
Bot API server works: `api_url` is PTB's `base_url`, the token appended after it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    Updater,
    filters,
)

from bot.commands import COMMANDS
from bot.errors import ChatGone, NewsbotError
from bot.records import Button, Reply
from bot.render import TELEGRAM_LIMIT, split_reply, telegram_html, to_plain, utf16_len
from bot.texts import t
from bot.transports.base import Incoming, OnChatGone, OnChatMoved, OnMessage

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.telegram.org/bot"
PREFIX = "telegram:"
# Attempts for one message on network errors and on a flood wait the rate limiter gave up on.
ATTEMPTS = 4
# Longest wait we accept from a 429 before giving up on a message (it is then logged).
MAX_RETRY_AFTER = 60.0
# Telegram allows 1–64 bytes of callback data.
MAX_CALLBACK_DATA = 64
# Descriptions of 400s meaning the chat itself is gone.
_GONE = ("chat not found", "user is deactivated", "bot was kicked", "peer_id_invalid")


@dataclass(frozen=True, slots=True)
class Webhook:
    """Where Telegram posts updates when polling is off: public URL, secret, local listener.

    The local server answers on the URL's path, so a proxy forwards requests unchanged. The
    secret is required: Telegram sends it with every update, and a request without it is 403.
    """

    url: str
    secret: str = field(repr=False)
    listen: str = "127.0.0.1"
    port: int = 8443


def chat_key(chat_id: int) -> str:
    """Telegram chat id → platform-qualified chat key."""
    return f"{PREFIX}{chat_id}"


def chat_id(chat: str) -> int:
    """Platform-qualified chat key → Telegram chat id."""
    if not chat.startswith(PREFIX):
        raise ValueError(f"not a Telegram chat: {chat!r}")
    return int(chat.removeprefix(PREFIX))


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def keyboard(buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | None:
    """Inline buttons in one row; each carries its command as callback data (≤ 64 bytes)."""
    usable = [b for b in buttons if 0 < len(b.command.encode()) <= MAX_CALLBACK_DATA]
    if not usable:
        return None
    row = [InlineKeyboardButton(b.label, callback_data=b.command) for b in usable]
    return InlineKeyboardMarkup([row])


class TelegramTransport:
    """A Telegram bot: PTB `Application` in, `send` out, every reply rendered as HTML."""

    name = "telegram"

    def __init__(
        self,
        token: str,
        api_url: str = DEFAULT_API_URL,
        *,
        on_gone: OnChatGone | None = None,
        on_moved: OnChatMoved | None = None,
        webhook: Webhook | None = None,
        max_retries: int = 3,
        poll_timeout: float = 10.0,
    ) -> None:
        self.application = (
            ApplicationBuilder()
            .token(token)
            .base_url(api_url)
            .rate_limiter(AIORateLimiter(max_retries=max_retries))
            .build()
        )
        self.api_url = api_url
        self.on_gone = on_gone
        self.on_moved = on_moved
        self.webhook = webhook
        self.poll_timeout = poll_timeout
        self.limit = TELEGRAM_LIMIT
        self._on_message: OnMessage | None = None
        app = self.application
        only_messages = filters.UpdateType.MESSAGE
        app.add_handler(CommandHandler(sorted(COMMANDS), self._on_text, filters=only_messages))
        # Unknown commands and chatter get a hint only in private chats: in a group they may be
        # meant for another bot or for people.
        private = only_messages & filters.ChatType.PRIVATE
        app.add_handler(MessageHandler(private & filters.COMMAND, self._on_text))
        app.add_handler(MessageHandler(private & filters.TEXT, self._on_text))
        app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self._on_migrate))
        app.add_handler(CallbackQueryHandler(self._on_button))
        app.add_handler(ChatMemberHandler(self._on_member, ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_error_handler(self._on_error)

    # --- the Transport port ---------------------------------------------------------------

    async def start(self, on_message: OnMessage) -> None:
        """Initialize PTB, then poll (or listen for the webhook) in the background."""
        self._on_message = on_message
        app = self.application
        try:
            await app.initialize()
        except InvalidToken:
            # PTB says "token rejected" for 401 and 404 alike; ask again to tell them apart.
            status = await self._get_me_status()
            # PTB marks the bot uninitialized, so shutdown() would skip closing the HTTP pool.
            await app.bot.request.shutdown()
            if status == 401:
                raise NewsbotError(
                    "Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized)"
                ) from None
            raise NewsbotError(
                f"the Bot API at {self.api_url} (TELEGRAM_API_URL) answered {status or 'an error'}"
                " to getMe: check that the URL ends in /bot and that TELEGRAM_BOT_TOKEN is complete"
            ) from None
        except TelegramError as exc:
            await app.bot.request.shutdown()
            # The message may quote an error page that echoes the token; main() masks it.
            raise NewsbotError(
                f"cannot reach the Bot API at {self.api_url} (TELEGRAM_API_URL): {exc.message}"
            ) from None
        await self._publish_commands()
        await app.start()
        updater = app.updater
        if updater is None:  # only when built with .updater(None), which we never do
            raise RuntimeError("the Telegram application has no updater")
        if self.webhook is None:
            await updater.start_polling(
                timeout=timedelta(seconds=self.poll_timeout),
                allowed_updates=Update.ALL_TYPES,
                error_callback=self._on_poll_error,
            )
            log.info("event=telegram_polling bot=%s", app.bot.username)
        else:
            await self._start_webhook(updater, self.webhook)

    async def _get_me_status(self) -> int | None:
        """The HTTP status of a plain getMe, without PTB's mapping of 401 and 404 to one error."""
        bot = self.application.bot
        try:
            status, _ = await bot.request.do_request(f"{bot.base_url}/getMe", "POST")
        except TelegramError:
            return None
        return status

    async def _start_webhook(self, updater: Updater, hook: Webhook) -> None:
        """Register the webhook with Telegram (setWebhook), then listen for its POSTs."""
        app = self.application
        try:
            await updater.start_webhook(
                listen=hook.listen,
                port=hook.port,
                url_path=urlsplit(hook.url).path,
                webhook_url=hook.url,
                secret_token=hook.secret,
                allowed_updates=Update.ALL_TYPES,
            )
        except (OSError, TelegramError) as exc:
            # serve() stops only transports that started, so close PTB's HTTP pool here.
            await app.stop()
            await app.shutdown()
            if isinstance(exc, TelegramError):
                raise NewsbotError(f"Telegram refused the webhook: {exc.message}") from exc
            # setWebhook has succeeded by now; Telegram keeps the updates until someone listens.
            raise NewsbotError(
                f"cannot listen for the Telegram webhook on {hook.listen}:{hook.port}:"
                f" {exc.strerror or exc}"
            ) from exc
        log.info(
            "event=telegram_webhook bot=%s listen=%s port=%s",
            app.bot.username,
            hook.listen,
            hook.port,
        )

    async def stop(self) -> None:
        """Stop fetching updates, finish the update being handled, close the HTTP pool."""
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    async def send(self, chat: str, reply: Reply) -> None:
        """Send a reply as HTML messages of ≤ 4096 characters, buttons under the last one."""
        target = chat_id(chat)
        parts = split_reply(reply, self.limit)
        while parts:
            part = parts.pop(0)
            try:
                message = await self._send_one(chat, target, part)
            except BadRequest as exc:
                if "too long" not in exc.message.lower():
                    raise
                # The renderer measured generously, yet the server disagrees: split finer.
                smaller = split_reply(part, max(256, utf16_len(telegram_html(part)) // 2))
                if len(smaller) <= 1:
                    raise
                log.warning("event=telegram_split chat=%s parts=%d", chat, len(smaller))
                parts[:0] = smaller
                continue
            if message is not None and message.chat.id != target:
                target = message.chat.id  # the chat migrated while we were sending

    async def _publish_commands(self) -> None:
        """Tell Telegram the command list with help in German (default) and English."""
        bot = self.application.bot
        public = [c for c in COMMANDS.values() if not c.admin]
        try:
            await bot.set_my_commands([BotCommand(c.name, c.help("de")[:256]) for c in public])
            await bot.set_my_commands(
                [BotCommand(c.name, c.help("en")[:256]) for c in public], language_code="en"
            )
        except TelegramError as exc:
            log.warning("event=telegram_commands_not_set error=%r", str(exc))

    # --- sending ----------------------------------------------------------------------------

    async def _send_one(self, chat: str, target: int, part: Reply) -> Message | None:
        """One message with retries; raises ChatGone for blocked or deleted chats."""
        bot = self.application.bot
        html = telegram_html(part)
        previews = LinkPreviewOptions(is_disabled=not part.link_previews)
        markup = keyboard(part.buttons)
        plain = False
        for attempt in range(1, ATTEMPTS + 1):
            try:
                if plain:
                    return await bot.send_message(
                        target, to_plain(part), reply_markup=markup, link_preview_options=previews
                    )
                return await bot.send_message(
                    target,
                    html,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                    link_preview_options=previews,
                )
            except Forbidden as exc:
                log.info("event=telegram_chat_gone chat=%s reason=%r", chat, exc.message)
                raise ChatGone(chat) from exc
            except ChatMigrated as exc:
                new = int(exc.new_chat_id)
                log.info("event=telegram_chat_migrated chat=%s new=%s", chat, new)
                if self.on_moved is not None:
                    await self.on_moved(chat, chat_key(new))
                target, chat = new, chat_key(new)
            except BadRequest as exc:
                text = exc.message.lower()
                if any(marker in text for marker in _GONE):
                    log.info("event=telegram_chat_gone chat=%s reason=%r", chat, exc.message)
                    raise ChatGone(chat) from exc
                if "can't parse entities" in text and not plain:
                    # Never drop a message over markup: send it as plain text instead.
                    log.warning("event=telegram_html_rejected chat=%s error=%r", chat, exc.message)
                    plain = True
                    continue
                if "text is empty" in text:
                    log.warning("event=telegram_empty_message chat=%s", chat)
                    return None
                raise
            except RetryAfter as exc:
                wait = _seconds(exc.retry_after)
                if wait > MAX_RETRY_AFTER or attempt == ATTEMPTS:
                    raise
                log.warning("event=telegram_flood_wait chat=%s seconds=%s", chat, wait)
                await asyncio.sleep(wait)
            except (TimedOut, NetworkError) as exc:
                if attempt == ATTEMPTS:
                    raise
                log.warning(
                    "event=telegram_network_retry chat=%s attempt=%d error=%r",
                    chat,
                    attempt,
                    str(exc),
                )
                await asyncio.sleep(0.5 * 2**attempt)
        return None

    # --- receiving --------------------------------------------------------------------------

    async def _answer(self, incoming: Incoming) -> Reply | None:
        if self._on_message is None:
            return None
        return await self._on_message(incoming)

    async def _reply(self, chat: str, reply: Reply) -> None:
        try:
            await self.send(chat, reply)
        except ChatGone:
            await self._gone(chat, "blocked")

    async def _gone(self, chat: str, reason: str) -> None:
        log.info("event=chat_gone chat=%s reason=%s", chat, reason)
        if self.on_gone is not None:
            await self.on_gone(chat, reason)

    async def _on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or message.text is None or update.effective_chat is None:
            return
        user = update.effective_user
        chat = chat_key(update.effective_chat.id)
        language = user.language_code if user else None
        incoming = Incoming(
            chat=chat,
            user=f"{PREFIX}{user.id}" if user else "",
            text=message.text,
            language=language,
        )
        reply = await self._answer(incoming)
        if reply is None:
            reply = Reply.text(t((language or "de")[:2], "not_a_command"), ok=False)
        await self._reply(chat, reply)

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        try:
            message = query.message
            if not query.data or not isinstance(message, Message):
                return
            chat = chat_key(message.chat.id)
            user = query.from_user
            incoming = Incoming(chat, f"{PREFIX}{user.id}", query.data, user.language_code)
            reply = await self._answer(incoming)
            if reply is None:
                return
            parts = split_reply(reply, self.limit)
            if not parts:
                return
            first = parts[0]
            try:
                await message.edit_text(
                    telegram_html(first),
                    parse_mode=ParseMode.HTML,
                    reply_markup=keyboard(first.buttons),
                    link_preview_options=LinkPreviewOptions(is_disabled=not first.link_previews),
                )
            except BadRequest as exc:
                if "not modified" not in exc.message.lower():
                    # The message is too old or gone: show the page as a new message instead.
                    log.info("event=telegram_edit_failed chat=%s error=%r", chat, exc.message)
                    await self._reply(chat, reply)
                    return
            for part in parts[1:]:
                await self._reply(chat, part)
        finally:
            await query.answer()

    async def _on_migrate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        if message.migrate_to_chat_id:
            old, new = message.chat.id, message.migrate_to_chat_id
        elif message.migrate_from_chat_id:
            old, new = message.migrate_from_chat_id, message.chat.id
        else:
            return
        log.info("event=telegram_chat_migrated chat=%s new=%s", chat_key(old), chat_key(new))
        if self.on_moved is not None:
            await self.on_moved(chat_key(old), chat_key(new))

    async def _on_member(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        if change is None:
            return
        status = change.new_chat_member.status
        if status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
            reason = "blocked" if change.chat.type == "private" else f"bot {status}"
            await self._gone(chat_key(change.chat.id), reason)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        log.error(
            "event=telegram_handler_failed error=%s detail=%r",
            type(error).__name__,
            str(error),
            exc_info=error if not isinstance(error, TelegramError) else None,
        )

    def _on_poll_error(self, error: TelegramError) -> None:
        log.warning(
            "event=telegram_poll_error error=%s detail=%r", type(error).__name__, str(error)
        )
