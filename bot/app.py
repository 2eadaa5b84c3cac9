"""Composition root: the store, the command core and the transports, run until SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import threading
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from bot.access import Access
from bot.allowed_urls import Allowed
from bot.clock import utc_now
from bot.commands import Context, handle, reader_language, resolve
from bot.commands.admin import finish_addfeed
from bot.commands.request import ChatFeedRules
from bot.config import Config
from bot.delivery import REPLY_BUDGET, Delivery, Outgoing
from bot.digest_delivery import on_digest_shown
from bot.errors import StoreError
from bot.heartbeat import (
    HEARTBEAT_PREFIX,
    LEGACY_KEY,
    Heartbeat,
    forgettable,
    key_of,
    read_beats,
)
from bot.heartbeat import to_json as heartbeat_json
from bot.ingest.feeds import FeedPoller, OnAdded, PollOptions, check_feed
from bot.ingest.fetch import Fetcher, FetchOptions
from bot.inline import InlinePage, inline_search
from bot.records import Reply
from bot.roles import ALL_ROLES, Singleton, keep_roles, release_all
from bot.schedule import DigestScheduler
from bot.store import RoleLock, Storage, local_folder, role_holder, role_lock
from bot.systemd import notify
from bot.texts import t
from bot.transports.port import (
    Incoming,
    MayJoin,
    OnChatGone,
    OnChatMoved,
    OnMessage,
    Transport,
)

log = logging.getLogger(__name__)
MATRIX_SYNC_KEY = "matrix:sync_token"
# The Matrix device's id and end-to-end keys: a folder beside the database.
MATRIX_KEY_STORE = "matrix-keys"
# On SIGTERM, queued sends get this long to go out (systemd and compose wait 30 s).
SHUTDOWN_SEND_GRACE = 20.0
# After SIGTERM the whole orderly shutdown gets this long; past it (a stuck send, a blocked
# thread) the process ends anyway, before systemd's and compose's 30 s run out.
SHUTDOWN_DEADLINE = 27.0
# On SIGTERM, feed polls in flight get this long before they are cancelled.
SHUTDOWN_POLL_GRACE = 3.0
# Telegram waits about 10 s for an inline answer; the search takes milliseconds, so this only
# bounds a store thread busy with a long job.
INLINE_DEADLINE = 5.0
# The poll job looks for due feeds this often; each feed's own interval decides when it is due.
# A claim is one indexed statement; every 10 s keeps each feed within ±5 s of its time however
# many pollers share the feeds (each claims what is due by the middle of its next look).
POLL_CHECK_EVERY = timedelta(seconds=10)
# The heartbeat (`status --check`) is written at most this often.
HEARTBEAT_EVERY = timedelta(minutes=1)
MINUTE = timedelta(minutes=1)
# A transport without this attribute (console, Telegram webhook) receives without asking.
_NO_RECEIVE_LOOP = object()


def make_handler(
    config: Config,
    store: Storage,
    clock: Callable[[], datetime],
    delivery: Delivery,
) -> OnMessage:
    """The one message handler every transport calls: the command core on the store's thread,
    its reply handed to the delivery (ahead of queued digests, at most `REPLY_BUDGET` messages).

    It returns once the reply is queued, never waiting for the send: a reply held by its own
    chat's pacing or `retry_after` delays no other chat. The transports call it in each chat's
    order, and the delivery sends a chat's replies in the order they were queued.
    """

    access = access_of(config)

    async def on_message(message: Incoming) -> None:
        if not access.allows(message.chat, message.user):
            # Private mode: one polite line for a command or a private message, nothing else.
            if message.private or resolve(message.text) is not None:
                log.info("event=stranger_refused chat=%s user=%s", message.chat, message.user)
                language = reader_language(None, message.language)
                refusal = Reply.text(t(language, "private_refused"), ok=False)
                delivery.put(
                    Outgoing(message.chat, refusal, "reply", urgent=True, budget=REPLY_BUDGET)
                )
            return
        now = clock()
        reply = message.answer
        if reply is None:
            reply = await run_command(message, now)
        if reply is None:
            return
        after = message.after
        on_sent = after
        if reply.digest_of is not None:
            # A digest riding on the reply (`/subscribe … jetzt`) counts once it is sent.
            on_sent = on_digest_shown(store, message.chat, reply.digest_of, reply, now, clock)
        delivery.put(
            Outgoing(
                message.chat,
                reply,
                "reply",
                on_sent=on_sent,
                on_failed=None if after is None else lambda _: after(),
                urgent=True,
                budget=REPLY_BUDGET,
                replace=message.replace,
            )
        )
        for chat, notice in reply.notices:
            # A feed request to the operators, or their decision to the chat that asked.
            log.info("event=notice_queued chat=%s from=%s", chat, message.chat)
            delivery.put(Outgoing(chat, notice, "notice", urgent=True, budget=REPLY_BUDGET))

    async def run_command(message: Incoming, now: datetime) -> Reply | None:
        operator = message.user in config.admins
        ctx = Context(
            chat=message.chat,
            now=now,
            user=message.user,
            language=message.language,
            is_admin=operator,
            may_manage=message.may_manage or operator,
            manage_level=message.manage_level,
            timezone=config.timezone,
            private=message.private,
            fetch_allow=config.fetch_allow,
            chat_feeds=chat_feed_rules(config),
        )
        try:
            reply = await store.run(lambda: handle(message.text, ctx, store))
            if reply is not None and reply.fetch is not None:
                reply = await _finish_fetch(config, store, ctx, reply.fetch)
            return reply
        except Exception:
            log.exception("event=command_failed chat=%s", message.chat)
            language = reader_language(None, message.language)
            return Reply.text(t(language, "failed"), ok=False)

    return on_message


async def _finish_fetch(config: Config, store: Storage, ctx: Context, url: str) -> Reply:
    """Fetch once what a command asked for (/addfeed: is it a feed?), then let it answer."""
    async with Fetcher(fetch_options(config)) as fetcher:
        check = await check_feed(fetcher, url)
    log.info("event=feed_checked url=%s problem=%s", url, check.problem)
    return await store.run(lambda: finish_addfeed(check, ctx, store))


def chat_feed_rules(config: Config) -> ChatFeedRules:
    """Whether chats may have feeds of their own, their limits, and where operators hear of
    requests: a Telegram user's private chat has the user's id; operators elsewhere (Matrix,
    the console) see waiting requests under /feeds."""
    notify = tuple(a for a in config.admins if a.startswith("telegram:") and a[9:].isdigit())
    return ChatFeedRules(
        config.chat_feeds,
        config.chat_feeds_per_chat,
        config.chat_feeds_total,
        has_operators=bool(config.admins),
        notify=notify,
    )


def access_of(config: Config) -> Access:
    """Who may use the bot: the config's private-mode lists, operators always."""
    return Access(config.allowed_chats, config.allowed_users, config.admins)


