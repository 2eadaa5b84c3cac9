"""The benchmarks measure the bot's own path: the digest bench builds as the scheduler does."""

from __future__ import annotations

import importlib.util
import random
from datetime import UTC, date, datetime
from types import ModuleType

import pytest

from bot import digest_delivery
from bot.digest import StoryPool
from bot.digest_delivery import Due
from bot.store import Store
from tests.conftest import ROOT
from tests.test_schedule import CHAT, Recorder, run_scheduler, seeded


def load_bench(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_the_digest_bench_and_the_scheduler_build_by_the_same_function(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[list[str]] = []
    real = digest_delivery.build_due

    def spy(
        pool: StoryPool, plans: dict[str, object], dues: list[Due], now: datetime
    ) -> list[object]:
        built.append([d.chat for d in dues])
        return list(real(pool, plans, dues, now))  # type: ignore[arg-type]

    monkeypatch.setattr(digest_delivery, "build_due", spy)
    bench = load_bench("digest")
    articles = bench.corpus(60, random.Random(1))
    plans, dues = bench.due_minute(4)
    assert bench.build_burst(articles, plans, dues) == 4
    assert built == [[d.chat for d in dues]]
    seeded(store)
    recorder = Recorder()
    await run_scheduler(store, recorder, datetime(2025, 11, 10, 6, 0, 1, tzinfo=UTC))
    assert built[1:] == [[CHAT]]
    assert [chat for chat, _ in recorder.sent] == [CHAT]
    assert store.deliveries.delivery_status(CHAT, date(2025, 11, 10)) == "sent"
