"""The digest archive: what a chat was sent, shown again exactly, for a while."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.commands import Context, handle
from bot.delivery import Delivery
from bot.records import NewArticle, Subscription
from bot.render import to_plain
from bot.schedule import DigestScheduler
from bot.store import Storage, Store
from tests.conftest import running, wait_until
from tests.fakes.bot_api import FakeBotAPI
from tests.test_cli import newsbot
from tests.test_schedule import CHAT, Recorder, run_scheduler, seeded
from tests.test_telegram import make_transport


@pytest.fixture
def store(any_store: Storage) -> Storage:
    """This module's tests run on SQLite and on PostgreSQL."""
    return any_store


# 06:00 UTC is the subscription's 07:00 in Berlin.
SENT_AT = datetime(2025, 11, 10, 6, 0, 1, tzinfo=UTC)


def ask(store: Store, text: str, at: datetime = SENT_AT) -> str:
    reply = handle(text, Context(CHAT, at), store)
    assert reply is not None
    return to_plain(reply)


async def sent_digest(store: Store) -> str:
    """The scheduler sends the chat its 07:00 digest; the text the chat got."""
    seeded(store)
    recorder = Recorder()
    await run_scheduler(store, recorder, SENT_AT)
    [(chat, text)] = recorder.sent
    assert chat == CHAT
    return text


async def test_archive_shows_the_digest_of_a_day_exactly_as_sent(store: Store) -> None:
    text = await sent_digest(store)
    later = SENT_AT + timedelta(days=2)
    assert ask(store, "/archiv 2025-11-10", later) == text
    assert ask(store, "/archiv 10.11.2025", later) == text
    assert ask(store, "/archive 10.11.", later) == text
    assert ask(store, "/archiv 10.11", later) == text  # without the last dot
    assert ask(store, "/archiv 10.11.25", later) == text  # a two-digit year
    assert ask(store, "/archiv", later) == text  # no date: the latest
    assert ask(store, "/archiv gestern", SENT_AT + timedelta(days=1)) == text


async def test_two_digest_times_keep_both_digests_of_the_day(store: Store) -> None:
    """With 07:00 and 18:00 the evening digest no longer replaces the morning one: `/archiv
    DATUM` pages across both, each headed by which it is, and `/archiv` alone is the latest."""
    chat = "console:anna"
    morning = datetime(2025, 12, 3, 6, 0, tzinfo=UTC)  # 07:00 Berlin
    evening = datetime(2025, 12, 3, 17, 0, tzinfo=UTC)
    subscribed = morning - timedelta(hours=10)
    twice = Subscription(chat, "07:00", "Europe/Berlin", subscribed, ("18:00",))
    store.chats.subscribe(twice, subscribed)
    news = [
        (subscribed, "Grönland verhandelt über Zölle", "Grönland und Zölle. "),
        (morning + timedelta(hours=4), "Bahnstreik legt den Verkehr lahm", "Streik. "),
    ]
    recorder = Recorder()
    queue = Delivery({"console": recorder})
    await queue.start()
    for (at, title, body), send_at in zip(news, (morning, evening), strict=True):
        store.articles.add_article(NewArticle(title, "dpa", body * 20, (title,), at), at)
        for now in (send_at, send_at + timedelta(minutes=1)):
            await DigestScheduler(store, queue, clock=lambda t=now: t).tick()
            await queue.join()
    await queue.stop()
    assert len(recorder.sent) == 2
    later = evening + timedelta(hours=3)

    def archived(text: str) -> str:
        reply = handle(text, Context(chat, later), store)
        assert reply is not None
        return to_plain(reply)

    first, second = archived("/archiv 3.12.2025"), archived("/archiv 3.12.2025 2")
    assert "Überblick 1 von 2 an diesem Tag, gesendet um 07:00 Uhr" in first
    assert "Grönland" in first
    assert "Bahnstreik" not in first
    assert "weiter mit /archiv 03.12.2025 2" in first
    assert "Überblick 2 von 2 an diesem Tag, gesendet um 18:00 Uhr" in second
    assert "Bahnstreik" in second
    assert "Seite 2 von 2" in second
    assert "Bahnstreik" in archived("/archiv")  # no date: the latest alone
    assert "Grönland" not in archived("/archiv")
    assert "hat 2 Seiten" in archived("/archiv 3.12.2025 3")
    archived("/settings language en")
    english = archived("/archive 2025-12-03 2")
    assert "Digest 2 of 2 that day, sent at 18:00" in english
    assert "Page 2 of 2" in english


