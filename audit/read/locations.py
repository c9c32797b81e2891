"""Find and open a corpus's files: local paths and globs, and fsspec URLs (``s3://``, ``gs://``, ``memory://``).

A local path is read with the standard library, as it always was; a URL goes through fsspec,
which is imported only when one is given, and whose filesystem packages (s3fs, gcsfs, ...) the
user installs for the storage they use. Globs (``data/*.jsonl``, ``s3://bucket/**/*.jsonl.gz``)
are expanded here rather than by a shell, so a quoted glob and a glob in a URL both work; their
matches are read in sorted order, each as if it had been given on its own.
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, BinaryIO

from audit.errors import InputError

TEXT_SUFFIXES = (".txt", ".md")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".ndjson", ".ndjson.gz", ".ndjson.zst")
#: A JSON array of records, or JSON Lines under this name (told apart by the content).
JSON_SUFFIXES = (".json", ".json.gz", ".json.zst")
#: Comma- or tab-separated values with a header row; a row a record, its columns the fields.
CSV_SUFFIXES = (".csv", ".csv.gz", ".csv.zst", ".tsv", ".tsv.gz", ".tsv.zst")
#: Read with pyarrow (``corpus-audit[parquet]``), a row a record, as JSON Lines records are.
PARQUET_SUFFIXES = (".parquet",)
#: Every file name a folder or a glob contributes.
CORPUS_SUFFIXES = TEXT_SUFFIXES + JSONL_SUFFIXES + JSON_SUFFIXES + CSV_SUFFIXES + PARQUET_SUFFIXES
#: Files that are plainly meant as corpus but are not read, and what to do instead.
REFUSED = {
    ".html": "HTML is not read: extract the text first (e.g. with trafilatura) into .txt or JSON Lines",
    ".htm": "HTML is not read: extract the text first (e.g. with trafilatura) into .txt or JSON Lines",
}
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def is_url(path: str) -> bool:
    """True for a path with a protocol, read through fsspec.

    >>> is_url("s3://bucket/a.jsonl.gz"), is_url("memory://c/a.jsonl"), is_url("data/a.jsonl")
    (True, True, False)
    """
    return _URL.match(path) is not None


def has_glob(path: str) -> bool:
    """True for a path with glob characters.

    >>> has_glob("data/*.jsonl"), has_glob("s3://b/part-[0-9].jsonl"), has_glob("data/a.jsonl")
    (True, True, False)
    """
    return any(c in path for c in "*?[")


def is_corpus_file(name: str) -> bool:
    """True for the file names a folder or a glob contributes (text and JSON Lines files).

    >>> is_corpus_file("a/b.JSONL.gz"), is_corpus_file("notes.md"), is_corpus_file("data.csv"), is_corpus_file("a.png")
    (True, True, True, False)
    """
    return name.lower().endswith(CORPUS_SUFFIXES)


def _filesystem(url: str) -> tuple[Any, str]:
    """The fsspec filesystem of a URL and the URL's path on it; a missing filesystem package or
    an unknown protocol is an input error that says which."""
    import fsspec

    try:
        return fsspec.core.url_to_fs(url)
    except ImportError as exc:
        # fsspec's message names the package, e.g. "Install s3fs to access S3".
        raise InputError(f"{url}: cannot read {url.split('://')[0]}:// URLs here: {exc}") from None
    except ValueError as exc:
        raise InputError(f"{url}: {exc}") from None


@dataclass(frozen=True)
class Entry:
    """One thing a given path stands for: a file, or a folder whose corpus files are read."""

    path: str
    folder: bool


def locate(path: str) -> list[Entry]:
    """The files and folders a given path stands for: itself, or a glob's matches (folders, and
    files with a corpus suffix) in sorted order. Raises InputError when there is nothing."""
    if is_url(path):
        fs, inner = _filesystem(path)
        try:
            if has_glob(inner):
                # Named under the glob's plain head as it was given ("memory://c/*": memory://c/a.jsonl).
                head = _plain_head(path)
                found = [(_under(head, fs, m), fs.isdir(m)) for m in sorted(fs.glob(inner))]
            elif fs.isdir(inner):
                return [Entry(path, True)]
            elif fs.exists(inner):
                return [Entry(path, False)]
            else:
                raise InputError(f"{path}: no such file or folder")
        except OSError as exc:
            # A store that refuses the listing (permissions, network): its own words, on one line.
            raise InputError(f"{path}: {exc.strerror or exc}") from None
    elif os.path.lexists(path) or not has_glob(path):
        if not os.path.lexists(path):
            raise InputError(f"{path}: no such file or folder")
        return [Entry(path, os.path.isdir(path))]
    else:
        found = [(m, os.path.isdir(m)) for m in local_glob(path)]
    entries = [Entry(m, folder) for m, folder in found if folder or is_corpus_file(m)]
    if not entries:
        raise InputError(f"{path}: matches no folder and no {', '.join(CORPUS_SUFFIXES)} file")
    return entries


def files(entry: Entry) -> Iterator[tuple[str, str]]:
    """(file, root) pairs of an entry in reading order: a file is its own root; a folder's corpus
    files (walked in sorted order, symbolic links to folders not followed, files that are not
    regular files left out: :func:`skipped`) have the folder."""
    for path, root, why in _walk(entry):
        if why is None:
            yield path, root


@dataclass(frozen=True)
class Skipped:
    """A file in a folder that is not read, and why (its kind: a suffix, or "FIFO", "socket" ...)."""

    path: str
    kind: str
    why: str


def skipped(entry: Entry) -> list[Skipped]:
    """The files of a folder that are not read: other file types, HTML (with a hint), and what is
    not a regular file (a FIFO would block the read forever, a device never end)."""
    return [Skipped(path, *why) for path, _, why in _walk(entry) if why is not None]


def _walk(entry: Entry) -> Iterator[tuple[str, str, tuple[str, str] | None]]:
    """(file, root, why it is skipped or None) of an entry, in reading order."""
    if not entry.folder:
        path = entry.path if is_url(entry.path) else PurePosixPath(entry.path).as_posix()
        yield path, path, None
    elif is_url(entry.path):
        fs, inner = _filesystem(entry.path)
        # Named under the folder as it was given, as local files are.
        root = entry.path.rstrip("/")
        for name in sorted(fs.find(inner), key=_walk_order):
            yield _under(root, fs, name), root, _skip_reason(name, True)
    else:
        root = PurePosixPath(entry.path).as_posix()
        for dirpath, dirnames, filenames in os.walk(entry.path):
            dirnames.sort()
            for name in sorted(filenames):
                path = PurePosixPath(dirpath, name).as_posix()
                yield path, root, _skip_reason(path, _regular(path))


def _skip_reason(path: str, regular: bool | str) -> tuple[str, str] | None:
    """Why a folder's file is not read (its kind and the reason), or None when it is read."""
    if regular is not True:
        return str(regular), "not a regular file"
    name = PurePosixPath(path).name.lower()
    if is_corpus_file(name):
        return None
    suffix = PurePosixPath(name).suffix or "(no suffix)"
    return suffix, REFUSED.get(suffix, "not a file type that is read")