def make_may_join(config: Config) -> MayJoin:
    """What transports ask when the bot is added to a group: may it stay (private mode)?"""
    access = access_of(config)

    async def may_join(chat: str, adder: str | None) -> bool:
        return access.allows_adder(chat, adder)

    return may_join


def make_inline(
    config: Config, store: Storage, clock: Callable[[], datetime]
) -> Callable[[str, str, str | None], Awaitable[InlinePage]]:
    """Inline search (Telegram's `@bot words`): the store's search on its thread, answered in
    time or not at all (Telegram drops an answer that comes too late)."""

    async def on_inline(text: str, offset: str, language: str | None) -> InlinePage:
        lang = reader_language(None, language)
        search = partial(
            inline_search,
            text,
            offset,
            store.index,
            language=lang,
            zone=config.timezone,
            now=clock(),
        )
        try:
            return await asyncio.wait_for(store.run(search), INLINE_DEADLINE)
        except TimeoutError:
            log.warning("event=inline_timeout query_length=%d", len(text))
            return InlinePage(())

    return on_inline


def make_delivery(
    store: Storage, transports: Sequence[Transport], secrets: Iterable[str] = ()
) -> Delivery:
    """The one outgoing path for these transports: a gone chat ends, a moved chat follows."""
    on_gone, on_moved = chat_events(store)
    return Delivery(
        {t.name: t for t in transports},
        on_gone=lambda chat: on_gone(chat, "send"),
        on_moved=on_moved,
        secrets=secrets,
    )


