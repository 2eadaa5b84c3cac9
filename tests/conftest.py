"""Shared fixtures: a real Store (in memory or on disk), a fixed clock, the seed folder."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlite_utils import Database

from bot.ingest.files import ingest_paths
from bot.store import Store
from tests.fakes.synapse import Homeserver, skip_or_fail_without_synapse

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture
def now() -> datetime:
    """A fixed, timezone-aware 'now' for pure functions."""
    return datetime(2025, 11, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def store() -> Iterator[Store]:
    """A real Store on an in-memory SQLite database."""
    s = Store.memory()
    yield s
    s.close()


@pytest.fixture
def memory_db() -> Iterator[Database]:
    """A bare in-memory sqlite-utils Database, closed afterwards (3.13 warns on a leak)."""
    db = Database(memory=True)
    yield db
    db.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A path for an on-disk database file."""
    return tmp_path / "newsbot.db"


@pytest.fixture
def seeded_store(store: Store, now: datetime) -> Store:
    """The in-memory store with both seed articles ingested."""
    results = list(ingest_paths(store, [SEEDS], now))
    assert [r.status for r in results] == ["added", "added"]
    return store


@pytest.fixture(scope="module")
def homeserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Homeserver]:
    """One real Synapse per test module on 127.0.0.1 (starts in about a second)."""
    skip_or_fail_without_synapse()
    server = Homeserver(tmp_path_factory.mktemp("synapse")).start()
    yield server
    server.stop()
