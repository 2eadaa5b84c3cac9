"""Operations: `newsbot status`, online backups while an ingest writes, the JSONL export."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.ops import backup, collect_status, next_digest, render_status
from bot.records import Subscription
from bot.store import Store
from tests.conftest import newsbot_process

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

# Writes articles in small transactions and prints each committed id, flushed, until killed.
WRITER = textwrap.dedent(
    """
    import random, sys
    from datetime import UTC, datetime
    from bot.records import NewArticle
    from bot.store import Store

    store = Store.open(sys.argv[1])
    rng = random.Random(7)
    n = 0
    while True:
        batch = []
        for _ in range(3):
            n += 1
            words = " ".join(f"wort{rng.randrange(10**9)}" for _ in range(60))
            batch.append(NewArticle(f"Meldung {n}", "test", f"Text {n}. {words}.", (), None))
        results = store.articles.add_articles(batch, datetime.now(UTC))
        print(" ".join(str(i) for status, i in results if status == "added"), flush=True)
    """
)


@pytest.fixture
def seeded_db(db_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A database file with the two seed articles."""
    assert main(["--db", str(db_path), "ingest", str(SEEDS)]) == 0
    capsys.readouterr()
    return db_path


def test_status_reports_ingest_feeds_digests_and_failures(seeded_db: Path, now: datetime) -> None:
    store = Store.open(seeded_db)
    try:
        feed = store.feeds.add_feed("https://example.org/rss", now)
        store.feeds.feed_failed(feed.id, "HTTP 503", now, now + timedelta(hours=1))
        store.feeds.add_feed("https://example.com/ok.xml", now)
        store.chats.subscribe(Subscription("telegram:1", "07:00", "Europe/Berlin"), now)
        weekdays = Subscription("telegram:3", "07:00", "Europe/Berlin", days="mon-fri")
        store.chats.subscribe(replace(weekdays, more_times=("18:00",)), now)
        store.db.table("deliveries").insert_all(
            [
                {"chat": "telegram:1", "digest_date": "2025-11-09", "sent": now.isoformat(),
                 "status": "sent", "note": ""},
                {"chat": "telegram:2", "digest_date": "2025-11-10", "sent": now.isoformat(),
                 "status": "gone", "note": "bot was blocked by the user"},
            ]
        )  # fmt: skip
        status = collect_status(store, str(seeded_db), now)
    finally:
        store.close()
    assert status.stats.articles == 2
    assert [f.url for f in status.feed_problems] == ["https://example.org/rss"]
    assert [(d.chat, d.at) for d in status.next_digests] == [
        ("telegram:3", datetime(2025, 11, 10, 17, 0, tzinfo=UTC)),
        ("telegram:1", datetime(2025, 11, 11, 6, 0, tzinfo=UTC)),
    ]
    assert [(d.chat, d.status) for d in status.failed_deliveries] == [("telegram:2", "gone")]
    text = render_status(status, now, "en")
    assert "https://example.org/rss  failed 1×, retrying: HTTP 503" in text
    assert ", 0 failing" in text  # one failed poll is "retrying", as in /stats and /feeds
    assert "telegram:1  07:00, every day (Europe/Berlin) → 2025-11-11 07:00 CET (in 18 h)" in text
    # Every time of day and the days, as the chat's settings show them.
    assert "telegram:3  07:00 and 18:00, Monday to Friday (Europe/Berlin) → 2025-11-10" in text
    assert "telegram:2  2025-11-10  gone: bot was blocked by the user" in text
    assert "articles      2 from 2 sources" in text
    german = render_status(status, now, "de")
    assert "https://example.org/rss  1× fehlgeschlagen, wird wiederholt: HTTP 503" in german
    assert "(in 18 Std.)" in german
    assert "telegram:3  07:00 und 18:00 Uhr, montags bis freitags (Europe/Berlin)" in german
    assert "Artikel             2 aus 2 Quellen" in german


def test_next_digest_follows_daylight_saving_time() -> None:
    before_switch = datetime(2025, 3, 29, 12, 0, tzinfo=UTC)
    nd = next_digest(Subscription("matrix:!r:x", "07:00", "Europe/Berlin"), before_switch)
    assert nd.at is not None
    assert nd.at.astimezone(UTC) == datetime(2025, 3, 30, 5, 0, tzinfo=UTC)
    assert next_digest(Subscription("c", "07:00", "Nowhere/Land"), before_switch).at is None


def test_status_cli_text_and_json(
    seeded_db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["--db", str(seeded_db), "status"]) == 0
    out = capsys.readouterr().out
    for label in ("Größe", "zuletzt eingelesen", "Feeds", "nächste Überblicke", "Zustellfehler"):
        assert label in out
    monkeypatch.setenv("NEWSBOT_LANGUAGE", "en")
    assert main(["--db", str(seeded_db), "status"]) == 0
    out = capsys.readouterr().out
    for label in ("size", "last ingest", "feeds", "next digests", "failed deliveries"):
        assert label in out
    assert main(["--db", str(seeded_db), "status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["stats"]["articles"] == 2
    assert report["stats"]["database_bytes"] > 0


def test_health_check_fails_without_creating_a_database(
    tmp_path: Path, seeded_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(seeded_db), "status", "--check"]) == 0
    assert capsys.readouterr().out.startswith("ok: 2 Artikel in")
    missing = tmp_path / "missing" / "newsbot.db"
    assert main(["--db", str(missing), "status", "--check"]) == 1
    assert not missing.exists()
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 100)
    assert main(["--db", str(garbage), "status", "--check"]) == 1
    assert "kann die Datenbank" in capsys.readouterr().err


