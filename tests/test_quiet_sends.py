"""Quiet sends and link previews as chat settings: digests carry the flags, replies do not.

Scripted over the fake Bot API, in German and English.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.records import ChatSettings, Reply, as_push
from bot.render import split_reply
from bot.store import Store
from tests.fakes.bot_api import FakeBotAPI
from tests.i18n import foreign_words
from tests.test_telegram import add_articles, ask, serving
from tests.test_telegram_groups import send_due_digests

pytestmark = pytest.mark.integration

STEPS = {
    "de": [
        ("/settings leise an", "Gespeichert. Leise (Überblick, Alarme und Eilmeldungen ohne"),
        ("/settings vorschau an", "Linkvorschau in Überblick und Alarmen: an"),
        ("/settings", "/settings leise aus"),
        ("/subscribe 07:00", "07:00 Uhr"),
    ],
    "en": [
        ("/settings silent on", "Saved. Silent (digest, alerts and breaking stories without"),
        ("/settings previews on", "Link previews in digests and alerts: on"),
        ("/settings", "/settings silent off"),
        ("/subscribe 07:00", "07:00"),
    ],
}


@pytest.mark.parametrize("language", ["de", "en"])
async def test_a_silent_chat_gets_its_digest_without_a_sound_and_with_previews(
    bot_api: FakeBotAPI, store: Store, now: datetime, language: str
) -> None:
    add_articles(store, now, 3)
    async with serving(bot_api, store, now) as served:
        for text, expected in STEPS[language]:
            answer = await ask(bot_api, text, language_code=language)
            assert expected in answer.visible, (text, answer.visible)
            assert not foreign_words(answer.visible, language), answer.visible
            assert not answer.silent  # a reply to a command rings as usual
            if text.startswith("/settings ") and text != "/settings":
                assert "\n" not in answer.visible.strip()  # one line, fit for a group
        before = len(bot_api.screen(777))
        await send_due_digests(served, store, now)
    digest = bot_api.screen(777)[before:]
    assert digest
    assert all(m.silent for m in digest)
    assert all(m.link_preview_options == {"is_disabled": False} for m in digest)


async def test_a_loud_chat_hears_its_digest(
    bot_api: FakeBotAPI, store: Store, now: datetime
) -> None:
    add_articles(store, now, 3)
    async with serving(bot_api, store, now) as served:
        await ask(bot_api, "/subscribe 07:00")
        hint = await ask(bot_api, "/settings")
        before = len(bot_api.screen(777))
        await send_due_digests(served, store, now)
    assert "/settings leise an" in hint.visible  # the hint shows the value that changes it
    assert "/settings vorschau an" in hint.visible
    digest = bot_api.screen(777)[before:]
    assert digest
    assert not any(m.silent for m in digest)
    assert all(m.link_preview_options == {"is_disabled": True} for m in digest)


def test_every_part_of_a_long_push_keeps_the_flags() -> None:
    reply = as_push(Reply.text(*["Absatz " * 200] * 10), ChatSettings(silent=True, previews=True))
    parts = split_reply(reply, 4096)
    assert len(parts) > 1
    assert all(p.silent and p.link_previews for p in parts)
