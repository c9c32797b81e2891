"""The dedup command: new items out, duplicates named, crash-safe and shared by concurrent workers.

Most checks run the library's :func:`audit.feed.dedup.run` in-process; the end-to-end, crash (``kill -9``)
and concurrency checks run the installed command as real processes, against both backends.
"""

import json
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from audit.feed.dedup import host_name, run
from audit.errors import InputError
from audit.feed.backends import open_index
from audit.similarity.minhash import shingles
from audit.text.normalize import words
from audit.lines.rules import load_rules
from audit.settings import SimilaritySettings
from audit.similarity.verify import exact_jaccard

RULES = load_rules()
SIM = SimilaritySettings()
SEED_002 = Path(__file__).resolve().parent.parent / "seeds" / "002_7ca3920c5da086aa.txt"
_VOCAB = [a + b + c for a in "bcdfglmnprstv" for b in ("a", "e", "i", "o", "u", "ai", "ou") for c in "nrlstmk"]


def story(n: int, words_: int = 80) -> str:
    """A made-up news story, unrelated to every other `n`: a headline and two paragraphs."""
    rng = random.Random(n)
    body = [rng.choice(_VOCAB) for _ in range(words_)]
    half = words_ // 2
    return "\n".join([f"Story {n}: " + " ".join(body[:6]).title(), "",
                      " ".join(body[:half]) + ".", "", " ".join(body[half:]) + "."])


def syndicated(text: str, n: int) -> str:
    """The same story as another outlet carries it: its own headline, byline and page furniture."""
    lines = text.split("\n")
    return "\n".join([f"Another headline for story {n} entirely", "By Jane Roe, Associated Press",
                      "Share this Article", "Facebook Twitter Email", ""] + lines[1:]
                     + ["", "Featured Image: AP Photo/Ahn Young-joon", "Share this Article", "Tweet",
                        "Leave a comment", "The Associated Press contributed to this report."])


def jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def exe() -> str:
    found = shutil.which("corpus-audit", path=str(Path(sys.executable).parent)) or shutil.which("corpus-audit")
    assert found, "corpus-audit is not installed"
    return found


# --- the command, end to end -------------------------------------------------------------------

def test_feeding_the_seeds_twice_emits_each_item_once(cli, seeds, index_location, tmp_path):
    first = cli("dedup", "--index", index_location, str(seeds))
    assert first.returncode == 0, first.stderr
    emitted = [json.loads(line) for line in first.stdout.splitlines()]
    assert [e["id"] for e in emitted] == sorted(p.name for p in seeds.iterdir())
    assert emitted[0]["text"] == (seeds / emitted[0]["id"]).read_text()
    assert first.stderr.strip().endswith("dedup: 3 read, 3 new, 0 duplicate, 0 errors; the index holds 3 items")

    dups = tmp_path / "dups.jsonl"
    second = cli("dedup", "--index", index_location, str(seeds), "--duplicates", str(dups))
    assert second.returncode == 0, second.stderr
    assert second.stdout == ""
    assert "3 read, 0 new, 3 duplicate, 0 errors" in second.stderr
    assert [(d["item"]["id"], d["duplicate_of"], d["similarity"]) for d in read_jsonl(dups)] == \
        [(e["id"], e["id"], 1.0) for e in emitted]


def test_a_syndicated_copy_fed_after_its_original_is_its_duplicate(cli, index_location, tmp_path):
    original = SEED_002.read_text()
    copy = syndicated(original, 2)
    feed = jsonl(tmp_path / "feed.jsonl", [{"id": "ap-1", "text": original}, {"id": "outlet-9", "text": copy}])
    dups = tmp_path / "dups.jsonl"
    done = cli("dedup", "--index", index_location, str(feed), "--duplicates", str(dups))
    assert done.returncode == 0, done.stderr
    assert [json.loads(line)["id"] for line in done.stdout.splitlines()] == ["ap-1"]
    [dup] = read_jsonl(dups)
    assert dup["duplicate_of"] == "ap-1"
    assert dup["item"] == {"id": "outlet-9", "text": copy}
    # Compared without its page furniture, the copy is nearly the original (as published it is not).
    raw = exact_jaccard(set(shingles(words(original), 5)), set(shingles(words(copy), 5)))
    assert raw < 0.9 <= dup["similarity"]


