"""Ctrl-C and SIGTERM: one line, exit 130 / 143, and every output complete or untouched."""

import json
import os
import random
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest


def big_corpus(path: Path, n: int = 2000) -> Path:
    """`n` documents of 300 words, none a near-duplicate of another (so that a run that is not
    stopped ends in seconds rather than verifying one cluster of `n`)."""
    words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu".split()
    rng = random.Random(7)
    with open(path, "w") as f:
        for i in range(n):
            text = " ".join(rng.choice(words) + str(rng.randrange(50)) for _ in range(300))
            f.write(json.dumps({"id": f"d{i}", "text": text + "."}) + "\n")
    return path


def _on_a_terminal(args: list[str], until: bytes | None = None, then=None) -> tuple[int, str]:
    """Run the CLI with stderr on a pseudo-terminal; when `until` shows up, call `then(proc)`."""
    import pty
    master, slave = pty.openpty()
    exe = shutil.which("corpus-audit", path=str(Path(sys.executable).parent))
    # $CI unset: a CI job is where the suite runs, and progress is not drawn there.
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    proc = subprocess.Popen([exe, *args], stdout=subprocess.DEVNULL, stderr=slave, start_new_session=True, env=env)
    os.close(slave)
    seen = b""
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        seen += data
        if until is not None and until in seen and then is not None:
            then(proc)
            then = None
    code = proc.wait(timeout=300)
    os.close(master)
    return code, seen.decode()


@pytest.mark.slow
@pytest.mark.parametrize("sig, code, word", [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")])
def test_interrupted_scan_leaves_previous_output_untouched(tmp_path, sig, code, word):
    corpus = big_corpus(tmp_path / "big.jsonl")
    out = tmp_path / "report.md"
    out.write_text("previous report\n")

    def interrupt(proc):
        # Ctrl-C reaches the whole process group; SIGTERM is sent to the main process only.
        if sig == signal.SIGINT:
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)

    # The signal goes as soon as the first documents are done (progress shows on a terminal).
    returncode, err = _on_a_terminal(["scan", str(corpus), "-o", str(out), "-j", "2"], b" documents/s", interrupt)
    assert returncode == code, err
    assert err.strip().split("\r")[-1].split("\n")[-1] == f"corpus-audit: {word}", err
    assert out.read_text() == "previous report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.jsonl", "report.md"]


@pytest.mark.slow
def test_progress_shows_on_a_terminal_and_quiet_silences_it(tmp_path):
    corpus = big_corpus(tmp_path / "big.jsonl", 150)
    code, shown = _on_a_terminal(["scan", str(corpus), "-o", str(tmp_path / "a.md"), "-j", "1"])
    assert code == 0 and "documents:" in shown and "/150 [" in shown and " documents/s]" in shown
    assert "corpus-audit: 150 documents in " in shown
    code, quiet = _on_a_terminal(["scan", str(corpus), "-o", str(tmp_path / "b.md"), "-j", "1", "-q"])
    assert code == 0 and "documents" not in quiet


def test_no_progress_when_stderr_is_not_a_terminal(cli, tmp_path):
    corpus = big_corpus(tmp_path / "big.jsonl", 100)
    run = cli("scan", str(corpus), "-o", str(tmp_path / "a.md"), "-j", "1")
    assert run.returncode == 0 and "documents" not in run.stderr


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("sig, raised", [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, "Terminated")])
def test_a_stop_that_python_drops_is_raised_again_before_any_output(sig, raised):
    """Python drops an exception raised in a finalizer; the signal is kept and raised again at the
    next progress step and when the work ends (before outputs are written)."""
    import click

    from audit import cli as cli_module

    raised = getattr(cli_module, raised) if isinstance(raised, str) else raised
    stop = cli_module.Stop()

    class Finalized:
        def __del__(self):
            stop.on_signal(sig, None)

    Finalized()  # the handler runs in __del__: its exception is printed and dropped
    assert stop.signum == sig
    with click.Context(cli_module.cli, obj=stop):
        with pytest.raises(raised):
            cli_module.Progress(quiet=True)(1)
        with pytest.raises(raised):
            cli_module.Progress(quiet=True).close()
    # Outside a run of the command line (the library, CliRunner) there is nothing to check.
    cli_module.Progress(quiet=True)(1)


def test_a_bar_nothing_closed_is_cleared_before_the_interruption_is_said(monkeypatch, capsys):
    # A signal that arrives while the progress bar is being made leaves it drawn with no owner: the
    # line is blanked before "corpus-audit: interrupted", which would otherwise run on from the bar.
    from audit import cli

    class Terminal:
        def __init__(self):
            self.written = ""

        def isatty(self):
            return True

        def fileno(self):
            raise OSError("no real terminal")

        def write(self, text):
            self.written += text

        def flush(self):
            pass

    terminal = Terminal()
    terminal.write("documents:   0%|          | 0/2000 [00:00<?, ? documents/s]")
    monkeypatch.setattr(sys, "stderr", terminal)
    cli.clear_line()
    assert terminal.written.split("\r")[-1] == "" and terminal.written.split("\r")[-2] == " " * 79
