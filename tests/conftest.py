"""Shared fixtures: the seeds folder, and a helper that runs the installed CLI as a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def run_cli(*args: str, input: str | None = None, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the installed `corpus-audit` command (the console script beside this Python)."""
    exe = shutil.which("corpus-audit", path=str(Path(sys.executable).parent)) or shutil.which("corpus-audit")
    assert exe, "corpus-audit is not installed"
    full_env = {**os.environ, "SOURCE_DATE_EPOCH": "0", **(env or {})}
    return subprocess.run([exe, *args], input=input, capture_output=True, text=True, cwd=cwd, env=full_env, timeout=300)


@pytest.fixture
def seeds() -> Path:
    return SEEDS


@pytest.fixture
def cli():
    return run_cli
