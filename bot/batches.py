"""Group commit for store work asked for one item at a time: the items that arrive while the
store's thread is busy go together in its next call, so a burst of claims costs one round
trip per batch (PostgreSQL) or one transaction per batch (SQLite), and a lone item goes at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any, Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")
Run = Callable[[Callable[[], Any]], Awaitable[Any]]


class Batches(Generic[Item, Result]):
    """`await batches.ask(item)` answers with `work`'s result for that item; `work` gets every
    item asked for while the previous batch ran (at most `most`) and runs through `run` (the
    store's `run`: its own thread or pool), returning one result per item, in order."""

    def __init__(
        self, run: Run, work: Callable[[Sequence[Item]], Sequence[Result]], *, most: int = 500
    ) -> None:
        self.run = run
        self.work = work
        self.most = most
        self._waiting: list[tuple[Item, asyncio.Future[Result]]] = []
        self._drain: asyncio.Task[None] | None = None

    async def ask(self, item: Item) -> Result:
        """The result for `item`, done in the next batch."""
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._drain is None:
            self._drain = asyncio.create_task(self._batches())
        return await future

    async def _batches(self) -> None:
        batch: list[tuple[Item, asyncio.Future[Result]]] = []
        try:
            while self._waiting:
                batch = self._waiting[: self.most]
                del self._waiting[: self.most]
                try:
                    results = await self.run(partial(self.work, [item for item, _ in batch]))
                except Exception as exc:  # each asker hears it, as if it had asked alone
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (_, future), result in zip(batch, results, strict=True):
                    if not future.done():  # an asker cancelled meanwhile
                        future.set_result(result)
        finally:
            self._drain = None
            # Cut off (the loop stops): no asker waits for an answer that will not come.
            for _, future in batch + self._waiting:
                if not future.done():
                    future.cancel()
