"""`newsbot status --check`, the container's health check: does the database read?

It runs every 60 s, so it reads the SQLite file with the standard library alone (read-only, no
migration) instead of paying the store's imports (sqlite-utils, the summarizer) on each run. The
full `newsbot status` report goes through the store (bot/cli/operations.py).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

from bot.cli.base import EXIT_EMPTY, EXIT_OK
from bot.cli_texts import say
from bot.config import Config


def cmd_status(args: argparse.Namespace, config: Config) -> int:
    """Print `ok: N articles in DB` and exit 0 when the database reads; 1 (and why) if not."""
    path = Path(config.db)
    if not path.is_file():
        message = say(config.language, "no_database", db=repr(str(config.db)))
        print(f"newsbot status: {message}", file=sys.stderr)
        return EXIT_EMPTY
    try:
        count = article_count(path)
    except sqlite3.Error as exc:
        message = say(config.language, "cannot_read", db=config.db, error=exc)
        print(f"newsbot status: {message}", file=sys.stderr)
        return EXIT_EMPTY
    print(say(config.language, "status_check", count=count, db=config.db))
    return EXIT_OK


def article_count(path: Path) -> int:
    """Read the schema and count the articles, as `Store.check` does, on a read-only connection."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
    finally:
        conn.close()
