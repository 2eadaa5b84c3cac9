"""The one `Config`, built at start from a TOML file and the environment (environment wins).

Every value is checked here, once; a bad one raises `ConfigError` naming the key and where it
came from (file or environment variable). Secret values never appear in a message or a repr.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from secrets import token_urlsafe
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.allowed_urls import entry_problem
from bot.errors import ConfigError
from bot.records import CHAT_FEEDS_MODES, DEFAULT_ZONE


class Secret(str):
    """A string that never shows itself in a repr, log line or traceback."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'***'"


DEFAULT_DB = "newsbot.db"
DEFAULT_CONFIG = Path("~/.config/newsbot/config.toml")

# TOML key → environment variable.
ENV = {
    "db": "NEWSBOT_DB",
    "timezone": "NEWSBOT_TIMEZONE",
    "language": "NEWSBOT_LANGUAGE",
    "admins": "NEWSBOT_ADMINS",
    "allowed_chats": "NEWSBOT_ALLOWED_CHATS",
    "allowed_users": "NEWSBOT_ALLOWED_USERS",
    "log_level": "NEWSBOT_LOG_LEVEL",
    "log_format": "NEWSBOT_LOG_FORMAT",
    "console": "NEWSBOT_CONSOLE",
    "digest_grace_hours": "NEWSBOT_DIGEST_GRACE_HOURS",
    "feed_interval_minutes": "NEWSBOT_FEED_INTERVAL_MINUTES",
    "feed_lease_seconds": "NEWSBOT_FEED_LEASE_SECONDS",
    "role_check_seconds": "NEWSBOT_ROLE_CHECK_SECONDS",
    "archive_days": "NEWSBOT_ARCHIVE_DAYS",
    "fetch_timeout_seconds": "NEWSBOT_FETCH_TIMEOUT_SECONDS",
    "fetch_allow": "NEWSBOT_FETCH_ALLOW",
    "chat_feeds": "NEWSBOT_CHAT_FEEDS",
    "chat_feeds_per_chat": "NEWSBOT_CHAT_FEEDS_PER_CHAT",
    "chat_feeds_total": "NEWSBOT_CHAT_FEEDS_TOTAL",
    "telegram_token": "TELEGRAM_BOT_TOKEN",
    "telegram_api_url": "TELEGRAM_API_URL",
    "telegram_webhook_url": "TELEGRAM_WEBHOOK_URL",
    "telegram_webhook_listen": "TELEGRAM_WEBHOOK_LISTEN",
    "telegram_webhook_port": "TELEGRAM_WEBHOOK_PORT",
    "telegram_webhook_secret": "TELEGRAM_WEBHOOK_SECRET",
    "matrix_homeserver": "MATRIX_HOMESERVER",
    "matrix_user_id": "MATRIX_USER_ID",
    "matrix_password": "MATRIX_PASSWORD",
    "matrix_access_token": "MATRIX_ACCESS_TOKEN",
    "matrix_pickle_key": "MATRIX_PICKLE_KEY",
    "matrix_allowed_inviters": "MATRIX_ALLOWED_INVITERS",
}
# The example config's ids: left in by mistake, they would hand operator commands to strangers.
PLACEHOLDER_ADMINS = frozenset({"telegram:123456789", "matrix:@you:example.org"})
SECRETS = {
    "telegram_token",
    "telegram_webhook_secret",
    "matrix_password",
    "matrix_access_token",
    "matrix_pickle_key",
}
TELEGRAM_API_URL = "https://api.telegram.org/bot"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")
# The languages of the command line's messages (chats choose theirs with /settings).
LANGUAGES = ("de", "en")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
# Inclusive bounds; beyond them a value is a typo, not a choice.
_RANGES = {
    "digest_grace_hours": (0, 24),
    "feed_interval_minutes": (1, 24 * 60),
    "feed_lease_seconds": (10, 24 * 3600),
    "role_check_seconds": (1, 300),
    "archive_days": (1, 3650),
    "fetch_timeout_seconds": (1, 600),
    "telegram_webhook_port": (1, 65535),
    "chat_feeds_per_chat": (1, 1000),
    "chat_feeds_total": (1, 100_000),
}
_MATRIX_USER = re.compile(r"^@[^:\s]+:[^\s]+$")
# A Matrix server name with an optional port (spec: appendices#server-name). A dotless name
# other than localhost is refused: it is far more often a user id missing its "@" and server.
_MATRIX_SERVER = re.compile(
    r"^(?:\[[0-9A-Fa-f:.]+\]|localhost|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)(?::\d{1,5})?$"
)
_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")
# Telegram's rule for setWebhook's secret_token: 1-256 characters of A-Z, a-z, 0-9, _ and -.
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# Without a local Bot API server, Telegram posts only to HTTPS on these ports.
_WEBHOOK_PORTS = (443, 80, 88, 8443)
_LIST_HINTS = {
    "admins": "expected a list of user ids, e.g. telegram:123456 or matrix:@ann:example.org",
    "matrix_allowed_inviters": (
        "expected a list of Matrix user ids or server names, e.g. @ann:example.org or example.org"
    ),
    "fetch_allow": "expected a list of host names or networks, e.g. feeds.intranet or 10.1.0.0/16",
    "allowed_chats": (
        "expected a list of chat ids, e.g. telegram:-1001234567890, matrix:!room:example.org"
        " or a Matrix server :example.org"
    ),
    "allowed_users": (
        "expected a list of user ids, e.g. telegram:123456, matrix:@ann:example.org"
        " or a Matrix server :example.org"
    ),
}


