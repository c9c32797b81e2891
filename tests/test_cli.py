"""End-to-end: the installed command, run as a subprocess."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def test_scan_seeds_writes_the_report_with_every_finding(cli_process, seeds, tmp_path):
    out = tmp_path / "seeds.md"
    run = cli_process("scan", str(seeds), "-o", str(out))
    assert run.returncode == 0, run.stderr
    assert f"wrote {out}" in run.stderr
    md = out.read_text()
    assert "**Verdict: pass**" in md
    for line in ["| 000_bcb7408d258baeaa.txt:15 | Share this Article |",
                 "| 000_bcb7408d258baeaa.txt:16 | Share this Article |",
                 "| 000_bcb7408d258baeaa.txt:2 | By Carl Samson |",
                 "| 002_7ca3920c5da086aa.txt:23 | The Associated Press contributed to this report. |"]:
        assert line in md
    assert "| 000_bcb7408d258baeaa.txt:14 | Featured Images: (Left) Flickr / Gage Skidmore (CC BY-SA 2.0)" in md
    assert "| 000_bcb7408d258baeaa.txt:9 | 002_7ca3920c5da086aa.txt:11 |" in md
    assert "## Near-duplicate documents\n\nNone found." in md
    assert "## Encoding repairs\n\nNone needed." in md


def test_scan_seeds_json_findings_are_exactly_the_leftovers(cli, seeds):
    run = cli("scan", str(seeds), "--format", "json")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    flagged = {(f["document"], f["line"], f["rule"]) for f in data["findings"]}
    assert flagged == {
        ("000_bcb7408d258baeaa.txt", 2, "byline.by"),
        ("000_bcb7408d258baeaa.txt", 14, "credit.label"),
        ("000_bcb7408d258baeaa.txt", 15, "share.widget"),
        ("000_bcb7408d258baeaa.txt", 16, "share.widget"),
        ("002_7ca3920c5da086aa.txt", 23, "wire.contributed"),
    }
    assert data["clusters"] == []
    [pair] = data["passage_pairs"]
    assert (pair["a"]["document"], pair["a"]["lines"]) == ("000_bcb7408d258baeaa.txt", [9, 9])
    assert (pair["b"]["document"], pair["b"]["lines"]) == ("002_7ca3920c5da086aa.txt", [11, 11])
    assert pair["a"]["text"].startswith("“There were agreements between the U.S. and North Korea")
    assert "Koh said" in pair["b"]["text"]
    assert data["summary"]["encoding_repairs"] == 0


def test_stdin_jsonl(cli):
    feed = "".join(json.dumps({"id": f"n{i}", "text": f"Story number {i} is about the weather."}) + "\n" for i in range(3))
    run = cli("scan", "-", "--format", "json", input=feed)
    assert run.returncode == 0, run.stderr
    assert [d["id"] for d in json.loads(run.stdout)["documents"]] == ["n0", "n1", "n2"]


def test_missing_path_is_exit_2_with_one_line(cli):
    run = cli("scan", "no/such/dir")
    assert run.returncode == 2
    assert run.stderr.strip() == "corpus-audit: error: no/such/dir: no such file or folder"


def test_bad_records_are_counted_and_named(cli, tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_text('{"id": "a", "text": "A fine record of text."}\n{oops\n{"id": "c"}\n')
    run = cli("scan", str(path), "--format", "json")
    assert run.returncode == 0
    assert "Traceback" not in run.stderr
    assert f"{path.as_posix()}:2: invalid JSON" in run.stderr
    assert f"{path.as_posix()}:3: field 'text' is missing" in run.stderr
    data = json.loads(run.stdout)
    assert data["summary"]["input_errors"] == 2 and data["summary"]["documents"] == 1
    assert data["verdict"] == "fail"
    strict = cli("scan", str(path), "--strict", "--format", "json")
    assert strict.returncode == 2
    assert strict.stderr.strip() == f"corpus-audit: error: {path.as_posix()}:2: invalid JSON: Expecting property name enclosed in double quotes (column 2)"


def test_python_dash_m(seeds, tmp_path):
    import subprocess
    import sys
    run = subprocess.run([sys.executable, "-m", "audit", "--version"], capture_output=True, text=True)
    assert run.returncode == 0 and "corpus-audit" in run.stdout


@pytest.mark.parametrize("args", [["scan"], ["check"], ["clean"], ["rules", "list"], ["rules", "test"]])
def test_every_command_has_help_with_an_example(cli, args):
    run = cli(*args, "--help")
    assert run.returncode == 0
    assert "corpus-audit " + args[0] in run.stdout


def test_rules_list_shows_rules_and_statistics(cli):
    run = cli("rules", "list", "--disable-rule", "share.widget", "--disable-rule", "lines.url")
    assert run.returncode == 0, run.stderr
    rows = {line.split()[0]: line.split()[1:] for line in run.stdout.splitlines()[1:]}
    assert rows["byline.by"][:5] == ["pattern", "line", "strip", "info", "en"]
    assert rows["lines.page"][:3] == ["statistic", "doc", "strip"]
    assert "share.widget" not in rows and "lines.url" not in rows


def test_rules_test_passes_and_fails(cli, tmp_path):
    assert cli("rules", "test").returncode == 0
    (tmp_path / "bad.toml").write_text('[[rule]]\nid = "mine.x"\nkind = "phrases"\nmessage = "m"\n'
                                       'phrases = ["hello"]\nmatch = ["goodbye"]\n')
    run = cli("rules", "test", "--rules", str(tmp_path))
    assert run.returncode == 1
    assert "FAIL mine.x: should match 'goodbye'" in run.stdout


def test_keep_policy_from_the_command_line(cli, tmp_path):
    import json as _json
    text = " ".join(f"word{i % 97} item{i % 89}" for i in range(300))
    rows = [{"id": "short", "source": "a", "text": text}, {"id": "long", "source": "b", "text": text + " extra words at the end"}]
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(_json.dumps(r) + "\n" for r in rows))
    kept = {}
    for policy in ("longest", "earliest"):
        proc = cli("scan", str(path), "--format", "json", "--keep", policy)
        assert proc.returncode == 0, proc.stderr
        data = _json.loads(proc.stdout)
        kept[policy] = data["clusters"][0]["kept"]
        assert data["settings"]["similarity"]["keep"] == policy
    assert kept == {"longest": "long", "earliest": "short"}
    assert cli("scan", str(path), "--keep", "newest").returncode == 2


def test_an_output_that_cannot_be_written_is_exit_2_with_one_line_before_the_run(cli, seeds, tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("mine\n")
    # Under --strict a run that started would stop at this record with its own error first.
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    for args, target in ((["scan", "--strict", str(bad), "-o"], "r.md"),
                         (["check", "--strict", str(bad), "--format", "junit", "-o"], "j.xml"),
                         (["check", "--strict", str(bad), "--write-baseline"], "b.json"),
                         (["clean", "--strict", str(bad), "--out"], "c.jsonl")):
        done = cli(*args, f"{blocker}/{target}")
        # Exit 1 would read as a failed check in CI; nothing else is printed: the run never started.
        assert done.returncode == 2, done.stderr
        assert done.stderr == f"corpus-audit: error: {blocker}/{target}: cannot write it: {blocker} is a file, not a folder\n"
    done = cli("check", str(seeds), env={**os.environ, "GITHUB_STEP_SUMMARY": f"{blocker}/summary.md"})
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == (f"corpus-audit: error: {blocker}/summary.md ($GITHUB_STEP_SUMMARY): "
                                            "cannot write it: Not a directory")


def test_a_reader_that_goes_away_ends_the_run_as_sigpipe_quietly(seeds):
    exe = shutil.which("corpus-audit", path=str(Path(sys.executable).parent)) or shutil.which("corpus-audit")
    # `true` reads nothing and is gone long before the report is written.
    done = subprocess.run(["bash", "-c", f'set -o pipefail; "{exe}" scan "{seeds}" --format json -q | true'],
                          capture_output=True, text=True)
    assert done.returncode == 141 and done.stderr == ""


def _entry_point(tmp_path: Path, before: str) -> Path:
    """A script that runs `before`, then the command's entry point (`main`) on its arguments."""
    script = tmp_path / "entry.py"
    script.write_text("import atexit, gc, sys\nfrom audit.cli import main\n" + before
                      + "sys.argv = ['corpus-audit'] + sys.argv[1:]\nmain()\nprint('not reached')\n")
    return script


