"""Private mode: who may use the bot (config `allowed_chats`, `allowed_users`), decided once.

Pure: the app's message handler and the transports' membership events ask `Access`; nobody
else compares ids. Entries are platform-qualified ids (`telegram:123`, `matrix:@ann:example.org`,
`matrix:!room:example.org`) or a Matrix server name (`:example.org`: every user and room there).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Access:
    """The operator's lists; both empty: the bot is open to everyone (the default)."""

    chats: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    admins: tuple[str, ...] = ()

    @property
    def is_private(self) -> bool:
        """True when the operator named who may use the bot."""
        return bool(self.chats or self.users)

    def allows(self, chat: str, user: str) -> bool:
        """May this user use the bot in this chat: the chat is allowed, or the user is."""
        # The console is the operator's own terminal.
        if not self.is_private or user in self.admins or chat.startswith("console:"):
            return True
        return _listed(base_chat(chat), self.chats) or _listed(user, self.users)

    def allows_adder(self, chat: str, user: str | None) -> bool:
        """May the bot stay in a group it was just added to (by `user`, when known)."""
        return self.allows(chat, user or "")


def base_chat(chat: str) -> str:
    """A forum topic's group (`telegram:-100123/7` → `telegram:-100123`): allowed with it."""
    return chat.partition("/")[0] if chat.startswith("telegram:") else chat


def _listed(key: str, entries: tuple[str, ...]) -> bool:
    if not key:
        return False
    if key in entries:
        return True
    # A Matrix id ends in its server: matrix:@ann:example.org, matrix:!abc:example.org.
    if key.startswith("matrix:"):
        server = key.removeprefix("matrix:").partition(":")[2]
        return bool(server) and ":" + server in entries
    return False
