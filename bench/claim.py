"""The cost of one feed claim (what every poller does every 10 s and after each poll) on SQLite
and PostgreSQL in the same run: with nothing due, and with due feeds to lease.

    python -m bench.claim [--feeds 10000] [--postgres URL]

Without a URL a throwaway PostgreSQL cluster is started (Debian's server package) and removed.
Prints the median and p95 in milliseconds per claim, and PostgreSQL's ratio to SQLite.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.store import Storage, Store
from bot.store.postgres import PostgresStore

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
ROUNDS = 300
SLOTS = 4  # what one poller claims at most: its free feed slots


def fill(store: Storage, feeds: int) -> None:
    """`feeds` feeds, each polled once and due again an hour later."""
    with store.transaction():
        for n in range(feeds):
            feed = store.feeds.add_feed(f"https://feeds.example/{n}.xml", T0)
            store.feeds.feed_fetched(feed, T0, T0 + timedelta(hours=1))


def timings(store: Storage, due: bool) -> list[float]:
    """Milliseconds per claim; with `due`, each claim leases SLOTS feeds (then frees them)."""
    now = T0 + (timedelta(hours=2) if due else timedelta(minutes=1))
    out = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        store.feeds.claim(
            now, now=now, owner="bench", until=now + timedelta(minutes=5), limit=SLOTS
        )
        out.append((time.perf_counter() - started) * 1000)
        store.feeds.release("bench")
    return out


def p95(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.95)]


@contextlib.contextmanager
def postgres(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.fakes.postgres import Cluster, server_bin

    found = server_bin()
    if found is None:
        raise SystemExit(
            "no PostgreSQL server binaries: apt-get install postgresql, or --postgres URL"
        )
    cluster = Cluster.start(found)
    try:
        yield cluster.create_database()
    finally:
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--feeds", type=int, default=10_000)
    parser.add_argument("--postgres", help="a postgresql:// URL of an empty database")
    args = parser.parse_args()
    results: dict[tuple[str, bool], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp, postgres(args.postgres) as url:
        stores: list[tuple[str, Storage]] = [
            ("sqlite", Store.open(Path(tmp) / "bench.db")),
            ("postgresql", PostgresStore.open(url)),
        ]
        for _, store in stores:
            fill(store, args.feeds)
        for due in (False, True):
            for name, store in stores:
                results[name, due] = timings(store, due)
        for _, store in stores:
            store.close()
    print(f"one feed claim, {args.feeds} feeds, {ROUNDS} claims each (ms)")
    for due in (False, True):
        what = f"all due, {SLOTS} leased" if due else "nothing due"
        lite, pg = results["sqlite", due], results["postgresql", due]
        print(
            f"{what:>14}: sqlite median {statistics.median(lite):.3f} p95 {p95(lite):.3f};"
            f" postgresql median {statistics.median(pg):.3f} p95 {p95(pg):.3f};"
            f" ratio {statistics.median(pg) / statistics.median(lite):.1f}x"
        )


if __name__ == "__main__":
    main()
