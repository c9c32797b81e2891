"""The embedded feed index: one SQLite file, no server.

Tables: ``meta`` (parameters, creation time, window), ``items`` (number, id, time added, signature
as 4-byte little-endian values), ``bands`` (LSH band key → item number, a clustered B-tree, so a
lookup reads a few pages and never the whole index) and ``pending`` (delivery records of output
files, :class:`audit.feed.index.Pending`).

The file is in WAL mode with ``synchronous=FULL``: a committed batch survives a crash of the
process or of the machine. A batch is checked and added inside one ``BEGIN IMMEDIATE``
transaction, which takes SQLite's single write lock first, so a batch never interleaves with
another process's batch; readers (``--stats``) are never blocked. WAL needs every process to be
on the same machine as the file (no network file systems); workers on several machines share a
Redis index instead.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from pathlib import Path

import numpy as np

from audit.errors import FeedIndexError
from audit.feed.index import (IndexParams, IndexStats, Item, Pending, Sink, Verdict, check_params, decode_verdicts,
                              encode_verdicts, index_keys)
from audit.output import make_parent

#: Seconds a writer waits for another process's batch to commit before giving up.
BUSY_TIMEOUT = 300.0


def _wal(conn: sqlite3.Connection) -> None:
    """Put the database in WAL mode. Changing the journal mode needs the database to itself, and
    SQLite answers "database is locked" at once, without its busy handler, while another process
    opens the same new index: so wait for it here, as long as any writer waits."""
    deadline = time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
#: Host parameters per statement (SQLite allows 32766 since 3.32; this stays far below).
_CHUNK = 900
#: Items removed per transaction when expiring, so other writers wait little.
_EXPIRE_CHUNK = 2000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (n INTEGER PRIMARY KEY, id TEXT NOT NULL, added REAL NOT NULL,
                                  signature BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS items_added ON items (added);
CREATE TABLE IF NOT EXISTS bands (key INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (key, n)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pending (host TEXT NOT NULL, path TEXT NOT NULL, role TEXT NOT NULL,
                                    start INTEGER NOT NULL, payload BLOB NOT NULL, verdicts TEXT NOT NULL,
                                    PRIMARY KEY (host, path));
"""
_TABLES = {"meta", "items", "bands", "pending"}


def _chunks(values: Iterable, size: int = _CHUNK) -> Iterator[list]:
    it = iter(values)
    while chunk := list(islice(it, size)):
        yield chunk


