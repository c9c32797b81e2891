"""Candidate pairs for verification, found from the compact summaries alone.

LSH bands of the MinHash signatures find documents similar as wholes; shared anchors (a
content-defined sample of shingles) find a document contained in a longer one, where Jaccard
similarity is low; the passages' band keys find passages shared between sources; shared prose
lines find copies of one text (for the template count). Nothing here reads a text: verification
(:mod:`audit.similarity.verify`) decides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy as np

from audit.lines.templates import MAX_COPY_EVIDENCE
from audit.records import DocumentSummary
from audit.settings import SimilaritySettings
from audit.similarity import kernels
from audit.similarity.keystore import PassageKeys
from audit.similarity.lsh import band_keys, key_pairs, runs, unique_pairs
from audit.similarity.work import Run, here

#: Each item is paired with at most this many others sharing one band key or anchor.
MAX_PAIRS_PER_KEY = 200
#: Signatures turned into band keys at a time (bounds the temporary arrays).
CHUNK = 50_000
#: Passage rows paired at a time, at most (about 30 a document; see :func:`passage_candidates`).
PART_ROWS = 4_000_000
#: Anchors are matched in 2**ANCHOR_BITS parts, by their top bits (bounds the sorting arrays).
ANCHOR_BITS = 3
ANCHOR_PARTS = 1 << ANCHOR_BITS


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


def document_candidates(summaries: list[DocumentSummary], settings: SimilaritySettings, run: Run = here) -> np.ndarray:
    """Pairs of document indexes whose signatures agree on some LSH band, as an (m, 2) array,
    sorted; each band's pairs found by a call of `run`."""
    signed = np.array([i for i, s in enumerate(summaries) if s.signature is not None], dtype=np.int64)
    keys = _keys((summaries[i].signature for i in signed), len(signed), settings.num_perm,
                 settings.document_bands, settings.document_rows)
    found = run(key_pairs, ((np.ascontiguousarray(keys[:, b]), signed, MAX_PAIRS_PER_KEY) for b in range(keys.shape[1])))
    return unique_pairs(np.concatenate([np.zeros((0, 2), dtype=np.int64), *found]))


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
    """Pairs of documents that are copies by their prose lines (see :mod:`audit.lines.templates`): they
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


def passage_candidates(summaries: list[DocumentSummary], settings: SimilaritySettings,
                       keys: PassageKeys | None = None, run: Run = here) -> np.ndarray:
    """Pairs of passages from different sources, as :func:`apart` gives them.

    `keys` are the passages' band keys (by default those the summaries hold). The pairs of each
    band are found apart, each band by a call of `run`, and past ``PART_ROWS`` rows in parts by
    the keys' top bits (equal keys share a part, so the pairs are the same): only a part of one
    band is in memory at a time, in each call.
    """
    if keys is None:
        with PassageKeys.of(summaries, settings.passage_bands) as held:
            return passage_candidates(summaries, settings, held, run)
    if not keys.rows:
        return np.zeros((0, 4), dtype=np.int64)
    bits = max(0, int(np.ceil(np.log2(keys.rows / PART_ROWS)))) if keys.rows > PART_ROWS else 0

    def calls() -> Iterator[tuple[np.ndarray, np.ndarray | None, int]]:
        for b in range(keys.bands):
            band = keys.band(b)
            if not bits:
                # The whole band: its rows are 0, 1, … (None), which need not be sent.
                yield np.asarray(band), None, MAX_PAIRS_PER_KEY
                continue
            part = np.zeros(len(band), dtype=np.uint8)
            for at in range(0, len(band), PART_ROWS):
                part[at:at + PART_ROWS] = band[at:at + PART_ROWS] >> np.uint64(64 - bits)
            for p in range(1 << bits):
                rows = np.flatnonzero(part == p)
                yield np.asarray(band[rows]), rows, MAX_PAIRS_PER_KEY
    pairs = np.zeros((0, 2), dtype=np.int64)
    for found in run(key_pairs, calls()):
        pairs = unique_pairs(np.concatenate([pairs, found]))
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
                   passage_keys: PassageKeys | None = None, run: Run = here) -> tuple[np.ndarray, np.ndarray]:
    """The :data:`Candidates` of this process: band keys and anchors paired here, each band's
    pairs by a call of `run` (a pool's, or :func:`here`)."""
    return (np.concatenate([document_candidates(summaries, settings, run), containment_candidates(summaries, settings)]),
            passage_candidates(summaries, settings, passage_keys, run))
