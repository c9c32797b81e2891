"""The feed index, on both backends: check and add, parameters, window and expiry, delivery records."""

import json
import os
import sqlite3
import subprocess
import sys

import datasketch.lsh
import numpy as np
import pytest

from audit.errors import ConfigError, FeedIndexError, IndexMismatch
from audit.feed.index import MISS_WEIGHT, IndexParams, Item, Sink, Verdict, index_keys, optimal_bands, parse_window
from audit.feed.backends import open_index
from audit.settings import SimilaritySettings

PARAMS = IndexParams.make(SimilaritySettings(), 0.5, "rules-v1")


def signature(seed: int) -> np.ndarray:
    """A signature as an unrelated document would have: random values."""
    return np.random.default_rng(seed).integers(0, 2**32, PARAMS.num_perm, dtype=np.uint32)


def near(sig: np.ndarray, changed: int, seed: int = 0) -> np.ndarray:
    """A copy of `sig` that differs in `changed` positions (estimated similarity 1 - changed/128)."""
    out = sig.copy()
    positions = np.random.default_rng(seed).choice(len(sig), changed, replace=False)
    out[positions] ^= np.uint32(0x5A5A5A5A)
    return out


def item(item_id: str, sig: np.ndarray) -> Item:
    return Item(item_id, sig, json.dumps({"id": item_id}).encode() + b"\n")


@pytest.fixture
def index(index_location):
    idx = open_index(index_location, PARAMS)
    yield idx
    idx.close()


def test_params_choose_bands_for_the_threshold():
    assert (PARAMS.bands, PARAMS.rows, PARAMS.threshold, PARAMS.min_matches) == (30, 4, 0.5, 64)


def test_an_item_seen_before_is_a_duplicate_of_it(index):
    a, b = signature(1), signature(2)
    assert index.check_and_add([item("a", a), item("b", b)], 1000.0, []) == [Verdict(), Verdict()]
    verdicts = index.check_and_add([item("a-copy", near(a, 10)), item("c", signature(3))], 1001.0, [])
    assert verdicts == [Verdict("a", round(118 / 128, 4)), Verdict()]
    assert index.count() == 3


def test_repeats_inside_one_batch_count(index):
    a = signature(1)
    verdicts = index.check_and_add([item("a", a), item("a-again", a.copy()), item("a-near", near(a, 20))], 5.0, [])
    assert verdicts == [Verdict(), Verdict("a", 1.0), Verdict("a", round(108 / 128, 4))]
    assert index.count() == 1


def test_too_different_is_new(index):
    a = signature(1)
    index.check_and_add([item("a", a)], 5.0, [])
    assert index.check_and_add([item("far", near(a, 80))], 6.0, []) == [Verdict()]


def test_the_closest_stored_item_is_named_and_the_oldest_of_equals(index):
    a = signature(1)
    index.check_and_add([item("old", near(a, 30, seed=1))], 1.0, [])
    index.check_and_add([item("twin", near(a, 30, seed=1))], 2.0, [])  # a duplicate: not stored
    index.check_and_add([item("closer", near(a, 5, seed=2))], 3.0, [])  # within 0.5 of "old": a duplicate too
    assert index.count() == 1
    [verdict] = index.check_and_add([item("probe", a)], 4.0, [])
    assert verdict.duplicate_of == "old"


def test_an_index_refuses_other_parameters_naming_each(index_location):
    open_index(index_location, PARAMS).close()
    other = IndexParams.make(SimilaritySettings(), 0.7, "rules-v2")
    with pytest.raises(IndexMismatch) as exc:
        open_index(index_location, other)
    message = str(exc.value)
    assert "index made with other parameters" in message
    for part in ("bands: index 30, this run 18", "threshold: index 0.5, this run 0.7",
                 "rules: index 'rules-v1', this run 'rules-v2'"):
        assert part in message
    again = open_index(index_location, None)  # looking at it needs no parameters
    assert again.params == PARAMS
    again.close()


def test_a_missing_index_is_not_created_just_to_look_at_it(tmp_path, redis_url):
    with pytest.raises(FeedIndexError, match="no index there"):
        open_index(str(tmp_path / "none.db"), None)
    assert not (tmp_path / "none.db").exists()
    with pytest.raises(FeedIndexError, match="no index there"):
        open_index(f"{redis_url}?prefix=absent", None)


def test_items_older_than_the_window_neither_match_nor_stay(index):
    a, b = signature(1), signature(2)
    index.set_window(100.0)
    index.check_and_add([item("a", a)], 0.0, [])
    index.check_and_add([item("b", b)], 60.0, [])
    # At 150 the cutoff is 50: "a" is too old to match, "b" is not.
    assert index.check_and_add([item("a2", a.copy()), item("b2", b.copy())], 150.0, []) == [Verdict(), Verdict("b", 1.0)]
    assert index.count() == 3
    assert index.expire(170.0) == 2  # cutoff 70: "a" and "b" go, "a2" (150) stays
    assert index.count() == 1
    stats = index.stats()
    assert (stats.items, stats.oldest, stats.newest, stats.window) == (1, 150.0, 150.0, 100.0)
    # Their band entries went with them: "b" again is new, and is then found under its bands.
    assert index.check_and_add([item("b3", b.copy())], 171.0, []) == [Verdict()]
    assert index.check_and_add([item("b4", b.copy())], 172.0, []) == [Verdict("b3", 1.0)]
    index.set_window(None)
    assert index.expire(10_000.0) == 0 and index.window() is None


