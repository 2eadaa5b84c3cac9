"""`python -m tools.boundaries DATA.jsonl`: sentence-boundary precision, recall and F1.

DATA is JSONL with `text` and its gold `sentences` (the format of sentences_de_ud.jsonl). A
boundary is the character offset where a sentence ends inside the text; the text's own end
counts for no one, since every splitter finds it.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from summarizer.sentences import split_sentences


@dataclass(frozen=True, slots=True)
class BoundaryScore:
    """Boundary counts summed over documents, with precision, recall and F1."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        """Share of predicted boundaries that are gold ones."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """Share of gold boundaries that were predicted."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def boundaries(text: str, sentences: Iterable[str]) -> set[int]:
    """End offsets of `sentences` found in order in `text`, without the text's own end."""
    out: set[int] = set()
    position = 0
    for sentence in sentences:
        start = text.find(sentence, position)
        if start < 0:
            continue
        position = start + len(sentence)
        out.add(position)
    out.discard(len(text.rstrip()))
    return out


def score_boundaries(docs: Iterable[tuple[str, Sequence[str]]]) -> BoundaryScore:
    """Compare `split_sentences` with the gold sentences of each (text, sentences) pair."""
    tp = fp = fn = 0
    for text, gold_sentences in docs:
        gold = boundaries(text, gold_sentences)
        found = boundaries(text, split_sentences(text))
        tp += len(gold & found)
        fp += len(found - gold)
        fn += len(gold - found)
    return BoundaryScore(tp, fp, fn)


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: read the gold file, print the boundary scores."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("data", help="JSONL with text and sentences")
    args = ap.parse_args(argv)
    with open(args.data, encoding="utf-8") as f:
        docs = [json.loads(line) for line in f if line.strip()]
    result = score_boundaries((d["text"], d["sentences"]) for d in docs)
    print(
        f"docs={len(docs)} precision={result.precision:.3f} recall={result.recall:.3f} "
        f"f1={result.f1:.3f} tp={result.tp} fp={result.fp} fn={result.fn}"
    )


if __name__ == "__main__":
    main()
