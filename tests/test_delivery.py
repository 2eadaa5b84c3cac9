"""The one outgoing path: pacing, retry_after, backoff, give-up, gone and moved chats, finer
splits, plain text after refused markup, claims per attempt, urgent replies first and the reply
budget; and the platforms' own notices through it."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from bot.delivery import CATCH_UP, MAX_IN_FLIGHT, REPLY_BUDGET, Delivery, Outgoing, Pacer, simulate
from bot.errors import (
    BadMarkup,
    ChatGone,
    ChatMoved,
    RateLimited,
    Rejected,
    TooLarge,
    Transient,
    Unanswered,
    Unreached,
)
from bot.records import Reply, Span
from bot.send_policy import (
    MAX_MOVES,
    MAX_REFUSALS,
    Attempt,
    Fail,
    Follow,
    Gone,
    Outcome,
    Retry,
    SendNew,
    SendPlain,
    SplitFiner,
    Status,
    Unconfirmed,
    decide,
)
from bot.store import Store
from bot.transports.port import Limits
from bot.transports.telegram import LIMITS as TELEGRAM
from tests.conftest import running, wait_until
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.synapse import Homeserver
from tests.test_matrix import PASSWORD, Account, login
from tests.test_matrix import make_transport as matrix_transport
from tests.test_telegram import make_transport

FAST = Limits(per_second=1000.0, chat_gap=0.0)


def test_pacer_keeps_telegram_limits() -> None:
    group = "telegram:-100"
    pacer = Pacer(TELEGRAM, is_group=lambda chat: chat == group)
    times = []
    for _ in range(3):
        at = pacer.earliest("telegram:1", 0.0)
        pacer.take("telegram:1", at)
        times.append(at)
    assert times == [0.0, 1.0, 2.0]  # one per second per chat
    sends = []
    now = 0.0
    for _ in range(21):
        now = pacer.earliest(group, now)
        pacer.take(group, now)
        sends.append(now)
    assert sends[20] - sends[0] >= 60.0  # 20 per minute per group


def test_a_chat_the_platform_did_not_call_a_group_has_no_group_cap() -> None:
    # The group rule comes from the platform's chat type, not from the id's spelling.
    pacer = Pacer(TELEGRAM, is_group=lambda chat: False)
    now = 0.0
    for _ in range(21):
        now = pacer.earliest("telegram:-100", now)
        pacer.take("telegram:-100", now)
    assert now == 20.0


def test_a_loop_woken_late_keeps_the_platforms_pace_without_bursting() -> None:
    # Each send reached 10 ms after its slot (a busy machine wakes the loop late): 300
    # messages still take their pacing time, and no second carries much more than the rate.
    pacer = Pacer(TELEGRAM)
    now, sends = 0.0, []
    for i in range(300):
        now = pacer.earliest(f"telegram:{i}", now) + 0.01
        pacer.take(f"telegram:{i}", now)
        sends.append(now)
    assert sends[-1] <= 300 / 30 + 0.2
    busiest = max(sum(1 for t in sends if start <= t < start + 1.0) for start in sends)
    assert busiest <= 30 * (1 + CATCH_UP) + 1


def test_ten_thousand_chats_take_a_third_of_an_hour_at_30_per_second() -> None:
    seconds = simulate([f"telegram:{i}" for i in range(10_000)], TELEGRAM)
    assert 333 <= seconds <= 334


def test_what_each_platform_error_means_is_decided_without_a_network() -> None:
    first = Attempt(1)
    assert decide(ChatGone("blocked"), first) == Gone()
    assert decide(ChatMoved("telegram:-100"), first) == Follow("telegram:-100")
    assert decide(TooLarge("too long"), Attempt(1, finer=True)) == SplitFiner()
    assert decide(RateLimited(7), first) == Retry(7, "RateLimited: rate limited, retry after 7 s")
    assert isinstance(decide(RateLimited(10_000), first), Fail)
    # A refusal for the rate is pacing, not a failed try; only endless refusals give up.
    assert decide(RateLimited(7), Attempt(9, refusals=3), retries=8) == Retry(
        7, "RateLimited: rate limited, retry after 7 s"
    )
    assert isinstance(decide(RateLimited(7), Attempt(1, refusals=MAX_REFUSALS + 1)), Fail)
    delays = [decide(Transient("500"), Attempt(n), backoff=2) for n in (1, 2, 3)]
    assert [a.delay for a in delays if isinstance(a, Retry)] == [2, 4, 8]
    assert isinstance(decide(Transient("500"), Attempt(9), retries=8), Fail)
    assert decide(Rejected("bad request"), first) == Fail("bad request")
    edit = Attempt(1, editing=True)
    assert decide(Rejected("message to edit not found"), edit) == SendNew()
    # Taken but never confirmed: it has most likely gone out, so it is never sent again.
    assert decide(Unanswered("no answer within 15 s"), first) == Unconfirmed(
        "Unanswered: no answer within 15 s"
    )
    # No connection at all: nothing went out, so it is tried again like any network error.
    assert isinstance(decide(Unreached("refused"), first), Retry)


def test_every_sending_rule_has_its_fallback_in_decide() -> None:
    # Refused markup goes out once more as plain text; plain text refused is given up.
    assert decide(BadMarkup("can't parse entities"), Attempt(1)) == SendPlain()
    assert isinstance(decide(BadMarkup("can't parse entities"), Attempt(1, plain=True)), Fail)
    # A part that no finer split can cut is given up as too large.
    assert decide(TooLarge("too long"), Attempt(1, finer=False)) == Fail("too large")
    # A chat is followed through at most MAX_MOVES moves.
    moved = ChatMoved("telegram:-200")
    assert decide(moved, Attempt(1, moves=MAX_MOVES - 1)) == Follow("telegram:-200")
    assert isinstance(decide(moved, Attempt(1, moves=MAX_MOVES)), Fail)


class Flaky:
    """Fails the first sends to some chats, then records; splits a reply into its paragraphs."""

    name = "console"
    limits = FAST
    size = 4096

    def __init__(self, failures: dict[str, list[Exception]] | None = None) -> None:
        self.failures = failures or {}
        self.sent: list[tuple[str, str]] = []
        self.delay = 0.0

    async def start(self, on_message: object) -> None: ...
    async def stop(self) -> None: ...

    def split(self, reply: Reply, size: int) -> list[Reply]:
        return [Reply((p,)) for p in reply.paragraphs] if size >= 100 else [reply]

    def is_group(self, chat: str) -> bool:
        return False

    async def send(self, chat: str, part: Reply, replace: str | None = None) -> None:
        if self.failures.get(chat):
            raise self.failures[chat].pop(0)
        await asyncio.sleep(self.delay)
        self.sent.append((chat, "".join(s.text for p in part.paragraphs for s in p)))


async def run(delivery: Delivery, *items: Outgoing) -> list[Outcome]:
    await delivery.start()
    try:
        return list(await asyncio.gather(*(delivery.deliver(i) for i in items)))
    finally:
        await delivery.stop()


async def test_retry_after_and_backoff_do_not_delay_other_chats() -> None:
    transport = Flaky({"console:a": [RateLimited(0.2), Transient("reset")]})
    results: list[str] = []

    async def ok() -> None:
        results.append("sent")

    delivery = Delivery({"console": transport}, backoff=0.05)
    outcomes = await run(
        delivery,
        Outgoing("console:a", Reply.text("x"), "t", ok),
        Outgoing("console:b", Reply.text("y"), "t", ok),
    )
    assert [chat for chat, _ in transport.sent] == ["console:b", "console:a"]
    assert results == ["sent", "sent"]
    assert outcomes == [Outcome(Status.SENT), Outcome(Status.SENT)]


async def test_join_returns_after_each_send_is_written_down() -> None:
    # The outbox writes "sent" after the send; whoever joins the queue and then reads the
    # store must find it written (a write still running on the store's thread beside the
    # caller's broke a transaction).
    written: list[str] = []

    async def slow() -> None:
        await asyncio.sleep(0.05)
        written.append("sent")

    delivery = Delivery({"console": Flaky()})
    await delivery.start()
    try:
        delivery.put(Outgoing("console:a", Reply.text("x"), "t", slow))
        await delivery.join()
        assert written == ["sent"]
    finally:
        await delivery.stop()


async def test_stop_returns_when_it_meets_a_wake_up_of_a_queue_waiting_for_a_slot() -> None:
    # The queue waits for a chat's next slot; a new message wakes it in the same turn as the
    # stop. On 3.11 `asyncio.wait_for` lost that cancel and `stop()` waited for ever (a hung
    # SIGTERM; the thousand-chat burst test hung 1 run in 12-24).
    transport = Flaky()
    transport.limits = Limits(per_second=1000.0, chat_gap=1.0)
    delivery = Delivery({"console": transport})
    await delivery.start()
    delivery.put(Outgoing("console:a", Reply.text("x"), "t"))
    delivery.put(Outgoing("console:a", Reply.text("y"), "t"))
    await wait_until(lambda: transport.sent, within=10)  # the second waits for its slot
    delivery.put(Outgoing("console:b", Reply.text("z"), "t"))
    async with asyncio.timeout(10):
        await delivery.stop()


async def test_gives_up_after_retries_and_reports() -> None:
    transport = Flaky({"console:a": [Transient("down")] * 10})
    failed: list[Outcome] = []

    async def on_failed(outcome: Outcome) -> None:
        failed.append(outcome)

    delivery = Delivery({"console": transport}, retries=2, backoff=0.01)
    [outcome] = await run(delivery, Outgoing("console:a", Reply.text("x"), "t", None, on_failed))
    assert transport.sent == []
    assert len(failed) == 1
    assert failed[0].status is Status.FAILED
    assert "down" in failed[0].reason
    assert outcome == failed[0]


async def test_chat_gone_ends_the_chat() -> None:
    transport = Flaky({"console:a": [ChatGone("blocked")]})
    gone: list[str] = []

    async def on_gone(chat: str) -> None:
        gone.append(chat)

    delivery = Delivery({"console": transport}, on_gone=on_gone)
    outcomes = await run(
        delivery,
        Outgoing("console:a", Reply.text("x"), "t"),
        Outgoing("console:a", Reply.text("y"), "t"),
    )
    assert gone == ["console:a"]
    assert transport.sent == []
    assert [o.status for o in outcomes] == [Status.GONE, Status.GONE]


async def test_a_moved_chat_is_followed_and_reported() -> None:
    transport = Flaky({"console:old": [ChatMoved("console:new")]})
    moves: list[tuple[str, str]] = []

    async def on_moved(old: str, new: str) -> None:
        moves.append((old, new))

    delivery = Delivery({"console": transport}, on_moved=on_moved)
    await run(delivery, Outgoing("console:old", Reply.text("Überblick"), "t"))
    assert moves == [("console:old", "console:new")]
    assert transport.sent == [("console:new", "Überblick")]


async def test_too_large_splits_finer_and_sends_every_part_once() -> None:
    transport = Flaky({"console:a": [TooLarge("too long")]})
    reply = Reply(((Span("eins"),), (Span("zwei"),)))
    transport.split = lambda reply, size: (  # type: ignore[method-assign]
        [reply] if size >= 4096 else [Reply((p,)) for p in reply.paragraphs]
    )
    await run(Delivery({"console": transport}), Outgoing("console:a", reply, "t"))
    assert transport.sent == [("console:a", "eins"), ("console:a", "zwei")]


async def test_a_claim_is_taken_right_before_the_first_attempt_and_can_refuse() -> None:
    transport = Flaky({"console:a": [Transient("500"), Transient("500")]})
    claims: list[str] = []

    async def claim_a() -> bool:
        claims.append("a")
        return True

    async def claim_b() -> bool:
        claims.append("b")
        return False  # another process has it

    delivery = Delivery({"console": transport}, backoff=0.01)
    outcomes = await run(
        delivery,
        Outgoing("console:a", Reply.text("x"), "digest", claim=claim_a),
        Outgoing("console:b", Reply.text("y"), "digest", claim=claim_b),
    )
    assert outcomes == [Outcome(Status.SENT), Outcome(Status.SKIPPED)]
    assert sorted(claims) == ["a", "b"]  # once each, not once per retry
    assert transport.sent == [("console:a", "x")]


class Ends:
    """A message's on_sent and on_failed, noting how it ended."""

    def __init__(self) -> None:
        self.statuses: list[str] = []

    async def sent(self) -> None:
        self.statuses.append("sent")

    async def failed(self, outcome: Outcome) -> None:
        self.statuses.append(outcome.status.value)


