"""The one `Config`, built at start from a TOML file and the environment (environment wins)."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from bot.errors import ConfigError


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
    "admins": "NEWSBOT_ADMINS",
    "log_level": "NEWSBOT_LOG_LEVEL",
    "telegram_token": "TELEGRAM_BOT_TOKEN",
    "telegram_api_url": "TELEGRAM_API_URL",
    "matrix_homeserver": "MATRIX_HOMESERVER",
    "matrix_user_id": "MATRIX_USER_ID",
    "matrix_password": "MATRIX_PASSWORD",
    "matrix_access_token": "MATRIX_ACCESS_TOKEN",
}
SECRETS = {"telegram_token", "matrix_password", "matrix_access_token"}


@dataclass(frozen=True)
class Config:
    """Every setting of a running bot; secrets are `Secret` strings."""

    db: str = DEFAULT_DB
    timezone: str = "Europe/Berlin"
    admins: tuple[str, ...] = ()
    log_level: str = "INFO"
    telegram_token: Secret | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    matrix_homeserver: str | None = None
    matrix_user_id: str | None = None
    matrix_password: Secret | None = None
    matrix_access_token: Secret | None = None
    source: str = field(default="defaults", compare=False)

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


def _convert(key: str, value: Any) -> Any:
    if key == "admins":
        if isinstance(value, str):
            value = [v for v in (part.strip() for part in value.split(",")) if v]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{key}: expected a comma-separated list of user ids")
        return tuple(value)
    if not isinstance(value, str):
        raise ConfigError(f"{key}: expected a string, got {type(value).__name__}")
    return Secret(value) if key in SECRETS else value


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
        try:
            with chosen.open("rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError as exc:
            raise ConfigError(f"config file not found: {chosen}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {chosen}: {exc}") from exc
        known = {f.name for f in fields(Config)} - {"source"}
        for key, value in data.items():
            if key not in known:
                raise ConfigError(f"{chosen}: unknown key {key!r}")
            values[key] = _convert(key, value)
        source = str(chosen)
    for key, var in ENV.items():
        if env.get(var):
            values[key] = _convert(key, env[var])
    return Config(**values, source=source)
