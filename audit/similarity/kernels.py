"""Compiled kernels (numba): the words, shingle hashes and MinHash signatures of many texts at once.

The kernels read folded text as UTF-8 bytes and never build a Python string per word or per
shingle, which is where datasketch's ``update`` loop spends its time. They tokenize exactly as
:func:`audit.text.normalize.words` does (the tests hold them to it):

- a word hash is XXH64 (seed 0) of the word's UTF-8 bytes;
- a shingle hash is XXH64 (seed 0) of the hashes of its words, each as 8 little-endian bytes;
- a MinHash value is datasketch's "affine32" permutation of the low 32 bits of the shingle hash:
  the MurmurHash3 finalizer, then ``a * h + b`` modulo 2**32, the minimum kept per permutation.

The small hashing helpers are left to LLVM to inline, not numba (``inline="always"``): numba's
own inlining made the first run's compile a third longer (about 9 s against 6 s for the signer),
and the signatures and shingle sets of 4,000 documents only some 10% faster (0.25 against 0.27 s),
a cost no scan feels beside the rest of a document's analysis.

So :func:`audit.similarity.minhash.shingle_hash32` given to datasketch as ``hashfunc`` reproduces every
signature, and the 64-bit shingle hashes double as the sets that verification compares.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_P1 = np.uint64(11400714785074694791)
_P2 = np.uint64(14029467366897019727)
_P3 = np.uint64(1609587929392839161)
_P4 = np.uint64(9650029242287828579)
_P5 = np.uint64(2870177450012600261)
_MASK32 = np.uint64(0xFFFFFFFF)
#: The apostrophe (``audit.text.normalize`` folds its variants to it), which joins two runs of letters.
_APOSTROPHE = 0x27


@njit
def _rotl(x, r):
    return (x << np.uint64(r)) | (x >> np.uint64(64 - r))


@njit
def _round(acc, lane):
    acc = acc + lane * _P2
    return _rotl(acc, 31) * _P1


@njit
def _merge(acc, v):
    acc = acc ^ _round(np.uint64(0), v)
    return acc * _P1 + _P4


@njit
def _avalanche(h):
    h = h ^ (h >> np.uint64(33))
    h = h * _P2
    h = h ^ (h >> np.uint64(29))
    h = h * _P3
    return h ^ (h >> np.uint64(32))


@njit
def _read64(buf, p):
    v = np.uint64(0)
    for k in range(8):
        v |= np.uint64(buf[p + k]) << np.uint64(8 * k)
    return v


@njit
def _read32(buf, p):
    v = np.uint64(0)
    for k in range(4):
        v |= np.uint64(buf[p + k]) << np.uint64(8 * k)
    return v


@njit
def xxh64_bytes(buf, start, end):
    """XXH64 (seed 0) of ``buf[start:end]``, a uint8 array."""
    n = end - start
    p = start
    if n >= 32:
        v1 = _P1 + _P2
        v2 = _P2
        v3 = np.uint64(0)
        v4 = np.uint64(0) - _P1
        while p + 32 <= end:
            v1 = _round(v1, _read64(buf, p))
            v2 = _round(v2, _read64(buf, p + 8))
            v3 = _round(v3, _read64(buf, p + 16))
            v4 = _round(v4, _read64(buf, p + 24))
            p += 32
        h = _rotl(v1, 1) + _rotl(v2, 7) + _rotl(v3, 12) + _rotl(v4, 18)
        h = _merge(_merge(_merge(_merge(h, v1), v2), v3), v4)
    else:
        h = _P5
    h = h + np.uint64(n)
    while p + 8 <= end:
        h = h ^ _round(np.uint64(0), _read64(buf, p))
        h = _rotl(h, 27) * _P1 + _P4
        p += 8
    if p + 4 <= end:
        h = h ^ (_read32(buf, p) * _P1)
        h = _rotl(h, 23) * _P2 + _P3
        p += 4
    while p < end:
        h = h ^ (np.uint64(buf[p]) * _P5)
        h = _rotl(h, 11) * _P1
        p += 1
    return _avalanche(h)


@njit
def xxh64_lanes(lanes, start, end):
    """XXH64 (seed 0) of ``lanes[start:end]`` (uint64 values) read as 8 little-endian bytes each."""
    n = end - start
    p = start
    if n >= 4:
        v1 = _P1 + _P2
        v2 = _P2
        v3 = np.uint64(0)
        v4 = np.uint64(0) - _P1
        while p + 4 <= end:
            v1 = _round(v1, lanes[p])
            v2 = _round(v2, lanes[p + 1])
            v3 = _round(v3, lanes[p + 2])
            v4 = _round(v4, lanes[p + 3])
            p += 4
        h = _rotl(v1, 1) + _rotl(v2, 7) + _rotl(v3, 12) + _rotl(v4, 18)
        h = _merge(_merge(_merge(_merge(h, v1), v2), v3), v4)
    else:
        h = _P5
    h = h + np.uint64(8 * n)
    while p < end:
        h = h ^ _round(np.uint64(0), lanes[p])
        h = _rotl(h, 27) * _P1 + _P4
        p += 1
    return _avalanche(h)


@njit(cache=True)
def word_hashes(buf, start, end, table, out, at):
    """Write the XXH64 of each word of ``buf[start:end]`` into `out` from index `at`; return the end index.

    A word is ``\\w+(?:'\\w+)*`` as Python's ``re`` reads it: `table` marks the code points that
    ``\\w`` matches (indexed by code point; code points past its end are not word characters).
    One pass over the characters, UTF-8 decoded inline (calls to helpers cost more than the work).
    """
    limit = table.shape[0]
    word_start = -1
    apostrophe = -1  # where an apostrophe inside the current word waits for a word character
    p = start
    while p < end:
        c = np.int64(buf[p])
        q = p + 1
        if c >= 0xF0 and p + 3 < end:
            c = (((c & 0x07) << 18) | ((np.int64(buf[p + 1]) & 0x3F) << 12)
                 | ((np.int64(buf[p + 2]) & 0x3F) << 6) | (np.int64(buf[p + 3]) & 0x3F))
            q = p + 4
        elif c >= 0xE0 and p + 2 < end:
            c = ((c & 0x0F) << 12) | ((np.int64(buf[p + 1]) & 0x3F) << 6) | (np.int64(buf[p + 2]) & 0x3F)
            q = p + 3
        elif c >= 0xC0 and p + 1 < end:
            c = ((c & 0x1F) << 6) | (np.int64(buf[p + 1]) & 0x3F)
            q = p + 2
        if c < limit and table[c] != 0:
            if word_start < 0:
                word_start = p
            apostrophe = -1
        elif c == _APOSTROPHE and word_start >= 0 and apostrophe < 0:
            apostrophe = p
        elif word_start >= 0:
            out[at] = xxh64_bytes(buf, word_start, apostrophe if apostrophe >= 0 else p)
            at += 1
            word_start = -1
            apostrophe = -1
        p = q
    if word_start >= 0:
        out[at] = xxh64_bytes(buf, word_start, apostrophe if apostrophe >= 0 else end)
        at += 1
    return at


@njit(cache=True)
def shingle_hashes(words, start, end, size, out, at):
    """Write the hash of each `size`-word shingle of ``words[start:end]`` into `out` from `at`.

    A text shorter than `size` words is one shingle of all its words; an empty one has none.
    """
    n = end - start
    if n == 0:
        return at
    if n <= size:
        out[at] = xxh64_lanes(words, start, end)
        return at + 1
    for i in range(start, end - size + 1):
        out[at] = xxh64_lanes(words, i, i + size)
        at += 1
    return at


@njit
def _fmix32(h):
    # In uint64 with explicit masks: numba widens uint32 products to 64 bits.
    h = h ^ (h >> np.uint64(16))
    h = (h * np.uint64(0x85EBCA6B)) & _MASK32
    h = h ^ (h >> np.uint64(13))
    h = (h * np.uint64(0xC2B2AE35)) & _MASK32
    return h ^ (h >> np.uint64(16))


@njit(cache=True)
def min_hash(shingles, start, end, a, b, out):
    """Fold ``shingles[start:end]`` (64-bit hashes) into the signature `out` (uint32, one per permutation)."""
    num_perm = a.shape[0]
    for i in range(start, end):
        hv = np.uint32(_fmix32(shingles[i] & _MASK32))
        for k in range(num_perm):
            # Modulo 2**32 as datasketch's uint32 arithmetic; min() (not a branch) vectorizes.
            out[k] = min(out[k], np.uint32(a[k] * hv + b[k]))


@njit(cache=True)
def sign_many(buf, offsets, table, size, a, b, anchor_every):
    """Signatures, word counts and anchors of the texts ``buf[offsets[i]:offsets[i + 1]]``.

    Returns (signatures, words, anchors, anchor_offsets): one row of `a.shape[0]` uint32 values per
    text (all maximal for a text with no words), the number of words of each, and the distinct
    shingle hashes divisible by `anchor_every` (0: none) of text i at
    ``anchors[anchor_offsets[i]:anchor_offsets[i + 1]]``, sorted.
    """
    n = offsets.shape[0] - 1
    num_perm = a.shape[0]
    signatures = np.full((n, num_perm), np.uint32(0xFFFFFFFF), dtype=np.uint32)
    word_counts = np.zeros(n, dtype=np.int64)
    longest = 0
    for i in range(n):
        longest = max(longest, offsets[i + 1] - offsets[i])
    words = np.empty(longest // 2 + 1, dtype=np.uint64)
    shingles = np.empty(longest // 2 + 1, dtype=np.uint64)
    anchors = np.empty(1024, dtype=np.uint64)
    anchor_offsets = np.zeros(n + 1, dtype=np.int64)
    count = 0
    every = np.uint64(max(anchor_every, 1))
    for i in range(n):
        nw = word_hashes(buf, offsets[i], offsets[i + 1], table, words, 0)
        word_counts[i] = nw
        # `at` an int64, not the literal 0, as in shingle_sets: one compiled specialization of
        # shingle_hashes serves both (each costs a second of the first run's compile).
        ns = shingle_hashes(words, 0, nw, size, shingles, np.int64(0))
        min_hash(shingles, 0, ns, a, b, signatures[i])
        if anchor_every > 0:
            # Pick first (few), then sort and drop repeats: a text's anchors are a sorted set.
            first = count
            for j in range(ns):
                if shingles[j] % every == 0:
                    if count == anchors.shape[0]:
                        grown = np.empty(2 * count, dtype=np.uint64)
                        grown[:count] = anchors
                        anchors = grown
                    anchors[count] = shingles[j]
                    count += 1
            if count > first:
                anchors[first:count] = np.sort(anchors[first:count])
                w = first + 1
                for j in range(first + 1, count):
                    if anchors[j] != anchors[w - 1]:
                        anchors[w] = anchors[j]
                        w += 1
                count = w
        anchor_offsets[i + 1] = count
    return signatures, word_counts, anchors[:count].copy(), anchor_offsets


@njit(cache=True)
def shingle_sets(buf, offsets, table, size):
    """The distinct shingle hashes of each text, sorted: (hashes, offsets) as in :func:`sign_many`."""
    n = offsets.shape[0] - 1
    total = 0
    for i in range(n):
        total += (offsets[i + 1] - offsets[i]) // 2 + 1
    out = np.empty(total, dtype=np.uint64)
    out_offsets = np.zeros(n + 1, dtype=np.int64)
    words = np.empty(total, dtype=np.uint64)
    at = np.int64(0)  # not the literal 0: one specialization of shingle_hashes serves sign_many too
    for i in range(n):
        nw = word_hashes(buf, offsets[i], offsets[i + 1], table, words, 0)
        end = shingle_hashes(words, 0, nw, size, out, at)
        if end > at:
            out[at:end] = np.sort(out[at:end])
            w = at + 1
            for j in range(at + 1, end):
                if out[j] != out[w - 1]:
                    out[w] = out[j]
                    w += 1
            end = w
        at = end
        out_offsets[i + 1] = at
    return out[:at].copy(), out_offsets


@njit(cache=True)
def pairs_in_runs(order, starts, ends, window):
    """The pairs (i, j), i < j, of items that share a run of ``order[starts[k]:ends[k]]``.

    Each item is paired with the next `window` items of its run (every pair when the run is no
    longer than `window` + 1): a huge run of one key then costs ``len * window`` pairs, not its square.
    """
    total = 0
    for k in range(starts.shape[0]):
        g = ends[k] - starts[k]
        total += g * min(g - 1, window) - min(g - 1, window) * (min(g - 1, window) + 1) // 2
    out = np.empty((total, 2), dtype=np.int64)
    at = 0
    for k in range(starts.shape[0]):
        for x in range(starts[k], ends[k]):
            for y in range(x + 1, min(ends[k], x + 1 + window)):
                i, j = order[x], order[y]
                out[at, 0] = min(i, j)
                out[at, 1] = max(i, j)
                at += 1
    return out[:at]


@njit(cache=True)
def intersection_sizes(values, bounds, left, right):
    """For each pair k, how many values the sorted runs ``values[bounds[left[k]]:bounds[left[k] + 1]]``
    and the same of ``right[k]`` share (each run sorted and without repeats): a merge, no arrays made."""
    out = np.empty(left.shape[0], dtype=np.int64)
    for k in range(left.shape[0]):
        x, x_end = bounds[left[k]], bounds[left[k] + 1]
        y, y_end = bounds[right[k]], bounds[right[k] + 1]
        n = 0
        while x < x_end and y < y_end:
            if values[x] < values[y]:
                x += 1
            elif values[x] > values[y]:
                y += 1
            else:
                n += 1
                x += 1
                y += 1
        out[k] = n
    return out
