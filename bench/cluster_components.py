"""The Dask client's peak memory and time for the last step of the corpus pass, with the verified
pairs gathered on the client (up to CLIENT_PAIRS) or their components found on the workers.

The pairs are made on the workers, as verification leaves them: `--docs` documents in groups of
`--copies` copies (the documents' numbers shuffled, so a component's pairs are in every block),
every pair inside a group verified. Then, in this process (the client), either every pair is
gathered and clustered (`--where client`) or the components are found on the cluster and the
pairs come a share of components at a time (`--where cluster`); both cluster as a scan does
(`audit.similarity.cluster.clustered`, the report's pairs included). Peak is the client's maximum resident set
size, less the one before the step; a LocalCluster of two worker processes, one thread each.

    python bench/cluster_components.py --docs 1000000 --copies 20 --where client
    python bench/cluster_components.py --docs 1000000 --copies 20 --where cluster
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
from distributed import Client, LocalCluster

from audit.engines.dask import engine as dask_engine
from audit.engines.dask.engine import DaskEngine, gathered
from audit.records import DocumentSummary, Origin
from audit.settings import ScanSettings, SimilaritySettings
from audit.similarity.verify import Edges, verify
from audit.similarity.cluster import by_components, clustered

#: Groups of copies whose pairs one task makes.
GROUPS_PER_BLOCK = 2_000


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def made(first: int, groups: int, docs: int, copies: int, settings: SimilaritySettings) -> Edges:
    """On a worker: the verified pairs of groups `first` to `first + groups`."""
    number = np.random.default_rng(0).permutation(docs)
    a, b = np.triu_indices(copies, 1)
    starts = np.arange(first, first + groups) * copies
    pairs = (starts[:, None, None] + np.stack([a, b], axis=1)[None]).reshape(-1, 2)
    pairs = number[pairs[pairs[:, 1] < docs]]
    pairs = np.sort(pairs, axis=1).astype(np.int64)
    counts = (*(np.full(len(pairs), 100, dtype=np.int64) for _ in range(3)), np.ones(len(pairs)))
    return verify(pairs, counts, np.full(pairs.shape, 300, dtype=np.int64), settings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--where", choices=["client", "cluster"], required=True)
    args = parser.parse_args()
    settings = SimilaritySettings()
    summaries = [DocumentSummary(str(i), f"s{i % 5}", Origin("synthetic", i), 10, 10, 300, 1800, [], None, None,
                                 None, np.zeros((0, 3), dtype=np.int32), None) for i in range(args.docs)]
    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None) as cluster, \
            Client(cluster) as client:
        groups = -(-args.docs // args.copies)
        verified = [client.submit(made, first, min(GROUPS_PER_BLOCK, groups - first), args.docs, args.copies, settings,
                                  pure=False) for first in range(0, groups, GROUPS_PER_BLOCK)]
        count = sum(gathered(client.map(len, verified, pure=False), "pairs"))
        engine = DaskEngine(ScanSettings(engine="dask", scheduler=cluster.scheduler_address))
        before = peak_mib()
        started = time.perf_counter()
        if args.where == "client":
            batches = by_components(Edges.joined(gathered(verified, "pairs")))
        else:
            batches = engine._components(verified, count)
        found, listed, _ = clustered(batches, summaries, settings)
        seconds = time.perf_counter() - started
        engine.close()
    print(f"{args.docs:,} documents in groups of {args.copies}, {count:,} verified pairs, on the {args.where} "
          f"(shares of {dask_engine.CLIENT_SHARE:,}): {len(found):,} clusters, {len(listed):,} pairs reported; "
          f"{seconds:.1f} s; client peak {before:,.0f} MiB before, {peak_mib():,.0f} MiB after "
          f"(+{peak_mib() - before:,.0f} MiB)")


if __name__ == "__main__":
    main()
