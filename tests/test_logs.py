"""Logging: one line per event, key=value or JSON, and no secret ever reaches the output."""

from __future__ import annotations

import html
import io
import json
import logging
import re
import string
from collections.abc import Callable, Iterator
from urllib.parse import quote, unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import Config, Secret
from bot.logs import RedactingFilter, redact, setup_logging

TOKEN = "987654:AAF-secret-telegram-token_xyz"
ACCESS = "syt_bmV3c2JvdA_secretaccesstoken"
PASSWORD = "hunter2-but-longer"


@pytest.fixture(autouse=True)
def _root_level() -> Iterator[None]:
    """Leave the root and httpx loggers' levels as they were."""
    root, httpx = logging.getLogger(), logging.getLogger("httpx")
    levels = root.level, httpx.level
    yield
    root.setLevel(levels[0])
    httpx.setLevel(levels[1])


@pytest.fixture
def config() -> Config:
    """A config with all three secrets set."""
    return Config(
        telegram_token=Secret(TOKEN),
        matrix_homeserver="http://synapse:8008",
        matrix_user_id="@bot:localhost",
        matrix_password=Secret(PASSWORD),
        matrix_access_token=Secret(ACCESS),
    )


@pytest.fixture
def output(config: Config) -> Iterator[io.StringIO]:
    """What the root handler writes, key=value format at DEBUG."""
    stream = io.StringIO()
    handler = setup_logging(config, level=logging.DEBUG, stream=stream)
    yield stream
    logging.getLogger().removeHandler(handler)