# --- transports: wiring of Telegram and Matrix (issue 6) ----------------------------------


def chat_events(store: Storage) -> tuple[OnChatGone, OnChatMoved]:
    """What transports call when a chat blocks the bot or leaves, and when a chat moves."""

    async def on_gone(chat: str, reason: str) -> None:
        ended = await store.run(lambda: store.chats.forget_chat(chat))
        log.info("event=subscriptions_ended chat=%s reason=%s had_any=%s", chat, reason, ended)

    async def on_moved(old: str, new: str) -> None:
        await store.run(lambda: store.chats.move_chat(old, new))
        log.info("event=chat_moved chat=%s new=%s", old, new)

    return on_gone, on_moved


def build_transports(
    config: Config, store: Storage, roles: frozenset[str] = ALL_ROLES
) -> list[Transport]:
    """The transports the config enables: Telegram, Matrix, or both in one event loop.

    A webhook receives in every process with the `receive` role; long polling waits for the
    token's receiver role (`serve` starts it once this process holds it).
    """
    on_gone, on_moved = chat_events(store)
    transports: list[Transport] = []
    if config.telegram_enabled and config.telegram_token:
        from bot.transports.telegram import TelegramTransport, Webhook

        webhook = None
        if config.telegram_webhook_url and config.telegram_webhook_secret:
            webhook = Webhook(
                config.telegram_webhook_url,
                config.telegram_webhook_secret,
                listen=config.telegram_webhook_listen,
                port=config.telegram_webhook_port,
            )
        transports.append(
            TelegramTransport(
                config.telegram_token,
                config.telegram_api_url,
                on_gone=on_gone,
                on_moved=on_moved,
                webhook=webhook,
                on_inline=make_inline(config, store, utc_now),
                may_join=make_may_join(config),
                receive=webhook is not None and "receive" in roles,
                first_seen=first_seen(store, "telegram:" + config.telegram_token.split(":", 1)[0]),
            )
        )
    if config.matrix_enabled and config.matrix_homeserver and config.matrix_user_id:
        from bot.transports.matrix import MatrixTransport
        from bot.transports.matrix_keys import PICKLE_KEY_FILE, pickle_key

        data = local_folder(config.db)

        async def load_token() -> str | None:
            return await store.run(lambda: store.chats.load_state(MATRIX_SYNC_KEY))

        async def save_token(token: str) -> None:
            await store.run(lambda: store.chats.save_state(MATRIX_SYNC_KEY, token))

        transports.append(
            MatrixTransport(
                config.matrix_homeserver,
                config.matrix_user_id,
                password=config.matrix_password,
                access_token=config.matrix_access_token,
                allowed_inviters=config.matrix_allowed_inviters,
                on_gone=on_gone,
                on_moved=on_moved,
                load_token=load_token,
                save_token=save_token,
                # The device's encryption keys live beside the database and go with it.
                key_store=data / MATRIX_KEY_STORE,
                pickle_key=partial(pickle_key, config.matrix_pickle_key, data / PICKLE_KEY_FILE),
                may_join=make_may_join(config),
            )
        )
    return transports


def first_seen(store: Storage, bot: str) -> Callable[[int], Awaitable[bool]]:
    """Whether an update of this bot is handed in for the first time, by the store: whichever
    process behind a load balancer gets it first answers it, a retried webhook is skipped."""

    async def first(update_id: int) -> bool:
        key = f"{bot}:{update_id}"
        return await store.run(lambda: store.chats.first_update(key, utc_now()))

    return first


