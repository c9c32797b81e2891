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
import os
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from audit.errors import AuditError, InputError, OutputError
from audit.locations import JSONL_SUFFIXES, TEXT_SUFFIXES, has_glob, is_corpus_file, is_url, locate
from audit.normalize import repair
from audit.output import cannot_write, json_line, make_parent, probe, staging_path
from audit.readers import Corpus, Fields, is_jsonl
from audit.records import Document, Finding, InputProblem, ScanResult
from audit.scan import checked, scan_corpus
from audit.spooled import SpooledDocuments
from audit.settings import ScanSettings

#: The rule id logged for a record that could not be read (as in a scan's findings).
UNREADABLE = "input.unreadable"


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
class CleanSummary:
    """What a cleaning run did; the counts reconcile (see :meth:`check`)."""

    documents: int = 0
    input_errors: int = 0
    lines_in: int = 0
    lines_kept: int = 0
    lines_removed: int = 0
    #: Documents left out as duplicates of a kept one, and their lines.
    duplicates_dropped: int = 0
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
        if self.logged != self.lines_removed + self.duplicates_dropped + self.input_errors:
            raise AuditError(f"clean: {self.logged} removals logged for {self.lines_removed} lines removed, "
                             f"{self.duplicates_dropped} duplicates dropped and {self.input_errors} unreadable records")

    def line(self) -> str:
        """One line for people."""
        rules = ", ".join(f"{rule} {n}" for rule, n in sorted(self.by_rule.items(), key=lambda kv: (-kv[1], kv[0])))
        return (f"{self.documents} documents, {self.lines_in} lines in, {self.lines_kept} kept, "
                f"{self.lines_removed} removed ({rules or 'none'}), {self.duplicates_dropped} duplicate documents "
                f"dropped ({self.lines_dropped} lines), {self.lines_repaired} repaired, "
                f"{self.input_errors} unreadable records skipped; {self.logged} removals logged")


@dataclass
class Plan:
    """What to remove, decided from a scan's findings: for each document, its lines to strip; and
    the documents to leave out, each with the finding that names the member its cluster keeps."""

    lines: Mapping[str, dict[int, Finding]]
    documents: dict[str, Finding] = field(default_factory=dict)


def _strips(f: Finding) -> bool:
    """Whether a finding claims its line for removal."""
    return f.kind == "boilerplate" and f.line is not None and f.detail.get("action") == "strip"


class SpooledStrips(Mapping[str, dict[int, Finding]]):
    """The lines to strip of each document, read back from a scan's spool when asked for: a
    million pages' findings (their line text included) are never in memory at once. `clean`
    asks in reading order, the spool's order."""

    def __init__(self, documents: SpooledDocuments) -> None:
        self._details = documents.details
        self._index = {s.id: i for i, s in enumerate(documents.summaries)}

    def __getitem__(self, document: str) -> dict[int, Finding]:
        lines: dict[int, Finding] = {}
        for f in self._details[self._index[document]].findings:
            if _strips(f):
                lines.setdefault(f.line, f)  # type: ignore[arg-type]
        if not lines:
            raise KeyError(document)
        return lines

    def __iter__(self) -> Iterator[str]:
        for document, i in self._index.items():
            if any(_strips(f) for f in self._details[i].findings):
                yield document

    def __len__(self) -> int:
        return sum(1 for _ in self)


def plan_for(result: ScanResult, drop_duplicates: bool = True) -> Plan:
    """:func:`plan` of a scan; where the scan keeps its documents' findings on disk, the lines to
    strip stay there (:class:`SpooledStrips`) and only the duplicates are gathered."""
    if not isinstance(result.documents, SpooledDocuments):
        return plan(result.findings, drop_duplicates)
    duplicates = plan((f for f in result.findings if f.kind == "duplicate"), drop_duplicates)
    return Plan(SpooledStrips(result.documents), duplicates.documents)


def plan(findings: Iterable[Finding], drop_duplicates: bool = True) -> Plan:
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
    return Plan(lines, documents)


