"""The corpus pass for near-duplicates: candidates, exact verification, clusters, shared passages.

Candidates come from two sketches in the summaries: LSH bands of the MinHash signatures find
documents similar as wholes, and shared anchors (a content-defined sample of shingles) find a
document contained in a longer one, where Jaccard similarity is low. Every candidate is then
verified on the shingle hashes of the documents involved, which the caller re-reads (no text is
held for the rest). Verified pairs are held as columns (:class:`Edges`), split into connected
components by min-label propagation over whole arrays (a cluster may find them where the pairs
are, :mod:`audit.stars`), and joined into clusters a batch of components at a time by union-find,
with a linkage rule that keeps one shared page template from chaining two stories together.
"""

from __future__ import annotations

import operator
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from functools import partial

import numpy as np

from audit import kernels
from audit.analyze import body_text
from audit.lsh import band_keys, local_pairs, runs, unique_pairs
from audit.minhash import shingle_sets, shingles
from audit.normalize import words
from audit.records import Cluster, DocumentSummary, DuplicatePair, PassagePair, Span
from audit.settings import SimilaritySettings
from audit.spool import Closing, Shelf
from audit.templates import MAX_COPY_EVIDENCE

#: Given document indexes, yields (index, body lines) for each: the texts needed for verification.
Loader = Callable[[set[int]], Iterable[tuple[int, list[str]]]]
#: A shared passage's place: (document, line, document, line).
PassageKey = tuple[int, int, int, int]
#: For each pair of documents: the size of the intersection of their shingle sets, the two sets'
#: sizes, and the MinHash estimate of their Jaccard (0 where the pair fails the loose cut,
#: :func:`loosely`, and is not looked at again).
Counts = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
#: Given unique pairs of document indexes (an (m, 2) array, sorted), the passage candidates (an
#: (n, 4) array, :func:`apart`) and the settings: the pairs that hold (:func:`verify`), in batches of whole connected components
#: (:func:`by_components`), and the shared passages verified (:func:`compare_loaded` here; a
#: cluster compares where it re-reads the documents, and may find the components there).
Comparer = Callable[[np.ndarray, np.ndarray, SimilaritySettings], tuple[Iterable["Edges"], list[PassagePair]]]
#: Each item is paired with at most this many others sharing one band key or anchor.
MAX_PAIRS_PER_KEY = 200
#: Signatures turned into band keys at a time (bounds the temporary arrays).
CHUNK = 50_000
#: Candidate pairs verified at a time: the shingle sets of at most twice as many documents are
#: in memory at once (a few KB each).
VERIFY_BLOCK = 16_384
#: Verified pairs clustered at a time, about (the linkage's state costs a few hundred bytes a pair).
CLUSTER_PAIRS = 100_000
#: Passage rows paired at a time, at most (about 30 a document; see :func:`passage_candidates`).
PART_ROWS = 4_000_000
#: Anchors are matched in 2**ANCHOR_BITS parts, by their top bits (bounds the sorting arrays).
ANCHOR_BITS = 3
ANCHOR_PARTS = 1 << ANCHOR_BITS


@dataclass
class Duplicates:
    """What the corpus pass found: the pairs to report (clusters' ties and the pairs the linkage
    rule kept apart), the clusters and the shared passages."""

    pairs: list[DuplicatePair]
    clusters: list[Cluster]
    passage_pairs: list[PassagePair]


def exact_jaccard(a: set[str], b: set[str]) -> float:
    """Jaccard similarity of two sets (0 when both are empty).

    >>> exact_jaccard({"a", "b"}, {"b", "c"})
    0.3333
    """
    union = len(a | b)
    return round(len(a & b) / union, 4) if union else 0.0


def _keys(signatures: Iterable[np.ndarray], count: int, num_perm: int, bands: int, rows: int) -> np.ndarray:
    keys = np.empty((count, bands), dtype=np.uint64)
    block: list[np.ndarray] = []
    at = 0
    for s in signatures:
        block.append(s)
        if len(block) == CHUNK:
            keys[at:at + len(block)] = band_keys(np.stack(block), bands, rows)
            at += len(block)
            block = []
    if block:
        keys[at:at + len(block)] = band_keys(np.stack(block), bands, rows)
    return keys


