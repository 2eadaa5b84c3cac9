"""`newsbot status --check`, the container's health check: does the database read, and is the
running bot alive (each role it plays played by a process whose heartbeat is fresh)?

It runs every 60 s, so it reads the SQLite file with the standard library alone (read-only, no
migration) instead of paying the store's imports (sqlite-utils, the summarizer) on each run. The
full `newsbot status` report goes through the store (bot/cli/operations.py).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.cli.opening import EXIT_EMPTY, EXIT_OK
from bot.cli.texts import say
from bot.config import Config, is_postgres
from bot.heartbeat import HEARTBEAT_PREFIX, read_beats, silent_parts


def cmd_status(args: argparse.Namespace, config: Config) -> int:
    """Print `ok: …` and exit 0 when the database reads and no part of a running bot is silent
    for longer than `--stale` seconds; 1 (and what is wrong) if not."""
    if is_postgres(config.db):
        return _check_store(args, config)
    path = Path(config.db)
    if not path.is_file():
        message = say(config.language, "no_database", db=repr(str(config.db)))
        print(f"newsbot status: {message}", file=sys.stderr)
        return EXIT_EMPTY
    try:
        count, beats = read_health(path)
    except sqlite3.Error as exc:
        message = say(config.language, "cannot_read", db=config.db, error=exc)
        print(f"newsbot status: {message}", file=sys.stderr)
        return EXIT_EMPTY
    return _judge(args, config, count, beats)


def _check_store(args: argparse.Namespace, config: Config) -> int:
    """The same check on a PostgreSQL store, through the store (its server has no file to read)."""
    from bot.cli.opening import open_existing
    from bot.store import StoreError, show_target

    store = open_existing(config, "status")
    if store is None:
        return EXIT_EMPTY
    try:
        count, beats = store.check(), store.chats.states(HEARTBEAT_PREFIX)
    except StoreError as exc:
        message = say(config.language, "cannot_read", db=show_target(config.db), error=exc)
        print(f"newsbot status: {message}", file=sys.stderr)
        return EXIT_EMPTY
    finally:
        store.close()
    return _judge(args, config, count, beats, show_target(config.db))


def _judge(
    args: argparse.Namespace,
    config: Config,
    count: int,
    stored: dict[str, str],
    shown: str | None = None,
) -> int:
    """Exit 0 and `ok: …` unless a role of the running bot (or a live process's receive) is
    silent for longer than --stale."""
    db = shown or str(config.db)
    beats = read_beats(stored)
    if not beats:  # no bot has run on this database yet: the database is all there is
        print(say(config.language, "status_check", count=count, db=db))
        return EXIT_OK
    now = datetime.now(UTC)
    stale = timedelta(seconds=args.stale)
    silent = silent_parts(beats, now, stale)
    if silent:
        parts = ", ".join(silent)
        message = say(config.language, "status_silent", parts=parts, stale=args.stale, db=db)
        print(f"newsbot status: {message}", file=sys.stderr)
        return EXIT_EMPTY
    live = [b for b in beats if now - b.tick <= stale]
    age = f"{min((now - b.tick).total_seconds() for b in live):.0f}"
    print(say(config.language, "status_alive", count=count, db=db, age=age, live=len(live)))
    return EXIT_OK


def read_health(path: Path) -> tuple[int, dict[str, str]]:
    """The article count (reading the schema, as `Store.check` does) and every process's
    stored heartbeat, on a read-only connection."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        count = int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
        # A range of the primary key: `heartbeat:` up to the next character after its colon.
        end = HEARTBEAT_PREFIX[:-1] + chr(ord(HEARTBEAT_PREFIX[-1]) + 1)
        rows = conn.execute(
            "SELECT key, value FROM state WHERE key >= ? AND key < ?", [HEARTBEAT_PREFIX, end]
        ).fetchall()
        return count, {str(k): str(v) for k, v in rows}
    finally:
        conn.close()