def _regular(path: str) -> bool | str:
    """True for a regular file (or a link to one), else what it is: "FIFO", "socket", "device",
    "broken link"."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return True  # unreadable or gone: the reader says so, naming the file
    if stat.S_ISREG(mode):
        return True
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "folder"


def not_regular(path: str) -> str | None:
    """What a local path named as a file is when it is not a regular file ("FIFO", "socket",
    "device"), else None (URLs and regular files)."""
    if is_url(path):
        return None
    kind = _regular(path)
    return None if kind is True else str(kind)


def printable(name: str) -> str:
    """A file name as it is shown and used as an id: bytes that are not UTF-8 (which Python keeps
    as lone surrogates) written as ``\\xNN`` escapes.

    >>> printable(os.fsdecode(b"caf\\xe9.txt")), printable("café.txt")
    ('caf\\\\xe9.txt', 'café.txt')
    """
    try:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return name.encode("utf-8", "backslashreplace").decode("utf-8")


def local_glob(pattern: str) -> list[str]:
    """The matches of a local glob, sorted; ``**`` matches folders at any depth, but never follows
    a symbolic link to a folder (a link loop would give paths without end), as :func:`os.walk`
    does not.

    Components are matched as :mod:`glob` matches them: ``*`` and ``?`` do not match a leading dot.
    """
    parts = pattern.split("/")
    start = "/" if pattern.startswith("/") else ""
    found: list[str] = []

    def match(base: str, rest: list[str]) -> None:
        if not rest:
            found.append(base)
            return
        head, tail = rest[0], rest[1:]
        folder = base or "."
        if head == "**":
            match(base, tail)
            for sub in _names(folder, head, only_folders=True):
                match(os.path.join(base, sub), rest)
        elif has_glob(head):
            for name in _names(folder, head, only_folders=bool(tail)):
                match(os.path.join(base, name), tail)
        elif head == "" or os.path.lexists(os.path.join(folder, head)):
            match(os.path.join(base, head) if head else base, tail)

    match(start, [p for p in parts if p] if start else parts)
    return sorted(set(found))


def _names(folder: str, pattern: str, only_folders: bool) -> list[str]:
    """Names in a folder that match one glob component (``**``: every folder that is no link)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    out = []
    for e in entries:
        if pattern == "**":
            if e.is_dir(follow_symlinks=False) and not e.name.startswith("."):
                out.append(e.name)
        elif (not e.name.startswith(".") or pattern.startswith(".")) and fnmatch.fnmatchcase(e.name, pattern):
            if not only_folders or e.is_dir():
                out.append(e.name)
    return out


