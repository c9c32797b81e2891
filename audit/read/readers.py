"""Read a corpus: folders of text files, JSON Lines files, or JSON Lines on stdin.

Paths may be globs or fsspec URLs (:mod:`audit.read.locations` finds and opens the files); a remote
file is read with the same code as a local one, byte ranges included.

Readers stream: they yield one :class:`~audit.records.Document` at a time, or an
:class:`~audit.records.InputProblem` for a record that cannot be read, and never hold the corpus.
A :class:`Corpus` can be read more than once (stdin is spooled to a temporary file), because
``clean`` reads it again to write the cleaned documents (the corpus pass reads only what the
analysis kept of each document).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from urllib.parse import urlsplit

import ftfy.bad_codecs  # noqa: F401 - registers "sloppy-windows-1252", which decode() reads with

from audit.errors import InputError
from audit.read.locations import (CSV_SUFFIXES, JSON_SUFFIXES, JSONL_SUFFIXES, PARQUET_SUFFIXES, REFUSED, Skipped,
                                  files, has_glob, is_url, locate, not_regular, open_raw, printable, read_bytes,
                                  relative, size, skipped)
from audit.records import Document, InputProblem, Origin

#: Bytes looked at to tell a binary file from a text file.
BINARY_SNIFF_BYTES = 8192
#: Largest document read (bytes): a bigger one is an input error rather than a memory hazard.
#: A line of JSON Lines or CSV is never held longer than this while it is read.
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
#: How far past the limit an overlong line is read to find the next one, in multiples of the
#: limit: beyond it (a decompression bomb, a sparse file of zeros), the rest of the file is not read.
SKIP_FACTOR = 16
#: Deepest nesting of arrays and objects in a record: deeper is an input error (Python's parser
#: would hit its recursion limit near 1,000, and whatever walks the record after it too).
MAX_JSON_DEPTH = 100
#: Bytes read at a time where a line is skipped or a JSON array is parsed.
CHUNK_BYTES = 1 << 20

Record = Document | InputProblem

#: The problem of a JSON Lines file (or stdin) without a record: empty, or only blank lines.
NO_RECORDS = "empty, no records"
#: The problem of a folder without a file to read (.txt, .md, JSON Lines), however deep.
NO_FILES = "no .txt, .md, JSON Lines, JSON, CSV or Parquet file in the folder"


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
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:  # "http://[bad": no domain, so the source comes from elsewhere
        return ""
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


def bomless_utf16(head: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" for bytes that are plainly UTF-16 without a byte-order mark
    (a NUL in nearly every second byte and hardly any in the others: Latin-script text), else None.

    >>> bomless_utf16("Plain text.".encode("utf-16-le")), bomless_utf16(b"Plain text.")
    ('utf-16-le', None)
    """
    pairs = len(head) // 2
    if pairs < 4:
        return None
    even, odd = head[0:2 * pairs:2].count(0), head[1:2 * pairs:2].count(0)
    if odd >= 0.7 * pairs and even <= 0.02 * pairs:
        return "utf-16-le"
    if even >= 0.7 * pairs and odd <= 0.02 * pairs:
        return "utf-16-be"
    return None


def _file_document(path: str, root: str, display: str, max_bytes: int) -> Record:
    origin = Origin(display)
    try:
        length = size(path)
        if length > max_bytes:
            return InputProblem(origin, f"document too large ({length:,} bytes; the limit is {max_bytes:,})")
        data = read_bytes(path)
    except OSError as exc:
        return InputProblem(origin, f"cannot read file: {reason(exc)}")
    marked = wide_encoding(data)
    wide = marked or bomless_utf16(data[:BINARY_SNIFF_BYTES])
    if wide:
        name = wide.upper()[:6]
        try:
            text, recoded = data.decode(wide), []
        except UnicodeDecodeError:
            how = f"begins with a {name} byte-order mark" if marked else f"begins as {name} text does"
            return InputProblem(origin, f"not {name} text, though it {how}")
    elif looks_binary(data[:BINARY_SNIFF_BYTES]):
        return InputProblem(origin, "binary file, not text")
    else:
        text, recoded = decode(data)
    if not text.strip():
        return InputProblem(origin, "empty document")
    rel = relative(path, root)
    source = rel.parts[0] if len(rel.parts) > 1 else PurePosixPath(path).stem
    return Document(id=printable(rel.as_posix()), source=printable(source), text=text, origin=origin,
                    recoded_lines=recoded)


