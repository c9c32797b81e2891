"""Records kept on disk while a corpus is scanned: appended once, read back as often as needed.

A scan holds every document's summary at once for the corpus pass, but the report's own content
(findings with their line text, readability, tone's loaded sentences) is not needed until the
report is written, and on real pages it is most of a summary's bytes. It is pickled to an
anonymous temporary file as each document is analyzed, and read back one record at a time.

The file is unlinked as soon as it is made (``tempfile.TemporaryFile``), so nothing is left
behind by a run that is interrupted or killed; records are read with ``os.pread`` at their
offsets, so several readers (and a writer) can use one spool at once.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar, overload

import numpy as np

T = TypeVar("T")


class Indexed(Sequence[T], Generic[T]):
    """A sequence given by its length and its i-th item (``_item``): negative indexes, slices
    and IndexError as a list has them."""

    def _item(self, i: int) -> T:
        raise NotImplementedError

    @overload
    def __getitem__(self, i: int) -> T: ...

    @overload
    def __getitem__(self, i: slice) -> list[T]: ...

    def __getitem__(self, i: int | slice) -> T | list[T]:
        if isinstance(i, slice):
            return [self._item(j) for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(f"index {i} out of range for {len(self)} items")
        return self._item(i)


C = TypeVar("C", bound="Closing")


class Closing:
    """A context manager that calls ``close`` on leaving."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self: C) -> C:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True, slots=True, eq=False)
class Pickles:
    """Records pickled one after another, as a spool writes them: their bytes, and where each
    record ends in them (an int64 array). What a process that analyzed a run of documents hands
    the scan to write as it is, in one write (:meth:`Spool.append_pickles`).

    >>> p = Pickles.of([pickle.dumps("a"), pickle.dumps([1])])
    >>> len(p), pickle.loads(p[1]), pickle.loads(p.only([0])[0])
    (2, [1], 'a')
    """

    data: bytes
    ends: np.ndarray

    @classmethod
    def of(cls, pickled: Sequence[bytes]) -> Pickles:
        return cls(b"".join(pickled), np.cumsum(np.fromiter(map(len, pickled), dtype=np.int64, count=len(pickled))))

    @classmethod
    def repeated(cls, pickled: bytes, times: int) -> Pickles:
        """One record, pickled, `times` over."""
        return cls(pickled * times, np.arange(1, times + 1, dtype=np.int64) * len(pickled))

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, i: int) -> bytes:
        return self.data[int(self.ends[i - 1]) if i else 0:int(self.ends[i])]

    def only(self, keep: Sequence[int]) -> Pickles:
        """The records at the positions `keep`, in that order."""
        return Pickles.of([self[i] for i in keep])


class Spool(Indexed[T], Closing):
    """A sequence of picklable records in a temporary file.

    >>> with Spool() as s:
    ...     s.extend([{"a": 1}, [2, 3], "four"])
    ...     len(s), s[1], list(s), s[-1]
    (3, [2, 3], [{'a': 1}, [2, 3], 'four'], 'four')
    """

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="corpus-audit-")
        # Offsets of the records' ends, grown by doubling: one int64 per record.
        self._ends = np.zeros(1024, dtype=np.int64)
        self._count = 0
        self._size = 0
        self._dirty = False

    def append(self, record: T) -> None:
        self.append_pickled(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))

    def append_pickled(self, data: bytes) -> None:
        """Append a record pickled already (as :meth:`append` would write it)."""
        self._file.write(data)
        self._size += len(data)
        if self._count == len(self._ends):
            self._ends = np.resize(self._ends, 2 * len(self._ends))
        self._ends[self._count] = self._size
        self._count += 1
        self._dirty = True

    def append_pickles(self, records: Pickles) -> None:
        """Append records pickled already, one after another (as :meth:`append_pickled` would
        write each), in one write."""
        self._file.write(records.data)
        needed = self._count + len(records)
        if needed > len(self._ends):
            self._ends = np.resize(self._ends, max(needed, 2 * len(self._ends)))
        self._ends[self._count:needed] = records.ends + self._size
        self._size += len(records.data)
        self._count = needed
        self._dirty = True

    def extend(self, records: Iterable[T]) -> None:
        for record in records:
            self.append(record)

    def __len__(self) -> int:
        return self._count

    def _item(self, i: int) -> T:
        if self._dirty:
            self._file.flush()
            self._dirty = False
        start = int(self._ends[i - 1]) if i else 0
        return pickle.loads(os.pread(self._file.fileno(), int(self._ends[i]) - start, start))

    def __iter__(self) -> Iterator[T]:
        # The count at the start: records appended meanwhile are not read by this pass.
        for i in range(self._count):
            yield self._item(i)

    @property
    def nbytes(self) -> int:
        """Bytes on disk."""
        return self._size

    def close(self) -> None:
        self._file.close()


