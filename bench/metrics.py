"""The measures the bench scripts report: ROC AUC, Spearman's rho, pair ordering, precision@k."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence


def ranks(values: Sequence[float]) -> list[float]:
    """Ranks from 1, ties sharing their mean rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rank correlation (Pearson's r of the ranks, ties averaged)."""
    rx, ry = ranks(x), ranks(y)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    vx = sum((a - mx) ** 2 for a in rx) ** 0.5
    vy = sum((b - my) ** 2 for b in ry) ** 0.5
    return cov / (vx * vy)


def roc_auc(labels: Sequence[int], scores: Sequence[float]) -> float:
    """Area under the ROC curve: the chance that a positive outscores a negative (ties half)."""
    r = ranks(scores)
    pos = sum(1 for y in labels if y)
    neg = len(labels) - pos
    rank_sum = sum(rk for rk, y in zip(r, labels) if y)
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


def pair_ordering(groups: Sequence[str], levels: Sequence[int], scores: Sequence[float]) -> float:
    """Mean over groups (articles) of the share of level pairs whose scores are in level order."""
    by: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for g, lv, s in zip(groups, levels, scores):
        by[g].append((lv, s))
    shares = []
    for items in by.values():
        pairs = [(a, b) for a in items for b in items if a[0] < b[0]]
        if pairs:
            shares.append(sum(1 for a, b in pairs if a[1] < b[1]) / len(pairs))
    return sum(shares) / len(shares)


def precision_at(named: Sequence[str], marked: set[str], k: int = 3) -> float:
    """Share of the first k named words that are marked (naming fewer than k counts as misses)."""
    return sum(1 for w in named[:k] if w in marked) / k
