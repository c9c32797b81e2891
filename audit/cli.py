"""The command line: the only module that imports click.

Library errors (:class:`audit.errors.AuditError`) become one line on stderr and exit code 2, in
one place (:class:`AuditGroup`); options shared by several commands are declared once.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import os
import select
import signal
import sys
import time
import typing
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

# What a command needs beyond these (the analysis, numpy, numba, datasketch, the readers) is
# imported in the command itself: `--help` and `--version` should not wait for it.
from audit.config import load_settings
from audit.errors import AuditError, ConfigError, InputError
from audit.feed.defaults import BATCH_SIZE
from audit.feed.defaults import THRESHOLD as DEDUP_THRESHOLD
from audit.lines.statistics import SIGNALS
from audit.output import probe, write_atomic
from audit.progress import estimated_documents
from audit.records import InputProblem, ScanResult
from audit.report.escape import printable
from audit.report.formats import DOCUMENT_FORMATS, FORMATS, render, render_pieces
from audit.settings import ENGINES, KEEP_POLICIES, ScanSettings, Thresholds, out_of_bounds
from audit.text.counts import plural
from audit.version import __version__

if TYPE_CHECKING:
    from audit.read.readers import Corpus


def say(line: str) -> None:
    """One line on stderr, its control characters escaped: ids, sources and file names in it come
    from the corpus, and must neither inject a CI workflow command nor drive the terminal."""
    click.echo(printable(line), err=True)


def clear_line() -> None:
    """Blank stderr's current line on a terminal, where a progress bar may be drawn that nothing will
    close: a signal that arrives while the bar is being made leaves it without an owner, and the
    message after it would run on from its end."""
    if sys.stderr.isatty():
        width = _screen()["ncols"] - 1  # a full line would wrap on some terminals
        sys.stderr.write("\r" + " " * width + "\r")
        sys.stderr.flush()


class Terminated(BaseException):
    """Raised in the main process when it receives SIGTERM (like KeyboardInterrupt for SIGINT)."""


@dataclasses.dataclass
class Stop:
    """Ctrl-C or SIGTERM, once received, for the rest of the run.

    The handler raises at once, but Python drops an exception raised while it runs a finalizer
    or a weakref callback (it prints "Exception ignored"), and the run would go on to write its
    outputs. So the signal is also kept here and raised again at the next checkpoint: each
    progress step, the end of the work (before any output is written) and the end of the command.
    """

    signum: int | None = None

    def on_signal(self, signum: int, frame: Any) -> None:
        self.signum = signum
        self.check()

    def check(self) -> None:
        if self.signum == signal.SIGINT:
            raise KeyboardInterrupt()
        if self.signum is not None:
            raise Terminated()


def _checkpoint() -> None:
    """Raise the stop that a signal asked for, if any (see :class:`Stop`)."""
    ctx = click.get_current_context(silent=True)
    stop = ctx.find_object(Stop) if ctx is not None else None
    if stop is not None:
        stop.check()


def _stdout_gone() -> bool:
    """Whether stdout is a pipe whose reader has closed it (poll reports an error on its end),
    not some other broken pipe, such as a socket."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (OSError, ValueError):
        return False


#: The flag of each library argument that an error message may name (:class:`audit.errors.AuditError`).
FLAGS = {"out": "--out", "log": "--log", "engine": "--engine"}


