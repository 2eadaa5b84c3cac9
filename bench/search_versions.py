"""Search p50/p95 on SQLite and PostgreSQL for this checkout and another one (the base) in
the same run, at the stores bench/backends.py built: each query is run by both checkouts on
both backends in turn (the order rotating), so a shared machine's load falls on all four alike.

Run: .venv/bin/python bench/search_versions.py --base /tmp/base-checkout --sqlite bench.db
     --postgres postgresql://… [--base-postgres postgresql://…] [--queries 100]
     [--server-pid POSTMASTER_PID]

Beside wall-clock percentiles, the mean CPU per search: this process's, plus for PostgreSQL
the server's (its processes' CPU, with --server-pid; ticks of 10 ms, summed over the run), a
figure a loaded machine inflates far less.

Each checkout answers in a process of its own (this script with NEWSBOT_CHECKOUT set to the
checkout, whose `bot` and `bench` it imports), reading query numbers on stdin and
writing milliseconds per backend. Both stores must already hold the corpus and be migrated by
this checkout; the base only reads them, so it must read this schema (later migrations add,
not remove). With --base-postgres the base searches a database of its own (a copy of the
store as the base's migrations leave it), so a change of index layout is measured too.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

# The checkout whose code runs: this one, or the base's for its search process.
sys.path.insert(0, os.environ.get("NEWSBOT_CHECKOUT") or str(Path(__file__).parent.parent))

from bench.backends import NOW, drawn_queries
from bench.search import percentile
from bot.store import Store, open_store

LABELS = ("1 word", "2 words", "3 words", "quoted phrase")
ROOT = Path(sys.path[0]).resolve()


def server_cpu(postmaster: int | None) -> float:
    """Seconds of CPU the server's processes (the postmaster's children) have used; 0 without
    its pid. Only one search runs at a time, so a search's share is the difference."""
    if postmaster is None:
        return 0.0
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == postmaster:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def serve(sqlite: Path, postgres: str, count: int, postmaster: int | None) -> None:
    """Answer query numbers (`label n first` a line) with each backend's wall milliseconds
    and CPU seconds (this process's, and for PostgreSQL the server's too)."""
    queries = drawn_queries(count)
    stores = {"sqlite": Store.open(sqlite), "postgresql": open_store(postgres)}
    print("ready", flush=True)
    for line in sys.stdin:
        label, n, first = line.rstrip("\n").rsplit(" ", 2)
        query = queries[label][int(n)]
        names = ["sqlite", "postgresql"] if first == "sqlite" else ["postgresql", "sqlite"]
        took: dict[str, float] = {}
        for name in names:
            server = server_cpu(postmaster) if name == "postgresql" else 0.0
            t, cpu = time.perf_counter(), time.process_time()
            stores[name].index.search(query, 5, now=NOW)
            took[name] = (time.perf_counter() - t) * 1000
            took[f"{name} cpu"] = time.process_time() - cpu
            if name == "postgresql":
                took[f"{name} cpu"] += server_cpu(postmaster) - server
        print(json.dumps(took), flush=True)
    for store in stores.values():
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", type=Path, help="the other checkout (its bench/ is run)")
    parser.add_argument("--sqlite", type=Path, required=True)
    parser.add_argument("--postgres", required=True)
    parser.add_argument("--base-postgres", help="the base's own database (default: --postgres)")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--server-pid", type=int, help="the postmaster's pid, for server CPU")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.sqlite, args.postgres, args.queries, args.server_pid)
        return
    checkouts = {"base": args.base.resolve(), "this": ROOT}
    workers = {}
    for name, root in checkouts.items():
        command = [sys.executable, str(Path(__file__).resolve()), "--serve"]
        url = args.base_postgres if name == "base" and args.base_postgres else args.postgres
        command += ["--sqlite", str(args.sqlite), "--postgres", url]
        command += ["--queries", str(args.queries)]
        if args.server_pid:
            command += ["--server-pid", str(args.server_pid)]
        env = os.environ | {"NEWSBOT_CHECKOUT": str(root)}
        # Our own interpreter and this script, with paths given on our command line.
        workers[name] = subprocess.Popen(  # noqa: S603
            command, cwd=root, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
    for worker in workers.values():
        if _line(worker) != "ready":
            raise SystemExit("a checkout's search process did not start")
    print(
        "| query | checkout | SQLite p50 / p95 | PostgreSQL p50 / p95 | PG / SQLite (p95)"
        " | CPU per search, SQLite / PostgreSQL (client + server) | PG / SQLite (CPU) |"
    )
    print("|---|---|---|---|---|---|---|")
    try:
        for label in LABELS:
            kinds = ("sqlite", "postgresql", "sqlite cpu", "postgresql cpu")
            times: dict[tuple[str, str], list[float]] = {(c, k): [] for c in workers for k in kinds}
            # The first 20 as a warm-up (answers from memory, as a bot's, as bench/backends.py
            # does), then all of them measured.
            warm = min(20, args.queries)
            for step, n in enumerate([*range(warm), *range(args.queries)]):
                order = list(workers.items())
                for k, (name, worker) in enumerate(order if n % 2 else order[::-1]):
                    first = "sqlite" if (n + k) % 2 else "postgresql"
                    took = json.loads(_line(worker, f"{label} {n} {first}"))
                    if step >= warm:
                        for backend, ms in took.items():
                            times[(name, backend)].append(ms)
            for name in workers:
                lite, pg = times[(name, "sqlite")], times[(name, "postgresql")]
                cells = [
                    f"{percentile(t, 0.5):.1f} / {percentile(t, 0.95):.1f} ms" for t in (lite, pg)
                ]
                ratio = percentile(pg, 0.95) / percentile(lite, 0.95)
                cpu = [1000 * statistics.mean(times[(name, f"{b} cpu")]) for b in kinds[:2]]
                print(
                    f"| {label} | {name} | {cells[0]} | {cells[1]} | {ratio:.2f}"
                    f" | {cpu[0]:.1f} / {cpu[1]:.1f} ms | {cpu[1] / cpu[0]:.2f} |",
                    flush=True,
                )
    finally:
        for worker in workers.values():
            if worker.stdin is not None:
                worker.stdin.close()
            worker.wait()


def _line(worker: subprocess.Popen[str], ask: str | None = None) -> str:
    """Send `ask` (if any) to a search process; its next line of answer."""
    if worker.stdin is None or worker.stdout is None:
        raise SystemExit("a search process without pipes")
    if ask is not None:
        worker.stdin.write(ask + "\n")
        worker.stdin.flush()
    return worker.stdout.readline().strip()


if __name__ == "__main__":
    main()
