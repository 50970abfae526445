"""Read one workbook into tidy observations and rejects (DESIGN.md §2).

Every non-empty cell of a recognised data region (data rows × value columns of a table)
ends as exactly one observation or one reject. A sheet or table that cannot be placed is
reported in ``sheets`` (layout ``'unrecognised'``) with one reject row and is never
half-read. See docs/ingestion.md for the reject-reason vocabulary.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import pandas as pd

from bkanalysis.admin import AreaMatch
from bkanalysis.admin.gazetteer import gazetteer
from bkanalysis.catalog import read_package_csv
from bkanalysis.observations import check_observations, records_frame
from bkanalysis.schema import (
    OBSERVATION_COLUMNS,
    REJECT_COLUMNS,
    empty_observations,
    vintage_for_year,
)

from .aliases import aliases_for, load_aliases
from .cellread import (
    WHOLE_UNITS,
    CellRef,
    Observation,
    Problem,
    Reject,
    area_named,
    check_range,
    district_name,
    label_text,
    make_observation,
    nonblank,
    province,
    resolve_label,
    scaled,
)
from .cells import load_workbook_grids
from .grid import SheetGrid, a1
from .labels import (
    Period,
    _catalog,
    area_words,
    canonical,
    fold,
    indicator_unit,
    is_english,
    is_part_label,
    key,
    label_key,
    match_indicator,
    names_an_area,
    parse_period,
    parse_unit,
    split_bilingual,
    split_units,
    themes_of,
    title_key,
    use_aliases,
)
from .layouts import (
    Column,
    Table,
    _default_area_test,
    cell_text,
    find_tables,
    is_subtotal,
    is_total,
    row_label,
)
from .national import read_national_sheet
from .numbers import R_AMBIGUOUS, classify_number_text, parse_cell, text_convention
from .records import record_level_message
from .sniff import sniff_workbook
from .specs import apply_spec, load_specs, spec_matches

if TYPE_CHECKING:
    from collections.abc import Callable

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

# a tick-mark cell (x, ✓) marks a commune as meeting a standard: it is not a value
_TICKS = re.compile(r"^\s*[xX✓✔√vV+]\s*$")
# a sheet of notes or sources, by its name (folded): never a table
_NOTES_SHEET = re.compile(
    r"^(ghi chu|notes?|nguon|nguon so lieu|sources?|readme|read me|huong dan|metadata|chu thich)\b"
)


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
        Check the observations with :func:`bkanalysis.observations.check_observations`
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

    Observations are :class:`~.cellread.Observation` records, rejects
    :class:`~.cellread.Reject` records, sheets dicts. Used by ``build`` to assemble one
    frame for all workbooks.
    """
    path = Path(path)
    root = Path(raw_root) if raw_root is not None else path.parent
    rel = _relative_name(path, root)
    sniffed = sniff_workbook(path)
    grids = load_workbook_grids(path, sniffed.kind, xml_parts=sniffed.xml_parts)
    if specs is None and (root / "specs").is_dir():
        specs = root / "specs"
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
    use_aliases(aliases_for(aliases, source_file) if aliases else {})
    obs: list[Observation] = []
    rej: list[Reject] = []
    sheets: list[dict] = []
    for grid in grids:
        matching = [s for s in specs or () if spec_matches(s, source_file, grid.name)]
        if matching:
            o, r, s = _read_with_specs(grid, source_file, matching)
        else:
            o, r, s = _read_sheet_safely(grid, source_file)
        obs += o
        rej += r
        sheets += s
    return obs, rej, sheets


def _read_with_specs(grid: SheetGrid, src: str, specs: list[dict]) -> tuple[list, list, list]:
    """Read a sheet with every spec that applies to it, in the order given (one per table)."""
    obs, rej, sheets = [], [], []
    claimed: set = set()  # a cell is read by the first spec covering it
    for spec in specs:
        o, r = apply_spec(spec, grid, src, claimed)
        obs += o
        rej += r
        sheets.append(_sheet_row(src, grid.name, f"spec:{spec['name']}", o=o, r=r))
    return obs, rej, sheets


def _read_sheet_safely(grid: SheetGrid, src: str) -> tuple[list, list, list]:
    """Read a sheet; a reader error rejects the whole sheet in one line, never half of it."""
    obs: list[Observation] = []
    rej: list[Reject] = []
    sheets: list[dict] = []
    try:
        _read_sheet(grid, src, obs, rej, sheets)
    except Exception as exc:
        msg = f"reader error ({type(exc).__name__}: {' '.join(str(exc).split())[:200]})"
        r = [_sheet_reject(src, grid.name, f"unrecognised layout: {msg}")]
        return [], r, [_sheet_row(src, grid.name, "unrecognised", r=r, message=msg)]
    return obs, rej, sheets


#: dtypes of ``WorkbookResult.sheets``
SHEET_DTYPES = {
    c: ("int64" if c in ("table", "observations", "rejects") else "str") for c in SHEET_COLUMNS
}


