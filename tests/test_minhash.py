import re

import numpy as np
import pytest
import xxhash
from datasketch import LeanMinHash, MinHash, MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.similarity.minhash import Signer, jaccard, shingle_hash, shingle_sets, shingles, word_table
from audit.text.normalize import words

# Letters of several scripts, digits, an underscore, apostrophes (straight and curly), dashes,
# spaces and line breaks, an emoji, a combining accent and a compatibility ligature.
ALPHABET = st.sampled_from(list("aZé9_ 'ʼ’‘-—\n.,ДжΩ東京") + ["🎉", "\u0301", "ﬁ", "Ⅻ", "''", " 's"])
TEXTS = st.lists(ALPHABET, max_size=60).map("".join)


@settings(max_examples=150, deadline=None)
@given(TEXTS)
def test_kernel_words_are_those_of_normalize_words(text):
    # A one-word shingle's hash is XXH64 of the word's XXH64: both steps are checked.
    expected = sorted({xxhash.xxh64_intdigest(xxhash.xxh64_intdigest(w.encode("utf-8")).to_bytes(8, "little"))
                       for w in words(text)})
    assert shingle_sets([text], 1)[0].tolist() == expected
    assert Signer(8).sign_texts([text], 3).words.tolist() == [len(words(text))]


@settings(max_examples=100, deadline=None)
@given(st.lists(TEXTS, min_size=1, max_size=4), st.integers(1, 6))
def test_signatures_equal_datasketch_update_loop_with_our_hashfunc(texts, size):
    signer = Signer(num_perm=32, seed=7)
    signed = signer.sign_texts(texts, size)
    for text, signature in zip(texts, signed.signatures):
        reference = signer.minhash()
        for s in shingles(words(text), size):
            reference.update(s)
        assert np.array_equal(signature, reference.hashvalues)


def test_datasketch_bulk_and_lean_minhash_agree():
    text = "The quick brown fox jumps over the lazy dog, and the dog doesn’t mind at all."
    signer = Signer(num_perm=128, seed=3)
    [signature] = signer.sign_texts([text], 5).signatures
    [bulk] = MinHash.bulk([shingles(words(text), 5)], num_perm=128, seed=3, hashfunc=signer.minhash().hashfunc)
    assert np.array_equal(signature, bulk.hashvalues)
    lean = signer.lean(signature)
    assert isinstance(lean, LeanMinHash) and lean.jaccard(LeanMinHash(bulk)) == 1.0


def test_shingle_sets_and_anchors_are_the_hashes_of_the_shingles():
    text = "one two three four five six seven one two three four"
    hashes = sorted({shingle_hash(s) for s in shingles(words(text), 3)})
    assert shingle_sets([text], 3)[0].tolist() == hashes
    signed = Signer(16).sign_texts([text, "", text], 3, anchor_every=2)
    assert signed.anchors_of(0).tolist() == [h for h in hashes if h % 2 == 0] == signed.anchors_of(2).tolist()
    assert signed.anchors_of(1).tolist() == []


def test_signatures_work_with_datasketch_lsh():
    signer = Signer()
    a = " ".join(f"w{i}" for i in range(200))
    b = " ".join(f"w{i}" for i in range(5, 200))
    c = " ".join(f"x{i}" for i in range(200))
    sa, sb, sc = signer.sign_texts([a, b, c], 5).signatures
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    lsh.insert("a", signer.lean(sa))
    lsh.insert("c", signer.lean(sc))
    assert lsh.query(signer.lean(sb)) == ["a"]
    assert jaccard(sa, sb) > 0.8 and jaccard(sa, sc) < 0.1


def test_long_words_and_many_texts_in_one_batch():
    # Words longer than 32 bytes take XXH64's striped path; a batch signs texts independently.
    long_word = "pneumonoultramicroscopicsilicovolcanoconiosis" * 2
    texts = [f"{long_word} {i} alpha beta" for i in range(50)]
    signer = Signer(num_perm=16)
    signed = signer.sign_texts(texts, 2)
    for i in (0, 49):
        assert np.array_equal(signed.signatures[i], signer.sign_texts([texts[i]], 2).signatures[0])
    assert shingle_sets([long_word], 1)[0].tolist() == [shingle_hash(long_word)]


@pytest.mark.parametrize("num_perm, seed", [(128, 1), (64, 7), (1, 0), (256, 12345)])
def test_permutations_are_drawn_as_datasketch_draws_them(num_perm, seed):
    from datasketch import MinHash

    from audit.similarity.minhash import SCHEME, permutations

    a, b = permutations(num_perm, seed)
    theirs = MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME).permutations
    assert a.dtype == b.dtype == np.uint32
    assert a.tolist() == theirs[0].tolist() and b.tolist() == theirs[1].tolist()


@pytest.mark.parametrize("full", [False, True])
def test_word_table_marks_what_re_calls_a_word_character(full):
    # The reference: ``re`` asked about each code point, by a substitution over all of them.
    chars = "".join(map(chr, range(0x110000 if full else 0x80)))
    expected = np.frombuffer(re.sub(r"\w", "\x01", re.sub(r"[^\w]", "\x00", chars)).encode("latin-1"), dtype=np.uint8)
    table = word_table(full)
    assert table.dtype == np.uint8 and table.shape == expected.shape
    assert np.array_equal(table, expected)
