"""Which rejected cells need a human: the classes of reject reasons.

A cell that is not an observation is a reject with a reason (``rejects.csv``). Some
reasons are *by design*: the cell is, on purpose, not an observation (a sub-total, a
derived ``So sánh`` column, a remarks or tick-mark column, a missing marker). The others
*need review*: something a person must fix or decide (an unreadable file, an unresolved
area, an unmatched label, a unit mismatch, an error cell …).

The classes are package data, ``data/reject_reasons.csv`` (``pattern, category, note``):
each pattern is a regular expression matched at the start of the reason, the first
matching row decides, and a reason that no row matches needs review (a new kind of
problem is never waved through).
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from importlib import resources

from .errors import CatalogError

__all__ = ["BY_DESIGN", "NEEDS_REVIEW", "classify_reason", "reason_classes"]

#: The two categories of a reject reason.
BY_DESIGN = "by_design"
NEEDS_REVIEW = "needs_review"
_FILE = "reject_reasons.csv"


@lru_cache(maxsize=1)
def reason_classes() -> tuple[tuple[re.Pattern[str], str, str], ...]:
    """Return the rows of ``reject_reasons.csv`` as ``(compiled pattern, category, note)``.

    Raises
    ------
    CatalogError
        If a row has an unknown category, an invalid pattern or no note.
    """
    with resources.files("bkanalysis.data").joinpath(_FILE).open("r", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for i, row in enumerate(rows, 2):
        where = f"{_FILE}, line {i}"
        if row.get("category") not in (BY_DESIGN, NEEDS_REVIEW):
            raise CatalogError(
                f"{where}: category must be {BY_DESIGN} or {NEEDS_REVIEW}, got {row.get('category')!r}"
            )
        if not (row.get("note") or "").strip():
            raise CatalogError(f"{where}: a note saying why is required")
        try:
            pattern = re.compile(row["pattern"])
        except (re.error, TypeError) as exc:
            raise CatalogError(f"{where}: invalid pattern {row.get('pattern')!r} ({exc})") from None
        out.append((pattern, row["category"], row["note"]))
    return tuple(out)


@lru_cache(maxsize=4096)
def classify_reason(reason: str) -> str:
    """Return :data:`BY_DESIGN` or :data:`NEEDS_REVIEW` for a reject *reason*.

    Examples
    --------
    >>> classify_reason("subtotal row (not an observation)")
    'by_design'
    >>> classify_reason("derived column 'So sánh (%)' (not an observation)")
    'by_design'
    >>> classify_reason("no indicator matches label 'Tỷ lệ gì đó' (candidates: none)")
    'needs_review'
    >>> classify_reason("a reason nobody has classified yet")
    'needs_review'
    """
    text = str(reason).strip()
    for pattern, category, _note in reason_classes():
        if pattern.match(text):
            return category
    return NEEDS_REVIEW
