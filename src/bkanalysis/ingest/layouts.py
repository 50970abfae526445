"""Find the tables of a sheet and recognise their layout (DESIGN.md §4), by content only.

A *table* is a body of data rows (a label on the left, values on the right) with the
header band directly above it and a title block above that. Rows are classified from
their cells (value-like, period labels, unit lines, notes and signatures), never from
fixed positions, so titles, blank rows, stacked or merged headers, notes under the table
and several tables in one sheet are all handled.

The layouts, named after what the rows and the value columns hold:

===========================  ==================  ==========================
layout                       rows                value columns
===========================  ==================  ==========================
``areas_x_years``            areas               periods (indicator: title)
``years_x_measures``         periods             indicators
``indicators_x_periods``     indicators          periods
``communes_x_measures``      areas               indicators (year: title)
===========================  ==================  ==========================
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from bkanalysis.admin import AreaResolutionError, resolve_area

from . import quirks
from .cells import SheetGrid
from .labels import (
    Period,
    _period_phrases,
    fold,
    is_english,
    is_year_number,
    key,
    label_key,
    match_indicator,
    parse_period,
    parse_unit,
    parse_unit_line,
    split_bilingual,
    split_units,
    toned_key,
)
from .numbers import classify_number_text, looks_like_value

__all__ = ["Column", "Table", "cell_text", "find_tables"]

# NOTE: the words below are layout quirks kept in data/ingest/table_words.csv, one row per
# word with the reason (where it was seen); the templates say how each list is matched.
#: note, source and signature lines under a table (folded text, start of the first cell)
_NOTE = quirks.pattern(r"^\s*({})", "row_note")
#: columns computed from others (So sánh, Tăng/giảm, TH/KH): keyed header, whole words
_DERIVED = quirks.pattern(r"\b({})\b", "column_derived")
#: remarks and responsible-agency columns at the right of department reports
_REMARKS = quirks.pattern(r"^({})\b", "column_remarks")
#: a comparison of two years in one header ("TH 2019/KH 2019", "2020/2019"): a derived
#: column of department reports; grammar, with the status abbreviations between the years
_TWO_YEARS_SLASH = re.compile(r"(19|20)\d\d\s*/\s*(ky|kh|th|nam|uth|uoc)?\s*(19|20)?\d\d")
#: a year-like number anywhere in a header text (a quick test before parsing periods)
_YEARISH = re.compile(r"(?<!\d)(19|20)\d\d(?!\d)")
#: a merged "Chia ra - Of which" header over the parts of a total
_OF_WHICH = quirks.pattern(r"^({})\b", "column_of_which")
#: the header of a unit column right of the labels ("ĐVT", "Đơn vị tính - Unit"); keyed,
#: so "đvt" reads "don vi tinh"
_UNIT_HEADER = quirks.compile_words(
    r"^({})( unit)?$", tuple(dict.fromkeys(key(w) for w in quirks.words("unit_word")))
)
#: the row-number (STT) or code column left of the labels
_STT_HEADER = quirks.pattern(r"^({})$", "column_number")
#: the cells of a column-numbering row under yearbook headers: ``(1) (2) (3)``, ``A B 1 2``
_COLNUM = re.compile(r"\(?(\d{1,2})\)?")
_COLLETTER = re.compile(r"\(?[A-Za-z]\)?")
#: ``Đạt chuẩn NTM (x)``: a column of the NTM commune lists whose cells are ticks
_TICK = re.compile(r"\(\s*x\s*\)", re.IGNORECASE)
#: the values of an STT column (``1.``, ``I``, ``a)``, ``1.2``)
_NUMBERING = re.compile(r"^\s*([ivxlc]+|\d+(\.\d+)*|[a-zđ])\s*[.)]?\s*$", re.IGNORECASE)


def cell_text(v) -> str:
    """Return a cell value as stripped text ('' for None)."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


@dataclass
class Column:
    """What the header band says about one value column."""

    col: int
    period: Period | None = None
    period_problem: str | None = None
    derived: str | None = None
    own: list[str] = field(default_factory=list)
    own_en: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    has_header: bool = False
    group_start: int | None = None
    period_group: bool = False
    status_only: Period | None = None
    tick: str | None = None


@dataclass
class Table:
    """One recognised (or not) table of a sheet."""

    index: int
    header_rows: list[int]
    top: int
    first_col: int
    rows: list[int]
    data_rows: list[int]
    label_col: int
    value_cols: list[int]
    stt_col: int | None = None
    unit_col: int | None = None
    title_lines: list[str] = field(default_factory=list)
    corner_lines: list[str] = field(default_factory=list)  # of title_lines, the header corner's
    unit_line: tuple[str, str | None] | None = None
    columns: dict[int, Column] = field(default_factory=dict)
    row_kind: str | None = None
    layout: str = "unrecognised"
    message: str = ""


