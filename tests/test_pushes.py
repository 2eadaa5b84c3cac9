"""The push outbox after a poller died between storing articles and planning their pushes: what
it left is planned by the sender, breaking stories included, and what is too old is given up."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.pushes import PLAN_BATCH
from bot.store import Store
from tests.conftest import wait_until
from tests.test_breaking import CHAT, NIGHT, QUAKE, Bot, add, say
from tests.test_schedule import Refusing


async def test_a_breaking_story_a_dead_poller_left_unplanned_goes_out_after_the_restart(
    store: Store,
) -> None:
    say(store, "/settings eilmeldungen an", NIGHT - timedelta(days=1))
    # A poll stored four outlets' first reports, noted as unplanned, and died before planning.
    # No chat has an alert on them: only the breaking story is due.
    store.pushes.mark_unplanned(add(store, QUAKE[:4], NIGHT), NIGHT)
    bot = Bot(store)
    restart = NIGHT + timedelta(minutes=5)
    await bot.outbox.recover(restart)
    await bot.tick(restart)
    [message] = bot.sent()
    assert message.startswith("Eilmeldung: ")
    assert "Lissabon" in message.splitlines()[0]
    await bot.queue.stop()


async def test_alerts_a_dead_poller_left_past_the_grace_are_all_given_up(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    store.chats.add_alert(CHAT, ("bahn",), NIGHT - timedelta(days=1))
    # More articles than one planning round takes, each on the railway, from its own outlet.
    items = [
        (f"Outlet{i}", f"Bahn streicht Linie {i}", f"Die Bahn streicht die Linie {i} bis {i + 7}.")
        for i in range(PLAN_BATCH + 1)
    ]
    store.pushes.mark_unplanned(add(store, items, NIGHT), NIGHT)
    bot = Bot(store)
    # The sender comes back three hours later: every one of them is older than the grace.
    await bot.tick(NIGHT + timedelta(hours=3))
    assert bot.sent() == []
    assert store.pushes.unplanned(NIGHT + timedelta(days=1), PLAN_BATCH) == []
    assert f"event=alerts_not_planned count={PLAN_BATCH + 1} reason=too_old" in caplog.text
    await bot.queue.stop()


async def test_an_alert_the_platform_refused_before_a_restart_goes_out_after_it(
    store: Store,
) -> None:
    store.chats.add_alert(CHAT, ("lissabon",), NIGHT - timedelta(days=1))
    refusing = Refusing(1)
    first = Bot(store, refusing)
    first.at = NIGHT
    await first.queue.start()
    await first.outbox.plan_alerts(add(store, QUAKE[:1], NIGHT), NIGHT)
    await first.outbox.send_due(NIGHT)
    # Claimed and refused (retry in two minutes) when the process is stopped for an update.
    await wait_until(lambda: refusing.refused == 1)
    await asyncio.sleep(0.05)
    await first.queue.stop()
    assert first.sent() == []
    second = Bot(store)
    restart = NIGHT + timedelta(minutes=1)
    await second.outbox.recover(restart)
    await second.tick(restart)
    [alert] = second.sent()
    assert "Lissabon" in alert
    await second.tick(restart + timedelta(minutes=1))
    assert len(second.sent()) == 1
    await second.queue.stop()
