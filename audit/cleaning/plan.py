"""What cleaning removes, decided from a scan's findings, and one record cleaned by that plan.

Measure, then decide: a line goes when a finding of kind ``boilerplate`` whose action is
``strip`` claims it; a document that its near-duplicate cluster does not keep goes whole. Each
removal is logged, and the counts reconcile (:class:`CleanCounts`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from audit.errors import AuditError
from audit.output import json_line
from audit.read.readers import Fields
from audit.records import Document, Finding, InputProblem, ScanResult
from audit.results import SpooledDocuments
from audit.text.counts import plural
from audit.text.normalize import repair

#: The rule id logged for a record that could not be read (as in a scan's findings).
UNREADABLE = "input.unreadable"
#: The rule id logged for a document left with no text by cleaning (a page that was all cookie
#: banner): written out, it would be an empty record in a corpus about to be used.
EMPTIED = "clean.empty"


@dataclass
class Removal:
    """One entry of the removal log."""

    document: str
    line: int | None
    rule: str
    text: str
    why: str

    def to_json(self) -> dict[str, Any]:
        return {"document": self.document, "line": self.line, "rule": self.rule, "text": self.text, "why": self.why}


@dataclass
class CleanCounts:
    """What a cleaning run did; the counts reconcile (see :meth:`check`)."""

    documents: int = 0
    input_errors: int = 0
    lines_in: int = 0
    lines_kept: int = 0
    lines_removed: int = 0
    #: Documents left out as duplicates of a kept one, and their lines.
    duplicates_dropped: int = 0
    #: Documents left out because cleaning left no text in them (their lines count as dropped).
    empty_dropped: int = 0
    lines_dropped: int = 0
    lines_repaired: int = 0
    logged: int = 0
    #: Removals per rule id.
    by_rule: dict[str, int] = field(default_factory=dict)
    #: One line per unreadable record ("file:line: why"), as a scan reports them.
    problems: list[str] = field(default_factory=list)

    def check(self) -> None:
        """Raise when the counts do not reconcile (a bug, never bad input)."""
        if self.lines_in != self.lines_kept + self.lines_removed + self.lines_dropped:
            raise AuditError(f"clean: counts do not reconcile: {self.lines_in} lines in, {self.lines_kept} kept "
                             f"+ {self.lines_removed} removed + {self.lines_dropped} in dropped duplicates")
        if self.logged != self.lines_removed + self.duplicates_dropped + self.empty_dropped + self.input_errors:
            raise AuditError(f"clean: {self.logged} removals logged for {self.lines_removed} lines removed, "
                             f"{self.duplicates_dropped} duplicates dropped, {self.empty_dropped} emptied documents "
                             f"dropped and {self.input_errors} unreadable records")

    def line(self) -> str:
        """One line for people."""
        rules = ", ".join(f"{rule} {n}" for rule, n in sorted(self.by_rule.items(), key=lambda kv: (-kv[1], kv[0])))
        return (f"{plural(self.documents, 'document')}, {plural(self.lines_in, 'line')} in, {self.lines_kept} kept, "
                f"{self.lines_removed} removed ({rules or 'none'}), {plural(self.duplicates_dropped, 'duplicate document')} "
                f"dropped, {plural(self.empty_dropped, 'emptied document')} dropped ({plural(self.lines_dropped, 'line')} "
                f"in dropped documents), {self.lines_repaired} repaired, "
                f"{plural(self.input_errors, 'unreadable record')} skipped; {plural(self.logged, 'removal')} logged")


@dataclass
class Plan:
    """What to remove, decided from a scan's findings: for each document, its lines to strip; and
    the documents to leave out, each with the finding that names the member its cluster keeps."""

    lines: Mapping[str, dict[int, Finding]]
    documents: dict[str, Finding] = field(default_factory=dict)
    #: Write a document that cleaning left with no text (else it is left out and logged).
    keep_empty: bool = False


def _strips(f: Finding) -> bool:
    """Whether a finding claims its line for removal."""
    return f.kind == "boilerplate" and f.line is not None and f.detail.get("action") == "strip"


class SpooledStrips(Mapping[str, dict[int, Finding]]):
    """The lines to strip of each document, read back from a scan's spool when asked for: a
    million pages' findings (their line text included) are never in memory at once. `clean`
    asks in reading order, the spool's order."""

    def __init__(self, documents: SpooledDocuments) -> None:
        self._found = documents.findings
        self._index = {s.id: i for i, s in enumerate(documents.summaries)}

    def __getitem__(self, document: str) -> dict[int, Finding]:
        lines: dict[int, Finding] = {}
        for f in self._found[self._index[document]]:
            if _strips(f):
                lines.setdefault(f.line, f)  # type: ignore[arg-type]
        if not lines:
            raise KeyError(document)
        return lines

    def __iter__(self) -> Iterator[str]:
        for document, i in self._index.items():
            if any(_strips(f) for f in self._found[i]):
                yield document

    def __len__(self) -> int:
        return sum(1 for _ in self)


