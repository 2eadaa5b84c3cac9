"""Logging setup (stdlib `logging`): one line per event, key=value or JSON, secrets masked.

Messages are written as `event=name key=value …`; the formatters add time, level and logger.
The redacting filter sits on the handler, so it sees records from every library's logger.
"""

from __future__ import annotations

import contextlib
import functools
import html
import html.entities
import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import TextIO

from bot.config import Config

MASK = "***"
# The Bot API puts the token in the path: https://api.telegram.org/bot123456:AA…/getUpdates,
# and an error page may echo it URL-encoded (%3A). A bare token is digits, ":" and 35 more. A
# Matrix user id may look alike (`@bot12345678:example.org`) and is no secret: "@" never
# stands before a token.
_BOT_TOKEN = re.compile(r"(?i)(?<![@\w])bot\d+(?::|%3A)[A-Za-z0-9_-]+")
_BARE_TOKEN = re.compile(r"(?i)\b\d{5,}(?::|%3A)[A-Za-z0-9_-]{30,}")
# Matrix clients may send the access token as a query parameter or an Authorization header.
_QUERY_TOKEN = re.compile(r"(?i)(access_token|password|token)=[^&\s\"']+")
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
# A login or token body echoed back: {"password": "…"}, and the same inside a JSON string.
_SECRET_KEYS = r"(?:password|access_token|token|secret_token)"  # noqa: S105 - key names, no secret
_JSON_SECRET = re.compile(rf'(?i)("{_SECRET_KEYS}"\s*:\s*")((?:[^"\\]|\\.)*)(")')
_JSON_SECRET_ESCAPED = re.compile(rf'(?i)(\\"{_SECRET_KEYS}\\"\s*:\s*\\")(.*?)((?<!\\\\)\\")')


# Entity names for the ASCII punctuation a secret may hold (`&colon;`, `&lowbar;`, …).
_ENTITY_NAMES: dict[str, tuple[str, ...]] = {}
for _name, _char in html.entities.html5.items():
    if len(_char) == 1 and not _char.isalnum():
        _ENTITY_NAMES[_char] = (*_ENTITY_NAMES.get(_char, ()), _name)
# A Telegram token is `<bot id>:<secret>`; either half alone is still recognisable.
_TOKEN_HALVES = re.compile(r"(\d{5,}):(.{8,})")


def _spellings(char: str) -> str:
    """A regex for one character in every spelling a server may echo it in.

    Raw (any case, as PTB capitalises error text), URL-encoded once or twice (`%3A`, `%253A`),
    HTML entities (`&#58;`, `&#x3a;`, `&colon;`, and those escaped again as `&amp;#58;`), JSON
    `\\u003a` escapes (also doubled by a repr) and backslash-escaped punctuation (`\\"`, `\\/`).
    """
    code = ord(char)
    forms = [re.escape(char) if char.isalnum() else r"\\*" + re.escape(char)]
    forms.append("".join(f"%(?:25)*{b:02x}" for b in char.encode()))
    entity = r"&(?:amp;)*"
    forms.append(rf"{entity}#0*{code};?")
    forms.append(rf"{entity}#x0*{code:x};?")
    forms += [entity + re.escape(name) for name in _ENTITY_NAMES.get(char, ())]
    if code <= 0xFFFF:
        forms.append(rf"\\+u{code:04x}")
    if char == " ":
        forms.append(r"\+")
    return "(?:" + "|".join(forms) + ")"


def _spelled(secret: str) -> str:
    return "".join(_spellings(c) for c in secret)


def secret_parts(secret: str) -> tuple[str, ...]:
    """The secret and each recognisable part of it: both halves of a Telegram token."""
    halves = _TOKEN_HALVES.fullmatch(secret)
    return (secret, halves.group(2), halves.group(1)) if halves else (secret,)