# What the `db` setting names when it is not a SQLite file (bot.store opens it; the health check
# must tell without importing the store).
POSTGRES_SCHEMES = ("postgresql://", "postgres://")
SQLITE_SCHEME = "sqlite:///"
POSTGRES_EXAMPLE = "postgresql://user:PASSWORD@host:5432/name"
# A value that opens like a URL (`postgresq://…`, `postgres:/…`): never a file name meant as one.
_URL_LIKE = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]+):/")
# A URL's password, also in a malformed URL: user:PASSWORD@ (up to the last "@") and
# ?password=…; the password may hold anything, a mistyped URL is still the operator's secret.
_USERINFO_PASSWORD = re.compile(r"^[^:/@?#]*:/*[^:/@?#]*:(?P<secret>.*)@")
_QUERY_PASSWORD = re.compile(r"(?i)[?&]password=(?P<secret>[^&#]*)")


def sqlite_path(target: str | Path) -> Path:
    """The file a path or `sqlite:///path` names (`sqlite:////abs` for an absolute path)."""
    return Path(str(target).removeprefix(SQLITE_SCHEME))


def is_postgres(target: str | Path) -> bool:
    """True when the `db` setting names a PostgreSQL database rather than a SQLite file."""
    return str(target).startswith(POSTGRES_SCHEMES)


def url_passwords(url: str) -> tuple[str, ...]:
    """The passwords written in a database URL (user:PASSWORD@, ?password=), also in a URL
    that does not parse, as written and percent-decoded."""
    userinfo = _USERINFO_PASSWORD.match(url)
    found = [userinfo.group("secret")] if userinfo else []
    found += [m.group("secret") for m in _QUERY_PASSWORD.finditer(url)]
    return tuple(dict.fromkeys(v for s in found if s for v in (s, unquote(s)) if v))