def _walk_order(path: str) -> tuple[tuple[int, str], ...]:
    """Sorts a folder's files as :func:`os.walk` with sorted names visits them: a folder's own
    files before its subfolders'.

    >>> sorted(["d/sub/b.txt", "d/z.txt", "d/a.txt"], key=_walk_order)
    ['d/a.txt', 'd/z.txt', 'd/sub/b.txt']
    """
    *folders, name = path.split("/")
    return tuple((1, f) for f in folders) + ((0, name),)


def _plain_head(url: str) -> str:
    """A glob URL's part before the component with the first wildcard.

    >>> _plain_head("s3://bucket/2024/*/part-*.jsonl.gz")
    's3://bucket/2024'
    """
    parts = url.split("/")
    return "/".join(parts[:next(i for i, c in enumerate(parts) if has_glob(c))])


def _under(root: str, fs: Any, name: str) -> str:
    """The URL of a file `name` (a path on `fs`) spelled under `root`, a URL as the user gave it;
    the filesystem's own spelling where the file is not under it."""
    inner = PurePosixPath(fs._strip_protocol(root))
    try:
        return f"{root.rstrip('/')}/{PurePosixPath(name).relative_to(inner).as_posix()}"
    except ValueError:
        return fs.unstrip_protocol(name)  # type: ignore[no-any-return]


def size(path: str) -> int:
    """A file's size in bytes."""
    if is_url(path):
        fs, inner = _filesystem(path)
        return int(fs.size(inner))
    return os.stat(path).st_size


def read_bytes(path: str) -> bytes:
    """A whole file's bytes."""
    with open_raw(path) as f:
        return f.read()


def open_raw(path: str) -> BinaryIO:
    """A file opened for reading bytes as stored (seekable, not decompressed)."""
    if is_url(path):
        fs, inner = _filesystem(path)
        return fs.open(inner, "rb")  # type: ignore[no-any-return]
    return open(path, "rb")


def relative(path: str, root: str) -> PurePosixPath:
    """A file's path under its root (its own name when it is the root).

    >>> relative("data/pages/a.txt", "data").as_posix(), relative("s3://b/x/a.txt", "s3://b/x/a.txt").as_posix()
    ('pages/a.txt', 'a.txt')
    """
    p = PurePosixPath(path)
    return p.relative_to(PurePosixPath(root)) if path != root else PurePosixPath(p.name)
