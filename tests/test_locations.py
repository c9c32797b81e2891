"""Paths, globs and fsspec URLs: what a given path stands for, read the same way wherever it lives.

URLs are tested with fsspec's in-memory filesystem (``memory://``), which lives in this process:
the local engine reads it here; the Dask engine's reading of it is in tests/test_dask_engine.py.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import uuid

import pytest

fsspec = pytest.importorskip("fsspec")

from audit.errors import InputError  # noqa: E402
from audit.read.locations import Entry, files, locate
from audit.read.readers import Corpus, count_lines, numbered, read_part

LINES = [json.dumps({"text": f"record {i} " + "x" * (i % 13), **({"id": f"r{i}"} if i % 4 else {})})
         for i in range(40)]


def _write_corpus(put) -> None:
    """The same small corpus, wherever `put(relative path, bytes)` writes it."""
    put("a.jsonl", ("\n".join(LINES[:5] + [""] + LINES[5:]) + "\n").encode())
    put("b.jsonl.gz", gzip.compress(b'{"id": "z", "text": "zipped"}\n{"text": "zipped too"}\n'))
    put("pages/p1.txt", "A page from the caf\xe9.\n".encode("cp1252"))
    put("pages/deeper/p2.md", b"Another page.\n")
    put("notes.xlsx", b"not,a,corpus,file\n")


@pytest.fixture
def memory_root():
    """A fresh folder of the in-memory filesystem holding the corpus; removed afterwards."""
    fs = fsspec.filesystem("memory")
    root = f"/corpus-{uuid.uuid4().hex[:8]}"
    _write_corpus(lambda rel, data: fs.pipe(f"{root}/{rel}", data))
    yield f"memory://{root.lstrip('/')}"
    fs.rm(root, recursive=True)


@pytest.fixture
def local_root(tmp_path):
    def put(rel, data):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    _write_corpus(put)
    return tmp_path


def _records(corpus: Corpus, root: str) -> list[tuple]:
    """What was read, with the corpus's location taken out of the origins."""
    return [(type(r).__name__, getattr(r, "id", None), getattr(r, "text", None), str(r.origin).replace(root, "ROOT"))
            for r in corpus]


def test_a_memory_url_reads_as_the_same_files_on_disk(memory_root, local_root):
    for given in ("", "/a.jsonl", "/b.jsonl.gz", "/pages"):
        remote, local = Corpus([memory_root + given]), Corpus([str(local_root) + given])
        assert _records(remote, memory_root) == _records(local, str(local_root))
    read = _records(Corpus([memory_root]), memory_root)
    # Windows-1252 text decoded, ids under the folder, id-less records named by file and line.
    assert ("Document", "pages/p1.txt", "A page from the café.\n", "ROOT/pages/p1.txt") in read
    assert ("Document", "a:1", "record 0 ", "ROOT/a.jsonl:1") in read
    assert not any("notes.xlsx" in r[3] for r in read)


