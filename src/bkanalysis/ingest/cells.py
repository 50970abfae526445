"""Low-level loading of a workbook into in-memory cell grids (:class:`SheetGrid`).

Everything above this module (layout detection, number parsing, the reader) works on
:class:`SheetGrid` objects only, so any file format can be fed to the reader by writing
an adapter that returns ``list[SheetGrid]``:

* ``xlsx``/``xlsm``: values from ``python-calamine`` (fast), plus one pass over the sheet
  XML (bytes, regular expressions, no entity expansion) for what calamine does not give:
  the cell's style (number format, so that ``0.734`` shown as ``73,4%`` is known to be a
  percentage), error cells (``t="e"``: calamine 0.9 returns them as ``''``) and formulas
  without a cached value (``<f>`` without ``<v>``: calamine returns ``''``; never read as 0).
* ``xls`` (BIFF): ``xlrd`` with ``formatting_info=True`` (number formats, merged cells).
* ``ods``: ``python-calamine`` values only (no number formats).
* ``html`` (an HTML table saved with an ``.xls`` name):
  :func:`bkanalysis.ingest.html_tables.read_html_grids`.
* ``csv`` and ``px``: :mod:`bkanalysis.ingest.textfiles`.

The grid types (:class:`~bkanalysis.ingest.grid.Cell`, ``SheetGrid``, ``a1``) live in
:mod:`bkanalysis.ingest.grid` and are re-exported here.

Contract for adapters: rows and columns are 0-based; ``cells`` holds only non-empty
cells (``None``/``''`` values are left out unless the cell is an error or a formula
without cached value); text is stored as found (the layer above normalises to NFC);
``merged`` lists inclusive ``(first_row, first_col, last_row, last_col)`` ranges whose
value sits in the top-left cell.
"""

from __future__ import annotations

import datetime as _dt
import html
import os
import re
import zipfile
from pathlib import Path

import xlrd
from python_calamine import CalamineWorkbook, SheetTypeEnum

from bkanalysis.errors import UnreadableFileError

from .grid import Cell, SheetGrid, a1
from .html_tables import read_html_grids
from .textfiles import read_csv_grids, read_px_grids

__all__ = ["Cell", "SheetGrid", "a1", "is_percent_format", "load_workbook_grids"]


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


def is_percent_format(code: str) -> bool:
    """Tell whether the Excel number format *code* shows values as percentages.

    Examples
    --------
    >>> is_percent_format("0.0%"), is_percent_format('0.0"%"'), is_percent_format("General")
    (True, False, False)
    """
    if not code:
        return False
    return "%" in _QUOTED.sub("", code)


def load_workbook_grids(
    path: str | os.PathLike, kind: str, *, xml_parts: dict[str, bytes] | None = None
) -> list[SheetGrid]:
    """Load every worksheet of *path* (already sniffed as *kind*) as a :class:`SheetGrid`.

    Parameters
    ----------
    path : path-like
        The workbook (opened read-only, never written).
    kind : {'xlsx', 'xls', 'ods', 'html', 'csv', 'px'}
        What :func:`bkanalysis.ingest.sniff.sniff` said the file is.
    xml_parts : dict of str to bytes, optional
        An xlsx's XML parts as :func:`bkanalysis.ingest.sniff.sniff_workbook` decompressed
        and checked them (read instead of the zip when they hold every sheet).

    Raises
    ------
    UnreadableFileError
        If the file cannot be parsed.
    """
    path = Path(path)
    try:
        if kind == "xlsx":
            return _load_xlsx(path, xml_parts)
        if kind == "xls":
            return _load_xls(path)
        if kind == "ods":
            return _load_calamine(path, xml=None)
        if kind == "csv":
            return read_csv_grids(path)
        if kind == "px":
            return read_px_grids(path)
        if kind == "html":
            return read_html_grids(path)
    except UnreadableFileError:
        raise
    except Exception as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UnreadableFileError(path, f"cannot parse {kind} workbook ({msg})") from None
    raise ValueError(f"unknown workbook kind {kind!r}")