def test_the_command_ends_without_teardown_yet_runs_exit_handlers_and_keeps_its_status_and_output(seeds, tmp_path):
    # The entry point ends the process with os._exit once the command is done (Python's teardown of
    # numba's modules is a fifth of a second); what a normal ending does for the user must still be
    # done: exit handlers run, stdout is flushed whole, the exit status is the command's.
    script = _entry_point(tmp_path, "atexit.register(lambda: sys.stderr.write('exit handler ran\\n'))\n"
                                    "class Kept:\n"
                                    "    def __del__(self):\n"
                                    "        sys.stderr.write('torn down\\n')\n"
                                    "kept = Kept()  # freed by Python's teardown only\n")
    passed = subprocess.run([sys.executable, str(script), "scan", str(seeds), "--format", "json", "-q"],
                            capture_output=True, text=True)
    assert passed.returncode == 0 and "exit handler ran" in passed.stderr and "torn down" not in passed.stderr
    assert len(json.loads(passed.stdout)["findings"]) == 5 and "not reached" not in passed.stdout  # the seeds' five leftovers
    failed = subprocess.run([sys.executable, str(script), "check", str(seeds), "--max-boilerplate-share", "0", "-q"],
                            capture_output=True, text=True)
    assert failed.returncode == 1 and "exit handler ran" in failed.stderr
    broken = subprocess.run([sys.executable, str(script), "scan", str(tmp_path / "absent")], capture_output=True, text=True)
    assert broken.returncode == 2 and "exit handler ran" in broken.stderr


def test_a_command_started_with_stdout_or_stderr_closed_keeps_its_exit_status(seeds):
    # A cron job or a daemon may start it with a descriptor closed: sys.stdout or sys.stderr is
    # then None, and the command's ending must not turn a pass into a failure.
    exe = shutil.which("corpus-audit", path=str(Path(sys.executable).parent)) or shutil.which("corpus-audit")
    for command, status in [(f'"{exe}" check "{seeds}" -q >/dev/null 2>&-', 0), (f'"{exe}" --help >&-', 0),
                            (f'"{exe}" scan /nonexistent 2>&-', 2)]:
        assert subprocess.run(["bash", "-c", command], capture_output=True).returncode == status, command


def test_the_command_collects_garbage_less_often_but_a_program_using_the_library_keeps_its_own(seeds, tmp_path):
    import gc

    script = _entry_point(tmp_path, "atexit.register(lambda: sys.stderr.write(f'threshold {gc.get_threshold()[0]}\\n'))\n")
    run = subprocess.run([sys.executable, str(script), "scan", str(seeds), "--format", "json", "-q"],
                         capture_output=True, text=True)
    assert run.returncode == 0 and "threshold 10000" in run.stderr
    import audit

    before = gc.get_threshold()
    audit.scan(str(seeds), audit.ScanSettings(jobs=1))
    assert gc.get_threshold() == before
