"""Telegram over python-telegram-bot v22: `Application` with handlers, HTML, one call per send.

Long polling by default, a webhook (PTB's tornado server behind a TLS proxy) as an option. Any
Bot API server works: `api_url` is PTB's `base_url`, the token appended after it. Private
chats, groups (administrators manage the digest), channels (`channel_post`) and forum topics
(one chat key per topic: `telegram:-100123/45`). Updates run concurrently, each chat's in the
order they came (`ChatOrder`).
"""

from __future__ import annotations

import inspect
import json
import logging
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast
from urllib.parse import urlsplit

import httpx
from telegram import (
    BotCommand,
    Chat,
    ChatMemberAdministrator,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    Update,
    User,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
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
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    Updater,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot.commands import COMMANDS, resolve
from bot.errors import (
    BadMarkup,
    ChatGone,
    ChatMoved,
    NewsbotError,
    RateLimited,
    Rejected,
    SendError,
    TooLarge,
    Transient,
    Unanswered,
    Unreached,
)
from bot.inline import InlinePage
from bot.logs import held_back
from bot.records import Button, Reply
from bot.render import TELEGRAM_LIMIT, split_reply, telegram_html
from bot.transports.port import Incoming, Limits, MayJoin, OnChatGone, OnChatMoved, OnMessage

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.telegram.org/bot"
PREFIX = "telegram:"
# Telegram Bot API FAQ: about 30 messages per second overall, 1 per second to one chat,
# 20 per minute to one group.
LIMITS = Limits(per_second=30.0, chat_gap=1.0, group_per_minute=20)
# How long a call waits for the Bot API's answer (PTB's default is 5 s). A send that gets none
# is not sent again, as it has most likely gone out; a slow answer is waited for instead, within
# the 30 s a stop is given (deploy/newsbot.service).
ANSWER_TIMEOUT = 15.0
# Telegram allows 1–64 bytes of callback data.
MAX_CALLBACK_DATA = 64
# How long Telegram may serve an inline answer from its cache: a new article is offered after a
# minute at most.
INLINE_CACHE_SECONDS = 60
# Descriptions of 400s meaning the chat itself is gone, or the bot may no longer post there
# (a channel that took its administrator rights, a deleted forum topic).
_GONE = (
    "chat not found",
    "user is deactivated",
    "bot was kicked",
    "peer_id_invalid",
    "need administrator rights in the channel chat",
    "not enough rights to send text messages",
    "chat_write_forbidden",
    "message thread not found",
)
# A closed forum topic may be reopened: the message is lost, the subscription is not.
TOPIC_CLOSED = "topic_closed"
# How long a group's administrator list is trusted before Telegram is asked again.
ADMIN_CACHE_SECONDS = 60.0
# Who sends an anonymous administrator's messages in a group (the group is `sender_chat`).
ANONYMOUS_ADMIN = 1087968824
# Chats whose updates are handled at the same time (PTB's own default for concurrent updates).
# Each chat takes one slot however many of its updates wait, so a flood from one chat cannot
# fill them.
CONCURRENT_CHATS = 256


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


def chat_key(chat_id: int, thread: int | None = None) -> str:
    """Telegram chat id (and forum topic) → platform-qualified chat key.

    A topic is a chat of its own (`telegram:-100123/45`), so each topic keeps its own
    subscription and settings in every per-chat table.
    """
    return f"{PREFIX}{chat_id}" + (f"/{thread}" if thread is not None else "")


def address(chat: str) -> tuple[int, int | None]:
    """Platform-qualified chat key → (Telegram chat id, forum topic or None)."""
    if not chat.startswith(PREFIX):
        raise ValueError(f"not a Telegram chat: {chat!r}")
    base, _, thread = chat.removeprefix(PREFIX).partition("/")
    return int(base), int(thread) if thread else None


def message_key(message: Message) -> str:
    """The chat key a message belongs to: its forum topic when it was written in one.

    Only `is_topic_message` marks a topic: in a group without topics a reply also carries a
    `message_thread_id` (the thread of replies), which is not a chat of its own.
    """
    thread = message.message_thread_id if message.is_topic_message else None
    return chat_key(message.chat.id, thread)


# An inline query (text, offset, the user's language code) → a page of results. Answered with
# answerInlineQuery: an answer to the query, not a chat message, so it bypasses `bot.delivery`.
OnInline = Callable[[str, str, str | None], Awaitable[InlinePage]]


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def classify(error: TelegramError) -> SendError:
    """What a Bot API error means for the message (pure: the decision is data, not I/O)."""
    if isinstance(error, Forbidden):
        return ChatGone(error.message)
    if isinstance(error, ChatMigrated):
        return ChatMoved(chat_key(int(error.new_chat_id)))
    if isinstance(error, RetryAfter):
        return RateLimited(_seconds(error.retry_after), error.message)
    if isinstance(error, BadRequest):
        text = error.message.lower()
        if TOPIC_CLOSED in text:
            return Rejected(f"forum topic closed: {error.message}")
        if "can't parse entities" in text:
            return BadMarkup(error.message)
        if any(marker in text for marker in _GONE):
            return ChatGone(error.message)
        if "too long" in text:
            return TooLarge(error.message)
        return Rejected(error.message)
    if isinstance(error, NoConnection):
        return Unreached(error.message)
    if isinstance(error, TimedOut | NetworkError):
        return Transient(error.message)
    return Rejected(error.message)


def update_chat(update: object) -> str | None:
    """The chat key whose order an update keeps (its forum topic's, when written in one); None
    for updates of no chat (inline queries), which keep no order."""
    if not isinstance(update, Update):
        return None
    message = update.effective_message
    if isinstance(message, Message):
        return message_key(message)
    chat = update.effective_chat
    return chat_key(chat.id) if chat is not None else None


# Whether an update (by its update_id) is handed in for the first time (see ChatOrder).
FirstSeen = Callable[[int], Awaitable[bool]]


class ChatOrder(BaseUpdateProcessor):
    """PTB's concurrent update processing, in order within each chat.

    The first update of an idle chat runs at once and its task then works through whatever
    that chat sent meanwhile, in arrival order; other chats' updates run beside it. A chat that
    waits (its administrators asked, the store busy) delays only itself.
    """

    def __init__(
        self, max_concurrent_updates: int = CONCURRENT_CHATS, first_seen: FirstSeen | None = None
    ) -> None:
        super().__init__(max_concurrent_updates)
        self.first_seen = first_seen
        self._waiting: dict[str, deque[tuple[object, Awaitable[Any]]]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update now, or queue it behind its chat's update being handled."""
        key = update_chat(update)
        if key is None:
            await self._once(update, coroutine)
            return
        queue = self._waiting.get(key)
        if queue is not None:
            queue.append((update, coroutine))  # the task handling this chat runs it next
            return
        queue = self._waiting[key] = deque([(update, coroutine)])
        try:
            while queue:
                try:
                    await self._once(*queue[0])
                except Exception:  # PTB's error handler saw handler errors; this is PTB's own
                    log.exception("event=telegram_update_failed chat=%s", key)
                queue.popleft()
        finally:
            del self._waiting[key]
            for _, left in queue:  # cancelled: close the rest so none is left never awaited
                if inspect.iscoroutine(left):
                    left.close()

    async def _once(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Handle an update unless it was handed in before (a webhook Telegram retried, another
        process behind the same load balancer, updates polled again after a crash)."""
        if self.first_seen is not None and isinstance(update, Update):
            try:
                fresh = await self.first_seen(update.update_id)
            except Exception:  # the store cannot tell: answering twice beats not answering
                log.exception("event=update_check_failed update=%d", update.update_id)
                fresh = True
            if not fresh:
                log.info("event=update_repeated update=%d action=skipped", update.update_id)
                if inspect.iscoroutine(coroutine):
                    coroutine.close()
                return
        await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free: `Application.stop` waited for every chat's task."""


def keyboard(buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | None:
    """Inline buttons in one row; each carries its command as callback data (≤ 64 bytes)."""
    usable = [b for b in buttons if 0 < len(b.command.encode()) <= MAX_CALLBACK_DATA]
    if not usable:
        return None
    row = [InlineKeyboardButton(b.label, callback_data=b.command) for b in usable]
    return InlineKeyboardMarkup([row])


class HeardRequest(HTTPXRequest):
    """PTB's HTTP request for getUpdates, noting when the Bot API last answered (the heartbeat)."""

    heard_at: float | None = None

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """PTB's request; an answer of any status counts as heard."""
        answer = await super().do_request(*args, **kwargs)
        self.heard_at = time.time()
        return answer


class NoConnection(NetworkError):
    """No connection to the Bot API was made (refused, timed out, no free one in the pool): the
    request never left."""


class NoAnswer(TimedOut):
    """The request went out whole, but the Bot API's answer did not come in time: Telegram may
    well have carried it out (python-telegram-bot#1045: a timed-out sendMessage delivered)."""


class JsonRequest(HTTPXRequest):
    """PTB's HTTP request for the bot's calls, each sent as one JSON body (the Bot API takes
    `application/json`) instead of a form: httpx form-encodes a 4 KB digest byte by byte in
    Python, which cost more CPU than the rest of its send. Uploads stay multipart."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """One call with a JSON body; PTB's own request when there are files or no data."""
        if request_data is None or request_data.contains_files:
            return await super().do_request(
                url, method, request_data, read_timeout, write_timeout, connect_timeout,
                pool_timeout,
            )  # fmt: skip
        defaults = self._client.timeout
        timeout = httpx.Timeout(
            connect=_given(connect_timeout, defaults.connect),
            read=_given(read_timeout, defaults.read),
            write=_given(write_timeout, defaults.write),
            pool=_given(pool_timeout, defaults.pool),
        )
        try:
            res = await self._client.request(
                method=method,
                url=url,
                headers={"User-Agent": self.USER_AGENT, "Content-Type": "application/json"},
                timeout=timeout,
                content=json.dumps(request_data.parameters).encode(),
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as err:
            raise NoConnection(f"httpx.{err.__class__.__name__}: {err}") from err
        except httpx.ReadTimeout as err:
            raise NoAnswer(f"no answer within {timeout.read:g} s") from err
        except httpx.TimeoutException as err:
            raise TimedOut from err
        except httpx.HTTPError as err:
            raise NetworkError(f"httpx.{err.__class__.__name__}: {err}") from err
        return res.status_code, res.content


def _given(value: Any, default: float | None) -> float | None:
    """A timeout the call set (None: none), else the client's."""
    unset = isinstance(value, type(BaseRequest.DEFAULT_NONE))
    return default if unset else cast(float | None, value)


# Message parts whose HTML is remembered (a burst's distinct digests, and some).
MAX_RENDERED = 256
# What Telegram accepts as a bot command name.
_TELEGRAM_NAME = re.compile(r"[a-z0-9_]{1,32}")


def command_names() -> list[str]:
    """Every name of every command that Telegram can carry as a command, from the table.

    Telegram's command names are [a-z0-9_]: "/überblick" comes as plain text (answered in
    private chats by the text handler; its keyboard spelling "/ueberblick" is a command).
    """
    names = {n for c in COMMANDS.values() for n in c.names}
    return sorted(n for n in names if _TELEGRAM_NAME.fullmatch(n))


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
        poll_timeout: float = 10.0,
        answer_timeout: float = ANSWER_TIMEOUT,
        on_inline: OnInline | None = None,
        limits: Limits = LIMITS,
        may_join: MayJoin | None = None,
        receive: bool = True,
        first_seen: FirstSeen | None = None,
    ) -> None:
        # No PTB rate limiter: `bot.delivery` paces every platform, so a flood wait is handled
        # once, in one place. Updates run concurrently, in order within each chat.
        self._updates = HeardRequest(connection_pool_size=1)
        self.application = (
            ApplicationBuilder()
            .token(token)
            .base_url(api_url)
            .get_updates_request(self._updates)
            .request(JsonRequest(connection_pool_size=256, read_timeout=answer_timeout))
            .concurrent_updates(ChatOrder(first_seen=first_seen))
            .build()
        )
        self.api_url = api_url
        self.on_gone = on_gone
        self.on_moved = on_moved
        self.webhook = webhook
        self.poll_timeout = poll_timeout
        self.on_inline = on_inline
        self.may_join = may_join
        # False: `start` only readies sending; the app calls `start_receiving` once this
        # process holds the token's receiver role (one long-polling receiver per token).
        self.receive = receive
        self.limits = limits
        self.size = TELEGRAM_LIMIT
        # Chat types as Telegram reported them (updates and sent messages): groups get
        # Telegram's per-group limit.
        self._kinds: dict[str, str] = {}
        # id of a message part → the part (so the id stays its own) and its HTML.
        self._rendered: dict[int, tuple[Reply, str]] = {}
        # Group id → (monotonic time asked, its administrators' user ids).
        self._admins: dict[int, tuple[float, frozenset[int]]] = {}
        self._on_message: OnMessage | None = None
        app = self.application
        only_messages = filters.UpdateType.MESSAGE
        # Commands in a channel come as `channel_post`: only its administrators can post there.
        # Telegram's copy of a channel post in the channel's discussion group is the channel's
        # message, not a member's: it is answered in the channel, if anywhere.
        commands = (only_messages | filters.UpdateType.CHANNEL_POST) & ~filters.IS_AUTOMATIC_FORWARD
        app.add_handler(CommandHandler(command_names(), self._on_text, filters=commands))
        # Unknown commands and chatter get a hint only in private chats: in a group they may be
        # meant for another bot or for people.
        private = only_messages & filters.ChatType.PRIVATE
        app.add_handler(MessageHandler(private & filters.COMMAND, self._on_text))
        app.add_handler(MessageHandler(private & filters.TEXT, self._on_text))
        app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self._on_migrate))
        app.add_handler(CallbackQueryHandler(self._on_button))
        app.add_handler(InlineQueryHandler(self._on_inline))
        app.add_handler(ChatMemberHandler(self._on_member, ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_error_handler(self._on_error)

    # --- the Transport port ---------------------------------------------------------------

    @property
    def last_receive(self) -> float | None:
        """When getUpdates last came back (seconds since the epoch); None before the first."""
        return self._updates.heard_at

    async def start(self, on_message: OnMessage) -> None:
        """Initialize PTB, then poll (or listen for the webhook) in the background."""
        self._on_message = on_message
        app = self.application
        # PTB logs a failed getMe (an HTML error page) with its traceback before raising;
        # the operator reads our one line instead.
        with held_back("telegram"):
            await self._initialize()
        await app.start()
        if self.receive:
            await self.start_receiving()

    @property
    def receiver(self) -> str:
        """The singleton this transport's receiving is (long polling: one per bot token, named
        by the bot's id, which is no secret); empty for a webhook, which any process may serve."""
        if self.webhook is not None:
            return ""
        return f"receive:telegram:{str(self.application.bot.token).split(':', 1)[0]}"

    @property
    def receiving(self) -> bool:
        """Whether this process takes the bot's updates now."""
        updater = self.application.updater
        return updater is not None and updater.running

    async def start_receiving(self) -> None:
        """Poll for updates (or listen for the webhook) in the background."""
        app = self.application
        updater = app.updater
        if updater is None:  # only when built with .updater(None), which we never do
            raise RuntimeError("the Telegram application has no updater")
        if updater.running:
            return
        if self.webhook is None:
            await updater.start_polling(
                timeout=timedelta(seconds=self.poll_timeout),
                allowed_updates=Update.ALL_TYPES,
                error_callback=self._on_poll_error,
            )
            log.info("event=telegram_polling bot=%s", app.bot.username)
        else:
            await self._start_webhook(updater, self.webhook)

    async def stop_receiving(self) -> None:
        """Stop polling (another process took the receiver role over); sending goes on."""
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
            log.info("event=telegram_polling_stopped")

    async def _initialize(self) -> None:
        """PTB's initialize (getMe), its failures told apart and named in one line."""
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
        """Stop fetching updates, finish the updates being handled, close the HTTP pool."""
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    def split(self, reply: Reply, size: int) -> list[Reply]:
        """HTML messages of at most `size` UTF-16 units, buttons under the last one."""
        return split_reply(reply, size)

    def is_group(self, chat: str) -> bool:
        """Whether Telegram said this chat is a group, supergroup or channel (20 a minute)."""
        return self._kinds.get(chat) in (ChatType.GROUP, ChatType.SUPERGROUP, ChatType.CHANNEL)

    def _html(self, part: Reply) -> str:
        """The part's HTML, rendered once for the many chats a burst sends it to."""
        known = self._rendered.get(id(part))
        if known is None or known[0] is not part:
            if len(self._rendered) >= MAX_RENDERED:
                self._rendered.clear()
            known = self._rendered[id(part)] = (part, telegram_html(part))
        return known[1]

    async def send(self, chat: str, part: Reply, replace: str | None = None) -> None:
        """One HTML message (or an edit of message `replace`): one call, a `SendError` on refusal.

        A reply without markup goes out as escaped text, which always parses: that is how
        `bot.delivery` sends the plain form after a `BadMarkup`.
        """
        bot = self.application.bot
        text = self._html(part)
        if not text.strip():
            log.warning("event=telegram_empty_message chat=%s", chat)
            return
        markup = keyboard(part.buttons)
        previews = LinkPreviewOptions(is_disabled=not part.link_previews)
        target, thread = address(chat)
        try:
            if replace is None:
                message = await bot.send_message(
                    target,
                    text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                    link_preview_options=previews,
                    message_thread_id=thread,
                    # A chat's quiet pushes (/settings leise an) arrive without a sound.
                    disable_notification=bool(part.silent),
                )
                self._kinds[chat] = message.chat.type
                return
            await bot.edit_message_text(
                text,
                chat_id=target,
                message_id=int(replace),
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                link_preview_options=previews,
            )
        except TelegramError as exc:
            if isinstance(exc, BadRequest) and "not modified" in exc.message.lower():
                return  # the edit shows what the message already says
            if isinstance(exc, NoAnswer) and replace is None:
                # An edit may be made again; a new message would be posted twice.
                raise Unanswered(exc.message) from exc
            if TOPIC_CLOSED in exc.message.lower():
                log.warning("event=telegram_topic_closed chat=%s", chat)
            raise classify(exc) from exc

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

    # --- receiving --------------------------------------------------------------------------

    async def _answer(self, incoming: Incoming) -> None:
        if self._on_message is not None:
            await self._on_message(incoming)

    async def _gone(self, chat: str, reason: str) -> None:
        log.info("event=chat_gone chat=%s reason=%s", chat, reason)
        if self.on_gone is not None:
            await self.on_gone(chat, reason)

    async def _on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or message.text is None:
            return
        user = update.effective_user
        await self._answer(await self._incoming(message, user, message.text))

    async def _incoming(
        self, message: Message, user: User | None, text: str, replace: str | None = None
    ) -> Incoming:
        """The message as the core sees it, with whether its sender may manage the chat."""
        tchat = message.chat
        chat = message_key(message)
        self._kinds[chat] = tchat.type
        # A channel post comes from the channel's administrators, a button press under it from
        # any reader: then, as in a group, Telegram is asked whether the presser manages it.
        asks = tchat.type in (ChatType.GROUP, ChatType.SUPERGROUP) or (
            tchat.type == ChatType.CHANNEL and replace is not None
        )
        resolved = resolve(text)
        may_manage = True
        if asks and resolved is not None and resolved.asks_manager:
            sender = message.sender_chat if replace is None else None
            may_manage = await self._is_group_admin(tchat, user, sender)
        return Incoming(
            chat=chat,
            # A channel post has no user: the channel speaks, and only its administrators can.
            user=f"{PREFIX}{user.id}" if user else "",
            text=text,
            language=user.language_code if user else None,
            private=tchat.type == ChatType.PRIVATE,
            replace=replace,
            may_manage=may_manage,
        )

    async def _is_group_admin(self, tchat: Chat, user: User | None, sender: Chat | None) -> bool:
        """Whether Telegram lists the user among the group's (or channel's) administrators
        (cached briefly)."""
        if sender is not None and sender.id == tchat.id:
            return True  # an anonymous administrator writes as the group itself
        if user is None or user.id == ANONYMOUS_ADMIN:
            return False
        cached = self._admins.get(tchat.id)
        if cached is None or time.monotonic() - cached[0] > ADMIN_CACHE_SECONDS:
            try:
                members = await self.application.bot.get_chat_administrators(tchat.id)
            except TelegramError as exc:
                # Unknown is not yes: the member is refused and may try again.
                log.warning(
                    "event=telegram_admins_unknown chat=%s error=%r",
                    chat_key(tchat.id),
                    exc.message,
                )
                return False
            cached = (time.monotonic(), frozenset(m.user.id for m in members))
            self._admins[tchat.id] = cached
        return user.id in cached[1]

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A press on one of the bot's buttons: only the reading actions its buttons carry.

        Telegram does not promise that callback data is what the bot put on a button, so any
        other data is ignored (and logged); the press is answered either way.
        """
        query = update.callback_query
        if query is None:
            return
        try:
            message = query.message
            if not query.data or not isinstance(message, Message):
                return
            resolved = resolve(query.data)
            if resolved is None or resolved.command is None or not resolved.command.button:
                log.warning(
                    "event=telegram_button_refused chat=%s user=%s data=%r",
                    message_key(message),
                    query.from_user.id,
                    query.data[:MAX_CALLBACK_DATA],
                )
                return
            replace = str(message.message_id)
            await self._answer(await self._incoming(message, query.from_user, query.data, replace))
        finally:
            await query.answer()

    async def _on_inline(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`@bot words` in any chat: one answerInlineQuery with a page of search results."""
        query = update.inline_query
        if query is None or self.on_inline is None:
            return
        page = await self.on_inline(query.query, query.offset, query.from_user.language_code)
        results = [
            InlineQueryResultArticle(
                id=r.id,
                title=r.title,
                description=r.description,
                url=r.url,
                input_message_content=InputTextMessageContent(
                    telegram_html(r.message),
                    parse_mode=ParseMode.HTML,
                    link_preview_options=LinkPreviewOptions(
                        is_disabled=not r.message.link_previews
                    ),
                ),
            )
            for r in page.results
        ]
        try:
            # Personal: the results speak the asker's language, so Telegram's cache must not
            # hand them to whoever types the same words next.
            await query.answer(
                results,
                cache_time=INLINE_CACHE_SECONDS,
                is_personal=True,
                next_offset=page.next_offset,
            )
        except TelegramError as exc:
            # A query answered too late ("query is too old") has no one left to answer.
            log.warning("event=inline_answer_failed error=%r", exc.message)

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
        member = change.new_chat_member
        status = member.status
        chat = chat_key(change.chat.id)
        joined = status in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR)
        was_out = change.old_chat_member.status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)
        if joined and was_out and change.chat.type != ChatType.PRIVATE and self.may_join:
            adder = f"{PREFIX}{change.from_user.id}" if change.from_user else None
            if not await self.may_join(chat, adder):
                log.info("event=left_unallowed_group chat=%s added_by=%s", chat, adder)
                await context.bot.leave_chat(change.chat.id)
                return
        if status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
            reason = "blocked" if change.chat.type == "private" else f"bot {status}"
            await self._gone(chat, reason)  # the store ends the chat's topics with it
        elif change.chat.type == ChatType.CHANNEL and not (
            isinstance(member, ChatMemberAdministrator) and member.can_post_messages
        ):
            # In a channel only an administrator allowed to post can deliver a digest.
            await self._gone(chat, "bot may not post")

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
