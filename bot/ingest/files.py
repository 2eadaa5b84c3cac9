"""Page-dump files and folders (`.txt`, like `seeds/`) → stored articles, in resumable batches.

Parsing and summarizing run in a process pool sized to the cores; each batch of results is
stored in one transaction together with the files it came from, so a killed run resumes.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.dedup import content_hash
from bot.errors import BadInput
from bot.ingest.article import SUMMARY_SENTENCES, to_article
from bot.records import NewArticle
from bot.store import Storage

log = logging.getLogger(__name__)
# A page dump is a few kB; anything this large is not one.
MAX_FILE_BYTES = 5_000_000
SUFFIXES = (".txt", ".text", ".md", ".html", ".htm")
# Web pages saved as HTML ("Seite speichern unter"), read as a feed item's page is.
HTML_SUFFIXES = (".html", ".htm")
# Articles stored per transaction: large enough that commits cost little (one fsync each),
# small enough that a killed run loses under a second of work.
BATCH = 200
# Below this many files a process pool costs more to start than it saves.
POOL_MIN_FILES = 32

Progress = Callable[[int, int], None]


# Why a file is a duplicate; a duplicate's title is the stored article's.
READ_BEFORE, SAME_CONTENT, NEARLY_SAME = "read before", "same content", "nearly the same text"


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What happened to one file: added, duplicate (of `article_id`), or skipped; with a reason."""

    path: str
    status: str
    article_id: int | None = None
    title: str = ""
    reason: str = ""


def read_bytes(path: Path) -> bytes:
    """A file's bytes; refuses huge files."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise BadInput(f"file too large ({size} bytes)")
    return path.read_bytes()


def read_dump(path: Path) -> str:
    """Read a page dump as text: UTF-8, else Windows-1252; refuses binary and huge files."""
    data = read_bytes(path)
    if b"\x00" in data[:8192]:
        raise BadInput("binary file, not a page dump")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise BadInput("neither UTF-8 nor Windows-1252 text") from exc
    log.warning("event=decode_fallback path=%s encoding=cp1252", path)
    return text


def find_dumps(paths: Iterable[Path]) -> Iterator[Path]:
    """Every page-dump file named by `paths`, folders walked in sorted order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
            )
        else:
            yield path


def parse_file(
    path: Path, sentences: int = SUMMARY_SENTENCES, source: str | None = None
) -> NewArticle | str:
    """One file → an article, or the reason it is skipped (runs in a worker process).

    The outlet is `source` when given, else what the page or the file's name says.
    """
    try:
        if path.suffix.lower() in HTML_SUFFIXES:
            # Only saved pages need trafilatura (and the fetcher's module): a folder of page
            # dumps is read without loading either (tests/test_cli_ingest.py).
            from bot.ingest.pages import decode_html, saved_page_article

            return saved_page_article(
                decode_html(read_bytes(path), None),
                origin=origin_of(path),
                sentences=sentences,
                given_source=source,
                file_name=path.name,
            )
        return to_article(
            read_dump(path),
            origin=origin_of(path),
            sentences=sentences,
            given_source=source,
            file_name=path.name,
        )
    except (BadInput, OSError) as exc:
        return str(exc)


def origin_of(path: Path) -> str:
    """The key a file is remembered by: its absolute path."""
    return "file:" + str(path.resolve())


@dataclass(frozen=True, slots=True)
class IngestOptions:
    """How a large ingest runs: worker processes (0 = inline), batch size, summary length."""

    workers: int = 0
    batch: int = BATCH
    sentences: int = SUMMARY_SENTENCES
    # The outlet of every file (`newsbot ingest --source NAME`), when the pages do not say.
    source: str | None = None


