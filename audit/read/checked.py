"""Records as the stages take them: repeated ids turned into input problems, problems reported
as findings (or raised under ``strict``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from audit.errors import InputError
from audit.records import Document, DocumentSummary, Finding, InputProblem, Origin


def input_error(problem: InputProblem) -> Finding:
    """The finding that reports an unreadable record."""
    return Finding(problem.origin.path, "input-error", "input.unreadable", "error", problem.message,
                   line=problem.origin.line)


Item = TypeVar("Item", Document, DocumentSummary)


def checked(records: Iterable[Item | InputProblem], first_seen: dict[str, Origin] | None = None) -> Iterator[Item | InputProblem]:
    """The records with a repeated document id turned into input problems (the first one stays)."""
    seen: dict[str, Origin] = {} if first_seen is None else first_seen
    for record in records:
        if not isinstance(record, InputProblem):
            if record.id in seen:
                record = InputProblem(record.origin, f"duplicate id {record.id!r} (first at {seen[record.id]})",
                                      record.text if isinstance(record, Document) else "")
            else:
                seen[record.id] = record.origin
        yield record


def documents(records: Iterable[Item | InputProblem], strict: bool, problems: list[Finding],
              first_seen: dict[str, Origin] | None = None) -> Iterator[Item]:
    """The readable documents (or their summaries) with unique ids, in order; problems are
    appended to `problems` (or raised). `first_seen`, when given, holds the ids seen before
    these records (and is added to), as :func:`checked` takes it."""
    for record in checked(records, first_seen):
        if isinstance(record, InputProblem):
            if strict:
                raise InputError(f"{record.origin}: {record.message}")
            problems.append(input_error(record))
            continue
        yield record
