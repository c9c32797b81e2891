"""Hold the ftfy fast path (:func:`audit.text.normalize.ftfy_keeps`) to ftfy on whole corpora.

Every text (and every line of it) of the given JSON Lines files for which the check says "ftfy
keeps it" must come out of ``ftfy.fix_text`` unchanged; the script counts how often the check
spares ftfy, and times both:

    python bench/ftfy_fast_path.py /work/shared/data/*/*.jsonl
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ftfy  # noqa: E402

from audit.text.normalize import FTFY_CONFIG, ftfy_keeps  # noqa: E402


def texts(path: str) -> list[str]:
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            if isinstance(record, dict):
                out += [v for k, v in record.items() if isinstance(v, str) and k in ("text", "line", "body")]
    return out


def main() -> None:
    wrong = 0
    for path in sys.argv[1:]:
        items = texts(path)
        items += [line for t in items for line in t.split("\n") if line]
        started = time.perf_counter()
        kept = [ftfy_keeps(t) for t in items]
        check = time.perf_counter() - started
        started = time.perf_counter()
        fixed = [ftfy.fix_text(t, FTFY_CONFIG) for t in items]
        full = time.perf_counter() - started
        bad = [t for t, k, f in zip(items, kept, fixed) if k and f != t]
        wrong += len(bad)
        print(f"{path}: {len(items)} texts and lines, the check spares ftfy for {sum(kept)} "
              f"({sum(kept) / max(1, len(items)):.1%}), ftfy changes {sum(f != t for t, f in zip(items, fixed))}; "
              f"check {check:.2f} s, ftfy {full:.2f} s; wrongly spared: {len(bad)}")
    sys.exit(1 if wrong else 0)


if __name__ == "__main__":
    main()
