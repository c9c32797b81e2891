"""The main job: read a corpus, analyze each document, run the corpus pass, judge the result.

The engine (:mod:`audit.engines`) runs the per-document work and gives the summaries; the
corpus pass then works on the summaries (near-duplicates, then template lines, counted with
copies of one text as one document) and reads the compared lines the analysis kept (spooled
here, or where the engine made them) only of the documents whose candidate duplicates it
verifies or whose template lines it reports: no document is prepared twice.
"""

from __future__ import annotations

import pickle
from array import array
from collections.abc import Callable, Iterator, Sequence
from functools import partial

from audit.analyze import Analyzer
from audit.checks.figures import Tally
from audit.checks.thresholds import decide
from audit.engines.base import Engine, engine_for
from audit.engines.blocks import Block
from audit.engines.local import CopyFinder, TemplateCounter, local_copies, local_templates
from audit.lines.rules import load_rules
from audit.lines.statistics import SIGNALS
from audit.lines.templates import TemplateInput
from audit.progress import stage
from audit.read.readers import Corpus, Fields
from audit.read.sources import Source, opened
from audit.read.spool import Closing, Patched, Pickles, Spool
from audit.records import Cluster, DocumentSummary, Finding, ScanResult, Scores
from audit.report.json_entries import entries, spliced
from audit.report.rows import FirstRows
from audit.report.score_figures import ScoreFigures
from audit.results import SpooledDocuments, SpooledFindings
from audit.settings import ScanSettings
from audit.similarity.cluster import copy_groups
from audit.similarity.duplicates import Loader, find_duplicates
from audit.similarity.keystore import PassageKeys


def duplicate_findings(cluster: Cluster) -> list[Finding]:
    """One finding per member a cluster does not keep, naming the kept one and the closest match."""
    out = []
    links = cluster.links()
    for member in cluster.members:
        if member == cluster.kept:
            continue
        pair, other, relation = links[member]
        if pair is None:
            how = f"near-duplicate of {other}"
        else:
            how = {"near-duplicate": f"near-duplicate of {other} (Jaccard {pair.similarity:.2f})",
                   "contained": f"contained in {other} ({pair.containment:.0%} of its shingles)",
                   "contains": f"contains {other} ({pair.containment:.0%} of that one's shingles)"}[relation]
        keeps = "" if other == cluster.kept else f"; its cluster keeps {cluster.kept}"
        out.append(Finding(member, "duplicate", "duplicate.document", "warning",
                           f"Duplicate: {how}{keeps} (kept: {cluster.reason})",
                           detail={"duplicate_of": cluster.kept, "matched": other, "relation": relation}))
    return out


#: The :data:`~audit.lines.templates.TemplateInput` a scan keeps on disk of a summary that came
#: without its line keys (template lines switched off, or the keys kept where it was made).
NO_TEMPLATE_INPUT: TemplateInput = (None, frozenset())
#: As spooled, pickled once: every summary of a Dask scan comes without its line keys.
_NO_TEMPLATE_INPUT_PICKLED = pickle.dumps(NO_TEMPLATE_INPUT, protocol=pickle.HIGHEST_PROTOCOL)


