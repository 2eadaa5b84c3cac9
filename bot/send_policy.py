"""The sending policy, pure: how a message can end, and what a failed send means.

`decide` turns a platform's typed error (`bot.errors.SendError`) and what is known about the
attempt into one `Action`; `bot.delivery` carries it out. Every sending rule is here: retry and
backoff, `retry_after`, the move cap, finer splits and their limit, plain text after refused
markup, edits sent anew, gone chats, a send taken but never confirmed, and whether a failed
send may still have gone out.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.errors import (
    BadMarkup,
    ChatGone,
    ChatMoved,
    RateLimited,
    Rejected,
    SendError,
    TooLarge,
    Transient,
    Unanswered,
    Unreached,
)

# Eight tries with doubling backoff span about eight minutes: a Bot API down for two minutes
# still gets the message through, once.
RETRIES = 8
BACKOFF = 2.0
MAX_BACKOFF = 300.0
# A platform asking us to wait longer than this for one message is treated as a failure.
MAX_RETRY_AFTER = 600.0
# A refusal for the rate says when to come back: the platform's pacing, not a failed try. Only
# a platform that keeps refusing one message this often is given up on.
MAX_REFUSALS = 50
# A chain of moves longer than this is a loop (or a platform bug), not a chat to follow.
MAX_MOVES = 3


class Status(StrEnum):
    """How a queued message ended (the digest log stores `sent`, `gone` and `failed` as such)."""

    SENT = "sent"
    # Its claim was refused: another process has it.
    SKIPPED = "skipped"
    # The chat blocked the bot or no longer exists; its subscriptions end.
    GONE = "gone"
    # The queue stopped before it was tried; a digest stays due for the next start.
    STOPPED = "stopped"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Outcome:
    """A message's end: its `status`, and for `gone` and `failed` why (redacted, ≤ 300 chars)."""

    status: Status
    reason: str = ""


# The outcomes without a reason, made once (a frozen dataclass costs a microsecond to build).
SENT = Outcome(Status.SENT)
SKIPPED = Outcome(Status.SKIPPED)
STOPPED = Outcome(Status.STOPPED)


@dataclass(frozen=True, slots=True)
class Attempt:
    """What `decide` knows about a failed send besides the error.

    `tries` counts the failed attempts at this part that may be retried, this one included,
    and `refusals` the platform's refusals for the rate (429) apart from them;
    `moves` the moved chats followed so far; `editing` says it edited an earlier message;
    `plain` that it was already the plain-text form; `finer` that a finer split cuts it in two
    or more parts.
    """

    tries: int
    refusals: int = 0
    moves: int = 0
    editing: bool = False
    plain: bool = False
    finer: bool = False


@dataclass(frozen=True, slots=True)
class Retry:
    """Send the same part again after `delay` seconds (`reason`: the error, for the log)."""

    delay: float
    reason: str


@dataclass(frozen=True, slots=True)
class Follow:
    """The chat moved: send to `chat` from now on, at once."""

    chat: str


@dataclass(frozen=True, slots=True)
class SplitFiner:
    """The part is too large: send it as the finer split's parts, at once."""


@dataclass(frozen=True, slots=True)
class SendPlain:
    """The platform refused the markup: send the part as plain text, at once."""


@dataclass(frozen=True, slots=True)
class SendNew:
    """The edited message is gone or too old: post the part as a new message, at once."""


@dataclass(frozen=True, slots=True)
class Gone:
    """The chat is gone: drop everything queued for it and end its subscriptions."""


@dataclass(frozen=True, slots=True)
class Unconfirmed:
    """The platform took the part but never confirmed it: count it as sent and go on with the
    next part, since sending it again would most likely show it twice (`reason`: for the log)."""

    reason: str


@dataclass(frozen=True, slots=True)
class Fail:
    """Give the message up: `reason` is logged and reported to its owner."""

    reason: str


# Everything `decide` returns.
Action = Retry | Follow | SplitFiner | SendPlain | SendNew | Gone | Unconfirmed | Fail


def decide(
    error: Exception,
    attempt: Attempt,
    *,
    retries: int = RETRIES,
    backoff: float = BACKOFF,
) -> Action:
    """What a failed send means (pure): every sending rule, one table of cases."""
    reason = f"{type(error).__name__}: {error}"[:300]
    if isinstance(error, ChatGone):
        return Gone()
    if isinstance(error, Unanswered):
        return Unconfirmed(reason)
    if isinstance(error, ChatMoved):
        return Follow(error.new_chat) if attempt.moves < MAX_MOVES else Fail(reason)
    if isinstance(error, TooLarge):
        return SplitFiner() if attempt.finer else Fail("too large")
    if isinstance(error, BadMarkup):
        # A message is never dropped over markup; plain text has none left to refuse.
        return Fail(reason) if attempt.plain else SendPlain()
    if isinstance(error, Rejected):
        # A rejected edit (the message is too old or gone) is sent as a new message instead.
        return SendNew() if attempt.editing else Fail(str(error)[:300])
    if isinstance(error, RateLimited):
        if error.retry_after > MAX_RETRY_AFTER or attempt.refusals > MAX_REFUSALS:
            return Fail(reason)
        return Retry(error.retry_after, reason)
    if attempt.tries > retries:
        return Fail(reason)
    return Retry(min(MAX_BACKOFF, backoff * 2 ** (attempt.tries - 1)), reason)


def may_have_gone_out(error: Exception) -> bool:
    """Whether a failed send may still have reached the chat: a network error or a 5xx
    (`Transient`), a missing answer and anything unforeseen may come after the platform stored
    it; no connection at all (`Unreached`) and every other `SendError` is the platform's verdict
    that it did not."""
    if isinstance(error, Unreached):
        return False
    return isinstance(error, Transient | Unanswered) or not isinstance(error, SendError)
