from audit.text.normalize import fold, repair, words


def test_mojibake_is_repaired_and_reported_by_line():
    text = "Clean first line.\nThe Mona Lisa doesnÃ¢â‚¬â„¢t have eyebrows.\ncafÃ© au lait"
    result = repair(text)
    assert result.text == "Clean first line.\nThe Mona Lisa doesn’t have eyebrows.\ncafé au lait"
    assert [(r.line, r.after) for r in result.repairs] == [
        (2, "The Mona Lisa doesn’t have eyebrows."), (3, "café au lait")]
    assert result.repairs[0].before == "The Mona Lisa doesnÃ¢â‚¬â„¢t have eyebrows."
    assert any(step.startswith("decode") for step in result.repairs[0].steps)


def test_cosmetic_changes_are_not_repairs():
    result = repair("ﬁne “quotes” stay\nplain")
    assert result.repairs == []
    assert result.cosmetic_lines == 1
    assert "“quotes”" in result.text


def test_clean_seeds_report_zero_repairs(seeds):
    for path in sorted(seeds.iterdir()):
        assert repair(path.read_text(encoding="utf-8")).repairs == [], path.name


def test_line_numbers_never_move():
    text = "a\r\nb\u2028c\nÃ©"
    assert len(repair(text).text.split("\n")) == 3


def test_fold_and_words():
    assert fold("  “It’s”\tHERE ") == '"it\'s" here'
    assert words("It’s a U.S.-led, 7.3-metre plan") == ["it's", "a", "u", "s", "led", "7", "3", "metre", "plan"]
