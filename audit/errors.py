"""The project's own error types; only the CLI turns them into messages and exit codes."""


class AuditError(Exception):
    """Base class: anything corpus-audit reports as a one-line error (exit code 2)."""


class InputError(AuditError):
    """A corpus that cannot be read: a missing path, or a bad record under ``--strict``."""


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
