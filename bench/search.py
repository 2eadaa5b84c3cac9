"""Build a 100k-article German-like database and print search latency and ingest throughput.

Run: .venv/bin/python bench/search.py [--articles 100000] [--db /tmp/bench.db]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.query import parse_query
from bot.records import NewArticle
from bot.store import Store

SYLLABLES = [
    "ber",
    "ge",
    "ver",
    "an",
    "in",
    "un",
    "ter",
    "lich",
    "keit",
    "ung",
    "schaft",
    "heit",
    "rat",
    "haus",
    "land",
    "stadt",
    "wehr",
    "kraft",
    "bahn",
    "werk",
    "zug",
    "markt",
    "preis",
    "recht",
    "volk",
]  # noqa: E501
FUNCTION = [
    "der",
    "die",
    "das",
    "und",
    "ist",
    "nicht",
    "ein",
    "eine",
    "mit",
    "von",
    "zu",
    "im",
    "auf",
    "für",
    "sich",
    "auch",
    "es",
    "sie",
    "als",
    "bei",
    "nach",
]


def vocabulary(rng: random.Random, size: int) -> list[str]:
    """Made-up German-looking words, some of them compounds of others."""
    words: list[str] = []
    for _ in range(size):
        w = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if words and rng.random() < 0.2:
            w = rng.choice(words) + w  # a compound
        words.append(w.capitalize() if rng.random() < 0.4 else w)
    return words


def article(
    rng: random.Random, vocab: list[str], weights: list[float], n: int, now: datetime
) -> NewArticle:
    """One synthetic article: Zipf-distributed content words among function words."""
    count = rng.randint(120, 320)
    content = rng.choices(vocab, weights, k=count)
    body = " ".join(w if rng.random() > 0.4 else rng.choice(FUNCTION) for w in content)
    title = " ".join(rng.choices(vocab, weights, k=6)) + f" {n}"
    return NewArticle(
        title=title,
        source=rng.choice(["dpa", "Reuters", "AFP", "tagesschau", "Spiegel"]),
        body=body,
        summary=(),
        published=now - timedelta(minutes=n),
        url=f"https://example.org/a/{n}?utm_source=rss",
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    rng = random.Random(2025)
    now = datetime(2025, 11, 10, tzinfo=UTC)
    vocab = vocabulary(rng, 30_000)
    weights = [1 / (i + 1) for i in range(len(vocab))]
    path = args.db or Path(tempfile.mkdtemp()) / "bench.db"
    store = Store.open(path)
    batch = 1000
    started = time.perf_counter()
    rates: list[float] = []
    for start in range(0, args.articles, batch):
        items = [
            article(rng, vocab, weights, n, now)
            for n in range(start, min(start + batch, args.articles))
        ]
        t = time.perf_counter()
        store.add_articles(items, now)
        rates.append(len(items) / (time.perf_counter() - t))
        if start % 20_000 == 0:
            print(f"  {start + len(items)} articles, {rates[-1]:.0f}/s", flush=True)
    print(
        f"built {store.count_articles()} articles in {time.perf_counter() - started:.0f} s ({path})"
    )
    print(f"ingest (store only, no summaries): median {statistics.median(rates):.0f} articles/s")
    for words in (1, 2, 3):
        times: list[float] = []
        totals: list[int] = []
        for _ in range(args.queries):
            # Query words drawn from the same Zipf distribution: common and rare words alike.
            text = " ".join(rng.choices(vocab[:5000], weights[:5000], k=words))
            query = parse_query(text)
            t = time.perf_counter()
            page = store.search(query, 5, now=now)
            times.append((time.perf_counter() - t) * 1000)
            totals.append(page.total)
        times.sort()
        p50 = times[len(times) // 2]
        p95 = times[int(len(times) * 0.95)]
        print(
            f"{words}-word queries: p50 {p50:.1f} ms, p95 {p95:.1f} ms, median hits {statistics.median(totals):.0f}"
        )
    store.close()


if __name__ == "__main__":
    main()
