"""Verified pairs into clusters, and the member each cluster keeps.

Pairs are split into connected components by min-label propagation over whole arrays (a cluster
may find them where the pairs are, :mod:`audit.similarity.stars`), and joined into clusters a
batch of components at a time by union-find, with a linkage rule that keeps one shared page
template from chaining two stories together.
"""

from __future__ import annotations

import operator
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace

import numpy as np

from audit.records import Cluster, DocumentSummary, DuplicatePair
from audit.settings import SimilaritySettings
from audit.similarity.verify import Edges

#: Verified pairs clustered at a time, about (the linkage's state costs a few hundred bytes a pair).
CLUSTER_PAIRS = 100_000


def min_labels(a: np.ndarray, b: np.ndarray, nodes: int) -> np.ndarray:
    """Connected components of the graph on nodes 0..nodes-1 with edges (a, b): each node's label
    is the smallest node of its component.

    Min-label propagation with pointer jumping, in bulk: each round hooks every edge's two
    labels to the smaller of them, then shortens the chains, until no edge joins two labels.
    The rounds grow with the logarithm of a component's size, not with its diameter.

    >>> min_labels(np.array([3, 1, 4]), np.array([4, 2, 0]), 6).tolist()
    [0, 1, 1, 0, 0, 5]
    """
    labels = np.arange(nodes, dtype=np.int64)
    while True:
        la, lb = labels[a], labels[b]
        low = np.minimum(la, lb)
        hooked = labels.copy()
        for ends in (a, b, la, lb):
            np.minimum.at(hooked, ends, low)
        while not np.array_equal(jumped := hooked[hooked], hooked):
            hooked = jumped
        if np.array_equal(hooked, labels):
            return labels
        labels = hooked


def copy_groups(documents: int, copies: np.ndarray, joined: Iterable[Sequence[int]] = ()) -> np.ndarray:
    """Each of `documents` documents' group: the smallest index among the documents it is a copy of.

    `copies` are the pairs of documents that share enough prose lines
    (:func:`audit.similarity.candidates.copy_pairs`, or found on a cluster); `joined` are sets of documents
    already known to be copies (near-duplicate clusters' members, by index). An array over the
    corpus, labelled in bulk (:func:`min_labels`): as a list of Python ints, found one by one,
    it was three passes of the corpus's documents on the scan's process.

    >>> copy_groups(5, np.array([[0, 2], [2, 4]]), [[1, 3]]).tolist()
    [0, 1, 0, 1, 0]
    """
    firsts, others = [], []
    for members in joined:
        firsts += [members[0]] * (len(members) - 1)
        others += members[1:]
    a = np.concatenate([np.asarray(firsts, dtype=np.int64), copies[:, 0].astype(np.int64)])
    b = np.concatenate([np.asarray(others, dtype=np.int64), copies[:, 1].astype(np.int64)])
    return min_labels(a, b, documents)


