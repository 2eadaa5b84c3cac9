"""Telegram groups, channels and forum topics against the fake Bot API: who may change a
group's digest, a channel's digest and its end, one digest per topic in its own thread."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

import pytest
from telegram.error import BadRequest

from bot.config import Config
from bot.errors import ChatGone, Rejected, SendError
from bot.records import NewArticle, Reply
from bot.schedule import DigestScheduler, next_digest_at
from bot.store import Store
from bot.transports.port import Limits
from bot.transports.telegram import address, chat_key, classify, command_names
from tests.chat_changes import BOT_NAME, GERMAN_NAMES, message, prepare, spellings, state
from tests.conftest import Running, running, wait_until
from tests.fakes.bot_api import FakeBotAPI, Sent
from tests.test_telegram import ADMIN, add_articles, ask, make_transport, serving

pytestmark = pytest.mark.integration

GROUP = -100500
FORUM, TOPIC = -100600, 11
CHANNEL = -100900
OWNER, MODERATOR, MEMBER = 1, 2, 555
OPERATOR = int(ADMIN.removeprefix("telegram:"))


async def send_due_digests(served: Running, store: Store, now: datetime) -> None:
    """Run the bot's digest scheduler at each subscription's next digest time after `now`."""
    for sub in store.chats.subscriptions():
        at = next_digest_at(sub, now)
        scheduler = DigestScheduler(store, served.delivery, clock=lambda at=at: at)
        await scheduler.run_due([sub])
    await served.delivery.join()


async def in_group(bot_api: FakeBotAPI, text: str, user: int, **kwargs: object) -> Sent:
    """`user` writes `text` in the group; the bot's answer as the group shows it."""
    return await ask(bot_api, text, GROUP, user_id=user, chat_type="supergroup", **kwargs)  # type: ignore[arg-type]


async def test_a_member_cannot_change_the_groups_digest_and_is_told_who_can(
    bot_api: FakeBotAPI, seeded_store: Store, now: datetime
) -> None:
    bot_api.add_group(GROUP, admins=[OWNER, MODERATOR])
    chat = f"telegram:{GROUP}"
    async with serving(bot_api, seeded_store, now):
        refused = await in_group(bot_api, "/subscribe 07:30", MEMBER)
        assert await seeded_store.run(partial(seeded_store.chats.subscription, chat)) is None
        subscribed = await in_group(bot_api, "/subscribe 07:30", MODERATOR)
        ended = await in_group(bot_api, "/unsubscribe", MEMBER)
        moved = await in_group(bot_api, "/settings zeit 09:00", MEMBER)
        reading = await in_group(bot_api, "/search venezuela", MEMBER)
        sub = await seeded_store.run(partial(seeded_store.chats.subscription, chat))
        by_operator = await in_group(bot_api, "/settings meldungen 3", OPERATOR)
        by_owner = await in_group(bot_api, "/unsubscribe", OWNER)
    assert refused.visible == (
        "Entschuldige, /subscribe dürfen hier nur die Administratoren dieser Gruppe "
        "(und die Betreiber des Bots) verwenden. Lesen (/digest, /search, /article) darf jeder."
    )
    assert subscribed.visible.startswith("Abonniert: jeden Tag um 07:30 Uhr")
    assert ended.visible.startswith("Entschuldige, /unsubscribe dürfen hier nur")
    assert moved.visible.startswith("Entschuldige, /settings dürfen hier nur")
    assert sub is not None
    assert sub.time == "07:30"  # neither ended nor moved by the member
    assert reading.visible.startswith("2 Treffer")
    assert "Meldungen" in by_operator.visible
    assert seeded_store.chats.settings(chat).stories == 3
    assert by_owner.visible.startswith("Abbestellt")
    assert seeded_store.chats.subscription(chat) is None
    # Asked once and cached; the reading command asked nothing.
    assert bot_api.count("getChatAdministrators") == 1


# Every changing command in every spelling Telegram carries as a command (`/abo`, `/abo@bot`).
TELEGRAM_SPELLINGS = [
    (key, spelling)
    for key, spelling in spellings(("/",), bot_suffix=True)
    if spelling.removeprefix("/").partition("@")[0] in command_names()
]


def test_the_telegram_permission_tests_cover_the_german_names() -> None:
    tested = {spelling for _, spelling in TELEGRAM_SPELLINGS}
    for name in GERMAN_NAMES:
        assert {f"/{name}", f"/{name}@{BOT_NAME}"} <= tested, name