@pytest.mark.integration
def test_backup_while_ingest_writes_holds_every_committed_article(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Store.open(db_path).close()  # schema first, so the writer and the backup agree on it
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db_path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert writer.stdout is not None
    try:
        committed: set[int] = set()
        while len(committed) < 30:
            committed.update(int(i) for i in writer.stdout.readline().split())
        target = tmp_path / "backups" / "copy.db"
        target.parent.mkdir()  # backup makes no folders: a typo must not become a tree
        assert main(["--db", str(db_path), "backup", str(target)]) == 0
        after: set[int] = set()
        while len(after) < 15:  # the writer went on while and after the backup ran
            after.update(int(i) for i in writer.stdout.readline().split())
    finally:
        writer.kill()
        writer.wait(timeout=10)
        writer.stdout.close()
    assert capsys.readouterr().out.startswith(f"Sicherung geschrieben: {target}")
    assert not target.with_name("copy.db.partial").exists()
    backup_db = sqlite3.connect(target)
    try:
        assert backup_db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert backup_db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        backup_db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
        ids = {row[0] for row in backup_db.execute("SELECT id FROM articles")}
        fts = backup_db.execute("SELECT count(*) FROM articles_fts").fetchone()[0]
    finally:
        backup_db.close()
    assert committed <= ids
    # Whole transactions only: ids are a gap-free prefix in multiples of the batch of 3.
    assert ids == set(range(1, len(ids) + 1))
    assert len(ids) % 3 == 0
    assert fts == len(ids)
    restored = Store.open(target)
    try:
        assert restored.articles.count_articles() == len(ids)
    finally:
        restored.close()


def test_backup_into_a_folder_gets_a_dated_name(seeded_db: Path, tmp_path: Path) -> None:
    store = Store.open_readonly(seeded_db)
    try:
        when = datetime(2025, 11, 10, 3, 0, 5, tzinfo=UTC)
        path = backup(store, str(seeded_db), tmp_path, when)
        assert path == tmp_path / "newsbot-20251110T030005Z.db"
        with pytest.raises(ValueError, match="is the database itself"):
            backup(store, str(seeded_db), seeded_db, when)
    finally:
        store.close()
    copy = Store.open_readonly(path)
    try:
        assert copy.articles.count_articles() == 2
    finally:
        copy.close()


def test_backup_of_missing_database_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(tmp_path / "none.db"), "backup", str(tmp_path / "b.db")]) == 1
    said = capsys.readouterr().err
    assert said.startswith(f"newsbot backup: keine Datenbank unter '{tmp_path / 'none.db'}'")
    assert "newsbot demo" in said
    assert not (tmp_path / "b.db").exists()


def test_export_prints_every_article_as_a_json_line(
    seeded_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(seeded_db), "export"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["id"] for r in records] == [1, 2]
    assert {"title", "source", "published", "fetched", "summary", "body", "url", "links"} <= set(
        records[0]
    )
    assert any("Venezuela" in r["title"] for r in records)
    assert all(r["summary"] and isinstance(r["summary"], list) for r in records)

    out = tmp_path / "articles.jsonl"
    assert main(["--db", str(seeded_db), "export", "-o", str(out)]) == 0
    assert "2 Artikel nach" in capsys.readouterr().err
    assert [json.loads(line) for line in out.read_text().splitlines()] == records

    later = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    assert main(["--db", str(seeded_db), "export", "--since", later]) == 0
    assert capsys.readouterr().out == ""


def test_stats_agree_with_the_tables(seeded_store: Store, now: datetime) -> None:
    seeded_store.chats.subscribe(Subscription("telegram:9", "08:00"), now)
    stats = seeded_store.stats(now)
    assert (stats.articles, stats.sources, stats.chats, stats.subscriptions) == (2, 2, 1, 1)
    assert stats.articles_24h == 2
    assert stats.last_ingest == now
    assert stats.database_bytes > 0


def test_a_backup_never_replaces_a_device_or_a_pipe(seeded_db: Path, tmp_path: Path) -> None:
    # `newsbot backup /dev/full` as root replaced the device node with the copy.
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    result = newsbot_process("backup", str(pipe), db=seeded_db, env={"NEWSBOT_LANGUAGE": "en"})
    assert result.returncode == 1
    assert result.stderr == (
        f"newsbot backup: {pipe} is no regular file (a device, a pipe, …); "
        "a backup needs a file or a folder\n"
    )
    assert stat.S_ISFIFO(pipe.stat().st_mode)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
@pytest.mark.parametrize(
    ("command", "said"),
    [
        (("export",), "newsbot export: export to stdout not written: no space left on the device"),
        (("search", "Venezuela"), "newsbot search: could not write: no space left on the device"),
    ],
)
def test_output_to_a_full_disk_is_named_so(
    seeded_db: Path, command: tuple[str, ...], said: str
) -> None:
    with open("/dev/full", "w") as full:  # every write fails with ENOSPC
        result = newsbot_process(
            *command, db=seeded_db, env={"NEWSBOT_LANGUAGE": "en"}, stdout=full
        )
    assert result.returncode == 1
    assert result.stderr == said + "\n"
