"""Write outputs atomically: to a temporary file beside the target, then renamed over it.

An interrupted run leaves either the complete new file or the previous one, never half a file.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path


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
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.writelines(pieces)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
