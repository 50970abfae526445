"""Declarative sheet specs: data (YAML), not code, for sheets that fit no layout.

A spec file (``data/raw/specs/*.yml``) holds one spec or a list of specs::

    name: ntm_2019_custom            # required, used in the sheets table (spec:<name>)
    match:
      file: "*/ntm_*.xlsx"           # glob on the path relative to data/raw (default "*")
      sheet: "Biểu 2*"               # glob on the sheet name (default "*")
    data_rows: "6-40"                # 1-based inclusive row range(s): "6-40, 45-50"
    skip_rows: [20, 21]              # 1-based rows inside data_rows to ignore entirely
    area_column: B                   # column holding area names (resolved per year) …
    area: "06"                       # … or one fixed area: "06" or a name ("Huyện Ba Bể")
    year: 2021                       # default year for every column
    status: actual                   # default status (actual/preliminary/estimate/plan)
    unit: "ha"                       # default unit of the values as written (converted)
    columns:                         # value columns; each may override the defaults
      C: {indicator: forest_area_ha}
      D: {indicator: forest_area_ha, year: 2022, status: preliminary}
      E: {indicator: forest_cover_pct, unit: "%", range: [0, 100]}

Every non-empty cell of the listed columns in the data rows becomes one observation or
one reject (same reasons as the automatic reader).

A department report whose *rows* are indicators is described with ``rows`` (by 1-based
row number or by the label in ``label_column``); its columns then give the periods::

    name: bao_cao_2025
    match: {file: "bao_cao_*.xlsx"}
    area: "06"
    label_column: B                  # where row labels are read (rows given by label)
    data_rows: "5-12"                # optional: rows by number alone need none
    rows:
      5: {indicator: forest_cover_pct}
      "Tỷ lệ hộ có nước máy": {indicator: clean_water_households_pct, unit: "%"}
    columns:
      D: {year: 2024, status: actual}
      E: {year: 2025, status: plan}

A row of ``data_rows`` that no ``rows`` entry names is rejected (``row not mapped by the
spec``); in such a spec the unit is given per row. Several specs may match one sheet
(one per table); a cell two specs cover is read by the first of them only.
"""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path
from typing import NamedTuple

import yaml

from bkanalysis.admin import AreaMatch
from bkanalysis.catalog import load_indicators
from bkanalysis.errors import CatalogError
from bkanalysis.schema import OBSERVATION_STATUSES, vintage_for_year

from .cellread import (
    CellRef,
    Observation,
    Problem,
    Reject,
    check_range,
    make_observation,
    nonblank,
    province,
    resolve_label,
    scaled,
)
from .grid import SheetGrid, a1
from .labels import Period, indicator_unit, label_key, parse_unit
from .layouts import cell_text, is_subtotal, is_total
from .numbers import parse_cell, text_convention

__all__ = ["apply_spec", "load_specs", "spec_matches", "validate_spec"]

_COL = re.compile(r"^[A-Z]{1,3}$")


def _col(letters: str, where: str) -> int:
    s = str(letters).strip().upper()
    if not _COL.match(s):
        raise CatalogError(f"{where}: {letters!r} is not a column letter")
    n = 0
    for ch in s:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _rows(spec_rows, where: str) -> list[int]:
    out: list[int] = []
    parts = spec_rows if isinstance(spec_rows, list) else str(spec_rows).split(",")
    for p in parts:
        m = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+))?\s*", str(p))
        if not m:
            raise CatalogError(f"{where}: bad row range {p!r}")
        a, b = int(m.group(1)), int(m.group(2) or m.group(1))
        if a < 1 or b < a:
            raise CatalogError(f"{where}: bad row range {p!r}")
        out.extend(range(a - 1, b))
    return out


