"""What the library accepts as a corpus: paths, or records in memory (dicts, documents, a pandas
DataFrame or Series, a Hugging Face ``datasets.Dataset``), opened as a :class:`Corpus`.

Records in memory are spooled to a temporary JSON Lines file, once: the corpus pass reads the
corpus again (verification, template lines, cleaning), and an iterator can be read only once.
Each record is then read exactly as a line of a JSON Lines file would be: records named
"records" (the default) give the report of the same records in a file ``records.jsonl``, and
their findings and origins name ``records.jsonl`` and the record's number as its line. pandas
and datasets are never imported here: an object of theirs is recognized only when its package
is loaded.
"""

from __future__ import annotations

import math
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Union

from audit.errors import InputError
from audit.read.readers import MAX_DOCUMENT_BYTES, Corpus, Fields, Record, json_text, jsonl_record
from audit.records import Document, Origin

#: A corpus as the library takes it: a path, several paths, or records.
Source = Union[str, os.PathLike, Iterable[Any]]

#: The name of records given in memory, where the caller gives none: their report's title, the
#: source of a record without one, and the file they are reported in ("records.jsonl:3").
RECORDS = "records"


def as_paths(source: Source) -> list[str] | None:
    """The paths `source` stands for, or None when it is records.

    >>> from pathlib import Path
    >>> as_paths("seeds/"), as_paths([Path("a.jsonl"), "b.jsonl"]), as_paths([{"text": "x"}]), as_paths([])
    (['seeds/'], ['a.jsonl', 'b.jsonl'], None, None)
    """
    if isinstance(source, (str, os.PathLike)):
        return [os.fspath(source)]
    if isinstance(source, (list, tuple)) and source and all(isinstance(p, (str, os.PathLike)) for p in source):
        return [os.fspath(p) for p in source]
    return None


def _loaded(package: str, name: str) -> type | None:
    """A class of a package that is already imported (never importing it)."""
    module = sys.modules.get(package)
    return getattr(module, name, None) if module is not None else None


def records_of(source: Any, fields: Fields) -> Iterator[Mapping[str, Any] | Document]:
    """The records of an in-memory source, one at a time.

    A DataFrame gives its rows (columns as fields; its index gives the ids when no column does and
    it is not the default 0, 1, 2 ...); a Series gives its values as texts, with the index as ids;
    a ``datasets.Dataset`` and any other iterable give their items (a text alone is a record).
    """
    frame, series = _loaded("pandas", "DataFrame"), _loaded("pandas", "Series")
    if frame is not None and isinstance(source, frame):
        # An index of its own (not 0, 1, 2 ...) gives the ids, where no column does.
        ids = fields.id not in source.columns and not isinstance(source.index, _loaded("pandas", "RangeIndex"))
        for at in range(0, len(source), 10_000):
            chunk = source.iloc[at:at + 10_000]
            for key, row in zip(chunk.index, chunk.to_dict("records")):
                yield {fields.id: key, **row} if ids else row
        return
    if series is not None and isinstance(source, series):
        for key, text in source.items():
            yield {fields.id: key, fields.text: text}
        return
    try:
        if isinstance(source, (str, bytes, Mapping)):
            raise TypeError
        items = iter(source)
    except TypeError:
        raise InputError("{source} must be paths or an iterable of records (dicts or audit.Document), "
                         f"not {type(source).__name__}", source=None) from None
    yield from items


def _plain(v: Any) -> Any:
    """A record's value as JSON holds it: a missing value (NaN, pandas' NA) as null, NumPy values
    and arrays as numbers and lists (a Parquet list column in pandas is an array), at any depth.

    >>> import numpy as np
    >>> _plain({"n": np.int64(5), "tags": np.array(["x", "y"]), "gone": [float("nan")]})
    {'n': 5, 'tags': ['x', 'y'], 'gone': [None]}
    """
    if isinstance(v, float):
        return None if math.isnan(v) else v
    if isinstance(v, Mapping):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if type(v).__module__ == "numpy" and hasattr(v, "tolist"):
        return _plain(v.tolist())
    if type(v).__name__ in ("NAType", "NaTType"):
        return None
    return v


def record_line(record: Any, fields: Fields) -> str:
    """One record as a JSON Lines line. A :class:`Document` gives the fields it was read with, its
    id, source and text under the field names; a text alone is a record of that text; values
    JSON has no type for (dates) are written as text. Anything else is written as it is, and the
    reader then reports it as it would such a line of a file ("a number, not a JSON object").

    >>> record_line({"id": 7, "text": "x", "n": float("nan")}, Fields()), record_line("One.", Fields())
    ('{"id": 7, "text": "x", "n": null}\\n', '{"text": "One."}\\n')
    """
    if isinstance(record, Document):
        data: Any = {**_plain(record.fields), fields.id: record.id, fields.source: record.source,
                     fields.text: record.text}
    elif isinstance(record, str):
        data = {fields.text: record}
    else:
        data = _plain(record)
    return json_text(data) + "\n"


@dataclass(frozen=True)
class Inputs:
    """A source as :class:`Corpus` takes it: paths, how files are named where not by their path,
    and the corpus's name (None: from the first path)."""

    paths: list[str]
    displays: dict[str, str] = field(default_factory=dict)
    name: str | None = None

    def corpus(self, fields: Fields | None = None, reread: bool = True) -> Corpus:
        return Corpus(self.paths, fields, reread=reread, displays=self.displays, name=self.name)


@contextmanager
def spooled(source: Source, fields: Fields | None = None, name: str | None = None) -> Iterator[Inputs]:
    """`source` as :class:`Inputs`: paths as they are; records written to a temporary JSON Lines
    file (removed on leaving), which the report calls `name` and findings ``{name}.jsonl``."""
    fields = fields or Fields()
    paths = as_paths(source)
    if paths is not None:
        yield Inputs(paths, name=name)
        return
    label = name or RECORDS
    folder = tempfile.mkdtemp(prefix="corpus-audit-records-")
    try:
        path = os.path.join(folder, "records.jsonl")
        with open(path, "w", encoding="utf-8") as out:
            for record in records_of(source, fields):
                out.write(record_line(record, fields))
        yield Inputs([path], {path: f"{label}.jsonl"}, label)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def opened(source: Source, fields: Fields | None = None, name: str | None = None) -> Iterator[Corpus]:
    """`source` as an open :class:`Corpus` (see :func:`spooled`).

    >>> with opened([{"id": "a", "text": "One story."}, {"id": "b", "text": "Another."}]) as corpus:
    ...     [(d.id, d.source, str(d.origin)) for d in corpus]
    [('a', 'records', 'records.jsonl:1'), ('b', 'records', 'records.jsonl:2')]
    """
    with spooled(source, fields, name) as inputs, inputs.corpus(fields) as corpus:
        yield corpus


@dataclass
class Streamed:
    """Records read as they come, once and with no copy (an endless feed is fine): each one
    checked as a JSON Lines record is, and placed at its number (`first` for the first one) in
    ``{name}.jsonl``."""

    source: Any
    fields: Fields = field(default_factory=Fields)
    name: str = RECORDS
    first: int = 1
    max_bytes: int = MAX_DOCUMENT_BYTES

    def __iter__(self) -> Iterator[Record]:
        for number, record in enumerate(records_of(self.source, self.fields), start=self.first):
            yield from jsonl_record(record_line(record, self.fields).encode("utf-8"),
                                    Origin(f"{self.name}.jsonl", number), self.name, self.fields, self.max_bytes)