async def test_a_day_without_a_digest_gets_a_clear_answer(store: Store) -> None:
    await sent_digest(store)
    assert ask(store, "/archiv 9.11.2025") == (
        "Am 09.11.2025 habe ich dir keinen Überblick geschickt. "
        "/archiv ohne Datum zeigt den letzten."
    )
    store.chats.update_settings(CHAT, SENT_AT, language="en")
    assert ask(store, "/archive 2025-11-09") == (
        "I sent you no digest on 2025-11-09. /archive with no date shows the latest."
    )
    assert ask(store, "/archive soon").startswith("“soon” is not a date.")
    assert ask(store, "/archive 31.2.2025").startswith("“31.2.2025” is not a date.")


def test_a_chat_never_sent_a_digest_is_told_how_to_get_one(store: Store) -> None:
    assert ask(store, "/archiv").startswith("Ich habe dir noch keinen täglichen Überblick")


async def test_the_archive_forgets_digests_after_the_configured_days(store: Store) -> None:
    await sent_digest(store)
    for days, kept in ((89, True), (91, False)):
        at = SENT_AT + timedelta(days=days)
        scheduler = DigestScheduler(
            store, Delivery({}), clock=lambda at=at: at, archive=timedelta(days=90)
        )
        await scheduler.prune_archive()
        assert (store.archive.archived_digest(CHAT, date(2025, 11, 10)) is not None) is kept


@pytest.mark.integration
async def test_the_cli_prints_the_sent_digest(db_path: Path) -> None:
    store = Store.open(db_path)
    text = await sent_digest(store)
    store.close()
    shown = newsbot("digest", "--chat", CHAT, "--date", "2025-11-10", "--sent", db=db_path)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == text + "\n"
    none = newsbot("digest", "--chat", CHAT, "--date", "2025-11-09", "--sent", db=db_path)
    assert none.returncode == 1
    assert (
        none.stderr
        == "newsbot digest: an console:alice wurde am 2025-11-09 kein Überblick geschickt\n"
    )
    english = newsbot(
        "digest", "--chat", CHAT, "--date", "2025-11-09", "--sent", db=db_path,
        env={"NEWSBOT_LANGUAGE": "en"},
    )  # fmt: skip
    assert "no digest was sent to console:alice on 2025-11-09" in english.stderr
    usage = newsbot("digest", "--chat", CHAT, "--sent", db=db_path)
    assert usage.returncode == 2


def test_a_digest_sent_as_eight_messages_is_read_whole_page_by_page(store: Store) -> None:
    from bot.delivery import REPLY_BUDGET
    from bot.records import Reply, Span
    from bot.render import TELEGRAM_LIMIT, split_reply

    day = SENT_AT.date()
    entries = [
        (Span(f"Meldung {n}: " + "Der Stadtrat berät über den Haushalt und die Schulen. " * 12),)
        for n in range(45)
    ]
    sent = Reply(((Span("Neu seit gestern", bold=True),), *entries))
    assert len(split_reply(sent, TELEGRAM_LIMIT)) == 8  # as the chat got it
    store.archive.archive_digest(CHAT, day, sent, SENT_AT)
    read: list[tuple[Span, ...]] = []
    page = 1
    while True:
        reply = handle(f"/archiv {day.isoformat()} {page}", Context(CHAT, SENT_AT), store)
        assert reply is not None
        assert reply.ok
        assert len(split_reply(reply, TELEGRAM_LIMIT)) <= REPLY_BUDGET  # never cut on the way
        *body, (footer,) = reply.paragraphs
        read += body
        if not reply.buttons:
            assert footer.text == f"Seite {page} von {page}"
            break
        # Telegram shows a button; its command is a reading command a reader could type, the
        # day as the footer writes it.
        assert [b.command for b in reply.buttons] == [f"/archive {day:%d.%m.%Y} {page + 1}"]
        assert f"/archiv {day:%d.%m.%Y} {page + 1}" in footer.text
        page += 1
    assert page > 1
    assert tuple(read) == sent.paragraphs  # every paragraph, in order, once
    past = handle(
        f"/archive {day.isoformat()} {page + 1}", Context(CHAT, SENT_AT, language="en"), store
    )
    assert past is not None
    assert not past.ok
    assert f"has {page} pages" in to_plain(past)