def plan_for(result: ScanResult, drop_duplicates: bool = True, keep_empty: bool = False) -> Plan:
    """:func:`plan` of a scan; where the scan keeps its documents' findings on disk, the lines to
    strip stay there (:class:`SpooledStrips`) and only the duplicates are gathered."""
    if not isinstance(result.documents, SpooledDocuments):
        return plan(result.findings, drop_duplicates, keep_empty)
    duplicates = plan((f for f in result.findings if f.kind == "duplicate"), drop_duplicates)
    return Plan(SpooledStrips(result.documents), duplicates.documents, keep_empty)


def plan(findings: Iterable[Finding], drop_duplicates: bool = True, keep_empty: bool = False) -> Plan:
    """What to remove, from a scan's findings: the lines a finding of kind boilerplate with action
    ``strip`` claims, and (with `drop_duplicates`) the documents a duplicate finding names.

    >>> keep = Finding("a", "boilerplate", "x.flag", "info", "m", line=1, detail={"action": "flag"})
    >>> drop = Finding("a", "boilerplate", "x.strip", "info", "m", line=2, detail={"action": "strip"})
    >>> copy = Finding("b", "duplicate", "duplicate.document", "warning", "m", detail={"duplicate_of": "a"})
    >>> decided = plan([keep, drop, copy])
    >>> {doc: sorted(lines) for doc, lines in decided.lines.items()}, sorted(decided.documents)
    ({'a': [2]}, ['b'])
    >>> plan([copy], drop_duplicates=False).documents
    {}
    """
    lines: dict[str, dict[int, Finding]] = {}
    documents: dict[str, Finding] = {}
    for f in findings:
        if _strips(f):
            lines.setdefault(f.document, {}).setdefault(f.line, f)  # type: ignore[arg-type]
        elif f.kind == "duplicate" and drop_duplicates and f.detail.get("duplicate_of"):
            documents.setdefault(f.document, f)
    return Plan(lines, documents, keep_empty)


def clean_record(record: Document | InputProblem, decided: Plan, summary: CleanCounts, log: IO[str]) -> str | None:
    """One record's share of a cleaning run: its text as written (None: it is not written), its
    removals written to `log` (JSON Lines) and its counts added to `summary`. The same function
    serves the local run and each part on a cluster."""

    def record_removal(removal: Removal) -> None:
        log.write(json_line(removal.to_json()))
        summary.logged += 1

    if isinstance(record, InputProblem):
        summary.input_errors += 1
        summary.problems.append(f"{record.origin}: {record.message}")
        record_removal(Removal(str(record.origin), record.origin.line, UNREADABLE, record.text, record.message))
        return None
    summary.documents += 1
    repaired = repair(record.text)
    lines = repaired.text.split("\n")
    summary.lines_in += len(lines)
    duplicate = decided.documents.get(record.id)
    if duplicate is not None:
        summary.duplicates_dropped += 1
        summary.lines_dropped += len(lines)
        # The log names the document by its first line of text: what a person recognizes.
        first = next((line.strip() for line in lines if line.strip()), "")
        record_removal(Removal(record.id, None, duplicate.rule, first, duplicate.message))
        return None
    strip = decided.lines.get(record.id, {})
    kept = []
    for number, line in enumerate(lines, start=1):
        finding = strip.get(number)
        if finding is None:
            kept.append(line)
            continue
        summary.by_rule[finding.rule] = summary.by_rule.get(finding.rule, 0) + 1
        record_removal(Removal(record.id, number, finding.rule, line, finding.message))
    summary.lines_removed += len(lines) - len(kept)
    if strip and not decided.keep_empty and not any(line.strip() for line in kept):
        summary.empty_dropped += 1
        summary.lines_dropped += len(kept)
        record_removal(Removal(record.id, None, EMPTIED, "", "No text left after cleaning: the document is left out "
                                                             "(--keep-empty writes it)"))
        return None
    summary.lines_kept += len(kept)
    # As the report counts encoding findings (audit.analyze.findings_of): one per line ftfy
    # repaired and one per line, or JSON Lines record, that was not UTF-8.
    summary.lines_repaired += len(repaired.repairs) + len(record.recoded_lines)
    return "\n".join(kept)


def cleaned_line(doc: Document, fields: Fields, text: str) -> str:
    """A JSON Lines record as cleaning writes it: its fields as read, its text the cleaned one."""
    return json_line({**doc.fields, fields.text: text})
