"""Scan a corpus locally and on a real Dask scheduler with two workers, and compare the reports.

The scheduler and the workers are the ``dask scheduler`` and ``dask worker`` commands, started as
processes on loopback, and both scans are the installed ``corpus-audit`` command, as a user runs
them; the JSON reports must be the same byte for byte (``SOURCE_DATE_EPOCH`` fixes their
timestamp). The comparison is also given piece by piece (findings, clusters, duplicate pairs,
shared passages), so a difference says where it is. Exit status 0 when they are the same, 1 when not.

    python bench/dask_same.py ../shared/data/extraction-dev/docs.jsonl --blocksize 1MiB
    python bench/dask_same.py ../shared/data/readability-dev/docs.jsonl -- --source-field level
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
#: Report keys compared one by one, beside the whole report.
PIECES = ("documents", "findings", "clusters", "duplicate_pairs", "passage_pairs", "source_pairs")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _scan(corpus: str, out: Path, *extra: str) -> float:
    """One run of the installed command; its wall-clock seconds."""
    started = time.perf_counter()
    done = subprocess.run([str(BIN / "corpus-audit"), "scan", corpus, "--format", "json", "-o", str(out), "-q", *extra],
                          capture_output=True, text=True, env={**os.environ, "SOURCE_DATE_EPOCH": "0"})
    # Exit 1 is a threshold exceeded, a judgement on the corpus; 2 is a failed run.
    if done.returncode not in (0, 1):
        sys.exit(f"corpus-audit scan {' '.join(extra)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--blocksize", default="1MiB")
    # After --: options for both scans (the corpus's field names, a config).
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    args, options = parser.parse_args(argv[:cut]), argv[cut + 1:]
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    procs = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--no-dashboard"], **quiet)]
    try:
        procs += [subprocess.Popen([str(BIN / "dask"), "worker", address, "--nthreads", "1", "--no-dashboard",
                                    "--host", "127.0.0.1"], **quiet) for _ in range(args.workers)]
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(args.workers, timeout=120)
        with tempfile.TemporaryDirectory() as tmp:
            local, remote = Path(tmp) / "local.json", Path(tmp) / "dask.json"
            t_local = _scan(args.corpus, local, *options)
            t_dask = _scan(args.corpus, remote, *options, "--engine", "dask", "--scheduler", address,
                           "--blocksize", args.blocksize)
            a, b = json.loads(local.read_bytes()), json.loads(remote.read_bytes())
            same = local.read_bytes() == remote.read_bytes()
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            p.wait(timeout=60)
    print(f"corpus {args.corpus} {' '.join(options)}: {len(a['documents']):,} documents; local {t_local:.0f} s, "
          f"Dask ({args.workers} workers, blocksize {args.blocksize}) {t_dask:.0f} s")
    for key in PIECES:
        print(f"  {key}: {len(a.get(key) or [])} local, {len(b.get(key) or [])} on Dask, "
              f"{'same' if a.get(key) == b.get(key) else 'DIFFERENT'}")
    print("reports byte for byte: " + ("same" if same else "DIFFERENT"))
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