class SqliteIndex:
    """A feed index in a SQLite file (see the module docs)."""

    def __init__(self, path: str, conn: sqlite3.Connection, params: IndexParams) -> None:
        self.location = path
        self.params = params
        self.notes: list[str] = []
        self._conn = conn

    @classmethod
    def open(cls, path: str, params: IndexParams | None) -> SqliteIndex:
        """Open the index at `path`, creating it (and its folder) with `params` if it is missing
        (with `params` None, open an existing index with its own parameters)."""
        if not os.path.exists(path):
            if params is None:
                raise FeedIndexError(f"{path}: no index there")
            make_parent(Path(os.path.abspath(path)))  # a file in the way is named
        try:
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None)
            _wal(conn)
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA cache_size=-65536")  # 64 MiB of pages: the hot top of the B-trees
            # A batch dirties a page per band entry (band keys are random): checkpointing every
            # 40 MiB of WAL rather than SQLite's 4 MiB writes a page once for several batches.
            conn.execute("PRAGMA wal_autocheckpoint=10000")
            conn.execute("PRAGMA journal_size_limit=67108864")
            with _write(conn, path):
                tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                if (tables and "meta" not in tables) or tables - _TABLES:
                    raise FeedIndexError(f"{path}: a SQLite database, but not a corpus-audit index")
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    conn.execute(statement)
                if params is not None:
                    conn.execute("INSERT OR IGNORE INTO meta VALUES ('params', ?), ('created', ?), ('window', 'null')",
                                 (params.to_json(), repr(time.time())))
            row = conn.execute("SELECT value FROM meta WHERE key='params'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise FeedIndexError(f"{path}: cannot open the index: {exc}") from None
        if row is None:
            raise FeedIndexError(f"{path}: an empty database, not a corpus-audit index")
        stored = IndexParams.from_json(row[0])
        if params is not None:
            check_params(stored, params, path)
        return cls(path, conn, stored)

    def _meta(self, key: str) -> str:
        return self._conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()[0]

    def window(self) -> float | None:
        value = self._meta("window")
        return None if value == "null" else float(value)

    def set_window(self, seconds: float | None) -> None:
        with _write(self._conn, self.location):
            self._conn.execute("UPDATE meta SET value=? WHERE key='window'",
                               ("null" if seconds is None else repr(float(seconds)),))

    def check_and_add(self, items: Sequence[Item], now: float, sinks: Sequence[Sink]) -> list[Verdict]:
        if not items:
            return []
        p = self.params
        signatures = np.stack([it.signature for it in items]).astype(np.uint32)
        keys = index_keys(signatures, p.bands, p.rows)
        conn = self._conn
        with _write(conn, self.location):
            window = self.window()
            cutoff = None if window is None else now - window
            stored = self._candidates(keys, cutoff)
            matches = _decide(items, signatures, keys, stored, p.min_matches)
            base = conn.execute("SELECT COALESCE(MAX(n), 0) FROM items").fetchone()[0]
            new = [i for i, m in enumerate(matches) if m is None]
            numbers = {i: base + 1 + k for k, i in enumerate(new)}
            conn.executemany("INSERT INTO items (n, id, added, signature) VALUES (?, ?, ?, ?)",
                             [(numbers[i], items[i].id, now, signatures[i].astype("<u4").tobytes()) for i in new])
            conn.executemany("INSERT OR IGNORE INTO bands (key, n) VALUES (?, ?)",
                             [(int(k), numbers[i]) for i in new for k in keys[i]])
            verdicts = encode_verdicts(matches)
            payload = b"".join(it.line for it in items)
            conn.executemany("INSERT OR REPLACE INTO pending VALUES (?, ?, ?, ?, ?, ?)",
                             [(s.host, s.path, s.role, s.start, payload, verdicts) for s in sinks])
        return decode_verdicts(verdicts, p.num_perm)

    def _candidates(self, keys: np.ndarray, cutoff: float | None) -> dict[int, tuple[list[int], list[tuple[int, str, np.ndarray]]]]:
        """For each band key of the batch found in the index, the stored items under it: item
        numbers, and (number, id, signature) of those not older than `cutoff`."""
        wanted = sorted({int(k) for k in keys.ravel()})
        by_key: dict[int, list[int]] = defaultdict(list)
        for chunk in _chunks(wanted):
            marks = ",".join("?" * len(chunk))
            for key, n in self._conn.execute(f"SELECT key, n FROM bands WHERE key IN ({marks})", chunk):
                by_key[key].append(n)
        numbers = sorted({n for ns in by_key.values() for n in ns})
        items: dict[int, tuple[int, str, np.ndarray]] = {}
        for chunk in _chunks(numbers):
            marks = ",".join("?" * len(chunk))
            rows = self._conn.execute(f"SELECT n, id, added, signature FROM items WHERE n IN ({marks})", chunk)
            for n, item_id, added, sig in rows:
                if cutoff is None or added >= cutoff:
                    items[n] = (n, item_id, np.frombuffer(sig, dtype="<u4"))
        return {k: (ns, [items[n] for n in ns if n in items]) for k, ns in by_key.items()}

    def pending(self, host: str) -> list[Pending]:
        rows = self._conn.execute("SELECT path, role, start, payload, verdicts FROM pending WHERE host=?", (host,))
        return [Pending(Sink(path, host, role, start), bytes(payload), decode_verdicts(verdicts, self.params.num_perm))
                for path, role, start, payload, verdicts in rows.fetchall()]

    def clear_pending(self, sink: Sink) -> None:
        with _write(self._conn, self.location):
            self._conn.execute("DELETE FROM pending WHERE host=? AND path=?", (sink.host, sink.path))

    def expire(self, now: float) -> int:
        window = self.window()
        if window is None:
            return 0
        cutoff, removed, p = now - window, 0, self.params
        while True:
            with _write(self._conn, self.location):
                rows = self._conn.execute("SELECT n, signature FROM items WHERE added < ? LIMIT ?",
                                          (cutoff, _EXPIRE_CHUNK)).fetchall()
                if not rows:
                    return removed
                numbers = [n for n, _ in rows]
                keys = index_keys(np.stack([np.frombuffer(s, dtype="<u4") for _, s in rows]), p.bands, p.rows)
                self._conn.executemany("DELETE FROM bands WHERE key=? AND n=?",
                                       [(int(k), n) for n, ks in zip(numbers, keys) for k in ks])
                for chunk in _chunks(numbers):
                    self._conn.execute(f"DELETE FROM items WHERE n IN ({','.join('?' * len(chunk))})", chunk)
                removed += len(rows)

    def count(self) -> int:
        return self._conn.execute("SELECT COUNT(*) FROM items").fetchone()[0]

    def stats(self) -> IndexStats:
        count, oldest, newest = self._conn.execute("SELECT COUNT(*), MIN(added), MAX(added) FROM items").fetchone()
        size = sum(os.path.getsize(self.location + suffix) for suffix in ("", "-wal")
                   if os.path.exists(self.location + suffix))
        return IndexStats(self.location, count, oldest, newest, size, "on disk: database and its WAL",
                          self.params, self.window())

    def close(self) -> None:
        self._conn.close()


def _decide(items: Sequence[Item], signatures: np.ndarray, keys: np.ndarray,
            stored: dict[int, tuple[list[int], list[tuple[int, str, np.ndarray]]]],
            min_matches: int) -> list[tuple[str, int] | None]:
    """For each item in order: None when new, else (id, matching positions) of the item it repeats
    best (the oldest of equals), among stored items and the batch's earlier new items."""
    local: dict[int, list[int]] = defaultdict(list)
    out: list[tuple[str, int] | None] = []
    for i, item in enumerate(items):
        found: dict[int, tuple[int, str, np.ndarray]] = {}
        batch: set[int] = set()
        for k in keys[i]:
            entry = stored.get(int(k))
            if entry:
                for cand in entry[1]:
                    found[cand[0]] = cand
            batch.update(local.get(int(k), ()))
        ranked = [(int(np.count_nonzero(sig == signatures[i])), -n, item_id) for n, item_id, sig in found.values()]
        ranked += [(int(np.count_nonzero(signatures[j] == signatures[i])), -(1 << 62) - j, items[j].id) for j in batch]
        best = max(ranked, default=None)
        if best is not None and best[0] >= min_matches:
            out.append((best[2], best[0]))
        else:
            out.append(None)
            for k in keys[i]:
                local[int(k)].append(i)
    return out


@contextmanager
def _write(conn: sqlite3.Connection, where: str) -> Iterator[sqlite3.Connection]:
    """A write transaction that takes the write lock first (``BEGIN IMMEDIATE``), so the reads
    inside it see what no other writer can change before the commit. SQLite's errors in it (a
    full disk: "database or disk is full") are one line naming the index at `where`."""
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:  # an I/O error may have rolled it back already
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        raise FeedIndexError(f"{where}: cannot write the index: {exc}") from None
