"""The store's own thread: what the event loop asks of a store runs there, one call at a time,
so the loop never waits on the database (both backends use it)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


class StoreThread:
    """One worker thread for a store's blocking calls, started on first use."""

    def __init__(self) -> None:
        self._executor: ThreadPoolExecutor | None = None

    async def run(self, fn: Callable[[], T]) -> T:
        """Run `fn` on the thread and wait for its result without blocking the loop."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn)

    def finish(self) -> None:
        """Wait for the calls under way, then end the thread (a later `run` starts another)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
