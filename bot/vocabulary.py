"""The words a reader types, German and English, in one place (what the bot *reads*; what it
says is in `bot.texts`). Command names live on their command in `bot.commands`, setting names
on their setting: each entry owns its names. Every word here is lower case.
"""

from __future__ import annotations

# --- command names ---------------------------------------------------------------------------

# Telegram command names are [a-z0-9_]: a name with an umlaut is also accepted in its
# keyboard spelling (`/überblick` and `/ueberblick`).
UMLAUT_SPELLINGS = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}


def keyboard_spelling(name: str) -> str:
    """`überblick` → `ueberblick`: the name as typed without umlauts."""
    return "".join(UMLAUT_SPELLINGS.get(c, c) for c in name)


# What ends the console chat (`/quit`, `exit`, `/beenden`).
QUIT_WORDS = frozenset({"quit", "exit", "q", "beenden", "ende"})

# --- answers inside a command ----------------------------------------------------------------

# `/subscribe 07:30 jetzt`: the first digest at once.
NOW_WORDS = frozenset({"jetzt", "sofort", "now"})
YES_WORDS = frozenset({"ja", "yes", "an", "on", "true", "1"})
NO_WORDS = frozenset({"nein", "no", "aus", "off", "false", "0"})
# Words around digest times that add nothing to them: `/abo um 7`, `at 7pm`, and the bot's own
# "jeden Tag um 07:00 und 18:00 Uhr" typed back (`/abo 07:00 und 18:00`).
TIME_FILLERS = frozenset({"um", "at", "und", "and"})
# `/unalert alle`.
ALL_WORDS = frozenset({"alle", "all"})
# `/settings themen alle`: no filter, every topic (`aus` and `-` clear it too).
NO_FILTER_WORDS = frozenset({"alle", "all", "keine", "none", "aus", "off", "-"})
# `/settings sprache …` → the language code.
LANGUAGE_WORDS = {
    "de": "de",
    "deutsch": "de",
    "german": "de",
    "en": "en",
    "englisch": "en",
    "english": "en",
}

# --- days and times --------------------------------------------------------------------------

# A day relative to today: how many days back.
DAY_WORDS = {"heute": 0, "today": 0, "gestern": 1, "yesterday": 1, "vorgestern": 2}
# Days of the week as readers type them (`Mo`, `Montag`, `montags`, `Mon.`, `Mondays`) → 0–6.
WEEKDAY_NAMES = {
    name: index
    for index, names in enumerate(
        (
            "mo montag montags mon monday mondays",
            "di dienstag dienstags tue tues tuesday tuesdays",
            "mi mittwoch mittwochs wed weds wednesday wednesdays",
            "do donnerstag donnerstags thu thur thurs thursday thursdays",
            "fr freitag freitags fri friday fridays",
            "sa samstag samstags sonnabend sonnabends sat saturday saturdays",
            "so sonntag sonntags sun sunday sundays",
        )
    )
    for name in names.split()
}
# Named sets of days: `/abo 7:00 werktags`, `weekend`, `täglich`.
WEEKDAY_SETS = {
    **dict.fromkeys(("wochentags", "werktags", "weekdays"), frozenset(range(5))),
    **dict.fromkeys(("wochenende", "wochenenden", "weekend", "weekends"), frozenset({5, 6})),
    **dict.fromkeys(("täglich", "taeglich", "daily", "everyday"), frozenset(range(7))),
}
# `Mo bis Fr`, `Mon to Fri`, `Mo - Fr`: a range of days; `am Montag`, `on Mondays`.
DAY_RANGE_WORDS = frozenset({"bis", "to", "-", "–", "—"})
DAY_PREPOSITIONS = frozenset({"am", "an", "on"})
# What may follow a time of day: `7 Uhr`, `7pm`, `7h`.
TIME_SUFFIXES = ("uhr", "am", "pm", "h")

# Cities as German readers name them (folded, spaces as `_`) whose zone is named in English
# or after another city: `/subscribe 7:00 Wien`; and German local time by its German name (MEZ,
# MESZ: which of the two holds is the zone's business).
CITY_ZONES = {
    "mez": "Europe/Berlin",
    "mesz": "Europe/Berlin",
    "wien": "Europe/Vienna",
    "zurich": "Europe/Zurich",
    "bern": "Europe/Zurich",
    "rom": "Europe/Rome",
    "moskau": "Europe/Moscow",
    "warschau": "Europe/Warsaw",
    "prag": "Europe/Prague",
    "lissabon": "Europe/Lisbon",
    "brussel": "Europe/Brussels",
    "kopenhagen": "Europe/Copenhagen",
    "athen": "Europe/Athens",
    "luxemburg": "Europe/Luxembourg",
    "munchen": "Europe/Berlin",
    "hamburg": "Europe/Berlin",
    "koln": "Europe/Berlin",
    "frankfurt": "Europe/Berlin",
    "kiew": "Europe/Kyiv",
    "kyjiw": "Europe/Kyiv",
    "peking": "Asia/Shanghai",
    "tokio": "Asia/Tokyo",
    "singapur": "Asia/Singapore",
    "neu-delhi": "Asia/Kolkata",
    "delhi": "Asia/Kolkata",
    "teheran": "Asia/Tehran",
    "tiflis": "Asia/Tbilisi",
    "tel_aviv": "Asia/Jerusalem",
    "kairo": "Africa/Cairo",
    "kapstadt": "Africa/Johannesburg",
    "washington": "America/New_York",
    "san_francisco": "America/Los_Angeles",
    "mexiko-stadt": "America/Mexico_City",
    "mailand": "Europe/Rome",
    "bozen": "Europe/Rome",
    "genf": "Europe/Zurich",
    "basel": "Europe/Zurich",
    "den_haag": "Europe/Amsterdam",
    "bukarest": "Europe/Bucharest",
    "belgrad": "Europe/Belgrade",
    "sankt_petersburg": "Europe/Moscow",
    "salzburg": "Europe/Vienna",
    "graz": "Europe/Vienna",
    "linz": "Europe/Vienna",
    "innsbruck": "Europe/Vienna",
    "stuttgart": "Europe/Berlin",
    "dusseldorf": "Europe/Berlin",
    "dresden": "Europe/Berlin",
    "leipzig": "Europe/Berlin",
    "hannover": "Europe/Berlin",
}

# The tz database's regions by their German names: `Europa/Berlin`, `Amerika/New_York`.
REGION_NAMES = {
    "europa": "Europe",
    "afrika": "Africa",
    "amerika": "America",
    "asien": "Asia",
    "australien": "Australia",
    "atlantik": "Atlantic",
    "pazifik": "Pacific",
    "antarktis": "Antarctica",
}

# --- search ----------------------------------------------------------------------------------

# Filter prefixes: `seit:2025-11-01`/`since:…`, `quelle:dpa`/`source:…`, `seite:2`/`page:2`.
SINCE_PREFIXES = ("seit", "since")
SOURCE_PREFIXES = ("quelle", "source")
PAGE_PREFIXES = ("seite", "page")
# What people type into search boxes to join words (kept as typed: `oder` is an ordinary word).
OR_WORDS = frozenset({"OR", "ODER", "|", "||"})
# What people type to say every word must occur, which a search here always means: not a word
# to look for (German `und` is a small word already).
AND_WORDS = frozenset({"AND", "and"})