def test_stats_show_size_age_range_and_parameters(cli, seeds, tmp_path):
    index = tmp_path / "feed.db"
    assert cli("dedup", "--index", str(index), str(seeds), "--window", "30d").returncode == 0
    stats = cli("dedup", "--index", str(index), "--stats")
    assert stats.returncode == 0, stats.stderr
    lines = dict(line.split(": ", 1) for line in stats.stdout.splitlines())
    assert lines["index"] == str(index) and lines["items"] == "3" and lines["window"] == "30d"
    assert lines["oldest"].endswith("Z") and lines["size"].endswith("(on disk: database and its WAL)")
    assert "threshold=0.5" in lines["parameters"] and "bands=30 rows=4" in lines["parameters"]
    missing = cli("dedup", "--index", str(tmp_path / "none.db"), "--stats")
    assert (missing.returncode, missing.stderr.strip()) == (2, f"corpus-audit: error: {tmp_path / 'none.db'}: no index there")


def test_a_run_with_other_parameters_is_refused_with_the_differences(cli, seeds, tmp_path):
    index = str(tmp_path / "feed.db")
    assert cli("dedup", "--index", index, str(seeds)).returncode == 0
    refused = cli("dedup", "--index", index, str(seeds), "--threshold", "0.8")
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.startswith(f"corpus-audit: error: {index}: index made with other parameters (")
    assert "threshold: index 0.5, this run 0.8" in refused.stderr and "Traceback" not in refused.stderr
    fewer_rules = cli("dedup", "--index", index, str(seeds), "--disable-rule", "share.widget", "--disable-rule", "lines.page")
    assert fewer_rules.returncode == 2
    assert "(rules: removed lines.page, share.widget); " in fewer_rules.stderr
    assert "rebuild the index (docs/feed.md, 'Rebuilding an index')" in fewer_rules.stderr


def test_a_mismatch_names_the_rules_added_and_changed(cli, seeds, tmp_path):
    index = str(tmp_path / "feed.db")
    assert cli("dedup", "--index", index, str(seeds)).returncode == 0
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "extra.toml").write_text(
        "language = 'en'\n[[rule]]\nid = 'mine.promo'\nkind = 'pattern'\nmessage = 'Promo'\n"
        "pattern = '^Subscribe now'\nmatch = ['Subscribe now for $1']\nno_match = ['The mayor spoke.']\n")
    added = cli("dedup", "--index", index, str(seeds), "--rules", str(mine))
    assert added.returncode == 2 and "(rules: added mine.promo); " in added.stderr, added.stderr


def test_stdin_is_the_default_input_and_fields_are_kept(cli_process, tmp_path):
    records = [{"guid": "g1", "body": "Zürich council votes to expand the tram network by 2030.",
                "meta": {"tags": ["transport"], "score": 0.5}, "url": "https://news.example/a"},
               {"guid": "g2", "body": "Zürich council votes to expand the tram network by 2030.", "meta": None},
               {"guid": "g3", "body": "A different story about harbour dredging in Rotterdam this week."}]
    feed = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records) + "{broken\n"
    done = cli_process("dedup", "--index", str(tmp_path / "i.db"), "--text-field", "body", "--id-field", "guid", input=feed)
    # The readable items pass; the unreadable one makes the run exit 2 (--max-errors allows some).
    assert done.returncode == 2, done.stderr
    assert [json.loads(line) for line in done.stdout.splitlines()] == [records[0], records[2]]
    assert "corpus-audit: <stdin>:4: invalid JSON" in done.stderr
    assert "4 read, 2 new, 1 duplicate, 1 error;" in done.stderr  # one error, not "1 errors"
    assert done.stderr.endswith("corpus-audit: error: 1 unreadable record (--max-errors 0)\n")


# --- the library: strictness, ageing ------------------------------------------------------------

def test_strict_stops_at_a_bad_record_after_handling_the_items_before_it(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "a", "text": story(1)}) + "\n{oops\n" + json.dumps({"id": "b", "text": story(2)}) + "\n")
    out = tmp_path / "new.jsonl"
    with pytest.raises(InputError, match=r"feed.jsonl:2: invalid JSON"):
        run([str(feed)], str(tmp_path / "i.db"), SIM, RULES, output=str(out), strict=True)
    assert [r["id"] for r in read_jsonl(out)] == ["a"]


def test_old_items_expire_with_the_window(index_location, tmp_path):
    feed = jsonl(tmp_path / "feed.jsonl", [{"id": "s1", "text": story(1)}])
    later = jsonl(tmp_path / "later.jsonl", [{"id": "s1-again", "text": story(1)}, {"id": "s2", "text": story(2)}])
    day = 86400.0

    def feed_at(path: Path, when: float, **kw):
        return run([str(path)], index_location, SIM, RULES, output=str(tmp_path / "new.jsonl"), clock=lambda: when, **kw)

    assert feed_at(feed, 0.0, window=30 * day).counts.new == 1
    assert feed_at(later, 10 * day).counts.duplicates == 1  # s1 is 10 days old: still remembered
    third = jsonl(tmp_path / "third.jsonl", [{"id": "s1-third", "text": story(1)}])
    done = feed_at(third, 35 * day)  # s1 (day 0) is past the window; s2 (day 10) is not
    assert (done.expired, done.counts.new, done.index_items) == (1, 1, 2)
    assert [r["id"] for r in read_jsonl(tmp_path / "new.jsonl")] == ["s1", "s2", "s1-third"]


