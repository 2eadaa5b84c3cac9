"""Private mode (allowed_chats, allowed_users): a stranger gets one polite line and nothing else,
in a private chat and in a group, and the bot leaves a group nobody allowed added it to."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import pytest

from bot.access import Access
from bot.app import make_may_join
from bot.config import Config, load_config
from bot.errors import ConfigError
from bot.store import Store
from tests.conftest import running, wait_until
from tests.fakes.bot_api import FakeBotAPI
from tests.i18n import foreign_words
from tests.test_telegram import ADMIN, ask, make_transport

pytestmark = pytest.mark.integration
FAMILY = 4242
GROUP = -1001000
STRANGER = 666
CONFIG = Config(
    admins=(ADMIN,), allowed_users=(f"telegram:{FAMILY}",), allowed_chats=(f"telegram:{GROUP}",)
)


@pytest.mark.parametrize(
    ("chat", "user", "allowed"),
    [
        ("telegram:1", "telegram:4242", True),
        ("telegram:-1001000/7", "telegram:666", True),  # a topic of an allowed group
        ("telegram:666", "telegram:666", False),
        ("matrix:!room:example.org", "matrix:@ann:example.org", True),  # the server is allowed
        ("matrix:!room:evil.example", "matrix:@eve:evil.example", False),
        ("matrix:!room:evil.example", "matrix:@eve:example.org.evil", False),
        ("telegram:666", ADMIN, True),  # operators always may
        ("console:local", "console:user", True),
    ],
)
def test_who_a_private_bot_answers(chat: str, user: str, allowed: bool) -> None:
    access = Access(("telegram:-1001000",), ("telegram:4242", ":example.org"), (ADMIN,))
    assert access.allows(chat, user) is allowed
    assert Access().allows(chat, user)  # no lists: open to everyone


@pytest.mark.parametrize(
    ("language", "line"),
    [("de", "dieser Bot ist privat"), ("en", "this bot is private")],
)
async def test_a_stranger_gets_one_polite_line_in_private_and_in_a_group(
    bot_api: FakeBotAPI, store: Store, now: datetime, language: str, line: str
) -> None:
    stranger_group = -1002000
    bot_api.add_group(stranger_group, [STRANGER])
    async with running(make_transport(bot_api, store), store, now, CONFIG):
        private = await ask(
            bot_api, "/subscribe 07:00", STRANGER, user_id=STRANGER, language_code=language
        )
        chatter = await ask(bot_api, "hallo", STRANGER, user_id=STRANGER, language_code=language)
        bot_api.push_text("guten morgen", stranger_group, STRANGER, chat_type="supergroup")
        group = await ask(
            bot_api,
            "/digest",
            stranger_group,
            user_id=STRANGER,
            language_code=language,
            chat_type="supergroup",
        )
        family = await ask(bot_api, "/start", FAMILY, user_id=FAMILY, language_code=language)
        in_allowed_group = await ask(
            bot_api,
            "/start",
            GROUP,
            user_id=STRANGER,
            language_code=language,
            chat_type="supergroup",
        )
    for answer in (private, chatter, group):
        assert line in answer.visible
        assert "\n" not in answer.visible.strip()
        assert not foreign_words(answer.visible, language)
    assert len(bot_api.screen(stranger_group)) == 1  # the chatter got nothing
    assert store.chats.subscription(f"telegram:{STRANGER}") is None  # nothing else happened
    assert line not in family.visible
    assert line not in in_allowed_group.visible


async def test_the_bot_leaves_a_group_a_stranger_added_it_to(
    bot_api: FakeBotAPI, store: Store, now: datetime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    transport = make_transport(bot_api, store)
    transport.may_join = make_may_join(CONFIG)
    async with running(transport, store, now, CONFIG):
        bot_api.push_added(-1003000, by_user=STRANGER)
        await wait_until(lambda: bot_api.left == [-1003000])
        bot_api.push_added(-1004000, by_user=FAMILY)
        bot_api.push_text("/start", FAMILY, FAMILY)  # a later update: the add was handled
        await wait_until(lambda: len(bot_api.screen(FAMILY)) == 1)
        await asyncio.sleep(0)
    assert bot_api.left == [-1003000]
    assert "event=left_unallowed_group chat=telegram:-1003000 added_by=telegram:666" in caplog.text


def test_private_mode_lists_from_file_and_environment(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('allowed_users = ["telegram:4242", ":example.org"]\n')
    config = load_config(path, {"NEWSBOT_ALLOWED_CHATS": "telegram:-1001000, matrix:!r:x.org"})
    assert config.allowed_users == ("telegram:4242", ":example.org")
    assert config.allowed_chats == ("telegram:-1001000", "matrix:!r:x.org")
    with pytest.raises(ConfigError, match=r"allowed_users.*not a platform-qualified id"):
        load_config(None, {"NEWSBOT_ALLOWED_USERS": "4242"})
