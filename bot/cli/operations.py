"""The operator subcommands: status (and the health check), backup, export."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import utc_now
from bot.cli.base import EXIT_EMPTY, EXIT_OK, open_existing
from bot.config import Config
from bot.logs import redact
from bot.ops import backup, collect_status, export_jsonl, human_bytes, render_status, status_json


def cmd_status(args: argparse.Namespace, config: Config) -> int:
    """Print the operator's view of the database; --check is the container's health check."""
    store = open_existing(config, "status")
    if store is None:
        return EXIT_EMPTY
    try:
        if args.check:
            print(f"ok: {store.check()} articles in {config.db}")
            return EXIT_OK
        now = utc_now()
        status = collect_status(store, config.db, now)
    except sqlite3.Error as exc:
        print(f"newsbot status: cannot read the database {config.db}: {exc}", file=sys.stderr)
        return EXIT_EMPTY
    finally:
        store.close()
    # Failure notes and feed errors are text from outside (error pages, URLs): masked here too.
    secrets = config.secrets()
    if args.json:
        print(redact(json.dumps(status_json(status), ensure_ascii=False, indent=2), secrets))
    else:
        print(redact(render_status(status, now), secrets))
    return EXIT_OK


def cmd_backup(args: argparse.Namespace, config: Config) -> int:
    """Copy the database with SQLite's online backup API; safe while the bot runs."""
    store = open_existing(config, "backup")
    if store is None:
        return EXIT_EMPTY
    try:
        folder = Path(args.path) if args.path.endswith(("/", os.sep)) else Path(args.path).parent
        if not folder.is_dir():
            # A typo in a path must not become a tree of new folders.
            print(f"newsbot backup: no such folder: {folder}", file=sys.stderr)
            return EXIT_EMPTY
        target = backup(store, config.db, Path(args.path), utc_now())
    except (OSError, ValueError, sqlite3.Error) as exc:
        print(f"newsbot backup: {exc}", file=sys.stderr)
        return EXIT_EMPTY
    finally:
        store.close()
    print(f"backup written: {target} ({human_bytes(target.stat().st_size)})")
    return EXIT_OK


def cmd_export(args: argparse.Namespace, config: Config) -> int:
    """Print every article (or those stored since --since) as JSON lines."""
    store = open_existing(config, "export")
    if store is None:
        return EXIT_EMPTY
    since = datetime.combine(args.since, time(0), ZoneInfo(config.timezone)) if args.since else None
    try:
        if args.output:
            with Path(args.output).open("w", encoding="utf-8") as out:
                count = export_jsonl(store.articles.iter_articles(since), out)
            print(f"{count} articles written to {args.output}", file=sys.stderr)
        else:
            export_jsonl(store.articles.iter_articles(since), sys.stdout)
            sys.stdout.flush()
    except BrokenPipeError:
        # `newsbot export | head`: the reader has enough; silence the flush at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, sqlite3.Error) as exc:
        print(f"newsbot export: {exc}", file=sys.stderr)
        return EXIT_EMPTY
    finally:
        store.close()
    return EXIT_OK
