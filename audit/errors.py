"""The project's own error types; only the CLI turns them into messages and exit codes.

A message that names an argument of the library writes it as ``{name}``, and gives the
argument's value (or None) by keyword: the library's own text then reads ``out='-'``, and the
CLI's reads ``--out -`` (:meth:`AuditError.phrased`). Either way it is one line.

>>> err = InputError("{out} takes one JSON Lines input", out="-")
>>> str(err)
"out='-' takes one JSON Lines input"
>>> err.phrased({"out": "--out"})
'--out - takes one JSON Lines input'
"""

from __future__ import annotations

from collections.abc import Mapping


class AuditError(Exception):
    """Base class: anything corpus-audit reports as a one-line error (exit code 2)."""

    def __init__(self, message: str, **arguments: object) -> None:
        self.template = message
        self.arguments = arguments
        super().__init__(self._render(lambda name, value: name if value is None else f"{name}={value!r}"))

    def _render(self, spell: object) -> str:
        text = self.template
        for name, value in self.arguments.items():
            text = text.replace("{" + name + "}", spell(name, value))  # type: ignore[operator]
        return text

    def __reduce__(self) -> tuple:
        # Pickled (a Dask task's error) with its arguments, so that the CLI can still phrase it.
        return (_rebuilt, (type(self), self.template, self.arguments))

    def phrased(self, flags: Mapping[str, str]) -> str:
        """The message with each argument it names written as the command line's flag."""
        def spell(name: str, value: object) -> str:
            flag = flags.get(name, name)
            return flag if value is None else f"{flag} {value}"
        return self._render(spell)


def _rebuilt(kind: type[AuditError], template: str, arguments: dict[str, object]) -> AuditError:
    return kind(template, **arguments)


class InputError(AuditError):
    """A corpus that cannot be read: a missing path, or a bad record under ``strict``."""


class OutputError(AuditError):
    """An output (report, cleaned corpus, log, baseline, job summary) that cannot be written."""


class RuleError(AuditError):
    """A rule file that cannot be loaded; the message names the file, the rule and the key."""


class ConfigError(AuditError):
    """A setting or config file that is not valid."""


class FeedIndexError(AuditError):
    """A feed index that cannot be opened, read or written (``dedup``)."""


class IndexMismatch(FeedIndexError):
    """A feed index made with other parameters than the run asks for."""
