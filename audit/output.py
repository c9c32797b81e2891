"""Write outputs atomically: to a temporary file beside the target, then renamed over it.

An interrupted run leaves either the complete new file or the previous one, never half a file.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from collections.abc import Iterable
from pathlib import Path


#: Characters JSON leaves raw that ``str.splitlines`` (and JavaScript) take for line ends.
_LINE_ENDS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def json_line(value: object) -> str:
    """One JSON Lines record: UTF-8 text as it is, and nothing a reader could take for a line end.

    >>> json_line({"text": "caf\u00e9\u2028next"})
    '{"text": "caf\u00e9\\\\u2028next"}\\n'
    """
    # A raw U+2028 is valid JSON, but `for line in text.splitlines()` cuts the record in two.
    return json.dumps(value, ensure_ascii=False).translate(_LINE_ENDS) + "\n"


def write_atomic(path: str, text: str | Iterable[str]) -> None:
    """Write `text` to `path` ("-" is stdout), creating missing parent folders.

    `text` may come in pieces (see :func:`audit.report.json_pieces`): each is written as it comes.
    """
    pieces = [text] if isinstance(text, str) else text
    if path == "-":
        sys.stdout.writelines(pieces)
        sys.stdout.flush()
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = staging_path(target)
    try:
        with open(tmp, "x", encoding="utf-8", newline="\n") as out:
            out.writelines(pieces)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        if tmp.exists():
            tmp.unlink()
        raise


def staging_path(target: Path) -> Path:
    """A new name beside `target` to write it under before the rename: hidden, unique, and
    created by the caller with ``open(..., "x")`` or ``os.mkdir``, not :mod:`tempfile`, whose
    files are private (0600): an output gets the permissions any new file would (the umask's)."""
    return target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
