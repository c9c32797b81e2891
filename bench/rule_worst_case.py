"""The built-in rules' patterns on lines made to make them backtrack: the slowest search of each.

Each rule's ``match`` examples are stretched with long runs of spaces or tabs (in place of each
space, and before a last token), dots, letters and digits (an inscriptis page dump lays tables out with hundreds of spaces inside a line); a search
that grows with the square of such a run shows here, long before the per-line time limit trips in
a scan. Run by hand after changing a pattern:

    python bench/rule_worst_case.py [--run 2000] [--over 0.05]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from audit.lines.rules import load_rules  # noqa: E402
from audit.lines.statistics import SIGNALS  # noqa: E402


def stretched(example: str, run: int) -> list[str]:
    """`example` with a long run of one character put where patterns are most likely to backtrack:
    in place of each of its spaces (of spaces, or of tabs), and at its end before a last token."""
    spaces = [i for i, c in enumerate(example) if c == " "]
    out = [example[:i] + fill * run + example[i + 1:] for i in spaces for fill in (" ", "\t")]
    out += [example + " " * run + end for end in ("x", "?", ",", ": X")]
    out += [example + "." * run, example + "a" * run, example + "a " * (run // 2), example + "1" * run,
            example + "- " * (run // 2) + "x"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=int, default=2000, help="length of the run put in each example")
    parser.add_argument("--over", type=float, default=0.05, help="list the rules whose slowest search takes longer (s)")
    args = parser.parse_args()
    rules = load_rules(known=SIGNALS)
    worst = []
    for rule in rules.rules:
        if rule.pattern is None:
            continue
        rule.pattern.compiled()  # compiled where first searched: not in the first search's time
        slowest, line = 0.0, ""
        for example in rule.match:
            for text in stretched(example, args.run):
                started = time.perf_counter()
                rule.pattern.search(text.strip())
                spent = time.perf_counter() - started
                if spent > slowest:
                    slowest, line = spent, text
        worst.append((slowest, rule.id, line))
    worst.sort(reverse=True)
    print(f"runs of {args.run}; slowest search of each of {len(worst)} pattern rules, those over {args.over} s:")
    for slowest, rule_id, line in worst:
        if slowest > args.over:
            print(f"  {rule_id:28s} {slowest:7.3f} s  {line[:40]!r}")
    print(f"the slowest: {worst[0][1]} {worst[0][0]:.3f} s")


if __name__ == "__main__":
    main()