def components(i: np.ndarray, j: np.ndarray, batch: int = CLUSTER_PAIRS) -> Iterator[np.ndarray]:
    """The pairs (i, j) in batches of whole connected components, `batch` pairs or so a batch
    (a bigger component alone): index arrays into the pairs, by component, each component's
    ascending."""
    if not len(i):
        return
    nodes, ends = np.unique(np.concatenate([i, j]), return_inverse=True)
    label = min_labels(ends[:len(i)], ends[len(i):], len(nodes))[ends[:len(i)]]
    order = np.argsort(label, kind="stable")
    starts = np.flatnonzero(np.concatenate(([True], np.diff(label[order]) != 0)))
    # A batch starts at the first component to start past each multiple of `batch`.
    cuts = starts[np.concatenate(([True], np.diff(starts // batch) > 0))]
    for start, end in zip(cuts.tolist(), [*cuts[1:].tolist(), len(i)]):
        yield order[start:end]


def by_components(edges: Edges, batch: int = CLUSTER_PAIRS) -> Iterator[Edges]:
    """The pairs of `edges` in batches of whole connected components (:func:`components`), each
    batch in the order of `edges`."""
    for rows in components(edges.i, edges.j, batch):
        yield edges.take(np.sort(rows))


def cluster(i: np.ndarray, j: np.ndarray, strength: np.ndarray, min_link_share: float) -> list[list[int]]:
    """Join documents into clusters (union-find), strongest pairs first.

    The pairs are (i, j), their strengths `strength` (what orders the merges; see :class:`Edges`).
    Two groups join only when the verified pairs between them reach `min_link_share` of all
    the pairs between them (average linkage): a document joins a group it matches well, but
    two groups joined by one pair of page dumps that share their site's template stay apart.
    Returns the members of each cluster of two or more, each sorted.

    Its state costs a few hundred bytes a pair, so :func:`clustered` calls it for a batch of
    connected components at a time (no merge ever crosses one).
    """
    firsts, seconds = i.tolist(), j.tolist()
    # Only documents in some pair take part: dicts, not lists over the whole corpus.
    nodes = set(firsts) | set(seconds)
    parent = {x: x for x in nodes}
    size = dict.fromkeys(nodes, 1)
    links: dict[int, Counter[int]] = {x: Counter() for x in nodes}
    for x, y in zip(firsts, seconds):
        links[x][y] += 1
        links[y][x] += 1

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for k in np.lexsort((j, i, -strength)).tolist():
        a, b = find(firsts[k]), find(seconds[k])
        if a == b or links[a][b] < min_link_share * size[a] * size[b]:
            continue
        if size[a] < size[b]:
            a, b = b, a
        parent[b] = a
        size[a] += size[b]
        # The joined group's links to every other group are the sums of its parts' links.
        for g, n in links[b].items():
            if g != a:
                links[a][g] += n
                links[g][a] += n
                del links[g][b]
        del links[a][b]
        links[b] = Counter()
    groups: dict[int, list[int]] = defaultdict(list)
    for x in nodes:
        groups[find(x)].append(x)
    return [sorted(m) for m in groups.values() if len(m) > 1]


def clustered(batches: Iterable[Edges], summaries: list[DocumentSummary],
              settings: SimilaritySettings) -> tuple[list[Cluster], list[DuplicatePair], list[list[int]]]:
    """The clusters of the verified pairs, the pairs to report (the clusters' ties and the
    pairs the linkage rule kept apart: they show why two similar documents were not joined),
    in the order of their documents, and each cluster's members by index.

    `batches` hold whole connected components (:func:`by_components`; no merge ever crosses one),
    so only a batch's pairs are ever Python objects, and the batches may come one at a time.
    """
    found: list[tuple[list[int], Cluster]] = []
    listed: list[tuple[int, int, DuplicatePair]] = []
    for part in batches:
        groups = cluster(part.i, part.j, part.strength, settings.min_link_share)
        group_of = {m: g for g, members in enumerate(groups) for m in members}
        gi = np.array([group_of.get(x, -1) for x in part.i.tolist()], dtype=np.int64)
        gj = np.array([group_of.get(x, -2) for x in part.j.tolist()], dtype=np.int64)
        inside = np.flatnonzero(gi == gj)
        by_group = inside[np.argsort(gi[inside], kind="stable")]
        # Every cluster has a pair inside: its runs of `by_group` start at these.
        starts = np.searchsorted(gi[by_group], np.arange(len(groups)))
        weakest = np.minimum.reduceat(part.strength[by_group], starts).tolist() if len(groups) else []
        least_contained = np.minimum.reduceat(np.where(part.contained, part.containment, np.inf)[by_group],
                                              starts).tolist() if len(groups) else []
        least_similar = np.minimum.reduceat(np.where(part.contained, np.inf, part.similarity)[by_group],
                                            starts).tolist() if len(groups) else []
        inner, bounds = by_group.tolist(), [*starts.tolist(), len(by_group)]
        contained, firsts = part.contained.tolist(), part.first.tolist()
        ties: dict[int, DuplicatePair] = {}
        for g, members in enumerate(groups):
            mine = inner[bounds[g]:bounds[g + 1]]
            pairs = [part.pair(k, summaries) for k in mine]
            row_of = {id(p): k for p, k in zip(pairs, mine)}
            containers = frozenset(int(part.i[k] + part.j[k]) - firsts[k] for k in mine if contained[k])
            kept, reason = keep(members, summaries, settings.keep, containers)
            tied = with_ties_only(Cluster([summaries[m].id for m in members], summaries[kept].id, reason, weakest[g], pairs,
                                          least_contained[g] if least_contained[g] != np.inf else None,
                                          least_similar[g] if least_similar[g] != np.inf else None))
            ties.update((row_of[id(p)], p) for p in tied.pairs)
            found.append((members, tied))
        # Pairs inside a cluster are stood for by its ties; the others stay listed.
        shown = np.ones(len(part), dtype=bool)
        shown[inside] = False
        shown[np.fromiter(ties, dtype=np.int64, count=len(ties))] = True
        ends_i, ends_j = part.i.tolist(), part.j.tolist()
        listed += [(ends_i[k], ends_j[k], ties.get(k) or part.pair(k, summaries)) for k in np.flatnonzero(shown).tolist()]
    listed.sort(key=operator.itemgetter(0, 1))
    found.sort(key=operator.itemgetter(0))
    return [c for _, c in found], [p for _, _, p in listed], [members for members, _ in found]


def _flagged_share(s: DocumentSummary) -> float:
    return s.flagged_lines / s.text_lines if s.text_lines else 1.0


def keep(members: list[int], summaries: list[DocumentSummary], policy: str, containers: frozenset[int] = frozenset()) -> tuple[int, str]:
    """The member a cluster keeps, and why (see ``SimilaritySettings.keep``).

    `containers` are the members that contain another member: for "cleanest", a container
    holds the contained text plus more, which is usually page furniture, so it is passed over.
    """
    if policy == "earliest":
        return min(members), "read first"
    if policy == "cleanest":
        lengths = sorted(summaries[i].words for i in members)
        median = lengths[(len(lengths) - 1) // 2]  # the lower median: of two, the shorter
        # A truncated copy (a title, a teaser) is clean but says less: only whole copies compete.
        whole = [i for i in members if summaries[i].words >= median / 2]
        best = min(whole, key=lambda i: (i in containers, _flagged_share(summaries[i]), -summaries[i].words, i))
        return best, "fewest flagged lines" if best not in containers else "fewest flagged lines (all contain another)"
    return min(members, key=lambda i: (-summaries[i].words, i)), "longest"


def with_ties_only(cluster: Cluster) -> Cluster:
    """The cluster with only the pairs that tie its members to it (see :meth:`Cluster.links`).

    A cluster of n copies may hold n x 200 verified pairs; its n - 1 ties say all that the
    report and the duplicate findings need, and keep the JSON report linear in the corpus.
    """
    ties = {id(pair): pair for pair, _, _ in cluster.links().values() if pair is not None}
    return replace(cluster, pairs=[p for p in cluster.pairs if id(p) in ties])
