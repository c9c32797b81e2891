import numpy as np
from datasketch import MinHashLSH

from audit.similarity.lsh import band_keys, by_partition, colliding_pairs, key_pairs, local_pairs, runs
from audit.similarity.minhash import Signer


def test_candidates_are_those_of_datasketch_minhashlsh_with_the_same_bands():
    rng = np.random.default_rng(0)
    vocab = [f"w{i}" for i in range(300)]
    base = [" ".join(rng.choice(vocab, 120)) for _ in range(15)]
    texts = base + [" ".join(t.split()[k:]) for k, t in enumerate(base)]  # suffixes: similar at many levels
    signer = Signer(128)
    signatures = signer.sign_texts(texts, 3).signatures
    bands, rows = 20, 4
    lsh = MinHashLSH(num_perm=128, params=(bands, rows))
    for i, s in enumerate(signatures):
        lsh.insert(i, signer.lean(s))
    expected = {(min(i, j), max(i, j)) for i, s in enumerate(signatures) for j in lsh.query(signer.lean(s)) if i != j}
    keys = band_keys(signatures, bands, rows)
    found = {tuple(p) for p in colliding_pairs((keys[:, b] for b in range(bands)), 1000).tolist()}
    assert found == expected and len(found) >= 15


def test_a_long_run_of_one_key_pairs_each_row_with_the_next_few_only():
    keys = np.zeros(50, dtype=np.uint64)
    pairs = colliding_pairs([keys], 3)
    assert len(pairs) == 47 * 3 + 2 + 1 and {(0, 1), (0, 3), (46, 49)} <= {tuple(p) for p in pairs.tolist()}
    assert (0, 4) not in {tuple(p) for p in pairs.tolist()}


def test_runs_can_leave_out_keys_shared_by_too_many_rows():
    keys = np.array([1, 1, 2, 2, 2, 3], dtype=np.uint64)
    order, starts, ends = runs(keys, max_size=2)
    assert [order[s:e].tolist() for s, e in zip(starts, ends)] == [[0, 1]]


def test_key_pairs_do_not_depend_on_how_rows_are_split_into_whole_runs():
    rng = np.random.default_rng(1)
    keys = rng.integers(0, 40, size=(3000, 4)).astype(np.uint64)  # runs of ~75 rows, longer than the window
    expected = local_pairs(keys, 20)
    rows = np.arange(len(keys))
    found = []
    for b in range(keys.shape[1]):
        # Rows shuffled, then split by key into 5 parts: each part holds whole runs, out of order.
        shuffled = rng.permutation(rows)
        column = keys[shuffled, b]
        found += [key_pairs(column[column % 5 == p], shuffled[column % 5 == p], 20) for p in range(5)]
    pairs = np.unique(np.concatenate(found), axis=0)
    assert len(expected) > 3000 and np.array_equal(pairs, expected)


def test_rows_by_partition_are_each_partitions_rows_in_their_order():
    rng = np.random.default_rng(3)
    for partitions in (1, 2, 7, 300):
        target = rng.integers(0, partitions, 1000) if partitions < 300 else rng.integers(0, 40, 1000) * 7
        keys = rng.integers(0, 2**63, 1000).astype(np.uint64)
        pairs = rng.integers(0, 10**9, (1000, 2))
        split = by_partition(target, partitions, keys, pairs)
        assert len(split) == partitions
        for p, (k, pp) in enumerate(split):
            assert np.array_equal(k, keys[target == p]) and np.array_equal(pp, pairs[target == p])
    assert [len(k) for k, in by_partition(np.zeros(0, dtype=np.int64), 3, np.zeros(0))] == [0, 0, 0]
    many = rng.integers(0, 70_000, 5000)  # more partitions than 16 bits number: sorted as they are
    pieces = [k for k, in by_partition(many, 70_000, np.arange(5000))]
    assert np.array_equal(np.concatenate(pieces), np.argsort(many, kind="stable"))
    assert all((many[k] == p).all() for p, k in enumerate(pieces))
