"""The wall clock, read in one place: where every `now` passed down starts."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """The wall clock, timezone-aware."""
    return datetime.now(UTC)
