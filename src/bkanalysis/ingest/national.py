"""Tables that reach beyond the study area: the statistics office's downloads (DESIGN.md §4.5).

Two kinds of sheets are read here instead of by the generic table reader:

- **Lists of the country's units**: rows ``CẢ NƯỚC``, the six regions and the provinces
  (the office's all-province tables), or the census cubes (hierarchical area columns,
  ``(Tổng số)`` rows, communes of every province). Every row of the country, a region or
  a province is an observation at its own level (``VN``, ``VN-R1``…, the province code);
  districts and communes are observations only inside Bắc Kạn (they are the study area's
  units; others are rejected as ``outside the study area``).
- **Another province's own tables** (a title naming ``tỉnh Thái Nguyên`` …): their total
  row is that province, never ``06``; their units are rejected as outside the study area,
  except, from 1 July 2025, the 37 units of the former Bắc Kạn inside the merged Thái
  Nguyên, which are read in vintage ``2025``; the former province's series (``06``) is
  then derived from them (see :func:`derive_study_area`).

The value columns are read from their whole header path (every header row above them):
a column is read only when the path holds a period or none, the table's measure (or a
total word ``Tổng số``/``Chung``) and a unit; a part (``Nam``, ``Nữ``, ``Thành thị``,
``0 - 04`` …), another measure (``Tỷ lệ tăng dân số``) or a derived column is rejected
with its header. Rows nested under an area that are not units (age groups, ethnic groups)
are rejected as parts.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from bkanalysis.admin import AreaResolutionError, aggregate, gazetteer, resolve_area
from bkanalysis.admin.names import clean_label, tone_key
from bkanalysis.admin.provinces import province_list_vintage, resolve_national
from bkanalysis.admin.units import query
from bkanalysis.catalog import indicator, read_package_csv
from bkanalysis.schema import OBSERVATION_COLUMNS, PROVINCE_CODE, vintage_for_year

from . import quirks
from .cellread import Observation, Problem, Reject, scaled
from .cells import SheetGrid, a1
from .labels import (
    Period,
    area_words,
    fold,
    indicator_unit,
    key,
    label_key,
    match_indicator,
    names_an_area,
    parse_period,
    parse_unit,
    parse_unit_line,
    split_units,
    title_key,
)
from .numbers import looks_like_value, parse_cell, text_convention

__all__ = ["derive_study_area", "read_national_sheet"]

#: label columns an office download may have left of its values (the census cubes have
#: province, district, commune and part columns side by side)
_MAX_LABEL_COLS = 6
# NOTE: the word lists are layout quirks of the office's downloads, kept with their
# reasons in data/ingest/table_words.csv; the templates say how each is matched.
#: a total column of the header band (``Tổng số``, ``Chung`` of census tables), keyed
_TOTAL_WORDS = quirks.pattern(r"^({})$", "column_total")
#: a row label naming the table's whole area (``CẢ NƯỚC``, ``Toàn tỉnh``), keyed
_AREA_TOTAL_WORDS = quirks.pattern(r"^({})$", "row_area_total")
#: a measure whose total is marked in parentheses (``Dân số (Tổng số)``)
_TOTAL_MARK = quirks.pattern(r"\(\s*({})\s*\)\s*$", "column_total_mark", flags=re.IGNORECASE)
#: the unit type in front of an area name (``Huyện Ba Bể``, ``X. Bằng Thành``, ``2. Xã …``):
#: tells a row of units from a part row (age, ethnic group) and the merged Thái Nguyên's
#: communes from other labels; kept apart from ``admin.names`` because here a bare type
#: word must be followed by a space and a numbering may precede it
_UNIT_PREFIX = re.compile(
    r"^\s*(?:\d+[.)]\s*)?(huyện|quận|thị xã|thành phố|thị trấn|phường|xã|tp\.|tx\.|tt\.|h\.|x\.|"
    r"p\.|huyen|quan|thi xa|thanh pho|thi tran|phuong|xa)\s",
    re.IGNORECASE,
)
#: columns computed from others (``Chỉ số phát triển``, ``Tốc độ``): the list of ``layouts``
_DERIVED = quirks.pattern(r"\b({})\b", "column_derived")
#: the census reference date of a title (``01/4/2019``): the table's year
_DATE = re.compile(r"(?<!\d)(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*((?:19|20)\d\d)(?!\d)")
#: a year (1950–2099) in a title, a header piece, a sheet or a file name
_YEAR = re.compile(r"(?<!\d)((?:19[5-9]|20\d)\d)(?!\d)")
#: where a title's indicator ends: before its breakdown (``DÂN SỐ PHÂN THEO HUYỆN``), a
#: comma, a parenthesis or a colon
_TITLE_CUT = quirks.pattern(r"\s+(?:{})\s+|,|\(|:", "title_cut", flags=re.IGNORECASE)
#: a province named in a title (``… tỉnh Thái Nguyên năm 2026``): another province's table
_PROVINCE_IN_TITLE = re.compile(r"(?:tỉnh|thành phố|tp\.?)\s+", re.IGNORECASE)
#: units whose values must be whole numbers (data/ingest/unit_kinds.csv)
_WHOLE = quirks.whole_units()
#: a column-numbering cell under the header (``A | 1 | 2``, ``(1)``, ``I``) of the office's
#: Excel exports: no header piece
_COLUMN_NUMBER = re.compile(r"^\s*\(?(?:\d{1,2}|[A-Za-z]|[IVX]{1,4})\)?[.)]?\s*$")
#: Code of the province Bắc Kạn merged into on 1 July 2025 (Thái Nguyên, Resolution
#: 202/2025/QH15); its 2025 units include the former Bắc Kạn's 37.
_MERGED = "19"


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return unicodedata.normalize("NFC", str(v)).strip()


def _is_value(cell) -> bool:
    v = cell.value
    if isinstance(v, bool):
        return False
    if isinstance(v, (int, float)) or cell.is_error or cell.is_formula:
        return True
    return isinstance(v, str) and bool(v.strip()) and looks_like_value(v.strip())


@lru_cache(maxsize=1)
def _part_words() -> tuple[tuple[str, re.Pattern], ...]:
    words = read_package_csv("ingest/part_words.csv")["word"]
    return tuple((w, re.compile(rf"(?<!\w){re.escape(w.lower())}(?!\w)")) for w in words)


@lru_cache(maxsize=256)
def _indicator_text(ind: str) -> str:
    row = indicator(ind)
    return unicodedata.normalize("NFC", f"{row['name_vi']} | {row['aliases']}").lower()


@lru_cache(maxsize=16384)
def _unexplained_parts(text: str, ind: str) -> tuple[str, ...]:
    """Part words of *text* (``nam``, ``nữ``, ``thành thị`` …) the indicator's names lack.

    Matched with diacritics: ``Dân số nam`` (male population) holds ``nam``, which the
    population's names do not, so it is a part; ``Tỷ lệ hộ nông thôn …`` holds
    ``nông thôn`` as its indicator's own name does.
    """
    own = _indicator_text(ind)
    return tuple(w for w, p in _parts_in(text) if not p.search(own))


def _parts_in(text: str) -> list[tuple[str, re.Pattern]]:
    """Return the part words (``nam``, ``nữ``, ``thành thị`` …) *text* holds, with patterns."""
    low = unicodedata.normalize("NFC", text).lower()
    return [(w, p) for w, p in _part_words() if p.search(low)]


@lru_cache(maxsize=4096)
def _bare_unit(text: str) -> bool:
    """Tell whether a header piece is a unit written alone, diacritics included.

    ``Nam`` (male, a part) folds like ``Năm`` (year, a unit): a bare piece is a unit only
    when it is spelt as a unit of ``data/ingest/units.csv``.
    """
    t = " ".join(unicodedata.normalize("NFC", text).lower().strip("() ").split())
    return t in _known_units() and parse_unit(text) is not None


@lru_cache(maxsize=1)
def _known_units() -> frozenset[str]:
    """Return the unit texts of ``data/ingest/units.csv`` as spelt, lower-case NFC."""
    return frozenset(
        " ".join(unicodedata.normalize("NFC", t).lower().split())
        for t in read_package_csv("ingest/units.csv")["text"]
    )


#: a status word beside the year in a one-line header (``Sơ bộ 2022``), or a footnote mark
_STATUS_WORDS = quirks.pattern(
    r"\b({})(?!\w)|\(\s*\*+\s*\)|\*+", "column_status", flags=re.IGNORECASE
)


@lru_cache(maxsize=4096)
def _split_year_piece(piece: str) -> tuple[str, ...]:
    """Split a header cell holding a year and a measure (one-line CSV headers).

    ``2019 Dân số trung bình (Nghìn người)`` → (``2019``, ``Dân số trung bình (Nghìn
    người)``); ``Sơ bộ 2022 …`` keeps its status with the year. A piece that is a period
    alone, has no year or several years is returned as it is.
    """
    years = _YEAR.findall(piece)
    if len(years) != 1 or parse_period(piece) is not None:
        return (piece,)
    statuses = [m.group(1) for m in _STATUS_WORDS.finditer(piece) if m.group(1)]
    rest = _STATUS_WORDS.sub(" ", _YEAR.sub(" ", piece, count=1))
    rest = " ".join(rest.split()).strip(" -–,:;/|")
    period = " ".join([*statuses, years[0]])
    if not key(rest) or parse_period(period) is None:
        return (piece,)
    return (period, rest)


def _short(t: str, n: int = 60) -> str:
    t = " ".join(str(t).split())
    return t if len(t) <= n else t[: n - 1] + "…"


# ------------------------------------------------------------------ areas
@lru_cache(maxsize=65536)
def _national(label: str, vintage: str):

    return resolve_national(label, vintage)


def _clean_area(label: str) -> tuple[str, bool]:
    """(label without a ``(Tổng số)`` mark, whether it had one)."""
    s = unicodedata.normalize("NFC", label).strip()
    m = _TOTAL_MARK.search(s)
    return (s[: m.start()].strip(), True) if m else (s, False)


def _is_area_total(label: str) -> bool:
    return bool(_AREA_TOTAL_WORDS.match(key(label)))


@lru_cache(maxsize=65536)
def _study_unit(label: str, vintage: str, district: str | None):
    """(AreaMatch, None) for a district/commune of the study area, else (None, reason)."""
    for lvl in ("district", "commune") if vintage != "2025" else ("commune",):
        try:
            return resolve_area(label, vintage=vintage, level=lvl), None
        except AreaResolutionError as err:
            if err.reason == "ambiguous" and district and lvl == "commune":
                try:
                    return resolve_area(label, vintage=vintage, level=lvl, district=district), None
                except AreaResolutionError:
                    pass
            last = err
    cands = "; ".join(f"{c} {n}" for c, n in (last.candidates or [])[:5]) or "none"
    return (
        None,
        f"unresolved area '{label}' in vintage {vintage} ({last.reason}; candidates: {cands})",
    )


@lru_cache(maxsize=256)
def _units_of(province: str, vintage: str) -> frozenset[str]:
    """Tone keys of the short names of the units of another *province* (vietnamadminunits)."""
    if vintage == "2025":
        rows = query(f"SELECT wardShort AS s FROM admin_units WHERE provinceCode = '{province}'")
    else:
        rows = query(
            "SELECT wardShort AS s FROM admin_units_legacy WHERE provinceCode = "
            f"'{province}' UNION SELECT districtShort FROM admin_units_legacy "
            f"WHERE provinceCode = '{province}'"
        )
    return frozenset(tone_key(r["s"].lower()) for r in rows if r["s"])


def _unit_short(label: str) -> str:

    s = clean_label(label)
    m = _UNIT_PREFIX.match(s + " ")
    if m:
        s = s[m.end() :]
    return tone_key(s.strip().lower())


# ------------------------------------------------------------------ the sheet
class _Layout:
    """Where the labels, headers and values of a beyond-the-study-area sheet are."""

    def __init__(self, grid: SheetGrid, label_cols, value_start, first_row, title_province):
        self.grid = grid
        self.label_cols = label_cols
        self.value_start = value_start
        self.first_row = first_row
        self.title_province = title_province


def _label_texts(grid: SheetGrid) -> dict[tuple[int, int], str]:
    out = {}
    for (r, c), cell in grid.cells.items():
        if c < _MAX_LABEL_COLS and isinstance(cell.value, str):
            t = cell.value.strip()
            if t and not looks_like_value(t):
                out[(r, c)] = t
    return out


def _title_lines(grid: SheetGrid, first_row: int, value_start: int, header_rows=None) -> list[str]:
    """Texts above the data that are not header cells over the value columns."""
    header = set(header_rows or ())
    lines = []
    for (r, c), cell in sorted(grid.cells.items()):
        if r >= first_row:
            break
        t = _text(cell.value)
        if t and isinstance(cell.value, str) and not looks_like_value(t):
            if header_rows is not None:
                if r in header and c >= value_start:
                    continue
            else:
                row_cols = [cc for (rr, cc) in grid.cells if rr == r]
                if any(cc >= value_start for cc in row_cols) and len(row_cols) > 1:
                    continue
            lines.append(t)
    return lines


def _header_band(grid: SheetGrid, first_row: int, value_start: int) -> list[int]:
    """Rows of the header band: the block of rows right above the data (no blank row).

    Title, note and unit rows at its top (one cell: a long text or a unit line) are not
    header rows, nor are rows without a cell over the value columns.
    """
    by_row: dict[int, list[int]] = {}
    for r, c in grid.cells:
        if r < first_row and _text(grid.cells[(r, c)].value):
            by_row.setdefault(r, []).append(c)
    band = []
    r = first_row - 1
    while r >= 0 and r in by_row:
        band.insert(0, r)
        r -= 1
    while band:
        cols = by_row[band[0]]
        t = _text(grid.cells[(band[0], cols[0])].value)
        if len(cols) == 1 and (len(t) > 35 or parse_unit_line(t) or not _is_header_text(t)):
            band.pop(0)
        else:
            break
    return [r for r in band if any(c >= value_start for c in by_row[r])]


def _is_header_text(t: str) -> bool:
    """Tell whether a lone cell may head value columns: a period, a measure, a total or part word."""
    return bool(parse_period(t) or _YEAR.search(t) or key(t))


def _title_province(lines: list[str], vintage_guess: str):
    """Return the province other than Bắc Kạn a title names (``… tỉnh Thái Nguyên năm 2026``)."""
    for line in lines:
        for m in _PROVINCE_IN_TITLE.finditer(line):
            words = re.findall(r"[^\W\d_]+", line[m.end() :])[:4]
            for k in range(len(words), 0, -1):
                cand = m.group(0) + " ".join(words[:k])
                res = _national(cand, vintage_guess)
                if res is not None and res.level == "province":
                    return res
    return None


@lru_cache(maxsize=4096)
def _names_other_province(text: str) -> bool:
    """Tell whether *text* names a province other than Bắc Kạn (``… tỉnh Cao Bằng …``)."""
    if not _PROVINCE_IN_TITLE.search(text):
        return False
    for v in ("2020", "2025"):
        res = _title_province([text], v)
        if res is not None and res.code != PROVINCE_CODE:
            return True
    return False


@lru_cache(maxsize=1)
def _merged_only_units() -> frozenset[str]:
    """Tone keys of the merged province's 2025 units that are not the former Bắc Kạn's."""
    g = gazetteer("2025")
    bk = {tone_key(s.lower()) for s in g.loc[g["area_level"] == "commune", "short_name"]}
    return _units_of(_MERGED, "2025") - bk


def _merged_province_rows(texts: dict, sheet: str, file_year: int | None):
    """Return the merged province when a 2025+ table lists its units outside the former Bắc Kạn.

    A table of the merged Thái Nguyên whose title does not name it: at least two row
    labels are units of the new province that are not the former Bắc Kạn's, and the
    title, sheet or file names a year from 2025. Its total row is then the new province,
    never ``06``.
    """
    years = {int(y) for (r, _c), t in texts.items() if r < 15 for y in _YEAR.findall(t)}
    years |= {int(y) for y in _YEAR.findall(sheet)}
    if file_year:
        years.add(file_year)
    if not years or min(years) < 2025:
        return None
    others = _merged_only_units()
    hits = 0
    for t in set(texts.values()):
        if _UNIT_PREFIX.match(t + " ") and _unit_short(t) in others:
            hits += 1
            if hits >= 2:
                return _national("Thái Nguyên", "2025")
    return None


#: a title naming the census or a survey (folded)
_CENSUS_TITLE = quirks.pattern(r"\b({})\b", "title_census")


def _census_table(texts: dict):
    """Bắc Kạn (``06``) for a census result table of the province's own units, else None.

    Its title carries the reference date (``… 01/4/2019``) or names the census, and its
    header band both a total (``Tổng số``/``Chung``) and parts (``Nam``, ``Nữ``,
    ``Thành thị``, ``Nông thôn`` …): only the total is the title's indicator, which the
    layouts of province workbooks cannot tell.
    """
    head = [t for (r, _c), t in texts.items() if r < 15]
    if not any(_DATE.search(t) or _CENSUS_TITLE.search(fold(t)) for t in head):
        return None
    total = any(_TOTAL_WORDS.match(key(t)) for t in head)
    parts = any(
        p.fullmatch(unicodedata.normalize("NFC", t).lower().strip())
        for t in head
        for _w, p in _part_words()
    )
    if not (total and parts):
        return None
    return _national("Bắc Kạn", "2020")


def _detect(grid: SheetGrid, file_year: int | None):
    """Return the layout of a table beyond the study area in *grid*, or None.

    The table is a list of the country's units, another province's table or a census
    table of the province's own units; its first row is the first area with values to
    its right, its label columns those between the area labels and the first value.
    """
    texts = _label_texts(grid)
    kind = _table_kind(grid, texts, file_year) if texts else None
    if kind is None:
        return None
    national, merged = kind
    last_value = _last_value_cols(grid)
    first = _first_area_row(texts, last_value, national=national) if last_value else None
    if first is None:
        return None
    first_row, label_start = first
    value_start = min(
        (
            c
            for (r, c), cell in grid.cells.items()
            if r >= first_row and c > label_start and _is_value(cell)
        ),
        default=label_start,
    )
    if value_start <= label_start:
        return None
    title_province = None
    if not national:
        lines = _title_lines(grid, first_row, value_start)
        title_province = merged or _title_province(lines, _title_vintage(lines, file_year))
        if title_province is None or (title_province.code == PROVINCE_CODE and merged is None):
            return None
    label_cols = list(range(label_start, value_start))
    return _Layout(grid, label_cols, value_start, first_row, title_province)


def _table_kind(grid: SheetGrid, texts: dict, file_year: int | None):
    """Return ``(national, merged)`` for a table this module reads, else None.

    *national*: the labels name at least three of the country's units besides Bắc Kạn
    (a list of the country's units); otherwise *merged* is the province of a table of
    the merged Thái Nguyên or of a census table of the province's own units, or None when
    the top of the sheet names another province (its title decides later).
    """
    codes = set()
    for t in set(texts.values()):
        for v in ("2020", "2025"):
            res = _national(_clean_area(t)[0], v)
            if res is not None:
                codes.add(res.code)
    if len(codes - {PROVINCE_CODE}) >= 2 and len(codes) >= 3:
        return True, None
    if any(_names_other_province(t) for (r, _c), t in texts.items() if r < 15 and len(t) > 10):
        return False, None
    merged = _merged_province_rows(texts, grid.name, file_year) or _census_table(texts)
    if merged is None:
        return None  # neither a list of the country's units nor another province's table
    return False, merged


def _last_value_cols(grid: SheetGrid) -> dict[int, int]:
    """Return the last value column of each row that has a value."""
    last_value: dict[int, int] = {}
    for (r, c), cell in grid.cells.items():
        if _is_value(cell) and c > last_value.get(r, -1):
            last_value[r] = c
    return last_value


def _first_area_row(
    texts: dict, last_value: dict[int, int], *, national: bool
) -> tuple[int, int] | None:
    """Return the first row naming an area with values to its right, and its label column.

    A numbering column left of the label is no value column. Outside a list of the
    country's units, a label with a unit type (``Huyện …``, ``Xã …``) is an area too.
    """
    by_row: dict[int, list[tuple[int, str]]] = {}
    for (r, c), t in texts.items():
        by_row.setdefault(r, []).append((c, t))
    for r in sorted(set(by_row) & set(last_value)):
        for c, t in sorted(by_row[r]):
            if c >= last_value[r]:
                break
            lab, _ = _clean_area(t)
            if _is_area_total(lab) or _national(lab, "2020") or _national(lab, "2025"):
                return r, c
            if not national and _UNIT_PREFIX.match(lab + " "):
                return r, c
    return None


def _title_vintage(lines: list[str], file_year: int | None) -> str:
    """Return the vintage to read a title's province in: its single year's, else the file's."""
    yrs = {int(y) for line in lines for y in _YEAR.findall(line)}
    if len(yrs) == 1:
        return vintage_for_year(yrs.pop())
    return vintage_for_year(file_year) if file_year else "2020"


def read_national_sheet(grid: SheetGrid, source_file: str):
    """Read *grid* when it is a table beyond the study area, else return None.

    Parameters
    ----------
    grid : SheetGrid
        The sheet.
    source_file : str
        ``source_file`` of the records (relative to the raw directory).

    Returns
    -------
    tuple or None
        ``(observations, rejects, message)``: record tuples in the order of
        ``OBSERVATION_COLUMNS`` / ``REJECT_COLUMNS`` and a one-line description; None when
        the sheet lists neither the country's units nor another province's.
    """
    file_year = _single_year(source_file.rsplit("/", 1)[-1])
    lay = _detect(grid, file_year)
    if lay is not None:
        return _Reader(lay, source_file, file_year).read()
    if not _areas_across(grid):
        return None
    # the country's units across the columns (a pivoted export): read the transpose
    lay = _detect(_transpose(grid), file_year)
    if lay is None or lay.title_province is not None:
        return None
    obs, rej, msg = _Reader(lay, source_file, file_year, transposed=True).read()
    return obs, rej, msg + " (areas across the columns)"


def _areas_across(grid: SheetGrid) -> bool:
    """Tell whether one row of the sheet's top names the country's units across columns."""
    by_row: dict[int, set[str]] = {}
    for (r, c), cell in grid.cells.items():
        if r < 30 and c >= 1 and isinstance(cell.value, str) and cell.value.strip():
            res = _national(_clean_area(cell.value)[0], "2020") or _national(
                _clean_area(cell.value)[0], "2025"
            )
            if res is not None:
                by_row.setdefault(r, set()).add(res.code)
    return any(len(codes - {PROVINCE_CODE}) >= 2 and len(codes) >= 3 for codes in by_row.values())


def _transpose(grid: SheetGrid) -> SheetGrid:
    cells = {(c, r): cell for (r, c), cell in grid.cells.items()}
    merged = [(c0, r0, c1, r1) for r0, c0, r1, c1 in grid.merged]
    return SheetGrid(grid.name, cells, merged)


def _single_year(text: str) -> int | None:
    ys = set(_YEAR.findall(text))
    return int(ys.pop()) if len(ys) == 1 else None


def _read_header(
    path: list[str], area: str | None = None
) -> tuple[Period | None, str | None, str | None, str | None]:
    """Return ``(period, measure, unit, problem)`` a column's header path states.

    Every piece must be understood: a period, a measure matching an indicator, a unit, a
    total word or a column number. A derived column, a part or another measure is the
    column's problem (its cells are rejected with it). *area* is the area the title is
    about (:func:`~bkanalysis.ingest.labels.area_words`): a measure naming no indicator is
    read with it.
    """
    header = " | ".join(path)
    period = measure = unit = problem = None
    for piece in [x for p in path for x in _split_year_piece(p)]:
        if _COLUMN_NUMBER.match(piece):
            continue  # a column-numbering row under the header: (1) (2) … or A B 1 2
        p = _piece_period(piece)
        if p is not None:
            if period is not None and period != p:
                problem = f"several periods in the column header '{_short(header)}'"
            period = p
            continue
        if _DERIVED.search(fold(piece)):
            problem = f"derived column '{_short(piece)}' (not an observation)"
            break
        piece_unit, piece_measure, piece_problem = _measure_piece(piece, area)
        unit = piece_unit or unit
        if piece_problem:
            problem = piece_problem
            break
        if piece_measure is not None:
            if measure is not None and measure != piece_measure:
                problem = f"column header names several measures ({measure}, {piece_measure})"
            measure = piece_measure
    return period, measure, unit, problem


def _piece_period(piece: str) -> Period | None:
    """Return the period a header piece names (``2019``, ``Sơ bộ 2022``, ``2019 (*)``)."""
    p = parse_period(piece) if _YEAR.search(piece) or not key(piece) else None
    if p is None and re.fullmatch(r"\s*(?:19|20)\d\d\s*(?:\(\s*\*+\s*\)|\*+)?\s*", piece):
        p = parse_period(re.sub(r"[()*]", " ", piece))
    return p


def _measure_piece(
    piece: str, area: str | None = None
) -> tuple[str | None, str | None, str | None]:
    """Return ``(unit, measure, problem)`` of a header piece that is no period.

    A unit line or a bare unit gives the unit; ``(Nghìn người)`` after a measure too; a
    total word (``Tổng số``) says nothing more; a measure must match an indicator whose
    names hold the piece's part words (``Dân số nam`` is a part, not the population). A
    measure that names no indicator is read with the *area* words of the title, if any
    (``Tỷ lệ hộ có nhà tiêu hợp vệ sinh`` under a rural title); failing that it says so,
    with the candidates and its label (for ``bkanalysis review``).
    """
    u = parse_unit_line(piece)
    if u:
        return u[0], None, None
    rest, units = split_units(piece)
    unit = units[0] if units else None
    rest_k = key(_TOTAL_MARK.sub("", rest))
    if not rest_k:
        return unit, None, None
    if _bare_unit(rest):
        return rest, None, None
    if _TOTAL_WORDS.match(rest_k) and not _TOTAL_MARK.search(rest):
        return unit, None, None
    lk = label_key(rest)
    m = match_indicator(lk) if lk else None
    plain = m is not None and m.id and not _unexplained_parts(rest, m.id)
    if plain and not (area and not names_an_area(m.id)):
        return unit, m.id, None
    if m is not None and (plain or not m.id) and not _parts_in(rest):
        if area:
            with_area = match_indicator(label_key(f"{rest} {area}"))
            if with_area.id and not _unexplained_parts(rest, with_area.id):
                return unit, with_area.id, None
        if plain:  # "Tỷ lệ hộ dân dùng nước sạch" under a title about urban areas
            return unit, None, (
                f"'{_short(rest)}' under a title about one area ({area}) is that area's rate, "
                f"but its indicator ({m.id}) is of all areas and the catalogue has none of it"
            )  # fmt: skip
        cands = ", ".join(m.candidates) or "none"
        return unit, None, f"{m.reason} (candidates: {cands}) [label: {rest.strip()}]"
    why = f"part or other measure '{_short(piece)}' (not the total of the table's indicator)"
    return unit, None, why


def _unit_factor(ind: str, declared: str | None) -> tuple[float, str | None]:
    """Return the factor to the indicator's unit from the *declared* unit, or a problem.

    A unit must be stated: a population without unit could be persons or thousands.
    """
    canon = indicator_unit(ind)
    if declared is None:
        return 1.0, f"unit mismatch: no unit stated for {ind} (unit {canon})"
    pu = parse_unit(declared)
    if pu is None:
        return 1.0, f"unit mismatch: unknown unit '{declared}' for {ind} (unit {canon})"
    if pu[0] != canon:
        return 1.0, f"unit mismatch: '{declared}' is not {canon} ({ind})"
    return pu[1], None


class _Plan:
    __slots__ = ("factor", "header", "indicator", "period", "problem")

    def __init__(self, period=None, indicator=None, factor=1.0, problem=None, header=""):
        self.period = period
        self.indicator = indicator
        self.factor = factor
        self.problem = problem
        self.header = header


@dataclass
class _RowState:
    """What the rows read so far tell the next one.

    ``ctx``: the last label of each label column above; ``group``: the label of the last
    row without values (an area whose units follow); ``province``: the last province row.
    """

    ctx: dict[int, str] = field(default_factory=dict)
    group: str | None = None
    province: object = None

    def add_labels(self, labels: dict[int, str]) -> None:
        """Put a row's labels in the context, in place of those from their first column on."""
        if labels:
            for c in list(self.ctx):
                if c >= min(labels):
                    del self.ctx[c]
            self.ctx.update(labels)


class _Reader:
    def __init__(self, lay: _Layout, src: str, file_year: int | None, transposed=False):
        self.lay = lay
        # a transposed sheet is read as its transpose; addresses stay the sheet's own
        self.addr = (lambda r, c: a1(c, r)) if transposed else a1
        self.grid = lay.grid
        self.src = src
        self.sheet = unicodedata.normalize("NFC", lay.grid.name)
        self.file_year = file_year
        self.obs: list[tuple] = []
        self.rej: list[tuple] = []
        cells = self.grid.cells
        self.header_rows = _header_band(self.grid, lay.first_row, lay.value_start)
        self.title = _title_lines(self.grid, lay.first_row, lay.value_start, self.header_rows)
        self.title_ind, self.title_unit = self._title_measure()
        # the area the title is about (rural or urban), for measures that name none
        self.area = area_words(key(" ".join(self.title)))
        self.title_period, self.title_period_problem = self._title_period()
        self.value_cols = sorted({c for (r, c) in cells if c >= lay.value_start})
        self.merged = {}
        for r0, c0, r1, c1 in self.grid.merged:
            if (r1 - r0 + 1) * (c1 - c0 + 1) <= 5000:
                for r in range(r0, r1 + 1):
                    for c in range(c0, c1 + 1):
                        self.merged[(r, c)] = (r0, c0)
        labels = [t for (r, c), t in _label_texts(self.grid).items() if r >= lay.first_row]

        self.list_vintage = province_list_vintage(tuple(_clean_area(t)[0] for t in labels))
        # a merged-province table holding only the former Bắc Kạn's units: its total may
        # be the new province's or the former province's (not told apart: not read)
        others = _merged_only_units()
        self.merged_has_others = any(
            _UNIT_PREFIX.match(t + " ") and _unit_short(t) in others for t in labels
        )
        self.plans: dict[tuple, object] = {}

    # ------------------------------------------------------------- title
    def _title_measure(self):
        ind = unit = None
        for line in self.title:
            u = parse_unit_line(line)
            if u and unit is None and len(line) < 40:
                unit = u[0]
                continue
            for inner in re.findall(r"\(([^()]*)\)", line):
                u = parse_unit_line(inner)
                if u and unit is None:
                    unit = u[0]
            if unit is None:
                units = split_units(line)[1]
                if units and parse_unit(units[0]) is not None:
                    unit = units[0]
            if ind is None:
                head = _TITLE_CUT.split(line, maxsplit=1)[0]
                head = _DATE.sub(" ", head)
                for k, text in (
                    (label_key(head), head),
                    (title_key(head), head),
                    (title_key(line), line),
                ):
                    if k:
                        m = match_indicator(k)
                        if m.id and not _unexplained_parts(text, m.id):
                            ind = m.id
                            break
        return ind, unit

    def _title_period(self):
        text = " ".join(self.title)
        dates = {int(y) for _d, _m, y in _DATE.findall(text)}
        if len(dates) == 1:
            return Period(dates.pop(), "actual"), None
        years = {int(y) for y in _YEAR.findall(_DATE.sub(" ", text))} | dates
        if len(years) == 1:
            status = "preliminary" if re.search(r"\b(so bo|prel)\b", fold(text)) else "actual"
            return Period(years.pop(), status), None
        if len(years) > 1:
            return None, f"several years in the title ({', '.join(map(str, sorted(years)))})"
        for name in (self.grid.name,):
            y = _single_year(name)
            if y:
                return Period(y, "actual"), None
        if self.file_year:
            return Period(self.file_year, "actual"), None
        return None, "no reference year: neither the title, the sheet nor the file names a year"

    # ------------------------------------------------------------- columns
    def _path(self, c: int) -> list[str]:
        out = []
        cells = self.grid.cells
        rows = self.header_rows
        for i, r in enumerate(rows):
            pos = self.merged.get((r, c), (r, c))
            cell = cells.get(pos)
            t = _text(cell.value) if cell is not None else ""
            if not t and any(
                _text(cells[(rr, c)].value) for rr in rows[i + 1 :] if (rr, c) in cells
            ):
                # a spanning header written once over its columns (no merge recorded)
                for cc in range(c - 1, self.lay.value_start - 1, -1):
                    left = cells.get((r, cc))
                    if left is not None and _text(left.value):
                        t = _text(left.value)
                        break
            if t and t not in out:
                out.append(t)
        return out

    def _plan(self, c: int, extra: str | None = None) -> _Plan:
        """Return how column *c* is read (memoised): its period, indicator, factor, problem.

        *extra* is a header piece from a second stub column of the row (see :meth:`read`).
        The header path decides; the title fills in the period, indicator and unit it lacks.
        """
        plan = self.plans.get((c, extra))
        if plan is not None:
            return plan
        path = self._path(c) + ([extra] if extra else [])
        header = " | ".join(path)
        period, measure, unit, problem = _read_header(path, self.area)
        if measure is not None and self.area and _read_header(path)[1] != measure:
            header = f"{header} › {self.area}"  # read with the title's area words
        ind = measure or self.title_ind
        factor = 1.0
        if problem is None and period is None:
            period = self.title_period
            if period is None:
                problem = self.title_period_problem
        if problem is None and ind is None:
            problem = "no indicator: neither the column header nor the title names one"
        if problem is None:
            factor, problem = _unit_factor(ind, unit or self.title_unit)
        plan = self.plans[(c, extra)] = _Plan(period, ind, factor, problem, header)
        return plan

    # ------------------------------------------------------------- rows
    def read(self):
        """Read the table's rows: ``(observations, rejects, message)``.

        Rows without values are headings (an area whose units follow, a province); a row
        under the first data row that looks like a header starts another table, whose
        values are rejected.
        """
        lay = self.lay
        rows = sorted({r for (r, _c) in self.grid.cells if r >= lay.first_row})
        state = _RowState()
        n_rows = 0
        ended = None  # the row where a second header starts: the rest is not read
        for r in rows:
            labels, values = self._row_cells(r)
            if ended is None and values and n_rows and _is_header_row(values, labels):
                ended = r
            if ended is not None:
                if values:
                    self._reject_row(
                        r,
                        values,
                        f"after a second header (row {ended + 1}): another table in the sheet "
                        "is not read (split the sheet or describe it with a sheet spec)",
                    )
                continue
            state.add_labels(labels)
            if not values:
                if labels:
                    self._heading_row(labels[max(labels)], state)
                continue
            n_rows += 1
            if not labels:
                self._reject_row(r, values, "row without label")
                continue
            self._data_row(r, labels, values, state)
        return self.obs, self.rej, self._message(n_rows)

    def _row_cells(self, r: int) -> tuple[dict[int, str], list]:
        """Return the non-empty labels of row *r* by column, and its ``(column, cell)`` values."""
        cells = self.grid.cells
        labels = {c: _text(cells[(r, c)].value) for c in self.lay.label_cols if (r, c) in cells}
        values = [
            (c, cells[(r, c)])
            for c in self.value_cols
            if (r, c) in cells and _text(cells[(r, c)].value) != ""
        ]
        return {c: t for c, t in labels.items() if t}, values

    def _heading_row(self, lab: str, state: _RowState) -> None:
        """Note a row without values: the group of the rows below, maybe a province."""
        res = self._national_row(lab)
        if res is not None and res.level == "province":
            state.province = res
        state.group = lab

    def _data_row(self, r: int, labels: dict[int, str], values: list, state: _RowState) -> None:
        """Read the values of row *r*, labelled in its deepest label column."""
        label_cols = self.lay.label_cols
        deepest = max(labels)
        lab = labels[deepest]
        depth = label_cols.index(deepest)
        parents = [state.ctx[c] for c in label_cols if c < deepest and c in state.ctx]
        extra = None
        if (
            depth > 0
            and parents
            and self.lay.title_province is None
            and self._national_row(lab) is None
            and not _UNIT_PREFIX.match(_clean_area(lab)[0] + " ")
            and self._national_row(parents[-1]) is not None
        ):
            # a second stub column under an area (``Chỉ tiêu``, ``Giới tính``): the row
            # is the area's, and its label one more header piece (a measure or a part)
            extra = _clean_area(lab)[0]
            lab, depth, parents = parents[-1], depth - 1, parents[:-1]
        area, province = self._area(lab, depth, parents, state.province, state.group)
        if province is not None:
            state.province = province
        state.group = None
        for c, cell in values:
            self._cell(r, c, cell, area, lab, extra=extra)

    def _message(self, n_rows: int) -> str:
        """Return the sheet's message; add the derived study-area values of a merged table."""
        tp = self.lay.title_province
        msg = f"{'country/regions/provinces' if tp is None else tp.name} table: {n_rows} data rows"
        if self.obs and tp is not None:
            derived = _derived_records(self.obs)
            if derived:
                msg += f"; {len(derived)} study-area (06) values derived from its 2025 units"
            self.obs += derived
        return msg

    def _national_row(self, lab: str):
        name, _ = _clean_area(lab)
        if self.lay.title_province is not None:
            return None
        return _national(name, self.list_vintage or "2020") or _national(name, "2025")

    def _area(self, lab, depth, parents, current_province, group):
        """Return (area decision, province row) for a data row.

        The decision is a callable of the year giving ``(code, level, vintage, name)`` or a
        reject reason.
        """
        name, _marked = _clean_area(lab)
        tp = self.lay.title_province
        if tp is not None:
            return self._area_in_province(name, tp, parents), None
        res = self._national_row(lab)
        if res is not None and depth == 0:
            return self._national_decision(res, name), (res if res.level == "province" else None)
        if res is not None and res.level == "province":
            return self._national_decision(res, name), res
        if _is_area_total(name) and depth == 0:
            return self._total_row(name, current_province, group), None
        # a district/commune or a part under its province
        rows = map(self._national_row, reversed(parents))
        province = next((res for res in rows if res is not None), None)
        if province is None and depth == 0:
            province = current_province
        if province is None or province.level != "province":
            return (
                lambda y, n=name: (
                    f"part row '{_short(n)}' (not an area: a breakdown of the row above)"
                )
            ), None
        return self._sub_unit(name, province, parents), None

    def _area_in_province(self, name, tp, parents):
        """Return the area decision of a row of another province's table (*tp*).

        The total row is that province; in a table of the merged Thái Nguyên holding only
        the former Bắc Kạn's units, a 2025+ total is ambiguous (06 is derived instead).
        """
        if not _is_area_total(name):
            return self._sub_unit(name, tp, parents)
        fixed = self._fixed(tp, "province")
        if tp.code != _MERGED or self.merged_has_others:
            return fixed

        def ambiguous(year, fixed=fixed, n=name):
            if vintage_for_year(year) != "2025":
                return fixed(year)
            return (
                f"total row '{_short(n)}' of a table of the former Bắc Kạn's units "
                "only: the merged province's or the former province's total? "
                "(not read; 06 is derived from the units)"
            )

        return ambiguous

    def _total_row(self, name, current_province, group):
        """Return the decision of a total row of a list of units.

        Before any area it is the country, else the area of the row without values above.
        """
        if current_province is None and group is None:
            return self._national_decision(_country())
        gres = self._national_row(group) if group else None
        if gres is not None:
            return self._national_decision(gres, _clean_area(group)[0])
        return lambda y, n=name: f"total row '{_short(n)}' under a row that is not an area"

    def _fixed(self, res, level):
        def decide(year, res=res):
            v = vintage_for_year(year)
            if res.vintage != v and res.code != PROVINCE_CODE:
                other = _national(res.name, v)
                if other is None or other.code != res.code:
                    return f"'{res.name}' is not a province of vintage {v} (year {year})"
            return (res.code, level, v, res.name)

        return decide

    def _national_decision(self, res, label: str | None = None):
        lv = self.list_vintage
        label = label or res.name

        def decide(year, res=res, label=label):
            v = vintage_for_year(year)
            if res.level == "country":
                return (res.code, "country", v, res.name)
            table_after = lv == "2025"
            year_after = v == "2025"
            if (
                lv is not None
                and table_after != year_after
                and not (res.code == PROVINCE_CODE and year_after)
            ):
                which = (
                    "34 provinces (from 1 July 2025)"
                    if table_after
                    else "63 provinces (to 30 June 2025)"
                )
                return (
                    f"'{res.name}' of the list of {which} in a {year} column: "
                    "not the unit in force that year"
                )
            # the label names the unit of the year's vintage (codes changed in 2025:
            # Lào Cai is 10 before and 15 after)
            again = _national(label, v)
            if again is None or again.level != res.level:
                return f"'{_short(label)}' is not a unit of vintage {v} (year {year})"
            return (again.code, again.level, v, again.name)

        return decide

    def _sub_unit(self, name, province, parents):
        district = parents[-1] if parents else None

        def decide(year, name=name, province=province, district=district):
            v = vintage_for_year(year)
            # the study area's units: Bắc Kạn's, or from 2025 those of the merged province
            in_study = province.code == PROVINCE_CODE or (v == "2025" and province.code == _MERGED)
            if in_study and _UNIT_PREFIX.match(name + " "):
                d = district if v != "2025" else None
                res, why = _study_unit(name, v, d)
                if res is not None:
                    return (res.code, res.level, v, res.name)
                if province.code == PROVINCE_CODE:
                    return why
            if not _UNIT_PREFIX.match(name + " "):
                return f"part row '{_short(name)}' under '{province.name}' (not an area)"
            if not in_study or _unit_short(name) in _units_of(province.code, v):
                # under another province's row (or one of the merged province's own units)
                return f"outside the study area: '{_short(name)}' ({province.name})"
            return (
                f"unresolved area '{_short(name)}' in vintage {v} "
                f"(neither a unit of the study area nor of {province.name})"
            )

        return decide

    # ------------------------------------------------------------- cells
    def _reject_row(self, r, values, reason):
        for c, cell in values:
            self.rej.append(Reject(self.src, self.sheet, self.addr(r, c), _raw(cell), reason))

    def _cell(self, r, c, cell, area, lab, *, extra=None):
        addr = self.addr(r, c)
        plan = self._plan(c, extra)
        try:
            if plan.problem:
                raise Problem(plan.problem)
            rec = area(plan.period.year)
            if isinstance(rec, str):
                raise Problem(rec)
            conv = self._convention(c)
            pv = parse_cell(cell, conv)
            if pv.reason:
                raise Problem(pv.reason)
            if pv.percent and indicator_unit(plan.indicator) != "%":
                raise Problem(f"unit mismatch: percentage value for {plan.indicator}")
            value = scaled(pv.value, plan.factor)
            _check(plan.indicator, value)
        except Problem as p:
            self.rej.append(Reject(self.src, self.sheet, addr, _raw(cell), str(p)))
            return
        code, level, vintage, name = rec
        self.obs.append(
            Observation(
                indicator_id=plan.indicator,
                area_code=code,
                area_level=level,
                admin_vintage=vintage,
                area_name=unicodedata.normalize("NFC", name),
                year=int(plan.period.year),
                value=float(value),
                unit=indicator_unit(plan.indicator),
                status=plan.period.status,
                source_file=self.src,
                source_sheet=self.sheet,
                source_cell=addr,
                source_label=_short(f"{lab} | {plan.header or ' '.join(self.title)}", 200),
            )
        )

    def _convention(self, c):
        key_ = ("conv", c)
        if key_ not in self.plans:
            texts = [
                cell.value
                for (r, cc), cell in self.grid.cells.items()
                if cc == c and r >= self.lay.first_row and isinstance(cell.value, str)
            ]
            self.plans[key_] = text_convention(texts)  # type: ignore[assignment]
        return self.plans[key_]


def _is_header_row(values, labels) -> bool:
    """Tell whether a row under the data is the header of another table (years, measures).

    No label, or a label that is no area, and at least two value cells that are periods
    or text that is no number or missing marker.
    """
    headerish = 0
    for _c, cell in values:
        v = cell.value
        t = _text(v)
        if isinstance(v, str) and re.fullmatch(r"\d{4}", t):
            continue  # '1986': a year or a value written as text, not decisive
        if isinstance(v, str) and (parse_period(t) is not None or not looks_like_value(t)):
            headerish += 1
        elif isinstance(v, (int, float)) and not isinstance(v, bool) and 1950 <= v <= 2060:
            continue  # a number that may be a year or a value: not decisive
        else:
            return False
    if headerish < 2:
        return False
    return not labels or all(
        _national(_clean_area(t)[0], "2020") is None and not _is_area_total(_clean_area(t)[0])
        for t in labels.values()
    )


def _country():
    return _national("Cả nước", "2020")


def _raw(cell) -> str:
    v = cell.value
    if isinstance(v, float):
        return repr(v) if not v.is_integer() else str(int(v))
    return _text(v)


def _check(ind: str, value: float) -> None:
    unit = indicator_unit(ind)
    if not math.isfinite(value):
        raise Problem("not a number (not finite)")
    if unit == "%" and not 0 <= value <= 100:
        raise Problem(f"out of range: {ind} = {value:g} % outside 0–100")
    if value < 0:
        raise Problem(f"out of range: {ind} = {value:g} is negative")
    if unit in _WHOLE and not float(value).is_integer():
        raise Problem(f"out of range: {ind} = {value:g} is not a whole number")


def _derived_records(records: list[tuple]) -> list[tuple]:
    """Return the derived ``06`` records of a merged-province sheet's records (see below)."""
    import pandas as pd

    obs = pd.DataFrame(records, columns=list(OBSERVATION_COLUMNS))
    out = derive_study_area(obs)
    return [tuple(r) for r in out[list(OBSERVATION_COLUMNS)].itertuples(index=False)]


def derive_study_area(observations):
    """Derive the former province's series (``06``) from its 2025 units.

    From 1 July 2025 the province's figures arrive as the 37 units of the former Bắc Kạn
    inside Thái Nguyên; ``06`` then stands for their area (DESIGN.md §2). For every
    series snapshot (indicator, year, status, source file and sheet) of vintage ``2025``
    that holds all 37 units and no ``06`` row, the ``06`` value is the aggregate of the
    units with the indicator's aggregation rule (:func:`bkanalysis.admin.aggregate`).
    The derived rows are marked in their provenance: ``source_cell`` is
    ``derived:<cells of the parts>``.

    Parameters
    ----------
    observations : pandas.DataFrame
        Tidy observations.

    Returns
    -------
    pandas.DataFrame
        The derived rows only (schema columns), possibly empty.
    """
    import pandas as pd

    obs = observations
    units = obs[(obs["admin_vintage"] == "2025") & (obs["area_level"] == "commune")]
    if units.empty:
        return obs.iloc[0:0][list(obs.columns)]
    keys = ["indicator_id", "year", "status", "source_file", "source_sheet"]
    have = obs[(obs["area_code"] == PROVINCE_CODE) & (obs["admin_vintage"] == "2025")]
    have_keys = set(map(tuple, have[keys].astype(str).to_numpy()))
    todo = units[[tuple(map(str, k)) not in have_keys for k in units[keys].to_numpy()]]
    if todo.empty:
        return obs.iloc[0:0][list(obs.columns)]
    weights = obs[(obs["admin_vintage"] == "2025") & (obs["area_level"] == "commune")]
    agg = aggregate(todo, to_level="province", weights=weights)
    if agg.empty:
        return obs.iloc[0:0][list(obs.columns)]
    agg = agg[agg["area_code"] == PROVINCE_CODE].copy()
    agg["source_cell"] = "derived:" + agg["source_cell"].astype(str)
    if "source_label" in obs.columns:
        agg["source_label"] = "derived: " + agg.get(
            "conversion_note", pd.Series("", index=agg.index)
        ).astype(str)
    return agg[[c for c in obs.columns if c in agg.columns]].reset_index(drop=True)
