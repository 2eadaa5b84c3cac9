"""`newsbot ingest` as a user runs it: what each input became, progress, and the exit status."""

from __future__ import annotations

import asyncio
import json
import os
import pty
import random
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio

from tests.conftest import ROOT, SEEDS
from tests.fakes.feed_site import FeedSite, german_text
from tests.fakes.ports import free_port
from tests.test_cli import newsbot

pytestmark = pytest.mark.integration
DPA = SEEDS / "dpa-kreml-venezuela-2025-11-02.txt"
DPA_TITLE = "Kreml fordert friedliche Lösung zwischen USA und Venezuela"
LOOPBACK = {"NEWSBOT_FETCH_ALLOW": "127.0.0.1"}


@pytest.mark.parametrize(
    ("language", "again", "copy"),
    [
        ("de", f"= #1 „{DPA_TITLE}“ (schon eingelesen)", f"= #1 „{DPA_TITLE}“ (gleicher Inhalt)"),
        ("en", f"= #1 “{DPA_TITLE}” (read before)", f"= #1 “{DPA_TITLE}” (same content)"),
    ],
)
def test_a_duplicate_names_the_stored_article_and_why(
    tmp_path: Path, db_path: Path, language: str, again: str, copy: str
) -> None:
    env = {"NEWSBOT_LANGUAGE": language}
    assert newsbot("ingest", str(DPA), db=db_path, env=env).returncode == 0
    twin = tmp_path / "kopie.txt"
    shutil.copy(DPA, twin)
    result = newsbot("ingest", str(DPA), str(twin), db=db_path, env=env)
    assert result.returncode == 0, result.stdout  # already known counts as read
    lines = result.stdout.splitlines()
    assert lines[0].endswith(f"{DPA} {again}"), lines[0]
    assert lines[1].endswith(f"{twin} {copy}"), lines[1]
    assert result.stderr == ""


def test_progress_is_a_bar_on_a_terminal_and_silent_in_a_pipe(db_path: Path) -> None:
    piped = newsbot("ingest", str(SEEDS), db=db_path)
    assert piped.returncode == 0
    assert piped.stderr == ""  # no progress, no warning lines
    main, terminal = pty.openpty()
    env = {**os.environ, "NEWSBOT_DB": str(db_path) + "2", "NEWSBOT_CONFIG": ""}
    env["PYTHONPATH"] = str(ROOT)
    with subprocess.Popen(
        [sys.executable, "-m", "bot", "ingest", str(SEEDS)],
        stdout=subprocess.PIPE,
        stderr=terminal,
        env=env,
        text=True,
    ) as proc:
        os.close(terminal)
        try:
            out, _ = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:  # hung: end it (Popen's exit would wait for it forever)
                proc.kill()
        shown = b""
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the terminal's other end is closed: all read
                break
            if not chunk:
                break
            shown += chunk
    os.close(main)
    assert proc.returncode == 0
    assert "2 neu" in out
    screen = shown.decode()
    assert f"[{'#' * 30}] 2/2" in screen
    assert "event=" not in screen


@pytest.mark.parametrize(
    ("language", "failed", "summary"),
    [
        ("de", "nicht in die Feed-Liste aufgenommen", "0 neu, 0 Duplikate, 0 übersprungen, 1 "),
        ("en", "not added to the feed list", "0 added, 0 duplicates, 0 skipped, 1 failed"),
    ],
)
def test_a_dead_url_is_counted_as_failed_and_not_added(
    db_path: Path, language: str, failed: str, summary: str
) -> None:
    url = f"http://127.0.0.1:{free_port()}/feed.xml"
    env = {**LOOPBACK, "NEWSBOT_LANGUAGE": language}
    result = newsbot("ingest", url, db=db_path, env=env)
    assert result.returncode == 1
    assert url in result.stdout
    assert failed in result.stdout
    assert result.stdout.splitlines()[-1].startswith(summary)
    assert url not in newsbot("feeds", "list", db=db_path).stdout


