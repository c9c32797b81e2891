"""Clean a corpus: the input back in its own form, encoding repaired, leftover lines stripped.

Measure, then decide: the corpus is scanned first (the same analysis as ``corpus-audit scan``,
without readability and tone), then read again and written out. A line goes when a finding of
kind ``boilerplate`` whose action is ``strip`` claims it: a rule with ``action = "strip"``, or a
line statistic while ``lines.action`` is ``strip``. A document that a near-duplicate cluster does
not keep goes whole (one kept per cluster, by the scan's keep policy), unless duplicates are
kept. Every removal is logged (JSON Lines: document, line, rule, text, why), and the counts
reconcile: lines in = lines kept + lines removed + lines of dropped duplicates, each removal
logged. Unreadable records are not written and are logged too.

Output keeps the input's form: a folder gives a folder of the same files (text files cleaned,
JSON Lines files record by record with every other field kept), a file gives a file; several
inputs give a folder holding one output per input. Everything is written to temporary paths
beside the targets and renamed over them at the end, so an interrupted run leaves the previous
output as it was.
"""

from __future__ import annotations

import dataclasses
import gzip
import io
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO

from audit.cleaning.plan import CleanCounts, Plan, clean_record, cleaned_line, plan_for
from audit.cleaning.targets import (NamedText, Staged, check_inputs, check_replaceable, check_targets, default_log,
                                    entry_name, folder_output, local_inputs, written_name)
from audit.errors import InputError
from audit.output import cannot_write, probe, write_stdout
from audit.pipeline import scan_corpus
from audit.read.checked import checked
from audit.read.readers import Corpus, Fields
from audit.read.sources import Inputs, Source, spooled
from audit.records import Document, InputProblem
from audit.settings import ScanSettings


def clean(source: Source, out: str, settings: ScanSettings | None = None, fields: Fields | None = None,
          log: str | None = None, dry_run: bool = False, log_stream: IO[str] | None = None,
          progress: Callable[[int], None] | None = None, keep_duplicates: bool = False,
          name: str | None = None, keep_empty: bool = False) -> CleanCounts:
    """Clean a corpus into `out` ("-": JSON Lines on stdout) with its removal log.

    `source` is paths, or records in memory (as :func:`audit.pipeline.scan` takes them), which
    are cleaned into one JSON Lines file; a Parquet file is cleaned into JSON Lines too.

    With `dry_run`, nothing is written: the removal log goes to `log_stream` (default stdout).
    `progress` is called with the number of documents analyzed so far, as in a scan. Each
    near-duplicate cluster keeps one member (``settings.similarity.keep``) and the others are
    left out, unless `keep_duplicates`. A document that cleaning leaves with no text is left out
    and logged (rule ``clean.empty``), unless `keep_empty`.
    """
    settings = dataclasses.replace(settings or ScanSettings(), readability=False, tone=False)
    fields = fields or Fields()
    with spooled(source, fields, name) as inputs:
        if settings.engine == "dask":
            from audit.cleaning.on_cluster import clean_on_cluster

            return clean_on_cluster(inputs.paths, out, settings, fields, log, dry_run, log_stream, progress,
                                    keep_duplicates, keep_empty)
        return _clean_here(inputs, out, settings, fields, log, dry_run, log_stream, progress, keep_duplicates,
                           keep_empty)


def _clean_here(inputs: Inputs, out: str, settings: ScanSettings, fields: Fields, log: str | None, dry_run: bool,
                log_stream: IO[str] | None, progress: Callable[[int], None] | None,
                keep_duplicates: bool, keep_empty: bool) -> CleanCounts:
    paths = local_inputs(inputs.paths)
    check_inputs(paths)
    if not dry_run and out == "-" and log is None:
        raise InputError("{log} is needed when the cleaned corpus goes to stdout ({out})", log=None, out="-")
    log = log or default_log(out)
    if not dry_run:
        check_targets(paths, out, log)
        check_replaceable(paths, out, log)
        probe(out, folder=out != "-" and folder_output(paths))
        probe(log)
    with dataclasses.replace(inputs, paths=paths).corpus(fields) as corpus, ExitStack() as stack:
        decided = plan_for(scan_corpus(corpus, settings, progress), not keep_duplicates, keep_empty)
        if dry_run:
            summary = _run(corpus, decided, _Writer(paths, None, fields, stack), log_stream or sys.stdout)
            summary.check()
            return summary
        writer = _Writer(paths, out, fields, stack)
        # Entered last, so renamed into place first: a run killed between the renames leaves the
        # new log beside the previous output, never a new output beside an old log (docs/clean.md).
        log_stage = stack.enter_context(Staged(Path(log), directory=False))
        summary = _run(corpus, decided, writer, log_stage.open_text())
        summary.check()
        writer.commit()
        log_stage.commit()
    return summary


