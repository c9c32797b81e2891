import os
import stat

import pytest

from audit.output import write_atomic


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
