"""Logging setup (stdlib `logging`): one line per event, key=value or JSON, secrets masked.

Messages are written as `event=name key=value …`; the formatters add time, level and logger.
The redacting filter sits on the handler, so it sees records from every library's logger.
"""

from __future__ import annotations

import html
import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TextIO
from urllib.parse import quote, quote_plus

from bot.config import Config

MASK = "***"
# The Bot API puts the token in the path: https://api.telegram.org/bot123456:AA…/getUpdates,
# and an error page may echo it URL-encoded (%3A). A bare token is digits, ":" and 35 more.
_BOT_TOKEN = re.compile(r"(?i)bot\d+(?::|%3A)[A-Za-z0-9_-]+")
_BARE_TOKEN = re.compile(r"(?i)\b\d{5,}(?::|%3A)[A-Za-z0-9_-]{30,}")
# Matrix clients may send the access token as a query parameter or an Authorization header.
_QUERY_TOKEN = re.compile(r"(?i)(access_token|password|token)=[^&\s\"']+")
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
# A login or token body echoed back: {"password": "…"}, and the same inside a JSON string.
_SECRET_KEYS = r"(?:password|access_token|token|secret_token)"  # noqa: S105 - key names, no secret
_JSON_SECRET = re.compile(rf'(?i)("{_SECRET_KEYS}"\s*:\s*")((?:[^"\\]|\\.)*)(")')
_JSON_SECRET_ESCAPED = re.compile(rf'(?i)(\\"{_SECRET_KEYS}\\"\s*:\s*\\")(.*?)((?<!\\\\)\\")')


def secret_forms(secret: str) -> set[str]:
    """A secret as it may appear in outside text: raw, JSON-escaped, URL-encoded, HTML-escaped."""
    forms = {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        html.escape(secret),
    }
    forms |= {json.dumps(f)[1:-1] for f in list(forms)}  # escaped twice: JSON inside JSON
    return {f for f in forms if f}


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Text from outside (an error body, a URL, an exception) with every secret masked.

    Redact where such text is stored or printed: log lines, failure notes, `status`, stderr.
    """
    forms = sorted({f for s in secrets if s for f in secret_forms(s)}, key=len, reverse=True)
    for form in forms:
        text = text.replace(form, MASK)
    text = _BOT_TOKEN.sub("bot" + MASK, text)
    text = _BARE_TOKEN.sub(MASK, text)
    text = _QUERY_TOKEN.sub(lambda m: f"{m.group(1)}={MASK}", text)
    text = _JSON_SECRET.sub(lambda m: m.group(1) + MASK + m.group(3), text)
    text = _JSON_SECRET_ESCAPED.sub(lambda m: m.group(1) + MASK + m.group(3), text)
    return _BEARER.sub(lambda m: m.group(1) + MASK, text)


_PAIR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)')
_HANDLER_MARK = "_newsbot_handler"
# Libraries that log every request at INFO, with URLs that carry tokens.
_QUIET = ("httpx", "httpcore")


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


def setup_logging(
    config: Config, *, level: int | None = None, stream: TextIO | None = None
) -> logging.Handler:
    """Install the one root handler (replacing an earlier one) at `level` or the config's."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    setattr(handler, _HANDLER_MARK, True)
    handler.addFilter(RedactingFilter(config.secrets()))
    handler.setFormatter(JsonFormatter() if config.log_format == "json" else KeyValueFormatter())
    root.addHandler(handler)
    if level is None:
        level = int(logging.getLevelName(config.log_level))
    root.setLevel(level)
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    return handler
