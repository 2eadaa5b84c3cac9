"""Throughput and peak memory of our summarizer against plain sumy LexRank on 600-word German texts.

The texts are real, non-repeating German prose: the opening ~600 words (whole paragraphs,
headings dropped) of the Wikipedia articles in /work/shared/eval/summaries_klexikon.jsonl.gz, read
at bench time. Both systems see the same texts. Prints median milliseconds per article, articles
per second, the speed ratios and the peak traced memory, all from this one run. "newsbot-cold"
empties the stem cache before each article (the headline figure: every word is new to it);
"newsbot-warm" keeps the cache between articles, as the running bot does.
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
from summarizer.ranking import stem  # noqa: E402
from summarizer.sentences import GermanTokenizer  # noqa: E402

DATA = Path("/work/shared/eval/summaries_klexikon.jsonl.gz")
WORDS_PER_TEXT = 600
TEXTS = 200
ROUNDS = 5


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


def ours_warm(text: str) -> list[str]:
    """Our summarizer through the public call, stem cache kept between articles."""
    return summarize(text, 3)


def ours_cold(text: str) -> list[str]:
    """Ours with the stem cache emptied first, as if every word of the article were new."""
    stem.cache_clear()
    return summarize(text, 3)


def time_per_article(fn: Callable[[str], list[str]], texts: list[str]) -> list[float]:
    """Seconds per article for each of ROUNDS passes over all texts."""
    fn(texts[0])  # imports and one-off set-up outside the timing
    passes = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for text in texts:
            fn(text)
        passes.append((time.perf_counter() - start) / len(texts))
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
    lexrank = make_plain_lexrank()
    results = {}
    systems = (("newsbot-cold", ours_cold), ("newsbot-warm", ours_warm), ("sumy-lexrank", lexrank))
    for name, fn in systems:
        median = statistics.median(time_per_article(fn, texts))
        results[name] = median
        peak = peak_memory(fn, texts)
        print(
            f"{name:<14} {median * 1000:8.2f} ms/article  {1 / median:9.1f} articles/s  "
            f"peak {peak / 1024:8.0f} KiB"
        )
    base = results["sumy-lexrank"]
    print(f"ratio newsbot-cold / sumy-lexrank: {base / results['newsbot-cold']:.1f}x")
    print(f"ratio newsbot-warm / sumy-lexrank: {base / results['newsbot-warm']:.1f}x")


if __name__ == "__main__":
    main()
