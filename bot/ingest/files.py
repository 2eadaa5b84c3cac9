"""Page-dump files and folders (`.txt`, like `seeds/`) → stored articles."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.errors import BadInput
from bot.ingest.article import to_article
from bot.store import Store

log = logging.getLogger(__name__)
# A page dump is a few kB; anything this large is not one.
MAX_FILE_BYTES = 5_000_000
SUFFIXES = (".txt", ".text", ".md")


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What happened to one file: added, duplicate, or skipped with a reason."""

    path: str
    status: str
    article_id: int | None = None
    title: str = ""
    reason: str = ""


def read_dump(path: Path) -> str:
    """Read a page dump as text: UTF-8, else Windows-1252; refuses binary and huge files."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise BadInput(f"file too large ({size} bytes)")
    data = path.read_bytes()
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


def ingest_file(store: Store, path: Path, now: datetime) -> IngestResult:
    """Parse, summarize and store one file; never raises for bad input."""
    try:
        article = to_article(read_dump(path), origin=str(path))
    except (BadInput, OSError) as exc:
        log.warning("event=ingest_skipped path=%s reason=%r", path, str(exc))
        return IngestResult(str(path), "skipped", reason=str(exc))
    status, article_id = store.add_article(article, now)
    log.info("event=ingest path=%s status=%s id=%d", path, status, article_id)
    return IngestResult(str(path), status, article_id, article.title)


def ingest_paths(store: Store, paths: Iterable[Path], now: datetime) -> Iterator[IngestResult]:
    """Ingest every dump under `paths`; a missing path is reported, not raised."""
    for path in paths:
        if not path.exists():
            yield IngestResult(str(path), "skipped", reason="no such file or folder")
            continue
        for dump in find_dumps([path]):
            yield ingest_file(store, dump, now)
