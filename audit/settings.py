"""Settings of a scan, one dataclass per stage, each field with its default and a line of docs.

Every setting is written into the report, so a report says exactly how it was made.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

KEEP_POLICIES = ("longest", "earliest", "cleanest")


@dataclass(frozen=True)
class SimilaritySettings:
    """Near-duplicate detection between documents and between passages."""

    #: Words per shingle for whole documents.
    shingle_size: int = 5
    #: Words per shingle for passages (shorter units need shorter shingles).
    passage_shingle_size: int = 3
    #: MinHash permutations per signature.
    num_perm: int = 128
    #: Seed of the permutations (signatures of different seeds cannot be compared).
    seed: int = 1
    #: LSH candidate threshold and verified Jaccard needed for two documents to be near-duplicates.
    min_document_similarity: float = 0.5
    #: LSH candidate threshold and verified Jaccard needed for two passages to be the same passage.
    min_passage_similarity: float = 0.5
    #: Passages shorter than this many words are not compared (too common to mean anything).
    min_passage_words: int = 12
    #: A paragraph of more sentences than this is also compared as windows of sentences.
    max_paragraph_sentences: int = 3
    #: Sentences per window inside a long paragraph.
    window_sentences: int = 2
    #: Which member of a duplicate cluster is kept: longest, earliest (first read) or cleanest.
    keep: str = "longest"


@dataclass(frozen=True)
class Thresholds:
    """Limits the verdict is judged against (``None`` switches a limit off)."""

    #: Most share of documents that may sit in near-duplicate clusters (kept members excluded).
    max_duplicate_share: float | None = 0.5
    #: Most share of non-empty lines that may be flagged as leftover page text.
    max_boilerplate_share: float | None = 0.2
    #: Most share of documents that may need an encoding repair.
    max_repair_share: float | None = 0.1
    #: Most input errors (unreadable files or records).
    max_input_errors: int | None = 0
    #: Most passages shared between sources (off by default: news outlets quote each other).
    max_passage_pairs: int | None = None


@dataclass(frozen=True)
class ScanSettings:
    """Everything that decides what a scan reports."""

    similarity: SimilaritySettings = field(default_factory=SimilaritySettings)
    thresholds: Thresholds = field(default_factory=Thresholds)
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
    #: Stop at the first input error instead of counting it.
    strict: bool = False
    #: Worker processes for per-document work (0: one per core).
    jobs: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain data for the report (``jobs`` left out: it never changes a result)."""
        data = asdict(self)
        data.pop("jobs")
        data["rule_dirs"] = list(self.rule_dirs)
        data["disabled_rules"] = list(self.disabled_rules)
        return data