@functools.lru_cache(maxsize=16)
def _secrets_pattern(secrets: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regex for every secret, and every part of one, in every spelling; longest first."""
    parts = sorted({p for s in secrets if s for p in secret_parts(s)}, key=len, reverse=True)
    alternatives = []
    for part in parts:
        spelled = _spelled(part)
        if part.isdigit():  # the bot id alone: only as a whole number, not inside a longer one
            spelled = rf"(?<![0-9]){spelled}(?![0-9])"
        alternatives.append(spelled)
    return re.compile("|".join(alternatives), re.IGNORECASE) if alternatives else None


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Text from outside (an error body, a URL, an exception) with every secret masked.

    Redact where such text is stored or printed: log lines, failure notes, `status`, stderr.
    """
    pattern = _secrets_pattern(tuple(sorted({s for s in secrets if s})))
    if pattern is not None:
        text = pattern.sub(MASK, text)
    text = _BOT_TOKEN.sub("bot" + MASK, text)
    text = _BARE_TOKEN.sub(MASK, text)
    text = _QUERY_TOKEN.sub(lambda m: f"{m.group(1)}={MASK}", text)
    text = _JSON_SECRET.sub(lambda m: m.group(1) + MASK + m.group(3), text)
    text = _JSON_SECRET_ESCAPED.sub(lambda m: m.group(1) + MASK + m.group(3), text)
    return _BEARER.sub(lambda m: m.group(1) + MASK, text)


_PAIR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)')
# The attribute that marks the one root handler `setup_logging` installs (and replaces).
LOG_HANDLER_MARK = "_newsbot_handler"
# Libraries that log every request at INFO, with URLs that carry tokens.
_QUIET = ("httpx", "httpcore")
# The page extractors log a page they cannot read as an error ("empty HTML tree"); the skip or
# feed line that follows says it for us. At DEBUG their lines are shown.
_EXTRACTORS = ("trafilatura", "htmldate", "courlan", "justext", "readability")


class RedactingFilter(logging.Filter):
    """Mask every configured secret, `bot<token>` in URLs and token query parameters."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def redact(self, text: str) -> str:
        """The text with every secret (in any escaped form) replaced by ***."""
        return redact(text, self.secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the message now, masked, so no formatter sees the raw arguments."""
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the event
            message = f"{record.msg} {record.args!r}"
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def _quote(value: str) -> str:
    if value and not any(c.isspace() or c in '"=' for c in value):
        return value
    return json.dumps(value, ensure_ascii=False)


def _timestamp(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


def _is_pairs(message: str) -> bool:
    return bool(message) and _PAIR.sub("", message).strip() == ""


class KeyValueFormatter(logging.Formatter):
    """`ts=… level=info logger=bot.app event=… k=v`; other libraries' text becomes msg="…"."""

    def format(self, record: logging.LogRecord) -> str:
        """One line per record: a traceback is folded into one quoted `exc` value."""
        message = record.getMessage()
        body = message if _is_pairs(message) else f"msg={_quote(message)}"
        line = (
            f"ts={_timestamp(record)} level={record.levelname.lower()} logger={record.name} {body}"
        )
        extra = self._extra(record)
        if extra:
            line += f" exc={_quote(extra)}"
        return line

    def _extra(self, record: logging.LogRecord) -> str:
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        parts = [p for p in (record.exc_text, record.stack_info) if p]
        return "\n".join(parts)


def _value(raw: str) -> str:
    if raw.startswith('"'):
        try:
            return str(json.loads(raw))
        except ValueError:
            return raw
    return raw


class JsonFormatter(KeyValueFormatter):
    """One JSON object per line: ts, level, logger, then the event's own keys (or msg)."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line; `key=value` messages become fields."""
        message = record.getMessage()
        out: dict[str, str] = {
            "ts": _timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        if _is_pairs(message):
            for key, raw in _PAIR.findall(message):
                out.setdefault(key, _value(raw))
        else:
            out["msg"] = message
        extra = self._extra(record)
        if extra:
            out["exc"] = extra
        return json.dumps(out, ensure_ascii=False)


class _HoldBack(logging.Filter):
    """Drops the records of one library's loggers (unless DEBUG is on)."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def filter(self, record: logging.LogRecord) -> bool:
        """False for the library's records while held back; everything else passes."""
        ours = record.name == self.prefix or record.name.startswith(self.prefix + ".")
        return not ours or logging.getLogger().isEnabledFor(logging.DEBUG)


@contextlib.contextmanager
def held_back(prefix: str) -> Iterator[None]:
    """Hold back a library's own log lines during a step whose failure we report in one line.

    PTB logs a failed getMe with its traceback before raising; the start-up error the operator
    reads is ours (`newsbot run: cannot reach the Bot API …`). At DEBUG both are shown.
    """
    hold = _HoldBack(prefix)
    handlers = list(logging.getLogger().handlers)
    for handler in handlers:
        handler.addFilter(hold)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(hold)


def setup_logging(
    config: Config, *, level: int | None = None, stream: TextIO | None = None
) -> logging.Handler:
    """Install the one root handler (replacing an earlier one) at `level` or the config's."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, LOG_HANDLER_MARK, False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    setattr(handler, LOG_HANDLER_MARK, True)
    handler.addFilter(RedactingFilter(config.secrets()))
    handler.setFormatter(JsonFormatter() if config.log_format == "json" else KeyValueFormatter())
    root.addHandler(handler)
    if level is None:
        level = int(logging.getLevelName(config.log_level))
    root.setLevel(level)
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    for name in _EXTRACTORS:
        logging.getLogger(name).setLevel(level if level <= logging.DEBUG else logging.CRITICAL)
    return handler
