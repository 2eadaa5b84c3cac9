"""Build digests for 10,000 chats over 5,000 articles; print medians (CPU seconds).

Run: .venv/bin/python bench/digest.py
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from bot.delivery import simulate
from bot.digest import DigestPlan, StoryPool, build_digests
from bot.records import Article, ChatSettings, Subscription
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
TARGET_S = 1.0  # CPU seconds to build every chat's digest


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


class Window:
    """The bench's articles as the digest door reads them (a store without SQLite)."""

    def __init__(self, articles: list[Article]) -> None:
        self.articles = articles

    def settings(self, chat: str) -> ChatSettings:
        return ChatSettings()

    def subscription(self, chat: str) -> Subscription | None:
        return None

    def last_digest_at(self, chat: str) -> datetime | None:
        return None

    def articles_since(self, since: datetime, until: datetime | None = None) -> list[Article]:
        return self.articles


def main() -> None:
    rnd = random.Random(7)
    articles = corpus(5000, rnd)
    chats = 10_000
    # Chats subscribe at 96 quarter hours and pick 3 sizes; their windows follow from that.
    plans = {
        f"telegram:{c}": DigestPlan(
            NOW - timedelta(hours=24, minutes=15 * (c % 96)),
            ChatSettings(stories=3 + c % 3),
            NOW.date(),
            "Europe/Berlin",
        )
        for c in range(chats)
    }
    window = Window(articles)

    def build_all() -> int:
        """Every chat's digest through the one door: grouped once, each distinct plan cut once."""
        return len(build_digests(window, plans, NOW))

    cold, cold_all, warm = [], [], []
    for _ in range(3):
        features.cache_clear()
        t0 = time.process_time()
        StoryPool.of(articles)
        cold.append(time.process_time() - t0)
    for _ in range(3):
        features.cache_clear()  # a restarted bot: every article's features extracted again
        t0 = time.process_time()
        build_all()
        cold_all.append(time.process_time() - t0)
    for _ in range(5):
        t0 = time.process_time()
        build_all()
        warm.append(time.process_time() - t0)
    n_stories = len(StoryPool.of(articles).groups)
    windows = len(set(plans.values()))
    send = simulate([f"telegram:{c}" for c in range(chats)], LIMITS)
    build, build_cold = statistics.median(warm), statistics.median(cold_all)
    print(f"articles=5000 stories={n_stories} chats={chats} distinct_windows={windows}")
    print(f"group_cold_cpu_median_s={statistics.median(cold):.3f}  (feature extraction included)")
    print(f"build_all_digests_cpu_median_s={build:.3f}  (features cached, as in a running bot)")
    print(f"build_all_digests_cold_cpu_median_s={build_cold:.3f}  (after a restart)")
    verdict = "meets" if build < TARGET_S else "MISSES"
    print(
        f"target: build all digests < {TARGET_S:.1f} s CPU -> {build:.3f} s {verdict} it"
        f" ({build_cold:.3f} s cold)"
    )
    print(f"simulated_send_s_at_30_per_s={send:.1f}  ({send / 60:.1f} min)")


if __name__ == "__main__":
    main()
