"""Group commit (`bot.batches`): what is asked while the store is busy goes in one call."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from bot.batches import Batches


class Gated:
    """A store's `run` that holds each call until the test lets it through; notes the batches."""

    def __init__(self) -> None:
        self.calls: list[list[int]] = []
        self.gate = asyncio.Event()

    async def run(self, fn: Callable[[], Any]) -> Any:
        await self.gate.wait()
        return fn()

    def double(self, items: Sequence[int]) -> list[int]:
        self.calls.append(list(items))
        if 13 in items:
            raise ValueError("unlucky")
        return [2 * i for i in items]


async def test_items_asked_while_a_batch_runs_go_together_in_the_next() -> None:
    store = Gated()
    batches: Batches[int, int] = Batches(store.run, store.double, most=4)
    asked = [asyncio.create_task(batches.ask(i)) for i in range(7)]
    await asyncio.sleep(0)  # every ask is in before the first batch may run
    store.gate.set()
    assert await asyncio.gather(*asked) == [0, 2, 4, 6, 8, 10, 12]
    assert store.calls == [[0, 1, 2, 3], [4, 5, 6]]
    assert await batches.ask(9) == 18  # a lone item goes at once, alone
    assert store.calls[-1] == [9]


async def test_a_failing_batch_fails_each_of_its_askers_and_the_next_batch_runs() -> None:
    store = Gated()
    batches: Batches[int, int] = Batches(store.run, store.double)
    first = asyncio.create_task(batches.ask(1))
    await asyncio.sleep(0)
    second = [asyncio.create_task(batches.ask(i)) for i in (12, 13)]
    store.gate.set()
    assert await first == 2
    for task in second:
        with pytest.raises(ValueError, match="unlucky"):
            await task
    assert await batches.ask(5) == 10
    assert store.calls == [[1], [12, 13], [5]]


async def test_an_asker_cancelled_meanwhile_leaves_the_others_answered() -> None:
    store = Gated()
    batches: Batches[int, int] = Batches(store.run, store.double)
    asked = [asyncio.create_task(batches.ask(i)) for i in range(3)]
    await asyncio.sleep(0)
    asked[1].cancel()
    store.gate.set()
    assert await asked[0] == 0
    assert await asked[2] == 4
    assert asked[1].cancelled()
