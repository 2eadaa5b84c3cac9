"""Configuration: a TOML file plus the environment (which wins), checked at start."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.app import build_transports
from bot.cli import main
from bot.config import ENV, KEYS, Config, Secret, load_config
from bot.errors import ConfigError
from bot.store import Store
from bot.transports.matrix import MatrixTransport
from tests.conftest import newsbot

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:AAH-very-secret-token-value-0123456789"
PASSWORD = "correct horse battery staple"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "newsbot.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_file_or_env() -> None:
    config = load_config(None, {})
    assert config == Config()
    assert config.source == "defaults"
    assert not config.telegram_enabled
    assert not config.matrix_enabled


def test_file_values_are_typed(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'db = "/var/lib/newsbot/newsbot.db"\n'
        'timezone = "Europe/Vienna"\n'
        'admins = ["telegram:42", "matrix:@ann:example.org"]\n'
        'log_format = "json"\n'
        "console = true\n"
        "digest_grace_hours = 3\n"
        "feed_interval_minutes = 15\n"
        f'telegram_token = "{TOKEN}"\n',
    )
    config = load_config(path, {})
    assert config.db == "/var/lib/newsbot/newsbot.db"
    assert config.timezone == "Europe/Vienna"
    assert config.admins == ("telegram:42", "matrix:@ann:example.org")
    assert (config.log_format, config.console) == ("json", True)
    assert (config.digest_grace_hours, config.feed_interval_minutes) == (3, 15)
    assert isinstance(config.telegram_token, Secret)
    assert config.telegram_token == TOKEN
    assert config.source == str(path)


def test_environment_wins_over_file(tmp_path: Path) -> None:
    path = write(tmp_path, 'timezone = "Europe/Vienna"\nconsole = true\ndigest_grace_hours = 3\n')
    env = {
        "NEWSBOT_TIMEZONE": "Europe/Zurich",
        "NEWSBOT_CONSOLE": "off",
        "NEWSBOT_DIGEST_GRACE_HOURS": " 12 ",
        "NEWSBOT_ADMINS": "telegram:1, telegram:2",
    }
    config = load_config(path, env)
    assert config.timezone == "Europe/Zurich"
    assert config.console is False
    assert config.digest_grace_hours == 12
    assert config.admins == ("telegram:1", "telegram:2")


def test_config_path_from_environment(tmp_path: Path) -> None:
    path = write(tmp_path, 'log_level = "debug"\n')
    assert load_config(None, {"NEWSBOT_CONFIG": str(path)}).log_level == "DEBUG"


@pytest.mark.parametrize(
    ("text", "env", "names"),
    [
        ('timezone = "Europe/Berln"\n', {}, ["timezone", "newsbot.toml", "Europe/Berln"]),
        ("", {"NEWSBOT_TIMEZONE": "Mars/Olympus"}, ["timezone", "NEWSBOT_TIMEZONE"]),
        ('log_level = "LOUD"\n', {}, ["log_level", "LOUD"]),
        ('language = "fr"\n', {}, ["language", "de, en", "fr"]),
        ("", {"NEWSBOT_LANGUAGE": "deutsch"}, ["language", "NEWSBOT_LANGUAGE", "de, en"]),
        ('log_format = "xml"\n', {}, ["log_format", "text, json"]),
        ('console = "yes"\n', {}, ["console", "true or false"]),
        ("", {"NEWSBOT_CONSOLE": "maybe"}, ["console", "NEWSBOT_CONSOLE"]),
        ("digest_grace_hours = 99\n", {}, ["digest_grace_hours", "between 0 and 24"]),
        ("", {"NEWSBOT_FEED_INTERVAL_MINUTES": "soon"}, ["feed_interval_minutes", "soon"]),
        ("feed_interval_minutes = 1.5\n", {}, ["feed_interval_minutes", "whole number"]),
        ('admins = "telegram:1"\n', {}, []),  # a single string is a one-item list
        ('admins = ["alice"]\n', {}, ["admins", "alice", "telegram:"]),
        ('telegram_api_url = "api.telegram.org"\n', {}, ["telegram_api_url", "http"]),
        ('db = ""\n', {}, ["db", "empty"]),
        ("", {"MATRIX_USER_ID": "newsbot"}, ["matrix_user_id", "@newsbot:example.org"]),
        ("telegram_webhook_port = 0\n", {}, ["telegram_webhook_port", "between 1 and 65535"]),
        ("", {"TELEGRAM_WEBHOOK_PORT": "https"}, ["TELEGRAM_WEBHOOK_PORT", "whole number"]),
        (
            'telegram_webhook_listen = "127.0.0.1:8443"\n',
            {},
            ["telegram_webhook_listen", "like 127.0.0.1", "127.0.0.1:8443"],
        ),
        ('telegram_webhook_url = "bot.example.org/tg"\n', {}, ["telegram_webhook_url", "https"]),
        (
            "",
            {"TELEGRAM_WEBHOOK_URL": "https://bot.example.org:99999/tg"},
            ["telegram_webhook_url", "TELEGRAM_WEBHOOK_URL", "port"],
        ),
        (
            'telegram_webhook_url = "https://bot.example.org/tg"\n',
            {},
            ["telegram_token", "TELEGRAM_BOT_TOKEN", "missing", "telegram_webhook_url"],
        ),
        (
            f'telegram_token = "{TOKEN}"\ntelegram_webhook_url = "http://bot.example.org/tg"\n',
            {},
            ["telegram_webhook_url", "https://", "reverse proxy"],
        ),
        (
            f'telegram_token = "{TOKEN}"\n',
            {"TELEGRAM_WEBHOOK_URL": "https://bot.example.org:8080/tg"},
            ["TELEGRAM_WEBHOOK_URL", "443, 80, 88 or 8443", "8080"],
        ),
        (
            'matrix_allowed_inviters = ["alice"]\n',
            {},
            ["matrix_allowed_inviters", "'alice'", "@ann:example.org", "example.org"],
        ),
        (
            "",
            {"MATRIX_ALLOWED_INVITERS": "@ann:example.org, https://example.org"},
            ["MATRIX_ALLOWED_INVITERS", "https://example.org", "server name"],
        ),
        ("matrix_allowed_inviters = [1]\n", {}, ["matrix_allowed_inviters", "server names"]),
        (
            'matrix_allowed_inviters = "example.org"\n',
            {},
            ["matrix_homeserver", "missing", "matrix_allowed_inviters is set"],
        ),
    ],
)
def test_bad_values_name_the_key(
    tmp_path: Path, text: str, env: dict[str, str], names: list[str]
) -> None:
    path = write(tmp_path, text)
    if not names:
        load_config(path, env)
        return
    with pytest.raises(ConfigError) as info:
        load_config(path, env)
    for name in names:
        assert name in str(info.value)


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"unknown key 'telegram_tokn' \(did you mean 'telegram_token'"
    ):
        load_config(write(tmp_path, 'telegram_tokn = "x"\n'), {})


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"newsbot.toml: not valid TOML.*line 1"):
        load_config(write(tmp_path, "timezone = \n"), {})


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "absent.toml", {})


def test_matrix_needs_server_user_and_credential() -> None:
    with pytest.raises(ConfigError, match=r"matrix_user_id.*MATRIX_USER_ID.*missing"):
        load_config(None, {"MATRIX_HOMESERVER": "https://matrix.example.org"})
    with pytest.raises(ConfigError, match=r"matrix_password.*missing"):
        load_config(
            None,
            {
                "MATRIX_HOMESERVER": "https://matrix.example.org",
                "MATRIX_USER_ID": "@bot:example.org",
            },
        )
    config = load_config(
        None,
        {
            "MATRIX_HOMESERVER": "https://matrix.example.org",
            "MATRIX_USER_ID": "@bot:example.org",
            "MATRIX_ACCESS_TOKEN": "syt_abc",
        },
    )
    assert config.matrix_enabled


def test_secrets_never_shown_in_repr_or_errors(tmp_path: Path) -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "MATRIX_HOMESERVER": "http://synapse:8008",
        "MATRIX_USER_ID": "@newsbot:localhost",
        "MATRIX_ACCESS_TOKEN": "syt_access_secret",
    }
    config = load_config(None, env)
    assert TOKEN not in repr(config)
    assert "syt_access_secret" not in repr(config)
    assert "'***'" in repr(config)
    assert set(config.secrets()) == {TOKEN, "syt_access_secret"}
    # A token with a pasted line break is refused without quoting it.
    with pytest.raises(ConfigError) as info:
        load_config(None, {"TELEGRAM_BOT_TOKEN": "123:abc def-secret-part"})
    assert "secret-part" not in str(info.value)
    assert "TELEGRAM_BOT_TOKEN" in str(info.value)
    # A password of the wrong type in TOML is refused by type name only.
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, "matrix_password = 1234567\n"), {})
    assert "1234567" not in str(info.value)


def test_every_key_has_an_environment_variable() -> None:
    assert set(ENV) == set(KEYS)


def test_cli_reports_config_error_without_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, f'telegram_token = "{TOKEN}"\ntimezone = "Nowhere/Land"\n')
    assert main(["--config", str(path), "status"]) == 2
    err = capsys.readouterr().err
    assert "configuration error: timezone" in err
    assert TOKEN not in err


def test_help_never_shows_secrets() -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "MATRIX_PASSWORD": PASSWORD, "PATH": "/usr/bin:/bin"}
    for args in (["--help"], ["run", "--help"], ["status", "--help"]):
        result = newsbot(*args, env=env, cwd=ROOT, clean_env=True)
        assert result.returncode == 0
        assert "usage: newsbot" in result.stdout
        assert TOKEN not in result.stdout + result.stderr
        assert PASSWORD not in result.stdout + result.stderr


def test_webhook_settings_are_typed_with_safe_defaults(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f'telegram_token = "{TOKEN}"\n'
        'telegram_webhook_url = "https://bot.example.org/newsbot/telegram"\n'
        "telegram_webhook_port = 443\n",
    )
    config = load_config(path, {"TELEGRAM_WEBHOOK_LISTEN": "10.0.0.5"})
    assert config.telegram_webhook_url == "https://bot.example.org/newsbot/telegram"
    assert (config.telegram_webhook_listen, config.telegram_webhook_port) == ("10.0.0.5", 443)
    polling = load_config(None, {"TELEGRAM_BOT_TOKEN": TOKEN})
    assert polling.telegram_webhook_url is None
    assert polling.telegram_webhook_secret is None
    assert (polling.telegram_webhook_listen, polling.telegram_webhook_port) == ("127.0.0.1", 8443)


def test_webhook_secret_is_generated_when_unset_and_never_shown() -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/tg"}
    first, second = load_config(None, env), load_config(None, env)
    secret = first.telegram_webhook_secret
    assert isinstance(secret, Secret)
    assert re.fullmatch(r"[A-Za-z0-9_-]{32,256}", secret)  # what Telegram accepts
    assert secret != second.telegram_webhook_secret
    assert secret not in repr(first)
    assert secret in first.secrets()  # so the log redactor masks it
    given = load_config(None, {**env, "TELEGRAM_WEBHOOK_SECRET": "my-Own_secret1"})
    assert given.telegram_webhook_secret == "my-Own_secret1"
    assert "my-Own_secret1" not in repr(given)
    # A secret Telegram would refuse is named, never quoted.
    with pytest.raises(ConfigError) as info:
        load_config(None, {**env, "TELEGRAM_WEBHOOK_SECRET": "no/slashes+allowed"})
    assert "TELEGRAM_WEBHOOK_SECRET" in str(info.value)
    assert "A-Z, a-z, 0-9, _ and -" in str(info.value)
    assert "slashes" not in str(info.value)


def test_http_webhook_is_allowed_with_a_local_bot_api_server() -> None:
    config = load_config(
        None,
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": "http://telegram-bot-api:8081/bot",
            "TELEGRAM_WEBHOOK_URL": "http://newsbot:8080/tg",
            "TELEGRAM_WEBHOOK_PORT": "8080",
        },
    )
    assert config.telegram_webhook_url == "http://newsbot:8080/tg"


def test_matrix_allowed_inviters_from_file_and_environment(tmp_path: Path) -> None:
    matrix = {
        "MATRIX_HOMESERVER": "https://matrix.example.org",
        "MATRIX_USER_ID": "@newsbot:example.org",
        "MATRIX_ACCESS_TOKEN": "syt_abc",
    }
    path = write(tmp_path, 'matrix_allowed_inviters = ["@ann:example.org", "example.com"]\n')
    assert load_config(path, matrix).matrix_allowed_inviters == (
        "@ann:example.org",
        "example.com",
    )
    env = {**matrix, "MATRIX_ALLOWED_INVITERS": " @bob:chat.example.net ,matrix.org:8448, "}
    assert load_config(path, env).matrix_allowed_inviters == (
        "@bob:chat.example.net",
        "matrix.org:8448",
    )
    assert load_config(None, matrix).matrix_allowed_inviters == ()  # anyone may invite


async def test_build_transports_passes_allowed_inviters_to_matrix(store: Store) -> None:
    env = {
        "MATRIX_HOMESERVER": "https://matrix.example.org",
        "MATRIX_USER_ID": "@newsbot:example.org",
        "MATRIX_ACCESS_TOKEN": "syt_abc",
        "MATRIX_ALLOWED_INVITERS": "@ann:example.org,example.com",
    }
    (transport,) = build_transports(load_config(None, env), store)
    assert isinstance(transport, MatrixTransport)
    assert transport.allowed_inviters == ("@ann:example.org", "example.com")