class Shelf(Mapping[int, T], Closing, Generic[T]):
    """Records by integer key, kept in a :class:`Spool`, the last few read kept in memory: for
    what a pass looks up again and again (the shingle sets and lines of re-read documents).

    >>> with Shelf(cache=1) as shelf:
    ...     shelf[7] = "seven"; shelf[3] = "three"
    ...     shelf[7], shelf[3], shelf[7], sorted(shelf), 5 in shelf
    ('seven', 'three', 'seven', [3, 7], False)
    """

    def __init__(self, cache: int = 256) -> None:
        self._spool: Spool[T] = Spool()
        self._slot: dict[int, int] = {}
        self._cache: OrderedDict[int, T] = OrderedDict()
        self._size = cache

    def __setitem__(self, key: int, record: T) -> None:
        if key in self._slot:
            raise KeyError(f"{key} is already on the shelf")
        self._slot[key] = len(self._spool)
        self._spool.append(record)

    def __getitem__(self, key: int) -> T:
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        record = self._spool[self._slot[key]]
        self._cache[key] = record
        if len(self._cache) > self._size:
            self._cache.popitem(last=False)
        return record

    def __contains__(self, key: object) -> bool:
        return key in self._slot

    def __iter__(self) -> Iterator[int]:
        return iter(self._slot)

    def __len__(self) -> int:
        return len(self._slot)

    def close(self) -> None:
        self._spool.close()


class Patched(Indexed[T], Closing):
    """A spool's records with some of them replaced, the replacements on disk too: for a pass that
    changes a few records of many, without writing every record again. In memory: 8 bytes a
    record of the spool (where its replacement is), once one is patched. Closing it closes the
    spool it patches.

    >>> s = Spool()
    >>> s.extend(["a", "b", "c"])
    >>> with Patched(s) as p:
    ...     p[1] = "B"
    ...     p[1] = "BB"
    ...     list(p), p[1], p[-1], len(p), s[1]
    (['a', 'BB', 'c'], 'BB', 'c', 3, 'b')
    """

    def __init__(self, base: Spool[T]) -> None:
        self._base = base
        self._patches: Spool[T] = Spool()
        # Per record of the spool: its replacement's place among the patches, or -1.
        self._slot = np.full(0, -1, dtype=np.int64)

    def __setitem__(self, i: int, record: T) -> None:
        if not 0 <= i < len(self._base):
            raise IndexError(f"index {i} out of range for {len(self._base)} items")
        if i >= len(self._slot):  # the spool grew since the last patch
            self._slot = np.concatenate([self._slot, np.full(len(self._base) - len(self._slot), -1, dtype=np.int64)])
        self._slot[i] = len(self._patches)
        self._patches.append(record)

    def __len__(self) -> int:
        return len(self._base)

    def _item(self, i: int) -> T:
        slot = int(self._slot[i]) if i < len(self._slot) else -1
        return self._patches[slot] if slot >= 0 else self._base[i]

    def __iter__(self) -> Iterator[T]:
        for i in range(len(self._base)):
            yield self._item(i)

    def close(self) -> None:
        self._patches.close()
        self._base.close()
