"""The in-memory grid of one sheet: :class:`Cell`, :class:`SheetGrid` and :func:`a1`.

Every workbook reader (``cells`` for xlsx/xls/ods, ``textfiles`` for CSV and PC-Axis,
``html_tables`` for HTML saved as ``.xls``) returns ``SheetGrid`` objects; the layout
readers consume them. This module imports nothing of the package, so every reader can
build on it.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import NamedTuple

__all__ = ["Cell", "SheetGrid", "a1"]


class Cell(NamedTuple):
    """One non-empty cell.

    Attributes
    ----------
    value : float, int, str, bool, datetime or None
        The (cached) value. ``None`` for a formula without cached value; the error text
        (``'#REF!'``) for an error cell.
    number_format : str
        The number format code, when known (``'0.0%'``).
    is_percent : bool
        The number format displays the value as a percentage (value is a fraction).
    is_formula : bool
        The cell holds a formula.
    has_cached : bool
        False for a formula whose result was never computed/saved.
    is_error : bool
        The cell holds an error (``#REF!``, ``#VALUE!``, ``#DIV/0!``, ``#N/A`` …).
    """

    value: object
    number_format: str = ""
    is_percent: bool = False
    is_formula: bool = False
    has_cached: bool = True
    is_error: bool = False


_second = operator.itemgetter(1)


@dataclass(slots=True)
class SheetGrid:
    """The non-empty cells of one sheet.

    Examples
    --------
    >>> g = SheetGrid("S", {(0, 0): Cell("Năm"), (1, 2): Cell(4.5)})
    >>> g.max_row, g.max_col, g.value(1, 2), a1(1, 2)
    (2, 3, 4.5, 'C2')
    """

    name: str
    cells: dict[tuple[int, int], Cell]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    max_row: int = 0
    max_col: int = 0

    def __post_init__(self) -> None:
        if self.cells:
            # max() of the (row, col) keys is the last row; the columns in one C-level pass
            self.max_row = max(self.max_row, max(self.cells)[0] + 1)
            self.max_col = max(self.max_col, max(map(_second, self.cells)) + 1)

    def get(self, row: int, col: int) -> Cell | None:
        """Return the cell at (*row*, *col*) or None."""
        return self.cells.get((row, col))

    def value(self, row: int, col: int) -> object:
        """Return the value at (*row*, *col*) or None."""
        cell = self.cells.get((row, col))
        return None if cell is None else cell.value


def a1(row: int, col: int) -> str:
    """Return the A1 address of 0-based (*row*, *col*).

    Examples
    --------
    >>> a1(0, 0), a1(9, 26), a1(0, 701)
    ('A1', 'AA10', 'ZZ1')
    """
    letters = ""
    n = col + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"
