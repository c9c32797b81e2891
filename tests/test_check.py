"""`corpus-audit check`, end to end: the installed command against passing and failing corpora."""

import dataclasses
import gzip
import json
from pathlib import Path

import jsonschema
import pytest

from audit.checks.run import validate
from audit.errors import ConfigError
from audit.settings import ScanSettings, Thresholds

STRICT = Path(__file__).parent / "data" / "strict.toml"
STRICT_FAILURES = ("corpus-audit: fail: max-boilerplate-share: 15.2% > 5.0%; max-passage-pairs: 1 > 0; "
                   "max-mean-grade: 10.8 > 10.0; fail-on: 3 findings at severity warning or above "
                   "(share.widget 2, credit.label 1)")


@pytest.fixture
def clean(tmp_path):
    """A small corpus with nothing to find: two plain articles from two outlets."""
    root = tmp_path / "clean"
    for source, text in [("alpha", "The council met on Tuesday to discuss the new library.\n\n"
                                    "Members agreed that the building needs a larger reading room."),
                         ("beta", "Rain is expected across the valley this weekend.\n\n"
                                  "Farmers said the water would help the late harvest.")]:
        (root / source).mkdir(parents=True)
        (root / source / "story.txt").write_text(text + "\n")
    return root


def test_defaults_pass_on_seeds_and_the_summary_is_appended(cli_process, seeds, tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text("Earlier step output\n")
    run = cli_process("check", str(seeds), env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == "corpus-audit: pass: every threshold holds (3 documents, 5 findings)"
    assert "| max-boilerplate-share | 15.2% | 20.0% | holds |" in run.stdout
    text = summary.read_text()
    assert text.startswith("Earlier step output\n# corpus-audit report: seeds\n")
    assert "**Verdict: pass**" in text and "```mermaid\npie showData title Flagged lines per rule" in text


def test_a_strict_config_fails_with_exit_1_naming_each_threshold(cli, seeds, tmp_path):
    summary = tmp_path / "summary.md"
    run = cli("check", str(seeds), "--config", str(STRICT), "--format", "github",
              env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert run.returncode == 1, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == STRICT_FAILURES
    # The failed thresholds are annotations too (% escaped as GitHub requires), then every finding.
    assert "::error title=corpus-audit threshold max-boilerplate-share::max-boilerplate-share: 15.2%25 > 5.0%25" in lines
    assert ("::warning file=seeds/000_bcb7408d258baeaa.txt,line=15,title=corpus-audit share.widget::"
            "Share widget text left in the page: “Share this Article”") in lines
    assert ("::notice file=seeds/002_7ca3920c5da086aa.txt,line=23,title=corpus-audit wire.contributed::"
            "Wire attribution left in the text: “The Associated Press contributed to this report.”") in lines
    assert sum(line.startswith("::") for line in lines) == 4 + 5 + 2  # thresholds, findings, passage ends
    assert "**Verdict: fail**: max-boilerplate-share: 15.2% > 5.0%" in summary.read_text()


def test_flags_override_the_config(cli, seeds):
    run = cli("check", str(seeds), "--config", str(STRICT), "--max-boilerplate-share", "off",
              "--fail-on", "error", "--max-mean-grade", "13", "--max-passage-pairs", "1", "--format", "json")
    assert run.returncode == 0, run.stderr
    assert run.stderr.splitlines()[0].startswith("corpus-audit: pass: every threshold holds")
    data = json.loads(run.stdout)  # stdout is only the JSON document
    checks = {c["threshold"]: c for c in data["checks"]}
    assert checks["max-boilerplate-share"]["limit"] is None
    assert checks["fail-on"] == {"threshold": "fail-on", "value": 0, "limit": "error", "passed": True}
    assert data["settings"]["thresholds"]["max_mean_grade"] == 13.0


@pytest.mark.parametrize("args, message", [
    (["no/such/dir"], "corpus-audit: error: no/such/dir: no such file or folder"),
    (["{seeds}", "--config", "{bad}"], "corpus-audit: error: {bad}: unknown key 'thresholds.max-dupes'"),
    (["{seeds}", "--baseline", "{bad}"], "corpus-audit: error: {bad}: baseline is not valid JSON"),
])
def test_usage_config_and_input_errors_exit_2(cli, seeds, tmp_path, args, message):
    bad = tmp_path / "bad.toml"
    bad.write_text("[thresholds]\nmax-dupes = 0.1\n")
    args = [a.format(seeds=seeds, bad=bad) for a in args]
    run = cli("check", *args)
    assert run.returncode == 2
    assert run.stderr.strip().startswith(message.format(bad=bad))
    assert run.stdout == "" and "Traceback" not in run.stderr


def test_a_bad_flag_value_is_a_usage_error(cli, seeds):
    run = cli("check", str(seeds), "--max-boilerplate-share", "lots")
    assert run.returncode == 2
    assert "'lots' is neither a float nor 'off'" in run.stderr


@pytest.mark.parametrize("flag, value, message", [
    ("--max-boilerplate-share", "5", "must be a share from 0 to 1, not 5: shares are fractions (0.05 for 5%)"),
    ("--max-duplicate-share", "1.5", "must be a share from 0 to 1, not 1.5: shares are fractions (0.05 for 5%)"),
    ("--max-repair-share", "-0.1", "must be a share from 0 to 1, not -0.1"),
    ("--max-input-errors", "-3", "must be 0 or more, not -3"),
    ("--max-passage-pairs", "-1", "must be 0 or more, not -1"),
])
def test_a_threshold_flag_out_of_bounds_is_one_line_naming_the_flag(cli, seeds, flag, value, message):
    # 5 meant as 5% would be 500%, a limit no corpus exceeds: the gate would be off, silently.
    run = cli("check", str(seeds), flag, value)
    assert run.returncode == 2
    assert run.stderr == f"corpus-audit: error: {flag} {message}\n"
    assert run.stdout == ""


def test_a_threshold_out_of_bounds_in_pyproject_is_exit_2_naming_file_and_key(cli, seeds, tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.corpus-audit.thresholds]\nmax-boilerplate-share = -1\n")
    run = cli("check", str(seeds), cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr == (f"corpus-audit: error: {tmp_path / 'pyproject.toml'}: 'thresholds.max-boilerplate-share' "
                          "must be a share from 0 to 1, not -1\n")
    # The flag overrides the file's value, but the file is still read and must be valid.
    assert cli("check", str(seeds), "--max-boilerplate-share", "0.5", cwd=tmp_path).returncode == 2


def test_sarif_is_valid_against_the_schema(cli, seeds, tmp_path, sarif_schema):
    out = tmp_path / "seeds.sarif"
    run = cli("check", str(seeds), "--config", str(STRICT), "--format", "sarif", "-o", str(out))
    assert run.returncode == 1
    assert run.stdout.splitlines()[0] == STRICT_FAILURES
    log = json.loads(out.read_text())
    validator = jsonschema.Draft4Validator(sarif_schema)
    assert list(validator.iter_errors(log)) == []
    run0 = log["runs"][0]
    assert [r["id"] for r in run0["tool"]["driver"]["rules"]] == [
        "byline.by", "credit.label", "passage.shared", "share.widget", "wire.contributed"]
    widget = [r for r in run0["results"] if r["ruleId"] == "share.widget"]
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in widget] == [15, 16]
    assert widget[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "seeds/000_bcb7408d258baeaa.txt"
    assert widget[0]["level"] == "warning"
    assert [n["message"]["text"] for n in run0["invocations"][0]["toolExecutionNotifications"]] == \
        STRICT_FAILURES.removeprefix("corpus-audit: fail: ").split("; ")
    # The validator does catch a log that breaks the schema.
    widget[0]["level"] = "notice"
    assert list(validator.iter_errors(log))


def test_jsonl_input_errors_fail_and_point_at_the_record(cli, tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "a1", "text": "A quiet day in the harbour.\nShare this Article"}) + "\n{oops\n")
    run = cli("check", str(feed), "--format", "github")
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    assert lines[0].startswith("corpus-audit: fail: max-boilerplate-share: 50.0% > 20.0%; max-input-errors: 1 > 0")
    path = feed.as_posix()
    escaped = path.replace(":", "%3A").replace(",", "%2C")
    assert (f"::warning file={escaped},line=1,title=corpus-audit share.widget::record a1, line 2 of its text: "
            "Share widget text left in the page: “Share this Article”") in lines
    assert any(line.startswith(f"::error file={escaped},line=2,title=corpus-audit input.unreadable::invalid JSON")
               for line in lines)
    assert f"corpus-audit: {path}:2: invalid JSON" in run.stderr


@pytest.mark.parametrize("make", ["empty.jsonl", "blank.jsonl", "empty.jsonl.gz", "folder", "stdin"])
def test_nothing_to_read_fails_the_check(cli, tmp_path, make):
    # An empty export (or a folder the scraper left empty) is not a corpus that passes.
    path = tmp_path / make
    if make == "folder":
        path.mkdir()
        (path / "sub").mkdir()
        where, message = path.as_posix(), "no .txt, .md, JSON Lines, JSON, CSV or Parquet file in the folder"
    elif make == "stdin":
        path = "-"
        where, message = "<stdin>", "empty, no records"
    else:
        path.write_bytes({"empty.jsonl": b"", "blank.jsonl": b"\n \n", "empty.jsonl.gz": gzip.compress(b"")}[make])
        where, message = path.as_posix(), "empty, no records"
    run = cli("check", str(path), "--format", "text", input="")
    # Failed, and more: not one record was read, which is an input error (exit 2), not a verdict.
    assert run.returncode == 2, run.stderr
    assert run.stdout.splitlines()[0] == "corpus-audit: fail: max-input-errors: 1 > 0"
    assert run.stderr == f"corpus-audit: {where}: {message}\ncorpus-audit: error: no readable record (1 input error)\n"
    strict = cli("check", str(path), "--strict", input="")
    assert strict.returncode == 2 and strict.stdout == ""
    assert strict.stderr == f"corpus-audit: error: {where}: {message}\n"


def test_baseline_fails_only_on_new_findings(cli, clean, tmp_path):
    story = clean / "alpha" / "story.txt"
    story.write_text(story.read_text() + "Share this Article\n")
    baseline = tmp_path / "baseline.json"
    first = cli("check", str(clean), "--fail-on", "info", "--write-baseline", str(baseline))
    assert first.returncode == 0, first.stdout
    assert first.stdout.splitlines()[0] == (
        f"corpus-audit: pass: every threshold holds (2 documents, 0 findings) [Baseline {baseline}: "
        "1 known finding set aside; only new findings are judged.]")
    [entry] = json.loads(baseline.read_text())["findings"]
    assert (entry["rule"], entry["documents"], entry["count"]) == ("share.widget", ["alpha/story.txt"], 1)
    # Lines move (a new first line), case and spacing change: still the known finding.
    story.write_text("UPDATED\n" + story.read_text().replace("Share this Article", "SHARE  this article"))
    assert cli("check", str(clean), "--fail-on", "info", "--baseline", str(baseline)).returncode == 0
    # A new leftover line fails, and is the only one annotated.
    other = clean / "beta" / "story.txt"
    other.write_text(other.read_text() + "Share on Facebook\n")
    run = cli("check", str(clean), "--fail-on", "info", "--baseline", str(baseline), "--format", "github")
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    assert lines[0].startswith("corpus-audit: fail: fail-on: 1 finding at severity info or above (share.widget 1)")
    assert [line.split("::")[1] for line in lines if line.startswith("::warning")] == [
        f"warning file={(other).as_posix().replace(':', '%3A')},line=4,title=corpus-audit share.widget"]


def test_readability_bounds_need_readability():
    validate(ScanSettings(readability=False))
    with pytest.raises(ConfigError, match="min-mean-grade and max-mean-grade need readability = true"):
        validate(ScanSettings(readability=False, thresholds=Thresholds(min_mean_grade=6)))


def test_the_docs_give_every_threshold_with_its_default():
    docs = (Path(__file__).parent.parent / "docs" / "ci.md").read_text()
    for field in dataclasses.fields(Thresholds):
        default = "off" if field.default is None else field.default
        assert f"| `{field.name.replace('_', '-')}` | `{default}` | {field.metadata['doc']} |" in docs
