"""Time one scan serially, on the local process pool and on Dask with 1 and 2 workers, stage by stage.

The corpus is bench/dedup_memory.py's planted one (bench/synthetic.py documents, about 2.5 KB
each, every tenth a 3%-edited copy of the one five before it), written once as one JSON Lines file
and read in byte ranges of ``--blocksize``. Each run is a fresh Python process (so peak memory is
its own), and the configurations take turns round by round, so the machine's noise hits them
alike; the table gives the median over rounds. Stages are timed around the library's own
functions (nothing is re-implemented here):

- start-up: Dask's LocalCluster started and joined (the local pool starts inside the analysis);
- analysis: reading and per-document work, up to the last summary the client receives;
- corpus pass: LSH candidates and verification (``find_duplicates``), then template lines;
- report: the JSON report rendered.

With ``--against TREE`` (repeatable), another source tree (an older commit's worktree) runs the
same configurations, its runs taking turns with this tree's round by round (each run a process
with ``PYTHONPATH`` set to its tree): on a shared machine, only figures taken in turns compare.

With ``--external``, the Dask configurations run on a ``dask scheduler`` and ``dask worker``
processes started for each run (on loopback), not on a ``LocalCluster``, whose scheduler runs in
the client's process: the client's CPU is then its own, and the scheduler's is given apart.

Weighed in one more Dask run after the timed ones (pickling every summary to weigh it costs the
client CPU, so no timed run does it): the summaries the client receives, the row numbers it sends
back (the band keys stay on the workers), the shuffle rows the workers exchange, the candidate
pairs that come back, and the bodies re-read for template lines, per document. Each run records
each worker process's peak resident memory, and its CPU time before the scan and after: the
difference is the per-document rate (a worker's start-up is a cost of the cluster, not of a document;
its first task's loading of the rules and models still counts).

    python bench/dask_scaling.py --docs 20000 --rounds 3
    python bench/dask_scaling.py --docs 20000 --rounds 3 --configs dask-1,dask-2 --against /tmp/wt/base
    python bench/dask_scaling.py --docs 20000 --rounds 3 --configs dask-1,dask-2 --external
"""

from __future__ import annotations

import argparse
import atexit
import importlib
import inspect
import json
import os
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dedup_memory import Planted  # noqa: E402
from synthetic import CHUNK  # noqa: E402

CONFIGS = {"serial": ("local", 1), "pool-2": ("local", 2), "dask-1": ("dask", 1), "dask-2": ("dask", 2)}
SOURCES = 20


