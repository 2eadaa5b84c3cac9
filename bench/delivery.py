"""The outgoing path's own cost: messages through `Delivery` to a transport that sends nothing.

Pacing is off (a platform with no limits), so what is timed is the queue, the lanes, the
per-chat order and the bookkeeping around each send. Prints medians of CPU seconds (one
process, one thread: CPU time is the work, and other load on the machine does not count).

Run: .venv/bin/python bench/delivery.py
Same-run comparison with another tree: PYTHONPATH=/path/to/other/tree .venv/bin/python
bench/delivery.py (the script uses only `Delivery`, `Outgoing`, `put` and `join`).
"""

from __future__ import annotations

import asyncio
import statistics
import time

from bot.delivery import Delivery, Outgoing
from bot.records import Reply
from bot.transports.base import Limits

ROUNDS = 7
FREE = Limits(per_second=1e9, chat_gap=0.0)


class Nowhere:
    """A transport that accepts every message at once."""

    name = "bench"
    limits = FREE
    size = 4096

    def __init__(self) -> None:
        self.sent = 0

    def split(self, reply: Reply, size: int) -> list[Reply]:
        return [reply]

    def is_group(self, chat: str) -> bool:
        return False

    async def start(self, on_message: object) -> None: ...

    async def send(self, chat: str, part: Reply, replace: str | None = None) -> None:
        self.sent += 1

    async def stop(self) -> None: ...


async def through(chats: list[str], urgent_every: int = 0) -> float:
    """Seconds for one message per entry of `chats` (every n-th urgent, as replies are)."""
    transport = Nowhere()
    delivery = Delivery({"bench": transport})
    reply = Reply.text("Überblick")
    await delivery.start()
    started = time.process_time()
    for i, chat in enumerate(chats):
        urgent = bool(urgent_every) and i % urgent_every == 0
        delivery.put(Outgoing(chat, reply, "bench", urgent=urgent))
    await delivery.join()
    took = time.process_time() - started
    await delivery.stop()
    if transport.sent != len(chats):
        raise RuntimeError(f"sent {transport.sent} of {len(chats)} messages")
    return took


def median(chats: list[str], urgent_every: int = 0) -> float:
    return statistics.median(asyncio.run(through(chats, urgent_every)) for _ in range(ROUNDS))


def main() -> None:
    many = [f"bench:{i}" for i in range(10_000)]
    one = ["bench:1"] * 2_000
    mixed = [f"bench:{i % 500}" for i in range(10_000)]
    print(f"many_chats_10000_cpu_median_s={median(many):.3f}  (one digest each)")
    print(f"one_chat_2000_cpu_median_s={median(one):.3f}  (one chat's queue, in order)")
    print(
        f"mixed_500_chats_10000_cpu_median_s={median(mixed, urgent_every=10):.3f}  (1 in 10 urgent)"
    )


if __name__ == "__main__":
    main()
