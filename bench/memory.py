"""Resident memory of the paths users run, each in a fresh process: 1,000 searches on a
10,000-article database, one 4 MB page dump ingested (parsed, summarized, stored) by the
library and by `newsbot ingest` itself, four 4.9 MB item pages in one feed poll,
and what the word-form dictionary costs; this checkout beside others (`--code`) in one run.

Run: .venv/bin/python bench/memory.py [--articles 10000] [--searches 1000] [--page-mb 4]
     [--code DIR]... [--cases search,page,cli,poll]

`--code DIR` runs another checkout's `bot` and `summarizer` with this script's workloads (today's
main, e.g. `git worktree add /tmp/main main`). Figures are VmRSS after start-up and after the
work, and VmHWM for the peak, in MiB, and the process's CPU seconds (user + system). For
`newsbot ingest` "after start" is the bare interpreter: the command's imports are its cost.
"""

from __future__ import annotations

import argparse
import asyncio
import http.server
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Item pages of the poll workload: four of 4.9 MB (the fetch cap is 5 MB).
POLL_PAGES = 4
POLL_PAGE_BYTES = 4_900_000


def rss(key: str = "VmRSS") -> int:
    """This process's resident memory (or its peak, VmHWM) in MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) // 1024
    return 0


def figures(start: int) -> str:
    """After start-up, now and peak (MiB), and CPU seconds so far: what a child prints."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return f"{start} {rss()} {rss('VmHWM')} {usage.ru_utime + usage.ru_stime:.2f}"


def child_search(db: str, searches: str) -> None:
    from bot.commands import Context, handle
    from bot.store import Store
    from tests.fakes.feed_site import CONTENT

    store = Store.open(db)
    rng = random.Random(7)
    now = datetime(2025, 11, 10, 12, tzinfo=UTC)
    start = rss()
    for n in range(int(searches)):
        words = " ".join(rng.sample(CONTENT, rng.randint(1, 3)))
        handle(f"/search {words}", Context(f"telegram:{n % 50}", now), store)
    print(figures(start))


def child_page(path: str, db: str) -> None:
    """`newsbot ingest PATH`'s work: the dump parsed, summarized and stored."""
    from bot.ingest.files import ingest_paths
    from bot.store import Store

    store = Store.open(db)
    start = rss()
    [result] = ingest_paths(store, [Path(path)], datetime(2025, 11, 10, 12, tzinfo=UTC), workers=0)
    if result.status != "added":
        raise SystemExit(f"page {result.status}: {result.reason}")
    print(figures(start))


def child_cli(path: str, db: str) -> None:
    """`newsbot ingest PATH` as an operator runs it, imports and all."""
    start = rss()
    os.environ.update(NEWSBOT_DB=db, NEWSBOT_CONFIG="")
    from bot.cli import main

    if main(["ingest", path]) != 0:
        raise SystemExit("newsbot ingest failed")
    print(figures(start))


def child_poll(db: str, feed_url: str) -> None:
    """One poll of a feed whose items are big pages, as `newsbot run` polls it."""
    from bot.allowed_urls import Allowed
    from bot.ingest.feeds import PollOptions, poll_feeds
    from bot.ingest.fetch import Fetcher, FetchOptions
    from bot.store import Store

    store = Store.open(db)
    now = datetime(2025, 11, 10, 12, tzinfo=UTC)
    store.feeds.add_feed(feed_url, now)
    start = rss()

    late = timedelta(minutes=10)

    async def poll() -> int:
        options = FetchOptions(deadline=late.total_seconds(), allowed=Allowed.parse(["127.0.0.1"]))
        async with Fetcher(options) as fetcher:
            # The poll's page deadline as long as the fetch's: a loaded machine may take
            # minutes, and a page past it would be taken from the feed's text instead.
            report = await poll_feeds(store, fetcher, now, options=PollOptions(deadline=late))
        return len(report.added)

    added = asyncio.run(poll())
    if added != POLL_PAGES:
        raise SystemExit(f"{added} of {POLL_PAGES} pages stored")
    print(figures(start))


def child_dictionary(kind: str) -> None:
    """One lookup in the word-form dictionary as loaded now (its front-coded stream, packed,
    on first use), in simplemma's stream map, or in simplemma's default (a dict of every
    German entry)."""
    from simplemma.strategies import DictionaryLookupStrategy
    from simplemma.strategies.dictionaries.stream_dictionary_factory import (
        StreamDictionaryFactory,
    )

    from summarizer import german

    start = rss()
    if kind == "ours":
        german.lemma("Häuser")
    elif kind == "stream":
        DictionaryLookupStrategy(StreamDictionaryFactory()).get_lemma("Häuser", "de")
    else:
        DictionaryLookupStrategy().get_lemma("Häuser", "de")
    print(figures(start))


def build(db: Path, articles: int) -> None:
    """A database of generated German-looking articles, as bench/search.py builds them."""
    sys.path[:0] = [str(ROOT), str(HERE)]
    from search import Corpus

    from bot.store import Store

    corpus = Corpus(2025)
    now = datetime(2025, 11, 10, 12, tzinfo=UTC)
    store = Store.open(db)
    for start in range(0, articles, 1000):
        batch = [corpus.article(n, now) for n in range(start, min(start + 1000, articles))]
        store.articles.add_articles(batch, now)
    store.close()


