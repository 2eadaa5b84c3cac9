"""`python -m tools.crossval`: in-sample and cross-validated quality of the trained parts.

`summaries`: the sentence scorer is fitted on all dev summaries (in-sample) and, fold by fold, on
k-1 folds and scored on the fold it never saw (held-out). Folds are by site where a site has
several pages, else by document (tools.train.group_of). Klexikon is never trained on, so
its figures are out-of-sample either way; both figures print side by side, with Lead-3 and its
paired-bootstrap p-value, and each fold's margin over Lead-3. The documents are read as
`newsbot summarize --jsonl` reads them (tools.train.load_docs), so in-sample summaries are the
shipped command's. `--predictions DIR` writes, per dev set, the held-out and in-sample summaries
and the cleaned body's Lead-3 as JSONL for rouge_eval.py (`--system heldout='cat DIR/…'`);
`folds --data DATA --scores SCORES` splits the per-document scores rouge_eval.py wrote with
`--json` into the same folds, each system beside raw Lead-3 as the scorer computes it.
`cleaning`: the same for the block classifier of the page cleaner on pages_dev (folds by host),
beside the hand rules alone, with per-fold figures; `--splits N` adds the held-out figure of
N-1 other splits of the hosts into folds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from summarizer.algorithms import summarize_lead
from summarizer.blocks import BlockModel
from summarizer.linear import LinearModel
from summarizer.page import parse_dump
from tools.evaluate import paired_p
from tools.train import (
    EVAL,
    SUMMARY_SENTENCES,
    SUMMARY_SETS,
    Doc,
    best_model,
    fold_of,
    grid_model,
    grid_scores,
    group_of,
    lead_row,
    load_docs,
    read_jsonl,
    rouge_row,
    summary_of,
)
from tools.train_blocks import PAGES, Page, fit_blocks, load_pages_of

FOLDS = 5
# The weights chosen by hand before any were trained: centrality 0.3, title 0.7, redundancy 0.7.
HAND = grid_model(centrality=0.3, title=0.7, redundancy=0.7, continuation=0.0, quote=0.0)
KLEXIKON = EVAL / "summaries_klexikon.jsonl.gz"
Row = tuple[float, float, float]


def _settings(model: LinearModel) -> str:
    weights = [f"{f} {c:g}" for f, c in zip(model.features, model.coef, strict=True) if c]
    return ", ".join([*weights, *(f"{k} {v:g}" for k, v in model.extra)])


def _line(name: str, rows: Sequence[Row], base: Sequence[Row]) -> str:
    r1, r2, rl = (statistics.mean(r[i] for r in rows) for i in range(3))
    p = paired_p([sum(r) / 3 for r in rows], [sum(b) / 3 for b in base])
    return f"  {name:<26}{r1:7.2f}{r2:7.2f}{rl:7.2f}   p(<=lead) {p:.3f}"


def _report(head: str, docs: Sequence[Doc], summaries: dict[str, list[list[str]]]) -> list[str]:
    """Lead-3, the hand weights and each named set of summaries of `docs`, one line each."""
    base = [lead_row(d) for d in docs]
    rows = {"hand weights (untrained)": [summary_of(d, HAND) for d in docs], **summaries}
    return [
        head,
        _line("lead-3", base, base),
        *(
            _line(
                name, [rouge_row(d.reference, s) for d, s in zip(docs, picked, strict=True)], base
            )
            for name, picked in rows.items()
        ),
    ]


def crossval_summaries(
    docs: Sequence[Doc], extra: Sequence[Doc], folds: int
) -> tuple[dict[str, list[str]], LinearModel, list[str]]:
    """Held-out summaries by document id, the model fitted on all, and the printed report."""
    table = grid_scores(docs)  # each grid model's ROUGE on each document, once for all fits
    full = best_model(docs, table, [True] * len(docs))
    held: dict[str, list[str]] = {}
    lines = []
    for fold in range(folds):
        inside = [fold_of(d.group, folds) == fold for d in docs]
        model = best_model(docs, table, [not i for i in inside])
        lines.append(f"fold {fold}: {sum(inside)} docs held out, fitted {_settings(model)}")
        for d, i in zip(docs, inside, strict=True):
            if i:
                held[d.ident] = summary_of(d, model)
    lines.append(f"all dev: {_settings(full)}")
    for name in sorted({d.dataset for d in docs}):
        subset = [d for d in docs if d.dataset == name]
        fitted = {d.ident: summary_of(d, full) for d in subset}
        lines += _report(
            f"{name} ({len(subset)} docs)              R1     R2     RL",
            subset,
            {
                "in-sample": [fitted[d.ident] for d in subset],
                f"held-out ({folds} folds)": [held[d.ident] for d in subset],
            },
        )
        lines += _fold_margins(subset, folds, {"in-sample": fitted, "held-out": held})
    for name in sorted({d.dataset for d in extra}):
        subset = [d for d in extra if d.dataset == name]
        lines += _report(
            f"{name} ({len(subset)} docs, never trained on)",
            subset,
            {"model on all dev": [summary_of(d, full) for d in subset]},
        )
    return held, full, lines


def _mean3(row: Row) -> float:
    return sum(row) / 3


def _fold_margins(
    docs: Sequence[Doc], folds: int, systems: dict[str, dict[str, list[str]]]
) -> list[str]:
    """Per fold (sites), each system's mean of R1/R2/RL less cleaned Lead-3's on that fold."""
    lines = [f"  by fold: docs, mean of R1/R2/RL less cleaned Lead-3 ({', '.join(systems)})"]
    for fold in range(folds):
        part = [d for d in docs if fold_of(d.group, folds) == fold]
        if not part:
            continue
        base = statistics.mean(_mean3(lead_row(d)) for d in part)
        margins = [
            statistics.mean(_mean3(rouge_row(d.reference, picked[d.ident])) for d in part) - base
            for picked in systems.values()
        ]
        lines.append(f"   fold {fold}: {len(part):4d}  " + "  ".join(f"{m:+6.2f}" for m in margins))
    return lines


def write_predictions(
    folder: Path, docs: Sequence[Doc], held: dict[str, list[str]], full: LinearModel
) -> list[Path]:
    """Held-out, in-sample and cleaned-Lead-3 summaries of each dev set, one JSONL file each."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in sorted({d.dataset for d in docs}):
        subset = [d for d in docs if d.dataset == name]
        outputs = {
            "heldout": [held[d.ident] for d in subset],
            "insample": [summary_of(d, full) for d in subset],
            "lead3-cleaned": [summarize_lead(d.body, SUMMARY_SENTENCES) for d in subset],
        }
        for kind, summaries in outputs.items():
            path = folder / f"{name}-{kind}.jsonl"
            with path.open("w", encoding="utf-8") as f:
                for d, summary in zip(subset, summaries, strict=True):
                    line = json.dumps({"id": d.ident, "summary": summary}, ensure_ascii=False)
                    f.write(line + "\n")
            written.append(path)
    return written