# --------------------------------------------------------------------------- xlsx


def _load_xlsx(path: Path, parts: dict[str, bytes] | None) -> list[SheetGrid]:
    if parts is not None:
        # the XML parts sniff already decompressed (and checked): no second pass over the zip
        xml = _XlsxXml(_PartsZip(parts), set(parts))
        if all(p in parts for p in xml.sheet_paths.values()):
            return _load_calamine(path, xml=xml)
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        xml = _XlsxXml(zf, names)
        return _load_calamine(path, xml=xml)


_SHEET_RE = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)/?>")
_ATTR_RE = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')
_REL_RE = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)/?>")
_NUMFMT_RE = re.compile(rb"<(?:\w+:)?numFmt\b([^>]*)/?>")
_CELLXFS_RE = re.compile(rb"<(?:\w+:)?cellXfs\b.*?</(?:\w+:)?cellXfs>", re.S)
_XF_RE = re.compile(rb"<(?:\w+:)?xf\b([^>]*?)/?>")
_CELL_RE = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_F_RE = re.compile(rb"<(?:\w+:)?f\b")
_ERR_ATTR_RE = re.compile(rb't\s*=\s*"e"')
_CELL_TAG_RE = re.compile(rb"<(\w+:)?c[\s/>]")
_TAG_END = (b" ", b"\t", b"\n", b"\r", b">", b"/")
_V_RE = re.compile(rb"<(?:\w+:)?v\b[^>]*>(.*?)</(?:\w+:)?v>", re.S)
_REF_RE = re.compile(r"([A-Z]+)(\d+)")
_BUILTIN_PERCENT = {9: "0%", 10: "0.00%"}


def _attrs(blob: bytes) -> dict[str, str]:
    return {
        k.decode().split(":")[-1] if k.decode() != "r:id" else "r:id": html.unescape(v.decode())
        for k, v in _ATTR_RE.findall(blob)
    }


class _PartsZip:
    """The ``read`` of a :class:`zipfile.ZipFile` over already decompressed members."""

    def __init__(self, parts: dict[str, bytes]):
        self.parts = parts

    def read(self, name: str) -> bytes:
        return self.parts[name]


class _XlsxXml:
    """What the sheet XML says that calamine does not: styles, errors, uncached formulas."""

    def __init__(self, zf: zipfile.ZipFile, names: set[str]):
        self.zf = zf
        self.names = names
        self.sheet_paths = _sheet_paths(
            self._read("xl/_rels/workbook.xml.rels"), self._read("xl/workbook.xml")
        )
        self.formats, self._pct_styles = _formats(self._read("xl/styles.xml"))

    def _read(self, name: str) -> bytes:
        return self.zf.read(name) if name in self.names else b""

    def overrides(self, sheet: str) -> dict[tuple[int, int], tuple[str, str | None, bool, bool]]:
        """Return (row, col) -> (number_format, error_text, is_formula, has_cached).

        Only the cells that need it are parsed: those whose style is a percent format, error
        cells and formula cells are found by scanning the sheet bytes for ``s="…"``,
        ``t="e"`` and ``<f``; a sheet with none of them costs three byte searches.
        """
        data = self._read(self.sheet_paths.get(sheet, ""))
        scans = self._scans(data) if data else []
        m = _CELL_TAG_RE.search(data) if scans else None
        if m is None:
            return {}
        tag = b"<" + (m.group(1) or b"") + b"c"  # the cell tag, with the sheet's prefix
        out = {}
        done = set()
        for start, pos in sorted(_tag_starts(data, tag, scans)):
            if start in done:
                continue
            cm = _CELL_RE.match(data, start)
            if cm is None or pos >= cm.end():
                continue
            done.add(start)
            found = self._override(cm.group(1), cm.group(2))
            if found is not None:
                out[found[0]] = found[1]
        return out

    def _scans(self, data: bytes) -> list[re.Pattern[bytes]]:
        """Return the patterns that find the cells worth parsing in a sheet's XML."""
        scans = []
        if self._pct_styles:
            ids = b"|".join(sorted(self._pct_styles))
            scans.append(re.compile(rb's\s*=\s*"(?:' + ids + rb')"'))
        # byte searches first: a regular expression without a literal start is slow
        if b'"e"' in data and _ERR_ATTR_RE.search(data):
            scans.append(_ERR_ATTR_RE)
        if (b"<f" in data or b":f" in data) and _F_RE.search(data):
            scans.append(_F_RE)
        return scans

    def _override(self, attrs_blob: bytes, inner: bytes | None):
        """Return ``((row, col), (format, error, is_formula, cached))`` of one ``<c>`` element.

        None when the cell needs no override (no percent style, no error, no formula) or
        has no readable reference.
        """
        a = dict(_ATTR_RE.findall(attrs_blob))
        style = a.get(b"s")
        is_err = a.get(b"t") == b"e"
        is_formula = bool(inner) and _F_RE.search(inner) is not None
        if not (is_err or is_formula or (style in self._pct_styles)):
            return None
        rm = _REF_RE.match(a.get(b"r", b"").decode())
        if not rm:
            return None
        cell_pos = (int(rm.group(2)) - 1, _col_index(rm.group(1)))
        vm = _V_RE.search(inner or b"")
        cached = vm is not None and vm.group(1).strip() != b""
        fmt = (
            self.formats[int(style)] if style is not None and int(style) < len(self.formats) else ""
        )
        err = None
        if is_err:
            err = html.unescape(vm.group(1).decode()) if cached else "#ERROR"
        return cell_pos, (fmt, err, is_formula, cached)


