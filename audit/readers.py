"""Read a corpus: folders of text files, JSON Lines files, or JSON Lines on stdin.

Readers stream: they yield one :class:`~audit.records.Document` at a time, or an
:class:`~audit.records.InputProblem` for a record that cannot be read, and never hold the corpus.
A :class:`Corpus` can be read more than once (stdin is spooled to a temporary file), because the
corpus pass re-reads the few documents whose candidate duplicates it must verify.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from audit.errors import InputError
from audit.records import Document, InputProblem, Origin

TEXT_SUFFIXES = (".txt", ".md")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson")
#: Bytes looked at to tell a binary file from a text file.
BINARY_SNIFF_BYTES = 8192

Record = Document | InputProblem


@dataclass(frozen=True)
class Fields:
    """Names of the JSON Lines fields that hold the text, the id and the source."""

    text: str = "text"
    id: str = "id"
    source: str = "source"
    url: str = "url"


def is_jsonl(path: str) -> bool:
    """True for the file names read as JSON Lines.

    >>> is_jsonl("feed.jsonl.gz"), is_jsonl("notes.txt")
    (True, False)
    """
    return path.lower().endswith(JSONL_SUFFIXES)


def source_from_url(url: str) -> str:
    """The domain of a URL, without a leading ``www.``, or "" when it has none.

    >>> source_from_url("https://www.example.com/2024/story.html")
    'example.com'
    """
    host = urlsplit(url).hostname or ""
    return host[4:] if host.startswith("www.") else host


def decode(data: bytes) -> str:
    """Decode UTF-8 (a byte-order mark dropped); raises ValueError naming the bad byte offset.

    >>> decode(b"\\xef\\xbb\\xbfcaf\\xc3\\xa9")
    'café'
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not valid UTF-8 (byte {exc.start})") from None


def _file_document(path: Path, root: Path, display: str) -> Record:
    origin = Origin(display)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return InputProblem(origin, f"cannot read file: {exc.strerror or exc}")
    if b"\x00" in data[:BINARY_SNIFF_BYTES]:
        return InputProblem(origin, "binary file (NUL bytes), not text")
    try:
        text = decode(data)
    except ValueError as exc:
        return InputProblem(origin, str(exc))
    if not text.strip():
        return InputProblem(origin, "empty document")
    rel = path.relative_to(root) if path != root else Path(path.name)
    source = rel.parts[0] if len(rel.parts) > 1 else path.stem
    return Document(id=rel.as_posix(), source=source, text=text, origin=origin)


def _walk(root: Path) -> Iterator[Path]:
    """Files under `root` in a stable order; symbolic links to folders are not followed."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if name.lower().endswith(TEXT_SUFFIXES + JSONL_SUFFIXES):
                yield Path(dirpath) / name


def _jsonl_records(stream: BinaryIO, display: str, stem: str, fields: Fields) -> Iterator[Record]:
    for lineno, raw in enumerate(stream, start=1):
        origin = Origin(display, lineno)
        if not raw.strip():
            continue
        try:
            record = json.loads(decode(raw))
        except json.JSONDecodeError as exc:
            yield InputProblem(origin, f"invalid JSON: {exc.msg} (column {exc.colno})")
            continue
        except ValueError as exc:
            yield InputProblem(origin, str(exc))
            continue
        if not isinstance(record, dict):
            yield InputProblem(origin, f"a JSON {type(record).__name__}, not an object")
            continue
        text = record.get(fields.text)
        if not isinstance(text, str):
            what = "missing" if fields.text not in record else f"a {type(text).__name__}, not a string"
            yield InputProblem(origin, f"field {fields.text!r} is {what}")
            continue
        if not text.strip():
            yield InputProblem(origin, "empty document")
            continue
        raw_id = record.get(fields.id)
        doc_id = str(raw_id) if raw_id not in (None, "") else f"{stem}:{lineno}"
        source = record.get(fields.source)
        if not isinstance(source, str) or not source:
            url = record.get(fields.url)
            source = (source_from_url(url) if isinstance(url, str) else "") or stem
        others = {k: v for k, v in record.items() if k != fields.text}
        yield Document(id=doc_id, source=source, text=text, origin=origin, fields=others)


def _jsonl_file(path: Path, display: str, fields: Fields) -> Iterator[Record]:
    stem = path.name.split(".")[0]
    try:
        opener = gzip.open if path.name.lower().endswith(".gz") else open
        with opener(path, "rb") as stream:
            yield from _jsonl_records(stream, display, stem, fields)
    except (OSError, EOFError) as exc:
        yield InputProblem(Origin(display), f"cannot read file: {getattr(exc, 'strerror', None) or exc}")


class Corpus:
    """The documents under a list of paths (folders, files, or "-" for JSON Lines on stdin).

    Iterating yields documents and input problems in a stable order; it can be repeated.
    """

    def __init__(self, paths: list[str], fields: Fields | None = None) -> None:
        if not paths:
            raise InputError("no input paths given")
        for p in paths:
            if p != "-" and not os.path.exists(p):
                raise InputError(f"{p}: no such file or folder")
        self.paths = list(paths)
        self.fields = fields or Fields()
        self._stdin_copy: str | None = None

    @property
    def name(self) -> str:
        """A short name for the corpus, used for the default report path."""
        first = self.paths[0]
        if first == "-":
            return "stdin"
        return Path(first).resolve().name.split(".")[0] or "corpus"

    def _stdin_path(self) -> str:
        if self._stdin_copy is None:
            fd, name = tempfile.mkstemp(prefix="corpus-audit-stdin-", suffix=".jsonl")
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(sys.stdin.buffer if hasattr(sys.stdin, "buffer") else io.BytesIO(), out)
            self._stdin_copy = name
        return self._stdin_copy

    def close(self) -> None:
        """Remove the spooled copy of stdin, if any."""
        if self._stdin_copy is not None:
            os.unlink(self._stdin_copy)
            self._stdin_copy = None

    def __enter__(self) -> Corpus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[Record]:
        for p in self.paths:
            if p == "-":
                with open(self._stdin_path(), "rb") as stream:
                    yield from _jsonl_records(stream, "<stdin>", "stdin", self.fields)
                continue
            path = Path(p)
            if path.is_dir():
                for f in _walk(path):
                    display = f.as_posix()
                    if is_jsonl(f.name):
                        yield from _jsonl_file(f, display, self.fields)
                    else:
                        yield _file_document(f, path, display)
            elif is_jsonl(path.name):
                yield from _jsonl_file(path, path.as_posix(), self.fields)
            else:
                yield _file_document(path, path, path.as_posix())
