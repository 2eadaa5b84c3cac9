"""Evaluation gate: cleaning F1 and ROUGE stay above the floors pinned in summarizer/floors.json."""

from __future__ import annotations

import gzip
import hashlib
import json
import statistics
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from summarizer import parse_page
from tools.evaluate import evaluate

FLOORS = json.loads(
    (Path(__file__).resolve().parent.parent / "summarizer" / "floors.json").read_text("utf-8")
)


def _data(name: str) -> list[dict[str, Any]]:
    spec = FLOORS[name]
    path = Path(spec["path"])
    if not path.exists():
        pytest.skip(f"{path} not on this machine")
    raw = path.read_bytes()
    if hashlib.sha256(raw).hexdigest() != spec["sha256"]:
        pytest.skip(f"{path} changed; re-measure and re-pin its floors")
    text = gzip.decompress(raw).decode("utf-8") if path.suffix == ".gz" else raw.decode("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _norm(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


def test_cleaning_f1_floor() -> None:
    tp = fn = fp = 0
    for page in _data("pages_dev"):
        body = _norm(parse_page(page["text"]).body)
        found = [_norm(s) in body for s in page["must_contain"]]
        tp += sum(found)
        fn += len(found) - sum(found)
        fp += sum(_norm(s) in body for s in page["must_not_contain"])
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    f1 = 2 * precision * recall / (precision + recall)
    assert f1 >= FLOORS["pages_dev"]["clean_f1"]


@pytest.mark.parametrize("name", ["summaries_web_dev", "summaries_news_dev"])
def test_rouge_floor_and_above_lead_3(name: str) -> None:
    ours, lead = evaluate(_data(name), ["newsbot", "lead"])
    floors = FLOORS[name]
    assert statistics.mean(ours.rouge1) >= floors["rouge1"]
    assert statistics.mean(ours.rouge2) >= floors["rouge2"]
    assert statistics.mean(ours.rouge_l) >= floors["rouge_l"]
    assert statistics.mean(ours.mean3()) > statistics.mean(lead.mean3())