@lru_cache(maxsize=65536)
def _text_vlike(text: str) -> bool:
    # number text is never a unit (unit names hold letters, or are "%"): only other
    # value-like text (markers, ranges, qualified numbers) is looked up as a unit
    return looks_like_value(text) and (
        classify_number_text(text)[2] != "none" or parse_unit(text) is None
    )


class _Texts(dict):
    """Stripped texts of a sheet's cells by position, each computed when first asked for.

    Most cells are numbers in data rows whose text is never needed; a position without a
    cell reads as ``''``.
    """

    def __init__(self, values: dict):
        super().__init__()
        self.values = values

    def __missing__(self, pos) -> str:
        v = self.values.get(pos)
        t = self[pos] = cell_text(v)
        return t


_first = operator.itemgetter(0)
_second = operator.itemgetter(1)


class _Sheet:
    """Per-sheet helpers: row access, merged anchors, cell classes."""

    def __init__(self, grid: SheetGrid):
        self.grid = grid
        cells = grid.cells
        # columns of each row in order (sorting keys that loaders already give in order is
        # one linear pass)
        self.rows = {
            r: list(map(_second, group)) for r, group in itertools.groupby(sorted(cells), _first)
        }
        self.anchor: dict[tuple[int, int], tuple[int, int, int, int]] = {}
        for r0, c0, r1, c1 in grid.merged:
            if (r1 - r0 + 1) * (c1 - c0 + 1) > 10000:
                continue
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    self.anchor[(r, c)] = (r0, c0, r1, c1)
        # the value of every cell (looked up many times); texts when first needed
        self.values = dict(zip(cells, map(_first, cells.values()), strict=True))
        self.texts = _Texts(self.values)
        self.covered_rows = {
            r for r0, _c0, r1, _c1 in grid.merged if r1 > r0 for r in range(r0 + 1, r1 + 1)
        }
        self.first_value = _first_value_cols(self)
        self.data: set[int] = set()  # the data rows, set by _find

    def cols(self, r: int) -> list[int]:
        return self.rows.get(r, [])

    def value(self, r: int, c: int):
        return self.values.get((r, c))

    def text(self, r: int, c: int) -> str:
        return self.texts[(r, c)]

    def vlike(self, r: int, c: int) -> bool:
        """Tell whether the cell at (*r*, *c*) holds a value (number, number text, error …)."""
        cell = self.grid.cells.get((r, c))
        if cell is None:
            return False
        if cell.is_error or (cell.is_formula and not cell.has_cached):
            return True
        v = cell.value
        if isinstance(v, str):
            return _text_vlike(v)
        return isinstance(v, (int, float)) and not isinstance(v, bool)

    def is_period(self, r: int, c: int) -> bool:
        v = self.value(r, c)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return is_year_number(v)
        return isinstance(v, str) and parse_period(v) is not None

    def row_text(self, r: int) -> str:
        texts = self.texts
        return " ".join(t for c in self.cols(r) if (t := texts[(r, c)]))


def _is_note_row(sh: _Sheet, r: int) -> bool:
    cs = sh.cols(r)
    if not cs or len(cs) > 3 or not isinstance(sh.value(r, cs[0]), str):
        return False
    first = fold(sh.text(r, cs[0]))
    return bool(_NOTE.match(first))


def _is_unit_row(sh: _Sheet, r: int) -> tuple[str, str | None] | None:
    cs = sh.cols(r)
    texts = [sh.text(r, c) for c in cs]
    if len(texts) == 1:
        t = texts[0]
        u = parse_unit_line(t)
        if u:
            return u
        pu = parse_unit(t)
        if pu is not None:
            return t, pu[0]
    for t in texts:
        u = parse_unit_line(t)
        if u and len(texts) <= 2:
            return u
    return None


def _is_period_header(sh: _Sheet, r: int) -> bool:
    cs = sh.cols(r)
    maybe = 0
    values = sh.values
    search = _YEARISH.search
    for c in cs:
        v = values[(r, c)]
        if isinstance(v, str):
            maybe += bool(search(v))
        else:
            maybe += is_year_number(v)
        if maybe >= 2:
            break  # enough to look closer
    if maybe < 2:
        return False
    periods = [c for c in cs if sh.is_period(r, c)]
    if len(periods) < 2:
        return False
    return all(sh.is_period(r, c) or not sh.vlike(r, c) for c in cs)


def _is_numbering_row(sh: _Sheet, r: int) -> bool:
    """Column-numbering row under a header: (1) (2) … or A B 1 2 3."""
    nums = []
    values = sh.values
    for c in sh.cols(r):
        v = values[(r, c)]
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            # a number is a column number when its text would be one or two digits
            if not (0 <= v <= 99 and float(v).is_integer()):
                return False
            nums.append(int(v))
            continue
        t = sh.texts[(r, c)]
        if len(t) > 4 and not isinstance(v, bool):
            return False  # longer than any "(12)" or "(A)"
        m = _COLNUM.fullmatch(t)
        if m:
            nums.append(int(m.group(1)))
        elif not _COLLETTER.fullmatch(t) and not isinstance(v, bool):
            return False
    return len(nums) >= 3 and all(b == a + 1 for a, b in itertools.pairwise(nums))


