"""A chat's own feeds (config `chat_feeds`): a chat's managers add one, it is checked and polled
like any feed, and its items reach only the chats that added it; in approve mode the operators
accept or refuse each request and the chat is told.

On both backends (the store's rules), through the command core (every name and spelling, each
limit), the fake Bot API (a group, a topic, a channel, the operator's buttons; German and
English) and the console.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
import pytest_asyncio

from bot.allowed_urls import Allowed
from bot.commands import COMMANDS, Context, handle
from bot.commands.admin import finish_addfeed
from bot.commands.request import ChatFeedRules
from bot.config import Config
from bot.delivery import Delivery
from bot.digest import for_chat
from bot.ingest.feeds import poll_feeds
from bot.ingest.fetch import Fetcher, FetchOptions
from bot.inline import inline_search
from bot.pushes import Outbox
from bot.records import FeedCheck, NewArticle, Reply
from bot.render import to_plain
from bot.store import Storage, Store
from tests.conftest import newsbot, newsbot_process, running, wait_until
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.feed_site import FeedSite, german_text
from tests.i18n import foreign_words
from tests.test_breaking import NIGHT, QUAKE, Bot, add
from tests.test_telegram import ADMIN, ask, make_transport

OPERATOR = int(ADMIN.removeprefix("telegram:"))
NOW = datetime(2025, 11, 10, 12, 0, tzinfo=UTC)
GROUP, ADMIN_USER, MEMBER = -100500, 555, 556
ADMINS_MODE = ChatFeedRules("admins", per_chat=2, total=3)
URL = "https://lokal.example/rss"


@pytest.fixture
def store(any_store: Storage) -> Storage:
    """The store's rules hold on SQLite and on PostgreSQL."""
    return any_store


def news(
    title: str, body_word: str, chat_feed: int | None = None, url: str | None = None
) -> NewArticle:
    return NewArticle(
        title,
        "Lokalblatt" if chat_feed else "dpa",
        f"{body_word} beschäftigt die Stadt seit Wochen. " * 12,
        (f"{body_word} beschäftigt die Stadt.",),
        NOW - timedelta(hours=1),
        url=url,
        chat_feed=chat_feed,
    )


def say(store: Storage, chat: str, text: str, **context: object) -> Reply:
    ctx = Context(chat, NOW, **{"chat_feeds": ADMINS_MODE, **context})  # type: ignore[arg-type]
    reply = handle(text, ctx, store)
    assert reply is not None
    return reply


def plain(store: Storage, chat: str, text: str, **context: object) -> str:
    return to_plain(say(store, chat, text, **context))


def add_own_feed(store: Storage, chat: str, url: str, **context: object) -> str:
    """`/addfeed URL` as the app runs it: the core asks for a fetch, the fetch's result answers."""
    asked = say(store, chat, f"/addfeed {url}", **context)
    if asked.fetch is None:
        return to_plain(asked)
    ctx = Context(chat, NOW, **{"chat_feeds": ADMINS_MODE, **context})  # type: ignore[arg-type]
    return to_plain(finish_addfeed(FeedCheck(url, title="Lokalblatt"), ctx, store))


