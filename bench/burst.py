"""A digest burst end to end: `newsbot run` against the fake Bot API, N chats due at one minute,
a window of 5,000 articles. Prints the time from the due minute to the first and the last
digest, the bot's CPU for the burst, and how long a `/help` from another chat waited.

Run: .venv/bin/python bench/burst.py [--chats 1000] [--unpaced] [--code DIR]

`--unpaced` lifts Telegram's pacing (30 messages a second) in the bot process, to show what
building and the queue cost alone. `--code DIR` runs another checkout (today's main, e.g. from
`git archive 1583bb0 | tar -x -C DIR`) on the same kind of database, for a same-run figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.bot_api import FakeBotAPI  # noqa: E402 - the checkout's own fakes

# Leave the bot this long after its start before the due minute (start-up, the first poll).
LEAD = timedelta(seconds=25)
UNPACED = (
    "import bot.transports.telegram as t, bot.transports.port as b, sys\n"
    "t.LIMITS = b.Limits(per_second=100000.0, chat_gap=0.0)\n"
    "from bot.cli import main\n"
    "sys.exit(main(['run']))\n"
)
# `--profile FILE`: cProfile on every thread of the bot (the loop, the store's thread, the
# workers that build), merged into one pstats file when the bot stops.
PROFILED = """
import cProfile, pstats, sys, threading, time
profiles = [cProfile.Profile(time.thread_time)]
plain_run = threading.Thread.run
def run(self):
    profile = cProfile.Profile(time.thread_time)
    profiles.append(profile)
    profile.enable()
    try:
        plain_run(self)
    finally:
        profile.disable()
threading.Thread.run = run
{limits}
from bot.cli import main
profiles[0].enable()
try:
    code = main(['run'])
finally:
    profiles[0].disable()
    stats = pstats.Stats(profiles[0])
    for p in profiles[1:]:
        p.disable()
        stats.add(p)
    stats.dump_stats(sys.argv[1])
sys.exit(code)
"""
PREPARE = """
import json, sys
from datetime import datetime, timedelta
from bot.records import NewArticle, Subscription
from bot.store import Store
store = Store.open(sys.argv[1])
now = datetime.fromisoformat(sys.argv[2])
chats = int(sys.argv[3])
rows = json.load(sys.stdin)
for i in range(0, len(rows), 500):
    part = rows[i:i + 500]
    batch = [
        NewArticle(t, s, b, tuple(m), datetime.fromisoformat(w), u) for t, s, b, m, w, u in part
    ]
    store.articles.add_articles(batch, datetime.fromisoformat(part[-1][4]))
created = now - timedelta(days=2)
with store.transaction():
    for c in range(1, chats + 1):
        store.chats.subscribe(Subscription(f"telegram:{c}", "00:00", "UTC", created), created)
print(store.articles.count_articles())
store.close()
"""


def articles_json(n: int, now: datetime) -> str:
    """The digest bench's corpus, moved to end at `now`, as the prepare script reads it."""
    from bench.digest import NOW, corpus

    rows = []
    for a in corpus(n, random.Random(7)):
        when = now - (NOW - a.fetched)
        rows.append((a.title, a.source, a.body, list(a.summary), when.isoformat(), a.url))
    return json.dumps(rows)


class TimedBotAPI(FakeBotAPI):
    """The fake Bot API, noting when each message arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: list[tuple[float, int]] = []

    async def m_sendmessage(self, p: dict[str, Any]) -> Any:
        self.arrived.append((time.time(), int(p["chat_id"])))
        return await super().m_sendmessage(p)


def cpu_seconds(pid: int) -> float:
    """The process's user + system CPU seconds so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def prepare(code: Path, db: Path, env: dict[str, str], chats: int, articles: int) -> int:
    """The database by the measured checkout's own store: the articles, `chats` subscribers;
    returns how many articles were stored (near-duplicates merge)."""
    now = datetime.now(UTC)
    prepared = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", PREPARE, str(db), now.isoformat(), str(chats)],
        input=articles_json(articles, now), env=env, check=True, cwd=code,
        capture_output=True, text=True,
    )  # fmt: skip
    return int(prepared.stdout.split()[-1])


