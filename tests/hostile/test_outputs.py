"""Hostile outputs (issue 26): devices, pipes and inputs as outputs, full disks, crashes between
clean's renames, workers outliving a killed run, and numbers that JSON cannot hold.

Devices are made with mknod in the test's folder (the tests run as root), so that a failure
replaces a node of its own, never the machine's /dev/full.
"""

from __future__ import annotations

import errno
import io
import json
import os
import random
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

BODY = ("The council met on Tuesday to discuss the budget for the coming year and the plans for the new "
        "library, which opens in the spring. Residents asked about parking.\n")


def device(path: Path, minor: int) -> Path:
    """A character device of the memory driver: minor 3 is null, 7 is full (ENOSPC on write)."""
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
    except PermissionError:
        pytest.skip("mknod needs root (CAP_MKNOD)")
    return path


def is_device(path: Path) -> bool:
    return stat.S_ISCHR(os.lstat(path).st_mode)


def feed(path: Path, n: int = 5, extra: dict | None = None) -> Path:
    rows = [{"id": f"d{i}", "text": f"Story {i}: " + " ".join(f"w{i}x{j}" for j in range(40)), **(extra or {})}
            for i in range(n)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


# -- devices and pipes -------------------------------------------------------------------------

def test_scan_to_a_full_device_fails_naming_it_and_keeps_the_node(cli, seeds, tmp_path):
    full = device(tmp_path / "full", 7)
    ran = cli("scan", str(seeds), "-o", str(full), "-q")
    assert ran.returncode == 2, ran.stderr
    assert ran.stderr.strip() == f"corpus-audit: error: {full}: cannot write it: No space left on device"
    assert is_device(full)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full"]


def test_scan_and_check_to_a_null_device_work_and_keep_the_node(cli, seeds, tmp_path):
    null = device(tmp_path / "null", 3)
    ran = cli("scan", str(seeds), "-o", str(null), "-q")
    assert ran.returncode == 0, ran.stderr
    ran = cli("check", str(seeds), "-o", str(null), "--format", "json", "-q", "--fail-on", "off")
    assert ran.returncode in (0, 1), ran.stderr
    assert is_device(null)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


def test_scan_to_a_named_pipe_writes_through_it(cli, seeds, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(Path(fifo).read_bytes()), daemon=True)
    reader.start()
    ran = cli("scan", str(seeds), "-o", str(fifo), "--format", "json", "-q")
    reader.join(timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(got[0])["summary"]["documents"] == 3
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_scan_to_a_named_pipe_without_reader_is_an_error_not_a_hang(cli, seeds, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    ran = cli("scan", str(seeds), "-o", str(fifo), "-q")
    assert ran.returncode == 2
    assert ran.stderr.strip() == f"corpus-audit: error: {fifo}: cannot write it: a named pipe that no process reads"


def test_clean_to_a_device_is_refused_and_creates_no_log_beside_it(cli, seeds, tmp_path):
    full = device(tmp_path / "full", 7)
    ran = cli("clean", str(feed(tmp_path / "f.jsonl")), "--out", str(full), "-q")
    assert ran.returncode == 2
    assert f"{full}: is a device, a pipe or a socket" in ran.stderr
    assert is_device(full)
    assert not (tmp_path / "full.removals.jsonl").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.jsonl", "full"]


def _index_count(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM items").fetchone()[0]


def test_dedup_to_a_null_device_delivers_and_reruns(cli, tmp_path):
    null = device(tmp_path / "null", 3)
    items = feed(tmp_path / "f.jsonl", n=12)
    db = tmp_path / "i.db"
    ran = cli("dedup", str(items), "--index", str(db), "-o", str(null), "--batch-size", "5", "-q")
    assert ran.returncode == 0, ran.stderr
    assert "12 read, 12 new" in ran.stderr
    assert _index_count(db) == 12
    more = feed(tmp_path / "g.jsonl", n=15)
    ran = cli("dedup", str(more), "--index", str(db), "-o", str(null), "-q")
    assert ran.returncode == 0, ran.stderr
    assert "15 read, 3 new, 12 duplicate" in ran.stderr
    assert is_device(null)


def test_dedup_to_a_full_device_names_it(cli, tmp_path):
    full = device(tmp_path / "full", 7)
    ran = cli("dedup", str(feed(tmp_path / "f.jsonl")), "--index", str(tmp_path / "i.db"), "-o", str(full), "-q")
    assert ran.returncode == 2
    assert ran.stderr.startswith(f"corpus-audit: error: {full}: cannot write it: No space left on device")
    assert is_device(full)


# -- an output that is an input -----------------------------------------------------------------

def test_scan_and_check_refuse_to_write_over_an_input(cli, tmp_path):
    corpus = feed(tmp_path / "feed.jsonl")
    before = corpus.read_bytes()
    link = tmp_path / "link.jsonl"
    link.symlink_to(corpus)
    hard = tmp_path / "hard.jsonl"
    os.link(corpus, hard)
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text(BODY)
    (folder / "b.txt").write_text(BODY + "More.\n")
    cases = [("scan", str(corpus), "-o", str(corpus)),
             ("scan", str(link), "-o", str(corpus)),
             ("scan", str(corpus), "-o", str(hard)),
             ("scan", str(tmp_path / "*.jsonl"), "-o", str(hard)),
             ("scan", str(folder), "-o", str(folder / "a.txt")),
             ("check", str(corpus), "-o", str(link)),
             ("check", str(corpus), "--write-baseline", str(corpus))]
    for args in cases:
        ran = cli(*args, "-q")
        assert ran.returncode == 2, (args, ran.stderr)
        assert "is one of the inputs" in ran.stderr, (args, ran.stderr)
    assert corpus.read_bytes() == before and hard.read_bytes() == before
    assert (folder / "a.txt").read_text() == BODY


def test_dedup_refuses_to_append_to_its_input(cli, tmp_path):
    corpus = feed(tmp_path / "feed.jsonl")
    before = corpus.read_bytes()
    link = tmp_path / "link.jsonl"
    link.symlink_to(corpus)
    for flag in ("-o", "--duplicates"):
        ran = cli("dedup", str(corpus), "--index", str(tmp_path / "i.db"), flag, str(link), "-q")
        assert ran.returncode == 2, ran.stderr
        assert "is one of the inputs" in ran.stderr
    assert corpus.read_bytes() == before


def test_clean_refuses_an_output_hard_linked_to_its_input(cli, tmp_path):
    corpus = feed(tmp_path / "feed.jsonl")
    hard = tmp_path / "hard.jsonl"
    os.link(corpus, hard)
    ran = cli("clean", str(corpus), "--out", str(hard), "-q")
    assert ran.returncode == 2
    assert "must not be an input" in ran.stderr


# -- full disks name their file -------------------------------------------------------------------

class _FullDisk(io.StringIO):
    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("module, which", [("audit.cleaning.run", "out"), ("audit.cleaning.targets", "log")])
def test_clean_on_a_full_disk_names_the_file(cli, tmp_path, monkeypatch, module, which):
    import builtins
    import importlib

    def full_when_writing(path, mode="r", *args, **kwargs):
        return _FullDisk() if mode == "w" else builtins.open(path, mode, *args, **kwargs)

    corpus = tmp_path / "feed.jsonl"
    corpus.write_text(json.dumps({"id": "a", "text": BODY + "Share this Article\n"}) + "\n")  # a line to log
    out, log = tmp_path / "clean.jsonl", tmp_path / "clean.log.jsonl"
    monkeypatch.setattr(importlib.import_module(module), "open", full_when_writing, raising=False)
    ran = cli("clean", str(corpus), "--out", str(out), "--log", str(log), "-q")
    assert ran.returncode == 2
    named = out if which == "out" else log
    assert ran.stderr.strip() == f"corpus-audit: error: {named}: cannot write it: No space left on device"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feed.jsonl"]


def test_index_under_a_file_names_the_file(cli, tmp_path):
    (tmp_path / "afile").write_text("x")
    ran = cli("dedup", str(feed(tmp_path / "f.jsonl")), "--index", str(tmp_path / "afile" / "x.db"), "-q")
    assert ran.returncode == 2
    assert ran.stderr.strip() == (f"corpus-audit: error: {tmp_path / 'afile' / 'x.db'}: cannot write it: "
                                  f"{tmp_path / 'afile'} is a file, not a folder")


# -- clean's output and log are one unit -----------------------------------------------------------

CRASH_BETWEEN_RENAMES = textwrap.dedent("""
    import os, sys
    import audit.cleaning.targets as targets
    real, calls = targets._replace, []
    def replace(temp, target):
        calls.append(target)
        if len(calls) == 2:
            os.kill(os.getpid(), 9)
        real(temp, target)
    targets._replace = replace
    from audit.cli import main
    sys.argv = ["corpus-audit", *sys.argv[1:]]
    main()
""")


@pytest.mark.slow
def test_a_clean_killed_between_its_renames_never_pairs_a_new_output_with_an_old_log(tmp_path):
    corpus = feed(tmp_path / "feed.jsonl", n=4)
    out, log = tmp_path / "clean.jsonl", tmp_path / "clean.removals.jsonl"
    args = ["clean", str(corpus), "--out", str(out), "-q"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    first = subprocess.run([sys.executable, "-c", "from audit.cli import main; main()", *args],
                           capture_output=True, text=True, env=env, timeout=300, check=False)
    assert first.returncode == 0, first.stderr
    old_out, old_log = out.read_bytes(), log.read_bytes()
    # The corpus changes: one record more, and one with a line to strip.
    with corpus.open("a") as f:
        f.write(json.dumps({"id": "new", "text": BODY + "Share this Article\n"}) + "\n")
    crashed = subprocess.run([sys.executable, "-c", CRASH_BETWEEN_RENAMES, *args],
                             capture_output=True, text=True, env=env, timeout=300, check=False)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    # The log went first: the output is the previous one (a new output with the old log, never).
    assert out.read_bytes() == old_out
    assert log.read_bytes() != old_log and b"share." in log.read_bytes()


# -- workers die with their parent ---------------------------------------------------------------

def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_no_pool_worker_outlives_a_killed_scan(tmp_path):
    words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu".split()
    rng = random.Random(3)
    corpus = tmp_path / "big.jsonl"
    with corpus.open("w") as f:
        for i in range(6000):
            f.write(json.dumps({"id": f"d{i}", "text": " ".join(rng.choice(words) + str(rng.randrange(60))
                                                             for _ in range(300)) + "."}) + "\n")
    exe = shutil.which("corpus-audit", path=str(Path(sys.executable).parent))
    proc = subprocess.Popen([exe, "scan", str(corpus), "-o", str(tmp_path / "r.md"), "-j", "2", "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        workers: set[int] = set()
        while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
            workers = _descendants(proc.pid)
            time.sleep(0.1)
        assert len(workers) >= 2, "the scan ended or started no pool"
        time.sleep(0.5)  # the workers are past their start
        workers = _descendants(proc.pid)
    finally:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 20
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [p for p in workers if _alive(p)]
    for p in left:
        os.kill(p, signal.SIGKILL)  # not to leave them behind this test either
    assert not left, f"{len(left)} pool workers outlived the killed scan"


# -- numbers that JSON cannot hold ----------------------------------------------------------------

def test_clean_writes_infinity_and_nan_as_valid_json(cli, tmp_path):
    corpus = tmp_path / "feed.jsonl"
    corpus.write_text(f'{{"id": "a", "text": "{BODY.strip()}", "score": 1e400, "low": -1e400, "x": NaN, '
                      '"deep": [{"v": 1e999}], "ok": 1.5}\n', encoding="utf-8")
    out = tmp_path / "clean.jsonl"
    ran = cli("clean", str(corpus), "--out", str(out), "-q")
    assert ran.returncode == 0, ran.stderr

    def strict(constant: str) -> None:
        raise ValueError(f"not JSON: {constant}")

    record = json.loads(out.read_text(encoding="utf-8"), parse_constant=strict)
    assert record["score"] is None and record["low"] is None and record["x"] is None
    assert record["deep"] == [{"v": None}] and record["ok"] == 1.5


@pytest.mark.parametrize("command", [["scan", "SEEDS", "-o", "-", "--format", "json"],
                                     ["dedup", "FEED", "--index", "INDEX"]])
def test_a_full_standard_output_is_named(seeds, tmp_path, command):
    full = device(tmp_path / "full", 7)
    args = [{"SEEDS": str(seeds), "FEED": str(feed(tmp_path / "f.jsonl")), "INDEX": str(tmp_path / "i.db")}.get(a, a)
            for a in command]
    exe = shutil.which("corpus-audit", path=str(Path(sys.executable).parent))
    with open(full, "w") as stdout:
        ran = subprocess.run([exe, *args, "-q"], stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=300, check=False)
    assert ran.returncode == 2, ran.stderr
    assert ran.stderr.startswith("corpus-audit: error: standard output: cannot write it: No space left on device")


def test_a_delivery_record_for_a_device_is_dropped_not_replayed_forever(tmp_path):
    """An earlier version recorded /dev/null as a file to complete; completing it failed on fsync
    at every run. Such a record is now reported and forgotten."""
    import numpy as np

    from audit.feed.backends import open_index
    from audit.feed.delivery import Output, recover
    from audit.feed.index import IndexParams, Item, Sink
    from audit.settings import SimilaritySettings

    null = device(tmp_path / "null", 3)
    params = IndexParams.make(SimilaritySettings(), 0.5, "rules-v1")
    index = open_index(str(tmp_path / "i.db"), params)
    try:
        item = Item("a", np.arange(params.num_perm, dtype=np.uint32), b'{"id": "a"}\n')
        index.check_and_add([item], 1.0, [Sink(str(null), "host", "new", 0)])
        own = Output.file(str(null), "new", "host")
        assert own.sink is None  # a device is never recorded again
        outcomes = [(r.outcome, r.lines) for r in recover(index, "host", [own])]
        own.close()
        assert outcomes == [("device", 1)]
        assert index.pending("host") == []
    finally:
        index.close()


def test_a_full_sqlite_index_is_one_error_naming_it(tmp_path):
    """A full disk under the index ("database or disk is full"), simulated by SQLite's own page
    limit: an error naming the index, and the batch not recorded."""
    import numpy as np

    from audit.errors import FeedIndexError
    from audit.feed.backends import open_index
    from audit.feed.index import IndexParams, Item
    from audit.settings import SimilaritySettings

    params = IndexParams.make(SimilaritySettings(), 0.5, "rules-v1")
    location = str(tmp_path / "i.db")
    index = open_index(location, params)
    try:
        pages = index._conn.execute("PRAGMA page_count").fetchone()[0]
        index._conn.execute(f"PRAGMA max_page_count={pages + 2}")
        rng = np.random.default_rng(1)
        batch = [Item(f"d{i}", rng.integers(0, 2**32, params.num_perm, dtype=np.uint32), b"{}\n") for i in range(500)]
        with pytest.raises(FeedIndexError, match=rf"^{location}: cannot write the index: database or disk is full$"):
            index.check_and_add(batch, 1.0, [])
        assert index.count() == 0
    finally:
        index.close()


def test_scan_of_the_working_folder_runs_again_over_its_own_default_report(cli, tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text("A story about the harbour and its dredging, told in plain words.\n")
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        ran = cli("scan", ".", "-q")
        assert ran.returncode == 0, ran.stderr
    assert (tmp_path / "reports" / f"{tmp_path.name}.md").is_file()
    ran = cli("scan", ".", "-o", "a.txt", "-q")  # -o over a file of the corpus is still refused
    assert ran.returncode == 2 and "one of the inputs" in ran.stderr
