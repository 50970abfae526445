"""Exceptions raised by bkanalysis.

Every error that reaches the command line is a :class:`BkError`; the CLI prints its
message on one line and exits non-zero, so messages must name the offending file,
sheet, cell or value.
"""

from __future__ import annotations


class BkError(Exception):
    """Base class of the errors that bkanalysis reports to its users."""


class SchemaError(BkError, ValueError):
    """A table does not follow the tidy observation schema (DESIGN.md §2)."""


class CatalogError(BkError, ValueError):
    """Package metadata (indicators, targets, specs) is malformed or an id is unknown."""


class UnreadableFileError(BkError):
    """A raw file cannot be read at all (corrupt, encrypted, not a spreadsheet…)."""

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")
