"""Throughput and peak memory of our summarizer against plain sumy LexRank on 600-word German texts.

The texts are real, non-repeating German prose: the opening ~600 words (whole paragraphs,
headings dropped) of the Wikipedia articles in /work/shared/eval/summaries_klexikon.jsonl.gz, read
at bench time. Both systems see the same texts. Prints median milliseconds per article, articles
per second, the speed ratio and the peak traced memory, all from this one run. Our summarizer
keeps no stem cache between articles (it stems each distinct word of an article once), so every
article is summarized cold.
"""

from __future__ import annotations

import gzip
import json
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sumy.nlp.stemmers import Stemmer  # noqa: E402
from sumy.parsers.plaintext import PlaintextParser  # noqa: E402
from sumy.summarizers.lex_rank import LexRankSummarizer  # noqa: E402
from sumy.utils import get_stop_words  # noqa: E402

from summarizer import split_sentences, summarize  # noqa: E402
from summarizer.german import stemmer  # noqa: E402
from summarizer.sentences import GermanTokenizer  # noqa: E402

DATA = Path("/work/shared/eval/summaries_klexikon.jsonl.gz")
WORDS_PER_TEXT = 600
TEXTS = 200
ROUNDS = 7


def opening(text: str, words: int = WORDS_PER_TEXT) -> str:
    """The first whole paragraphs of an article reaching `words` words, headings left out."""
    kept: list[str] = []
    count = 0
    for paragraph in text.split("\n\n"):
        paragraph = paragraph.strip()
        if not paragraph or paragraph.startswith("=="):
            continue
        kept.append(paragraph)
        count += len(paragraph.split())
        if count >= words:
            break
    return "\n\n".join(kept)


def load_texts(path: Path = DATA, count: int = TEXTS) -> list[str]:
    """Openings of the first `count` articles that have at least WORDS_PER_TEXT words of prose."""
    texts = []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            text = opening(json.loads(line)["text"])
            if len(text.split()) >= WORDS_PER_TEXT:
                texts.append(text)
            if len(texts) == count:
                break
    return texts


def make_plain_lexrank() -> Callable[[str], list[str]]:
    """sumy LexRank as the notes set it up: parser, sentencex tokenizer, stemmer, stop words."""
    tokenizer = GermanTokenizer()
    summarizer = LexRankSummarizer(Stemmer("german"))
    summarizer.stop_words = get_stop_words("german")

    def run(text: str) -> list[str]:
        document = PlaintextParser.from_string(text, tokenizer).document
        return [str(s) for s in summarizer(document, 3)]

    return run


def ours(text: str) -> list[str]:
    """Our summarizer through the public call."""
    return summarize(text, 3)


def time_passes(
    systems: dict[str, Callable[[str], list[str]]], texts: list[str]
) -> dict[str, list[float]]:
    """Seconds per article of each system for each of ROUNDS passes over all texts.

    The systems take turns pass by pass, so a busy machine slows them alike.
    """
    for fn in systems.values():
        fn(texts[0])  # imports and one-off set-up outside the timing
    passes: dict[str, list[float]] = {name: [] for name in systems}
    for _ in range(ROUNDS):
        for name, fn in systems.items():
            start = time.perf_counter()
            for text in texts:
                fn(text)
            passes[name].append((time.perf_counter() - start) / len(texts))
    return passes


def peak_memory(fn: Callable[[str], list[str]], texts: list[str]) -> int:
    """Peak bytes traced by tracemalloc while summarizing 20 texts."""
    tracemalloc.start()
    for text in texts[:20]:
        fn(text)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> None:
    """Run the benchmark and print the figures."""
    if not DATA.exists():
        sys.exit(f"bench needs {DATA}")
    texts = load_texts()
    words = statistics.mean(len(t.split()) for t in texts)
    sents = statistics.mean(len(split_sentences(t)) for t in texts)
    print(f"{len(texts)} texts, {words:.0f} words and {sents:.0f} sentences each, {ROUNDS} passes")
    systems = {"newsbot": ours, "sumy-lexrank": make_plain_lexrank()}
    medians = {name: statistics.median(p) for name, p in time_passes(systems, texts).items()}
    for name, fn in systems.items():
        median = medians[name]
        peak = peak_memory(fn, texts)
        print(
            f"{name:<14} {median * 1000:8.2f} ms/article  {1 / median:9.1f} articles/s  "
            f"peak {peak / 1024:8.0f} KiB"
        )
    fast = getattr(stemmer(), "__self__", None) is not None
    print(f"stemmer: {'PyStemmer (C)' if fast else 'NLTK (pure Python)'}")
    print(f"ratio newsbot / sumy-lexrank: {medians['sumy-lexrank'] / medians['newsbot']:.1f}x")


if __name__ == "__main__":
    main()
