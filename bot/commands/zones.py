"""Time zone names as people type them: exact, any case, a city alone, or a German city name."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from zoneinfo import available_timezones

from bot.vocabulary import CITY_ZONES, REGION_NAMES
from summarizer import fold

# Regions of the tz database whose last part is a city a reader might type alone.
_REGIONS = frozenset(
    {"Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian"}
    | {"Pacific"}
)
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
    """`Europe/Berlin`, `europe/berlin`, `Berlin`, `new york`, `Wien`, `Europe/Wien` or
    `Europa/Berlin` → its zone."""
    found = _find_zone(text)
    region, slash, city = text.strip().partition("/")
    if found.zone is None and slash and "/" not in city:
        # A region and a city in German: the city alone says it, if it is in that region.
        named = REGION_NAMES.get(fold(region), region.strip())
        by_city = _find_zone(city)
        if by_city.zone is not None and by_city.zone.split("/")[0].casefold() == named.casefold():
            return by_city
    return found


def _find_zone(text: str) -> ZoneMatch:
    zones = _zones()
    if text in zones:
        return ZoneMatch(text)
    key = text.strip().casefold().replace(" ", "_")
    by_case = {z.casefold(): z for z in zones}
    if key in by_case:
        return ZoneMatch(by_case[key])
    german = CITY_ZONES.get(fold(text.strip()).replace(" ", "_"))
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
