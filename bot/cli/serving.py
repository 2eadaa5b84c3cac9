"""The serving subcommands: `run` the configured transports, `demo` on the sample corpus."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from importlib.resources import files
from pathlib import Path

from bot.app import build_transports, hold_matrix, serve
from bot.cli.ingesting import result_line
from bot.cli.opening import EXIT_OK, EXIT_USAGE, open_store
from bot.cli.texts import say
from bot.clock import utc_now
from bot.config import Config
from bot.digest import for_chat
from bot.ingest.files import ingest_paths
from bot.render import to_plain
from bot.roles import ALL_ROLES
from bot.store import RoleLock, Storage, is_postgres, run_lock, show_target, sqlite_path
from bot.transports.console import CHAT, ConsoleTransport


def seeds_dir() -> Path:
    """The sample corpus: inside the installed package, or the checkout's `seeds/`."""
    packaged = Path(str(files("bot"))) / "seeds"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "seeds"


def cmd_demo(args: argparse.Namespace, config: Config) -> int:
    language = config.language
    store = open_store(config)
    now = utc_now()
    where = show_target(config.db) if is_postgres(config.db) else sqlite_path(config.db).resolve()
    print(say(language, "demo_database", path=where))
    for result in ingest_paths(store, [seeds_dir()], now):
        print("  " + result_line(replace(result, path=Path(result.path).name), language))
    print()
    # What `/digest` shows in the console chat: the one door every digest comes through.
    shown = for_chat(store, CHAT, now, default_zone=config.timezone, fresh=True, language=language)
    print(to_plain(shown.reply))
    if args.no_console:
        store.close()
        return EXIT_OK
    print()
    print(say(language, "demo_console"))
    print()
    try:
        asyncio.run(_console(config, store))
    finally:
        store.close()
    return EXIT_OK


async def _console(config: Config, store: Storage) -> None:
    console = ConsoleTransport(language=config.language)
    await serve(config, store, [console], until=console.closed, schedule=True)


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    roles: frozenset[str] = getattr(args, "roles", None) or ALL_ROLES
    talks = bool(roles & {"receive", "deliver"})
    if talks and not (config.telegram_enabled or config.matrix_enabled or config.console):
        print(f"newsbot run: {say(config.language, 'run_no_transport')}", file=sys.stderr)
        return EXIT_USAGE
    # PTB 22 warns that RetryAfter.retry_after becomes a timedelta; opt in now.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    # One process per SQLite file; a second is refused in one line (StoreError, via main()).
    only = run_lock(config.db)
    if only is not None:
        only.acquire()
    matrix = None
    try:
        store = open_store(config)
        try:
            # Matrix in one process per database: a second is refused in one line, too.
            matrix = hold_matrix(config) if talks else None
            # A NewsbotError (Bot API not there, login refused) is printed, masked, by main().
            asyncio.run(_run(config, store, roles, (matrix,) if matrix is not None else ()))
        finally:
            store.close()
    finally:
        if matrix is not None:
            matrix.release()
        if only is not None:
            only.release()
    return EXIT_OK


async def _run(
    config: Config, store: Storage, roles: frozenset[str], taken: Sequence[RoleLock]
) -> None:
    """Serve every configured transport in one event loop until SIGTERM or SIGINT; `taken`:
    the Matrix account's lock, checked while it runs."""
    talks = bool(roles & {"receive", "deliver"})
    transports = build_transports(config, store, roles) if talks else []
    console: ConsoleTransport | None = None
    if config.console and "receive" in roles:
        console = ConsoleTransport(language=config.language)
        transports.append(console)
    until = console.closed if console else None
    await serve(
        config, store, transports, schedule=True, until=until, hard_stop=True, roles=roles,
        taken=taken,
    )  # fmt: skip
