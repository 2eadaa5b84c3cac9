"""Linear scorers in numpy: conditional-logit and logistic fits (Newton, L2), the model JSON file.

Small on purpose: a few features, thousands of rows, fitted in about a second and deterministic
(no random start, no shuffling), so a training script reproduces its file bit for bit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

# Coefficients are rounded before they are written, so the file is the same on every machine
# whatever the last bits of the BLAS in use.
DIGITS = 6


@dataclass(frozen=True, slots=True)
class LinearModel:
    """Standardised linear scorer: logit = ((x - mean) / scale) · coef + intercept."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    extra: tuple[tuple[str, float], ...] = ()

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Log-odds of each row of a feature matrix whose columns are `features`."""
        weights = np.asarray(self.coef) / np.asarray(self.scale)
        offset = self.intercept - float(np.dot(np.asarray(self.mean), weights))
        return np.asarray(x @ weights + offset)

    def setting(self, name: str, default: float) -> float:
        """A named number stored beside the coefficients (a threshold, a selection weight)."""
        return dict(self.extra).get(name, default)

    def to_json(self) -> str:
        """The model as indented JSON, numbers rounded to DIGITS places."""
        data: dict[str, Any] = {
            "features": list(self.features),
            "mean": [round(v, DIGITS) for v in self.mean],
            "scale": [round(v, DIGITS) for v in self.scale],
            "coef": [round(v, DIGITS) for v in self.coef],
            "intercept": round(self.intercept, DIGITS),
            "extra": {k: round(v, DIGITS) for k, v in self.extra},
        }
        return json.dumps(data, indent=1) + "\n"


def from_json(text: str) -> LinearModel:
    """A model from the JSON that `LinearModel.to_json` writes."""
    data = json.loads(text)
    return LinearModel(
        features=tuple(data["features"]),
        mean=tuple(float(v) for v in data["mean"]),
        scale=tuple(float(v) for v in data["scale"]),
        coef=tuple(float(v) for v in data["coef"]),
        intercept=float(data["intercept"]),
        extra=tuple((k, float(v)) for k, v in sorted(data.get("extra", {}).items())),
    )


def load_packaged(name: str) -> LinearModel:
    """A model file shipped inside the summarizer package (summarizer/models/NAME)."""
    return from_json(resources.files("summarizer").joinpath("models", name).read_text("utf-8"))


def fit_logistic(
    x: np.ndarray,
    y: np.ndarray,
    features: tuple[str, ...],
    *,
    l2: float = 1.0,
    weights: np.ndarray | None = None,
) -> LinearModel:
    """Fit an L2-penalised logistic regression of 0/1 labels `y` by Newton's method.

    Features are standardised first, so one `l2` suits them all; the intercept is not penalised.
    """
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    sample = np.ones(len(x)) if weights is None else weights
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 1e-9
    w = np.zeros(z.shape[1])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(z @ w)))
        grad = z.T @ (sample * (p - y)) + penalty * w
        hess = (z * (sample * p * (1 - p))[:, None]).T @ z + np.diag(penalty)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    return LinearModel(
        features=features,
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        coef=tuple(float(v) for v in w[:-1]),
        intercept=float(w[-1]),
    )


def rounded(model: LinearModel) -> LinearModel:
    """The model as it will read back from its file (numbers rounded to DIGITS places)."""
    return from_json(model.to_json())
