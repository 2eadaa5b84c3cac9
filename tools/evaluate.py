"""`python -m tools.evaluate DATA.jsonl`: ROUGE of ours, Lead-N and sumy's algorithms.

DATA is JSONL (optionally .gz) with `id`, `text`, `summary` and optionally `title`, the format of
/work/shared/eval. Scores match rouge_eval.py's (same tokenizer, summary-level ROUGE-L); the one
difference is the sentence splitter used for references and baselines (ours is sentencex).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from summarizer import ALGORITHMS, read_article, split_sentences, summarize
from tools.rouge import score, tokenize


@dataclass(slots=True)
class SystemResult:
    """Per-document ROUGE F1 (×100) of one system, with its run time and summary lengths."""

    name: str
    rouge1: list[float] = field(default_factory=list)
    rouge2: list[float] = field(default_factory=list)
    rouge_l: list[float] = field(default_factory=list)
    words: list[int] = field(default_factory=list)
    seconds: float = 0.0

    def mean3(self) -> list[float]:
        """Per-document mean of R1, R2 and RL, the quantity the significance test compares."""
        return [
            (a + b + c) / 3 for a, b, c in zip(self.rouge1, self.rouge2, self.rouge_l, strict=True)
        ]


def paired_p(system: Sequence[float], base: Sequence[float], n: int = 1000, seed: int = 2) -> float:
    """Share of paired bootstrap resamples in which the system does not beat the baseline."""
    rnd = random.Random(seed)  # noqa: S311 - resampling, not cryptography
    diffs = [a - b for a, b in zip(system, base, strict=True)]
    k = len(diffs)
    worse = sum(1 for _ in range(n) if sum(diffs[rnd.randrange(k)] for _ in range(k)) <= 0)
    return worse / n


def evaluate(
    docs: Sequence[dict[str, str]],
    algorithms: Sequence[str],
    *,
    sentences: int = 3,
    clean: bool = True,
    stem: bool = False,
) -> list[SystemResult]:
    """Score each algorithm on the documents; with clean, each is read as `newsbot summarize`
    reads it (`read_article`) first."""
    bodies: list[tuple[str, str | None]] = []
    for doc in docs:
        if clean:
            page = read_article(doc["text"], doc.get("title") or None)
            bodies.append((page.body, page.title or None))
        else:
            bodies.append((doc["text"], doc.get("title") or None))
    refs = ["\n".join(split_sentences(doc["summary"])) for doc in docs]
    results = []
    for name in algorithms:
        result = SystemResult(name)
        start = time.perf_counter()
        outputs = [summarize(body, sentences, algorithm=name, title=t) for body, t in bodies]
        result.seconds = time.perf_counter() - start
        for ref, out in zip(refs, outputs, strict=True):
            candidate = "\n".join(out)
            s = score(ref, candidate, stem=stem)
            result.rouge1.append(100 * s.rouge1.fmeasure)
            result.rouge2.append(100 * s.rouge2.fmeasure)
            result.rouge_l.append(100 * s.rouge_l.fmeasure)
            result.words.append(len(tokenize(candidate)))
        results.append(result)
    return results


def format_table(results: Sequence[SystemResult], baseline: str = "lead") -> list[str]:
    """Rows of the comparison table, with the paired-bootstrap p-value against the baseline."""
    base = next((r for r in results if r.name == baseline), None)
    lines = [f"{'system':<12}{'R1':>7}{'R2':>7}{'RL':>7}{'words':>7}{'secs':>8}  p(<=lead)"]
    for r in results:
        p = "" if base is None or r is base else f"{paired_p(r.mean3(), base.mean3()):.3f}"
        lines.append(
            f"{r.name:<12}{statistics.mean(r.rouge1):7.2f}{statistics.mean(r.rouge2):7.2f}"
            f"{statistics.mean(r.rouge_l):7.2f}{statistics.mean(r.words):7.1f}{r.seconds:8.2f}  {p}"
        )
    return lines


def _load(path: str) -> list[dict[str, str]]:
    opener: Callable[..., object] = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:  # type: ignore[attr-defined]
        return [json.loads(line) for line in f if line.strip()]


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: read the data, score every algorithm, print the table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("data", help="JSONL(.gz) with id, text, summary (and title)")
    ap.add_argument("--sentences", type=int, default=3, help="summary length (default 3)")
    ap.add_argument("--algorithms", default=",".join(ALGORITHMS), help="comma-separated names")
    ap.add_argument("--raw", action="store_true", help="summarize the text as given (no cleaning)")
    ap.add_argument("--stem", action="store_true", help="German Snowball stemming before ROUGE")
    ap.add_argument("--limit", type=int, help="only the first N documents")
    args = ap.parse_args(argv)
    docs = _load(args.data)[: args.limit]
    names = [a.strip() for a in args.algorithms.split(",") if a.strip()]
    results = evaluate(docs, names, sentences=args.sentences, clean=not args.raw, stem=args.stem)
    ref_words = statistics.mean(len(tokenize(d["summary"])) for d in docs)
    print(
        f"data: {args.data}  docs: {len(docs)}  reference: {ref_words:.1f} words  stem: {args.stem}"
    )
    for line in format_table(results):
        print(line)


if __name__ == "__main__":
    main()
