"""Quiet hours (pure): `22:00-07:00` in a chat's zone, when alerts and breaking stories wait.

A quiet time may run over midnight; `quiet_until` says when the one that holds `now` ends, so
what waited goes out then, as one message.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.records import Reply, Span
from bot.texts import t
from bot.typed_times import parse_clock

_DASH = re.compile(r"\s*[-–]\s*")


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
    or longer, as the reader's clock says."""
    if not quiet:
        return None
    start, end = _times(quiet)
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    here = local.time()
    if start < end:
        inside = start <= here < end
        end_day = local.date()
    else:
        inside = here >= start or here < end
        end_day = local.date() + timedelta(days=1) if here >= start else local.date()
    if not inside:
        return None
    # fold=0 and a round trip through UTC: an end in a spring-forward gap moves past it.
    return datetime.combine(end_day, end, tz).astimezone(UTC)


def held_reply(items: list[tuple[tuple[Span, ...], ...]], language: str) -> Reply:
    """What waited during the quiet time, as one message: a head, then each item."""
    head = (Span(t(language, "quiet_held", count=len(items)), bold=True),)
    paragraphs: list[tuple[Span, ...]] = [head]
    for item in items:
        paragraphs += item
    return Reply(tuple(paragraphs))