def _first_value_cols(sh: _Sheet) -> dict[int, int | None]:
    """First value-like column of each row after its first cell (None: no value in the row)."""
    return {
        r: next((c for c in itertools.islice(cs, 1, None) if sh.vlike(r, c)), None)
        for r, cs in sh.rows.items()
    }


def _data_rows(sh: _Sheet) -> set[int]:
    """Rows holding a label and values that are not a header, numbering or note row."""
    return {
        r
        for r, first in sh.first_value.items()
        if first is not None
        # the cheapest test first (a label cell ends the numbering test)
        and not (_is_numbering_row(sh, r) or _is_period_header(sh, r) or _is_note_row(sh, r))
    }


def find_tables(grid: SheetGrid, resolver=None) -> list[Table]:
    """Find the tables of *grid* and classify each one's layout.

    Parameters
    ----------
    grid : SheetGrid
        The sheet.
    resolver : callable, optional
        ``resolver(label) -> bool`` telling whether a row label names an area; used to
        tell area rows from indicator rows. Defaults to the administrative-units resolver.
    """
    if resolver is None:
        resolver = _default_area_test
    tables = _find(grid, resolver, depth=0)
    tables.sort(key=lambda t: (t.rows[0], t.label_col))
    for i, t in enumerate(tables):
        t.index = i
    return tables


def _find(grid: SheetGrid, resolver, depth: int) -> list[Table]:
    sh = _Sheet(grid)
    data = sh.data = _data_rows(sh)
    bodies = _bodies(sh, data)
    tables = []
    boundary = -1
    for i, body in enumerate(bodies):
        t = _build_table(sh, i, body, boundary, resolver)
        prev = tables[-1] if tables else None
        if (
            prev is not None
            and not t.title_lines
            and t.unit_line is None
            and t.header_rows
            and _header_signature(sh, t) == _header_signature(sh, prev)
        ):
            # the header repeated after a page break: the same table goes on
            t.title_lines = list(prev.title_lines)
            t.corner_lines = list(prev.corner_lines)
            t.unit_line = prev.unit_line
            if t.layout == "unrecognised" and prev.layout != "unrecognised":
                _classify(sh, t, resolver)
        tables.append(t)
        boundary = body[-1]
    if depth >= 3:
        return tables
    for t in tables:
        k = _side_by_side(sh, t)
        if k is None:
            continue
        # a second table to the right (its own label column at k): read the two halves
        # of these rows separately, and the rest of the sheet as it is
        rows = set(range(t.top, t.rows[-1] + 1))
        left = _subgrid(grid, lambda r, c, rows=rows, k=k: r in rows and c < k)
        right = _subgrid(grid, lambda r, c, rows=rows, k=k: r in rows and c >= k)
        rest = _subgrid(grid, lambda r, c, rows=rows: r not in rows)
        return [
            *_find(left, resolver, depth + 1),
            *_find(right, resolver, depth + 1),
            *_find(rest, resolver, depth + 1),
        ]
    return tables


def _header_signature(sh: _Sheet, t: Table) -> tuple:
    return tuple(
        tuple(sh.text(r, c) for c in sh.cols(r) if c >= min(t.value_cols, default=0))
        for r in t.header_rows
    )


def _subgrid(grid: SheetGrid, keep) -> SheetGrid:
    cells = {pos: cell for pos, cell in grid.cells.items() if keep(*pos)}
    merged = [m for m in grid.merged if keep(m[0], m[1])]
    return SheetGrid(grid.name, cells, merged)


def _side_by_side(sh: _Sheet, t: Table) -> int | None:
    """First value column that is really the label column of a table to the right."""
    n = len(t.data_rows)
    if n < 2:
        return None
    need = max(2, 0.5 * n)
    values = sh.values
    first = min(t.value_cols)
    for c in t.value_cols:
        if c <= first:
            continue
        col = t.columns.get(c)
        if col is not None and col.derived:
            continue
        texts = 0
        for i, r in enumerate(t.data_rows):
            if texts + (n - i) < need:
                break  # too few rows left to reach the threshold
            v = values.get((r, c))
            if isinstance(v, str) and v.strip() and not sh.vlike(r, c):
                texts += 1
                if texts >= need:
                    return c
    return None


