"""A document's entries in the JSON report, as text: its item in ``documents`` and its findings'
items in ``findings``.

The JSON report of a corpus of news pages is mostly these entries (17 KB of text a page in
Dragnet's). Rendered by the process that analyzed the document, in parallel (a pool worker, a Dask
worker), they reach the scan as text it spools and the report copies: the one process that
writes the report does not render every finding (bench/HISTORY.md, "the sixteenth round").
:func:`audit.report.markdown.json_pieces` writes the same entries with the same functions when
a scan did not render them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from audit.records import DocumentSummary, Finding, Scores
from audit.report import jsontext

#: What comes before each item of the report's long lists: they are indented by four spaces.
ITEM_BREAK = "\n    "


def item(value: Any) -> str:
    """An item of one of the report's long lists, as its text there (without the comma)."""
    return jsontext.dumps(value, ITEM_BREAK)


def document_json(d: DocumentSummary, scores: Scores) -> dict[str, Any]:
    """A document's item in the report's ``documents``, with its readability and tone."""
    readability, tone = scores
    return {
        "id": d.id,
        "source": d.source,
        "origin": str(d.origin),
        "lines": d.lines,
        "words": d.words,
        "language": d.language,
        "readability": readability.to_json() if readability else None,
        "tone": tone.to_json() if tone else None,
    }


#: What joins the items of the report's long lists.
_BETWEEN = "," + ITEM_BREAK


def findings_text(findings: Iterable[Finding]) -> str:
    """Findings' items in the report's ``findings``, joined as the list joins them ("" for none)."""
    return _BETWEEN.join(item(f.to_json()) for f in findings)


def spliced(text: str, added: Iterable[Finding], order: Iterable[int]) -> str:
    """The :func:`findings_text` of a document's findings once `added` ones join them: `text` is
    that of the findings it had, and ``order[j]`` is the index, among the findings it had followed
    by those added, of the new list's j-th finding. Only the added are rendered: the 169
    documents of Dragnet with template lines hold 14,241 findings, 566 of them added, and
    rendering all of them again took 0.09 to 0.12 s, the splice 0.02 s (bench/HISTORY.md, the
    seventeenth round).

    An item is a dict, whose lines inside are indented past the list's items: a comma and a
    line break followed by the list's indent and a brace is only ever found between two items.

    >>> had = [Finding("d", "boilerplate", "r", "info", "m", line=n) for n in (3, 5)]
    >>> new = [Finding("d", "boilerplate", "t", "info", "m", line=4)]
    >>> spliced(findings_text(had), new, [0, 2, 1]) == findings_text([had[0], new[0], had[1]])
    True
    """
    items = text.split(_BETWEEN + "{") if text else []
    items[1:] = ["{" + piece for piece in items[1:]]
    items += [item(f.to_json()) for f in added]
    order = list(order)
    if sorted(order) != list(range(len(items))):
        raise ValueError(f"{len(items)} findings' items, and an order of {len(order)} that is not theirs")
    return _BETWEEN.join(items[k] for k in order)


def entries(d: DocumentSummary) -> tuple[str, str]:
    """A summary's item in ``documents`` and its findings' items in ``findings`` (see
    :func:`findings_text`), from its report content (before it is packed)."""
    return item(document_json(d, (d.readability, d.tone))), findings_text(d.findings)