def default_log(out: str, parts: bool = False) -> str:
    """Where the removal log goes when not told: beside the output, named after it (with
    `parts`, as on a cluster: a folder of one log per part).

    >>> default_log("clean/seeds"), default_log("feed.clean.jsonl.gz"), default_log("clean/", parts=True)
    ('clean/seeds.removals.jsonl', 'feed.clean.removals.jsonl', 'clean.removals')
    """
    name = out.rstrip("/")
    for suffix in sorted(JSONL_SUFFIXES + TEXT_SUFFIXES, key=len, reverse=True):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    return name + (".removals" if parts else ".removals.jsonl")


def clean(paths: list[str], out: str, settings: ScanSettings | None = None, fields: Fields | None = None,
          log: str | None = None, dry_run: bool = False, log_stream: IO[str] | None = None,
          progress: Callable[[int], None] | None = None, keep_duplicates: bool = False) -> CleanSummary:
    """Clean the corpus under `paths` into `out` ("-": JSON Lines on stdout) with its removal log.

    With `dry_run`, nothing is written: the removal log goes to `log_stream` (default stdout).
    `progress` is called with the number of documents analyzed so far, as in a scan. Each
    near-duplicate cluster keeps one member (``settings.similarity.keep``) and the others are
    left out, unless `keep_duplicates`.
    """
    settings = dataclasses.replace(settings or ScanSettings(), readability=False, tone=False)
    fields = fields or Fields()
    if settings.engine == "dask":
        from audit.dask_clean import clean_on_cluster

        return clean_on_cluster(paths, out, settings, fields, log, dry_run, log_stream, progress, keep_duplicates)
    paths = _inputs(paths)
    check_inputs(paths)
    if not dry_run and out == "-" and log is None:
        raise InputError("--log FILE is needed when the cleaned corpus goes to stdout (--out -)")
    log = log or default_log(out)
    if not dry_run:
        check_targets(paths, out, log)
        check_replaceable(paths, out, log)
        probe(out, folder=out != "-" and _folder_output(paths))
        probe(log)
    with Corpus(paths, fields) as corpus, ExitStack() as stack:
        decided = plan_for(scan_corpus(corpus, settings, progress), drop_duplicates=not keep_duplicates)
        if dry_run:
            summary = _run(corpus, decided, _Writer(paths, None, fields, stack), log_stream or sys.stdout)
            summary.check()
            return summary
        # Entered first, so renamed into place last: the log describes the output beside it.
        log_stage = stack.enter_context(Staged(Path(log), directory=False))
        writer = _Writer(paths, out, fields, stack)
        summary = _run(corpus, decided, writer, log_stage.open_text())
        summary.check()
        writer.commit()
        log_stage.commit()
    return summary


def _run(corpus: Corpus, decided: Plan, writer: _Writer, log: IO[str]) -> CleanSummary:
    summary = CleanSummary()
    for source_path, record in _checked_items(corpus):
        writer.opened(source_path, record)
        text = clean_record(record, decided, summary, log)
        if text is not None:
            writer.write(source_path, record, text)
    return summary


def clean_record(record: Document | InputProblem, decided: Plan, summary: CleanSummary, log: IO[str]) -> str | None:
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
    summary.lines_kept += len(kept)
    summary.lines_removed += len(lines) - len(kept)
    # As the report counts encoding findings (audit.analyze.findings_of): one per line ftfy
    # repaired and one per line, or JSON Lines record, that was not UTF-8.
    summary.lines_repaired += len(repaired.repairs) + len(record.recoded_lines)
    return "\n".join(kept)


def cleaned_line(doc: Document, fields: Fields, text: str) -> str:
    """A JSON Lines record as cleaning writes it: its fields as read, its text the cleaned one."""
    return json_line({**doc.fields, fields.text: text})


def _checked_items(corpus: Corpus) -> Iterator[tuple[str, Document | InputProblem]]:
    """The corpus's (input path, record) pairs, with repeated ids turned into problems as in a scan."""
    seen: dict = {}
    for source_path, record in corpus.items():
        for checked_record in checked([record], seen):
            yield source_path, checked_record


