"""Liveness (pure): what `newsbot run` last did, and which part has gone silent.

The running bot records a heartbeat at every scheduler tick: the tick's time, and for each
transport that receives by asking (Telegram long polling, Matrix sync) when it last heard back.
`newsbot status --check` reads it and names the part that is silent for longer than allowed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

HEARTBEAT_KEY = "heartbeat"
# The scheduler ticks every minute and a receive loop answers within 30 s; five minutes of
# silence is an outage, not a slow moment.
STALE_AFTER = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """The last tick, the run's start, and each transport's last receive (None: not yet)."""

    tick: datetime
    started: datetime
    receives: Mapping[str, datetime | None] = field(default_factory=dict)


def to_json(beat: Heartbeat) -> str:
    """The heartbeat as stored."""
    receives = {k: v.isoformat() if v else None for k, v in beat.receives.items()}
    data = {"tick": beat.tick.isoformat(), "started": beat.started.isoformat()}
    return json.dumps({**data, "receives": receives})


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
            datetime.fromisoformat(data["tick"]), datetime.fromisoformat(data["started"]), receives
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def silent_parts(beat: Heartbeat, now: datetime, stale: timedelta = STALE_AFTER) -> list[str]:
    """The parts silent for longer than `stale`, as `name (silent N s)`: the scheduler's
    tick, and each transport's receive (counted from the start until its first)."""
    silent: list[str] = []
    if now - beat.tick > stale:
        silent.append(f"scheduler (silent {(now - beat.tick).total_seconds():.0f} s)")
    for name, heard in sorted(beat.receives.items()):
        since = heard or beat.started
        if now - since > stale:
            what = "receive" if heard else "receive, none since start"
            silent.append(f"{name} {what} (silent {(now - since).total_seconds():.0f} s)")
    return silent
