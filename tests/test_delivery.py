"""The paced send queue: platform limits, retry_after, backoff, give-up and gone chats."""

from __future__ import annotations

from bot.delivery import LIMITS, DeliveryQueue, Limits, Outgoing, Pacer, simulate
from bot.errors import ChatGone, RateLimited
from bot.records import Reply


def test_pacer_keeps_telegram_limits() -> None:
    pacer = Pacer(LIMITS["telegram"])
    times = []
    for _ in range(3):
        at = pacer.earliest("telegram:1", 0.0)
        pacer.take("telegram:1", at)
        times.append(at)
    assert times == [0.0, 1.0, 2.0]  # one per second per chat
    group = "telegram:-100"
    sends = []
    now = 0.0
    for _ in range(21):
        now = pacer.earliest(group, now)
        pacer.take(group, now)
        sends.append(now)
    assert sends[20] - sends[0] >= 60.0  # 20 per minute per group


def test_ten_thousand_chats_take_a_third_of_an_hour_at_30_per_second() -> None:
    seconds = simulate([f"telegram:{i}" for i in range(10_000)], LIMITS["telegram"])
    assert 333 <= seconds <= 334


class Flaky:
    """Fails the first sends to some chats, then records."""

    name = "console"

    def __init__(self, failures: dict[str, list[Exception]]) -> None:
        self.failures = failures
        self.sent: list[str] = []

    async def start(self, on_message: object) -> None: ...
    async def stop(self) -> None: ...

    async def send(self, chat: str, reply: Reply) -> None:
        if self.failures.get(chat):
            raise self.failures[chat].pop(0)
        self.sent.append(chat)


FAST = {"console": Limits(per_second=1000.0, chat_gap=0.0)}


async def test_retry_after_and_backoff_do_not_delay_other_chats() -> None:
    transport = Flaky({"console:a": [RateLimited(0.2), OSError("reset")]})
    results: list[str] = []

    async def ok(chat: str = "") -> None:
        results.append("sent")

    queue = DeliveryQueue({"console": transport}, limits=FAST, backoff=0.05)
    await queue.start()
    queue.put(Outgoing("console:a", Reply.text("x"), "t", ok))
    queue.put(Outgoing("console:b", Reply.text("y"), "t", ok))
    await queue.join()
    await queue.stop()
    assert transport.sent == ["console:b", "console:a"]
    assert results == ["sent", "sent"]


async def test_gives_up_after_retries_and_reports() -> None:
    transport = Flaky({"console:a": [OSError("down")] * 10})
    failed: list[str] = []

    async def on_failed(reason: str) -> None:
        failed.append(reason)

    queue = DeliveryQueue({"console": transport}, limits=FAST, retries=2, backoff=0.01)
    await queue.start()
    queue.put(Outgoing("console:a", Reply.text("x"), "t", None, on_failed))
    await queue.join()
    await queue.stop()
    assert transport.sent == []
    assert len(failed) == 1
    assert "down" in failed[0]


async def test_chat_gone_ends_the_chat() -> None:
    transport = Flaky({"console:a": [ChatGone("blocked")]})
    gone: list[str] = []

    async def on_gone(chat: str) -> None:
        gone.append(chat)

    queue = DeliveryQueue({"console": transport}, limits=FAST, on_gone=on_gone)
    await queue.start()
    queue.put(Outgoing("console:a", Reply.text("x"), "t"))
    queue.put(Outgoing("console:a", Reply.text("y"), "t"))
    await queue.join()
    await queue.stop()
    assert gone == ["console:a"]
    assert transport.sent == []