def bot_env(code: Path, db: Path, api: FakeBotAPI) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(code), "NEWSBOT_DB": str(db), "NEWSBOT_CONFIG": ""}
    env.update(TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_URL=api.base_url)
    env["NEWSBOT_LOG_LEVEL"] = "WARNING"
    return env


async def one_run(
    code: Path, db: Path, api: TimedBotAPI, chats: int, unpaced: bool, profile: Path | None
) -> dict[str, float]:
    """One bot lifetime around one due minute; the figures."""
    env = bot_env(code, db, api)
    # The due minute: the first whole minute that leaves the bot `LEAD` to start.
    due = (datetime.now(UTC) + LEAD).replace(second=0, microsecond=0) + timedelta(minutes=1)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE subscriptions SET time = ?", [due.strftime("%H:%M")])
    conn.close()
    await asyncio.sleep(max(0.0, (due - LEAD - datetime.now(UTC)).total_seconds()))
    argv = ["-c", UNPACED] if unpaced else ["-m", "bot", "run"]
    if profile is not None:
        limits = UNPACED.split("from bot.cli")[0] if unpaced else ""
        argv = ["-c", PROFILED.format(limits=limits), str(profile)]
    proc = await asyncio.create_subprocess_exec(
        sys.executable, *argv, env=env, cwd=code, stderr=asyncio.subprocess.DEVNULL
    )
    await asyncio.sleep((due - datetime.now(UTC)).total_seconds())
    cpu_at_due = cpu_seconds(proc.pid)
    helped = 0.0
    asked = False
    deadline = time.time() + 3600
    while len({c for _, c in api.arrived if c <= chats}) < chats and time.time() < deadline:
        if not asked and api.arrived:
            await asyncio.sleep(1)
            asked, started = True, time.time()
            api.push_text("/help", chat_id=chats + 1000)
        if asked and not helped and api.screen(chats + 1000):
            helped = time.time() - started
        await asyncio.sleep(0.05)
    cpu = cpu_seconds(proc.pid) - cpu_at_due
    proc.terminate()
    await proc.wait()
    digests = sorted(t for t, c in api.arrived if c <= chats)
    base = due.timestamp()
    return {
        "first_s": digests[0] - base,
        "last_s": digests[-1] - base,
        "cpu_s": cpu,
        "help_s": helped,
        "digests": float(len(digests)),
        "calls": float(len(api.arrived)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--unpaced", action="store_true")
    parser.add_argument("--code", type=Path, action="append", default=[])
    parser.add_argument("--profile", type=Path, help="write the bot's cProfile stats here")
    args = parser.parse_args()
    random.seed(7)
    pacing = "lifted" if args.unpaced else "telegram 30/s"
    print(f"chats={args.chats} articles={args.articles} pacing={pacing}")
    print(f"  pacing alone: {args.chats / 30:.1f} s at 30 messages a second")
    for code in [ROOT, *args.code]:
        r, stored = asyncio.run(
            measure(code.resolve(), args.chats, args.articles, args.unpaced, args.profile)
        )
        print(
            f"  {code.name or code}: first={r['first_s']:.1f}s last={r['last_s']:.1f}s"
            f" cpu={r['cpu_s']:.1f}s help_answered_in={r['help_s']:.2f}s"
            f" digests={r['digests']:.0f} send_calls={r['calls']:.0f} articles_stored={stored}"
        )


async def measure(
    code: Path, chats: int, articles: int, unpaced: bool, profile: Path | None = None
) -> tuple[dict[str, float], int]:
    api = TimedBotAPI()
    await api.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "bot.db"
            loop = asyncio.get_running_loop()
            env = bot_env(code, db, api)
            stored = await loop.run_in_executor(None, prepare, code, db, env, chats, articles)
            return await one_run(code, db, api, chats, unpaced, profile), stored
    finally:
        await api.stop()


if __name__ == "__main__":
    main()
