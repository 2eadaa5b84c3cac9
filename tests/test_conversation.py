"""Scripted chats as a new user has them, in German and in English, through the console
subprocess and through the Telegram protocol (fake Bot API), asserting every reply.

Each step is (what the user types, a piece of the bot's reply, whether the reply is the bot's
own words only, so the i18n check applies to all of it).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from bot.store import Store
from tests.conftest import Running, console_chat, wait_until
from tests.fakes.bot_api import FakeBotAPI
from tests.i18n import foreign_words
from tests.test_telegram import serving

pytestmark = pytest.mark.integration

Step = tuple[str, str, bool]
DECOMPOSED_LOESUNG = "Lo\u0308sung"

GERMAN: list[Step] = [
    ("/start", "Willkommen!", True),
    ("hallo", "Befehle beginnen mit / oder !", True),
    ("/subscribe 07:30 America/Caracas", "07:30 Uhr (America/Caracas)", True),
    # A command changes only what it names: the zone stays.
    ("/subscribe 08:00", "08:00 Uhr (America/Caracas)", True),
    ("/subscribe jetzt", "schon jeden Tag um 08:00 Uhr (America/Caracas)", False),
    ("", "Neu seit ", False),
    ("", "→ /article 2", False),
    ("/subscribe 25:99", "„25:99“ ist keine Uhrzeit", True),
    ("/subscribe 24:00", "„24:00“ ist keine Uhrzeit", True),
    ("/subscribe 07:00 Europe/Berlin jetzt extra", "Mit „extra“ kann ich hier nichts", True),
    ("/subscribe 07:00 europe/berlin", "07:00 Uhr (Europe/Berlin)", True),
    ("/subscribe 07:00 Wien", "07:00 Uhr (Europe/Vienna)", True),
    ("/subscribe 07:00 Santa", "Meinst du America/Santa_Isabel", True),
    ("/settings zeit 25:00", "Beispiel: /settings zeit 07:30", True),
    ("/settings leer nein", "Überblick auch an Tagen ohne Neues: nein", True),
    (
        "/settings themen venezuela -sport",
        "Themen des Überblicks (-wort schließt aus): venezuela -sport",
        False,
    ),
    ("/search venezuela", "2 Treffer für „venezuela“", False),
    ("/more", "Das waren alle Treffer für „venezuela“", False),
    ("/search xyzzyquux", "Keine Artikel zu „xyzzyquux“", False),
    ("/more", "Zu „xyzzyquux“ gab es keine Treffer", False),
    (
        "/search venezuela quelle:bild",
        "Die Quelle „bild“ kenne ich nicht. Zur Wahl: dpa, TKP",
        False,
    ),
    ("/search quelle:dpa", "1 Treffer für „quelle:dpa“", False),
    ("/search Venezuela OR Kreml", "„OR“ verknüpft keine Suchwörter", False),
    ("/search venezuela -kreml", "1 Treffer für „venezuela“", False),
    (f"/search {DECOMPOSED_LOESUNG}", "1 Treffer für „Lösung“", False),
    ("/search „friedliche Lösung“", "1 Treffer für „friedliche Lösung“", False),
    ("/alert -sport", "„-sport“ schließt nur aus", True),
    ("/alert venezuela", "Alarm 1 angelegt", True),
    ("/alert venezuela", "Diesen Alarm hast du schon: 1", True),
    ("/alert a", "„a“ ist zu kurz", True),
    ("/alerts", "[1] venezuela", True),
    ("/article 2", "Russland erwägt Venezuelas Bitte", False),
    ("", "TKP, 10.11.2025", False),
    ("/article 99999999999999999999999999", "Einen Artikel mit der Nummer 9999", True),
    ("/article 2 9", "Artikel 2 hat nur eine Seite: /article 2", True),
    ("/help", "/search WÖRTER", False),
]

ENGLISH: list[Step] = [
    ("/settings sprache en", "Saved.", True),
    ("hello", "Commands start with / or !", True),
    ("/help", "/search WORDS", True),
    ("/settings", "Language: English (en)", True),
    ("/subscribe 26:00", "“26:00” is not a time of day", True),
    ("/subscribe 07:00 Berlin now", "every day at 07:00 (Europe/Berlin)", False),
    ("", "Sources: dpa", False),
    ("/settings empty no", "Digest on days with nothing new: no", True),
    ("/settings topics election -sport", "Digest topics (-word excludes): election -sport", True),
    ("/settings topics all", "Digest topics (-word excludes): all", True),
    ("/settings stories 50", "stories is a number from 1 to 20", True),
    ("/settings colour blue", "There is no setting “colour”", True),
    ("/search xyzzyquux", "No articles found for “xyzzyquux”", True),
    ("/more", "There were no results for “xyzzyquux”", True),
    ("/search „friedliche Lösung“", "1 result for “friedliche Lösung” (page 1 of 1)", False),
    ("/search „Lösung friedliche“", "No articles found for “Lösung friedliche”", False),
    (
        "/search venezuela source:bild",
        "I don't know the source “bild”. To choose from: dpa, TKP",
        True,
    ),
    ("/alert kreml", "Alert 2 created", True),
    ("/alert Kreml", "You already have this alert: 2", True),
    ("/article abc", "“abc” is not a number. Example: /article 1", True),
    ("/article 1 5", "Article 1 has only one page: /article 1", True),
    ("/unsubscribe", "Unsubscribed.", True),
]


def _check(replies: str, steps: list[Step], language: str) -> None:
    """Every expected piece appears, in order."""
    at = 0
    for line, expected, _ in steps:
        found = replies.find(expected, at)
        assert found >= 0, f"after {line!r}: {expected!r} not in {replies[at : at + 400]!r}"
        at = found + len(expected)
    # No command went unknown (the zone and the outlet asked about are unknown on purpose).
    asked = replies.replace("Zeitzone", "").replace("Die Quelle „bild“ kenne ich nicht", "")
    assert "kenne ich nicht" not in asked


def test_console_conversation_in_german_then_english(db_path: Path) -> None:
    lines = [line for line, _, _ in GERMAN + ENGLISH if line]
    out = console_chat([*lines, "/quit now", "/help"], db_path)
    german, english = out.split("Saved.", 1)
    _check(german, GERMAN, "de")
    _check("Saved." + english, ENGLISH, "en")
    assert "/quit oder Strg-D" in german  # the console's /help says how to leave
    assert english.rstrip().endswith("Unsubscribed. You won't get a daily digest any more.")


async def _say(bot_api: FakeBotAPI, bot: Running, text: str, language: str | None) -> str:
    """What the chat shows after the user writes `text`: every new message, joined."""
    before = len(bot_api.screen(777))
    bot_api.push_text(text, 777, language_code=language)
    await wait_until(lambda: len(bot_api.screen(777)) > before)
    await bot.delivery.join()  # a long reply comes as several messages: all of them sent
    return "\n\n".join(m.visible for m in bot_api.screen(777)[before:])


@pytest.mark.parametrize("hint", [None, "en"])
async def test_telegram_conversation_in_german_then_english(
    bot_api: FakeBotAPI, seeded_store: Store, now: datetime, hint: str | None
) -> None:
    """The same chats over the Bot API; the client's language hint never beats /settings."""
    german = GERMAN[1:] if hint == "en" else GERMAN
    async with serving(bot_api, seeded_store, now) as bot:
        if hint == "en":
            assert "Gespeichert." in await _say(bot_api, bot, "/settings sprache de", hint)
        for language, steps in (("de", german), ("en", ENGLISH)):
            replies: list[str] = []
            for line, _, own_words in steps:
                if not line:
                    continue
                reply = await _say(bot_api, bot, line, hint)
                replies.append(reply)
                if own_words:
                    assert not foreign_words(reply, language), (line, reply)
            _check("\n\n".join(replies), steps, language)