class AuditGroup(click.Group):
    """Turns the library's errors into a one-line message and exit code 2, and an interruption
    into one line and 130 (SIGINT) or 143 (SIGTERM); outputs are atomic, so none is half-written."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            done = super().invoke(ctx)
            _checkpoint()
            return done
        except AuditError as exc:
            say(f"corpus-audit: error: {exc.phrased(FLAGS)}")
            ctx.exit(2)
        except OSError as exc:
            if isinstance(exc, BrokenPipeError) and _stdout_gone():
                # The reader went away (`| head`): as a shell sees a process killed by SIGPIPE,
                # and nothing more is written to the closed pipe, not even Python's complaint.
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                ctx.exit(128 + signal.SIGPIPE)
            # A file the library did not expect to fail: still one line, and not exit 1, which
            # is a failed check's.
            where = f"{exc.filename}: " if exc.filename else ""
            say(f"corpus-audit: error: {where}{exc.strerror or exc}")
            ctx.exit(2)
        except KeyboardInterrupt:
            clear_line()
            say("corpus-audit: interrupted")
            ctx.exit(130)
        except Terminated:
            clear_line()
            say("corpus-audit: terminated")
            ctx.exit(143)


class Progress:
    """A run's stages on stderr, each a bar with its name, count, total where known, rate and time
    left (tqdm, imported only then); only on a terminal, and not in CI (``$CI`` set), so a pipe or
    a CI log gets nothing from it. It follows the stages of :mod:`audit.progress`: documents
    first (their number estimated from `paths` when shown; None: not known), then each step of the
    corpus pass."""

    def __init__(self, quiet: bool, what: str = "documents", paths: list[str] | None = None) -> None:
        self.enabled = not quiet and sys.stderr.isatty() and not os.environ.get("CI")
        self.what = what
        self.started = time.monotonic()
        self.bar: Any = None
        self.in_first = True
        self.count = 0
        if self.enabled:
            self._open(what, estimated_documents(paths) if paths else None)

    def __call__(self, done: int) -> None:
        _checkpoint()
        if self.in_first:
            self.count = done
        if self.bar is not None:
            self.bar.update(done - self.bar.n)

    def stage(self, name: str, total: int | None = None) -> None:
        """A new stage begins (the last one's bar goes)."""
        _checkpoint()
        self.in_first = False
        if self.enabled:
            self._open(name, total)

    def _open(self, name: str, total: int | None) -> None:
        from tqdm import tqdm

        if self.bar is not None:
            self.bar.close()
        # A step with no count to show (finding candidates) shows its name and the time it has taken.
        shape = {} if total is not None or self.in_first else {"bar_format": "{desc} ({elapsed})"}
        self.bar = tqdm(desc=name, total=total, file=sys.stderr, leave=False, mininterval=0.2, **_screen(),
                        unit=f" {self.what}" if self.in_first else "", **shape)

    def close(self) -> None:
        """Ends the bars with one line of what was done; the commands call it before they write their
        outputs, so it is also the checkpoint that keeps an interrupted run from writing them."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
            seconds = time.monotonic() - self.started
            say(f"corpus-audit: {self.count:,} {self.what} in {seconds:.1f} s")
        _checkpoint()


def _screen() -> dict[str, int]:
    """The size of stderr's terminal for tqdm, or 80 x 24 where it has none (a pseudo-terminal never
    sized, where tqdm would draw nothing)."""
    try:
        size = os.get_terminal_size(sys.stderr.fileno())
        return {"ncols": size.columns or 80, "nrows": size.lines or 24}
    except (OSError, ValueError):
        return {"ncols": 80, "nrows": 24}


def input_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """PATH… plus the JSON Lines field names and --strict."""
    return click.argument("paths", nargs=-1, required=True, metavar="PATH...")(field_options(f))


def field_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The JSON Lines field names and --strict."""
    decorators = [
        click.option("--text-field", default="text", show_default=True, help="JSON Lines field holding the text."),
        click.option("--id-field", default="id", show_default=True, help="JSON Lines field holding the document id."),
        click.option("--source-field", default="source", show_default=True,
                     help="JSON Lines field naming the source (outlet); else the domain of 'url', else the file name."),
        click.option("--strict", is_flag=True, help="Stop at the first unreadable file or record (exit 2)."),
        click.option("-q", "--quiet", is_flag=True, help="No progress display."),
    ]
    return functools.reduce(lambda acc, d: d(acc), reversed(decorators), f)