def _tag_starts(data: bytes, tag: bytes, scans) -> set[tuple[int, int]]:
    """Return ``(start of the enclosing cell tag, hit)`` for every hit of *scans* in *data*."""
    starts = set()
    for scan in scans:
        for hit in scan.finditer(data):
            pos = hit.start()
            start = data.rfind(tag, 0, pos)
            # <c is also the start of <col, <cfRule …: step back to a real cell tag
            while start >= 0 and data[start + len(tag) : start + len(tag) + 1] not in _TAG_END:
                start = data.rfind(tag, 0, start)
            if start >= 0:
                starts.add((start, pos))
    return starts


def _sheet_paths(rels_xml: bytes, workbook_xml: bytes) -> dict[str, str]:
    """Return sheet name -> path of its XML part (from ``workbook.xml`` and its rels)."""
    rels = {}
    for blob in _REL_RE.findall(rels_xml):
        a = _attrs(blob)
        target = a.get("Target", "")
        if target.startswith("/"):
            target = target[1:]
        elif not target.startswith("xl/"):
            target = "xl/" + target
        rels[a.get("Id", "")] = target
    out = {}
    for blob in _SHEET_RE.findall(workbook_xml):
        raw = {k.decode(): html.unescape(v.decode()) for k, v in _ATTR_RE.findall(blob)}
        rid = next((v for k, v in raw.items() if k.endswith(":id")), None)
        if "name" in raw and rid in rels:
            out[raw["name"]] = rels[rid]
    return out


def _formats(styles: bytes) -> tuple[tuple[str, ...], frozenset[bytes]]:
    """Return the number format of each cell style of ``styles.xml`` and the percent styles."""
    custom = {}
    for blob in _NUMFMT_RE.findall(styles):
        a = _attrs(blob)
        if "numFmtId" in a:
            custom[int(a["numFmtId"])] = a.get("formatCode", "")
    out = []
    block = _CELLXFS_RE.search(styles)
    if block:
        for blob in _XF_RE.findall(block.group(0)[8:]):
            a = _attrs(blob)
            fid = int(a.get("numFmtId", "0") or 0)
            out.append(custom.get(fid, _BUILTIN_PERCENT.get(fid, "")))
    pct = frozenset(str(i).encode() for i, f in enumerate(out) if is_percent_format(f))
    return tuple(out), pct


