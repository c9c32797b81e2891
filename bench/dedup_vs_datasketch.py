"""`dedup` into a new SQLite index against a plain datasketch MinHash + LSH loop, side by side.

The plain loop is what a user who wants only dedup would write: for each text, a ``MinHash`` of
its word 5-grams (``update`` per shingle, 128 permutations), a ``MinHashLSH`` query at the same
threshold, then ``insert`` if nothing was found. ``dedup`` does more per item (encoding repair,
rules, verification, an index on disk with one transaction per batch, an output file). Both run in
this process, taking turns round by round; items per second, best round:

    python bench/dedup_vs_datasketch.py /work/shared/data/extraction-dev/docs.jsonl --rounds 3
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audit.feed.dedup import THRESHOLD, dedup  # noqa: E402
from audit.settings import ScanSettings  # noqa: E402
from audit.text.normalize import words  # noqa: E402


def plain(texts: list[str], num_perm: int, size: int) -> int:
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=num_perm)
    new = 0
    for i, text in enumerate(texts):
        m = MinHash(num_perm=num_perm)
        w = text.lower().split()
        for k in range(max(1, len(w) - size + 1)):
            m.update(" ".join(w[k:k + size]).encode("utf-8"))
        if not lsh.query(m):
            lsh.insert(str(i), m)
            new += 1
    return new


def ours(path: str, workdir: Path, round_: int) -> int:
    out = workdir / f"new-{round_}.jsonl"
    done = dedup([path], str(workdir / f"index-{round_}.db"), ScanSettings(), output=str(out))
    return done.counts.new


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with open(args.corpus, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f]
    settings = ScanSettings().similarity
    words("warm")  # imports outside the clock
    workdir = Path(tempfile.mkdtemp())
    ours(args.corpus, workdir, -1)  # warm-up: numba's cache, the rules gate's cache
    plain(texts[:10], settings.num_perm, settings.shingle_size)
    times: dict[str, list[float]] = {"corpus-audit dedup": [], "datasketch loop": []}
    kept: dict[str, int] = {}
    for r in range(args.rounds):
        started = time.perf_counter()
        kept["corpus-audit dedup"] = ours(args.corpus, workdir, r)
        times["corpus-audit dedup"].append(time.perf_counter() - started)
        started = time.perf_counter()
        kept["datasketch loop"] = plain(texts, settings.num_perm, settings.shingle_size)
        times["datasketch loop"].append(time.perf_counter() - started)
    base = len(texts) / min(times["datasketch loop"])
    print(f"{len(texts)} texts of {args.corpus}; best of {args.rounds} rounds")
    print("| way | best s | items/s | vs datasketch loop | items kept |")
    print("| --- | --- | --- | --- | --- |")
    for name, t in times.items():
        rate = len(texts) / min(t)
        print(f"| {name} | {min(t):.2f} | {rate:.0f} | {rate / base:.2f}x | {kept[name]} |")


if __name__ == "__main__":
    main()