def rule_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--config FILE, --rules DIR and --disable-rule ID."""
    f = click.option("--disable-rule", "disabled", multiple=True, metavar="ID", help="Switch a rule off (repeatable).")(f)
    f = click.option("--rules", "rule_dirs", multiple=True, type=click.Path(file_okay=False),
                     metavar="DIR", help="Add the rules in a folder of TOML files (repeatable).")(f)
    return click.option("--config", "config", metavar="FILE",
                        help="TOML config (default: [tool.corpus-audit] of the nearest pyproject.toml).")(f)


def settings_for(config: str | None, rule_dirs: tuple[str, ...], disabled: tuple[str, ...], **overrides: Any) -> ScanSettings:
    """Settings from the config, with the command line on top (rule folders and ids add up)."""
    settings = load_settings(config, overrides)
    return dataclasses.replace(settings, rule_dirs=settings.rule_dirs + rule_dirs,
                               disabled_rules=settings.disabled_rules + disabled)


class ByteSize(click.ParamType):
    """A size in bytes: a whole number, optionally with kB, MB, GB (powers of 1000) or KiB, MiB, GiB."""

    name = "size"
    UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "kib": 2**10, "mib": 2**20, "gib": 2**30}

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip().lower()
        digits = text.rstrip("bkmgi ")
        unit = text[len(digits):].strip()
        if not digits.isdigit() or unit not in self.UNITS or int(digits) == 0:
            self.fail(f"{value!r} is not a size (examples: 64MiB, 100MB, 1048576)", param, ctx)
        return int(digits) * self.UNITS[unit]


#: Which member of a near-duplicate cluster a scan keeps (and clean writes).
keep_option = click.option("--keep", type=click.Choice(KEEP_POLICIES), default=None,
                           help="Which member of a near-duplicate cluster is kept: longest, earliest or "
                                "cleanest (default: the config's similarity.keep, else cleanest).")


def engine_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--engine, --scheduler, --connect-timeout, --workers, --blocksize: where the work runs."""
    f = click.option("--connect-timeout", type=click.FloatRange(min=0, min_open=True), default=None,
                     metavar="SECONDS", help="With --scheduler: how long to wait for it (default 30).")(f)
    f = click.option("--blocksize", type=ByteSize(), default=None,
                     help="With dask: plain JSON Lines per partition at most, e.g. 64MiB (the default; cut "
                          "finer where the workers would get fewer than 4 parts each); a compressed or text "
                          "file is one partition.")(f)
    f = click.option("--workers", type=click.IntRange(min=0), default=None,
                     help="With dask and no --scheduler: worker processes of the local cluster (0, the "
                          "default: one per core).")(f)
    f = click.option("--scheduler", metavar="tcp://HOST:PORT", default=None,
                     help="With dask: join the cluster of this scheduler instead of starting one.")(f)
    return click.option("--engine", type=click.Choice(ENGINES), default=None,
                        help="Where the work runs: local (this machine, the default) or dask (a Dask cluster; "
                             "needs corpus-audit[dask]).")(f)