@pytest.mark.parametrize("failures", [2, 99])
async def test_a_claim_that_fails_is_tried_again_and_never_counts_as_sent(failures: int) -> None:
    # A claim is a store write: the store may be busy or unreachable for a moment. The digest
    # is then claimed again with the next try, and given up as failed after the retries; it
    # is never reported sent unsent, and the chat's queue goes on.
    transport = Flaky()
    tries: list[int] = []
    ended = Ends()

    async def claim() -> bool:
        tries.append(1)
        if len(tries) <= failures:
            raise RuntimeError("database is locked")
        return True

    delivery = Delivery({"console": transport}, retries=3, backoff=0.01)
    await delivery.start()
    try:
        digest = delivery.put(
            Outgoing("console:a", Reply.text("x"), "digest", ended.sent, ended.failed, claim)
        )
        outcome = await asyncio.wait_for(digest, 5)
        reply = await asyncio.wait_for(
            delivery.deliver(Outgoing("console:a", Reply.text("y"), "reply", urgent=True)), 5
        )
        await asyncio.wait_for(delivery.join(), 5)
    finally:
        await delivery.stop()
    assert reply == Outcome(Status.SENT)
    if failures == 2:
        assert outcome == Outcome(Status.SENT)
        assert transport.sent == [("console:a", "x"), ("console:a", "y")]
        assert ended.statuses == ["sent"]
        assert len(tries) == 3
    else:
        assert outcome.status is Status.FAILED
        assert "database is locked" in outcome.reason
        assert transport.sent == [("console:a", "y")]
        assert ended.statuses == ["failed"]
        assert len(tries) == 4