def _bodies(sh: _Sheet, data: set[int]) -> list[list[int]]:
    bodies: list[list[int]] = []
    pending: list[int] = []
    cur: list[int] = []
    starts: list[int] = []
    gap = 0
    counts: Counter = Counter()
    for r in range(0, sh.grid.max_row):
        if r in data:
            if cur and gap:
                cur.extend(pending)
            cur.append(r)
            starts.append(sh.first_value[r])
            counts[starts[-1]] += 1
            gap = 0
            pending = []
            continue
        if not cur:
            continue
        vstart = counts.most_common(1)[0][0]
        cs = sh.cols(r)
        ok = (
            all(c < vstart for c in cs)
            and not _is_note_row(sh, r)
            and not _is_unit_row(sh, r)
            and not _is_period_header(sh, r)
        )
        gap += 1
        if not ok or gap > 3:
            bodies.append(cur)
            cur, starts, gap = [], [], 0
            counts = Counter()
            continue
        pending = [*([] if gap == 1 else pending), r]
    if cur:
        bodies.append(cur)
    return bodies


@lru_cache(maxsize=8192)
def _default_area_test(label: str) -> bool:

    for v in ("2020", "2019", "2025"):
        try:
            resolve_area(label, vintage=v)
            return True
        except AreaResolutionError as err:
            if err.reason == "ambiguous":
                return True
        except Exception:
            return False
    return False


def _before(cs: list[int], col: int) -> list[int]:
    """Return the columns of the sorted list *cs* left of *col*."""
    return cs[: bisect.bisect_left(cs, col)]


def _from(cs: list[int], col: int) -> list[int]:
    """Return the columns of the sorted list *cs* from *col* on."""
    return cs[bisect.bisect_left(cs, col) :]


def _build_table(sh: _Sheet, index: int, body: list[int], boundary: int, is_area) -> Table:
    """Build the table of the data rows *body*: header band, title block, label and value columns.

    *boundary* is the last row of the table above (nothing above it belongs to this one).
    """
    data_rows = [r for r in body if r in sh.data]
    vstart = _value_start(sh, data_rows)
    body, r = _with_section_rows(sh, body, boundary, vstart)
    band = _header_band(sh, r, boundary, vstart)
    right = max(sh.rows[x][-1] for x in [*band, *body] if x in sh.rows)  # columns are sorted
    band = _peel_title_rows(sh, band, vstart, right - vstart + 1)
    title_rows = _title_rows(sh, band[0] if band else body[0], boundary)
    title_lines, title_unit = _title_block(sh, title_rows)
    unit_line = title_unit or _band_unit_line(sh, band)
    label_cols = sorted({c for r in body for c in _before(sh.cols(r), vstart)})
    label_col = _label_column(sh, label_cols, data_rows, vstart)
    unit_col, stt_col = _side_columns(sh, band, label_cols, label_col, data_rows)
    corner = [x for x in _corner_titles(sh, band, vstart, (stt_col, unit_col)) if x]
    title_lines += corner
    value_cols = _value_columns(sh, band, data_rows, vstart, right)
    t = Table(
        top=min([*title_rows, *band, body[0]]),
        first_col=min([*label_cols, label_col]),
        index=index,
        header_rows=band,
        rows=list(range(body[0], body[-1] + 1)),
        data_rows=data_rows,
        label_col=label_col,
        value_cols=value_cols,
        stt_col=stt_col,
        unit_col=unit_col,
        title_lines=[x for x in title_lines if x],
        corner_lines=corner,
        unit_line=unit_line,
    )
    t.columns = {c: _column(sh, band, c, vstart, right) for c in value_cols}
    _infer_preliminary_year(t)
    _classify(sh, t, is_area)
    return t


def _value_start(sh: _Sheet, data_rows: list[int]) -> int:
    """Return the first value column of most data rows (the leftmost among equally common)."""
    counts = Counter(sh.first_value[r] for r in data_rows).most_common()
    return min(c for c, n in counts if n == counts[0][1])


def _with_section_rows(
    sh: _Sheet, body: list[int], boundary: int, vstart: int
) -> tuple[list[int], int]:
    """Add the label-only section rows between the header and the first data row to *body*.

    Up to four rows of labels alone (a district heading, the Vietnamese line of a two-line
    label) belong to the body when a header row with cells over the values is above them.
    Returns the body and the row where the header band search starts.
    """
    r = body[0] - 1
    pre = []
    while r > boundary and len(pre) < 4:
        cs = sh.cols(r)
        if not (
            cs
            and all(c < vstart for c in cs)
            and not _is_note_row(sh, r)
            and not _is_unit_row(sh, r)
        ):
            break
        pre.append(r)
        r -= 1
    if not pre:
        return body, r
    if not (r > boundary and sh.cols(r) and any(c >= vstart for c in sh.cols(r))):
        return body, body[0] - 1
    return [*sorted(pre), *body], r