@pytest.mark.parametrize(("key", "spelling"), TELEGRAM_SPELLINGS)
async def test_every_changing_command_in_every_spelling_is_for_administrators_only(
    bot_api: FakeBotAPI, store: Store, now: datetime, key: str, spelling: str
) -> None:
    bot_api.add_group(GROUP, admins=[OWNER])
    bot_api.add_group(FORUM, admins=[OWNER], forum=True)
    text = message(key, spelling)
    transport = make_transport(bot_api, store)
    # What is tested is who may, not Telegram's pacing of one chat.
    transport.limits = Limits(per_second=1000.0, chat_gap=0.0)
    async with running(transport, store, now, Config(admins=(ADMIN,))):
        for chat_id, thread in ((GROUP, None), (FORUM, TOPIC)):
            chat = chat_key(chat_id, thread)
            await store.run(partial(prepare, store, chat, now))
            before = await store.run(partial(state, store, chat))
            kind = {"user_id": MEMBER, "chat_type": "supergroup", "thread": thread}
            refused = await ask(bot_api, text, chat_id, **kind)  # type: ignore[arg-type]
            assert refused.visible.startswith("Entschuldige, /"), (chat, refused.visible)
            assert await store.run(partial(state, store, chat)) == before, chat
            done = await ask(bot_api, text, chat_id, **{**kind, "user_id": OWNER})  # type: ignore[arg-type]
            assert not done.visible.startswith("Entschuldige"), (chat, done.visible)
            assert await store.run(partial(state, store, chat)) != before, chat