async def test_a_chat_feeds_articles_reach_only_the_chats_that_added_it(store: Store) -> None:
    """Digest, search, /latest, /article and alerts of a chat see its own feed's articles;
    another chat's never do, and a chat that drops the feed stops seeing them."""
    mine, other = "telegram:-100500", "telegram:888"
    assert "Feed 1 für diesen Chat eingetragen" in add_own_feed(store, mine, URL)
    [feed] = [f for f in store.feeds.all() if f.url == URL]
    assert feed.chats_only
    assert store.chat_feeds.feed_ids(mine) == (feed.id,)
    store.articles.add_article(news("Stadtrat beschließt den Radweg", "Radweg", feed.id), NOW)
    store.articles.add_article(news("Kanzler verteidigt den Haushalt", "Haushalt"), NOW)
    [own] = [a for a in store.articles.latest(5) if a.chat_feed == feed.id]
    for chat in (mine, other):
        store.chats.add_alert(chat, ("radweg",), NOW)
    digests = {
        chat: to_plain(for_chat(store, chat, NOW, default_zone="Europe/Berlin").reply)
        for chat in (mine, other)
    }
    assert "Radweg" in digests[mine]
    assert "Haushalt" in digests[mine]
    assert "Radweg" not in digests[other]
    assert "Haushalt" in digests[other]
    assert "1 Treffer" in plain(store, mine, "/search radweg")
    assert "Keine Artikel zu „radweg“" in plain(store, other, "/search radweg")
    assert "Radweg" in plain(store, mine, "/latest")
    assert "Radweg" not in plain(store, other, "/latest")
    assert "Stadtrat beschließt" in plain(store, mine, f"/article {own.id}")
    assert f"Einen Artikel mit der Nummer {own.id} gibt es nicht" in plain(
        store, other, f"/article {own.id}"
    )
    outbox = Outbox(store, Delivery({}), clock=lambda: NOW)
    await outbox.plan_alerts([own.id], NOW)
    planned = {p.chat for p in store.pushes.due(NOW + timedelta(minutes=1))}
    assert planned == {mine}
    # Dropped by the chat: no chat has the feed any more, so it is no longer polled.
    assert "Feed 1 dieses Chats entfernt" in plain(store, mine, "/removefeed 1")
    assert URL not in [f.url for f in store.feeds.all()]
    assert "Keine Artikel zu „radweg“" in plain(store, mine, "/search radweg")


async def test_a_chats_own_feed_counts_for_no_breaking_story(store: Store) -> None:
    """Breaking stories count the shared pool's outlets: three of them and the chat's own
    feed are no breaking story; a fourth outlet in the pool makes one."""
    chat = "console:anna"
    assert "eingetragen" in add_own_feed(store, chat, URL)
    [feed] = store.feeds.all()
    handle("/settings eilmeldungen an", Context(chat, NIGHT - timedelta(days=1)), store)
    bot = Bot(store)
    await bot.poll(NIGHT, add(store, QUAKE[:3], NIGHT))
    source, title, text = QUAKE[3]
    own = NewArticle(
        title, source, text, (text,), NIGHT, "https://faz.example/x", chat_feed=feed.id
    )
    later = NIGHT + timedelta(minutes=10)
    await bot.poll(later, [store.articles.add_article(own, later)[1]])
    assert bot.sent(chat) == []
    last = later + timedelta(minutes=10)
    await bot.poll(last, add(store, QUAKE[4:], last))
    [message] = bot.sent(chat)
    await bot.queue.stop()
    assert message.startswith("Eilmeldung: ")
    assert "FAZ" not in message


def test_inline_search_keeps_to_the_shared_pool(store: Store) -> None:
    """`@bot words` is shared into any chat: it never shows a chat's own feed."""
    assert "eingetragen" in add_own_feed(store, "telegram:1", URL)
    [feed] = store.feeds.all()
    store.articles.add_article(news("Stadtrat beschließt den Radweg", "Radweg", feed.id), NOW)
    store.articles.add_article(news("Kanzler verteidigt den Haushalt", "Haushalt"), NOW)
    found = inline_search("radweg", "", store.index, language="de", zone="Europe/Berlin", now=NOW)
    assert found.results == ()
    shared = inline_search("haushalt", "", store.index, language="de", zone="Europe/Berlin")
    assert len(shared.results) == 1
    assert "1 Treffer" in plain(store, "telegram:1", "/search radweg")  # the chat's own search