def lines(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


def test_event_is_one_key_value_line(output: io.StringIO) -> None:
    logging.getLogger("bot.app").info("event=transport_started name=%s", "telegram")
    (line,) = lines(output)
    assert line.startswith("ts=")
    assert line.endswith("level=info logger=bot.app event=transport_started name=telegram")


def test_free_text_from_libraries_is_quoted(output: io.StringIO) -> None:
    logging.getLogger("apscheduler").warning('Run time of job "x" was missed by 0:00:05')
    (line,) = lines(output)
    assert 'msg="Run time of job \\"x\\" was missed by 0:00:05"' in line


def test_traceback_stays_on_one_line(output: io.StringIO) -> None:
    try:
        raise RuntimeError("boom\nsecond line")
    except RuntimeError:
        logging.getLogger("bot.app").exception("event=command_failed chat=%s", "telegram:1")
    (line,) = lines(output)
    assert "event=command_failed chat=telegram:1 exc=" in line
    assert "RuntimeError: boom" in line


@pytest.mark.parametrize(
    "message",
    [
        f"token is {TOKEN}",
        f"HTTP Request: POST https://api.telegram.org/bot{TOKEN}/getUpdates",
        f"login with {PASSWORD}",
        f"GET /_matrix/client/v3/sync?since=s1&access_token={ACCESS}&timeout=30000",
    ],
)
def test_secrets_in_messages_are_masked(output: io.StringIO, message: str) -> None:
    logging.getLogger("nio.client").warning(message)
    logging.getLogger("bot.x").warning("event=x detail=%s", message)
    text = output.getvalue()
    for secret in (TOKEN, PASSWORD, ACCESS):
        assert secret not in text
    assert "***" in text


def test_unknown_bot_tokens_and_bearer_headers_are_masked() -> None:
    redact = RedactingFilter().redact
    assert redact("https://api.telegram.org/bot111:AAAbbbCCC_dd-ee/sendMessage") == (
        "https://api.telegram.org/bot***/sendMessage"
    )
    assert redact("Authorization: Bearer syt_abc.def") == "Authorization: Bearer ***"
    assert redact("url?access_token=abc&x=1") == "url?access_token=***&x=1"
    # A Matrix user id shaped like a token's URL form is named as it is (it is no secret).
    refused = "Matrix (@bot95848439:localhost) already runs; newsbot12345:example.org too"
    assert redact(refused) == refused


def test_secrets_in_exceptions_are_masked(output: io.StringIO) -> None:
    try:
        raise ConnectionError(f"cannot reach https://api.telegram.org/bot{TOKEN}/getMe")
    except ConnectionError:
        logging.getLogger("telegram.ext").exception("Network error")
    text = output.getvalue()
    assert TOKEN not in text
    assert "bot***/getMe" in text


def test_json_lines_carry_event_fields(config: Config) -> None:
    stream = io.StringIO()
    json_config = Config(log_format="json", telegram_token=config.telegram_token)
    handler = setup_logging(json_config, level=logging.INFO, stream=stream)
    try:
        logging.getLogger("bot.ingest").info(
            'event=feed_failed url=%s error="%s"', "https://x.test/rss", f"403 for bot{TOKEN}"
        )
        logging.getLogger("bot.ingest").debug("event=hidden")
    finally:
        logging.getLogger().removeHandler(handler)
    (line,) = lines(stream)
    record = json.loads(line)
    assert record["level"] == "info"
    assert record["logger"] == "bot.ingest"
    assert record["event"] == "feed_failed"
    assert record["url"] == "https://x.test/rss"
    assert record["error"] == "403 for bot***"


def test_setup_twice_keeps_one_handler_and_quiets_httpx(config: Config) -> None:
    root = logging.getLogger()
    first = setup_logging(config, level=logging.DEBUG, stream=io.StringIO())
    # What the first left beside its own handler (pytest's, and one an earlier CLI test in this
    # worker may have installed, which setup_logging replaces as it replaces any of its own).
    others = [h for h in root.handlers if h is not first]
    second = setup_logging(config, level=logging.DEBUG, stream=io.StringIO())
    try:
        assert root.handlers == [*others, second]
        assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
    finally:
        root.removeHandler(second)


def test_level_comes_from_config() -> None:
    stream = io.StringIO()
    handler = setup_logging(Config(log_level="ERROR"), stream=stream)
    try:
        logging.getLogger("bot.x").warning("event=not_shown")
        logging.getLogger("bot.x").error("event=shown")
    finally:
        logging.getLogger().removeHandler(handler)
    assert [line.rsplit(" ", 1)[-1] for line in lines(stream)] == ["event=shown"]


# --- every spelling a server may echo a secret in (issue 30) ------------------------------------

_TOKENS = st.builds(
    lambda bot_id, secret: f"{bot_id}:{secret}",
    st.integers(10_000, 9_999_999_999).map(str),
    st.text(string.ascii_letters + string.digits + "_-", min_size=30, max_size=40),
)


def _per_char(spell: Callable[[str], str]) -> Callable[[str], str]:
    return lambda text: "".join(spell(c) for c in text)


_SPELLINGS: dict[str, Callable[[str], str]] = {
    "raw": lambda t: t,
    "lower": str.lower,
    "upper": str.upper,
    "capitalized": str.capitalize,  # PTB's error text: "Bad Request: …" → capitalize()
    "url": lambda t: quote(t, safe=""),
    "url_all": _per_char(lambda c: f"%{ord(c):02X}"),
    "url_twice": lambda t: quote(quote(t, safe=""), safe=""),
    "html_decimal": _per_char(lambda c: f"&#{ord(c)};"),
    "html_hex": _per_char(lambda c: f"&#x{ord(c):X};"),
    "html_named": lambda t: t.replace(":", "&colon;").replace("_", "&lowbar;"),
    "html_escaped_twice": lambda t: t.replace(":", "&amp;#58;"),
    "json_u": lambda t: t.replace(":", "\\u003a"),
    "json_u_all": _per_char(lambda c: f"\\u{ord(c):04x}"),
    "json_u_in_repr": lambda t: repr(t.replace(":", "\\u003a")),
}


def _recoverable(text: str) -> str:
    """Every spelling undone twice over, lower-cased: what a reader of the output could recover."""
    for _ in range(2):
        text = html.unescape(unquote(text))
        text = re.sub(r"\\+u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    return text.lower()


@given(
    token=_TOKENS,
    spelling=st.sampled_from(sorted(_SPELLINGS)),
    part=st.sampled_from(["whole", "secret half", "bot id"]),
    before=st.sampled_from(["", "error at /bot", "description=", '{"url": "']),
)
def test_no_spelling_of_a_token_or_its_halves_survives(
    token: str, spelling: str, part: str, before: str
) -> None:
    bot_id, secret = token.split(":")
    shown = {"whole": token, "secret half": secret, "bot id": bot_id}[part]
    text = f"{before}{_SPELLINGS[spelling](shown)} ends here"
    out = redact(text, [token])
    recovered = _recoverable(out)
    assert secret.lower() not in recovered
    assert re.search(rf"(?<![0-9]){bot_id}(?![0-9])", recovered) is None
    assert "ends here" in out  # only the secret is masked, not the text around it


@pytest.mark.parametrize("spelling", sorted(_SPELLINGS))
def test_each_spelling_is_masked_in_log_lines_and_json(spelling: str) -> None:
    token = "5550123456:AAH-Zq3_secretHalfOfTheTokenXYZ0123"
    for log_format in ("text", "json"):
        stream = io.StringIO()
        handler = setup_logging(
            Config(log_format=log_format, telegram_token=Secret(token)),
            level=logging.INFO,
            stream=stream,
        )
        try:
            logging.getLogger("telegram.ext").error(
                "Bad Request: %s", _SPELLINGS[spelling](f"/bot{token}/sendMessage")
            )
        finally:
            logging.getLogger().removeHandler(handler)
        recovered = _recoverable(stream.getvalue())
        assert "secrethalfofthetokenxyz0123" not in recovered
        assert "5550123456" not in recovered
        assert "sendmessage" in recovered
