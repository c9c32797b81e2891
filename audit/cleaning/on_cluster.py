"""Clean a corpus on a Dask cluster: one output file and one log file per part, and a manifest.

The scan runs on the cluster as for ``corpus-audit scan --engine dask``; the plan it gives
(:func:`audit.cleaning.plan.plan`) is cut by part, and one task per part reads its part again and
cleans each record with the same function as the local run (:func:`audit.cleaning.plan.clean_record`).
A task writes its part's output and its removal log under temporary names and renames them
into place, so each file is whole or absent; the client writes the manifest last, listing each
part's files and counts, and the counts of all the parts reconcile as in a local run. A run
removes the previous run's manifest before its tasks write, so a run that stops part-way leaves
a folder without one.

Layout: ``OUT/part-00000.jsonl`` for a part of JSON Lines (plain JSON Lines, whatever the
input's compression), ``OUT/<relative path>`` for a text file of a folder, the removal logs in
``LOG/part-00000.jsonl`` (LOG: ``OUT.removals`` unless given) and ``OUT/manifest.json``. The
workers write where the client names, so on a cluster of several machines OUT and LOG must be
on a filesystem they share.
"""

from __future__ import annotations

import bisect
import dataclasses
import io
import json
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

from audit.cleaning.plan import CleanCounts as CleanCounts
from audit.cleaning.plan import Plan, clean_record, cleaned_line, plan
from audit.cleaning.targets import Staged, check_inputs, check_targets, default_log
from audit.engines.dask.engine import DaskEngine, gathered
from audit.errors import InputError
from audit.output import probe, write_atomic
from audit.pipeline import scan_corpus
from audit.read.readers import Corpus, Fields, Part, read_part
from audit.records import Document, InputProblem
from audit.results import summaries
from audit.settings import ScanSettings

#: The name of a part's output (JSON Lines) and of its removal log.
PART_NAME = "part-{:05d}.jsonl"
_PART_FILE = re.compile(r"part-\d{5}\.jsonl")
MANIFEST = "manifest.json"


@dataclasses.dataclass
class PartPlan:
    """What one part's task needs: the plan for its documents, and every input error the scan
    found in its records, since the part cannot see some of them alone (a repeated id: its first
    use may be in another part)."""

    decided: Plan
    unreadable: dict[tuple[str, int | None], str]


def clean_part(index: int, part: Part, fields: Fields, max_bytes: int, mine: PartPlan, out: str | None,
               logs: str | None) -> tuple[CleanCounts, str, str | None]:
    """One task: clean one part, write its output and log (none when `out` is None: a dry run),
    and return its counts, the log's text when dry, and where its output went (relative to OUT)."""
    summary = CleanCounts()
    with ExitStack() as stack:
        # The log streams to its file as the part is cleaned: it may quote whole records (a
        # repeated id's text), and a compressed file is one part, which need not fit in memory.
        stage = None if logs is None else stack.enter_context(Staged(Path(logs) / PART_NAME.format(index), False))
        log: IO[str] = io.StringIO() if stage is None else stage.open_text()

        def kept() -> Iterator[tuple[Document, str]]:
            for record in read_part(part, fields, max_bytes):
                if isinstance(record, Document) and (record.origin.path, record.origin.line) in mine.unreadable:
                    record = InputProblem(record.origin, mine.unreadable[(record.origin.path, record.origin.line)],
                                          record.text)
                text = clean_record(record, mine.decided, summary, log)
                if text is not None and isinstance(record, Document):
                    yield record, text

        output = None
        if part.kind != "jsonl":  # a text file, or a folder with no file: nothing written but its documents
            for record, text in kept():
                output = record.id
                if out is not None:
                    write_atomic(str(Path(out) / record.id), text)
        else:
            output = PART_NAME.format(index)
            lines = (cleaned_line(record, fields, text) for record, text in kept())
            if out is None:
                for _ in lines:
                    pass
            else:
                write_atomic(str(Path(out) / output), lines)
        if stage is None:
            return summary, log.getvalue(), output
        stage.commit()
    return summary, "", output


def _owners(parts: list[Part]) -> Callable[[str, int | None], int]:
    """Which part holds the record at (path, line): a byte range holds the lines from its first
    line to the next range's of the same file."""
    starts: dict[str, list[tuple[int, int]]] = {}
    for i, part in enumerate(parts):
        mine = starts.setdefault(part.display, [])
        if mine and part.start == 0:
            # Its lines would have two parts each; a glob or URL can overlap another input so.
            raise InputError(f"{part.display}: read twice, under two of the inputs: give each file once to clean it")
        mine.append((part.first_line, i))

    def owner(path: str, line: int | None) -> int:
        mine = starts[path]
        return mine[max(0, bisect.bisect_right(mine, (line or 0, len(parts))) - 1)][1]
    return owner