def template_findings(summaries: list[DocumentSummary], inputs: Sequence[TemplateInput], clusters: list[list[int]],
                      settings: ScanSettings, load: Loader,
                      count: TemplateCounter = local_templates, copies: CopyFinder = local_copies,
                      on_stage: Callable[[str, int | None], Callable[[int], None]] = partial(stage, None),
                      ) -> Iterator[tuple[int, list[Finding]]]:
    """The findings of each document's template lines that no rule or statistic claimed, as
    (document index, findings in line order), in document order, for the documents that have any.

    Template lines are counted over the corpus (see :mod:`audit.lines.templates`), the members
    of each near-duplicate cluster (`clusters`, by index) as copies of one text; `copies` pairs
    the documents that are copies by their prose lines and `count` counts the lines and finds
    each document's (each where the engine keeps the keys: locally `inputs`, read twice, one
    document at a time). `load` gives the lines of the documents that have template lines: a
    template line is one no rule or statistic claimed, so it is never blanked there, and its text
    is read from there. `on_stage` hears each step as it begins, and gives what to call with the
    documents done.
    """
    signal = SIGNALS["lines.template"]
    minimum = settings.lines.min_template_documents
    if not settings.lines.enabled or minimum is None or signal.id in settings.disabled_rules:
        return
    group = copy_groups(len(summaries), copies(summaries, settings.lines.min_copy_share), clusters)
    on_stage("template lines: counting", None)
    found = dict(count(summaries, inputs, group, minimum))
    done = on_stage("template lines: findings", len(found))
    loaded = iter(load(set(found)))
    # The loader reads in corpus order, which is the documents' order; any other order is waited for.
    waiting: dict[int, list[str]] = {}
    for k, i in enumerate(found, start=1):  # in document order, as they were found
        while i not in waiting and (item := next(loaded, None)) is not None:
            j, lines = item
            waiting[j] = [lines[line - 1] for line, _ in found[j]]
        # A document the loader no longer finds (its file changed meanwhile) keeps what it had.
        s = summaries[i]
        added = [Finding(s.id, signal.kind, signal.id, signal.severity,
                         f"{signal.message} ({n} documents of {s.source})", line=line,
                         text=text, detail={"action": settings.lines.action, "documents": n})
                 for (line, n), text in zip(found[i], waiting.pop(i, []))]
        if added:
            yield i, added
        done(k)


class RenderedEntries(Closing):
    """The documents' entries in the JSON report as their summaries came (see
    :attr:`audit.records.Packed.json`), on disk: their items in ``documents``, and their findings'
    items, which the template findings replace for the documents that have some."""

    def __init__(self) -> None:
        self.documents: Spool[str] = Spool()
        self._findings: Spool[str] = Spool()
        self.findings = Patched(self._findings)

    def append(self, block: Block) -> None:
        if block.entries is None:
            raise ValueError("a block of summaries was packed without their entries in the JSON report")
        self.documents.append_pickles(block.entries[0])
        self._findings.append_pickles(block.entries[1])

    def close(self) -> None:
        self.documents.close()
        self.findings.close()


def scan(source: Source, settings: ScanSettings | None = None, fields: Fields | None = None,
         progress: Callable[[int], None] | None = None, name: str | None = None,
         json_report: bool = False) -> ScanResult:
    """Audit a corpus: paths (folders, files, globs, URLs, "-" for JSON Lines on stdin), or
    records in memory (dicts, :class:`~audit.records.Document`, a pandas DataFrame or Series, a
    ``datasets.Dataset``), which the report calls `name` (:mod:`audit.read.sources`).

    `progress`, when given, is called with the number of documents analyzed so far, as each block
    of them is (a block of :data:`audit.engines.local.BLOCK_SIZE` here, a part on Dask); one with a
    ``stage`` method is told the stages of the corpus pass too (:mod:`audit.progress`).
    `json_report` says the caller will write the JSON report: each document's entries in it are
    then rendered where the document is analyzed (see :mod:`audit.report.json_entries`).
    """
    with opened(source, fields, name) as corpus:
        return scan_corpus(corpus, settings or ScanSettings(), progress, json_report=json_report)


