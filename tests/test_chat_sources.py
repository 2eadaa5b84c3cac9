"""A chat chooses its outlets: a group's admin limits the digest to some sources and routes
one outlet to a forum topic; a member cannot; /sources and /id answer. German and English,
over the fake Bot API."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.records import NewArticle
from bot.store import Store
from tests.fakes.bot_api import FakeBotAPI
from tests.i18n import foreign_words
from tests.test_telegram import ask, serving
from tests.test_telegram_groups import send_due_digests

pytestmark = pytest.mark.integration
FORUM, TOPIC = -100900, 5
OWNER, MEMBER = 1, 555


def add_outlets(store: Store, now: datetime) -> None:
    """Three outlets, each with its own story."""
    stories = {
        "tagesschau": "Bundestag beschließt den Haushalt",
        "dpa": "Grönland verhandelt über Zölle",
        "Spiegel": "Bahnstreik legt den Verkehr lahm",
    }
    for i, (source, title) in enumerate(stories.items()):
        body = f"{title}. " * 20
        at = now - timedelta(hours=i + 1)
        store.articles.add_article(NewArticle(title, source, body, (title + ".",), at), now)


STEPS = {
    "de": [
        (MEMBER, None, "/settings quellen dpa", "Entschuldige, /settings"),
        (OWNER, None, "/quellen", "Quellen zur Wahl: dpa, Spiegel, tagesschau"),
        (OWNER, None, "/settings quellen Tagesschau, DPA", "Quellen (Überblick, Alarme"),
        (OWNER, None, "/settings quellen bild", "Die Quelle „bild“ kenne ich nicht. Zur Wahl"),
        (OWNER, TOPIC, "/settings quellen spiegel", ": Spiegel"),
        (MEMBER, None, "/id", f"Dieser Chat: telegram:{FORUM}\nDu: telegram:{MEMBER}"),
        (OWNER, None, "/subscribe 07:00", "07:00 Uhr"),
        (OWNER, TOPIC, "/subscribe 07:00", "07:00 Uhr"),
    ],
    "en": [
        (MEMBER, None, "/settings sources dpa", "may use /settings here"),
        (OWNER, None, "/sources", "Sources to choose from: dpa, Spiegel, tagesschau"),
        (OWNER, None, "/settings sources Tagesschau, DPA", "Sources (digest, alerts, breaking)"),
        (OWNER, None, "/settings sources bild", "I don't know the source “bild”"),
        (OWNER, TOPIC, "/settings sources spiegel", ": Spiegel"),
        (MEMBER, None, "/id", f"This chat: telegram:{FORUM}\nYou: telegram:{MEMBER}"),
        (OWNER, None, "/subscribe 07:00", "07:00"),
        (OWNER, TOPIC, "/subscribe 07:00", "07:00"),
    ],
}


@pytest.mark.parametrize("language", ["de", "en"])
async def test_a_group_admin_limits_sources_and_routes_an_outlet_to_a_topic(
    bot_api: FakeBotAPI, store: Store, now: datetime, language: str
) -> None:
    bot_api.add_group(FORUM, admins=[OWNER], forum=True)
    add_outlets(store, now)
    async with serving(bot_api, store, now) as served:
        for user, thread, text, expected in STEPS[language]:
            answer = await ask(
                bot_api,
                text,
                FORUM,
                user_id=user,
                chat_type="supergroup",
                thread=thread,
                language_code=language,
            )
            assert expected in answer.visible, (text, answer.visible)
            assert not foreign_words(answer.visible, language), answer.visible
        await send_due_digests(served, store, now)
    group = "\n".join(m.visible for m in bot_api.screen(FORUM) if m.thread is None)
    topic = "\n".join(m.visible for m in bot_api.topic(FORUM, TOPIC))
    digest_group = group.rsplit("07:00", 1)[1]
    digest_topic = topic.rsplit("07:00", 1)[1]
    assert "Haushalt" in digest_group
    assert "Grönland" in digest_group
    assert "Bahnstreik" not in digest_group
    assert "Bahnstreik" in digest_topic
    assert "Haushalt" not in digest_topic
    assert "Grönland" not in digest_topic
    assert store.chats.settings(f"telegram:{FORUM}").sources == ("tagesschau", "dpa")


def test_the_example_offers_outlets_of_the_operators_list(
    seeded_store: Store, now: datetime
) -> None:
    """A reader copies the example: it names outlets the list holds (the seeds: dpa and TKP)."""
    from bot.commands import Context, handle
    from bot.render import to_plain

    shown = handle("/quellen", Context("console:local", now), seeded_store)
    assert shown is not None
    assert "Ändern: /settings quellen dpa, TKP" in to_plain(shown)
    refused = handle("/settings quellen Tagesspiegel", Context("console:local", now), seeded_store)
    assert refused is not None
    assert not refused.ok
    assert "Beispiel: /settings quellen dpa, TKP" in to_plain(refused)


def test_a_chat_chooses_an_outlet_by_the_short_name_search_takes(
    store: Store, now: datetime
) -> None:
    """`quelle:sz` finds the Süddeutsche Zeitung; `/settings quellen sz` chooses it."""
    from bot.commands import Context, handle
    from bot.render import to_plain

    for source, title in (("Süddeutsche Zeitung", "Stadtrat tagt"), ("DER SPIEGEL", "Bahnstreik")):
        body = f"{title} am Abend. " * 20
        store.articles.add_article(NewArticle(title, source, body, (title + ".",), now), now)
    chosen = handle("/settings quellen sz, spiegel", Context("console:local", now), store)
    assert chosen is not None
    assert chosen.ok, to_plain(chosen)
    assert store.chats.settings("console:local").sources == ("Süddeutsche Zeitung", "DER SPIEGEL")


@pytest.mark.parametrize("language", ["de", "en"])
def test_a_source_name_chooses_in_the_settings_what_it_finds_in_a_search(
    store: Store, now: datetime, language: str
) -> None:
    """`quelle:spiegel` finds both SPIEGEL outlets, and `/settings quellen spiegel` reads both;
    a name that names no outlet is said so, with the choice, in a search as in the settings."""
    from bot.commands import Context, handle
    from bot.render import to_plain

    def say(text: str) -> str:
        reply = handle(text, Context("console:local", now, language=language), store)
        assert reply is not None
        return to_plain(reply)

    for source, title in (
        ("DER SPIEGEL", "Bahnstreik legt den Verkehr lahm"),
        ("Spiegel Online", "Bahnstreik trifft Pendler"),
        ("tagesschau", "Bahnstreik beendet"),
    ):
        body = f"{title} am Abend. " * 20
        store.articles.add_article(NewArticle(title, source, body, (title + ".",), now), now)
    found = say("/search bahnstreik quelle:spiegel")
    assert "Verkehr lahm" in found
    assert "Pendler" in found
    assert "beendet" not in found
    say("/settings quellen spiegel" if language == "de" else "/settings sources spiegel")
    assert store.chats.settings("console:local").sources == ("DER SPIEGEL", "Spiegel Online")
    unknown = say("/search bahnstreik quelle:bild")
    expected = {
        "de": "Die Quelle „bild“ kenne ich nicht. Zur Wahl: DER SPIEGEL, Spiegel Online, "
        "tagesschau. Beispiel: quelle:tagesschau",
        "en": "I don't know the source “bild”. To choose from: DER SPIEGEL, Spiegel Online, "
        "tagesschau. Example: source:tagesschau",
    }
    assert unknown == expected[language]
