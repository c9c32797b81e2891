"""A one-pass gate before the rules: which pattern rules can possibly match a line.

Searching some seventy patterns one by one in every line is most of what a scan spends on rules, and
nearly all of those searches fail. The gate compiles every pattern into one Hyperscan database in
*prefilter* mode, which matches a superset of what each pattern matches (lookarounds, backreferences
and the like are approximated by something looser), scans a line once, and names the rules that
may match; only those are then searched with their own ``regex`` pattern, which decides. So the
gate changes how fast the rules run, never what they find.

Before compiling, a pattern is loosened in ways that can only add matches (:func:`loosened`):

- a leading alternative ``^(?!…)…(?s:.*+)(*SKIP)(*FAIL)|`` (the packs' own literal gate: give up
  at once unless one of some words occurs) is dropped;
- a long bounded repeat ``{m,n}`` becomes ``{m,}``;
- Hyperscan runs in its ASCII mode (its Unicode mode takes minutes to compile the packs), where
  ``\\w``, ``\\s`` and ``\\d`` are narrower than ``regex``'s: each is widened by every non-ASCII
  character, and ``\\b`` and ``\\B`` are dropped. ASCII case folding misses the three non-ASCII
  characters that fold to ASCII letters (``İ``, ``ſ``, the Kelvin sign): a line holding one of
  them is searched by every rule.

A pattern the gate cannot loosen or Hyperscan cannot compile is *always* a candidate: it is searched
in every line as before, so a user's rule never needs to suit the gate. Without the ``hyperscan``
package (a dependency where it ships wheels: x86-64 Linux) every rule is always a candidate, with the same
findings, more slowly.

A compiled database is kept in the user's cache folder (``$XDG_CACHE_HOME/corpus-audit``), named by
a digest of the patterns and the Hyperscan version: building one takes seconds.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audit.cache import cache_dir, keep

#: The packs' hand-written literal gate: ``^(?!(?s:.*?)word)…(?s:.*+)(*SKIP)(*FAIL)|``.
_SKIP_FAIL = re.compile(r"^\^(?:\(\?!\(\?s:\.\*\?\)(?:[^()]|\([^()]*\))*\))+\(\?s:\.\*\+\)\(\*SKIP\)\(\*FAIL\)\|")
#: A bounded repeat ``{m,n}``; ``n`` of 10 or more is loosened to ``{m,}``.
_LONG_REPEAT = re.compile(r"\{(\d+),(\d{2,})\}")
#: What ``\w``, ``\s`` and ``\d`` become inside a class: ASCII's own plus every non-ASCII character.
_WIDE = {"w": r"\w\x{80}-\x{10ffff}", "s": r"\s\x0b\x{80}-\x{10ffff}", "d": r"\d\x{80}-\x{10ffff}"}
#: Non-ASCII characters that ``regex`` folds to ASCII letters, which Hyperscan's ASCII folding misses.
_FOLDS_TO_ASCII = re.compile("[\u0130\u017f\u212a]")


#: Escaped letters that mean in Hyperscan what they mean in ``regex`` (or are widened or dropped
#: here): any other (``\m``, ``\M``, ``\G``, ``\X``, ``\L``…) is ``regex``'s own, and Hyperscan
#: would read it as something else, so the gate could miss a line the rule matches.
_SHARED_ESCAPES = frozenset("wsdWSDbBuxAZzntrfve0pPN123456789")
#: A repeat both engines read alike: ``{m}``, ``{m,}``, ``{m,n}`` (not ``regex``'s ``{,n}`` nor its
#: fuzzy ``{e<=1}``).
_REPEAT = re.compile(r"\{\d+(?:,\d*)?\}")
#: Group openings both engines read alike: non-capturing, lookaround, named, and inline flags
#: ``i``, ``m``, ``s``, ``x`` (not ``regex``'s ``(?r)``, ``(?V1)``, ``(?>``, ``(?|``…).
_GROUP = re.compile(r"\((?:\?(?::|=|!|<=|<!|P?<\w+>|[imsx]*(?:-[imsx]+)?[:)])|(?!\?|\*))")


class Unsupported(ValueError):
    """A pattern the gate does not loosen (it is then searched in every line)."""


def _escape(source: str, i: int) -> int:
    """The end of the escape that starts at ``source[i]`` (a backslash)."""
    if i + 1 >= len(source):
        raise Unsupported("trailing backslash")
    if source[i + 1] in "xpPN" and i + 2 < len(source) and source[i + 2] == "{":
        end = source.find("}", i + 2)
        if end < 0:
            raise Unsupported("unclosed escape")
        return end + 1
    if source[i + 1] == "u":
        return i + 6
    return i + 2


def _widened(source: str) -> str:
    """`source` for Hyperscan's ASCII mode, matching wherever ``regex`` (Unicode) matches."""
    out: list[str] = []
    i = 0
    while i < len(source):
        c = source[i]
        if c == "\\":
            end = _escape(source, i)
            letter = source[i + 1]
            if letter.isalnum() and letter not in _SHARED_ESCAPES:
                raise Unsupported(f"\\{letter}")
            if letter in _WIDE:
                out.append("[" + _WIDE[letter] + "]")
            elif letter == "u":
                out.append("\\x{" + source[i + 2:end] + "}")
            elif letter not in "bB":  # a word boundary is dropped: ASCII's is not Unicode's
                out.append(source[i:end])
            i = end
        elif c == "[":
            i = _widened_class(source, i, out)
        else:
            if c == "{" and not _REPEAT.match(source, i):
                raise Unsupported(f"a repeat only regex reads at {i}")
            if c == "(" and not _GROUP.match(source, i):
                raise Unsupported(f"a group only regex reads at {i}")
            out.append(c)
            i += 1
    return "".join(out)


