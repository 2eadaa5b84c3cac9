"""Speed of the page cleaner on the dev page dumps: learned block classifier against the hand rules.

Both clean every page of /work/shared/eval/pages_dev.jsonl.gz (a median page has ~950 words in
~130 blocks), taking turns page by page so a busy machine slows them alike. Prints per-page
milliseconds (median over pages of each page's median over passes, 95th percentile, worst page)
and the same-run ratio of the medians.
"""

from __future__ import annotations

import gzip
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer import parse_page  # noqa: E402
from summarizer.page import PageDump, parse_dump  # noqa: E402

DATA = Path("/work/shared/eval/pages_dev.jsonl.gz")
ROUNDS = 5


def hand_rules(text: str) -> PageDump:
    """The cleaner without its classifier: the hand rules alone."""
    return parse_dump(text, None)


def per_page(
    systems: dict[str, Callable[[str], PageDump]], texts: list[str]
) -> dict[str, list[float]]:
    """Each page's median seconds over ROUNDS passes, per system."""
    for fn in systems.values():
        fn(texts[0])  # model loading and regex compilation outside the timing
    times: dict[str, list[list[float]]] = {name: [[] for _ in texts] for name in systems}
    for _ in range(ROUNDS):
        for k, text in enumerate(texts):
            for name, fn in systems.items():
                start = time.perf_counter()
                fn(text)
                times[name][k].append(time.perf_counter() - start)
    return {name: [statistics.median(t) for t in pages] for name, pages in times.items()}


def main() -> None:
    """Run the benchmark and print the figures."""
    if not DATA.exists():
        sys.exit(f"bench needs {DATA}")
    with gzip.open(DATA, "rt", encoding="utf-8") as lines:
        texts = [json.loads(line)["text"] for line in lines if line.strip()]
    print(f"{len(texts)} page dumps, {ROUNDS} passes")
    systems = {"learned": parse_page, "hand-rules": hand_rules}
    medians = {}
    for name, seconds in per_page(systems, texts).items():
        ms = sorted(s * 1000 for s in seconds)
        medians[name] = statistics.median(ms)
        p95 = ms[int(0.95 * (len(ms) - 1))]
        print(
            f"{name:<11} median {medians[name]:6.2f} ms/page  p95 {p95:6.2f}  worst {ms[-1]:7.1f}"
        )
    print(f"ratio learned / hand-rules: {medians['learned'] / medians['hand-rules']:.2f}x")


if __name__ == "__main__":
    main()