def _to_result(obs: list, rej: list, sheets: list, *, validate: bool = True) -> WorkbookResult:
    if obs:
        odf = records_frame(obs, OBSERVATION_COLUMNS)
        if validate:
            odf = check_observations(odf, strict=True)
    else:
        odf = empty_observations()
    rdf = records_frame(rej, dict.fromkeys(REJECT_COLUMNS, "str"))
    sdf = records_frame(sheets, SHEET_DTYPES)
    return WorkbookResult(odf, rdf, sdf)


def _sheet_row(src, sheet, layout, table=0, *, o=(), r=(), message="") -> dict:
    """Return the ``sheets`` row of one table (or of a sheet without one)."""
    return {
        "source_file": src,
        "sheet": sheet,
        "layout": layout,
        "table": table,
        "observations": len(o),
        "rejects": len(r),
        "message": message,
    }


def _sheet_reject(src: str, sheet: str, reason: str) -> Reject:
    """Return the one reject of a sheet or table that is not read (no cell, no value)."""
    return Reject(src, sheet, "", "", reason)


def _read_sheet(grid: SheetGrid, src: str, obs: list, rej: list, sheets: list) -> None:
    """Read one sheet into *obs*, *rej* and *sheets*: a layout's tables, or why none."""
    skipped = _skipped_sheet(grid, src)
    if skipped is not None:
        layout, message, r = skipped
        rej += r
        sheets.append(_sheet_row(src, grid.name, layout, r=r, message=message))
        return
    beyond = read_national_sheet(grid, src)  # issue 15: tables beyond the study area
    if beyond is not None:
        o, r, msg = beyond
        obs += o
        rej += r
        sheets.append(_sheet_row(src, grid.name, "beyond_study_area", o=o, r=r, message=msg))
        return
    tables = find_tables(grid)
    if not tables:
        layout, message, r = _tableless_sheet(grid, src)
        rej += r
        sheets.append(_sheet_row(src, grid.name, layout, r=r, message=message))
        return

    @cache
    def conv_sheet() -> str | None:  # the sheet's number convention, when a table has none
        return text_convention(
            v.value for v in grid.cells.values() if isinstance(v.value, str) and len(v.value) < 30
        )

    for t in tables:
        if t.layout == "unrecognised":
            msg = f"{t.message} (rows {t.rows[0] + 1}–{t.rows[-1] + 1})"
            r = [_sheet_reject(src, grid.name, f"unrecognised layout: {msg}")]
            rej += r
            sheets.append(_sheet_row(src, grid.name, "unrecognised", t.index, r=r, message=msg))
            continue
        o, r = _TableReader(grid, t, src, conv_sheet).read()
        obs += o
        rej += r
        sheets.append(_sheet_row(src, grid.name, t.layout, t.index, o=o, r=r))


def _skipped_sheet(grid: SheetGrid, src: str) -> tuple[str, str, list[Reject]] | None:
    """``(layout, message, rejects)`` of a sheet not read as tables (empty, notes, records)."""
    if not any(nonblank(c) for c in grid.cells.values()):
        return "empty", "no cells", []
    if _NOTES_SHEET.match(key(grid.name)):
        return "empty", "notes sheet (by its name)", []
    records = record_level_message(grid)
    if records is not None:  # household records: reported in one line, not cell by cell
        r = [_sheet_reject(src, grid.name, f"record-level data: {records}; not read")]
        return "record_level", records, r
    return None


def _tableless_sheet(grid: SheetGrid, src: str) -> tuple[str, str, list[Reject]]:
    """``(layout, message, rejects)`` of a sheet where no table was found."""
    if not any(
        isinstance(c.value, (int, float)) and not isinstance(c.value, bool) and nonblank(c)
        for c in grid.cells.values()
    ):
        return "empty", "text only (no values): notes", []
    msg = "no table (data rows under a header) found"
    return "unrecognised", msg, [_sheet_reject(src, grid.name, f"unrecognised layout: {msg}")]


class _ColumnPlan(NamedTuple):
    """What a value column decides for all its cells (see ``_TableReader._column_plan``)."""

    col: Column | None  # None: no header over the cell
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


@dataclass(slots=True)
class _Row:
    """What a data row decides for all its cells (see ``_TableReader._row``)."""

    problem: str | None = None  # reject every cell of the row
    period: Period | None = None  # a period row's period
    ind: str | None = None  # an indicator row's indicator
    unit: str | None = None  # an indicator row's declared unit
    area_label: str | None = None  # an area row's label (None: the province)
    district: str | None = None  # the district the row lies in, when known
    source: str = ""  # the text an indicator row's indicator is read from
    # the row's area in each vintage its cells fall in: (area, None) or (None, reject
    # reason), resolved for the first such cell (see _TableReader._area)
    areas: dict[str, tuple[AreaMatch | None, str | None]] = field(default_factory=dict)


