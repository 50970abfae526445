"""One cell of a data region to one record: what the table reader and the sheet specs share.

Both :mod:`.reader` (tables that :mod:`.layouts` finds) and :mod:`.specs` (tables a YAML
spec describes) end every non-empty cell they cover as exactly one :class:`Observation` or
one :class:`Reject`. The records, the area of a row label, the range checks and the unit
arithmetic live here so that both build them the same way; neither module imports the
other's internals.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import NamedTuple

from bkanalysis.admin.resolve import AreaMatch, AreaResolutionError, lookup_area
from bkanalysis.schema import vintage_for_year

from .grid import Cell
from .labels import Period
from .layouts import cell_text, is_total

__all__ = [
    "CellRef",
    "Observation",
    "Problem",
    "Reject",
    "area_named",
    "check_range",
    "district_name",
    "label_text",
    "make_observation",
    "nonblank",
    "province",
    "raw_text",
    "resolve_label",
    "scaled",
]

#: How the province is named when a table has no area column or a total row.
PROVINCE_LABEL = "Tỉnh Bắc Kạn"

#: Units counted in whole numbers: a fractional count is a typing error, never a value.
WHOLE_UNITS = frozenset({"communes", "year", "facilities", "households", "persons"})
#: Units that cannot be negative (a negative area or head count is a typing error).
NONNEG_UNITS = frozenset(
    {"ha", "%", "persons", "households", "communes", "criteria", "facilities", "m2/person"}
)

# a numbered group heading ("II. Huyện Ba Bể", "IV - Khối xã") names a group, not an area
_ROMAN = re.compile(r"^\s*(?:[IVXLC]+)\s*[.)/:-]?\s+\S", re.IGNORECASE)


class Observation(NamedTuple):
    """One row of the observation table, in the order of ``schema.OBSERVATION_COLUMNS``."""

    indicator_id: str
    area_code: str
    area_level: str
    admin_vintage: str
    area_name: str
    year: int
    value: float
    unit: str
    status: str
    source_file: str
    source_sheet: str
    source_cell: str
    source_label: str


class Reject(NamedTuple):
    """One row of the rejects table, in the order of ``schema.REJECT_COLUMNS``."""

    source_file: str
    source_sheet: str
    source_cell: str
    raw_value: str
    reason: str


class CellRef(NamedTuple):
    """Where a cell is: its file (relative to ``data/raw``), sheet and A1 address."""

    source_file: str
    sheet: str
    cell: str

    def reject(self, cell: Cell | None, reason: str) -> Reject:
        """Return the reject of *cell* (None: the whole sheet or table) for *reason*."""
        raw = raw_text(cell) if cell is not None else ""
        return Reject(self.source_file, self.sheet, self.cell, raw, reason)


class Problem(Exception):  # noqa: N818 - the reason a cell is a reject, not an error
    """The reason a cell is a reject (raised while reading it, caught per cell)."""


def make_observation(
    ind: str,
    area: AreaMatch,
    period: Period,
    value: float,
    *,
    unit: str,
    where: CellRef,
    label: str,
) -> Observation:
    """Return the observation of a cell: *value* in *unit* for *ind*, *area* and *period*.

    *label* is the text the indicator was read from (stored NFC, whitespace runs as one
    space); the area and sheet names are stored NFC.
    """
    return Observation(
        ind,
        area.code,
        area.level,
        area.vintage,
        unicodedata.normalize("NFC", area.name),
        int(period.year),
        value,
        unit,
        period.status,
        where.source_file,
        unicodedata.normalize("NFC", where.sheet),
        where.cell,
        label_text(label),
    )


def label_text(text: str) -> str:
    """Return a ``source_label`` as stored: NFC, whitespace runs as one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def raw_text(cell: Cell) -> str:
    """Return a cell's value as the rejects table shows it (``raw_value``)."""
    if cell.is_formula and not cell.has_cached:
        return "=(formula, no cached value)"
    v = cell.value
    if isinstance(v, float):
        return repr(v) if not v.is_integer() else str(int(v))
    return unicodedata.normalize("NFC", cell_text(v))


def nonblank(cell: Cell) -> bool:
    """Tell whether a cell is read at all: it shows a text, a number, an error or a formula."""
    v = cell.value
    if isinstance(v, str):
        return bool(v.strip()) or cell.is_error or cell.is_formula
    # a number, date or boolean always shows something
    return v is not None or cell.is_error or cell.is_formula


def check_range(ind: str, unit: str, value: float, year: int) -> None:
    """Raise :class:`Problem` when *value* cannot be a value in *unit* (a typing error)."""
    if unit == "%" and not 0 <= value <= 100:
        raise Problem(f"out of range: {ind} = {value:g} % outside 0–100")
    if unit in NONNEG_UNITS and value < 0:
        raise Problem(f"out of range: {ind} = {value:g} is negative")
    if unit in WHOLE_UNITS and not float(value).is_integer():
        raise Problem(f"out of range: {ind} = {value:g} is not a whole number")
    if unit == "criteria" and value > 19:
        raise Problem(f"out of range: {ind} = {value:g} criteria (at most 19)")
    if unit == "year" and not 1950 <= value <= year + 1:
        raise Problem(f"out of range: {ind} = {value:g} is not a year up to {year}")


def scaled(value: float, factor: float) -> float:
    """Return *value* × *factor* computed on the decimals as written (1.1 × 1000 is 1100.0)."""
    if factor == 1.0:
        return value
    return float(Decimal(repr(value)) * Decimal(repr(factor)))


# ----------------------------------------------------------------------------- areas
# Every look-up goes through admin.resolve.lookup_area, whose memo is the only one (the
# same labels come back in every workbook of a series); nothing is memoised here.


def resolve_label(
    label: str, vintage: str, district: str | None = None, level: str | None = None
) -> tuple[AreaMatch | None, str | None]:
    """Return ``(AreaMatch, None)`` for the unit *label* names, or ``(None, reject reason)``.

    An ambiguous label is tried again inside *district* (the district header above it).
    """
    try:
        found = lookup_area(label, vintage=vintage, level=level)
        if isinstance(found, AreaResolutionError) and found.reason == "ambiguous" and district:
            found = lookup_area(label, vintage=vintage, level=level, district=district)
    except Exception as exc:  # a label that is no text, a vintage that does not exist
        return None, f"unresolved area '{label}' ({exc})"
    if isinstance(found, AreaMatch):
        return found, None
    cands = "; ".join(f"{c} {n}" for c, n in (found.candidates or [])[:5]) or "none"
    return (
        None,
        f"unresolved area '{label}' in vintage {vintage} ({found.reason}; candidates: {cands})",
    )


def province(vintage: str) -> AreaMatch:
    """Return the province in *vintage* (raise :class:`Problem` if the gazetteer lacks it)."""
    res, why = resolve_label(PROVINCE_LABEL, vintage, level="province")
    if res is None:
        raise Problem(why)
    return res


def area_named(label: str, vintage: str, district: str | None) -> AreaMatch:
    """Return the area a row label names (a total row: the province), or raise :class:`Problem`."""
    if is_total(label):
        return province(vintage)
    res, why = resolve_label(label, vintage, district)
    if res is None:
        raise Problem("group row (not an observation)" if _ROMAN.match(label) else why)
    return res


def district_name(label: str) -> str | None:
    """Return the name of the district *label* names (2020 units, then 2019), or None."""
    for year in (2020, 2019):
        res, _ = resolve_label(label, vintage_for_year(year))
        if res is not None and res.level == "district":
            return res.name
    return None