@dataclass(frozen=True)
class Overlong:
    """A line longer than the limit, skipped without being held: its length as far as it was
    read, and whether its end was found (if not, the rest of the file is not read)."""

    length: int
    ended: bool

    def problem(self, origin: Origin, limit: int) -> InputProblem:
        if self.ended:
            return InputProblem(origin, f"line too long ({self.length:,} bytes; the limit is {limit:,}), not read")
        return InputProblem(origin, f"line longer than {self.length:,} bytes (the limit is {limit:,}); "
                                    "the rest of the file is not read")


Line = bytes | Overlong


def bounded_lines(stream: BinaryIO, limit: int) -> Iterator[Line]:
    """The lines of a stream, none held longer than `limit` bytes (without its newline): a longer
    one is read on in chunks and dropped, and given as :class:`Overlong`; a line still without
    its end after ``SKIP_FACTOR * limit`` bytes ends the stream (a gzip bomb is a few megabytes
    that decompress to gigabytes of one line)."""
    while True:
        raw = stream.readline(limit + 1)
        if not raw:
            return
        if raw.endswith(b"\n") or len(raw) <= limit:
            yield raw
            continue
        length = len(raw)
        while True:
            chunk = stream.readline(CHUNK_BYTES)
            length += len(chunk)
            if not chunk or chunk.endswith(b"\n"):
                yield Overlong(length, True)
                break
            if length > SKIP_FACTOR * limit:
                yield Overlong(length, False)
                return


def _read_on(lines: Iterable[Line], display: str, first_line: int) -> Iterator[tuple[int, Line] | InputProblem]:
    """(line number, line) of a stream, and at the end an input problem if it broke: anything
    raised while reading on is the stream's (a truncated gzip file, a corrupt zstd frame, a
    failing disk), not a record's, and ends the file with a line that says so."""
    lineno = first_line - 1
    it = iter(lines)
    while True:
        try:
            raw = next(it, None)
        except Exception as exc:  # zlib.error, zstandard.ZstdError, EOFError, OSError: all a broken stream
            yield InputProblem(Origin(display, lineno + 1), f"cannot read further: {reason(exc)}")
            return
        if raw is None:
            return
        lineno += 1
        yield lineno, raw


def _jsonl_records(lines: Iterable[Line], display: str, stem: str, fields: Fields, max_bytes: int,
                   first_line: int = 1) -> Iterator[Record]:
    for item in _read_on(lines, display, first_line):
        if isinstance(item, InputProblem):
            yield item
            return
        lineno, raw = item
        if isinstance(raw, Overlong):
            yield raw.problem(Origin(display, lineno), max_bytes)
        else:
            yield from jsonl_record(raw, Origin(display, lineno), stem, fields, max_bytes)


def jsonl_record(raw: bytes, origin: Origin, stem: str, fields: Fields, max_bytes: int) -> Iterator[Record]:
    """The document of one JSON Lines record, or the problem with it (nothing for a blank line).

    Whatever goes wrong with one record is a problem of that record, at its line: the next one
    is read as usual.
    """
    if not raw.strip():
        return
    if len(raw) > max_bytes:
        yield InputProblem(origin, f"document too large ({len(raw):,} bytes; the limit is {max_bytes:,})")
        return
    line, recoded = decode(raw)
    shown = line.rstrip("\r\n")
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        yield InputProblem(origin, f"invalid JSON: {exc.msg} (column {exc.colno})", _clean(shown))
        return
    except RecursionError:
        yield InputProblem(origin, f"JSON nested too deeply (more than {MAX_JSON_DEPTH} levels)")
        return
    except ValueError as exc:  # an integer of more digits than Python converts (4,300)
        yield InputProblem(origin, f"cannot read the record: {_short(exc)}")
        return
    yield record_document(record, origin, stem, fields, bool(recoded), shown)


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def json_text(value: object) -> str:
    """A value as JSON text, its non-ASCII characters as they are, values JSON has no type for
    (dates) as text; lone surrogates, which UTF-8 cannot hold, are written as ``\\udXXX``
    escapes, which the reader then replaces and counts as any record's.

    >>> print(json_text({"a": "café"}), json_text({"a": "x" + chr(0xD800)}))
    {"a": "café"} {"a": "x\\ud800"}
    """
    text = json.dumps(value, ensure_ascii=False, default=str)
    return json.dumps(value, default=str) if _SURROGATE.search(text) else text


