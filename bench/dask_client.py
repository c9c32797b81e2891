"""The Dask client's own CPU for a scan and its report, against one or more trees in turns.

The scan runs on a ``dask scheduler`` and two ``dask worker`` processes of their own (see
``dask_scaling._external_cluster``), so the CPU this process counts (``time.process_time``: its
main thread and the thread that receives from the cluster) is the client's alone; the collector
runs at the CLI's thresholds. Each tree runs in a process of its own, in turns with the others,
a few rounds each (the first of which warms the cluster and is not counted). The client's
marginal CPU a document is (whole − whole of a 20-document corpus) / documents: that is the
client's term of the billion-document projection (bench/HISTORY.md, the twentieth round).

    python bench/dask_client.py CORPUS.jsonl [--format json] [--rounds 3] [--turns 2] \
        [--against /tmp/wt/base ...]
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def one_tree(corpus: str, report: str, rounds: int) -> None:
    """Scan `corpus` `rounds` times with the tree this process imports, printing each round."""
    sys.path.insert(0, str(HERE))
    from dask_scaling import _external_cluster

    from audit.pipeline import scan
    from audit.report.markdown import json_pieces, render_markdown
    from audit.settings import ScanSettings

    gc.set_threshold(100_000, 50, 100)  # as the CLI sets it
    client = _external_cluster(2)
    settings = ScanSettings(engine="dask", scheduler=client.scheduler.address, blocksize=64 * 2 ** 20)
    for r in range(rounds):
        start = time.process_time()
        result = scan([corpus], settings, json_report=report == "json")
        scanned = time.process_time()
        size = sum(map(len, json_pieces(result))) if report == "json" else len(render_markdown(result, "bench"))
        done = time.process_time()
        print(f"  round {r}: scan {scanned - start:.3f} s, report {done - scanned:.3f} s, "
              f"whole {done - start:.3f} s ({size:,} characters){' (warm-up)' if r == 0 else ''}", flush=True)
        del result
        gc.collect()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus")
    parser.add_argument("--format", choices=["markdown", "json"], default="markdown")
    parser.add_argument("--rounds", type=int, default=3, help="rounds a tree each turn, the first a warm-up")
    parser.add_argument("--turns", type=int, default=2)
    parser.add_argument("--against", action="append", default=[], help="another tree's root (repeatable)")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one_tree(args.corpus, args.format, args.rounds)
        return
    trees = [str(HERE.parent), *args.against]
    for turn in range(args.turns):
        for tree in trees:
            print(f"{tree} (turn {turn + 1}):", flush=True)
            # Started outside the tree: `python script` puts the script's folder first on the path,
            # and PYTHONPATH picks the tree whose audit package is imported.
            subprocess.run([sys.executable, str(HERE / "dask_client.py"), os.path.abspath(args.corpus), "--format", args.format,
                            "--rounds", str(args.rounds), "--one"],
                           env={**os.environ, "PYTHONPATH": tree}, cwd="/", check=True)


if __name__ == "__main__":
    main()
