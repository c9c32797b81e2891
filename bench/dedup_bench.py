"""Benchmark the feed index: adding and checking items against an index that already holds many.

For each backend (SQLite file, Redis), the script

1. builds an index of ``--items`` items (1,000,000 by default) through the ordinary
   ``check_and_add`` path, in batches of ``--build-batch``: every item is checked before it is
   added, exactly as ``dedup`` does, only with larger batches. Their signatures are random, which
   is what the signatures of unrelated documents look like to an LSH index;
2. on the full index, times batches of ``--batch`` (the ``dedup`` default, 100): new items
   (checked, then added) and near-duplicates of stored items (checked, found, not added), as
   items per second;
3. times single-item checks (a batch of one, half new, half repeats) for lookup latency, p50 and
   p99;
4. measures the index's size: the SQLite file (and WAL) on disk; for Redis, the memory its keys
   take and the size of Redis' files on disk once rewritten;
5. runs the real thing end to end: real scraped articles (``--texts``, JSON Lines) through
   ``audit.feed.dedup.run`` into the full index (repair, rules, signature, check, add, output file), as
   items per second.

Redis runs as a child ``redis-server`` on a free loopback port with ``appendonly yes`` and
``appendfsync everysec`` (``--redis-url`` uses a server of yours instead).

    python bench/dedup_bench.py --backend sqlite --backend redis --dir /tmp/bench \\
        --texts ../shared/data/extraction-dev/docs.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from audit.feed.dedup import index_params, run
from audit.feed.index import IndexParams, Item, index_keys
from audit.feed.backends import open_index
from audit.lines.rules import load_rules
from audit.settings import SimilaritySettings


def random_signatures(rng: np.random.Generator, n: int, num_perm: int) -> np.ndarray:
    return rng.integers(0, 2**32, size=(n, num_perm), dtype=np.uint32)


def items_of(signatures: np.ndarray, start: int, tag: str) -> list[Item]:
    return [Item(f"{tag}{start + i}", sig, b'{"id": "%s%d"}\n' % (tag.encode(), start + i))
            for i, sig in enumerate(signatures)]


def perturb(signatures: np.ndarray, rng: np.random.Generator, changed: int) -> np.ndarray:
    """Near-duplicates: `changed` of the values of each signature replaced."""
    out = signatures.copy()
    for row in out:
        positions = rng.choice(len(row), changed, replace=False)
        row[positions] = rng.integers(0, 2**32, changed, dtype=np.uint32)
    return out


def bulk_build_sqlite(index, stored: np.ndarray, rng: np.random.Generator, params: IndexParams, clock: float) -> None:
    """Fill a new SQLite index fast, as nothing but a bench needs: random items written straight
    into its tables (no checks: random signatures repeat nothing), band entries sorted by key so
    each page of the band B-tree is written once. The tables end up denser than an index grown
    item by item, so their size is reported from an index grown normally too."""
    conn = index._conn
    n = len(stored)
    numbers = np.arange(1, n + 1, dtype=np.int64)
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        for start in range(0, n, 100_000):
            sigs = random_signatures(rng, min(100_000, n - start), params.num_perm)
            stored[start:start + len(sigs)] = sigs
            conn.executemany("INSERT INTO items (n, id, added, signature) VALUES (?, ?, ?, ?)",
                             ((start + i + 1, f"base{start + i}", clock, sig.astype("<u4").tobytes())
                              for i, sig in enumerate(sigs)))
        keys = index_keys(stored, params.bands, params.rows)
        owners = np.repeat(numbers, params.bands)
        flat = keys.ravel()
        order = np.lexsort((owners, flat))
        for start in range(0, len(order), 1_000_000):
            chunk = order[start:start + 1_000_000]
            conn.executemany("INSERT INTO bands (key, n) VALUES (?, ?)", zip(flat[chunk].tolist(), owners[chunk].tolist()))


def start_redis(folder: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
                             "--appendonly", "yes", "--appendfsync", "everysec", "--save", ""],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("redis-server did not start")


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def bench_backend(name: str, location: str, args: argparse.Namespace, redis_dir: Path | None) -> dict:
    params = index_params(SimilaritySettings(), load_rules())
    rng = np.random.default_rng(1)
    index = open_index(location, params)
    result: dict = {"backend": name}

    t0 = time.perf_counter()
    stored = np.empty((args.items, params.num_perm), dtype=np.uint32)
    clock = 1_700_000_000.0
    if args.bulk and name == "sqlite":
        bulk_build_sqlite(index, stored, rng, params, clock)
    for start in range(0, args.items if not (args.bulk and name == "sqlite") else 0, args.build_batch):
        sigs = random_signatures(rng, min(args.build_batch, args.items - start), params.num_perm)
        stored[start:start + len(sigs)] = sigs
        verdicts = index.check_and_add(items_of(sigs, start, "base"), clock, [])
        assert all(v.new for v in verdicts)
        if start and start % 100_000 == 0:
            print(f"  {name}: {start:,} items in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    build_s = time.perf_counter() - t0
    result["build"] = {"items": args.items, "seconds": round(build_s, 1), "items_per_s": round(args.items / build_s),
                       "how": "bulk: sorted inserts, no checks" if args.bulk and name == "sqlite" else
                              f"check_and_add in batches of {args.build_batch}"}

    # Adding new items, and checking repeats of stored ones, in dedup's batch size.
    fresh = random_signatures(rng, args.probe, params.num_perm)
    t0 = time.perf_counter()
    for start in range(0, args.probe, args.batch):
        index.check_and_add(items_of(fresh[start:start + args.batch], start, "new"), clock + 1, [])
    add_s = time.perf_counter() - t0
    picks = rng.choice(args.items, args.probe, replace=False)
    repeats = perturb(stored[picks], rng, 13)  # about 0.9 similar
    found = 0
    t0 = time.perf_counter()
    for start in range(0, args.probe, args.batch):
        verdicts = index.check_and_add(items_of(repeats[start:start + args.batch], start, "rep"), clock + 2, [])
        found += sum(v.duplicate_of == f"base{picks[start + i]}" for i, v in enumerate(verdicts))
    check_s = time.perf_counter() - t0
    result["batches"] = {
        "batch": args.batch,
        "add_new_items_per_s": round(args.probe / add_s),
        "check_repeats_items_per_s": round(args.probe / check_s),
        "repeats_found": f"{found}/{args.probe}",
    }

    # Latency of one item at a time: half new, half repeats.
    singles = random_signatures(rng, args.latency // 2, params.num_perm)
    picks = rng.choice(args.items, args.latency // 2, replace=False)
    mixed = np.concatenate([singles, perturb(stored[picks], rng, 13)])
    order = rng.permutation(len(mixed))
    times = np.empty(len(mixed))
    for k, i in enumerate(order):
        t = time.perf_counter()
        index.check_and_add(items_of(mixed[i:i + 1], k, "lat"), clock + 3, [])
        times[i] = time.perf_counter() - t
    ms = times * 1000
    half = len(singles)

    def pct(values: np.ndarray) -> dict:
        return {"p50": round(float(np.percentile(values, 50)), 3), "p99": round(float(np.percentile(values, 99)), 3)}

    result["latency_ms"] = {"items": len(ms), "all": pct(ms), "new": pct(ms[:half]), "repeat": pct(ms[half:])}

    stats = index.stats()
    result["size"] = {"items": stats.items, "bytes": stats.size_bytes, "what": stats.size_note,
                      "bytes_per_item": round(stats.size_bytes / stats.items)}
    index.close()
    if redis_dir is not None:
        import redis
        client = redis.Redis.from_url(location)
        client.bgrewriteaof()
        while client.info("persistence")["aof_rewrite_in_progress"] or client.info("persistence")["aof_rewrite_scheduled"]:
            time.sleep(0.5)
        time.sleep(1)
        result["size"]["on_disk_bytes"] = folder_size(redis_dir)
        result["size"]["redis_used_memory"] = client.info("memory")["used_memory"]
        client.close()

    if args.texts:
        docs = [json.loads(line) for line in Path(args.texts).read_text(encoding="utf-8").splitlines()]
        with tempfile.TemporaryDirectory() as tmp:
            feed = Path(tmp) / "feed.jsonl"
            feed.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
            t0 = time.perf_counter()
            done = run([str(feed)], location, SimilaritySettings(), load_rules(), output=str(Path(tmp) / "new.jsonl"),
                       duplicates=str(Path(tmp) / "dups.jsonl"))
            e2e_s = time.perf_counter() - t0
        result["end_to_end"] = {"items": done.counts.read, "new": done.counts.new,
                                "duplicates": done.counts.duplicates, "seconds": round(e2e_s, 1),
                                "items_per_s": round(done.counts.read / e2e_s)}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", action="append", choices=["sqlite", "redis"], required=True)
    parser.add_argument("--items", type=int, default=1_000_000, help="items in the index before timing")
    parser.add_argument("--build-batch", type=int, default=5000)
    parser.add_argument("--bulk", action="store_true",
                        help="build the SQLite index by sorted bulk inserts instead of check_and_add")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--probe", type=int, default=20_000, help="items timed for adding, and for checking")
    parser.add_argument("--latency", type=int, default=2000, help="single-item checks timed")
    parser.add_argument("--texts", help="JSON Lines of real articles for the end-to-end run")
    parser.add_argument("--dir", default=None, help="where the SQLite index and Redis' files go")
    parser.add_argument("--redis-url", help="a Redis of yours instead of a child redis-server")
    args = parser.parse_args()
    work = Path(args.dir or tempfile.mkdtemp(prefix="dedup-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"# {datetime.now(timezone.utc).isoformat(timespec='seconds')} on {platform.node()}: "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}, SQLite "
          f"{__import__('sqlite3').sqlite_version}", flush=True)
    for backend in args.backend:
        if backend == "sqlite":
            path = work / "feed.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            print(json.dumps(bench_backend("sqlite", str(path), args, None)), flush=True)
        else:
            rdir = work / "redis"
            shutil.rmtree(rdir, ignore_errors=True)
            rdir.mkdir()
            proc, url = (None, args.redis_url) if args.redis_url else start_redis(rdir)
            try:
                version = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.split()[2]
                print(f"# redis-server {version}", flush=True)
                print(json.dumps(bench_backend("redis", url, args, None if args.redis_url else rdir)), flush=True)
            finally:
                if proc is not None:
                    proc.terminate()
                    proc.wait()


if __name__ == "__main__":
    main()
