"""JSON text exactly as ``json.dumps(value, ensure_ascii=False, indent=2)`` writes it, faster.

With an indent, the standard library leaves its C encoder for a pure-Python generator that yields
every bracket, key and comma apart; a report's tens of thousands of findings and documents took a
tenth of a scan's time there. Here strings, the bulk of a report, still go through the C escaper,
and each container is one join. A test holds the two to the same text.
"""

from __future__ import annotations

from json.encoder import encode_basestring
from collections.abc import Callable
from typing import Any

_INFINITY = float("inf")


def dumps(value: Any, newline: str = "\n") -> str:
    """``json.dumps(value, ensure_ascii=False, indent=2)``, every line break written as `newline`
    (``"\\n    "`` indents the whole text by four more spaces: JSON strings hold no raw line break).

    >>> print(dumps({"a": [1, 2.5, None], "b": {}, "c": "é"}))
    {
      "a": [
        1,
        2.5,
        null
      ],
      "b": {},
      "c": "é"
    }
    """
    write = _WRITERS.get(type(value))
    if write is not None:
        return write(value)
    text = _scalar(value)
    if text is not None:
        return text
    inner = newline + "  "
    # A container's scalars of the exact types in _WRITERS are written here, not by a call of
    # dumps each: a report's findings are mostly such scalars, and the calls took a third of its time.
    writer = _WRITERS.get
    parts: list[str] = []
    if isinstance(value, dict):
        if not value:
            return "{}"
        for k, v in value.items():
            write = writer(type(v))
            parts.append(f"{encode_basestring(k) if type(k) is str else _key(k)}: "
                         f"{write(v) if write is not None else dumps(v, inner)}")
        return "{" + inner + ("," + inner).join(parts) + newline + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        for v in value:
            write = writer(type(v))
            parts.append(write(v) if write is not None else dumps(v, inner))
        return "[" + inner + ("," + inner).join(parts) + newline + "]"
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _scalar(value: Any) -> str | None:
    """A string, number, boolean or None as json writes it; None for anything else."""
    if isinstance(value, str):
        return encode_basestring(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float(value)
    return None


def _float(value: float) -> str:
    """A float as json writes it (``allow_nan``: NaN and the infinities by their JavaScript names)."""
    if value != value:
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)


def _key(key: Any) -> str:
    """A dict key as json writes it: a string as it is; a number, boolean or None as its text, quoted."""
    if isinstance(key, str):
        return encode_basestring(key)
    text = _scalar(key)
    if text is None:
        raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")
    return '"' + text + '"'


#: How a scalar of exactly these types is written (a subclass, such as an IntEnum, goes through
#: :func:`_scalar`, as json's encoder does).
_WRITERS: dict[type, Callable[[Any], str]] = {
    str: encode_basestring, int: int.__repr__, float: _float,
    bool: lambda value: "true" if value else "false", type(None): lambda value: "null",
}
