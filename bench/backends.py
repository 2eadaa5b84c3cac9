"""The same store work on SQLite and on PostgreSQL, in one run, at 100,000 articles: search
p50/p95 for 1, 2 and 3 words and a quoted phrase, ingest articles per second, a due minute of
10,000 chats' digests through the store, and one poll's claim of due feeds; PG/SQLite ratios.

Run: .venv/bin/python bench/backends.py [--articles 100000] [--queries 200]
     [--sqlite PATH] [--postgres postgresql://…] [--digests-only] [--code DIR]

`--digests-only` skips the searches and the poll claim. `--code DIR` also runs another
checkout's digest steps (today's main, e.g. a `git worktree add /tmp/base main`) on the same
two stores right before this one's, for same-run figures.

Without --postgres a throwaway cluster from the PostgreSQL server package is started (as the
tests start it, with 512 MB of shared buffers as a server of its own would have). Stores that
already hold the corpus (the same --sqlite file and --postgres database from an earlier run)
are not built again; ingest is then measured by adding --more batches of new articles on top.
The corpus and queries are bench/search.py's (Zipf-distributed German-like words, inflected
forms, compounds). Searches alternate between the backends query by query, so load from other
processes on a shared machine falls on both alike.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.search import BATCH, Corpus, percentile
from bot.delivery import MAX_IN_FLIGHT
from bot.digest import plan_chats, window_of
from bot.digest_delivery import PLAN_SLICE
from bot.query import Query, parse_query
from bot.records import Subscription
from bot.store import Storage, Store, open_store
from bot.store.deliveries import DeliveryEnd, DeliveryRow

NOW = datetime(2025, 11, 10, tzinfo=UTC)
CHATS = 10_000
FEEDS = 200
# Another checkout's digest steps on the same stores (`--code`), its figures as JSON.
OTHER = """
import json, sys
from bench.backends import digests
from bot.store import Store, open_store
stores = {"sqlite": Store.open(sys.argv[1]), "postgresql": open_store(sys.argv[2])}
print(json.dumps({name: digests(store, int(sys.argv[3])) for name, store in stores.items()}))
"""


def ingest(stores: dict[str, Storage], corpus: Corpus, first: int, count: int) -> dict[str, float]:
    """Add the same batches of 1000 to every store; the median articles per second of each."""
    rates: dict[str, list[float]] = {name: [] for name in stores}
    for start in range(first, first + count, BATCH):
        items = [corpus.article(n, NOW) for n in range(start, min(start + BATCH, first + count))]
        for name, store in stores.items():
            t = time.perf_counter()
            store.articles.add_articles(items, NOW)
            rates[name].append(len(items) / (time.perf_counter() - t))
        if (start // BATCH) % 10 == 0:
            done = start + len(items)
            line = ", ".join(f"{n} {r[-1]:.0f}/s" for n, r in rates.items())
            print(f"  {done} articles: {line}", flush=True)
    return {name: statistics.median(r) for name, r in rates.items()}


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


def searches(stores: dict[str, Storage], queries: list[Query]) -> dict[str, list[float]]:
    """Milliseconds per search on each store, the backends taking turns query by query."""
    times: dict[str, list[float]] = {name: [] for name in stores}
    for n, query in enumerate(queries):
        order = list(stores.items())
        for name, store in order if n % 2 else order[::-1]:
            t = time.perf_counter()
            store.index.search(query, 5, now=NOW)
            times[name].append((time.perf_counter() - t) * 1000)
    return times


def subscribed(store: Storage, chats: int) -> list[str]:
    """`chats` chats subscribed at 07:00 (once per store); their keys."""
    names = [f"telegram:{c}" for c in range(chats)]
    if len(store.chats.subscriptions()) < chats:
        with store.transaction():
            for name in names:
                store.chats.subscribe(Subscription(name, "07:00", "Europe/Berlin"), NOW)
    return names


def digests(store: Storage, chats: int) -> dict[str, float]:
    """A due minute of `chats` digests through the store, as `DigestSender.send` does it:
    plans (settings and last digests, set-based per slice), the window's articles, then each
    digest claimed and finished in the delivery log: one at a time (a lone send, the store
    idle) and in batches of the delivery's sends in flight (what the group commit gathers when
    sends wait on the store). Seconds per step. Grouping and cutting are the same CPU work on
    both (bench/digest.py measures them; this corpus's made-up words make every article look
    like every other to the story grouping)."""
    names = subscribed(store, chats)
    steps: dict[str, float] = {}
    t = time.perf_counter()
    plans = {}
    for i in range(0, chats, PLAN_SLICE):
        plans |= plan_chats(store, names[i : i + PLAN_SLICE], NOW, default_zone="Europe/Berlin")
    steps["plans"] = time.perf_counter() - t
    t = time.perf_counter()
    since, until = window_of(plans.values(), NOW)
    window = store.articles.articles_since(since, until)
    steps[f"window ({len(window)} articles)"] = time.perf_counter() - t
    for label, size in (("one at a time", 1), (f"batches of {MAX_IN_FLIGHT}", MAX_IN_FLIGHT)):
        # A key of this run's own, so a second run claims afresh.
        key = f"bench-{time.time_ns()}"
        t = time.perf_counter()
        for i in range(0, chats, size):
            part = names[i : i + size]
            store.deliveries.record_deliveries(
                [DeliveryRow(name, key, "sending", NOW) for name in part], at=NOW
            )
            store.deliveries.finish_deliveries(
                [DeliveryEnd(name, key, "sent") for name in part], at=NOW
            )
        steps[f"claims and ends, {label}"] = time.perf_counter() - t
    return steps


def poll_claims(store: Storage, runs: int) -> float:
    """Milliseconds for one poll's claim of its due feeds (FEEDS of them due): the lease claim
    where the store has one, else the due feeds' query; the median of `runs`."""
    if len(store.feeds.all()) < FEEDS:
        for n in range(FEEDS):
            store.feeds.add_feed(f"https://feeds.example/{n}.xml", NOW)
    claim: Callable[..., object] | None = getattr(store.feeds, "claim", None)
    times = []
    for n in range(runs):
        # Each claim after the last one's lease ran out, so every feed is claimable again.
        at = NOW + timedelta(minutes=10 * n)
        t = time.perf_counter()
        if claim is not None:
            claim(at, now=at, owner="bench", until=at + timedelta(minutes=5))
        else:
            store.feeds.due_feeds(at)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--more", type=int, default=5, help="batches added to built stores")
    parser.add_argument("--sqlite", type=Path, help="the SQLite file (default: a new one)")
    parser.add_argument("--postgres", help="a database's URL (default: a throwaway one)")
    parser.add_argument("--digests-only", action="store_true", help="no searches, no polls")
    parser.add_argument("--code", type=Path, help="another checkout's digest steps beside")
    args = parser.parse_args()
    cluster = None
    url = args.postgres
    if url is None:
        from tests.fakes.postgres import bench_cluster

        cluster = bench_cluster()
        url = cluster.create_database()
    path = args.sqlite or Path(tempfile.mkdtemp()) / "bench.db"
    stores: dict[str, Storage] = {"sqlite": Store.open(path), "postgresql": open_store(url)}
    try:
        held = {name: store.articles.count_articles() for name, store in stores.items()}
        if len(set(held.values())) > 1:
            raise SystemExit(f"the stores hold different corpora: {held}")
        rows: list[tuple[str, str, str, str]] = []
        if not held["sqlite"]:
            rates = ingest(stores, Corpus(2025), 0, args.articles)
            what = f"ingest, {args.articles} articles in batches of {BATCH} (median batch)"
        else:
            count = held["sqlite"]
            rates = ingest(stores, Corpus(count), count, args.more * BATCH)
            what = f"ingest, {args.more} batches of {BATCH} onto {count} articles (median)"
        rows.append((what, *(f"{r:.0f} articles/s" for r in rates.values()), _ratio(rates)))
        total = stores["sqlite"].articles.count_articles()
        if not args.digests_only:
            print(f"search at {total} articles, {args.queries} queries of each kind")
            for label, queries in drawn_queries(args.queries).items():
                searches(stores, queries[:20])  # warm-up: both answer from memory, as a bot does
                times = searches(stores, queries)
                p95 = {name: percentile(t, 0.95) for name, t in times.items()}
                cells = [f"{percentile(t, 0.5):.1f} / {p95[n]:.1f} ms" for n, t in times.items()]
                rows.append((f"search p50 / p95, {label}", *cells, _ratio(p95)))
        if args.code is not None:
            for store in stores.values():  # the same chats subscribed before either runs
                subscribed(store, CHATS)
            other = other_digests(args.code.resolve(), path, url, CHATS)
            for step in other["sqlite"]:
                cells = [f"{s[step]:.2f} s" for s in other.values()]
                took = {name: s[step] for name, s in other.items()}
                label = f"{args.code.name}: {CHATS} chats' digests: {step}"
                rows.append((label, *cells, _ratio(took)))
        spent = {name: digests(store, CHATS) for name, store in stores.items()}
        for step in spent["sqlite"]:
            cells = [f"{s[step]:.2f} s" for s in spent.values()]
            took = {name: s[step] for name, s in spent.items()}
            rows.append((f"{CHATS} chats' digests: {step}", *cells, _ratio(took)))
        if not args.digests_only:
            claims = {name: poll_claims(store, 50) for name, store in stores.items()}
            cells = [f"{c:.2f} ms" for c in claims.values()]
            rows.append((f"one poll's claim of {FEEDS} due feeds (median)", *cells, _ratio(claims)))
        print("| figure | SQLite | PostgreSQL | PG / SQLite |")
        print("|---|---|---|---|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
    finally:
        for store in stores.values():
            store.close()
        if cluster is not None:
            cluster.stop()


def other_digests(code: Path, sqlite: Path, url: str, chats: int) -> dict[str, dict[str, float]]:
    """Another checkout's `digests` on the same two stores, in a process of its own."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", OTHER, str(sqlite), url, str(chats)],
        env=env, cwd=code, check=True, capture_output=True, text=True,
    )  # fmt: skip
    found: dict[str, dict[str, float]] = json.loads(done.stdout.splitlines()[-1])
    return found


def _ratio(values: dict[str, float]) -> str:
    """PostgreSQL's figure over SQLite's."""
    return f"{values['postgresql'] / values['sqlite']:.2f}"


if __name__ == "__main__":
    main()