def _header_band(sh: _Sheet, r: int, boundary: int, vstart: int) -> list[int]:
    """Return the header rows from row *r* up: rows with cells over the value columns.

    Rows hidden under a merged cell are passed over; a blank row ends the band (before
    it, one blank is allowed), as do a note or unit line. Column-numbering rows are left
    out.
    """
    band: list[int] = []
    blanks = 0
    while r > boundary:
        cs = sh.cols(r)
        if not cs and r in sh.covered_rows and r - 1 > boundary:
            r -= 1
            continue
        if not cs:
            blanks += 1
            if band or blanks > 1:
                break
            r -= 1
            continue
        if _is_note_row(sh, r) or _is_unit_row(sh, r):
            break
        in_values = any(c >= vstart for c in cs) or any(
            (r, c) in sh.anchor and sh.anchor[(r, c)][3] >= vstart for c in cs
        )
        if not (in_values or _is_period_header(sh, r) or _is_numbering_row(sh, r)):
            break
        band.insert(0, r)
        r -= 1
    return [b for b in band if not _is_numbering_row(sh, b)]


def _peel_title_rows(sh: _Sheet, band: list[int], vstart: int, width: int) -> list[int]:
    """Drop title rows from the top of the band: one wide, long or unit-line cell alone."""
    band = list(band)
    while len(band) >= 2:
        top = band[0]
        cs = sh.cols(top)
        if len(cs) != 1 or sh.is_period(top, cs[0]):
            break
        t = sh.text(top, cs[0])
        span = sh.anchor.get((top, cs[0]))
        wide = span is not None and (span[3] - max(span[1], vstart) + 1) >= 0.8 * width
        if not (wide or len(t) > 35 or parse_unit_line(t)):
            break
        band.pop(0)
    return band


def _band_unit_line(sh: _Sheet, band: list[int]) -> tuple[str, str | None] | None:
    """Return the last unit line inside the band (a right-aligned cell above the header)."""
    unit_line = None
    for b in band:
        for c in sh.cols(b):
            u = parse_unit_line(sh.text(b, c))
            if u:
                unit_line = u
    return unit_line


def _title_rows(sh: _Sheet, top_limit: int, boundary: int) -> list[int]:
    """Return the rows of the title block above *top_limit* (at most 10; two blanks end it)."""
    title_rows: list[int] = []
    r = top_limit - 1
    blanks = 0
    while r > boundary and len(title_rows) < 10:
        if not sh.cols(r):
            blanks += 1
            if blanks >= 2 and title_rows:
                break
            r -= 1
            continue
        blanks = 0
        title_rows.insert(0, r)
        r -= 1
    return title_rows


def _title_block(sh: _Sheet, title_rows: list[int]) -> tuple[list[str], tuple | None]:
    """Return the title lines of *title_rows* and the last unit line among them (or None).

    A note row before any title line is skipped; a cell alone that is a unit (a bare
    ``Ha``) or a unit line gives the unit; numbers alone (page numbers) are no title.
    """
    title_lines: list[str] = []
    unit_line = None
    for tr in title_rows:
        if _is_note_row(sh, tr) and not title_lines:
            continue
        cs = sh.cols(tr)
        if len(cs) == 1 and parse_unit(sh.text(tr, cs[0])) is not None:
            unit_line = (sh.text(tr, cs[0]), parse_unit(sh.text(tr, cs[0]))[0])  # a bare "Ha"
            continue
        for c in cs:
            t = sh.text(tr, c)
            if not t or isinstance(sh.value(tr, c), (int, float)) or not re.search(r"[^\W\d_]", t):
                continue  # numbers alone (page numbers) are not titles
            u = parse_unit_line(t)
            if u:  # a unit line, possibly on the same row as the title
                unit_line = u
                continue
            title_lines.extend(split_bilingual(t) if "\n" in t else [t])
    return title_lines, unit_line


def _label_column(sh: _Sheet, label_cols: list[int], data_rows: list[int], vstart: int) -> int:
    """Return the label column: the one with most text labels (then most filled, leftmost)."""
    scores = {}
    for c in label_cols:
        texts = filled = 0
        for r in data_rows:
            t_ = sh.text(r, c)
            if t_:
                filled += 1
                if not sh.vlike(r, c) and parse_unit(t_) is None:
                    texts += 1
        scores[c] = (texts, filled, -c)
    return max(scores, key=scores.get) if scores else vstart - 1


def _side_columns(
    sh: _Sheet, band: list[int], label_cols: list[int], label_col: int, data_rows: list[int]
) -> tuple[int | None, int | None]:
    """Return the unit column (right of the labels) and the STT column (left), or None.

    Each is known by its header (``ĐVT``, ``STT``) or by its cells (units; numbering).
    """
    unit_col = stt_col = None
    for c in label_cols:
        if c == label_col:
            continue
        hk = key(" ".join(sh.text(b, c) for b in band))
        vals = [t_ for r in data_rows if (t_ := sh.text(r, c))]
        if c > label_col and (
            _UNIT_HEADER.match(hk)
            or (vals and sum(parse_unit(v) is not None for v in vals) >= 0.6 * len(vals))
        ):
            unit_col = c
        elif c < label_col and (
            _STT_HEADER.match(hk) or (vals and all(_NUMBERING.match(v) for v in vals))
        ):
            stt_col = c
    return unit_col, stt_col


