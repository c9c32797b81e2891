"""corpus-audit: audit a text corpus before anyone uses it.

The library comes first; the ``corpus-audit`` command is a thin layer over it. A corpus is paths
(folders, files, globs, URLs) or records in memory (dicts, :class:`Document`, a pandas DataFrame
or Series, a ``datasets.Dataset``):

- :func:`scan` audits it and returns a :class:`ScanResult`, which :func:`render` writes as
  Markdown, JSON, SARIF and more; :func:`check` judges it against thresholds; :func:`clean`
  writes it back without leftovers and duplicates, with a removal log; :func:`dedup` and
  :class:`Feed` pass on only what a persistent index has not seen before.
- Per text: :func:`readability_of`, :func:`tone_of`, :func:`leftovers_of`,
  :func:`strip_leftovers` and :func:`signature_of` (a datasketch ``LeanMinHash``).

Names are imported when first used, so ``import audit`` (and ``corpus-audit --help``) stays quick.
"""

from __future__ import annotations

import importlib
from typing import Any

from audit.errors import AuditError, ConfigError, FeedIndexError, InputError, OutputError, RuleError
from audit.version import __version__

#: Each public name and the module that defines it.
_EXPORTS = {
    "scan": "audit.pipeline",
    "check": "audit.checks.run",
    "CheckOutcome": "audit.checks.run",
    "clean": "audit.cleaning.run",
    "CleanCounts": "audit.cleaning.plan",
    "dedup": "audit.feed.dedup",
    "DedupRun": "audit.feed.dedup",
    "DedupCounts": "audit.feed.dedup",
    "Feed": "audit.feed.filter",
    "render": "audit.report.formats",
    "FORMATS": "audit.report.formats",
    "TextAuditor": "audit.texts",
    "readability_of": "audit.texts",
    "tone_of": "audit.texts",
    "leftovers_of": "audit.texts",
    "strip_leftovers": "audit.texts",
    "signature_of": "audit.texts",
    "ScanSettings": "audit.settings",
    "SimilaritySettings": "audit.settings",
    "LineSettings": "audit.settings",
    "Thresholds": "audit.settings",
    "load_settings": "audit.config",
    "Fields": "audit.read.readers",
    "Document": "audit.records",
    "DocumentSummary": "audit.records",
    "InputProblem": "audit.records",
    "Verdict": "audit.feed.index",
    "Finding": "audit.records",
    "ScanResult": "audit.records",
    "Cluster": "audit.records",
    "PassagePair": "audit.records",
    "Readability": "audit.records",
    "Tone": "audit.records",
}

__all__ = ["__version__", "AuditError", "ConfigError", "FeedIndexError", "InputError", "OutputError", "RuleError",
           *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'audit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