def eval_folds(
    records: Sequence[dict[str, object]], scores: dict[str, Any], folds: int
) -> list[str]:
    """rouge_eval.py's per-document scores (`--json`) split into the cross-validation folds.

    Each fold (and all documents) gives every system's R1/R2/RL and its mean's margin over the
    scorer's own Lead-3 (raw text, its regex splitter) on the same documents.
    """
    systems: dict[str, dict[str, dict[str, float]]] = {
        name: result["per_doc"] for name, result in scores["systems"].items()
    }
    fold = {str(r["id"]): fold_of(group_of(r), folds) for r in records}
    lines = [f"{scores['data']}: R1 R2 RL, and mean less the scorer's Lead-3 (raw text)"]
    for k in [*range(folds), None]:
        ids = [i for i in systems["lead-3"] if k is None or fold[i] == k]
        if not ids:
            continue
        lines.append(f" {'all' if k is None else f'fold {k}'}: {len(ids)} docs")
        base = statistics.mean(statistics.mean(systems["lead-3"][i].values()) for i in ids)
        for name, per in systems.items():
            r1, r2, rl = (statistics.mean(per[i][m] for i in ids) for m in _EVAL_MEASURES)
            margin = statistics.mean(statistics.mean(per[i].values()) for i in ids) - base
            lines.append(f"  {name:<24}{r1:7.2f}{r2:7.2f}{rl:7.2f}  {margin:+6.2f}")
    return lines


_EVAL_MEASURES = ("rouge1", "rouge2", "rougeL")


