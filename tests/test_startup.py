"""`newsbot` at start and stop as an operator meets it: one-line errors, no secrets, SIGTERM."""

from __future__ import annotations

import asyncio
import html
import json
import re
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from aiohttp import web

from bot.app import SHUTDOWN_DEADLINE
from bot.config import load_config
from bot.errors import ConfigError
from bot.store import Store
from tests.conftest import ROOT
from tests.conftest import newsbot as cli
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.ports import free_port

pytestmark = pytest.mark.integration
TOKEN = "123456:SECRET-token-abcdefghijklmnopqrstuvwxyz"
PASSWORD = 'pa"ss\\wörd-secret'


def newsbot(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    """Run `newsbot ARGS` in this process with only `env` set, in a folder of its own (the
    default database, newsbot.db, is made there, not in the checkout); (exit status, stdout,
    stderr)."""
    with tempfile.TemporaryDirectory() as folder:
        result = cli(*args, env={"PATH": "/usr/bin:/bin", **env}, clean_env=True, cwd=Path(folder))
    return result.returncode, result.stdout, result.stderr


async def newsbot_process(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    """Run `python -m bot ARGS` as a process with only `env` set (for `run`, which installs
    signal handlers and so needs a main thread of its own), in a folder of its own as above;
    (exit status, stdout, stderr)."""
    with tempfile.TemporaryDirectory() as folder:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            *args,
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "NEWSBOT_CONFIG": "", **env},
            cwd=folder,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(proc.communicate(), 60)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def forms(secret: str) -> list[str]:
    """The secret as outside text may carry it: raw, JSON-escaped, URL-encoded."""
    return [secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1],
            quote(secret, safe="")]  # fmt: skip


def spelled(secret: str) -> list[str]:
    """The secret in the spellings a server may echo it in, beyond `forms`."""
    return [
        secret.lower(),
        secret.upper(),
        quote(quote(secret, safe=""), safe=""),
        "".join(f"&#{ord(c)};" for c in secret),
        "".join(f"&#x{ord(c):x};" for c in secret),
        html.escape(secret).replace(":", "&colon;"),
        secret.replace(":", "\\u003a"),
        json.dumps(secret.replace(":", "\\u003a"))[1:-1],
    ]


