"""German and ISO dates in page dumps: `02.11.2025 - 09:13:55`, `10. November 2025`, ISO 8601.

A local time without an offset is Europe/Berlin time; a date alone is 00:00 Berlin time.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from summarizer.german import MONTHS, WEEKDAYS, letter_words

BERLIN = ZoneInfo("Europe/Berlin")

_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
# An optional time after the date: "- 09:13:55", ", 12:25 Uhr", "um 9.30 Uhr".
_TIME = r"(?:[\s,|–—-]{0,4}(?:um\s+)?(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?(?:\s*Uhr)?(?!\d))?"
# 06.12.2026 and the two-digit year of bylines (06.12.26), never inside a longer number.
_NUMERIC = re.compile(r"(?<![\d.])(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4}|\d{2})(?![\d.])" + _TIME)
_LONG = re.compile(
    r"(?<!\d)(\d{1,2})\.?\s*(" + _MONTH_NAMES + r")\.?\s+(\d{4})(?!\d)" + _TIME, re.IGNORECASE
)
_ISO = re.compile(
    r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?"
    r"(Z|[+-]\d{2}:?\d{2})?)?(?!\d)"
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
        month = MONTHS[g[1].lower()] if kind == "long" else int(g[1])
        hour, minute, second = int(g[3] or 0), int(g[4] or 0), int(g[5] or 0)
        year = int(g[2]) + (2000 if len(g[2]) == 2 else 0)
        return datetime(year, month, int(g[0]), hour, minute, second, tzinfo=BERLIN)
    except (ValueError, KeyError):
        return None


def find_date(text: str) -> datetime | None:
    """The first valid date in the text, with its time when one follows; None if there is none."""
    found: list[tuple[int, datetime]] = []
    for pattern, kind in ((_NUMERIC, "num"), (_LONG, "long"), (_ISO, "iso")):
        for m in pattern.finditer(text):
            value = _from_match(m, kind)
            if value is not None:
                found.append((m.start(), value))
                break
    return min(found, key=lambda pair: pair[0])[1] if found else None


def _strip_dates(text: str) -> str:
    for pattern in (_NUMERIC, _LONG, _ISO):
        text = pattern.sub(" ", text)
    return text


def is_dateline(text: str) -> bool:
    """True for a short line that is a date, time or 'published on' stamp and little else."""
    if len(text) > 140 or find_date(text) is None:
        return False
    rest = _DATELINE_FILLER.sub(" ", _strip_dates(text))
    return len(letter_words(rest)) <= 3