def hold_matrix(config: Config) -> RoleLock | None:
    """Matrix runs in one process per database (a device's keys are its own, and two syncs
    would answer twice): take the account's lock, or raise StoreError naming the process that
    has it. None when Matrix is not configured."""
    user = config.matrix_user_id
    if not (config.matrix_enabled and config.matrix_homeserver and user):
        return None
    lock = role_lock(config.db, f"matrix:{user}")
    if lock.acquire():
        return lock
    holder = role_holder(config.db, f"matrix:{user}") or "another process"
    raise StoreError(
        f"Matrix ({user}) already runs in newsbot run {holder} on this database; one process"
        " per Matrix account (its keys are per device): start this one without MATRIX_* settings"
    )


async def until_stopped(work: Awaitable[object], stop: asyncio.Event) -> bool:
    """Run `work` until it ends or `stop` is set (then cancel it); True when it ended."""
    task = asyncio.ensure_future(work)
    waiter = asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    if task.done():
        task.result()  # its error, if any, is the caller's
        return True
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return False


async def stop_quietly(transport: Transport, grace: float = 5.0) -> None:
    """Stop a transport that did not finish starting; whatever goes wrong is only logged."""
    try:
        await asyncio.wait_for(transport.stop(), grace)
    except Exception as exc:  # a half-started client may fail to stop in any way
        log.warning("event=transport_stop_failed name=%s error=%r", transport.name, str(exc))


async def serve(
    config: Config,
    store: Storage,
    transports: Sequence[Transport],
    *,
    until: asyncio.Event | None = None,
    schedule: bool = False,
    hard_stop: bool = False,
    roles: frozenset[str] = ALL_ROLES,
    taken: Sequence[RoleLock] = (),
) -> None:
    """Run the transports (and, with `schedule`, the digest/feed scheduler) until SIGTERM/SIGINT.

    Shutdown order keeps messages: stop taking new jobs, let queued sends finish, then stop the
    transports (which finish handlers in flight and save the Matrix sync token). With
    `hard_stop` (the `newsbot run` process), a second signal ends the process at once and the
    shutdown as a whole is bounded by SHUTDOWN_DEADLINE. `roles` (`newsbot run --roles`) is
    what this process does; the singleton ones it plays when it holds their lock. `taken` are
    receivers' locks taken before the start (the Matrix account's, `hold_matrix`): checked on
    the roles' cadence like theirs.
    """
    stop = until or asyncio.Event()
    loop = asyncio.get_running_loop()

    def first_signal(sig: int) -> None:
        log.info("event=stop_requested signal=%s", signal.Signals(sig).name)
        stop.set()
        if hard_stop:
            for again in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(again, exit_now, again, "second_signal")
            # A thread, not the loop: it fires even when the loop itself is what is stuck.
            timer = threading.Timer(SHUTDOWN_DEADLINE, exit_now, (sig, "shutdown_deadline"))
            timer.daemon = True
            timer.start()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, first_signal, sig)
    queue = make_delivery(store, transports, config.secrets())
    scheduler: DigestScheduler | None = None
    on_message = make_handler(config, store, utc_now, queue)
    started: list[Transport] = []
    started_at = utc_now()
    fetcher: Fetcher | None = None
    poller: FeedPoller | None = None
    singletons: list[Singleton] = []
    keeping: asyncio.Task[None] | None = None
    try:
        await queue.start()
        for transport in transports:
            if not await until_stopped(transport.start(on_message), stop):
                # Stopped while starting (a homeserver that does not answer): close what the
                # half start opened, then shut down like any other stop.
                await stop_quietly(transport)
                break
            started.append(transport)
            log.info("event=transport_started name=%s", transport.name)
        if "receive" in roles and not stop.is_set():
            singletons += receivers(config, started)
        if not stop.is_set():
            singletons += taken_receivers(config, taken, started)
        if schedule and not stop.is_set():
            if "poll" in roles:
                fetcher = Fetcher(fetch_options(config))
                poller = FeedPoller(store, fetcher, poll_options(config))
            me = Liveness(
                started_at,
                poll_options(config).owner,
                roles,
                lambda: [role.lock.name for role in singletons if role.held],
            )
            beat = partial(record_heartbeat, store, me, transports)
            scheduler = DigestScheduler(
                store,
                queue,
                clock=utc_now,
                grace=timedelta(hours=config.digest_grace_hours),
                poll=beating(beat, poller.cycle if poller is not None else None),
                poll_every=POLL_CHECK_EVERY,
                # Alerts planned by a poller in another process go out within this.
                sync_every=POLL_CHECK_EVERY,
                default_zone=config.timezone,
                archive=timedelta(days=config.archive_days),
            )
            singletons += clock_roles(config, store, scheduler, roles)
        # Each singleton's first try before the clock starts: a lone process (every SQLite
        # store) starts exactly as it always did; the others wait for their turn below.
        for role in singletons:
            await role.try_take()
        if scheduler is not None:
            held = {role.lock.name for role in singletons if role.held}
            await scheduler.start(deliver="deliver" in held, housekeep="schedule" in held)
            log.info("event=scheduler_started jobs=%d", len(scheduler.scheduler.get_jobs()))
        if singletons:
            every = float(config.role_check_seconds)
            keeping = asyncio.create_task(keep_roles(singletons, every, stop))
        notify("READY=1")
        await stop.wait()
    finally:
        notify("STOPPING=1")
        log.info("event=shutdown")
        if keeping is not None:
            await asyncio.gather(keeping, return_exceptions=True)
        if poller is not None:
            await poller.stop(SHUTDOWN_POLL_GRACE)
        if scheduler is not None:
            await scheduler.stop()
        try:
            await asyncio.wait_for(queue.join(), SHUTDOWN_SEND_GRACE)
        except TimeoutError:
            log.warning("event=shutdown_unsent pending=%d", queue.pending())
        await queue.stop()
        for transport in reversed(started):
            await transport.stop()
            log.info("event=transport_stopped name=%s", transport.name)
        if fetcher is not None:
            await fetcher.aclose()
        # Only now, with this process's sends ended, may another process take its roles.
        await asyncio.to_thread(release_all, singletons)
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


