"""`python -m tools.train`: fit the sentence scorer on the dev summaries, write its JSON file.

The score is the lead prior plus weighted centrality and title overlap, less a weight for a
sentence that opens with a quote; the selection adds a redundancy cost and a bonus for reading on
from a picked sentence. Those five weights are searched on a grid by the ROUGE of the summaries
the selection makes (learned per-sentence scorers were measured and lost held out: see the
README). Inputs are read in file order and nothing is random, so the file written is the same on
every run.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from summarizer.algorithms import summarize_lead
from summarizer.linear import LinearModel
from summarizer.page import read_article
from summarizer.ranking import SENTENCE_FEATURES, Prepared, picks, prepare
from summarizer.sentences import split_sentences
from tools.rouge import score

EVAL = Path("/work/shared/eval")
SUMMARY_SETS = {
    "news": EVAL / "summaries_news_dev.jsonl",
    "web": EVAL / "summaries_web_dev.jsonl",
}
MODEL_PATH = Path(__file__).resolve().parent.parent / "summarizer" / "models" / "sentences.json"
# The weights searched; 0 switches a feature off. Ties go to the first setting in grid order.
CENTRALITY_GRID = (0.0, 0.15, 0.3, 0.5)
TITLE_GRID = (0.35, 0.7, 1.0, 1.4)
REDUNDANCY_GRID = (0.35, 0.7, 1.0)
CONTINUATION_GRID = (0.0, 0.3, 0.6)
QUOTE_GRID = (0.0, -0.5, -1.0)
SUMMARY_SENTENCES = 3


@dataclass(frozen=True, slots=True)
class Doc:
    """One dev article, cleaned and prepared as the CLI would, with its reference and group."""

    ident: str
    dataset: str
    group: str
    reference: str
    body: str
    prepared: Prepared


def read_jsonl(path: Path) -> list[dict[str, object]]:
    """Records of a JSONL file, gzip-compressed when its name ends in .gz."""
    opener: Callable[..., object] = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:  # type: ignore[attr-defined]
        return [json.loads(line) for line in f if line.strip()]


def group_of(record: dict[str, object]) -> str:
    """Fold group of a record: its site when it has one, the outlet's fixture file, else its id."""
    if record.get("site"):
        return f"site:{record['site']}"
    source = str(record.get("source") or "")
    if source.startswith("flairNLP/fundus"):
        return "outlet:" + source.rsplit("/", 1)[-1].split(".json")[0]
    return f"id:{record['id']}"


def fold_of(group: str, folds: int) -> int:
    """Fold number of a group: a stable hash, so folds do not depend on file order or seeds."""
    return zlib.crc32(group.encode("utf-8")) % folds


def load_docs(dataset: str, path: Path) -> list[Doc]:
    """Dev articles of one summary file, read as `newsbot summarize --jsonl` reads them
    (`read_article`: cleaned as a page dump, the given title kept), so every figure measured on
    them is the shipped path's."""
    docs = []
    for record in read_jsonl(path):
        page = read_article(str(record["text"]), str(record.get("title") or "") or None)
        title, body = page.title or None, page.body
        prepared = prepare(body, title=title)
        reference = "\n".join(split_sentences(str(record["summary"])))
        docs.append(
            Doc(
                ident=str(record["id"]),
                dataset=dataset,
                group=group_of(record),
                reference=reference,
                body=body,
                prepared=prepared,
            )
        )
    return docs


def summary_of(doc: Doc, model: LinearModel) -> list[str]:
    """The summary `rank` would give for this document under `model`."""
    return picks(doc.prepared, model, SUMMARY_SENTENCES)


def rouge_row(reference: str, summary: Sequence[str]) -> tuple[float, float, float]:
    """ROUGE-1, ROUGE-2 and ROUGE-Lsum F1 (×100) of one summary."""
    s = score(reference, "\n".join(summary))
    return 100 * s.rouge1.fmeasure, 100 * s.rouge2.fmeasure, 100 * s.rouge_l.fmeasure


def lead_row(doc: Doc) -> tuple[float, float, float]:
    """ROUGE of Lead-3 of the cleaned body (our sentence splitter)."""
    return rouge_row(doc.reference, summarize_lead(doc.body, SUMMARY_SENTENCES))


def grid_model(
    centrality: float, title: float, redundancy: float, continuation: float, quote: float
) -> LinearModel:
    """The scorer of one grid point: lead prior 1, three score weights, two selection settings."""
    coef = {
        "position_prior": 1.0,
        "centrality": centrality,
        "title_similarity": title,
        "opens_quote": quote,
    }
    return LinearModel(
        SENTENCE_FEATURES,
        tuple(0.0 for _ in SENTENCE_FEATURES),
        tuple(1.0 for _ in SENTENCE_FEATURES),
        tuple(coef.get(f, 0.0) for f in SENTENCE_FEATURES),
        0.0,
        (("continuation", continuation), ("redundancy", redundancy)),
    )


GRID: tuple[LinearModel, ...] = tuple(
    grid_model(*point)
    for point in itertools.product(
        CENTRALITY_GRID, TITLE_GRID, REDUNDANCY_GRID, CONTINUATION_GRID, QUOTE_GRID
    )
)


def grid_scores(docs: Sequence[Doc]) -> np.ndarray:
    """Mean of R1, R2 and RL of every grid model's summary (rows) of every document (columns)."""
    table = np.zeros((len(GRID), len(docs)))
    for j, doc in enumerate(docs):
        seen: dict[tuple[str, ...], float] = {}  # most grid points pick the same sentences
        for i, model in enumerate(GRID):
            summary = tuple(summary_of(doc, model))
            if summary not in seen:
                seen[summary] = sum(rouge_row(doc.reference, summary)) / 3
            table[i, j] = seen[summary]
    return table


def best_model(docs: Sequence[Doc], table: np.ndarray, use: Sequence[bool]) -> LinearModel:
    """The grid model with the best mean over the used documents, each dev set counting the same."""
    datasets = sorted({d.dataset for d, u in zip(docs, use, strict=True) if u})
    quality = np.mean(
        [
            table[:, [j for j, d in enumerate(docs) if use[j] and d.dataset == name]].mean(axis=1)
            for name in datasets
        ],
        axis=0,
    )
    return GRID[int(np.argmax(quality))]  # argmax takes the first of equal maxima


def fit_sentences(docs: Sequence[Doc]) -> LinearModel:
    """The sentence scorer fitted on `docs`."""
    return best_model(docs, grid_scores(docs), [True] * len(docs))


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: fit on the dev sets, write summarizer/models/sentences.json."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=MODEL_PATH, help="where to write the model")
    args = ap.parse_args(argv)
    docs = [d for name, path in sorted(SUMMARY_SETS.items()) for d in load_docs(name, path)]
    model = fit_sentences(docs)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(model.to_json(), encoding="utf-8")


if __name__ == "__main__":
    main()