def _inputs(paths: list[str]) -> list[str]:
    """The inputs of a local run, each in its own form: a glob stands for its matches (each then
    an input of its own, as if named), and a folder behind a URL is refused, since its files
    would have no place of their own in the output (a file behind a URL is cleaned like a file).
    """
    out = []
    for p in paths:
        if p == "-" or not (has_glob(p) or is_url(p)):
            out.append(p)
            continue
        for entry in locate(p):
            if entry.folder and is_url(entry.path):
                raise InputError(f"{entry.path}: a remote folder is cleaned with --engine dask (a folder of parts); "
                                 "locally, give its files or a glob of them")
            out.append(entry.path)
    return out


def _overlap(a: str, b: str) -> bool:
    """Whether local paths `a` and `b` are one, or one holds the other."""
    first, second = Path(a).resolve(), Path(b).resolve()
    return first == second or first in second.parents or second in first.parents


def check_inputs(paths: list[str]) -> None:
    """Refuse inputs of which one is, or holds, another: their files would be cleaned twice."""
    local = [p for p in paths if p != "-" and not is_url(p)]
    for i, p in enumerate(local):
        for q in local[i + 1:]:
            if _overlap(p, q):
                raise InputError(f"{q}: the inputs overlap ({p}): give each file once to clean it")


def check_targets(paths: list[str], out: str, log: str) -> None:
    """Refuse an output or removal log that would overwrite or sit inside an input (or the
    reverse), and a log that is the output, inside it, or holds it (the one written last would
    replace the other)."""
    if out == "-" and (len(paths) != 1 or not (paths[0] == "-" or is_jsonl(paths[0]))):
        raise InputError("--out - (stdout) takes one JSON Lines input")
    for what, target in (("output", out), ("removal log", log)):
        for p in paths:
            if target != "-" and p != "-" and _overlap(target, p):
                raise InputError(f"{target}: the {what} must not be an input, inside one, or hold one ({p})")
    if out == "-":
        return
    if _overlap(log, out):
        raise InputError(f"{log}: the removal log must not be the output, inside it, or hold it ({out})")
    named: dict[str, str] = {}
    for p in paths:
        name = _entry_name(p)
        if name in named:
            raise InputError(f"{p}: has the name of another input ({named[name]}), and the two would share "
                             f"one output path ({Path(out) / name})")
        named[name] = p


def _folder_output(paths: list[str]) -> bool:
    return len(paths) > 1 or (paths[0] != "-" and Path(paths[0]).is_dir())


def _entry_name(path: str) -> str:
    """An input's entry in the folder that several inputs' output is."""
    return Path(path).name if path != "-" else "stdin.jsonl"


def check_replaceable(paths: list[str], out: str, log: str) -> None:
    """Refuse what the run would replace and a user would not expect to lose: a folder OUT that
    holds a file no input gives (the whole folder is replaced, so it would go), the current
    folder or one above it, a file where the output or the log is a folder, or a folder where it
    is a file."""
    folder = out != "-" and _folder_output(paths)
    for target, is_folder, what in ((out, folder, "output"), (log, False, "removal log")):
        there = Path(target)
        if target == "-" or not there.exists():
            continue
        if there.is_dir() != is_folder:
            raise OutputError(f"{target}: is a {'folder' if there.is_dir() else 'file'}; the {what} here is a "
                              f"{'folder' if is_folder else 'file'}")
        if is_folder and there.resolve() in (Path.cwd(), *Path.cwd().parents):
            raise OutputError(f"{target}: is the current folder or holds it, which clean cannot replace: "
                              "give another --out")
    if not folder or not Path(out).is_dir():
        return
    by_name = {_entry_name(p): p for p in paths}
    for dirpath, dirnames, filenames in os.walk(out):
        dirnames.sort()
        for name in sorted(filenames):
            rel = Path(dirpath, name).relative_to(out)
            if not _given(rel, paths, by_name):
                raise OutputError(f"{Path(dirpath, name)}: no input gives this file, and clean replaces the "
                                  f"whole folder {out}: give a new or empty --out, or move the file away")