def _widened_class(source: str, i: int, out: list[str]) -> int:
    """Copy the class that opens at ``source[i]`` to `out`, widened; the index after it."""
    start = i
    i += 1
    negated = source.startswith("^", i)
    i += negated
    parts = ["[^" if negated else "["]
    first = True
    while i < len(source) and (source[i] != "]" or first):
        first = False
        if source[i] == "[":
            raise Unsupported("nested class")
        if source[i] == "\\":
            end = _escape(source, i)
            letter = source[i + 1]
            if letter.isalnum() and letter not in _SHARED_ESCAPES:
                raise Unsupported(f"\\{letter} in a class")
            if letter in _WIDE and not negated:
                parts.append(_WIDE[letter])
            elif letter in "WSDpP" and negated:
                # [^\W] and the like are narrower in ASCII: no widening keeps them a superset.
                raise Unsupported(f"\\{letter} in a negated class")
            elif letter == "u":
                parts.append("\\x{" + source[i + 2:end] + "}")
            else:
                parts.append(source[i:end])
            i = end
        else:
            parts.append(source[i])
            i += 1
    if i >= len(source):
        raise Unsupported(f"unclosed class at {start}")
    out.append("".join(parts) + "]")
    return i + 1


def loosened(source: str, ignore_case: bool = False) -> str:
    r"""A pattern for Hyperscan's ASCII prefilter that matches wherever `source` does in ``regex``.

    Raises :class:`Unsupported` for a pattern it cannot loosen safely.

    >>> loosened(r"^(?!(?s:.*?)cookie)(?s:.*+)(*SKIP)(*FAIL)|\bcookies? policy")
    'cookies? policy'
    >>> loosened(r"by [^\w\s]{1,40}\u00a0")
    'by [^\\w\\s]{1,}\\x{00a0}'
    >>> loosened(r"\w+")
    '[\\w\\x{80}-\\x{10ffff}]+'
    """
    if ignore_case and any(ord(c) > 127 and c.lower() != c.upper() for c in source):
        raise Unsupported("a non-ASCII letter, folded by case")
    source = _SKIP_FAIL.sub("", source, count=1)
    source = _LONG_REPEAT.sub(lambda m: "{" + m.group(1) + ",}", source)
    return _widened(source)


@dataclass(frozen=True)
class Pattern:
    """A pattern rule as the gate sees it: its position among the rules, its source, its case."""

    index: int
    source: str
    ignore_case: bool


