"""The Engine protocol: where a scan's work runs, and the engine a scan's settings ask for."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

import numpy as np

from audit.analyze import Analyzer
from audit.engines.blocks import Block
from audit.engines.local import LocalEngine
from audit.lines.templates import Hits, TemplateInput
from audit.read.readers import Corpus
from audit.records import DocumentSummary, Finding
from audit.settings import ScanSettings, SimilaritySettings
from audit.similarity.duplicates import Comparer, Loader
from audit.similarity.keystore import PassageKeys


class Engine(Protocol):
    """Where a scan's work runs: per-document analysis, LSH candidates, verification, template lines."""

    def blocks(self, corpus: Corpus, analyzer: Analyzer, problems: list[Finding]) -> Iterator[Block]:
        """The summaries of the readable documents with unique ids, in reading order, a block of
        consecutive ones at a time, their report content packed where they were analyzed."""

    def loader(self, compared: Sequence[list[str]]) -> Loader:
        """Gives the compared lines the analysis left of the documents verification and template
        lines need: from `compared`, those that came back with the summaries (which the scan
        spooled), or from where the engine kept them (then `compared` is empty)."""

    def comparer(self, load: Loader, summaries: list[DocumentSummary]) -> Comparer:
        """Counts the shingles candidate pairs share and verifies candidate passages, where the
        compared lines are."""

    def candidates(self, summaries: list[DocumentSummary], settings: SimilaritySettings,
                   passage_keys: PassageKeys | None) -> tuple[np.ndarray, np.ndarray]:
        """The documents whose band keys collide or that share anchors, and the passages whose band
        keys collide (see :data:`audit.similarity.candidates.Candidates`)."""

    def copies(self, summaries: list[DocumentSummary], min_share: float) -> np.ndarray:
        """The pairs of documents that are copies by their prose lines (see :data:`CopyFinder`)."""

    def templates(self, summaries: list[DocumentSummary], inputs: Sequence[TemplateInput], groups: np.ndarray,
                  minimum: int) -> Iterator[tuple[int, Hits]]:
        """Each document's template lines that no leftover finding claimed, counted over the
        documents' line keys by copy group (see :data:`TemplateCounter`)."""

    def close(self) -> None:
        """Give back what the engine holds (processes, a cluster connection)."""


def engine_for(settings: ScanSettings) -> Engine:
    """The engine the settings ask for; Dask is imported only when asked."""
    if settings.engine == "dask":
        from audit.engines.dask.engine import DaskEngine

        return DaskEngine(settings)
    return LocalEngine(settings)
