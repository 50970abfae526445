"""Read the tables of an HTML page saved as ``.xls`` (common from government websites).

Many Vietnamese statistics and department sites export "Excel" files that are really
HTML pages holding one or more ``<table>`` elements. :func:`parse_html_tables` turns each
table into a rectangular grid of cell texts with its merged ranges (from ``rowspan`` and
``colspan``), using only the standard library's :mod:`html.parser` (no network, no lxml).
:func:`read_html_grids` wraps the tables into the ingestion's in-memory grid type
(:class:`bkanalysis.ingest.cells.SheetGrid`), one grid per table, named ``Table 1``,
``Table 2``… in document order.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from bkanalysis.errors import UnreadableFileError

from .grid import Cell, SheetGrid
from .sniff import open_or_raise

__all__ = ["HtmlTable", "decode_html", "parse_html_tables", "read_html_grids", "read_html_tables"]

#: Refuse to lay out a single table larger than this many cells (a hostile colspan).
MAX_TABLE_CELLS = 5_000_000
#: Largest rowspan/colspan honoured (browsers cap colspan at 1000 and rowspan at 65534).
MAX_COLSPAN = 1000
MAX_ROWSPAN = 65534

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_WS = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")
_BLOCK_TAGS = {"br", "p", "div", "li", "tr"}
_SKIP_TAGS = {"script", "style", "head", "title", "template", "noscript"}


@dataclass
class HtmlTable:
    r"""One ``<table>``: a rectangular grid of cell values and its merged ranges.

    Attributes
    ----------
    rows
        ``rows[r][c]`` is the cell's text (NFC, whitespace collapsed, lines joined with
        ``\n``), a float when the cell carries an Excel ``x:num`` value, or ``None`` for an
        empty or covered cell. All rows have the same length.
    merged
        ``(first_row, first_col, last_row, last_col)``, 0-based and inclusive, for every
        cell spanning more than one row or column; its value sits in the top-left cell.
    caption
        The ``<caption>`` text, or ``""``.
    """

    rows: list[list[object]] = field(default_factory=list)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    caption: str = ""


def _clean(text: str) -> str:
    lines = (_WS.sub(" ", line).strip() for line in text.split("\n"))
    return unicodedata.normalize("NFC", "\n".join(line for line in lines if line))


def _span(value: str | None, limit: int) -> int:
    if not value:
        return 1
    m = re.match(r"\s*(\d+)", value)
    if not m:
        return 1
    n = int(m.group(1))
    return min(max(n, 1), limit)


class _Builder:
    """Collects the raw rows of one table, then lays them out on a grid."""

    def __init__(self) -> None:
        self.raw_rows: list[list[tuple[object, int, int]]] = []
        self.row: list[tuple[object, int, int]] | None = None
        self.cell: list[str] | None = None
        self.cell_attrs: dict[str, str | None] = {}
        self.caption: list[str] | None = None
        self.caption_text = ""

    def start_row(self) -> None:
        self.end_cell()
        self.end_row()
        self.row = []

    def end_row(self) -> None:
        self.end_cell()
        if self.row is not None:
            self.raw_rows.append(self.row)
            self.row = None

    def start_cell(self, attrs: dict[str, str | None]) -> None:
        self.end_cell()
        if self.row is None:
            self.row = []
        self.cell = []
        self.cell_attrs = attrs

    def end_cell(self) -> None:
        if self.cell is None:
            return
        text = _clean("".join(self.cell))
        value: object = text or None
        num = self.cell_attrs.get("x:num")
        if num:
            with contextlib.suppress(ValueError):
                value = float(num)
        rowspan = _span(self.cell_attrs.get("rowspan"), MAX_ROWSPAN)
        colspan = _span(self.cell_attrs.get("colspan"), MAX_COLSPAN)
        assert self.row is not None
        self.row.append((value, rowspan, colspan))
        self.cell = None

    def finish(self) -> HtmlTable:
        self.end_row()
        occupied: dict[tuple[int, int], object] = {}
        covered: set[tuple[int, int]] = set()
        merged: list[tuple[int, int, int, int]] = []
        width = 0
        height = len(self.raw_rows)
        for r, raw in enumerate(self.raw_rows):
            c = 0
            for value, rowspan, colspan in raw:
                while (r, c) in covered:
                    c += 1
                # rowspan=0 or spans beyond the table end are clipped to the table
                last_r = min(r + rowspan - 1, max(height - 1, r))
                last_c = c + colspan - 1
                if (last_r - r + 1) * (last_c - c + 1) > MAX_TABLE_CELLS:
                    raise ValueError(f"a cell spans {rowspan}x{colspan} cells")
                for rr in range(r, last_r + 1):
                    for cc in range(c, last_c + 1):
                        covered.add((rr, cc))
                occupied[(r, c)] = value
                if last_r > r or last_c > c:
                    merged.append((r, c, last_r, last_c))
                width = max(width, last_c + 1)
                c = last_c + 1
            if len(covered) > MAX_TABLE_CELLS:
                raise ValueError(f"the table has more than {MAX_TABLE_CELLS} cells")
        for _rr, cc in covered:
            width = max(width, cc + 1)
        rows = [[occupied.get((r, c)) for c in range(width)] for r in range(height)]
        return HtmlTable(rows=rows, merged=merged, caption=self.caption_text)


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[_Builder] = []
        self.done: list[tuple[int, HtmlTable]] = []
        self.order = 0
        self.skip = 0

    # tables may nest: each nested table is its own grid, its text stays out of the outer cell
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skip += 1
            return
        top = self.stack[-1] if self.stack else None
        if tag == "table":
            b = _Builder()
            b.order = self.order  # type: ignore[attr-defined]
            self.order += 1
            self.stack.append(b)
        elif top is None:
            return
        elif tag == "tr":
            top.start_row()
        elif tag in ("td", "th"):
            top.start_cell({k.lower(): v for k, v in attrs})
        elif tag == "caption":
            top.caption = []
        elif tag in _BLOCK_TAGS and top.cell is not None:
            top.cell.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            return
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip = max(self.skip - 1, 0)
            return
        if not self.stack:
            return
        top = self.stack[-1]
        if tag == "table":
            b = self.stack.pop()
            self.done.append((b.order, b.finish()))  # type: ignore[attr-defined]
        elif tag == "tr":
            top.end_row()
        elif tag in ("td", "th"):
            top.end_cell()
        elif tag == "caption" and top.caption is not None:
            top.caption_text = _clean("".join(top.caption))
            top.caption = None
        elif tag in _BLOCK_TAGS and top.cell is not None:
            top.cell.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skip or not self.stack:
            return
        top = self.stack[-1]
        if top.caption is not None:
            top.caption.append(data)
        elif top.cell is not None:
            top.cell.append(data.replace("\n", " "))

    def close(self) -> None:
        super().close()
        while self.stack:  # unclosed tables at end of file
            b = self.stack.pop()
            self.done.append((b.order, b.finish()))  # type: ignore[attr-defined]


def decode_html(data: bytes) -> str:
    """Decode an HTML page: BOM, then ``<meta charset>``, then UTF-8, then Windows-1258.

    Examples
    --------
    >>> decode_html('<meta charset="utf-8">Bắc Kạn'.encode())
    '<meta charset="utf-8">Bắc Kạn'
    """
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(enc, "replace")
    m = _META_CHARSET.search(data[:4096])
    if m:
        try:
            codecs.lookup(m.group(1).decode("ascii"))
            return data.decode(m.group(1).decode("ascii"), "replace")
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1258", "replace")


def parse_html_tables(html: str) -> list[HtmlTable]:
    """Every ``<table>`` of *html*, in document order, as :class:`HtmlTable` grids.

    Rows and columns that are entirely empty are kept (cell addresses stay faithful to the
    page); a table without any row is dropped.

    Examples
    --------
    >>> page = ('<table><tr><th rowspan="2">Huyện</th><th colspan="2">Năm</th></tr>'
    ...         '<tr><th>2020</th><th>2021</th></tr>'
    ...         '<tr><td>Ba Bể</td><td>1.234,5</td><td x:num="1300.25">1.300,25</td></tr></table>')
    >>> t = parse_html_tables(page)[0]
    >>> t.rows
    [['Huyện', 'Năm', None], [None, '2020', '2021'], ['Ba Bể', '1.234,5', 1300.25]]
    >>> t.merged
    [(0, 0, 1, 0), (0, 1, 0, 2)]
    """
    parser = _TableParser()
    parser.feed(html)
    parser.close()
    return [t for _, t in sorted(parser.done, key=lambda x: x[0]) if t.rows]


def read_html_tables(path: str | os.PathLike) -> list[HtmlTable]:
    """Read the tables of the HTML file at *path* (see :func:`parse_html_tables`)."""
    path = Path(path)
    with open_or_raise(path) as fh:
        data = fh.read()
    try:
        tables = parse_html_tables(decode_html(data))
    except ValueError as exc:
        raise UnreadableFileError(path, f"HTML table too large to lay out ({exc})") from None
    if not tables:
        raise UnreadableFileError(path, "an HTML page without a <table>, not a spreadsheet")
    return tables


def tables_to_grids(tables: list[HtmlTable]) -> list[SheetGrid]:
    """Wrap :class:`HtmlTable` objects into :class:`~bkanalysis.ingest.cells.SheetGrid` grids.

    Only non-empty cells are kept (the grid contract); merged ranges are carried over.

    Examples
    --------
    >>> g = tables_to_grids(parse_html_tables("<table><tr><td colspan=2>Năm</td></tr></table>"))[0]
    >>> g.name, g.value(0, 0), g.merged, g.max_col
    ('Table 1', 'Năm', [(0, 0, 0, 1)], 2)
    """
    grids = []
    for i, table in enumerate(tables, 1):
        cells = {
            (r, c): Cell(v)
            for r, row in enumerate(table.rows)
            for c, v in enumerate(row)
            if v is not None and v != ""
        }
        width = max((len(row) for row in table.rows), default=0)
        grids.append(SheetGrid(f"Table {i}", cells, list(table.merged), len(table.rows), width))
    return grids


def read_html_grids(path: str | os.PathLike) -> list[SheetGrid]:
    """Read every ``<table>`` of the HTML file at *path* as a ``SheetGrid`` (``Table 1``…).

    Raises
    ------
    UnreadableFileError
        If the file cannot be read or holds no table.
    """
    return tables_to_grids(read_html_tables(path))
