"""Pushes outside the digest: keyword alerts, breaking stories and what waited for a chat's quiet
hours, through the store's outbox.

A push is planned into the outbox when its article is stored (`plan_alerts`, `plan_breaking`),
due at once or at the end of the chat's quiet time; a poll notes its new articles as unplanned
in the transaction that stores them, so what a poller that died before planning left is
planned by the sender (`plan_left`); `send_due` hands what is due to the one
`Delivery`, claimed right before its attempt. So a push planned and never tried survives a
restart (sent by the next start), one cut off mid-attempt is logged `unknown` and never resent,
and one left longer than `PUSH_GRACE` past its time is dropped, logged and counted. What the
chat withdrew while a push waited (its alert, breaking stories, the outlet) is not sent.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from functools import partial

from bot.alerts import alert_hits, alert_reply
from bot.breaking import DEFAULT_RULE, Rule, breaking_reply, breaking_stories
from bot.delivery import Delivery, Outgoing
from bot.digest import chat_zone
from bot.quiet import held_reply, quiet_until
from bot.records import DEFAULT_ZONE, ChatSettings, Reply, as_push
from bot.send_policy import Outcome
from bot.store import Push, PushLeft, Storage

log = logging.getLogger(__name__)
# An alert or breaking story is news for a while; one that could not go out within two hours of
# its time (the bot was down, the platform refused) is dropped: the next digest carries it.
PUSH_GRACE = timedelta(hours=2)
# Articles whose alerts their poller has not planned this long after storing them are planned
# by the sender (the poller died in between); before, the poller is likely still at it.
PLAN_SETTLE = timedelta(minutes=2)
# Unplanned articles taken per round.
PLAN_BATCH = 200


def quiet_end(store: Storage, chat: str, now: datetime, default_zone: str) -> datetime | None:
    """When the chat's quiet time holding `now` ends, None when it is not quiet (store thread)."""
    quiet = store.chats.settings(chat).quiet
    if not quiet:
        return None
    return quiet_until(quiet, chat_zone(store, chat, default_zone), now)


