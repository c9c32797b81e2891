"""Malformed input: each case gives one clear message with file and line, and counts reconcile."""

import gzip
import json
import os

import pytest

from audit.read.readers import Corpus
from audit.records import Document, InputProblem
from audit.pipeline import scan
from audit.settings import ScanSettings

GOOD = json.dumps({"id": "good", "text": "A perfectly good record."})


def jsonl(tmp_path, *lines, name="feed.jsonl"):
    path = tmp_path / name
    path.write_bytes(b"\n".join(line if isinstance(line, bytes) else line.encode() for line in lines) + b"\n")
    return path


CASES = {
    "not json": ([GOOD, "{nope"], "feed.jsonl:2: invalid JSON"),
    "not an object": ([GOOD, '"just a string"'], "feed.jsonl:2: a string, not a JSON object"),
    "text missing": ([GOOD, '{"id": "b"}'], "feed.jsonl:2: field 'text' is missing"),
    "text null": ([GOOD, '{"id": "b", "text": null}'], "feed.jsonl:2: field 'text' is null, not a string"),
    "text number": ([GOOD, '{"id": "b", "text": 3}'], "feed.jsonl:2: field 'text' is a number, not a string"),
    "text list": ([GOOD, '{"id": "b", "text": ["x"]}'], "feed.jsonl:2: field 'text' is a list, not a string"),
    "duplicate id": ([GOOD, GOOD], "feed.jsonl:2: duplicate id 'good' (first at"),
    "empty text": ([GOOD, '{"id": "b", "text": ""}'], "feed.jsonl:2: empty document"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_record_is_one_input_error_and_the_run_goes_on(tmp_path, case):
    lines, message = CASES[case]
    result = scan([str(jsonl(tmp_path, *lines))], ScanSettings(jobs=1, readability=False, tone=False))
    [error] = [f for f in result.findings if f.kind == "input-error"]
    assert f"{error.document}:{error.line}: {error.message}".endswith(message.split(": ", 1)[1]) or \
        message.split(": ", 1)[1] in f"{error.document}:{error.line}: {error.message}"
    assert error.document.endswith("feed.jsonl") and error.line == 2
    assert [d.id for d in result.documents] == ["good"]
    assert result.records == len(result.documents) + result.input_errors == 2


def test_invalid_and_mixed_utf8_is_read_and_reported(tmp_path):
    (tmp_path / "mixed.txt").write_bytes("Caf\u00e9 in UTF-8.\n".encode() + "Caf\u00e9 in Latin-1.\n".encode("latin-1"))
    path = jsonl(tmp_path, '{"id": "r", "text": "na\xefve"}'.encode("latin-1"), name="recs.jsonl")
    result = scan([str(tmp_path)], ScanSettings(jobs=1, readability=False, tone=False))
    recoded = sorted((f.document, f.line) for f in result.findings if f.rule == "encoding.not-utf8")
    assert recoded == [("mixed.txt", 2), ("r", None)]
    assert result.input_errors == 0 and path.exists()


def test_bom_crlf_lone_cr_and_nul_bytes(tmp_path):
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbfFirst line.\r\nSecond line.\rThird\x00 line.\n")
    result = scan([str(tmp_path)], ScanSettings(jobs=1, readability=False, tone=False))
    [doc] = result.documents
    assert doc.lines == 4 and doc.text_lines == 3 and result.input_errors == 0


def test_binary_empty_and_whitespace_files(tmp_path):
    (tmp_path / "image.txt").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "spaces.md").write_bytes(b"  \n\t \n")
    (tmp_path / "empty.jsonl").write_bytes(b"")
    (tmp_path / "blank.jsonl.gz").write_bytes(gzip.compress(b"\n \n"))
    (tmp_path / "ok.txt").write_text("Some text.")
    result = scan([str(tmp_path)], ScanSettings(jobs=1, readability=False, tone=False))
    errors = sorted((f.document.split("/")[-1], f.line, f.message) for f in result.findings if f.kind == "input-error")
    assert errors == [("blank.jsonl.gz", None, "empty, no records"), ("empty.jsonl", None, "empty, no records"),
                      ("empty.txt", None, "empty document"), ("image.txt", None, "binary file, not text"),
                      ("spaces.md", None, "empty document")]
    assert result.records == 6 and len(result.documents) == 1


@pytest.mark.parametrize("make", ["empty.jsonl", "blank.jsonl", "folder"])
def test_nothing_to_read_is_an_input_error_and_fatal_under_strict(tmp_path, make):
    from audit.errors import InputError

    path = tmp_path / make
    if make == "folder":
        path.mkdir()
        (path / "notes.xlsx").write_text("not a corpus file\n")
        message = "no .txt, .md, JSON Lines, JSON, CSV or Parquet file in the folder"
    else:
        path.write_text("" if make == "empty.jsonl" else "\n\n")
        message = "empty, no records"
    result = scan([str(path)], ScanSettings(jobs=1, readability=False, tone=False))
    [error] = result.findings
    assert (error.document, error.line, error.kind, error.rule, error.message) == (
        path.as_posix(), None, "input-error", "input.unreadable", message)
    assert (result.input_errors, result.records, result.verdict) == (1, 1, "fail")
    with pytest.raises(InputError, match=f"^{path.as_posix()}: {message}$"):
        scan([str(path)], ScanSettings(jobs=1, readability=False, tone=False, strict=True))


def test_huge_single_line_is_refused_without_reading_it_whole(tmp_path):
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:
        f.truncate(100 * 1024 * 1024)  # 100 MB, sparse: nothing to hold in memory
    records = list(Corpus([str(tmp_path)]))
    assert isinstance(records[0], InputProblem)
    assert records[0].message == "document too large (104,857,600 bytes; the limit is 52,428,800)"


def test_truncated_gzip_keeps_what_was_read(tmp_path):
    path = tmp_path / "feed.jsonl.gz"
    rows = "".join(json.dumps({"id": f"d{i}", "text": f"Record number {i} " * 20}) + "\n" for i in range(200))
    data = gzip.compress(rows.encode())
    path.write_bytes(data[: len(data) // 2])
    records = list(Corpus([str(path)]))
    docs = [r for r in records if isinstance(r, Document)]
    [problem] = [r for r in records if isinstance(r, InputProblem)]
    assert 0 < len(docs) < 200
    assert problem.origin.line == len(docs) + 1
    assert problem.message.startswith("cannot read further:")


def test_zstandard_is_read_as_a_stream(tmp_path):
    import zstandard
    path = tmp_path / "feed.jsonl.zst"
    path.write_bytes(zstandard.ZstdCompressor().compress((GOOD + "\n").encode()))
    assert [r.id for r in Corpus([str(path)])] == ["good"]


def test_symlink_loops_and_unreadable_files(tmp_path, refuse_reading):
    (tmp_path / "ok.txt").write_text("Readable text.")
    os.symlink("loop.txt", tmp_path / "loop.txt")
    os.symlink(".", tmp_path / "again")
    secret = tmp_path / "secret.txt"
    secret.write_text("Hidden.")
    refuse_reading("read_bytes", "secret.txt")
    records = {str(r.origin).split("/")[-1]: r for r in Corpus([str(tmp_path)])}
    assert records["ok.txt"].text == "Readable text."
    assert records["secret.txt"].message == "cannot read file: Permission denied"
    assert records["loop.txt"].message.startswith("cannot read file: Too many levels of symbolic links")
    assert len(records) == 3


def test_cli_reports_each_case_on_one_line_without_traceback(cli, tmp_path):
    jsonl(tmp_path, GOOD, "{nope", '{"id": "b"}', GOOD)
    (tmp_path / "bin.txt").write_bytes(b"\x00\x00\x01\x02" * 100)
    run = cli("scan", str(tmp_path), "--format", "json")
    assert run.returncode == 0 and "Traceback" not in run.stderr
    lines = run.stderr.strip().split("\n")
    assert len(lines) == 4 and all(line.startswith("corpus-audit: ") for line in lines)
    summary = json.loads(run.stdout)["summary"]
    assert summary["records"] == summary["documents"] + summary["input_errors"] == 5
    strict = cli("scan", str(tmp_path), "--strict")
    assert strict.returncode == 2 and strict.stderr.count("\n") == 1 and "Traceback" not in strict.stderr
