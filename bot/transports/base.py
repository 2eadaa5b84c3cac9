"""The one small port every transport implements: start, send, stop."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from bot.records import Reply


@dataclass(frozen=True, slots=True)
class Incoming:
    """A chat message as the core sees it: platform-qualified chat and user, text, language."""

    chat: str
    user: str
    text: str
    language: str | None = None


OnMessage = Callable[[Incoming], Awaitable[Reply | None]]
# Platform events a transport reports to the app: (chat, reason) and (old chat, new chat).
OnChatGone = Callable[[str, str], Awaitable[None]]
OnChatMoved = Callable[[str, str], Awaitable[None]]


class Transport(Protocol):
    """A chat platform: receive messages into `on_message`, send replies to chats."""

    name: str

    async def start(self, on_message: OnMessage) -> None:
        """Begin receiving messages; returns once receiving runs in the background."""

    async def send(self, chat: str, reply: Reply) -> None:
        """Deliver a reply to a chat (raises `ChatGone` when the chat is gone)."""

    async def stop(self) -> None:
        """Stop receiving and finish messages in flight."""