class Gate:
    """The patterns that may match a text, found in one scan.

    Built in the process that uses it: a compiled database is not sent to worker processes (they
    find it in the cache folder). Each thread scans with scratch space of its own (a Dask worker
    runs several tasks at once, and Hyperscan's scratch is one scan's at a time).
    """

    def __init__(self, patterns: Sequence[Pattern], build: bool = True) -> None:
        """The gate of `patterns`, its database read from the cache folder, else compiled there
        (seconds) when `build`; with neither, it gates nothing (:attr:`ready` is False)."""
        self.always: frozenset[int] = frozenset(p.index for p in patterns)
        self._database: Any = None
        self._scratch = threading.local()
        try:
            import hyperscan
        except ImportError:
            return
        sources: list[tuple[Pattern, bytes]] = []
        for p in patterns:
            try:
                sources.append((p, loosened(p.source, p.ignore_case).encode("utf-8")))
            except Unsupported:
                continue
        base = (hyperscan.HS_FLAG_PREFILTER | hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_SINGLEMATCH
                | hyperscan.HS_FLAG_ALLOWEMPTY)

        def flags(p: Pattern) -> int:
            return base | (hyperscan.HS_FLAG_CASELESS if p.ignore_case else 0)

        key = hashlib.sha256(repr((hyperscan.__version__, [(p.index, s, flags(p)) for p, s in sources]))
                             .encode("utf-8")).hexdigest()[:24]
        path = cache_dir() / f"gate-{key}.hsdb"
        compiled = _load(hyperscan, path)
        if compiled is None and not build:
            return
        if compiled is None:
            usable = []
            for p, s in sources:
                # Tried one by one first: one pattern Hyperscan refuses must not sink the others.
                try:
                    hyperscan.Database().compile(expressions=[s], ids=[p.index], flags=[flags(p)])
                except hyperscan.error:
                    continue
                usable.append((p, s))
            if not usable:
                return
            database = hyperscan.Database()
            database.compile(expressions=[s for _, s in usable], ids=[p.index for p, _ in usable],
                             flags=[flags(p) for p, _ in usable])
            compiled = (database, frozenset(p.index for p, _ in usable))
            _store(hyperscan, path, compiled)
        self._database, gated = compiled
        self.always = self.always - gated

    @property
    def ready(self) -> bool:
        """Whether the gate has a database (else every pattern is a candidate everywhere)."""
        return self._database is not None

    def candidates(self, text: str) -> frozenset[int] | None:
        """The indices of the patterns that may match `text`; None when every pattern may."""
        if self._database is None or (not text.isascii() and _FOLDS_TO_ASCII.search(text)):
            return None
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: Hyperscan reads only valid UTF-8
            return None
        scratch = getattr(self._scratch, "space", None)
        if scratch is None:
            import hyperscan

            scratch = self._scratch.space = hyperscan.Scratch(self._database)
        # The matches are gathered by one module-level function into a list: a closure and a set
        # made for every line took over a third of the gate's time (bench/HISTORY.md, the
        # eighteenth round).
        found: list[int] = []
        self._database.scan(data, match_event_handler=_gathered, context=found, scratch=scratch)
        return self.always.union(found) if found else self.always


def _gathered(index: int, start: int, end: int, flags: int, found: list[int]) -> None:
    found.append(index)


def _load(hyperscan: Any, path: Path) -> tuple[Any, frozenset[int]] | None:
    """A database and the indices it gates, from the cache; None when absent or unusable."""
    try:
        blob = path.read_bytes()
        head, _, body = blob.partition(b"\n")
        gated = frozenset(int(i) for i in head.split(b",") if i)
        database = hyperscan.loadb(body, hyperscan.HS_MODE_BLOCK)
        database.scratch = hyperscan.Scratch(database)  # a loaded database comes without one
        return database, gated
    except (OSError, ValueError, TypeError, hyperscan.error):
        return None


def _store(hyperscan: Any, path: Path, compiled: tuple[Any, frozenset[int]]) -> None:
    """Keep a database in the cache."""
    database, gated = compiled
    keep(path, lambda f: f.write(",".join(str(i) for i in sorted(gated)).encode("ascii") + b"\n"
                                 + hyperscan.dumpb(database)))
