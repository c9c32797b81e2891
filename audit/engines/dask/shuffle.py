"""The Dask engine's shuffles: rows hashed into partitions by key (map side), and what each
partition makes of the rows that land in it (reduce side).

LSH band keys, shared anchors and prose-line keys, template-line keys and verified pairs all go
this way, so that no bucket is ever gathered in one place and the pairs found do not depend on
how the rows were split.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any

import numpy as np

from audit.engines.dask.tasks import Owned, PartKeys, PartLines
from audit.lines.templates import counted
from audit.similarity.candidates import added_up, enough_shared, sharing_pairs
from audit.similarity.lsh import band_keys, by_partition, key_pairs, partition_rows, unique_pairs
from audit.similarity.stars import Rows as StarRows
from audit.similarity.stars import Stars, labels
from audit.similarity.verify import Edges

#: LSH shuffle rows: band (the smallest unsigned type that holds it), key and row id columns.
BandRows = tuple[np.ndarray, np.ndarray, np.ndarray]
#: Shared-key shuffle rows: key, document and the document's key count columns.
KeyRows = tuple[np.ndarray, np.ndarray, np.ndarray]
#: Pairs of documents sharing keys: the (m, 2) pairs, how many keys each shares, and the smaller key count of the two.
SharedCounts = tuple[np.ndarray, np.ndarray, np.ndarray]


def band_rows(keys: np.ndarray, ids: np.ndarray, partitions: int) -> list[BandRows]:
    """Shuffle's map side: band keys (one row of bands per id) as (band, key, row) columns, one
    set per partition."""
    rows, bands = keys.shape
    # A band needs a byte, not eight: it is a third of the rows' bytes between workers otherwise.
    band = np.tile(np.arange(bands, dtype=np.min_scalar_type(max(bands - 1, 0))), rows)
    row = np.repeat(ids.astype(np.int64), bands)
    key = keys.ravel()
    # A run is one (band, key): the band is mixed in so equal keys of different bands may part.
    target = ((key ^ (band.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15))) % np.uint64(partitions)).astype(np.int64)
    return by_partition(target, partitions, band, key, row)  # type: ignore[return-value]


def document_rows(keys: PartKeys, numbers: np.ndarray, bands: tuple[int, int], partitions: int, per_band: int) -> list[BandRows]:
    """Shuffle's map side for documents: a part's keys of bands `first` to `last` (`bands`), each
    row its document's index among the scan's summaries (`numbers`, by position in the part: -1 for
    a record the scan left out)."""
    first, last = bands
    held = numbers[keys.signed]
    mine = held >= 0
    signatures = keys.signatures[mine][:, first * per_band:last * per_band]
    return band_rows(band_keys(signatures, last - first, per_band), held[mine], partitions)


def passage_rows(keys: PartKeys, numbers: np.ndarray, bands: tuple[int, int], partitions: int, stride: int) -> list[BandRows]:
    """Shuffle's map side for passages: as :func:`document_rows`, each row its document's index
    times `stride` plus the passage's index, so rows are in the order of the local engine's."""
    first, last = bands
    held = numbers[keys.passage_owner]
    mine = held >= 0
    return band_rows(keys.passage_keys[mine][:, first:last], held[mine] * stride + keys.passage_index[mine], partitions)


def shared_rows(owned: Owned, numbers: np.ndarray, rounds: tuple[int, int], partitions: int) -> list[KeyRows]:
    """Shuffle's map side for keys shared by documents (anchors, prose lines): a part's (key,
    document, the document's key count) rows of the keys of round `rounds[0]` of `rounds[1]`, by
    key; documents by index among the scan's summaries, as :func:`document_rows`."""
    held = numbers[owned.owner]
    counts = np.bincount(owned.owner)[owned.owner]
    # Anchors are the shingle hashes divisible by a number, so their low bits are alike; the high
    # bits spread them, and the prose lines' hashes as well.
    high = (owned.keys >> np.uint64(32)).astype(np.int64)
    this, of = rounds
    mine = (held >= 0) & (high % of == this)
    key, doc, count, target = owned.keys[mine], held[mine], counts[mine], high[mine] // of % partitions
    return by_partition(target, partitions, key, doc, count)  # type: ignore[return-value]


def sharing_partition(pieces: list[KeyRows], most: int, partitions: int) -> list[SharedCounts]:
    """Shuffle's reduce side for shared keys, and the map side of its second round: the pairs
    of documents sharing keys in one partition, how many, and the smaller key count of the
    two, by pair (a pair's keys may be in several partitions)."""
    key, doc, count = (np.concatenate([p[k] for p in pieces]) for k in range(3))
    pairs, shared = sharing_pairs(key, doc, most)
    docs, first = np.unique(doc, return_index=True)
    of = count[first]
    smaller = np.minimum(of[np.searchsorted(docs, pairs[:, 0])], of[np.searchsorted(docs, pairs[:, 1])])
    target = (pairs[:, 0] * 31 + pairs[:, 1]) % partitions
    return by_partition(target, partitions, pairs, shared, smaller)  # type: ignore[return-value]


def enough_partition(pieces: list[SharedCounts], share: float) -> np.ndarray:
    """Second reduce side for shared keys: the pairs of one partition that share at least `share`
    of the keys of the document with fewer."""
    pairs = np.concatenate([p[0].reshape(-1, 2) for p in pieces])
    pairs, shared, first = added_up(pairs, np.concatenate([p[1] for p in pieces]))
    return pairs[enough_shared(shared, np.concatenate([p[2] for p in pieces])[first], share)]


def template_rows(lines: PartLines, groups: np.ndarray, partitions: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Shuffle's map side for template lines: a part's (line key, copy group) rows, by key; the
    groups are by position in the part (-1 for a record the scan left out)."""
    group = groups[lines.owner]
    mine = group >= 0
    key, group = lines.keys[mine], group[mine]
    # Line keys are hashes already.
    target = (key % np.uint64(partitions)).astype(np.int64)
    return by_partition(target, partitions, key, group)  # type: ignore[return-value]


def count_partition(pieces: list[tuple[np.ndarray, np.ndarray]], minimum: int) -> tuple[np.ndarray, np.ndarray]:
    """Shuffle's reduce side for template lines: the keys of one partition found in `minimum` groups or more."""
    return counted(np.concatenate([k for k, _ in pieces]), np.concatenate([g for _, g in pieces]), minimum)


def pair_partition(pieces: list[BandRows], window: int) -> np.ndarray:
    """Shuffle's reduce side: the colliding pairs among the rows of one partition, band by band."""
    band = np.concatenate([p[0] for p in pieces])
    key = np.concatenate([p[1] for p in pieces])
    row = np.concatenate([p[2] for p in pieces])
    found = [np.zeros((0, 2), dtype=np.int64)]
    for mine in partition_rows(band, int(band.max(initial=0)) + 1):
        if len(mine):
            found.append(key_pairs(key[mine], row[mine], window))
    pairs = np.concatenate(found)
    return unique_pairs(pairs)


def lane(splits: list[list[Any]], indexes: list[int]) -> list[list[tuple[int, Any]]]:
    """The splits of one worker's map tasks (each a list of pieces by partition) as one: for each
    partition, the pieces with their map task's index (`indexes`), so that a partition's reduce
    takes one piece a worker, not one a part, and puts them back in the map tasks' order."""
    return [[(i, split[p]) for i, split in zip(indexes, splits)] for p in range(len(splits[0]) if splits else 0)]


def made(held: list[Any], indexes: list[int], *others: list[Any], make: Callable[..., list[Any]],
         **given: Any) -> list[list[tuple[int, Any]]]:
    """One task: a shuffle's map side for the parts a worker holds, made and joined as a lane
    (:func:`lane`): `make` of each part's `held` item (and its item of each of `others`)."""
    return lane([make(item, *(other[k] for other in others), **given) for k, item in enumerate(held)], indexes)


def from_lanes(reduce: Callable[..., Any], sources: int, *given: Any) -> Any:
    """Shuffle's reduce side, with its pieces from lanes (:func:`lane`): `reduce` of each of the
    first `sources` arguments' pieces in the map tasks' order, and the rest of `given` as they are."""
    ordered = (sorted((item for pieces in lanes for item in pieces), key=itemgetter(0)) for lanes in given[:sources])
    return reduce(*([piece for _, piece in items] for items in ordered), *given[sources:])


def stars_of(edges: Edges) -> Stars:
    return Stars.of(edges.i, edges.j)


def parted(edges: Edges, key: np.ndarray, partitions: int) -> list[Edges]:
    """Shuffle's map side for verified pairs: the pairs by `key` (a number each)."""
    return [edges.take(rows) for rows in partition_rows(key % partitions, partitions)]


def edge_rows(edges: Edges, partitions: int) -> list[Edges]:
    """Map side of the verified pairs' join with their labels: the pairs by their first document."""
    return parted(edges, edges.i, partitions)


def labelled(pieces: list[Edges], settled: list[StarRows], partitions: int) -> list[Edges]:
    """Reduce side of the join, and map side of the last shuffle: a partition's verified pairs by
    their component's label (its smallest document), from the settled stars' rows of the same
    documents (:func:`audit.similarity.stars.labels`)."""
    # In any order: the shares put them in order.
    edges = Edges.concatenated(pieces)
    node, label = labels(np.concatenate([np.zeros(0, dtype=np.int64)] + [n for n, _ in settled]),
                         np.concatenate([np.zeros(0, dtype=np.int64)] + [m for _, m in settled]))
    at = np.searchsorted(node, edges.i)
    found = at < len(node)
    found[found] = node[at[found]] == edges.i[found]
    component = edges.i.copy()
    component[found] = label[at[found]]
    return parted(edges, component, partitions)
