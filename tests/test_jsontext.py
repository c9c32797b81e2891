"""The fast JSON writer writes exactly what json.dumps(ensure_ascii=False, indent=2) writes."""

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.report.jsontext import dumps

SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True)
           | st.text(alphabet=st.characters(blacklist_categories=("Cs",))) | st.just("\u2028\x00\"\\\n\x7f"))
KEYS = st.text() | st.integers() | st.floats(allow_nan=False) | st.booleans() | st.none()
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
                      | st.dictionaries(KEYS, inner, max_size=4), max_leaves=30)


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_the_text_is_json_dumps_text(value):
    assert dumps(value) == json.dumps(value, ensure_ascii=False, indent=2)
    assert dumps(value, "\n    ") == json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n    ")


def test_special_floats_and_unknown_types():
    assert dumps([math.nan, math.inf, -math.inf, -0.0, 1e400]) == json.dumps(
        [math.nan, math.inf, -math.inf, -0.0, 1e400], ensure_ascii=False, indent=2)
    with pytest.raises(TypeError):
        dumps({"a": object()})
    with pytest.raises(TypeError):
        dumps({(1, 2): 1})


def test_subclasses_of_the_scalar_types_are_written_as_json_writes_them():
    import enum

    class Level(enum.IntEnum):
        HIGH = 3

    class Name(str):
        pass

    class Ratio(float):
        pass

    value = {Name("k"): [Level.HIGH, Name("v\n"), Ratio(0.5), True, None], Level.HIGH: {"x": Ratio(math.inf)}}
    assert dumps(value) == json.dumps(value, ensure_ascii=False, indent=2)
