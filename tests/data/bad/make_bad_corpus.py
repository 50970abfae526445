"""Generate the bad-input corpus of ``tests/data/bad/`` (the generated files are committed).

Run from the repository root::

    .venv/bin/python tests/data/bad/make_bad_corpus.py

Every workbook is written from raw OOXML parts with fixed zip timestamps, so the output is
byte-identical from run to run -- except ``encrypted.xlsx``, whose salt is random; it is only
regenerated when ``msoffcrypto-tool`` (a generator-only tool, not a dependency of
bkanalysis) is importable, otherwise the committed file is kept.

Each file holds one kind of trouble that researchers meet in ``data/raw/``:

==========================  =====================================================================
file                        trouble
==========================  =====================================================================
empty_workbook.xlsx         a valid workbook whose only sheet is empty
truncated.xlsx              the first half of a valid workbook (interrupted download)
crc_corrupt.xlsx            a valid workbook with one byte of a compressed sheet flipped
text_renamed.xlsx           a CSV file renamed ``.xlsx``
pdf_renamed.xlsx            a PDF renamed ``.xlsx``
not_a_workbook.xlsx         a zip archive (a Word document) renamed ``.xlsx``
html_table.xls              an HTML yearbook table saved as ``.xls`` (should be read)
html_no_table.xls           an HTML error page saved as ``.xls``
encrypted.xlsx              a password-protected workbook (password ``bkanalysis``)
memo_sheet.xlsx             a sheet holding only a memo (no table)
error_cells.xlsx            ``#REF!``, ``#VALUE!``, ``#DIV/0!`` cells among good numbers
formula_no_cache.xlsx       formulas without a cached value among good numbers
very_wide.xlsx              an areas x measures table 2,000 columns wide
very_long.xlsx              a communes x measures table 20,000 rows long
zip_bomb.xlsx               a sheet part that expands to 210 MB of blanks
billion_laughs.xlsx         an XML entity expansion ("billion laughs") in sharedStrings.xml
==========================  =====================================================================
"""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
DATE = (2024, 1, 1, 0, 0, 0)

DISTRICTS = [
    ("Thành phố Bắc Kạn - Bac Kan city", [3420.5, 3431.2, 3440.0, 3452.8]),
    ("Huyện Pác Nặm - Pac Nam district", [30112.4, 30250.1, 30301.7, 30410.0]),
    ("Huyện Ba Bể - Ba Be district", [50321.0, 50402.6, 50510.3, 50633.9]),
    ("Huyện Ngân Sơn - Ngan Son district", [52110.8, 52200.0, 52316.4, 52400.2]),
    ("Huyện Bạch Thông - Bach Thong district", [44120.3, 44201.7, 44300.9, 44380.0]),
    ("Huyện Chợ Đồn - Cho Don district", [71400.2, 71512.6, 71600.1, 71705.5]),
    ("Huyện Chợ Mới - Cho Moi district", [45220.7, 45310.0, 45402.2, 45500.8]),
    ("Huyện Na Rì - Na Ri district", [70310.5, 70420.3, 70511.9, 70620.4]),
]
YEARS = ["2019", "2020", "2021", "Sơ bộ - Prel. 2022"]


# --------------------------------------------------------------------------- OOXML writer


def col_letter(idx: int) -> str:
    """1-based column index to letters (1 -> A, 27 -> AA)."""
    out = ""
    while idx:
        idx, rem = divmod(idx - 1, 26)
        out = chr(65 + rem) + out
    return out


class Sheet:
    """Cells of one sheet: ``{(row, col): cell}`` where a cell is a value or a raw dict."""

    def __init__(self, name: str):
        self.name = name
        self.cells: dict[tuple[int, int], object] = {}

    def set(self, row: int, col: int, value) -> None:
        self.cells[(row, col)] = value


def _cell_xml(ref: str, value, strings: dict[str, int]) -> str:
    if isinstance(value, dict):  # raw: {"t": "e", "v": "#REF!"} or {"f": "SUM(..)"}
        t = f' t="{value["t"]}"' if "t" in value else ""
        f = f"<f>{escape(value['f'])}</f>" if "f" in value else ""
        v = f"<v>{escape(str(value['v']))}</v>" if "v" in value else ""
        return f'<c r="{ref}"{t}>{f}{v}</c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    idx = strings.setdefault(str(value), len(strings))
    return f'<c r="{ref}" t="s"><v>{idx}</v></c>'


