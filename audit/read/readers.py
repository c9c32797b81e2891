"""Read a corpus: folders of text files, JSON Lines files, or JSON Lines on stdin.

Paths may be globs or fsspec URLs (:mod:`audit.read.locations` finds and opens the files); a remote
file is read with the same code as a local one, byte ranges included.

Readers stream: they yield one :class:`~audit.records.Document` at a time, or an
:class:`~audit.records.InputProblem` for a record that cannot be read, and never hold the corpus.
A :class:`Corpus` can be read more than once (stdin is spooled to a temporary file), because the
corpus pass re-reads the few documents whose candidate duplicates it must verify.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from urllib.parse import urlsplit

from audit.errors import InputError
from audit.read.locations import (JSONL_SUFFIXES, PARQUET_SUFFIXES, files, has_glob, is_url, locate, open_raw,
                                  read_bytes, relative, size)
from audit.records import Document, InputProblem, Origin

#: Bytes looked at to tell a binary file from a text file.
BINARY_SNIFF_BYTES = 8192
#: Largest document read (bytes): a bigger one is an input error rather than a memory hazard.
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024

Record = Document | InputProblem

#: The problem of a JSON Lines file (or stdin) without a record: empty, or only blank lines.
NO_RECORDS = "empty, no records"
#: The problem of a folder without a file to read (.txt, .md, JSON Lines), however deep.
NO_FILES = "no .txt, .md or JSON Lines file in the folder"


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


def decode(data: bytes) -> tuple[str, list[int]]:
    """Decode text, line by line: UTF-8 (a byte-order mark dropped) where it is valid, else
    Windows-1252 (the usual other encoding of scraped text, every byte mapped). Returns the text
    and the 1-based numbers of the lines that were not UTF-8.

    >>> decode(b"\\xef\\xbb\\xbfcaf\\xc3\\xa9\\nna\\xefve")
    ('café\\nnaïve', [2])
    """
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines, recoded = [], []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            lines.append(raw.decode("sloppy-windows-1252"))
            recoded.append(number)
    return "\n".join(lines), recoded


def reason(exc: BaseException) -> str:
    """A short reason for a failed read: the system's words, else the exception's.

    >>> reason(PermissionError(13, "Permission denied")), reason(EOFError())
    ('Permission denied', 'EOFError')
    """
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


#: The byte-order marks of UTF-32 and UTF-16, and their codecs (UTF-32's first: its little-endian
#: mark begins with UTF-16's). Their text is full of NUL bytes, which would pass for binary.
_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
              (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def wide_encoding(head: bytes) -> str | None:
    """The encoding a UTF-16 or UTF-32 byte-order mark declares, or None.

    >>> wide_encoding("Text".encode("utf-16")), wide_encoding(b"Text")
    ('utf-16', None)
    """
    return next((codec for bom, codec in _WIDE_BOMS if head.startswith(bom)), None)


def looks_binary(head: bytes) -> bool:
    """True when the first bytes of a file are mostly not text (control bytes, NULs).

    >>> looks_binary(b"plain text\\n"), looks_binary(b"\\x89PNG\\r\\n\\x1a\\n\\x00\\x00\\x00\\rIHDR")
    (False, True)
    """
    if not head:
        return False
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return control / len(head) > 0.1 or b"\x00\x00" in head


def _file_document(path: str, root: str, display: str, max_bytes: int) -> Record:
    origin = Origin(display)
    try:
        length = size(path)
        if length > max_bytes:
            return InputProblem(origin, f"document too large ({length:,} bytes; the limit is {max_bytes:,})")
        data = read_bytes(path)
    except OSError as exc:
        return InputProblem(origin, f"cannot read file: {reason(exc)}")
    wide = wide_encoding(data)
    if wide:
        try:
            text, recoded = data.decode(wide), []
        except UnicodeDecodeError:
            return InputProblem(origin, f"not {wide.upper()} text, though it begins with a {wide.upper()} byte-order mark")
    elif looks_binary(data[:BINARY_SNIFF_BYTES]):
        return InputProblem(origin, "binary file, not text")
    else:
        text, recoded = decode(data)
    if not text.strip():
        return InputProblem(origin, "empty document")
    rel = relative(path, root)
    source = rel.parts[0] if len(rel.parts) > 1 else PurePosixPath(path).stem
    return Document(id=rel.as_posix(), source=source, text=text, origin=origin, recoded_lines=recoded)


def _jsonl_records(stream: Iterable[bytes], display: str, stem: str, fields: Fields, max_bytes: int,
                   first_line: int = 1) -> Iterator[Record]:
    lineno = first_line - 1
    try:
        for lineno, raw in enumerate(stream, start=first_line):
            yield from jsonl_record(raw, Origin(display, lineno), stem, fields, max_bytes)
    except (OSError, EOFError, ValueError) as exc:
        # A truncated or corrupt compressed stream: what was read stands, the rest is reported.
        yield InputProblem(Origin(display, lineno + 1), f"cannot read further: {reason(exc)}")


def jsonl_record(raw: bytes, origin: Origin, stem: str, fields: Fields, max_bytes: int) -> Iterator[Record]:
    """The document of one JSON Lines record, or the problem with it (nothing for a blank line)."""
    if not raw.strip():
        return
    if len(raw) > max_bytes:
        yield InputProblem(origin, f"document too large ({len(raw):,} bytes; the limit is {max_bytes:,})")
        return
    line, recoded = decode(raw)
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        yield InputProblem(origin, f"invalid JSON: {exc.msg} (column {exc.colno})", line.rstrip("\r\n"))
        return
    if not isinstance(record, dict):
        yield InputProblem(origin, f"{_json_type(record)}, not a JSON object", line.rstrip("\r\n"))
        return
    text = record.get(fields.text)
    if not isinstance(text, str):
        what = "missing" if fields.text not in record else f"{_json_type(text)}, not a string"
        yield InputProblem(origin, f"field {fields.text!r} is {what}", line.rstrip("\r\n"))
        return
    if not text.strip():
        yield InputProblem(origin, "empty document")
        return
    raw_id = record.get(fields.id)
    doc_id = str(raw_id) if raw_id not in (None, "") else f"{stem}:{origin.line}"
    source = record.get(fields.source)
    if not isinstance(source, str) or not source:
        url = record.get(fields.url)
        source = (source_from_url(url) if isinstance(url, str) else "") or stem
    # Line numbers inside a record's text are unknown here: a recoded record is marked as a whole.
    yield Document(id=doc_id, source=source, text=text, origin=origin, fields=record,
                   recoded_lines=[0] if recoded else [])


def _parquet_records(part: Part, fields: Fields, max_bytes: int) -> Iterator[Record]:
    """The records of a Parquet file, a row each, read a row group at a time and checked as JSON
    Lines records are (each row's origin is its 1-based row number)."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        yield InputProblem(Origin(part.display), "Parquet needs pyarrow: pip install 'corpus-audit[parquet]'")
        return
    row = 0
    try:
        with open_raw(part.path) as raw:
            for batch in pq.ParquetFile(raw).iter_batches():
                for values in batch.to_pylist():
                    row += 1
                    # As a JSON Lines line, so that a row is checked as a record is (dates and
                    # other values JSON has no type for are given as text).
                    line = json.dumps(values, ensure_ascii=False, default=str).encode("utf-8")
                    yield from jsonl_record(line, Origin(part.display, row), part.stem, fields, max_bytes)
    except (OSError, ValueError) as exc:
        yield InputProblem(Origin(part.display, row + 1 if row else None), f"cannot read Parquet: {reason(exc)}")
        return
    if not row:
        yield InputProblem(Origin(part.display), NO_RECORDS)


def _json_type(value: object) -> str:
    """JSON's name for a value's type: null, a boolean, a number, a string, a list, an object."""
    if value is None:
        return "null"
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list", dict: "an object"}
    return names.get(type(value), type(value).__name__)


@contextmanager
def open_binary(path: str) -> Iterator[BinaryIO]:
    """A file (local or a URL) opened for streaming bytes, ``.gz`` and ``.zst`` decompressed on
    the fly; everything opened is closed on leaving."""
    name = path.lower()
    with open_raw(path) as raw:
        if name.endswith(".gz"):
            with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
                yield unzipped  # type: ignore[misc]
        elif name.endswith(".zst"):
            import zstandard

            # The zstandard reader has no line iteration of its own; a buffer gives it one.
            with io.BufferedReader(zstandard.open(raw, "rb")) as unzipped:  # type: ignore[arg-type]
                yield unzipped
        else:
            yield raw


class Corpus:
    """The documents under a list of paths (folders, files, globs, fsspec URLs, or "-" for JSON
    Lines on stdin).

    Iterating yields documents and input problems in a stable order; it can be repeated, unless
    `reread` is False: then stdin is read as it comes (a feed that never ends can be read), once.
    A document larger than `max_bytes` is an input problem, not read into memory whole.
    """

    def __init__(self, paths: list[str], fields: Fields | None = None, max_bytes: int = MAX_DOCUMENT_BYTES,
                 reread: bool = True, displays: Mapping[str, str] | None = None, name: str | None = None) -> None:
        if not paths:
            raise InputError("no input paths given")
        # Each path's files and folders, found now: a missing path fails before any work, and a
        # glob means the same files on every reading.
        self._entries = {p: locate(p) for p in paths if p != "-"}
        self.paths = list(paths)
        self.fields = fields or Fields()
        self.max_bytes = max_bytes
        self.reread = reread
        # How files are named in findings and ids, where not by their path (records given in
        # memory, spooled to a temporary file: :mod:`audit.read.sources`).
        self.displays = dict(displays or {})
        self._name = name
        self._stdin_copy: str | None = None

    @property
    def name(self) -> str:
        """A short name for the corpus, used for the default report path."""
        if self._name is not None:
            return self._name
        first = self.paths[0]
        if first == "-":
            return "stdin"
        # A glob is named by what comes before its first wildcard ("data/*.jsonl": data).
        parts = PurePosixPath(first.split("://", 1)[1] if is_url(first) else first).parts
        plain = parts[:next((i for i, c in enumerate(parts) if has_glob(c)), len(parts))]
        if is_url(first):
            return (plain[-1].split(".")[0] if plain else "") or "corpus"
        return Path(*plain or ["."]).resolve().name.split(".")[0] or "corpus"

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

    def parts(self, blocksize: int | None = None) -> list[Part]:
        """The corpus cut into parts that can be read on their own, in reading order.

        Each text file is a part and each compressed file is one; a plain JSON Lines file is cut
        into byte ranges of about `blocksize` bytes (whole when `blocksize` is None).
        """
        return [part for p in self.paths for part in self._parts_of(p, blocksize)]

    def _parts_of(self, p: str, blocksize: int | None) -> list[Part]:
        if p == "-":
            return [Part(self._stdin_path(), "<stdin>", "jsonl", stem="stdin")]
        out: list[Part] = []
        for entry in self._entries[p]:
            before = len(out)
            for f, root in files(entry):
                out += self._file_parts(f, root, blocksize, self.displays.get(f, f))
            if entry.folder and len(out) == before:
                # Nothing to read is not a pass: the folder is one problem, as an empty file is.
                folder = entry.path if is_url(entry.path) else PurePosixPath(entry.path).as_posix()
                out.append(Part(folder, folder, "folder"))
        return out

    @staticmethod
    def _file_parts(f: str, root: str, blocksize: int | None, display: str) -> list[Part]:
        name = PurePosixPath(f).name
        stem = PurePosixPath(display).name.split(".")[0]
        if name.lower().endswith(PARQUET_SUFFIXES):
            return [Part(f, display, "parquet", stem=stem)]
        if not is_jsonl(name):
            return [Part(f, display, "text", root=root)]
        if blocksize is None or name.lower().endswith((".gz", ".zst")):
            return [Part(f, display, "jsonl", stem=stem)]
        try:
            length = size(f)
        except OSError:
            # One whole part, which reports the file unreadable once, as a local run does.
            length = 0
        starts = range(0, max(length, 1), blocksize)
        return [Part(f, display, "jsonl", stem=stem, start=s,
                     end=min(s + blocksize, length) if s + blocksize < length else None)
                for s in starts]

    def __iter__(self) -> Iterator[Record]:
        for p in self.paths:
            if p == "-" and not self.reread:
                # A feed read as it comes: no copy, so it can be endless, and it is read once.
                yield from _jsonl_records(sys.stdin.buffer, "<stdin>", "stdin", self.fields, self.max_bytes)
                continue
            for part in self._parts_of(p, None):
                yield from read_part(part, self.fields, self.max_bytes)

    def items(self) -> Iterator[tuple[str, Record]]:
        """(input path, record) pairs: which of the given paths each record was read from."""
        for p in self.paths:
            for part in self._parts_of(p, None):
                for record in read_part(part, self.fields, self.max_bytes):
                    yield p, record


@dataclass(frozen=True)
class Part:
    """A piece of a corpus that one task reads: a text file, a byte range of a JSON Lines file, a
    Parquet file (`kind` "text", "jsonl" or "parquet"), or a folder with no file to read
    ("folder": one problem).

    A byte range holds the records whose line starts in ``[start, end)`` (`end` None: to the end
    of the file); `first_line` is the file's line number of the range's first line.
    """

    path: str
    display: str
    kind: str
    stem: str = ""
    root: str = ""
    start: int = 0
    end: int | None = None
    first_line: int = 1


def _range_lines(stream: BinaryIO, part: Part) -> Iterator[bytes]:
    """The raw lines of a part's byte range (a compressed file is one whole part)."""
    if part.start:
        stream.seek(part.start - 1)
        # The range begins at the first line that starts inside it.
        if stream.read(1) != b"\n":
            stream.readline()
    at = stream.tell() if part.start else 0
    for raw in stream:
        if part.end is not None and at >= part.end:
            break
        at += len(raw)
        yield raw


def count_lines(part: Part) -> int:
    """How many lines start in a part's byte range (to number the lines of the next one); none
    in a file that cannot be opened (:func:`read_part` reports it once, at its first range)."""
    with ExitStack() as stack:
        try:
            stream = stack.enter_context(open_binary(part.path))
        except OSError:
            return 0
        return sum(1 for _ in _range_lines(stream, part))


def numbered(parts: list[Part], counts: list[int]) -> list[Part]:
    """The parts with the first line number of each byte range, from the lines of every part
    (`counts`, as :func:`count_lines` gives them): a range continues the one before it in its file.
    """
    out, line = [], 1
    for part, count in zip(parts, counts):
        line = 1 if part.start == 0 else line
        out.append(replace(part, first_line=line) if part.kind == "jsonl" else part)
        line += count
    return out


def read_part(part: Part, fields: Fields, max_bytes: int = MAX_DOCUMENT_BYTES) -> Iterator[Record]:
    """The documents and problems of one part, in order.

    A JSON Lines file without a record is one problem, reported by its first byte range, and only
    when the whole file has none: a range whose lines are all blank (or that holds no line start)
    is no problem while another range of the file has a record.
    """
    if part.kind == "text":
        yield _file_document(part.path, part.root, part.display, max_bytes)
        return
    if part.kind == "folder":
        yield InputProblem(Origin(part.display), NO_FILES)
        return
    if part.kind == "parquet":
        yield from _parquet_records(part, fields, max_bytes)
        return
    with ExitStack() as stack:
        try:
            stream = stack.enter_context(open_binary(part.path))
        except OSError as exc:
            if part.start == 0:
                yield InputProblem(Origin(part.display), f"cannot read file: {reason(exc)}")
            return
        records = 0
        for record in _jsonl_records(_range_lines(stream, part), part.display, part.stem, fields, max_bytes,
                                     part.first_line):
            records += 1
            yield record
    if not records and part.start == 0 and (part.end is None or _all_blank(part.path)):
        yield InputProblem(Origin(part.display), NO_RECORDS)


def _all_blank(path: str) -> bool:
    """Whether every line of a JSON Lines file is blank: the whole file read again, for a first
    byte range that found no record (the file's other ranges are read by other tasks)."""
    try:
        with open_binary(path) as stream:
            return all(not raw.strip() for raw in stream)
    except (OSError, EOFError, ValueError):
        return False  # a file that cannot be read through is not known to be empty
