"""Group a 24-hour window of 10,000 articles; print CPU medians beside the previous grouping's.

Run: .venv/bin/python bench/stories.py

The baseline is the grouping code of commit BASELINE, run from git in a subprocess on the same
articles in the same run, so the ratio compares like with like on this machine.
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.digest import corpus

BASELINE = "099b135"  # main before issue 15: single link over TF-IDF with window-only IDF
ARTICLES = 10_000
RUNS = 5
TARGET_S = 2.0
ROOT = Path(__file__).resolve().parent.parent


def measure() -> tuple[float, float, int]:
    """(cold median, warm median, stories): cold extracts every article's features again."""
    import bot.stories  # whichever bot/ is first on the path: this tree's or the baseline's
    from bot.stories import features, group_stories

    articles = corpus(ARTICLES, random.Random(7))
    if hasattr(bot.stories, "rarity"):
        bot.stories.rarity()  # the word list loads once per process (~0.1 s with its import)
    cold, warm = [], []
    groups: list[object] = []
    for _ in range(RUNS):
        features.cache_clear()
        t0 = time.process_time()
        groups = list(group_stories(articles))
        cold.append(time.process_time() - t0)
        t0 = time.process_time()
        group_stories(articles)
        warm.append(time.process_time() - t0)
    return statistics.median(cold), statistics.median(warm), len(groups)


def baseline() -> tuple[float, float, int]:
    """The same measurement with BASELINE's bot/ (a temporary checkout of that tree)."""
    with tempfile.TemporaryDirectory() as tmp:
        command = ["git", "-C", str(ROOT), "archive", BASELINE, "bot", "summarizer", "bench"]
        archive = subprocess.run(command, check=True, capture_output=True).stdout  # noqa: S603
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)  # noqa: S603, S607
        (Path(tmp) / "bench" / "stories.py").write_text(Path(__file__).read_text())
        code = "import bench.stories as s; print(*s.measure())"
        out = subprocess.run(  # noqa: S603 (this interpreter, fixed code)
            [sys.executable, "-c", code], cwd=tmp, check=True, capture_output=True, text=True
        ).stdout.split()
    return float(out[0]), float(out[1]), int(out[2])


def main() -> None:
    cold, warm, stories = measure()
    old_cold, old_warm, old_stories = baseline()
    print(f"articles={ARTICLES} window=24h runs={RUNS}")
    print(f"now:      group_cold_cpu_median_s={cold:.3f} warm={warm:.3f} stories={stories}")
    print(f"baseline: group_cold_cpu_median_s={old_cold:.3f} warm={old_warm:.3f} "
          f"stories={old_stories}  ({BASELINE})")  # fmt: skip
    print(f"ratio cold now/baseline={cold / old_cold:.2f} warm={warm / old_warm:.2f}")
    verdict = "meets" if cold < TARGET_S else "MISSES"
    print(f"target: group 10,000 articles < {TARGET_S:.1f} s CPU -> {cold:.3f} s {verdict} it")


if __name__ == "__main__":
    main()
