"""An alert and a digest topic find what /search finds with the same word: Latin letters with
and without their accents (Erdoğan, Chávez, São Paulo), umlauts typed plainly, and й kept
apart from и, as search folds them (`bot.query.search_fold`). Both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.records import NewArticle
from bot.store import Storage, Store
from tests.test_breaking import CHAT, NIGHT, Bot, add, plain, say


@pytest.fixture
def store(any_store: Storage) -> Storage:
    """Search differs by backend; alerts and topics must match it on each."""
    return any_store


TEXT = "Die Gespräche dauerten bis in die Nacht, ein Ergebnis gibt es noch nicht."
# (word a chat types, headline of the article, whether /search finds it)
CASES = [
    ("Erdogan", "Erdoğan empfängt den Kanzler in Ankara", True),
    ("Erdoğan", "Erdogan empfängt den Kanzler in Ankara", True),
    ("Chavez", "Anhänger von Chávez ziehen durch Caracas", True),
    ("Sao Paulo", "Überschwemmungen in São Paulo", True),
    ("Sao", "Überschwemmungen in São Paulo", True),
    ("Munchen", "Streik legt München lahm", True),
    ("Muenchen", "Streik legt München lahm", True),
    ("Иошкар", "Feuer in Йошкар-Ола", False),
]
# What else is news that night: none of the words above.
OTHER = ("dpa", "Bahn erhöht Preise im Fernverkehr", "Die Bahn erhöht die Preise im Fernverkehr.")


def found_by_search(store: Store, word: str, title: str) -> bool:
    return title in plain(say(store, f"/search {word}", NIGHT))


@pytest.mark.parametrize(("word", "title", "found"), CASES)
async def test_an_alert_fires_for_what_search_finds_with_its_word(
    store: Store, word: str, title: str, found: bool
) -> None:
    assert plain(say(store, f"/alert {word}", NIGHT - timedelta(days=1))).startswith("Alarm 1 ")
    bot = Bot(store)
    await bot.poll(NIGHT, add(store, [("Spiegel", title, TEXT), OTHER], NIGHT))
    await bot.queue.stop()
    assert found_by_search(store, word, title) is found
    assert [title in message for message in bot.sent()] == ([True] if found else [])


@pytest.mark.parametrize(("word", "title", "found"), CASES)
def test_a_digest_topic_lets_in_what_search_finds_with_its_word(
    store: Store, word: str, title: str, found: bool
) -> None:
    say(store, f"/settings themen {word}", NIGHT - timedelta(hours=2))
    add(store, [("Spiegel", title, TEXT), OTHER], NIGHT - timedelta(hours=1))
    digest = plain(say(store, "/digest", NIGHT))
    assert found_by_search(store, word, title) is found
    assert (title in digest) is found
    assert OTHER[1] not in digest


@pytest.mark.parametrize(
    ("first", "again"), [("Erdogan", "Erdoğan"), ("erdoğan", "ERDOGAN"), ("Sao Paulo", "São Paulo")]
)
def test_an_alert_with_or_without_accents_is_the_same_alert(
    store: Store, first: str, again: str
) -> None:
    say(store, f"/alert {first}", NIGHT)
    refused = plain(say(store, f"/alert {again}", NIGHT))
    assert refused.startswith("Diesen Alarm hast du schon: 1"), refused
    assert len(store.chats.alerts(CHAT)) == 1


def test_an_alert_keeps_й_apart_from_и(store: Store) -> None:
    say(store, "/alert Иошкар", NIGHT)
    assert "„Йошкар“" in plain(say(store, "/alert Йошкар", NIGHT))
    assert len(store.chats.alerts(CHAT)) == 2


def test_a_search_marks_the_word_in_its_snippet_with_or_without_accents(store: Store) -> None:
    # Without a summary a hit shows the body around the match, the matched words in bold.
    body = "In Ankara traf Erdoğan am Abend den Kanzler. " + TEXT
    store.articles.add_article(NewArticle("Treffen in Ankara", "Spiegel", body, (), NIGHT), NIGHT)
    reply = say(store, "/search Erdogan", NIGHT)
    marked = [s.text for p in reply.paragraphs for s in p if s.bold]
    assert "Erdoğan" in marked, reply
