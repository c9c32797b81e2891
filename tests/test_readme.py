"""The README's Python examples run as doctests, a fenced block at a time, in the order they come
(a block may use what an earlier one defined); a block that imports an optional extra that is not
installed skips, naming it."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"^```python\n(.*?)^```", re.M | re.S)
#: What a block's imports need, by the module they import.
EXTRAS = {"pandas": "pandas", "datasets": "datasets", "pyarrow": "parquet", "distributed": "dask"}


def blocks() -> list[str]:
    return [b for b in BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8")) if ">>> " in b]


def test_the_readme_has_python_examples():
    assert len(blocks()) >= 5


def test_the_readme_examples_run(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    parser, globs = doctest.DocTestParser(), {}
    skipped = []
    for n, block in enumerate(blocks(), start=1):
        imported = set(re.findall(r"(?:^|\n)>>> (?:import|from) (\w+)", block))
        missing = [m for m in imported & set(EXTRAS) if not _importable(m)]
        if missing:
            skipped.append(f"block {n} needs corpus-audit[{EXTRAS[missing[0]]}]")
            continue
        test = parser.get_doctest(block, globs, f"README.md block {n}", "README.md", 0)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        runner.run(test, clear_globs=False)
        assert runner.failures == 0, f"README.md block {n} failed (see the output above)"
        globs = test.globs
    if skipped:
        pytest.skip("; ".join(skipped))


def _importable(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True
