"""MinHash signatures of many texts at once, from raw text, compatible with datasketch.

:meth:`Signer.sign_texts` folds and encodes a batch of texts in Python (C-speed string methods),
then one compiled kernel (:mod:`audit.similarity.kernels`) tokenizes, hashes words and shingles and applies
the permutations. Shingles are hashed with XXH64 (see :func:`shingle_hash`) rather than
datasketch's default SHA-1: SHA-1 needs a Python call per shingle, which is most of the time of
datasketch's ``update`` loop. Compatibility holds through datasketch's ``hashfunc`` argument: a
``MinHash(num_perm, seed, hashfunc=shingle_hash32)`` updated with the shingles of a text holds
the same values as our signature of that text (datasketch's default "affine32" scheme), so
:meth:`Signer.lean` gives a ``LeanMinHash`` that datasketch's LSH and storage accept, and
:meth:`Signer.minhash` a ``MinHash`` to which more shingles can be added the datasketch way.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from typing import TYPE_CHECKING

import numpy as np
import xxhash

from audit.similarity import kernels
from audit.text.normalize import fold_chars

if TYPE_CHECKING:
    from datasketch import LeanMinHash, MinHash

SCHEME = "affine32"


def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The `a` and `b` of datasketch's "affine32" permutations ``a * h + b`` (mod 2**32) for a
    seed, drawn as datasketch 2 draws them (a test holds them to it). Drawn here, datasketch is
    not imported for a scan: it imports SciPy and asyncio, a second of every process's start.
    """
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def word_grams(words: list[str], size: int) -> Iterable[tuple[str, ...]]:
    """Word n-grams of `size` words, as tuples; a text shorter than that is one n-gram.

    As a set they compare as their :func:`shingles` do (a word holds no space), and are made in
    half the time: no string is built for each (passage verification makes a set of every passage).

    >>> list(word_grams(["a", "b", "c", "d"], 3)), list(word_grams(["a", "b"], 3))
    ([('a', 'b', 'c'), ('b', 'c', 'd')], [('a', 'b')])
    """
    if len(words) <= size:
        return [tuple(words)] if words else []
    # From the words' shifted copies: a slice of the list for each n-gram took half as long again.
    return zip(*(words[k:] for k in range(size)))


def shingles(words: list[str], size: int) -> list[str]:
    """Word n-grams of `size` words, joined by a space; a text shorter than that is one shingle.

    >>> shingles(["a", "b", "c", "d"], 3)
    ['a b c', 'b c d']
    >>> shingles(["a", "b"], 3)
    ['a b']
    """
    return list(map(" ".join, word_grams(words, size)))


def shingle_hash(shingle: str | bytes) -> int:
    """The 64-bit hash of a shingle (its words joined by single spaces): XXH64 of the XXH64 of
    each word's UTF-8 bytes, each as 8 little-endian bytes.

    >>> hex(shingle_hash("the quick brown fox jumps"))
    '0x3d2d3fac2991033b'
    """
    text = shingle.decode("utf-8") if isinstance(shingle, bytes) else shingle
    lanes = b"".join(xxhash.xxh64_intdigest(w.encode("utf-8", "surrogatepass")).to_bytes(8, "little")
                     for w in text.split(" "))
    return xxhash.xxh64_intdigest(lanes)


def shingle_hash32(shingle: str | bytes) -> int:
    """The low 32 bits of :func:`shingle_hash`: datasketch's ``hashfunc`` for our signatures."""
    return shingle_hash(shingle) & 0xFFFFFFFF


#: A run of word characters, as ``re`` reads ``\\w`` in a text.
_WORD_RUN = re.compile(r"\w+")