def sheet_xml(sheet: Sheet, strings: dict[str, int]) -> str:
    rows: dict[int, list[tuple[int, object]]] = {}
    for (r, c), v in sheet.cells.items():
        rows.setdefault(r, []).append((c, v))
    parts = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<sheetData>"
    ]
    for r in sorted(rows):
        cells = "".join(
            _cell_xml(f"{col_letter(c)}{r}", v, strings)
            for c, v in sorted(rows[r], key=lambda x: x[0])
        )
        parts.append(f'<row r="{r}">{cells}</row>')
    parts.append("</sheetData></worksheet>")
    return "".join(parts)


def shared_strings_xml(strings: dict[str, int]) -> str:
    items = "".join(
        f'<si><t xml:space="preserve">{escape(s)}</t></si>'
        for s, _ in sorted(strings.items(), key=lambda kv: kv[1])
    )
    n = len(strings)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{n}" uniqueCount="{n}">{items}</sst>'
    )


STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def workbook_parts(sheets: list[Sheet], *, shared_strings: str | None = None) -> dict[str, bytes]:
    """The parts of a minimal valid .xlsx holding *sheets* (shared strings optional override)."""
    strings: dict[str, int] = {}
    sheet_parts = {
        f"xl/worksheets/sheet{i}.xml": sheet_xml(s, strings) for i, s in enumerate(sheets, 1)
    }
    ct_sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        f"{ct_sheets}"
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        "</Types>"
    )
    root_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    )
    wb_sheets = "".join(
        f'<sheet name="{escape(s.name)}" sheetId="{i}" r:id="rId{i}"/>'
        for i, s in enumerate(sheets, 1)
    )
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f"<sheets>{wb_sheets}</sheets></workbook>"
    )
    n = len(sheets)
    wb_rels_items = "".join(
        f'<Relationship Id="rId{i}" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        f'Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, n + 1)
    )
    wb_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{wb_rels_items}"
        f'<Relationship Id="rId{n + 1}" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
        'Target="styles.xml"/>'
        f'<Relationship Id="rId{n + 2}" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
        'Target="sharedStrings.xml"/></Relationships>'
    )
    parts = {
        "[Content_Types].xml": content_types,
        "_rels/.rels": root_rels,
        "xl/workbook.xml": workbook,
        "xl/_rels/workbook.xml.rels": wb_rels,
        "xl/styles.xml": STYLES,
        **sheet_parts,
        "xl/sharedStrings.xml": shared_strings
        if shared_strings is not None
        else shared_strings_xml(strings),
    }
    return {k: v.encode("utf-8") for k, v in parts.items()}


