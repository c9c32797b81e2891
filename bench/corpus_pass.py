"""Time the near-duplicate half of the corpus pass alone, in one process and on the local pool, side by side.

A scan of the planted corpus (bench/dedup_memory.py's: synthetic documents, every tenth a 3%-edited
copy of the one five before it, in 20 sources) runs once with ``-j 2``; where it calls
``find_duplicates`` (LSH candidates, verification of document pairs and passages, clusters), that
call's own inputs (the summaries, the spooled compared lines, the passages' band keys) are handed
to ``find_duplicates`` again a few times, with the local engine's candidates and comparer for one
job and for ``--jobs`` jobs in turns, so the machine's noise hits both alike. Each run's result must
equal the scan's own (same pairs, clusters and passages). Wall-clock, this process's CPU and the
pool's processes' CPU are reported per run.

    python bench/corpus_pass.py --docs 20000 --rounds 3
"""

from __future__ import annotations

import argparse
import importlib
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dask_scaling import write_corpus  # noqa: E402

from audit.engines.local import LocalEngine  # noqa: E402
from audit.settings import ScanSettings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    pipeline = importlib.import_module("audit.pipeline")
    find = pipeline.find_duplicates
    times: dict[int, list[tuple[float, float]]] = {1: [], args.jobs: []}

    def timed(summaries: Any, settings: Any, load: Any, passage_keys: Any, compare: Any, candidates: Any,
              on_stage: Any) -> Any:
        found = find(summaries, settings, load, passage_keys, compare, candidates, on_stage)
        for r in range(args.rounds):
            for jobs in (1, args.jobs) if r % 2 == 0 else (args.jobs, 1):
                engine = LocalEngine(ScanSettings(jobs=jobs))
                children = _children_cpu()
                try:
                    wall, cpu = time.perf_counter(), time.process_time()
                    again = find(summaries, settings, load, passage_keys, engine.comparer(load, summaries),
                                 engine.candidates)
                    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                finally:
                    engine.close()
                # The pool's processes are counted once they have ended (at the engine's close).
                children = _children_cpu() - children
                assert (again.pairs, again.clusters, again.passage_pairs) == (found.pairs, found.clusters,
                                                                              found.passage_pairs)
                times[jobs].append((wall, cpu + children))
                print(f"round {r} -j {jobs}: {wall:.2f} s wall, CPU {cpu:.2f} s in this process and "
                      f"{children:.2f} s in the pool's (load {os.getloadavg()[0]:.1f})", flush=True)
        return found

    pipeline.find_duplicates = timed
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "corpus.jsonl"
        write_corpus(path, args.docs)
        result = pipeline.scan([str(path)], ScanSettings(jobs=args.jobs))
    print(f"\n{args.docs:,} documents: {len(result.clusters):,} clusters, {len(result.passage_pairs):,} shared passages")
    one, many = (statistics.median(w for w, _ in times[j]) for j in (1, args.jobs))
    cpu_one, cpu_many = (statistics.median(c for _, c in times[j]) for j in (1, args.jobs))
    print(f"find_duplicates, median of {args.rounds}: -j 1 {one:.2f} s, -j {args.jobs} {many:.2f} s ({one / many:.2f}x); "
          f"CPU in all processes {cpu_one:.2f} s against {cpu_many:.2f} s")


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


if __name__ == "__main__":
    main()
