"""The linear scorer: fitting, its JSON file, and the shipped sentence model."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from summarizer.linear import fit_logistic, from_json, load_packaged, rounded
from summarizer.ranking import SENTENCE_FEATURES, SENTENCE_MODEL_FILE, prepare, sentence_model
from tests.conftest import RETRAIN_WAIT
from tools.train import SUMMARY_SETS

ROOT = Path(__file__).resolve().parent.parent


def test_model_survives_its_json_file() -> None:
    x = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]])
    model = rounded(fit_logistic(x, np.array([0.0, 0.0, 1.0, 1.0]), ("a", "b")))
    assert from_json(model.to_json()) == model


def test_shipped_model_loads_from_the_package_and_matches_the_features() -> None:
    model = load_packaged(SENTENCE_MODEL_FILE)
    assert model.features == SENTENCE_FEATURES
    assert model.setting("redundancy", -1.0) >= 0.0
    prepared = prepare("Der Bundestag hat getagt. Die Opposition kündigte eine Klage an.")
    assert sentence_model().logits(prepared.features).shape == (2,)


@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.retrains("sentences")  # `python -m tools.train`, started at collection (conftest)
@pytest.mark.timeout(RETRAIN_WAIT + 60)
def test_training_script_reproduces_the_shipped_model(retrained: Callable[[], Path]) -> None:
    if not all(path.exists() for path in SUMMARY_SETS.values()):
        pytest.skip("the dev summaries are not on this machine")
    out = retrained() / "sentences.json"
    shipped = ROOT / "summarizer" / "models" / SENTENCE_MODEL_FILE
    assert out.read_bytes() == shipped.read_bytes()


def test_logistic_fit_learns_the_sign_of_each_feature() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(800, 3))
    y = (1.5 * x[:, 0] - 1.0 * x[:, 1] + rng.normal(scale=0.5, size=800) > 0).astype(float)
    model = fit_logistic(x, y, ("a", "b", "c"), l2=0.1)
    coef = np.asarray(model.coef)
    assert coef[0] > 0 > coef[1]
    assert abs(coef[2]) < abs(coef[1]) / 3
    hits = (model.logits(x) > 0) == (y > 0)
    assert hits.mean() > 0.85


def test_logistic_fit_is_deterministic() -> None:
    x = np.arange(40.0).reshape(20, 2) % 7
    y = (x[:, 0] > 3).astype(float)
    assert fit_logistic(x, y, ("a", "b")) == fit_logistic(x, y, ("a", "b"))