def test_sqlite_expiry_leaves_no_band_rows_behind(tmp_path):
    path = str(tmp_path / "feed.db")
    index = open_index(path, PARAMS)
    index.set_window(10.0)
    index.check_and_add([item(str(i), signature(i)) for i in range(20)], 0.0, [])
    index.check_and_add([item("late", signature(99))], 50.0, [])
    assert index.expire(55.0) == 20
    index.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM bands").fetchone()[0] == PARAMS.bands
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_delivery_records_are_kept_per_host_and_file(index):
    sinks = [Sink("/out/new.jsonl", "host-a", "new", 10), Sink("/out/dups.jsonl", "host-a", "duplicates", 0)]
    a = signature(1)
    index.check_and_add([item("a", a), item("a2", a.copy())], 1.0, sinks)
    records = sorted(index.pending("host-a"), key=lambda p: p.sink.path)
    assert [p.sink for p in records] == sorted(sinks, key=lambda s: s.path)
    assert records[0].payload == b'{"id": "a"}\n{"id": "a2"}\n'
    assert records[0].verdicts == [Verdict(), Verdict("a", 1.0)]
    assert index.pending("host-b") == []
    # The next batch replaces the record of each file it names.
    index.check_and_add([item("c", signature(3))], 2.0, [Sink("/out/new.jsonl", "host-a", "new", 30)])
    new = [p for p in index.pending("host-a") if p.sink.role == "new"]
    assert [(p.sink.start, p.payload) for p in new] == [(30, b'{"id": "c"}\n')]
    for sink in sinks:
        index.clear_pending(sink)
    assert index.pending("host-a") == []


def test_sqlite_refuses_what_is_not_an_index(tmp_path):
    foreign = tmp_path / "other.db"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE notes (x)")
    with pytest.raises(FeedIndexError, match="not a corpus-audit index"):
        open_index(str(foreign), PARAMS)
    text = tmp_path / "notes.txt"
    text.write_text("just some notes, not a database at all\n" * 50)
    with pytest.raises(FeedIndexError, match="cannot open the index"):
        open_index(str(text), PARAMS)


def test_a_redis_url_that_cannot_be_reached_is_one_error():
    with pytest.raises(FeedIndexError, match="redis://127.0.0.1:1/0"):
        open_index("redis://127.0.0.1:1/0", PARAMS)


def test_a_redis_url_whose_database_is_not_a_number_is_refused(redis_url):
    # redis-py would take it for database 0: a feed meant to be apart would share another's items.
    with pytest.raises(FeedIndexError, match=r"/news: the database is a number after the host .*not 'news'$"):
        open_index(redis_url.rsplit("/", 1)[0] + "/news", PARAMS)


def test_index_keys_depend_on_the_band_values_and_their_band():
    sig = signature(1)[None, :]
    keys = index_keys(sig, 25, 5)
    same_first_band = sig.copy()
    same_first_band[0, 5:] += np.uint32(1)
    other = index_keys(same_first_band, 25, 5)
    assert keys[0, 0] == other[0, 0] and not np.any(keys[0, 1:] == other[0, 1:])
    repeated = np.tile(np.arange(5, dtype=np.uint32), 26)[None, :128]
    assert len(set(index_keys(repeated, 25, 5)[0])) == 25  # equal values, different bands


@pytest.mark.parametrize("text", ["30", "30x", "-1d", ""])
def test_a_window_needs_a_number_and_a_unit(text):
    with pytest.raises(ConfigError, match="expected a number and a unit"):
        parse_window(text)


@pytest.mark.parametrize("text", ["0d", "0s", "0.0h"])
def test_a_window_of_nothing_is_refused_as_such(text):
    with pytest.raises(ConfigError, match=rf"^window '{text}': must be longer than 0 \('none' for no window\)$"):
        parse_window(text)


THRESHOLDS = [0.1, 0.2, 0.3, 0.35, 0.39, 0.4, 0.5, 0.55, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95]


def test_bands_and_rows_are_datasketchs_choice_and_kept_apart_for_each_threshold(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cases = [(t, n) for t in THRESHOLDS for n in (64, 128, 256)]
    expected = {case: datasketch.lsh._optimal_param(*case, 1 - MISS_WEIGHT, MISS_WEIGHT) for case in cases}
    assert {case: optimal_bands(*case) for case in cases} == expected
    assert len(list((tmp_path / "corpus-audit").glob("lsh-bands-*"))) == len(cases)

    def not_again(*args):
        raise AssertionError(f"computed again for {args}")

    monkeypatch.setattr(datasketch.lsh, "_optimal_param", not_again)
    assert {case: optimal_bands(*case) for case in cases} == expected


def test_a_dedup_run_with_its_choice_kept_imports_neither_datasketch_nor_scipys_integrator(tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    items = "".join(json.dumps({"id": f"d{i}", "text": f"Story number {i} about the flood in the valley."}) + "\n"
                    for i in range(3))
    command = [sys.executable, "-X", "importtime", "-m", "audit", "dedup", "--index", str(tmp_path / "feed.db"),
               "-q", "-o", str(tmp_path / "new.jsonl")]
    first, second = (subprocess.run(command, input=items, env=env, capture_output=True, text=True, check=True)
                     for _ in range(2))

    def imported(run):
        return {line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")}

    assert {"datasketch.lsh", "scipy.integrate"} <= imported(first)
    assert not {m for m in imported(second) if m.startswith("datasketch") or m.startswith("scipy.integrate")}
