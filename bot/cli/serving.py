"""The serving subcommands: `run` the configured transports, `demo` on the sample corpus."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from dataclasses import replace
from importlib.resources import files
from pathlib import Path

from bot.app import build_transports, serve, utc_now
from bot.cli.base import EXIT_OK, EXIT_USAGE, open_store
from bot.cli.ingesting import result_line
from bot.cli.reading import default_digest
from bot.cli_texts import say
from bot.config import Config
from bot.ingest.files import ingest_paths
from bot.render import render_digest, to_plain
from bot.store import Store
from bot.transports.console import ConsoleTransport


def seeds_dir() -> Path:
    """The sample corpus: inside the installed package, or the checkout's `seeds/`."""
    packaged = Path(str(files("bot"))) / "seeds"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "seeds"


def cmd_demo(args: argparse.Namespace, config: Config) -> int:
    language = config.language
    store = open_store(config)
    now = utc_now()
    print(say(language, "demo_database", path=Path(config.db).resolve()))
    for result in ingest_paths(store, [seeds_dir()], now):
        print("  " + result_line(replace(result, path=Path(result.path).name), language))
    print()
    digest = default_digest(store, config, None, now)
    print(to_plain(render_digest(digest, language, config.timezone)))
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


async def _console(config: Config, store: Store) -> None:
    console = ConsoleTransport(language=config.language)
    await serve(config, store, [console], until=console.closed, schedule=True)


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    if not (config.telegram_enabled or config.matrix_enabled or config.console):
        print(f"newsbot run: {say(config.language, 'run_no_transport')}", file=sys.stderr)
        return EXIT_USAGE
    # PTB 22 warns that RetryAfter.retry_after becomes a timedelta; opt in now.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    store = open_store(config)
    try:
        # A NewsbotError (Bot API not there, login refused) is printed, masked, by main().
        asyncio.run(_run(config, store))
    finally:
        store.close()
    return EXIT_OK


async def _run(config: Config, store: Store) -> None:
    """Serve every configured transport in one event loop until SIGTERM or SIGINT."""
    transports = build_transports(config, store)
    console: ConsoleTransport | None = None
    if config.console:
        console = ConsoleTransport(language=config.language)
        transports.append(console)
    until = console.closed if console else None
    await serve(config, store, transports, schedule=True, until=until, hard_stop=True)
