"""The feed index: one interface over a persistent LSH index of MinHash signatures.

A feed index remembers the items a feed has passed on, so that a later item that repeats one of
them, exactly or nearly, is recognised. It holds, per item, its id, when it was added and its
MinHash signature, and the signature's LSH band keys pointing back to the item. Two backends
implement it: an embedded SQLite file (:mod:`audit.feed.sqlite_index`, the default) and Redis
(:mod:`audit.feed.redis_index`) for workers that share one index.

Every backend keeps the same promises:

- **check and add is atomic**: a batch is checked against the index and its new items added in one
  step that no other writer interleaves with, so two processes never both take the same story
  for new; items of one batch are checked against the batch's earlier new items too;
- **durable acknowledgement**: :meth:`FeedIndex.check_and_add` returns only once the batch is
  recorded, together with the delivery record (:class:`Pending`) of each output file, so a crash
  after it can be repaired from the index (:mod:`audit.feed.delivery`);
- **fixed parameters**: the index records its :class:`IndexParams` when it is created and refuses
  a run whose parameters differ, since signatures made otherwise cannot be compared.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Protocol

import numpy as np

from audit.cache import built, package_bytes
from audit.errors import ConfigError, IndexMismatch
from audit.settings import SimilaritySettings
from audit.similarity.minhash import SCHEME
from audit.text.normalize import VERSION as NORMALIZATION_VERSION

#: Version of the layout of the index itself (tables, keys); part of the parameters.
FORMAT = 1
#: How signatures are made: the permutation scheme, and the shingle hash of
#: :func:`audit.similarity.minhash.shingle_hash` (XXH64); change it whenever either changes.
SIGNATURE_SCHEME = f"{SCHEME}/xxh64"
#: Weight of missed candidates against false ones when choosing LSH bands and rows. Every
#: candidate is verified, so a false one costs a signature comparison, while a missed one lets a
#: repeat through: at 0.8 (30 bands of 4 rows for 0.5) the extraction-dev feed catches 799 of 895
#: repeated articles, against 780 at datasketch's 0.5 (25 of 5), with the same precision
#: (bench/RESULTS.md).
MISS_WEIGHT = 0.8
#: 64-bit constants of the band hash (odd, from the SplitMix64 generator).
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def optimal_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """LSH bands and rows for a threshold, as datasketch's ``MinHashLSH`` optimizer chooses them with
    missed candidates weighted :data:`MISS_WEIGHT`; kept in the cache folder under a digest of the
    optimizer's source and SciPy's version (its integrator decides near-ties). Importing them took
    half a second of every ``dedup`` run, forty times the computation, and a feed is run again and
    again on small batches.

    >>> optimal_bands(0.5, 128)
    (30, 4)
    """
    def build() -> list[int]:
        from datasketch.lsh import _optimal_param

        return list(_optimal_param(threshold, num_perm, 1 - MISS_WEIGHT, MISS_WEIGHT))

    optimizer, scipy = package_bytes("datasketch", "lsh.py"), package_bytes("scipy", "version.py")
    if optimizer is None or scipy is None:  # not installed as files: nothing to name a kept choice by
        bands, rows = build()
    else:
        bands, rows = built("lsh-bands-1", json.dumps([threshold, num_perm, MISS_WEIGHT]).encode()
                            + b"\0" + optimizer + b"\0" + scipy, build)
    return int(bands), int(rows)


@dataclass(frozen=True)
class IndexParams:
    """What decides an item's signature and its LSH band keys; fixed for the life of an index."""

    #: Words per shingle.
    shingle_size: int
    #: MinHash permutations per signature.
    num_perm: int
    #: Seed of the permutations.
    seed: int
    #: How shingles are hashed and permuted (:data:`audit.similarity.minhash.SCHEME`).
    scheme: str
    #: LSH bands, and rows (signature values) per band.
    bands: int
    rows: int
    #: Estimated Jaccard similarity at or above which an item repeats a stored one.
    threshold: float
    #: Version of text normalization (:data:`audit.text.normalize.VERSION`).
    normalization: int
    #: Fingerprint of the rules that blank leftover page text before signing.
    rules: str
    #: Version of the index layout.
    format: int = FORMAT
    #: What `rules` is a fingerprint of, part by part (a digest per rule id, the line statistics
    #: and their settings), so that a mismatch names the rules added, removed or changed. Not
    #: compared itself (`rules` is); empty in an index made before it was recorded.
    rule_parts: dict[str, str] = field(default_factory=dict, compare=False)

    @classmethod
    def make(cls, similarity: SimilaritySettings, threshold: float, rules_fingerprint: str,
             rule_parts: dict[str, str] | None = None) -> IndexParams:
        """The parameters for signatures made with `similarity` settings and a `threshold`, with
        bands and rows chosen by datasketch's ``MinHashLSH`` optimizer for the threshold, weighted
        towards finding every candidate (:data:`MISS_WEIGHT`)."""
        bands, rows = optimal_bands(threshold, similarity.num_perm)
        return cls(shingle_size=similarity.shingle_size, num_perm=similarity.num_perm, seed=similarity.seed,
                   scheme=SIGNATURE_SCHEME, bands=bands, rows=rows, threshold=threshold,
                   normalization=NORMALIZATION_VERSION, rules=rules_fingerprint, rule_parts=rule_parts or {})

    def to_json(self) -> str:
        """The parameters as a JSON object with sorted keys (what an index stores)."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> IndexParams:
        """Parameters stored by :meth:`to_json`; unknown keys are an error (a newer index)."""
        data = json.loads(text)
        known = {f.name for f in fields(cls)}
        if set(data) - known:
            raise IndexMismatch(f"index made by a newer corpus-audit (unknown parameters {sorted(set(data) - known)})")
        return cls(**data)

    def differences(self, other: IndexParams) -> list[str]:
        """One phrase per parameter that differs: ``name: index has A, this run B``.

        >>> a = IndexParams(5, 128, 1, "affine32", 30, 4, 0.5, 1, "abc")
        >>> a.differences(IndexParams(5, 128, 1, "affine32", 16, 7, 0.7, 1, "abc"))
        ['bands: index 30, this run 16', 'rows: index 4, this run 7', 'threshold: index 0.5, this run 0.7']
        """
        return [self._rules_changed(other) if f.name == "rules" and self.rule_parts and other.rule_parts else
                f"{f.name}: index {getattr(self, f.name)!r}, this run {getattr(other, f.name)!r}"
                for f in fields(self) if f.compare and getattr(self, f.name) != getattr(other, f.name)]

    def _rules_changed(self, other: IndexParams) -> str:
        """Which rules (and line statistics) this run has that the index's did not, and the reverse.

        >>> a = IndexParams(5, 128, 1, "s", 30, 4, 0.5, 1, "f1", rule_parts={"a.x": "1", "a.y": "2"})
        >>> a._rules_changed(IndexParams(5, 128, 1, "s", 30, 4, 0.5, 1, "f2", rule_parts={"a.y": "3", "b.z": "4"}))
        'rules: added b.z; removed a.x; changed a.y'
        """
        mine, theirs = self.rule_parts, other.rule_parts
        groups = [("added", sorted(theirs.keys() - mine.keys())), ("removed", sorted(mine.keys() - theirs.keys())),
                  ("changed", sorted(k for k in mine.keys() & theirs.keys() if mine[k] != theirs[k]))]
        return "rules: " + ("; ".join(f"{what} {', '.join(ids)}" for what, ids in groups if ids) or "reordered")

    @property
    def min_matches(self) -> int:
        """Signature positions that must agree for the estimated similarity to reach the threshold."""
        return int(np.ceil(self.threshold * self.num_perm - 1e-9))


def check_params(stored: IndexParams, wanted: IndexParams, where: str) -> None:
    """Raise :class:`IndexMismatch` naming every difference between an index and a run."""
    diffs = stored.differences(wanted)
    if diffs:
        raise IndexMismatch(f"{where}: index made with other parameters ({'; '.join(diffs)}); "
                            "run with the index's settings, or rebuild the index (docs/feed.md, "
                            "'Rebuilding an index')")


def index_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """64-bit LSH band keys of signatures (one row each): shape (n, bands), dtype int64.

    Band ``b`` hashes the values ``rows * b`` to ``rows * (b + 1)`` of a signature together with
    ``b`` itself, so equal values in different bands never share a key. Keys are signed (SQLite's
    integers are) and equal for equal band values, whatever the backend.

    >>> sig = np.arange(10, dtype=np.uint32).reshape(1, 10)
    >>> keys = index_keys(sig, 2, 5)
    >>> keys.shape, keys.dtype.name, bool(keys[0, 0] != keys[0, 1])
    ((1, 2), 'int64', True)
    """
    sig = np.asarray(signatures, dtype=np.uint32).astype(np.uint64)
    n = sig.shape[0]
    parts = sig[:, :bands * rows].reshape(n, bands, rows)
    with np.errstate(over="ignore"):
        h = (np.arange(1, bands + 1, dtype=np.uint64) * _GOLDEN)[None, :].repeat(n, axis=0)
        for r in range(rows):
            h = _splitmix((h ^ parts[:, :, r]) * _GOLDEN)
    return h.view(np.int64)


def _splitmix(h: np.ndarray) -> np.ndarray:
    """SplitMix64's finalizer: every input bit moves every output bit."""
    h = (h ^ (h >> np.uint64(30))) * _MIX1
    h = (h ^ (h >> np.uint64(27))) * _MIX2
    return h ^ (h >> np.uint64(31))


