"""`python -m summarizer.train`: fit the sentence scorer on the dev summaries, write its JSON file.

Method `grid` (shipped): the score is the lead prior plus weighted centrality and title overlap,
and those two weights and the redundancy weight are searched on the ROUGE of the summaries the
selection makes. Method `rank` (measured, not shipped): a conditional logit over all
SENTENCE_FEATURES learns which sentences a greedy ROUGE oracle picks. Inputs are read in file
order and there is no randomness, so the file written is the same on every run.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import statistics
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from summarizer.algorithms import summarize_lead
from summarizer.linear import LinearModel, fit_ranking, rounded
from summarizer.page import parse_page
from summarizer.ranking import SENTENCE_FEATURES, Prepared, prepare, select
from summarizer.rouge import score
from summarizer.sentences import split_sentences

EVAL = Path("/work/shared/eval")
SUMMARY_SETS = {
    "news": EVAL / "summaries_news_dev.jsonl",
    "web": EVAL / "summaries_web_dev.jsonl",
}
MODEL_PATH = Path(__file__).resolve().parent / "models" / "sentences.json"
# L2 strength of the fit (on standardised features); redundancy weights the selection may use.
L2 = 10.0
CENTRALITY_GRID = (0.0, 0.15, 0.3, 0.5)
TITLE_GRID = (0.35, 0.7, 1.0, 1.4)
REDUNDANCY_GRID = (0.35, 0.7, 1.0)
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


def oracle_targets(reference: str, sentences: Sequence[str], candidates: np.ndarray) -> np.ndarray:
    """1 for the sentences a greedy ROUGE oracle picks (up to three candidates), else 0."""
    picked: list[int] = []
    best = 0.0
    while len(picked) < SUMMARY_SENTENCES:
        gains = []
        for i in candidates:
            if int(i) in picked:
                continue
            chosen = [sentences[j] for j in sorted([*picked, int(i)])]
            s = score(reference, "\n".join(chosen))
            gains.append((s.rouge1.fmeasure + s.rouge2.fmeasure, -int(i)))
        if not gains or max(gains)[0] <= best:
            break
        best, neg = max(gains)
        picked.append(-neg)
    out = np.zeros(len(sentences))
    out[picked] = 1.0
    return out


def load_docs(dataset: str, path: Path) -> list[Doc]:
    """Dev articles of one summary file, cleaned as `newsbot summarize --jsonl` cleans them."""
    docs = []
    for record in read_jsonl(path):
        title = str(record.get("title") or "") or None
        body = parse_page(str(record["text"]), title=title).body
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
    prepared = doc.prepared
    if not prepared.sentences:
        return []
    weight = model.setting("redundancy", 0.0)
    picked = select(
        prepared, model.logits(prepared.features), SUMMARY_SENTENCES, weight, prepared.budget
    )
    return [prepared.sentences[i] for i in picked]


def rouge_row(reference: str, summary: Sequence[str]) -> tuple[float, float, float]:
    """ROUGE-1, ROUGE-2 and ROUGE-Lsum F1 (×100) of one summary."""
    s = score(reference, "\n".join(summary))
    return 100 * s.rouge1.fmeasure, 100 * s.rouge2.fmeasure, 100 * s.rouge_l.fmeasure


def lead_row(doc: Doc) -> tuple[float, float, float]:
    """ROUGE of Lead-3 of the cleaned body (our sentence splitter)."""
    return rouge_row(doc.reference, summarize_lead(doc.body, SUMMARY_SENTENCES))


def mean3(rows: Sequence[tuple[float, float, float]]) -> float:
    """Mean over documents of the mean of R1, R2 and RL."""
    return statistics.mean(sum(r) / 3 for r in rows) if rows else 0.0


def quality(docs: Sequence[Doc], model: LinearModel) -> float:
    """Mean ROUGE (of R1, R2, RL) of the model's summaries, each dev set counting the same."""
    datasets = sorted({d.dataset for d in docs})
    return statistics.mean(
        mean3([rouge_row(d.reference, summary_of(d, model)) for d in docs if d.dataset == name])
        for name in datasets
    )


def with_redundancy(model: LinearModel, redundancy: float) -> LinearModel:
    """The same scorer with another redundancy weight for the selection."""
    return replace(model, extra=(("redundancy", redundancy),))


def fit_grid(docs: Sequence[Doc]) -> LinearModel:
    """Lead prior plus weighted centrality and title overlap, weights searched on summary ROUGE."""
    unit = tuple(1.0 for _ in SENTENCE_FEATURES)
    zero = tuple(0.0 for _ in SENTENCE_FEATURES)

    def make(centrality: float, title: float, redundancy: float) -> LinearModel:
        coef = {"position_prior": 1.0, "centrality": centrality, "title_similarity": title}
        weights = tuple(coef.get(f, 0.0) for f in SENTENCE_FEATURES)
        return LinearModel(
            SENTENCE_FEATURES, zero, unit, weights, 0.0, (("redundancy", redundancy),)
        )

    grid = itertools.product(CENTRALITY_GRID, TITLE_GRID, REDUNDANCY_GRID)
    # Ties go to the first setting in grid order, so the result does not depend on float noise.
    scored = [(quality(docs, m), -k, m) for k, m in enumerate(make(*g) for g in grid)]
    return max(scored, key=lambda t: (t[0], t[1]))[2]


def fit_rank(docs: Sequence[Doc]) -> LinearModel:
    """Conditional logit over all features on greedy-oracle labels, then the redundancy weight."""
    xs, shares, groups = [], [], []
    for k, doc in enumerate(docs):
        cand = doc.prepared.candidates
        target = oracle_targets(doc.reference, doc.prepared.sentences, cand)[cand]
        if not cand.size or target.sum() == 0:
            continue
        xs.append(doc.prepared.features[cand])
        shares.append(target / target.sum())
        groups.append(np.full(cand.size, k))
    model = rounded(
        fit_ranking(
            np.vstack(xs), np.concatenate(shares), np.concatenate(groups), SENTENCE_FEATURES, l2=L2
        )
    )
    scored = [(quality(docs, with_redundancy(model, r)), -r) for r in REDUNDANCY_GRID]
    return with_redundancy(model, -max(scored)[1])


METHODS = {"grid": fit_grid, "rank": fit_rank}


def fit_sentences(docs: Sequence[Doc], method: str = "grid") -> LinearModel:
    """The sentence scorer fitted on `docs` by the named method."""
    return METHODS[method](docs)


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: fit on the dev sets, write summarizer/models/sentences.json."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=MODEL_PATH, help="where to write the model")
    ap.add_argument("--method", choices=sorted(METHODS), default="grid")
    args = ap.parse_args(argv)
    docs = [d for name, path in sorted(SUMMARY_SETS.items()) for d in load_docs(name, path)]
    model = fit_sentences(docs, args.method)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(model.to_json(), encoding="utf-8")


if __name__ == "__main__":
    main()
