"""Build a due minute's digests for 10,000 chats over 5,000 articles by the scheduler's own path
(`bot.digest_delivery.build_due`), beside main's per-chat build; and 100,000 topic-filtered
chats by the term index beside main's scan. CPU seconds.

Run: .venv/bin/python bench/digest.py [--code DIR]

`--code DIR` runs another checkout's bench/digest.py (today's main, e.g. from `git archive main
| tar -x -C DIR`) right after, in the same run, and prints its figures below these.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot import digest_delivery
from bot.delivery import simulate
from bot.digest import DigestPlan, StoryPool, _Keywords, for_chats
from bot.digest_delivery import CUT_SLICE, Due
from bot.records import Article, ChatSettings
from bot.stories import features
from bot.transports.telegram import LIMITS

NOW = datetime(2025, 11, 10, 12, tzinfo=UTC)
WORDS = (  # noqa: SIM905 (a word list reads best as one string)
    "Regierung Bundestag Haushalt Streik Bahn Hafen Wahl Gericht Urteil Klima Energie Preise "
    "Gipfel Minister Kanzler Polizei Unwetter Ernte Export Industrie Schule Kliniken Pflege "
    "Migration Grenze Armee Bündnis Verhandlungen Gespräche Reform Rente Steuer Markt Börse"
).split()
PLACES = [f"Ort{i}" for i in range(400)]
NAMES = [f"Person{i}" for i in range(800)]
TARGET_S = 1.0  # CPU seconds per 1,000 chats' digests


def corpus(n: int, rnd: random.Random) -> list[Article]:
    """n articles: events reported by 1-4 sources, each with its own names and places."""
    out: list[Article] = []
    event = 0
    while len(out) < n:
        event += 1
        names = rnd.sample(NAMES, 2) + rnd.sample(PLACES, 2)
        topic = rnd.sample(WORDS, 5)
        when = NOW - timedelta(minutes=rnd.randrange(0, 24 * 60))
        for source in rnd.sample(["dpa", "ZDF", "taz", "FAZ", "SZ"], rnd.randint(1, 4)):
            words = topic + names + rnd.sample(WORDS, 4)
            rnd.shuffle(words)
            title = " ".join(words[:7])
            summary = (
                f"In {names[2]} sagte {names[0]}, die {topic[0]} sei wichtig.",
                f"Laut {names[1]} geht es um {' und '.join(topic[1:4])}.",
            )
            body = " ".join(summary) + " " + " ".join(rnd.choice(WORDS) for _ in range(300))
            i = len(out) + 1
            out.append(
                Article(i, title, source, body, summary, when, when, url=f"https://{source}/{i}")
            )
    return out[:n]


def due_minute(chats: int, *, keywords: bool = False) -> tuple[dict[str, DigestPlan], list[Due]]:
    """`chats` chats due at NOW: windows at 96 quarter hours, 3 sizes; with `keywords`, each
    chat filters by one or two of the topic words (some excluded), as `/settings themen` sets."""
    plans: dict[str, DigestPlan] = {}
    for c in range(chats):
        words: tuple[str, ...] = ()
        if keywords:
            words = (WORDS[c % len(WORDS)].lower(),)
            if c % 3 == 0:
                words += ("-" + WORDS[(c // 7) % len(WORDS)].lower(),)
        settings = ChatSettings(stories=3 + c % 3, keywords=words)
        since = NOW - timedelta(hours=24, minutes=15 * (c % 96))
        plans[f"telegram:{c}"] = DigestPlan(since, settings, NOW.date(), "Europe/Berlin")
    dues = [Due(chat, NOW.date(), NOW, "send") for chat in plans]
    return plans, dues


def build_burst(articles: list[Article], plans: dict[str, DigestPlan], dues: list[Due]) -> int:
    """A due minute as the scheduler builds it (`DigestSender.send`): the window grouped once,
    then every chat's digest cut and rendered by `build_due`, slice by slice."""
    pool = StoryPool.of(articles)
    built = 0
    for i in range(0, len(dues), CUT_SLICE):
        built += len(digest_delivery.build_due(pool, plans, dues[i : i + CUT_SLICE], NOW))
    return built