@dataclass(frozen=True)
class Item:
    """One item to check against the index: its id, signature and output line (JSON + newline)."""

    id: str
    signature: np.ndarray
    line: bytes


@dataclass(frozen=True)
class Verdict:
    """What the index said of one item: new (``duplicate_of`` None), or the stored item it repeats."""

    duplicate_of: str | None = None
    #: Estimated Jaccard similarity to that item (MinHash signature agreement).
    similarity: float | None = None

    @property
    def new(self) -> bool:
        return self.duplicate_of is None


def encode_verdicts(matches: Sequence[tuple[str, int] | None]) -> str:
    """Verdicts as stored in a delivery record: JSON, ``false`` for new, ``[id, matches]`` else.

    >>> encode_verdicts([None, ("a", 120)])
    '[false,["a",120]]'
    """
    return json.dumps([False if m is None else [m[0], m[1]] for m in matches], separators=(",", ":"))


def decode_verdicts(text: str, num_perm: int) -> list[Verdict]:
    """The verdicts of :func:`encode_verdicts` (also what the Redis script writes).

    >>> decode_verdicts('[false,["a",96]]', 128)
    [Verdict(duplicate_of=None, similarity=None), Verdict(duplicate_of='a', similarity=0.75)]
    """
    out = []
    for v in json.loads(text) or []:  # Redis' cjson writes an empty array as {}
        out.append(Verdict() if v is False else Verdict(str(v[0]), round(int(v[1]) / num_perm, 4)))
    return out


