"""The package's shape: imports run downhill (no module imports, directly or not, one that imports
it), only the CLI knows click, optional extras load only where used, and every module says its job."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "audit"
#: Optional extras, and the modules allowed to import them at their top level.
OPTIONAL = {"distributed": {"audit.engines.dask.engine", "audit.engines.dask.frames"},
            "dask": {"audit.engines.dask.engine", "audit.engines.dask.frames"},
            "pandas": set(), "datasets": set(), "pyarrow": set()}


def modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def imports(name: str, path: Path, known: dict[str, Path]) -> tuple[set[str], set[str]]:
    """The package's modules that `name` imports anywhere in it, and the top-level imports of
    outside packages (by their first name)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    inside, outside = set(), set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for target in targets:
            if target.split(".")[0] == "audit":
                while target not in known:
                    target = target.rpartition(".")[0]
                if target != name:
                    inside.add(target)
            elif node in tree.body:
                outside.add(target.split(".")[0])
    return inside, outside


def graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    known = modules()
    inside, outside = {}, {}
    for name, path in known.items():
        inside[name], outside[name] = imports(name, path, known)
    return inside, outside


def test_no_import_cycles():
    edges, _ = graph()
    # The package's __init__ names what it exports (lazily); nothing imports it but for the version.
    edges = {m: {d for d in deps if d != "audit"} for m, deps in edges.items()}
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(edges[node]):
            if state.get(dep) == 1:
                cycles.append(path[path.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, path + [dep])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_only_the_cli_imports_click():
    _, outside = graph()
    assert sorted(m for m, deps in outside.items() if "click" in deps) == ["audit.cli"]


def test_optional_extras_are_imported_only_where_used():
    _, outside = graph()
    for extra, allowed in OPTIONAL.items():
        assert {m for m, deps in outside.items() if extra in deps} <= allowed, extra


def test_every_module_says_its_job():
    missing = [name for name, path in modules().items()
               if not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))]
    assert missing == []


def test_the_command_line_starts_without_the_analysis():
    """`--help` and `--version` load the CLI alone: numpy, numba, scipy, datasketch, ftfy, regex and
    the optional extras load in the command that needs them (bench/RESULTS.md times the start)."""
    heavy = ("numpy", "numba", "scipy", "datasketch", "ftfy", "regex", "hyperscan", "py3langid", "tqdm", "pandas",
             "pyarrow", "dask")
    code = f"import sys, audit.cli; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"