def split_plan(decided: Plan, origins: dict[str, tuple[str, int | None]], unreadable: dict[tuple[str, int | None], str],
               parts: list[Part]) -> list[PartPlan]:
    """The plan cut by part, from each document's origin (`origins`: id -> (path, line))."""
    owner = _owners(parts)
    known = {p.display for p in parts}
    out = [PartPlan(Plan({}, {}), {}) for _ in parts]
    for doc, lines in decided.lines.items():
        out[owner(*origins[doc])].decided.lines[doc] = lines
    for doc, finding in decided.documents.items():
        out[owner(*origins[doc])].decided.documents[doc] = finding
    for where, message in unreadable.items():
        if where[0] in known:
            out[owner(*where)].unreadable[where] = message
    return out


def _add(total: CleanCounts, part: CleanCounts) -> None:
    for f in dataclasses.fields(CleanCounts):
        mine, theirs = getattr(total, f.name), getattr(part, f.name)
        if isinstance(mine, int):
            setattr(total, f.name, mine + theirs)
        elif isinstance(mine, dict):
            for key, n in theirs.items():
                mine[key] = mine.get(key, 0) + n
        else:
            mine.extend(theirs)


def _counts(summary: CleanCounts) -> dict[str, Any]:
    return {f.name: getattr(summary, f.name) for f in dataclasses.fields(CleanCounts) if f.name != "problems"}


def clean_on_cluster(paths: list[str], out: str, settings: ScanSettings, fields: Fields, log: str | None,
                     dry_run: bool, log_stream: IO[str] | None, progress: Callable[[int], None] | None,
                     keep_duplicates: bool, keep_empty: bool = False) -> CleanCounts:
    """:func:`audit.cleaning.run.clean` with ``settings.engine == "dask"`` (see the module's docstring)."""
    if out == "-":
        raise InputError("{out} (stdout) is for a local run; with {engine}, the output is a folder of parts",
                         out="-", engine="dask")
    check_inputs(paths)
    logs = log or default_log(out, parts=True)
    if not dry_run:
        check_targets(paths, out, logs)
        for argument, folder in (("out", out), ("log", logs)):
            if Path(folder).exists() and not Path(folder).is_dir():
                raise InputError(f"{folder}: is a file; with {{engine}}, {{{argument}}} is a folder of parts",
                                 engine="dask", **{argument: None})
            # As this machine sees it: the workers write there too, on a filesystem they share.
            probe(str(Path(folder) / PART_NAME.format(0)))
    engine = DaskEngine(settings)
    try:
        with Corpus(paths, fields) as corpus:
            result = scan_corpus(corpus, settings, progress, engine=engine)
            decided = plan(result.findings, not keep_duplicates, keep_empty)
            # From the summaries: their report content, read back from disk, holds no origin.
            origins = {d.id: (d.origin.path, d.origin.line) for d in summaries(result.documents)}
            unreadable = {(f.document, f.line): f.message for f in result.findings if f.kind == "input-error"}
            parts = engine.parts
            mine = split_plan(decided, origins, unreadable, parts)
            if not dry_run:
                # From here until the new manifest is written, OUT may hold parts of two runs:
                # a folder without a manifest is one a run did not finish.
                (Path(out) / MANIFEST).unlink(missing_ok=True)
            futures = [engine.client.submit(clean_part, i, part, fields, corpus.max_bytes, mine[i],
                                            None if dry_run else out, None if dry_run else logs, pure=False)
                       for i, part in enumerate(parts)]
            done = gathered(futures, "clean")
    finally:
        engine.close()
    total = CleanCounts()
    for summary, text, _ in done:
        _add(total, summary)
        if dry_run:
            (log_stream or sys.stdout).write(text)
    total.check()
    if dry_run:
        return total
    manifest = {
        "engine": "dask", "inputs": paths, "output": out, "logs": logs,
        "parts": [{"part": i, "input": part.display, "start": part.start, "end": part.end,
                   "output": output, "log": PART_NAME.format(i), **_counts(summary)}
                  for i, (part, (summary, _, output)) in enumerate(zip(parts, done))],
        "total": _counts(total),
    }
    write_atomic(str(Path(out) / MANIFEST), json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    # Parts of an earlier run with more parts are not this output's: the manifest is the truth,
    # and a reader globbing part-*.jsonl should find only this run's.
    listed = {p["output"] for p in manifest["parts"]}
    for folder, names in ((Path(out), listed), (Path(logs), {PART_NAME.format(i) for i in range(len(parts))})):
        for stale in folder.glob("part-*.jsonl"):
            if _PART_FILE.fullmatch(stale.name) and stale.name not in names:
                stale.unlink()
    return total