def _clean(text: str) -> str:
    """Text with lone surrogates (which cannot be written as UTF-8) replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def _short(exc: BaseException) -> str:
    """The first clause of an exception's message (Python's advice to the programmer left out)."""
    return reason(exc).split(";")[0]


def _depth(value: object) -> int:
    """How deeply arrays and objects nest in a value (0 for a plain value), without recursion."""
    deepest, todo = 0, [(value, 1)]
    while todo:
        item, level = todo.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        if level <= MAX_JSON_DEPTH:
            todo.extend((c, level + 1) for c in children)
    return deepest


def _replace_surrogates(value: object) -> tuple[object, int]:
    """A value with the lone surrogates of its strings (keys too) replaced by U+FFFD, and how many."""
    if isinstance(value, str):
        fixed, n = _SURROGATE.subn("\ufffd", value)
        return fixed, n
    if isinstance(value, list):
        pairs = [_replace_surrogates(v) for v in value]
        return [v for v, _ in pairs], sum(n for _, n in pairs)
    if isinstance(value, dict):
        out, total = {}, 0
        for k, v in value.items():
            key, a = _replace_surrogates(k)
            new, b = _replace_surrogates(v)
            out[key] = new
            total += a + b
        return out, total
    return value, 0


def record_document(record: object, origin: Origin, stem: str, fields: Fields, recoded: bool = False,
                    shown: str = "") -> Record:
    """The document of one parsed record (a JSON Lines line, an element of a JSON array, a CSV row),
    or the problem with it; `shown` is the record's text as read, kept with a problem.

    Nesting deeper than ``MAX_JSON_DEPTH`` is a problem; lone surrogates (``"\\ud800"`` in JSON,
    which no UTF-8 output can hold) are replaced by U+FFFD and the record marked as recoded, so
    the report counts it as an encoding finding.
    """
    if isinstance(record, (dict, list)) and _depth(record) > MAX_JSON_DEPTH:
        return InputProblem(origin, f"JSON nested too deeply (more than {MAX_JSON_DEPTH} levels)")
    if not isinstance(record, dict):
        return InputProblem(origin, f"{_json_type(record)}, not a JSON object", _clean(shown))
    # A JSON array's element comes without its text (`shown` empty): its values are all looked at.
    if not shown or _SURROGATE_ESCAPE.search(shown):
        record, replaced = _replace_surrogates(record)  # type: ignore[assignment]
        recoded = recoded or replaced > 0
    assert isinstance(record, dict)
    text = record.get(fields.text)
    if not isinstance(text, str):
        if fields.text in record:
            return InputProblem(origin, f"field {fields.text!r} is {_json_type(text)}, not a string", _clean(shown))
        return InputProblem(origin, f"field {fields.text!r} is missing{fields_hint(record, fields.text)}",
                            _clean(shown))
    if not text.strip():
        return InputProblem(origin, "empty document")
    raw_id = record.get(fields.id)
    doc_id = str(raw_id) if raw_id not in (None, "") else f"{stem}:{origin.line}"
    source = record.get(fields.source)
    if not isinstance(source, str) or not source:
        url = record.get(fields.url)
        source = (source_from_url(url) if isinstance(url, str) else "") or stem
    # Line numbers inside a record's text are unknown here: a recoded record is marked as a whole.
    return Document(id=doc_id, source=source, text=text, origin=origin, fields=record,
                    recoded_lines=[0] if recoded else [])


#: How a missing-field problem names the fields the record has: after this marker, comma-separated,
#: the likeliest text field (the longest string) first (:mod:`audit.read.problems` reads it).
FIELDS_MARKER = "; the record has "


def fields_hint(record: Mapping, missing: str) -> str:
    """The record's fields, the one with the longest string first, for a missing-field problem.

    >>> fields_hint({"id": 1, "title": "Short", "body": "A much longer text."}, "text")
    '; the record has body, id, title'
    """
    if not record:
        return "; the record has no field"
    strings = [k for k, v in record.items() if isinstance(v, str) and k != missing]
    best = max(strings, key=lambda k: len(record[k]), default=None)
    names = ([best] if best else []) + sorted(k for k in record if k != best)
    shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
    return f"{FIELDS_MARKER}{shown}"


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
                    line = json_text(values).encode("utf-8")
                    yield from jsonl_record(line, Origin(part.display, row), part.stem, fields, max_bytes)
    except (OSError, ValueError) as exc:
        yield InputProblem(Origin(part.display, row + 1 if row else None), f"cannot read Parquet: {reason(exc)}")
        return
    if not row:
        yield InputProblem(Origin(part.display), NO_RECORDS)


def _csv_records(part: Part, fields: Fields, max_bytes: int) -> Iterator[Record]:
    """The records of a CSV or TSV file: its first row names the fields, each later row is a record
    whose origin is the line it starts on. A line longer than the limit, or a row csv cannot
    parse, ends the file (a quoted field may span lines, so there is no telling where the next
    row starts)."""
    delimiter = "\t" if ".tsv" in part.display.lower() else ","
    # The csv module's cap on a field (128 KiB by default) is the module's own setting, not a
    # reader's; raised to the document limit, so that an article is a field, never more.
    if csv.field_size_limit() < max_bytes:
        csv.field_size_limit(max_bytes)
    try:
        stream = open_binary(part.path)
        with stream as binary:
            yield from _csv_rows(binary, part, fields, max_bytes, delimiter)
    except OSError as exc:
        yield InputProblem(Origin(part.display), f"cannot read file: {reason(exc)}")


def _csv_rows(binary: BinaryIO, part: Part, fields: Fields, max_bytes: int, delimiter: str) -> Iterator[Record]:
    recoded: set[int] = set()
    broken: list[InputProblem] = []

    def text_lines() -> Iterator[str]:
        for item in _read_on(bounded_lines(binary, max_bytes), part.display, 1):
            if isinstance(item, InputProblem):
                broken.append(item)
                return
            lineno, raw = item
            if isinstance(raw, Overlong):
                broken.append(raw.problem(Origin(part.display, lineno), max_bytes))
                return
            text, bad = decode(raw)
            if bad:
                recoded.add(lineno)
            yield text

    reader = csv.reader(text_lines(), delimiter=delimiter)
    header: list[str] | None = None
    rows = 0
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader, None)
        except csv.Error as exc:
            yield InputProblem(Origin(part.display, start), f"cannot read further: CSV {exc}")
            return
        if row is None:
            break
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [_clean(name.lstrip("\ufeff")) for name in row]
            continue
        rows += 1
        origin = Origin(part.display, start)
        if len(row) != len(header):
            yield InputProblem(origin, f"{len(row)} fields, the header has {len(header)}", delimiter.join(row))
            continue
        was_recoded = any(n in recoded for n in range(start, reader.line_num + 1))
        yield record_document(dict(zip(header, row)), origin, part.stem, fields, was_recoded, delimiter.join(row))
    yield from broken
    if not rows and not broken:
        yield InputProblem(Origin(part.display), NO_RECORDS if header is None else "a header row and no record")


def _json_records(part: Part, fields: Fields, max_bytes: int) -> Iterator[Record]:
    """The records of a ``.json`` file: the elements of a JSON array, one JSON object, or JSON
    Lines under that name, told apart by how it begins."""
    try:
        with open_binary(part.path) as stream:
            head = stream.read(BINARY_SNIFF_BYTES)
    except Exception as exc:  # noqa: BLE001 - a compressed stream's errors are many; all mean unreadable
        yield InputProblem(Origin(part.display), f"cannot read file: {reason(exc)}")
        return
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if start.startswith(b"{") and not _json_lines(start):
        yield from _json_values(part, fields, max_bytes, array=False)
    elif start.startswith(b"["):
        yield from _json_values(part, fields, max_bytes, array=True)
    else:
        yield from read_part(replace(part, kind="jsonl"), fields, max_bytes)


def _json_lines(head: bytes) -> bool:
    """Whether the first bytes of a file are JSON Lines: one of their whole lines is an object on
    its own (a pretty-printed object's lines never are; JSON Lines with a broken first line is
    still JSON Lines).

    >>> _json_lines(b'{"a": 1}\\n{"a": 2}\\n'), _json_lines(b'{oops\\n{"a": 2}\\n'), _json_lines(b'{\\n  "a": 1\\n}\\n')
    (True, True, False)
    """
    for line in head.split(b"\n")[:-1] or [head]:
        try:
            if isinstance(json.loads(line), dict):
                return True
        except (ValueError, RecursionError):
            continue
    return False


def _json_values(part: Part, fields: Fields, max_bytes: int, array: bool) -> Iterator[Record]:
    """The records of a JSON array (`array`) or of JSON values one after another, parsed
    incrementally: no record longer than the limit is held, and each is placed at the line it
    starts on. A value that cannot be parsed ends the file (its end is unknown)."""
    decoder = json.JSONDecoder()
    text = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    buf, pos, line, done, records = "", 0, 1, False, 0
    with ExitStack() as stack:
        try:
            stream = stack.enter_context(open_binary(part.path))
        except OSError as exc:
            yield InputProblem(Origin(part.display), f"cannot read file: {reason(exc)}")
            return

        def more(want: int) -> bool:
            nonlocal buf, pos, done
            if done:
                return False
            buf, pos = buf[pos:], 0
            while len(buf) < want and not done:
                chunk = stream.read(CHUNK_BYTES)
                done = not chunk
                buf += text.decode(chunk, final=done)
            return True

        def skip(chars: str) -> str:
            """Moves past `chars` (and whitespace), counting lines; the next character or ""."""
            nonlocal pos, line
            while True:
                while pos < len(buf) and (buf[pos].isspace() or buf[pos] in chars):
                    line += buf[pos] == "\n"
                    pos += 1
                if pos < len(buf) or not more(CHUNK_BYTES):
                    return buf[pos:pos + 1]

        try:
            more(CHUNK_BYTES)
            if array:
                skip("")
                pos += 1  # the "["
            while True:
                nxt = skip("," if array else "")
                if nxt == "" or (array and nxt == "]"):
                    break
                origin = Origin(part.display, line)
                while True:
                    try:
                        value, end = decoder.raw_decode(buf, pos)
                        # A number at the buffer's end may go on in the next chunk.
                        if end < len(buf) or not more(2 * (len(buf) - pos) + CHUNK_BYTES):
                            break
                    except json.JSONDecodeError as exc:
                        if len(buf) - pos > max_bytes or not more(2 * (len(buf) - pos) + CHUNK_BYTES):
                            why = (f"record larger than the limit ({max_bytes:,} bytes)" if len(buf) - pos > max_bytes
                                   else f"invalid JSON: {exc.msg}")
                            yield InputProblem(origin, f"{why}; the rest of the file is not read")
                            return
                line += buf.count("\n", pos, end)
                pos = end
                records += 1
                yield record_document(value, origin, part.stem, fields, False, "")
        except RecursionError:
            yield InputProblem(Origin(part.display, line),
                               f"JSON nested too deeply (more than {MAX_JSON_DEPTH} levels); the rest of the file is not read")
            return
        except Exception as exc:  # noqa: BLE001 - a broken stream (zlib, zstd, OSError) or a number too long
            yield InputProblem(Origin(part.display, line), f"cannot read further: {_short(exc)}")
            return
    if not records:
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
        elif isinstance(raw, io.BufferedIOBase):
            yield raw
        else:
            # fsspec's remote files (s3fs, gcsfs) have no readline(size), which bounded reading needs.
            yield io.BufferedReader(raw)  # type: ignore[arg-type]


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

    def skipped(self) -> list[Skipped]:
        """The files in the folders given that are not read (other types, HTML, FIFOs ...)."""
        return [s for p in self.paths if p != "-" for entry in self._entries[p] for s in skipped(entry)]

    @staticmethod
    def _file_parts(f: str, root: str, blocksize: int | None, display: str) -> list[Part]:
        name = PurePosixPath(f).name
        display = printable(display)
        stem = PurePosixPath(display).name.split(".")[0]
        lower = name.lower()
        kind = next((k for suffixes, k in ((PARQUET_SUFFIXES, "parquet"), (JSON_SUFFIXES, "json"),
                                           (CSV_SUFFIXES, "csv")) if lower.endswith(suffixes)), None)
        if kind is not None:
            return [Part(f, display, kind, stem=stem)]
        if lower.endswith(tuple(REFUSED)):
            return [Part(f, display, "refused", stem=stem)]
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
                yield from _jsonl_records(bounded_lines(sys.stdin.buffer, self.max_bytes), "<stdin>", "stdin",
                                          self.fields, self.max_bytes)
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
    Parquet, JSON or CSV file (`kind` "text", "jsonl", "parquet", "json", "csv"), a file that is
    not read ("refused": HTML, one problem with a hint), or a folder with no file to read
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


def _range_lines(stream: BinaryIO, part: Part, limit: int = MAX_DOCUMENT_BYTES) -> Iterator[Line]:
    """The lines of a part's byte range (a compressed file is one whole part), none held longer
    than `limit` (:func:`bounded_lines`)."""
    if part.start:
        stream.seek(part.start - 1)
        # The range begins at the first line that starts inside it.
        if stream.read(1) != b"\n":
            for _ in bounded_lines(stream, limit):
                break
    at = stream.tell() if part.start else 0
    for raw in bounded_lines(stream, limit):
        if part.end is not None and at >= part.end:
            break
        at += raw.length if isinstance(raw, Overlong) else len(raw)
        yield raw


def count_lines(part: Part) -> int:
    """How many lines start in a part's byte range (to number the lines of the next one); none
    in a file that cannot be opened (:func:`read_part` reports it once, at its first range)."""
    with ExitStack() as stack:
        try:
            stream = stack.enter_context(open_binary(part.path))
        except OSError:
            return 0
        return sum(1 for item in _read_on(_range_lines(stream, part), part.display, 1)
                   if not isinstance(item, InputProblem))


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
    if part.kind == "folder":
        yield InputProblem(Origin(part.display), NO_FILES)
        return
    special = not_regular(part.path)
    if special:
        # Opening a FIFO blocks until someone writes to it, and a device may never end.
        if part.start == 0:
            yield InputProblem(Origin(part.display), f"not a regular file (a {special}), not read")
        return
    if part.kind == "refused":
        yield InputProblem(Origin(part.display), next(why for s, why in REFUSED.items() if part.path.lower().endswith(s)))
        return
    if part.kind in _READERS:
        yield from _READERS[part.kind](part, fields, max_bytes)
        return
    with ExitStack() as stack:
        try:
            stream = stack.enter_context(open_binary(part.path))
        except OSError as exc:
            if part.start == 0:
                yield InputProblem(Origin(part.display), f"cannot read file: {reason(exc)}")
            return
        records = 0
        for record in _jsonl_records(_range_lines(stream, part, max_bytes), part.display, part.stem, fields, max_bytes,
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
            return all(isinstance(raw, bytes) and not raw.strip() for raw in bounded_lines(stream, MAX_DOCUMENT_BYTES))
    except Exception:  # noqa: BLE001 - a broken stream (zlib, zstd, OSError): not known to be empty
        return False


def _text_part(part: Part, fields: Fields, max_bytes: int) -> Iterator[Record]:
    yield _file_document(part.path, part.root, part.display, max_bytes)


#: The readers of the parts that are not JSON Lines.
_READERS = {"text": _text_part, "parquet": _parquet_records, "json": _json_records, "csv": _csv_records}