def _check_period(column: dict, where: str) -> None:
    """Check a column spec's year and status in place (year an int, status defaulted)."""
    if column.get("year") is None:
        raise CatalogError(f"{where}: no year")
    column["year"] = int(column["year"])
    column["status"] = column.get("status") or "actual"
    if column["status"] not in OBSERVATION_STATUSES:
        raise CatalogError(f"{where}: bad status {column['status']!r}")


#: The keys a spec may have.
_SPEC_KEYS = frozenset(
    {
        "name",
        "match",
        "data_rows",
        "skip_rows",
        "area_column",
        "area",
        "year",
        "status",
        "unit",
        "columns",
        "range",
        "rows",
        "label_column",
    }
)


def validate_spec(spec: dict, where: str = "spec") -> dict:
    """Check one spec and return it normalised (0-based rows/columns); raise CatalogError.

    Examples
    --------
    >>> s = validate_spec({"name": "x", "area": "06", "year": 2020, "data_rows": "3-4",
    ...                    "columns": {"B": {"indicator": "forest_cover_pct"}}})
    >>> s["rows"], list(s["cols"])
    ([2, 3], [1])
    """
    where = _check_keys(spec, where)
    ids = set(load_indicators()["id"])
    by_row = dict(spec.get("rows") or {})
    row_inds, row_labels = _row_entries(by_row, ids, where)
    if row_labels and "label_column" not in spec:
        raise CatalogError(f"{where}: rows given by label need 'label_column'")
    cols = _column_entries(spec, ids, by_rows=bool(by_row), where=where)
    out = dict(spec)
    match = dict(spec.get("match") or {})
    out["match"] = {"file": match.get("file", "*"), "sheet": match.get("sheet", "*")}
    out["rows"] = _rows(spec["data_rows"], where) if "data_rows" in spec else sorted(row_inds)
    out["skip"] = {r - 1 for r in spec.get("skip_rows") or []}
    out["cols"] = cols
    out["row_inds"] = row_inds
    out["row_labels"] = row_labels
    if "label_column" in spec:
        out["label_col"] = _col(spec["label_column"], where)
    if "area_column" in spec:
        out["area_col"] = _col(spec["area_column"], where)
    return out


def _check_keys(spec, where: str) -> str:
    """Check a spec's name and keys; return *where* with the spec's name."""
    if not isinstance(spec, dict):
        raise CatalogError(f"{where}: a spec must be a mapping, got {type(spec).__name__}")
    name = spec.get("name")
    if not name or not isinstance(name, str):
        raise CatalogError(f"{where}: missing 'name'")
    where = f"{where} {name!r}"
    extra = set(spec) - _SPEC_KEYS
    if extra:
        raise CatalogError(f"{where}: unknown key(s) {', '.join(sorted(extra))}")
    if ("area_column" in spec) == ("area" in spec):
        raise CatalogError(f"{where}: give exactly one of 'area_column' or 'area'")
    if not spec.get("columns") or ("data_rows" not in spec and not spec.get("rows")):
        raise CatalogError(f"{where}: 'columns' and 'data_rows' (or 'rows') are required")
    return where


def _row_entries(by_row: dict, ids: set, where: str) -> tuple[dict[int, dict], dict[str, dict]]:
    """Check the ``rows`` entries; return them by 0-based row number and by label key."""
    row_inds: dict[int, dict] = {}
    row_labels: dict[str, dict] = {}
    for k, rs in by_row.items():
        rs = dict(rs or {})
        if rs.get("indicator") not in ids:
            raise CatalogError(f"{where}: row {k!r}: unknown indicator {rs.get('indicator')!r}")
        if rs.get("status") is not None and rs["status"] not in OBSERVATION_STATUSES:
            raise CatalogError(f"{where}: row {k!r}: bad status {rs['status']!r}")
        if rs.get("unit") is not None and not _converts(rs["unit"], rs["indicator"]):
            raise CatalogError(f"{where}: row {k!r}: unit {rs['unit']!r} does not convert")
        if isinstance(k, int) or str(k).strip().isdigit():
            if int(k) < 1:
                raise CatalogError(f"{where}: bad row number {k!r}")
            row_inds[int(k) - 1] = rs
        else:
            lk = label_key(str(k))
            if not lk:
                raise CatalogError(f"{where}: row label {k!r} is empty once normalised")
            row_labels[lk] = rs
    return row_inds, row_labels