async def test_a_channel_reader_cannot_change_the_channel_by_a_forged_button(
    bot_api: FakeBotAPI, store: Store, now: datetime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    chat = chat_key(CHANNEL)
    bot_api.add_channel(CHANNEL)
    add_articles(store, now, 12)
    async with serving(bot_api, store, now):
        bot_api.push_channel_post("/subscribe 07:00", CHANNEL)
        await wait_until(lambda: len(bot_api.screen(CHANNEL)) == 1)
        bot_api.push_channel_post("/search grönland", CHANNEL)
        await wait_until(lambda: len(bot_api.screen(CHANNEL)) == 2)
        results = bot_api.screen(CHANNEL)[-1]
        before = await store.run(partial(state, store, chat))
        forged = ["/unsubscribe", "/abbestellen", "/settings meldungen 3", "/alert kreml", "/x"]
        for data in forged:
            bot_api.push_callback(results, data, user_id=MEMBER)
        await wait_until(lambda: len(bot_api.answered) == len(forged))
        assert await store.run(partial(state, store, chat)) == before
        assert await store.run(partial(store.chats.subscription, chat)) is not None
        assert len(bot_api.screen(CHANNEL)) == 2  # nothing answered, nothing edited
        assert results.edits == 0
        # The bot's own button still pages, for any reader.
        bot_api.push_button(results, "weiter ▶", user_id=MEMBER)
        await wait_until(lambda: results.edits == 1 and len(bot_api.answered) == len(forged) + 1)
    assert "(Seite 2 von 3)" in results.visible
    refusals = [
        r.getMessage() for r in caplog.records if "telegram_button_refused" in r.getMessage()
    ]
    assert len(refusals) == len(forged)
    assert f"chat={chat} user={MEMBER} data='/unsubscribe'" in refusals[0]


async def test_a_channel_subscribes_by_a_post_gets_its_digest_and_ends_when_the_bot_is_removed(
    bot_api: FakeBotAPI, store: Store, now: datetime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    channel = -100900
    chat = f"telegram:{channel}"
    bot_api.add_channel(channel)
    add_articles(store, now, 2)
    async with serving(bot_api, store, now) as served:
        bot_api.push_channel_post("/subscribe 07:00", channel)
        await wait_until(lambda: bot_api.screen(channel))
        assert bot_api.screen(channel)[0].visible.startswith("Abonniert: jeden Tag um 07:00 Uhr")
        await send_due_digests(served, store, now)
        digest = bot_api.screen(channel)[-1]
        assert digest.visible.startswith("Neu seit")
        assert "Grönland: Meldung 0" in digest.visible

        bot_api.push_removed(channel)
        await wait_until(lambda: store.run(lambda: store.chats.subscription(chat) is None))
        assert await served.send(chat, Reply.text("Überblick")) == "gone"
    assert f"event=subscriptions_ended chat={chat} reason=bot kicked had_any=True" in caplog.text
    assert bot_api.count("getChatAdministrators") == 0  # a post in a channel is proof enough


async def test_a_channel_post_is_answered_in_the_channel_not_in_its_discussion_group(
    bot_api: FakeBotAPI, store: Store, now: datetime
) -> None:
    # Telegram copies every post of a channel into its linked discussion group; the bot, a
    # member of both, answers the post in the channel only (the copy is no member's message).
    bot_api.add_channel(CHANNEL)
    bot_api.add_group(GROUP, admins=[OWNER])
    add_articles(store, now, 2)
    async with serving(bot_api, store, now):
        bot_api.push_channel_post("/subscribe 07:00", CHANNEL, discussion=GROUP)
        bot_api.push_channel_post("/search grönland", CHANNEL, discussion=GROUP)
        await wait_until(lambda: len(bot_api.screen(CHANNEL)) == 2)
        # A member's own command after the copies: the group's messages are handled in order.
        welcome = await in_group(bot_api, "/start", MEMBER)
    assert bot_api.screen(CHANNEL)[0].visible.startswith("Abonniert: jeden Tag um 07:00 Uhr")
    assert [m.visible for m in bot_api.screen(GROUP)] == [welcome.visible]
    assert welcome.visible.startswith("Willkommen")
    assert store.chats.subscription(chat_key(GROUP)) is None
    assert bot_api.count("getChatAdministrators") == 0


async def test_two_topics_of_one_forum_each_get_their_own_digest_in_their_own_thread(
    bot_api: FakeBotAPI, store: Store, now: datetime, caplog: pytest.LogCaptureFixture
) -> None:
    bot_api.add_group(GROUP, admins=[MEMBER], forum=True)
    stories = {
        "Grönland": "Dänemark verhandelt mit Washington über Zölle und Rohstoffe der Insel.",
        "Tennis": "Die Weltranglistenerste gewinnt das Finale in Turin nach drei Sätzen.",
    }
    for i, (word, text) in enumerate(stories.items()):
        article = NewArticle(
            title=f"{word}: {text[:30]}",
            source="dpa",
            body=f"{word}. {text} " * 3,
            summary=(text,),
            published=now - timedelta(hours=i + 1),
            url=f"https://example.org/{i}",
        )
        store.articles.add_article(article, now)
    politics, sport = 11, 22
    async with serving(bot_api, store, now) as served:
        first = await in_group(bot_api, "/subscribe 07:00", MEMBER, thread=politics)
        second = await in_group(bot_api, "/subscribe 08:00 Europe/Vienna", MEMBER, thread=sport)
        await in_group(bot_api, "/settings themen grönland", MEMBER, thread=politics)
        await in_group(bot_api, "/settings themen turin", MEMBER, thread=sport)
        assert (first.thread, second.thread) == (politics, sport)
        await send_due_digests(served, store, now)

        bot_api.closed_topics.add((GROUP, sport))
        caplog.set_level("INFO")
        outcome = await served.send(f"telegram:{GROUP}/{sport}", Reply.text("Nachtrag"))
    subs = {s.chat: s.time for s in store.chats.subscriptions()}
    assert subs == {f"telegram:{GROUP}/{politics}": "07:00", f"telegram:{GROUP}/{sport}": "08:00"}
    assert store.chats.subscription(f"telegram:{GROUP}") is None
    for thread in (politics, sport):
        shown = [m.visible for m in bot_api.topic(GROUP, thread)]
        assert shown[0].startswith("Abonniert")
        assert sum(text.startswith("Neu seit") for text in shown) == 1, shown
    sport_digest = next(m for m in bot_api.topic(GROUP, sport) if m.visible.startswith("Neu"))
    politics_digest = next(m for m in bot_api.topic(GROUP, politics) if m.visible.startswith("Neu"))
    assert "Turin" in sport_digest.visible
    assert "Grönland" not in sport_digest.visible
    assert "Washington" in politics_digest.visible
    assert "Tennis" not in politics_digest.visible
    assert all(m.thread is not None for m in bot_api.screen(GROUP))
    # A closed topic: that message fails, logged as such; the subscription stays for reopening.
    assert outcome.startswith("failed")
    assert f"event=telegram_topic_closed chat=telegram:{GROUP}/{sport}" in caplog.text
    assert store.chats.subscription(f"telegram:{GROUP}/{sport}") is not None


async def test_removing_the_bot_from_a_forum_ends_every_topics_digest(
    bot_api: FakeBotAPI, store: Store, now: datetime
) -> None:
    bot_api.add_group(GROUP, admins=[MEMBER], forum=True)
    async with serving(bot_api, store, now):
        await in_group(bot_api, "/subscribe 07:00", MEMBER, thread=11)
        await in_group(bot_api, "/alert grönland", MEMBER, thread=22)
        bot_api.push_removed(GROUP)
        await wait_until(lambda: store.run(lambda: not store.chats.subscriptions()))
    assert store.chats.alerts(f"telegram:{GROUP}/22") == []


async def test_a_reply_thread_in_a_group_without_topics_is_the_group_itself(
    bot_api: FakeBotAPI, store: Store, now: datetime
) -> None:
    bot_api.add_group(GROUP, admins=[MEMBER])
    async with serving(bot_api, store, now):
        bot_api.push_text("/subscribe 07:00", GROUP, MEMBER, chat_type="supergroup")
        await wait_until(lambda: bot_api.screen(GROUP))
    assert store.chats.subscription(f"telegram:{GROUP}") is not None


@pytest.mark.parametrize(
    ("description", "verdict"),
    [
        ("Bad Request: TOPIC_CLOSED", Rejected),
        ("Bad Request: message thread not found", ChatGone),
        ("Bad Request: need administrator rights in the channel chat", ChatGone),
        ("Bad Request: not enough rights to send text messages to the chat", ChatGone),
        ("Bad Request: message text is empty", Rejected),
    ],
)
def test_what_a_bot_api_refusal_means_in_groups_channels_and_topics(
    description: str, verdict: type[SendError]
) -> None:
    assert type(classify(BadRequest(description))) is verdict


@pytest.mark.parametrize(
    ("chat", "where"),
    [("telegram:-100123/45", (-100123, 45)), ("telegram:-100123", (-100123, None))],
)
def test_a_topic_is_a_chat_key_of_its_own(chat: str, where: tuple[int, int | None]) -> None:
    assert address(chat) == where
    assert chat_key(*where) == chat
