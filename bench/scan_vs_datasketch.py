"""The whole scan against a naive datasketch dedup of the same synthetic corpus, side by side.

The scan does everything (repair, rules, line statistics, the line model, languages, signatures,
passages, readability, tone, templates, the corpus pass, a JSON report) with a pool of 2 worker
processes; the naive loop, in one process, only finds near-duplicates: ``MinHash.update`` per word
5-gram and a ``MinHashLSH`` query and insert per document (`dedup_vs_datasketch.plain`). The
corpus is `synthetic.Corpus`'s documents, every tenth a 3%-edited copy of the one five before it.
The two take turns round by round after a warm-up:

    python bench/scan_vs_datasketch.py --docs 4000 --rounds 2
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dedup_vs_datasketch import plain  # noqa: E402
from synthetic import Corpus  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def planted(count: int) -> list[str]:
    """`count` synthetic texts, every tenth a copy of the one five before it with 3% of its words changed."""
    texts = list(Corpus(count, seed=11))
    rng = np.random.default_rng(5)
    for i in range(9, count, 10):
        w = texts[i - 5].split(" ")
        for k in rng.choice(len(w), size=max(1, len(w) * 3 // 100), replace=False):
            w[k] = "edited"
        texts[i] = " ".join(w)
    return texts


def scan(path: Path, out: Path, jobs: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SOURCE_DATE_EPOCH": "1700000000"}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "audit", "scan", str(path), "-j", str(jobs), "--format", "json", "-o",
                    str(out), "-q"], cwd=ROOT, env=env, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    texts = planted(args.docs)
    work = Path(tempfile.mkdtemp())
    corpus = work / "planted.jsonl"
    corpus.write_text("".join(json.dumps({"id": f"d{i}", "text": t}) + "\n" for i, t in enumerate(texts)))
    scan(corpus, work / "warm.json", args.jobs)  # numba's cache, the rules gate's cache
    plain(texts[:10], 128, 5)
    scans, loops = [], []
    for _ in range(args.rounds):
        scans.append(scan(corpus, work / "r.json", args.jobs))
        started = time.perf_counter()
        plain(texts, 128, 5)
        loops.append(time.perf_counter() - started)
    clusters = len(json.loads((work / "r.json").read_text())["clusters"])
    print(f"{args.docs} planted documents; best of {args.rounds} rounds; the scan found {clusters} clusters")
    print(f"| whole scan (-j {args.jobs}) | naive datasketch loop (1 process) | scan speed vs loop |")
    print("| --- | --- | --- |")
    print(f"| {min(scans):.1f} s | {min(loops):.1f} s | {min(loops) / min(scans):.2f}x |")


if __name__ == "__main__":
    main()