def output_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--format and -o."""
    f = click.option("-o", "--output", metavar="FILE",
                     help="Where to write the report ('-' for stdout). Default: stdout, but reports/NAME.md "
                          "for scan's Markdown.")(f)
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default="markdown", show_default=True,
                        help="Report format: markdown, text (one line per finding), json (the contract), github "
                             "(workflow commands that annotate files), sarif (2.1.0, for code scanning) or junit "
                             "(XML test report).")(f)


#: The value that switches a threshold off on the command line (``false`` in TOML).
OFF = "off"


class Limit(click.ParamType):
    """A threshold's value on the command line: a number, or ``off``."""

    def __init__(self, kind: type) -> None:
        self.kind = kind
        self.name = f"{kind.__name__}|off"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and value.lower() == OFF:
            return OFF
        try:
            return self.kind(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is neither a {self.kind.__name__} nor '{OFF}'", param, ctx)


def threshold_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """One flag per threshold (--max-boilerplate-share 0.05, --fail-on warning, … or 'off')."""
    hints = typing.get_type_hints(Thresholds)
    for field in reversed(dataclasses.fields(Thresholds)):
        default = "off" if field.default is None else field.default
        choices = field.metadata.get("choices")
        kind = click.Choice([*choices, OFF]) if choices else Limit(next(
            t for t in typing.get_args(hints[field.name]) if t is not type(None)))
        f = click.option(f"--{field.name.replace('_', '-')}", field.name, type=kind, default=None,
                         help=f"{field.metadata['doc']} Default: {default}.")(f)
    return f


def with_thresholds(settings: ScanSettings, flags: dict[str, Any]) -> ScanSettings:
    """`settings` with the threshold flags that were given on top ('off' switches one off); a
    value out of its threshold's bounds (a share above 1, a negative count) is an error naming
    the flag."""
    given = {k: (None if v == OFF else v) for k, v in flags.items() if v is not None}
    for name, value in given.items():
        problem = out_of_bounds(name, value)
        if problem:
            raise ConfigError(f"--{name.replace('_', '-')} {problem}")
    return dataclasses.replace(settings, thresholds=dataclasses.replace(settings.thresholds, **given))


def report_input_errors(result: ScanResult) -> None:
    """One line on stderr per unreadable file or record (a field missing from many records: one
    line, :class:`audit.read.problems.ProblemLines`)."""
    if not result.input_errors:  # no pass over every finding, read back from disk, for none
        return
    report_problems(f"{f.document}:{f.line}: {f.message}" if f.line else f"{f.document}: {f.message}"
                    for f in result.findings if f.kind == "input-error")


def report_problems(lines: typing.Iterable[str]) -> None:
    """Input problems' lines ("path:line: message") on stderr, field problems summed up."""
    from audit.read.problems import ProblemLines

    shown = ProblemLines("--text-field")
    for line in lines:
        now = shown.add(line)
        if now is not None:
            say(f"corpus-audit: {now}")
    for line in shown.summary():
        say(f"corpus-audit: {line}")


def report_skipped(corpus: Corpus) -> None:
    """The files of the folders given that are not read, summed up in a line on stderr; and, when
    --id-field was given, a line if the first record has no such field (a mistyped one is no
    error: the ids would be FILE:LINE). Stdin is not looked at, which would consume it."""
    from audit.read.problems import missing_id_line, skipped_lines

    for line in skipped_lines(corpus.skipped()):
        say(f"corpus-audit: {line}")
    ctx = click.get_current_context()
    if ctx.get_parameter_source("id_field") != click.core.ParameterSource.COMMANDLINE or "-" in corpus.paths:
        return
    line = missing_id_line(corpus, corpus.fields.id, "--id-field")
    if line is not None:
        say(f"corpus-audit: {line}")


def nothing_readable(documents: int, errors: int) -> None:
    """Exit 2 when not one record could be read: a report of nothing is no pass (a mistyped
    --text-field, a folder of the wrong files)."""
    if not documents:
        raise InputError(f"no readable record ({plural(errors, 'input error')})")


@click.group(cls=AuditGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="corpus-audit")
def cli() -> None:
    """Audit a text corpus before anyone uses it: near-duplicates, leftover page text, encoding
    damage, readability and tone."""


@cli.command("scan")
@input_options
@rule_options
@output_options
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=None,
              help="Worker processes (0, the default: one per core).")