@dataclass
class _Walk:
    """What the rows read so far tell about the next one (``_TableReader.read``)."""

    prev_label: str | None = None  # the last Vietnamese row label, and its row
    prev_row: int | None = None
    district: str | None = None  # the district of the last district row or header
    district_header: bool = False  # a header row named the district (its "Tổng số" is its own)
    section_ctx: tuple[str, ...] = ()  # the indicator of the section the rows are in
    section_label: str = ""  # the row label that set section_ctx
    section_area: str | None = None  # the area a section header names ("B. KHU VỰC ĐÔ THỊ")
    section_area_label: str = ""  # that header
    parent_label: str | None = None  # the last indicator-row label that is not a part


class _TableReader:
    """Read the data region of one table: every non-empty cell to an observation or a reject."""

    def __init__(self, grid: SheetGrid, t: Table, src: str, conv_sheet: Callable[[], str | None]):
        self.grid = grid
        self.t = t
        self.src = src
        self.conv_sheet = conv_sheet
        self.obs: list[Observation] = []
        self.rej: list[Reject] = []
        # document references are no part of the title; agency blocks (UBND TỈNH …, the
        # national motto) name no indicator and no year but may name the reporting unit
        lines = [y for x in t.title_lines if (y := _without_reference(x))]
        own = [x for x in lines if _title_line_kind(x) is None]
        vi = [x for line in own for x in split_bilingual(line) if not is_english(x)]
        en = [x for line in own for x in split_bilingual(line) if is_english(x)]
        self.title_all = " ".join(lines)
        self.title_text = " ".join(own)
        self.table_unit = _table_unit(t)
        # the table's theme (an emission table) is evidence for the labels in it
        self.themes = themes_of(key(self.title_all))
        # the area the title is about alone (rural or urban), for labels that name none
        self.area = area_words(key(self.title_all))
        # what the title is about ("thu gom, xử lý chất thải rắn sinh hoạt đô thị"), for a
        # column whose label names only the measure of it ("Tỷ lệ thu gom (%)")
        # (the header corner, "Huyện/Thành phố", names the rows, not the subject)
        subject = [x for x in vi if x not in t.corner_lines]
        self.title_subject_text = " ".join(subject)
        self.title_subject = title_key(self.title_subject_text) if subject else ""
        self.title_src: list[str] = []  # the title lines the indicator was read from
        self.title_id, self.title_reason, self.title_cands = self._title_indicator(vi, en)
        self.title_label = " / ".join(self.title_src) if self.title_id else ""
        self.other_area = _names_other_area(self.title_all)
        self.title_period: Period | None = None
        self.title_period_problem: str | None = None
        if t.layout == "communes_x_measures":
            self.title_period, self.title_period_problem = self._title_year()
        # footnote marks defined under the table: "(*) Số liệu sơ bộ" → {"*": "preliminary"}
        self.marks = _footnote_statuses(grid, t.rows[-1]) if t.rows else {}
        # computed once per column: the column plans, the indicator of a header (also the
        # guard against a circular group header), a column's number convention
        self.plans: dict[int, _ColumnPlan] = {}
        self.col_ind: dict[int, tuple[str | None, str | None]] = {}
        self.conv: dict[int, str | None] = {}

    # ---------------------------------------------------------------- the title
    def _title_indicator(self, vi, en) -> tuple[str | None, str | None, tuple]:
        """Return ``(indicator, reason, candidates)`` the title's lines name (Vietnamese first)."""
        if not vi and not en:
            return None, "no title", ()
        unit = _canon_unit(self.table_unit)
        found_vi, reasons = self._title_matches(vi, unit)
        found_en, reasons_en = self._title_matches(en, unit)
        reasons += reasons_en
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

    def _title_matches(self, lines: list[str], unit: str | None) -> tuple[set[str], list]:
        """Return the indicators the title *lines* name (joined, then each), and the misses."""
        found: set[str] = set()
        misses = []
        if not lines:
            return found, misses
        keyed = [(k, x) for x in lines if (k := title_key(x))]
        joined = " ".join(k for k, _ in keyed)
        texts = {joined: " ".join(x for _, x in keyed), **dict(keyed)}
        for k in dict.fromkeys([joined, *texts]):
            m = match_indicator(k, self.themes, unit)
            if m.id:
                found.add(m.id)
                if texts[k] not in self.title_src:
                    self.title_src.append(texts[k])
            elif k == joined:
                misses.append(m)
        return found, misses

    def _title_year(self) -> tuple[Period | None, str | None]:
        """Return the period of a commune table: the title's one year (or the sheet name's)."""
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
        statuses = {st for word, st in _TITLE_STATUS_WORDS if re.search(rf"\b{word}\b", text)}
        if len(statuses) > 1:
            return None, f"title mixes statuses ({', '.join(sorted(statuses))})"
        return Period(int(cand.pop()), statuses.pop() if statuses else "actual"), None

    # ---------------------------------------------------------------- columns
    def _column_indicator(self, c: int) -> tuple[str | None, str | None]:
        """Return ``(indicator, reason)`` of column *c*'s header (its parents give the context)."""
        if c in self.col_ind:
            return self.col_ind[c]
        self.col_ind[c] = (None, "circular group header")
        col = self.t.columns[c]
        unit = _canon_unit(col.units[0] if col.units else self.table_unit)
        ctx = self._column_context(col, unit)
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

    def _column_context(self, col: Column, unit: str | None) -> tuple[str, ...]:
        """Return the indicators that frame a column's own label.

        Its parent headers', the first column of its group's, the title's, the themes.
        """
        ctx = []
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
        return tuple(ctx) + self.themes

    def _column_plan(self, c: int) -> _ColumnPlan:
        """Return what column *c* decides for all its cells (computed once per column)."""
        if c in self.plans:
            return self.plans[c]
        t = self.t
        col = t.columns.get(c)
        if col is None or (not col.has_header and t.layout != "areas_x_years"):
            plan = _ColumnPlan(col, "value in a column without header")
        else:
            tick_ind = self._tick_indicator(c) if col.tick is not None else None
            problem = col.derived if col.derived and tick_ind is None else None
            period, period_problem = self._column_period(c, col)
            ind, ind_problem, label = self._column_label_indicator(c, col)
            if tick_ind is not None:
                label = col.tick
            split: tuple[tuple[str, str | None, str], ...] = ()
            if ind is None and tick_ind is None and t.layout == "communes_x_measures" and col.own:
                split = self._split_by_unit_type(c)
                if split:
                    ind_problem = None
            label = unicodedata.normalize("NFC", label)
            plan = _ColumnPlan(
                col, problem, tick_ind, period, period_problem, ind, ind_problem, label, split
            )
        self.plans[c] = plan
        return plan

    def _column_period(self, c: int, col: Column) -> tuple[Period | None, str | None]:
        """``(period, problem)`` of a column's cells; ``(None, None)``: the row's period."""
        layout = self.t.layout
        if layout == "years_x_measures":  # the rows give the period
            if col.period is not None:
                return None, "period both in the row and the column header"
            return None, None
        if layout in ("areas_x_years", "indicators_x_periods"):
            period, problem = self._header_period(col)
            if period is not None and self.marks:
                period, why = _marked(period, _marks_in(self._header_texts(c)), self.marks)
                problem = problem or why
            return period, problem
        period, problem = col.period or self.title_period, None
        if col.period is not None and self.marks:
            period, problem = _marked(period, _marks_in(self._header_texts(c)), self.marks)
        if period is None:
            problem = col.period_problem or self.title_period_problem or "no reference year"
        return period, problem

    def _header_period(self, col: Column) -> tuple[Period | None, str | None]:
        """``(period, problem)`` of a column under a header band of periods."""
        if col.period is not None:
            return col.period, None
        so = col.status_only
        years = _title_periods(self.title_text).get(so.status) if so is not None else None
        if years and len(years) == 1:
            # a column "Kế hoạch" under a title "… và kế hoạch năm 2025"
            return Period(next(iter(years)), so.status), None
        if col.period_problem:
            return None, col.period_problem
        if not col.has_header:
            return None, "value in a column without header"
        return None, f"column header '{_short(' '.join(col.own or col.own_en))}' is not a period"

    def _column_label_indicator(self, c: int, col: Column) -> tuple[str | None, str | None, str]:
        """Return ``(indicator, reject reason, label)`` of a column from its header or the title.

        Used when neither a tick nor the row names the indicator.
        """
        if col.own or col.own_en or (col.parents and not col.period_group):
            ind, why = self._column_indicator(c)
            label = _column_label(col)
            if col.own and (ind is None or (self.area and not names_an_area(ind))):
                plain, (ind, label) = ind, self._column_completed(col, label)
                if ind is None and plain is not None:
                    why = _of_all_areas(" ".join(col.own), plain, self.area)
            if ind is None:
                return None, _labelled(why or "column has no indicator label", label), label
            return ind, None, label
        if col.parents and self._column_indicator(c)[0]:
            return self._column_indicator(c)[0], None, _column_label(col)
        if self.title_id:
            return self.title_id, None, self.title_label
        why = _with_cands(self.title_reason or "no indicator", self.title_cands)
        title = " / ".join(self.t.title_lines)
        return None, _labelled(f"no indicator for the table: title {why}", title), ""

    def _column_completed(self, col: Column, label: str) -> tuple[str | None, str]:
        """Return the indicator of a column whose own label names none, and its source label.

        Matched again with the area the title is about (a table of rural measures), then
        with the title's subject (``Tỷ lệ thu gom (%)`` under ``Tình hình thu gom, xử lý
        chất thải rắn sinh hoạt đô thị``), by the matcher's own rules: every word must be
        an indicator's.
        """
        unit = _canon_unit(col.units[0] if col.units else self.table_unit)
        ctx = self._column_context(col, unit)
        own = " ".join(col.own)
        if self.area:
            ind = match_indicator(label_key(f"{own} {self.area}"), ctx, unit).id
            if ind:
                return ind, f"{label} › {self.area}"
        if self.title_subject:
            ind = match_indicator(label_key(f"{own} {self.title_subject}"), ctx, unit).id
            if ind:
                return ind, f"{self.title_subject_text} › {label}"
        return None, label

    def _tick_indicator(self, c: int) -> str | None:
        """Commune-count indicator of the tick-mark column *c* of an areas table, or None.

        ``Đạt chuẩn NTM (x)`` ticks the communes that meet the standard: its number on the
        province or a district row is the number of such communes, i.e. the indicator
        whose alias is the header with ``Số xã``/``Xã`` in front (``Xã đạt chuẩn NTM``) —
        when that indicator counts communes.
        """
        col = self.t.columns[c]
        if self.t.row_kind != "area" or not col.tick or col.parents:
            return None
        for prefix in ("", "Số xã ", "Xã "):
            ind, _why = _match_label(prefix + col.tick, ())
            if ind is not None and indicator_unit(ind) == "communes":
                return ind
        return None

    def _split_by_unit_type(self, c: int) -> tuple[tuple[str, str | None, str], ...]:
        """Return the indicators of a commune-table column naming no area part, by unit type.

        ``Tỷ lệ hộ có nhà tiêu HVS`` over communes: in official statistics khu vực nông
        thôn is the xã and khu vực thành thị the phường and thị trấn
        (``ingest/area_split.csv``). The column is read so only when its label with the
        rural words matches an indicator (the matcher's rules, margin included) and the
        label itself names no part; the urban indicator may be missing (its rows are
        then rejected). Returns ``((unit_type, indicator or None, words), …)`` or ``()``.
        """
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

    def _convention(self, c: int) -> str | None:
        """Return the number convention of column *c* from its own unambiguous texts (or None)."""
        if c not in self.conv:
            self.conv[c] = text_convention(self._texts(self.t.data_rows, [c]))
        return self.conv[c]

    @cached_property
    def table_convention(self) -> str | None:
        """Return the number convention of the table's value cells, else of the sheet."""
        return (
            text_convention(self._texts(self.t.data_rows, self.t.value_cols)) or self.conv_sheet()
        )

    def _texts(self, rows, cols) -> list[str]:
        """Return the text values of the cells of *rows* × *cols*."""
        get = self.grid.cells.get
        return [
            x.value
            for r in rows
            for c in cols
            if (x := get((r, c))) is not None and isinstance(x.value, str)
        ]

    # ---------------------------------------------------------------- rows
    def read(self) -> tuple[list[Observation], list[Reject]]:
        """Read the table's rows; return its observations and rejects."""
        t = self.t
        data = set(t.data_rows)
        walk = _Walk()
        get = self.grid.cells.get
        for r in t.rows:
            lab = row_label(self.grid, t, r)
            if r not in data:
                self._header_row(lab, r, walk)
                continue
            cells = [(c, x) for c in t.value_cols if (x := get((r, c))) is not None and nonblank(x)]
            if not cells:
                continue
            row = self._row(r, lab, walk)
            for c, cell in cells:
                where = CellRef(self.src, self.grid.name, a1(r, c))
                try:
                    self.obs.append(self._cell(where, c, cell, row))
                except Problem as p:
                    self.rej.append(where.reject(cell, str(p)))
            if lab and not is_english(lab):
                walk.prev_label, walk.prev_row = lab, r
        return self.obs, self.rej

    def _header_row(self, lab: str, r: int, walk: _Walk) -> None:
        """Take what a row outside the data rows says: a district header, a section."""
        if not lab:
            return
        if not is_english(lab):
            walk.prev_label, walk.prev_row = lab, r
        if self.t.row_kind == "area" and not is_english(lab):
            d = district_name(lab)
            if d:
                walk.district = d
                walk.district_header = True
        if self.t.row_kind == "indicator":
            m = match_indicator(label_key(lab), self.themes)
            walk.section_ctx = (m.id,) if m.id else ()
            walk.section_label = lab if m.id else ""
            # NOTE: every section header ends the previous section's area: a section that
            # names none does not inherit one (a nested section's rows are then refused). A
            # section is one area's when its header names nothing else ("B. KHU VỰC NÔNG
            # THÔN", not "Chất thải rắn nông thôn", a topic)
            area = None if m.id else area_words(key(lab))
            only = area and set(canonical(key(lab))) <= set(canonical(key(area)))
            walk.section_area = area if only else None
            walk.section_area_label = lab if walk.section_area else ""
            if not is_english(lab) and not is_part_label(lab):
                walk.parent_label = lab

    def _row(self, r: int, lab: str, walk: _Walk) -> _Row:
        """Return what data row *r* (label *lab*) decides for its cells, by the row kind."""
        if self.t.row_kind == "area":
            return self._area_row(r, lab, walk)
        if self.t.row_kind == "period":
            return self._period_row(r, lab)
        if self.t.row_kind == "indicator":
            return self._indicator_row(r, lab, walk)
        return _Row()

    def _area_row(self, r: int, lab: str, walk: _Walk) -> _Row:
        """Read an area row: its (two-line) label names the area; a district sets the district."""
        label = self._bilingual_area_label(r, lab, walk)
        if not label:
            return _Row(problem="row without label", district=walk.district)
        if is_subtotal(label) or (is_total(label) and walk.district_header):
            # a "Tổng số" under a district header is that district's sub-total
            return _Row(problem="subtotal row (not an observation)", district=walk.district)
        if not is_total(label):
            walk.district = district_name(label) or walk.district
        return _Row(area_label=label, district=walk.district)

    def _bilingual_area_label(self, r: int, lab: str, walk: _Walk) -> str:
        """Return the label of an area row; a Vietnamese line and its English line go together.

        ``Bắc Kạn`` over ``Bac Kan city`` (the English line on the values' row, or on the
        row under it without values) is the city, not the province.
        """
        t = self.t
        if not lab:
            return lab
        if is_english(lab):
            if (
                walk.prev_label is not None
                and r - walk.prev_row <= 2
                and _translates(lab, walk.prev_label)
            ):
                return f"{walk.prev_label}\n{lab}"
            return lab
        nxt = unicodedata.normalize("NFC", cell_text(self.grid.value(r + 1, t.label_col)))
        if nxt and is_english(nxt) and _translates(nxt, lab) and not self._has_values(r + 1):
            return f"{lab}\n{nxt}"  # the English line under the values' row
        return lab

    def _period_row(self, r: int, lab: str) -> _Row:
        """Read a period row: its label (or a year written as a number) is the period."""
        v = self.grid.value(r, self.t.label_col)
        period = parse_period(v if isinstance(v, (int, float)) else lab)
        if period is None:
            return _Row(problem=f"row label '{_short(lab)}' is not a period")
        problem = None
        if self.marks:
            period, problem = _marked(period, _marks_in([lab]), self.marks)
        return _Row(problem=problem, period=period)

    def _indicator_row(self, r: int, lab: str, walk: _Walk) -> _Row:
        """Read an indicator row: its label, in its section or under its parent row, names one."""
        t = self.t
        unit = None
        if t.unit_col is not None:
            unit = cell_text(self.grid.value(r, t.unit_col)) or None
        if unit is None:
            units = split_units(lab)[1]
            unit = units[0] if units else None
        ind, why, source = self._row_indicator(lab, walk, _canon_unit(unit or self.table_unit))
        problem = None
        if ind is None and lab and is_total(lab):
            # no section above names what it totals: a reader must look (no alias fixes it)
            problem = f"total row '{_short(lab)}' closes no section naming an indicator"
        elif ind is None:
            problem = _labelled(why, lab)
        elif _has_children(ind):
            walk.section_ctx, walk.section_label = (ind,), lab
        if lab and not is_english(lab) and not is_part_label(lab):
            walk.parent_label = lab
        return _Row(problem=problem, ind=ind, unit=unit, source=source, district=walk.district)

    def _row_indicator(
        self, lab: str, walk: _Walk, canon: str | None
    ) -> tuple[str | None, str | None, str]:
        """Return ``(indicator, reason, source label)`` of an indicator row's label *lab*.

        The label alone (a sector under its total); else with the area its section or the
        title is about; else, for ``Tổng``, the section's indicator; else, for a part row,
        with its parent row's label.
        """
        ctx = walk.section_ctx + _opt(self.title_id) + self.themes
        ind, why = _match_label(lab, ctx, canon)
        source = lab
        if ind and walk.section_label and _match_label(lab, self.themes, canon)[0] is None:
            source = f"{walk.section_label} › {lab}"  # a sector under its total
        area = walk.section_area or self.area
        if area and lab and not is_part_label(lab) and (ind is None or not names_an_area(ind)):
            # "Tỷ lệ hộ có nhà tiêu hợp vệ sinh" in a section (or table) of rural measures
            with_area, _why = _match_label(f"{split_units(lab)[0]} {area}", ctx, canon)
            where = walk.section_area_label or area
            if with_area:
                ind, why = with_area, None
                source = f"{where} › {lab}" if walk.section_area else f"{lab} › {area}"
            elif ind is not None:
                ind, why = None, _of_all_areas(lab, ind, where)
        if ind is None and walk.section_ctx and lab and is_total(lab):
            # "Tổng" closing the rows under "I. Phát thải thực tế": the section indicator's
            # own value, as the sheet states it (a differing figure elsewhere is a conflict)
            return walk.section_ctx[0], None, f"{walk.section_label} › {lab}"
        if ind is None and walk.parent_label and lab and is_part_label(lab):
            # "- Đô thị" under "Tỷ lệ CTR được thu gom": the parent's indicator for that
            # part, when one exists
            part = re.sub(r"^\s*[-+•*]\s*", "", lab)
            joined, why2 = _match_label(f"{walk.parent_label} {part}", ctx, canon)
            if joined:
                return joined, why, f"{walk.parent_label} › {lab}"
            why = f"{why}; with its parent row: {why2}"
        return ind, why, source

    def _has_values(self, r: int) -> bool:
        get = self.grid.cells.get
        return any((x := get((r, c))) is not None and nonblank(x) for c in self.t.value_cols)

    # ---------------------------------------------------------------- cells
    def _cell(self, where: CellRef, c: int, cell, row: _Row) -> Observation:
        """Return the observation of one cell, or raise :class:`Problem` (its reject reason)."""
        plan = self._column_plan(c)
        problem = plan.problem or row.problem or plan.period_problem
        if problem:
            raise Problem(problem)
        period = plan.period or row.period
        if self.marks and isinstance(cell.value, str) and "*" in cell.value:
            # a value marked "73,4*" under a note "(*) Ước thực hiện"
            period, why = _marked(period, _marks_in([cell.value]), self.marks)
            if why:
                raise Problem(why)
        ind, source_label = self._cell_indicator(cell, plan, row, period.year)
        canon = indicator_unit(ind)
        value, percent = self._parse(cell, c, ind, canon, row.unit)
        factor = self._unit_factor(ind, canon, row.unit, plan.col.units, percent)
        value = scaled(value, factor)
        area = self._area(row, period.year)
        check_range(ind, canon, value, period.year)
        return make_observation(
            ind, area, period, value, unit=canon, where=where, label=source_label
        )

    def _cell_indicator(self, cell, plan: _ColumnPlan, row: _Row, year: int) -> tuple[str, str]:
        """Return ``(indicator, source label)`` of a cell: the tick column's, row's or column's."""
        if plan.tick_ind is not None:
            # a tick-mark column: only the count of ticked communes of the province or
            # of a district row is an observation; the ticks themselves are not
            self._tick_count_row(cell, plan.col, row, year)
            return plan.tick_ind, plan.label
        if row.ind is not None:
            return row.ind, row.source
        if plan.split:
            return self._split_indicator(plan, row, year)
        if plan.ind_problem:
            raise Problem(plan.ind_problem)
        return plan.ind, plan.label

    def _split_indicator(self, plan: _ColumnPlan, row: _Row, year: int) -> tuple[str, str]:
        """Return the indicator and source label of a cell of a split column, or raise."""
        area = self._area(row, year)
        own = _short(plan.label)
        if area.level != "commune":
            raise Problem(
                f"column '{own}' names neither nông thôn nor đô thị: a {area.level} row mixes "
                "rural communes (xã) and urban wards/townships (phường, thị trấn)"
            )
        unit_type = _unit_types(area.vintage).get(area.code, "")
        for ut, ind, words in plan.split:
            if ut == unit_type:
                if ind is None:
                    raise Problem(f"no urban indicator for '{own}' (a {unit_type} is {words})")
                return ind, f"{plan.label} › {words}"
        raise Problem(f"column '{own}' names no area part and the row is a {unit_type}")

    def _parse(
        self, cell, c: int, ind: str, canon: str, row_unit: str | None
    ) -> tuple[float, bool]:
        """Return ``(value, percent)`` of a cell, or raise :class:`Problem`."""
        # only number text needs the column's convention (1.234: a thousand or one point two)
        pv = parse_cell(cell, self._convention(c) if isinstance(cell.value, str) else None)
        if pv.reason == R_AMBIGUOUS:
            # a count in persons/households/communes cannot be fractional: the one whole
            # reading decides (when the unit carries no multiplier); otherwise the
            # convention of the table, then of the sheet
            conv = None
            units = self._column_plan(c).col.units
            if (
                canon in WHOLE_UNITS
                and self._unit_factor(ind, canon, row_unit, units, False) == 1.0
            ):
                vi, en, _ev = classify_number_text(str(cell.value))
                whole = [x for x in (vi, en) if x is not None and float(x).is_integer()]
                if len(whole) == 1:
                    conv = "vi" if whole[0] == vi else "en"
            pv = parse_cell(cell, conv or self.table_convention)
        if pv.reason:
            raise Problem(pv.reason)
        return pv.value, pv.percent

    def _area(self, row: _Row, year: int) -> AreaMatch:
        """Return the area of a cell of *row* in *year*, or raise :class:`Problem`.

        A row names one area (its label's, else the province): it is resolved once for
        each vintage its cells fall in.
        """
        vintage = vintage_for_year(year)
        if vintage not in row.areas:
            try:
                row.areas[vintage] = (self._row_area(row, vintage), None)
            except Problem as p:
                row.areas[vintage] = (None, str(p))
        area, why = row.areas[vintage]
        if area is None:
            raise Problem(why)
        return area

    def _row_area(self, row: _Row, vintage: str) -> AreaMatch:
        """Return the area *row* names in *vintage*, or raise :class:`Problem`."""
        if row.area_label is not None:
            return area_named(row.area_label, vintage, row.district)
        if self.other_area:
            raise Problem(
                f"no area column and the title names '{self.other_area}', not the province"
            )
        return province(vintage)

    def _tick_count_row(self, cell, col: Column, row: _Row, year: int) -> None:
        """Raise unless *cell* is a count on the province row or a district row."""
        per_commune = Problem(
            col.derived.replace(
                "(not an observation)",
                "(a per-commune tick, not an observation: the recognition year carries it)",
            )
        )
        if isinstance(cell.value, str) and _TICKS.match(cell.value):
            raise per_commune
        if row.area_label is None or is_total(row.area_label):
            return
        res, why = resolve_label(row.area_label, vintage_for_year(year), row.district)
        if res is None:
            raise Problem(why)
        if res.level not in ("province", "district"):
            raise per_commune

    def _unit_factor(self, ind, canon, row_unit, col_units, percent) -> float:
        """Return the factor from the declared unit (row, column, else table) to the indicator's."""
        declared = row_unit or (col_units[0] if col_units else None)
        level = "row" if row_unit else "column"
        if declared is None and not percent:
            declared, level = self.table_unit, "table"
        if percent:
            if canon != "%":
                raise Problem(f"unit mismatch: percentage value for {ind} (unit {canon})")
            if declared is not None and level != "table":
                pu = parse_unit(declared)
                if pu is None or pu[0] != "%":
                    raise Problem(f"unit mismatch: '{declared}' but the value is a percentage")
            return 1.0
        if declared is None:
            return 1.0
        pu = parse_unit(declared)
        if pu is None:
            raise Problem(f"unit mismatch: unknown unit '{declared}' for {ind} (unit {canon})")
        if pu[0] != canon:
            raise Problem(f"unit mismatch: '{declared}' is not {canon} ({ind})")
        return pu[1]