@dataclass(frozen=True)
class Sink:
    """An output file of a run, as the delivery record names it: where, on which host, what role
    (``new`` items or ``duplicates``), and its length before the batch."""

    path: str
    host: str
    role: str
    start: int


@dataclass(frozen=True)
class Pending:
    """The delivery record of an output file: the last batch committed for it, with its verdicts.

    Written in the same atomic step as the batch, so whatever a crash cut off can be written again
    (see :mod:`audit.feed.delivery`): the file must hold its first ``start`` bytes, then the batch's
    lines of its role.
    """

    sink: Sink
    #: The batch's item lines, in order (each ends with a newline).
    payload: bytes
    verdicts: list[Verdict]


@dataclass(frozen=True)
class IndexStats:
    """What ``dedup --stats`` shows."""

    location: str
    items: int
    oldest: float | None
    newest: float | None
    #: Bytes the index takes: the database files for SQLite, the memory of its keys for Redis.
    size_bytes: int
    size_note: str
    params: IndexParams
    window: float | None


class FeedIndex(Protocol):
    """What the dedup job needs of an index (see the module docs for the promises)."""

    location: str
    params: IndexParams
    #: Warnings about the index worth showing once per run (e.g. a Redis that does not persist).
    notes: list[str]

    def check_and_add(self, items: Sequence[Item], now: float, sinks: Sequence[Sink]) -> list[Verdict]:
        """Check `items` in order; add the new ones (at time `now`) with delivery records for
        `sinks`; return once durably recorded. Stored items older than the window are not matched."""

    def pending(self, host: str) -> list[Pending]:
        """Delivery records of output files on `host`."""

    def clear_pending(self, sink: Sink) -> None:
        """Forget the delivery record of `sink` (its file is complete)."""

    def window(self) -> float | None:
        """Seconds after which items expire, or None (they never do)."""

    def set_window(self, seconds: float | None) -> None:
        """Record a new window (None: items never expire)."""

    def expire(self, now: float) -> int:
        """Remove the items older than the window; how many were removed."""

    def count(self) -> int:
        """Items in the index."""

    def stats(self) -> IndexStats:
        """Size, age range and parameters."""

    def close(self) -> None:
        """Release connections and files."""


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_window(text: str) -> float | None:
    """Seconds in a window such as ``30d``, ``12h``, ``2w``, ``90m``; ``none`` for no window.

    >>> parse_window("30d"), parse_window("1.5h"), parse_window("none")
    (2592000.0, 5400.0, None)
    """
    if text.strip().lower() in ("none", "off", "never"):
        return None
    m = _DURATION.match(text.lower())
    if not m:
        raise ConfigError(f"window {text!r}: expected a number and a unit (s, m, h, d, w), e.g. 30d, or 'none'")
    if float(m.group(1)) <= 0:
        raise ConfigError(f"window {text!r}: must be longer than 0 ('none' for no window)")
    return float(m.group(1)) * _UNIT_SECONDS[m.group(2)]


def format_window(seconds: float | None) -> str:
    """A window in the largest whole unit that fits.

    >>> format_window(2592000.0), format_window(5400.0), format_window(None)
    ('30d', '90m', 'none')
    """
    if seconds is None:
        return "none"
    for unit in "wdhms":
        size = _UNIT_SECONDS[unit]
        if seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"

