"""Migrations are frozen: they import no live bot code and turn old rows into fixed values."""

from __future__ import annotations

import ast
from pathlib import Path

from sqlite_utils import Database

from bot.migrations import migrate, migrations

MIGRATIONS = Path(__file__).resolve().parent.parent / "bot" / "migrations.py"


def old_database() -> Database:
    """A database as the first release left it, holding one article stored back then."""
    db = Database(memory=True)
    migrations.apply(db, stop_before="m003_dedup_and_compounds")
    db.table("articles").insert(
        {
            "title": "Neue Luftabwehrsysteme für Kiew",
            "source": "dpa",
            "body": "Die Raketen kamen 2025 über die Straße zum Überweisungsträger.",
            "fetched": "2025-11-10T12:00:00+00:00",
            "content_hash": "x",
        }
    )
    return db


def test_migrations_import_no_bot_or_summarizer_code() -> None:
    imported: set[str] = set()
    for node in ast.walk(ast.parse(MIGRATIONS.read_text())):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "relative import in bot/migrations.py"
            imported.add(node.module or "")
    ours = {n for n in imported if n.split(".")[0] in ("bot", "summarizer")}
    assert not ours, f"bot/migrations.py imports live code: {ours}"


def test_m003_fills_the_compound_tail_column_of_old_articles() -> None:
    db = old_database()
    migrations.apply(db, stop_before="m004_digest_schedule")
    assert db.execute("SELECT parts FROM articles").fetchall() == [
        ("gartsgnusiewrebu metsysrhewbatful",)
    ]


def test_m005_indexes_old_articles_as_stems_and_lists_their_compounds() -> None:
    db = old_database()
    migrate(db)
    assert db.execute("SELECT title_stems, body_stems FROM articles").fetchall() == [
        ("neu luftabwehrsystem kiew", "raket kam 2025 strass uberweisungstrag")
    ]
    assert db.execute("SELECT stem, tail, articles FROM compounds ORDER BY stem").fetchall() == [
        ("luftabwehrsystem", "metsysrhewbatful", 1),
        ("uberweisungstrag", "gartsgnusiewrebu", 1),
    ]
    db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
