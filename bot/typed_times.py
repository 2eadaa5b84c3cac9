"""Times of day and days as readers type them (pure): `7:30`, `07.30`, `7`, `0730`, `7:30 Uhr`,
`7pm`; `2026-01-02`, `2.1.2026`, `2.1.`, `gestern`."""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.vocabulary import DAY_WORDS, TIME_SUFFIXES

_CLOCK = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?|(\d{1,2})(\d{2})")
# What a reader means as a time of day, even when it is not one (25:99, 24:00, 7.5, 2500).
_TIME_LIKE = re.compile(
    rf"\d{{1,4}}(?:[:.]\d{{1,2}})?\s*(?:{'|'.join(TIME_SUFFIXES)})?", re.IGNORECASE
)


def looks_like_time(value: str) -> bool:
    """True for a word the reader meant as a time of day, valid or not."""
    return _TIME_LIKE.fullmatch(value.strip()) is not None


def parse_clock(value: str) -> str | None:
    """`HH:MM` of a typed time of day; None when it is none (`25:00`, `7:60`, `13pm`)."""
    text = value.strip().casefold()
    suffix = next((s for s in TIME_SUFFIXES if text.endswith(s)), "")
    match = _CLOCK.fullmatch(text[: len(text) - len(suffix)].rstrip())
    if match is None:
        return None
    hour = int(match.group(1) or match.group(3))
    minute = int(match.group(2) or match.group(4) or 0)
    if suffix in ("am", "pm"):
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


# The days a reader may ask about. Wide enough for any archive, narrow enough that a day's start
# in any zone, and the day after it, stay within what `datetime` holds (year 1 to 9999).
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


def is_known_day(day: date) -> bool:
    """True for a day within FIRST_DAY … LAST_DAY, the range every date input accepts."""
    return FIRST_DAY <= day <= LAST_DAY


_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})?$")


def parse_day(text: str, today: date | None) -> date | None:
    """`2026-01-02`, `2.1.2026`, `2.1.` (this year), `heute`/`today`, `gestern`/`yesterday`;
    the forms relative to `today` are None without it."""
    word = text.strip().casefold()
    if word in DAY_WORDS:
        return None if today is None else today - timedelta(days=DAY_WORDS[word])
    german = _GERMAN_DATE.match(word)
    try:
        if german is not None:
            day, month, year = german.groups()
            if year is not None:
                return date(int(year), int(month), int(day))
            return None if today is None else date(today.year, int(month), int(day))
        return date.fromisoformat(word) if len(word) == 10 else None
    except ValueError:
        return None
