"""Render a scan as Markdown (for people: GitHub, a terminal) or JSON (the stable contract).

Both are deterministic: the same input and settings give the same output, except the one line
that says when the report was generated (``SOURCE_DATE_EPOCH`` fixes that too).
"""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import chain
from typing import Any

import numpy as np

from audit.checks.figures import figures_of
from audit.records import DocumentSummary, Finding, ScanResult, Tone
from audit.report import jsontext
from audit.report.escape import cell, printable
from audit.report.json_entries import ITEM_BREAK, document_json, item
from audit.report.moments import Moments
from audit.report.rows import MAX_ROWS, Rows
from audit.report.score_figures import MEASURES, ScoreFigures, SourceScores
from audit.report.source_pairs import SourcePair, source_pairs
from audit.results import SpooledDocuments, SpooledFindings, score_figures, scored, scored_at, summaries
from audit.similarity.passage_table import PassageTable
from audit.text import language as languages
from audit.text.counts import plural
from audit.text.sentences import word_spans
from audit.version import __version__

#: Duplicates named in one cluster's cell (a mirrored page may have thousands of copies).
MAX_LISTED = 20
#: A report of at least this many lines starts with a table of contents.
MIN_CONTENTS_LINES = 400
#: Bars in a chart (the largest are drawn) and slices of a pie (the rest drawn as one).
MAX_BARS = 20
MAX_SLICES = 12


def generated_at() -> str:
    """The time the report was made (UTC), or ``SOURCE_DATE_EPOCH`` when that is set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch else datetime.now(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


#: The contract's long lists: rendered one item at a time (see :func:`json_pieces`).
LISTS = ("documents", "findings", "duplicate_pairs", "clusters", "passage_pairs")


def _fields(result: ScanResult) -> dict[str, Any]:
    """The contract's fields in order, the long lists as iterators of their items (as values)."""
    return {
        "version": __version__,
        "generated": generated_at(),
        "settings": result.settings,
        "verdict": result.verdict,
        "failures": result.failures,
        "checks": [c.to_json() for c in result.checks],
        "summary": figures_of(result),
        "documents": (document_json(d, scores) for d, scores in scored(result.documents)),
        "findings": (f.to_json() for f in result.findings),
        "duplicate_pairs": (p.to_json() for p in result.duplicate_pairs),
        "clusters": (c.to_json() for c in result.clusters),
        "passage_pairs": (p.to_json() for p in result.passage_pairs),
        "source_pairs": [g.to_json() for g in source_pairs(result)],
    }


def to_json(result: ScanResult) -> dict[str, Any]:
    """The JSON contract: see DESIGN.md."""
    return {key: list(value) if key in LISTS else value for key, value in _fields(result).items()}


def json_pieces(result: ScanResult) -> Iterator[str]:
    """The text of ``json.dumps(to_json(result), ensure_ascii=False, indent=2)`` and a newline, in
    pieces, made without the tree of the whole report: the long lists are dumped one item at a
    time and indented (a JSON string holds no raw newline). Written out as they come, a million
    documents' report never needs its whole text in memory. The documents' entries that the scan
    rendered where they were analyzed are copied as they are (:mod:`audit.report.json_entries`)."""
    yield "{"
    fields = list(_fields(result).items())
    texts = _rendered(result)
    for n, (key, value) in enumerate(fields):
        yield f"\n  {json.dumps(key)}: "
        if key in LISTS:
            first = True
            for text in texts[key] if key in texts else map(item, value):
                if text:  # a document's findings are none, or several items
                    yield ("[" if first else ",") + ITEM_BREAK + text
                    first = False
            yield "[]" if first else "\n  ]"
        else:
            yield jsontext.dumps(value, "\n  ")
        yield "," if n < len(fields) - 1 else ""
    yield "\n}\n"


def _rendered(result: ScanResult) -> dict[str, Iterable[str]]:
    """The long lists whose items the scan rendered, as their items' texts."""
    texts: dict[str, Iterable[str]] = {}
    if isinstance(result.documents, SpooledDocuments) and result.documents.rendered is not None:
        texts["documents"] = result.documents.rendered
    found = result.findings
    if isinstance(found, SpooledFindings) and found.rendered is not None:
        texts["findings"] = chain(found.rendered, (item(f.to_json()) for f in found.extra))
    return texts


