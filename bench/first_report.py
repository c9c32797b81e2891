"""Time to the first report on a fresh install: a new virtual environment, ``pip install`` of this
tree, then ``corpus-audit scan seeds/`` twice (the first run compiles the numba kernels and builds
the rules gate into their caches; the second finds them there):

    python bench/first_report.py [--keep /tmp/fresh]

The install is timed apart (it depends on the network and pip's cache more than on this project).
The caches are the ones a fresh user has: numba's next to the installed package, the gate's under
a fresh ``XDG_CACHE_HOME``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(command: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", help="build the environment here and keep it (default: a temporary folder)")
    args = parser.parse_args()
    home = Path(args.keep) if args.keep else Path(tempfile.mkdtemp())
    venv = home / "venv"
    if venv.exists():
        shutil.rmtree(venv)
    env = {**os.environ, "XDG_CACHE_HOME": str(home / "cache"), "SOURCE_DATE_EPOCH": "1700000000"}
    env.pop("PYTHONPATH", None)
    env.pop("NUMBA_CACHE_DIR", None)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    install = timed([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(ROOT)], env, home)
    scan = [str(venv / "bin" / "corpus-audit"), "scan", str(ROOT / "seeds"), "-o", str(home / "seeds.md"), "-q"]
    first = timed(scan, env, home)
    second = timed(scan, env, home)
    print(f"pip install . : {install:.1f} s")
    print(f"first scan of seeds/ (kernels compiled, gate built): {first:.2f} s")
    print(f"second scan (caches warm): {second:.2f} s")
    print(f"time to the first report after the install: {first:.2f} s; install and first report: {install + first:.1f} s")
    if not args.keep:
        shutil.rmtree(home)


if __name__ == "__main__":
    main()
