"""Throughput and peak memory of our summarizer against plain sumy LexRank on 600-word German texts.

Texts are built from the seed articles' sentences (seeded random order), so both systems see the
same input. Prints median milliseconds per article, articles per second, the speed ratio and the
peak traced memory of one summary, all from this one run.
"""

from __future__ import annotations

import random
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

from summarizer import parse_page, split_sentences, summarize  # noqa: E402
from summarizer.sentences import GermanTokenizer  # noqa: E402

WORDS_PER_TEXT = 600
TEXTS = 200
ROUNDS = 5


def seed_sentences() -> list[str]:
    """Sentences of six or more words from the seed articles' bodies."""
    sentences: list[str] = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        body = parse_page(path.read_text(encoding="utf-8")).body
        sentences += [s for s in split_sentences(body) if len(s.split()) >= 6]
    return sentences


def make_texts(sentences: list[str], count: int, seed: int = 0) -> list[str]:
    """Texts of about WORDS_PER_TEXT words, paragraphs of three sentences."""
    rnd = random.Random(seed)
    texts = []
    for _ in range(count):
        picked: list[str] = []
        words = 0
        while words < WORDS_PER_TEXT:
            s = rnd.choice(sentences)
            picked.append(s)
            words += len(s.split())
        paragraphs = [" ".join(picked[i : i + 3]) for i in range(0, len(picked), 3)]
        texts.append("\n\n".join(paragraphs))
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


def time_per_article(fn: Callable[[str], list[str]], texts: list[str]) -> list[float]:
    """Median seconds per article over ROUNDS passes of all texts, one figure per pass."""
    fn(texts[0])  # warm caches and imports outside the timing
    passes = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for text in texts:
            fn(text)
        passes.append((time.perf_counter() - start) / len(texts))
    return passes


def peak_memory(fn: Callable[[str], list[str]], texts: list[str]) -> int:
    """Peak bytes traced by tracemalloc while summarizing the texts once."""
    tracemalloc.start()
    for text in texts[:20]:
        fn(text)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> None:
    """Run the benchmark and print the figures."""
    texts = make_texts(seed_sentences(), TEXTS)
    words = statistics.mean(len(t.split()) for t in texts)
    sents = statistics.mean(len(split_sentences(t)) for t in texts)
    print(f"{TEXTS} texts, {words:.0f} words and {sents:.0f} sentences each, {ROUNDS} passes")
    lexrank = make_plain_lexrank()
    results = {}
    for name, fn in (("newsbot", ours), ("sumy-lexrank", lexrank)):
        median = statistics.median(time_per_article(fn, texts))
        results[name] = median
        peak = peak_memory(fn, texts)
        print(
            f"{name:<14} {median * 1000:8.2f} ms/article  {1 / median:9.1f} articles/s  "
            f"peak {peak / 1024:8.0f} KiB"
        )
    print(f"ratio newsbot / sumy-lexrank: {results['sumy-lexrank'] / results['newsbot']:.1f}x")


if __name__ == "__main__":
    main()
