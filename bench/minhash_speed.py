"""Signature speed, measured side by side in one run, from raw text to signatures, one process.

On a deterministic synthetic corpus (bench/synthetic.py: 400 words, about 2.3 KB a document),
with 128 permutations and 5-word shingles, each contender starts from the raw text:

- corpus-audit: ``Signer.sign_texts`` in batches of 1,000 (folding, tokenizing, shingling,
  hashing and permuting all included);
- datasketch ``MinHash.update`` loop, one call per shingle (timed on a subset: it is slow);
- datasketch ``MinHash.bulk`` (``update_batch`` per document);
- rensa ``RMinHash.update`` with the shingle strings, as its users feed it.

Every peer gets the same words (``audit.text.normalize.words``) and shingles built in Python; the
time to build them is counted, as it is part of going from text to signature. Then end-to-end
``scan`` throughput on JSON Lines, with 1 and with 2 worker processes, with every stage and
with readability and tone off. Two more rensa rows show where its time goes: with the lightest
tokenizing (``str.split``), and its update alone with the shingles built before the clock.

    python bench/minhash_speed.py [--docs 100000] [--loop-docs 2000] [--scan-docs 4000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from datasketch import MinHash
from rensa import RMinHash

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import Corpus  # noqa: E402

from audit.similarity.minhash import Signer, shingles
from audit.text.normalize import words
from audit.pipeline import scan
from audit.settings import ScanSettings  # noqa: E402

NUM_PERM = 128
SIZE = 5


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}"


def ours(texts: list[str]) -> float:
    signer = Signer(NUM_PERM, 1)
    signer.sign_texts(texts[:10], SIZE)  # load the compiled kernel before timing
    started = time.perf_counter()
    for i in range(0, len(texts), 1000):
        signer.sign_texts(texts[i:i + 1000], SIZE)
    return time.perf_counter() - started


def update_loop(texts: list[str]) -> float:
    started = time.perf_counter()
    for text in texts:
        m = MinHash(num_perm=NUM_PERM, seed=1)
        for s in shingles(words(text), SIZE):
            m.update(s.encode("utf-8"))
    return time.perf_counter() - started


def bulk(texts: list[str]) -> float:
    started = time.perf_counter()
    for i in range(0, len(texts), 1000):
        MinHash.bulk([[s.encode("utf-8") for s in shingles(words(t), SIZE)] for t in texts[i:i + 1000]],
                     num_perm=NUM_PERM, seed=1)
    return time.perf_counter() - started


def rensa(texts: list[str]) -> float:
    started = time.perf_counter()
    for text in texts:
        m = RMinHash(num_perm=NUM_PERM, seed=1)
        m.update(shingles(words(text), SIZE))
        m.digest()
    return time.perf_counter() - started


def rensa_split(texts: list[str]) -> float:
    """rensa with the lightest tokenizing its users write: lower-case, split on spaces."""
    started = time.perf_counter()
    for text in texts:
        m = RMinHash(num_perm=NUM_PERM, seed=1)
        m.update(shingles(text.lower().split(), SIZE))
        m.digest()
    return time.perf_counter() - started


def rensa_core(texts: list[str]) -> float:
    """rensa's own work alone: the shingles are built before the clock starts."""
    built = [shingles(words(t), SIZE) for t in texts]
    started = time.perf_counter()
    for items in built:
        m = RMinHash(num_perm=NUM_PERM, seed=1)
        m.update(items)
        m.digest()
    return time.perf_counter() - started


def scan_rate(count: int, jobs: int, path: str, full: bool = True) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds of this process, CPU seconds of its worker processes."""
    started, before = time.perf_counter(), os.times()
    result = scan([path], ScanSettings(jobs=jobs, readability=full, tone=full))
    after = os.times()
    assert len(result.documents) == count
    return (time.perf_counter() - started, after.user + after.system - before.user - before.system,
            max(0.0, after.children_user + after.children_system - before.children_user - before.children_system))


def signatures(texts: list[str], args: argparse.Namespace) -> None:
    # Interleaved, so a noisy neighbour weighs on every contender alike.
    t_loop = update_loop(texts[:args.loop_docs])
    t_ours = ours(texts)
    t_bulk = bulk(texts[:args.bulk_docs])
    t_rensa = rensa(texts)
    core_docs = min(len(texts), 20_000)
    t_split = rensa_split(texts[:core_docs])
    t_core = rensa_core(texts[:core_docs])
    results = [("corpus-audit Signer.sign_texts", len(texts), t_ours),
               ("datasketch MinHash.update loop", args.loop_docs, t_loop),
               ("datasketch MinHash.bulk", args.bulk_docs, t_bulk),
               ("rensa RMinHash, Python-built shingles", len(texts), t_rensa),
               ("rensa, shingles of str.lower().split()", core_docs, t_split),
               ("rensa update alone (shingles built untimed)", core_docs, t_core)]
    ours_rate = len(texts) / t_ours
    print("| contender | documents timed | seconds | documents/s | corpus-audit is faster by |")
    print("|---|---|---|---|---|")
    for name, n, seconds in results:
        print(f"| {name} | {n:,} | {seconds:.1f} | {rate(n, seconds)} | {ours_rate / (n / seconds):.1f}x |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--loop-docs", type=int, default=2_000, help="documents for the update loop")
    parser.add_argument("--bulk-docs", type=int, default=10_000, help="documents for MinHash.bulk")
    parser.add_argument("--scan-docs", type=int, default=4_000, help="documents for the end-to-end scan")
    parser.add_argument("--scan-only", action="store_true", help="measure the end-to-end scan only")
    args = parser.parse_args()
    texts = list(Corpus(args.docs if not args.scan_only else args.scan_docs))
    mean = sum(len(t.encode()) for t in texts) / len(texts)
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{len(texts):,} documents of {mean:,.0f} bytes, {NUM_PERM} permutations, {SIZE}-word shingles\n")
    if not args.scan_only:
        signatures(texts, args)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "docs.jsonl")
        with open(path, "w", encoding="utf-8") as out:
            for i, t in enumerate(texts[:args.scan_docs]):
                out.write(json.dumps({"id": str(i), "source": f"s{i % 20}", "text": t}) + "\n")
        print(f"\nEnd-to-end scan of {args.scan_docs:,} documents (JSON Lines). Wall-clock documents/s, and "
              f"documents per CPU-second with the CPU seconds of the main process + the worker processes:\n")
        print("| scan | processes | documents/s (wall) | documents per CPU-second | CPU seconds: main + workers |")
        print("|---|---|---|---|---|")
        for full, name in ((True, "every stage (rules, repair, signatures, readability, tone, corpus pass)"),
                           (False, "readability and tone off")):
            for jobs in (1, 2):
                wall, main_cpu, workers = scan_rate(args.scan_docs, jobs, path, full)
                print(f"| {name} | {jobs} | {rate(args.scan_docs, wall)} | {rate(args.scan_docs, main_cpu + workers)} | "
                      f"{main_cpu:.1f} + {workers:.1f} |")


if __name__ == "__main__":
    main()
