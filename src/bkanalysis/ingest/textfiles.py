"""CSV and PC-Axis (``.px``) files as sheet grids (DESIGN.md §4.5).

The statistics office's online tables are also exported as CSV (comma, semicolon or tab;
UTF-8, UTF-8 with BOM or UTF-16; one or two header lines) and as PC-Axis files. Both are
turned into one :class:`~bkanalysis.ingest.cells.SheetGrid` laid out like the office's
Excel export, so the same readers apply and provenance stays in A1 terms:

- a CSV file becomes one sheet named after the file (``dan_so.csv``); cell ``B5`` is the
  fifth line's second field. Fields stay text; the number readers decide (``96208,9`` or
  ``96208.9``) from the column's conventions as for text cells of a workbook.
- a PC-Axis file becomes one sheet named after the file: ``A1`` holds the ``TITLE``
  (with ``UNITS`` as ``(ĐVT: …)`` when the title lacks it; with a ``CONTVARIABLE``, each
  of its values carries its own ``UNITS("value")`` in parentheses), row 3 on the ``HEADING``
  variables (one header row per variable), then one row per combination of the ``STUB``
  variables (one label column per variable), the ``DATA`` values in the file's order.
  ``source_cell`` is the value's address in that rendering; missing-data symbols
  (``"."``, ``".."``, ``"..."``, ``"-"``) stay text and become rejects.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import math
import os
import re
import unicodedata
from pathlib import Path

from bkanalysis.errors import UnreadableFileError

from .grid import Cell, SheetGrid

__all__ = ["looks_like_px", "read_csv_grids", "read_px_grids"]

#: Read at most this many bytes of a text table.
MAX_TEXT_BYTES = 256 * 1024 * 1024
#: keywords every PC-Axis file of the office's PX-Web has near its start (two are enough)
_PX_KEYWORDS = re.compile(rb"(?:^|;)\s*(?:CHARSET|AXIS-VERSION|STUB|HEADING|DATA)\s*=", re.M)


def _decode(path: Path, data: bytes, *, px_codepage: str | None = None) -> str:
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return unicodedata.normalize("NFC", data[len(bom) :].decode(enc, "strict"))
    if data[:400].count(0) > 50:  # UTF-16 without BOM
        enc = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
        return unicodedata.normalize("NFC", data.decode(enc, "strict"))
    try:
        return unicodedata.normalize("NFC", data.decode("utf-8", "strict"))
    except UnicodeDecodeError:
        if px_codepage:
            try:
                return unicodedata.normalize("NFC", data.decode(px_codepage, "strict"))
            except (LookupError, UnicodeDecodeError):
                pass
        raise UnreadableFileError(
            path, "text file not in UTF-8 or UTF-16; save it again as CSV UTF-8"
        ) from None


def _read_bytes(path: Path) -> bytes:
    size = path.stat().st_size
    if size > MAX_TEXT_BYTES:
        raise UnreadableFileError(path, f"text table larger than {MAX_TEXT_BYTES >> 20} MB")
    return path.read_bytes()


def read_csv_grids(path: str | os.PathLike) -> list[SheetGrid]:
    r"""Read a CSV export as one sheet grid named after the file.

    The delimiter (``,``, ``;`` or tab) is the one that splits the lines most
    consistently, or the one an Excel ``sep=;`` first line names (that line is then left
    empty, so addresses stay the file's line numbers); quoted fields may hold delimiters
    and newlines.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_bytes("\ufeffĐịa phương;2020\nCẢ NƯỚC;97582,7\n".encode("utf-8"))
    >>> g = read_csv_grids(p)[0]
    >>> g.name, g.value(1, 0), g.value(1, 1)
    ('t.csv', 'CẢ NƯỚC', '97582,7')
    """
    path = Path(path)
    text = _decode(path, _read_bytes(path))
    hint = re.match(r"\s*sep=(.)\r?\n", text)
    if hint:  # Excel's delimiter line; the table starts on the next line (row 1 stays row 1)
        delim, text = hint.group(1), "\n" + text[hint.end() :]
    else:
        delim = _delimiter(text)
    cells: dict[tuple[int, int], Cell] = {}
    for r, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delim)):
        for c, field in enumerate(row):
            v = field.strip()
            if v:
                cells[(r, c)] = Cell(v)
    return [SheetGrid(path.name, cells)]


def _delimiter(text: str) -> str:
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    best, best_score = ",", -1.0
    for d in (",", ";", "\t"):
        counts = [len(next(csv.reader([ln], delimiter=d))) for ln in lines]
        if not counts or max(counts) < 2:
            continue
        common = max(set(counts), key=counts.count)
        score = counts.count(common) / len(counts) + 0.01 * common
        if score > best_score:
            best, best_score = d, score
    return best


def looks_like_px(head: bytes) -> bool:
    """Tell whether the start of a file is PC-Axis text (``KEYWORD=`` lines)."""
    view = head.replace(b"\x00", b"")
    return len(_PX_KEYWORDS.findall(view)) >= 2


#: one ``KEYWORD[lang]("variable")=`` entry of the PC-Axis grammar
_PX_ENTRY = re.compile(
    r'\s*([A-Z][A-Z0-9-]*)(?:\[([^\]]*)\])?(?:\(("(?:[^"]|"")*"(?:\s*,\s*"(?:[^"]|"")*")*)\))?\s*=',
    re.S,
)


def _px_entries(text: str) -> dict[tuple[str, str | None, str | None], str]:
    """Split PC-Axis text into ``(keyword, language, variable) -> raw value``."""
    out: dict[tuple[str, str | None, str | None], str] = {}
    i, n = 0, len(text)
    while i < n:
        m = _PX_ENTRY.match(text, i)
        if m is None:
            rest = text[i:].strip()
            if not rest:
                break
            raise ValueError(f"PC-Axis syntax near {rest[:30]!r}")
        kw, lang, var = m.group(1), m.group(2), m.group(3)
        j = m.end()
        if kw == "DATA":
            end = text.find(";", j)
            value = text[j : end if end >= 0 else n]
            out[(kw, None, None)] = value
            break
        # the value runs to the first ';' outside quotes
        k, inq = j, False
        while k < n:
            ch = text[k]
            if ch == '"':
                inq = not inq
            elif ch == ";" and not inq:
                break
            k += 1
        out[(kw, lang, var.strip('"') if var else None)] = text[j:k].strip()
        i = k + 1
    return out


def _px_strings(raw: str) -> list[str]:
    """Return the quoted strings of a PC-Axis value (adjacent strings on several lines join)."""
    items, cur, inq, seen = [], [], False, False
    k = 0
    while k < len(raw):
        ch = raw[k]
        if inq:
            if ch == '"':
                inq = False
            else:
                cur.append(ch)
        elif ch == '"':
            inq, seen = True, True
        elif ch == ",":
            items.append("".join(cur))
            cur, seen = [], False
        k += 1
    if seen or cur:
        items.append("".join(cur))
    return [" ".join(x.split()) for x in items]


def read_px_grids(path: str | os.PathLike) -> list[SheetGrid]:
    r"""Read a PC-Axis file as one sheet grid in the office's Excel-export layout.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.px"
    >>> _ = p.write_text('CHARSET="ANSI";\nTITLE="Dân số trung bình";\nUNITS="Nghìn người";\n'
    ...     'STUB="Địa phương";\nHEADING="Năm";\nVALUES("Địa phương")="CẢ NƯỚC","Bắc Kạn";\n'
    ...     'VALUES("Năm")="2019","2020";\nDATA=\n96484 97583\n314.4 "..";\n', encoding="utf-8")
    >>> g = read_px_grids(p)[0]
    >>> g.value(0, 0), g.value(2, 1), g.value(4, 0), g.value(4, 2)
    ('Dân số trung bình (ĐVT: Nghìn người)', '2019', 'Bắc Kạn', '..')
    """
    path = Path(path)
    entries = _px_file_entries(path)
    stub = _px_strings(_px_get(entries, "STUB") or "")
    heading = _px_strings(_px_get(entries, "HEADING") or "")
    if not heading and not stub:
        raise UnreadableFileError(path, "PC-Axis file without STUB or HEADING")
    values = _px_values(path, entries, stub + heading)
    tokens = _px_data(_px_get(entries, "DATA") or "")
    n_rows = math.prod(len(values[var]) for var in stub)
    n_cols = math.prod(len(values[var]) for var in heading)
    if len(tokens) != n_rows * n_cols:
        raise UnreadableFileError(
            path, f"PC-Axis DATA holds {len(tokens)} values, expected {n_rows} × {n_cols}"
        )
    title = _px_title(entries)
    cells = {(0, 0): Cell(title)} if title else {}
    cells.update(_px_cells(stub, heading, values, tokens))
    return [SheetGrid(path.name, cells)]


def _px_file_entries(path: Path) -> dict[tuple[str, str | None, str | None], str]:
    """Decode a PC-Axis file (its ``CODEPAGE``, else Windows-1258) and split its entries."""
    data = _read_bytes(path)
    head = data[:4096].decode("latin-1")
    cp = re.search(r'CODEPAGE\s*=\s*"([^"]+)"', head)
    text = _decode(path, data, px_codepage=cp.group(1) if cp else "cp1258")
    try:
        return _px_entries(text)
    except ValueError as exc:
        raise UnreadableFileError(path, f"not a readable PC-Axis file ({exc})") from None


def _px_get(entries: dict, kw: str, var: str | None = None) -> str | None:
    """Return the raw value of keyword *kw* (of variable *var*) in the default language."""
    for (k, lang, v), value in entries.items():
        if k == kw and lang is None and v == var:
            return value
    return None


def _px_values(path: Path, entries: dict, variables: list[str]) -> dict[str, list[str]]:
    """Return the values of each variable, a content variable's with their units.

    One unit per value of the content variable: ``UNITS("Dân số trung bình")="Nghìn
    người"`` makes the value ``Dân số trung bình (Nghìn người)``.
    """
    values = {}
    for var in variables:
        raw = _px_get(entries, "VALUES", var)
        if raw is None:
            raise UnreadableFileError(path, f"PC-Axis file: no VALUES for '{var}'")
        values[var] = _px_strings(raw)
    cont = " ".join(_px_strings(_px_get(entries, "CONTVARIABLE") or ""))
    for i, v in enumerate(values.get(cont, [])):
        unit = " ".join(_px_strings(_px_get(entries, "UNITS", v) or ""))
        if unit and unit.lower() not in v.lower():
            values[cont][i] = f"{v} ({unit})"
    return values


def _px_title(entries: dict) -> str:
    """Return the title (``TITLE``, else ``CONTENTS``) with the units as ``(ĐVT: …)``."""
    title = " ".join(_px_strings(_px_get(entries, "TITLE") or "")) or " ".join(
        _px_strings(_px_get(entries, "CONTENTS") or "")
    )
    units = " ".join(_px_strings(_px_get(entries, "UNITS") or ""))
    if units and units.lower() not in title.lower():
        title = f"{title} (ĐVT: {units})" if title else f"ĐVT: {units}"
    return title


def _px_cells(
    stub: list[str], heading: list[str], values: dict[str, list[str]], tokens: list[str]
) -> dict[tuple[int, int], Cell]:
    """Lay out the cells as the office's Excel export: header rows from row 3, then the data.

    One header row per heading variable, each value repeated over the columns it spans;
    one label column per stub variable, a label written when it changes.
    """
    cells: dict[tuple[int, int], Cell] = {}
    n_cols = math.prod(len(values[var]) for var in heading)
    top = 2
    left = max(len(stub), 1)
    for h, var in enumerate(heading):
        span = math.prod(len(values[later]) for later in heading[h + 1 :])
        for j in range(n_cols):
            cells[(top + h, left + j)] = Cell(values[var][(j // span) % len(values[var])])
    first = top + len(heading)
    combos = list(itertools.product(*(values[v] for v in stub))) if stub else [()]
    prev: tuple = ()
    for i, combo in enumerate(combos):
        r = first + i
        for s, label in enumerate(combo):
            if i == 0 or combo[: s + 1] != prev[: s + 1]:
                cells[(r, s)] = Cell(label)
        prev = combo
        for j in range(n_cols):
            cells[(r, left + j)] = Cell(tokens[i * n_cols + j])
    return cells


def _px_data(raw: str) -> list[str]:
    out = []
    for m in re.finditer(r'"([^"]*)"|([^\s,;"]+)', raw):
        out.append(m.group(1) if m.group(1) is not None else m.group(2))
    return out
