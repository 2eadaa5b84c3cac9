"""Reaching a PostgreSQL server with psycopg 3 alone (no pool, no store part): the URL as shown
to people, a connection of its own, and one-line errors naming what failed.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

from bot.errors import StoreError

CONNECT_TIMEOUT = 10


def display_url(url: str) -> str:
    """The URL as shown to people: user, host, port and database, never the password."""
    try:
        info = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://…"
    user = f"{info['user']}@" if info.get("user") else ""
    host = str(info.get("host") or "localhost")
    port = f":{info['port']}" if info.get("port") else ""
    return f"postgresql://{user}{host}{port}/{info.get('dbname') or ''}"


def describe(url: str, exc: psycopg.Error) -> str:
    """One line naming what failed: the server, the password, the database or the user."""
    info = conninfo_to_dict(url)
    where = display_url(url)
    user = info.get("user") or "the default user"
    database = info.get("dbname") or "the default database"
    state = getattr(exc, "sqlstate", None)
    text = str(exc)
    if state == "28P01" or "password authentication failed" in text:
        return f"wrong password for user {user} at {where}"
    if state == "3D000" or ("database" in text and "does not exist" in text):
        return f"database {database} does not exist at {where}; create it (createdb {database})"
    if state == "28000" or ("role" in text and "does not exist" in text):
        return f"user {user} may not connect to {where} (no such role, or pg_hba.conf refuses it)"
    if "no password supplied" in text:
        return f"the server at {where} asks for a password and the URL has none"
    reason = text.strip().splitlines()[-1] if text.strip() else type(exc).__name__
    return f"cannot reach the PostgreSQL server at {where}: {reason}"


def connect(url: str) -> psycopg.Connection[Any]:
    """A connection of its own in autocommit mode; StoreError (one line) if there is none."""
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
    except psycopg.Error as exc:
        raise StoreError(describe(url, exc)) from None
