"""Telegram end to end: PTB's real `Application` over HTTP against the fake Bot API server."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest

from bot.app import chat_events
from bot.commands import COMMANDS
from bot.config import Config
from bot.errors import NewsbotError
from bot.records import NewArticle, Reply, Span
from bot.store import Store
from bot.transports.port import Limits
from bot.transports.telegram import ANSWER_TIMEOUT, TelegramTransport, command_names
from tests.conftest import FAST, ROOT, Running, rendered_digest, running, wait_until
from tests.fakes.bot_api import FakeBotAPI, Sent, parse_telegram_html, utf16_len
from tests.test_run import terminate

pytestmark = pytest.mark.integration
ADMIN = "telegram:999"


def make_transport(
    bot_api: FakeBotAPI, store: Store, limits: Limits = FAST, answer_timeout: float = ANSWER_TIMEOUT
) -> TelegramTransport:
    """The transport as `newsbot run` builds it, aimed at the fake server; paced by `limits`
    (no real-time gap unless a test asks for Telegram's own)."""
    on_gone, on_moved = chat_events(store)
    return TelegramTransport(
        bot_api.token,
        bot_api.base_url,
        on_gone=on_gone,
        on_moved=on_moved,
        poll_timeout=1,
        answer_timeout=answer_timeout,
        limits=limits,
    )


@asynccontextmanager
async def serving(bot_api: FakeBotAPI, store: Store, now: datetime) -> AsyncIterator[Running]:
    """A started transport wired to the command core and the delivery, stopped on exit."""
    async with running(make_transport(bot_api, store), store, now, Config(admins=(ADMIN,))) as r:
        yield r


async def ask(bot_api: FakeBotAPI, text: str, chat_id: int = 777, **kwargs: object) -> Sent:
    """A user writes `text`; returns the bot's answer as the chat shows it."""
    before = len(bot_api.screen(chat_id))
    bot_api.push_text(text, chat_id, **kwargs)  # type: ignore[arg-type]
    await wait_until(lambda: len(bot_api.screen(chat_id)) > before)
    return bot_api.screen(chat_id)[-1]


def add_articles(store: Store, now: datetime, count: int, word: str = "Grönland") -> None:
    """Store `count` articles that all mention `word`."""
    for i in range(count):
        article = NewArticle(
            title=f"{word}: Meldung {i} über Zölle & <Grenzen>",
            source="dpa",
            body=f"{word} und die Zölle, Absatz {i}. " * 5,
            summary=(f"{word} steht im Mittelpunkt von Meldung {i}.",),
            published=now - timedelta(hours=i + 1),
            url=f"https://example.org/{i}?a=1&b=2",
        )
        store.articles.add_article(article, now)


async def test_start_answers_in_german_html(
    bot_api: FakeBotAPI, seeded_store: Store, now: datetime
) -> None:
    async with serving(bot_api, seeded_store, now):
        answer = await ask(bot_api, "/start")
    assert answer.parse_mode == "HTML"
    assert answer.visible.startswith("Willkommen!")
    assert bot_api.count("getMe") >= 1


async def test_english_from_the_users_language_code(
    bot_api: FakeBotAPI, seeded_store: Store, now: datetime
) -> None:
    async with serving(bot_api, seeded_store, now):
        answer = await ask(bot_api, "/start", language_code="en-GB")
        unknown = await ask(bot_api, "/frobnicate", language_code="en")
        chatter = await ask(bot_api, "hallo bot", language_code="de")
    assert answer.visible.startswith("Welcome!")
    assert "I don't know the command /frobnicate" in unknown.visible
    assert "Befehle beginnen mit /" in chatter.visible


async def test_search_pages_by_button(bot_api: FakeBotAPI, store: Store, now: datetime) -> None:
    add_articles(store, now, 12)
    async with serving(bot_api, store, now):
        first = await ask(bot_api, "/search grönland")
        assert "12 Treffer für „grönland“ (Seite 1 von 3)" in first.visible
        assert [label for label, _ in first.buttons] == ["weiter ▶"]
        assert all(len(data.encode()) <= 64 for _, data in first.buttons)
        assert "Zölle & <Grenzen>" in first.visible  # escaped in HTML, shown literally

        bot_api.push_button(first, "weiter ▶")
        await wait_until(lambda: first.edits == 1 and len(bot_api.answered) == 1)
        assert "(Seite 2 von 3)" in first.visible
        assert [label for label, _ in first.buttons] == ["◀ zurück", "weiter ▶"]

        bot_api.push_button(first, "◀ zurück")
        await wait_until(lambda: first.edits == 2 and len(bot_api.answered) == 2)
        assert "(Seite 1 von 3)" in first.visible
    assert len(bot_api.screen(777)) == 1  # paging edits the one message


async def test_subscribe_and_digest_delivery(
    bot_api: FakeBotAPI, seeded_store: Store, now: datetime
) -> None:
    add_articles(seeded_store, now, 1)
    async with serving(bot_api, seeded_store, now) as transport:
        answer = await ask(bot_api, "/subscribe 07:30 Europe/Vienna")
        assert "jeden Tag um 07:30 Uhr (Europe/Vienna)" in answer.visible
        sub = await seeded_store.run(partial(seeded_store.chats.subscription, "telegram:777"))
        assert sub is not None
        assert (sub.time, sub.timezone) == ("07:30", "Europe/Vienna")
        digest = await rendered_digest(seeded_store, "telegram:777", now)
        assert await transport.send("telegram:777", digest) == "sent"
    message = bot_api.screen(777)[-1]
    assert message.visible.startswith("Neu seit 09.11.2025 13:00")
    assert "Grönland: Meldung 0 über Zölle & <Grenzen>" in message.visible
    assert "Russland erwägt Venezuelas Bitte" in message.visible
    assert '<a href="https://example.org/0?a=1&amp;b=2">' in message.text
    assert message.link_preview_options == {"is_disabled": True}


async def test_flood_control_429_is_retried(
    bot_api: FakeBotAPI, store: Store, now: datetime
) -> None:
    bot_api.flood["sendMessage"] = [1]
    async with serving(bot_api, store, now) as transport:
        started = time.monotonic()
        await transport.send("telegram:42", Reply.text("Eilmeldung"))
        elapsed = time.monotonic() - started
    assert [m.visible for m in bot_api.screen(42)] == ["Eilmeldung"]
    assert bot_api.count("sendMessage") == 2
    assert elapsed >= 1.0


async def test_blocked_chat_ends_subscriptions(
    bot_api: FakeBotAPI, store: Store, now: datetime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    async with serving(bot_api, store, now) as transport:
        await ask(bot_api, "/subscribe 07:30")
        await ask(bot_api, "/alert grönland")
        bot_api.push_blocked(777)
        await wait_until(
            lambda: store.run(lambda: store.chats.subscription("telegram:777") is None)
        )
        assert await transport.send("telegram:777", Reply.text("Dein Überblick")) == "gone"
    assert store.chats.alerts("telegram:777") == []
    assert "event=subscriptions_ended chat=telegram:777 reason=blocked" in caplog.text


async def test_group_migration_keeps_subscription(
    bot_api: FakeBotAPI, store: Store, now: datetime
) -> None:
    bot_api.add_group(-123, admins=[555], kind="group")
    async with serving(bot_api, store, now) as transport:
        await ask(bot_api, "/subscribe@digest_test_bot 06:45", chat_id=-123, chat_type="group")
        await ask(bot_api, "/settings meldungen 3", chat_id=-123, chat_type="group")
        bot_api.push_migration(-123, -100123)
        await wait_until(
            lambda: store.run(lambda: store.chats.subscription("telegram:-100123") is not None)
        )
        # A send to the old id still arrives: Telegram answers with the new id and we follow.
        await transport.send("telegram:-123", Reply.text("Überblick"))
    assert store.chats.subscription("telegram:-123") is None
    sub = store.chats.subscription("telegram:-100123")
    assert sub is not None
    assert sub.time == "06:45"
    assert store.chats.settings("telegram:-100123").stories == 3
    assert [m.visible for m in bot_api.screen(-100123)] == ["Überblick"]


async def test_long_reply_splits_between_paragraphs(
    bot_api: FakeBotAPI, store: Store, now: datetime
) -> None:
    paragraphs = tuple(
        (Span(f"Absatz {i}: ", bold=True), Span("Zölle & <Grenzen> " * 40)) for i in range(30)
    )
    async with serving(bot_api, store, now) as transport:
        await transport.send("telegram:5", Reply(paragraphs))
    messages = bot_api.screen(5)
    assert len(messages) > 1
    assert all(utf16_len(m.visible) <= 4096 for m in messages)
    text = "\n\n".join(m.visible for m in messages)
    assert [f"Absatz {i}:" in text for i in range(30)] == [True] * 30
    assert text.index("Absatz 29:") > text.index("Absatz 3:")


async def test_server_saying_too_long_gets_finer_split(
    bot_api: FakeBotAPI, store: Store, now: datetime
) -> None:
    bot_api.limit = 700
    paragraphs = tuple((Span(f"Teil {i} " + "x" * 900),) for i in range(6))
    async with serving(bot_api, store, now) as transport:
        await transport.send("telegram:6", Reply(paragraphs))
    text = "\n\n".join(m.visible for m in bot_api.screen(6))
    assert all(f"Teil {i} " in text for i in range(6))


async def test_admin_commands_refuse_others_politely(
    bot_api: FakeBotAPI, seeded_store: Store, now: datetime
) -> None:
    async with serving(bot_api, seeded_store, now):
        refused = await ask(bot_api, "/stats")
        allowed = await ask(bot_api, "/stats", chat_id=999, user_id=999)
    assert "dürfen nur die Betreiber" in refused.visible
    assert allowed.visible.startswith("Artikel: 2")


async def test_every_sent_message_is_valid_telegram_html(
    bot_api: FakeBotAPI, seeded_store: Store, now: datetime
) -> None:
    async with serving(bot_api, seeded_store, now):
        for text in ("/help", "/latest", "/article 1", "/settings", "/search <b>&amp;"):
            await ask(bot_api, text)
    for message in bot_api.sent:
        parse_telegram_html(message.text)
    assert bot_api.count("sendMessage") == 5


@pytest.mark.slow
async def test_newsbot_run_serves_telegram_and_stops_on_sigterm(
    bot_api: FakeBotAPI, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": bot_api.token,
        "TELEGRAM_API_URL": bot_api.base_url,
        "NEWSBOT_DB": str(tmp_path / "run.db"),
        "NEWSBOT_CONFIG": str(tmp_path / "none.toml"),
    }
    (tmp_path / "none.toml").write_text("")
    for key in ("MATRIX_HOMESERVER", "MATRIX_USER_ID", "MATRIX_PASSWORD", "MATRIX_ACCESS_TOKEN"):
        env.pop(key, None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env, stderr=asyncio.subprocess.PIPE
    )
    try:
        bot_api.push_text("/start")
        await wait_until(lambda: bot_api.screen(777), within=30)
    finally:
        _, stderr = await terminate(proc)
    assert proc.returncode == 0, stderr.decode()
    assert bot_api.screen(777)[0].visible.startswith("Willkommen!")
    assert bot_api.token.split(":")[1] not in stderr.decode()


def test_transport_builder_accepts_any_bot_api_url(store: Store) -> None:
    transport = TelegramTransport("1:x", "http://127.0.0.1:9/custom/bot")
    assert transport.application.bot.base_url == "http://127.0.0.1:9/custom/bot1:x"
    # One pacing layer: bot.delivery paces and retries; PTB's rate limiter would retry again.
    assert transport.application.bot.rate_limiter is None
    assert transport.limits.per_second == 30


async def test_commands_are_published_in_both_languages(
    bot_api: FakeBotAPI, store: Store, now: datetime
) -> None:
    async with serving(bot_api, store, now):
        pass
    published = [p for m, p in bot_api.calls if m == "setMyCommands"]
    assert len(published) == 2
    german, english = published
    assert {"command": "search", "description": german["commands"][3]["description"]} in german[
        "commands"
    ]
    assert english["language_code"] == "en"
    names = {c["command"] for c in german["commands"]}
    assert "start" in names
    assert "stats" not in names  # admin commands stay unadvertised


async def test_a_wrong_token_is_a_clear_error(bot_api: FakeBotAPI, store: Store) -> None:
    transport = TelegramTransport("1:wrong", bot_api.base_url)
    with pytest.raises(NewsbotError, match="rejected TELEGRAM_BOT_TOKEN"):
        async with running(transport, store, datetime.now(UTC)):
            pass
    await transport.stop()


async def test_groups_hear_only_commands_for_this_bot(
    bot_api: FakeBotAPI, store: Store, now: datetime
) -> None:
    async with serving(bot_api, store, now):
        bot_api.push_text("/start@other_bot", chat_id=-5, chat_type="group")
        bot_api.push_text("/quatsch", chat_id=-5, chat_type="group")
        bot_api.push_text("Guten Morgen zusammen", chat_id=-5, chat_type="group")
        answer = await ask(bot_api, "/help@digest_test_bot", chat_id=-5, chat_type="group")
    assert [m.visible.split("\n")[0] for m in bot_api.screen(-5)] == ["Befehle:"]
    assert answer.visible.startswith("Befehle:")


def test_telegram_hears_every_name_of_the_table_it_can_carry() -> None:
    names = command_names()
    every = {n for c in COMMANDS.values() for n in c.names}
    assert {"subscribe", "abo", "abonnieren", "einstellungen", "ueberblick"} <= set(names)
    # Telegram's command names are [a-z0-9_]: "/überblick" comes as text, the rest as commands.
    assert every - set(names) == {"überblick"}
