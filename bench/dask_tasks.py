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

``--project`` prints, instead, the tasks this tree's engine would give the scheduler for a
billion documents, stage by stage, from the engine's own sizing rules and the figures given
(each an option: documents, their size, workers, a worker's memory limit, and the keys, lines
and candidates a document makes, measured on the planted corpus); the counts it gives for small
corpora are the ones the scans above count, to within the stages that depend on the data.

    python bench/dask_tasks.py CORPUS.jsonl [--workers 2,4] [--blocksizes 1MiB,256KiB,64KiB] \
        [--against /tmp/wt/base ...]
    python bench/dask_tasks.py --project [--documents 1e9 --workers 256 --memory 8GiB ...]
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
                              "scheduler_cpu_s": round(scheduler_cpu, 3),
                              "by_name": dict(Counter(counts).most_common())}), flush=True)
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


def project(args: argparse.Namespace) -> dict[str, int]:
    """The tasks of a scan of `args.documents` documents by stage, as this tree's engine sizes its
    shuffles and blocks (a shuffle round is a map task a worker, which joins its parts' rows in a
    lane, a piece a lane and partition, and a reduce a partition)."""
    import audit.engines.dask.engine as engine
    from audit.settings import SimilaritySettings

    settings = SimilaritySettings()
    d, w = args.documents, args.workers[0]
    parts = -(-int(d * args.document_bytes) // args.blocksize)
    lanes = min(w, parts)
    share = int(args.memory * engine.SHUFFLE_MEMORY_SHARE)
    rows = max(engine.SHUFFLE_ROWS, share // engine.SHUFFLE_ROW_BYTES)

    def rounds(count: int, partitions: int) -> int:
        return count * (lanes + lanes * partitions + partitions)

    def partitions(items: float) -> int:
        return max(w, -(-int(items) // rows))

    def banded(items: float, bands: int) -> int:
        step = max(1, int(rows * w // items))
        return rounds(-(-bands // step), partitions(items * step))

    def sharing(keys: float) -> int:
        count = min(engine.ANCHOR_ROUNDS, max(1, -(-int(keys) // (rows * w))))
        # Each round's reduces are the second shuffle's maps; two tasks a part count the keys.
        return rounds(count, partitions(keys / count)) + lanes + lanes * w + w + 2 * parts

    pair_blocks = -(-int(d * args.pairs) // max(engine.VERIFY_BLOCK, share // engine.PAIR_BYTES))
    passage_blocks = -(-int(d * args.passage_rows) // max(engine.PASSAGE_BLOCK, share // engine.PASSAGE_ROW_BYTES))
    blocks = pair_blocks + passage_blocks
    return {
        "parts": parts,
        "documents' LSH": banded(d, settings.document_bands),
        "passages' LSH": banded(d * args.passages, settings.passage_bands),
        "containment (anchors)": sharing(d * args.anchors),
        "copies (prose keys)": sharing(d * args.prose),
        "template lines": rounds(1, partitions(d * args.lines)),
        # A piece from every lane (at most) a block, the blocks, a count of each pair block's
        # pairs, and three tasks a part (its sets, their documents, their routes), and the lanes.
        "verification": blocks * lanes + blocks + pair_blocks + 3 * parts + lanes,
        # Reading, counting lines, the analysis and its four pieces, the passages' count,
        # the signatures, the template hits and the quoted lines.
        "a part's own": 10 * parts,
    }


def size(text: str) -> int:
    units = {"KiB": 1024, "MiB": 1024 ** 2, "GiB": 1024 ** 3}
    for unit, factor in units.items():
        if text.endswith(unit):
            return int(float(text[:-len(unit)]) * factor)
    return int(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?")
    parser.add_argument("--workers", default="2,4",
                        help="numbers of workers, comma-separated (with --project: one number, 256 if not given)")
    parser.add_argument("--blocksizes", default="1MiB,256KiB,64KiB", help="blocksizes, comma-separated")
    parser.add_argument("--against", action="append", default=[], help="another tree's root (repeatable)")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--project", action="store_true", help="print the tasks of a projected scan")
    # The projection's figures: a planted document's, measured on 2,000 to 4,000 of them
    # (bench/HISTORY.md, the twenty-second round).
    parser.add_argument("--documents", type=float, default=1e9)
    parser.add_argument("--document-bytes", type=float, default=2381)
    parser.add_argument("--blocksize", type=size, default=64 * 1024 ** 2)
    parser.add_argument("--memory", type=size, default=8 * 1024 ** 3, help="a worker's memory limit")
    parser.add_argument("--passages", type=float, default=18.5, help="passages a document")
    parser.add_argument("--anchors", type=float, default=49.6, help="anchors a document")
    parser.add_argument("--prose", type=float, default=6.2, help="prose-line keys a document")
    parser.add_argument("--lines", type=float, default=7.3, help="text lines a document")
    parser.add_argument("--pairs", type=float, default=0.3, help="candidate pairs a document")
    parser.add_argument("--passage-rows", type=float, default=2.55, help="candidate passages a document")
    args = parser.parse_args()
    workers = [int(w) for w in args.workers.split(",")]
    if args.project:
        args.workers = [256] if args.workers == "2,4" else workers
        stages = project(args)
        for stage, count in stages.items():
            print(f"{stage:24s} {count:>15,}")
        print(f"{'tasks':24s} {sum(stages.values()) - stages['parts']:>15,}")
        return
    if not args.corpus:
        parser.error("give a corpus, or --project")
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
