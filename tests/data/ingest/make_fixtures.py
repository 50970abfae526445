"""Generate the ingestion fixture workbooks of tests/data/ingest/ (deterministic).

Run from the repository root:  ``python tests/data/ingest/make_fixtures.py``

Each workbook imitates the real layouts of DESIGN.md §4 and the quirks of
../shared/reference/yearbook_layouts.md (all numbers are invented). The generated files
are committed; the tests read them and never run this script. ``legacy.xls`` needs the
dev-time tool ``xlwt`` (``pip install xlwt``); the other files need only openpyxl.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment

HERE = Path(__file__).resolve().parent
FIXED_TIME = (2024, 1, 1, 0, 0, 0)


def _put(ws, ref, value, fmt=None):
    ws[ref] = value
    if fmt:
        ws[ref].number_format = fmt


def _rows(ws, start_row, rows, first_col=1):
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if v is not None:
                ws.cell(row=start_row + i, column=first_col + j, value=v)


def _save(wb, name, cached=None):
    """Save deterministically; *cached* maps (sheet title, cell) -> cached formula value."""
    wb.properties.creator = "bkanalysis fixtures"
    import datetime as dt

    wb.properties.created = wb.properties.modified = dt.datetime(*FIXED_TIME)
    path = HERE / name
    wb.save(path)
    if cached:
        _add_cached_values(path, wb, cached)
    _normalise_zip(path)
    return path


def _add_cached_values(path, wb, cached):
    """openpyxl writes formulas without a cached value: add <v> to the chosen cells."""
    titles = wb.sheetnames
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    for (sheet, ref), value in cached.items():
        member = f"xl/worksheets/sheet{titles.index(sheet) + 1}.xml"
        xml = members[member].decode("utf-8")
        pat = re.compile(rf'(<c r="{ref}"[^>]*>)(<f>.*?</f>)(<v\s*/>|<v></v>)?(</c>)')
        xml, n = pat.subn(lambda m, v=value: f"{m.group(1)}{m.group(2)}<v>{v}</v>{m.group(4)}", xml)
        assert n == 1, (sheet, ref)
        members[member] = xml.encode("utf-8")
    _write_zip(path, members)


def _normalise_zip(path):
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    core = members.get("docProps/core.xml")
    if core is not None:
        members["docProps/core.xml"] = re.sub(
            rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>2024-01-01T00:00:00Z\2", core
        )
    _write_zip(path, members)


def _write_zip(path, members):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n in sorted(members, key=lambda x: (x != "[Content_Types].xml", x)):
            info = zipfile.ZipInfo(n, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, members[n])


def nfd(s: str) -> str:
    return unicodedata.normalize("NFD", s)


# --------------------------------------------------------------------------- layout 1


def areas_years():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Bieu 1"
    # title block, unit line right-aligned, stacked "Sơ bộ / Prel. / 2023" header
    _put(ws, "A1", "Biểu 12")
    _put(ws, "A2", "Tỷ lệ che phủ rừng phân theo huyện/thành phố thuộc tỉnh")
    ws.merge_cells("A2:G2")
    _put(ws, "A3", "Forest cover rate by district")
    _put(ws, "G5", "Đơn vị tính - Unit: %")
    ws["G5"].alignment = Alignment(horizontal="right")
    _rows(
        ws,
        7,
        [
            [None, 2019, 2020, 2021, 2022, "Sơ bộ"],
            [None, None, None, None, None, "Prel."],
            [None, None, None, None, None, "2023"],
        ],
    )
    _rows(
        ws,
        11,
        [
            ["TỔNG SỐ - TOTAL", "72,9", "73,4*", "73,0", "73,1", "73,2"],
            ["Thành phố Bắc Kạn", None, None, None, None, None],
            ["Bac Kan city", "40,1", "40,5", "-", "41,0", "…"],
            [nfd("Huyện Pác Nặm - Pac Nam district"), "75,2", "75,4", "75,6", "75,8", "76,0"],
            ["Huyện Ba Bể", None, None, None, None, None],
            ["Ba Be district", "76,1", "76,3", "76,5", "76,7", "76,9"],
            ["Huyện Chợ Đồn - Cho Don district", "78,0", "78,2", "x", "78,6", "78,8"],
            ["Huyện Không Có - Nowhere district", "50,0", None, None, None, None],
        ],
    )
    _put(ws, "A19", "Ghi chú: Số liệu năm 2023 là sơ bộ.")
    _put(ws, "B21", "Người lập biểu")
    _put(ws, "E21", "Thủ trưởng đơn vị")
    _put(ws, "D23", 428)

    ws = wb.create_sheet("Bieu 2")
    # table A: population, English thousands separators, numbered districts, sub-region
    _put(ws, "A1", "Dân số trung bình phân theo huyện/thành phố thuộc tỉnh")
    _put(ws, "A2", "Average population by district")
    _put(ws, "A3", "ĐVT: Người - Unit: Person")
    _rows(
        ws,
        4,
        [
            ["", 2018, 2019],
            ["TỔNG SỐ - TOTAL", "313,084", "318,999"],
            ["I. Khu vực thành thị - Urban", "41,242", "41,662"],
            ["1. Thành phố Bắc Kạn", "41,242", "41,662"],
            ["II. Khu vực nông thôn - Rural", "271,842", "277,337"],
            ["2. Huyện Ba Bể", "47,672", "48,151"],
            ["Cộng", "319,756", "325,813"],
        ],
    )
    _put(ws, "A11", "Nguồn: Cục Thống kê tỉnh Bắc Kạn")
    # table B (same sheet): forest area in thousand ha, one-line bilingual labels
    _put(ws, "A14", "Diện tích rừng phân theo huyện")
    _put(ws, "A15", "Forest area by district")
    _put(ws, "A16", "Đơn vị tính - Unit: Nghìn ha")
    _rows(
        ws,
        17,
        [
            ["", "2020", "Sơ bộ - Prel. 2021"],
            ["TỔNG SỐ - TOTAL", "372,7", "373,0"],
            ["Huyện Ba Bể - Ba Be district", "49,1", "49,2"],
            ["Huyện Na Rì - Na Ri district", "74,5", "74,6"],
        ],
    )

    ws = wb.create_sheet("Bieu 3")
    _put(ws, "A1", "Diện tích trồng cây cam phân theo huyện")
    _put(ws, "A2", "Planted area of orange by district")
    _put(ws, "A3", "Đơn vị tính - Unit: Ha")
    _rows(ws, 5, [["", 2020, 2021], ["TỔNG SỐ - TOTAL", 53.0, 56.9], ["Huyện Ba Bể", 16.0, 17.0]])

    ws = wb.create_sheet("Bieu 4")
    _put(ws, "A1", "Diện tích rừng phân theo huyện")
    _put(ws, "A2", "Đơn vị tính: %")
    _rows(ws, 4, [["", 2020, 2021], ["TỔNG SỐ - TOTAL", 73.4, 73.5]])

    ws = wb.create_sheet("Bieu 5")
    # two tables side by side, different districts in the same rows
    _rows(
        ws,
        1,
        [
            [
                "Tỷ lệ che phủ rừng phân theo huyện",
                None,
                None,
                None,
                "Dân số trung bình phân theo huyện",
            ],
            ["Đơn vị tính: %", None, None, None, "ĐVT: Người"],
            [None, 2019, 2020, None, None, 2019, 2020],
            ["TỔNG SỐ", "72,1", "73,0", None, "TỔNG SỐ", 313084, 318999],
            ["Huyện Ba Bể", "70,0", "71,0", None, "Huyện Na Rì", 38000, 38500],
            ["Huyện Pác Nặm", "75,0", "-", None, "Huyện Chợ Mới", 39000, 39500],
        ],
    )
    return _save(wb, "areas_years.xlsx")


# --------------------------------------------------------------------------- layout 2


def years_measures():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Rung"
    _put(ws, "A1", "Hiện trạng rừng tỉnh Bắc Kạn đến 31/12 hằng năm")
    ws.merge_cells("A1:G1")
    _put(ws, "A2", "Area of forest as of 31st December")
    _put(ws, "G3", "Đơn vị tính - Unit: Ha")
    _put(ws, "B5", "Diện tích có rừng\nArea of forest")
    ws.merge_cells("B5:B6")
    _put(ws, "C5", "Chia ra - Of which")
    ws.merge_cells("C5:D5")
    _put(ws, "C6", "Rừng tự nhiên\nNatural forest")
    _put(ws, "D6", "Rừng trồng\nPlanted forest")
    _put(ws, "E5", "Rừng trồng")
    ws.merge_cells("E5:F5")
    _put(ws, "E6", "Tổng số")
    _put(ws, "F6", "Mới trồng")
    _put(ws, "G5", "Tỷ lệ che phủ rừng (%)\nProportion of forest coverage (%)")
    ws.merge_cells("G5:G6")
    _rows(
        ws,
        7,
        [
            ["2008(*)", "325.517,2", "286.495,4", "39.021,8", "39.021,8", "1.204,0", "41,20"],
            [2019, "336.405,4", "288.675,9", "47.729,5", "47.729,5", "-", None],
            ["2020", "336.256,8", None, "47.582,4", "47.582,4", "", "43,04"],
            ["Sơ bộ - Prel.2022", "342.410,2", "296.926,8", "45.483,4", "45.483,4", "…", None],
        ],
    )
    _put(ws, "G8", 0.4306, "0.00%")
    _put(ws, "G10", 0.4311, "0.0%")
    _put(ws, "C9", "=B9-D9")  # formula with a cached value (added below)
    _put(ws, "A12", "(*) Số liệu kiểm kê rừng.")

    ws = wb.create_sheet("Loi")
    _put(ws, "A1", "Một số chỉ tiêu tỉnh Bắc Kạn")
    _rows(
        ws,
        3,
        [
            ["Năm", "Dân số trung bình (Người)", "Số hộ gia đình (Hộ)", "Tỷ lệ che phủ rừng (%)"],
            [2019, 318999, "=B4/4", "#REF!"],
            [2020, "=1/0", 80120, 73.4],
            [2021, 325100, 81000, "1.234"],
        ],
    )
    ws["B5"].value = "#DIV/0!"

    ws = wb.create_sheet("KNK BAU")
    _put(ws, "A1", "Phát thải khí nhà kính theo kịch bản phát triển thông thường tỉnh Bắc Kạn")
    _put(ws, "G2", "Đơn vị tính: Nghìn tấn CO2tđ")
    _rows(
        ws,
        4,
        [
            [None, "Phát thải KNK theo kịch bản BAU", "Chia ra - Of which"],
            [None, None, "Năng lượng", "Nông nghiệp", "LULUCF", "Chất thải", "Khác"],
            ["2020", "1.207,8", "525,3", "709,4", "-310,2", "115,6", "167,7"],
        ],
    )
    ws.merge_cells("B4:B5")
    ws.merge_cells("C4:G4")
    return _save(wb, "years_measures.xlsx", cached={("Rung", "C9"): "288674.4"})


# --------------------------------------------------------------------------- layout 3


def indicators_periods():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "TTX"
    _put(ws, "A1", "UBND TỈNH BẮC KẠN")
    _put(ws, "A2", "KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU TĂNG TRƯỞNG XANH TỈNH BẮC KẠN NĂM 2020")
    ws.merge_cells("A2:H2")
    _rows(
        ws,
        4,
        [
            ["STT", "Chỉ tiêu", "ĐVT", "KH 2020", "Kết quả thực hiện", None, None, "So sánh (%)"],
            [None, None, None, None, "TH 2018", "TH 2019", "ƯTH 2020", "ƯTH/KH"],
            ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)"],
            ["I", "MÔI TRƯỜNG", None, None, None, None, None, None],
            ["1", "Tỷ lệ che phủ rừng", "%", "73", "72,1", "72,9", "73,4%", "100,5"],
            [
                "2",
                "Tỷ lệ chất thải rắn công nghiệp được thu gom, xử lý",
                "%",
                90,
                82.9,
                86.6,
                90.8,
                100.9,
            ],
            ["3", "Chất thải rắn nông thôn", None, None, None, None, None, None],
            [
                "a)",
                "Tỷ lệ rác thải nông thôn được thu gom xử lý",
                "%",
                "Trên 50",
                "40",
                "43",
                "KTH",
                None,
            ],
            [
                "-",
                "Trong đó: tỷ lệ được phân loại tại nguồn",
                "%",
                "1 - 1,5",
                "0,5",
                "0,8",
                "1,0",
                None,
            ],
            ["4", "Diện tích rừng trồng", "Nghìn ha", "45,0", "47,7", "47,6", "45,5", None],
            ["5", "Tỷ lệ che phủ rừng", "ha", "73", "72", "73", "74", None],
            ["II", "KINH TẾ", None, None, None, None, None, None],
            ["6", "Tốc độ tăng trưởng GRDP", "%", "Khoảng 6", "6,2", "6,5", "5,1", "85"],
            ["7", "Số xã đạt chuẩn NTM", "Xã", 20, 9, 14, 19, 95],
            ["8", "Tỷ lệ che phủ rừng", "%", 73, "=E8+1", 73.5, 73.6, None],
        ],
    )
    ws.merge_cells("E4:G4")
    ws.merge_cells("A4:A5")
    ws.merge_cells("B4:B5")
    ws.merge_cells("C4:C5")
    ws.merge_cells("D4:D5")
    _put(ws, "B21", "Bắc Kạn, ngày 10 tháng 12 năm 2020")
    _put(ws, "F22", "GIÁM ĐỐC")
    return _save(wb, "indicators_periods.xlsx")


# --------------------------------------------------------------------------- layout 4


def communes():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "NTM"
    _put(ws, "A1", "KẾT QUẢ XÂY DỰNG NÔNG THÔN MỚI CẤP XÃ NĂM 2021")
    _put(ws, "A2", "(Tính đến 31/12/2021)")
    _rows(
        ws,
        4,
        [
            ["STT", "Tên đơn vị", "Số tiêu chí đạt", "Đạt chuẩn NTM (x)", "Năm đạt chuẩn"],
            [None, "Toàn tỉnh", 11.2, 21, None],
            ["I", "Huyện Chợ Đồn", None, None, None],
            [1, "TT. Bằng Lũng", 19, "x", 2019],
            [2, "X. Ngọc Phái", 17, None, None],
            [3, "Phƣơng Viên", 19, "x", 2020],
            [4, nfd("Xã Quảng Bạch"), "12*", None, "-"],
            [None, "Cộng", 16.75, 2, None],
            ["II", "Huyện Chợ Mới", None, None, None],
            [1, "Xã Hoà Mục", 19, "x", 2018],
            [2, "Xã Không Tồn Tại", 9, None, None],
            [3, "Xã Thanh Vận", 25, None, 2030],
            [None, "Cộng", 17.7, 1, None],
        ],
    )
    _put(ws, "B18", "Người lập biểu")
    _put(ws, "D18", "Chủ tịch")

    ws = wb.create_sheet("Nuoc 2023")
    _put(ws, "A1", "Tỷ lệ hộ dân được sử dụng nước sạch phân theo xã năm 2023")
    _rows(
        ws,
        3,
        [
            ["TT", "Đơn vị", "Tỷ lệ hộ dân được sử dụng nước sạch (%)", "Số hộ gia đình (hộ)"],
            [1, "Xã Quảng Bạch", 0.934, "1.204"],
            [2, "Xã Ngọc Phái", 0.88, "1.050"],
        ],
    )
    ws["C4"].number_format = "0.0%"
    ws["C5"].number_format = "0.0%"

    ws = wb.create_sheet("Tieu chi 2020")
    _put(ws, "A1", "Số tiêu chí nông thôn mới đạt được của các xã năm 2020")
    _rows(
        ws,
        3,
        [
            ["STT", "Tên xã", "Số tiêu chí đạt"],
            ["I", "Huyện Ba Bể", None],
            [None, "Tổng số", 15.5],
            [1, "Xã Bành Trạch", 14],
            [2, "Xã Hà Hiệu", 17],
        ],
    )

    # district rows carry their own counts (no "Cộng" rows); a tick column that names
    # no commune count; a number on a commune row of the tick column
    ws = wb.create_sheet("NTM huyen 2022")
    _put(ws, "A1", "Kết quả xây dựng nông thôn mới năm 2022")
    _rows(
        ws,
        3,
        [
            ["TT", "Đơn vị", "Số tiêu chí đạt", "Đạt chuẩn NTM (x)", "Hoàn thành (x)"],
            [None, "TỔNG SỐ - TOTAL", None, 24, 30],
            ["I", "Huyện Ba Bể", None, 3, 4],
            [1, "Xã Bành Trạch", 19, "x", "x"],
            [2, "Xã Hà Hiệu", 18, 1, None],
            ["II", "Huyện Chợ Đồn", None, "2,5", None],
            [1, "Xã Ngọc Phái", 19, "X", None],
        ],
    )
    return _save(wb, "communes.xlsx")


# --------------------------------------------------------------------------- odds and ends


def unrecognised():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "So lieu"
    for r in range(1, 6):
        for c in range(1, 5):
            ws.cell(row=r, column=c, value=r * 10 + c)
    wb.create_sheet("Trong")
    ws = wb.create_sheet("Ghi chú - Notes")
    _put(ws, "A1", "Dữ liệu minh hoạ - Illustrative data, 2024")
    _put(ws, "A2", "Sheet")
    _put(ws, "B2", 1)
    _put(ws, "C2", 2)
    ws = wb.create_sheet("Van ban")
    _put(ws, "A1", "Chỉ có chữ, không có số liệu.")
    return _save(wb, "unrecognised.xlsx")


def spec_target():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Tu do"
    _put(ws, "A1", "Bảng tự do không theo mẫu")
    _rows(
        ws,
        3,
        [
            ["Huyện Ba Bể", "x1", 72.5, 9],
            ["Huyện Na Rì", "x2", "70,1", "-"],
            ["Cộng", "", 142.6, 9],
        ],
    )
    return _save(wb, "spec_target.xlsx")


def legacy_xls():
    try:
        import xlwt
    except ImportError:  # pragma: no cover - dev-time tool
        print("xlwt not installed: legacy.xls not regenerated")
        return None
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Bieu 5")
    pct = xlwt.easyxf(num_format_str="0.0%")
    ws.write(0, 0, "Tỷ lệ hộ dân được sử dụng nước sạch phân theo huyện")
    ws.write(1, 0, "Households using clean water by district")
    ws.write(2, 3, "Đơn vị tính - Unit: %")
    ws.write_merge(3, 3, 1, 2, "Năm - Year")
    ws.write(4, 1, 2019)
    ws.write(4, 2, "Sơ bộ 2020")
    ws.write(5, 0, "TỔNG SỐ - TOTAL")
    ws.write(5, 1, 0.852, pct)
    ws.write(5, 2, 0.871, pct)
    ws.write(6, 0, "Huyện Ngân Sơn - Ngan Son district")
    ws.write(6, 1, "80,5")
    ws.write(6, 2, xlwt.Formula("1/0"))
    ws.write(7, 0, "Huyện Bạch Thông")
    ws.write(7, 1, 81.5)
    ws.write(7, 2, "…")
    path = HERE / "legacy.xls"
    wb.save(str(path))
    return path


def main():
    for f in (
        areas_years,
        years_measures,
        indicators_periods,
        communes,
        unrecognised,
        spec_target,
        legacy_xls,
    ):
        p = f()
        if p is not None:
            print(f"{p.name}: {p.stat().st_size} bytes")


if __name__ == "__main__":
    main()
