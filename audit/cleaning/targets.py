"""Where cleaning writes, checked before anything is read, and written so that nothing is lost.

Inputs and outputs must not overlap, a folder output holds only what the inputs give, and every
output is staged beside its target and renamed over it at the end (:class:`Staged`), so an
interrupted run leaves the previous output as it was.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from audit.errors import InputError, OutputError
from audit.output import cannot_write, make_parent, regular_or_new, same_file, staging_path
from audit.read.locations import (CSV_SUFFIXES, JSON_SUFFIXES, JSONL_SUFFIXES, PARQUET_SUFFIXES, TEXT_SUFFIXES, has_glob,
                                  is_corpus_file, is_url, locate)
from audit.read.readers import is_jsonl


def default_log(out: str, parts: bool = False) -> str:
    """Where the removal log goes when not told: beside the output, named after it (with
    `parts`, as on a cluster: a folder of one log per part).

    >>> default_log("clean/seeds"), default_log("feed.clean.jsonl.gz"), default_log("clean/", parts=True)
    ('clean/seeds.removals.jsonl', 'feed.clean.removals.jsonl', 'clean.removals')
    """
    name = out.rstrip("/")
    for suffix in sorted(JSONL_SUFFIXES + TEXT_SUFFIXES, key=len, reverse=True):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    return name + (".removals" if parts else ".removals.jsonl")


#: Record files that are not JSON Lines, longest first: cleaned into JSON Lines, and named so.
_RECORD_SUFFIXES = sorted(JSON_SUFFIXES + CSV_SUFFIXES + PARQUET_SUFFIXES, key=len, reverse=True)


def written_name(name: str) -> str:
    """The name of a file's cleaned copy: its own, but JSON Lines for a JSON, CSV, TSV or Parquet
    file (which clean writes as JSON Lines), compressed as it was.

    >>> written_name("a.csv.gz"), written_name("b.parquet"), written_name("c.JSON"), written_name("d.jsonl")
    ('a.jsonl.gz', 'b.jsonl', 'c.jsonl', 'd.jsonl')
    """
    lower = name.lower()
    for suffix in _RECORD_SUFFIXES:
        if lower.endswith(suffix):
            compressed = suffix[suffix.index(".", 1):] if suffix.count(".") > 1 else ""
            return name[:-len(suffix)] + ".jsonl" + compressed
    return name


def _read_names(name: str) -> list[str]:
    """The names of the files whose cleaned copy is called `name` (itself, and for a JSON Lines
    name the JSON, CSV, TSV and Parquet files that are written as it)."""
    names = [name]
    for suffix in _RECORD_SUFFIXES:
        written = written_name("x" + suffix)[1:]  # ".csv.gz" is written as ".jsonl.gz"
        if name.lower().endswith(written):
            names.append(name[:-len(written)] + suffix)
    return names


def local_inputs(paths: list[str]) -> list[str]:
    """The inputs of a local run, each in its own form: a glob stands for its matches (each then
    an input of its own, as if named), and a folder behind a URL is refused, since its files
    would have no place of their own in the output (a file behind a URL is cleaned like a file).
    """
    out = []
    for p in paths:
        if p == "-" or not (has_glob(p) or is_url(p)):
            out.append(p)
            continue
        for entry in locate(p):
            if entry.folder and is_url(entry.path):
                raise InputError(f"{entry.path}: a remote folder is cleaned with {{engine}} (a folder of parts); "
                                 "locally, give its files or a glob of them", engine="dask")
            out.append(entry.path)
    return out


def _overlap(a: str, b: str) -> bool:
    """Whether local paths `a` and `b` are one (however named: links, hard links too), or one
    holds the other."""
    first, second = Path(a).resolve(), Path(b).resolve()
    return first == second or first in second.parents or second in first.parents or same_file(a, b)


def check_inputs(paths: list[str]) -> None:
    """Refuse inputs of which one is, or holds, another: their files would be cleaned twice."""
    local = [p for p in paths if p != "-" and not is_url(p)]
    for i, p in enumerate(local):
        for q in local[i + 1:]:
            if _overlap(p, q):
                raise InputError(f"{q}: the inputs overlap ({p}): give each file once to clean it")


def check_targets(paths: list[str], out: str, log: str) -> None:
    """Refuse an output or removal log that would overwrite or sit inside an input (or the
    reverse), and a log that is the output, inside it, or holds it (the one written last would
    replace the other)."""
    if out == "-" and (len(paths) != 1 or not (paths[0] == "-" or is_jsonl(paths[0]))):
        raise InputError("{out} (stdout) takes one JSON Lines input", out="-")
    for what, target in (("output", out), ("removal log", log)):
        for p in paths:
            if target != "-" and p != "-" and _overlap(target, p):
                raise InputError(f"{target}: the {what} must not be an input, inside one, or hold one ({p})")
    if out == "-":
        return
    if len(paths) == 1 and paths[0] != "-" and not Path(paths[0]).is_dir() and \
            written_name(paths[0]) != paths[0] and not is_jsonl(out):
        raise InputError(f"{out}: clean writes {paths[0]} as JSON Lines: give {{out}} a .jsonl name", out=None)
    if _overlap(log, out):
        raise InputError(f"{log}: the removal log must not be the output, inside it, or hold it ({out})")
    named: dict[str, str] = {}
    for p in paths:
        name = entry_name(p)
        if name in named:
            raise InputError(f"{p}: has the name of another input ({named[name]}), and the two would share "
                             f"one output path ({Path(out) / name})")
        named[name] = p


def folder_output(paths: list[str]) -> bool:
    return len(paths) > 1 or (paths[0] != "-" and Path(paths[0]).is_dir())


def entry_name(path: str) -> str:
    """An input's entry in the folder that several inputs' output is."""
    if path == "-":
        return "stdin.jsonl"
    return Path(path).name if Path(path).is_dir() else written_name(Path(path).name)


def check_replaceable(paths: list[str], out: str, log: str) -> None:
    """Refuse what the run would replace and a user would not expect to lose: a folder OUT that
    holds a file no input gives (the whole folder is replaced, so it would go), the current
    folder or one above it, a file where the output or the log is a folder, or a folder where it
    is a file."""
    folder = out != "-" and folder_output(paths)
    for target, is_folder, what in ((out, folder, "output"), (log, False, "removal log")):
        there = Path(target)
        if target == "-" or not there.exists():
            continue
        if not regular_or_new(there):
            # Renamed over, a device node would become a plain file; the output and its log
            # are one unit, and are only ever written as files that replace the old ones.
            raise OutputError(f"{target}: is a device, a pipe or a socket; the {what} of clean is a "
                              f"{'folder' if is_folder else 'file'} it replaces")
        if there.is_dir() != is_folder:
            raise OutputError(f"{target}: is a {'folder' if there.is_dir() else 'file'}; the {what} here is a "
                              f"{'folder' if is_folder else 'file'}")
        if is_folder and there.resolve() in (Path.cwd(), *Path.cwd().parents):
            raise OutputError(f"{target}: is the current folder or holds it, which clean cannot replace: "
                              "give another --out")
    if not folder or not Path(out).is_dir():
        return
    by_name = {entry_name(p): p for p in paths}
    for dirpath, dirnames, filenames in os.walk(out):
        dirnames.sort()
        for name in sorted(filenames):
            rel = Path(dirpath, name).relative_to(out)
            if not _given(rel, paths, by_name):
                raise OutputError(f"{Path(dirpath, name)}: no input gives this file, and clean replaces the "
                                  f"whole folder {out}: give a new or empty --out, or move the file away")


def _given(rel: Path, paths: list[str], by_name: dict[str, str]) -> bool:
    """Whether a file at `rel` in the output folder is one an input gives: a corpus file of the
    folder cleaned, or, for several inputs, a file input's entry or a corpus file under a folder
    input's entry."""
    if len(paths) == 1:
        source = Path(paths[0], rel)
    else:
        given = by_name.get(rel.parts[0])
        if given is None:
            return False
        if len(rel.parts) == 1:
            return given == "-" or is_url(given) or not Path(given).is_dir()
        source = Path(given, *rel.parts[1:])
    return any(s.is_file() and is_corpus_file(s.name) for s in map(source.with_name, _read_names(source.name)))


