"""The one small port every transport implements: start, send one message, stop.

A transport knows its platform (size limit, pacing limits, which chats are groups) and turns
one platform reply into a typed `SendError`; it never waits, retries or splits after a
refusal. `bot.delivery` does all of that, for every platform, in one place.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from bot.records import Reply


@dataclass(frozen=True, slots=True)
class Incoming:
    """A chat message as the core sees it.

    `private`: a one-to-one chat (the platform says so), where chatter gets a hint.
    `replace`: the platform's id of a bot message to edit in place (a Telegram button press).
    `may_manage`: the platform says this user may change the chat's digest and settings (the
    person in a private chat, a group administrator, a room member at the power level asked);
    `manage_level`: that power level in a Matrix room, None where administrators decide.
    `answer`: the platform's own answer, with no command to run (a Matrix room the bot cannot
    read); `after` runs once that answer went out or was given up (the bot leaves the room).
    """

    chat: str
    user: str
    text: str
    language: str | None = None
    private: bool = True
    replace: str | None = None
    may_manage: bool = True
    manage_level: int | None = None
    answer: Reply | None = None
    after: Callable[[], Awaitable[None]] | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Limits:
    """A platform's send limits: overall rate, gap per chat, and a cap per group and minute."""

    per_second: float
    chat_gap: float
    group_per_minute: int | None = None
    # The platform's refusal for the rate (429 with its retry_after) is the sender's, not the
    # chat's: it holds every chat (a Matrix homeserver limits the account, whatever the room).
    account_wide: bool = False


OnMessage = Callable[[Incoming], Awaitable[None]]
# Platform events a transport reports to the app: (chat, reason) and (old chat, new chat).
OnChatGone = Callable[[str, str], Awaitable[None]]
OnChatMoved = Callable[[str, str], Awaitable[None]]
# Whether the bot may stay in a group or room it was just added to: (chat, who added it).
MayJoin = Callable[[str, str | None], Awaitable[bool]]


class Transport(Protocol):
    """A chat platform: messages in through `on_message`, one message out per `send`."""

    name: str
    limits: Limits
    # The longest message in the platform's own measure; `split` cuts replies to it.
    size: int

    def split(self, reply: Reply, size: int) -> list[Reply]:
        """The reply as messages of at most `size` each, as this platform renders them."""

    def is_group(self, chat: str) -> bool:
        """Whether the platform told us this chat is a group (its per-group limits apply)."""

    async def start(self, on_message: OnMessage) -> None:
        """Begin receiving messages; returns once receiving runs in the background."""

    async def send(self, chat: str, part: Reply, replace: str | None = None) -> None:
        """Send one message (or edit `replace`): one API call, a `SendError` on refusal."""

    async def stop(self) -> None:
        """Stop receiving and finish messages in flight."""
