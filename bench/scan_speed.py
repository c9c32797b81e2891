"""`scan -j 1` of one corpus by this tree and by other trees (an older release), side by side.

Each tree runs as its own ``corpus-audit`` process (``python -m audit`` with that tree first on
``PYTHONPATH``), the trees taking turns round by round so the machine's noise hits them alike. The
JSON reports (``SOURCE_DATE_EPOCH`` set) must be byte for byte the same; the script says so. One
warm-up run per tree first (numba's cache, the rules gate's cache, the page cache).

Each tree's package is compiled to bytecode first, as ``pip install`` does: where
``PYTHONDONTWRITEBYTECODE`` is set (this dev machine sets it), a source tree is otherwise compiled
anew in every run, a cost no installed copy pays (0.2 s a run for this tree). ``--from-source``
deletes the trees' bytecode instead (with that variable set, how the rounds before the ninth were
measured):

    git worktree add /tmp/wt/bcb9d41 bcb9d41
    python bench/scan_speed.py /work/shared/data/extraction-dev/docs.jsonl --against /tmp/wt/bcb9d41 --rounds 3
"""

from __future__ import annotations

import argparse
import filecmp
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(tree: Path, corpus: str, out: Path, jobs: int) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system, the command and its workers) of one scan."""
    env = {**os.environ, "PYTHONPATH": str(tree), "SOURCE_DATE_EPOCH": "1700000000"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "audit", "scan", corpus, "-j", str(jobs), "--format", "json", "-o", str(out)],
                   cwd=tree, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("--against", action="append", default=[], help="another source tree (repeatable)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--from-source", action="store_true",
                        help="delete the trees' compiled bytecode first, so that every run compiles them")
    args = parser.parse_args()
    trees = [ROOT] + [Path(t).resolve() for t in args.against]
    for t in trees:
        if args.from_source:
            for compiled in (t / "audit").rglob("*.pyc"):
                compiled.unlink()
        else:
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(t / "audit")], check=True)
    outdir = Path(tempfile.mkdtemp())
    outs = {t: outdir / f"{i}.json" for i, t in enumerate(trees)}
    for t in trees:
        run(t, args.corpus, outs[t], args.jobs)
    times: dict[Path, list[tuple[float, float]]] = {t: [] for t in trees}
    for _ in range(args.rounds):
        for t in trees:
            times[t].append(run(t, args.corpus, outs[t], args.jobs))
    wall = {t: min(w for w, _ in times[t]) for t in trees}
    cpu = {t: min(c for _, c in times[t]) for t in trees}
    last = trees[-1]
    compiled = "run from source" if args.from_source else "bytecode compiled first"
    print(f"scan -j {args.jobs} {args.corpus}; best of {args.rounds} rounds after a warm-up; {compiled}")
    print("| tree | wall s, best (median) | CPU s, best | speed vs last: wall / CPU | same report as this tree |")
    print("| --- | --- | --- | --- | --- |")
    for t in trees:
        print(f"| {t} | {wall[t]:.2f} ({statistics.median(w for w, _ in times[t]):.2f}) | {cpu[t]:.2f} "
              f"| {wall[last] / wall[t]:.2f}x / {cpu[last] / cpu[t]:.2f}x | {filecmp.cmp(outs[t], outs[ROOT], shallow=False)} |")


if __name__ == "__main__":
    main()
