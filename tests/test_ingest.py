"""Ingesting page-dump folders: clean text only, batches, a worker pool, and SIGKILL resume."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from datetime import datetime
from pathlib import Path

import pytest

from bot.ingest.article import MAX_BODY_CHARS, cap_body
from bot.ingest.files import IngestOptions, ingest_paths
from bot.query import parse_query
from bot.store import CANDIDATES, Store
from summarizer import parse_page
from tests.conftest import SEEDS
from tests.fakes.feed_site import german_text


def write_dumps(folder: Path, count: int) -> None:
    folder.mkdir()
    rng = random.Random(11)
    for n in range(count):
        title = f"Meldung {n}: {german_text(rng, 6).rstrip('.')}"
        text = f"{title}\n\n{n % 28 + 1:02d}.11.2025 - 09:00\n\n{german_text(rng, 70)}\n"
        (folder / f"meldung-{n:04d}.txt").write_text(text)


@pytest.mark.parametrize("junk", ["weiterlesen", "Kommentare", "spendenfinanziert", "Newsletter"])
def test_teasers_comments_and_appeals_are_not_indexed(seeded_store: Store, junk: str) -> None:
    assert seeded_store.index.search(parse_query(junk), 5).total == 0


def test_pool_ingest_stores_each_file_once_and_reports_progress(
    tmp_path: Path, db_path: Path, now: datetime
) -> None:
    write_dumps(tmp_path / "dumps", 40)
    ticks: list[tuple[int, int]] = []
    store = Store.open(db_path)
    try:
        options = IngestOptions(workers=2, batch=16)
        results = list(
            ingest_paths(
                store,
                [tmp_path / "dumps"],
                now,
                options=options,
                progress=lambda d, t: ticks.append((d, t)),
            )
        )
        assert [r.status for r in results].count("added") == 40
        assert ticks[-1] == (40, 40)
        again = list(ingest_paths(store, [tmp_path / "dumps", SEEDS], now, workers=0))
        assert [r.status for r in again].count("duplicate") == 40
        assert [r.status for r in again].count("added") == 2
        assert store.articles.count_articles() == 42
    finally:
        store.close()


@pytest.mark.integration
@pytest.mark.slow
def test_sigkill_midway_then_rerun_stores_every_article_once(tmp_path: Path, db_path: Path) -> None:
    folder = tmp_path / "dumps"
    write_dumps(folder, 1000)
    env = {**os.environ, "NEWSBOT_DB": str(db_path), "NEWSBOT_CONFIG": ""}
    command = [sys.executable, "-m", "bot", "ingest", str(folder)]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stored = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        try:
            with closing(sqlite3.connect(db_path, timeout=1)) as conn:
                stored = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        except sqlite3.OperationalError:
            continue
        if stored >= 200:
            break
    assert proc.poll() is None, "ingest finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert 0 < stored < 1000

    rerun = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert rerun.returncode == 0, rerun.stderr
    assert "1000 added" not in rerun.stdout
    store = Store.open(db_path)
    try:
        assert store.articles.count_articles() == 1000
        rows = store.db.execute(
            "SELECT count(DISTINCT origin), count(DISTINCT title) FROM articles"
        ).fetchone()
        assert rows == (1000, 1000)
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        store.db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
        page = store.index.search(parse_query("Meldung"), 5)
        assert (page.total, page.capped) == (CANDIDATES, True)
        for n in (500, 777, 999):
            hits = store.index.search(parse_query(f"Meldung {n}"), 5).hits
            assert [hit.article.title.split(":")[0] for hit in hits] == [f"Meldung {n}"]
    finally:
        store.close()


# Four processes started together, each waiting for this moment before it opens the file.
_OPEN_AT_ONCE = """
import sys, time
from bot.store import Store
start = float(sys.argv[1])
while time.time() < start:
    pass