def test_what_the_shared_pool_also_brings_becomes_everyones(store: Store) -> None:
    assert "eingetragen" in add_own_feed(store, "telegram:1", URL)
    [feed] = store.feeds.all()
    first = news("Stadtrat beschließt den Radweg", "Radweg", feed.id, "https://dpa.example/radweg")
    [(_, article_id)] = store.articles.add_articles([first], NOW)
    assert store.articles.article(article_id).chat_feed == feed.id  # type: ignore[union-attr]
    # The same article from a shared feed: stored once, now everyone's.
    again = replace(first, chat_feed=None, source="dpa")
    assert store.articles.add_articles([again], NOW) == [("shared", article_id)]
    assert store.articles.article(article_id).chat_feed is None  # type: ignore[union-attr]
    assert "1 Treffer" in plain(store, "telegram:2", "/search radweg")


def test_an_operator_adding_a_chats_feed_moves_it_into_the_shared_pool(store: Store) -> None:
    assert "eingetragen" in add_own_feed(store, "telegram:1", URL)
    [feed] = store.feeds.all()
    store.articles.add_article(news("Stadtrat beschließt den Radweg", "Radweg", feed.id), NOW)
    ctx = Context("telegram:999", NOW, is_admin=True)
    assert "Feed 1 eingetragen" in to_plain(finish_addfeed(FeedCheck(URL), ctx, store))
    [shared] = store.feeds.all()
    assert not shared.chats_only
    assert "1 Treffer" in plain(store, "telegram:2", "/search radweg")


def test_a_gone_or_moved_chat_takes_its_feeds_along(store: Store) -> None:
    assert "eingetragen" in add_own_feed(store, "telegram:-1", URL)
    store.chats.move_chat("telegram:-1", "telegram:-1001")
    assert [e.url for e in store.chat_feeds.of_chat("telegram:-1001")] == [URL]
    assert store.chats.forget_chat("telegram:-1001")
    assert store.chat_feeds.of_chat("telegram:-1001") == []
    assert store.feeds.all() == []  # nobody's feed any more: no longer polled


def names(command: str) -> list[str]:
    """Every spelling of every name of a command: `/`, `!`, `@bot`."""
    return [
        spelling
        for name in COMMANDS[command].names
        for spelling in (f"/{name}", f"!{name}", f"/{name}@digest_test_bot")
    ]


@pytest.mark.parametrize("spelling", names("addfeed") + names("removefeed"))
def test_members_of_a_group_topic_or_room_are_refused_in_every_spelling(
    store: Store, spelling: str
) -> None:
    group, argument = (
        "telegram:-100500/7",
        URL if "add" in spelling or "eintragen" in spelling else "1",
    )
    for level in (None, 50):  # a Telegram group or topic; a Matrix room's power level
        refused = plain(
            store, group, f"{spelling} {argument}", may_manage=False, private=False,
            manage_level=level,
        )  # fmt: skip
        assert refused.startswith("Entschuldige, /"), refused
    assert store.chat_feeds.of_chat(group) == []


@pytest.mark.parametrize("spelling", names("addfeed"))
def test_a_groups_admin_adds_a_feed_in_every_spelling(store: Store, spelling: str) -> None:
    group = "matrix:!raum:example.org"
    asked = say(store, group, f"{spelling} {URL}", may_manage=True, private=False)
    assert asked.fetch == URL
    # With chat feeds off, as before: only operators.
    off = plain(store, group, f"{spelling} {URL}", chat_feeds=ChatFeedRules(), private=False)
    assert "dürfen nur die Betreiber" in off


