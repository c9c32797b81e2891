"""Template lines: lines repeated verbatim across documents of one source, counted over the corpus.

A site repeats its furniture on every page: a newsletter prompt, a footer, a standard disclaimer.
Each document's summary carries one 64-bit key per line (a hash of the source and the folded
line; 0 for a line with no letters or digits) and the keys of its prose lines. The corpus pass
counts, for every key, the distinct groups of documents it occurs in. A group is a set of copies
of one text, which count once: ten versions of one article are one piece of evidence, not ten.
Documents are copies when they are in one near-duplicate cluster, or when they share at least
``min_copy_share`` of the prose lines of the shorter one (a copy keeps the sentences, whatever
its extractor did to the rest). A key found in at least ``min_template_documents`` groups is
template text.

Both steps are pure functions of rows keyed by line key ((key, document) and (key, group)):
sorting and counting give the same answer whatever order the documents came in, and the rows can
be shuffled by key on a cluster.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import xxhash

from audit.lines.statistics import PROSE, Layout
from audit.records import claimed_lines
from audit.text.normalize import fold

if TYPE_CHECKING:
    from audit.records import DocumentSummary

#: A letter or digit: ``str.isalnum`` (``\\w`` is exactly it and the underscore).
_ALNUM = re.compile(r"[^\W_]")

EMPTY = np.uint64(0)
#: A prose line found in more documents of one source than this is not taken as evidence that
#: those documents are copies of each other (it is a template candidate itself; and the pairs of
#: a long list would cost quadratic time).
MAX_COPY_EVIDENCE = 100
#: Documents whose rows are gathered into one block, and the bits of a key that choose its part.
BLOCK = 4096
TEMPLATE_BITS = 3


def line_key(source: str, line: str) -> int:
    """The key of one line of a document of `source`; 0 when the line has no letter or digit.

    >>> line_key("example.com", "Sign up  for our NEWSLETTER") == line_key("example.com", "sign up for our newsletter")
    True
    >>> line_key("example.com", "* * *")
    0
    """
    if not line.strip():  # a blank line folds to nothing (half the lines of a page dump)
        return 0
    folded = fold(line)
    if not _ALNUM.search(folded):
        return 0
    # XXH3: five times faster than BLAKE2 here, and keys live only inside one scan (nothing keeps
    # them), so they need to be well spread, not cryptographic.
    return xxhash.xxh3_64_intdigest(f"{source}\x00{folded}".encode("utf-8", "surrogatepass")) or 1


def line_keys(source: str, lines: list[str]) -> np.ndarray:
    """The keys of all the lines of one document (a uint64 array, one entry per line)."""
    return np.fromiter((line_key(source, line) for line in lines), dtype=np.uint64, count=len(lines))


def prose_keys(keys: np.ndarray, layout: Layout) -> np.ndarray:
    """The distinct keys of the lines of a document's prose paragraphs."""
    rows = [n for p in layout.paragraphs if p.cls == PROSE for n in range(p.first, p.last + 1)]
    found = keys[rows] if rows else keys[:0]
    return np.unique(found[found != EMPTY])


@dataclass(frozen=True)
class Templates:
    """The template keys of a corpus and, for each, the number of groups it was found in."""

    counts: dict[int, int]

    def lines(self, keys: np.ndarray) -> Hits:
        """(1-based line, group count) of the template lines among one document's keys."""
        return [(i + 1, self.counts[int(k)]) for i, k in enumerate(keys) if k != EMPTY and int(k) in self.counts]

    def unclaimed(self, given: TemplateInput) -> Hits:
        """The template lines of one document that no leftover finding claimed.

        >>> Templates({5: 3, 7: 2}).unclaimed((np.array([5, 9, 7], dtype=np.uint64), frozenset({1})))
        [(3, 2)]
        """
        keys, claimed = given
        if keys is None:
            return []
        return [(line, n) for line, n in self.lines(keys) if line not in claimed]


#: What the template lines need of a document: its line keys (none when template lines are off),
#: and the lines that leftover findings claimed already.
TemplateInput = tuple[np.ndarray | None, frozenset[int]]
#: A document's template lines: (1-based line, groups its key was found in), in line order.
Hits = list[tuple[int, int]]


def template_input(summary: DocumentSummary) -> TemplateInput:
    """The :data:`TemplateInput` of a summary that still holds its findings."""
    return summary.line_keys, claimed_lines(summary.findings)


def count_templates(rows: Iterable[tuple[np.ndarray, int]], min_documents: int) -> Templates:
    """Template keys from rows of (a document's line keys, the document's group).

    The (key, group) rows are gathered in blocks of documents, then counted in
    2**TEMPLATE_BITS parts by the keys' top bits, so that the sort holds one part at a time: a
    million pages give tens of millions of rows.

    >>> a, b, c = (np.array(k, dtype=np.uint64) for k in ([5, 7, 0], [5, 8], [5, 7, 9]))
    >>> count_templates([(a, 0), (b, 1), (c, 0)], 2).counts
    {5: 2}
    >>> count_templates([(a, 0), (b, 1), (c, 2)], 2).counts
    {5: 3, 7: 2}
    """
    blocks: list[tuple[np.ndarray, np.ndarray]] = []
    keys: list[np.ndarray] = []
    groups: list[np.ndarray] = []
    for doc_keys, group in rows:
        mine = present(doc_keys)
        keys.append(mine)
        groups.append(np.full(len(mine), group, dtype=np.int64))
        if len(keys) == BLOCK:
            blocks.append((np.concatenate(keys), np.concatenate(groups)))
            keys, groups = [], []
    if keys:
        blocks.append((np.concatenate(keys), np.concatenate(groups)))
    counts: dict[int, int] = {}
    shift = np.uint64(64 - TEMPLATE_BITS)
    # Parts in ascending order of their top bits: the keys come out sorted, as one sort would give.
    for part in range(1 << TEMPLATE_BITS):
        chosen = [(k >> shift) == part for k, _ in blocks]
        part_keys = np.concatenate([k[c] for (k, _), c in zip(blocks, chosen)] or [np.zeros(0, dtype=np.uint64)])
        part_groups = np.concatenate([g[c] for (_, g), c in zip(blocks, chosen)] or [np.zeros(0, dtype=np.int64)])
        found, n = counted(part_keys, part_groups, min_documents)
        counts.update(zip(found.tolist(), n.tolist()))
    return Templates(counts)


def present(keys: np.ndarray) -> np.ndarray:
    """The distinct keys of one document's lines, blank ones aside: a document counts a line once."""
    return np.unique(keys[keys != EMPTY])


def counted(keys: np.ndarray, groups: np.ndarray, min_documents: int) -> tuple[np.ndarray, np.ndarray]:
    """From (key, group) rows holding every row of their keys: the keys found in at least
    `min_documents` distinct groups (sorted), and the number of groups of each.

    >>> counted(np.array([4, 2, 4, 4], dtype=np.uint64), np.array([1, 1, 2, 1]), 2)
    (array([4], dtype=uint64), array([2]))
    """
    order = np.lexsort((groups, keys))
    keys, groups = keys[order], groups[order]
    # One row per (key, group): sorted by key then group, repeats dropped.
    fresh = np.ones(len(keys), dtype=bool)
    fresh[1:] = (keys[1:] != keys[:-1]) | (groups[1:] != groups[:-1])
    unique_keys, n = np.unique(keys[fresh], return_counts=True)
    found = n >= min_documents
    return unique_keys[found], n[found]
