"""Who may play a singleton role (send the digests, long-poll a bot token): a PostgreSQL
advisory lock per role on a connection of its own (psycopg), or, for a SQLite file, one
process per file (an exclusive `flock` on a file beside it) that holds every role.

PostgreSQL frees a session's advisory lock when the session ends, so a killed holder's role
is free as soon as the server sees its connection close (at once for a killed process; for a
dead host, after the TCP keepalives below: about 25 s).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import socket
from pathlib import Path
from typing import Any, Protocol

from bot.errors import StoreError

log = logging.getLogger(__name__)
CONNECT_TIMEOUT = 10
# The lock's session is ended by the server this long after its peer stops answering.
KEEPALIVES: dict[str, Any] = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5}
SERVER_KEEPALIVES = {"tcp_keepalives_idle": 10, "tcp_keepalives_interval": 5}


class RoleLock(Protocol):
    """A singleton role's lock: taken by one process at a time, freed when its holder dies."""

    name: str

    def acquire(self) -> bool:
        """Try once to take the lock (True when this process holds it now); never waits."""

    def alive(self) -> bool:
        """Whether the lock taken is still held (its connection still answers)."""

    def release(self) -> None:
        """Give the lock up (a process that stops hands its roles on at once)."""


def lock_key(name: str) -> int:
    """A role's advisory lock key: a signed 64-bit number from its name, the same everywhere."""
    digest = hashlib.blake2b(f"newsbot:role:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class AdvisoryLock:
    """`pg_try_advisory_lock` on a dedicated connection: held while the session lives."""

    def __init__(self, url: str, name: str) -> None:
        self.url = url
        self.name = name
        self.key = lock_key(name)
        self._conn: Any = None
        self._held = False

    def _connect(self) -> Any:
        import psycopg  # only a PostgreSQL store loads it

        conn = psycopg.connect(
            self.url,
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT,
            # Who holds the lock, for another process's refusal (`holder`); host:pid first,
            # as the server cuts the name at 63 bytes.
            application_name=f"newsbot {socket.gethostname()}:{os.getpid()} {self.name}",
            **KEEPALIVES,
        )
        for setting, value in SERVER_KEEPALIVES.items():
            # The server's side of the same: a dead host's session (and lock) ends in ~25 s.
            conn.execute("SELECT set_config(%s, %s, false)", [setting, str(value)])
        return conn

    def acquire(self) -> bool:
        import psycopg

        if self._held:
            return self.alive()
        try:
            if self._conn is None or self._conn.closed:
                self._conn = self._connect()
            row = self._conn.execute("SELECT pg_try_advisory_lock(%s)", [self.key]).fetchone()
        except psycopg.Error as exc:
            log.warning(
                "event=role_lock_unreachable role=%s error=%r", self.name, type(exc).__name__
            )
            self._close()
            return False
        self._held = bool(row and row[0])
        return self._held

    def alive(self) -> bool:
        import psycopg

        if not self._held or self._conn is None:
            return False
        try:
            self._conn.execute("SELECT 1")
        except psycopg.Error:
            self._held = False
            self._close()
            return False
        return True

    def holder(self) -> str | None:
        """Which process holds the lock (`host:pid`, from its lock connection's name) when
        another one does; None when none does or the server cannot tell."""
        import psycopg

        high, low = (self.key >> 32) & 0xFFFFFFFF, self.key & 0xFFFFFFFF
        try:
            with psycopg.connect(self.url, connect_timeout=CONNECT_TIMEOUT) as conn:
                row = conn.execute(
                    "SELECT a.application_name FROM pg_locks l"
                    " JOIN pg_stat_activity a ON a.pid = l.pid"
                    " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
                    " AND l.classid = %s::bigint::oid AND l.objid = %s::bigint::oid",
                    [high, low],
                ).fetchone()
        except psycopg.Error:
            return None
        name = str(row[0]) if row else ""
        parts = name.split()
        return parts[1] if len(parts) > 1 and parts[0] == "newsbot" else None

    def release(self) -> None:
        if self._conn is not None and self._held:
            with contextlib.suppress(Exception):
                self._conn.execute("SELECT pg_advisory_unlock(%s)", [self.key])
        self._held = False
        self._close()

    def _close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
        self._conn = None


class ProcessHeld:
    """A role on a SQLite file: the file's one process (`FileLock`) plays every role."""

    def __init__(self, name: str) -> None:
        self.name = name

    def acquire(self) -> bool:
        return True

    def alive(self) -> bool:
        return True

    def release(self) -> None:
        return None


class FileLock:
    """One `newsbot run` per SQLite file: an exclusive `flock` on `<file>.run-lock`, with the
    holder's pid in it for the refusal message. The kernel frees it when the holder dies."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.path = database.with_name(database.name + ".run-lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise StoreError naming the process that holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise StoreError(
                f"another newsbot run (pid {holder}) is serving {self.database};"
                " one process per SQLite file (use a postgresql:// database to run several)"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        """Give the file up (the lock file stays; it is empty of meaning without a holder)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)
            self._fd = None