def decoded(text: str) -> str:
    """Every spelling undone (twice over), lower-cased: what a reader could recover."""
    for _ in range(2):
        text = html.unescape(unquote(text))
        text = re.sub(r"\\+u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    return text.lower()


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in (TOKEN, PASSWORD, TOKEN.split(":")[1]):
            for form in forms(secret):
                assert form not in text, f"{form!r} leaked"
            assert secret.lower() not in decoded(text), f"{secret!r} leaked in some spelling"


class EchoServer:
    """A Bot API and homeserver stand-in whose error pages echo the request (path and body)."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.base = ""
        self._runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.text()
        echo = f"<html>error at {request.method} {request.path} body={body}</html>"
        method = request.path.rsplit("/", 1)[-1]
        if self.mode == "404":
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        if self.mode == "matrix":
            if request.path.endswith("/versions"):
                return web.json_response({"versions": ["v1.1", "v1.11"]})
            return web.json_response(
                {"errcode": "M_FORBIDDEN", "error": f"Invalid login {body}"}, status=403
            )
        if self.mode == "502":
            return web.Response(
                status=502, text="<html>Bad Gateway</html>", content_type="text/html"
            )
        if self.mode.startswith("send-fails") and method != "sendMessage":
            return web.json_response({"ok": True, "result": _result(method)})
        if self.mode == "send-fails-spelled":
            token = TOKEN if TOKEN in request.path else ""
            echo += " ".join(spelled(token) + spelled(token.split(":")[-1]))
        return web.Response(status=400 if method == "sendMessage" else 500, text=echo)

    async def start(self) -> EchoServer:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.base = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def _result(method: str) -> object:
    if method == "getMe":
        return {"id": 1, "is_bot": True, "first_name": "Bot", "username": "echo_bot"}
    return True


@pytest.fixture
async def echo(request: pytest.FixtureRequest) -> AsyncIterator[EchoServer]:
    server = await EchoServer(request.param).start()
    yield server
    await server.stop()


# --- item 11: every start-up error is one line and exit status 2 -------------------------------


def _one_line_exit_2(code: int, err: str) -> str:
    """The error is one line (`run` may log its own shutdown beside it), no traceback."""
    assert code == 2, err
    assert "Traceback" not in err
    lines = [line for line in err.strip().splitlines() if not line.startswith("ts=")]
    assert len(lines) == 1, err
    assert lines[0].startswith("newsbot")
    return lines[0]


async def test_config_file_that_is_not_utf8(tmp_path: Path) -> None:
    config = tmp_path / "newsbot.toml"
    config.write_bytes(b'timezone = "Europe/Berlin"\n# Gr\xfc\xdfe\n')
    code, _, err = newsbot("--config", str(config), "status", env={})
    line = _one_line_exit_2(code, err)
    assert str(config) in line
    assert "UTF-8" in line
    assert "line 2" in line


@pytest.mark.parametrize(
    ("where", "value", "says"),
    [
        ("env", "{tmp}", "is a folder"),
        ("env", "/proc/newsbot.db", "under /proc"),
        ("flag", "{tmp}", "is a folder"),
        ("flag", "/proc/self/newsbot.db", "under /proc"),
        ("toml", "bad\\u0000name.db", "NUL"),
    ],
)
async def test_unusable_database_paths(tmp_path: Path, where: str, value: str, says: str) -> None:
    value = value.format(tmp=tmp_path)
    args: list[str] = []
    env: dict[str, str] = {}
    if where == "env":
        env["NEWSBOT_DB"] = value
        origin = "NEWSBOT_DB"
    elif where == "flag":
        args = ["--db", value]
        origin = "--db"
    else:
        config = tmp_path / "newsbot.toml"
        config.write_text(f'db = "{value}"\n')
        args = ["--config", str(config)]
        origin = str(config)
    code, _, err = newsbot(*args, "ingest", str(tmp_path), env=env)
    line = _one_line_exit_2(code, err)
    assert says in line
    assert f"db (from {origin})" in line


@pytest.mark.parametrize("echo", ["404"], indirect=True)
async def test_bot_api_404_is_not_reported_as_a_rejected_token(echo: EchoServer) -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": echo.base + "/bot"}
    code, _, err = await newsbot_process("run", env=env)
    line = _one_line_exit_2(code, err)
    # Not "401" alone: the server's random port may hold those digits (127.0.0.1:33401).
    assert "401 Unauthorized" not in line
    assert "rejected" not in line
    assert "answered 404" in line
    assert "TELEGRAM_API_URL" in line
    assert_no_secret(err)


@pytest.mark.parametrize("echo", ["404", "500", "502"], indirect=True)
async def test_bot_api_failures_at_start_are_one_line_without_the_library_traceback(
    echo: EchoServer,
) -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": echo.base + "/bot"}
    code, _, err = await newsbot_process("run", env=env)
    line = _one_line_exit_2(code, err)
    assert echo.base in line
    # Only our line: PTB's own error line (and its traceback) is held back at start.
    assert "logger=telegram" not in err
    assert "exc=" not in err
    assert "level=error" not in err
    assert_no_secret(err)


async def test_bot_api_url_pointing_at_nothing() -> None:
    url = f"http://127.0.0.1:{free_port()}/bot"
    code, _, err = await newsbot_process(
        "run", env={"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": url}
    )
    line = _one_line_exit_2(code, err)
    assert "cannot reach the Bot API" in line
    assert url in line
    assert_no_secret(err)


def test_example_config_grants_nobody_anything() -> None:
    example = ROOT / "deploy" / "newsbot.example.toml"
    assert load_config(example, {}).admins == ()
    placeholder = 'admins = ["telegram:123456789", "matrix:@you:example.org"]'
    assert f"# {placeholder}" in example.read_text()
    # Uncommented as it stands, it is refused at start instead of making strangers operators.
    with pytest.raises(ConfigError, match="placeholder"):
        load_config(None, {"NEWSBOT_ADMINS": "telegram:123456789"})


# --- item 4: secrets never leave the process ---------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("echo", ["500"], indirect=True)
async def test_bot_api_error_page_echoing_the_token_stays_masked_at_start(
    echo: EchoServer,
) -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": echo.base + "/bot"}
    for verbose in ((), ("-v",)):
        code, out, err = await newsbot_process(*verbose, "run", env=env)
        assert code == 2
        assert "getMe" in err  # the echo is reported, masked
        assert_no_secret(out, err)


@pytest.mark.parametrize("echo", ["send-fails", "send-fails-spelled"], indirect=True)
async def test_failure_note_from_an_echoing_bot_api_is_masked_in_logs_and_status(
    echo: EchoServer, db_path: Path
) -> None:
    import io

    from bot.config import Config, Secret
    from bot.delivery import Delivery, Outgoing
    from bot.logs import setup_logging
    from bot.records import Reply
    from bot.send_policy import Outcome
    from bot.transports.telegram import TelegramTransport

    config = Config(db=str(db_path), telegram_token=Secret(TOKEN))
    logged = io.StringIO()
    handler = setup_logging(config, level=10, stream=logged)
    store = Store.open(db_path)
    now = datetime.now(UTC)
    day = now.date()
    store.deliveries.claim_delivery("telegram:777", day, at=now)
    transport = TelegramTransport(TOKEN, echo.base + "/bot")
    notes: list[str] = []

    async def failed(outcome: Outcome) -> None:
        notes.append(outcome.reason)
        store.deliveries.finish_delivery(
            "telegram:777", day, status="failed", at=now, note=outcome.reason
        )

    await transport.application.initialize()
    queue = Delivery({"telegram": transport}, retries=0, backoff=0.01, secrets=config.secrets())
    await queue.start()
    try:
        queue.put(Outgoing("telegram:777", Reply.text("Hallo"), "digest:x", on_failed=failed))
        await asyncio.wait_for(queue.join(), 30)
    finally:
        await queue.stop()
        await transport.application.shutdown()
        store.close()
        import logging

        logging.getLogger().removeHandler(handler)
    assert notes
    assert "sendMessage" in notes[0]  # the echo is kept, the token is not
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_DB": str(db_path)}
    _, text, err1 = newsbot("status", env=env)
    _, data, err2 = newsbot("status", "--json", env=env)
    assert "sendMessage" in text
    assert_no_secret(notes[0], logged.getvalue(), text, data, err1, err2)
    # Masked before it was stored, so even the file does not hold it.
    raw = await asyncio.to_thread(db_path.read_bytes)
    assert_no_secret(raw.decode("utf-8", "replace"))


@pytest.mark.parametrize("echo", ["matrix"], indirect=True)
async def test_homeserver_echoing_the_password_stays_masked(echo: EchoServer) -> None:
    env = {
        "MATRIX_HOMESERVER": echo.base,
        "MATRIX_USER_ID": "@newsbot:example.org",
        "MATRIX_PASSWORD": PASSWORD,
        "NEWSBOT_LOG_LEVEL": "DEBUG",
    }
    code, out, err = await newsbot_process("-v", "run", env=env)
    assert code == 2
    assert "matrix login failed" in err
    assert "Invalid login" in err
    assert_no_secret(out, err)


# --- item 5: SIGTERM ends the bot in every state -------------------------------------------------


async def test_sigterm_ends_a_bot_whose_homeserver_is_unreachable(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "NEWSBOT_CONFIG": "",
        "NEWSBOT_DB": str(tmp_path / "newsbot.db"),
        "MATRIX_HOMESERVER": f"http://127.0.0.1:{free_port()}",
        "MATRIX_USER_ID": "@newsbot:example.org",
        "MATRIX_PASSWORD": PASSWORD,
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        # Wait until it tries to log in (the signal handlers are in place by then).
        assert proc.stderr is not None
        seen = b""
        while b"timed out" not in seen.lower():
            line = await asyncio.wait_for(proc.stderr.readline(), 30)
            assert line, f"newsbot run ended instead of waiting: {seen.decode()}"
            seen += line
        await asyncio.sleep(1)
        assert proc.returncode is None
        proc.send_signal(signal.SIGTERM)
        started = time.monotonic()
        _, err = await asyncio.wait_for(proc.communicate(), 10)
        assert time.monotonic() - started < 10
        assert proc.returncode == 0, err.decode()
        assert_no_secret(err.decode())
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert (tmp_path / "newsbot.db").exists()


@pytest.fixture
async def stuck_api(bot_api: FakeBotAPI) -> AsyncIterator[FakeBotAPI]:
    """The fake Bot API, its sendMessage never answering (until the test ends)."""
    release = asyncio.Event()

    async def never(p: dict[str, object]) -> object:
        await release.wait()
        return None

    bot_api.m_sendmessage = never  # type: ignore[method-assign]
    yield bot_api
    release.set()


async def _bot_stuck_in_a_send(bot_api: FakeBotAPI, tmp_path: Path) -> asyncio.subprocess.Process:
    """`newsbot run` whose reply to /start hangs in sendMessage (the Bot API never answers)."""

    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "NEWSBOT_CONFIG": "",
        "NEWSBOT_DB": str(tmp_path / "newsbot.db"),
        "TELEGRAM_BOT_TOKEN": bot_api.token,
        "TELEGRAM_API_URL": bot_api.base_url,
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    bot_api.push_text("/start")
    deadline = time.monotonic() + 60
    while bot_api.count("sendMessage") == 0:
        assert time.monotonic() < deadline, "the bot never tried to answer"
        assert proc.returncode is None
        await asyncio.sleep(0.05)
    return proc


async def _ended_within(proc: asyncio.subprocess.Process, seconds: float) -> tuple[float, str]:
    """Seconds until the process ended (killed, and the test failed, past `seconds`)."""
    started = time.monotonic()
    try:
        _, err = await asyncio.wait_for(proc.communicate(), seconds)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise AssertionError(f"still running {seconds} s after the signal") from None
    return time.monotonic() - started, err.decode()


async def test_sigterm_ends_a_bot_stuck_in_a_send_within_the_deadline(
    stuck_api: FakeBotAPI, tmp_path: Path
) -> None:
    proc = await _bot_stuck_in_a_send(stuck_api, tmp_path)
    try:
        proc.send_signal(signal.SIGTERM)
        took, err = await _ended_within(proc, SHUTDOWN_DEADLINE + 15)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert took < SHUTDOWN_DEADLINE + 5, err
    assert_no_secret(err)


async def test_a_second_signal_ends_the_bot_at_once(stuck_api: FakeBotAPI, tmp_path: Path) -> None:
    proc = await _bot_stuck_in_a_send(stuck_api, tmp_path)
    try:
        proc.send_signal(signal.SIGTERM)
        await asyncio.sleep(1)  # the first one is waiting for the send, within its grace
        assert proc.returncode is None
        proc.send_signal(signal.SIGINT)
        took, err = await _ended_within(proc, 10)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert took < 5, err
    assert "stopped at once (second_signal)" in err
    assert proc.returncode != 0
