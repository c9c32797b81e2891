"""How many tasks a Dask scan gives the scheduler as the parts and the workers grow, and what a
task costs the client and the scheduler: the task term of the billion-document projection.

A scan's per-document costs are measured on 20,000 documents (bench/dask_client.py), but what
the scheduler does grows with the parts (P) and the workers (W), and at a billion documents P is
tens of thousands. This bench counts the tasks the scheduler runs for one scan, by name (a
scheduler plugin counts each task that reaches memory, by its key's prefix), at several cuts
of one corpus and numbers of workers, on a ``dask scheduler`` and ``dask worker`` processes of
their own (``dask_scaling._external_cluster``), and reads the scheduler's and the client's CPU
for the scan. To cut a small corpus into many parts, the engine's smallest part
(``MIN_BLOCKSIZE``, 4 MiB) is lowered in this process to the smallest blocksize asked for.

Then, with the same cluster, it times tasks alone: a batch of small ``getitem`` tasks, as a
shuffle submits them, and the scheduler's and the client's CPU a task.

    python bench/dask_tasks.py CORPUS.jsonl [--workers 2,4] [--blocksizes 1MiB,256KiB,64KiB] \
        [--against /tmp/wt/base ...]
"""

from __future__ import annotations

import argparse
import json
import operator
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
#: Small tasks timed alone, a batch.
ALONE = 20_000


def _counter() -> Any:
    """A scheduler plugin that counts the tasks run, by their keys' prefix."""
    from dask.utils import key_split
    from distributed.diagnostics.plugin import SchedulerPlugin

    class TaskCounter(SchedulerPlugin):
        name = "task-counter"

        def __init__(self) -> None:
            self.counts: Counter[str] = Counter()

        def transition(self, key: Any, start: str, finish: str, *args: Any, **kwargs: Any) -> None:
            if start == "processing" and finish == "memory":
                self.counts[key_split(key)] += 1

    return TaskCounter()


def _taken(dask_scheduler: Any) -> dict[str, int]:
    plugin = dask_scheduler.plugins["task-counter"]
    counts = dict(plugin.counts)
    plugin.counts.clear()
    return counts


def one_tree(corpus: str, workers: list[int], blocksizes: list[int]) -> None:
    """Each number of workers a cluster, each blocksize a scan; one JSON line a scan, then one for
    the tasks timed alone."""
    sys.path.insert(0, str(HERE))
    from dask_scaling import _external_cluster

    import audit.engines.dask.engine as engine
    from audit.pipeline import scan
    from audit.report.markdown import render_markdown
    from audit.settings import ScanSettings

    engine.MIN_BLOCKSIZE = min(blocksizes)
    for w in workers:
        client = _external_cluster(w)
        client.register_plugin(_counter())
        for blocksize in blocksizes:
            settings = ScanSettings(engine="dask", scheduler=client.scheduler.address, blocksize=blocksize)
            client.run_on_scheduler(_taken)
            before, scheduler_before = time.process_time(), client.run_on_scheduler(time.process_time)
            result = scan([corpus], settings)
            render_markdown(result, "bench")
            client_cpu = time.process_time() - before
            scheduler_cpu = client.run_on_scheduler(time.process_time) - scheduler_before
            counts = client.run_on_scheduler(_taken)
            parts = counts.get("analyze_part", 0)
            print(json.dumps({"workers": w, "blocksize": blocksize, "parts": parts, "documents": len(result.documents),
                              "tasks": sum(counts.values()), "client_cpu_s": round(client_cpu, 3),
                              "scheduler_cpu_s": round(scheduler_cpu, 3), "by_name": dict(Counter(counts).most_common())}),
                  flush=True)
            del result
        # Small tasks alone, as a shuffle's pieces: a getitem of a list each.
        [data] = client.scatter([list(range(100))], hash=False)
        client.run_on_scheduler(_taken)
        before, scheduler_before = time.process_time(), client.run_on_scheduler(time.process_time)
        start = time.perf_counter()
        futures = [client.submit(operator.getitem, data, k % 100, pure=False) for k in range(ALONE)]
        client.gather(futures)
        wall = time.perf_counter() - start
        client_cpu = time.process_time() - before
        scheduler_cpu = client.run_on_scheduler(time.process_time) - scheduler_before
        del futures
        print(json.dumps({"workers": w, "alone": ALONE, "tasks": sum(client.run_on_scheduler(_taken).values()),
                          "wall_s": round(wall, 3), "client_cpu_s": round(client_cpu, 3),
                          "scheduler_cpu_s": round(scheduler_cpu, 3)}), flush=True)
        client.close()


def size(text: str) -> int:
    units = {"KiB": 1024, "MiB": 1024 ** 2}
    for unit, factor in units.items():
        if text.endswith(unit):
            return int(float(text[:-len(unit)]) * factor)
    return int(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus")
    parser.add_argument("--workers", default="2,4", help="numbers of workers, comma-separated")
    parser.add_argument("--blocksizes", default="1MiB,256KiB,64KiB", help="blocksizes, comma-separated")
    parser.add_argument("--against", action="append", default=[], help="another tree's root (repeatable)")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    workers = [int(w) for w in args.workers.split(",")]
    blocksizes = [size(b) for b in args.blocksizes.split(",")]
    if args.one:
        one_tree(args.corpus, workers, blocksizes)
        return
    for tree in [str(HERE.parent), *args.against]:
        print(f"{tree}:", flush=True)
        # Started outside the tree, as bench/dask_client.py does: PYTHONPATH picks the tree.
        subprocess.run([sys.executable, str(HERE / "dask_tasks.py"), os.path.abspath(args.corpus),
                        "--workers", args.workers, "--blocksizes", args.blocksizes, "--one"],
                       env={**os.environ, "PYTHONPATH": tree}, cwd="/", check=True)


if __name__ == "__main__":
    main()
