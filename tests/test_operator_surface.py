"""The operator's commands used as a stranger would: the documented `sqlite:///` form of `db`,
a mistyped PostgreSQL URL whose password must not show, a Latin-1 terminal, and a failed
export in the configured language."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from sqlite_utils import Database

from bot.store.migrations import migrations
from tests.conftest import ROOT, SEEDS, newsbot, newsbot_process, old_sqlite_file


@pytest.fixture
def seeded(db_path: Path) -> Path:
    assert newsbot("ingest", str(SEEDS), db=db_path).returncode == 0
    return db_path


@pytest.mark.parametrize(
    ("command", "says"),
    [
        (["status"], "zuletzt eingelesen"),
        (["search", "venezuela"], "2 Treffer"),
        (["export"], '"title"'),
        (["backup", "{tmp}/b.db"], "Sicherung geschrieben"),
    ],
)
def test_operator_commands_read_a_database_given_as_sqlite_url(
    seeded: Path, tmp_path: Path, command: list[str], says: str
) -> None:
    # README: "a path or sqlite:///path is a SQLite file"; ingest writes it, so all read it.
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    result = newsbot("--db", f"sqlite:///{seeded}", *args, env={"NEWSBOT_DB": ""})
    assert result.returncode == 0, result.stderr
    assert says in result.stdout + result.stderr


def test_backup_refuses_the_database_itself_given_as_sqlite_url(seeded: Path) -> None:
    result = newsbot("--db", f"sqlite:///{seeded}", "backup", str(seeded))
    assert result.returncode == 1
    assert "ist die Datenbank selbst" in result.stderr


PASSWORD = "s3cret-horse"


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://newsbot:{PASSWORD}%zz@127.0.0.1:1/newsbot",  # a bad %-escape
        f"postgresql://newsbot:{PASSWORD}@127.0.0.1:1/newsbot?sslmod=require",  # a typo
        f"postgres:/newsbot:{PASSWORD}@127.0.0.1:1/newsbot",  # the scheme mistyped
        f"postgresq://newsbot:{PASSWORD}@127.0.0.1:1/newsbot",
    ],
)
@pytest.mark.parametrize("verbose", [[], ["-v"]])
def test_migrate_store_never_shows_the_password_of_a_bad_url(
    seeded: Path, url: str, verbose: list[str]
) -> None:
    result = newsbot(*verbose, "migrate-store", "--to", url, db=seeded)
    assert result.returncode == 2, result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    assert "unerwarteter Fehler" not in result.stderr
    assert "--to" in result.stderr


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://newsbot:{PASSWORD}%zz@127.0.0.1:1/newsbot",
        f"postgresql://newsbot:{PASSWORD}@127.0.0.1:1/newsbot?sslmod=require",
    ],
)
def test_a_db_url_libpq_cannot_read_is_a_configuration_error(db_path: Path, url: str) -> None:
    for where in (["--db", url], []):
        env = {} if where else {"NEWSBOT_DB": url}
        result = newsbot(*where, "status", db=db_path, env=env)
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith("newsbot: configuration error: db (from ")
        assert PASSWORD not in result.stdout + result.stderr


@pytest.mark.parametrize(
    "url",
    [
        f"postgres:/newsbot:{PASSWORD}@127.0.0.1/newsbot",
        f"postgresq://newsbot:{PASSWORD}@db.example/newsbot",
    ],
)
def test_a_mistyped_postgres_scheme_in_db_is_refused_not_made_a_file(
    tmp_path: Path, url: str
) -> None:
    # Taken for a path, it became a new SQLite file under ./postgresq:/newsbot:PASSWORD@…/
    result = newsbot("--db", url, "ingest", str(SEEDS), cwd=tmp_path)
    assert result.returncode == 2, result.stdout
    assert result.stderr.startswith("newsbot: configuration error: db (from --db): unknown scheme")
    assert PASSWORD not in result.stdout + result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.integration
@pytest.mark.parametrize(
    ("command", "says"),
    [(["search", "venezuela"], "2 Treffer für"), (["status"], "Größe"), (["export"], '"title"')],
)
def test_a_latin1_terminal_gets_the_output_not_an_unexpected_error(
    seeded: Path, command: list[str], says: str
) -> None:
    # A German terminal in de_DE.ISO-8859-1: umlauts are there, „ “ and emoji are not.
    env = {**os.environ, "NEWSBOT_DB": str(seeded), "NEWSBOT_CONFIG": "", "PYTHONPATH": str(ROOT)}
    env["PYTHONIOENCODING"] = "latin-1"
    result = subprocess.run(
        [sys.executable, "-m", "bot", *command],
        capture_output=True,
        encoding="latin-1",
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert says in result.stdout


@pytest.mark.parametrize(
    ("language", "says"),
    [("de", "den Ordner {} gibt es nicht"), ("en", "no such folder: {}")],
)
def test_export_to_a_missing_folder_says_so_in_the_configured_language(
    seeded: Path, tmp_path: Path, language: str, says: str
) -> None:
    target = tmp_path / "fehlt" / "a.jsonl"
    result = newsbot("export", "-o", str(target), db=seeded, env={"NEWSBOT_LANGUAGE": language})
    assert result.returncode == 1
    assert result.stderr == f"newsbot export: {says.format(target.parent)}\n"


@pytest.mark.parametrize("command", [("status",), ("export",), ("search", "Luftabwehrsysteme")])
def test_a_file_an_older_release_left_is_named_so_with_the_way_on(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    # The new release installed, the bot not started since: the reading commands do not
    # migrate, so they say what to do instead of an unexpected error (KeyError: 'kicker').
    path = tmp_path / "old.db"
    old_sqlite_file(path, "m003_dedup_and_compounds")
    # Every migration from m003 on (a new release adds to them).
    with closing(sqlite3.connect(path)) as conn:
        steps = len(migrations.pending(Database(conn)))
    assert steps > 20
    shown = newsbot_process(*command, db=path, env={"NEWSBOT_LANGUAGE": "en"})
    assert shown.returncode == (2 if command[0] == "search" else 1)  # search's 1: no hits
    assert shown.stdout == ""
    assert shown.stderr == (
        f"newsbot {command[0]}: the database {path} is from an older release ({steps} steps to go);"
        " `newsbot run` brings it up to date as it starts (back it up first: `newsbot backup`)\n"
    )
    # A backup before the upgrade is what the message asks for: it reads the file as it is.
    saved = newsbot_process("backup", str(tmp_path / "before.db"), db=path)
    assert saved.returncode == 0, saved.stderr
    assert (tmp_path / "before.db").is_file()
