"""Write outputs atomically: to a temporary file beside the target, then renamed over it.

An interrupted run leaves either the complete new file or the previous one, never half a file.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import sys
from collections.abc import Iterable
from pathlib import Path

from audit.errors import OutputError

#: Characters JSON leaves raw that ``str.splitlines`` (and JavaScript) take for line ends.
_LINE_ENDS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def json_line(value: object) -> str:
    """One JSON Lines record: UTF-8 text as it is, and nothing a reader could take for a line end.

    >>> json_line({"text": "caf\u00e9\u2028next"})
    '{"text": "caf\u00e9\\\\u2028next"}\\n'
    """
    # A raw U+2028 is valid JSON, but `for line in text.splitlines()` cuts the record in two.
    return json.dumps(value, ensure_ascii=False).translate(_LINE_ENDS) + "\n"


def write_stdout(pieces: Iterable[str]) -> None:
    """Write text to stdout whole, or raise (BrokenPipeError when its reader has gone).

    Unbuffered (``python -u``, ``PYTHONUNBUFFERED=1``, common in containers), stdout's text layer
    sits on the raw file, whose one write may take only part of the bytes (what a full pipe had
    room for); the text layer drops the rest without a word, and the command went on to exit 0
    with its output cut. Here a raw stdout is written to until every byte is taken.
    """
    stream = sys.stdout
    raw = getattr(stream, "buffer", None)
    if not isinstance(raw, io.RawIOBase):
        stream.writelines(pieces)
        stream.flush()
        return
    stream.flush()
    for piece in pieces:
        view = memoryview(piece.encode(stream.encoding, stream.errors or "strict"))
        while view:
            view = view[raw.write(view) or 0:]


def write_atomic(path: str, text: str | Iterable[str]) -> None:
    """Write `text` to `path` ("-" is stdout), creating missing parent folders.

    `text` may come in pieces (see :func:`audit.report.markdown.json_pieces`): each is written as it comes.
    """
    pieces = [text] if isinstance(text, str) else text
    if path == "-":
        write_stdout(pieces)
        return
    target = Path(path)
    tmp = staging_path(target)
    try:
        make_parent(target)
        out = open(tmp, "x", encoding="utf-8", newline="\n")
    except OSError as exc:
        raise cannot_write(target, exc) from exc
    try:
        with out:
            # Piece by piece: an error of the pieces' own making (a record that cannot be read)
            # is theirs to tell, and only one of writing is about the target.
            for piece in pieces:
                try:
                    out.write(piece)
                except OSError as exc:
                    raise cannot_write(target, exc) from exc
            try:
                out.flush()
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


def probe(path: str, folder: bool = False) -> None:
    """Fail now, not after a long run, when `path` cannot be written: a folder where a file goes
    (`folder` False) is refused, its folders are made, and a file is created and removed beside
    it, as :func:`write_atomic` will."""
    if path == "-":
        return
    target = Path(path)
    if target.is_dir() and not folder:
        raise OutputError(f"{target}: is a folder; the output here is a file")
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