def write_corpus(path: Path, docs: int) -> None:
    corpus = Planted(docs)
    with open(path, "w", encoding="utf-8") as out:
        for k in range((docs + CHUNK - 1) // CHUNK):
            for j, text in enumerate(corpus.chunk(k)):
                i = k * CHUNK + j
                out.write(json.dumps({"id": f"d{i}", "source": f"outlet{i % SOURCES}", "text": text}) + "\n")


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _diagnostics() -> dict[str, Any]:
    """The Dask settings of the cluster the engine starts for itself, which the bench's clusters
    take too (a tree from before they were named had only the profiling off)."""
    from audit.engines.dask import engine

    return dict(getattr(engine, "LOCAL_DIAGNOSTICS", {"distributed.worker.profile.enabled": False}))


def _external_cluster(workers: int) -> Any:
    """A client of a ``dask scheduler`` and ``dask worker`` processes of their own, on loopback:
    the client's CPU is then its own, and the scheduler's is read apart. The processes end with
    this one, however its run ends."""
    from distributed import Client

    folder = tempfile.TemporaryDirectory()
    file = os.path.join(folder.name, "scheduler.json")
    module = [sys.executable, "-m"]
    # As the engine's own local cluster: no dashboard, and its diagnostics.
    env = {**os.environ, **{"DASK_" + key.upper().replace(".", "__").replace("-", "_"): str(value)
                            for key, value in _diagnostics().items()}}
    # Started in the temporary folder: `python -m` puts its folder first on the path, before
    # PYTHONPATH, and in this tree's folder the workers of an --against tree ran this tree's code.
    processes = [subprocess.Popen(module + ["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
                                               "--no-dashboard", "--scheduler-file", file],
                                  env=env, cwd=folder.name, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    while not os.path.exists(file):
        time.sleep(0.05)
    processes.append(subprocess.Popen(module + ["distributed.cli.dask_worker", "--scheduler-file", file,
                                                  "--nworkers", str(workers), "--nthreads", "1", "--host", "127.0.0.1",
                                                  "--no-dashboard"],
                                      env=env, cwd=folder.name, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    client = Client(scheduler_file=file)
    atexit.register(_ended, client, processes, folder)
    client.wait_for_workers(workers)
    return client


def _ended(client: Any, processes: list[subprocess.Popen[bytes]], folder: tempfile.TemporaryDirectory[str]) -> None:
    client.close()  # first: a client whose scheduler is gone retries to reach it, and says so
    for process in reversed(processes):
        process.terminate()
        process.wait()
    folder.cleanup()


def one_run(config: str, path: str, blocksize: int, weigh: bool = False, external: bool = False) -> dict[str, Any]:
    """One scan in this process; returns its stage times, peak memory and (if asked) weights.
    `external`: the Dask cluster's scheduler and workers in processes of their own (see
    :func:`_external_cluster`), not a ``LocalCluster`` whose scheduler runs in this process."""
    from audit.report.formats import render
    from audit.settings import ScanSettings

    # The module, whose names the stage timers below wrap.
    scan_module = importlib.import_module("audit.pipeline")
    engine, workers = CONFIGS[config]
    marks: dict[str, float] = {}
    out: dict[str, Any] = {"config": config}
    cluster = client = None
    t0 = time.perf_counter()
    if engine == "dask":
        import dask
        from distributed import Client, LocalCluster

        if external:
            client = _external_cluster(workers)
        else:
            # As the engine starts its own (the bench starts it here to time it and read its workers).
            with dask.config.set(_diagnostics()):
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None)
            client = Client(cluster)
        out["startup_s"] = time.perf_counter() - t0
        out["scheduler_cpu_before_s"] = client.run_on_scheduler(time.process_time) if external else None
        settings = ScanSettings(engine="dask", scheduler=client.scheduler.address, blocksize=blocksize)
        # The workers' CPU before the scan (their processes' start-up), left out of the per-document rate.
        out["worker_cpu_before_s"] = sorted(client.run(time.process_time).values())
        if weigh:
            _weigh(out)
    else:
        out["startup_s"] = 0.0
        settings = ScanSettings(jobs=workers)

    # Stage boundaries: the corpus pass's two functions, wrapped where scan_corpus calls them.
    find, templates = scan_module.find_duplicates, scan_module.template_findings

    def timed_find(*a: Any, **k: Any) -> Any:
        marks["analysis_end"] = time.perf_counter()
        try:
            return find(*a, **k)
        finally:
            marks["lsh_end"] = time.perf_counter()

    def timed_templates(*a: Any, **k: Any) -> Any:
        yield from templates(*a, **k)
        marks["templates_end"] = time.perf_counter()

    scan_module.find_duplicates, scan_module.template_findings = timed_find, timed_templates
    out["client_cpu_before_s"] = time.process_time()
    t1 = time.perf_counter()
    # As `scan --format json` scans (in trees that take it: each document's entries in the report
    # rendered where it is analyzed).
    told = {"json_report": True} if "json_report" in inspect.signature(scan_module.scan).parameters else {}
    result = scan_module.scan([path], settings, **told)
    t2 = time.perf_counter()
    report = render(result, "json", "bench")
    t3 = time.perf_counter()
    out.update(analysis_s=marks["analysis_end"] - t1, lsh_verify_s=marks["lsh_end"] - marks["analysis_end"],
               templates_s=marks["templates_end"] - marks["lsh_end"], rest_s=t2 - marks["templates_end"],
               report_s=t3 - t2, documents=len(result.documents), clusters=len(result.clusters),
               pairs=len(result.duplicate_pairs), report_bytes=len(report.encode()), findings=len(result.findings),
               # The rules' time limit is wall-clock: on a crowded machine a search can run out of it.
               rule_gave_up=sum(f.message.startswith("Rule gave up") for f in result.findings))
    out["client_peak_mib"] = _peak_mib()
    out["cpu_s_client"] = time.process_time()
    if client is not None:
        out["worker_peak_mib"] = sorted(client.run(_peak_mib).values())
        out["worker_cpu_s"] = sorted(client.run(time.process_time).values())
        out["worker_transfer_bytes"] = sum(client.run(_transferred).values())
        if external:
            out["scheduler_cpu_s"] = client.run_on_scheduler(time.process_time)
        client.close()
        if cluster is not None:
            cluster.close()
    else:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        out["worker_peak_mib"] = [children.ru_maxrss / 1024] if workers > 1 else []
        out["worker_cpu_s"] = [children.ru_utime + children.ru_stime] if workers > 1 else []
    return out


def _transferred(dask_worker: Any = None) -> int:
    """Bytes this worker sent to other workers (Dask's own count)."""
    return int(getattr(dask_worker, "transfer_outgoing_bytes_total", 0))


def _weigh(out: dict[str, Any]) -> None:
    """Record what the Dask engine sends between client and workers, by wrapping its methods."""
    import audit.engines.dask.engine as de

    weights = out.setdefault("weights", {"summaries": 0, "row_numbers": 0, "shuffle_rows": 0, "pairs": 0,
                                         "bodies": 0, "documents": 0})
    in_order, candidates, loader = de.DaskEngine._in_order, de.DaskEngine.candidates, de.DaskEngine.loader

    def weighed_in_order(self: Any, futures: list) -> Any:
        # A part's analysis at a time (since the engines give blocks), or a record at a time.
        for item in in_order(self, futures):
            weights["summaries"] += len(pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL))
            weights["documents"] += len(item.records) if hasattr(item, "records") else 1
            yield item

    def weighed_candidates(self: Any, summaries: list, settings: Any, keys: Any) -> Any:
        # The client sends each part its records' row numbers; the parts' tasks make the rows.
        weights["row_numbers"] += sum(int(r.nbytes) for r in self.numbers)
        tables = [s.passages for s in summaries]
        if all(hasattr(t, "__len__") for t in tables):
            count = sum(map(len, tables))
        else:  # the passages' tables stayed where the parts were analyzed (since 09f034b)
            count = sum(total for total, _ in de.gathered(self.client.map(de.tasks.passage_counts, self.kept,
                                                                          pure=False), "weighing"))
        documents, passages = candidates(self, summaries, settings, keys)
        # band_rows's rows: band (a byte), key and row id (8 bytes each), one row per band per document or passage.
        signed = sum(s.signature is not None for s in summaries)
        weights["shuffle_rows"] += 17 * (signed * settings.document_bands + count * settings.passage_bands)
        weights["pairs"] += int(documents.nbytes) + int(passages.nbytes)
        return documents, passages

    def weighed_loader(self: Any, *a: Any) -> Any:
        load = loader(self, *a)

        def counted(needed: set[int]) -> Any:
            for i, body in load(needed):
                weights["bodies"] += len(pickle.dumps(body, protocol=pickle.HIGHEST_PROTOCOL))
                yield i, body
        return counted

    de.DaskEngine._in_order, de.DaskEngine.candidates, de.DaskEngine.loader = weighed_in_order, weighed_candidates, weighed_loader


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--blocksize", type=int, default=4 * 1024 * 1024)
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--weigh", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--against", action="append", default=[], help="another source tree (repeatable)")
    parser.add_argument("--json", help="Also write every run's figures to this file.")
    parser.add_argument("--external", action="store_true",
                        help="Run the Dask configurations on a `dask scheduler` and `dask worker` processes of their own, "
                             "so that the client's CPU is its own (a LocalCluster's scheduler runs in the client's process)")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_run(args.one, args.path, args.blocksize, args.weigh, args.external)))
        return
    configs = args.configs.split(",")
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "corpus.jsonl"
        t = time.perf_counter()
        write_corpus(path, args.docs)
        print(f"corpus: {args.docs:,} documents, {path.stat().st_size / 2**20:.1f} MiB, written in "
              f"{time.perf_counter() - t:.0f} s; blocksize {args.blocksize:,} bytes; load {os.getloadavg()}",
              flush=True)
        trees = [None] + [str(Path(t).resolve()) for t in args.against]
        plan = [(r, tree, config, False) for r in range(args.rounds) for tree in trees for config in configs]
        dask = [c for c in configs if c.startswith("dask")]
        for r, tree, config, weigh in plan + ([(args.rounds, None, dask[-1], True)] if dask else []):
            env = os.environ if tree is None else {**os.environ, "PYTHONPATH": tree}
            done = subprocess.run([sys.executable, __file__, "--one", config, "--path", str(path),
                                   "--blocksize", str(args.blocksize)] + ["--weigh"] * weigh + ["--external"] * args.external,
                                  capture_output=True, text=True, env=env)
            if done.returncode:
                sys.exit(f"{config} ({tree or 'this tree'}) failed:\n{done.stderr[-3000:]}")
            run = json.loads(done.stdout.strip().splitlines()[-1])
            run["round"], run["load"], run["weighed"], run["tree"] = r, os.getloadavg()[0], weigh, tree
            runs.append(run)
            print(json.dumps(run), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(runs, indent=1))
    for tree in trees:
        if len(trees) > 1:
            print(f"\n### {tree or 'this tree'}")
        summarize([r for r in runs if r["tree"] == tree], configs, args.docs)


