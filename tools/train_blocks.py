"""`python -m tools.train_blocks`: fit the cleaner's block classifier, write its JSON files.

Labels come from pages_dev: a block holding a `must_contain` snippet is body (1), a block holding
only `must_not_contain` snippets is junk (0); other blocks are not trained on. Two logistic
regressions are stacked: the first over BLOCK_FEATURES, the second over the same features plus
CONTEXT_FEATURES, the first stage's scores around each block. The second is trained on first-stage
scores from inner cross-validation (folds by host), so it learns how far to trust scores on pages
the first stage never saw, not its in-sample ones; the same inner folds choose the first stage's
L2 by log-loss. Each page weighs the same in both fits. Then the keep threshold that gives the
best snippet F1 on the same pages. Inputs are read in file order and nothing is random, so the
files written are the same on every run.
"""

from __future__ import annotations

import argparse
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from summarizer.blocks import (
    BLOCK_FEATURES,
    BLOCK_MODEL_FILE,
    CONTEXT_MODEL_FILE,
    STACKED_FEATURES,
    BlockModel,
    announced_items,
    block_features,
    context_features,
    is_tag_list,
    keep,
    to_blocks,
)
from summarizer.linear import LinearModel, fit_logistic, rounded
from summarizer.page import read_dump
from tools.train import EVAL, fold_of, read_jsonl

PAGES = EVAL / "pages_dev.jsonl.gz"
MODEL_DIR = Path(__file__).resolve().parent.parent / "summarizer" / "models"
# L2 strengths on standardised features tried for the first stage: the one with the lowest
# inner-CV log-loss on the training pages is used (30 on all of pages_dev).
L2_GRID = (1.0, 3.0, 10.0, 30.0, 100.0)
# L2 of the second stage: 10 gave the best held-out F1 of 3, 10, 30 (the single-stage model's
# best of 0.3 to 100 was 10 too).
L2 = 10.0
# Inner folds (by host) that give the second stage first-stage scores of unseen pages; the salt
# keeps them from repeating the outer folds of tools.crossval.
INNER_FOLDS = 5
INNER_SALT = "inner:"
# Keep thresholds tried on the logit, lowest first; ties go to the first.
THRESHOLDS = tuple(round(t, 2) for t in np.arange(-2.0, 2.01, 0.1))


@dataclass(frozen=True, slots=True)
class Page:
    """One dev page: its block features and which blocks hold which snippets."""

    ident: str
    group: str
    features: np.ndarray
    title: frozenset[int]  # blocks that repeat the headline: never body
    fallback: tuple[int, ...]  # what the hand rules keep, used when the model keeps nothing
    tags: frozenset[int]  # tag lines, never kept
    lists: tuple[tuple[int, ...], ...]  # per block, the list items it announces with a colon
    wanted: tuple[tuple[int, ...], ...]  # per must_contain snippet, the blocks holding it
    unwanted: tuple[tuple[int, ...], ...]  # per must_not_contain snippet, the blocks holding it


def host_of(url: str) -> str:
    """The host of a page's URL (its site), or the whole string when it is not a URL."""
    return urlsplit(url).hostname or url


