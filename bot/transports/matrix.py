"""Matrix over matrix-nio: log in, join rooms on invite, answer `!`/`/` commands, send HTML.

The sync token lives in the app's store, so after a restart the bot neither answers old
messages again nor misses the ones that arrived while it was down (up to `max_age`). A sync
batch is handled room by room side by side, each room in order, before its token is kept.
Encrypted rooms work through nio's e2e extra (vodozemac) when a key store folder is given:
the folder keeps the device id and its keys, and every device is trusted on first use.
Without one, an encrypted room gets a plain notice that the bot cannot read it, and a leave.
An access token the homeserver forgets (logged out, revoked, expired) is replaced by logging in
again with the password; an upgraded room is followed to its replacement, its chat moved there.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from uuid import uuid4

import aiohttp
from nio import (
    AsyncClient,
    AsyncClientConfig,
    InviteMemberEvent,
    JoinedMembersError,
    JoinError,
    LoginResponse,
    MatrixInvitedRoom,
    MatrixRoom,
    MegolmEvent,
    RoomGetStateResponse,
    RoomMemberEvent,
    RoomMessageText,
    RoomSendError,
    RoomUpgradeEvent,
    SyncError,
    SyncResponse,
    WhoamiResponse,
)

from bot.commands import resolve
from bot.errors import (
    ChatGone,
    ChatMoved,
    NewsbotError,
    RateLimited,
    Rejected,
    SendError,
    TooLarge,
    Transient,
)
from bot.records import Reply
from bot.render import MATRIX_LIMIT, matrix_body, split_reply
from bot.texts import t
from bot.transports.matrix_keys import NIO_DEFAULT_KEY, migrate_pickle_key
from bot.transports.port import Incoming, Limits, MayJoin, OnChatGone, OnChatMoved, OnMessage

log = logging.getLogger(__name__)

PREFIX = "matrix:"
SYNC_TIMEOUT_MS = 30_000
# Messages older than this when the bot first sees them are not answered (after a long outage).
MAX_AGE = timedelta(hours=1)
# Synapse's default rc_message allows bursts of 10 then 0.2/s per sender; bot accounts are
# usually exempted, so pace gently and rely on M_LIMIT_EXCEEDED's retry_after_ms.
LIMITS = Limits(per_second=5.0, chat_gap=1.0, account_wide=True)
# What each Matrix error code means for a message (codes not listed: try again later).
ERRORS: dict[str, type[SendError]] = {
    "M_FORBIDDEN": ChatGone,
    "M_NOT_FOUND": ChatGone,
    "M_TOO_LARGE": TooLarge,
    "M_BAD_JSON": Rejected,
    "M_NOT_JSON": Rejected,
    "M_INVALID_PARAM": Rejected,
    # The bot's token is gone: a send logs in again first, anything else waits for the sync to.
    "M_UNKNOWN_TOKEN": Transient,
}
# What the homeserver says of an access token it no longer knows.
LOGGED_OUT = "M_UNKNOWN_TOKEN"
# Why nothing is sent once a configured access token is gone and no password can replace it.
LOCKED_OUT = (
    "M_UNKNOWN_TOKEN: the homeserver no longer accepts MATRIX_ACCESS_TOKEN;"
    " set a new MATRIX_ACCESS_TOKEN or a MATRIX_PASSWORD and restart the bot"
)
# Sends that may be retried, remembered with their transaction id (a burst's, and some).
MAX_UNANSWERED = 1024
# Longest wait between login attempts while the homeserver cannot be reached.
LOGIN_RETRY_MAX = 60.0
# Longest we wait for handlers in flight when stopping.
STOP_GRACE = 30.0
# Bots send m.notice so that other bots do not answer them (Matrix spec, 11.2.1.1).
MSGTYPE = "m.notice"
LOUD_MSGTYPE = "m.text"
# From this room version on, a room's creators outrank every power level (MSC4289).
CREATORS_RANK_FROM = 12
# Where the key store folder keeps the device id its keys belong to.
DEVICE_FILE = "device_id"
LoadToken = Callable[[], Awaitable[str | None]]
SaveToken = Callable[[str], Awaitable[None]]


def chat_key(room_id: str) -> str:
    """Matrix room id → platform-qualified chat key."""
    return PREFIX + room_id


def room_id(chat: str) -> str:
    """Platform-qualified chat key → Matrix room id."""
    if not chat.startswith(PREFIX):
        raise ValueError(f"not a Matrix chat: {chat!r}")
    return chat.removeprefix(PREFIX)


def classify(code: str, message: str, retry_after_ms: int | None) -> SendError:
    """What a failed room send means (pure: the decision is the `ERRORS` table)."""
    if code == "M_LIMIT_EXCEEDED":
        return RateLimited((retry_after_ms or 1000) / 1000, message)
    return ERRORS.get(code, Transient)(f"{code}: {message}")


def is_allowed(user_id: str, allowed: tuple[str, ...]) -> bool:
    """True when `allowed` is empty, names the user, or names the user's server."""
    if not allowed:
        return True
    server = user_id.partition(":")[2]
    return user_id in allowed or server in allowed