def document_candidates(summaries: list[DocumentSummary], settings: SimilaritySettings) -> np.ndarray:
    """Pairs of document indexes whose signatures agree on some LSH band, as an (m, 2) array."""
    signed = np.array([i for i, s in enumerate(summaries) if s.signature is not None], dtype=np.int64)
    keys = _keys((summaries[i].signature for i in signed), len(signed), settings.num_perm,
                 settings.document_bands, settings.document_rows)
    return signed[local_pairs(keys, MAX_PAIRS_PER_KEY)]


def containment_candidates(summaries: list[DocumentSummary], settings: SimilaritySettings) -> np.ndarray:
    """Pairs of documents that share enough anchors for the smaller to be inside the larger.

    An anchor in more than ``max_anchor_documents`` documents is left out (template text). A
    pair is kept when the shared anchors reach half of ``min_containment`` times the smaller
    document's anchors (:func:`anchor_share`): loose, because verification decides and a short
    text has few anchors. Anchors are grouped in `ANCHOR_PARTS` parts by their top bits, one part
    at a time, which bounds the sorting arrays to a fraction of all anchors (one anchor's
    documents share a part); a cluster shuffles them by anchor instead.
    """
    eligible = np.array([i for i, s in enumerate(summaries) if anchored(s, settings)], dtype=np.int64)
    counts = np.zeros(len(summaries), dtype=np.int64)
    counts[eligible] = [len(summaries[i].anchors) for i in eligible.tolist()]
    found_pairs, found_counts = [np.zeros((0, 2), dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for part in range(ANCHOR_PARTS):
        owners, anchors = [], []
        # A block of documents at a time, so that the part's anchors are a few arrays, not two
        # small ones per document.
        for at in range(0, len(eligible), CHUNK):
            docs = eligible[at:at + CHUNK]
            block = np.concatenate([summaries[i].anchors for i in docs.tolist()])
            owner = np.repeat(docs, counts[docs])
            mine = (block >> np.uint64(64 - ANCHOR_BITS)) == part
            anchors.append(block[mine])
            owners.append(owner[mine])
        if owners:
            pairs, n = sharing_pairs(np.concatenate(anchors), np.concatenate(owners), settings.max_anchor_documents)
            found_pairs.append(pairs)
            found_counts.append(n)
    # A pair's anchors may lie in several parts: add its counts up.
    pairs, n, _ = added_up(np.concatenate(found_pairs), np.concatenate(found_counts))
    return pairs[enough_shared(n, np.minimum(counts[pairs[:, 0]], counts[pairs[:, 1]]), anchor_share(settings))]


def anchored(summary: DocumentSummary, settings: SimilaritySettings) -> bool:
    """Whether a document may be found inside another: long enough, and with anchors."""
    return summary.words >= settings.min_containment_words and len(summary.anchors) > 0


def sharing_pairs(keys: np.ndarray, owners: np.ndarray, most: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct pairs of documents (`owners`, one per key row) that share keys, and how many
    they share, from rows that hold every row of each of their keys (in any order). Each
    document holds a key once: its anchors, or its prose lines' keys. A key of more than `most`
    documents is left out; in each key's run a document is paired with the next
    `MAX_PAIRS_PER_KEY` by index, so the pairs do not depend on the rows' order."""
    by_owner = np.argsort(owners, kind="stable")
    order, starts, ends = runs(keys[by_owner], most)
    pairs = _all_pairs(owners[by_owner][order].astype(np.int64), starts, ends)
    pairs, n, _ = added_up(pairs, np.ones(len(pairs), dtype=np.int64))
    return pairs, n


def added_up(pairs: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct pairs, sorted, with their counts `n` added up, and the row of each pair's
    first occurrence (to pick other columns by).

    >>> p, n, first = added_up(np.array([[2, 5], [0, 9], [2, 5]]), np.array([1, 2, 3]))
    >>> p.tolist(), n.tolist(), first.tolist()
    ([[0, 9], [2, 5]], [2, 4], [1, 0])
    """
    if not len(pairs):
        return pairs.reshape(0, 2).astype(np.int64), n[:0], np.zeros(0, dtype=np.int64)
    width = int(pairs[:, 1].max()) + 1
    flat = pairs[:, 0].astype(np.int64) * width + pairs[:, 1]
    order = np.argsort(flat, kind="stable")
    keys, first = np.unique(flat[order], return_index=True)
    return np.stack([keys // width, keys % width], axis=1), np.add.reduceat(n[order], first), order[first]


def anchor_share(settings: SimilaritySettings) -> float:
    """The share of its anchors a document must share with another to be a containment candidate."""
    return 0.5 * settings.min_containment


def enough_shared(shared: np.ndarray, smaller: np.ndarray, share: float) -> np.ndarray:
    """Which pairs share (`shared`) at least `share` of the keys of the document with fewer (`smaller`)."""
    return shared >= share * smaller


def copy_pairs(prose_keys: Sequence[np.ndarray | None], min_share: float) -> np.ndarray:
    """Pairs of documents that are copies by their prose lines (see :mod:`audit.templates`): they
    share at least `min_share` of the distinct prose-line keys of the one with fewer. A key of
    more than MAX_COPY_EVIDENCE documents is no evidence; the others' documents are all paired,
    since MAX_COPY_EVIDENCE is inside :func:`sharing_pairs`' window."""
    sizes = np.array([0 if k is None else len(k) for k in prose_keys], dtype=np.int64)
    keys = np.concatenate([np.zeros(0, dtype=np.uint64)] + [k for k in prose_keys if k is not None])
    pairs, shared = sharing_pairs(keys, np.repeat(np.arange(len(sizes), dtype=np.int64), sizes), MAX_COPY_EVIDENCE)
    return pairs[enough_shared(shared, np.minimum(sizes[pairs[:, 0]], sizes[pairs[:, 1]]), min_share)]


def _all_pairs(owners: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    pairs = kernels.pairs_in_runs(owners, starts, ends, MAX_PAIRS_PER_KEY)
    return pairs[pairs[:, 0] != pairs[:, 1]]


class PassageKeys(Closing):
    """The band keys of every passage of the corpus and whose they are, on disk: one file a column.

    A million news articles have some twenty million passages, whose keys (25 bands of 8 bytes)
    would outweigh every other part of the summaries together; candidates are found one band at
    a time, so only one column is ever read back. Rows are added document by document, buffered
    and appended to the files in blocks; use it as a context manager. The files are anonymous
    (unlinked as they are made), so even a killed run leaves none behind.
    """

    #: Rows buffered before they are appended to the files.
    BLOCK = 100_000

    def __init__(self, bands: int) -> None:
        self.bands = bands
        self._rows = 0
        # Columns 0..bands-1 hold the keys; then the document index and the passage index.
        self._files = [tempfile.TemporaryFile(prefix="corpus-audit-passages-") for _ in range(bands + 2)]
        self._pending: list[tuple[int, np.ndarray]] = []
        self._pending_rows = 0

    def close(self) -> None:
        for f in self._files:
            f.close()

    @classmethod
    def of(cls, summaries: list[DocumentSummary], bands: int) -> PassageKeys:
        """The keys held by the summaries (which keep them)."""
        store = cls(bands)
        for i, s in enumerate(summaries):
            if s.passage_keys is not None:
                store.add(i, s.passage_keys)
        return store

    def add(self, document: int, keys: np.ndarray) -> None:
        """Append the keys of one document's passages (one row per passage, in passage order)."""
        if not len(keys):
            return
        self._pending.append((document, keys))
        self._pending_rows += len(keys)
        if self._pending_rows >= self.BLOCK:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        keys = np.concatenate([k for _, k in self._pending])
        document = np.concatenate([np.full(len(k), d, dtype=np.int64) for d, k in self._pending])
        passage = np.concatenate([np.arange(len(k), dtype=np.int64) for _, k in self._pending])
        for c, column in enumerate([keys[:, b] for b in range(self.bands)] + [document, passage]):
            self._files[c].write(np.ascontiguousarray(column).tobytes())
        self._rows += len(keys)
        self._pending, self._pending_rows = [], 0

    @property
    def rows(self) -> int:
        """Passage rows added so far."""
        self._flush()
        return self._rows

    def _column(self, c: int, dtype: type) -> np.ndarray:
        # Mapped, not read: a million documents have tens of millions of rows, and the callers
        # read a part of a column at a time.
        if not self.rows:
            return np.zeros(0, dtype=dtype)
        self._files[c].flush()
        return np.memmap(self._files[c], dtype=dtype, mode="r")

    def band(self, b: int) -> np.ndarray:
        """The keys of band `b`, one per passage row (mapped from its file)."""
        return self._column(b, np.uint64)

    def owners(self, rows: np.ndarray | None = None) -> np.ndarray:
        """(document index, passage index) of the given rows (all by default), as an (n, 2) array."""
        document, passage = self._column(self.bands, np.int64), self._column(self.bands + 1, np.int64)
        if rows is None:
            return np.stack([document, passage], axis=1)
        return np.stack([document[rows], passage[rows]], axis=1)


def passage_candidates(summaries: list[DocumentSummary], settings: SimilaritySettings,
                       keys: PassageKeys | None = None) -> np.ndarray:
    """Pairs of passages from different sources, as :func:`apart` gives them.

    `keys` are the passages' band keys (by default those the summaries hold). The pairs of each
    band are found apart, and past ``PART_ROWS`` rows in parts by the keys' top bits (equal keys
    share a part, so the pairs are the same): only a part of one band is in memory at a time.
    """
    if keys is None:
        with PassageKeys.of(summaries, settings.passage_bands) as held:
            return passage_candidates(summaries, settings, held)
    if not keys.rows:
        return np.zeros((0, 4), dtype=np.int64)
    bits = max(0, int(np.ceil(np.log2(keys.rows / PART_ROWS)))) if keys.rows > PART_ROWS else 0
    pairs = np.zeros((0, 2), dtype=np.int64)
    for b in range(keys.bands):
        band = keys.band(b)
        part = np.zeros(len(band), dtype=np.uint8)
        if bits:
            for at in range(0, len(band), PART_ROWS):
                part[at:at + PART_ROWS] = band[at:at + PART_ROWS] >> np.uint64(64 - bits)
        for p in range(1 << bits):
            rows = np.flatnonzero(part == p) if bits else np.arange(len(band))
            found = rows[local_pairs(np.asarray(band[rows])[:, None], MAX_PAIRS_PER_KEY)]
            pairs = unique_pairs(np.concatenate([pairs, found.reshape(-1, 2)]))
    return apart(summaries, keys.owners(pairs[:, 0]), keys.owners(pairs[:, 1]))


def apart(summaries: list[DocumentSummary], a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The pairs of passages whose documents differ and come from different sources: an (n, 4)
    array of (document, passage, document, passage) rows, the smaller document first, sorted;
    `a` and `b` are their (document index, passage index) rows. An array, not tuples: a few
    hundred thousand candidates are a few megabytes, not a hundred.

    >>> from audit.records import DocumentSummary
    >>> docs = [DocumentSummary.__new__(DocumentSummary) for _ in range(3)]
    >>> for d, source in zip(docs, ["x", "y", "x"]):
    ...     d.source = source
    >>> apart(docs, np.array([[1, 4], [0, 0], [0, 1]]), np.array([[0, 2], [2, 3], [0, 5]]))
    array([[0, 2, 1, 4]])
    """
    names: dict[str, int] = {}
    source = np.array([names.setdefault(s.source, len(names)) for s in summaries], dtype=np.int64)
    kept = (a[:, 0] != b[:, 0]) & (source[a[:, 0]] != source[b[:, 0]])
    a, b = a[kept], b[kept]
    swap = (a[:, 0] > b[:, 0])[:, None]
    rows = np.concatenate([np.where(swap, b, a), np.where(swap, a, b)], axis=1).astype(np.int64).reshape(-1, 4)
    return rows[np.lexsort(rows.T[::-1])]


#: Given the summaries, the similarity settings and the passages' band keys (where the caller
#: moved them out of the summaries): the pairs of documents whose signatures agree on some LSH
#: band or that share enough anchors (an (m, 2) array, repeats allowed) and the candidate passage
#: pairs (:func:`lsh_candidates` here; a cluster makes and shuffles the band keys and anchors
#: where the summaries were made).
Candidates = Callable[[list[DocumentSummary], SimilaritySettings, "PassageKeys | None"],
                      tuple[np.ndarray, np.ndarray]]


def lsh_candidates(summaries: list[DocumentSummary], settings: SimilaritySettings,
                   passage_keys: PassageKeys | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The :data:`Candidates` of this process: band keys and anchors paired here."""
    return (np.concatenate([document_candidates(summaries, settings), containment_candidates(summaries, settings)]),
            passage_candidates(summaries, settings, passage_keys))


@dataclass
class Quoted:
    """What quoting a document's shared passages needs of its summary."""

    id: str
    source: str
    #: As :attr:`DocumentSummary.passages`.
    passages: np.ndarray


@dataclass
class Edges:
    """The verified pairs as columns, in the order of the candidate pairs: about 60 bytes a pair,
    where a pair as Python objects costs hundreds. :class:`DuplicatePair` records are made only
    for the pairs a report shows (:meth:`pair`)."""

    i: np.ndarray
    j: np.ndarray
    #: The pair's first document: the contained one of a "contained" pair, else `i`.
    first: np.ndarray
    estimated: np.ndarray
    similarity: np.ndarray
    containment: np.ndarray
    contained: np.ndarray
    #: What orders the merges: containment for a contained pair, Jaccard otherwise (or the
    #: containment, where it counts and is higher).
    strength: np.ndarray

    def __len__(self) -> int:
        return len(self.i)

    def take(self, rows: np.ndarray) -> Edges:
        """The pairs at `rows` (an index array), copied."""
        return Edges(*(getattr(self, f.name)[rows] for f in fields(self)))

    @classmethod
    def zeros(cls, n: int) -> Edges:
        """`n` pairs of zeros, to be filled in place."""
        return cls(*(np.zeros(n, dtype=np.int64) for _ in range(3)), *(np.zeros(n) for _ in range(3)),
                   np.zeros(n, dtype=bool), np.zeros(n))

    @classmethod
    def concatenated(cls, parts: Sequence[Edges]) -> Edges:
        """The pairs of `parts`, one part after the other."""
        if not parts:
            return cls.zeros(0)
        return cls(*(np.concatenate([getattr(e, f.name) for e in parts]) for f in fields(cls)))

    @classmethod
    def joined(cls, parts: Sequence[Edges]) -> Edges:
        """The pairs of `parts`, in the order of their documents (i, then j): the order of the
        candidate pairs, and so of the pairs one process verifies."""
        edges = cls.concatenated(parts)
        return edges.take(np.lexsort((edges.j, edges.i)))

    def pair(self, k: int, summaries: list[DocumentSummary]) -> DuplicatePair:
        """Verified pair `k` as a record."""
        first = int(self.first[k])
        second = int(self.i[k]) + int(self.j[k]) - first
        return DuplicatePair(summaries[first].id, summaries[second].id, float(self.estimated[k]),
                             float(self.similarity[k]), float(self.containment[k]),
                             "contained" if self.contained[k] else "near-duplicate")


def intersections(pairs: np.ndarray, sets: Mapping[int, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each pair of documents, the size of the intersection of their shingle sets and the two
    sets' sizes.

    Counted by a compiled merge, a block of pairs at a time: only the sets one block needs are
    in memory at once (`sets` may be on disk, a :class:`audit.spool.Shelf`), and a bucket of
    thousands of copies, which gives hundreds of thousands of pairs, costs one call a block.
    A pair with a document `sets` lacks (not found again: its file changed meanwhile) shares
    nothing, and all three of its numbers are 0, as on a cluster (:mod:`audit.dask_engine`).
    """
    inter, size_a, size_b = (np.zeros(len(pairs), dtype=np.int64) for _ in range(3))
    for at in range(0, len(pairs), VERIFY_BLOCK):
        block = pairs[at:at + VERIFY_BLOCK]
        docs = np.unique(block)
        found = [sets.get(d) for d in docs.tolist()]
        held = np.array([f is not None for f in found], dtype=bool)
        found = [f if f is not None else np.zeros(0, dtype=np.uint64) for f in found]
        sizes = np.array([len(f) for f in found], dtype=np.int64)
        bounds = np.concatenate(([0], np.cumsum(sizes)))
        values = np.concatenate(found) if found else np.zeros(0, dtype=np.uint64)
        left, right = np.searchsorted(docs, block[:, 0]), np.searchsorted(docs, block[:, 1])
        both = held[left] & held[right]
        inter[at:at + len(block)] = kernels.intersection_sizes(values, bounds, left, right)
        size_a[at:at + len(block)], size_b[at:at + len(block)] = sizes[left] * both, sizes[right] * both
    return inter, size_a, size_b


def verify(pairs: np.ndarray, counts: Counts, words: np.ndarray, settings: SimilaritySettings) -> Edges:
    """The candidate pairs that hold: near-duplicates by Jaccard, or one contained in the other.

    `counts` are each pair's shingle intersection, set sizes and MinHash estimate (:data:`Counts`);
    `words` each pair's two documents' word counts (an (m, 2) array: a document too short is
    never "contained").
    """
    inter, size_a, size_b, estimated = counts
    passing = np.flatnonzero(loosely(inter, size_a, size_b, settings))
    estimates = estimated[passing]
    # Columns filled in place, not lists of Python floats: a big bucket passes millions of pairs.
    edges = Edges.zeros(len(passing))
    n_kept = 0
    # Python numbers a block at a time: a list of millions of them costs 30 bytes each.
    blocks = ((passing[at:at + CHUNK].tolist(), estimates[at:at + CHUNK].tolist()) for at in range(0, len(passing), CHUNK))
    for k, estimate in ((k, e) for ks, es in blocks for k, e in zip(ks, es)):
        i, j, n, la, lb = int(pairs[k, 0]), int(pairs[k, 1]), int(inter[k]), int(size_a[k]), int(size_b[k])
        # Python's round, not NumPy's: the scores in the report are the decimals it gives.
        similarity = round(n / (la + lb - n), 4)
        # The smaller document (fewer shingles; earlier on a tie) is the one that may be inside.
        small = i if (la, i) <= (lb, j) else j
        containment = round(n / min(la, lb), 4)
        contained = containment >= settings.min_containment and words[k, int(small != i)] >= settings.min_containment_words
        if similarity >= settings.min_document_similarity:
            is_contained, strength = False, max(similarity, containment if contained else 0.0)
        elif contained:
            is_contained, strength = True, containment
        else:
            continue
        edges.i[n_kept], edges.j[n_kept], edges.first[n_kept] = i, j, small if is_contained else i
        edges.estimated[n_kept], edges.similarity[n_kept] = round(estimate, 4), similarity
        edges.containment[n_kept], edges.contained[n_kept], edges.strength[n_kept] = containment, is_contained, strength
        n_kept += 1
    return edges if n_kept == len(passing) else edges.take(np.arange(n_kept))


def loosely(inter: np.ndarray, size_a: np.ndarray, size_b: np.ndarray, settings: SimilaritySettings) -> np.ndarray:
    """Which pairs pass a loose first cut in bulk, before the exact, rounded test of
    :func:`verify`: most candidates of a big bucket fail or pass by far. A pair with an empty
    set (or a document not found again) fails."""
    with np.errstate(divide="ignore", invalid="ignore"):
        loose = ((inter / (size_a + size_b - inter) >= settings.min_document_similarity - 1e-3)
                 | (inter / np.minimum(size_a, size_b) >= settings.min_containment - 1e-3))
    return (size_a > 0) & (size_b > 0) & loose


def pair_counts(pairs: np.ndarray, sets: Mapping[int, np.ndarray], signature: Callable[[int], np.ndarray],
            settings: SimilaritySettings) -> Counts:
    """The pairs' :data:`Counts`: intersections, and the MinHash estimates (by `signature`, a
    document's signature by its index) of the pairs that pass the loose cut."""
    inter, size_a, size_b = intersections(pairs, sets)
    estimated = np.zeros(len(pairs))
    passing = np.flatnonzero(loosely(inter, size_a, size_b, settings))
    estimated[passing] = _estimates(signature, pairs[passing])
    return inter, size_a, size_b, estimated


def _estimates(signature: Callable[[int], np.ndarray], pairs: np.ndarray) -> np.ndarray:
    """The MinHash estimate of Jaccard (:func:`audit.minhash.jaccard`) of each pair, in blocks."""
    out = np.zeros(len(pairs))
    for at in range(0, len(pairs), CHUNK):
        block = pairs[at:at + CHUNK]
        a = np.stack([signature(i) for i in block[:, 0].tolist()])
        b = np.stack([signature(j) for j in block[:, 1].tolist()])
        out[at:at + len(block)] = (a == b).mean(axis=1)
    return out


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
              settings: SimilaritySettings) -> tuple[list[Cluster], list[DuplicatePair]]:
    """The clusters of the verified pairs, and the pairs to report: the clusters' ties and the
    pairs the linkage rule kept apart (they show why two similar documents were not joined),
    in the order of their documents.

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
                                          least_contained[g] if least_contained[g] != np.inf else None))
            ties.update((row_of[id(p)], p) for p in tied.pairs)
            found.append((members, tied))
        # Pairs inside a cluster are stood for by its ties; the others stay listed.
        shown = np.ones(len(part), dtype=bool)
        shown[inside] = False
        shown[np.fromiter(ties, dtype=np.int64, count=len(ties))] = True
        ends_i, ends_j = part.i.tolist(), part.j.tolist()
        listed += [(ends_i[k], ends_j[k], ties.get(k) or part.pair(k, summaries)) for k in np.flatnonzero(shown).tolist()]
    listed.sort(key=operator.itemgetter(0, 1))
    return [c for _, c in sorted(found, key=lambda mc: mc[0])], [p for _, _, p in listed]


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


def load_sets(loaded: Iterable[tuple[int, list[str]]], size: int) -> Iterator[tuple[int, list[str], np.ndarray]]:
    """(index, body lines, shingle hashes) of re-read documents, hashed in batches."""
    batch: list[tuple[int, list[str]]] = []
    for item in loaded:
        batch.append(item)
        if len(batch) == 256:
            yield from _with_sets(batch, size)
            batch = []
    yield from _with_sets(batch, size)


def _with_sets(batch: list[tuple[int, list[str]]], size: int) -> Iterator[tuple[int, list[str], np.ndarray]]:
    sets = shingle_sets([body_text(lines) for _, lines in batch], size)
    for (i, lines), s in zip(batch, sets):
        yield i, lines, s


def compare_loaded(load: Loader, summaries: list[DocumentSummary], pairs: np.ndarray, passages: np.ndarray,
                   settings: SimilaritySettings) -> tuple[Iterator[Edges], list[PassagePair]]:
    """The :data:`Comparer` of this process: re-read the documents through `load`, compare here."""
    quoted = set(passages[:, [0, 2]].ravel().tolist())
    needed = set(pairs.ravel().tolist()) | quoted
    # The re-read documents' shingle sets wait on disk: at a million documents, the documents in
    # some candidate pair are a few hundred thousand, and their sets gigabytes. The quoted
    # documents' lines too.
    with Shelf[np.ndarray]() as sets, Shelf[list[str]]() as bodies:
        for i, lines, held in load_sets(load(needed), settings.shingle_size) if needed else ():
            sets[i] = held
            if i in quoted:
                bodies[i] = lines
        counts = pair_counts(pairs, sets, lambda i: summaries[i].signature, settings)
        edges = verify(pairs, counts, word_counts(summaries)[pairs], settings)
        return by_components(edges), [p for _, p in shared_passages(passages, summaries, settings, bodies)]


def word_counts(summaries: list[DocumentSummary]) -> np.ndarray:
    """Each document's word count, by index (what :func:`verify` needs of a pair's documents)."""
    return np.fromiter((s.words for s in summaries), dtype=np.int64, count=len(summaries))


def find_duplicates(summaries: list[DocumentSummary], settings: SimilaritySettings, load: Loader,
                    passage_keys: PassageKeys | None = None, compare: Comparer | None = None,
                    candidates: Candidates = lsh_candidates) -> Duplicates:
    """Near-duplicate and contained documents, their clusters, and passages shared between sources.

    `passage_keys` are the passages' band keys where the caller moved them out of the summaries.
    `candidates` finds the LSH candidates (by default here, from the summaries' signatures and
    `passage_keys`); `compare` counts the candidates' shared shingles and verifies the passage
    candidates (by default here, re-reading through `load`).

    Clusters are joined here (:func:`clustered`), a batch of connected components at a time, as
    the comparer gives them: here all the verified pairs are in this process (about 60 bytes a
    pair as columns); a cluster may hold them and give one share of its components at a time.
    Each pair the report lists (the clusters' ties and the pairs kept apart) costs a few hundred
    bytes more.
    """
    doc_pairs, passage_pairs = candidates(summaries, settings, passage_keys)
    pairs = unique_pairs(doc_pairs)
    batches, passages = (compare or partial(compare_loaded, load, summaries))(pairs, passage_pairs, settings)
    clusters, listed = clustered(batches, summaries, settings)
    return Duplicates(listed, clusters, passages)


def with_ties_only(cluster: Cluster) -> Cluster:
    """The cluster with only the pairs that tie its members to it (see :meth:`Cluster.links`).

    A cluster of n copies may hold n x 200 verified pairs; its n - 1 ties say all that the
    report and the duplicate findings need, and keep the JSON report linear in the corpus.
    """
    ties = {id(pair): pair for pair, _, _ in cluster.links().values() if pair is not None}
    return replace(cluster, pairs=[p for p in cluster.pairs if id(p) in ties])


def shared_passages(candidates: np.ndarray, summaries: Sequence[DocumentSummary] | Mapping[int, Quoted],
                    settings: SimilaritySettings, bodies: Mapping[int, Sequence[str] | Mapping[int, str]]) -> list[tuple[PassageKey, PassagePair]]:
    """Verify passage candidates (rows of (document, passage, document, passage)); windows of one
    paragraph matching one paragraph merge into one span.

    Each shared passage comes with its key, (document, line, document, line), by which they are
    sorted: a cluster verifies them in several places, each candidate of one pair of documents in
    the same one, and sorts all by key. `summaries` give the documents' ids, sources and passages;
    `bodies` their lines, 0-based (a document's list of lines, or a mapping of the lines wanted).
    """
    merged: dict[PassageKey, list] = {}
    for i, pi, j, pj in candidates.tolist():
        if i not in bodies or j not in bodies:
            continue  # not found again (its file changed meanwhile): nothing to quote
        (line_a, start_a, end_a), (line_b, start_b, end_b) = summaries[i].passages[pi].tolist(), summaries[j].passages[pj].tolist()
        text_a, text_b = bodies[i][line_a - 1][start_a:end_a], bodies[j][line_b - 1][start_b:end_b]
        similarity = exact_jaccard(set(shingles(words(text_a), settings.passage_shingle_size)),
                                   set(shingles(words(text_b), settings.passage_shingle_size)))
        if similarity < settings.min_passage_similarity:
            continue
        key = (i, line_a, j, line_b)
        if key in merged:
            m = merged[key]
            m[0], m[1] = min(m[0], start_a), max(m[1], end_a)
            m[2], m[3] = min(m[2], start_b), max(m[3], end_b)
            m[4] = max(m[4], similarity)
        else:
            merged[key] = [start_a, end_a, start_b, end_b, similarity]
    shared = []
    for (i, line_a, j, line_b), (sa, ea, sb, eb, similarity) in sorted(merged.items()):
        da, db = summaries[i], summaries[j]
        shared.append(((i, line_a, j, line_b), PassagePair(
            Span(da.id, da.source, (line_a, line_a), bodies[i][line_a - 1][sa:ea]),
            Span(db.id, db.source, (line_b, line_b), bodies[j][line_b - 1][sb:eb]),
            similarity,
        )))
    return shared
