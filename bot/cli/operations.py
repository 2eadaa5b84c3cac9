"""The operator subcommands: status (and the health check), backup, export."""

from __future__ import annotations

import argparse
import errno
import json
import os
import sqlite3
import sys
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.cli.opening import EXIT_EMPTY, EXIT_OK, EXIT_USAGE, open_existing
from bot.cli.texts import say
from bot.clock import utc_now
from bot.config import Config, hide_passwords, postgres_url_problem
from bot.errors import StoreError
from bot.logs import redact
from bot.ops import (
    NotAFile,
    backup,
    collect_status,
    export_jsonl,
    human_bytes,
    render_status,
    status_json,
)
from bot.store import is_postgres, show_target, sqlite_path


def cmd_status(args: argparse.Namespace, config: Config) -> int:
    """Print the operator's view of the database (`--check` is bot/cli/health.py)."""
    store = open_existing(config, "status")
    if store is None:
        return EXIT_EMPTY
    try:
        now = utc_now()
        status = collect_status(store, config.db, now)
    except sqlite3.Error as exc:
        message = say(config.language, "cannot_read", db=show_target(config.db), error=exc)
        print(f"newsbot status: {message}", file=sys.stderr)
        return EXIT_EMPTY
    finally:
        store.close()
    # Failure notes and feed errors are text from outside (error pages, URLs): masked here too.
    secrets = config.secrets()
    if args.json:
        print(redact(json.dumps(status_json(status), ensure_ascii=False, indent=2), secrets))
    else:
        print(redact(render_status(status, now, config.language, config.timezone), secrets))
    return EXIT_OK


def write_problem(language: str, exc: Exception) -> str:
    """Why a file was not written, in the configured language (the OS's words are English)."""
    if isinstance(exc, PermissionError):
        return say(language, "backup_why_permission")
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return say(language, "backup_why_full")
    if isinstance(exc, OSError) and exc.errno == errno.EROFS:
        return say(language, "why_read_only")
    return f"{type(exc).__name__}: {exc}"


def backup_problem(language: str, path: str, exc: Exception) -> str:
    """Why a backup was not written, in the configured language."""
    if isinstance(exc, NotAFile):
        return say(language, "backup_not_a_file", path=path)
    if isinstance(exc, ValueError):
        return say(language, "backup_is_database", path=path)
    return say(language, "backup_failed", path=path, why=write_problem(language, exc))


def cmd_backup(args: argparse.Namespace, config: Config) -> int:
    """Copy the database with SQLite's online backup API; safe while the bot runs."""
    store = open_existing(config, "backup", older=True)
    if store is None:
        return EXIT_EMPTY
    try:
        folder = Path(args.path) if args.path.endswith(("/", os.sep)) else Path(args.path).parent
        if not folder.is_dir():
            # A typo in a path must not become a tree of new folders.
            message = say(config.language, "no_folder", path=folder)
            print(f"newsbot backup: {message}", file=sys.stderr)
            return EXIT_EMPTY
        target = backup(store, config.db, Path(args.path), utc_now())
    except (OSError, ValueError, sqlite3.Error) as exc:
        print(f"newsbot backup: {backup_problem(config.language, args.path, exc)}", file=sys.stderr)
        return EXIT_EMPTY
    finally:
        store.close()
    size = human_bytes(target.stat().st_size)
    print(say(config.language, "backup_written", path=target, size=size))
    return EXIT_OK


def cmd_export(args: argparse.Namespace, config: Config) -> int:
    """Print every article (or those stored since --since) as JSON lines."""
    language = config.language
    folder = Path(args.output).parent if args.output else None
    if folder is not None and not folder.is_dir():
        print(f"newsbot export: {say(language, 'no_folder', path=folder)}", file=sys.stderr)
        return EXIT_EMPTY
    store = open_existing(config, "export")
    if store is None:
        return EXIT_EMPTY
    since = datetime.combine(args.since, time(0), ZoneInfo(config.timezone)) if args.since else None
    try:
        if args.output:
            with Path(args.output).open("w", encoding="utf-8") as out:
                count = export_jsonl(store.articles.iter_articles(since), out)
            written = "export_written_one" if count == 1 else "export_written"
            message = say(language, written, count=count, path=args.output)
            print(message, file=sys.stderr)
        else:
            export_jsonl(store.articles.iter_articles(since), sys.stdout)
    except BrokenPipeError:
        raise  # `newsbot export | head`: main() ends quietly
    except sqlite3.Error as exc:
        message = say(language, "cannot_read", db=show_target(config.db), error=exc)
        print(f"newsbot export: {message}", file=sys.stderr)
        return EXIT_EMPTY
    except OSError as exc:
        why = write_problem(language, exc)
        path = args.output or "stdout"
        print(
            f"newsbot export: {say(language, 'export_failed', path=path, why=why)}",
            file=sys.stderr,
        )
        return EXIT_EMPTY
    finally:
        store.close()
    return EXIT_OK


def cmd_migrate_store(args: argparse.Namespace, config: Config) -> int:
    """Copy the SQLite store into an empty PostgreSQL database, then compare the two."""
    language = config.language
    if is_postgres(config.db):
        message = say(language, "migrate_needs_sqlite", db=show_target(config.db))
        print(f"newsbot migrate-store: {message}", file=sys.stderr)
        return EXIT_USAGE
    if not is_postgres(args.to):
        message = say(language, "migrate_needs_postgres", to=repr(hide_passwords(args.to, args.to)))
        print(f"newsbot migrate-store: {message}", file=sys.stderr)
        return EXIT_USAGE
    problem = postgres_url_problem(args.to)
    if problem:
        print(f"newsbot migrate-store: --to: {problem}", file=sys.stderr)
        return EXIT_USAGE
    if not sqlite_path(config.db).is_file():
        message = say(language, "no_database", db=repr(str(config.db)))
        print(f"newsbot migrate-store: {message}", file=sys.stderr)
        return EXIT_EMPTY
    # Imported here: psycopg loads only for this command and a PostgreSQL store.
    from bot.store.postgres.copy import move_to_postgres

    try:
        report = move_to_postgres(config.db, args.to, utc_now())
    except (OSError, ValueError, sqlite3.Error, StoreError) as exc:
        print(f"newsbot migrate-store: {exc}", file=sys.stderr)
        return EXIT_EMPTY
    for table, rows in report.rows.items():
        print(say(language, "migrate_copied", table=table, rows=rows))
    for problem in report.problems:
        print(
            f"newsbot migrate-store: {say(language, 'migrate_differs', problem=problem)}",
            file=sys.stderr,
        )
    if report.problems:
        return EXIT_EMPTY
    to = show_target(args.to)
    print(say(language, "migrate_done", db=config.db, to=to, searches=report.searches))
    return EXIT_OK
