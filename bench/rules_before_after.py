"""Rule changes, before and after in one run: leftover detection on extraction-dev and what a
rule family takes from clean news prose (readability-dev, tone-dev).

Each side is a source tree put first on PYTHONPATH (the real command runs as a subprocess, as in
bench/extraction.py, whose scoring this uses); run it from outside both trees:

    cd /tmp && python TREE/bench/rules_before_after.py --before OLD_TREE --after NEW_TREE \\
        --family consent [--data ../shared/data]

It prints, for each side: line-level precision, recall and F1 of the boilerplate findings on
extraction-dev (article extractors and page dump), the lines each rule of the family flagged
there, right or wrong by the labels, and the family's findings on the two corpora of clean news,
where every one is a false positive unless a reader judges otherwise (they are listed).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1] / "shared" / "data"


def _extraction():
    spec = importlib.util.spec_from_file_location("bench_extraction", HERE / "extraction.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def scan(tree: Path, path: Path, extra: list[str]) -> dict:
    """The JSON report of `corpus-audit scan` with `tree` first on PYTHONPATH."""
    exe = Path(sys.executable).parent / "corpus-audit"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "scan.json"
        subprocess.run([str(exe), "scan", str(path), "--format", "json", "-o", str(out), *extra],
                       check=True, env={**os.environ, "PYTHONPATH": str(tree)})
        return json.loads(out.read_text(encoding="utf-8"))


def side(name: str, tree: Path, data: Path, family: str, ext) -> None:
    reports = []
    real = ext.run_scan

    def run_scan(docs):
        old = os.environ.get("PYTHONPATH")
        os.environ["PYTHONPATH"] = str(tree)
        try:
            report, seconds, command = real(docs)
        finally:
            os.environ.pop("PYTHONPATH") if old is None else os.environ.__setitem__("PYTHONPATH", old)
        reports.append(report)
        return report, seconds, command

    ext.run_scan = run_scan
    section, groups = ext.evaluate(data / "extraction-dev")
    ext.run_scan = real
    print(f"## {name}: {tree}")
    for group, s in groups.items():
        print(f"extraction-dev, {group}: precision {s.precision:.3f} recall {s.recall:.3f} F1 {s.f1:.3f} "
              f"(right {s.tp}, wrong {s.fp}, missed {s.fn})")
    table = section.split("| Family |", 1)[1].split("\n\n", 1)[0].splitlines()[2:]
    print("extraction-dev, every family (family, group, right, wrong, precision):")
    print("\n".join("  " + row for row in table))
    labels: dict[tuple[str, int], str] = {}
    with open(data / "extraction-dev" / "lines.jsonl", encoding="utf-8") as f:
        for raw in f:
            r = json.loads(raw)
            labels[(r["id"], r["line"])] = r["label"]
    counts: Counter = Counter()
    for finding in reports[0]["findings"]:
        if finding["kind"] == "boilerplate" and finding["rule"].startswith(family + "."):
            counts[(finding["rule"], labels.get((finding["document"], finding["line"]), "unlabelled"))] += 1
    for rule in sorted({r for r, _ in counts}):
        print(f"extraction-dev, {rule}: right {counts[(rule, 'boilerplate')]}, wrong {counts[(rule, 'content')]}, "
              f"unlabelled {counts[(rule, 'unlabelled')]}")
    for corpus, path, extra in (("readability-dev", data / "readability-dev" / "docs.jsonl", []),
                                ("tone-dev", data / "tone-dev" / "sentences.jsonl", [])):
        found = [f for f in scan(tree, path, extra)["findings"] if f["rule"].startswith(family + ".")]
        print(f"{corpus}: {len(found)} {family}.* findings")
        for f in found:
            print(f"  {f['document']}:{f['line']} {f['rule']} ({len(f['text'].split())} words) {f['text'][:160]}")
    print(flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="source tree of the old code")
    parser.add_argument("--after", type=Path, required=True, help="source tree of the new code")
    parser.add_argument("--family", default="consent", help="the rule family to follow (default consent)")
    parser.add_argument("--data", type=Path, default=DATA, help="folder with extraction-dev, readability-dev, tone-dev")
    args = parser.parse_args()
    ext = _extraction()
    for name, tree in (("before", args.before), ("after", args.after)):
        side(name, tree.resolve(), args.data, args.family, ext)


if __name__ == "__main__":
    main()
