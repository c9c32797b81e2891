"""Signature speed, measured side by side in one run, from raw text to signatures, one process.

On a deterministic synthetic corpus (bench/synthetic.py: 400 words, about 2.3 KB a document),
with 128 permutations and 5-word shingles, each contender starts from the raw text:

- corpus-audit: ``Signer.sign_texts`` in batches of 1,000 (folding, tokenizing, shingling,
  hashing and permuting all included);
- datasketch ``MinHash.update`` loop, one call per shingle (timed on a subset: it is slow);
- datasketch ``MinHash.bulk`` (``update_batch`` per document);
- rensa ``RMinHash.update`` with the shingle strings, as its users feed it.

Every peer gets the same words (``audit.normalize.words``) and shingles built in Python; the
time to build them is counted, as it is part of going from text to signature. Then end-to-end
``scan`` throughput on JSON Lines, with 1 and with 2 worker processes.

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

from audit.minhash import Signer, shingles  # noqa: E402
from audit.normalize import words  # noqa: E402
from audit.scan import scan  # noqa: E402
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


def scan_rate(count: int, jobs: int, path: str) -> float:
    started = time.perf_counter()
    result = scan([path], ScanSettings(jobs=jobs))
    assert len(result.documents) == count
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--loop-docs", type=int, default=2_000, help="documents for the update loop")
    parser.add_argument("--bulk-docs", type=int, default=10_000, help="documents for MinHash.bulk")
    parser.add_argument("--scan-docs", type=int, default=4_000, help="documents for the end-to-end scan")
    args = parser.parse_args()
    texts = list(Corpus(args.docs))
    mean = sum(len(t.encode()) for t in texts) / len(texts)
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{len(texts):,} documents of {mean:,.0f} bytes, {NUM_PERM} permutations, {SIZE}-word shingles\n")
    results = []
    # Interleaved, so a noisy neighbour weighs on every contender alike.
    t_loop = update_loop(texts[:args.loop_docs])
    t_ours = ours(texts)
    t_bulk = bulk(texts[:args.bulk_docs])
    t_rensa = rensa(texts)
    results = [("corpus-audit Signer.sign_texts", len(texts), t_ours),
               ("datasketch MinHash.update loop", args.loop_docs, t_loop),
               ("datasketch MinHash.bulk", args.bulk_docs, t_bulk),
               ("rensa RMinHash, Python-built shingles", len(texts), t_rensa)]
    ours_rate = len(texts) / t_ours
    print("| contender | documents timed | seconds | documents/s | corpus-audit is faster by |")
    print("|---|---|---|---|---|")
    for name, n, seconds in results:
        print(f"| {name} | {n:,} | {seconds:.1f} | {rate(n, seconds)} | {ours_rate / (n / seconds):.1f}x |")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "docs.jsonl")
        with open(path, "w", encoding="utf-8") as out:
            for i, t in enumerate(texts[:args.scan_docs]):
                out.write(json.dumps({"id": str(i), "source": f"s{i % 20}", "text": t}) + "\n")
        one = scan_rate(args.scan_docs, 1, path)
        two = scan_rate(args.scan_docs, 2, path)
    print(f"\nEnd-to-end scan of {args.scan_docs:,} documents (JSON Lines; every stage, readability and tone "
          f"included): 1 process {rate(args.scan_docs, one)} documents/s, 2 processes {rate(args.scan_docs, two)} documents/s.")


if __name__ == "__main__":
    main()
