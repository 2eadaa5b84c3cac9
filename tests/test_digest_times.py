"""Several digest times a day and weekdays only: each digest brings what is new since the last,
and a weekday subscription sends nothing on Saturday."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import partial

import pytest
from apscheduler.triggers.cron import CronTrigger
from hypothesis import given
from hypothesis import strategies as st

from bot.delivery import Delivery
from bot.records import NewArticle, Subscription
from bot.render import times_text, when_text
from bot.schedule import DigestScheduler, due_digests, fire_times, next_digest_at
from bot.store import Store
from bot.typed_times import parse_days, parse_spoken
from tests.conftest import wait_until
from tests.fakes.bot_api import FakeBotAPI
from tests.i18n import foreign_words
from tests.test_schedule import Recorder
from tests.test_telegram import ask, serving

TWICE = Subscription("telegram:777", "07:00", "Europe/Berlin", more_times=("18:00",))
WEEKDAYS = Subscription("telegram:777", "07:00", "Europe/Berlin", days="mon-fri")
# Saturday 6 December 2025, 12:00 Berlin.
SATURDAY = datetime(2025, 12, 6, 11, 0, tzinfo=UTC)


def never(key: object) -> bool:
    return False


def test_two_times_fire_twice_a_day_with_their_own_keys() -> None:
    day = datetime(2025, 12, 3, 0, 0, tzinfo=UTC)
    fires = fire_times(TWICE, day, day + timedelta(days=1))
    assert [f.astimezone(UTC).hour for f in fires] == [6, 17]
    fresh = Subscription(TWICE.chat, "07:00", "Europe/Berlin", day, ("18:00",))
    dues = due_digests(fresh, day + timedelta(hours=17, minutes=1), never)
    assert [(d.action, d.key) for d in dues] == [
        ("missed", date(2025, 12, 3)),
        ("send", "2025-12-03T18:00"),
    ]


def test_a_weekday_subscription_sends_nothing_on_saturday() -> None:
    created = SATURDAY - timedelta(days=10)
    sub = Subscription(WEEKDAYS.chat, "07:00", "Europe/Berlin", created, days="mon-fri")
    assert due_digests(sub, SATURDAY, lambda k: k != date(2025, 12, 6)) == []
    assert next_digest_at(sub, SATURDAY) == datetime(2025, 12, 8, 6, 0, tzinfo=UTC)  # Monday
    assert all(f.weekday() < 5 for f in fire_times(sub, created, SATURDAY))


@pytest.mark.parametrize(
    ("said", "clock"),
    [
        ("halb acht", "07:30"),
        ("7 uhr morgens", "07:00"),
        ("7 uhr abends", "19:00"),
        ("viertel nach sieben", "07:15"),
        ("viertel vor 8", "07:45"),
        ("halb elf nachts", "22:30"),
        ("halb", None),
        ("halb 7:30", None),
    ],
)
def test_times_said_in_words(said: str, clock: str | None) -> None:
    assert parse_spoken(said) == clock


STEPS = {
    "de": [
        ("/subscribe 07:00 18:00", "jeden Tag um 07:00 und 18:00 Uhr"),
        ("/subscribe wochentags", "montags bis freitags um 07:00 und 18:00 Uhr"),
        ("/subscribe halb acht", "montags bis freitags um 07:30 Uhr"),
        ("/subscribe halb zwanzig", "„halb zwanzig“ ist keine Uhrzeit"),
        ("/subscribe 7 uhr morgens täglich", "jeden Tag um 07:00 Uhr"),
        ("/subscribe 07:00 18:00", "jeden Tag um 07:00 und 18:00 Uhr"),
    ],
    "en": [
        ("/subscribe 07:00 18:00 weekdays", "Monday to Friday at 07:00 and 18:00"),
        ("/subscribe daily", "every day at 07:00 and 18:00"),
        ("/subscribe 1 2 3 4 5", "At most 4 times a day"),
    ],
}


@pytest.mark.integration
@pytest.mark.parametrize("language", ["de", "en"])
async def test_two_digests_a_day_each_bring_only_what_is_new_since_the_last(
    bot_api: FakeBotAPI, store: Store, language: str
) -> None:
    morning = datetime(2025, 12, 3, 6, 0, tzinfo=UTC)  # 07:00 Berlin, a Wednesday
    evening = datetime(2025, 12, 3, 17, 0, tzinfo=UTC)
    subscribed = morning - timedelta(hours=10)
    store.articles.add_article(
        NewArticle(
            "Grönland verhandelt über Zölle", "dpa", "Grönland und Zölle. " * 20,
            ("Grönland verhandelt.",), subscribed,
        ),
        subscribed,
    )  # fmt: skip
    async with serving(bot_api, store, subscribed) as served:
        for text, expected in STEPS[language]:
            answer = await ask(bot_api, text, language_code=language)
            assert expected in answer.visible, (text, answer.visible)
            assert not foreign_words(answer.visible, language), answer.visible
        [sub] = await store.run(store.chats.subscriptions)
        assert sub.times == ("07:00", "18:00")

        async def digest_at(at: datetime) -> str:
            before = len(bot_api.screen(777))
            await DigestScheduler(store, served.delivery, clock=lambda: at).run_due([sub])
            await served.delivery.join()
            shown = "\n".join(m.visible for m in bot_api.screen(777)[before:])
            # A sent digest is logged once its send has ended; the next window starts there.
            if shown:
                await wait_until(
                    lambda: store.run(lambda: store.deliveries.last_digest_at("telegram:777") == at)
                )
            return shown

        first = await digest_at(morning)
        noon = morning + timedelta(hours=5)
        strike = NewArticle(
            "Bahnstreik legt den Verkehr lahm", "dpa", "Streik bei der Bahn. " * 20,
            ("Die Bahn steht.",), noon,
        )  # fmt: skip
        await store.run(partial(store.articles.add_article, strike, noon))
        second = await digest_at(evening)
        again = await digest_at(evening + timedelta(minutes=1))
    assert "Grönland" in first
    assert "Bahnstreik" not in first
    assert "Bahnstreik" in second
    assert "Grönland" not in second  # only what is new since the morning's digest
    assert again == ""  # sent once


async def test_the_clock_keeps_each_next_time_of_day_and_skips_the_weekend(store: Store) -> None:
    chat = "console:anna"
    friday = datetime(2025, 12, 5, 6, 0, tzinfo=UTC)  # 07:00 Berlin
    created = friday - timedelta(days=1)
    store.chats.subscribe(
        Subscription(chat, "07:00", "Europe/Berlin", created, ("18:00",), "mon-fri"), created
    )
    recorder = Recorder()
    queue = Delivery({"console": recorder})
    await queue.start()

    async def minute(at: datetime) -> None:
        # The tick at `at`, and the next one once the queued digest has ended.
        for now in (at, at + timedelta(minutes=1)):
            await DigestScheduler(store, queue, clock=lambda t=now: t).tick()
            await queue.join()

    await minute(friday)
    assert len(recorder.sent) == 1
    assert store.chats.next_due_at(chat) == datetime(2025, 12, 5, 17, 0, tzinfo=UTC)
    await minute(datetime(2025, 12, 5, 17, 0, tzinfo=UTC))
    assert len(recorder.sent) == 2
    assert store.deliveries.delivery_status(chat, "2025-12-05T18:00") == "sent"
    assert store.chats.next_due_at(chat) == datetime(2025, 12, 8, 6, 0, tzinfo=UTC)  # Monday
    await minute(SATURDAY)
    assert len(recorder.sent) == 2
    await queue.stop()


DAY_TOKENS = [
    "Mo", "di", "Mi.", "DO", "fr", "Sa", "so", "Montag", "sonntags", "mon", "Fri", "sundays",
    "-", "bis", "to", "am", "on", "Mo-Fr", "Fr–Mo", "sa,so", "werktags", "weekend", "täglich",
    "7:30", "Wien", "jetzt", "x-y", ",", "Mo-", "-Fr", "Mo-Di-Mi",
]  # fmt: skip


@given(st.lists(st.sampled_from(DAY_TOKENS), max_size=8))
def test_any_days_typed_give_a_trigger_and_a_text(words: list[str]) -> None:
    days, rest, unclear = parse_days(words)
    assert len(rest) <= len(words)
    assert unclear == "" or set(unclear.split()) <= set(words)
    if days:
        CronTrigger(hour=7, day_of_week=days, timezone="Europe/Berlin")  # accepted
    for language in ("de", "en"):
        assert when_text(language, ("07:30",), days or "")
        assert times_text(language, ("07:30", "18:00"), days or "")
