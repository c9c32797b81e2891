"""The package's version (one place: the reports, the index format and the build read it)."""

__version__ = "0.1.0"