def paragraphs(seed: int, size: float) -> list[str]:
    """Distinct German-looking paragraphs, `size` bytes in all."""
    sys.path[:0] = [str(ROOT)]
    from tests.fakes.feed_site import german_text

    rng = random.Random(seed)
    out: list[str] = []
    total = 0
    while total < size:
        out.append(german_text(rng, 90))
        total += len(out[-1].encode()) + 9
    return out


def page(path: Path, megabytes: float) -> None:
    """A page dump of distinct German-looking paragraphs, `megabytes` long."""
    head = ["Nachrichten, Politik", "Der Stadtrat streitet über den Haushalt der Stadt",
            "02.11.2025 - 09:13:55"]  # fmt: skip
    path.write_text("\n\n".join(head + paragraphs(4, megabytes * 1e6)))


class Site(http.server.BaseHTTPRequestHandler):
    """A feed of POLL_PAGES items and their pages, each just under POLL_PAGE_BYTES of HTML."""

    pages: ClassVar[list[bytes]] = []

    def do_GET(self) -> None:
        host = f"http://127.0.0.1:{self.server.server_address[1]}"
        if self.path == "/feed.xml":
            items = "".join(
                f"<item><title>Bericht {i} über den Haushalt</title><link>{host}/p/{i}</link>"
                f"<guid>{host}/p/{i}</guid><pubDate>Mon, 10 Nov 2025 11:00:00 GMT</pubDate>"
                "</item>"
                for i in range(len(self.pages))
            )
            body = (
                '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                f"<title>Stadtblatt</title><link>{host}/</link>{items}</channel></rss>"
            ).encode()
            kind = "application/rss+xml"
        else:
            body, kind = self.pages[int(self.path.rsplit("/", 1)[1])], "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def item_page(seed: int) -> bytes:
    """An article page of POLL_PAGE_BYTES: navigation, a headline, paragraphs, a footer."""
    texts = paragraphs(seed, POLL_PAGE_BYTES - 400)
    return (
        "<!doctype html><html lang='de'><head><meta charset='utf-8'><title>Der Stadtrat"
        " streitet</title></head><body><nav><a href='/'>Start</a></nav><article><h1>Der"
        " Stadtrat streitet über den Haushalt</h1>"
        + "".join(f"<p>{t}</p>\n" for t in texts)
        + "</article><footer>Impressum</footer></body></html>"
    ).encode()


def run(code: Path, kind: str, *args: str) -> tuple[int, int, int, float]:
    out = subprocess.run(  # noqa: S603 - this script itself, with arguments it made
        [sys.executable, __file__, "--child", kind, "--in", str(code), *args],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if out.returncode:
        raise SystemExit(f"{kind} in {code} failed:\n{out.stderr[-2000:]}{out.stdout}")
    *mib, cpu = out.stdout.split()[-4:]
    start, end, peak = map(int, mib)
    return start, end, peak, float(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--searches", type=int, default=1000)
    parser.add_argument("--page-mb", type=float, default=4.0)
    parser.add_argument("--code", type=Path, action="append", default=[])
    parser.add_argument("--cases", default="search,page,cli,poll")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--in", dest="inside", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path[:0] = [str(args.inside), str(HERE)]
        children = {"search": child_search, "page": child_page, "cli": child_cli,
                    "poll": child_poll, "dictionary": child_dictionary}  # fmt: skip
        children[args.child](*args.rest)
        return
    codes = [ROOT, *(c.resolve() for c in args.code)]
    with tempfile.TemporaryDirectory() as tmp:
        db, dump = Path(tmp) / "bench.db", Path(tmp) / "page.txt"
        cases = args.cases.split(",")
        if "search" in cases:
            build(db, args.articles)
        page(dump, args.page_mb)
        Site.pages = [item_page(10 + i) for i in range(POLL_PAGES)]
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Site)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        feed = f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
        print(f"{args.searches} searches on {args.articles} articles; a {args.page_mb:g} MB dump;"
              f" {POLL_PAGES} item pages of {POLL_PAGE_BYTES / 1e6:g} MB in one poll")  # fmt: skip
        print("MiB resident                     after start  after work   peak   CPU s")
        for name, kind, extra in (
            ("search", "search", (str(db), str(args.searches))),
            ("page dump", "page", (str(dump), "{db}")),
            ("newsbot ingest", "cli", (str(dump), "{db}")),
            ("poll", "poll", ("{db}", feed)),
        ):
            if kind not in cases:
                continue
            for code in codes:
                rest = [str(Path(tmp) / f"{kind}-{len(code.parts)}-{code.name}.db")
                        if a == "{db}" else a for a in extra]  # fmt: skip
                start, end, peak, cpu = run(code, kind, *rest)
                label = f"{name}, {code.name or code}"
                print(f"{label[:32]:32} {start:11} {end:11} {peak:6} {cpu:7.2f}")
        print("word-form dictionary, one lookup   resident   peak   CPU s (process)")
        for kind, label in (("ours", "as loaded (packed stream)"),
                            ("stream", "simplemma's stream map"),
                            ("default", "simplemma's default dict")):  # fmt: skip
            start, end, peak, cpu = run(ROOT, "dictionary", kind)
            print(f"  {label:32} {end - start:8} {peak - start:6} {cpu:7.2f}")
        server.shutdown()


if __name__ == "__main__":
    main()
