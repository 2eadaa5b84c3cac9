"""The bot's exceptions, small on purpose.

NewsbotError
├── ConfigError      a bad or missing setting, named by its key
├── BadInput         a file or text that cannot become an article
├── StoreError       the database cannot be opened or reached; one line says which and why
└── SendError        what a platform said about one message (transports raise, delivery decides)
    ├── ChatGone     the chat blocked the bot or no longer exists: its subscriptions end
    ├── ChatMoved    the chat has a new id (a Telegram group became a supergroup)
    ├── RateLimited  wait `retry_after` seconds, then try again (429, M_LIMIT_EXCEEDED)
    ├── TooLarge     the message is over the platform's size: split it finer
    ├── BadMarkup    the platform cannot parse the message's markup: send it as plain text
    ├── Transient    a network error or a 5xx: try again later
    └── Rejected     the platform refused this message for good: do not retry it
"""


class NewsbotError(Exception):
    """Base class of every error the bot raises on purpose."""


class ConfigError(NewsbotError):
    """A setting is missing or invalid; the message names the key."""


class BadInput(NewsbotError):
    """Input that cannot become an article (binary, empty, not German, unreadable)."""


class StoreError(NewsbotError):
    """The store cannot be opened or reached (no server, wrong password, no such database); the
    message is one line and never holds a password."""


class SendError(NewsbotError):
    """A platform's verdict on one send; `bot.delivery` is the only place that acts on it."""


class ChatGone(SendError):
    """The chat blocked the bot, left, or was deleted: its subscriptions end."""


class ChatMoved(SendError):
    """The chat now lives under `new_chat` (platform-qualified): send there instead."""

    def __init__(self, new_chat: str) -> None:
        super().__init__(f"chat moved to {new_chat}")
        self.new_chat = new_chat


class RateLimited(SendError):
    """The platform refused a send for now: retry after `retry_after` seconds."""

    def __init__(self, retry_after: float, message: str = "") -> None:
        super().__init__(message or f"rate limited, retry after {retry_after:g} s")
        self.retry_after = retry_after


class TooLarge(SendError):
    """The message is larger than the platform accepts, though we measured it to fit."""


class BadMarkup(SendError):
    """The platform could not parse the message's markup; the same words as plain text can go."""


class Transient(SendError):
    """A network failure or server error: the same message may go through later."""


class Unreached(Transient):
    """No connection to the platform was made: the request never left, so the message surely
    did not go out and may be sent later, also by the next start."""


class Unanswered(SendError):
    """The platform was sent the whole message but its answer never came (no answer in time,
    the connection lost while waiting): it has most likely gone out, so it is not sent again."""


class Rejected(SendError):
    """The platform refused this message permanently (a bad request): retrying cannot help."""
