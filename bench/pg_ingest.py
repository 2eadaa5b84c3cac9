"""PostgreSQL ingest from nothing to N articles, this checkout beside another (`--base`), the
two taking turns batch by batch on two databases of one server, so load from other processes
falls on both alike: articles per second of the median 1,000-article batch, and per batch the
client's CPU (the store's Python: terms, signatures, rows) and the server's (the backends of
the checkout's database: COPY, GIN merges, counts), with the server's shared processes
(autovacuum, checkpointer, WAL writer) reported for the whole run: a GIN merge that
autovacuum does instead of a batch is counted there.

Run: .venv/bin/python bench/pg_ingest.py [--articles 100000] [--base DIR] [--postgres URL]

`--base DIR` is another checkout (e.g. `git worktree add --detach /tmp/base main`), run with
this interpreter in a process of its own. Without --postgres a throwaway cluster is started as
bench/backends.py starts it (512 MB of shared buffers); with it, two databases are created on
that server (the URL's user must be allowed to). The corpus is bench/search.py's, the same
articles in the same order for both.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.search import BATCH

# One checkout's worker: adds the batch each line asks for, answers with its figures.
WORKER = """
import json, os, sys, time
from pathlib import Path
import psycopg
from bench.backends import NOW
from bench.search import Corpus
from bot.store import open_store

url = sys.argv[1]
store = open_store(url)
watch = psycopg.connect(url, autocommit=True)
ticks = os.sysconf("SC_CLK_TCK")

def server() -> float:
    # CPU seconds of this database's backends but the watcher's own.
    pids = watch.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
    ).fetchall()
    total = 0
    for (pid,) in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / ticks

corpus = Corpus(2025)
made = 0
for line in sys.stdin:
    start, count = map(int, line.split())
    while made < start:  # the corpus draws in order: skip to the batch
        corpus.article(made, NOW)
        made += 1
    items = [corpus.article(n, NOW) for n in range(start, start + count)]
    made = start + count
    s0, c0, w0 = server(), time.process_time(), time.perf_counter()
    store.articles.add_articles(items, NOW)
    wall, client = time.perf_counter() - w0, time.process_time() - c0
    print(json.dumps({"wall": wall, "client": client, "server": server() - s0}), flush=True)
store.close()
"""


class Worker:
    """One checkout's worker process and its figures per batch."""

    def __init__(self, name: str, code: Path, url: str) -> None:
        self.name = name
        self.url = url
        env = {**os.environ, "PYTHONPATH": str(code)}
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", WORKER, url],
            env=env, cwd=code, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.batches: list[dict[str, float]] = []

    def add(self, start: int, count: int) -> dict[str, float]:
        """Add one batch; its figures."""
        assert self.process.stdin is not None  # noqa: S101
        assert self.process.stdout is not None  # noqa: S101
        self.process.stdin.write(f"{start} {count}\n")
        self.process.stdin.flush()
        found: dict[str, float] = json.loads(self.process.stdout.readline())
        found["rate"] = count / found["wall"]
        self.batches.append(found)
        return found

    def close(self) -> None:
        """Let the worker close its store and end."""
        assert self.process.stdin is not None  # noqa: S101
        self.process.stdin.close()
        self.process.wait(timeout=60)


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def server_cpu(url: str) -> float:
    """CPU seconds so far of the whole server: the postmaster, its children alive now, and
    those that ended (the postmaster's waited-for children's time)."""
    with psycopg.connect(url, autocommit=True) as conn:
        (pid,) = conn.execute("SELECT pg_backend_pid()").fetchone() or (0,)
        postmaster = int(_stat(pid)[1])
    ticks = os.sysconf("SC_CLK_TCK")
    fields = _stat(postmaster)
    total = sum(int(f) for f in fields[11:15])
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = _stat(int(entry.name))
        except OSError:
            continue
        if int(fields[1]) == postmaster:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def with_database(url: str, database: str) -> str:
    """The URL of another database on the same server."""
    scheme, rest = url.split("://", 1)
    where, _, query = rest.partition("?")
    server = where.split("/", 1)[0]
    return f"{scheme}://{server}/{database}" + (f"?{query}" if query else "")


def load() -> str:
    """The 1-minute load average."""
    return Path("/proc/loadavg").read_text().split()[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--base", type=Path, help="another checkout, run beside this one")
    parser.add_argument("--postgres", help="a server's URL (default: a throwaway cluster)")
    args = parser.parse_args()
    cluster = None
    url = args.postgres
    if url is None:
        from tests.fakes.postgres import bench_cluster

        cluster = bench_cluster()
        url = cluster.url()
    codes = {"this": Path(__file__).resolve().parent.parent}
    if args.base is not None:
        codes = {"base": args.base.resolve(), **codes}
    workers = []
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            for n, (name, code) in enumerate(codes.items()):
                database = f"pg_ingest_{os.getpid()}_{n}"
                conn.execute(f'CREATE DATABASE "{database}"')
                target = with_database(url, database)
                workers.append(Worker(name, code, target))
        print(f"load {load()} at the start", flush=True)
        shared = server_cpu(url)
        for n, start in enumerate(range(0, args.articles, BATCH)):
            count = min(BATCH, args.articles - start)
            # Who goes first alternates, so neither always finds the caches as the other left them.
            for worker in workers if n % 2 else workers[::-1]:
                worker.add(start, count)
            if n % 10 == 9:
                line = ", ".join(
                    f"{w.name} {last['rate']:.0f}/s"
                    f" (client {last['client']:.2f} s, server {last['server']:.2f} s)"
                    for w in workers
                    for last in w.batches[-1:]
                )
                print(f"  {start + count} articles, load {load()}: {line}", flush=True)
        spent = sum(b["server"] for w in workers for b in w.batches)
        shared = server_cpu(url) - shared - spent
        batches = len(workers[0].batches)
        print(f"load {load()} at the end")
        print("| checkout | median batch | client CPU / batch | server CPU / batch | database |")
        print("|---|---|---|---|---|")
        for w in workers:
            rate = statistics.median(b["rate"] for b in w.batches)
            client = statistics.mean(b["client"] for b in w.batches)
            server = statistics.mean(b["server"] for b in w.batches)
            with psycopg.connect(w.url, autocommit=True) as conn:
                (size,) = conn.execute(
                    "SELECT pg_size_pretty(pg_database_size(current_database()))"
                ).fetchone() or ("?",)
            print(
                f"| {w.name} | {rate:.0f} articles/s | {client:.2f} s | {server:.2f} s | {size} |"
            )
        print(
            f"the server's other processes (autovacuum, checkpointer, WAL writer; shared):"
            f" {shared:.1f} s in all,"
            f" {shared / batches / len(workers):.2f} s per batch of either"
        )
    finally:
        for w in workers:
            w.close()
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