def summarize(runs: list[dict[str, Any]], configs: list[str], docs: int) -> None:
    stages = ["startup_s", "analysis_s", "lsh_verify_s", "templates_s", "report_s"]
    print("\n| configuration | start-up | analysis | LSH + verification | template lines | report | total (no start-up) | peak MiB per worker | client peak MiB |")
    print("|---|---|---|---|---|---|---|---|---|")
    medians: dict[str, float] = {}
    for config in configs:
        mine = [r for r in runs if r["config"] == config and not r["weighed"]]
        if not mine:
            continue
        med = {s: statistics.median(r[s] for r in mine) for s in stages}
        total = statistics.median(sum(r[s] for s in stages[1:]) + r["rest_s"] for r in mine)
        medians[config] = total
        workers = ", ".join(f"{m:.0f}" for m in max((r["worker_peak_mib"] for r in mine), key=lambda w: sum(w) if w else 0)) or "-"
        print(f"| {config} | " + " | ".join(f"{med[s]:.1f} s" for s in stages) +
              f" | {total:.1f} s | {workers} | {max(r['client_peak_mib'] for r in mine):.0f} |")
    if "serial" in medians:
        print("\nspeedup over serial (median totals, start-up excluded): " +
              ", ".join(f"{c} {medians['serial'] / medians[c]:.2f}x" for c in configs if c != "serial"))
    if {"dask-1", "dask-2"} <= medians.keys():
        print(f"Dask, 2 workers over 1: {medians['dask-1'] / medians['dask-2']:.2f}x")
    weighed = [r for r in runs if r["weighed"]]
    if weighed:
        w = weighed[-1]["weights"]
        n = max(1, w["documents"])
        print(f"\nbytes per document (the untimed {weighed[-1]['config']} run): " +
              ", ".join(f"{k} {v / n:,.0f}" for k, v in w.items() if k != "documents"))
    for r in runs:
        moved = f"worker-to-worker transfer {r['worker_transfer_bytes'] / docs:,.0f} B/doc, " if "worker_transfer_bytes" in r else ""
        during = ""
        if r.get("worker_cpu_before_s"):
            scan = sum(r["worker_cpu_s"]) - sum(r["worker_cpu_before_s"])
            during = f" ({scan:.1f} s during the scan, {scan / docs * 1000:.2f} ms a document)"
        scheduler = ""
        if r.get("scheduler_cpu_s") is not None:
            scheduler = f", scheduler CPU {r['scheduler_cpu_s'] - r['scheduler_cpu_before_s']:.1f} s during the scan"
        client = r["cpu_s_client"] - r.get("client_cpu_before_s", 0.0)
        print(f"{r['config']} round {r['round']} (load {r['load']:.1f}): {moved}"
              f"worker CPU {r['worker_cpu_s']}{during}, client CPU {r['cpu_s_client']:.1f} s "
              f"({client:.1f} s in the scan and the report, {client / docs * 1000:.3f} ms a document){scheduler}")


if __name__ == "__main__":
    main()