def _corner_titles(sh: _Sheet, band: list[int], vstart: int, side: tuple) -> list[str]:
    """Return the texts of the header band's corner, over the label column.

    They may name the indicator, as a title line does. *side* holds the STT and unit
    columns, left out.
    """
    out = []
    for b in band:
        for c in sh.cols(b):
            if c < vstart and c not in side:
                t_ = sh.text(b, c)
                if t_ and isinstance(sh.value(b, c), str) and not parse_unit_line(t_):
                    out.append(t_)
    return out


def _value_columns(
    sh: _Sheet, band: list[int], data_rows: list[int], vstart: int, right: int
) -> list[int]:
    """Return the value columns: cells from *vstart* on, and merged header cells over them."""
    return sorted(
        {c for r in [*band, *data_rows] for c in _from(sh.cols(r), vstart)}
        | {
            c
            for r in band
            for c in range(vstart, right + 1)
            if (r, c) in sh.anchor and sh.value(*sh.anchor[(r, c)][:2]) is not None
        }
    )


def _infer_preliminary_year(t: Table) -> None:
    """Give a year to a bare ``Sơ bộ``/``Prel.`` column that follows consecutive years.

    Yearbooks print the preliminary figure of the year after the last final year
    (``2016 | 2017 | 2018 | Sơ bộ`` → 2019). Only when the two columns before it are
    consecutive actual years and no column already has that year.
    """
    cols = [t.columns[c] for c in sorted(t.columns)]
    years = {c.period.year for c in cols if c.period is not None}
    for i, col in enumerate(cols):
        so = col.status_only
        if so is None or so.status != "preliminary" or i < 2:
            continue
        a, b = cols[i - 2].period, cols[i - 1].period
        if (
            a is not None
            and b is not None
            and a.status == b.status == "actual"
            and b.year == a.year + 1
            and (b.year + 1) not in years
        ):
            col.period = Period(b.year + 1, "preliminary")
            col.period_problem = None


def _pieces(sh: _Sheet, band: list[int], c: int):
    """Header pieces of column *c*: (text or number, span width, row), top to bottom."""
    out = []
    seen = set()
    for r in band:
        anc = sh.anchor.get((r, c))
        lo = c
        if anc is not None:
            pos = anc[:2]
            span = anc[3] - anc[1] + 1
            lo = anc[1]
        else:
            pos = (r, c)
            span = 1
        if pos in seen:
            continue
        seen.add(pos)
        v = sh.value(*pos)
        if v is None or (isinstance(v, str) and not v.strip()):
            continue
        if anc is None and isinstance(v, str):
            # HTML exports repeat a merged header in every cell: measure the run
            t = v.strip()
            lo = c
            while lo - 1 >= 0 and cell_text(sh.value(r, lo - 1)) == t:
                lo -= 1
            hi = c
            while cell_text(sh.value(r, hi + 1)) == t:
                hi += 1
            span = hi - lo + 1
        out.append((v, span, r, lo))
    return out


@lru_cache(maxsize=16384)
def _period_words(text: str) -> bool:
    """Tell whether *text* is made only of years and status phrases (``Sơ bộ``, ``Prel.``)."""
    toks = key(re.sub(r"\(\s*\*+\s*\)|\*+", " ", text)).split()
    phrases = _period_phrases()
    i = 0
    while i < len(toks):
        if re.fullmatch(r"(19|20)\d\d", toks[i]):
            i += 1
            continue
        for words, _status in phrases:
            if tuple(toks[i : i + len(words)]) == words:
                i += len(words)
                break
        else:
            return False
    return bool(toks)


@lru_cache(maxsize=16384)
def _header_text(t: str) -> tuple:
    """Return what the header text *t* says about its column (pure, memoised).

    One of ``("unit line",)``, ``("derived", reason, tick text or None)`` (remarks,
    tick-mark and derived columns), ``("period",)`` or ``("parts", of_which, parts)``
    where each part of a bilingual text is ``(period text or None, units, label or None)``.
    """
    k = key(t)
    if parse_unit_line(t):
        return ("unit line",)
    if _REMARKS.match(k):
        return ("derived", f"remarks column '{_short(t)}' (not an observation)", None)
    if _TICK.search(t):
        tick = " ".join(_TICK.sub(" ", t).split())
        return ("derived", f"tick-mark column '{_short(t)}' (not an observation)", tick)
    if _DERIVED.search(k) or _TWO_YEARS_SLASH.search(fold(t)):
        return ("derived", f"derived column '{_short(t)}' (not an observation)", None)
    if _period_words(t):
        return ("period",)
    parts = []
    for part in split_bilingual(t):
        if _period_words(part):
            parts.append((part, (), None))
            continue
        rest, units = split_units(part)
        if parse_unit(rest) is not None and label_key(rest) != "":
            parts.append((None, (*units, rest), None))
        else:
            parts.append((None, tuple(units), rest if rest and label_key(rest) else None))
    return ("parts", bool(_OF_WHICH.match(k)), tuple(parts))