def _table_unit(t: Table) -> str | None:
    """Return the unit a table declares: its unit line's, else the first a title line gives."""
    if t.unit_line and t.unit_line[0] is not None:
        return t.unit_line[0]
    for line in t.title_lines:
        units = split_units(line)[1]
        if units:
            return units[0]
    return None


# status words of a commune table's title (folded): "Số liệu sơ bộ năm 2023"
_TITLE_STATUS_WORDS = (
    ("so bo", "preliminary"),
    ("prel", "preliminary"),
    ("uoc", "estimate"),
    ("ke hoach", "plan"),
    ("muc tieu", "plan"),
)

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
    >>> from bkanalysis.ingest.grid import Cell
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


@cache
def _title_line_patterns() -> tuple[tuple[str, str, re.Pattern[str]], ...]:
    df = read_package_csv("ingest/title_lines.csv")
    return tuple(
        (k, c, re.compile(p))
        for k, c, p in zip(df["kind"], df["compare"], df["pattern"], strict=True)
    )


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
    toned = " ".join(re.sub(r"[,;:–—]", " ", unicodedata.normalize("NFC", line).casefold()).split())
    for kind, compare, pat in _title_line_patterns():
        if pat.search(folded if compare == "folded" else toned):
            return kind
    return None


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


_SUBUNIT = re.compile(
    r"\b(huyện|thành phố|thị xã|xã|phường|thị trấn|tỉnh|TP\.|H\.|X\.)\s+"
    r"((?:[A-ZĐÂĂÊÔƠƯÁÀẢÃẠ][\w]*\s*){1,3})",
    re.IGNORECASE,
)