def zip_bytes(parts: dict[str, bytes]) -> bytes:
    """Deterministic zip of *parts* (fixed timestamps, given order)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data, compresslevel=9)
    return buf.getvalue()


def write_xlsx(path: Path, sheets: list[Sheet], **kw) -> bytes:
    data = zip_bytes(workbook_parts(sheets, **kw))
    path.write_bytes(data)
    return data


# --------------------------------------------------------------------------- content


def forest_table(name: str = "Biểu 01") -> Sheet:
    """A clean areas x years yearbook table (forest area by district, ha)."""
    s = Sheet(name)
    s.set(1, 1, "Diện tích rừng phân theo huyện - Forest area by district")
    s.set(2, 1, "Đơn vị tính - Unit: Ha")
    for j, y in enumerate(YEARS, 2):
        s.set(3, j, int(y) if y.isdigit() else y)
    s.set(4, 1, "TỔNG SỐ - TOTAL")
    for j in range(4):
        s.set(4, j + 2, round(sum(v[j] for _, v in DISTRICTS), 1))
    for i, (label, values) in enumerate(DISTRICTS, 5):
        s.set(i, 1, label)
        for j, v in enumerate(values, 2):
            s.set(i, j, v)
    return s


def make_empty(out: Path) -> None:
    write_xlsx(out / "empty_workbook.xlsx", [Sheet("Sheet1")])


def make_truncated_and_crc(out: Path) -> None:
    good = zip_bytes(workbook_parts([forest_table()]))
    (out / "truncated.xlsx").write_bytes(good[: len(good) // 2])
    # flip one byte inside the compressed sheet data (local header is 30 bytes + name)
    bad = bytearray(good)
    name = b"xl/worksheets/sheet1.xml"
    pos = good.index(name) + len(name) + 40
    bad[pos] ^= 0x5A
    (out / "crc_corrupt.xlsx").write_bytes(bytes(bad))


def make_renamed(out: Path) -> None:
    csv = "Huyện,Năm,Diện tích rừng (ha)\nHuyện Ba Bể,2020,50402.6\nHuyện Na Rì,2020,70420.3\n"
    (out / "text_renamed.xlsx").write_bytes(csv.encode("utf-8"))
    pdf = (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )
    (out / "pdf_renamed.xlsx").write_bytes(pdf)
    docx = {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "word/document.xml": b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>',
    }
    (out / "not_a_workbook.xlsx").write_bytes(zip_bytes(docx))


def make_html(out: Path) -> None:
    head = (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">\n'
        '<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        "<title>Niên giám thống kê</title></head>\n<body>\n"
    )
    rows = [
        '<tr><td colspan="5"><b>Diện tích rừng phân theo huyện - Forest area by district</b></td></tr>',
        '<tr><td colspan="5" align="right">Đơn vị tính - Unit: Ha</td></tr>',
        '<tr><th rowspan="2"></th><th rowspan="2">2019</th><th rowspan="2">2020</th>'
        '<th rowspan="2">2021</th><th>Sơ bộ</th></tr>',
        "<tr><th>Prel. 2022</th></tr>",
    ]

    def vn(x: float) -> str:  # Vietnamese number text: 50.402,6
        whole, frac = f"{x:.1f}".split(".")
        return f"{int(whole):,}".replace(",", ".") + "," + frac

    total = [round(sum(v[j] for _, v in DISTRICTS), 1) for j in range(4)]
    rows.append(
        "<tr><td>TỔNG SỐ - TOTAL</td>" + "".join(f"<td>{vn(x)}</td>" for x in total) + "</tr>"
    )
    for label, values in DISTRICTS:
        rows.append(
            f"<tr><td>{escape(label)}</td>" + "".join(f"<td>{vn(x)}</td>" for x in values) + "</tr>"
        )
    table = '<table border="1">\n' + "\n".join(rows) + "\n</table>\n"
    note = "<p>Nguồn: Cục Thống kê tỉnh Bắc Kạn</p>\n"
    (out / "html_table.xls").write_bytes((head + table + note + "</body></html>\n").encode("utf-8"))
    page = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Lỗi</title></head>\n'
        "<body><h1>Không tìm thấy trang</h1><p>Phiên làm việc đã hết hạn, vui lòng đăng nhập "
        "lại để tải tệp.</p></body></html>\n"
    )
    (out / "html_no_table.xls").write_bytes(page.encode("utf-8"))


def make_encrypted(out: Path) -> None:
    target = out / "encrypted.xlsx"
    try:
        from msoffcrypto.format.ooxml import OOXMLFile
    except ImportError as exc:
        if target.exists():
            print("msoffcrypto-tool not importable: keeping the committed encrypted.xlsx")
            return
        raise SystemExit(
            "encrypted.xlsx needs msoffcrypto-tool: pip install --target /tmp/mso msoffcrypto-tool"
        ) from exc
    plain = io.BytesIO(zip_bytes(workbook_parts([forest_table()])))
    enc = io.BytesIO()
    OOXMLFile(plain).encrypt("bkanalysis", enc)
    target.write_bytes(enc.getvalue())


def make_memo(out: Path) -> None:
    s = Sheet("Ghi chú")
    s.set(1, 1, "GHI CHÚ")
    s.set(2, 1, "Số liệu năm 2022 là số liệu sơ bộ, sẽ được cập nhật khi có số chính thức.")
    s.set(3, 1, "Đề nghị các phòng ban gửi báo cáo trước ngày 15/01/2023.")
    s.set(5, 1, "Người lập biểu")
    s.set(5, 4, "Thủ trưởng đơn vị")
    write_xlsx(out / "memo_sheet.xlsx", [s])


def make_error_cells(out: Path) -> None:
    s = forest_table()
    s.set(5, 3, {"t": "e", "v": "#REF!"})  # Bắc Kạn 2020
    s.set(7, 4, {"t": "e", "v": "#VALUE!", "f": "C7*'Sheet 2'!B2"})  # Ba Bể 2021
    s.set(10, 2, {"t": "e", "v": "#DIV/0!", "f": "B9/0"})  # Chợ Đồn 2019
    write_xlsx(out / "error_cells.xlsx", [s])


def make_formula_no_cache(out: Path) -> None:
    s = forest_table()
    for j in range(2, 6):
        c = col_letter(j)
        s.set(4, j, {"f": f"SUM({c}5:{c}12)"})  # the TOTAL row: formulas never calculated
    write_xlsx(out / "formula_no_cache.xlsx", [s])


def make_wide(out: Path, ncols: int = 2000) -> None:
    s = Sheet("Rộng")
    s.set(1, 1, "Diện tích rừng phân theo huyện - Forest area by district")
    s.set(2, 1, "Đơn vị tính - Unit: Ha")
    for j in range(2, ncols + 2):
        s.set(3, j, f"Chỉ tiêu {j - 1}")
    for i, (label, values) in enumerate(DISTRICTS, 4):
        s.set(i, 1, label)
        for j in range(2, ncols + 2):
            s.set(i, j, round(values[0] + j * 0.1, 1))
    write_xlsx(out / "very_wide.xlsx", [s])


def make_long(out: Path, nrows: int = 20_000) -> None:
    s = Sheet("Dài")
    s.set(1, 1, "Kết quả thực hiện tiêu chí nông thôn mới các xã năm 2021")
    s.set(3, 1, "STT")
    s.set(3, 2, "Xã")
    s.set(3, 3, "Số tiêu chí đạt")
    s.set(3, 4, "Năm đạt chuẩn")
    for i in range(nrows):
        r = i + 4
        s.set(r, 1, i + 1)
        s.set(r, 2, f"Xã Số {i + 1:05d}")
        s.set(r, 3, 5 + (i * 7) % 15)
        s.set(r, 4, 2015 + i % 7)
    write_xlsx(out / "very_long.xlsx", [s])


def make_zip_bomb(out: Path, blank_mb: int = 210) -> None:
    """A workbook whose sheet part is valid XML padded with *blank_mb* MB of spaces."""
    parts = workbook_parts([forest_table()])
    sheet = parts.pop("xl/worksheets/sheet1.xml")
    head, tail = sheet.split(b"<sheetData>", 1)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data, compresslevel=9)
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml", date_time=DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        info.file_size = len(head) + len(tail) + 11 + blank_mb * 2**20
        with zf.open(info, "w", force_zip64=True) as member:
            member.write(head + b"<sheetData>")
            block = b" " * 2**20
            for _ in range(blank_mb):
                member.write(block)
            member.write(tail)
    data = buf.getvalue()
    assert zlib.crc32(data) is not None
    (out / "zip_bomb.xlsx").write_bytes(data)


def make_billion_laughs(out: Path) -> None:
    lol = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
        "<!DOCTYPE sst [",
        '  <!ENTITY lol "lol">',
    ]
    for i in range(1, 10):
        prev = f"&lol{i - 1};" if i > 1 else "&lol;"
        lol.append(f'  <!ENTITY lol{i} "{prev * 10}">')
    lol.append("]>")
    strings: dict[str, int] = {}
    s = forest_table()
    sheet_xml(s, strings)  # collect the strings in order
    items = "".join(
        f"<si><t>{escape(x)}</t></si>" for x, _ in sorted(strings.items(), key=lambda kv: kv[1])
    )
    sst = (
        "\n".join(lol) + '\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{len(strings) + 1}" uniqueCount="{len(strings) + 1}">{items}'
        "<si><t>&lol9;</t></si></sst>"
    )
    write_xlsx(out / "billion_laughs.xlsx", [s], shared_strings=sst)


def main(out: Path = HERE) -> None:
    make_empty(out)
    make_truncated_and_crc(out)
    make_renamed(out)
    make_html(out)
    make_encrypted(out)
    make_memo(out)
    make_error_cells(out)
    make_formula_no_cache(out)
    make_wide(out)
    make_long(out)
    make_zip_bomb(out)
    make_billion_laughs(out)
    total = sum(p.stat().st_size for p in out.iterdir() if p.suffix in {".xlsx", ".xls"})
    print(f"wrote the bad-input corpus to {out} ({total / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