@pytest.mark.parametrize(
    ("language", "says"),
    [
        (
            "de",
            [
                ("/addfeed", "Welcher Feed?"),
                ("/addfeed lokalblatt", "„lokalblatt“: das ist keine URL"),
                ("/addfeed http://127.0.0.1/rss", "Diesen Feed trage ich nicht ein"),
                ("/addfeed https://dpa.example/rss", "schon für alle eingetragen als Feed 1"),
                ("/addfeed " + URL, "Feed 1 für diesen Chat eingetragen: " + URL),
                ("/addfeed " + URL, "schon eingetragen als Feed 1 dieses Chats"),
                ("/addfeed https://zwei.example/rss", "Feed 2 für diesen Chat eingetragen"),
                ("/addfeed https://drei.example/rss", "Dieser Chat hat schon 2 eigene Feeds"),
                ("/feeds", "Eigene Feeds dieses Chats"),
                ("/removefeed 7", "keinen eigenen Feed mit der Nummer 7"),
                ("/removefeed eins", "Welcher Feed? Beispiel: /removefeed 1"),
                ("/feedentfernen 2", "Feed 2 dieses Chats entfernt"),
            ],
        ),
        (
            "en",
            [
                ("/addfeed", "Which feed?"),
                ("/addfeed lokalblatt", "“lokalblatt”: that is not a URL"),
                ("/addfeed http://127.0.0.1/rss", "I won't add this feed"),
                ("/addfeed https://dpa.example/rss", "already added for everyone as feed 1"),
                ("/addfeed " + URL, "Feed 1 added for this chat: " + URL),
                ("/addfeed " + URL, "already added as this chat's feed 1"),
                ("/addfeed https://zwei.example/rss", "Feed 2 added for this chat"),
                ("/addfeed https://drei.example/rss", "This chat already has 2 feeds"),
                ("/feeds", "This chat's own feeds"),
                ("/removefeed 7", "no feed of its own numbered 7"),
                ("/removefeed one", "Which feed? Example: /removefeed 1"),
                ("/removefeed 2", "This chat's feed 2 removed"),
            ],
        ),
    ],
)
def test_each_refusal_and_limit_has_its_own_answer(
    store: Store, language: str, says: list[tuple[str, str]]
) -> None:
    store.feeds.add_feed("https://dpa.example/rss", NOW)  # the operator's shared pool
    chat = "telegram:-100500"
    for text, expected in says:
        url = text.split()[1] if text.startswith("/addfeed ") else None
        if url is not None and url.startswith("https://"):
            answer = add_own_feed(store, chat, url, language=language)
        else:
            answer = plain(store, chat, text, language=language)
        assert expected in answer, (text, answer)
        assert not foreign_words(answer.replace(URL, ""), language), answer
    # All chats together: the third feed is past `total`, whoever asks.
    assert "eingetragen" in add_own_feed(store, "telegram:1", "https://a.example/rss")
    assert "eingetragen" in add_own_feed(store, "telegram:2", "https://b.example/rss")
    assert "Die Betreiber erlauben allen Chats zusammen 3 eigene Feeds" in add_own_feed(
        store, "telegram:3", "https://c.example/rss"
    )


def test_approve_mode_asks_the_operators_and_tells_the_chat(store: Store) -> None:
    chat = "telegram:-100500"
    nobody = ChatFeedRules("approve")
    assert "keinen, der sie hier bekommen kann" in add_own_feed(store, chat, URL, chat_feeds=nobody)
    rules = ChatFeedRules("approve", has_operators=True, notify=(ADMIN,))
    asked = say(store, chat, f"/addfeed {URL}", chat_feeds=rules, user="telegram:555")
    ctx = Context(chat, NOW, user="telegram:555", chat_feeds=rules)
    waiting = finish_addfeed(FeedCheck(URL, title="Lokalblatt"), ctx, store)
    assert asked.fetch == URL
    assert "Feed 1 wartet auf die Freigabe der Betreiber" in to_plain(waiting)
    assert store.feeds.all() == []  # not polled before an operator says yes
    [(told, request)] = waiting.notices
    assert told == ADMIN
    assert "Feed-Anfrage 1: telegram:-100500 (von telegram:555)" in to_plain(request)
    assert [b.command for b in request.buttons] == ["/approvefeed 1", "/refusefeed 1"]
    assert "wartet auf Freigabe" in plain(store, chat, "/feeds", chat_feeds=rules)
    assert "Warten auf Freigabe" in plain(store, ADMIN, "/feeds", is_admin=True)
    # Only operators decide, in every spelling.
    for spelling in names("approvefeed"):
        assert "dürfen nur die Betreiber" in plain(store, chat, f"{spelling} 1", chat_feeds=rules)
    approved = say(store, ADMIN, "/freigeben 1", is_admin=True)
    assert "Feed-Anfrage 1 freigegeben" in to_plain(approved)
    [(to, outcome)] = approved.notices
    assert to == chat
    assert "Die Betreiber haben deinen Feed " + URL + " freigegeben" in to_plain(outcome)
    assert [f.url for f in store.feeds.all()] == [URL]
    again = plain(store, ADMIN, "/refusefeed 1", is_admin=True, language="en")
    assert "No feed request numbered 1 is waiting" in again
    second = "https://zwei.example/rss"
    say(store, chat, f"/addfeed {second}", chat_feeds=rules)
    finish_addfeed(FeedCheck(second), ctx, store)
    refused = say(store, ADMIN, "/ablehnen 2", is_admin=True)
    assert "Feed-Anfrage 2 abgelehnt" in to_plain(refused)
    assert "nicht freigegeben" in to_plain(refused.notices[0][1])
    assert [f.url for f in store.feeds.all()] == [URL]
    # A number is never given again: an old "/approvefeed 2" button cannot approve this one.
    third = "https://drei.example/rss"
    say(store, chat, f"/addfeed {third}", chat_feeds=rules)
    assert "Feed 3 wartet" in to_plain(finish_addfeed(FeedCheck(third), ctx, store))
    assert "Anfrage mit der Nummer 2 wartet nicht" in plain(
        store, ADMIN, "/freigeben 2", is_admin=True
    )