@dataclass
class NamedText:
    """A text file being written under a temporary name, whose errors (a full disk) name the
    output it becomes."""

    handle: IO[str]
    #: The file under `handle`, when closing `handle` leaves it open (a gzip stream's).
    under: IO[bytes] | None = None
    target: Path = Path()

    def write(self, text: str) -> int:
        try:
            return self.handle.write(text)
        except OSError as exc:
            raise cannot_write(self.target, exc) from exc

    def close(self) -> None:
        """Flush and close: what the buffers still held is written now, or the error names it."""
        try:
            self.handle.close()
            if self.under is not None:
                self.under.close()
        except OSError as exc:
            raise cannot_write(self.target, exc) from exc


class Staged:
    """A path written under a temporary name beside it and renamed over it on success."""

    def __init__(self, target: Path, directory: bool) -> None:
        self.target = target
        self.directory = directory
        self.temp = staging_path(target)
        try:
            make_parent(target)
            if directory:
                os.mkdir(self.temp)
            else:
                open(self.temp, "x").close()
        except OSError as exc:
            raise cannot_write(target, exc) from exc
        self.ok = False
        self._handle: NamedText | None = None

    def open_text(self) -> NamedText:
        self._handle = NamedText(open(self.temp, "w", encoding="utf-8", newline="\n"), target=self.target)
        return self._handle

    def shown(self, path: Path) -> Path:
        """What `path`, in the temporary file or folder, will be called once renamed into place."""
        return self.target if path == self.temp else self.target / path.relative_to(self.temp)

    def __enter__(self) -> Staged:
        return self

    def commit(self) -> None:
        if self._handle is not None:
            self._handle.close()
        self.ok = True

    def __exit__(self, exc_type: object, *rest: object) -> None:
        done = False
        try:
            if self._handle is not None:
                self._handle.close()  # a second close, after commit, does nothing
            if exc_type is None and self.ok:
                _replace(self.temp, self.target)
                done = True
        except OutputError:
            if exc_type is None:
                raise
            # Otherwise the error on its way is the cause, and this one only follows from it.
        finally:
            if not done and self.temp.is_dir():
                shutil.rmtree(self.temp, ignore_errors=True)
            elif not done and self.temp.exists():
                self.temp.unlink()


def _replace(temp: Path, target: Path) -> None:
    """Put `temp` where `target` is. A folder cannot be renamed over a folder, so the old one is
    moved aside first and removed after; were the run killed in between, it is still there."""
    try:
        if temp.is_dir() and target.exists():
            aside = staging_path(target).with_suffix(".old")
            os.replace(target, aside)
            os.replace(temp, target)
            # A symbolic link to a folder goes as a link: rmtree refuses one.
            aside.unlink() if aside.is_symlink() or not aside.is_dir() else shutil.rmtree(aside)
        else:
            os.replace(temp, target)
    except OSError as exc:
        raise cannot_write(target, exc) from exc