def _column(sh: _Sheet, band: list[int], c: int, vstart: int, right: int) -> Column:
    """Return what the header band says about value column *c*: period, labels, units."""
    col = Column(c)
    pieces = _pieces(sh, band, c)
    col.has_header = bool(pieces)
    periodish, period_span, labels = _read_pieces(col, pieces)
    if periodish:
        _set_period(col, periodish)
    _set_labels(col, labels, period_span if periodish else None)
    return col


def _read_pieces(col: Column, pieces) -> tuple[list[str], int, list[tuple[str, int, int]]]:
    """Sort the header pieces of *col* into period texts, labels and what marks the column.

    Derived, remarks and tick-mark headers and units are set on *col*, as is the start of
    an of-which group. Returns the period texts (top to bottom), the narrowest span of a
    period piece and the labels as ``(text, span, row)``.
    """
    periodish: list[str] = []
    period_span = 10**6
    labels: list[tuple[str, int, int]] = []
    for v, span, r, lo in pieces:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if is_year_number(v):
                periodish.append(str(int(v)))
                period_span = min(period_span, span)
            else:
                labels.append((cell_text(v), span, r))
            continue
        t = str(v).strip()
        kind, *info = _header_text(t)
        if kind == "derived":
            col.derived, tick = info
            if tick is not None:
                col.tick = tick
        elif kind == "period":
            periodish.append(t)
            period_span = min(period_span, span)
        elif kind == "parts":
            of_which, parts = info
            if span > 1 and of_which:
                col.group_start = lo
            texts = _add_parts(col, parts, span, r, labels)
            periodish.extend(texts)
            if texts:
                period_span = min(period_span, span)
    return periodish, period_span, labels


def _add_parts(col: Column, parts: tuple, span: int, r: int, labels: list) -> list[str]:
    """Add the units and labels of a header text's parts; return its period parts."""
    periods = []
    for period_text, units, label in parts:
        if period_text is not None:
            periods.append(period_text)
            continue
        col.units.extend(units)
        if label is not None:
            labels.append((label, span, r))
    return periods


def _set_period(col: Column, periodish: list[str]) -> None:
    """Read the column's period from its period texts, or say why it cannot be read.

    A status alone (``Sơ bộ`` with no year) is kept in ``status_only`` for
    :func:`_infer_preliminary_year`.
    """
    text = " ".join(periodish)
    p = parse_period(text)
    if p is not None:
        col.period = p
        return
    col.period_problem = f"period label '{_short(text)}' not understood"
    if not _YEARISH.search(text):
        col.status_only = parse_period(" ".join([*periodish, "2000"]))


def _set_labels(col: Column, labels: list, period_span: int | None) -> None:
    """Set the column's own labels and its parents' (the wider pieces above), Vietnamese first.

    Labels spanning several period columns (*period_span*: the period's span, None when
    the column has no period) are group headers over the periods.
    """
    if not labels:
        return
    if period_span is not None and min(s for _t, s, _r in labels) > period_span:
        col.parents = [t for t, _s, r in sorted(labels, key=lambda x: -x[2]) if not is_english(t)]
        col.period_group = True
        return
    own_span = min(s for _t, s, _r in labels)
    own = [t for t, s, _r in labels if s == own_span]
    col.own = [t for t in own if not is_english(t)]
    col.own_en = [t for t in own if is_english(t)]
    parents = [(t, r) for t, s, r in labels if s > own_span]
    col.parents = [t for t, _r in sorted(parents, key=lambda x: -x[1]) if not is_english(t)]


def _short(t: str, n: int = 60) -> str:
    t = " ".join(str(t).split())
    return t if len(t) <= n else t[: n - 1] + "…"


def row_label(sh_or_grid, t: Table, r: int) -> str:
    """Text label of body row *r* (label column, else another label-region text)."""
    grid = sh_or_grid.grid if isinstance(sh_or_grid, _Sheet) else sh_or_grid
    v = grid.value(r, t.label_col)
    if v is not None:
        text = cell_text(v)
        if text:
            return text
    vstart = min(t.value_cols) if t.value_cols else t.label_col + 1
    for c in range(t.first_col, vstart):
        if c in (t.stt_col, t.unit_col):
            continue
        v = grid.value(r, c)
        if isinstance(v, str) and v.strip():
            return v.strip()
    return ""


