"""A throwaway PostgreSQL cluster for the store's tests: initdb into a temporary folder, one
server per test session on a unix socket only (no TCP port to collide), cheap settings.

The server binaries come from Debian's `postgresql` package (`/usr/lib/postgresql/N/bin`) or
from PATH. As root the cluster runs as the `postgres` user (PostgreSQL refuses to run as root).
Without the binaries the tests skip with the reason, unless NEWSBOT_REQUIRE_POSTGRES=1 (CI),
where a missing server is a failure.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from bot.store.postgres import PostgresStore

# Durability is worthless in a cluster deleted after the tests; these make it start and write fast.
SETTINGS = (
    "listen_addresses=''",
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    "shared_buffers=64MB",
    "max_connections=60",
)


def server_bin() -> Path | None:
    """The folder holding initdb and pg_ctl: Debian's newest version, else PATH."""
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if versions:
        return versions[-1].parent
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


def skip_or_fail_without_postgres() -> Path:
    """The server's bin folder; skip with the reason (fail when required) if there is none."""
    found = server_bin()
    if found is not None and (found / "pg_ctl").exists():
        return found
    reason = "no PostgreSQL server binaries (apt-get install postgresql) for the PostgreSQL tests"
    if os.environ.get("NEWSBOT_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"NEWSBOT_REQUIRE_POSTGRES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


# Database names made in this process.
_NAMES = itertools.count()


# Tables that refer to others first, so emptying never breaks a foreign key.
_FIRST = ("article_links", "article_bands", "articles_fts", "alerts", "subscriptions")


def empty_postgres(store: PostgresStore) -> None:
    """Empty every table of the store, ids starting at 1 again: a fresh store in a few ms
    (TRUNCATE makes new files for every table and index: ~0.3 s)."""
    found = store.db.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        " AND tablename <> 'newsbot_migrations'"
    ).rows
    tables = [*_FIRST, *sorted({str(r[0]) for r in found} - set(_FIRST))]
    with store.db.atomic():
        for table in tables:
            store.db.execute(f"DELETE FROM {table}")  # noqa: S608 - names from pg_tables
        store.db.execute("INSERT INTO articles_fts_totals VALUES (1, 0, 0)")
        for table in ("articles", "alerts", "feeds", "pushes", "chat_feeds"):
            store.db.execute(f"ALTER TABLE {table} ALTER COLUMN id RESTART")


@dataclass
class Cluster:
    """One running server in `folder`, reached through its unix socket there."""

    bindir: Path
    folder: Path
    user: str | None  # the OS user the server runs as (None: this process's own)

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    @classmethod
    def start(cls, bindir: Path, settings: Sequence[str] = ()) -> Cluster:
        """initdb, then start the server and wait until it accepts connections; `settings`
        (`name=value`) override SETTINGS."""
        # Not under pytest's tmp_path: /tmp/pytest-of-root is closed to the postgres user.
        folder = Path(tempfile.mkdtemp(prefix="newsbot-pg-"))
        user = None
        if os.geteuid() == 0:
            user = "postgres"
            entry = pwd.getpwnam(user)
            os.chown(folder, entry.pw_uid, entry.pw_gid)
        cluster = cls(bindir, folder, user)
        data = folder / "data"
        cluster._run(
            "initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        # The superuser needs no password; every other role does, so wrong passwords show.
        (data / "pg_hba.conf").write_text(
            "local all postgres trust\nlocal all all scram-sha-256\n", encoding="utf-8"
        )
        options = " ".join(
            f"-c {s}" for s in (*SETTINGS, *settings, f"unix_socket_directories={folder}")
        )
        cluster._run(
            "pg_ctl", "-D", str(data), "-l", str(folder / "log"), "-o", options, "-w", "start"
        )
        return cluster

    def stop(self) -> None:
        """Stop the server at once and delete its files."""
        try:
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        """A libpq URL for `database` over the socket, as the superuser."""
        return f"postgresql://postgres@/{database}?host={self.folder}"

    def create_database(self) -> str:
        """A new empty database; returns its URL."""
        name = f"test_{os.getpid()}_{next(_NAMES)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database made by `create_database`, closing its leftover connections."""
        name = url.rsplit("/", 1)[1].split("?", 1)[0]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_cluster() -> Cluster:
    """A throwaway cluster for a benchmark (a 512 MB buffer cache, as a real server would give
    a 100,000-article store); exits naming what is missing when no server binaries are here."""
    found = server_bin()
    if found is None:
        raise SystemExit("no PostgreSQL server binaries: give --postgres URL")
    return Cluster.start(found, ("shared_buffers=512MB",))