def hide_passwords(text: str, url: str) -> str:
    """`text` (the URL itself, or a message about it) with the URL's passwords as ***."""
    for secret in sorted(url_passwords(url), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def postgres_url_problem(url: str) -> str | None:
    """Why libpq cannot read `url` as a connection URL (None when it can); never the password."""
    from psycopg import ProgrammingError
    from psycopg.conninfo import conninfo_to_dict

    try:
        conninfo_to_dict(url)
    except ProgrammingError as exc:
        reason = hide_passwords(" ".join(str(exc).split()), url)
        return f"not a PostgreSQL URL libpq can read ({reason}); write {POSTGRES_EXAMPLE}"
    return None


@dataclass(frozen=True)
class Config:
    """Every setting of a running bot; secrets are `Secret` strings."""

    db: str = DEFAULT_DB
    timezone: str = DEFAULT_ZONE
    # What `newsbot` subcommands say (status, ingest, search, digest, …): "de" or "en".
    language: str = "de"
    admins: tuple[str, ...] = ()
    # Private mode: only these chats, and these users anywhere, may use the bot (both empty:
    # everyone may). Platform-qualified ids, or `:example.org` for a Matrix server.
    allowed_chats: tuple[str, ...] = ()
    allowed_users: tuple[str, ...] = ()
    log_level: str = "INFO"
    log_format: str = "text"
    console: bool = False
    digest_grace_hours: int = 6
    feed_interval_minutes: int = 30
    # A poller's claim on a feed lasts this long unless its poll ends first; a crashed poller's
    # feeds are due again after it. Longer than a poll (page deadline 2 min, fetch timeout).
    feed_lease_seconds: int = 300
    # How often a process tries to take a singleton role (deliver, schedule, a bot token's
    # receiver) over from a process that died; a holder checks its lock as often.
    role_check_seconds: int = 10
    # How long sent digests are kept for /archive and `newsbot digest --sent`.
    archive_days: int = 90
    # Total time for one fetch (connect, redirects and every read), feed or article page.
    fetch_timeout_seconds: int = 30
    # Hosts and networks feeds may reach though they are internal (loopback, private, …).
    fetch_allow: tuple[str, ...] = ()
    # Feeds of a chat's own (`/addfeed` by its admins): off, admins (at once) or approve (an
    # operator decides); how many one chat, and all chats together, may have.
    chat_feeds: str = CHAT_FEEDS_MODES[0]
    chat_feeds_per_chat: int = 5
    chat_feeds_total: int = 200
    telegram_token: Secret | None = None
    telegram_api_url: str = TELEGRAM_API_URL
    telegram_webhook_url: str | None = None
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = 8443
    telegram_webhook_secret: Secret | None = None
    matrix_homeserver: str | None = None
    matrix_user_id: str | None = None
    matrix_password: Secret | None = None
    matrix_access_token: Secret | None = None
    # Encrypts the device's keys at rest; unset, one is generated into matrix-pickle-key.
    matrix_pickle_key: Secret | None = None
    matrix_allowed_inviters: tuple[str, ...] = ()
    source: str = field(default="defaults", compare=False)

    def __post_init__(self) -> None:
        """A webhook without a configured secret gets a random one, new at every start."""
        # Made here rather than in the transport so that the log redactor knows it: PTB logs
        # setWebhook's parameters, secret_token included, at DEBUG.
        if self.telegram_webhook_url and not self.telegram_webhook_secret:
            object.__setattr__(self, "telegram_webhook_secret", Secret(token_urlsafe(32)))

    @property
    def telegram_enabled(self) -> bool:
        """True when a Telegram token is configured."""
        return bool(self.telegram_token)

    @property
    def matrix_enabled(self) -> bool:
        """True when a homeserver and a way to log in are configured."""
        return bool(
            self.matrix_homeserver
            and self.matrix_user_id
            and (self.matrix_password or self.matrix_access_token)
        )

    def secrets(self) -> tuple[str, ...]:
        """The configured secret values, for the log redactor."""
        values = [getattr(self, key) for key in sorted(SECRETS)]
        # A PostgreSQL URL's password (postgresql://user:PASSWORD@host/db) is one too.
        values += url_passwords(self.db) if is_postgres(self.db) else ()
        return tuple(str(v) for v in values if v)


KEYS = tuple(f.name for f in fields(Config) if f.name != "source")


def _kind(key: str) -> str:
    default = next(f.default for f in fields(Config) if f.name == key)
    if isinstance(default, tuple):
        return "list"
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, int):
        return "int"
    return "str"


