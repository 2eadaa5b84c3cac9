"""Resident memory of the paths users run: 1,000 searches on a 10,000-article database, and
one 4 MB page dump ingested; today's code and the code before this change side by side.

Run: .venv/bin/python bench/memory.py [--articles 10000] [--searches 1000] [--page-mb 4]

Each figure comes from a fresh child process (VmRSS after start-up and after the work, VmHWM
for the peak). "before" runs the same code with simplemma's default dictionary (a dict of its
1.1 million German entries) and the page classifier's character counts as they were (running
int64 totals over the whole page), patched in, so both run on the same machine at once.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]


def rss(key: str = "VmRSS") -> int:
    """This process's resident memory (or its peak, VmHWM) in MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) // 1024
    return 0


def old_char_counts(texts: list[str]) -> list[list[int]]:
    """The page classifier's character counts before this change (for "before")."""
    import numpy as np

    from summarizer import blocks

    joined = "".join(texts)
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    table = blocks._char_classes().astype(np.int64)
    flags = table[np.minimum(codes, blocks._TABLE_END - 1)]
    for k in np.flatnonzero(codes >= blocks._TABLE_END):
        c = joined[k]
        flags[k] = (c.isalpha(), c.isalnum(), c.isspace(), c.isdigit())
    totals = np.vstack([np.zeros((1, 4), dtype=np.int64), np.cumsum(flags, axis=0)])
    ends = np.cumsum([len(t) for t in texts])
    starts = ends - [len(t) for t in texts]
    counts: list[list[int]] = (totals[ends] - totals[starts]).tolist()
    return counts


def before() -> None:
    """Patch in the code as it was before this change."""
    from simplemma.strategies import DictionaryLookupStrategy

    from summarizer import blocks, german

    german._dictionary.cache_clear()
    german._dictionary = lambda: DictionaryLookupStrategy()  # type: ignore[assignment]
    german.lemma.cache_clear()
    blocks._char_counts = old_char_counts  # type: ignore[assignment]


def child_search(db: str, searches: int) -> None:
    from bot.commands import Context, handle
    from bot.store import Store
    from tests.fakes.feed_site import CONTENT

    store = Store.open(db)
    rng = random.Random(7)
    now = datetime(2025, 11, 10, 12, tzinfo=UTC)
    start = rss()
    for n in range(searches):
        words = " ".join(rng.sample(CONTENT, rng.randint(1, 3)))
        handle(f"/search {words}", Context(f"telegram:{n % 50}", now), store)
    print(f"{start} {rss()} {rss('VmHWM')}")


def child_page(path: str) -> None:
    from bot.ingest.files import parse_file

    start = rss()
    article = parse_file(Path(path))
    if isinstance(article, str):
        raise SystemExit(f"page skipped: {article}")
    print(f"{start} {rss()} {rss('VmHWM')}")


def build(db: Path, articles: int) -> None:
    """A database of generated German-looking articles, as bench/search.py builds them."""
    from search import Corpus

    from bot.store import Store

    corpus = Corpus(2025)
    now = datetime(2025, 11, 10, 12, tzinfo=UTC)
    store = Store.open(db)
    for start in range(0, articles, 1000):
        batch = [corpus.article(n, now) for n in range(start, min(start + 1000, articles))]
        store.articles.add_articles(batch, now)
    store.close()


def page(path: Path, megabytes: float) -> None:
    """A page dump of distinct German-looking paragraphs, `megabytes` long."""
    from tests.fakes.feed_site import german_text

    rng = random.Random(4)
    parts = ["Nachrichten, Politik", "Der Stadtrat streitet über den Haushalt der Stadt",
             "02.11.2025 - 09:13:55"]  # fmt: skip
    size = 0
    while size < megabytes * 1e6:
        paragraph = german_text(rng, 90)
        parts.append(paragraph)
        size += len(paragraph.encode()) + 2
    path.write_text("\n\n".join(parts))


def run(variant: str, *args: str) -> tuple[int, int, int]:
    out = subprocess.run(  # noqa: S603 - this script itself, with arguments it made
        [sys.executable, __file__, "--child", variant, *args],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    start, end, peak = map(int, out.stdout.split())
    return start, end, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--searches", type=int, default=1000)
    parser.add_argument("--page-mb", type=float, default=4.0)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, _, when = args.child.partition(":")
        if when == "before":
            before()
        if kind == "search":
            child_search(args.rest[0], int(args.rest[1]))
        else:
            child_page(args.rest[0])
        return
    with tempfile.TemporaryDirectory() as tmp:
        db, dump = Path(tmp) / "bench.db", Path(tmp) / "page.txt"
        build(db, args.articles)
        page(dump, args.page_mb)
        print(f"{args.searches} searches on {args.articles} articles; a {args.page_mb:g} MB dump")
        print("MiB resident            after start  after work  peak")
        for when in ("before", "now"):
            start, end, peak = run(f"search:{when}", str(db), str(args.searches))
            print(f"search, {when:6}          {start:11} {end:11} {peak:5}")
        for when in ("before", "now"):
            start, end, peak = run(f"page:{when}", str(dump))
            print(f"page dump, {when:6}       {start:11} {end:11} {peak:5}")


if __name__ == "__main__":
    main()