def render_json(result: ScanResult) -> str:
    """The JSON report (see :func:`json_pieces`)."""
    return "".join(json_pieces(result))


def _table(header: list[str], rows: Sequence[list[Any]] | Rows, total: int | None = None) -> list[str]:
    """A Markdown table of the first MAX_ROWS rows; `total` is how many rows there are in all,
    when the caller passes only the first ones (a corpus's findings are not gathered in a list;
    :class:`Rows` are the first ones with their total)."""
    if isinstance(rows, Rows):
        rows, total = rows.rows, rows.total
    total = len(rows) if total is None else total
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(c if isinstance(c, _Escaped) else cell(c) for c in row) + " |" for row in rows[:MAX_ROWS]]
    if total > MAX_ROWS:
        out.append(f"\n… and {total - MAX_ROWS} more rows (all of them are in `--format json`).")
    return out


@dataclass
class _Found:
    """The rows of the sections that list findings, gathered in one pass over the findings a scan
    reads back from disk (those of the documents that hold the tables' rows, when it noted them)."""

    leftovers: defaultdict[str, Rows] = field(default_factory=lambda: defaultdict(Rows))
    #: Each leftover rule's message, as its first finding gives it.
    messages: dict[str, str] = field(default_factory=dict)
    quality: Rows = field(default_factory=Rows)
    encoding: Rows = field(default_factory=Rows)
    input_errors: Rows = field(default_factory=Rows)


def _found(result: ScanResult) -> _Found:
    found = _Found()
    findings = result.findings
    first = findings.first_rows if isinstance(findings, SpooledFindings) else None
    if first is not None and first.most < MAX_ROWS:  # noted for smaller tables than these
        first = None
    # A scan knows which documents hold the tables' first rows, and how many rows each table
    # has: only those documents' findings are read back (and the corpus's own, input errors).
    read = findings if first is None else chain(
        (f for i in sorted(first.documents) for f in findings.found[i]), findings.extra)
    for f in read:
        if f.kind == "boilerplate":
            found.leftovers[f.rule].add([_where(f), f.text])
            found.messages.setdefault(f.rule, f.message)
        elif f.kind == "quality":
            found.quality.add([_where(f), f.rule, f.text if f.line is not None else f.message])
        elif f.kind == "encoding":
            found.encoding.add([_where(f), f.detail["before"], f.detail["after"]])
        elif f.kind == "input-error":
            found.input_errors.add([_where(f), f.message])
    for (kind, rule), total in first.counts.items() if first is not None else ():
        _rows_of(found, kind, rule).total = total
    return found


def _rows_of(found: _Found, kind: str, rule: str) -> Rows:
    """The table of findings of a :data:`audit.report.rows.Table`."""
    if kind == "boilerplate":
        return found.leftovers[rule]
    return found.quality if kind == "quality" else found.encoding


def _where(f: Finding) -> str:
    return f"{f.document}:{f.line}" if f.line is not None else f.document


def _mean_sd(values: Moments, digits: int = 1) -> str:
    if not values.count:
        return "–"
    mean = values.mean()
    if values.count == 1:
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {values.stdev():.{digits}f}"


