"""Build a 100k-article German-like database; print ingest throughput and search latency.

Run: .venv/bin/python bench/search.py [--articles 100000] [--queries 300] [--db /tmp/bench.db]
     .venv/bin/python bench/search.py --phrases-only --db /tmp/bench.db [--code /tmp/main]
     (a database built before; `--code` first runs another checkout's phrase figures on it)

Figures are wall-clock; the CPU time of the benchmark's thread is printed beside them, because
on a shared machine other processes' load inflates wall-clock percentiles but not CPU time.

Text comes from a synthetic generator: Zipf-distributed lemmas made of German syllables (with
umlauts and ß), each with inflected forms, a fifth of them compounds of earlier lemmas, mixed
with function words. Queries use forms drawn the same way, so most are not the indexed form.
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from bot.query import Query, has_phrases, parse_query
from bot.records import NewArticle
from bot.store import Store
from bot.store.ranking import CANDIDATES

SYLLABLES = (  # noqa: SIM905 (a word list reads best as one string)
    "ber ge ver an in un ter lich keit ung schaft heit rat haus land stadt wehr kraft bahn werk"
    " zug markt preis recht volk straß über grün mär kö schu füh wäh bau wirt luft ab nach"
    " vor sicher gericht kanz ler minis wahl krieg frie den öl gas strom netz"
).split()
ENDINGS = ("", "", "", "e", "en", "s", "es", "er", "n")
FUNCTION = (  # noqa: SIM905
    "der die das und ist nicht ein eine mit von zu im auf für sich auch es sie als bei nach"
    " über vor aus wie hat wird werden wurde sind war noch nur oder aber dass um am zum zur"
).split()
SOURCES = ("dpa", "Reuters", "AFP", "tagesschau", "Spiegel")
BATCH = 1000


class Corpus:
    """Zipf-distributed German-looking words: lemmas, their inflected forms, compounds."""

    def __init__(self, seed: int, lemmas: int = 30_000) -> None:
        self.rng = np.random.default_rng(seed)
        rng = self.rng
        words: list[str] = []
        for _ in range(lemmas):
            parts = rng.integers(0, len(SYLLABLES), size=int(rng.integers(2, 5)))
            word = "".join(SYLLABLES[int(p)] for p in parts)
            if words and rng.random() < 0.2:
                # A compound of an earlier lemma and a new tail (Luftabwehr + systeme).
                word = words[int(rng.integers(0, len(words)))] + word
            words.append(word)
        nouns = rng.random(lemmas) < 0.4
        # Three surface forms per lemma, so a query's form is often not the stored one.
        self.forms = [
            [
                (w + ENDINGS[int(e)]).capitalize() if noun else w + ENDINGS[int(e)]
                for e in rng.integers(0, len(ENDINGS), size=3)
            ]
            for w, noun in zip(words, nouns, strict=True)
        ]
        weights = 1.0 / np.arange(1, lemmas + 1)
        self.cum = np.cumsum(weights / weights.sum())

    def draw(self, count: int, top: int | None = None) -> list[str]:
        """`count` content words by Zipf's law (among the `top` most common lemmas if given)."""
        cum = self.cum if top is None else self.cum[:top] / self.cum[top - 1]
        lemmas = np.searchsorted(cum, self.rng.random(count)).tolist()
        forms = self.rng.integers(0, 3, size=count).tolist()
        return [self.forms[i][f] for i, f in zip(lemmas, forms, strict=True)]

    def text(self, count: int) -> str:
        """A body of `count` words in sentences of 12: content words, 40 % function words."""
        content = self.draw(count)
        function = self.rng.integers(0, len(FUNCTION), size=count).tolist()
        mask = (self.rng.random(count) < 0.4).tolist()
        out = [FUNCTION[f] if m else w for w, f, m in zip(content, function, mask, strict=True)]
        sentences = (" ".join(out[i : i + 12]) for i in range(0, count, 12))
        return ". ".join(s[:1].upper() + s[1:] for s in sentences) + "."

    def article(self, n: int, now: datetime) -> NewArticle:
        """Article number `n`, published n minutes before `now`, 120-320 words long."""
        return NewArticle(
            title=" ".join(self.draw(6)) + f" {n}",
            source=SOURCES[n % len(SOURCES)],
            body=self.text(int(self.rng.integers(120, 321))),
            summary=(),
            published=now - timedelta(minutes=n),
            url=f"https://example.org/a/{n}?utm_source=rss",
        )


