"""Times of day and days as readers type them (pure): `7:30`, `07.30`, `7`, `0730`, `7:30 Uhr`,
`7pm`; `2026-01-02`, `2.1.2026`, `2.1.`, `gestern`; `Mo-Fr`, `Sa, So`, `werktags`."""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.vocabulary import (
    DAY_PREPOSITIONS,
    DAY_RANGE_WORDS,
    DAY_WORDS,
    TIME_SUFFIXES,
    WEEKDAY_NAMES,
    WEEKDAY_SETS,
)

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


# `2.1.2026`, `2.1.26`, `2.1.` and `2.1` (the last two: this year).
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})(?:\.(\d{4}|\d{2})?)?$")


def parse_day(text: str, today: date | None) -> date | None:
    """`2026-01-02`, `2.1.2026`, `2.1.26` (2026), `2.1.` and `2.1` (this year),
    `heute`/`today`, `gestern`/`yesterday`; the forms relative to `today` are None without it."""
    word = text.strip().casefold()
    if word in DAY_WORDS:
        return None if today is None else today - timedelta(days=DAY_WORDS[word])
    german = _GERMAN_DATE.match(word)
    try:
        if german is not None:
            day, month, year = german.groups()
            if year is not None:
                # A two-digit year is this century's, as a date line writes it ("06.12.26").
                return date(int(year) + (2000 if len(year) == 2 else 0), int(month), int(day))
            return None if today is None else date(today.year, int(month), int(day))
        return date.fromisoformat(word) if len(word) == 10 else None
    except ValueError:
        return None


# CronTrigger's names of the days of the week, Monday first.
CRON_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _weekday(word: str) -> int | None:
    return WEEKDAY_NAMES.get(word.casefold().rstrip("."))


def _day_span(word: str) -> frozenset[int] | None:
    """The days one word names: `Mo`, `Mo-Fr`, `Fr–Mo` (over the weekend), `Sa,So`, `werktags`."""
    key = word.casefold().rstrip(".")
    if key in WEEKDAY_SETS:
        return WEEKDAY_SETS[key]
    days: set[int] = set()
    for part in key.replace("–", "-").replace("—", "-").split(","):
        ends = [d for d in map(_weekday, part.split("-")) if d is not None]
        if not part or len(ends) != len(part.split("-")) or len(ends) > 2:
            return None
        days |= _through(ends[0], ends[-1])
    return frozenset(days)


def _through(first: int, last: int) -> frozenset[int]:
    """The days from `first` to `last`, over the weekend when `last` comes first (`Fr-Mo`)."""
    return frozenset((first + i) % 7 for i in range((last - first) % 7 + 1))


def cron_days(days: frozenset[int]) -> str:
    """CronTrigger's day_of_week for a set of days: `mon-fri`, `sat,sun`, `mon,wed-fri`; every
    day (or none) is ""."""
    if len(days) in (0, 7):
        return ""
    parts: list[str] = []
    run: list[int] = []
    for day in [*sorted(days), None]:
        if day is not None and run and day == run[-1] + 1:
            run.append(day)
            continue
        if len(run) >= 3:
            parts.append(f"{CRON_DAYS[run[0]]}-{CRON_DAYS[run[-1]]}")
        else:
            parts.extend(CRON_DAYS[d] for d in run)
        run = [] if day is None else [day]
    return ",".join(parts)


def days_of(cron: str) -> list[list[int]]:
    """The runs of days a CronTrigger day_of_week names: `mon,wed-fri` → [[0], [2, 3, 4]]."""
    runs: list[list[int]] = []
    for part in filter(None, cron.split(",")):
        first, _, last = part.partition("-")
        a, b = CRON_DAYS.index(first), CRON_DAYS.index(last or first)
        runs.append(list(range(a, b + 1)))
    return runs


