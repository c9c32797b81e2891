"""The GitHub Action (action.yml) and the pre-commit hooks run the installed command as documented."""

import pytest
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
STRICT = ROOT / "tests" / "data" / "strict.toml"


@pytest.mark.slow
def test_the_actions_check_step_runs_check_and_writes_outputs_and_summary(tmp_path):
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite" and action["inputs"]["paths"]["required"] is True
    steps = {step["name"]: step for step in action["runs"]["steps"]}
    assert list(steps) == ["Set up Python", "Cache pip, numba kernels and the rules gate", "Install corpus-audit", "Check"]
    # The kernels and the gate are compiled once per cache, not on every fresh runner.
    cached = steps["Cache pip, numba kernels and the rules gate"]
    assert cached["uses"].startswith("actions/cache@") and "~/.cache/corpus-audit" in cached["with"]["path"]
    assert "NUMBA_CACHE_DIR=$HOME/.cache/corpus-audit/numba" in steps["Install corpus-audit"]["run"]
    for step in steps.values():  # inputs reach scripts through the environment only
        assert "${{" not in step.get("run", "")
    check = steps["Check"]
    outputs, summary = tmp_path / "outputs", tmp_path / "summary.md"
    env = {**os.environ, "SOURCE_DATE_EPOCH": "0",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "GITHUB_OUTPUT": str(outputs), "GITHUB_STEP_SUMMARY": str(summary),
           "INPUT_PATHS": "seeds", "INPUT_CONFIG": str(STRICT), "INPUT_BASELINE": "", "INPUT_FORMAT": "github",
           "INPUT_OUTPUT": "", "INPUT_ARGS": "--max-mean-grade off  --max-passage-pairs off"}
    # GitHub runs a bash step as `bash --noprofile --norc -eo pipefail FILE`.
    run = subprocess.run([shutil.which("bash"), "--noprofile", "--norc", "-eo", "pipefail", "-c", check["run"]],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stderr
    assert run.stdout.splitlines()[0] == (
        "corpus-audit: fail: max-boilerplate-share: 15.2% > 5.0%; fail-on: 3 findings at severity warning "
        "or above (share.widget 2, credit.label 1)")
    assert "::warning file=seeds/000_bcb7408d258baeaa.txt,line=15," in run.stdout
    assert outputs.read_text() == "exit-code=1\nverdict=fail\n"
    assert summary.read_text().startswith("# corpus-audit report: seeds\n\n**Verdict: fail**")
    # A check that could not run is no failed threshold: the verdict says so.
    outputs.unlink()
    run = subprocess.run([shutil.which("bash"), "--noprofile", "--norc", "-eo", "pipefail", "-c", check["run"]],
                         cwd=ROOT, env={**env, "INPUT_PATHS": "no-such-folder"}, capture_output=True, text=True, timeout=300)
    assert run.returncode == 2 and "no-such-folder: no such file or folder" in run.stderr
    assert outputs.read_text() == "exit-code=2\nverdict=error\n"


def test_the_pre_commit_hooks_run_check_on_corpus_files(cli, seeds):
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"corpus-audit", "corpus-audit-all"}
    assert hooks["corpus-audit-all"]["pass_filenames"] is False
    files = sorted(p.relative_to(ROOT).as_posix() for p in seeds.iterdir())
    for hook in hooks.values():
        assert all(re.search(hook["files"], f) for f in files)
        assert not re.search(hook["files"], "audit/cli.py")
    # pre-commit runs the entry with the matching files after it.
    entry = shlex.split(hooks["corpus-audit"]["entry"])
    assert entry[:2] == ["corpus-audit", "check"]
    run = cli(*entry[1:], "--config", str(STRICT), *files, cwd=ROOT)
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    assert lines[0].startswith("corpus-audit: fail: max-boilerplate-share:")
    assert ("seeds/000_bcb7408d258baeaa.txt:15: warning share.widget: Share widget text left in the page: "
            "“Share this Article”") in lines
