"""The line model: a logistic regression over a line's features, evaluated with numpy.

Its weights are data, ``rules/line-model.json``, fitted by ``bench/line_model.py`` on the dev sets
(the file records how, on what, and the command); nothing is trained or downloaded at run time.
A line that no rule or statistic flagged, and that is not prose of the main text, is flagged
(``lines.model``) when its score reaches ``lines.model-min-score``; the finding's message names
the features that pushed its score up most, so that a report and clean's removal log say why.
"""

from __future__ import annotations

import hashlib

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from audit.errors import RuleError
from audit.lines import features
from audit.lines.rules import builtin_rules_dir
from audit.lines.statistics import SIGNALS, Layout, LineFlag

FILE = "line-model.json"
#: Features named in a flagged line's message.
REASONS = 3


@dataclass(frozen=True)
class LineModel:
    """Standardization and weights of the logistic regression, one entry per feature."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Each feature's share of each row's log-odds."""
        return (x - self.mean) / self.scale * self.weights

    def scores(self, contributions: np.ndarray) -> np.ndarray:
        """The probability that each row is leftover page text, from its :meth:`contributions`."""
        return 1 / (1 + np.exp(-np.clip(contributions.sum(axis=1) + self.bias, -30, 30)))

    def reasons(self, row: np.ndarray, contribution: np.ndarray) -> list[str]:
        """The phrases of the features that pushed one row's score up most."""
        phrases = features.feature_phrases()
        top = [k for k in np.argsort(-contribution)[:REASONS] if contribution[k] > 0]
        return [phrases[self.names[k]][0 if row[k] > self.mean[k] else 1] for k in top]


@lru_cache(maxsize=4)
def load(path: Path) -> LineModel:
    """The model stored in `path`; its features must be those :mod:`audit.lines.features` makes."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        names = tuple(data["features"])
        arrays = [np.array(data[k], dtype=float) for k in ("mean", "scale", "weights")]
        bias = float(data["bias"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RuleError(f"{path}: cannot read the line model: {exc}") from None
    if list(names) != features.feature_names() or any(len(a) != len(names) for a in arrays):
        raise RuleError(f"{path}: the line model's features are not those of this version (run bench/line_model.py)")
    return LineModel(names, *arrays, bias)


def digest() -> str:
    """A short digest of the shipped weights: a feed index records it, since refitted weights blank
    other lines before signing."""
    return hashlib.sha256((builtin_rules_dir() / FILE).read_bytes()).hexdigest()[:12]


def builtin() -> LineModel:
    """The model that ships with corpus-audit."""
    return load(builtin_rules_dir() / FILE)


def flag_lines(lines: list[str], layout: Layout, flagged: set[int], min_score: float,
               model: LineModel) -> list[LineFlag]:
    """The lines (1-based) the model flags among those not in `flagged` (nor prose of the main text), in line order.

    >>> from audit.lines.statistics import paragraphs, layout as lay
    >>> from audit.settings import LineSettings
    >>> text = ["The storm hit the coast early on Monday, and the roads were closed for hours.",
    ...         "Officials said that the bridge would stay shut until the water went down.", "TrackBack", "Email This"]
    >>> found = flag_lines(text, lay(paragraphs(text, LineSettings()), LineSettings()), set(), 0.3, builtin())
    >>> [(f.line, f.signal.id) for f in found][-1], found[-1].detail.startswith("score 0.")
    ((4, 'lines.model'), True)
    """
    x, numbers = features.line_features(lines, layout, flagged)
    if not len(numbers):
        return []
    contributions = model.contributions(x)
    scores = model.scores(contributions)
    signal = SIGNALS["lines.model"]
    out = []
    for k in np.flatnonzero(scores >= min_score):
        number = int(numbers[k])
        why = ", ".join(model.reasons(x[k], contributions[k]))
        out.append(LineFlag(number, signal, f"score {scores[k]:.2f}: {why}"))
    return out
