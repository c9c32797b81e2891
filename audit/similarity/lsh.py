"""Locality-sensitive hashing in bulk: band keys of many signatures, and the pairs that collide.

The bands are datasketch's (``MinHashLSH`` with ``params=(bands, rows)`` cuts a signature into
the same runs of `rows` values), so the candidates are the ones its index would return; but keys
are one uint64 per band in a NumPy array instead of a dict entry per band and document, which
keeps a million signatures in a few hundred MB, and the pairs come from sorting, as rows an
engine can shuffle by key.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from audit.similarity import kernels

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One uint64 key per band of each signature (rows: signatures, uint32 values).

    Equal bands give equal keys; different bands collide with probability about 2**-64, which
    only adds a candidate that verification then rejects.

    >>> band_keys(np.array([[1, 2, 3, 4], [1, 2, 3, 5]], dtype=np.uint32), 2, 2).shape
    (2, 2)
    """
    if signatures.shape[1] < bands * rows:
        raise ValueError(f"{bands} bands of {rows} rows need {bands * rows} values a signature, not {signatures.shape[1]}")
    keys = np.full((len(signatures), bands), _FNV_OFFSET, dtype=np.uint64)
    # In place, and the values widened as they are read: where malloc hands large blocks back at
    # once (Dask's workers set MALLOC_TRIM_THRESHOLD_), every temporary array is fresh pages.
    for r in range(rows):
        keys ^= signatures[:, r:bands * rows:rows]
        keys *= _FNV_PRIME
    # MurmurHash3's 64-bit finalizer: FNV's low bits alone mix poorly.
    shifted = keys >> np.uint64(33)
    keys ^= shifted
    keys *= np.uint64(0xFF51AFD7ED558CCD)
    keys ^= np.right_shift(keys, np.uint64(33), out=shifted)
    return keys


def colliding_pairs(columns: Iterable[np.ndarray], window: int) -> np.ndarray:
    """Distinct pairs (i, j), i < j, of rows with an equal key in some column, as an (m, 2) array.

    Each column holds one key per row (a band of every signature). In a run of more than
    `window` + 1 equal keys, each row is paired with the next `window` rows only.
    """
    found = [np.zeros((0, 2), dtype=np.int64)]
    for keys in columns:
        found.append(key_pairs(keys, np.arange(len(keys), dtype=np.int64), window))
    return unique_pairs(np.concatenate(found))


def unique_pairs(pairs: np.ndarray) -> np.ndarray:
    """The distinct rows of an (m, 2) array of non-negative pairs, sorted.

    The same as ``np.unique(pairs, axis=0)``, which sorts rows as opaque records and is many
    times slower (as is NumPy 2's hashing ``np.unique`` on many repeats): a bucket of thousands
    of copies gives millions of pairs, most of them found again in every band.

    >>> unique_pairs(np.array([[2, 5], [0, 9], [2, 5], [2, 1]])).tolist()
    [[0, 9], [2, 1], [2, 5]]
    """
    if not len(pairs):
        return pairs.reshape(0, 2).astype(np.int64)
    pairs = pairs.astype(np.int64)
    width = int(pairs[:, 1].max()) + 1
    flat = np.sort(pairs[:, 0] * width + pairs[:, 1])
    flat = flat[np.concatenate(([True], flat[1:] != flat[:-1]))]
    return np.stack([flat // width, flat % width], axis=1)


def local_pairs(keys: np.ndarray, window: int) -> np.ndarray:
    """:func:`colliding_pairs` of the bands of a (rows, bands) key array, in this process."""
    return colliding_pairs((keys[:, b] for b in range(keys.shape[1])), window)


def key_pairs(keys: np.ndarray, rows: np.ndarray | None, window: int) -> np.ndarray:
    """The pairs of `rows` that share a key (one band), each linked to the next `window` rows by id.

    The rows may come in any order and be any subset holding whole runs (a shuffle partition):
    runs are ordered by row id, so the pairs are the same however the rows were split. None
    stands for every row in order (0, 1, …), which then need neither be sent nor sorted.

    >>> key_pairs(np.array([7, 3, 7, 7], dtype=np.uint64), np.array([9, 1, 4, 2]), 1).tolist()
    [[2, 4], [4, 9]]
    >>> key_pairs(np.array([7, 3, 7, 7], dtype=np.uint64), None, 1).tolist()
    [[0, 2], [2, 3]]
    """
    if rows is None:
        order, starts, ends = runs(keys)
        return kernels.pairs_in_runs(order.astype(np.int64), starts, ends, window)
    # Runs by key first, then only the rows in runs sorted by id within each (most keys are in no
    # run): sorting every row by id and again by key took three times as long.
    order, starts, ends = runs(keys, stable=False)
    sizes = ends - starts
    bounds = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=bounds[1:])
    ids = rows[order[np.repeat(starts - bounds[:-1], sizes) + np.arange(bounds[-1])]]
    ids = ids[np.lexsort((ids, np.repeat(np.arange(len(sizes)), sizes)))]
    return kernels.pairs_in_runs(ids.astype(np.int64), bounds[:-1], bounds[1:], window)


def partition_rows(target: np.ndarray, partitions: int) -> list[np.ndarray]:
    """Each partition's rows (`target` numbers them from 0), in their order.

    One sort, not a pass over every row for each partition: a map side on 256 workers made 256.

    >>> [rows.tolist() for rows in partition_rows(np.array([1, 0, 1, 2]), 4)]
    [[1], [0, 2], [3], []]
    """
    # A stable sort of 16-bit numbers is a radix sort: linear, where int64 gets a merge sort.
    order = np.argsort(target.astype(np.uint16) if partitions <= 1 << 16 else target, kind="stable")
    return np.split(order, np.cumsum(np.bincount(target, minlength=partitions))[:-1])


def by_partition(target: np.ndarray, partitions: int, *columns: np.ndarray) -> list[tuple[np.ndarray, ...]]:
    """A shuffle's map side: the rows of `columns`, one set per partition (`target`), in their order."""
    # Each piece gathered on its own, not sliced from one sorted copy: a slice would hold the whole
    # copy in memory until its last piece is gone, spilled or not.
    return [tuple(c[rows] for c in columns) for rows in partition_rows(target, partitions)]


def runs(keys: np.ndarray, max_size: int | None = None, min_size: int = 2,
         stable: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows sorted by key, and the bounds of each run of `min_size` or more (and at most `max_size`) equal keys;
    a run's rows in their order when `stable`, else in any.

    >>> order, starts, ends = runs(np.array([5, 3, 5, 9, 3, 5], dtype=np.uint64))
    >>> [order[s:e].tolist() for s, e in zip(starts, ends)]
    [[1, 4], [0, 2, 5]]
    """
    order = np.argsort(keys, kind="stable" if stable else None)
    ordered = keys[order]
    edges = np.flatnonzero(ordered[1:] != ordered[:-1]) + 1
    starts = np.concatenate(([0], edges))
    ends = np.concatenate((edges, [len(keys)]))
    sizes = ends - starts
    keep = (sizes >= min_size) if max_size is None else (sizes >= min_size) & (sizes <= max_size)
    return order, starts[keep], ends[keep]
