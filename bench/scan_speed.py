"""`scan -j 1` of one corpus by this tree and by other trees (an older release), side by side.

Each tree runs as its own ``corpus-audit`` process (``python -m audit`` with that tree first on
``PYTHONPATH``), the trees taking turns round by round so the machine's noise hits them alike. The
JSON reports (``SOURCE_DATE_EPOCH`` set) must be byte for byte the same; the script says so. One
warm-up run per tree first (numba's cache, the rules gate's cache, the page cache):

    git worktree add /tmp/wt/bcb9d41 bcb9d41
    python bench/scan_speed.py /work/shared/data/extraction-dev/docs.jsonl --against /tmp/wt/bcb9d41 --rounds 3
"""

from __future__ import annotations

import argparse
import filecmp
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(tree: Path, corpus: str, out: Path, jobs: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree), "SOURCE_DATE_EPOCH": "1700000000"}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "audit", "scan", corpus, "-j", str(jobs), "--format", "json", "-o", str(out)],
                   cwd=tree, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("--against", action="append", default=[], help="another source tree (repeatable)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    trees = [ROOT] + [Path(t).resolve() for t in args.against]
    outdir = Path(tempfile.mkdtemp())
    outs = {t: outdir / f"{i}.json" for i, t in enumerate(trees)}
    for t in trees:
        run(t, args.corpus, outs[t], args.jobs)
    times: dict[Path, list[float]] = {t: [] for t in trees}
    for _ in range(args.rounds):
        for t in trees:
            times[t].append(run(t, args.corpus, outs[t], args.jobs))
    base = min(times[trees[-1]])
    print(f"scan -j {args.jobs} {args.corpus}; best of {args.rounds} rounds after a warm-up")
    print("| tree | best s | median s | speed vs last | same report as this tree |")
    print("| --- | --- | --- | --- | --- |")
    for t in trees:
        print(f"| {t} | {min(times[t]):.2f} | {statistics.median(times[t]):.2f} | {base / min(times[t]):.2f}x "
              f"| {filecmp.cmp(outs[t], outs[ROOT], shallow=False)} |")


if __name__ == "__main__":
    main()