@pytest.mark.parametrize("blocksize", [1, 37, 200, 100_000])
def test_byte_ranges_of_a_remote_file_are_read_like_local_ones(memory_root, local_root, blocksize):
    got = {}
    for root in (memory_root, str(local_root)):
        corpus = Corpus([root])
        parts = corpus.parts(blocksize)
        got[root] = [(p.start, p.end, p.kind) for p in parts], [
            (r.id, str(r.origin).replace(root, "ROOT")) for p in numbered(parts, [count_lines(p) for p in parts])
            for r in read_part(p, corpus.fields)]
        # Every range together is the file read whole, line numbers and id-less records included.
        assert got[root][1] == [(r.id, str(r.origin).replace(root, "ROOT")) for r in corpus]
    assert got[memory_root] == got[str(local_root)]
    ranges = [p for p in Corpus([memory_root]).parts(blocksize) if p.path.endswith("a.jsonl")]
    assert len(ranges) == (1 if blocksize == 100_000 else -(-len(("\n".join(LINES[:5] + [""] + LINES[5:]) + "\n")) // blocksize))
    # A compressed file is one part whatever the blocksize.
    assert sum(p.path.endswith(".gz") for p in Corpus([memory_root]).parts(blocksize)) == 1


def test_a_glob_reads_its_matches_in_order_as_if_each_were_given(memory_root, local_root):
    for root in (memory_root, str(local_root)):
        matched = Corpus([root + "/*"])
        given = Corpus([root + "/a.jsonl", root + "/b.jsonl.gz", root + "/pages"])
        # A folder matched counts as given: its text files are named under it, not under the glob's folder.
        assert _records(matched, root) == _records(given, root)
        assert [r.id for r in Corpus([root + "/**/*.md"])] == ["p2.md"]
        assert [r.id for r in Corpus([root + "/[ab].jsonl*"])] == [r.id for r in Corpus([root + "/a.jsonl", root + "/b.jsonl.gz"])]


def test_glob_and_url_corpus_names():
    fs = fsspec.filesystem("memory")
    fs.pipe("/names/feed.jsonl", b'{"text": "x"}\n')
    assert Corpus(["memory://names/feed.jsonl"]).name == "feed"
    assert Corpus(["memory://names/*.jsonl"]).name == "names"
    assert Corpus(["memory://names"]).name == "names"
    fs.rm("/names", recursive=True)


def test_local_glob_corpus_name(local_root, monkeypatch):
    monkeypatch.chdir(local_root)
    assert Corpus(["pages/*/*.md"]).name == "pages"
    assert Corpus(["*.jsonl"]).name == local_root.name


@pytest.mark.parametrize("given, message", [
    ("memory://no-such-folder/a.jsonl", "no such file or folder"),
    ("memory://no-such-folder/*.jsonl", "matches no folder and no .txt"),
    ("nowhere-at-all/*.jsonl", "matches no folder and no .txt"),
    ("nowhere-at-all/a.jsonl", "no such file or folder"),
    ("nosuchprotocol://bucket/a.jsonl", "Protocol not known: nosuchprotocol"),
])
def test_nothing_there_is_one_input_error(given, message):
    with pytest.raises(InputError, match=message) as caught:
        Corpus([given])
    assert str(caught.value).startswith(given) and "\n" not in str(caught.value)


def test_a_glob_of_other_files_only_is_an_error(local_root):
    with pytest.raises(InputError, match="matches no folder"):
        Corpus([str(local_root / "*.xlsx")])


@pytest.mark.skipif(importlib.util.find_spec("s3fs") is not None, reason="s3fs is installed here")
def test_a_missing_filesystem_package_is_named():
    with pytest.raises(InputError, match=r"^s3://bucket/x\.jsonl: cannot read s3:// URLs here: .*s3fs"):
        Corpus(["s3://bucket/x.jsonl"])


def test_a_folder_is_walked_in_the_same_order_wherever_it_lives(local_root, memory_root):
    for root in (str(local_root), memory_root):
        (entry,) = locate(root)
        assert entry == Entry(root, True)
        # A folder's own files before its subfolders', as os.walk visits them; other files left out.
        assert [(f.removeprefix(root + "/"), r) for f, r in files(entry)] == [
            ("a.jsonl", root), ("b.jsonl.gz", root), ("pages/p1.txt", root), ("pages/deeper/p2.md", root)]


def test_cli_scans_a_quoted_glob_like_the_files_themselves(cli, local_root, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    glob = cli("scan", str(local_root / "*.jsonl*"), "--format", "json", "-o", str(out / "glob.json"), "-q")
    files_ = cli("scan", str(local_root / "a.jsonl"), str(local_root / "b.jsonl.gz"), "--format", "json",
                 "-o", str(out / "files.json"), "-q")
    assert glob.returncode == files_.returncode, glob.stderr
    strip = lambda p: {k: v for k, v in json.loads(p.read_text()).items() if k != "generated"}  # noqa: E731
    assert strip(out / "glob.json") == strip(out / "files.json")


@pytest.mark.parametrize("given", ["nowhere-at-all/*.jsonl", "nosuchprotocol://bucket/a.jsonl"])
def test_cli_input_error_is_one_line_exit_2(cli, given):
    done = cli("scan", given, "-o", "-")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and given in done.stderr and "Traceback" not in done.stderr