# --- over the Bot API: a group, a topic, a channel and the operator's buttons ---------------


@pytest_asyncio.fixture
async def sites() -> AsyncIterator[tuple[FeedSite, FeedSite]]:
    """The operator's shared feed and the group's own local paper, on 127.0.0.1."""
    shared, local = await FeedSite().start(), await FeedSite().start()
    stamp = datetime.now(UTC) - timedelta(minutes=30)
    text = german_text(random.Random(3), 150)
    shared.publish("haushalt", "Kanzler verteidigt den Haushalt", text, stamp)
    # A story of its own (german_text's small vocabulary would make it the same story).
    other = (
        "Der Stadtrat hat am Dienstag den Bau eines Radwegs entlang des Flussufers beschlossen. "
        "Die Arbeiten an der neuen Trasse sollen im Frühjahr beginnen und zwei Jahre dauern. "
        "Anwohner hatten jahrelang für eine sichere Verbindung zur Altstadt geworben. "
    ) * 4
    local.publish("radweg", "Stadtrat beschließt den Radweg am Fluss", other, stamp)
    yield shared, local
    await shared.stop()
    await local.stop()


STEPS = {
    "de": {
        "member": "Entschuldige, /addfeed dürfen hier nur die Administratoren",
        "waiting": "wartet auf die Freigabe der Betreiber",
        "approved": "Die Betreiber haben deinen Feed",
        "search_none": "Keine Artikel zu „radweg“",
    },
    "en": {
        "member": "Sorry, only this group's administrators",
        "waiting": "is waiting for the operators' approval",
        "approved": "The operators approved your feed",
        "search_none": "No articles found for “radweg”",
    },
}


