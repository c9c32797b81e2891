"""Baselines: record today's findings, then judge only the findings that are new.

A finding is keyed on its rule id, its document and a hash of its normalized text (folded case,
quotes and spaces; the message when it has no text), never on its line number: lines move when
text is added above them, and a moved line is not a new finding. The same key may occur more than
once (a widget repeated in one article), so the baseline keeps a count per key, and a third copy of
a line recorded twice is new. Shared passages are keyed the same way, on both documents and both
texts.

The file is JSON, sorted and without a timestamp, so it can be committed and its diff reviewed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from audit.errors import ConfigError
from audit.records import Finding, PassagePair, ScanResult
from audit.text.normalize import fold
from audit.version import __version__

#: Version of the baseline file's layout; a file of another version is refused.
FORMAT = 1
#: Rule id under which shared passages are recorded (they are pairs, not findings).
PASSAGE_RULE = "passage.shared"
#: Characters of text kept beside each key, for people reading the file (never compared).
EXCERPT_CHARS = 80

Key = tuple[str, tuple[str, ...], str]


def text_hash(*texts: str) -> str:
    """Hash of the normalized text(s): equal for text that differs only in case, quotes or spacing.

    >>> text_hash("Share  this \\u201cArticle\\u201d") == text_hash('share this "article"')
    True
    """
    joined = "\x1f".join(fold(t) for t in texts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


def finding_key(f: Finding) -> Key:
    """The key of a finding: rule, document and the hash of its text (or message)."""
    return f.rule, (f.document,), text_hash(f.text or f.message)


def passage_key(p: PassagePair) -> Key:
    """The key of a shared passage: both documents and both texts."""
    return PASSAGE_RULE, (p.a.document, p.b.document), text_hash(p.a.text, p.b.text)


def _excerpts(result: ScanResult) -> dict[Key, str]:
    out: dict[Key, str] = {}
    for f in result.findings:
        out.setdefault(finding_key(f), f.text or f.message)
    for p in result.passage_pairs:
        out.setdefault(passage_key(p), p.a.text)
    return out


def keys(result: ScanResult) -> Counter[Key]:
    """Every finding's and every shared passage's key, with how often it occurs."""
    return Counter([finding_key(f) for f in result.findings] + [passage_key(p) for p in result.passage_pairs])


def render_baseline(result: ScanResult) -> str:
    """The baseline file for a scan's findings (deterministic: sorted, no timestamp)."""
    excerpts = _excerpts(result)
    entries = [
        {"rule": rule, "documents": list(docs), "hash": digest, "count": count,
         "text": excerpts[(rule, docs, digest)][:EXCERPT_CHARS]}
        for (rule, docs, digest), count in sorted(keys(result).items())
    ]
    data = {"corpus-audit-baseline": FORMAT, "version": __version__, "findings": entries}
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def read_baseline(path: str) -> Counter[Key]:
    """The keys recorded in a baseline file; a missing or malformed file is a ConfigError."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: baseline file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read baseline: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: baseline is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("corpus-audit-baseline") != FORMAT:
        raise ConfigError(f"{path}: not a corpus-audit baseline of format {FORMAT}")
    known: Counter[Key] = Counter()
    for i, entry in enumerate(data.get("findings", []), start=1):
        try:
            key = (entry["rule"], tuple(entry["documents"]), entry["hash"])
            count = int(entry.get("count", 1))
        except (KeyError, TypeError, ValueError):
            raise ConfigError(f"{path}: baseline entry {i} needs rule, documents and hash") from None
        known[key] += count
    return known


def _unknown(items: Sequence[Any], key_of: Any, known: Counter[Key]) -> list[Any]:
    """The items whose key is not (or no longer) covered by `known`; `known` is used up."""
    new = []
    for item in items:
        key = key_of(item)
        if known[key] > 0:
            known[key] -= 1
        else:
            new.append(item)
    return new


def apply_baseline(result: ScanResult, known: Counter[Key]) -> tuple[ScanResult, int]:
    """The scan with what the baseline records taken out, and how many findings that was.

    Corpus figures follow the findings that are left: a duplicate document recorded in the
    baseline leaves its cluster, a recorded input error no longer counts. Documents, lines and
    readability are untouched (they are measurements, not findings).
    """
    remaining = Counter(known)
    findings = _unknown(result.findings, finding_key, remaining)
    passages = _unknown(result.passage_pairs, passage_key, remaining)
    duplicates = {f.document for f in findings if f.kind == "duplicate"}
    clusters = []
    for c in result.clusters:
        members = [m for m in c.members if m == c.kept or m in duplicates]
        if len(members) > 1:
            clusters.append(dataclasses.replace(c, members=members))
    in_clusters = {m for c in clusters for m in c.members}
    pairs = [p for p in result.duplicate_pairs if p.a in in_clusters and p.b in in_clusters]
    known_count = len(result.findings) - len(findings) + len(result.passage_pairs) - len(passages)
    filtered = dataclasses.replace(
        result, findings=findings, passage_pairs=passages, clusters=clusters, duplicate_pairs=pairs,
        input_errors=sum(1 for f in findings if f.kind == "input-error"), figures=None)
    return filtered, known_count
