"""Peak memory and time of verification's last steps: the verified pairs, their clusters, the report's pairs.

Everything before is stubbed so that only these steps are weighed: the summaries are minimal
(a signature each, for the MinHash estimates), the candidates are given (every pair inside
each group of copies, as LSH finds in a bucket of at most 200), and the comparer says every
candidate shares all its shingles. Groups of `--copies` documents, so `--docs` x (copies - 1) / 2
verified pairs. Peak memory is the process's maximum resident set size, taken after the
summaries are built and again at the end.

    python bench/cluster_memory.py --docs 200000 --copies 20
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from audit.records import DocumentSummary, Origin
from audit.settings import SimilaritySettings
from audit.similarity.cluster import by_components
from audit.similarity.duplicates import find_duplicates
from audit.similarity.verify import verify, word_counts


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=200_000)
    parser.add_argument("--copies", type=int, default=20)
    args = parser.parse_args()
    settings = SimilaritySettings()
    signature = np.arange(settings.num_perm, dtype=np.uint32)
    summaries = [DocumentSummary(str(i), f"s{i % 5}", Origin("synthetic", i), 10, 10, 300, 1800, [], None, None,
                                 signature, np.zeros((0, 3), dtype=np.int32), None) for i in range(args.docs)]
    starts = np.arange(0, args.docs, args.copies)
    a, b = np.triu_indices(args.copies, 1)
    pairs = (starts[:, None, None] + np.stack([a, b], axis=1)[None]).reshape(-1, 2)
    pairs = pairs[pairs[:, 1] < args.docs].astype(np.int64)

    def candidates(summaries, settings, passage_keys):
        return pairs, []

    def compare(pairs, passages, settings):
        # Every pair the same two sets of 100 shingles, and so a MinHash estimate of 1.
        counts = (*(np.full(len(pairs), 100, dtype=np.int64) for _ in range(3)), np.ones(len(pairs)))
        return by_components(verify(pairs, counts, word_counts(summaries)[pairs], settings)), []

    before = peak_mib()
    started = time.perf_counter()
    found = find_duplicates(summaries, settings, lambda needed: iter(()), compare=compare, candidates=candidates)
    seconds = time.perf_counter() - started
    print(f"{args.docs:,} documents in groups of {args.copies}: {len(pairs):,} verified pairs, "
          f"{len(found.clusters):,} clusters, {len(found.pairs):,} pairs reported; {seconds:.1f} s; "
          f"peak {before:,.0f} MiB before, {peak_mib():,.0f} MiB after (+{peak_mib() - before:,.0f} MiB)")


if __name__ == "__main__":
    main()