class Outbox:
    """Plans pushes into the store and sends the due ones through the delivery, each once."""

    def __init__(
        self,
        store: Storage,
        queue: Delivery,
        *,
        clock: Callable[[], datetime],
        default_zone: str = DEFAULT_ZONE,
        rule: Rule = DEFAULT_RULE,
        grace: timedelta = PUSH_GRACE,
    ) -> None:
        self.store = store
        self.queue = queue
        self.clock = clock
        self.default_zone = default_zone
        self.rule = rule
        self.grace = grace
        # Outbox rows queued in this process and not yet ended (not queued twice).
        self._queued: set[int] = set()

    async def recover(self, now: datetime) -> None:
        """At start: what a stopped process left mid-attempt is `unknown`, never resent; the
        alerts of articles a stopped poller stored and did not plan are planned now."""
        left = await self.store.run(partial(self.store.pushes.abandon_unfinished, now))
        for push in left:
            log.warning(
                "event=push_outcome_unknown chat=%s key=%s action=not_resent", push.chat, push.key
            )
        await self.plan_left(now, settle=timedelta(0))

    async def plan_left(self, now: datetime, settle: timedelta = PLAN_SETTLE) -> int:
        """Plan the alerts of articles stored more than `settle` ago and still unplanned (their
        poller died between storing and planning); those stored longer ago than the grace are
        given up, as a push that late would be. Returns how many alerts were planned."""
        store = self.store
        too_old = 0
        stale_ones = partial(store.pushes.unplanned, now - self.grace, PLAN_BATCH)
        while stale := await store.run(stale_ones):
            await store.run(partial(store.pushes.mark_planned, stale))
            too_old += len(stale)
        if too_old:
            log.warning("event=alerts_not_planned count=%d reason=too_old", too_old)
        planned = late = 0
        while ids := await store.run(partial(store.pushes.unplanned, now - settle, PLAN_BATCH)):
            planned += await self.plan_alerts(ids, now)
            late += len(ids)
            log.info("event=alerts_planned_late articles=%d planned=%d", len(ids), planned)
        # The late articles may make a story break (with or without an alert on them): the
        # poller that stored them planned no breaking story either.
        if late:
            await self.plan_breaking(now)
        return planned

    async def plan_alerts(self, article_ids: Sequence[int], now: datetime) -> int:
        """Plan each new article that matches a chat's alert words for that chat, once; in the
        chat's quiet hours it is due at their end. Returns how many were planned."""
        if not article_ids:
            return 0
        return await self.store.run(partial(self._plan_alerts, list(article_ids), now))

    def _plan_alerts(self, article_ids: list[int], now: datetime) -> int:
        store = self.store
        planned = self._plan_hits(article_ids, now)
        # Planned (each hit once, in its own transaction): nothing is left to do for them.
        store.pushes.mark_planned(article_ids)
        return planned

    def _plan_hits(self, article_ids: list[int], now: datetime) -> int:
        store = self.store
        hits = alert_hits(store.chats.alerts(), store.articles.articles_by_id(article_ids))
        planned = 0
        for hit in hits:
            if store.pushes.has_alert_hit(hit.alert_ids, hit.article.id):
                continue
            settings = store.chats.settings(hit.chat)
            if not settings.sees(hit.article):
                continue  # another chat's own feed, or the chat chose other outlets
            reply = as_push(alert_reply(hit.article, hit.words, settings.language), settings)
            due = quiet_end(store, hit.chat, now, self.default_zone) or now
            planned += store.pushes.plan_alert(
                hit.chat, hit.alert_ids, hit.article.id, reply, due, now
            )
        return planned

    async def plan_breaking(self, now: datetime) -> int:
        """Plan stories breaking now for each chat that asked for them, once per story; in the
        chat's quiet hours it is due at their end. Returns how many were planned."""
        return await self.store.run(partial(self._plan_breaking, now))

    def _plan_breaking(self, now: datetime) -> int:
        store = self.store
        chats = store.pushes.breaking_chats()
        if not chats:
            return 0
        # `until` is exclusive: an article stored this very second counts.
        recent = store.articles.articles_since(now - self.rule.lookback, now + timedelta(seconds=1))
        # Breaking stories are the shared pool's: a chat's own feed counts for no one's outlets.
        shared = [a for a in recent if a.chat_feed is None]
        found = breaking_stories(shared, now, self.rule)
        planned = 0
        for chat in chats if found else ():
            settings = store.chats.settings(chat)
            due = quiet_end(store, chat, now, self.default_zone) or now
            for story in found:
                if store.pushes.told_breaking(chat, story.article_ids):
                    continue
                seen = story.as_seen(settings)
                if seen is None:
                    continue  # none of the chat's chosen outlets reports it
                reply = as_push(breaking_reply(seen, settings.language), settings)
                lead = seen.article_ids[0]
                planned += store.pushes.plan_breaking(
                    chat, story.article_ids, lead, reply, due, now
                )
        return planned

    async def send_due(self, now: datetime) -> int:
        """Queue every push due by `now` (what waited for a quiet time: one message per chat);
        drop what is older than the grace. Returns the messages queued."""
        await self.plan_left(now)
        dropped = await self.store.run(partial(self.store.pushes.drop_stale, now - self.grace, now))
        for left in dropped:
            _log_dropped(left, now)
        queued = frozenset(self._queued)
        due = await self.store.run(partial(self._still_wanted, now, queued))
        waited: dict[str, list[Push]] = {}
        messages: list[tuple[str, Reply, str, list[int]]] = []
        for push in due:
            if push.id in self._queued:
                continue
            if push.held:
                waited.setdefault(push.chat, []).append(push)
            else:
                messages.append((push.chat, push.reply, push.key, [push.id]))
        if waited:
            settings = await self.store.run(partial(self._settings, list(waited)))
            for chat, items in waited.items():
                held = held_reply([i.reply.paragraphs for i in items], settings[chat].language)
                reply = as_push(held, settings[chat])
                messages.append((chat, reply, "held", [i.id for i in items]))
        for chat, reply, label, ids in messages:
            self._queued.update(ids)
            self.queue.put(
                Outgoing(
                    chat,
                    reply,
                    label,
                    claim=self._claim(ids),
                    release=self._release(ids),
                    on_sent=self._finish(ids, "sent"),
                    on_failed=self._failed(ids),
                )
            )
        return len(messages)

    def _still_wanted(self, now: datetime, queued: frozenset[int]) -> list[Push]:
        """The pushes due by `now` that their chat still wants, and those `queued` already
        (store thread). What waited (for a quiet time to end, a retry) while the chat deleted
        its alert, turned breaking stories off or chose other outlets is withdrawn, not sent."""
        store = self.store
        settings: dict[str, ChatSettings] = {}
        alerts: dict[str, list[int]] = {}
        wanted: list[Push] = []
        for push in store.pushes.due(now):
            if push.chat not in settings:
                settings[push.chat] = store.chats.settings(push.chat)
                alerts[push.chat] = [a.id for a in store.chats.alerts(push.chat)]
            if push.id in queued or self._wants(push, settings[push.chat], alerts[push.chat]):
                wanted.append(push)
            elif store.pushes.claim([push.id], now):  # not while another run sends it
                store.pushes.finish([push.id], "withdrawn", now, "the chat no longer wants it")
                log.info("event=push_withdrawn chat=%s key=%s", push.chat, push.key)
        return wanted

    def _wants(self, push: Push, settings: ChatSettings, alerts: list[int]) -> bool:
        """Whether the chat, with these settings and alert ids, still wants this push, as
        planning would decide now (store thread)."""
        store = self.store
        kind, _, number = push.key.partition(":")
        if kind != push.kind or not number.isdigit():
            return True  # held before the outbox (`held:N`): nothing to check it against
        if kind == "alert":
            if not store.pushes.has_alert_hit(alerts, int(number)):
                return False  # every alert that matched it was deleted
            return all(settings.sees(a) for a in store.articles.articles_by_id([int(number)]))
        if kind == "breaking":
            if not settings.breaking:
                return False
            story = store.articles.articles_by_id(
                store.pushes.breaking_story(push.chat, int(number))
            )
            return not story or any(settings.sees(a) for a in story)
        return True

    def _settings(self, chats: list[str]) -> dict[str, ChatSettings]:
        return {chat: self.store.chats.settings(chat) for chat in chats}

    def _claim(self, ids: list[int]) -> Callable[[], Awaitable[bool]]:
        async def claim() -> bool:
            taken = await self.store.run(partial(self.store.pushes.claim, ids, self.clock()))
            if not taken:
                self._queued.difference_update(ids)
            return taken

        return claim

    def _release(self, ids: list[int]) -> Callable[[], Awaitable[None]]:
        async def release() -> None:
            # Still queued here (claimed again before its next try): not queued twice.
            await self.store.run(partial(self.store.pushes.release, ids))

        return release

    def _finish(self, ids: list[int], status: str, note: str = "") -> Callable[[], Awaitable[None]]:
        async def done() -> None:
            await self.store.run(partial(self.store.pushes.finish, ids, status, self.clock(), note))
            self._queued.difference_update(ids)

        return done

    def _failed(self, ids: list[int]) -> Callable[[Outcome], Awaitable[None]]:
        async def failed(outcome: Outcome) -> None:
            await self._finish(ids, outcome.status.value, outcome.reason)()

        return failed


def _log_dropped(push: PushLeft, now: datetime) -> None:
    due = push.due.isoformat() if push.due else "?"
    log.warning(
        "event=push_dropped chat=%s key=%s due=%s now=%s reason=too_old",
        push.chat,
        push.key,
        due,
        now.isoformat(),
    )
