"""MinHash signatures computed in bulk with NumPy, compatible with datasketch.

A signature is the same array that datasketch's ``MinHash.update`` loop would build for the same
shingles, seed and number of permutations, in datasketch's default "affine32" scheme (SHA-1 32-bit
shingle hashes, premixed by the MurmurHash3 finalizer, then ``a * h + b`` modulo 2**32), so
:meth:`Signer.lean` turns one into a ``LeanMinHash`` that datasketch's LSH and storage accept.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
from datasketch import LeanMinHash, MinHash

SCHEME = "affine32"
_MAX_HASH = np.uint32((1 << 32) - 1)


def shingles(words: list[str], size: int) -> list[str]:
    """Word n-grams of `size` words; a text shorter than that is one shingle.

    >>> shingles(["a", "b", "c", "d"], 3)
    ['a b c', 'b c d']
    >>> shingles(["a", "b"], 3)
    ['a b']
    """
    if len(words) <= size:
        return [" ".join(words)] if words else []
    return [" ".join(words[i:i + size]) for i in range(len(words) - size + 1)]


def hash32(items: list[str]) -> np.ndarray:
    """32-bit hashes of strings: the first four bytes of SHA-1, little-endian (datasketch's)."""
    digests = b"".join(hashlib.sha1(s.encode("utf-8")).digest()[:4] for s in items)
    return np.frombuffer(digests, dtype="<u4").astype(np.uint32)


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, a bijection that spreads the bits of each value."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


@dataclass(frozen=True)
class Signer:
    """Makes MinHash signatures of `num_perm` permutations drawn from `seed`."""

    num_perm: int = 128
    seed: int = 1
    _a: np.ndarray = field(init=False, repr=False, compare=False)
    _b: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        a, b = MinHash(num_perm=self.num_perm, seed=self.seed, scheme=SCHEME).permutations
        object.__setattr__(self, "_a", a.astype(np.uint32))
        object.__setattr__(self, "_b", b.astype(np.uint32))

    def sign(self, items: list[str]) -> np.ndarray:
        """The signature of a set of shingles, as uint32 values (empty input: all maximal)."""
        if not items:
            return np.full(self.num_perm, _MAX_HASH, dtype=np.uint32)
        hv = fmix32(np.unique(hash32(items)))[:, None]
        return (hv * self._a + self._b).min(axis=0)

    def lean(self, signature: np.ndarray) -> LeanMinHash:
        """A datasketch ``LeanMinHash`` holding `signature`."""
        return LeanMinHash(seed=self.seed, hashvalues=signature, scheme=SCHEME)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """MinHash estimate of the Jaccard similarity of two signatures."""
    return float(np.mean(a == b))