def _convert(key: str, value: Any, origin: str) -> Any:
    """One raw value (TOML or environment text) → the field's type, or ConfigError."""

    def bad(problem: str) -> ConfigError:
        return ConfigError(f"{key} (from {origin}): {problem}")

    kind = _kind(key)
    from_env = isinstance(value, str) and origin in ENV.values()
    if kind == "list":
        if isinstance(value, str):
            value = [v for v in (part.strip() for part in value.split(",")) if v]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise bad(_LIST_HINTS[key])
        for item in value:
            _check_item(key, item, bad)
        return tuple(value)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if from_env and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise bad("expected true or false")
    if kind == "int":
        if from_env:
            try:
                value = int(value.strip())
            except ValueError:
                raise bad(f"expected a whole number, got {value!r}") from None
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad(f"expected a whole number, got {type(value).__name__}")
        low, high = _RANGES[key]
        if not low <= value <= high:
            raise bad(f"must be between {low} and {high}, got {value}")
        return value
    if not isinstance(value, str):
        raise bad(f"expected a string, got {type(value).__name__}")
    if key in SECRETS:
        value = value.strip()
        # Never echo the value: a half-pasted token is still a secret.
        if not value or any(c.isspace() for c in value):
            raise bad("is empty or contains whitespace; paste the value exactly as issued")
        if key == "telegram_webhook_secret" and not _WEBHOOK_SECRET.match(value):
            raise bad("must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return Secret(value)
    return _check(key, value.strip(), bad)


def _check_item(key: str, item: str, bad: Any) -> None:
    """One entry of a list setting: a platform-qualified user id, or a Matrix user or server."""
    if key == "fetch_allow":
        problem = entry_problem(item)
        if problem:
            raise bad(problem)
    elif key in ("allowed_chats", "allowed_users"):
        platform, _, rest = item.partition(":")
        if not rest or (platform and platform not in ("telegram", "matrix", "console")):
            raise bad(
                f"{item!r} is not a platform-qualified id; write telegram:123456,"
                " matrix:@ann:example.org or a Matrix server as :example.org"
            )
    elif key == "admins":
        platform, _, rest = item.partition(":")
        if item in PLACEHOLDER_ADMINS:
            raise bad(
                f"{item!r} is the example's placeholder and would make a stranger an operator;"
                " put your own id (or none)"
            )
        if not platform or not rest:
            raise bad(
                f"{item!r} is not a platform-qualified user id;"
                " write telegram:123456 or matrix:@ann:example.org"
            )
    elif not (_MATRIX_USER.match(item) or _MATRIX_SERVER.match(item)):
        raise bad(
            f"{item!r} is neither a Matrix user id like @ann:example.org"
            " nor a server name like example.org"
        )


# Kernel and device file systems: SQLite cannot keep a database there.
_SYSTEM_DIRS = (Path("/proc"), Path("/sys"), Path("/dev"))


def db_path_problem(value: str) -> str | None:
    """Why `value` cannot be the database file (None when it can be tried)."""
    if "\x00" in value:
        return "holds a NUL character"
    if is_postgres(value):
        return postgres_url_problem(value)
    url = _URL_LIKE.match(value)
    if url and not value.startswith(SQLITE_SCHEME):
        # Taken for a file name, `postgresq://user:pw@host/db` would become a new SQLite file.
        return (
            f"unknown scheme {url.group('scheme')!r}; write a file path, sqlite:///path"
            f" or {POSTGRES_EXAMPLE}"
        )
    path = sqlite_path(value).expanduser()
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError) as exc:
        return f"cannot be resolved: {exc}"
    system = [d for d in _SYSTEM_DIRS if resolved == d or d in resolved.parents]
    if system:
        return f"{value!r} is under {system[0]}, a system folder; name a file on a disk"
    if path.is_dir():
        return f"{value!r} is a folder; name a file, e.g. {path / DEFAULT_DB}"
    return None


def check_db_path(value: str, origin: str) -> str:
    """The db setting, or ConfigError naming where the bad value came from."""
    problem = db_path_problem(value)
    if problem:
        raise ConfigError(f"db (from {origin}): {problem}")
    return value


def _check(key: str, value: str, bad: Any) -> str:
    """Key-specific checks of a plain string setting; returns the normalized value."""
    if not value:
        raise bad("must not be empty")
    if key == "db":
        problem = db_path_problem(value)
        if problem:
            raise bad(problem)
    elif key == "timezone":
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise bad(f"unknown time zone {value!r}; use an IANA name like Europe/Berlin") from None
    elif key == "language":
        if value.lower() not in LANGUAGES:
            raise bad(f"expected one of {', '.join(LANGUAGES)}, got {value!r}")
        return value.lower()
    elif key == "chat_feeds":
        if value.lower() not in CHAT_FEEDS_MODES:
            raise bad(f"expected one of {', '.join(CHAT_FEEDS_MODES)}, got {value!r}")
        return value.lower()
    elif key == "log_level":
        if value.upper() not in LOG_LEVELS:
            raise bad(f"expected one of {', '.join(LOG_LEVELS)}, got {value!r}")
        return value.upper()
    elif key == "log_format":
        if value.lower() not in LOG_FORMATS:
            raise bad(f"expected one of {', '.join(LOG_FORMATS)}, got {value!r}")
        return value.lower()
    elif key in ("telegram_api_url", "telegram_webhook_url", "matrix_homeserver"):
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise bad(f"expected an http:// or https:// URL, got {value!r}")
        if parts.username or parts.password:
            raise bad("must not carry a user name or password; use the secret settings")
        try:
            parts.port  # noqa: B018 - urlsplit checks the port only when asked for it
        except ValueError:
            raise bad(f"the port in {value!r} is not a number from 0 to 65535") from None
    elif key == "telegram_webhook_listen":
        try:
            ipaddress.ip_address(value)
        except ValueError:
            if not _HOST.match(value):
                raise bad(
                    f"expected an address to listen on, like 127.0.0.1 or 0.0.0.0, got {value!r}"
                ) from None
    elif key == "matrix_user_id" and not _MATRIX_USER.match(value):
        raise bad(f"expected a full Matrix user id like @newsbot:example.org, got {value!r}")
    return value


