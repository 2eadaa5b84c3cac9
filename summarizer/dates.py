"""German and ISO dates in page dumps: `02.11.2025 - 09:13:55`, `10. November 2025`, ISO 8601,
and the month first as blog software writes it (`March 5, 2014`). A date with slashes is left
alone: `11/01/2021` is the 11th of January or the 1st of November, by the software's defaults.

A local time without an offset is Europe/Berlin time; a date alone is 00:00 Berlin time.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from summarizer.german import ENGLISH_MONTHS, MONTHS, WEEKDAYS, letter_words

BERLIN = ZoneInfo("Europe/Berlin")

# German month names, and the English ones German blogs' software writes ("March 5, 2014").
_MONTH_NUMBERS = {**MONTHS, **ENGLISH_MONTHS}
_MONTH_NAMES = "|".join(sorted(_MONTH_NUMBERS, key=len, reverse=True))
# An optional time after the date: "- 09:13:55", ", 12:25 Uhr", "um 9.30 Uhr", "/ 09:30".
_TIME = r"(?:[\s,|/–—-]{0,4}(?:um\s+)?(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?(?:\s*Uhr)?(?!\d))?"
# 06.12.2026 and the two-digit year of bylines (06.12.26), never inside a longer number.
_NUMERIC = re.compile(r"(?<![\d.])(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4}|\d{2})(?![\d.])" + _TIME)
# "March 5, 2014", "Dezember 29, 2021": the month first.
_MONTH_FIRST = re.compile(
    r"(?<!\w)(" + _MONTH_NAMES + r")\.?\s+(\d{1,2}),?\s+(\d{4})(?!\d)" + _TIME, re.IGNORECASE
)
_LONG = re.compile(
    r"(?<!\d)(\d{1,2})\.?\s*(" + _MONTH_NAMES + r")\.?\s+(\d{4})(?!\d)" + _TIME, re.IGNORECASE
)
_ISO = re.compile(
    r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?"
    r"(Z|[+-]\d{2}:?\d{2})?)?(?!\d)"
)
_PATTERNS = (
    (_NUMERIC, "num"),
    (_LONG, "long"),
    (_MONTH_FIRST, "month first"),
    (_ISO, "iso"),
)
_WEEKDAY = "|".join(WEEKDAYS)
_DATELINE_FILLER = re.compile(
    r"\b(?:" + _WEEKDAY + r"|veröffentlicht|publiziert|erschienen|aktualisiert|geändert|"
    r"zuletzt|erstellt|datum|stand|am|um|uhr|von|vom|by|on|posted|in|und|lesezeit|lesedauer|"
    r"minuten?|min|ca|autor|autorin|redaktion)\b",
    re.IGNORECASE,
)


def _from_match(m: re.Match[str], kind: str) -> datetime | None:
    g = m.groups()
    try:
        if kind == "iso":
            hour, minute, second = int(g[3] or 0), int(g[4] or 0), int(g[5] or 0)
            local = datetime(int(g[0]), int(g[1]), int(g[2]), hour, minute, second, tzinfo=BERLIN)
            if not g[6]:
                return local
            offset = "+00:00" if g[6] == "Z" else g[6]
            if ":" not in offset:
                offset = offset[:3] + ":" + offset[3:]
            return datetime.fromisoformat(local.replace(tzinfo=None).isoformat() + offset)
        if kind == "month first":
            day, month = int(g[1]), _MONTH_NUMBERS[g[0].lower()]
        else:
            day, month = int(g[0]), _MONTH_NUMBERS[g[1].lower()] if kind == "long" else int(g[1])
        hour, minute, second = int(g[3] or 0), int(g[4] or 0), int(g[5] or 0)
        year = int(g[2]) + (2000 if len(g[2]) == 2 else 0)
        return datetime(year, month, day, hour, minute, second, tzinfo=BERLIN)
    except (ValueError, KeyError):
        return None


# A year glued to the day of a second date, as a dump runs a post's two <time> elements
# (published, then updated) together: "10. Februar 20199. Februar 2019".
_GLUED_YEAR = re.compile(
    r"(?<!\d)((?:1[89]|20)\d\d)(?=\d{1,2}\.\s?(?:\d{1,2}\.|(?:" + _MONTH_NAMES + r")\b))",
    re.IGNORECASE,
)


def unglued(text: str) -> str:
    """The text with a second date glued to a year set apart ("20199. Februar" → "2019 9.
    Februar"), so both dates read."""
    return _GLUED_YEAR.sub(r"\1 ", text) if any(c.isdigit() for c in text) else text


def find_date(text: str) -> datetime | None:
    """The first valid date in the text, with its time when one follows; None if there is none."""
    found: list[tuple[int, datetime]] = []
    for pattern, kind in _PATTERNS:
        for m in pattern.finditer(text):
            value = _from_match(m, kind)
            if value is not None:
                found.append((m.start(), value))
                break
    return min(found, key=lambda pair: pair[0])[1] if found else None


def _strip_dates(text: str) -> str:
    for pattern, _ in _PATTERNS:
        text = pattern.sub(" ", text)
    return text


def is_dateline(text: str) -> bool:
    """True for a short line that is a date, time or 'published on' stamp and little else."""
    if len(text) > 140 or find_date(text) is None:
        return False
    rest = _DATELINE_FILLER.sub(" ", _strip_dates(text))
    return len(letter_words(rest)) <= 3


# A stamp is this short: a date line, or a byline with its date.
STAMP_CHARS = 100
# Lower-case words this long are running text ("wartet", "trifft"); shorter ones are the
# particles of a stamp ("am", "von", "um").
_PROSE_WORD = 4


def is_stamp(text: str) -> bool:
    """True for a short line that stamps an article with its date: a date line, or a byline
    with its date ("Peter Muster / 07.11.2023 / 09:30 / Foto: Imago", "Datum: 19.11.2021 /
    Autor: Fritz Muster"): beside the date only names, labels and particles, no running text
    ("07.11.2023 Kanzler trifft Macron" is a teaser)."""
    line = " ".join(text.split())
    if len(line) > STAMP_CHARS or find_date(line) is None:
        return False
    rest = letter_words(_DATELINE_FILLER.sub(" ", _strip_dates(line)))
    return all(w[0].isupper() or len(w) < _PROSE_WORD for w in rest)
