"""The bot's exceptions, small on purpose.

NewsbotError
├── ConfigError      a bad or missing setting, named by its key
├── BadInput         a file or text that cannot become an article
├── ChatGone         the platform says the chat blocked the bot or no longer exists
└── RateLimited      the platform asks us to wait `retry_after` seconds (429, M_LIMIT_EXCEEDED)
"""


class NewsbotError(Exception):
    """Base class of every error the bot raises on purpose."""


class ConfigError(NewsbotError):
    """A setting is missing or invalid; the message names the key."""


class BadInput(NewsbotError):
    """Input that cannot become an article (binary, empty, not German, unreadable)."""


class ChatGone(NewsbotError):
    """The chat blocked the bot, left, or was deleted: its subscriptions end."""


class RateLimited(NewsbotError):
    """The platform refused a send for now: retry after `retry_after` seconds."""

    def __init__(self, retry_after: float, message: str = "") -> None:
        super().__init__(message or f"rate limited, retry after {retry_after:g} s")
        self.retry_after = retry_after
