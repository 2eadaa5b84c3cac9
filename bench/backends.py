"""The same articles and searches on SQLite and on PostgreSQL, in one run: ingest articles per
second and search p50/p95 for 1, 2 and 3 words and a quoted phrase, with the ratio PG/SQLite.

Run: .venv/bin/python bench/backends.py [--articles 100000] [--queries 300]
     [--postgres postgresql://…]  (default: a throwaway cluster from the PostgreSQL server
     package, as the tests start it)

The corpus and queries are bench/search.py's (Zipf-distributed German-like words, inflected
forms, compounds). Both stores get the same batches of 1000; both answer the same queries.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.search import BATCH, Corpus, percentile
from bot.query import Query, parse_query
from bot.store import Storage, Store, open_store

NOW = datetime(2025, 11, 10, tzinfo=UTC)


def ingest(stores: dict[str, Storage], count: int) -> dict[str, list[float]]:
    """Add the same batches to every store; articles per second of each batch, per store."""
    corpus = Corpus(2025)
    rates: dict[str, list[float]] = {name: [] for name in stores}
    for start in range(0, count, BATCH):
        items = [corpus.article(n, NOW) for n in range(start, min(start + BATCH, count))]
        for name, store in stores.items():
            t = time.perf_counter()
            store.articles.add_articles(items, NOW)
            rates[name].append(len(items) / (time.perf_counter() - t))
        if (start // BATCH) % 10 == 0:
            done = start + len(items)
            line = ", ".join(f"{n} {r[-1]:.0f}/s" for n, r in rates.items())
            print(f"  {done} articles: {line}", flush=True)
    return rates


def drawn_queries(count: int) -> dict[str, list[Query]]:
    """The searches, drawn as bench/search.py draws them: 1-3 words and quoted pairs."""
    corpus = Corpus(2025)
    corpus.rng = np.random.default_rng(7)
    out: dict[str, list[Query]] = {}
    for length in (1, 2, 3):
        found: list[Query] = []
        while len(found) < count:
            query = parse_query(" ".join(corpus.draw(length, top=5000)))
            if query.match:
                found.append(query)
        out[f"{length} word{'s' if length > 1 else ''}"] = found
    phrases: list[Query] = []
    while len(phrases) < count:
        quoted = parse_query('"' + " ".join(corpus.draw(2, top=5000)) + '"')
        if quoted.phrases:
            phrases.append(quoted)
    out["quoted phrase"] = phrases
    return out


def timed(search: Callable[[Query], object], queries: list[Query]) -> list[float]:
    times = []
    for query in queries:
        t = time.perf_counter()
        search(query)
        times.append((time.perf_counter() - t) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--postgres", help="an empty database's URL (default: a throwaway one)")
    args = parser.parse_args()
    cluster = None
    url = args.postgres
    if url is None:
        from tests.fakes.postgres import Cluster, server_bin

        found = server_bin()
        if found is None:
            raise SystemExit("no PostgreSQL server binaries: give --postgres URL")
        cluster = Cluster.start(found)
        url = cluster.create_database()
    folder = Path(tempfile.mkdtemp())
    stores: dict[str, Storage] = {
        "sqlite": Store.open(folder / "bench.db"),
        "postgresql": open_store(url),
    }
    try:
        rates = ingest(stores, args.articles)
        for name, r in rates.items():
            tail = max(1, len(r) // 10)
            print(
                f"ingest {name}: median {statistics.median(r):.0f} articles/s,"
                f" last 10 %: {statistics.median(r[-tail:]):.0f} articles/s"
            )
        print(f"| query ({args.articles} articles) | SQLite p50 / p95 | PostgreSQL p50 / p95 |")
        print("|---|---|---|")
        for label, queries in drawn_queries(args.queries).items():
            cells = []
            for store in stores.values():
                # One warm-up pass: both backends answer from memory, as a running bot does.
                timed(lambda q, s=store: s.index.search(q, 5, now=NOW), queries[:20])
                times = timed(lambda q, s=store: s.index.search(q, 5, now=NOW), queries)
                cells.append(f"{percentile(times, 0.5):.1f} / {percentile(times, 0.95):.1f} ms")
            print(f"| {label} | {cells[0]} | {cells[1]} |")
    finally:
        for store in stores.values():
            store.close()
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
