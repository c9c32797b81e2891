"""The band keys of every passage of a corpus, on disk, one file a column (:class:`PassageKeys`)."""

from __future__ import annotations

import tempfile

import numpy as np

from audit.read.spool import Closing
from audit.records import DocumentSummary


class PassageKeys(Closing):
    """The band keys of every passage of the corpus and whose they are, on disk: one file a column.

    A million news articles have some twenty million passages, whose keys (25 bands of 8 bytes)
    would outweigh every other part of the summaries together; candidates are found one band at
    a time, so only one column is ever read back. Rows are added document by document, buffered
    and appended to the files in blocks; use it as a context manager. The files are anonymous
    (unlinked as they are made), so even a killed run leaves none behind.
    """

    #: Rows buffered before they are appended to the files.
    BLOCK = 100_000

    def __init__(self, bands: int) -> None:
        self.bands = bands
        self._rows = 0
        # Columns 0..bands-1 hold the keys; then the document index and the passage index.
        self._files = [tempfile.TemporaryFile(prefix="corpus-audit-passages-") for _ in range(bands + 2)]
        self._pending: list[tuple[int, np.ndarray]] = []
        self._pending_rows = 0

    def close(self) -> None:
        for f in self._files:
            f.close()

    @classmethod
    def of(cls, summaries: list[DocumentSummary], bands: int) -> PassageKeys:
        """The keys held by the summaries (which keep them)."""
        store = cls(bands)
        for i, s in enumerate(summaries):
            if s.passage_keys is not None:
                store.add(i, s.passage_keys)
        return store

    def add(self, document: int, keys: np.ndarray) -> None:
        """Append the keys of one document's passages (one row per passage, in passage order)."""
        if not len(keys):
            return
        self._pending.append((document, keys))
        self._pending_rows += len(keys)
        if self._pending_rows >= self.BLOCK:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        keys = np.concatenate([k for _, k in self._pending])
        document = np.concatenate([np.full(len(k), d, dtype=np.int64) for d, k in self._pending])
        passage = np.concatenate([np.arange(len(k), dtype=np.int64) for _, k in self._pending])
        for c, column in enumerate([keys[:, b] for b in range(self.bands)] + [document, passage]):
            self._files[c].write(np.ascontiguousarray(column).tobytes())
        self._rows += len(keys)
        self._pending, self._pending_rows = [], 0

    @property
    def rows(self) -> int:
        """Passage rows added so far."""
        self._flush()
        return self._rows

    def _column(self, c: int, dtype: type) -> np.ndarray:
        # Mapped, not read: a million documents have tens of millions of rows, and the callers
        # read a part of a column at a time.
        if not self.rows:
            return np.zeros(0, dtype=dtype)
        self._files[c].flush()
        return np.memmap(self._files[c], dtype=dtype, mode="r")

    def band(self, b: int) -> np.ndarray:
        """The keys of band `b`, one per passage row (mapped from its file)."""
        return self._column(b, np.uint64)

    def owners(self, rows: np.ndarray | None = None) -> np.ndarray:
        """(document index, passage index) of the given rows (all by default), as an (n, 2) array."""
        document, passage = self._column(self.bands, np.int64), self._column(self.bands + 1, np.int64)
        if rows is None:
            return np.stack([document, passage], axis=1)
        return np.stack([document[rows], passage[rows]], axis=1)
