"""Input problems as lines for a person: one line per unreadable file or record, except that a field
missing (or of the wrong type) in many records is one line, naming the fields those records do have.

A mistyped ``--text-field`` makes every record a problem; a line for each would bury the cause,
which one line says: "40 records: field 'text' is missing (feed.jsonl:1 ... feed.jsonl:40); the
first has body, id, title: did you mean --text-field body?". The files a folder holds that are
not read are summed up too (:func:`skipped_lines`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice

from audit.read.locations import Skipped, printable
from audit.read.readers import FIELDS_MARKER, Record, fields_hint
from audit.records import Document

#: A line about a record's field, as the readers word it: where, what, and the fields it has.
_FIELD_LINE = re.compile(r"^(?P<where>.*?): (?P<what>field '(?P<field>[^']*)' is [^;]*)"
                         + re.escape(FIELDS_MARKER) + r"(?P<have>.*)$")


@dataclass
class _Group:
    """The records with one field problem: how many, the first and last place, what the first has."""

    what: str
    field: str
    have: str
    first: str
    last: str
    count: int = 1


class ProblemLines:
    """Collects the lines of input problems (``"path:line: message"``) as they come: most are
    shown at once (:meth:`add` gives them back), a field problem is held and summed up, one line
    per kind of problem, by :meth:`summary` at the end.

    >>> lines = ProblemLines("--text-field")
    >>> lines.add("feed.jsonl:1: field 'text' is missing; the record has body, id")
    >>> lines.add("feed.jsonl:2: invalid JSON: Expecting value (column 1)")
    'feed.jsonl:2: invalid JSON: Expecting value (column 1)'
    >>> lines.add("feed.jsonl:3: field 'text' is missing; the record has body, id")
    >>> lines.summary()
    ["2 records: field 'text' is missing (feed.jsonl:1 ... feed.jsonl:3); the first has body, id: did you mean --text-field body?"]
    """

    def __init__(self, flag: str = "the text field") -> None:
        self.flag = flag
        self._groups: dict[str, _Group] = {}

    def add(self, line: str) -> str | None:
        """The line to show now, or None when it is held for the summary."""
        m = _FIELD_LINE.match(line)
        if m is None:
            return line
        group = self._groups.get(m["what"])
        if group is None:
            self._groups[m["what"]] = _Group(m["what"], m["field"], m["have"], m["where"], m["where"])
        else:
            group.count += 1
            group.last = m["where"]
        return None

    def summary(self) -> list[str]:
        """One line per field problem held, in the order they were first met."""
        out = []
        for g in self._groups.values():
            best = g.have.split(", ")[0]
            hint = f"did you mean {self.flag} {best}?" if best and best != "no field" and best != g.field else ""
            if g.count == 1:
                out.append(f"{g.first}: {g.what}; the record has {g.have}" + (f": {hint}" if hint else ""))
            else:
                out.append(f"{g.count:,} records: {g.what} ({g.first} ... {g.last}); the first has {g.have}"
                           + (f": {hint}" if hint else ""))
        return out


def skipped_lines(skipped: list[Skipped]) -> list[str]:
    """One line for the files of the given folders that are not read: how many, of which kind and
    why, with one file of each kind named.

    >>> skipped_lines([Skipped("d/a.png", ".png", "not a file type that is read"),
    ...                Skipped("d/b.png", ".png", "not a file type that is read"), Skipped("d/p", "FIFO", "not a regular file")])
    ['skipped 3 files that are not read: 2 .png (not a file type that is read, e.g. d/a.png), 1 FIFO (not a regular file, e.g. d/p)']
    """
    if not skipped:
        return []
    kinds = Counter((s.kind, s.why) for s in skipped)
    example = {}
    for s in skipped:
        example.setdefault((s.kind, s.why), s.path)
    parts = [f"{n:,} {kind} ({why}, e.g. {printable(example[kind, why])})" for (kind, why), n in kinds.items()]
    files = "file" if len(skipped) == 1 else "files"
    return [f"skipped {len(skipped):,} {files} that {'is' if len(skipped) == 1 else 'are'} not read: {', '.join(parts)}"]


#: How many records are looked at for the first one with fields (a folder's text files have none).
LOOK_AHEAD = 100


def missing_id_line(records: Iterable[Record], field: str, flag: str = "the id field") -> str | None:
    """A line when the first record with fields (JSON Lines, JSON, CSV ...) has no id field `field`:
    a mistyped id field is no error (each record gets the id FILE:LINE), so it is said once here.

    >>> from audit.records import Origin
    >>> missing_id_line([Document("f:1", "f", "x", Origin("f.jsonl", 1), {"guid": "a", "text": "x"})], "id")
    "f.jsonl:1: no field 'id' (the id field), so ids are FILE:LINE; the record has guid, text"
    """
    for record in islice(records, LOOK_AHEAD):
        if isinstance(record, Document) and record.origin.line is not None:
            if field in record.fields:
                return None
            return f"{record.origin}: no field {field!r} ({flag}), so ids are FILE:LINE{fields_hint(record.fields, field)}"
    return None
