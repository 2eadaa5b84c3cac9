"""Time zone names as people type them: exact, any case, a city alone, or a German city name."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from zoneinfo import available_timezones

from summarizer import fold

# Regions of the tz database whose last part is a city a reader might type alone.
_REGIONS = frozenset(
    {"Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian"}
    | {"Pacific"}
)
# German names of cities whose zone is named in English or after another city (folded).
_GERMAN_CITIES = {
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
MAX_CANDIDATES = 5


@dataclass(frozen=True, slots=True)
class ZoneMatch:
    """The zone a text names, or (when it names none for sure) the zones it may mean."""

    zone: str | None
    candidates: tuple[str, ...] = ()


@cache
def _zones() -> frozenset[str]:
    # The tz database is read once per process; it does not change while the bot runs.
    return frozenset(available_timezones())


def find_zone(text: str) -> ZoneMatch:
    """`Europe/Berlin`, `europe/berlin`, `Berlin`, `new york` or `Wien` → its zone."""
    zones = _zones()
    if text in zones:
        return ZoneMatch(text)
    key = text.strip().casefold().replace(" ", "_")
    by_case = {z.casefold(): z for z in zones}
    if key in by_case:
        return ZoneMatch(by_case[key])
    german = _GERMAN_CITIES.get(fold(text.strip()).replace(" ", "_"))
    if german in zones:
        return ZoneMatch(german)
    cities = sorted(
        z for z in zones if z.split("/")[0] in _REGIONS and z.rsplit("/", 1)[-1].casefold() == key
    )
    if len(cities) == 1:
        return ZoneMatch(cities[0])
    if not cities and len(key) >= 3:
        cities = sorted(z for z in zones if z.split("/")[0] in _REGIONS and key in z.casefold())
    return ZoneMatch(None, tuple(cities[:MAX_CANDIDATES]))
