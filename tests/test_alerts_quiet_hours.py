"""Quiet hours across the clock changes: they end the first moment the chat's wall clock reads
their end or later, and what waited for them goes out then, once.

In spring the end may not exist (`22:00-02:30` when 02:00 jumps to 03:00): the quiet ends at the
jump, 03:00. In autumn it may exist twice (03:00 goes back to 02:00): the quiet ends at the first
02:30 (fold=0), the first time the reader's clock shows it; the repeated hour after it is not
quiet again, so nothing is held twice. Europe/Berlin and Australia/Sydney (the other half of the
year), each on a normal night too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from bot.quiet import quiet_until
from bot.store import Store
from tests.test_breaking import RAIL, Bot, add, say

QUIET = "22:00-02:30"
HELD = "Während deiner Ruhezeit gekommen (1):"


@dataclass(frozen=True)
class Night:
    """A night of quiet hours `22:00-02:30` in `zone`: 23:00 local, and when the quiet ends."""

    zone: str
    evening: datetime
    end: datetime


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


NIGHTS = {
    # 23:00 CET; 02:30 CET.
    "berlin-normal": Night("Europe/Berlin", utc(2025, 11, 10, 22), utc(2025, 11, 11, 1, 30)),
    # 23:00 CEST; the first 02:30 (CEST), an hour before the second (CET).
    "berlin-autumn": Night("Europe/Berlin", utc(2025, 10, 25, 21), utc(2025, 10, 26, 0, 30)),
    # 23:00 CET; 02:00 CET jumps to 03:00 CEST at 01:00 UTC: 02:30 never comes.
    "berlin-spring": Night("Europe/Berlin", utc(2025, 3, 29, 22), utc(2025, 3, 30, 1)),
    # 23:00 AEST; 02:30 AEST.
    "sydney-normal": Night("Australia/Sydney", utc(2025, 6, 10, 13), utc(2025, 6, 10, 16, 30)),
    # 23:00 AEDT; the first 02:30 (AEDT), an hour before the second (AEST).
    "sydney-autumn": Night("Australia/Sydney", utc(2025, 4, 5, 12), utc(2025, 4, 5, 15, 30)),
    # 23:00 AEST; 02:00 AEST jumps to 03:00 AEDT at 16:00 UTC: 02:30 never comes.
    "sydney-spring": Night("Australia/Sydney", utc(2025, 10, 4, 13), utc(2025, 10, 4, 16)),
}


@pytest.mark.parametrize("name", list(NIGHTS))
def test_quiet_hours_end_when_the_wall_clock_first_reads_their_end(name: str) -> None:
    night = NIGHTS[name]
    for now in (night.evening, night.end - timedelta(hours=1), night.end - timedelta(minutes=1)):
        assert quiet_until(QUIET, night.zone, now) == night.end, now
    assert quiet_until(QUIET, night.zone, night.end) is None
    # Later that night, the repeated hour's second 02:00-02:30 included: no longer quiet.
    for minutes in (1, 30, 40, 60, 90):
        assert quiet_until(QUIET, night.zone, night.end + timedelta(minutes=minutes)) is None
    # The next evening's quiet time ends the next night, not earlier or later.
    next_end = quiet_until(QUIET, night.zone, night.evening + timedelta(days=1))
    assert next_end is not None
    assert timedelta(hours=22) < next_end - night.end < timedelta(hours=26)


def test_quiet_hours_that_start_inside_a_changing_hour_hold_until_their_end() -> None:
    berlin = "Europe/Berlin"
    # Spring: 02:30 never comes; from 03:00 CEST on it is quiet until 07:00 CEST.
    assert quiet_until("02:30-07:00", berlin, utc(2025, 3, 30, 0, 59)) is None
    assert quiet_until("02:30-07:00", berlin, utc(2025, 3, 30, 1, 10)) == utc(2025, 3, 30, 5)
    # Autumn: from the first 02:30 on, through the repeated hour, until 07:00 CET.
    assert quiet_until("02:30-07:00", berlin, utc(2025, 10, 26, 0, 20)) is None
    for now in (utc(2025, 10, 26, 0, 40), utc(2025, 10, 26, 1, 20), utc(2025, 10, 26, 1, 40)):
        assert quiet_until("02:30-07:00", berlin, now) == utc(2025, 10, 26, 6), now


@pytest.mark.parametrize("name", list(NIGHTS))
async def test_what_waited_for_the_quiet_time_goes_out_once_when_it_ends(
    store: Store, name: str
) -> None:
    night = NIGHTS[name]
    before = night.evening - timedelta(days=1)
    say(store, f"/settings zone {night.zone}", before)
    say(store, f"/settings ruhezeit {QUIET}", before)
    say(store, "/alert bahn", before)
    bot = Bot(store)
    try:
        await bot.poll(night.evening, add(store, RAIL[:1], night.evening))
        await bot.tick(night.end - timedelta(minutes=1))
        assert bot.sent() == []
        await bot.tick(night.end)
        [held] = bot.sent()
        assert held.startswith(HELD)
        assert "Hamburg" in held
        # Within the hour after (in autumn the repeated one), an alert comes at once, alone.
        later = night.end + timedelta(minutes=40)
        await bot.poll(later, add(store, RAIL[1:], later))
        assert len(bot.sent()) == 2
        assert "Mainz reist im Bus" in bot.sent()[1]
        assert not bot.sent()[1].startswith(HELD)
        # Nothing is held again, and nothing comes twice: the next night is quiet.
        for hours in (1, 2, 24):
            await bot.tick(night.end + timedelta(hours=hours))
        assert len(bot.sent()) == 2
    finally:
        await bot.queue.stop()
