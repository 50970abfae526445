"""Record-level sheets: one row per household, person or facility (issue 15).

A household survey exported to Excel repeats the same commune on thousands of rows and
holds 0/1 flags and codes, not indicator values. Read as a table, every one of its cells
would be a reject (a 200,000-row sheet gave 1.4 million reject rows). Such a sheet is
reported once, as record-level data, and not read: its numbers are not observations until
they are aggregated (per commune, per year) by the user.
"""

from __future__ import annotations

from collections import Counter

from bkanalysis.study_area import _units

from .grid import SheetGrid

__all__ = ["MIN_RECORD_ROWS", "record_level_message"]

#: A sheet with fewer rows holding numbers is never taken for record-level data.
MIN_RECORD_ROWS = 1000


def _unit_codes() -> frozenset[int]:
    """Return the study area's district and commune codes (any vintage) as numbers."""
    return frozenset(int(code) for _v, code in _units())


def record_level_message(grid: SheetGrid) -> str | None:
    """Describe *grid* in one line when it holds record-level data, else return None.

    A sheet is record-level when at least :data:`MIN_RECORD_ROWS` rows hold numbers, the
    numbers are mostly flags or small codes (at least 60 % are whole numbers from 0 to 9)
    and one column repeats the same area on many rows (a label, or a commune code written
    as a number, on at least 10 % of the rows and 100 rows or more): a table of
    indicators names each area once.

    Examples
    --------
    >>> from bkanalysis.ingest.grid import Cell
    >>> cells = {(0, 0): Cell("Xã"), (0, 1): Cell("Có nước sạch (1/0)")}
    >>> for r in range(1, 1201):
    ...     cells[(r, 0)] = Cell("Xã Bằng Thành"); cells[(r, 1)] = Cell(r % 2)
    >>> record_level_message(SheetGrid("Hộ", cells))
    "1,200 rows of individual records ('Xã Bằng Thành' on 1,200 rows; 100 % of values are 0–9 flags or codes)"
    """
    if grid.max_row < MIN_RECORD_ROWS:
        return None  # too few rows to hold that many rows of numbers
    numeric_rows: set[int] = set()
    small = total = 0
    texts: dict[int, Counter] = {}
    codes = _unit_codes()
    for (r, c), cell in grid.cells.items():
        v = cell.value
        if isinstance(v, bool):
            continue
        if isinstance(v, (int, float)):
            numeric_rows.add(r)
            total += 1
            small += float(v).is_integer() and 0 <= v <= 9
            if c < 10 and float(v).is_integer() and int(v) in codes:
                # a commune or district code written as a number (1852 for 01852)
                texts.setdefault(c, Counter())[f"{int(v):05d}"] += 1
        elif isinstance(v, str) and c < 10:
            t = v.strip()
            if t:
                texts.setdefault(c, Counter())[t] += 1
    n = len(numeric_rows)
    if n < MIN_RECORD_ROWS or total == 0 or small < 0.6 * total:
        return None
    best = None
    for counter in texts.values():
        label, count = counter.most_common(1)[0]
        if count >= max(100, 0.1 * n) and (best is None or count > best[1]):
            best = (label, count)
    if best is None:
        return None
    share = round(100 * small / total)
    return (
        f"{n:,} rows of individual records ('{best[0]}' on {best[1]:,} rows; "
        f"{share} % of values are 0–9 flags or codes)"
    )