async def close_client(client: AsyncClient) -> None:
    """Close a nio client: its HTTP session and, with encryption on, its key store's SQLite file.

    nio's own `close()` closes only the session; the store opened at login keeps its connection
    until the garbage collector finds it (Python 3.13 warns about that).
    """
    await client.close()
    store = client.store
    if store is not None and not store.database.is_closed():
        store.database.close()


def relation(event: RoomMessageText) -> dict[str, Any]:
    """A message's `m.relates_to`, {} when it has none or it is no object: a sender may put any
    JSON there (Synapse reads only an object as a relation), and nothing read from an event may
    raise (nio would skip the rest of the sync, its state changes too, when asked again)."""
    value = event.source.get("content", {}).get("m.relates_to")
    return value if isinstance(value, dict) else {}


def own_text(event: RoomMessageText) -> str:
    """A message's own words: a reply's body may open with the quoted message it answers
    ("> <@alice:example.org> …" lines, then an empty line; the spec's reply fallback), which is
    not what the sender wrote."""
    body = str(event.body)
    if not isinstance(relation(event).get("m.in_reply_to"), dict):
        return body
    lines = body.split("\n")
    quoted = 0
    while quoted < len(lines) and lines[quoted].startswith(">"):
        quoted += 1
    if quoted and quoted < len(lines) and not lines[quoted].strip():
        return "\n".join(lines[quoted + 1 :])
    return body


R = TypeVar("R")
E = TypeVar("E")


def _guarded(handler: Callable[[R, E], Awaitable[None]]) -> Callable[[R, E], Awaitable[None]]:
    """An event handler that logs its failure instead of raising it into nio's sync handling:
    nio skips a sync it has handled once, so the rest of that sync (other rooms' commands,
    power levels, members) would never be seen."""

    async def guarded(room: R, event: E) -> None:
        try:
            await handler(room, event)
        except Exception:
            log.exception(
                "event=matrix_event_failed room=%s type=%s",
                getattr(room, "room_id", "?"),
                type(event).__name__,
            )

    return guarded