def per_chat_before(articles: list[Article], plans: dict[str, DigestPlan], chats: int) -> float:
    """Today's path on main: each firing loads and groups the window for its one chat. CPU
    seconds per chat, over `chats` chats."""
    sample = list(plans.items())[:chats]
    t0 = time.process_time()
    for chat, plan in sample:
        pool = StoryPool.of(articles)
        list(for_chats(pool, {chat: plan}, NOW))
    return (time.process_time() - t0) / len(sample)


def scan_filters_before(pool: StoryPool, plans: dict[str, DigestPlan]) -> float:
    """Main's topic filter: every distinct plan tests each ranked story's terms in turn."""
    t0 = time.process_time()
    for plan in set(plans.values()):
        keywords = _Keywords.of(plan.settings.keywords)
        taken = 0
        for _, g in pool._ranking(NOW).ranked:
            if taken >= plan.settings.stories:
                break
            if keywords.match(pool._group_terms(g)):
                taken += 1
    return time.process_time() - t0


def index_filters_after(pool: StoryPool, plans: dict[str, DigestPlan]) -> float:
    """The same plans' filters by the term index (built once, inside the timing)."""
    t0 = time.process_time()
    for plan in set(plans.values()):
        pool.cut(plan, NOW)
    return time.process_time() - t0


def median_cpu(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--code", type=Path, action="append", default=[])
    args = parser.parse_args()
    measure()
    for code in args.code:
        print(f"--- {code} (same run):", flush=True)
        env = {**os.environ, "PYTHONPATH": str(code.resolve())}
        subprocess.run([sys.executable, "bench/digest.py"], cwd=code, env=env, check=True)


def measure() -> None:
    """This checkout's figures."""
    rnd = random.Random(7)
    articles = corpus(5000, rnd)
    chats = 10_000
    plans, dues = due_minute(chats)
    features.cache_clear()
    cold = median_cpu(lambda: StoryPool.of(articles), 1)
    burst = median_cpu(lambda: build_burst(articles, plans, dues), 3)
    before = per_chat_before(articles, plans, 3)
    n_stories = len(StoryPool.of(articles).groups)
    send = simulate([f"telegram:{c}" for c in range(chats)], LIMITS)
    print(f"articles=5000 stories={n_stories} chats={chats}")
    print(f"group_cold_cpu_s={cold:.3f}  (feature extraction included)")
    print(
        f"burst_build_cpu_median_s={burst:.3f}  (the scheduler's path: grouped once,"
        f" {chats} digests cut and rendered by build_due)"
    )
    print(
        f"before_per_chat_cpu_s={before:.3f}  (main: window grouped per firing)"
        f" -> {before * chats:.0f} s for {chats} chats, {before * chats / burst:.0f}x"
    )
    verdict = "meets" if burst < TARGET_S * 10 else "MISSES"
    print(f"target: {chats} digests < {TARGET_S * 10:.0f} s CPU -> {burst:.3f} s {verdict} it")
    topical, topical_dues = due_minute(100_000, keywords=True)
    pool = StoryPool.of(articles)
    list(for_chats(pool, dict(list(topical.items())[:1]), NOW))  # features and ranking warm
    filtered = median_cpu(lambda: build_burst(articles, topical, topical_dues), 1)
    scan = scan_filters_before(StoryPool.of(articles), topical)
    index = index_filters_after(StoryPool.of(articles), topical)
    distinct = len(set(topical.values()))
    print(
        f"topic_filtered_100k_build_cpu_s={filtered:.3f}  (build_burst: grouped, indexed, 100000"
        f" digests cut and rendered; {distinct} distinct plans)"
    )
    print(
        f"topic_filters_cpu_s: before_scan={scan:.3f}  after_index={index:.3f}"
        f"  (every distinct plan's filter, terms computed inside the timing)"
    )
    print(f"simulated_send_s_at_30_per_s={send:.1f}  ({send / 60:.1f} min)")


if __name__ == "__main__":
    main()
