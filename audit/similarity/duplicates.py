"""The corpus pass for near-duplicates, end to end: candidates, verification, clusters, passages.

Candidates come from the summaries (:mod:`audit.similarity.candidates`); every candidate is
verified on the shingle hashes of the documents involved, whose compared lines the caller reads through a
:data:`Loader` (no text is held for the rest; :mod:`audit.similarity.verify`); verified pairs
are joined into clusters (:mod:`audit.similarity.cluster`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial

import numpy as np

from audit.read.spool import Shelf
from audit.records import Cluster, DocumentSummary, DuplicatePair
from audit.settings import SimilaritySettings
from audit.similarity.candidates import Candidates, lsh_candidates
from audit.similarity.cluster import by_components, clustered
from audit.similarity.keystore import PassageKeys
from audit.similarity.lsh import unique_pairs
from audit.similarity.passage_table import PassageTable
from audit.similarity.verify import (
    PASSAGE_CALL,
    Edges,
    load_sets,
    pair_counts,
    shared_passages_in_blocks,
    verify,
    word_counts,
)
from audit.similarity.work import Run, here

#: Given document indexes, yields (index, body lines) for each: the texts needed for verification.
Loader = Callable[[set[int]], Iterable[tuple[int, list[str]]]]
#: Given unique pairs of document indexes (an (m, 2) array, sorted), the passage candidates (an
#: (n, 4) array, :func:`apart`) and the settings: the pairs that hold (:func:`verify`), in batches of whole connected components
#: (:func:`by_components`), and the shared passages verified (:func:`compare_loaded` here; a
#: cluster compares where the compared lines are, and may find the components there).
Comparer = Callable[[np.ndarray, np.ndarray, SimilaritySettings], tuple[Iterable["Edges"], PassageTable]]


@dataclass
class Duplicates:
    """What the corpus pass found: the pairs to report (clusters' ties and the pairs the linkage
    rule kept apart), the clusters, the shared passages, and each cluster's members by their
    index among the summaries (what template lines join as copies)."""

    pairs: list[DuplicatePair]
    clusters: list[Cluster]
    passage_pairs: PassageTable
    members: list[list[int]]


def compare_loaded(load: Loader, summaries: list[DocumentSummary], pairs: np.ndarray, passages: np.ndarray,
                   settings: SimilaritySettings, run: Run = here) -> tuple[Iterator[Edges], PassageTable]:
    """The :data:`Comparer` of this process: read the documents' compared lines through `load`,
    count the pairs' shared shingles here, and verify the candidate passages in blocks through
    `run` (a pool's, or :func:`here`)."""
    quoted = set(passages[:, [0, 2]].ravel().tolist())
    needed = set(pairs.ravel().tolist()) | quoted
    # The read documents' shingle sets wait on disk: at a million documents, the documents in
    # some candidate pair are a few hundred thousand, and their sets gigabytes. The quoted
    # documents' lines too.
    with Shelf[np.ndarray]() as sets, Shelf[list[str]]() as bodies:
        for i, lines, held in load_sets(load(needed), settings.shingle_size) if needed else ():
            sets[i] = held
            if i in quoted:
                bodies[i] = lines
        counts = pair_counts(pairs, sets, lambda i: summaries[i].signature, settings)
        edges = verify(pairs, counts, word_counts(summaries)[pairs], settings)
        return by_components(edges), shared_passages_in_blocks(passages, summaries, settings, bodies, run, PASSAGE_CALL)


def find_duplicates(summaries: list[DocumentSummary], settings: SimilaritySettings, load: Loader,
                    passage_keys: PassageKeys | None = None, compare: Comparer | None = None,
                    candidates: Candidates = lsh_candidates,
                    on_stage: Callable[[str, int | None], object] = lambda name, total: None) -> Duplicates:
    """Near-duplicate and contained documents, their clusters, and passages shared between sources.

    `passage_keys` are the passages' band keys where the caller moved them out of the summaries.
    `candidates` finds the LSH candidates (by default here, from the summaries' signatures and
    `passage_keys`); `compare` counts the candidates' shared shingles and verifies the passage
    candidates (by default here, reading through `load`).

    Clusters are joined here (:func:`clustered`), a batch of connected components at a time, as
    the comparer gives them: here all the verified pairs are in this process (about 60 bytes a
    pair as columns); a cluster may hold them and give one share of its components at a time.
    Each pair the report lists (the clusters' ties and the pairs kept apart) costs a few hundred
    bytes more. `on_stage` hears the name of each step as it begins (for a progress display).
    """
    on_stage(f"near-duplicates: candidates among {len(summaries):,} documents", None)
    doc_pairs, passage_pairs = candidates(summaries, settings, passage_keys)
    pairs = unique_pairs(doc_pairs)
    on_stage(f"near-duplicates: verifying {len(pairs):,} document and {len(passage_pairs):,} passage candidate pairs", None)
    batches, passages = (compare or partial(compare_loaded, load, summaries))(pairs, passage_pairs, settings)
    clusters, listed, members = clustered(batches, summaries, settings)
    return Duplicates(listed, clusters, passages, members)
