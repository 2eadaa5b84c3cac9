"""What every `newsbot` subcommand shares: exit codes and opening the database."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli_texts import say
from bot.config import Config
from bot.errors import NewsbotError

if TYPE_CHECKING:  # imported when a subcommand opens the store: `newsbot --help` needs none of it
    from bot.store import Store

EXIT_OK, EXIT_EMPTY, EXIT_USAGE = 0, 1, 2
# A process ended by SIGPIPE shows as 128 + 13 in a shell; `newsbot … | head` ends the same way.
EXIT_PIPE = 141


def open_store(config: Config) -> Store:
    """Open (and migrate) the database read-write; NewsbotError naming the file if it can't."""
    from bot.store import Store

    try:
        return Store.open(config.db)
    except (OSError, ValueError, sqlite3.Error) as exc:
        message = say(config.language, "cannot_open", db=repr(config.db), error=exc)
        raise NewsbotError(message) from exc


def open_existing(config: Config, command: str) -> Store | None:
    """Open the database read-only for an operator command; None (and a message) if it can't."""
    if not Path(config.db).is_file():
        message = say(config.language, "no_database", db=repr(str(config.db)))
        print(f"newsbot {command}: {message}", file=sys.stderr)
        return None
    from bot.store import Store

    try:
        return Store.open_readonly(config.db)
    except (OSError, sqlite3.Error) as exc:
        message = say(config.language, "cannot_open", db=repr(config.db), error=exc)
        print(f"newsbot {command}: {message}", file=sys.stderr)
        return None