@keep_option
@engine_options
def scan_command(paths: tuple[str, ...], text_field: str, id_field: str, source_field: str, strict: bool,
                 quiet: bool, config: str | None, rule_dirs: tuple[str, ...], disabled: tuple[str, ...], fmt: str,
                 output: str | None, jobs: int | None, keep: str | None, **where: Any) -> None:
    """Audit a corpus and write a report.

    PATH is a folder (its .txt and .md files and record files, recursively), a JSON Lines file
    (.jsonl, .ndjson), a JSON (.json) or CSV/TSV file (.csv, .tsv; compressed .gz or .zst alike), a
    quoted glob ('data/*.jsonl'), a URL (s3://bucket/feed.jsonl.gz, with s3fs installed), or -
    for JSON Lines on stdin; docs/inputs.md says what is read and skipped. Example:

        corpus-audit scan seeds/            # writes reports/seeds.md
    """
    from audit.pipeline import scan
    from audit.read.readers import Corpus, Fields

    settings = settings_for(config, rule_dirs, disabled, strict=strict or None, jobs=jobs, **where,
                            **{"similarity.keep": keep})
    fields = Fields(text=text_field, id=id_field, source=source_field)
    corpus = Corpus(list(paths), fields)
    name = corpus.name
    target = output or ("-" if fmt != "markdown" else f"reports/{name}.md")
    # The default report may lie in a folder scanned (`scan .` run twice): there only an input
    # named on its own is refused; an -o FILE is refused anywhere in the corpus.
    probe(target, inputs=paths if output else [p for p in paths if not os.path.isdir(p)])
    report_skipped(corpus)
    progress = Progress(quiet, paths=list(paths))
    try:
        result = scan(list(paths), settings, fields, progress, json_report=fmt == "json")
    finally:
        progress.close()
    if fmt != "markdown":
        write_atomic(target, render_pieces(result, fmt, name))
    else:
        write_atomic(target, render(result, "markdown", name))
    if target != "-":
        say(f"corpus-audit: {result.verdict}: wrote {target}")
    report_input_errors(result)
    nothing_readable(len(result.documents), result.input_errors)


@cli.command("check")
@input_options
@rule_options
@output_options
@threshold_options
@click.option("--baseline", metavar="FILE", help="Judge only findings that this baseline file does not record.")
@click.option("--write-baseline", metavar="FILE",
              help="Record this run's findings in FILE (then judge against it, unless --baseline is given).")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=None,
              help="Worker processes (0, the default: one per core).")
@engine_options
def check_command(paths: tuple[str, ...], text_field: str, id_field: str, source_field: str, strict: bool,
                  quiet: bool, config: str | None, rule_dirs: tuple[str, ...], disabled: tuple[str, ...], fmt: str,
                  output: str | None, baseline: str | None, write_baseline: str | None, jobs: int | None,
                  engine: str | None, scheduler: str | None, workers: int | None, blocksize: int | None,
                  connect_timeout: float | None,
                  **limits: Any) -> None:
    """Judge a corpus against thresholds, for CI: exit 0 pass, 1 a threshold fails, 2 a usage,
    config or input error.

    The first line of output is the verdict, naming each failed threshold with the measured value
    and the limit. Thresholds come from --config FILE or [tool.corpus-audit.thresholds] of the
    nearest pyproject.toml; the flags below override them ('off' switches one off). When
    $GITHUB_STEP_SUMMARY is set, the Markdown report is appended to it. Examples:

    \b
        corpus-audit check data/ --max-boilerplate-share 0.05 --fail-on error
        corpus-audit check data/ --format github --baseline .corpus-audit-baseline.json
    """
    from audit.checks.run import check
    from audit.read.readers import Corpus, Fields
    from audit.report import step_summary

    settings = with_thresholds(settings_for(config, rule_dirs, disabled, strict=strict or None, jobs=jobs,
                                            engine=engine, scheduler=scheduler, workers=workers,
                                            blocksize=blocksize, connect_timeout=connect_timeout), limits)
    fields = Fields(text=text_field, id=id_field, source=source_field)
    for path in (output, write_baseline):
        if path:
            probe(path, inputs=paths)
    corpus = Corpus(list(paths), fields)
    report_skipped(corpus)
    progress = Progress(quiet, paths=list(paths))
    try:
        outcome = check(list(paths), settings, fields, baseline, write_baseline, progress, json_report=fmt == "json")
    finally:
        progress.close()
    result = outcome.result
    name = corpus.name
    notes = [outcome.baseline_note()] if outcome.baseline else []
    text = render_pieces(result, fmt, name, notes)
    verdict = outcome.verdict_line()
    target = output or "-"
    if target != "-":
        write_atomic(target, text)
        click.echo(verdict)
        say(f"corpus-audit: wrote {target}")
    elif fmt in DOCUMENT_FORMATS:  # stdout is one document for a machine: the verdict goes to stderr
        say(verdict)
        write_atomic("-", text)
    else:
        click.echo(verdict + "\n")
        write_atomic("-", text)
    if write_baseline:
        say(f"corpus-audit: wrote baseline {write_baseline}")
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        markdown = render(result, "markdown", name, notes)
        if step_summary.append(summary_file, markdown):
            say("corpus-audit: the job summary was cut to stay below GitHub's 1 MiB limit")
    report_input_errors(result)
    nothing_readable(len(result.documents), result.input_errors)
    if not outcome.passed:
        sys.exit(1)