@pytest.mark.integration
@pytest.mark.parametrize("language", ["de", "en"])
async def test_a_groups_own_feed_reaches_that_group_only_over_the_bot_api(
    bot_api: FakeBotAPI, sites: tuple[FeedSite, FeedSite], language: str
) -> None:
    """A member (in the group and in a topic) is refused; the admin asks; the operator gets
    the request with buttons, a forged press by someone else is refused, the operator's press
    approves and the group is told; once polled, the local paper's story is in the group's
    /digest and /search and in nobody else's."""
    shared, local = sites
    store = Store.memory()
    now = datetime.now(UTC)
    store.feeds.add_feed(shared.url("/feed.xml"), now)
    says = STEPS[language]
    bot_api.add_group(GROUP, admins=[ADMIN_USER], forum=True)
    config = Config(admins=(ADMIN,), fetch_allow=("127.0.0.1",), chat_feeds="approve")
    feed = local.url("/feed.xml")
    hint = {"language_code": language}
    try:
        async with running(make_transport(bot_api, store), store, now, config):
            group = {"chat_type": "supergroup", **hint}
            # What the bot sends the group unasked (the operators' answer, as its digests)
            # is in the group's chosen language.
            await ask(bot_api, f"/settings sprache {language}", GROUP, user_id=ADMIN_USER, **group)
            for thread in (None, 7):
                refused = await ask(
                    bot_api, f"/addfeed {feed}", GROUP, user_id=MEMBER, thread=thread, **group
                )
                assert says["member"] in refused.visible
            before = len(bot_api.screen(OPERATOR))
            asked = await ask(bot_api, f"/feedeintragen {feed}", GROUP, user_id=ADMIN_USER, **group)
            await wait_until(lambda: says["waiting"] in bot_api.screen(GROUP)[-1].visible)
            await wait_until(lambda: len(bot_api.screen(OPERATOR)) > before)
            request = bot_api.screen(OPERATOR)[-1]
            # The operator's chat has chosen no language: German, the default.
            assert "möchte „Testnachrichten“ als eigenen Feed" in request.visible
            labels = [label for label, _ in request.buttons]
            assert labels == ["Freigeben", "Ablehnen"]
            # A member forges the button's data under a message in the group: refused.
            bot_api.push_callback(refused, "/approvefeed 1", user_id=MEMBER)
            await wait_until(lambda: len(bot_api.answered) >= 1)
            await wait_until(lambda: "/approvefeed" in bot_api.screen(GROUP)[-2].visible)
            requests = await store.run(partial(store.chat_feeds.of_chat, f"telegram:{GROUP}"))
            assert requests[0].status == "waiting"
            told = len(bot_api.screen(GROUP))
            bot_api.push_button(request, "Freigeben", user_id=OPERATOR)
            await wait_until(lambda: len(bot_api.screen(GROUP)) > told)
            assert says["approved"] in bot_api.screen(GROUP)[-1].visible
            async with Fetcher(FetchOptions(allowed=Allowed.parse(["127.0.0.1"]))) as fetcher:
                await poll_feeds(store, fetcher, datetime.now(UTC))
            mine = (await ask(bot_api, "/digest", GROUP, user_id=MEMBER, **group)).visible
            theirs = (await ask(bot_api, "/digest", 888, **hint)).visible
            found = (await ask(bot_api, "/search radweg", GROUP, user_id=MEMBER, **group)).visible
            none = (await ask(bot_api, "/search radweg", 888, **hint)).visible
    finally:
        store.close()
    assert asked.visible  # the checking note or the answer
    assert "Stadtrat beschließt den Radweg" in mine
    assert "Kanzler verteidigt den Haushalt" in mine
    assert "Stadtrat beschließt den Radweg" not in theirs
    assert "Kanzler verteidigt den Haushalt" in theirs
    assert "Radweg" in found
    assert says["search_none"] in none


@pytest.mark.integration
async def test_a_channels_post_adds_its_own_feed(
    bot_api: FakeBotAPI, sites: tuple[FeedSite, FeedSite]
) -> None:
    _, local = sites
    store = Store.memory()
    config = Config(fetch_allow=("127.0.0.1",), chat_feeds="admins")
    channel = -100900
    try:
        async with running(make_transport(bot_api, store), store, NOW, config):
            bot_api.push_channel_post(f"/addfeed {local.url('/feed.xml')}", channel)
            await wait_until(
                lambda: any(
                    "für diesen Chat eingetragen" in m.visible for m in bot_api.screen(channel)
                )
            )
        assert [e.status for e in store.chat_feeds.of_chat(f"telegram:{channel}")] == ["active"]
    finally:
        store.close()


# --- the console ---------------------------------------------------------------------------

