"""This installation's version, read from the package metadata (pyproject.toml's `version`)."""

from __future__ import annotations

from functools import cache

# The distribution's name on the package index; the import names stay `bot` and `summarizer`.
DISTRIBUTION = "nachrichtenbot"


@cache
def package_version() -> str:
    """The installed version (`0+unknown` for a checkout used without installing it)."""
    from importlib.metadata import PackageNotFoundError, version  # costs start-up: only when asked

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "0+unknown"


def user_agent() -> str:
    """The User-Agent of every request the bot makes: name, version, and how often it polls."""
    return (
        f"newsbot/{package_version()} "
        "(German news digest bot; polls each feed at most every 30 minutes)"
    )
