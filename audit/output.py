"""Write outputs atomically: to a temporary file beside the target, then renamed over it.

An interrupted run leaves either the complete new file or the previous one, never half a file.
Only a regular file (or a new name) is ever renamed over: a device (``/dev/null``, ``/dev/full``)
or a named pipe is written directly, since replacing it would put a plain file where the device
node was. An output that is one of the run's inputs is refused (:func:`probe`), and every error
names the output it concerns.
"""

from __future__ import annotations

import errno
import fcntl
import io
import json
import math
import os
import secrets
import select
import stat
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO, TextIO, TypeVar

from audit.errors import InputError, OutputError
from audit.read.locations import Entry, has_glob, is_corpus_file, is_url, locate

_T = TypeVar("_T")

#: How errors name standard output, which has no file name of its own.
STDOUT = Path("standard output")
#: Characters JSON leaves raw that ``str.splitlines`` (and JavaScript) take for line ends.
_LINE_ENDS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def json_line(value: object) -> str:
    """One JSON Lines record: UTF-8 text as it is, nothing a reader could take for a line end,
    and valid JSON: a number too large for a float (``1e400``, read as infinity) or ``NaN``,
    which Python reads but JSON has no word for, is written as ``null``.

    >>> json_line({"text": "caf\u00e9\u2028next"})
    '{"text": "caf\u00e9\\\\u2028next"}\\n'
    >>> json_line({"score": float("inf"), "all": [float("nan"), 1.5]})
    '{"score": null, "all": [null, 1.5]}\\n'
    """
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except ValueError:  # rare: only then is the record walked
        text = json.dumps(_finite(value), ensure_ascii=False, allow_nan=False)
    # A raw U+2028 is valid JSON, but `for line in text.splitlines()` cuts the record in two.
    return text.translate(_LINE_ENDS) + "\n"