def _check_webhook(values: dict[str, Any]) -> None:
    """A webhook needs a bot token, and Telegram's own servers post only to HTTPS on 4 ports."""
    url = values.get("telegram_webhook_url")
    if not url:
        return
    if not values.get("telegram_token"):
        raise ConfigError(
            "telegram_token (env TELEGRAM_BOT_TOKEN): missing; telegram_webhook_url is set,"
            " so the Telegram webhook needs the bot's token"
        )
    if values.get("telegram_api_url", TELEGRAM_API_URL) != TELEGRAM_API_URL:
        return  # a local Bot API server also posts to http:// and to any port
    parts = urlsplit(url)
    where = "telegram_webhook_url (env TELEGRAM_WEBHOOK_URL)"
    if parts.scheme != "https":
        raise ConfigError(
            f"{where}: Telegram posts only to https:// URLs, got {url!r};"
            " let a reverse proxy terminate TLS"
        )
    port = parts.port
    if port is not None and port not in _WEBHOOK_PORTS:
        raise ConfigError(f"{where}: Telegram posts only to ports 443, 80, 88 or 8443, got {port}")


def _check_together(values: dict[str, Any]) -> None:
    """Settings that only make sense as a group: a webhook, and Matrix's server and login."""
    _check_webhook(values)
    matrix = (
        "matrix_homeserver",
        "matrix_user_id",
        "matrix_password",
        "matrix_access_token",
        "matrix_allowed_inviters",
    )
    if not any(values.get(k) for k in matrix):
        return
    for key in ("matrix_homeserver", "matrix_user_id"):
        if not values.get(key):
            given = next(k for k in matrix if values.get(k))
            raise ConfigError(
                f"{key} (env {ENV[key]}): missing; {given} is set, so Matrix needs"
                " matrix_homeserver, matrix_user_id and a password or access token"
            )
    if not (values.get("matrix_password") or values.get("matrix_access_token")):
        raise ConfigError(
            "matrix_password (env MATRIX_PASSWORD): missing; set it or matrix_access_token"
            f" (env MATRIX_ACCESS_TOKEN) to log in as {values['matrix_user_id']}"
        )


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {path}") from exc
    except IsADirectoryError as exc:
        raise ConfigError(f"config file {path} is a directory") from exc
    except PermissionError as exc:
        raise ConfigError(f"config file {path} is not readable by this user") from exc
    except tomllib.TOMLDecodeError as exc:
        # The decoder's message names line and column but never quotes the line's text.
        raise ConfigError(f"config file {path}: not valid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:
        data = path.read_bytes()
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"config file {path}: not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line});"
            " save it as UTF-8"
        ) from exc
    except OSError as exc:
        raise ConfigError(f"config file {path}: cannot be read: {exc.strerror or exc}") from exc


def load_config(path: Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Build the Config from `path` (or NEWSBOT_CONFIG, or the default file) and `env`."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    chosen = path or (Path(env["NEWSBOT_CONFIG"]) if env.get("NEWSBOT_CONFIG") else None)
    default = DEFAULT_CONFIG.expanduser()
    source = "defaults"
    if chosen is None and default.is_file():
        chosen = default
    if chosen is not None:
        for key, value in _read_file(chosen).items():
            if key not in KEYS:
                close = difflib.get_close_matches(key, KEYS, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise ConfigError(f"{chosen}: unknown key {key!r}{hint}")
            values[key] = _convert(key, value, str(chosen))
        source = str(chosen)
    for key, var in ENV.items():
        if env.get(var):
            values[key] = _convert(key, env[var], var)
    _check_together(values)
    return Config(**values, source=source)
