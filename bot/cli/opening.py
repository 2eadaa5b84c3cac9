"""What every `newsbot` subcommand shares: exit codes and opening the database."""

from __future__ import annotations

import sqlite3
import sys
from typing import TYPE_CHECKING

from bot.cli.texts import say
from bot.config import Config
from bot.errors import NewsbotError

if TYPE_CHECKING:  # imported when a subcommand opens the store: `newsbot --help` needs none of it
    from bot.store import Storage

EXIT_OK, EXIT_EMPTY, EXIT_USAGE = 0, 1, 2
# A process ended by SIGPIPE shows as 128 + 13 in a shell; `newsbot … | head` ends the same way.
EXIT_PIPE = 141


def open_store(config: Config) -> Storage:
    """Open (and migrate) the database read-write; NewsbotError naming the file (or the server,
    without its password) if it can't."""
    from bot.store import StoreError, show_target
    from bot.store import open_store as open_target

    try:
        return open_target(config.db)
    except (OSError, ValueError, sqlite3.Error, StoreError) as exc:
        message = say(config.language, "cannot_open", db=repr(show_target(config.db)), error=exc)
        raise NewsbotError(message) from None


def open_existing(config: Config, command: str, *, older: bool = False) -> Storage | None:
    """Open the database read-only for an operator command; None (and a message) if it can't.

    A file an older release left (the bot not started since the upgrade) is refused with the
    way on, unless the command reads it as it is (`older`: a backup before the upgrade).
    """
    from bot.store import (
        Store,
        StoreError,
        is_postgres,
        open_store_readonly,
        show_target,
        sqlite_path,
    )
    from bot.store.migrations import migrations

    if not is_postgres(config.db) and not sqlite_path(config.db).is_file():
        message = say(config.language, "no_database", db=repr(str(config.db)))
        print(f"newsbot {command}: {message}", file=sys.stderr)
        return None
    try:
        store = open_store_readonly(config.db)
        pending = migrations.pending(store.db) if isinstance(store, Store) and not older else []
    except (OSError, sqlite3.Error, StoreError) as exc:
        message = say(config.language, "cannot_open", db=repr(show_target(config.db)), error=exc)
        print(f"newsbot {command}: {message}", file=sys.stderr)
        return None
    if pending:
        store.close()
        message = say(config.language, "older_database", db=config.db, pending=len(pending))
        print(f"newsbot {command}: {message}", file=sys.stderr)
        return None
    return store
