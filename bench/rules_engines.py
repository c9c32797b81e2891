"""The rule engines side by side: every rule searched in every line, or a one-pass gate first.

Candidates, each a gate that names the rules that may match a line before their own ``regex``
patterns decide (so all must give the same hits as searching every rule, which is checked):

- ``regex``: no gate; every pattern searched in every line (the engine before the gate);
- ``hyperscan``: :mod:`audit.lines.gate` (Hyperscan prefilter mode, the engine adopted);
- ``re2``: a ``re2.Set`` of the same loosened patterns; RE2 has no lookaround or backreference,
  so a pattern it refuses is always a candidate;
- ``aho-corasick``: ``pyahocorasick`` on literals a rule cannot match without; only the packs'
  hand-written literal gates (``^(?!(?s:.*?)word)…(*SKIP)(*FAIL)|``) give such literals without a
  pattern analyser, so the other rules are always candidates.

RE2 and Hyperscan cannot run the packs' patterns themselves (lookarounds, backreferences,
``(*SKIP)(*FAIL)``, possessive quantifiers), so "RE2 instead of regex" would change the rules'
meaning; as gates they keep it. The engines take turns round by round in one process:

    python bench/rules_engines.py /work/shared/data/extraction-dev/docs.jsonl --rounds 3
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audit.lines.gate import _SKIP_FAIL, Unsupported, loosened  # noqa: E402
from audit.lines.rules import RuleSet, load_rules  # noqa: E402


class Re2Gate:
    """A ``re2.Set`` of the loosened patterns (those RE2 accepts)."""

    def __init__(self, rules: RuleSet) -> None:
        import re2

        options = re2.Options()
        self.set = re2.Set.SearchSet(options)
        self.ids: list[int] = []
        always = set()
        for i, r in enumerate(rules.rules):
            if r.pattern is None:
                continue
            try:
                source = loosened(r.pattern.pattern, bool(r.pattern.flags & 2))
                source = ("(?i)" if r.pattern.flags & 2 else "") + source.replace(r"\x{10ffff}", r"\x{10fffd}")
                self.set.Add(source)
                self.ids.append(i)
            except (Unsupported, re2.error, ValueError, TypeError):
                always.add(i)
        self.set.Compile()
        self.always = frozenset(always)

    def candidates(self, text: str) -> frozenset[int] | None:
        return self.always | {self.ids[k] for k in self.set.Match(text) or ()}


class LiteralGate:
    """Aho-Corasick over the words of the packs' own literal gates."""

    def __init__(self, rules: RuleSet) -> None:
        import ahocorasick

        self.automaton = ahocorasick.Automaton()
        always = set()
        words: dict[str, set[int]] = {}
        for i, r in enumerate(rules.rules):
            if r.pattern is None:
                continue
            head = _SKIP_FAIL.match(r.pattern.pattern)
            found = re.findall(r"\(\?!\(\?s:\.\*\?\)(?:\(\?i:)?([^()]+)\)", head.group(0)) if head else []
            if not found:
                always.add(i)
                continue
            for w in found:
                # Folded by lower(): a literal gate sees a lower-cased line (ASCII literals only here).
                words.setdefault(w.lower(), set()).add(i)
        for w, ids in words.items():
            self.automaton.add_word(w, frozenset(ids))
        self.automaton.make_automaton()
        self.always = frozenset(always)

    def candidates(self, text: str) -> frozenset[int] | None:
        found = set(self.always)
        for _, ids in self.automaton.iter(text.lower()):
            found |= ids
        return frozenset(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", help="JSON Lines with a text field")
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with open(args.corpus, encoding="utf-8") as f:
        documents = [json.loads(line)["text"].split("\n") for line, _ in zip(f, range(args.docs))]
    units = sum(1 for lines in documents for line in lines if line.strip())
    rules = load_rules()
    for rule in rules.rules:  # compiled where first searched: not in the first engine's first round
        if rule.pattern is not None:
            rule.pattern.compiled()
    engines: dict[str, RuleSet] = {}
    builds: dict[str, float] = {}
    for name, make in [("regex", None), ("hyperscan", "hs"), ("re2", Re2Gate), ("aho-corasick", LiteralGate)]:
        started = time.perf_counter()
        rs = RuleSet(rules.rules, gate_after=None)
        if make == "hs":
            rs = RuleSet(rules.rules, gate_after=0)
            rs.apply(["warm"])
        elif make is not None:
            object.__setattr__(rs, "_gate", make(rules))
        builds[name] = time.perf_counter() - started
        engines[name] = rs
    times: dict[str, list[float]] = {n: [] for n in engines}
    results: dict[str, Any] = {}
    for _ in range(args.rounds):
        for name, rs in engines.items():
            started = time.perf_counter()
            results[name] = [[(h.line, h.rule.id, h.span) for h in rs.apply(lines)] for lines in documents]
            times[name].append(time.perf_counter() - started)
    print(f"{len(documents)} documents, {units} units, {len(rules.rules)} rules; best of {args.rounds} rounds")
    print("| engine | build s | rules always searched | seconds | per unit µs | vs regex | same hits |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    base = min(times["regex"])
    for name, rs in engines.items():
        best = min(times[name])
        always = "all" if rs._gate is None else str(len(rs._gate.always))
        print(f"| {name} | {builds[name]:.2f} | {always} | {best:.2f} (median {statistics.median(times[name]):.2f}) "
              f"| {best / units * 1e6:.1f} | {base / best:.1f}x | {results[name] == results['regex']} |")


if __name__ == "__main__":
    main()
