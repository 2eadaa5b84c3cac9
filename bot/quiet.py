"""Quiet hours (pure): `22:00-07:00` in a chat's zone, when alerts and breaking stories wait.

A quiet time may run over midnight; `quiet_until` says when the one that holds `now` ends, so
what waited goes out then, as one message.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.records import Reply, Span
from bot.texts import t
from bot.typed_times import parse_clock

_DASH = re.compile(r"\s*[-–]\s*")
_MINUTE = timedelta(minutes=1)


def parse_quiet(text: str) -> str | None:
    """`22:00-07:00` (also `22.00–7.00`, `22-7`) → `22:00-07:00`; None when it is not a time
    span or starts and ends at the same minute."""
    ends = _DASH.split(text.strip())
    if len(ends) != 2:
        return None
    start, end = parse_clock(ends[0]), parse_clock(ends[1])
    if start is None or end is None or start == end:
        return None
    return f"{start}-{end}"


def _times(quiet: str) -> tuple[time, time]:
    start, end = quiet.split("-")
    return time.fromisoformat(start), time.fromisoformat(end)


def quiet_until(quiet: str, zone: str, now: datetime) -> datetime | None:
    """When the quiet time holding `now` ends (UTC), None when `now` is not in one (or no
    quiet hours are set). Wall-clock times: on a DST night the quiet time is an hour shorter
    or longer, as the reader's clock says; see `first_reading` for a time skipped or repeated."""
    if not quiet:
        return None
    start, end = _times(quiet)
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    # The quiet times that began yesterday (over midnight) and today: one may hold `now`.
    for day in (today - timedelta(days=1), today):
        ends = first_reading(day + timedelta(days=1 if start > end else 0), end, tz)
        if first_reading(day, start, tz) <= now < ends:
            return ends
    return None


def first_reading(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """The first moment (UTC) the wall clock in `tz` reads `clock` on `day` or later: in autumn
    the first of a repeated time (fold=0), in spring the jump past a skipped one (02:30 → 03:00).
    So a quiet time is one stretch, from when the reader's clock first shows its start to when
    it first shows its end: never quiet twice in a repeated hour, nor held on past the jump."""
    wall = datetime.combine(day, clock)
    first = wall.replace(tzinfo=tz).astimezone(UTC)
    # fold=0 reads a skipped time with the offset before the jump: as far past the jump as the
    # time was into the gap. Back to the jump (tz data has no public transitions to ask).
    while (first - _MINUTE).astimezone(tz).replace(tzinfo=None) >= wall:
        first -= _MINUTE
    return first


def held_reply(items: list[tuple[tuple[Span, ...], ...]], language: str) -> Reply:
    """What waited during the quiet time, as one message: a head, then each item."""
    head = (Span(t(language, "quiet_held", count=len(items)), bold=True),)
    paragraphs: list[tuple[Span, ...]] = [head]
    for item in items:
        paragraphs += item
    return Reply(tuple(paragraphs))
