import json

import pytest

from audit.config import load_settings, read_config
from audit.errors import ConfigError


def test_defaults_without_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    settings = load_settings()
    assert settings.thresholds.max_boilerplate_share == 0.2
    assert settings.disabled_rules == ()


def test_nearest_pyproject_table_then_config_file_then_flags(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.corpus-audit]\ndisable-rules = ['byline.by']\ntone = false\n"
        "[tool.corpus-audit.thresholds]\nmax-boilerplate-share = 0.05\nmax-passage-pairs = 3\nmax-input-errors = false\n")
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)
    settings = load_settings()
    assert settings.disabled_rules == ("byline.by",)
    assert settings.tone is False
    assert settings.thresholds.max_boilerplate_share == 0.05
    assert settings.thresholds.max_passage_pairs == 3
    assert settings.thresholds.max_input_errors is None
    config = tmp_path / "strict.toml"
    config.write_text("[thresholds]\nmax-boilerplate-share = 0.01\n[similarity]\nkeep = 'earliest'\n")
    settings = load_settings(str(config), {"thresholds.max_input_errors": 5, "jobs": 1, "strict": None})
    assert settings.thresholds.max_boilerplate_share == 0.01
    assert settings.thresholds.max_input_errors == 5
    assert settings.similarity.keep == "earliest"
    assert settings.jobs == 1 and settings.strict is False


def test_lines_table(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("disable-rules = ['lines.template']\n[lines]\naction = 'flag'\nmin-template-documents = false\n"
                    "min-prose-words = 8\n")
    settings = load_settings(str(path))
    assert settings.lines.action == "flag" and settings.lines.min_template_documents is None
    assert settings.lines.min_prose_words == 8
    assert settings.disabled_rules == ("lines.template",)


@pytest.mark.parametrize("body, message", [
    ("[lines]\naction = 'delete'\n", "'lines.action' must be one of flag, strip, not 'delete'"),
    ("[lines]\nmin-template-documents = 1\n", "'lines.min-template-documents' must be at least 2"),
    ("[lines]\nmax-everything = 1\n", "unknown key 'lines.max-everything'"),
    ("colour = 'red'\n", "unknown key 'colour'"),
    ("[thresholds]\nmax-everything = 1\n", "unknown key 'thresholds.max-everything'"),
    ("[thresholds]\nmax-boilerplate-share = 'lots'\n", "'thresholds.max-boilerplate-share' must be"),
    ("[thresholds]\nmax-boilerplate-share = -1\n",
     "'thresholds.max-boilerplate-share' must be a share from 0 to 1, not -1"),
    ("[thresholds]\nmax-duplicate-share = 5\n",
     "'thresholds.max-duplicate-share' must be a share from 0 to 1, not 5: shares are fractions (0.05 for 5%)"),
    ("[thresholds]\nmax-repair-share = nan\n", "'thresholds.max-repair-share' must be a share from 0 to 1, not nan"),
    ("[thresholds]\nmax-input-errors = -3\n", "'thresholds.max-input-errors' must be 0 or more, not -3"),
    ("[thresholds]\nmax-passage-pairs = -1\n", "'thresholds.max-passage-pairs' must be 0 or more, not -1"),
    ("[thresholds]\nmin-mean-grade = inf\n", "'thresholds.min-mean-grade' must be a finite number, not inf"),
    ("[similarity]\npassage-shingle-size = 0\n", "'similarity.passage-shingle-size' must be at least 1 word, not 0"),
    ("quoted-weight = nan\n", "'quoted-weight' must be a finite number, 0 or more, not nan"),
    ("quoted-weight = -0.5\n", "'quoted-weight' must be a finite number, 0 or more, not -0.5"),
    ("tone = 3\n", "'tone' must be bool"),
    ("thresholds = 3\n", "'thresholds' must be a table"),
    ("oops = \n", "not valid TOML"),
])
def test_bad_config_names_file_and_key(tmp_path, body, message):
    path = tmp_path / "c.toml"
    path.write_text(body)
    with pytest.raises(ConfigError) as err:
        load_settings(str(path))
    assert message in str(err.value) and str(path) in str(err.value)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        read_config(tmp_path / "nope.toml")


def test_cli_config_disables_rules(cli, seeds, tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("disable-rules = ['share.widget']\n")
    run = cli("scan", str(seeds), "--format", "json", "--config", str(config))
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert {f["rule"] for f in data["findings"]} == {"byline.by", "credit.label", "wire.contributed"}
    assert data["settings"]["disabled_rules"] == ["share.widget"]
    bad = tmp_path / "bad.toml"
    bad.write_text("nonsense = 1\n")
    run = cli("scan", str(seeds), "--config", str(bad))
    assert run.returncode == 2
    assert run.stderr.strip() == f"corpus-audit: error: {bad}: unknown key 'nonsense'"


def test_fail_on_takes_a_severity_or_false(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[thresholds]\nfail-on = 'warning'\nmin-mean-grade = 6\nmax-mean-grade = false\n")
    thresholds = load_settings(str(path)).thresholds
    assert (thresholds.fail_on, thresholds.min_mean_grade, thresholds.max_mean_grade) == ("warning", 6.0, None)
    path.write_text("[thresholds]\nfail-on = 'loud'\n")
    with pytest.raises(ConfigError) as err:
        load_settings(str(path))
    assert str(err.value) == f"{path}: 'thresholds.fail-on' must be one of info, warning, error or false, not 'loud'"


def test_a_threshold_out_of_bounds_in_pyproject_names_the_file_and_key(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("[tool.corpus-audit.thresholds]\nmax-boilerplate-share = -1\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert str(err.value) == (f"{tmp_path / 'pyproject.toml'}: 'thresholds.max-boilerplate-share' must be a share "
                              "from 0 to 1, not -1")


def test_thresholds_at_their_bounds_are_accepted(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[thresholds]\nmax-duplicate-share = 0\nmax-boilerplate-share = 1\nmax-repair-share = 0.05\n"
                    "max-input-errors = 0\nmax-passage-pairs = 0\nmin-mean-grade = -2\n")
    t = load_settings(str(path)).thresholds
    assert (t.max_duplicate_share, t.max_boilerplate_share, t.max_repair_share) == (0, 1, 0.05)
    assert (t.max_input_errors, t.max_passage_pairs, t.min_mean_grade) == (0, 0, -2)