class BadSplit(Flaky):
    """Fails to cut the first replies into messages (a render error), then cuts as Flaky."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.split_failures = failures

    def split(self, reply: Reply, size: int) -> list[Reply]:
        if self.split_failures > 0:
            self.split_failures -= 1
            raise ValueError("render error")
        return super().split(reply, size)


@pytest.mark.parametrize("failures", [1, 99])
async def test_a_reply_that_cannot_be_cut_is_tried_again_and_never_counts_as_sent(
    failures: int,
) -> None:
    transport = BadSplit(failures)
    claims: list[int] = []
    ended = Ends()

    async def claim() -> bool:
        claims.append(1)
        return True

    delivery = Delivery({"console": transport}, retries=2, backoff=0.01)
    digest = Outgoing("console:a", Reply.text("x"), "digest", ended.sent, ended.failed, claim)
    outcomes = await asyncio.wait_for(run(delivery, digest), 5)
    assert claims == [1]  # claimed once, however often it is tried
    if failures == 1:
        assert outcomes == [Outcome(Status.SENT)]
        assert transport.sent == [("console:a", "x")]
        assert ended.statuses == ["sent"]
    else:
        assert outcomes[0].status is Status.FAILED
        assert "render error" in outcomes[0].reason
        assert transport.sent == []
        assert ended.statuses == ["failed"]


@pytest.mark.parametrize(
    ("refusal", "given_back"),
    [
        (RateLimited(60.0), True),
        (Unreached("connection refused"), True),
        (Transient("timed out"), False),
        (OSError("reset"), False),
    ],
)
async def test_a_claim_is_given_back_at_stop_only_when_the_message_surely_did_not_go_out(
    refusal: Exception, given_back: bool
) -> None:
    # Claimed, tried once, and waiting for its next try when the process stops: after the
    # platform's own refusal (429) nothing went out, so the next start may send it; after a
    # network error or an unforeseen one it may have, so it is never sent again.
    transport = Flaky({"console:a": [refusal]})
    released: list[str] = []

    async def claim() -> bool:
        return True

    async def release() -> None:
        released.append("a")

    delivery = Delivery({"console": transport}, backoff=60.0)
    await delivery.start()
    waiting = delivery.put(
        Outgoing("console:a", Reply.text("x"), "alert", claim=claim, release=release)
    )
    await wait_until(lambda: not transport.failures["console:a"])
    await asyncio.sleep(0.05)  # the refusal is handled: the message waits for its next try
    await delivery.stop()
    assert await waiting == Outcome(Status.STOPPED)
    assert transport.sent == []
    assert released == (["a"] if given_back else [])


@pytest.mark.parametrize(
    ("refusal", "given_back"),
    [
        (RateLimited(0.05), True),
        (Unreached("connection refused"), True),
        (Transient("timed out"), False),
        (OSError("reset"), False),
    ],
)
async def test_a_claim_is_given_back_while_a_message_that_surely_did_not_go_out_waits(
    refusal: Exception, given_back: bool
) -> None:
    # Between its tries the claim is given back after the platform's refusal or no connection,
    # so a process killed meanwhile leaves the message due, and it is claimed again first.
    transport = Flaky({"console:a": [refusal]})
    steps: list[str] = []

    async def claim() -> bool:
        steps.append("claim")
        return True

    async def release() -> None:
        steps.append("release")

    delivery = Delivery({"console": transport}, backoff=0.05)
    item = Outgoing("console:a", Reply.text("x"), "alert", claim=claim, release=release)
    assert await asyncio.wait_for(run(delivery, item), 5) == [Outcome(Status.SENT)]
    assert transport.sent == [("console:a", "x")]
    assert steps == (["claim", "release", "claim"] if given_back else ["claim"])


class AccountLimit(Flaky):
    """A server that limits what the account sends, whatever the chat, as a Matrix homeserver
    does (Synapse's rc_message): a token bucket of `rate` a second and `burst` tokens; a send
    without a token is refused with the wait until the next one (429, retry_after_ms)."""

    def __init__(self, rate: float, burst: int, limits: Limits) -> None:
        super().__init__()
        self.limits = limits
        self.rate = rate
        self.tokens = float(burst)
        self.burst = burst
        self.at = time.monotonic()
        self.refused: Counter[str] = Counter()

    async def send(self, chat: str, part: Reply, replace: str | None = None) -> None:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            self.refused[chat] += 1
            raise RateLimited((1 - self.tokens) / self.rate)
        self.tokens -= 1
        await super().send(chat, part, replace)


@pytest.mark.parametrize("account_wide", [True, False])
async def test_a_burst_over_the_servers_rate_reaches_every_chat(account_wide: bool) -> None:
    # Ten rooms' digests at five times the rate the server allows the account, three tries
    # each. A refusal for the rate is the server's pacing, not a failed try: every digest
    # arrives. Where the limit is the account's, a refusal holds every chat, so the burst goes
    # at the server's pace instead of asking again and again.
    limits = Limits(per_second=100.0, chat_gap=0.0, account_wide=account_wide)
    server = AccountLimit(rate=20.0, burst=1, limits=limits)
    delivery = Delivery({"console": server}, retries=3)
    outcomes = await asyncio.wait_for(
        run(delivery, *(Outgoing(f"console:{n}", Reply.text(str(n)), "digest") for n in range(10))),
        30,
    )
    assert outcomes == [Outcome(Status.SENT)] * 10
    assert sorted(text for _, text in server.sent) == sorted(str(n) for n in range(10))
    if account_wide:
        assert sum(server.refused.values()) <= 30


async def test_an_unattempted_message_is_not_claimed_when_the_queue_stops() -> None:
    transport = Flaky()
    transport.delay = 0.05
    claimed: list[int] = []

    def claim(i: int) -> Outgoing:
        async def take() -> bool:
            claimed.append(i)
            return True

        return Outgoing("console:a", Reply.text(str(i)), "digest", claim=take)

    delivery = Delivery({"console": transport})
    await delivery.start()
    for i in range(100):
        delivery.put(claim(i))
    await asyncio.sleep(0.2)
    await delivery.stop()
    # Only what was attempted is claimed: the rest stays due for the next start.
    assert 1 <= len(claimed) <= 10
    assert len(transport.sent) >= len(claimed) - 1


async def test_a_command_reply_goes_before_queued_digests() -> None:
    transport = Flaky()
    transport.delay = 0.01  # the burst takes about 0.1 s (32 in flight), far longer than a reply
    delivery = Delivery({"console": transport})
    await delivery.start()
    for i in range(300):
        delivery.put(Outgoing(f"console:{i}", Reply.text("digest"), "digest"))
    await asyncio.sleep(0.01)
    before = len(transport.sent)
    outcome = await delivery.deliver(
        Outgoing("console:user", Reply.text("help"), "reply", urgent=True)
    )
    position = transport.sent.index(("console:user", "help"))
    await delivery.join()
    await delivery.stop()
    assert outcome == Outcome(Status.SENT)
    # Of 301 messages, the reply waited only for the sends already under way when it came
    # (and one the loop may start in the same turn).
    assert position <= before + MAX_IN_FLIGHT + 2
    assert before + MAX_IN_FLIGHT < 300


async def test_a_reply_never_exceeds_its_budget() -> None:
    transport = Flaky()
    huge = Reply(tuple((Span(f"Absatz {i}"),) for i in range(1000)))
    await run(
        Delivery({"console": transport}), Outgoing("console:a", huge, "reply", budget=REPLY_BUDGET)
    )
    assert len(transport.sent) == REPLY_BUDGET


async def test_whoever_waits_hears_stopped_when_the_queue_stops() -> None:
    transport = Flaky()
    transport.delay = 0.05
    delivery = Delivery({"console": transport})
    await delivery.start()
    waiting = [
        asyncio.ensure_future(delivery.deliver(Outgoing("console:a", Reply.text(str(i)), "reply")))
        for i in range(20)
    ]
    await asyncio.sleep(0.01)
    await delivery.stop()
    outcomes = await asyncio.wait_for(asyncio.gather(*waiting), 1)
    assert outcomes[0] == Outcome(Status.SENT)  # the send in flight finished
    assert set(outcomes[1:]) == {Outcome(Status.STOPPED)}
    late = await asyncio.wait_for(delivery.deliver(Outgoing("console:a", Reply.text("x"), "r")), 1)
    assert late == Outcome(Status.STOPPED)
    assert len(transport.sent) == 1


@pytest.mark.integration
async def test_a_message_telegram_took_but_answered_too_late_is_shown_once_and_the_rest_follows(
    bot_api: FakeBotAPI, store: Store, now: datetime, caplog: pytest.LogCaptureFixture
) -> None:
    # Telegram under load carries out a sendMessage and answers after the bot stopped waiting
    # (python-telegram-bot#1045): sent again, the chat would show it twice.
    bot_api.late_answer["sendMessage"] = [1.0]
    reply = Reply(((Span("Erste Meldung"),), (Span("Zweite Meldung"),)))
    transport = make_transport(bot_api, store, answer_timeout=0.3)
    transport.size = 30  # each line its own message
    async with running(transport, store, now) as served:
        outcome = await served.send("telegram:706", reply)
    assert outcome is Status.SENT
    assert [m.visible for m in bot_api.screen(706)] == ["Erste Meldung", "Zweite Meldung"]
    assert bot_api.count("sendMessage") == 2
    assert "event=send_unconfirmed chat=telegram:706" in caplog.text


@pytest.mark.integration
async def test_a_message_claimed_while_telegram_cannot_be_reached_is_given_back_at_stop(
    bot_api: FakeBotAPI, store: Store, now: datetime, caplog: pytest.LogCaptureFixture
) -> None:
    # No connection was made, so nothing went out: the next start may send it, once.
    released: list[str] = []

    async def claim() -> bool:
        return True

    async def release() -> None:
        released.append("digest")

    transport = make_transport(bot_api, store)
    async with running(transport, store, now) as served:
        await bot_api.stop()  # the Bot API's address refuses connections from now on
        waiting = served.delivery.put(
            Outgoing(
                "telegram:707", Reply.text("Dein Überblick"), "digest", claim=claim, release=release
            )
        )
        await wait_until(lambda: "event=delivery_retry chat=telegram:707" in caplog.text)
        await served.delivery.stop()
    assert await waiting == Outcome(Status.STOPPED)
    assert released == ["digest"]


@pytest.mark.integration
async def test_refused_markup_is_sent_once_more_as_plain_text(
    bot_api: FakeBotAPI, store: Store, now: datetime
) -> None:
    bot_api.refuse_markup.add(705)
    reply = Reply(((Span("Eilmeldung", bold=True), Span(": Haushalt & Zölle")),))
    transport = make_transport(bot_api, store)
    async with running(transport, store, now) as served:
        outcome = await served.send("telegram:705", reply)
    assert outcome is Status.SENT
    assert [m.visible for m in bot_api.screen(705)] == ["Eilmeldung: Haushalt & Zölle"]
    # One call per send: the refused one with markup, then the plain one.
    assert bot_api.count("sendMessage") == 2


@pytest.mark.integration
@pytest.mark.synapse
async def test_a_room_the_bot_cannot_read_is_told_once_through_the_delivery_and_left(
    homeserver: Homeserver, store: Store, now: datetime, tmp_path: Path
) -> None:
    bot = Account(homeserver.register(f"bot{uuid.uuid4().hex[:8]}", PASSWORD))
    carol = await login(homeserver, "carol", keys=tmp_path / "carol-keys")
    try:
        async with running(matrix_transport(homeserver, bot, store), store, now) as served:
            room = await carol.room_with(bot.user_id, encrypted=True)
            end = time.monotonic() + 60
            while bot.user_id not in await carol.members(room):
                assert time.monotonic() < end, "the bot did not join"
                await asyncio.sleep(0.1)
            for text in ("!start", "!hilfe", "!suche wahl"):
                await carol.say(room, text)
            await carol.wait_notice(lambda body: "verschlüsselt" in body)
            while bot.user_id in await carol.members(room):
                assert time.monotonic() < end + 20, "the bot did not leave"
                await asyncio.sleep(0.1)
            await served.delivery.join()
            sent = served.delivery.sent
            await carol.client.sync(timeout=0)
    finally:
        await carol.close()
    told = [body for _, sender, body, _ in carol.notices if sender == bot.user_id]
    assert len(told) == 1, told
    assert sent == 1  # the notice went through the one outgoing path