def test_new_items_and_duplicates_need_different_outputs(tmp_path):
    with pytest.raises(Exception, match="different outputs"):
        run(["-"], str(tmp_path / "i.db"), SIM, RULES, output=None, duplicates="-")


# --- crashes and concurrent workers, as real processes ----------------------------------------

def crash_feed(tmp_path: Path, stories: int = 240, copies: int = 80) -> tuple[Path, set[str], dict[str, str]]:
    """A feed of stories with syndicated copies after their originals: the feed, the ids that are
    new, and each copy's original."""
    rng = random.Random(7)
    records = [{"id": f"s{n}", "text": story(n)} for n in range(stories)]
    originals = {}
    for k in range(copies):
        n = rng.randrange(stories)
        after = next(i for i, r in enumerate(records) if r["id"] == f"s{n}")
        records.insert(rng.randrange(after + 1, len(records) + 1), {"id": f"copy{k}-of-s{n}", "text": syndicated(story(n), n)})
        originals[f"copy{k}-of-s{n}"] = f"s{n}"
    return jsonl(tmp_path / "feed.jsonl", records), {f"s{n}" for n in range(stories)}, originals


def lines_in(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def kill_when_grown(cmd: list[str], watch: Path, grow_by: int, **popen) -> subprocess.Popen:
    """Start `cmd`, and kill -9 it once `watch` has `grow_by` more lines (or let it finish)."""
    before = lines_in(watch)
    proc = subprocess.Popen(cmd, stderr=subprocess.DEVNULL, **popen)
    deadline = time.monotonic() + 240
    while proc.poll() is None and time.monotonic() < deadline:
        if lines_in(watch) >= before + grow_by:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.005)
    proc.wait()
    return proc


@pytest.mark.slow
def test_kill_9_mid_batch_loses_no_item_and_writes_none_twice(index_location, tmp_path):
    feed, originals, copies = crash_feed(tmp_path)
    out, dups = tmp_path / "new.jsonl", tmp_path / "dups.jsonl"
    cmd = [exe(), "dedup", "--index", index_location, str(feed), "-o", str(out), "--duplicates", str(dups),
           "--batch-size", "7"]
    killed = [kill_when_grown(cmd, out, grow).returncode for grow in (30, 50, 40)]
    assert killed.count(-signal.SIGKILL) >= 2, killed  # the runs really died mid-feed
    final = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr

    emitted = [r["id"] for r in read_jsonl(out)]  # every line whole: a torn one would not parse
    assert Counter(emitted).most_common(1)[0][1] == 1, "an item was written twice"
    assert set(emitted) == originals
    repeats = read_jsonl(dups)
    for d in repeats:
        assert d["duplicate_of"] == copies.get(d["item"]["id"], d["item"]["id"])
    # Each run's duplicates are written once: a copy appears once per run that got past it.
    assert set(copies) <= {d["item"]["id"] for d in repeats}
    index = open_index(index_location, None)
    assert index.count() == len(originals) and index.pending(host_name()) == []
    index.close()