def _classify(sh: _Sheet, t: Table, is_area) -> None:
    """Set the table's layout (and row kind) from what its rows and value columns hold."""
    if not t.header_rows and not t.title_lines:
        t.message = "no header rows above the data"
        return
    periods, areas, inds, n = _count_row_kinds(sh, t, is_area)
    col_periods = sum(1 for c in t.columns.values() if c.period is not None)
    if periods >= max(1, 0.5 * n):
        t.row_kind = "period"
        if col_periods:
            t.message = "periods both in rows and in columns"
            return
        t.layout = "years_x_measures"
    elif t.unit_col is not None and col_periods:
        t.row_kind = "indicator"
        t.layout = "indicators_x_periods"
    elif areas >= max(1, 0.4 * n):
        t.row_kind = "area"
        t.layout = "areas_x_years" if col_periods else "communes_x_measures"
    elif (inds or t.stt_col is not None) and col_periods:
        t.row_kind = "indicator"
        t.layout = "indicators_x_periods"
    else:
        col_labels = sum(1 for c in t.columns.values() if c.own or c.parents)
        t.message = (
            f"rows are neither areas, periods nor indicators ({areas} area, {periods} period, "
            f"{inds} indicator labels in {n} data rows; {col_periods} period and "
            f"{col_labels} labelled columns)"
        )


def _count_row_kinds(sh: _Sheet, t: Table, is_area) -> tuple[int, int, int, int]:
    """Count the period, area and indicator labels of the table's rows.

    The rows are a sample of at most 40 spread over the table; returns the three counts
    and the sample's size. A total row (``Tổng``, ``Toàn tỉnh``) counts as an area only
    beside a row that names one: a department report closes its sections with ``Tổng``
    too (``I. Phát thải thực tế`` › sectors › ``Tổng``).
    """
    sample = t.data_rows
    if len(sample) > 40:
        step = len(sample) / 40
        sample = [t.data_rows[int(i * step)] for i in range(40)]
    periods = areas = totals = inds = 0
    for r in sample:
        v = sh.value(r, t.label_col)
        lab = row_label(sh, t, r)
        if parse_period(v if isinstance(v, (int, float)) else lab) is not None:
            periods += 1
        elif not lab:
            continue
        elif _subtotal_word(lab) or is_area(lab):
            areas += 1
        elif _is_total_or_subtotal(lab):
            totals += 1
        elif match_indicator(label_key(lab)).id is not None:
            inds += 1
    return periods, areas + (totals if areas else 0), inds, len(sample)


#: the province row of a table by district ("TỔNG SỐ - TOTAL", "Toàn tỉnh"), keyed
_TOTAL = quirks.pattern(r"^({})( ({}))?$", "row_total", "row_total_suffix")
#: "Cộng" with its tone marks: folded, it is also "Công" (the commune Công Bằng)
_SUBTOTAL_TONED = quirks.pattern(r"^({})(\s|$)", "row_subtotal")
#: a sub-total typed without diacritics: "Cong" alone or before a unit type
_SUBTOTAL_ASCII = quirks.pattern(
    r"^({})( ({})\b.*)?$", "row_subtotal_ascii", "row_subtotal_ascii_unit"
)


@lru_cache(maxsize=65536)
def _subtotal_word(label: str) -> bool:
    """Tell whether a label starts with the sub-total word ``Cộng`` (or ``Sub-total``).

    Folding is not used where the tone marks decide: ``Công Bằng`` (a commune) is not
    ``Cộng``. A label typed without any diacritics is a sub-total only as ``Cong`` alone
    or ``Cong huyen …`` (ambiguous otherwise, so read as a name).
    """
    rest = split_units(label)[0]
    if rest.isascii():
        return bool(_SUBTOTAL_ASCII.match(key(rest)))
    return bool(_SUBTOTAL_TONED.match(toned_key(rest)))


@lru_cache(maxsize=65536)
def _is_total_or_subtotal(label: str) -> bool:
    k = key(split_units(label)[0])
    return bool(_TOTAL.match(k) or _subtotal_word(label))


@lru_cache(maxsize=65536)
def is_total(label: str) -> bool:
    """Tell whether a label is a province total row label (``TỔNG SỐ - TOTAL``, ``Toàn tỉnh``)."""
    return bool(_TOTAL.match(key(split_units(label)[0])))


@lru_cache(maxsize=65536)
def is_subtotal(label: str) -> bool:
    """Tell whether a label is a sub-total row label (``Cộng``, ``Cộng huyện Ba Bể``).

    Examples
    --------
    >>> is_subtotal("Cộng"), is_subtotal("CỘNG HUYỆN BA BỂ"), is_subtotal("Công Bằng")
    (True, True, False)
    """
    return _subtotal_word(label)
