"""stdout into a pipe, as `| head` gives it, with Python's output unbuffered (as in containers)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

EXE = shutil.which("corpus-audit", path=str(Path(sys.executable).parent)) or shutil.which("corpus-audit")


def _feed(tmp_path: Path) -> Path:
    """Records whose text report is far more than a pipe holds (64 KiB)."""
    path = tmp_path / "feed.jsonl"
    path.write_text("".join(json.dumps({"id": f"d{i}", "text": f"Story {i} about the floods.\nShare this article"}) + "\n"
                            for i in range(1500)))
    return path


def test_head_on_unbuffered_output_ends_the_run_as_sigpipe(tmp_path):
    feed = _feed(tmp_path)
    done = subprocess.run(["bash", "-c", f'set -o pipefail; "{EXE}" scan "{feed}" --format text -q -j 1 | head -1'],
                          capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}, timeout=300)
    assert done.returncode == 141, done.stderr
    assert done.stdout.count("\n") == 1 and done.stderr == ""

