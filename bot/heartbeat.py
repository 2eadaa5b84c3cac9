"""Liveness (pure): what each `newsbot run` process last did, and which role has gone silent.

Every running process records its own heartbeat at its scheduler's ticks (`heartbeat:<host>:<pid>`):
the tick's time, the roles it plays (`--roles`), the singleton roles it holds now, and for each
transport it receives for by asking (Telegram long polling, Matrix sync) when it last heard
back. `newsbot status --check` reads them all: a role that some process played and no live
process plays now is silent, so one live process no longer hides a dead one, while a dead
process whose roles another took over is no outage.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

HEARTBEAT_PREFIX = "heartbeat:"
# What one process before per-process heartbeats wrote (removed by the first new beat).
LEGACY_KEY = "heartbeat"
# The scheduler ticks every minute and a receive loop answers within 30 s; five minutes of
# silence is an outage, not a slow moment.
STALE_AFTER = timedelta(minutes=5)
# A dead process's heartbeat is forgotten this long after its last tick, once a live process
# plays all of its roles (until then it is the evidence of a role nobody plays).
FORGET_AFTER = timedelta(days=7)
# Roles any number of processes play (the others are singletons, held by one at a time).
SHARED_ROLES = frozenset({"poll", "receive"})
RECEIVER = "receive:"


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """One process's last tick, its start, the roles it plays and holds, and each transport's
    last receive (None: not yet)."""

    tick: datetime
    started: datetime
    receives: Mapping[str, datetime | None] = field(default_factory=dict)
    process: str = ""
    roles: tuple[str, ...] = ()
    held: tuple[str, ...] = ()


def key_of(process: str) -> str:
    """Where a process's heartbeat is kept."""
    return HEARTBEAT_PREFIX + process


def to_json(beat: Heartbeat) -> str:
    """The heartbeat as stored."""
    receives = {k: v.isoformat() if v else None for k, v in beat.receives.items()}
    data = {"tick": beat.tick.isoformat(), "started": beat.started.isoformat()}
    roles = {"process": beat.process, "roles": list(beat.roles), "held": list(beat.held)}
    return json.dumps({**data, "receives": receives, **roles})


def from_json(text: str | None) -> Heartbeat | None:
    """The stored heartbeat; None when there is none (or it cannot be read)."""
    if not text:
        return None
    try:
        data = json.loads(text)
        receives = {
            str(k): datetime.fromisoformat(v) if v else None
            for k, v in dict(data.get("receives") or {}).items()
        }
        return Heartbeat(
            datetime.fromisoformat(data["tick"]),
            datetime.fromisoformat(data["started"]),
            receives,
            str(data.get("process") or ""),
            tuple(str(r) for r in data.get("roles") or ()),
            tuple(str(h) for h in data.get("held") or ()),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def read_beats(stored: Mapping[str, str]) -> list[Heartbeat]:
    """The heartbeats among stored `heartbeat:…` values, each named by its process."""
    out = []
    for key, text in sorted(stored.items()):
        beat = from_json(text)
        if beat is not None:
            process = beat.process or key.removeprefix(HEARTBEAT_PREFIX)
            out.append(
                Heartbeat(beat.tick, beat.started, beat.receives, process, beat.roles, beat.held)
            )
    return out


def plays(beat: Heartbeat, role: str) -> bool:
    """Whether the process plays `role` now: a shared role it runs, a singleton it holds."""
    return role in beat.roles if role in SHARED_ROLES else role in beat.held


def _seconds(span: timedelta) -> str:
    return f"{span.total_seconds():.0f}"


def silent_parts(
    beats: Sequence[Heartbeat], now: datetime, stale: timedelta = STALE_AFTER
) -> list[str]:
    """What is silent for longer than `stale`, each as a short phrase: every role (and each
    bot's receiver) some process played and no live process plays now, naming the last that
    did; and each live process's transport that has not heard back (counted from its start
    until its first receive)."""
    live = [b for b in beats if now - b.tick <= stale]
    silent: list[str] = []
    wanted = [*_roles(beats), *sorted({h for b in beats for h in b.held if h.startswith(RECEIVER)})]
    for role in wanted:
        if any(plays(b, role) for b in live):
            continue
        # The last process that played it (else the last that was to, as a standby).
        players = [b for b in beats if plays(b, role)] or [b for b in beats if role in b.roles]
        last = max(players, key=lambda b: b.tick)
        since = _seconds(now - last.tick)
        if role.startswith(RECEIVER):
            name = role.removeprefix(RECEIVER).split(":", 1)[0]
            silent.append(
                f"{name} receive (no live receiver; last {last.process}, silent {since} s)"
            )
        else:
            who = "process" if role in SHARED_ROLES else "holder"
            silent.append(f"{role} (no live {who}; last {last.process}, silent {since} s)")
    if beats and not live and not silent:  # processes that played no role: they are silent
        last = max(beats, key=lambda b: b.tick)
        silent.append(f"every process (last {last.process}, silent {_seconds(now - last.tick)} s)")
    for beat in live:
        for name, heard in sorted(beat.receives.items()):
            since_heard = heard or beat.started
            if now - since_heard > stale:
                what = "receive" if heard else "receive, none since start"
                where = f" on {beat.process}" if beat.process else ""
                silent.append(f"{name} {what}{where} (silent {_seconds(now - since_heard)} s)")
    return silent


def _roles(beats: Iterable[Heartbeat]) -> list[str]:
    """The roles any process played, in `newsbot run --roles` order."""
    order = ("receive", "schedule", "poll", "deliver")
    played = {r for b in beats for r in (*b.roles, *b.held)}
    return [r for r in order if r in played]


def forgettable(beats: Sequence[Heartbeat], mine: Heartbeat) -> list[str]:
    """The processes whose heartbeats may go: silent past `FORGET_AFTER`, and every role they
    played is one this live process plays too."""
    return [
        b.process
        for b in beats
        if b.process != mine.process
        and mine.tick - b.tick > FORGET_AFTER
        and set(b.roles) <= set(mine.roles)
    ]