def receivers(config: Config, transports: Sequence[Transport]) -> list[Singleton]:
    """The receiver role of each long-polling transport: one process per bot token polls."""
    out = []
    for transport in transports:
        name = getattr(transport, "receiver", "")
        if not name or getattr(transport, "receive", True):
            continue  # a webhook, or a transport that receives from its start
        take = getattr(transport, "start_receiving")  # noqa: B009 - the receiver's own pair
        drop = getattr(transport, "stop_receiving")  # noqa: B009
        out.append(Singleton(role_lock(config.db, name), take, drop))
    return out


def taken_receivers(
    config: Config, locks: Sequence[RoleLock], transports: Sequence[Transport]
) -> list[Singleton]:
    """The receivers whose lock this process took before it started (the Matrix account's).
    A lock lost with its connection (a PostgreSQL restart) is taken again at once when free;
    when another process has it, this one stops receiving (it sends on) until it is free."""
    out = []
    for lock in locks:
        transport = next((t for t in transports if getattr(t, "receiver", "") == lock.name), None)
        if transport is None:
            continue
        take = getattr(transport, "start_receiving")  # noqa: B009 - the receiver's own pair
        stop = getattr(transport, "stop_receiving")  # noqa: B009

        async def lost(name: str = lock.name, stop: Callable[[], Awaitable[None]] = stop) -> None:
            holder = await asyncio.to_thread(role_holder, config.db, name)
            log.error(
                "event=receiver_lost role=%s holder=%s action=stop_receiving",
                name,
                holder or "unknown",
            )
            await stop()

        out.append(Singleton(lock, take, lost, held=True))
    return out


