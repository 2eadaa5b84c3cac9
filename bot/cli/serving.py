"""The serving subcommands: `run` the configured transports, `demo` on the sample corpus."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from importlib.resources import files
from pathlib import Path

from bot.app import build_transports, serve, utc_now
from bot.cli.base import EXIT_OK, EXIT_USAGE, open_store
from bot.cli.reading import default_digest
from bot.config import Config
from bot.errors import NewsbotError
from bot.ingest.files import ingest_paths
from bot.render import render_digest, to_plain
from bot.store import Store
from bot.transports.console import ConsoleTransport


def seeds_dir() -> Path:
    """The sample corpus: inside the installed package, or the checkout's `seeds/`."""
    packaged = Path(str(files("bot"))) / "seeds"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "seeds"


def cmd_demo(args: argparse.Namespace, config: Config) -> int:
    store = open_store(config)
    now = utc_now()
    print(f"Datenbank: {Path(config.db).resolve()}")
    for result in ingest_paths(store, [seeds_dir()], now):
        detail = f"#{result.article_id} {result.title}" if result.article_id else result.reason
        print(f"  {result.status:9} {Path(result.path).name}: {detail}")
    print()
    print(to_plain(render_digest(default_digest(store, config, None, now), "de", config.timezone)))
    if args.no_console:
        store.close()
        return EXIT_OK
    print()
    print("Konsolen-Chat: tippe Befehle wie im Telegram-Chat, z. B. /search venezuela.")
    print("/help zeigt alle Befehle, /quit oder Strg-D beendet.")
    print()
    try:
        asyncio.run(_console(config, store))
    finally:
        store.close()
    return EXIT_OK


async def _console(config: Config, store: Store) -> None:
    console = ConsoleTransport()
    await serve(config, store, [console], until=console.closed, schedule=True)


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    if not (config.telegram_enabled or config.matrix_enabled or config.console):
        print(
            "newsbot run: no transport is configured. Set TELEGRAM_BOT_TOKEN for Telegram, or\n"
            "MATRIX_HOMESERVER, MATRIX_USER_ID and MATRIX_PASSWORD (or MATRIX_ACCESS_TOKEN)\n"
            "for Matrix. To try the bot without any account, run: newsbot demo",
            file=sys.stderr,
        )
        return EXIT_USAGE
    # PTB 22 warns that RetryAfter.retry_after becomes a timedelta; opt in now.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    store = open_store(config)
    try:
        asyncio.run(_run(config, store))
    except NewsbotError as exc:
        print(f"newsbot run: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        store.close()
    return EXIT_OK


async def _run(config: Config, store: Store) -> None:
    """Serve every configured transport in one event loop until SIGTERM or SIGINT."""
    transports = build_transports(config, store)
    console: ConsoleTransport | None = None
    if config.console:
        console = ConsoleTransport()
        transports.append(console)
    await serve(config, store, transports, schedule=True, until=console.closed if console else None)
