"""Time the rule engine alone: every rule against every line of a corpus, as a scan applies them.

Each document's lines go through :meth:`audit.lines.rules.RuleSet.apply` with the built-in rules (each
non-empty line a unit; a scan also joins hard-wrapped paragraphs). With ``--against REV`` the
``audit/rules.py`` of that git revision is loaded beside the current one, and the two take turns
round by round in this process, so the machine's noise hits them alike; the hits must be the same.

    python bench/rules_speed.py ../shared/data/extraction-dev/docs.jsonl --docs 1000 --rounds 5 --against 7b898f3
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rules_at(revision: str) -> ModuleType:
    """The rules module of a git revision, loaded under a name of its own."""
    source = subprocess.run(["git", "show", f"{revision}:audit/rules.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "rules_then.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("rules_then", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["rules_then"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def hits(rules: Any, documents: list[list[str]]) -> list[list[tuple[int, str, tuple[int, int]]]]:
    return [[(h.line, h.rule.id, h.span) for h in rules.apply(lines)] for lines in documents]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", help="JSON Lines with a text field")
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--against", help="a git revision whose rule engine to time beside this one")
    args = parser.parse_args()
    from audit.lines import rules

    with open(args.corpus, encoding="utf-8") as f:
        documents = [json.loads(line)["text"].split("\n") for line, _ in zip(f, range(args.docs))]
    units = sum(1 for lines in documents for line in lines if line.strip())
    # Both engines load the rule files of this tree: only the engine differs.
    engines = {"now": rules.load_rules([rules.builtin_rules_dir()], builtin=False)}
    if args.against:
        engines[args.against] = rules_at(args.against).load_rules([rules.builtin_rules_dir()], builtin=False)
    times: dict[str, list[float]] = {name: [] for name in engines}
    found: dict[str, Any] = {}
    for _ in range(args.rounds):
        for name, engine in engines.items():
            start = time.perf_counter()
            found[name] = hits(engine, documents)
            times[name].append(time.perf_counter() - start)
    print(f"{len(documents):,} documents, {units:,} units, {len(engines['now'])} rules, {args.rounds} rounds")
    for name, t in times.items():
        print(f"{name}: median {statistics.median(t):.2f} s ({units / statistics.median(t):,.0f} units/s); "
              f"rounds {', '.join(f'{x:.2f}' for x in t)}")
    if args.against:
        print(f"same hits: {found['now'] == found[args.against]} ({sum(map(len, found['now'])):,} hits); "
              f"{args.against} over now: {statistics.median(times[args.against]) / statistics.median(times['now']):.2f}x")


if __name__ == "__main__":
    main()