def _finite(value: object) -> object:
    """`value` with every infinite or NaN float, at any depth, replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def write_stdout(pieces: Iterable[str | bytes]) -> None:
    """Write text (or bytes, as they are) to stdout whole, or raise (BrokenPipeError when its
    reader has gone; an error naming standard output otherwise).

    Unbuffered (``python -u``, ``PYTHONUNBUFFERED=1``, common in containers), stdout's text layer
    sits on the raw file, whose one write may take only part of the bytes (what a full pipe had
    room for); the text layer drops the rest without a word, and the command went on to exit 0
    with its output cut. Here a raw stdout is written to until every byte is taken.
    """
    stream = sys.stdout
    binary = getattr(stream, "buffer", None)
    if binary is None:  # a text stream standing in for stdout (a notebook's, redirect_stdout)
        _write_pieces(stream, STDOUT, (p.decode("utf-8") if isinstance(p, bytes) else p for p in pieces))
        return
    _writing(stream.flush, STDOUT)
    for piece in pieces:
        data = piece if isinstance(piece, bytes) else piece.encode(stream.encoding, stream.errors or "strict")
        if isinstance(binary, io.RawIOBase):
            _write_raw(binary, data)
        else:
            _writing(lambda data=data: binary.write(data), STDOUT)
    _writing(binary.flush, STDOUT)


def _write_raw(raw: io.RawIOBase, data: bytes) -> None:
    """All of `data` to a raw stdout, however little each write takes."""
    view = memoryview(data)
    while view:
        written = _writing(lambda view=view: raw.write(view), STDOUT)
        if written is None:  # a non-blocking stdout that is full: wait until it takes more
            select.select([], [raw], [])
            continue
        view = view[written:]


def write_atomic(path: str, text: str | Iterable[str]) -> None:
    """Write `text` to `path` ("-" is stdout), creating missing parent folders.

    `text` may come in pieces (see :func:`audit.report.markdown.json_pieces`): each is written as it comes.
    """
    pieces = [text] if isinstance(text, str) else text
    if path == "-":
        write_stdout(pieces)
        return
    target = Path(path)
    if not regular_or_new(target):
        _write_through(target, pieces)
        return
    tmp = staging_path(target)
    try:
        make_parent(target)
        out = open(tmp, "x", encoding="utf-8", newline="\n")
    except OSError as exc:
        raise cannot_write(target, exc) from exc
    try:
        with out:
            _write_pieces(out, target, pieces)
            try:
                os.fsync(out.fileno())
            except OSError as exc:
                raise cannot_write(target, exc) from exc
        try:
            os.replace(tmp, target)
        except OSError as exc:
            raise cannot_write(target, exc) from exc
    except BaseException:
        if tmp.exists():
            tmp.unlink()
        raise


def _write_pieces(out: IO[str] | TextIO, target: Path, pieces: Iterable[str]) -> None:
    """Write and flush `pieces`, piece by piece: an error of the pieces' own making (a record that
    cannot be read) is theirs to tell, and only one of writing is about the target."""
    for piece in pieces:
        _writing(lambda piece=piece: out.write(piece), target)
    _writing(out.flush, target)


def _writing(action: Callable[[], _T], target: Path) -> _T:
    """Do one write to `target` and return what it returns; its error names `target`. A reader of
    standard output that went away (``| head``) is left to the CLI, which then ends quietly."""
    try:
        return action()
    except BrokenPipeError:
        if target is STDOUT:
            raise
        raise OutputError(f"{target}: cannot write it: its reader closed the pipe") from None
    except OSError as exc:
        raise cannot_write(target, exc) from exc


def regular_or_new(target: Path | str) -> bool:
    """Whether `target` is written by renaming a file over it: it is missing, a regular file or a
    link to one (or a folder, which the rename refuses); not a device, a pipe or a socket."""
    try:
        mode = os.stat(target).st_mode
        return stat.S_ISREG(mode) or stat.S_ISDIR(mode)
    except FileNotFoundError:
        return True
    except OSError:
        return True  # a link to nowhere, a folder on the way that cannot be read: the write says why


def _open_through(target: Path) -> int:
    """Open an existing device or pipe for writing, as it is. A pipe without a reader is an error
    now (ENXIO), not a wait without end."""
    fd = os.open(target, os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    return fd


def _write_through(target: Path, pieces: Iterable[str]) -> None:
    """Write to a device or a pipe in place (there is nothing to make atomic, nor to sync)."""
    try:
        out = open(_open_through(target), "w", encoding="utf-8", newline="\n")
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise OutputError(f"{target}: cannot write it: a named pipe that no process reads") from exc
        raise cannot_write(target, exc) from exc
    try:
        _write_pieces(out, target, pieces)
    finally:
        try:
            out.close()
        except OSError:
            pass  # what could not be written is told already (the flush above failed on it)


def refuse_inputs(target: str, inputs: Sequence[str], what: str = "output") -> None:
    """Refuse a `target` that is one of the `inputs`: the same file (by its inode, so through
    links too), a corpus file in an input folder, or a file an input glob matches. Writing it
    would replace the corpus with the report."""
    if target == "-" or not os.path.isfile(target):
        return
    for given in inputs:
        if given == "-" or is_url(given):
            continue
        try:
            entries = locate(given) if has_glob(given) else [Entry(given, os.path.isdir(given))]
        except (OSError, InputError):
            continue  # reading the inputs tells what is wrong with them
        for entry in entries:
            if same_file(target, entry.path) or (entry.folder and is_corpus_file(target)
                                                 and Path(entry.path).resolve() in Path(target).resolve().parents):
                raise OutputError(f"{target}: the {what} is one of the inputs ({given}); "
                                  "writing it would replace the corpus: give another")


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether `a` and `b` are one file (the same inode), however each is named."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def cannot_write(target: Path | str, exc: OSError) -> OutputError:
    """The one-line error for an output that could not be written, naming it (not its temporary
    name) and why: a missing or read-only folder, a full disk, a file where a folder should be."""
    return OutputError(f"{target}: cannot write it: {exc.strerror or exc}")


def make_parent(target: Path) -> None:
    """Make the folders above `target`; where a file stands in their way, say which."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        blocking = next((p for p in target.parents if p.is_file()), target.parent)
        raise OutputError(f"{target}: cannot write it: {blocking} is a file, not a folder") from exc


def probe(path: str, folder: bool = False, inputs: Sequence[str] = ()) -> None:
    """Fail now, not after a long run, when `path` cannot be written: one of the `inputs` (see
    :func:`refuse_inputs`) or a folder where a file goes (`folder` False) is refused, a device
    or a pipe must be writable, and otherwise its folders are made and a file is created and
    removed beside it, as :func:`write_atomic` will."""
    if path == "-":
        return
    refuse_inputs(path, inputs)
    target = Path(path)
    if target.is_dir() and not folder:
        raise OutputError(f"{target}: is a folder; the output here is a file")
    if not regular_or_new(target):
        if not os.access(target, os.W_OK):
            raise cannot_write(target, OSError(errno.EACCES, os.strerror(errno.EACCES)))
        return
    tmp = staging_path(target)
    # The folders made for the test go again: a run refused later leaves nothing behind.
    made = [p for p in tmp.parents if not p.exists()]
    try:
        make_parent(target)
        open(tmp, "x").close()
        tmp.unlink()
    except OSError as exc:
        raise cannot_write(target, exc) from exc
    finally:
        for folder_made in made:  # deepest first
            try:
                folder_made.rmdir()
            except OSError:
                pass  # not empty now (another process writes there), or never made


def staging_path(target: Path) -> Path:
    """A new name beside `target` to write it under before the rename: hidden, unique, and
    created by the caller with ``open(..., "x")`` or ``os.mkdir``, not :mod:`tempfile`, whose
    files are private (0600): an output gets the permissions any new file would (the umask's)."""
    # Absolute first: "." has no name to put beside it.
    target = Path(os.path.abspath(target))
    return target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
