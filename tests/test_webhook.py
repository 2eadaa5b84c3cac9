"""Telegram in webhook mode: setWebhook on the fake Bot API, real updates POSTed to PTB's server."""

from __future__ import annotations

import asyncio
import gc
import os
import socket
import sys
import time
from datetime import datetime
from typing import Any

import httpx
import pytest

from bot.app import build_transports
from bot.config import load_config
from bot.errors import NewsbotError
from bot.store import Store
from bot.transports.telegram import TelegramTransport, Webhook
from tests.conftest import ROOT, running, wait_until
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.ports import free_port
from tests.test_run import terminate

pytestmark = pytest.mark.integration
SECRET = "s3cret-Token_for-the-webhook"
PUBLIC_URL = "https://bot.example.org/newsbot/telegram"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.fixture
def port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    return free_port()


def command_update(update_id: int, text: str, chat_id: int = 777) -> dict[str, Any]:
    """The JSON Telegram posts when a user sends a command in a private chat."""
    user = {"id": 555, "is_bot": False, "first_name": "Tester", "language_code": "de"}
    name = text.split(" ", 1)[0]
    return {
        "update_id": update_id,
        "message": {
            "message_id": 10 + update_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Tester"},
            "from": user,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(name)}],
        },
    }


def start_update(update_id: int, chat_id: int = 777) -> dict[str, Any]:
    """The JSON Telegram posts when a user sends /start in a private chat."""
    return command_update(update_id, "/start", chat_id)


async def post(url: str, update: dict[str, Any], secret: str | None) -> httpx.Response:
    """POST an update the way Telegram does: JSON body, secret in the header."""
    headers = {HEADER: secret} if secret is not None else {}
    async with httpx.AsyncClient() as client:
        return await client.post(url, json=update, headers=headers, timeout=10)


def local_url(port: int, public: str = PUBLIC_URL) -> str:
    """Where the reverse proxy forwards the public URL to: same path, local listener."""
    return f"http://127.0.0.1:{port}{httpx.URL(public).path}"


def webhook_transport(bot_api: FakeBotAPI, hook: Webhook) -> TelegramTransport:
    """The transport in webhook mode, aimed at the fake Bot API."""
    return TelegramTransport(bot_api.token, bot_api.base_url, webhook=hook)


async def test_update_posted_to_the_webhook_is_answered(
    bot_api: FakeBotAPI, store: Store, now: datetime, port: int
) -> None:
    transport = webhook_transport(bot_api, Webhook(PUBLIC_URL, SECRET, port=port))
    async with running(transport, store, now):
        response = await post(local_url(port), start_update(1), SECRET)
        assert response.status_code == 200
        await wait_until(lambda: bot_api.screen(777))
    (answer,) = bot_api.screen(777)
    assert answer.parse_mode == "HTML"
    assert answer.visible.startswith("Willkommen!")
    ((_, registered),) = [c for c in bot_api.calls if c[0] == "setWebhook"]
    assert registered["url"] == PUBLIC_URL
    assert registered["secret_token"] == SECRET
    assert "message" in registered["allowed_updates"]
    assert bot_api.count("getUpdates") == 0


@pytest.mark.parametrize("secret", ["wrong-secret", None])
async def test_a_post_without_the_right_secret_is_refused(
    bot_api: FakeBotAPI, store: Store, now: datetime, port: int, secret: str | None
) -> None:
    transport = webhook_transport(bot_api, Webhook(PUBLIC_URL, SECRET, port=port))
    async with running(transport, store, now):
        refused = await post(local_url(port), start_update(1, chat_id=666), secret)
        # A refused POST never reaches PTB's update queue; the accepted one proves the bot listens.
        accepted = await post(local_url(port), start_update(2), SECRET)
        await wait_until(lambda: bot_api.screen(777))
    assert refused.status_code == 403
    assert accepted.status_code == 200
    assert bot_api.screen(666) == []
    assert bot_api.count("sendMessage") == 1