def render_markdown(result: ScanResult, title: str, notes: Sequence[str] = ()) -> str:
    """The report for people; `notes` are paragraphs shown under the verdict (a baseline, say)."""
    s = figures_of(result)
    out: list[str] = [f"# corpus-audit report: {cell(title)}", ""]
    if result.verdict == "pass":
        out.append("**Verdict: pass**: every threshold holds.")
    else:
        out.append("**Verdict: fail**: " + "; ".join(result.failures) + ".")
    for note in notes:
        out += ["", note]
    out += _thresholds(result)
    out += ["", "## Summary", ""]
    out += _table(["Measure", "Value"], [
        ["Documents", s["documents"]],
        ["Sources", s["sources"]],
        ["Lines (with text)", s["text_lines"]],
        ["Words (leftover page text left out; split at hyphens and full stops: U.S. is two)", s["words"]],
        ["Near-duplicate clusters", f"{s['clusters']} ({plural(s['duplicate_documents'], 'document')} beside the kept ones, "
                                    f"{s['duplicate_share']:.1%})"],
        ["Passages shared between sources", s["passage_pairs"]],
        ["Lines of leftover page text", f"{s['boilerplate_lines']} ({s['boilerplate_share']:.1%} of lines with text; "
                                        f"{plural(s['template_lines'], 'template line')})"],
        ["Whole-page dumps", s["page_dumps"]],
        ["Encoding repairs", f"{s['encoding_repairs']} in {plural(s['documents_repaired'], 'document')}"],
        ["Documents in a language the languages setting does not expect", s["other_language_documents"]],
        ["Input errors", s["input_errors"]],
    ])
    found = _found(result)
    out += _passages(result) + _clusters(result) + _boilerplate(found) + _quality(found) + _encoding(found)
    scores = _scores(result)
    out += _languages(scores.figures) + _per_source(scores) + _readability(scores) + _tone(scores) + _input_errors(found) + _settings(result)
    return "\n".join(_with_contents(out)) + "\n"


def _with_contents(out: list[str]) -> list[str]:
    """The report with a table of contents (its sections, linked) before the first section, when
    it is longer than a screenful or two; lines inside code blocks are not headings."""
    if len(out) < MIN_CONTENTS_LINES:
        return out
    headings, fenced = [], False
    for n, line in enumerate(out):
        fenced ^= line.startswith("```")
        if not fenced and line.startswith("## "):
            headings.append((n, line[3:]))
    first = headings[0][0]
    contents = ["## Contents", ""] + [f"- [{title}](#{anchor(title)})" for _, title in headings] + [""]
    return out[:first] + contents + out[first:]


