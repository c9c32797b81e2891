"""Run `corpus-audit scan FILE --format json` (the installed command) and return its documents by id."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any


def scan_documents(path: str, *options: str) -> dict[str, dict[str, Any]]:
    exe = shutil.which("corpus-audit", path=str(Path(sys.executable).parent)) or shutil.which("corpus-audit")
    if not exe:
        raise SystemExit("corpus-audit is not installed (pip install -e .)")
    out = subprocess.run([exe, "scan", path, "--format", "json", *options], capture_output=True, text=True, check=True)
    return {d["id"]: d for d in json.loads(out.stdout)["documents"]}
