"""The user's cache folder: what takes a run seconds to build and is the same every time (the rules'
compiled gate, the language model's tables), kept for the next run.

The folder is ``$XDG_CACHE_HOME/corpus-audit`` (``~/.cache/corpus-audit``). Each file is named by a
digest of what it was built from, so a changed input is a new name, never a stale read. A file is
written whole under a temporary name and then renamed: a run never reads half of one, and two runs
building the same file at once both succeed. A cache that cannot be written only costs the next run
the build; one that cannot be read is built again.

Arrays are kept in a file of their own layout, read back memory-mapped: a run maps them in
milliseconds instead of decompressing them, and the processes of a run (and the runs on a machine)
share one copy of their pages.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import marshal
import math
import mmap
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import BinaryIO, TypeVar

import numpy as np

T = TypeVar("T")

#: The first bytes of an array file, with the layout's version.
_MAGIC = b"corpus-audit arrays 1\n"
#: Bytes of the digest a table's file starts with.
_CHECK = 16
#: Arrays start at multiples of this, as NumPy's own files align their data.
_ALIGN = 64


#: Where nothing can be read or written (a path under a file): the cache folder of a process with
#: no home, so that every read misses and every write fails quietly, as for an unwritable folder.
NOWHERE = Path(os.devnull) / "corpus-audit"


def cache_dir() -> Path:
    """Where built things are kept: ``$XDG_CACHE_HOME/corpus-audit``, else ``~/.cache/corpus-audit``.

    A relative ``XDG_CACHE_HOME`` is ignored, as the XDG specification says. A process with no home
    (no ``HOME`` and no password entry, as a container run under an arbitrary user id) keeps
    nothing: the folder would have been one named ``~`` in the working directory, and a shared
    temporary folder is one that another user can fill with files crafted to be read back.
    """
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return NOWHERE
        base = os.path.join(home, ".cache")
    return Path(base) / "corpus-audit"


def keep(path: Path, write: Callable[[BinaryIO], None]) -> bool:
    """Write a cache file whole with `write`, then rename it into place; False when it could not be
    written (the caller goes on with what it built)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        return False
    except BaseException:  # an interruption, or what `write` raised: no half file left behind
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def built(name: str, source: bytes, build: Callable[[], T]) -> T:
    """What `build` makes from the data `source` (a table of words: dicts, lists, strings and
    numbers only), from the cache when it was made from the same data before, else made and kept.

    `name` says what was made and how (callers put a version of their recipe in it), the file's
    name adds a digest of `source`. For tables a run would otherwise rebuild from a package's data
    file in every process (a tenth of a second or more each): reading them back with ``marshal``
    takes milliseconds. The file holds a digest of its payload, so a damaged one is made again."""
    key = hashlib.blake2b(source, digest_size=12).hexdigest()
    path = cache_dir() / f"{name}-{key}.marshal{marshal.version}"
    try:
        data = path.read_bytes()
        payload = data[_CHECK:]
        if data[:_CHECK] == hashlib.blake2b(payload, digest_size=_CHECK).digest():
            return marshal.loads(payload)  # type: ignore[no-any-return]
    except (OSError, EOFError, ValueError, TypeError):
        pass
    value = build()
    payload = marshal.dumps(value)
    keep(path, lambda f: f.write(hashlib.blake2b(payload, digest_size=_CHECK).digest() + payload))
    return value


def package_bytes(package: str, *files: str | Path) -> bytes | None:
    """The bytes of files of an installed package (paths inside its folder), read without importing
    it: what a table built from the package's data is keyed by. None when the package is not there
    or not laid out as files (a zip, a frozen build): such a table is made, not kept.

    >>> len(package_bytes("numpy", "__init__.py")) > 0, package_bytes("numpy", "absent.py"), package_bytes("absent", "x")
    (True, None, None)
    """
    spec = importlib.util.find_spec(package)
    folder = next(iter(spec.submodule_search_locations or ()), None) if spec is not None else None
    if folder is None:
        return None
    try:
        return b"\0".join(Path(folder, f).read_bytes() for f in files)
    except OSError:
        return None


def keep_arrays(path: Path, arrays: Mapping[str, np.ndarray]) -> bool:
    """Keep named arrays (numbers or strings, no objects) in one file; False when it could not be
    written."""
    layout: dict[str, tuple[str, list[int], int]] = {}
    offset = 0
    for name, array in arrays.items():
        offset = -(-offset // _ALIGN) * _ALIGN
        layout[name] = (array.dtype.str, list(array.shape), offset)
        offset += array.nbytes
    head = json.dumps(layout).encode("ascii")
    start = -(-(len(_MAGIC) + 8 + len(head)) // _ALIGN) * _ALIGN

    def write(f: BinaryIO) -> None:
        f.write(_MAGIC + len(head).to_bytes(8, "little") + head)
        for name, array in arrays.items():
            f.seek(start + layout[name][2])
            f.write(np.ascontiguousarray(array).data)

    return keep(path, write)


def arrays_kept(path: Path) -> dict[str, np.ndarray] | None:
    """The arrays of a file `keep_arrays` wrote, memory-mapped copy-on-write (writable, and no page
    is copied unless written); None when the file is absent or not such a file. Their contents are
    not checked here: a caller that indexes by them checks what it relies on."""
    try:
        with open(path, "rb") as f:
            mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
    except (OSError, ValueError):  # ValueError: an empty file cannot be mapped
        return None
    try:
        if mapped[: len(_MAGIC)] != _MAGIC:
            return None
        size = int.from_bytes(mapped[len(_MAGIC): len(_MAGIC) + 8], "little")
        head_end = len(_MAGIC) + 8 + size
        layout = json.loads(mapped[len(_MAGIC) + 8: head_end].decode("ascii"))
        start = -(-head_end // _ALIGN) * _ALIGN
        arrays = {}
        for name, (dtype, shape, offset) in layout.items():
            kind = np.dtype(dtype)
            if kind.hasobject or any(not isinstance(d, int) or d < 0 for d in shape):
                return None
            count = math.prod(shape)
            arrays[name] = np.frombuffer(mapped, kind, count, start + offset).reshape(shape)
        return arrays
    except Exception:  # noqa: BLE001 - whatever a file not of our making holds (json's, NumPy's errors)
        return None
