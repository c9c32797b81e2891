"""Connected components of a graph held in partitions, by large-star and small-star rounds.

The algorithm of Kiveris et al., "Connected Components in MapReduce and Beyond" (SoCC 2014),
in the form a cluster runs it: no process ever holds the graph. An edge is a row (big, small)
of two node numbers, big > small; a partition's rows are :class:`Stars`. Each half-round splits
the rows by node (:func:`split`, the map side of a shuffle), and each partition's reduce links
its nodes' neighbours to the smallest node it sees (:func:`large_star`, :func:`small_star`).
The rounds stop when a whole round changes no edge (:func:`converged`): then each component is
a star around its smallest node, every other node in one row (node, smallest), which is the
node's component label (:func:`labels`). The rounds grow with the logarithm of the largest
component's size, not with its diameter (the paper: O(log² n) rounds at most).

Duplicate rows are allowed everywhere: a reduce sees every copy of an edge in one place (the
partition of its big end), so it counts the distinct edges it was given there, and their sum
over partitions is exact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from audit.errors import AuditError
from audit.similarity.lsh import by_partition, runs, unique_pairs

#: Rounds before giving up (each halves the distance to the smallest node, or better: 30 rounds
#: reach across a billion nodes).
MAX_ROUNDS = 64

#: A partition's rows on their way: (node, neighbour) columns.
Rows = tuple[np.ndarray, np.ndarray]
#: The number of distinct edges a reduce was given, and the sum of their hashes (modulo 2**64).
Seen = tuple[int, int]

T = TypeVar("T")


@dataclass
class Stars:
    """One partition's edges (rows big > small, perhaps repeated), and what the reduce that
    made them was given (:data:`Seen`)."""

    big: np.ndarray
    small: np.ndarray
    seen: Seen = (0, 0)

    @classmethod
    def of(cls, i: np.ndarray, j: np.ndarray) -> Stars:
        """The edges (i, j), each with its ends in order."""
        return cls(np.maximum(i, j).astype(np.int64), np.minimum(i, j).astype(np.int64))


def split(stars: Stars, partitions: int, both: bool) -> list[Rows]:
    """Map side: the rows as (node, neighbour), by node: keyed by their big end, and with `both`
    (for :func:`large_star`) by their small end too."""
    node, other = (np.concatenate([stars.big, stars.small]), np.concatenate([stars.small, stars.big])) if both \
        else (stars.big, stars.small)
    return by_partition(node % partitions, partitions, node, other)  # type: ignore[return-value]


def _given(pieces: list[Rows]) -> tuple[np.ndarray, np.ndarray, Seen]:
    """A reduce's rows sorted by node, and what it was given: the distinct edges at their big end."""
    node = np.concatenate([np.zeros(0, dtype=np.int64)] + [p[0] for p in pieces])
    other = np.concatenate([np.zeros(0, dtype=np.int64)] + [p[1] for p in pieces])
    down = other < node
    distinct = unique_pairs(np.stack([node[down], other[down]], axis=1))
    order = np.argsort(node, kind="stable")
    return node[order], other[order], fingerprint(distinct[:, 0], distinct[:, 1])


def _lowest(node: np.ndarray, other: np.ndarray) -> np.ndarray:
    """For each row (sorted by node), the smallest of its node and the node's neighbours."""
    _, starts, ends = runs(node, min_size=1)
    if not len(node):
        return node
    lowest = np.minimum(np.minimum.reduceat(other, starts), node[starts])
    return np.repeat(lowest, ends - starts)


def large_star(pieces: list[Rows]) -> Stars:
    """Reduce side: each node's larger neighbours joined to the smallest of the node and its neighbours."""
    node, other, seen = _given(pieces)
    up = other > node
    found = unique_pairs(np.stack([other[up], _lowest(node, other)[up]], axis=1))
    return Stars(found[:, 0], found[:, 1], seen)


def small_star(pieces: list[Rows]) -> Stars:
    """Reduce side (rows keyed by their big end): each node and its smaller neighbours joined to
    the smallest of those neighbours."""
    node, other, seen = _given(pieces)
    lowest = _lowest(node, other)
    found = unique_pairs(np.concatenate([np.stack([other, lowest], axis=1), np.stack([node, lowest], axis=1)]))
    found = found[found[:, 0] != found[:, 1]]
    return Stars(found[:, 0], found[:, 1], seen)


def fingerprint(big: np.ndarray, small: np.ndarray) -> Seen:
    """How many edges, and the sum of a hash of each (distinct edges: a repeat would count twice)."""
    mixed = big.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) ^ small.astype(np.uint64) * np.uint64(0xC2B2AE3D27D4EB4F)
    mixed ^= mixed >> np.uint64(31)
    return len(big), int((mixed * np.uint64(0x94D049BB133111EB)).sum(dtype=np.uint64))


def total(seen: Iterable[Seen]) -> Seen:
    """What all the reduces of a half-round were given: the distinct edges of the whole graph."""
    count, hashed = 0, 0
    for n, h in seen:
        count, hashed = count + n, (hashed + h) % 2**64
    return count, hashed


def converged(stars: list[T], half_round: Callable[[list[T], bool], list[T]],
              seen: Callable[[list[T]], Seen]) -> list[T]:
    """The partitions of stars the rounds end with, from the partitions of edges `stars`.

    `half_round(partitions, large)` runs one shuffle (:func:`split` of each partition, then
    :func:`large_star`, or with `large` false :func:`small_star`, of each share); `seen(partitions)`
    is what their reduces were given (:func:`total`). Both are wherever the partitions are: lists
    in this process, or futures on a cluster.
    """
    before = None
    for _ in range(MAX_ROUNDS):
        large = half_round(stars, True)
        given = seen(large)
        if given == before:
            return stars
        small = half_round(large, False)
        # A round changed nothing if neither half did; the next round's first half says the second's.
        before = given if seen(small) == given else None
        stars = small
    raise AuditError(f"connected components did not settle in {MAX_ROUNDS} rounds")


def labels(big: np.ndarray, small: np.ndarray) -> Rows:
    """(node, label) of each node among the rows (big, small) of settled stars that is not its
    component's smallest node (which is its own label), by node."""
    node, first = np.unique(big, return_index=True)
    return node, small[first]