def _column_entries(spec: dict, ids: set, *, by_rows: bool, where: str) -> dict[int, dict]:
    """Check the ``columns`` entries (the spec's defaults filled in); key them by 0-based column."""
    cols = {}
    for letter, cs in dict(spec["columns"]).items():
        cs = dict(cs or {})
        merged = {k: spec.get(k) for k in ("year", "status", "unit", "range")}
        merged.update({k: v for k, v in cs.items() if v is not None})
        ind = cs.get("indicator", spec.get("indicator"))
        by_row = ind is None and by_rows  # the rows give the indicator and check the unit
        if not by_row and ind not in ids:
            raise CatalogError(f"{where}: column {letter}: unknown indicator {ind!r}")
        _check_period(merged, f"{where}: column {letter}")
        if not by_row and merged.get("unit") is not None and not _converts(merged["unit"], ind):
            raise CatalogError(
                f"{where}: column {letter}: unit {merged['unit']!r} does not convert to "
                f"{indicator_unit(ind)}"
            )
        merged["indicator"] = ind
        cols[_col(letter, where)] = merged
    return cols


def _converts(unit, ind: str) -> bool:
    """Tell whether values written in *unit* convert to the unit of indicator *ind*."""
    pu = parse_unit(str(unit))
    return pu is not None and pu[0] == indicator_unit(ind)


def load_specs(source) -> list[dict]:
    """Load specs from a directory of ``*.yml``/``*.yaml``, a file, or a list of dicts."""
    if source is None:
        return []
    if isinstance(source, (str, os.PathLike)):
        p = Path(source)
        files = sorted([*p.glob("*.yml"), *p.glob("*.yaml")]) if p.is_dir() else [p]
        out = []
        for f in files:
            try:
                doc = yaml.safe_load(f.read_text(encoding="utf-8"))
            except (OSError, yaml.YAMLError) as exc:
                raise CatalogError(f"{f}: cannot read sheet spec ({exc})") from None
            for i, s in enumerate(doc if isinstance(doc, list) else [doc]):
                out.append(validate_spec(s, f"{f.name}[{i}]"))
        return out
    out = []
    for i, s in enumerate(source):
        out.append(s if "cols" in s else validate_spec(s, f"spec[{i}]"))
    return out


def spec_matches(spec: dict, source_file: str, sheet: str) -> bool:
    """Tell whether *spec* applies to *sheet* of *source_file* (globs, case-sensitive)."""
    m = spec["match"]
    return fnmatch.fnmatchcase(source_file, m["file"]) and fnmatch.fnmatchcase(sheet, m["sheet"])


def apply_spec(
    spec: dict, grid: SheetGrid, source_file: str, claimed: set | None = None
) -> tuple[list[Observation], list[Reject]]:
    """Read *grid* with *spec*; return (observation records, reject records).

    *claimed* holds the (row, column) cells already read by another spec of the sheet;
    the cells this spec reads are added to it.
    """
    claimed = set() if claimed is None else claimed
    reader = _SpecReader(spec, grid)
    obs: list[Observation] = []
    rej: list[Reject] = []
    for c, column in spec["cols"].items():
        texts = [grid.value(r, c) for r in spec["rows"] if isinstance(grid.value(r, c), str)]
        conv = text_convention(texts)
        for r in spec["rows"]:
            cell = grid.cells.get((r, c))
            if r in spec["skip"] or (r, c) in claimed or cell is None or not nonblank(cell):
                continue
            claimed.add((r, c))
            where = CellRef(source_file, grid.name, a1(r, c))
            try:
                obs.append(reader.observation(where, r, column, cell, conv))
            except Problem as p:
                rej.append(where.reject(cell, str(p)))
    return obs, rej