@cli.command("clean")
@input_options
@rule_options
@click.option("--out", "out", required=True, metavar="OUT",
              help="Where the cleaned corpus goes: a folder for a folder, a file for a file, a folder for "
                   "several inputs; '-' writes JSON Lines to stdout.")
@click.option("--log", "log", metavar="FILE",
              help="The removal log (JSON Lines). Default: OUT.removals.jsonl beside the output.")
@click.option("--dry-run", is_flag=True, help="Write nothing; print the removal log to stdout.")
@keep_option
@click.option("--keep-duplicates", is_flag=True, help="Write every member of a near-duplicate cluster.")
@click.option("--keep-empty", is_flag=True,
              help="Write documents that cleaning left with no text (by default they are left out and logged).")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=None,
              help="Worker processes (0, the default: one per core).")
@engine_options
def clean_command(paths: tuple[str, ...], text_field: str, id_field: str, source_field: str, strict: bool,
                  quiet: bool, config: str | None, rule_dirs: tuple[str, ...], disabled: tuple[str, ...], out: str,
                  log: str | None, dry_run: bool, keep: str | None, keep_duplicates: bool, keep_empty: bool,
                  jobs: int | None, **where: Any) -> None:
    """Write a cleaned copy of a corpus and a log of every line and document removed.

    The encoding is repaired, the lines of leftover page text whose rule (or line statistic)
    has action strip are removed, and of each cluster of near-duplicate documents one is kept;
    everything else stays as it was, in the input's own form: a folder for a folder, JSON Lines
    for JSON Lines with every other field kept. Each removal is logged (JSON Lines: document,
    line, rule, text, why; a dropped duplicate is one entry, line null, rule duplicate.document)
    and the counts are checked: lines in = lines kept + lines removed + lines of dropped
    duplicates. A document left with no text (a page that was all cookie banner) is left out and
    logged (rule clean.empty) unless --keep-empty. Output is written to temporary files and renamed at the end, so an interrupted
    run leaves the previous output as it was. Examples:

    \b
        corpus-audit clean seeds/ --out clean/seeds    # and clean/seeds.removals.jsonl
        corpus-audit clean feed.jsonl --out clean.jsonl --dry-run
        corpus-audit clean big.jsonl --out clean/ --engine dask   # clean/part-*.jsonl, manifest.json

    With --engine dask, OUT is a folder of one file per part and a manifest.json of the files
    and their counts; the logs are one file per part in LOG (default OUT.removals).
    """
    from audit.cleaning.run import clean
    from audit.cleaning.targets import default_log
    from audit.read.readers import Corpus, Fields

    settings = settings_for(config, rule_dirs, disabled, strict=strict or None, jobs=jobs, **where,
                            **{"similarity.keep": keep})
    fields = Fields(text=text_field, id=id_field, source=source_field)
    report_skipped(Corpus(list(paths), fields))
    progress = Progress(quiet, paths=list(paths))
    try:
        summary = clean(list(paths), out, settings, fields, log=log, dry_run=dry_run, progress=progress,
                        keep_duplicates=keep_duplicates, keep_empty=keep_empty)
    finally:
        progress.close()
    report_problems(summary.problems)
    wrote = "dry run, nothing written" if dry_run else \
        f"wrote {out} and {log or default_log(out, parts=settings.engine == 'dask')}"
    say(f"corpus-audit: clean: {summary.line()}; {wrote}")
    nothing_readable(summary.documents, summary.input_errors)