def _started_until_lines(cmd: list[str], lines: int, stderr: int) -> tuple[subprocess.Popen, list[bytes], threading.Thread]:
    """Start `cmd`, read its stdout in a thread, and return once it has written `lines` lines
    (or ended, or 240 s passed): the moment the crash tests stop it."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.extend(iter(lambda: proc.stdout.read1(65536), b"")))
    reader.start()
    deadline = time.monotonic() + 240
    while proc.poll() is None and b"".join(got).count(b"\n") < lines and time.monotonic() < deadline:
        time.sleep(0.005)
    return proc, got, reader


@pytest.mark.slow
def test_kill_9_with_stdout_never_repeats_an_item(index_location, tmp_path):
    feed, originals, _ = crash_feed(tmp_path, stories=160, copies=40)
    cmd = [exe(), "dedup", "--index", index_location, str(feed), "--batch-size", "5"]
    first, got, reader = _started_until_lines(cmd, 40, subprocess.DEVNULL)
    first.send_signal(signal.SIGKILL)
    first.wait()
    reader.join()
    assert first.returncode == -signal.SIGKILL
    before = [json.loads(line)["id"] for line in b"".join(got).split(b"\n")[:-1]]  # a torn last line is dropped
    second = subprocess.run(cmd, capture_output=True, timeout=300)
    assert second.returncode == 0
    after = [json.loads(line)["id"] for line in second.stdout.splitlines()]
    assert not set(before) & set(after), "an item written before the crash was written again"
    assert len(before) + len(after) == len(set(before + after))
    # What the crash cut off is at most the one batch being written, and it is in the index.
    assert len(originals - set(before) - set(after)) <= 5
    index = open_index(index_location, None)
    assert index.count() == len(originals)
    index.close()


@pytest.mark.slow
def test_two_workers_feeding_one_index_agree_on_every_story(index_location, tmp_path):
    shared = [{"id": f"shared{n}", "text": story(1000 + n)} for n in range(60)]
    mine = [{"id": f"a{n}", "text": story(2000 + n)} for n in range(60)]
    theirs = [{"id": f"b{n}", "text": story(3000 + n)} for n in range(60)]
    # Worker B sees the shared stories as syndicated copies, in another order.
    copies = [{"id": f"b-copy{n}", "text": syndicated(story(1000 + n), n)} for n in range(60)][::-1]
    rng = random.Random(3)
    feed_a, feed_b = mine + shared, theirs + copies
    rng.shuffle(feed_a), rng.shuffle(feed_b)
    paths = [jsonl(tmp_path / "a.jsonl", feed_a), jsonl(tmp_path / "b.jsonl", feed_b)]
    outs = [tmp_path / "a-new.jsonl", tmp_path / "b-new.jsonl"]
    procs = [subprocess.Popen([exe(), "dedup", "--index", index_location, str(p), "-o", str(o), "--batch-size", "4"],
                              stderr=subprocess.PIPE, text=True) for p, o in zip(paths, outs)]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    emitted = [r["id"] for o in outs for r in read_jsonl(o)]
    # Every story is passed on exactly once, by whichever worker saw it first.
    stories = [i if not i.startswith(("shared", "b-copy")) else "story" + i.removeprefix("shared").removeprefix("b-copy")
               for i in emitted]
    assert sorted(Counter(stories).values()) == [1] * 180
    assert len(emitted) == 180
    index = open_index(index_location, None)
    assert index.count() == 180
    index.close()
    if not index_location.startswith("redis"):
        import sqlite3
        with sqlite3.connect(index_location) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert db.execute("SELECT COUNT(*) FROM bands").fetchone()[0] == 180 * 30
    # An item either worker saw is a duplicate for both.
    again = [subprocess.run([exe(), "dedup", "--index", index_location, str(p)], capture_output=True, text=True)
             for p in reversed(paths)]
    assert [a.stdout for a in again] == ["", ""]


@pytest.mark.slow
def test_sigterm_lets_the_batch_finish_so_stdout_misses_nothing(tmp_path):
    feed, originals, _ = crash_feed(tmp_path, stories=160, copies=40)
    index = str(tmp_path / "feed.db")
    cmd = [exe(), "dedup", "--index", index, str(feed), "--batch-size", "5"]
    first, got, reader = _started_until_lines(cmd, 40, subprocess.PIPE)
    first.send_signal(signal.SIGTERM)
    err = first.stderr.read().decode()
    first.wait()
    reader.join()
    assert first.returncode == 143 and err.endswith("corpus-audit: terminated\n"), err
    data = b"".join(got)
    assert data.endswith(b"\n")
    before = [json.loads(line)["id"] for line in data.splitlines()]
    second = subprocess.run(cmd, capture_output=True, timeout=300)
    after = [json.loads(line)["id"] for line in second.stdout.splitlines()]
    assert sorted(before + after) == sorted(originals)


def test_dedup_switches_off_a_line_statistic_as_scan_does(cli, tmp_path):
    # One set of rules for feed dedup from the CLI, audit.dedup and audit.Feed: statistics' ids too.
    item = json.dumps({"id": "1", "text": "Floods closed the valley road on Monday, officials said."})
    run = cli("dedup", "--index", str(tmp_path / "seen.db"), "--disable-rule", "lines.template", input=item + "\n")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["id"] == "1"
    assert cli("dedup", "--index", str(tmp_path / "other.db"), "--disable-rule", "no.such-rule",
               input=item + "\n").returncode == 2


def test_refitted_line_model_weights_make_another_index(monkeypatch):
    """The line model blanks lines before signing, so its weights are part of what an index was made with."""
    from audit.feed import dedup as feed_dedup
    from audit.lines.rules import load_rules
    from audit.settings import SimilaritySettings

    rules = load_rules()
    before = feed_dedup.index_params(SimilaritySettings(), rules)
    monkeypatch.setattr(feed_dedup.line_model, "digest", lambda: "refitted0000")
    after = feed_dedup.index_params(SimilaritySettings(), rules)
    assert before.rules != after.rules
    assert after.rule_parts["line model's weights"] == "refitted0000"
