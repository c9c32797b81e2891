"""The Markdown report's tables of findings: how many rows a table shows, and which documents
hold the rows the tables of findings show.

Those tables (leftover page text, a table per rule; line quality; encoding repairs) show their
first MAX_ROWS findings and count the rest. A scan notes, as it spools each document's findings,
how many findings each table has and which documents hold the first MAX_ROWS of some table
(:class:`FirstRows`); the report then reads those documents' findings back from disk, not every
finding of the corpus (Dragnet: 127,444 findings in 3,435 pages; bench/HISTORY.md, the
seventeenth round).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

#: Rows shown per table before the rest is summarized in one line (JSON always has everything).
MAX_ROWS = 200

#: A table of findings: ("boilerplate", the rule) for leftover page text, (the kind, "") for
#: line quality and encoding repairs.
Table = tuple[str, str]


def table_of(kind: str, rule: str) -> Table | None:
    """The table of findings a finding of this kind and rule is a row of, if any."""
    if kind == "boilerplate":
        return kind, rule
    return (kind, "") if kind in ("quality", "encoding") else None


@dataclass
class Rows:
    """The first `most` rows of a table, and how many there were (`total`): added a row at a
    time, or a run of them counted apart (:meth:`add_run`)."""

    rows: list[Any] = field(default_factory=list)
    total: int = 0
    most: int = MAX_ROWS

    def add(self, row: Any) -> None:
        if self.total < self.most:
            self.rows.append(row)
        self.total += 1

    def add_run(self, run: Rows) -> None:
        """Add the rows of a run counted apart, as if added here one by one after these."""
        if run.most < self.most:
            raise ValueError(f"a run kept {run.most} rows, not {self.most}")
        self.rows += run.rows[:self.most - len(self.rows)]
        self.total += run.total


@dataclass
class FirstRows:
    """How many findings each table of findings has (`counts`), and the documents, by index,
    that hold some table's first MAX_ROWS (`documents`): told of each document's findings as they
    are spooled, and of those added to a document afterwards, each table's in document order.
    Those of a run of documents noted apart (where they were analyzed, indexed from 0) are noted
    in as they come (:meth:`add_run`)."""

    counts: Counter[Table] = field(default_factory=Counter)
    documents: set[int] = field(default_factory=set)
    #: The rows of each table the documents are noted for (a report that shows more reads all).
    most: int = field(default_factory=lambda: MAX_ROWS)
    #: Each table's documents noted, in order, with the rows each holds: what :meth:`add_run`
    #: needs of a run to note its documents in after others (at most `most` a table).
    rows: dict[Table, list[tuple[int, int]]] = field(default_factory=dict, compare=False, repr=False)

    def add(self, document: int, kinds: Sequence[str], rules: Sequence[str]) -> None:
        """Note the findings (their kinds and rules) of the document at index `document`."""
        if not kinds:  # most documents of a clean corpus: no counter made for each on the way
            return
        for (kind, rule), n in Counter(zip(kinds, rules)).items():
            table = table_of(kind, rule)
            if table is not None:
                self._note(table, document, n)

    def _note(self, table: Table, document: int, n: int) -> None:
        if self.counts[table] < self.most:
            self.documents.add(document)
            self.rows.setdefault(table, []).append((document, n))
        self.counts[table] += n

    def add_run(self, run: FirstRows, offset: int) -> None:
        """Note a run of documents noted apart, its first at index `offset` here: as if each of
        its documents had been noted here in turn (`run` noted them for as many rows a table, or more)."""
        if run.most < self.most:
            raise ValueError(f"a run noted for {run.most} rows a table, not {self.most}")
        for table, total in run.counts.items():
            listed = 0
            for document, n in run.rows.get(table, ()):
                self._note(table, offset + document, n)
                listed += n
            self.counts[table] += total - listed
