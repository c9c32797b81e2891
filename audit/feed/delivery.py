"""Deliver what a dedup run decides: new items and duplicates as JSON Lines, written only after the
index has recorded them, and completed after a crash.

The protocol, per batch: (1) the index checks and adds the batch, and in the same atomic step
stores, for each output *file*, a delivery record (:class:`audit.feed.index.Pending`): the file's
length before the batch, the batch's lines and their verdicts; (2) only then are the lines written
to the file and synced. A process killed between (1) and the end of (2) leaves a file that stops
short of its record; the next run on the same host completes it from the record before doing
anything else (:func:`recover`). A file is locked (``flock``) while a run writes it, so a record
is only ever completed when the run that wrote it is gone. Output files are only ever appended to.

So with ``-o FILE`` an item reaches its file exactly once, crash or not. Standard output cannot be
completed afterwards (what a pipe's reader got is unknown): lines go to it after the batch is
recorded, so an item written there is never written again by a later run, but a crash between
(1) and (2) can cut short the lines of that one batch (their items are in the index). A device
or a named pipe given as ``-o`` (``/dev/null``, ``/dev/stdout``) is written like standard output:
it has no length to complete from, and cannot be synced.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import stat
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from audit.errors import FeedIndexError
from audit.feed.index import FeedIndex, Sink, Verdict
from audit.output import write_stdout

#: Seconds to wait for another process to let go of an output file.
LOCK_WAIT = 10.0


def render(lines: Sequence[bytes], verdicts: Sequence[Verdict], role: str) -> bytes:
    """The bytes a batch adds to an output of `role`: the new items' lines as they are, or one
    line per duplicate: ``{"item": …, "duplicate_of": "<id>", "similarity": 0.93}``.

    >>> v = [Verdict(), Verdict("a", 0.9)]
    >>> render([b'{"id":"x"}\\n', b'{"id":"y"}\\n'], v, "new")
    b'{"id":"x"}\\n'
    >>> render([b'{"id":"x"}\\n', b'{"id":"y"}\\n'], v, "duplicates")
    b'{"item": {"id":"y"}, "duplicate_of": "a", "similarity": 0.9}\\n'
    """
    if role == "new":
        return b"".join(line for line, v in zip(lines, verdicts) if v.new)
    return b"".join(b'{"item": ' + line[:-1] + b', "duplicate_of": '
                    + json.dumps(v.duplicate_of, ensure_ascii=False).encode("utf-8")
                    + f', "similarity": {v.similarity}}}\n'.encode("ascii")
                    for line, v in zip(lines, verdicts) if not v.new)


def split_payload(payload: bytes) -> list[bytes]:
    """The lines of a delivery record's payload, each with its newline.

    >>> split_payload(b'{"a":1}\\n{"b":2}\\n')
    [b'{"a":1}\\n', b'{"b":2}\\n']
    """
    return [line + b"\n" for line in payload.split(b"\n")[:-1]]


def _lock(fd: int, path: str, wait: float) -> bool:
    """Take an exclusive lock on an open file; False when another process holds it past `wait`."""
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise FeedIndexError(f"{path}: cannot lock: {exc.strerror}") from None
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


@dataclass
class Output:
    """Where lines of one role go: a file (locked, appended to, synced), or a stream (stdout)."""

    role: str
    path: str | None
    host: str
    _fd: int | None = field(default=None, repr=False)
    position: int = 0
    #: False for a device or a pipe: written as it comes, never completed or synced.
    regular: bool = True

    @classmethod
    def file(cls, path: str, role: str, host: str, wait: float = LOCK_WAIT) -> Output:
        """Open and lock an output file (created if missing), ready to append to; waits up to
        `wait` seconds for another process to let go of it."""
        real = os.path.realpath(path)
        try:
            os.makedirs(os.path.dirname(real), exist_ok=True)
            fd = os.open(real, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise FeedIndexError(f"{path}: cannot open for writing: {exc.strerror}") from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return cls(role, real, host, fd, regular=False)
        if not _lock(fd, path, wait):
            os.close(fd)
            raise FeedIndexError(f"{path}: another dedup run is writing this file")
        out = cls(role, real, host, fd)
        out.position = os.lseek(fd, 0, os.SEEK_END)
        return out

    @classmethod
    def stream(cls, role: str, host: str) -> Output:
        """Standard output."""
        return cls(role, None, host)

    @property
    def sink(self) -> Sink | None:
        """What the delivery record names (None for a stream, a device or a pipe, which cannot be
        completed)."""
        if self.path is None or not self.regular:
            return None
        return Sink(self.path, self.host, self.role, self.position)

    def write(self, data: bytes) -> None:
        """Append `data`; on return a file has it on disk, a stream has been flushed."""
        if self._fd is None:
            try:
                write_stdout([data])
            except BrokenPipeError:
                # The reader went away: nothing more can reach it, and Python's own flush at exit
                # must not fail again.
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                raise FeedIndexError("standard output was closed by its reader; the batch being "
                                     "written is recorded in the index") from None
            except OSError as exc:
                raise FeedIndexError(f"standard output: cannot write it: {exc.strerror or exc}; the batch "
                                     "being written is recorded in the index") from None
            return
        if data:
            try:
                _write_all(self._fd, data)
                if self.regular:
                    os.fsync(self._fd)
            except OSError as exc:
                raise FeedIndexError(f"{self.path}: cannot write it: {exc.strerror or exc}; the batch being "
                                     "written is recorded in the index") from None
            self.position += len(data)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing lets go of the lock
            self._fd = None


@dataclass
class Recovery:
    """What :func:`recover` did to one output file left by a run that stopped mid-batch."""

    path: str
    #: ``complete`` (nothing was missing), ``repaired`` (the batch written again), ``busy`` (a
    #: live run holds the file; left alone), ``changed`` (the file no longer fits the record), or
    #: ``device`` (it is a device or a pipe now, which has nothing to complete).
    outcome: str
    #: Lines of the batch for this file.
    lines: int


def recover(index: FeedIndex, host: str, own: Sequence[Output] = ()) -> list[Recovery]:
    """Complete the output files on `host` that a run left short of their delivery records.

    A file that a live run holds locked is left alone (its record is that run's business); a file
    that no longer fits its record (moved, cut or written to by something else) is left as it is
    and reported. Every record looked at, but for busy ones, is then forgotten.
    """
    mine = {o.path: o for o in own if o.path is not None}
    out = []
    for pending in index.pending(host):
        sink = pending.sink
        data = render(split_payload(pending.payload), pending.verdicts, sink.role)
        lines = data.count(b"\n")
        output = mine.get(sink.path)
        if not os.path.exists(sink.path):
            outcome = "changed"
        elif not os.path.isfile(sink.path):
            outcome = "device"
        elif output is not None:
            outcome = _complete(output._fd, sink.start, data)
            output.position = os.lseek(output._fd, 0, os.SEEK_END)
        else:
            fd = os.open(sink.path, os.O_RDWR)
            try:
                outcome = _complete(fd, sink.start, data) if _lock(fd, sink.path, 0) else "busy"
            finally:
                os.close(fd)
        if outcome != "busy":
            index.clear_pending(sink)
        out.append(Recovery(sink.path, outcome, lines))
    return out


def _complete(fd: int, start: int, data: bytes) -> str:
    """Make the locked file `fd` end with `data` at `start`, when what is there is a prefix of it."""
    size = os.fstat(fd).st_size
    if not start <= size <= start + len(data) or os.pread(fd, size - start, start) != data[:size - start]:
        return "changed"
    if size == start + len(data):
        return "complete"
    os.lseek(fd, size, os.SEEK_SET)
    _write_all(fd, data[size - start:])
    os.fsync(fd)
    return "repaired"