Store.open(sys.argv[2]).close()
"""


@pytest.mark.integration
@pytest.mark.slow
def test_processes_that_create_one_database_at_once_all_open_it(tmp_path: Path) -> None:
    """Each process switches a new file to WAL; SQLite refuses all but one at once whatever the
    busy timeout (about one in 12 such starts failed with "database is locked"), so the others
    try again until one of them has switched it."""
    env = {**os.environ, "NEWSBOT_CONFIG": "", "PYTHONPATH": str(SEEDS.parent)}
    for attempt in range(10):
        db = tmp_path / f"new-{attempt}.db"
        start = time.time() + 1.5  # after every interpreter has started
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", _OPEN_AT_ONCE, str(start), str(db)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for _ in range(4)
        ]
        errors = [proc.communicate(timeout=120)[1] for proc in procs]
        for proc, err in zip(procs, errors, strict=True):
            assert proc.returncode == 0, err.decode()
        with closing(sqlite3.connect(db)) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


@pytest.mark.integration
@pytest.mark.slow
def test_two_ingests_on_one_database_both_finish_and_store_each_article_once(
    tmp_path: Path, db_path: Path
) -> None:
    folder = tmp_path / "dumps"
    write_dumps(folder, 300)
    env = {**os.environ, "NEWSBOT_DB": str(db_path), "NEWSBOT_CONFIG": ""}
    command = [sys.executable, "-m", "bot", "ingest", str(folder)]
    procs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    try:
        outputs = [p.communicate(timeout=240) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:  # hung: end it rather than leave it behind
                p.kill()
                p.wait()
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()
        assert b"Traceback" not in err
        assert b"locked" not in err
    store = Store.open(db_path)
    try:
        assert store.articles.count_articles() == 300
        rows = store.db.execute("SELECT count(DISTINCT origin) FROM articles").fetchone()
        assert rows == (300,)
    finally:
        store.close()


def _children(pid: int) -> list[int]:
    """Process ids whose parent is `pid` (from /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.integration
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
def test_ingest_workers_end_when_their_parent_is_killed(tmp_path: Path, db_path: Path) -> None:
    folder = tmp_path / "dumps"
    write_dumps(folder, 1500)
    env = {**os.environ, "NEWSBOT_DB": str(db_path), "NEWSBOT_CONFIG": ""}
    command = [sys.executable, "-m", "bot", "ingest", str(folder)]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list[int] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        workers = _children(proc.pid)
        if workers:
            break
        time.sleep(0.05)
    assert workers, "no worker processes seen"
    time.sleep(0.5)
    workers = _children(proc.pid) or workers
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.1)
    assert not [w for w in workers if _alive(w)], "workers outlived their parent"


def test_soft_hyphens_and_zero_width_marks_do_not_split_words(
    store: Store, tmp_path: Path, now: datetime
) -> None:
    rng = random.Random(5)
    page = tmp_path / "meldung.txt"
    page.write_text(
        "\ufeffBundes\u00adregierung plant neue Regeln\n\n"
        f"Die Bundes\u200bregierung hat am Montag neue Regeln vorgestellt. {german_text(rng, 80)}\n"
    )
    assert [r.status for r in ingest_paths(store, [page], now)] == ["added"]
    assert store.index.search(parse_query("Bundesregierung"), 5).total == 1
    (article,) = store.articles.latest(5)
    assert article.title == "Bundesregierung plant neue Regeln"


@pytest.mark.slow
def test_a_huge_page_keeps_its_first_million_characters_in_whole_paragraphs(
    store: Store, tmp_path: Path, now: datetime
) -> None:
    rng = random.Random(8)
    first = "Anfangsmeldung: Der Stadtrat hat am Montag den Haushalt beschlossen."
    last = "Schlussvermerk: Die Sitzung endete am späten Abend ohne weitere Beschlüsse."
    paragraphs = [first]
    while sum(map(len, paragraphs)) < MAX_BODY_CHARS + 50_000:
        paragraphs.append(german_text(rng, 90))
    text = "Der Stadtrat beschließt den Haushalt\n\n" + "\n\n".join([*paragraphs, last])
    page = tmp_path / "protokoll.txt"
    page.write_text(text)
    assert [r.status for r in ingest_paths(store, [page], now)] == ["added"]
    (article,) = store.articles.latest(5)
    # The cleaner's body up to the last whole paragraph within the limit.
    whole = parse_page(text).body
    assert len(article.body) <= MAX_BODY_CHARS < len(whole)
    assert whole.startswith(article.body + "\n\n")
    assert whole.find("\n\n", len(article.body) + 2) > MAX_BODY_CHARS
    assert article.summary
    assert store.index.search(parse_query("Anfangsmeldung"), 5).total == 1
    assert store.index.search(parse_query("Schlussvermerk"), 5).total == 0


@pytest.mark.parametrize(
    ("body", "limit", "cut"),
    [
        ("Erster Absatz.\n\nZweiter Absatz.", 100, "Erster Absatz.\n\nZweiter Absatz."),
        ("Erster Absatz.\n\nZweiter Absatz.", 20, "Erster Absatz."),
        ("Ein einziger langer Absatz", 14, "Ein einziger"),
        ("Unzerteilbarlangeswort", 12, "Unzerteilbar"),
    ],
)
def test_a_body_over_the_limit_is_cut_after_a_paragraph_else_a_word(
    body: str, limit: int, cut: str
) -> None:
    assert cap_body(body, limit) == cut
