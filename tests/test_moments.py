"""Means and standard deviations counted in runs and added up are statistics' over all the values."""

from __future__ import annotations

import math
import statistics
import sys
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audit.report.moments import Moments

FLOATS = st.floats(allow_nan=False, allow_infinity=False, width=64)
#: Values like the report's scores, and some that need the finest scale.
SCORES = st.floats(min_value=-1e6, max_value=1e6) | st.integers(-1000, 1000).map(lambda n: n / 10) | st.floats(-1e-300, 1e-300)


def _in_runs(runs: list[list[float]]) -> Moments:
    total = Moments()
    for run in runs:
        total.merge(Moments.of(run))
    return total


@pytest.mark.skipif(sys.version_info < (3, 11), reason="statistics rounded the variance to a float before 3.11")
@given(st.lists(FLOATS, min_size=2, max_size=30) | st.lists(SCORES, min_size=2, max_size=30))
def test_the_standard_deviation_is_statistics(values):
    try:
        expected = statistics.stdev(values)
    except OverflowError:  # the deviation is past the largest float
        with pytest.raises(OverflowError):
            Moments.of(values).stdev()
        return
    assert Moments.of(values).stdev() == expected


@given(st.lists(st.lists(SCORES, max_size=6), max_size=6))
def test_moments_counted_in_runs_add_up_in_any_order_to_statistics_over_all_values(runs):
    flat = [v for run in runs for v in run]
    forward, backward = _in_runs(runs), _in_runs([run[::-1] for run in runs[::-1]])
    assert forward == backward == Moments.of(flat) and len(forward) == len(flat)
    if not flat:
        with pytest.raises(ValueError):
            forward.mean()
        return
    assert forward.mean() == statistics.fmean(flat)
    assert forward.exact_mean() == sum(map(Fraction, flat)) / len(flat)
    if len(flat) > 1 and sys.version_info >= (3, 11):
        assert forward.stdev() == statistics.stdev(flat)


def test_an_infinity_or_nan_gives_what_statistics_gives_or_nan():
    assert math.isnan(Moments.of([1.0, math.inf]).stdev()) and math.isnan(Moments.of([math.nan, 2.0]).stdev())
    assert Moments.of([1.0, math.inf, 2.0]).mean() == statistics.fmean([1.0, math.inf, 2.0]) == math.inf
    assert math.isnan(_in_runs([[math.nan], [1.0, math.inf]]).mean())
    with pytest.raises(ValueError):  # as math.fsum: an infinity of each sign has no sum
        _in_runs([[math.inf], [-math.inf]]).mean()
    with pytest.raises(ValueError):
        Moments.of([math.inf]).exact_mean()
    with pytest.raises(ValueError):
        Moments.of([1.0]).stdev()