CONSOLE = [
    ("/addfeed lokalblatt", "„lokalblatt“: das ist keine URL"),
    ("/addfeed {site}/wartung.xml", "kein RSS/Atom-Feed"),
    ("/addfeed {site}/feed.xml", "Feed 1 für diesen Chat eingetragen: {site}/feed.xml"),
    ("/feedeintragen {site}/feed.xml", "schon eingetragen als Feed 1 dieses Chats"),
    ("/feeds", "Eigene Feeds dieses Chats"),
    ("/removefeed 1", "Feed 1 dieses Chats entfernt"),
    ("/settings sprache en", "Saved."),
    ("/addfeed {site}/fehlt.xml", "there is no such address (HTTP 404)"),
    ("/addfeed {site}/feed.xml", "Feed 2 added for this chat: {site}/feed.xml"),
    ("/feeds", "This chat's own feeds"),
    ("/removefeed 9", "This chat has no feed of its own numbered 9"),
]


@pytest.mark.integration
async def test_a_console_chat_adds_lists_and_removes_its_own_feeds(
    db_path: Path, sites: tuple[FeedSite, FeedSite]
) -> None:
    _, local = sites
    site = local.base
    lines = [text.format(site=site) for text, _ in CONSOLE]
    env = {"NEWSBOT_CHAT_FEEDS": "admins", "NEWSBOT_FETCH_ALLOW": "127.0.0.1"}
    # A process of its own (the console wants the main thread), while the site answers here.
    result = await asyncio.to_thread(
        newsbot_process, "demo", db=db_path, stdin="\n".join(lines) + "\n", env=env
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout.split("Konsolen-Chat", 1)[1]
    at = 0
    for text, expected in CONSOLE:
        found = out.find(expected.format(site=site), at)
        assert found >= 0, (text, out[at : at + 300])
        at = found


def test_the_command_line_marks_a_chats_own_feeds_and_exports_only_the_shared_ones(
    db_path: Path,
) -> None:
    store = Store.open(db_path)
    store.feeds.add_feed("https://dpa.example/rss", NOW)
    store.chat_feeds.add("telegram:1", URL, NOW, title="Lokalblatt", user="", active=True)
    store.close()
    listed = newsbot("feeds", "list", db=db_path)
    [shared, own] = listed.stdout.splitlines()
    assert "https://dpa.example/rss" in shared
    assert "eigener Feed von Chats" not in shared
    assert URL in own
    assert "eigener Feed von Chats" in own
    exported = newsbot("feeds", "export", db=db_path).stdout
    assert "https://dpa.example/rss" in exported
    assert URL not in exported  # imported elsewhere it would become everyone's


def test_help_offers_a_chats_own_feeds_only_where_the_operator_allows_them(store: Store) -> None:
    on = plain(store, "telegram:-100500", "/hilfe", private=False)
    off = plain(store, "telegram:-100500", "/hilfe", private=False, chat_feeds=ChatFeedRules())
    for command in ("/addfeed URL", "/feeds", "/removefeed NUMMER"):
        assert command in on
        assert command not in off
    assert "(auch /feedeintragen)" in on
    assert "/approvefeed" not in on  # the operators' own
    assert "/stats" not in on


def test_a_page_past_the_end_never_points_at_another_chats_article(store: Store) -> None:
    """`/article 5 6` asks whether two articles were meant; it names the other one only when the
    chat may read it, so another chat's own feed stays unseen."""
    mine, other = "telegram:-100500", "telegram:888"
    add_own_feed(store, mine, URL)
    [feed] = [f for f in store.feeds.all() if f.url == URL]
    store.articles.add_article(news("Kanzler verteidigt den Haushalt", "Haushalt"), NOW)
    store.articles.add_article(news("Stadtrat beschließt den Radweg", "Radweg", feed.id), NOW)
    shared, own = sorted(a.id for a in store.articles.latest(5))
    assert plain(store, mine, f"/article {shared} {own}").endswith(
        f"Jeden für sich: /article {own}"
    )
    assert plain(store, other, f"/article {shared} {own}") == (
        f"Artikel {shared} hat nur eine Seite: /article {shared}"
    )