def anchor(heading: str) -> str:
    """The link GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens.

    >>> anchor("Readability and tone per source"), anchor("Leftover page text: by rule")
    ('readability-and-tone-per-source', 'leftover-page-text-by-rule')
    """
    kept = "".join(c for c in heading.lower() if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")


def _thresholds(result: ScanResult) -> list[str]:
    if not result.checks:
        return []
    outcome = {True: "holds", False: "**fails**"}
    return ["", "## Thresholds", ""] + _table(
        ["Threshold", "Measured", "Limit", "Result"],
        [[c.name, c.shown, c.shown_limit, "off" if c.off else outcome[c.passed]] for c in result.checks])


def mermaid_label(text: str) -> str:
    """Text made safe inside a quoted Mermaid label.

    >>> mermaid_label('say "hi"\\nthere')
    "say 'hi' there"
    """
    return printable(" ".join(str(text).replace('"', "'").split()))


def _bar_chart(title: str, y_label: str, bars: list[tuple[str, float]]) -> list[str]:
    """A Mermaid bar chart (GitHub renders it); at most MAX_BARS bars, the largest kept."""
    shown = sorted(bars, key=lambda b: (-b[1], b[0]))[:MAX_BARS]
    top = max((v for _, v in shown), default=0) or 1
    out = ["```mermaid", "xychart-beta", f'    title "{mermaid_label(title)}"',
           "    x-axis [" + ", ".join(f'"{mermaid_label(k)}"' for k, _ in shown) + "]",
           f'    y-axis "{mermaid_label(y_label)}" 0 --> {top:g}',
           "    bar [" + ", ".join(f"{v:g}" for _, v in shown) + "]", "```"]
    if len(bars) > MAX_BARS:
        out.append(f"\nThe {MAX_BARS} largest of {len(bars)} are drawn.")
    return out


def _pie_chart(title: str, slices: list[tuple[str, int]]) -> list[str]:
    """A Mermaid pie chart; slices past MAX_SLICES are drawn as one "other" slice."""
    ranked = sorted(slices, key=lambda kv: (-kv[1], kv[0]))
    shown, rest = ranked[:MAX_SLICES], ranked[MAX_SLICES:]
    if rest:
        shown.append((f"{len(rest)} other", sum(v for _, v in rest)))
    return (["```mermaid", f"pie showData title {mermaid_label(title)}"]
            + [f'    "{mermaid_label(k)}" : {v}' for k, v in shown] + ["```"])


def duplicate_share_by_source(result: ScanResult) -> dict[str, float]:
    """Per source, the share of its documents that are near-duplicates beside a kept one."""
    # The members a cluster does not keep: each has one finding of kind duplicate.
    duplicates = {m for c in result.clusters for m in c.members if m != c.kept}
    totals: Counter[str] = Counter()
    dups: Counter[str] = Counter()
    for d in summaries(result.documents):
        totals[d.source] += 1
        dups[d.source] += d.id in duplicates
    return {src: round(dups[src] / n, 4) for src, n in sorted(totals.items())}


def _passages(result: ScanResult) -> list[str]:
    out = ["", "## Passages shared between sources", ""]
    if not result.passage_pairs:
        return out + ["None found."]
    groups = source_pairs(result)
    out += ["Who reuses whom: a source that published the shared passages later (by the documents' "
            "`date`, where both have one) reuses the other. Words shared: the words of the shared "
            "passages on each side, and their share of all that source's words.", ""]
    out += _table(["Source A", "Source B", "Shared passages", "Documents (A / B)", "Words shared (A / B)",
                   "Who reuses whom"],
                  [[g.a, g.b, len(g.passages), f"{len(g.documents[0])} / {len(g.documents[1])}",
                    f"{g.words[0]} ({g.shares[0]:.1%}) / {g.words[1]} ({g.shares[1]:.1%})", _direction(g)]
                   for g in groups])
    cluster_of = {m: i for i, c in enumerate(result.clusters) for m in c.members}
    # Where each document is, for the copies' sake: its cluster, else itself (a negative number
    # for its id). The groups' tables share one list of documents (source_pairs takes them out of
    # one table): it is placed once.
    places: dict[int, np.ndarray] = {}
    for g in groups:
        out += ["", f"### {cell(g.a)} and {cell(g.b)}", ""]
        documents = g.passages.documents
        if id(documents) not in places:
            own: dict[str, int] = {}
            places[id(documents)] = np.array([cluster_of.get(d, own.setdefault(d, -1 - len(own))) for d in documents],
                                             dtype=np.int64)
        order, bounds = _same_passages(g.passages, places[id(documents)])
        for start, end in zip(bounds[:MAX_ROWS], bounds[1:MAX_ROWS + 1]):
            row, *copies = order[start:end].tolist()
            p = g.passages[row]
            out += _table([cell(f"{p.a.document}:{_lines(p.a.lines)}"), cell(f"{p.b.document}:{_lines(p.b.lines)}")],
                          [[p.a.text, p.b.text]])
            out += [f"\nSimilarity {p.similarity:.2f} (Jaccard of word 3-grams)."]
            if copies:
                out += [f"The same passage in {plural(len(copies), 'more pair')} of copies (near-duplicates of "
                        "these documents): " + "; ".join(
                            f"{cell(c.a.document)}:{_lines(c.a.lines)} and {cell(c.b.document)}:{_lines(c.b.lines)}"
                            for c in map(g.passages.__getitem__, copies[:MAX_LISTED]))
                        + (f"; … and {len(copies) - MAX_LISTED} more" if len(copies) > MAX_LISTED else "") + "."]
            out += [""]
        if len(bounds) - 1 > MAX_ROWS:
            out.append(f"… and {len(bounds) - 1 - MAX_ROWS} more passages (all of them are in `--format json`).")
    return out


def _same_passages(pairs: PassageTable, place: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """The passage pairs (rows of `pairs`) with those that repeat one passage between copies of
    the same documents gathered under the first: the rows in that order, and where each
    gathering starts (and the last ends). A gathering's first row is shown, the rest are its
    copies, in order.

    A pair is a copy when its documents are in the same places (`place` of each document of the
    table: its near-duplicate cluster, or itself) as an earlier pair's, and its text on one side
    is that pair's (case and spacing aside: the spans' folded digests): it joins the first pair
    that had its side ``a``'s place and text, else its side ``b``'s, as read in order. Those are
    found by sorting, not one pair at a time."""
    rows = np.arange(len(pairs))
    where = place[pairs.doc]
    parent = rows.copy()
    for side in (1, 0):  # side a's earlier pair wins: written last
        _, first, inverse = np.unique(np.concatenate([where, pairs.folded[:, side].view(np.int64)], axis=1), axis=0,
                                      return_index=True, return_inverse=True)
        earlier = first[inverse.ravel()]
        parent = np.where(earlier < rows, earlier, parent)
    # Each pair's first: its parent is an earlier pair, and each round doubles how far a pair
    # looks up its chain, so a chain of k pairs takes about log2(k) rounds.
    while not np.array_equal(grand := parent[parent], parent):
        parent = grand
    order = np.lexsort((rows, parent))
    # Bounds, not a list of arrays: np.split of the planted corpus's 11,582 pairs took 26 ms, and
    # the report shows a few gatherings of each pair of sources.
    return order, [0, *(np.flatnonzero(np.diff(parent[order])) + 1).tolist(), len(order)]


def _direction(g: SourcePair) -> str:
    dated = sum(g.first)
    if not dated:
        return "unknown (no dates)"
    if g.reuser is None:
        return f"mixed ({g.a} first in {g.first[0]}, {g.b} first in {g.first[1]} of {dated} dated)"
    earlier = g.b if g.reuser == g.a else g.a
    return f"{g.reuser} reuses {earlier} ({max(g.first)} of {dated} dated pairs)"


def _lines(lines: tuple[int, int]) -> str:
    return str(lines[0]) if lines[0] == lines[1] else f"{lines[0]}-{lines[1]}"


def _clusters(result: ScanResult) -> list[str]:
    out = ["", "## Near-duplicate documents", ""]
    if not result.clusters:
        return out + ["None found."]
    shares = duplicate_share_by_source(result)
    if any(shares.values()):
        out += _bar_chart("Near-duplicates per source (% of its documents)", "% of documents",
                          [(src, round(100 * v, 1)) for src, v in shares.items()]) + [""]
    out += ["Clusters of documents that are near-duplicates (Jaccard similarity of word 5-grams) or "
            "where one contains the other (the share of the smaller one's 5-grams found in the "
            "larger: an article inside a whole-page dump). One member of each is kept. Its weakest "
            "links: the lowest Jaccard similarity among its near-duplicate pairs, and the lowest "
            "containment among its pairs where one document is inside the other (– where it has none).", ""]
    rows = []
    for c in result.clusters:
        others = []
        links = c.links()
        for m in c.members:
            if m != c.kept:
                pair, other, relation = links[m]
                if pair is None:
                    others.append(m)
                    continue
                how = {"near-duplicate": f"near-duplicate of {other}, {pair.similarity:.2f}",
                       "contained": f"contained in {other}, {pair.containment:.0%}",
                       "contains": f"contains {other}, {pair.containment:.0%}"}[relation]
                others.append(f"{m} ({how})")
        if len(others) > MAX_LISTED:
            others = others[:MAX_LISTED] + [f"… and {len(others) - MAX_LISTED} more (the JSON report lists all)"]
        rows.append([c.kept, c.reason, "; ".join(others), "–" if c.jaccard is None else f"{c.jaccard:.2f}",
                     "–" if c.containment is None else f"{c.containment:.0%}"])
    return out + _table(["Kept", "Why", "Duplicates", "Lowest Jaccard", "Lowest containment"], rows)


def _boilerplate(found: _Found) -> list[str]:
    out = ["", "## Leftover page text", ""]
    by_rule, message = found.leftovers, found.messages
    if not by_rule:
        return out + ["None found."]
    if len(by_rule) > 1:
        out += _pie_chart("Flagged lines per rule", [(rule, rows.total) for rule, rows in by_rule.items()]) + [""]
    out += _table(["Rule", "Lines", "Message"],
                  [[rule, rows.total, message[rule]]
                   for rule, rows in sorted(by_rule.items(), key=lambda kv: (-kv[1].total, kv[0]))])
    for rule, rows in sorted(by_rule.items()):
        out += ["", f"### {cell(rule)}", ""]
        out += _table(["Where", "Line"], rows)
    return out


def _quality(found: _Found) -> list[str]:
    out = ["", "## Line quality", ""]
    if not found.quality.total:
        return out + ["Nothing to report."]
    out += ["Signals of poor text that are not counted as leftover page text (articles print them "
            "too), and documents that are whole-page dumps.", ""]
    return out + _table(["Where", "Signal", "Line or finding"], found.quality)


def _encoding(found: _Found) -> list[str]:
    out = ["", "## Encoding repairs", ""]
    if not found.encoding.total:
        return out + ["None needed."]
    return out + _table(["Where", "Before", "After"], found.encoding)


#: How the readability and tone scores were validated (bench/RESULTS.md has the runs).
VALIDATION = (
    "Validated on labelled news (bench/RESULTS.md): on OneStopEnglish articles rewritten at three "
    "levels, `grade` orders {pairs} of each article's level pairs correctly and has Spearman "
    "{rho} with the level across all articles (textstat Flesch-Kincaid: 0.578); on BABE "
    "sentences labelled for loaded wording, the tone score has ROC AUC {auc} ({auc_within} "
    "within each outlet; VADER 0.516), and {p3} of the first three evidence words named are "
    "words the annotators marked (VADER 0.171)."
).format(pairs="0.993", rho="0.716", auc="0.757", auc_within="0.705", p3="0.345")


@dataclass
class _Scores:
    """What the languages, readability and tone sections show: the figures the scan counted, and
    the most loaded documents with their tone, read back."""

    figures: ScoreFigures
    #: The per-document readability table: the scored documents' rows, then those not scored
    #: for their language (when readability is on).
    readability: Rows
    loaded: list[tuple[DocumentSummary, Tone]]


def _scores(result: ScanResult) -> _Scores:
    figures = score_figures(result.documents)
    rows = Rows(list(figures.readability.rows), figures.readability.total)
    if result.settings.get("readability"):
        rows.add_run(Rows([[id, _Escaped(f"not scored: language {cell(language)}")] + [""] * 7
                           for id, language in figures.unscored.rows], figures.unscored.total))
    loaded = []
    for i in figures.most_loaded():
        d, (_, tone) = scored_at(result.documents, i)
        assert tone is not None  # only documents with a tone are counted as loaded
        loaded.append((d, tone))
    return _Scores(figures, rows, loaded)


def _languages(figures: ScoreFigures) -> list[str]:
    out = ["", "## Languages", ""]
    if not figures.languages:
        return out + ["No documents."]
    out += [f"Documents per language (ISO 639-1; `{languages.UNDETERMINED}`: too little text to tell), "
            "identified by py3langid. Readability and tone are scored only for English (and `und`): "
            "their formulas and word lists are English.", ""]
    return out + _table(["Source", "Documents", "Languages (documents)"], [
        [src, sum(counts.values()), ", ".join(f"{lang} {n}" for lang, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))]
        for src, counts in sorted(figures.languages.items())])


def _per_source(scores: _Scores) -> list[str]:
    out = ["", "## Readability and tone per source", ""]
    sources = _sources(scores)
    if not sources:
        return out + ["Not computed."]
    out += ["Mean ± standard deviation over each source's documents. Grade is a US school grade "
            "(higher = harder); tone is 0 (neutral) to 1 (loaded wording); a sentence is loaded "
            "when its tone reaches the `min_loaded_sentence` setting.", ""]
    rows = []
    for src, sc in sources.items():
        rows.append([src, sc.documents, _mean_sd(sc.series["grade"]), _mean_sd(sc.series["flesch_reading_ease"]),
                     _mean_sd(sc.series["tone"], 2), _mean_sd(sc.series["loaded_share"], 2),
                     ", ".join(w for w, _ in Counter(sc.evidence).most_common(6))])
    out += _table(["Source", "Documents scored", "Grade", "Flesch reading ease", "Tone", "Loaded sentences (share)",
                   "Top evidence words"], rows)
    out += _charts(sources)
    return out + ["", VALIDATION]


def _sources(scores: _Scores) -> dict[str, SourceScores]:
    """The sources with some document scored, by name."""
    return dict(sorted(scores.figures.sources.items()))


def _charts(sources: dict[str, SourceScores]) -> list[str]:
    grade = [(src, round(sc.series["grade"].mean() if sc.series["grade"] else 0.0, 1)) for src, sc in sources.items()]
    tone = [(src, round(sc.series["tone"].mean() if sc.series["tone"] else 0.0, 2)) for src, sc in sources.items()]
    return (["", *_bar_chart("Mean readability grade per source", "Grade", grade),
             "", *_bar_chart("Mean tone per source (0 neutral, 1 loaded)", "Tone", tone)])


def _readability(scores: _Scores) -> list[str]:
    out = ["", "## Readability", ""]
    if not scores.readability.total:
        return out + ["Not computed."]
    out += ["Grade = 0.39 × root-mean-square sentence length + 0.22 × percent of rare words − 1.3 "
            "(see `audit/readability.py`); the other five are textstat's formulas, counted on the same "
            "sentences and words. Per source (mean ± standard deviation):", ""]
    out += _table(["Source", "Documents scored", "Grade", "Flesch reading ease", "Flesch-Kincaid", "Gunning fog", "SMOG", "Dale-Chall"], [
        [src, len(sc.series["grade"])] + [_mean_sd(sc.series[m]) for m in MEASURES]
        for src, sc in _sources(scores).items() if sc.series["grade"]
    ])
    out += ["", "Per document:", ""]
    return out + _table(
        ["Document", "Words (as the formulas count them: U.S. is one)", "Sentences", "Grade", "Flesch reading ease", "Flesch-Kincaid", "Gunning fog", "SMOG", "Dale-Chall"],
        scores.readability)


def _tone(scores: _Scores) -> list[str]:
    out = ["", "## Tone", ""]
    if not scores.figures.toned:
        return out + ["Not computed."]
    out += ["Each sentence is scored from 0 (neutral) to 1 (loaded) by the signals in `rules/tone/` "
            "(framing verbs, loaded labels, words of judgement, intensifiers, boosters, hedges, "
            "subjective and unusual words, scare quotes, exclamations, rhetorical questions); "
            "speech the outlet quotes counts at the `quoted_weight` setting. A document's score is "
            "the mean over its sentences. Most loaded first:", ""]
    out += _table(["Document", "Score", "Loaded sentences", "Quoted words (share)", "Evidence words"], [
        [d.id, f"{t.score:.2f}", f"{t.signals['loaded_sentences']} of {t.signals['sentences']}",
         f"{t.signals.get('quoted_share', 0.0):.0%}", ", ".join(t.evidence)] for d, t in scores.loaded
    ], scores.figures.toned)
    for d, t in scores.loaded:
        if t.sentences:
            out += ["", f"Most loaded sentences of {cell(d.id)} (evidence in bold):", ""]
            out += _table(["Line", "Score", "Sentence"],
                          [[s.line, f"{s.score:.2f}", _bold(s.text, s.evidence)] for s in
                           sorted(t.sentences, key=lambda s: (-s.score, s.line))])
    return out


class _Escaped(str):
    """Text already made safe for a table cell (it may hold Markdown such as bold)."""


def _bold(text: str, evidence: list[str]) -> _Escaped:
    """A sentence made safe for a table cell, with its evidence words in bold.

    >>> _bold("He slammed the *plan* | again", ["slammed"])
    'He **slammed** the \\\\*plan\\\\* \\\\| again'
    """
    marked = set(evidence)
    pieces: list[str] = []
    at = 0
    # The text between evidence words is escaped a run at a time, not a word at a time: escaping
    # changes characters one by one, and the two-character line end it knows ("\r\n") never
    # holds a word's edge.
    for start, end, word in word_spans(text):
        if word in marked:
            pieces += [_escape(text[at:start]), f"**{_escape(text[start:end])}**"]
            at = end
    pieces.append(_escape(text[at:]))
    return _Escaped("".join(pieces))


def _escape(text: str) -> str:
    return cell(text).replace("*", "\\*").replace("_", "\\_")


def _input_errors(found: _Found) -> list[str]:
    out = ["", "## Input errors", ""]
    if not found.input_errors.total:
        return out + ["None."]
    return out + _table(["Where", "Problem"], found.input_errors)


def _settings(result: ScanResult) -> list[str]:
    return ["", "## Settings", "", "```json", json.dumps(result.settings, indent=2, sort_keys=True), "```", "",
            f"Generated {generated_at()} by corpus-audit version {__version__}."]
