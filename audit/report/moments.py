"""Exact means and standard deviations of floats counted apart and added up.

A report's means and standard deviations are over every document of a source; the documents are
counted where they are analyzed, a run at a time, and the runs added up in the process that writes
the report, which never holds the values themselves. A finite float is a whole number of
``2**-1074``: the sums of the values and of their squares are kept as whole numbers at the finest
scale any value needs, so they add up to the same total in any order, and give
``statistics.fmean`` and ``statistics.stdev`` (Python 3.11 and later) exactly, as they compute
them over all the values in one list. (Where ``math.fsum`` fails on a partial sum past the
largest float whose total is not, as in [1e308, 1e308, -1e308], the mean here is the total's.)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction


@dataclass(slots=True)
class Moments:
    """How many values were counted, and their sum and sum of squares: whole numbers of
    ``2**-scale`` and ``4**-scale``. A value that is an infinity or a NaN is named in `special`
    instead (statistics' results over it depend only on which of them there are)."""

    count: int = 0
    scale: int = 0
    total: int = 0
    squares: int = 0
    special: frozenset[str] = frozenset()

    @classmethod
    def of(cls, values: Iterable[float]) -> Moments:
        moments = cls()
        for value in values:
            moments.add(value)
        return moments

    def add(self, value: float) -> None:
        """Count a value in."""
        self.count += 1
        try:
            numerator, denominator = value.as_integer_ratio()
        except (OverflowError, ValueError):  # an infinity or a NaN
            self.special |= {repr(float(value))}
            return
        self._rescale(denominator.bit_length() - 1)
        numerator <<= self.scale - (denominator.bit_length() - 1)
        self.total += numerator
        self.squares += numerator * numerator

    def merge(self, other: Moments) -> None:
        """Count in the values another counted."""
        self._rescale(other.scale)
        shift = self.scale - other.scale
        self.count += other.count
        self.total += other.total << shift
        self.squares += other.squares << 2 * shift
        self.special |= other.special

    def __reduce__(self) -> tuple[type[Moments], tuple[int, int, int, int, frozenset[str]]]:
        # A call of the class, not slots' state set field by field: a run of documents' figures
        # holds a few for each source, and every run goes to the process that adds them up.
        return Moments, (self.count, self.scale, self.total, self.squares, self.special)

    def _rescale(self, scale: int) -> None:
        if scale > self.scale:
            self.total <<= scale - self.scale
            self.squares <<= 2 * (scale - self.scale)
            self.scale = scale

    def __len__(self) -> int:
        return self.count

    def mean(self) -> float:
        """``statistics.fmean`` of the values: their exact sum correctly rounded (as
        ``math.fsum`` rounds it), divided by their number; OverflowError where that sum is past
        the largest float."""
        if not self.count:
            raise ValueError("the mean of no values")
        if self.special:
            return math.fsum(map(float, sorted(self.special))) / self.count
        return self.total / (1 << self.scale) / self.count

    def exact_mean(self) -> Fraction:
        """The mean of the values as a fraction (of finite values only)."""
        if not self.count or self.special:
            raise ValueError("the exact mean of no values, or of an infinity or a NaN")
        return Fraction(self.total, self.count << self.scale)

    def stdev(self) -> float:
        """``statistics.stdev`` of the values (two or more), as Python 3.11 and later compute it:
        the exact sum of squared deviations, its square root correctly rounded; NaN where a value
        is an infinity or a NaN, on which statistics fails."""
        n = self.count
        if n < 2:
            raise ValueError("the standard deviation of fewer than two values")
        if self.special:
            return math.nan
        return _sqrt_of_ratio(n * self.squares - self.total * self.total, n * (n - 1) << 2 * self.scale)


def _sqrt_of_ratio(n: int, m: int) -> float:
    """The square root of n/m (n ≥ 0, m > 0), correctly rounded: an integer square root of 55
    significant bits or more, its last bit set when inexact (round to odd), which the conversion
    to a float then rounds correctly (statistics' method, https://bugs.python.org/msg407078)."""
    shift = (n.bit_length() - m.bit_length() - 109) // 2
    if shift >= 0:
        m <<= 2 * shift
    else:
        n <<= -2 * shift
    root = math.isqrt(n // m)
    root |= root * root * m != n
    return math.ldexp(root, shift) if shift >= 0 else root / (1 << -shift)