def _given(rel: Path, paths: list[str], by_name: dict[str, str]) -> bool:
    """Whether a file at `rel` in the output folder is one an input gives: a corpus file of the
    folder cleaned, or, for several inputs, a file input's entry or a corpus file under a folder
    input's entry."""
    if len(paths) == 1:
        source = Path(paths[0], rel)
    else:
        given = by_name.get(rel.parts[0])
        if given is None:
            return False
        if len(rel.parts) == 1:
            return given == "-" or is_url(given) or not Path(given).is_dir()
        source = Path(given, *rel.parts[1:])
    return source.is_file() and is_corpus_file(source.name)


class Staged:
    """A path written under a temporary name beside it and renamed over it on success."""

    def __init__(self, target: Path, directory: bool) -> None:
        self.target = target
        self.directory = directory
        self.temp = staging_path(target)
        try:
            make_parent(target)
            if directory:
                os.mkdir(self.temp)
            else:
                open(self.temp, "x").close()
        except OSError as exc:
            raise cannot_write(target, exc) from exc
        self.ok = False
        self._handle: IO[str] | None = None

    def open_text(self) -> IO[str]:
        self._handle = open(self.temp, "w", encoding="utf-8", newline="\n")
        return self._handle

    def __enter__(self) -> Staged:
        return self

    def commit(self) -> None:
        self.ok = True

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if self._handle is not None:
            self._handle.close()
        if exc_type is None and self.ok:
            _replace(self.temp, self.target)
        elif self.temp.is_dir():
            shutil.rmtree(self.temp, ignore_errors=True)
        elif self.temp.exists():
            self.temp.unlink()


def _replace(temp: Path, target: Path) -> None:
    """Put `temp` where `target` is. A folder cannot be renamed over a folder, so the old one is
    moved aside first and removed after; were the run killed in between, it is still there."""
    try:
        if temp.is_dir() and target.exists():
            aside = staging_path(target).with_suffix(".old")
            os.replace(target, aside)
            os.replace(temp, target)
            # A symbolic link to a folder goes as a link: rmtree refuses one.
            aside.unlink() if aside.is_symlink() or not aside.is_dir() else shutil.rmtree(aside)
        else:
            os.replace(temp, target)
    except OSError as exc:
        raise cannot_write(target, exc) from exc


class _Writer:
    """Writes each cleaned document where its input's form says (nothing at all when dry)."""

    def __init__(self, paths: list[str], out: str | None, fields: Fields, stack: ExitStack) -> None:
        self.fields = fields
        self.stack = stack
        self.out = out
        self.roots: dict[str, Path] = {}
        self.stages: list[Staged] = []
        self.files: dict[Path, IO[str]] = {}
        if out is None or out == "-":
            return
        single = len(paths) == 1
        base = Path(out)
        for p in paths:
            target = base if single else base / _entry_name(p)
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
            sys.stdout.write(cleaned_line(doc, self.fields, text))
            return
        target = self._target(source_path, doc.origin.path)
        if doc.origin.line is None:
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
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
            return root / Path(origin_path).relative_to(Path(source_path))
        return root

    def _file(self, target: Path, origin_path: str) -> IO[str]:
        """The open output for a JSON Lines file, compressed as its input was (gz, zst)."""
        suffix = Path(origin_path).name.lower().rsplit(".", 1)[-1]
        if target not in self.files:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle: IO[str]
            if suffix == "gz":
                raw = self.stack.enter_context(open(target, "wb"))
                # mtime 0: the same input gives the same bytes
                zipped = self.stack.enter_context(gzip.GzipFile(fileobj=raw, mode="wb", mtime=0))
                handle = self.stack.enter_context(io.TextIOWrapper(zipped, encoding="utf-8", newline="\n"))
            elif suffix == "zst":
                import zstandard

                handle = self.stack.enter_context(zstandard.open(target, "wt", encoding="utf-8", newline="\n"))
            else:
                handle = self.stack.enter_context(open(target, "w", encoding="utf-8", newline="\n"))
            self.files[target] = handle
        return self.files[target]

    def commit(self) -> None:
        for handle in self.files.values():
            handle.flush()
        for stage in self.stages:
            stage.commit()