def scan_corpus(corpus: Corpus, settings: ScanSettings, progress: Callable[[int], None] | None = None,
                engine: Engine | None = None, json_report: bool = False) -> ScanResult:
    """Audit an open corpus (which the caller may read again afterwards, as `clean` does).

    `engine`, when given, is the caller's to close (``clean`` goes on using the cluster);
    otherwise the settings' engine is started for this scan and closed after it. `json_report`
    is as :func:`scan` takes it.
    """
    rules = load_rules(settings.rule_dirs, settings.disabled_rules, known=SIGNALS)
    own = engine is None
    engine = engine or engine_for(settings)
    analyzer = Analyzer(settings, rules, keep_compared=True, render=entries if json_report else None)
    # Each document's findings are written once; the template findings then replace those of the
    # documents that have some (`final`), and the rest are not written again. So are its scores
    # (`scores`, never replaced), and its entries in the JSON report, when rendered: its item in
    # `documents` and its findings' items.
    found: Spool[list[Finding]] = Spool()
    final = Patched(found)
    scores: Spool[Scores] = Spool()
    rendered = RenderedEntries() if json_report else None
    try:
        problems: list[Finding] = []
        summaries: list[DocumentSummary] = []
        sources: dict[str, str] = {}
        counts = array("q")  # findings per document
        tally = Tally()  # the figures, counted here: the details are not read back for them
        first_rows = FirstRows()  # and what the Markdown report reads back of them
        figures = ScoreFigures()  # and what it shows of the languages, readability and tone
        with PassageKeys(settings.similarity.passage_bands) as passage_keys, Spool[TemplateInput]() as inputs, \
                Spool[list[str]]() as compared:
            for block in engine.blocks(corpus, analyzer, problems):
                # What only the report needs came packed, and goes to disk as it came, a block in
                # one write, its figures counted where it was made; the passages' keys go to disk
                # too: they are most of a summary's bytes. A million summaries stay in memory for
                # the corpus pass. (An engine that keeps them where the summary was made sends
                # none, nor compared lines, nor line keys.)
                found.append_pickles(block.findings)
                scores.append_pickles(block.scores)
                if rendered is not None:
                    rendered.append(block)
                counts.extend(block.counts.tolist())
                tally.add(block.tally)
                first_rows.add_run(block.rows, len(summaries))
                figures.add_run(block.scored, len(summaries))
                if block.claimed is None:  # no summary of the block has line keys
                    inputs.append_pickles(Pickles.repeated(_NO_TEMPLATE_INPUT_PICKLED, len(block)))
                for k, summary in enumerate(block.summaries):
                    if summary.passage_keys is not None:
                        passage_keys.add(len(summaries), summary.passage_keys)
                        summary.passage_keys = None
                    if block.claimed is not None:
                        inputs.append(NO_TEMPLATE_INPUT if summary.line_keys is None
                                      else (summary.line_keys, block.claimed[k]))
                        summary.line_keys = None
                    if summary.compared is not None:
                        compared.append(summary.compared)
                        summary.compared = None
                    summary.source = sources.setdefault(summary.source, summary.source)
                    summaries.append(summary)
                if progress is not None:
                    progress(len(summaries))
            load = engine.loader(compared)
            duplicates = find_duplicates(summaries, settings.similarity, load, passage_keys,
                                         engine.comparer(load, summaries), engine.candidates,
                                         on_stage=partial(stage, progress))
            for i, added in template_findings(summaries, inputs, duplicates.members, settings, load,
                                              engine.templates, engine.copies, partial(stage, progress)):
                joined = final[i] + added
                order = sorted(range(len(joined)), key=lambda k: joined[k].order())
                final[i] = [joined[k] for k in order]
                if rendered is not None:
                    rendered.findings[i] = spliced(rendered.findings[i], added, order)
                counts[i] += len(added)
                tally.findings(added)
                first_rows.add(i, [f.kind for f in added], [f.rule for f in added])
    except BaseException:
        final.close()
        scores.close()
        if rendered is not None:
            rendered.close()
        raise
    finally:
        if own:
            engine.close()
    extra = [f for cluster in duplicates.clusters for f in duplicate_findings(cluster)] + problems
    result = ScanResult(
        settings=settings.to_dict(),
        documents=SpooledDocuments(summaries, final, scores, None if rendered is None else rendered.documents, figures),
        findings=SpooledFindings(final, counts, extra, None if rendered is None else rendered.findings, first_rows),
        duplicate_pairs=duplicates.pairs,
        clusters=duplicates.clusters,
        passage_pairs=duplicates.passage_pairs,
        input_errors=len(problems),
        records=len(summaries) + len(problems),
    )
    tally.findings(extra)
    decide(result, settings.thresholds, tally)
    return result