def _normalized(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


Counts = tuple[int, int, int, int]


def clean_counts(pages: Sequence[dict[str, object]], model: BlockModel | None) -> Counts:
    """True and false positives, false negatives and empty bodies, counted as clean_eval.py does.

    `model` is the block classifier to clean with; None cleans by the hand rules alone.
    """
    tp = fn = fp = empty = 0
    for page in pages:
        body = _normalized(parse_dump(str(page["text"]), model).body)
        empty += not body
        for snippet in page["must_contain"]:  # type: ignore[attr-defined]
            found = _normalized(str(snippet)) in body
            tp += found
            fn += not found
        fp += sum(_normalized(str(s)) in body for s in page["must_not_contain"])  # type: ignore[attr-defined]
    return tp, fn, fp, empty


def f1_of(tp: int, fn: int, fp: int) -> float:
    """F1 of snippet counts."""
    return 2 * tp / (2 * tp + fn + fp) if tp else 0.0


def _clean_line(name: str, counts: Counts) -> str:
    tp, fn, fp, empty = counts
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return f"  {name:<34}F1 {f1_of(tp, fn, fp):.3f}  P {p:.3f}  R {r:.3f}  empty {empty}"


def _total(parts: Sequence[Counts]) -> Counts:
    tp, fn, fp, empty = (sum(c[i] for c in parts) for i in range(4))
    return tp, fn, fp, empty


def held_out_counts(
    records: Sequence[dict[str, object]], pages: Sequence[Page], fold: Sequence[int]
) -> list[Counts]:
    """Per fold, the counts of the classifier fitted on the other folds, cleaning this one."""
    parts = []
    for k in sorted(set(fold)):
        part = [r for r, f in zip(records, fold, strict=True) if f == k]
        model = fit_blocks([p for p, f in zip(pages, fold, strict=True) if f != k])
        parts.append(clean_counts(part, model))
    return parts


def crossval_cleaning(
    records: Sequence[dict[str, object]], folds: int, splits: int = 1
) -> list[str]:
    """Snippet F1 of the hand rules and of the block classifier, in-sample and held-out by fold.

    Folds are by host (pages of one site stay together). The classifier is fitted on all pages
    (in-sample) and, fold by fold, on the other folds and scored on the fold it never saw.
    The hand rules were written while looking at all of pages_dev, so their figures are in-sample
    on every fold. With `splits` > 1, the held-out figure is also given for other splits of the
    hosts into folds: which sites share a fold moves F1 by about ±0.003.
    """
    pages = load_pages_of(records)
    fold = [fold_of(p.group, folds) for p in pages]
    full = fit_blocks(pages)
    hand_parts, inside_parts, held_parts = [], [], []
    lines = [f"pages_dev ({len(records)} pages), folds by host"]
    for k in range(folds):
        part = [r for r, f in zip(records, fold, strict=True) if f == k]
        model = fit_blocks([p for p, f in zip(pages, fold, strict=True) if f != k])
        hand_parts.append(clean_counts(part, None))
        inside_parts.append(clean_counts(part, full))
        held_parts.append(clean_counts(part, model))
        lines.append(f" fold {k}: {len(part)} pages")
        lines.append(_clean_line("hand rules (in-sample)", hand_parts[-1]))
        lines.append(_clean_line("classifier in-sample", inside_parts[-1]))
        lines.append(_clean_line("classifier held-out", held_parts[-1]))
    lines.append(" all pages (counts pooled over folds)")
    lines.append(_clean_line("hand rules (in-sample)", _total(hand_parts)))
    lines.append(_clean_line("classifier in-sample", _total(inside_parts)))
    lines.append(_clean_line("classifier held-out", _total(held_parts)))
    lines.append(" fold mean F1")
    for name, parts in (
        ("hand rules (in-sample)", hand_parts),
        ("classifier in-sample", inside_parts),
        ("classifier held-out", held_parts),
    ):
        lines.append(f"  {name:<34}F1 {statistics.mean(f1_of(*c[:3]) for c in parts):.3f}")
    if splits > 1:
        lines.append(" other splits of the hosts into folds (held-out, counts pooled)")
        scores = [f1_of(*_total(held_parts)[:3])]
        for split in range(1, splits):
            other = [fold_of(f"split{split}:{p.group}", folds) for p in pages]
            counts = _total(held_out_counts(records, pages, other))
            scores.append(f1_of(*counts[:3]))
            lines.append(_clean_line(f"split {split}", counts))
        lines.append(
            f"  {'mean over ' + str(splits) + ' splits':<34}F1 {statistics.mean(scores):.3f}"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: run one protocol and print its table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("what", choices=["summaries", "cleaning", "folds"])
    ap.add_argument("--folds", type=int, default=FOLDS)
    ap.add_argument(
        "--splits",
        type=int,
        default=1,
        help="cleaning only: also report held-out F1 for this many splits of hosts into folds",
    )
    ap.add_argument("--no-klexikon", action="store_true", help="skip the Klexikon rows (slow)")
    ap.add_argument(
        "--predictions", type=Path, help="summaries: write the summaries as JSONL into this folder"
    )
    ap.add_argument("--data", type=Path, help="folds: the summary file rouge_eval.py scored")
    ap.add_argument("--scores", type=Path, help="folds: the file rouge_eval.py --json wrote")
    args = ap.parse_args(argv)
    if args.what == "summaries":
        docs = [d for name, path in sorted(SUMMARY_SETS.items()) for d in load_docs(name, path)]
        extra = [] if args.no_klexikon else load_docs("klexikon", KLEXIKON)
        held, full, lines = crossval_summaries(docs, extra, args.folds)
        print("\n".join(lines))
        if args.predictions:
            write_predictions(args.predictions, docs, held, full)
    elif args.what == "folds":
        if not (args.data and args.scores):
            ap.error("folds needs --data and --scores")
        scores = json.loads(args.scores.read_text(encoding="utf-8"))
        print("\n".join(eval_folds(read_jsonl(args.data), scores, args.folds)))
    else:
        print("\n".join(crossval_cleaning(read_jsonl(PAGES), args.folds, args.splits)))


if __name__ == "__main__":
    main()