def parse_days(words: list[str]) -> tuple[str | None, list[str], str]:
    """The days named among the words as CronTrigger's day_of_week (None: none named; "" every
    day), the other words, and a range that names one end only (`Mo bis`, `bis Fr`; else ""):
    `Mo-Fr`, `Mo bis Fr`, `Sa So`, `am Wochenende`, `täglich`."""
    days: set[int] | None = None
    rest: list[str] = []
    unclear = ""
    i = 0
    while i < len(words):
        span = _day_span(words[i])
        ranging = words[i].casefold() in DAY_RANGE_WORDS
        if span is None:
            next_day = i + 1 < len(words) and _weekday(words[i + 1]) is not None
            after_day = i > 0 and _weekday(words[i - 1]) is not None
            if ranging and (next_day or after_day) and not unclear:
                unclear = " ".join(words[i - 1 : i + 1] if after_day else words[i : i + 2])
            rest.append(words[i])
            i += 1
            continue
        first = _weekday(words[i])
        # `Mo bis Fr`, `Mon to Fri`, `Mo - Fr`: the range over three words.
        if first is not None and i + 2 < len(words) and words[i + 1].casefold() in DAY_RANGE_WORDS:
            last = _weekday(words[i + 2])
            if last is not None:
                span = _through(first, last)
                i += 2
        if rest and rest[-1].casefold() in DAY_PREPOSITIONS:
            rest.pop()  # `am Montag`, `on Mondays`
        days = (days or set()) | span
        i += 1
    return (None if days is None else cron_days(frozenset(days))), rest, unclear


# Times as people say them in German: "halb acht", "viertel nach sieben", "7 uhr morgens".
_NUMBER_WORDS = {
    "ein": 1, "eins": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "fuenf": 5, "sechs": 6,
    "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12, "zwoelf": 12,
}  # fmt: skip
_LATER_PARTS = frozenset({"nachmittags", "abends", "pm"})
_EARLY_PARTS = frozenset({"morgens", "früh", "frueh", "vormittags", "am"})
_SPOKEN = frozenset({"halb", "viertel", "dreiviertel", "uhr", "um", "nach", "vor", "nachts"})
_SPOKEN |= _LATER_PARTS | _EARLY_PARTS | frozenset(_NUMBER_WORDS)


def is_spoken_time(words: list[str]) -> bool:
    """True when the words say a time the German way (`halb acht`, `7 uhr morgens`)."""
    return any(w.casefold() in _SPOKEN for w in words) and not all(
        w.casefold() in ("um", "vor", "nach") for w in words
    )


def parse_spoken(text: str) -> str | None:
    """`HH:MM` of a time said in words (`halb acht` 07:30, `viertel vor 8` 07:45, `7 uhr
    abends` 19:00, `07:00 morgens`); None when the words are no time."""
    words = [w.casefold() for w in text.split() if w.casefold() not in ("um", "uhr")]
    part = words.pop() if words and words[-1] in _LATER_PARTS | _EARLY_PARTS | {"nachts"} else ""
    offset = 0
    if words[:1] == ["halb"]:
        words, offset = words[1:], -30
    elif words[:2] in (["viertel", "nach"],):
        words, offset = words[2:], 15
    elif words[:2] == ["viertel", "vor"] or words[:1] == ["dreiviertel"]:
        words, offset = words[2:] if words[0] == "viertel" else words[1:], -15
    if len(words) != 1:
        return None
    word = words[0]
    if word in _NUMBER_WORDS:
        hour, minute = _NUMBER_WORDS[word], 0
    else:
        clock = parse_clock(word)
        if clock is None:
            return None
        hour, minute = int(clock[:2]), int(clock[3:])
    if offset and minute:
        return None  # "halb 7:30" says nothing
    if part == "nachts" and hour == 12:
        hour = 0  # "zwölf Uhr nachts" is midnight, "halb zwölf nachts" half an hour before
    if part in _LATER_PARTS or (part == "nachts" and 9 <= hour <= 11):
        if hour > 12:
            return None
        hour = hour % 12 + 12
    total = (hour * 60 + minute + offset) % (24 * 60)
    return f"{total // 60:02d}:{total % 60:02d}"
