"""Append the Markdown report to GitHub's job summary, cut cleanly below GitHub's size limit.

GitHub refuses a step's summary over 1 MiB and then shows none of it. A report that does not fit
is cut at a line boundary, never inside a fenced block (a half chart would not render) and never
between a table's header and its rule, and a note says that it was cut and where the rest is.
"""

from __future__ import annotations

from pathlib import Path

from audit.output import cannot_write

#: GitHub's limit on one step's summary, in bytes.
LIMIT = 1024 * 1024
#: Bytes left free below the limit, so the cut never lands exactly on it.
MARGIN = 1024
NOTE = ("> **Note:** the report was cut here to stay below GitHub's limit of 1 MiB for a job "
        "summary. `--format json` or `-o FILE` gives the whole report.")


def fit(markdown: str, budget: int) -> str:
    """`markdown` as is when it fits in `budget` bytes (UTF-8), else cut cleanly with the note.

    >>> fit("# T\\n\\nshort\\n", 100)
    '# T\\n\\nshort\\n'
    """
    if len(markdown.encode("utf-8")) <= budget:
        return markdown
    tail = f"\n\n{NOTE}\n"
    room = budget - len(tail.encode("utf-8"))
    kept: list[str] = []
    size = 0
    fence_start: int | None = None  # index in `kept` of the open fence, if any
    lines = markdown.split("\n")
    for i, line in enumerate(lines):
        size += len(line.encode("utf-8")) + 1
        if size > room:
            if fence_start is not None:  # drop the unfinished fenced block whole
                del kept[fence_start:]
            elif kept and kept[-1].startswith("|") and line.startswith("|--"):
                kept.pop()  # a table header without its rule would show as text
            break
        if line.startswith("```"):
            fence_start = None if fence_start is not None else len(kept)
        kept.append(line)
    return "\n".join(kept).rstrip("\n") + tail


def append(path: str, markdown: str, limit: int = LIMIT) -> bool:
    """Append the report to the summary file at `path`; True when it had to be cut.

    What the step already wrote to the file counts against the limit too.
    """
    target = Path(path)
    try:
        used = target.stat().st_size if target.exists() else 0
        budget = max(limit - MARGIN - used, 0)
        text = fit(markdown, budget)
        with target.open("a", encoding="utf-8", newline="\n") as out:
            out.write(text if text.endswith("\n") else text + "\n")
    except OSError as exc:
        raise cannot_write(f"{target} ($GITHUB_STEP_SUMMARY)", exc) from exc
    return text != markdown