def ingest_paths(
    store: Storage,
    paths: Iterable[Path],
    now: datetime,
    *,
    workers: int | None = None,
    options: IngestOptions | None = None,
    progress: Progress | None = None,
    source: str | None = None,
) -> Iterator[IngestResult]:
    """Ingest every dump under `paths`; a missing path is reported, not raised.

    Files stored by an earlier (possibly killed) run are reported as duplicates without being
    parsed again. `workers=None` sizes the pool to the cores.
    """
    if options is None:
        options = IngestOptions(
            workers=(os.cpu_count() or 1) if workers is None else workers, source=source
        )
    opts = options
    files: list[Path] = []
    for path in paths:
        if not path.exists():
            yield IngestResult(str(path), "skipped", reason="no such file or folder")
            continue
        files.extend(find_dumps([path]))
    done = store.articles.seen(origin_of(f) for f in files)
    todo: list[Path] = []
    for number, file in enumerate(files, 1):
        article_id = done.get(origin_of(file))
        if article_id is not None:
            if progress:
                progress(number, len(files))
            stored = store.articles.article(article_id)
            title = stored.title if stored else ""
            yield IngestResult(str(file), "duplicate", article_id, title, reason=READ_BEFORE)
        else:
            todo.append(file)
    base = len(files) - len(todo)

    def tick(number: int) -> None:
        if progress:
            progress(base + number, len(files))

    yield from _store_batches(store, todo, now, opts, tick)


def _parsed(files: list[Path], opts: IngestOptions) -> Iterator[NewArticle | str]:
    if opts.workers <= 1 or len(files) < POOL_MIN_FILES:
        for file in files:
            yield parse_file(file, opts.sentences, opts.source)
        return
    pool = ProcessPoolExecutor(
        max_workers=opts.workers, initializer=die_with_parent, initargs=(os.getpid(),)
    )
    with pool:
        yield from pool.map(
            parse_file,
            files,
            [opts.sentences] * len(files),
            [opts.source] * len(files),
            chunksize=8,
        )


# Linux's prctl option: the kernel sends this process a signal when its parent dies.
_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """A pool worker's start: end this process when `parent` dies, even by SIGKILL.

    Linux signals the worker at once (prctl PR_SET_PDEATHSIG); elsewhere, and as a backstop, a
    thread checks every second whether the worker was orphaned.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    if os.getppid() != parent:  # the parent died before the signal was asked for
        os._exit(1)
    threading.Thread(target=watch, name="orphan-watch", daemon=True).start()


def _duplicate(store: Storage, path: str, new: NewArticle, article_id: int) -> IngestResult:
    """A duplicate's result: the stored article's title, and same content or nearly the same."""
    stored = store.articles.article(article_id)
    if stored is None:
        return IngestResult(path, "duplicate", article_id, new.title, SAME_CONTENT)
    same = stored.content_hash == content_hash(new.title, new.body)
    return IngestResult(
        path, "duplicate", article_id, stored.title, SAME_CONTENT if same else NEARLY_SAME
    )


def _store_batches(
    store: Storage,
    files: list[Path],
    now: datetime,
    opts: IngestOptions,
    tick: Callable[[int], None],
) -> Iterator[IngestResult]:
    pending: list[tuple[Path, NewArticle]] = []
    count = 0

    def flush() -> Iterator[IngestResult]:
        results = store.articles.add_articles([article for _, article in pending], now)
        for (file, article), (status, article_id) in zip(pending, results, strict=True):
            log.info("event=ingest path=%s status=%s id=%d", file, status, article_id)
            if status != "added":  # a duplicate (`shared`: one a chat's own feed brought first)
                yield _duplicate(store, str(file), article, article_id)
            else:
                yield IngestResult(str(file), status, article_id, article.title)
        pending.clear()

    for file, parsed in zip(files, _parsed(files, opts), strict=True):
        count += 1
        tick(count)
        if isinstance(parsed, str):
            # INFO: the caller reports each skip with its reason; a warning would say it twice.
            log.info("event=ingest_skipped path=%s reason=%r", file, parsed)
            yield IngestResult(str(file), "skipped", reason=parsed)
            continue
        pending.append((file, parsed))
        if len(pending) >= opts.batch:
            yield from flush()
    if pending:
        yield from flush()