def clock_roles(
    config: Config, store: Storage, scheduler: DigestScheduler, roles: frozenset[str]
) -> list[Singleton]:
    """The clock's singleton roles this process may play: `schedule` and `deliver`."""
    out = []
    if "schedule" in roles:
        every = poll_options(config).every

        async def housekeep() -> None:
            if scheduler.scheduler.running:  # taken over: the jobs only
                scheduler.take_housekeeping()
                return
            # At start (`DigestScheduler.start` adds the jobs): a changed interval holds for
            # every feed from now on.
            moved = await store.run(lambda: store.feeds.reschedule(every))
            log.info("event=feeds_rescheduled every_min=%d moved=%d", every / MINUTE, moved)

        async def stop_housekeeping() -> None:
            scheduler.drop_housekeeping()

        out.append(Singleton(role_lock(config.db, "schedule"), housekeep, stop_housekeeping))
    if "deliver" in roles:

        async def deliver() -> None:
            if scheduler.scheduler.running:
                await scheduler.take_delivering()

        async def stop_delivering() -> None:
            scheduler.drop_delivering()

        out.append(Singleton(role_lock(config.db, "deliver"), deliver, stop_delivering))
    return out


def beating(
    beat: Callable[[datetime], Awaitable[None]],
    poll: Callable[[datetime, OnAdded], Awaitable[int]] | None,
) -> Callable[[datetime, OnAdded], Awaitable[int]]:
    """The scheduler's poll job with the heartbeat recorded after it, once a minute at most
    (`status --check` reads it); a process without the `poll` role only beats."""
    last: list[datetime] = []

    async def tick(now: datetime, on_added: OnAdded) -> int:
        # The poll first: it counts its feeds' next times from `now`, so nothing may delay it.
        try:
            return 0 if poll is None else await poll(now, on_added)
        finally:
            if not last or now - last[0] >= HEARTBEAT_EVERY:
                last[:] = [now]
                try:
                    await beat(now)
                except Exception:  # a full disk must not stop the feeds
                    log.exception("event=heartbeat_failed")

    return tick


@dataclass(frozen=True, slots=True)
class Liveness:
    """What this process's heartbeat says besides its tick: who it is, what it plays."""

    started: datetime
    process: str
    roles: frozenset[str]
    # The singleton roles it holds now (read at each beat).
    held: Callable[[], list[str]]


async def record_heartbeat(
    store: Storage, me: Liveness, transports: Sequence[Transport], now: datetime
) -> None:
    """This process's heartbeat (its tick, roles, held roles, and when each receiving
    transport last heard back), in one store write with forgetting long-dead processes'."""
    receives: dict[str, datetime | None] = {}
    for transport in transports:
        if getattr(transport, "webhook", None) is not None:
            continue  # a webhook hears only when someone writes: silence is no outage there
        if getattr(transport, "receiving", True) is False:
            continue  # another process holds this bot's receiver role
        heard = getattr(transport, "last_receive", _NO_RECEIVE_LOOP)
        if heard is not _NO_RECEIVE_LOOP:
            receives[transport.name] = (
                datetime.fromtimestamp(heard, UTC) if isinstance(heard, float) else None
            )
    beat = Heartbeat(
        now, me.started, receives, me.process, tuple(sorted(me.roles)), tuple(sorted(me.held()))
    )

    def write() -> None:
        chats = store.chats
        with store.transaction():
            chats.save_state(key_of(me.process), heartbeat_json(beat))
            chats.save_state(LEGACY_KEY, None)
            for gone in forgettable(read_beats(chats.states(HEARTBEAT_PREFIX)), beat):
                chats.save_state(key_of(gone), None)

    await store.run(write)
    notify("WATCHDOG=1")


def exit_now(sig: int, why: str) -> None:
    """End the process at once (a second signal, or a shutdown past its deadline)."""
    with contextlib.suppress(OSError):
        os.write(2, f"newsbot run: stopped at once ({why})\n".encode())
    os._exit(128 + sig)


def fetch_options(config: Config) -> FetchOptions:
    """How feeds and pages are fetched: the configured deadline and allowed internal hosts."""
    return FetchOptions(
        deadline=float(config.fetch_timeout_seconds), allowed=Allowed.parse(config.fetch_allow)
    )


def poll_options(config: Config) -> PollOptions:
    """How feeds are polled: every `feed_interval_minutes` after a good poll."""
    return PollOptions(
        every=timedelta(minutes=config.feed_interval_minutes),
        cycle=POLL_CHECK_EVERY,
        lease=timedelta(seconds=config.feed_lease_seconds),
    )
