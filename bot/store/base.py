"""The store's shared base (sqlite-utils): the `Database` every part uses, and row helpers."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlite_utils import Database


class StoreBase:
    """What every part of the store holds: one sqlite-utils `Database`, set by `Store`."""

    db: Database


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
