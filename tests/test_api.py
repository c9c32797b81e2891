"""The library as a pipeline calls it: a corpus given as paths or as records in memory (dicts,
documents, pandas, datasets, Parquet) gives the report of the same records in a JSON Lines file;
check, clean and feed dedup return objects; per-text helpers; errors in the library's terms."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import audit
from audit.cli import cli as cli_group
from audit.errors import InputError
from audit.feed.index import Verdict

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture
def records() -> list[dict]:
    """The seeds as records, one of them twice (a near-duplicate cluster) and with a date."""
    out = []
    for k, path in enumerate(sorted(SEEDS.glob("*.txt"))):
        out.append({"id": path.stem, "source": f"outlet{k}", "url": f"https://outlet{k}.example/{k}",
                    "date": f"2024-05-0{k + 1}", "text": path.read_text(encoding="utf-8")})
    copy = dict(out[0], id="copy", source="aggregator", text=out[0]["text"].replace("\n\n", "\n\n", 1) + "\nMore.")
    return out + [copy]


@pytest.fixture
def jsonl(records, tmp_path, monkeypatch) -> Path:
    """The records in a file, given as the relative path "records.jsonl" (records in memory are
    reported as that file)."""
    (tmp_path / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return Path("records.jsonl")


@pytest.fixture(autouse=True)
def fixed_time(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")


def reports(result: audit.ScanResult) -> tuple[str, str]:
    return audit.render(result, "markdown", "records"), audit.render(result, "json")


def settings() -> audit.ScanSettings:
    return audit.ScanSettings(jobs=1)


def test_a_list_of_dicts_gives_the_report_of_the_same_records_in_a_file(records, jsonl):
    from_file = audit.scan(str(jsonl), settings())
    assert from_file.clusters and from_file.passage_pairs  # a report with something in it
    assert reports(audit.scan(records, settings())) == reports(from_file)
    # A generator is read once, and spooled for the corpus pass's second reading.
    assert reports(audit.scan((r for r in records), settings())) == reports(from_file)


def test_paths_as_a_string_a_path_or_a_list(jsonl):
    expected = reports(audit.scan([str(jsonl)], settings()))
    assert reports(audit.scan(jsonl, settings())) == expected
    assert reports(audit.scan(str(jsonl), settings())) == expected


def test_documents_and_a_name(records, jsonl, tmp_path):
    docs = [audit.Document(r["id"], r["source"], r["text"], fields=r) for r in records]
    named = Path("feed.jsonl")
    named.write_bytes(jsonl.read_bytes())
    result = audit.scan(docs, settings(), name="feed")
    assert audit.render(result, "markdown", "feed") == audit.render(audit.scan(named, settings()), "markdown", "feed")


def test_a_pandas_dataframe_and_column(records, jsonl):
    pd = pytest.importorskip("pandas", reason="pandas is an optional extra (corpus-audit[pandas])")
    frame = pd.DataFrame(records)
    assert reports(audit.scan(frame, settings())) == reports(audit.scan(jsonl, settings()))
    # A column: its values are the texts and its index the ids.
    column = frame.set_index("id")["text"]
    by_column = audit.scan(column, settings())
    assert [d.id for d in by_column.documents] == [r["id"] for r in records]
    texts = [{"id": r["id"], "text": r["text"]} for r in records]
    assert reports(by_column) == reports(audit.scan(texts, settings()))


def test_a_pandas_frames_own_index_gives_the_ids_and_a_feed_takes_its_rows(records, tmp_path):
    pd = pytest.importorskip("pandas", reason="pandas is an optional extra (corpus-audit[pandas])")
    frame = pd.DataFrame(records).set_index("id")
    assert [d.id for d in audit.scan(frame, settings()).documents] == [r["id"] for r in records]
    with audit.Feed(str(tmp_path / "seen.db")) as feed:
        # The last record is a near-copy of the first.
        assert [r["id"] for r in feed.new(pd.DataFrame(records))] == [r["id"] for r in records[:3]]


def test_a_pandas_frame_with_missing_values_reports_them_as_input_errors(records):
    pd = pytest.importorskip("pandas", reason="pandas is an optional extra (corpus-audit[pandas])")
    frame = pd.DataFrame(records[:2] + [{"id": "blank"}])  # no text: NaN in the frame
    result = audit.scan(frame, settings())
    assert result.input_errors == 1
    [problem] = [f for f in result.findings if f.kind == "input-error"]
    assert (problem.document, problem.line, problem.message) == ("records.jsonl", 3, "field 'text' is null, not a string")


def test_a_hugging_face_dataset_and_its_column(records, jsonl):
    datasets = pytest.importorskip("datasets", reason="datasets is an optional extra (corpus-audit[datasets])")
    dataset = datasets.Dataset.from_list(records)
    assert reports(audit.scan(dataset, settings())) == reports(audit.scan(jsonl, settings()))
    texts = [r["text"] for r in records]
    assert reports(audit.scan(dataset["text"], settings())) == reports(audit.scan(iter(texts), settings()))


def test_a_parquet_file_reads_as_the_same_records(records, jsonl, tmp_path, monkeypatch):
    pa = pytest.importorskip("pyarrow", reason="pyarrow is an optional extra (corpus-audit[parquet])")
    import pyarrow.parquet as pq

    folder = tmp_path / "parquet"
    folder.mkdir()
    pq.write_table(pa.Table.from_pylist(records), folder / "records.parquet", row_group_size=2)
    monkeypatch.chdir(folder)
    from_parquet = audit.scan("records.parquet", settings())
    monkeypatch.chdir(tmp_path)
    # A row's origin is the file and the row's number, as a record's is the file and its line.
    assert tuple(r.replace("records.parquet:", "records.jsonl:") for r in reports(from_parquet)) == \
        reports(audit.scan(jsonl, settings()))
    # In a folder too, beside text files.
    assert len(audit.scan(folder, settings()).documents) == len(records)


def test_a_broken_parquet_file_is_an_input_error(tmp_path):
    pytest.importorskip("pyarrow", reason="pyarrow is an optional extra (corpus-audit[parquet])")
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 not really")
    result = audit.scan(bad, settings())
    assert result.input_errors == 1
    assert next(iter(result.findings)).message.startswith("cannot read Parquet: ")


def test_a_record_that_is_not_an_object_is_an_input_error_as_in_a_file(records):
    result = audit.scan([records[0], 42, {"id": "x"}], settings())
    problems = [(f.document, f.line, f.message) for f in result.findings if f.kind == "input-error"]
    assert problems == [("records.jsonl", 2, "a number, not a JSON object"), ("records.jsonl", 3, "field 'text' is missing; the record has id")]
    with pytest.raises(InputError, match=r"^records.jsonl:2: a number, not a JSON object$"):
        audit.scan([records[0], 42], audit.ScanSettings(jobs=1, strict=True))


def test_texts_alone_are_records_and_an_empty_list_is_an_empty_corpus(records):
    texts = audit.scan((r["text"] for r in records), settings())
    assert [d.id for d in texts.documents] == [f"records:{n}" for n in range(1, len(records) + 1)]
    empty = audit.scan([], settings())
    assert (empty.input_errors, next(iter(empty.findings)).message) == (1, "empty, no records")


def test_a_documents_own_id_and_source_win_over_its_fields():
    doc = audit.Document("x1", "wire", "Floods closed the valley road on Monday.", fields={"id": "old", "lang": "en"})
    [summary] = audit.scan([doc], settings()).documents
    assert (summary.id, summary.source) == ("x1", "wire")


def test_numpy_values_are_written_back_as_json_values(tmp_path):
    np = pytest.importorskip("numpy")
    row = {"id": "a", "text": "Floods closed the valley road on Monday, officials said.",
           "tags": np.array(["x", "y"]), "n": np.int64(5), "deep": {"m": [np.float64(0.5), float("nan")]}}
    audit.clean([row], str(tmp_path / "out.jsonl"), settings())
    written = json.loads((tmp_path / "out.jsonl").read_text())
    assert written == {"id": "a", "text": row["text"], "tags": ["x", "y"], "n": 5, "deep": {"m": [0.5, None]}}


@pytest.mark.parametrize("source", [42, {"id": "a", "text": "One."}, b"text"])
def test_what_is_not_a_corpus_is_refused_in_the_librarys_terms(source):
    with pytest.raises(InputError, match=r"^source must be paths or an iterable of records .*, not (int|dict|bytes)$"):
        audit.scan(source)


def test_settings_from_python_are_checked_and_hashable():
    with pytest.raises(audit.ConfigError, match=r"^engine: 'spark' is not one of local, dask$"):
        audit.ScanSettings(engine="spark")
    lists = audit.ScanSettings(disabled_rules=["share.widget"])
    assert lists.disabled_rules == ("share.widget",)
    assert audit.leftovers_of("The river rose two metres overnight.\nShare this article", lists) == []


def test_check_returns_its_verdict(records):
    strict = audit.ScanSettings(jobs=1, thresholds=audit.Thresholds(max_boilerplate_share=0.0))
    outcome = audit.check(records, strict)
    assert isinstance(outcome, audit.CheckOutcome) and not outcome.passed
    assert any(c.name == "max-boilerplate-share" and not c.passed for c in outcome.result.checks)
    assert audit.check(records, settings()).passed


def test_clean_records_into_a_file_with_its_log(records, jsonl, tmp_path):
    counts = audit.clean(records, str(tmp_path / "clean.jsonl"), settings(), name="records")
    expected = audit.clean([str(jsonl)], str(tmp_path / "clean-file.jsonl"), settings())
    assert counts == expected and counts.duplicates_dropped == 1 and counts.lines_removed > 0
    assert (tmp_path / "clean.jsonl").read_bytes() == (tmp_path / "clean-file.jsonl").read_bytes()
    log = [json.loads(line) for line in (tmp_path / "clean.removals.jsonl").read_text().splitlines()]
    assert len(log) == counts.logged


def test_dedup_from_python_and_a_feed_share_one_index_with_the_command(records, tmp_path, cli):
    index = str(tmp_path / "seen.db")
    first = audit.dedup(records[:2], index, output=str(tmp_path / "new.jsonl"))
    assert (first.counts.read, first.counts.new) == (2, 2)
    assert [json.loads(line)["id"] for line in (tmp_path / "new.jsonl").read_text().splitlines()] == \
        [r["id"] for r in records[:2]]
    with audit.Feed(index) as feed:
        verdicts = list(feed.verdicts(records + [{"id": "no text"}]))
        assert [r["id"] for r, v in verdicts if isinstance(v, Verdict) and v.new] == [records[2]["id"]]
        assert [v.duplicate_of for _, v in verdicts[:2]] == [records[0]["id"], records[1]["id"]]
        assert verdicts[3][1].duplicate_of == records[0]["id"]  # the near-copy
        assert verdicts[4][1].message == "field 'text' is missing; the record has id"
        assert (feed.counts.read, feed.counts.new, feed.counts.duplicates, feed.counts.errors) == (5, 1, 3, 1)
    # What the Feed remembered, the command knows.
    again = cli("dedup", "--index", index, input=json.dumps(records[2]) + "\n")
    assert again.returncode == 0 and again.stdout == ""
    assert "1 read, 0 new, 1 duplicate, 0 errors" in again.stderr


def test_dedup_to_a_stdout_without_bytes_still_delivers(records, tmp_path, capsys):
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()) as out:
        run = audit.dedup(records[:1], str(tmp_path / "seen.db"))
    assert run.counts.new == 1 and json.loads(out.getvalue())["id"] == records[0]["id"]


def test_per_text_helpers():
    text = (SEEDS / "000_bcb7408d258baeaa.txt").read_text(encoding="utf-8")
    found = audit.leftovers_of(text)
    assert "share.widget" in {f.rule for f in found} and all(f.kind == "boilerplate" for f in found)
    stripped = audit.strip_leftovers(text)
    assert len(stripped.split("\n")) == len(text.split("\n")) - len({f.line for f in found if f.detail["action"] == "strip"})
    assert "Share this Article" not in stripped
    grade = audit.readability_of(text)
    assert grade is not None and 5 < grade.grade < 20
    tone = audit.tone_of(text)
    assert tone is not None and 0 <= tone.score <= 1
    # The signature is datasketch's own type: its LSH takes it.
    from datasketch import LeanMinHash, MinHashLSH

    signature = audit.signature_of(text)
    assert isinstance(signature, LeanMinHash) and signature.jaccard(audit.signature_of(text + "\n")) == 1.0
    lsh = MinHashLSH(threshold=0.5, num_perm=len(signature.hashvalues))
    lsh.insert("seed", signature)
    assert lsh.query(audit.signature_of(stripped)) == ["seed"]


def test_per_text_helpers_match_a_scan(records):
    result = audit.scan(records[:1], settings())
    [document] = result.documents
    assert audit.readability_of(records[0]["text"]) == document.readability
    assert audit.tone_of(records[0]["text"]).score == document.tone.score
    assert [(f.rule, f.line) for f in audit.leftovers_of(records[0]["text"])] == \
        [(f.rule, f.line) for f in result.findings if f.kind == "boilerplate"]


def test_render_refuses_an_unknown_format(records):
    with pytest.raises(audit.ConfigError, match=r"^fmt='pdf' is not one of markdown, "):
        audit.render(audit.scan(records[:1], settings()), "pdf")


def test_import_is_quick_and_pulls_in_no_heavy_or_optional_package():
    code = ("import sys, audit; audit.ScanSettings; audit.Fields; "
            "print(sorted(m for m in ('numba', 'scipy', 'datasketch', 'pandas', 'datasets', 'pyarrow', 'dask') "
            "if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


def test_the_cli_phrases_library_errors_in_flags(seeds):
    run = CliRunner().invoke(cli_group, ["clean", str(seeds), "--out", "-"])
    assert run.exit_code == 2
    assert run.output == "corpus-audit: error: --log is needed when the cleaned corpus goes to stdout (--out -)\n"
