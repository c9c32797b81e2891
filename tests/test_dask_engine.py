"""--engine dask gives the local engine's report, for any partitioning, with the work on workers."""

from __future__ import annotations

import gzip
import json
import operator
import os
import random
import re
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

#: A local cluster starts in about a second, and some tests kill workers and wait them out.
pytestmark = pytest.mark.slow

distributed = pytest.importorskip("distributed", reason="the Dask engine needs the dask extra: pip install '.[dask]'")

from dask.utils import key_split  # noqa: E402

from audit.report.formats import render
from audit.pipeline import scan
from audit.records import HELD
from audit.settings import ScanSettings  # noqa: E402

WORDS = ("river harbor council budget school teacher market price winter storm road bridge farmer "
         "harvest court judge museum painting train station doctor clinic league season").split()


def _story(rng: random.Random, n: int) -> str:
    sentences = []
    for _ in range(n):
        sentences.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 16))).capitalize() + ".")
    return "\n".join(" ".join(sentences[i:i + 3]) for i in range(0, len(sentences), 3))


def _edit(rng: random.Random, text: str) -> str:
    """A near-duplicate: a few words changed."""
    words = text.split(" ")
    for _ in range(max(1, len(words) // 40)):
        words[rng.randrange(len(words))] = rng.choice(WORDS)
    return " ".join(words)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Near-duplicates across files and partitions, a 200-copy bucket, short, empty, damaged and
    id-less records, a repeated id, a .gz file and a folder of text files."""
    rng = random.Random(9)
    root = tmp_path_factory.mktemp("dask-corpus")
    stories = [_story(rng, rng.randint(6, 20)) for _ in range(40)]
    copied = _story(rng, 12)
    a, b = [], []
    for i, text in enumerate(stories):
        a.append({"id": f"a{i}", "source": "alpha", "text": text})
        if i % 3 == 0:
            # beta's pages end on a template line, which only the corpus count finds
            b.append({"id": f"b{i}", "source": "beta",
                      "text": _edit(rng, text) + "\nPrinted in the weekly valley edition of the beta paper"})
    for k in range(200):
        a.insert(rng.randrange(len(a) + 1), {"id": f"copy{k}", "source": "gamma", "text": copied})
    # One site's pages end on its footer; three other extractions of its first page keep that
    # page's lead and a long passage of their own. Sharing half their prose lines, the four are
    # copies (only by their prose lines: too little text alike to be near-duplicates), so the lead
    # counts once and is no template line; the footer is one.
    lead = " ".join(rng.choice(WORDS) for _ in range(14)).capitalize() + "."
    for i in range(4):
        a.append({"id": f"site{i}", "source": "epsilon",
                  "text": (lead if i == 0 else _story(rng, 1)) + "\n" + _story(rng, 9)
                  + "\nFiled from the riverside desk of the epsilon evening edition"})
    for n in range(3):
        a.append({"id": f"version{n}", "source": "epsilon", "text": lead + "\n" + _story(rng, 5).replace("\n", " ")})
    # A page dump holding three whole stories: each of them is inside it, which only shared
    # anchors find (its signature is far from theirs).
    a.append({"id": "dump", "source": "delta", "text": "\n".join(stories[10:13] + stories[20:26])})
    a += [{"id": "short", "text": "Too short."}, {"id": "empty", "text": ""},
          {"id": "mojibake", "source": "alpha", "text": "The cafÃ© opened â€” at last.\n" + stories[1]},
          {"text": "A record without an id.\n" + _edit(rng, stories[2])}, {"id": "a5", "text": "repeated id"}]
    lines = [json.dumps(r) for r in a]
    lines.insert(17, "{not json")
    (root / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with gzip.open(root / "b.jsonl.gz", "wt", encoding="utf-8") as out:
        out.write("".join(json.dumps(r) + "\n" for r in b))
    (root / "pages").mkdir()
    for i in (4, 7):
        (root / "pages" / f"p{i}.txt").write_text(_edit(rng, stories[i]) + "\n", encoding="utf-8")
    (root / "pages" / "blank.txt").write_text("  \n", encoding="utf-8")
    (root / "pages" / "own.txt").write_text(_story(rng, 9) + "\nShare this article\n", encoding="utf-8")
    return root


def _json(corpus: Path, settings: ScanSettings) -> dict:
    data = json.loads(render(scan([str(corpus)], settings), "json", "corpus"))
    data.pop("generated")
    return data


@pytest.fixture(scope="session")
def local_report(corpus: Path) -> dict:
    report = _json(corpus, ScanSettings(jobs=1))
    # The corpus holds what the test is about: the copies cluster, and ids come from line numbers.
    assert any(len(c["members"]) == 200 for c in report["clusters"])
    assert any(d["id"].startswith("a:") for d in report["documents"])
    assert report["passage_pairs"] and report["duplicate_pairs"]
    assert {(p["a"], p["b"]) for p in report["duplicate_pairs"] if p["relation"] == "contained"} >= {
        ("a10", "dump"), ("a11", "dump"), ("a12", "dump")}
    assert any(f["rule"] == "lines.template" for f in report["findings"])
    assert {f["document"] for f in report["findings"] if f["rule"] == "lines.template" and f["document"].startswith(
        ("site", "version"))} == {"site0", "site1", "site2", "site3"}
    assert not any(c for c in report["clusters"] if {"site0", "version0"} & set(c["members"]))
    return report


@pytest.fixture(scope="session")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as c:
        yield c


def _not_on_the_client(*args, **kwargs):
    raise AssertionError("LSH, verification, passages, template counting or the report content ran on the client")


@pytest.mark.parametrize("blocksize, finest", [(1500, None), (64 * 1024 * 1024, None), (64 * 1024 * 1024, 1000)])
def test_dask_report_equals_local_and_runs_on_workers(corpus, local_report, cluster, blocksize, finest, monkeypatch):
    # `finest`: a corpus that the blocksize gives the workers too few parts of is cut finer, down to it.
    if finest is not None:
        monkeypatch.setattr("audit.engines.dask.engine.MIN_BLOCKSIZE", finest)
    settings = ScanSettings(engine="dask", scheduler=cluster.scheduler_address, blocksize=blocksize)
    # In this process only: the workers import their own, unpatched, modules.
    from audit import records
    from audit.engines import local
    from audit.engines.dask import shuffle, tasks
    from audit.lines import templates
    from audit.similarity import candidates, duplicates, keystore, verify

    # Nor are the line keys: each part finds its documents' template lines. Nor is the report
    # content pickled here (it comes pickled, and is spooled as it came): packing pickles nothing else.
    monkeypatch.setattr(records, "pickle", SimpleNamespace(dumps=_not_on_the_client, HIGHEST_PROTOCOL=5))
    for owner, name in [(templates.Templates, "unclaimed"),
                        (verify, "shingle_sets"), (tasks, "pair_counts"), (verify, "intersections"),
                        (tasks, "verify"), (local, "copy_pairs"),
                        (verify, "_estimates"), (candidates, "sharing_pairs"), (candidates, "band_keys"),
                        (shuffle, "band_keys"), (candidates, "key_pairs"), (shuffle, "key_pairs"),
                        (keystore.PassageKeys, "add"), (local, "count_templates"), (shuffle, "counted"),
                        (duplicates, "shared_passages_in_blocks"), (tasks, "shared_passages")]:
        monkeypatch.setattr(owner, name, _not_on_the_client)
    def count_preparing():
        # On each worker: count the documents prepared (repaired, matched), from now on.
        import audit.analyze

        prepare = getattr(audit.analyze.prepare, "counted", audit.analyze.prepare)

        def counted(*args, **kwargs):
            counted.calls += 1
            return prepare(*args, **kwargs)

        counted.calls, counted.counted = 0, prepare
        audit.analyze.prepare = counted

    def prepared():
        import audit.analyze

        calls = audit.analyze.prepare.calls
        audit.analyze.prepare = audit.analyze.prepare.counted
        return calls

    # Nor are the documents' entries in the JSON report rendered here: the parts rendered them.
    from audit.report import json_entries, markdown

    monkeypatch.setattr(json_entries, "document_json", _not_on_the_client)
    monkeypatch.setattr(markdown, "document_json", _not_on_the_client)
    with distributed.Client(cluster) as client, distributed.get_task_stream(client) as stream:
        client.run(count_preparing)
        result = scan([str(corpus)], settings, json_report=True)
        report = json.loads(render(result, "json", "corpus"))
        pids = set(client.run(os.getpid).values())
        # Each document was prepared once, by its analysis: verification and the template
        # findings read the compared lines the analysis kept on the workers. (The record with a
        # repeated id is analyzed on its worker too; the client leaves it out.)
        assert sum(client.run(prepared).values()) == len(result.documents) + 1
    report.pop("generated")
    assert report == local_report
    # The signatures stayed on the workers (the MinHash estimates in the report were made there).
    assert {d.signature for d in result.documents} <= {HELD, None}
    assert any(d.signature is HELD for d in result.documents)
    # So did the anchors and the prose keys (containment candidates and copies were paired there),
    # and where the passages are (the shared passages were found and quoted there).
    assert all(d.anchors is HELD for d in result.documents)
    assert all(d.prose_keys is HELD for d in result.documents)
    assert all(d.passages is HELD for d in result.documents)
    analyzed = [t for t in stream.data if key_split(t["key"]) == "analyze_part"]
    shuffled = [t for t in stream.data if key_split(t["key"]) == "pair_partition"]
    keyed = {key_split(t["key"]) for t in stream.data} & {"document_rows", "passage_rows", "template_rows", "count_partition"}
    hashed = [t for t in stream.data if key_split(t["key"]) == "sets_part"]
    compared = [t for t in stream.data if key_split(t["key"]) == "verified"]
    quoted = [t for t in stream.data if key_split(t["key"]) == "passages"]
    assert analyzed and shuffled and hashed and compared and quoted and len(keyed) == 4
    assert {t["worker"] for t in analyzed} <= set(cluster.scheduler_info["workers"])
    assert os.getpid() not in pids and len(pids) == 2
    if blocksize == 1500:
        # a.jsonl alone is cut into many byte ranges, spread over both workers
        assert len(analyzed) > 10 and len({t["worker"] for t in analyzed}) == 2
    elif finest is not None:
        # At 64 MiB the corpus is 6 parts (a.jsonl, the .gz file, four text files): a.jsonl cut finer,
        # the two workers have at least PARTS_PER_WORKER each.
        from audit.engines.dask.engine import PARTS_PER_WORKER

        assert len(analyzed) >= 2 * PARTS_PER_WORKER and len({t["worker"] for t in analyzed}) == 2


@pytest.mark.parametrize("workers, count", [(1, 4), (2, 8), (3, 12), (16, 48), (64, 50)])
def test_a_corpus_cut_finer_is_cut_into_ranges_of_one_size(tmp_path, monkeypatch, workers, count):
    """PARTS_PER_WORKER ranges a worker, of one size (no remainder for one worker to finish alone);
    never more than ranges of MIN_BLOCKSIZE would make (50 here), then a multiple of the workers."""
    from types import SimpleNamespace

    from audit.engines.dask.engine import DaskEngine
    from audit.read.readers import Corpus

    monkeypatch.setattr("audit.engines.dask.engine.MIN_BLOCKSIZE", 1000)
    path = tmp_path / "a.jsonl"
    path.write_text("".join(json.dumps({"id": f"{i:03d}", "text": "x" * 74}) + "\n" for i in range(500)))
    assert path.stat().st_size == 50_000
    engine = SimpleNamespace(settings=ScanSettings(blocksize=1 << 20), _workers=lambda: workers)
    with Corpus([str(path)]) as corpus:
        parts = DaskEngine._parts(engine, corpus)  # type: ignore[arg-type]
    sizes = [(p.end or 50_000) - p.start for p in parts]
    assert len(parts) == count and max(sizes) - min(sizes) < count and sum(sizes) == 50_000


def test_a_corpus_of_several_files_cut_finer_gives_each_file_ranges_of_one_size(tmp_path, monkeypatch):
    """Two files cut, one too small to cut and one given twice: 8 parts for 2 workers, each file's
    ranges of one size, the ranges shared in proportion to the files' sizes."""
    from types import SimpleNamespace

    from audit.engines.dask.engine import DaskEngine
    from audit.read.readers import Corpus

    monkeypatch.setattr("audit.engines.dask.engine.MIN_BLOCKSIZE", 1000)
    sizes = {"a": 30_000, "b": 20_000, "c": 500}
    for name, n in sizes.items():
        (tmp_path / f"{name}.jsonl").write_text("".join(json.dumps({"id": f"{i:03d}", "text": "x" * 74}) + "\n"
                                                        for i in range(n // 100)))
    engine = SimpleNamespace(settings=ScanSettings(blocksize=1 << 20), _workers=lambda: 2)
    with Corpus([str(tmp_path / f"{name}.jsonl") for name in "abc"]) as corpus:
        parts = DaskEngine._parts(engine, corpus)  # type: ignore[arg-type]
    with Corpus([str(tmp_path / "b.jsonl")] * 2) as corpus:
        twice = DaskEngine._parts(engine, corpus)  # type: ignore[arg-type]
    for found, files in ((parts, "abc"), (twice, "bb")):
        assert len(found) == 8
        per_file: dict[str, list[int]] = {}
        for p in found:
            per_file.setdefault(Path(p.path).stem, []).append((p.end or sizes[Path(p.path).stem]) - p.start)
        for name, lengths in per_file.items():
            assert sum(lengths) == sizes[name] * files.count(name) and max(lengths) - min(lengths) < 8
    assert [len(per) for per in [[p for p in parts if Path(p.path).stem == n] for n in "abc"]] == [4, 3, 1]


def test_components_on_the_cluster_past_the_client_limit_give_the_local_report(corpus, local_report, cluster,
                                                                               monkeypatch):
    # Past CLIENT_PAIRS the verified pairs stay on the workers, which find their components; the
    # client takes them a share of the components at a time. The 200 copies are one share.
    from audit.engines.dask import engine as dask_engine

    monkeypatch.setattr(dask_engine, "CLIENT_PAIRS", 0)
    monkeypatch.setattr(dask_engine, "CLIENT_SHARE", 500)
    taken: list[int] = []
    whole = dask_engine.by_components

    def counted(edges, *args):
        taken.append(len(edges))
        return whole(edges, *args)

    monkeypatch.setattr(dask_engine, "by_components", counted)
    settings = ScanSettings(engine="dask", scheduler=cluster.scheduler_address, blocksize=1500)
    with distributed.Client(cluster) as client, distributed.get_task_stream(client) as stream:
        assert _json(corpus, settings) == local_report
    assert {"large_star", "small_star", "labelled", "joined"} <= {key_split(t["key"]) for t in stream.data}
    assert len([n for n in taken if n]) > 2 and max(taken) >= 200 * 199 // 2 and max(taken) < sum(taken)


def test_dask_own_local_cluster_of_one_worker(corpus, local_report):
    assert _json(corpus, ScanSettings(engine="dask", workers=1, blocksize=4000)) == local_report


def test_strict_stops_on_the_first_problem_as_locally(corpus, cluster):
    from audit.errors import InputError

    messages = []
    for settings in (ScanSettings(strict=True), ScanSettings(strict=True, engine="dask",
                                                             scheduler=cluster.scheduler_address, blocksize=2000)):
        with pytest.raises(InputError) as caught:
            scan([str(corpus)], settings)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]


def test_local_engine_imports_no_dask(seeds):
    code = ("import sys; from audit.cli import main; from audit.pipeline import scan; scan([sys.argv[1]]); "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')); "
            "print(bad); sys.exit(bool(bad))")
    done = subprocess.run([sys.executable, "-c", code, str(seeds)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_unreachable_scheduler_is_one_line_exit_2(cli_process, seeds):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.monotonic()
    done = cli_process("scan", str(seeds), "--engine", "dask", "--scheduler", f"tcp://127.0.0.1:{port}", "-o", "-",
               "--connect-timeout", "1")
    assert done.returncode == 2
    assert "cannot reach the Dask scheduler" in done.stderr
    # The timeout is the flag's, not the default 30 s (which would still pass, slowly).
    assert time.monotonic() - started < 25


def test_cli_on_a_scheduler_and_workers_started_as_commands(cli_process, corpus, tmp_path):
    bin_dir = Path(sys.executable).parent
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    procs = [subprocess.Popen([str(bin_dir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        procs += [subprocess.Popen([str(bin_dir / "dask"), "worker", address, "--nthreads", "1", "--no-dashboard",
                                    "--host", "127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   cwd=tmp_path)
                  for _ in range(2)]
        with distributed.Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        local = cli_process("scan", str(corpus), "--format", "json", "-o", str(tmp_path / "local.json"), "-q")
        remote = cli_process("scan", str(corpus), "--format", "json", "-o", str(tmp_path / "dask.json"), "-q",
                     "--engine", "dask", "--scheduler", address, "--blocksize", "2kB")
        assert local.returncode == remote.returncode, remote.stderr
        assert (tmp_path / "dask.json").read_bytes() == (tmp_path / "local.json").read_bytes()
        # A path the workers do not see (relative, and they run in another folder), in byte ranges
        # and whole: one line and exit 2, not input errors in a report, nor a traceback.
        for args in (["a.jsonl", "--blocksize", "2kB"], ["a.jsonl"]):
            stray = cli_process("scan", *args, "--engine", "dask", "--scheduler", address, "-o", str(tmp_path / "stray.md"),
                        cwd=corpus)
            assert stray.returncode == 2 and not (tmp_path / "stray.md").exists(), stray.stderr
            assert stray.stderr == ("corpus-audit: error: a.jsonl: the Dask workers cannot read it (No such file or "
                                    "directory), though this machine can: give the corpus at a path the workers see "
                                    "(an absolute path on a filesystem they share, or a URL such as s3://bucket/path)\n")
    finally:
        for p in reversed(procs):
            p.terminate()
        deadline = time.monotonic() + 30
        for p in procs:
            try:
                p.wait(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()


def test_engine_config_key(tmp_path, corpus, local_report, cluster):
    config = tmp_path / "audit.toml"
    config.write_text(f'engine = "dask"\nscheduler = "{cluster.scheduler_address}"\nblocksize = 3000\n')
    from audit.config import load_settings

    settings = load_settings(str(config))
    assert (settings.engine, settings.blocksize) == ("dask", 3000)
    assert _json(corpus, settings) == local_report


@pytest.mark.parametrize("stage, workers", [("analyze_part", 2), ("sets_part", 2), ("analyze_part", 1)])
def test_a_worker_killed_mid_run_leaves_the_report_unchanged_or_stops_the_run(corpus, local_report, stage, workers):
    """Killed while it analyzes, a worker's parts are analyzed again elsewhere: the same report.
    So are the only worker's, by the worker its nanny starts: the analyzer the parts read is a
    task's result, made again, not scattered data (lost for good with the last worker holding it;
    with two workers, Dask's memory manager may leave it on one).
    Killed while verification's sets are made, the data sent to it alone (the documents wanted)
    is lost with it: the report is the same, or the run stops with one line, never a wrong report."""
    from audit.errors import AuditError

    with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as own, distributed.Client(own) as client:
        settings = ScanSettings(engine="dask", scheduler=own.scheduler_address, blocksize=300)
        with ThreadPoolExecutor(1) as pool:
            running = pool.submit(_json, corpus, settings)
            victim = None
            deadline = time.monotonic() + 120
            while victim is None and time.monotonic() < deadline and not running.done():
                busy = [w for w, keys in client.processing().items() if any(key_split(k) == stage for k in keys)]
                victim = busy[0] if busy else None
                time.sleep(0.02)
            assert victim is not None, f"no {stage} task was seen running"
            client.run(os._exit, 1, workers=[victim], on_error="ignore")  # it dies without replying
            try:
                report = running.result(timeout=300)
            except AuditError as exc:
                assert stage != "analyze_part", exc
                assert "\n" not in str(exc) and re.match(r"the Dask cluster could not finish the (passage )?verification: ", str(exc))
                return
    assert report == local_report


def _lines(path: Path) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return f.read().splitlines()


@pytest.mark.parametrize("blocksize", [1500, 64 * 1024 * 1024])
def test_clean_on_dask_writes_the_local_output_as_parts_with_a_manifest(corpus, cluster, tmp_path, blocksize):
    from audit.cleaning.run import clean

    local = clean([str(corpus)], str(tmp_path / "local"), ScanSettings(jobs=1))
    settings = ScanSettings(engine="dask", scheduler=cluster.scheduler_address, blocksize=blocksize)
    with distributed.Client(cluster) as client, distributed.get_task_stream(client) as stream:
        parted = clean([str(corpus)], str(tmp_path / "parts"), settings)
    assert [t for t in stream.data if key_split(t["key"]) == "clean_part"]
    assert dataclasses_dict(parted) == dataclasses_dict(local) and local.duplicates_dropped >= 199
    manifest = json.loads((tmp_path / "parts" / "manifest.json").read_text())
    # The parts, in order, hold the local output's records and files; their logs, the local log.
    records = [line for p in manifest["parts"] if p["output"] and p["output"].startswith("part-")
               for line in _lines(tmp_path / "parts" / p["output"])]
    assert records == _lines(tmp_path / "local" / "a.jsonl") + _lines(tmp_path / "local" / "b.jsonl.gz")
    texts = {p.relative_to(tmp_path / "local"): p.read_text() for p in (tmp_path / "local").rglob("*.txt")}
    assert list(texts) == [Path("pages/own.txt")] and "Share this article" not in texts[Path("pages/own.txt")]
    assert texts == {p.relative_to(tmp_path / "parts"): p.read_text() for p in (tmp_path / "parts").rglob("*.txt")}
    logs = [line for p in manifest["parts"] for line in _lines(tmp_path / "parts.removals" / p["log"])]
    assert logs == _lines(tmp_path / "local.removals.jsonl")
    assert manifest["total"]["logged"] == len(logs) == sum(p["logged"] for p in manifest["parts"])
    assert sum(p["documents"] for p in manifest["parts"]) == local.documents
    if blocksize == 1500:
        assert len(manifest["parts"]) > 10
    # No temporary file is left beside the parts.
    assert not [p for p in (tmp_path / "parts").rglob(".*")]


def dataclasses_dict(summary) -> dict:
    import dataclasses

    return dataclasses.asdict(summary)


def test_clean_on_dask_from_the_command_line_and_its_dry_run(cli, corpus, cluster, tmp_path):
    out = tmp_path / "out"
    run = cli("clean", str(corpus), "--out", str(out), "--engine", "dask", "--scheduler", cluster.scheduler_address,
              "--blocksize", "4kB")
    assert run.returncode == 0, run.stderr
    assert f"wrote {out} and {out}.removals" in run.stderr
    assert (out / "manifest.json").exists() and (tmp_path / "out.removals" / "part-00000.jsonl").exists()
    dry = cli("clean", str(corpus), "--out", str(tmp_path / "none"), "--engine", "dask", "--scheduler",
              cluster.scheduler_address, "--dry-run")
    assert dry.returncode == 0 and not (tmp_path / "none").exists()
    logged = [json.loads(line) for line in dry.stdout.splitlines()]
    assert logged == [json.loads(line) for p in sorted((tmp_path / "out.removals").iterdir())
                      for line in p.read_text().splitlines()]
    refused = cli("clean", str(corpus), "--out", "-", "--engine", "dask", "--scheduler", cluster.scheduler_address)
    assert refused.returncode == 2 and refused.stderr.startswith("corpus-audit: error: ")



def test_clean_on_dask_refuses_a_log_over_its_output_and_a_file_read_twice(corpus, cluster, tmp_path):
    from audit.cleaning.run import clean
    from audit.errors import InputError

    settings = ScanSettings(engine="dask", scheduler=cluster.scheduler_address, blocksize=1500)
    out = tmp_path / "out"
    with pytest.raises(InputError, match="removal log must not be the output"):
        clean([str(corpus)], str(out), settings, log=str(out))
    (tmp_path / "log.jsonl").write_text("")
    with pytest.raises(InputError, match="log.jsonl: is a file; with engine=.dask., log is a folder of parts"):
        clean([str(corpus)], str(out), settings, log=str(tmp_path / "log.jsonl"))
    # A glob that also matches a file named on its own: each of the file's lines would have two parts.
    with pytest.raises(InputError, match=r"a\.jsonl: read twice, under two of the inputs"):
        clean([str(corpus / "*.jsonl"), str(corpus / "a.jsonl")], str(out), settings, dry_run=True)
    assert not out.exists()


def test_a_clean_on_dask_that_fails_says_why_in_one_line_and_leaves_no_manifest(corpus, cluster, tmp_path):
    from audit.cleaning.run import clean
    from audit.errors import AuditError

    settings = ScanSettings(engine="dask", scheduler=cluster.scheduler_address)
    out = tmp_path / "out"
    clean([str(corpus)], str(out), settings)
    assert (out / "manifest.json").exists()
    # The rerun cannot put a part in place: a folder stands there. Not the first part, which the
    # run tries before it starts (a folder there is refused at once, the manifest left as it was).
    victim = sorted(out.glob("part-*.jsonl"))[-1]
    assert victim.name != "part-00000.jsonl"
    victim.unlink()
    victim.mkdir()
    with pytest.raises(AuditError, match=rf"/out/{victim.name}: cannot write it: Is a directory$"):
        clean([str(corpus)], str(out), settings)
    assert not (out / "manifest.json").exists()


def test_an_unreadable_file_on_workers_is_one_problem_as_locally(corpus, cluster, tmp_path):
    (tmp_path / "a.jsonl").write_bytes((corpus / "a.jsonl").read_bytes())
    os.symlink("loop.jsonl", tmp_path / "loop.jsonl")  # neither its size nor its bytes can be read
    local = _json(tmp_path, ScanSettings(jobs=1))
    remote = _json(tmp_path, ScanSettings(engine="dask", scheduler=cluster.scheduler_address, blocksize=1500))
    assert remote == local
    assert [f["document"] for f in local["findings"] if f["kind"] == "input-error" and "cannot read file" in
            f["message"]] == [str(tmp_path / "loop.jsonl")]


def test_a_glob_gives_the_local_report_on_workers(corpus, cluster):
    # A matched folder counts as given (its text files are named under it), so the glob's report
    # is compared with the local engine's report of the same glob.
    glob = str(corpus / "*")
    local = json.loads(render(scan([glob], ScanSettings(jobs=1)), "json", "corpus"))
    remote = json.loads(render(scan([glob], ScanSettings(engine="dask", scheduler=cluster.scheduler_address,
                                                         blocksize=1500)), "json", "corpus"))
    local.pop("generated"), remote.pop("generated")
    assert remote == local
    assert {d["origin"].split(":")[0].split("/")[-1] for d in local["documents"]} >= {"a.jsonl", "b.jsonl.gz", "p4.txt"}


def test_a_file_read_under_two_folders_given_is_two_documents_on_workers_too(corpus, cluster):
    # Two documents at one place (two ids): verification must read both, not the last named.
    paths = [str(corpus / "pages"), str(corpus)]
    local = json.loads(render(scan(paths, ScanSettings(jobs=1)), "json", "corpus"))
    remote = json.loads(render(scan(paths, ScanSettings(engine="dask", scheduler=cluster.scheduler_address,
                                                        blocksize=1500)), "json", "corpus"))
    local.pop("generated"), remote.pop("generated")
    assert remote == local
    twice = [sorted(c["members"]) for c in local["clusters"] if "p4.txt" in c["members"]]
    assert twice and "pages/p4.txt" in twice[0]
    assert any({p["a"]["document"], p["b"]["document"]} == {"p4.txt", "pages/p4.txt"} for p in local["passage_pairs"])


def test_a_memory_url_on_workers_in_this_process_gives_the_disk_report(corpus, local_report):
    # fsspec's memory:// lives in one process: the worker is a thread here (processes=False),
    # which still reads every byte range through fsspec, in the cluster's tasks. One worker with
    # one thread, because memory:// hands every reader of a file the same file object.
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    root = f"/dask-{os.getpid()}"
    for path in corpus.rglob("*"):
        if path.is_file():
            fs.pipe(f"{root}/{path.relative_to(corpus).as_posix()}", path.read_bytes())
    try:
        with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                      dashboard_address=None) as in_process:
            settings = ScanSettings(engine="dask", scheduler=in_process.scheduler_address, blocksize=1500)
            report = render(scan([f"memory:/{root}"], settings), "json", "corpus")
    finally:
        fs.rm(root, recursive=True)
    data = json.loads(report.replace(f"memory:/{root}", str(corpus)))
    data.pop("generated")
    assert data == local_report


def _kept_on_workers(engine, summaries, per_part):
    """What analysis leaves on the workers for verification, for summaries made by hand: each
    part's compared lines (taken out of the summaries) and its records' numbers."""
    from audit.engines.dask.tasks import part_kept

    chunks = [list(range(at, min(len(summaries), at + per_part))) for at in range(0, len(summaries), per_part)]
    engine.numbers = [np.array(chunk, dtype=np.int64) for chunk in chunks]
    engine.kept = engine.client.scatter([part_kept([summaries[i] for i in chunk]) for chunk in chunks], hash=False)
    return chunks


def test_verification_reads_thousands_of_candidates_where_analysis_kept_them(cluster, make_doc):
    # Which documents to read travels to the workers; past 100 kB (many thousand candidates)
    # it once reached the scheduler in a form it rejected, which small test corpora never showed.
    from audit.engines.dask.engine import DaskEngine

    summaries = [make_doc(f"d{i}", "feed", text_lines=2) for i in range(16_000)]
    for i, s in enumerate(summaries):
        s.compared = [f"Story number {i}.", "Its second line." if i % 7 else "Its \udc80 line."]
    engine = DaskEngine(ScanSettings(engine="dask", scheduler=cluster.scheduler_address))
    try:
        _kept_on_workers(engine, summaries, 1000)
        assert all(s.compared is None for s in summaries)
        load = engine.loader([])
        bodies = dict(load(set(range(16_000))))
        # The template findings are the last to read them: the workers may drop them.
        assert engine.kept == []
    finally:
        engine.close()
    assert sorted(bodies) == list(range(16_000))
    assert bodies[3998] == ["Story number 3998.", "Its second line."]
    assert bodies[7] == ["Story number 7.", "Its \udc80 line."]  # a lone surrogate the reader left, as it was


def test_parts_done_before_an_earlier_one_are_fetched_meanwhile_and_read_in_order(cluster, monkeypatch):
    # Fetched in order, the parts that finished while the client waited for the first were all
    # fetched after it, the workers idle; fetched as they finish, they come meanwhile (up to
    # FETCH_AHEAD a worker ahead), and are still read in the corpus's order.
    from audit.engines.dask import engine as engine_module
    from audit.engines.dask import tasks

    engine = engine_module.DaskEngine(ScanSettings(engine="dask", scheduler=cluster.scheduler_address))
    fetched = []
    real = engine_module.gathered
    monkeypatch.setattr(engine_module, "gathered",
                        lambda futures, what: fetched.extend(f.key for f in futures) or real(futures, what))
    try:
        parts = [[f"r{n}.{i}" for i in range(3)] for n in range(12)]
        # The first part waits two seconds on a sleep.
        slow = engine.client.submit(time.sleep, 2, pure=False)
        first = engine.client.submit(operator.getitem, [parts[0], slow], 0, pure=False)
        futures = [engine.client.submit(tasks.Analyzed, part, None, pure=False) for part in [first, *parts[1:]]]
        analyses = engine._in_order(futures)
        assert next(analyses).records == parts[0]
        early = fetched[:fetched.index(futures[0].key)]
        assert futures[1].key in early
        ahead = engine_module.FETCH_AHEAD * engine._workers()
        assert {futures.index(f) for f in futures if f.key in early} <= set(range(1, ahead))
        assert [parts[0], *(a.records for a in analyses)] == parts
        assert sorted(fetched) == sorted(f.key for f in futures)
    finally:
        engine.close()


def test_a_part_of_summaries_its_sets_a_passage_block_and_items_are_one_frame_each(make_doc):
    # Dask sends each array in a value as a frame of its own: a summary may hold arrays (a local
    # one its passages' table), a part's sets hold thousands, and a thousand frames cost more than the
    # value's pickle. A task's list result it sends an item at a time, each pickled apart.
    from dask.sizeof import sizeof
    from distributed.protocol import deserialize, serialize, to_serialize

    from audit.engines.dask.frames import Items
    from audit.engines.blocks import Block
    from audit.engines.dask.tasks import Analyzed, PassageBlock, Reread

    summaries = [make_doc(f"d{i}", "feed") for i in range(1000)]
    for i, s in enumerate(summaries):
        s.passages = np.array([[1, 0, i + 5], [2, 0, 9]], dtype=np.int32)
    assert len(serialize(summaries)[1]) > 1000  # what a plain list would cost
    sets = {i: np.arange(i, i + 40, dtype=np.uint64) for i in range(1000)}
    values = [Analyzed(summaries, Block.of(summaries)), Reread(sets, {i: np.ones(128, dtype=np.uint32) for i in range(1000)}, {3: {0: "x"}},
                                          {i: summaries[i].passages for i in range(1000)}),
              PassageBlock(np.zeros((5, 4), dtype=np.int64), {i: (f"d{i}", "feed") for i in range(1000)})]
    items = [(i, [f"line {i}", "more"]) for i in range(1000)]
    assert len(serialize(to_serialize(items))[1]) >= 1000  # a task's plain list
    values.append(Items(items))
    for value in values:
        header, frames = serialize(value)
        assert len(frames) == 1
        # Dask still weighs them by what they hold (the scheduler places tasks by it).
        assert sizeof(value) > 20_000
        back = deserialize(header, frames)
        assert type(back) is type(value)
    block = values[0].block  # weighed with its report content
    assert sizeof(block) >= len(block.findings.data) + len(block.scores.data) > 1000
    back = deserialize(*serialize(values[0]))
    assert [s.id for s in back.records] == [s.id for s in summaries]
    assert back.block.summaries[0] is back.records[0]
    assert all(np.array_equal(a.passages, b.passages) for a, b in zip(back.records, summaries))
    back = deserialize(*serialize(values[1]))
    assert all(np.array_equal(back.sets[i], sets[i]) for i in sets) and back.lines == {3: {0: "x"}}
    assert all(np.array_equal(back.passages[i], summaries[i].passages) for i in sets)
    assert deserialize(*serialize(values[3])).items == items


@given(st.lists(st.integers(0, 12), max_size=60), st.integers(1, 8))
def test_whole_runs_cut_near_the_size_and_never_inside_a_key(keys, most):
    from audit.similarity.verify import whole_runs

    keys = np.array(keys, dtype=np.int64)
    blocks = whole_runs(keys, most)
    assert sorted(np.concatenate(blocks or [np.zeros(0, dtype=np.int64)]).tolist()) == list(range(len(keys)))
    # One key's rows are in one block; a block is past the size only by the run that crosses it.
    block_of = {}
    for b, block in enumerate(blocks):
        for key in set(keys[block].tolist()):
            assert block_of.setdefault(key, b) == b
        assert len(block) < most + int(np.bincount(keys[block]).max())
    if len(set(keys.tolist())) == len(keys):
        assert [len(block) for block in blocks] == [min(most, len(keys) - at) for at in range(0, len(keys), most)]


@pytest.mark.parametrize("block", [20_000, 1])
def test_verification_on_workers_verifies_and_quotes_as_the_local_comparer(cluster, make_doc, monkeypatch, block):
    # With a block of 1 each pair of documents' candidate passages is a task of its own; the
    # windows of one pair must still merge. Then the verified pairs' components are found on the
    # workers too, and come a component at a time.
    monkeypatch.setattr("audit.engines.dask.engine.PASSAGE_BLOCK", block)
    if block == 1:
        monkeypatch.setattr("audit.engines.dask.engine.CLIENT_PAIRS", 0)
        monkeypatch.setattr("audit.engines.dask.engine.CLIENT_SHARE", 1)
        monkeypatch.setattr("audit.engines.dask.engine.MIN_PASSAGE_BLOCK", 1)
        monkeypatch.setattr("audit.engines.dask.engine.SHUFFLE_MEMORY_SHARE", 0)
    from audit.engines.dask.engine import DaskEngine
    from audit.engines.local import LocalEngine
    from audit.settings import SimilaritySettings
    from audit.similarity.verify import Edges

    rng = random.Random(3)
    stories = [_story(rng, 9) for _ in range(30)]
    texts = [stories[i // 2] if i % 2 else _edit(rng, stories[i // 2]) for i in range(60)]
    summaries = [make_doc(f"d{i}", f"s{i % 3}", text_lines=3) for i in range(60)]
    # Each document's passages: its first line whole, and two windows of it.
    for summary, text in zip(summaries, texts):
        first = len(text.split("\n")[0])
        summary.passages = np.array([[1, 0, first], [1, 0, first // 2], [1, first // 3, first]], dtype=np.int32)
        summary.compared = text.split("\n")
    compared = [s.compared for s in summaries]
    # Where the passages are: the workers take the tables out of the summaries, the local engine
    # reads them there.
    tables = [s.passages for s in summaries]
    # Signatures (a copy agrees with its edited original on most values), which the local engine
    # finds in the summaries and the workers where analysis left them.
    gen = np.random.default_rng(3)
    for summary in summaries:
        summary.signature = gen.integers(0, 2**32, 128, dtype=np.uint32)
    for i in range(1, 60, 2):
        summaries[i].signature[:100] = summaries[i - 1].signature[:100]
    pairs = np.array([[i, i + 1] for i in range(0, 58, 2)] + [[0, 59], [3, 40]], dtype=np.int64)
    # Copies (6, 7), (40, 41) in windows that merge into one span; different stories (7, 41).
    passages = np.array([[6, 0, 7, 0], [6, 1, 7, 1], [40, 2, 41, 0], [40, 0, 41, 0], [7, 0, 41, 0],
                         [12, 0, 13, 0]], dtype=np.int64)
    settings = SimilaritySettings(shingle_size=5)
    engine = DaskEngine(ScanSettings(engine="dask", scheduler=cluster.scheduler_address))
    blocks = []
    block_tasks = engine._block_tasks

    def counted(task, settings, given):
        given = list(given)
        blocks.append((task.__name__, len(given)))
        return block_tasks(task, settings, given)

    monkeypatch.setattr(engine, "_block_tasks", counted)
    try:
        chunks = _kept_on_workers(engine, summaries, 7)
        assert len(chunks) > 4
        # What analysis leaves on the workers: each part's signed documents' positions and signatures.
        engine.signed = engine.client.scatter(
            [(np.arange(len(chunk)), np.stack([summaries[i].signature for i in chunk])) for chunk in chunks], hash=False)
        assert all(s.passages is HELD for s in summaries)
        batches, shared = engine.comparer(engine.loader([]), summaries)(pairs, passages, settings)
        batches = list(batches)
    finally:
        engine.close()
    for summary, table in zip(summaries, tables):
        summary.passages = table
    # The local engine with a pool of two: its blocks of passages are as many processes' work.
    local = LocalEngine(ScanSettings(jobs=2))
    try:
        expected, expected_shared = local.comparer(local.loader(compared), summaries)(pairs, passages, settings)
        expected = list(expected)
    finally:
        local.close()
    assert shared == expected_shared
    # Each pair of documents' passages a block of its own (four pairs), and the pairs in several.
    assert dict(blocks)["passages"] == (4 if block == 1 else 1) and dict(blocks)["verified"] == (6 if block == 1 else 1)
    assert [(p.a.document, p.b.document) for p in shared] == [("d6", "d7"), ("d12", "d13"), ("d40", "d41")]
    assert shared[2].a.text == texts[40].split("\n")[0]  # two windows merged into the whole line
    # Each batch whole components: here each pair is one, and with shares of 1 came alone.
    assert all(len(set(b.i.tolist()) & set(b.j.tolist())) == 0 for b in batches)
    assert len(batches) == (29 if block == 1 else 1)
    got, want = Edges.joined(batches), Edges.joined(expected)
    for field in fields(Edges):
        assert getattr(got, field.name).tolist() == getattr(want, field.name).tolist()
    # The edited copies hold, each estimated from its own two signatures (100 of 128 values
    # alike); other stories' pairs do not.
    assert np.stack([got.i, got.j], axis=1).tolist() == pairs[:29].tolist()
    assert (got.estimated >= 0.78).all() and (got.similarity > 0.5).all()


def test_lsh_candidates_made_on_workers_are_the_local_ones_past_the_window(tmp_path, cluster, monkeypatch):
    # A bucket of more copies than one document is paired with, cut into many parts, with a
    # broken line and a repeated id among them: the rows the parts number themselves must be
    # ordered as the local engine's, or the window would pair other documents. The shuffle
    # goes one band at a time (its rounds are sized on the client), and the anchors' in 3
    # rounds, each in more partitions than workers (a round's rows are more than they take).
    from audit.engines.dask.engine import DaskEngine

    monkeypatch.setattr("audit.engines.dask.engine.SHUFFLE_ROWS", 100)
    monkeypatch.setattr("audit.engines.dask.engine.SHUFFLE_MEMORY_SHARE", 0)
    monkeypatch.setattr("audit.engines.dask.engine.ANCHOR_ROUNDS", 3)
    shuffles = []
    real_shuffled = DaskEngine._shuffled

    def counted(self, mapped, partitions, reduce, *args, **kwargs):
        shuffles.append((reduce.__name__, partitions))
        return real_shuffled(self, mapped, partitions, reduce, *args, **kwargs)

    monkeypatch.setattr(DaskEngine, "_shuffled", counted)
    from audit.analyze import Analyzer
    from audit.read.readers import Corpus
    from audit.lines.rules import load_rules
    from audit.engines.local import LocalEngine
    from audit.similarity.lsh import unique_pairs
    from audit.similarity.candidates import MAX_PAIRS_PER_KEY, lsh_candidates

    rng = random.Random(5)
    copied = _story(rng, 9)
    lines = [json.dumps({"id": f"c{i}", "source": f"s{i % 3}", "text": _edit(rng, copied) if i % 5 == 0 else copied})
             for i in range(MAX_PAIRS_PER_KEY + 100)]
    lines.insert(50, "{not json")
    lines.insert(120, json.dumps({"id": "c7", "text": "A repeated id takes no row."}))
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rules = load_rules()
    local_settings = ScanSettings()
    with Corpus([str(path)]) as corpus:
        problems: list = []
        summaries = [s for block in LocalEngine(local_settings).blocks(corpus, Analyzer(local_settings, rules), problems)
                     for s in block.summaries]
    expected_documents, expected_passages = lsh_candidates(summaries, local_settings.similarity)
    settings = ScanSettings(engine="dask", scheduler=cluster.scheduler_address, blocksize=4000)
    engine = DaskEngine(settings)
    try:
        with Corpus([str(path)]) as corpus:
            on_workers: list = []
            summaries = [s for block in engine.blocks(corpus, Analyzer(settings, rules), on_workers)
                         for s in block.summaries]
            assert len(engine.parts) > 10 and len(on_workers) == len(problems) == 2
            # The passages' band keys stayed on the workers.
            assert all(s.passage_keys is None for s in summaries)
            documents, passages = engine.candidates(summaries, settings.similarity, None)
    finally:
        engine.close()
    signed = sum(s.signature is not None for s in summaries)
    assert signed > MAX_PAIRS_PER_KEY + 50
    assert 0 < len(expected_documents) < signed * (signed - 1) // 2  # the window cut the buckets
    assert unique_pairs(documents).tolist() == unique_pairs(expected_documents).tolist()
    assert len(expected_passages) and passages.tolist() == expected_passages.tolist()
    # The documents' bands one at a time, and the anchors' rounds, in more partitions than workers.
    banded = [partitions for name, partitions in shuffles if name == "pair_partition"]
    assert len(banded) >= settings.similarity.document_bands and max(banded) > 2
    shared = [partitions for name, partitions in shuffles if name == "sharing_partition"]
    assert len(shared) == 3 and min(shared) > 2


@pytest.mark.parametrize("bands", [1, 25, 300])
def test_the_lsh_shuffle_finds_the_local_pairs_however_many_bands_and_partitions(bands):
    from audit.engines.dask.shuffle import band_rows, pair_partition
    from audit.similarity.lsh import local_pairs

    rng = np.random.default_rng(bands)
    keys = rng.integers(0, 40, (600, bands)).astype(np.uint64)  # few values: long runs, window at work
    for partitions in (1, 3):
        rows = band_rows(keys, np.arange(600), partitions)
        assert {r[0].dtype for r in rows} == {np.dtype(np.uint8 if bands <= 256 else np.uint16)}
        found = np.concatenate([pair_partition([r], 4) for r in rows])
        assert np.array_equal(np.unique(found, axis=0), local_pairs(keys, 4))


def test_a_scans_own_cluster_runs_without_its_diagnostics_and_leaves_the_callers_config_alone():
    import dask

    from audit.engines.dask.engine import LOCAL_DIAGNOSTICS, DaskEngine

    before = {key: dask.config.get(key) for key in LOCAL_DIAGNOSTICS}
    assert before != LOCAL_DIAGNOSTICS  # else this test would show nothing
    engine = DaskEngine(ScanSettings(engine="dask", workers=1))
    try:
        on_workers = engine.client.run(lambda: {key: dask.config.get(key) for key in LOCAL_DIAGNOSTICS})
        # The scheduler's own probe, which runs in this process: its period as it runs.
        tick = engine.client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.periodic_callbacks["tick"].callback_time)
    finally:
        engine.close()
    assert list(on_workers.values()) == [LOCAL_DIAGNOSTICS]
    assert tick == 1000
    assert {key: dask.config.get(key) for key in LOCAL_DIAGNOSTICS} == before


def test_shuffle_rounds_take_a_share_of_the_workers_memory(cluster, monkeypatch):
    # A worker with memory to spare takes more rows a round than the least (fewer rounds and
    # partitions, each a task a worker), and verification bigger blocks; with no limit known,
    # the least.
    from audit.engines.dask import engine as dask_engine

    engine = dask_engine.DaskEngine(ScanSettings(engine="dask", scheduler=cluster.scheduler_address))
    try:
        limits = [w["memory_limit"] for w in engine.client.scheduler_info()["workers"].values()]
        monkeypatch.setattr(dask_engine, "SHUFFLE_ROWS", 1)
        share = int(min(limits) * dask_engine.SHUFFLE_MEMORY_SHARE)
        assert min(limits) > 0 and engine._memory_share() == share
        assert engine._rows() == share // dask_engine.SHUFFLE_ROW_BYTES
        assert engine._partitions(10 * engine._rows() * len(limits)) == 10 * len(limits)
        monkeypatch.setattr(dask_engine, "SHUFFLE_MEMORY_SHARE", 0)
        assert engine._rows() == 1 and engine._partitions(1) == len(limits)
    finally:
        engine.close()


def test_a_worker_routes_each_block_only_the_documents_it_compares():
    from audit.engines.dask.tasks import Reread, joined, routed

    sets = {i: np.array([i], dtype=np.uint64) for i in (1, 2, 5)}
    reread = Reread(sets, {1: "sig1", 5: "sig5"}, {2: {0: "a line"}, 5: {3: "another"}},
                    {2: np.zeros(2), 5: np.ones(2)})
    other = Reread({7: np.array([7], dtype=np.uint64)}, {7: "sig7"}, {}, {})
    # Block 0 verifies pairs of 1, 5 and 7; blocks 1 and 2 compare passages; block 3 none of these parts'.
    routes = [(np.array([1, 5, 2, 2, 5]), np.array([0, 0, 1, 2, 2])), (np.array([7]), np.array([0]))]
    out = routed([reread, other], routes, verifying=1)
    assert sorted(out) == [0, 1, 2] and [len(out[b]) for b in (0, 1, 2)] == [2, 1, 1]
    block = joined([out[0]])
    assert sorted(block.sets) == [1, 5, 7] and block.signatures == {1: "sig1", 5: "sig5", 7: "sig7"}
    assert not block.lines and not block.passages
    assert not out[1][0].sets and out[1][0].lines == {2: {0: "a line"}} and list(out[1][0].passages) == [2]
    assert sorted(joined([out[2]]).lines) == [2, 5] and sorted(joined([out[2]]).passages) == [2, 5]


def test_lanes_give_each_reduce_its_pieces_in_the_map_tasks_order():
    from audit.engines.dask.shuffle import from_lanes, lane

    splits = [[f"{k}:{p}" for p in range(3)] for k in range(5)]
    # Two workers held the map tasks 0, 3, 4 and 1, 2.
    lanes = [lane([splits[k] for k in (0, 3, 4)], [0, 3, 4]), lane([splits[k] for k in (1, 2)], [1, 2])]
    for p in range(3):
        assert from_lanes(lambda pieces, extra: (pieces, extra), 1, [lanes[1][p], lanes[0][p]], "x") == \
            ([f"{k}:{p}" for k in range(5)], "x")
    assert lane([], []) == []


@pytest.mark.parametrize("how", ["failed", "cancelled"])
def test_a_shuffle_whose_map_failed_stops_with_one_line(cluster, how):
    from audit.engines.dask.engine import DaskEngine
    from audit.errors import AuditError

    def split(k):
        if k == 3 and how == "failed":
            raise OSError(f"cannot read part {k}")
        if k == 3:
            time.sleep(30)
        return [[k], [k * 10]]

    def total(pieces):
        return sum(x for piece in pieces for x in piece)

    engine = DaskEngine(ScanSettings(engine="dask", scheduler=cluster.scheduler_address))
    try:
        mapped = engine.client.map(split, range(6), pure=False)
        if how == "cancelled":
            mapped[3].cancel()
        with pytest.raises(AuditError, match="could not finish the shuffle: " +
                           ("OSError: cannot read part 3" if how == "failed" else "")):
            engine._reduced(engine._lanes(mapped), 2, total, what="LSH")
        # Without the failure, each partition's pieces in order.
        assert engine._reduced(engine._lanes(engine.client.map(split, [0, 1, 2, 4], pure=False)), 2, total,
                               what="LSH") == [7, 70]
    finally:
        engine.close()
