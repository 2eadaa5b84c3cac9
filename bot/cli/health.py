"""`newsbot status --check`, the container's health check: does the database read, and is the
running bot alive (each role it plays played by a process whose heartbeat is fresh)?

It runs every 60 s, so it reads the database with its driver alone (`bot.store.health`: sqlite3,
or psycopg on PostgreSQL; read-only, no migration) instead of paying the store's imports
(sqlite-utils, psycopg's pool, the summarizer) on each run. The full `newsbot status` report goes
through the store (bot/cli/operations.py).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from datetime import UTC, datetime, timedelta

from bot.cli.opening import EXIT_EMPTY, EXIT_OK
from bot.cli.texts import say
from bot.config import Config, is_postgres
from bot.errors import StoreError
from bot.heartbeat import HEARTBEAT_PREFIX, read_beats, silent_parts


def cmd_status(args: argparse.Namespace, config: Config) -> int:
    """Print `ok: …` and exit 0 when the database reads and no part of a running bot is silent
    for longer than `--stale` seconds; 1 (and what is wrong) if not."""
    from bot.store import show_target, sqlite_path
    from bot.store.health import read_health

    if not is_postgres(config.db) and not sqlite_path(config.db).is_file():
        message = say(config.language, "no_database", db=repr(str(config.db)))
        print(f"newsbot status: {message}", file=sys.stderr)
        return EXIT_EMPTY
    shown = show_target(config.db)
    try:
        health = read_health(config.db, HEARTBEAT_PREFIX)
    except (sqlite3.Error, StoreError) as exc:
        message = say(config.language, "cannot_read", db=shown, error=exc)
        print(f"newsbot status: {message}", file=sys.stderr)
        return EXIT_EMPTY
    return _judge(args, config, health.articles, health.beats, shown)


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
