"""The bot's exceptions, small on purpose.

NewsbotError
├── ConfigError      a bad or missing setting, named by its key
├── BadInput         a file or text that cannot become an article
└── ChatGone         the platform says the chat blocked the bot or no longer exists
"""


class NewsbotError(Exception):
    """Base class of every error the bot raises on purpose."""


class ConfigError(NewsbotError):
    """A setting is missing or invalid; the message names the key."""


class BadInput(NewsbotError):
    """Input that cannot become an article (binary, empty, not German, unreadable)."""


class ChatGone(NewsbotError):
    """The chat blocked the bot, left, or was deleted: its subscriptions end."""