class _Target(NamedTuple):
    """What a spec says a cell is: indicator, period, unit as written, source label."""

    ind: str
    period: Period
    unit: str | None
    label: str


class _SpecReader:
    """Read the cells of one sheet that one spec describes."""

    def __init__(self, spec: dict, grid: SheetGrid):
        self.spec = spec
        self.grid = grid
        by_number, by_label = spec.get("row_inds") or {}, spec.get("row_labels") or {}
        # rows given by number or label: each data row's entry (None: not mapped) and label
        self.row_spec: dict[int, dict | None] = {}
        self.row_text: dict[int, str] = {}
        if by_number or by_label:
            for r in spec["rows"]:
                label = ""
                if "label_col" in spec:
                    label = cell_text(grid.value(r, spec["label_col"]))
                found = by_label.get(label_key(label)) if label else None
                self.row_spec[r] = by_number.get(r) or found
                self.row_text[r] = label

    def observation(self, where: CellRef, r: int, column: dict, cell, conv) -> Observation:
        """Return the observation of the cell at row *r* of *column*, or raise :class:`Problem`."""
        target = self._target(r, column)
        year = target.period.year
        area = self._area(r, year)
        pv = parse_cell(cell, conv)
        if pv.reason:
            raise Problem(pv.reason)
        canon = indicator_unit(target.ind)
        if pv.percent and canon != "%":
            raise Problem(f"unit mismatch: percentage value for {target.ind} (unit {canon})")
        factor = (
            parse_unit(str(target.unit))[1] if target.unit is not None and not pv.percent else 1.0
        )
        value = scaled(pv.value, factor)
        lo_hi = column.get("range")
        if lo_hi and not (lo_hi[0] <= value <= lo_hi[1]):
            raise Problem(f"out of range: {value:g} outside {lo_hi[0]}–{lo_hi[1]} (spec)")
        check_range(target.ind, canon, value, year)
        return make_observation(
            target.ind, area, target.period, value, unit=canon, where=where, label=target.label
        )

    def _target(self, r: int, column: dict) -> _Target:
        """Return the column's indicator, period and unit, or those of row *r* (a spec by rows)."""
        name = self.spec["name"]
        period = Period(column["year"], column["status"])
        target = _Target(column["indicator"], period, column.get("unit"), f"spec {name}")
        if not self.row_spec:
            return target
        rs = self.row_spec.get(r)
        if rs is None:
            raise Problem(f"row not mapped by the spec {name!r}")
        ind = rs["indicator"]
        period = Period(int(rs.get("year") or period.year), rs.get("status") or period.status)
        unit = rs.get("unit", target.unit if column["indicator"] == ind else None)
        label = f"spec {name}: {self.row_text[r]}" if self.row_text.get(r) else target.label
        if unit is not None:
            pu = parse_unit(str(unit))
            if pu is None or pu[0] != indicator_unit(ind):
                raise Problem(f"unit mismatch: '{unit}' is not {indicator_unit(ind)} ({ind})")
        return _Target(ind, period, unit, label)

    def _area(self, r: int, year: int) -> AreaMatch:
        """Return the area of row *r* (its area-column label) or the spec's one area, or raise."""
        vintage = vintage_for_year(year)
        if "area_col" in self.spec:
            label = cell_text(self.grid.value(r, self.spec["area_col"]))
            if not label:
                raise Problem("row without label")
            if is_subtotal(label):
                raise Problem("subtotal row (not an observation)")
            if is_total(label):
                return province(vintage)
        else:
            label = str(self.spec["area"])
            if label == "06":
                return province(vintage)
        res, why = resolve_label(label, vintage)
        if res is None:
            raise Problem(why)
        return res
