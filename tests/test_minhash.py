import numpy as np
from datasketch import MinHash, MinHashLSH

from audit.minhash import Signer, jaccard, shingles


def test_signature_equals_datasketch_update_loop():
    items = shingles("the quick brown fox jumps over the lazy dog once more".split(), 3)
    reference = MinHash(num_perm=64, seed=7)
    for s in items:
        reference.update(s.encode("utf-8"))
    assert np.array_equal(Signer(64, 7).sign(items), reference.hashvalues)


def test_signatures_work_with_datasketch_lsh():
    signer = Signer()
    a = shingles([f"w{i}" for i in range(200)], 5)
    b = shingles([f"w{i}" for i in range(5, 200)], 5)
    c = shingles([f"x{i}" for i in range(200)], 5)
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    lsh.insert("a", signer.lean(signer.sign(a)))
    lsh.insert("c", signer.lean(signer.sign(c)))
    assert lsh.query(signer.lean(signer.sign(b))) == ["a"]
    assert jaccard(signer.sign(a), signer.sign(b)) > 0.8
