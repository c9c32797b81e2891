from audit.output import write_atomic


def test_text_in_pieces_is_written_whole(tmp_path, capsys):
    target = tmp_path / "out" / "report.json"
    write_atomic(str(target), (piece for piece in ["{", "\n  \"a\": 1", "\n}\n"]))
    assert target.read_text() == '{\n  "a": 1\n}\n'
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]  # no temporary file left
    write_atomic("-", iter(["x", "y\n"]))
    write_atomic("-", "z\n")
    assert capsys.readouterr().out == "xy\nz\n"
