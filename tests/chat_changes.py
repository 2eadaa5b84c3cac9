"""Every command that changes a chat, in every spelling, with what it is asked to do and how the
chat's state shows that it was done: shared by the permission tests of every chat kind.

The spellings come from the command table, so a new name (or a new changing command) is tested
by every chat kind without touching the tests; `GERMAN_NAMES` pins the names issue 24 found
unchecked, so the list cannot shrink unnoticed. A new changing command adds its arguments to
`ARGS` (a test says so) and, if it changes something else, that to `state`.
"""

from __future__ import annotations

from datetime import datetime

from bot.commands import COMMANDS
from bot.records import Subscription
from bot.store import Store

# Arguments under which each changing command changes the state `prepare` leaves.
ARGS = {
    "subscribe": "07:30",
    "unsubscribe": "",
    "settings": "meldungen 3",
    "alert": "grönland",
    "unalert": "alle",
}
# The German names an ordinary member could use to change a group's digest before issue 24.
GERMAN_NAMES = ("abo", "abonnieren", "abbestellen", "einstellungen", "alarm")
BOT_NAME = "digest_test_bot"

State = tuple[str | None, int, tuple[tuple[str, ...], ...]]


def changing_names() -> list[tuple[str, str]]:
    """(command, name) for every name of every command that changes a chat."""
    return [
        (command.name, name)
        for command in COMMANDS.values()
        if command.changes is not None
        for name in command.names
    ]


def spellings(prefixes: tuple[str, ...], *, bot_suffix: bool) -> list[tuple[str, str]]:
    """(command, `/name`, `!name`, `/name@bot` …) for every changing command and name."""
    found = []
    for key, name in changing_names():
        for prefix in prefixes:
            found.append((key, f"{prefix}{name}"))
            if bot_suffix:
                found.append((key, f"{prefix}{name}@{BOT_NAME}"))
    return found


def message(key: str, spelling: str) -> str:
    """The message that asks for the change."""
    return f"{spelling} {ARGS[key]}".strip()


def prepare(store: Store, chat: str, now: datetime) -> None:
    """A chat every changing command changes: a digest at 06:00, 5 stories, one alert."""
    store.chats.subscribe(Subscription(chat, "06:00", "Europe/Berlin", now), now)
    store.chats.update_settings(chat, now, stories=5)
    for alert in store.chats.alerts(chat):
        store.chats.remove_alert(chat, alert.id)
    store.chats.add_alert(chat, ("kreml",), now)


def state(store: Store, chat: str) -> State:
    """What the changing commands change: digest time, stories, alerts."""
    sub = store.chats.subscription(chat)
    alerts = tuple(a.words for a in store.chats.alerts(chat))
    return (sub.time if sub else None, store.chats.settings(chat).stories, alerts)
