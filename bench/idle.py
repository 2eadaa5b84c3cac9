"""The scheduler idle: `newsbot run` with 10,000 or 100,000 subscriptions and nothing due.
Prints start-up (process start to a running scheduler), CPU per idle minute, RSS and the time
to stop on SIGTERM.

Run: .venv/bin/python bench/idle.py [--subs 10000 100000] [--minutes 1] [--code DIR]

`--code DIR` runs another checkout (today's main, e.g. from `git archive 1583bb0 | tar -x -C
DIR`) on its own database of the same subscriptions, for a same-run figure. The database is
what an upgrade finds: subscriptions made two days ago, the digests sent since in the delivery
log, no next digest time kept yet. The first start computes every subscription's next digest
time once (the upgrade's cost, printed apart); the figures are from the second start, as a bot
restarted on its data.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.burst import bot_env, cpu_seconds  # noqa: E402 - the checkout's own bench
from tests.fakes.bot_api import FakeBotAPI  # noqa: E402

PREPARE = """
import sys
from datetime import UTC, datetime, time, timedelta
from bot.store import Store
store = Store.open(sys.argv[1])
now = datetime.fromisoformat(sys.argv[2])
skip = now.hour * 60 + now.minute
created = now - timedelta(days=2)
sent = []
subs = []
with store.transaction():
    for c in range(int(sys.argv[3])):
        # Any minute of the day but the next two hours: nothing falls due while measured.
        minute = (skip + 120 + c % (24 * 60 - 240)) % (24 * 60)
        at = f"{minute // 60:02d}:{minute % 60:02d}"
        # As `subscribe` writes them (in one statement: a hundred thousand upserts take minutes).
        subs.append((f"telegram:{c + 1}", at, "UTC", created.isoformat()))
        # The digests the bot sent before it was stopped for the upgrade.
        for days in range(4):
            day = now.date() - timedelta(days=days)
            fire = datetime.combine(day, time(minute // 60, minute % 60), UTC)
            if created <= fire <= now:
                sent.append((f"telegram:{c + 1}", fire.date().isoformat(), fire.isoformat()))
    store.db.conn.executemany(
        "INSERT INTO chats (key, created, zone) VALUES (?, ?, 'UTC')",
        [(chat, when) for chat, _, _, when in subs],
    )
    store.db.conn.executemany(
        "INSERT INTO subscriptions (chat, time, timezone, created, next_due, more_times, days)"
        " VALUES (?, ?, ?, ?, NULL, '', '')", subs,
    )
    store.db.conn.executemany(
        "INSERT INTO deliveries (chat, digest_date, sent, status, note, scheduled)"
        " VALUES (?, ?, ?, 'sent', '', ?)", [(c, d, t, t) for c, d, t in sent]
    )
store.close()
"""


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def lifetime(code: Path, env: dict[str, str], minutes: float) -> dict[str, float]:
    """Start the bot, wait for its scheduler, stay idle `minutes`, stop it; the figures."""
    t0 = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=code, stderr=asyncio.subprocess.PIPE
    )
    stderr = proc.stderr
    if stderr is None:
        raise SystemExit("no stderr to read")
    while True:
        line = await stderr.readline()
        if not line:
            raise SystemExit("the bot stopped before its scheduler ran")
        if b"event=scheduler_started" in line:
            break
    started = time.monotonic() - t0
    start_cpu = cpu_seconds(proc.pid)

    async def drain() -> None:
        while await stderr.readline():
            pass

    drainer = asyncio.create_task(drain())
    cpu0 = cpu_seconds(proc.pid)
    await asyncio.sleep(minutes * 60)
    cpu = (cpu_seconds(proc.pid) - cpu0) / minutes if minutes else 0.0
    rss = rss_mib(proc.pid)
    t1 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    await proc.wait()
    stop = time.monotonic() - t1
    await drainer
    return {
        "start_s": started,
        "start_cpu_s": start_cpu,
        "cpu_per_min_s": cpu,
        "rss_mib": rss,
        "stop_s": stop,
    }


async def measure(
    code: Path, subs: int, minutes: float
) -> tuple[dict[str, float], dict[str, float]]:
    api = FakeBotAPI()
    await api.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "bot.db"
            env = bot_env(code, db, api)
            env["NEWSBOT_LOG_LEVEL"] = "INFO"
            now = datetime.now(UTC) + timedelta(minutes=1)
            prep = await asyncio.create_subprocess_exec(
                sys.executable, "-c", PREPARE, str(db), now.isoformat(), str(subs),
                env=env, cwd=code,
            )  # fmt: skip
            await prep.wait()
            first = await lifetime(code, env, 0)
            return await lifetime(code, env, minutes), first
    finally:
        await api.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subs", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--code", type=Path, action="append", default=[])
    args = parser.parse_args()
    for subs in args.subs:
        print(f"subscriptions={subs} nothing due, idle {args.minutes:g} min")
        for code in [ROOT, *args.code]:
            r, first = asyncio.run(measure(code.resolve(), subs, args.minutes))
            print(
                f"  {code.name or code}: start={r['start_s']:.1f}s (CPU {r['start_cpu_s']:.1f}s)"
                f" cpu_per_idle_min={r['cpu_per_min_s']:.2f}s rss={r['rss_mib']:.0f}MiB"
                f" stop={r['stop_s']:.1f}s  (first start after the upgrade:"
                f" {first['start_s']:.1f}s, CPU {first['start_cpu_s']:.1f}s)"
            )


if __name__ == "__main__":
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    main()
