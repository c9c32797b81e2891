"""Counts as people read them: the number with its noun, singular or plural."""

from __future__ import annotations


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    """`n` and its noun, in the plural (`nouns`, else the noun and an s) unless `n` is one.

    >>> plural(1, "document"), plural(3, "document"), plural(1200, "passage"), plural(2, "is", "are")
    ('1 document', '3 documents', '1,200 passages', '2 are')
    """
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {nouns or noun + 's'}"
