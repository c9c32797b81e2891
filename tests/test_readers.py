import codecs
import gzip
import json
import os

import pytest

from audit.errors import InputError
from audit.read.readers import NO_FILES, NO_RECORDS, Corpus, Fields, count_lines, numbered, read_part
from audit.records import Document, InputProblem, Origin


def read(*paths, fields=None):
    return list(Corpus([str(p) for p in paths], fields))


def test_folder_is_read_recursively_in_order(tmp_path):
    (tmp_path / "b.txt").write_text("Second.")
    (tmp_path / "a.md").write_text("First.")
    (tmp_path / "outlet").mkdir()
    (tmp_path / "outlet" / "c.txt").write_text("Third.")
    (tmp_path / "skip.png").write_text("not read")
    docs = read(tmp_path)
    assert [(d.id, d.source, d.text) for d in docs] == [
        ("a.md", "a", "First."), ("b.txt", "b", "Second."), ("outlet/c.txt", "outlet", "Third.")]


def test_jsonl_fields_and_source_fallbacks(tmp_path):
    path = tmp_path / "feed.jsonl"
    rows = [
        {"id": 1, "body": "One.", "outlet": "Paper", "url": "https://www.example.com/x"},
        {"id": 2, "body": "Two.", "url": "https://www.example.com/y"},
        {"body": "Three."},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    docs = read(path, fields=Fields(text="body", source="outlet"))
    assert [(d.id, d.source) for d in docs] == [("1", "Paper"), ("2", "example.com"), ("feed:3", "feed")]
    assert docs[0].fields == {"id": 1, "body": "One.", "outlet": "Paper", "url": "https://www.example.com/x"}
    assert str(docs[1].origin) == f"{path.as_posix()}:2"


def test_gzipped_jsonl(tmp_path):
    path = tmp_path / "feed.jsonl.gz"
    with gzip.open(path, "wt") as f:
        f.write(json.dumps({"id": "a", "text": "Hello there."}) + "\n")
    assert [d.id for d in read(path)] == ["a"]


@pytest.mark.parametrize("line, message", [
    ("{not json", "invalid JSON"),
    ("[1, 2]", "a list, not a JSON object"),
    ('{"id": "x"}', "field 'text' is missing"),
    ('{"id": "x", "text": null}', "field 'text' is null, not a string"),
    ('{"id": "x", "text": 5}', "field 'text' is a number, not a string"),
    ('{"id": "x", "text": ["a"]}', "field 'text' is a list, not a string"),
    ('{"id": "x", "text": "   "}', "empty document"),
])
def test_bad_jsonl_records_are_problems_with_file_and_line(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"id": "ok", "text": "Fine."}) + "\n" + line + "\n")
    records = read(path)
    assert isinstance(records[0], Document)
    problem = records[1]
    assert isinstance(problem, InputProblem)
    assert message in problem.message
    assert str(problem.origin) == f"{path.as_posix()}:2"


def test_binary_undecodable_and_empty_files(tmp_path):
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02\x00\x00 binary")
    (tmp_path / "latin.txt").write_bytes("Fine line.\ncaf\xe9".encode("latin-1"))
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "blank.txt").write_text("  \n\t\n")
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbfWith a BOM.")
    records = {str(r.origin).split("/")[-1]: r for r in read(tmp_path)}
    assert records["bom.txt"].text == "With a BOM."
    assert records["bin.txt"].message == "binary file, not text"
    assert (records["latin.txt"].text, records["latin.txt"].recoded_lines) == ("Fine line.\ncafé", [2])
    assert records["empty.txt"].message == records["blank.txt"].message == "empty document"


def test_utf16_and_utf32_text_with_a_byte_order_mark_is_read_as_text(tmp_path):
    # Windows tools save "Unicode" text so: every other byte NUL, which looked binary.
    text = "Caf\u00e9 reopens \u2014 \u201cat last\u201d.\nSecond line."
    for codec in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
        bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE,
               "utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}[codec]
        (tmp_path / f"{codec}.txt").write_bytes(bom + text.encode(codec))
    (tmp_path / "broken.txt").write_bytes(codecs.BOM_UTF16_LE + "Odd".encode("utf-16-le") + b"\x00")
    records = {str(r.origin).split("/")[-1]: r for r in read(tmp_path)}
    for codec in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
        assert isinstance(records[f"{codec}.txt"], Document) and records[f"{codec}.txt"].text == text
    assert records["broken.txt"].message == "not UTF-16 text, though it begins with a UTF-16 byte-order mark"