# Co-occurrences checked in their text to count what an exact phrase index finds.
EXACT_SCAN = 20_000
BASELINE = (
    "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?"
    " ORDER BY bm25(articles_fts, 4.0, 1.0) LIMIT 5"
)


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the sorted values lie."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def exact_phrase_count(store: Store, quoted: Query) -> int:
    """What an exact phrase index finds (up to the search's cap): every article holding all
    the words (the newest EXACT_SCAN) checked in its text."""
    ids = [
        row[0]
        for row in store.db.execute(
            "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rowid DESC LIMIT ?",
            [quoted.match, EXACT_SCAN],
        )
    ]
    found = 0
    for i in range(0, len(ids), 500):
        texts = store.db.execute(
            "SELECT title || char(10) || body FROM articles"
            " WHERE id IN (SELECT value FROM json_each(?))",
            [json.dumps(ids[i : i + 500])],
        )
        found += sum(has_phrases(quoted, text) for (text,) in texts)
    return min(found, CANDIDATES)


def quoted_phrases(store: Store, corpus: Corpus, queries: int, now: datetime) -> None:
    """2-word quoted phrases beside the same words unquoted (CPU and wall), and how many
    matches each phrase finds beside an exact phrase index."""
    timed: dict[str, list[float]] = {"quoted": [], "plain": []}
    cpu: dict[str, list[float]] = {"quoted": [], "plain": []}
    totals: dict[str, list[int]] = {"quoted": [], "exact": []}
    for _ in range(queries):
        drawn = " ".join(corpus.draw(2, top=5000))
        quoted = parse_query(f'"{drawn}"')
        if not quoted.phrases:
            continue
        for name, query in (("plain", parse_query(drawn)), ("quoted", quoted)):
            t, c = time.perf_counter(), time.thread_time()
            page = store.index.search(query, 5, now=now)
            timed[name].append((time.perf_counter() - t) * 1000)
            cpu[name].append((time.thread_time() - c) * 1000)
            if name == "quoted":
                totals[name].append(page.total)
        totals["exact"].append(exact_phrase_count(store, quoted))
    for name, label in (("plain", "the same words unquoted"), ("quoted", "2-word quoted phrases")):
        print(
            f"{label}: CPU p50 {percentile(cpu[name], 0.5):.1f} ms,"
            f" p95 {percentile(cpu[name], 0.95):.1f} ms (wall p50"
            f" {percentile(timed[name], 0.5):.1f}, p95 {percentile(timed[name], 0.95):.1f} ms)"
        )
    ratio = percentile(cpu["quoted"], 0.95) / percentile(cpu["plain"], 0.95)
    print(f"  p95 CPU ratio quoted/unquoted {ratio:.1f}x (target: within 2x)")
    pairs = list(zip(totals["quoted"], totals["exact"], strict=True))
    print(
        f"  matches, median: quoted {statistics.median(totals['quoted']):.0f},"
        f" exact phrase index {statistics.median(totals['exact']):.0f};"
        f" queries finding fewer than the exact index: {sum(a < b for a, b in pairs)},"
        f" more: {sum(a > b for a, b in pairs)} of {len(pairs)}"
    )


def phrase_index_size(store: Store) -> None:
    """The phrase index's size on disk beside the whole file's (SQLite's dbstat)."""
    pages = dict(
        store.db.execute(
            "SELECT name LIKE 'articles_fts_phrases%' OR name LIKE 'articles_fts_forms%',"
            " sum(pgsize) FROM dbstat GROUP BY 1"
        ).fetchall()
    )
    phrases, rest = pages.get(1, 0), pages.get(0, 0)
    print(
        f"phrase index {phrases / 2**20:.0f} MiB beside {rest / 2**20:.0f} MiB for the rest"
        f" (+{100 * phrases / max(1, rest):.0f} %)"
    )


