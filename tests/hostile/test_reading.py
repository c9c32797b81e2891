"""Hostile input on the reading side (issue 26 items 1-2, issue 25 items 2-3): whatever one record or
file does, it is one input error naming its file and true line, reading goes on, nothing is lost
silently and nothing ends in a traceback; memory stays bounded while a line is read; files that are
not read are listed; a misconfigured field is one line, and nothing readable is exit 2."""

from __future__ import annotations

import gzip
import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from audit.read.readers import Corpus, Fields, MAX_JSON_DEPTH
from audit.records import Document, InputProblem

ROOT = Path(__file__).resolve().parent.parent.parent


def text(n: int) -> str:
    """A record's text, unlike every other n's (so that none is a near-duplicate of another)."""
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]
    return " ".join(f"{words[(n * 7 + i * 3) % 10]}{n}x{i}" for i in range(40)) + "."


def good(n: int) -> str:
    return json.dumps({"id": f"good{n}", "text": text(n)})


#: Each hostile record (a JSON Lines line, given as the file holds it), and the words of its error
#: (None: the record is read, with a note).
HOSTILE = {
    "int of 5,000 digits": ('{"id": "big", "text": "Some text here.", "n": ' + "9" * 5000 + "}",
                            "Exceeds the limit (4300 digits)"),
    "100,000 levels of nesting": ('{"id": "deep", "text": "x", "n": ' + "[" * 100_000 + "]" * 100_000 + "}",
                                  "nested too deeply"),
    "200 levels of nesting": ('{"id": "deep2", "text": "x", "n": ' + "[" * 200 + "]" * 200 + "}",
                              "nested too deeply"),
}

#: Records that are read (not errors) although they would have broken a stage before.
READABLE = {
    "url http://[bad": json.dumps({"id": "badurl", "text": text(101), "url": "http://[bad"}),
    "lone surrogate in id": '{"id": "sur\\ud800id", "text": ' + json.dumps(text(102)) + '}',
    "lone surrogate in text": '{"id": "surtext", "text": "' + text(103) + ' \\udc80 end"}',
    "lone surrogate in another field": '{"id": "surother", "text": ' + json.dumps(text(104)) + ', "by": "\\ud800"}',
    "lone surrogate in a key": '{"id": "surkey", "text": ' + json.dumps(text(105)) + ', "\\udfff": 1}',
}