def test_missing_path_raises():
    with pytest.raises(InputError, match="no/such/folder: no such file or folder"):
        Corpus(["no/such/folder"])


def test_corpus_can_be_read_twice(tmp_path):
    (tmp_path / "a.txt").write_text("Once.")
    corpus = Corpus([str(tmp_path)])
    assert [d.id for d in corpus] == [d.id for d in corpus] == ["a.txt"]


@pytest.mark.parametrize("blocksize", [1, 7, 50, 10_000])
def test_byte_range_parts_read_every_record_once_with_its_line(tmp_path, blocksize):
    lines = [json.dumps({"text": f"record {i} " + "x" * (i % 13)}) for i in range(40)]
    lines[5] = ""  # a blank line, and lines of many lengths around the range edges
    (tmp_path / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with gzip.open(tmp_path / "b.jsonl.gz", "wt") as out:
        out.write(json.dumps({"text": "zipped"}) + "\n")
    corpus = Corpus([str(tmp_path)])
    parts = corpus.parts(blocksize)
    assert sum(p.display.endswith("a.jsonl") for p in parts) == (1 if blocksize == 10_000 else -(-len("\n".join(lines) + "\n") // blocksize))
    read = [r for p in numbered(parts, [count_lines(p) for p in parts]) for r in read_part(p, corpus.fields)]
    assert [(r.id, r.origin, r.text) for r in read] == [(r.id, r.origin, r.text) for r in corpus]
    assert [r.origin.line for r in read][:6] == [1, 2, 3, 4, 5, 7]



def test_a_file_that_cannot_be_read_is_one_problem_however_it_is_cut(tmp_path, refuse_reading):
    (tmp_path / "a.jsonl").write_text("".join(json.dumps({"text": f"record {i}"}) + "\n" for i in range(40)))
    (tmp_path / "b.jsonl").write_text(json.dumps({"text": "readable"}) + "\n")
    os.symlink("loop.jsonl", tmp_path / "loop.jsonl")  # neither its size nor its bytes can be read
    refuse_reading("open_binary", "a.jsonl")
    corpus = Corpus([str(tmp_path)])
    parts = corpus.parts(50)
    assert sum(p.display.endswith("a.jsonl") for p in parts) > 10
    assert [p.end for p in parts if p.display.endswith("loop.jsonl")] == [None]
    read = [r for p in numbered(parts, [count_lines(p) for p in parts]) for r in read_part(p, corpus.fields)]
    whole = list(corpus)
    assert [(r.origin, getattr(r, "message", None)) for r in read] == [(r.origin, getattr(r, "message", None))
                                                                       for r in whole]
    assert [(r.origin.path.split("/")[-1], r.message.split(":")[0]) for r in whole if isinstance(r, InputProblem)] == [
        ("a.jsonl", "cannot read file"), ("loop.jsonl", "cannot read file")]


def test_stdin_read_as_it_comes_yields_its_records_once(monkeypatch, tmp_path):
    import io
    import types

    from audit.read.readers import Corpus as _Corpus
    feed = b'{"id": "a", "text": "First story."}\n{"id": "b", "text": "Second story."}\n'
    monkeypatch.setattr("sys.stdin", types.SimpleNamespace(buffer=io.BytesIO(feed)))
    (tmp_path / "c.txt").write_text("A file after stdin.")
    corpus = _Corpus(["-", str(tmp_path)], reread=False)
    assert [d.id for d in corpus] == ["a", "b", "c.txt"]
    assert [d.id for d in corpus] == ["c.txt"]  # stdin is gone; the folder is read again


def _zst(data: bytes) -> bytes:
    import zstandard
    return zstandard.ZstdCompressor().compress(data)


@pytest.mark.parametrize("name, data", [
    ("empty.jsonl", b""),
    ("blank.jsonl", b"\n  \n\t\r\n"),
    ("empty.ndjson", b""),
    ("empty.jsonl.gz", gzip.compress(b"")),
    ("blank.jsonl.gz", gzip.compress(b"\n\n")),
    ("empty.jsonl.zst", _zst(b"")),
    ("blank.jsonl.zst", _zst(b" \n")),
])
def test_a_jsonl_file_without_records_is_one_problem_naming_it(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    # As an empty .txt is: one problem for the file, with no line.
    assert read(path) == [InputProblem(Origin(path.as_posix()), NO_RECORDS)]
    assert read(tmp_path) == [InputProblem(Origin(path.as_posix()), NO_RECORDS)]


def test_a_folder_without_a_file_to_read_is_one_problem_naming_it(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    other = tmp_path / "other"
    (other / "deeper" / "still").mkdir(parents=True)
    (other / "table.xlsx").write_text("a,b\n")
    for folder in (empty, other):
        assert read(folder) == [InputProblem(Origin(folder.as_posix()), NO_FILES)]
    # A folder with something to read is no problem for its empty sub-folders, nor for a
    # folder holding only a JSON Lines file.
    (other / "deeper" / "a.txt").write_text("Some text.")
    assert [d.id for d in read(other)] == ["deeper/a.txt"]
    (empty / "feed.jsonl").write_text(json.dumps({"id": "x", "text": "Text."}) + "\n")
    assert [d.id for d in read(empty)] == ["x"]


def test_a_glob_names_its_empty_folder_and_still_refuses_to_match_nothing(tmp_path):
    (tmp_path / "data" / "2024").mkdir(parents=True)
    (tmp_path / "data" / "2025").mkdir()
    (tmp_path / "data" / "2025" / "a.txt").write_text("Some text.")
    records = read(tmp_path / "data" / "*")
    assert [getattr(r, "id", None) or (str(r.origin), r.message) for r in records] == [
        ((tmp_path / "data" / "2024").as_posix(), NO_FILES), "a.txt"]
    with pytest.raises(InputError, match="matches no folder and no .txt"):
        Corpus([str(tmp_path / "data" / "2024" / "*")])


def test_empty_stdin_is_a_problem_but_a_feed_read_as_it_comes_may_be_empty(monkeypatch):
    import io
    import types

    monkeypatch.setattr("sys.stdin", types.SimpleNamespace(buffer=io.BytesIO(b"\n")))
    with Corpus(["-"]) as corpus:
        assert list(corpus) == [InputProblem(Origin("<stdin>"), NO_RECORDS)]
    monkeypatch.setattr("sys.stdin", types.SimpleNamespace(buffer=io.BytesIO(b"")))
    assert list(Corpus(["-"], reread=False)) == []  # dedup's feed: an hour with no items is no error


@pytest.mark.parametrize("blocksize", [1, 3, 64])
def test_a_file_cut_into_byte_ranges_is_empty_only_when_the_whole_file_is(tmp_path, blocksize):
    (tmp_path / "blank.jsonl").write_bytes(b"\n" * 20 + b"   \n" * 10)
    # Its first ranges hold only blank lines, and some a part of one long line: no problem,
    # since the file has records.
    (tmp_path / "late.jsonl").write_text("\n" * 40 + json.dumps({"id": "late", "text": "x " * 100}) + "\n\n")
    corpus = Corpus([str(tmp_path)])
    parts = corpus.parts(blocksize)
    assert sum(p.display.endswith("blank.jsonl") for p in parts) == -(-60 // blocksize)
    read_parts = [list(read_part(p, corpus.fields)) for p in numbered(parts, [count_lines(p) for p in parts])]
    records = [r for part in read_parts for r in part]
    assert [(r.origin, getattr(r, "message", None)) for r in records] == [
        (Origin((tmp_path / "blank.jsonl").as_posix()), NO_RECORDS),
        (Origin((tmp_path / "late.jsonl").as_posix(), 41), None)]
    # The one problem comes from the file's first range, as a whole run reports it.
    assert read_parts[0] == [InputProblem(Origin((tmp_path / "blank.jsonl").as_posix()), NO_RECORDS)]
    assert [(r.origin, getattr(r, "message", None)) for r in corpus] == [
        (r.origin, getattr(r, "message", None)) for r in records]
    folder = tmp_path / "nothing"
    folder.mkdir()
    [part] = Corpus([str(folder)]).parts(blocksize)
    assert part.kind == "folder"
    assert list(read_part(part, corpus.fields)) == [InputProblem(Origin(folder.as_posix()), NO_FILES)]