def before(code: Path, db: Path, queries: int) -> None:
    """Another checkout's `--phrases-only` on the same database, its output indented."""
    script = str(code / "bench" / "search.py")
    argv = [sys.executable, script, "--phrases-only", "--db", str(db), "--queries", str(queries)]
    run = subprocess.run(  # noqa: S603 - our own interpreter and script
        argv,
        env={**os.environ, "PYTHONPATH": str(code)},
        cwd=code,
        capture_output=True,
        text=True,
        check=True,
    )
    print(f"{code}:")
    print("\n".join("  " + line for line in run.stdout.splitlines()), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument(
        "--phrases-only", action="store_true", help="time quoted phrases on an existing --db"
    )
    parser.add_argument(
        "--code",
        type=Path,
        action="append",
        default=[],
        help="with --phrases-only: first run this checkout's (today's main) on the same --db",
    )
    args = parser.parse_args()
    now = datetime(2025, 11, 10, tzinfo=UTC)
    corpus = Corpus(2025)
    if args.phrases_only:
        if args.db is None or not args.db.exists():
            raise SystemExit("--phrases-only needs --db of a database this script built")
        store = Store.open(args.db)
        for code in args.code:
            before(code.resolve(), args.db, args.queries)
        if args.code:
            print(f"{Path(__file__).resolve().parent.parent}:")
        corpus.rng = np.random.default_rng(11)
        quoted_phrases(store, corpus, args.queries, now)
        phrase_index_size(store)
        store.close()
        return
    path = args.db or Path(tempfile.mkdtemp()) / "bench.db"
    if path.exists():
        # Re-ingesting into a full database only measures duplicate detection.
        raise SystemExit(f"{path} exists: give --db a new file so ingest is measured")
    store = Store.open(path)
    started = time.perf_counter()
    generating = 0.0
    rates: list[float] = []
    cpu_rates: list[float] = []
    for start in range(0, args.articles, BATCH):
        t = time.perf_counter()
        items = [corpus.article(n, now) for n in range(start, min(start + BATCH, args.articles))]
        generating += time.perf_counter() - t
        t, cpu = time.perf_counter(), time.thread_time()
        store.articles.add_articles(items, now)
        rates.append(len(items) / (time.perf_counter() - t))
        cpu_rates.append(len(items) / (time.thread_time() - cpu))
        if (start // BATCH) % 20 == 0:
            print(f"  {start + len(items)} articles, {rates[-1]:.0f}/s", flush=True)
    count = store.articles.count_articles()
    print(f"built {count} articles in {time.perf_counter() - started:.0f} s ({path})")
    print(f"text generator: {generating / max(1, args.articles) * 1e6:.0f} µs/article")
    tail = max(1, len(rates) // 10)
    print(
        f"ingest (store only, no summaries): median {statistics.median(rates):.0f} articles/s,"
        f" last 10 %: median {statistics.median(rates[-tail:]):.0f} articles/s"
        f" (CPU time only: {statistics.median(cpu_rates):.0f}"
        f" and {statistics.median(cpu_rates[-tail:]):.0f} articles/s)"
    )
    corpus.rng = np.random.default_rng(7)
    for length in (1, 2, 3):
        times: list[float] = []
        cpu_times: list[float] = []
        totals: list[int] = []
        capped = 0
        baseline: list[float] = []
        for _ in range(args.queries):
            # Query words by the same Zipf law among the 5000 most common lemmas; a draw of
            # only words over 40 letters (never searched) is drawn again.
            query = parse_query("")
            while not query.match:
                query = parse_query(" ".join(corpus.draw(length, top=5000)))
            t, cpu = time.perf_counter(), time.thread_time()
            page = store.index.search(query, 5, now=now)
            times.append((time.perf_counter() - t) * 1000)
            cpu_times.append((time.thread_time() - cpu) * 1000)
            totals.append(page.total)
            capped += page.capped
            # Baseline in the same run: the textbook FTS5 query that ranks every match.
            t = time.perf_counter()
            store.db.execute(BASELINE, [query.match]).fetchall()
            baseline.append((time.perf_counter() - t) * 1000)
        print(
            f"{length}-word queries: p50 {percentile(times, 0.5):.1f} ms,"
            f" p95 {percentile(times, 0.95):.1f} ms, max {max(times):.1f} ms"
            f" (CPU time only: p50 {percentile(cpu_times, 0.5):.1f} ms,"
            f" p95 {percentile(cpu_times, 0.95):.1f} ms);"
            f" median hits {statistics.median(totals):.0f}, capped {capped}/{args.queries}"
        )
        print(
            f"  baseline (bm25 over every match, same queries): p50"
            f" {percentile(baseline, 0.5):.1f} ms, p95 {percentile(baseline, 0.95):.1f} ms;"
            f" p95 ratio baseline/ours {percentile(baseline, 0.95) / percentile(times, 0.95):.1f}x"
        )
    quoted_phrases(store, corpus, args.queries, now)
    store.close()


if __name__ == "__main__":
    main()