def _run(corpus: Corpus, decided: Plan, writer: _Writer, log: IO[str] | NamedText) -> CleanCounts:
    summary = CleanCounts()
    for source_path, record in _checked_items(corpus):
        writer.opened(source_path, record)
        text = clean_record(record, decided, summary, log)
        if text is not None:
            writer.write(source_path, record, text)
    return summary


def _checked_items(corpus: Corpus) -> Iterator[tuple[str, Document | InputProblem]]:
    """The corpus's (input path, record) pairs, with repeated ids turned into problems as in a scan."""
    seen: dict = {}
    for source_path, record in corpus.items():
        for checked_record in checked([record], seen):
            yield source_path, checked_record


class _Writer:
    """Writes each cleaned document where its input's form says (nothing at all when dry)."""

    def __init__(self, paths: list[str], out: str | None, fields: Fields, stack: ExitStack) -> None:
        self.fields = fields
        self.stack = stack
        self.out = out
        self.roots: dict[str, Path] = {}
        self.stages: list[Staged] = []
        self.files: dict[Path, NamedText] = {}
        if out is None or out == "-":
            return
        single = len(paths) == 1
        base = Path(out)
        for p in paths:
            target = base if single else base / entry_name(p)
            directory = p != "-" and Path(p).is_dir()
            if single:
                stage = stack.enter_context(Staged(target, directory))
                self.stages.append(stage)
                self.roots[p] = stage.temp
            else:
                if not self.stages:
                    self.stages.append(stack.enter_context(Staged(base, True)))
                self.roots[p] = self.stages[0].temp / target.name

    def write(self, source_path: str, doc: Document, text: str) -> None:
        if self.out is None:
            return
        if self.out == "-":
            write_stdout([cleaned_line(doc, self.fields, text)])
            return
        target = self._target(source_path, doc.origin.path)
        if doc.origin.line is None:
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                with open(target, "w", encoding="utf-8", newline="\n") as f:
                    f.write(text)
            except OSError as exc:
                raise cannot_write(self._shown(target), exc) from exc
        else:
            self._file(target, doc.origin.path).write(cleaned_line(doc, self.fields, text))

    def opened(self, source_path: str, record: Document | InputProblem) -> None:
        """Open the output of a JSON Lines record's file, written to or not: a file whose records
        all went (duplicates, unreadable) is still there, empty, beside the others."""
        if self.out is not None and self.out != "-" and record.origin.line is not None:
            self._file(self._target(source_path, record.origin.path), record.origin.path)

    def _target(self, source_path: str, origin_path: str) -> Path:
        root = self.roots[source_path]
        if source_path != "-" and Path(source_path).is_dir():
            rel = Path(origin_path).relative_to(Path(source_path))
            return root / rel.with_name(written_name(rel.name))
        return root

    def _shown(self, target: Path) -> Path:
        """The name `target`, written under a temporary name, will have: what errors name."""
        stage = next(s for s in self.stages if target == s.temp or s.temp in target.parents)
        return stage.shown(target)

    def _file(self, target: Path, origin_path: str) -> NamedText:
        """The open output for a JSON Lines file, compressed as its input was (gz, zst)."""
        suffix = Path(origin_path).name.lower().rsplit(".", 1)[-1]
        if target not in self.files:
            try:
                self.files[target] = NamedText(*self._open(target, suffix), target=self._shown(target))
            except OSError as exc:
                raise cannot_write(self._shown(target), exc) from exc
        return self.files[target]

    def _open(self, target: Path, suffix: str) -> tuple[IO[str], IO[bytes] | None]:
        """A new output file, compressed as `suffix` says, and the plain file under it when
        closing the text stream leaves that open (gzip's); both are closed with the run."""
        target.parent.mkdir(parents=True, exist_ok=True)
        if suffix == "gz":
            raw = self.stack.enter_context(open(target, "wb"))
            # mtime 0: the same input gives the same bytes
            zipped = self.stack.enter_context(gzip.GzipFile(fileobj=raw, mode="wb", mtime=0))
            return self.stack.enter_context(io.TextIOWrapper(zipped, encoding="utf-8", newline="\n")), raw
        if suffix == "zst":
            import zstandard

            return self.stack.enter_context(zstandard.open(target, "wt", encoding="utf-8", newline="\n")), None
        return self.stack.enter_context(open(target, "w", encoding="utf-8", newline="\n")), None

    def commit(self) -> None:
        """Close every file (what a buffer still held is written now, or the error names its
        file), and mark the outputs for renaming into place."""
        for handle in self.files.values():
            handle.close()
        for stage in self.stages:
            stage.commit()
