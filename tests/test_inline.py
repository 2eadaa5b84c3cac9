"""Inline search on Telegram: `@bot words` answered with answerInlineQuery, paged by next_offset."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio

from bot.app import chat_events, make_inline
from bot.clock import utc_now
from bot.config import Config
from bot.inline import INLINE_PAGE, inline_search
from bot.query import parse_query
from bot.records import NewArticle
from bot.store import Store
from bot.transports.telegram import TelegramTransport
from tests.conftest import running, wait_until
from tests.fakes.bot_api import FakeBotAPI, parse_telegram_html
from tests.test_telegram import add_articles

pytestmark = pytest.mark.integration


@pytest_asyncio.fixture
async def bot_api() -> AsyncIterator[FakeBotAPI]:
    """A fake Bot API server on 127.0.0.1."""
    api = await FakeBotAPI().start()
    yield api
    await api.stop()


async def inline(bot_api: FakeBotAPI, text: str, offset: str = "") -> dict[str, object]:
    """A user types `@bot text`; the answer the server accepted."""
    query_id = bot_api.push_inline(text, offset)
    await wait_until(lambda: query_id in bot_api.inline_answers)
    return bot_api.inline_answers[query_id]


def inline_transport(bot_api: FakeBotAPI, store: Store, config: Config) -> TelegramTransport:
    """A Telegram transport against the fake Bot API that answers inline queries from `store`."""
    on_gone, on_moved = chat_events(store)
    return TelegramTransport(
        bot_api.token,
        bot_api.base_url,
        on_gone=on_gone,
        on_moved=on_moved,
        poll_timeout=1,
        on_inline=make_inline(config, store, utc_now),
    )


async def test_inline_query_offers_search_results_page_by_page(
    bot_api: FakeBotAPI, store: Store, now: datetime
) -> None:
    add_articles(store, now, INLINE_PAGE + 4)
    config = Config()
    transport = inline_transport(bot_api, store, config)
    ranked = [h.article.id for h in store.index.search(parse_query("grönland"), 50).hits]
    async with running(transport, store, now, config):
        first = await inline(bot_api, "grönland")
        second = await inline(bot_api, "grönland", str(first["next_offset"]))
        nothing = await inline(bot_api, "")
    results = first["results"]
    assert isinstance(results, list)
    assert len(results) == INLINE_PAGE
    assert first["next_offset"] == str(INLINE_PAGE)
    # The same matching and ranking as /search, a page at a time.
    rest = second["results"]
    assert isinstance(rest, list)
    assert [r["id"] for r in results + rest] == [f"a{i}" for i in ranked]
    assert second["next_offset"] == ""
    top = results[0]
    article = store.articles.article(ranked[0])
    assert article is not None
    assert top["type"] == "article"
    assert top["title"] == article.title
    assert top["description"].startswith("dpa, ")
    assert article.summary[0] in top["description"]
    content = top["input_message_content"]
    assert content["parse_mode"] == "HTML"
    shown = parse_telegram_html(content["message_text"])
    assert shown.startswith(article.title)
    assert article.summary[0] in shown
    assert nothing["results"] == []
    # An answer, not a chat message: nothing was posted anywhere.
    assert bot_api.sent == []


def test_inline_search_reads_days_as_the_chat_does(seeded_store: Store) -> None:
    late = datetime(2025, 11, 11, 3, tzinfo=UTC)
    found = inline_search(
        "venezuela seit:gestern",
        "",
        seeded_store.index,
        language="de",
        zone="Europe/Berlin",
        now=late,
    )
    assert [r.title for r in found.results] == [
        "Russland erwägt Venezuelas Bitte um militärische Hilfe wegen US-Truppen in der Karibik"
    ]


async def test_an_inline_result_shows_the_kicker_before_its_headline(
    bot_api: FakeBotAPI, seeded_store: Store, now: datetime
) -> None:
    config = Config()
    transport = inline_transport(bot_api, seeded_store, config)
    async with running(transport, seeded_store, now, config):
        answer = await inline(bot_api, '"Kreml fordert"')
    results = answer["results"]
    assert isinstance(results, list)
    headline = "Kreml fordert friedliche Lösung zwischen USA und Venezuela"
    # As search hits show it elsewhere: "Kicker · Headline", in the list and in the message.
    assert results[0]["title"] == f"USA, Venezuela · {headline}"
    shown = parse_telegram_html(results[0]["input_message_content"]["message_text"])
    assert shown.startswith(f"USA, Venezuela · {headline}\n")


async def test_an_article_with_a_huge_summary_still_gets_an_inline_answer(
    bot_api: FakeBotAPI, store: Store, now: datetime
) -> None:
    """A feed item can have an endless headline and a teaser of one endless sentence: its shared
    message is cut to what Telegram takes (4096 characters), not the whole answer refused with
    every other result in it."""
    endless = "Grönland verhandelt mit Dänemark über Zölle und Häfen " * 100
    headline = "Grönland: Zölle" + " und Häfen" * 500
    store.articles.add_article(
        NewArticle(headline, "dpa", endless, (endless,), now - timedelta(hours=1)), now
    )
    # Telegram counts UTF-16 units: a flag is four of them.
    flags = ("🇬🇱" * 1500,)
    flagged = NewArticle("Grönland: Flaggen" + " und Fahnen" * 300, "dpa", endless, flags, now)
    store.articles.add_article(flagged, now)
    add_articles(store, now, 3)
    config = Config()
    transport = inline_transport(bot_api, store, config)
    async with running(transport, store, now, config):
        query_id = bot_api.push_inline("grönland")
        await wait_until(lambda: bot_api.count("answerInlineQuery") == 1)
    assert query_id in bot_api.inline_answers, "the server refused the answer"
    results = bot_api.inline_answers[query_id]["results"]
    assert len(results) == 5
    [huge] = [r for r in results if r["title"].startswith("Grönland: Zölle und Häfen")]
    shown = parse_telegram_html(huge["input_message_content"]["message_text"])
    assert shown.startswith("Grönland: Zölle und Häfen und Häfen")
    assert "…\n\ndpa, 10.11.2025 12:00\n\nGrönland verhandelt mit Dänemark" in shown
    assert shown.endswith("…")


async def test_an_english_reader_gets_english_results_after_a_german_one_asked_the_same(
    bot_api: FakeBotAPI, store: Store, now: datetime
) -> None:
    # Telegram serves a cached inline answer to whoever types the same query, unless the
    # answer is personal: the results speak the asker's language (dates, "unknown source").
    add_articles(store, now, 2)
    config = Config()
    async with running(inline_transport(bot_api, store, config), store, now, config):
        german = bot_api.push_inline("grönland", user_id=1, language_code="de")
        await wait_until(lambda: german in bot_api.inline_answers)
        english = bot_api.push_inline("grönland", user_id=2, language_code="en")
        await wait_until(lambda: english in bot_api.inline_answers)
    [first, *_] = bot_api.inline_answers[german]["results"]
    [other, *_] = bot_api.inline_answers[english]["results"]
    assert re.search(r"\d\d\.\d\d\.\d{4}", first["description"])  # 10.11.2025
    assert re.search(r"\d{4}-\d\d-\d\d", other["description"])  # 2025-11-10