@cli.group("rules")
def rules_group() -> None:
    """See and test the rule packs."""


@rules_group.command("list")
@rule_options
def rules_list(config: str | None, rule_dirs: tuple[str, ...], disabled: tuple[str, ...]) -> None:
    """List the rules and the line statistics: id, kind, scope, action, severity, language, message.

    Statistics (kind "statistic") are switched off by id like rules. Example:

        corpus-audit rules list --rules my-rules/
    """
    from audit.lines.rules import load_rules

    settings = settings_for(config, rule_dirs, disabled)
    rules = load_rules(settings.rule_dirs, settings.disabled_rules, known=SIGNALS)
    click.echo(f"{'ID':28} {'KIND':9} {'SCOPE':5} {'ACTION':6} {'SEVERITY':8} {'LANG':4} MESSAGE")
    for rule in rules.rules:
        click.echo(f"{rule.id:28} {rule.kind:9} {rule.scope:5} {rule.action:6} {rule.severity:8} {rule.language:4} {rule.message}")
    for stat in SIGNALS.values():
        if stat.id in settings.disabled_rules:
            continue
        action = settings.lines.action if stat.kind == "boilerplate" else "flag"
        click.echo(f"{stat.id:28} {'statistic':9} {'doc':5} {action:6} {stat.severity:8} {'any':4} {stat.message}")


@rules_group.command("test")
@rule_options
def rules_test(config: str | None, rule_dirs: tuple[str, ...], disabled: tuple[str, ...]) -> None:
    """Run every rule's own examples; exit 1 when one fails.

        corpus-audit rules test --rules my-rules/
    """
    from audit.lines.rules import load_rules

    settings = settings_for(config, rule_dirs, disabled)
    rules = load_rules(settings.rule_dirs, settings.disabled_rules, known=SIGNALS)
    problems = rules.check_examples()
    for p in problems:
        click.echo(printable(f"FAIL {p}"))
    examples = sum(len(r.match) + len(r.no_match) for r in rules.rules)
    click.echo(f"{len(rules)} rules, {examples} examples, {len(problems)} failed")
    if problems:
        sys.exit(1)


@cli.command("dedup")
@click.argument("paths", nargs=-1, metavar="[PATH...|-]")
@field_options
@rule_options
@click.option("--index", "location", required=True, metavar="INDEX",
              help="The index: a file (SQLite, created on first use) or a redis://HOST:PORT/DB URL "
                   "(add ?prefix=NAME to keep several indexes in one database).")
@click.option("-o", "--output", metavar="FILE", help="Append the new items to FILE (default: stdout).")
@click.option("--duplicates", metavar="FILE",
              help="Append the duplicates to FILE ('-': stdout), each with the id it repeats and the similarity.")
@click.option("--window", metavar="DURATION",
              help="Items older than this expire (30d, 12h, 2w; 'none': never); kept in the index for later runs.")
@click.option("--threshold", type=click.FloatRange(0, 1), default=DEDUP_THRESHOLD, show_default=True,
              help="Estimated Jaccard similarity at which an item repeats a stored one (fixed when the index is made).")
@click.option("--batch-size", type=click.IntRange(min=1), default=BATCH_SIZE, show_default=True,
              help="Items recorded together; output appears batch by batch.")
@click.option("--stats", is_flag=True, help="Show the index's size, age range and parameters, and exit.")
@click.option("--max-errors", type=click.IntRange(min=0), default=0, show_default=True,
              help="Unreadable records allowed before the run exits 2 (the readable ones are passed on "
                   "and remembered either way).")