def _normalized(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


def to_page(record: dict[str, object]) -> Page:
    """A dev page record read as the cleaner reads it, with its snippets located in blocks."""
    raw = to_blocks(str(record["text"]))
    reading, title, _ = read_dump(raw)
    flat = [_normalized(b) for b in raw]

    def where(snippets: object) -> tuple[tuple[int, ...], ...]:
        found = []
        for s in snippets:  # type: ignore[attr-defined]
            target = _normalized(str(s))
            found.append(tuple(i for i, b in enumerate(flat) if target in b))
        return tuple(found)

    return Page(
        ident=str(record["id"]),
        group=host_of(str(record.get("url") or record["id"])),
        features=block_features(reading),
        title=frozenset(i for i, b in enumerate(raw) if title and b == title),
        fallback=tuple(sorted(reading.kept)),
        tags=frozenset(i for i, b in enumerate(raw) if is_tag_list(b)),
        lists=announced_items(reading.blocks),
        wanted=where(record["must_contain"]),
        unwanted=where(record["must_not_contain"]),
    )


def load_pages_of(records: Sequence[dict[str, object]]) -> list[Page]:
    """Dev pages of page-dump records."""
    return [to_page(r) for r in records]


def load_pages(path: Path = PAGES) -> list[Page]:
    """All dev pages of a page-dump file."""
    return load_pages_of(read_jsonl(path))


def training_rows(
    pages: Sequence[Page], features: Sequence[np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels of every block that holds a snippet.

    `features` are the pages' feature matrices (one per page); the pages' own when None.
    """
    matrices = [p.features for p in pages] if features is None else features
    xs, ys = [], []
    for page, x in zip(pages, matrices, strict=True):
        good = {i for blocks in page.wanted for i in blocks}
        bad = {i for blocks in page.unwanted for i in blocks} - good
        for i in sorted(good | bad):
            xs.append(x[i])
            ys.append(1.0 if i in good else 0.0)
    return np.asarray(xs), np.asarray(ys)


def kept_of(page: Page, logits: np.ndarray, threshold: float) -> set[int]:
    """Blocks kept at this threshold, by the rule summarizer.blocks.kept_blocks applies."""
    return set(
        keep(
            logits,
            threshold,
            title=page.title,
            tags=page.tags,
            lists=page.lists,
            fallback=page.fallback,
        )
    )


def counts(
    pages: Sequence[Page], logits: Sequence[np.ndarray], threshold: float
) -> tuple[int, int, int]:
    """True positives, false negatives and false positives of the snippets over these pages."""
    tp = fn = fp = 0
    for page, scores in zip(pages, logits, strict=True):
        if not len(page.features):
            fn += len(page.wanted)
            continue
        kept = kept_of(page, scores, threshold)
        for blocks in page.wanted:
            hit = any(i in kept for i in blocks)
            tp += hit
            fn += not hit
        fp += sum(any(i in kept for i in blocks) for blocks in page.unwanted)
    return tp, fn, fp


def f1(tp: int, fn: int, fp: int) -> float:
    """F1 of snippet counts."""
    return 2 * tp / (2 * tp + fn + fp) if tp else 0.0


def page_weights(pages: Sequence[Page]) -> np.ndarray:
    """Row weights that make each page count the same, however many of its blocks are labelled.

    A snippet found in many blocks (a menu word, a repeated teaser) would otherwise weigh its
    page several times. The weights average 1, so L2 keeps its strength.
    """
    sizes = [len(training_rows([p])[1]) for p in pages]
    weights = np.concatenate([np.full(n, 1.0 / n) for n in sizes if n])
    return np.asarray(weights * len(weights) / weights.sum())


def _fit(
    pages: Sequence[Page], matrices: Sequence[np.ndarray], names: tuple[str, ...], l2: float
) -> LinearModel:
    x, y = training_rows(pages, matrices)
    return rounded(fit_logistic(x, y, names, l2=l2, weights=page_weights(pages)))


def first_stage(pages: Sequence[Page], l2: float = L2) -> LinearModel:
    """The first-stage block classifier (BLOCK_FEATURES) fitted on these pages."""
    return _fit(pages, [p.features for p in pages], BLOCK_FEATURES, l2)


def inner_logits(pages: Sequence[Page], l2: float = L2) -> list[np.ndarray]:
    """First-stage logits of each page from a model fitted without its inner fold (by host)."""
    folds = [fold_of(INNER_SALT + p.group, INNER_FOLDS) for p in pages]
    out: list[np.ndarray] = [np.zeros(len(p.features)) for p in pages]
    for k in sorted(set(folds)):
        train = [p for p, f in zip(pages, folds, strict=True) if f != k]
        model = first_stage(train or list(pages), l2)
        for j, (page, f) in enumerate(zip(pages, folds, strict=True)):
            if f == k:
                out[j] = model.logits(page.features)
    return out


def log_loss(pages: Sequence[Page], logits: Sequence[np.ndarray]) -> float:
    """Page-weighted log-loss of these logits on the pages' labelled blocks."""
    z, y = training_rows(pages, [s[:, None] for s in logits])
    loss = y * np.logaddexp(0.0, -z[:, 0]) + (1.0 - y) * np.logaddexp(0.0, z[:, 0])
    weights = page_weights(pages)
    return float(np.dot(weights, loss) / weights.sum())


def choose_first_l2(pages: Sequence[Page]) -> tuple[float, list[np.ndarray]]:
    """The first stage's L2 of L2_GRID with the lowest inner-CV log-loss, and its inner logits."""
    scored = [(l2, inner_logits(pages, l2)) for l2 in L2_GRID]
    losses = [log_loss(pages, logits) for _, logits in scored]
    return scored[int(np.argmin(losses))]  # ties go to the first


def stacked(features: np.ndarray, first_logits: np.ndarray) -> np.ndarray:
    """The second stage's feature matrix: block features beside their context columns."""
    return np.hstack([features, context_features(first_logits)])


def fit_blocks(pages: Sequence[Page]) -> BlockModel:
    """The two-stage block classifier fitted on these pages, with its best keep threshold."""
    l2, inner = choose_first_l2(pages)
    first = first_stage(pages, l2)
    matrices = [stacked(p.features, s) for p, s in zip(pages, inner, strict=True)]
    second = _fit(pages, matrices, STACKED_FEATURES, L2)
    logits = [second.logits(x) for x in matrices]
    scored = [(f1(*counts(pages, logits, t)), -k) for k, t in enumerate(THRESHOLDS)]
    threshold = THRESHOLDS[-max(scored)[1]]
    second = rounded(
        LinearModel(
            second.features,
            second.mean,
            second.scale,
            second.coef,
            second.intercept,
            (("threshold", threshold),),
        )
    )
    return BlockModel(first, second)


def write_model(model: BlockModel, directory: Path) -> None:
    """Write both stages' JSON files into this directory."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / BLOCK_MODEL_FILE).write_text(model.first.to_json(), encoding="utf-8")
    (directory / CONTEXT_MODEL_FILE).write_text(model.second.to_json(), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: fit on pages_dev, write summarizer/models/blocks*.json."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "--out-dir", type=Path, default=MODEL_DIR, help="where to write the two model files"
    )
    args = ap.parse_args(argv)
    write_model(fit_blocks(load_pages()), args.out_dir)


if __name__ == "__main__":
    main()