def _load_calamine(path: Path, xml: _XlsxXml | None) -> list[SheetGrid]:
    grids = []
    wb = CalamineWorkbook.from_path(str(path))
    try:
        for meta in wb.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet:
                continue
            sheet = wb.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
            over = xml.overrides(meta.name) if xml is not None else {}
            new = tuple.__new__  # Cell(v) without the Python-level __new__ frame
            cells = {
                (r, c): new(Cell, (v, "", False, False, True, False))
                for r, row in enumerate(rows)
                for c, v in enumerate(row)
                if v is not None and v != ""
            }
            for pos, (fmt, err, is_formula, cached) in over.items():
                if pos in cells:
                    cells[pos] = _make(cells[pos].value, fmt, err, is_formula, cached)
            for pos, (fmt, err, is_formula, cached) in over.items():
                if pos not in cells and (err is not None or (is_formula and not cached)):
                    cells[pos] = _make(None, fmt, err, is_formula, cached)
            merged = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]
            grids.append(SheetGrid(meta.name, cells, merged))
    finally:
        wb.close()
    return grids


def _make(v, fmt, err, is_formula, cached) -> Cell:
    if err is not None:
        return Cell(err, fmt, False, is_formula, True, True)
    if is_formula and not cached:
        return Cell(None, fmt, False, True, False, False)
    pct = is_percent_format(fmt) and isinstance(v, (int, float)) and not isinstance(v, bool)
    return Cell(v, fmt, pct, is_formula, True, False)


# --------------------------------------------------------------------------- xls

_XLS_ERRORS = {
    0x00: "#NULL!",
    0x07: "#DIV/0!",
    0x0F: "#VALUE!",
    0x17: "#REF!",
    0x1D: "#NAME?",
    0x24: "#NUM!",
    0x2A: "#N/A",
}


def _load_xls(path: Path) -> list[SheetGrid]:
    try:
        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
        with_formats = True
    except NotImplementedError:  # pragma: no cover - formatting_info unsupported variant
        book = xlrd.open_workbook(str(path), on_demand=True)
        with_formats = False
    grids = []
    try:
        for idx in range(book.nsheets):
            sh = book.sheet_by_index(idx)
            cells = _xls_cells(book, sh, with_formats)
            merged = [(r0, c0, r1 - 1, c1 - 1) for r0, r1, c0, c1 in sh.merged_cells]
            grids.append(SheetGrid(sh.name, cells, merged))
            book.unload_sheet(idx)
    finally:
        book.release_resources()
    return grids


def _xls_cells(book, sh, with_formats: bool) -> dict[tuple[int, int], Cell]:
    """Return the non-empty cells of one xlrd sheet."""
    cells: dict[tuple[int, int], Cell] = {}
    for r in range(sh.nrows):
        for c in range(sh.ncols):
            ctype = sh.cell_type(r, c)
            if ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                continue
            fmt = ""
            if with_formats:
                f = book.format_map.get(book.xf_list[sh.cell_xf_index(r, c)].format_key)
                fmt = f.format_str if f is not None else ""
            cell = _xls_cell(book, ctype, sh.cell_value(r, c), fmt)
            if cell is not None:
                cells[(r, c)] = cell
    return cells


def _xls_cell(book, ctype: int, v, fmt: str) -> Cell | None:
    """Return the cell of an xlrd value of type *ctype* (None for empty text)."""
    if ctype == xlrd.XL_CELL_ERROR:
        return Cell(_XLS_ERRORS.get(v, "#ERROR"), fmt, is_error=True)
    if ctype == xlrd.XL_CELL_TEXT:
        return Cell(v, fmt) if v != "" else None
    if ctype == xlrd.XL_CELL_BOOLEAN:
        return Cell(bool(v), fmt)
    if ctype == xlrd.XL_CELL_DATE:
        try:
            d = xlrd.xldate_as_datetime(v, book.datemode)
        except Exception:  # a date out of Excel's range: the serial number as found
            d = v
        return Cell(d if isinstance(d, _dt.datetime) else v, fmt)
    num = int(v) if float(v).is_integer() else float(v)
    return Cell(num, fmt, is_percent_format(fmt))