@pytest_asyncio.fixture
async def feed_site() -> AsyncIterator[FeedSite]:
    site = await FeedSite().start()
    rng = random.Random(3)
    site.publish(
        "haushalt", "Kanzler verteidigt den Haushalt", german_text(rng, 150), datetime.now(UTC)
    )
    yield site
    await site.stop()


async def test_a_feed_read_again_unchanged_exits_0_like_known_files(
    db_path: Path, feed_site: FeedSite
) -> None:
    url = feed_site.url("/feed.xml")
    first = await asyncio.to_thread(newsbot, "ingest", url, db=db_path, env=LOOPBACK)
    assert first.returncode == 0, first.stdout + first.stderr
    assert f"Feed {url}: 1 neu" in first.stdout
    again = await asyncio.to_thread(newsbot, "ingest", url, db=db_path, env=LOOPBACK)
    assert again.returncode == 0, again.stdout
    assert f"Feed {url}: unverändert" in again.stdout
    listed = await asyncio.to_thread(newsbot, "feeds", "list", db=db_path)
    assert url in listed.stdout  # a feed that answers stays in the list


def test_a_file_url_names_the_local_file(db_path: Path) -> None:
    result = newsbot("ingest", DPA.as_uri(), db=db_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"neu: {DPA} → #1 „{DPA_TITLE}“" in result.stdout
    folder = newsbot("ingest", "file://localhost" + str(SEEDS) + "/", db=db_path)
    assert folder.returncode == 0
    assert "1 neu, 1 Duplikate" in folder.stdout
    elsewhere = newsbot("ingest", "file://server/srv/x.txt", db=db_path)
    assert elsewhere.returncode == 2
    assert "file:///" in elsewhere.stderr
    assert "Traceback" not in elsewhere.stderr


def test_ingest_help_states_the_exit_status(db_path: Path) -> None:
    out = newsbot("ingest", "--help", db=db_path).stdout
    assert "exit status: 0" in out
    assert "file://" in out


# `newsbot ingest` of a 4 MB page dump peaked at 125 MiB before the web's machinery was left
# out of it and the parse and the store made leaner; now about 90 (bench/memory.py). The goal
# is 100 MB (95 MiB); the bound leaves room for another Python or machine.
PAGE_PEAK_MIB = 110
# What a file ingest never needs: the web client, the HTML extractor, the feed parser, the
# transports, and numpy's masked arrays (6 MiB, imported by np.unique's first use).
NOT_FOR_FILES = ("httpx", "trafilatura", "feedparser", "telegram", "nio", "numpy.ma")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads Linux's /proc")
def test_a_4_mb_page_dump_is_ingested_within_its_memory_budget(tmp_path: Path) -> None:
    rng = random.Random(4)
    paragraphs = ["Der Stadtrat streitet über den Haushalt der Stadt", "02.11.2025 - 09:13:55"]
    while sum(map(len, paragraphs)) < 4_000_000:
        paragraphs.append(german_text(rng, 90))
    dump = tmp_path / "haushalt.txt"
    dump.write_text("\n\n".join(paragraphs))
    # The peak is this process's own (VmHWM): ru_maxrss would include the forking test's.
    driver = (
        "import json, re, sys\n"
        "from bot.cli import main\n"
        "status = main(['ingest', sys.argv[1]])\n"
        "status_file = open('/proc/self/status').read()\n"
        "peak = int(re.search(r'VmHWM:\\s+(\\d+)', status_file)[1]) // 1024\n"
        "print(json.dumps({'status': status, 'peak': peak, 'modules': sorted(sys.modules)}))\n"
    )
    env = {**os.environ, "NEWSBOT_DB": str(tmp_path / "news.db"), "NEWSBOT_CONFIG": ""}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-c", driver, str(dump)],
        capture_output=True, text=True, env=env, check=False, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    *lines, last = done.stdout.splitlines()
    report = json.loads(last)
    assert report["status"] == 0
    assert any("„Der Stadtrat streitet über den Haushalt der Stadt“" in line for line in lines)
    assert report["peak"] < PAGE_PEAK_MIB, report["peak"]
    loaded = set(report["modules"])
    assert not {m for m in NOT_FOR_FILES if m in loaded}
