import io
import os
import sys
import stat

import pytest

from audit.errors import OutputError
from audit.output import probe, write_atomic, write_stdout


def test_text_in_pieces_is_written_whole(tmp_path, capsys):
    target = tmp_path / "out" / "report.json"
    write_atomic(str(target), (piece for piece in ["{", "\n  \"a\": 1", "\n}\n"]))
    assert target.read_text() == '{\n  "a": 1\n}\n'
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]  # no temporary file left
    write_atomic("-", iter(["x", "y\n"]))
    write_atomic("-", "z\n")
    assert capsys.readouterr().out == "xy\nz\n"


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_an_output_gets_the_permissions_of_any_new_file(tmp_path, umask):
    # tempfile's files are private (0600) whatever the umask: a report meant for others to read was not.
    old = os.umask(umask)
    try:
        write_atomic(str(tmp_path / "report.md"), "x\n")
        write_atomic(str(tmp_path / "report.md"), "y\n")  # over an existing file too
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "report.md").stat().st_mode) == 0o666 & ~umask


def test_an_output_that_cannot_be_written_is_one_line_naming_it_and_leaves_nothing(tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("mine\n")
    # Named as given, with what stands in the way; never the temporary name written first.
    with pytest.raises(OutputError, match=r"notes\.txt/report\.md: cannot write it: .*notes\.txt is a file, not a folder$"):
        write_atomic(str(blocker / "report.md"), "x\n")
    with pytest.raises(OutputError, match=r"notes\.txt/sub/report\.md: cannot write it: .*notes\.txt is a file, not a folder$"):
        probe(str(blocker / "sub" / "report.md"))
    folder = tmp_path / "reports"
    folder.mkdir()
    with pytest.raises(OutputError, match=r"reports: cannot write it: Is a directory$"):
        write_atomic(str(folder), "x\n")
    with pytest.raises(OutputError, match=r"reports: is a folder; the output here is a file$"):
        probe(str(folder))  # found before the run, not after it
    probe(str(folder), folder=True)
    assert blocker.read_text() == "mine\n" and not list(folder.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "reports"]
    probe(str(tmp_path / "new" / "deeper" / "report.md"))  # a path that can be written: nothing left
    assert not (tmp_path / "new").exists()


def test_an_error_of_the_pieces_own_making_is_not_taken_for_a_write_error(tmp_path):
    def pieces():
        yield "a"
        raise FileNotFoundError(2, "No such file or directory", "input.jsonl")

    with pytest.raises(FileNotFoundError) as caught:
        write_atomic(str(tmp_path / "out.jsonl"), pieces())
    assert caught.value.filename == "input.jsonl" and not list(tmp_path.iterdir())


class _Trickle(io.RawIOBase):
    """A raw stdout that takes at most three bytes a write, as a full pipe may."""

    def __init__(self):
        self.taken = bytearray()

    def writable(self):
        return True

    def write(self, data):
        self.taken += bytes(data[:3])
        return len(data[:3])


def test_stdout_that_takes_a_few_bytes_a_write_gets_every_byte(monkeypatch):
    """dedup delivers bytes, clean and scan write text: all of it reaches a stdout whose writes are partial."""
    from audit.feed.delivery import Output

    raw = _Trickle()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(raw, encoding="utf-8", write_through=True))
    write_stdout(["café report\n", b"raw bytes\n"])
    Output("new", None, "host").write(b'{"id": "a"}\n')
    assert raw.taken.decode("utf-8") == 'café report\nraw bytes\n{"id": "a"}\n'
