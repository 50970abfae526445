"""Read one workbook into tidy observations and rejects (DESIGN.md §2).

Every non-empty cell of a recognised data region (data rows × value columns of a table)
ends as exactly one observation or one reject. A sheet or table that cannot be placed is
reported in ``sheets`` (layout ``'unrecognised'``) with one reject row and is never
half-read. See docs/ingestion.md for the reject-reason vocabulary.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from bkanalysis.schema import (
    OBSERVATION_COLUMNS,
    REJECT_COLUMNS,
    vintage_for_year,
)

from .cells import SheetGrid, a1, load_workbook_grids
from .labels import (
    Period,
    canonical,
    fold,
    indicator_unit,
    is_component,
    is_english,
    is_part_label,
    key,
    label_key,
    match_indicator,
    parse_period,
    parse_unit,
    split_bilingual,
    split_units,
    themes_of,
    title_key,
)
from .layouts import Table, cell_text, find_tables, is_subtotal, is_total, row_label
from .numbers import R_AMBIGUOUS, classify_number_text, parse_cell, text_convention
from .sniff import sniff

if TYPE_CHECKING:
    from collections.abc import Callable

    import pandas as pd

__all__ = [
    "SHEET_COLUMNS",
    "WorkbookResult",
    "grid_records",
    "read_grids",
    "read_workbook",
    "workbook_records",
]

#: Columns of ``WorkbookResult.sheets``.
SHEET_COLUMNS = ("source_file", "sheet", "layout", "table", "observations", "rejects", "message")

_ROMAN = re.compile(r"^\s*(?:[IVXLC]+)\s*[.)/:-]?\s+\S", re.IGNORECASE)
_ROMAN_ONLY = re.compile(r"^\s*[IVXLC]+\s*[.)]?\s*$", re.IGNORECASE)
_TICKS = re.compile(r"^\s*[xX✓✔√vV+]\s*$")
_WHOLE_UNITS = {"communes", "year", "facilities", "households", "persons"}
_NOTES_SHEET = re.compile(
    r"^(ghi chu|notes?|nguon|nguon so lieu|sources?|readme|read me|huong dan|metadata|chu thich)\b"
)
_NONNEG_UNITS = {
    "ha",
    "%",
    "persons",
    "households",
    "communes",
    "criteria",
    "facilities",
    "m2/person",
}


class _Pair(NamedTuple):
    observations: pd.DataFrame
    rejects: pd.DataFrame


class WorkbookResult(_Pair):
    """What :func:`read_workbook` returns.

    A named pair ``(observations, rejects)`` (so ``obs, rej = read_workbook(p)`` works)
    with one more attribute, ``sheets``.
    """

    def __new__(cls, observations, rejects, sheets):  # noqa: D102
        self = super().__new__(cls, observations, rejects)
        self.sheets = sheets
        return self

    def __getnewargs__(self):
        return (self.observations, self.rejects, self.sheets)


def read_workbook(
    path: str | os.PathLike,
    *,
    raw_root: str | os.PathLike | None = None,
    specs=None,
    validate: bool = True,
) -> WorkbookResult:
    """Read every sheet of one workbook into tidy observations and rejects.

    Parameters
    ----------
    path : path-like
        ``.xlsx``/``.xlsm``/``.xls`` (or an HTML table saved as ``.xls``). Opened
        read-only.
    raw_root : path-like, optional
        Directory that ``source_file`` is made relative to (default: the file's parent).
        Its ``specs/`` sub-directory, if any, provides the default sheet specs.
    specs : list of dict, path-like or None
        Declarative sheet specs (see :mod:`bkanalysis.ingest.specs`); a directory or a
        YAML file path, or already-loaded specs.
    validate : bool, default True
        Check the observations with :func:`bkanalysis.schema.validate_observations`
        (``build`` checks the concatenation of all workbooks once instead).

    Returns
    -------
    WorkbookResult
        ``observations`` (validated tidy frame), ``rejects`` (REJECT_COLUMNS) and
        ``sheets`` (one row per table found, or per sheet when none).

    Raises
    ------
    UnreadableFileError
        If the file is not a readable workbook.

    Examples
    --------
    >>> import tempfile, openpyxl, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> wb = openpyxl.Workbook(); ws = wb.active; ws.title = "Rừng"
    >>> rows = [["Tỷ lệ che phủ rừng tỉnh Bắc Kạn"], ["Đơn vị tính: %"],
    ...         ["Chỉ tiêu", 2019, 2020], ["Tỷ lệ che phủ rừng", "72,9", "73,4"]]
    >>> for row in rows: ws.append(row)
    >>> wb.save(d / "a.xlsx")
    >>> obs, rej = read_workbook(d / "a.xlsx")
    >>> obs[["indicator_id", "area_code", "year", "value", "source_cell"]].values.tolist()
    [['forest_cover_pct', '06', 2019, 72.9, 'B4'], ['forest_cover_pct', '06', 2020, 73.4, 'C4']]
    """
    return _to_result(*workbook_records(path, raw_root=raw_root, specs=specs), validate=validate)


def workbook_records(path, *, raw_root=None, specs=None) -> tuple[list, list, list]:
    """Like :func:`read_workbook` but return plain record lists (obs, rejects, sheets).

    Observations are tuples in the order of ``OBSERVATION_COLUMNS``, rejects tuples in the
    order of ``REJECT_COLUMNS``, sheets dicts. Used by ``build`` to assemble one frame for
    all workbooks.
    """
    from .._gc import relaxed_gc

    path = Path(path)
    root = Path(raw_root) if raw_root is not None else path.parent
    rel = _relative_name(path, root)
    with relaxed_gc():
        kind = sniff(path)
        grids = load_workbook_grids(path, kind)
        if specs is None and (root / "specs").is_dir():
            specs = root / "specs"
        from .aliases import load_aliases
        from .specs import load_specs

        loaded = load_specs(specs) if specs is not None else []
        return grid_records(grids, source_file=rel, specs=loaded, aliases=load_aliases(root))


def _relative_name(path: Path, root: Path) -> str:
    """Return *path* relative to *root* as ``a/b.xlsx`` (its name alone if outside *root*).

    A path written under *root* (as ``build`` lists them) is taken as it is; otherwise both
    are resolved (symbolic links, ``..``), which costs a few system calls.
    """
    try:
        rel = path.relative_to(root)
    except ValueError:
        rel = None
    if rel is not None and ".." not in rel.parts:
        return rel.as_posix()
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def read_grids(
    grids: list[SheetGrid], *, source_file: str, specs=(), validate: bool = True
) -> WorkbookResult:
    """Read already-loaded sheet grids (the format-independent part of :func:`read_workbook`)."""
    return _to_result(*grid_records(grids, source_file=source_file, specs=specs), validate=validate)


def grid_records(
    grids: list[SheetGrid], *, source_file: str, specs=(), aliases=()
) -> tuple[list, list, list]:
    """Record lists (observations, rejects, sheets) of already-loaded grids.

    *aliases* are a researcher's alias rows (:func:`bkanalysis.ingest.aliases.load_aliases`);
    those whose ``file`` glob fits *source_file* are in force while it is read.
    """
    from .aliases import aliases_for
    from .labels import use_aliases

    if use_aliases(aliases_for(aliases, source_file) if aliases else {}):
        _match_label.cache_clear()  # its answers depend on the aliases in force
    obs: list[tuple] = []
    rej: list[tuple] = []
    sheets: list[dict] = []
    for grid in grids:
        matching = _find_specs(specs, source_file, grid.name)
        if matching:
            from .specs import apply_spec

            claimed: set = set()  # a cell is read by the first spec covering it
            for spec in matching:
                o, r = apply_spec(spec, grid, source_file, claimed)
                obs += o
                rej += r
                row = _sheet_row(source_file, grid.name, f"spec:{spec['name']}", 0, o, r, "")
                sheets.append(row)
            continue
        o_sheet: list[tuple] = []
        r_sheet: list[tuple] = []
        s_sheet: list[dict] = []
        try:
            _read_sheet(grid, source_file, o_sheet, r_sheet, s_sheet)
        except Exception as exc:
            msg = f"reader error ({type(exc).__name__}: {' '.join(str(exc).split())[:200]})"
            r_sheet = [_reject(source_file, grid.name, "", "", f"unrecognised layout: {msg}")]
            o_sheet = []
            s_sheet = [_sheet_row(source_file, grid.name, "unrecognised", 0, [], r_sheet, msg)]
        obs += o_sheet
        rej += r_sheet
        sheets += s_sheet
    return obs, rej, sheets


#: dtypes of ``WorkbookResult.sheets``
SHEET_DTYPES = {
    c: ("int64" if c in ("table", "observations", "rejects") else "str") for c in SHEET_COLUMNS
}


def _to_result(obs: list, rej: list, sheets: list, *, validate: bool = True) -> WorkbookResult:
    from bkanalysis.schema import empty_observations, validate_observations

    if obs:
        odf = _frame(obs, OBSERVATION_COLUMNS)
        if validate:
            odf = validate_observations(odf)
    else:
        odf = empty_observations()
    rdf = _frame(rej, dict.fromkeys(REJECT_COLUMNS, "str"))
    sdf = _frame(sheets, SHEET_DTYPES)
    return WorkbookResult(odf, rdf, sdf)


def _frame(records: list, dtypes: dict[str, str]) -> pd.DataFrame:
    """Build a frame with the given dtypes (text as object), without inference.

    *records* are dicts keyed by column, or tuples in the order of *dtypes*.
    """
    import numpy as np
    import pandas as pd

    if records and records[0].__class__ is dict:
        columns = [[rec[c] for rec in records] for c in dtypes]
    elif records:
        columns = list(zip(*records, strict=True))
    else:
        columns = [[] for _ in dtypes]
    cols = {}
    for (c, t), values in zip(dtypes.items(), columns, strict=True):
        if t == "str":
            arr = np.empty(len(values), dtype=object)
            arr[:] = values
            cols[c] = pd.Series(arr, dtype=object)
        else:
            cols[c] = pd.Series(np.asarray(values, dtype=t), dtype=t)
    return pd.DataFrame(cols, columns=list(dtypes))


def _find_specs(specs, source_file: str, sheet: str) -> list:
    """Every spec that applies to the sheet, in the order given (several tables, several specs)."""
    from .specs import spec_matches

    return [spec for spec in specs or () if spec_matches(spec, source_file, sheet)]


def _sheet_row(src, sheet, layout, table, o, r, message):
    return {
        "source_file": src,
        "sheet": sheet,
        "layout": layout,
        "table": table,
        "observations": len(o),
        "rejects": len(r),
        "message": message,
    }


def _read_sheet(grid: SheetGrid, src: str, obs: list, rej: list, sheets: list) -> None:
    def nonblank():
        return (c for c in grid.cells.values() if cell_text(c.value) or c.is_error or c.is_formula)

    if next(nonblank(), None) is None:
        sheets.append(_sheet_row(src, grid.name, "empty", 0, [], [], "no cells"))
        return
    if _NOTES_SHEET.match(key(grid.name)):
        sheets.append(_sheet_row(src, grid.name, "empty", 0, [], [], "notes sheet (by its name)"))
        return
    from .national import read_national_sheet  # issue 15: tables beyond the study area
    from .records import record_level_message

    records = record_level_message(grid)
    if records is not None:  # household records: reported in one line, not cell by cell
        r = [_reject(src, grid.name, "", "", f"record-level data: {records}; not read")]
        rej += r
        sheets.append(_sheet_row(src, grid.name, "record_level", 0, [], r, records))
        return
    beyond = read_national_sheet(grid, src)
    if beyond is not None:
        o, r, msg = beyond
        obs += o
        rej += r
        sheets.append(_sheet_row(src, grid.name, "beyond_study_area", 0, o, r, msg))
        return
    tables = find_tables(grid)
    if not tables:
        has_numbers = any(
            isinstance(c.value, (int, float)) and not isinstance(c.value, bool) for c in nonblank()
        )
        if not has_numbers:
            sheets.append(
                _sheet_row(src, grid.name, "empty", 0, [], [], "text only (no values): notes")
            )
            return
        msg = "no table (data rows under a header) found"
        r = [_reject(src, grid.name, "", "", f"unrecognised layout: {msg}")]
        rej += r
        sheets.append(_sheet_row(src, grid.name, "unrecognised", 0, [], r, msg))
        return

    @cache
    def conv_sheet() -> str | None:  # the sheet's number convention, when a table has none
        return text_convention(
            v.value for v in grid.cells.values() if isinstance(v.value, str) and len(v.value) < 30
        )

    for t in tables:
        if t.layout == "unrecognised":
            first, last = t.rows[0], t.rows[-1]
            msg = f"{t.message} (rows {first + 1}–{last + 1})"
            r = [_reject(src, grid.name, "", "", f"unrecognised layout: {msg}")]
            rej += r
            sheets.append(_sheet_row(src, grid.name, "unrecognised", t.index, [], r, msg))
            continue
        o, r = _TableReader(grid, t, src, conv_sheet).read()
        obs += o
        rej += r
        sheets.append(_sheet_row(src, grid.name, t.layout, t.index, o, r, ""))


def _reject(src, sheet, cell, raw, reason) -> tuple:
    """Return a reject record (a tuple in the order of ``REJECT_COLUMNS``)."""
    return (src, sheet, cell, raw, reason)


def _raw(cell) -> str:
    if cell.is_formula and not cell.has_cached:
        return "=(formula, no cached value)"
    v = cell.value
    if isinstance(v, float):
        return repr(v) if not v.is_integer() else str(int(v))
    return unicodedata.normalize("NFC", cell_text(v))


class _Problem(Exception):  # noqa: N818 - internal control flow
    pass


class _ColumnPlan(NamedTuple):
    """What a value column decides for all its cells (see ``_TableReader._column_plan``)."""

    col: object  # the Column (None: no header over the cell)
    problem: str | None  # reject every cell: no header, a derived or remarks column
    tick_ind: str | None = None  # commune-count indicator of a tick-mark column
    period: Period | None = None  # None: the row's period
    period_problem: str | None = None
    ind: str | None = None  # indicator when the row names none
    ind_problem: str | None = None  # reject reason when the row names none
    label: str = ""  # the header, tick or title text the column's indicator is read from
    # a commune table's column naming neither nông thôn nor đô thị: unit type of the
    # row's area -> (indicator or None, words of that area part); see _split_by_unit_type
    split: tuple[tuple[str, str | None, str], ...] = ()


class _TableReader:
    def __init__(self, grid: SheetGrid, t: Table, src: str, conv_sheet: Callable[[], str | None]):
        self.grid = grid
        self.t = t
        self.src = src
        self.conv_sheet = conv_sheet
        self.obs: list[tuple] = []
        self.rej: list[tuple] = []
        # document references are no part of the title; agency blocks (UBND TỈNH …, the
        # national motto) name no indicator and no year but may name the reporting unit
        lines = [y for x in t.title_lines if (y := _without_reference(x))]
        own = [x for x in lines if _title_line_kind(x) is None]
        vi = [x for line in own for x in split_bilingual(line) if not is_english(x)]
        en = [x for line in own for x in split_bilingual(line) if is_english(x)]
        self.title_vi = " ".join(vi)
        self.title_all = " ".join(lines)
        self.title_text = " ".join(own)
        self.table_unit = t.unit_line[0] if t.unit_line else None
        if self.table_unit is None:
            for line in t.title_lines:
                units = split_units(line)[1]
                if units:
                    self.table_unit = units[0]
                    break
        # the table's theme (an emission table) is evidence for the labels in it
        self.themes = themes_of(key(self.title_all))
        self.title_id, self.title_reason, self.title_cands = self._title_indicator(vi, en)
        self.title_label = " / ".join(self.title_src) if self.title_id else ""
        self.other_area = _names_other_area(self.title_all)
        self.col_ind: dict[int, tuple[str | None, str | None]] = {}
        self.conv: dict[int, str | None] = {}
        self.area_cache: dict = {}
        self.tick_ind: dict[int, str | None] = {}
        self.district_cache: dict[str, str | None] = {}
        self._tconv: tuple | None = None
        self.plans: dict[int, _ColumnPlan] = {}
        self.areas: dict[tuple, tuple | str] = {}
        self.factors: dict[tuple, float | str] = {}  # unit factor or reject reason
        self.vintages: dict[int, str] = {}
        self.title_period: Period | None = None
        self.title_period_problem: str | None = None
        self.sheet_name = _nfc(grid.name)
        # footnote marks defined under the table: "(*) Số liệu sơ bộ" → {"*": "preliminary"}
        self.marks = _footnote_statuses(grid, t.rows[-1]) if t.rows else {}

    # ---------------------------------------------------------------- context
    def _title_indicator(self, vi, en):
        self.title_src: list[str] = []
        if not vi and not en:
            return None, "no title", ()
        found_vi, found_en, reasons = set(), set(), []
        unit = _canon_unit(self.table_unit)
        for lines, found in ((vi, found_vi), (en, found_en)):
            if not lines:
                continue
            keyed = [(title_key(x), x) for x in lines]
            keyed = [(k, x) for k, x in keyed if k]
            joined = " ".join(k for k, _ in keyed)
            texts = {joined: " ".join(x for _, x in keyed), **dict(keyed)}
            for k in dict.fromkeys([joined, *texts]):
                m = match_indicator(k, self.themes, unit)
                if m.id:
                    found.add(m.id)
                    if texts[k] not in self.title_src:
                        self.title_src.append(texts[k])
                elif k == joined:
                    reasons.append(m)
        if len(found_vi) > 1:
            return None, f"title names several indicators ({', '.join(sorted(found_vi))})", ()
        if found_vi:
            ind = next(iter(found_vi))
            if found_en and ind not in found_en:
                other = ", ".join(sorted(found_en))
                return None, f"title halves disagree ({ind} vs {other})", ()
            return ind, None, ()
        if not vi and len(found_en) == 1:
            return next(iter(found_en)), None, ()
        if vi and found_en:
            return None, "the Vietnamese title matches no indicator", tuple(sorted(found_en))
        m = reasons[0] if reasons else None
        return None, (m.reason if m else "no title"), (m.candidates if m else ())

    def _column_indicator(self, c: int) -> tuple[str | None, str | None]:
        if c in self.col_ind:
            return self.col_ind[c]
        self.col_ind[c] = (None, "circular group header")
        col = self.t.columns[c]
        ctx = []
        unit = _canon_unit(col.units[0] if col.units else self.table_unit)
        for p in col.parents:
            m = match_indicator(label_key(p), self.themes, unit)
            if m.id:
                ctx.append(m.id)
        if col.group_start is not None and (col.group_start - 1) in self.t.columns:
            left = self.t.columns[col.group_start - 1]
            if left.own or left.own_en:
                lid = self._column_indicator(col.group_start - 1)[0]
                if lid:
                    ctx.append(lid)
        if self.title_id:
            ctx.append(self.title_id)
        ctx = tuple(ctx) + self.themes
        out: tuple[str | None, str | None]
        if col.own:
            out = _match_pieces(col.own, ctx, strict=True, unit=unit)
            if out[0] and col.own_en:
                me = _match_pieces(col.own_en, ctx, strict=False, unit=unit)
                if me[0] and me[0] != out[0]:
                    out = (None, f"column labels disagree: {out[0]} vs {me[0]}")
        elif col.own_en:
            out = _match_pieces(col.own_en, ctx, strict=False, unit=unit)
        elif ctx and col.parents and not ctx[0].startswith("theme:"):
            out = (ctx[0], None)
        elif col.parents:
            m = match_indicator(label_key(col.parents[0]), self.themes, unit)
            out = (None, _with_cands(m.reason, m.candidates))
        else:
            out = (None, None)
        self.col_ind[c] = out
        return out

    def _split_by_unit_type(self, c: int) -> tuple[tuple[str, str | None, str], ...]:
        """Return the indicators of a commune-table column naming no area part, by unit type.

        ``Tỷ lệ hộ có nhà tiêu HVS`` over communes: in official statistics khu vực nông
        thôn is the xã and khu vực thành thị the phường and thị trấn
        (``ingest/area_split.csv``). The column is read so only when its label with the
        rural words matches an indicator (the matcher's rules, margin included) and the
        label itself names no part; the urban indicator may be missing (its rows are
        then rejected). Returns ``((unit_type, indicator or None, words), …)`` or ``()``.
        """
        from bkanalysis.catalog import read_package_csv

        col = self.t.columns[c]
        text = " ".join(col.own)
        words_of_label = set(canonical(label_key(text)))
        unit = _canon_unit(col.units[0] if col.units else self.table_unit)
        ctx = (*_opt(self.title_id), *self.themes)
        rules = read_package_csv("ingest/area_split.csv")
        found: dict[str, str | None] = {}
        out = []
        for unit_type, part, words in zip(
            rules["unit_type"], rules["part"], rules["words"], strict=True
        ):
            if words_of_label & set(canonical(key(words))):
                return ()  # the label names a part itself: not this rule
            if part not in found:
                found[part] = match_indicator(label_key(f"{text} {words}"), ctx, unit).id
            out.append((unit_type, found[part], words))
        rural, urban = found.get("rural"), found.get("urban")
        if rural is None or rural == urban:
            return ()
        return tuple(out)

    def _split_indicator(self, plan, area_label, district, year) -> tuple[str, str]:
        """Return the indicator and source label of a cell of a split column, or raise."""
        vintage = self.vintages.get(year) or self._vintage(year)
        area = self.areas.get((area_label, vintage, district)) or self._area(
            area_label, year, district
        )
        if area.__class__ is str:
            raise _Problem(area)
        code, level, vintage, _name = area
        own = _short(plan.label)
        if level != "commune":
            raise _Problem(
                f"column '{own}' names neither nông thôn nor đô thị: a {level} row mixes "
                "rural communes (xã) and urban wards/townships (phường, thị trấn)"
            )
        unit_type = _unit_type(code, vintage)
        for ut, ind, words in plan.split:
            if ut == unit_type:
                if ind is None:
                    raise _Problem(f"no urban indicator for '{own}' (a {unit_type} is {words})")
                return ind, f"{plan.label} › {words}"
        raise _Problem(f"column '{own}' names no area part and the row is a {unit_type}")

    def _convention(self, c: int) -> str | None:
        """Return the number convention of column *c* from its own unambiguous texts (or None)."""
        if c not in self.conv:
            get = self.grid.cells.get
            texts = [
                x.value
                for r in self.t.data_rows
                if (x := get((r, c))) is not None and isinstance(x.value, str)
            ]
            self.conv[c] = text_convention(texts)
        return self.conv[c]

    def _table_convention(self) -> str | None:
        if self._tconv is None:
            get = self.grid.cells.get
            texts = [
                x.value
                for r in self.t.data_rows
                for c in self.t.value_cols
                if (x := get((r, c))) is not None and isinstance(x.value, str)
            ]
            self._tconv = (text_convention(texts) or self.conv_sheet(),)
        return self._tconv[0]

    def _title_year(self) -> tuple[Period | None, str | None]:
        text = fold(self.title_text)
        years = set(re.findall(r"(?<!\d)((?:19[5-9]|20\d)\d)(?!\d)", text))
        pref = set(re.findall(r"(?:nam|den|het|in|/)\s*((?:19[5-9]|20\d)\d)(?!\d)", text))
        cand = pref if len(pref) == 1 else years
        if not cand:
            # a sheet named after its year ("Xã 2023") when the title has none
            cand = set(re.findall(r"(?<!\d)((?:19[6-9]|20[0-5])\d)(?!\d)", self.grid.name))
        if len(cand) != 1:
            if not cand:
                return None, "no reference year: neither the title nor the sheet name names a year"
            return None, f"several years in the title ({', '.join(sorted(cand))})"
        statuses = set()
        for word, st in (
            ("so bo", "preliminary"),
            ("prel", "preliminary"),
            ("uoc", "estimate"),
            ("ke hoach", "plan"),
            ("muc tieu", "plan"),
        ):
            if re.search(rf"\b{word}\b", text):
                statuses.add(st)
        if len(statuses) > 1:
            return None, f"title mixes statuses ({', '.join(sorted(statuses))})"
        return Period(int(cand.pop()), statuses.pop() if statuses else "actual"), None

    # ---------------------------------------------------------------- areas
    def _province(self, year: int):
        return self._resolve(_PROVINCE_LABEL, year, None, level="province")

    def _resolve(self, label: str, year: int, district: str | None, level=None):
        v = vintage_for_year(year)
        ck = (label, v, district, level)
        hit = self.area_cache.get(ck)
        if hit is None:
            hit = self.area_cache[ck] = _resolve_area(label, v, district, level)
        return hit

    # ---------------------------------------------------------------- main
    def read(self):
        t = self.t
        data = set(t.data_rows)
        prev_label = None
        prev_row = None
        district = None
        district_header = False
        section_ctx: tuple[str, ...] = ()
        section_label = ""  # the row label that set section_ctx
        parent_label = None  # the last indicator-row label that is not a part (- Đô thị)
        if t.layout == "communes_x_measures":
            self.title_period, self.title_period_problem = self._title_year()
        for r in t.rows:
            lab = row_label(self.grid, t, r)
            if r not in data:
                if lab:
                    if not is_english(lab):
                        prev_label, prev_row = lab, r
                    if t.row_kind == "area" and not is_english(lab):
                        d = self._district_of(lab)
                        if d:
                            district = d
                            district_header = True
                    if t.row_kind == "indicator":
                        m = match_indicator(label_key(lab), self.themes)
                        section_ctx = (m.id,) if m.id else ()
                        section_label = lab if m.id else ""
                        if not is_english(lab) and not is_part_label(lab):
                            parent_label = lab
                continue
            get = self.grid.cells.get
            cells = [
                (c, x) for c in t.value_cols if (x := get((r, c))) is not None and _nonblank(x)
            ]
            if not cells:
                continue
            eff = lab
            if (
                t.row_kind == "area"
                and lab
                and is_english(lab)
                and prev_label is not None
                and prev_row is not None
                and r - prev_row <= 2
                and _translates(lab, prev_label)
            ):
                # the two-line form: both lines decide together (Bắc Kạn / Bac Kan city)
                eff = f"{prev_label}\n{lab}"
            elif t.row_kind == "area" and lab and not is_english(lab):
                nxt = _nfc(cell_text(self.grid.value(r + 1, t.label_col)))
                if (
                    nxt
                    and is_english(nxt)
                    and _translates(nxt, lab)
                    and not self._has_values(r + 1)
                ):
                    eff = f"{lab}\n{nxt}"  # the English line under the values' row
            row_problem = None
            row_period = None
            row_ind = None
            row_unit = None
            row_source = ""
            area_label = None
            if t.row_kind == "area":
                if not eff:
                    row_problem = "row without label"
                elif is_subtotal(eff) or (is_total(eff) and district_header):
                    # a "Tổng số" under a district header is that district's sub-total
                    row_problem = "subtotal row (not an observation)"
                else:
                    area_label = eff
                    if not is_total(eff):
                        d = self._district_of(eff)
                        if d:
                            district = d
            elif t.row_kind == "period":
                v = self.grid.value(r, t.label_col)
                row_period = parse_period(v if isinstance(v, (int, float)) else lab)
                if row_period is None:
                    row_problem = f"row label '{_short(lab)}' is not a period"
                elif self.marks:
                    row_period, why = _marked(row_period, _marks_in([lab]), self.marks)
                    row_problem = why
            elif t.row_kind == "indicator":
                if t.unit_col is not None:
                    row_unit = cell_text(self.grid.value(r, t.unit_col)) or None
                if row_unit is None:
                    units = split_units(lab)[1]
                    row_unit = units[0] if units else None
                unit = _canon_unit(row_unit or self.table_unit)
                ctx = section_ctx + _opt(self.title_id) + self.themes
                row_ind, why = _match_label(lab, ctx, unit)
                row_source = lab
                if row_ind and section_label and _match_label(lab, self.themes, unit)[0] is None:
                    row_source = f"{section_label} › {lab}"  # a sector under its total
                if row_ind is None and parent_label and lab and is_part_label(lab):
                    # "- Đô thị" under "Tỷ lệ CTR được thu gom": the parent's indicator
                    # for that part, when one exists
                    part = re.sub(r"^\s*[-+•*]\s*", "", lab)
                    joined, why2 = _match_label(f"{parent_label} {part}", ctx, unit)
                    if joined:
                        row_ind, row_source = joined, f"{parent_label} › {lab}"
                    else:
                        why = f"{why}; with its parent row: {why2}"
                if row_ind:
                    if _has_children(row_ind):
                        section_ctx = (row_ind,)
                        section_label = lab
                else:
                    row_problem = _labelled(why, lab)
                if lab and not is_english(lab) and not is_part_label(lab):
                    parent_label = lab
            for c, cell in cells:
                addr = a1(r, c)
                try:
                    self._cell(
                        addr,
                        c,
                        cell,
                        row_problem,
                        row_period,
                        row_ind,
                        row_unit,
                        area_label,
                        district,
                        row_source,
                    )
                except _Problem as p:
                    self.rej.append(_reject(self.src, self.grid.name, addr, _raw(cell), str(p)))
            prev_label, prev_row = (
                (lab, r) if lab and not is_english(lab) else (prev_label, prev_row)
            )
        return self.obs, self.rej

    def _header_texts(self, c: int) -> list[str]:
        """Texts of the header cells over column *c* (merged cells by their anchor)."""
        out = []
        for r in self.t.header_rows:
            v = self.grid.value(r, c)
            if v is None:
                for r0, c0, r1, c1 in self.grid.merged:
                    if r0 <= r <= r1 and c0 <= c <= c1:
                        v = self.grid.value(r0, c0)
                        break
            if isinstance(v, str):
                out.append(v)
        return out

    def _has_values(self, r: int) -> bool:
        get = self.grid.cells.get
        return any((x := get((r, c))) is not None and _nonblank(x) for c in self.t.value_cols)

    def _district_of(self, label: str) -> str | None:
        if label in self.district_cache:
            return self.district_cache[label]
        out = self.district_cache[label] = _district_name(label)
        return out

    def _column_plan(self, c: int) -> _ColumnPlan:
        """Return what column *c* decides for all its cells (computed once per column)."""
        plan = self.plans.get(c)
        if plan is not None:
            return plan
        t = self.t
        col = t.columns.get(c)
        if col is None or (not col.has_header and t.layout != "areas_x_years"):
            plan = _ColumnPlan(col, "value in a column without header")
            self.plans[c] = plan
            return plan
        tick_ind = self._tick_indicator(c) if col.tick is not None else None
        problem = col.derived if col.derived and tick_ind is None else None
        # period (None with no problem: the row's period)
        period = period_problem = None
        if t.layout in ("areas_x_years", "indicators_x_periods"):
            so = col.status_only
            years = _title_periods(self.title_text).get(so.status) if so is not None else None
            if col.period is None and years and len(years) == 1:
                # a column "Kế hoạch" under a title "… và kế hoạch năm 2025"
                period = Period(next(iter(years)), so.status)
            elif col.period is None:
                if col.period_problem:
                    period_problem = col.period_problem
                elif not col.has_header:
                    period_problem = "value in a column without header"
                else:
                    own = _short(" ".join(col.own or col.own_en))
                    period_problem = f"column header '{own}' is not a period"
            period = period or col.period
            if period is not None and self.marks:
                period, why = _marked(period, _marks_in(self._header_texts(c)), self.marks)
                period_problem = period_problem or why
        elif t.layout == "years_x_measures":
            if col.period is not None:
                period_problem = "period both in the row and the column header"
        else:
            period = col.period or self.title_period
            if col.period is not None and self.marks:
                period, why = _marked(period, _marks_in(self._header_texts(c)), self.marks)
                period_problem = period_problem or why
            if period is None:
                period_problem = (
                    col.period_problem or self.title_period_problem or "no reference year"
                )
        # indicator of the column's cells when neither a tick nor the row names one
        ind = ind_problem = None
        label = ""
        if col.own or col.own_en or (col.parents and not col.period_group):
            ind, why = self._column_indicator(c)
            label = _column_label(col)
            if ind is None:
                ind_problem = _labelled(why or "column has no indicator label", label)
        elif col.parents and self._column_indicator(c)[0]:
            ind = self._column_indicator(c)[0]
            label = _column_label(col)
        elif self.title_id:
            ind = self.title_id
            label = self.title_label
        else:
            why = _with_cands(self.title_reason or "no indicator", self.title_cands)
            ind_problem = _labelled(
                f"no indicator for the table: title {why}", " / ".join(t.title_lines)
            )
        if tick_ind is not None:
            label = _nfc(col.tick)
        split: tuple[tuple[str, str | None, str], ...] = ()
        if ind is None and tick_ind is None and t.layout == "communes_x_measures" and col.own:
            split = self._split_by_unit_type(c)
            if split:
                ind_problem = None
        plan = _ColumnPlan(
            col, problem, tick_ind, period, period_problem, ind, ind_problem, _nfc(label), split
        )
        self.plans[c] = plan
        return plan

    def _cell(
        self,
        addr,
        c,
        cell,
        row_problem,
        row_period,
        row_ind,
        row_unit,
        area_label,
        district,
        row_source="",
    ):
        plan = self.plans.get(c) or self._column_plan(c)
        if plan.problem:
            raise _Problem(plan.problem)
        if row_problem:
            raise _Problem(row_problem)
        if plan.period_problem:
            raise _Problem(plan.period_problem)
        period = plan.period or row_period
        if self.marks and cell.value.__class__ is str and "*" in cell.value:
            # a value marked "73,4*" under a note "(*) Ước thực hiện"
            period, why = _marked(period, _marks_in([cell.value]), self.marks)
            if why:
                raise _Problem(why)
        col = plan.col
        # indicator
        if plan.tick_ind is not None:
            # a tick-mark column: only the count of ticked communes of the province or
            # of a district row is an observation; the ticks themselves are not
            self._tick_count_row(cell, col, area_label, period.year, district)
            ind = plan.tick_ind
            source_label = plan.label
        elif row_ind is not None:
            ind = row_ind
            source_label = row_source
        elif plan.split:
            ind, source_label = self._split_indicator(plan, area_label, district, period.year)
        elif plan.ind_problem:
            raise _Problem(plan.ind_problem)
        else:
            ind = plan.ind
            source_label = plan.label
        # value
        canon = indicator_unit(ind)
        v = cell.value
        if (
            (v.__class__ is float or v.__class__ is int)
            and not (cell.is_percent or cell.is_error or (cell.is_formula and not cell.has_cached))
            and math.isfinite(v)
        ):
            # a plain number (the common case): what parse_cell would return
            value, percent = float(v), False
        else:
            value, percent = self._parse(cell, c, ind, canon, row_unit, col)
        # the factor depends on the indicator, the row's and the column's units only
        fkey = (ind, row_unit, c, percent)
        factor = self.factors.get(fkey)
        if factor is None:
            try:
                factor = self._unit_factor(ind, canon, row_unit, col.units, percent)
            except _Problem as p:
                factor = str(p)
            self.factors[fkey] = factor
        if factor.__class__ is str:
            raise _Problem(factor)
        if factor != 1.0:
            value = float(Decimal(repr(value)) * Decimal(repr(factor)))
        # area
        year = period.year
        vintage = self.vintages.get(year) or self._vintage(year)
        area = self.areas.get((area_label, vintage, district)) or self._area(
            area_label, year, district
        )
        if area.__class__ is str:
            raise _Problem(area)
        _check_range(ind, canon, value, year)
        code, level, vintage, name = area
        self.obs.append(  # in the order of OBSERVATION_COLUMNS
            (
                ind,
                code,
                level,
                vintage,
                name,
                int(year),
                value,
                canon,
                period.status,
                self.src,
                self.sheet_name,
                addr,
                _label_text(source_label),
            )
        )

    def _parse(self, cell, c, ind, canon, row_unit, col) -> tuple[float, bool]:
        """Return ``(value, percent)`` of a cell that is not a plain number, or raise."""
        pv = parse_cell(cell, self._convention(c))
        if pv.reason == R_AMBIGUOUS:
            # a count in persons/households/communes cannot be fractional: the one whole
            # reading decides (when the unit carries no multiplier); otherwise the
            # convention of the table, then of the sheet
            conv = None
            if (
                canon in _WHOLE_UNITS
                and self._unit_factor(ind, canon, row_unit, col.units, False) == 1.0
            ):
                vi, en, _ev = classify_number_text(str(cell.value))
                whole = [x for x in (vi, en) if x is not None and float(x).is_integer()]
                if len(whole) == 1:
                    conv = "vi" if whole[0] == vi else "en"
            pv = parse_cell(cell, conv or self._table_convention())
        if pv.reason:
            raise _Problem(pv.reason)
        return pv.value, pv.percent

    def _area(self, area_label: str | None, year: int, district: str | None):
        """``(code, level, vintage, name)`` of a cell's area or a reject reason.

        Memoised by label, vintage and district: the resolution depends on the year
        through its administrative vintage only.
        """
        vintage = vintage_for_year(year)
        if area_label is not None:
            # the same labels come back in every workbook of a series: memoised
            out = _labelled_area(area_label, vintage, district)
        elif self.other_area:
            out = f"no area column and the title names '{self.other_area}', not the province"
        else:
            out = _area_record(*_resolve_area(_PROVINCE_LABEL, vintage, None, "province"), vintage)
        self.areas[(area_label, vintage, district)] = out
        return out

    def _vintage(self, year: int) -> str:
        out = self.vintages[year] = vintage_for_year(year)
        return out

    def _tick_indicator(self, c: int) -> str | None:
        """Commune-count indicator of the tick-mark column *c* of an areas table, or None.

        ``Đạt chuẩn NTM (x)`` ticks the communes that meet the standard: its number on the
        province or a district row is the number of such communes, i.e. the indicator
        whose alias is the header with ``Số xã``/``Xã`` in front (``Xã đạt chuẩn NTM``) —
        when that indicator counts communes.
        """
        if c not in self.tick_ind:
            col = self.t.columns[c]
            found = None
            if self.t.row_kind == "area" and col.tick and not col.parents:
                for prefix in ("", "Số xã ", "Xã "):
                    ind, _why = _match_label(prefix + col.tick, ())
                    if ind is not None and indicator_unit(ind) == "communes":
                        found = ind
                        break
            self.tick_ind[c] = found
        return self.tick_ind[c]

    def _tick_count_row(self, cell, col, area_label, year, district) -> None:
        """Raise unless *cell* is a count on the province row or a district row."""
        per_commune = _Problem(
            col.derived.replace(
                "(not an observation)",
                "(a per-commune tick, not an observation: the recognition year carries it)",
            )
        )
        if isinstance(cell.value, str) and _TICKS.match(cell.value):
            raise per_commune
        if area_label is None or is_total(area_label):
            return
        res, why = self._resolve(area_label, year, district)
        if res is None:
            raise _Problem(why)
        if res.level not in ("province", "district"):
            raise per_commune

    def _unit_factor(self, ind, canon, row_unit, col_units, percent) -> float:
        declared = row_unit or (col_units[0] if col_units else None)
        level = "row" if row_unit else "column"
        if declared is None and not percent:
            declared, level = self.table_unit, "table"
        if percent:
            if canon != "%":
                raise _Problem(f"unit mismatch: percentage value for {ind} (unit {canon})")
            if declared is not None and level != "table":
                pu = parse_unit(declared)
                if pu is None or pu[0] != "%":
                    raise _Problem(f"unit mismatch: '{declared}' but the value is a percentage")
            return 1.0
        if declared is None:
            return 1.0
        pu = parse_unit(declared)
        if pu is None:
            raise _Problem(f"unit mismatch: unknown unit '{declared}' for {ind} (unit {canon})")
        if pu[0] != canon:
            raise _Problem(f"unit mismatch: '{declared}' is not {canon} ({ind})")
        return pu[1]


_PROVINCE_LABEL = "Tỉnh Bắc Kạn"

_NOTE_MARK = re.compile(r"^\s*(?:ghi chú\s*:?\s*)?(\(\s*\*+\s*\)|\*+)\s*[:.\-–]?\s*(\S.*)$", re.I)
_NOTE_STATUS = (
    ("preliminary", re.compile(r"\b(so bo|prel\w*|preliminary)\b")),
    ("estimate", re.compile(r"\b(uoc|uth|estimated?|est)\b")),
    ("plan", re.compile(r"\b(ke hoach|muc tieu|plan|target)\b")),
)


def _footnote_statuses(grid: SheetGrid, last_row: int) -> dict[str, str]:
    """Return the marks defined under a table and their status (``{"*": "preliminary"}``).

    A note line ``(*) Số liệu sơ bộ`` / ``* Ước thực hiện`` / ``(**) Kế hoạch`` in the 15
    rows under the table's last row. A note naming no status (``(*) Nguồn: …``) or two
    gives none.

    Examples
    --------
    >>> from bkanalysis.ingest.cells import Cell
    >>> g = SheetGrid("S", {(5, 0): Cell("(*) Số liệu sơ bộ"), (6, 0): Cell("(**): Ước tính")})
    >>> _footnote_statuses(g, 4)
    {'*': 'preliminary', '**': 'estimate'}
    """
    out: dict[str, str | None] = {}
    for (r, _c), cell in grid.cells.items():
        if not (last_row < r <= last_row + 15) or not isinstance(cell.value, str):
            continue
        for line in cell.value.splitlines():
            m = _NOTE_MARK.match(unicodedata.normalize("NFC", line))
            if not m:
                continue
            mark = m.group(1).replace("(", "").replace(")", "").strip()
            text = fold(m.group(2))
            found = {st for st, pat in _NOTE_STATUS if pat.search(text)}
            st = found.pop() if len(found) == 1 else None
            if mark in out and out[mark] != st:
                st = None  # the same mark defined twice, differently
            out[mark] = st
    return {k: v for k, v in out.items() if v}


def _marks_in(texts) -> set[str]:
    """Return the footnote marks (``*``, ``**``) in texts such as ``2024(*)``, ``73,4*``."""
    return {m for t in texts for m in re.findall(r"\*+", str(t))}


def _marked(period: Period | None, marks: set[str], defined: dict[str, str]):
    """``(period, problem)``: the period with the status its footnote mark defines.

    An unmarked label, or a mark the notes do not define, keeps its period. A label whose
    own words give another status than its mark (``KH 2024 (*)`` with ``(*) Sơ bộ``) is
    a problem, never a guess.
    """
    if period is None or not marks:
        return period, None
    statuses = {defined[m] for m in marks if m in defined}
    if not statuses:
        return period, None
    if len(statuses) > 1:
        return None, f"footnote marks {', '.join(sorted(marks))} give several statuses"
    st = statuses.pop()
    if period.status in ("actual", st):
        return Period(period.year, st), None
    return None, f"footnote mark says {st} but the label says {period.status}"


@lru_cache(maxsize=1)
def _title_line_patterns() -> tuple[tuple[str, str, re.Pattern[str]], ...]:
    from bkanalysis.catalog import read_package_csv

    df = read_package_csv("ingest/title_lines.csv")
    return tuple(
        (k, c, re.compile(p))
        for k, c, p in zip(df["kind"], df["compare"], df["pattern"], strict=True)
    )


@lru_cache(maxsize=16384)
def _title_line_kind(line: str) -> str | None:
    """Tell what a title line is: ``reference`` (a cited document), ``agency`` or None.

    Patterns are package data (``ingest/title_lines.csv``), compared folded or, where
    the tone marks decide (``Sở`` / ``Số``), with them.

    Examples
    --------
    >>> _title_line_kind("(Kèm theo Báo cáo số 112/BC-UBND ngày 05/02/2024)")
    'reference'
    >>> _title_line_kind("SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG"), _title_line_kind("Độc lập - Tự do - Hạnh phúc")
    ('agency', 'agency')
    >>> _title_line_kind("Số hộ nghèo") is None, _title_line_kind("Tỷ lệ che phủ rừng") is None
    (True, True)
    """
    folded = " ".join(re.sub(r"[,;:–—]", " ", fold(line)).split())
    toned = " ".join(re.sub(r"[,;:–—]", " ", _nfc(line).casefold()).split())
    for kind, compare, pat in _title_line_patterns():
        if pat.search(folded if compare == "folded" else toned):
            return kind
    return None


@lru_cache(maxsize=16384)
def _without_reference(line: str) -> str:
    """Return a title line without the document it cites ('' when it is nothing else).

    Examples
    --------
    >>> _without_reference("TỶ LỆ CHE PHỦ RỪNG NĂM 2023 (Kèm theo Báo cáo số 112/BC-UBND)")
    'TỶ LỆ CHE PHỦ RỪNG NĂM 2023'
    >>> _without_reference("(Kèm theo Báo cáo số 112/BC-UBND ngày 05/02/2024)")
    ''
    """
    if _title_line_kind(line) != "reference":
        return line
    rest = re.sub(
        r"\([^()]*\)",
        lambda m: " " if _title_line_kind(m.group(0)) == "reference" else m.group(0),
        line,
    )
    rest = " ".join(rest.split())
    return "" if not rest or _title_line_kind(rest) == "reference" else rest


_TITLE_PERIOD = re.compile(
    r"\b(uoc thuc hien|uoc th|uoc tinh|uoc|uth|ke hoach|kh|thuc hien|th|so bo|muc tieu)"
    r"\s+(?:nam\s+)?((?:19|20)\d\d)\b"
)


@lru_cache(maxsize=4096)
def _title_periods(title: str) -> dict[str, frozenset[int]]:
    """Return status -> years a title pairs (``ƯỚC THỰC HIỆN NĂM 2024 VÀ KẾ HOẠCH NĂM 2025``).

    Examples
    --------
    >>> sorted(_title_periods("ƯỚC THỰC HIỆN NĂM 2024 VÀ KẾ HOẠCH NĂM 2025").items())
    [('estimate', frozenset({2024})), ('plan', frozenset({2025}))]
    """
    out: dict[str, set[int]] = {}
    for m in _TITLE_PERIOD.finditer(fold(title)):
        p = parse_period(f"{m.group(1)} {m.group(2)}")
        if p is not None:
            out.setdefault(p.status, set()).add(p.year)
    return {k: frozenset(v) for k, v in out.items()}


@lru_cache(maxsize=65536)
def _labelled_area(label: str, vintage: str, district: str | None) -> tuple | str:
    """``(code, level, vintage, name)`` of the area a row label names, or a reject reason."""
    if is_total(label):
        return _area_record(*_resolve_area(_PROVINCE_LABEL, vintage, None, "province"), vintage)
    res, why = _resolve_area(label, vintage, district, None)
    if res is None and _ROMAN.match(label):
        why = "group row (not an observation)"
    return _area_record(res, why, vintage)


def _area_record(res, why: str | None, vintage: str) -> tuple | str:
    """``(code, level, vintage, name)`` of a resolved area, or the reason it is not one."""
    return why if res is None else (res.code, res.level, vintage, _nfc(res.name))


@lru_cache(maxsize=65536)
def _district_name(label: str) -> str | None:
    """Name of the district *label* names (2020 units, then 2019), or None (pure, memoised)."""
    for year in (2020, 2019):
        res, _ = _resolve_area(label, vintage_for_year(year), None, None)
        if res is not None and res.level == "district":
            return res.name
    return None


@lru_cache(maxsize=65536)
def _resolve_area(label: str, v: str, district: str | None, level):
    """``(AreaMatch, None)`` or ``(None, reject reason)`` (pure, so memoised)."""
    from bkanalysis.admin import AreaResolutionError, resolve_area

    try:
        try:
            res = resolve_area(label, vintage=v, level=level)
        except AreaResolutionError as err:
            if err.reason == "ambiguous" and district:
                res = resolve_area(label, vintage=v, level=level, district=district)
            else:
                raise
        out = (res, None)
    except AreaResolutionError as err:
        cands = "; ".join(f"{c} {n}" for c, n in (err.candidates or [])[:5]) or "none"
        out = (
            None,
            f"unresolved area '{label}' in vintage {v} ({err.reason}; candidates: {cands})",
        )
    except Exception as exc:
        out = (None, f"unresolved area '{label}' ({exc})")
    return out


@lru_cache(maxsize=16384)
def _label_text(text: str) -> str:
    """Return a ``source_label`` as stored: NFC, whitespace runs as one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


@lru_cache(maxsize=4096)
def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _check_range(ind: str, unit: str, value: float, year: int) -> None:
    if unit == "%" and not 0 <= value <= 100:
        raise _Problem(f"out of range: {ind} = {value:g} % outside 0–100")
    if unit in _NONNEG_UNITS and value < 0:
        raise _Problem(f"out of range: {ind} = {value:g} is negative")
    if unit in _WHOLE_UNITS and not float(value).is_integer():
        raise _Problem(f"out of range: {ind} = {value:g} is not a whole number")
    if unit == "criteria" and value > 19:
        raise _Problem(f"out of range: {ind} = {value:g} criteria (at most 19)")
    if unit == "year" and not 1950 <= value <= year + 1:
        raise _Problem(f"out of range: {ind} = {value:g} is not a year up to {year}")


_SUBUNIT = re.compile(
    r"\b(huyện|thành phố|thị xã|xã|phường|thị trấn|tỉnh|TP\.|H\.|X\.)\s+"
    r"((?:[A-ZĐÂĂÊÔƠƯÁÀẢÃẠ][\w]*\s*){1,3})",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)
def _names_other_area(title: str) -> str | None:
    """Return a unit other than Bắc Kạn province named in a title (``… huyện Ba Bể``), or None.

    Pure (titles repeat from workbook to workbook), so memoised.
    """
    text = unicodedata.normalize("NFC", title)
    for m in _SUBUNIT.finditer(text):
        name = m.group(2).strip()
        if not name or not name[0].isupper():
            continue
        prefix = m.group(1).lower()
        if prefix == "tỉnh" and fold(name).startswith("bac kan"):
            continue
        if name.isupper():
            from .layouts import _default_area_test

            if not _default_area_test(f"{m.group(1)} {name}"):
                continue
        return f"{m.group(1)} {name}"
    return None


_EN_TYPES = re.compile(r"\b(district|city|town|township|commune|ward|province|total)\b")
_VI_TYPES = re.compile(
    r"^(?:\d+\s+|[ivxlc]+\s+)?(huyen|thanh pho|thi xa|thi tran|xa|phuong|tinh|tp|tx|tt|h|x|p)\s+"
)


def _translates(english: str, vietnamese: str) -> bool:
    """Tell whether *english* is the English line of the two-line label *vietnamese*.

    Examples
    --------
    >>> _translates("Bac Kan city", "Thành phố Bắc Kạn"), _translates("Xa Bang Thanh", "Huyện Pác Nặm")
    (True, False)
    """
    en = " ".join(_EN_TYPES.sub(" ", key(english)).split())
    vi = " ".join(_VI_TYPES.sub("", key(vietnamese)).split())
    return bool(en) and en == vi


@lru_cache(maxsize=65536)
def _match_label(text: str, ctx, unit: str | None = None) -> tuple[str | None, str | None]:
    """Match a (possibly bilingual) row label: the Vietnamese half decides."""
    parts = split_bilingual(text) or [text]
    vi = [p for p in parts if not is_english(p)]
    en = [p for p in parts if is_english(p)]
    if vi:
        out = _match_pieces(vi, ctx, strict=True, unit=unit)
        if out[0] and en:
            me = _match_pieces(en, ctx, strict=False, unit=unit)
            if me[0] and me[0] != out[0]:
                return None, f"row labels disagree: {out[0]} vs {me[0]}"
        return out
    return _match_pieces(en, ctx, strict=False, unit=unit)


def _labelled(reason: str, label: str | None) -> str:
    """Return a reject reason naming the raw label (``bkanalysis review`` reads it)."""
    text = _label_text(label) if label else ""
    return f"{reason} [label: {text}]" if text else reason


def _canon_unit(text: str | None) -> str | None:
    """Canonical unit of a declared unit text (None when absent or unknown)."""
    if not text:
        return None
    pu = parse_unit(text)
    return pu[0] if pu else None


@lru_cache(maxsize=8)
def _unit_types(vintage: str) -> dict[str, str]:
    from bkanalysis.admin.gazetteer import gazetteer

    g = gazetteer(vintage)
    return dict(zip(g["area_code"], g["unit_type"], strict=True))


def _unit_type(code: str, vintage: str) -> str:
    """Return the unit type (xã, phường, thị trấn …) of an area code in a vintage."""
    return _unit_types(vintage).get(code, "")


def _column_label(col) -> str:
    """Return the header text a column's indicator is read from (parents › own)."""
    own = " / ".join([*col.own, *col.own_en])
    return " › ".join(x for x in [*col.parents, own] if x)


def _match_pieces(
    pieces: list[str], ctx, *, strict: bool, unit: str | None = None
) -> tuple[str | None, str | None]:
    """Match joined label pieces, then each piece; *strict*: every piece must match."""
    joined = match_indicator(label_key(" ".join(pieces)), ctx, unit)
    if joined.id or len(pieces) == 1:
        return (
            (joined.id, None)
            if joined.id
            else (None, _with_cands(joined.reason, joined.candidates))
        )
    ids, failed = set(), False
    for p in pieces:
        m = match_indicator(label_key(p), ctx, unit)
        if m.id:
            ids.add(m.id)
        elif label_key(p):
            failed = True
    if len(ids) == 1 and not (strict and failed):
        return ids.pop(), None
    if len(ids) > 1:
        return None, f"label pieces match several indicators ({', '.join(sorted(ids))})"
    return None, _with_cands(joined.reason, joined.candidates)


def _nonblank(cell) -> bool:
    v = cell.value
    if v.__class__ is float or v.__class__ is int:
        return True  # a number always has a text
    if v.__class__ is str:
        return bool(v.strip()) or cell.is_error or cell.is_formula
    return bool(cell_text(v)) or cell.is_error or cell.is_formula


def _opt(x):
    return (x,) if x else ()


def _has_children(ind: str) -> bool:
    from .labels import _catalog

    return bool(_catalog()[2].get(ind))


def _with_cands(reason: str | None, cands) -> str:
    reason = reason or "no indicator"
    if cands:
        return f"{reason} (candidates: {', '.join(cands)})"
    return f"{reason} (candidates: none)"


def _short(t: str, n: int = 60) -> str:
    t = " ".join(str(t).split())
    return t if len(t) <= n else t[: n - 1] + "…"


__all__ += ["is_component", "key"]