@pytest.mark.integration
async def test_a_digest_asked_for_at_subscribing_is_in_the_archive(
    bot_api: FakeBotAPI, seeded_store: Store, now: datetime
) -> None:
    async with running(make_transport(bot_api, seeded_store), seeded_store, now):
        bot_api.push_text("/subscribe 07:00 jetzt")
        await wait_until(lambda: bot_api.screen(777))
        [digest] = bot_api.screen(777)
        assert "Russland erwägt Venezuelas Bitte" in digest.visible
        # Recorded once sent: the archive has it as sent, and the next digest starts there.
        # (Archived first, then the window moves: wait for both.)
        await wait_until(
            lambda: seeded_store.run(
                lambda: (
                    seeded_store.archive.archived_digest("telegram:777") is not None
                    and seeded_store.deliveries.last_digest_at("telegram:777") == now
                )
            )
        )
        bot_api.push_text("/archiv")
        await wait_until(lambda: len(bot_api.screen(777)) == 2)
    archived = bot_api.screen(777)[1].visible
    assert "Russland erwägt Venezuelas Bitte" in archived
    assert archived == digest.visible


@pytest.mark.integration
async def test_the_archive_button_on_telegram_shows_the_next_page(
    bot_api: FakeBotAPI, store: Store
) -> None:
    """The „weiter“ button under an archived digest's page is a reading command the bot offered,
    so Telegram's callback is carried out (other callback data is refused)."""
    from bot.records import Reply, Span

    day = SENT_AT.date()
    entries = [
        (Span(f"Meldung {n}: " + "Der Stadtrat berät über den Haushalt und die Schulen. " * 12),)
        for n in range(45)
    ]
    sent = Reply(((Span("Neu seit gestern", bold=True),), *entries))
    store.archive.archive_digest("telegram:777", day, sent, SENT_AT)
    async with running(make_transport(bot_api, store), store, SENT_AT):
        bot_api.push_text(f"/archiv {day.isoformat()}")
        await wait_until(lambda: any(m.buttons for m in bot_api.screen(777)))
        [with_button] = [m for m in bot_api.screen(777) if m.buttons]
        assert "Seite 1 von" in with_button.visible
        [(label, data)] = with_button.buttons
        assert data == f"/archive {day:%d.%m.%Y} 2"
        bot_api.push_button(with_button, label)
        await wait_until(lambda: any("Seite 2 von" in m.visible for m in bot_api.screen(777)))
        await wait_until(lambda: len(bot_api.answered) == 1)


def test_the_latest_of_two_digests_a_day_pages_on_through_itself(store: Store) -> None:
    """`/archiv` alone shows the day's second (and latest) digest: its „weiter“ button and the
    command in its footer lead to that digest's next page, not back to its first one, and
    following them reads it whole, each paragraph once."""
    from bot.records import Reply, Span

    day = date(2025, 12, 3)
    morning = Reply(((Span("Neu seit gestern", bold=True),), (Span("Grönland verhandelt."),)))
    store.archive.archive_digest(CHAT, day, morning, datetime(2025, 12, 3, 6, tzinfo=UTC))
    entries = tuple(
        (Span(f"Meldung {n}: " + "Der Stadtrat berät über den Haushalt und die Schulen. " * 12),)
        for n in range(45)
    )
    evening = Reply(((Span("Neu seit 07:00", bold=True),), *entries))
    store.archive.archive_digest(CHAT, day, evening, datetime(2025, 12, 3, 17, tzinfo=UTC))
    later = datetime(2025, 12, 3, 20, tzinfo=UTC)
    command = "/archiv"
    read: list[tuple[Span, ...]] = []
    while command:
        reply = handle(command, Context(CHAT, later), store)
        assert reply is not None
        assert reply.ok
        *body, (footer,) = reply.paragraphs
        read += [p for p in body if "an diesem Tag, gesendet um" not in p[0].text]
        command = reply.buttons[0].command if reply.buttons else ""
        # The footer names the command the button sends, as a reader could type it.
        assert command.replace("/archive", "/archiv") in footer.text
    assert tuple(read) == evening.paragraphs


async def test_a_wrong_page_after_a_right_date_is_named_as_the_page(store: Store) -> None:
    await sent_digest(store)
    for page in ("-1", "+2", "x"):
        assert ask(store, f"/archiv 10.11.2025 {page}") == (
            f"„{page}“ ist keine Seitenzahl: Seiten zählen ab 1. Beispiel: /archive 2025-11-10 2"
        )
    store.chats.update_settings(CHAT, SENT_AT, language="en")
    assert ask(store, "/archive yesterday -1", SENT_AT + timedelta(days=1)) == (
        "“-1” is not a page number: pages count from 1. Example: /archive 2025-11-10 2"
    )
    # A date that is no date is still named as the date.
    assert ask(store, "/archive 31.2.2025 2").startswith("“31.2.2025 2” is not a date.")
