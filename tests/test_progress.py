"""Progress: named stages with totals and time left on a terminal, nothing on a pipe or in CI."""

import fcntl
import os
import pty
import shutil
import struct
import subprocess
import sys
import termios
from pathlib import Path

import audit
from audit.engines.local import BLOCK_SIZE

EXE = shutil.which("corpus-audit", path=str(Path(sys.executable).parent)) or shutil.which("corpus-audit")


def _on_a_terminal(*args: str, env: dict | None = None) -> tuple[int, str]:
    """Run the command with stderr on a pseudo-terminal of 120 columns: its exit code and stderr."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    run = subprocess.Popen([EXE, *args], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave,
                           env={**os.environ, "CI": "", **(env or {})})
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 1 << 16)
        except OSError:  # the terminal's other end is closed: the command is done
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return run.wait(timeout=300), out.decode("utf-8", "replace")


def test_a_terminal_sees_each_stage_with_its_total(seeds, tmp_path):
    code, shown = _on_a_terminal("scan", str(seeds), "-o", str(tmp_path / "r.md"), "-j", "1")
    assert code == 0, shown
    for stage in ("documents:", "near-duplicates: candidates among 3 documents",
                  "near-duplicates: verifying", "template lines: counting", "template lines: findings"):
        assert stage in shown, (stage, shown)
    assert "/3 [" in shown  # the documents' total (estimated from the folder) and the time left
    assert shown.rstrip().endswith(f"corpus-audit: pass: wrote {tmp_path / 'r.md'}")


def test_nothing_but_the_final_line_on_a_pipe_or_in_ci(seeds, tmp_path):
    done = subprocess.run([EXE, "scan", str(seeds), "-o", str(tmp_path / "r.md"), "-j", "1"], capture_output=True,
                          text=True, timeout=300)
    assert done.stderr == f"corpus-audit: pass: wrote {tmp_path / 'r.md'}\n"
    code, shown = _on_a_terminal("scan", str(seeds), "-o", str(tmp_path / "r.md"), "-j", "1", env={"CI": "true"})
    assert code == 0 and shown.strip() == f"corpus-audit: pass: wrote {tmp_path / 'r.md'}"


class Recorder:
    def __init__(self):
        self.heard = []

    def __call__(self, done):
        self.heard.append(done)

    def stage(self, name, total=None):
        self.heard.append((name.split(":")[0], total))


def test_the_library_tells_a_progress_with_stages_each_stage():
    records = [{"id": f"d{i}", "text": f"Story {i} about floods in the valley, officials said on Monday."} for i in range(4)]
    recorder = Recorder()
    audit.scan(records, audit.ScanSettings(jobs=1), progress=recorder)
    stages = [h for h in recorder.heard if isinstance(h, tuple)]
    # The findings' stage counts the documents that have template lines: none of these four.
    assert stages == [("near-duplicates", None), ("near-duplicates", None), ("template lines", None), ("template lines", 0)]
    # Told as each block of documents is analyzed (BLOCK_SIZE here, a part on Dask): these four are one.
    assert recorder.heard[:1] == [4] and recorder.heard[-1] == ("template lines", 0)
    counted = []
    audit.scan(records, audit.ScanSettings(jobs=1), progress=counted.append)  # a plain callable: documents only
    assert counted == [4]
    many = [{"id": f"d{i}", "text": f"Story {i}."} for i in range(2 * BLOCK_SIZE + 6)]
    audit.scan(many, audit.ScanSettings(jobs=1), progress=counted.append)
    assert counted == [4, BLOCK_SIZE, 2 * BLOCK_SIZE, 2 * BLOCK_SIZE + 6]
