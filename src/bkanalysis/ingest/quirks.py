"""Layout quirks kept as package data, each word or pattern with the reason it exists.

A *quirk* is a word or regular-expression fragment that a new workbook may need
extended: the words of note rows, derived and remarks columns, total and sub-total rows,
census titles (``data/ingest/table_words.csv``, one ``kind`` per list), the
abbreviations, stop-words and synonymous phrases of comparison keys
(``data/ingest/key_words.csv``) and which units are counts or whole numbers
(``data/ingest/unit_kinds.csv``). Every row has a ``note`` saying why it is there.

The files are read once per process with :func:`bkanalysis.catalog.read_package_csv`;
the modules that use a list compile it when they are imported. How a list is matched
(anchored at the start, whole words, folded or with tone marks) stays with its module.

Examples
--------
>>> "ghi chu" in words("column_remarks")
True
>>> pattern("^({}) ", "column_of_which").match("chia ra - of which") is not None
True
"""

from __future__ import annotations

import re
from functools import cache

from bkanalysis.catalog import read_package_csv

__all__ = [
    "QUIRK_FILES",
    "compile_words",
    "count_units",
    "key_words",
    "pattern",
    "whole_units",
    "words",
]

#: The quirk files under ``data/ingest/`` (each has a ``note`` column).
QUIRK_FILES = ("table_words.csv", "key_words.csv", "unit_kinds.csv")


@cache
def _read(name: str):
    return read_package_csv(f"ingest/{name}")


def words(kind: str) -> tuple[str, ...]:
    """Return the patterns of one list (``kind``) of ``table_words.csv``, in file order."""
    df = _read("table_words.csv")
    out = tuple(df.loc[df["kind"] == kind, "pattern"])
    if not out:
        raise KeyError(f"table_words.csv has no kind {kind!r}")
    return out


def pattern(template: str, *kinds: str, flags: int = 0) -> re.Pattern:
    """Compile *template* with each ``{}`` replaced by one list's alternation, in order.

    ``pattern(r"^({})( ({}))?$", "row_total", "row_total_suffix")`` puts the list
    ``row_total`` at the first ``{}`` and ``row_total_suffix`` at the second. The
    alternatives keep the file's order (the first that matches wins, as in a hand-written
    ``a|b|c``).
    """
    return compile_words(template, *(words(k) for k in kinds), flags=flags)


def compile_words(template: str, *lists: tuple[str, ...], flags: int = 0) -> re.Pattern:
    """Compile *template* with each ``{}`` replaced by the alternation of one of *lists*."""
    for alternatives in lists:
        template = template.replace("{}", "|".join(alternatives), 1)
    return re.compile(template, flags)


def key_words(kind: str) -> dict[str, str]:
    """Return ``key_words.csv``'s rows of *kind* (``abbreviation``, ``stopword``, ``phrase``).

    A dict from word to its replacement ('' for a stop-word), in file order.
    """
    df = _read("key_words.csv")
    rows = df[df["kind"] == kind]
    return dict(zip(rows["word"], rows["replacement"], strict=True))


def count_units() -> frozenset[str]:
    """Return the canonical units whose values are counts of things (``Số …`` labels)."""
    df = _read("unit_kinds.csv")
    return frozenset(df.loc[df["count"] == "yes", "unit"])


def whole_units() -> frozenset[str]:
    """Return the canonical units whose values must be whole numbers."""
    df = _read("unit_kinds.csv")
    return frozenset(df.loc[df["whole"] == "yes", "unit"])