def _names_other_area(title: str) -> str | None:
    """Return a unit other than Bắc Kạn province named in a title (``… huyện Ba Bể``), or None."""
    text = unicodedata.normalize("NFC", title)
    for m in _SUBUNIT.finditer(text):
        name = m.group(2).strip()
        if not name or not name[0].isupper():
            continue
        prefix = m.group(1).lower()
        if prefix == "tỉnh" and fold(name).startswith("bac kan"):
            continue
        if name.isupper() and not _default_area_test(f"{m.group(1)} {name}"):
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


def _of_all_areas(label: str, ind: str, where: str) -> str:
    """Return the reject reason of a label naming an indicator of all areas, under one area."""
    return (
        f"'{_short(label)}' under '{_short(where)}' is that area's rate, but its indicator "
        f"({ind}) is of all areas and the catalogue has none of that area"
    )


def _labelled(reason: str, label: str | None) -> str:
    """Return a reject reason naming the raw label (``bkanalysis review`` reads it)."""
    text = label_text(label) if label else ""
    return f"{reason} [label: {text}]" if text else reason


def _canon_unit(text: str | None) -> str | None:
    """Canonical unit of a declared unit text (None when absent or unknown)."""
    if not text:
        return None
    pu = parse_unit(text)
    return pu[0] if pu else None


@cache
def _unit_types(vintage: str) -> dict[str, str]:
    """Area code -> unit type (xã, phường, thị trấn …) of the units of a vintage."""
    g = gazetteer(vintage)
    return dict(zip(g["area_code"], g["unit_type"], strict=True))


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


def _opt(x):
    return (x,) if x else ()


def _has_children(ind: str) -> bool:
    return bool(_catalog()[2].get(ind))


def _with_cands(reason: str | None, cands) -> str:
    reason = reason or "no indicator"
    if cands:
        return f"{reason} (candidates: {', '.join(cands)})"
    return f"{reason} (candidates: none)"


def _short(t: str, n: int = 60) -> str:
    t = " ".join(str(t).split())
    return t if len(t) <= n else t[: n - 1] + "…"
