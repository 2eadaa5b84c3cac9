"""Fit grouping's knobs on folds of a labelled day, measure on the held-out fold.

Run: .venv/bin/python bench/stories_fit.py ../shared/eval/stories_dev.jsonl

Two ways to fold: by story (stories in FOLDS parts by a hash of their label; a fold's score is
BCubed over its own items, which are whole stories) and by outlet (each outlet's items a fold;
a fold's score is BCubed of its items against the whole window's groups, as one outlet's items
alone are mostly one per story). The whole window is grouped each time, so the confusable
neighbours stay in it. For each fold, the grid point with the best F1 on the other folds
(precision at least MIN_PRECISION) is scored on the held-out fold: in-sample and held-out side
by side, and the defaults of bot.stories (not fitted here) beside them with their spread.
Before the folds: the whole day's score with a 90% interval from resampling its stories, and
what each mechanism of the running-story pass adds (each switched off in turn).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from bot.records import Article
from bot.stories import DEFAULT_TUNING, Tuning, group_stories
from summarizer import split_sentences

MIN_PRECISION = 0.97
BOOTSTRAP = 1000
FOLDS = 4
ABLATIONS: dict[str, dict[str, Any]] = {
    "without fragment merging": {"merge_running": False},
    "without the comment relief": {"secondary_relief": 0},
    "without both": {"merge_running": False, "secondary_relief": 0},
    "without compound parts as names": {"compound_names": False},
    "without common words as names": {"common_names": False},
    "without any running-story pass": {"merge_running": False, "context_names": 99},
}
GRID: dict[str, tuple[Any, ...]] = {
    "link": (0.22, 0.25, 0.28, 0.31),
    "join": (0.15, 0.2, 0.25),
    "window_penalty": (0.0, 0.5, 1.0),
    "unknown_rarity": (11.0, 13.0, 15.0),
    "context_names": (2, 3, 4),
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


def bcubed(
    pred: Sequence[int], gold: Sequence[str], ids: Sequence[int], *, within: bool = True
) -> tuple[float, ...]:
    """BCubed P/R/F1 averaged over `ids`; `within`: against groups cut down to `ids`."""
    pc: dict[int, set[int]] = defaultdict(set)
    gc: dict[str, set[int]] = defaultdict(set)
    for i in ids if within else range(len(pred)):
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


def bootstrap(pred: Sequence[int], gold: Sequence[str]) -> tuple[float, float]:
    """The 5th and 95th percentile of whole-day BCubed F1 over days resampled by story: each
    item keeps its own precision and recall, whole gold stories are drawn with replacement."""
    pc: dict[int, set[int]] = defaultdict(set)
    gc: dict[str, list[int]] = defaultdict(list)
    for i, (story, label) in enumerate(zip(pred, gold, strict=True)):
        pc[story].add(i)
        gc[label].append(i)
    stories = list(gc.values())
    per = []  # (items, precision sum, recall sum) per story
    for items in stories:
        members = set(items)
        precision = sum(len(pc[pred[i]] & members) / len(pc[pred[i]]) for i in items)
        recall = sum(len(pc[pred[i]] & members) / len(members) for i in items)
        per.append((len(items), precision, recall))
    rng = random.Random(0)
    scores = []
    for _ in range(BOOTSTRAP):
        drawn = [per[rng.randrange(len(per))] for _ in per]
        n = sum(d[0] for d in drawn)
        p, r = sum(d[1] for d in drawn) / n, sum(d[2] for d in drawn) / n
        scores.append(2 * p * r / (p + r))
    scores.sort()
    return scores[int(0.05 * BOOTSTRAP)], scores[int(0.95 * BOOTSTRAP) - 1]


def fold_of_story(label: str) -> int:
    return int(hashlib.sha256(label.encode()).hexdigest(), 16) % FOLDS


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def report(
    name: str,
    folds: list[list[int]],
    within: bool,
    gold: Sequence[str],
    predictions: dict[Tuning, list[int]],
    default: list[int],
) -> None:
    """In-sample and held-out F1 of the knobs fitted on the other folds, and the defaults'."""
    names = list(GRID)
    every = range(len(gold))
    inside, held, fixed, chosen = [], [], [], []
    for test in folds:
        fit = [i for i in every if i not in set(test)]
        scores = {t: bcubed(p, gold, fit, within=within) for t, p in predictions.items()}
        ok = [t for t in scores if scores[t][0] >= MIN_PRECISION] or list(scores)
        best = max(ok, key=lambda t: scores[t][2])
        inside.append(scores[best])
        held.append(bcubed(predictions[best], gold, test, within=within))
        fixed.append(bcubed(default, gold, test, within=within))
        chosen.append(", ".join(f"{n}={getattr(best, n)}" for n in names))
    print(f"\n{name}: {len(folds)} folds")
    for k, knobs in enumerate(chosen):
        print(f"  fold {k} ({len(folds[k])} items) fitted {knobs}")
        print(
            f"    in-sample {show(inside[k])}  held-out {show(held[k])}  defaults {show(fixed[k])}"
        )
    sizes = [len(f) for f in folds]
    for label, rows in (("fitted in-sample", inside), ("fitted held-out", held),
                        ("defaults held-out", fixed)):  # fmt: skip
        f1 = [r[2] for r in rows]
        p, r = (sum(n * row[j] for n, row in zip(sizes, rows, strict=True)) / sum(sizes)
                for j in (0, 1))  # fmt: skip
        print(
            f"  {label:18} item-weighted P {p:.3f} R {r:.3f} F1 {2 * p * r / (p + r):.3f};"
            f" fold F1 mean {mean(f1):.3f}, {min(f1):.3f}-{max(f1):.3f}"
        )


def main(path: str) -> None:
    articles, gold = load(path)
    points = [replace(DEFAULT_TUNING, **dict(zip(GRID, v, strict=True))) for v in
              itertools.product(*GRID.values())]  # fmt: skip
    predictions = {tuning: labels(articles, tuning) for tuning in points}
    default = labels(articles, DEFAULT_TUNING)
    print(f"{path}: {len(articles)} items, {len(points)} grid points")
    print(f"defaults on all items: {show(bcubed(default, gold, range(len(articles))))}")
    low, high = bootstrap(default, gold)
    print(f"  stories resampled {BOOTSTRAP} times: F1 90% interval {low:.3f}-{high:.3f}")
    # What each mechanism of the running-story pass adds, on the whole day (in-sample).
    for name, change in ABLATIONS.items():
        pred = labels(articles, replace(DEFAULT_TUNING, **change))
        print(f"  {name:38} {show(bcubed(pred, gold, range(len(articles))))}")
    by_story = [[i for i, g in enumerate(gold) if fold_of_story(g) == k] for k in range(FOLDS)]
    report("by story", by_story, True, gold, predictions, default)
    outlets = sorted({a.source for a in articles})
    by_outlet = [[i for i, a in enumerate(articles) if a.source == o] for o in outlets]
    report("by outlet", by_outlet, False, gold, predictions, default)


if __name__ == "__main__":
    main(sys.argv[1])