async def test_config_turns_webhook_mode_on_with_a_generated_secret(
    bot_api: FakeBotAPI, store: Store, now: datetime, port: int
) -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": bot_api.token,
        "TELEGRAM_API_URL": bot_api.base_url,
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/tg",
        "TELEGRAM_WEBHOOK_PORT": str(port),
    }
    config = load_config(None, env)
    (transport,) = build_transports(config, store)
    async with running(transport, store, now, config):
        (secret,) = [p["secret_token"] for m, p in bot_api.calls if m == "setWebhook"]
        assert secret == config.telegram_webhook_secret
        assert len(secret) >= 32
        response = await post(local_url(port, env["TELEGRAM_WEBHOOK_URL"]), start_update(1), secret)
        assert response.status_code == 200
        await wait_until(lambda: bot_api.screen(777))
    assert load_config(None, env).telegram_webhook_secret != secret  # new at every start


async def test_polling_after_webhook_mode_takes_the_webhook_down(
    bot_api: FakeBotAPI, store: Store, now: datetime, port: int
) -> None:
    hooked = webhook_transport(bot_api, Webhook(PUBLIC_URL, SECRET, port=port))
    async with running(hooked, store, now):
        pass
    assert bot_api.webhook is not None  # kept, so Telegram holds updates while the bot is down
    polling = TelegramTransport(bot_api.token, bot_api.base_url, poll_timeout=1)
    async with running(polling, store, now):
        bot_api.push_text("/start")
        await wait_until(lambda: bot_api.screen(777))
    assert bot_api.webhook is None
    assert bot_api.count("deleteWebhook") >= 1


# tornado 6.6.1's bind_sockets does not close the socket it failed to bind; collected below.
@pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning")
async def test_a_busy_port_is_a_clear_error(
    bot_api: FakeBotAPI, store: Store, now: datetime
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        transport = webhook_transport(bot_api, Webhook(PUBLIC_URL, SECRET, port=taken))
        with pytest.raises(NewsbotError, match=rf"cannot listen .* on 127\.0\.0\.1:{taken}"):
            async with running(transport, store, now):
                pass
    assert not transport.application.running
    gc.collect()


async def test_a_url_telegram_refuses_is_a_clear_error(
    bot_api: FakeBotAPI, store: Store, now: datetime, port: int
) -> None:
    hook = Webhook("http://bot.example.org/tg", SECRET, port=port)
    transport = webhook_transport(bot_api, hook)
    with pytest.raises(NewsbotError, match=r"(?i)Telegram refused the webhook: .*https url"):
        async with running(transport, store, now):
            pass
    assert not transport.application.running
    assert SECRET not in repr(hook)


@pytest.mark.slow
async def test_newsbot_run_in_webhook_mode_keeps_the_secret_out_of_its_logs(
    bot_api: FakeBotAPI, tmp_path: Any, port: int
) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("MATRIX_", "TELEGRAM_"))},
        "TELEGRAM_BOT_TOKEN": bot_api.token,
        "TELEGRAM_API_URL": bot_api.base_url,
        "TELEGRAM_WEBHOOK_URL": PUBLIC_URL,
        "TELEGRAM_WEBHOOK_PORT": str(port),
        "NEWSBOT_LOG_LEVEL": "DEBUG",
        "NEWSBOT_DB": str(tmp_path / "run.db"),
        "NEWSBOT_CONFIG": str(tmp_path / "none.toml"),
    }
    (tmp_path / "none.toml").write_text("")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env, stderr=asyncio.subprocess.PIPE
    )
    try:
        await wait_until(lambda: bot_api.webhook is not None, within=30)
        assert bot_api.webhook is not None
        secret = str(bot_api.webhook["secret_token"])
        # setWebhook comes before the server listens: retry until it does.
        for _ in range(100):
            try:
                response = await post(local_url(port), start_update(1), secret)
                break
            except httpx.ConnectError:
                await asyncio.sleep(0.1)
        assert response.status_code == 200
        await wait_until(lambda: bot_api.screen(777), within=30)
    finally:
        _, stderr = await terminate(proc)
    log = stderr.decode()
    assert proc.returncode == 0, log
    assert "event=telegram_webhook" in log
    assert "'secret_token': '***'" in log  # PTB logs setWebhook's parameters at DEBUG
    assert secret not in log