def dedup_command(paths: tuple[str, ...], text_field: str, id_field: str, source_field: str, strict: bool,
                  quiet: bool, config: str | None, rule_dirs: tuple[str, ...], disabled: tuple[str, ...], location: str,
                  output: str | None, duplicates: str | None, window: str | None, threshold: float,
                  batch_size: int, stats: bool, max_errors: int) -> None:
    """Pass on only the items not seen before, and remember them in INDEX.

    Reads items (JSON Lines on stdin by default, or the same inputs as scan), writes the new ones
    as JSON Lines with every field kept, and records them in the index; an item that repeats one
    seen before, in this run or an earlier one, exactly or nearly, is left out (see --duplicates).
    Items are compared on their text with leftover page text removed by the rules. Example:

        scraper | corpus-audit dedup --index feed.db --window 30d -o new.jsonl
    """
    from audit.feed.dedup import dedup, index_stats, render_stats
    from audit.read.problems import ProblemLines
    from audit.read.readers import Corpus, Fields

    if stats:
        click.echo(render_stats(index_stats(location)))
        return
    settings = settings_for(config, rule_dirs, disabled, strict=strict or None)
    fields = Fields(text=text_field, id=id_field, source=source_field)
    inputs = list(paths) or ["-"]
    report_skipped(Corpus(inputs, fields))
    shown = ProblemLines("--text-field")

    def problem(p: InputProblem) -> None:
        line = shown.add(f"{p.origin}: {p.message}")
        if line is not None:
            say(f"corpus-audit: {line}")

    progress = Progress(quiet, "items")
    try:
        done = dedup(inputs, location, settings, fields, output, duplicates, window, threshold, batch_size,
                     on_problem=problem, on_note=lambda note: say(f"corpus-audit: {note}"),
                     progress=progress)
    finally:
        progress.close()
        for line in shown.summary():
            say(f"corpus-audit: {line}")
    counts = done.counts
    say(f"corpus-audit: dedup: {counts.line()}; the index holds {plural(done.index_items, 'item')}")
    if counts.read:
        nothing_readable(counts.read - counts.errors, counts.errors)
    if counts.errors > max_errors:
        raise InputError(f"{plural(counts.errors, 'unreadable record')} (--max-errors {max_errors})")


def main() -> None:
    """Entry point of the `corpus-audit` command. It ends the process when the command is done
    (see :func:`_end`): a program that runs the command inside itself calls :data:`cli`."""
    stop = Stop()
    signal.signal(signal.SIGINT, stop.on_signal)
    signal.signal(signal.SIGTERM, stop.on_signal)
    # A run makes millions of short-lived containers (sentences, findings, summaries), next to none
    # in reference cycles, while the modules it loads hold a large graph of long-lived objects that
    # collections walk. At Python's default thresholds (700, 10, 10) the cyclic collector took
    # 0.46 s of a 7 s scan of extraction-dev; at (10000, 10, 10), 0.12 s. The command's own process
    # only (and the pool workers it forks, where processes start by fork): a program that calls the
    # library keeps its own.
    gc.set_threshold(10_000, 10, 10)
    try:
        cli(prog_name="corpus-audit", obj=stop)
    except SystemExit as done:
        _end(done.code)
        raise


def _end(code: object) -> None:
    """End the process now that the command is done, without Python's teardown, which frees the
    objects of every module one by one: numba's typing machinery alone makes that 0.2 s of every
    run (a one-document scan: 1.2 s, 1.0 s without it). Exit handlers still run first (they close
    what must be closed: a Dask cluster, logging's files); every file the command wrote is closed
    and renamed into place by then. Returns, for Python to end as usual, while other threads are
    alive (Python waits for those that are not daemons) or when `code` is not an exit status."""
    import atexit
    import threading

    if code is None:
        code = 0
    if not isinstance(code, int) or threading.active_count() > 1:
        return
    atexit._run_exitfuncs()
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:  # None: the process was started with that descriptor closed
                stream.flush()
    except (OSError, ValueError):
        return  # Python's own ending reports it, as it would have
    os._exit(code)