@functools.lru_cache(maxsize=2)
def word_table(full: bool) -> np.ndarray:
    """Which code points ``\\w`` matches (1) or not (0): ASCII only, or every code point.

    Built with ``re`` itself, so it agrees with :func:`audit.text.normalize.words` on every Python
    version. ``re`` reads every code point as one string (surrogates too) and marks where its runs
    of word characters start and end: some 700 runs, where a substitution over the 1.1 million
    characters, and the string built a character at a time, took 0.2 s of every process's start.

    >>> word_table(False)[[ord("a"), ord("_"), ord("-"), ord("7")]].tolist()
    [1, 1, 0, 1]
    """
    size = 0x110000 if full else 0x80
    chars = np.arange(size, dtype="<u4").tobytes().decode("utf-32-le", "surrogatepass")
    edges = np.zeros(size + 1, dtype=np.int8)
    for run in _WORD_RUN.finditer(chars):
        edges[run.start()] += 1
        edges[run.end()] -= 1
    return np.cumsum(edges[:-1], dtype=np.int8).view(np.uint8)


def encode(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Folded texts as one UTF-8 buffer: (bytes, offsets of each text, the word table they need)."""
    parts = [fold_chars(t).encode("utf-8", "surrogatepass") for t in texts]
    offsets = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum([len(p) for p in parts], out=offsets[1:])
    joined = b"".join(parts)
    return np.frombuffer(joined, dtype=np.uint8), offsets, word_table(not joined.isascii())


@dataclass
class Signed:
    """Signatures of a batch of texts, with their word counts and anchors.

    Anchors are the distinct shingle hashes divisible by the anchor rate: a sample that depends
    only on the shingles (Broder's MOD-m sample), so a text contained in another has its anchors
    among the other's. They find candidates for containment, where Jaccard similarity is low.
    """

    #: One row of uint32 values per text (all maximal for a text without words).
    signatures: np.ndarray
    #: Words per text.
    words: np.ndarray
    anchors: np.ndarray
    anchor_offsets: np.ndarray

    def anchors_of(self, i: int) -> np.ndarray:
        """The anchors of text `i` (sorted uint64 hashes)."""
        return self.anchors[self.anchor_offsets[i]:self.anchor_offsets[i + 1]]


@dataclass(frozen=True)
class Signer:
    """Makes MinHash signatures of `num_perm` permutations drawn from `seed`."""

    num_perm: int = 128
    seed: int = 1
    _a: np.ndarray = field(init=False, repr=False, compare=False)
    _b: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        a, b = permutations(self.num_perm, self.seed)
        object.__setattr__(self, "_a", a)
        object.__setattr__(self, "_b", b)

    def sign_texts(self, texts: Sequence[str], size: int, anchor_every: int = 0) -> Signed:
        """Signatures of the `size`-word shingles of each text (and anchors, 1 in `anchor_every`).

        >>> signed = Signer(num_perm=4).sign_texts(["One two three four.", ""], 3)
        >>> signed.words.tolist(), bool((signed.signatures[1] == 2**32 - 1).all())
        ([4, 0], True)
        """
        buf, offsets, table = encode(texts)
        signatures, words, anchors, anchor_offsets = kernels.sign_many(
            buf, offsets, table, size, self._a, self._b, anchor_every)
        return Signed(signatures, words, anchors, anchor_offsets)

    def minhash(self) -> MinHash:
        """An empty datasketch ``MinHash`` that ``update(shingle)`` fills the way our signatures are."""
        from datasketch import MinHash

        return MinHash(num_perm=self.num_perm, seed=self.seed, hashfunc=shingle_hash32, scheme=SCHEME)

    def lean(self, signature: np.ndarray) -> LeanMinHash:
        """A datasketch ``LeanMinHash`` holding `signature`."""
        from datasketch import LeanMinHash

        return LeanMinHash(seed=self.seed, hashvalues=signature, scheme=SCHEME)


def shingle_sets(texts: Sequence[str], size: int) -> list[np.ndarray]:
    """The distinct 64-bit shingle hashes of each text, sorted: what verification compares.

    >>> [len(s) for s in shingle_sets(["a b c a b c", "a"], 2)]
    [3, 1]
    """
    buf, offsets, table = encode(texts)
    hashes, bounds = kernels.shingle_sets(buf, offsets, table, size)
    return [hashes[bounds[i]:bounds[i + 1]] for i in range(len(texts))]


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """MinHash estimate of the Jaccard similarity of two signatures."""
    return float(np.mean(a == b))
