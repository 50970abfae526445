"""A researcher's own indicator aliases, kept beside the data (``data/raw/aliases.csv``).

The file maps a label, as it is written in a workbook, to an indicator id of the catalogue
(DESIGN.md §6): a reject is fixed without touching the installed package. Columns:

``label``         the label text (row label, column header or title line)
``indicator_id``  an id of ``indicators.csv``
``file``          optional glob of ``source_file`` (relative to ``data/raw/``) it applies to
``note``          optional: why (who confirmed it, from which report)

It is read over the package catalogue: an alias wins over the matcher for the labels it
names. ``bkanalysis review --accept`` appends confirmed suggestions to it.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import os
import unicodedata
from functools import lru_cache
from pathlib import Path

from bkanalysis.catalog import load_indicators
from bkanalysis.errors import BkError
from bkanalysis.io import write_bytes_atomic

from .labels import label_key, title_key

__all__ = ["ALIASES_FILE", "ALIAS_COLUMNS", "aliases_for", "append_aliases", "load_aliases"]

ALIASES_FILE = "aliases.csv"
ALIAS_COLUMNS = ("label", "indicator_id", "file", "note")


def load_aliases(raw_root: str | os.PathLike) -> tuple[tuple[str, str, str, str], ...]:
    """Read ``<raw_root>/aliases.csv`` (none: an empty tuple), checked against the catalogue.

    Returns
    -------
    tuple of (label, indicator_id, file glob, note)

    Raises
    ------
    BkError
        On a missing column, an empty label or an unknown indicator id (naming the line).
    """
    path = Path(raw_root) / ALIASES_FILE
    if not path.is_file():
        return ()
    st = path.stat()
    return _load(str(path), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=8)
def _load(path: str, _mtime: int, _size: int) -> tuple[tuple[str, str, str, str], ...]:
    ids = set(load_indicators()["id"])
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        cols = reader.fieldnames or []
        missing = [c for c in ("label", "indicator_id") if c not in cols]
        if missing:
            raise BkError(f"{path}: missing column(s) {', '.join(missing)}")
        out = []
        for line, row in enumerate(reader, 2):
            label = unicodedata.normalize("NFC", (row.get("label") or "").strip())
            ind = (row.get("indicator_id") or "").strip()
            if not label and not ind:
                continue
            if not label:
                raise BkError(f"{path} line {line}: empty label")
            if ind not in ids:
                raise BkError(f"{path} line {line}: unknown indicator id {ind!r}")
            glob = (row.get("file") or "").strip()
            note = (row.get("note") or "").strip()
            out.append((label, ind, glob, note))
    return tuple(out)


def aliases_for(rows, source_file: str) -> dict[str, str]:
    """Label keys -> indicator id of the aliases that apply to *source_file*.

    Both the label key and the title key of each label are mapped (a title line and a
    row label are keyed slightly differently). A later line wins over an earlier one.

    Examples
    --------
    >>> rows = [("Tỷ lệ hộ có nước máy", "clean_water_households_pct", "", ""),
    ...         ("Chỉ số X", "forest_cover_pct", "other/*.xlsx", "")]
    >>> aliases_for(rows, "a.xlsx")
    {'ty le ho co nuoc may': 'clean_water_households_pct'}
    """
    out: dict[str, str] = {}
    for label, ind, glob, _note in rows:
        if glob and not fnmatch.fnmatchcase(source_file, glob):
            continue
        for k in (label_key(label), title_key(label)):
            if k:
                out[k] = ind
    return out


def append_aliases(raw_root: str | os.PathLike, new_rows) -> Path:
    """Append ``(label, indicator_id, file, note)`` rows to ``aliases.csv`` (atomically).

    A row whose label and file are already in the file is replaced. The file is created
    with its header when absent; written UTF-8 with BOM (Excel shows the diacritics).
    """
    path = Path(raw_root) / ALIASES_FILE
    rows = list(load_aliases(raw_root))
    for new in new_rows:
        label, ind, glob, note = (unicodedata.normalize("NFC", str(x)) for x in new)
        rows = [r for r in rows if (r[0], r[2]) != (label, glob)]
        rows.append((label, ind, glob, note))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(ALIAS_COLUMNS)
    w.writerows(rows)
    write_bytes_atomic(path, ("\ufeff" + buf.getvalue()).encode("utf-8"))
    return path