class MatrixTransport:
    """A Matrix bot account: one nio client syncing in the background."""

    name = "matrix"

    def __init__(
        self,
        homeserver: str,
        user_id: str,
        *,
        password: str | None = None,
        access_token: str | None = None,
        allowed_inviters: tuple[str, ...] = (),
        on_gone: OnChatGone | None = None,
        on_moved: OnChatMoved | None = None,
        load_token: LoadToken | None = None,
        save_token: SaveToken | None = None,
        sync_timeout_ms: int = SYNC_TIMEOUT_MS,
        device_name: str = "newsbot",
        key_store: Path | None = None,
        pickle_key: Callable[[], str] | None = None,
        limits: Limits = LIMITS,
        may_join: MayJoin | None = None,
    ) -> None:
        if not (password or access_token):
            raise NewsbotError("Matrix needs a password or an access token")
        self.key_store = key_store
        if key_store is not None:
            # The device's keys: the owner alone may list or read them, whatever the umask.
            key_store.mkdir(mode=0o700, parents=True, exist_ok=True)
            key_store.chmod(0o700)
        self.client = AsyncClient(
            homeserver,
            user_id,
            store_path=str(key_store) if key_store is not None else "",
            # No retries inside nio (it would sleep through 429s and timeouts on its own):
            # `bot.delivery` retries sends, the sync loop backs off, and a stop is never stuck.
            config=AsyncClientConfig(
                store_sync_tokens=False,
                encryption_enabled=key_store is not None,
                max_limit_exceeded=0,
                max_timeouts=0,
            ),
        )
        # Asked for at login, when nio opens the store (it may create the key file then).
        self._pickle_key = pickle_key
        # When a sync last came back (seconds since the epoch), for the heartbeat.
        self.last_receive: float | None = None
        self._keys_lock = asyncio.Lock()
        # One login at a time: a send and the sync that meet a lost token log in again once.
        self._login_lock = asyncio.Lock()
        # The configured access token is gone and there is no password: only the operator helps.
        self._locked_out = False
        # Upgraded room → its replacement, once followed: what is still queued goes there.
        self._upgraded: dict[str, str] = {}
        # Room id → its creators (room version 12 on), from the room's m.room.create event.
        self._room_creators: dict[str, frozenset[str]] = {}
        self.user_id = user_id
        self._password = password
        self._access_token = access_token
        self.allowed_inviters = allowed_inviters
        self.may_join = may_join
        self.on_gone = on_gone
        self.on_moved = on_moved
        self._load_token = load_token
        self._save_token = save_token
        self.sync_timeout_ms = sync_timeout_ms
        self.device_name = device_name
        self.limits = limits
        self.size = MATRIX_LIMIT
        self._on_message: OnMessage | None = None
        self._token: str | None = None
        self._ready = False
        self._stopping = False
        self._busy = 0
        self._idle = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # Room id → what this sync batch brought for it, handled in order once the batch is in.
        self._batch: dict[str, list[Callable[[], Awaitable[None]]]] = {}
        # Rooms told that the bot cannot read them, until it has left.
        self._refusing: set[str] = set()
        # Every joined room's state (members, power levels) has come in a sync of this run.
        self._state_known = False
        # (chat, id of a message part) → the part and the transaction id of a send that may
        # be retried: the retry goes under the same id, so a homeserver that stored the event
        # although its answer was lost returns it instead of posting it again (the spec's
        # idempotent PUT .../send/{txnId}).
        self._unanswered: dict[tuple[str, int], tuple[Reply, str]] = {}
        self.synced = asyncio.Event()

    # --- the Transport port ---------------------------------------------------------------

    async def start(self, on_message: OnMessage) -> None:
        """Log in, catch up from the stored sync token, then sync in the background."""
        self._on_message = on_message
        await self._login()
        self._token = await self._load_token() if self._load_token else None
        client = self.client
        client.add_event_callback(_guarded(self._on_invite), InviteMemberEvent)
        client.add_event_callback(_guarded(self._on_text), RoomMessageText)
        client.add_event_callback(_guarded(self._on_member), RoomMemberEvent)
        client.add_event_callback(_guarded(self._on_undecryptable), MegolmEvent)
        client.add_event_callback(_guarded(self._on_upgrade), RoomUpgradeEvent)
        if self._token is None:
            # A first start: take the rooms' state, join pending invites, answer nothing old.
            await self._sync_once(timeout_ms=0, full_state=True)
        # Resumed from a token, a sync tells only what changed since: a room's members and
        # power levels would be missing, and who may manage it unknown. The first sync asks
        # for every room's whole state with what happened since.
        self._state_known = self._token is None
        self._ready = True
        self._idle.set()
        self._task = asyncio.create_task(self._sync_loop(), name="matrix-sync")
        log.info("event=matrix_started user=%s resumed=%s", self.user_id, self._token is not None)

    async def stop(self) -> None:
        """Finish handlers in flight, stop syncing, save the sync token, close the session."""
        await self._end_sync()
        try:
            await self._store_token()
        finally:
            # Closed even when the token cannot be saved: no session or key store left open.
            await close_client(self.client)
        log.info("event=matrix_stopped user=%s", self.user_id)

    def split(self, reply: Reply, size: int) -> list[Reply]:
        """Messages of at most `size` UTF-16 units, buttons written out as commands."""
        return split_reply(reply, size, buttons_as_text=True)

    def is_group(self, chat: str) -> bool:
        """Matrix has no per-room send cap beyond the sender's rate: no room counts as a group."""
        return False

    async def send(self, chat: str, part: Reply, replace: str | None = None) -> None:
        """One m.notice event, HTML with a plain-text body; a `SendError` on refusal.

        In an encrypted room nio encrypts it for every member's device (keys asked first).
        """
        plain, html = matrix_body(part)
        content = {
            # A push the chat wants to hear is m.text; clients by default mute notices.
            "msgtype": LOUD_MSGTYPE if part.silent is False else MSGTYPE,
            "body": plain,
            "format": "org.matrix.custom.html",
            "formatted_body": html,
        }
        room = room_id(chat)
        if room in self._upgraded:
            raise ChatMoved(chat_key(self._upgraded[room]))
        if self._locked_out:
            raise Rejected(LOCKED_OUT)
        client = self.client
        token = client.access_token
        key = (chat, id(part))
        pending = self._unanswered.pop(key, None)
        txn = pending[1] if pending is not None and pending[0] is part else uuid4().hex
        try:
            if client.olm is not None and room not in client.rooms:
                await self._meet(room)
            await self._keys_ready()
            response = await client.room_send(
                room, "m.room.message", content, tx_id=txn, ignore_unverified_devices=True
            )
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            self._retried_later(key, part, txn)
            raise Transient(str(exc) or type(exc).__name__) from exc
        if isinstance(response, RoomSendError):
            code = response.status_code or ""
            error = (
                await self._sent_logged_out(token, response.soft_logout)
                if code == LOGGED_OUT
                else classify(code, response.message, response.retry_after_ms)
            )
            if isinstance(error, ChatGone):
                log.info("event=matrix_chat_gone chat=%s reason=%r", chat, response.message)
            if isinstance(error, Transient | RateLimited):
                # A proxy's 5xx may come after the homeserver stored the event; a rate limit
                # may answer the retry of a send whose answer was lost.
                self._retried_later(key, part, txn)
            raise error

    async def _meet(self, room: str) -> None:
        """Make a room known to nio that no sync brought since the start (resumed from a sync
        token): with encryption on, nio sends to no other. Made as nio makes a joined room; the
        key store says whether it encrypts, and an encrypted room's members are asked first so
        the message is encrypted for them (a `SendError` when they cannot be asked)."""
        client = self.client
        known = MatrixRoom(room, client.user_id, room in client.encrypted_rooms)
        client.rooms[room] = known
        if not known.encrypted:
            return
        try:
            members = await client.joined_members(room)
        finally:
            if not known.members_synced:  # asked again at the next send
                del client.rooms[room]
        if isinstance(members, JoinedMembersError):
            raise classify(members.status_code or "", members.message, members.retry_after_ms)

    def _retried_later(self, key: tuple[str, int], part: Reply, txn: str) -> None:
        """Keep a send's transaction id for its retry, which `bot.delivery` may make."""
        if len(self._unanswered) >= MAX_UNANSWERED:
            self._unanswered.clear()
        self._unanswered[key] = (part, txn)

    # --- receiving: one syncing process per account ---------------------------------------

    @property
    def receiver(self) -> str:
        """The singleton this transport's receiving is: the account's lock (`matrix:<user>`),
        which the app takes before the start (`hold_matrix`) and checks while it runs."""
        return f"matrix:{self.user_id}"

    @property
    def receiving(self) -> bool:
        """Whether this process syncs the account now."""
        return self._task is not None and not self._task.done()

    async def start_receiving(self) -> None:
        """Sync again (the account is this process's again), from the stored sync token: the
        process that synced meanwhile moved it on."""
        if not self._ready or self.receiving:
            return
        self._token = await self._load_token() if self._load_token else self._token
        # What changed while another process synced (power levels, members) is not in what
        # happened since its token: the first sync asks for every room's whole state again.
        self._state_known = False
        self._stopping = False
        self._task = asyncio.create_task(self._sync_loop(), name="matrix-sync")
        log.info("event=matrix_receiving user=%s", self.user_id)

    async def stop_receiving(self) -> None:
        """Stop syncing (another process may sync the account now): handlers in flight
        finish; sending goes on. The sync token is left to the process that syncs now."""
        await self._end_sync()
        self._token = None  # never written back over the other process's newer one
        log.info("event=matrix_receiving_stopped user=%s", self.user_id)

    async def _end_sync(self) -> None:
        """Let handlers in flight finish, then end the sync loop."""
        self._stopping = True
        if self._task is not None:
            try:
                await asyncio.wait_for(self._idle_wait(), STOP_GRACE)
            except TimeoutError:
                log.warning("event=matrix_stop_timeout busy=%d", self._busy)
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    # --- internals --------------------------------------------------------------------------

    async def _login(self) -> None:
        """Log in, waiting for a homeserver that cannot be reached yet (a stop cancels the wait)."""
        failures = 0
        while True:
            try:
                await self._login_once()
                return
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                failures += 1
                wait = min(LOGIN_RETRY_MAX, 2.0**failures)
                log.warning(
                    "event=matrix_unreachable homeserver=%s error=%r retry_in_s=%.0f"
                    " (connection failed or timed out)",
                    self.client.homeserver,
                    str(exc) or type(exc).__name__,
                    wait,
                )
                await asyncio.sleep(wait)

    async def _login_once(self) -> None:
        client = self.client
        if self._access_token:
            client.access_token = self._access_token
            who = await client.whoami()
            if not isinstance(who, WhoamiResponse):
                if who.status_code == LOGGED_OUT and self._password:
                    # Revoked while the bot was down: the password logs in instead.
                    await self._log_in_again(self._access_token, who.soft_logout)
                    return
                raise NewsbotError(f"matrix access token rejected: {who.status_code}")
            # restore_login opens the key store of this device (when encryption is on).
            self._rekey(who.user_id, who.device_id or "")
            client.restore_login(who.user_id, who.device_id or "", self._access_token)
        else:
            # The same device id as last time, so the keys in the store still belong to it.
            client.device_id = self._saved_device() or client.device_id
            self._rekey(self.user_id, client.device_id)
            response = await client.login(self._password or "", device_name=self.device_name)
            if not isinstance(response, LoginResponse):
                raise NewsbotError(f"matrix login failed for {self.user_id}: {response.message}")
        if self.key_store is not None:
            (self.key_store / DEVICE_FILE).write_text(client.device_id)
            await self._keys_ready()
        log.info(
            "event=matrix_login user=%s device=%s encryption=%s",
            client.user_id,
            client.device_id,
            self.key_store is not None,
        )

    async def _sent_logged_out(self, lost: str, soft_logout: bool) -> SendError:
        """What a send refused for a lost token means: try again, once logged in again (or the
        login failed for now), or give up when no password can replace the token."""
        try:
            renewed = await self._log_in_again(lost, soft_logout)
        except (aiohttp.ClientError, OSError, TimeoutError, NewsbotError) as exc:
            return Transient(f"{LOGGED_OUT}: logging in again failed: {exc}")
        return Transient(f"{LOGGED_OUT}: logged in again") if renewed else Rejected(LOCKED_OUT)

    async def _log_in_again(self, lost: str, soft_logout: bool) -> bool:
        """The homeserver no longer knows the access token `lost` (logged out, revoked, expired):
        with a password, log in again on the same device, once per loss; True when a token
        works now. Without one, say once what the operator must set (never the token)."""
        async with self._login_lock:
            if self.client.access_token != lost:
                return True  # the sync or a send met the same loss and logged in already
            if not self._password:
                if not self._locked_out:
                    self._locked_out = True
                    log.error(
                        "event=matrix_token_rejected user=%s soft_logout=%s syncing=no: %s",
                        self.user_id,
                        soft_logout,
                        LOCKED_OUT.removeprefix(f"{LOGGED_OUT}: "),
                    )
                return False
            log.warning(
                "event=matrix_token_lost user=%s soft_logout=%s action=login",
                self.user_id,
                soft_logout,
            )
            self._access_token = None  # a configured token that is gone: the password now
            if not soft_logout and self.client.olm is not None:
                # Logged out for good: the homeserver deleted the device and its keys with it.
                # The same device id comes back with the same keys, uploaded again.
                self.client.olm.account.shared = False
            await self._login_once()
            return True

    def _rekey(self, user_id: str, device_id: str) -> None:
        """A store from before per-install pickle keys is re-pickled before nio opens it."""
        if self.key_store is not None:
            key = self._pickle_key() if self._pickle_key is not None else NIO_DEFAULT_KEY
            self.client.config = replace(self.client.config, pickle_key=key)
            migrate_pickle_key(self.key_store, user_id, device_id, key)

    def _saved_device(self) -> str | None:
        if self.key_store is None:
            return None
        path = self.key_store / DEVICE_FILE
        return path.read_text().strip() or None if path.exists() else None

    async def _keys_ready(self) -> None:
        """Upload, ask for and claim the keys nio says it needs; trust new devices (TOFU).

        Called after every sync and before every send, so a reply in an encrypted room is
        encrypted for devices that joined in the sync that brought the command.
        """
        client = self.client
        if client.olm is None:
            return
        async with self._keys_lock:
            if client.should_upload_keys:
                await client.keys_upload()
            if client.should_query_keys:
                await client.keys_query()
                self._trust_new_devices()
            if client.should_claim_keys:
                await client.keys_claim(client.get_users_for_key_claiming())
            await client.send_to_device_messages()

    def _trust_new_devices(self) -> None:
        """Trust on first use: a device seen for the first time is trusted, as bots do; one
        blacklisted or ignored by hand stays so."""
        client = self.client
        for user in client.device_store.users:
            for device in client.device_store.active_user_devices(user):
                if device.user_id == client.user_id and device.id == client.device_id:
                    continue
                if not (device.verified or device.blacklisted or device.ignored):
                    client.verify_device(device)
                    log.info("event=matrix_device_trusted user=%s device=%s", user, device.id)

    async def _idle_wait(self) -> None:
        while self._busy:
            self._idle.clear()
            await self._idle.wait()

    async def _store_token(self) -> None:
        if self._token and self._save_token is not None:
            await self._save_token(self._token)

    async def _sync_once(self, timeout_ms: int, full_state: bool = False) -> bool:
        self._batch = {}  # what a failed sync left behind comes again with the same token
        token = self.client.access_token
        response = await self.client.sync(
            timeout=timeout_ms, since=self._token, full_state=full_state or None
        )
        if isinstance(response, SyncError) and response.status_code == LOGGED_OUT:
            await self._log_in_again(token, response.soft_logout)
            return False
        if not isinstance(response, SyncResponse):
            log.warning("event=matrix_sync_failed error=%r", getattr(response, "message", ""))
            return False
        self.last_receive = time.time()
        await self._handle_batch()
        if full_state:
            await self._follow_upgrades()
        # Every message of this batch has been handled: only now is the token safe to keep.
        self._token = response.next_batch
        await self._store_token()
        # Keys after the token: a failed key request must not replay (and re-answer) the batch.
        await self._keys_ready()
        self.synced.set()
        return True

    async def _sync_loop(self) -> None:
        failures = 0
        while not self._stopping:
            if self._locked_out:
                # Nothing to ask the homeserver until a restart with new credentials; the loop
                # stays, so the heartbeat shows this account's receiving silent.
                await asyncio.sleep(LOGIN_RETRY_MAX)
                continue
            try:
                ok = await self._sync_once(self.sync_timeout_ms, full_state=not self._state_known)
                self._state_known |= ok
            except Exception as exc:  # any transport failure: back off, never end the sync
                log.warning("event=matrix_sync_error error=%r", str(exc))
                ok = False
            failures = 0 if ok else failures + 1
            if failures:
                await asyncio.sleep(min(60.0, 0.5 * 2**failures))

    def _track(self, delta: int) -> None:
        self._busy += delta
        if not self._busy:
            self._idle.set()

    def _later(self, room: MatrixRoom, work: Callable[[], Awaitable[None]]) -> None:
        """Queue work for a room; `_handle_batch` runs it once nio has read the whole batch."""
        self._batch.setdefault(room.room_id, []).append(work)

    async def _handle_batch(self) -> None:
        """Each room's messages in order, the rooms side by side: a room whose handling waits
        (its creators asked, the store busy) delays only itself within the batch, and no
        handler waits for a send (`bot.delivery` takes the reply)."""
        batch, self._batch = self._batch, {}
        self._track(sum(len(work) for work in batch.values()))
        await asyncio.gather(*(self._handle_room(room, work) for room, work in batch.items()))

    async def _handle_room(self, room: str, work: list[Callable[[], Awaitable[None]]]) -> None:
        for one in work:
            try:
                await one()
            except Exception:  # one message's failure is logged; the room's others still run
                log.exception("event=matrix_handler_failed room=%s", room)
            finally:
                self._track(-1)

    async def _on_invite(self, room: MatrixInvitedRoom, event: InviteMemberEvent) -> None:
        if event.state_key != self.client.user_id or event.membership != "invite":
            return
        if not is_allowed(event.sender, self.allowed_inviters):
            log.info("event=matrix_invite_refused room=%s sender=%s", room.room_id, event.sender)
            await self.client.room_leave(room.room_id)
            return
        upgraded = self._replaced_by(room.room_id)
        if upgraded is not None:
            await self._follow(upgraded, room.room_id)
            return
        # Private mode (config allowed_chats/allowed_users): the app decides.
        if self.may_join is not None and not await self.may_join(
            chat_key(room.room_id), f"{PREFIX}{event.sender}"
        ):
            log.info("event=left_unallowed_group chat=%s added_by=%s", room.room_id, event.sender)
            await self.client.room_leave(room.room_id)
            return
        response = await self.client.join(room.room_id)
        if isinstance(response, JoinError):
            log.warning("event=matrix_join_failed room=%s error=%r", room.room_id, response.message)
        else:
            log.info("event=matrix_joined room=%s inviter=%s", room.room_id, event.sender)

    async def _on_upgrade(self, room: MatrixRoom, event: RoomUpgradeEvent) -> None:
        await self._follow(room.room_id, event.replacement_room)

    async def _follow_upgrades(self) -> None:
        """Rooms whose state names a replacement: an upgrade made while the bot was down may have
        left the tombstone out of the sync's timeline (its callback never ran), not its state."""
        for room in list(self.client.rooms.values()):
            if room.replacement_room and room.room_id not in self._upgraded:
                await self._follow(room.room_id, room.replacement_room)

    def _replaced_by(self, new: str) -> str | None:
        """The joined room that an upgrade replaced by `new`, if any (its tombstone came)."""
        return next(
            (r.room_id for r in self.client.rooms.values() if r.replacement_room == new), None
        )

    async def _follow(self, old: str, new: str) -> None:
        """The room `old` was upgraded to `new`: join it, move the chat there (as a Telegram group
        that became a supergroup) and leave the dead room. Not joined (no invite yet, say): the
        chat stays; an invite to `new` later follows it."""
        if old in self._upgraded:
            return  # a sync handled again after a failure brings the tombstone again
        response = await self.client.join(new)
        if isinstance(response, JoinError):
            log.warning(
                "event=matrix_upgrade_not_followed room=%s new=%s error=%r"
                " (the bot needs an invite to the new room)",
                old,
                new,
                response.message,
            )
            return
        log.info("event=matrix_room_upgraded room=%s new=%s", old, new)
        if self.on_moved is not None:
            await self.on_moved(chat_key(old), chat_key(new))
        self._upgraded[old] = new
        await self.client.room_leave(old)

    async def _on_text(self, room: MatrixRoom, event: RoomMessageText) -> None:
        if not self._ready or event.sender == self.client.user_id:
            return
        if relation(event).get("rel_type") == "m.replace":
            return  # an edit of an earlier message, which was answered already
        age_ms = time.time() * 1000 - event.server_timestamp
        if age_ms > MAX_AGE.total_seconds() * 1000:
            log.info(
                "event=matrix_old_message_skipped room=%s age_s=%d", room.room_id, age_ms // 1000
            )
            return
        self._later(room, partial(self._answer, room, event))

    async def _answer(self, room: MatrixRoom, event: RoomMessageText) -> None:
        if self._on_message is None:
            return
        if room.encrypted and self.client.olm is None:
            await self._refuse_encrypted(room)
            return
        # A direct chat is the bot and one person; chatter in a bigger room is not for the bot.
        private = room.member_count <= 2
        # In a room, those at the power level the room asks for changing its state (its
        # `state_default`, 50 unless the room says otherwise) manage the digest.
        level = room.power_levels.defaults.state_default
        text = own_text(event)
        resolved = resolve(text)
        may_manage = private or resolved is None or not resolved.asks_manager
        if not may_manage:
            may_manage = event.sender in await self._creators(room) or (
                room.power_levels.get_user_level(event.sender) >= level
            )
        incoming = Incoming(
            chat_key(room.room_id),
            PREFIX + event.sender,
            text,
            private=private,
            may_manage=may_manage,
            manage_level=level,
        )
        await self._on_message(incoming)

    async def _creators(self, room: MatrixRoom) -> frozenset[str]:
        """Who created the room, when the room version ranks creators above every power level
        (version 12 on: they are no longer listed in m.room.power_levels). Asked once a room."""
        if not room.room_version.isdigit() or int(room.room_version) < CREATORS_RANK_FROM:
            return frozenset()
        if room.room_id not in self._room_creators:
            response = await self.client.room_get_state(room.room_id)
            if not isinstance(response, RoomGetStateResponse):
                log.warning("event=matrix_state_unknown room=%s", room.room_id)
                return frozenset()
            creators: set[str] = set()
            for state in response.events:
                if state.get("type") == "m.room.create":
                    content = state.get("content", {})
                    creators = {state.get("sender", ""), *content.get("additional_creators", [])}
            self._room_creators[room.room_id] = frozenset(creators)
        return self._room_creators[room.room_id]

    async def _refuse_encrypted(self, room: MatrixRoom) -> None:
        """Without a key store nothing in an encrypted room can be read: say so through the
        delivery (once, however many messages came), then leave once it went out."""
        if self._on_message is None or room.room_id in self._refusing:
            return
        self._refusing.add(room.room_id)
        chat = chat_key(room.room_id)

        async def leave() -> None:
            await self.client.room_leave(room.room_id)
            self._refusing.discard(room.room_id)
            log.warning(
                "event=matrix_encrypted_room_left room=%s reason=no key store", room.room_id
            )
            await self._gone(chat, "encrypted room without key store")

        # Nobody in the room has chosen a language yet: both, German first. Without a key
        # store nio sends it unencrypted, which an encrypted room accepts and every client shows.
        notice = Reply.text(t("de", "matrix_encrypted"), t("en", "matrix_encrypted"))
        await self._on_message(Incoming(chat, "", "", private=False, answer=notice, after=leave))

    async def _on_undecryptable(self, room: MatrixRoom, event: MegolmEvent) -> None:
        if not self._ready or event.sender == self.client.user_id:
            return
        if self.client.olm is None:
            self._later(room, partial(self._refuse_encrypted, room))
            return
        # Sent before the sender knew this device's keys: ask the sender's devices for them.
        log.warning(
            "event=matrix_undecryptable room=%s sender=%s session=%s",
            room.room_id,
            event.sender,
            event.session_id,
        )

    async def _on_member(self, room: MatrixRoom, event: RoomMemberEvent) -> None:
        if event.membership not in ("leave", "ban"):
            return
        chat = chat_key(room.room_id)
        if event.state_key == self.client.user_id:
            if event.sender != self.client.user_id:
                await self._gone(chat, f"bot {event.membership}")
            return
        if self._ready and room.joined_count <= 1:
            # Everyone else left: nobody reads this room any more.
            await self.client.room_leave(room.room_id)
            await self._gone(chat, "room empty")

    async def _gone(self, chat: str, reason: str) -> None:
        log.info("event=chat_gone chat=%s reason=%s", chat, reason)
        if self.on_gone is not None:
            await self.on_gone(chat, reason)