def hostile_feed(path: Path) -> tuple[list[int], list[str]]:
    """A JSON Lines file of good records with each hostile one between them. Returns the lines of
    the hostile records that are errors, and the ids of the records that must be read."""
    lines, error_lines, ids = [], [], []
    n = 0
    for case in list(HOSTILE) + list(READABLE):
        lines.append(good(n))
        ids.append(f"good{n}")
        n += 1
        if case in HOSTILE:
            lines.append(HOSTILE[case][0])
            error_lines.append(len(lines))
        else:
            lines.append(READABLE[case])
            ids.append(json.loads(READABLE[case].replace("\\ud800", "").replace("\\udc80", "")
                                  .replace("\\udfff", ""))["id"])
    lines.append(good(n))
    ids.append(f"good{n}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return error_lines, ids


def no_traceback(ran) -> None:
    assert "Traceback" not in ran.stderr, ran.stderr


def test_each_hostile_record_is_one_error_at_its_true_line_and_reading_goes_on(tmp_path):
    path = tmp_path / "feed.jsonl"
    error_lines, ids = hostile_feed(path)
    records = list(Corpus([str(path)]))
    problems = [r for r in records if isinstance(r, InputProblem)]
    docs = [r for r in records if isinstance(r, Document)]
    assert [p.origin.line for p in problems] == error_lines
    for p, case in zip(problems, HOSTILE):
        assert HOSTILE[case][1] in p.message, (case, p.message)
    assert [d.id.replace("\ufffd", "") for d in docs] == ids
    assert "Exceeds" in problems[0].message and "set_int_max_str_digits" not in problems[0].message


def test_lone_surrogates_are_replaced_and_counted_as_recoded(tmp_path):
    path = tmp_path / "feed.jsonl"
    hostile_feed(path)
    docs = {d.id: d for d in Corpus([str(path)]) if isinstance(d, Document)}
    assert "sur\ufffdid" in docs and docs["sur\ufffdid"].recoded_lines == [0]
    assert "\ufffd end" in docs["surtext"].text and docs["surother"].fields["by"] == "\ufffd"
    assert "\ufffd" in docs["surkey"].fields
    for d in docs.values():
        json.dumps(d.fields, ensure_ascii=False).encode("utf-8")  # writable as UTF-8
    assert docs["badurl"].source == "feed"


def test_a_record_nested_just_within_the_bound_is_read(tmp_path):
    path = tmp_path / "feed.jsonl"
    nested = "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1)
    path.write_text('{"id": "a", "text": "Fine.", "n": ' + nested + "}\n")
    [doc] = Corpus([str(path)])
    assert isinstance(doc, Document)


@pytest.mark.parametrize("command", ["scan", "check", "clean", "dedup", "dedup-stdin"])
def test_every_command_reads_past_hostile_records_without_a_traceback(cli, tmp_path, command):
    path = tmp_path / "feed.jsonl"
    error_lines, ids = hostile_feed(path)
    feed = path.as_posix()
    if command == "scan":
        ran = cli("scan", feed, "--format", "json", "-o", str(tmp_path / "r.json"), "-q")
        report = json.loads((tmp_path / "r.json").read_text())
        assert len(report["documents"]) == len(ids)
        assert ran.returncode == 0
    elif command == "check":
        ran = cli("check", feed, "--format", "json", "-o", str(tmp_path / "r.json"), "-q",
                  "--max-input-errors", str(len(error_lines)))
        assert json.loads((tmp_path / "r.json").read_text())["summary"]["documents"] == len(ids)
    elif command == "clean":
        ran = cli("clean", feed, "--out", str(tmp_path / "out.jsonl"), "-q")
        out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
        assert len(out) == len(ids)
        assert ran.returncode == 0
    else:
        args = ["dedup", "--index", str(tmp_path / "feed.db"), "-q", "--max-errors", "10"]
        stdin = command == "dedup-stdin"
        for attempt in range(2):  # a rerun reads the same feed: no poison pill
            ran = cli(*args, *([] if stdin else [feed]), input=path.read_text(encoding="utf-8") if stdin else None)
            no_traceback(ran)
            assert ran.returncode == 0, ran.stderr
            out = [json.loads(line) for line in ran.stdout.splitlines()]
            assert len(out) == (len(ids) if attempt == 0 else 0)
            assert f"{len(ids) + len(error_lines)} read, {len(ids) if attempt == 0 else 0} new" in ran.stderr
        ran.stdout.encode("utf-8")
    no_traceback(ran)
    where = "<stdin>" if command == "dedup-stdin" else feed
    for line in error_lines:
        assert f"{where}:{line}: " in ran.stderr, ran.stderr


def gzip_of_zeros(path: Path, megabytes: int, then: str = "") -> None:
    """A gzip file of one line of `megabytes` MB of zeros (a few hundred kB on disk), then `then`."""
    block = b"0" * (1 << 20)
    with gzip.open(path, "wb", compresslevel=1) as f:
        for _ in range(megabytes):
            f.write(block)
        f.write(b"\n" + then.encode())


def test_a_gzip_bomb_line_is_skipped_without_holding_it_and_reading_goes_on(tmp_path):
    path = tmp_path / "bomb.jsonl.gz"
    gzip_of_zeros(path, 200, good(1) + "\n")
    assert path.stat().st_size < 2_000_000
    records = list(Corpus([str(path)]))
    assert isinstance(records[0], InputProblem) and records[0].origin.line == 1
    assert records[0].message.startswith("line too long (209,715,201 bytes; the limit is 52,428,800)")
    assert [r.id for r in records[1:]] == ["good1"]


def test_a_line_without_end_far_past_the_limit_ends_the_file(tmp_path):
    path = tmp_path / "bomb.jsonl.gz"
    gzip_of_zeros(path, 40, good(1) + "\n")
    [problem] = Corpus([str(path)], max_bytes=1 << 20)
    assert problem.origin.line == 1
    assert "the rest of the file is not read" in problem.message and "line longer than 16,777,217 bytes" in problem.message


def test_a_corrupt_zstd_file_is_an_input_error_after_what_it_held(tmp_path, cli):
    import zstandard

    path = tmp_path / "feed.jsonl.zst"
    data = zstandard.ZstdCompressor().compress(("\n".join(good(n) for n in range(3)) + "\n").encode())
    path.write_bytes(data + b"\x28\xb5\x2f\xfd garbage that is no frame" * 10)
    records = list(Corpus([str(path)]))
    assert [r.id for r in records[:3]] == ["good0", "good1", "good2"]
    assert isinstance(records[3], InputProblem) and records[3].message.startswith("cannot read further")
    ran = cli("scan", str(path), "--format", "json", "-o", str(tmp_path / "r.json"), "-q")
    no_traceback(ran)
    assert "feed.jsonl.zst:4: cannot read further" in ran.stderr


def test_a_fifo_socket_and_device_are_listed_never_opened(cli_process, tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text(text(1))
    os.mkfifo(folder / "pipe.txt")
    os.mkfifo(tmp_path / "named.jsonl")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(folder / "sock.jsonl"))
    try:
        os.symlink("/dev/zero", folder / "zero.txt")
        ran = cli_process("scan", str(folder), str(tmp_path / "named.jsonl"), "--format", "json",
                          "-o", str(tmp_path / "r.json"), "-q")
    finally:
        sock.close()
    no_traceback(ran)
    assert "skipped 3 files that are not read: 1 FIFO (not a regular file, e.g. " in ran.stderr
    assert "1 socket" in ran.stderr and "1 device" in ran.stderr
    assert "named.jsonl: not a regular file (a FIFO), not read" in ran.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert [d["id"] for d in report["documents"]] == ["a.txt"]


def test_a_glob_does_not_follow_folder_links_in_cycles(tmp_path):
    root = tmp_path / "L"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text(text(1))
    (root / "sub" / "b.txt").write_text(text(2))
    os.symlink(root, root / "sub" / "loop")
    os.symlink(root, root / "loop")
    records = list(Corpus([f"{root.as_posix()}/**/*.txt"]))
    assert sorted(r.id for r in records) == ["a.txt", "b.txt"]


def test_a_file_name_that_is_not_utf8_is_escaped(cli, tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    name = os.fsdecode(b"caf\xe9.txt")
    (folder / name).write_text(text(1))
    ran = cli("scan", str(folder), "--format", "json", "-o", str(tmp_path / "r.json"), "-q")
    no_traceback(ran)
    assert ran.returncode == 0
    assert [d["id"] for d in json.loads((tmp_path / "r.json").read_text())["documents"]] == ["caf\\xe9.txt"]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_read_as_utf16(tmp_path, codec):
    (tmp_path / "a.txt").write_bytes(("Caf\u00e9 society.\nSecond line of text.\n").encode(codec))
    [doc] = Corpus([str(tmp_path / "a.txt")])
    assert isinstance(doc, Document) and doc.text.startswith("Caf\u00e9 society.")


# -- Formats (issue 25 item 2) -----------------------------------------------------------------

def test_json_array_json_lines_named_json_and_one_object_are_told_apart(tmp_path):
    (tmp_path / "array.json").write_text(json.dumps([{"id": f"a{n}", "text": text(n)} for n in range(3)], indent=2))
    (tmp_path / "lines.json").write_text("\n".join(good(n) for n in range(10, 14)) + "\n")
    (tmp_path / "one.json").write_text(json.dumps({"id": "one", "text": text(20)}, indent=2))
    by_file: dict[str, list] = {}
    for r in Corpus([str(tmp_path)]):
        by_file.setdefault(Path(r.origin.path).name, []).append((r.id, r.origin.line))
    assert by_file["array.json"] == [("a0", 2), ("a1", 6), ("a2", 10)]
    assert by_file["lines.json"] == [(f"good{n}", n - 9) for n in range(10, 14)]
    assert by_file["one.json"] == [("one", 1)]


def test_lone_surrogates_deep_in_a_json_array_element_are_replaced(tmp_path):
    (tmp_path / "a.json").write_text('[{"id": "a", "text": "Fine text.", "tags": [{"\\ud800": "\\udc00x"}]}]')
    [doc] = Corpus([str(tmp_path / "a.json")])
    assert doc.fields["tags"] == [{"\ufffd": "\ufffdx"}] and doc.recoded_lines == [0]


def test_a_json_array_with_a_broken_element_ends_the_file_with_its_line(tmp_path):
    (tmp_path / "array.json").write_text('[\n{"id": "a", "text": "One."},\n{"id": "b", "text": nope}\n]')
    first, problem = Corpus([str(tmp_path / "array.json")])
    assert first.id == "a"
    assert (problem.origin.line, problem.message) == (3, "invalid JSON: Expecting value; the rest of the file is not read")


def test_ndjson_compressed_is_read_as_json_lines(tmp_path):
    with gzip.open(tmp_path / "feed.ndjson.gz", "wt") as f:
        f.write(good(1) + "\n" + good(2) + "\n")
    assert [r.id for r in Corpus([str(tmp_path)])] == ["good1", "good2"]


def test_csv_and_tsv_rows_are_records_with_the_text_column(tmp_path):
    body = text(1).replace("alpha", 'al"pha')
    (tmp_path / "a.csv").write_text(f'id,body,url\nr1,"{body.replace(chr(34), chr(34) * 2)}\nsecond line",https://www.ex.com/1\n'
                                    "r2,short text,https://ex.org/2\nr3,too,many,fields\n")
    (tmp_path / "b.tsv").write_text("id\tbody\nt1\tTab separated text.\n")
    records = list(Corpus([str(tmp_path)], Fields(text="body")))
    docs = [(r.id, r.source, r.origin.line) for r in records if isinstance(r, Document)]
    assert docs == [("r1", "ex.com", 2), ("r2", "ex.org", 4), ("t1", "b", 2)]
    assert records[0].text == body + "\nsecond line"
    [problem] = [r for r in records if isinstance(r, InputProblem)]
    assert (problem.origin.line, problem.message) == (5, "4 fields, the header has 3")


def test_a_huge_csv_field_is_bounded(tmp_path):
    (tmp_path / "a.csv").write_text("id,text\nr1,\"" + "word " * 300_000 + "\"\nr2,Fine.\n")
    records = list(Corpus([str(tmp_path / "a.csv")], max_bytes=1 << 20))
    assert [r.id for r in records if isinstance(r, Document)] == []
    assert "too long" in records[0].message or "larger than the field limit" in records[0].message


def test_html_is_refused_with_a_hint_and_other_files_are_listed_as_skipped(cli, tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text(text(1))
    (folder / "page.html").write_text("<html><body>A page.</body></html>")
    (folder / "img.png").write_bytes(b"\x89PNG")
    (folder / "notes.docx").write_bytes(b"PK")
    ran = cli("scan", str(folder), "--format", "json", "-o", str(tmp_path / "r.json"), "-q")
    assert "skipped 3 files that are not read: " in ran.stderr
    assert "1 .html (HTML is not read: extract the text first (e.g. with trafilatura)" in ran.stderr
    assert "1 .png (not a file type that is read" in ran.stderr
    ran = cli("scan", str(folder / "page.html"), "--format", "json", "-o", str(tmp_path / "r.json"), "-q")
    assert "page.html: HTML is not read: extract the text first" in ran.stderr
    assert ran.returncode == 2


def test_pre_commit_hooks_take_exactly_the_files_the_readers_read():
    import re

    import yaml

    from audit.read.locations import is_corpus_file

    for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text()):
        pattern, exclude = re.compile(hook["files"]), re.compile(hook["exclude"])
        for name in ["a.txt", "notes.md", "f.jsonl", "f.jsonl.gz", "f.jsonl.zst", "f.ndjson", "f.ndjson.gz",
                     "f.ndjson.zst", "a.json", "a.json.gz", "t.csv", "t.tsv.gz", "p.parquet", "x.png",
                     "README.md", "docs/README.md", "CHANGELOG.md", "x.html"]:
            expected = is_corpus_file(name) and not re.search(r"(^|/)(README|CHANGELOG|CONTRIBUTING|LICENSE)\.md$", name)
            assert bool(pattern.search(name) and not exclude.search(name)) == expected, (hook["id"], name)


# -- Misconfiguration (issue 25 item 3) ---------------------------------------------------------

def test_a_mistyped_text_field_is_one_line_naming_the_fields_and_exit_2(cli, tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(json.dumps({"id": n, "title": "T", "body": text(n)}) for n in range(40)) + "\n")
    for command in (["scan", "--format", "json", "-o", str(tmp_path / "r.json")], ["check"],
                    ["clean", "--out", str(tmp_path / "out.jsonl")], ["dedup", "--index", str(tmp_path / "f.db")]):
        ran = cli(*command, str(path), "-q")
        no_traceback(ran)
        lines = [line for line in ran.stderr.splitlines() if "field 'text'" in line]
        assert lines == [f"corpus-audit: 40 records: field 'text' is missing ({path.as_posix()}:1 ... "
                         f"{path.as_posix()}:40); the first has body, id, title: did you mean --text-field body?"], \
            (command, ran.stderr)
        assert ran.returncode == 2, (command, ran.stderr)
        assert "corpus-audit: error: no readable record (40 input errors)" in ran.stderr


def test_dedup_exits_2_when_records_errored_unless_max_errors_allows(cli, tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_text(good(1) + "\n{broken\n" + good(2) + "\n")
    ran = cli("dedup", "--index", str(tmp_path / "a.db"), str(path), "-q")
    assert ran.returncode == 2 and len(ran.stdout.splitlines()) == 2
    assert "corpus-audit: error: 1 unreadable record (--max-errors 0)" in ran.stderr
    ran = cli("dedup", "--index", str(tmp_path / "b.db"), str(path), "-q", "--max-errors", "1")
    assert ran.returncode == 0 and len(ran.stdout.splitlines()) == 2


def test_dedup_of_an_empty_stdin_is_still_no_error(cli, tmp_path):
    ran = cli("dedup", "--index", str(tmp_path / "a.db"), "-q", input="")
    assert ran.returncode == 0, ran.stderr


def test_clean_writes_csv_and_json_records_as_json_lines_named_so(cli, tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.csv").write_text(f"id,text\nr1,{text(1)}\nr2,{text(2)}\n")
    (folder / "b.json").write_text(json.dumps([{"id": "j1", "text": text(3), "tags": ["x"]}]))
    ran = cli("clean", str(folder), "--out", str(tmp_path / "out"), "-q")
    assert ran.returncode == 0, ran.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.jsonl", "b.jsonl"]
    assert [json.loads(line)["id"] for line in (tmp_path / "out" / "a.jsonl").read_text().splitlines()] == ["r1", "r2"]
    assert json.loads((tmp_path / "out" / "b.jsonl").read_text())["tags"] == ["x"]
    ran = cli("clean", str(folder), "--out", str(tmp_path / "out"), "-q")  # the folder is its own to replace
    assert ran.returncode == 0, ran.stderr
    ran = cli("clean", str(folder / "a.csv"), "--out", str(tmp_path / "a.clean.csv"), "-q")
    assert ran.returncode == 2 and "clean writes" in ran.stderr and "as JSON Lines: give --out a .jsonl name" in ran.stderr


def test_records_in_memory_with_lone_surrogates_are_read_and_counted(tmp_path):
    import audit

    records = [{"id": "a\ud800", "text": text(1) + " \udc80"}, {"id": "b", "text": text(2)}]
    result = audit.scan(records, audit.ScanSettings(jobs=1, readability=False, tone=False))
    assert [d.id for d in result.documents] == ["a\ufffd", "b"]
    assert [f.document for f in result.findings if f.rule == "encoding.not-utf8"] == ["a\ufffd"]
    run = audit.dedup(records, str(tmp_path / "i.db"), output=str(tmp_path / "new.jsonl"))
    assert (run.counts.new, run.counts.errors) == (2, 0)
    assert "\ufffd" in (tmp_path / "new.jsonl").read_text(encoding="utf-8")


def test_a_remote_file_without_readline_of_a_size_is_read_bounded(monkeypatch, tmp_path):
    # s3fs and gcsfs files are fsspec AbstractBufferedFiles, whose readline() takes no size.
    import fsspec.spec

    import audit.read.readers as readers

    data = ("\n".join(good(n) for n in range(3)) + "\n").encode()

    class Remote(fsspec.spec.AbstractBufferedFile):
        def _fetch_range(self, start, end):
            return data[start:end]

    class Store(fsspec.spec.AbstractFileSystem):
        def info(self, path, **kwargs):
            return {"name": path, "size": len(data), "type": "file"}

    monkeypatch.setattr(readers, "open_raw", lambda path: Remote(Store(), path, mode="rb", size=len(data), block_size=7))
    part = readers.Part("remote.jsonl", "remote.jsonl", "jsonl", stem="remote")
    assert [r.id for r in readers.read_part(part, Fields())] == ["good0", "good1", "good2"]


def test_a_mistyped_id_field_is_said_once(cli, tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(json.dumps({"guid": f"g{n}", "text": text(n)}) for n in range(5)) + "\n")
    ran = cli("scan", str(path), "--id-field", "uid", "--format", "json", "-o", str(tmp_path / "r.json"), "-q")
    assert ran.returncode == 0
    wrote = f"corpus-audit: pass: wrote {tmp_path / 'r.json'}\n"
    assert ran.stderr == (f"corpus-audit: {path.as_posix()}:1: no field 'uid' (--id-field), so ids are FILE:LINE; "
                          "the record has text, guid\n" + wrote)
    ran = cli("scan", str(path), "--id-field", "guid", "--format", "json", "-o", str(tmp_path / "r.json"), "-q")
    assert ran.stderr == wrote


def test_json_lines_named_json_with_a_broken_first_line_is_still_json_lines(tmp_path):
    (tmp_path / "a.json").write_text("{oops\n" + good(1) + "\n" + good(2) + "\n")
    problem, *docs = Corpus([str(tmp_path / "a.json")])
    assert (problem.origin.line, [d.id for d in docs]) == (1, ["good1", "good2"])


def test_a_long_json_array_is_read_across_chunks(tmp_path, monkeypatch):
    import audit.read.readers as readers

    monkeypatch.setattr(readers, "CHUNK_BYTES", 64)
    (tmp_path / "a.json").write_text(json.dumps([{"id": f"a{n}", "text": text(n), "n": 10 ** 30 + n} for n in range(30)]))
    docs = list(Corpus([str(tmp_path / "a.json")]))
    assert [d.fields["n"] for d in docs] == [10 ** 30 + n for n in range(30)]
