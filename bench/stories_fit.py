"""Fit grouping's knobs on half of a labelled day, measure on the other half (and the reverse).

Run: .venv/bin/python bench/stories_fit.py ../shared/eval/stories_dev.jsonl

Stories are split into two halves by a hash of their label. The whole window is grouped each
time (the confusable neighbours of both halves stay in it); a half's score is BCubed over its
own items. For each direction, the grid point with the best F1 on the fitting half (precision
at least MIN_PRECISION) is chosen and scored on the other half: in-sample and held-out side by
side, and the defaults of bot.stories beside them.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from bot.records import Article
from bot.stories import DEFAULT_TUNING, Tuning, group_stories
from summarizer import split_sentences

MIN_PRECISION = 0.95
GRID = {
    "link": (0.22, 0.25, 0.28, 0.31),
    "join": (0.15, 0.2, 0.25),
    "window_penalty": (0.0, 0.5, 1.0),
    "unknown_rarity": (11.0, 13.0, 15.0),
}


def load(path: str) -> tuple[list[Article], list[str]]:
    """Articles as the `stories --jsonl` command builds them, and their gold story labels."""
    articles, gold = [], []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            r = json.loads(line)
            when = datetime.fromisoformat(r["date"])
            when = when if when.tzinfo else when.replace(tzinfo=UTC)
            summary = tuple(split_sentences(r["text"]))
            articles.append(Article(i, r["title"], r["outlet"], r["text"], summary, when, when))
            gold.append(r["story"])
    return articles, gold


def half(label: str) -> int:
    return int(hashlib.sha256(label.encode()).hexdigest(), 16) % 2


def bcubed(pred: Sequence[int], gold: Sequence[str], ids: Sequence[int]) -> tuple[float, ...]:
    pc: dict[int, set[int]] = defaultdict(set)
    gc: dict[str, set[int]] = defaultdict(set)
    for i in ids:
        pc[pred[i]].add(i)
        gc[gold[i]].add(i)
    p = sum(len(pc[pred[i]] & gc[gold[i]]) / len(pc[pred[i]]) for i in ids) / len(ids)
    r = sum(len(pc[pred[i]] & gc[gold[i]]) / len(gc[gold[i]]) for i in ids) / len(ids)
    return p, r, 2 * p * r / (p + r)


def show(prf: Sequence[float]) -> str:
    return "P {:.3f} R {:.3f} F1 {:.3f}".format(*prf)


def labels(articles: Sequence[Article], tuning: Tuning) -> list[int]:
    pred = [0] * len(articles)
    for k, group in enumerate(group_stories(articles, tuning)):
        for a in group:
            pred[a.id] = k
    return pred


def main(path: str) -> None:
    articles, gold = load(path)
    halves = [[i for i, g in enumerate(gold) if half(g) == h] for h in (0, 1)]
    names = list(GRID)
    points = [replace(DEFAULT_TUNING, **dict(zip(names, v, strict=True))) for v in
              itertools.product(*GRID.values())]  # fmt: skip
    scores = {}
    for tuning in points:
        pred = labels(articles, tuning)
        scores[tuning] = [bcubed(pred, gold, ids) for ids in halves]
    default = labels(articles, DEFAULT_TUNING)
    every = list(range(len(articles)))
    print(f"{path}: {len(articles)} items, halves of {len(halves[0])} and {len(halves[1])}")
    print(f"defaults on all items: {show(bcubed(default, gold, every))}")
    for fit in (0, 1):
        test = 1 - fit
        ok = [t for t in points if scores[t][fit][0] >= MIN_PRECISION] or points
        best = max(ok, key=lambda t: scores[t][fit][2])
        knobs = ", ".join(f"{n}={getattr(best, n)}" for n in names)
        print(f"\nfit on half {fit}: {knobs}")
        print(f"  in-sample (half {fit}): {show(scores[best][fit])}")
        print(f"  held-out  (half {test}): {show(scores[best][test])}")
        print(f"  defaults  (half {test}): {show(bcubed(default, gold, halves[test]))}")


if __name__ == "__main__":
    main(sys.argv[1])
