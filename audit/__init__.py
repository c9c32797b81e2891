"""corpus-audit: audit a text corpus before anyone uses it.

The library mirrors the command line: :func:`scan` reads a corpus and returns a
:class:`~audit.records.ScanResult`, which :mod:`audit.report` renders as Markdown or JSON.
"""

__version__ = "0.1.0"

from audit.errors import AuditError, ConfigError, InputError, RuleError  # noqa: E402
from audit.scan import scan  # noqa: E402

__all__ = ["__version__", "scan", "AuditError", "ConfigError", "InputError", "RuleError"]
