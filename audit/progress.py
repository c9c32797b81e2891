"""Progress of a run in named stages, for whoever shows it (the CLI draws bars on a terminal).

A progress callback is called with a count: the documents analyzed so far. One that also has a
``stage(name, total)`` method is told when each stage of the corpus pass begins, with its total
when it is known, and its calls then count that stage's items; a plain callable hears only the
documents, as before.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, runtime_checkable

#: Input names that hold one JSON record a line, whose lines a quick count can give.
_LINE_FILES = (".jsonl", ".ndjson")
#: Text files a folder gives one document each.
_TEXT_FILES = (".txt", ".md")


@runtime_checkable
class Stages(Protocol):
    """A progress display that follows the stages of a run."""

    def __call__(self, done: int) -> None: ...

    def stage(self, name: str, total: int | None = None) -> None: ...


def stage(progress: Callable[[int], None] | None, name: str, total: int | None = None) -> Callable[[int], None]:
    """Tell `progress` that stage `name` (of `total` items, if known) begins; what to call with
    the items done in it (nothing for a progress that counts only documents).

    >>> seen = []
    >>> stage(seen.append, "template lines", 10)(3), seen
    (None, [])
    """
    if isinstance(progress, Stages):
        progress.stage(name, total)
        return progress
    return _ignore


def _ignore(done: int) -> None:
    """A stage's count where nobody follows stages."""


def estimated_documents(paths: list[str]) -> int | None:
    """About how many records `paths` hold, counted quickly (lines of plain JSON Lines files, text
    files of folders), for a progress bar's total; None when a path cannot be counted so (stdin,
    compressed or remote files, records in memory), and the bar shows no time left.

    >>> estimated_documents(["-"]) is None
    True
    """
    total = 0
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files = [p for p in path.rglob("*") if p.is_file()]
            total += sum(p.suffix.lower() in _TEXT_FILES for p in files)
            total += sum(_lines(p) for p in files if p.suffix.lower() in _LINE_FILES)
        elif path.is_file() and path.suffix.lower() in _LINE_FILES:
            total += _lines(path)
        else:
            return None
    return total


def _lines(path: Path, sample: int = 64 << 20) -> int:
    """Lines of a file (a last one without its line end included), counted in blocks; a file
    larger than `sample` bytes is estimated from its first `sample` bytes, so a large corpus does
    not wait for a second reading before the first.

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile("wb", suffix=".jsonl") as f:
    ...     _ = f.write(b"{}\\n" * 1000); f.flush()
    ...     _lines(Path(f.name)), _lines(Path(f.name), sample=300)
    (1000, 1000)
    """
    count = read = 0
    last = b"\n"
    with open(path, "rb") as f:
        while read < sample and (block := f.read(min(1 << 20, sample - read))):
            count += block.count(b"\n")
            read += len(block)
            last = block[-1:]
        size = os.fstat(f.fileno()).st_size
    if read < size:
        return round(count * size / read)
    return count + (last != b"\n")
