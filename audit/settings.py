"""Settings of a scan, one dataclass per stage, each field with its default and a line of docs.

Every setting is written into the report, so a report says exactly how it was made.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from audit.errors import ConfigError
from audit.records import SEVERITIES

KEEP_POLICIES = ("longest", "earliest", "cleanest")
#: What `clean` does with a flagged line: remove it, or leave it (it is still reported).
ACTIONS = ("flag", "strip")


@dataclass(frozen=True)
class SimilaritySettings:
    """Near-duplicate detection between documents and between passages.

    The defaults were chosen by measurement (``bench/quality.py``, figures in bench/RESULTS.md):
    on the extraction benchmark (the versions of one article by ten extraction tools, whole-page
    dumps among them) clusters reach pair precision 1.000 and recall 0.985, against 0.999 and
    0.888 for document-level datasketch MinHash alone at Jaccard 0.3.
    """

    #: Words per shingle for whole documents (4, 5 and 6 measure within 0.002 of each other on the
    #: extraction benchmark; 5 keeps copies edited at 10% above the Jaccard threshold).
    shingle_size: int = 5
    #: Words per shingle for passages (shorter units need shorter shingles).
    passage_shingle_size: int = 3
    #: MinHash permutations per signature (128: bands x rows below must use them all or fewer).
    num_perm: int = 128
    #: Seed of the permutations (signatures of different seeds cannot be compared).
    seed: int = 1
    #: LSH bands over the document signatures; each band is `document_rows` values. 37 x 3 is
    #: datasketch's optimum for Jaccard 0.3 and 128 permutations: a pair at 0.3 is a candidate
    #: with probability 0.63, at 0.4 0.91, at 0.5 0.99.
    document_bands: int = 37
    #: Signature values per band for documents.
    document_rows: int = 3
    #: Verified Jaccard similarity of word shingles needed for two documents to be near-duplicates.
    min_document_similarity: float = 0.3
    #: Verified containment (share of the smaller document's shingles found in the larger) needed
    #: for one document to count as contained in another: an article inside a whole-page dump
    #: (0.5: extractors keep or drop captions and teasers, so a version is rarely all inside).
    min_containment: float = 0.5
    #: The smaller document needs this many words for containment to count (a cookie notice or a
    #: footer is "contained" in every page of its site).
    min_containment_words: int = 50
    #: One shingle in this many is an anchor (those whose hash it divides): the sample that finds
    #: containment candidates. Smaller finds shorter contained texts, at more memory per document.
    anchor_every: int = 8
    #: Anchors found in more documents than this are template text, not evidence of copying.
    max_anchor_documents: int = 100
    #: Two groups of documents join into one cluster only when at least this share of the pairs
    #: between them are verified duplicates: one page that shares its site's furniture with
    #: another page does not chain two stories together (1.0 would ask for complete clusters).
    min_link_share: float = 0.1
    #: LSH bands over passage signatures, and values per band (datasketch's optimum for 0.5).
    passage_bands: int = 25
    #: Signature values per band for passages.
    passage_rows: int = 5
    #: Verified Jaccard needed for two passages to be the same passage.
    min_passage_similarity: float = 0.5
    #: Passages shorter than this many words are not compared (too common to mean anything).
    min_passage_words: int = 12
    #: A paragraph of more sentences than this is also compared as windows of sentences.
    max_paragraph_sentences: int = 3
    #: Sentences per window inside a long paragraph.
    window_sentences: int = 2
    #: Which member of a cluster is kept: longest, earliest (first read) or cleanest (fewest flagged
    #: lines per line of text, among members of at least half the cluster's lower median length,
    #: passing over a member that contains another; then the longest). Cleanest is the default
    #: because a cluster often holds an article and the whole-page dump that contains it, and
    #: longest would keep the dump.
    keep: str = "cleanest"

    def __post_init__(self) -> None:
        if self.keep not in KEEP_POLICIES:
            raise ConfigError(f"keep: {self.keep!r} is not one of {', '.join(KEEP_POLICIES)}")
        for key in ("shingle_size", "passage_shingle_size"):
            if getattr(self, key) < 1:
                raise ConfigError(f"'similarity.{key.replace('_', '-')}' must be at least 1 word, not {getattr(self, key)}")
        for name in ("document", "passage"):
            bands, rows = getattr(self, f"{name}_bands"), getattr(self, f"{name}_rows")
            if bands < 1 or rows < 1 or bands * rows > self.num_perm:
                raise ConfigError(f"{name}_bands x {name}_rows must be at least 1 and at most num_perm "
                                  f"({bands} x {rows} > {self.num_perm})")


def limit(default: Any, doc: str, **metadata: Any) -> Any:
    """A threshold field: its default and its line of docs (read by ``--help`` and the docs test)."""
    return field(default=default, metadata={"doc": doc, **metadata})


@dataclass(frozen=True)
class LineSettings:
    """Line statistics: leftover page text that no rule names, found from how lines look in context.

    A document is cut into paragraphs (a line, or the lines of one paragraph when the text is hard
    wrapped) and each is classed by the signals of the C4, Gopher and FineWeb line filters: terminal
    punctuation, very short lines, the share of letters (against digits and symbols), links and
    URLs, table rows. The main text is the stretch of paragraphs where prose outweighs the rest
    (the body-text-extraction idea of Finn et al., 2001). A document with many menu-like lines
    outside its main text is a whole-page dump, and those lines are flagged; link lists are flagged
    anywhere. Template lines are lines repeated verbatim in several documents of one source.
    Each field's ``doc`` metadata is its line of documentation, as for the thresholds.
    """

    enabled: bool = limit(True, "Line statistics on (false: only the rules flag lines).")
    action: str = limit("strip", "What clean does with the lines the statistics flag as leftover page text: strip or flag.",
                        choices=ACTIONS)
    min_prose_words: int = limit(10, "A paragraph of at least this many words that ends in terminal punctuation is prose.")
    min_unpunctuated_prose_words: int = limit(
        25, "A paragraph of at least this many words is prose even without terminal punctuation.")
    max_short_words: int = limit(4, "A paragraph of at most this many words is short: a menu item, a label, a counter.")
    min_link_share: float = limit(
        0.5, "A paragraph (not prose) with at least this share of its characters in links or URLs is a link list.")
    min_letter_share: float = limit(
        0.5, "A paragraph with less than this share of letters among its visible characters is digits and symbols.")
    max_wrap_width: int = limit(120, "Hard-wrapped text: its longest line is at most this many characters ...")
    min_wrap_share: float = limit(0.25, "... and at least this share of its lines come within wrap-tolerance of it.")
    wrap_tolerance: int = limit(12, "Characters short of the longest line that still count as a full, wrapped line.")
    max_prose_credit: int = limit(60, "Main text: a prose paragraph counts for its words, up to this many.")
    short_penalty: int = limit(8, "Main text: what a short or digits-and-symbols paragraph counts against it.")
    middling_penalty: int = limit(2, "Main text: what any other paragraph that is not prose (a title, a caption) counts against it.")
    claimed_penalty: int = limit(30, "Main text: what a paragraph a rule flagged (a timestamp, a share bar) counts against it.")
    min_page_menu_lines: int = limit(
        20, "Whole-page dump: at least this many menu-like lines (short, or digits and symbols, unless they hold a figure such as 28.7%; or list items that end no sentence) outside the main text ...")
    min_page_menu_share: float = limit(0.5, "... making up at least this share of the lines outside the main text ...")
    min_page_outside_share: float = limit(0.3, "... which hold at least this share of the document's lines.")
    min_template_documents: int | None = limit(
        3, "Template lines: a line in at least this many documents of one source, copies of one text counting once.")
    min_copy_share: float = limit(
        0.5, "Two documents are copies when near-duplicates, or when they share this share of the prose lines of the one with fewer.")
    model_min_score: float | None = limit(
        None, "Line model: flag a line no rule or statistic flagged when its score reaches this (higher: fewer lines, "
              "more precise; false, the default: model off, since on sites it was not fitted on it adds recall only "
              "where it costs more precision). The curve on the dev sets is in bench/RESULTS.md.")

    def __post_init__(self) -> None:
        if self.model_min_score is not None and not 0 < self.model_min_score < 1:
            raise ConfigError("'lines.model-min-score' must be between 0 and 1 (or false to switch the model off)")
        if self.min_template_documents is not None and self.min_template_documents < 2:
            raise ConfigError("'lines.min-template-documents' must be at least 2 (or false to switch it off)")


@dataclass(frozen=True)
class Thresholds:
    """Limits the verdict is judged against (``None`` switches a limit off).

    Each field's ``doc`` metadata is its line of documentation: the command line's help and the
    table of thresholds in docs/ci.md say the same.
    """

    max_duplicate_share: float | None = limit(
        0.5, "Most share of documents that may sit in near-duplicate clusters (kept members excluded).", bound="share")
    max_boilerplate_share: float | None = limit(
        0.2, "Most share of lines with text that may be flagged as leftover page text.", bound="share")
    max_repair_share: float | None = limit(
        0.1, "Most share of documents that may need an encoding repair.", bound="share")
    max_input_errors: int | None = limit(
        0, "Most input errors (unreadable files or records).", bound="count")
    max_passage_pairs: int | None = limit(
        None, "Most passages shared between sources (news outlets quote each other, so no limit unless set).",
        bound="count")
    min_mean_grade: float | None = limit(
        None, "Least mean readability grade of the documents (what suits depends on the corpus).", bound="grade")
    max_mean_grade: float | None = limit(
        None, "Most mean readability grade of the documents (what suits depends on the corpus).", bound="grade")
    max_other_language_share: float | None = limit(
        None, "Most share of documents in a language not in the `languages` setting (a scraper on the wrong edition).",
        bound="share")
    fail_on: str | None = limit(
        None, "Fail on any finding of this severity or above: info, warning or error.", choices=SEVERITIES)

    def __post_init__(self) -> None:
        for f in fields(self):
            problem = out_of_bounds(f.name, getattr(self, f.name))
            if problem:
                raise ConfigError(f"'thresholds.{f.name.replace('_', '-')}' {problem}")


def out_of_bounds(name: str, value: Any) -> str | None:
    """Why `value` cannot be the limit of threshold `name` (a field of :class:`Thresholds`), or
    None when it can: a share is a fraction from 0 to 1, a count is 0 or more, a grade is a
    finite number. A limit out of these bounds would pass or fail every corpus alike, so it is
    refused, never read as something else (5 is not 5%). None (off) is always a limit.

    >>> out_of_bounds("max_boilerplate_share", 5)
    'must be a share from 0 to 1, not 5: shares are fractions (0.05 for 5%)'
    >>> out_of_bounds("max_input_errors", -3)
    'must be 0 or more, not -3'
    >>> out_of_bounds("max_repair_share", 0.1) is None, out_of_bounds("max_passage_pairs", None) is None
    (True, True)
    """
    bound = next(f for f in fields(Thresholds) if f.name == name).metadata.get("bound")
    if value is None or bound is None:
        return None
    if bound == "share" and not 0 <= value <= 1:  # NaN is refused too: it compares false
        hint = ": shares are fractions (0.05 for 5%)" if value > 1 else ""
        return f"must be a share from 0 to 1, not {value:.15g}{hint}"
    if bound == "count" and value < 0:
        return f"must be 0 or more, not {value}"
    if bound == "grade" and not math.isfinite(value):
        return f"must be a finite number, not {value}"
    return None


def threshold_docs() -> dict[str, str]:
    """Each threshold's config key (kebab case) and its line of docs.

    >>> threshold_docs()["max-input-errors"]
    'Most input errors (unreadable files or records).'
    """
    return {f.name.replace("_", "-"): f.metadata["doc"] for f in fields(Thresholds)}


#: Where a scan can run (``--engine``).
ENGINES = ("local", "dask")


@dataclass(frozen=True)
class ScanSettings:
    """Everything that decides what a scan reports."""

    similarity: SimilaritySettings = field(default_factory=SimilaritySettings)
    thresholds: Thresholds = field(default_factory=Thresholds)
    lines: LineSettings = field(default_factory=LineSettings)
    #: Extra rule folders, loaded after the built-in packs.
    rule_dirs: tuple[str, ...] = ()
    #: Rule ids switched off.
    disabled_rules: tuple[str, ...] = ()
    #: Readability scores per document.
    readability: bool = True
    #: Tone per sentence, summarized per document.
    tone: bool = True
    #: A sentence whose tone score reaches this is listed as loaded.
    min_loaded_sentence: float = 0.5
    #: How much words inside quotation marks (speech the outlet reports) count toward its tone.
    quoted_weight: float = 0.5
    #: The languages the corpus should be in (ISO 639-1 codes, e.g. ["en"]): a document identified
    #: as another is a finding (rule ``language.other``); empty, any language is expected.
    languages: tuple[str, ...] = ()
    #: Stop at the first input error instead of counting it.
    strict: bool = False
    #: Worker processes for per-document work (0: one per core).
    jobs: int = 0
    #: Where the work runs: "local" (this machine's process pool) or "dask" (a Dask cluster).
    engine: str = field(default="local", metadata={"choices": ENGINES})
    #: With dask: the address of a running scheduler (tcp://HOST:8786); none starts a local cluster.
    scheduler: str | None = None
    #: With dask and no scheduler: worker processes of the local cluster (0: one per core).
    workers: int = 0
    #: With dask: bytes of plain JSON Lines per partition (compressed files and text files are one each).
    blocksize: int = 64 * 1024 * 1024
    #: With dask and a scheduler: seconds to wait for it before giving up with one line.
    connect_timeout: float = 30.0

    def __post_init__(self) -> None:
        # Lists from Python callers are held as tuples: settings are frozen, and hashable.
        object.__setattr__(self, "rule_dirs", tuple(self.rule_dirs))
        object.__setattr__(self, "disabled_rules", tuple(self.disabled_rules))
        object.__setattr__(self, "languages", tuple(self.languages))
        for code in self.languages:
            if not (isinstance(code, str) and len(code) == 2 and code.isascii() and code.isalpha() and code.islower()):
                raise ConfigError(f"languages: {code!r} is not a two-letter ISO 639-1 code in lower case (e.g. \"en\")")
        if self.thresholds.max_other_language_share is not None and not self.languages:
            raise ConfigError("'thresholds.max-other-language-share' needs the 'languages' setting "
                              "(the languages the corpus should be in, e.g. [\"en\"])")
        if self.engine not in ENGINES:
            raise ConfigError(f"engine: {self.engine!r} is not one of {', '.join(ENGINES)}")
        # NaN would make tone scores NaN, which order no table (NaN is refused: it compares false).
        if not (0 <= self.quoted_weight and math.isfinite(self.quoted_weight)):
            raise ConfigError(f"'quoted-weight' must be a finite number, 0 or more, not {self.quoted_weight}")

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain data for the report (where the work ran left out: it never changes a result)."""
        data = asdict(self)
        for key in ("jobs", "engine", "scheduler", "workers", "blocksize", "connect_timeout"):
            data.pop(key)
        data["rule_dirs"] = list(self.rule_dirs)
        data["disabled_rules"] = list(self.disabled_rules)
        data["languages"] = list(self.languages)
        return data
