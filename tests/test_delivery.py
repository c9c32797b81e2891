"""Delivery: output files completed from the index's delivery records after a crash, on both backends."""

import fcntl
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from audit.feed.delivery import Output, recover, render
from audit.errors import FeedIndexError
from audit.feed.index import IndexParams, Item, Verdict
from audit.feed.backends import open_index
from audit.settings import SimilaritySettings

PARAMS = IndexParams.make(SimilaritySettings(), 0.5, "rules-v1")
HOST = "test-host"


def items(*ids: str) -> list[Item]:
    """Items whose signature follows their first letter: "a" and "a2" are the same story."""
    def sig(i: str) -> np.ndarray:
        return np.random.default_rng(ord(i[0])).integers(0, 2**32, PARAMS.num_perm, dtype=np.uint32)
    return [Item(i, sig(i), json.dumps({"id": i, "text": f"story {i[0]}"}).encode() + b"\n") for i in ids]


@pytest.fixture
def index(index_location):
    idx = open_index(index_location, PARAMS)
    yield idx
    idx.close()


def commit(index, out: Output, dups: Output, batch: list[Item]) -> bytes:
    """Record a batch as a run does, without writing it (a crash right after the commit)."""
    verdicts = index.check_and_add(batch, 1.0, [out.sink, dups.sink])
    return render([it.line for it in batch], verdicts, "new")


def test_a_batch_recorded_but_not_written_is_written_by_the_next_run(index, tmp_path):
    out = Output.file(str(tmp_path / "new.jsonl"), "new", HOST)
    dups = Output.file(str(tmp_path / "dups.jsonl"), "duplicates", HOST)
    out.write(b'{"id": "earlier"}\n')
    expected = commit(index, out, dups, items("a", "b", "a2"))
    out.close(), dups.close()  # the process dies here

    again = [Output.file(str(tmp_path / "new.jsonl"), "new", HOST),
             Output.file(str(tmp_path / "dups.jsonl"), "duplicates", HOST)]
    outcomes = sorted((os.path.basename(r.path), r.outcome, r.lines) for r in recover(index, HOST, again))
    assert outcomes == [("dups.jsonl", "repaired", 1), ("new.jsonl", "repaired", 2)]
    assert (tmp_path / "new.jsonl").read_bytes() == b'{"id": "earlier"}\n' + expected
    [dup] = [json.loads(line) for line in (tmp_path / "dups.jsonl").read_text().splitlines()]
    assert dup == {"item": {"id": "a2", "text": "story a"}, "duplicate_of": "a", "similarity": 1.0}
    assert again[0].position == len(b'{"id": "earlier"}\n' + expected)
    assert index.pending(HOST) == []
    # Recovering twice changes nothing.
    assert recover(index, HOST, again) == []


def test_a_batch_cut_off_mid_line_is_completed_not_repeated(index, tmp_path):
    path = tmp_path / "new.jsonl"
    out = Output.file(str(path), "new", HOST)
    dups = Output.file(str(tmp_path / "dups.jsonl"), "duplicates", HOST)
    expected = commit(index, out, dups, items("a", "b", "c"))
    out.write(expected[:25])  # killed in the middle of writing
    out.close(), dups.close()
    recover(index, HOST)
    assert path.read_bytes() == expected
    assert [json.loads(line)["id"] for line in path.read_text().splitlines()] == ["a", "b", "c"]


def test_a_batch_that_reached_its_file_is_left_as_it_is(index, tmp_path):
    path = tmp_path / "new.jsonl"
    out = Output.file(str(path), "new", HOST)
    dups = Output.file(str(tmp_path / "dups.jsonl"), "duplicates", HOST)
    expected = commit(index, out, dups, items("a", "b"))
    out.write(expected)
    out.close(), dups.close()
    outcomes = {os.path.basename(r.path): r.outcome for r in recover(index, HOST)}
    assert outcomes == {"new.jsonl": "complete", "dups.jsonl": "complete"}
    assert path.read_bytes() == expected


def test_a_file_changed_since_is_not_touched(index, tmp_path):
    path = tmp_path / "new.jsonl"
    out = Output.file(str(path), "new", HOST)
    dups = Output.file(str(tmp_path / "dups.jsonl"), "duplicates", HOST)
    commit(index, out, dups, items("a", "b"))
    out.close(), dups.close()
    path.write_bytes(b'{"id": "someone else\'s"}\n')
    (tmp_path / "dups.jsonl").unlink()
    outcomes = {os.path.basename(r.path): r.outcome for r in recover(index, HOST)}
    assert outcomes == {"new.jsonl": "changed", "dups.jsonl": "changed"}
    assert path.read_bytes() == b'{"id": "someone else\'s"}\n'
    assert index.pending(HOST) == []


def test_a_file_a_live_run_holds_is_left_to_it(index, tmp_path):
    path = tmp_path / "new.jsonl"
    out = Output.file(str(path), "new", HOST)
    dups = Output.file(str(tmp_path / "dups.jsonl"), "duplicates", HOST)
    commit(index, out, dups, items("a"))
    dups.close()
    # `out` stays open and locked: its run is alive, between its commit and its write.
    busy = {os.path.basename(r.path): r.outcome for r in recover(index, HOST)}
    assert busy == {"new.jsonl": "busy", "dups.jsonl": "complete"}
    assert path.read_bytes() == b""
    assert [p.sink.path for p in index.pending(HOST)] == [str(path)]
    with pytest.raises(FeedIndexError, match="another dedup run is writing this file"):
        Output.file(str(path), "new", HOST, wait=0.1)
    out.close()


def test_records_of_other_hosts_are_not_touched(index, tmp_path):
    out = Output.file(str(tmp_path / "new.jsonl"), "new", "other-host")
    dups = Output.file(str(tmp_path / "dups.jsonl"), "duplicates", "other-host")
    commit(index, out, dups, items("a"))
    out.close(), dups.close()
    assert recover(index, HOST) == []
    assert len(index.pending("other-host")) == 2


def test_an_output_file_is_locked_while_written(tmp_path):
    path = tmp_path / "new.jsonl"
    out = Output.file(str(path), "new", HOST)
    fd = os.open(path, os.O_RDWR)
    with pytest.raises(BlockingIOError):
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    out.close()
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.close(fd)


def test_render_writes_one_json_line_per_duplicate():
    lines = [b'{"id": "x", "text": "caf\xc3\xa9"}\n', b'{"id": "y"}\n']
    verdicts = [Verdict("\u00e9t\u00e9", 0.875), Verdict()]
    [dup] = render(lines, verdicts, "duplicates").decode("utf-8").splitlines()
    assert json.loads(dup) == {"item": {"id": "x", "text": "café"}, "duplicate_of": "été", "similarity": 0.875}
    assert render(lines, verdicts, "new") == b'{"id": "y"}\n'


def test_a_reader_that_goes_away_is_one_error_line(tmp_path):
    script = ("import sys\nfrom audit.feed.delivery import Output\nfrom audit.errors import AuditError\n"
              "out = Output.stream('new', 'h')\n"
              "try:\n    for _ in range(100):\n        out.write(b'{}\\n' * 10000)\n"
              "except AuditError as exc:\n    print(exc, file=sys.stderr)\n    sys.exit(2)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 2
    assert err == "standard output was closed by its reader; the batch being written is recorded in the index\n"
